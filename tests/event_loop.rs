//! The real event loop on a `TestBackend`: provider pushes reach the screen, keys drive the
//! app, and `q` ends the loop.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{Event, Key};
use switchboard::config::Config;
use switchboard::providers::ConnectionState;
use switchboard::record::export::to_text;
use switchboard::runtime::input::Input;
use switchboard::runtime::{Session, StartOptions, run};

#[tokio::test]
async fn pushes_reach_the_screen_and_q_quits() {
    let mut config = Config::default();
    config.hub.demo = false;
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    let hub = session.hub.as_ref().expect("hub");
    let (url, key) = (hub.base_url(), hub.api_key().to_string());
    // Live: the socket is up and history synced, so what follows arrives as a push.
    assert!(
        session
            .pump_until(Duration::from_secs(10), |app| {
                app.status
                    .accounts
                    .values()
                    .any(|account| account.connection == ConnectionState::Live)
            })
            .await
    );
    let mut terminal = Watched {
        terminal: Terminal::new(TestBackend::new(120, 32)).expect("terminal"),
        screen: Arc::default(),
    };
    let screen = terminal.screen.clone();
    let (input, inputs) = tokio::sync::mpsc::channel(16);

    let script = tokio::spawn(async move {
        let status = reqwest::Client::new()
            .post(format!("{url}/simulate/inbound"))
            .header("X-API-Key", key)
            .json(&serde_json::json!({"channelType":"whatsapp","from":"+15550009","name":"Grace Hopper","text":"Is the bug fixed?"}))
            .send()
            .await
            .expect("hub reachable")
            .status();
        assert_eq!(status.as_u16(), 201);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !screen.lock().expect("screen").contains("Is the bug fixed?") {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the push never reached the screen"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        input.send(Input::Resize).await.expect("loop alive");
        input
            .send(Input::App(Event::Key(Key::ch('q'))))
            .await
            .expect("loop alive");
    });

    tokio::time::timeout(
        Duration::from_secs(20),
        run(&mut terminal, &mut session, inputs),
    )
    .await
    .expect("the loop ended on q")
    .expect("no drawing error");
    script.await.expect("script ran");
    assert!(session.app.quitting);
    let screen = to_text(terminal.terminal.backend().buffer());
    assert!(screen.contains("Grace Hopper"), "{screen}");
    assert!(screen.contains("Is the bug fixed?"), "{screen}");
}

/// A test terminal whose last frame, as text, can be watched from another task.
struct Watched {
    terminal: Terminal<TestBackend>,
    screen: Arc<Mutex<String>>,
}

impl switchboard::runtime::Surface for Watched {
    fn draw(
        &mut self,
        app: &switchboard::app::App,
        painter: &mut switchboard::ui::Painter,
    ) -> std::io::Result<switchboard::app::LayoutInfo> {
        let layout = switchboard::runtime::Surface::draw(&mut self.terminal, app, painter)?;
        *self.screen.lock().expect("screen") = to_text(self.terminal.backend().buffer());
        Ok(layout)
    }
}

/// A surface that plays a terminal handing itself over: it records each job and answers an
/// edit as an editor that added a line would.
struct HandingOver {
    terminal: Terminal<TestBackend>,
    jobs: Vec<switchboard::app::TerminalJob>,
}

impl switchboard::runtime::Surface for HandingOver {
    fn draw(
        &mut self,
        app: &switchboard::app::App,
        painter: &mut switchboard::ui::Painter,
    ) -> std::io::Result<switchboard::app::LayoutInfo> {
        switchboard::runtime::Surface::draw(&mut self.terminal, app, painter)
    }

    fn hand_over(&mut self, job: switchboard::app::TerminalJob) -> std::io::Result<Option<Event>> {
        self.jobs.push(job.clone());
        Ok(match job {
            switchboard::app::TerminalJob::Edit {
                conversation,
                draft,
            } => Some(Event::Edited {
                conversation,
                result: Ok(format!("{draft}\nSee you soon")),
            }),
            switchboard::app::TerminalJob::Suspend => None,
            switchboard::app::TerminalJob::Page(_) => Some(Event::Paged(Ok(()))),
        })
    }
}

#[tokio::test]
async fn the_editor_and_ctrl_z_get_the_terminal_and_the_draft_comes_back_unsent() {
    use switchboard::app::{Focus, KeyCode, TerminalJob};
    let mut config = Config::default();
    config.hub.demo = false;
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    let hub = session.hub.as_ref().expect("hub");
    let (url, key) = (hub.base_url(), hub.api_key().to_string());
    reqwest::Client::new()
        .post(format!("{url}/simulate/inbound"))
        .header("X-API-Key", key)
        .json(&serde_json::json!({"channelType":"sms","from":"+15550010","name":"Ada","text":"Hello?"}))
        .send()
        .await
        .expect("hub reachable");
    assert!(
        session
            .pump_until(Duration::from_secs(10), |app| !app
                .view
                .conversations
                .is_empty())
            .await
    );
    let mut surface = HandingOver {
        terminal: Terminal::new(TestBackend::new(120, 32)).expect("terminal"),
        jobs: Vec::new(),
    };
    let (input, inputs) = tokio::sync::mpsc::channel(16);
    let keys = [
        Key::alt(KeyCode::Char('j')),
        Key::ch('i'),
        Key::ch('H'),
        Key::ch('i'),
        Key::ctrl('x'),
        Key::ctrl('z'),
    ];
    for key in keys {
        input
            .send(Input::App(Event::Key(key)))
            .await
            .expect("queued");
    }
    drop(input);
    tokio::time::timeout(
        Duration::from_secs(20),
        run(&mut surface, &mut session, inputs),
    )
    .await
    .expect("the loop ended with its input")
    .expect("no drawing error");
    let open = session.app.view.open.clone().expect("open");
    assert_eq!(
        surface.jobs,
        vec![
            TerminalJob::Edit {
                conversation: open.clone(),
                draft: "Hi".into()
            },
            TerminalJob::Suspend
        ]
    );
    // Back in the composer for a last look; nothing was sent.
    assert_eq!(session.app.view.composer.text(), "Hi\nSee you soon");
    assert_eq!(session.app.view.focus, Focus::Composer);
    let thread = &session.app.inbox.get(&open).expect("entry").thread;
    assert!(
        thread
            .messages()
            .iter()
            .all(|m| m.direction == switchboard::model::Direction::Inbound),
        "nothing sent"
    );
}
