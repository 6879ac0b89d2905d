//! What the streams and pushes deliver, applied to the provider's state: inbound messages become
//! thread messages of a conversation per (transport, address); events become delivery updates,
//! and an event that outruns the answer to our PUT waits (bounded) until the message is known.

use time::OffsetDateTime;

use super::convert::{self, ConversationFacts, SessionState};
use super::wire::{Event, UserMessage};
use super::{Known, Provider};
use crate::providers::ProviderEvent;

impl Provider {
    pub(super) async fn inbound(&mut self, message: UserMessage) {
        let (transport, address) = convert::inbound_key(&message);
        if address.is_empty() {
            self.garbage("messages", "a user message without from_addr")
                .await;
            return;
        }
        let id = convert::conversation_id(&transport, &address);
        let at = convert::message_time(&message, OffsetDateTime::now_utc());
        let thread_message = convert::inbound_message(&message, at);
        let first_time = self.seen_inbound.insert(thread_message.id.clone(), ());
        let is_new_conversation = !self.conversations.contains_key(&id);
        let known = self
            .conversations
            .entry(id.clone())
            .or_insert_with(|| Known {
                facts: ConversationFacts {
                    transport: transport.clone(),
                    address: address.clone(),
                    our_address: None,
                    session: None,
                    unread: 0,
                    last_at: None,
                },
                latest_inbound: None,
                awaiting_since: None,
            });
        if first_time {
            known.facts.unread += 1;
            known.awaiting_since.get_or_insert(at);
            let newer = known
                .latest_inbound
                .as_ref()
                .is_none_or(|(latest, _)| at >= *latest);
            if newer {
                known.latest_inbound = Some((at, thread_message.id.clone()));
                if convert::is_session_transport(&transport) {
                    known.facts.session =
                        SessionState::after(known.facts.session, message.session_event.as_deref())
                            .or(Some(SessionState::Open));
                }
            }
            if let Some(ours) = message.to_addr.as_deref().filter(|a| !a.is_empty()) {
                known.facts.our_address = Some(crate::text::sanitize_line(ours));
            }
            known.facts.last_at = known.facts.last_at.max(Some(at));
        }
        // The conversation as it stood before this message, then the message: the app counts
        // a live inbound message as unread itself, so it is not counted twice.
        let mut conversation = convert::conversation(&self.account, &known.facts);
        conversation.unread = conversation.unread.saturating_sub(u32::from(first_time));
        self.emit(ProviderEvent::Conversations(vec![conversation]))
            .await;
        if is_new_conversation {
            // Vumi keeps no history: there is nothing older to load.
            self.emit(ProviderEvent::HistoryComplete {
                conversation: id.clone(),
            })
            .await;
        }
        self.emit(ProviderEvent::Messages {
            conversation: id,
            messages: vec![thread_message],
            live: true,
        })
        .await;
    }

    pub(super) async fn event(&mut self, event: Event) {
        let Some(conversation) = self.sent.get(&event.user_message_id).cloned() else {
            // Not ours yet (the PUT's answer may still be on its way), or never ours.
            if self.early_events.len() >= self.config.max_early_events
                && let Some(dropped) = self.early_events.pop_front()
            {
                tracing::debug!(
                    message = %dropped.user_message_id,
                    "vumi event for an unknown message forgotten"
                );
            }
            self.early_events.push_back(event);
            return;
        };
        self.apply_event(conversation, &event).await;
    }

    /// Applies the events that were waiting for `message_id`, once its conversation is known.
    pub(super) async fn release_early_events(&mut self, message_id: &str, conversation: &str) {
        let (ready, waiting): (Vec<Event>, Vec<Event>) = std::mem::take(&mut self.early_events)
            .into_iter()
            .partition(|event| event.user_message_id == message_id);
        self.early_events = waiting.into();
        for event in ready {
            self.apply_event(conversation.to_string(), &event).await;
        }
    }

    async fn apply_event(&mut self, conversation: String, event: &Event) {
        let Some((status, reason)) = convert::event_status(event) else {
            tracing::debug!(kind = %event.event_type, "vumi event ignored");
            return;
        };
        self.emit(ProviderEvent::StatusUpdate {
            conversation,
            message_id: crate::text::sanitize_line(&event.user_message_id),
            status,
            reason,
        })
        .await;
    }
}
