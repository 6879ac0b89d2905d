//! How much of each thread stays in memory. With a store attached the store keeps every
//! message, so a thread that grows past its window sheds its oldest messages (they are read
//! back a page at a time when the user scrolls to them): memory follows what is on screen, not
//! how much a server pushes. Without a store nothing is trimmed, since nothing could bring it
//! back.

use super::App;
use super::paging::PAGE;
use crate::model::ConversationKey;

/// Messages kept of the open thread while the user follows its newest ones.
pub const OPEN_RESIDENT: usize = 10 * PAGE;

/// Messages kept of a thread in the background: enough for its row and its unread marker;
/// opening it reads its recent page back.
pub const BACKGROUND_RESIDENT: usize = PAGE / 4;

/// The most a thread may hold before it is trimmed.
pub fn limit(app: &App, key: &ConversationKey) -> usize {
    if app.view.open.as_ref() == Some(key) {
        OPEN_RESIDENT
    } else {
        BACKGROUND_RESIDENT
    }
}

/// Notes a thread that grew past its window (called as messages merge).
pub(super) fn note_growth(app: &mut App, key: &ConversationKey) {
    if !app.settings.store {
        return;
    }
    let over = app
        .inbox
        .get(key)
        .is_some_and(|entry| entry.thread.len() > limit(app, key));
    if over && !app.oversized.contains(key) {
        app.oversized.push(key.clone());
    }
}

/// Trims the threads noted since the last batch. The open thread is left alone while the user
/// reads older messages (scrolled up or one selected): trimming would pull the page away.
pub(super) fn trim(app: &mut App) {
    for key in std::mem::take(&mut app.oversized) {
        let open = app.view.open.as_ref() == Some(&key);
        let reading_back = app.view.thread_scroll > 0 || app.view.selected_message.is_some();
        if open && reading_back {
            continue;
        }
        let keep = limit(app, &key);
        // A page on its way fits against the thread's oldest message: trimming now would
        // leave a gap between that page and what stays. The next growth tries again.
        if let Some(entry) = app.inbox.get_mut(&key)
            && !entry.fetching_older
            && entry.thread.retain_newest(keep)
        {
            entry.older_cached = true;
            if open {
                // The engine keeps what it heard; its facts cover the trimmed messages too.
                app.touch();
            }
        }
    }
}
