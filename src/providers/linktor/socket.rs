//! The Linktor push channel as the TypeScript SDK speaks it: `ws(s)://<base>/ws?api_key=…`,
//! flat JSON client frames, and server frames parsed into [`ServerFrame`]. Frames we cannot read
//! are reported (rate-limited) and skipped; they never cost the connection.

use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::wire::{ClientFrame, ServerFrame};
use crate::text::sanitize_line;

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type WsSink = SplitSink<WsStream, WsMessage>;
pub type WsReader = SplitStream<WsStream>;

/// The largest WebSocket frame and message accepted. A Linktor frame carries one message or
/// event (a few KB); tungstenite checks a frame's announced length before reading it, so a
/// 100 MB frame is refused without being buffered.
pub const MAX_WS_MESSAGE_BYTES: usize = 8 << 20;

/// How often a malformed-frame notice may reach the user; the log gets every one.
const MALFORMED_NOTICE_EVERY: Duration = Duration::from_secs(60);

/// `base_url` with http→ws / https→wss, plus `/ws?api_key=<key>`.
pub fn ws_url(base_url: &str, api_key: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}/ws?api_key={}", encode_query(api_key))
}

fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Connects and splits the socket. The error is a readable reason for the status bar.
pub async fn connect(
    base_url: &str,
    api_key: &str,
    timeout: Duration,
) -> Result<(WsSink, WsReader), ConnectError> {
    crate::providers::tls::install_crypto_provider();
    let url = ws_url(base_url, api_key);
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_WS_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_WS_MESSAGE_BYTES));
    let attempt = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(limits), false);
    let (stream, _response) = match tokio::time::timeout(timeout, attempt).await {
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
                super::rest::root_cause(&err)
            )));
        }
        Ok(Ok(pair)) => pair,
    };
    Ok(stream.split())
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectError {
    Unauthorized,
    Other(String),
}

pub async fn send(sink: &mut WsSink, frame: &ClientFrame) -> Result<(), String> {
    let text = serde_json::to_string(frame).map_err(|err| err.to_string())?;
    sink.send(WsMessage::Text(text.into()))
        .await
        .map_err(|err| err.to_string())
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

pub fn classify(
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
        Some(Ok(WsMessage::Text(text))) => parse(text.as_str()),
        Some(Ok(WsMessage::Binary(_))) => Incoming::Malformed("binary frame".to_string()),
        Some(Ok(_)) => Incoming::Nothing,
    }
}

pub fn parse(text: &str) -> Incoming {
    match serde_json::from_str::<ServerFrame>(text) {
        Ok(frame) => Incoming::Frame(Box::new(frame)),
        Err(err) => {
            let reason: String = sanitize_line(&err.to_string()).chars().take(80).collect();
            Incoming::Malformed(reason)
        }
    }
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
    fn unknown_and_broken_frames_are_malformed() {
        assert!(matches!(parse("{not json"), Incoming::Malformed(_)));
        assert!(matches!(
            parse(r#"{"type":"party"}"#),
            Incoming::Malformed(_)
        ));
        assert!(matches!(parse(r#"{"type":"pong"}"#), Incoming::Frame(_)));
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
