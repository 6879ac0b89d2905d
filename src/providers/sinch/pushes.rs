//! Webhook callbacks (§1.6) → provider events. Messages pushed here are upserts like polled
//! ones, so a push racing a poll of the same message changes nothing twice (merge rule 1).

use super::error::SinchError;
use super::reported::Reported;
use super::webhook::Push;
use super::wire::Callback;
use super::{Provider, convert};
use crate::model::ConversationStatus;
use crate::providers::ProviderEvent;

impl Provider {
    pub(super) async fn push(&mut self, push: Push) -> Result<(), SinchError> {
        match push {
            Push::Rejected(reason) => {
                self.notice(format!("Sinch webhook: {reason}")).await;
                Ok(())
            }
            Push::Callback(callback) => self.callback(*callback).await,
        }
    }

    async fn callback(&mut self, callback: Callback) -> Result<(), SinchError> {
        if !callback.app_id.is_empty() && callback.app_id != self.rest.app_id() {
            tracing::debug!(app = %callback.app_id, "Sinch callback for another app ignored");
            return Ok(());
        }
        if let Some(message) = callback.message {
            let conversation = message.conversation_id.clone();
            if conversation.is_empty() {
                return Ok(());
            }
            if !self.conversations.contains_key(&conversation) {
                self.discover(&conversation).await?;
            }
            // Not advancing the poll cursor: polling still backfills around it. The app counts
            // a live message as unread itself; our count only keeps later relistings right.
            self.count_new(&conversation, std::slice::from_ref(&message));
            self.deliver(&conversation, std::slice::from_ref(&message), true)
                .await;
        } else if let Some(report) = callback.message_delivery_report {
            if let Some(client_id) = convert::client_id(&report.metadata) {
                let reported = Reported {
                    conversation: report.conversation_id.clone(),
                    message_id: report.message_id.clone(),
                };
                self.reported.record(client_id, reported);
            }
            if let Some((status, reason)) = convert::delivery(&report) {
                self.emit(ProviderEvent::StatusUpdate {
                    conversation: report.conversation_id.clone(),
                    message_id: report.message_id.clone(),
                    status,
                    reason,
                })
                .await;
            }
        } else if let Some(event) = callback.event {
            let Some(kind) = event.contact_event else {
                return Ok(());
            };
            let typing = if kind.composing_event.is_some() {
                true
            } else if kind.composing_end_event.is_some() {
                false
            } else {
                return Ok(());
            };
            let who = self.contact_of(&event.conversation_id).name;
            self.emit(ProviderEvent::Typing {
                conversation: event.conversation_id,
                who,
                typing,
            })
            .await;
        } else if let Some(start) = callback.conversation_start_notification {
            let converted = self.remember(&start.conversation).await?;
            self.emit(ProviderEvent::Conversations(vec![converted]))
                .await;
            self.emit(ProviderEvent::ConversationStatus {
                conversation: start.conversation.id,
                status: ConversationStatus::Open,
            })
            .await;
        } else if let Some(stop) = callback.conversation_stop_notification {
            self.emit(ProviderEvent::ConversationStatus {
                conversation: stop.conversation.id,
                status: ConversationStatus::Closed,
            })
            .await;
        } else if let Some(capability) = callback.capability_notification {
            let conversation = if self.conversations.contains_key(&capability.request_id) {
                capability.request_id.clone()
            } else {
                match self
                    .conversations
                    .iter()
                    .find(|(_, known)| known.contact_id == capability.contact_id)
                {
                    Some((id, _)) => id.clone(),
                    None => return Ok(()),
                }
            };
            let summary = convert::capability_summary(&capability);
            if let Some(known) = self.conversations.get_mut(&conversation) {
                known.capability = Some(summary.clone());
            }
            self.emit(ProviderEvent::Capability {
                conversation,
                summary,
            })
            .await;
        }
        Ok(())
    }
}
