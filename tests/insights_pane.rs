//! The insights pane end to end through the public API: messages arrive as provider events,
//! the reducer feeds each conversation's insight engine, and the pane shows tabs with counts;
//! Enter on a row scrolls the thread to its source message and highlights it. Snapshots at
//! 80×24 (compact form) and 160×48.

use crate::support::screen;
use std::collections::BTreeMap;

use switchboard::app::insights::InsightTab;
use switchboard::app::{App, AppSettings, Event, Focus, Key, KeyCode};
use switchboard::insights::{Answer, ItemState, Waiting};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use time::Duration;
use time::macros::datetime;

/// Friday 20 November 2026, 14:00 UTC.
const NOW: Timestamp = datetime!(2026-11-20 14:00 UTC);

fn account() -> AccountId {
    AccountId::new("hub")
}

fn provider(app: &mut App, event: ProviderEvent) {
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: account(),
            event,
        }),
    );
}

fn press(app: &mut App, key: Key) {
    app.apply(app.now, Event::Key(key));
}

fn message(id: &str, direction: Direction, minutes_ago: i64, text: &str) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction,
        sender: match direction {
            Direction::Inbound => "Dana Reyes".into(),
            Direction::Outbound | Direction::Note => "You".into(),
        },
        content: Content::Text(text.into()),
        at: NOW - Duration::minutes(minutes_ago),
        status: DeliveryStatus::Read,
        failure: None,
    }
}

/// A support conversation: a late parcel, a refund question still open at the end.
fn conversation_messages() -> Vec<Message> {
    use Direction::{Inbound as C, Outbound as A};
    vec![
        message(
            "m01",
            C,
            95,
            "Hi, my kettle order #58812 still hasn't arrived. Where is it?",
        ),
        message(
            "m02",
            A,
            90,
            "Sorry Dana! Let me check the tracking for you.",
        ),
        message(
            "m03",
            A,
            88,
            "It is with the courier and should arrive tomorrow between 10:00 and 14:00.",
        ),
        message("m04", C, 80, "ok. will i need to sign for it?"),
        message(
            "m05",
            A,
            78,
            "No signature needed. I'll email you the tracking link in a minute.",
        ),
        message("m06", A, 70, "Sent! It's https://track.example.com/p/58812"),
        message(
            "m07",
            C,
            40,
            "thx. also the lid was cracked on my last one, order 57001.",
        ),
        message(
            "m08",
            A,
            35,
            "I'm sorry to hear that. Could you send me a photo of the lid?",
        ),
        message("m09", C, 30, "sure, sending it tonight"),
        message(
            "m10",
            C,
            12,
            "Can I get a refund of the $49.99 instead of a new lid? I want my money back",
        ),
        message(
            "m11",
            C,
            10,
            "please call me on +1 415 555 0132 if that's easier",
        ),
    ]
}

/// The inbox with Dana's conversation open, insights shown and focused.
fn opened() -> App {
    let mut app = App::new("snap", AppSettings::default(), NOW);
    app.add_account(account());
    provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![Conversation {
            key: ConversationKey::new(&account(), "c1"),
            channel: Channel::WhatsApp,
            contact: Contact {
                id: "dana".into(),
                name: "Dana Reyes".into(),
                identity: "+1 415 555 0132".into(),
            },
            status: ConversationStatus::Open,
            unread: 0,
            last_message_at: None,
            last_message: None,
            metadata: BTreeMap::new(),
            work: None,
        }]),
    );
    provider(
        &mut app,
        ProviderEvent::Messages {
            conversation: "c1".into(),
            messages: conversation_messages(),
            live: false,
        },
    );
    press(&mut app, Key::plain(KeyCode::Enter));
    // Enter opened it with the composer focused; Esc leaves the composer for the keys below.
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('I'));
    for _ in 0..6 {
        if app.view.focus == Focus::Insights {
            break;
        }
        press(&mut app, Key::plain(KeyCode::BackTab));
    }
    assert_eq!(
        app.view.focus,
        Focus::Insights,
        "Shift-Tab reaches the insights pane"
    );
    app
}

fn open_insights(app: &App) -> &switchboard::insights::ConversationInsights {
    switchboard::app::insights::open_insights(app).expect("open conversation")
}

#[test]
fn the_reducer_keeps_each_conversations_insights_current() {
    let app = opened();
    let insights = open_insights(&app);
    let questions: Vec<(&str, bool)> = insights
        .questions
        .iter()
        .map(|q| (q.text.as_str(), q.is_open()))
        .collect();
    assert_eq!(
        questions,
        vec![
            ("Where is it", false),
            ("will i need to sign for it", false),
            ("Could you send me a photo of the lid", false),
            (
                "Can I get a refund of the $49.99 instead of a new lid",
                true
            ),
        ]
    );
    // "I'll email you the tracking link" was done by "Sent!"; the photo is still to come.
    let follow_ups: Vec<(&str, bool)> = insights
        .follow_ups
        .iter()
        .map(|f| (f.task.as_str(), f.is_open()))
        .collect();
    assert!(
        follow_ups.contains(&("email you the tracking link in a minute", false)),
        "{follow_ups:?}"
    );
    assert!(
        follow_ups
            .iter()
            .any(|(t, open)| t.starts_with("call me") && *open),
        "{follow_ups:?}"
    );
    assert!(
        insights
            .entities
            .iter()
            .any(|e| e.value == "58812" && e.messages.len() == 1)
    );
    assert_eq!(insights.analytics.customer_messages, 6);
    assert_eq!(insights.analytics.agent_messages, 5);
    assert_eq!(
        insights.analytics.first_response,
        Some(Duration::minutes(5))
    );
    assert_eq!(
        insights.analytics.waiting,
        Waiting::On {
            side: switchboard::insights::Side::Customer,
            since: NOW - Duration::minutes(30)
        }
    );
    let refund = insights
        .trackers
        .iter()
        .find(|t| t.name == "Refund")
        .expect("default tracker");
    assert_eq!(refund.count, 2, "refund + money back");
}

#[test]
fn a_live_reply_answers_the_open_question_and_a_duplicate_changes_nothing() {
    let mut app = opened();
    let reply = message(
        "m12",
        Direction::Outbound,
        5,
        "Yes, I've refunded the $49.99 to your card.",
    );
    for _ in 0..2 {
        provider(
            &mut app,
            ProviderEvent::Messages {
                conversation: "c1".into(),
                messages: vec![reply.clone()],
                live: true,
            },
        );
    }
    let insights = open_insights(&app);
    assert!(insights.questions.iter().all(|q| !q.is_open()));
    assert_eq!(
        insights.questions.last().map(|q| q.answer.clone()),
        Some(Answer::Answered { by: "m12".into() })
    );
    assert_eq!(
        insights.analytics.agent_messages, 6,
        "the duplicate was not counted"
    );
    assert_eq!(insights.analytics.waiting, Waiting::Nobody);
    // The photo the customer promised ("sending it tonight") is still open.
    let photo = insights
        .follow_ups
        .iter()
        .find(|f| f.task.starts_with("sending"))
        .expect("promise");
    assert_eq!(photo.state, ItemState::Open);
}

/// A window on older history shown in the pane: Enter on an insight whose message the thread
/// holds goes back to the thread, there.
#[test]
fn enter_on_an_insight_leaves_a_window_on_history_for_the_thread() {
    use switchboard::app::history::HistoryWindow;
    let mut app = opened();
    let key = app.view.open.clone().expect("open");
    app.view.history = Some(HistoryWindow {
        key,
        messages: Vec::new(),
        older_more: true,
        newer_more: true,
        fetching: None,
    });
    press(&mut app, Key::ch(']')); // Questions
    press(&mut app, Key::plain(KeyCode::Enter));
    assert!(app.view.history.is_none());
    let screen = screen::render(&mut app, 160, 30);
    assert!(!app.view.jump_pending);
    assert!(screen.contains("▌Hi, my kettle order"), "{screen}");
}

#[test]
fn enter_on_a_question_scrolls_to_its_message_and_highlights_it() {
    let mut app = opened();
    press(&mut app, Key::ch(']')); // Questions
    assert_eq!(app.view.insights_tab, InsightTab::Questions);
    // The first question is the oldest message: far above the bottom of the thread.
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(app.view.highlight.as_deref(), Some("m01"));
    let screen = screen::render(&mut app, 160, 30);
    assert!(
        app.view.thread_scroll > 0,
        "the thread scrolled up to the message"
    );
    assert!(!app.view.jump_pending);
    assert!(
        screen.contains("▌Hi, my kettle order"),
        "the message is on screen and marked:\n{screen}"
    );
    assert_eq!(
        screen.matches("▌Hi").count() + screen.matches("▌ok").count(),
        1,
        "only it is marked"
    );
    // Down then Enter moves to the next question's message.
    press(&mut app, Key::plain(KeyCode::Down));
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(app.view.highlight.as_deref(), Some("m04"));
}

#[test]
fn insights_80x24_compact() {
    let mut app = opened();
    press(&mut app, Key::ch(']')); // Questions
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn insights_160x48() {
    let mut app = opened();
    insta::assert_snapshot!(screen::render(&mut app, 160, 48));
}

#[test]
fn insights_160x48_follow_ups_and_entities() {
    let mut app = opened();
    press(&mut app, Key::ch(']'));
    press(&mut app, Key::ch(']'));
    let follow_ups = screen::render(&mut app, 160, 48);
    press(&mut app, Key::ch(']'));
    press(&mut app, Key::ch(']'));
    let entities = screen::render(&mut app, 160, 48);
    insta::assert_snapshot!(format!("{follow_ups}\n{entities}"));
}
