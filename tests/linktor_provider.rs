//! The Linktor provider against a fake Linktor server on 127.0.0.1 (see `support`).

use crate::fakes;
use crate::support;

use std::time::{Duration, Instant};

use fakes::linktor::{API_KEY, FakeLinktor};
use support::{drain, until, wait_for};
use switchboard::model::{AccountId, ConversationStatus, DeliveryStatus, Direction};
use switchboard::providers::linktor::wire::ServerFrame;
use switchboard::providers::linktor::{LinktorConfig, spawn};
use switchboard::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

fn config(base_url: &str) -> LinktorConfig {
    LinktorConfig {
        poll_interval: Duration::from_secs(60),
        page_size: 2,
        request_timeout: Duration::from_secs(2),
        max_retries: 0,
        ..LinktorConfig::new(base_url, API_KEY)
    }
}

fn start(config: LinktorConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    (spawn(AccountId::new("lk"), config, tx), rx)
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) -> Vec<ProviderEvent> {
    let (_, seen) = wait_for(events, WAIT, "Live", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    seen
}

fn is_messages_with(event: &ProviderEvent, id: &str, want_live: bool) -> bool {
    matches!(event, ProviderEvent::Messages { messages, live, .. }
        if *live == want_live && messages.iter().any(|m| m.id == id))
}

#[tokio::test]
async fn initial_sync_pages_conversations_contacts_and_message_tails() {
    let fake = FakeLinktor::start().await;
    fake.seed(5);
    for text in ["one", "two", "three"] {
        fake.add_message("c1", text);
    }
    let only = fake.add_message("c2", "hello");
    let (_handle, mut events) = start(config(&fake.base_url));

    let seen = live(&mut events).await;
    assert_eq!(
        seen.first(),
        Some(&ProviderEvent::Connection(ConnectionState::Connecting))
    );
    let conversations: Vec<_> = seen
        .iter()
        .filter_map(|event| match event {
            ProviderEvent::Conversations(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(conversations.len(), 5, "all pages listed");
    let c5 = conversations
        .iter()
        .find(|c| &*c.key.id == "c5")
        .expect("c5 listed");
    assert_eq!(
        c5.contact.name, "Customer 5",
        "contact from the paged listing"
    );
    assert_eq!(c5.contact.identity, "+555");

    let c1: Vec<_> = seen
        .iter()
        .filter_map(|event| match event {
            ProviderEvent::Messages {
                conversation,
                messages,
                live: false,
            } if conversation == "c1" => Some(messages.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let texts: Vec<_> = c1.iter().map(|m| m.content.preview()).collect();
    assert_eq!(texts, ["two", "three"], "the tail page only");
    assert_eq!(c1[0].sender, "Customer 1");
    assert_eq!(c1[0].direction, Direction::Inbound);
    assert!(seen.iter().any(|e| is_messages_with(e, &only.id, false)));
    let complete = |id: &str| {
        seen.iter().any(
            |e| matches!(e, ProviderEvent::HistoryComplete { conversation } if conversation == id),
        )
    };
    assert!(complete("c2") && complete("c3"));
    assert!(!complete("c1"), "c1 has older history");

    wait_for(&mut events, WAIT, "Synced", |e| {
        matches!(e, ProviderEvent::Synced)
    })
    .await;
    // Every conversation is subscribed on the socket.
    until("five subscriptions", || {
        (1..=5).all(|i| fake.subscriptions(&format!("c{i}")) > 0)
    })
    .await;
    for i in 1..=5 {
        assert_eq!(fake.subscriptions(&format!("c{i}")), 1);
    }
}

#[tokio::test]
async fn live_frames_become_events() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (_handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    let pushed = fake.push_message("c1", "are you there?");
    wait_for(&mut events, WAIT, "live message", |e| {
        is_messages_with(e, &pushed.id, true)
    })
    .await;

    fake.push_frame(&ServerFrame::MessageStatus {
        conversation_id: "c1".into(),
        message_id: "m9".into(),
        status: "read".into(),
        timestamp: None,
    });
    let (status, _) = wait_for(&mut events, WAIT, "status", |e| {
        matches!(e, ProviderEvent::StatusUpdate { .. })
    })
    .await;
    assert_eq!(
        status,
        ProviderEvent::StatusUpdate {
            conversation: "c1".into(),
            message_id: "m9".into(),
            status: DeliveryStatus::Read,
            reason: None
        }
    );

    // An agent's typing is not shown; the contact's is, by name.
    for user in ["agent-7", "k1"] {
        fake.push_frame(&ServerFrame::Typing {
            conversation_id: "c1".into(),
            user_id: user.into(),
            is_typing: true,
        });
    }
    let (typing, _) = wait_for(&mut events, WAIT, "typing", |e| {
        matches!(e, ProviderEvent::Typing { .. })
    })
    .await;
    assert_eq!(
        typing,
        ProviderEvent::Typing {
            conversation: "c1".into(),
            who: "Customer 1".into(),
            typing: true
        }
    );

    fake.push_frame(&ServerFrame::ConversationUpdate {
        conversation_id: "c1".into(),
        status: Some("resolved".into()),
        assigned_to: None,
        tags: None,
        priority: None,
        metadata: Default::default(),
        snoozed_until: None,
    });
    let (update, _) = wait_for(&mut events, WAIT, "conversation status", |e| {
        matches!(e, ProviderEvent::ConversationStatus { .. })
    })
    .await;
    assert_eq!(
        update,
        ProviderEvent::ConversationStatus {
            conversation: "c1".into(),
            status: ConversationStatus::Resolved
        }
    );

    // Who has it and its tags (the SDK's frame), and the hub's priority; hostile text is
    // neutralised on the way in.
    fake.push_frame(&ServerFrame::ConversationUpdate {
        conversation_id: "c1".into(),
        status: None,
        assigned_to: Some(Some("u7".into())),
        tags: Some(vec!["vip".into(), "\u{1b}[31mred".into()]),
        priority: Some(Some("high".into())),
        metadata: Default::default(),
        snoozed_until: None,
    });
    let (update, _) = wait_for(&mut events, WAIT, "workflow", |e| {
        matches!(e, ProviderEvent::Workflow { .. })
    })
    .await;
    let ProviderEvent::Workflow { work, .. } = update else {
        unreachable!()
    };
    assert_eq!(work.assignee.as_deref(), Some("u7"));
    assert_eq!(work.priority, switchboard::model::Priority::High);
    assert_eq!(work.labels.len(), 2);
    assert!(
        work.labels.iter().all(|l| !l.contains('\u{1b}')),
        "{:?}",
        work.labels
    );
    // A frame that names only the assignee (as a webhook may) keeps the rest.
    fake.push_frame(&ServerFrame::ConversationUpdate {
        conversation_id: "c1".into(),
        status: None,
        assigned_to: Some(None),
        tags: None,
        priority: None,
        metadata: Default::default(),
        snoozed_until: None,
    });
    let (update, _) = wait_for(&mut events, WAIT, "unassigned", |e| {
        matches!(e, ProviderEvent::Workflow { .. })
    })
    .await;
    let ProviderEvent::Workflow { work: after, .. } = update else {
        unreachable!()
    };
    assert_eq!(after.assignee, None);
    assert_eq!(after.labels, work.labels);
    assert_eq!(after.priority, work.priority);
    // `null` clears a priority (absent would have kept it).
    fake.push_frame(&ServerFrame::ConversationUpdate {
        conversation_id: "c1".into(),
        status: None,
        assigned_to: None,
        tags: None,
        priority: Some(None),
        metadata: Default::default(),
        snoozed_until: None,
    });
    let (update, _) = wait_for(&mut events, WAIT, "no priority", |e| {
        matches!(e, ProviderEvent::Workflow { .. })
    })
    .await;
    let ProviderEvent::Workflow { work: cleared, .. } = update else {
        unreachable!()
    };
    assert_eq!(cleared.priority, switchboard::model::Priority::None);
    assert_eq!(cleared.labels, work.labels);
}

#[tokio::test]
async fn update_for_an_unknown_conversation_fetches_and_subscribes_it() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (_handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    fake.add_contact("k9", "Newcomer", "telegram", "@new");
    fake.add_conversation("c9", "k9", "telegram");
    let first = fake.add_message("c9", "hi, new here");
    fake.push_frame(&ServerFrame::ConversationUpdate {
        conversation_id: "c9".into(),
        status: Some("open".into()),
        assigned_to: None,
        tags: None,
        priority: None,
        metadata: Default::default(),
        snoozed_until: None,
    });
    let (listed, _) = wait_for(&mut events, WAIT, "new conversation", |e| {
        matches!(e, ProviderEvent::Conversations(list) if list.iter().any(|c| &*c.key.id == "c9"))
    })
    .await;
    let ProviderEvent::Conversations(list) = listed else {
        unreachable!()
    };
    assert_eq!(list[0].contact.name, "Newcomer");
    assert_eq!(list[0].contact.identity, "@new");
    wait_for(&mut events, WAIT, "its tail", |e| {
        is_messages_with(e, &first.id, false)
    })
    .await;
    until("c9 subscribed", || fake.subscriptions("c9") > 0).await;
    assert_eq!(fake.subscriptions("c9"), 1);
}

#[tokio::test]
async fn send_text_posts_client_id_and_echoes_it() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "c1".into(),
            client_id: "local-42".into(),
            text: "Hello there".into(),
        })
        .await
        .expect("command");
    let (echo, _) = wait_for(&mut events, WAIT, "sent echo", |e| {
        matches!(e, ProviderEvent::Messages { live: true, .. })
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = echo else {
        unreachable!()
    };
    assert_eq!(messages[0].client_id.as_deref(), Some("local-42"));
    assert_eq!(messages[0].sender, "You");
    assert_eq!(messages[0].direction, Direction::Outbound);
    let posts = fake.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].0, "c1");
    assert_eq!(
        posts[0].1,
        serde_json::json!({"text":"Hello there","metadata":{"clientId":"local-42"}})
    );

    // Typing goes out on the socket; MarkRead patches the unread count.
    handle
        .commands
        .send(ProviderCommand::Typing {
            conversation: "c1".into(),
            typing: true,
        })
        .await
        .expect("command");
    mark_read(&handle).await;
    until("the typing frame and the read marker", || {
        !fake.patches().is_empty() && fake.client_frames().iter().any(|f| f["type"] == "typing")
    })
    .await;
    assert!(
        fake.client_frames()
            .contains(&serde_json::json!({"type":"typing","conversationId":"c1","isTyping":true}))
    );
    assert_eq!(
        fake.patches(),
        vec![("c1".to_string(), serde_json::json!({"unreadCount":0}))]
    );
}

async fn mark_read(handle: &ProviderHandle) {
    handle
        .commands
        .send(ProviderCommand::MarkRead {
            conversation: "c1".into(),
        })
        .await
        .expect("command");
}

#[tokio::test]
async fn read_markers_asked_for_while_one_is_on_its_way_fold_into_one_more() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    fake.set_patch_delay(Duration::from_millis(300));
    for _ in 0..10 {
        mark_read(&handle).await;
    }
    // The fake records a marker on arrival and answers it 300 ms later.
    until("the first marker", || !fake.patches().is_empty()).await;
    assert_eq!(fake.patches().len(), 1, "one marker on its way at a time");
    until("the second marker", || fake.patches().len() >= 2).await;
    fake.set_patch_delay(Duration::ZERO);
    // Markers of one conversation go in order: had the nine gone as more than one, they
    // would all arrive before this one.
    mark_read(&handle).await;
    until("the third marker", || fake.patches().len() >= 3).await;
    assert_eq!(
        fake.patches().len(),
        3,
        "the nine asked for meanwhile went as one, after the first was answered"
    );
}

#[tokio::test]
async fn send_failure_after_retries_is_reported() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(LinktorConfig {
        max_retries: 1,
        ..config(&fake.base_url)
    });
    live(&mut events).await;

    fake.fail_next(2);
    let before = fake.requests();
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "c1".into(),
            client_id: "local-1".into(),
            text: "doomed".into(),
        })
        .await
        .expect("command");
    let (failed, _) = wait_for(&mut events, WAIT, "SendFailed", |e| {
        matches!(e, ProviderEvent::SendFailed { .. })
    })
    .await;
    let ProviderEvent::SendFailed {
        conversation,
        client_id,
        reason,
    } = failed
    else {
        unreachable!()
    };
    assert_eq!(
        (conversation.as_str(), client_id.as_str()),
        ("c1", "local-1")
    );
    assert!(reason.contains("500"), "{reason}");
    assert_eq!(fake.requests() - before, 2, "one try plus one retry");
}

#[tokio::test]
async fn fetch_older_pages_back_to_the_start() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let ids: Vec<String> = (1..=5)
        .map(|i| fake.add_message("c1", &format!("msg {i}")).id)
        .collect();
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    let older = |before: &str| ProviderCommand::FetchOlder {
        conversation: "c1".into(),
        before: Some(before.to_string()),
    };
    handle.commands.send(older(&ids[3])).await.expect("command");
    let (page, _) = wait_for(&mut events, WAIT, "older page", |e| {
        matches!(e, ProviderEvent::Messages { live: false, .. })
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = page else {
        unreachable!()
    };
    let got: Vec<_> = messages.iter().map(|m| m.id.clone()).collect();
    assert_eq!(got, ids[1..3]);
    assert!(
        !drain(&mut events, Duration::from_millis(200))
            .await
            .iter()
            .any(|e| matches!(e, ProviderEvent::HistoryComplete { .. }))
    );

    handle.commands.send(older(&ids[1])).await.expect("command");
    let (_, seen) = wait_for(&mut events, WAIT, "history complete", |e| {
        matches!(e, ProviderEvent::HistoryComplete { .. })
    })
    .await;
    assert!(seen.iter().any(|e| is_messages_with(e, &ids[0], false)));
}

#[tokio::test]
async fn killed_socket_backs_off_reconnects_and_backfills_the_gap() {
    let fake = FakeLinktor::start().await;
    fake.seed(2);
    fake.add_message("c1", "before the gap");
    let (_handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    until("c1 subscribed", || fake.subscriptions("c1") > 0).await;
    assert_eq!(fake.subscriptions("c1"), 1);

    // Keep the socket down until a message has been said during the gap.
    fake.set_reject_ws(true);
    fake.kill_ws();
    wait_for(&mut events, WAIT, "BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let gap = fake.add_message("c1", "said while you were away");
    let gap_new = fake.add_message("c2", "me too");
    fake.set_reject_ws(false);

    let seen = live(&mut events).await;
    assert!(
        seen.iter().any(|e| is_messages_with(e, &gap.id, false)),
        "{seen:#?}"
    );
    assert!(seen.iter().any(|e| is_messages_with(e, &gap_new.id, false)));
    until("c1 subscribed again", || fake.subscriptions("c1") >= 2).await;
    assert_eq!(fake.subscriptions("c1"), 2, "resubscribed after reconnect");
    // The backfill asked for what came after the cursor, not the whole tail again.
    assert!(
        fake.request_log()
            .iter()
            .any(|line| line.contains("/conversations/c1/messages") && line.contains("after="))
    );

    let after = fake.push_message("c1", "and we're back");
    wait_for(&mut events, WAIT, "live after reconnect", |e| {
        is_messages_with(e, &after.id, true)
    })
    .await;
}

#[tokio::test]
async fn poll_picks_up_messages_without_a_push() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.add_message("c1", "first");
    let (_handle, mut events) = start(LinktorConfig {
        poll_interval: Duration::from_millis(200),
        ..config(&fake.base_url)
    });
    live(&mut events).await;
    let quiet = fake.add_message("c1", "no push for this one");
    wait_for(&mut events, WAIT, "polled message", |e| {
        is_messages_with(e, &quiet.id, false)
    })
    .await;
}

#[tokio::test]
async fn rejected_key_stops_once_without_a_request_storm() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.set_force_401(true);
    let (handle, mut events) = start(config(&fake.base_url));

    let seen = drain(&mut events, Duration::from_millis(1500)).await;
    let auth: Vec<_> = seen
        .iter()
        .filter(|e| matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_))))
        .collect();
    assert_eq!(auth.len(), 1, "{seen:#?}");
    assert_eq!(
        auth[0],
        &ProviderEvent::Connection(ConnectionState::AuthFailed(format!(
            "Linktor rejected the API key (401) at {}",
            fake.base_url
        )))
    );
    assert_eq!(fake.requests(), 1, "no retries after a 401");

    // Refresh tries again, once.
    fake.set_force_401(false);
    handle
        .commands
        .send(ProviderCommand::Refresh)
        .await
        .expect("command");
    live(&mut events).await;
}

#[tokio::test]
async fn server_errors_back_off_with_a_reason_then_recover() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.fail_next(3);
    let (_handle, mut events) = start(config(&fake.base_url));
    let (backing, _) = wait_for(&mut events, WAIT, "BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = backing else {
        unreachable!()
    };
    assert!(
        reason.contains("500") && reason.contains(&fake.base_url),
        "{reason}"
    );
    assert!(reason.contains("database on fire"), "{reason}");
    live(&mut events).await;
}

#[tokio::test]
async fn unreachable_hub_backs_off_with_a_clear_reason() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let (_handle, mut events) = start(config(&base));
    let (backing, _) = wait_for(&mut events, WAIT, "BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, until }) = backing else {
        unreachable!()
    };
    assert!(
        reason.starts_with(&format!("hub unreachable at {base}")),
        "{reason}"
    );
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
    assert!(until <= time::OffsetDateTime::now_utc() + Duration::from_secs(31));
    // It keeps trying.
    wait_for(&mut events, WAIT, "another BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
}

#[tokio::test]
async fn malformed_frame_is_reported_and_the_connection_stays() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (_handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    fake.send_raw("{this is not json");
    fake.send_raw(r#"{"type":"mystery","x":1}"#);
    let (error, _) = wait_for(&mut events, WAIT, "Error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(text) = error else {
        unreachable!()
    };
    assert!(
        text.starts_with(&format!("ignored malformed frame from {}:", fake.base_url)),
        "{text}"
    );
    let pushed = fake.push_message("c1", "still here");
    let (_, seen) = wait_for(&mut events, WAIT, "valid frame", |e| {
        is_messages_with(e, &pushed.id, true)
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::Connection(_) | ProviderEvent::Error(_))),
        "no disconnect and one notice per minute: {seen:#?}"
    );
    assert_eq!(fake.ws_connections(), 1);
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.rate_limit_next(1, 1);
    let started = Instant::now();
    let (_handle, mut events) = start(LinktorConfig {
        max_retries: 2,
        ..config(&fake.base_url)
    });
    let seen = live(&mut events).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "honoured retry_after"
    );
    assert!(
        !seen.iter().any(|e| matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )),
        "retried inside the call: {seen:#?}"
    );
}

#[tokio::test]
async fn a_slow_send_does_not_hold_up_frames_and_times_out() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(LinktorConfig {
        request_timeout: Duration::from_millis(700),
        ..config(&fake.base_url)
    });
    live(&mut events).await;

    fake.set_post_delay(Duration::from_secs(3));
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: "c1".into(),
            client_id: "slow-1".into(),
            text: "hello?".into(),
        })
        .await
        .expect("command");
    until("the send on its way", || !fake.posts().is_empty()).await;
    let pushed = fake.push_message("c1", "meanwhile");
    let (_, seen) = wait_for(&mut events, WAIT, "frame during the send", |e| {
        is_messages_with(e, &pushed.id, true)
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::SendFailed { .. }))
    );
    let (failed, _) = wait_for(&mut events, WAIT, "SendFailed", |e| {
        matches!(e, ProviderEvent::SendFailed { .. })
    })
    .await;
    let ProviderEvent::SendFailed {
        reason, client_id, ..
    } = failed
    else {
        unreachable!()
    };
    assert_eq!(client_id, "slow-1");
    assert!(reason.contains("did not answer in time"), "{reason}");
}

#[tokio::test]
async fn dropping_the_handle_stops_the_provider() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    drop(handle);
    let closed = tokio::time::timeout(WAIT, async { while events.recv().await.is_some() {} }).await;
    assert!(closed.is_ok(), "the task (and its sender) is gone");
    // Nothing to wait on when checking that nothing happens: a quiet window it is.
    let requests = fake.requests();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.requests(), requests);
}

#[tokio::test]
async fn hostile_network_text_is_sanitised_before_it_reaches_the_app() {
    let fake = FakeLinktor::start().await;
    fake.add_contact("k1", "Eve\u{1b}]0;owned\u{7}\u{202e}", "sms", "+1\u{1b}[2J");
    fake.add_conversation("c1", "k1", "sms");
    let (_handle, mut events) = start(config(&fake.base_url));
    let seen = live(&mut events).await;
    let contact = seen
        .iter()
        .find_map(|e| match e {
            ProviderEvent::Conversations(list) => list.first().map(|c| c.contact.clone()),
            _ => None,
        })
        .expect("conversation listed");
    assert_eq!(
        (contact.name.as_str(), contact.identity.as_str()),
        ("Eve", "+1")
    );

    let pushed = fake.push_message("c1", "pay \u{1b}[8mhidden\u{1b}[0m now\r");
    let (event, _) = wait_for(&mut events, WAIT, "pushed message", |e| {
        is_messages_with(e, &pushed.id, true)
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    assert_eq!(messages[0].content.preview(), "pay hidden now");
    assert_eq!(messages[0].sender, "Eve");
}

#[tokio::test]
async fn frames_of_unknown_types_are_ignored_quietly() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (_handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;

    fake.send_raw(r#"{"type":"presence","userId":"u2","status":"online"}"#);
    fake.send_raw(r#"{"type":"agent_joined","conversationId":"c1"}"#);
    let pushed = fake.push_message("c1", "after the unknown ones");
    let (_, seen) = wait_for(&mut events, WAIT, "valid frame", |e| {
        is_messages_with(e, &pushed.id, true)
    })
    .await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::Error(_) | ProviderEvent::Connection(_))),
        "unknown types are neither errors nor disconnects: {seen:#?}"
    );
    assert_eq!(fake.ws_connections(), 1);
}

/// A Linktor server with no notes (the SDK has none): the note goes nowhere near the
/// conversation's messages, and the user is told it stays on this machine.
#[tokio::test]
async fn a_note_is_never_sent_as_a_message_to_a_server_without_notes() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::AddNote {
            conversation: "c1".into(),
            client_id: "note-1".into(),
            text: "internal: customer is a VIP".into(),
        })
        .await
        .expect("command");
    let (error, _) = wait_for(&mut events, WAIT, "error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    assert_eq!(
        error,
        ProviderEvent::Error(
            "this Linktor server keeps no notes: the note stays on this machine".into()
        )
    );
    assert!(
        fake.posts()
            .iter()
            .all(|(_, body)| !body.to_string().contains("VIP")),
        "{:?}",
        fake.posts()
    );
    assert!(fake.messages_of("c1").iter().all(|m| {
        !serde_json::to_string(&m.content)
            .unwrap_or_default()
            .contains("VIP")
    }));
    let log = fake.request_log();
    assert!(
        log.iter()
            .any(|line| line.contains("/conversations/c1/notes")),
        "{log:?}"
    );
    assert!(
        !log.iter()
            .any(|line| line.contains("POST /conversations/c1/messages")),
        "{log:?}"
    );
}

/// Workflow changes to one conversation go one after another (two label sets sent together
/// could land in either order), and a change still waiting is replaced by a newer one of its
/// kind: three quick label toggles are two requests, in order.
#[tokio::test]
async fn label_changes_to_one_conversation_go_in_order_and_fold() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    fake.set_patch_delay(Duration::from_millis(300));
    for labels in [vec!["a"], vec!["a", "b"], vec!["a", "b", "c"]] {
        handle
            .commands
            .send(ProviderCommand::SetLabels {
                conversation: "c1".into(),
                labels: labels.into_iter().map(str::to_string).collect(),
            })
            .await
            .expect("command");
    }
    // This fake keeps no tags, so each answer is "not kept as set": one per request made.
    for _ in 0..2 {
        wait_for(
            &mut events,
            WAIT,
            "an answer",
            |e| matches!(e, ProviderEvent::Error(text) if text.contains("did not keep the labels")),
        )
        .await;
    }
    let tags: Vec<serde_json::Value> = fake
        .patches()
        .into_iter()
        .map(|(_, body)| body["tags"].clone())
        .collect();
    assert_eq!(
        tags,
        [serde_json::json!(["a"]), serde_json::json!(["a", "b", "c"])]
    );
}
