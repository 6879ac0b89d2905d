//! OAuth2 client credentials (§1.1): `POST {auth_origin}/oauth2/token` with HTTP Basic
//! `key_id:key_secret` and a form body, cached by the provider kit's [`TokenCache`]; a 401
//! saying "expired" invalidates it so the next call fetches a fresh one.

use std::time::Duration;

use super::error::{SinchError, bounded, transport};
use super::wire::{OAuthError, TokenResponse};
use crate::providers::kit::Credentials;
use crate::providers::kit::token::{FreshToken, TokenCache};

pub struct TokenSource {
    http: reqwest::Client,
    url: String,
    key_id: String,
    key_secret: String,
    cache: TokenCache,
}

impl std::fmt::Debug for TokenSource {
    // Never print the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("url", &self.url)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Credentials for TokenSource {
    type Credential = String;
    type Error = SinchError;

    /// A valid access token: the cached one, or a new one when it is missing or about to expire.
    async fn current(&self) -> Result<String, SinchError> {
        self.cache
            .get_or_fetch(|| async {
                let fresh = self.fetch().await?;
                Ok(FreshToken {
                    token: fresh.access_token,
                    expires_in: Duration::from_secs(fresh.expires_in),
                })
            })
            .await
    }

    /// Forgets `stale` after the API said it expired, so the next call fetches a new one.
    async fn renew(&self, stale: &String) -> Result<bool, SinchError> {
        self.cache.invalidate(stale).await;
        Ok(true)
    }
}

impl TokenSource {
    pub fn new(http: reqwest::Client, auth_origin: &str, key_id: &str, key_secret: &str) -> Self {
        Self {
            http,
            url: format!("{}/oauth2/token", auth_origin.trim_end_matches('/')),
            key_id: key_id.to_string(),
            key_secret: key_secret.to_string(),
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self) -> Result<TokenResponse, SinchError> {
        tracing::debug!(url = %self.url, "fetching a Sinch access token");
        let response = self
            .http
            .post(&self.url)
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|err| transport(&err, &self.url))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|err| transport(&err, &self.url))?;
        match status {
            200..=299 => serde_json::from_str(&text)
                .map_err(|err| SinchError::Decode(format!("token response: {err}"))),
            400 | 401 | 403 => {
                let body: OAuthError = serde_json::from_str(&text).unwrap_or_default();
                let why = [body.error_description, body.error]
                    .into_iter()
                    .find(|text| !text.trim().is_empty())
                    .map(|text| bounded(&text))
                    .unwrap_or_else(|| format!("HTTP {status}"));
                Err(SinchError::Credentials(format!(
                    "key id {} at {}: {why}",
                    bounded(&self.key_id),
                    self.url
                )))
            }
            429 => Err(SinchError::from_response(429, &text, None)),
            _ => Err(SinchError::Server {
                code: status,
                message: format!("token endpoint {}: {}", self.url, bounded(&text)),
            }),
        }
    }
}
