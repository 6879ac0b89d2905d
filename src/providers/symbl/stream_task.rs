//! One streaming connection for one conversation: connect, `start_request`, fold the frames
//! into [`LiveInsights`] and send the result after each change; on a dead socket show why, back
//! off and reconnect; on stop send `stop_request` and close.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::SymblConfig;
use super::convert::SentMessage;
use super::error::SymblError;
use super::http::SymblHttp;
use super::streaming::{self, ConnectError, Incoming, LiveInsights, WsSink};
use super::wire::{ClientFrame, FromPayload, StreamingConfig};
use crate::model::{AccountId, ConversationKey};
use crate::providers::{AccountEvent, ConnectionState, ProviderEvent};

/// At most one malformed-frame notice per this interval reaches the user; the log gets all.
const MALFORMED_NOTICE_EVERY: Duration = Duration::from_secs(60);
/// How long a stopped socket waits for the server's close before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub(super) struct StreamContext {
    pub account: AccountId,
    pub events: mpsc::Sender<AccountEvent>,
    pub http: SymblHttp,
    pub config: SymblConfig,
}

impl StreamContext {
    async fn emit(&self, event: ProviderEvent) {
        let _ = self
            .events
            .send(AccountEvent {
                account: self.account.clone(),
                event,
            })
            .await;
    }
}

#[derive(Debug)]
pub(super) enum StreamCommand {
    /// The thread changed: live messages are linked against this.
    Thread(Vec<SentMessage>),
    Stop,
}

/// How a session on one socket ended.
enum Ended {
    Stop,
    Dropped(String),
}

pub(super) async fn run(
    ctx: StreamContext,
    conversation: ConversationKey,
    mut commands: mpsc::Receiver<StreamCommand>,
    thread: Vec<SentMessage>,
) {
    let mut live = LiveInsights::default();
    live.set_thread(thread);
    let mut backoff = ctx.config.retry.backoff();
    let connection_id = format!("switchboard-{}", uuid::Uuid::new_v4().simple());
    loop {
        let reason = match open(&ctx, &connection_id).await {
            Ok(mut sink_and_reader) => {
                backoff.reset();
                ctx.emit(ProviderEvent::Connection(ConnectionState::Live))
                    .await;
                match session(
                    &ctx,
                    &conversation,
                    &mut sink_and_reader,
                    &mut commands,
                    &mut live,
                )
                .await
                {
                    Ended::Stop => return,
                    Ended::Dropped(reason) => reason,
                }
            }
            Err(Failure::Auth(message)) => {
                ctx.emit(ProviderEvent::Connection(ConnectionState::AuthFailed(
                    message,
                )))
                .await;
                return;
            }
            Err(Failure::Transient(reason)) => reason,
        };
        let delay = backoff.next_delay();
        tracing::warn!(conversation = %conversation.id, ?delay, "Symbl streaming: {reason}");
        let until = time::OffsetDateTime::now_utc()
            + time::Duration::milliseconds(delay.as_millis().min(i64::MAX as u128) as i64);
        ctx.emit(ProviderEvent::Connection(ConnectionState::BackingOff {
            until,
            reason,
        }))
        .await;
        if !wait(delay, &mut commands, &mut live).await {
            return;
        }
    }
}

enum Failure {
    Auth(String),
    Transient(String),
}

type Socket = (WsSink, streaming::WsReader);

/// Token, connect (a 401 gets one retry with a fresh token) and `start_request`.
async fn open(ctx: &StreamContext, connection_id: &str) -> Result<Socket, Failure> {
    let config = &ctx.config;
    let mut refreshed = false;
    let (mut sink, reader) = loop {
        let token = ctx.http.auth().token().await.map_err(|err| match err {
            SymblError::Auth(_) => Failure::Auth(err.to_string()),
            other => Failure::Transient(other.to_string()),
        })?;
        match streaming::connect(
            &config.base_url,
            connection_id,
            &token,
            config.request_timeout,
        )
        .await
        {
            Ok(pair) => break pair,
            Err(ConnectError::Unauthorized) if !refreshed => {
                refreshed = true;
                ctx.http.auth().invalidate(&token).await;
            }
            Err(ConnectError::Unauthorized) => {
                return Err(Failure::Auth(
                    "Symbl refused the streaming connection (401)".to_string(),
                ));
            }
            Err(ConnectError::Other(reason)) => return Err(Failure::Transient(reason)),
        }
    };
    let start = ClientFrame::StartRequest {
        insight_types: config.insight_types.clone(),
        speaker: Some(FromPayload {
            user_id: Some("agent@switchboard.invalid".to_string()),
            name: Some(config.agent_name.clone()),
        }),
        trackers: config.trackers.clone(),
        config: Some(StreamingConfig {
            confidence_threshold: config.confidence_threshold,
            language_code: Some("en-US".to_string()),
            meeting_title: None,
        }),
    };
    streaming::send(&mut sink, &start)
        .await
        .map_err(|err| Failure::Transient(format!("Symbl streaming start failed: {err}")))?;
    Ok((sink, reader))
}

async fn session(
    ctx: &StreamContext,
    conversation: &ConversationKey,
    (sink, reader): &mut Socket,
    commands: &mut mpsc::Receiver<StreamCommand>,
    live: &mut LiveInsights,
) -> Ended {
    let mut last_notice: Option<Instant> = None;
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(StreamCommand::Thread(sent)) => live.set_thread(sent),
                Some(StreamCommand::Stop) | None => {
                    stop(sink).await;
                    // Read until the server closes too, so the stop frame is not lost to a
                    // connection reset (and the server's last frames are not left unread).
                    let drain = async { while reader.next().await.is_some() {} };
                    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
                    return Ended::Stop;
                }
            },
            message = reader.next() => match streaming::classify(message) {
                Incoming::Frame(frame) => {
                    if live.apply(&frame) {
                        ctx.emit(ProviderEvent::RemoteInsights {
                            conversation: conversation.clone(),
                            insights: Box::new(live.snapshot()),
                        })
                        .await;
                    }
                }
                Incoming::Stop => {
                    tracing::debug!(conversation = %conversation.id, "Symbl streaming: stop frame from the server");
                }
                Incoming::Malformed(reason) => {
                    tracing::warn!(conversation = %conversation.id, "Symbl streaming: unreadable frame: {reason}");
                    let now = Instant::now();
                    if last_notice.is_none_or(|at| now.duration_since(at) >= MALFORMED_NOTICE_EVERY) {
                        last_notice = Some(now);
                        ctx.emit(ProviderEvent::Error(format!(
                            "Symbl sent a frame switchboard cannot read ({reason})"
                        )))
                        .await;
                    }
                }
                Incoming::Nothing => {}
                Incoming::Closed(reason) => return Ended::Dropped(reason),
            },
        }
    }
}

/// `stop_request`, then a close frame; errors are moot (the socket is going away).
async fn stop(sink: &mut WsSink) {
    if let Err(err) = streaming::send(sink, &ClientFrame::StopRequest).await {
        tracing::debug!("Symbl streaming: stop_request not sent: {err}");
    }
    let _ = sink.close().await;
}

/// Waits out a backoff while still taking commands; false when asked to stop.
async fn wait(
    delay: Duration,
    commands: &mut mpsc::Receiver<StreamCommand>,
    live: &mut LiveInsights,
) -> bool {
    let deadline = tokio::time::sleep(delay);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return true,
            command = commands.recv() => match command {
                Some(StreamCommand::Thread(sent)) => live.set_thread(sent),
                Some(StreamCommand::Stop) | None => return false,
            },
        }
    }
}
