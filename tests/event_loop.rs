//! The real event loop on a `TestBackend`: provider pushes reach the screen, keys drive the
//! app, and `q` ends the loop.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{Event, Key};
use switchboard::config::Config;
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
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).expect("terminal");
    let (input, inputs) = tokio::sync::mpsc::channel(16);

    let script = tokio::spawn(async move {
        // Give the provider time to sync and subscribe, then a customer writes.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let status = reqwest::Client::new()
            .post(format!("{url}/simulate/inbound"))
            .header("X-API-Key", key)
            .json(&serde_json::json!({"channelType":"whatsapp","from":"+15550009","name":"Grace Hopper","text":"Is the bug fixed?"}))
            .send()
            .await
            .expect("hub reachable")
            .status();
        assert_eq!(status.as_u16(), 201);
        tokio::time::sleep(Duration::from_millis(1500)).await;
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
    let screen = to_text(terminal.backend().buffer());
    assert!(screen.contains("Grace Hopper"), "{screen}");
    assert!(screen.contains("Is the bug fixed?"), "{screen}");
}
