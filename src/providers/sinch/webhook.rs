//! The optional push half: an HTTP receiver for Sinch callbacks (§1.6) that checks
//! `x-sinch-webhook-signature` (§1.7) before believing anything.
//!
//! Signature = Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)), compared in
//! constant time by `hmac`'s `verify_slice`. A timestamp further than `max_skew` from our clock
//! and a nonce seen before are rejected, so a captured callback cannot be replayed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;

use super::wire::Callback;
use crate::providers::receiver::{self, Limits, RefusalLog};

pub const SIGNATURE: &str = "x-sinch-webhook-signature";
pub const NONCE: &str = "x-sinch-webhook-signature-nonce";
pub const TIMESTAMP: &str = "x-sinch-webhook-signature-timestamp";

/// What the receiver hands the provider task.
#[derive(Debug)]
pub enum Push {
    Callback(Box<Callback>),
    /// A request we refused, with why (for one notice in the app and the log).
    Rejected(String),
}

/// The Base64 signature of a callback.
pub fn sign(secret: &str, body: &[u8], nonce: &str, timestamp: &str) -> String {
    STANDARD.encode(mac(secret, body, nonce, timestamp).finalize().into_bytes())
}

/// Whether `signature` is right for this body, nonce and timestamp (constant-time compare).
pub fn verify(secret: &str, body: &[u8], nonce: &str, timestamp: &str, signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    mac(secret, body, nonce, timestamp)
        .verify_slice(&given)
        .is_ok()
}

fn mac(secret: &str, body: &[u8], nonce: &str, timestamp: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac
}

impl ReplayGuard {
    /// Whether `timestamp` is within the window around `now` (no arithmetic that can overflow,
    /// whatever the header says).
    pub fn fresh(&self, timestamp: i64, now: i64) -> Result<(), String> {
        if now.abs_diff(timestamp) > self.max_skew.unsigned_abs() {
            return Err(format!(
                "stale webhook timestamp {timestamp} ({}s from now)",
                now.saturating_sub(timestamp)
            ));
        }
        Ok(())
    }
}

/// Remembers nonces inside the accepted time window.
#[derive(Debug)]
pub struct ReplayGuard {
    max_skew: i64,
    seen: HashMap<String, i64>,
}

impl ReplayGuard {
    pub fn new(max_skew: Duration) -> Self {
        Self {
            max_skew: i64::try_from(max_skew.as_secs()).unwrap_or(i64::MAX),
            seen: HashMap::new(),
        }
    }

    /// Accepts a fresh nonce with a timestamp near `now` (Unix seconds); records it.
    pub fn check(&mut self, nonce: &str, timestamp: i64, now: i64) -> Result<(), String> {
        self.fresh(timestamp, now)?;
        // Nonces older than the window can no longer pass the timestamp check: forget them.
        let max_skew = self.max_skew.unsigned_abs();
        self.seen.retain(|_, at| now.abs_diff(*at) <= max_skew);
        if self.seen.contains_key(nonce) {
            return Err("repeated webhook nonce (replay)".to_string());
        }
        self.seen.insert(nonce.to_string(), timestamp);
        Ok(())
    }

    /// Forgets a callback that was accepted but not delivered (Sinch was told to retry): its
    /// retry must not be taken for a replay.
    pub fn forget(&mut self, nonce: &str) {
        self.seen.remove(nonce);
    }
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<String>,
    guard: Arc<Mutex<ReplayGuard>>,
    pushes: mpsc::Sender<Push>,
    refusals: RefusalLog,
}

/// Serves callbacks on `listener` (any path) until the provider stops.
pub async fn serve(
    listener: tokio::net::TcpListener,
    secret: String,
    max_skew: Duration,
    pushes: mpsc::Sender<Push>,
) {
    let state = Receiver {
        secret: Arc::new(secret),
        guard: Arc::new(Mutex::new(ReplayGuard::new(max_skew))),
        pushes,
        refusals: RefusalLog::new("Sinch webhook"),
    };
    let app = Router::new()
        .route("/", post(receive))
        .route("/{*path}", post(receive))
        .with_state(state);
    receiver::serve(listener, app, Limits::default(), "Sinch webhook").await;
}

/// Never waits on the provider: a refusal is answered at once whatever the provider is doing,
/// and a valid callback the provider has no room for is answered 503 (Sinch retries it).
async fn receive(State(receiver): State<Receiver>, request: Request) -> StatusCode {
    match check(&receiver, request).await {
        Ok((callback, nonce)) => {
            let Err(err) = receiver.pushes.try_send(Push::Callback(Box::new(callback))) else {
                return StatusCode::OK;
            };
            if matches!(err, mpsc::error::TrySendError::Full(_)) {
                receiver
                    .refusals
                    .note("provider busy; asked Sinch to retry");
            }
            if let Ok(mut guard) = receiver.guard.lock() {
                guard.forget(&nonce);
            }
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err((status, reason)) => {
            // Shown in the app once (the provider rate-limits notices); dropped when it is busy.
            if receiver.refusals.note(&reason) {
                let _ = receiver.pushes.try_send(Push::Rejected(reason));
            }
            status
        }
    }
}

/// The verified callback and its nonce.
async fn check(
    receiver: &Receiver,
    request: Request,
) -> Result<(Callback, String), (StatusCode, String)> {
    let headers = request.headers();
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| {
                (
                    StatusCode::UNAUTHORIZED,
                    format!("webhook without the {name} header"),
                )
            })
    };
    let signature = get(SIGNATURE)?;
    let nonce = get(NONCE)?;
    let timestamp = get(TIMESTAMP)?;
    let seconds: i64 = timestamp.trim().parse().map_err(|_| {
        (
            StatusCode::UNAUTHORIZED,
            "unreadable webhook timestamp".to_string(),
        )
    })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let guard_error = || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "guard poisoned".to_string(),
        )
    };
    // Stale before the body is read: a stale signature can never pass.
    receiver
        .guard
        .lock()
        .map_err(|_| guard_error())?
        .fresh(seconds, now)
        .map_err(|reason| (StatusCode::UNAUTHORIZED, reason))?;
    let body = receiver::read_body(request).await.ok_or_else(|| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            receiver::BODY_REFUSED.to_string(),
        )
    })?;
    if !verify(&receiver.secret, &body, &nonce, &timestamp, &signature) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "bad webhook signature (check the webhook secret)".to_string(),
        ));
    }
    receiver
        .guard
        .lock()
        .map_err(|_| guard_error())?
        .check(&nonce, seconds, now)
        .map_err(|reason| (StatusCode::UNAUTHORIZED, reason))?;
    let callback = parse(&body).map_err(|reason| (StatusCode::BAD_REQUEST, reason))?;
    Ok((callback, nonce))
}

/// Reads a callback body (already verified): the JSON envelope of §1.6, or why not.
pub fn parse(body: &[u8]) -> Result<Callback, String> {
    serde_json::from_slice(body).map_err(|err| format!("unreadable webhook body: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of protocols.md §1.7.
    pub const VECTOR_BODY: &str = r#"{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}"#;

    #[test]
    fn the_documented_test_vector_passes() {
        let (secret, nonce, ts) = ("foo_secret1234", "01FJA8B4A7BM43YGWSG9GBV067", "1634579353");
        let expected = "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=";
        assert_eq!(sign(secret, VECTOR_BODY.as_bytes(), nonce, ts), expected);
        assert!(verify(secret, VECTOR_BODY.as_bytes(), nonce, ts, expected));
        assert!(!verify(
            "other",
            VECTOR_BODY.as_bytes(),
            nonce,
            ts,
            expected
        ));
        assert!(!verify(
            secret,
            VECTOR_BODY.as_bytes(),
            nonce,
            "1634579354",
            expected
        ));
        assert!(!verify(
            secret,
            VECTOR_BODY.as_bytes(),
            nonce,
            ts,
            "not base64!"
        ));
    }

    #[test]
    fn stale_timestamps_and_repeated_nonces_are_refused() {
        let mut guard = ReplayGuard::new(Duration::from_secs(300));
        assert!(guard.check("a", 1000, 1000).is_ok());
        assert!(guard.check("a", 1000, 1001).is_err(), "replay");
        assert!(guard.check("b", 1000, 1400).is_err(), "stale");
        assert!(guard.check("c", 1400, 1000).is_err(), "future");
        assert!(guard.check("d", 1299, 1000).is_ok());
    }
}
