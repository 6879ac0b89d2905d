//! Builders shared by the benchmarks: an app filled through its public API (provider events,
//! keys, layout feedback), the way the runtime fills it.

// Each bench uses a part of these builders.
#![allow(dead_code)]

pub mod probe;

use std::collections::BTreeMap;

use switchboard::app::{App, AppSettings, Event, Key, KeyCode};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use time::Duration;
use time::macros::datetime;

/// A fixed "now" so every run builds the same state.
pub const NOW: Timestamp = datetime!(2026-11-20 14:00 UTC);

const CHANNELS: [Channel; 7] = [
    Channel::WhatsApp,
    Channel::Sms,
    Channel::Telegram,
    Channel::Messenger,
    Channel::Instagram,
    Channel::Rcs,
    Channel::Viber,
];

pub fn account() -> AccountId {
    AccountId::new("bench")
}

pub fn provider(app: &mut App, event: ProviderEvent) {
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: account(),
            event,
        }),
    );
}

pub fn conversation(index: usize) -> Conversation {
    Conversation {
        key: ConversationKey::new(&account(), format!("c{index:05}")),
        channel: CHANNELS[index % CHANNELS.len()].clone(),
        contact: Contact {
            id: format!("contact-{index}"),
            name: format!("Customer {index}"),
            identity: format!("+1555{index:07}"),
        },
        status: ConversationStatus::Open,
        unread: (index % 4) as u32,
        last_message_at: Some(NOW - Duration::minutes(index as i64)),
        last_message: Some(format!(
            "Hello, this is customer {index} asking about an order"
        )),
        metadata: BTreeMap::new(),
        work: None,
    }
}

pub fn message(index: usize, at: Timestamp) -> Message {
    let direction = if index.is_multiple_of(3) {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    Message {
        id: format!("m{index:07}"),
        client_id: None,
        direction,
        sender: match direction {
            Direction::Inbound => "Customer 0".into(),
            Direction::Outbound | Direction::Note => "Agent".into(),
        },
        content: Content::Text(format!(
            "Message {index}: a line of ordinary support chat, long enough to wrap once or twice \
             in a thread pane of a wide terminal."
        )),
        at,
        status: DeliveryStatus::Read,
        failure: None,
    }
}

/// An inbox of `conversations` conversations, the first one holding `thread` messages and open.
pub fn big_inbox(conversations: usize, thread: usize) -> App {
    let mut app = App::new("bench", AppSettings::default(), NOW);
    app.add_account(account());
    provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    provider(
        &mut app,
        ProviderEvent::Conversations((0..conversations).map(conversation).collect()),
    );
    let start = NOW - Duration::days(60);
    let messages = (0..thread)
        .map(|i| message(i, start + Duration::seconds(i as i64 * 30)))
        .collect();
    provider(
        &mut app,
        ProviderEvent::Messages {
            conversation: "c00000".into(),
            messages,
            live: false,
        },
    );
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    app
}

/// Draws the app twice, feeding each frame's layout back as the runtime does, so the next
/// frame is drawn with the layout settled.
pub fn settle_layout<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    app: &mut App,
) where
    B::Error: std::fmt::Debug,
{
    for _ in 0..2 {
        let mut layout = None;
        terminal
            .draw(|frame| layout = Some(switchboard::ui::draw(frame, app)))
            .expect("draw");
        if let Some(layout) = layout {
            app.apply(app.now, Event::Layout(layout));
        }
    }
}
