//! A window on a thread's history: a search hit far older than what the thread holds is shown
//! in a page read around it from the store, not by reading everything between it and the
//! newest message, so the jump costs the same 100 or 100,000 messages deep. The thread pane
//! shows the window instead of the thread (its border says "older messages", End goes back to
//! the newest), and the window grows a page at a time from either end as the user scrolls. When it
//! reaches what the thread holds the two join, and the pane is the thread again, at the same
//! place. Live messages keep arriving in the thread meanwhile; sending a reply goes back to it.
//!
//! Scrolling is counted in lines up from the newest line shown, so a page added below the
//! viewport (or the thread under the window, on joining) would move what is on screen: the
//! message at the viewport's bottom is pinned ([`Pin`]) and the next frame reports the scroll
//! that puts it back where it was.

use super::paging::PAGE;
use super::{App, Effect, ThreadAnchor};
use crate::contract::store::StoreRequest;
use crate::model::{ConversationKey, Message, Timestamp};

/// Messages read on each side of a hit, and per page as the window grows.
pub const SIDE: usize = PAGE / 2;
/// A window that grows past this (scrolling down) sheds its oldest messages.
pub const MOST: usize = 10 * PAGE;
/// Lines under the viewport below which the page after the window is read (a page-down moves
/// a screen, 60 lines at most).
const NEAR_BOTTOM_LINES: usize = 120;

/// The window shown in place of the open thread.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryWindow {
    pub key: ConversationKey,
    /// In thread order.
    pub messages: Vec<Message>,
    /// The store holds messages older than the window's first.
    pub older_more: bool,
    /// The store holds messages newer than the window's last (the thread's among them).
    pub newer_more: bool,
    /// A read under way (one at a time), and the message it was asked around: an answer to
    /// an older read (a window opened since, on another hit) is not this one's.
    pub fetching: Option<(Side, (Timestamp, String))>,
}

/// Which way a read of the window goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Around the message the window was opened at.
    Around,
    Older,
    Newer,
}

/// A message to keep where it is on screen across a change below it: its bottom line stays
/// `offset` lines under the viewport's bottom (negative: above it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub message: ThreadAnchor,
    pub offset: isize,
}

impl HistoryWindow {
    pub fn get(&self, id: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.id == id)
    }
}

/// The window of the open thread, if the pane shows one.
pub fn shown(app: &App) -> Option<&HistoryWindow> {
    app.view
        .history
        .as_ref()
        .filter(|w| app.view.open.as_ref() == Some(&w.key))
}

/// The messages the thread pane shows: the window's, or the open thread's.
pub(super) fn shown_messages(app: &App) -> &[Message] {
    if let Some(window) = shown(app) {
        return &window.messages;
    }
    app.view
        .open
        .as_ref()
        .and_then(|key| app.inbox.get(key))
        .map_or(&[], |entry| entry.thread.messages())
}

/// Opens a window around message `(at, id)` of the open conversation.
pub(super) fn open_at(
    app: &mut App,
    key: &ConversationKey,
    at: (Timestamp, String),
    effects: &mut Vec<Effect>,
) {
    app.view.jump_pending = false;
    app.view.pin = None;
    app.view.history = Some(HistoryWindow {
        key: key.clone(),
        messages: Vec::new(),
        older_more: true,
        newer_more: true,
        fetching: Some((Side::Around, at.clone())),
    });
    effects.push(Effect::Store(StoreRequest::LoadAround {
        key: key.clone(),
        at,
        older: SIDE,
        newer: SIDE,
    }));
}

/// Back to the thread (End, a reply sent, another conversation).
pub(super) fn leave(app: &mut App) {
    app.view.pin = None;
    if app.view.history.take().is_some() {
        app.view.thread_scroll = 0;
        app.view.layout.thread_anchor = None;
    }
}

/// A message deleted (on the platform, or a note here) leaves the window too, so a join
/// does not bring it back.
pub(super) fn forget(app: &mut App, key: &ConversationKey, id: &str) -> bool {
    let Some(window) = app.view.history.as_mut().filter(|w| &w.key == key) else {
        return false;
    };
    let before = window.messages.len();
    window.messages.retain(|m| m.id != id);
    window.messages.len() != before
}

/// The store's answer to a read of the window.
pub(super) fn arrived(
    app: &mut App,
    key: &ConversationKey,
    at: &(Timestamp, String),
    messages: Vec<Message>,
    (older_exhausted, newer_exhausted): (bool, bool),
) {
    let bottom = bottom_pin(app);
    let target = app.view.highlight.clone();
    let Some(window) = app.view.history.as_mut().filter(|w| &w.key == key) else {
        return; // Left meanwhile.
    };
    let side = match window.fetching.take() {
        Some((side, asked)) if asked == *at => side,
        other => {
            window.fetching = other;
            return; // An answer to a read of a window since replaced.
        }
    };
    let first = window.messages.first().map(|m| (m.at, m.id.clone()));
    let last = window.messages.last().map(|m| (m.at, m.id.clone()));
    let is_new = |m: &Message| {
        first
            .as_ref()
            .is_none_or(|(at, id)| m.order_key() < (*at, id.as_str()))
            || last
                .as_ref()
                .is_some_and(|(at, id)| m.order_key() > (*at, id.as_str()))
    };
    let fresh: Vec<Message> = messages.into_iter().filter(|m| is_new(m)).collect();
    match side {
        Side::Around => {
            let found = target.is_some_and(|id| fresh.iter().any(|m| m.id == id));
            if !found {
                app.view.history = None;
                app.view.highlight = None;
                app.view.selected_message = None;
                return app.status.notify(
                    super::status::NoticeLevel::Info,
                    "that message is no longer in the local store".to_string(),
                    app.now,
                );
            }
            window.messages = fresh;
            window.older_more = !older_exhausted;
            window.newer_more = !newer_exhausted;
            app.view.jump_pending = true;
        }
        Side::Older => {
            window.older_more = !older_exhausted;
            window.messages.splice(0..0, fresh);
        }
        Side::Newer => {
            window.newer_more = !newer_exhausted;
            let added = !fresh.is_empty();
            window.messages.extend(fresh);
            let over = window.messages.len().saturating_sub(MOST);
            if over > 0 {
                window.messages.drain(..over);
                window.older_more = true;
            }
            if added {
                app.view.pin = bottom;
            }
        }
    }
    join_if_reached(app, key);
    app.touch();
}

/// The message at the viewport's bottom, as the last frame laid it out (after a jump, the
/// message jumped to, which may sit higher).
fn bottom_pin(app: &App) -> Option<Pin> {
    let anchor = app.view.layout.thread_anchor?;
    let scroll = isize::try_from(app.view.thread_scroll).ok()?;
    let bottom = isize::try_from(anchor.bottom).ok()?;
    Some(Pin {
        message: anchor,
        offset: scroll - bottom,
    })
}

/// Once the window reaches the thread's oldest message (or the thread holds nothing), the
/// window's older part goes into the thread and the pane shows the thread, with the message
/// at the viewport's bottom kept in place.
pub(super) fn join_if_reached(app: &mut App, key: &ConversationKey) {
    let Some(window) = app.view.history.as_ref().filter(|w| &w.key == key) else {
        return;
    };
    if window.fetching.is_some() || window.messages.is_empty() {
        return;
    }
    let Some(entry) = app.inbox.get(key) else {
        return;
    };
    let reached = match (window.messages.last(), entry.thread.first()) {
        (Some(last), Some(first)) => last.order_key() >= first.order_key(),
        (_, None) => true,
        (None, _) => false,
    };
    if !reached {
        return;
    }
    let Some(window) = app.view.history.take() else {
        return;
    };
    // Where the window was scrolled to, found again in the thread.
    let pin = if app.view.jump_pending {
        None
    } else {
        app.view.pin.or_else(|| bottom_pin(app))
    };
    let oldest_held = entry.thread.first().map(|m| (m.at, m.id.clone()));
    let older: Vec<Message> = window
        .messages
        .into_iter()
        .filter(|m| {
            oldest_held
                .as_ref()
                .is_none_or(|(at, id)| m.order_key() < (*at, id.as_str()))
        })
        .collect();
    let mut discard = Vec::new();
    super::paging::page(app, key.clone(), older, !window.older_more, &mut discard);
    if let Some(entry) = app.inbox.get_mut(key) {
        // The thread now starts where the window did: what is older is still in the store.
        entry.older_cached = window.older_more;
    }
    app.view.pin = pin;
    app.view.layout.thread_anchor = None;
}

/// Before a frame's scroll needs a read: the page before the window's first, when few lines
/// are left above; the page after its last, when few are left below.
pub(super) fn read_ahead(
    app: &mut App,
    loaded_above: Option<usize>,
    near_top: bool,
    effects: &mut Vec<Effect>,
) {
    let near_bottom = app.view.thread_scroll < NEAR_BOTTOM_LINES;
    let Some(window) = app.view.history.as_mut() else {
        return;
    };
    if window.fetching.is_some() || window.messages.is_empty() {
        return;
    }
    let few_above = near_top || loaded_above.is_some_and(|above| above < super::paging::READ_AHEAD);
    let side = if few_above && window.older_more {
        Side::Older
    } else if near_bottom && window.newer_more {
        Side::Newer
    } else {
        return;
    };
    let (older, newer, at) = match side {
        Side::Older => (SIDE, 0, window.messages.first()),
        _ => (0, SIDE, window.messages.last()),
    };
    let Some(at) = at.map(|m| (m.at, m.id.clone())) else {
        return;
    };
    window.fetching = Some((side, at.clone()));
    effects.push(Effect::Store(StoreRequest::LoadAround {
        key: window.key.clone(),
        at,
        older,
        newer,
    }));
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
