//! OAuth2 client credentials (§1.1): `POST {auth_origin}/oauth2/token` with HTTP Basic
//! `key_id:key_secret` and a form body. The token is cached and renewed a little before it
//! expires; a 401 saying "expired" invalidates it so the next call fetches a fresh one.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::{SinchError, bounded, transport};
use super::wire::{OAuthError, TokenResponse};

/// Renew this long before the token's end (or a tenth of its life, when that is shorter).
const RENEW_MARGIN: Duration = Duration::from_secs(60);

struct Cached {
    token: String,
    renew_at: Instant,
}

pub struct TokenSource {
    http: reqwest::Client,
    url: String,
    key_id: String,
    key_secret: String,
    cache: Mutex<Option<Cached>>,
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

impl TokenSource {
    pub fn new(http: reqwest::Client, auth_origin: &str, key_id: &str, key_secret: &str) -> Self {
        Self {
            http,
            url: format!("{}/oauth2/token", auth_origin.trim_end_matches('/')),
            key_id: key_id.to_string(),
            key_secret: key_secret.to_string(),
            cache: Mutex::new(None),
        }
    }

    /// A valid access token: the cached one, or a new one when it is missing or about to expire.
    /// Concurrent callers wait for one fetch rather than each fetching.
    pub async fn token(&self) -> Result<String, SinchError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch().await?;
        let life = Duration::from_secs(fresh.expires_in);
        let margin = RENEW_MARGIN.min(life / 10);
        let token = fresh.access_token;
        *cache = Some(Cached {
            token: token.clone(),
            renew_at: Instant::now() + life.saturating_sub(margin),
        });
        Ok(token)
    }

    /// Forgets `stale` (if it is still the cached token) after the API said it expired.
    pub async fn invalidate(&self, stale: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|cached| cached.token == stale) {
            *cache = None;
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
