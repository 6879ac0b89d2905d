//! Benchmark 2 of issue 8: one frame at 200×60 with a 100,000-message thread open and 10,000
//! conversations listed, against the floor: ratatui drawing a plain paragraph of exactly the
//! lines that are visible. Both draw into a `TestBackend` through `Terminal::draw` (buffer reset,
//! the widgets, the diff against the previous frame), as a redraw in the event loop does.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use switchboard::ui;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

fn inbox_frame(c: &mut Criterion) {
    let mut app = common::big_inbox(10_000, 100_000);
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    common::settle_layout(&mut terminal, &mut app);
    let visible: Vec<String> = {
        let frame = terminal
            .draw(|frame| {
                ui::draw(frame, &app);
            })
            .expect("draw");
        let buffer = frame.buffer;
        (0..HEIGHT)
            .map(|y| {
                (0..WIDTH)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    };

    let mut group = c.benchmark_group("draw_200x60");
    group.bench_function("inbox_100k_thread_10k_conversations", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| {
                    std::hint::black_box(ui::draw(frame, &app));
                })
                .expect("draw");
        })
    });
    let mut floor = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    group.bench_function("floor_paragraph_of_visible_lines", |b| {
        b.iter(|| {
            floor
                .draw(|frame| {
                    let lines: Vec<Line> = visible.iter().map(|l| Line::raw(l.as_str())).collect();
                    frame.render_widget(Paragraph::new(lines), frame.area());
                })
                .expect("draw");
        })
    });
    group.finish();
}

criterion_group!(benches, inbox_frame);
criterion_main!(benches);
