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
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;

use super::wire::{ServerFrame, WireMessage, parse_time};
use crate::model::DeliveryStatus;
use crate::providers::ProviderEvent;
use crate::providers::receiver::{self, Limits, RefusalLog};
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
    /// Refuse a webhook without `X-Linktor-Timestamp`. Linktor signs only the body, so this is
    /// no defence against replay (a replayer adds a fresh header); it only turns away senders
    /// that do not send one. Replays are refused by [`ReplayGuard`].
    pub require_timestamp: bool,
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
    #[error("missing X-Linktor-Timestamp header (required by this receiver)")]
    MissingTimestamp,
    #[error("event {0} was already received (replay)")]
    Replayed(String),
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
        fresh(at, now_unix)?;
    }
    Ok(())
}

/// Whether `at` (Unix seconds) is within the tolerance of `now`; never overflows, whatever a
/// caller puts in a timestamp.
fn fresh(at: i64, now_unix: i64) -> Result<(), WebhookError> {
    if now_unix.abs_diff(at) > TOLERANCE_SECS.unsigned_abs() {
        return Err(WebhookError::Stale {
            skew: now_unix.saturating_sub(at),
        });
    }
    Ok(())
}

/// Refuses replays of signed events. Linktor signs the raw body only (the timestamp header is
/// not covered), so a captured webhook stays valid forever unless the receiver itself tells
/// old from new:
/// - the envelope's own `timestamp` is inside the signed body: an event stamped outside the
///   tolerance is refused, so a replay later than that never passes;
/// - inside the tolerance, each event id is accepted once.
///
/// An envelope whose timestamp does not read as a time leaves only the id memory, which lasts
/// [`REMEMBER_SECS`] and lives in memory: a restart forgets it, so an event fresh by its own
/// timestamp can be replayed once across a restart. README says so.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    seen: std::collections::HashMap<String, i64>,
    order: std::collections::VecDeque<(i64, String)>,
}

/// How long an event id is remembered: twice the tolerance, so an event can never be both
/// forgotten and still fresh.
pub const REMEMBER_SECS: i64 = 2 * TOLERANCE_SECS;
/// Ids remembered at most; beyond it the oldest go first (a flood of valid, signed events
/// would have to come from the sender itself).
const REMEMBER_MAX: usize = 100_000;

impl ReplayGuard {
    pub fn check(&mut self, id: &str, at: Option<i64>, now_unix: i64) -> Result<(), WebhookError> {
        if let Some(at) = at {
            fresh(at, now_unix)?;
        }
        while let Some((seen_at, _)) = self.order.front() {
            if now_unix.saturating_sub(*seen_at) <= REMEMBER_SECS
                && self.order.len() <= REMEMBER_MAX
            {
                break;
            }
            if let Some((_, old)) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        if self.seen.contains_key(id) {
            return Err(WebhookError::Replayed(sanitize_line(id)));
        }
        self.seen.insert(id.to_string(), now_unix);
        self.order.push_back((now_unix, id.to_string()));
        Ok(())
    }

    /// Forgets an event that was accepted but not delivered (the sender was told to retry):
    /// its retry must not be taken for a replay.
    pub fn forget(&mut self, id: &str) {
        self.seen.remove(id);
    }
}

/// A verified event: its id and time (for the replay check) and what it asks of the provider.
#[derive(Debug)]
pub struct Event {
    pub id: String,
    /// The envelope's `timestamp` in Unix seconds, when it reads as one (RFC 3339, or a number
    /// of seconds or milliseconds).
    pub at: Option<i64>,
    pub hook: Option<Hook>,
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
    Ok(read_event(body)?.hook)
}

fn unix_time(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => parse_time(text).map(|at| at.unix_timestamp()),
        // Milliseconds past 2001-09-09 are at least 10^12; seconds stay below that for ages.
        Value::Number(number) => number.as_i64().map(|n| {
            if n.unsigned_abs() >= 1_000_000_000_000 {
                n / 1000
            } else {
                n
            }
        }),
        _ => None,
    }
}

/// [`parse_event`] with the envelope's id and time.
pub fn read_event(body: &[u8]) -> Result<Event, WebhookError> {
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
                // Said only when the data carries the field (`null`: nobody has it).
                assigned_to: data.get("assignedTo").and_then(said_or_cleared),
                tags: data
                    .get("tags")
                    .and_then(|tags| serde_json::from_value::<Vec<String>>(tags.clone()).ok()),
                priority: data.get("priority").and_then(said_or_cleared),
                metadata: Default::default(),
                snoozed_until: data.get("snoozedUntil").and_then(said_or_cleared),
            }))
        }
        other => {
            tracing::debug!(kind = %sanitize_line(other), "linktor webhook of a type we do not use");
            return Ok(Event {
                at: unix_time(&envelope.timestamp),
                id: envelope.id,
                hook: None,
            });
        }
    };
    Ok(Event {
        at: unix_time(&envelope.timestamp),
        id: envelope.id,
        hook: Some(hook),
    })
}

#[derive(Clone)]
struct Receiver {
    secret: std::sync::Arc<str>,
    require_timestamp: bool,
    guard: std::sync::Arc<std::sync::Mutex<ReplayGuard>>,
    hooks: mpsc::Sender<Hook>,
    refusals: RefusalLog,
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
        require_timestamp: config.require_timestamp,
        guard: Default::default(),
        hooks,
        refusals: RefusalLog::new("Linktor webhook"),
    };
    let app = Router::new()
        .route("/", post(receive))
        .route("/webhook", post(receive))
        .with_state(state);
    let task = tokio::spawn(receiver::serve(
        listener,
        app,
        Limits::default(),
        "Linktor webhook",
    ));
    tracing::info!(%addr, "linktor webhook receiver listening");
    Ok((addr, task, receiver))
}

async fn receive(State(state): State<Receiver>, request: Request) -> StatusCode {
    // What the headers alone decide comes before the body is read.
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let (signature, timestamp) = (header("x-linktor-signature"), header("x-linktor-timestamp"));
    if signature.is_none() {
        state
            .refusals
            .note(&WebhookError::MissingSignature.to_string());
        return StatusCode::UNAUTHORIZED;
    }
    if timestamp.is_none() && state.require_timestamp {
        state
            .refusals
            .note(&WebhookError::MissingTimestamp.to_string());
        return StatusCode::UNAUTHORIZED;
    }
    let Some(body) = receiver::read_body(request).await else {
        state.refusals.note(receiver::BODY_REFUSED);
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(err) = verify(
        &state.secret,
        &body,
        signature.as_deref(),
        timestamp.as_deref(),
        now,
    ) {
        // Neither the secret nor the offered signature goes to the log.
        state.refusals.note(&err.to_string());
        return match err {
            WebhookError::MissingSignature | WebhookError::BadSignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
    }
    let event = match read_event(&body) {
        Ok(event) => event,
        Err(err) => {
            state.refusals.note(&format!("unreadable event: {err}"));
            return StatusCode::BAD_REQUEST;
        }
    };
    let checked = match state.guard.lock() {
        Ok(mut guard) => guard.check(&event.id, event.at, now),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let Err(err) = checked {
        state.refusals.note(&err.to_string());
        // A replay is answered as done: the sender (or whoever replays) has nothing to retry.
        return match err {
            WebhookError::Replayed(_) => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        };
    }
    let Some(hook) = event.hook else {
        return StatusCode::OK;
    };
    if let Err(err) = state.hooks.try_send(hook) {
        if matches!(err, mpsc::error::TrySendError::Full(_)) {
            state.refusals.note("queue full; asked the sender to retry");
        }
        if let Ok(mut guard) = state.guard.lock() {
            guard.forget(&event.id);
        }
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}

/// A field a webhook names: a text, or `null` for cleared; anything else is not understood
/// and changes nothing.
fn said_or_cleared(value: &Value) -> Option<Option<String>> {
    match value {
        Value::Null => Some(None),
        Value::String(text) => Some(Some(text.clone())),
        _ => None,
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
        // `null` clears; absent and not-a-text leave a field as it is.
        let assigned = event(
            "conversation.assigned",
            serde_json::json!({"conversationId":"c1","assignedTo":null,"priority":7,"tags":["vip"]}),
        );
        let Ok(Some(Hook::Frame(frame))) = assigned else {
            panic!("a frame: {assigned:?}");
        };
        let ServerFrame::ConversationUpdate {
            assigned_to,
            priority,
            tags,
            ..
        } = *frame
        else {
            panic!("a conversation update");
        };
        assert_eq!(assigned_to, Some(None));
        assert_eq!(priority, None);
        assert_eq!(tags, Some(vec!["vip".to_string()]));
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
