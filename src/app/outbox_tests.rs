//! The outbox in the reducer: stored before sent, retried with backoff, failed with its reason,
//! retried or discarded by key, confirmed by the server copy, restored after a restart.

use time::Duration;
use time::macros::datetime;

use super::outbox::{MAX_ATTEMPTS, Stage, retry_delay};
use super::*;
use crate::contract::provider::{AccountEvent, ProviderCommand, ProviderEvent};
use crate::contract::store::{OutboxEntry, OutboxState, Snapshot, StoreEvent, StoreRequest};
use crate::model::{
    Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus, DeliveryStatus,
    Direction, Message, Timestamp,
};

const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

fn key() -> ConversationKey {
    ConversationKey::new(&AccountId::new("hub"), "c1")
}

fn stored_app() -> App {
    let settings = AppSettings {
        store: true,
        ..AppSettings::default()
    };
    let mut app = App::new("run", settings, T0);
    app.add_account(AccountId::new("hub"));
    let conversation = Conversation {
        key: key(),
        channel: Channel::Sms,
        contact: Contact {
            id: "k1".into(),
            name: "Ana".into(),
            identity: "+1555".into(),
        },
        status: ConversationStatus::Open,
        unread: 0,
        last_message_at: None,
        last_message: None,
        metadata: Default::default(),
        work: None,
    };
    app.apply(
        T0,
        provider(ProviderEvent::Conversations(vec![conversation])),
    );
    app
}

fn provider(event: ProviderEvent) -> Event {
    Event::provider(AccountEvent {
        account: AccountId::new("hub"),
        event,
    })
}

/// Client ids of every send, first or again.
fn sends(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Provider {
                command:
                    ProviderCommand::SendText { client_id, .. }
                    | ProviderCommand::Resend { client_id, .. },
                ..
            } => Some(client_id.clone()),
            _ => None,
        })
        .collect()
}

/// Client ids of the sends marked as resends (an earlier attempt may have arrived).
fn resends(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Provider {
                command: ProviderCommand::Resend { client_id, .. },
                ..
            } => Some(client_id.clone()),
            _ => None,
        })
        .collect()
}

/// Opens c1, writes `text` and presses Enter; returns the client id the echo got.
fn reply(app: &mut App, text: &str) -> (String, Vec<Effect>) {
    app.view.selected = Some(key());
    app.view.focus = Focus::Conversations;
    app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)));
    app.apply(T0, Event::Paste(text.into()));
    let effects = app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)));
    let client_id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Store(StoreRequest::Enqueue { entry, .. }) => Some(entry.client_id.clone()),
            _ => None,
        })
        .expect("the reply is written to the store");
    (client_id, effects)
}

fn echo(app: &App, client_id: &str) -> Message {
    app.inbox
        .get(&key())
        .expect("c1")
        .thread
        .get(client_id)
        .cloned()
        .expect("echo")
}

fn fail(app: &mut App, at: Timestamp, client_id: &str) -> Vec<Effect> {
    app.apply(
        at,
        provider(ProviderEvent::SendFailed {
            conversation: "c1".into(),
            client_id: client_id.into(),
            reason: "server error (503)".into(),
        }),
    )
}

/// A reply the store has confirmed, handed to the provider; its client id.
fn queued(app: &mut App) -> String {
    let (client_id, _) = reply(app, "On my way");
    app.apply(
        T0,
        Event::Store(StoreEvent::Queued {
            client_id: client_id.clone(),
        }),
    );
    client_id
}

/// Every automatic attempt fails, each retried when its wait is over.
fn fail_every_attempt(app: &mut App, client_id: &str) {
    let mut now = T0;
    for attempt in 1..=MAX_ATTEMPTS {
        fail(app, now, client_id);
        now += retry_delay(attempt);
        app.apply(now, Event::Tick);
    }
}

#[test]
fn a_reply_is_stored_before_it_is_sent() {
    let mut app = stored_app();
    let (client_id, effects) = reply(&mut app, "On my way");
    assert!(
        sends(&effects).is_empty(),
        "nothing is sent before the store confirms: {effects:?}"
    );
    assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Pending);
    let effects = app.apply(
        T0,
        Event::Store(StoreEvent::Queued {
            client_id: client_id.clone(),
        }),
    );
    assert_eq!(sends(&effects), std::slice::from_ref(&client_id));
    assert!(
        resends(&effects).is_empty(),
        "the first attempt is a plain send"
    );
    // A second confirmation (a replayed event) sends nothing more.
    let effects = app.apply(T0, Event::Store(StoreEvent::Queued { client_id }));
    assert!(sends(&effects).is_empty());
}

#[test]
fn failures_are_retried_with_backoff_then_marked_failed_with_the_reason() {
    let mut app = stored_app();
    let (client_id, _) = reply(&mut app, "On my way");
    app.apply(
        T0,
        Event::Store(StoreEvent::Queued {
            client_id: client_id.clone(),
        }),
    );
    let mut now = T0;
    for attempt in 1..MAX_ATTEMPTS {
        fail(&mut app, now, &client_id);
        let shown = echo(&app, &client_id);
        assert_eq!(
            shown.status,
            DeliveryStatus::Pending,
            "still pending while retrying"
        );
        assert!(
            shown
                .failure
                .as_deref()
                .is_some_and(|n| n.contains("retrying at") && n.contains("503"))
        );
        let wait = retry_delay(attempt);
        assert!(sends(&app.apply(now + wait - Duration::milliseconds(1), Event::Tick)).is_empty());
        now += wait;
        assert_eq!(
            resends(&app.apply(now, Event::Tick)),
            std::slice::from_ref(&client_id),
            "attempt {} is a resend",
            attempt + 1
        );
    }
    let effects = fail(&mut app, now, &client_id);
    let shown = echo(&app, &client_id);
    assert_eq!(shown.status, DeliveryStatus::Failed);
    assert!(
        shown
            .failure
            .as_deref()
            .is_some_and(|r| r.contains("503") && r.contains("attempts"))
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Store(StoreRequest::OutboxUpdate {
            state: OutboxState::Failed(_),
            ..
        })
    )));
    assert!(
        sends(&app.apply(now + Duration::hours(1), Event::Tick)).is_empty(),
        "no more automatic tries"
    );
    assert!(retry_delay(1) < retry_delay(2) && retry_delay(30) == Duration::seconds(60));
}

#[test]
fn a_reply_waits_out_an_outage_and_goes_as_soon_as_the_account_is_live() {
    use crate::contract::provider::ConnectionState;
    let mut app = stored_app();
    app.apply(
        T0,
        provider(ProviderEvent::Connection(ConnectionState::Live)),
    );
    let lost = |until| {
        provider(ProviderEvent::Connection(ConnectionState::BackingOff {
            until,
            reason: "connection refused".into(),
        }))
    };
    app.apply(T0, lost(T0 + Duration::seconds(30)));
    let client_id = queued(&mut app);
    // Twice the attempts that would end it while live; between two, the provider tries again.
    let mut now = T0;
    for _ in 0..2 * MAX_ATTEMPTS {
        fail(&mut app, now, &client_id);
        let shown = echo(&app, &client_id);
        assert_eq!(
            shown.status,
            DeliveryStatus::Pending,
            "not failed by an outage"
        );
        assert!(
            shown
                .failure
                .as_deref()
                .is_some_and(|n| n.contains("waiting for the connection")),
            "{:?}",
            shown.failure
        );
        app.apply(
            now,
            provider(ProviderEvent::Connection(ConnectionState::Connecting)),
        );
        now += Duration::minutes(2);
        app.apply(now, Event::Tick);
        app.apply(now, lost(now + Duration::seconds(30)));
    }
    fail(&mut app, now, &client_id);
    // Back: it goes at once, not at its timer, with a fresh round of attempts.
    let effects = app.apply(
        now,
        provider(ProviderEvent::Connection(ConnectionState::Live)),
    );
    assert_eq!(resends(&effects), std::slice::from_ref(&client_id));
    for attempt in 1..MAX_ATTEMPTS {
        fail(&mut app, now, &client_id);
        assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Pending);
        now += retry_delay(attempt);
        app.apply(now, Event::Tick);
    }
    fail(&mut app, now, &client_id);
    assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Failed);
}

#[test]
fn a_reply_to_an_account_whose_first_connection_fails_fails_after_its_attempts() {
    use crate::contract::provider::ConnectionState;
    let mut app = stored_app();
    // A wrong address, a server down since the start: no outage to wait out.
    app.apply(
        T0,
        provider(ProviderEvent::Connection(ConnectionState::BackingOff {
            until: T0 + Duration::seconds(2),
            reason: "connection refused".into(),
        })),
    );
    let client_id = queued(&mut app);
    fail_every_attempt(&mut app, &client_id);
    assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Failed);
}

#[test]
fn a_reply_waiting_to_go_again_can_be_discarded() {
    let mut app = stored_app();
    let client_id = queued(&mut app);
    fail(&mut app, T0, &client_id);
    assert!(matches!(
        app.outbox.get(&client_id).map(|item| &item.stage),
        Some(Stage::Waiting { .. })
    ));
    let discarded = super::outbox::discard_unsent(&mut app, &mut Vec::new());
    assert_eq!(discarded, 1, "one reply discarded");
    assert!(app.outbox.get(&client_id).is_none());
    assert!(
        app.inbox
            .get(&key())
            .is_some_and(|e| e.thread.get(&client_id).is_none())
    );
}

#[test]
fn a_reply_to_an_account_that_never_connected_still_fails_after_its_attempts() {
    let mut app = stored_app();
    // Connecting from the start (a provider that could not start says nothing more).
    let client_id = queued(&mut app);
    fail_every_attempt(&mut app, &client_id);
    assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Failed);
}

#[test]
fn retry_and_discard_keys_act_on_failed_replies_of_the_open_conversation() {
    let mut app = stored_app();
    let (client_id, _) = reply(&mut app, "Hello");
    app.apply(
        T0,
        Event::Store(StoreEvent::Queued {
            client_id: client_id.clone(),
        }),
    );
    let mut now = T0;
    for _ in 1..MAX_ATTEMPTS {
        fail(&mut app, now, &client_id);
        now += Duration::minutes(5);
        app.apply(now, Event::Tick);
    }
    fail(&mut app, now, &client_id);
    app.apply(now, Event::Key(Key::plain(KeyCode::Esc)));
    assert_eq!(app.view.focus, Focus::Conversations);

    let effects = app.apply(now, Event::Key(Key::ch('T')));
    assert_eq!(resends(&effects), std::slice::from_ref(&client_id));
    assert_eq!(echo(&app, &client_id).status, DeliveryStatus::Pending);
    assert_eq!(
        app.outbox.get(&client_id).map(|i| i.attempts),
        Some(1),
        "a fresh round"
    );

    for _ in 1..MAX_ATTEMPTS {
        fail(&mut app, now, &client_id);
        now += Duration::minutes(5);
        app.apply(now, Event::Tick);
    }
    fail(&mut app, now, &client_id);
    let effects = app.apply(now, Event::Key(Key::ch('X')));
    assert!(effects.contains(&Effect::Store(StoreRequest::Discard {
        key: key(),
        client_id: client_id.clone()
    })));
    assert!(
        app.inbox
            .get(&key())
            .expect("c1")
            .thread
            .get(&client_id)
            .is_none()
    );
    assert!(app.outbox.is_empty());
}

#[test]
fn the_server_copy_takes_the_reply_out_of_the_outbox() {
    let mut app = stored_app();
    let (client_id, _) = reply(&mut app, "On my way");
    app.apply(
        T0,
        Event::Store(StoreEvent::Queued {
            client_id: client_id.clone(),
        }),
    );
    let server = Message {
        id: "m-77".into(),
        status: DeliveryStatus::Sent,
        ..echo(&app, &client_id)
    };
    let effects = app.apply(
        T0,
        provider(ProviderEvent::Messages {
            conversation: "c1".into(),
            messages: vec![server.clone()],
            live: true,
        }),
    );
    assert!(effects.contains(&Effect::Store(StoreRequest::OutboxDone {
        client_id: client_id.clone()
    })));
    assert!(effects.contains(&Effect::Store(StoreRequest::Messages {
        key: key(),
        messages: vec![server]
    })));
    assert!(app.outbox.is_empty());
}

#[test]
fn a_restart_resends_queued_replies_and_keeps_failed_ones_waiting() {
    let mut app = stored_app();
    let entry = |id: &str, state| OutboxEntry {
        key: key(),
        client_id: id.into(),
        text: "queued before the crash".into(),
        created_at: T0,
        attempts: 2,
        state,
    };
    let echo = |id: &str, status| Message {
        id: id.into(),
        client_id: Some(id.into()),
        direction: Direction::Outbound,
        sender: "You".into(),
        content: Content::Text("queued before the crash".into()),
        at: T0,
        status,
        failure: None,
    };
    let snapshot = Snapshot {
        messages: vec![(
            key(),
            vec![
                echo("old-1", DeliveryStatus::Pending),
                echo("old-2", DeliveryStatus::Failed),
            ],
        )],
        outbox: vec![
            entry("old-1", OutboxState::Queued),
            entry("old-2", OutboxState::Failed("gone".into())),
        ],
        ..Snapshot::default()
    };
    let effects = app.apply(T0, Event::Store(StoreEvent::Loaded(snapshot)));
    assert_eq!(
        resends(&effects),
        ["old-1"],
        "a resend under the same client id, so an earlier copy is not sent twice"
    );
    assert_eq!(
        app.outbox.get("old-2").map(|i| i.stage.clone()),
        Some(Stage::Failed("gone".into()))
    );
    assert_eq!(app.inbox.get(&key()).expect("c1").thread.len(), 2);
}

#[test]
fn without_a_store_replies_go_straight_to_the_provider() {
    let mut app = App::new("run", AppSettings::default(), T0);
    app.add_account(AccountId::new("hub"));
    let mut stored = stored_app();
    app.inbox = std::mem::take(&mut stored.inbox);
    app.view.refresh_lists(&app.inbox, &app.team);
    app.view.selected = Some(key());
    app.view.focus = Focus::Conversations;
    app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)));
    app.apply(T0, Event::Paste("hi".into()));
    let effects = app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)));
    assert_eq!(sends(&effects).len(), 1);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Store(_))));
}
