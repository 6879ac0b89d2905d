//! Linktor: REST + WebSocket, built to the SDK contract (`../shared/protocols.md` §2.1).
//!
//! One task owns the account: it syncs over REST, holds the WebSocket, polls as a safety net and
//! takes commands. REST calls a command needs (send, mark read, older history) run as child tasks
//! in a `JoinSet`, so a slow send never stops frames from being read; aborting the task drops the
//! set and with it every child.

pub mod convert;
pub mod rest;
pub mod socket;
pub mod wire;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};

use self::rest::{LinktorError, MessageQuery, RestClient};
use self::socket::{ConnectError, Incoming, NoticeLimiter, WsReader, WsSink};
use self::wire::{
    ClientFrame, ListEnvelope, ServerFrame, WireContact, WireConversation, WireMessage,
};
use crate::model::{AccountId, ConversationStatus, DeliveryStatus, Message, Timestamp};
use crate::providers::backoff::Backoff;
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
        }
    }
}

/// Starts the provider for one account. Events go to `events`; dropping the handle stops it.
pub fn spawn(
    account: AccountId,
    config: LinktorConfig,
    events: mpsc::Sender<AccountEvent>,
) -> ProviderHandle {
    let (commands, receiver) = mpsc::channel(64);
    let task = tokio::spawn(run(account.clone(), config, events, receiver));
    ProviderHandle {
        account,
        commands,
        task,
    }
}

async fn run(
    account: AccountId,
    config: LinktorConfig,
    events: mpsc::Sender<AccountEvent>,
    mut commands: mpsc::Receiver<ProviderCommand>,
) {
    let rest = match RestClient::new(&config) {
        Ok(rest) => rest,
        Err(err) => {
            tracing::error!(%account, "linktor provider cannot start: {err}");
            let _ = events
                .send(AccountEvent {
                    account,
                    event: ProviderEvent::Error(format!("Linktor provider cannot start: {err}")),
                })
                .await;
            // Keep the channel open so the app's sends do not fail oddly; there is nothing to do.
            while commands.recv().await.is_some() {}
            return;
        }
    };
    Provider {
        account,
        config,
        events,
        commands,
        rest,
        contacts: HashMap::new(),
        contacts_loaded: false,
        conversations: BTreeMap::new(),
        subscribed: HashSet::new(),
        sink: None,
        children: JoinSet::new(),
        backoff: Backoff::new(),
        notices: NoticeLimiter::default(),
        state: None,
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

enum CommandEnd {
    Continue,
    Refresh,
    Auth,
}

/// Results of the REST work commands start as child tasks.
// Only a handful are ever in flight, so the size spread between variants costs nothing.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Sent {
        conversation: String,
        client_id: String,
        result: Result<WireMessage, LinktorError>,
    },
    Older {
        conversation: String,
        result: Result<ListEnvelope<WireMessage>, LinktorError>,
    },
    MarkedRead {
        conversation: String,
        result: Result<(), LinktorError>,
    },
}

/// What we remember of a conversation between syncs.
struct Known {
    contact_id: String,
    channel_type: String,
    /// The newest message seen, by `(createdAt, id)`: backfills ask for what came `after` it.
    cursor: Option<(Timestamp, String)>,
}

struct Provider {
    account: AccountId,
    config: LinktorConfig,
    events: mpsc::Sender<AccountEvent>,
    commands: mpsc::Receiver<ProviderCommand>,
    rest: RestClient,
    /// `None` marks a contact we looked up and could not find, so we do not ask on every poll.
    contacts: HashMap<String, Option<WireContact>>,
    contacts_loaded: bool,
    conversations: BTreeMap<String, Known>,
    /// Subscriptions sent on the current socket.
    subscribed: HashSet<String>,
    sink: Option<WsSink>,
    children: JoinSet<Outcome>,
    backoff: Backoff,
    notices: NoticeLimiter,
    /// The last connection state sent, so repeats are not re-sent.
    state: Option<ConnectionState>,
}

impl Provider {
    async fn run(mut self) {
        self.set_state(ConnectionState::Connecting).await;
        let mut next = self.session().await;
        loop {
            self.sink = None;
            let end = match next {
                Ended::Stop => return,
                Ended::Failed(Failure::Auth) => self.auth_failed().await,
                Ended::Failed(Failure::Transient(reason)) => self.back_off(reason).await,
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
                WaitEnd::Elapsed => {}
            }
            next = self.session().await;
        }
    }

    /// Connect, sync, then stay live until something breaks. The socket comes up (and every
    /// known conversation is subscribed) before the REST sync, so anything said while we list
    /// arrives either in the listing or as a push: there is no window in between.
    async fn session(&mut self) -> Ended {
        let connected = socket::connect(
            &self.config.base_url,
            &self.config.api_key,
            self.config.request_timeout,
        )
        .await;
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
        self.backoff.reset();
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
            if self.events.is_closed() {
                return Ended::Stop;
            }
            tokio::select! {
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
                incoming = reader.next() => match socket::classify(incoming) {
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
                _ = ping.tick() => {
                    if let Some(sink) = self.sink.as_mut()
                        && let Err(err) = socket::send(sink, &ClientFrame::Ping).await
                    {
                        return Ended::Failed(Failure::Transient(format!("WebSocket ping failed: {err}")));
                    }
                }
                _ = poll.tick() => {
                    if let Some(failure) = self.resync(false).await {
                        return Ended::Failed(failure);
                    }
                }
                Some(joined) = self.children.join_next() => {
                    if let Some(failure) = self.outcome(joined).await {
                        return Ended::Failed(failure);
                    }
                }
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

    async fn back_off(&mut self, reason: String) -> WaitEnd {
        let delay = self.backoff.next_delay();
        let until = OffsetDateTime::now_utc() + delay;
        tracing::info!(account = %self.account, ?delay, "linktor backing off: {reason}");
        self.set_state(ConnectionState::BackingOff { until, reason })
            .await;
        self.idle(Some(Instant::now() + delay)).await
    }

    async fn auth_failed(&mut self) -> WaitEnd {
        let reason = format!(
            "Linktor rejected the API key (401) at {}",
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
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = sleep => return WaitEnd::Elapsed,
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

    // ----- syncing -------------------------------------------------------------------------

    /// Lists every conversation, then brings each one up to date: the tail page for one we have
    /// not seen, everything `after` the cursor for one we have.
    async fn full_sync(&mut self, reload_contacts: bool) -> Result<(), LinktorError> {
        if reload_contacts || !self.contacts_loaded {
            self.load_contacts().await?;
        }
        let mut listed = Vec::new();
        let mut offset = 0u64;
        loop {
            let page = self
                .rest
                .list_conversations(offset, self.config.page_size)
                .await?;
            let count = page.data.len() as u64;
            listed.extend(page.data);
            if !page.pagination.has_more || count == 0 {
                break;
            }
            offset += count;
        }
        let mut converted = Vec::with_capacity(listed.len());
        for wire in &listed {
            converted.push(self.remember(wire).await?);
        }
        self.emit(ProviderEvent::Conversations(converted)).await;
        for wire in &listed {
            self.subscribe(&wire.id).await;
            self.catch_up(&wire.id).await?;
        }
        Ok(())
    }

    async fn load_contacts(&mut self) -> Result<(), LinktorError> {
        let mut offset = 0u64;
        loop {
            let page = self
                .rest
                .list_contacts(offset, self.config.page_size)
                .await?;
            let count = page.data.len() as u64;
            for contact in page.data {
                self.contacts.insert(contact.id.clone(), Some(contact));
            }
            if !page.pagination.has_more || count == 0 {
                break;
            }
            offset += count;
        }
        self.contacts_loaded = true;
        Ok(())
    }

    /// Records a conversation (looking up its contact if new to us) and converts it.
    async fn remember(
        &mut self,
        wire: &WireConversation,
    ) -> Result<crate::model::Conversation, LinktorError> {
        if !self.contacts.contains_key(&wire.contact_id) {
            let found = match self.rest.get_contact(&wire.contact_id).await {
                Ok(contact) => Some(contact),
                Err(err) if err.is_auth() => return Err(err),
                Err(err) => {
                    tracing::warn!(contact = %wire.contact_id, "linktor contact lookup failed: {err}");
                    None
                }
            };
            self.contacts.insert(wire.contact_id.clone(), found);
        }
        let known = self
            .conversations
            .entry(wire.id.clone())
            .or_insert_with(|| Known {
                contact_id: wire.contact_id.clone(),
                channel_type: wire.channel_type.clone(),
                cursor: None,
            });
        known.contact_id = wire.contact_id.clone();
        known.channel_type = wire.channel_type.clone();
        let contact = self.contact_of(&wire.id);
        Ok(convert::conversation(&self.account, wire, contact))
    }

    async fn catch_up(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let has_cursor = self
            .conversations
            .get(conversation)
            .is_some_and(|known| known.cursor.is_some());
        if has_cursor {
            self.backfill(conversation).await
        } else {
            self.load_tail(conversation).await
        }
    }

    async fn load_tail(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let query = MessageQuery {
            limit: self.config.page_size,
            ..MessageQuery::default()
        };
        let page = self.rest.list_messages(conversation, &query).await?;
        self.deliver(conversation, page.data, false).await;
        if !page.pagination.has_more {
            self.emit(ProviderEvent::HistoryComplete {
                conversation: conversation.to_string(),
            })
            .await;
        }
        Ok(())
    }

    /// Everything newer than the cursor, page by page: what closes a gap after a reconnect.
    async fn backfill(&mut self, conversation: &str) -> Result<(), LinktorError> {
        loop {
            let Some(after) = self.cursor_id(conversation) else {
                return Ok(());
            };
            let query = MessageQuery {
                limit: self.config.page_size,
                after: Some(after.clone()),
                ..MessageQuery::default()
            };
            let page = self.rest.list_messages(conversation, &query).await?;
            let empty = page.data.is_empty();
            self.deliver(conversation, page.data, false).await;
            // Stop on the last page, and also if the cursor did not move (a server ignoring
            // `after` would otherwise keep us here forever).
            if !page.pagination.has_more || empty || self.cursor_id(conversation) == Some(after) {
                return Ok(());
            }
        }
    }

    fn cursor_id(&self, conversation: &str) -> Option<String> {
        self.conversations
            .get(conversation)?
            .cursor
            .as_ref()
            .map(|(_, id)| id.clone())
    }

    /// A conversation we had not heard of (a push or an Open): fetch it, its tail, subscribe.
    async fn discover(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let wire = match self.rest.get_conversation(conversation).await {
            Ok(wire) => wire,
            Err(LinktorError::NotFound { .. }) => {
                tracing::warn!(conversation, "linktor conversation not found");
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        let converted = self.remember(&wire).await?;
        self.emit(ProviderEvent::Conversations(vec![converted]))
            .await;
        self.subscribe(&wire.id).await;
        self.catch_up(&wire.id).await
    }

    /// Converts and emits messages, advancing the conversation's cursor.
    async fn deliver(&mut self, conversation: &str, wire: Vec<WireMessage>, live: bool) {
        if wire.is_empty() {
            return;
        }
        let contact = self.contact_of(conversation).name;
        let messages: Vec<Message> = wire
            .iter()
            .map(|message| convert::message(message, &contact, &self.config.agent_name))
            .collect();
        self.advance(conversation, &messages);
        self.emit(ProviderEvent::Messages {
            conversation: conversation.to_string(),
            messages,
            live,
        })
        .await;
    }

    fn advance(&mut self, conversation: &str, messages: &[Message]) {
        let Some(known) = self.conversations.get_mut(conversation) else {
            return;
        };
        for message in messages {
            let key = (message.at, message.id.clone());
            if known.cursor.as_ref().is_none_or(|cursor| key > *cursor) {
                known.cursor = Some(key);
            }
        }
    }

    fn contact_of(&self, conversation: &str) -> crate::model::Contact {
        let Some(known) = self.conversations.get(conversation) else {
            return convert::unknown_contact(conversation);
        };
        match self.contacts.get(&known.contact_id) {
            Some(Some(wire)) => convert::contact(wire, &known.channel_type),
            _ => convert::unknown_contact(&known.contact_id),
        }
    }

    // ----- the socket ----------------------------------------------------------------------

    async fn subscribe(&mut self, conversation: &str) {
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if !self.subscribed.insert(conversation.to_string()) {
            return;
        }
        let frame = ClientFrame::Subscribe {
            conversation_id: conversation.to_string(),
        };
        if let Err(err) = socket::send(sink, &frame).await {
            // The read side will see the broken socket and reconnect, which resubscribes.
            tracing::warn!(conversation, "linktor subscribe failed: {err}");
        }
    }

    async fn frame(&mut self, frame: ServerFrame) -> Result<(), LinktorError> {
        match frame {
            ServerFrame::Message {
                conversation_id,
                message,
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    self.discover(&conversation_id).await?;
                }
                self.deliver(&conversation_id, vec![message], true).await;
            }
            ServerFrame::MessageStatus {
                conversation_id,
                message_id,
                status,
                ..
            } => match DeliveryStatus::from_linktor(&status) {
                Some(status) => {
                    self.emit(ProviderEvent::StatusUpdate {
                        conversation: conversation_id,
                        message_id,
                        status,
                        reason: None,
                    })
                    .await;
                }
                None => tracing::warn!(%status, "unknown Linktor delivery status in a frame"),
            },
            ServerFrame::ConversationUpdate {
                conversation_id,
                status,
                ..
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    return self.discover(&conversation_id).await;
                }
                if let Some(status) = status {
                    match ConversationStatus::from_linktor(&status) {
                        Some(status) => {
                            self.emit(ProviderEvent::ConversationStatus {
                                conversation: conversation_id,
                                status,
                            })
                            .await;
                        }
                        None => tracing::warn!(%status, "unknown Linktor conversation status"),
                    }
                }
            }
            ServerFrame::Typing {
                conversation_id,
                user_id,
                is_typing,
            } => {
                // Only the customer's typing is shown; other agents' typing is not ours to show.
                let from_contact = self
                    .conversations
                    .get(&conversation_id)
                    .is_some_and(|known| known.contact_id == user_id);
                if from_contact {
                    let who = self.contact_of(&conversation_id).name;
                    self.emit(ProviderEvent::Typing {
                        conversation: conversation_id,
                        who,
                        typing: is_typing,
                    })
                    .await;
                }
            }
            ServerFrame::Pong => {}
        }
        Ok(())
    }

    async fn malformed(&mut self, reason: &str) {
        tracing::warn!(account = %self.account, "ignored malformed Linktor frame: {reason}");
        if self.notices.allow(std::time::Instant::now()) {
            let notice = format!(
                "ignored malformed frame from {}: {reason}",
                self.config.base_url
            );
            self.emit(ProviderEvent::Error(notice)).await;
        }
    }

    // ----- commands ------------------------------------------------------------------------

    async fn command(&mut self, command: ProviderCommand, live: bool) -> CommandEnd {
        match command {
            ProviderCommand::SendText {
                conversation,
                client_id,
                text,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.send_text(&conversation, &text, &client_id).await;
                    Outcome::Sent {
                        conversation,
                        client_id,
                        result,
                    }
                });
            }
            ProviderCommand::MarkRead { conversation } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.mark_read(&conversation).await;
                    Outcome::MarkedRead {
                        conversation,
                        result,
                    }
                });
            }
            ProviderCommand::FetchOlder {
                conversation,
                before,
            } => {
                let rest = self.rest.clone();
                let query = MessageQuery {
                    limit: self.config.page_size,
                    before,
                    after: None,
                };
                self.children.spawn(async move {
                    let result = rest.list_messages(&conversation, &query).await;
                    Outcome::Older {
                        conversation,
                        result,
                    }
                });
            }
            ProviderCommand::Typing {
                conversation,
                typing,
            } => {
                // Typing is best effort: without a socket it is simply dropped.
                if let Some(sink) = self.sink.as_mut() {
                    let frame = ClientFrame::Typing {
                        conversation_id: conversation,
                        is_typing: typing,
                    };
                    if let Err(err) = socket::send(sink, &frame).await {
                        tracing::debug!("linktor typing frame not sent: {err}");
                    }
                }
            }
            ProviderCommand::Open { conversation } => {
                if self.conversations.contains_key(&conversation) {
                    self.subscribe(&conversation).await;
                } else if live {
                    match self.discover(&conversation).await {
                        Err(err) if err.is_auth() => return CommandEnd::Auth,
                        Err(err) => {
                            tracing::warn!(conversation, "linktor open failed: {err}");
                        }
                        Ok(()) => {}
                    }
                }
            }
            ProviderCommand::Refresh => return CommandEnd::Refresh,
        }
        CommandEnd::Continue
    }

    /// Turns a finished child's result into events; a 401 is reported back as a failure.
    async fn outcome(&mut self, joined: Result<Outcome, JoinError>) -> Option<Failure> {
        let outcome = match joined {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(account = %self.account, "linktor command task failed: {err}");
                return None;
            }
        };
        match outcome {
            Outcome::Sent {
                conversation,
                client_id,
                result: Ok(wire),
            } => {
                let contact = self.contact_of(&conversation).name;
                let mut message = convert::message(&wire, &contact, &self.config.agent_name);
                // The echo must name our local copy even if the server dropped the metadata.
                message.client_id.get_or_insert(client_id);
                self.emit(ProviderEvent::Messages {
                    conversation,
                    messages: vec![message],
                    live: true,
                })
                .await;
                None
            }
            Outcome::Sent {
                conversation,
                client_id,
                result: Err(err),
            } => {
                let reason = self.describe(&err);
                self.emit(ProviderEvent::SendFailed {
                    conversation,
                    client_id,
                    reason,
                })
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::Older {
                conversation,
                result: Ok(page),
            } => {
                let contact = self.contact_of(&conversation).name;
                let messages: Vec<Message> = page
                    .data
                    .iter()
                    .map(|message| convert::message(message, &contact, &self.config.agent_name))
                    .collect();
                if !messages.is_empty() {
                    self.emit(ProviderEvent::Messages {
                        conversation: conversation.clone(),
                        messages,
                        live: false,
                    })
                    .await;
                }
                if !page.pagination.has_more {
                    self.emit(ProviderEvent::HistoryComplete { conversation })
                        .await;
                }
                None
            }
            Outcome::Older {
                conversation,
                result: Err(err),
            } => {
                let reason = self.describe(&err);
                self.emit(ProviderEvent::Error(format!(
                    "could not load older messages of {conversation}: {reason}"
                )))
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::MarkedRead {
                conversation,
                result: Err(err),
            } => {
                tracing::warn!(conversation, request_id = ?err.request_id(), "linktor mark read failed: {err}");
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::MarkedRead { result: Ok(()), .. } => None,
        }
    }

    // ----- events --------------------------------------------------------------------------

    fn failure(&self, err: &LinktorError) -> Failure {
        if err.is_auth() {
            Failure::Auth
        } else {
            Failure::Transient(self.describe(err))
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
        if self.state.as_ref() == Some(&state) {
            return;
        }
        self.state = Some(state.clone());
        self.emit(ProviderEvent::Connection(state)).await;
    }

    async fn emit(&self, event: ProviderEvent) {
        let event = AccountEvent {
            account: self.account.clone(),
            event,
        };
        if self.events.send(event).await.is_err() {
            tracing::debug!(account = %self.account, "app gone; event dropped");
        }
    }
}
