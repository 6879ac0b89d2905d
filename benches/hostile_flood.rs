//! Issue 26's floods, measured headless at 200×60 with a store attached (its writes are
//! produced, as in the real loop, and dropped here: the store actor runs on its own thread).
//!
//! - **Out of order into the open thread**: 100,000 messages with one timestamp and shuffled
//!   ids pushed into the open conversation, applied in batches of 256 as the loop drains them.
//!   A key pressed during the flood waits for the batch being applied, then its own apply and
//!   a frame: that sum is the key → frame figure (p50, p99, max over every batch).
//! - **Memory**: resident size after 300,000 messages pushed across 1,000 background
//!   conversations and the open one.
//!
//! `cargo bench --bench hostile_flood`.

mod common;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, AppSettings, Event, Key, KeyCode};
use switchboard::model::{Content, DeliveryStatus, Direction, Message};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use switchboard::runtime::Surface;

const BATCH: usize = 256;

fn pushed(conversation: String, id: String, n: usize) -> AccountEvent {
    AccountEvent {
        account: common::account(),
        event: ProviderEvent::Messages {
            conversation,
            messages: vec![Message {
                id,
                client_id: None,
                direction: if n.is_multiple_of(4) {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
                sender: "Customer 0".into(),
                content: Content::Text(format!(
                    "Message {n}: can you check order #{n} and send the invoice by Friday?"
                )),
                at: common::NOW - time::Duration::minutes(5),
                status: DeliveryStatus::Delivered,
                failure: None,
            }],
            live: true,
        },
    }
}

fn inbox(conversations: usize) -> App {
    let settings = AppSettings {
        store: true,
        ..AppSettings::default()
    };
    let mut app = App::new("bench", settings, common::NOW);
    app.add_account(common::account());
    common::provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    common::provider(
        &mut app,
        ProviderEvent::Conversations((0..conversations).map(common::conversation).collect()),
    );
    app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter)));
    app
}

fn frame(terminal: &mut Terminal<TestBackend>, app: &mut App) {
    let layout =
        Surface::draw(terminal, app, &mut switchboard::ui::Painter::default()).expect("draw");
    app.apply(app.now, Event::Layout(layout));
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

fn resident_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn out_of_order_flood() {
    let mut app = inbox(1_000);
    let open = app
        .view
        .open
        .clone()
        .expect("a conversation is open")
        .id
        .to_string();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    frame(&mut terminal, &mut app);
    let mut ids: Vec<usize> = (0..100_000).collect();
    fastrand::Rng::with_seed(26).shuffle(&mut ids);
    let mut key_to_frame = Vec::new();
    let started = Instant::now();
    for batch in ids.chunks(BATCH) {
        let events = batch
            .iter()
            .map(|n| {
                pushed(
                    open.clone(),
                    format!("u{:016x}", fastrand::u64(..) ^ *n as u64),
                    *n,
                )
            })
            .collect();
        let key = Instant::now();
        app.apply(app.now, Event::Providers(events));
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Char('j'))));
        frame(&mut terminal, &mut app);
        key_to_frame.push(key.elapsed());
    }
    let total = started.elapsed();
    key_to_frame.sort();
    println!(
        "out-of-order flood, 100,000 messages into the open thread in batches of {BATCH}: \
         key -> frame p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} messages/s; \
         {} resident in the thread; RSS {:.0} MB",
        quantile(&key_to_frame, 0.5).as_secs_f64() * 1e3,
        quantile(&key_to_frame, 0.99).as_secs_f64() * 1e3,
        key_to_frame
            .last()
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3,
        100_000.0 / total.as_secs_f64(),
        app.inbox
            .get(app.view.open.as_ref().expect("open"))
            .map_or(0, |e| e.thread.len()),
        resident_mb()
    );
}

fn memory_after_pushes() {
    let before = resident_mb();
    let mut app = inbox(1_000);
    let open = app.view.open.clone().expect("open").id.to_string();
    for (round, chunk) in (0..300_000usize)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .enumerate()
    {
        let events = chunk
            .iter()
            .map(|n| {
                let conversation = if round % 10 == 0 {
                    open.clone()
                } else {
                    format!("c{:05}", n % 1_000)
                };
                pushed(conversation, format!("p{n:07}"), *n)
            })
            .collect();
        app.apply(app.now, Event::Providers(events));
    }
    let resident: usize = (0..1_000)
        .filter_map(|i| {
            let key = common::conversation(i).key;
            app.inbox.get(&key).map(|e| e.thread.len())
        })
        .sum();
    println!(
        "300,000 pushed messages over 1,000 conversations: {resident} resident, RSS {:.0} MB \
         (was {before:.0} MB before the inbox was built)",
        resident_mb()
    );
}

fn main() {
    // Memory first, while the process has allocated nothing else.
    memory_after_pushes();
    out_of_order_flood();
}
