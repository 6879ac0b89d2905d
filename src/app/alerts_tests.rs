//! When a notification goes out, and what the title says.

use super::tests::{T0, app, inbound, key, messages};
use super::*;

fn notifications(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { title, body } => Some((title.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

fn titles(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Title(title) => Some(title.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_customer_message_notifies_only_while_the_agent_looks_elsewhere() {
    let mut app = app();
    app.apply(T0, Event::TerminalFocus(false));
    let effects = app.apply(
        T0,
        messages("c1", vec![inbound("m1", 1, "Where is my order?")], true),
    );
    assert_eq!(
        notifications(&effects),
        vec![(
            "Ana · WhatsApp".to_string(),
            "Where is my order?".to_string()
        )]
    );
    app.apply(T0, Event::TerminalFocus(true));
    let effects = app.apply(T0, messages("c1", vec![inbound("m2", 2, "Hello?")], true));
    assert!(notifications(&effects).is_empty(), "the agent is looking");
}

#[test]
fn without_focus_reports_only_the_open_conversation_counts_as_seen() {
    let mut app = app();
    app.view.open = Some(key("c1"));
    let effects = app.apply(
        T0,
        messages("c1", vec![inbound("m1", 1, "on screen")], true),
    );
    assert!(notifications(&effects).is_empty());
    let effects = app.apply(
        T0,
        messages("c2", vec![inbound("m2", 1, "elsewhere")], true),
    );
    assert_eq!(notifications(&effects).len(), 1);
}

#[test]
fn history_muted_channels_and_muted_accounts_never_notify() {
    let mut app = app();
    app.apply(T0, Event::TerminalFocus(false));
    let effects = app.apply(
        T0,
        messages("c1", vec![inbound("old", 1, "history")], false),
    );
    assert!(notifications(&effects).is_empty(), "a page of history");

    app.settings.alerts.muted_channels = vec!["SMS".into()];
    let effects = app.apply(T0, messages("c2", vec![inbound("m1", 1, "sms")], true));
    assert!(notifications(&effects).is_empty(), "a muted channel");

    app.settings.alerts.muted_channels.clear();
    app.settings.alerts.muted_accounts = vec!["hub".into()];
    let effects = app.apply(T0, messages("c2", vec![inbound("m2", 2, "sms")], true));
    assert!(notifications(&effects).is_empty(), "a muted account");
}

#[test]
fn a_batch_makes_one_notification_and_hostile_text_is_neutralised() {
    let mut app = app();
    app.apply(T0, Event::TerminalFocus(false));
    let batch = Event::Providers(vec![
        AccountEvent {
            account: AccountId::new("hub"),
            event: crate::contract::provider::ProviderEvent::Messages {
                conversation: "c1".into(),
                messages: vec![inbound("a", 1, "one")],
                live: true,
            },
        },
        AccountEvent {
            account: AccountId::new("hub"),
            event: crate::contract::provider::ProviderEvent::Messages {
                conversation: "c2".into(),
                messages: vec![inbound("b", 1, "two")],
                live: true,
            },
        },
    ]);
    let effects = app.apply(T0, batch);
    assert_eq!(notifications(&effects).len(), 1);

    // After the quiet time that follows a notification.
    let effects = app.apply(
        T0 + time::Duration::seconds(11),
        messages(
            "c1",
            vec![inbound("c", 2, "pay\x1b]52;c;ZXZpbA==\x07 now\nplease")],
            true,
        ),
    );
    let (_, body) = notifications(&effects).pop().expect("one");
    assert!(!body.contains('\x1b') && !body.contains('\n'), "{body:?}");
}

#[test]
fn the_title_follows_the_unread_count_and_is_set_once_per_change() {
    let mut app = app();
    app.settings.alerts.title = true;
    let effects = app.apply(T0, messages("c1", vec![inbound("m1", 1, "hi")], true));
    assert_eq!(titles(&effects), vec!["switchboard (1)".to_string()]);
    let effects = app.apply(T0, Event::Tick);
    assert!(titles(&effects).is_empty(), "unchanged");
    let effects = app.apply(T0, messages("c2", vec![inbound("m2", 1, "yo")], true));
    assert_eq!(titles(&effects), vec!["switchboard (2)".to_string()]);
    app.settings.alerts.title = false;
    let effects = app.apply(T0, messages("c2", vec![inbound("m3", 2, "yo")], true));
    assert!(titles(&effects).is_empty(), "[notify] title = false");
}

#[test]
fn a_burst_over_several_batches_rings_once() {
    let mut app = app();
    app.apply(T0, Event::TerminalFocus(false));
    let first = app.apply(T0, messages("c1", vec![inbound("a", 1, "one")], true));
    let second = app.apply(
        T0 + time::Duration::seconds(3),
        messages("c2", vec![inbound("b", 1, "two")], true),
    );
    assert_eq!(notifications(&first).len(), 1);
    assert!(notifications(&second).is_empty(), "still the same burst");
    let later = app.apply(
        T0 + time::Duration::seconds(30),
        messages("c2", vec![inbound("c", 2, "three")], true),
    );
    assert_eq!(notifications(&later).len(), 1);
}
