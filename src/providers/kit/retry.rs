//! One request policy for every provider: a failure is classified ([`ErrorClass`]); a refused
//! credential is renewed once per call; a rate limit waits for its `Retry-After` (capped at
//! [`MAX_RETRY_AFTER`]); server trouble, timeouts and network failures wait a jittered backoff;
//! and all of it stops after [`RetryPolicy::max_retries`] retries.

use std::future::Future;
use std::time::Duration;

use super::backoff::Backoff;

/// The longest `Retry-After` honoured in one wait; a server asking for more is retried at
/// this pace.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// What kind of failure an error is, which decides what the policy does with it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ErrorClass {
    /// The server refused the credential. When `renewable` (an expired or revoked token), a
    /// renewed one is tried once; otherwise the account needs the user.
    Auth { renewable: bool },
    /// The server is busy or limiting us; `retry_after` is how long it asked us to wait.
    RateLimited { retry_after: Option<Duration> },
    /// Server trouble (5xx), a timeout or a network failure: worth another try after a wait.
    Transient,
    /// The request itself was refused (4xx with details, an unaddressable id): retrying the
    /// same request cannot help.
    Rejected,
    /// The answer could not be read.
    Decode,
}

/// How a provider's error maps onto [`ErrorClass`].
pub trait Classify: std::fmt::Display {
    fn class(&self) -> ErrorClass;

    /// The server's id for the request, for matching a log line with the server's records.
    fn request_id(&self) -> Option<&str> {
        None
    }

    /// Credentials refused: the account shows "auth failed" and waits for the user.
    fn is_auth(&self) -> bool {
        matches!(self.class(), ErrorClass::Auth { .. })
    }

    /// Worth another try after a wait.
    fn is_retryable(&self) -> bool {
        matches!(
            self.class(),
            ErrorClass::RateLimited { .. } | ErrorClass::Transient
        )
    }
}

/// Where a provider's credential comes from, and how a refused one is renewed.
pub trait Credentials {
    type Credential: Clone + Send;
    type Error;

    /// The credential to send now (a cached token, fetched when missing or due).
    fn current(&self) -> impl Future<Output = Result<Self::Credential, Self::Error>> + Send;

    /// After the server refused `stale`: makes a new one ready. `Ok(false)` when it cannot be
    /// renewed (a fixed API key), so the refusal is final.
    fn renew(
        &self,
        stale: &Self::Credential,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

/// A credential that never changes (an API key, Basic auth): nothing to renew.
#[derive(Clone, Debug)]
pub struct StaticCredential;

impl Credentials for StaticCredential {
    type Credential = ();
    type Error = std::convert::Infallible;

    async fn current(&self) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn renew(&self, _stale: &()) -> Result<bool, Self::Error> {
        Ok(false)
    }
}

/// Which failures a call retries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Retry {
    /// Rate limits and transient failures: safe for reads and idempotent writes.
    Failures,
    /// Only a rate limit, which the server answers before doing anything: for a send, where
    /// a timeout or a 5xx may hide a message that arrived.
    RateLimitsOnly,
}

/// How failing calls are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// The longest `Retry-After` waited out inside a call. A longer one ends the call, so the
    /// caller backs off where the user sees "rate limited" instead of a call that hangs.
    /// `None`: every wait is spent in the call (capped at `max_retry_after`).
    pub longest_wait_in_call: Option<Duration>,
    /// The longest `Retry-After` honoured in one wait ([`MAX_RETRY_AFTER`] unless a platform's
    /// calls must give up sooner).
    pub max_retry_after: Duration,
    pub retry: Retry,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            longest_wait_in_call: None,
            max_retry_after: MAX_RETRY_AFTER,
            retry: Retry::Failures,
        }
    }
}

impl RetryPolicy {
    pub fn with_retries(max_retries: u32) -> Self {
        Self {
            max_retries,
            ..Self::default()
        }
    }

    /// The same policy retrying only what [`Retry::RateLimitsOnly`] allows.
    pub fn for_sends(&self) -> Self {
        Self {
            retry: Retry::RateLimitsOnly,
            ..self.clone()
        }
    }

    /// A fresh, randomly seeded backoff with this policy's limits.
    pub fn backoff(&self) -> Backoff {
        Backoff::with_limits(self.backoff_base, self.backoff_cap, fastrand::u64(..))
    }

    /// Runs `attempt` with the credential from `credentials` until it succeeds or the policy
    /// gives up. `what` names the call in the log ("Sinch GET /conversations").
    pub async fn run<C, T, E, F, Fut>(
        &self,
        what: &str,
        credentials: &C,
        mut attempt: F,
    ) -> Result<T, E>
    where
        C: Credentials,
        E: Classify + From<C::Error>,
        F: FnMut(C::Credential) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut backoff = self.backoff();
        let mut retries = 0;
        let mut renewed = false;
        loop {
            // A credential that cannot be had (a token endpoint down) fails like a call does.
            let (err, credential) = match credentials.current().await {
                Err(err) => (E::from(err), None),
                Ok(credential) => match attempt(credential.clone()).await {
                    Ok(value) => return Ok(value),
                    Err(err) => (err, Some(credential)),
                },
            };
            let class = err.class();
            if let Some(stale) = credential
                && matches!(class, ErrorClass::Auth { renewable: true })
                && !renewed
            {
                renewed = true;
                tracing::info!(what, "credential refused; renewing it once");
                match credentials.renew(&stale).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(renew_err) => {
                        let renew_err = E::from(renew_err);
                        tracing::warn!(what, "renewing the credential failed: {renew_err}");
                        return Err(renew_err);
                    }
                }
            }
            match self.delay_after(class, &mut backoff) {
                Some(delay) if retries < self.max_retries => {
                    retries += 1;
                    tracing::debug!(what, retries, ?delay, request_id = ?err.request_id(), "retrying: {err}");
                    tokio::time::sleep(delay).await;
                }
                _ => {
                    tracing::warn!(what, request_id = ?err.request_id(), "request failed: {err}");
                    return Err(err);
                }
            }
        }
    }

    /// How long to wait before retrying a failure of `class`, or `None` to give up.
    fn delay_after(&self, class: ErrorClass, backoff: &mut Backoff) -> Option<Duration> {
        match (class, self.retry) {
            (ErrorClass::RateLimited { retry_after }, _) => match retry_after {
                Some(wait) if self.longest_wait_in_call.is_some_and(|most| wait > most) => None,
                Some(wait) => Some(wait.min(self.max_retry_after)),
                None => Some(backoff.next_delay()),
            },
            (ErrorClass::Transient, Retry::Failures) => Some(backoff.next_delay()),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
