//! The Linktor provider in the Go server dialect (`protocols.md` §2.2) against a local fake of
//! that server: `/api/v1`, Bearer JWT from login with refresh, snake_case, `{success, data,
//! meta}` paging, `{type, payload}` frames without subscribe, and every typed error status.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use support::{drain, wait_for};
use switchboard::model::{AccountId, ConversationStatus};
use switchboard::providers::linktor::{Dialect, LinktorConfig, Login, spawn};
use switchboard::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};
use tokio::sync::{broadcast, mpsc};

const WAIT: Duration = Duration::from_secs(10);
const EMAIL: &str = "agent@example.com";
const PASSWORD: &str = "hunter2";

#[derive(Default)]
struct Fake {
    conversations: Vec<Value>,
    contacts: Vec<Value>,
    /// Oldest first; pages are served newest first.
    messages: HashMap<String, Vec<Value>>,
    next_id: u64,
    token: u64,
    logins: u32,
    refreshes: u32,
    /// The next protected request fails with this status and body.
    fail_next: Option<(u16, Value)>,
    log: Vec<String>,
    posts: Vec<Value>,
    client_frames: Vec<Value>,
    ws_connections: u32,
    /// Bodies of `PUT /conversations/{id}` and `POST …/assign`, in order.
    updates: Vec<Value>,
}

#[derive(Clone)]
struct Shared {
    fake: Arc<Mutex<Fake>>,
    ws: broadcast::Sender<Option<String>>,
}

struct GoServer {
    base_url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn envelope(data: Value) -> Response {
    axum::Json(json!({"success": true, "data": data})).into_response()
}

fn failure(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    let body = json!({"success": false, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

impl GoServer {
    async fn start() -> Self {
        let (ws, _) = broadcast::channel(64);
        let shared = Shared {
            fake: Arc::default(),
            ws,
        };
        let protected = Router::new()
            .route(
                "/conversations",
                get(list_conversations).post(create_conversation),
            )
            .route(
                "/conversations/{id}",
                get(get_conversation).put(put_conversation),
            )
            .route("/conversations/{id}/assign", post(assign))
            .route("/users", get(list_users))
            .route("/conversations/{id}/resolve", post(resolve))
            .route("/conversations/{id}/reopen", post(reopen))
            .route(
                "/conversations/{id}/messages",
                get(list_messages).post(post_message),
            )
            .route("/contacts", get(list_contacts).post(create_contact))
            .route("/ws", get(ws_upgrade))
            .layer(middleware::from_fn_with_state(shared.clone(), bearer));
        let api = Router::new()
            .route("/auth/login", post(login))
            .route("/auth/refresh", post(refresh))
            .merge(protected);
        let app = Router::new()
            .nest("/api/v1", api)
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

    fn fake(&self) -> std::sync::MutexGuard<'_, Fake> {
        self.shared.fake.lock().expect("lock")
    }

    /// Contact `k<i>` on telegram and conversation `c<i>` for i in 1..=count.
    fn seed(&self, count: usize) {
        let mut fake = self.fake();
        for i in 1..=count {
            fake.contacts.push(json!({"id": format!("k{i}"), "tenant_id": "t1", "name": format!("Customer {i}"),
                "identities": [{"id": format!("i{i}"), "contact_id": format!("k{i}"), "channel_type": "telegram",
                "identifier": format!("@c{i}"), "metadata": {}, "created_at": "2024-01-01T00:00:00Z"}],
                "custom_fields": {}, "tags": []}));
            fake.conversations.push(
                json!({"id": format!("c{i}"), "tenant_id": "t1", "contact_id": format!("k{i}"),
                "channel_id": "ch1", "status": "open", "priority": "normal", "unread_count": 0,
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}),
            );
        }
    }

    fn add_message(&self, conversation: &str, text: &str) -> Value {
        let mut fake = self.fake();
        let message = new_message(&mut fake, conversation, "contact", text);
        fake.messages
            .entry(conversation.to_string())
            .or_default()
            .push(message.clone());
        message
    }

    fn push(&self, kind: &str, payload: Value) {
        let frame = json!({"type": kind, "payload": payload}).to_string();
        let _ = self.shared.ws.send(Some(frame));
    }

    fn send_raw(&self, text: &str) {
        let _ = self.shared.ws.send(Some(text.to_string()));
    }

    fn kill_ws(&self) {
        let _ = self.shared.ws.send(None);
    }

    /// Makes every issued token stale: the next request is refused until the client refreshes.
    fn expire_token(&self) {
        self.fake().token += 1000;
    }

    fn fail_next(&self, status: u16, body: Value) {
        self.fake().fail_next = Some((status, body));
    }
}

fn new_message(fake: &mut Fake, conversation: &str, sender_type: &str, text: &str) -> Value {
    fake.next_id += 1;
    let at = time::OffsetDateTime::from_unix_timestamp(1_704_067_200 + fake.next_id as i64)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    json!({"id": format!("m{:04}", fake.next_id), "conversation_id": conversation, "sender_type": sender_type,
        "sender_id": "x", "content_type": "text", "content": text, "metadata": {}, "status": "sent",
        "attachments": [], "created_at": at})
}

fn current_token(fake: &Fake) -> String {
    format!("jwt-{}", fake.token)
}

async fn bearer(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let uri = request.uri().to_string();
    {
        let mut fake = shared.fake.lock().expect("lock");
        fake.log.push(format!("{} {uri}", request.method()));
        let expected = current_token(&fake);
        let header_ok = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {expected}"));
        let query_ok = uri.contains(&format!("token={expected}"));
        // The API key header means nothing to this server.
        if !(header_ok || (uri.contains("/ws") && query_ok)) {
            return failure(401, "TOKEN_EXPIRED", "token expired");
        }
        if !uri.contains("/ws")
            && let Some((status, body)) = fake.fail_next.take()
        {
            let status = StatusCode::from_u16(status).expect("status");
            return (status, axum::Json(body)).into_response();
        }
    }
    next.run(request).await
}

async fn login(State(shared): State<Shared>, axum::Json(body): axum::Json<Value>) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    if body["email"] != EMAIL || body["password"] != PASSWORD {
        return failure(401, "INVALID_CREDENTIALS", "Invalid email or password");
    }
    fake.logins += 1;
    fake.token += 1;
    let token = current_token(&fake);
    envelope(
        json!({"user": {"id": "u1"}, "access_token": token, "refresh_token": format!("refresh-{}", fake.token), "expires_in": 900}),
    )
}

async fn refresh(State(shared): State<Shared>, axum::Json(body): axum::Json<Value>) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    if body["refresh_token"]
        .as_str()
        .is_none_or(|t| !t.starts_with("refresh-"))
    {
        return failure(401, "TOKEN_INVALID", "bad refresh token");
    }
    fake.refreshes += 1;
    fake.token += 1;
    let token = current_token(&fake);
    envelope(
        json!({"user": {"id": "u1"}, "access_token": token, "refresh_token": format!("refresh-{}", fake.token), "expires_in": 900}),
    )
}

/// One page of `items` in the server's envelope.
fn paged(items: &[Value], query: &HashMap<String, String>) -> Response {
    let number = |key: &str, default: usize| {
        query
            .get(key)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let page = number("page", 1).max(1);
    // The server caps page size at 2 whatever is asked: clients must count pages in its size.
    let size = number("page_size", 20).clamp(1, 2);
    let start = ((page - 1) * size).min(items.len());
    let end = (start + size).min(items.len());
    let total_pages = items.len().div_ceil(size);
    axum::Json(json!({"success": true, "data": items[start..end], "meta": {"page": page, "page_size": size,
        "total_pages": total_pages, "total_items": items.len(), "has_next": end < items.len(), "has_previous": page > 1}}))
    .into_response()
}

async fn list_conversations(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let fake = shared.fake.lock().expect("lock");
    paged(&fake.conversations, &query)
}

async fn list_contacts(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let fake = shared.fake.lock().expect("lock");
    let needle = query.get("search").map(|s| s.to_lowercase());
    let matching: Vec<Value> = fake
        .contacts
        .iter()
        .filter(|c| {
            needle.as_ref().is_none_or(|n| {
                c["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains(n.as_str())
            })
        })
        .cloned()
        .collect();
    paged(&matching, &query)
}

async fn create_contact(
    State(shared): State<Shared>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    fake.posts.push(body.clone());
    let id = format!("k{}", fake.contacts.len() + 1);
    let contact = json!({"id": id, "tenant_id": "t1", "name": body["name"], "identities": body["identities"],
        "custom_fields": {}, "tags": []});
    fake.contacts.push(contact.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"success": true, "data": contact})),
    )
        .into_response()
}

async fn create_conversation(
    State(shared): State<Shared>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    fake.posts.push(body.clone());
    let id = format!("c{}", fake.conversations.len() + 1);
    let conversation = json!({"id": id, "tenant_id": "t1", "contact_id": body["contact_id"], "channel_id": "ch9",
        "status": "open", "priority": "normal", "unread_count": 0, "created_at": "2024-01-01T00:00:00Z"});
    fake.conversations.push(conversation.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"success": true, "data": conversation})),
    )
        .into_response()
}

async fn get_conversation(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let fake = shared.fake.lock().expect("lock");
    match fake.conversations.iter().find(|c| c["id"] == id.as_str()) {
        Some(conversation) => envelope(conversation.clone()),
        None => failure(404, "NOT_FOUND", "Conversation not found"),
    }
}

async fn set_status(shared: &Shared, id: &str, status: &str) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    match fake.conversations.iter_mut().find(|c| c["id"] == id) {
        Some(conversation) => {
            conversation["status"] = json!(status);
            envelope(conversation.clone())
        }
        None => failure(404, "NOT_FOUND", "Conversation not found"),
    }
}

/// The server's update: the snake_case fields it keeps, then `conversation_updated` to every
/// agent socket.
async fn put_conversation(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    shared.fake.lock().expect("lock").updates.push(body.clone());
    update_conversation(&shared, &id, body)
}

async fn assign(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if !body["user_id"].is_string() {
        return failure(400, "VALIDATION_ERROR", "user_id is required");
    }
    if body["user_id"] == "u9" {
        return failure(403, "FORBIDDEN", "agents cannot reassign");
    }
    let change = json!({"assigned_user_id": body["user_id"]});
    shared.fake.lock().expect("lock").updates.push(body);
    update_conversation(&shared, &id, change)
}

fn update_conversation(shared: &Shared, id: &str, body: Value) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    let Some(conversation) = fake.conversations.iter_mut().find(|c| c["id"] == id) else {
        return failure(404, "NOT_FOUND", "Conversation not found");
    };
    for field in ["assigned_user_id", "tags", "priority", "status"] {
        if let Some(value) = body.get(field) {
            conversation[field] = value.clone();
        }
    }
    if let Some(priority) = body.get("priority").and_then(Value::as_str)
        && !["low", "normal", "high", "urgent"].contains(&priority)
    {
        return failure(400, "VALIDATION_ERROR", "invalid priority");
    }
    let updated = conversation.clone();
    let frame = json!({"type": "conversation_updated", "payload": updated}).to_string();
    let _ = shared.ws.send(Some(frame));
    envelope(updated)
}

async fn list_users() -> Response {
    envelope(json!([
        {"id": "u1", "tenant_id": "t1", "email": "agent@example.com", "name": "Agent One", "role": "agent"},
        {"id": "u2", "tenant_id": "t1", "email": "lead@example.com", "name": "Lead Two", "role": "admin"}
    ]))
}

async fn resolve(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    set_status(&shared, &id, "resolved").await
}

async fn reopen(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    set_status(&shared, &id, "open").await
}

async fn list_messages(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let fake = shared.fake.lock().expect("lock");
    let mut newest_first = fake.messages.get(&id).cloned().unwrap_or_default();
    newest_first.reverse();
    paged(&newest_first, &query)
}

async fn post_message(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut fake = shared.fake.lock().expect("lock");
    fake.posts.push(body.clone());
    if body["content_type"].is_null() || body["content"].is_null() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"success": false, "error": {"code": "VALIDATION_ERROR", "message": "invalid body",
                "details": {"content": "required"}}})),
        )
            .into_response();
    }
    let mut message = new_message(
        &mut fake,
        &id,
        "user",
        body["content"].as_str().unwrap_or(""),
    );
    message["metadata"] = body["metadata"].clone();
    fake.messages
        .entry(id.clone())
        .or_default()
        .push(message.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"success": true, "data": message})),
    )
        .into_response()
}

async fn ws_upgrade(State(shared): State<Shared>, upgrade: WebSocketUpgrade) -> Response {
    shared.fake.lock().expect("lock").ws_connections += 1;
    let control = shared.ws.subscribe();
    upgrade.on_upgrade(move |socket| serve_socket(shared, socket, control))
}

async fn serve_socket(
    shared: Shared,
    mut socket: WebSocket,
    mut control: broadcast::Receiver<Option<String>>,
) {
    let hello = json!({"type": "connected", "payload": {"user_id": "u1", "tenant_id": "t1", "online_users": []}});
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    shared.fake.lock().expect("lock").client_frames.push(frame);
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            command = control.recv() => match command {
                Ok(Some(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Ok(None) | Err(broadcast::error::RecvError::Closed) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
        }
    }
}

// ----- the tests ---------------------------------------------------------------------------------

fn config(server: &GoServer) -> LinktorConfig {
    LinktorConfig {
        poll_interval: Duration::from_secs(60),
        page_size: 50,
        request_timeout: Duration::from_secs(2),
        max_retries: 0,
        dialect: Dialect::Server,
        login: Some(Login {
            email: EMAIL.into(),
            password: PASSWORD.into(),
        }),
        ..LinktorConfig::new(server.base_url.clone(), "")
    }
}

fn start(config: LinktorConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    (spawn(AccountId::new("go"), config, tx), rx)
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) -> Vec<ProviderEvent> {
    wait_for(events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await
    .1
}

fn has_message(event: &ProviderEvent, id: &str, want_live: bool) -> bool {
    matches!(event, ProviderEvent::Messages { messages, live, .. }
        if *live == want_live && messages.iter().any(|m| m.id == id))
}

#[tokio::test]
async fn logs_in_pages_everything_and_reads_payload_frames() {
    let server = GoServer::start().await;
    server.seed(5);
    let texts = ["one", "two", "three"];
    let ids: Vec<String> = texts
        .iter()
        .map(|t| {
            server.add_message("c1", t)["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    let (handle, mut events) = start(config(&server));

    let seen = live(&mut events).await;
    let listed: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::Conversations(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(listed.len(), 5, "three pages of two");
    let c5 = listed.iter().find(|c| &*c.key.id == "c5").expect("c5");
    assert_eq!(c5.contact.name, "Customer 5");
    assert_eq!(
        c5.contact.identity, "@c5",
        "channel taken from the identity"
    );
    assert_eq!(c5.channel.label(), "Telegram");
    // The newest page of c1 (two messages, newest first on the wire); older pages remain.
    assert!(seen.iter().any(|e| has_message(e, &ids[2], false)));
    assert!(seen.iter().any(|e| has_message(e, &ids[1], false)));
    assert!(!seen.iter().any(|e| has_message(e, &ids[0], false)));
    assert_eq!(server.fake().logins, 1);

    // Older history: the next page by number.
    handle
        .commands
        .send(ProviderCommand::FetchOlder {
            conversation: "c1".into(),
            before: Some(ids[1].clone()),
        })
        .await
        .expect("command");
    wait_for(&mut events, WAIT, "older page", |e| {
        has_message(e, &ids[0], false)
    })
    .await;

    // Frames: {type, payload}; unknown types and `connected`/`presence` are ignored quietly.
    server.push("presence", json!({"user_id": "u2", "status": "online"}));
    server.push("mystery", json!({"x": 1}));
    let pushed = server.add_message("c2", "pushed");
    server.push(
        "new_message",
        json!({"conversation_id": "c2", "message": pushed}),
    );
    let (_, between) = wait_for(&mut events, WAIT, "pushed message", |e| {
        has_message(e, pushed["id"].as_str().expect("id"), true)
    })
    .await;
    assert!(
        !between
            .iter()
            .any(|e| matches!(e, ProviderEvent::Error(_) | ProviderEvent::Connection(_))),
        "{between:#?}"
    );
    server.push(
        "typing",
        json!({"conversation_id": "c2", "user_id": "k2", "user_name": "Customer 2", "is_typing": true}),
    );
    let (typing, _) = wait_for(&mut events, WAIT, "typing", |e| {
        matches!(e, ProviderEvent::Typing { .. })
    })
    .await;
    assert_eq!(
        typing,
        ProviderEvent::Typing {
            conversation: "c2".into(),
            who: "Customer 2".into(),
            typing: true
        }
    );
    server.push(
        "conversation_updated",
        json!({"id": "c3", "tenant_id": "t1", "contact_id": "k3", "channel_id": "ch1", "status": "pending"}),
    );
    let (update, _) = wait_for(&mut events, WAIT, "status push", |e| {
        matches!(e, ProviderEvent::ConversationStatus { .. })
    })
    .await;
    assert_eq!(
        update,
        ProviderEvent::ConversationStatus {
            conversation: "c3".into(),
            status: ConversationStatus::Pending
        }
    );

    // Typing goes out as a payload frame; nothing is ever subscribed.
    handle
        .commands
        .send(ProviderCommand::Typing {
            conversation: "c2".into(),
            typing: true,
        })
        .await
        .expect("command");
    drain(&mut events, Duration::from_millis(300)).await;
    let frames = server.fake().client_frames.clone();
    assert!(
        frames.contains(
            &json!({"type": "typing", "payload": {"conversation_id": "c2", "is_typing": true}})
        ),
        "{frames:#?}"
    );
    assert!(
        frames.iter().all(|f| f["type"] != "subscribe"),
        "{frames:#?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_send_goes_through() {
    let server = GoServer::start().await;
    server.seed(1);
    let (handle, mut events) = start(config(&server));
    live(&mut events).await;

    server.expire_token();
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "c1".into(),
            client_id: "local-1".into(),
            text: "hello".into(),
        })
        .await
        .expect("command");
    let (echo, _) = wait_for(&mut events, WAIT, "echo", |e| {
        matches!(e, ProviderEvent::Messages { messages, .. } if messages.iter().any(|m| m.client_id.as_deref() == Some("local-1")))
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = echo else {
        unreachable!()
    };
    assert_eq!(messages[0].content.preview(), "hello");
    assert_eq!(server.fake().refreshes, 1);
    assert_eq!(server.fake().logins, 1, "refreshed, not logged in again");
    let posts = server.fake().posts.clone();
    assert_eq!(posts[0]["content_type"], "text");
    assert_eq!(posts[0]["content"], "hello");
}

#[tokio::test]
async fn wrong_password_is_an_auth_failure_without_a_storm() {
    let server = GoServer::start().await;
    server.seed(1);
    let mut wrong = config(&server);
    wrong.login = Some(Login {
        email: EMAIL.into(),
        password: "nope".into(),
    });
    let (_handle, mut events) = start(wrong);
    let (state, _) = wait_for(&mut events, WAIT, "AuthFailed", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_)))
    })
    .await;
    assert_eq!(
        state,
        ProviderEvent::Connection(ConnectionState::AuthFailed(format!(
            "Linktor rejected the login (401) at {}",
            server.base_url
        )))
    );
    let more = drain(&mut events, Duration::from_millis(500)).await;
    assert!(
        !more
            .iter()
            .any(|e| matches!(e, ProviderEvent::Connection(_))),
        "{more:#?}"
    );
    assert!(!format!("{state:?}").contains("nope"));
}

#[tokio::test]
async fn every_error_status_reaches_the_user_typed() {
    let server = GoServer::start().await;
    server.seed(1);
    let (handle, mut events) = start(config(&server));
    live(&mut events).await;

    let error = |code: &str, message: &str| json!({"success": false, "error": {"code": code, "message": message}});
    let cases: Vec<(u16, Value, &str)> = vec![
        (
            400,
            json!({"success": false, "error": {"code": "VALIDATION_ERROR", "message": "invalid body", "details": {"content": "too long"}}}),
            "request rejected as invalid (400): invalid body (content: too long)",
        ),
        (
            403,
            error("FORBIDDEN", "agents only"),
            "not allowed (403): agents only",
        ),
        (
            404,
            error("NOT_FOUND", "Conversation not found"),
            "not found (404)",
        ),
        (408, error("TIMEOUT", "too slow"), "did not answer in time"),
        (
            409,
            error("CONFLICT", "already closed"),
            "conflict (409): already closed",
        ),
        (
            429,
            json!({"success": false, "error": {"code": "RATE_LIMITED", "message": "slow down"}}),
            "rate limited (429): slow down",
        ),
        (
            500,
            error("INTERNAL_ERROR", "db down"),
            "server error (500): db down",
        ),
        (
            503,
            json!("upstream unavailable"),
            "server error (503): \"upstream unavailable\"",
        ),
    ];
    for (index, (status, body, expected)) in cases.into_iter().enumerate() {
        server.fail_next(status, body);
        let client_id = format!("local-{index}");
        handle
            .commands
            .send(ProviderCommand::SendText {
                conversation: "c1".into(),
                client_id: client_id.clone(),
                text: "hi".into(),
            })
            .await
            .expect("command");
        let (failed, _) = wait_for(
            &mut events,
            WAIT,
            "SendFailed",
            |e| matches!(e, ProviderEvent::SendFailed { client_id: id, .. } if *id == client_id),
        )
        .await;
        let ProviderEvent::SendFailed { reason, .. } = failed else {
            unreachable!()
        };
        assert!(reason.contains(expected), "{status}: {reason}");
        assert!(reason.contains(&server.base_url), "{status}: {reason}");
    }

    // A status change the server refuses is reported, not silently dropped.
    server.fail_next(403, error("FORBIDDEN", "not your conversation"));
    handle
        .commands
        .send(ProviderCommand::SetStatus {
            conversation: "c1".into(),
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        })
        .await
        .expect("command");
    let (notice, _) = wait_for(&mut events, WAIT, "Error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    assert_eq!(
        notice,
        ProviderEvent::Error(format!(
            "could not mark the conversation resolved: Linktor at {}: not allowed (403): not your conversation",
            server.base_url
        ))
    );
}

#[tokio::test]
async fn resolve_and_reopen_use_the_server_routes() {
    let server = GoServer::start().await;
    server.seed(1);
    let (handle, mut events) = start(config(&server));
    live(&mut events).await;
    for (status, route) in [
        (ConversationStatus::Resolved, "/resolve"),
        (ConversationStatus::Open, "/reopen"),
    ] {
        handle
            .commands
            .send(ProviderCommand::SetStatus {
                conversation: "c1".into(),
                status,
                snoozed_until: None,
            })
            .await
            .expect("command");
        let (event, _) = wait_for(&mut events, WAIT, "status", |e| {
            matches!(e, ProviderEvent::ConversationStatus { .. })
        })
        .await;
        assert_eq!(
            event,
            ProviderEvent::ConversationStatus {
                conversation: "c1".into(),
                status
            }
        );
        assert!(
            server
                .fake()
                .log
                .iter()
                .any(|line| line == &format!("POST /conversations/c1{route}")),
            "the nested /api/v1 router saw the route"
        );
    }
}

#[tokio::test]
async fn a_dropped_socket_reconnects_and_backfills_by_page() {
    let server = GoServer::start().await;
    server.seed(1);
    server.add_message("c1", "before");
    let (_handle, mut events) = start(config(&server));
    live(&mut events).await;

    server.kill_ws();
    wait_for(&mut events, WAIT, "BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let gap: Vec<String> = ["gap 1", "gap 2", "gap 3"]
        .iter()
        .map(|t| {
            server.add_message("c1", t)["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    let seen = live(&mut events).await;
    for id in &gap {
        assert!(
            seen.iter().any(|e| has_message(e, id, false)),
            "{id}: {seen:#?}"
        );
    }
    assert_eq!(server.fake().ws_connections, 2);
    // Garbage on the new socket is reported once and the connection stays.
    server.send_raw("{{{");
    let (notice, _) = wait_for(&mut events, WAIT, "malformed notice", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    assert!(matches!(notice, ProviderEvent::Error(ref text) if text.contains("malformed frame")));
    assert_eq!(server.fake().ws_connections, 2);
}

#[tokio::test]
async fn contacts_are_searched_created_and_talked_to_in_snake_case() {
    let server = GoServer::start().await;
    server.seed(3);
    let (handle, mut events) = start(config(&server));
    live(&mut events).await;

    handle
        .commands
        .send(ProviderCommand::SearchContacts {
            query: "customer 2".into(),
        })
        .await
        .expect("command");
    let (found, _) = wait_for(&mut events, WAIT, "Contacts", |e| {
        matches!(e, ProviderEvent::Contacts { .. })
    })
    .await;
    let ProviderEvent::Contacts { contacts, .. } = found else {
        unreachable!()
    };
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].identifiers[0].identifier, "@c2");
    assert!(
        server
            .fake()
            .log
            .iter()
            .any(|line| line.contains("search=customer%202") || line.contains("search=customer+2"))
    );

    handle
        .commands
        .send(ProviderCommand::CreateContact {
            name: "Dana".into(),
            channel_type: "whatsapp".into(),
            identifier: "+4915".into(),
        })
        .await
        .expect("command");
    let (created, _) = wait_for(&mut events, WAIT, "ContactCreated", |e| {
        matches!(e, ProviderEvent::ContactCreated(_))
    })
    .await;
    let ProviderEvent::ContactCreated(card) = created else {
        unreachable!()
    };
    assert_eq!(card.identifiers[0].identifier, "+4915");
    handle
        .commands
        .send(ProviderCommand::StartConversation {
            contact_id: card.id.clone(),
            channel_type: "whatsapp".into(),
        })
        .await
        .expect("command");
    let (started, seen) = wait_for(&mut events, WAIT, "ConversationStarted", |e| {
        matches!(e, ProviderEvent::ConversationStarted { .. })
    })
    .await;
    assert_eq!(
        started,
        ProviderEvent::ConversationStarted {
            conversation: "c4".into()
        }
    );
    assert!(seen.iter().any(|e| matches!(e, ProviderEvent::Conversations(list)
        if list.iter().any(|c| &*c.key.id == "c4" && c.contact.name == "Dana" && c.channel.label() == "WhatsApp"))));
    let posts = server.fake().posts.clone();
    assert_eq!(
        posts[0],
        json!({"name": "Dana", "identities": [{"channel_type": "whatsapp", "identifier": "+4915"}]})
    );
    assert_eq!(
        posts[1],
        json!({"contact_id": card.id, "channel_type": "whatsapp"})
    );
}

#[tokio::test]
async fn assignment_tags_and_priority_use_the_server_shapes() {
    use switchboard::model::{Agent, Priority, Workflow};
    let server = GoServer::start().await;
    server.seed(1);
    let mut config = config(&server);
    config.me = Some(Agent {
        id: "u1".into(),
        name: "Agent One".into(),
    });
    let (handle, mut events) = start(config);
    let seen = live(&mut events).await;
    let team = seen
        .iter()
        .find_map(|e| match e {
            ProviderEvent::Team { me, agents, .. } => Some((me.clone(), agents.clone())),
            _ => None,
        })
        .expect("the team is read from /users");
    assert_eq!(team.0.as_deref(), Some("u1"));
    assert_eq!(
        team.1.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["Agent One", "Lead Two"]
    );

    let send = |command: ProviderCommand| {
        let commands = handle.commands.clone();
        async move { commands.send(command).await.expect("command") }
    };
    send(ProviderCommand::Assign {
        conversation: "c1".into(),
        agent: Some("u2".into()),
    })
    .await;
    assert_eq!(
        next_workflow(&mut events).await.assignee.as_deref(),
        Some("u2")
    );
    send(ProviderCommand::SetLabels {
        conversation: "c1".into(),
        labels: vec!["refund".into(), "vip".into()],
    })
    .await;
    assert_eq!(next_workflow(&mut events).await.labels, ["refund", "vip"]);
    send(ProviderCommand::SetPriority {
        conversation: "c1".into(),
        priority: Priority::Urgent,
    })
    .await;
    assert_eq!(next_workflow(&mut events).await.priority, Priority::Urgent);
    // Four levels there: medium is its `normal`, which reads back as no priority.
    send(ProviderCommand::SetPriority {
        conversation: "c1".into(),
        priority: Priority::Medium,
    })
    .await;
    assert_eq!(next_workflow(&mut events).await.priority, Priority::None);
    send(ProviderCommand::Assign {
        conversation: "c1".into(),
        agent: None,
    })
    .await;
    assert_eq!(
        next_workflow(&mut events).await,
        Workflow {
            assignee: None,
            labels: vec!["refund".into(), "vip".into()],
            priority: Priority::None,
            snoozed_until: None,
        }
    );
    // A refusal is named, and nothing changes.
    send(ProviderCommand::Assign {
        conversation: "c1".into(),
        agent: Some("u9".into()),
    })
    .await;
    let (error, _) = wait_for(&mut events, WAIT, "error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(text) = error else {
        unreachable!()
    };
    assert!(
        text.starts_with("could not assign the conversation:")
            && text.contains("agents cannot reassign"),
        "{text}"
    );
    let updates = server.fake().updates.clone();
    assert_eq!(
        updates,
        [
            json!({"user_id": "u2"}),
            json!({"tags": ["refund", "vip"]}),
            json!({"priority": "urgent"}),
            json!({"priority": "normal"}),
            json!({"assigned_user_id": null}),
        ]
    );
    let log = server.fake().log.clone();
    assert!(
        log.iter().any(|l| l == "POST /conversations/c1/assign"),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l == "PUT /conversations/c1"), "{log:?}");

    // Another agent's change arrives as the server's frame.
    let mut pushed = server.fake().conversations[0].clone();
    pushed["assigned_user_id"] = json!("u1");
    pushed["tags"] = json!(["callback"]);
    server.push("conversation_updated", pushed);
    let work = next_workflow(&mut events).await;
    assert_eq!(work.assignee.as_deref(), Some("u1"));
    assert_eq!(work.labels, ["callback"]);
}

async fn next_workflow(events: &mut mpsc::Receiver<AccountEvent>) -> switchboard::model::Workflow {
    let (event, _) = wait_for(events, WAIT, "workflow", |e| {
        matches!(e, ProviderEvent::Workflow { .. })
    })
    .await;
    match event {
        ProviderEvent::Workflow { work, .. } => work,
        _ => unreachable!(),
    }
}
