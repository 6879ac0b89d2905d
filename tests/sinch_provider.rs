//! The Sinch provider end to end against a fake Sinch Conversation API on 127.0.0.1
//! (`sinch_fake`): tokens, paging, incremental polling, errors, sending, typing, webhooks.

use crate::fakes;
use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use fakes::sinch::{APP, FakeSinch, KEY_ID, KEY_SECRET, PROJECT, callback, post_callback};
use serde_json::{Value, json};
use support::{drain, wait_for};
use switchboard::app::{App, AppSettings, Event};
use switchboard::model::{
    AccountId, ConversationKey, ConversationStatus, DeliveryStatus, Direction,
};
use switchboard::providers::sinch::{SinchConfig, WebhookConfig, spawn, spawn_with_listener};
use switchboard::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};
use time::OffsetDateTime;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);
const HOUR: Duration = Duration::from_secs(3600);
const SECRET: &str = "hook-secret";

fn config(fake: &FakeSinch) -> SinchConfig {
    let mut config = SinchConfig::new(PROJECT, APP, KEY_ID, KEY_SECRET, "us");
    config.api_origin = fake.origin.clone();
    config.auth_origin = fake.origin.clone();
    config.page_size = 2;
    config.poll_interval = Duration::from_millis(200);
    config.request_timeout = Duration::from_secs(3);
    config.max_retries = 0;
    config.channel_properties = BTreeMap::from([("SMS_SENDER".into(), "+15550001".into())]);
    config
}

fn start(config: SinchConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    (spawn(AccountId::new("sinch"), config, tx), rx)
}

/// Starts with the webhook on a port-0 listener; returns its URL too.
fn start_hooked(mut config: SinchConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind webhook");
    let url = format!("http://{}/sinch", listener.local_addr().expect("addr"));
    config.webhook = Some(WebhookConfig {
        listen: listener.local_addr().expect("addr"),
        secret: SECRET.into(),
        max_skew: Duration::from_secs(300),
    });
    let (tx, rx) = mpsc::channel(1024);
    let handle = spawn_with_listener(AccountId::new("sinch"), config, tx, listener);
    (handle, rx, url)
}

/// Three contacts on three channels, one conversation each; conv1 holds five messages.
fn seed(fake: &FakeSinch) {
    fake.add_contact("C1", "Ada", "SMS", "+4611111");
    fake.add_contact("C2", "Bo", "WHATSAPP", "+4622222");
    fake.add_contact("C3", "", "VIBERBM", "viber-33");
    fake.add_conversation("conv1", "C1", "SMS");
    fake.add_conversation("conv2", "C2", "WHATSAPP");
    fake.add_conversation("conv3", "C3", "VIBERBM");
    for (i, text) in ["one", "two", "three", "four", "five"].iter().enumerate() {
        fake.add_inbound("conv1", text, HOUR - Duration::from_secs(i as u64 * 60));
    }
    fake.add_inbound("conv2", "hej", HOUR);
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) -> Vec<ProviderEvent> {
    wait_for(events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await
    .1
}

fn messages_of(events: &[ProviderEvent], conversation: &str) -> Vec<switchboard::model::Message> {
    events
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::Messages {
                conversation: c,
                messages,
                ..
            } if c == conversation => Some(messages.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn has_message(event: &ProviderEvent, id: &str) -> bool {
    matches!(event, ProviderEvent::Messages { messages, .. } if messages.iter().any(|m| m.id == id))
}

#[tokio::test]
async fn initial_sync_pages_conversations_contacts_and_thread_tails() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events) = start(config(&fake));
    let seen = live(&mut events).await;

    let conversations: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::Conversations(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(conversations.len(), 3, "two pages of conversations listed");
    let by_id = |id: &str| conversations.iter().find(|c| &*c.key.id == id).expect(id);
    assert_eq!(by_id("conv1").contact.name, "Ada");
    assert_eq!(by_id("conv2").channel.label(), "WhatsApp");
    assert_eq!(by_id("conv2").contact.identity, "+4622222");
    // No display name: the channel identity names the contact.
    assert_eq!(by_id("conv3").contact.name, "viber-33");
    assert_eq!(by_id("conv3").channel.label(), "Viber");
    let details = &by_id("conv1").metadata;
    assert_eq!(details.get("App").map(String::as_str), Some(APP));
    assert_eq!(details.get("meta.tier").map(String::as_str), Some("gold"));
    assert_eq!(details.get("Metadata").map(String::as_str), Some("vip"));

    // The tail of conv1 is its newest page (page_size 2); conv2 fits in one page.
    let conv1: Vec<String> = messages_of(&seen, "conv1")
        .iter()
        .map(|m| m.content.preview())
        .collect();
    assert_eq!(conv1.len(), 2, "{conv1:?}");
    assert!(conv1.contains(&"five".to_string()) && conv1.contains(&"four".to_string()));
    assert!(seen.contains(&ProviderEvent::HistoryComplete {
        conversation: "conv2".into()
    }));
    assert!(!seen.contains(&ProviderEvent::HistoryComplete {
        conversation: "conv1".into()
    }));
    assert_eq!(fake.token_requests(), 1, "one token for the whole sync");
    let log = fake.log();
    assert!(
        log.iter()
            .any(|(_, p, _)| p.contains("/conversations?") && p.contains("page_token=p2")),
        "second page asked with the token: {log:?}"
    );
}

#[tokio::test]
async fn polling_asks_only_for_what_is_new_across_the_app() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    let before = fake.log().len();
    let new_id = fake.add_inbound("conv3", "fresh", Duration::ZERO);
    let (event, _) = wait_for(&mut events, WAIT, "the new message", |e| {
        has_message(e, &new_id)
    })
    .await;
    let ProviderEvent::Messages {
        conversation,
        messages,
        live,
    } = event
    else {
        unreachable!()
    };
    assert_eq!(conversation, "conv3");
    assert!(!live, "polled, not pushed");
    assert_eq!(
        messages.len(),
        1,
        "history is not downloaded again: {messages:?}"
    );
    assert_eq!(messages[0].sender, "viber-33");
    let polls: Vec<String> = fake.log()[before..]
        .iter()
        .filter(|(_, p, _)| p.starts_with(&format!("/v1/projects/{PROJECT}/messages?")))
        .map(|(_, p, _)| p.clone())
        .collect();
    assert!(!polls.is_empty());
    for poll in &polls {
        assert!(poll.contains("start_time="), "{poll}");
        assert!(
            !poll.contains("conversation_id="),
            "one app-wide query: {poll}"
        );
    }
}

#[tokio::test]
async fn older_history_loads_a_page_at_a_time() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    let fetch = ProviderCommand::FetchOlder {
        conversation: "conv1".into(),
        before: None,
    };
    handle.commands.send(fetch.clone()).await.expect("send");
    let (event, _) = wait_for(&mut events, WAIT, "older page", |e| {
        matches!(e, ProviderEvent::Messages { conversation, live: false, messages } if conversation == "conv1" && messages.iter().any(|m| m.content.preview() == "three"))
    })
    .await;
    assert_eq!(messages_of(&[event], "conv1").len(), 2);
    handle.commands.send(fetch.clone()).await.expect("send");
    let (_, seen) = wait_for(&mut events, WAIT, "history complete", |e| {
        *e == ProviderEvent::HistoryComplete {
            conversation: "conv1".into(),
        }
    })
    .await;
    let last: Vec<String> = messages_of(&seen, "conv1")
        .iter()
        .map(|m| m.content.preview())
        .collect();
    assert!(last.contains(&"one".to_string()), "{last:?}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_call_retried() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    fake.expire_tokens();
    let id = fake.add_inbound("conv2", "after expiry", Duration::ZERO);
    let (_, seen) = wait_for(&mut events, WAIT, "message after refresh", |e| {
        has_message(e, &id)
    })
    .await;
    assert!(fake.expired_401s() >= 1, "the old token was refused");
    assert_eq!(fake.token_requests(), 2, "exactly one refresh");
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_)))),
        "an expiry is not an auth failure: {seen:?}"
    );
}

#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    fake.set_token_lifetime(1);
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while fake.token_requests() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "token never renewed"
        );
        drain(&mut events, Duration::from_millis(100)).await;
    }
    assert_eq!(
        fake.expired_401s(),
        0,
        "renewed before the API had to refuse it"
    );
}

#[tokio::test]
async fn rate_limiting_waits_for_retry_after() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    fake.rate_limit_next(1, 1);
    let mut config = config(&fake);
    config.max_retries = 2;
    let (_handle, mut events) = start(config);
    let seen = live(&mut events).await;
    assert!(
        !seen.iter().any(|e| matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )),
        "a retried 429 does not break the sync"
    );
    let log = fake.log();
    // The first API call got the 429; the retry of the same call came after Retry-After.
    let (_, first_path, first_at) = &log[0];
    let (_, second_path, second_at) = &log[1];
    assert_eq!(first_path, second_path);
    assert!(
        second_at.duration_since(*first_at) >= Duration::from_millis(950),
        "retried after {:?}",
        second_at.duration_since(*first_at)
    );
}

#[tokio::test]
async fn server_errors_back_off_then_recover() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    fake.fail_next(2);
    let (_handle, mut events) = start(config(&fake));
    let seen = live(&mut events).await;
    let reasons: Vec<&String> = seen
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) => Some(reason),
            _ => None,
        })
        .collect();
    assert!(!reasons.is_empty(), "{seen:?}");
    assert!(
        reasons[0].contains("503") && reasons[0].contains("try later"),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn replies_go_to_the_contact_on_its_channel_and_their_echo_keeps_the_client_id() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "conv2".into(),
            client_id: "run1-1".into(),
            text: "On it!".into(),
        })
        .await
        .expect("send");
    let (event, _) = wait_for(&mut events, WAIT, "sent echo", |e| {
        matches!(e, ProviderEvent::Messages { live: true, .. })
    })
    .await;
    let sent = messages_of(&[event], "conv2");
    assert_eq!(sent[0].id, "OUT1");
    assert_eq!(sent[0].client_id.as_deref(), Some("run1-1"));
    assert_eq!(sent[0].status, DeliveryStatus::Sent);
    let (path, body) = fake
        .posts()
        .into_iter()
        .find(|(p, _)| p == "/messages:send")
        .expect("posted");
    assert_eq!(path, "/messages:send");
    assert_eq!(body["app_id"], APP);
    assert_eq!(body["recipient"]["contact_id"], "C2");
    assert_eq!(body["message"]["text_message"]["text"], "On it!");
    assert_eq!(body["channel_priority_order"], json!(["WHATSAPP"]));
    assert_eq!(body["channel_properties"]["SMS_SENDER"], "+15550001");
    assert_eq!(body["correlation_id"], "run1-1");
    // The next poll lists the reply by its id; Sinch does not document listing a send's
    // metadata, so the id alone joins it to the echo.
    let (event, _) = wait_for(&mut events, WAIT, "polled echo", |e| {
        matches!(e, ProviderEvent::Messages { live: false, messages, .. } if messages.iter().any(|m| m.id == "OUT1"))
    })
    .await;
    let polled = messages_of(&[event], "conv2");
    let echo = polled.iter().find(|m| m.id == "OUT1").expect("echo");
    assert_eq!(echo.client_id, None);
    assert_eq!(echo.direction, Direction::Outbound);
}

#[tokio::test]
async fn typing_sends_composing_events_unless_switched_off() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    for typing in [true, false] {
        handle
            .commands
            .send(ProviderCommand::Typing {
                conversation: "conv1".into(),
                typing,
            })
            .await
            .expect("send");
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let events_sent = loop {
        let sent: Vec<Value> = fake
            .posts()
            .into_iter()
            .filter(|(p, _)| p == "/events:send")
            .map(|(_, b)| b)
            .collect();
        if sent.len() == 2 || tokio::time::Instant::now() > deadline {
            break sent;
        }
        drain(&mut events, Duration::from_millis(50)).await;
    };
    assert_eq!(events_sent.len(), 2);
    let kinds: Vec<bool> = events_sent
        .iter()
        .map(|b| b["event"].get("composing_event").is_some())
        .collect();
    assert!(
        kinds.contains(&true) && kinds.contains(&false),
        "{events_sent:?}"
    );
    assert!(
        events_sent
            .iter()
            .all(|b| b["recipient"]["contact_id"] == "C1")
    );

    let quiet = FakeSinch::start().await;
    seed(&quiet);
    let mut off = config(&quiet);
    off.send_typing = false;
    let (handle, mut events) = start(off);
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::Typing {
            conversation: "conv1".into(),
            typing: true,
        })
        .await
        .expect("send");
    // A send after it proves the typing command was processed (commands run in order).
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "conv1".into(),
            client_id: "x-1".into(),
            text: "hi".into(),
        })
        .await
        .expect("send");
    wait_for(&mut events, WAIT, "sent", |e| {
        matches!(e, ProviderEvent::Messages { live: true, .. })
    })
    .await;
    assert!(!quiet.posts().iter().any(|(p, _)| p == "/events:send"));
}

#[tokio::test]
async fn webhook_pushes_become_events() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events, url) = start_hooked(config(&fake));
    live(&mut events).await;
    let now = fakes::sinch::rfc3339(OffsetDateTime::now_utc());
    let inbound = |id: &str, body: Value| {
        let mut message = json!({"id": id, "direction": "TO_APP", "conversation_id": "conv1", "contact_id": "C1",
            "channel_identity": {"channel": "SMS", "identity": "+4611111", "app_id": ""},
            "metadata": "", "accept_time": now, "sender_id": "", "processing_mode": "CONVERSATION", "app_message": null});
        message["contact_message"] = body;
        callback("message", message)
    };
    let pushes = [
        inbound("W1", json!({"text_message": {"text": "pushed"}})),
        inbound(
            "W2",
            json!({"media_message": {"url": "https://cdn.example/x/receipt.pdf", "filename_override": "receipt.pdf"}}),
        ),
        inbound(
            "W3",
            json!({"location_message": {"coordinates": {"latitude": 59.33, "longitude": 18.06}, "title": "Office"}}),
        ),
        inbound(
            "W4",
            json!({"choice_response_message": {"message_id": "OUT1", "postback_data": "yes-please"}}),
        ),
        callback(
            "event",
            json!({"id": "E1", "direction": "TO_APP", "conversation_id": "conv1", "contact_id": "C1",
            "contact_event": {"composing_event": {}}}),
        ),
        callback(
            "event",
            json!({"id": "E2", "direction": "TO_APP", "conversation_id": "conv1", "contact_id": "C1",
            "contact_event": {"composing_end_event": {}}}),
        ),
        callback(
            "message_delivery_report",
            json!({"message_id": "OUT9", "conversation_id": "conv1", "status": "DELIVERED", "contact_id": "C1", "metadata": "", "processing_mode": "CONVERSATION"}),
        ),
        callback(
            "message_delivery_report",
            json!({"message_id": "OUT8", "conversation_id": "conv1", "status": "FAILED", "contact_id": "C1",
            "reason": {"code": "RECIPIENT_NOT_OPTED_IN", "description": "The recipient has not opted in", "sub_code": "UNSPECIFIED_SUB_CODE"}}),
        ),
        callback(
            "conversation_stop_notification",
            json!({"conversation": {"id": "conv2", "app_id": APP, "contact_id": "C2", "active": false, "active_channel": "WHATSAPP"}}),
        ),
    ];
    for (i, body) in pushes.iter().enumerate() {
        assert_eq!(
            post_callback(&url, SECRET, body, &format!("nonce-{i}")).await,
            200
        );
    }
    let (_, seen) = wait_for(&mut events, WAIT, "conversation stop", |e| {
        matches!(
            e,
            ProviderEvent::ConversationStatus {
                status: ConversationStatus::Closed,
                ..
            }
        )
    })
    .await;
    let pushed = messages_of(&seen, "conv1");
    let preview = |id: &str| {
        pushed
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.content.preview())
            .unwrap_or_default()
    };
    assert_eq!(preview("W1"), "pushed");
    assert_eq!(preview("W2"), "[document] receipt.pdf");
    assert_eq!(preview("W3"), "[location] Office");
    assert_eq!(preview("W4"), "[choice reply] yes-please");
    assert!(seen.contains(&ProviderEvent::Typing {
        conversation: "conv1".into(),
        who: "Ada".into(),
        typing: true
    }));
    assert!(seen.contains(&ProviderEvent::Typing {
        conversation: "conv1".into(),
        who: "Ada".into(),
        typing: false
    }));
    assert!(seen.contains(&ProviderEvent::StatusUpdate {
        conversation: "conv1".into(),
        message_id: "OUT9".into(),
        status: DeliveryStatus::Delivered,
        reason: None
    }));
    assert!(seen.contains(&ProviderEvent::StatusUpdate {
        conversation: "conv1".into(),
        message_id: "OUT8".into(),
        status: DeliveryStatus::Failed,
        reason: Some("RECIPIENT_NOT_OPTED_IN: The recipient has not opted in".into())
    }));
}

#[tokio::test]
async fn a_webhook_push_racing_a_poll_of_the_same_message_shows_once() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events, url) = start_hooked(config(&fake));
    let mut app = App::new("test", AppSettings::default(), OffsetDateTime::now_utc());
    let apply = |app: &mut App, event: ProviderEvent| {
        app.apply(
            OffsetDateTime::now_utc(),
            Event::provider(AccountEvent {
                account: AccountId::new("sinch"),
                event,
            }),
        );
    };
    for event in live(&mut events).await {
        apply(&mut app, event);
    }
    // The platform stores the message (the next poll lists it) and pushes it at once.
    let id = fake.add_inbound("conv2", "raced", Duration::ZERO);
    let body = callback("message", fake.message_json(&id));
    assert_eq!(post_callback(&url, SECRET, &body, "race-1").await, 200);
    let (mut pushed, mut polled) = (false, false);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !(pushed && polled) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("push and poll both arrive")
            .expect("open");
        if let ProviderEvent::Messages { live, messages, .. } = &event.event
            && messages.iter().any(|m| m.id == id)
        {
            if *live { pushed = true } else { polled = true }
        }
        apply(&mut app, event.event);
    }
    let key = ConversationKey::new(&AccountId::new("sinch"), "conv2");
    let thread = &app.inbox.get(&key).expect("conv2").thread;
    assert_eq!(thread.messages().iter().filter(|m| m.id == id).count(), 1);
    assert_eq!(thread.len(), 2, "hej + raced, nothing doubled");
}

#[tokio::test]
async fn bad_webhook_signatures_stale_timestamps_and_replays_are_refused() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events, url) = start_hooked(config(&fake));
    live(&mut events).await;
    let body = callback(
        "event",
        json!({"conversation_id": "conv1", "contact_id": "C1", "contact_event": {"composing_event": {}}}),
    );
    let text = body.to_string();
    let now = OffsetDateTime::now_utc().unix_timestamp().to_string();

    let forged = fakes::sinch::post_signed(&url, "wrong-secret", &text, "n1", &now).await;
    assert_eq!(forged, 401);
    let (event, _) = wait_for(&mut events, WAIT, "signature notice", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(message) = event else {
        unreachable!()
    };
    assert!(message.contains("signature"), "{message}");
    assert!(!message.contains(SECRET));

    let stale = (OffsetDateTime::now_utc().unix_timestamp() - 3600).to_string();
    assert_eq!(
        fakes::sinch::post_signed(&url, SECRET, &text, "n2", &stale).await,
        401
    );
    assert_eq!(
        fakes::sinch::post_signed(&url, SECRET, &text, "n3", &now).await,
        200
    );
    assert_eq!(
        fakes::sinch::post_signed(&url, SECRET, &text, "n3", &now).await,
        401,
        "replay"
    );
    assert_eq!(
        fakes::sinch::post_raw(&url, &text, "", "n4", &now).await,
        401
    );

    // Exactly the one genuine push got through, and the provider is still polling.
    let id = fake.add_inbound("conv3", "still here", Duration::ZERO);
    let (_, seen) = wait_for(&mut events, WAIT, "a poll after the attacks", |e| {
        has_message(e, &id)
    })
    .await;
    let typing = seen
        .iter()
        .filter(|e| matches!(e, ProviderEvent::Typing { .. }))
        .count();
    assert_eq!(typing, 1, "{seen:?}");
}

/// Asks for a capability lookup and returns the query the fake received.
async fn ask_capability(
    handle: &ProviderHandle,
    events: &mut mpsc::Receiver<AccountEvent>,
    fake: &FakeSinch,
    conversation: &str,
) -> serde_json::Value {
    handle
        .commands
        .send(ProviderCommand::QueryCapability {
            conversation: conversation.into(),
        })
        .await
        .expect("send");
    wait_for(
        events,
        WAIT,
        "lookup sent",
        |e| matches!(e, ProviderEvent::Capability { summary, .. } if summary.contains("webhook")),
    )
    .await;
    fake.posts()
        .into_iter()
        .find(|(p, _)| p == "/capability:query")
        .map(|(_, query)| query)
        .expect("queried")
}

#[tokio::test]
async fn delete_and_capability_lookup() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (handle, mut events, url) = start_hooked(config(&fake));
    let seen = live(&mut events).await;
    let victim = messages_of(&seen, "conv2")[0].id.clone();
    handle
        .commands
        .send(ProviderCommand::DeleteMessage {
            conversation: "conv2".into(),
            message_id: victim.clone(),
        })
        .await
        .expect("send");
    wait_for(&mut events, WAIT, "deleted", |e| {
        *e == ProviderEvent::MessageDeleted {
            conversation: "conv2".into(),
            message_id: victim.clone(),
        }
    })
    .await;
    assert!(
        fake.log()
            .iter()
            .any(|(m, p, _)| m == "DELETE" && p.ends_with(&format!("/messages/{victim}")))
    );

    let query = ask_capability(&handle, &mut events, &fake, "conv2").await;
    assert_eq!(query["request_id"], "conv2");
    let identity = &query["recipient"]["identified_by"]["channel_identities"][0];
    assert_eq!(identity["identity"], "+4622222");
    assert!(
        identity.get("app_id").is_none(),
        "no empty app_id on a channel that is not app-scoped: {identity}"
    );
    let answer = callback(
        "capability_notification",
        json!({"contact_id": "C2", "identity": "+4622222", "channel": "WHATSAPP",
        "capability_status": "CAPABILITY_FULL", "request_id": "conv2", "channel_capabilities": []}),
    );
    assert_eq!(post_callback(&url, SECRET, &answer, "cap-1").await, 200);
    let (event, _) = wait_for(
        &mut events,
        WAIT,
        "capability",
        |e| matches!(e, ProviderEvent::Capability { summary, .. } if summary.contains("FULL")),
    )
    .await;
    assert_eq!(
        event,
        ProviderEvent::Capability {
            conversation: "conv2".into(),
            summary: "CAPABILITY_FULL on WHATSAPP (+4622222)".into()
        }
    );
    // Relistings keep the answer in the details pane.
    wait_for(&mut events, WAIT, "relisting with the capability", |e| {
        matches!(e, ProviderEvent::Conversations(list) if list.iter().any(|c| &*c.key.id == "conv2"
            && c.metadata.get("Capability").is_some_and(|v| v.contains("CAPABILITY_FULL"))))
    })
    .await;
}

// ----- failures: each leaves the provider running with a clear message ---------------------------

#[tokio::test]
async fn a_bad_key_fails_once_without_a_loop_and_refresh_tries_again() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let mut config = config(&fake);
    config.key_secret = "wrong".into();
    let (handle, mut events) = start(config);
    let (event, _) = wait_for(&mut events, WAIT, "AuthFailed", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_)))
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::AuthFailed(reason)) = event else {
        unreachable!()
    };
    assert!(
        reason.contains("Invalid client credentials") && reason.contains(KEY_ID),
        "{reason}"
    );
    assert!(
        !reason.contains("wrong"),
        "the secret is never shown: {reason}"
    );
    // Several poll intervals later: no retry loop.
    let later = drain(&mut events, Duration::from_millis(800)).await;
    assert!(later.is_empty(), "{later:?}");
    assert_eq!(fake.token_requests(), 1);
    // Still serving commands: a send fails with the reason instead of vanishing.
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "conv1".into(),
            client_id: "c-1".into(),
            text: "x".into(),
        })
        .await
        .expect("send");
    let (event, _) = wait_for(&mut events, WAIT, "send failed", |e| {
        matches!(e, ProviderEvent::SendFailed { .. })
    })
    .await;
    assert!(matches!(event, ProviderEvent::SendFailed { client_id, .. } if client_id == "c-1"));
    handle
        .commands
        .send(ProviderCommand::Refresh)
        .await
        .expect("send");
    wait_for(&mut events, WAIT, "retry on refresh", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Connecting))
    })
    .await;
    wait_for(&mut events, WAIT, "AuthFailed again", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_)))
    })
    .await;
    assert!(fake.token_requests() >= 2);
}

#[tokio::test]
async fn an_unknown_app_says_so_and_keeps_trying() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let mut config = config(&fake);
    config.app_id = "NO-SUCH-APP".into();
    let (_handle, mut events) = start(config);
    let (event, seen) = wait_for(&mut events, WAIT, "backing off", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = event else {
        unreachable!()
    };
    assert!(
        reason.contains("404") && reason.contains("App not found"),
        "{reason}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, ProviderEvent::Error(m) if m.contains("App not found"))),
        "{seen:?}"
    );
}

#[tokio::test]
async fn an_unreachable_origin_backs_off_with_the_address() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut config = SinchConfig::new(PROJECT, APP, KEY_ID, KEY_SECRET, "us");
    config.api_origin = format!("http://127.0.0.1:{port}");
    config.auth_origin = format!("http://127.0.0.1:{port}");
    config.max_retries = 0;
    let (handle, mut events) = start(config);
    let (event, _) = wait_for(&mut events, WAIT, "backing off", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = event else {
        unreachable!()
    };
    assert!(
        reason.contains("unreachable") && reason.contains(&port.to_string()),
        "{reason}"
    );
    assert!(!handle.task.is_finished(), "the provider keeps running");
}

#[tokio::test]
async fn a_webhook_address_in_use_is_reported_and_polling_continues() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut config = config(&fake);
    config.webhook = Some(WebhookConfig {
        listen: taken.local_addr().expect("addr"),
        secret: SECRET.into(),
        max_skew: Duration::from_secs(300),
    });
    let (_handle, mut events) = start(config);
    let seen = live(&mut events).await;
    assert!(
        seen.iter()
            .any(|e| matches!(e, ProviderEvent::Error(m) if m.contains("webhook cannot listen"))),
        "{seen:?}"
    );
}

// ----- the whole session: several Sinch apps and the embedded hub in one inbox -------------------

#[tokio::test]
async fn several_sinch_accounts_and_the_hub_open_together_and_a_bad_one_does_not_stop_the_rest() {
    use switchboard::config::Config;
    use switchboard::runtime::{Session, StartOptions};

    let fake = FakeSinch::start().await;
    seed(&fake);
    let account = |name: &str, secret: &str| {
        format!(
            "[[account]]\nprovider = \"sinch\"\nname = \"{name}\"\nproject_id = \"{PROJECT}\"\napp_id = \"{APP}\"\n\
             key_id = \"{KEY_ID}\"\nkey_secret = \"{secret}\"\napi_origin = \"{origin}\"\nauth_origin = \"{origin}\"\n\
             poll_interval_secs = 1\n",
            origin = fake.origin
        )
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let unreachable = account("sinch-down", KEY_SECRET)
        .replace(&fake.origin, &format!("http://127.0.0.1:{port}"));
    let text = format!(
        "[hub]\nenabled = true\ndemo = false\n{}{}{}{unreachable}",
        account("sinch-a", KEY_SECRET),
        account("sinch-b", KEY_SECRET),
        account("sinch-bad", "nope")
    );
    let config =
        Config::parse(&text, std::path::Path::new("/tmp/test.toml")).expect("valid config");
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session starts");
    let ready = session
        .pump_until(WAIT, |app| {
            let state = |name: &str| {
                app.status
                    .accounts
                    .get(&AccountId::new(name))
                    .map(|s| s.connection.clone())
            };
            state("sinch-a") == Some(ConnectionState::Live)
                && state("sinch-b") == Some(ConnectionState::Live)
                && state("local") == Some(ConnectionState::Live)
                && matches!(state("sinch-bad"), Some(ConnectionState::AuthFailed(_)))
                && matches!(
                    state("sinch-down"),
                    Some(ConnectionState::BackingOff { .. })
                )
                // Live comes before the listing has landed on a busy machine: wait for it.
                && app
                    .inbox
                    .iter()
                    .filter(|(key, _)| key.account.0.starts_with("sinch-"))
                    .count()
                    >= 6
        })
        .await;
    assert!(
        ready,
        "accounts: {:?}, conversations: {}",
        session.app.status.accounts,
        session.app.inbox.iter().count()
    );
    let sinch_conversations = session
        .app
        .inbox
        .iter()
        .filter(|(key, _)| key.account.0.starts_with("sinch-"))
        .count();
    assert_eq!(
        sinch_conversations, 6,
        "three conversations in each good account"
    );
    let bad = &session.app.status.accounts[&AccountId::new("sinch-bad")];
    assert!(
        bad.last_error
            .as_deref()
            .is_some_and(|e| e.contains("refused")),
        "{bad:?}"
    );
    let down = &session.app.status.accounts[&AccountId::new("sinch-down")];
    assert!(
        down.last_error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable")),
        "{down:?}"
    );
}

#[tokio::test]
async fn polled_inbound_messages_count_as_unread_until_marked_read() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    let unread_of = |event: &ProviderEvent| match event {
        ProviderEvent::Conversations(list) => list
            .iter()
            .find(|c| &*c.key.id == "conv3")
            .map(|c| c.unread),
        _ => None,
    };
    fake.add_inbound("conv3", "a", Duration::ZERO);
    fake.add_inbound("conv3", "b", Duration::ZERO);
    wait_for(&mut events, WAIT, "conv3 with 2 unread", |e| {
        unread_of(e) == Some(2)
    })
    .await;
    // Later relistings keep the count (Sinch itself has none), and the overlap of the next
    // polls does not count the same messages again.
    let (_, seen) = wait_for(&mut events, WAIT, "two more syncs", {
        let mut syncs = 0;
        move |e| {
            syncs += usize::from(*e == ProviderEvent::Synced);
            syncs == 2
        }
    })
    .await;
    assert!(
        seen.iter().filter_map(unread_of).all(|n| n == 2),
        "{seen:?}"
    );
    handle
        .commands
        .send(ProviderCommand::MarkRead {
            conversation: "conv3".into(),
        })
        .await
        .expect("send");
    fake.add_inbound("conv3", "c", Duration::ZERO);
    wait_for(&mut events, WAIT, "conv3 with 1 unread", |e| {
        unread_of(e) == Some(1)
    })
    .await;
}

#[tokio::test]
async fn an_app_without_messages_picks_up_the_first_one() {
    let fake = FakeSinch::start().await;
    fake.add_contact("C1", "Ada", "TELEGRAM", "@ada");
    fake.add_conversation("conv1", "C1", "TELEGRAM");
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    // Accepted (by Sinch's clock) before we started: a poll from our own clock would miss it.
    let id = fake.add_inbound("conv1", "first", Duration::from_secs(600));
    let (event, _) = wait_for(&mut events, WAIT, "the first message", |e| {
        has_message(e, &id)
    })
    .await;
    assert_eq!(messages_of(&[event], "conv1")[0].sender, "Ada");
}

#[tokio::test]
async fn a_capability_query_on_an_app_scoped_channel_names_the_app() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    fake.add_contact("C4", "Di", "MESSENGER", "psid-44");
    fake.add_conversation("conv4", "C4", "MESSENGER");
    let (handle, mut events, _url) = start_hooked(config(&fake));
    live(&mut events).await;
    let query = ask_capability(&handle, &mut events, &fake, "conv4").await;
    let identity = &query["recipient"]["identified_by"]["channel_identities"][0];
    assert_eq!(identity["channel"], "MESSENGER");
    assert_eq!(identity["identity"], "psid-44");
    assert_eq!(
        identity["app_id"], APP,
        "Messenger identities are app-scoped"
    );
}

#[tokio::test]
async fn list_pages_ask_for_no_more_than_sinch_documents() {
    let fake = FakeSinch::start().await;
    seed(&fake);
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    let sizes: Vec<(String, u32)> = fake
        .log()
        .iter()
        .filter_map(|(_, path, _)| {
            let (endpoint, query) = path.split_once('?')?;
            let size = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("page_size="))?;
            Some((endpoint.rsplit('/').next()?.to_string(), size.parse().ok()?))
        })
        .collect();
    for endpoint in ["contacts", "conversations", "messages"] {
        assert!(
            sizes.iter().any(|(e, _)| e == endpoint),
            "{endpoint} was listed: {sizes:?}"
        );
    }
    for (endpoint, size) in &sizes {
        let max = if endpoint == "messages" { 1000 } else { 20 };
        assert!(*size <= max, "{endpoint} asked for {size} (max {max})");
    }
}

/// Who has a conversation, its labels and priority live in the conversation's `metadata_json`
/// under one key, merged (what else is kept there stays), so another inbox on the same app
/// reads them at its next poll, with the assignee's name.
#[tokio::test]
async fn workflow_is_shared_through_the_conversation_metadata() {
    use switchboard::model::{Agent, Priority};
    let fake = FakeSinch::start().await;
    seed(&fake);
    let agent = |id: &str, name: &str| {
        Some(Agent {
            id: id.into(),
            name: name.into(),
        })
    };
    let mut first = config(&fake);
    first.me = agent("ana", "Ana");
    let mut second = config(&fake);
    second.me = agent("bo", "Bo");
    let (ana, mut ana_events) = start(first);
    let (_bo, mut bo_events) = start(second);
    live(&mut ana_events).await;
    live(&mut bo_events).await;

    for command in [
        ProviderCommand::Assign {
            conversation: "conv1".into(),
            agent: Some("ana".into()),
        },
        ProviderCommand::SetLabels {
            conversation: "conv1".into(),
            labels: vec!["refund".into()],
        },
        ProviderCommand::SetPriority {
            conversation: "conv1".into(),
            priority: Priority::High,
        },
    ] {
        ana.commands.send(command).await.expect("command");
    }
    let mut last = None;
    while last
        .as_ref()
        .is_none_or(|work: &switchboard::model::Workflow| work.priority != Priority::High)
    {
        let (event, _) = wait_for(&mut ana_events, WAIT, "workflow", |e| {
            matches!(e, ProviderEvent::Workflow { .. })
        })
        .await;
        if let ProviderEvent::Workflow { work, .. } = event {
            last = Some(work);
        }
    }
    let work = last.expect("answered");
    assert_eq!(work.assignee.as_deref(), Some("ana"));
    assert_eq!(work.labels, ["refund"]);

    // On the wire: a merge of our key alone, by update mask.
    let patches = fake.with_state(|s| s.conversation_patches.clone());
    assert_eq!(patches.len(), 3);
    assert_eq!(
        patches[2].1,
        json!({"metadata_json": {"switchboard": {
            "assignee": "ana", "assigneeName": "Ana", "labels": ["refund"], "priority": "high",
            // null removes a key in a merge patch: no snooze.
            "snoozedUntil": null
        }}})
    );
    let log = fake.with_state(|s| s.log.clone());
    assert!(log.iter().any(|(method, path, _)| method == "PATCH"
        && path.contains("/conversations/conv1?")
        && path.contains("update_mask.paths=metadata_json")
        && path.contains("metadata_update_strategy=MERGE_PATCH")));
    let stored = fake.with_state(|s| s.conversations[0]["metadata_json"].clone());
    assert_eq!(stored["tier"], "gold", "what others keep there stays");

    // Bo's inbox reads it at its next poll, with Ana's name.
    let (listed, seen) = wait_for(&mut bo_events, WAIT, "the change", |e| {
        matches!(e, ProviderEvent::Conversations(list)
            if list.iter().any(|c| &*c.key.id == "conv1"
                && c.work.as_ref().is_some_and(|w| w.assignee.as_deref() == Some("ana"))))
    })
    .await;
    let ProviderEvent::Conversations(list) = listed else {
        unreachable!()
    };
    let conv1 = list.iter().find(|c| &*c.key.id == "conv1").expect("conv1");
    let shared = conv1.work.clone().expect("work");
    assert_eq!(
        (shared.labels, shared.priority),
        (vec!["refund".to_string()], Priority::High)
    );
    assert!(
        !conv1.metadata.keys().any(|key| key.contains("switchboard")),
        "shown as what it is, not as metadata"
    );
    let (team, _) = wait_for(&mut bo_events, WAIT, "the team", |e| {
        matches!(e, ProviderEvent::Team { agents, .. } if agents.iter().any(|a| a.name == "Ana"))
    })
    .await;
    let ProviderEvent::Team { me, .. } = team else {
        unreachable!()
    };
    assert_eq!(me.as_deref(), Some("bo"));
    drop(seen);

    // A snooze's end rides along (Sinch keeps no status).
    let until = OffsetDateTime::from_unix_timestamp(1_798_000_000).expect("time");
    ana.commands
        .send(ProviderCommand::SetSnoozedUntil {
            conversation: "conv1".into(),
            until: Some(until),
        })
        .await
        .expect("command");
    wait_for(
        &mut ana_events,
        WAIT,
        "snoozed",
        |e| matches!(e, ProviderEvent::Workflow { work, .. } if work.snoozed_until == Some(until)),
    )
    .await;
    let stored = fake.with_state(|s| s.conversations[0]["metadata_json"]["switchboard"].clone());
    assert_eq!(stored["snoozedUntil"], "2026-12-23T04:26:40Z");
    assert_eq!(stored["assignee"], "ana", "the rest of it stays");

    // Refused: said, and the row keeps what Sinch holds.
    fake.with_state(|s| s.fail_patches = 1);
    ana.commands
        .send(ProviderCommand::Assign {
            conversation: "conv1".into(),
            agent: None,
        })
        .await
        .expect("command");
    let (error, seen) = wait_for(&mut ana_events, WAIT, "the refusal", |e| {
        matches!(e, ProviderEvent::Error(text) if text.starts_with("Sinch did not keep the change"))
    })
    .await;
    let kept = seen.iter().rev().find_map(|e| match e {
        ProviderEvent::Workflow { work, .. } => Some(work.clone()),
        _ => None,
    });
    assert_eq!(
        kept.and_then(|w| w.assignee),
        Some("ana".into()),
        "{error:?}"
    );
}
