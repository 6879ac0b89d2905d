//! The runtime's painter draws the same frames as `ui::draw`: while the palette is open it
//! copies what lies under it instead of drawing it again, and must never show a stale screen
//! when something under the palette changed (a message arriving, a tick, a resize).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::{App, AppSettings, Event, Key, KeyCode};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};
use switchboard::providers::ProviderEvent;
use switchboard::ui::{self, Painter};
use time::macros::datetime;

const T0: Timestamp = datetime!(2026-01-01 12:00 UTC);

/// What the hub's provider says.
fn provider(app: &mut App, event: ProviderEvent) {
    crate::support::apply_provider(app, "hub", event);
}

fn conversation(id: &str, name: &str) -> Conversation {
    Conversation {
        key: ConversationKey::new(&AccountId::new("hub"), id),
        channel: Channel::WhatsApp,
        contact: Contact {
            id: format!("k-{id}"),
            name: name.into(),
            identity: format!("+1555{id}"),
        },
        status: ConversationStatus::Open,
        unread: 0,
        last_message_at: Some(T0),
        last_message: Some("hello".into()),
        metadata: Default::default(),
        work: None,
    }
}

fn message(id: &str, text: &str, at: Timestamp) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction: Direction::Inbound,
        sender: "Ana".into(),
        content: Content::Text(text.into()),
        at,
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

/// The frame the painter draws, and the one `ui::draw` draws for the same app.
fn both(
    painter: &mut Painter,
    terminal: &mut Terminal<TestBackend>,
    app: &App,
) -> (Buffer, Buffer) {
    let painted = terminal
        .draw(|frame| {
            painter.draw(frame, app);
        })
        .expect("draw")
        .buffer
        .clone();
    let (width, height) = (painted.area.width, painted.area.height);
    let mut fresh = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let drawn = fresh
        .draw(|frame| {
            ui::draw(frame, app);
        })
        .expect("draw")
        .buffer
        .clone();
    (painted, drawn)
}

#[test]
fn the_painter_draws_what_ui_draw_draws_while_the_palette_is_open() {
    let mut app = App::new("test", AppSettings::default(), T0);
    app.add_account(AccountId::new("hub"));
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![conversation("c1", "Ana"), conversation("c2", "Bo")]),
    );
    provider(
        &mut app,
        ProviderEvent::Messages {
            conversation: "c1".into(),
            messages: vec![message("m1", "first words", T0)],
            live: false,
        },
    );
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    let mut painter = Painter::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).expect("terminal");
    let mut check = |app: &App, terminal: &mut Terminal<TestBackend>, step: &str| {
        let (painted, drawn) = both(&mut painter, terminal, app);
        assert_eq!(painted, drawn, "after {step}");
        painted
    };
    check(&app, &mut terminal, "the start");
    app.apply(app.now, Event::Key(Key::ctrl('k')));
    check(&app, &mut terminal, "opening the palette");
    for c in "an".chars() {
        app.apply(app.now, Event::Key(Key::ch(c)));
        check(&app, &mut terminal, "typing");
    }
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Down)));
    check(&app, &mut terminal, "a move in the palette");
    // A message lands in the open thread under the palette: it must show.
    provider(
        &mut app,
        ProviderEvent::Messages {
            conversation: "c1".into(),
            messages: vec![message("m2", "a reply under the palette", T0)],
            live: true,
        },
    );
    let shown = check(&app, &mut terminal, "a message arriving");
    let text: String = shown.content.iter().map(|cell| cell.symbol()).collect();
    assert!(
        text.contains("a reply under"),
        "the new message is on screen"
    );
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Backspace)));
    check(&app, &mut terminal, "erasing");
    app.apply(app.now + time::Duration::minutes(3), Event::Tick);
    check(&app, &mut terminal, "a tick minutes later");
    terminal
        .resize(ratatui::layout::Rect::new(0, 0, 90, 30))
        .expect("resize");
    check(&app, &mut terminal, "a resize");
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Esc)));
    check(&app, &mut terminal, "closing the palette");
}
