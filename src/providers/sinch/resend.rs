//! Sending a reply again without sending it twice. Sinch does not deduplicate sends, but every
//! reply carries its client id in `message_metadata`. Before a resend (a retry, or a reply
//! restored after a restart) two places are asked whether the earlier attempt arrived:
//! - the delivery reports heard on the webhook ([`super::reported`]): Sinch documents that they
//!   echo `message_metadata`, so this is the check that rests on the docs;
//! - the conversation's newest messages, for one whose `metadata` carries the client id. Sinch
//!   documents listed messages' `metadata` as the contact's, not the send's, so this finds a
//!   copy only where the server happens to echo it.
//!
//! If either names the earlier copy, it is reported (it confirms the outbox entry); only if
//! neither does is the reply sent. Neither is a lock: a send the server accepts only after we
//! gave up waiting for it *and* after the check would still arrive twice.

use super::commands::Outcome;
use super::error::SinchError;
use super::reported::Reported;
use super::rest::{MessageQuery, SinchRest};
use super::wire::{AppMessage, TextMessage, WireMessage};
use super::{Provider, convert};
use crate::providers::ProviderEvent;
use crate::providers::kit::Classify;

/// Pages of the conversation's newest messages searched for an earlier copy (newest first, so
/// a recent reply is on the first page unless the thread got very busy meanwhile).
const CHECK_PAGES: usize = 4;

impl Provider {
    /// Looks for an earlier copy of the reply, then reports it or sends (in a child task).
    pub(super) fn resend(&mut self, conversation: String, client_id: String, text: String) {
        if let Some(reported) = self.reported.get(&client_id) {
            let copy = reported_copy(reported, &conversation, &client_id, &text);
            self.children.spawn(async move {
                Outcome::Checked {
                    conversation,
                    client_id,
                    text,
                    result: Ok(Some(Box::new(copy))),
                }
            });
            return;
        }
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = find_copy(&rest, &conversation, &client_id).await;
            Outcome::Checked {
                conversation,
                client_id,
                text,
                result,
            }
        });
    }

    /// The check's answer: the copy found, a send, or a failed attempt (the outbox retries;
    /// sending blind could make a second copy).
    pub(super) async fn checked(
        &mut self,
        conversation: String,
        client_id: String,
        text: String,
        result: Result<Option<Box<WireMessage>>, SinchError>,
    ) -> Option<String> {
        match result {
            Ok(Some(copy)) => {
                tracing::info!(
                    account = %self.account,
                    message = %copy.id,
                    "an earlier attempt of a reply had arrived; not sending it again"
                );
                self.mark_seen(std::slice::from_ref(copy.as_ref()));
                self.deliver(&conversation, std::slice::from_ref(copy.as_ref()), false)
                    .await;
                None
            }
            Ok(None) => {
                self.send_text(conversation, client_id, text).await;
                None
            }
            Err(err) => {
                self.emit(ProviderEvent::SendFailed {
                    conversation,
                    client_id,
                    reason: format!("could not check whether an earlier attempt arrived: {err}"),
                })
                .await;
                err.is_auth().then(|| err.to_string())
            }
        }
    }
}

/// The message a delivery report confirmed, as far as the report tells it: its id, and our own
/// text and client id (a later listing of the same id fills in the rest).
fn reported_copy(
    reported: &Reported,
    conversation: &str,
    client_id: &str,
    text: &str,
) -> WireMessage {
    let conversation = if reported.conversation.is_empty() {
        conversation
    } else {
        &reported.conversation
    };
    WireMessage {
        id: reported.message_id.clone(),
        direction: "TO_CONTACT".to_string(),
        conversation_id: conversation.to_string(),
        app_message: Some(AppMessage {
            text_message: Some(TextMessage {
                text: text.to_string(),
            }),
            ..AppMessage::default()
        }),
        metadata: format!("{}{client_id}", convert::CLIENT_ID_PREFIX),
        accept_time: Some(convert::format_time(time::OffsetDateTime::now_utc())),
        ..WireMessage::default()
    }
}

/// The newest message of the conversation whose metadata names `client_id`, if any.
async fn find_copy(
    rest: &SinchRest,
    conversation: &str,
    client_id: &str,
) -> Result<Option<Box<WireMessage>>, SinchError> {
    let marker = format!("{}{client_id}", convert::CLIENT_ID_PREFIX);
    let mut token = String::new();
    for _ in 0..CHECK_PAGES {
        let query = MessageQuery {
            conversation_id: Some(conversation.to_string()),
            start_time: None,
            page_token: token.clone(),
        };
        let page = rest.list_messages(&query).await?;
        if let Some(copy) = page.messages.iter().find(|m| m.metadata == marker) {
            return Ok(Some(Box::new(copy.clone())));
        }
        if page.messages.is_empty()
            || page.next_page_token.is_empty()
            || page.next_page_token == token
        {
            break;
        }
        token = page.next_page_token;
    }
    Ok(None)
}
