//! The thread's message cursor on screen: the selected message is drawn highlighted and the
//! thread scrolls so that it stays visible, however far up it is.

use crate::support::screen;
use ratatui::style::Modifier;
use switchboard::app::{App, AppSettings, Event, Focus, Key, KeyCode};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message,
};
use switchboard::providers::{AccountEvent, ProviderEvent};
use time::macros::datetime;

fn provider(app: &mut App, event: ProviderEvent) {
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: AccountId::new("sinch"),
            event,
        }),
    );
}

/// `word` in the thread pane, with whether it is drawn reversed.
fn find(app: &App, buffer: &ratatui::buffer::Buffer, word: &str) -> Option<bool> {
    let pane = app.view.layout.thread;
    for y in pane.y..pane.y + pane.height {
        let row: String = (pane.x..pane.x + pane.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if let Some(at) = row.find(word) {
            let x = pane.x + u16::try_from(row[..at].chars().count()).expect("fits");
            return Some(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
        }
    }
    None
}

#[test]
fn the_selected_message_is_highlighted_and_scrolled_into_view() {
    let t0 = datetime!(2026-11-20 14:00 UTC);
    let mut app = App::new("t", AppSettings::default(), t0);
    app.add_account(AccountId::new("sinch"));
    let key = ConversationKey::new(&AccountId::new("sinch"), "c1");
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![Conversation {
            key: key.clone(),
            channel: Channel::Sms,
            contact: Contact::default(),
            status: ConversationStatus::Open,
            unread: 0,
            last_message_at: None,
            last_message: None,
            metadata: Default::default(),
            work: None,
        }]),
    );
    let messages = (0..30)
        .map(|i| Message {
            id: format!("m{i:02}"),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content: Content::Text(format!("word{i:02}")),
            at: t0 + time::Duration::minutes(i * 20),
            status: DeliveryStatus::Delivered,
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
    app.view.selected = Some(key.clone());
    app.view.focus = Focus::Conversations;
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    assert_eq!(app.view.open, Some(key));
    app.view.focus = Focus::Thread;

    let screen = screen::draw(&mut app, 100, 20);
    assert_eq!(
        find(&app, &screen, "word29"),
        Some(false),
        "newest shown, nothing selected"
    );
    assert_eq!(find(&app, &screen, "word00"), None, "oldest far above");

    app.apply(app.now, Event::Key(Key::ch('k')));
    assert_eq!(
        {
            let screen = screen::draw(&mut app, 100, 20);
            find(&app, &screen, "word29")
        },
        Some(true),
        "cursor on the newest"
    );

    for _ in 0..29 {
        app.apply(app.now, Event::Key(Key::ch('k')));
    }
    assert_eq!(app.view.selected_message.as_deref(), Some("m00"));
    let screen = screen::draw(&mut app, 100, 20);
    assert_eq!(
        find(&app, &screen, "word00"),
        Some(true),
        "scrolled up to the cursor"
    );
    assert_eq!(find(&app, &screen, "word29"), None);
}
