//! One async analysis of a batch of new messages: submit them (or append them to the
//! conversation's Symbl conversation), wait for the job, resubmit after a backoff when Symbl
//! reports the job failed, then read everything the Conversation API has for it.

use tokio::sync::mpsc;

use super::async_api::{AsyncApi, JobPolling};
use super::conversation_api::{ConversationApi, ConversationResults};
use super::convert::SentMessage;
use super::error::SymblError;
use super::http::RetryPolicy;
use super::wire::{AsyncTextRequest, TrackerDefinition};
use crate::model::{AccountId, ConversationKey};
use crate::providers::{AccountEvent, ConnectionState, ProviderEvent};

#[derive(Clone)]
pub(super) struct JobContext {
    pub account: AccountId,
    pub events: mpsc::Sender<AccountEvent>,
    pub async_api: AsyncApi,
    pub conversation_api: ConversationApi,
    pub polling: JobPolling,
    pub retry: RetryPolicy,
    pub job_attempts: u32,
    pub trackers: Vec<TrackerDefinition>,
    pub confidence_threshold: Option<f64>,
}

pub(super) struct JobOutcome {
    pub conversation: ConversationKey,
    /// The batch this job carried (accepted by Symbl only when `result` is `Ok`).
    pub new: Vec<SentMessage>,
    /// Symbl's conversation id and what it found.
    pub result: Result<(String, ConversationResults), SymblError>,
}

pub(super) async fn run(
    ctx: JobContext,
    conversation: ConversationKey,
    symbl_id: Option<String>,
    new: Vec<SentMessage>,
) -> JobOutcome {
    let result = analyse(&ctx, &conversation, symbl_id, &new).await;
    JobOutcome {
        conversation,
        new,
        result,
    }
}

async fn analyse(
    ctx: &JobContext,
    conversation: &ConversationKey,
    symbl_id: Option<String>,
    new: &[SentMessage],
) -> Result<(String, ConversationResults), SymblError> {
    let request = AsyncTextRequest {
        name: Some(format!(
            "switchboard {}/{}",
            conversation.account, conversation.id
        )),
        confidence_threshold: ctx.confidence_threshold,
        detect_phrases: Some(true),
        detect_entities: Some(true),
        messages: new.iter().map(SentMessage::to_wire).collect(),
        trackers: ctx.trackers.clone(),
        enable_all_trackers: None,
    };
    let mut backoff = ctx.retry.backoff();
    let mut attempt = 1;
    let symbl_id = loop {
        let accepted = match &symbl_id {
            Some(id) => ctx.async_api.append(id, &request).await?,
            None => ctx.async_api.submit(&request).await?,
        };
        tracing::debug!(conversation = %conversation.id, job = %accepted.job_id, "Symbl job accepted");
        match ctx
            .async_api
            .wait_for_job(&accepted.job_id, &ctx.polling)
            .await
        {
            Ok(()) => break accepted.conversation_id,
            Err(SymblError::JobFailed { job_id }) if attempt < ctx.job_attempts => {
                attempt += 1;
                let delay = backoff.next_delay();
                let reason = format!("Symbl job {job_id} failed; resubmitting");
                tracing::warn!(conversation = %conversation.id, ?delay, "{reason}");
                let until = time::OffsetDateTime::now_utc()
                    + time::Duration::milliseconds(delay.as_millis().min(i64::MAX as u128) as i64);
                let _ = ctx
                    .events
                    .send(AccountEvent {
                        account: ctx.account.clone(),
                        event: ProviderEvent::Connection(ConnectionState::BackingOff {
                            until,
                            reason,
                        }),
                    })
                    .await;
                tokio::time::sleep(delay).await;
            }
            Err(err) => return Err(err),
        }
    };
    let results = ctx.conversation_api.fetch_all(&symbl_id).await?;
    Ok((symbl_id, results))
}
