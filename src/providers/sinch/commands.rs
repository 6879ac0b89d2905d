//! The app's commands. Those needing REST run as child tasks and come back as an [`Outcome`],
//! so webhook pushes keep being handled while a send is in flight.

use serde_json::json;
use time::OffsetDateTime;
use tokio::task::JoinError;

use super::error::SinchError;
use super::rest::MessageQuery;
use super::wire::{
    AppEvent, AppMessage, CapabilityQuery, ChannelIdentity, IdentifiedBy, MessageList, Recipient,
    SendEventRequest, SendMessageRequest, SendMessageResponse, TextMessage, app_scoped,
};
use super::{Provider, convert};
use crate::model::{Content, DeliveryStatus, Direction, Message};
use crate::providers::kit::Classify;
use crate::providers::{ProviderCommand, ProviderEvent};
use crate::text::sanitize;

/// Results of the REST work commands start as child tasks.
pub(super) enum Outcome {
    Sent {
        conversation: String,
        client_id: String,
        text: String,
        result: Result<SendMessageResponse, SinchError>,
    },
    Older {
        conversation: String,
        result: Result<MessageList, SinchError>,
    },
    Deleted {
        conversation: String,
        message_id: String,
        result: Result<(), SinchError>,
    },
    CapabilityAsked {
        conversation: String,
        result: Result<(), SinchError>,
    },
    /// A resend's look for an earlier copy (`resend.rs`): the copy, or `None` to send.
    Checked {
        conversation: String,
        client_id: String,
        text: String,
        /// Boxed: a whole message is large, and the other outcomes are small.
        result: Result<Option<Box<super::wire::WireMessage>>, SinchError>,
    },
    /// Best effort (typing): only a refused key matters.
    Quiet(Result<(), SinchError>),
    /// A workflow change written to the conversation's metadata (`workflow.rs`), and the
    /// conversation before it, to put back if Sinch refused.
    WorkSet {
        conversation: String,
        before: Box<super::wire::WireConversation>,
        result: Result<Box<super::wire::WireConversation>, SinchError>,
    },
}

impl Provider {
    pub(super) async fn command(&mut self, command: ProviderCommand) {
        match command {
            ProviderCommand::SendText {
                conversation,
                client_id,
                text,
            }
            // Sinch conversations have no sessions to end: the options do not apply.
            | ProviderCommand::SendWithOptions {
                conversation,
                client_id,
                text,
                ..
            } => self.send_text(conversation, client_id, text).await,
            ProviderCommand::Resend {
                conversation,
                client_id,
                text,
            } => self.resend(conversation, client_id, text),
            // Sinch replies go to the contact, not in reply to a message.
            ProviderCommand::Answering { .. } => {}
            ProviderCommand::Typing {
                conversation,
                typing,
            } => self.send_typing(&conversation, typing),
            ProviderCommand::FetchOlder { conversation, .. } => {
                self.fetch_older(conversation).await
            }
            ProviderCommand::DeleteMessage {
                conversation,
                message_id,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.delete_message(&message_id).await;
                    Outcome::Deleted {
                        conversation,
                        message_id,
                        result,
                    }
                });
            }
            ProviderCommand::QueryCapability { conversation } => {
                self.query_capability(conversation).await
            }
            // Sinch keeps no read state: a mark stays on this machine.
            ProviderCommand::MarkUnread { .. } => {}
            // Sinch has no read marker for the app side: only our own unread count resets.
            ProviderCommand::MarkRead { conversation } => {
                if let Some(known) = self.conversations.get_mut(&conversation) {
                    known.unread = 0;
                }
            }
            ProviderCommand::Assign {
                conversation,
                agent,
            } => {
                self.change_work(conversation, |work| work.assignee = agent)
                    .await
            }
            ProviderCommand::SetLabels {
                conversation,
                labels,
            } => {
                self.change_work(conversation, |work| work.labels = labels)
                    .await
            }
            ProviderCommand::SetPriority {
                conversation,
                priority,
            } => {
                self.change_work(conversation, |work| work.priority = priority)
                    .await
            }
            ProviderCommand::SetSnoozedUntil {
                conversation,
                until,
            } => {
                self.change_work(conversation, |work| work.snoozed_until = until)
                    .await
            }
            // Every known conversation is already polled; Refresh is handled by the wait loop.
            ProviderCommand::Open { .. } | ProviderCommand::Refresh => {}
            ProviderCommand::SetStatus { .. }
            | ProviderCommand::AddNote { .. }
            | ProviderCommand::SearchContacts { .. }
            | ProviderCommand::CreateContact { .. }
            | ProviderCommand::StartConversation { .. } => {
                self.emit(ProviderEvent::Error(
                    "Sinch accounts do not support this action".to_string(),
                ))
                .await;
            }
        }
    }

    pub(super) async fn send_text(
        &mut self,
        conversation: String,
        client_id: String,
        text: String,
    ) {
        let Some(known) = self.conversations.get(&conversation) else {
            self.emit(ProviderEvent::SendFailed {
                conversation,
                client_id,
                reason: "Sinch does not know this conversation".to_string(),
            })
            .await;
            return;
        };
        let request = SendMessageRequest {
            app_id: self.rest.app_id().to_string(),
            recipient: Recipient::Contact {
                contact_id: known.contact_id.clone(),
            },
            message: AppMessage {
                text_message: Some(TextMessage { text: text.clone() }),
                ..AppMessage::default()
            },
            channel_priority_order: channel_order(&known.channel),
            channel_properties: self.config.channel_properties.clone(),
            message_metadata: Some(format!("{}{client_id}", convert::CLIENT_ID_PREFIX)),
            correlation_id: Some(client_id.clone()),
        };
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.send_message(&request).await;
            Outcome::Sent {
                conversation,
                client_id,
                text,
                result,
            }
        });
    }

    fn send_typing(&mut self, conversation: &str, typing: bool) {
        if !self.config.send_typing {
            return;
        }
        let Some(known) = self.conversations.get(conversation) else {
            return;
        };
        let event = if typing {
            AppEvent {
                composing_event: Some(json!({})),
                ..AppEvent::default()
            }
        } else {
            AppEvent {
                composing_end_event: Some(json!({})),
                ..AppEvent::default()
            }
        };
        let request = SendEventRequest {
            app_id: self.rest.app_id().to_string(),
            recipient: Recipient::Contact {
                contact_id: known.contact_id.clone(),
            },
            event,
            channel_priority_order: channel_order(&known.channel),
        };
        let rest = self.rest.clone();
        self.children
            .spawn(async move { Outcome::Quiet(rest.send_event(&request).await.map(|_| ())) });
    }

    async fn fetch_older(&mut self, conversation: String) {
        let token = self
            .conversations
            .get(&conversation)
            .and_then(|known| known.older.clone());
        match token {
            Some(token) if !token.is_empty() => {
                let rest = self.rest.clone();
                let query = MessageQuery {
                    conversation_id: Some(conversation.clone()),
                    start_time: None,
                    page_token: token,
                };
                self.children.spawn(async move {
                    let result = rest.list_messages(&query).await;
                    Outcome::Older {
                        conversation,
                        result,
                    }
                });
            }
            // The beginning was reached before (or the tail is not loaded yet: the sync will
            // say so when it is).
            Some(_) => {
                self.emit(ProviderEvent::HistoryComplete { conversation })
                    .await
            }
            None => {}
        }
    }

    async fn query_capability(&mut self, conversation: String) {
        let Some(known) = self.conversations.get(&conversation) else {
            return;
        };
        let identity = self
            .contacts
            .get(&known.contact_id)
            .and_then(Option::as_ref)
            .and_then(|contact| {
                contact
                    .channel_identities
                    .iter()
                    .find(|id| id.channel == known.channel)
                    .cloned()
            });
        let recipient = match identity {
            Some(identity) => Recipient::IdentifiedBy {
                identified_by: IdentifiedBy {
                    channel_identities: vec![ChannelIdentity {
                        app_id: if app_scoped(&identity.channel) {
                            self.rest.app_id().to_string()
                        } else {
                            String::new()
                        },
                        ..identity
                    }],
                },
            },
            None => Recipient::Contact {
                contact_id: known.contact_id.clone(),
            },
        };
        let request = CapabilityQuery {
            app_id: self.rest.app_id().to_string(),
            recipient,
            // Echoed in the CAPABILITY callback, so the answer finds its conversation.
            request_id: Some(conversation.clone()),
        };
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.query_capability(&request).await;
            Outcome::CapabilityAsked {
                conversation,
                result,
            }
        });
    }

    /// Turns a finished child's result into events. Returns the reason when the key was
    /// refused, so the wait loop stops polling.
    pub(super) async fn outcome(&mut self, joined: Result<Outcome, JoinError>) -> Option<String> {
        let outcome = match joined {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(account = %self.account, "Sinch command task failed: {err}");
                return None;
            }
        };
        match outcome {
            Outcome::Sent {
                conversation,
                client_id,
                text,
                result: Ok(sent),
            } => {
                let message = Message {
                    id: sent.message_id,
                    client_id: Some(client_id),
                    direction: Direction::Outbound,
                    sender: self.config.agent_name.clone(),
                    content: Content::Text(sanitize(&text)),
                    at: sent
                        .accepted_time
                        .as_deref()
                        .and_then(convert::parse_time)
                        .unwrap_or_else(OffsetDateTime::now_utc),
                    status: DeliveryStatus::Sent,
                    failure: None,
                };
                self.emit(ProviderEvent::Messages {
                    conversation,
                    messages: vec![message],
                    live: true,
                })
                .await;
                None
            }
            Outcome::Sent {
                conversation,
                client_id,
                result: Err(err),
                ..
            } => {
                self.emit(ProviderEvent::SendFailed {
                    conversation,
                    client_id,
                    reason: err.to_string(),
                })
                .await;
                err.is_auth().then(|| err.to_string())
            }
            Outcome::Older {
                conversation,
                result: Ok(page),
            } => {
                self.mark_seen(&page.messages);
                self.deliver(&conversation, &page.messages, false).await;
                if let Some(known) = self.conversations.get_mut(&conversation) {
                    known.older = Some(page.next_page_token.clone());
                }
                if page.next_page_token.is_empty() {
                    self.emit(ProviderEvent::HistoryComplete { conversation })
                        .await;
                }
                None
            }
            Outcome::Older {
                conversation,
                result: Err(err),
            } => {
                self.emit(ProviderEvent::Error(format!(
                    "could not load older messages of {conversation}: {err}"
                )))
                .await;
                err.is_auth().then(|| err.to_string())
            }
            Outcome::Deleted {
                conversation,
                message_id,
                result: Ok(()),
            } => {
                self.emit(ProviderEvent::MessageDeleted {
                    conversation,
                    message_id,
                })
                .await;
                None
            }
            Outcome::Deleted {
                message_id,
                result: Err(err),
                ..
            } => {
                self.emit(ProviderEvent::Error(format!(
                    "could not delete message {message_id}: {err}"
                )))
                .await;
                err.is_auth().then(|| err.to_string())
            }
            Outcome::CapabilityAsked {
                conversation,
                result,
            } => {
                let summary = match &result {
                    Ok(()) if self.pushes.is_some() => {
                        "capability lookup sent; the answer arrives by webhook".to_string()
                    }
                    Ok(()) => "capability lookup sent, but Sinch answers it by webhook: \
                               configure [account.webhook] to see the result"
                        .to_string(),
                    Err(err) => format!("capability lookup failed: {err}"),
                };
                self.emit(ProviderEvent::Capability {
                    conversation,
                    summary,
                })
                .await;
                result
                    .err()
                    .filter(SinchError::is_auth)
                    .map(|e| e.to_string())
            }
            Outcome::Checked {
                conversation,
                client_id,
                text,
                result,
            } => self.checked(conversation, client_id, text, result).await,
            Outcome::Quiet(Err(err)) => {
                tracing::debug!(account = %self.account, "Sinch typing event not sent: {err}");
                err.is_auth().then(|| err.to_string())
            }
            Outcome::Quiet(Ok(())) => None,
            Outcome::WorkSet {
                conversation,
                before,
                result,
            } => {
                self.work_set(conversation, *before, result.map(|wire| *wire))
                    .await
            }
        }
    }
}

/// The conversation's active channel first, so the reply goes where the contact is.
fn channel_order(channel: &str) -> Vec<String> {
    if channel.is_empty() {
        Vec::new()
    } else {
        vec![channel.to_string()]
    }
}
