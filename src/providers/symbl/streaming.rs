//! The streaming WebSocket (§3.5): connect to `/v1/realtime/insights/{connectionId}`, send a
//! `start_request` naming the insight types, trackers and speaker, read `message_response`,
//! `insight_response`, `topic_response` and `tracker_response` frames as live updates, and send
//! `stop_request` when done. [`LiveInsights`] folds the frames of one connection into one
//! [`ConversationInsights`] that is sent whole after every change.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::convert::{MessageLinks, SentMessage, contact_mode, source, tracker_hits};
use super::wire::{ClientFrame, ServerFrame, StreamInsight, StreamTopic, TrackerResult};
use crate::insights::{
    ActionItem, ActionKind, Analytics, Answer, ConversationInsights, Due, ItemState, Party,
    Question, Side, Topic,
};
use crate::providers::kit::http::encode_component;
use crate::text::sanitize_line;

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type WsSink = SplitSink<WsStream, WsMessage>;
pub type WsReader = SplitStream<WsStream>;

/// `base_url` with http→ws / https→wss, the SDK's path, and the docs' `access_token` query.
pub fn streaming_url(base_url: &str, connection_id: &str, token: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!(
        "{base}/v1/realtime/insights/{}?access_token={}",
        encode_component(connection_id),
        encode_component(token)
    )
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectError {
    /// The socket was refused with 401: the token (or the app behind it) is not accepted.
    Unauthorized,
    Other(String),
}

/// Opens the socket (token as query and as the SDK's `x-api-key` header) and splits it. Errors
/// never contain the URL, which carries the token.
pub async fn connect(
    base_url: &str,
    connection_id: &str,
    token: &str,
    timeout: Duration,
) -> Result<(WsSink, WsReader), ConnectError> {
    crate::providers::tls::install_crypto_provider();
    let url = streaming_url(base_url, connection_id, token);
    let mut request = url
        .into_client_request()
        .map_err(|err| ConnectError::Other(format!("bad streaming address: {err}")))?;
    if let Ok(value) = token.parse() {
        request.headers_mut().insert("x-api-key", value);
    }
    // No Nagle: each message is sent as it is said, not when the previous one is ACKed.
    let attempt = tokio_tungstenite::connect_async_with_config(request, None, true);
    match tokio::time::timeout(timeout, attempt).await {
        Err(_) => Err(ConnectError::Other(format!(
            "Symbl streaming connect to {base_url} timed out"
        ))),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
            if response.status().as_u16() == 401 =>
        {
            Err(ConnectError::Unauthorized)
        }
        Ok(Err(err)) => Err(ConnectError::Other(format!(
            "Symbl streaming unreachable at {base_url}: {}",
            crate::providers::kit::http::root_cause(&err)
        ))),
        Ok(Ok((stream, _response))) => Ok(stream.split()),
    }
}

pub async fn send(sink: &mut WsSink, frame: &ClientFrame) -> Result<(), String> {
    let text = serde_json::to_string(frame).map_err(|err| err.to_string())?;
    sink.send(WsMessage::Text(text.into()))
        .await
        .map_err(|err| err.to_string())
}

/// What one incoming WebSocket message means.
#[derive(Debug)]
pub enum Incoming {
    Frame(Box<ServerFrame>),
    /// A stop frame, including the official SDK's `{'type': 'stop_request'}` (a Python dict's
    /// text, not valid JSON), e.g. relayed by a proxy that speaks for the SDK.
    Stop,
    /// Unreadable or of an unknown type; the string is a short reason.
    Malformed(String),
    /// Control frames and audio: nothing to do.
    Nothing,
    Closed(String),
}

pub fn classify(
    message: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
) -> Incoming {
    match message {
        None => Incoming::Closed("Symbl streaming socket closed".to_string()),
        Some(Err(err)) => Incoming::Closed(format!("Symbl streaming socket failed: {err}")),
        Some(Ok(WsMessage::Close(frame))) => Incoming::Closed(match frame {
            Some(frame) if !frame.reason.is_empty() => format!(
                "Symbl closed the streaming socket: {}",
                sanitize_line(&frame.reason)
            ),
            _ => "Symbl closed the streaming socket".to_string(),
        }),
        Some(Ok(WsMessage::Text(text))) => parse(text.as_str()),
        Some(Ok(_)) => Incoming::Nothing,
    }
}

pub fn parse(text: &str) -> Incoming {
    match serde_json::from_str::<ServerFrame>(text) {
        Ok(frame) => Incoming::Frame(Box::new(frame)),
        Err(err) => {
            match frame_type(text).as_deref() {
                Some("stop_request") => return Incoming::Stop,
                // A type this client does not use (Symbl has added some over time): skip it.
                Some(kind) if !KNOWN_TYPES.contains(&kind) => {
                    tracing::debug!(kind, "Symbl streaming: ignoring a frame type");
                    return Incoming::Nothing;
                }
                _ => {}
            }
            let reason: String = sanitize_line(&err.to_string()).chars().take(80).collect();
            Incoming::Malformed(reason)
        }
    }
}

/// The frame types [`ServerFrame`] reads; one of these that does not parse is malformed.
const KNOWN_TYPES: [&str; 5] = [
    "message",
    "message_response",
    "insight_response",
    "topic_response",
    "tracker_response",
];

/// The `type` of a frame, read from JSON or from a Python dict's text (single quotes).
pub fn frame_type(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&text.replace('\'', "\"")))
        .ok()?;
    value.get("type")?.as_str().map(str::to_string)
}

/// The live state of one streaming connection: the frames seen so far, kept by Symbl id so a
/// repeated or updated item replaces the earlier one, and converted on demand.
#[derive(Clone, Debug, Default)]
pub struct LiveInsights {
    sent: Vec<SentMessage>,
    links: MessageLinks,
    insights: Vec<StreamInsight>,
    topics: Vec<StreamTopic>,
    trackers: BTreeMap<String, TrackerResult>,
}

impl LiveInsights {
    /// The thread messages Symbl's live messages are linked back to.
    pub fn set_thread(&mut self, sent: Vec<SentMessage>) {
        self.sent = sent;
    }

    /// Folds one frame in; true when the insights changed.
    pub fn apply(&mut self, frame: &ServerFrame) -> bool {
        match frame {
            ServerFrame::Message { .. } => false,
            ServerFrame::MessageResponse { messages } => {
                let texts: Vec<(String, String, Option<String>)> = messages
                    .iter()
                    .filter(|m| m.dismissed != Some(true))
                    .map(|m| {
                        let text = m.payload.as_ref().map(|p| p.content.clone());
                        let start = m.duration.as_ref().map(|d| d.start_time.clone());
                        (m.id.clone(), text.unwrap_or_default(), start)
                    })
                    .collect();
                self.links.link(
                    &self.sent,
                    texts
                        .iter()
                        .map(|(id, text, start)| (id.as_str(), text.as_str(), start.as_deref())),
                );
                // New links can attach earlier insights to their messages.
                !self.insights.is_empty() || !self.topics.is_empty() || !self.trackers.is_empty()
            }
            ServerFrame::InsightResponse { insights } => {
                for insight in insights {
                    self.insights.retain(|known| known.id != insight.id);
                    if insight.dismissed != Some(true) {
                        self.insights.push(insight.clone());
                    }
                }
                !insights.is_empty()
            }
            ServerFrame::TopicResponse { topics } => {
                for topic in topics {
                    self.topics.retain(|known| known.id != topic.id);
                    self.topics.push(topic.clone());
                }
                !topics.is_empty()
            }
            ServerFrame::TrackerResponse { trackers, .. } => {
                for tracker in trackers {
                    let entry = self
                        .trackers
                        .entry(tracker.name.clone())
                        .or_insert_with(|| TrackerResult {
                            id: tracker.id.clone(),
                            name: tracker.name.clone(),
                            matches: Vec::new(),
                        });
                    for found in &tracker.matches {
                        let known = entry.matches.iter_mut().find(|m| m.value == found.value);
                        match known {
                            Some(known) => {
                                for reference in &found.message_refs {
                                    if !known.message_refs.iter().any(|r| r.id == reference.id) {
                                        known.message_refs.push(reference.clone());
                                    }
                                }
                            }
                            None => entry.matches.push(found.clone()),
                        }
                    }
                }
                !trackers.is_empty()
            }
        }
    }

    pub fn snapshot(&self) -> ConversationInsights {
        let sides: std::collections::HashMap<&str, Side> =
            self.sent.iter().map(|m| (m.id.as_str(), m.side)).collect();
        let mut out = ConversationInsights {
            source: source(),
            ..ConversationInsights::default()
        };
        for insight in &self.insights {
            let messages = self
                .links
                .resolve(insight.message_reference.as_ref().map(|r| r.id.as_str()));
            let text = insight
                .payload
                .as_ref()
                .map(|p| p.content.as_str())
                .or(insight.text.as_deref())
                .unwrap_or_default();
            let text: String = sanitize_line(text).trim().chars().take(300).collect();
            let from = Party {
                side: messages
                    .first()
                    .and_then(|id| sides.get(id.as_str()).copied()),
                name: insight
                    .from
                    .as_ref()
                    .and_then(|s| s.name.as_deref())
                    .map(sanitize_line),
            };
            match insight.kind.as_str() {
                "question" => out.questions.push(Question {
                    text,
                    asked_by: from,
                    messages,
                    answer: Answer::Unknown,
                }),
                kind @ ("action_item" | "follow_up") => {
                    let item = ActionItem {
                        task: text.clone(),
                        contact: (kind == "follow_up").then(|| contact_mode(&text)),
                        text,
                        owner: from.clone(),
                        from,
                        kind: ActionKind::Commitment,
                        due: insight
                            .due_by
                            .as_ref()
                            .and_then(|d| d.value.as_deref())
                            .map(|due| Due {
                                text: sanitize_line(due),
                                at: None,
                            }),
                        messages,
                        state: ItemState::Unknown,
                    };
                    if kind == "follow_up" {
                        out.follow_ups.push(item);
                    } else {
                        out.action_items.push(item);
                    }
                }
                other => tracing::debug!(kind = other, "ignoring an unknown live insight type"),
            }
        }
        out.topics = self
            .topics
            .iter()
            .map(|topic| Topic {
                text: sanitize_line(&topic.phrases).trim().to_string(),
                score: topic.score.unwrap_or(0.0) as f32,
                messages: self
                    .links
                    .resolve(topic.message_references.iter().map(|r| r.id.as_str())),
            })
            .collect();
        out.topics.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.trackers = self
            .trackers
            .values()
            .map(|tracker| tracker_hits(tracker, &self.links))
            .collect();
        let count = |side| self.sent.iter().filter(|m| m.side == side).count() as u32;
        out.analytics = Analytics {
            customer_messages: count(Side::Customer),
            agent_messages: count(Side::Agent),
            ..Analytics::default()
        };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_swaps_scheme_and_carries_the_token_as_query() {
        assert_eq!(
            streaming_url("https://api.symbl.ai/", "c 1", "t/k"),
            "wss://api.symbl.ai/v1/realtime/insights/c%201?access_token=t%2Fk"
        );
        assert_eq!(
            streaming_url("http://127.0.0.1:9", "c", "t"),
            "ws://127.0.0.1:9/v1/realtime/insights/c?access_token=t"
        );
    }

    #[test]
    fn the_sdks_python_stop_frame_is_read_as_a_stop() {
        assert!(matches!(parse("{'type': 'stop_request'}"), Incoming::Stop));
        assert!(matches!(
            parse(r#"{"type":"stop_request"}"#),
            Incoming::Stop
        ));
        assert!(matches!(parse("{'type': 'party'}"), Incoming::Nothing));
        assert!(matches!(
            parse(r#"{"type":"topic_response","topics":3}"#),
            Incoming::Malformed(_)
        ));
        assert!(matches!(parse("not json at all"), Incoming::Malformed(_)));
    }
}
