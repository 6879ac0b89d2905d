//! Vumi Go hands each inbound message and event to one connected stream client at random, and
//! keeps a backlog for the next client while none is connected (the fake does the same). So:
//! `switchboard send` must open no stream (it would take a share of what the running inbox
//! should hear) and still answer the customer's latest message, and nothing written while the
//! inbox reconnects may be lost.

use crate::fakes;

use std::path::Path;
use std::time::Duration;

use fakes::vumi::FakeVumi;
use switchboard::config::Config;
use switchboard::model::{AccountId, ConversationKey};
use switchboard::providers::ConnectionState;
use switchboard::runtime::{Session, StartOptions, send::send_replies};

const WAIT: Duration = Duration::from_secs(60);

fn config(fake: &FakeVumi, database: &Path) -> Config {
    let toml = format!(
        "[store]\ndatabase = {database:?}\n{}",
        fake.account_toml("vumi")
    );
    Config::parse(&toml, Path::new("test.toml")).expect("config")
}

async fn live_session(config: &Config) -> Session {
    let mut session = Session::start(config, &StartOptions::default())
        .await
        .expect("session");
    let account = AccountId::new("vumi");
    assert!(
        session
            .pump_until(WAIT, |app| {
                app.status.accounts.get(&account).map(|s| &s.connection)
                    == Some(&ConnectionState::Live)
            })
            .await,
        "the streams come up"
    );
    session
}

async fn until_thread_has(session: &mut Session, key: &ConversationKey, count: usize) -> bool {
    session
        .pump_until(WAIT, |app| {
            app.inbox.get(key).is_some_and(|e| e.thread.len() >= count)
        })
        .await
}

/// Whether the inbox's store file holds message `id` (read as another process would).
fn stored_message(database: &Path, id: &str) -> bool {
    let Ok(db) = rusqlite::Connection::open(database) else {
        return false;
    };
    db.query_row("SELECT COUNT(*) FROM messages WHERE id = ?1", [id], |row| {
        row.get::<_, i64>(0)
    })
    .is_ok_and(|count| count > 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_opens_no_stream_and_answers_the_stored_latest_message() {
    let fake = FakeVumi::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&fake, &dir.path().join("inbox.sqlite3"));
    let key = ConversationKey::new(&AccountId::new("vumi"), "ussd:+27761234567");

    // An earlier run of the inbox heard the customer open a USSD session, then stopped.
    let mut earlier = live_session(&config).await;
    let first = fake.inbound("ussd", "+27761234567", None, Some("new"));
    assert!(until_thread_has(&mut earlier, &key, 1).await);
    earlier.shutdown();
    drop(earlier);

    // The inbox that runs now: its streams are the only ones.
    let mut inbox = live_session(&config).await;
    let latest = fake.inbound("ussd", "+27761234567", Some("2"), Some("resume"));
    assert!(until_thread_has(&mut inbox, &key, 2).await);
    let stored = latest["message_id"].as_str().expect("id");
    let database = dir.path().join("inbox.sqlite3");
    assert!(
        inbox
            .pump_until(WAIT, |_| stored_message(&database, stored))
            .await,
        "the inbox stored the latest message"
    );
    let streams_before = fake.connections("messages.json") + fake.connections("events.json");

    // A script answers while the inbox runs, from the same store file.
    let report = send_replies(
        &config,
        Some("vumi"),
        "ussd:+27761234567",
        &["Your balance is R12".to_string()],
        Duration::from_secs(30),
        |_| {},
    )
    .await
    .expect("send runs");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.unsent, 0);

    let streams_after = fake.connections("messages.json") + fake.connections("events.json");
    assert_eq!(
        streams_after, streams_before,
        "send opened no stream that could take the inbox's messages"
    );
    let sends = fake.sends();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(
        sends[0]["in_reply_to"], latest["message_id"],
        "the reply answers the customer's latest message, so the USSD session goes on"
    );
    assert_ne!(sends[0]["in_reply_to"], first["message_id"]);
    assert_eq!(sends[0]["session_event"], "resume");
    inbox.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_written_while_the_inbox_reconnects_are_not_lost() {
    let fake = FakeVumi::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&fake, &dir.path().join("inbox.sqlite3"));
    let mut inbox = live_session(&config).await;
    let key = ConversationKey::new(&AccountId::new("vumi"), "sms:+27760000001");

    // The streams end; what the customers write before the inbox is back waits in vumi-go's
    // backlog and reaches the inbox when it reconnects.
    fake.drop_streams();
    assert_eq!(fake.open_streams("messages.json"), 0);
    for text in ["one", "two", "three"] {
        fake.inbound("sms", "+27760000001", Some(text), None);
    }
    assert!(
        until_thread_has(&mut inbox, &key, 3).await,
        "all three arrived after the reconnect"
    );
    assert!(fake.connections("messages.json") >= 2, "it reconnected");
    inbox.shutdown();
}

/// A reply left queued by one run and sent by the next still answers the customer's latest
/// message, though the store's newest message of that conversation is the reply itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_restored_after_a_restart_answers_the_latest_message() {
    let fake = FakeVumi::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&fake, &dir.path().join("inbox.sqlite3"));
    let key = ConversationKey::new(&AccountId::new("vumi"), "ussd:+27761234567");
    let mut inbox = live_session(&config).await;
    let latest = fake.inbound("ussd", "+27761234567", Some("1"), Some("new"));
    assert!(until_thread_has(&mut inbox, &key, 1).await);
    let stored = latest["message_id"].as_str().expect("id");
    let database = dir.path().join("inbox.sqlite3");
    assert!(
        inbox
            .pump_until(WAIT, |_| stored_message(&database, stored))
            .await
    );
    inbox.shutdown();
    drop(inbox);

    // The first run's sends never get an answer: the reply stays queued.
    fake.lose_answers(100);
    let first = send_replies(
        &config,
        Some("vumi"),
        "ussd:+27761234567",
        &["Your balance is R12".to_string()],
        Duration::from_secs(3),
        |_| {},
    )
    .await
    .expect("send runs");
    assert_eq!(first.unsent, 1, "still queued: {first:?}");

    fake.lose_answers(0);
    let second = send_replies(
        &config,
        Some("vumi"),
        "ussd:+27761234567",
        &[],
        Duration::from_secs(30),
        |_| {},
    )
    .await
    .expect("send runs");
    assert_eq!((second.unsent, second.failed.len()), (0, 0));
    let sends = fake.sends();
    let last = sends.last().expect("sent");
    assert_eq!(last["in_reply_to"], latest["message_id"], "{sends:?}");
}
