//! Hostile text (issue 26, "Text"): emoji that a naive wrap splits or under-measures, a
//! combining-mark flood on one letter, names that render blank, and escape sequences in logged
//! fields. Each is driven through the public API: provider events into an app drawn on a
//! `TestBackend`, the providers' converters, the sanitiser and the real log file.

use crate::support::screen;
use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use switchboard::app::{App, AppSettings, Event, Key, KeyCode};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent, linktor, sinch};
use switchboard::text::{is_blank_for_display, sanitize, sanitize_line};
use time::macros::datetime;

const NOW: Timestamp = datetime!(2026-11-20 14:00 UTC);
const HEART: &str = "\u{2764}\u{fe0f}";

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

/// An app with one conversation holding one inbound message of `text`, opened.
fn thread_with(text: &str) -> App {
    let mut app = App::new("hostile-text", AppSettings::default(), NOW);
    app.add_account(account());
    provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![Conversation {
            key: ConversationKey::new(&account(), "c1"),
            channel: Channel::WhatsApp,
            contact: Contact {
                id: "contact-1".into(),
                name: "Ada".into(),
                identity: "+44 20 7946 0018".into(),
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
            messages: vec![Message {
                id: "m1".into(),
                client_id: None,
                direction: Direction::Inbound,
                sender: "Ada".into(),
                content: Content::Text(text.into()),
                at: NOW - time::Duration::minutes(5),
                status: DeliveryStatus::Delivered,
                failure: None,
            }],
            live: false,
        },
    );
    provider(&mut app, ProviderEvent::Synced);
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    app
}

/// The rows of the buffer as the cells' symbols, one `Vec` per row.
fn rows(buffer: &Buffer) -> Vec<Vec<String>> {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

/// The buffer as text, one line per row, each wide symbol once (its hidden cells skipped).
fn screen(buffer: &Buffer) -> String {
    rows(buffer)
        .iter()
        .map(|row| {
            let mut line = String::new();
            let mut skip = 0;
            for symbol in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                line.push_str(symbol);
                skip = unicode_width::UnicodeWidthStr::width(symbol.as_str()).saturating_sub(1);
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

#[test]
fn a_line_of_80_hearts_wraps_into_full_rows_with_nothing_lost() {
    let text = HEART.repeat(80);
    let mut app = thread_with(&text);
    for width in [80, 100, 120, 160] {
        let buffer = screen::draw(&mut app, width, 40);
        // The thread's rows: the ones drawing nothing but hearts (the list's preview row holds
        // the sender's name and the time as well).
        let hearts: Vec<usize> = rows(&buffer)
            .iter()
            .map(|row| row.iter().filter(|s| *s == HEART).count())
            .filter(|&n| n > 0)
            .collect();
        let in_thread: usize = hearts.iter().skip(1).sum();
        assert_eq!(
            in_thread, 80,
            "at {width} columns every heart is drawn (hearts per row: {hearts:?})"
        );
        // Full rows: every wrapped row but the last holds the same number of hearts.
        let thread_rows = &hearts[1..];
        let full = thread_rows[0];
        assert!(
            thread_rows[..thread_rows.len() - 1]
                .iter()
                .all(|&n| n == full),
            "{hearts:?}"
        );
    }
}

#[test]
fn flag_pairs_are_never_split_or_re_paired() {
    // Wrapped at any width, and cut in the list's preview at any width, every drawn flag is
    // one of the two sent: a split gives the lone or re-paired 🇸🇷 and 🇺🇺.
    let flags = "🇺🇸🇷🇺".repeat(30);
    let mut app = thread_with(&flags);
    for width in 40..=101 {
        let buffer = screen::draw(&mut app, width, 30);
        let mut drawn = 0;
        for row in rows(&buffer) {
            for symbol in row.iter().filter(|s| s.chars().any(is_regional_indicator)) {
                assert!(
                    symbol == "🇺🇸" || symbol == "🇷🇺",
                    "at {width} columns a flag was split: {symbol:?}"
                );
                drawn += 1;
            }
        }
        assert!(drawn >= 60, "at {width} columns: {drawn} flags drawn");
    }
}

#[test]
fn cjk_and_plain_text_still_fill_their_rows() {
    let text = "我想把收货地址改成上海市浦东新区世纪大道一百号 and then some plain words to wrap";
    let mut app = thread_with(text);
    let buffer = screen::draw(&mut app, 80, 24);
    let screen = screen(&buffer);
    assert!(screen.contains("我想把收货地址改成"), "{screen}");
    assert!(screen.contains("plain words"), "{screen}");
}

#[test]
fn five_thousand_combining_marks_do_not_pile_into_one_cell() {
    let flood = format!("Z{}algo", "\u{301}".repeat(5000));
    let clean = sanitize(&flood);
    assert!(
        clean.starts_with('Z') && clean.ends_with("algo"),
        "{clean:?}"
    );
    assert!(
        clean.chars().count() <= "Zalgo".len() + 4,
        "{} characters kept",
        clean.chars().count()
    );
    // Drawn, no cell holds more than the letter and its capped marks.
    let mut app = thread_with(&clean);
    let buffer = screen::draw(&mut app, 80, 24);
    let widest = rows(&buffer)
        .iter()
        .flatten()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    assert!(widest <= 5, "a cell holds {widest} characters");
    // Legitimate stacks and sequences are untouched.
    for kept in [
        "Việt Nam",
        "e\u{301}\u{302}",
        "👨\u{200d}👩\u{200d}👧\u{200d}👦",
        "👩🏻\u{200d}❤\u{fe0f}\u{200d}💋\u{200d}👨🏼",
        "स्त्री न्त्र्य",
        "#\u{fe0f}\u{20e3}",
    ] {
        assert_eq!(sanitize(kept), kept);
    }
}

#[test]
fn names_that_render_blank_fall_back_to_the_identity_then_the_id() {
    for blank in [
        "\u{2800}",
        "\u{a0}\u{a0}",
        "\u{2800} \u{3000}\u{202f}",
        "\u{200b}\u{2060}",
        "\u{301}\u{301}",
        "\u{1b}[0m",
        "",
    ] {
        assert!(is_blank_for_display(&sanitize_line(blank)), "{blank:?}");

        let with_phone: linktor::wire::WireContact = serde_json::from_value(serde_json::json!({
            "id": "ct-1", "name": blank, "phone": "+15550100"
        }))
        .expect("linktor contact");
        assert_eq!(
            linktor::convert::contact(&with_phone, "whatsapp").name,
            "+15550100",
            "{blank:?}"
        );
        let bare: linktor::wire::WireContact =
            serde_json::from_value(serde_json::json!({ "id": "ct-1", "name": blank }))
                .expect("linktor contact");
        assert_eq!(linktor::convert::contact(&bare, "sms").name, "ct-1");
        // An identity that is blank as well falls through to the id.
        let blank_phone: linktor::wire::WireContact = serde_json::from_value(
            serde_json::json!({ "id": "ct-1", "name": blank, "phone": "\u{2800}" }),
        )
        .expect("linktor contact");
        assert_eq!(linktor::convert::contact(&blank_phone, "sms").name, "ct-1");

        let sinch_contact: sinch::wire::WireContact = serde_json::from_value(serde_json::json!({
            "id": "01SINCH",
            "display_name": blank,
            "channel_identities": [{ "channel": "SMS", "identity": "46701234567" }]
        }))
        .expect("sinch contact");
        assert_eq!(
            sinch::convert::contact(&sinch_contact, "SMS").name,
            "46701234567"
        );
    }
    for visible in ["Ada", "李", "👋", "e\u{301}", " x "] {
        assert!(!is_blank_for_display(visible), "{visible:?}");
    }
}

#[test]
fn escape_sequences_in_logged_fields_reach_the_log_file_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let guard = switchboard::logging::init_file(dir.path(), None).expect("logger");
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[31mred\u{9b}2J\rover";
    tracing::warn!(status = %hostile, reason = hostile, "hostile {hostile}");
    tracing::warn!("multi\nline\tand tab kept");
    drop(guard);
    let mut log = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("log dir") {
        log.extend(std::fs::read(entry.expect("entry").path()).expect("log file"));
    }
    let log = String::from_utf8(log).expect("utf-8 log");
    assert!(log.contains("owned"), "the event was logged: {log:?}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\r'] {
        assert!(!log.contains(bad), "{bad:?} reached the log raw: {log:?}");
    }
    assert!(log.contains(r"\u{1b}]0;owned"), "{log}");
    assert!(log.contains("multi\nline\tand tab kept"), "{log:?}");
}

/// Labels and agent names come from the network: control and bidi characters in them never
/// reach the terminal, on the row, in the thread's title, in the details pane or the pickers.
#[test]
fn hostile_labels_and_agent_names_are_drawn_inert() {
    let mut app = thread_with("hello");
    let hostile_agent = "Mal\u{1b}]0;pwned\u{7}lory\u{202e}";
    provider(
        &mut app,
        ProviderEvent::Team {
            me: Some("u-me".into()),
            agents: vec![switchboard::model::Agent {
                id: "u-x".into(),
                name: hostile_agent.into(),
            }],
            labels: vec![],
        },
    );
    provider(
        &mut app,
        ProviderEvent::Workflow {
            conversation: "c1".into(),
            work: switchboard::model::Workflow {
                assignee: Some("u-x".into()),
                labels: vec!["\u{1b}[31mred\u{1b}[0m".into(), "\u{202e}evil".into()],
                priority: switchboard::model::Priority::Urgent,
                snoozed_until: None,
            },
        },
    );
    let mut shown = Vec::new();
    for key in [None, Some('A'), Some('L')] {
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Esc)));
        app.view.focus = switchboard::app::Focus::Conversations;
        if let Some(c) = key {
            app.apply(app.now, Event::Key(Key::ch(c)));
        }
        let buffer = crate::support::screen::draw(&mut app, 160, 48);
        let text = screen(&buffer);
        for symbol in rows(&buffer).into_iter().flatten() {
            assert!(
                !symbol
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{symbol:?} drawn in:\n{text}"
            );
        }
        shown.push(text);
    }
    assert!(shown[0].contains("#red"), "{}", shown[0]);
    assert!(shown[1].contains("Mal"), "{}", shown[1]);
}
