//! Linktor: REST + WebSocket, built to the SDK contract (`../shared/protocols.md` §2.1).
//!
//! One task owns the account: it syncs over REST, holds the WebSocket, polls as a safety net and
//! takes commands. REST calls a command needs (send, mark read, older history) run as child tasks
//! in a `JoinSet`, so a slow send never stops frames from being read; aborting the task drops the
//! set and with it every child.

mod auth;
mod commands;
pub mod config;
pub mod convert;
mod discovery;
mod frames;
pub mod rest;
mod rest_server;
pub mod rest_team;
pub mod socket;
mod sync;
pub mod webhook;
/// The SDK contract's wire types, shared with the hub that serves them.
pub use crate::protocol::linktor as wire;
pub mod wire_server;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use self::commands::{CommandEnd, Outcome};
use self::rest::{LinktorError, RestClient};
use self::socket::{ConnectError, Incoming, NoticeLimiter, WsReader, WsSink};
use self::webhook::{Hook, WebhookConfig};
use self::wire::{ClientFrame, WireContact};
use crate::model::{AccountId, Timestamp};
use crate::providers::kit::Classify;
use crate::providers::kit::backoff::Backoff;
use crate::providers::kit::emit::Emitter;
use crate::providers::kit::network::Network;
use crate::providers::kit::tasks::{AbortOnDrop, next_or_never, sleep_until_or_never};
use crate::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};

/// The SDK pings every 30 s; so do we, to keep idle proxies from closing the socket.
const PING_EVERY: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq)]
pub struct LinktorConfig {
    /// Where the SDK paths live, e.g. `https://api.linktor.io` or the embedded hub's address.
    pub base_url: String,
    pub api_key: String,
    /// The safety-net poll while the WebSocket is up.
    pub poll_interval: Duration,
    /// `limit` for every listing.
    pub page_size: u32,
    pub request_timeout: Duration,
    /// Retries of a failed REST call (429, 5xx, timeouts, network) before giving up.
    pub max_retries: u32,
    /// How our own replies are labelled.
    pub agent_name: String,
    /// Which wire contract the server speaks.
    pub dialect: Dialect,
    /// A Bearer token, used when `api_key` is empty.
    pub access_token: Option<String>,
    /// Email and password for Bearer JWT login and refresh, used when neither key nor token is set.
    pub login: Option<Login>,
    /// The signed-webhook receiver, if the account has one.
    pub webhook: Option<WebhookConfig>,
    /// Cursors from the local store, by conversation id: backfills resume after them.
    pub resume: HashMap<String, (Timestamp, String)>,
    /// The agent this inbox works as (`agent_id`; named by `[ui] agent_name`).
    pub me: Option<crate::model::Agent>,
    /// The internet, or a hub inside this process (the reproducible demo's).
    pub network: Network,
}

/// The two Linktor contracts found in the wild (`protocols.md` §2.1 and §2.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// The SDKs: `X-API-Key`, camelCase, `data` + `pagination`, `/ws` with subscribe frames.
    #[default]
    Sdk,
    /// The Go server: `/api/v1`, Bearer JWT, snake_case, `{success, data, meta}`, `{type, payload}`.
    Server,
}

/// Login credentials. `Debug` never shows the password.
#[derive(Clone, PartialEq)]
pub struct Login {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl LinktorConfig {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            poll_interval: Duration::from_secs(30),
            page_size: 50,
            request_timeout: Duration::from_secs(15),
            max_retries: 3,
            agent_name: "You".to_string(),
            dialect: Dialect::Sdk,
            access_token: None,
            login: None,
            webhook: None,
            resume: HashMap::new(),
            me: None,
            network: Network::Internet,
        }
    }
}

/// Starts the provider for one account. Events go to `events`; dropping the handle stops it.
pub fn spawn(
    account: AccountId,
    config: LinktorConfig,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    ProviderHandle::spawn(account.clone(), |commands| {
        run(account, config, events, commands)
    })
}

async fn run(
    account: AccountId,
    config: LinktorConfig,
    events: mpsc::Sender<AccountEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
) {
    let rest = match RestClient::new(&config) {
        Ok(rest) => rest,
        Err(err) => {
            let why = format!("Linktor provider cannot start: {err}");
            return super::refuse::refuse_all(account, events, commands, why).await;
        }
    };
    let mut hooks = None;
    let mut webhook_task = None;
    if let Some(webhook) = &config.webhook {
        match webhook::start(webhook).await {
            Ok((_addr, task, receiver)) => {
                hooks = Some(receiver);
                webhook_task = Some(AbortOnDrop(task));
            }
            Err(err) => {
                tracing::error!(%account, listen = %webhook.listen, "linktor webhook receiver cannot listen: {err}");
                let _ = events
                    .send(AccountEvent {
                        account: account.clone(),
                        event: ProviderEvent::Error(format!(
                            "webhook receiver cannot listen on {}: {err}",
                            webhook.listen
                        )),
                    })
                    .await;
            }
        }
    }
    Provider {
        account: account.clone(),
        config,
        hooks,
        _webhook_task: webhook_task,
        out: Emitter::new(account, events),
        commands,
        rest,
        contacts: HashMap::new(),
        contacts_loaded: false,
        conversations: BTreeMap::new(),
        subscribed: HashSet::new(),
        marking_read: HashMap::new(),
        sink: None,
        children: JoinSet::new(),
        backoff: Backoff::new(),
        live_since: None,
        notices: NoticeLimiter::default(),
        discovery: discovery::DiscoveryBudget::default(),
        agents: HashSet::new(),
        asked_about: HashSet::new(),
        editing: HashMap::new(),
    }
    .run()
    .await;
}

/// Why a connected (or connecting) session ended.
#[derive(Debug)]
enum Failure {
    /// 401: stop until the user asks again.
    Auth,
    /// Anything worth retrying after a backoff; the reason is for the status bar.
    Transient(String),
    /// 429 with a wait longer than a call waits by itself: shown as such, and no retry before
    /// the wait the server asked for.
    RateLimited { reason: String, wait: Duration },
}

enum Ended {
    Stop,
    Failed(Failure),
}

/// How a wait between sessions ended.
enum WaitEnd {
    Elapsed,
    Refresh,
    Stop,
    Auth,
}

/// What we remember of a conversation between syncs.
struct Known {
    contact_id: String,
    channel_type: String,
    /// The newest message seen, by `(createdAt, id)`: backfills ask for what came `after` it.
    cursor: Option<(Timestamp, String)>,
    /// The newest `page_size` messages seen. A backfill re-reads from the oldest of them, so a
    /// delivery status pushed while the socket was down is not lost (Linktor has no "changed
    /// since" query; statuses settle on recent messages).
    recent: std::collections::BTreeSet<(Timestamp, String)>,
    /// A sync found the conversation empty: whatever it holds later is new, and is loaded
    /// whole, not just its tail page.
    seen_empty: bool,
    /// Before the first listing, the oldest message pushed: the first listing pages back to it
    /// so no message between a push and the tail page goes missing.
    pushed_floor: Option<(Timestamp, String)>,
    /// The oldest message of the contiguous range listed so far. A push older than it arrived
    /// late (queued while the tail was listed) and is history: it is left to the history
    /// pages, or it would sit in the thread with a gap after it.
    listed_from: Option<(Timestamp, String)>,
    /// Who has it, its labels and priority, as last heard: a push that names only some of
    /// them changes those.
    work: crate::model::Workflow,
}

struct Provider {
    account: AccountId,
    config: LinktorConfig,
    /// Verified webhooks, handled like pushes while live.
    hooks: Option<mpsc::Receiver<Hook>>,
    _webhook_task: Option<AbortOnDrop>,
    out: Emitter,
    commands: mpsc::Receiver<ProviderCommand>,
    rest: RestClient,
    /// `None` marks a contact we looked up and could not find, so we do not ask on every poll.
    contacts: HashMap<String, Option<WireContact>>,
    contacts_loaded: bool,
    conversations: BTreeMap<String, Known>,
    /// Subscriptions sent on the current socket.
    subscribed: HashSet<String>,
    /// Conversations with a read marker on its way, and whether another was asked for since.
    marking_read: HashMap<String, bool>,
    sink: Option<WsSink>,
    children: JoinSet<Outcome>,
    backoff: Backoff,
    /// When the current session went live (the backoff resets once it has held).
    live_since: Option<Instant>,
    notices: NoticeLimiter,
    /// Lookups of conversations first heard of in a push.
    discovery: discovery::DiscoveryBudget,
    /// The agents the last team listing named: an assignee outside it (an agent who joined
    /// since) makes the list be read again.
    agents: HashSet<String>,
    /// Assignees the team list did not name, already asked about.
    asked_about: HashSet<String>,
    /// Conversations with a workflow change on its way, and the changes waiting behind it.
    editing: HashMap<String, std::collections::VecDeque<rest_team::WorkEdit>>,
}

/// How long a live connection must hold before a drop starts the backoff from the base again.
const STABLE_AFTER: Duration = Duration::from_secs(60);

impl Provider {
    async fn run(mut self) {
        self.set_state(ConnectionState::Connecting).await;
        let mut next = self.session().await;
        loop {
            self.sink = None;
            let end = match next {
                Ended::Stop => return,
                Ended::Failed(Failure::Auth) => self.auth_failed().await,
                Ended::Failed(Failure::Transient(reason)) => {
                    // Only a connection that held for a while earns a fresh start: one that
                    // drops right after each sync would otherwise reconnect (and resync) at
                    // the base delay forever.
                    if self
                        .live_since
                        .take()
                        .is_some_and(|since| since.elapsed() >= STABLE_AFTER)
                    {
                        self.backoff.reset();
                    }
                    self.back_off(reason, None).await
                }
                Ended::Failed(Failure::RateLimited { reason, wait }) => {
                    self.back_off(reason, Some(wait)).await
                }
            };
            match end {
                WaitEnd::Stop => return,
                WaitEnd::Auth => {
                    next = Ended::Failed(Failure::Auth);
                    continue;
                }
                WaitEnd::Refresh => {
                    self.backoff.reset();
                    self.set_state(ConnectionState::Connecting).await;
                }
                // Not "retry in 0s" while the next attempt takes its time.
                WaitEnd::Elapsed => self.set_state(ConnectionState::Connecting).await,
            }
            next = self.session().await;
        }
    }

    /// Connect, sync, then stay live until something breaks. The socket comes up (and every
    /// known conversation is subscribed) before the REST sync, so anything said while we list
    /// arrives either in the listing or as a push: there is no window in between.
    async fn session(&mut self) -> Ended {
        let connected = socket::connect_with(&self.rest, self.config.request_timeout).await;
        let mut reader = None;
        let mut socket_failure: Option<String> = None;
        match connected {
            Ok((sink, stream)) => {
                self.sink = Some(sink);
                self.subscribed.clear();
                let ids: Vec<String> = self.conversations.keys().cloned().collect();
                for id in ids {
                    self.subscribe(&id).await;
                }
                reader = Some(stream);
            }
            // One request, one answer: no point asking REST the same question.
            Err(ConnectError::Unauthorized) => return Ended::Failed(Failure::Auth),
            Err(ConnectError::Other(reason)) => socket_failure = Some(reason),
        }
        // Sync even without a socket, so the inbox shows what REST can give; a REST failure
        // says more (status, body) than the socket's, so it wins.
        if let Err(err) = self.full_sync(true).await {
            self.sink = None;
            return Ended::Failed(self.failure(&err));
        }
        if let Some(reason) = socket_failure {
            return Ended::Failed(Failure::Transient(reason));
        }
        let Some(reader) = reader else {
            return Ended::Failed(Failure::Transient("WebSocket unavailable".to_string()));
        };
        self.live_since = Some(Instant::now());
        self.set_state(ConnectionState::Live).await;
        self.emit(ProviderEvent::Synced).await;
        self.live(reader).await
    }

    async fn live(&mut self, mut reader: WsReader) -> Ended {
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let poll_every = self.config.poll_interval.max(Duration::from_millis(50));
        let mut poll = tokio::time::interval_at(Instant::now() + poll_every, poll_every);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if self.out.is_closed() {
                return Ended::Stop;
            }
            tokio::select! {
                // In this order, so a run is the same whichever branches are ready together (the
                // reproducible demo depends on it): the user's commands and their results first,
                // the socket last (webhooks and timers are ready now and then; a flood of pushes,
                // always ready, would keep them waiting).
                biased;
                command = self.commands.recv() => {
                    let Some(command) = command else { return Ended::Stop };
                    match self.command(command, true).await {
                        CommandEnd::Auth => return Ended::Failed(Failure::Auth),
                        CommandEnd::Refresh => {
                            if let Some(failure) = self.resync(true).await {
                                return Ended::Failed(failure);
                            }
                        }
                        CommandEnd::Continue => {}
                    }
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(failure) = self.outcome(joined).await {
                        return Ended::Failed(failure);
                    }
                }
                Some(hook) = next_or_never(&mut self.hooks) => {
                    if let Err(err) = self.hook(hook).await {
                        if err.is_auth() {
                            return Ended::Failed(Failure::Auth);
                        }
                        tracing::warn!(account = %self.account, "handling a webhook failed: {err}");
                    }
                }
                _ = ping.tick() => {
                    if let Some(sink) = self.sink.as_mut()
                        && let Err(err) = socket::send_in(sink, self.config.dialect, &ClientFrame::Ping).await
                    {
                        return Ended::Failed(Failure::Transient(format!("WebSocket ping failed: {err}")));
                    }
                }
                _ = poll.tick() => {
                    if let Some(failure) = self.resync(false).await {
                        return Ended::Failed(failure);
                    }
                }
                incoming = reader.next() => match socket::classify_in(self.config.dialect, incoming) {
                    Incoming::Closed(reason) => {
                        tracing::info!(account = %self.account, "{reason}");
                        return Ended::Failed(Failure::Transient(reason));
                    }
                    Incoming::Frame(frame) => {
                        if let Err(err) = self.frame(*frame).await {
                            if err.is_auth() {
                                return Ended::Failed(Failure::Auth);
                            }
                            tracing::warn!(account = %self.account, "handling a frame failed: {err}");
                        }
                    }
                    Incoming::Malformed(reason) => self.malformed(&reason).await,
                    Incoming::Nothing => {}
                },
            }
        }
    }

    /// A sync while live: a 401 ends the session; other failures are logged and the socket kept,
    /// since the next poll or push will do.
    async fn resync(&mut self, reload_contacts: bool) -> Option<Failure> {
        match self.full_sync(reload_contacts).await {
            Ok(()) => {
                self.emit(ProviderEvent::Synced).await;
                None
            }
            Err(err) if err.is_auth() => Some(Failure::Auth),
            Err(err) => {
                tracing::warn!(account = %self.account, request_id = ?err.request_id(), "linktor poll failed: {err}");
                None
            }
        }
    }

    async fn back_off(&mut self, reason: String, at_least: Option<Duration>) -> WaitEnd {
        let delay = self.backoff.next_delay().max(at_least.unwrap_or_default());
        let until = self.config.network.now() + delay;
        tracing::info!(account = %self.account, ?delay, "linktor backing off: {reason}");
        self.set_state(ConnectionState::BackingOff { until, reason })
            .await;
        self.idle(Some(Instant::now() + delay)).await
    }

    async fn auth_failed(&mut self) -> WaitEnd {
        let reason = format!(
            "Linktor rejected the {} (401) at {}",
            self.rest.credential_kind(),
            self.config.base_url
        );
        tracing::warn!(account = %self.account, "{reason}");
        self.set_state(ConnectionState::AuthFailed(reason)).await;
        loop {
            match self.idle(None).await {
                // Already stopped for the key; a failing send says so itself.
                WaitEnd::Auth => continue,
                other => return other,
            }
        }
    }

    /// Waits for the deadline (or forever), still serving commands and child results.
    async fn idle(&mut self, deadline: Option<Instant>) -> WaitEnd {
        loop {
            tokio::select! {
                biased;
                () = sleep_until_or_never(deadline) => return WaitEnd::Elapsed,
                command = self.commands.recv() => {
                    let Some(command) = command else { return WaitEnd::Stop };
                    match self.command(command, false).await {
                        CommandEnd::Refresh => return WaitEnd::Refresh,
                        CommandEnd::Auth => return WaitEnd::Auth,
                        CommandEnd::Continue => {}
                    }
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(Failure::Auth) = self.outcome(joined).await {
                        return WaitEnd::Auth;
                    }
                }
            }
        }
    }

    // ----- events --------------------------------------------------------------------------

    fn failure(&self, err: &LinktorError) -> Failure {
        match err {
            _ if err.is_auth() => Failure::Auth,
            LinktorError::RateLimited {
                retry_after: Some(wait),
                ..
            } => Failure::RateLimited {
                reason: self.describe(err),
                wait: (*wait).min(crate::providers::kit::retry::MAX_RETRY_AFTER),
            },
            _ => Failure::Transient(self.describe(err)),
        }
    }

    /// A one-line reason for the status bar that names where we were talking to.
    fn describe(&self, err: &LinktorError) -> String {
        match err {
            LinktorError::Unreachable { .. } => err.to_string(),
            LinktorError::Timeout { .. } => {
                format!("Linktor at {} did not answer in time", self.config.base_url)
            }
            other => format!("Linktor at {}: {other}", self.config.base_url),
        }
    }

    async fn set_state(&mut self, state: ConnectionState) {
        self.out.connection(state).await;
    }

    async fn emit(&self, event: ProviderEvent) {
        self.out.emit(event).await;
    }
}
