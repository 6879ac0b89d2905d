//! What every push receiver (Linktor webhook, Sinch callbacks, Vumi Go pushes) puts between
//! the internet and its handler. README's examples listen on `0.0.0.0`, so anyone can connect:
//! - at most [`Limits::max_connections`] connections at once, and [`MAX_CONNECTIONS_ALL`] over
//!   every receiver of the process; more are closed on accept, so idle sockets cannot use up
//!   the process's file descriptors (the providers' own requests need them too);
//! - the request head must arrive within [`Limits::header_timeout`] and the whole request
//!   within [`Limits::request_timeout`] (408), one request per connection (no keep-alive), so
//!   a silent or trickling client holds a connection for seconds, not forever;
//! - bodies above [`Limits::max_body`] are refused (413) before they are read, so memory stays
//!   bounded at connections × body limit;
//! - refusals are logged as a count per interval ([`RefusalLog`]), not a line each.
//!
//! Handlers check credentials that travel in headers before they read a body.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Connections all receivers of the process hold at once: the cap is on the process's
/// descriptors, however many accounts run a receiver.
pub const MAX_CONNECTIONS_ALL: usize = 256;
static ALL_RECEIVERS: std::sync::LazyLock<Arc<Semaphore>> =
    std::sync::LazyLock::new(|| Arc::new(Semaphore::new(MAX_CONNECTIONS_ALL)));

/// How much one receiver lets callers take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_body: usize,
}

impl Default for Limits {
    /// A platform's callbacks are small JSON documents sent one at a time per event; these
    /// leave room for bursts and hold memory to about 256 × 256 KiB = 64 MiB at worst.
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS_ALL,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            max_body: 256 * 1024,
        }
    }
}

/// Serves `router` on `listener` with the limits above, until the task is aborted.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, name: &'static str) {
    let router = router
        .layer(RequestBodyLimitLayer::new(limits.max_body))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let all = Arc::clone(&ALL_RECEIVERS);
    let refusals = RefusalLog::new(name);
    // A connection never outlives the time to send its head and its body, plus the answer.
    let lifetime = limits.header_timeout + limits.request_timeout + Duration::from_secs(5);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of descriptors or a reset during accept: wait a moment and go on.
                refusals.note(&format!("accept failed: {err}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (Ok(shared), Ok(own)) = (
            all.clone().try_acquire_owned(),
            permits.clone().try_acquire_owned(),
        ) else {
            refusals.note("too many connections; closed on accept");
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _permits = (shared, own);
            let _ = stream.set_nodelay(true);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(lifetime, connection).await;
        });
    }
}

/// What a receiver says when a body does not come whole: too large, or not in time.
pub const BODY_REFUSED: &str = "body too large or not received in time";

/// Reads a request's body, bounded by the layers [`serve`] puts around every receiver: `None`
/// when it was over the limit or did not arrive in time (answer 413).
pub async fn read_body(request: axum::extract::Request) -> Option<axum::body::Bytes> {
    axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .ok()
}

/// How often a run of refusals is summed up in the log.
const REFUSAL_INTERVAL: Duration = Duration::from_secs(10);

/// Logs the first refusal at once and then one line per interval with how many followed, so a
/// flood of bad requests costs a few lines, not one each.
#[derive(Clone)]
pub struct RefusalLog {
    name: &'static str,
    state: Arc<Mutex<RefusalState>>,
}

struct RefusalState {
    last_logged: Option<Instant>,
    since: u64,
}

impl RefusalLog {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Arc::new(Mutex::new(RefusalState {
                last_logged: None,
                since: 0,
            })),
        }
    }

    /// Records a refusal; returns whether it was written to the log.
    pub fn note(&self, reason: &str) -> bool {
        self.note_at(reason, Instant::now())
    }

    fn note_at(&self, reason: &str, now: Instant) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        let due = state
            .last_logged
            .is_none_or(|at| now.duration_since(at) >= REFUSAL_INTERVAL);
        if !due {
            state.since += 1;
            return false;
        }
        let reason = crate::text::sanitize_line(reason);
        if state.since > 0 {
            tracing::warn!(
                receiver = self.name,
                refused_since_last_line = state.since,
                "{} refused a request: {reason} ({} more refused since the last line)",
                self.name,
                state.since
            );
        } else {
            tracing::warn!(
                receiver = self.name,
                "{} refused a request: {reason}",
                self.name
            );
        }
        state.last_logged = Some(now);
        state.since = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_logged_once_per_interval() {
        let log = RefusalLog::new("test receiver");
        let start = Instant::now();
        assert!(log.note_at("bad signature", start));
        let written = (1..20_000)
            .filter(|i| log.note_at("bad signature", start + Duration::from_micros(*i)))
            .count();
        assert_eq!(
            written, 0,
            "20,000 refusals within the interval write no line"
        );
        assert!(log.note_at("bad signature", start + REFUSAL_INTERVAL));
    }
}
