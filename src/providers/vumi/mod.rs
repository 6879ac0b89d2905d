//! Vumi Go HTTP API (`../shared/protocols.md` §4): SMS, USSD and voice conversations.
//!
//! One task owns the account. Inbound messages and events come either from the two streams
//! (`stream.rs`, the default) or from Vumi Go's pushes (`push.rs`); both feed the same
//! [`stream::Report`] channel. Sends and metrics are PUTs (`rest.rs`) run as child tasks in a
//! `JoinSet`, so a slow send never holds up what the streams deliver. Vumi has no
//! conversations: `convert.rs` makes one per transport type and contact address.

pub mod config;
pub mod convert;
mod inbound;
pub mod lines;
mod outbound;
pub mod push;
pub mod rest;
pub mod stream;
pub mod wire;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use self::convert::ConversationFacts;
pub use self::convert::{SessionState, channel, conversation_id};
use self::outbound::Outcome;
pub use self::push::PushCredentials;
use self::rest::RestClient;
use self::stream::{Report, StreamKind, StreamSettings};
pub use self::wire::Aggregator;
use crate::model::{AccountId, Timestamp};
use crate::providers::kit::emit::Emitter;
use crate::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};

/// The public streaming API (go-http's `api_url` for the no-stream API is `DEFAULT_PUSH_URL`).
pub const DEFAULT_STREAM_URL: &str = "https://go.vumi.org/api/v1/go/http_api";
/// The public no-stream API, used with push delivery.
pub const DEFAULT_PUSH_URL: &str = "https://go.vumi.org/api/v1/go/http_api_nostream";

/// How inbound messages and events reach us.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Long-lived GETs of `messages.json` and `events.json`.
    Stream,
    /// Vumi Go POSTs to a receiver we run on `listen`.
    Push {
        listen: SocketAddr,
        credentials: PushCredentials,
    },
    /// Sends only, hearing nothing (`switchboard send`). Vumi Go hands each inbound message and
    /// event to one stream client at random, so a script that opened the streams would take
    /// a share of what the running inbox should hear.
    SendOnly,
}

impl PartialEq for PushCredentials {
    fn eq(&self, other: &Self) -> bool {
        self.username == other.username && self.password == other.password
    }
}

/// Metrics fired after each reply (off unless configured).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsConfig {
    /// Prefix of the metric names, e.g. `inbox` gives `inbox.replies_sent`.
    pub prefix: String,
    /// Aggregator of `replies_sent` (each reply fires 1).
    pub replies_aggregator: Aggregator,
    /// Aggregator of `first_response_seconds` (from a customer's first unanswered message to
    /// our reply).
    pub response_aggregator: Aggregator,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            prefix: "switchboard".to_string(),
            replies_aggregator: Aggregator::Sum,
            response_aggregator: Aggregator::Avg,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VumiConfig {
    /// `…/http_api` (streaming) or `…/http_api_nostream` (push), without the conversation key.
    pub api_url: String,
    pub account_key: String,
    pub conversation_key: String,
    pub conversation_token: String,
    pub mode: Mode,
    pub request_timeout: Duration,
    pub reconnect_base: Duration,
    pub reconnect_cap: Duration,
    /// The least wait after "too many concurrent connections".
    pub busy_wait: Duration,
    /// Longest stream line accepted.
    pub max_line: usize,
    pub metrics: Option<MetricsConfig>,
    /// How our own replies are labelled.
    pub agent_name: String,
    /// Events kept while the message they name is unknown (they can outrun the PUT's answer).
    pub max_early_events: usize,
    /// Retries of a send that could not connect (backoff from `reconnect_base` to `_cap`).
    pub connect_retries: u32,
}

impl VumiConfig {
    /// Streaming mode against the public API.
    pub fn new(
        account_key: impl Into<String>,
        conversation_key: impl Into<String>,
        conversation_token: impl Into<String>,
    ) -> Self {
        Self {
            api_url: DEFAULT_STREAM_URL.to_string(),
            account_key: account_key.into(),
            conversation_key: conversation_key.into(),
            conversation_token: conversation_token.into(),
            mode: Mode::Stream,
            request_timeout: Duration::from_secs(15),
            reconnect_base: Duration::from_millis(500),
            reconnect_cap: Duration::from_secs(30),
            busy_wait: Duration::from_secs(30),
            max_line: 256 * 1024,
            metrics: None,
            agent_name: "You".to_string(),
            max_early_events: 512,
            connect_retries: 3,
        }
    }
}

/// Starts the provider for one account. Events go to `events`; dropping the handle stops it.
pub fn spawn(
    account: AccountId,
    config: VumiConfig,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    start(account, config, None, events)
}

/// Push mode on a listener the caller bound (tests bind port 0 and read the port back).
pub fn spawn_with_listener(
    account: AccountId,
    config: VumiConfig,
    listener: std::net::TcpListener,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    start(account, config, Some(listener), events)
}

fn start(
    account: AccountId,
    config: VumiConfig,
    listener: Option<std::net::TcpListener>,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    ProviderHandle::spawn(account.clone(), |commands| {
        run(account, config, listener, events, commands)
    })
}

async fn run(
    account: AccountId,
    config: VumiConfig,
    listener: Option<std::net::TcpListener>,
    events: mpsc::Sender<AccountEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
) {
    let rest = match RestClient::new(
        &config.api_url,
        &config.conversation_key,
        &config.account_key,
        &config.conversation_token,
        config.request_timeout,
    ) {
        Ok(rest) => rest.with_connect_retries(
            config.connect_retries,
            config.reconnect_base,
            config.reconnect_cap,
        ),
        Err(err) => {
            let why = format!("Vumi Go provider cannot start: {err}");
            return super::refuse::refuse_all(account, events, commands, why).await;
        }
    };
    let (report_sender, reports) = mpsc::channel(256);
    let mut provider = Provider {
        account: account.clone(),
        config,
        out: Emitter::new(account, events),
        rest,
        report_sender,
        inbound: JoinSet::new(),
        children: JoinSet::new(),
        conversations: HashMap::new(),
        sent: Bounded::new(10_000),
        seen_inbound: Bounded::new(10_000),
        answering: Bounded::new(10_000),
        early_events: VecDeque::new(),
        connected: HashSet::new(),
        auth_failed: false,
        last_garbage_notice: None,
    };
    provider.set_state(ConnectionState::Connecting).await;
    provider.start_inbound(listener).await;
    provider.run(commands, reports).await;
}

/// What we know of one conversation.
#[derive(Clone, Debug)]
struct Known {
    facts: ConversationFacts,
    /// The newest inbound message: replies go `in_reply_to` it.
    latest_inbound: Option<(Timestamp, String)>,
    /// The customer's first message we have not answered yet (first-response metric).
    awaiting_since: Option<Timestamp>,
}

/// A set that forgets its oldest entries past a bound, so long runs keep a flat footprint.
struct Bounded<V> {
    map: HashMap<String, V>,
    order: VecDeque<String>,
    limit: usize,
}

impl<V> Bounded<V> {
    fn new(limit: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            limit,
        }
    }

    /// Inserts; returns false when the key was already there (the value is kept).
    fn insert(&mut self, key: String, value: V) -> bool {
        if self.map.contains_key(&key) {
            return false;
        }
        if self.order.len() >= self.limit
            && let Some(oldest) = self.order.pop_front()
        {
            self.map.remove(&oldest);
        }
        self.order.push_back(key.clone());
        self.map.insert(key, value);
        true
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// Inserts or replaces.
    fn set(&mut self, key: String, value: V) {
        if let Some(held) = self.map.get_mut(&key) {
            *held = value;
        } else {
            self.insert(key, value);
        }
    }
}

struct Provider {
    account: AccountId,
    config: VumiConfig,
    out: Emitter,
    rest: RestClient,
    /// Kept so streams can be restarted after a refresh.
    report_sender: mpsc::Sender<Report>,
    /// The two stream tasks, or the push server.
    inbound: JoinSet<()>,
    /// Sends and metrics in flight.
    children: JoinSet<Outcome>,
    conversations: HashMap<String, Known>,
    /// Our sent message ids → their conversation, for events.
    sent: Bounded<String>,
    /// Inbound ids already counted (streams and pushes may repeat one).
    seen_inbound: Bounded<()>,
    /// What the app says each reply answers (its newest inbound message, from the local store):
    /// used where nothing newer was heard live this run.
    answering: Bounded<String>,
    /// Events whose message we have not seen yet, oldest first.
    early_events: VecDeque<wire::Event>,
    /// Streams currently open.
    connected: HashSet<StreamKind>,
    auth_failed: bool,
    last_garbage_notice: Option<tokio::time::Instant>,
}

impl Provider {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<ProviderCommand>,
        mut reports: mpsc::Receiver<Report>,
    ) {
        loop {
            if self.out.is_closed() {
                return;
            }
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    self.command(command).await;
                }
                Some(report) = reports.recv() => self.report(report).await,
                Some(joined) = self.children.join_next() => match joined {
                    Ok(outcome) => self.outcome(outcome).await,
                    Err(err) => tracing::error!(account = %self.account, "vumi child task failed: {err}"),
                },
                Some(ended) = self.inbound.join_next() => {
                    if let Err(err) = ended && err.is_panic() {
                        tracing::error!(account = %self.account, "vumi inbound task panicked: {err}");
                        self.emit(ProviderEvent::Error("Vumi Go: the inbound task stopped unexpectedly; press R to restart it".into())).await;
                    }
                }
            }
        }
    }

    /// Starts the two streams, or the push receiver.
    async fn start_inbound(&mut self, listener: Option<std::net::TcpListener>) {
        self.inbound.abort_all();
        self.connected.clear();
        self.auth_failed = false;
        match self.config.mode.clone() {
            Mode::SendOnly => {
                self.set_state(ConnectionState::Live).await;
                self.emit(ProviderEvent::Synced).await;
            }
            Mode::Stream => {
                let settings = StreamSettings {
                    reconnect_base: self.config.reconnect_base,
                    reconnect_cap: self.config.reconnect_cap,
                    busy_wait: self.config.busy_wait,
                    max_line: self.config.max_line,
                };
                for kind in [StreamKind::Messages, StreamKind::Events] {
                    let task = stream::run(
                        kind,
                        self.rest.clone(),
                        settings.clone(),
                        self.report_sender.clone(),
                    );
                    self.inbound.spawn(task);
                }
            }
            Mode::Push {
                listen,
                credentials,
            } => {
                let bound = match listener {
                    Some(listener) => listener
                        .set_nonblocking(true)
                        .and_then(|()| tokio::net::TcpListener::from_std(listener)),
                    None => tokio::net::TcpListener::bind(listen).await,
                };
                match bound {
                    Ok(listener) => {
                        let address = listener.local_addr().map(|a| a.to_string());
                        tracing::info!(account = %self.account, ?address, "vumi push receiver listening");
                        let task = push::serve(listener, credentials, self.report_sender.clone());
                        self.inbound.spawn(task);
                        self.set_state(ConnectionState::Live).await;
                        self.emit(ProviderEvent::Synced).await;
                    }
                    Err(err) => {
                        let reason =
                            format!("Vumi Go push receiver cannot listen on {listen}: {err}");
                        tracing::error!(account = %self.account, "{reason}");
                        self.emit(ProviderEvent::Error(reason)).await;
                    }
                }
            }
        }
    }

    async fn command(&mut self, command: ProviderCommand) {
        match command {
            ProviderCommand::SendText {
                conversation,
                client_id,
                text,
            } => {
                self.send(conversation, client_id, text, Default::default())
                    .await
            }
            ProviderCommand::SendWithOptions {
                conversation,
                client_id,
                text,
                options,
            } => self.send(conversation, client_id, text, options).await,
            // Vumi Go ignores a client-supplied message_id and has no listing to look a reply
            // up in (§4.2, §4.6), so an earlier attempt whose answer was lost cannot be told
            // from one that never arrived: the reply goes out again. At least once, not
            // exactly once.
            ProviderCommand::Resend {
                conversation,
                client_id,
                text,
            } => {
                self.send(conversation, client_id, text, Default::default())
                    .await
            }
            ProviderCommand::Answering {
                conversation,
                message_id,
            } => self.answering(conversation, message_id),
            // Vumi keeps no read state: a mark stays on this machine.
            ProviderCommand::MarkUnread { .. } => {}
            ProviderCommand::MarkRead { conversation } => {
                if let Some(known) = self.conversations.get_mut(&conversation) {
                    known.facts.unread = 0;
                }
            }
            // Vumi keeps no history to page through.
            ProviderCommand::FetchOlder { conversation, .. } => {
                self.emit(ProviderEvent::HistoryComplete { conversation })
                    .await;
            }
            // Vumi has no typing indicators; opening needs nothing from the network.
            ProviderCommand::Typing { .. } | ProviderCommand::Open { .. } => {}
            ProviderCommand::DeleteMessage { .. }
            | ProviderCommand::QueryCapability { .. }
            | ProviderCommand::SetStatus { .. }
            | ProviderCommand::SetSnoozedUntil { .. }
            | ProviderCommand::AddNote { .. }
            | ProviderCommand::Assign { .. }
            | ProviderCommand::SetLabels { .. }
            | ProviderCommand::SetPriority { .. }
            | ProviderCommand::SearchContacts { .. }
            | ProviderCommand::CreateContact { .. }
            | ProviderCommand::StartConversation { .. } => {
                self.emit(ProviderEvent::Error(
                    "Vumi Go does not support this action".to_string(),
                ))
                .await;
            }
            ProviderCommand::Refresh => {
                let stopped = self.auth_failed || self.inbound.is_empty();
                if stopped {
                    self.set_state(ConnectionState::Connecting).await;
                    self.start_inbound(None).await;
                }
            }
        }
    }

    async fn report(&mut self, report: Report) {
        match report {
            Report::Connected(kind) => {
                self.connected.insert(kind);
                if self.connected.len() == 2 {
                    self.set_state(ConnectionState::Live).await;
                    self.emit(ProviderEvent::Synced).await;
                }
            }
            Report::Dropped {
                kind,
                reason,
                retry_in,
            } => {
                self.connected.remove(&kind);
                if !self.auth_failed {
                    let until = OffsetDateTime::now_utc() + retry_in;
                    self.set_state(ConnectionState::BackingOff { until, reason })
                        .await;
                }
            }
            Report::AuthFailed(_) => self.auth_failed().await,
            Report::Garbage { source, reason } => self.garbage(&source, &reason).await,
            Report::Incoming(wire::Incoming::Message(message)) => self.inbound(*message).await,
            Report::Incoming(wire::Incoming::Event(event)) => self.event(*event).await,
        }
    }

    /// 401 from a stream or a PUT: one clear state, no retry until the user refreshes.
    async fn auth_failed(&mut self) {
        self.auth_failed = true;
        self.connected.clear();
        let reason = format!(
            "Vumi Go rejected the account key or conversation token (401) at {}",
            self.config.api_url
        );
        if self.out.current_connection() != Some(&ConnectionState::AuthFailed(reason.clone())) {
            tracing::warn!(account = %self.account, "{reason}");
        }
        self.set_state(ConnectionState::AuthFailed(reason)).await;
    }

    /// A line that was not a vumi message: logged every time, shown at most once a minute.
    async fn garbage(&mut self, source: &str, reason: &str) {
        tracing::warn!(account = %self.account, source, "skipped a malformed vumi line: {reason}");
        let now = tokio::time::Instant::now();
        let due = self
            .last_garbage_notice
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(60));
        if due {
            self.last_garbage_notice = Some(now);
            let message =
                format!("Vumi Go sent something unreadable on {source} (skipped): {reason}");
            self.emit(ProviderEvent::Error(crate::text::sanitize_line(&message)))
                .await;
        }
    }

    async fn set_state(&mut self, state: ConnectionState) {
        self.out.connection(state).await;
    }

    async fn emit(&self, event: ProviderEvent) {
        self.out.emit(event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn bounded_sets_forget_the_oldest_and_keep_the_first_value() {
        let mut set = Bounded::new(2);
        assert!(set.insert("a".into(), 1));
        assert!(!set.insert("a".into(), 9), "a repeat is not new");
        assert_eq!(set.get("a"), Some(&1));
        assert!(set.insert("b".into(), 2));
        assert!(set.insert("c".into(), 3));
        assert_eq!(set.get("a"), None, "the oldest is forgotten past the bound");
        assert_eq!(set.get("c"), Some(&3));
        assert_eq!(set.map.len(), 2);
    }
}
