//! Provider events → store writes. After an event is merged, what it touched is written as the
//! app now holds it (so the cache follows the merge rules), and a server copy of one of our
//! replies takes it out of the outbox.

use super::{App, Effect, outbox};
use crate::contract::provider::{AccountEvent, ProviderEvent};
use crate::contract::store::{CachedConversation, StoreRequest};
use crate::model::{ConversationKey, Direction};

/// What an event touched, noted before it is consumed.
pub(super) struct Touched {
    key: Option<ConversationKey>,
    conversations: Vec<ConversationKey>,
    messages: Vec<String>,
    /// Client ids of server copies (id ≠ client id): replies the server confirmed.
    confirmed: Vec<String>,
    cursor: Option<(ConversationKey, crate::model::Timestamp, String)>,
    /// A message the platform deleted.
    deleted: Option<(ConversationKey, String)>,
    /// A delivery update: `(message id, status, failure reason)`.
    status: Option<(String, crate::model::DeliveryStatus, Option<String>)>,
}

pub(super) fn touched(event: &AccountEvent) -> Touched {
    let key = |id: &str| ConversationKey::new(&event.account, id);
    let mut touched = Touched {
        key: None,
        conversations: Vec::new(),
        messages: Vec::new(),
        confirmed: Vec::new(),
        cursor: None,
        deleted: None,
        status: None,
    };
    match &event.event {
        ProviderEvent::Conversations(conversations) => {
            touched.conversations = conversations.iter().map(|c| c.key.clone()).collect();
        }
        ProviderEvent::Messages {
            conversation,
            messages,
            ..
        } => {
            touched.key = Some(key(conversation));
            touched.conversations.push(key(conversation));
            for message in messages {
                touched.messages.push(message.id.clone());
                if let Some(client_id) = &message.client_id
                    && *client_id != message.id
                {
                    touched.confirmed.push(client_id.clone());
                }
            }
        }
        ProviderEvent::StatusUpdate {
            conversation,
            message_id,
            status,
            reason,
        } => {
            touched.key = Some(key(conversation));
            touched.messages.push(message_id.clone());
            touched.status = Some((message_id.clone(), *status, reason.clone()));
        }
        ProviderEvent::HistoryComplete { conversation }
        | ProviderEvent::ConversationStatus { conversation, .. }
        | ProviderEvent::Workflow { conversation, .. } => {
            touched.conversations.push(key(conversation));
        }
        ProviderEvent::SendFailed {
            conversation,
            client_id,
            ..
        } => {
            touched.key = Some(key(conversation));
            touched.messages.push(client_id.clone());
        }
        ProviderEvent::Cursor {
            conversation,
            at,
            id,
        } => touched.cursor = Some((key(conversation), *at, id.clone())),
        ProviderEvent::MessageDeleted {
            conversation,
            message_id,
        } => touched.deleted = Some((key(conversation), message_id.clone())),
        ProviderEvent::ConversationStarted { conversation } => {
            touched.conversations.push(key(conversation));
        }
        ProviderEvent::Connection(_)
        | ProviderEvent::Team { .. }
        | ProviderEvent::SavedReplies(_)
        | ProviderEvent::Typing { .. }
        | ProviderEvent::Contacts { .. }
        | ProviderEvent::ContactCreated(_)
        | ProviderEvent::Capability { .. }
        | ProviderEvent::RemoteInsights { .. }
        | ProviderEvent::Synced
        | ProviderEvent::Error(_) => {}
    }
    touched
}

/// Writes what the event touched, as merged.
pub(super) fn persist(app: &mut App, touched: Touched, effects: &mut Vec<Effect>) {
    for client_id in &touched.confirmed {
        outbox::delivered(app, client_id, effects);
    }
    if let Some((key, id)) = touched.deleted {
        effects.push(Effect::Store(StoreRequest::DeleteMessage { key, id }));
    }
    if let Some((key, at, id)) = touched.cursor {
        effects.push(Effect::Store(StoreRequest::Cursor { key, at, id }));
    }
    let conversations: Vec<CachedConversation> = touched
        .conversations
        .iter()
        .filter_map(|key| cached(app, key))
        .collect();
    if !conversations.is_empty() {
        effects.push(Effect::Store(StoreRequest::Conversations(conversations)));
    }
    if let Some(key) = &touched.key
        && let Some((id, status, failure)) = touched.status
        && app
            .inbox
            .get(key)
            .is_none_or(|entry| entry.thread.get(&id).is_none())
    {
        // Not in memory (past the resident window, or not arrived yet): the stored copy, if
        // any, takes the update; a message still to come brings it itself.
        effects.push(Effect::Store(StoreRequest::Status {
            key: key.clone(),
            id,
            status,
            failure,
        }));
    }
    if let Some(key) = touched.key
        && let Some(entry) = app.inbox.get(&key)
    {
        let messages: Vec<_> = touched
            .messages
            .iter()
            .filter_map(|id| entry.thread.get(id).cloned())
            .collect();
        if !messages.is_empty() {
            effects.push(Effect::Store(StoreRequest::Messages { key, messages }));
        }
    }
}

/// Writes the conversation as the app now holds it (with a store attached).
pub(super) fn conversation(app: &App, key: &ConversationKey, effects: &mut Vec<Effect>) {
    if app.settings.store
        && let Some(cached) = cached(app, key)
    {
        effects.push(Effect::Store(StoreRequest::Conversations(vec![cached])));
    }
}

/// A conversation as the store keeps it.
pub(super) fn cached(app: &App, key: &ConversationKey) -> Option<CachedConversation> {
    let entry = app.inbox.get(key)?;
    let mut info = entry.info.clone();
    // The inbox keeps no platform preview beside a message it holds; the store keeps one, as
    // the newest message it has of this conversation may be a private note.
    if info.last_message.is_none()
        && let Some(newest) = entry.thread.newest(|m| m.direction != Direction::Note)
    {
        info.last_message = Some(newest.content.preview());
    }
    Some(CachedConversation {
        info,
        snooze: entry.snooze,
        history_complete: entry.history_complete,
    })
}

/// The cached inbox from the store, applied before any network answers. Queued replies are
/// sent again; the provider's own data merges over this later by the usual rules.
pub(super) fn loaded(
    app: &mut App,
    snapshot: crate::contract::store::Snapshot,
    effects: &mut Vec<Effect>,
) {
    // Room for the parts still to come too: growing the map part by part moved every entry
    // each time it doubled.
    let coming: usize = snapshot
        .unsent
        .iter()
        .flatten()
        .map(|count| count.conversations)
        .sum();
    app.inbox.reserve(snapshot.conversations.len() + coming);
    let mut added = Vec::with_capacity(snapshot.conversations.len());
    let mut skipped = std::collections::HashSet::new();
    for cached in snapshot.conversations {
        let key = cached.info.key.clone();
        // What is here already is newer than the cache (a part of the start that came late).
        if app.inbox.get(&key).is_some() {
            skipped.insert(key);
            continue;
        }
        app.inbox.upsert_conversation(cached.info, false);
        if let Some(entry) = app.inbox.get_mut(&key) {
            entry.history_complete = cached.history_complete;
            entry.snooze = cached.snooze;
            // Only its newest message is loaded; the rest is read a page at a time.
            entry.older_cached = true;
        }
        added.push(key);
    }
    for (key, messages) in snapshot.messages {
        // Messages of a conversation the cache lost track of are kept out rather than guessed.
        // The insight engine hears them when the thread's recent page is read (on open):
        // analysing ten thousand newest messages up front cost most of the start.
        if let Some(entry) = app.inbox.get_mut(&key) {
            for message in messages {
                entry.thread.upsert(message);
            }
            entry.insights = None;
            if entry.previews_own_message() {
                entry.info.last_message = None;
            }
            // A conversation that was here before this part may now sort elsewhere.
            app.lists_stale |= skipped.contains(&key);
        }
    }
    super::drafts::restore(app, snapshot.drafts);
    for entry in snapshot.outbox {
        outbox::restore(app, entry, effects);
    }
    let unloaded_before = std::mem::replace(&mut app.inbox.unloaded, snapshot.unsent);
    // The first part sets the lists up; a later one merges its rows in below what is shown.
    let later_part = unloaded_before.is_some() && !app.lists_stale;
    app.lists_stale |= !later_part
        || !app.view.add_rows(
            &app.inbox,
            &app.team,
            &added,
            unloaded_before.as_deref().unwrap_or_default(),
        );
}
