//! The optional receiver of a Chatwoot account webhook (§8). Chatwoot 4.12 and later sign
//! every delivery: `X-Chatwoot-Signature: sha256=<hex>` of HMAC-SHA256 over
//! `"<X-Chatwoot-Timestamp>.<raw body>"` with the webhook's secret. It is checked in constant
//! time, a timestamp more than five minutes off is refused (a captured delivery cannot be
//! replayed later), and a delivery id (`X-Chatwoot-Delivery`) is accepted once. Older servers
//! sign nothing: unsigned deliveries pass only when the account says `allow_unsigned`, and
//! the provider warns about it on screen.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::providers::receiver::{self, Limits, RefusalLog};

/// How far a delivery's timestamp may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;
/// Deliveries waiting for the provider; a full queue answers 503 (Chatwoot does not retry
/// account webhooks, so the cable and the poll are what make up for one lost).
const QUEUE: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct WebhookConfig {
    pub listen: SocketAddr,
    /// `None`: unsigned deliveries are accepted (the account asked for it).
    pub secret: Option<String>,
}

/// One accepted delivery: its `event` and the whole body.
#[derive(Debug)]
pub struct Hook {
    pub event: String,
    pub body: Value,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum WebhookError {
    #[error("unsigned delivery (X-Chatwoot-Signature missing) while a secret is set")]
    Unsigned,
    #[error("signature does not match")]
    BadSignature,
    #[error("timestamp missing or unreadable")]
    BadTimestamp,
    #[error("timestamp {skew} s away from now")]
    Stale { skew: i64 },
}

/// Checks a delivery's signature against `"<timestamp>.<body>"`.
pub fn verify(
    secret: &str,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now_unix: i64,
) -> Result<(), WebhookError> {
    let signature = signature.ok_or(WebhookError::Unsigned)?;
    let timestamp = timestamp.ok_or(WebhookError::BadTimestamp)?;
    let hex = signature
        .trim()
        .strip_prefix("sha256=")
        .unwrap_or(signature.trim());
    let expected = hex::decode(hex).map_err(|_| WebhookError::BadSignature)?;
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts any key length"),
    };
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)?;
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| WebhookError::BadTimestamp)?;
    if now_unix.abs_diff(at) > TOLERANCE_SECS.unsigned_abs() {
        return Err(WebhookError::Stale {
            skew: now_unix.saturating_sub(at),
        });
    }
    Ok(())
}

/// Delivery ids seen inside the tolerance, so one delivery passes once.
#[derive(Debug, Default)]
struct Seen {
    ids: HashMap<String, i64>,
    order: VecDeque<(i64, String)>,
}

impl Seen {
    /// The most delivery ids remembered: a flood of unsigned deliveries (with
    /// `allow_unsigned`) cannot grow the memory past it.
    const KEPT: usize = 10_000;

    /// Whether `id` is new; remembers it.
    fn first(&mut self, id: &str, now: i64) -> bool {
        while let Some((at, _)) = self.order.front()
            && (now - at > 2 * TOLERANCE_SECS || self.order.len() >= Self::KEPT)
        {
            if let Some((_, old)) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        if self.ids.contains_key(id) {
            return false;
        }
        self.ids.insert(id.to_string(), now);
        self.order.push_back((now, id.to_string()));
        true
    }
}

#[derive(Clone)]
struct Receiver {
    secret: Option<Arc<str>>,
    seen: Arc<Mutex<Seen>>,
    hooks: mpsc::Sender<Hook>,
    refusals: RefusalLog,
}

pub async fn start(
    config: &WebhookConfig,
) -> std::io::Result<(
    SocketAddr,
    tokio::task::JoinHandle<()>,
    mpsc::Receiver<Hook>,
)> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (hooks, received) = mpsc::channel(QUEUE);
    let state = Receiver {
        secret: config.secret.as_deref().map(Arc::from),
        seen: Arc::default(),
        hooks,
        refusals: RefusalLog::new("Chatwoot webhook"),
    };
    let app = Router::new()
        .route("/", post(receive))
        .route("/webhook", post(receive))
        .with_state(state);
    let task = tokio::spawn(receiver::serve(
        listener,
        app,
        Limits::default(),
        "Chatwoot webhook",
    ));
    tracing::info!(%addr, "chatwoot webhook receiver listening");
    Ok((addr, task, received))
}

async fn receive(State(state): State<Receiver>, request: Request) -> StatusCode {
    let headers = request.headers();
    let [signature, timestamp, delivery] = [
        "x-chatwoot-signature",
        "x-chatwoot-timestamp",
        "x-chatwoot-delivery",
    ]
    .map(|name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    });
    if signature.is_none() && state.secret.is_some() {
        state.refusals.note(&WebhookError::Unsigned.to_string());
        return StatusCode::UNAUTHORIZED;
    }
    let Some(body) = receiver::read_body(request).await else {
        state.refusals.note(receiver::BODY_REFUSED);
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Some(secret) = &state.secret
        && let Err(err) = verify(
            secret,
            &body,
            signature.as_deref(),
            timestamp.as_deref(),
            now,
        )
    {
        state.refusals.note(&err.to_string());
        return StatusCode::UNAUTHORIZED;
    }
    if let Some(id) = delivery {
        let first = match state.seen.lock() {
            Ok(mut seen) => seen.first(&id, now),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
        };
        if !first {
            // A replay is answered as done: there is nothing for the sender to retry.
            state.refusals.note("a delivery seen before");
            return StatusCode::OK;
        }
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        state.refusals.note("unreadable JSON");
        return StatusCode::BAD_REQUEST;
    };
    let Some(event) = body
        .get("event")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        state.refusals.note("a delivery without an event");
        return StatusCode::BAD_REQUEST;
    };
    match state.hooks.try_send(Hook { event, body }) {
        Ok(()) => StatusCode::OK,
        Err(_) => {
            state.refusals.note("queue full");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Signs as Chatwoot does, for tests and the fake.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts any key length"),
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let body = br#"{"event":"message_created"}"#;
        let now = 1_781_000_000;
        let signature = sign("s3cret", now, body);
        let ts = now.to_string();
        assert_eq!(
            verify("s3cret", body, Some(&signature), Some(&ts), now),
            Ok(())
        );
        assert_eq!(
            verify("other", body, Some(&signature), Some(&ts), now),
            Err(WebhookError::BadSignature)
        );
        let later = (now + 1).to_string();
        assert_eq!(
            verify("s3cret", body, Some(&signature), Some(&later), now),
            Err(WebhookError::BadSignature),
            "the timestamp is signed"
        );
        assert_eq!(
            verify("s3cret", b"{}", Some(&signature), Some(&ts), now),
            Err(WebhookError::BadSignature)
        );
        assert!(matches!(
            verify("s3cret", body, Some(&signature), Some(&ts), now + 301),
            Err(WebhookError::Stale { skew: 301 })
        ));
        assert_eq!(
            verify("s3cret", body, None, Some(&ts), now),
            Err(WebhookError::Unsigned)
        );
    }

    #[test]
    fn a_delivery_passes_once() {
        let mut seen = Seen::default();
        assert!(seen.first("d1", 0));
        assert!(!seen.first("d1", 10));
        assert!(
            seen.first("d1", 10 + 2 * TOLERANCE_SECS + 1),
            "forgotten after"
        );
    }
}
