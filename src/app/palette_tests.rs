use super::*;
use crate::app::keys::KeyCode;
use crate::app::tests::{app, key as conversation, press};

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, Key::ch(c));
    }
}

fn labels(app: &App) -> Vec<String> {
    let palette = app.view.palette.as_ref().expect("open");
    palette
        .hits
        .iter()
        .map(|hit| palette.items[hit.item].label.clone())
        .collect()
}

#[test]
fn ctrl_k_lists_actions_with_their_keys_and_every_conversation() {
    let mut app = app();
    press(&mut app, Key::ctrl('k'));
    let palette = app.view.palette.as_ref().expect("open");
    let resolve = palette
        .items
        .iter()
        .find(|i| i.target == Target::Action(Action::ToggleResolved))
        .expect("an action of the map");
    assert_eq!(resolve.detail, "s");
    assert!(
        palette
            .items
            .iter()
            .any(|i| i.target == Target::Conversation(conversation("c2"))),
        "conversations too"
    );
    assert!(
        !palette
            .items
            .iter()
            .any(|i| i.target == Target::Action(Action::DeleteBack)),
        "not the editing keys"
    );
}

#[test]
fn typing_narrows_fuzzily_and_enter_opens_the_conversation() {
    let mut app = app();
    press(&mut app, Key::ch(':'));
    type_text(&mut app, "bo");
    assert_eq!(
        labels(&app).first().map(String::as_str),
        Some("Bo  +15550000")
    );
    let hit = &app.view.palette.as_ref().expect("open").hits[0];
    assert_eq!(hit.positions, vec![0, 1], "the matched characters");
    press(&mut app, Key::plain(KeyCode::Enter));
    assert!(app.view.palette.is_none());
    assert_eq!(app.view.open, Some(conversation("c2")));
    assert_eq!(app.view.focus, Focus::Composer);
}

#[test]
fn an_action_runs_and_comes_first_next_time() {
    let mut app = app();
    press(&mut app, Key::ctrl('k'));
    type_text(&mut app, "contact details");
    let first = labels(&app).first().cloned().unwrap_or_default();
    assert_eq!(first, "show/hide contact details");
    let before = app.view.details_visible;
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_ne!(app.view.details_visible, before, "it ran");
    press(&mut app, Key::ctrl('k'));
    assert_eq!(
        labels(&app).first().map(String::as_str),
        Some("show/hide contact details"),
        "recently used first"
    );
    // Esc closes without running anything; typing edits the query.
    type_text(&mut app, "zz");
    press(&mut app, Key::plain(KeyCode::Backspace));
    assert_eq!(
        app.view.palette.as_ref().map(|p| p.query.as_str()),
        Some("z")
    );
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(app.view.palette.is_none());
}

#[test]
fn a_query_nothing_matches_lists_nothing_and_enter_does_nothing() {
    let mut app = app();
    press(&mut app, Key::ctrl('k'));
    type_text(&mut app, "qqqqxxxx");
    assert!(labels(&app).is_empty());
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(effects.is_empty());
    assert!(app.view.palette.is_none());
}
