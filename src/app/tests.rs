//! Reducer tests: the merge rules of DESIGN.md, keys, focus, sending, typing.

use time::Duration;
use time::macros::datetime;

use super::*;
use crate::contract::provider::{AccountEvent, ConnectionState, ProviderCommand, ProviderEvent};
use crate::model::{
    Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus, DeliveryStatus,
    Direction, Message, Timestamp,
};

pub(super) const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

fn account() -> AccountId {
    AccountId::new("hub")
}

pub(super) fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&account(), id)
}

pub(super) fn conversation(id: &str, name: &str, channel: Channel, unread: u32) -> Conversation {
    Conversation {
        key: key(id),
        channel,
        contact: Contact {
            id: format!("k-{id}"),
            name: name.into(),
            identity: "+15550000".into(),
        },
        status: ConversationStatus::Open,
        unread,
        last_message_at: None,
        last_message: None,
        metadata: Default::default(),
        work: None,
    }
}

pub(super) fn inbound(id: &str, minutes: i64, text: &str) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction: Direction::Inbound,
        sender: "Ana".into(),
        content: Content::Text(text.into()),
        at: T0 + Duration::minutes(minutes),
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

fn outbound(id: &str, minutes: i64, status: DeliveryStatus) -> Message {
    Message {
        direction: Direction::Outbound,
        sender: "You".into(),
        status,
        ..inbound(id, minutes, "reply")
    }
}

pub(super) fn provider(event: ProviderEvent) -> Event {
    Event::provider(AccountEvent {
        account: account(),
        event,
    })
}

pub(super) fn messages(conversation: &str, messages: Vec<Message>, live: bool) -> Event {
    provider(ProviderEvent::Messages {
        conversation: conversation.into(),
        messages,
        live,
    })
}

/// An app with one WhatsApp conversation "c1" (Ana) and one SMS conversation "c2" (Bo).
pub(super) fn app() -> App {
    let mut app = App::new("test", AppSettings::default(), T0);
    app.add_account(account());
    app.apply(
        T0,
        provider(ProviderEvent::Conversations(vec![
            conversation("c1", "Ana", Channel::WhatsApp, 0),
            conversation("c2", "Bo", Channel::Sms, 0),
        ])),
    );
    app
}

fn ids(app: &App, conversation: &str) -> Vec<String> {
    let entry = app
        .inbox
        .get(&key(conversation))
        .expect("conversation exists");
    entry
        .thread
        .messages()
        .iter()
        .map(|m| m.id.clone())
        .collect()
}

fn status_of(app: &App, conversation: &str, id: &str) -> DeliveryStatus {
    app.inbox
        .get(&key(conversation))
        .and_then(|e| e.thread.get(id))
        .expect("message")
        .status
}

pub(super) fn press(app: &mut App, key: Key) -> Vec<Effect> {
    app.apply(app.now, Event::Key(key))
}

pub(super) fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| press(app, Key::ch(c))).collect()
}

#[test]
fn duplicate_push_and_poll_changes_nothing() {
    let mut app = app();
    app.apply(T0, messages("c1", vec![inbound("m1", 1, "hello")], true));
    let revision = app.revision;
    // The same message again from a poll page, and once more from a push.
    app.apply(T0, messages("c1", vec![inbound("m1", 1, "hello")], false));
    app.apply(T0, messages("c1", vec![inbound("m1", 1, "hello")], true));
    assert_eq!(ids(&app, "c1"), ["m1"]);
    assert_eq!(
        app.inbox.get(&key("c1")).map(|e| e.info.unread),
        Some(1),
        "counted once"
    );
    assert_eq!(
        app.revision, revision,
        "a duplicate is not a visible change"
    );
}

#[test]
fn out_of_order_status_never_moves_backwards() {
    let mut app = app();
    app.apply(
        T0,
        messages("c1", vec![outbound("m1", 1, DeliveryStatus::Sent)], true),
    );
    let update = |status| {
        provider(ProviderEvent::StatusUpdate {
            conversation: "c1".into(),
            message_id: "m1".into(),
            status,
            reason: None,
        })
    };
    app.apply(T0, update(DeliveryStatus::Read));
    app.apply(T0, update(DeliveryStatus::Delivered));
    assert_eq!(status_of(&app, "c1", "m1"), DeliveryStatus::Read);
    // A poll page still saying "sent" does not undo it either.
    app.apply(
        T0,
        messages("c1", vec![outbound("m1", 1, DeliveryStatus::Sent)], false),
    );
    assert_eq!(status_of(&app, "c1", "m1"), DeliveryStatus::Read);
}

#[test]
fn failed_is_terminal_and_keeps_its_reason() {
    let mut app = app();
    app.apply(
        T0,
        messages("c1", vec![outbound("m1", 1, DeliveryStatus::Sent)], true),
    );
    app.apply(
        T0,
        provider(ProviderEvent::StatusUpdate {
            conversation: "c1".into(),
            message_id: "m1".into(),
            status: DeliveryStatus::Failed,
            reason: Some("recipient opted out".into()),
        }),
    );
    app.apply(
        T0,
        provider(ProviderEvent::StatusUpdate {
            conversation: "c1".into(),
            message_id: "m1".into(),
            status: DeliveryStatus::Read,
            reason: None,
        }),
    );
    let message = app
        .inbox
        .get(&key("c1"))
        .and_then(|e| e.thread.get("m1"))
        .cloned();
    let message = message.expect("message");
    assert_eq!(message.status, DeliveryStatus::Failed);
    assert_eq!(message.failure.as_deref(), Some("recipient opted out"));
}

#[test]
fn status_heard_before_its_message_is_applied_when_it_arrives() {
    let mut app = app();
    app.apply(
        T0,
        provider(ProviderEvent::StatusUpdate {
            conversation: "c1".into(),
            message_id: "m9".into(),
            status: DeliveryStatus::Delivered,
            reason: None,
        }),
    );
    app.apply(
        T0,
        messages("c1", vec![outbound("m9", 1, DeliveryStatus::Sent)], true),
    );
    assert_eq!(status_of(&app, "c1", "m9"), DeliveryStatus::Delivered);
}

#[test]
fn late_message_is_inserted_in_order() {
    let mut app = app();
    app.apply(
        T0,
        messages(
            "c1",
            vec![inbound("a", 1, "one"), inbound("c", 3, "three")],
            false,
        ),
    );
    app.apply(T0, messages("c1", vec![inbound("b", 2, "two")], true));
    assert_eq!(ids(&app, "c1"), ["a", "b", "c"]);
    // Same timestamp: the id breaks the tie, whatever the arrival order.
    app.apply(T0, messages("c1", vec![inbound("bb", 2, "two too")], true));
    app.apply(T0, messages("c1", vec![inbound("ba", 2, "two also")], true));
    assert_eq!(ids(&app, "c1"), ["a", "b", "ba", "bb", "c"]);
}

/// Opens conversation `id` from the list with the keyboard (it must be selected first).
pub(super) fn open(app: &mut App, id: &str) -> Vec<Effect> {
    app.view.selected = Some(key(id));
    app.view.focus = Focus::Conversations;
    press(app, Key::plain(KeyCode::Enter))
}

#[test]
fn local_echo_is_replaced_by_the_server_copy() {
    let mut app = app();
    open(&mut app, "c1");
    assert_eq!(
        app.view.focus,
        Focus::Composer,
        "Enter opens the conversation for a reply"
    );
    type_text(&mut app, "On my way");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    let Some(Effect::Provider {
        command: ProviderCommand::SendText {
            client_id, text, ..
        },
        ..
    }) = effects.iter().find(|e| {
        matches!(
            e,
            Effect::Provider {
                command: ProviderCommand::SendText { .. },
                ..
            }
        )
    })
    else {
        panic!("no send effect in {effects:?}");
    };
    assert_eq!(text, "On my way");
    assert_eq!(ids(&app, "c1"), std::slice::from_ref(client_id));
    assert_eq!(status_of(&app, "c1", client_id), DeliveryStatus::Pending);
    assert_eq!(app.view.composer.text(), "", "the composer is cleared");

    // The server's copy arrives by push (with our client id) and again in the POST reply.
    let mut server = outbound("srv-1", 0, DeliveryStatus::Sent);
    server.client_id = Some(client_id.clone());
    server.content = Content::Text("On my way".into());
    app.apply(T0, messages("c1", vec![server.clone()], true));
    app.apply(T0, messages("c1", vec![server], true));
    assert_eq!(ids(&app, "c1"), ["srv-1"]);
    assert_eq!(status_of(&app, "c1", "srv-1"), DeliveryStatus::Sent);
}

#[test]
fn a_failed_send_stays_visible_with_its_reason() {
    let mut app = app();
    open(&mut app, "c1");
    type_text(&mut app, "hi");
    press(&mut app, Key::plain(KeyCode::Enter));
    let client_id = ids(&app, "c1")[0].clone();
    app.apply(
        T0,
        provider(ProviderEvent::SendFailed {
            conversation: "c1".into(),
            client_id: client_id.clone(),
            reason: "server error 503".into(),
        }),
    );
    let message = app
        .inbox
        .get(&key("c1"))
        .and_then(|e| e.thread.get(&client_id))
        .cloned();
    let message = message.expect("the reply is not lost");
    assert_eq!(message.status, DeliveryStatus::Failed);
    assert_eq!(message.failure.as_deref(), Some("server error 503"));
    assert!(
        app.status
            .current_notice()
            .is_some_and(|n| n.text.contains("503"))
    );
}

#[test]
fn typing_expires_and_is_cleared_by_a_message() {
    let mut app = app();
    let typing = |on| {
        provider(ProviderEvent::Typing {
            conversation: "c1".into(),
            who: "Ana".into(),
            typing: on,
        })
    };
    app.apply(T0, typing(true));
    assert!(app.typing.get(&key("c1")).is_some());
    app.apply(T0 + Duration::seconds(3), Event::Tick);
    assert!(app.typing.get(&key("c1")).is_some(), "still within the ttl");
    let revision = app.revision;
    app.apply(T0 + Duration::seconds(7), Event::Tick);
    assert!(
        app.typing.get(&key("c1")).is_none(),
        "expired after the ttl"
    );
    assert!(app.revision > revision, "expiry redraws");

    app.apply(T0 + Duration::seconds(8), typing(true));
    app.apply(
        T0 + Duration::seconds(9),
        messages("c1", vec![inbound("m1", 1, "hi")], true),
    );
    assert!(
        app.typing.get(&key("c1")).is_none(),
        "a message ends typing"
    );

    app.apply(T0 + Duration::seconds(10), typing(true));
    app.apply(T0 + Duration::seconds(11), typing(false));
    assert!(app.typing.get(&key("c1")).is_none(), "typing stopped");
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut app = app();
    app.apply(T0, Event::Tick);
    let revision = app.revision;
    app.apply(T0 + Duration::seconds(1), Event::Tick);
    app.apply(T0 + Duration::seconds(2), Event::Tick);
    assert_eq!(app.revision, revision);
    app.apply(T0 + Duration::seconds(60), Event::Tick);
    assert!(
        app.revision > revision,
        "relative times change once a minute"
    );
}

#[test]
fn unread_counts_live_messages_and_opening_marks_read() {
    let mut app = app();
    app.apply(
        T0,
        messages(
            "c1",
            vec![inbound("m1", 1, "a"), inbound("m2", 2, "b")],
            true,
        ),
    );
    assert_eq!(app.view.channels[0].unread, 2, "All");
    let effects = open(&mut app, "c1");
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
    assert_eq!(app.view.unread_marker.as_deref(), Some("m1"));
    assert!(effects.contains(&Effect::Provider {
        account: account(),
        command: ProviderCommand::MarkRead {
            conversation: "c1".into()
        },
    }));
    // While reading, new messages do not count as unread but are marked read.
    let effects = app.apply(T0, messages("c1", vec![inbound("m3", 3, "c")], true));
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Provider {
            command: ProviderCommand::MarkRead { .. },
            ..
        }]
    ));
}

#[test]
fn shortcuts_never_fire_while_composing() {
    let mut app = app();
    open(&mut app, "c1");
    let effects = type_text(&mut app, "q?/jk");
    assert!(!effects.contains(&Effect::Quit));
    assert!(!app.view.help && !app.view.filtering);
    assert_eq!(app.view.composer.text(), "q?/jk");
    press(&mut app, Key::alt(KeyCode::Enter));
    type_text(&mut app, "2nd");
    assert_eq!(
        app.view.composer.text(),
        "q?/jk\n2nd",
        "Alt+Enter is a new line"
    );
    press(&mut app, Key::plain(KeyCode::Esc));
    assert_eq!(app.view.focus, Focus::Conversations);
    // The draft left in the composer makes quitting ask first.
    assert!(press(&mut app, Key::ch('q')).is_empty());
    assert_eq!(press(&mut app, Key::ch('y')), vec![Effect::Quit]);
}

#[test]
fn typing_is_sent_throttled_and_stopped() {
    let mut app = app();
    open(&mut app, "c1");
    let is_typing = |effects: &[Effect], on: bool| {
        effects.iter().any(|e| {
            matches!(e, Effect::Provider { command: ProviderCommand::Typing { typing, .. }, .. } if *typing == on)
        })
    };
    assert!(is_typing(&type_text(&mut app, "h"), true));
    assert!(!is_typing(&type_text(&mut app, "ello"), true), "throttled");
    app.now += Duration::seconds(4);
    assert!(
        is_typing(&type_text(&mut app, "!"), true),
        "again after the throttle"
    );
    assert!(
        is_typing(&press(&mut app, Key::ctrl('u')), false),
        "cleared draft stops typing"
    );

    app.settings.send_typing = false;
    assert!(
        type_text(&mut app, "private").is_empty(),
        "switched off for privacy"
    );
}

#[test]
fn drafts_are_kept_per_conversation() {
    let mut app = app();
    open(&mut app, "c1");
    type_text(&mut app, "draft for Ana");
    press(&mut app, Key::plain(KeyCode::Esc));
    open(&mut app, "c2");
    assert_eq!(app.view.composer.text(), "");
    press(&mut app, Key::plain(KeyCode::Esc));
    open(&mut app, "c1");
    assert_eq!(app.view.composer.text(), "draft for Ana");
}

#[test]
fn filter_and_channel_selection_narrow_the_list() {
    let mut app = app();
    assert_eq!(app.view.conversations.len(), 2);
    press(&mut app, Key::ch('/'));
    type_text(&mut app, "bo");
    assert_eq!(app.view.conversations, [key("c2")]);
    press(&mut app, Key::plain(KeyCode::Esc));
    assert_eq!(app.view.conversations.len(), 2, "Esc clears the filter");

    app.view.focus = Focus::Channels;
    let labels: Vec<_> = app
        .view
        .channels
        .iter()
        .map(|c| c.channel.clone())
        .collect();
    assert_eq!(labels, [None, Some(Channel::WhatsApp), Some(Channel::Sms)]);
    press(&mut app, Key::ch('j'));
    assert_eq!(app.view.conversations, [key("c1")], "WhatsApp only");
}

#[test]
fn alt_j_and_alt_k_walk_conversations_even_while_composing() {
    let mut app = app();
    app.apply(T0, messages("c2", vec![inbound("b1", 5, "newest")], true));
    app.apply(T0, messages("c1", vec![inbound("a1", 1, "older")], true));
    assert_eq!(
        app.view.conversations,
        [key("c2"), key("c1")],
        "newest activity first"
    );
    open(&mut app, "c2");
    press(&mut app, Key::alt(KeyCode::Char('j')));
    assert_eq!(app.view.open, Some(key("c1")));
    press(&mut app, Key::alt(KeyCode::Char('k')));
    assert_eq!(app.view.open, Some(key("c2")));
}

#[test]
fn scrolling_to_the_top_fetches_older_history_once() {
    let mut app = app();
    app.apply(
        T0,
        messages(
            "c1",
            vec![inbound("m5", 5, "x"), inbound("m6", 6, "y")],
            false,
        ),
    );
    open(&mut app, "c1");
    press(&mut app, Key::plain(KeyCode::Esc));
    let layout = LayoutInfo {
        thread_top_scroll: Some(10),
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(layout));
    app.view.focus = Focus::Thread;
    let effects = press(&mut app, Key::ch('g'));
    assert!(
        effects.is_empty(),
        "the jump is clamped when the view reports back"
    );
    let effects = app.apply(
        T0,
        Event::Layout(LayoutInfo {
            thread_top_scroll: Some(11),
            ..layout
        }),
    );
    assert_eq!(app.view.thread_scroll, 11);
    assert_eq!(
        effects,
        [Effect::Provider {
            account: account(),
            command: ProviderCommand::FetchOlder {
                conversation: "c1".into(),
                before: Some("m5".into())
            },
        }]
    );
    assert!(
        press(&mut app, Key::ch('k')).is_empty(),
        "one fetch at a time"
    );
    app.apply(
        T0,
        provider(ProviderEvent::HistoryComplete {
            conversation: "c1".into(),
        }),
    );
    assert!(
        press(&mut app, Key::ch('k')).is_empty(),
        "nothing left to fetch"
    );
}

#[test]
fn connection_state_and_errors_reach_the_status_bar() {
    let mut app = app();
    let until = T0 + Duration::seconds(4);
    app.apply(
        T0,
        provider(ProviderEvent::Connection(ConnectionState::BackingOff {
            until,
            reason: "hub unreachable".into(),
        })),
    );
    let status = &app.status.accounts[&account()];
    assert_eq!(
        status.connection,
        ConnectionState::BackingOff {
            until,
            reason: "hub unreachable".into()
        }
    );
    assert_eq!(status.last_error.as_deref(), Some("hub unreachable"));
    app.apply(
        T0,
        provider(ProviderEvent::Error("malformed frame ignored".into())),
    );
    assert_eq!(
        app.status.current_notice().map(|n| n.text.as_str()),
        Some("malformed frame ignored")
    );
    app.apply(T0 + Duration::seconds(30), Event::Tick);
    assert!(app.status.current_notice().is_none(), "notices expire");
}

#[test]
fn a_connection_made_again_says_why_it_was_lost_until_it_is_live() {
    let mut app = app();
    let state = |app: &App| app.status.accounts[&account()].reconnecting_after.clone();
    let backing_off = |reason: &str| {
        provider(ProviderEvent::Connection(ConnectionState::BackingOff {
            until: T0 + Duration::seconds(2),
            reason: reason.into(),
        }))
    };
    app.apply(T0, backing_off("no route to host"));
    assert_eq!(
        state(&app),
        None,
        "a first connection that fails lost nothing"
    );
    app.apply(
        T0,
        provider(ProviderEvent::Connection(ConnectionState::Live)),
    );
    app.apply(T0, backing_off("connection reset"));
    app.apply(
        T0 + Duration::seconds(2),
        provider(ProviderEvent::Connection(ConnectionState::Connecting)),
    );
    assert_eq!(state(&app).as_deref(), Some("connection reset"));
    app.apply(T0 + Duration::seconds(3), backing_off("connection refused"));
    assert_eq!(
        state(&app).as_deref(),
        Some("connection refused"),
        "the latest"
    );
    app.apply(
        T0 + Duration::seconds(5),
        provider(ProviderEvent::Connection(ConnectionState::Live)),
    );
    assert_eq!(state(&app), None, "live again");
}

#[test]
fn messages_for_an_unknown_conversation_are_kept() {
    let mut app = app();
    app.apply(
        T0,
        messages("c9", vec![inbound("z1", 1, "from nowhere")], true),
    );
    assert_eq!(ids(&app, "c9"), ["z1"]);
    app.apply(
        T0,
        provider(ProviderEvent::Conversations(vec![conversation(
            "c9",
            "Zoë",
            Channel::Telegram,
            1,
        )])),
    );
    let entry = app.inbox.get(&key("c9")).expect("conversation");
    assert_eq!(entry.info.contact.name, "Zoë");
    assert_eq!(
        ids(&app, "c9"),
        ["z1"],
        "the thread survives the conversation's arrival"
    );
}

#[test]
fn help_scrolls_and_closes_on_the_keys_that_say_close() {
    let mut app = app();
    press(&mut app, Key::ch('?'));
    assert!(app.view.help);
    // The view reports how far the help can scroll; keys stay within it.
    let drawn = LayoutInfo {
        help_last_scroll: Some(15),
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(drawn));
    press(&mut app, Key::ch('j'));
    press(&mut app, Key::plain(KeyCode::PageDown));
    assert_eq!(app.view.help_scroll, 11);
    press(&mut app, Key::plain(KeyCode::PageDown));
    assert_eq!(app.view.help_scroll, 15, "not past the end");
    press(&mut app, Key::ch('k'));
    assert_eq!(app.view.help_scroll, 14, "one k moves back at once");
    press(&mut app, Key::ch('x'));
    assert!(app.view.help, "a stray key does not close it unread");
    assert!(
        press(&mut app, Key::ch('q')).is_empty(),
        "q closes help rather than quitting"
    );
    assert!(!app.view.help);
    press(&mut app, Key::ch('?'));
    assert_eq!(app.view.help_scroll, 0, "it opens at the top");
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(!app.view.help);
}

#[test]
fn mouse_click_opens_the_conversation_under_the_pointer() {
    let mut app = app();
    let layout = LayoutInfo {
        conversations: Rect {
            x: 0,
            y: 1,
            width: 30,
            height: 10,
        },
        conversation_rows: 2,
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(layout));
    let second = app.view.conversations[1].clone();
    app.apply(
        T0,
        Event::Mouse(Mouse {
            kind: MouseKind::Click,
            column: 5,
            row: 3,
        }),
    );
    assert_eq!(app.view.open, Some(second));
}

#[test]
fn only_the_open_conversation_pays_for_insights_and_another_catches_up_when_opened() {
    let mut app = app();
    open(&mut app, "c1");
    app.apply(
        T0,
        messages(
            "c2",
            vec![
                inbound("b1", 1, "Can you refund order 1234?"),
                inbound("b2", 2, "Where is my parcel?"),
            ],
            true,
        ),
    );
    app.apply(
        T0,
        messages("c1", vec![inbound("a1", 3, "Is it open today?")], true),
    );
    let engine = |app: &App, id: &str| app.inbox.get(&key(id)).map(|e| e.insights_heard());
    assert_eq!(
        engine(&app, "c1"),
        Some(1),
        "the open conversation is analysed live"
    );
    assert_eq!(
        engine(&app, "c2"),
        Some(0),
        "a closed one is not analysed yet"
    );
    open(&mut app, "c2");
    assert_eq!(
        engine(&app, "c2"),
        Some(2),
        "opening it catches up with its thread"
    );
    let questions = app
        .inbox
        .get(&key("c2"))
        .and_then(|e| e.insights())
        .map(|insights| insights.questions.len());
    assert_eq!(questions, Some(2));
}

#[test]
fn the_insights_pane_opens_on_a_tab_with_something_in_it_until_one_is_picked() {
    use super::insights::{InsightTab, current_tab};
    let mut app = app();
    app.apply(
        T0,
        messages("c1", vec![inbound("m1", 0, "Where is my parcel?")], false),
    );
    open(&mut app, "c1");
    // Nothing to act on yet, one question: the pane shows the questions.
    assert_eq!(current_tab(&app), InsightTab::Questions);
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch(']'));
    assert_eq!(
        current_tab(&app),
        InsightTab::FollowUps,
        "] goes on from what is shown"
    );
    press(&mut app, Key::ch('['));
    press(&mut app, Key::ch('['));
    assert_eq!(
        current_tab(&app),
        InsightTab::ActionItems,
        "a picked tab stays, empty or not"
    );
}

#[test]
fn keys_follow_what_a_narrow_screen_shows_and_tab_reaches_the_insights() {
    let mut app = app();
    open(&mut app, "c1");
    let pane = super::view::Rect {
        x: 0,
        y: 0,
        width: 30,
        height: 20,
    };
    // Insights took the list's place: the list's keys must not act on it unseen.
    press(&mut app, Key::plain(KeyCode::Esc));
    assert_eq!(app.view.focus, Focus::Conversations);
    let narrow = LayoutInfo {
        insights: Some(pane),
        thread: pane,
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(narrow));
    assert_eq!(app.view.focus, Focus::Insights);
    // On a wide screen the insights are in the Tab order, and Tab leaves the composer.
    let wide = LayoutInfo {
        conversations: pane,
        insights: Some(pane),
        thread: pane,
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(wide));
    press(&mut app, Key::ch('i'));
    assert_eq!(app.view.focus, Focus::Composer);
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(app.view.focus, Focus::Insights);
}

#[test]
fn pasted_lines_ending_in_cr_stay_lines() {
    let mut app = app();
    open(&mut app, "c1");
    app.apply(T0, Event::Paste("line one\rline two\r\nline three".into()));
    assert_eq!(app.view.composer.text(), "line one\nline two\nline three");
}

#[test]
fn the_filter_prompt_clears_and_deletes_words_like_a_shell() {
    let mut app = app();
    press(&mut app, Key::ch('/'));
    type_text(&mut app, "ana\u{a0}lima ");
    press(&mut app, Key::ctrl('w'));
    assert_eq!(app.view.filter, "ana\u{a0}", "a wide space is one space");
    press(&mut app, Key::ctrl('w'));
    assert_eq!(app.view.filter, "");
    type_text(&mut app, "bo");
    press(&mut app, Key::ctrl('u'));
    assert_eq!(app.view.filter, "");
}

#[test]
fn reply_with_nothing_open_and_resync_say_what_happens() {
    let mut app = app();
    app.view.focus = Focus::Channels;
    press(&mut app, Key::ch('i'));
    let said = |app: &App| {
        app.status
            .current_notice()
            .map(|n| n.text.clone())
            .unwrap_or_default()
    };
    assert!(
        said(&app).contains("Open a conversation first"),
        "{}",
        said(&app)
    );
    let effects = press(&mut app, Key::ch('R'));
    assert!(!effects.is_empty());
    assert_eq!(said(&app), "Resyncing the account…");
}

#[test]
fn i_and_d_hide_what_a_wide_screen_shows_by_default() {
    let mut app = app();
    let pane = super::view::Rect {
        x: 0,
        y: 0,
        width: 40,
        height: 20,
    };
    let wide = LayoutInfo {
        conversations: pane,
        thread: pane,
        insights: Some(pane),
        details: true,
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(wide));
    press(&mut app, Key::ch('I'));
    press(&mut app, Key::ch('D'));
    assert_eq!(app.view.insights_visible, Some(false));
    assert_eq!(app.view.details_visible, Some(false));
    let bare = LayoutInfo {
        conversations: pane,
        thread: pane,
        ..LayoutInfo::default()
    };
    app.apply(T0, Event::Layout(bare));
    press(&mut app, Key::ch('I'));
    assert_eq!(app.view.insights_visible, Some(true), "and show them again");
}

#[test]
fn the_embedded_demo_opens_the_newest_conversation_once_synced() {
    let mut app = App::new(
        "test",
        AppSettings {
            open_first: true,
            ..AppSettings::default()
        },
        T0,
    );
    app.add_account(account());
    app.apply(
        T0,
        provider(ProviderEvent::Conversations(vec![conversation(
            "c1",
            "Ana",
            Channel::WhatsApp,
            1,
        )])),
    );
    assert_eq!(app.view.open, None, "not before the first sync");
    app.apply(T0, provider(ProviderEvent::Synced));
    assert_eq!(app.view.open, Some(key("c1")));
    // Once: closing it again is the user's choice.
    app.view.open = None;
    app.apply(T0, provider(ProviderEvent::Synced));
    assert_eq!(app.view.open, None);
}

#[test]
fn conversations_share_their_account_id_and_the_list_shares_their_keys() {
    let app = app();
    let c1 = &app.inbox.get(&key("c1")).expect("c1").info.key;
    let c2 = &app.inbox.get(&key("c2")).expect("c2").info.key;
    assert!(std::sync::Arc::ptr_eq(&c1.account.0, &c2.account.0));
    let listed = app.view.conversations.iter().find(|k| **k == *c1);
    let listed = listed.expect("c1 is listed");
    assert!(std::sync::Arc::ptr_eq(&listed.id, &c1.id));
    assert!(std::sync::Arc::ptr_eq(&listed.account.0, &c1.account.0));
}

#[test]
fn the_store_keeps_the_preview_the_inbox_drops_for_a_start_that_reads_only_a_note() {
    let mut app = app();
    app.apply(
        T0,
        messages("c1", vec![inbound("m1", 1, "where is my parcel")], true),
    );
    let mut note = inbound("n1", 2, "VIP customer, be quick");
    note.direction = Direction::Note;
    app.apply(T0, messages("c1", vec![note], true));
    let mut info = app.inbox.get(&key("c1")).expect("c1").info.clone();
    info.last_message = Some("where is my parcel".into());
    app.apply(T0, provider(ProviderEvent::Conversations(vec![info])));
    let entry = app.inbox.get(&key("c1")).expect("c1");
    assert_eq!(entry.info.last_message, None, "the thread previews itself");
    let stored = persist::cached(&app, &key("c1")).expect("stored");
    assert_eq!(
        stored.info.last_message.as_deref(),
        Some("where is my parcel"),
        "the store's newest message is the note: the row needs the customer's words"
    );
}
