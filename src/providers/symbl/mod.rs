//! Symbl as an insight source (`../shared/protocols.md` §3). Symbl is not a messaging account:
//! it reads the conversations the other providers bring and answers with insights.
//!
//! One task takes [`SymblRequest`]s. In async mode each conversation gets one Symbl
//! conversation: its messages are submitted once, later ones appended, the job polled, and then
//! the Conversation API read and mapped onto the insight model (`jobs.rs`). In streaming mode a
//! WebSocket per conversation delivers live updates (`stream_task.rs`). What it learns goes out
//! as [`ProviderEvent::RemoteInsights`]; its health as the connection state of its own status-bar
//! entry, so 401s, busy (429) answers, failed jobs and dead sockets are visible.

pub mod async_api;
pub mod auth;
pub mod config;
pub mod conversation_api;
pub mod convert;
pub mod error;
pub mod http;
mod jobs;
mod stream_task;
pub mod streaming;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use self::async_api::{AsyncApi, JobPolling};
pub use self::auth::Credentials;
use self::auth::TokenManager;
use self::conversation_api::ConversationApi;
use self::convert::{MessageLinks, SentMessage};
use self::error::SymblError;
use self::http::{RetryPolicy, SymblHttp};
use self::jobs::{JobContext, JobOutcome};
use self::stream_task::{StreamCommand, StreamContext};
use self::wire::TrackerDefinition;
use crate::model::{AccountId, ConversationKey, Message};
use crate::providers::kit::Classify;
use crate::providers::kit::backoff::Backoff;
use crate::providers::{AccountEvent, ConnectionState, ProviderEvent};

pub use crate::contract::provider::SYMBL_ACCOUNT as ACCOUNT_NAME;
/// Symbl's documented host.
pub const DEFAULT_BASE_URL: &str = "https://api.symbl.ai";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SymblMode {
    /// Async Text API: submit, append, poll the job, read the Conversation API.
    #[default]
    Async,
    /// Streaming WebSocket: live insight, topic, tracker and message frames.
    Streaming,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SymblConfig {
    /// `https://api.symbl.ai`, or a test server; the streaming socket uses the same host.
    pub base_url: String,
    pub credentials: Credentials,
    pub mode: SymblMode,
    /// Retries of busy (429) and failing calls.
    pub retry: RetryPolicy,
    pub polling: JobPolling,
    pub request_timeout: Duration,
    /// Submissions of one batch in total when Symbl reports the job failed.
    pub job_attempts: u32,
    /// Vocabulary groups Symbl should track.
    pub trackers: Vec<TrackerDefinition>,
    /// Streaming: the insight types asked for in `start_request`.
    pub insight_types: Vec<String>,
    pub confidence_threshold: Option<f64>,
    /// Streaming: the speaker named in `start_request`.
    pub agent_name: String,
    /// Streaming: sockets open at once; the least recently used one is stopped beyond this.
    pub max_streams: usize,
}

impl SymblConfig {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
            mode: SymblMode::Async,
            // A Symbl job is polled again anyway: a call waits a minute at most.
            retry: RetryPolicy {
                max_retry_after: std::time::Duration::from_secs(60),
                ..RetryPolicy::with_retries(5)
            },
            polling: JobPolling::default(),
            request_timeout: Duration::from_secs(20),
            job_attempts: 3,
            trackers: Vec::new(),
            insight_types: vec![
                "question".to_string(),
                "action_item".to_string(),
                "follow_up".to_string(),
            ],
            confidence_threshold: None,
            agent_name: "Agent".to_string(),
            max_streams: 4,
        }
    }
}

/// What the app asks of Symbl.
#[derive(Clone, Debug, PartialEq)]
pub enum SymblRequest {
    /// Analyse this conversation; `messages` is its whole thread as the app holds it (only
    /// what Symbl has not seen yet is sent).
    Analyse {
        conversation: ConversationKey,
        messages: Vec<Message>,
    },
    /// Done with this conversation: its streaming socket (if any) is stopped.
    Close { conversation: ConversationKey },
    /// Stop every socket with a `stop_request` and end the task.
    Shutdown,
}

/// The running task. Dropping the handle stops it (its sockets and jobs are aborted).
pub struct SymblHandle {
    pub account: AccountId,
    pub requests: mpsc::Sender<SymblRequest>,
    pub task: tokio::task::JoinHandle<()>,
}

impl Drop for SymblHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the Symbl task; events go to `events` under the account [`ACCOUNT_NAME`].
pub fn spawn(config: SymblConfig, events: mpsc::Sender<AccountEvent>) -> SymblHandle {
    let account = AccountId::new(ACCOUNT_NAME);
    let (requests, receiver) = mpsc::channel(64);
    let task = tokio::spawn(run(account.clone(), config, events, receiver));
    SymblHandle {
        account,
        requests,
        task,
    }
}

/// What the task knows of one conversation.
#[derive(Default)]
struct Tracked {
    /// Symbl's conversation id, once a job for it completed.
    symbl_id: Option<String>,
    /// Everything Symbl has accepted, in thread order.
    sent: Vec<SentMessage>,
    links: MessageLinks,
    /// A job for it is under way.
    busy: bool,
    /// The newest thread asked for while busy; analysed when the job ends.
    pending: Option<Vec<Message>>,
}

struct Stream {
    commands: mpsc::Sender<StreamCommand>,
    /// For "least recently used".
    used: u64,
}

struct Task {
    account: AccountId,
    config: SymblConfig,
    events: mpsc::Sender<AccountEvent>,
    jobs_ctx: JobContext,
    stream_ctx: StreamContext,
    conversations: HashMap<ConversationKey, Tracked>,
    jobs: JoinSet<JobOutcome>,
    streams: HashMap<ConversationKey, Stream>,
    stream_tasks: JoinSet<()>,
    uses: u64,
    /// Credentials refused: nothing more is tried until the config is fixed.
    auth_failed: bool,
    /// When to check again that Symbl answers (after it could not be reached).
    recheck: Option<Instant>,
    check_backoff: Backoff,
}

async fn run(
    account: AccountId,
    config: SymblConfig,
    events: mpsc::Sender<AccountEvent>,
    mut requests: mpsc::Receiver<SymblRequest>,
) {
    let timeout = config.request_timeout;
    let client = match crate::providers::kit::http::client(Some(timeout), timeout) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!("Symbl cannot start: {err}");
            let event = ProviderEvent::Error(format!("Symbl cannot start: {err}"));
            let _ = events.send(AccountEvent { account, event }).await;
            while requests.recv().await.is_some() {}
            return;
        }
    };
    let auth = Arc::new(TokenManager::new(
        client.clone(),
        &config.base_url,
        config.credentials.clone(),
    ));
    let http = SymblHttp::new(client, &config.base_url, auth, config.retry.clone());
    let jobs_ctx = JobContext {
        account: account.clone(),
        events: events.clone(),
        async_api: AsyncApi::new(http.clone()),
        conversation_api: ConversationApi::new(http.clone()),
        polling: config.polling.clone(),
        retry: config.retry.clone(),
        job_attempts: config.job_attempts.max(1),
        trackers: config.trackers.clone(),
        confidence_threshold: config.confidence_threshold,
    };
    let stream_ctx = StreamContext {
        account: account.clone(),
        events: events.clone(),
        http,
        config: config.clone(),
    };
    let check_backoff = config.retry.backoff();
    let mut task = Task {
        account,
        config,
        events,
        jobs_ctx,
        stream_ctx,
        conversations: HashMap::new(),
        jobs: JoinSet::new(),
        streams: HashMap::new(),
        stream_tasks: JoinSet::new(),
        uses: 0,
        auth_failed: false,
        recheck: None,
        check_backoff,
    };
    task.emit(ProviderEvent::Connection(ConnectionState::Connecting))
        .await;
    task.check_credentials().await;
    loop {
        let recheck_at = task.recheck.unwrap_or_else(Instant::now);
        tokio::select! {
            _ = tokio::time::sleep_until(recheck_at), if task.recheck.is_some() => {
                task.recheck = None;
                task.check_credentials().await;
            }
            request = requests.recv() => match request {
                Some(SymblRequest::Shutdown) | None => break,
                Some(request) => task.handle(request).await,
            },
            Some(done) = task.jobs.join_next(), if !task.jobs.is_empty() => match done {
                Ok(outcome) => task.job_done(outcome).await,
                Err(err) => tracing::error!("a Symbl job task ended abnormally: {err}"),
            },
            Some(_) = task.stream_tasks.join_next(), if !task.stream_tasks.is_empty() => {}
        }
    }
    task.stop_streams().await;
}

impl Task {
    async fn emit(&self, event: ProviderEvent) {
        let _ = self
            .events
            .send(AccountEvent {
                account: self.account.clone(),
                event,
            })
            .await;
    }

    /// A token at start shows at once whether the credentials work.
    /// While Symbl cannot be reached the check is repeated with backoff, so its status-bar
    /// entry says "backing off" with the reason rather than "connecting" forever.
    async fn check_credentials(&mut self) {
        match self.stream_ctx.http.auth().token().await {
            Ok(_) => {
                self.check_backoff.reset();
                self.emit(ProviderEvent::Connection(ConnectionState::Live))
                    .await;
            }
            Err(err) if err.is_auth() => self.failed(err).await,
            Err(err) => {
                let delay = self.check_backoff.next_delay();
                tracing::warn!(?delay, "Symbl: {err}");
                self.recheck = Some(Instant::now() + delay);
                let until = time::OffsetDateTime::now_utc()
                    + time::Duration::milliseconds(delay.as_millis().min(i64::MAX as u128) as i64);
                self.emit(ProviderEvent::Connection(ConnectionState::BackingOff {
                    until,
                    reason: err.to_string(),
                }))
                .await;
            }
        }
    }

    async fn failed(&mut self, err: SymblError) {
        tracing::warn!("Symbl: {err}");
        if err.is_auth() {
            self.auth_failed = true;
            self.emit(ProviderEvent::Connection(ConnectionState::AuthFailed(
                err.to_string(),
            )))
            .await;
        } else {
            self.emit(ProviderEvent::Error(err.to_string())).await;
        }
    }

    async fn handle(&mut self, request: SymblRequest) {
        match request {
            SymblRequest::Analyse {
                conversation,
                messages,
            } => {
                if self.auth_failed {
                    tracing::debug!(conversation = %conversation.id, "Symbl credentials refused; not analysing");
                    return;
                }
                match self.config.mode {
                    SymblMode::Async => self.analyse(conversation, messages),
                    SymblMode::Streaming => self.stream(conversation, messages).await,
                }
            }
            SymblRequest::Close { conversation } => {
                if let Some(stream) = self.streams.remove(&conversation) {
                    let _ = stream.commands.send(StreamCommand::Stop).await;
                }
            }
            SymblRequest::Shutdown => {}
        }
    }

    fn analyse(&mut self, key: ConversationKey, messages: Vec<Message>) {
        let tracked = self.conversations.entry(key.clone()).or_default();
        if tracked.busy {
            tracked.pending = Some(messages);
            return;
        }
        let new: Vec<SentMessage> = messages
            .iter()
            .filter_map(SentMessage::from_message)
            .filter(|m| !tracked.sent.iter().any(|s| s.id == m.id))
            .collect();
        if new.is_empty() {
            return;
        }
        tracked.busy = true;
        let ctx = self.jobs_ctx.clone();
        let symbl_id = tracked.symbl_id.clone();
        self.jobs.spawn(jobs::run(ctx, key, symbl_id, new));
    }

    async fn job_done(&mut self, outcome: JobOutcome) {
        let JobOutcome {
            conversation,
            new,
            result,
        } = outcome;
        let Some(tracked) = self.conversations.get_mut(&conversation) else {
            return;
        };
        tracked.busy = false;
        let pending = tracked.pending.take();
        match result {
            Ok((symbl_id, results)) => {
                tracked.symbl_id = Some(symbl_id);
                tracked.sent.extend(new);
                let insights =
                    convert::conversation_insights(&results, &tracked.sent, &mut tracked.links);
                // Clears a "backing off" a resubmitted job may have shown.
                self.emit(ProviderEvent::Connection(ConnectionState::Live))
                    .await;
                self.emit(ProviderEvent::RemoteInsights {
                    conversation: conversation.clone(),
                    insights: Box::new(insights),
                })
                .await;
            }
            Err(err) => self.failed(err).await,
        }
        if let Some(messages) = pending
            && !self.auth_failed
        {
            self.analyse(conversation, messages);
        }
    }

    async fn stream(&mut self, key: ConversationKey, messages: Vec<Message>) {
        let sent: Vec<SentMessage> = messages
            .iter()
            .filter_map(SentMessage::from_message)
            .collect();
        self.uses += 1;
        if let Some(stream) = self.streams.get_mut(&key) {
            stream.used = self.uses;
            if stream
                .commands
                .send(StreamCommand::Thread(sent))
                .await
                .is_err()
            {
                // Its task ended after Symbl refused the socket (shown then); no retry loop.
                tracing::debug!(conversation = %key.id, "Symbl stream ended; not reopening");
            }
            return;
        }
        while self.streams.len() >= self.config.max_streams.max(1) {
            let oldest = self
                .streams
                .iter()
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            if let Some(stream) = self.streams.remove(&oldest) {
                let _ = stream.commands.send(StreamCommand::Stop).await;
            }
        }
        let (commands, receiver) = mpsc::channel(16);
        self.stream_tasks.spawn(stream_task::run(
            self.stream_ctx.clone(),
            key.clone(),
            receiver,
            sent,
        ));
        self.streams.insert(
            key,
            Stream {
                commands,
                used: self.uses,
            },
        );
    }

    /// Sends every socket its `stop_request` and waits (briefly) for them to close.
    async fn stop_streams(&mut self) {
        for (_, stream) in self.streams.drain() {
            let _ = stream.commands.send(StreamCommand::Stop).await;
        }
        let closing = async { while self.stream_tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(Duration::from_secs(2), closing).await;
    }
}
