//! A fake Symbl (`../shared/protocols.md` §3) on 127.0.0.1:0: token generation, the async Text
//! API with jobs, the Conversation API (trackers as a top-level array) and the streaming
//! WebSocket. Its "analysis" is a few fixed rules (sentences ending in `?` are questions, "I'll"
//! is an action item, "call"/"email" a follow-up, `#123` an order entity, "today"/"tomorrow" a
//! date…) so tests know what to expect. Knobs inject the failures the provider must survive:
//! 401, 429, failed jobs, unknown job states, killed sockets, raw frames. It records what the
//! client sent.
//!
//! Wire truth: every answer is a literal `json!` in the shape protocols.md §3 documents (field
//! names and nesting copied from there, values invented). Nothing here uses the provider's own
//! wire structs, so a misspelt field in `src/providers/symbl/wire.rs` fails a test instead of
//! being cancelled out by the same mistake on this side. What the client sends is read as plain
//! `serde_json::Value` by the documented names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::broadcast;

use super::server::FakeServer;

pub const APP_ID: &str = "fake-app";
pub const APP_SECRET: &str = "fake-secret-do-not-log";
/// The message of the fake's 429 answers.
pub const BUSY_MESSAGE: &str = "Maximum number of concurrent jobs reached";

#[derive(Clone, Debug)]
enum WsControl {
    Text(String),
    Kill,
}

/// What a job will report.
#[derive(Clone, Debug, PartialEq)]
enum JobPlan {
    /// `scheduled` on the first poll, `in_progress` up to `polls_before`, then `completed`.
    Complete {
        polls_before: u32,
    },
    Fail,
    Status(String),
}

/// One sentence Symbl kept from a submitted message, with the message's `from` and `duration`
/// as the client sent them (`from.userId`, `from.name`, `duration.startTime/endTime`, §3.3).
#[derive(Clone, Debug)]
struct Sentence {
    id: String,
    text: String,
    user_id: Option<String>,
    name: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

/// A tracker as the client defined it (`{"name","vocabulary":[…]}`, §3.3).
#[derive(Clone, Debug)]
struct TrackerDef {
    name: String,
    vocabulary: Vec<String>,
}

#[derive(Default)]
struct Conversation {
    /// The submission's `name`.
    name: Option<String>,
    /// Whether any submission asked for `detectPhrases`.
    detect_phrases: bool,
    sentences: Vec<Sentence>,
    trackers: Vec<TrackerDef>,
}

#[derive(Default)]
struct FakeState {
    next: u64,
    tokens: Vec<String>,
    revoked: Vec<String>,
    /// `expiresIn` exactly as sent: a JSON number, whole or fractional.
    expires_in: Value,
    token_calls: Vec<Value>,
    reject_credentials: bool,
    /// Answer the next N submits/appends with 429.
    busy: u32,
    /// The next N jobs fail.
    failing_jobs: u32,
    unknown_status: Option<String>,
    polls_before_complete: u32,
    conversations: HashMap<String, Conversation>,
    jobs: HashMap<String, (JobPlan, u32)>,
    /// `METHOD path` of every call.
    log: Vec<String>,
    /// `METHOD path?query` of every Conversation API call.
    queries: Vec<String>,
    submissions: Vec<(String, String, Value)>,
    client_frames: Vec<String>,
    stops: u32,
    ws_connections: u32,
    ws_tokens: Vec<String>,
}

struct Shared {
    state: Mutex<FakeState>,
    ws: broadcast::Sender<WsControl>,
}

pub struct FakeSymbl {
    pub base_url: String,
    shared: Arc<Shared>,
    server: FakeServer,
}

type SharedState = State<Arc<Shared>>;

impl FakeSymbl {
    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    pub async fn start() -> Self {
        let (ws, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                // §3.1: `{"accessToken":"…","expiresIn":86400}`.
                expires_in: json!(86_400),
                ..FakeState::default()
            }),
            ws,
        });
        let app = Router::new()
            .route("/oauth2/token:generate", post(generate_token))
            .route("/v1/process/text", post(submit))
            .route("/v1/process/text/{id}", axum::routing::put(append))
            .route("/v1/job/{id}", get(job))
            .route("/v1/conversations/{id}", get(conversation))
            .route("/v1/conversations/{id}/{what}", get(listing))
            // §3.2: the SDK's path and the docs' newer name for the same socket.
            .route("/v1/realtime/insights/{id}", get(ws_upgrade))
            .route("/v1/streaming/{id}", get(ws_upgrade))
            .with_state(shared.clone());
        let server = FakeServer::serve(app).await;
        Self {
            base_url: server.url(),
            shared,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.shared.state.lock().expect("state lock")
    }

    // ----- knobs ---------------------------------------------------------------------------

    /// `expiresIn` as a whole number of seconds (the documented `86400`).
    pub fn set_expires_in(&self, seconds: u64) {
        self.state().expires_in = json!(seconds);
    }
    /// `expiresIn` as a JSON number with a fraction (`86400.0`, `3599.5`): still a number, and
    /// the client must read it.
    pub fn set_expires_in_f64(&self, seconds: f64) {
        self.state().expires_in = json!(seconds);
    }
    pub fn set_reject_credentials(&self, on: bool) {
        self.state().reject_credentials = on;
    }
    /// Revokes every token handed out so far (the next API call gets 401).
    pub fn revoke_tokens(&self) {
        let mut state = self.state();
        let tokens = state.tokens.clone();
        state.revoked.extend(tokens);
    }
    pub fn busy_next(&self, count: u32) {
        self.state().busy = count;
    }
    pub fn fail_next_jobs(&self, count: u32) {
        self.state().failing_jobs = count;
    }
    pub fn set_unknown_status(&self, status: &str) {
        self.state().unknown_status = Some(status.into());
    }
    pub fn set_polls_before_complete(&self, polls: u32) {
        self.state().polls_before_complete = polls;
    }

    /// A JSON frame to every open streaming socket (build it in a §3.5 shape).
    pub fn push_frame(&self, frame: &Value) {
        self.send_raw(&frame.to_string());
    }
    pub fn send_raw(&self, text: &str) {
        let _ = self.shared.ws.send(WsControl::Text(text.into()));
    }
    /// Drops every streaming socket without a close frame.
    pub fn kill_ws(&self) {
        let _ = self.shared.ws.send(WsControl::Kill);
    }

    // ----- records -------------------------------------------------------------------------

    pub fn token_calls(&self) -> Vec<Value> {
        self.state().token_calls.clone()
    }
    pub fn log(&self) -> Vec<String> {
        self.state().log.clone()
    }
    /// `GET /v1/conversations/…?query` of every Conversation API call, query as received.
    pub fn queries(&self) -> Vec<String> {
        self.state().queries.clone()
    }
    /// `(method, conversation id, body)` of every accepted submit/append, body as sent.
    pub fn submissions(&self) -> Vec<(String, String, Value)> {
        self.state().submissions.clone()
    }
    pub fn client_frames(&self) -> Vec<String> {
        self.state().client_frames.clone()
    }
    pub fn stops(&self) -> u32 {
        self.state().stops
    }
    pub fn ws_connections(&self) -> u32 {
        self.state().ws_connections
    }
    pub fn ws_tokens(&self) -> Vec<String> {
        self.state().ws_tokens.clone()
    }
    pub fn requests_to(&self, prefix: &str) -> usize {
        self.log().iter().filter(|l| l.starts_with(prefix)).count()
    }
}

// ----- errors (§3.4 "Errors"; the body per status is UNCONFIRMED there and in §5) -------------

/// 429 with `{"statusCode":429,"message":…}`, the body issue 16 gives for "maximum number of
/// concurrent jobs". protocols.md does not confirm it (error bodies are UNCONFIRMED; the swagger
/// models are `Error {code,message,url}` and `GenericError {message}`), so the client must not
/// depend on more than `message`.
fn busy() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({ "statusCode": 429, "message": BUSY_MESSAGE })),
    )
        .into_response()
}

/// The swagger `GenericError {"message"}` (used for 401).
fn generic_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

/// The swagger `Error {"code","message","url"}` (used for 400 and 404).
fn error(status: StatusCode, message: &str, url: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": status.as_u16(), "message": message, "url": url })),
    )
        .into_response()
}

fn unauthorized() -> Response {
    generic_error(StatusCode::UNAUTHORIZED, "Unauthorized")
}

/// Whether the request carries a valid token (`Authorization: Bearer` or `x-api-key`, §3.1).
fn authorised(state: &FakeState, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let valid =
        |t: &str| state.tokens.iter().any(|k| k == t) && !state.revoked.iter().any(|k| k == t);
    bearer.is_some_and(valid) || key.is_some_and(valid)
}

// ----- auth (§3.1) ------------------------------------------------------------------------------

async fn generate_token(State(shared): SharedState, request: Request) -> Response {
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut state = shared.state.lock().expect("state");
    state.log.push("POST /oauth2/token:generate".into());
    state.token_calls.push(body.clone());
    // `{"type":"application","appId":"…","appSecret":"…"}`.
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let (Some(kind), Some(app_id), Some(app_secret)) =
        (field("type"), field("appId"), field("appSecret"))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad token request",
            "/oauth2/token:generate",
        );
    };
    if state.reject_credentials
        || kind != "application"
        || app_id != APP_ID
        || app_secret != APP_SECRET
    {
        return generic_error(StatusCode::UNAUTHORIZED, "Invalid app credentials");
    }
    state.next += 1;
    let token = format!("tok-{}", state.next);
    state.tokens.push(token.clone());
    // `{"accessToken":"…","expiresIn":86400}`; `expiresIn` may be set to a fractional number.
    axum::Json(json!({ "accessToken": token, "expiresIn": state.expires_in.clone() }))
        .into_response()
}

// ----- async Text API and jobs (§3.3) -----------------------------------------------------------

fn accept(
    shared: &Shared,
    headers: &HeaderMap,
    method: &str,
    existing: Option<String>,
    body: Value,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    let path = match &existing {
        Some(id) => format!("/v1/process/text/{id}"),
        None => "/v1/process/text".to_string(),
    };
    state.log.push(format!("{method} {path}"));
    if !authorised(&state, headers) {
        return unauthorized();
    }
    if state.busy > 0 {
        state.busy -= 1;
        return busy();
    }
    // `messages[]` with `payload.content` is the one required part of the body.
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return error(StatusCode::BAD_REQUEST, "messages is required", &path);
    };
    if messages.iter().any(|m| {
        m.pointer("/payload/content")
            .and_then(Value::as_str)
            .is_none()
    }) {
        return error(
            StatusCode::BAD_REQUEST,
            "payload.content is required",
            &path,
        );
    }
    let conversation_id = match existing {
        Some(id) if state.conversations.contains_key(&id) => id,
        Some(_) => return error(StatusCode::NOT_FOUND, "conversation not found", &path),
        None => {
            state.next += 1;
            let id = format!("conv-{}", state.next);
            state
                .conversations
                .insert(id.clone(), Conversation::default());
            id
        }
    };
    state.next += 1;
    let job_id = format!("job-{}", state.next);
    let plan = if let Some(status) = state.unknown_status.clone() {
        JobPlan::Status(status)
    } else if state.failing_jobs > 0 {
        state.failing_jobs -= 1;
        JobPlan::Fail
    } else {
        JobPlan::Complete {
            polls_before: state.polls_before_complete,
        }
    };
    // A failed job leaves the conversation as it was.
    if matches!(plan, JobPlan::Complete { .. }) {
        let start = state.conversations[&conversation_id].sentences.len();
        let sentences = split(&conversation_id, start, messages);
        let conversation = state
            .conversations
            .get_mut(&conversation_id)
            .expect("conversation exists");
        if conversation.name.is_none() {
            conversation.name = body.get("name").and_then(Value::as_str).map(str::to_string);
        }
        conversation.detect_phrases |= body.get("detectPhrases") == Some(&Value::Bool(true));
        conversation.sentences.extend(sentences);
        for tracker in body
            .get("trackers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = tracker.get("name").and_then(Value::as_str) else {
                continue;
            };
            let vocabulary = tracker
                .get("vocabulary")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if !conversation.trackers.iter().any(|t| t.name == name) {
                conversation.trackers.push(TrackerDef {
                    name: name.to_string(),
                    vocabulary,
                });
            }
        }
    }
    state.jobs.insert(job_id.clone(), (plan, 0));
    state
        .submissions
        .push((method.into(), conversation_id.clone(), body));
    // 201 `{"conversationId":"…","jobId":"…"}`.
    (
        StatusCode::CREATED,
        axum::Json(json!({ "conversationId": conversation_id, "jobId": job_id })),
    )
        .into_response()
}

/// Symbl keeps sentences, not messages: each message is split at `. `, `? ` and `! `.
fn split(conversation: &str, start: usize, messages: &[Value]) -> Vec<Sentence> {
    let text_at = |message: &Value, pointer: &str| {
        message
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for message in messages {
        let content = text_at(message, "/payload/content").unwrap_or_default();
        let mut pieces = Vec::new();
        let mut current = String::new();
        let mut chars = content.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '?' | '!') && chars.peek().is_none_or(|n| *n == ' ') {
                pieces.push(current.trim().to_string());
                current.clear();
            }
        }
        if !current.trim().is_empty() {
            pieces.push(current.trim().to_string());
        }
        for text in pieces {
            out.push(Sentence {
                id: format!("{conversation}-s{}", start + out.len() + 1),
                text,
                user_id: text_at(message, "/from/userId"),
                name: text_at(message, "/from/name"),
                start: text_at(message, "/duration/startTime"),
                end: text_at(message, "/duration/endTime"),
            });
        }
    }
    out
}

async fn submit(
    State(shared): SharedState,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    accept(&shared, &headers, "POST", None, body)
}

async fn append(
    State(shared): SharedState,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    accept(&shared, &headers, "PUT", Some(id), body)
}

async fn job(State(shared): SharedState, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut state = shared.state.lock().expect("state");
    let path = format!("/v1/job/{id}");
    state.log.push(format!("GET {path}"));
    if !authorised(&state, &headers) {
        return unauthorized();
    }
    let Some((plan, polls)) = state.jobs.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "job not found", &path);
    };
    *polls += 1;
    let status = match plan {
        JobPlan::Complete { polls_before } if *polls <= *polls_before => if *polls == 1 {
            "scheduled"
        } else {
            "in_progress"
        }
        .to_string(),
        JobPlan::Complete { .. } => "completed".to_string(),
        JobPlan::Fail if *polls == 1 => "in_progress".to_string(),
        JobPlan::Fail => "failed".to_string(),
        JobPlan::Status(status) => status.clone(),
    };
    // `{"id":"…","status":"scheduled|in_progress|completed|failed"}`.
    axum::Json(json!({ "id": id, "status": status })).into_response()
}

// ----- Conversation API (§3.4) ------------------------------------------------------------------

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn format_time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Seconds as Symbl writes `timeOffset`/`duration`: a float, two decimals.
fn seconds(duration: time::Duration) -> f64 {
    (duration.as_seconds_f64() * 100.0).round() / 100.0
}

/// `(start, end)` of a sentence, when the client gave a duration.
fn span(sentence: &Sentence) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let start = parse_time(sentence.start.as_deref()?)?;
    let end = sentence
        .end
        .as_deref()
        .and_then(parse_time)
        .unwrap_or(start);
    Some((start, end.max(start)))
}

/// The conversation's members, one per distinct speaker (`name` + `userId`), in order of
/// appearance: `(member id, sentence indexes)`.
fn speakers(conversation: &Conversation) -> Vec<(String, Vec<usize>)> {
    let mut keys: Vec<(Option<String>, Option<String>)> = Vec::new();
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, sentence) in conversation.sentences.iter().enumerate() {
        let key = (sentence.name.clone(), sentence.user_id.clone());
        match keys.iter().position(|k| *k == key) {
            Some(at) => out[at].1.push(index),
            None => {
                keys.push(key);
                out.push((
                    format!("5c0e7d2e-0000-4000-8000-{:012}", out.len() + 1),
                    vec![index],
                ));
            }
        }
    }
    out
}

fn member_id(conversation: &Conversation, index: usize) -> String {
    speakers(conversation)
        .into_iter()
        .find(|(_, sentences)| sentences.contains(&index))
        .map(|(id, _)| id)
        .unwrap_or_default()
}

/// Members as `GET /v1/conversations/{id}` and `…/members` list them: `{"id","name","email"}`
/// (the email is the `userId` the client sent).
fn members(conversation: &Conversation) -> Vec<Value> {
    speakers(conversation)
        .into_iter()
        .map(|(id, sentences)| {
            let first = &conversation.sentences[sentences[0]];
            json!({ "id": id, "name": first.name, "email": first.user_id })
        })
        .collect()
}

async fn conversation(
    State(shared): SharedState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    let path = format!("/v1/conversations/{id}");
    state.log.push(format!("GET {path}"));
    state.queries.push(format!("GET {path}"));
    if !authorised(&state, &headers) {
        return unauthorized();
    }
    let Some(conversation) = state.conversations.get(&id) else {
        return error(StatusCode::NOT_FOUND, "conversation not found", &path);
    };
    let spans: Vec<_> = conversation.sentences.iter().filter_map(span).collect();
    let start = spans.iter().map(|s| s.0).min().map(format_time);
    let end = spans.iter().map(|s| s.1).max().map(format_time);
    // `{"id","type","name","startTime","endTime","members":[{"id","name","email"}]}`.
    axum::Json(json!({
        "id": id,
        "type": "meeting",
        "name": conversation.name.clone().unwrap_or_else(|| id.clone()),
        "startTime": start,
        "endTime": end,
        "members": members(conversation),
    }))
    .into_response()
}

/// A made-up sentiment: "sorry", "late", "refund" read negative; "thanks", "great" positive.
fn sentiment(text: &str) -> Value {
    let lower = text.to_lowercase();
    let (score, suggested) = if ["sorry", "late", "refund"]
        .iter()
        .any(|w| lower.contains(w))
    {
        (-0.4, "negative")
    } else if ["thank", "great"].iter().any(|w| lower.contains(w)) {
        (0.6, "positive")
    } else {
        (0.0, "neutral")
    };
    // `{"polarity":{"score":0.6},"suggested":"positive"}`.
    json!({ "polarity": { "score": score }, "suggested": suggested })
}

/// The actionable part of a sentence, as an `action_phrase`.
fn phrases(text: &str) -> Vec<Value> {
    if !(is_action(text) || is_follow_up(text)) {
        return Vec::new();
    }
    let lower = text.to_lowercase();
    let at = ["i'll ", "i will ", "please "]
        .iter()
        .find_map(|lead| lower.find(lead).map(|i| i + lead.len()))
        .unwrap_or(0);
    let phrase = text
        .get(at..)
        .unwrap_or(text)
        .trim_end_matches(['.', '!', '?']);
    // `{"type","text"}`.
    vec![json!({ "type": "action_phrase", "text": phrase })]
}

/// `words[]` of a sentence (with `verbose=true`): the sentence's span shared evenly. For a text
/// conversation Symbl sends no word `score` (messages.md: "a processed `text` conversation will
/// not return any confidence score"), so there is none here.
fn words(text: &str, span: Option<(OffsetDateTime, OffsetDateTime)>, offset: f64) -> Vec<Value> {
    let all: Vec<&str> = text.split_whitespace().collect();
    let (start, end) = span.unwrap_or((OffsetDateTime::UNIX_EPOCH, OffsetDateTime::UNIX_EPOCH));
    let each = (end - start) / all.len().max(1) as u32;
    all.iter()
        .enumerate()
        .map(|(i, word)| {
            let from = start + each * i as u32;
            // `{"word","startTime","endTime","timeOffset","duration"}`.
            json!({
                "word": word,
                "startTime": format_time(from),
                "endTime": format_time(from + each),
                "timeOffset": ((offset + seconds(each * i as u32)) * 100.0).round() / 100.0,
                "duration": seconds(each),
            })
        })
        .collect()
}

fn message(
    conversation_id: &str,
    conversation: &Conversation,
    index: usize,
    first_start: Option<OffsetDateTime>,
    verbose: bool,
    with_sentiment: bool,
) -> Value {
    let sentence = &conversation.sentences[index];
    let span = span(sentence);
    let offset = match (span, first_start) {
        (Some((start, _)), Some(first)) => seconds(start - first),
        _ => 0.0,
    };
    // `{"id","text","from":{"id","name","email"},"startTime","endTime","timeOffset","duration",
    //   "conversationId","phrases":[{"type","text"}]}` (+ `sentiment`, `words` when asked).
    let mut out = json!({
        "id": sentence.id,
        "text": sentence.text,
        "from": {
            "id": member_id(conversation, index),
            "name": sentence.name,
            "email": sentence.user_id,
        },
        "startTime": sentence.start,
        "endTime": sentence.end,
        "timeOffset": offset,
        "duration": span.map(|(s, e)| seconds(e - s)).unwrap_or(0.0),
        "conversationId": conversation_id,
        "phrases": if conversation.detect_phrases { phrases(&sentence.text) } else { Vec::new() },
    });
    if with_sentiment {
        out["sentiment"] = sentiment(&sentence.text);
    }
    if verbose {
        out["words"] = Value::Array(words(&sentence.text, span, offset));
    }
    out
}

/// `from` on an insight item: `{"id","name","userId"}` (action-items.md).
fn item_from(conversation: &Conversation, index: usize) -> Value {
    let sentence = &conversation.sentences[index];
    json!({
        "id": member_id(conversation, index),
        "name": sentence.name,
        "userId": sentence.user_id,
    })
}

/// The shared item shape (`{"id","text","type","score","messageIds":[…],"from":{…}}`).
fn item(kind: &str, conversation: &Conversation, index: usize) -> Value {
    let sentence = &conversation.sentences[index];
    json!({
        "id": format!("{kind}-{}", sentence.id),
        "text": sentence.text,
        "type": kind,
        "score": 0.9,
        "messageIds": [sentence.id],
        "from": item_from(conversation, index),
    })
}

fn is_follow_up(text: &str) -> bool {
    let lower = text.to_lowercase();
    (lower.contains("i'll") || lower.contains("i will"))
        && (lower.contains("call") || lower.contains("email"))
}

fn is_action(text: &str) -> bool {
    let lower = text.to_lowercase();
    (lower.contains("i'll") || lower.contains("i will") || lower.starts_with("please"))
        && !is_follow_up(text)
}

fn is_question(text: &str) -> bool {
    text.ends_with('?')
}

/// The words of a sentence with their character offsets, punctuation trimmed.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for piece in text.split(' ') {
        let word = piece.trim_end_matches(['.', ',', '?', '!']);
        if !word.is_empty() {
            out.push((text[..at].chars().count(), word));
        }
        at += piece.len() + 1;
    }
    out
}

/// "today"/"tomorrow" as a date relative to the sentence's start (the date entity's `value`).
fn date_value(sentence: &Sentence, word: &str) -> Option<String> {
    let days = match word.to_lowercase().as_str() {
        "today" => 0,
        "tomorrow" => 1,
        _ => return None,
    };
    let (start, _) = span(sentence)?;
    Some((start.date() + time::Duration::days(days)).to_string())
}

/// Item-level entities (`{"type","text","offset","value"}`; date entities carry `start`/`end`
/// instead of `value`, as in follow-ups.md).
fn item_entities(sentence: &Sentence) -> Vec<Value> {
    tokens(&sentence.text)
        .into_iter()
        .filter_map(|(offset, word)| {
            let date = date_value(sentence, word)?;
            Some(json!({
                "type": "date",
                "text": word,
                "offset": offset,
                "start": format!("{date} 00:00:00"),
                "end": format!("{date} 23:59:59"),
            }))
        })
        .collect()
}

/// 17:00 UTC on the day "tomorrow" names, as `dueBy`.
fn due_by(sentence: &Sentence) -> Option<String> {
    let date = tokens(&sentence.text)
        .into_iter()
        .find_map(|(_, word)| (word.eq_ignore_ascii_case("tomorrow")).then_some(word))
        .and_then(|word| date_value(sentence, word))?;
    Some(format!("{date}T17:00:00.000Z"))
}

/// The action-item / follow-up shape: the shared item plus `entities`, `phrases`, `definitive`,
/// `assignee {"name"}` and `dueBy`.
fn action(kind: &str, conversation: &Conversation, index: usize) -> Value {
    let sentence = &conversation.sentences[index];
    let mut out = item(kind, conversation, index);
    out["entities"] = Value::Array(item_entities(sentence));
    out["phrases"] = Value::Array(phrases(&sentence.text));
    out["definitive"] = json!(true);
    let assignee = if sentence.text.to_lowercase().starts_with("please") {
        Some("Someone Else".to_string())
    } else {
        sentence.name.clone()
    };
    out["assignee"] = json!({ "name": assignee });
    if let Some(due) = due_by(sentence) {
        out["dueBy"] = json!(due);
    }
    out
}

fn entities(conversation: &Conversation) -> Vec<Value> {
    // `{"type","customType"?,"value","text","messageRefs":[{"id","text","offset"}]}`, one per
    // (type, value), with a reference per mention (entities.md's date example).
    let mut out: Vec<Value> = Vec::new();
    for sentence in &conversation.sentences {
        for (offset, word) in tokens(&sentence.text) {
            let entity = if word.starts_with('#') && word.len() > 1 {
                json!({
                    "type": "custom",
                    "customType": "Order",
                    "value": word.to_lowercase(),
                    "text": word,
                })
            } else if let Some(date) = date_value(sentence, word) {
                json!({ "type": "date", "value": date, "text": word.to_lowercase() })
            } else {
                continue;
            };
            let reference = json!({ "id": sentence.id, "text": sentence.text, "offset": offset });
            match out
                .iter_mut()
                .find(|e| e["type"] == entity["type"] && e["value"] == entity["value"])
            {
                Some(known) => known["messageRefs"]
                    .as_array_mut()
                    .expect("messageRefs")
                    .push(reference),
                None => {
                    let mut entity = entity;
                    entity["messageRefs"] = json!([reference]);
                    out.push(entity);
                }
            }
        }
    }
    out
}

/// The top-level array of `GET …/trackers`: `[{"id","name","matches":[{"type":"vocabulary",
/// "value","messageRefs":[{"id","text","offset"}],
/// "insightRefs":[{"id","text","offset","type"}]}]}]`.
fn trackers(conversation: &Conversation) -> Vec<Value> {
    let sentences = &conversation.sentences;
    conversation
        .trackers
        .iter()
        .enumerate()
        .map(|(i, tracker)| {
            let matches: Vec<Value> = tracker
                .vocabulary
                .iter()
                .filter_map(|term| {
                    let needle = term.to_lowercase();
                    let mut message_refs = Vec::new();
                    let mut insight_refs = Vec::new();
                    for sentence in sentences {
                        let lower = sentence.text.to_lowercase();
                        let Some(at) = lower.find(&needle) else {
                            continue;
                        };
                        let offset = lower[..at].chars().count();
                        message_refs.push(
                            json!({ "id": sentence.id, "text": sentence.text, "offset": offset }),
                        );
                        let kind = if is_question(&sentence.text) {
                            "question"
                        } else if is_follow_up(&sentence.text) {
                            "follow_up"
                        } else if is_action(&sentence.text) {
                            "action_item"
                        } else {
                            continue;
                        };
                        insight_refs.push(json!({
                            "id": format!("{kind}-{}", sentence.id),
                            "text": sentence.text,
                            "offset": offset,
                            "type": kind,
                        }));
                    }
                    (!message_refs.is_empty()).then(|| {
                        json!({
                            "type": "vocabulary",
                            "value": term,
                            "messageRefs": message_refs,
                            "insightRefs": insight_refs,
                        })
                    })
                })
                .collect();
            json!({ "id": format!("tracker-{}", i + 1), "name": tracker.name, "matches": matches })
        })
        .collect()
}

/// `{"metrics":[{"type","percent","seconds"}],"members":[{"id","name","userId","pace":{"wpm"},
/// "talkTime":{"percentage","seconds"},"listenTime":{…},"overlap":{…}}]}`. Talk time counts
/// each submitted message once (its sentences share its span); overlap is empty for async
/// conversations (analytics.md).
fn analytics(conversation: &Conversation) -> Value {
    let talk = |indexes: &[usize]| {
        let mut seen: Vec<&Option<String>> = Vec::new();
        let mut total = 0.0;
        for &index in indexes {
            let sentence = &conversation.sentences[index];
            if seen.contains(&&sentence.start) {
                continue;
            }
            seen.push(&sentence.start);
            total += span(sentence).map(|(s, e)| seconds(e - s)).unwrap_or(0.0);
        }
        total
    };
    let speakers = speakers(conversation);
    let everyone: Vec<usize> = (0..conversation.sentences.len()).collect();
    let total = talk(&everyone);
    let members: Vec<Value> = speakers
        .iter()
        .map(|(id, indexes)| {
            let first = &conversation.sentences[indexes[0]];
            let own = talk(indexes);
            let share = if total > 0.0 {
                own * 100.0 / total
            } else {
                0.0
            };
            let words: usize = indexes
                .iter()
                .map(|&i| conversation.sentences[i].text.split_whitespace().count())
                .sum();
            let wpm = if own > 0.0 {
                (words as f64 * 60.0 / own).round()
            } else {
                0.0
            };
            json!({
                "id": id,
                "name": first.name,
                "userId": first.user_id,
                "pace": { "wpm": wpm },
                "talkTime": { "percentage": share, "seconds": own },
                "listenTime": { "percentage": 100.0 - share, "seconds": total - own },
                "overlap": {},
            })
        })
        .collect();
    json!({
        "metrics": [
            { "type": "total_silence", "percent": 0.0, "seconds": 0.0 },
            { "type": "total_talk_time", "percent": 100.0, "seconds": total },
            { "type": "total_overlap", "percent": 0.0, "seconds": 0.0 },
        ],
        "members": members,
    })
}

fn flag(query: &HashMap<String, String>, name: &str) -> bool {
    query.get(name).is_some_and(|v| v == "true")
}

async fn listing(
    State(shared): SharedState,
    headers: HeaderMap,
    Path((id, what)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    let path = format!("/v1/conversations/{id}/{what}");
    state.log.push(format!("GET {path}"));
    let mut pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    state
        .queries
        .push(format!("GET {path}?{}", pairs.join("&")));
    if !authorised(&state, &headers) {
        return unauthorized();
    }
    let Some(conversation) = state.conversations.get(&id) else {
        return error(StatusCode::NOT_FOUND, "conversation not found", &path);
    };
    let indexes = || 0..conversation.sentences.len();
    let text = |i: usize| conversation.sentences[i].text.as_str();
    let answer = match what.as_str() {
        "messages" => {
            let first = conversation
                .sentences
                .iter()
                .filter_map(span)
                .map(|s| s.0)
                .min();
            let verbose = flag(&query, "verbose");
            let with_sentiment = flag(&query, "sentiment");
            let messages: Vec<Value> = indexes()
                .map(|i| message(&id, conversation, i, first, verbose, with_sentiment))
                .collect();
            json!({ "messages": messages })
        }
        "questions" => {
            let questions: Vec<Value> = indexes()
                .filter(|&i| is_question(text(i)))
                .map(|i| item("question", conversation, i))
                .collect();
            json!({ "questions": questions })
        }
        "action-items" => {
            let items: Vec<Value> = indexes()
                .filter(|&i| is_action(text(i)))
                .map(|i| action("action_item", conversation, i))
                .collect();
            json!({ "actionItems": items })
        }
        "follow-ups" => {
            let items: Vec<Value> = indexes()
                .filter(|&i| is_follow_up(text(i)))
                .map(|i| action("follow_up", conversation, i))
                .collect();
            json!({ "followUps": items })
        }
        "topics" => {
            // `{"topics":[{"id","text","type":"topic","score","messageIds":[…],"entities":[…],
            //   "sentiment":{…},"parentRefs":[{"type","text"}]}]}`, sentiment only when asked.
            let with_sentiment = flag(&query, "sentiment");
            let mut topics = Vec::new();
            for (word, score) in [("refund", 0.7), ("order", 0.9), ("delivery", 0.5)] {
                let ids: Vec<&str> = conversation
                    .sentences
                    .iter()
                    .filter(|s| s.text.to_lowercase().contains(word))
                    .map(|s| s.id.as_str())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let mut topic = json!({
                    "id": format!("topic-{word}"),
                    "text": word,
                    "type": "topic",
                    "score": score,
                    "messageIds": ids,
                    "entities": [],
                    "parentRefs": [],
                });
                if with_sentiment {
                    topic["sentiment"] = sentiment(word);
                }
                topics.push(topic);
            }
            json!({ "topics": topics })
        }
        "members" => json!({ "members": members(conversation) }),
        "entities" => json!({ "entities": entities(conversation) }),
        // The quirk: a bare array, not an object.
        "trackers" => Value::Array(trackers(conversation)),
        "analytics" => analytics(conversation),
        _ => return error(StatusCode::NOT_FOUND, "no such listing", &path),
    };
    axum::Json(answer).into_response()
}

// ----- streaming (§3.5) -------------------------------------------------------------------------

async fn ws_upgrade(
    State(shared): SharedState,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    {
        let mut state = shared.state.lock().expect("state");
        state.log.push(format!("GET /v1/realtime/insights/{id}"));
        let token = query.get("access_token").cloned().unwrap_or_default();
        let valid = state.tokens.contains(&token) && !state.revoked.contains(&token);
        if !valid && !authorised(&state, &headers) {
            return unauthorized();
        }
        state.ws_connections += 1;
        state.ws_tokens.push(token);
    }
    upgrade.on_upgrade(move |socket| serve_socket(shared, socket, id))
}

/// The type of a client frame: JSON, or the SDK's Python-dict text with single quotes.
pub fn frame_type(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&text.replace('\'', "\"")))
        .ok()?;
    value.get("type")?.as_str().map(str::to_string)
}

async fn serve_socket(shared: Arc<Shared>, mut socket: WebSocket, connection_id: String) {
    let mut control = shared.ws.subscribe();
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let kind = frame_type(text.as_str());
                    shared.state.lock().expect("state").client_frames.push(text.to_string());
                    match kind.as_deref() {
                        Some("start_request") => {
                            let created = json!({"type":"message","message":{"type":"conversation_created","data":{"conversationId": format!("conv-{connection_id}")}}});
                            let listening = json!({"type":"message","message":{"type":"started_listening"}});
                            for frame in [created, listening] {
                                if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Some("stop_request") => {
                            shared.state.lock().expect("state").stops += 1;
                            // disconnectOnStopRequest: the server closes after a stop.
                            let _ = socket.send(WsMessage::Close(None)).await;
                            return;
                        }
                        _ => {}
                    }
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            command = control.recv() => match command {
                Ok(WsControl::Text(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Ok(WsControl::Kill) | Err(_) => return,
            },
        }
    }
}
