//! Soak: 10,000 messages and their delivery statuses pushed through the fault proxy (dropped
//! sockets, duplicated, reordered and delayed frames, 429/503/garbage/truncated/cut HTTP
//! answers) into the real session (provider, reducer, store). When the flood ends and the
//! faults calm down, the inbox must equal the server's truth: nothing lost, nothing twice, every
//! status final. The inbox's truth is its store: the threads in memory keep only their newest
//! messages (the resident window), so the comparison reads the store file, as a restart would.

mod fakes;
mod support;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fakes::linktor::{API_KEY, FakeLinktor};
use support::faults::{FaultPlan, FaultProxy, HttpFault};
use switchboard::app::{App, Effect};
use switchboard::config::{AccountConfig, Config};
use switchboard::model::{AccountId, ConversationKey};
use switchboard::providers::ProviderCommand;
use switchboard::runtime::{Session, StartOptions};

const CONVERSATIONS: usize = 10;
const MESSAGES: usize = 10_000;

/// `(conversation, id) -> (direction, status)` of every stored message.
type Stored = BTreeMap<(String, String), (String, String)>;

/// Every message of the store file, with how many rows there are (a duplicate would be a
/// second row).
fn stored(path: &Path) -> (Stored, usize) {
    let Ok(db) = rusqlite::Connection::open(path) else {
        return (BTreeMap::new(), 0);
    };
    let Ok(mut query) = db.prepare("SELECT conversation, id, direction, status FROM messages")
    else {
        return (BTreeMap::new(), 0);
    };
    let rows: Vec<(String, String, String, String)> = query
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default();
    let count = rows.len();
    let map = rows
        .into_iter()
        .map(|(c, id, direction, status)| ((c, id), (direction, status)))
        .collect();
    (map, count)
}

/// The oldest message the store holds of a conversation: where scrolling up goes on from.
fn oldest_stored(path: &Path, conversation: &str) -> Option<String> {
    let db = rusqlite::Connection::open(path).ok()?;
    db.query_row(
        "SELECT id FROM messages WHERE conversation = ?1 ORDER BY at_ns, id LIMIT 1",
        [conversation],
        |row| row.get(0),
    )
    .ok()
}

fn totals(path: &Path) -> (usize, usize) {
    let (messages, count) = stored(path);
    let reads = messages
        .values()
        .filter(|(direction, status)| direction == "out" && status == "read")
        .count();
    (count, reads)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_through_faults_end_equal_to_the_server() {
    switchboard::providers::tls::install_crypto_provider();
    if let Ok(path) = std::env::var("SOAK_LOG") {
        let file = std::fs::File::create(path).expect("log file");
        let _ = tracing_subscriber::fmt()
            .with_env_filter("switchboard=debug")
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
    let fake = Arc::new(FakeLinktor::start().await);
    fake.seed(CONVERSATIONS);
    let proxy = FaultProxy::start(
        &fake.base_url,
        FaultPlan {
            ws_drop_every: 400,
            ws_duplicate_every: 7,
            ws_reorder_every: 5,
            ws_delay_every: 13,
            ws_delay: Duration::from_millis(2),
            http_fault_every: 9,
            http_faults: HttpFault::ALL.to_vec(),
        },
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("inbox.sqlite3");
    let mut config = Config::default();
    config.store.database = Some(database.clone());
    config.accounts.push(
        AccountConfig::linktor_with_key("soak", &proxy.base_url, API_KEY).with_poll_interval(2),
    );
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    assert!(
        session
            .pump_until(Duration::from_secs(60), |app| app.inbox.len()
                == CONVERSATIONS)
            .await,
        "the conversations are listed"
    );

    // The flood: one in three messages is an agent reply that then goes sent → delivered → read.
    let done = Arc::new(AtomicBool::new(false));
    let generator = {
        let fake = fake.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut statuses = 0usize;
            for i in 0..MESSAGES {
                let conversation = format!("c{}", i % CONVERSATIONS + 1);
                if i.is_multiple_of(3) {
                    let message = fake.push_agent_message(&conversation, &format!("reply {i}"));
                    for status in ["delivered", "read"] {
                        fake.push_status(&conversation, &message.id, status);
                        statuses += 1;
                    }
                } else {
                    fake.push_message(&conversation, &format!("customer message {i}"));
                }
                // Faults are the proxy's job: the fake's own broadcast channel must not overflow
                // (it would drop frames on a live connection, which no real server does and no
                // client can notice). So each frame goes out before the next is made.
                // While the socket is down, wait a little for it (most traffic should meet the
                // proxy's frame faults) but not long (some must be recovered by backfill).
                let mut spins = 0u32;
                while fake.ws_backlog() > 0 || (fake.ws_subscribers() == 0 && spins < 256) {
                    spins += 1;
                    if spins.is_multiple_of(64) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    } else {
                        tokio::task::yield_now().await;
                    }
                }
            }
            done.store(true, Ordering::SeqCst);
            statuses
        })
    };
    let expected_total = MESSAGES;
    let expected_reads = MESSAGES.div_ceil(3);
    // The store is read at most every half second while the flood is over.
    let last_look = std::cell::Cell::new(tokio::time::Instant::now());
    let converged = |_: &App| {
        if !done.load(Ordering::SeqCst) || last_look.get().elapsed() < Duration::from_millis(500) {
            return false;
        }
        last_look.set(tokio::time::Instant::now());
        totals(&database) == (expected_total, expected_reads)
    };
    // Conversations first loaded during the flood show their newest page; older messages are
    // history, loaded as the user scrolls up. Once the flood is over the test scrolls every
    // thread to its top like a user would (FetchOlder before the oldest message held), which
    // cannot hide a gap inside a thread, only reach the history before it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let mut flood_converged = false;
    let mut history_pages = 0;
    while tokio::time::Instant::now() < deadline {
        let settled = session
            .pump_until(Duration::from_secs(2), |app| {
                if done.load(Ordering::SeqCst) {
                    // The flood is over: let the last faults pass, then the inbox must settle.
                    proxy.set_plan(FaultPlan::default());
                }
                converged(app)
            })
            .await;
        if settled {
            flood_converged = true;
            break;
        }
        if !done.load(Ordering::SeqCst) {
            continue;
        }
        let scrolls: Vec<Effect> = session
            .app
            .inbox
            .iter()
            .filter(|(_, entry)| !entry.history_complete)
            .filter_map(|(key, _)| {
                Some(Effect::Provider {
                    account: key.account.clone(),
                    command: ProviderCommand::FetchOlder {
                        conversation: key.id.to_string(),
                        before: Some(oldest_stored(&database, &key.id)?),
                    },
                })
            })
            .collect();
        history_pages += scrolls.len();
        for effect in scrolls {
            session.executor.execute(effect);
        }
    }
    let statuses = generator.await.expect("generator");

    // Compare with the server's truth, message by message. The store keys rows by id, so a
    // duplicate would show as an extra row under another id, or as a row count above the ids.
    let account = AccountId::new("soak");
    let (held, rows) = stored(&database);
    let (mut lost, mut wrong_status, mut extra) = (0, 0, 0);
    let duplicated = rows - held.len();
    let mut truth_ids: HashSet<(String, String)> = HashSet::new();
    for c in 1..=CONVERSATIONS {
        let id = format!("c{c}");
        for message in fake.messages_of(&id) {
            truth_ids.insert((id.clone(), message.id.clone()));
            match held.get(&(id.clone(), message.id.clone())) {
                None => lost += 1,
                Some((_, status)) if status != &message.status => wrong_status += 1,
                Some(_) => {}
            }
        }
    }
    extra += held.keys().filter(|key| !truth_ids.contains(*key)).count();
    // And in memory: a window of each thread, newest first, nothing twice.
    for (_, entry) in session.app.inbox.iter() {
        let ids: HashSet<&str> = entry
            .thread
            .messages()
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(
            ids.len(),
            entry.thread.len(),
            "a resident thread holds no duplicate"
        );
    }
    println!(
        "soak: {MESSAGES} messages and {statuses} status updates pushed; the store holds {} \
         ({} read replies); lost {lost}, duplicated {duplicated}, extra {extra}, status not \
         final {wrong_status}; {history_pages} history pages fetched by scrolling up; proxy: {}",
        totals(&database).0,
        totals(&database).1,
        proxy.stats().summary()
    );
    if !flood_converged {
        let log = fake.request_log();
        let tail = &log[log.len().saturating_sub(40)..];
        for c in 1..=CONVERSATIONS {
            let entry = session
                .app
                .inbox
                .get(&ConversationKey::new(&account, format!("c{c}")))
                .expect("c");
            let ids: Vec<&str> = entry
                .thread
                .messages()
                .iter()
                .map(|m| m.id.as_str())
                .collect();
            println!(
                "c{c}: {} held, first {:?}, last {:?}, truth {}",
                ids.len(),
                ids.first(),
                ids.last(),
                fake.messages_of(&format!("c{c}")).len()
            );
        }
        println!("last requests:\n{}", tail.join("\n"));
    }
    assert!(flood_converged, "the inbox settled on the server's truth");
    assert_eq!((lost, duplicated, extra, wrong_status), (0, 0, 0, 0));
    let stats = proxy.stats();
    for (what, counter) in [
        ("dropped sockets", &stats.ws_dropped),
        ("duplicated frames", &stats.ws_duplicated),
        ("reordered frames", &stats.ws_reordered),
        ("HTTP faults", &stats.http_faults),
    ] {
        assert!(
            counter.load(Ordering::SeqCst) > 0,
            "the soak ran through {what}"
        );
    }
}
