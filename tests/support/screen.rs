//! Drawing an app the way the runtime does, for the suites that look at the screen.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::{App, Event};
use switchboard::runtime::Surface;
use unicode_width::UnicodeWidthStr;

/// Two frames with their layout fed back (as the event loop does after a resize), then the
/// frame as drawn (every cell the view wrote, including those a wide character hides).
pub fn draw(app: &mut App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    for _ in 0..2 {
        let layout = Surface::draw(&mut terminal, app, &mut switchboard::ui::Painter::default())
            .expect("draw");
        app.apply(app.now, Event::Layout(layout));
    }
    let frame = terminal
        .draw(|frame| {
            switchboard::ui::draw(frame, app);
        })
        .expect("draw");
    frame.buffer.clone()
}

/// The buffer as plain text, one line per row with trailing blanks trimmed; a wide character
/// is written once (the cell it hides is skipped).
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            skip = symbol.width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// [`draw`], as [`text`].
pub fn render(app: &mut App, width: u16, height: u16) -> String {
    text(&draw(app, width, height))
}
