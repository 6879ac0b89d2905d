//! What went wrong with a request, in words an agent can act on. Servers word errors
//! differently: OpenAI and llama.cpp send `{"error": {"message", "type", "code"}}`, Ollama's
//! OpenAI layer the same with `type: "api_error"`, vLLM `{"object": "error", "message", …}`,
//! and proxies plain text; [`classify`] reads all of them.

use serde_json::Value;

use crate::text::{clip_chars, sanitize_line};

/// The longest server message quoted on screen.
const MAX_QUOTED: usize = 200;

pub use crate::contract::assist::Failure;

/// The failure an HTTP error answer means.
pub fn classify(status: u16, retry_after_secs: Option<u64>, body: &str) -> Failure {
    let error = ErrorBody::read(body);
    classify_read(status, retry_after_secs, error)
}

fn classify_read(status: u16, retry_after_secs: Option<u64>, error: ErrorBody) -> Failure {
    let message = error.message.clone();
    // Statuses that say what is wrong come first: a 429 about "too many tokens" per minute is
    // a rate limit, not a context overflow worth asking again with fewer messages.
    match status {
        401 | 403 => return Failure::Unauthorized(message),
        429 => {
            return Failure::RateLimited {
                retry_after_secs,
                message,
            };
        }
        _ => {}
    }
    if error.is_context_length() {
        return Failure::ContextTooLong(message);
    }
    match status {
        404 if error.mentions_model() => Failure::ModelNotFound(message),
        // llama.cpp's router answers an unknown model with a 400.
        400 if error.mentions_model() && message.to_lowercase().contains("not found") => {
            Failure::ModelNotFound(message)
        }
        404 => Failure::NoEndpoint(message),
        _ => Failure::Rejected { status, message },
    }
}

/// An error object sent inside a stream (`data: {"error": {…}}`), as llama.cpp and vLLM do
/// when generation fails after the answer started; its `code`, when a number, is the status.
pub fn classify_in_stream(error: &Value) -> Failure {
    let body = serde_json::json!({ "error": error });
    let status = error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (400..600).contains(code))
        .unwrap_or(500);
    classify_read(status, None, ErrorBody::from_value(&body))
}

/// Whether a refusal is about `response_format`: the server does not do structured output,
/// and the request is worth repeating without it.
pub fn refuses_structured_output(failure: &Failure) -> bool {
    match failure {
        Failure::Rejected { status, message } if (400..500).contains(status) => {
            let message = message.to_lowercase();
            ["response_format", "json_schema", "grammar", "structured"]
                .iter()
                .any(|word| message.contains(word))
        }
        _ => false,
    }
}

/// The parts of an error body every server dialect has in some form.
struct ErrorBody {
    message: String,
    kind: String,
    code: String,
}

impl ErrorBody {
    fn read(body: &str) -> Self {
        match serde_json::from_str::<Value>(body) {
            Ok(value) => Self::from_value(&value),
            Err(_) => Self {
                message: quote(body),
                kind: String::new(),
                code: String::new(),
            },
        }
    }

    fn from_value(value: &Value) -> Self {
        // `{"error": {...}}` (OpenAI, llama.cpp, Ollama's /v1), `{"error": "text"}` (Ollama's
        // native API), or the fields at the top (vLLM's `{"object": "error", ...}`).
        let inner = match value.get("error") {
            Some(Value::String(text)) => {
                return Self {
                    message: quote(text),
                    kind: String::new(),
                    code: String::new(),
                };
            }
            Some(inner @ Value::Object(_)) => inner,
            _ => value,
        };
        let text = |key: &str| match inner.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut message = text("message");
        if message.is_empty() {
            message = text("detail");
        }
        if message.is_empty() {
            message = value.to_string();
        }
        Self {
            message: quote(&message),
            kind: text("type"),
            code: text("code"),
        }
    }

    fn is_context_length(&self) -> bool {
        let message = self.message.to_lowercase();
        self.code == "context_length_exceeded"
            || self.kind == "exceed_context_size_error"
            || [
                "context length",
                "context_length",
                "context window",
                "context size",
                "maximum context",
                "prompt is too long",
                "too many tokens",
            ]
            .iter()
            .any(|phrase| message.contains(phrase))
    }

    fn mentions_model(&self) -> bool {
        self.code == "model_not_found" || self.message.to_lowercase().contains("model")
    }
}

/// A server's words, safe and short enough for one status line.
fn quote(text: &str) -> String {
    let line = sanitize_line(text.trim());
    if line.is_empty() {
        return "no details given".to_string();
    }
    clip_chars(&line, MAX_QUOTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_of_a_context_error_is_recognised() {
        let openai = r#"{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
        let llama = r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":4096}}"#;
        let vllm = r#"{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","param":null,"code":400}"#;
        for body in [openai, llama, vllm] {
            assert!(
                matches!(classify(400, None, body), Failure::ContextTooLong(_)),
                "{body}"
            );
        }
    }

    #[test]
    fn statuses_map_to_what_the_user_must_fix() {
        let ollama = r#"{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error","param":null,"code":null}}"#;
        assert!(matches!(
            classify(404, None, ollama),
            Failure::ModelNotFound(m) if m.contains("llama9")
        ));
        assert!(matches!(
            classify(404, None, "404 page not found"),
            Failure::NoEndpoint(_)
        ));
        assert!(matches!(
            classify(401, None, r#"{"error":{"message":"Incorrect API key provided"}}"#),
            Failure::Unauthorized(m) if m == "Incorrect API key provided"
        ));
        assert_eq!(
            classify(429, Some(7), "{}").describe(),
            "assistant is rate limited: try again in 7 s"
        );
        assert!(matches!(
            classify(500, None, r#"{"error":"boom"}"#),
            Failure::Rejected { status: 500, message } if message == "boom"
        ));
    }

    #[test]
    fn hostile_error_text_is_neutralised_and_short() {
        let body = format!("\u{1b}]0;pwned\u{7}{}", "x".repeat(5000));
        let Failure::Rejected { message, .. } = classify(500, None, &body) else {
            panic!("expected a rejection");
        };
        assert!(!message.contains('\u{1b}'));
        assert!(message.chars().count() <= MAX_QUOTED + 1);
    }

    #[test]
    fn a_refused_response_format_is_told_apart() {
        let failure = classify(
            400,
            None,
            r#"{"error":{"message":"Unrecognized request argument supplied: response_format"}}"#,
        );
        assert!(refuses_structured_output(&failure));
        assert!(!refuses_structured_output(&classify(400, None, "{}")));
    }

    #[test]
    fn a_token_rate_limit_is_a_rate_limit_not_a_context_overflow() {
        let body = r#"{"error":{"message":"Rate limit reached: too many tokens per min (TPM)","type":"tokens","code":"rate_limit_exceeded"}}"#;
        assert!(matches!(
            classify(429, Some(3), body),
            Failure::RateLimited {
                retry_after_secs: Some(3),
                ..
            }
        ));
    }

    #[test]
    fn errors_inside_a_stream_use_their_code_as_the_status() {
        let limited = serde_json::json!({"code": 429, "message": "slow down"});
        assert!(matches!(
            classify_in_stream(&limited),
            Failure::RateLimited { .. }
        ));
        let context =
            serde_json::json!({"code": 400, "message": "x", "type": "exceed_context_size_error"});
        assert!(matches!(
            classify_in_stream(&context),
            Failure::ContextTooLong(_)
        ));
        let opaque = serde_json::json!({"message": "boom"});
        assert!(matches!(
            classify_in_stream(&opaque),
            Failure::Rejected { status: 500, .. }
        ));
    }

    #[test]
    fn an_echoed_key_is_masked() {
        let failure = classify(401, None, r#"{"error":{"message":"bad key sk-abc-123"}}"#);
        assert_eq!(
            failure.scrub("sk-abc-123"),
            Failure::Unauthorized("bad key [redacted]".into())
        );
    }
}
