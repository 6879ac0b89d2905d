//! The whole stack on a Vumi account: a config with `provider = "vumi"` started as a headless
//! session against the fake Vumi Go server, driven by keys and drawn into a `TestBackend`. A USSD
//! session shows its state in the list, the thread header and the composer title, and `Alt+e`
//! ends it with the reply.

use crate::fakes;
use crate::support::screen;

use std::path::Path;
use std::time::Duration;

use fakes::vumi::FakeVumi;
use serde_json::json;
use switchboard::app::{Event, Key, KeyCode};
use switchboard::config::Config;
use switchboard::model::{AccountId, ConversationKey, ConversationStatus};
use switchboard::providers::ConnectionState;
use switchboard::runtime::{Session, StartOptions};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_ussd_session_is_shown_and_ended_from_the_composer() {
    let fake = FakeVumi::start().await;
    let config = Config::parse(&fake.account_toml("ussd"), Path::new("test.toml")).expect("config");
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    let account = AccountId::new("ussd");
    let live = session
        .pump_until(WAIT, |app| {
            app.status.accounts.get(&account).map(|s| &s.connection) == Some(&ConnectionState::Live)
        })
        .await;
    assert!(live, "the streams come up");

    fake.inbound("ussd", "+27761234567", None, Some("new"));
    let key = ConversationKey::new(&account, "ussd:+27761234567");
    assert!(
        session
            .pump_until(WAIT, |app| app.inbox.get(&key).is_some())
            .await
    );
    // Open it (the only conversation is selected) and look.
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));
    let text = screen::render(&mut session.app, 140, 30);
    assert!(
        text.contains("USSD · session new"),
        "thread header:\n{text}"
    );
    assert!(text.contains("new US"), "list row:\n{text}");
    assert!(
        text.contains("Alt+e: end session on send"),
        "composer title:\n{text}"
    );

    for c in "Goodbye".chars() {
        session.apply(Event::Key(Key::ch(c)));
    }
    session.apply(Event::Key(Key::alt(KeyCode::Char('e'))));
    let text = screen::render(&mut session.app, 140, 30);
    assert!(
        text.contains("ENDS the session on send"),
        "composer title:\n{text}"
    );
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));

    let closed = session
        .pump_until(WAIT, |app| {
            app.inbox
                .get(&key)
                .is_some_and(|entry| entry.info.status == ConversationStatus::Closed)
        })
        .await;
    assert!(closed, "the session closes");
    let sent = fake.sends();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["session_event"], json!("close"));
    assert_eq!(sent[0]["content"], json!("Goodbye"));
    let text = screen::render(&mut session.app, 140, 30);
    assert!(
        text.contains("USSD · session closed"),
        "thread header:\n{text}"
    );
    assert!(text.contains("closed US"), "list row:\n{text}");
    // One-shot: the next reply keeps the session open unless asked again.
    assert!(!session.app.view.reply_options.end_session);
}
