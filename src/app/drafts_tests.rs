use super::super::tests::{T0, app, key, open, press, type_text};
use super::super::{App, AppSettings, Effect, Event, Key, KeyCode};
use crate::contract::provider::ProviderCommand;
use crate::contract::store::{Snapshot, StoreEvent, StoreRequest};

fn drafts_written(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Store(StoreRequest::Draft { key, text, .. }) => {
                Some((key.id.to_string(), text.clone()))
            }
            _ => None,
        })
        .collect()
}

fn stored_app() -> App {
    let mut app = app();
    app.settings.store = true;
    app.settings.send_typing = false;
    app
}

#[test]
fn a_draft_is_written_on_leaving_within_a_tick_and_cleared_when_sent() {
    let mut app = stored_app();
    open(&mut app, "c1");
    let mut effects = type_text(&mut app, "Half a thought");
    assert!(drafts_written(&effects).is_empty(), "not on every key");
    effects = app.apply(app.now, Event::Tick);
    assert_eq!(
        drafts_written(&effects),
        vec![("c1".into(), "Half a thought".into())]
    );
    assert!(
        drafts_written(&app.apply(app.now, Event::Tick)).is_empty(),
        "once per change"
    );
    type_text(&mut app, " more");
    // Leaving writes it at once.
    effects = press(&mut app, Key::alt(KeyCode::Char('j')));
    assert_eq!(
        drafts_written(&effects),
        vec![("c1".into(), "Half a thought more".into())]
    );
    // Back, and sent: the stored draft goes.
    press(&mut app, Key::alt(KeyCode::Char('k')));
    app.view.focus = super::super::Focus::Composer;
    effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(drafts_written(&effects), vec![("c1".into(), String::new())]);
}

#[test]
fn drafts_come_back_after_a_restart() {
    let mut app = App::new(
        "restart",
        AppSettings {
            store: true,
            ..AppSettings::default()
        },
        T0,
    );
    let snapshot = Snapshot {
        drafts: vec![crate::contract::store::Draft {
            key: key("c1"),
            text: "Where was I".into(),
            note: false,
        }],
        ..Snapshot::default()
    };
    app.apply(T0, Event::Store(StoreEvent::Loaded(snapshot)));
    let mut app = {
        // The conversations arrive after the cache, as from a provider.
        let mut fresh = super::super::tests::app();
        fresh.view.drafts = app.view.drafts.clone();
        fresh
    };
    open(&mut app, "c1");
    assert_eq!(app.view.composer.text(), "Where was I");
}

#[test]
fn quitting_with_a_draft_or_a_reply_on_its_way_asks_first() {
    let mut app = stored_app();
    app.view.focus = super::super::Focus::Conversations;
    let effects = press(&mut app, Key::ch('q'));
    assert!(
        effects.contains(&Effect::Quit),
        "nothing unsent: quits at once"
    );

    let mut app = stored_app();
    open(&mut app, "c1");
    type_text(&mut app, "unfinished");
    press(&mut app, Key::plain(KeyCode::Esc));
    let effects = press(&mut app, Key::ch('q'));
    assert!(!effects.contains(&Effect::Quit));
    let question = app
        .status
        .current_notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        question.contains("1 draft (kept for next time)"),
        "{question}"
    );
    // Any other key stays.
    let effects = press(&mut app, Key::ch('j'));
    assert!(!effects.contains(&Effect::Quit) && !app.quitting);
    // Asked again, y quits, and the open draft is written on the way out.
    press(&mut app, Key::ch('q'));
    let effects = press(&mut app, Key::ch('y'));
    assert!(effects.contains(&Effect::Quit));
    assert_eq!(
        drafts_written(&effects),
        vec![("c1".into(), "unfinished".into())]
    );
    // Ctrl+C twice quits too.
    let mut app = stored_app();
    open(&mut app, "c1");
    type_text(&mut app, "x");
    assert!(!press(&mut app, Key::ctrl('c')).contains(&Effect::Quit));
    assert!(press(&mut app, Key::ctrl('c')).contains(&Effect::Quit));
}

#[test]
fn a_note_left_half_written_comes_back_as_a_note_never_as_a_reply() {
    let mut app = stored_app();
    open(&mut app, "c1");
    press(&mut app, Key::alt(KeyCode::Char('n')));
    type_text(&mut app, "VIP, refund approved");
    let effects = press(&mut app, Key::alt(KeyCode::Char('j')));
    assert!(
        effects.iter().any(|e| matches!(e,
            Effect::Store(StoreRequest::Draft { note: true, text, .. }) if text == "VIP, refund approved")),
        "{effects:?}"
    );
    // Back in the conversation: still a note, and Enter keeps it in the team.
    press(&mut app, Key::alt(KeyCode::Char('k')));
    assert!(app.view.noting);
    assert_eq!(app.view.composer.text(), "VIP, refund approved");
    // i (reply) does not turn a half-written note into a reply.
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('i'));
    assert!(app.view.noting);
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    // Only ever as a note for the team, never as a reply.
    assert!(
        effects.iter().all(|e| matches!(
            e,
            Effect::Provider {
                command: ProviderCommand::AddNote { .. },
                ..
            }
        ) || !matches!(e, Effect::Provider { .. })),
        "{effects:?}"
    );
    // After a restart too.
    let mut restarted = stored_app();
    restarted.apply(
        T0,
        Event::Store(StoreEvent::Loaded(Snapshot {
            drafts: vec![crate::contract::store::Draft {
                key: key("c2"),
                text: "internal only".into(),
                note: true,
            }],
            ..Snapshot::default()
        })),
    );
    open(&mut restarted, "c2");
    assert!(restarted.view.noting, "a stored note draft opens as a note");
}

#[test]
fn an_unanswered_quit_question_lapses() {
    let mut app = stored_app();
    open(&mut app, "c1");
    type_text(&mut app, "unfinished");
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('q'));
    // Much later, y is an ordinary key again, not a yes.
    app.now += time::Duration::minutes(5);
    let effects = press(&mut app, Key::ch('y'));
    assert!(!effects.contains(&Effect::Quit) && !app.quitting);
    assert!(
        !app.status
            .current_notice()
            .is_some_and(|n| n.text.starts_with("Quit?")),
        "the question is gone"
    );
}
