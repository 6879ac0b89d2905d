//! The optional signed-webhook receiver (`../shared/protocols.md` §2.1, "Webhook verification").
//!
//! `X-Linktor-Signature` is the lowercase hex HMAC-SHA256 of the raw body keyed with the webhook
//! secret, checked in constant time (`hmac`'s `verify_slice`); `X-Linktor-Timestamp` (Unix
//! seconds), when present, must be within ±300 s of now. Accepted events become [`Hook`]s for
//! the provider task, which treats them exactly like WebSocket pushes, so a webhook and a push of
//! the same message end up as one message. A refused request is logged without the secret or the
//! signature.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;

use super::wire::{ServerFrame, WireMessage};
use crate::model::DeliveryStatus;
use crate::providers::ProviderEvent;
use crate::text::sanitize_line;

/// How far a webhook's timestamp may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;
/// Webhooks waiting for the provider; beyond this the sender is told to retry (503).
const QUEUE: usize = 256;

/// Where to listen and the shared secret. `Debug` never shows the secret.
#[derive(Clone, PartialEq)]
pub struct WebhookConfig {
    pub listen: SocketAddr,
    pub secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("listen", &self.listen)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What a webhook asks the provider to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Hook {
    /// Handled like the same WebSocket frame (new message, conversation change).
    Frame(Box<ServerFrame>),
    /// Needs nothing from the provider's state (a delivery status, with the failure reason).
    Event(ProviderEvent),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing X-Linktor-Signature header")]
    MissingSignature,
    #[error("signature does not match the body")]
    BadSignature,
    #[error("timestamp unreadable")]
    BadTimestamp,
    #[error("timestamp {skew} s away from now (allowed ±{TOLERANCE_SECS} s)")]
    Stale { skew: i64 },
    #[error("not a Linktor event: {0}")]
    BadEvent(String),
}

/// The hex signature of `body` under `secret` (what a sender puts in `X-Linktor-Signature`).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts any key length"),
    }
}

/// Checks signature and timestamp as the SDK verifiers do.
pub fn verify(
    secret: &str,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now_unix: i64,
) -> Result<(), WebhookError> {
    let signature = signature.ok_or(WebhookError::MissingSignature)?;
    let expected = hex::decode(signature.trim()).map_err(|_| WebhookError::BadSignature)?;
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)?;
    if let Some(timestamp) = timestamp {
        let at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| WebhookError::BadTimestamp)?;
        let skew = now_unix - at;
        if skew.abs() > TOLERANCE_SECS {
            return Err(WebhookError::Stale { skew });
        }
    }
    Ok(())
}

/// `{"id","type","timestamp","tenantId","data"}`; `id`, `type` and `timestamp` must be non-empty.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    timestamp: Value,
    #[serde(default)]
    data: Value,
}

/// Turns a verified body into what the provider should do; `Ok(None)` for event types an inbox
/// has no use for (contacts, channels).
pub fn parse_event(body: &[u8]) -> Result<Option<Hook>, WebhookError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|err| WebhookError::BadEvent(sanitize_line(&err.to_string())))?;
    let timestamp_missing = match &envelope.timestamp {
        Value::String(text) => text.is_empty(),
        Value::Number(_) => false,
        _ => true,
    };
    if envelope.id.is_empty() || envelope.kind.is_empty() || timestamp_missing {
        return Err(WebhookError::BadEvent(
            "id, type and timestamp are required".to_string(),
        ));
    }
    let data = envelope.data;
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
    let bad = |what: &str| WebhookError::BadEvent(format!("{}: {what}", envelope.kind));
    let hook = match envelope.kind.as_str() {
        "message.received" => {
            let message: WireMessage =
                serde_json::from_value(data.get("message").cloned().unwrap_or(Value::Null))
                    .map_err(|err| bad(&sanitize_line(&err.to_string())))?;
            let conversation_id = text("conversationId").unwrap_or(message.conversation_id.clone());
            Hook::Frame(Box::new(ServerFrame::Message {
                conversation_id,
                message,
            }))
        }
        "message.sent" | "message.delivered" | "message.read" | "message.failed" => {
            let conversation = text("conversationId").ok_or_else(|| bad("no conversationId"))?;
            let message_id = text("messageId").ok_or_else(|| bad("no messageId"))?;
            let suffix = envelope.kind.trim_start_matches("message.");
            let status = text("status")
                .and_then(|status| DeliveryStatus::from_linktor(&status))
                .or_else(|| DeliveryStatus::from_linktor(suffix))
                .ok_or_else(|| bad("unknown status"))?;
            let reason = data
                .get("error")
                .and_then(|error| {
                    error.as_str().map(str::to_string).or_else(|| {
                        error
                            .get("message")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                })
                .map(|reason| sanitize_line(&reason))
                .filter(|reason| !reason.is_empty());
            Hook::Event(ProviderEvent::StatusUpdate {
                conversation,
                message_id,
                status,
                reason,
            })
        }
        "conversation.created"
        | "conversation.updated"
        | "conversation.assigned"
        | "conversation.resolved" => {
            // The data is the conversation (`id`) or names it (`conversationId`).
            let conversation_id = text("conversationId")
                .or_else(|| text("id"))
                .ok_or_else(|| bad("no conversation id"))?;
            let status = text("status").or_else(|| {
                (envelope.kind == "conversation.resolved").then(|| "resolved".to_string())
            });
            Hook::Frame(Box::new(ServerFrame::ConversationUpdate {
                conversation_id,
                status,
                assigned_to: text("assignedTo"),
                metadata: Default::default(),
            }))
        }
        other => {
            tracing::debug!(kind = %sanitize_line(other), "linktor webhook of a type we do not use");
            return Ok(None);
        }
    };
    Ok(Some(hook))
}

#[derive(Clone)]
struct Receiver {
    secret: std::sync::Arc<str>,
    hooks: mpsc::Sender<Hook>,
}

/// Binds the receiver (`POST /` or `/webhook`) and serves it on a task until the returned
/// handle is aborted. Returns the bound address (port 0 picks one) and the hooks channel.
pub async fn start(
    config: &WebhookConfig,
) -> std::io::Result<(
    SocketAddr,
    tokio::task::JoinHandle<()>,
    mpsc::Receiver<Hook>,
)> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (hooks, receiver) = mpsc::channel(QUEUE);
    let state = Receiver {
        secret: config.secret.as_str().into(),
        hooks,
    };
    let app = Router::new()
        .route("/", post(receive))
        .route("/webhook", post(receive))
        .with_state(state);
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("linktor webhook receiver stopped: {err}");
        }
    });
    tracing::info!(%addr, "linktor webhook receiver listening");
    Ok((addr, task, receiver))
}

async fn receive(State(state): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(err) = verify(
        &state.secret,
        &body,
        header("x-linktor-signature"),
        header("x-linktor-timestamp"),
        now,
    ) {
        // Neither the secret nor the offered signature goes to the log.
        tracing::warn!(bytes = body.len(), "refused a Linktor webhook: {err}");
        return match err {
            WebhookError::MissingSignature | WebhookError::BadSignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
    }
    match parse_event(&body) {
        Err(err) => {
            tracing::warn!("unreadable Linktor webhook: {err}");
            StatusCode::BAD_REQUEST
        }
        Ok(None) => StatusCode::OK,
        Ok(Some(hook)) => match state.hooks.try_send(hook) {
            Ok(()) => StatusCode::OK,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("linktor webhook queue full; asking the sender to retry");
                StatusCode::SERVICE_UNAVAILABLE
            }
            Err(mpsc::error::TrySendError::Closed(_)) => StatusCode::SERVICE_UNAVAILABLE,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn signature_is_hex_hmac_of_the_raw_body() {
        // RFC 4231 test case 2: key "Jefe", "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let body = br#"{"id":"e1"}"#;
        let good = sign("s3cret", body);
        assert_eq!(verify("s3cret", body, Some(&good), None, NOW), Ok(()));
        assert_eq!(
            verify("other", body, Some(&good), None, NOW),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("s3cret", b"tampered", Some(&good), None, NOW),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("s3cret", body, Some("zz"), None, NOW),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("s3cret", body, None, None, NOW),
            Err(WebhookError::MissingSignature)
        );
    }

    #[test]
    fn timestamps_outside_five_minutes_are_refused() {
        let body = b"{}";
        let sig = sign("k", body);
        let at = |ts: i64| verify("k", body, Some(&sig), Some(&ts.to_string()), NOW);
        assert_eq!(at(NOW - 300), Ok(()));
        assert_eq!(at(NOW + 300), Ok(()));
        assert_eq!(at(NOW - 301), Err(WebhookError::Stale { skew: 301 }));
        assert_eq!(at(NOW + 301), Err(WebhookError::Stale { skew: -301 }));
        assert_eq!(
            verify("k", body, Some(&sig), Some("soon"), NOW),
            Err(WebhookError::BadTimestamp)
        );
    }

    #[test]
    fn event_types_become_hooks() {
        let event = |kind: &str, data: Value| {
            let body = serde_json::json!({"id":"evt_1","type":kind,"timestamp":"2024-01-01T00:00:00Z","tenantId":"t1","data":data});
            parse_event(body.to_string().as_bytes())
        };
        let failed = event(
            "message.failed",
            serde_json::json!({"messageId":"m1","conversationId":"c1","status":"failed","error":"number blocked\u{1b}[31m"}),
        );
        assert_eq!(
            failed,
            Ok(Some(Hook::Event(ProviderEvent::StatusUpdate {
                conversation: "c1".into(),
                message_id: "m1".into(),
                status: DeliveryStatus::Failed,
                reason: Some("number blocked".into()),
            })))
        );
        for kind in ["message.sent", "message.delivered", "message.read"] {
            assert!(
                matches!(
                    event(
                        kind,
                        serde_json::json!({"messageId":"m1","conversationId":"c1"})
                    ),
                    Ok(Some(Hook::Event(_)))
                ),
                "{kind}"
            );
        }
        let resolved = event("conversation.resolved", serde_json::json!({"id":"c1"}));
        assert!(matches!(
            resolved,
            Ok(Some(Hook::Frame(ref frame))) if matches!(**frame, ServerFrame::ConversationUpdate { ref status, .. } if status.as_deref() == Some("resolved"))
        ));
        for kind in [
            "conversation.created",
            "conversation.updated",
            "conversation.assigned",
        ] {
            assert!(
                matches!(
                    event(
                        kind,
                        serde_json::json!({"conversationId":"c1","status":"open"})
                    ),
                    Ok(Some(Hook::Frame(_)))
                ),
                "{kind}"
            );
        }
        let received = event(
            "message.received",
            serde_json::json!({"conversationId":"c1","contactId":"k1","channelType":"sms","message":{
                "id":"m7","conversationId":"c1","direction":"inbound","contentType":"text","content":{"text":"hi"},
                "status":"delivered","senderType":"contact","createdAt":"2024-01-01T00:00:00Z"}}),
        );
        assert!(matches!(received, Ok(Some(Hook::Frame(_)))));
        assert_eq!(event("channel.connected", serde_json::json!({})), Ok(None));
        assert!(matches!(
            parse_event(br#"{"type":"message.read","data":{}}"#),
            Err(WebhookError::BadEvent(_))
        ));
        assert!(parse_event(b"not json").is_err());
    }
}
