use super::*;
use crate::app::Event;
use crate::app::keys::{Key, KeyCode};
use crate::app::search::tests::{at, open_hit_on, stored_app};
use crate::app::tests::{inbound, key as conversation, messages, press, type_text};
use crate::app::{Focus, LayoutInfo};
use crate::contract::store::StoreEvent;

/// "c1" holds m7…m9 (the store has more); the hit "m2" is opened.
fn opened_at_m2() -> (App, Vec<Effect>) {
    let mut app = stored_app();
    let effects = open_hit_on(&mut app, "two");
    (app, effects)
}

/// The store's answer to the window's read under way.
fn around(app: &mut App, range: std::ops::Range<i64>, older_done: bool, newer_done: bool) {
    let (_, at) = window(app).fetching.clone().expect("a read under way");
    answer_at(app, at, range, older_done, newer_done);
}

fn answer_at(
    app: &mut App,
    at: (crate::model::Timestamp, String),
    range: std::ops::Range<i64>,
    older_done: bool,
    newer_done: bool,
) {
    app.apply(
        app.now,
        Event::Store(StoreEvent::Around {
            key: conversation("c1"),
            at,
            messages: range
                .map(|n| inbound(&format!("m{n}"), n, "older"))
                .collect(),
            older_exhausted: older_done,
            newer_exhausted: newer_done,
        }),
    );
}

fn reads(effects: &[Effect]) -> Vec<(String, usize, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(StoreRequest::LoadAround {
                at, older, newer, ..
            }) => Some((at.1.clone(), *older, *newer)),
            _ => None,
        })
        .collect()
}

fn window(app: &App) -> &HistoryWindow {
    shown(app).expect("a window on the thread's history")
}

fn window_ids(app: &App) -> Vec<&str> {
    window(app).messages.iter().map(|m| m.id.as_str()).collect()
}

fn thread_ids(app: &App) -> Vec<String> {
    let entry = app.inbox.get(&conversation("c1")).expect("c1");
    entry
        .thread
        .messages()
        .iter()
        .map(|m| m.id.clone())
        .collect()
}

/// What a frame reports: `above` messages loaded above it, where the top is.
fn frame(app: &mut App, above: usize, top: Option<usize>) -> Vec<Effect> {
    let layout = LayoutInfo {
        thread_loaded_above: Some(above),
        thread_top_scroll: top,
        ..app.view.layout
    };
    app.apply(app.now, Event::Layout(layout))
}

#[test]
fn a_hit_far_back_is_read_around_it_and_shown_in_a_window_not_the_thread() {
    let (mut app, effects) = opened_at_m2();
    assert_eq!(reads(&effects), [("m2".to_string(), SIDE, SIDE)]);
    assert_eq!(
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Store(StoreRequest::LoadAround { at, .. }) => Some(at.0),
                _ => None,
            })
            .collect::<Vec<_>>(),
        [at(2)]
    );
    assert!(!app.view.jump_pending, "not before the message is in");
    around(&mut app, 1..5, true, false);
    assert_eq!(window_ids(&app), ["m1", "m2", "m3", "m4"]);
    assert!(app.view.jump_pending, "now it scrolls there");
    assert_eq!(app.view.selected_message.as_deref(), Some("m2"));
    // The thread is what it was: nothing between the hit and the newest was read.
    assert_eq!(thread_ids(&app), ["m7", "m8", "m9"]);
    assert_eq!(shown_messages(&app).len(), 4);
}

#[test]
fn a_window_that_reaches_the_thread_joins_it() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..8, true, false);
    assert!(app.view.history.is_none());
    assert_eq!(
        thread_ids(&app),
        ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"]
    );
    assert!(app.view.jump_pending, "the thread scrolls to the hit");
    let entry = app.inbox.get(&conversation("c1")).expect("c1");
    assert!(!entry.older_cached, "the store had nothing older than m1");
}

#[test]
fn the_window_reads_a_page_older_and_newer_from_its_ends_and_joins_when_it_meets_the_thread() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 2..5, false, false);
    // The frame scrolled to the hit.
    app.view.jump_pending = false;
    // Near the top of the window: the page before it, once.
    let effects = frame(&mut app, 0, Some(10));
    assert_eq!(reads(&effects), [("m2".to_string(), SIDE, 0)]);
    assert!(
        reads(&frame(&mut app, 1, Some(10))).is_empty(),
        "one read at a time"
    );
    around(&mut app, 0..3, true, false);
    assert_eq!(window_ids(&app), ["m0", "m1", "m2", "m3", "m4"]);
    assert!(!window(&app).older_more);

    // At the bottom of the window, with a message laid out there: the page after it.
    app.view.thread_scroll = 3;
    let anchor = ThreadAnchor {
        at: at(4),
        id_hash: 7,
        bottom: 1,
    };
    let mut effects = Vec::new();
    app.view.layout.thread_anchor = Some(anchor);
    read_ahead(&mut app, Some(50), false, &mut effects);
    assert_eq!(reads(&effects), [("m4".to_string(), 0, SIDE)]);
    around(&mut app, 4..6, false, false);
    assert_eq!(window_ids(&app), ["m0", "m1", "m2", "m3", "m4", "m5"]);
    // What was on screen stays there: m4's bottom line two lines under the viewport's.
    assert_eq!(
        app.view.pin,
        Some(Pin {
            message: anchor,
            offset: 2
        })
    );

    // The next page meets the thread's oldest message: one thread again.
    let mut effects = Vec::new();
    read_ahead(&mut app, Some(50), false, &mut effects);
    assert_eq!(reads(&effects), [("m5".to_string(), 0, SIDE)]);
    app.view.pin = None;
    around(&mut app, 5..8, false, false);
    assert!(app.view.history.is_none());
    assert_eq!(thread_ids(&app).len(), 10);
    assert_eq!(
        app.view.pin,
        Some(Pin {
            message: anchor,
            offset: 2
        }),
        "kept in place in the thread"
    );
}

#[test]
fn an_answer_to_an_earlier_read_is_not_taken_for_the_window_shown_now() {
    let (mut app, _) = opened_at_m2();
    // Another hit, further on, before the first read is answered.
    let mut effects = Vec::new();
    open_at(
        &mut app,
        &conversation("c1"),
        (at(5), "m5".into()),
        &mut effects,
    );
    answer_at(&mut app, (at(2), "m2".into()), 1..4, true, false);
    assert!(window(&app).messages.is_empty(), "not this window's answer");
    assert!(window(&app).fetching.is_some(), "still waiting for its own");
    assert!(
        !app.status
            .notices
            .iter()
            .any(|n| n.text.contains("no longer")),
        "no false alarm"
    );
    app.view.highlight = Some("m5".into());
    around(&mut app, 4..7, false, false);
    assert_eq!(window_ids(&app), ["m4", "m5", "m6"]);
}

#[test]
fn a_message_deleted_leaves_the_window_too() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..5, true, false);
    app.apply(
        app.now,
        crate::app::tests::provider(crate::contract::provider::ProviderEvent::MessageDeleted {
            conversation: "c1".into(),
            message_id: "m3".into(),
        }),
    );
    assert_eq!(window_ids(&app), ["m1", "m2", "m4"]);
}

#[test]
fn a_hit_the_store_no_longer_has_is_said_and_no_window_stays() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 3..5, false, false);
    assert!(app.view.history.is_none());
    assert!(
        app.status
            .notices
            .iter()
            .any(|n| n.text.contains("no longer"))
    );
}

#[test]
fn live_messages_go_to_the_thread_and_end_or_a_reply_goes_back_to_it() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..5, true, false);
    app.apply(
        app.now,
        messages("c1", vec![inbound("m10", 10, "live")], true),
    );
    assert_eq!(window_ids(&app), ["m1", "m2", "m3", "m4"]);
    assert!(thread_ids(&app).contains(&"m10".to_string()));

    app.view.focus = Focus::Thread;
    press(&mut app, Key::plain(KeyCode::End));
    assert!(app.view.history.is_none(), "End: the newest");
    assert_eq!(app.view.thread_scroll, 0);

    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..5, true, false);
    app.view.focus = Focus::Composer;
    type_text(&mut app, "on it");
    press(&mut app, Key::plain(KeyCode::Enter));
    assert!(app.view.history.is_none(), "a reply shows where it went");
}

#[test]
fn j_and_k_walk_the_window() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..5, true, false);
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('k'));
    assert_eq!(app.view.selected_message.as_deref(), Some("m1"));
    press(&mut app, Key::ch('j'));
    press(&mut app, Key::ch('j'));
    assert_eq!(app.view.selected_message.as_deref(), Some("m3"));
}

#[test]
fn a_page_key_before_the_frame_moves_the_pinned_message_with_the_view() {
    let (mut app, _) = opened_at_m2();
    around(&mut app, 1..5, true, false);
    app.view.jump_pending = false;
    app.view.thread_scroll = 3;
    app.view.layout.thread_anchor = Some(ThreadAnchor {
        at: at(4),
        id_hash: 7,
        bottom: 1,
    });
    let mut effects = Vec::new();
    read_ahead(&mut app, Some(50), false, &mut effects);
    around(&mut app, 4..6, false, false);
    assert_eq!(app.view.pin.map(|p| p.offset), Some(2));
    // A page down before the frame that places the pin: the pin goes down with it.
    app.view.focus = Focus::Thread;
    press(&mut app, Key::plain(KeyCode::PageDown));
    let page = isize::try_from(app.view.layout.thread.height.saturating_sub(2))
        .unwrap_or(0)
        .max(1);
    assert_eq!(app.view.pin.map(|p| p.offset), Some(2 - page));
}
