use time::macros::{datetime, offset};
use time::{Duration, UtcOffset};

use super::super::tests::{T0, app, inbound, key, messages, press, type_text};
use super::super::{Effect, Event, Focus, Key, KeyCode};
use super::*;
use crate::contract::provider::ProviderCommand;
use crate::model::{ConversationStatus, Snooze};

/// Friday 20 November 2026, 14:00 UTC is 15:00 in Paris (UTC+1).
const PARIS: UtcOffset = offset!(+1);

fn at(text: &str) -> Result<Timestamp, String> {
    parse_when(text, T0, PARIS)
}

#[test]
fn typed_times_are_read_in_local_time() {
    assert_eq!(at("2h"), Ok(T0 + Duration::hours(2)));
    assert_eq!(at("45m"), Ok(T0 + Duration::minutes(45)));
    assert_eq!(at("in 2 hours"), Ok(T0 + Duration::hours(2)));
    assert_eq!(at("9am tomorrow"), Ok(datetime!(2026-11-21 08:00 UTC)));
    assert_eq!(at("next mon 10:00"), Ok(datetime!(2026-11-23 09:00 UTC)));
    assert_eq!(
        at("16:30"),
        Ok(datetime!(2026-11-20 15:30 UTC)),
        "later today"
    );
    assert_eq!(
        at("9am"),
        Ok(datetime!(2026-11-21 08:00 UTC)),
        "passed today: tomorrow"
    );
    assert_eq!(
        at("tomorrow 18h"),
        Ok(datetime!(2026-11-21 17:00 UTC)),
        "after a day, 18h is a time"
    );
    assert_eq!(
        at("tomorrow"),
        Ok(datetime!(2026-11-21 08:00 UTC)),
        "a day means 09:00"
    );
    assert_eq!(at("tomorrow 2:30pm"), Ok(datetime!(2026-11-21 13:30 UTC)));
    assert_eq!(at("mon"), Ok(datetime!(2026-11-23 08:00 UTC)));
    assert_eq!(
        at("Friday 17:00"),
        Ok(datetime!(2026-11-20 16:00 UTC)),
        "later this Friday"
    );
    assert_eq!(
        at("fri 14:00"),
        Ok(datetime!(2026-11-27 13:00 UTC)),
        "passed: next Friday"
    );
    assert_eq!(at("2026-12-24 09:00"), Ok(datetime!(2026-12-24 08:00 UTC)));
    assert_eq!(at("2026-12-24"), Ok(datetime!(2026-12-24 08:00 UTC)));
    for wrong in [
        "",
        "soon",
        "25:00",
        "2026-02-30",
        "2020-01-01",
        "fri 14:00 extra",
        "0m",
    ] {
        assert!(at(wrong).is_err(), "{wrong:?}");
    }
}

#[test]
fn presets_say_their_local_times_and_skip_the_past() {
    let labels: Vec<String> = presets(T0, PARIS).into_iter().map(|(l, _)| l).collect();
    assert_eq!(
        labels,
        [
            "in 1 hour",
            "this evening (18:00)",
            "tomorrow morning (Sat 09:00)",
            "next Monday (09:00)"
        ]
    );
    let late = datetime!(2026-11-20 17:45 UTC);
    assert!(
        !presets(late, PARIS)
            .iter()
            .any(|(l, _)| l.starts_with("this evening")),
        "18:45 in Paris: the evening has begun"
    );
}

fn snooze_with(app: &mut super::super::App, keys: &[Key]) -> Vec<Effect> {
    app.view.focus = Focus::Conversations;
    app.view.selected = Some(key("c1"));
    let mut effects = press(app, Key::ch('z'));
    for key in keys {
        effects.extend(press(app, *key));
    }
    effects
}

#[test]
fn a_snoozed_conversation_leaves_the_list_and_comes_back_at_its_time() {
    let mut app = app();
    let effects = snooze_with(
        &mut app,
        &[Key::ch('3'), Key::ch('h'), Key::plain(KeyCode::Enter)],
    );
    assert_eq!(
        app.inbox.get(&key("c1")).and_then(|e| e.snooze),
        Some(Snooze::Until(T0 + Duration::hours(3)))
    );
    // It stays under the cursor (another key acts on it still), and leaves once the cursor
    // moves on.
    assert!(app.view.conversations.contains(&key("c1")));
    press(&mut app, Key::ch('j'));
    assert!(
        !app.view.conversations.contains(&key("c1")),
        "off the list: open {:?} list {:?}",
        app.view.open,
        app.view.conversations
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Provider {
            command: ProviderCommand::SetStatus {
                status: ConversationStatus::Snoozed,
                ..
            },
            ..
        }
    )));
    // The status filter shows the snoozed ones.
    app.view.status_filter = Some(ConversationStatus::Snoozed);
    app.lists_stale = true;
    app.apply(app.now, Event::Tick);
    assert_eq!(app.view.conversations, vec![key("c1")]);
    app.view.status_filter = None;
    app.lists_stale = true;
    // Not yet…
    app.apply(T0 + Duration::hours(2), Event::Tick);
    assert!(!app.view.conversations.contains(&key("c1")));
    // …and back at its time, the platform told.
    let effects = app.apply(T0 + Duration::hours(3), Event::Tick);
    assert!(app.view.conversations.contains(&key("c1")));
    assert_eq!(app.inbox.get(&key("c1")).and_then(|e| e.snooze), None);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Provider {
            command: ProviderCommand::SetStatus {
                status: ConversationStatus::Open,
                ..
            },
            ..
        }
    )));
}

#[test]
fn the_customer_writing_ends_any_snooze_at_once() {
    let mut app = app();
    // The last preset: until the customer replies.
    let choices = {
        snooze_with(&mut app, &[]);
        app.view
            .status_picker
            .as_ref()
            .map(|p| p.choices.len())
            .unwrap_or(0)
    };
    for _ in 1..choices {
        press(&mut app, Key::plain(KeyCode::Down));
    }
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(
        app.inbox.get(&key("c1")).and_then(|e| e.snooze),
        Some(Snooze::UntilReply)
    );
    press(&mut app, Key::ch('j'));
    app.apply(T0 + Duration::days(3), Event::Tick);
    assert!(
        !app.view.conversations.contains(&key("c1")),
        "no time ends it"
    );
    app.apply(
        app.now,
        messages("c1", vec![inbound("m9", 4000, "any news?")], true),
    );
    assert_eq!(app.inbox.get(&key("c1")).and_then(|e| e.snooze), None);
    assert!(app.view.conversations.contains(&key("c1")));
}

#[test]
fn a_time_that_cannot_be_read_is_said_in_the_picker() {
    let mut app = app();
    snooze_with(&mut app, &[]);
    type_text(&mut app, "someday");
    press(&mut app, Key::plain(KeyCode::Enter));
    let picker = app.view.status_picker.as_ref().expect("still open");
    assert!(
        picker
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("not a time"))
    );
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(app.view.status_picker.is_none());
    assert_eq!(app.inbox.get(&key("c1")).and_then(|e| e.snooze), None);
}

#[test]
fn statuses_are_picked_too_and_only_sent_where_the_platform_keeps_them() {
    let mut app = app();
    // Pending is the second line.
    let effects = snooze_with(
        &mut app,
        &[Key::plain(KeyCode::Down), Key::plain(KeyCode::Enter)],
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Provider {
            command: ProviderCommand::SetStatus {
                status: ConversationStatus::Pending,
                ..
            },
            ..
        }
    )));
    // A platform that keeps no status: the snooze is kept here alone.
    let account = key("c1").account;
    app.status.account_mut(&account).actions =
        crate::contract::provider::PlatformActions::of("Vumi Go", false)
            .without_conversation_state();
    let effects = snooze_with(
        &mut app,
        &[Key::ch('1'), Key::ch('d'), Key::plain(KeyCode::Enter)],
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Provider { .. })),
        "{effects:?}"
    );
    assert!(app.inbox.get(&key("c1")).and_then(|e| e.snooze).is_some());
}

#[test]
fn an_old_message_a_resync_brings_does_not_end_a_snooze_and_a_platform_status_does() {
    let mut app = app();
    snooze_with(
        &mut app,
        &[Key::ch('2'), Key::ch('h'), Key::plain(KeyCode::Enter)],
    );
    // A resync lists a message written before the snooze: still snoozed.
    app.apply(
        app.now,
        messages("c1", vec![inbound("old", -30, "earlier")], false),
    );
    assert!(
        app.inbox
            .get(&key("c1"))
            .is_some_and(|e| e.snooze.is_some())
    );
    // A message written after it, even from a resync, ends it.
    app.apply(
        app.now,
        messages("c1", vec![inbound("new", 5, "hello again")], false),
    );
    assert!(
        app.inbox
            .get(&key("c1"))
            .is_some_and(|e| e.snooze.is_none())
    );
    // The platform resolving it ends a snooze too: one status at a time.
    snooze_with(
        &mut app,
        &[Key::ch('2'), Key::ch('h'), Key::plain(KeyCode::Enter)],
    );
    app.apply(
        app.now,
        super::super::tests::provider(
            crate::contract::provider::ProviderEvent::ConversationStatus {
                conversation: "c1".into(),
                status: ConversationStatus::Resolved,
            },
        ),
    );
    assert!(
        app.inbox
            .get(&key("c1"))
            .is_some_and(|e| e.snooze.is_none())
    );
    assert!(!app.view.conversations.is_empty());
}

#[test]
fn a_far_snooze_says_its_date() {
    let far = Snooze::Until(datetime!(2026-12-24 08:00 UTC));
    assert_eq!(until_label(far, T0, PARIS), "until 24 December 09:00");
    let soon = Snooze::Until(datetime!(2026-11-21 08:00 UTC));
    assert_eq!(until_label(soon, T0, PARIS), "until Sat 09:00");
}

/// Sinch keeps no status but keeps the team's workflow: a snooze's end is shared there, and
/// cleared when the conversation comes back.
#[test]
fn without_a_status_a_snooze_end_is_shared_where_the_workflow_is_kept() {
    let mut app = app();
    let account = key("c1").account;
    app.status.account_mut(&account).actions =
        crate::contract::provider::PlatformActions::of("Sinch", true);
    let effects = snooze_with(
        &mut app,
        &[Key::ch('2'), Key::ch('h'), Key::plain(KeyCode::Enter)],
    );
    let shared: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Provider {
                command: ProviderCommand::SetSnoozedUntil { until, .. },
                ..
            } => Some(*until),
            _ => None,
        })
        .collect();
    assert_eq!(shared, [Some(T0 + Duration::hours(2))]);
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Provider {
                command: ProviderCommand::SetStatus { .. },
                ..
            }
        )),
        "no status to set"
    );
    // The platform holds it now; when its time comes, it is cleared there too.
    app.apply(
        T0,
        super::super::tests::provider(crate::contract::provider::ProviderEvent::Workflow {
            conversation: "c1".into(),
            work: crate::model::Workflow {
                snoozed_until: Some(T0 + Duration::hours(2)),
                ..Default::default()
            },
        }),
    );
    let effects = app.apply(T0 + Duration::hours(3), Event::Tick);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Provider {
            command: ProviderCommand::SetSnoozedUntil { until: None, .. },
            ..
        }
    )));
}

/// Another agent's snooze, as the platform keeps its end: taken up here (off the list, back at
/// its time), let go when they end it, and not taken up once its time has passed.
#[test]
fn a_snooze_set_elsewhere_is_followed() {
    let mut app = app();
    let until = T0 + Duration::hours(1);
    let say = |app: &mut super::super::App, at: Timestamp, until: Option<Timestamp>| {
        app.apply(
            at,
            super::super::tests::provider(crate::contract::provider::ProviderEvent::Workflow {
                conversation: "c2".into(),
                work: crate::model::Workflow {
                    snoozed_until: until,
                    ..Default::default()
                },
            }),
        );
    };
    say(&mut app, T0, Some(until));
    let snooze = |app: &super::super::App| app.inbox.get(&key("c2")).and_then(|e| e.snooze);
    assert_eq!(snooze(&app), Some(Snooze::Until(until)));
    assert!(!app.view.conversations.contains(&key("c2")), "off the list");
    say(&mut app, T0, None);
    assert_eq!(snooze(&app), None, "ended elsewhere");
    assert!(app.view.conversations.contains(&key("c2")));
    // An end already past: whoever was there brought it back; nothing to take up.
    say(&mut app, T0 + Duration::hours(2), Some(until));
    assert_eq!(snooze(&app), None);
}
