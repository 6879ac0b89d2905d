//! The outbox survives SIGKILL. The real `switchboard send` binary runs as a child against the
//! embedded hub (which deduplicates on Linktor `metadata.clientId`) behind the fault proxy; the
//! proxy kills the child at chosen moments of sending: before a POST reaches the server, after
//! the server stored it but before the child hears back, and at an arbitrary moment. Each run
//! is started again on the same store. At the end every reply the child reported durable, and
//! every reply the server saw, is in the server exactly once (exactly-once: Linktor gives us
//! the client id to know).

use crate::support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::crash::{Run, finish, killer, spawn_child};
use support::faults::{FaultPlan, FaultProxy, PostStage};
use switchboard::hub::{self, HubConfig};

const KEY: &str = "crash-test-key";

/// Client id → how many agent messages on the server carry it.
async fn server_client_ids(base_url: &str, conversation: &str) -> BTreeMap<String, usize> {
    let answer: Value = reqwest::Client::new()
        .get(format!(
            "{base_url}/conversations/{conversation}/messages?limit=500"
        ))
        .header("X-API-Key", KEY)
        .send()
        .await
        .expect("hub answers")
        .json()
        .await
        .expect("json");
    let mut ids = BTreeMap::new();
    for message in answer["data"].as_array().expect("data") {
        if let Some(id) = message["metadata"]["clientId"].as_str() {
            *ids.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_survive_sigkill_and_reach_the_server_exactly_once() {
    switchboard::providers::tls::install_crypto_provider();
    let hub = hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: KEY.into(),
        demo: None,
    })
    .await
    .expect("hub");
    let created: Value = reqwest::Client::new()
        .post(format!("{}/simulate/inbound", hub.base_url()))
        .header("X-API-Key", KEY)
        .json(&json!({"channelType":"sms","from":"+15550100","name":"Ada","text":"Where is my parcel?"}))
        .send()
        .await
        .expect("hub")
        .json()
        .await
        .expect("json");
    let conversation = created["conversationId"].as_str().expect("id").to_string();
    // Server frames are held back a while, so that the WebSocket push of a stored reply cannot
    // reach the child before the kill that follows its POST: the next run must resend it, and
    // the server's deduplication on the client id is what keeps it single.
    let plan = FaultPlan {
        ws_delay_every: 1,
        ws_delay: Duration::from_millis(1500),
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&hub.base_url(), plan).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let logs = dir.path().join("logs");
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = {:?}\n\n[[account]]\nprovider = \"linktor\"\nname = \"crash\"\n\
             base_url = {:?}\napi_key = {KEY:?}\npoll_interval_secs = 1\n",
            dir.path().join("inbox.sqlite3"),
            proxy.base_url
        ),
    )
    .expect("config");

    let mut durable: Vec<String> = Vec::new();
    let runs: [Run; 4] = [
        // Killed as the first send reaches the proxy: the server never saw it.
        (
            &["r1 first", "r1 second", "r1 third"],
            Some((1, PostStage::BeforeForward)),
        ),
        // Killed after the server stored the send, before the child heard back.
        (&["r2 first"], Some((1, PostStage::AfterForward))),
        // Killed after a second send was stored, the first one answered.
        (
            &["r3 first", "r3 second"],
            Some((2, PostStage::AfterForward)),
        ),
        // Killed at an arbitrary moment (whatever it was doing a moment after starting).
        (&["r4 first", "r4 second"], None),
    ];
    for (round, (texts, kill_at)) in runs.iter().enumerate() {
        let child = Arc::new(Mutex::new(Some(spawn_child(
            &config,
            &logs,
            &conversation,
            texts,
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
    // A last run with nothing new empties what the killed runs left in the outbox.
    let child = Arc::new(Mutex::new(Some(spawn_child(
        &config,
        &logs,
        &conversation,
        &[],
    ))));
    let (ok, _, stderr) = finish(child).await;
    assert!(ok, "the final run empties the outbox: {stderr}");

    let on_server = server_client_ids(&hub.base_url(), &conversation).await;
    let duplicated: Vec<_> = on_server.iter().filter(|(_, n)| **n > 1).collect();
    let lost: Vec<_> = durable
        .iter()
        .filter(|id| !on_server.contains_key(*id))
        .collect();
    let sends = proxy
        .stats()
        .posts_forwarded
        .load(std::sync::atomic::Ordering::SeqCst);
    println!(
        "crash test: {} replies durable before a kill, {} distinct replies on the server, \
         {sends} sends the server saw (POSTs forwarded), {} POSTs reached the proxy, \
         {} duplicated, {} lost",
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
    assert!(
        sends > on_server.len() as u64,
        "some replies were sent more than once ({sends} sends for {} replies) and deduplicated",
        on_server.len()
    );
    // Every reply the server holds came from a run of ours (nothing invented, nothing twice).
    for id in on_server.keys() {
        assert!(id.contains('-'), "client ids are ours: {id}");
    }
}
