//! Symbl access tokens (§3.1): `POST /oauth2/token:generate` with the app id and secret, cached
//! and renewed a little before `expiresIn` runs out. A 401 is final (wrong credentials): it is
//! reported once with a clear message and never retried in a loop.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::SymblError;
use super::http::{read_response, transport_error};
use super::wire::{TokenRequest, TokenResponse};

/// Renew when less than this share of the lifetime is left (and at least a minute before).
const RENEW_FRACTION: u32 = 10;
const RENEW_MARGIN_MAX: Duration = Duration::from_secs(60);

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

#[derive(Clone)]
struct Cached {
    token: String,
    renew_at: Instant,
}

/// Hands out a valid token, generating one when none is cached or the cached one is due.
pub struct TokenManager {
    http: reqwest::Client,
    base_url: String,
    credentials: Credentials,
    cached: Mutex<Option<Cached>>,
}

impl TokenManager {
    pub fn new(http: reqwest::Client, base_url: &str, credentials: Credentials) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            credentials,
            cached: Mutex::new(None),
        }
    }

    /// A token good for a while yet. Concurrent callers share one generation (the lock is held
    /// across it), so a burst of requests makes one token call, not many.
    pub async fn token(&self) -> Result<String, SymblError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && Instant::now() < current.renew_at
        {
            return Ok(current.token.clone());
        }
        let fresh = self.generate().await?;
        let token = fresh.access_token.clone();
        *cached = Some(Cached {
            token: fresh.access_token,
            renew_at: Instant::now() + usable_for(fresh.expires_in),
        });
        Ok(token)
    }

    /// Forgets `token` (the server refused it before its time), so the next call generates one.
    pub async fn invalidate(&self, token: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == token) {
            *cached = None;
        }
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

/// How long a token with `expires_in` seconds left is used before renewing it.
fn usable_for(expires_in: u64) -> Duration {
    let lifetime = Duration::from_secs(expires_in);
    let margin = (lifetime / RENEW_FRACTION).min(RENEW_MARGIN_MAX);
    lifetime.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(usable_for(86_400), Duration::from_secs(86_340));
        assert_eq!(usable_for(10), Duration::from_secs(9));
        assert_eq!(usable_for(0), Duration::ZERO);
    }

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
