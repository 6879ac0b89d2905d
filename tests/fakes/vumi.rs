//! A fake Vumi Go HTTP API (`protocols.md` §4) on 127.0.0.1:0: `PUT messages.json` and
//! `PUT metrics.json` with Basic auth and the 2016 server's validation and error reasons, and the
//! streaming `GET messages.json` / `GET events.json` that write NDJSON in irregular chunks and
//! can be dropped mid-line. Timestamps are vumi's `%Y-%m-%d %H:%M:%S.%f` without a zone.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::server::FakeServer;

pub const ACCOUNT_KEY: &str = "acc-key";
pub const TOKEN: &str = "conv-token";
pub const CONVERSATION: &str = "conv-key";
pub const OUR_ADDRESS: &str = "*120*8864#";

type Chunk = Result<Bytes, std::io::Error>;

#[derive(Default)]
struct Inner {
    /// Open streams per resource (`messages.json`, `events.json`).
    streams: HashMap<String, Vec<mpsc::UnboundedSender<Chunk>>>,
    /// Stream GETs answered 200, per resource.
    connections: HashMap<String, u32>,
    /// Streams allowed at once for the account (the 403 beyond).
    max_streams: Option<usize>,
    /// Inbound messages written, by id (a reply must name one of them).
    inbound: HashMap<String, Value>,
    opted_out: HashSet<String>,
    content_length_limit: Option<usize>,
    /// PUT bodies to messages.json, in order.
    sends: Vec<Value>,
    /// PUT bodies to metrics.json, in order.
    metrics: Vec<Value>,
    /// Write an ack and a delivery report on the events stream before answering a PUT.
    events_before_answer: bool,
    /// Answer metrics with this 400 reason.
    reject_metrics: Option<String>,
    chunk_sizes: Vec<usize>,
    next_chunk: usize,
    /// The conversation token the server accepts (rotated by tests).
    token: String,
    /// Sends to accept and then answer 503, as if the answer was lost on the way back.
    lose_answers: u32,
    /// Writes that found no open stream, per resource, for the next client that connects
    /// (vumi-go keeps up to `BACKLOG`).
    backlog: HashMap<String, VecDeque<Vec<Bytes>>>,
}

/// Messages or events vumi-go keeps for a stream resource while no client is connected.
pub const BACKLOG: usize = 100;

#[derive(Clone)]
pub struct FakeVumi {
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
    server: Arc<FakeServer>,
}

impl FakeVumi {
    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    /// On a chosen address (a test that starts the server late picks its port first).
    pub async fn start_on(address: &str) -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            // Irregular chunk sizes, cycled: lines end up split anywhere.
            chunk_sizes: vec![7, 1, 23, 3, 64, 2, 11, 5, 40],
            token: TOKEN.to_string(),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/api/v1/go/http_api/{conversation}/{resource}", any(handle))
            .with_state(inner.clone());
        let server = FakeServer::serve_on(address, app).await;
        Self {
            base_url: format!("{}/api/v1/go/http_api", server.url()),
            inner,
            server: Arc::new(server),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("fake lock")
    }

    /// The token the conversation accepts from now on.
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }
    pub fn set_max_streams(&self, max: usize) {
        self.lock().max_streams = Some(max);
    }
    pub fn opt_out(&self, address: &str) {
        self.lock().opted_out.insert(address.to_string());
    }
    pub fn set_content_length_limit(&self, limit: usize) {
        self.lock().content_length_limit = Some(limit);
    }
    pub fn set_events_before_answer(&self, on: bool) {
        self.lock().events_before_answer = on;
    }
    pub fn reject_metrics(&self, reason: &str) {
        self.lock().reject_metrics = Some(reason.to_string());
    }
    /// The next `count` sends are accepted (recorded) but answered 503.
    /// The `[[account]]` of a stream account named `name` on this fake.
    pub fn account_toml(&self, name: &str) -> String {
        format!(
            r#"
            [[account]]
            provider = "vumi"
            name = "{name}"
            account_key = "{ACCOUNT_KEY}"
            conversation_key = "{CONVERSATION}"
            conversation_token = "{TOKEN}"
            base_url = "{}"
            "#,
            self.base_url
        )
    }

    pub fn lose_answers(&self, count: u32) {
        self.lock().lose_answers = count;
    }
    pub fn sends(&self) -> Vec<Value> {
        self.lock().sends.clone()
    }
    pub fn metrics(&self) -> Vec<Value> {
        self.lock().metrics.clone()
    }
    pub fn connections(&self, resource: &str) -> u32 {
        self.lock().connections.get(resource).copied().unwrap_or(0)
    }
    pub fn open_streams(&self, resource: &str) -> usize {
        self.lock().streams.get(resource).map_or(0, Vec::len)
    }

    /// Writes raw bytes to one open stream of `resource` chosen at random, in irregular chunks,
    /// as vumi-go hands each message to one connected client; with none connected the write
    /// waits in the backlog for the next one (the oldest dropped beyond `BACKLOG`).
    pub fn write_raw(&self, resource: &str, bytes: &[u8]) {
        write_raw(&self.inner, resource, bytes);
    }

    /// Writes objects as NDJSON (one per line) to the streams of `resource`.
    pub fn write_lines(&self, resource: &str, values: &[Value]) {
        let mut text = String::new();
        for value in values {
            text.push_str(&value.to_string());
            text.push('\n');
        }
        self.write_raw(resource, text.as_bytes());
    }

    /// Ends every open stream (a clean end of the chunked body).
    pub fn drop_streams(&self) {
        self.lock().streams.clear();
    }

    /// Breaks every open stream with an error (the connection is cut).
    pub fn break_streams(&self) {
        let mut inner = self.lock();
        for (_, streams) in inner.streams.drain() {
            for stream in streams {
                let _ = stream.send(Err(std::io::Error::other("cut")));
            }
        }
    }

    /// A message from a customer, as the transport would hand it to Vumi Go; written to the
    /// messages stream. Returns it.
    pub fn inbound(
        &self,
        transport: &str,
        from: &str,
        content: Option<&str>,
        session_event: Option<&str>,
    ) -> Value {
        let message = user_message(json!({
            "to_addr": OUR_ADDRESS,
            "from_addr": from,
            "content": content,
            "session_event": session_event,
            "transport_name": format!("{transport}_transport"),
            "transport_type": transport,
        }));
        self.write_inbound(&message);
        message
    }

    /// Writes a user message to the messages stream and remembers it, so replies may name it.
    pub fn write_inbound(&self, message: &Value) {
        let id = message["message_id"].as_str().expect("id").to_string();
        self.lock().inbound.insert(id, message.clone());
        self.write_lines("messages.json", std::slice::from_ref(message));
    }

    /// Writes an event about one of our messages to the events stream.
    pub fn event(&self, user_message_id: &str, kind: &str, extra: Value) {
        self.write_lines("events.json", &[event(user_message_id, kind, extra)]);
    }
}

pub fn vumi_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"
    );
    now.format(format).expect("format")
}

/// Hands `bytes` to one open stream of `resource` (cut into irregular chunks), or keeps them
/// for the next client when none is open.
fn write_raw(inner: &Mutex<Inner>, resource: &str, bytes: &[u8]) {
    let mut inner = inner.lock().expect("fake lock");
    let mut chunks = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let size = inner.chunk_sizes[inner.next_chunk % inner.chunk_sizes.len()];
        inner.next_chunk += 1;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(Bytes::copy_from_slice(chunk));
        rest = tail;
    }
    let streams = inner.streams.entry(resource.to_string()).or_default();
    while !streams.is_empty() {
        let chosen = fastrand::usize(..streams.len());
        if chunks
            .iter()
            .all(|c| streams[chosen].send(Ok(c.clone())).is_ok())
        {
            return;
        }
        streams.swap_remove(chosen);
    }
    let backlog = inner.backlog.entry(resource.to_string()).or_default();
    backlog.push_back(chunks);
    while backlog.len() > BACKLOG {
        backlog.pop_front();
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A full user message with every field of §4.5, overlaid with `fields`.
pub fn user_message(fields: Value) -> Value {
    let mut message = json!({
        "message_version": "20110921", "message_type": "user_message", "timestamp": vumi_now(),
        "message_id": new_id(), "in_reply_to": null, "session_event": null,
        "to_addr": null, "to_addr_type": "msisdn", "from_addr": null, "from_addr_type": null,
        "content": null, "transport_name": null, "transport_type": null,
        "transport_metadata": {}, "helper_metadata": {}, "routing_metadata": {},
        "group": null, "provider": null
    });
    if let (Some(base), Some(extra)) = (message.as_object_mut(), fields.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    message
}

pub fn event(user_message_id: &str, kind: &str, extra: Value) -> Value {
    let mut event = json!({
        "message_version": "20110921", "message_type": "event", "timestamp": vumi_now(),
        "event_id": new_id(), "event_type": kind, "user_message_id": user_message_id,
        "helper_metadata": {}, "routing_metadata": {}, "transport_name": "sms_transport",
        "transport_metadata": {}
    });
    if let (Some(base), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    event
}

fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_KEY}:{token}"));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {expected}"))
}

fn unauthorized() -> Response {
    // Twisted's answer: a plain-text body, not JSON.
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "basic realm=\"Conversation Realm\"",
        )],
        "Unauthorized",
    )
        .into_response()
}

fn bad_request(reason: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        json!({"success": false, "reason": reason}).to_string(),
    )
        .into_response()
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((conversation, resource)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if conversation != CONVERSATION {
        return (StatusCode::NOT_FOUND, "no such conversation").into_response();
    }
    let token = inner.lock().expect("lock").token.clone();
    if !authorised(&headers, &token) {
        return unauthorized();
    }
    match (method, resource.as_str()) {
        (Method::GET, "messages.json" | "events.json") => stream(&inner, &resource),
        (Method::PUT, "messages.json") => send(&inner, &body).await,
        (Method::PUT, "metrics.json") => metrics(&inner, &body),
        _ => (StatusCode::METHOD_NOT_ALLOWED, "").into_response(),
    }
}

fn stream(inner: &Arc<Mutex<Inner>>, resource: &str) -> Response {
    let mut inner = inner.lock().expect("lock");
    let open: usize = inner.streams.values().map(Vec::len).sum();
    if inner.max_streams.is_some_and(|max| open >= max) {
        return (StatusCode::FORBIDDEN, "Too many concurrent connections").into_response();
    }
    let (sender, receiver) = mpsc::unbounded_channel::<Chunk>();
    for chunks in inner.backlog.remove(resource).unwrap_or_default() {
        for chunk in chunks {
            let _ = sender.send(Ok(chunk));
        }
    }
    inner
        .streams
        .entry(resource.to_string())
        .or_default()
        .push(sender);
    *inner.connections.entry(resource.to_string()).or_default() += 1;
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The 2016 server's `handle_PUT` for messages: validation, opt-outs, the outbound message.
async fn send(inner: &Arc<Mutex<Inner>>, body: &Bytes) -> Response {
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return bad_request("Invalid Message");
    };
    let mut errors = Vec::new();
    let content = payload.get("content").cloned().unwrap_or(Value::Null);
    if !(content.is_string() || content.is_null()) {
        errors.push("Invalid or missing value for payload key 'content'".to_string());
    }
    let (message, events_first) = {
        let mut inner = inner.lock().expect("lock");
        inner.sends.push(payload.clone());
        if let Some(limit) = inner.content_length_limit {
            let length = content.as_str().map_or(0, |c| c.chars().count());
            if length > limit {
                return bad_request(&format!("Payload content too long: {length} > {limit}"));
            }
        }
        let message = if let Some(reply_to) = payload.get("in_reply_to").and_then(Value::as_str) {
            let session_event = payload.get("session_event").cloned().unwrap_or(Value::Null);
            let valid_event = session_event.is_null()
                || ["new", "resume", "close"]
                    .iter()
                    .any(|e| session_event.as_str() == Some(e));
            if !valid_event {
                errors.push("Invalid or missing value for payload key 'session_event'".into());
            }
            let Some(original) = inner.inbound.get(reply_to).cloned() else {
                return bad_request("Invalid in_reply_to value");
            };
            if !errors.is_empty() {
                return bad_request(&format!("Errors:\n* {}", errors.join("\n* ")));
            }
            user_message(json!({
                "in_reply_to": reply_to,
                "to_addr": original["from_addr"],
                "from_addr": original["to_addr"],
                "content": content,
                // vumi-go's answer keeps only `close`; `new` and `resume` come back null.
                "session_event": if session_event == "close" { session_event } else { Value::Null },
                "transport_name": original["transport_name"],
                "transport_type": original["transport_type"],
                "helper_metadata": {"go": {"conversation_key": CONVERSATION, "conversation_type": "http_api", "user_account": ACCOUNT_KEY}},
            }))
        } else {
            let Some(to_addr) = payload.get("to_addr").and_then(Value::as_str) else {
                errors.push("Invalid or missing value for payload key 'to_addr'".to_string());
                return bad_request(&format!("Errors:\n* {}", errors.join("\n* ")));
            };
            if !errors.is_empty() {
                return bad_request(&format!("Errors:\n* {}", errors.join("\n* ")));
            }
            if inner.opted_out.contains(to_addr) {
                return bad_request(&format!("Recipient with msisdn {to_addr} has opted out"));
            }
            // The 2016 server ignores session_event and helper_metadata on a new message.
            user_message(json!({
                "to_addr": to_addr,
                "from_addr": null,
                "content": content,
                "helper_metadata": {"go": {"conversation_key": CONVERSATION, "conversation_type": "http_api", "user_account": ACCOUNT_KEY}},
            }))
        };
        if inner.lose_answers > 0 {
            inner.lose_answers -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "upstream answer lost").into_response();
        }
        (message, inner.events_before_answer)
    };
    if events_first {
        let id = message["message_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let events = [
            event(&id, "ack", json!({"sent_message_id": "smsc-1"})),
            event(
                &id,
                "delivery_report",
                json!({"delivery_status": "delivered"}),
            ),
        ];
        let lines: String = events.iter().map(|e| format!("{e}\n")).collect();
        write_raw(inner, "events.json", lines.as_bytes());
        // Give the events a head start over the answer.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

fn metrics(inner: &Arc<Mutex<Inner>>, body: &Bytes) -> Response {
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return bad_request("Invalid Message");
    };
    let mut inner = inner.lock().expect("lock");
    inner.metrics.push(payload.clone());
    if let Some(reason) = inner.reject_metrics.clone() {
        return bad_request(&reason);
    }
    for metric in payload.as_array().into_iter().flatten() {
        let aggregator = metric
            .get(2)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        if !["last", "sum", "avg", "max", "min"].contains(&aggregator.as_str()) {
            return bad_request(&format!("'{aggregator}' is not a valid aggregate."));
        }
    }
    (
        StatusCode::OK,
        json!({"success": true, "reason": "Metrics published"}).to_string(),
    )
        .into_response()
}
