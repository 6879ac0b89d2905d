//! Long threads from the local store, a page at a time. On start the app holds every cached
//! conversation with only its newest message; opening a thread reads its recent page, scrolling
//! towards the top of what is loaded reads the page before ahead of the user (and only once
//! the store has nothing older does the provider get asked, when the user reaches the top),
//! and leaving a thread trims it back to its recent page.
//! So memory follows what is visible or recent, not the size of the cache.

use super::{App, Effect};
use crate::contract::store::StoreRequest;
use crate::model::{ConversationKey, Message};

/// Messages read from the store per page, and kept of a thread the user left.
pub const PAGE: usize = 200;

/// When fewer loaded messages than this lie above what the frame shows, the page before is
/// read ahead: a page-up moves at most a screen (60 one-line messages at most), so the page is
/// in before the user scrolls into the gap and no key waits for the disk.
pub const READ_AHEAD: usize = PAGE / 2;

/// Asks the store for the page before the thread's oldest loaded message, if the store may
/// hold one. Returns false when the store has nothing older (the provider's turn).
pub(super) fn load_older(app: &mut App, key: &ConversationKey, effects: &mut Vec<Effect>) -> bool {
    let Some(entry) = app.inbox.get_mut(key) else {
        return false;
    };
    if !app.settings.store || !entry.older_cached {
        return false;
    }
    if !entry.fetching_older {
        entry.fetching_older = true;
        effects.push(Effect::Store(StoreRequest::LoadPage {
            key: key.clone(),
            before: entry.thread.first().map(|m| (m.at, m.id.clone())),
            limit: PAGE,
        }));
    }
    true
}

/// After a frame of the open thread: read the page before ahead of the user when the view is
/// near the oldest loaded message. Only the store is read ahead (it is local and cheap); the
/// provider is asked when the user reaches the top.
pub(super) fn read_ahead(app: &mut App, loaded_above: Option<usize>, effects: &mut Vec<Effect>) {
    if let Some(key) = app.view.open.clone()
        && loaded_above.is_some_and(|above| above < READ_AHEAD)
    {
        load_older(app, &key, effects);
    }
}

/// Opening a thread: read its recent page unless enough of it is loaded already.
pub(super) fn opened(app: &mut App, key: &ConversationKey, effects: &mut Vec<Effect>) {
    if app
        .inbox
        .get(key)
        .is_some_and(|entry| entry.thread.len() < PAGE)
    {
        load_older(app, key, effects);
    }
}

/// Leaving a thread: keep its recent page; the rest is in the store, read again on demand.
pub(super) fn left(app: &mut App, key: &ConversationKey) {
    if !app.settings.store {
        return;
    }
    // Not while a page is on its way: it would land before a gap.
    if let Some(entry) = app.inbox.get_mut(key)
        && !entry.fetching_older
        && entry.thread.retain_newest(PAGE)
    {
        entry.older_cached = true;
    }
}

/// The store's answer: merge the page; an empty last page hands over to the provider if the
/// user is still waiting at the top of that thread.
pub(super) fn page(
    app: &mut App,
    key: ConversationKey,
    messages: Vec<Message>,
    exhausted: bool,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    entry.fetching_older = false;
    if exhausted {
        entry.older_cached = false;
    }
    let (empty, was_empty) = (messages.is_empty(), entry.thread.is_empty());
    // Deep history goes into the thread only: feeding it to the insight engine replays its
    // whole fact store per page (out of order), which made paging through a long thread
    // quadratic. Insights cover what arrived live and the recent page.
    let mut messages = messages;
    let deep = entry.thread.len() >= PAGE && entry.thread.prepend_older(&mut messages);
    if !empty && !deep {
        app.inbox.merge_messages(&key, messages);
        // With the messages loaded on start, which the engine has not heard yet.
        if let Some(entry) = app.inbox.get_mut(&key)
            && let Some(engine) = entry.insights.as_deref_mut()
        {
            engine.observe_all(entry.thread.messages());
        }
        // Older messages change neither the list's order nor its previews, unless the thread
        // had none before.
        if was_empty {
            app.lists_stale = true;
            app.settle_lists();
        }
    }
    let waiting = app.view.open.as_ref() == Some(&key)
        && app
            .view
            .layout
            .thread_top_scroll
            .is_some_and(|top| app.view.thread_scroll >= top);
    if empty && exhausted && waiting {
        super::input::fetch_older(app, effects);
    }
}

#[cfg(test)]
#[path = "paging_tests.rs"]
mod tests;
