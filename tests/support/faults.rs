//! A fault-injecting proxy for the test servers. It sits between a provider and any Linktor-
//! contract server (the fake in `support`, or the embedded hub) on 127.0.0.1:0 and, following a
//! [`FaultPlan`], drops WebSocket connections every N frames, delays, duplicates and reorders
//! frames, and answers HTTP requests with 429, 5xx, garbage, truncated JSON or a connection
//! closed mid-response. It counts what it did ([`FaultStats`]) and what reached the server, and
//! can run a hook at a chosen POST (the crash test kills its child there).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message as AxMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as TgMessage;

/// What goes wrong, and how often. Zero turns a fault off.
#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    /// Close the client's WebSocket after every N server frames (the provider reconnects).
    pub ws_drop_every: u64,
    /// Send every Nth server frame twice.
    pub ws_duplicate_every: u64,
    /// Hold every Nth server frame back and send it after the next one.
    pub ws_reorder_every: u64,
    /// Delay every Nth server frame by `ws_delay`.
    pub ws_delay_every: u64,
    pub ws_delay: Duration,
    /// Every Nth HTTP request gets the next fault of `http_faults` (round robin).
    pub http_fault_every: u64,
    pub http_faults: Vec<HttpFault>,
}

impl FaultPlan {
    /// Everything at once, at rates a soak test survives.
    pub fn chaos() -> Self {
        Self {
            ws_drop_every: 97,
            ws_duplicate_every: 7,
            ws_reorder_every: 5,
            ws_delay_every: 13,
            ws_delay: Duration::from_millis(3),
            http_fault_every: 4,
            http_faults: HttpFault::ALL.to_vec(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpFault {
    /// 429 with `retry_after: 0`, before the server sees the request.
    RateLimited,
    /// 503, before the server sees the request.
    ServerError,
    /// The server handled it; the client gets 200 with an HTML page.
    Garbage,
    /// The server handled it; the client gets half of the JSON.
    TruncatedJson,
    /// The server handled it; the connection closes halfway through the body.
    CloseMidResponse,
}

impl HttpFault {
    pub const ALL: [HttpFault; 5] = [
        HttpFault::RateLimited,
        HttpFault::ServerError,
        HttpFault::Garbage,
        HttpFault::TruncatedJson,
        HttpFault::CloseMidResponse,
    ];
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct FaultStats {
    pub requests: AtomicU64,
    pub http_faults: AtomicU64,
    /// `POST …/messages` that reached the server (each is a send the server saw).
    pub posts_forwarded: AtomicU64,
    pub ws_connections: AtomicU64,
    pub ws_frames: AtomicU64,
    pub ws_dropped: AtomicU64,
    pub ws_duplicated: AtomicU64,
    pub ws_reordered: AtomicU64,
    pub ws_delayed: AtomicU64,
}

impl FaultStats {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }

    pub fn summary(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::SeqCst);
        format!(
            "requests {} (faulted {}), sends forwarded {}, ws connections {}, frames {} \
             (dropped connections {}, duplicated {}, reordered {}, delayed {})",
            g(&self.requests),
            g(&self.http_faults),
            g(&self.posts_forwarded),
            g(&self.ws_connections),
            g(&self.ws_frames),
            g(&self.ws_dropped),
            g(&self.ws_duplicated),
            g(&self.ws_reordered),
            g(&self.ws_delayed),
        )
    }
}

/// When a POST hook runs: before the server sees the request, or after it answered but before
/// the client hears the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStage {
    BeforeForward,
    AfterForward,
}

type Hook = Box<dyn FnOnce() + Send>;

struct Inner {
    upstream: String,
    plan: Mutex<FaultPlan>,
    stats: FaultStats,
    http: reqwest::Client,
    /// (nth POST counted from 1, stage, action).
    hooks: Mutex<Vec<(u64, PostStage, Hook)>>,
    posts_seen: AtomicU64,
    /// Bodies of the POSTs forwarded, in order.
    forwarded_bodies: Mutex<Vec<Value>>,
}

pub struct FaultProxy {
    pub base_url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// A proxy in front of `upstream` (e.g. `http://127.0.0.1:7300`).
    pub async fn start(upstream: &str, plan: FaultPlan) -> Self {
        switchboard::providers::tls::install_crypto_provider();
        let inner = Arc::new(Inner {
            upstream: upstream.trim_end_matches('/').to_string(),
            plan: Mutex::new(plan),
            stats: FaultStats::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            hooks: Mutex::new(Vec::new()),
            posts_seen: AtomicU64::new(0),
            forwarded_bodies: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/ws", get(ws_upgrade))
            .fallback(forward)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            inner,
            task,
        }
    }

    pub fn stats(&self) -> &FaultStats {
        &self.inner.stats
    }

    /// Changes the plan (e.g. to calm everything down at the end of a soak).
    pub fn set_plan(&self, plan: FaultPlan) {
        *self.inner.plan.lock().expect("plan") = plan;
    }

    /// Runs `action` at the `nth` send (`POST …/messages` or `…/messages:send`) this proxy sees
    /// (counted from 1), at `stage`; or at the first later one, if the nth never gets there.
    pub fn on_post(&self, nth: u64, stage: PostStage, action: impl FnOnce() + Send + 'static) {
        self.inner
            .hooks
            .lock()
            .expect("hooks")
            .push((nth, stage, Box::new(action)));
    }

    /// POSTs seen so far (forwarded or not).
    pub fn posts_seen(&self) -> u64 {
        self.inner.posts_seen.load(Ordering::SeqCst)
    }

    pub fn forwarded_bodies(&self) -> Vec<Value> {
        self.inner.forwarded_bodies.lock().expect("bodies").clone()
    }
}

fn run_hooks(inner: &Inner, nth: u64, stage: PostStage) {
    let due: Vec<Hook> = {
        let mut hooks = inner.hooks.lock().expect("hooks");
        let mut due = Vec::new();
        let mut index = 0;
        while index < hooks.len() {
            // At the nth POST or the first after it to reach this stage: a POST of a child
            // killed a moment earlier may take number n and then be dropped before it gets here.
            if nth >= hooks[index].0 && hooks[index].1 == stage {
                due.push(hooks.remove(index).2);
            } else {
                index += 1;
            }
        }
        due
    };
    for hook in due {
        hook();
    }
}

async fn forward(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 64 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let n = inner.stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let fault = {
        let plan = inner.plan.lock().expect("plan");
        (plan.http_fault_every > 0
            && n % plan.http_fault_every == 0
            && !plan.http_faults.is_empty())
        .then(|| plan.http_faults[((n / plan.http_fault_every) as usize) % plan.http_faults.len()])
    };
    // A send: Linktor's `POST …/messages`, Sinch's `POST …/messages:send`.
    let is_post = parts.method == axum::http::Method::POST
        && (parts.uri.path().ends_with("/messages")
            || parts.uri.path().ends_with("/messages:send"));
    let post_number = is_post.then(|| inner.posts_seen.fetch_add(1, Ordering::SeqCst) + 1);
    if let Some(nth) = post_number {
        run_hooks(&inner, nth, PostStage::BeforeForward);
    }
    match fault {
        Some(HttpFault::RateLimited) => {
            inner.stats.http_faults.fetch_add(1, Ordering::SeqCst);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("content-type", "application/json")],
                r#"{"message":"slow down","retry_after":0}"#,
            )
                .into_response();
        }
        Some(HttpFault::ServerError) => {
            inner.stats.http_faults.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::SERVICE_UNAVAILABLE, "upstream overloaded").into_response();
        }
        _ => {}
    }

    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = inner
        .http
        .request(parts.method.clone(), format!("{}{path}", inner.upstream))
        .body(body.clone());
    for name in ["x-api-key", "authorization", "content-type", "accept"] {
        if let Some(value) = parts.headers.get(name) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    let status = answer.status();
    let headers: Vec<(String, HeaderValue)> = ["content-type", "retry-after", "x-request-id"]
        .iter()
        .filter_map(|name| {
            answer
                .headers()
                .get(*name)
                .map(|v| (name.to_string(), v.clone()))
        })
        .collect();
    let bytes = answer.bytes().await.unwrap_or_default();
    if let Some(nth) = post_number {
        inner.stats.posts_forwarded.fetch_add(1, Ordering::SeqCst);
        if let Ok(value) = serde_json::from_slice::<Value>(&body) {
            inner.forwarded_bodies.lock().expect("bodies").push(value);
        }
        run_hooks(&inner, nth, PostStage::AfterForward);
    }

    let body = match fault {
        Some(HttpFault::Garbage) => {
            inner.stats.http_faults.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::OK, "<html><body>502 Bad Gateway</body></html>").into_response();
        }
        Some(HttpFault::TruncatedJson) => {
            inner.stats.http_faults.fetch_add(1, Ordering::SeqCst);
            Body::from(bytes.slice(..bytes.len() / 2))
        }
        Some(HttpFault::CloseMidResponse) => {
            inner.stats.http_faults.fetch_add(1, Ordering::SeqCst);
            let half = bytes.slice(..bytes.len() / 2);
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::other("connection cut mid-response")),
            ];
            let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            *response.status_mut() = status;
            return response;
        }
        _ => Body::from(bytes),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(name) = axum::http::HeaderName::from_bytes(name.as_bytes()) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn ws_upgrade(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ws_base = inner
        .upstream
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    let url = format!("{ws_base}/ws?{}", query.unwrap_or_default());
    let upstream = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((upstream, _)) => upstream,
        Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => {
            let status =
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            return status.into_response();
        }
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    inner.stats.ws_connections.fetch_add(1, Ordering::SeqCst);
    upgrade.on_upgrade(move |client| pump(client, upstream, inner))
}

type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn pump(client: WebSocket, upstream: Upstream, inner: Arc<Inner>) {
    let (mut client_tx, mut client_rx) = client.split();
    let (mut up_tx, mut up_rx) = upstream.split();
    // Client → server: passed through untouched (subscriptions, typing, pings).
    let outbound = tokio::spawn(async move {
        while let Some(Ok(message)) = client_rx.next().await {
            let forwarded = match message {
                AxMessage::Text(text) => TgMessage::Text(text.as_str().into()),
                AxMessage::Binary(bytes) => TgMessage::Binary(bytes),
                AxMessage::Close(_) => break,
                _ => continue,
            };
            if up_tx.send(forwarded).await.is_err() {
                break;
            }
        }
    });
    let mut held: Option<String> = None;
    let mut count = 0u64;
    while let Some(Ok(message)) = up_rx.next().await {
        let TgMessage::Text(text) = message else {
            continue;
        };
        count += 1;
        inner.stats.ws_frames.fetch_add(1, Ordering::SeqCst);
        let plan = inner.plan.lock().expect("plan").clone();
        let every = |n: u64| n > 0 && count.is_multiple_of(n);
        if every(plan.ws_drop_every) {
            // The frame is lost with the connection; the provider must backfill it.
            inner.stats.ws_dropped.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if every(plan.ws_delay_every) {
            inner.stats.ws_delayed.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(plan.ws_delay).await;
        }
        if every(plan.ws_reorder_every) && held.is_none() {
            inner.stats.ws_reordered.fetch_add(1, Ordering::SeqCst);
            held = Some(text.as_str().to_string());
            continue;
        }
        let mut batch = vec![text.as_str().to_string()];
        if every(plan.ws_duplicate_every) {
            inner.stats.ws_duplicated.fetch_add(1, Ordering::SeqCst);
            batch.push(text.as_str().to_string());
        }
        batch.extend(held.take());
        for frame in batch {
            if client_tx.send(AxMessage::Text(frame.into())).await.is_err() {
                outbound.abort();
                return;
            }
        }
    }
    outbound.abort();
    // Dropping both halves closes the client's socket without a close frame: an abrupt drop.
}
