//! The Symbl insight source end to end against a fake Symbl on 127.0.0.1 (see `symbl_fake`):
//! tokens, the async Text API with jobs, the Conversation API, the streaming socket, and the
//! failures (401, 429, failed jobs, unknown job states, dead sockets, unreadable frames).

use crate::fakes;

use std::time::Duration;

use fakes::symbl::{APP_ID, APP_SECRET, BUSY_MESSAGE, FakeSymbl};
use serde_json::{Value, json};
use switchboard::insights::{
    ActionKind, ContactMode, ConversationInsights, EntityKind, InsightSource, Side,
};
use switchboard::model::{AccountId, Content, ConversationKey, DeliveryStatus, Direction, Message};
use switchboard::providers::symbl::wire::TrackerDefinition;
use switchboard::providers::symbl::{
    Credentials, SymblConfig, SymblHandle, SymblMode, SymblRequest, spawn,
};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use time::macros::datetime;
use tokio::sync::mpsc;

/// A guard against hanging, not a timing assertion.
const WAIT: Duration = Duration::from_secs(10);

fn config(base_url: &str) -> SymblConfig {
    let mut config = SymblConfig::new(
        base_url,
        Credentials {
            app_id: APP_ID.into(),
            app_secret: APP_SECRET.into(),
        },
    );
    config.retry.max_retries = 3;
    config.retry.backoff_base = Duration::from_millis(1);
    config.retry.backoff_cap = Duration::from_millis(20);
    config.polling.interval = Duration::from_millis(5);
    config.request_timeout = Duration::from_secs(5);
    config.trackers = vec![TrackerDefinition {
        name: "Refund".into(),
        vocabulary: vec!["refund".into(), "money back".into()],
    }];
    config
}

fn start(config: SymblConfig) -> (SymblHandle, mpsc::Receiver<AccountEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    (spawn(config, tx), rx)
}

fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&AccountId::new("shop"), id)
}

fn message(id: &str, direction: Direction, text: &str, minute: i64) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction,
        sender: match direction {
            Direction::Inbound => "Ana".into(),
            Direction::Outbound | Direction::Note => "Sam".into(),
        },
        content: Content::Text(text.into()),
        at: datetime!(2026-03-01 09:00 UTC) + time::Duration::minutes(minute),
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

fn thread() -> Vec<Message> {
    vec![
        message(
            "m1",
            Direction::Inbound,
            "Hi there. Where is my order #4411? I want a refund.",
            0,
        ),
        message(
            "m2",
            Direction::Outbound,
            "Sorry about that! I'll check the delivery today. I'll call you tomorrow.",
            1,
        ),
    ]
}

async fn analyse(handle: &SymblHandle, conversation: &str, messages: Vec<Message>) {
    handle
        .requests
        .send(SymblRequest::Analyse {
            conversation: key(conversation),
            messages,
        })
        .await
        .expect("symbl task running");
}

/// Waits for an event matching `pred`; returns it and everything seen before it.
async fn wait_for(
    events: &mut mpsc::Receiver<AccountEvent>,
    what: &str,
    mut pred: impl FnMut(&ProviderEvent) -> bool,
) -> (ProviderEvent, Vec<ProviderEvent>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                assert_eq!(event.account, AccountId::new("symbl"));
                if pred(&event.event) {
                    return (event.event, seen);
                }
                seen.push(event.event);
            }
            Ok(None) => panic!("event channel closed waiting for {what}; seen {seen:#?}"),
            Err(_) => panic!("timed out waiting for {what}; seen {seen:#?}"),
        }
    }
}

async fn insights_for(
    events: &mut mpsc::Receiver<AccountEvent>,
    conversation: &str,
) -> (ConversationInsights, Vec<ProviderEvent>) {
    let wanted = key(conversation);
    let (event, seen) = wait_for(events, "insights", |event| {
        matches!(event, ProviderEvent::RemoteInsights { conversation, .. } if *conversation == wanted)
    })
    .await;
    match event {
        ProviderEvent::RemoteInsights { insights, .. } => (*insights, seen),
        _ => unreachable!("matched above"),
    }
}

async fn live(events: &mut mpsc::Receiver<AccountEvent>) {
    wait_for(events, "Live", |event| {
        matches!(event, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
}

/// Events that arrive within `window` (used only to show that nothing else happens).
async fn quiet(events: &mut mpsc::Receiver<AccountEvent>, window: Duration) -> Vec<ProviderEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        seen.push(event.event);
    }
    seen
}

// ----- auth ----------------------------------------------------------------------------------

#[tokio::test]
async fn token_is_generated_with_the_app_credentials_cached_and_sent_on_every_call() {
    let fake = FakeSymbl::start().await;
    fake.set_polls_before_complete(2);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    insights_for(&mut events, "c1").await;

    let calls = fake.token_calls();
    assert_eq!(
        calls.len(),
        1,
        "one token serves every call: {:?}",
        fake.log()
    );
    assert_eq!(
        calls[0],
        serde_json::json!({"type":"application","appId":APP_ID,"appSecret":APP_SECRET})
    );
    // Submit, three job polls, nine Conversation API listings: all accepted with that token.
    assert_eq!(fake.requests_to("POST /v1/process/text"), 1);
    assert_eq!(fake.requests_to("GET /v1/job/"), 3);
    assert_eq!(fake.requests_to("GET /v1/conversations/"), 9);
}

#[tokio::test]
async fn a_token_is_renewed_when_it_is_due() {
    let fake = FakeSymbl::start().await;
    // A lifetime of zero is due at once: every call needs a fresh token.
    fake.set_expires_in(0);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    insights_for(&mut events, "c1").await;
    assert!(
        fake.token_calls().len() > 5,
        "renewed for each call: {}",
        fake.token_calls().len()
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_and_the_call_goes_through() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    fake.revoke_tokens();
    analyse(&handle, "c1", thread()).await;
    let (insights, _) = insights_for(&mut events, "c1").await;
    assert!(!insights.questions.is_empty());
    assert_eq!(
        fake.token_calls().len(),
        2,
        "start + one renewal after the 401"
    );
}

#[tokio::test]
async fn wrong_credentials_are_reported_once_and_not_retried() {
    let fake = FakeSymbl::start().await;
    fake.set_reject_credentials(true);
    let (handle, mut events) = start(config(&fake.base_url));
    let (event, _) = wait_for(&mut events, "AuthFailed", |event| {
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
    assert!(reason.contains("app id and secret"), "{reason}");
    assert!(
        !reason.contains(APP_SECRET),
        "the secret never shows: {reason}"
    );

    // Requests after that do not hammer the token endpoint.
    analyse(&handle, "c1", thread()).await;
    analyse(&handle, "c2", thread()).await;
    let later = quiet(&mut events, Duration::from_millis(300)).await;
    assert!(later.is_empty(), "{later:?}");
    assert_eq!(fake.token_calls().len(), 1);
    assert_eq!(fake.requests_to("POST /v1/process/text"), 0);
}

// ----- async Text API + Conversation API --------------------------------------------------------

#[tokio::test]
async fn results_map_onto_every_insight_kind_linked_to_thread_messages() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (insights, _) = insights_for(&mut events, "c1").await;

    assert_eq!(insights.source, InsightSource::Remote("symbl".into()));

    // Symbl split m1 into sentences; the question still points at m1.
    assert_eq!(insights.questions.len(), 1);
    let question = &insights.questions[0];
    assert_eq!(question.text, "Where is my order #4411?");
    assert_eq!(question.messages, vec!["m1"]);
    assert_eq!(question.asked_by.side, Some(Side::Customer));
    assert_eq!(question.asked_by.name.as_deref(), Some("Ana"));

    assert_eq!(insights.action_items.len(), 1);
    let action = &insights.action_items[0];
    assert_eq!(action.text, "I'll check the delivery today.");
    assert_eq!(action.messages, vec!["m2"]);
    assert_eq!(action.from.side, Some(Side::Agent));
    assert_eq!(action.kind, ActionKind::Commitment);

    assert_eq!(insights.follow_ups.len(), 1);
    let follow_up = &insights.follow_ups[0];
    assert_eq!(follow_up.text, "I'll call you tomorrow.");
    assert_eq!(follow_up.contact, Some(ContactMode::Call));
    assert_eq!(follow_up.messages, vec!["m2"]);

    let topics: Vec<&str> = insights.topics.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        topics,
        vec!["order", "refund", "delivery"],
        "highest score first"
    );
    assert_eq!(insights.topics[2].messages, vec!["m2"]);

    // The custom entity and the two dates, in order of mention.
    assert_eq!(insights.entities.len(), 3, "{:?}", insights.entities);
    assert_eq!(insights.entities[0].kind, EntityKind::Other("Order".into()));
    assert_eq!(insights.entities[0].text, "#4411");
    assert_eq!(insights.entities[0].messages, vec!["m1"]);
    assert_eq!(insights.entities[1].kind, EntityKind::DateTime);
    assert_eq!(insights.entities[1].text, "today");

    // Trackers came back as a top-level array.
    assert_eq!(insights.trackers.len(), 1);
    assert_eq!(insights.trackers[0].name, "Refund");
    assert_eq!(insights.trackers[0].count, 1);
    assert_eq!(insights.trackers[0].hits[0].term, "refund");
    assert_eq!(insights.trackers[0].hits[0].message, "m1");

    assert_eq!(insights.analytics.customer_messages, 1);
    assert_eq!(insights.analytics.agent_messages, 1);
    assert!(
        insights
            .analytics
            .other
            .iter()
            .any(|m| m.name == "total_talk_time" && m.value.starts_with("100%")),
        "{:?}",
        insights.analytics.other
    );

    // What was submitted: the documented body, one message per thread message.
    let submissions = fake.submissions();
    assert_eq!(submissions.len(), 1);
    let (method, _, body) = &submissions[0];
    assert_eq!(method, "POST");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["messages"][0]["payload"]["contentType"], "text/plain");
    assert_eq!(body["messages"][1]["from"]["name"], "Sam");
    assert_eq!(body["trackers"][0]["name"], "Refund");
    assert_eq!(body["trackers"][0]["vocabulary"][1], "money back");
}

#[tokio::test]
async fn new_messages_are_appended_to_the_same_symbl_conversation() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    insights_for(&mut events, "c1").await;

    let mut longer = thread();
    longer.push(message(
        "m3",
        Direction::Inbound,
        "Can you email me the label?",
        2,
    ));
    // A local echo not yet sent is not submitted.
    let mut pending = message("local-1", Direction::Outbound, "Sure thing?", 3);
    pending.status = DeliveryStatus::Pending;
    longer.push(pending);
    analyse(&handle, "c1", longer.clone()).await;
    let (insights, _) = insights_for(&mut events, "c1").await;

    let submissions = fake.submissions();
    assert_eq!(submissions.len(), 2);
    let (method, conversation, body) = &submissions[1];
    assert_eq!(method, "PUT");
    assert_eq!(conversation, &submissions[0].1, "same Symbl conversation");
    let texts: Vec<&str> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["payload"]["content"].as_str())
        .collect();
    assert_eq!(texts, vec!["Can you email me the label?"]);

    let questions: Vec<(&str, &str)> = insights
        .questions
        .iter()
        .map(|q| (q.text.as_str(), q.messages[0].as_str()))
        .collect();
    assert_eq!(
        questions,
        vec![
            ("Where is my order #4411?", "m1"),
            ("Can you email me the label?", "m3")
        ]
    );

    // Nothing new: nothing is sent.
    analyse(&handle, "c1", longer).await;
    let later = quiet(&mut events, Duration::from_millis(200)).await;
    assert!(later.is_empty(), "{later:?}");
    assert_eq!(fake.submissions().len(), 2);
}

#[tokio::test]
async fn too_many_concurrent_jobs_backs_off_and_then_succeeds() {
    let fake = FakeSymbl::start().await;
    fake.busy_next(2);
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (insights, seen) = insights_for(&mut events, "c1").await;
    assert_eq!(insights.questions.len(), 1);
    assert_eq!(
        fake.requests_to("POST /v1/process/text"),
        3,
        "two 429s, then accepted"
    );
    assert!(
        !seen.iter().any(|e| matches!(e, ProviderEvent::Error(_))),
        "retried quietly: {seen:?}"
    );
}

#[tokio::test]
async fn a_429_that_does_not_clear_is_shown_and_a_later_request_retries() {
    let fake = FakeSymbl::start().await;
    fake.busy_next(10);
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (event, _) = wait_for(&mut events, "busy error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(reason) = event else {
        unreachable!()
    };
    assert!(reason.contains("429"), "{reason}");
    // The message of the `{"statusCode":429,"message":…}` body.
    assert!(reason.contains(BUSY_MESSAGE), "{reason}");
    assert_eq!(
        fake.requests_to("POST /v1/process/text"),
        4,
        "first try + 3 retries"
    );

    fake.busy_next(0);
    analyse(&handle, "c1", thread()).await;
    let (insights, _) = insights_for(&mut events, "c1").await;
    assert_eq!(insights.questions.len(), 1, "nothing was lost");
}

#[tokio::test]
async fn a_failed_job_is_shown_and_resubmitted() {
    let fake = FakeSymbl::start().await;
    fake.fail_next_jobs(1);
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (insights, seen) = insights_for(&mut events, "c1").await;
    assert_eq!(insights.questions.len(), 1);
    assert!(
        seen.iter().any(|e| matches!(e,
            ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) if reason.contains("failed"))),
        "{seen:?}"
    );
    assert_eq!(fake.requests_to("POST /v1/process/text"), 2);
    let last_state = seen.iter().rev().find_map(|e| match e {
        ProviderEvent::Connection(state) => Some(state.clone()),
        _ => None,
    });
    assert_eq!(
        last_state,
        Some(ConnectionState::Live),
        "back to live after the retry"
    );
}

#[tokio::test]
async fn jobs_that_keep_failing_end_in_an_error_not_a_loop() {
    let fake = FakeSymbl::start().await;
    fake.fail_next_jobs(100);
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (event, _) = wait_for(&mut events, "job error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(reason) = event else {
        unreachable!()
    };
    assert!(
        reason.contains("job") && reason.contains("failed"),
        "{reason}"
    );
    assert_eq!(
        fake.requests_to("POST /v1/process/text"),
        3,
        "job_attempts = 3"
    );
}

#[tokio::test]
async fn an_unknown_job_status_is_reported() {
    let fake = FakeSymbl::start().await;
    fake.set_unknown_status("paused\u{1b}[2J");
    let (handle, mut events) = start(config(&fake.base_url));
    analyse(&handle, "c1", thread()).await;
    let (event, _) = wait_for(&mut events, "status error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(reason) = event else {
        unreachable!()
    };
    assert!(reason.contains("unknown status \"paused\""), "{reason}");
}

#[tokio::test]
async fn an_unreachable_symbl_is_shown_as_backing_off_and_checked_again() {
    let fake = FakeSymbl::start().await;
    let url = fake.base_url.clone();
    drop(fake);
    let (_handle, mut events) = start(config(&url));
    let mut reasons = Vec::new();
    while reasons.len() < 2 {
        let (event, _) = wait_for(&mut events, "BackingOff", |e| {
            matches!(
                e,
                ProviderEvent::Connection(ConnectionState::BackingOff { .. })
            )
        })
        .await;
        let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = event else {
            unreachable!()
        };
        reasons.push(reason);
    }
    assert!(
        reasons.iter().all(|r| r.contains("unreachable")),
        "{reasons:?}"
    );
}

// ----- wire truth: the fake answers in the documented shapes, not with our structs -------------

/// `expiresIn` is a JSON number and may carry a fraction (§3.1). A client that reads it as an
/// integer fails every token call; this one keeps the token for its (floored) lifetime.
#[tokio::test]
async fn a_fractional_expires_in_is_read_and_the_token_kept_until_due() {
    let fake = FakeSymbl::start().await;
    fake.set_expires_in_f64(3599.5);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    let (insights, seen) = insights_for(&mut events, "c1").await;
    assert_eq!(insights.questions.len(), 1);
    assert!(
        !seen.iter().any(|e| matches!(e, ProviderEvent::Error(_))),
        "{seen:?}"
    );
    assert_eq!(
        fake.token_calls().len(),
        1,
        "one token for everything: {:?}",
        fake.log()
    );
}

#[tokio::test]
async fn a_token_with_a_fraction_of_a_second_left_is_renewed_for_every_call() {
    let fake = FakeSymbl::start().await;
    fake.set_expires_in_f64(0.5);
    let (handle, mut events) = start(config(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    insights_for(&mut events, "c1").await;
    assert!(
        fake.token_calls().len() > 5,
        "renewed for each call: {}",
        fake.token_calls().len()
    );
}

#[tokio::test]
async fn the_token_manager_reads_expires_in_written_as_a_float() {
    use switchboard::providers::symbl::auth::TokenManager;

    switchboard::providers::tls::install_crypto_provider();
    let fake = FakeSymbl::start().await;
    fake.set_expires_in_f64(86_400.0);
    // What goes over the wire really is a float.
    let raw = reqwest::Client::new()
        .post(format!("{}/oauth2/token:generate", fake.base_url))
        .json(&json!({"type": "application", "appId": APP_ID, "appSecret": APP_SECRET}))
        .send()
        .await
        .expect("fake reachable")
        .text()
        .await
        .expect("body");
    assert!(raw.contains(r#""expiresIn":86400.0"#), "{raw}");

    let auth = TokenManager::new(
        reqwest::Client::new(),
        &fake.base_url,
        Credentials {
            app_id: APP_ID.into(),
            app_secret: APP_SECRET.into(),
        },
    );
    let first = auth.token().await.expect("86400.0 is a lifetime");
    let second = auth.token().await.expect("cached");
    assert_eq!(first, second);
    assert_eq!(fake.token_calls().len(), 2, "the raw call above, then one");
}

/// Documented fields the fake sends reach the app's model: an entity's `value` (a date, not the
/// words said), `dueBy`, `assignee.name`, `from.name`, tracker `matches[].value`,
/// `talkTime.percentage` and `pace.wpm`. A field misnamed in `wire.rs` would leave one of these
/// empty or defaulted.
#[tokio::test]
async fn documented_fields_reach_the_insight_model() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(config(&fake.base_url));
    let mut messages = thread();
    messages.push(message(
        "m3",
        Direction::Inbound,
        "Please send me the return label.",
        2,
    ));
    analyse(&handle, "c1", messages).await;
    let (insights, _) = insights_for(&mut events, "c1").await;

    // entities[].value: "tomorrow" said on 2026-03-01 is the date 2026-03-02.
    let tomorrow = insights
        .entities
        .iter()
        .find(|e| e.text == "tomorrow")
        .expect("date entity");
    assert_eq!(tomorrow.kind, EntityKind::DateTime);
    assert_eq!(tomorrow.value, "2026-03-02");
    assert_eq!(tomorrow.messages, vec!["m2"], "messageRefs[].id");
    let order = &insights.entities[0];
    assert_eq!(
        (order.text.as_str(), order.value.as_str()),
        ("#4411", "#4411")
    );

    // followUps[].dueBy and from.name.
    let follow_up = &insights.follow_ups[0];
    assert_eq!(
        follow_up.due.as_ref().and_then(|d| d.at),
        Some(datetime!(2026-03-02 17:00 UTC))
    );
    assert_eq!(follow_up.from.name.as_deref(), Some("Sam"));

    // actionItems[].assignee.name: someone else than the speaker makes it a request.
    let request = insights
        .action_items
        .iter()
        .find(|a| a.messages == vec!["m3"])
        .expect("the customer's request");
    assert_eq!(request.kind, ActionKind::Request);
    assert_eq!(request.from.name.as_deref(), Some("Ana"));
    assert_eq!(request.owner.name.as_deref(), Some("Someone Else"));
    let commitment = insights
        .action_items
        .iter()
        .find(|a| a.messages == vec!["m2"])
        .expect("the agent's commitment");
    assert_eq!(commitment.kind, ActionKind::Commitment);
    assert_eq!(commitment.owner.name.as_deref(), Some("Sam"));

    // Trackers: matches[].value and messageRefs[].id.
    assert_eq!(insights.trackers[0].hits[0].term, "refund");
    assert_eq!(insights.trackers[0].hits[0].message, "m1");

    // Analytics members: talkTime.percentage (Ana spoke in 2 of 3 one-second messages) and
    // pace.wpm.
    let metric = |name: &str| {
        insights
            .analytics
            .other
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value.clone())
    };
    assert_eq!(
        metric("Ana talk time").as_deref(),
        Some("67%"),
        "{:?}",
        insights.analytics.other
    );
    assert_eq!(metric("Sam talk time").as_deref(), Some("33%"));
    assert!(
        metric("Ana pace").is_some_and(|v| v.ends_with(" wpm")),
        "{:?}",
        insights.analytics.other
    );
}

/// `GET …/messages` as documented (§3.4): with `verbose=true` every message carries `words` with
/// their own `startTime`/`endTime`, with `sentiment=true` a `sentiment`. The client asks for
/// neither, but reads both shapes.
#[tokio::test]
async fn messages_in_the_documented_verbose_shape_are_read() {
    use std::sync::Arc;
    use switchboard::providers::symbl::async_api::{AsyncApi, JobPolling};
    use switchboard::providers::symbl::auth::TokenManager;
    use switchboard::providers::symbl::conversation_api::ConversationApi;
    use switchboard::providers::symbl::convert::SentMessage;
    use switchboard::providers::symbl::http::{RetryPolicy, SymblHttp};
    use switchboard::providers::symbl::wire::{AsyncTextRequest, MessagesResponse};

    switchboard::providers::tls::install_crypto_provider();
    let fake = FakeSymbl::start().await;
    let client = reqwest::Client::new();
    let auth = Arc::new(TokenManager::new(
        client.clone(),
        &fake.base_url,
        Credentials {
            app_id: APP_ID.into(),
            app_secret: APP_SECRET.into(),
        },
    ));
    let http = SymblHttp::new(client, &fake.base_url, auth, RetryPolicy::default());
    let jobs = AsyncApi::new(http.clone());
    let request = AsyncTextRequest {
        name: Some("verbose".into()),
        confidence_threshold: None,
        detect_phrases: Some(true),
        detect_entities: Some(true),
        messages: thread()
            .iter()
            .filter_map(SentMessage::from_message)
            .map(|m| m.to_wire())
            .collect(),
        trackers: Vec::new(),
        enable_all_trackers: None,
    };
    let accepted = jobs.submit(&request).await.expect("accepted");
    jobs.wait_for_job(
        &accepted.job_id,
        &JobPolling {
            interval: Duration::from_millis(5),
            max_wait: WAIT,
        },
    )
    .await
    .expect("completed");
    let path = format!("/v1/conversations/{}/messages", accepted.conversation_id);

    let raw: Value = http
        .call::<(), Value>(
            reqwest::Method::GET,
            &path,
            &[("sentiment", "true"), ("verbose", "true")],
            None,
        )
        .await
        .expect("messages");
    // The fake's answer is the documented one: sentence-level and word-level timing.
    let first = &raw["messages"][0];
    assert_eq!(first["text"], "Hi there.");
    assert_eq!(first["from"]["name"], "Ana");
    assert_eq!(first["from"]["email"], "customer@switchboard.invalid");
    assert_eq!(first["startTime"], "2026-03-01T09:00:00Z");
    assert_eq!(first["endTime"], "2026-03-01T09:00:01Z");
    assert_eq!(first["duration"], 1.0);
    assert_eq!(first["words"][1]["word"], "there.");
    assert_eq!(first["words"][1]["startTime"], "2026-03-01T09:00:00.5Z");
    assert_eq!(first["words"][1]["endTime"], "2026-03-01T09:00:01Z");
    assert_eq!(first["words"][1]["duration"], 0.5);
    assert_eq!(
        raw["messages"][3]["timeOffset"], 60.0,
        "m2 came a minute later"
    );

    // And our wire types read all of it.
    let read: MessagesResponse = serde_json::from_value(raw).expect("documented shape reads");
    assert_eq!(read.messages.len(), 6);
    let first = &read.messages[0];
    assert_eq!(
        first.from.as_ref().and_then(|f| f.name.as_deref()),
        Some("Ana")
    );
    assert_eq!(
        first.from.as_ref().and_then(|f| f.email.as_deref()),
        Some("customer@switchboard.invalid")
    );
    assert_eq!(first.start_time.as_deref(), Some("2026-03-01T09:00:00Z"));
    assert_eq!(first.end_time.as_deref(), Some("2026-03-01T09:00:01Z"));
    assert_eq!(
        first.conversation_id.as_deref(),
        Some(accepted.conversation_id.as_str())
    );
    assert_eq!(
        first.sentiment.as_ref().map(|s| s["suggested"].clone()),
        Some(json!("neutral"))
    );
    let check = read
        .messages
        .iter()
        .find(|m| m.text == "I'll check the delivery today.")
        .expect("the agent's sentence");
    assert_eq!(check.phrases.len(), 1);
    assert_eq!(check.phrases[0].kind.as_deref(), Some("action_phrase"));
    assert_eq!(check.phrases[0].text, "check the delivery today");

    // What the client itself asks for: neither words nor sentiment.
    let plain = ConversationApi::new(http)
        .messages(&accepted.conversation_id)
        .await
        .expect("messages");
    assert!(plain.iter().all(|m| m.sentiment.is_none()));
    assert!(
        fake.queries()
            .contains(&format!("GET {path}?sentiment=false&verbose=false")),
        "{:?}",
        fake.queries()
    );
}

// ----- streaming -------------------------------------------------------------------------------

fn streaming(base_url: &str) -> SymblConfig {
    let mut config = config(base_url);
    config.mode = SymblMode::Streaming;
    config.agent_name = "Sam".into();
    config
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One frame of each kind the client reads, in the shapes of protocols.md §3.5 (values made
/// up, field names and nesting as documented), preceded by an interim `recognition_result`
/// that the client must pass over.
fn live_frames() -> Vec<Value> {
    let from =
        json!({"id": "9d1c7a52-0001", "name": "Ana", "userId": "customer@switchboard.invalid"});
    vec![
        json!({"type": "message", "message": {
            "type": "recognition_result", "isFinal": false,
            "payload": {"raw": {"alternatives": [{
                "words": [{"word": "Where",
                           "startTime": {"seconds": "3", "nanos": "800000000"},
                           "endTime": {"seconds": "4", "nanos": "200000000"}}],
                "transcript": "Where", "confidence": 0.91}]}},
            "punctuated": {"transcript": "Where"},
            "user": {"userId": "customer@switchboard.invalid", "name": "Ana",
                     "id": "9d1c7a52-0001"}}}),
        json!({"type": "message_response", "messages": [{
            "id": "live-1",
            "from": from,
            "payload": {"content": "Where is my order #4411?", "contentType": "text/plain"},
            "channel": {"id": "realtime-api"},
            "metadata": {"disablePunctuation": true, "originalContent": "Where is my order #4411?",
                         "originalMessageId": "live-1"},
            "dismissed": false,
            "duration": {"startTime": "2026-03-01T09:00:00.000Z",
                         "endTime": "2026-03-01T09:00:01.000Z"}}]}),
        json!({"type": "insight_response", "insights": [{
            "id": "ins-1",
            "type": "question",
            "payload": {"content": "Where is my order #4411?", "contentType": "text/plain"},
            "confidence": 0.98,
            "hints": [],
            "tags": [{"type": "custom", "text": "#4411", "beginOffset": 18,
                      "value": {"value": "#4411"}}],
            "from": from,
            "dismissed": false,
            "messageReference": {"id": "live-1"}}]}),
        json!({"type": "topic_response", "topics": [{
            "id": "top-1",
            "messageReferences": [{"id": "live-1", "relation": "text instance"}],
            "phrases": "order",
            "rootWords": [{"text": "order"}],
            "score": 0.8,
            "type": "topic"}]}),
        json!({"type": "tracker_response", "isFinal": true, "sequenceNumber": 1, "trackers": [{
            "name": "Refund",
            "matches": [{"type": "vocabulary", "value": "refund",
                         "messageRefs": [{"id": "live-1", "text": "Where is my order #4411?",
                                          "offset": 0}],
                         "insightRefs": []}]}]}),
    ]
}

#[tokio::test]
async fn streaming_sends_start_request_and_turns_frames_into_live_insights() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    until("start_request", || !fake.client_frames().is_empty()).await;

    let start: serde_json::Value =
        serde_json::from_str(&fake.client_frames()[0]).expect("start_request is JSON");
    assert_eq!(start["type"], "start_request");
    assert_eq!(
        start["insightTypes"],
        serde_json::json!(["question", "action_item", "follow_up"])
    );
    assert_eq!(start["speaker"]["name"], "Sam");
    assert_eq!(start["trackers"][0]["name"], "Refund");
    assert_eq!(start["trackers"][0]["vocabulary"][1], "money back");
    assert!(
        fake.ws_tokens()[0].starts_with("tok-"),
        "token in the query"
    );

    for frame in live_frames() {
        fake.push_frame(&frame);
    }
    let mut latest = None;
    while latest
        .as_ref()
        .is_none_or(|i: &ConversationInsights| i.trackers.is_empty())
    {
        latest = Some(insights_for(&mut events, "c1").await.0);
    }
    let insights = latest.expect("insights");
    assert_eq!(insights.source, InsightSource::Remote("symbl".into()));
    assert_eq!(insights.questions.len(), 1);
    assert_eq!(insights.questions[0].text, "Where is my order #4411?");
    assert_eq!(
        insights.questions[0].messages,
        vec!["m1"],
        "linked via message_response"
    );
    assert_eq!(insights.questions[0].asked_by.side, Some(Side::Customer));
    assert_eq!(
        insights.questions[0].asked_by.name.as_deref(),
        Some("Ana"),
        "the insight's documented from.name"
    );
    assert_eq!(insights.topics[0].text, "order");
    assert_eq!(insights.topics[0].messages, vec!["m1"]);
    assert_eq!(insights.trackers[0].name, "Refund");
    assert_eq!(insights.trackers[0].hits[0].message, "m1");

    // Closing the conversation stops the socket with a JSON stop_request.
    handle
        .requests
        .send(SymblRequest::Close {
            conversation: key("c1"),
        })
        .await
        .expect("running");
    until("stop_request", || fake.stops() == 1).await;
    let last = fake.client_frames().last().cloned().expect("frames");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&last).expect("valid JSON"),
        serde_json::json!({"type":"stop_request"})
    );
}

#[tokio::test]
async fn the_sdks_non_json_stop_frame_is_tolerated_by_client_and_fake() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    until("start_request", || !fake.client_frames().is_empty()).await;

    // The Python SDK's stop frame, `str(dict)`: not JSON. The client neither chokes nor warns.
    fake.send_raw("{'type': 'stop_request'}");
    for frame in live_frames() {
        fake.push_frame(&frame);
    }
    let (_, seen) = insights_for(&mut events, "c1").await;
    assert!(
        !seen.iter().any(|e| matches!(e, ProviderEvent::Error(_))),
        "{seen:?}"
    );

    // And the fake reads that frame as a stop, as the real server must.
    let token = fake.ws_tokens()[0].clone();
    let url = format!(
        "{}/v1/realtime/insights/sdk-conn?access_token={token}",
        fake.base_url.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    use futures_util::SinkExt;
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            "{'type': 'stop_request'}".into(),
        ))
        .await
        .expect("send");
    until("fake saw the stop", || fake.stops() == 1).await;
    assert_eq!(
        fakes::symbl::frame_type("{'type': 'stop_request'}").as_deref(),
        Some("stop_request")
    );
}

#[tokio::test]
async fn a_dead_socket_is_shown_and_reconnected_with_a_new_start_request() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    // The fake has read the start_request (so its socket is listening for the kill).
    until("first start_request", || fake.client_frames().len() == 1).await;
    live(&mut events).await;

    fake.kill_ws();
    let (event, _) = wait_for(&mut events, "BackingOff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) = event else {
        unreachable!()
    };
    assert!(reason.contains("Symbl"), "{reason}");
    live(&mut events).await;
    until("second start_request", || {
        fake.client_frames()
            .iter()
            .filter(|f| f.contains("start_request"))
            .count()
            == 2
    })
    .await;
    assert_eq!(fake.ws_connections(), 2);

    // The new socket still delivers.
    for frame in live_frames() {
        fake.push_frame(&frame);
    }
    let (insights, _) = insights_for(&mut events, "c1").await;
    assert_eq!(insights.source, InsightSource::Remote("symbl".into()));
}

#[tokio::test]
async fn an_unreadable_frame_is_reported_and_the_socket_kept() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    until("start_request", || !fake.client_frames().is_empty()).await;

    fake.send_raw("{\"type\":\"insight_response\",\"insights\":\"not a list\"}");
    let (event, _) = wait_for(&mut events, "error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(reason) = event else {
        unreachable!()
    };
    assert!(reason.contains("cannot read"), "{reason}");

    for frame in live_frames() {
        fake.push_frame(&frame);
    }
    insights_for(&mut events, "c1").await;
    assert_eq!(fake.ws_connections(), 1, "no reconnect for one bad frame");
}

#[tokio::test]
async fn shutdown_sends_stop_request_on_every_socket() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    analyse(&handle, "c2", thread()).await;
    until("two sockets", || {
        fake.client_frames()
            .iter()
            .filter(|f| f.contains("start_request"))
            .count()
            == 2
    })
    .await;
    handle
        .requests
        .send(SymblRequest::Shutdown)
        .await
        .expect("running");
    until("two stops", || fake.stops() == 2).await;
}

// ----- through the whole app ---------------------------------------------------------------------

mod session {
    use super::*;
    use switchboard::app::{App, Event, Key, KeyCode};
    use switchboard::config::Config;
    use switchboard::runtime::session::{Session, StartOptions};

    fn with_symbl(base_url: &str, secret: &str) -> Config {
        let mut config = Config::default();
        config.hub.demo = false;
        config.symbl.enabled = true;
        config.symbl.app_id = Some(APP_ID.into());
        config.symbl.app_secret = Some(secret.into());
        config.symbl.base_url = base_url.into();
        config
    }

    async fn start_session(config: &Config) -> Session {
        Session::start(config, &StartOptions::ephemeral())
            .await
            .expect("session starts")
    }

    async fn customer_writes(session: &mut Session, text: &str) -> String {
        let hub = session.hub.as_ref().expect("embedded hub");
        let created: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/simulate/inbound", hub.base_url()))
            .header("X-API-Key", hub.api_key())
            .json(&serde_json::json!({"channelType":"sms","from":"+15550001","name":"Ada","text":text}))
            .send()
            .await
            .expect("hub reachable")
            .json()
            .await
            .expect("json");
        let id = created["conversationId"].as_str().expect("id").to_string();
        let arrived = session.pump_until(WAIT, |app| !app.inbox.is_empty()).await;
        assert!(arrived, "the message reached the app");
        id
    }

    fn symbl_state(app: &App) -> Option<ConnectionState> {
        app.status
            .accounts
            .get(&AccountId::new("symbl"))
            .map(|s| s.connection.clone())
    }

    #[tokio::test]
    async fn opening_a_conversation_brings_symbl_insights_beside_the_local_ones() {
        let fake = FakeSymbl::start().await;
        let mut session = start_session(&with_symbl(&fake.base_url, APP_SECRET)).await;
        let conversation = customer_writes(&mut session, "Hello. Where is my order #77?").await;
        let key = ConversationKey::new(&AccountId::new("local"), conversation);

        session.apply(Event::Key(Key::plain(KeyCode::Enter)));
        let found = session
            .pump_until(WAIT, |app| app.remote_insights.get(&key).is_some())
            .await;
        assert!(
            found,
            "Symbl's insights reached the app; log: {:?}",
            fake.log()
        );
        let insights = session.app.remote_insights.get(&key).expect("stored");
        assert_eq!(insights.source, InsightSource::Remote("symbl".into()));
        assert_eq!(insights.questions.len(), 1);
        let message_id = &session
            .app
            .inbox
            .get(&key)
            .expect("conversation")
            .thread
            .messages()[0]
            .id;
        assert_eq!(&insights.questions[0].messages[0], message_id);
        assert_eq!(symbl_state(&session.app), Some(ConnectionState::Live));

        // The insight pane shows Symbl's set, titled with its source.
        session.apply(Event::Key(Key::plain(KeyCode::Esc)));
        let mut screen = render(&mut session.app);
        if !screen.contains("Insights") {
            session.apply(Event::Key(Key::ch('I')));
            screen = render(&mut session.app);
        }
        assert!(screen.contains("Insights · symbl"), "{screen}");
        session.apply(Event::Key(Key::ch(']')));
        let screen = render(&mut session.app);
        assert!(screen.contains("Where is my order #77?"), "{screen}");
    }

    /// Draws the app at 160×48 and returns the screen as text.
    fn render(app: &mut App) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let mut layout = None;
        terminal
            .draw(|frame| layout = Some(switchboard::ui::draw(frame, app)))
            .expect("draw");
        if let Some(layout) = layout {
            app.apply(app.now, Event::Layout(layout));
        }
        let frame = terminal
            .draw(|frame| {
                switchboard::ui::draw(frame, app);
            })
            .expect("draw");
        let area = frame.buffer.area;
        let mut out = String::new();
        for y in 0..area.height {
            for x in 0..area.width {
                out.push_str(frame.buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[tokio::test]
    async fn wrong_symbl_credentials_show_on_its_entry_and_the_inbox_keeps_working() {
        let fake = FakeSymbl::start().await;
        let mut session = start_session(&with_symbl(&fake.base_url, "wrong")).await;
        let refused = session
            .pump_until(WAIT, |app| {
                matches!(symbl_state(app), Some(ConnectionState::AuthFailed(_)))
            })
            .await;
        assert!(refused, "{:?}", symbl_state(&session.app));
        customer_writes(&mut session, "Still there?").await;
        session.apply(Event::Key(Key::plain(KeyCode::Enter)));
        assert_eq!(session.app.inbox.iter().count(), 1);
        assert_eq!(fake.requests_to("POST /v1/process/text"), 0);
    }

    #[tokio::test]
    async fn an_unset_secret_variable_is_shown_without_stopping_the_session() {
        let mut config = with_symbl("http://127.0.0.1:9", APP_SECRET);
        config.symbl.app_secret = None;
        config.symbl.app_secret_env = Some("SWITCHBOARD_TEST_SYMBL_SECRET_UNSET".into());
        let session = start_session(&config).await;
        let Some(ConnectionState::AuthFailed(reason)) = symbl_state(&session.app) else {
            panic!("{:?}", symbl_state(&session.app));
        };
        assert!(
            reason.contains("SWITCHBOARD_TEST_SYMBL_SECRET_UNSET"),
            "{reason}"
        );
        assert!(session.hub.is_some(), "the inbox runs");
    }
}

#[tokio::test]
async fn beyond_max_streams_the_least_recently_used_socket_is_stopped() {
    let fake = FakeSymbl::start().await;
    let mut config = streaming(&fake.base_url);
    config.max_streams = 1;
    let (handle, mut events) = start(config);
    live(&mut events).await;
    analyse(&handle, "c1", thread()).await;
    until("first start_request", || fake.client_frames().len() == 1).await;
    analyse(&handle, "c2", thread()).await;
    until("c1 stopped", || fake.stops() == 1).await;
    until("second socket", || fake.ws_connections() == 2).await;
    // c2 stays open and live.
    for frame in live_frames() {
        fake.push_frame(&frame);
    }
    insights_for(&mut events, "c2").await;
}

#[tokio::test]
async fn a_socket_refused_with_401_renews_the_token_once_then_gives_up_clearly() {
    let fake = FakeSymbl::start().await;
    let (handle, mut events) = start(streaming(&fake.base_url));
    live(&mut events).await;
    // The cached token is revoked: the socket is refused, a new token gets it through.
    fake.revoke_tokens();
    analyse(&handle, "c1", thread()).await;
    until("socket", || fake.ws_connections() == 1).await;
    assert_eq!(fake.token_calls().len(), 2);
    assert_eq!(fake.ws_tokens()[0], "tok-2");

    // Revoked again and no new token to be had: refused, shown, and not retried.
    fake.revoke_tokens();
    fake.set_reject_credentials(true);
    analyse(&handle, "c2", thread()).await;
    let (event, _) = wait_for(&mut events, "AuthFailed", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::AuthFailed(_)))
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::AuthFailed(reason)) = event else {
        unreachable!()
    };
    assert!(reason.contains("401"), "{reason}");
    let calls = fake.token_calls().len();
    analyse(&handle, "c2", thread()).await;
    let later = quiet(&mut events, Duration::from_millis(200)).await;
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, ProviderEvent::Connection(_))),
        "{later:?}"
    );
    assert_eq!(fake.token_calls().len(), calls, "no retry loop");
    assert_eq!(fake.ws_connections(), 1);
}

/// The REST layers on their own, as another caller would use them.
#[tokio::test]
async fn the_async_and_conversation_apis_can_be_driven_directly() {
    use std::sync::Arc;
    use switchboard::providers::symbl::async_api::{AsyncApi, JobPolling};
    use switchboard::providers::symbl::auth::TokenManager;
    use switchboard::providers::symbl::conversation_api::ConversationApi;
    use switchboard::providers::symbl::convert::SentMessage;
    use switchboard::providers::symbl::error::SymblError;
    use switchboard::providers::symbl::http::{RetryPolicy, SymblHttp};
    use switchboard::providers::symbl::wire::AsyncTextRequest;

    switchboard::providers::tls::install_crypto_provider();
    let fake = FakeSymbl::start().await;
    fake.set_polls_before_complete(1);
    let client = reqwest::Client::new();
    let credentials = Credentials {
        app_id: APP_ID.into(),
        app_secret: APP_SECRET.into(),
    };
    let auth = Arc::new(TokenManager::new(
        client.clone(),
        &fake.base_url,
        credentials,
    ));
    let http = SymblHttp::new(client, &fake.base_url, auth, RetryPolicy::default());
    let jobs = AsyncApi::new(http.clone());
    let conversations = ConversationApi::new(http);

    let request = AsyncTextRequest {
        name: Some("direct".into()),
        confidence_threshold: Some(0.6),
        detect_phrases: Some(true),
        detect_entities: Some(false),
        messages: thread()
            .iter()
            .filter_map(SentMessage::from_message)
            .map(|m| m.to_wire())
            .collect(),
        trackers: Vec::new(),
        enable_all_trackers: Some(false),
    };
    let accepted = jobs.submit(&request).await.expect("accepted");
    let polling = JobPolling {
        interval: Duration::from_millis(5),
        max_wait: WAIT,
    };
    jobs.wait_for_job(&accepted.job_id, &polling)
        .await
        .expect("completed");

    let info = conversations
        .conversation(&accepted.conversation_id)
        .await
        .expect("conversation");
    assert_eq!(info.id, accepted.conversation_id);
    let names: Vec<Option<String>> = info.members.iter().map(|m| m.name.clone()).collect();
    assert_eq!(names, vec![Some("Ana".into()), Some("Sam".into())]);
    let members = conversations
        .members(&accepted.conversation_id)
        .await
        .expect("members");
    assert_eq!(members.len(), 2);
    let messages = conversations
        .messages(&accepted.conversation_id)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 6, "two messages, six sentences");
    assert!(
        conversations
            .trackers(&accepted.conversation_id)
            .await
            .expect("an empty array")
            .is_empty()
    );
    let missing = conversations.questions("no-such-conversation").await;
    assert!(
        matches!(missing, Err(SymblError::NotFound { .. })),
        "{missing:?}"
    );
    // A job that does not finish within `max_wait` is given up on.
    fake.set_polls_before_complete(1000);
    let slow = jobs.submit(&request).await.expect("accepted");
    let waited = jobs
        .wait_for_job(
            &slow.job_id,
            &JobPolling {
                interval: Duration::from_millis(5),
                max_wait: Duration::from_millis(30),
            },
        )
        .await;
    assert!(
        matches!(waited, Err(SymblError::JobTimedOut { .. })),
        "{waited:?}"
    );
}
