//! A fake Sinch Conversation API on 127.0.0.1:0 reproducing protocols.md §1: the OAuth2 token
//! endpoint (Basic auth, form body, all four keys), bearer checks with the "expired"
//! `WWW-Authenticate` quirk, page tokens, the §1.8 error envelope, 429 with `Retry-After`,
//! messages newest first with `app_message: null` on inbound items, send/event/delete/capability.
//! Knobs inject failures; everything the client sent is recorded for assertions.
//!
//! What Sinch documents and what it does not, kept apart: list `page_size` above the documented
//! maximum (20 for contacts and conversations, 1000 for messages) is refused with 400; a send's
//! `message_metadata` comes back in its delivery report (MESSAGE_DELIVERY, posted signed to the
//! webhook set with `report_deliveries_to`), but listed messages carry an empty `metadata`
//! unless `echo_listed_metadata(true)` (undocumented: a server that happens to echo it);
//! timestamps have six fractional digits, as the real API writes them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::server::FakeServer;

pub const PROJECT: &str = "proj-1";
pub const APP: &str = "APP1";
pub const KEY_ID: &str = "key-id";
pub const KEY_SECRET: &str = "key-secret";

#[derive(Clone, Debug)]
pub struct Stored {
    pub at: OffsetDateTime,
    pub json: Value,
}

#[derive(Default)]
pub struct FakeState {
    pub conversations: Vec<Value>,
    pub contacts: Vec<Value>,
    pub messages: Vec<Stored>,
    /// Valid tokens; those in `expired` answer 401 "expired".
    pub tokens: Vec<String>,
    pub expired: Vec<String>,
    pub token_lifetime: u64,
    pub token_requests: u32,
    pub expired_401s: u32,
    pub fail_next: u32,
    pub rate_limit_next: u32,
    pub retry_after: u64,
    /// `(method, path?query, when)` of every API request.
    pub log: Vec<(String, String, Instant)>,
    pub posts: Vec<(String, Value)>,
    pub sent: u32,
    /// Sends to store and then answer 503, as if the answer was lost on the way back.
    pub swallow_sends: u32,
    /// List our sends with the `message_metadata` they carried (not documented by Sinch).
    pub echo_listed_metadata: bool,
    /// Where a MESSAGE_DELIVERY report of each send goes: `(url, secret)`.
    pub report_to: Option<(String, String)>,
    /// `(conversation, body)` of every conversation update.
    pub conversation_patches: Vec<(String, Value)>,
    /// Conversation updates to refuse (503) before taking one.
    pub fail_patches: u32,
}

/// JSON merge patch (RFC 7386): objects merge, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(into) = target else { return };
    for (key, value) in fields {
        if value.is_null() {
            into.remove(key);
        } else {
            merge_patch(into.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[derive(Clone)]
pub struct FakeSinch {
    pub origin: String,
    pub state: Arc<Mutex<FakeState>>,
    server: Arc<FakeServer>,
}

/// RFC 3339 as Sinch writes it: UTC with six fractional digits (`2024-01-01T00:00:00.123456Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("formats")
}

impl FakeSinch {
    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            token_lifetime: 3599,
            ..FakeState::default()
        }));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let server = FakeServer::serve(app).await;
        Self {
            origin: server.url(),
            state,
            server: Arc::new(server),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().expect("fake state"))
    }

    /// Reads (or changes) the fake's state from a test.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        self.with(f)
    }

    pub fn add_contact(&self, id: &str, name: &str, channel: &str, identity: &str) {
        self.with(|s| {
            s.contacts.push(json!({
                "id": id, "channel_identities": [{"channel": channel, "identity": identity, "app_id": ""}],
                "channel_priority": [channel], "display_name": name, "email": "", "external_id": "",
                "metadata": "", "language": "UNSPECIFIED"
            }))
        });
    }

    pub fn add_conversation(&self, id: &str, contact_id: &str, channel: &str) {
        self.with(|s| {
            s.conversations.push(json!({
                "id": id, "app_id": APP, "contact_id": contact_id, "active": true,
                "active_channel": channel, "last_received": "2024-01-01T00:00:00Z",
                "metadata": "vip", "metadata_json": {"tier": "gold"}, "correlation_id": ""
            }))
        });
    }

    /// An inbound text `age` ago; returns its id.
    pub fn add_inbound(&self, conversation: &str, text: &str, age: Duration) -> String {
        self.add_message(
            conversation,
            json!({"contact_message": {"text_message": {"text": text}, "reply_to": null}, "app_message": null}),
            "TO_APP",
            age,
        )
    }

    /// Any message body (`contact_message`/`app_message` keys) `age` ago; returns its id.
    pub fn add_message(
        &self,
        conversation: &str,
        body: Value,
        direction: &str,
        age: Duration,
    ) -> String {
        self.with(|s| {
            let n = s.messages.len() + 1;
            let id = format!("M{n:03}");
            let contact = s
                .conversations
                .iter()
                .find(|c| c["id"] == conversation)
                .map(|c| c["contact_id"].clone())
                .unwrap_or(Value::Null);
            let at = OffsetDateTime::now_utc() - age;
            let mut json = json!({
                "id": id, "direction": direction, "conversation_id": conversation,
                "contact_id": contact, "channel_identity": {"channel": "SMS", "identity": "123", "app_id": ""},
                "metadata": "", "accept_time": rfc3339(at), "sender_id": "",
                "processing_mode": "CONVERSATION", "injected": false, "message_status": null
            });
            if let (Some(target), Some(extra)) = (json.as_object_mut(), body.as_object()) {
                for (k, v) in extra {
                    target.insert(k.clone(), v.clone());
                }
            }
            s.messages.push(Stored { at, json });
            id
        })
    }

    pub fn message_json(&self, id: &str) -> Value {
        self.with(|s| {
            s.messages
                .iter()
                .find(|m| m.json["id"] == id)
                .map(|m| m.json.clone())
                .expect("message stored")
        })
    }

    /// Lists sends with their `message_metadata`, as Sinch does not promise to.
    pub fn echo_listed_metadata(&self, echo: bool) {
        self.with(|s| s.echo_listed_metadata = echo);
    }

    /// Posts a signed MESSAGE_DELIVERY report (QUEUED_ON_CHANNEL) of every send to `url`.
    pub fn report_deliveries_to(&self, url: &str, secret: &str) {
        self.with(|s| s.report_to = Some((url.to_string(), secret.to_string())));
    }

    pub fn expire_tokens(&self) {
        self.with(|s| s.expired = s.tokens.clone());
    }
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.with(|s| s.token_lifetime = seconds);
    }
    pub fn fail_next(&self, count: u32) {
        self.with(|s| s.fail_next = count);
    }
    pub fn rate_limit_next(&self, count: u32, retry_after: u64) {
        self.with(|s| {
            s.rate_limit_next = count;
            s.retry_after = retry_after;
        });
    }
    pub fn token_requests(&self) -> u32 {
        self.with(|s| s.token_requests)
    }
    pub fn expired_401s(&self) -> u32 {
        self.with(|s| s.expired_401s)
    }
    pub fn log(&self) -> Vec<(String, String, Instant)> {
        self.with(|s| s.log.clone())
    }
    pub fn posts(&self) -> Vec<(String, Value)> {
        self.with(|s| s.posts.clone())
    }
    /// The next `count` sends are stored but answered 503 (the client cannot tell them from a
    /// send that never arrived).
    pub fn swallow_sends(&self, count: u32) {
        self.with(|s| s.swallow_sends = count);
    }
    /// `POST /messages:send` requests that reached the server (stored).
    pub fn send_requests(&self) -> u32 {
        self.with(|s| s.sent)
    }
    /// Client id → how many messages on the server carry it in their metadata.
    pub fn client_id_counts(&self) -> BTreeMap<String, usize> {
        self.with(|s| {
            let mut counts = BTreeMap::new();
            for message in &s.messages {
                if let Some(id) = message.json["metadata"]
                    .as_str()
                    .and_then(|m| m.strip_prefix("switchboard:"))
                {
                    *counts.entry(id.to_string()).or_insert(0) += 1;
                }
            }
            counts
        })
    }
    /// Messages on the server whose metadata names this client id.
    pub fn copies_of(&self, client_id: &str) -> usize {
        let marker = format!("switchboard:{client_id}");
        self.with(|s| {
            s.messages
                .iter()
                .filter(|m| m.json["metadata"] == marker.as_str())
                .count()
        })
    }
}

fn envelope(code: StatusCode, status: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code.as_u16(), "message": message, "status": status, "details": []}});
    (code, axum::Json(body)).into_response()
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = state.lock().expect("fake state");
    let path = uri.path().to_string();
    let query: BTreeMap<String, String> = uri
        .query()
        .map(|q| url_pairs(q).into_iter().collect())
        .unwrap_or_default();
    if path == "/oauth2/token" {
        return token(&mut s, &headers, &body);
    }
    s.log.push((
        method.to_string(),
        uri.path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        Instant::now(),
    ));
    // Bearer auth, with the expiry quirk of §1.1.
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    if s.expired.contains(&bearer) {
        s.expired_401s += 1;
        let mut response = envelope(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "token expired");
        response.headers_mut().insert(
            "www-authenticate",
            "Bearer error=\"invalid_token\", error_description=\"token expired\""
                .parse()
                .expect("header"),
        );
        return response;
    }
    if !s.tokens.contains(&bearer) {
        return envelope(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "invalid token");
    }
    if s.rate_limit_next > 0 {
        s.rate_limit_next -= 1;
        let mut response = envelope(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "slow down",
        );
        let after = s.retry_after.to_string();
        response
            .headers_mut()
            .insert("retry-after", after.parse().expect("header"));
        return response;
    }
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return envelope(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "try later");
    }
    let prefix = format!("/v1/projects/{PROJECT}");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "Project not found");
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if method == Method::POST {
        s.posts.push((rest.to_string(), body.clone()));
    }
    let page_size: usize = query
        .get("page_size")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let max_page_size = match rest {
        "/contacts" | "/conversations" => 20,
        _ => 1000,
    };
    if method == Method::GET && page_size > max_page_size {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("page_size must be at most {max_page_size}"),
        );
    }
    let offset: usize = query
        .get("page_token")
        .and_then(|t| t.strip_prefix('p'))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match (method.as_str(), rest) {
        ("GET", "/conversations") => {
            if query.get("app_id").map(String::as_str) != Some(APP) {
                return envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "App not found");
            }
            let all = s.conversations.clone();
            let (page, next) = paginate(&all, offset, page_size);
            axum::Json(json!({"conversations": page, "next_page_token": next, "total_size": all.len()}))
                .into_response()
        }
        ("GET", "/contacts") => {
            let all = s.contacts.clone();
            let (page, next) = paginate(&all, offset, page_size);
            axum::Json(json!({"contacts": page, "next_page_token": next})).into_response()
        }
        ("GET", "/messages") => {
            if query.get("app_id").map(String::as_str) != Some(APP) {
                return envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "App not found");
            }
            let start = query
                .get("start_time")
                .map(|t| OffsetDateTime::parse(t, &Rfc3339).expect("RFC 3339 start_time"));
            let mut chosen: Vec<Stored> = s
                .messages
                .iter()
                .filter(|m| {
                    query
                        .get("conversation_id")
                        .is_none_or(|c| m.json["conversation_id"] == c.as_str())
                })
                .filter(|m| start.is_none_or(|start| m.at >= start))
                .cloned()
                .collect();
            // Newest first.
            chosen.sort_by_key(|m| std::cmp::Reverse(m.at));
            let echo = s.echo_listed_metadata;
            let all: Vec<Value> = chosen
                .into_iter()
                .map(|mut m| {
                    if !echo && m.json["direction"] == "TO_CONTACT" {
                        m.json["metadata"] = json!("");
                    }
                    m.json
                })
                .collect();
            let (page, next) = paginate(&all, offset, page_size);
            axum::Json(json!({"messages": page, "next_page_token": next})).into_response()
        }
        ("POST", "/messages:send") => {
            s.sent += 1;
            let id = format!("OUT{}", s.sent);
            let at = OffsetDateTime::now_utc();
            let json = json!({
                "id": id, "direction": "TO_CONTACT",
                "conversation_id": s.conversations.iter()
                    .find(|c| c["contact_id"] == body["recipient"]["contact_id"])
                    .map(|c| c["id"].clone()).unwrap_or(Value::Null),
                "contact_id": body["recipient"]["contact_id"],
                "channel_identity": {"channel": "SMS", "identity": "123", "app_id": ""},
                "app_message": body["message"], "metadata": body["message_metadata"],
                "accept_time": rfc3339(at), "sender_id": "", "processing_mode": "CONVERSATION", "injected": false
            });
            let report = json!({
                "message_id": id, "conversation_id": json["conversation_id"],
                "status": "QUEUED_ON_CHANNEL", "contact_id": json["contact_id"],
                "channel_identity": json["channel_identity"],
                "metadata": body["message_metadata"], "processing_mode": "CONVERSATION"
            });
            s.messages.push(Stored { at, json });
            if let Some((url, secret)) = s.report_to.clone() {
                let body = callback("message_delivery_report", report);
                let nonce = format!("report-{id}");
                tokio::spawn(async move { post_callback(&url, &secret, &body, &nonce).await });
            }
            if s.swallow_sends > 0 {
                s.swallow_sends -= 1;
                return envelope(StatusCode::BAD_GATEWAY, "UNAVAILABLE", "upstream answer lost");
            }
            axum::Json(json!({"message_id": id, "accepted_time": rfc3339(at)})).into_response()
        }
        ("POST", "/events:send") => {
            axum::Json(json!({"event_id": "EV1", "accepted_time": rfc3339(OffsetDateTime::now_utc())}))
                .into_response()
        }
        ("POST", "/capability:query") => axum::Json(json!({
            "app_id": body["app_id"], "recipient": body["recipient"], "request_id": body["request_id"]
        }))
        .into_response(),
        (method, rest) => {
            let mut parts = rest.trim_start_matches('/').splitn(2, '/');
            let (kind, id) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            let found = |list: &Vec<Value>| list.iter().find(|v| v["id"] == id).cloned();
            match (method, kind) {
                ("GET", "conversations") => match found(&s.conversations) {
                    Some(v) => axum::Json(v).into_response(),
                    None => envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "Conversation not found"),
                },
                // Sinch's update: only the `metadata_json` the mask names, merged (RFC 7386)
                // or replaced as `metadata_update_strategy` says.
                ("PATCH", "conversations") => {
                    if query.get("update_mask.paths").map(String::as_str) != Some("metadata_json") {
                        return envelope(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "update_mask.paths is required");
                    }
                    if s.fail_patches > 0 {
                        s.fail_patches -= 1;
                        return envelope(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "try again later");
                    }
                    let merge = query.get("metadata_update_strategy").map(String::as_str) == Some("MERGE_PATCH");
                    s.conversation_patches.push((id.to_string(), body.clone()));
                    let Some(conversation) = s.conversations.iter_mut().find(|c| c["id"] == id) else {
                        return envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "Conversation not found");
                    };
                    let patch = body["metadata_json"].clone();
                    if merge {
                        merge_patch(&mut conversation["metadata_json"], &patch);
                    } else {
                        conversation["metadata_json"] = patch;
                    }
                    axum::Json(conversation.clone()).into_response()
                }
                ("GET", "contacts") => match found(&s.contacts) {
                    Some(v) => axum::Json(v).into_response(),
                    None => envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "Contact not found"),
                },
                ("DELETE", "messages") => {
                    let before = s.messages.len();
                    s.messages.retain(|m| m.json["id"] != id);
                    if s.messages.len() < before {
                        (StatusCode::OK, "").into_response()
                    } else {
                        envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "Message not found")
                    }
                }
                _ => envelope(StatusCode::NOT_FOUND, "NOT_FOUND", "No such path"),
            }
        }
    }
}

fn paginate(all: &[Value], offset: usize, size: usize) -> (Vec<Value>, String) {
    let end = (offset + size).min(all.len());
    let page = all
        .get(offset..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let next = if end < all.len() {
        format!("p{end}")
    } else {
        String::new()
    };
    (page, next)
}

fn token(s: &mut FakeState, headers: &HeaderMap, body: &[u8]) -> Response {
    s.token_requests += 1;
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form || body != b"grant_type=client_credentials" {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_request", "error_description": "grant_type missing"}),
            ),
        )
            .into_response();
    }
    if basic != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "Invalid client credentials"})),
        )
            .into_response();
    }
    let token = format!("tok-{}", s.token_requests);
    s.tokens.push(token.clone());
    axum::Json(json!({"access_token": token, "expires_in": s.token_lifetime, "scope": "", "token_type": "bearer"}))
        .into_response()
}

/// Decodes `a=b&c=d` (percent and `+` escapes) without another dependency.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Posts a signed callback to the provider's webhook; returns the HTTP status.
pub async fn post_callback(url: &str, secret: &str, body: &Value, nonce: &str) -> u16 {
    let timestamp = OffsetDateTime::now_utc().unix_timestamp().to_string();
    post_signed(url, secret, &body.to_string(), nonce, &timestamp).await
}

pub async fn post_signed(url: &str, secret: &str, body: &str, nonce: &str, timestamp: &str) -> u16 {
    let signature =
        switchboard::providers::sinch::webhook::sign(secret, body.as_bytes(), nonce, timestamp);
    post_raw(url, body, &signature, nonce, timestamp).await
}

pub async fn post_raw(url: &str, body: &str, signature: &str, nonce: &str, timestamp: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-sinch-webhook-signature", signature)
        .header("x-sinch-webhook-signature-nonce", nonce)
        .header("x-sinch-webhook-signature-timestamp", timestamp)
        .header("x-sinch-webhook-signature-algorithm", "HmacSHA256")
        .body(body.to_string())
        .send()
        .await
        .expect("webhook reachable")
        .status()
        .as_u16()
}

/// The §1.6 envelope around one payload key.
pub fn callback(key: &str, payload: Value) -> Value {
    let mut body = json!({
        "app_id": APP, "project_id": PROJECT, "accepted_time": rfc3339(OffsetDateTime::now_utc()),
        "event_time": rfc3339(OffsetDateTime::now_utc()), "message_metadata": "", "correlation_id": ""
    });
    body[key] = payload;
    body
}
