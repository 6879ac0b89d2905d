//! Drafts that outlive the session, and quitting with work unsent. With a local store each
//! conversation's unsent draft is written when the agent leaves the conversation, within a
//! second of a change (a crash loses at most that), and on quit; the start puts them back.
//! Quitting with drafts or replies still on their way says so and asks first.

use super::composer::Composer;
use super::status::NoticeLevel;
use super::{App, Effect};
use crate::contract::store::StoreRequest;
use crate::model::ConversationKey;

/// Writes `text` as the draft of `key` (empty: no draft); `note`: a private note's draft.
pub(super) fn save(
    app: &App,
    key: ConversationKey,
    text: &str,
    note: bool,
    effects: &mut Vec<Effect>,
) {
    if app.settings.store {
        effects.push(Effect::Store(StoreRequest::Draft {
            key,
            text: text.to_string(),
            note,
        }));
    }
}

/// Each tick: the open conversation's draft, when it changed since it was last written.
pub(super) fn save_open_if_changed(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.open.clone() else {
        return;
    };
    if app.view.composer.text() == app.view.draft_saved
        && app.view.noting == app.view.draft_saved_note
    {
        return;
    }
    app.view.draft_saved = app.view.composer.text().to_string();
    app.view.draft_saved_note = app.view.noting;
    save(app, key, &app.view.draft_saved, app.view.noting, effects);
}

/// The drafts the store kept, back with their conversations.
pub(super) fn restore(app: &mut App, drafts: Vec<crate::contract::store::Draft>) {
    for crate::contract::store::Draft { key, text, note } in drafts {
        let mut draft = Composer::default();
        draft.insert(&text);
        if app.view.open.as_ref() == Some(&key) && app.view.composer.is_blank() {
            app.view.draft_saved = text;
            app.view.draft_saved_note = note;
            app.view.noting = note;
            app.view.composer = draft;
        } else {
            if note {
                app.view.note_drafts.insert(key.clone());
            }
            app.view.drafts.insert(key, draft);
        }
    }
}

/// What would be left behind by quitting now, as the question to ask; `None`: nothing.
pub(super) fn unsent(app: &App) -> Option<String> {
    let drafts = app.view.drafts.values().filter(|d| !d.is_blank()).count()
        + usize::from(app.view.open.is_some() && !app.view.composer.is_blank());
    let replies = app.outbox.len();
    if drafts == 0 && replies == 0 {
        return None;
    }
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut parts = Vec::new();
    if drafts > 0 {
        let fate = if app.settings.store {
            "kept for next time"
        } else {
            "lost: no local store"
        };
        parts.push(format!("{} ({fate})", plural(drafts, "draft")));
    }
    if replies > 0 {
        let fate = if app.settings.store {
            "sent when you are back"
        } else {
            "not sent"
        };
        parts.push(format!("{} on the way ({fate})", plural(replies, "reply")));
    }
    Some(parts.join(" and "))
}

/// How the quit question starts (so its answer takes that notice, and only it, away).
const QUESTION: &str = "Quit?";

/// How long the quit question waits for its answer; a key after that is an ordinary key.
pub(super) const ANSWER_WITHIN: time::Duration = time::Duration::seconds(10);

/// The answer to the quit question: `yes` quits, anything else stays.
pub(super) fn answer_quit(app: &mut App, yes: bool) -> bool {
    if !yes {
        app.view.confirm_quit = None;
        app.status.forget(QUESTION);
    }
    yes
}

/// Quit, or first ask when work would be left behind; asked already, quits.
pub(super) fn quit(app: &mut App, effects: &mut Vec<Effect>) -> bool {
    let asked = app
        .view
        .confirm_quit
        .is_some_and(|asked| app.now - asked <= ANSWER_WITHIN);
    if !asked && let Some(left) = unsent(app) {
        app.view.confirm_quit = Some(app.now);
        let yes = super::input::key_label(
            app,
            super::keys::KeyContext::Confirm,
            super::keys::Action::Confirm,
        );
        // The keys first: on a narrow screen the end of the line is what gets cut.
        app.status.notify(
            NoticeLevel::Info,
            format!("{QUESTION} {yes} quits, other keys stay · {left}"),
            app.now,
        );
        return false;
    }
    app.view.confirm_quit = None;
    app.status.forget(QUESTION);
    if let Some(key) = app.view.open.clone() {
        save(app, key, app.view.composer.text(), app.view.noting, effects);
    }
    true
}

#[cfg(test)]
#[path = "drafts_tests.rs"]
mod tests;
