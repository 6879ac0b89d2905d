//! Soak: 10,000 messages and their delivery statuses pushed through the fault proxy (dropped
//! sockets, duplicated, reordered and delayed frames, 429/503/garbage/truncated/cut HTTP
//! answers) into the real session (provider, reducer, store). When the flood ends and the
//! faults calm down, the inbox must equal the server's truth: nothing lost, nothing twice, every
//! status final.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::faults::{FaultPlan, FaultProxy, HttpFault};
use support::{API_KEY, FakeLinktor};
use switchboard::app::{App, Effect};
use switchboard::config::{AccountConfig, Config};
use switchboard::model::{AccountId, ConversationKey, DeliveryStatus, Direction};
use switchboard::providers::ProviderCommand;
use switchboard::runtime::{Session, StartOptions};

const CONVERSATIONS: usize = 10;
const MESSAGES: usize = 10_000;

fn total(app: &App) -> usize {
    app.inbox.iter().map(|(_, entry)| entry.thread.len()).sum()
}

fn reads(app: &App) -> usize {
    app.inbox
        .iter()
        .flat_map(|(_, entry)| entry.thread.messages())
        .filter(|m| m.direction == Direction::Outbound && m.status == DeliveryStatus::Read)
        .count()
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
    let mut config = Config::default();
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
    // `total` is cheap (thread lengths); `reads` walks every message, so it goes last.
    let converged = |app: &App| {
        done.load(Ordering::SeqCst) && total(app) == expected_total && reads(app) == expected_reads
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
            .filter_map(|(key, entry)| {
                Some(Effect::Provider {
                    account: key.account.clone(),
                    command: ProviderCommand::FetchOlder {
                        conversation: key.id.clone(),
                        before: Some(entry.thread.first()?.id.clone()),
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

    // Compare with the server's truth, message by message.
    let account = AccountId::new("soak");
    let (mut lost, mut duplicated, mut wrong_status, mut extra) = (0, 0, 0, 0);
    for c in 1..=CONVERSATIONS {
        let id = format!("c{c}");
        let truth = fake.messages_of(&id);
        let entry = session
            .app
            .inbox
            .get(&ConversationKey::new(&account, &id))
            .expect("conversation");
        let held: BTreeMap<&str, DeliveryStatus> = entry
            .thread
            .messages()
            .iter()
            .map(|m| (m.id.as_str(), m.status))
            .collect();
        duplicated += entry.thread.len() - held.len();
        let truth_ids: HashSet<&str> = truth.iter().map(|m| m.id.as_str()).collect();
        extra += held.keys().filter(|id| !truth_ids.contains(*id)).count();
        for message in &truth {
            match held.get(message.id.as_str()) {
                None => lost += 1,
                Some(status) if Some(*status) != DeliveryStatus::from_linktor(&message.status) => {
                    wrong_status += 1
                }
                Some(_) => {}
            }
        }
    }
    println!(
        "soak: {MESSAGES} messages and {statuses} status updates pushed; inbox holds {} \
         ({} read replies); lost {lost}, duplicated {duplicated}, extra {extra}, status not \
         final {wrong_status}; {history_pages} history pages fetched by scrolling up; proxy: {}",
        total(&session.app),
        reads(&session.app),
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
