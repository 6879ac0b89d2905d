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
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{clip_chars, prefix_within, sanitize};

/// How far back an unfinished escape sequence is looked for (real ones are a few bytes; an
/// OSC title can be longer).
const ESCAPE_REACH: usize = 256;

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
            .redirect(crate::providers::kit::http::same_origin_redirects())
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
            held: String::new(),
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
        sink.flush().await;
        let kind = match outcome {
            Ok(()) => UpdateKind::Done,
            Err(failure) => {
                let failure = match &self.settings.api_key {
                    Some(key) => failure.scrub(key),
                    None => failure,
                };
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
        let transport = |err| self.transport(err);
        let mut response = builder.send().await.map_err(&transport)?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            let body = read_error_body(&mut response).await;
            return Err(failure::classify(status.as_u16(), retry_after, &body));
        }
        let streamed = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if streamed {
            read_stream(response, sink, transport).await
        } else {
            read_whole(response, sink, transport).await
        }
    }

    /// A transport error, saying where and how long.
    fn transport(&self, err: reqwest::Error) -> Failure {
        if err.is_timeout() {
            return Failure::TimedOut(self.settings.timeout.as_secs());
        }
        let why = crate::providers::kit::http::root_cause(&err);
        Failure::Unreachable(format!("{why} ({})", self.url))
    }
}

/// Where the answer goes, counting what was sent.
struct Sink<'a> {
    out: &'a mpsc::Sender<Update>,
    id: u64,
    conversation: &'a crate::model::ConversationKey,
    bytes: usize,
    /// The answer's last grapheme cluster, held until the next piece: marks that continue it
    /// may still arrive, and they are capped per cluster only when seen together.
    held: String,
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

    /// Takes a piece of the answer; fails once the answer is too long.
    async fn text(&mut self, text: &str) -> Result<(), Failure> {
        let room = MAX_ANSWER_BYTES.saturating_sub(self.bytes + self.held.len());
        let fits = prefix_within(text, room);
        self.held.push_str(fits);
        let mut last = self
            .held
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(start, _)| start);
        // An escape sequence may also go on in the next piece: held from its start, it is
        // dropped whole when complete instead of leaving its last letters behind.
        let recent = self.held.len().saturating_sub(ESCAPE_REACH);
        if let Some((start, _)) = self.held[..]
            .char_indices()
            .rev()
            .take_while(|(i, _)| *i >= recent)
            .find(|(_, c)| matches!(c, '\u{1b}' | '\u{90}' | '\u{98}' | '\u{9b}'..='\u{9f}'))
        {
            last = last.min(start);
        }
        if last > 0 {
            let ready: String = self.held.drain(..last).collect();
            self.emit(&ready).await;
        }
        if fits.len() < text.len() {
            return Err(Failure::TooLong);
        }
        Ok(())
    }

    /// Sends what is held (the answer ended).
    async fn flush(&mut self) {
        let rest = std::mem::take(&mut self.held);
        self.emit(&rest).await;
    }

    async fn emit(&mut self, raw: &str) {
        self.bytes += raw.len();
        let clean = sanitize(raw);
        if !clean.is_empty() {
            self.send(UpdateKind::Delta(clean)).await;
        }
    }
}

/// What one chat-completion chunk (or whole answer) says.
enum Said {
    /// The end of the stream.
    Done,
    /// Text, and whether the model finished.
    Text { text: String, finished: bool },
}

/// Reads one `data:` payload: `[DONE]`, an error, or a chunk with text and a finish reason.
fn read_event(data: &str) -> Result<Said, Failure> {
    if data.trim() == "[DONE]" {
        return Ok(Said::Done);
    }
    let chunk: Value = serde_json::from_str(data).map_err(|_| {
        Failure::Malformed(format!(
            "a chunk is not JSON: {}",
            crate::text::sanitize_line(&clip_chars(data, 80))
        ))
    })?;
    if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
        return Err(failure::classify_in_stream(error));
    }
    let choice = chunk.get("choices").and_then(|c| c.get(0));
    // A usage chunk has no choices; a first chunk may carry only the role, content null.
    let piece = choice
        .and_then(|c| c.get("delta").or_else(|| c.get("message")))
        .filter(|d| d.is_object());
    if let Some(refusal) = piece
        .and_then(|d| d.get("refusal"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        return Err(Failure::Declined(crate::text::sanitize_line(&clip_chars(
            refusal, 200,
        ))));
    }
    let text = piece
        .and_then(|d| d.get("content"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let finished = match choice
        .and_then(|c| c.get("finish_reason"))
        .and_then(Value::as_str)
    {
        None => false,
        Some("length") => return Err(Failure::HitMaxTokens),
        Some("content_filter") => {
            return Err(Failure::Declined("the server's content filter".into()));
        }
        Some(_) => true,
    };
    Ok(Said::Text { text, finished })
}

/// Feeds the events of `data` payloads to the sink; `Ok(true)` once the answer is complete.
async fn take_events(events: Vec<String>, sink: &mut Sink<'_>) -> Result<bool, Failure> {
    let mut finished = false;
    for data in events {
        match read_event(&data) {
            Ok(Said::Done) => return Ok(true),
            Ok(Said::Text {
                text,
                finished: last,
            }) => {
                // The finishing chunk may still carry text (vLLM).
                sink.text(&text).await?;
                finished |= last;
            }
            Err(failure) => {
                // What arrived before the model stopped stays shown.
                return Err(failure);
            }
        }
    }
    Ok(finished)
}

async fn read_stream(
    mut response: reqwest::Response,
    sink: &mut Sink<'_>,
    transport: impl Fn(reqwest::Error) -> Failure,
) -> Result<(), Failure> {
    let mut decoder = Decoder::default();
    let mut finished = false;
    loop {
        let chunk = response.chunk().await.map_err(&transport)?;
        let events = match &chunk {
            Some(bytes) => decoder.push(bytes),
            None => Ok(decoder.finish().into_iter().collect()),
        }
        .map_err(|_| Failure::Malformed("an event of the stream never ended".to_string()))?;
        let last = events.last().is_some_and(|data| data.trim() == "[DONE]");
        finished |= take_events(events, sink).await?;
        if last {
            return Ok(());
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

/// A server that did not say it streams: one chat-completion object, or (a proxy that lost
/// the content type) the event stream itself.
async fn read_whole(
    mut response: reqwest::Response,
    sink: &mut Sink<'_>,
    transport: impl Fn(reqwest::Error) -> Failure,
) -> Result<(), Failure> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(&transport)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES * 4 {
            return Err(Failure::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    if body.trim_ascii_start().starts_with(b"data:") {
        let mut decoder = Decoder::default();
        let mut events = decoder
            .push(&body)
            .map_err(|_| Failure::Malformed("an event of the stream never ended".to_string()))?;
        events.extend(decoder.finish());
        take_events(events, sink).await?;
        return Ok(());
    }
    let text = String::from_utf8_lossy(&body);
    match read_event(&text)? {
        Said::Text { text, .. } if !text.is_empty() => sink.text(&text).await,
        _ => Err(Failure::Malformed(
            "the answer has no choices[0].message.content".into(),
        )),
    }
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

/// `Retry-After` in seconds (`retry-after-ms` as OpenAI also sends, rounded up); an HTTP date
/// is read as "later".
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    number("retry-after")
        .map(|secs| secs.ceil() as u64)
        .or_else(|| number("retry-after-ms").map(|ms| (ms / 1000.0).ceil() as u64))
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
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after-ms", "1500".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(2));
        headers.insert("retry-after", "30".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(30));
        headers.insert(
            "retry-after",
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().expect("h"),
        );
        assert_eq!(retry_after(&headers), Some(2));
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
