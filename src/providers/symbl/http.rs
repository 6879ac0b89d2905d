//! The authenticated JSON client every Symbl REST call goes through. It sends the token both
//! ways Symbl has accepted (`Authorization: Bearer`, the documented one, and `x-api-key`, the
//! SDK's); the provider kit's [`RetryPolicy`] renews it once when a call gets 401 and retries
//! busy (429) and failing (5xx, network) calls with full-jitter backoff up to a limit.

use std::sync::Arc;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::TokenManager;
use super::error::SymblError;
pub use crate::providers::kit::RetryPolicy;
use crate::text::sanitize_line;

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

    /// One logical call with the retry policy applied: a 401 gets one more try with a freshly
    /// generated token (the cached one may have been revoked early); a second 401 is final.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, SymblError> {
        let what = format!("Symbl {method} {path}");
        let text = self
            .retry
            .run(&what, self.auth.as_ref(), |token| {
                let method = method.clone();
                async move { self.send(method, path, query, body, &token).await }
            })
            .await?;
        serde_json::from_str(&text).map_err(|err| {
            tracing::warn!(path, "unreadable Symbl answer: {err}");
            SymblError::Decode(format!("{path}: {err}"))
        })
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
            reason: crate::providers::kit::http::root_cause(err),
        }
    }
}
