//! Working the queue: private notes beside the conversation, marking a conversation unread,
//! the next unread one, and the view of only the unread.

use super::status::NoticeLevel;
use super::view::Focus;
use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::contract::store::StoreRequest;
use crate::model::{ConversationKey, DeliveryStatus, Direction, Message};

/// `n`: write a private note in the open conversation.
pub(super) fn compose_note(app: &mut App, effects: &mut Vec<Effect>) {
    if app.view.open.is_none() {
        return super::input::open_first_notice(app);
    }
    app.view.noting = true;
    say_mode(app);
    super::input::set_focus(app, Focus::Composer, effects);
}

/// The mode notice goes with the conversation it was about.
pub(super) fn forget_mode(app: &mut App) {
    app.status.forget(NOTE_MODE);
    app.status.forget(NOTE_MODE_SHARED);
    app.status.forget(REPLY_MODE);
}

/// Says which the composer writes now (the last such notice replaced, never contradicted).
fn say_mode(app: &mut App) {
    forget_mode(app);
    let shared = app
        .view
        .open
        .as_ref()
        .is_some_and(|key| app.status.actions(&key.account).workflow);
    let text = match (app.view.noting, shared) {
        (true, true) => NOTE_MODE_SHARED,
        (true, false) => NOTE_MODE,
        (false, _) => REPLY_MODE,
    };
    app.status
        .notify(NoticeLevel::Info, text.to_string(), app.now);
}

const NOTE_MODE: &str = "Writing a private note: never sent to the customer, kept on this machine";
const NOTE_MODE_SHARED: &str =
    "Writing a private note: never sent to the customer, shared with the team";
const REPLY_MODE: &str = "Writing a reply to the customer";

/// In the composer: switch between a reply to the customer and a private note.
pub(super) fn toggle_note(app: &mut App, effects: &mut Vec<Effect>) {
    app.view.noting = !app.view.noting;
    if app.view.noting {
        // The customer must not see "typing…" for words they will never get.
        super::input::stop_typing(app, effects);
    }
    say_mode(app);
}

/// Keeps `text` as a private note of `key`: in the thread and in the local store, and where
/// the platform keeps a team's notes (the hub) with the team too. Never as a message: the only
/// command that carries it is `AddNote`, which no provider sends to the customer.
pub(super) fn add_note(
    app: &mut App,
    key: ConversationKey,
    text: String,
    effects: &mut Vec<Effect>,
) {
    let client_id = format!("note-{}", app.next_client_id());
    if app.status.account_mut(&key.account).actions.workflow {
        effects.push(Effect::Provider {
            account: key.account.clone(),
            command: ProviderCommand::AddNote {
                conversation: key.id.to_string(),
                client_id: client_id.clone(),
                text: text.clone(),
            },
        });
    }
    let note = Message {
        // The platform's copy, when it keeps notes, replaces this one by its client id.
        id: client_id.clone(),
        client_id: Some(client_id),
        direction: Direction::Note,
        sender: "You".to_string(),
        content: crate::model::Content::Text(text),
        at: app.now,
        status: DeliveryStatus::Delivered,
        failure: None,
    };
    app.inbox.merge_messages(&key, vec![note.clone()]);
    super::history::leave(app);
    app.view.thread_scroll = 0;
    app.lists_stale = true;
    if app.settings.store {
        effects.push(Effect::Store(StoreRequest::Messages {
            key,
            messages: vec![note],
        }));
    }
}

/// The conversation an action on "this conversation" means: the row under the cursor while
/// the list has the focus, else the open one.
fn target(app: &App) -> Option<ConversationKey> {
    match app.view.focus {
        Focus::Conversations | Focus::Channels => app.view.selected.clone(),
        _ => app.view.open.clone().or_else(|| app.view.selected.clone()),
    }
}

/// `u`: marks the conversation unread. The open one closes, so the mark holds until it is
/// opened again; a platform's own count (a resync) does not clear it.
pub(super) fn mark_unread(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = target(app) else {
        return;
    };
    if app.view.open.as_ref() == Some(&key) {
        super::input::close_conversation(app, effects);
        app.view.focus = Focus::Conversations;
    }
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    entry.marked_unread = true;
    entry.info.unread = entry.info.unread.max(1);
    app.lists_stale = true;
    // A platform that keeps read state per agent (Chatwoot) keeps the mark too.
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::MarkUnread {
            conversation: key.id.to_string(),
        },
    });
    super::persist::conversation(app, &key, effects);
    app.status
        .notify(NoticeLevel::Info, "Marked unread".to_string(), app.now);
}

/// `Alt+u`: opens the next conversation with unread messages: after the selected row in the
/// list as shown, then in any channel (the list then shows all of them).
pub(super) fn next_unread(app: &mut App, effects: &mut Vec<Effect>) {
    let unread = |app: &App, key: &ConversationKey| {
        app.inbox
            .get(key)
            .is_some_and(|entry| entry.info.unread > 0 && !entry.is_snoozed())
            && app.view.open.as_ref() != Some(key)
    };
    let listed = &app.view.conversations;
    let start = app.view.selected_index().map_or(0, |index| index + 1);
    let in_list = (0..listed.len())
        .map(|step| &listed[(start + step) % listed.len()])
        .find(|key| unread(app, key))
        .cloned();
    let next = in_list.or_else(|| {
        let mut others: Vec<_> = app
            .inbox
            .iter()
            .filter(|(key, _)| unread(app, key))
            .map(|(key, entry)| (entry.last_activity(), key.clone()))
            .collect();
        others.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let (_, key) = others.into_iter().next()?;
        // It is in another channel, or hidden by the filters: show them all.
        app.view.channel_selected = 0;
        app.view.status_filter = None;
        app.view.filter.clear();
        Some(key)
    });
    let Some(key) = next else {
        app.status
            .notify(NoticeLevel::Info, "Nothing unread".to_string(), app.now);
        return;
    };
    app.lists_stale = true;
    super::input::open_conversation(app, key, effects);
}

/// `U`: only the conversations with unread messages (and the open one, so it does not vanish
/// while it is read), or all again.
pub(super) fn toggle_unread_view(app: &mut App) {
    app.view.unread_only = !app.view.unread_only;
    app.lists_stale = true;
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
