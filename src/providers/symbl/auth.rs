//! Symbl access tokens (§3.1): `POST /oauth2/token:generate` with the app id and secret, cached
//! and renewed a little before `expiresIn` runs out. A 401 is final (wrong credentials): it is
//! reported once with a clear message and never retried in a loop.

use std::time::Duration;

use super::error::SymblError;
use super::http::{read_response, transport_error};
use super::wire::{TokenRequest, TokenResponse};
use crate::providers::kit::token::{FreshToken, TokenCache};

/// The app credentials. `Debug` hides the secret so it never reaches a log line.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub app_id: String,
    pub app_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .field("app_secret", &"<hidden>")
            .finish()
    }
}

/// Hands out a valid token, generating one when none is cached or the cached one is due.
pub struct TokenManager {
    http: reqwest::Client,
    base_url: String,
    credentials: Credentials,
    cache: TokenCache,
}

impl crate::providers::kit::Credentials for TokenManager {
    type Credential = String;
    type Error = SymblError;

    async fn current(&self) -> Result<String, SymblError> {
        self.token().await
    }

    async fn renew(&self, stale: &String) -> Result<bool, SymblError> {
        tracing::info!("Symbl refused the cached token; generating a new one");
        self.cache.invalidate(stale).await;
        Ok(true)
    }
}

impl TokenManager {
    pub fn new(http: reqwest::Client, base_url: &str, credentials: Credentials) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            credentials,
            cache: TokenCache::default(),
        }
    }

    /// A token good for a while yet; a burst of callers makes one token call, not many.
    pub async fn token(&self) -> Result<String, SymblError> {
        self.cache
            .get_or_fetch(|| async {
                let fresh = self.generate().await?;
                Ok(FreshToken {
                    token: fresh.access_token,
                    expires_in: Duration::from_secs(fresh.expires_in),
                })
            })
            .await
    }

    /// Forgets `token` (the server refused it before its time), so the next call generates one.
    pub async fn invalidate(&self, token: &str) {
        self.cache.invalidate(token).await;
    }

    async fn generate(&self) -> Result<TokenResponse, SymblError> {
        let url = format!("{}/oauth2/token:generate", self.base_url);
        let body =
            TokenRequest::application(&self.credentials.app_id, &self.credentials.app_secret);
        tracing::debug!(app_id = %self.credentials.app_id, "generating a Symbl token");
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|err| transport_error(&self.base_url, &err))?;
        let text = read_response(response, "/oauth2/token:generate", &self.base_url).await?;
        serde_json::from_str(&text).map_err(|err| SymblError::Decode(err.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let credentials = Credentials {
            app_id: "app".into(),
            app_secret: "very-secret".into(),
        };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("app"));
        assert!(!shown.contains("very-secret"));
    }
}
