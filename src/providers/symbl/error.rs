//! What can go wrong talking to Symbl, in words fit for the status bar. Messages never carry the
//! app secret or a token: they are built from the status and Symbl's own (sanitised) message.

use std::time::Duration;

use super::wire::ErrorBody;
use crate::providers::kit::{Classify, ErrorClass};
use crate::text::sanitize_line;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SymblError {
    /// 401 on token generation or after a fresh token: the app id/secret are wrong.
    #[error("Symbl refused the app id and secret (401): {0}")]
    Auth(String),
    /// 429: "maximum number of concurrent jobs" (or another rate limit).
    #[error("Symbl is busy (429): {message}")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("Symbl job {job_id} failed")]
    JobFailed { job_id: String },
    #[error("Symbl job {job_id} has an unknown status \"{status}\"")]
    UnknownJobStatus { job_id: String, status: String },
    #[error("Symbl job {job_id} did not finish in time")]
    JobTimedOut { job_id: String },
    #[error("Symbl found nothing at {path} (404)")]
    NotFound { path: String },
    #[error("Symbl server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("Symbl rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("Symbl unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Symbl request timed out")]
    Timeout,
    #[error("could not read Symbl's answer: {0}")]
    Decode(String),
    /// An id that no URL can address (`.`, `..`); nothing was requested.
    #[error(transparent)]
    Unaddressable(#[from] crate::providers::kit::http::UnaddressableId),
}

impl Classify for SymblError {
    fn class(&self) -> ErrorClass {
        match self {
            SymblError::Auth(_) => ErrorClass::Auth { renewable: true },
            SymblError::RateLimited { retry_after, .. } => ErrorClass::RateLimited {
                retry_after: *retry_after,
            },
            SymblError::Server { .. } | SymblError::Timeout | SymblError::Unreachable { .. } => {
                ErrorClass::Transient
            }
            SymblError::Decode(_) => ErrorClass::Decode,
            SymblError::JobFailed { .. }
            | SymblError::UnknownJobStatus { .. }
            | SymblError::JobTimedOut { .. }
            | SymblError::NotFound { .. }
            | SymblError::Rejected { .. }
            | SymblError::Unaddressable(_) => ErrorClass::Rejected,
        }
    }
}

impl SymblError {
    /// Maps a non-2xx answer; `body` is the raw text (either error model, or anything else).
    pub fn from_response(
        status: u16,
        path: &str,
        body: &str,
        retry_after_header: Option<&str>,
    ) -> Self {
        let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
        let raw = parsed.message.unwrap_or_else(|| body.trim().to_string());
        let mut message: String = sanitize_line(&raw).chars().take(200).collect();
        if message.is_empty() {
            message = format!("status {status}");
        }
        match status {
            401 => SymblError::Auth(message),
            404 => SymblError::NotFound {
                path: path.to_string(),
            },
            408 => SymblError::Timeout,
            429 => SymblError::RateLimited {
                message,
                retry_after: retry_after_header
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            },
            500..=599 => SymblError::Server { status, message },
            _ => SymblError::Rejected { status, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_models_and_plain_text_become_messages() {
        let err = SymblError::from_response(
            429,
            "/v1/process/text",
            r#"{"message":"Maximum number of concurrent jobs reached"}"#,
            Some("2"),
        );
        assert_eq!(
            err,
            SymblError::RateLimited {
                message: "Maximum number of concurrent jobs reached".into(),
                retry_after: Some(Duration::from_secs(2)),
            }
        );
        let err = SymblError::from_response(
            400,
            "/x",
            r#"{"code":400,"message":"bad","url":"/x"}"#,
            None,
        );
        assert_eq!(
            err,
            SymblError::Rejected {
                status: 400,
                message: "bad".into()
            }
        );
        let err = SymblError::from_response(502, "/x", "Bad Gateway\u{1b}[31m\n", None);
        assert_eq!(
            err,
            SymblError::Server {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
        assert!(SymblError::from_response(401, "/x", "", None).is_auth());
        assert!(!SymblError::from_response(401, "/x", "", None).is_retryable());
        assert!(SymblError::from_response(500, "/x", "", None).is_retryable());
    }
}
