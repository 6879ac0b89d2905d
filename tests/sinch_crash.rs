//! Replies to a Sinch account survive SIGKILL, exactly once where the server lists a send's
//! `message_metadata` (the fake's `echo_listed_metadata`; Sinch does not document it, and a
//! restart has lost the delivery reports heard before it). The same rounds as
//! `outbox_crash.rs` (the real `switchboard send` killed before a send reaches the server,
//! after the server stored it but before the child heard back, and at an arbitrary moment;
//! then started again on the same store) run against the fake Sinch API behind the fault
//! proxy. Sinch does not deduplicate sends: exactly once comes from the client id in
//! `message_metadata`, which a resend looks for on the server before sending
//! (`providers/sinch/resend.rs`). The server must hold each reply once and have seen one send
//! per reply.

use crate::fakes;
use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fakes::sinch::{APP, FakeSinch, KEY_ID, KEY_SECRET, PROJECT};
use support::crash::{Run, finish, killer, spawn_child};
use support::faults::{FaultPlan, FaultProxy, PostStage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_replies_survive_sigkill_and_reach_the_server_exactly_once() {
    switchboard::providers::tls::install_crypto_provider();
    let fake = FakeSinch::start().await;
    fake.echo_listed_metadata(true);
    fake.add_contact("C1", "Ada", "SMS", "+4611111");
    fake.add_conversation("conv1", "C1", "SMS");
    fake.add_inbound("conv1", "Where is my parcel?", Duration::from_secs(60));
    let proxy = FaultProxy::start(&fake.origin, FaultPlan::default()).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let logs = dir.path().join("logs");
    // Tokens come straight from the fake; only the Conversation API goes through the proxy.
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = {:?}\n\n[[account]]\nprovider = \"sinch\"\nname = \"crash\"\n\
             project_id = {PROJECT:?}\napp_id = {APP:?}\nkey_id = {KEY_ID:?}\n\
             key_secret = {KEY_SECRET:?}\napi_origin = {:?}\nauth_origin = {:?}\n\
             poll_interval_secs = 1\n",
            dir.path().join("inbox.sqlite3"),
            proxy.base_url,
            fake.origin
        ),
    )
    .expect("config");

    let mut durable: Vec<String> = Vec::new();
    let runs: [Run; 4] = [
        (
            &["r1 first", "r1 second", "r1 third"],
            Some((1, PostStage::BeforeForward)),
        ),
        (&["r2 first"], Some((1, PostStage::AfterForward))),
        (
            &["r3 first", "r3 second"],
            Some((2, PostStage::AfterForward)),
        ),
        (&["r4 first", "r4 second"], None),
    ];
    for (round, (texts, kill_at)) in runs.iter().enumerate() {
        let child = Arc::new(Mutex::new(Some(spawn_child(
            &config, &logs, "conv1", texts,
        ))));
        match kill_at {
            Some((nth, stage)) => proxy.on_post(proxy.posts_seen() + nth, *stage, killer(&child)),
            None => {
                let kill = killer(&child);
                tokio::time::sleep(Duration::from_millis(400)).await;
                kill();
            }
        }
        let (ok, queued, stderr) = finish(child).await;
        assert!(
            !ok || kill_at.is_none(),
            "round {round}: the child was killed, not finished: {stderr}"
        );
        durable.extend(queued);
    }
    let child = Arc::new(Mutex::new(Some(spawn_child(&config, &logs, "conv1", &[]))));
    let (ok, _, stderr) = finish(child).await;
    assert!(ok, "the final run empties the outbox: {stderr}");

    let on_server = fake.client_id_counts();
    let duplicated: Vec<_> = on_server.iter().filter(|(_, n)| **n > 1).collect();
    let lost: Vec<_> = durable
        .iter()
        .filter(|id| !on_server.contains_key(*id))
        .collect();
    let sends = fake.send_requests();
    println!(
        "sinch crash test: {} replies durable before a kill, {} distinct replies on the server, \
         {sends} sends the server saw, {} sends reached the proxy, {} duplicated, {} lost",
        durable.len(),
        on_server.len(),
        proxy.posts_seen(),
        duplicated.len(),
        lost.len()
    );
    assert!(
        duplicated.is_empty(),
        "each reply once on the server: {duplicated:?}"
    );
    assert!(lost.is_empty(), "every durable reply arrived: {lost:?}");
    assert!(
        durable.len() >= 4,
        "the kills left replies to recover: {durable:?}"
    );
    assert_eq!(
        sends as usize,
        on_server.len(),
        "no reply was sent twice: a resend found the copy that had arrived"
    );
}
