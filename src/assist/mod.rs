//! The assistant: any server that speaks OpenAI's chat-completions API (llama.cpp, Ollama,
//! vLLM, a hosted one) summarises the open conversation, suggests a reply and extracts
//! insights. Off unless `[assist]` is configured; the local insight engine never depends on it.
//!
//! The reducer asks with a [`Command`] and hears back [`Update`]s; it never sees HTTP. Here:
//! what is sent ([`prompt`]), the server-sent events decoder ([`sse`]), what a failure means
//! ([`failure`]), reading insights out of an answer ([`answer`]), the HTTP client
//! ([`client`]), the demo's scripted assistant ([`demo`]) and the task that runs requests and
//! cancels them ([`runner`]).

pub mod answer;
pub mod client;
pub mod demo;
pub mod failure;
pub mod prompt;
pub mod runner;
pub mod sse;

pub use self::failure::Failure;
pub use self::runner::{AssistHandle, spawn};

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
