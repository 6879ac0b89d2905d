//! What Chatwoot pushes (§6.6), over the cable or the account webhook, applied to the inbox.
//! Events of another account on the same personal stream are dropped (§6.5); a message for a
//! conversation not yet known makes the provider read that conversation (§10 item 8); typing
//! by an agent is never shown as the customer typing, and private-note typing says so.

use serde_json::Value;

use super::commands::{Outcome, ThreadRead};
use super::config::Listing;
use super::convert;
use super::webhook::Hook;
use super::wire::{self, Broadcast};
use super::{Provider, Thread, UNREAD_CAP};
use crate::providers::ProviderEvent;
use crate::text::sanitize_line;

/// New messages kept per conversation while it is read (a flood is read from its thread).
const WITHHELD_AT_MOST: usize = 50;

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
                    // An update is not news: a status, a translation, a deletion.
                    Ok(message) => {
                        self.message_heard(message, event == "message.created")
                            .await
                    }
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

    /// A message from a push or an answer; `new` when it was just created (it may alert and
    /// count as unread). Our own replies are shown whatever the listing; another message of a
    /// conversation not yet known is shown at once when every conversation is listed (else
    /// once the conversation turns out to be), and the conversation is read so its row
    /// follows.
    pub(super) async fn message_heard(&mut self, wire: wire::Message, new: bool) {
        if let Some(echo) = &wire.echo_id {
            self.echoed.heard(echo.clone());
            self.claimed.heard(wire.id);
        }
        let Some(id) = convert::conversation_of(&wire) else {
            self.malformed("a message without its conversation").await;
            return;
        };
        let ours = wire
            .echo_id
            .as_ref()
            .is_some_and(|echo| self.sent.contains(echo));
        if ours {
            self.admitted.insert(id);
            self.not_listed.remove(&id);
        }
        if let Some(inbox) = wire.inbox()
            && !ours
            && !self.config.inboxes.is_empty()
            && !self.config.inboxes.contains(&inbox)
        {
            return;
        }
        // Heard before (the cable and the webhook both carry it): not news a second time.
        let heard_before = self.newest_heard.get(&id).copied().unwrap_or(0);
        let news = new && wire.id > heard_before;
        self.newest_heard.insert(id, heard_before.max(wire.id));
        // A soft delete (§4.3) arrives as an update saying so.
        if wire.attributes().get("deleted") == Some(&Value::Bool(true)) {
            self.out
                .emit(ProviderEvent::MessageDeleted {
                    conversation: id.to_string(),
                    message_id: wire.id.to_string(),
                })
                .await;
            return;
        }
        if self.not_listed.contains(&id) {
            return;
        }
        let Some(known) = self.known.get_mut(&id) else {
            if self.config.listing == Listing::All || ours {
                let channel = self.directory.channel_of_inbox(wire.inbox());
                let message = convert::message(&wire, &channel, "the customer");
                self.out
                    .emit(ProviderEvent::Messages {
                        conversation: id.to_string(),
                        messages: vec![message],
                        live: news,
                    })
                    .await;
            } else if news {
                let waiting = self.withheld.entry(id).or_default();
                if waiting.len() < WITHHELD_AT_MOST {
                    waiting.push(wire);
                }
            }
            self.discover(id);
            return;
        };
        let conversation = &mut known.conversation;
        let message = convert::message(&wire, &conversation.channel, &conversation.contact.name);
        // An update to a message outside the thread as held (an old one's receipt or
        // translation) changes its status at most: shown whole, it would sit alone with a gap.
        let held = known
            .thread
            .is_some_and(|thread| thread.newest != 0 && wire.id >= thread.oldest);
        if !new && !held {
            if wire.status.is_some() && message.direction != crate::model::Direction::Inbound {
                self.out
                    .emit(ProviderEvent::StatusUpdate {
                        conversation: id.to_string(),
                        message_id: message.id,
                        status: message.status,
                        reason: message.failure,
                    })
                    .await;
            }
            return;
        }
        let incoming = message.direction == crate::model::Direction::Inbound;
        // The slim conversation of a push carries the unread count (capped at 10, §3.10):
        // past the cap, the messages heard are counted here, as the app counts them.
        let slim = wire.conversation.as_ref();
        let mut changed = false;
        if let Some(unread) = slim
            .and_then(|c| c.get("unread_count"))
            .and_then(Value::as_u64)
        {
            let unread = u32::try_from(unread).unwrap_or(u32::MAX);
            let counted = match unread >= UNREAD_CAP && conversation.unread >= UNREAD_CAP {
                true if news && incoming => conversation.unread.saturating_add(1),
                true => conversation.unread,
                false => unread,
            };
            changed |= conversation.unread != counted;
            conversation.unread = counted;
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
        if let Some(thread) = known.thread.as_mut()
            && thread.newest != 0
            && new
        {
            thread.newest = thread.newest.max(wire.id);
        }
        let updated = changed.then(|| known.conversation.clone());
        // A customer's message ends their typing (the app takes it so too); an agent's ends
        // this provider's reminders of theirs.
        if news && chat {
            self.typists.wrote(id, incoming);
        }
        // The message first: the app counts a new one as unread, then takes the count.
        self.out
            .emit(ProviderEvent::Messages {
                conversation: id.to_string(),
                messages: vec![message],
                live: news,
            })
            .await;
        if let Some(updated) = updated {
            self.out
                .emit(ProviderEvent::Conversations(vec![updated]))
                .await;
        }
    }

    /// Reads a conversation first heard of in a push, once at a time.
    pub(super) fn discover(&mut self, id: u64) {
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
        // What it said while being read is news (an alert), if it is ours to list; the
        // count read with the conversation already holds it, so it is said again after.
        let waiting = self.withheld.remove(&id).unwrap_or_default();
        if !waiting.is_empty() && self.known.contains_key(&id) {
            for message in waiting {
                // Heard once already, when it was kept.
                self.newest_heard.insert(id, message.id.saturating_sub(1));
                self.message_heard(message, true).await;
            }
            if let Some(known) = self.known.get(&id) {
                let conversation = known.conversation.clone();
                self.out
                    .emit(ProviderEvent::Conversations(vec![conversation]))
                    .await;
            }
        }
        if let Some(known) = self.known.get_mut(&id)
            && known.thread.is_none()
        {
            known.thread = Some(Thread::loading());
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
        // Webhooks name a contact without a `type` (§8.3): only a user is an agent.
        let kind = user.kind.as_deref().unwrap_or("contact");
        if kind == "user" && self.me.as_ref().is_some_and(|me| user.id == Some(me.id)) {
            return;
        }
        let who = match (kind, typing.is_private) {
            (_, true) => format!("{} (private note)", non_empty(name, "an agent")),
            ("user", false) => format!("{} (agent)", non_empty(name, "an agent")),
            ("agent_bot" | "captain_assistant", false) => {
                format!("{} (bot)", non_empty(name, "a bot"))
            }
            _ => non_empty(name, "the customer"),
        };
        self.typists.heard(id, &who, kind == "contact", on);
        self.out
            .emit(ProviderEvent::Typing {
                conversation: id.to_string(),
                who,
                typing: on,
            })
            .await;
    }

    /// Chatwoot says "typing" once per burst and drops it after 30 s without news (§3.9):
    /// the app, which forgets a typist sooner, is reminded while the 30 s last.
    pub(super) async fn remind_typing(&mut self) {
        for (conversation, who, typing) in self.typists.due(std::time::Instant::now()) {
            self.out
                .emit(ProviderEvent::Typing {
                    conversation: conversation.to_string(),
                    who,
                    typing,
                })
                .await;
        }
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

    /// Labels, inboxes or teams changed on the server (§6.6), or the user asked for a resync:
    /// the directory and the canned responses are read again.
    pub(super) fn reread_directory(&mut self) {
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = async {
                Ok((
                    rest.inboxes().await?,
                    rest.agents().await?,
                    rest.teams().await?,
                    rest.labels().await?,
                    rest.canned_responses().await?,
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
