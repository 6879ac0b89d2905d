//! What can go wrong talking to Sinch, in words fit for the status bar. Messages from the
//! network are sanitised and bounded here; secrets never enter an error.

use std::time::Duration;

use super::wire::ErrorEnvelope;
use crate::providers::kit::{Classify, ErrorClass};
use crate::text::sanitize_line;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SinchError {
    /// The key id/secret were refused (token endpoint) or the API said 401 without "expired".
    #[error("Sinch refused the access key: {0}")]
    Credentials(String),
    /// A 401 whose `WWW-Authenticate` says the token expired: a new token may pass.
    #[error(
        "Sinch refused the access key: the access token expired, and a new one was refused too"
    )]
    TokenExpired,
    /// The error envelope of §1.8 on a 4xx that retrying will not fix.
    #[error("Sinch answered {code} {status}: {message}")]
    Api {
        code: u16,
        status: String,
        message: String,
    },
    #[error("Sinch is rate limiting (429)")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Sinch server error ({code}): {message}")]
    Server { code: u16, message: String },
    #[error("Sinch unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Sinch at {url} did not answer in time")]
    Timeout { url: String },
    #[error("could not read Sinch's answer: {0}")]
    Decode(String),
    /// A server-given id that no URL can address (`.`, `..`); nothing was requested.
    #[error(transparent)]
    Unaddressable(#[from] crate::providers::kit::http::UnaddressableId),
}

impl Classify for SinchError {
    fn class(&self) -> ErrorClass {
        match self {
            SinchError::Credentials(_) => ErrorClass::Auth { renewable: false },
            SinchError::TokenExpired => ErrorClass::Auth { renewable: true },
            SinchError::RateLimited { retry_after } => ErrorClass::RateLimited {
                retry_after: *retry_after,
            },
            SinchError::Server { .. }
            | SinchError::Unreachable { .. }
            | SinchError::Timeout { .. } => ErrorClass::Transient,
            SinchError::Api { .. } | SinchError::Unaddressable(_) => ErrorClass::Rejected,
            SinchError::Decode(_) => ErrorClass::Decode,
        }
    }
}

impl SinchError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, SinchError::Api { code: 404, .. })
    }

    /// Maps a non-2xx answer of the Conversation API (the body is the §1.8 envelope when it
    /// parses; otherwise its text becomes the message).
    pub fn from_response(code: u16, body: &str, retry_after: Option<&str>) -> Self {
        let parsed = serde_json::from_str::<ErrorEnvelope>(body).ok();
        let (status, message) = match parsed {
            Some(envelope) => (envelope.error.status, envelope.error.message),
            None => (String::new(), body.trim().to_string()),
        };
        let message = bounded(&message);
        let status = bounded(&status);
        match code {
            401 => SinchError::Credentials(if message.is_empty() {
                "401 Unauthorized".to_string()
            } else {
                message
            }),
            429 => SinchError::RateLimited {
                retry_after: retry_after
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            },
            500..=599 => SinchError::Server { code, message },
            _ => SinchError::Api {
                code,
                status,
                message,
            },
        }
    }
}

/// One line, no escape sequences, at most 200 characters.
pub fn bounded(text: &str) -> String {
    sanitize_line(text).chars().take(200).collect()
}

/// Maps a reqwest transport failure onto the error for `url` (an origin, never a secret).
pub fn transport(err: &reqwest::Error, url: &str) -> SinchError {
    if err.is_timeout() {
        SinchError::Timeout {
            url: url.to_string(),
        }
    } else {
        SinchError::Unreachable {
            url: url.to_string(),
            reason: crate::providers::kit::http::root_cause(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_statuses_map_onto_errors() {
        let body =
            r#"{"error":{"code":404,"message":"App not found","status":"NOT_FOUND","details":[]}}"#;
        let err = SinchError::from_response(404, body, None);
        assert!(err.is_not_found());
        assert!(err.to_string().contains("App not found"), "{err}");
        assert_eq!(
            SinchError::from_response(429, "{}", Some("3")),
            SinchError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(SinchError::from_response(503, "oops", None).is_retryable());
        assert!(SinchError::from_response(401, "", None).is_auth());
        let hostile = SinchError::from_response(400, "\u{1b}[2Jbad\nthing", None);
        assert!(!hostile.to_string().contains('\u{1b}'), "{hostile}");
    }
}
