//! A jump to a message far up a long thread (a search hit, an insight): the frame that finds
//! its scroll reports the message as the next frame's anchor, so the frame that shows it lays
//! out from there instead of from the newest message up again.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, AppSettings, Event, Key, KeyCode, LayoutInfo};
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
    let mut app = App::new("test", AppSettings::default(), T0);
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
    let start = T0 - Duration::hours(12);
    let messages = (0..MESSAGES)
        .map(|i| Message {
            id: format!("m{i:04}"),
            client_id: None,
            direction: if i % 3 == 0 {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            sender: "Ana".into(),
            content: Content::Text(format!("Message {i}: words enough to wrap in a pane.")),
            at: start + Duration::seconds(i as i64 * 40),
            status: DeliveryStatus::Read,
            failure: None,
        })
        .collect();
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
