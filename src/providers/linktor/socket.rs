//! The Linktor push channel in both dialects: the TypeScript SDK's `ws(s)://<base>/ws?api_key=…`
//! (or `?token=`) with flat JSON frames, and the Go server's `/api/v1/ws?token=<JWT>` with
//! `{type, payload}` frames (translated in `wire_server.rs`). Either way frames come out as
//! [`ServerFrame`]. Frames we cannot read are reported (rate-limited) and skipped, frames of a
//! type we do not know are ignored (as the SDK does); neither costs the connection.

use std::pin::Pin;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
// Tokio's clock: virtual in the reproducible demo, the wall clock elsewhere.
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::Dialect;
use super::auth::Credential;
use super::rest::RestClient;
use super::wire::{ClientFrame, ServerFrame};
use super::wire_server;
use crate::providers::kit::Classify;
use crate::providers::kit::http::encode_component;
use crate::providers::kit::network::Network;
use crate::text::sanitize_line;

/// The socket's halves, over TCP (and TLS) or an in-process pipe.
pub type WsSink = Pin<Box<dyn Sink<WsMessage, Error = WsError> + Send + Sync>>;
pub type WsReader = Pin<Box<dyn Stream<Item = Result<WsMessage, WsError>> + Send + Sync>>;

/// The largest WebSocket frame and message accepted. A Linktor frame carries one message or
/// event (a few KB); tungstenite checks a frame's announced length before reading it, so a
/// 100 MB frame is refused without being buffered.
pub const MAX_WS_MESSAGE_BYTES: usize = 8 << 20;

/// How often a malformed-frame notice may reach the user; the log gets every one.
const MALFORMED_NOTICE_EVERY: Duration = Duration::from_secs(60);

/// `base_url` with http→ws / https→wss, plus `/ws?api_key=<key>`.
pub fn ws_url(base_url: &str, api_key: &str) -> String {
    ws_url_with(base_url, &Credential::ApiKey(api_key.to_string()))
}

/// `api_root` with http→ws / https→wss, plus `/ws?api_key=<key>` or `/ws?token=<token>`.
fn ws_url_with(api_root: &str, credential: &Credential) -> String {
    let base = api_root.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    match credential {
        Credential::ApiKey(key) => format!("{base}/ws?api_key={}", encode_component(key)),
        Credential::Bearer(token) => format!("{base}/ws?token={}", encode_component(token)),
    }
}

/// Connects with the client's credential (logging in first if that is how we authenticate).
/// A refused token is renewed and tried once more when a login is configured.
pub async fn connect_with(
    rest: &RestClient,
    timeout: Duration,
) -> Result<(WsSink, WsReader), ConnectError> {
    let credential = rest.credential().await.map_err(|err| {
        if err.is_auth() {
            ConnectError::Unauthorized
        } else {
            ConnectError::Other(format!(
                "WebSocket login at {} failed: {err}",
                rest.base_url()
            ))
        }
    })?;
    let first = connect_url(
        &rest.network,
        &ws_url_with(rest.api_root(), &credential),
        rest.base_url(),
        timeout,
    )
    .await;
    match first {
        Err(ConnectError::Unauthorized) if rest.can_renew() => {
            rest.renew_tokens(&credential).await.map_err(|err| {
                if err.is_auth() {
                    ConnectError::Unauthorized
                } else {
                    ConnectError::Other(format!("WebSocket login failed: {err}"))
                }
            })?;
            let credential = rest
                .credential()
                .await
                .map_err(|err| ConnectError::Other(err.to_string()))?;
            connect_url(
                &rest.network,
                &ws_url_with(rest.api_root(), &credential),
                rest.base_url(),
                timeout,
            )
            .await
        }
        other => other,
    }
}

/// Connects and splits the socket. The error is a readable reason for the status bar.
pub async fn connect(
    base_url: &str,
    api_key: &str,
    timeout: Duration,
) -> Result<(WsSink, WsReader), ConnectError> {
    connect_url(
        &Network::Internet,
        &ws_url(base_url, api_key),
        base_url,
        timeout,
    )
    .await
}

/// `base_url` is only for messages: the URL carries the credential and is never shown.
async fn connect_url(
    network: &Network,
    url: &str,
    base_url: &str,
    timeout: Duration,
) -> Result<(WsSink, WsReader), ConnectError> {
    crate::providers::tls::install_crypto_provider();
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_WS_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_WS_MESSAGE_BYTES));
    let attempt = async {
        match network {
            // `true`: no Nagle, so a typing frame leaves at once instead of waiting for an ACK.
            Network::Internet => {
                tokio_tungstenite::connect_async_with_config(url, Some(limits), true)
                    .await
                    .map(|(stream, _)| split(stream))
            }
            Network::InProcess(server) => {
                let pipe = server.dial().map_err(|reason| {
                    WsError::Io(std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        reason,
                    ))
                })?;
                tokio_tungstenite::client_async_with_config(url, pipe, Some(limits))
                    .await
                    .map(|(stream, _)| split(stream))
            }
        }
    };
    let halves = match tokio::time::timeout(timeout, attempt).await {
        Err(_) => {
            return Err(ConnectError::Other(format!(
                "WebSocket connect to {base_url} timed out"
            )));
        }
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
            if response.status().as_u16() == 401 =>
        {
            return Err(ConnectError::Unauthorized);
        }
        Ok(Err(err)) => {
            return Err(ConnectError::Other(format!(
                "WebSocket unreachable at {base_url}: {}",
                crate::providers::kit::http::root_cause(&err)
            )));
        }
        Ok(Ok(halves)) => halves,
    };
    Ok(halves)
}

fn split<S>(stream: tokio_tungstenite::WebSocketStream<S>) -> (WsSink, WsReader)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sink, reader) = stream.split();
    (Box::pin(sink), Box::pin(reader))
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectError {
    Unauthorized,
    Other(String),
}

/// Sends a client frame in the SDK's form.
pub async fn send(sink: &mut WsSink, frame: &ClientFrame) -> Result<(), String> {
    send_in(sink, Dialect::Sdk, frame).await
}

/// Sends a client frame in the dialect's form. The Go server has no subscribe (nothing is sent)
/// and no JSON ping (a WebSocket ping control frame keeps the line alive instead).
pub async fn send_in(
    sink: &mut WsSink,
    dialect: Dialect,
    frame: &ClientFrame,
) -> Result<(), String> {
    let message = match dialect {
        Dialect::Sdk => WsMessage::Text(
            serde_json::to_string(frame)
                .map_err(|err| err.to_string())?
                .into(),
        ),
        Dialect::Server => match wire_server::client_frame(frame) {
            Some(server) => WsMessage::Text(
                serde_json::to_string(&server)
                    .map_err(|err| err.to_string())?
                    .into(),
            ),
            None if *frame == ClientFrame::Ping => WsMessage::Ping(Vec::new().into()),
            None => return Ok(()),
        },
    };
    sink.send(message).await.map_err(|err| err.to_string())
}

/// What one incoming WebSocket message means to the provider.
#[derive(Debug)]
pub enum Incoming {
    Frame(Box<ServerFrame>),
    /// Unreadable or unknown; the string is a short reason.
    Malformed(String),
    /// Control frames and binary noise: nothing to do.
    Nothing,
    Closed(String),
}

/// Reads an SDK-dialect socket message.
pub fn classify(
    message: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
) -> Incoming {
    classify_in(Dialect::Sdk, message)
}

pub fn classify_in(
    dialect: Dialect,
    message: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
) -> Incoming {
    match message {
        None => Incoming::Closed("WebSocket closed".to_string()),
        Some(Err(err)) => Incoming::Closed(format!("WebSocket error: {err}")),
        Some(Ok(WsMessage::Close(frame))) => Incoming::Closed(match frame {
            Some(frame) if !frame.reason.is_empty() => {
                format!(
                    "WebSocket closed by server: {}",
                    sanitize_line(&frame.reason)
                )
            }
            _ => "WebSocket closed by server".to_string(),
        }),
        Some(Ok(WsMessage::Text(text))) => parse_in(dialect, text.as_str()),
        Some(Ok(WsMessage::Binary(_))) => Incoming::Malformed("binary frame".to_string()),
        Some(Ok(_)) => Incoming::Nothing,
    }
}

pub fn parse(text: &str) -> Incoming {
    parse_in(Dialect::Sdk, text)
}

/// The SDK's types, in either dialect's framing.
const KNOWN_SDK_TYPES: &[&str] = &[
    "message",
    "message_status",
    "conversation_update",
    "typing",
    "pong",
];

pub fn parse_in(dialect: Dialect, text: &str) -> Incoming {
    let malformed = |err: &dyn std::fmt::Display| {
        let reason: String = sanitize_line(&err.to_string()).chars().take(80).collect();
        Incoming::Malformed(reason)
    };
    match dialect {
        Dialect::Sdk => match ServerFrame::parse(text) {
            Ok(frame) => Incoming::Frame(Box::new(frame)),
            Err(err) => match unknown_type(text) {
                Some(kind) => ignored(&kind),
                None => malformed(&err),
            },
        },
        Dialect::Server => match serde_json::from_str::<wire_server::Frame>(text) {
            Err(err) => malformed(&err),
            Ok(frame) => match wire_server::parse_frame(frame) {
                Ok(wire_server::Parsed::Frame(frame)) => Incoming::Frame(frame),
                Ok(wire_server::Parsed::Ignored(kind)) => ignored(&kind),
                Err(err) => malformed(&err),
            },
        },
    }
}

/// The `type` of a JSON object frame whose type the SDK does not know, if that is what it is.
fn unknown_type(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = value.get("type")?.as_str()?;
    (!KNOWN_SDK_TYPES.contains(&kind)).then(|| kind.to_string())
}

fn ignored(kind: &str) -> Incoming {
    tracing::debug!(kind = %sanitize_line(kind), "ignored Linktor frame of a type we do not use");
    Incoming::Nothing
}

/// Lets one malformed-frame notice through per interval.
#[derive(Debug, Default)]
pub struct NoticeLimiter {
    last: Option<Instant>,
}

impl NoticeLimiter {
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.last {
            Some(last) if now.duration_since(last) < MALFORMED_NOTICE_EVERY => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_swaps_scheme_and_adds_key() {
        assert_eq!(
            ws_url("http://127.0.0.1:9/", "k 1"),
            "ws://127.0.0.1:9/ws?api_key=k%201"
        );
        assert_eq!(
            ws_url("https://api.linktor.io/api/v1", "abc"),
            "wss://api.linktor.io/api/v1/ws?api_key=abc"
        );
    }

    #[test]
    fn broken_frames_are_malformed_and_unknown_types_ignored() {
        assert!(matches!(parse("{not json"), Incoming::Malformed(_)));
        assert!(matches!(parse(r#"{"type":"party"}"#), Incoming::Nothing));
        assert!(matches!(
            parse(r#"{"type":"message","conversationId":3}"#),
            Incoming::Malformed(_)
        ));
        assert!(matches!(parse(r#"{"type":"pong"}"#), Incoming::Frame(_)));
        assert!(matches!(
            parse_in(
                Dialect::Server,
                r#"{"type":"connected","payload":{"user_id":"u1"}}"#
            ),
            Incoming::Nothing
        ));
        assert!(matches!(
            parse_in(Dialect::Server, r#"{"type":"message"}"#),
            Incoming::Nothing
        ));
        assert!(matches!(
            parse_in(Dialect::Server, "[1]"),
            Incoming::Malformed(_)
        ));
    }

    #[test]
    fn tokens_go_in_the_query_of_the_api_root() {
        assert_eq!(
            ws_url_with("https://h/api/v1", &Credential::Bearer("j.w.t".into())),
            "wss://h/api/v1/ws?token=j.w.t"
        );
    }

    #[test]
    fn notices_are_rate_limited() {
        let mut limiter = NoticeLimiter::default();
        let now = Instant::now();
        assert!(limiter.allow(now));
        assert!(!limiter.allow(now + Duration::from_secs(5)));
        assert!(limiter.allow(now + Duration::from_secs(61)));
    }
}
