//! The signed-webhook receiver of the Linktor provider, end to end: a fake Linktor (SDK dialect)
//! pushes over the WebSocket while signed webhooks arrive over HTTP; what reaches the app is one
//! message per id, statuses with their reasons, and nothing from a forged or stale request.

use crate::fakes;
use crate::support;

use std::time::Duration;

use fakes::linktor::FakeLinktor;
use serde_json::{Value, json};
use support::{drain, wait_for};
use switchboard::app::{App, AppSettings, Event};
use switchboard::model::{
    AccountId, ConversationKey, ConversationStatus, DeliveryStatus, Timestamp,
};
use switchboard::providers::linktor::webhook::{WebhookConfig, sign};
use switchboard::providers::linktor::wire::ServerFrame;
use switchboard::providers::linktor::{LinktorConfig, spawn};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent, ProviderHandle};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);
const SECRET: &str = "whsec-test";

struct Setup {
    fake: FakeLinktor,
    hook_url: String,
    _handle: ProviderHandle,
    events: mpsc::Receiver<AccountEvent>,
}

async fn setup() -> Setup {
    let fake = FakeLinktor::start().await;
    fake.seed(2);
    // A free port for the receiver (the provider binds it itself).
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let config = LinktorConfig {
        poll_interval: Duration::from_secs(60),
        max_retries: 0,
        webhook: Some(WebhookConfig {
            listen: ([127, 0, 0, 1], port).into(),
            secret: SECRET.into(),
            require_timestamp: false,
        }),
        ..LinktorConfig::new(fake.base_url.clone(), fakes::linktor::API_KEY)
    };
    let (tx, mut events) = mpsc::channel(1024);
    let handle = spawn(AccountId::new("lk"), config, tx);
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    Setup {
        fake,
        hook_url: format!("http://127.0.0.1:{port}/webhook"),
        _handle: handle,
        events,
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An event stamped now (the receiver refuses one stamped outside ±5 min), with an id of its
/// own (it accepts each id once).
fn event_body(kind: &str, data: Value) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stamp = switchboard::providers::linktor::wire::format_time(time::OffsetDateTime::now_utc());
    json!({"id": format!("evt-{kind}-{n}"), "type": kind, "timestamp": stamp,
        "tenantId": "t1", "data": data})
    .to_string()
}

/// Posts `body` signed with `secret` and stamped `timestamp`; returns the HTTP status.
async fn post(url: &str, body: &str, secret: &str, timestamp: i64) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Linktor-Signature", sign(secret, body.as_bytes()))
        .header("X-Linktor-Timestamp", timestamp.to_string())
        .header("X-Linktor-Event", "test")
        .body(body.to_string())
        .send()
        .await
        .expect("webhook post")
        .status()
        .as_u16()
}

const T0: Timestamp = time::macros::datetime!(2026-01-01 12:00 UTC);

#[tokio::test]
async fn a_webhook_racing_a_push_of_the_same_message_gives_one_message() {
    let mut setup = setup().await;
    let mut app = App::new("t", AppSettings::default(), T0);
    app.add_account(AccountId::new("lk"));

    // The same new message by both roads at once.
    let message = setup.fake.add_message("c1", "where is my order?");
    let body = event_body(
        "message.received",
        json!({"conversationId": "c1", "contactId": "k1", "channelId": "ch1", "channelType": "whatsapp",
            "message": message}),
    );
    let (status, ()) = tokio::join!(post(&setup.hook_url, &body, SECRET, now()), async {
        setup.fake.push_frame(&ServerFrame::Message {
            conversation_id: "c1".into(),
            message: message.clone(),
        });
    });
    assert_eq!(status, 200);

    // Both arrive at the provider and are handed to the app; the app holds one copy.
    let mut copies = 0;
    let mut seen = Vec::new();
    while copies < 2 {
        let (event, before) = wait_for(&mut setup.events, WAIT, "both copies", |e| {
            matches!(e, ProviderEvent::Messages { messages, live: true, .. } if messages.iter().any(|m| m.id == message.id))
        })
        .await;
        copies += 1;
        seen.extend(before);
        seen.push(event);
    }
    for event in seen {
        app.apply(
            T0,
            Event::provider(AccountEvent {
                account: AccountId::new("lk"),
                event,
            }),
        );
    }
    let key = ConversationKey::new(&AccountId::new("lk"), "c1");
    let thread: Vec<String> = app
        .inbox
        .get(&key)
        .expect("c1")
        .thread
        .messages()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(
        thread.iter().filter(|id| **id == message.id).count(),
        1,
        "{thread:?}"
    );
    assert_eq!(
        app.inbox.get(&key).expect("c1").info.unread,
        1,
        "counted once as unread"
    );
}

#[tokio::test]
async fn status_and_conversation_webhooks_become_events() {
    let mut setup = setup().await;
    let failed = event_body(
        "message.failed",
        json!({"messageId": "m9", "conversationId": "c2", "status": "failed", "direction": "outbound",
            "timestamp": "2026-01-01T00:00:00Z", "error": "recipient blocked"}),
    );
    assert_eq!(post(&setup.hook_url, &failed, SECRET, now()).await, 200);
    let (event, _) = wait_for(&mut setup.events, WAIT, "StatusUpdate", |e| {
        matches!(e, ProviderEvent::StatusUpdate { .. })
    })
    .await;
    assert_eq!(
        event,
        ProviderEvent::StatusUpdate {
            conversation: "c2".into(),
            message_id: "m9".into(),
            status: DeliveryStatus::Failed,
            reason: Some("recipient blocked".into()),
        }
    );
    let read = event_body(
        "message.read",
        json!({"messageId": "m8", "conversationId": "c2", "status": "read"}),
    );
    assert_eq!(post(&setup.hook_url, &read, SECRET, now()).await, 200);
    wait_for(&mut setup.events, WAIT, "read", |e| {
        matches!(
            e,
            ProviderEvent::StatusUpdate {
                status: DeliveryStatus::Read,
                ..
            }
        )
    })
    .await;

    let resolved = event_body("conversation.resolved", json!({"id": "c1"}));
    assert_eq!(post(&setup.hook_url, &resolved, SECRET, now()).await, 200);
    let (event, _) = wait_for(&mut setup.events, WAIT, "ConversationStatus", |e| {
        matches!(e, ProviderEvent::ConversationStatus { .. })
    })
    .await;
    assert_eq!(
        event,
        ProviderEvent::ConversationStatus {
            conversation: "c1".into(),
            status: ConversationStatus::Resolved
        }
    );
}

#[tokio::test]
async fn forged_and_stale_webhooks_are_refused_and_change_nothing() {
    let mut setup = setup().await;
    let body = event_body(
        "message.read",
        json!({"messageId": "m1", "conversationId": "c1", "status": "read"}),
    );
    assert_eq!(
        post(&setup.hook_url, &body, "not-the-secret", now()).await,
        401
    );
    assert_eq!(post(&setup.hook_url, &body, SECRET, now() - 301).await, 400);
    assert_eq!(post(&setup.hook_url, &body, SECRET, now() + 400).await, 400);
    let unsigned = reqwest::Client::new()
        .post(&setup.hook_url)
        .body(body.clone())
        .send()
        .await
        .expect("post")
        .status()
        .as_u16();
    assert_eq!(unsigned, 401);
    let seen = drain(&mut setup.events, Duration::from_millis(300)).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::StatusUpdate { .. })),
        "{seen:#?}"
    );
    // A good one still goes through afterwards.
    assert_eq!(post(&setup.hook_url, &body, SECRET, now()).await, 200);
    wait_for(&mut setup.events, WAIT, "status", |e| {
        matches!(e, ProviderEvent::StatusUpdate { .. })
    })
    .await;
    assert_eq!(setup.fake.ws_connections(), 1);
}
