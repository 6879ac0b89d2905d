//! Threads from the store a page at a time: the start holds only the newest message, opening
//! reads the recent page, the top of what is loaded reads the page before, an exhausted store
//! hands over to the provider, and leaving a thread trims it back to its recent page.

use time::Duration;
use time::macros::datetime;

use super::PAGE;
use crate::app::*;
use crate::contract::provider::ProviderCommand;
use crate::contract::store::{CachedConversation, Snapshot, StoreEvent, StoreRequest};
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};

const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&AccountId::new("hub"), id)
}

fn message(n: usize) -> Message {
    Message {
        id: format!("m{n:06}"),
        client_id: None,
        direction: Direction::Inbound,
        sender: "Ana".into(),
        content: Content::Text(format!("message {n}")),
        at: T0 - Duration::hours(1) + Duration::seconds(n as i64),
        status: DeliveryStatus::Read,
        failure: None,
    }
}

fn cached(id: &str, minutes_ago: i64) -> CachedConversation {
    CachedConversation {
        info: Conversation {
            key: key(id),
            channel: Channel::Sms,
            contact: Contact {
                id: format!("k-{id}"),
                name: format!("Customer {id}"),
                identity: "+1555".into(),
            },
            status: ConversationStatus::Open,
            unread: 0,
            last_message_at: Some(T0 - Duration::minutes(minutes_ago)),
            last_message: None,
            metadata: Default::default(),
            work: None,
        },
        snooze: None,
        history_complete: true,
    }
}

/// An app started from a store whose `c1` holds `total` messages (only the newest loaded).
fn started(total: usize) -> App {
    let settings = AppSettings {
        store: true,
        ..AppSettings::default()
    };
    let mut app = App::new("run", settings, T0);
    app.add_account(AccountId::new("hub"));
    app.apply(
        T0,
        Event::Store(StoreEvent::Loaded(Snapshot {
            conversations: vec![cached("c1", 0), cached("c2", 5)],
            messages: vec![(key("c1"), vec![message(total - 1)])],
            ..Snapshot::default()
        })),
    );
    app
}

fn page_requests(effects: &[Effect]) -> Vec<(ConversationKey, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(StoreRequest::LoadPage {
                key, before, limit, ..
            }) => {
                assert_eq!(*limit, PAGE);
                Some((key.clone(), before.as_ref().map(|(_, id)| id.clone())))
            }
            _ => None,
        })
        .collect()
}

fn fetches_from_provider(effects: &[Effect]) -> bool {
    effects.iter().any(|e| {
        matches!(
            e,
            Effect::Provider {
                command: ProviderCommand::FetchOlder { .. },
                ..
            }
        )
    })
}

/// The store's page of `c1` that ends just before message `end`.
fn answer(app: &mut App, end: usize, count: usize, exhausted: bool) -> Vec<Effect> {
    let messages = (end - count..end).map(message).collect();
    app.apply(
        T0,
        Event::Store(StoreEvent::Page {
            key: key("c1"),
            messages,
            exhausted,
        }),
    )
}

fn open(app: &mut App, id: &str) -> Vec<Effect> {
    app.view.selected = Some(key(id));
    app.view.focus = Focus::Conversations;
    app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)))
}

/// The frame shows the top of what is loaded (after one that did not, so it is news).
fn at_top(app: &mut App) -> Vec<Effect> {
    let mut layout: LayoutInfo = app.view.layout;
    layout.thread_top_scroll = Some(1_000);
    app.apply(T0, Event::Layout(layout));
    layout.thread_top_scroll = Some(0);
    app.apply(T0, Event::Layout(layout))
}

#[test]
fn the_start_holds_the_newest_message_and_opening_reads_the_recent_page() {
    let mut app = started(1_000);
    let entry = app.inbox.get(&key("c1")).expect("c1");
    assert_eq!(entry.thread.len(), 1);
    assert_eq!(
        entry.preview().map(|(_, text)| text),
        Some("message 999".into())
    );
    let effects = open(&mut app, "c1");
    assert_eq!(
        page_requests(&effects),
        [(key("c1"), Some("m000999".into()))],
        "the page before the newest message"
    );
    assert!(!fetches_from_provider(&effects));
    answer(&mut app, 999, PAGE, false);
    let thread = &app.inbox.get(&key("c1")).expect("c1").thread;
    assert_eq!(thread.len(), PAGE + 1);
    assert_eq!(thread.first().map(|m| m.id.as_str()), Some("m000799"));
}

#[test]
fn the_top_of_what_is_loaded_reads_the_page_before_then_asks_the_provider() {
    let mut app = started(PAGE + 51);
    open(&mut app, "c1");
    answer(&mut app, PAGE + 50, PAGE, false);
    let effects = at_top(&mut app);
    assert_eq!(
        page_requests(&effects),
        [(key("c1"), Some("m000050".into()))]
    );
    assert!(!fetches_from_provider(&effects));
    // The store's last page: what is older is the provider's.
    let effects = answer(&mut app, 50, 50, true);
    assert!(page_requests(&effects).is_empty());
    let entry = app.inbox.get(&key("c1")).expect("c1");
    assert_eq!(entry.thread.len(), PAGE + 51);
    assert!(!entry.older_cached);
    let ids: Vec<&str> = entry.thread.messages()[..3]
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(ids, ["m000000", "m000001", "m000002"], "in thread order");
    // The cache recorded the history as complete, so nothing more is asked of anyone.
    let effects = at_top(&mut app);
    assert!(page_requests(&effects).is_empty());
    assert!(!fetches_from_provider(&effects));
}

/// An app whose `c1` (of `total` cached messages) is open with its recent page read.
fn opened_with_recent_page(total: usize) -> App {
    let mut app = started(total);
    open(&mut app, "c1");
    answer(&mut app, total - 1, PAGE, false);
    app
}

/// A frame of `c1` with `above` loaded messages above what it shows.
fn shown_with_above(app: &mut App, above: usize) -> Vec<Effect> {
    let mut layout: LayoutInfo = app.view.layout;
    layout.thread_loaded_above = Some(above);
    app.apply(T0, Event::Layout(layout))
}

#[test]
fn scrolling_towards_the_top_reads_the_page_before_ahead_of_the_user() {
    let total = 3 * PAGE + 1;
    let mut app = opened_with_recent_page(total);
    // Far from the oldest loaded message: nothing is read.
    let effects = shown_with_above(&mut app, PAGE - 20);
    assert!(page_requests(&effects).is_empty());
    // Near it, before the top is reached: the page before is asked for, once.
    let effects = shown_with_above(&mut app, super::READ_AHEAD - 1);
    let first = format!("m{:06}", total - 1 - PAGE);
    assert_eq!(page_requests(&effects), [(key("c1"), Some(first))]);
    let effects = shown_with_above(&mut app, super::READ_AHEAD - 2);
    assert!(page_requests(&effects).is_empty(), "one read at a time");
    assert!(!fetches_from_provider(&effects));
    // Once the store has nothing older, reading ahead asks nobody: the provider waits for
    // the user to reach the top.
    answer(&mut app, total - 1 - PAGE, PAGE, true);
    let effects = shown_with_above(&mut app, 3);
    assert!(page_requests(&effects).is_empty());
    assert!(!fetches_from_provider(&effects));
}

#[test]
fn an_empty_exhausted_page_hands_over_to_the_provider_while_the_user_waits_at_the_top() {
    let mut app = started(1);
    app.inbox.get_mut(&key("c1")).expect("c1").history_complete = false;
    open(&mut app, "c1");
    at_top(&mut app);
    let effects = app.apply(
        T0,
        Event::Store(StoreEvent::Page {
            key: key("c1"),
            messages: Vec::new(),
            exhausted: true,
        }),
    );
    assert!(fetches_from_provider(&effects));
}

#[test]
fn leaving_a_long_thread_keeps_its_recent_page_and_reads_the_rest_again() {
    let total = 3 * PAGE + 1;
    let mut app = opened_with_recent_page(total);
    at_top(&mut app);
    answer(&mut app, total - 1 - PAGE, PAGE, false);
    assert_eq!(
        app.inbox.get(&key("c1")).expect("c1").thread.len(),
        2 * PAGE + 1
    );
    open(&mut app, "c2");
    let entry = app.inbox.get(&key("c1")).expect("c1");
    assert_eq!(entry.thread.len(), PAGE, "trimmed to its recent page");
    assert!(entry.older_cached);
    assert_eq!(
        entry.thread.last().map(|m| m.id.clone()),
        Some(format!("m{:06}", total - 1))
    );
    let effects = open(&mut app, "c1");
    assert!(
        page_requests(&effects).is_empty(),
        "a full page is resident"
    );
    let effects = at_top(&mut app);
    let first = format!("m{:06}", total - PAGE);
    assert_eq!(page_requests(&effects), [(key("c1"), Some(first))]);
}

#[test]
fn without_a_store_older_history_comes_from_the_provider() {
    let mut app = App::new("run", AppSettings::default(), T0);
    app.apply(
        T0,
        Event::provider(crate::contract::provider::AccountEvent {
            account: AccountId::new("hub"),
            event: crate::contract::provider::ProviderEvent::Conversations(vec![
                cached("c1", 0).info,
            ]),
        }),
    );
    let effects = open(&mut app, "c1");
    assert!(page_requests(&effects).is_empty());
    let effects = at_top(&mut app);
    assert!(fetches_from_provider(&effects));
}
