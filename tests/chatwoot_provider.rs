//! The Chatwoot provider against a fake Chatwoot (REST and ActionCable, built from
//! `chatwoot.md`) on 127.0.0.1: sync and paging, echo ids, two agents sharing one queue live,
//! the errors and quirks the document lists, reconnects, and the signed webhook.

use crate::fakes;
use crate::support;

use std::time::Duration;

use fakes::chatwoot::{ACCOUNT, FakeChatwoot, FakeUser};
use serde_json::json;
use support::{drain, wait_for};
use switchboard::model::{
    AccountId, Channel, ConversationStatus, DeliveryStatus, Direction, Priority,
};
use switchboard::providers::chatwoot::{ChatwootConfig, spawn};
use switchboard::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

fn config(fake: &FakeChatwoot, user: &FakeUser) -> ChatwootConfig {
    ChatwootConfig {
        request_timeout: Duration::from_secs(2),
        max_retries: 1,
        subscribe_timeout: Duration::from_millis(800),
        ..ChatwootConfig::new(&fake.base_url, ACCOUNT, &user.token)
    }
}

fn start(name: &str, config: ChatwootConfig) -> (ProviderHandle, mpsc::Receiver<AccountEvent>) {
    let (sender, events) = mpsc::channel(4096);
    (spawn(AccountId::new(name), config, sender), events)
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) -> Vec<ProviderEvent> {
    let (_, seen) = wait_for(events, WAIT, "Live", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    seen
}

/// A fake with one agent in a WhatsApp inbox and one conversation with Jane.
struct Desk {
    fake: FakeChatwoot,
    agent: FakeUser,
    inbox: u64,
    conversation: u64,
}

async fn desk() -> Desk {
    let fake = FakeChatwoot::start().await;
    let agent = fake.add_user("Ana Lima", "agent");
    let inbox = fake.add_inbox("WhatsApp support", "Channel::Whatsapp", None);
    fake.add_member(inbox, agent.id);
    let jane = fake.add_contact("Jane", "+15551234567");
    let conversation = fake.add_conversation(inbox, jane);
    Desk {
        fake,
        agent,
        inbox,
        conversation,
    }
}

fn conversations(seen: &[ProviderEvent]) -> Vec<switchboard::model::Conversation> {
    seen.iter()
        .filter_map(|event| match event {
            ProviderEvent::Conversations(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The desk's config with a webhook receiver signed with `secret`, and the receiver's URL.
fn with_webhook(desk: &Desk, secret: &str) -> (ChatwootConfig, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut config = config(&desk.fake, &desk.agent);
    config.webhook = Some(switchboard::providers::chatwoot::webhook::WebhookConfig {
        listen: format!("127.0.0.1:{port}").parse().expect("addr"),
        secret: Some(secret.into()),
    });
    (config, format!("http://127.0.0.1:{port}/"))
}

/// Posts `body` to a webhook as Chatwoot does: stamped `at`, signed with `signature` if any.
async fn post_hook(
    url: &str,
    body: &str,
    at: i64,
    signature: Option<String>,
) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-chatwoot-timestamp", at.to_string())
        .body(body.to_string());
    if let Some(signature) = signature {
        request = request.header("x-chatwoot-signature", signature);
    }
    request.send().await.expect("post").status()
}

fn is_text(event: &ProviderEvent, text: &str) -> bool {
    matches!(event, ProviderEvent::Messages { messages, .. }
        if messages.iter().any(|m| m.content.preview() == text))
}

#[tokio::test]
async fn sync_reads_the_team_and_pages_every_conversation() {
    let desk = desk().await;
    let fake = &desk.fake;
    fake.set_page_size(4);
    let sms = fake.add_inbox("Twilio", "Channel::TwilioSms", Some("sms"));
    let hidden = fake.add_inbox("Other team", "Channel::Email", None);
    fake.add_member(sms, desk.agent.id);
    for i in 0..9 {
        let contact = fake.add_contact(&format!("Customer {i}"), &format!("+1555000{i}"));
        fake.add_conversation(sms, contact);
    }
    let stranger = fake.add_contact("Not ours", "+19990000");
    let not_ours = fake.add_conversation(hidden, stranger);
    fake.add_user("Bo", "agent");
    fake.add_team("billing");
    fake.add_label("vip");
    fake.add_canned("thanks", "Thanks {{contact.name}}!");

    let (_handle, mut events) = start("cw", config(fake, &desk.agent));
    let seen = live(&mut events).await;
    let listed = conversations(&seen);
    let mut ids: Vec<String> = listed.iter().map(|c| c.key.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        10,
        "one WhatsApp and nine SMS over three pages: {ids:?}"
    );
    assert!(
        !ids.contains(&not_ours.to_string()),
        "an inbox the agent is not in"
    );
    let jane = listed
        .iter()
        .find(|c| *c.key.id == desk.conversation.to_string())
        .expect("Jane's conversation");
    assert_eq!(jane.channel, Channel::WhatsApp);
    assert_eq!(jane.contact.name, "Jane");
    assert_eq!(jane.contact.identity, "+15551234567");
    assert!(listed.iter().any(|c| c.channel == Channel::Sms));
    let team = seen.iter().find_map(|event| match event {
        ProviderEvent::Team { me, agents, labels } => {
            Some((me.clone(), agents.clone(), labels.clone()))
        }
        _ => None,
    });
    let (me, agents, labels) = team.expect("the team");
    assert_eq!(me, Some(desk.agent.id.to_string()));
    assert!(agents.iter().any(|a| a.name == "Bo"));
    assert!(
        agents
            .iter()
            .any(|a| a.id.starts_with("team:") && a.name == "Team billing")
    );
    assert_eq!(labels, vec!["vip".to_string()]);
    assert!(seen.iter().any(|event| matches!(event, ProviderEvent::SavedReplies(replies)
        if replies.iter().any(|r| r.shortcode == "thanks" && r.text == "Thanks {{contact.name}}!"))));
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("/conversations?") && r.contains("page=3")),
        "paged: {requests:?}"
    );
}

#[tokio::test]
async fn history_pages_backwards_with_before_until_the_start() {
    let desk = desk().await;
    desk.fake.add_history(desk.conversation, 45);
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    let id = desk.conversation.to_string();
    handle
        .commands
        .send(ProviderCommand::Open {
            conversation: id.clone(),
        })
        .await
        .expect("open");
    let mut held = Vec::new();
    for _ in 0..3 {
        let (event, _) = wait_for(&mut events, WAIT, "a page", |event| {
            matches!(event, ProviderEvent::Messages { .. })
        })
        .await;
        let ProviderEvent::Messages { messages, live, .. } = event else {
            unreachable!()
        };
        assert!(!live);
        let texts: Vec<String> = messages.iter().map(|m| m.content.preview()).collect();
        held.extend(texts);
        let oldest = messages.first().map(|m| m.id.clone());
        handle
            .commands
            .send(ProviderCommand::FetchOlder {
                conversation: id.clone(),
                before: oldest,
            })
            .await
            .expect("older");
    }
    wait_for(&mut events, WAIT, "the start of history", |event| {
        matches!(event, ProviderEvent::HistoryComplete { .. })
    })
    .await;
    held.sort();
    held.dedup();
    assert_eq!(held.len(), 45, "every message once: {held:?}");
    let asked: Vec<String> = desk
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.contains("/messages"))
        .collect();
    assert!(asked.iter().any(|r| r.contains("before=")), "{asked:?}");
}

#[tokio::test]
async fn a_reply_is_matched_by_its_echo_id_when_the_broadcast_comes_first() {
    let desk = desk().await;
    desk.fake.set_post_message_delay(Duration::from_millis(400));
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: desk.conversation.to_string(),
            client_id: "local-1".into(),
            text: "On its way".into(),
        })
        .await
        .expect("send");
    let (first, _) = wait_for(&mut events, WAIT, "the reply", |event| {
        is_text(event, "On its way")
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = first else {
        unreachable!()
    };
    let reply = &messages[0];
    assert_eq!(reply.client_id.as_deref(), Some("local-1"));
    assert_eq!(reply.direction, Direction::Outbound);
    let later = drain(&mut events, Duration::from_millis(800)).await;
    for event in &later {
        if let ProviderEvent::Messages { messages, .. } = event {
            for message in messages
                .iter()
                .filter(|m| m.content.preview() == "On its way")
            {
                assert_eq!(message.id, reply.id, "the answer names the same message");
            }
        }
        assert!(
            !matches!(event, ProviderEvent::SendFailed { .. }),
            "{event:?}"
        );
    }
    let sent: Vec<_> = desk
        .fake
        .messages(desk.conversation)
        .into_iter()
        .filter(|m| m["content"] == "On its way")
        .collect();
    assert_eq!(sent.len(), 1);
    let posted = desk
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("POST") && r.ends_with("/messages"))
        .count();
    assert_eq!(posted, 1);
}

#[tokio::test]
async fn a_lost_answer_is_not_a_failure_when_the_broadcast_named_the_reply() {
    let desk = desk().await;
    desk.fake.set_post_message_delay(Duration::from_secs(3));
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: desk.conversation.to_string(),
            client_id: "local-2".into(),
            text: "Slow network".into(),
        })
        .await
        .expect("send");
    wait_for(&mut events, WAIT, "the broadcast", |event| {
        is_text(event, "Slow network")
    })
    .await;
    // The HTTP answer times out after 2 s: the reply is on the server all the same.
    let later = drain(&mut events, Duration::from_millis(2500)).await;
    assert!(
        !later
            .iter()
            .any(|event| matches!(event, ProviderEvent::SendFailed { .. })),
        "{later:#?}"
    );
}

#[tokio::test]
async fn a_refused_reply_names_the_servers_reason() {
    let desk = desk().await;
    desk.fake.fail_next(
        "/messages",
        422,
        r#"{"error":"Validation failed: Too many messages"}"#,
        1,
    );
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: desk.conversation.to_string(),
            client_id: "local-3".into(),
            text: "hello".into(),
        })
        .await
        .expect("send");
    let (event, _) = wait_for(&mut events, WAIT, "the failure", |event| {
        matches!(event, ProviderEvent::SendFailed { .. })
    })
    .await;
    let ProviderEvent::SendFailed {
        client_id, reason, ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(client_id, "local-3");
    assert!(
        reason.contains("422") && reason.contains("Too many messages"),
        "{reason}"
    );
}

#[tokio::test]
async fn two_agents_share_one_queue_live() {
    let desk = desk().await;
    let fake = &desk.fake;
    let bo = fake.add_user("Bo Chen", "agent");
    fake.add_member(desk.inbox, bo.id);
    fake.add_label("vip");
    let (ana_handle, mut ana) = start("ana", config(fake, &desk.agent));
    let (_bo_handle, mut bo_events) = start("bo", config(fake, &bo));
    live(&mut ana).await;
    live(&mut bo_events).await;
    let id = desk.conversation.to_string();
    let send = |command| {
        let commands = ana_handle.commands.clone();
        async move { commands.send(command).await.expect("command") }
    };

    send(ProviderCommand::Assign {
        conversation: id.clone(),
        agent: Some(bo.id.to_string()),
    })
    .await;
    wait_for(&mut bo_events, WAIT, "the assignment", |event| {
        conversations(std::slice::from_ref(event))
            .iter()
            .any(|c| c.work.as_ref().and_then(|w| w.assignee.clone()) == Some(bo.id.to_string()))
    })
    .await;

    send(ProviderCommand::SetLabels {
        conversation: id.clone(),
        labels: vec!["vip".into()],
    })
    .await;
    wait_for(&mut bo_events, WAIT, "the label", |event| {
        conversations(std::slice::from_ref(event))
            .iter()
            .any(|c| c.work.as_ref().is_some_and(|w| w.labels == ["vip"]))
    })
    .await;

    send(ProviderCommand::SetPriority {
        conversation: id.clone(),
        priority: Priority::Urgent,
    })
    .await;
    wait_for(&mut bo_events, WAIT, "the priority", |event| {
        conversations(std::slice::from_ref(event)).iter().any(|c| {
            c.work
                .as_ref()
                .is_some_and(|w| w.priority == Priority::Urgent)
        })
    })
    .await;

    let until = time::OffsetDateTime::now_utc() + Duration::from_secs(3600);
    send(ProviderCommand::SetStatus {
        conversation: id.clone(),
        status: ConversationStatus::Snoozed,
        snoozed_until: Some(until),
    })
    .await;
    let (event, _) = wait_for(&mut bo_events, WAIT, "the snooze", |event| {
        conversations(std::slice::from_ref(event)).iter().any(|c| {
            c.status == ConversationStatus::Snoozed
                && c.work.as_ref().is_some_and(|w| w.snoozed_until.is_some())
        })
    })
    .await;
    let snoozed = conversations(&[event]);
    let kept = snoozed[0]
        .work
        .as_ref()
        .and_then(|w| w.snoozed_until)
        .expect("until");
    assert_eq!(kept.unix_timestamp(), until.unix_timestamp());

    send(ProviderCommand::AddNote {
        conversation: id.clone(),
        client_id: "note-1".into(),
        text: "She called twice".into(),
    })
    .await;
    let (event, _) = wait_for(&mut bo_events, WAIT, "the note", |event| {
        is_text(event, "She called twice")
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    assert_eq!(messages[0].direction, Direction::Note);
    assert_eq!(messages[0].sender, "Ana Lima");
    assert!(
        fake.messages(desk.conversation)
            .iter()
            .any(|m| m["content"] == "She called twice" && m["private"] == true),
        "kept as a private note"
    );

    // Ana types a private note (as the web app does): Bo sees an agent writing a note, never
    // the customer typing.
    reqwest::Client::new()
        .post(format!(
            "{}/api/v1/accounts/{ACCOUNT}/conversations/{id}/toggle_typing_status",
            fake.base_url
        ))
        .header("api_access_token", &desk.agent.token)
        .json(&json!({"typing_status": "on", "is_private": true}))
        .send()
        .await
        .expect("typing");
    let (event, _) = wait_for(&mut bo_events, WAIT, "typing", |event| {
        matches!(event, ProviderEvent::Typing { typing: true, .. })
    })
    .await;
    let ProviderEvent::Typing { who, .. } = event else {
        unreachable!()
    };
    assert_eq!(who, "Ana Lima (private note)");
    fake.customer_typing(desk.conversation, true);
    let (event, _) = wait_for(&mut bo_events, WAIT, "customer typing", |event| {
        matches!(event, ProviderEvent::Typing { typing: true, .. })
    })
    .await;
    assert!(matches!(event, ProviderEvent::Typing { who, .. } if who == "Jane"));

    // Ana types a reply and sends it: Bo sees her start, then stop (Chatwoot does not end
    // typing on a send; the provider says so).
    send(ProviderCommand::Typing {
        conversation: id.clone(),
        typing: true,
    })
    .await;
    wait_for(&mut bo_events, WAIT, "Ana typing", |event| {
        matches!(event, ProviderEvent::Typing { who, typing: true, .. } if who == "Ana Lima (agent)")
    })
    .await;
    send(ProviderCommand::SendText {
        conversation: id.clone(),
        client_id: "r-1".into(),
        text: "On it".into(),
    })
    .await;
    wait_for(&mut bo_events, WAIT, "Ana stopped", |event| {
        matches!(event, ProviderEvent::Typing { typing: false, .. })
    })
    .await;
}

#[tokio::test]
async fn reopening_as_an_agent_takes_the_assignment_as_chatwoot_does() {
    let desk = desk().await;
    let fake = &desk.fake;
    let bo = fake.add_user("Bo Chen", "agent");
    fake.add_member(desk.inbox, bo.id);
    let (handle, mut events) = start("cw", config(fake, &desk.agent));
    live(&mut events).await;
    let id = desk.conversation.to_string();
    for command in [
        ProviderCommand::Assign {
            conversation: id.clone(),
            agent: Some(bo.id.to_string()),
        },
        ProviderCommand::SetStatus {
            conversation: id.clone(),
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        },
        ProviderCommand::SetStatus {
            conversation: id.clone(),
            status: ConversationStatus::Open,
            snoozed_until: None,
        },
    ] {
        handle.commands.send(command).await.expect("command");
    }
    let me = desk.agent.id.to_string();
    wait_for(&mut events, WAIT, "self-assignment", |event| {
        conversations(std::slice::from_ref(event)).iter().any(|c| {
            c.status == ConversationStatus::Open
                && c.work.as_ref().and_then(|w| w.assignee.clone()) == Some(me.clone())
        })
    })
    .await;
}

#[tokio::test]
async fn a_wrong_token_is_named_and_waits_for_the_user() {
    let desk = desk().await;
    let mut config = config(&desk.fake, &desk.agent);
    config.token = "not-a-token".into();
    let (_handle, mut events) = start("cw", config);
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
    assert!(reason.contains("Invalid Access Token"), "{reason}");
    let later = drain(&mut events, Duration::from_millis(1200)).await;
    assert!(later.is_empty(), "no retry loop: {later:?}");
    let profile_reads = desk
        .fake
        .requests()
        .iter()
        .filter(|r| r.contains("/profile"))
        .count();
    assert_eq!(profile_reads, 1);
}

#[tokio::test]
async fn server_trouble_and_rate_limits_are_retried_and_named() {
    let desk = desk().await;
    desk.fake
        .fail_next("/conversations", 429, "Retry later\n", 1);
    desk.fake.fail_next(
        "/inboxes",
        500,
        r#"{"status":500,"error":"Internal Server Error"}"#,
        1,
    );
    let (_handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    let seen = live(&mut events).await;
    assert!(
        conversations(&seen)
            .iter()
            .any(|c| *c.key.id == desk.conversation.to_string()),
        "the listing went through after the retries"
    );
    // Past the retries, the failure is named in the backoff.
    desk.fake
        .fail_next("/profile", 503, r#"{"error":"maintenance"}"#, 10);
    desk.fake.drop_sockets();
    let (event, _) = wait_for(&mut events, WAIT, "backing off", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) if reason.contains("503"))
    })
    .await;
    assert!(
        matches!(event, ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) if reason.contains("maintenance"))
    );
}

#[tokio::test]
async fn a_refused_pubsub_token_is_silence_and_is_named() {
    let desk = desk().await;
    desk.fake
        .set_profile_pubsub_token(desk.agent.id, Some("stale-token"));
    let (_handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
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
        reason.contains("did not confirm the live subscription"),
        "{reason}"
    );
    // The profile is read again on the next attempt: once the token is right, it goes live.
    desk.fake.set_profile_pubsub_token(desk.agent.id, None);
    let (_, _) = wait_for(&mut events, Duration::from_secs(10), "Live", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
}

#[tokio::test]
async fn a_dropped_socket_reconnects_and_catches_up() {
    let desk = desk().await;
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::Open {
            conversation: desk.conversation.to_string(),
        })
        .await
        .expect("open");
    desk.fake
        .customer_writes(desk.conversation, "before the drop");
    wait_for(&mut events, WAIT, "live message", |event| {
        is_text(event, "before the drop")
    })
    .await;
    desk.fake.drop_sockets();
    wait_for(&mut events, WAIT, "the drop", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    desk.fake
        .customer_writes(desk.conversation, "said while we were away");
    wait_for(
        &mut events,
        Duration::from_secs(10),
        "the catch-up",
        |event| is_text(event, "said while we were away"),
    )
    .await;
    assert!(desk.fake.sockets_opened() >= 2);
    assert!(
        desk.fake
            .requests()
            .iter()
            .any(|r| r.contains("updated_within=")),
        "the reconnect asked for what changed"
    );
}

#[tokio::test]
async fn a_silent_socket_is_taken_as_dead() {
    let desk = desk().await;
    let mut config = config(&desk.fake, &desk.agent);
    config.stale_after = Duration::from_millis(1500);
    desk.fake.set_ping_interval(Duration::from_millis(300));
    let (_handle, mut events) = start("cw", config);
    live(&mut events).await;
    desk.fake.silence_pings(true);
    let (event, _) = wait_for(&mut events, WAIT, "stale", |event| {
        matches!(
            event,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    assert!(
        matches!(event, ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) if reason.contains("went silent"))
    );
}

#[tokio::test]
async fn presence_is_said_on_the_cable() {
    let desk = desk().await;
    let mut config = config(&desk.fake, &desk.agent);
    config.presence_every = Duration::from_millis(200);
    let (_handle, mut events) = start("cw", config);
    live(&mut events).await;
    drain(&mut events, Duration::from_millis(700)).await;
    let frames = desk.fake.cable_frames();
    let subscribe = frames
        .iter()
        .find(|f| f["command"] == "subscribe")
        .expect("subscribed");
    let identifier: serde_json::Value =
        serde_json::from_str(subscribe["identifier"].as_str().expect("a string")).expect("json");
    assert_eq!(identifier["channel"], "RoomChannel");
    assert_eq!(identifier["account_id"], ACCOUNT);
    assert_eq!(identifier["user_id"], desk.agent.id);
    let presence = frames
        .iter()
        .filter(|f| f["command"] == "message" && f["data"] == r#"{"action":"update_presence"}"#)
        .count();
    assert!(presence >= 3, "{frames:#?}");
}

#[tokio::test]
async fn unknown_and_unreadable_frames_cost_nothing_and_other_accounts_are_dropped() {
    let desk = desk().await;
    let (_handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    desk.fake.send_raw("{not json");
    desk.fake.push_event(
        desk.agent.id,
        "party.started",
        json!({"account_id": ACCOUNT}),
    );
    desk.fake.push_event(
        desk.agent.id,
        "message.created",
        json!({"id": 999, "content": "from another account", "account_id": ACCOUNT + 1,
               "conversation_id": desk.conversation, "message_type": 0, "created_at": 1}),
    );
    desk.fake.customer_writes(desk.conversation, "still here");
    let (_, seen) = wait_for(&mut events, WAIT, "the next message", |event| {
        is_text(event, "still here")
    })
    .await;
    assert!(
        seen.iter().any(
            |event| matches!(event, ProviderEvent::Error(e) if e.contains("could not be read"))
        )
    );
    assert!(
        !seen
            .iter()
            .any(|event| is_text(event, "from another account"))
    );
    assert!(
        !seen
            .iter()
            .any(|event| matches!(event, ProviderEvent::Connection(_)))
    );
}

#[tokio::test]
async fn a_conversation_first_heard_in_a_push_is_read() {
    let desk = desk().await;
    let (_handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    // Only the message: no conversation event before it.
    desk.fake.set_waiting_events(false);
    let contact = desk.fake.add_contact("Late", "+15550009");
    let late = desk.fake.add_conversation_unannounced(desk.inbox, contact);
    desk.fake.customer_writes(late, "first words");
    let (event, _) = wait_for(
        &mut events,
        WAIT,
        "the new conversation's message",
        |event| is_text(event, "first words"),
    )
    .await;
    assert!(
        matches!(event, ProviderEvent::Messages { live: true, ref messages, .. }
            if messages[0].direction == Direction::Inbound),
        "shown at once, as news: {event:?}"
    );
    wait_for(&mut events, WAIT, "the conversation, read", |event| {
        conversations(std::slice::from_ref(event))
            .iter()
            .any(|c| *c.key.id == late.to_string() && c.contact.name == "Late")
    })
    .await;
    assert!(
        desk.fake
            .requests()
            .iter()
            .any(|r| r == &format!("GET /api/v1/accounts/{ACCOUNT}/conversations/{late}")),
        "read by its display id"
    );
}

#[tokio::test]
async fn signed_webhooks_are_applied_and_forged_ones_refused() {
    let desk = desk().await;
    let (config, url) = with_webhook(&desk, "hook-secret");
    let (_handle, mut events) = start("cw", config);
    live(&mut events).await;
    let body = json!({
        "event": "message_created", "id": 777, "content": "via webhook",
        "message_type": "incoming", "created_at": "2026-06-17T05:33:20.000Z", "private": false,
        "account": {"id": ACCOUNT, "name": "Acme"},
        "conversation": {"id": desk.conversation, "inbox_id": desk.inbox},
        "sender": {"id": 1, "name": "Jane"}
    })
    .to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sign = |at: i64| {
        switchboard::providers::chatwoot::webhook::sign("hook-secret", at, body.as_bytes())
    };
    assert_eq!(post_hook(&url, &body, now, None).await, 401, "unsigned");
    assert_eq!(
        post_hook(&url, &body, now, Some(sign(now - 1))).await,
        401,
        "bad signature"
    );
    assert_eq!(
        post_hook(&url, &body, now - 600, Some(sign(now - 600))).await,
        401,
        "stale"
    );
    assert_eq!(post_hook(&url, &body, now, Some(sign(now))).await, 200);
    wait_for(&mut events, WAIT, "the webhook's message", |event| {
        is_text(event, "via webhook")
    })
    .await;
}

#[tokio::test]
async fn attachments_delivery_deletion_and_unread_follow_the_platform() {
    let desk = desk().await;
    let fake = &desk.fake;
    let (handle, mut events) = start("cw", config(fake, &desk.agent));
    live(&mut events).await;
    let id = desk.conversation.to_string();

    fake.customer_sends_file(
        desk.conversation,
        "image",
        "https://files.example/rails/active_storage/blobs/photo.jpg",
        Some("the damage"),
    );
    let (event, _) = wait_for(&mut events, WAIT, "the photo", |event| {
        is_text(event, "[image] the damage")
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    assert!(matches!(&messages[0].content,
        switchboard::model::Content::Media { url, .. } if url.ends_with("photo.jpg")));

    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: id.clone(),
            client_id: "local-9".into(),
            text: "Replacing it".into(),
        })
        .await
        .expect("send");
    let (event, _) = wait_for(&mut events, WAIT, "the reply", |event| {
        is_text(event, "Replacing it")
    })
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    let reply: u64 = messages[0].id.parse().expect("a numeric id");
    assert_eq!(
        messages[0].status,
        switchboard::model::DeliveryStatus::Pending,
        "WhatsApp: in progress until the channel gives it an id"
    );
    fake.set_message_source_id(desk.conversation, reply, "wamid.1");
    fake.set_message_status(desk.conversation, reply, "delivered");
    wait_for(&mut events, WAIT, "delivered", |event| match event {
        // The thread was not opened: the update is the status alone.
        ProviderEvent::StatusUpdate {
            message_id, status, ..
        } => *message_id == reply.to_string() && *status == DeliveryStatus::Delivered,
        ProviderEvent::Messages { messages, .. } => messages
            .iter()
            .any(|m| m.id == reply.to_string() && m.status == DeliveryStatus::Delivered),
        _ => false,
    })
    .await;

    handle
        .commands
        .send(ProviderCommand::DeleteMessage {
            conversation: id.clone(),
            message_id: reply.to_string(),
        })
        .await
        .expect("delete");
    wait_for(&mut events, WAIT, "deleted", |event| {
        matches!(event, ProviderEvent::MessageDeleted { message_id, .. } if *message_id == reply.to_string())
    })
    .await;
    assert!(
        fake.messages(desk.conversation)
            .iter()
            .any(|m| m["id"] == reply && m["content_attributes"]["deleted"] == true),
        "soft-deleted on the server"
    );

    handle
        .commands
        .send(ProviderCommand::MarkUnread {
            conversation: id.clone(),
        })
        .await
        .expect("unread");
    support::until("the unread mark reaches the server", || {
        fake.requests()
            .iter()
            .any(|r| r == &format!("POST /api/v1/accounts/{ACCOUNT}/conversations/{id}/unread"))
    })
    .await;
}

#[tokio::test]
async fn a_missing_conversation_is_named_on_screen() {
    let desk = desk().await;
    desk.fake.fail_next(
        "/messages",
        404,
        r#"{"error":"Resource could not be found"}"#,
        1,
    );
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::Open {
            conversation: desk.conversation.to_string(),
        })
        .await
        .expect("open");
    let (event, _) = wait_for(&mut events, WAIT, "the error", |event| {
        matches!(event, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(text) = event else {
        unreachable!()
    };
    assert!(
        text.contains("404") && text.contains("Resource could not be found"),
        "{text}"
    );
    // A later open tries again.
    handle
        .commands
        .send(ProviderCommand::Open {
            conversation: desk.conversation.to_string(),
        })
        .await
        .expect("open");
    wait_for(&mut events, WAIT, "the thread", |event| {
        matches!(event, ProviderEvent::HistoryComplete { .. })
    })
    .await;
}

/// The real binary, from a config file: `switchboard send` replies in a Chatwoot conversation
/// through the outbox, with the token read from the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_replies_through_a_configured_chatwoot_account() {
    let desk = desk().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[hub]
enabled = false

[store]
database = {store:?}

[[account]]
provider = "chatwoot"
name = "acme"
base_url = "{url}"
account_id = {ACCOUNT}
api_access_token_env = "SB_TEST_CHATWOOT_TOKEN"
"#,
            store = dir.path().join("inbox.sqlite3"),
            url = desk.fake.base_url,
        ),
    )
    .expect("config");
    let conversation = desk.conversation.to_string();
    let token = desk.agent.token.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&config)
            .args(["send", "--account", "acme", "--conversation", &conversation])
            .args(["--timeout", "20", "Your refund is on its way"])
            .env("SB_TEST_CHATWOOT_TOKEN", token)
            .output()
    })
    .await
    .expect("join")
    .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("queued"), "{stdout}");
    let sent: Vec<_> = desk
        .fake
        .messages(desk.conversation)
        .into_iter()
        .filter(|m| m["content"] == "Your refund is on its way")
        .collect();
    assert_eq!(sent.len(), 1, "sent once");
    assert!(
        sent[0]["sender"]["id"] == desk.agent.id,
        "as the agent: {:?}",
        sent[0]
    );
}

#[tokio::test]
async fn teams_read_markers_typing_and_contact_changes_reach_chatwoot() {
    let desk = desk().await;
    let fake = &desk.fake;
    let billing = fake.add_team("billing");
    let (handle, mut events) = start("cw", config(fake, &desk.agent));
    live(&mut events).await;
    let id = desk.conversation.to_string();
    let path = |rest: &str| format!("/api/v1/accounts/{ACCOUNT}/conversations/{id}{rest}");
    for command in [
        ProviderCommand::Assign {
            conversation: id.clone(),
            agent: Some(format!("team:{billing}")),
        },
        ProviderCommand::MarkRead {
            conversation: id.clone(),
        },
        ProviderCommand::Typing {
            conversation: id.clone(),
            typing: true,
        },
    ] {
        handle.commands.send(command).await.expect("command");
    }
    wait_for(&mut events, WAIT, "the team", |event| {
        conversations(std::slice::from_ref(event)).iter().any(|c| {
            c.work.as_ref().and_then(|w| w.assignee.clone()) == Some(format!("team:{billing}"))
        })
    })
    .await;
    assert_eq!(
        fake.conversation(desk.conversation)["meta"]["team"]["id"],
        billing
    );
    support::until("the read marker and typing", || {
        let requests = fake.requests();
        [path("/update_last_seen"), path("/toggle_typing_status")]
            .iter()
            .all(|want| requests.iter().any(|r| r == &format!("POST {want}")))
    })
    .await;

    // The customer's name changes in Chatwoot: the row follows.
    let contact = fake.conversation(desk.conversation)["meta"]["sender"]["id"].clone();
    fake.push_event(
        desk.agent.id,
        "contact.updated",
        json!({"id": contact, "name": "Jane Doe", "phone_number": "+15551234567",
               "type": "contact", "account_id": ACCOUNT}),
    );
    wait_for(&mut events, WAIT, "the new name", |event| {
        conversations(std::slice::from_ref(event))
            .iter()
            .any(|c| c.contact.name == "Jane Doe")
    })
    .await;
}

#[tokio::test]
async fn a_resend_after_a_restart_is_sent_again() {
    let desk = desk().await;
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::Resend {
            conversation: desk.conversation.to_string(),
            client_id: "kept-1".into(),
            text: "From before the crash".into(),
        })
        .await
        .expect("resend");
    let (event, _) = wait_for(&mut events, WAIT, "the copy", |event| {
        is_text(event, "From before the crash")
    })
    .await;
    assert!(matches!(event, ProviderEvent::Messages { messages, .. }
        if messages[0].client_id.as_deref() == Some("kept-1")));
}

#[tokio::test]
async fn unsigned_webhooks_are_a_warned_about_choice() {
    let desk = desk().await;
    let mut config = config(&desk.fake, &desk.agent);
    config.webhook = Some(switchboard::providers::chatwoot::webhook::WebhookConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: None,
    });
    let (_handle, mut events) = start("cw", config);
    let seen = live(&mut events).await;
    assert!(
        seen.iter()
            .any(|event| matches!(event, ProviderEvent::Error(e) if e.contains("unsigned"))),
        "{seen:#?}"
    );
}

#[tokio::test]
async fn a_send_left_in_doubt_is_looked_up_before_it_is_called_failed() {
    let desk = desk().await;
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    // Chatwoot's job queue is slow: the broadcast comes late, and the answer never does.
    desk.fake.hold_broadcasts();
    desk.fake.set_post_message_delay(Duration::from_secs(3));
    handle
        .commands
        .send(ProviderCommand::SendText {
            conversation: desk.conversation.to_string(),
            client_id: "doubt-1".into(),
            text: "Are you still there?".into(),
        })
        .await
        .expect("send");
    let (event, seen) = wait_for(
        &mut events,
        Duration::from_secs(8),
        "the copy found",
        |event| is_text(event, "Are you still there?"),
    )
    .await;
    assert!(matches!(event, ProviderEvent::Messages { ref messages, .. }
        if messages[0].client_id.as_deref() == Some("doubt-1")));
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ProviderEvent::SendFailed { .. }))
    );
    desk.fake.release_broadcasts();
    let later = drain(&mut events, Duration::from_millis(500)).await;
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, ProviderEvent::SendFailed { .. })),
        "{later:?}"
    );
    let copies = desk
        .fake
        .messages(desk.conversation)
        .into_iter()
        .filter(|m| m["content"] == "Are you still there?")
        .count();
    assert_eq!(copies, 1, "not sent twice");
}

#[tokio::test]
async fn deletions_pushed_by_chatwoot_remove_the_message() {
    let desk = desk().await;
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    let id = desk
        .fake
        .customer_writes(desk.conversation, "oops, my card number");
    wait_for(&mut events, WAIT, "the message", |event| {
        is_text(event, "oops, my card number")
    })
    .await;
    handle
        .commands
        .send(ProviderCommand::DeleteMessage {
            conversation: desk.conversation.to_string(),
            message_id: id.to_string(),
        })
        .await
        .expect("delete");
    let mut deletions = 0;
    for event in drain(&mut events, Duration::from_millis(800)).await {
        assert!(
            !is_text(&event, "This message was deleted"),
            "never shown back: {event:?}"
        );
        if matches!(event, ProviderEvent::MessageDeleted { ref message_id, .. } if *message_id == id.to_string())
        {
            deletions += 1;
        }
    }
    assert!(deletions >= 1);
}

#[tokio::test]
async fn unread_counts_go_past_chatwoots_cap_of_ten() {
    let desk = desk().await;
    let (_handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    let mut counts = Vec::new();
    for i in 1..=12 {
        desk.fake
            .customer_writes(desk.conversation, &format!("message {i}"));
        let (_, seen) = wait_for(&mut events, WAIT, "the message", |event| {
            is_text(event, &format!("message {i}"))
        })
        .await;
        counts.extend(conversations(&seen).iter().map(|c| c.unread));
    }
    counts.extend(
        conversations(&drain(&mut events, Duration::from_millis(300)).await)
            .iter()
            .map(|c| c.unread),
    );
    assert_eq!(counts.last(), Some(&12), "{counts:?}");
    assert_eq!(
        desk.fake.conversation(desk.conversation)["unread_count"],
        10,
        "the server caps"
    );
}

#[tokio::test]
async fn a_thread_resumes_after_the_stores_cursor() {
    let desk = desk().await;
    let ids = desk.fake.add_history(desk.conversation, 30);
    let mut config = config(&desk.fake, &desk.agent);
    let cursor_at = time::OffsetDateTime::now_utc() - Duration::from_secs(3600);
    config.resume.insert(
        desk.conversation.to_string(),
        (cursor_at, ids[4].to_string()),
    );
    let (_handle, mut events) = start("cw", config);
    let (event, _) = wait_for(
        &mut events,
        WAIT,
        "the messages after the cursor",
        |event| matches!(event, ProviderEvent::Messages { .. }),
    )
    .await;
    let ProviderEvent::Messages { messages, live, .. } = event else {
        unreachable!()
    };
    assert!(!live);
    let texts: Vec<String> = messages.iter().map(|m| m.content.preview()).collect();
    assert_eq!(
        texts.first().map(String::as_str),
        Some("history 6"),
        "{texts:?}"
    );
    assert_eq!(texts.len(), 25);
    let (event, _) = wait_for(&mut events, WAIT, "a cursor", |event| {
        matches!(event, ProviderEvent::Cursor { .. })
    })
    .await;
    assert!(matches!(event, ProviderEvent::Cursor { id, .. } if id == ids[29].to_string()));
}

#[tokio::test]
async fn a_customer_typing_by_webhook_is_the_customer() {
    let desk = desk().await;
    let (config, url) = with_webhook(&desk, "s");
    let (_handle, mut events) = start("cw", config);
    live(&mut events).await;
    // §8.3: a contact in a webhook has no "type" (and its id may equal a user's).
    let body = json!({
        "event": "conversation_typing_on", "is_private": false,
        "user": {"id": desk.agent.id, "name": "Jane", "email": null},
        "conversation": {"id": desk.conversation, "inbox_id": desk.inbox},
    })
    .to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = switchboard::providers::chatwoot::webhook::sign("s", now, body.as_bytes());
    assert_eq!(post_hook(&url, &body, now, Some(signature)).await, 200);
    let (event, _) = wait_for(&mut events, WAIT, "typing", |event| {
        matches!(event, ProviderEvent::Typing { .. })
    })
    .await;
    assert!(matches!(event, ProviderEvent::Typing { who, typing: true, .. } if who == "Jane"));
}

#[tokio::test]
async fn contacts_are_searched_on_chatwoot() {
    let desk = desk().await;
    desk.fake.add_contact("Zoe Park", "+15557770000");
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    handle
        .commands
        .send(ProviderCommand::SearchContacts {
            query: "zoe".into(),
        })
        .await
        .expect("search");
    let (event, _) = wait_for(&mut events, WAIT, "contacts", |event| {
        matches!(event, ProviderEvent::Contacts { .. })
    })
    .await;
    let ProviderEvent::Contacts { query, contacts } = event else {
        unreachable!()
    };
    assert_eq!(query, "zoe");
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0].name, "Zoe Park");
    assert_eq!(contacts[0].phone.as_deref(), Some("+15557770000"));

    // Jane is in the WhatsApp inbox: a conversation is started there.
    handle
        .commands
        .send(ProviderCommand::SearchContacts {
            query: "Jane".into(),
        })
        .await
        .expect("search");
    let (event, _) = wait_for(
        &mut events,
        WAIT,
        "Jane",
        |event| matches!(event, ProviderEvent::Contacts { query, .. } if query == "Jane"),
    )
    .await;
    let ProviderEvent::Contacts { contacts, .. } = event else {
        unreachable!()
    };
    let reach = &contacts[0].identifiers[0];
    assert_eq!(reach.channel, Channel::WhatsApp);
    assert_eq!(reach.channel_type, desk.inbox.to_string());
    handle
        .commands
        .send(ProviderCommand::StartConversation {
            contact_id: contacts[0].id.clone(),
            channel_type: reach.channel_type.clone(),
        })
        .await
        .expect("start");
    let (event, seen) = wait_for(&mut events, WAIT, "started", |event| {
        matches!(event, ProviderEvent::ConversationStarted { .. })
    })
    .await;
    let ProviderEvent::ConversationStarted { conversation } = event else {
        unreachable!()
    };
    assert_ne!(conversation, desk.conversation.to_string(), "a new one");
    assert!(
        conversations(&seen)
            .iter()
            .any(|c| *c.key.id == conversation),
        "listed before it is said started"
    );
}

#[tokio::test]
async fn listing_only_mine_keeps_the_others_conversations_out() {
    let desk = desk().await;
    let fake = &desk.fake;
    let bo = fake.add_user("Bo Chen", "agent");
    fake.add_member(desk.inbox, bo.id);
    let contact = fake.add_contact("Mine Only", "+15550101");
    let mine = fake.add_conversation(desk.inbox, contact);
    let mut config = config(fake, &desk.agent);
    config.listing = switchboard::providers::chatwoot::config::Listing::Mine;
    // Ana takes one conversation (as she would in the web app) before starting.
    reqwest::Client::new()
        .post(format!(
            "{}/api/v1/accounts/{ACCOUNT}/conversations/{mine}/assignments",
            fake.base_url
        ))
        .header("api_access_token", &desk.agent.token)
        .json(&json!({"assignee_id": desk.agent.id}))
        .send()
        .await
        .expect("assign");
    let (_handle, mut events) = start("cw", config);
    let seen = live(&mut events).await;
    let ids: Vec<String> = conversations(&seen)
        .iter()
        .map(|c| c.key.id.to_string())
        .collect();
    assert_eq!(ids, vec![mine.to_string()], "only hers");
    fake.customer_writes(desk.conversation, "not for Ana");
    fake.customer_writes(mine, "for Ana");
    let (_, seen) = wait_for(&mut events, WAIT, "her message", |event| {
        is_text(event, "for Ana")
    })
    .await;
    let later = drain(&mut events, Duration::from_millis(500)).await;
    assert!(
        !seen
            .iter()
            .chain(&later)
            .any(|event| is_text(event, "not for Ana")),
        "another's conversation stays out"
    );
}

#[tokio::test]
async fn a_lookup_never_takes_an_earlier_reply_for_a_lost_one() {
    let desk = desk().await;
    let (handle, mut events) = start("cw", config(&desk.fake, &desk.agent));
    live(&mut events).await;
    let send = |client_id: &str| ProviderCommand::SendText {
        conversation: desk.conversation.to_string(),
        client_id: client_id.into(),
        text: "ok".into(),
    };
    handle.commands.send(send("first")).await.expect("send");
    wait_for(&mut events, WAIT, "the first ok", |event| {
        is_text(event, "ok")
    })
    .await;
    // The second "ok" meets a proxy's 502 and never reaches Chatwoot.
    desk.fake.fail_next(
        "/messages",
        502,
        r#"{"status":502,"error":"Bad Gateway"}"#,
        1,
    );
    handle.commands.send(send("second")).await.expect("send");
    let (event, seen) = wait_for(
        &mut events,
        Duration::from_secs(8),
        "the failure",
        |event| matches!(event, ProviderEvent::SendFailed { .. }),
    )
    .await;
    assert!(matches!(event, ProviderEvent::SendFailed { client_id, .. } if client_id == "second"));
    assert!(
        !seen.iter().any(
            |event| matches!(event, ProviderEvent::Messages { messages, .. }
            if messages.iter().any(|m| m.client_id.as_deref() == Some("second")))
        ),
        "the first copy is not taken for the second"
    );
    assert!(
        desk.fake
            .requests()
            .iter()
            .any(|r| r.starts_with("GET") && r.ends_with("/messages")),
        "looked up"
    );
}

#[tokio::test]
async fn a_deletion_by_a_colleague_removes_the_message() {
    let desk = desk().await;
    let fake = &desk.fake;
    let bo = fake.add_user("Bo Chen", "administrator");
    let (_handle, mut events) = start("cw", config(fake, &desk.agent));
    live(&mut events).await;
    let id = fake.customer_writes(desk.conversation, "my password is hunter2");
    wait_for(&mut events, WAIT, "the message", |event| {
        is_text(event, "my password is hunter2")
    })
    .await;
    let answer = reqwest::Client::new()
        .delete(format!(
            "{}/api/v1/accounts/{ACCOUNT}/conversations/{}/messages/{id}",
            fake.base_url, desk.conversation
        ))
        .header("api_access_token", &bo.token)
        .send()
        .await
        .expect("delete");
    assert!(answer.status().is_success());
    wait_for(&mut events, WAIT, "the deletion", |event| {
        matches!(event, ProviderEvent::MessageDeleted { message_id, .. } if *message_id == id.to_string())
    })
    .await;
}

#[tokio::test]
async fn unassigned_means_no_agent_so_a_team_queue_is_listed() {
    let desk = desk().await;
    let fake = &desk.fake;
    let billing = fake.add_team("billing");
    reqwest::Client::new()
        .post(format!(
            "{}/api/v1/accounts/{ACCOUNT}/conversations/{}/assignments",
            fake.base_url, desk.conversation
        ))
        .header("api_access_token", &desk.agent.token)
        .json(&json!({"team_id": billing}))
        .send()
        .await
        .expect("team");
    let mut config = config(fake, &desk.agent);
    config.listing = switchboard::providers::chatwoot::config::Listing::Unassigned;
    let (_handle, mut events) = start("cw", config);
    let seen = live(&mut events).await;
    let listed = conversations(&seen);
    assert!(
        listed
            .iter()
            .any(|c| *c.key.id == desk.conversation.to_string()
                && c.work.as_ref().and_then(|w| w.assignee.clone())
                    == Some(format!("team:{billing}"))),
        "{listed:?}"
    );
}
