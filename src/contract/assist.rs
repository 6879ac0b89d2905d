//! What the reducer and the assistant's task say to each other: the reducer asks with a
//! [`Command`] and hears back [`Update`]s; HTTP stays in `crate::assist`.

use crate::model::{Channel, Contact, ConversationKey, Message};

/// The most text kept from one answer. Summaries and replies are a few hundred words;
/// anything longer is a model gone wrong, not something an agent reads.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024;

/// What the assistant is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// A few sentences on where the conversation stands.
    Summary,
    /// The agent's next reply, streamed into the composer as an editable draft.
    Reply,
    /// Questions, action items, follow-ups and entities, each linked to its message.
    Insights,
}

impl Task {
    pub fn label(self) -> &'static str {
        match self {
            Task::Summary => "summary",
            Task::Reply => "suggested reply",
            Task::Insights => "insights",
        }
    }
}

/// One question to the assistant about one conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Unique per run; updates and cancellations name it.
    pub id: u64,
    pub conversation: ConversationKey,
    pub task: Task,
    pub channel: Channel,
    pub contact: Contact,
    /// The last messages of the thread, oldest first (already cut to what may be sent).
    pub messages: Vec<Message>,
}

/// What the reducer asks of the assistant's runner.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Start(Request),
    /// Stop a request (the user left the conversation or pressed Esc); its updates stop.
    Cancel(u64),
}

/// News about a running request.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub id: u64,
    pub conversation: ConversationKey,
    pub kind: UpdateKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UpdateKind {
    /// More of the answer, already neutralised for the terminal.
    Delta(String),
    /// The answer is complete.
    Done,
    /// The request failed; what arrived before stays.
    Failed(Failure),
}

/// What went wrong with a request, in words an agent can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer at all: refused connection, DNS, TLS, a reset.
    Unreachable(String),
    /// Nothing arrived within the configured timeout (seconds).
    TimedOut(u64),
    /// 401/403: the API key is missing or wrong.
    Unauthorized(String),
    /// 404 naming the model: the server does not have it.
    ModelNotFound(String),
    /// 404 otherwise: no chat-completions endpoint under `base_url`.
    NoEndpoint(String),
    /// 429, with the server's wait when it gave one.
    RateLimited {
        retry_after_secs: Option<u64>,
        message: String,
    },
    /// The conversation does not fit the model's context window.
    ContextTooLong(String),
    /// The answer broke the protocol (a chunk that is not JSON, a stream cut short).
    Malformed(String),
    /// The answer grew past [`MAX_ANSWER_BYTES`].
    TooLong,
    /// The model stopped at `max_tokens` (`finish_reason: "length"`): the answer is cut.
    HitMaxTokens,
    /// The model or the server's filter declined to answer.
    Declined(String),
    /// Any other refusal, with the server's words.
    Rejected { status: u16, message: String },
}

impl Failure {
    /// One line for the status bar and the pane.
    pub fn describe(&self) -> String {
        match self {
            Failure::Unreachable(why) => {
                format!("assistant unreachable: {why}; check [assist] base_url")
            }
            Failure::TimedOut(secs) => {
                format!("assistant silent for {secs} s: timed out ([assist] timeout_secs)")
            }
            Failure::Unauthorized(message) => {
                format!("assistant refused the API key (check api_key_env): {message}")
            }
            Failure::ModelNotFound(message) => {
                format!("assistant has no such model (check [assist] model): {message}")
            }
            Failure::NoEndpoint(message) => format!(
                "no chat-completions endpoint at the assistant's base_url (it should serve /v1/chat/completions): {message}"
            ),
            Failure::RateLimited {
                retry_after_secs: Some(secs),
                ..
            } => format!("assistant is rate limited: try again in {secs} s"),
            Failure::RateLimited { message, .. } => {
                format!("assistant is rate limited: try again later ({message})")
            }
            Failure::ContextTooLong(message) => {
                format!("the conversation is longer than the model's context: {message}")
            }
            Failure::Malformed(why) => format!("the assistant's answer was malformed: {why}"),
            Failure::TooLong => format!(
                "the assistant's answer was cut at {} KB",
                MAX_ANSWER_BYTES / 1024
            ),
            Failure::HitMaxTokens => {
                "the answer was cut at max_tokens: raise [assist] max_tokens".to_string()
            }
            Failure::Declined(why) => format!("the model declined to answer: {why}"),
            Failure::Rejected { status, message } => {
                format!("assistant refused the request (HTTP {status}): {message}")
            }
        }
    }
}

impl Failure {
    /// The same failure with `secret` masked wherever the server's words repeat it (a proxy
    /// may echo the key it was given).
    pub fn scrub(self, secret: &str) -> Failure {
        if secret.is_empty() {
            return self;
        }
        let mask = |text: String| text.replace(secret, "[redacted]");
        match self {
            Failure::Unreachable(m) => Failure::Unreachable(mask(m)),
            Failure::Unauthorized(m) => Failure::Unauthorized(mask(m)),
            Failure::ModelNotFound(m) => Failure::ModelNotFound(mask(m)),
            Failure::NoEndpoint(m) => Failure::NoEndpoint(mask(m)),
            Failure::RateLimited {
                retry_after_secs,
                message,
            } => Failure::RateLimited {
                retry_after_secs,
                message: mask(message),
            },
            Failure::ContextTooLong(m) => Failure::ContextTooLong(mask(m)),
            Failure::Malformed(m) => Failure::Malformed(mask(m)),
            Failure::Declined(m) => Failure::Declined(mask(m)),
            Failure::Rejected { status, message } => Failure::Rejected {
                status,
                message: mask(message),
            },
            other @ (Failure::TimedOut(_) | Failure::TooLong | Failure::HitMaxTokens) => other,
        }
    }
}
