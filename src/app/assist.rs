//! The assistant's answers per conversation: a summary streaming into the insights pane, a
//! suggested reply streaming into the composer (never sent by itself), and insights shown in
//! the pane in place of the local engine's while the user wants them.
//!
//! Rules: one request at a time per conversation; leaving the conversation or Esc cancels it;
//! an answer remembers the last message it saw, so a newer message marks it stale and asking
//! again is not wasted on a conversation that did not change. When the conversation does not
//! fit the model's context, the request is repeated with half the messages, and the user told.

use std::collections::HashMap;

use super::status::NoticeLevel;
use super::view::Focus;
use super::{App, Effect};
use crate::assist::{Command, Failure, MAX_ANSWER_BYTES, Request, Task, Update, UpdateKind};
use crate::insights::{ConversationInsights, InsightSource};
use crate::model::{ConversationKey, DeliveryStatus, Message};
use crate::text::sanitize;

/// The fewest messages worth asking about after the context overflowed.
const MIN_MESSAGES: usize = 4;

#[derive(Clone, Debug, Default)]
pub struct AssistState {
    /// An assistant is configured; without one the keys say how to set it up.
    pub enabled: bool,
    /// The model's name, shown with its answers.
    pub model: String,
    /// The most recent messages one request carries.
    pub max_messages: usize,
    next_id: u64,
    entries: HashMap<ConversationKey, AssistEntry>,
}

/// What the assistant said about one conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssistEntry {
    pub summary: Option<Answer>,
    pub insights: Option<Found>,
    /// The pane shows the assistant's insights instead of the local engine's.
    pub showing_insights: bool,
    /// Why the last request for insights or a reply failed (the summary keeps its own).
    pub failure: Option<String>,
    pub running: Option<Running>,
}

/// A text answer (the summary), whole or arriving.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub text: String,
    /// The last message the assistant saw.
    pub seen: Option<String>,
    /// How many messages it was given.
    pub messages: usize,
    pub state: AnswerState,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AnswerState {
    Writing,
    Done,
    /// Cancelled or failed; what arrived is kept.
    Stopped(String),
}

/// The assistant's insights and the last message they saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub insights: ConversationInsights,
    pub seen: Option<String>,
}

/// The request in flight for a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub id: u64,
    pub task: Task,
    seen: Option<String>,
    /// The ids of the messages sent, oldest first (the answer's `[n]` refer to them).
    ids: Vec<String>,
    /// The answer so far (insights are read once it is complete).
    buffer: String,
}

impl AssistState {
    pub fn entry(&self, key: &ConversationKey) -> Option<&AssistEntry> {
        self.entries.get(key)
    }

    /// The name answers are shown under.
    pub fn source(&self) -> InsightSource {
        InsightSource::Remote(format!("AI · {}", self.model))
    }
}

/// The messages an assistant may read: what reached the platform (a local echo is about to
/// change its id; a failed send never reached the customer).
fn readable(message: &Message) -> bool {
    !matches!(
        message.status,
        DeliveryStatus::Pending | DeliveryStatus::Failed
    )
}

/// The last readable message of the conversation, which answers remember to tell staleness.
pub fn last_seen(app: &App, key: &ConversationKey) -> Option<String> {
    let entry = app.inbox.get(key)?;
    entry
        .thread
        .messages()
        .iter()
        .rev()
        .find(|m| readable(m))
        .map(|m| m.id.clone())
}

/// Whether a newer message arrived since the answer that saw `seen`.
pub fn is_stale(app: &App, key: &ConversationKey, seen: &Option<String>) -> bool {
    last_seen(app, key) != *seen
}

/// The user asked for `task` on the open conversation.
pub(super) fn ask(app: &mut App, task: Task, effects: &mut Vec<Effect>) {
    if !app.assist.enabled {
        return notice(
            app,
            NoticeLevel::Info,
            "No assistant configured: add an [assist] section to the config (README, \"AI assist\")",
        );
    }
    let Some(key) = app.view.open.clone() else {
        return notice(app, NoticeLevel::Info, "Open a conversation first");
    };
    if let Some(running) = app.assist.entry(&key).and_then(|e| e.running.as_ref()) {
        let text = format!(
            "The assistant is still writing the {}: Esc stops it",
            running.task.label()
        );
        return notice(app, NoticeLevel::Info, &text);
    }
    if last_seen(app, &key).is_none() {
        return notice(app, NoticeLevel::Info, "Nothing to ask about yet");
    }
    let entry = app.assist.entries.entry(key.clone()).or_default().clone();
    match task {
        Task::Summary => {
            app.view.insights_visible = true;
            if let Some(summary) = &entry.summary
                && summary.state == AnswerState::Done
                && !is_stale(app, &key, &summary.seen)
            {
                return notice(app, NoticeLevel::Info, "The summary is up to date");
            }
        }
        Task::Insights => {
            if entry.showing_insights {
                set_showing(app, &key, false);
                return notice(
                    app,
                    NoticeLevel::Info,
                    "Showing the local engine's insights",
                );
            }
            app.view.insights_visible = true;
            if let Some(found) = &entry.insights
                && !is_stale(app, &key, &found.seen)
            {
                set_showing(app, &key, true);
                return;
            }
        }
        Task::Reply => {
            if !app.view.composer.is_blank() {
                return notice(
                    app,
                    NoticeLevel::Info,
                    "The composer holds a draft: send or clear it (Ctrl+U) to get a suggestion",
                );
            }
            app.view.focus = Focus::Composer;
        }
    }
    let limit = app.assist.max_messages.max(1);
    start(app, key, task, limit, effects);
}

fn set_showing(app: &mut App, key: &ConversationKey, showing: bool) {
    if let Some(entry) = app.assist.entries.get_mut(key) {
        entry.showing_insights = showing;
    }
    app.view.insights_selected = 0;
}

/// Sends the last `limit` readable messages of `key` with `task`.
fn start(app: &mut App, key: ConversationKey, task: Task, limit: usize, effects: &mut Vec<Effect>) {
    let Some(conversation) = app.inbox.get(&key) else {
        return;
    };
    let mut messages: Vec<Message> = conversation
        .thread
        .messages()
        .iter()
        .rev()
        .filter(|m| readable(m))
        .take(limit)
        .cloned()
        .collect();
    messages.reverse();
    let seen = messages.last().map(|m| m.id.clone());
    app.assist.next_id += 1;
    let request = Request {
        id: app.assist.next_id,
        conversation: key.clone(),
        task,
        channel: conversation.info.channel.clone(),
        contact: conversation.info.contact.clone(),
        messages,
    };
    let entry = app.assist.entries.entry(key).or_default();
    entry.failure = None;
    if task == Task::Summary {
        entry.summary = Some(Answer {
            text: String::new(),
            seen: seen.clone(),
            messages: request.messages.len(),
            state: AnswerState::Writing,
        });
    }
    entry.running = Some(Running {
        id: request.id,
        task,
        seen,
        ids: request.messages.iter().map(|m| m.id.clone()).collect(),
        buffer: String::new(),
    });
    effects.push(Effect::Assist(Command::Start(request)));
    app.touch();
}

/// News from the assistant. Updates of a request that was cancelled are dropped.
pub(super) fn update(app: &mut App, update: Update, effects: &mut Vec<Effect>) {
    let key = update.conversation;
    let Some(entry) = app.assist.entries.get_mut(&key) else {
        return;
    };
    let Some(running) = entry.running.as_mut().filter(|r| r.id == update.id) else {
        return;
    };
    let task = running.task;
    match update.kind {
        UpdateKind::Delta(text) => {
            let text = sanitize(&text);
            let room = MAX_ANSWER_BYTES.saturating_sub(running.buffer.len());
            let text = cut(&text, room);
            running.buffer.push_str(text);
            match task {
                Task::Summary => {
                    if let Some(summary) = &mut entry.summary {
                        summary.text.push_str(text);
                    }
                }
                Task::Reply if app.view.open.as_ref() == Some(&key) => {
                    app.view.composer.append(text);
                }
                Task::Reply | Task::Insights => {}
            }
        }
        UpdateKind::Done => {
            let Some(running) = entry.running.take() else {
                return;
            };
            finished(app, &key, running);
        }
        UpdateKind::Failed(failure) => {
            let Some(running) = entry.running.take() else {
                return;
            };
            failed(app, key, running, failure, effects);
        }
    }
    app.touch();
}

fn finished(app: &mut App, key: &ConversationKey, running: Running) {
    let source = app.assist.source();
    match running.task {
        Task::Summary => {
            if let Some(summary) = app
                .assist
                .entries
                .get_mut(key)
                .and_then(|e| e.summary.as_mut())
            {
                summary.text = summary.text.trim().to_string();
                summary.state = AnswerState::Done;
            }
        }
        Task::Reply => {
            let text = app.view.composer.text().trim_end().to_string();
            if app.view.open.as_ref() == Some(key) && text.is_empty() {
                notice(app, NoticeLevel::Info, "The assistant suggested nothing");
            } else {
                notice(
                    app,
                    NoticeLevel::Info,
                    "Suggested reply in the composer: edit it, Enter sends it",
                );
            }
        }
        Task::Insights => {
            match crate::assist::answer::insights(&running.buffer, &running.ids, source) {
                Ok(insights) => {
                    let entry = app.assist.entries.entry(key.clone()).or_default();
                    entry.insights = Some(Found {
                        insights,
                        seen: running.seen,
                    });
                    entry.showing_insights = true;
                    app.view.insights_selected = 0;
                }
                Err(why) => {
                    let text = format!("The assistant's insights could not be read: {why}");
                    if let Some(entry) = app.assist.entries.get_mut(key) {
                        entry.failure = Some(text.clone());
                    }
                    notice(app, NoticeLevel::Error, &text);
                }
            }
        }
    }
}

fn failed(
    app: &mut App,
    key: ConversationKey,
    running: Running,
    failure: Failure,
    effects: &mut Vec<Effect>,
) {
    let sent = running.ids.len();
    if let Failure::ContextTooLong(_) = failure
        && sent > MIN_MESSAGES
    {
        let fewer = (sent / 2).max(MIN_MESSAGES);
        let text = format!(
            "The conversation is too long for the model's context: asking again with the last {fewer} messages"
        );
        notice(app, NoticeLevel::Info, &text);
        return start(app, key, running.task, fewer, effects);
    }
    let why = failure.describe();
    if running.task != Task::Summary
        && let Some(entry) = app.assist.entries.get_mut(&key)
    {
        entry.failure = Some(why.clone());
    }
    if let Some(summary) = app
        .assist
        .entries
        .get_mut(&key)
        .and_then(|e| e.summary.as_mut())
        .filter(|_| running.task == Task::Summary)
    {
        summary.state = AnswerState::Stopped(why.clone());
    }
    notice(app, NoticeLevel::Error, &why);
}

/// Esc: stops the open conversation's request. Returns whether there was one.
pub(super) fn cancel_open(app: &mut App, effects: &mut Vec<Effect>) -> bool {
    let Some(key) = app.view.open.clone() else {
        return false;
    };
    let stopped = cancel(app, &key, "stopped", effects);
    if stopped {
        notice(app, NoticeLevel::Info, "Stopped the assistant");
    }
    stopped
}

/// The user left `key`: its request is cancelled (its answer would land out of sight).
pub(super) fn left(app: &mut App, key: &ConversationKey, effects: &mut Vec<Effect>) {
    cancel(app, key, "stopped when you left the conversation", effects);
}

fn cancel(app: &mut App, key: &ConversationKey, why: &str, effects: &mut Vec<Effect>) -> bool {
    let Some(entry) = app.assist.entries.get_mut(key) else {
        return false;
    };
    let Some(running) = entry.running.take() else {
        return false;
    };
    if running.task == Task::Summary
        && let Some(summary) = &mut entry.summary
    {
        summary.state = AnswerState::Stopped(why.to_string());
    }
    effects.push(Effect::Assist(Command::Cancel(running.id)));
    app.touch();
    true
}

/// Whether a suggested reply is still streaming into the open conversation's composer.
pub fn reply_arriving(app: &App) -> bool {
    app.view
        .open
        .as_ref()
        .and_then(|key| app.assist.entry(key))
        .and_then(|entry| entry.running.as_ref())
        .is_some_and(|running| running.task == Task::Reply)
}

/// The insights the pane shows for `key` when the user asked for the assistant's.
pub fn shown_insights<'a>(app: &'a App, key: &ConversationKey) -> Option<&'a Found> {
    let entry = app.assist.entry(key)?;
    entry.insights.as_ref().filter(|_| entry.showing_insights)
}

fn notice(app: &mut App, level: NoticeLevel, text: &str) {
    app.status.notify(level, text.to_string(), app.now);
}

/// The longest prefix of `text` within `bytes`, on a character boundary.
fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
