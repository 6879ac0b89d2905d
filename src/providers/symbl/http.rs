//! The authenticated JSON client every Symbl REST call goes through. It sends the token both
//! ways Symbl has accepted (`Authorization: Bearer`, the documented one, and `x-api-key`, the
//! SDK's), renews it once when a call gets 401, and retries busy (429) and failing (5xx,
//! network) calls with full-jitter backoff up to a limit.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::TokenManager;
use super::error::SymblError;
use crate::providers::backoff::Backoff;
use crate::text::sanitize_line;

/// The longest `Retry-After` honoured; a server asking for more is retried at this pace.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How failing calls are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (429, 5xx, timeouts, network).
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub fn backoff(&self) -> Backoff {
        Backoff::with_limits(self.backoff_base, self.backoff_cap, fastrand::u64(..))
    }
}

/// Cheap to clone: the reqwest client and the token cache are shared.
#[derive(Clone)]
pub struct SymblHttp {
    http: reqwest::Client,
    base_url: String,
    auth: Arc<TokenManager>,
    retry: RetryPolicy,
}

impl SymblHttp {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        auth: Arc<TokenManager>,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            retry,
        }
    }

    pub fn auth(&self) -> &TokenManager {
        &self.auth
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// One logical call with the retry policy applied.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, SymblError> {
        let mut backoff = self.retry.backoff();
        let mut retries = 0;
        loop {
            let err = match self.authenticated(method.clone(), path, query, body).await {
                Ok(text) => {
                    return serde_json::from_str(&text).map_err(|err| {
                        tracing::warn!(path, "unreadable Symbl answer: {err}");
                        SymblError::Decode(format!("{path}: {err}"))
                    });
                }
                Err(err) => err,
            };
            if !err.is_retryable() || retries >= self.retry.max_retries {
                tracing::warn!(%method, path, "Symbl request failed: {err}");
                return Err(err);
            }
            retries += 1;
            let delay = match &err {
                SymblError::RateLimited {
                    retry_after: Some(wait),
                    ..
                } => (*wait).min(MAX_RETRY_AFTER),
                _ => backoff.next_delay(),
            };
            tracing::debug!(%method, path, retries, ?delay, "retrying Symbl request: {err}");
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt; a 401 gets one more try with a freshly generated token (the cached one may
    /// have been revoked early). A second 401 is final.
    async fn authenticated<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<String, SymblError> {
        let token = self.auth.token().await?;
        match self.send(method.clone(), path, query, body, &token).await {
            Err(SymblError::Auth(_)) => {
                tracing::info!(path, "Symbl refused the cached token; generating a new one");
                self.auth.invalidate(&token).await;
                let token = self.auth.token().await?;
                self.send(method, path, query, body, &token).await
            }
            other => other,
        }
    }

    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        token: &str,
    ) -> Result<String, SymblError> {
        let url = format!("{}{}", self.base_url, path);
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(token)
            .header("x-api-key", token)
            .header("Accept", "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|err| transport_error(&self.base_url, &err))?;
        read_response(response, path, &self.base_url).await
    }
}

/// The body of a 2xx, or the error its status and body describe.
pub(super) async fn read_response(
    response: reqwest::Response,
    path: &str,
    base_url: &str,
) -> Result<String, SymblError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(sanitize_line);
    let text = response
        .text()
        .await
        .map_err(|err| transport_error(base_url, &err))?;
    if status.is_success() {
        return Ok(text);
    }
    Err(SymblError::from_response(
        status.as_u16(),
        path,
        &text,
        retry_after.as_deref(),
    ))
}

pub(super) fn transport_error(base_url: &str, err: &reqwest::Error) -> SymblError {
    if err.is_timeout() {
        SymblError::Timeout
    } else {
        SymblError::Unreachable {
            url: base_url.to_string(),
            reason: crate::providers::http::root_cause(err),
        }
    }
}
