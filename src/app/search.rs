//! Search: over every stored message (Ctrl+F: an overlay of hits, newest first, Enter opens the
//! conversation at the message) and inside the open thread (`/` with the thread focused: Enter
//! searches, `n`/`N` walk the hits older/newer). Both ask the store, whose full-text index
//! covers the history not loaded in memory; answers come back under the id they were asked
//! with and only the latest one counts, so typing fast never shows stale hits.

use super::keys::{Action, Key, KeyContext};
use super::status::NoticeLevel;
use super::{App, Effect, Focus, history};
use crate::contract::search::{self, SearchHit, SearchQuery};
use crate::contract::store::StoreRequest;
use crate::model::ConversationKey;

/// Hits asked for at a time in the overlay (more than a screen shows).
pub const RESULTS: usize = 50;
/// Hits of one thread walked with n/N.
pub const THREAD_HITS: usize = 1000;

/// The overlay of a search over every message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchState {
    pub input: String,
    pub hits: Vec<SearchHit>,
    pub selected: usize,
    /// What of the query was not understood, and how it was taken.
    pub notes: Vec<String>,
    pub error: Option<String>,
    /// An answer is awaited.
    pub waiting: bool,
    /// What the platforms find, listed after the hits.
    pub remote: super::search_remote::RemoteSearch,
    asked: u64,
}

/// A search inside the open thread.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadSearch {
    pub key: ConversationKey,
    pub input: String,
    /// The query is still being typed (the prompt has the keys).
    pub typing: bool,
    /// The hits, oldest first.
    pub hits: Vec<SearchHit>,
    /// The hit shown.
    pub current: Option<usize>,
    pub waiting: bool,
    asked: u64,
}

/// Ctrl+F: the overlay, empty (or as it was left).
pub(super) fn open(app: &mut App) {
    if !app.settings.store {
        return app.status.notify(
            NoticeLevel::Info,
            "search reads the local store, which is off in this run".to_string(),
            app.now,
        );
    }
    app.view.search.get_or_insert_with(SearchState::default);
}

/// `/` with the thread focused: a prompt under the thread.
pub(super) fn start_in_thread(app: &mut App) {
    let Some(key) = app.view.open.clone() else {
        return;
    };
    if !app.settings.store {
        return app.status.notify(
            NoticeLevel::Info,
            "search reads the local store, which is off in this run".to_string(),
            app.now,
        );
    }
    app.view.thread_search = Some(ThreadSearch {
        key,
        input: String::new(),
        typing: true,
        hits: Vec::new(),
        current: None,
        waiting: false,
        asked: 0,
    });
}

/// Keys while the overlay is open.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = super::input::lookup(app, KeyContext::Prompt, key);
    let Some(state) = app.view.search.as_mut() else {
        return;
    };
    match action {
        Some(Action::Back) => app.view.search = None,
        Some(Action::Down) => {
            state.selected = (state.selected + 1).min(state.rows().saturating_sub(1))
        }
        Some(Action::Up) => state.selected = state.selected.saturating_sub(1),
        Some(Action::Activate) => {
            let remote = state.selected.checked_sub(state.hits.len());
            if let Some(contact) = remote.and_then(|at| state.remote.contacts.get(at)).cloned() {
                return super::search_remote::open(app, contact, effects);
            }
            if let Some(hit) = state.hits.get(state.selected).cloned() {
                if app.inbox.get(&hit.key).is_none() {
                    return app.status.notify(
                        NoticeLevel::Info,
                        "that conversation is no longer in the inbox".to_string(),
                        app.now,
                    );
                }
                app.view.search = None;
                open_hit(app, &hit, effects);
            }
        }
        _ => {
            if super::input::edit_line(&mut state.input, action, key).is_some() {
                ask(app, effects);
            }
        }
    }
}

/// Pasted text goes into the query.
pub(super) fn paste(app: &mut App, text: &str, effects: &mut Vec<Effect>) {
    if let Some(state) = app.view.search.as_mut() {
        state.input.push_str(&crate::text::sanitize_line(text));
        ask(app, effects);
    } else if let Some(search) = app.view.thread_search.as_mut().filter(|s| s.typing) {
        search.input.push_str(&crate::text::sanitize_line(text));
    }
}

/// Keys while the thread's search prompt is being typed in.
pub(super) fn thread_prompt_key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = super::input::lookup(app, KeyContext::Prompt, key);
    let Some(search) = app.view.thread_search.as_mut() else {
        return;
    };
    match action {
        Some(Action::Back) => app.view.thread_search = None,
        Some(Action::Activate) => {
            search.typing = false;
            if search.input.trim().is_empty() {
                app.view.thread_search = None;
            } else {
                ask_thread(app, effects);
            }
        }
        _ => {
            let _ = super::input::edit_line(&mut search.input, action, key);
        }
    }
}

/// n / N (and Esc) while a thread search has hits and the thread has the focus. Returns
/// whether the key was one of them.
pub(super) fn found_key(app: &mut App, key: Key, effects: &mut Vec<Effect>) -> bool {
    let active = app.view.focus == Focus::Thread
        && app
            .view
            .thread_search
            .as_ref()
            .is_some_and(|s| !s.typing && Some(&s.key) == app.view.open.as_ref());
    if !active {
        return false;
    }
    match super::input::lookup(app, KeyContext::Found, key) {
        Some(Action::NextHit) => step(app, -1, effects),
        Some(Action::PrevHit) => step(app, 1, effects),
        Some(Action::Back) => {
            app.view.thread_search = None;
            app.view.highlight = None;
        }
        _ => return false,
    }
    true
}

/// Moves to the hit `by` places newer (negative: older), wrapping around with a word.
fn step(app: &mut App, by: isize, effects: &mut Vec<Effect>) {
    let Some(search) = app.view.thread_search.as_mut() else {
        return;
    };
    let count = search.hits.len();
    if count == 0 {
        return;
    }
    let current = search.current.unwrap_or(count - 1) as isize;
    let next = current + by;
    let wrapped = next < 0 || next >= count as isize;
    let next = next.rem_euclid(count as isize) as usize;
    search.current = Some(next);
    let hit = search.hits[next].clone();
    if wrapped {
        let side = if by < 0 { "oldest" } else { "newest" };
        app.status.notify(
            NoticeLevel::Info,
            format!("past the {side} hit: search wrapped around"),
            app.now,
        );
    }
    show_hit(app, &hit, effects);
}

/// Asks the store for the overlay's query.
fn ask(app: &mut App, effects: &mut Vec<Effect>) {
    let query = query_of(app, app.view.search.as_ref().map_or("", |s| &s.input));
    super::search_remote::query_changed(app, &query);
    let id = next_id(app);
    let Some(state) = app.view.search.as_mut() else {
        return;
    };
    state.asked = id;
    state.notes = query.notes.clone();
    state.error = None;
    let only_exclusions = !query.has_words() && query.terms.iter().any(|t| t.excluded);
    if query.is_empty() || only_exclusions {
        state.hits.clear();
        state.selected = state.selected.min(state.rows().saturating_sub(1));
        state.waiting = false;
        if only_exclusions {
            state.error = Some("a search needs a word to find besides the ones left out".into());
        }
        return;
    }
    state.waiting = true;
    effects.push(Effect::Store(StoreRequest::Search {
        id,
        query,
        limit: RESULTS,
    }));
}

/// Asks the store for the thread search's query, in that conversation only.
fn ask_thread(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(input) = app.view.thread_search.as_ref().map(|s| s.input.clone()) else {
        return;
    };
    let mut query = query_of(app, &input);
    let id = next_id(app);
    let Some(search) = app.view.thread_search.as_mut() else {
        return;
    };
    query.conversation = Some(search.key.clone());
    if !query.has_words() {
        app.view.thread_search = None;
        return app.status.notify(
            NoticeLevel::Info,
            "type a word to find in this conversation".to_string(),
            app.now,
        );
    }
    search.asked = id;
    search.waiting = true;
    effects.push(Effect::Store(StoreRequest::Search {
        id,
        query,
        limit: THREAD_HITS,
    }));
}

/// The query as typed, with who "me" is on each account for `is:mine`.
fn query_of(app: &App, input: &str) -> SearchQuery {
    let mut query = search::parse(input, app.settings.utc_offset);
    if query.mine {
        query.me = app
            .status
            .accounts
            .keys()
            .map(|account| (account.0.to_string(), app.team.me(account).to_string()))
            .collect();
    }
    query
}

fn next_id(app: &mut App) -> u64 {
    app.view.searches_asked += 1;
    app.view.searches_asked
}

/// The store's answer to a search.
pub(super) fn found(
    app: &mut App,
    id: u64,
    hits: Result<Vec<SearchHit>, String>,
    effects: &mut Vec<Effect>,
) {
    if let Some(state) = app.view.search.as_mut().filter(|s| s.asked == id) {
        state.waiting = false;
        match hits {
            Ok(hits) => {
                state.hits = hits;
                state.error = None;
            }
            Err(why) => {
                state.hits.clear();
                state.error = Some(why);
            }
        }
        state.selected = state.selected.min(state.rows().saturating_sub(1));
        return;
    }
    let Some(search) = app.view.thread_search.as_mut().filter(|s| s.asked == id) else {
        return; // An answer overtaken by a newer query.
    };
    if app.view.open.as_ref() != Some(&search.key) {
        app.view.thread_search = None;
        return; // The conversation was left meanwhile.
    }
    search.waiting = false;
    let mut hits = match hits {
        Ok(hits) => hits,
        Err(why) => {
            app.view.thread_search = None;
            return app.status.notify(NoticeLevel::Error, why, app.now);
        }
    };
    if hits.is_empty() {
        let said = crate::text::sanitize_line(&search.input);
        app.view.thread_search = None;
        return app.status.notify(
            NoticeLevel::Info,
            format!("no message of this conversation has “{said}”"),
            app.now,
        );
    }
    hits.sort_by(|a, b| (a.at, &a.message_id).cmp(&(b.at, &b.message_id)));
    let newest = hits.len() - 1;
    search.hits = hits;
    search.current = Some(newest);
    let hit = search.hits[newest].clone();
    show_hit(app, &hit, effects);
}

/// Opens a hit's conversation at the message.
pub(super) fn open_hit(app: &mut App, hit: &SearchHit, effects: &mut Vec<Effect>) {
    if app.inbox.get(&hit.key).is_none() {
        return app.status.notify(
            NoticeLevel::Info,
            "that conversation is no longer in the inbox".to_string(),
            app.now,
        );
    }
    open_in_thread(app, hit.key.clone(), effects);
    show_hit(app, hit, effects);
}

/// Opens a conversation found by a search, shown whatever the list's filter, the thread
/// focused.
pub(super) fn open_in_thread(app: &mut App, key: ConversationKey, effects: &mut Vec<Effect>) {
    // Only a filter that was there changes the list: at 100,000 conversations a list sorted
    // again for nothing was most of a jump's time.
    if !app.view.filter.is_empty() {
        app.view.filter.clear();
        app.lists_stale = true;
    }
    super::input::open_conversation(app, key, effects);
    app.view.focus = Focus::Thread;
}

/// Marks the hit's message and scrolls to it: in the thread when it holds the message, else
/// in a window on the thread's history read around it from the store.
fn show_hit(app: &mut App, hit: &SearchHit, effects: &mut Vec<Effect>) {
    app.view.selected_message = Some(hit.message_id.clone());
    app.view.highlight = Some(hit.message_id.clone());
    if history::shown(app).is_some_and(|window| window.get(&hit.message_id).is_some()) {
        app.view.jump_pending = true;
        return;
    }
    let Some(entry) = app.inbox.get(&hit.key) else {
        return;
    };
    if entry.thread.get(&hit.message_id).is_some() {
        history::leave(app);
        app.view.jump_pending = true;
        return;
    }
    history::open_at(app, &hit.key, (hit.at, hit.message_id.clone()), effects);
}

/// The store's progress building the index over older messages.
pub(super) fn indexing(app: &mut App, done: u64, total: u64) {
    app.status.indexing = (done < total).then_some((done, total));
}

#[cfg(test)]
#[path = "search_tests.rs"]
pub(super) mod tests;
