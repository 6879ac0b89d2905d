//! A fake OpenAI-compatible server on 127.0.0.1:0: `POST /v1/chat/completions` answered the way
//! OpenAI, llama.cpp, Ollama and vLLM answer (chunk shapes, keep-alive comments, the usage
//! chunk with no choices, each dialect's error bodies). Each test sets what the next requests
//! get; the server records what it was sent and notices a client that hangs up mid-answer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::server::FakeServer;

/// What the server answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A stream of these pieces, as llama.cpp words it: a role-only first chunk (content
    /// null), a keep-alive comment, the pieces, a finish chunk, a usage chunk, `[DONE]`.
    Stream(Vec<String>),
    /// One chat-completion object (a server that ignores `stream`).
    Whole(String),
    /// An error answer.
    Error {
        status: u16,
        body: String,
        retry_after: Option<String>,
    },
    /// This literal event-stream body.
    Raw(String),
    /// This event-stream body under `application/json` (a proxy that lost the type).
    Unlabelled(String),
    /// The pieces, one every `every`, after waiting `first` (a slow model).
    Slow {
        pieces: Vec<String>,
        first: Duration,
        every: Duration,
    },
    /// A 400 to any request with `response_format` (as OpenAI words it for a model without
    /// structured output), else the stream.
    RefuseSchema(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub authorization: Option<String>,
    pub body: Value,
}

struct Shared {
    answer: Mutex<Answer>,
    seen: Mutex<Vec<Seen>>,
    hung_up: Arc<AtomicBool>,
}

pub struct FakeOpenAi {
    pub base_url: String,
    shared: Arc<Shared>,
    server: FakeServer,
}

impl FakeOpenAi {
    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    pub async fn start(answer: Answer) -> Self {
        let shared = Arc::new(Shared {
            answer: Mutex::new(answer),
            seen: Mutex::new(Vec::new()),
            hung_up: Arc::new(AtomicBool::new(false)),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(Arc::clone(&shared));
        let server = FakeServer::serve(app).await;
        Self {
            base_url: server.url(),
            shared,
            server,
        }
    }

    pub fn answer(&self, answer: Answer) {
        *self.shared.answer.lock().expect("lock") = answer;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("lock").clone()
    }

    /// Whether a client hung up before a slow answer was complete.
    pub fn hung_up(&self) -> bool {
        self.shared.hung_up.load(Ordering::SeqCst)
    }
}

async fn completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let structured = !body["response_format"].is_null();
    shared.seen.lock().expect("lock").push(Seen {
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body,
    });
    let answer = shared.answer.lock().expect("lock").clone();
    match answer {
        Answer::Stream(pieces) => event_stream(stream_body(&pieces)),
        Answer::RefuseSchema(_) if structured => error(
            400,
            r#"{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.","type":"invalid_request_error","param":"response_format","code":null}}"#,
            None,
        ),
        Answer::RefuseSchema(pieces) => event_stream(stream_body(&pieces)),
        Answer::Whole(text) => (
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            })
            .to_string(),
        )
            .into_response(),
        Answer::Error {
            status,
            body,
            retry_after,
        } => error(status, &body, retry_after.as_deref()),
        Answer::Raw(raw) => event_stream(raw),
        Answer::Unlabelled(raw) => ([(header::CONTENT_TYPE, "application/json")], raw).into_response(),
        Answer::Slow {
            pieces,
            first,
            every,
        } => slow(pieces, first, every, Arc::clone(&shared.hung_up)),
    }
}

fn chunk(delta: Value, finish: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {chunk}\n\n")
}

pub fn stream_body(pieces: &[String]) -> String {
    let mut out = chunk(json!({"role": "assistant", "content": null}), Value::Null);
    out.push_str(":\n\n");
    for piece in pieces {
        out.push_str(&chunk(json!({"content": piece}), Value::Null));
    }
    out.push_str(&chunk(json!({}), json!("stop")));
    let usage = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}});
    out.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    out
}

fn event_stream(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn error(status: u16, body: &str, retry_after: Option<&str>) -> Response {
    let mut response = (
        StatusCode::from_u16(status).expect("status"),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, value.parse().expect("header value"));
    }
    response
}

/// Sets its flag when dropped before the answer ended: the client went away.
struct HangUpGuard {
    flag: Arc<AtomicBool>,
    finished: bool,
}

impl Drop for HangUpGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.flag.store(true, Ordering::SeqCst);
        }
    }
}

fn slow(pieces: Vec<String>, first: Duration, every: Duration, flag: Arc<AtomicBool>) -> Response {
    let guard = HangUpGuard {
        flag,
        finished: false,
    };
    let state = (pieces.into_iter(), guard, true);
    let stream =
        futures_util::stream::unfold(state, move |(mut pieces, mut guard, start)| async move {
            tokio::time::sleep(if start { first } else { every }).await;
            match pieces.next() {
                Some(piece) => {
                    let bytes = Bytes::from(chunk(json!({"content": piece}), Value::Null));
                    Some((Ok::<_, std::io::Error>(bytes), (pieces, guard, false)))
                }
                None => {
                    guard.finished = true;
                    drop(guard);
                    None
                }
            }
        });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}
