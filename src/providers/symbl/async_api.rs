//! The async Text API and its jobs (§3.3): submit a conversation's messages
//! (`POST /v1/process/text`), append new ones to the same Symbl conversation
//! (`PUT /v1/process/text/{conversationId}`), and poll `GET /v1/job/{jobId}` until the job is
//! completed or failed. A 429 ("too many concurrent jobs") is retried with backoff by
//! [`SymblHttp`].

use std::time::Duration;

use reqwest::Method;
use tokio::time::Instant;

use super::error::SymblError;
use super::http::SymblHttp;
use super::wire::{AsyncResponse, AsyncTextRequest, JobResponse, JobStatus};
use crate::providers::kit::http::segment;

/// How a job is waited for.
#[derive(Clone, Debug, PartialEq)]
pub struct JobPolling {
    /// Between two status reads (the SDK uses 5 s).
    pub interval: Duration,
    /// Give up after this long (a job stuck in `in_progress` must not hold the queue forever).
    pub max_wait: Duration,
}

impl Default for JobPolling {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            max_wait: Duration::from_secs(600),
        }
    }
}

#[derive(Clone)]
pub struct AsyncApi {
    http: SymblHttp,
}

impl AsyncApi {
    pub fn new(http: SymblHttp) -> Self {
        Self { http }
    }

    /// Starts a new Symbl conversation from `request.messages`.
    pub async fn submit(&self, request: &AsyncTextRequest) -> Result<AsyncResponse, SymblError> {
        self.http
            .call(Method::POST, "/v1/process/text", &[], Some(request))
            .await
    }

    /// Adds `request.messages` to the existing Symbl conversation `conversation_id`.
    pub async fn append(
        &self,
        conversation_id: &str,
        request: &AsyncTextRequest,
    ) -> Result<AsyncResponse, SymblError> {
        let path = format!("/v1/process/text/{}", segment(conversation_id)?);
        self.http.call(Method::PUT, &path, &[], Some(request)).await
    }

    pub async fn job(&self, job_id: &str) -> Result<JobResponse, SymblError> {
        let path = format!("/v1/job/{}", segment(job_id)?);
        self.http.call::<(), _>(Method::GET, &path, &[], None).await
    }

    /// Polls until the job completes (`Ok`), fails, reports an unknown status, or runs past
    /// `polling.max_wait` (all `Err`).
    pub async fn wait_for_job(&self, job_id: &str, polling: &JobPolling) -> Result<(), SymblError> {
        let deadline = Instant::now() + polling.max_wait;
        loop {
            let job = self.job(job_id).await?;
            match JobStatus::parse(&job.status) {
                JobStatus::Completed => return Ok(()),
                JobStatus::Failed => {
                    return Err(SymblError::JobFailed {
                        job_id: job_id.to_string(),
                    });
                }
                JobStatus::Unknown(status) => {
                    return Err(SymblError::UnknownJobStatus {
                        job_id: job_id.to_string(),
                        status: crate::text::sanitize_line(&status),
                    });
                }
                JobStatus::Scheduled | JobStatus::InProgress => {}
            }
            if Instant::now() + polling.interval > deadline {
                return Err(SymblError::JobTimedOut {
                    job_id: job_id.to_string(),
                });
            }
            tokio::time::sleep(polling.interval).await;
        }
    }
}
