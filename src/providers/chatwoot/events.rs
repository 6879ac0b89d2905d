//! What Chatwoot pushes (§6.6), over the cable or the account webhook, applied to the inbox.
//! Events of another account on the same personal stream are dropped (§6.5); a message for a
//! conversation not yet known makes the provider read that conversation (§10 item 8); typing
//! by an agent is never shown as the customer typing, and private-note typing says so.

use serde_json::Value;

use super::commands::{Outcome, ThreadRead};
use super::convert;
use super::webhook::Hook;
use super::wire::{self, Broadcast};
use super::{Provider, Thread};
use crate::providers::ProviderEvent;
use crate::text::sanitize_line;

/// Cable events the inbox has no use for (presence, notifications, unread-count refresh hints,
/// mentions, first replies, contact creation and deletion, voice calls).
const UNUSED: &[&str] = &[
    "presence.update",
    "notification.created",
    "notification.updated",
    "notification.deleted",
    "first.reply.created",
    "conversation.mentioned",
    "conversation.unread_count_changed",
    "contact.created",
    "contact.deleted",
    "account.enrichment_completed",
    "copilot.message.created",
];

impl Provider {
    pub(super) async fn broadcast(&mut self, broadcast: Broadcast) {
        let account = broadcast.data.get("account_id").and_then(Value::as_u64);
        if account.is_some_and(|account| account != self.config.account_id) {
            return;
        }
        self.event(&broadcast.event, broadcast.data).await;
    }

    /// A webhook delivery (§8.3), by its cable name.
    pub(super) async fn hook(&mut self, hook: Hook) {
        let account = hook.body.pointer("/account/id").and_then(Value::as_u64);
        if account.is_some_and(|account| account != self.config.account_id) {
            return;
        }
        let event = match hook.event.as_str() {
            "message_created" => "message.created",
            "message_updated" => "message.updated",
            "conversation_created" => "conversation.created",
            "conversation_updated" | "conversation_status_changed" => "conversation.updated",
            "conversation_typing_on" => "conversation.typing_on",
            "conversation_typing_off" => "conversation.typing_off",
            "contact_updated" => "contact.updated",
            other => {
                tracing::debug!(event = %sanitize_line(other), "chatwoot webhook event not used");
                return;
            }
        };
        self.event(event, hook.body).await;
    }

    async fn event(&mut self, event: &str, data: Value) {
        match event {
            "message.created" | "message.updated" => {
                match serde_json::from_value::<wire::Message>(data) {
                    Ok(message) => self.message_heard(message, true).await,
                    Err(err) => self.malformed(&format!("{event}: {err}")).await,
                }
            }
            "conversation.created"
            | "conversation.updated"
            | "conversation.status_changed"
            | "conversation.read"
            | "conversation.contact_changed"
            | "assignee.changed"
            | "team.changed" => match serde_json::from_value::<wire::Conversation>(data) {
                Ok(conversation) => self.heard_all(vec![conversation]).await,
                Err(err) => self.malformed(&format!("{event}: {err}")).await,
            },
            "conversation.typing_on" | "conversation.typing_off" => {
                match serde_json::from_value::<wire::Typing>(data) {
                    Ok(typing) => self.typing(typing, event.ends_with("_on")).await,
                    Err(err) => self.malformed(&format!("{event}: {err}")).await,
                }
            }
            "contact.updated" | "contact.merged" => {
                match serde_json::from_value::<wire::Contact>(data) {
                    Ok(contact) => self.contact_heard(&contact).await,
                    Err(err) => self.malformed(&format!("{event}: {err}")).await,
                }
            }
            "account.cache_invalidated" => self.reread_directory(),
            _ if UNUSED.contains(&event) => {}
            other => {
                tracing::debug!(event = %sanitize_line(other), "chatwoot event not used");
            }
        }
    }

    /// A message from a listing or a push. One for a conversation not yet known makes the
    /// provider read the conversation first (its thread, read after, holds this message).
    pub(super) async fn message_heard(&mut self, wire: wire::Message, live: bool) {
        let Some(id) = convert::conversation_of(&wire) else {
            self.malformed("a message without its conversation").await;
            return;
        };
        if let Some(echo) = &wire.echo_id {
            self.echoed.heard(echo);
        }
        let Some(known) = self.known.get_mut(&id) else {
            self.discover(id);
            return;
        };
        let conversation = &mut known.conversation;
        let message = convert::message(&wire, &conversation.channel, &conversation.contact.name);
        // The slim conversation of a push carries the unread count and the activity time.
        let slim = wire.conversation.as_ref();
        let mut changed = false;
        if let Some(unread) = slim
            .and_then(|c| c.get("unread_count"))
            .and_then(Value::as_u64)
        {
            let unread = u32::try_from(unread).unwrap_or(u32::MAX);
            changed |= conversation.unread != unread;
            conversation.unread = unread;
        }
        let chat = !wire.private && wire.message_type != wire::MessageType::Activity;
        if conversation
            .last_message_at
            .is_none_or(|at| at <= message.at)
        {
            changed |= conversation.last_message_at != Some(message.at);
            conversation.last_message_at = Some(message.at);
            if chat {
                let preview = Some(sanitize_line(&message.content.preview()));
                changed |= conversation.last_message != preview;
                conversation.last_message = preview;
            }
        }
        if let Some(thread) = known.thread.as_mut() {
            thread.newest = thread.newest.max(wire.id);
            thread.oldest = thread.oldest.min(wire.id);
        }
        let updated = changed.then(|| known.conversation.clone());
        if let Some(updated) = updated {
            self.out
                .emit(ProviderEvent::Conversations(vec![updated]))
                .await;
        }
        self.out
            .emit(ProviderEvent::Messages {
                conversation: id.to_string(),
                messages: vec![message],
                live,
            })
            .await;
    }

    /// Reads a conversation first heard of in a push, once at a time.
    fn discover(&mut self, id: u64) {
        if !self.discovering.insert(id) {
            return;
        }
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.conversation(id).await;
            Outcome::Discovered { id, result }
        });
    }

    /// A discovered conversation: listed, then its tail read.
    pub(super) async fn discovered(&mut self, id: u64, wire: wire::Conversation) {
        self.heard_all(vec![wire]).await;
        if let Some(known) = self.known.get_mut(&id)
            && known.thread.is_none()
        {
            known.thread = Some(Thread {
                oldest: u64::MAX,
                newest: 0,
            });
            self.read_thread(id, ThreadRead::Tail);
        }
    }

    async fn typing(&mut self, typing: wire::Typing, on: bool) {
        let id = typing.conversation.id;
        if !self.known.contains_key(&id) {
            return;
        }
        let user = typing.user.unwrap_or_default();
        let name = sanitize_line(
            user.available_name
                .as_deref()
                .or(user.name.as_deref())
                .unwrap_or_default(),
        );
        let is_contact = user.kind.as_deref() == Some("contact");
        if !is_contact && self.me.as_ref().is_some_and(|me| user.id == Some(me.id)) {
            return;
        }
        let who = match (is_contact, typing.is_private) {
            (_, true) => format!("{} (private note)", non_empty(name, "an agent")),
            (true, false) => non_empty(name, "the customer"),
            (false, false) => format!("{} (agent)", non_empty(name, "an agent")),
        };
        self.out
            .emit(ProviderEvent::Typing {
                conversation: id.to_string(),
                who,
                typing: on,
            })
            .await;
    }

    async fn contact_heard(&mut self, contact: &wire::Contact) {
        let Some(contact_id) = contact.id else {
            return;
        };
        let fresh = convert::contact(Some(contact), None);
        let mut changed = Vec::new();
        for known in self.known.values_mut() {
            if known.contact_id != Some(contact_id) {
                continue;
            }
            let mut contact = fresh.clone();
            if contact.identity.is_empty() {
                contact.identity = known.conversation.contact.identity.clone();
            }
            if known.conversation.contact != contact {
                known.conversation.contact = contact;
                changed.push(known.conversation.clone());
            }
        }
        if !changed.is_empty() {
            self.out.emit(ProviderEvent::Conversations(changed)).await;
        }
    }

    /// Labels, inboxes or teams changed on the server (§6.6): read them again.
    fn reread_directory(&mut self) {
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = async {
                Ok((
                    rest.inboxes().await?,
                    rest.agents().await?,
                    rest.teams().await?,
                    rest.labels().await?,
                ))
            }
            .await;
            Outcome::Directory(Box::new(result))
        });
    }
}

fn non_empty(name: String, instead: &str) -> String {
    if name.trim().is_empty() {
        instead.to_string()
    } else {
        name
    }
}
