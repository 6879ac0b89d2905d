//! The Vumi Go provider against a fake Vumi Go HTTP API on 127.0.0.1 (see `fake_vumi`).

use crate::fakes;
use crate::support;

use std::time::Duration;

use fakes::vumi::{ACCOUNT_KEY, CONVERSATION, FakeVumi, TOKEN};
use serde_json::{Value, json};
use support::{drain, wait_for};
use switchboard::model::{
    AccountId, Channel, ConversationStatus, DeliveryStatus, Direction, SESSION_METADATA,
};
use switchboard::providers::vumi::{self, Mode, PushCredentials, VumiConfig};
use switchboard::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle, SendOptions,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

fn config(fake: &FakeVumi) -> VumiConfig {
    VumiConfig {
        api_url: fake.base_url.clone(),
        request_timeout: Duration::from_secs(5),
        reconnect_base: Duration::from_millis(20),
        reconnect_cap: Duration::from_millis(100),
        busy_wait: Duration::from_millis(200),
        ..VumiConfig::new(ACCOUNT_KEY, CONVERSATION, TOKEN)
    }
}

fn start(config: VumiConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    (vumi::spawn(AccountId::new("vumi"), config, tx), rx)
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) {
    wait_for(events, WAIT, "Live", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
}

fn id_of(message: &Value) -> String {
    message["message_id"]
        .as_str()
        .expect("message_id")
        .to_string()
}

async fn send(handle: &ProviderHandle, conversation: &str, client_id: &str, text: &str) {
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: conversation.into(),
            client_id: client_id.into(),
            text: text.into(),
        })
        .await
        .expect("provider running");
}

/// Waits for the server copy of the reply sent as `client_id`; returns its message id.
async fn echo(events: &mut mpsc::Receiver<AccountEvent>, client_id: &str) -> String {
    let (event, _) = wait_for(events, WAIT, "the reply's server copy", |event| {
        matches!(event, ProviderEvent::Messages { messages, .. }
            if messages.iter().any(|m| m.client_id.as_deref() == Some(client_id)))
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    messages[0].id.clone()
}

async fn session_state(
    events: &mut mpsc::Receiver<AccountEvent>,
    want: &str,
) -> ConversationStatus {
    let (event, _) = wait_for(events, WAIT, want, |event| {
        matches!(event, ProviderEvent::Conversations(list)
            if list.iter().any(|c| c.metadata.get(SESSION_METADATA).map(String::as_str) == Some(want)))
    })
    .await;
    let ProviderEvent::Conversations(list) = event else {
        unreachable!()
    };
    assert_eq!(list[0].channel, Channel::Ussd);
    list[0].status
}

#[tokio::test]
async fn a_ussd_session_runs_from_new_to_close() {
    let fake = FakeVumi::start().await;
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;

    let dial = fake.inbound("ussd", "+27761234567", None, Some("new"));
    // The conversation comes first (so the message never lands in a placeholder), then the
    // message itself.
    assert_eq!(
        session_state(&mut events, "new").await,
        ConversationStatus::Open
    );
    let (event, _) = wait_for(&mut events, WAIT, "the dial-in", |event| {
        matches!(event, ProviderEvent::Messages { .. })
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
    assert!(live);
    assert_eq!(conversation, "ussd:+27761234567");
    assert_eq!(messages[0].id, id_of(&dial));
    assert_eq!(messages[0].direction, Direction::Inbound);

    // The menu: a reply into the session.
    send(&handle, &conversation, "c-1", "1. Balance\n2. Top up").await;
    echo(&mut events, "c-1").await;
    assert_eq!(
        fake.sends()[0],
        json!({"in_reply_to": id_of(&dial), "content": "1. Balance\n2. Top up", "session_event": "resume"})
    );
    assert_eq!(
        session_state(&mut events, "open").await,
        ConversationStatus::Open
    );

    // The customer picks 1; the agent answers and ends the session.
    let choice = fake.inbound("ussd", "+27761234567", Some("1"), Some("resume"));
    wait_for(&mut events, WAIT, "the choice", |event| {
        matches!(event, ProviderEvent::Messages { messages, .. } if messages[0].id == id_of(&choice))
    })
    .await;
    handle
        .commands
        .send(ProviderCommand::SendWithOptions {
            conversation: conversation.clone(),
            client_id: "c-2".into(),
            text: "Your balance is R12.50".into(),
            options: SendOptions {
                end_session: true,
                ..SendOptions::default()
            },
        })
        .await
        .expect("running");
    echo(&mut events, "c-2").await;
    assert_eq!(
        fake.sends()[1],
        json!({"in_reply_to": id_of(&choice), "content": "Your balance is R12.50", "session_event": "close"})
    );
    assert_eq!(
        session_state(&mut events, "closed").await,
        ConversationStatus::Closed
    );
}

#[tokio::test]
async fn an_sms_exchange_gets_ack_and_delivery_report_even_when_they_outrun_the_put() {
    let fake = FakeVumi::start().await;
    fake.set_events_before_answer(true);
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;

    let inbound = fakes::vumi::user_message(json!({
        "to_addr": "1234", "from_addr": "+27760000001", "content": "Is my order shipped?",
        "transport_name": "smpp_transport", "transport_type": "sms",
        "timestamp": "2014-10-28 16:19:37.485612"
    }));
    fake.write_inbound(&inbound);
    let (event, _) = wait_for(&mut events, WAIT, "the conversation", |event| {
        matches!(event, ProviderEvent::Conversations(_))
    })
    .await;
    let ProviderEvent::Conversations(list) = event else {
        unreachable!()
    };
    assert_eq!(list[0].channel, Channel::Sms);
    assert_eq!(list[0].contact.identity, "+27760000001");
    assert!(
        !list[0].metadata.contains_key(SESSION_METADATA),
        "SMS has no session"
    );
    let (event, _) = wait_for(&mut events, WAIT, "the SMS", |event| {
        matches!(event, ProviderEvent::Messages { messages, .. } if messages[0].id == id_of(&inbound))
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    // Vumi's zone-less timestamp, read as UTC with its microseconds.
    assert_eq!(
        messages[0].at,
        time::macros::datetime!(2014-10-28 16:19:37.485612 UTC)
    );

    send(&handle, "sms:+27760000001", "c-1", "Yes, it left today").await;
    let id = echo(&mut events, "c-1").await;
    // The reply answers the inbound message and has no session event.
    assert_eq!(
        fake.sends()[0],
        json!({"in_reply_to": id_of(&inbound), "content": "Yes, it left today"})
    );
    let (_, _) = wait_for(&mut events, WAIT, "ack → sent", |event| {
        matches!(event, ProviderEvent::StatusUpdate { message_id, status: DeliveryStatus::Sent, .. } if *message_id == id)
    })
    .await;
    wait_for(&mut events, WAIT, "delivered", |event| {
        matches!(event, ProviderEvent::StatusUpdate { message_id, status: DeliveryStatus::Delivered, conversation, .. }
            if *message_id == id && conversation == "sms:+27760000001")
    })
    .await;

    // A second reply is refused by the network: nack → failed with its reason.
    fake.set_events_before_answer(false);
    send(&handle, "sms:+27760000001", "c-2", "Anything else?").await;
    let second = echo(&mut events, "c-2").await;
    fake.event(
        &second,
        "nack",
        json!({"nack_reason": "No route to +27760000001"}),
    );
    let (event, _) = wait_for(&mut events, WAIT, "nack", |event| {
        matches!(event, ProviderEvent::StatusUpdate { message_id, .. } if *message_id == second)
    })
    .await;
    assert_eq!(
        event,
        ProviderEvent::StatusUpdate {
            conversation: "sms:+27760000001".into(),
            message_id: second,
            status: DeliveryStatus::Failed,
            reason: Some("No route to +27760000001".into()),
        }
    );
}

#[tokio::test]
async fn a_stream_that_drops_mid_line_reconnects_and_loses_no_good_line() {
    let fake = FakeVumi::start().await;
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;

    let first = fakes::vumi::user_message(
        json!({"from_addr": "+1", "content": "first", "transport_type": "sms"}),
    );
    let second = fakes::vumi::user_message(
        json!({"from_addr": "+2", "content": "second", "transport_type": "sms"}),
    );
    let third = fakes::vumi::user_message(
        json!({"from_addr": "+3", "content": "third", "transport_type": "sms"}),
    );
    let mut bytes = format!("{first}\n{{not json at all\n\n{second}\n").into_bytes();
    let third_line = format!("{third}\n");
    bytes.extend_from_slice(&third_line.as_bytes()[..third_line.len() / 2]);
    fake.write_raw("messages.json", &bytes);
    fake.drop_streams();

    let mut seen_ids = Vec::new();
    let mut garbage = false;
    let mut backing_off = false;
    let (_, before) = wait_for(&mut events, WAIT, "live again", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    for event in &before {
        match event {
            ProviderEvent::Messages { messages, .. } => seen_ids.push(messages[0].id.clone()),
            ProviderEvent::Error(text) if text.contains("unreadable") => garbage = true,
            ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) => {
                backing_off = true;
                assert!(reason.contains("closed"), "{reason}");
            }
            _ => {}
        }
    }
    assert_eq!(seen_ids, vec![id_of(&first), id_of(&second)], "{before:#?}");
    assert!(garbage, "the garbage line is reported: {before:#?}");
    assert!(backing_off, "the drop is shown: {before:#?}");
    assert_eq!(fake.connections("messages.json"), 2);

    // The server resends the line it never finished; it arrives whole.
    fake.write_lines("messages.json", std::slice::from_ref(&third));
    wait_for(&mut events, WAIT, "the third message", |event| {
        matches!(event, ProviderEvent::Messages { messages, .. } if messages[0].id == id_of(&third))
    })
    .await;

    // A cut connection (not a clean end) is survived as well.
    fake.break_streams();
    wait_for(&mut events, WAIT, "backing off", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    live(&mut events).await;
}

#[tokio::test]
async fn an_opted_out_recipient_and_a_too_long_reply_fail_with_the_servers_reason() {
    let fake = FakeVumi::start().await;
    fake.opt_out("+27769999999");
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;

    // No inbound message to answer: a new message to to_addr.
    send(&handle, "sms:+27769999999", "c-1", "Hello").await;
    let (event, _) = wait_for(&mut events, WAIT, "send failed", |event| {
        matches!(event, ProviderEvent::SendFailed { .. })
    })
    .await;
    assert_eq!(
        event,
        ProviderEvent::SendFailed {
            conversation: "sms:+27769999999".into(),
            client_id: "c-1".into(),
            reason: "Recipient with msisdn +27769999999 has opted out".into(),
        }
    );
    assert_eq!(
        fake.sends()[0],
        json!({"to_addr": "+27769999999", "content": "Hello"})
    );

    fake.set_content_length_limit(5);
    send(&handle, "sms:+27760000002", "c-2", "far too long").await;
    let (event, _) = wait_for(&mut events, WAIT, "too long", |event| {
        matches!(event, ProviderEvent::SendFailed { .. })
    })
    .await;
    let ProviderEvent::SendFailed { reason, .. } = event else {
        unreachable!()
    };
    assert_eq!(reason, "Payload content too long: 12 > 5");
}

#[tokio::test]
async fn a_wrong_token_gives_one_clear_message_and_no_retries() {
    let fake = FakeVumi::start().await;
    let (handle, mut events) = start(VumiConfig {
        conversation_token: "wrong".into(),
        ..config(&fake)
    });
    let (event, _) = wait_for(&mut events, WAIT, "auth failed", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::AuthFailed(_))
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::AuthFailed(reason)) = event else {
        unreachable!()
    };
    assert!(reason.contains("401"), "{reason}");
    assert!(
        !reason.contains("wrong"),
        "the token never appears: {reason}"
    );

    send(&handle, "sms:+1", "c-1", "hi").await;
    let (event, _) = wait_for(&mut events, WAIT, "send failed", |event| {
        matches!(event, ProviderEvent::SendFailed { .. })
    })
    .await;
    let ProviderEvent::SendFailed { reason, .. } = event else {
        unreachable!()
    };
    assert!(reason.contains("401"), "{reason}");

    let later = drain(&mut events, Duration::from_millis(500)).await;
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, ProviderEvent::Connection(_))),
        "one AuthFailed, no backing off or second message: {later:#?}"
    );
    assert_eq!(fake.connections("messages.json"), 0);
    assert_eq!(fake.open_streams("events.json"), 0);
}

#[tokio::test]
async fn too_many_concurrent_connections_backs_off_and_says_so() {
    let fake = FakeVumi::start().await;
    fake.set_max_streams(1);
    let (_handle, mut events) = start(config(&fake));
    let (event, _) = wait_for(&mut events, WAIT, "backing off", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = event else {
        unreachable!()
    };
    assert!(
        reason.contains("too many concurrent connections"),
        "{reason}"
    );
    // Once the account has room, both streams come up.
    fake.set_max_streams(2);
    live(&mut events).await;
}

#[tokio::test]
async fn metrics_are_fired_after_replies_and_their_400_reason_is_shown() {
    let fake = FakeVumi::start().await;
    let (handle, mut events) = start(VumiConfig {
        metrics: Some(vumi::MetricsConfig {
            prefix: "inbox".into(),
            replies_aggregator: vumi::Aggregator::Sum,
            response_aggregator: vumi::Aggregator::Max,
        }),
        ..config(&fake)
    });
    live(&mut events).await;
    fake.inbound("sms", "+27760000003", Some("hi"), None);
    wait_for(&mut events, WAIT, "inbound", |event| {
        matches!(event, ProviderEvent::Messages { .. })
    })
    .await;
    send(&handle, "sms:+27760000003", "c-1", "hello").await;
    echo(&mut events, "c-1").await;
    // A second reply: no first-response time any more.
    send(&handle, "sms:+27760000003", "c-2", "anything else?").await;
    echo(&mut events, "c-2").await;

    let deadline = tokio::time::Instant::now() + WAIT;
    while fake.metrics().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let metrics = fake.metrics();
    assert_eq!(metrics.len(), 2, "{metrics:?}");
    assert_eq!(metrics[0][0], json!(["inbox.replies_sent", 1.0, "sum"]));
    assert_eq!(metrics[0][1][0], "inbox.first_response_seconds");
    assert_eq!(metrics[0][1][2], "max");
    assert!(metrics[0][1][1].as_f64().is_some_and(|s| s >= 0.0));
    assert_eq!(metrics[1], json!([["inbox.replies_sent", 1.0, "sum"]]));

    fake.reject_metrics("'median' is not a valid aggregate.");
    send(&handle, "sms:+27760000003", "c-3", "bye").await;
    let (event, _) = wait_for(&mut events, WAIT, "metrics refused", |event| {
        matches!(event, ProviderEvent::Error(_))
    })
    .await;
    assert_eq!(
        event,
        ProviderEvent::Error(
            "Vumi Go refused the metrics: 'median' is not a valid aggregate.".into()
        )
    );
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let fake = FakeVumi::start().await;
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    send(&handle, "sms:+27760000004", "c-1", "hello").await;
    echo(&mut events, "c-1").await;
    drain(&mut events, Duration::from_millis(300)).await;
    assert!(fake.metrics().is_empty());
}

#[tokio::test]
async fn the_push_receiver_checks_basic_credentials_and_takes_messages_and_events() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let fake = FakeVumi::start().await;
    let config = VumiConfig {
        mode: Mode::Push {
            listen: address,
            credentials: PushCredentials {
                username: "vumi".into(),
                password: "push-secret".into(),
            },
        },
        ..config(&fake)
    };
    let (tx, mut events) = mpsc::channel(1024);
    let _handle = vumi::spawn_with_listener(AccountId::new("vumi"), config, listener, tx);
    live(&mut events).await;

    let client = reqwest::Client::new();
    let url = format!("http://{address}/vumi/messages");
    let message = fakes::vumi::user_message(json!({
        "from_addr": "+27761112222", "to_addr": "*120*1#", "content": "pushed",
        "transport_type": "ussd", "session_event": "new"
    }));
    let wrong = client
        .post(&url)
        .basic_auth("vumi", Some("guess"))
        .json(&message)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    let anonymous = client.post(&url).json(&message).send().await.expect("post");
    assert_eq!(anonymous.status(), 401);

    let garbage = client
        .post(&url)
        .basic_auth("vumi", Some("push-secret"))
        .body("{\"half\":")
        .send()
        .await
        .expect("post");
    assert_eq!(garbage.status(), 400, "malformed bodies are not retried");

    let right = client
        .post(&url)
        .basic_auth("vumi", Some("push-secret"))
        .header("content-type", "application/json; charset=utf-8")
        .body(message.to_string())
        .send()
        .await
        .expect("post");
    assert_eq!(right.status(), 200);
    let (_, seen) = wait_for(&mut events, WAIT, "the pushed message", |event| {
        matches!(event, ProviderEvent::Messages { conversation, messages, .. }
            if conversation == "ussd:+27761112222" && messages[0].id == id_of(&message))
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::Messages { .. })),
        "nothing from the refused posts: {seen:#?}"
    );
}

#[tokio::test]
async fn a_voice_message_carries_its_speech_url_and_wait_for_key() {
    let fake = FakeVumi::start().await;
    let (handle, mut events) = start(config(&fake));
    live(&mut events).await;
    fake.inbound("voice", "+27761230000", None, Some("new"));
    wait_for(&mut events, WAIT, "the call", |event| {
        matches!(event, ProviderEvent::Messages { conversation, .. } if conversation == "voice:+27761230000")
    })
    .await;
    handle
        .commands
        .send(ProviderCommand::SendWithOptions {
            conversation: "voice:+27761230000".into(),
            client_id: "c-1".into(),
            text: "Press 1 for sales".into(),
            options: SendOptions {
                speech_url: Some("https://example.org/menu.ogg".into()),
                wait_for: Some("#".into()),
                ..SendOptions::default()
            },
        })
        .await
        .expect("running");
    echo(&mut events, "c-1").await;
    // go-http's send_voice shape: a new message with helper_metadata.voice.
    assert_eq!(
        fake.sends()[0],
        json!({"to_addr": "+27761230000", "content": "Press 1 for sales", "session_event": "resume",
               "helper_metadata": {"voice": {"speech_url": "https://example.org/menu.ogg", "wait_for": "#"}}})
    );
}

#[tokio::test]
async fn hostile_text_from_the_stream_is_neutralised() {
    let fake = FakeVumi::start().await;
    let (_handle, mut events) = start(config(&fake));
    live(&mut events).await;
    fake.inbound(
        "sms",
        "+2776\u{1b}[2J555",
        Some("\u{1b}]0;pwned\u{7}hello\u{202e} there"),
        None,
    );
    let (event, _) = wait_for(&mut events, WAIT, "the message", |event| {
        matches!(event, ProviderEvent::Messages { .. })
    })
    .await;
    let ProviderEvent::Messages {
        conversation,
        messages,
        ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(conversation, "sms:+2776555");
    assert_eq!(messages[0].sender, "+2776555");
    assert_eq!(messages[0].content.preview(), "hello there");
}

#[tokio::test]
async fn after_a_401_a_refresh_tries_again() {
    let fake = FakeVumi::start().await;
    fake.set_token("rotated");
    let (handle, mut events) = start(config(&fake));
    wait_for(&mut events, WAIT, "auth failed", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::AuthFailed(_))
        )
    })
    .await;
    // The conversation's tokens are fixed on the server and the user presses R.
    fake.set_token(TOKEN);
    handle
        .commands
        .send(ProviderCommand::Refresh)
        .await
        .expect("running");
    live(&mut events).await;
    assert_eq!(fake.open_streams("messages.json"), 1);
    assert_eq!(fake.open_streams("events.json"), 1);
}

#[tokio::test]
async fn a_reply_sent_while_the_server_is_unreachable_is_retried_until_it_connects() {
    // Pick a free port, leave it closed for now.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port");
    let config = VumiConfig {
        api_url: format!("http://{address}/api/v1/go/http_api"),
        reconnect_base: Duration::from_millis(20),
        reconnect_cap: Duration::from_millis(100),
        connect_retries: 100,
        ..VumiConfig::new(ACCOUNT_KEY, CONVERSATION, TOKEN)
    };
    let (handle, mut events) = start(config);
    send(&handle, "sms:+27760000005", "c-1", "are you there?").await;
    // The streams cannot connect either: the server is really down while the send is tried.
    wait_for(&mut events, WAIT, "backing off", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let fake = FakeVumi::start_on(&address.to_string()).await;
    let (_, seen) = wait_for(&mut events, WAIT, "the reply's server copy", |event| {
        matches!(event, ProviderEvent::Messages { messages, .. }
            if messages.iter().any(|m| m.client_id.as_deref() == Some("c-1")))
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::SendFailed { .. })),
        "{seen:#?}"
    );
    assert_eq!(fake.sends().len(), 1, "sent exactly once");
}
