//! A Linktor server that lies and redirects: credentials never follow a redirect to another
//! origin, ids that are path steps never steer a request elsewhere, and one bad item never
//! costs the rest of a listing.

use crate::fakes;
use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use fakes::linktor::{API_KEY, FakeLinktor};
use support::wait_for;
use switchboard::model::AccountId;
use switchboard::providers::linktor::{Dialect, LinktorConfig, Login, spawn};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

fn config(base_url: &str) -> LinktorConfig {
    LinktorConfig {
        poll_interval: Duration::from_secs(60),
        request_timeout: Duration::from_secs(2),
        max_retries: 0,
        ..LinktorConfig::new(base_url, API_KEY)
    }
}

fn start(config: LinktorConfig) -> mpsc::Receiver<AccountEvent> {
    let (tx, rx) = mpsc::channel(1024);
    // The handle stops the provider when dropped: keep it for the test's life.
    std::mem::forget(spawn(AccountId::new("lk"), config, tx));
    rx
}

/// What another origin received: `(method and path, headers)` per request.
type Received = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// Another origin that records every request it gets.
async fn recording_origin() -> (String, Received) {
    let seen: Received = Arc::default();
    let log = seen.clone();
    let app = Router::new().fallback(move |request: Request| {
        let log = log.clone();
        async move {
            let headers = request
                .headers()
                .iter()
                .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or("?")))
                .collect();
            log.lock()
                .expect("log")
                .push((format!("{} {}", request.method(), request.uri()), headers));
            StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, seen)
}

#[tokio::test]
async fn an_api_key_never_follows_a_redirect_to_another_origin() {
    let fake = FakeLinktor::start().await;
    fake.seed(2);
    let (elsewhere, seen) = recording_origin().await;
    for status in [StatusCode::FOUND, StatusCode::TEMPORARY_REDIRECT] {
        fake.redirect_to(status, &elsewhere);
        let mut events = start(config(&fake.base_url));
        wait_for(&mut events, WAIT, "the redirect named as a failure", |e| {
            matches!(e, ProviderEvent::Connection(ConnectionState::BackingOff { reason, .. }) if reason.contains(&status.as_u16().to_string()))
        })
        .await;
    }
    let seen = seen.lock().expect("log").clone();
    assert!(seen.is_empty(), "the other origin was reached: {seen:?}");
}

#[tokio::test]
async fn a_login_is_never_posted_to_another_origin() {
    let (elsewhere, seen) = recording_origin().await;
    let target = elsewhere.clone();
    let app = Router::new().fallback(move |request: Request| {
        let location = format!("{target}{}", request.uri());
        async move {
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, location)],
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = config(&base);
    config.dialect = Dialect::Server;
    config.api_key = String::new();
    config.login = Some(Login {
        email: "agent@example.com".into(),
        password: "hunter2-secret".into(),
    });
    let mut events = start(config);
    wait_for(&mut events, WAIT, "the login fails", |e| {
        matches!(
            e,
            ProviderEvent::Connection(
                ConnectionState::BackingOff { .. } | ConnectionState::AuthFailed(_)
            )
        )
    })
    .await;
    let seen = seen.lock().expect("log").clone();
    assert!(seen.is_empty(), "the login went elsewhere: {seen:?}");
}

#[tokio::test]
async fn ids_that_are_path_steps_are_skipped_and_the_rest_goes_live() {
    let fake = FakeLinktor::start().await;
    fake.add_contact("k1", "Ada", "whatsapp", "+1555");
    for id in ["..", ".", "c1"] {
        fake.add_conversation(id, "k1", "whatsapp");
    }
    fake.add_message("c1", "hello");
    let mut events = start(config(&fake.base_url));
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    let log = fake.request_log();
    assert!(
        log.iter().any(|l| l.contains("/conversations/c1/messages")),
        "{log:?}"
    );
    for wrong in [
        "GET /messages",
        "GET /conversations/messages",
        "GET /conversations/?",
    ] {
        assert!(
            !log.iter().any(|l| l.starts_with(wrong)),
            "{wrong} was requested: {log:?}"
        );
    }
}

#[tokio::test]
async fn a_contact_with_a_broken_name_costs_nothing_else() {
    let fake = FakeLinktor::start().await;
    fake.add_contact("k1", "Ada", "whatsapp", "+1555");
    fake.add_conversation("c1", "k1", "whatsapp");
    fake.add_conversation("c2", "k2", "whatsapp");
    // A lone surrogate (a broken name) in one contact, and an item of the wrong shape.
    fake.set_raw_contacts(
        r#"{"data":[{"id":"k1","name":"Ada","identifiers":[]},
                    {"id":"k2","name":"Bo\ud800b","identifiers":[]},
                    {"id":7}],
            "pagination":{"total":3,"limit":50,"offset":0,"hasMore":false}}"#,
    );
    let mut events = start(config(&fake.base_url));
    let (event, _) = wait_for(
        &mut events,
        WAIT,
        "conversations",
        |e| matches!(e, ProviderEvent::Conversations(list) if list.len() == 2),
    )
    .await;
    let ProviderEvent::Conversations(list) = event else {
        unreachable!()
    };
    let names: Vec<&str> = list.iter().map(|c| c.contact.name.as_str()).collect();
    assert!(names.contains(&"Ada"), "{names:?}");
    assert!(names.contains(&"Bo\u{fffd}b"), "{names:?}");
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
}

/// A socket that drops right after every sync used to reset the backoff each time: 67
/// reconnects and full resyncs in 17 s. The backoff now resets only after a connection held.
#[tokio::test]
async fn a_socket_that_drops_after_every_sync_backs_off_further_each_time() {
    let fake = FakeLinktor::start().await;
    fake.seed(2);
    let mut events = start(config(&fake.base_url));
    let window = Duration::from_secs(6);
    let deadline = tokio::time::Instant::now() + window;
    let mut lives = 0;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if matches!(
            event.event,
            ProviderEvent::Connection(ConnectionState::Live)
        ) {
            lives += 1;
            fake.kill_ws();
        }
    }
    println!("{lives} sessions in {window:?}");
    // Base 500 ms doubling with full jitter: the ceilings alone add up past 6 s by the 5th
    // retry; resetting every time gave one session every ~0.3 s (about 20 here).
    assert!(lives >= 2, "it did reconnect");
    assert!(
        lives <= 9,
        "{lives} reconnects in {window:?}: the backoff did not grow"
    );
}

/// A 429 asking for ten minutes is named in the status ("rate limited (429)", retry in 2 min,
/// the cap) at once, rather than the account showing "connecting…" while a call waits.
#[tokio::test]
async fn a_long_retry_after_is_named_as_rate_limiting_at_once() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.rate_limit_next(1, 600);
    let mut config = config(&fake.base_url);
    config.max_retries = 3;
    let mut events = start(config);
    let (event, _) = wait_for(&mut events, Duration::from_secs(3), "rate limited", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let ProviderEvent::Connection(ConnectionState::BackingOff { until, reason }) = event else {
        unreachable!()
    };
    assert!(reason.contains("429"), "{reason}");
    let wait = until - time::OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::seconds(100) && wait <= time::Duration::seconds(121),
        "waits the capped Retry-After: {wait}"
    );
}

/// Pushes for hundreds of conversations nobody listed: a few are looked up at once, the rest
/// are left to the next sync (which lists them a page at a time), and the user is told.
#[tokio::test]
async fn a_flood_of_unknown_conversations_is_looked_up_at_a_bounded_rate() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let mut events = start(config(&fake.base_url));
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    let before = fake.request_log().len();
    for i in 0..500 {
        let id = format!("x{i}");
        fake.add_conversation(&id, "k1", "whatsapp");
        fake.push_message(&id, "hello");
    }
    let (event, _) = wait_for(&mut events, WAIT, "the notice", |e| {
        matches!(e, ProviderEvent::Error(text) if text.contains("faster than they can be looked up"))
    })
    .await;
    println!("{event:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lookups = fake.request_log()[before..]
        .iter()
        .filter(|l| l.starts_with("GET /conversations/x") && !l.contains("/messages"))
        .count();
    assert!(lookups <= 10, "{lookups} lookups for 500 pushes");
}

/// After a backoff the account says it is connecting again, rather than leaving "retry in 0s"
/// up for as long as the next attempt takes.
#[tokio::test]
async fn after_the_wait_the_status_says_connecting_not_retry_in_0s() {
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    fake.fail_next(1);
    let mut events = start(config(&fake.base_url));
    wait_for(&mut events, WAIT, "a backoff", |e| {
        matches!(
            e,
            ProviderEvent::Connection(ConnectionState::BackingOff { .. })
        )
    })
    .await;
    let (next, _) = wait_for(&mut events, WAIT, "the next state", |e| {
        matches!(e, ProviderEvent::Connection(_))
    })
    .await;
    assert_eq!(next, ProviderEvent::Connection(ConnectionState::Connecting));
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
}
