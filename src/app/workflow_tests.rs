use super::super::tests::{T0, app, key, press, provider, type_text};
use super::super::{App, Effect, Focus, Key, KeyCode};
use super::*;
use crate::contract::provider::{PlatformActions, ProviderCommand, ProviderEvent};
use crate::contract::store::StoreRequest;
use crate::model::{AccountId, Agent};

fn hub() -> AccountId {
    AccountId::new("hub")
}

/// The test inbox on a platform that keeps a team: this inbox works as `u2` (Sam).
fn team_app() -> App {
    let mut app = app();
    app.settings.agent_name = "Sam".into();
    app.apply(
        T0,
        provider(ProviderEvent::Team {
            me: Some("u2".into()),
            agents: vec![
                Agent {
                    id: "u3".into(),
                    name: "Tom".into(),
                },
                Agent {
                    id: "u1".into(),
                    name: "Maya".into(),
                },
                Agent {
                    id: "u2".into(),
                    name: "Sam".into(),
                },
            ],
            labels: vec!["billing".into()],
        }),
    );
    app.view.focus = Focus::Conversations;
    app.view.selected = Some(key("c1"));
    app
}

fn commands(effects: &[Effect]) -> Vec<ProviderCommand> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Provider { command, .. } => Some(command.clone()),
            _ => None,
        })
        .collect()
}

fn work(app: &App, id: &str) -> Option<Workflow> {
    app.inbox.get(&key(id)).and_then(|e| e.info.work.clone())
}

fn heard(app: &mut App, id: &str, work: Workflow) {
    app.apply(
        T0,
        provider(ProviderEvent::Workflow {
            conversation: id.into(),
            work,
        }),
    );
}

fn listed(app: &App) -> Vec<String> {
    app.view
        .conversations
        .iter()
        .map(|k| k.id.to_string())
        .collect()
}

#[test]
fn m_asks_the_platform_and_the_row_follows_its_answer() {
    let mut app = team_app();
    let effects = press(&mut app, Key::ch('m'));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c1".into(),
            agent: Some("u2".into()),
        }]
    );
    assert_eq!(
        work(&app, "c1"),
        None,
        "nothing changes before the platform says so"
    );
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u2".into()),
            ..Workflow::default()
        },
    );
    assert_eq!(
        work(&app, "c1").expect("work").assignee.as_deref(),
        Some("u2")
    );
    let notice = app.status.current_notice().map(|n| n.text.clone());
    assert_eq!(notice.as_deref(), Some("Ana: assigned to you"));
    // Mine now, so `m` again gives it back.
    let effects = press(&mut app, Key::ch('m'));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c1".into(),
            agent: None,
        }]
    );
}

#[test]
fn the_assign_picker_offers_me_nobody_and_the_team_by_name() {
    let mut app = team_app();
    press(&mut app, Key::ch('A'));
    let picker = app.view.work_picker.as_ref().expect("picker open");
    let names: Vec<String> = picker.shown().iter().map(Pick::label).collect();
    assert_eq!(names, ["me (Sam)", "nobody (unassigned)", "Maya", "Tom"]);
    type_text(&mut app, "to");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c1".into(),
            agent: Some("u3".into()),
        }]
    );
    assert!(app.view.work_picker.is_none());
}

#[test]
fn what_starts_with_the_typed_text_comes_first() {
    let mut app = team_app();
    press(&mut app, Key::ch('A'));
    type_text(&mut app, "m");
    let picker = app.view.work_picker.as_ref().expect("picker open");
    let names: Vec<String> = picker.shown().iter().map(Pick::label).collect();
    // "me" and "Maya" start with it; "Tom" holds it inside a word; "nobody" not at all.
    assert_eq!(names, ["me (Sam)", "Maya", "Tom"]);
    type_text(&mut app, "o");
    let picker = app.view.work_picker.as_ref().expect("picker open");
    let names: Vec<String> = picker.shown().iter().map(Pick::label).collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn labels_toggle_in_place_and_a_typed_one_is_created() {
    let mut app = team_app();
    press(&mut app, Key::ch('L'));
    // Typed as a chip reads: no `#`, words joined.
    type_text(&mut app, "#VIP customer");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    let set = |labels: &[&str]| {
        vec![ProviderCommand::SetLabels {
            conversation: "c1".into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }]
    };
    assert_eq!(commands(&effects), set(&["VIP-customer"]));
    // The picker stays with its cursor on that label, and the next toggle builds on the
    // first (not yet answered).
    let picker = app.view.work_picker.as_ref().expect("still open");
    assert!(picker.typed.is_empty());
    let shown: Vec<String> = picker.shown().iter().map(Pick::label).collect();
    assert_eq!(shown, ["billing", "VIP-customer"]);
    assert_eq!(picker.selected, 1);
    press(&mut app, Key::plain(KeyCode::Up));
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(commands(&effects), set(&["billing", "VIP-customer"]));
    // Enter again on the same label takes it off.
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(commands(&effects), set(&["VIP-customer"]));
    // A pasted label lands in the picker, not in the draft behind it.
    app.apply(T0, super::super::Event::Paste("callback\nlater".into()));
    let picker = app.view.work_picker.as_ref().expect("still open");
    assert_eq!(picker.typed, "callback later");
    assert!(app.view.composer.is_blank());
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(app.view.work_picker.is_none());
}

#[test]
fn priority_is_picked_from_urgent_down() {
    let mut app = team_app();
    press(&mut app, Key::ch('P'));
    let picker = app.view.work_picker.as_ref().expect("picker open");
    assert_eq!(picker.shown()[0], Pick::Priority(Priority::Urgent));
    assert_eq!(
        picker.shown()[picker.selected],
        Pick::Priority(Priority::None),
        "the cursor starts on what it has"
    );
    press(&mut app, Key::plain(KeyCode::Up));
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::SetPriority {
            conversation: "c1".into(),
            priority: Priority::Low,
        }]
    );
}

#[test]
fn where_the_platform_keeps_none_it_is_kept_here_and_stored() {
    let mut app = app();
    app.settings.store = true;
    app.status.account_mut(&hub()).actions =
        PlatformActions::of("Vumi Go", false).without_conversation_state();
    app.view.focus = Focus::Conversations;
    app.view.selected = Some(key("c2"));
    let effects = press(&mut app, Key::ch('m'));
    assert!(
        commands(&effects).is_empty(),
        "nothing goes to the platform"
    );
    assert_eq!(
        work(&app, "c2").expect("work").assignee.as_deref(),
        Some(LOCAL_ME)
    );
    assert!(effects.iter().any(|effect| matches!(
        effect,
        Effect::Store(StoreRequest::Conversations(list))
            if list.iter().any(|c| c.info.work.as_ref().is_some_and(|w| w.assignee.is_some()))
    )));
    let notice = app.status.current_notice().expect("a notice");
    assert!(notice.text.contains("on this machine"), "{}", notice.text);
    // A sync from a platform that keeps none does not wipe it.
    app.apply(
        T0,
        provider(ProviderEvent::Conversations(vec![
            super::super::tests::conversation("c2", "Bo", crate::model::Channel::Sms, 0),
        ])),
    );
    assert_eq!(
        work(&app, "c2").expect("work").assignee.as_deref(),
        Some(LOCAL_ME)
    );
    // Mine is what this machine assigned to its agent.
    press(&mut app, Key::ch('V'));
    assert_eq!(app.view.assignee_view, AssigneeView::Mine);
    assert_eq!(listed(&app), ["c2"]);
}

#[test]
fn assigning_myself_needs_to_know_who_i_am_on_a_team_platform() {
    let mut app = app();
    app.view.focus = Focus::Conversations;
    app.view.selected = Some(key("c1"));
    let effects = press(&mut app, Key::ch('m'));
    assert!(commands(&effects).is_empty());
    let notice = app.status.current_notice().expect("a notice");
    assert!(notice.text.contains("agent_id"), "{}", notice.text);
}

#[test]
fn views_filter_by_assignee_and_label_and_sort_by_priority() {
    let mut app = team_app();
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u1".into()),
            labels: vec!["billing".into()],
            priority: Priority::Low,
            snoozed_until: None,
        },
    );
    heard(
        &mut app,
        "c2",
        Workflow {
            assignee: Some("u2".into()),
            labels: vec![],
            priority: Priority::Urgent,
            snoozed_until: None,
        },
    );
    let mut all = listed(&app);
    all.sort();
    assert_eq!(all, ["c1", "c2"]);
    press(&mut app, Key::ch('V'));
    assert_eq!(listed(&app), ["c2"], "mine");
    press(&mut app, Key::ch('V'));
    assert!(listed(&app).is_empty(), "unassigned");
    press(&mut app, Key::ch('V'));
    assert_eq!(app.view.assignee_view, AssigneeView::All);

    press(&mut app, Key::ch('#'));
    type_text(&mut app, "bill");
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(app.view.label_filter.as_deref(), Some("billing"));
    assert_eq!(listed(&app), ["c1"]);
    press(&mut app, Key::ch('#'));
    press(&mut app, Key::ch('x'));
    // `x` is typed into the picker and matches nothing; Backspace brings "every label" back.
    assert!(
        app.view
            .work_picker
            .as_ref()
            .is_some_and(|p| p.shown().is_empty())
    );
    press(&mut app, Key::plain(KeyCode::Backspace));
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(app.view.label_filter, None, "every label again");

    press(&mut app, Key::ch('O'));
    assert_eq!(listed(&app)[0], "c2", "urgent first");
    // Another agent takes c2 away: the Mine view loses it at once.
    press(&mut app, Key::ch('V'));
    assert_eq!(listed(&app), ["c2"]);
    heard(
        &mut app,
        "c2",
        Workflow {
            assignee: Some("u1".into()),
            labels: vec![],
            priority: Priority::Urgent,
            snoozed_until: None,
        },
    );
    assert!(listed(&app).is_empty());
}

#[test]
fn a_conversation_taken_from_me_says_by_whom() {
    let mut app = team_app();
    let mine = Workflow {
        assignee: Some("u2".into()),
        ..Workflow::default()
    };
    heard(&mut app, "c1", mine);
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u1".into()),
            ..Workflow::default()
        },
    );
    let text = app.status.current_notice().map(|n| n.text.clone());
    assert_eq!(text.as_deref(), Some("Ana is now with Maya"));
    // Between two others: not this agent's news.
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u3".into()),
            ..Workflow::default()
        },
    );
    let text = app.status.current_notice().map(|n| n.text.clone());
    assert_eq!(text.as_deref(), Some("Ana is now with Maya"));
}

#[test]
fn the_row_worked_on_stays_in_a_view_it_leaves_until_the_cursor_moves() {
    let mut app = team_app();
    press(&mut app, Key::ch('V'));
    press(&mut app, Key::ch('V'));
    assert_eq!(app.view.assignee_view, AssigneeView::Unassigned);
    app.view.selected = Some(key("c2"));
    press(&mut app, Key::ch('m'));
    heard(
        &mut app,
        "c2",
        Workflow {
            assignee: Some("u2".into()),
            ..Workflow::default()
        },
    );
    assert!(
        listed(&app).contains(&"c2".to_string()),
        "still under the cursor"
    );
    // `m` again undoes it, on the same conversation.
    let effects = press(&mut app, Key::ch('m'));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c2".into(),
            agent: None,
        }]
    );
    // Once the cursor is elsewhere and the list settles, it leaves the view.
    app.view.selected = Some(key("c1"));
    heard(
        &mut app,
        "c2",
        Workflow {
            assignee: Some("u1".into()),
            ..Workflow::default()
        },
    );
    assert!(!listed(&app).contains(&"c2".to_string()));
}

#[test]
fn m_takes_a_colleagues_conversation_and_m_again_gives_it_back() {
    let mut app = team_app();
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u1".into()),
            ..Workflow::default()
        },
    );
    let effects = press(&mut app, Key::ch('m'));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c1".into(),
            agent: Some("u2".into()),
        }]
    );
    heard(
        &mut app,
        "c1",
        Workflow {
            assignee: Some("u2".into()),
            ..Workflow::default()
        },
    );
    let effects = press(&mut app, Key::ch('m'));
    assert_eq!(
        commands(&effects),
        [ProviderCommand::Assign {
            conversation: "c1".into(),
            agent: Some("u1".into()),
        }],
        "back to Maya, not to nobody"
    );
}

#[test]
fn picking_what_it_already_has_sends_nothing_and_a_typed_hash_finds_the_label() {
    let mut app = team_app();
    heard(
        &mut app,
        "c1",
        Workflow {
            priority: Priority::Urgent,
            labels: vec!["vip".into()],
            ..Workflow::default()
        },
    );
    press(&mut app, Key::ch('P'));
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(commands(&effects).is_empty(), "{effects:?}");
    let notice = app.status.current_notice().map(|n| n.text.clone());
    assert_eq!(notice.as_deref(), Some("Ana: already priority urgent"));
    // `#VIP` is the label `vip` (the chips show a `#`), not a new one.
    press(&mut app, Key::ch('L'));
    type_text(&mut app, "#VIP");
    let picker = app.view.work_picker.as_ref().expect("picker");
    assert_eq!(picker.shown(), [Pick::Label("vip".into())]);
    type_text(&mut app, " fan");
    let picker = app.view.work_picker.as_ref().expect("picker");
    assert_eq!(
        picker.shown(),
        [Pick::Label("VIP-fan".into())],
        "offered as it will be made"
    );
}
