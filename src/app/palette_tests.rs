use proptest::prelude::*;

use super::*;
use crate::app::Event;
use crate::app::keys::KeyCode;
use crate::app::tests::{app, key as conversation, press};
use crate::contract::provider::ProviderEvent;
use crate::model::Channel;
use nucleo_matcher::Utf32Str;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};

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

/// An inbox whose names share letters, so queries narrow, widen and tie.
fn crowded() -> App {
    let mut app = app();
    let names = [
        "Customer 42",
        "Cus Tomas",
        "Ana 4",
        "Bo 2",
        "Cleo",
        "Tucson",
        "customs",
    ];
    let conversations = (0..40)
        .map(|i| {
            let name = format!("{} {i}", names[i % names.len()]);
            crate::app::tests::conversation(&format!("x{i}"), &name, Channel::Sms, 0)
        })
        .collect();
    app.apply(
        app.now,
        crate::app::tests::provider(ProviderEvent::Conversations(conversations)),
    );
    app
}

/// Every item matched against the query from scratch with nucleo's own `Pattern`, ranked
/// best first, then recently used, then in the list's order: the items, their scores and the
/// highlighted characters of the best.
fn matched_afresh(palette: &PaletteState) -> (Vec<(usize, u32)>, Vec<Vec<u32>>) {
    let pattern = Pattern::parse(&palette.query, CaseMatching::Smart, Normalization::Smart);
    let mut matcher = Matcher::default();
    let mut buffer = Vec::new();
    let mut found: Vec<(std::cmp::Reverse<u32>, usize, usize)> = palette
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let haystack = Utf32Str::new(&item.label, &mut buffer);
            let score = pattern.score(haystack, &mut matcher)?;
            Some((std::cmp::Reverse(score), palette.recency[i], i))
        })
        .collect();
    found.sort();
    let ranked: Vec<(usize, u32)> = found.iter().map(|&(score, _, i)| (i, score.0)).collect();
    let highlighted = ranked
        .iter()
        .take(HIGHLIGHTED)
        .map(|&(i, _)| {
            let mut positions = Vec::new();
            if !pattern.atoms.is_empty() {
                let haystack = Utf32Str::new(&palette.items[i].label, &mut buffer);
                pattern.indices(haystack, &mut matcher, &mut positions);
                positions.sort_unstable();
                positions.dedup();
            }
            positions
        })
        .collect();
    (ranked, highlighted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Typing, erasing a character or a word, in any order: the hits (and their highlighted
    /// characters) are those of matching the query afresh, whether they came from narrowing a
    /// shorter query's hits or from going back to them.
    #[test]
    fn narrowing_and_erasing_give_the_hits_of_matching_afresh(
        steps in proptest::collection::vec(0usize..15, 1..24)
    ) {
        let mut app = crowded();
        press(&mut app, Key::ctrl('k'));
        for step in steps {
            const TYPED: [char; 12] =
                ['c', 'u', 's', 't', ' ', '4', '2', 'C', '!', '^', '\u{a0}', '\u{3000}'];
            let key = match step {
                0..=11 => Key::ch(TYPED[step]),
                12 | 13 => Key::plain(KeyCode::Backspace),
                _ => Key::ctrl('w'),
            };
            press(&mut app, key);
            let palette = app.view.palette.as_ref().expect("open");
            let (ranked, highlighted) = matched_afresh(palette);
            let hits: Vec<(usize, u32)> = palette.hits.iter().map(|h| (h.item, h.score)).collect();
            prop_assert_eq!(hits, ranked, "query {:?}", palette.query);
            let shown: Vec<Vec<u32>> =
                palette.hits.iter().take(HIGHLIGHTED).map(|h| h.positions.clone()).collect();
            prop_assert_eq!(shown, highlighted, "query {:?}", palette.query);
        }
    }
}

#[test]
fn keys_that_change_only_the_palette_keep_the_backdrop_and_others_move_it() {
    let mut app = crowded();
    press(&mut app, Key::ctrl('k'));
    let opened = app.backdrop;
    type_text(&mut app, "cus");
    press(&mut app, Key::plain(KeyCode::Down));
    press(&mut app, Key::plain(KeyCode::Backspace));
    assert_eq!(
        app.backdrop, opened,
        "typing, moving and erasing in the palette"
    );
    // A key a minute later: relative times under the palette change.
    app.apply(
        app.now + time::Duration::minutes(1),
        Event::Key(Key::ch('x')),
    );
    assert_ne!(app.backdrop, opened, "a new minute");
    let opened = app.backdrop;
    app.apply(app.now, Event::Tick);
    assert_ne!(app.backdrop, opened, "anything else moves it");
    let ticked = app.backdrop;
    app.apply(
        app.now,
        crate::app::tests::messages(
            "c1",
            vec![crate::app::tests::inbound("m1", 1, "hello")],
            true,
        ),
    );
    assert_ne!(app.backdrop, ticked, "a message arriving under the palette");
    let arrived = app.backdrop;
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_ne!(app.backdrop, arrived, "running what the palette chose");
}
