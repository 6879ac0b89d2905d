//! The embedded hub: a local server speaking the Linktor SDK contract (`../shared/protocols.md`
//! §2.1) over HTTP and WebSocket, persisting to SQLite, with an optional demo simulator that
//! plays customers on several channels.
//!
//! - [`store`]: SQLite (contacts, conversations, messages).
//! - [`ops`]: operations shared by REST, WebSocket and simulator.
//! - [`rest`] / [`ws`]: the routes.
//! - [`events`]: the broadcast bus and per-socket subscription filtering.
//! - [`team`] / `team_api`: agents, and who has each conversation, its tags and priority.
//! - [`simulator`] / [`scripts`]: the demo customers and their dialogues.

mod contacts_api;
pub mod events;
pub mod ops;
pub mod rest;
pub mod scripts;
pub mod simulator;
pub mod store;
pub mod team;
mod team_api;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use events::Bus;
use ops::{HubState, Timing};
use store::Store;

/// How to run the hub.
#[derive(Clone, Debug)]
pub struct HubConfig {
    pub listen: SocketAddr,
    /// `None` = in-memory.
    pub db_path: Option<PathBuf>,
    pub api_key: String,
    pub demo: Option<DemoConfig>,
}

/// The demo simulator's settings.
#[derive(Clone, Copy, Debug)]
pub struct DemoConfig {
    pub seed: u64,
    /// 1.0 = human pace; tests use e.g. 50.0.
    pub speed: f64,
}

/// A running hub; dropping it stops the server and the simulator.
pub struct HubHandle {
    addr: SocketAddr,
    api_key: String,
    stop: Option<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Binds, spawns the server (and the simulator if configured) and returns at once.
pub async fn start(config: HubConfig) -> anyhow::Result<HubHandle> {
    let store = Store::open(config.db_path.as_deref()).context("opening the hub database")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = Arc::new(HubState {
        store,
        bus: Bus::new(),
        api_key: config.api_key.clone(),
        timing: Timing::for_speed(config.demo.map(|d| d.speed)),
        agent_typing: Mutex::new(HashMap::new()),
        stop: stop_rx.clone(),
    });
    if let Some(demo) = config.demo {
        // Seed before serving so the first list already shows the history.
        simulator::seed_history(&state, demo.seed).context("seeding demo history")?;
    }
    let app = rest::router(Arc::clone(&state));
    let mut server_stop = stop_rx.clone();
    let mut tasks = vec![tokio::spawn(async move {
        let shutdown = async move {
            let _ = server_stop.changed().await;
        };
        // No Nagle: a WebSocket frame is a few hundred bytes, and holding it back for the
        // client's ACK cost 8 ms at the median (42 ms at worst) between hub and inbox.
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY could not be set");
            }
        });
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "hub server failed");
        }
    })];
    if let Some(demo) = config.demo {
        tasks.push(tokio::spawn(simulator::run(Arc::clone(&state), demo)));
    }
    tracing::info!(%addr, "hub listening");
    Ok(HubHandle {
        addr,
        api_key: config.api_key,
        stop: Some(stop_tx),
        tasks,
    })
}

impl HubHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Stops gracefully: signals every task, waits briefly, then aborts stragglers.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for HubHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// `<XDG data dir>/switchboard/hub.sqlite3`.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "switchboard", "switchboard")
        .map(|dirs| dirs.data_dir().join("hub.sqlite3"))
}
