//! The assistant's answers per conversation: a summary streaming into the insights pane, a
//! suggested reply streaming into the composer (never sent by itself), and insights shown in
//! the pane in place of the local engine's while the user wants them.
//!
//! Rules: one request at a time per conversation; leaving the conversation or Esc cancels it,
//! and so does typing into a suggestion (the agent takes over); an answer remembers the last
//! message it saw, so a newer message marks it stale and asking again is not wasted on a
//! conversation that did not change. When the conversation does not fit the model's context,
//! the request is repeated with half the messages, and the user told.

use std::collections::HashMap;

use super::keys::{Action, KeyContext};
use super::status::NoticeLevel;
use super::{App, Effect};
use crate::contract::assist::{
    Command, Failure, MAX_ANSWER_BYTES, Request, Task, Update, UpdateKind,
};
use crate::insights::{ConversationInsights, InsightSource};
use crate::model::{ConversationKey, DeliveryStatus, Message};
use crate::text::{prefix_within, sanitize};

/// The fewest messages worth asking about after the context overflowed.
const MIN_MESSAGES: usize = 4;

#[derive(Clone, Debug, Default)]
pub struct AssistState {
    /// An assistant is running; without one the keys say why.
    pub enabled: bool,
    /// Why the configured assistant did not start (an unset key variable…).
    pub unavailable: Option<String>,
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
    /// A suggested reply that stopped midway, as it was left in the composer: the composer
    /// says so while its text is still exactly this.
    pub incomplete_reply: Option<String>,
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
    /// The ids of the messages sent, oldest first (the answer's `[n]` refer to them; the last
    /// is the newest message the answer will have seen).
    ids: Vec<String>,
    /// The answer so far.
    buffer: String,
}

impl Running {
    fn seen(&self) -> Option<String> {
        self.ids.last().cloned()
    }
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
/// What the assistant may read: what was said with the customer and got through. Private
/// notes stay in the team: the assistant's server is another party, and a suggested reply
/// must not be written from them.
fn readable(message: &Message) -> bool {
    message.direction != crate::model::Direction::Note
        && !matches!(
            message.status,
            DeliveryStatus::Pending | DeliveryStatus::Failed
        )
}

/// The last readable message of the conversation, which answers remember to tell staleness.
pub fn last_seen(app: &App, key: &ConversationKey) -> Option<String> {
    let entry = app.inbox.get(key)?;
    entry.thread.newest(readable).map(|m| m.id.clone())
}

/// Whether a newer message arrived since the answer that saw `seen`.
pub fn is_stale(app: &App, key: &ConversationKey, seen: &Option<String>) -> bool {
    last_seen(app, key) != *seen
}

/// The user asked for `task` on the open conversation.
pub(super) fn ask(app: &mut App, task: Task, effects: &mut Vec<Effect>) {
    if !app.assist.enabled {
        let text = match &app.assist.unavailable {
            Some(why) => format!("The assistant did not start: {why}"),
            None => "No assistant configured: add an [assist] section to the config (README, \"AI assist\")".to_string(),
        };
        return notice(app, NoticeLevel::Info, &text);
    }
    let Some(key) = app.view.open.clone() else {
        return notice(app, NoticeLevel::Info, "Open a conversation first");
    };
    let entry = app.assist.entries.entry(key.clone()).or_default();
    if let Some(running) = &entry.running {
        let text = format!(
            "The assistant is still writing the {}: {} stops it",
            running.task.label(),
            super::input::key_label(app, KeyContext::Browse, Action::Back)
        );
        return notice(app, NoticeLevel::Info, &text);
    }
    let summary_seen = entry
        .summary
        .as_ref()
        .filter(|s| s.state == AnswerState::Done)
        .map(|s| s.seen.clone());
    let insights_seen = entry.insights.as_ref().map(|found| found.seen.clone());
    let showing = entry.showing_insights;
    let Some(newest) = last_seen(app, &key) else {
        return notice(app, NoticeLevel::Info, "Nothing to ask about yet");
    };
    let fresh = |seen: &Option<Option<String>>| seen.as_ref() == Some(&Some(newest.clone()));
    match task {
        Task::Summary => {
            app.view.insights_visible = Some(true);
            if fresh(&summary_seen) {
                return notice(app, NoticeLevel::Info, "The summary is up to date");
            }
        }
        Task::Insights => {
            app.view.insights_visible = Some(true);
            match (showing, fresh(&insights_seen)) {
                (true, true) => {
                    set_showing(app, &key, false);
                    return notice(
                        app,
                        NoticeLevel::Info,
                        "Showing the local engine's insights",
                    );
                }
                (false, true) => return set_showing(app, &key, true),
                // Missing or stale: asked again.
                (_, false) => {}
            }
        }
        // The focus stays where it is: keys meant for the panes must not land in a draft
        // that Enter would send. `i` goes into the composer to edit the suggestion.
        Task::Reply => {
            if !app.view.composer.is_blank() {
                return notice(
                    app,
                    NoticeLevel::Info,
                    &format!(
                        "The composer holds a draft: send or clear it ({}) to get a suggestion",
                        super::input::key_label(app, KeyContext::Compose, Action::ClearLine)
                    ),
                );
            }
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
    app.assist.next_id += 1;
    let request = Request {
        id: app.assist.next_id,
        conversation: key.clone(),
        task,
        channel: conversation.info.channel.clone(),
        contact: conversation.info.contact.clone(),
        messages,
    };
    let running = Running {
        id: request.id,
        task,
        ids: request.messages.iter().map(|m| m.id.clone()).collect(),
        buffer: String::new(),
    };
    let text = format!(
        "Asking {} for the {} ({} messages)…",
        app.assist.model,
        task.label(),
        running.ids.len()
    );
    let entry = app.assist.entries.entry(key).or_default();
    entry.failure = None;
    entry.incomplete_reply = None;
    if task == Task::Summary {
        entry.summary = Some(Answer {
            text: String::new(),
            seen: running.seen(),
            messages: running.ids.len(),
            state: AnswerState::Writing,
        });
    }
    entry.running = Some(running);
    effects.push(Effect::Assist(Command::Start(request)));
    notice(app, NoticeLevel::Info, &text);
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
            let mut text =
                prefix_within(&text, MAX_ANSWER_BYTES.saturating_sub(running.buffer.len()));
            if running.buffer.is_empty() {
                // Models often open with a blank line; a draft should not.
                text = text.trim_start();
            }
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
    let seen = running.seen();
    let Some(entry) = app.assist.entries.get_mut(key) else {
        return;
    };
    match running.task {
        Task::Summary => {
            if let Some(summary) = &mut entry.summary {
                summary.text = summary.text.trim().to_string();
                summary.state = AnswerState::Done;
            }
            notice(app, NoticeLevel::Info, "Summary ready");
        }
        Task::Reply => {
            let text = if running.buffer.trim().is_empty() {
                "The assistant suggested nothing".to_string()
            } else {
                format!(
                    "Suggested reply in the composer: {} to edit it, then {} sends it",
                    super::input::key_label(app, KeyContext::Browse, Action::Compose),
                    super::input::key_label(app, KeyContext::Compose, Action::Activate)
                )
            };
            notice(app, NoticeLevel::Info, &text);
        }
        Task::Insights => {
            match crate::insights::answer::insights(&running.buffer, &running.ids, source) {
                Ok(insights) => {
                    entry.insights = Some(Found { insights, seen });
                    entry.showing_insights = true;
                    app.view.insights_selected = 0;
                    let text = format!(
                        "The assistant's insights are in the pane ({}: back to local)",
                        super::input::key_label(app, KeyContext::Browse, Action::AssistInsights)
                    );
                    notice(app, NoticeLevel::Info, &text);
                }
                Err(why) => {
                    let text = format!("The assistant's insights could not be read: {why}");
                    entry.failure = Some(text.clone());
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
        && running.buffer.is_empty()
    {
        let fewer = (sent / 2).max(MIN_MESSAGES);
        start(app, key, running.task, fewer, effects);
        let text = format!(
            "The conversation is too long for the model's context: asking again with the last {fewer} messages"
        );
        return notice(app, NoticeLevel::Info, &text);
    }
    let why = failure.describe();
    stopped(app, &key, &running, &why);
    notice(app, NoticeLevel::Error, &why);
}

/// Records where a request ended early: the summary's state, the failure for the pane, and
/// a suggestion left midway in the composer.
fn stopped(app: &mut App, key: &ConversationKey, running: &Running, why: &str) {
    let open = app.view.open.as_ref() == Some(key);
    let composer = app.view.composer.text().to_string();
    let Some(entry) = app.assist.entries.get_mut(key) else {
        return;
    };
    match running.task {
        Task::Summary => {
            if let Some(summary) = &mut entry.summary {
                summary.state = AnswerState::Stopped(why.to_string());
            }
        }
        Task::Insights | Task::Reply => {
            entry.failure = Some(format!("{} failed: {why}", running.task.label()));
            if running.task == Task::Reply && open && !running.buffer.is_empty() {
                entry.incomplete_reply = Some(composer);
            }
        }
    }
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

/// The agent edits a suggestion that is still arriving: it is theirs now, and stops.
pub(super) fn take_over(app: &mut App, effects: &mut Vec<Effect>) {
    if reply_arriving(app) && cancel_open(app, effects) {
        notice(
            app,
            NoticeLevel::Info,
            "Suggestion stopped: the draft is yours to edit",
        );
    }
}

/// The user left `key` (its draft already put aside): its request is cancelled, and a
/// suggestion that was still arriving is dropped rather than kept as a half-written draft.
pub(super) fn left(app: &mut App, key: &ConversationKey, effects: &mut Vec<Effect>) {
    let partial = app
        .assist
        .entry(key)
        .and_then(|e| e.running.as_ref())
        .filter(|r| r.task == Task::Reply)
        .map(|r| r.buffer.trim_end().to_string());
    if !cancel(app, key, "stopped when you left the conversation", effects) {
        return;
    }
    if let Some(partial) = partial
        && app
            .view
            .drafts
            .get(key)
            .is_some_and(|draft| draft.text().trim_end() == partial)
    {
        app.view.drafts.remove(key);
        if let Some(entry) = app.assist.entries.get_mut(key) {
            entry.incomplete_reply = None;
        }
        notice(
            app,
            NoticeLevel::Info,
            "The suggestion stopped when you left; its half-written draft was dropped",
        );
    }
}

fn cancel(app: &mut App, key: &ConversationKey, why: &str, effects: &mut Vec<Effect>) -> bool {
    let Some(running) = app
        .assist
        .entries
        .get_mut(key)
        .and_then(|entry| entry.running.take())
    else {
        return false;
    };
    stopped(app, key, &running, why);
    effects.push(Effect::Assist(Command::Cancel(running.id)));
    app.touch();
    true
}

/// Whether a suggested reply is still streaming into the open conversation's composer.
pub fn reply_arriving(app: &App) -> bool {
    open_entry(app)
        .and_then(|entry| entry.running.as_ref())
        .is_some_and(|running| running.task == Task::Reply)
}

/// Whether the composer holds a suggestion that stopped midway, untouched since.
pub fn reply_incomplete(app: &App) -> bool {
    open_entry(app)
        .and_then(|entry| entry.incomplete_reply.as_deref())
        .is_some_and(|text| !text.is_empty() && text == app.view.composer.text())
}

fn open_entry(app: &App) -> Option<&AssistEntry> {
    app.view.open.as_ref().and_then(|key| app.assist.entry(key))
}

/// The insights the pane shows for `key` when the user asked for the assistant's.
pub fn shown_insights<'a>(app: &'a App, key: &ConversationKey) -> Option<&'a Found> {
    let entry = app.assist.entry(key)?;
    entry.insights.as_ref().filter(|_| entry.showing_insights)
}

fn notice(app: &mut App, level: NoticeLevel, text: &str) {
    app.status.notify(level, text.to_string(), app.now);
    app.touch();
}
