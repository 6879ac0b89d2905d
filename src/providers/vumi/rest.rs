//! The PUTs of the Vumi Go HTTP API (§4.2, §4.3): `messages.json` to send and `metrics.json` to
//! fire metrics, with Basic auth (account key : conversation token). A 400's `reason` is kept
//! word for word (sanitised) because it is what the user needs to see on the failed message.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;

use super::wire::{Metric, ResultBody, SendBody, UserMessage};
use crate::providers::kit::backoff::Backoff;
use crate::providers::kit::{Classify, ErrorClass};
use crate::text::sanitize_line;

/// Longest server reason we keep; longer ones are cut (they end up in one status line).
const MAX_REASON: usize = 300;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum VumiError {
    /// 401: the account key or conversation token is wrong.
    #[error("Vumi Go rejected the account key or conversation token (401)")]
    Unauthorized,
    /// 400 with the server's reason (opted out, content too long, invalid in_reply_to…).
    #[error("{reason}")]
    Rejected { reason: String },
    /// 403 on a stream: the account already has as many streams open as it may.
    #[error("Vumi Go refused the stream: too many concurrent connections (403)")]
    TooManyConnections,
    #[error("Vumi Go answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("Vumi Go unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Vumi Go did not answer in time")]
    Timeout,
    #[error("could not read Vumi Go's answer: {0}")]
    Decode(String),
}

impl Classify for VumiError {
    fn class(&self) -> ErrorClass {
        match self {
            VumiError::Unauthorized => ErrorClass::Auth { renewable: false },
            VumiError::TooManyConnections => ErrorClass::RateLimited { retry_after: None },
            VumiError::Status { status, .. } if *status >= 500 => ErrorClass::Transient,
            VumiError::Unreachable { .. } | VumiError::Timeout => ErrorClass::Transient,
            VumiError::Rejected { .. } | VumiError::Status { .. } => ErrorClass::Rejected,
            VumiError::Decode(_) => ErrorClass::Decode,
        }
    }
}

impl VumiError {
    /// Maps a non-2xx answer. 400 bodies are `{"success":false,"reason":"…"}`; a 401 body is
    /// not JSON and says nothing we need.
    pub fn from_response(status: StatusCode, body: &str) -> Self {
        let reason = serde_json::from_str::<ResultBody>(body)
            .ok()
            .map(|parsed| parsed.reason)
            .filter(|reason| !reason.trim().is_empty())
            .unwrap_or_else(|| body.trim().to_string());
        let reason: String = sanitize_line(&reason).chars().take(MAX_REASON).collect();
        match status.as_u16() {
            401 => VumiError::Unauthorized,
            400 => VumiError::Rejected { reason },
            403 if reason.to_ascii_lowercase().contains("concurrent") => {
                VumiError::TooManyConnections
            }
            status => VumiError::Status {
                status,
                message: if reason.is_empty() {
                    "no reason given".to_string()
                } else {
                    reason
                },
            },
        }
    }
}

/// Where and as whom to talk: cheap to clone, so command tasks can own one. Not `Debug`, so
/// the token cannot end up in a log by accident.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    /// `{api_url}/{conversation_key}`, no trailing slash.
    conversation_url: String,
    account_key: String,
    token: String,
    request_timeout: Duration,
    /// Retries of a PUT whose connection could not be made (so it certainly never arrived).
    connect_retries: u32,
    retry_base: Duration,
    retry_cap: Duration,
}

impl RestClient {
    pub fn new(
        api_url: &str,
        conversation_key: &str,
        account_key: &str,
        token: &str,
        request_timeout: Duration,
    ) -> Result<Self, VumiError> {
        // No overall timeout on the client: streams stay open for hours. PUTs set their own.
        let http =
            crate::providers::kit::http::client(None, request_timeout).map_err(|reason| {
                VumiError::Unreachable {
                    url: api_url.to_string(),
                    reason,
                }
            })?;
        Ok(Self {
            http,
            conversation_url: format!("{}/{conversation_key}", api_url.trim_end_matches('/')),
            account_key: account_key.to_string(),
            token: token.to_string(),
            request_timeout,
            connect_retries: 0,
            retry_base: Duration::from_millis(500),
            retry_cap: Duration::from_secs(30),
        })
    }

    /// Retries PUTs that could not connect, with backoff between `base` and `cap`. Only
    /// connection failures are retried: a request that may have reached the server is not sent
    /// again, so a reply is never delivered twice.
    pub fn with_connect_retries(mut self, retries: u32, base: Duration, cap: Duration) -> Self {
        self.connect_retries = retries;
        self.retry_base = base;
        self.retry_cap = cap;
        self
    }

    /// `{api_url}/{conversation_key}/{resource}`.
    pub fn url(&self, resource: &str) -> String {
        format!("{}/{resource}", self.conversation_url)
    }

    /// A request with Basic auth; the streams build on it too.
    pub fn request(&self, method: Method, resource: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(resource))
            .basic_auth(&self.account_key, Some(&self.token))
    }

    /// `PUT messages.json`; the answer is the server's copy of the message with its id.
    pub async fn send(&self, body: &SendBody) -> Result<UserMessage, VumiError> {
        let text = self.put("messages.json", body).await?;
        serde_json::from_str(&text).map_err(|err| VumiError::Decode(err.to_string()))
    }

    /// `PUT metrics.json` with `[[name, value, aggregator], …]`.
    pub async fn fire_metrics(&self, metrics: &[Metric]) -> Result<(), VumiError> {
        self.put("metrics.json", &metrics).await.map(|_| ())
    }

    async fn put(&self, resource: &str, body: &impl Serialize) -> Result<String, VumiError> {
        let json = serde_json::to_vec(body).map_err(|err| VumiError::Decode(err.to_string()))?;
        let mut backoff = Backoff::with_limits(self.retry_base, self.retry_cap, fastrand::u64(..));
        let response = loop {
            let sent = self
                .request(Method::PUT, resource)
                .timeout(self.request_timeout)
                .header("content-type", "application/json; charset=utf-8")
                .body(json.clone())
                .send()
                .await;
            match sent {
                Ok(response) => break response,
                Err(err) if err.is_connect() && backoff.attempts() < self.connect_retries => {
                    let delay = backoff.next_delay();
                    tracing::info!(resource, ?delay, "vumi unreachable; retrying the PUT");
                    tokio::time::sleep(delay).await;
                }
                Err(err) => return Err(self.transport_error(resource, &err)),
            }
        };
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|err| self.transport_error(resource, &err))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(VumiError::from_response(status, &text))
        }
    }

    pub fn transport_error(&self, resource: &str, err: &reqwest::Error) -> VumiError {
        if err.is_timeout() {
            VumiError::Timeout
        } else {
            VumiError::Unreachable {
                url: self.url(resource),
                reason: short_reason(err),
            }
        }
    }
}

/// reqwest's error with its sources, on one line (no URL credentials: we never put any there).
fn short_reason(err: &reqwest::Error) -> String {
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    sanitize_line(&reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_to_reasons() {
        let opted_out = VumiError::from_response(
            StatusCode::BAD_REQUEST,
            r#"{"success":false,"reason":"Recipient with msisdn +123 has opted out"}"#,
        );
        assert_eq!(
            opted_out.to_string(),
            "Recipient with msisdn +123 has opted out"
        );
        assert_eq!(
            VumiError::from_response(StatusCode::UNAUTHORIZED, "Unauthorized"),
            VumiError::Unauthorized
        );
        assert_eq!(
            VumiError::from_response(StatusCode::FORBIDDEN, "Too many concurrent connections"),
            VumiError::TooManyConnections
        );
        let hostile = VumiError::from_response(
            StatusCode::BAD_REQUEST,
            "{\"success\":false,\"reason\":\"Errors:\\n* bad \\u001b[31mred\"}",
        );
        assert_eq!(hostile.to_string(), "Errors: * bad red");
        let server = VumiError::from_response(StatusCode::BAD_GATEWAY, "");
        assert_eq!(server.to_string(), "Vumi Go answered 502: no reason given");
    }
}
