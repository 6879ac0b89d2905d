//! The HTTP side: `POST {base_url}/v1/chat/completions` with `stream: true`, read as
//! server-sent events (`data: {chunk}` … `data: [DONE]`). A server that answers with one JSON
//! body instead (it ignored `stream`) is read whole. A server that refuses `response_format`
//! is asked once more without it; the insights are then found in the text.
//!
//! Timeouts: `timeout` bounds the connection and each wait for more bytes, not the whole
//! answer (a long answer streaming steadily is fine); the answer itself is bounded by
//! [`MAX_ANSWER_BYTES`] and `max_tokens`.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use super::failure::{self, Failure};
use super::prompt::{self, PromptSettings};
use super::sse::Decoder;
use super::{MAX_ANSWER_BYTES, Request, Task, Update, UpdateKind};
use crate::text::sanitize;

/// The most bytes of an error body read (the message is at the start).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where the assistant is and how to ask it.
#[derive(Clone, PartialEq)]
pub struct ClientSettings {
    /// Up to, not including, `/v1` (`http://127.0.0.1:8080`); a trailing `/v1` is accepted.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …`; local servers need none.
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// Ask for the insights' JSON schema by `response_format`.
    pub structured_output: bool,
    pub prompt: PromptSettings,
}

impl std::fmt::Debug for ClientSettings {
    // The key never reaches a log line, even through a Debug print of the settings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("structured_output", &self.structured_output)
            .field("prompt", &self.prompt)
            .finish()
    }
}

/// The endpoint for `base_url`, with or without its `/v1`.
pub fn endpoint(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let base = base.strip_suffix("/v1").unwrap_or(base);
    format!("{base}/v1/chat/completions")
}

pub struct HttpAssistant {
    http: reqwest::Client,
    url: String,
    settings: ClientSettings,
}

impl HttpAssistant {
    pub fn new(settings: ClientSettings) -> Result<Self, String> {
        crate::providers::tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(crate::providers::http::same_origin_redirects())
            .connect_timeout(settings.timeout)
            .read_timeout(settings.timeout)
            .build()
            .map_err(|err| format!("could not build the HTTP client: {err}"))?;
        Ok(Self {
            http,
            url: endpoint(&settings.base_url),
            settings,
        })
    }

    /// Runs `request` to its end, sending every piece of the answer and then `Done` or
    /// `Failed` to `out`. Dropping the future (cancellation) closes the connection.
    pub async fn run(&self, request: Request, out: &mpsc::Sender<Update>) {
        let mut sink = Sink {
            out,
            id: request.id,
            conversation: &request.conversation,
            bytes: 0,
        };
        let mut structured = self.settings.structured_output && request.task == Task::Insights;
        let outcome = loop {
            match self.attempt(&request, structured, &mut sink).await {
                Err(failure)
                    if structured
                        && sink.bytes == 0
                        && failure::refuses_structured_output(&failure) =>
                {
                    tracing::info!("the assistant refused response_format; asking without it");
                    structured = false;
                }
                outcome => break outcome,
            }
        };
        let kind = match outcome {
            Ok(()) => UpdateKind::Done,
            Err(failure) => {
                tracing::warn!(task = request.task.label(), "{}", failure.describe());
                UpdateKind::Failed(failure)
            }
        };
        sink.send(kind).await;
    }

    async fn attempt(
        &self,
        request: &Request,
        structured: bool,
        sink: &mut Sink<'_>,
    ) -> Result<(), Failure> {
        let body = prompt::body(&self.settings.prompt, request, structured);
        let mut builder = self.http.post(&self.url).json(&body);
        if let Some(key) = &self.settings.api_key {
            builder = builder.bearer_auth(key);
        }
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = failure::retry_after(response.headers());
            let body = read_error_body(&mut response).await;
            return Err(failure::classify(status.as_u16(), retry_after, &body));
        }
        let streamed = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if streamed {
            read_stream(response, sink).await
        } else {
            read_whole(response, sink).await
        }
    }
}

/// Where the answer goes, counting what was sent.
struct Sink<'a> {
    out: &'a mpsc::Sender<Update>,
    id: u64,
    conversation: &'a crate::model::ConversationKey,
    bytes: usize,
}

impl Sink<'_> {
    async fn send(&self, kind: UpdateKind) {
        let _ = self
            .out
            .send(Update {
                id: self.id,
                conversation: self.conversation.clone(),
                kind,
            })
            .await;
    }

    /// Sends a piece of the answer, neutralised; fails once the answer is too long.
    async fn text(&mut self, text: &str) -> Result<(), Failure> {
        if text.is_empty() {
            return Ok(());
        }
        let room = MAX_ANSWER_BYTES.saturating_sub(self.bytes);
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let clean = sanitize(&text[..end]);
        if !clean.is_empty() {
            self.bytes += end;
            self.send(UpdateKind::Delta(clean)).await;
        }
        if end < text.len() {
            return Err(Failure::TooLong);
        }
        Ok(())
    }
}

async fn read_stream(mut response: reqwest::Response, sink: &mut Sink<'_>) -> Result<(), Failure> {
    let mut decoder = Decoder::default();
    let mut finished = false;
    loop {
        let chunk = response.chunk().await.map_err(transport)?;
        let events = match &chunk {
            Some(bytes) => decoder.push(bytes),
            None => Ok(decoder.finish().into_iter().collect()),
        }
        .map_err(|_| Failure::Malformed("a line of the stream never ended".to_string()))?;
        for data in events {
            if data.trim() == "[DONE]" {
                return Ok(());
            }
            let chunk: Value = serde_json::from_str(&data).map_err(|_| {
                Failure::Malformed(format!(
                    "a chunk is not JSON: {}",
                    crate::text::sanitize_line(&data.chars().take(80).collect::<String>())
                ))
            })?;
            if let Some(error) = chunk.get("error") {
                return Err(failure::classify_in_stream(error));
            }
            let choice = chunk.get("choices").and_then(|c| c.get(0));
            if let Some(text) = choice
                .and_then(|c| c.get("delta"))
                .and_then(|d| d.get("content"))
                .and_then(Value::as_str)
            {
                sink.text(text).await?;
            }
            if choice
                .and_then(|c| c.get("finish_reason"))
                .is_some_and(|r| !r.is_null())
            {
                finished = true;
            }
        }
        if chunk.is_none() {
            return if finished {
                Ok(())
            } else {
                Err(Failure::Malformed(
                    "the stream ended before the answer was complete".to_string(),
                ))
            };
        }
    }
}

/// A server that did not stream: one chat-completion object.
async fn read_whole(mut response: reqwest::Response, sink: &mut Sink<'_>) -> Result<(), Failure> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES * 4 {
            return Err(Failure::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| Failure::Malformed("the answer is not JSON".to_string()))?;
    if let Some(error) = value.get("error") {
        return Err(failure::classify_in_stream(error));
    }
    let text = value
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::Malformed("the answer has no choices[0].message.content".into()))?;
    sink.text(text).await
}

async fn read_error_body(response: &mut reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

fn transport(err: reqwest::Error) -> Failure {
    if err.is_timeout() {
        return Failure::TimedOut;
    }
    Failure::Unreachable(crate::providers::http::root_cause(&err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_under_v1_whether_or_not_base_url_has_it() {
        for base in [
            "http://h:8080",
            "http://h:8080/",
            "http://h:8080/v1",
            "http://h:8080/v1/",
        ] {
            assert_eq!(endpoint(base), "http://h:8080/v1/chat/completions");
        }
    }

    #[test]
    fn debug_never_prints_the_key() {
        let settings = ClientSettings {
            base_url: "http://h".into(),
            api_key: Some("sk-very-secret".into()),
            timeout: Duration::from_secs(1),
            structured_output: true,
            prompt: PromptSettings {
                model: "m".into(),
                max_tokens: 1,
                temperature: 0.0,
                send_identities: false,
                system_prompt: None,
            },
        };
        assert!(!format!("{settings:?}").contains("sk-very-secret"));
    }
}
