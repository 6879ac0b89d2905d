//! Sending: which PUT body a reply becomes, and what its answer means.
//!
//! - A reply in a conversation with an inbound message to answer goes `in_reply_to` it; on USSD
//!   and voice it carries `session_event` `resume`, or `close` when the agent ends the session.
//! - Without one (or once a session is closed) it is a new message to `to_addr`.
//! - A voice message with a recording or a wait-for key uses go-http's `send_voice` shape (a
//!   new message with `helper_metadata.voice`), since the server reads it only there.
//!
//! After a successful reply, metrics (when on) are fired as a separate PUT.

use time::OffsetDateTime;

use super::Provider;
use super::convert::{self, SessionState};
use super::rest::VumiError;
use super::wire::{Metric, SendBody, UserMessage};
use crate::providers::kit::Classify;
use crate::providers::{ProviderEvent, SendOptions};

/// A finished child task.
pub(super) enum Outcome {
    Sent {
        conversation: String,
        client_id: String,
        text: String,
        end_session: bool,
        result: Result<Box<UserMessage>, VumiError>,
    },
    Metrics(Result<(), VumiError>),
}

/// Builds the PUT body for a reply in `conversation` (see the module doc).
pub(super) fn body_for(
    transport: &str,
    address: &str,
    latest_inbound: Option<&str>,
    session: Option<SessionState>,
    text: &str,
    options: &SendOptions,
) -> SendBody {
    let sessions = convert::is_session_transport(transport);
    let session_event = |open: bool| -> Option<&'static str> {
        if !sessions {
            None
        } else if options.end_session {
            Some("close")
        } else if open {
            Some("resume")
        } else {
            Some("new")
        }
    };
    let open = session.is_some_and(|s| s != SessionState::Closed);
    if options.speech_url.is_some() || options.wait_for.is_some() {
        return SendBody::voice(
            address,
            text,
            options.speech_url.as_deref(),
            options.wait_for.as_deref(),
            session_event(open),
        );
    }
    match latest_inbound {
        Some(inbound) if !sessions || open => SendBody::reply(inbound, text, session_event(true)),
        // A new message: the 2016 server ignores `session_event` here, so none is sent.
        _ => SendBody::text(address, text, None),
    }
}

impl Provider {
    /// The app's word on what a reply in `conversation` answers (see [`Provider::send`]).
    pub(super) fn answering(&mut self, conversation: String, message_id: String) {
        self.answering.set(conversation, message_id);
    }

    pub(super) async fn send(
        &mut self,
        conversation: String,
        client_id: String,
        text: String,
        options: SendOptions,
    ) {
        let Some((transport, address)) = convert::split_conversation_id(&conversation) else {
            self.emit(ProviderEvent::SendFailed {
                conversation,
                client_id,
                reason: "not a Vumi Go conversation".to_string(),
            })
            .await;
            return;
        };
        let known = self.conversations.get(&conversation);
        let heard = known.and_then(|k| k.latest_inbound.as_ref().map(|(_, id)| id.as_str()));
        // Nothing heard live this run: answer what the app's store says came last, and take a
        // session it does not know the state of as still open (the server refuses a reply to a
        // closed one, and the outbox shows why).
        let stored = heard
            .is_none()
            .then(|| self.answering.get(&conversation).map(String::as_str))
            .flatten();
        let session = match (known.and_then(|k| k.facts.session), stored) {
            (None, Some(_)) => Some(SessionState::Open),
            (session, _) => session,
        };
        let body = body_for(
            transport,
            address,
            heard.or(stored),
            session,
            &text,
            &options,
        );
        let rest = self.rest.clone();
        let end_session = options.end_session;
        self.children.spawn(async move {
            let result = rest.send(&body).await.map(Box::new);
            Outcome::Sent {
                conversation,
                client_id,
                text,
                end_session,
                result,
            }
        });
    }

    pub(super) async fn outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Sent {
                conversation,
                client_id,
                text,
                end_session,
                result,
            } => match result {
                Ok(message) => {
                    self.sent_ok(conversation, &client_id, &text, end_session, *message)
                        .await
                }
                Err(err) => {
                    tracing::warn!(account = %self.account, conversation, "vumi send failed: {err}");
                    let auth = err.is_auth();
                    self.emit(ProviderEvent::SendFailed {
                        conversation,
                        client_id,
                        reason: err.to_string(),
                    })
                    .await;
                    if auth {
                        self.auth_failed().await;
                    }
                }
            },
            Outcome::Metrics(Ok(())) => {
                tracing::debug!(account = %self.account, "vumi metrics published");
            }
            Outcome::Metrics(Err(err)) => {
                tracing::warn!(account = %self.account, "vumi metrics refused: {err}");
                if err.is_auth() {
                    self.auth_failed().await;
                } else {
                    self.emit(ProviderEvent::Error(format!(
                        "Vumi Go refused the metrics: {err}"
                    )))
                    .await;
                }
            }
        }
    }

    async fn sent_ok(
        &mut self,
        conversation: String,
        client_id: &str,
        text: &str,
        end_session: bool,
        message: UserMessage,
    ) {
        let now = OffsetDateTime::now_utc();
        let at = convert::message_time(&message, now);
        let echo =
            convert::outbound_message(&message, client_id, &self.config.agent_name, text, at);
        self.sent
            .insert(message.message_id.clone(), conversation.clone());
        self.emit(ProviderEvent::Messages {
            conversation: conversation.clone(),
            messages: vec![echo],
            live: true,
        })
        .await;
        self.release_early_events(&message.message_id, &conversation)
            .await;

        let mut waited = None;
        let mut changed = None;
        if let Some(known) = self.conversations.get_mut(&conversation) {
            waited = known.awaiting_since.take().map(|since| now - since);
            let closing = end_session || message.session_event.as_deref() == Some("close");
            if closing && convert::is_session_transport(&known.facts.transport) {
                known.facts.session = Some(SessionState::Closed);
                changed = Some(convert::conversation(&self.account, &known.facts));
            } else if known.facts.session == Some(SessionState::New) {
                known.facts.session = Some(SessionState::Open);
                changed = Some(convert::conversation(&self.account, &known.facts));
            }
        }
        if let Some(conversation) = changed {
            self.emit(ProviderEvent::Conversations(vec![conversation]))
                .await;
        }
        self.fire_metrics(waited);
    }

    /// `replies_sent` (1) and, for the first reply after a customer's message,
    /// `first_response_seconds`.
    fn fire_metrics(&mut self, waited: Option<time::Duration>) {
        let Some(metrics) = self.config.metrics.clone() else {
            return;
        };
        let mut batch = vec![Metric(
            format!("{}.replies_sent", metrics.prefix),
            1.0,
            metrics.replies_aggregator,
        )];
        if let Some(waited) = waited {
            batch.push(Metric(
                format!("{}.first_response_seconds", metrics.prefix),
                waited.as_seconds_f64().max(0.0),
                metrics.response_aggregator,
            ));
        }
        let rest = self.rest.clone();
        self.children
            .spawn(async move { Outcome::Metrics(rest.fire_metrics(&batch).await) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn body(
        transport: &str,
        inbound: Option<&str>,
        session: Option<SessionState>,
        options: SendOptions,
    ) -> Value {
        serde_json::to_value(body_for(transport, "+27", inbound, session, "hi", &options))
            .expect("json")
    }

    #[test]
    fn replies_pick_in_reply_to_or_to_addr() {
        assert_eq!(
            body("sms", Some("m1"), None, SendOptions::default()),
            json!({"in_reply_to":"m1","content":"hi"})
        );
        assert_eq!(
            body("sms", None, None, SendOptions::default()),
            json!({"to_addr":"+27","content":"hi"})
        );
        assert_eq!(
            body(
                "ussd",
                Some("m1"),
                Some(SessionState::New),
                SendOptions::default()
            ),
            json!({"in_reply_to":"m1","content":"hi","session_event":"resume"})
        );
        let end = SendOptions {
            end_session: true,
            ..SendOptions::default()
        };
        assert_eq!(
            body("ussd", Some("m1"), Some(SessionState::Open), end),
            json!({"in_reply_to":"m1","content":"hi","session_event":"close"})
        );
        // A closed session cannot be answered: a new message instead.
        assert_eq!(
            body(
                "ussd",
                Some("m1"),
                Some(SessionState::Closed),
                SendOptions::default()
            ),
            json!({"to_addr":"+27","content":"hi"})
        );
    }

    #[test]
    fn voice_options_use_the_send_voice_shape() {
        let options = SendOptions {
            speech_url: Some("http://x/v.ogg".into()),
            wait_for: Some("#".into()),
            ..SendOptions::default()
        };
        assert_eq!(
            body("voice", Some("m1"), Some(SessionState::Open), options),
            json!({"to_addr":"+27","content":"hi","session_event":"resume",
                   "helper_metadata":{"voice":{"speech_url":"http://x/v.ogg","wait_for":"#"}}})
        );
    }
}
