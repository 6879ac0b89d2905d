//! Sinch Conversation API (`../shared/protocols.md` §1): OAuth2 client credentials, REST
//! polling with page tokens, and an optional signed webhook receiver for pushes.
//!
//! One task owns the account. It syncs (contacts, conversations, the tail of each new thread,
//! then only what is new since its cursor), waits `poll_interval` while serving commands and
//! webhook pushes, and repeats. REST work a command needs runs as child tasks in a `JoinSet`,
//! so a slow send never holds up pushes; aborting the task drops the set and every child.
//! Files: `wire` (serde types), `auth` (tokens), `rest` (paths, retries), `error`, `convert`
//! (wire → model), `sync` (polling), `commands`, `resend` (a retry checks for an earlier copy
//! first), `pushes` (callbacks → events), `webhook`.

mod auth;
mod commands;
pub mod config;
pub mod convert;
pub mod error;
mod pushes;
mod reported;
mod resend;
pub mod rest;
mod sync;
pub mod webhook;
pub mod wire;
mod workflow;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use self::commands::Outcome;
use self::error::SinchError;
use self::rest::SinchRest;
use self::webhook::Push;
use self::wire::{WireContact, WireConversation};
use crate::model::{AccountId, Timestamp};
use crate::providers::kit::Classify;
use crate::providers::kit::backoff::Backoff;
use crate::providers::kit::emit::Emitter;
use crate::providers::kit::tasks::sleep_until_or_never;
use crate::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};

/// The regions of §1.2.
pub const REGIONS: &[&str] = &["us", "eu", "br"];
pub const DEFAULT_AUTH_ORIGIN: &str = "https://auth.sinch.com";

/// The Conversation API origin of a region, e.g. `https://eu.conversation.api.sinch.com`.
pub fn api_origin(region: &str) -> String {
    format!("https://{region}.conversation.api.sinch.com")
}

/// One Sinch app. Not `Debug`: it holds the key secret.
#[derive(Clone)]
pub struct SinchConfig {
    pub project_id: String,
    pub app_id: String,
    pub key_id: String,
    pub key_secret: String,
    pub api_origin: String,
    pub auth_origin: String,
    /// Sent with every reply, e.g. `SMS_SENDER`.
    pub channel_properties: BTreeMap<String, String>,
    /// Send composing / composing_end events while the agent types.
    pub send_typing: bool,
    pub poll_interval: Duration,
    pub page_size: u32,
    pub request_timeout: Duration,
    /// Retries of a failed REST call (429, 5xx, timeouts, network) before giving up.
    pub max_retries: u32,
    /// How our own replies are labelled.
    pub agent_name: String,
    pub webhook: Option<WebhookConfig>,
    /// The agent this inbox works as, named in the assignments it writes.
    pub me: Option<crate::model::Agent>,
}

#[derive(Clone)]
pub struct WebhookConfig {
    pub listen: SocketAddr,
    pub secret: String,
    /// How far a callback's timestamp may be from our clock.
    pub max_skew: Duration,
}

impl SinchConfig {
    pub fn new(
        project_id: impl Into<String>,
        app_id: impl Into<String>,
        key_id: impl Into<String>,
        key_secret: impl Into<String>,
        region: &str,
    ) -> Self {
        Self {
            project_id: project_id.into(),
            app_id: app_id.into(),
            key_id: key_id.into(),
            key_secret: key_secret.into(),
            api_origin: api_origin(region),
            auth_origin: DEFAULT_AUTH_ORIGIN.to_string(),
            channel_properties: BTreeMap::new(),
            send_typing: true,
            poll_interval: Duration::from_secs(15),
            page_size: 50,
            request_timeout: Duration::from_secs(15),
            max_retries: 3,
            agent_name: "You".to_string(),
            webhook: None,
            me: None,
        }
    }
}

/// Starts the provider; binds the webhook listen address first when one is configured.
pub fn spawn(
    account: AccountId,
    config: SinchConfig,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    let listener = config
        .webhook
        .as_ref()
        .map(|hook| std::net::TcpListener::bind(hook.listen).map_err(|err| (hook.listen, err)));
    start(account, config, events, listener)
}

/// Like [`spawn`], with the webhook served on an already bound listener (tests bind port 0).
pub fn spawn_with_listener(
    account: AccountId,
    config: SinchConfig,
    events: mpsc::Sender<AccountEvent>,
    listener: std::net::TcpListener,
) -> ProviderHandle {
    start(account, config, events, Some(Ok(listener)))
}

type Bound = Option<Result<std::net::TcpListener, (SocketAddr, std::io::Error)>>;

fn start(
    account: AccountId,
    config: SinchConfig,
    events: mpsc::Sender<AccountEvent>,
    listener: Bound,
) -> ProviderHandle {
    ProviderHandle::spawn(account.clone(), |commands| {
        run(account, config, events, commands, listener)
    })
}

async fn run(
    account: AccountId,
    config: SinchConfig,
    events: mpsc::Sender<AccountEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
    listener: Bound,
) {
    let rest = match SinchRest::new(&config) {
        Ok(rest) => rest,
        Err(err) => {
            let why = format!("Sinch provider cannot start: {err}");
            return super::refuse::refuse_all(account, events, commands, why).await;
        }
    };
    let mut provider = Provider {
        account: account.clone(),
        config,
        out: Emitter::new(account, events),
        commands,
        rest,
        pushes: None,
        receiver: JoinSet::new(),
        contacts: HashMap::new(),
        contacts_loaded: false,
        conversations: BTreeMap::new(),
        cursor: None,
        synced_once: false,
        seen: HashSet::new(),
        children: JoinSet::new(),
        backoff: Backoff::new(),
        last_notice: None,
        reported: reported::ReportedSends::default(),
        agent_names: BTreeMap::new(),
        team_said: false,
    };
    provider.start_webhook(listener).await;
    provider.run().await;
}

/// What we remember of a conversation between polls.
struct Known {
    contact_id: String,
    /// The Sinch channel enum value replies go out on.
    channel: String,
    /// Token of the next older page; `None` until the tail was loaded, `""` at the beginning.
    older: Option<String>,
    /// The listing as last heard, to announce the conversation again when `unread` changes.
    wire: WireConversation,
    /// Sinch keeps no unread count: inbound messages first seen by a poll or push since the
    /// app last marked the conversation read.
    unread: u32,
    /// The latest capability answer, kept for the details pane across relistings.
    capability: Option<String>,
}

/// How a wait between syncs ended.
enum WaitEnd {
    Elapsed,
    Refresh,
    Stop,
    Auth(String),
}

struct Provider {
    account: AccountId,
    config: SinchConfig,
    out: Emitter,
    commands: mpsc::Receiver<ProviderCommand>,
    rest: SinchRest,
    pushes: Option<mpsc::Receiver<Push>>,
    /// The webhook receiver task (aborted with the provider).
    receiver: JoinSet<()>,
    /// `None` marks a contact we looked up and could not find.
    contacts: HashMap<String, Option<WireContact>>,
    contacts_loaded: bool,
    conversations: BTreeMap<String, Known>,
    /// Newest accept time seen by polling: the next poll asks from a little before it.
    cursor: Option<Timestamp>,
    /// The first sync (tails of every thread) is done; later ones poll from the cursor.
    synced_once: bool,
    /// Ids of every message delivered, so only new inbound ones count as unread.
    seen: HashSet<String>,
    children: JoinSet<Outcome>,
    backoff: Backoff,
    /// The last notice sent and when, so a repeating failure is said once a minute, not on
    /// every attempt.
    last_notice: Option<(String, Instant)>,
    /// Our sends that delivery reports named, by client id (for resends).
    reported: reported::ReportedSends,
    /// Agents by id, as assignments in the metadata name them (Sinch lists none).
    agent_names: BTreeMap<String, String>,
    /// The team was said once (who this inbox works as, before any assignment names one).
    team_said: bool,
}

impl Provider {
    async fn start_webhook(&mut self, listener: Bound) {
        let Some(hook) = self.config.webhook.clone() else {
            return;
        };
        let listener = match listener {
            Some(Ok(listener)) => listener,
            Some(Err((addr, err))) => {
                self.notice(format!("Sinch webhook cannot listen on {addr}: {err}"))
                    .await;
                return;
            }
            None => return,
        };
        let listener = listener
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpListener::from_std(listener));
        match listener {
            Ok(listener) => {
                let (sender, receiver) = mpsc::channel(256);
                if let Ok(addr) = listener.local_addr() {
                    tracing::info!(account = %self.account, %addr, "Sinch webhook receiver listening");
                }
                self.receiver
                    .spawn(webhook::serve(listener, hook.secret, hook.max_skew, sender));
                self.pushes = Some(receiver);
            }
            Err(err) => {
                self.notice(format!("Sinch webhook cannot listen: {err}"))
                    .await;
            }
        }
    }

    async fn run(mut self) {
        self.set_state(ConnectionState::Connecting).await;
        loop {
            let deadline = match self.sync().await {
                Ok(()) => {
                    self.backoff.reset();
                    self.last_notice = None;
                    self.set_state(ConnectionState::Live).await;
                    self.emit(ProviderEvent::Synced).await;
                    Some(Instant::now() + self.config.poll_interval.max(Duration::from_millis(50)))
                }
                Err(err) if err.is_auth() => {
                    self.auth_failed(err.to_string()).await;
                    None
                }
                Err(err) => {
                    let delay = self.backoff.next_delay();
                    let reason = err.to_string();
                    // A 4xx (unknown app or project) will not fix itself: say it in the notices
                    // too, not only in the status bar.
                    if matches!(err, SinchError::Api { .. }) {
                        self.notice(reason.clone()).await;
                    }
                    tracing::info!(account = %self.account, ?delay, "Sinch backing off: {reason}");
                    let until = OffsetDateTime::now_utc() + delay;
                    self.set_state(ConnectionState::BackingOff { until, reason })
                        .await;
                    Some(Instant::now() + delay)
                }
            };
            let mut wait = self.idle(deadline).await;
            // A credentials failure while waiting (a send refused) stops polling until Refresh.
            while let WaitEnd::Auth(reason) = wait {
                self.auth_failed(reason).await;
                wait = self.idle(None).await;
            }
            match wait {
                WaitEnd::Stop => return,
                WaitEnd::Refresh => {
                    self.backoff.reset();
                    self.contacts_loaded = false;
                    self.set_state(ConnectionState::Connecting).await;
                }
                WaitEnd::Elapsed | WaitEnd::Auth(_) => {}
            }
        }
    }

    async fn auth_failed(&mut self, reason: String) {
        tracing::warn!(account = %self.account, "{reason}");
        self.set_state(ConnectionState::AuthFailed(reason)).await;
    }

    /// Waits for the deadline (or until Refresh when there is none), serving commands, webhook
    /// pushes and finished child tasks meanwhile.
    async fn idle(&mut self, deadline: Option<Instant>) -> WaitEnd {
        loop {
            tokio::select! {
                () = sleep_until_or_never(deadline) => return WaitEnd::Elapsed,
                command = self.commands.recv() => {
                    let Some(command) = command else { return WaitEnd::Stop };
                    if matches!(command, ProviderCommand::Refresh) {
                        return WaitEnd::Refresh;
                    }
                    self.command(command).await;
                }
                Some(push) = next_push(&mut self.pushes) => {
                    if let Err(err) = self.push(push).await {
                        if err.is_auth() {
                            return WaitEnd::Auth(err.to_string());
                        }
                        tracing::warn!(account = %self.account, "handling a Sinch push failed: {err}");
                    }
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(reason) = self.outcome(joined).await {
                        return WaitEnd::Auth(reason);
                    }
                }
            }
        }
    }

    async fn set_state(&mut self, state: ConnectionState) {
        self.out.connection(state).await;
    }

    /// A notice for the user; the same text is repeated at most once a minute.
    async fn notice(&mut self, text: String) {
        let now = Instant::now();
        if let Some((last, at)) = &self.last_notice
            && *last == text
            && now.duration_since(*at) < Duration::from_secs(60)
        {
            return;
        }
        self.last_notice = Some((text.clone(), now));
        self.emit(ProviderEvent::Error(text)).await;
    }

    async fn emit(&self, event: ProviderEvent) {
        self.out.emit(event).await;
    }
}

async fn next_push(pushes: &mut Option<mpsc::Receiver<Push>>) -> Option<Push> {
    match pushes {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}
