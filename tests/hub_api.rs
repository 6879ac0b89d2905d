//! The embedded hub against the Linktor SDK contract, over real HTTP and WebSocket.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard::hub::{self, DemoConfig, HubConfig, HubHandle};
use switchboard::providers::linktor::wire::{
    ListEnvelope, WireContact, WireConversation, WireMessage, parse_time,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const KEY: &str = "test-key";

async fn start_with(db_path: Option<std::path::PathBuf>, demo: Option<DemoConfig>) -> HubHandle {
    hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path,
        api_key: KEY.into(),
        demo,
    })
    .await
    .expect("hub starts")
}

async fn start() -> HubHandle {
    start_with(None, None).await
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn get(hub: &HubHandle, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", hub.base_url()))
        .header("X-API-Key", KEY)
        .send()
        .await
        .expect("request")
}

async fn get_json<T: serde::de::DeserializeOwned>(hub: &HubHandle, path: &str) -> T {
    let response = get(hub, path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("json")
}

async fn post(hub: &HubHandle, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", hub.base_url()))
        .header("X-API-Key", KEY)
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// Sends an inbound message; returns the conversation id.
async fn inbound(hub: &HubHandle, from: &str, text: &str) -> (String, WireMessage) {
    let response = post(
        hub,
        "/simulate/inbound",
        json!({"channelType":"whatsapp","from":from,"name":"Ada","text":text}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let message: WireMessage = serde_json::from_value(body["message"].clone()).expect("message");
    (
        body["conversationId"].as_str().expect("id").to_owned(),
        message,
    )
}

async fn send(
    hub: &HubHandle,
    conversation: &str,
    text: &str,
    client_id: &str,
) -> reqwest::Response {
    post(
        hub,
        &format!("/conversations/{conversation}/messages"),
        json!({"text": text, "metadata": {"clientId": client_id}}),
    )
    .await
}

async fn connect(hub: &HubHandle) -> Socket {
    let url = format!("ws://{}/ws?api_key={KEY}", hub.addr());
    tokio_tungstenite::connect_async(url).await.expect("ws").0
}

async fn send_frame(socket: &mut Socket, frame: Value) {
    socket
        .send(WsMessage::Text(frame.to_string().into()))
        .await
        .expect("send frame");
}

async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("frame");
        if let WsMessage::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("json frame");
        }
    }
}

/// A ping/pong round trip: everything sent before it has been applied by the server.
async fn sync(socket: &mut Socket) {
    send_frame(socket, json!({"type":"ping"})).await;
    loop {
        if next_frame(socket).await["type"] == "pong" {
            return;
        }
    }
}

async fn subscribe(socket: &mut Socket, conversation: &str) {
    send_frame(
        socket,
        json!({"type":"subscribe","conversationId":conversation}),
    )
    .await;
    sync(socket).await;
}

#[tokio::test]
async fn auth_is_required_on_rest_and_websocket() {
    let hub = start().await;
    let health = client()
        .get(format!("{}/health", hub.base_url()))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(
        health.json::<Value>().await.expect("json"),
        json!({"status":"ok"})
    );

    for key in [None, Some("wrong")] {
        let mut request = client().get(format!("{}/conversations", hub.base_url()));
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 401);
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            json!({"message":"invalid API key","code":"UNAUTHORIZED"})
        );
    }

    for url in [
        format!("ws://{}/ws", hub.addr()),
        format!("ws://{}/ws?api_key=wrong", hub.addr()),
    ] {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401);
            }
            other => panic!("expected 401, got {:?}", other.map(|_| ())),
        }
    }

    let missing = get(&hub, "/conversations/nope").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<Value>().await.expect("json")["code"],
        "NOT_FOUND"
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn conversations_list_envelope_and_paging() {
    let hub = start().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            inbound(&hub, &format!("+1555000{n}"), &format!("hello {n}"))
                .await
                .0,
        );
    }
    let raw: Value = get_json(&hub, "/conversations?limit=2").await;
    assert_eq!(
        raw["pagination"],
        json!({"total":5,"limit":2,"offset":0,"hasMore":true,"nextCursor":null})
    );
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page: ListEnvelope<WireConversation> =
            get_json(&hub, &format!("/conversations?limit=2&offset={offset}")).await;
        assert_eq!(page.pagination.has_more, offset < 4);
        seen.extend(page.data.into_iter().map(|c| {
            assert_eq!(c.unread_count, 1);
            assert!(c.last_message.is_some());
            c.id
        }));
    }
    // Newest activity first.
    ids.reverse();
    assert_eq!(seen, ids);

    let filtered: ListEnvelope<WireConversation> =
        get_json(&hub, "/conversations?channelType=sms").await;
    assert_eq!(filtered.pagination.total, 0);

    // Mark read and resolve.
    let patched: WireConversation = client()
        .patch(format!("{}/conversations/{}", hub.base_url(), ids[0]))
        .header("X-API-Key", KEY)
        .json(&json!({"unreadCount":0,"status":"resolved"}))
        .send()
        .await
        .expect("patch")
        .json()
        .await
        .expect("json");
    assert_eq!(patched.unread_count, 0);
    assert_eq!(patched.status, "resolved");

    let contacts: ListEnvelope<WireContact> = get_json(&hub, "/contacts?search=%2B15550003").await;
    assert_eq!(contacts.data.len(), 1);
    assert_eq!(contacts.data[0].phone.as_deref(), Some("+15550003"));
    let one: WireContact = get_json(&hub, &format!("/contacts/{}", contacts.data[0].id)).await;
    assert_eq!(one.name.as_deref(), Some("Ada"));
    hub.shutdown().await;
}

#[tokio::test]
async fn message_paging_is_ascending_without_overlap() {
    let hub = start().await;
    let (conversation, first) = inbound(&hub, "+15551111", "m0").await;
    let mut all = vec![first.id];
    for n in 1..7 {
        let response = send(&hub, &conversation, &format!("m{n}"), &format!("c{n}")).await;
        assert_eq!(response.status(), 201);
        all.push(response.json::<WireMessage>().await.expect("json").id);
    }
    let path = format!("/conversations/{conversation}/messages");
    let page = |query: String| {
        let hub = &hub;
        let path = path.clone();
        async move { get_json::<ListEnvelope<WireMessage>>(hub, &format!("{path}?{query}")).await }
    };
    let ids =
        |p: &ListEnvelope<WireMessage>| p.data.iter().map(|m| m.id.clone()).collect::<Vec<_>>();

    let tail = page("limit=3".into()).await;
    assert_eq!(ids(&tail), all[4..7]);
    assert_eq!(tail.pagination.total, 7);
    assert!(tail.pagination.has_more);
    assert_eq!(
        tail.pagination.next_cursor.as_deref(),
        Some(all[4].as_str())
    );

    let older = page(format!("limit=3&before={}", all[4])).await;
    assert_eq!(ids(&older), all[1..4]);
    assert!(older.pagination.has_more);
    let oldest = page(format!("limit=3&before={}", all[1])).await;
    assert_eq!(ids(&oldest), all[0..1]);
    assert!(!oldest.pagination.has_more);
    assert_eq!(
        oldest.pagination.next_cursor.as_deref(),
        Some(all[0].as_str())
    );

    let newer = page(format!("limit=3&after={}", all[0])).await;
    assert_eq!(ids(&newer), all[1..4]);
    assert!(newer.pagination.has_more);
    assert_eq!(
        newer.pagination.next_cursor.as_deref(),
        Some(all[3].as_str())
    );
    let newest = page(format!("limit=3&after={}", all[3])).await;
    assert_eq!(ids(&newest), all[4..7]);
    assert!(!newest.pagination.has_more);
    let none = page(format!("after={}", all[6])).await;
    assert!(none.data.is_empty());
    assert_eq!(none.pagination.next_cursor, None);

    let bad = get(&hub, &format!("{path}?before=msg_unknown")).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.expect("json")["code"],
        "VALIDATION_ERROR"
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn sending_is_idempotent_on_client_id() {
    let hub = start().await;
    let (conversation, _) = inbound(&hub, "+15552222", "hi").await;
    let first = send(&hub, &conversation, "hello there", "abc").await;
    assert_eq!(first.status(), 201);
    let first: WireMessage = first.json().await.expect("json");
    assert_eq!(first.direction, "outbound");
    assert_eq!(first.sender_type, "agent");
    assert_eq!(first.status, "sent");
    assert_eq!(first.metadata.get("clientId"), Some(&json!("abc")));

    let again = send(&hub, &conversation, "hello there", "abc").await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<WireMessage>().await.expect("json").id,
        first.id
    );
    let list: ListEnvelope<WireMessage> =
        get_json(&hub, &format!("/conversations/{conversation}/messages")).await;
    assert_eq!(list.data.len(), 2);

    // Sending marks the conversation read.
    let after: WireConversation = get_json(&hub, &format!("/conversations/{conversation}")).await;
    assert_eq!(after.unread_count, 0);

    let empty = send(&hub, &conversation, "  ", "x").await;
    assert_eq!(empty.status(), 400);
    let bad_json = client()
        .post(format!(
            "{}/conversations/{conversation}/messages",
            hub.base_url()
        ))
        .header("X-API-Key", KEY)
        .header("Content-Type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("request");
    assert_eq!(bad_json.status(), 400);
    assert_eq!(send(&hub, "cv_missing", "x", "y").await.status(), 404);
    hub.shutdown().await;
}

#[tokio::test]
async fn status_frames_arrive_in_order() {
    let hub = start().await;
    let (conversation, _) = inbound(&hub, "+15553333", "hi").await;
    let mut socket = connect(&hub).await;
    subscribe(&mut socket, &conversation).await;
    let sent: WireMessage = send(&hub, &conversation, "on its way", "k1")
        .await
        .json()
        .await
        .expect("json");
    let mut statuses = Vec::new();
    while statuses.len() < 3 {
        let frame = next_frame(&mut socket).await;
        match frame["type"].as_str() {
            Some("message") => {
                assert_eq!(frame["message"]["id"], sent.id.as_str());
                statuses.push(frame["message"]["status"].as_str().unwrap_or("").to_owned());
            }
            Some("message_status") => {
                assert_eq!(frame["messageId"], sent.id.as_str());
                assert_eq!(frame["conversationId"], conversation.as_str());
                assert!(frame["timestamp"].is_string());
                statuses.push(frame["status"].as_str().unwrap_or("").to_owned());
            }
            _ => {}
        }
    }
    assert_eq!(statuses, ["sent", "delivered", "read"]);
    let stored: ListEnvelope<WireMessage> =
        get_json(&hub, &format!("/conversations/{conversation}/messages")).await;
    let last = stored.data.last().expect("message");
    assert_eq!(last.status, "read");
    assert!(last.delivered_at.is_some() && last.read_at.is_some());
    hub.shutdown().await;
}

#[tokio::test]
async fn inbound_reaches_subscribers_and_updates_everyone() {
    let hub = start().await;
    let (conversation, _) = inbound(&hub, "+15554444", "first").await;
    let mut subscribed = connect(&hub).await;
    subscribe(&mut subscribed, &conversation).await;
    let mut other = connect(&hub).await;
    sync(&mut other).await;

    let (again, message) = inbound(&hub, "+15554444", "second").await;
    assert_eq!(again, conversation);

    let frame = next_frame(&mut subscribed).await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["conversationId"], conversation.as_str());
    assert_eq!(frame["message"]["id"], message.id.as_str());
    assert_eq!(frame["message"]["direction"], "inbound");
    assert_eq!(frame["message"]["senderType"], "contact");
    assert_eq!(
        next_frame(&mut subscribed).await["type"],
        "conversation_update"
    );

    let update = next_frame(&mut other).await;
    assert_eq!(update["type"], "conversation_update");
    assert_eq!(update["conversationId"], conversation.as_str());
    assert_eq!(update["status"], "open");

    // Typing reaches the subscriber with the contact as user.
    let typing = post(
        &hub,
        "/simulate/typing",
        json!({"conversationId": conversation, "isTyping": true}),
    )
    .await;
    assert!(typing.status().is_success());
    let frame = next_frame(&mut subscribed).await;
    assert_eq!(frame["type"], "typing");
    assert_eq!(frame["isTyping"], true);
    assert_eq!(
        frame["userId"],
        message.sender_id.clone().unwrap_or_default().as_str()
    );

    // Unsubscribed: no more message frames, only the update.
    send_frame(
        &mut subscribed,
        json!({"type":"unsubscribe","conversationId":conversation}),
    )
    .await;
    sync(&mut subscribed).await;
    inbound(&hub, "+15554444", "third").await;
    assert_eq!(
        next_frame(&mut subscribed).await["type"],
        "conversation_update"
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn ping_pong_and_malformed_frames_are_ignored() {
    let hub = start().await;
    let mut socket = connect(&hub).await;
    send_frame(&mut socket, json!({"type":"ping"})).await;
    assert_eq!(next_frame(&mut socket).await, json!({"type":"pong"}));
    socket
        .send(WsMessage::Text("not json at all".into()))
        .await
        .expect("send");
    send_frame(&mut socket, json!({"type":"launch_rockets"})).await;
    send_frame(&mut socket, json!({"type":"subscribe"})).await;
    send_frame(
        &mut socket,
        json!({"type":"typing","conversationId":"c1","isTyping":true}),
    )
    .await;
    send_frame(&mut socket, json!({"type":"ping"})).await;
    assert_eq!(next_frame(&mut socket).await, json!({"type":"pong"}));
    hub.shutdown().await;
}

#[tokio::test]
async fn data_persists_across_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("hub.sqlite3");
    let hub = start_with(Some(path.clone()), None).await;
    let (conversation, _) = inbound(&hub, "+15555555", "remember me").await;
    assert_eq!(send(&hub, &conversation, "noted", "p1").await.status(), 201);
    hub.shutdown().await;

    let hub = start_with(Some(path), None).await;
    let list: ListEnvelope<WireMessage> =
        get_json(&hub, &format!("/conversations/{conversation}/messages")).await;
    let texts: Vec<_> = list
        .data
        .iter()
        .filter_map(|m| m.content.text.clone())
        .collect();
    assert_eq!(texts, ["remember me", "noted"]);
    // The idempotency key survives too.
    assert_eq!(send(&hub, &conversation, "noted", "p1").await.status(), 200);
    hub.shutdown().await;
}

/// Everything in a seeded hub except ids and timestamps.
async fn seeded_snapshot(hub: &HubHandle) -> BTreeSet<(String, String, Vec<String>)> {
    let list: ListEnvelope<WireConversation> = get_json(hub, "/conversations?limit=100").await;
    let mut snapshot = BTreeSet::new();
    for conversation in list.data {
        let contact: WireContact =
            get_json(hub, &format!("/contacts/{}", conversation.contact_id)).await;
        let messages: ListEnvelope<WireMessage> =
            get_json(hub, &format!("/conversations/{}/messages", conversation.id)).await;
        let texts = messages
            .data
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m.direction,
                    m.content.text.clone().unwrap_or_default()
                )
            })
            .collect();
        snapshot.insert((
            contact.name.unwrap_or_default(),
            conversation.channel_type,
            texts,
        ));
    }
    snapshot
}

#[tokio::test]
async fn seeded_history_is_deterministic_and_varied() {
    // A slow pace puts the first live customer minutes away, so the snapshots see only the
    // seeded history however busy the machine is (the history does not depend on the pace).
    let demo = Some(DemoConfig {
        seed: 42,
        speed: 0.001,
    });
    let a = start_with(None, demo).await;
    let b = start_with(None, demo).await;
    let snapshot = seeded_snapshot(&a).await;
    assert_eq!(snapshot, seeded_snapshot(&b).await);
    assert!(snapshot.len() >= 8);
    let channels: BTreeSet<_> = snapshot
        .iter()
        .map(|(_, channel, _)| channel.clone())
        .collect();
    assert!(channels.len() >= 6, "{channels:?}");
    assert!(
        snapshot
            .iter()
            .all(|(_, _, texts)| (3..=10).contains(&texts.len()))
    );

    let list: ListEnvelope<WireConversation> = get_json(&a, "/conversations?limit=100").await;
    assert!(list.data.iter().any(|c| c.unread_count > 0));
    // History is relative to now: some of it today, none of it in the future.
    let now = time::OffsetDateTime::now_utc();
    let stamps: Vec<_> = list
        .data
        .iter()
        .filter_map(|c| c.last_message_at.as_deref().and_then(parse_time))
        .collect();
    assert_eq!(stamps.len(), list.data.len());
    assert!(stamps.iter().all(|at| *at <= now));
    assert!(
        stamps
            .iter()
            .any(|at| now - *at < time::Duration::hours(12))
    );
    assert!(
        stamps
            .iter()
            .any(|at| now - *at > time::Duration::hours(20))
    );
    assert!(list.data.iter().any(|c| c.unread_count == 0));

    let other = start_with(
        None,
        Some(DemoConfig {
            seed: 43,
            speed: 0.001,
        }),
    )
    .await;
    assert_ne!(snapshot, seeded_snapshot(&other).await);
    a.shutdown().await;
    b.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn simulator_writes_live_and_answers_the_agent() {
    let hub = start_with(
        None,
        Some(DemoConfig {
            seed: 7,
            speed: 50.0,
        }),
    )
    .await;
    let mut socket = connect(&hub).await;
    let conversation = loop {
        let frame = next_frame(&mut socket).await;
        if frame["type"] == "conversation_update" {
            break frame["conversationId"].as_str().expect("id").to_owned();
        }
    };
    subscribe(&mut socket, &conversation).await;
    let reply = send(
        &hub,
        &conversation,
        "Thanks, let me check that for you.",
        "sim1",
    )
    .await;
    assert_eq!(reply.status(), 201);
    let mut saw_typing = false;
    loop {
        let frame = next_frame(&mut socket).await;
        if frame["type"] == "typing" {
            saw_typing = true;
        }
        if frame["type"] == "message" && frame["message"]["direction"] == "inbound" {
            break;
        }
    }
    assert!(saw_typing, "the customer types before answering");
    hub.shutdown().await;
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let hub = start().await;
    let addr = hub.addr();
    assert_eq!(get(&hub, "/nowhere").await.status(), 404);
    drop(hub);
    let mut stopped = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "the listener closes after drop");
}

#[tokio::test]
async fn a_seeded_customer_answers_the_agent() {
    let hub = start_with(
        None,
        Some(DemoConfig {
            seed: 3,
            speed: 50.0,
        }),
    )
    .await;
    let list: ListEnvelope<WireConversation> = get_json(&hub, "/conversations?limit=100").await;
    let waiting = list
        .data
        .iter()
        .find(|c| c.unread_count > 0)
        .expect("a seeded conversation awaits an answer");
    let mut socket = connect(&hub).await;
    subscribe(&mut socket, &waiting.id).await;
    let reply = send(
        &hub,
        &waiting.id,
        "Sorry for the wait, looking into it now.",
        "seed1",
    )
    .await;
    assert_eq!(reply.status(), 201);
    loop {
        let frame = next_frame(&mut socket).await;
        if frame["type"] == "message" && frame["message"]["direction"] == "inbound" {
            assert_eq!(frame["conversationId"], waiting.id.as_str());
            // The customer continues the script their last seeded line came from.
            let last: WireMessage =
                serde_json::from_value(waiting.last_message.clone().expect("last")).expect("msg");
            let next = switchboard::hub::scripts::SCRIPTS
                .iter()
                .find_map(|script| {
                    let at = script
                        .turns
                        .iter()
                        .position(|t| Some(t.customer) == last.content.text.as_deref())?;
                    script.turns.get(at + 1).map(|t| t.customer)
                });
            assert_eq!(frame["message"]["content"]["text"].as_str(), next);
            break;
        }
    }
    hub.shutdown().await;
}

async fn request(
    hub: &HubHandle,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = client()
        .request(method, format!("{}{path}", hub.base_url()))
        .header("X-API-Key", KEY)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn agents_are_named_and_listed() {
    let hub = start().await;
    let put = reqwest::Method::PUT;
    let (status, body) = request(
        &hub,
        put.clone(),
        "/agents/u-maya",
        json!({"name": " Maya "}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"id": "u-maya", "name": "Maya"}));
    request(
        &hub,
        put.clone(),
        "/agents/u-sam",
        json!({"name": "Sam", "email": "sam@example.com"}),
    )
    .await;
    // Renaming keeps one agent.
    request(
        &hub,
        put.clone(),
        "/agents/u-maya",
        json!({"name": "Maya R."}),
    )
    .await;
    let list: ListEnvelope<Value> = get_json(&hub, "/agents").await;
    assert_eq!(
        list.data,
        [
            json!({"id": "u-maya", "name": "Maya R."}),
            json!({"id": "u-sam", "name": "Sam", "email": "sam@example.com"}),
        ]
    );
    assert_eq!(list.pagination.total, 2);
    let (status, body) = request(&hub, put.clone(), "/agents/u-x", json!({"name": "  "})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    let (status, _) = request(&hub, put, "/agents/u-x", json!({"name": "x".repeat(201)})).await;
    assert_eq!(status, 400);
    hub.shutdown().await;
}

#[tokio::test]
async fn assign_tags_and_priority_change_and_reach_every_socket() {
    let hub = start().await;
    let (id, _) = inbound(&hub, "+15550101", "hello").await;
    // Not subscribed to the conversation: conversation updates go to every inbox.
    let mut socket = connect(&hub).await;
    sync(&mut socket).await;

    let (status, body) = request(
        &hub,
        reqwest::Method::POST,
        &format!("/conversations/{id}/assign"),
        json!({"agentId": "u-maya"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let conversation: WireConversation = serde_json::from_value(body).expect("SDK conversation");
    assert_eq!(conversation.assigned_to.as_deref(), Some("u-maya"));
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["type"], "conversation_update");
    assert_eq!(frame["conversationId"], id.as_str());
    assert_eq!(frame["assignedTo"], "u-maya");
    assert_eq!(frame["tags"], json!([]));
    assert_eq!(frame["priority"], Value::Null);

    let patch = reqwest::Method::PATCH;
    let path = format!("/conversations/{id}");
    let (status, body) = request(
        &hub,
        patch.clone(),
        &path,
        json!({"tags": ["vip", " VIP ", "billing", ""], "priority": "urgent"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tags"], json!(["vip", "billing"]));
    assert_eq!(body["priority"], "urgent");
    assert_eq!(body["assignedTo"], "u-maya", "fields not named stay");
    let frame = next_frame(&mut socket).await;
    assert_eq!(
        (&frame["tags"], &frame["priority"], &frame["assignedTo"]),
        (
            &json!(["vip", "billing"]),
            &json!("urgent"),
            &json!("u-maya")
        )
    );

    // null unassigns and clears; an unknown priority is refused with what is allowed.
    let (_, body) = request(
        &hub,
        patch.clone(),
        &path,
        json!({"assignedTo": null, "priority": null}),
    )
    .await;
    assert_eq!(body["assignedTo"], Value::Null);
    assert!(body.get("priority").is_none_or(Value::is_null), "{body}");
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["assignedTo"], Value::Null);
    assert_eq!(frame["priority"], Value::Null);
    let (status, body) = request(&hub, patch.clone(), &path, json!({"priority": "asap"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["allowed"],
        json!(["low", "medium", "high", "urgent"])
    );
    let (status, _) = request(&hub, patch.clone(), &path, json!({"tags": "vip"})).await;
    assert_eq!(status, 400, "tags must be a list");
    let too_many: Vec<String> = (0..51).map(|n| format!("t{n}")).collect();
    let (status, _) = request(&hub, patch, &path, json!({"tags": too_many})).await;
    assert_eq!(status, 400);

    let (status, _) = request(
        &hub,
        reqwest::Method::POST,
        &format!("/conversations/{id}/assign"),
        json!({}),
    )
    .await;
    assert_eq!(status, 400, "agentId is required");
    let (status, body) = request(
        &hub,
        reqwest::Method::POST,
        "/conversations/nope/assign",
        json!({"agentId": "u-maya"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    hub.shutdown().await;
}

#[tokio::test]
async fn a_note_is_kept_for_the_team_and_never_delivered() {
    let hub = start().await;
    let (id, first) = inbound(&hub, "+15550102", "where is my parcel?").await;
    request(
        &hub,
        reqwest::Method::PUT,
        "/agents/u-maya",
        json!({"name": "Maya"}),
    )
    .await;
    let mut socket = connect(&hub).await;
    subscribe(&mut socket, &id).await;
    let path = format!("/conversations/{id}/notes");
    let body = json!({"text": "VIP: refund approved", "agentId": "u-maya", "metadata": {"clientId": "note-1"}});
    let (status, note) = request(&hub, reqwest::Method::POST, &path, body.clone()).await;
    assert_eq!(status, 201, "{note}");
    let note: WireMessage = serde_json::from_value(note).expect("an SDK message");
    assert!(note.is_note());
    assert_eq!(note.metadata["senderName"], "Maya");
    assert_eq!(note.status, "sent");
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["message"]["id"], note.id.as_str());
    // The same client id again: the first note, not a second one.
    let (status, again) = request(&hub, reqwest::Method::POST, &path, body).await;
    assert_eq!(
        (status, again["id"].as_str()),
        (200, Some(note.id.as_str()))
    );
    // Never delivered: no status moves (a reply's would within 1.2 s), and the conversation's
    // last message is still the customer's.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    send_frame(&mut socket, json!({"type": "ping"})).await;
    loop {
        let frame = next_frame(&mut socket).await;
        assert_ne!(frame["type"], "message_status", "{frame}");
        if frame["type"] == "pong" {
            break;
        }
    }
    let conversation: WireConversation = get_json(&hub, &format!("/conversations/{id}")).await;
    let last = conversation.last_message.expect("a last message");
    assert_eq!(last["id"], first.id.as_str());

    let (status, _) = request(&hub, reqwest::Method::POST, &path, json!({"text": "  "})).await;
    assert_eq!(status, 400);
    let (status, _) = request(
        &hub,
        reqwest::Method::POST,
        "/conversations/nope/notes",
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    hub.shutdown().await;
}

#[tokio::test]
async fn conversations_list_by_assignee_and_tag() {
    let hub = start().await;
    let (first, _) = inbound(&hub, "+15550201", "one").await;
    let (second, _) = inbound(&hub, "+15550202", "two").await;
    inbound(&hub, "+15550203", "three").await;
    let patch = reqwest::Method::PATCH;
    request(
        &hub,
        patch.clone(),
        &format!("/conversations/{first}"),
        json!({"assignedTo": "u-maya", "tags": ["vip"]}),
    )
    .await;
    request(
        &hub,
        patch,
        &format!("/conversations/{second}"),
        json!({"tags": ["vip", "billing"]}),
    )
    .await;
    let ids = |list: ListEnvelope<WireConversation>| {
        let mut ids: Vec<String> = list.data.into_iter().map(|c| c.id).collect();
        ids.sort();
        (ids, list.pagination.total)
    };
    let mine = ids(get_json(&hub, "/conversations?assignedTo=u-maya").await);
    assert_eq!(mine, (vec![first.clone()], 1));
    let mut both = vec![first.clone(), second.clone()];
    both.sort();
    let vip = ids(get_json(&hub, "/conversations?tags=vip").await);
    assert_eq!(vip, (both, 2));
    let billing = ids(get_json(&hub, "/conversations?tags=billing&limit=1").await);
    assert_eq!(billing, (vec![second], 1));
    let all = ids(get_json(&hub, "/conversations").await);
    assert_eq!(all.1, 3);
    hub.shutdown().await;
}

#[tokio::test]
async fn a_snooze_keeps_its_end_until_the_status_moves_on() {
    let hub = start().await;
    let (id, _) = inbound(&hub, "+15550301", "later please").await;
    let mut socket = connect(&hub).await;
    sync(&mut socket).await;
    let path = format!("/conversations/{id}");
    let patch = reqwest::Method::PATCH;
    let (status, body) = request(
        &hub,
        patch.clone(),
        &path,
        json!({"status": "snoozed", "snoozedUntil": "2026-12-24T09:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["snoozedUntil"], "2026-12-24T09:00:00Z");
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["snoozedUntil"], "2026-12-24T09:00:00Z");
    // Reopened: the end goes with the snooze.
    let (_, body) = request(&hub, patch.clone(), &path, json!({"status": "open"})).await;
    assert!(body.get("snoozedUntil").is_none(), "{body}");
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["snoozedUntil"], Value::Null);
    let (status, _) = request(
        &hub,
        patch,
        &path,
        json!({"status": "snoozed", "snoozedUntil": "soon"}),
    )
    .await;
    assert_eq!(status, 400);
    hub.shutdown().await;
}
