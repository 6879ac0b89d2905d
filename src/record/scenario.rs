//! The reproducible demo scenario: the embedded hub's store, seeded history and live customer
//! simulator, the app and its session, all on one virtual clock.
//!
//! Run it inside [`run_paused`]: a single-threaded tokio runtime whose clock starts paused, so
//! time moves only when every task waits, and then straight to the next timer. With a fixed
//! epoch, a seeded simulator, counted ids, seeded jitter and no sockets (see [`super::loopback`]),
//! two runs produce the same events at the same virtual times, and so the same frames.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use time::macros::datetime;
use tokio::sync::{mpsc, watch};

use super::loopback;
use crate::app::{App, AppSettings};
use crate::hub::events::Bus;
use crate::hub::ops::{HubState, Timing};
use crate::hub::store::Store;
use crate::hub::{DemoConfig, simulator};
use crate::model::{AccountId, Timestamp};
use crate::providers::kit::network::Network;
use crate::providers::linktor::{self, LinktorConfig};
use crate::runtime::session::EMBEDDED_ACCOUNT;
use crate::runtime::{Clock, Executor, Session};

/// The demo's "now" when it starts: a Monday morning, so history spans a few weekdays.
pub const EPOCH: Timestamp = datetime!(2026-03-02 09:41:00 UTC);
/// Seed of the customers when the script does not name one (the config's default too).
pub const DEFAULT_SEED: u64 = 7;
/// Provider events buffered, as in a real session.
const QUEUE: usize = 1024;
/// The demo hub's key: it only ever travels inside the process.
const DEMO_KEY: &str = "demo";
/// Where the demo hub would listen: what the provider names in its messages.
const DEMO_HUB_URL: &str = "http://127.0.0.1:7300";

/// A running scenario; dropping it stops the simulator and the provider.
pub struct Scenario {
    pub session: Session,
    pub hub: Arc<HubState>,
    /// Whether the network between the app and the hub is down (a scripted outage).
    pub network: Arc<watch::Sender<bool>>,
    stop: watch::Sender<bool>,
}

impl Scenario {
    /// Seeds the hub and starts the simulator and the app, with a local store (in memory,
    /// carried out in place so it keeps to the virtual clock) when `local_store`. Call inside
    /// [`run_paused`].
    pub fn start(seed: u64, local_store: bool) -> anyhow::Result<Scenario> {
        let clock = Clock::Virtual {
            epoch: EPOCH,
            start: tokio::time::Instant::now(),
        };
        let store = Store::open(None)
            .context("opening the demo hub's store")?
            .reproducible(move || unix_ns(clock.now()));
        let (stop, stopped) = watch::channel(false);
        let hub = Arc::new(HubState {
            store,
            bus: Bus::new(),
            api_key: DEMO_KEY.to_string(),
            timing: Timing::for_speed(Some(1.0)),
            agent_typing: Mutex::new(HashMap::new()),
            stop: stopped,
        });
        simulator::seed_history(&hub, seed).context("seeding the demo history")?;
        tokio::spawn(simulator::run(
            Arc::clone(&hub),
            DemoConfig { seed, speed: 1.0 },
        ));

        let account = AccountId::new(EMBEDDED_ACCOUNT);
        let settings = AppSettings {
            store: local_store,
            ..AppSettings::default()
        };
        let mut app = App::new("demo", settings, clock.now());
        app.add_account(account.clone());
        app.status.account_mut(&account).actions =
            crate::app::status::PlatformActions::of("the demo hub", false);
        let (sender, events) = mpsc::channel(QUEUE);
        let mut executor = Executor::default();
        if local_store {
            executor.set_inline_store(
                crate::store::Db::open(None).context("opening the demo's local store")?,
            );
        }
        let (network, network_down) = watch::channel(false);
        let mut provider = LinktorConfig::new(DEMO_HUB_URL, DEMO_KEY);
        provider.network = Network::InProcess(Arc::new(loopback::HubNetwork::new(
            Arc::clone(&hub),
            network_down,
        )));
        let me = crate::model::Agent {
            id: "you".to_string(),
            name: "You".to_string(),
        };
        app.team
            .learn(&account, Some(me.id.clone()), Vec::new(), Vec::new());
        provider.me = Some(me);
        executor.add(linktor::spawn(account, provider, sender));
        // The demo's scripted assistant, so the tour and screenshots can show it offline.
        let (assist_sender, assist_events) = mpsc::channel(crate::runtime::session::ASSIST_QUEUE);
        executor.set_assist(crate::assist::spawn(
            crate::assist::runner::Backend::Demo(crate::assist::demo::DemoAssistant),
            assist_sender,
        ));
        app.assist.enabled = true;
        app.assist.model = crate::assist::demo::MODEL.to_string();
        app.assist.max_messages = crate::assist::demo::MAX_MESSAGES;
        Ok(Scenario {
            session: Session {
                app,
                executor,
                events,
                hub: None,
                clock,
                // No store actor: a closed channel that never answers.
                store_events: mpsc::channel(1).1,
                assist_events,
                terminal_jobs: Vec::new(),
                painter: Default::default(),
            },
            hub,
            network: Arc::new(network),
            stop,
        })
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn unix_ns(at: Timestamp) -> i64 {
    i64::try_from(at.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

/// Runs a future on its own thread, on a single-threaded tokio runtime whose clock starts
/// paused (the only kind on which virtual time is exact). Safe to call from inside another
/// runtime.
pub fn run_paused<T, F, Fut>(make: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let thread = std::thread::Builder::new()
        .name("switchboard-demo".into())
        .spawn(move || {
            // Every jitter drawn on this thread (reconnect and retry delays) is the same on
            // every run.
            fastrand::seed(DEFAULT_SEED);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .context("starting the demo runtime")?;
            runtime.block_on(make())
        })
        .context("starting the demo thread")?;
    thread
        .join()
        .map_err(|_| anyhow::anyhow!("the demo thread panicked"))?
}
