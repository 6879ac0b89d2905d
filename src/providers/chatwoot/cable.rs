//! Chatwoot's push channel: ActionCable at `/cable` (§6). The socket carries no credential;
//! the subscription to `RoomChannel` names the user's `pubsub_token`, and a refused token is
//! answered by silence (§6.9), so the caller waits for `confirm_subscription` with a deadline.

use futures_util::SinkExt;
use futures_util::stream::{SplitSink, SplitStream};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::wire::{Broadcast, CableFrame};
use crate::text::sanitize_line;

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type WsSink = SplitSink<WsStream, WsMessage>;
pub type WsReader = SplitStream<WsStream>;

/// A broadcast carries one message or conversation: a few KB. Larger frames are refused
/// before they are buffered.
const MAX_FRAME_BYTES: usize = 4 << 20;

/// What the official JavaScript client offers (§6.1).
const SUBPROTOCOLS: &str = "actioncable-v1-json, actioncable-unsupported";

/// `https://host` → `wss://host/cable`.
pub fn cable_url(origin: &str) -> String {
    let origin = origin.trim_end_matches('/');
    let origin = if let Some(rest) = origin.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = origin.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        origin.to_string()
    };
    format!("{origin}/cable")
}

/// The subscription identifier, byte for byte as the web client's `JSON.stringify` writes it
/// (§6.3): the server echoes this exact string in every frame of the subscription.
pub fn identifier(pubsub_token: &str, account: u64, user: u64) -> String {
    let token = serde_json::to_string(pubsub_token).unwrap_or_else(|_| "\"\"".to_string());
    format!(
        r#"{{"channel":"RoomChannel","pubsub_token":{token},"account_id":{account},"user_id":{user}}}"#
    )
}

/// Opens the socket; the error is a readable reason for the status bar. Rails answers with
/// the subprotocol offered; a server (or proxy) that answers with none is tried once more
/// without offering one, as the WebSocket client then refuses the answer.
pub async fn connect(origin: &str, timeout: Duration) -> Result<(WsSink, WsReader), String> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Error;
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    crate::providers::tls::install_crypto_provider();
    let url = cable_url(origin);
    let mut offered = true;
    loop {
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|err| format!("cannot open {url}: {err}"))?;
        if offered {
            request.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                http::HeaderValue::from_static(SUBPROTOCOLS),
            );
        }
        let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let attempt = tokio_tungstenite::connect_async_with_config(request, Some(limits), true);
        match tokio::time::timeout(timeout, attempt).await {
            Err(_) => return Err(format!("the live connection to {url} timed out")),
            Ok(Err(Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(_)))) if offered => {
                tracing::info!(
                    "{url} answered without a subprotocol; connecting without offering one"
                );
                offered = false;
            }
            Ok(Err(err)) => {
                return Err(format!(
                    "live connection to {url} failed: {}",
                    crate::providers::kit::http::root_cause(&err)
                ));
            }
            Ok(Ok((stream, _))) => return Ok(stream.split()),
        }
    }
}

pub async fn subscribe(sink: &mut WsSink, identifier: &str) -> Result<(), String> {
    let frame = serde_json::json!({ "command": "subscribe", "identifier": identifier });
    send(sink, frame).await
}

/// `update_presence` (§6.4): without one every 20 s the agent shows offline to the team.
pub async fn update_presence(sink: &mut WsSink, identifier: &str) -> Result<(), String> {
    let frame = serde_json::json!({
        "command": "message",
        "identifier": identifier,
        "data": r#"{"action":"update_presence"}"#,
    });
    send(sink, frame).await
}

async fn send(sink: &mut WsSink, frame: serde_json::Value) -> Result<(), String> {
    sink.send(WsMessage::Text(frame.to_string().into()))
        .await
        .map_err(|err| format!("live connection lost while sending: {err}"))
}

/// What one socket message means to the provider.
#[derive(Debug)]
pub enum CableIn {
    Welcome,
    Ping,
    Confirmed,
    /// `reject_subscription`: RoomChannel never sends it (§6.2), but a proxy or a fork may.
    Rejected,
    /// The server asks us to go (`server_restart`, …).
    Disconnect(String),
    Event(Broadcast),
    /// Control frames, other subscriptions, frame types we do not use.
    Nothing,
    /// Unreadable; a short reason.
    Malformed(String),
    Closed(String),
}

pub fn classify(
    message: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    identifier: &str,
) -> CableIn {
    match message {
        None => CableIn::Closed("the live connection closed".to_string()),
        Some(Err(err)) => CableIn::Closed(format!("the live connection failed: {err}")),
        Some(Ok(WsMessage::Close(frame))) => CableIn::Closed(match frame {
            Some(frame) if !frame.reason.is_empty() => format!(
                "the server closed the live connection: {}",
                sanitize_line(&frame.reason)
            ),
            _ => "the server closed the live connection".to_string(),
        }),
        Some(Ok(WsMessage::Text(text))) => parse(text.as_str(), identifier),
        Some(Ok(WsMessage::Binary(_))) => CableIn::Malformed("a binary frame".to_string()),
        Some(Ok(_)) => CableIn::Nothing,
    }
}

pub fn parse(text: &str, identifier: &str) -> CableIn {
    let frame: CableFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(err) => return malformed(&err),
    };
    match frame.kind.as_deref() {
        Some("welcome") => return CableIn::Welcome,
        Some("ping") => return CableIn::Ping,
        Some("disconnect") => {
            let reason = frame.reason.as_deref().map(sanitize_line);
            return CableIn::Disconnect(reason.unwrap_or_else(|| "no reason given".to_string()));
        }
        _ => {}
    }
    // Frames of another subscription (another account on the same socket) are not ours.
    if frame.identifier.as_deref() != Some(identifier) {
        return CableIn::Nothing;
    }
    match frame.kind.as_deref() {
        Some("confirm_subscription") => CableIn::Confirmed,
        Some("reject_subscription") => CableIn::Rejected,
        Some(_) => CableIn::Nothing,
        None => match frame.message.map(serde_json::from_value::<Broadcast>) {
            Some(Ok(broadcast)) => CableIn::Event(broadcast),
            Some(Err(err)) => malformed(&err),
            None => CableIn::Malformed("a frame with neither type nor message".to_string()),
        },
    }
}

fn malformed(err: &dyn std::fmt::Display) -> CableIn {
    CableIn::Malformed(sanitize_line(&err.to_string()).chars().take(80).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_is_what_the_web_client_sends() {
        assert_eq!(
            identifier("3pFq\"x", 1, 7),
            r#"{"channel":"RoomChannel","pubsub_token":"3pFq\"x","account_id":1,"user_id":7}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&identifier("t", 1, 7)).expect("json");
        assert_eq!(parsed["account_id"], 1);
        assert_eq!(
            cable_url("https://app.chatwoot.com/"),
            "wss://app.chatwoot.com/cable"
        );
        assert_eq!(
            cable_url("http://127.0.0.1:3000"),
            "ws://127.0.0.1:3000/cable"
        );
    }

    /// A server that picks no subprotocol is connected to without offering one.
    #[tokio::test]
    async fn a_server_without_the_subprotocol_is_still_reached() {
        use axum::extract::ws::WebSocketUpgrade;
        let app = axum::Router::new().route(
            "/cable",
            axum::routing::get(|ws: WebSocketUpgrade| async move {
                ws.on_upgrade(|mut socket| async move {
                    let welcome = axum::extract::ws::Message::Text(r#"{"type":"welcome"}"#.into());
                    let _ = socket.send(welcome).await;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                })
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let (_sink, mut reader) = connect(&origin, Duration::from_secs(5))
            .await
            .expect("connected");
        use futures_util::StreamExt;
        assert!(matches!(
            classify(reader.next().await, "x"),
            CableIn::Welcome
        ));
    }

    #[test]
    fn frames_are_told_apart() {
        let id = identifier("t", 1, 7);
        assert!(matches!(
            parse(r#"{"type":"welcome"}"#, &id),
            CableIn::Welcome
        ));
        assert!(matches!(
            parse(r#"{"type":"ping","message":1}"#, &id),
            CableIn::Ping
        ));
        let confirm = serde_json::json!({"identifier": id, "type": "confirm_subscription"});
        assert!(matches!(
            parse(&confirm.to_string(), &id),
            CableIn::Confirmed
        ));
        let other = serde_json::json!({"identifier": "{}", "type": "confirm_subscription"});
        assert!(matches!(parse(&other.to_string(), &id), CableIn::Nothing));
        let event = serde_json::json!({"identifier": id, "message": {"event": "x.y", "data": {}}});
        assert!(matches!(parse(&event.to_string(), &id), CableIn::Event(b) if b.event == "x.y"));
        let bad = serde_json::json!({"identifier": id, "message": [1]});
        assert!(matches!(
            parse(&bad.to_string(), &id),
            CableIn::Malformed(_)
        ));
        assert!(matches!(parse("{nope", &id), CableIn::Malformed(_)));
        assert!(matches!(
            parse(r#"{"type":"disconnect","reason":"server_restart","reconnect":true}"#, &id),
            CableIn::Disconnect(reason) if reason == "server_restart"
        ));
    }
}
