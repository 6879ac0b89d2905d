use time::Duration;

use super::*;
use crate::app::keys::{Key, KeyCode};
use crate::app::tests::{key as conversation, press, type_text};
use crate::app::{AppSettings, Event, Focus};
use crate::contract::provider::{AccountEvent, ConnectionState, PlatformActions, ProviderEvent};
use crate::model::{Channel, ContactIdentifier};

fn hub() -> AccountId {
    conversation("c1").account
}

/// The sample app with a store, its "hub" account a live Linktor; beside it a live Vumi Go
/// account (no contact search) and a Chatwoot account that is down.
fn app() -> App {
    let base = crate::app::tests::app();
    let mut app = App::new(
        "test",
        AppSettings {
            store: true,
            ..AppSettings::default()
        },
        base.now,
    );
    let conversations = base.inbox.iter().map(|(_, e)| e.info.clone()).collect();
    app.add_account(hub());
    app.apply(
        base.now,
        crate::app::tests::provider(ProviderEvent::Conversations(conversations)),
    );
    let accounts = [
        (hub(), PlatformActions::of("Linktor", false), true),
        (
            AccountId::new("sms"),
            PlatformActions::of("Vumi Go", false).without_conversation_state(),
            true,
        ),
        (
            AccountId::new("team"),
            PlatformActions::of("Chatwoot", false),
            false,
        ),
    ];
    for (account, actions, live) in accounts {
        let status = app.status.account_mut(&account);
        status.actions = actions;
        if live {
            status.connection = ConnectionState::Live;
        }
    }
    app
}

fn overlay(app: &App) -> &SearchState {
    app.view
        .search
        .as_ref()
        .expect("the search overlay is open")
}

fn asked(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Provider {
                account,
                command: ProviderCommand::SearchContacts { query },
            } => Some((account.0.to_string(), query.clone())),
            _ => None,
        })
        .collect()
}

fn card(id: &str, name: &str) -> ContactCard {
    ContactCard {
        id: id.into(),
        name: name.into(),
        email: None,
        phone: None,
        identifiers: vec![ContactIdentifier {
            channel: Channel::WhatsApp,
            channel_type: "whatsapp".into(),
            identifier: "+15550101".into(),
        }],
    }
}

fn answer(app: &mut App, account: &AccountId, query: &str, contacts: Vec<ContactCard>) {
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: account.clone(),
            event: ProviderEvent::Contacts {
                query: query.into(),
                contacts,
            },
        }),
    );
}

/// Ctrl+F, `words` typed, and the pause after them: the platforms are asked.
fn ask_for(app: &mut App, words: &str) {
    press(app, Key::ctrl('f'));
    type_text(app, words);
    tick(app, PAUSE);
}

fn tick(app: &mut App, after: Duration) -> Vec<Effect> {
    app.apply(app.now + after, Event::Tick)
}

#[test]
fn live_platforms_with_a_contact_search_are_asked_once_typing_pauses() {
    let mut app = app();
    press(&mut app, Key::ctrl('f'));
    let effects = type_text(&mut app, "an");
    // Nothing while keys come; the local store is asked at every key.
    assert!(asked(&effects).is_empty());
    assert!(overlay(&app).remote.due);
    // A key less than a pause after: still nothing, and the pause starts again.
    tick(&mut app, PAUSE / 2);
    type_text(&mut app, "a");
    assert!(asked(&tick(&mut app, PAUSE / 2)).is_empty());
    // Then the words as they stand, once, of the live Linktor only (not Vumi Go, nor the
    // Chatwoot account that is down).
    let effects = tick(&mut app, PAUSE);
    assert_eq!(asked(&effects), [("hub".to_string(), "ana".to_string())]);
    let state = overlay(&app);
    assert_eq!(state.remote.waiting, [hub()]);
    assert!(!state.remote.due);
    assert!(asked(&tick(&mut app, PAUSE * 3)).is_empty());
}

#[test]
fn only_the_answer_to_the_latest_words_is_listed_after_the_hits_and_marked_remote() {
    let mut app = app();
    ask_for(&mut app, "ana");
    answer(&mut app, &hub(), "an", vec![card("k-old", "Anatole")]);
    answer(
        &mut app,
        &AccountId::new("sms"),
        "ana",
        vec![card("k-x", "Ana X")],
    );
    let state = overlay(&app);
    assert!(
        state.remote.contacts.is_empty(),
        "an older answer is dropped"
    );
    assert_eq!(state.remote.waiting, [hub()]);

    answer(&mut app, &hub(), "ana", vec![card("k-9", "Ana Lima")]);
    let state = overlay(&app);
    assert!(state.remote.waiting.is_empty());
    assert_eq!(state.remote.contacts.len(), 1);
    assert_eq!(state.remote.contacts[0].card.name, "Ana Lima");
    assert_eq!(state.rows(), state.hits.len() + 1);
}

#[test]
fn message_only_filters_left_out_words_and_short_queries_ask_no_platform() {
    for query in [
        "from:agent ana",
        "is:unread ana",
        "-ana",
        "a",
        "after:2026-01-01 ana",
    ] {
        let mut app = app();
        press(&mut app, Key::ctrl('f'));
        let mut effects = type_text(&mut app, query);
        effects.extend(tick(&mut app, PAUSE * 2));
        assert!(asked(&effects).is_empty(), "{query}: {:?}", asked(&effects));
    }
    // Left-out words are not asked for; the others are.
    let mut app = app();
    press(&mut app, Key::ctrl('f'));
    let mut effects = type_text(&mut app, "ana -spam");
    effects.extend(tick(&mut app, PAUSE));
    assert_eq!(
        asked(&effects).last(),
        Some(&("hub".to_string(), "ana".to_string()))
    );
}

#[test]
fn account_and_channel_filters_narrow_what_is_asked_and_listed() {
    let mut app = app();
    press(&mut app, Key::ctrl('f'));
    let mut effects = type_text(&mut app, "account:elsewhere ana");
    effects.extend(tick(&mut app, PAUSE));
    assert!(asked(&effects).is_empty());

    let mut app = self::app();
    press(&mut app, Key::ctrl('f'));
    type_text(&mut app, "channel:sms ana");
    tick(&mut app, PAUSE);
    let mut by_sms = card("k-2", "Ana Sms");
    by_sms.identifiers[0].channel = Channel::Sms;
    answer(&mut app, &hub(), "ana", vec![card("k-1", "Ana Wa"), by_sms]);
    let names: Vec<&str> = overlay(&app)
        .remote
        .contacts
        .iter()
        .map(|c| c.card.name.as_str())
        .collect();
    assert_eq!(names, ["Ana Sms"]);
}

#[test]
fn a_failed_search_ends_the_wait() {
    let mut app = app();
    ask_for(&mut app, "ana");
    assert_eq!(overlay(&app).remote.waiting, [hub()]);
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: hub(),
            event: ProviderEvent::Error("could not search contacts: 500".into()),
        }),
    );
    assert!(overlay(&app).remote.waiting.is_empty());
}

#[test]
fn enter_on_a_remote_contact_opens_its_conversation_or_the_picker_to_start_one() {
    let mut app = app();
    ask_for(&mut app, "ana");
    // "k-c1" is the contact of "c1", in the inbox; "k-new" has no conversation here.
    answer(
        &mut app,
        &hub(),
        "ana",
        vec![card("k-c1", "Ana"), card("k-new", "Ana Nova")],
    );
    assert!(overlay(&app).hits.is_empty());
    press(&mut app, Key::plain(KeyCode::Enter));
    assert!(app.view.search.is_none());
    assert_eq!(app.view.open, Some(conversation("c1")));
    assert_eq!(app.view.focus, Focus::Thread);

    ask_for(&mut app, "ana");
    answer(
        &mut app,
        &hub(),
        "ana",
        vec![card("k-c1", "Ana"), card("k-new", "Ana Nova")],
    );
    press(&mut app, Key::plain(KeyCode::Down));
    press(&mut app, Key::plain(KeyCode::Enter));
    let picker = app.view.contact_picker.as_ref().expect("the picker");
    assert_eq!(picker.account, hub());
    assert_eq!(picker.query, "ana");
    assert_eq!(picker.results, [card("k-new", "Ana Nova")]);
    assert!(!picker.waiting);
}

#[test]
fn the_wait_ends_when_the_connection_drops_or_nothing_comes_but_a_late_answer_still_counts() {
    let mut app = app();
    ask_for(&mut app, "ana");
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: hub(),
            event: ProviderEvent::Connection(ConnectionState::Connecting),
        }),
    );
    assert!(overlay(&app).remote.waiting.is_empty());
    answer(&mut app, &hub(), "ana", vec![card("k-9", "Ana Lima")]);
    assert_eq!(overlay(&app).remote.contacts.len(), 1, "taken all the same");
    // The same answer again (two requests for the same words) lists nothing twice.
    answer(&mut app, &hub(), "ana", vec![card("k-9", "Ana Lima")]);
    assert_eq!(overlay(&app).remote.contacts.len(), 1);

    let mut app = self::app();
    ask_for(&mut app, "ana");
    assert!(asked(&tick(&mut app, NO_ANSWER / 2)).is_empty());
    assert_eq!(overlay(&app).remote.waiting, [hub()]);
    tick(&mut app, NO_ANSWER);
    assert!(overlay(&app).remote.waiting.is_empty(), "given up");
}

#[test]
fn down_from_the_last_hit_reaches_the_remote_contacts_and_enter_opens_the_one_chosen() {
    let mut app = app();
    press(&mut app, Key::ctrl('f'));
    type_text(&mut app, "ana");
    let id = app.view.searches_asked;
    let hit = crate::contract::search::SearchHit {
        key: conversation("c2"),
        message_id: "m1".into(),
        at: app.now,
        direction: crate::model::Direction::Inbound,
        sender: "Bo".into(),
        snippet: "ana".into(),
    };
    app.apply(
        app.now,
        Event::Store(crate::contract::store::StoreEvent::Found {
            id,
            hits: Ok(vec![hit]),
        }),
    );
    tick(&mut app, PAUSE);
    answer(&mut app, &hub(), "ana", vec![card("k-c1", "Ana")]);
    assert_eq!(overlay(&app).rows(), 2);
    press(&mut app, Key::plain(KeyCode::Down));
    press(&mut app, Key::plain(KeyCode::Down));
    assert_eq!(overlay(&app).selected, 1, "no further than the last row");
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(
        app.view.open,
        Some(conversation("c1")),
        "the contact's conversation, not the hit's"
    );
}

#[test]
fn changing_the_account_filter_asks_again() {
    let mut app = app();
    ask_for(&mut app, "ana");
    answer(&mut app, &hub(), "ana", vec![card("k-9", "Ana Lima")]);
    type_text(&mut app, " account:other");
    assert!(
        overlay(&app).remote.contacts.is_empty(),
        "not from an account left out"
    );
    let effects = tick(&mut app, PAUSE);
    assert!(asked(&effects).is_empty(), "no account named so");
}
