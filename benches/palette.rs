//! The palette's keystroke → frame with 10,000 conversations and every action listed (issue
//! 19's budget: p99 < 2 ms): each sample is one key applied to the app (the palette matches
//! every item again) and the frame drawn at 200×60, as the event loop does for a key.

mod common;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{Event, Key, KeyCode};
use switchboard::ui;

fn main() {
    let mut app = common::big_inbox(10_000, 1_000);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    app.apply(app.now, Event::Key(Key::ctrl('k')));
    let items = app.view.palette.as_ref().map_or(0, |p| p.items.len());
    // Typing and erasing a query, letter by letter: each step rematches everything.
    let script: Vec<Key> = "cust 42"
        .chars()
        .map(Key::ch)
        .chain(std::iter::repeat_n(Key::plain(KeyCode::Backspace), 7))
        .collect();
    let mut samples: Vec<Duration> = Vec::new();
    for round in 0..60 {
        for key in &script {
            let started = Instant::now();
            app.apply(app.now, Event::Key(*key));
            terminal
                .draw(|frame| {
                    std::hint::black_box(ui::draw(frame, &app));
                })
                .expect("draw");
            if round > 0 {
                samples.push(started.elapsed());
            }
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "palette keystroke → frame, {items} items (10,000 conversations + actions), {} samples: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
