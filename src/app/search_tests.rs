use super::*;
use crate::app::keys::KeyCode;
use crate::app::tests::{inbound, key as conversation, messages, press, type_text};
use crate::app::{AppSettings, Event};
use crate::contract::store::StoreEvent;
use crate::model::{Direction, Timestamp};

/// The sample app with a store attached, "c1" holding its newest three messages.
pub(in crate::app) fn stored_app() -> App {
    let base = crate::app::tests::app();
    let mut app = App::new(
        "test",
        AppSettings {
            store: true,
            ..AppSettings::default()
        },
        base.now,
    );
    app.add_account(conversation("c1").account);
    let conversations = base.inbox.iter().map(|(_, e)| e.info.clone()).collect();
    app.apply(
        base.now,
        crate::app::tests::provider(crate::contract::provider::ProviderEvent::Conversations(
            conversations,
        )),
    );
    app.apply(
        base.now,
        messages(
            "c1",
            vec![
                inbound("m7", 7, "seven"),
                inbound("m8", 8, "eight"),
                inbound("m9", 9, "nine"),
            ],
            true,
        ),
    );
    app
}

fn searches(effects: &[Effect]) -> Vec<(u64, SearchQuery, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(StoreRequest::Search { id, query, limit }) => {
                Some((*id, query.clone(), *limit))
            }
            _ => None,
        })
        .collect()
}

pub(in crate::app) fn hit(id: &str, conversation_id: &str, minute: i64) -> SearchHit {
    SearchHit {
        key: conversation(conversation_id),
        message_id: id.into(),
        at: at(minute),
        direction: Direction::Inbound,
        sender: "Ana".into(),
        snippet: format!("the {}word{}", search::HIT_START, search::HIT_END),
    }
}

pub(in crate::app) fn at(minute: i64) -> Timestamp {
    inbound("x", minute, "").at
}

/// Ctrl+F, `query`, the store answering with the hit "m2" of "c1" (not loaded), then Enter on
/// it; returns what Enter asked for.
pub(in crate::app) fn open_hit_on(app: &mut App, query: &str) -> Vec<Effect> {
    press(app, Key::ctrl('f'));
    let effects = type_text(app, query);
    let (id, _, _) = searches(&effects).pop().expect("asked");
    answer(app, id, vec![hit("m2", "c1", 2)]);
    press(app, Key::plain(KeyCode::Enter))
}

fn answer(app: &mut App, id: u64, hits: Vec<SearchHit>) -> Vec<Effect> {
    app.apply(
        app.now,
        Event::Store(StoreEvent::Found { id, hits: Ok(hits) }),
    )
}

#[test]
fn ctrl_f_asks_the_store_as_the_query_is_typed_and_keeps_only_the_latest_answer() {
    let mut app = stored_app();
    press(&mut app, Key::ctrl('f'));
    assert!(app.view.search.is_some());
    let effects = type_text(&mut app, "vac");
    let asked = searches(&effects);
    assert_eq!(asked.len(), 3, "one search per key");
    let (last, query, limit) = asked.last().cloned().expect("asked");
    assert_eq!(query.terms[0].text, "vac");
    assert_eq!(limit, RESULTS);
    // The answer to "va" arrives after "vac" was asked: it is not shown.
    answer(&mut app, last - 1, vec![hit("old", "c2", 1)]);
    assert!(app.view.search.as_ref().expect("open").hits.is_empty());
    answer(&mut app, last, vec![hit("m8", "c1", 8), hit("m2", "c1", 2)]);
    let state = app.view.search.as_ref().expect("open");
    assert_eq!(state.hits.len(), 2);
    assert!(!state.waiting);
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(app.view.search.is_none());
}

#[test]
fn is_mine_is_filled_in_with_who_i_am_on_each_account() {
    let mut app = stored_app();
    press(&mut app, Key::ctrl('f'));
    let effects = type_text(&mut app, "is:mine");
    let (_, query, _) = searches(&effects).pop().expect("asked");
    assert_eq!(query.me, vec![("hub".to_string(), "me".to_string())]);
}

#[test]
fn a_loaded_hit_opens_its_conversation_marked_and_scrolled_to() {
    let mut app = stored_app();
    press(&mut app, Key::ctrl('f'));
    let effects = type_text(&mut app, "eight");
    let (id, _, _) = searches(&effects).pop().expect("asked");
    answer(&mut app, id, vec![hit("m8", "c1", 8)]);
    press(&mut app, Key::plain(KeyCode::Enter));
    assert!(app.view.search.is_none());
    assert_eq!(app.view.open, Some(conversation("c1")));
    assert_eq!(app.view.focus, Focus::Thread);
    assert_eq!(app.view.selected_message.as_deref(), Some("m8"));
    assert_eq!(app.view.highlight.as_deref(), Some("m8"));
    assert!(app.view.jump_pending, "the thread scrolls to it");
}

#[test]
fn slash_in_the_thread_searches_it_and_n_walks_the_hits() {
    let mut app = stored_app();
    crate::app::tests::open(&mut app, "c1");
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('/'));
    assert!(app.view.thread_search.as_ref().is_some_and(|s| s.typing));
    let typed = type_text(&mut app, "word");
    assert!(searches(&typed).is_empty(), "asked on Enter");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    let (id, query, limit) = searches(&effects).pop().expect("asked");
    assert_eq!(query.conversation, Some(conversation("c1")));
    assert_eq!(limit, THREAD_HITS);
    // Hits come newest first; the walk starts at the newest.
    answer(
        &mut app,
        id,
        vec![hit("m9", "c1", 9), hit("m8", "c1", 8), hit("m7", "c1", 7)],
    );
    assert_eq!(app.view.selected_message.as_deref(), Some("m9"));
    press(&mut app, Key::ch('n'));
    assert_eq!(app.view.selected_message.as_deref(), Some("m8"));
    press(&mut app, Key::ch('n'));
    press(&mut app, Key::ch('n'));
    assert_eq!(app.view.selected_message.as_deref(), Some("m9"), "wrapped");
    assert!(
        app.status
            .notices
            .iter()
            .any(|n| n.text.contains("wrapped"))
    );
    press(&mut app, Key::ch('N'));
    assert_eq!(app.view.selected_message.as_deref(), Some("m7"));
    // `n` is the note key again once the search ends.
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(app.view.thread_search.is_none());
    press(&mut app, Key::ch('n'));
    assert_eq!(app.view.focus, Focus::Composer);
}

#[test]
fn a_thread_search_without_hits_says_so_and_ends() {
    let mut app = stored_app();
    crate::app::tests::open(&mut app, "c1");
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('/'));
    type_text(&mut app, "zebra");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    let (id, _, _) = searches(&effects).pop().expect("asked");
    answer(&mut app, id, Vec::new());
    assert!(app.view.thread_search.is_none());
    assert!(app.status.notices.iter().any(|n| n.text.contains("zebra")));
}

#[test]
fn without_a_store_search_says_why_it_cannot_run() {
    let mut app = crate::app::tests::app();
    press(&mut app, Key::ctrl('f'));
    assert!(app.view.search.is_none());
    assert!(
        app.status
            .notices
            .iter()
            .any(|n| n.text.contains("local store"))
    );
}
