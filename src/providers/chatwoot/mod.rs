//! Chatwoot: the open-source multi-agent support platform, as one agent of one account
//! (`../shared/chatwoot.md`). REST for the account's state and every action, ActionCable for
//! what the team does live, and optionally the account webhook.
//!
//! One task owns the account. A session reads the profile (who we are, the pubsub token),
//! opens the cable and waits for the subscription to be confirmed (a refused token is answered
//! by silence, §6.9), then lists the account and stays live: pushes are applied as they come,
//! presence is said every 15 s (the team sees us online), and a listing of recent changes runs
//! as a safety net. While live, every REST call (commands, listings, thread reads) runs as a
//! child task, so the cable keeps being read. A dropped cable reconnects with backoff and
//! catches up with what changed while it was down (§6.8).

mod cable;
mod commands;
pub mod config;
mod convert;
mod events;
pub mod rest;
mod sync;
pub mod webhook;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use self::cable::{CableIn, WsReader, WsSink};
use self::commands::{CommandEnd, Outcome};
use self::config::Listing;
use self::convert::Directory;
use self::rest::{ChatwootError, RestClient};
use self::webhook::{Hook, WebhookConfig};
use crate::model::{AccountId, Conversation};
use crate::providers::kit::Classify;
use crate::providers::kit::backoff::Backoff;
use crate::providers::kit::emit::Emitter;
use crate::providers::kit::tasks::{AbortOnDrop, next_or_never, sleep_until_or_never};
use crate::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};

/// Chatwoot keeps status, snooze, assignee, team, labels and priority, and deletes messages
/// (softly, §4.3); it has no capability lookup.
pub const ACTIONS: crate::providers::PlatformActions = crate::providers::PlatformActions {
    delete_message: true,
    capability_lookup: false,
    set_status: true,
    workflow: true,
    contact_search: true,
    platform: "Chatwoot",
};

#[derive(Clone, PartialEq)]
pub struct ChatwootConfig {
    /// The installation's origin, e.g. `https://app.chatwoot.com`.
    pub base_url: String,
    pub account_id: u64,
    /// The agent's `api_access_token`.
    pub token: String,
    /// Only these inboxes; empty: all the agent's.
    pub inboxes: Vec<u64>,
    pub listing: Listing,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub webhook: Option<WebhookConfig>,
    /// How long a subscription may go unconfirmed before the token is taken as refused.
    pub subscribe_timeout: Duration,
    /// How long the cable may be silent (Rails pings every 3 s) before it is taken as dead.
    pub stale_after: Duration,
    /// How often presence is said; Chatwoot shows an agent offline after 20 s without.
    pub presence_every: Duration,
    /// Cursors from the local store, by conversation id: a thread resumes after them.
    pub resume: HashMap<String, (crate::model::Timestamp, String)>,
}

impl std::fmt::Debug for ChatwootConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatwootConfig")
            .field("base_url", &self.base_url)
            .field("account_id", &self.account_id)
            .field("token", &"<redacted>")
            .field("inboxes", &self.inboxes)
            .field("listing", &self.listing)
            .finish_non_exhaustive()
    }
}

impl ChatwootConfig {
    pub fn new(base_url: &str, account_id: u64, token: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            account_id,
            token: token.to_string(),
            inboxes: Vec::new(),
            listing: Listing::All,
            poll_interval: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            webhook: None,
            subscribe_timeout: Duration::from_secs(5),
            stale_after: Duration::from_secs(10),
            presence_every: Duration::from_secs(15),
            resume: HashMap::new(),
        }
    }
}

/// Starts the provider for one account. Events go to `events`; dropping the handle stops it.
pub fn spawn(
    account: AccountId,
    config: ChatwootConfig,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    ProviderHandle::spawn(account.clone(), |commands| {
        run(account, config, events, commands)
    })
}

async fn run(
    account: AccountId,
    mut config: ChatwootConfig,
    events: mpsc::Sender<AccountEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
) {
    let rest = match RestClient::new(
        &config.base_url,
        config.account_id,
        &config.token,
        config.request_timeout,
        config.max_retries,
    ) {
        Ok(rest) => rest,
        Err(err) => {
            let why = format!("Chatwoot provider cannot start: {err}");
            return super::refuse::refuse_all(account, events, commands, why).await;
        }
    };
    let out = Emitter::new(account.clone(), events);
    let mut hooks = None;
    let mut webhook_task = None;
    if let Some(webhook) = &config.webhook {
        match webhook::start(webhook).await {
            Ok((_addr, task, received)) => {
                hooks = Some(received);
                webhook_task = Some(AbortOnDrop(task));
                if webhook.secret.is_none() {
                    let warning = format!(
                        "Chatwoot webhook on {} accepts unsigned deliveries (allow_unsigned): anyone who can reach it can inject events",
                        webhook.listen
                    );
                    tracing::warn!(%account, "{warning}");
                    out.emit(ProviderEvent::Error(warning)).await;
                }
            }
            Err(err) => {
                tracing::error!(%account, listen = %webhook.listen, "chatwoot webhook receiver cannot listen: {err}");
                out.emit(ProviderEvent::Error(format!(
                    "Chatwoot webhook receiver cannot listen on {}: {err}",
                    webhook.listen
                )))
                .await;
            }
        }
    }
    let resume = std::mem::take(&mut config.resume);
    Provider {
        account,
        config,
        resume,
        typists: Typists::default(),
        listing: false,
        out,
        commands,
        rest,
        me: None,
        directory: Directory::default(),
        known: HashMap::new(),
        sink: None,
        identifier: String::new(),
        children: JoinSet::new(),
        backoff: Backoff::new(),
        live_since: None,
        synced_at: None,
        notices: None,
        discovering: HashSet::new(),
        not_listed: HashSet::new(),
        marking_read: HashMap::new(),
        typing_said: HashSet::new(),
        echoed: Recent::default(),
        sent: Recent::default(),
        claimed: Recent::default(),
        newest_heard: HashMap::new(),
        admitted: HashSet::new(),
        withheld: HashMap::new(),
        refresh_wanted: false,
        hooks,
        _webhook_task: webhook_task,
    }
    .run()
    .await;
}

/// Who this inbox works as on the account.
#[derive(Clone, Debug)]
struct Me {
    id: u64,
}

/// What the provider remembers of a conversation between pushes.
struct Known {
    /// As last emitted: a push naming only some fields (a message's unread count) re-emits it.
    conversation: Conversation,
    /// The server's `updated_at` (a float): an older conversation push is stale (§6.7).
    updated_at: f64,
    /// The contact's id, for `contact.updated`.
    contact_id: Option<u64>,
    /// The thread's message ids held, once it was loaded: a reconnect catches up after the
    /// newest, and older history pages before the oldest.
    thread: Option<Thread>,
}

#[derive(Clone, Copy, Debug)]
struct Thread {
    oldest: u64,
    newest: u64,
    /// A catch-up after this message failed: the next listing tries again (and no cursor is
    /// given to the store meanwhile).
    gap_from: Option<u64>,
}

impl Thread {
    /// Its first page on the way (`newest` 0: nothing to catch up after yet).
    fn loading() -> Self {
        Self {
            oldest: u64::MAX,
            newest: 0,
            gap_from: None,
        }
    }

    /// Held up to message `id` (a cursor from the local store).
    fn at(id: u64) -> Self {
        Self {
            oldest: id,
            newest: id,
            gap_from: None,
        }
    }
}

/// Chatwoot counts at most this many unread messages (§3.10).
const UNREAD_CAP: u32 = 10;

/// Who is typing where, so the app is reminded while Chatwoot's 30 s last (§3.9).
#[derive(Default)]
struct Typists {
    by_conversation: HashMap<u64, Typist>,
}

struct Typist {
    who: String,
    /// The customer (else an agent or a bot): their message ends their typing.
    customer: bool,
    since: std::time::Instant,
    said: std::time::Instant,
}

impl Typists {
    /// How long a typist lasts without news (the web client's timer).
    const LASTS: Duration = Duration::from_secs(30);
    /// How often the app is reminded (it forgets a typist after 6 s).
    const REMIND_EVERY: Duration = Duration::from_secs(4);

    fn heard(&mut self, conversation: u64, who: &str, customer: bool, on: bool) {
        if on {
            let now = std::time::Instant::now();
            self.by_conversation.insert(
                conversation,
                Typist {
                    who: who.to_string(),
                    customer,
                    since: now,
                    said: now,
                },
            );
        } else {
            self.by_conversation.remove(&conversation);
        }
    }

    /// A message from the customer (`customer`) or from the team ends that side's typing, as
    /// the app takes it to.
    fn wrote(&mut self, conversation: u64, customer: bool) {
        if self
            .by_conversation
            .get(&conversation)
            .is_some_and(|typist| typist.customer == customer)
        {
            self.by_conversation.remove(&conversation);
        }
    }

    /// What to say again now: `(conversation, who, still typing)`.
    fn due(&mut self, now: std::time::Instant) -> Vec<(u64, String, bool)> {
        let mut due = Vec::new();
        self.by_conversation.retain(|conversation, typist| {
            if now.duration_since(typist.since) >= Self::LASTS {
                due.push((*conversation, typist.who.clone(), false));
                return false;
            }
            if now.duration_since(typist.said) >= Self::REMIND_EVERY {
                typist.said = now;
                due.push((*conversation, typist.who.clone(), true));
            }
            true
        });
        due
    }
}

/// The most recent values seen (echo ids, message ids), oldest forgotten first.
struct Recent<T> {
    seen: HashSet<T>,
    order: std::collections::VecDeque<T>,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self {
            seen: HashSet::new(),
            order: std::collections::VecDeque::new(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Recent<T> {
    const KEPT: usize = 1024;

    fn heard(&mut self, value: T) {
        if self.seen.insert(value.clone()) {
            self.order.push_back(value);
            if self.order.len() > Self::KEPT
                && let Some(old) = self.order.pop_front()
            {
                self.seen.remove(&old);
            }
        }
    }

    fn contains(&self, value: &T) -> bool {
        self.seen.contains(value)
    }
}

/// Why a session ended.
#[derive(Debug)]
enum Failure {
    Auth(String),
    Transient(String),
}

enum Ended {
    Stop,
    Failed(Failure),
}

enum WaitEnd {
    Elapsed,
    Refresh,
    Stop,
    Auth(String),
}

/// How long a live connection must hold before a drop starts the backoff from the base again.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// How often an unreadable-frame notice may reach the screen (the log gets every one).
const NOTICE_EVERY: Duration = Duration::from_secs(60);

struct Provider {
    account: AccountId,
    config: ChatwootConfig,
    /// Cursors from the local store not yet used (a conversation's first listing uses its).
    resume: HashMap<String, (crate::model::Timestamp, String)>,
    typists: Typists,
    /// A listing in a child task is on its way.
    listing: bool,
    out: Emitter,
    commands: mpsc::Receiver<ProviderCommand>,
    rest: RestClient,
    me: Option<Me>,
    directory: Directory,
    /// By display id.
    known: HashMap<u64, Known>,
    sink: Option<WsSink>,
    /// The subscription identifier of the current socket.
    identifier: String,
    children: JoinSet<Outcome>,
    backoff: Backoff,
    live_since: Option<Instant>,
    /// When the last listing started: a reconnect within three hours asks only for what
    /// changed since (§6.8).
    synced_at: Option<OffsetDateTime>,
    /// When an unreadable frame was last said on screen.
    notices: Option<Instant>,
    /// Conversations first heard of in a push, being read.
    discovering: HashSet<u64>,
    /// Conversations read and left out (`conversations = "mine"` or `"unassigned"`): their
    /// messages are not ours to show until a change makes them so.
    not_listed: HashSet<u64>,
    /// Read markers on their way, and whether another was asked for since.
    marking_read: HashMap<u64, bool>,
    /// Conversations where we said we are typing: a reply sent there says we stopped, which
    /// Chatwoot does not infer (others would see us typing for 30 s).
    typing_said: HashSet<u64>,
    /// Echo ids heard in a push: a reply whose HTTP answer is lost (a timeout) but whose
    /// broadcast arrived is known to be on the server, so it is not reported failed.
    echoed: Recent<String>,
    /// Our own replies' echo ids: their copies are shown whatever the listing.
    sent: Recent<String>,
    /// Message ids already known as some reply's copy: a lookup never takes one for another.
    claimed: Recent<u64>,
    /// Per conversation, the newest message id heard from any source: a reply's copy is newer
    /// than what was heard when it left, and a message heard twice (cable and webhook) is
    /// counted once.
    newest_heard: HashMap<u64, u64>,
    /// Conversations the agent acted on (a reply, a start): listed whatever the listing.
    admitted: HashSet<u64>,
    /// New messages of conversations being read, outside an "all" listing: said once the
    /// conversation turns out to be listed.
    withheld: HashMap<u64, Vec<wire::Message>>,
    /// A resync asked for while a listing runs: one follows it.
    refresh_wanted: bool,
    hooks: Option<mpsc::Receiver<Hook>>,
    _webhook_task: Option<AbortOnDrop>,
}

impl Provider {
    async fn run(mut self) {
        self.out.connection(ConnectionState::Connecting).await;
        let mut next = self.session().await;
        loop {
            self.sink = None;
            let end = match next {
                Ended::Stop => return,
                Ended::Failed(Failure::Auth(reason)) => self.auth_failed(reason).await,
                Ended::Failed(Failure::Transient(reason)) => {
                    if self
                        .live_since
                        .take()
                        .is_some_and(|since| since.elapsed() >= STABLE_AFTER)
                    {
                        self.backoff.reset();
                    }
                    self.back_off(reason).await
                }
            };
            match end {
                WaitEnd::Stop => return,
                WaitEnd::Auth(reason) => {
                    next = Ended::Failed(Failure::Auth(reason));
                    continue;
                }
                WaitEnd::Refresh => self.backoff.reset(),
                WaitEnd::Elapsed => {}
            }
            self.out.connection(ConnectionState::Connecting).await;
            next = self.session().await;
        }
    }

    /// Profile, cable, listing, then live until something breaks. The cable is subscribed
    /// before the listing, so whatever happens while we list arrives either way.
    async fn session(&mut self) -> Ended {
        let profile = match self.rest.profile().await {
            Ok(profile) => profile,
            Err(err) => return Ended::Failed(self.failure(&err)),
        };
        let account_id = self.config.account_id;
        if !profile.accounts.is_empty() && !profile.accounts.iter().any(|a| a.id == account_id) {
            let theirs: Vec<String> = profile.accounts.iter().map(|a| a.id.to_string()).collect();
            return Ended::Failed(Failure::Auth(format!(
                "the access token's user is not in Chatwoot account {account_id} (their accounts: {})",
                theirs.join(", ")
            )));
        }
        self.me = Some(Me { id: profile.id });
        let mut socket_failure = None;
        let mut reader = None;
        match profile.pubsub_token.as_deref() {
            None => {
                socket_failure =
                    Some("the profile has no pubsub token: no live updates".to_string())
            }
            Some(token) => {
                self.identifier = cable::identifier(token, account_id, profile.id);
                match self.open_cable().await {
                    Ok(stream) => reader = Some(stream),
                    Err(reason) => socket_failure = Some(reason),
                }
            }
        }
        // List even without the cable, so the inbox shows what REST can give.
        if let Err(err) = self.sync().await {
            self.sink = None;
            return Ended::Failed(self.failure(&err));
        }
        if let Some(reason) = socket_failure {
            return Ended::Failed(Failure::Transient(reason));
        }
        let Some(reader) = reader else {
            return Ended::Failed(Failure::Transient("no live connection".to_string()));
        };
        self.live_since = Some(Instant::now());
        self.out.connection(ConnectionState::Live).await;
        self.out.emit(ProviderEvent::Synced).await;
        self.live(reader).await
    }

    /// Opens the cable, waits for `welcome`, subscribes and waits for the confirmation.
    async fn open_cable(&mut self) -> Result<WsReader, String> {
        let origin = self.config.base_url.clone();
        let (mut sink, mut reader) = cable::connect(&origin, self.config.request_timeout).await?;
        let deadline = Instant::now() + self.config.request_timeout;
        self.wait_for(&mut reader, deadline, |frame| {
            matches!(frame, CableIn::Welcome)
        })
        .await
        .map_err(|why| match why.is_empty() {
            true => format!("{origin}/cable sent no welcome"),
            false => why,
        })?;
        cable::subscribe(&mut sink, &self.identifier).await?;
        let deadline = Instant::now() + self.config.subscribe_timeout;
        let confirmed = self
            .wait_for(&mut reader, deadline, |frame| {
                matches!(frame, CableIn::Confirmed)
            })
            .await;
        match confirmed {
            Ok(()) => {}
            Err(why) if why.is_empty() => {
                return Err(format!(
                    "Chatwoot did not confirm the live subscription within {} s: the pubsub token was refused (it changes with the password) or the user is not in account {}",
                    self.config.subscribe_timeout.as_secs(),
                    self.config.account_id
                ));
            }
            Err(why) => return Err(why),
        }
        cable::update_presence(&mut sink, &self.identifier).await?;
        self.sink = Some(sink);
        Ok(reader)
    }

    /// Reads frames until `wanted` (other frames before it are applied). `Err("")` is the
    /// deadline passing; other errors say why the socket ended.
    async fn wait_for(
        &mut self,
        reader: &mut WsReader,
        deadline: Instant,
        wanted: impl Fn(&CableIn) -> bool,
    ) -> Result<(), String> {
        loop {
            let next = tokio::time::timeout_at(deadline, reader.next()).await;
            let Ok(next) = next else {
                return Err(String::new());
            };
            let frame = cable::classify(next, &self.identifier);
            if wanted(&frame) {
                return Ok(());
            }
            match frame {
                CableIn::Closed(reason) | CableIn::Disconnect(reason) => return Err(reason),
                CableIn::Rejected => {
                    return Err("Chatwoot rejected the live subscription".to_string());
                }
                CableIn::Event(broadcast) => self.broadcast(broadcast).await,
                _ => {}
            }
        }
    }

    async fn live(&mut self, mut reader: WsReader) -> Ended {
        let every = |period: Duration| {
            let mut timer = tokio::time::interval_at(Instant::now() + period, period);
            timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
            timer
        };
        let mut presence = every(self.config.presence_every);
        let mut poll = every(self.config.poll_interval);
        let mut watchdog = every(Duration::from_secs(1).min(self.config.stale_after));
        let mut heard = Instant::now();
        loop {
            if self.out.is_closed() {
                return Ended::Stop;
            }
            tokio::select! {
                command = self.commands.recv() => {
                    let Some(command) = command else { return Ended::Stop };
                    match self.command(command).await {
                        CommandEnd::Continue => {}
                        CommandEnd::Refresh => {
                            self.reread_directory();
                            if self.listing {
                                self.refresh_wanted = true;
                            } else {
                                self.list_in_background(sync::Plan::Everything);
                            }
                        }
                    }
                }
                next = reader.next() => {
                    heard = Instant::now();
                    match cable::classify(next, &self.identifier) {
                        CableIn::Closed(reason) => return Ended::Failed(Failure::Transient(reason)),
                        CableIn::Disconnect(reason) => {
                            return Ended::Failed(Failure::Transient(format!(
                                "Chatwoot asked to reconnect ({reason})"
                            )));
                        }
                        CableIn::Rejected => {
                            return Ended::Failed(Failure::Transient(
                                "Chatwoot rejected the live subscription".to_string(),
                            ));
                        }
                        CableIn::Event(broadcast) => self.broadcast(broadcast).await,
                        CableIn::Malformed(reason) => self.malformed(&reason).await,
                        CableIn::Welcome | CableIn::Ping | CableIn::Confirmed | CableIn::Nothing => {}
                    }
                }
                _ = watchdog.tick() => {
                    self.remind_typing().await;
                    if heard.elapsed() > self.config.stale_after {
                        return Ended::Failed(Failure::Transient(format!(
                            "Chatwoot's live connection went silent (no ping for {} s)",
                            self.config.stale_after.as_secs()
                        )));
                    }
                }
                _ = presence.tick() => {
                    if let Some(sink) = self.sink.as_mut()
                        && let Err(reason) = cable::update_presence(sink, &self.identifier).await
                    {
                        return Ended::Failed(Failure::Transient(reason));
                    }
                }
                _ = poll.tick() => {
                    let plan = self.plan();
                    self.list_in_background(plan);
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(failure) = self.outcome(joined).await {
                        return Ended::Failed(failure);
                    }
                }
                Some(hook) = next_or_never(&mut self.hooks) => self.hook(hook).await,
            }
        }
    }

    async fn back_off(&mut self, reason: String) -> WaitEnd {
        let delay = self.backoff.next_delay();
        let until = OffsetDateTime::now_utc() + delay;
        tracing::info!(account = %self.account, ?delay, "chatwoot backing off: {reason}");
        self.out
            .connection(ConnectionState::BackingOff { until, reason })
            .await;
        self.idle(Some(Instant::now() + delay)).await
    }

    async fn auth_failed(&mut self, reason: String) -> WaitEnd {
        tracing::warn!(account = %self.account, "{reason}");
        self.out
            .connection(ConnectionState::AuthFailed(reason))
            .await;
        loop {
            match self.idle(None).await {
                WaitEnd::Auth(_) => continue,
                other => return other,
            }
        }
    }

    /// Waits for the deadline (or forever), still serving commands and child results.
    async fn idle(&mut self, deadline: Option<Instant>) -> WaitEnd {
        loop {
            tokio::select! {
                () = sleep_until_or_never(deadline) => return WaitEnd::Elapsed,
                command = self.commands.recv() => {
                    let Some(command) = command else { return WaitEnd::Stop };
                    if let CommandEnd::Refresh = self.command(command).await {
                        return WaitEnd::Refresh;
                    }
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(Failure::Auth(reason)) = self.outcome(joined).await {
                        return WaitEnd::Auth(reason);
                    }
                }
            }
        }
    }

    fn failure(&self, err: &ChatwootError) -> Failure {
        if err.is_auth() {
            Failure::Auth(format!(
                "Chatwoot at {} refused the access token: {err}",
                self.config.base_url
            ))
        } else {
            Failure::Transient(self.describe(err))
        }
    }

    /// A one-line reason that names where we were talking to.
    fn describe(&self, err: &ChatwootError) -> String {
        format!("Chatwoot at {}: {err}", self.config.base_url)
    }

    async fn malformed(&mut self, reason: &str) {
        tracing::warn!(account = %self.account, "unreadable Chatwoot frame skipped: {reason}");
        let due = self.notices.is_none_or(|at| at.elapsed() >= NOTICE_EVERY);
        if due {
            self.notices = Some(Instant::now());
            self.out
                .emit(ProviderEvent::Error(format!(
                    "Chatwoot sent a frame that could not be read ({reason}); skipped"
                )))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typists_are_reminded_until_they_write_or_their_time_is_up() {
        let mut typists = Typists::default();
        let start = std::time::Instant::now();
        typists.heard(1, "Jane", true, true);
        typists.heard(2, "Ana (agent)", false, true);
        assert!(typists.due(start + Duration::from_secs(1)).is_empty());
        let due = typists.due(start + Duration::from_secs(5));
        assert_eq!(due.len(), 2, "{due:?}");
        assert!(due.iter().all(|(_, _, typing)| *typing));
        // Jane's message ends Jane's typing; it does not end Ana's.
        typists.wrote(1, true);
        typists.wrote(2, true);
        let due = typists.due(start + Duration::from_secs(10));
        assert_eq!(due, vec![(2, "Ana (agent)".to_string(), true)]);
        let due = typists.due(start + Duration::from_secs(31));
        assert_eq!(
            due,
            vec![(2, "Ana (agent)".to_string(), false)],
            "30 s at most"
        );
        assert!(typists.due(start + Duration::from_secs(40)).is_empty());
    }
}
