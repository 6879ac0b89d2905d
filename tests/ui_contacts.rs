//! The contact picker and the status filter as drawn: a picker with results and the selected
//! contact's identifiers per channel, the new-contact form, and a status-filtered list title.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, AppSettings, Event, Key, KeyCode};
use switchboard::model::{
    AccountId, Channel, Contact, ContactCard, ContactIdentifier, Conversation, ConversationKey,
    ConversationStatus, Timestamp,
};
use switchboard::providers::{AccountEvent, ProviderEvent};
use switchboard::ui;
use time::macros::datetime;

const T0: Timestamp = datetime!(2026-01-01 12:00 UTC);

fn provider(app: &mut App, event: ProviderEvent) {
    app.apply(
        T0,
        Event::provider(AccountEvent {
            account: AccountId::new("hub"),
            event,
        }),
    );
}

fn press(app: &mut App, keys: &[Key]) {
    for key in keys {
        app.apply(T0, Event::Key(*key));
    }
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    for _ in 0..2 {
        let mut layout = None;
        terminal
            .draw(|frame| layout = Some(ui::draw(frame, app)))
            .expect("draw");
        if let Some(layout) = layout {
            app.apply(T0, Event::Layout(layout));
        }
    }
    let frame = terminal
        .draw(|frame| {
            ui::draw(frame, app);
        })
        .expect("draw");
    let area = frame.buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let line: String = (0..area.width)
            .map(|x| frame.buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn app() -> App {
    let mut app = App::new("t", AppSettings::default(), T0);
    app.add_account(AccountId::new("hub"));
    let conversation = |id: &str, name: &str, status| Conversation {
        key: ConversationKey::new(&AccountId::new("hub"), id),
        channel: Channel::WhatsApp,
        contact: Contact {
            id: format!("k-{id}"),
            name: name.into(),
            identity: "+15550000".into(),
        },
        status,
        unread: 0,
        last_message_at: None,
        last_message: None,
        metadata: Default::default(),
        work: None,
    };
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![
            conversation("c1", "Ana", ConversationStatus::Open),
            conversation("c2", "Bo", ConversationStatus::Resolved),
        ]),
    );
    app
}

fn card(id: &str, name: &str, ids: &[(Channel, &str, &str)]) -> ContactCard {
    ContactCard {
        id: id.into(),
        name: name.into(),
        email: Some(format!("{}@example.com", name.to_lowercase())),
        phone: None,
        identifiers: ids
            .iter()
            .map(|(channel, kind, identifier)| ContactIdentifier {
                channel: channel.clone(),
                channel_type: (*kind).into(),
                identifier: (*identifier).into(),
            })
            .collect(),
    }
}

#[test]
fn contact_picker_with_identifiers_per_channel() {
    let mut app = app();
    press(&mut app, &[Key::ch('c')]);
    provider(
        &mut app,
        ProviderEvent::Contacts {
            query: String::new(),
            contacts: vec![
                card(
                    "k1",
                    "Bob",
                    &[
                        (Channel::WhatsApp, "whatsapp", "+5511999"),
                        (Channel::Telegram, "telegram", "@bob"),
                    ],
                ),
                card("k2", "Carla", &[(Channel::Sms, "sms", "+15550002")]),
            ],
        },
    );
    press(&mut app, &[Key::plain(KeyCode::Tab)]);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Contacts · hub"), "{screen}");
    assert!(screen.contains("▶ Telegram"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn new_contact_form() {
    let mut app = app();
    press(&mut app, &[Key::ch('c'), Key::ch('n')]);
    press(&mut app, &"Dana".chars().map(Key::ch).collect::<Vec<_>>());
    press(&mut app, &[Key::plain(KeyCode::Tab)]);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("name: Dana"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn status_filter_in_the_list_title() {
    let mut app = app();
    press(&mut app, &[Key::ch('F'), Key::ch('F'), Key::ch('F')]);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Conversations 1 · resolved"), "{screen}");
    assert!(screen.contains("Bo") && !screen.contains("Ana"), "{screen}");
}
