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
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;

use super::wire::Callback;

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
        if (now - timestamp).abs() > self.max_skew {
            return Err(format!(
                "stale webhook timestamp {timestamp} ({}s from now)",
                now - timestamp
            ));
        }
        // Nonces older than the window can no longer pass the timestamp check: forget them.
        let max_skew = self.max_skew;
        self.seen.retain(|_, at| (now - *at).abs() <= max_skew);
        if self.seen.contains_key(nonce) {
            return Err("repeated webhook nonce (replay)".to_string());
        }
        self.seen.insert(nonce.to_string(), timestamp);
        Ok(())
    }
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<String>,
    guard: Arc<Mutex<ReplayGuard>>,
    pushes: mpsc::Sender<Push>,
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
    };
    let app = Router::new()
        .route("/", post(receive))
        .route("/{*path}", post(receive))
        .with_state(state);
    if let Err(err) = axum::serve(listener, app).await {
        tracing::error!("Sinch webhook receiver stopped: {err}");
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match check(&receiver, &headers, &body) {
        Ok(callback) => {
            let _ = receiver
                .pushes
                .send(Push::Callback(Box::new(callback)))
                .await;
            StatusCode::OK
        }
        Err((status, reason)) => {
            tracing::warn!("Sinch webhook rejected: {reason}");
            let _ = receiver.pushes.send(Push::Rejected(reason)).await;
            status
        }
    }
}

fn check(
    receiver: &Receiver,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Callback, (StatusCode, String)> {
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
    if !verify(&receiver.secret, body, &nonce, &timestamp, &signature) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "bad webhook signature (check the webhook secret)".to_string(),
        ));
    }
    let seconds: i64 = timestamp.trim().parse().map_err(|_| {
        (
            StatusCode::UNAUTHORIZED,
            "unreadable webhook timestamp".to_string(),
        )
    })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    receiver
        .guard
        .lock()
        .map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "guard poisoned".to_string(),
            )
        })?
        .check(&nonce, seconds, now)
        .map_err(|reason| (StatusCode::UNAUTHORIZED, reason))?;
    parse(body).map_err(|reason| (StatusCode::BAD_REQUEST, reason))
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
