//! Screen snapshots: an app built through its public API (provider events, keys, layout
//! feedback) at a fixed time, drawn into a `TestBackend`, and pinned as text with insta.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::ui;
use unicode_width::UnicodeWidthStr;

use crate::support::screen;

use switchboard::app::{App, AppSettings, Event, Focus, Key, KeyCode, Mouse, MouseKind};
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

fn conversation(
    id: &str,
    name: &str,
    identity: &str,
    channel: Channel,
    unread: u32,
) -> Conversation {
    Conversation {
        key: ConversationKey::new(&account(), id),
        channel,
        contact: Contact {
            id: format!("contact-{id}"),
            name: name.into(),
            identity: identity.into(),
        },
        status: ConversationStatus::Open,
        unread,
        last_message_at: None,
        last_message: None,
        metadata: BTreeMap::new(),
        work: None,
    }
}

fn message(id: &str, direction: Direction, sender: &str, at: Timestamp, text: &str) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction,
        sender: sender.into(),
        content: Content::Text(text.into()),
        at,
        status: match direction {
            Direction::Inbound => DeliveryStatus::Delivered,
            Direction::Outbound | Direction::Note => DeliveryStatus::Read,
        },
        failure: None,
    }
}

fn inbound(id: &str, sender: &str, at: Timestamp, text: &str) -> Message {
    message(id, Direction::Inbound, sender, at, text)
}

fn outbound(id: &str, at: Timestamp, status: DeliveryStatus, text: &str) -> Message {
    Message {
        status,
        ..message(id, Direction::Outbound, "You", at, text)
    }
}

fn messages(app: &mut App, conversation: &str, messages: Vec<Message>) {
    provider(
        app,
        ProviderEvent::Messages {
            conversation: conversation.into(),
            messages,
            live: false,
        },
    );
}

fn ago(minutes: i64) -> Timestamp {
    NOW - Duration::minutes(minutes)
}

/// A connected inbox with six conversations on six channels, nothing opened yet.
fn inbox() -> App {
    inbox_with(AppSettings::default())
}

fn inbox_with(settings: AppSettings) -> App {
    let mut app = App::new("snap", settings, NOW);
    app.add_account(account());
    provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    let mut ada = conversation(
        "c1",
        "Ada Lovelace",
        "+44 20 7946 0018",
        Channel::WhatsApp,
        2,
    );
    ada.metadata.insert("plan".into(), "Pro (annual)".into());
    ada.metadata.insert("order".into(), "#88231".into());
    let mut alan = conversation("c4", "Alan Turing", "alan.t", Channel::Messenger, 0);
    alan.status = ConversationStatus::Resolved;
    provider(
        &mut app,
        ProviderEvent::Conversations(vec![
            ada,
            conversation("c2", "Grace Hopper", "+1 202 555 0143", Channel::Sms, 0),
            conversation("c3", "李小龙", "@lixiaolong", Channel::Telegram, 1),
            alan,
            conversation(
                "c5",
                "Émilie du Châtelet",
                "emilie.dc",
                Channel::Instagram,
                0,
            ),
            conversation(
                "c6",
                "Katherine Johnson",
                "+1 757 555 0199",
                Channel::Viber,
                0,
            ),
        ]),
    );
    let yesterday = NOW - Duration::days(1) - Duration::hours(2);
    messages(
        &mut app,
        "c1",
        vec![
            inbound(
                "a1",
                "Ada Lovelace",
                yesterday,
                "Hi! I ordered the analytical engine starter kit last week.",
            ),
            outbound(
                "a2",
                yesterday + Duration::minutes(3),
                DeliveryStatus::Read,
                "Thanks Ada, let me check the shipment for you.",
            ),
            outbound(
                "a3",
                yesterday + Duration::minutes(4),
                DeliveryStatus::Read,
                "It left our warehouse this morning and should arrive on Monday.",
            ),
            inbound(
                "a4",
                "Ada Lovelace",
                ago(12),
                "It hasn't arrived yet and the tracking page says \"exception\".",
            ),
            inbound(
                "a5",
                "Ada Lovelace",
                ago(11),
                "Can you send a replacement? I need it before my lecture on Thursday.",
            ),
        ],
    );
    messages(
        &mut app,
        "c2",
        vec![
            inbound(
                "g1",
                "Grace Hopper",
                ago(190),
                "Is there a bug in the invoice? The total looks off by one.",
            ),
            outbound(
                "g2",
                ago(180),
                DeliveryStatus::Delivered,
                "Good catch, a corrected invoice is on its way.",
            ),
        ],
    );
    messages(
        &mut app,
        "c3",
        vec![inbound(
            "l1",
            "李小龙",
            ago(60 * 26),
            "你好！我的订单什么时候发货？谢谢 🙏",
        )],
    );
    messages(
        &mut app,
        "c4",
        vec![outbound(
            "t1",
            ago(60 * 24 * 3),
            DeliveryStatus::Read,
            "Glad we could crack it. Closing this ticket.",
        )],
    );
    messages(
        &mut app,
        "c5",
        vec![inbound(
            "e1",
            "Émilie du Châtelet",
            ago(3),
            "Do you ship to Paris?",
        )],
    );
    messages(
        &mut app,
        "c6",
        vec![inbound(
            "k1",
            "Katherine Johnson",
            datetime!(2026-03-12 10:30 UTC),
            "Trajectory confirmed, thank you.",
        )],
    );
    provider(&mut app, ProviderEvent::Synced);
    provider(
        &mut app,
        ProviderEvent::Typing {
            conversation: "c5".into(),
            who: "Émilie".into(),
            typing: true,
        },
    );
    app
}

/// The inbox with Ada's conversation open (the first listed when the inbox arrived, so it is
/// still selected) with Enter.
fn opened() -> App {
    let mut app = inbox();
    assert_eq!(app.view.selected.as_ref().map(|k| &*k.id), Some("c1"));
    press(&mut app, Key::plain(KeyCode::Enter));
    app
}

#[path = "ui_snapshots/themes.rs"]
mod themes;

#[test]
fn inbox_80x24() {
    let mut app = opened();
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn inbox_120x40() {
    let mut app = opened();
    insta::assert_snapshot!(screen::render(&mut app, 120, 40));
}

#[test]
fn inbox_160x48() {
    let mut app = opened();
    insta::assert_snapshot!(screen::render(&mut app, 160, 48));
}

#[test]
fn help_overlay() {
    let mut app = inbox();
    press(&mut app, Key::ch('?'));
    assert!(app.view.help);
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn composer_with_multi_line_draft() {
    let mut app = opened();
    assert_eq!(app.view.focus, Focus::Composer);
    for c in "So sorry about that!".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::alt(KeyCode::Enter));
    for c in "A replacement ships today by express.".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::alt(KeyCode::Enter));
    for c in "— Sam".chars() {
        press(&mut app, Key::ch(c));
    }
    let text = screen::render(&mut app, 100, 30);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    terminal
        .draw(|frame| {
            ui::draw(frame, &app);
        })
        .expect("draw");
    // The cursor sits right after "— Sam" on the draft's third row.
    let cursor = terminal.get_cursor_position().expect("cursor");
    let row = text.lines().nth(usize::from(cursor.y)).unwrap_or_default();
    assert!(row.contains("— Sam"), "cursor row: {row:?}");
    insta::assert_snapshot!(text);
}

#[test]
fn failed_message_with_reason() {
    let mut app = opened();
    for c in "Sending a replacement now".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::plain(KeyCode::Enter));
    provider(
        &mut app,
        ProviderEvent::SendFailed {
            conversation: "c1".into(),
            client_id: "snap-1".into(),
            reason: "outside the 24h window".into(),
        },
    );
    let text = screen::render(&mut app, 80, 24);
    assert!(text.contains("✗ outside the 24h window"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn typing_indicator() {
    let mut app = opened();
    provider(
        &mut app,
        ProviderEvent::Typing {
            conversation: "c1".into(),
            who: "Ada".into(),
            typing: true,
        },
    );
    let text = screen::render(&mut app, 80, 24);
    assert!(text.contains("Ada is typing…"), "{text}");
    assert!(
        text.contains("✎ typing…"),
        "the list shows Émilie typing: {text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn empty_inbox_first_run() {
    let mut app = App::new("snap", AppSettings::default(), NOW);
    app.add_account(account());
    let text = screen::render(&mut app, 80, 24);
    assert!(text.contains("connecting…"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn backing_off_status_bar() {
    let mut app = inbox();
    provider(
        &mut app,
        ProviderEvent::Connection(ConnectionState::BackingOff {
            until: NOW + Duration::seconds(12),
            reason: "connection reset".into(),
        }),
    );
    provider(
        &mut app,
        ProviderEvent::Error("push channel dropped".into()),
    );
    let text = screen::render(&mut app, 120, 10);
    assert!(text.contains("retry in 12s"), "{text}");
    assert!(text.contains("backing off until 14:00:12"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn wide_text_wraps_by_display_width() {
    let mut app = inbox();
    messages(
        &mut app,
        "c3",
        vec![
            inbound(
                "l2",
                "李小龙",
                ago(2),
                "我想把收货地址改成上海市浦东新区世纪大道一百号，可以吗？🙏🙏 非常感谢您的帮助！",
            ),
            outbound(
                "l3",
                ago(1),
                DeliveryStatus::Sent,
                "当然可以 👍 Address updated: 上海市浦东新区世纪大道100号 — supercalifragilisticexpialidocious-long-token",
            ),
        ],
    );
    // The CJK conversation is now the newest: open it.
    press(&mut app, Key::plain(KeyCode::Home));
    press(&mut app, Key::plain(KeyCode::Enter));
    let text = screen::render(&mut app, 80, 24);
    for line in text.lines() {
        assert!(line.width() <= 80, "overflow: {line:?}");
    }
    assert!(text.contains("李小龙 · Telegram"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn filter_line() {
    let mut app = inbox();
    press(&mut app, Key::ch('/'));
    for c in "gr".chars() {
        press(&mut app, Key::ch(c));
    }
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn tiny_sizes_do_not_panic() {
    let mut app = opened();
    for (w, h) in [(20, 5), (1, 1), (0, 0), (2, 30), (200, 1)] {
        screen::render(&mut app, w, h);
    }
    for w in (1..=170).step_by(7) {
        for h in 1..=26 {
            screen::render(&mut app, w, h);
        }
    }
    press(&mut app, Key::ch('?'));
    for (w, h) in [(20, 5), (1, 1), (30, 8)] {
        screen::render(&mut app, w, h);
    }
}

#[test]
fn scrolled_to_the_top_shows_where_history_begins() {
    let mut app = opened();
    provider(
        &mut app,
        ProviderEvent::HistoryComplete {
            conversation: "c1".into(),
        },
    );
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(app.view.focus, Focus::Thread);
    press(&mut app, Key::ch('g'));
    let text = screen::render(&mut app, 80, 16);
    assert!(text.contains("beginning of conversation"), "{text}");
    assert!(text.contains("↓ newer below"), "{text}");
}

#[test]
fn medium_screen_with_insights_and_details_toggled() {
    let mut app = opened();
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('I'));
    press(&mut app, Key::ch('D'));
    press(&mut app, Key::ch(']'));
    insta::assert_snapshot!(screen::render(&mut app, 130, 32));
}

#[test]
fn layout_report_drives_mouse_hit_testing() {
    let mut app = inbox();
    screen::render(&mut app, 80, 24);
    let layout = app.view.layout;
    assert_eq!(layout.conversation_rows, 2);
    assert!(layout.thread.width > 0 && layout.composer.height >= 3);
    // Click on the second conversation's first row: the list opens it.
    let second = app.view.conversations[1].clone();
    app.apply(
        NOW,
        Event::Mouse(Mouse {
            kind: MouseKind::Click,
            column: layout.conversations.x + 2,
            row: layout.conversations.y + 2,
        }),
    );
    assert_eq!(app.view.open.as_ref(), Some(&second));
}

#[test]
fn long_threads_are_windowed() {
    let mut app = opened();
    let many: Vec<Message> = (0..10_000)
        .map(|i| {
            inbound(
                &format!("bulk-{i:05}"),
                "Ada Lovelace",
                NOW - Duration::days(30) + Duration::seconds(i),
                "a message long enough to wrap over more than one line in a narrow pane",
            )
        })
        .collect();
    messages(&mut app, "c1", many);
    let started = std::time::Instant::now();
    screen::render(&mut app, 80, 24);
    // Only the bottom of the thread was laid out: the top is not known yet.
    assert_eq!(app.view.layout.thread_top_scroll, None);
    // Not a benchmark, just a guard against laying out the whole thread per frame.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn narrow_screens_show_one_pane() {
    let mut app = opened();
    let thread = screen::render(&mut app, 50, 16);
    press(&mut app, Key::plain(KeyCode::Esc));
    let list = screen::render(&mut app, 50, 16);
    let tiny = screen::render(&mut app, 20, 5);
    insta::assert_snapshot!(format!("{thread}\n{list}\n{tiny}"));
}

#[test]
fn narrow_screen_with_details_toggled() {
    let mut app = opened();
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('D'));
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn auth_failure_and_last_sync_in_the_status_bar() {
    let mut app = inbox();
    app.apply(NOW + Duration::minutes(5), Event::Tick);
    let text = screen::render(&mut app, 120, 10);
    assert!(text.contains("● hub live · synced 5m ago"), "{text}");
    provider(
        &mut app,
        ProviderEvent::Connection(ConnectionState::AuthFailed("401 bad token".into())),
    );
    let text = screen::render(&mut app, 120, 10);
    let status = text.lines().last().unwrap_or_default();
    assert!(
        status.contains("✗ hub auth failed (401 bad token)"),
        "{status}"
    );
}

#[test]
fn platform_ids_and_metadata_cannot_drive_the_terminal_from_the_details_pane() {
    let mut app = App::new("snap", AppSettings::default(), NOW);
    app.add_account(account());
    let mut hostile = conversation(
        "cv\u{1b}]0;owned\u{7}1",
        "Eve",
        "+1555\u{202e}0100",
        Channel::Sms,
        0,
    );
    hostile.contact.id = "ct\u{1b}[2J\u{200b}9".into();
    hostile
        .metadata
        .insert("note\u{1b}[31m".into(), "line\nbreak\u{9b}5m".into());
    provider(&mut app, ProviderEvent::Conversations(vec![hostile]));
    press(&mut app, Key::ch('D'));
    let text = screen::render(&mut app, 160, 30);
    assert!(text.contains("Details"), "{text}");
    assert!(
        text.contains("cv1"),
        "the id is shown without its escape: {text}"
    );
    assert!(text.contains("ct9"), "{text}");
    assert!(text.contains("line break"), "{text}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}', '\n'] {
        assert!(
            !text.lines().any(|line| line.contains(bad)),
            "{bad:?} reached the screen"
        );
    }
    assert!(
        !text.contains("owned"),
        "an OSC title sequence was drawn: {text}"
    );
}

/// Ada's conversation open with an assistant that has answered `task` with `text`.
fn assisted(task: char, pieces: &[&str], done: bool) -> App {
    use switchboard::assist::{Command, Update, UpdateKind};
    let mut app = opened();
    app.assist.enabled = true;
    app.assist.model = "llama3.2".into();
    app.assist.max_messages = 40;
    press(&mut app, Key::plain(KeyCode::Esc));
    let effects = app.apply(app.now, Event::Key(Key::ch(task)));
    let request = effects
        .into_iter()
        .find_map(|e| match e {
            switchboard::app::Effect::Assist(Command::Start(request)) => Some(request),
            _ => None,
        })
        .expect("a request");
    let mut kinds: Vec<UpdateKind> = pieces
        .iter()
        .map(|p| UpdateKind::Delta(p.to_string()))
        .collect();
    if done {
        kinds.push(UpdateKind::Done);
    }
    for kind in kinds {
        let update = Update {
            id: request.id,
            conversation: request.conversation.clone(),
            kind,
        };
        app.apply(app.now, Event::Assist(update));
    }
    app
}

const SUMMARY: &[&str] = &[
    "Ada's parcel for order #1042 has not arrived; ",
    "she asked where it is and the agent is checking with the courier. ",
    "Open: a tracking update for Ada.",
];

#[test]
fn assistant_summary_in_the_insights_pane_160x48() {
    let mut app = assisted('S', SUMMARY, true);
    insta::assert_snapshot!(screen::render(&mut app, 160, 48));
}

#[test]
fn assistant_summary_arriving_80x24() {
    let mut app = assisted('S', &SUMMARY[..1], false);
    app.view.focus = Focus::Insights;
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

#[test]
fn assistant_suggested_reply_in_the_composer() {
    let mut app = assisted(
        'a',
        &[
            "Hi Ada, so sorry for the wait! ",
            "I'm checking with the courier now.",
        ],
        false,
    );
    insta::assert_snapshot!(screen::render(&mut app, 120, 36));
}

#[test]
fn assistant_failure_in_a_small_pane() {
    use switchboard::assist::{Failure, Update, UpdateKind};
    let mut app = assisted('S', &SUMMARY[..2], false);
    let (id, conversation) = match app
        .assist
        .entry(app.view.open.as_ref().expect("open"))
        .and_then(|e| e.running.as_ref())
    {
        Some(running) => (running.id, app.view.open.clone().expect("open")),
        None => panic!("a running request"),
    };
    let failure = Failure::TimedOut(120);
    app.apply(
        app.now,
        Event::Assist(Update {
            id,
            conversation,
            kind: UpdateKind::Failed(failure),
        }),
    );
    app.view.focus = Focus::Insights;
    insta::assert_snapshot!(screen::render(&mut app, 60, 20));
}

#[test]
fn help_overlay_scrolled_to_the_end_at_80x24() {
    let mut app = inbox();
    press(&mut app, Key::ch('?'));
    // The first frame tells the app how far the help scrolls; G goes there.
    screen::render(&mut app, 80, 24);
    press(&mut app, Key::ch('G'));
    let text = screen::render(&mut app, 80, 24);
    // What did not fit at first is reachable: the last keys of the map.
    assert!(text.contains("previous field"), "{text}");
    assert!(text.contains("start conversation"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn with_two_accounts_rows_say_whose_and_the_filter_finds_by_account() {
    let mut app = inbox();
    let team = AccountId::new("team-eu");
    let mut theirs = conversation("e1", "Zoë Brandt", "+4915100000", Channel::Sms, 0);
    theirs.key = ConversationKey::new(&team, "e1");
    app.add_account(team.clone());
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: team,
            event: ProviderEvent::Conversations(vec![theirs]),
        }),
    );
    let text = screen::render(&mut app, 120, 36);
    let row = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("Zoë Brandt").contains("team-eu"), "{text}");
    assert!(row("Ada Lovelace").contains("hub"), "{text}");
    press(&mut app, Key::ch('/'));
    for c in "team-eu".chars() {
        press(&mut app, Key::ch(c));
    }
    assert_eq!(
        app.view.conversations.len(),
        1,
        "the filter finds the account"
    );
}

/// `[keys]` changes what keys do, and the help, the hints and the notices say the new keys.
#[test]
fn remapped_keys_are_the_ones_the_screen_names() {
    let config = switchboard::config::Config::parse(
        "[keys.browse]\ncompose = \"w\"\ntoggle_help = \"f1\"\n[keys.compose]\nactivate = \"ctrl-s\"\nnew_line = \"enter\"\n",
        std::path::Path::new("keys.toml"),
    );
    // f1 is not a key we know: the mistake is named, with its line.
    let error = config.expect_err("f1 is unknown").to_string();
    assert!(error.contains("line 3") && error.contains("f1"), "{error}");

    let config = switchboard::config::Config::parse(
        "[keys.browse]\ncompose = \"w\"\ntoggle_help = \"h\"\n[keys.compose]\nactivate = \"ctrl-s\"\nnew_line = \"enter\"\n",
        std::path::Path::new("keys.toml"),
    )
    .expect("valid keys");
    let settings = AppSettings {
        keymap: std::sync::Arc::new(config.keymap),
        ..AppSettings::default()
    };
    let mut app = inbox_with(settings);
    press(&mut app, Key::plain(KeyCode::Enter));
    press(&mut app, Key::plain(KeyCode::Esc));
    let text = screen::render(&mut app, 120, 36);
    assert!(text.contains("Press w to reply"), "{text}");
    // The old key does nothing now; the new one opens the composer.
    press(&mut app, Key::ch('i'));
    assert_ne!(app.view.focus, Focus::Composer);
    press(&mut app, Key::ch('w'));
    assert_eq!(app.view.focus, Focus::Composer);
    for c in "two".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::plain(KeyCode::Enter));
    press(&mut app, Key::ch('x'));
    assert_eq!(
        app.view.composer.text(),
        "two\nx",
        "Enter is a new line now"
    );
    let text = screen::render(&mut app, 120, 36);
    assert!(
        text.contains("Ctrl+S send") && text.contains("Enter new line"),
        "{text}"
    );
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('h'));
    assert!(app.view.help);
    let text = screen::render(&mut app, 120, 48);
    assert!(
        text.contains("Ctrl+S") && text.contains("send reply"),
        "{text}"
    );
    assert!(text.contains("h          this help"), "{text}");
}

/// `o` on a message with several links lists them; the pick opens as a web link, once.
#[test]
fn a_message_with_links_offers_them_to_open() {
    use switchboard::app::Effect;
    let mut app = opened();
    messages(
        &mut app,
        "c1",
        vec![inbound(
            "links",
            "Ada Lovelace",
            ago(0),
            "Invoice: https://acme.example/inv/88231. Tracking (https://track.example/ZX9?ref=a) and again https://acme.example/inv/88231",
        )],
    );
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('k'));
    let effects = app.apply(app.now, Event::Key(Key::ch('o')));
    assert!(effects.is_empty(), "a list first, nothing opened yet");
    let picker = app.view.link_picker.as_ref().expect("the links are listed");
    assert_eq!(
        picker.links,
        vec![
            "https://acme.example/inv/88231".to_string(),
            "https://track.example/ZX9?ref=a".to_string()
        ]
    );
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
    press(&mut app, Key::ch('j'));
    let effects = app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    assert_eq!(
        effects,
        vec![Effect::OpenUrl("https://track.example/ZX9?ref=a".into())]
    );
    assert!(app.view.link_picker.is_none());
}

/// `>` on a message starts a reply that quotes it; the thread shows the quote above the reply.
#[test]
fn a_reply_to_a_message_quotes_it_above_the_answer() {
    let mut app = opened();
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('k'));
    let quoted = app
        .view
        .selected_message
        .clone()
        .expect("a message selected");
    press(&mut app, Key::ch('>'));
    assert_eq!(app.view.focus, Focus::Composer);
    for c in "It ships today.".chars() {
        press(&mut app, Key::ch(c));
    }
    let title = screen::render(&mut app, 120, 36);
    assert!(title.contains("answering “"), "{title}");
    let effects = app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    let sent = effects
        .iter()
        .find_map(|e| match e {
            switchboard::app::Effect::Provider {
                command: switchboard::providers::ProviderCommand::SendText { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .expect("sent");
    let entry = app
        .inbox
        .get(app.view.open.as_ref().expect("open"))
        .expect("entry");
    let answered = entry.thread.get(&quoted).expect("the quoted message");
    let answered = answered.content.preview();
    let (quote, answer) = sent
        .split_once('\n')
        .expect("a quote line, then the answer");
    assert!(quote.starts_with("> "), "{sent}");
    assert!(
        answered.starts_with(quote[2..].trim_end_matches('…')),
        "{quote} quotes {answered}"
    );
    assert_eq!(answer, "It ships today.");
    assert!(sent.ends_with("\nIt ships today."), "{sent}");
    assert!(
        app.view.replying_to.is_none(),
        "the next reply quotes nothing"
    );
    insta::assert_snapshot!(screen::render(&mut app, 80, 24));
}

/// What does not fit says so: the list's title gives the window over the whole list, and the
/// way to the help stays on the status bar whatever the left side holds.
#[test]
fn hidden_content_is_announced_and_help_is_always_reachable() {
    let mut app = inbox();
    app.add_account(AccountId::new("team-eu-with-a-long-name"));
    app.add_account(AccountId::new("support-apac"));
    for width in [80, 100, 120] {
        let text = screen::render(&mut app, width, 12);
        let status = text.lines().last().unwrap_or_default();
        assert!(status.ends_with("? help"), "{width}: {status}");
        assert!(
            text.contains(" of 6 "),
            "{width}: the list's window:\n{text}"
        );
    }
}

/// The help lists a message's delete and capability keys only where an open account's
/// platform has them.
#[test]
fn the_help_offers_only_what_the_platforms_can_do() {
    use switchboard::app::status::PlatformActions;
    let mut app = inbox();
    press(&mut app, Key::ch('?'));
    app.status.account_mut(&account()).actions = PlatformActions::of("the hub", false);
    let text = screen::render(&mut app, 120, 48);
    assert!(text.contains("copy its text"), "{text}");
    assert!(!text.contains("delete (asks first)"), "{text}");
    assert!(!text.contains("capability lookup"), "{text}");
    app.status.account_mut(&account()).actions = PlatformActions::of("Sinch", true);
    let text = screen::render(&mut app, 120, 48);
    assert!(text.contains("delete (asks first)"), "{text}");
    assert!(text.contains("capability lookup"), "{text}");
}

/// The palette over the inbox: the query, the matches with their matched characters, the key
/// or channel beside each.
#[test]
fn the_palette_at_80x24_and_160x48() {
    let mut app = opened();
    press(&mut app, Key::ctrl('k'));
    for c in "gr".chars() {
        press(&mut app, Key::ch(c));
    }
    let palette = app.view.palette.as_ref().expect("open");
    assert!(!palette.hits.is_empty());
    insta::assert_snapshot!("palette_80x24", screen::render(&mut app, 80, 24));
    insta::assert_snapshot!("palette_160x48", screen::render(&mut app, 160, 48));
}

/// A search hit as the store answers it: the snippet's matched words (written «so») between
/// the markers.
fn hit(
    conversation: &str,
    message: &str,
    at: Timestamp,
    snippet: &str,
) -> switchboard::contract::search::SearchHit {
    use switchboard::contract::search::{HIT_END, HIT_START};
    switchboard::contract::search::SearchHit {
        key: ConversationKey::new(&account(), conversation),
        message_id: message.into(),
        at,
        direction: Direction::Inbound,
        sender: "someone".into(),
        snippet: snippet
            .replace('«', &HIT_START.to_string())
            .replace('»', &HIT_END.to_string()),
    }
}

fn found(app: &mut App, hits: Vec<switchboard::contract::search::SearchHit>) {
    let id = app.view.searches_asked;
    app.apply(
        app.now,
        Event::Store(switchboard::contract::store::StoreEvent::Found { id, hits: Ok(hits) }),
    );
}

/// Ctrl+F over the inbox: the query, how it was read, each hit's conversation, channel, time
/// and who wrote it over the text around the match (matched words in the accent, hostile
/// text neutralised); the older messages still being indexed are said.
#[test]
fn search_results_at_80x24_and_160x48() {
    let mut app = opened();
    app.settings.store = true;
    app.status.indexing = Some((420_000, 1_000_000));
    press(&mut app, Key::ctrl('f'));
    for c in "invoice from:customer priority:someday".chars() {
        press(&mut app, Key::ch(c));
    }
    found(
        &mut app,
        vec![
            hit(
                "c2",
                "g1",
                ago(190),
                "Is there a bug in the «invoice»? The total looks off by one.",
            ),
            hit(
                "c1",
                "a9",
                ago(60 * 24 * 9),
                "…could you resend the «invoice» for order #88231 to my \u{1b}[31mwork\u{1b}]0;pwned\u{7} address…",
            ),
            hit("c3", "l7", ago(60 * 24 * 40), "请把«发票»寄给我"),
        ],
    );
    insta::assert_snapshot!("search_80x24", screen::render(&mut app, 80, 24));
    insta::assert_snapshot!("search_160x48", screen::render(&mut app, 160, 48));
}

/// `/` with the thread focused: the prompt, then the hit marked in the thread and where the
/// walk stands under it.
#[test]
fn a_thread_search_at_80x24_and_160x48() {
    let mut app = opened();
    app.settings.store = true;
    press(&mut app, Key::plain(KeyCode::Tab));
    while app.view.focus != Focus::Thread {
        press(&mut app, Key::plain(KeyCode::Tab));
    }
    press(&mut app, Key::ch('/'));
    for c in "arrive".chars() {
        press(&mut app, Key::ch(c));
    }
    insta::assert_snapshot!(
        "thread_search_typing_80x24",
        screen::render(&mut app, 80, 24)
    );
    press(&mut app, Key::plain(KeyCode::Enter));
    let yesterday = NOW - Duration::days(1) - Duration::hours(2);
    found(
        &mut app,
        vec![
            hit("c1", "a4", ago(12), "It hasn't «arrived» yet"),
            hit(
                "c1",
                "a3",
                yesterday + Duration::minutes(4),
                "should «arrive» on Monday.",
            ),
        ],
    );
    press(&mut app, Key::ch('n'));
    insta::assert_snapshot!("thread_search_80x24", screen::render(&mut app, 80, 24));
    insta::assert_snapshot!("thread_search_160x48", screen::render(&mut app, 160, 48));
}

/// `o` on a message too long for the screen pages through the whole of it, kept aside under
/// the token its note carries.
#[test]
fn o_on_a_message_cut_for_the_screen_pages_through_all_of_it() {
    use switchboard::app::{Effect, TerminalJob};
    let mut app = opened();
    let shown = format!(
        "{} … [70000 more bytes not shown · o reads all #0123abcd]",
        "x".repeat(200)
    );
    messages(
        &mut app,
        "c1",
        vec![inbound("long", "Ada Lovelace", ago(0), &shown)],
    );
    app.view.focus = Focus::Thread;
    press(&mut app, Key::ch('k'));
    let effects = app.apply(app.now, Event::Key(Key::ch('o')));
    assert_eq!(
        effects,
        vec![Effect::Terminal(TerminalJob::Page("0123abcd".into()))]
    );
    app.apply(
        app.now,
        Event::Paged(Err("that long message is no longer kept".into())),
    );
    let text = screen::render(&mut app, 120, 36);
    assert!(text.contains("no longer kept"), "{text}");
}

/// A private note in the thread, and the note composer with the next one: both look unlike
/// a reply (their own colour, "Private note", the composer's title), and the list is in its
/// unread view.
#[test]
fn private_note_and_note_composer_at_80x24_and_160x48() {
    let mut app = opened();
    press(&mut app, Key::alt(KeyCode::Char('n')));
    for c in "Refund approved by Sam, ticket #4411".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::plain(KeyCode::Enter));
    for c in "Call her back after 3pm".chars() {
        press(&mut app, Key::ch(c));
    }
    app.view.focus = Focus::Conversations;
    press(&mut app, Key::ch('U'));
    app.view.focus = Focus::Composer;
    for (width, height) in [(80, 24), (160, 48)] {
        let text = screen::render(&mut app, width, height);
        assert!(text.contains("Private note"), "{text}");
        assert!(text.contains("PRIVATE NOTE"), "{text}");
        insta::assert_snapshot!(format!("private_note_{width}x{height}"), text);
    }
}

/// The status picker over the inbox, then the snoozed conversation as the snoozed view lists
/// it (saying until when).
#[test]
fn status_picker_and_a_snoozed_row() {
    let mut app = opened();
    app.view.focus = Focus::Conversations;
    press(&mut app, Key::ch('z'));
    for c in "tomorrow 9am".chars() {
        press(&mut app, Key::ch(c));
    }
    let picker = screen::render(&mut app, 80, 24);
    assert!(picker.contains("Snooze until: tomorrow 9am"), "{picker}");
    insta::assert_snapshot!("status_picker_80x24", picker);
    press(&mut app, Key::plain(KeyCode::Enter));
    // F cycles open, pending, resolved, snoozed.
    for _ in 0..4 {
        press(&mut app, Key::ch('F'));
    }
    let snoozed = screen::render(&mut app, 160, 48);
    assert!(snoozed.contains("snoozed until Sat 09:00"), "{snoozed}");
    insta::assert_snapshot!("snoozed_row_160x48", snoozed);
}

/// A draft left in a conversation says so on its row.
#[test]
fn a_row_with_a_draft_says_so() {
    let mut app = opened();
    for c in "Let me check".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::alt(KeyCode::Char('j')));
    let text = screen::render(&mut app, 80, 24);
    assert!(text.contains("✎ draft · "), "{text}");
    insta::assert_snapshot!("draft_row_80x24", text);
}

/// Who has each conversation, its labels and priority on the rows and in the thread header;
/// the assign, label and priority pickers.
#[test]
fn assignee_labels_and_priority_on_rows_header_and_pickers() {
    use switchboard::contract::provider::PlatformActions;
    use switchboard::model::{Agent, Priority, Workflow};
    let mut app = opened();
    app.status.account_mut(&account()).actions = PlatformActions::of("the hub", false);
    let say = |app: &mut App, event: ProviderEvent| {
        app.apply(
            app.now,
            Event::provider(AccountEvent {
                account: account(),
                event,
            }),
        );
    };
    say(
        &mut app,
        ProviderEvent::Team {
            me: Some("u-you".into()),
            agents: vec![
                Agent {
                    id: "u-maya".into(),
                    name: "Maya Chen".into(),
                },
                Agent {
                    id: "u-tom".into(),
                    name: "Tom Okafor".into(),
                },
            ],
            labels: vec!["billing".into(), "refund".into(), "vip".into()],
        },
    );
    let ids: Vec<String> = app
        .view
        .conversations
        .iter()
        .map(|k| k.id.to_string())
        .collect();
    let works = [
        Workflow {
            assignee: Some("u-you".into()),
            labels: vec!["refund".into(), "vip".into()],
            priority: Priority::Urgent,
            snoozed_until: None,
        },
        Workflow {
            assignee: Some("u-maya".into()),
            labels: vec!["billing".into()],
            priority: Priority::High,
            snoozed_until: None,
        },
        Workflow {
            assignee: None,
            labels: vec!["feedback".into()],
            priority: Priority::Low,
            snoozed_until: None,
        },
    ];
    for (id, work) in ids.iter().zip(works) {
        say(
            &mut app,
            ProviderEvent::Workflow {
                conversation: id.clone(),
                work,
            },
        );
    }
    for (width, height) in [(80, 24), (160, 48)] {
        let text = screen::render(&mut app, width, height);
        assert!(text.contains("@me"), "{text}");
        insta::assert_snapshot!(format!("workflow_rows_{width}x{height}"), text);
    }
    let wide = screen::render(&mut app, 160, 48);
    assert!(wide.contains("@Maya Chen"), "{wide}");
    assert!(
        wide.contains("Ada Lovelace · WhatsApp · high · with Maya Chen · #billing"),
        "{wide}"
    );

    app.view.focus = Focus::Conversations;
    press(&mut app, Key::ch('A'));
    let assign = screen::render(&mut app, 80, 24);
    assert!(assign.contains("nobody (unassigned)"), "{assign}");
    insta::assert_snapshot!("assign_picker_80x24", assign);
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('L'));
    for c in "late".chars() {
        press(&mut app, Key::ch(c));
    }
    let labels = screen::render(&mut app, 160, 48);
    assert!(labels.contains("+ new label \"late\""), "{labels}");
    insta::assert_snapshot!("label_picker_160x48", labels);
    press(&mut app, Key::plain(KeyCode::Esc));
    press(&mut app, Key::ch('P'));
    let priority = screen::render(&mut app, 80, 24);
    assert!(priority.contains("✓ high"), "{priority}");
    insta::assert_snapshot!("priority_picker_80x24", priority);
}

/// A saved view (`[[view]]`, the digit keys) names itself in the list's title and narrows it.
#[test]
fn a_saved_view_names_itself_in_the_list_title() {
    use switchboard::app::saved_views::SavedView;
    let mut app = inbox_with(AppSettings {
        views: std::sync::Arc::from(vec![SavedView {
            name: "Texts".into(),
            query: "channel:sms".into(),
        }]),
        ..AppSettings::default()
    });
    press(&mut app, Key::ch('1'));
    let text = screen::render(&mut app, 120, 40);
    assert!(text.contains("Conversations 1 · Texts"), "{text}");
    assert!(
        text.contains("Grace Hopper") && !text.contains("Alan Turing"),
        "{text}"
    );
}

/// A match far into its snippet stays on screen in a narrow pane: the lead-in keeps its last
/// words.
#[test]
fn a_match_late_in_its_snippet_stays_in_view_at_80x24() {
    let mut app = opened();
    app.settings.store = true;
    press(&mut app, Key::ctrl('f'));
    for c in "refund".chars() {
        press(&mut app, Key::ch(c));
    }
    found(
        &mut app,
        vec![hit(
            "c2",
            "g1",
            ago(190),
            "Hello, I returned the headphones from order #B20931 two weeks ago and still no «refund» since then",
        )],
    );
    let text = screen::render(&mut app, 80, 24);
    assert!(text.contains("still no refund"), "{text}");
    assert!(text.contains("1 hit, newest first"), "{text}");
}

/// Contacts a platform found for the same words, after the local hits and marked remote, the
/// selection on one of them; a hostile name is neutralised like any other text.
#[test]
fn remote_contacts_follow_the_hits_at_80x24() {
    use switchboard::contract::provider::PlatformActions;
    use switchboard::model::{ContactCard, ContactIdentifier};
    let mut app = opened();
    app.settings.store = true;
    let status = app.status.account_mut(&account());
    status.actions = PlatformActions::of("Linktor", false);
    status.connection = ConnectionState::Live;
    press(&mut app, Key::ctrl('f'));
    for c in "ana".chars() {
        press(&mut app, Key::ch(c));
    }
    found(
        &mut app,
        vec![hit("c2", "g1", ago(190), "«Ana» asked about the invoice")],
    );
    let pending = screen::render(&mut app, 80, 24);
    assert!(pending.contains("contacts: when you pause"), "{pending}");
    app.apply(app.now + Duration::seconds(1), Event::Tick);
    let asking = screen::render(&mut app, 80, 24);
    assert!(asking.contains("asking Linktor…"), "{asking}");
    let card = |id: &str, name: &str, identifier: &str| ContactCard {
        id: id.into(),
        name: name.into(),
        email: Some("ana@example.com".into()),
        phone: None,
        identifiers: vec![ContactIdentifier {
            channel: Channel::WhatsApp,
            channel_type: "whatsapp".into(),
            identifier: identifier.into(),
        }],
    };
    provider(
        &mut app,
        ProviderEvent::Contacts {
            query: "ana".into(),
            contacts: vec![
                card("k-ana", "Ana Lima", "+351912345678"),
                card("k-x", "Ana\u{1b}[2J\u{7} Evil", "+15550100"),
            ],
        },
    );
    press(&mut app, Key::plain(KeyCode::Down));
    press(&mut app, Key::plain(KeyCode::Down));
    insta::assert_snapshot!("search_remote_80x24", screen::render(&mut app, 80, 24));
}
