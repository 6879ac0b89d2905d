//! A fake Symbl (`../shared/protocols.md` §3) on 127.0.0.1:0: token generation, the async Text
//! API with jobs, the Conversation API (trackers as a top-level array) and the streaming
//! WebSocket. Its "analysis" is a few fixed rules (sentences ending in `?` are questions, "I'll"
//! is an action item, "call"/"email" a follow-up, `#123` an order entity…) so tests know what
//! to expect. Knobs inject the failures the provider must survive: 401, 429, failed jobs,
//! unknown job states, killed sockets, raw frames. It records what the client sent.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use switchboard::providers::symbl::wire::{
    ActionItemsResponse, AnalyticsResponse, Assignee, AsyncMessage, AsyncResponse,
    AsyncTextRequest, ConversationInfo, ConversationMessage, EntitiesResponse, Entity,
    FollowUpsResponse, InsightItem, JobResponse, Member, MembersResponse, MessageRef,
    MessagesResponse, Metric, QuestionsResponse, ServerFrame, Speaker, TimeShare, TokenRequest,
    TokenResponse, Topic, TopicsResponse, TrackerDefinition, TrackerMatch, TrackerResult,
};
use tokio::sync::broadcast;

pub const APP_ID: &str = "fake-app";
pub const APP_SECRET: &str = "fake-secret-do-not-log";

#[derive(Clone, Debug)]
enum WsControl {
    Text(String),
    Kill,
}

/// What a job will report.
#[derive(Clone, Debug, PartialEq)]
enum JobPlan {
    /// `in_progress` this many times, then `completed`.
    Complete {
        polls_before: u32,
    },
    Fail,
    Status(String),
}

#[derive(Clone, Debug)]
struct Sentence {
    id: String,
    text: String,
    from: Speaker,
    start: Option<String>,
}

#[derive(Default)]
struct Conversation {
    sentences: Vec<Sentence>,
    trackers: Vec<TrackerDefinition>,
}

#[derive(Default)]
struct FakeState {
    next: u64,
    tokens: Vec<String>,
    revoked: Vec<String>,
    expires_in: u64,
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
    /// `METHOD path` of every call, with how it authenticated.
    log: Vec<String>,
    submissions: Vec<(String, String, AsyncTextRequest)>,
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
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSymbl {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type SharedState = State<Arc<Shared>>;

impl FakeSymbl {
    pub async fn start() -> Self {
        let (ws, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                expires_in: 86_400,
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
            .route("/v1/realtime/insights/{id}", get(ws_upgrade))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base_url: format!("http://{addr}"),
            shared,
            task,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.shared.state.lock().expect("state lock")
    }

    // ----- knobs ---------------------------------------------------------------------------

    pub fn set_expires_in(&self, seconds: u64) {
        self.state().expires_in = seconds;
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

    /// A frame to every open streaming socket.
    pub fn push_frame(&self, frame: &ServerFrame) {
        self.send_raw(&serde_json::to_string(frame).expect("frame json"));
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
    /// `(method, conversation id, body)` of every accepted submit/append.
    pub fn submissions(&self) -> Vec<(String, String, AsyncTextRequest)> {
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

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

/// Whether the request carries a valid token (`Authorization: Bearer` or `x-api-key`).
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

async fn generate_token(State(shared): SharedState, request: Request) -> Response {
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut state = shared.state.lock().expect("state");
    state.log.push("POST /oauth2/token:generate".into());
    state.token_calls.push(body.clone());
    let Ok(grant) = serde_json::from_value::<TokenRequest>(body) else {
        return error(StatusCode::BAD_REQUEST, "bad token request");
    };
    if state.reject_credentials
        || grant.kind != "application"
        || grant.app_id != APP_ID
        || grant.app_secret != APP_SECRET
    {
        return error(StatusCode::UNAUTHORIZED, "Invalid app credentials");
    }
    state.next += 1;
    let token = format!("tok-{}", state.next);
    state.tokens.push(token.clone());
    axum::Json(TokenResponse {
        access_token: token,
        expires_in: state.expires_in,
        refersh_token: None,
    })
    .into_response()
}

fn accept(
    shared: &Shared,
    headers: &HeaderMap,
    method: &str,
    existing: Option<String>,
    body: AsyncTextRequest,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    let path = match &existing {
        Some(id) => format!("{method} /v1/process/text/{id}"),
        None => format!("{method} /v1/process/text"),
    };
    state.log.push(path);
    if !authorised(&state, headers) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    if state.busy > 0 {
        state.busy -= 1;
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "Maximum number of concurrent jobs reached",
        );
    }
    let conversation_id = match existing {
        Some(id) if state.conversations.contains_key(&id) => id,
        Some(_) => return error(StatusCode::NOT_FOUND, "conversation not found"),
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
        let sentences = split(&conversation_id, start, &body.messages);
        let conversation = state
            .conversations
            .get_mut(&conversation_id)
            .expect("conversation exists");
        conversation.sentences.extend(sentences);
        for tracker in &body.trackers {
            if !conversation.trackers.iter().any(|t| t.name == tracker.name) {
                conversation.trackers.push(tracker.clone());
            }
        }
    }
    state.jobs.insert(job_id.clone(), (plan, 0));
    state
        .submissions
        .push((method.into(), conversation_id.clone(), body));
    (
        StatusCode::CREATED,
        axum::Json(AsyncResponse {
            conversation_id,
            job_id,
        }),
    )
        .into_response()
}

/// Symbl keeps sentences, not messages: each message is split at `. `, `? ` and `! `.
fn split(conversation: &str, start: usize, messages: &[AsyncMessage]) -> Vec<Sentence> {
    let mut out = Vec::new();
    for message in messages {
        let from = Speaker {
            id: None,
            name: message.from.name.clone(),
            email: None,
            user_id: message.from.user_id.clone(),
        };
        let start_time = message.duration.as_ref().map(|d| d.start_time.clone());
        let mut pieces = Vec::new();
        let mut current = String::new();
        let mut chars = message.payload.content.chars().peekable();
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
                from: from.clone(),
                start: start_time.clone(),
            });
        }
    }
    out
}

async fn submit(
    State(shared): SharedState,
    headers: HeaderMap,
    axum::Json(body): axum::Json<AsyncTextRequest>,
) -> Response {
    accept(&shared, &headers, "POST", None, body)
}

async fn append(
    State(shared): SharedState,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<AsyncTextRequest>,
) -> Response {
    accept(&shared, &headers, "PUT", Some(id), body)
}

async fn job(State(shared): SharedState, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut state = shared.state.lock().expect("state");
    state.log.push(format!("GET /v1/job/{id}"));
    if !authorised(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let Some((plan, polls)) = state.jobs.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "job not found");
    };
    *polls += 1;
    let status = match plan {
        JobPlan::Complete { polls_before } if *polls <= *polls_before => "in_progress".to_string(),
        JobPlan::Complete { .. } => "completed".to_string(),
        JobPlan::Fail if *polls == 1 => "in_progress".to_string(),
        JobPlan::Fail => "failed".to_string(),
        JobPlan::Status(status) => status.clone(),
    };
    axum::Json(JobResponse { id, status }).into_response()
}

async fn conversation(
    State(shared): SharedState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    state.log.push(format!("GET /v1/conversations/{id}"));
    if !authorised(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let Some(conversation) = state.conversations.get(&id) else {
        return error(StatusCode::NOT_FOUND, "conversation not found");
    };
    axum::Json(ConversationInfo {
        id: id.clone(),
        kind: Some("meeting".into()),
        name: Some("chat".into()),
        members: members(conversation),
        ..ConversationInfo::default()
    })
    .into_response()
}

fn members(conversation: &Conversation) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    for sentence in &conversation.sentences {
        if !out.iter().any(|m| m.name == sentence.from.name) {
            out.push(Member {
                id: Some(format!("member-{}", out.len() + 1)),
                name: sentence.from.name.clone(),
                email: sentence.from.user_id.clone(),
            });
        }
    }
    out
}

fn item(kind: &str, sentence: &Sentence) -> InsightItem {
    InsightItem {
        id: format!("{kind}-{}", sentence.id),
        text: sentence.text.clone(),
        kind: Some(kind.into()),
        score: Some(0.9),
        message_ids: vec![sentence.id.clone()],
        from: Some(sentence.from.clone()),
        ..InsightItem::default()
    }
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

async fn listing(
    State(shared): SharedState,
    headers: HeaderMap,
    Path((id, what)): Path<(String, String)>,
    Query(_query): Query<HashMap<String, String>>,
) -> Response {
    let mut state = shared.state.lock().expect("state");
    state.log.push(format!("GET /v1/conversations/{id}/{what}"));
    if !authorised(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let Some(conversation) = state.conversations.get(&id) else {
        return error(StatusCode::NOT_FOUND, "conversation not found");
    };
    let sentences = &conversation.sentences;
    match what.as_str() {
        "messages" => axum::Json(MessagesResponse {
            messages: sentences
                .iter()
                .map(|s| ConversationMessage {
                    id: s.id.clone(),
                    text: s.text.clone(),
                    from: Some(s.from.clone()),
                    start_time: s.start.clone(),
                    conversation_id: Some(id.clone()),
                    ..ConversationMessage::default()
                })
                .collect(),
        })
        .into_response(),
        "questions" => axum::Json(QuestionsResponse {
            questions: sentences
                .iter()
                .filter(|s| s.text.ends_with('?'))
                .map(|s| item("question", s))
                .collect(),
        })
        .into_response(),
        "action-items" => axum::Json(ActionItemsResponse {
            action_items: sentences
                .iter()
                .filter(|s| is_action(&s.text))
                .map(|s| {
                    let mut item = item("action_item", s);
                    item.definitive = Some(true);
                    item.assignee = Some(Assignee {
                        name: if s.text.to_lowercase().starts_with("please") {
                            Some("Someone Else".into())
                        } else {
                            s.from.name.clone()
                        },
                        email: None,
                    });
                    if s.text.to_lowercase().contains("tomorrow") {
                        item.due_by = Some("2026-01-02T17:00:00Z".into());
                    }
                    item
                })
                .collect(),
        })
        .into_response(),
        "follow-ups" => axum::Json(FollowUpsResponse {
            follow_ups: sentences
                .iter()
                .filter(|s| is_follow_up(&s.text))
                .map(|s| item("follow_up", s))
                .collect(),
        })
        .into_response(),
        "topics" => {
            let mut topics = Vec::new();
            for (word, score) in [("refund", 0.7), ("order", 0.9), ("delivery", 0.5)] {
                let ids: Vec<String> = sentences
                    .iter()
                    .filter(|s| s.text.to_lowercase().contains(word))
                    .map(|s| s.id.clone())
                    .collect();
                if !ids.is_empty() {
                    topics.push(Topic {
                        id: format!("topic-{word}"),
                        text: word.into(),
                        kind: Some("topic".into()),
                        score: Some(score),
                        message_ids: ids,
                        ..Topic::default()
                    });
                }
            }
            axum::Json(TopicsResponse { topics }).into_response()
        }
        "members" => axum::Json(MembersResponse {
            members: members(conversation),
        })
        .into_response(),
        "entities" => {
            let mut entities: Vec<Entity> = Vec::new();
            for sentence in sentences {
                for word in sentence.text.split_whitespace() {
                    let word = word.trim_end_matches(['.', ',', '?', '!']);
                    let kind = if word.starts_with('#') && word.len() > 1 {
                        ("custom", Some("Order"))
                    } else if word.contains('@') {
                        ("email", None)
                    } else {
                        continue;
                    };
                    let offset = sentence.text.find(word).unwrap_or(0) as i64;
                    let reference = MessageRef {
                        id: sentence.id.clone(),
                        text: Some(sentence.text.clone()),
                        offset: Some(offset),
                    };
                    match entities
                        .iter_mut()
                        .find(|e| e.text.as_deref() == Some(word))
                    {
                        Some(known) => known.message_refs.push(reference),
                        None => entities.push(Entity {
                            kind: Some(kind.0.into()),
                            custom_type: kind.1.map(str::to_string),
                            value: Some(Value::String(word.to_lowercase())),
                            text: Some(word.into()),
                            message_refs: vec![reference],
                        }),
                    }
                }
            }
            axum::Json(EntitiesResponse { entities }).into_response()
        }
        // The quirk: a bare array, not an object.
        "trackers" => {
            let trackers: Vec<TrackerResult> = conversation
                .trackers
                .iter()
                .enumerate()
                .map(|(i, tracker)| TrackerResult {
                    id: Some(format!("tracker-{}", i + 1)),
                    name: tracker.name.clone(),
                    matches: tracker
                        .vocabulary
                        .iter()
                        .filter_map(|term| {
                            let refs: Vec<MessageRef> = sentences
                                .iter()
                                .filter(|s| s.text.to_lowercase().contains(&term.to_lowercase()))
                                .map(|s| MessageRef {
                                    id: s.id.clone(),
                                    text: Some(s.text.clone()),
                                    offset: Some(0),
                                })
                                .collect();
                            (!refs.is_empty()).then(|| TrackerMatch {
                                kind: Some("vocabulary".into()),
                                value: Some(term.clone()),
                                message_refs: refs,
                                insight_refs: Vec::new(),
                            })
                        })
                        .collect(),
                })
                .collect();
            axum::Json(trackers).into_response()
        }
        "analytics" => {
            let members = members(conversation);
            let share = 100.0 / members.len().max(1) as f64;
            axum::Json(AnalyticsResponse {
                metrics: vec![
                    Metric {
                        kind: Some("total_silence".into()),
                        percent: Some(0.0),
                        seconds: Some(0.0),
                    },
                    Metric {
                        kind: Some("total_talk_time".into()),
                        percent: Some(100.0),
                        seconds: Some(sentences.len() as f64),
                    },
                ],
                members: members
                    .iter()
                    .map(|m| switchboard::providers::symbl::wire::MemberAnalytics {
                        id: m.id.clone(),
                        name: m.name.clone(),
                        talk_time: Some(TimeShare {
                            percentage: Some(share),
                            seconds: None,
                        }),
                        ..Default::default()
                    })
                    .collect(),
            })
            .into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such listing"),
    }
}

// ----- streaming -------------------------------------------------------------------------------

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
            return error(StatusCode::UNAUTHORIZED, "Unauthorized");
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
