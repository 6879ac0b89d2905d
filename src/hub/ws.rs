//! `GET /ws?api_key=…`: the TypeScript SDK's WebSocket. Each socket forwards bus frames that its
//! subscriptions want and answers client frames; bad frames are logged and ignored.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::events::Subscriptions;
use super::ops::HubState;
use super::rest::ApiError;
use crate::protocol::linktor::{ClientFrame, ServerFrame};

pub async fn upgrade(
    State(state): State<Arc<HubState>>,
    Query(params): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    // Checked before the upgrade so a bad key is a plain 401.
    if params.get("api_key") != Some(&state.api_key) {
        return ApiError::unauthorized().into_response();
    }
    ws.on_upgrade(move |socket| serve(socket, state))
}

async fn serve(socket: WebSocket, state: Arc<HubState>) {
    let (mut sink, mut stream) = socket.split();
    let mut frames = state.bus.subscribe();
    let mut stop = state.stop.clone();
    let mut subscriptions = Subscriptions::default();
    loop {
        let outgoing = tokio::select! {
            // In this order, so a run is the same whichever branches are ready together (the
            // reproducible demo depends on it); a stop first, whatever floods the rest.
            biased;
            _ = stop.changed() => break,
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => handle_client(&state, &mut subscriptions, text.as_str()),
                Some(Ok(Message::Close(_))) | None => break,
                Some(Ok(_)) => None,
                Some(Err(error)) => {
                    tracing::debug!(%error, "websocket read failed");
                    break;
                }
            },
            frame = frames.recv() => match frame {
                Ok(frame) => subscriptions.wants(&frame).then_some(frame),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "websocket lagging; frames dropped");
                    None
                }
                Err(RecvError::Closed) => break,
            },
        };
        let Some(frame) = outgoing else { continue };
        let text = match serde_json::to_string(&frame) {
            Ok(text) => text,
            Err(error) => {
                tracing::warn!(%error, "frame serialisation failed");
                continue;
            }
        };
        if sink.send(Message::Text(text.into())).await.is_err() {
            break;
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// Applies one client frame; returns a direct reply if any.
fn handle_client(
    state: &HubState,
    subscriptions: &mut Subscriptions,
    text: &str,
) -> Option<ServerFrame> {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(ClientFrame::Subscribe { conversation_id }) => {
            subscriptions.subscribe(conversation_id);
            None
        }
        Ok(ClientFrame::Unsubscribe { conversation_id }) => {
            subscriptions.unsubscribe(&conversation_id);
            None
        }
        Ok(ClientFrame::Typing {
            conversation_id,
            is_typing,
        }) => {
            state.set_agent_typing(&conversation_id, is_typing);
            None
        }
        Ok(ClientFrame::Ping) => Some(ServerFrame::Pong),
        Err(error) => {
            tracing::warn!(%error, frame = text, "ignoring malformed client frame");
            None
        }
    }
}
