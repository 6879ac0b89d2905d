//! Issue 23: the bytes written to the terminal for the frame that shows a new message, at
//! 200×60 with a thread open and 10,000 conversations listed, against the minimal diff: the
//! cells that changed, as their characters alone, and as the least a terminal must be sent
//! (each run of changed cells one cursor move, then its characters; styles not counted).
//! The frame is drawn by ratatui's crossterm backend, as the terminal gets it.

mod common;

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use switchboard::app::{App, Event};
use switchboard::model::{Content, DeliveryStatus, Direction, Message};
use switchboard::providers::ProviderEvent;
use switchboard::ui;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// A terminal that counts what it is sent.
#[derive(Clone, Default)]
struct Counting(Rc<Cell<usize>>);

impl Write for Counting {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mut app = common::big_inbox(10_000, 2_000);
    let area = Rect::new(0, 0, WIDTH, HEIGHT);
    let written = Counting::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(written.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )
    .expect("terminal");
    common::settle_layout(&mut terminal, &mut app);
    let first_frame = written.0.get();

    let (mut sent, mut symbols, mut least) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..20 {
        let before = buffer(&app);
        let open = app.view.open.clone().expect("a thread is open");
        let now = app.now + time::Duration::seconds(20);
        let message = Message {
            id: format!("new-{n}"),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Customer".into(),
            content: Content::Text(format!(
                "Message {n}: is the parcel still coming today or should I stay in tomorrow?"
            )),
            at: now,
            status: DeliveryStatus::Delivered,
            failure: None,
        };
        app.apply(
            now,
            Event::provider(switchboard::providers::AccountEvent {
                account: common::account(),
                event: ProviderEvent::Messages {
                    conversation: open.id.to_string(),
                    messages: vec![message],
                    live: true,
                },
            }),
        );
        let start = written.0.get();
        terminal
            .draw(|frame| {
                ui::draw(frame, &app);
            })
            .expect("draw");
        sent.push(written.0.get() - start);
        let after = buffer(&app);
        let (characters, minimal) = minimal_diff(&before, &after);
        symbols.push(characters);
        least.push(minimal);
    }
    let mean = |values: &[usize]| values.iter().sum::<usize>() as f64 / values.len() as f64;
    let (sent, symbols, least) = (mean(&sent), mean(&symbols), mean(&least));
    println!("terminal bytes at {WIDTH}×{HEIGHT}, a new message in the open thread (mean of 20):");
    println!("  first frame (everything)   {first_frame} bytes");
    println!("  frame for the new message  {sent:.0} bytes");
    println!(
        "  minimal diff               {least:.0} bytes with a cursor move per run of changed cells ({:.2}× that), {symbols:.0} bytes of changed characters alone ({:.2}×)",
        sent / least,
        sent / symbols
    );
}

/// The frame the app draws now, as cells.
fn buffer(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let frame = terminal
        .draw(|frame| {
            ui::draw(frame, app);
        })
        .expect("draw");
    frame.buffer.clone()
}

/// The bytes of the changed cells' characters, and those plus one cursor move (`ESC[r;cH`)
/// per run of adjacent changed cells on a row.
fn minimal_diff(before: &Buffer, after: &Buffer) -> (usize, usize) {
    let (mut characters, mut moves) = (0, 0);
    for y in 0..HEIGHT {
        let mut in_run = false;
        for x in 0..WIDTH {
            let (old, new) = (&before[(x, y)], &after[(x, y)]);
            if old == new {
                in_run = false;
                continue;
            }
            characters += new.symbol().len();
            if !in_run {
                moves += format!("\x1b[{};{}H", y + 1, x + 1).len();
                in_run = true;
            }
        }
    }
    (characters, characters + moves)
}
