//! One cached access token (OAuth2 client credentials and the like): fetched when missing,
//! renewed a little before it expires, dropped when the server refuses it early. Concurrent
//! callers share one fetch: the lock is held across it, so a burst makes one token call.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Renew when a tenth of the token's life is left, and at least this long before its end.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// A token as the token endpoint hands it out.
pub struct FreshToken {
    pub token: String,
    pub expires_in: Duration,
}

struct Cached {
    token: String,
    renew_at: Instant,
}

#[derive(Default)]
pub struct TokenCache {
    cached: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenCache {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    /// The cached token while it is good, or a new one from `fetch`.
    pub async fn get_or_fetch<E, Fut>(&self, fetch: impl FnOnce() -> Fut) -> Result<String, E>
    where
        Fut: Future<Output = Result<FreshToken, E>>,
    {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && Instant::now() < current.renew_at
        {
            return Ok(current.token.clone());
        }
        let fresh = fetch().await?;
        *cached = Some(Cached {
            token: fresh.token.clone(),
            renew_at: Instant::now() + usable_for(fresh.expires_in),
        });
        Ok(fresh.token)
    }

    /// Forgets `stale` if it is still the cached token (the server refused it before its time),
    /// so the next call fetches a new one. Another caller's newer token is kept.
    pub async fn invalidate(&self, stale: &str) {
        let mut cached = self.cached.lock().await;
        if cached
            .as_ref()
            .is_some_and(|current| current.token == stale)
        {
            *cached = None;
        }
    }
}

/// How long a token that lives `lifetime` is used before renewing it.
pub fn usable_for(lifetime: Duration) -> Duration {
    let margin = (lifetime / 10).min(RENEW_MARGIN);
    lifetime.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        let secs = Duration::from_secs;
        assert_eq!(usable_for(secs(86_400)), secs(86_340));
        assert_eq!(usable_for(secs(10)), secs(9));
        assert_eq!(usable_for(Duration::ZERO), Duration::ZERO);
    }

    fn fresh(token: &str) -> Result<FreshToken, ()> {
        Ok(FreshToken {
            token: token.to_string(),
            expires_in: Duration::from_secs(100),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn one_fetch_until_due_or_refused() {
        let cache = TokenCache::default();
        assert_eq!(
            cache.get_or_fetch(|| async { fresh("a") }).await,
            Ok("a".into())
        );
        assert_eq!(
            cache.get_or_fetch(|| async { fresh("b") }).await,
            Ok("a".into())
        );
        tokio::time::advance(Duration::from_secs(91)).await;
        assert_eq!(
            cache.get_or_fetch(|| async { fresh("c") }).await,
            Ok("c".into())
        );
        cache.invalidate("a").await;
        assert_eq!(
            cache.get_or_fetch(|| async { fresh("d") }).await,
            Ok("c".into()),
            "an older token's refusal keeps the newer one"
        );
        cache.invalidate("c").await;
        assert_eq!(
            cache.get_or_fetch(|| async { fresh("e") }).await,
            Ok("e".into())
        );
    }
}
