//! Where a provider's connections go: the internet (reqwest, and tokio-tungstenite over TCP and
//! TLS), or a server inside the process. In process, each connection is an in-memory pipe that
//! carries the same HTTP and WebSocket bytes, so the provider runs exactly as it does against a
//! remote server. The reproducible demo needs this: it runs on tokio's paused clock, which jumps
//! to the next timer whenever every task waits, also while a kernel socket still holds bytes;
//! timeouts would then fire at random. A pipe between tasks holds nothing outside them.

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::io::DuplexStream;

/// The largest in-process response read (whole, before the caller's own limit applies).
const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// A server living in this process.
pub trait InProcessServer: Send + Sync + 'static {
    /// A new connection to the server, as TCP would give one; the error says why it was refused.
    fn dial(&self) -> Result<DuplexStream, String>;
    /// The server's clock: a demo's runs on virtual time.
    fn now(&self) -> OffsetDateTime;
}

/// How a provider reaches its server.
#[derive(Clone, Default)]
pub enum Network {
    #[default]
    Internet,
    InProcess(Arc<dyn InProcessServer>),
}

impl Network {
    /// The time by the server's clock, for "retrying at".
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Network::Internet => OffsetDateTime::now_utc(),
            Network::InProcess(server) => server.now(),
        }
    }
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Network::Internet => "Internet",
            Network::InProcess(_) => "InProcess",
        })
    }
}

impl PartialEq for Network {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Network::Internet, Network::Internet) => true,
            (Network::InProcess(a), Network::InProcess(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// One HTTP/1.1 exchange with an in-process server over a fresh connection: the request as
/// reqwest built it (sent in origin form, with a Host and our User-Agent), the answer as a
/// reqwest response, so
/// the caller reads status, headers and body as it would from the network. An error is a
/// transport failure, as reqwest would report one.
pub async fn exchange(
    server: &dyn InProcessServer,
    request: reqwest::Request,
) -> Result<reqwest::Response, String> {
    let stream = server.dial()?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| err.to_string())?;
    // The connection is driven beside the exchange and ends with it.
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!("in-process connection ended: {err}");
        }
    });
    let url = request.url();
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let body = match request.body() {
        None => axum::body::Bytes::new(),
        Some(body) => match body.as_bytes() {
            Some(bytes) => axum::body::Bytes::copy_from_slice(bytes),
            None => return Err("a streamed request body cannot go in process".to_string()),
        },
    };
    let mut outgoing = hyper::Request::builder()
        .method(request.method().clone())
        .uri(target)
        .body(axum::body::Body::from(body))
        .map_err(|err| err.to_string())?;
    let headers = outgoing.headers_mut();
    headers.extend(request.headers().clone());
    // reqwest's client adds it at sending time; a built request lacks it.
    let names_us = hyper::header::HeaderValue::from_static(super::http::USER_AGENT);
    headers.entry(hyper::header::USER_AGENT).or_insert(names_us);
    if !headers.contains_key(hyper::header::HOST) {
        let host = hyper::header::HeaderValue::try_from(host).map_err(|err| err.to_string())?;
        headers.insert(hyper::header::HOST, host);
    }
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|err| err.to_string())?;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(axum::body::Body::new(body), MAX_RESPONSE_BYTES)
        .await
        .map_err(|err| err.to_string())?;
    Ok(reqwest::Response::from(hyper::Response::from_parts(
        parts, body,
    )))
}
