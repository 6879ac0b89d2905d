//! The whole stack without a terminal: the embedded hub on 127.0.0.1:0, the real Linktor
//! provider over HTTP + WebSocket, and the app's reducer, driven by keys as a user would.

use std::time::Duration;

use switchboard::app::{App, Event, Key, KeyCode};
use switchboard::config::Config;
use switchboard::model::{Content, DeliveryStatus, Direction};
use switchboard::runtime::{Session, StartOptions};

const WAIT: Duration = Duration::from_secs(10);

fn quiet_hub() -> Config {
    let mut config = Config::default();
    config.hub.demo = false;
    config
}

fn texts(app: &App) -> Vec<String> {
    app.inbox
        .iter()
        .flat_map(|(_, entry)| entry.thread.messages().iter())
        .filter_map(|m| match &m.content {
            Content::Text(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn synced(app: &App) -> bool {
    app.status.accounts.values().any(|s| s.last_sync.is_some())
}

async fn post_inbound(session: &Session, body: serde_json::Value) -> serde_json::Value {
    let hub = session.hub.as_ref().expect("embedded hub running");
    let response = reqwest::Client::new()
        .post(format!("{}/simulate/inbound", hub.base_url()))
        .header("X-API-Key", hub.api_key())
        .json(&body)
        .send()
        .await
        .expect("hub reachable");
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.expect("json reply")
}

#[tokio::test]
async fn a_customer_message_arrives_live_and_the_reply_is_stored_in_the_hub() {
    let mut session = Session::start(&quiet_hub(), &StartOptions::ephemeral())
        .await
        .expect("session starts");
    assert!(session.pump_until(WAIT, synced).await, "initial sync");
    assert!(session.app.inbox.is_empty(), "a quiet hub starts empty");

    let created = post_inbound(
        &session,
        serde_json::json!({"channelType":"telegram","from":"@ada","name":"Ada","text":"Where is my order 1042?"}),
    )
    .await;
    let conversation_id = created["conversationId"].as_str().expect("id").to_string();
    assert!(
        session
            .pump_until(WAIT, |app| texts(app)
                .iter()
                .any(|t| t == "Where is my order 1042?"))
            .await,
        "the pushed message reached the app"
    );
    let (_, entry) = session.app.inbox.iter().next().expect("one conversation");
    assert_eq!(entry.info.contact.name, "Ada");
    assert_eq!(&*entry.info.key.id, conversation_id);

    // Keyboard: Enter opens the selected conversation in the composer; type; Enter sends.
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));
    for c in "It ships today.".chars() {
        session.apply(Event::Key(Key::ch(c)));
    }
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));
    let reply_state = |app: &App| {
        app.inbox
            .iter()
            .flat_map(|(_, e)| e.thread.messages().iter())
            .find(|m| m.direction == Direction::Outbound)
            .map(|m| (m.id.clone(), m.client_id.clone(), m.status))
    };
    let (local_id, _, status) = reply_state(&session.app).expect("local echo at once");
    assert_eq!(
        status,
        DeliveryStatus::Pending,
        "shown as pending before the hub answers"
    );

    assert!(
        session
            .pump_until(WAIT, |app| reply_state(app)
                .is_some_and(|(_, _, s)| s >= DeliveryStatus::Delivered))
            .await,
        "the reply moved on to delivered"
    );
    let (server_id, client_id, _) = reply_state(&session.app).expect("reply");
    assert_ne!(
        server_id, local_id,
        "the echo was replaced by the server copy"
    );
    assert_eq!(client_id.as_deref(), Some(local_id.as_str()));
    let outbound = session
        .app
        .inbox
        .iter()
        .flat_map(|(_, e)| e.thread.messages().iter())
        .filter(|m| m.direction == Direction::Outbound)
        .count();
    assert_eq!(outbound, 1, "exactly one copy of the reply");

    // The hub has it stored.
    let hub = session.hub.as_ref().expect("hub");
    let stored: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/conversations/{conversation_id}/messages",
            hub.base_url()
        ))
        .header("X-API-Key", hub.api_key())
        .send()
        .await
        .expect("hub reachable")
        .json()
        .await
        .expect("json");
    let bodies: Vec<&str> = stored["data"]
        .as_array()
        .expect("data array")
        .iter()
        .filter_map(|m| m["content"]["text"].as_str())
        .collect();
    assert_eq!(bodies, ["Where is my order 1042?", "It ships today."]);
}
