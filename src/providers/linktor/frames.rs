//! Reacting to what the WebSocket says, and the subscriptions we keep on it.

use super::Provider;
use super::convert;
use super::rest::LinktorError;
use super::socket;
use super::webhook::Hook;
use super::wire::{ClientFrame, ServerFrame};
use crate::model::{ConversationStatus, DeliveryStatus, Workflow};
use crate::providers::ProviderEvent;
use crate::text::sanitize_line;

impl Provider {
    pub(super) async fn subscribe(&mut self, conversation: &str) {
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if !self.subscribed.insert(conversation.to_string()) {
            return;
        }
        let frame = ClientFrame::Subscribe {
            conversation_id: conversation.to_string(),
        };
        if let Err(err) = socket::send_in(sink, self.config.dialect, &frame).await {
            // The read side will see the broken socket and reconnect, which resubscribes.
            tracing::warn!(conversation, "linktor subscribe failed: {err}");
        }
    }

    /// Who has a conversation, its labels or priority changed (a push, or the answer to our
    /// change): said when it differs from what was last heard.
    pub(super) async fn work_heard(&mut self, conversation: String, work: Workflow) {
        let Some(known) = self.conversations.get_mut(&conversation) else {
            return;
        };
        if known.work == work {
            return;
        }
        known.work = work.clone();
        // Asked about once: a server without an agent list would be asked on every change.
        let newcomer = work.assignee.as_ref().is_some_and(|agent| {
            !self.agents.contains(agent)
                && self.config.me.as_ref().is_none_or(|me| me.id != *agent)
                && self.asked_about.insert(agent.clone())
        });
        self.emit(ProviderEvent::Workflow { conversation, work })
            .await;
        // Someone the team list did not name yet: read it again, so the row shows a name.
        if newcomer && let Err(err) = self.load_team().await {
            tracing::warn!(account = %self.account, "linktor: could not read the team again: {err}");
        }
    }

    pub(super) async fn frame(&mut self, frame: ServerFrame) -> Result<(), LinktorError> {
        match frame {
            ServerFrame::Message {
                conversation_id,
                message,
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    if !self.may_discover().await {
                        return Ok(());
                    }
                    self.discover(&conversation_id).await?;
                }
                self.deliver(&conversation_id, vec![message], true).await;
            }
            ServerFrame::MessageStatus {
                conversation_id,
                message_id,
                status,
                ..
            } => match DeliveryStatus::from_linktor(&status) {
                Some(status) => {
                    self.emit(ProviderEvent::StatusUpdate {
                        conversation: conversation_id,
                        message_id,
                        status,
                        reason: None,
                    })
                    .await;
                }
                None => tracing::warn!(%status, "unknown Linktor delivery status in a frame"),
            },
            ServerFrame::ConversationUpdate {
                conversation_id,
                status,
                assigned_to,
                tags,
                priority,
                snoozed_until,
                ..
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    if !self.may_discover().await {
                        return Ok(());
                    }
                    return self.discover(&conversation_id).await;
                }
                if let Some(status) = status {
                    match ConversationStatus::from_linktor(&status) {
                        Some(status) => {
                            self.emit(ProviderEvent::ConversationStatus {
                                conversation: conversation_id.clone(),
                                status,
                            })
                            .await;
                        }
                        None => tracing::warn!(%status, "unknown Linktor conversation status"),
                    }
                }
                // What the frame does not name stays as it was.
                let before = self
                    .conversations
                    .get(&conversation_id)
                    .map(|known| known.work.clone())
                    .unwrap_or_default();
                let work = Workflow {
                    assignee: match assigned_to {
                        Some(agent) => agent
                            .as_deref()
                            .map(sanitize_line)
                            .filter(|agent| !agent.is_empty()),
                        None => before.assignee,
                    },
                    labels: tags.map_or(before.labels, |tags| convert::labels(&tags)),
                    priority: priority
                        .map_or(before.priority, |name| convert::priority(name.as_deref())),
                    snoozed_until: snoozed_until.map_or(before.snoozed_until, |at| {
                        at.as_deref().and_then(super::wire::parse_time)
                    }),
                };
                self.work_heard(conversation_id, work).await;
            }
            ServerFrame::Typing {
                conversation_id,
                user_id,
                is_typing,
            } => {
                // Only the customer's typing is shown; other agents' typing is not ours to show.
                let from_contact = self
                    .conversations
                    .get(&conversation_id)
                    .is_some_and(|known| known.contact_id == user_id);
                if from_contact {
                    let who = self.contact_of(&conversation_id).name;
                    self.emit(ProviderEvent::Typing {
                        conversation: conversation_id,
                        who,
                        typing: is_typing,
                    })
                    .await;
                }
            }
            ServerFrame::Pong => {}
        }
        Ok(())
    }

    /// A verified webhook: a push by another road.
    pub(super) async fn hook(&mut self, hook: Hook) -> Result<(), LinktorError> {
        match hook {
            Hook::Frame(frame) => self.frame(*frame).await,
            Hook::Event(event) => {
                self.emit(event).await;
                Ok(())
            }
        }
    }

    /// Whether a conversation first heard of in a push is looked up now; if not, the next sync
    /// lists it with its messages (nothing is lost, it comes later), and that is said once a
    /// minute.
    async fn may_discover(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        if self.discovery.allow(now) {
            return true;
        }
        if self.notices.allow(now) {
            let deferred = std::mem::take(&mut self.discovery.deferred);
            tracing::warn!(account = %self.account, deferred, "new conversations pushed faster than they are looked up; left to the next sync");
            let notice = format!(
                "{deferred} pushes for new conversations came faster than they can be looked up; the next sync lists them"
            );
            self.emit(ProviderEvent::Error(notice)).await;
        }
        false
    }

    pub(super) async fn malformed(&mut self, reason: &str) {
        tracing::warn!(account = %self.account, "ignored malformed Linktor frame: {reason}");
        if self.notices.allow(tokio::time::Instant::now()) {
            let notice = format!(
                "ignored malformed frame from {}: {reason}",
                self.config.base_url
            );
            self.emit(ProviderEvent::Error(notice)).await;
        }
    }
}
