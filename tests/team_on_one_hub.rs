//! Two agents' inboxes on one `switchboard hub`, each a real reducer over a real Linktor
//! provider: what one does to a conversation (assign, label, prioritise, snooze) the other
//! shows from the hub's pushes alone, without a resync, and its screen says so.

use crate::support;

use std::time::Duration;

use serde_json::json;
use switchboard::app::{App, AppSettings, Effect, Event, Focus, Key, KeyCode};
use switchboard::contract::provider::PlatformActions;
use switchboard::hub::{self, HubConfig, HubHandle};
use switchboard::model::{
    AccountId, ConversationKey, ConversationStatus, Direction, Priority, Snooze,
};
use switchboard::providers::linktor::{LinktorConfig, spawn};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderHandle};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// One agent's inbox: the reducer, and the provider its effects go to.
struct Agent {
    app: App,
    events: mpsc::Receiver<AccountEvent>,
    provider: ProviderHandle,
}

fn account() -> AccountId {
    AccountId::new("hub")
}

impl Agent {
    fn start(hub: &HubHandle, id: &str, name: &str) -> Self {
        let settings = AppSettings {
            agent_name: name.to_string(),
            ..AppSettings::default()
        };
        let mut app = App::new(id, settings, now());
        app.add_account(account());
        app.status.account_mut(&account()).actions = PlatformActions::of("the hub", false);
        let mut config = LinktorConfig::new(hub.base_url(), hub.api_key());
        // No safety-net poll during the test: every change must come as a push.
        config.poll_interval = Duration::from_secs(3600);
        config.me = Some(switchboard::model::Agent {
            id: id.to_string(),
            name: name.to_string(),
        });
        let (tx, events) = mpsc::channel(1024);
        let provider = spawn(account(), config, tx);
        Self {
            app,
            events,
            provider,
        }
    }

    /// Applies what the provider said so far.
    fn pump(&mut self) {
        let mut batch = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            batch.push(event);
        }
        if !batch.is_empty() {
            self.app.apply(now(), Event::Providers(batch));
        }
    }

    /// Applies events until `done` holds of the app.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            self.pump();
            if done(&self.app) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A key, with the provider commands it asks for sent on.
    async fn press(&mut self, key: Key) {
        let effects = self.app.apply(now(), Event::Key(key));
        for effect in effects {
            if let Effect::Provider { command, .. } = effect {
                self.provider.commands.send(command).await.expect("command");
            }
        }
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(Key::ch(c)).await;
        }
    }

    fn screen(&mut self) -> String {
        let buffer = support::screen::draw(&mut self.app, 160, 48);
        support::screen::text(&buffer)
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&account(), id)
}

#[tokio::test]
async fn what_one_agent_does_the_other_sees_at_once() {
    let hub = hub::start(HubConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        db_path: None,
        api_key: "team-key".into(),
        demo: None,
    })
    .await
    .expect("hub");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/simulate/inbound", hub.base_url()))
        .header("X-API-Key", hub.api_key())
        .json(&json!({"channelType": "whatsapp", "from": "+15550100", "name": "Ana", "text": "my order is late"}))
        .send()
        .await
        .expect("inbound")
        .json()
        .await
        .expect("json");
    let id = created["conversationId"].as_str().expect("id").to_string();

    let mut maya = Agent::start(&hub, "u-maya", "Maya");
    let mut sam = Agent::start(&hub, "u-sam", "Sam");
    for agent in [&mut maya, &mut sam] {
        agent
            .until("live with the conversation", |app| {
                app.inbox.get(&key(&id)).is_some()
                    && app
                        .status
                        .accounts
                        .values()
                        .all(|a| a.connection == ConnectionState::Live)
            })
            .await;
    }
    maya.app.view.focus = Focus::Conversations;
    maya.app.view.selected = Some(key(&id));
    let work = |app: &App| {
        app.inbox
            .get(&key(&id))
            .and_then(|entry| entry.info.work.clone())
            .unwrap_or_default()
    };

    // Maya takes it: Sam's inbox shows it with Maya, by name, though Sam started first.
    maya.press(Key::ch('m')).await;
    sam.until("assigned to Maya", |app| {
        work(app).assignee.as_deref() == Some("u-maya")
    })
    .await;
    sam.until("Maya's name", |app| {
        app.team.name_of(&account(), "u-maya", "me") == "Maya"
    })
    .await;
    maya.until("assigned to me", |app| {
        work(app).assignee.as_deref() == Some("u-maya")
    })
    .await;

    // A label, created on the spot.
    maya.press(Key::ch('L')).await;
    maya.type_text("late delivery").await;
    maya.press(Key::plain(KeyCode::Enter)).await;
    maya.press(Key::plain(KeyCode::Esc)).await;
    sam.until("labelled", |app| work(app).labels == ["late-delivery"])
        .await;

    // A private note: Sam sees it in the thread, by Maya, as a note; nobody delivers it.
    maya.press(Key::plain(KeyCode::Enter)).await;
    maya.press(Key::plain(KeyCode::Esc)).await;
    maya.press(Key::ch('n')).await;
    maya.type_text("Refund approved, waiting on the courier")
        .await;
    maya.press(Key::plain(KeyCode::Enter)).await;
    let note_of = |app: &App| {
        app.inbox.get(&key(&id)).and_then(|entry| {
            entry
                .thread
                .messages()
                .iter()
                .find(|m| m.content.preview() == "Refund approved, waiting on the courier")
                .cloned()
        })
    };
    sam.until("the note", |app| note_of(app).is_some()).await;
    let note = note_of(&sam.app).expect("note");
    assert_eq!(note.direction, Direction::Note);
    assert_eq!(note.sender, "Maya");
    // Maya's own copy is the hub's now (its echo replaced, not doubled).
    maya.until("the hub's copy", |app| {
        note_of(app).is_some_and(|m| m.id == note.id)
    })
    .await;
    let copies = maya.app.inbox.get(&key(&id)).map(|e| {
        e.thread
            .messages()
            .iter()
            .filter(|m| m.direction == Direction::Note)
            .count()
    });
    assert_eq!(copies, Some(1));
    maya.app.view.focus = Focus::Conversations;

    // Urgent: the top of the priority picker.
    maya.press(Key::ch('P')).await;
    maya.press(Key::plain(KeyCode::Home)).await;
    for _ in 0..4 {
        maya.press(Key::plain(KeyCode::Up)).await;
    }
    maya.press(Key::plain(KeyCode::Enter)).await;
    sam.until("urgent", |app| work(app).priority == Priority::Urgent)
        .await;

    // Sam's row says who has it and how urgent; Maya's open thread's title says all of it.
    let screen = sam.screen();
    assert!(screen.contains("@Maya"), "{screen}");
    assert!(screen.contains("urgent WA"), "{screen}");
    maya.until("urgent", |app| work(app).priority == Priority::Urgent)
        .await;
    let screen = maya.screen();
    assert!(
        screen.contains("Ana · WhatsApp · urgent · with me · #late-delivery"),
        "{screen}"
    );
    // In Sam's Mine view it is not; in Maya's it is.
    sam.app.view.focus = Focus::Conversations;
    sam.press(Key::ch('V')).await;
    assert!(sam.app.view.conversations.is_empty());
    maya.press(Key::ch('V')).await;
    assert_eq!(maya.app.view.conversations, [key(&id)]);
    maya.press(Key::ch('V')).await;
    maya.press(Key::ch('V')).await;

    // Snoozed by Maya: off Sam's list too.
    maya.press(Key::ch('z')).await;
    maya.type_text("2h").await;
    maya.press(Key::plain(KeyCode::Enter)).await;
    sam.until("snoozed", |app| {
        app.inbox
            .get(&key(&id))
            .is_some_and(|e| e.info.status == ConversationStatus::Snoozed)
    })
    .await;
    // Until when, too: Sam's inbox shows it and would bring it back at that time.
    sam.until("until when", |app| {
        app.inbox
            .get(&key(&id))
            .is_some_and(|e| matches!(e.snooze, Some(Snooze::Until(at)) if at > now() + time::Duration::minutes(110)))
    })
    .await;

    // Given back (from the snoozed list): unassigned for both.
    maya.app.view.selected = Some(key(&id));
    maya.press(Key::ch('m')).await;
    sam.until("unassigned", |app| work(app).assignee.is_none())
        .await;
}
