//! What a reply's delivery guarantee is, per provider, when the answer to a send is lost: the
//! real providers run in a headless, store-backed `Session` against their fake servers, and the
//! fakes store a send and then answer 5xx (the client cannot tell that from a send that never
//! arrived). The outbox retries; on a restart it sends what the store still holds.
//!
//! - Sinch: exactly once where the earlier attempt can be found, at least once where it cannot.
//!   Every reply carries its client id in `message_metadata`. Sinch documents that delivery
//!   reports echo it, so with the webhook on, a retry finds the earlier copy in the reports
//!   heard. Sinch does not document that listed messages carry it; where a server does, the
//!   resend's listing finds the copy too (also after a restart). With neither, a lost answer
//!   means a second copy (`providers/sinch/resend.rs`).
//! - Vumi: at least once. Vumi Go has no dedup key and no listing, so the resend reaches the
//!   server again; the inbox still shows the reply once (both copies carry the client id).

use crate::fakes;

use std::cell::Cell;
use std::path::Path;
use std::time::Duration;

use fakes::sinch::{APP, FakeSinch, KEY_ID, KEY_SECRET, PROJECT};
use fakes::vumi::FakeVumi;
use switchboard::app::outbox::Stage;
use switchboard::app::{App, Event};
use switchboard::config::Config;
use switchboard::model::{AccountId, ConversationKey, Direction, Message};
use switchboard::providers::ConnectionState;
use switchboard::runtime::{Session, StartOptions};

/// Long enough for a slow shared machine; the outbox's first retry comes after 2 s.
const WAIT: Duration = Duration::from_secs(60);

/// A Sinch account on the fake, with the store at `database`. Polls are an hour apart, so only
/// the outbox's resend (not a poll) can find the copy that arrived.
fn sinch_config(fake: &FakeSinch, database: &Path) -> Config {
    sinch_config_with(fake, database, "")
}

/// The same, with the webhook receiver on a free port; returns the callback URL too.
fn sinch_config_hooked(fake: &FakeSinch, database: &Path) -> (Config, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let hook = format!("webhook = {{ listen = \"127.0.0.1:{port}\", secret = \"{HOOK_SECRET}\" }}");
    let url = format!("http://127.0.0.1:{port}/sinch");
    (sinch_config_with(fake, database, &hook), url)
}

const HOOK_SECRET: &str = "hook-secret";

fn sinch_config_with(fake: &FakeSinch, database: &Path, extra: &str) -> Config {
    let toml = format!(
        r#"
        [store]
        database = {database:?}

        [[account]]
        provider = "sinch"
        name = "sinch"
        project_id = "{PROJECT}"
        app_id = "{APP}"
        key_id = "{KEY_ID}"
        key_secret = "{KEY_SECRET}"
        api_origin = "{origin}"
        auth_origin = "{origin}"
        poll_interval_secs = 3600
        {extra}
        "#,
        origin = fake.origin,
    );
    Config::parse(&toml, Path::new("test.toml")).expect("config")
}

fn seed_sinch(fake: &FakeSinch) {
    fake.add_contact("C1", "Ada", "SMS", "+4611111");
    fake.add_conversation("conv1", "C1", "SMS");
    fake.add_inbound("conv1", "Where is my parcel?", Duration::from_secs(60));
}

fn sinch_key() -> ConversationKey {
    ConversationKey::new(&AccountId::new("sinch"), "conv1")
}

async fn started(config: &Config) -> Session {
    Session::start(config, &StartOptions::default())
        .await
        .expect("session")
}

/// `GET /messages` listings of conv1's thread (a sync's tail, or a resend's check).
fn thread_listings(fake: &FakeSinch) -> usize {
    fake.log()
        .iter()
        .filter(|(method, path, _)| {
            method == "GET" && path.contains("/messages?") && path.contains("conversation_id=conv1")
        })
        .count()
}

/// Our replies in the thread as the inbox shows it.
fn outbound(app: &App, key: &ConversationKey) -> Vec<Message> {
    app.inbox
        .get(key)
        .map(|entry| {
            entry
                .thread
                .messages()
                .iter()
                .filter(|m| m.direction == Direction::Outbound)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Sends a reply and returns its client id.
fn reply(session: &mut Session, key: &ConversationKey, text: &str) -> String {
    session.apply(Event::Reply {
        conversation: key.clone(),
        text: text.into(),
    });
    let ids: Vec<String> = session
        .app
        .outbox
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(ids.len(), 1, "one reply in the outbox");
    ids[0].clone()
}

/// Pumps until the outbox is empty; returns whether a failed attempt was seen waiting to retry.
async fn until_delivered(session: &mut Session) -> bool {
    let waited = Cell::new(false);
    let done = session
        .pump_until(WAIT, |app| {
            if app
                .outbox
                .iter()
                .any(|(_, item)| matches!(item.stage, Stage::Waiting { .. }))
            {
                waited.set(true);
            }
            app.outbox.is_empty()
        })
        .await;
    assert!(
        done,
        "the outbox empties: {:?}",
        session.app.outbox.iter().collect::<Vec<_>>()
    );
    waited.get()
}

async fn synced(session: &mut Session, key: &ConversationKey) {
    assert!(
        session
            .pump_until(WAIT, |app| app
                .inbox
                .get(key)
                .is_some_and(|e| e.thread.len() == 1))
            .await,
        "the thread syncs"
    );
}

/// The documented path: the server lists no metadata, but the send's delivery report (which
/// echoes it) reached the webhook before the retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_a_retry_after_a_lost_answer_finds_the_copy_in_its_delivery_report() {
    let fake = FakeSinch::start().await;
    seed_sinch(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, url) = sinch_config_hooked(&fake, &dir.path().join("inbox.sqlite3"));
    fake.report_deliveries_to(&url, HOOK_SECRET);
    let mut session = started(&config).await;
    let key = sinch_key();
    synced(&mut session, &key).await;

    fake.swallow_sends(1);
    let client_id = reply(&mut session, &key, "It left the warehouse today");
    let retried = until_delivered(&mut session).await;

    assert!(retried, "the first attempt failed (502) and was retried");
    assert_eq!(fake.send_requests(), 1, "the report named the first copy");
    assert_eq!(fake.copies_of(&client_id), 1, "the server holds one copy");
    let shown = outbound(&session.app, &key);
    assert_eq!(shown.len(), 1, "the inbox shows the reply once: {shown:?}");
    assert_eq!(shown[0].client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(shown[0].id, "OUT1", "the echo became the server's copy");
    session.shutdown();
}

/// With neither a delivery report nor listed metadata there is nothing to find the first copy
/// by: the guarantee is at least once, and README says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_without_reports_or_listed_metadata_a_lost_answer_is_sent_again() {
    let fake = FakeSinch::start().await;
    seed_sinch(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sinch_config(&fake, &dir.path().join("inbox.sqlite3"));
    let mut session = started(&config).await;
    let key = sinch_key();
    synced(&mut session, &key).await;

    fake.swallow_sends(1);
    let client_id = reply(&mut session, &key, "It left the warehouse today");
    until_delivered(&mut session).await;

    assert_eq!(fake.send_requests(), 2, "the resend found nothing and sent");
    assert_eq!(fake.copies_of(&client_id), 2, "at least once: two copies");
    session.shutdown();
}

/// Where the server lists a send's metadata (not documented by Sinch), the resend's listing
/// finds the copy without any webhook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_a_retry_after_a_lost_answer_does_not_send_a_second_copy_where_listings_echo_metadata()
 {
    let fake = FakeSinch::start().await;
    fake.echo_listed_metadata(true);
    seed_sinch(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sinch_config(&fake, &dir.path().join("inbox.sqlite3"));
    let mut session = started(&config).await;
    let key = sinch_key();
    synced(&mut session, &key).await;

    fake.swallow_sends(1);
    let client_id = reply(&mut session, &key, "It left the warehouse today");
    let retried = until_delivered(&mut session).await;

    assert!(retried, "the first attempt failed (502) and was retried");
    let sends = fake.send_requests();
    println!("sinch lost answer: {sends} send request(s) reached the server for 1 reply");
    assert_eq!(
        sends, 1,
        "the retry found the first copy instead of sending"
    );
    assert_eq!(fake.copies_of(&client_id), 1, "the server holds one copy");
    let shown = outbound(&session.app, &key);
    assert_eq!(shown.len(), 1, "the inbox shows the reply once: {shown:?}");
    assert_eq!(shown[0].client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(shown[0].id, "OUT1", "the echo became the server's copy");
    let checks = thread_listings(&fake);
    assert!(
        checks >= 2,
        "the tail at sync, then the resend's check: {checks}"
    );
    session.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_a_resend_of_a_send_that_never_arrived_sends_it() {
    let fake = FakeSinch::start().await;
    seed_sinch(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sinch_config(&fake, &dir.path().join("inbox.sqlite3"));
    let mut session = started(&config).await;
    let key = sinch_key();
    synced(&mut session, &key).await;

    // The next request (the send) is refused before the server stores anything.
    fake.fail_next(1);
    let client_id = reply(&mut session, &key, "It left the warehouse today");
    let retried = until_delivered(&mut session).await;

    assert!(retried, "the first attempt failed (503) and was retried");
    assert_eq!(fake.send_requests(), 1, "the resend found no copy and sent");
    assert_eq!(fake.copies_of(&client_id), 1, "nothing lost");
    let shown = outbound(&session.app, &key);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].client_id.as_deref(), Some(client_id.as_str()));
    session.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_a_reply_restored_after_a_crash_is_not_sent_again_where_listings_echo_metadata() {
    let fake = FakeSinch::start().await;
    fake.echo_listed_metadata(true);
    seed_sinch(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sinch_config(&fake, &dir.path().join("inbox.sqlite3"));
    let key = sinch_key();

    // The run that "crashes": its send arrives, the answer is lost, and the process stops
    // before the retry. The store still has the reply queued.
    let mut first = started(&config).await;
    synced(&mut first, &key).await;
    fake.swallow_sends(1);
    let client_id = reply(&mut first, &key, "It left the warehouse today");
    assert!(
        first
            .pump_until(WAIT, |app| {
                app.outbox
                    .get(&client_id)
                    .is_some_and(|item| matches!(item.stage, Stage::Waiting { .. }))
            })
            .await,
        "the send failed as far as the client knows"
    );
    first.shutdown();
    drop(first);
    assert_eq!(fake.copies_of(&client_id), 1, "yet it is on the server");

    // The restart restores the queued reply and sends it again, as a resend. The first sync's
    // tail already holds the copy; the wait goes on until the provider has also handled the
    // resend (its check is a second listing of the thread; a blind send would be a POST).
    let listed_before = thread_listings(&fake);
    let mut second = started(&config).await;
    assert!(
        second.app.outbox.get(&client_id).is_some(),
        "the reply was restored from the store"
    );
    let handled = second
        .pump_until(WAIT, |app| {
            app.outbox.is_empty()
                && (thread_listings(&fake) >= listed_before + 2 || fake.send_requests() > 1)
        })
        .await;
    assert!(
        handled,
        "the restored reply was confirmed and its resend handled"
    );
    let sends = fake.send_requests();
    println!("sinch restart: {sends} send request(s) reached the server for 1 reply");
    assert_eq!(sends, 1, "nothing sent after the restart");
    assert_eq!(fake.copies_of(&client_id), 1);
    let shown = outbound(&second.app, &key);
    assert_eq!(shown.len(), 1, "the inbox shows the reply once: {shown:?}");
    assert_eq!(shown[0].id, "OUT1");
    second.shutdown();
    drop(second);

    // And the store knows it is done: a third start has nothing to send.
    let third = started(&config).await;
    assert!(third.app.outbox.is_empty(), "the outbox entry was closed");
    assert_eq!(fake.send_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vumi_a_retry_after_a_lost_answer_is_at_least_once() {
    let fake = FakeVumi::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = format!(
        "[store]\ndatabase = {:?}\n{}",
        dir.path().join("inbox.sqlite3"),
        fake.account_toml("vumi")
    );
    let config = Config::parse(&toml, Path::new("test.toml")).expect("config");
    let mut session = started(&config).await;
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
    fake.inbound("sms", "+27761234567", Some("Where is my parcel?"), None);
    let key = ConversationKey::new(&account, "sms:+27761234567");
    assert!(
        session
            .pump_until(WAIT, |app| app
                .inbox
                .get(&key)
                .is_some_and(|e| e.thread.len() == 1))
            .await
    );

    fake.lose_answers(1);
    let client_id = reply(&mut session, &key, "It left the warehouse today");
    let retried = until_delivered(&mut session).await;

    assert!(retried, "the first attempt failed (503) and was retried");
    let sends = fake.sends();
    println!(
        "vumi lost answer: {} send request(s) reached the server for 1 reply",
        sends.len()
    );
    assert_eq!(
        sends.len(),
        2,
        "at least once: the resend reached the server again"
    );
    assert!(
        sends
            .iter()
            .all(|s| s["content"] == "It left the warehouse today")
    );
    let shown = outbound(&session.app, &key);
    assert_eq!(shown.len(), 1, "the inbox shows the reply once: {shown:?}");
    assert_eq!(shown[0].client_id.as_deref(), Some(client_id.as_str()));
    assert_ne!(shown[0].id, client_id, "the echo became the server's copy");
    session.shutdown();
}
