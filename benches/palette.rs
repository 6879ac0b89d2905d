//! The palette's keystroke → frame with 10,000 conversations and every action listed (issue
//! 19's budget: p99 < 2 ms): each sample is one key applied to the app (the palette matches
//! the items again) and the frame drawn at 200×60 through the runtime's painter, as the event
//! loop does for a key. The same keys drawn with `ui::draw` (everything laid out again each
//! frame) are reported beside it.

mod common;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{Event, Key, KeyCode};
use switchboard::ui::{self, Painter};

fn main() {
    let mut app = common::big_inbox(10_000, 1_000);
    app.apply(app.now, Event::Key(Key::ctrl('k')));
    let items = app.view.palette.as_ref().map_or(0, |p| p.items.len());
    // Typing and erasing a query, letter by letter: each step rematches everything.
    let script: Vec<Key> = "cust 42"
        .chars()
        .map(Key::ch)
        .chain(std::iter::repeat_n(Key::plain(KeyCode::Backspace), 7))
        .collect();
    let mut painter = Painter::default();
    let painted = samples(&mut app, &script, |frame, app| {
        painter.draw(frame, app);
    });
    report(
        "palette keystroke → frame (the runtime's painter)",
        items,
        &painted,
    );
    let drawn = samples(&mut app, &script, |frame, app| {
        ui::draw(frame, app);
    });
    report("the same, every pane drawn again", items, &drawn);
}

/// Sixty rounds of the script, each key applied and a frame drawn; the first round warms up.
fn samples(
    app: &mut switchboard::app::App,
    script: &[Key],
    mut draw: impl FnMut(&mut ratatui::Frame, &switchboard::app::App),
) -> Vec<Duration> {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut samples: Vec<Duration> = Vec::new();
    let mut per: Vec<Vec<Duration>> = vec![Vec::new(); script.len()];
    for round in 0..60 {
        for (k, key) in script.iter().enumerate() {
            let started = Instant::now();
            app.apply(app.now, Event::Key(*key));
            terminal.draw(|frame| draw(frame, app)).expect("draw");
            std::hint::black_box(terminal.backend());
            if round > 0 {
                samples.push(started.elapsed());
                per[k].push(started.elapsed());
            }
        }
    }
    // The slowest key, so a regression says where it is.
    let slowest = per
        .iter()
        .enumerate()
        .map(|(key, times)| (times.iter().max().copied().unwrap_or_default(), key))
        .max()
        .unwrap_or_default();
    println!(
        "  slowest key: #{} of the script ({}), {:.2} ms",
        slowest.1,
        script[slowest.1].label(),
        slowest.0.as_secs_f64() * 1e3
    );
    samples.sort();
    samples
}

fn report(what: &str, items: usize, samples: &[Duration]) {
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{what}, {items} items (10,000 conversations + actions), {} samples: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
