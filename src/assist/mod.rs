//! The assistant: any server that speaks OpenAI's chat-completions API (llama.cpp, Ollama,
//! vLLM, a hosted one) summarises the open conversation, suggests a reply and extracts
//! insights. Off unless `[assist]` is configured; the local insight engine never depends on it.
//!
//! The reducer asks with a [`Command`] and hears back [`Update`]s; it never sees HTTP. Here:
//! what is sent ([`prompt`]), the server-sent events decoder ([`sse`]), what a failure means
//! ([`failure`]), the HTTP client
//! ([`client`]), the demo's scripted assistant ([`demo`]) and the task that runs requests and
//! cancels them ([`runner`]).

pub mod client;
pub mod demo;
pub mod failure;
pub mod prompt;
pub mod runner;
pub mod sse;

pub use self::runner::{AssistHandle, spawn};
pub use crate::contract::assist::Failure;

pub use crate::contract::assist::{Command, MAX_ANSWER_BYTES, Request, Task, Update, UpdateKind};
