//! A jump to a message far up a long thread (a search hit, an insight): the frame that finds
//! its scroll reports the message as the next frame's anchor, so the frame that shows it lays
//! out from there instead of from the newest message up again.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, AppSettings, Effect, Event, Key, KeyCode, LayoutInfo};
use switchboard::contract::store::{StoreEvent, StoreRequest};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};
use switchboard::providers::ProviderEvent;
use switchboard::ui;
use time::Duration;
use time::macros::datetime;

const T0: Timestamp = datetime!(2026-01-01 12:00 UTC);
const MESSAGES: usize = 600;

/// What the hub's provider says.
fn provider(app: &mut App, event: ProviderEvent) {
    crate::support::apply_provider(app, "hub", event);
}

fn long_thread() -> App {
    thread_of(0..MESSAGES, AppSettings::default())
}

/// Message `i` of the thread.
fn message(i: usize) -> Message {
    let start = T0 - Duration::hours(12);
    Message {
        id: format!("m{i:04}"),
        client_id: None,
        direction: if i.is_multiple_of(3) {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        sender: "Ana".into(),
        content: Content::Text(format!("Message {i}: words enough to wrap in a pane.")),
        at: start + Duration::seconds(i as i64 * 40),
        status: DeliveryStatus::Read,
        failure: None,
    }
}

/// The conversation "c1" opened, holding messages `held` of its thread.
fn thread_of(held: std::ops::Range<usize>, settings: AppSettings) -> App {
    let mut app = App::new("test", settings, T0);
    app.add_account(AccountId::new("hub"));
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![Conversation {
            key: ConversationKey::new(&AccountId::new("hub"), "c1"),
            channel: Channel::Sms,
            contact: Contact {
                id: "k1".into(),
                name: "Ana".into(),
                identity: "+15550001".into(),
            },
            status: ConversationStatus::Open,
            unread: 0,
            last_message_at: Some(T0),
            last_message: None,
            metadata: Default::default(),
            work: None,
        }]),
    );
    let messages = held.map(message).collect();
    provider(
        &mut app,
        ProviderEvent::Messages {
            conversation: "c1".into(),
            messages,
            live: false,
        },
    );
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    app
}

/// One frame: what it laid out and the thread pane's text.
fn frame(terminal: &mut Terminal<TestBackend>, app: &App) -> (LayoutInfo, String) {
    let mut layout = LayoutInfo::default();
    let drawn = terminal
        .draw(|frame| layout = ui::draw(frame, app))
        .expect("draw");
    let pane = layout.thread;
    let text = (pane.y..pane.y + pane.height)
        .map(|y| {
            (pane.x..pane.x + pane.width)
                .map(|x| drawn.buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    (layout, text)
}

#[test]
fn the_frame_after_a_jump_starts_from_the_message_jumped_to() {
    let mut app = long_thread();
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    for _ in 0..2 {
        let (layout, _) = frame(&mut terminal, &app);
        app.apply(app.now, Event::Layout(layout));
    }
    let target = "m0050";
    app.view.highlight = Some(target.into());
    app.view.jump_pending = true;
    let (layout, shown) = frame(&mut terminal, &app);
    assert!(!shown.contains("Message 50:"), "not on screen before");
    assert!(
        layout.thread_jump_scroll.is_some(),
        "the jump's scroll found"
    );
    let anchor = layout.thread_anchor.expect("an anchor");
    let at = T0 - Duration::hours(12) + Duration::seconds(50 * 40);
    assert_eq!(
        anchor.at, at,
        "the next frame starts from the message jumped to"
    );
    assert!(anchor.bottom > 0);
    app.apply(app.now, Event::Layout(layout));
    assert!(!app.view.jump_pending);
    let (_, shown) = frame(&mut terminal, &app);
    assert!(shown.contains("Message 50:"), "on screen after:\n{shown}");
    assert!(shown.contains('▌'), "and marked");
    // Exactly the frame laid out from the newest message, as without an anchor.
    app.view.layout.thread_anchor = None;
    let (_, from_newest) = frame(&mut terminal, &app);
    assert_eq!(shown, from_newest);
}

/// The store's answer to a read around a message (or from the window's end).
fn around(app: &mut App, range: std::ops::Range<usize>, older_exhausted: bool) -> Vec<Effect> {
    let (_, at) = app
        .view
        .history
        .as_ref()
        .and_then(|window| window.fetching.clone())
        .expect("a read under way");
    app.apply(
        app.now,
        Event::Store(StoreEvent::Around {
            key: ConversationKey::new(&AccountId::new("hub"), "c1"),
            at,
            messages: range.map(message).collect(),
            older_exhausted,
            newer_exhausted: false,
        }),
    )
}

fn window_reads(effects: &[Effect]) -> Vec<(String, usize, usize)> {
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

/// Frames until the view settles, each reporting its layout; returns the last frame's text
/// and what the reports asked for.
fn settle(terminal: &mut Terminal<TestBackend>, app: &mut App) -> (String, Vec<Effect>) {
    let mut asked = Vec::new();
    for _ in 0..4 {
        let (layout, _) = frame(terminal, app);
        asked.extend(app.apply(app.now, Event::Layout(layout)));
    }
    (frame(terminal, app).1, asked)
}

/// The frame laid out from the newest message instead of the last frame's anchor: the same
/// as the anchored one only while the scroll counts every line under the viewport.
fn from_newest(terminal: &mut Terminal<TestBackend>, app: &mut App) -> String {
    app.view.layout.thread_anchor = None;
    frame(terminal, app).1
}

/// A search hit far older than the thread holds opens a window read around it; a page added
/// under the window, and then the window joining the thread, leave the screen as it was.
#[test]
fn a_window_on_history_shows_the_hit_and_keeps_the_screen_still_as_it_grows_and_joins() {
    let settings = AppSettings {
        store: true,
        ..AppSettings::default()
    };
    let mut app = thread_of(150..200, settings);
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    settle(&mut terminal, &mut app);
    app.apply(app.now, Event::Key(Key::ctrl('f')));
    for c in "message".chars() {
        app.apply(app.now, Event::Key(Key::ch(c)));
    }
    let id = app.view.searches_asked;
    let hit = switchboard::contract::search::SearchHit {
        key: ConversationKey::new(&AccountId::new("hub"), "c1"),
        message_id: "m0010".into(),
        at: message(10).at,
        direction: Direction::Inbound,
        sender: "Ana".into(),
        snippet: "Message 10".into(),
    };
    app.apply(
        app.now,
        Event::Store(StoreEvent::Found {
            id,
            hits: Ok(vec![hit]),
        }),
    );
    let effects = app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    assert_eq!(window_reads(&effects), [("m0010".to_string(), 100, 100)]);
    around(&mut app, 0..31, true);

    let (shown, asked) = settle(&mut terminal, &mut app);
    assert!(shown.contains("Message 10:"), "the hit on screen:\n{shown}");
    assert!(!shown.contains("Message 99:"), "not the newest:\n{shown}");
    let screen = terminal.backend().to_string();
    assert!(screen.contains("older messages"), "{screen}");
    // The window's bottom is near: its next page is asked for.
    assert_eq!(window_reads(&asked), [("m0030".to_string(), 0, 100)]);

    // The page comes in under the window: what is on screen stays put.
    // Without the message cursor, which would hold the view by itself.
    app.view.selected_message = None;
    let (shown, _) = settle(&mut terminal, &mut app);
    around(&mut app, 30..100, false);
    assert!(app.view.history.is_some());
    let (after, asked) = settle(&mut terminal, &mut app);
    assert_eq!(after, shown);
    assert!(
        window_reads(&asked).is_empty(),
        "the window's bottom is far again"
    );
    assert_eq!(
        from_newest(&mut terminal, &mut app),
        shown,
        "the scroll counts the page"
    );

    // Down to the window's bottom: the next page meets the thread (from m0150): one thread
    // again, and the same screen.
    let mut asked = Vec::new();
    for _ in 0..20 {
        asked.extend(app.apply(app.now, Event::Key(Key::plain(KeyCode::PageDown))));
        asked.extend(settle(&mut terminal, &mut app).1);
        if !window_reads(&asked).is_empty() {
            break;
        }
    }
    assert_eq!(window_reads(&asked), [("m0099".to_string(), 0, 100)]);
    let (before, _) = settle(&mut terminal, &mut app);
    around(&mut app, 99..160, false);
    assert!(app.view.history.is_none(), "joined");
    let (after, _) = settle(&mut terminal, &mut app);
    assert_eq!(after, before);
    assert_eq!(
        from_newest(&mut terminal, &mut app),
        before,
        "the scroll counts the thread"
    );
    let entry = app
        .inbox
        .get(&ConversationKey::new(&AccountId::new("hub"), "c1"))
        .expect("c1");
    assert_eq!(entry.thread.len(), 200);
}

/// Paged up a long thread without a message cursor, `k` puts the cursor on the message at the
/// bottom of the screen, not on the newest one far below (which would move the view there).
#[test]
fn k_after_paging_up_starts_where_the_screen_is() {
    let mut app = long_thread();
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Tab)));
    while app.view.focus != switchboard::app::Focus::Thread {
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Tab)));
    }
    settle(&mut terminal, &mut app);
    for _ in 0..5 {
        app.apply(app.now, Event::Key(Key::plain(KeyCode::PageUp)));
        settle(&mut terminal, &mut app);
    }
    let (before, _) = settle(&mut terminal, &mut app);
    assert!(
        !before.contains("Message 599:"),
        "paged away from the newest"
    );
    app.apply(app.now, Event::Key(Key::ch('k')));
    let (after, _) = settle(&mut terminal, &mut app);
    let selected = app.view.selected_message.clone().expect("a cursor");
    let number: usize = selected[1..].parse().expect("m<number>");
    assert!(
        before.contains(&format!("Message {number}:")),
        "the cursor is on a message that was on screen ({selected}):\n{before}"
    );
    assert!(
        after.contains(&format!("Message {number}:")),
        "and stays there:\n{after}"
    );
}
