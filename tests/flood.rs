//! A flood of provider events is absorbed (bounded channels, capped drains) and the real event
//! loop still answers keys: while a fake server pushes messages without pause, `?` opens the
//! help and `q` ends the loop, and the flood is still going when it does.

mod fakes;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use fakes::linktor::{API_KEY, FakeLinktor};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, Event, Key, LayoutInfo};
use switchboard::config::{AccountConfig, Config};
use switchboard::record::export::to_text;
use switchboard::runtime::input::Input;
use switchboard::runtime::{Session, StartOptions, Surface, run};
use switchboard::ui::Painter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_answered_during_a_flood_of_pushes() {
    switchboard::providers::tls::install_crypto_provider();
    let fake = Arc::new(FakeLinktor::start().await);
    fake.seed(5);
    let mut config = Config::default();
    config.accounts.push(
        AccountConfig::linktor_with_key("flood", &fake.base_url, API_KEY).with_poll_interval(3600),
    );
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    assert!(
        session
            .pump_until(Duration::from_secs(30), |app| app.inbox.len() == 5)
            .await
    );

    let stop = Arc::new(AtomicBool::new(false));
    let pushed = Arc::new(AtomicUsize::new(0));
    let flood = {
        let (fake, stop, pushed) = (fake.clone(), stop.clone(), pushed.clone());
        tokio::spawn(async move {
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                fake.push_message(&format!("c{}", i % 5 + 1), &format!("flood {i}"));
                pushed.fetch_add(1, Ordering::SeqCst);
                i += 1;
                if i.is_multiple_of(64) {
                    tokio::task::yield_now().await;
                }
            }
        })
    };

    let mut surface = Recording {
        terminal: Terminal::new(TestBackend::new(100, 30)).expect("terminal"),
        help_drawn: false,
        frames: 0,
    };
    let (input, inputs) = tokio::sync::mpsc::channel(16);
    let script = {
        let pushed = pushed.clone();
        tokio::spawn(async move {
            // Each key waits for another stretch of the flood, so all of them land in it.
            for key in ['?', 'q', 'q'] {
                let before = pushed.load(Ordering::SeqCst);
                while pushed.load(Ordering::SeqCst) < before + 2_000 {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                input
                    .send(Input::App(Event::Key(Key::ch(key))))
                    .await
                    .expect("loop alive");
            }
        })
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        run(&mut surface, &mut session, inputs),
    )
    .await
    .expect("the keys ended the loop in spite of the flood")
    .expect("no drawing error");
    let still_flooding = !flood.is_finished();
    stop.store(true, Ordering::SeqCst);
    flood.await.expect("flood");
    script.await.expect("script");
    println!(
        "flood: {} messages pushed, {} held by the inbox when q was answered, {} frames drawn",
        pushed.load(Ordering::SeqCst),
        session
            .app
            .inbox
            .iter()
            .map(|(_, e)| e.thread.len())
            .sum::<usize>(),
        surface.frames
    );
    assert!(session.app.quitting, "q was answered");
    assert!(
        still_flooding,
        "the flood was still running when the loop ended"
    );
    assert!(
        surface.help_drawn,
        "? opened the help, and it was drawn, during the flood"
    );
    assert!(surface.frames > 1, "frames kept coming");
}

/// The test terminal, noting whether a frame with the help overlay was drawn.
struct Recording {
    terminal: Terminal<TestBackend>,
    help_drawn: bool,
    frames: usize,
}

impl Surface for Recording {
    fn draw(&mut self, app: &App, painter: &mut Painter) -> std::io::Result<LayoutInfo> {
        self.frames += 1;
        let layout = Surface::draw(&mut self.terminal, app, painter)?;
        let screen = to_text(self.terminal.backend().buffer());
        if app.view.help && screen.contains("quit") {
            self.help_drawn = true;
        }
        Ok(layout)
    }
}
