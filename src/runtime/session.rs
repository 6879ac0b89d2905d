//! Starting what a config asks for: the embedded hub (if enabled), one provider per account,
//! and the app with those accounts. A `Session` also runs headless, which is how the end-to-end
//! tests and the screenshot command drive the real stack without a terminal.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use super::event_loop::Surface;
use super::executor::{Executor, Outcome};
use crate::app::status::PlatformActions;
use crate::app::{App, AppSettings, Event};
use crate::config::Config;
use crate::hub::{self, DemoConfig, HubConfig, HubHandle};
use crate::model::AccountId;
use crate::providers::account::StartContext;
use crate::providers::linktor::{self, LinktorConfig};
use crate::providers::{self, symbl};
use crate::providers::{AccountEvent, ConnectionState, ProviderEvent};
use crate::store::{self as local_store, StoreEvent};

/// The cached backfill cursors per account, for the providers to resume from.
fn resume_cursors(
    events: &[StoreEvent],
) -> HashMap<AccountId, HashMap<String, (crate::model::Timestamp, String)>> {
    let mut resume: HashMap<AccountId, HashMap<_, _>> = HashMap::new();
    for event in events {
        if let StoreEvent::Loaded(snapshot) = event {
            for (key, at, id) in &snapshot.cursors {
                resume
                    .entry(key.account.clone())
                    .or_default()
                    .insert(key.id.to_string(), (*at, id.clone()));
            }
        }
    }
    resume
}

/// Where the local store lives: `[store] database`, else in memory for an ephemeral run, else
/// the XDG data dir.
fn store_path(config: &Config, options: &StartOptions) -> Option<std::path::PathBuf> {
    match &config.store.database {
        Some(path) => Some(path.clone()),
        None if options.ephemeral_hub => None,
        None => local_store::default_path(),
    }
}

/// The account name of the embedded hub in the status bar.
pub const EMBEDDED_ACCOUNT: &str = "local";
/// Provider events buffered before providers wait (backpressure instead of unbounded memory).
const PROVIDER_QUEUE: usize = 1024;
/// Pieces of the assistant's answers buffered before its requests wait.
pub const ASSIST_QUEUE: usize = 256;

/// Knobs that come from the command line rather than the file.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// Keep the hub's data and the local store in memory only (tests, screenshots): nothing
    /// is read from or written to the user's data dir.
    pub ephemeral_hub: bool,
    /// Only send (`switchboard send`): open no Vumi Go stream, which would take a share of the
    /// running inbox's inbound messages (Vumi Go hands each message to one stream client).
    pub send_only: bool,
    /// The local time zone's offset; `main` reads it before any thread starts (the only
    /// moment the `time` crate can read it soundly). UTC when unset.
    pub utc_offset: Option<time::UtcOffset>,
}

impl StartOptions {
    /// Nothing on disk: what every test wants, so that no run sees another's cached inbox.
    pub fn ephemeral() -> Self {
        Self {
            ephemeral_hub: true,
            ..Self::default()
        }
    }
}

pub struct Session {
    pub app: App,
    pub executor: Executor,
    pub events: mpsc::Receiver<AccountEvent>,
    pub hub: Option<HubHandle>,
    /// What `apply` stamps events with (virtual in reproducible demos).
    pub clock: super::Clock,
    /// Answers of the local store (confirmed replies, failed writes).
    pub store_events: mpsc::Receiver<StoreEvent>,
    /// The assistant's answers, as they stream in.
    pub assist_events: mpsc::Receiver<crate::assist::Update>,
    /// Terminal hand-overs the app asked for, for the event loop to carry out.
    pub terminal_jobs: Vec<crate::app::TerminalJob>,
    /// Draws the frames, keeping what it may reuse between them.
    pub painter: crate::ui::Painter,
}

impl Session {
    pub async fn start(config: &Config, options: &StartOptions) -> anyhow::Result<Session> {
        crate::providers::tls::install_crypto_provider();
        let settings = AppSettings {
            send_typing: config.ui.send_typing,
            typing_ttl: time::Duration::seconds(config.ui.typing_ttl_secs as i64),
            insight_trackers: config.insights.trackers().into(),
            store: true,
            open_first: config.hub_enabled() && config.hub.demo && config.accounts.is_empty(),
            utc_offset: options.utc_offset.unwrap_or(time::UtcOffset::UTC),
            hour12: config.ui.clock == crate::config::ClockStyle::Twelve,
            keymap: std::sync::Arc::new(config.keymap.clone()),
            canned: config.canned.clone().into(),
            views: config.views.clone().into(),
            read_on_pass: config.ui.read_on_pass,
            agent_name: config
                .ui
                .agent_name
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("LOGNAME").ok())
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| "Support".to_string()),
            alerts: crate::app::alerts::AlertSettings {
                muted_accounts: config.notify.mute_accounts.clone(),
                muted_channels: config.notify.mute_channels.clone(),
                title: config.notify.title,
            },
            ..AppSettings::default()
        };
        let session_id = uuid::Uuid::new_v4().simple().to_string();
        let mut app = App::new(&session_id[..8], settings, super::now());
        let (sender, events) = mpsc::channel(PROVIDER_QUEUE);
        let mut executor = Executor::default();

        // The cache first, so the first frame shows it before any network answers.
        let store_path = store_path(config, options);
        let (store, mut store_events) = local_store::spawn(store_path.as_deref())?;
        executor.set_store(store);
        let mut pending_store_events = Vec::new();
        if let Some(loaded) = store_events.recv().await {
            pending_store_events.push(loaded);
        }
        while let Ok(more) = store_events.try_recv() {
            pending_store_events.push(more);
        }
        let mut resume = resume_cursors(&pending_store_events);

        let hub = if config.hub_enabled() {
            let db_path = if options.ephemeral_hub {
                None
            } else {
                let path = match &config.hub.database {
                    Some(path) => Some(path.clone()),
                    None => hub::default_db_path(),
                };
                if let Some(dir) = path.as_ref().and_then(|p| p.parent()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating the hub data dir {}", dir.display()))?;
                }
                path
            };
            let hub = hub::start(HubConfig {
                listen: config.hub.listen,
                db_path,
                api_key: uuid::Uuid::new_v4().simple().to_string(),
                demo: config.hub.demo.then_some(DemoConfig {
                    seed: config.hub.seed,
                    speed: config.hub.speed,
                }),
            })
            .await
            .context("starting the embedded hub")?;
            tracing::info!(url = %hub.base_url(), "embedded hub listening");
            let account = AccountId::new(EMBEDDED_ACCOUNT);
            app.add_account(account.clone());
            app.status.account_mut(&account).actions = PlatformActions::of("the hub", false);
            let mut provider_config = LinktorConfig::new(hub.base_url(), hub.api_key());
            provider_config.resume = resume.remove(&account).unwrap_or_default();
            // On its own hub the agent is who `[ui] agent_name` (else the login) names; the
            // inbox knows it before the hub answers, so `m` works from the first frame.
            let me = crate::model::Agent {
                id: crate::model::Agent::id_for_name(&app.settings.agent_name),
                name: app.settings.agent_name.clone(),
            };
            app.team
                .learn(&account, Some(me.id.clone()), Vec::new(), Vec::new());
            provider_config.me = Some(me);
            executor.add(linktor::spawn(account, provider_config, sender.clone()));
            Some(hub)
        } else {
            None
        };

        let mut context = StartContext {
            resume,
            send_only: options.send_only,
            agent_name: app.settings.agent_name.clone(),
        };
        for (index, account_config) in config.accounts.iter().enumerate() {
            let started =
                providers::account::start(account_config, index, &mut context, sender.clone())
                    .map_err(|message| anyhow::anyhow!("config: {message}"))?;
            app.add_account(started.account.clone());
            app.status.account_mut(&started.account).actions = started.actions;
            executor.add(started.handle);
        }
        for warning in &config.warnings {
            app.status.notify(
                crate::app::status::NoticeLevel::Error,
                warning.clone(),
                app.now,
            );
        }

        if config.symbl.enabled {
            start_symbl(config, &mut app, &mut executor, &sender);
        }
        let (assist_sender, assist_events) = mpsc::channel(ASSIST_QUEUE);
        if let Some(section) = &config.assist {
            start_assist(section, &mut app, &mut executor, assist_sender);
        }

        let mut session = Session {
            app,
            executor,
            events,
            hub,
            clock: super::Clock::Wall,
            store_events,
            assist_events,
            terminal_jobs: Vec::new(),
            painter: Default::default(),
        };
        // Applied once the providers run, so replies queued in the outbox reach them.
        for event in pending_store_events {
            session.apply(Event::Store(event));
        }
        Ok(session)
    }

    /// Applies one event now and executes its effects; returns false once the app quits.
    pub fn apply(&mut self, event: Event) -> bool {
        let mut pending = vec![event];
        while let Some(event) = pending.pop() {
            let notice = self.app.status.current_notice().cloned();
            let effects = self.app.apply(self.clock.now(), event);
            log_new_error(notice.as_ref(), self.app.status.current_notice());
            for effect in effects {
                match self.executor.execute(effect) {
                    Outcome::Continue => {}
                    Outcome::Quit => return false,
                    Outcome::Feedback(event) => pending.push(Event::provider(event)),
                    Outcome::Store(event) => pending.push(Event::Store(event)),
                    Outcome::Assist(update) => pending.push(Event::Assist(update)),
                    Outcome::Terminal(job) => self.terminal_jobs.push(job),
                }
            }
        }
        !self.app.quitting
    }

    /// The store's start is still coming in parts (and the store is there to send them).
    pub fn loading(&self) -> bool {
        self.app.inbox.unloaded.is_some() && !self.store_events.is_closed()
    }

    /// Draws a frame and feeds back what it laid out (paging and hit-testing depend on it).
    pub fn render(&mut self, surface: &mut impl Surface) -> std::io::Result<()> {
        let layout = surface.draw(&self.app, &mut self.painter)?;
        if layout != self.app.view.layout {
            self.apply(Event::Layout(layout));
        }
        Ok(())
    }

    /// Headless driving: applies provider events until `done` holds or `timeout` passes.
    pub async fn pump_until(&mut self, timeout: Duration, done: impl Fn(&App) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while !done(&self.app) {
            let event = tokio::select! {
                event = self.events.recv(), if !self.loading() => event.map(Event::provider),
                Some(event) = self.store_events.recv() => Some(Event::Store(event)),
                Some(update) = self.assist_events.recv() => Some(Event::Assist(update)),
                _ = tick.tick() => Some(Event::Tick),
                _ = tokio::time::sleep_until(deadline) => None,
            };
            match event {
                Some(event) => {
                    self.apply(event);
                }
                None => return done(&self.app),
            }
        }
        true
    }

    /// Stops the providers and waits until the store has written everything queued.
    pub fn shutdown(&mut self) {
        self.executor.shutdown();
    }
}

/// The reducer does no IO: an error it shows the user is written to the log here.
fn log_new_error(
    before: Option<&crate::app::status::Notice>,
    after: Option<&crate::app::status::Notice>,
) {
    if let Some(notice) = after
        && notice.level == crate::app::status::NoticeLevel::Error
        && before != Some(notice)
    {
        tracing::warn!("shown: {}", notice.text);
    }
}

/// Starts Symbl beside the accounts. A broken Symbl setup (say, an unset secret variable) is
/// shown on Symbl's status-bar entry; it never stops the inbox or the local engine.
fn start_symbl(
    config: &Config,
    app: &mut App,
    executor: &mut Executor,
    sender: &mpsc::Sender<AccountEvent>,
) {
    let account = AccountId::new(symbl::ACCOUNT_NAME);
    app.add_account(account.clone());
    match symbl::config::config_from(&config.symbl, &config.insights.trackers()) {
        Ok(symbl_config) => {
            app.remote_insights.enabled = true;
            executor.set_symbl(symbl::spawn(symbl_config, sender.clone()));
        }
        Err(message) => {
            tracing::error!("Symbl not started: {message}");
            let event = AccountEvent {
                account,
                event: ProviderEvent::Connection(ConnectionState::AuthFailed(format!(
                    "config: {message}"
                ))),
            };
            app.apply(super::now(), Event::provider(event));
        }
    }
}

/// Starts the assistant. A broken setup (an unset key variable) is said on screen and in the
/// log; the inbox runs on without it.
fn start_assist(
    section: &crate::config::assist::AssistSection,
    app: &mut App,
    executor: &mut Executor,
    updates: mpsc::Sender<crate::assist::Update>,
) {
    use crate::assist::{client::HttpAssistant, runner::Backend};
    let client = section.client_settings().and_then(HttpAssistant::new);
    match client {
        Ok(client) => {
            app.assist.enabled = true;
            app.assist.model = section.model.clone();
            app.assist.max_messages = section.max_messages;
            let backend = Backend::Http(std::sync::Arc::new(client));
            executor.set_assist(crate::assist::spawn(backend, updates));
        }
        Err(message) => {
            tracing::error!("assistant not started: {message}");
            app.assist.unavailable = Some(message.clone());
            app.status.notify(
                crate::app::status::NoticeLevel::Error,
                format!("assistant not started: {message}"),
                app.now,
            );
        }
    }
}
