//! The local store on start: the first frame shows the cached inbox before any network answers,
//! and with the backend down the user can still read history and write a reply, which waits in
//! the outbox (pending, with when it retries) and is still there after a restart.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use switchboard::app::outbox::Stage;
use switchboard::app::{Event, Focus, Key, KeyCode};
use switchboard::config::{AccountConfig, Config};
use switchboard::hub::{self, HubConfig};
use switchboard::model::DeliveryStatus;
use switchboard::record::export::to_text;
use switchboard::runtime::{Session, StartOptions, Surface};

const KEY: &str = "offline-key";

fn config(url: &str, database: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.store.database = Some(database.to_path_buf());
    config
        .accounts
        .push(AccountConfig::linktor_with_key("team", url, KEY).with_poll_interval(30));
    config
}

fn screen(session: &Session) -> String {
    let mut terminal = Terminal::new(TestBackend::new(140, 30)).expect("terminal");
    Surface::draw(
        &mut terminal,
        &session.app,
        &mut switchboard::ui::Painter::default(),
    )
    .expect("draw");
    to_text(terminal.backend().buffer())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cached_inbox_is_on_the_first_frame_and_replies_queue_while_offline() {
    switchboard::providers::tls::install_crypto_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("inbox.sqlite3");
    let hub = hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: KEY.into(),
        demo: None,
    })
    .await
    .expect("hub");
    let url = hub.base_url();
    let status = reqwest::Client::new()
        .post(format!("{url}/simulate/inbound"))
        .header("X-API-Key", KEY)
        .json(&json!({"channelType":"telegram","from":"@ada","name":"Ada Lovelace","text":"Is my order shipped?"}))
        .send()
        .await
        .expect("hub")
        .status();
    assert_eq!(status.as_u16(), 201);

    // Online: the inbox syncs, and the store keeps it.
    let mut online = Session::start(&config(&url, &database), &StartOptions::default())
        .await
        .expect("session");
    assert!(
        online
            .pump_until(Duration::from_secs(30), |app| {
                app.inbox.iter().any(|(_, e)| e.thread.len() == 1)
            })
            .await
    );
    online.shutdown();
    drop(online);
    hub.shutdown().await;

    // Offline: the first frame, before anything is pumped, shows the cache.
    let mut offline = Session::start(&config(&url, &database), &StartOptions::default())
        .await
        .expect("session starts without its backend");
    let first = screen(&offline);
    assert!(first.contains("Ada Lovelace"), "{first}");
    assert!(first.contains("Is my order shipped?"), "{first}");

    // Open the conversation and reply: it is stored, tried, and waits to retry.
    offline.app.view.focus = Focus::Conversations;
    offline.apply(Event::Key(Key::plain(KeyCode::Down)));
    offline.apply(Event::Key(Key::plain(KeyCode::Enter)));
    assert_eq!(offline.app.view.focus, Focus::Composer);
    offline.apply(Event::Paste("It left the warehouse today".into()));
    offline.apply(Event::Key(Key::plain(KeyCode::Enter)));
    assert!(
        offline
            .pump_until(Duration::from_secs(60), |app| {
                app.outbox
                    .iter()
                    .any(|(_, item)| matches!(item.stage, Stage::Waiting { .. }))
            })
            .await,
        "the reply failed against the dead backend and waits to retry"
    );
    let waiting = screen(&offline);
    assert!(waiting.contains("It left the warehouse today"), "{waiting}");
    assert!(waiting.contains("retrying at"), "{waiting}");
    // A private note, then a draft left half-written: both are kept in the store.
    offline.apply(Event::Key(Key::alt(KeyCode::Char('n'))));
    offline.apply(Event::Paste("VIP: refund approved".into()));
    offline.apply(Event::Key(Key::plain(KeyCode::Enter)));
    offline.apply(Event::Key(Key::alt(KeyCode::Char('n'))));
    offline.apply(Event::Paste("Half-written answer".into()));
    offline.apply(Event::Tick);
    offline.shutdown();
    drop(offline);

    // After a restart the reply is still queued, pending, on the first frame.
    let restarted = Session::start(&config(&url, &database), &StartOptions::default())
        .await
        .expect("session");
    assert_eq!(
        restarted.app.outbox.len(),
        1,
        "the reply survived the restart"
    );
    let echo = restarted
        .app
        .inbox
        .iter()
        .flat_map(|(_, e)| e.thread.messages())
        .find(|m| m.client_id.is_some())
        .expect("the echo is cached");
    assert_eq!(echo.status, DeliveryStatus::Pending);
    // The row says a draft waits there, before the reply it shows.
    let first = screen(&restarted);
    assert!(
        first.contains("✎ draft · You: It left the warehou"),
        "{first}"
    );
    let note = restarted
        .app
        .inbox
        .iter()
        .flat_map(|(_, e)| e.thread.messages())
        .find(|m| m.direction == switchboard::model::Direction::Note)
        .expect("the note is cached");
    assert_eq!(
        note.content,
        switchboard::model::Content::Text("VIP: refund approved".into())
    );
    let drafts: Vec<_> = restarted
        .app
        .view
        .drafts
        .values()
        .map(|draft| draft.text().to_string())
        .collect();
    assert_eq!(
        drafts,
        ["Half-written answer"],
        "the draft survived the restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_cursor_resumes_the_backfill_and_an_unknown_one_falls_back_to_the_tail() {
    use switchboard::model::{AccountId, ConversationKey};
    use switchboard::store::{Db, StoreRequest};

    switchboard::providers::tls::install_crypto_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("inbox.sqlite3");
    let hub = hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: KEY.into(),
        demo: None,
    })
    .await
    .expect("hub");
    let url = hub.base_url();
    let inbound = |text: &str| {
        let url = url.clone();
        let text = text.to_string();
        async move {
            let body: serde_json::Value = reqwest::Client::new()
                .post(format!("{url}/simulate/inbound"))
                .header("X-API-Key", KEY)
                .json(&json!({"channelType":"sms","from":"+1555","name":"Bo","text":text}))
                .send()
                .await
                .expect("hub")
                .json()
                .await
                .expect("json");
            body["conversationId"].as_str().expect("id").to_string()
        }
    };
    let conversation = inbound("first").await;
    // A cache whose cursor the server never issued (its data was reset since).
    Db::open(Some(&database))
        .expect("open")
        .apply(&[StoreRequest::Cursor {
            key: ConversationKey::new(&AccountId::new("team"), conversation.as_str()),
            at: time::OffsetDateTime::UNIX_EPOCH,
            id: "no-such-message".into(),
        }])
        .expect("seed");
    inbound("second").await;
    let mut session = Session::start(&config(&url, &database), &StartOptions::default())
        .await
        .expect("session");
    assert!(
        session
            .pump_until(Duration::from_secs(30), |app| {
                app.inbox.iter().any(|(_, e)| e.thread.len() == 2)
                    && app
                        .status
                        .accounts
                        .values()
                        .all(|s| s.connection == switchboard::providers::ConnectionState::Live)
            })
            .await,
        "the refused cursor was dropped and the thread loaded: {:?}",
        session.app.status.accounts
    );
    session.shutdown();
    drop(session);

    // The provider reported its cursor; the store keeps it for the next start.
    let cursors = Db::open(Some(&database))
        .expect("open")
        .load()
        .expect("load")
        .0
        .cursors;
    assert_eq!(cursors.len(), 1);
    assert_ne!(
        cursors[0].2, "no-such-message",
        "the cursor moved to a real message"
    );
}
