//! A small fake Linktor server (SDK contract, §2.1) on 127.0.0.1:0 with knobs for the failure
//! modes the provider must survive: 401s, 500s, 429 with `retry_after`, killed WebSockets,
//! raw frames, small pages. It records what the client sent so tests can assert on it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use switchboard::providers::linktor::wire::{
    ListEnvelope, Pagination, ServerFrame, WireContact, WireContent, WireConversation,
    WireIdentifier, WireMessage, format_time,
};
use tokio::sync::broadcast;

use super::server::FakeServer;

pub const API_KEY: &str = "test-key";

#[derive(Clone, Debug)]
enum WsControl {
    Text(String),
    Kill,
}

#[derive(Default)]
struct Data {
    conversations: Vec<WireConversation>,
    messages: HashMap<String, Vec<WireMessage>>,
    contacts: Vec<WireContact>,
    next_id: u64,
}

#[derive(Default)]
struct Knobs {
    force_401: bool,
    fail_500: u32,
    rate_limited: u32,
    retry_after: u64,
    reject_ws: bool,
    /// The server clamps every `limit` to this (0 = no clamp).
    max_page: u32,
    posts: Vec<(String, Value)>,
    patches: Vec<(String, Value)>,
    client_frames: Vec<Value>,
    ws_connections: u32,
    /// How long `POST …/messages` takes to answer (a slow send).
    post_delay: Duration,
    patch_delay: Duration,
    /// Answer every REST request with a redirect to this origin (same path and query).
    redirect_to: Option<(StatusCode, String)>,
    /// Answer `GET /contacts` with this body as it is.
    raw_contacts: Option<String>,
}

struct Shared {
    data: Mutex<Data>,
    knobs: Mutex<Knobs>,
    ws: broadcast::Sender<WsControl>,
}

pub struct FakeLinktor {
    pub base_url: String,
    shared: Arc<Shared>,
    server: FakeServer,
}

impl FakeLinktor {
    pub async fn start() -> Self {
        let (ws, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            data: Mutex::new(Data::default()),
            knobs: Mutex::new(Knobs::default()),
            ws,
        });
        let app = Router::new()
            .route("/conversations", get(list_conversations))
            .route(
                "/conversations/{id}",
                get(get_conversation).patch(patch_conversation),
            )
            .route(
                "/conversations/{id}/messages",
                get(list_messages).post(post_message),
            )
            .route("/contacts", get(list_contacts))
            .route("/contacts/{id}", get(get_contact))
            .route("/ws", get(ws_upgrade))
            .layer(middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared.clone());
        let server = FakeServer::serve(app).await;
        Self {
            base_url: server.url(),
            shared,
            server,
        }
    }

    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.shared.data.lock().expect("data lock")
    }

    fn knobs(&self) -> std::sync::MutexGuard<'_, Knobs> {
        self.shared.knobs.lock().expect("knobs lock")
    }

    // ----- data ----------------------------------------------------------------------------

    pub fn add_contact(&self, id: &str, name: &str, channel: &str, identifier: &str) {
        self.data().contacts.push(WireContact {
            id: id.into(),
            tenant_id: Some("t1".into()),
            name: Some(name.into()),
            email: None,
            phone: Some("+5500000".into()),
            identifiers: vec![WireIdentifier {
                channel_type: channel.into(),
                channel_id: Some("ch1".into()),
                identifier: identifier.into(),
                metadata: Default::default(),
            }],
            conversation_count: 1,
            created_at: None,
            updated_at: None,
        });
    }

    pub fn add_conversation(&self, id: &str, contact_id: &str, channel: &str) {
        self.data().conversations.push(WireConversation {
            id: id.into(),
            tenant_id: Some("t1".into()),
            channel_id: Some("ch1".into()),
            channel_type: channel.into(),
            contact_id: contact_id.into(),
            status: "open".into(),
            assigned_to: None,
            last_message: None,
            last_message_at: None,
            unread_count: 0,
            tags: vec![],
            priority: None,
            metadata: BTreeMap::new(),
            created_at: None,
            updated_at: None,
            snoozed_until: None,
        });
    }

    /// A contact `k<i>` and a whatsapp conversation `c<i>` for each i in 1..=count.
    pub fn seed(&self, count: usize) {
        for i in 1..=count {
            self.add_contact(
                &format!("k{i}"),
                &format!("Customer {i}"),
                "whatsapp",
                &format!("+55{i}"),
            );
            self.add_conversation(&format!("c{i}"), &format!("k{i}"), "whatsapp");
        }
    }

    /// Stores an inbound message from the contact without pushing it (as if said during a gap).
    pub fn add_message(&self, conversation: &str, text: &str) -> WireMessage {
        let mut data = self.data();
        let message = new_message(
            &mut data,
            conversation,
            "inbound",
            "contact",
            text,
            BTreeMap::new(),
        );
        data.messages
            .entry(conversation.to_string())
            .or_default()
            .push(message.clone());
        message
    }

    /// Stores a message and pushes it to every connected socket.
    pub fn push_message(&self, conversation: &str, text: &str) -> WireMessage {
        let message = self.add_message(conversation, text);
        self.push_frame(&ServerFrame::Message {
            conversation_id: conversation.into(),
            message: message.clone(),
        });
        message
    }

    /// Stores a reply by another agent (outbound, status "sent") and pushes it.
    pub fn push_agent_message(&self, conversation: &str, text: &str) -> WireMessage {
        let message = {
            let mut data = self.data();
            let message = new_message(
                &mut data,
                conversation,
                "outbound",
                "agent",
                text,
                BTreeMap::new(),
            );
            data.messages
                .entry(conversation.to_string())
                .or_default()
                .push(message.clone());
            message
        };
        self.push_frame(&ServerFrame::Message {
            conversation_id: conversation.into(),
            message: message.clone(),
        });
        message
    }

    /// Moves a stored message to `status` and pushes the `message.status` frame.
    pub fn push_status(&self, conversation: &str, message_id: &str, status: &str) {
        {
            let mut data = self.data();
            if let Some(message) = data
                .messages
                .get_mut(conversation)
                .and_then(|all| all.iter_mut().find(|m| m.id == message_id))
            {
                message.status = status.to_string().into();
            }
        }
        self.push_frame(&ServerFrame::MessageStatus {
            conversation_id: conversation.into(),
            message_id: message_id.into(),
            status: status.into(),
            timestamp: None,
        });
    }

    /// Frames queued for the sockets but not yet sent; a generator that waits for this to drop
    /// does not overrun the broadcast channel (which would lose frames silently).
    pub fn ws_backlog(&self) -> usize {
        self.shared.ws.len()
    }

    /// Sockets currently listening for pushes.
    pub fn ws_subscribers(&self) -> usize {
        self.shared.ws.receiver_count()
    }

    /// The server's truth: every stored message of a conversation, oldest first.
    pub fn messages_of(&self, conversation: &str) -> Vec<WireMessage> {
        self.data()
            .messages
            .get(conversation)
            .cloned()
            .unwrap_or_default()
    }

    pub fn push_frame(&self, frame: &ServerFrame) {
        self.send_raw(&serde_json::to_string(frame).expect("frame"));
    }

    pub fn send_raw(&self, text: &str) {
        let _ = self.shared.ws.send(WsControl::Text(text.to_string()));
    }

    pub fn kill_ws(&self) {
        let _ = self.shared.ws.send(WsControl::Kill);
    }

    // ----- knobs ---------------------------------------------------------------------------

    pub fn set_force_401(&self, on: bool) {
        self.knobs().force_401 = on;
    }

    pub fn fail_next(&self, count: u32) {
        self.knobs().fail_500 = count;
    }

    pub fn rate_limit_next(&self, count: u32, retry_after: u64) {
        let mut knobs = self.knobs();
        knobs.rate_limited = count;
        knobs.retry_after = retry_after;
    }

    pub fn set_reject_ws(&self, on: bool) {
        self.knobs().reject_ws = on;
    }

    pub fn set_post_delay(&self, delay: Duration) {
        self.knobs().post_delay = delay;
    }

    /// Conversation updates (PATCH, e.g. read markers) are answered after `delay`.
    pub fn set_patch_delay(&self, delay: Duration) {
        self.knobs().patch_delay = delay;
    }

    /// Every REST request is answered `status` with `Location` at `origin` (same path).
    pub fn redirect_to(&self, status: StatusCode, origin: &str) {
        self.knobs().redirect_to = Some((status, origin.to_string()));
    }

    /// `GET /contacts` answers exactly this body.
    pub fn set_raw_contacts(&self, body: &str) {
        self.knobs().raw_contacts = Some(body.to_string());
    }

    pub fn set_max_page(&self, limit: u32) {
        self.knobs().max_page = limit;
    }

    // ----- records -------------------------------------------------------------------------

    pub fn requests(&self) -> u64 {
        self.server.requests().len() as u64
    }

    pub fn request_log(&self) -> Vec<String> {
        self.server.requests()
    }

    pub fn posts(&self) -> Vec<(String, Value)> {
        self.knobs().posts.clone()
    }

    pub fn patches(&self) -> Vec<(String, Value)> {
        self.knobs().patches.clone()
    }

    pub fn client_frames(&self) -> Vec<Value> {
        self.knobs().client_frames.clone()
    }

    pub fn ws_connections(&self) -> u32 {
        self.knobs().ws_connections
    }

    pub fn subscriptions(&self, conversation: &str) -> usize {
        self.client_frames()
            .iter()
            .filter(|frame| frame["type"] == "subscribe" && frame["conversationId"] == conversation)
            .count()
    }
}

fn new_message(
    data: &mut Data,
    conversation: &str,
    direction: &str,
    sender_type: &str,
    text: &str,
    metadata: BTreeMap<String, Value>,
) -> WireMessage {
    data.next_id += 1;
    let at = time::OffsetDateTime::from_unix_timestamp(1_704_067_200 + data.next_id as i64)
        .expect("time");
    WireMessage {
        id: format!("m{:04}", data.next_id),
        conversation_id: conversation.into(),
        direction: direction.to_string().into(),
        content_type: "text".into(),
        content: WireContent {
            text: Some(text.into()),
            ..WireContent::default()
        },
        status: if direction == "inbound" {
            "delivered"
        } else {
            "sent"
        }
        .into(),
        sender_type: sender_type.to_string().into(),
        sender_id: None,
        external_id: None,
        delivered_at: None,
        read_at: None,
        failed_reason: None,
        metadata,
        created_at: format_time(at),
        updated_at: None,
    }
}

// ----- middleware: auth, counting and injected failures ------------------------------------------

fn error(status: StatusCode, body: Value) -> Response {
    (status, [("x-request-id", "req-fake")], axum::Json(body)).into_response()
}

async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let uri = request.uri().to_string();
    let key_ok = request
        .headers()
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        == Some(API_KEY)
        || uri.contains(&format!("api_key={API_KEY}"));
    {
        let mut knobs = shared.knobs.lock().expect("knobs lock");
        if let Some((status, origin)) = &knobs.redirect_to
            && !uri.starts_with("/ws")
        {
            let location = format!("{origin}{uri}");
            return (*status, [(axum::http::header::LOCATION, location)]).into_response();
        }
        if knobs.force_401 || !key_ok {
            return error(
                StatusCode::UNAUTHORIZED,
                json!({"message":"invalid api key","code":"unauthorized"}),
            );
        }
        if knobs.fail_500 > 0 {
            knobs.fail_500 -= 1;
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message":"database on fire","code":"internal"}),
            );
        }
        // Rate limiting is a REST concept; the socket upgrade is not throttled.
        if knobs.rate_limited > 0 && !uri.starts_with("/ws") {
            knobs.rate_limited -= 1;
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"message":"slow down","retry_after":knobs.retry_after}),
            );
        }
    }
    next.run(request).await
}

// ----- REST ---------------------------------------------------------------------------------------

fn limit_of(shared: &Shared, query: &HashMap<String, String>) -> usize {
    let asked = query
        .get("limit")
        .and_then(|value| value.parse::<u32>().ok())
        .unwrap_or(20);
    let max = shared.knobs.lock().expect("knobs lock").max_page;
    (if max > 0 { asked.min(max) } else { asked }).max(1) as usize
}

fn page<T: Clone + serde::Serialize>(
    items: &[T],
    offset: usize,
    limit: usize,
    has_more: bool,
) -> axum::Json<ListEnvelope<T>> {
    axum::Json(ListEnvelope::new(
        items.to_vec(),
        Pagination {
            total: items.len() as u64,
            limit: limit as u32,
            offset: offset as u64,
            has_more,
            next_cursor: None,
        },
    ))
}

fn offset_page<T: Clone + serde::Serialize>(
    all: &[T],
    query: &HashMap<String, String>,
    limit: usize,
) -> axum::Json<ListEnvelope<T>> {
    let offset = query
        .get("offset")
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let end = (offset + limit).min(all.len());
    page(&all[offset..end], offset, limit, end < all.len())
}

async fn list_conversations(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = limit_of(&shared, &query);
    let data = shared.data.lock().expect("data lock");
    offset_page(&data.conversations, &query, limit).into_response()
}

async fn get_conversation(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let data = shared.data.lock().expect("data lock");
    match data.conversations.iter().find(|c| c.id == id) {
        Some(conversation) => axum::Json(conversation.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            json!({"message":"conversation not found"}),
        ),
    }
}

async fn patch_conversation(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let delay = {
        let mut knobs = shared.knobs.lock().expect("knobs lock");
        knobs.patches.push((id.clone(), body));
        knobs.patch_delay
    };
    tokio::time::sleep(delay).await;
    get_conversation(State(shared), Path(id)).await
}

async fn list_messages(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = limit_of(&shared, &query);
    let data = shared.data.lock().expect("data lock");
    let all = data.messages.get(&id).cloned().unwrap_or_default();
    let position = |cursor: &String| all.iter().position(|m| &m.id == cursor);
    if let Some(after) = query.get("after") {
        // Newer than the cursor, oldest first; hasMore = still newer ones left.
        let start = position(after).map_or(0, |index| index + 1);
        let end = (start + limit).min(all.len());
        return page(&all[start..end], start, limit, end < all.len()).into_response();
    }
    // The tail, or the page just before `before`; hasMore = older ones left.
    let end = match query.get("before") {
        Some(before) => position(before).unwrap_or(0),
        None => all.len(),
    };
    let start = end.saturating_sub(limit);
    page(&all[start..end], start, limit, start > 0).into_response()
}

async fn post_message(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let delay = {
        let mut knobs = shared.knobs.lock().expect("knobs lock");
        knobs.posts.push((id.clone(), body.clone()));
        knobs.post_delay
    };
    tokio::time::sleep(delay).await;
    let message = {
        let mut data = shared.data.lock().expect("data lock");
        if !data.conversations.iter().any(|c| c.id == id) {
            return error(
                StatusCode::NOT_FOUND,
                json!({"message":"conversation not found"}),
            );
        }
        let text = body["text"].as_str().unwrap_or_default().to_string();
        let metadata = body["metadata"]
            .as_object()
            .map(|map| map.clone().into_iter().collect())
            .unwrap_or_default();
        let message = new_message(&mut data, &id, "outbound", "agent", &text, metadata);
        data.messages
            .entry(id.clone())
            .or_default()
            .push(message.clone());
        message
    };
    let frame = ServerFrame::Message {
        conversation_id: id,
        message: message.clone(),
    };
    let _ = shared.ws.send(WsControl::Text(
        serde_json::to_string(&frame).expect("frame"),
    ));
    (StatusCode::CREATED, axum::Json(message)).into_response()
}

async fn list_contacts(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(raw) = shared
        .knobs
        .lock()
        .expect("knobs lock")
        .raw_contacts
        .clone()
    {
        return (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            raw,
        )
            .into_response();
    }
    let limit = limit_of(&shared, &query);
    let data = shared.data.lock().expect("data lock");
    offset_page(&data.contacts, &query, limit).into_response()
}

async fn get_contact(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let data = shared.data.lock().expect("data lock");
    match data.contacts.iter().find(|c| c.id == id) {
        Some(contact) => axum::Json(contact.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            json!({"message":"contact not found"}),
        ),
    }
}

// ----- WebSocket ----------------------------------------------------------------------------------

async fn ws_upgrade(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    {
        let mut knobs = shared.knobs.lock().expect("knobs lock");
        if knobs.reject_ws {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"message":"ws down"}),
            );
        }
        knobs.ws_connections += 1;
    }
    let control = shared.ws.subscribe();
    upgrade.on_upgrade(move |socket| serve_socket(shared, socket, control))
}

async fn serve_socket(
    shared: Arc<Shared>,
    mut socket: WebSocket,
    mut control: broadcast::Receiver<WsControl>,
) {
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    let is_ping = frame["type"] == "ping";
                    shared.knobs.lock().expect("knobs lock").client_frames.push(frame);
                    if is_ping {
                        let _ = socket.send(WsMessage::Text(r#"{"type":"pong"}"#.into())).await;
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            command = control.recv() => match command {
                Ok(WsControl::Text(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                // Dropping the socket without a close frame: what a crashed hub looks like.
                Ok(WsControl::Kill) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}
