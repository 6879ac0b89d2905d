//! Pushed messages do not pile up in memory: with a store, a thread in the background keeps a
//! page, the open one ten while the user follows it, and everything pushed is still written to
//! the store; an out-of-order flood into the open thread replays its insights once per batch.

use time::Duration;
use time::macros::datetime;

use super::resident::{BACKGROUND_RESIDENT, OPEN_RESIDENT};
use crate::app::*;
use crate::contract::provider::{AccountEvent, ProviderEvent};
use crate::contract::store::StoreRequest;
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};

const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&AccountId::new("hub"), id)
}

fn conversation(id: &str) -> Conversation {
    Conversation {
        key: key(id),
        channel: Channel::Sms,
        contact: Contact {
            id: format!("k-{id}"),
            name: format!("Customer {id}"),
            identity: "+1555".into(),
        },
        status: ConversationStatus::Open,
        unread: 0,
        last_message_at: Some(T0),
        last_message: None,
        metadata: Default::default(),
        work: None,
    }
}

/// A push of one message; all share one timestamp, as a server stamping by the second does.
fn pushed(conversation: &str, id: String, text: &str) -> AccountEvent {
    AccountEvent {
        account: AccountId::new("hub"),
        event: ProviderEvent::Messages {
            conversation: conversation.into(),
            messages: vec![Message {
                id,
                client_id: None,
                direction: Direction::Inbound,
                sender: "Ana".into(),
                content: Content::Text(text.into()),
                at: T0 - Duration::minutes(1),
                status: DeliveryStatus::Delivered,
                failure: None,
            }],
            live: true,
        },
    }
}

fn app(store: bool) -> App {
    let settings = AppSettings {
        store,
        ..AppSettings::default()
    };
    let mut app = App::new("run", settings, T0);
    app.add_account(AccountId::new("hub"));
    app.apply(
        T0,
        Event::provider(AccountEvent {
            account: AccountId::new("hub"),
            event: ProviderEvent::Conversations(vec![conversation("c1"), conversation("c2")]),
        }),
    );
    app
}

fn stored_messages(effects: &[Effect]) -> usize {
    effects
        .iter()
        .map(|e| match e {
            Effect::Store(StoreRequest::Messages { messages, .. }) => messages.len(),
            _ => 0,
        })
        .sum()
}

/// `count` pushes into `conversation` in batches of 256 (as the loop drains), ids shuffled.
fn flood(app: &mut App, conversation: &str, count: usize) -> usize {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut ids: Vec<usize> = (0..count).collect();
    rng.shuffle(&mut ids);
    let mut stored = 0;
    for batch in ids.chunks(256) {
        let events = batch
            .iter()
            .map(|n| pushed(conversation, format!("m{n:07}"), "where is my parcel?"))
            .collect();
        stored += stored_messages(&app.apply(T0, Event::Providers(events)));
    }
    stored
}

#[test]
fn a_background_thread_keeps_a_page_and_the_store_gets_everything() {
    let mut app = app(true);
    let stored = flood(&mut app, "c2", 3_000);
    assert_eq!(
        stored, 3_000,
        "every pushed message was written to the store"
    );
    let entry = app.inbox.get(&key("c2")).expect("c2");
    assert_eq!(entry.thread.len(), BACKGROUND_RESIDENT);
    assert!(entry.older_cached, "the rest is read back from the store");
    let newest = entry.thread.last().map(|m| m.id.clone());
    assert_eq!(newest.as_deref(), Some("m0002999"), "the newest stay");
}

#[test]
fn the_open_thread_keeps_its_window_while_followed_and_all_while_read_back() {
    let mut app = app(true);
    app.view.open = Some(key("c1"));
    app.inbox.follow_insights(Some(key("c1")));
    flood(&mut app, "c1", 3_000);
    assert_eq!(
        app.inbox.get(&key("c1")).map(|e| e.thread.len()),
        Some(OPEN_RESIDENT)
    );
    // Scrolled up: nothing is pulled away from under the reader.
    app.view.thread_scroll = 10;
    flood(&mut app, "c1", 100);
    assert!(app.inbox.get(&key("c1")).map(|e| e.thread.len()) > Some(OPEN_RESIDENT));
}

#[test]
fn without_a_store_nothing_is_trimmed() {
    let mut app = app(false);
    flood(&mut app, "c2", 1_000);
    assert_eq!(
        app.inbox.get(&key("c2")).map(|e| e.thread.len()),
        Some(1_000)
    );
}

#[test]
fn an_out_of_order_batch_into_the_open_thread_gives_the_same_insights_as_in_order() {
    let text = |n: usize| {
        if n.is_multiple_of(3) {
            "Can you send the invoice by Friday?".to_string()
        } else {
            format!("order {n} arrived")
        }
    };
    let run = |shuffled: bool| {
        let mut app = app(false);
        app.view.open = Some(key("c1"));
        app.inbox.follow_insights(Some(key("c1")));
        let mut ids: Vec<usize> = (0..600).collect();
        if shuffled {
            fastrand::Rng::with_seed(3).shuffle(&mut ids);
        }
        for batch in ids.chunks(100) {
            let events = batch
                .iter()
                .map(|n| pushed("c1", format!("m{n:07}"), &text(*n)))
                .collect();
            app.apply(T0, Event::Providers(events));
        }
        let insights = super::insights::open_insights(&app).cloned();
        insights.map(|i| (i.questions.len(), i.action_items.len(), i.open))
    };
    let in_order = run(false);
    assert!(in_order.is_some_and(|(questions, _, _)| questions > 0));
    assert_eq!(run(true), in_order);
}

#[test]
fn statuses_for_messages_never_held_are_bounded_and_a_fresh_one_still_applies() {
    let mut thread = super::thread::Thread::default();
    for n in 0..50_000 {
        thread.set_status(&format!("gone-{n}"), DeliveryStatus::Read, None);
    }
    // A status that outran its message, after the flood: kept, and applied on arrival.
    thread.set_status("m-next", DeliveryStatus::Delivered, None);
    let message = Message {
        id: "m-next".into(),
        client_id: None,
        direction: Direction::Outbound,
        sender: "You".into(),
        content: Content::Text("on its way".into()),
        at: T0,
        status: DeliveryStatus::Sent,
        failure: None,
    };
    thread.upsert(message);
    assert_eq!(
        thread.get("m-next").map(|m| m.status),
        Some(DeliveryStatus::Delivered)
    );
}

#[test]
fn a_thread_waiting_for_a_page_is_not_trimmed_under_it() {
    let mut app = app(true);
    if let Some(entry) = app.inbox.get_mut(&key("c2")) {
        // A page before its oldest message is on its way from the store.
        entry.fetching_older = true;
    }
    flood(&mut app, "c2", 300);
    assert_eq!(
        app.inbox.get(&key("c2")).map(|e| e.thread.len()),
        Some(300),
        "trimming now would leave a gap before the page"
    );
    if let Some(entry) = app.inbox.get_mut(&key("c2")) {
        entry.fetching_older = false;
    }
    flood(&mut app, "c2", 10);
    assert_eq!(
        app.inbox.get(&key("c2")).map(|e| e.thread.len()),
        Some(BACKGROUND_RESIDENT)
    );
}
