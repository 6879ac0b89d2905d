//! An animated SVG of a played demo: plays in a browser, a README or an `<img>` without a
//! player. The screen is cut into pieces (a row's cells, [`PIECE`] columns at a time); each
//! distinct piece is drawn once (by [`super::export`], the same drawing as the screenshots)
//! and shown during the spans of time it is on screen, by a CSS animation of its opacity that
//! loops with the demo. A piece that stays the same across frames costs nothing more, and one
//! that comes back later (a pane toggled off and on) is reused, so the file grows with what
//! changes (a typed letter redraws one piece, not the screen), not with the number of frames.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;

use super::export::{BACKGROUND, CELL_WIDTH, CLOSE_DOCUMENT, ROW_HEIGHT, body, open_document};

/// How long the last frame stays before the animation starts again.
pub const HOLD: Duration = Duration::from_secs(3);

/// Columns per piece: small enough that a change redraws little, large enough that the
/// markup around each piece stays a small part of the file. Measured on the tour (120
/// columns): 24 → 815 KB, 40 → 617 KB, 80 → 677 KB, whole rows → 727 KB.
pub const PIECE: u16 = 40;

/// One distinct piece: where it is drawn, what it draws, and when it shows.
struct Element {
    y: u16,
    x: u16,
    drawing: String,
    /// Spans of time, in milliseconds from the start; the last may still be open.
    shown: Vec<(u64, Option<u64>)>,
}

/// Frames in, an animated SVG out.
#[derive(Default)]
pub struct Animation {
    elements: Vec<Element>,
    /// Position and a hash of the drawing → the elements with that hash (the drawing itself
    /// is kept once, in its element).
    index: HashMap<(u16, u16, u64), Vec<usize>>,
    /// Per piece (row-major, [`PIECE`] columns each): the cells last seen and the element
    /// showing them.
    pieces: Vec<Option<(Vec<Cell>, usize)>>,
    /// Pieces per row in `pieces` (the widest frame's).
    per_row: usize,
    columns: u16,
    lines: u16,
    last_ms: u64,
}

impl Animation {
    /// Adds the frame shown from `at` (since the start) until the next one.
    pub fn frame(&mut self, at: Duration, screen: &Buffer) {
        let at = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        self.last_ms = self.last_ms.max(at);
        let area = screen.area;
        self.columns = self.columns.max(area.width);
        self.lines = self.lines.max(area.height);
        let per_row = usize::from(self.columns.div_ceil(PIECE));
        if per_row != self.per_row {
            // A wider screen than ever: lay the pieces out again (each is closed and reopened).
            for (_, element) in self.pieces.drain(..).flatten() {
                close(&mut self.elements[element], at);
            }
            self.per_row = per_row;
        }
        self.pieces.resize(per_row * usize::from(self.lines), None);
        for (slot, piece) in self.pieces.iter_mut().enumerate() {
            let (y, x) = ((slot / per_row) as u16, (slot % per_row) as u16 * PIECE);
            let cells: Option<Vec<Cell>> = (y < area.height && x < area.width).then(|| {
                (x..(x + PIECE).min(area.width))
                    .map(|column| screen[(area.x + column, area.y + y)].clone())
                    .collect()
            });
            if piece.as_ref().map(|(old, _)| Some(old)) == Some(cells.as_ref()) {
                continue;
            }
            if let Some((_, element)) = piece.take() {
                close(&mut self.elements[element], at);
            }
            let Some(cells) = cells else {
                continue;
            };
            let drawing = draw_row(&cells);
            let same = self.index.entry((y, x, hash(&drawing))).or_default();
            let found = same
                .iter()
                .copied()
                .find(|&e| self.elements[e].drawing == drawing);
            let element = match found {
                Some(element) => element,
                None => {
                    same.push(self.elements.len());
                    self.elements.push(Element {
                        y,
                        x,
                        drawing,
                        shown: Vec::new(),
                    });
                    self.elements.len() - 1
                }
            };
            let shown = &mut self.elements[element].shown;
            match shown.last_mut() {
                // The same drawing from other cells (a style that draws alike): one span.
                Some((_, to @ Some(_))) if *to == Some(at) => *to = None,
                _ => shown.push((at, None)),
            }
            *piece = Some((cells, element));
        }
    }

    /// The document: the last frame stays for [`HOLD`], then the demo plays again.
    pub fn finish(mut self) -> String {
        let total = self.last_ms + u64::try_from(HOLD.as_millis()).unwrap_or(0);
        for element in &mut self.elements {
            close(element, total);
        }
        let seconds = total as f64 / 1000.0;
        let mut style = String::from("<style>\n");
        let _ = writeln!(
            style,
            // Same specificity as the `.kN` rules after it, which name each animation. Rows of
            // the last frame (`.l`) show where animations do not run (an image viewer), so the
            // picture is then the demo's last screen rather than blank.
            ".f{{opacity:0;animation:{seconds:.3}s step-end infinite}}.l{{opacity:1}}"
        );
        for (number, element) in self.elements.iter().enumerate() {
            let _ = write!(style, "@keyframes k{number}{{");
            // Stated at 0 % either way: the implicit one would take the row's base opacity,
            // which is 1 for the last frame's rows.
            if element.shown.first().is_none_or(|(from, _)| *from > 0) {
                style.push_str("0%{opacity:0}");
            }
            for (from, to) in &element.shown {
                let to = to.unwrap_or(total);
                let _ = write!(
                    style,
                    "{}{{opacity:1}}{}{{opacity:0}}",
                    percent(*from, total),
                    percent(to, total)
                );
            }
            let _ = writeln!(style, "}}.k{number}{{animation-name:k{number}}}");
        }
        style.push_str("</style>\n");
        let mut svg = open_document(self.columns, self.lines, &style, BACKGROUND);
        for (number, element) in self.elements.iter().enumerate() {
            let last = element
                .shown
                .last()
                .is_some_and(|(_, to)| *to == Some(total));
            let _ = writeln!(
                svg,
                r#"<g class="f k{number}{}" transform="translate({:.1} {:.1})">"#,
                if last { " l" } else { "" },
                f64::from(element.x) * CELL_WIDTH,
                f64::from(element.y) * ROW_HEIGHT
            );
            svg.push_str(&element.drawing);
            svg.push_str("</g>\n");
        }
        svg.push_str(CLOSE_DOCUMENT);
        svg
    }

    /// What shows at `at`: per row, the drawings on screen then, left to right (for tests
    /// and checks of the timing, without a browser).
    pub fn shown_at(&self, at: Duration) -> Vec<(u16, &str)> {
        let at = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        let mut shown: Vec<(u16, u16, &str)> = self
            .elements
            .iter()
            .filter(|e| {
                e.shown
                    .iter()
                    .any(|(from, to)| *from <= at && to.is_none_or(|to| at < to))
            })
            .map(|e| (e.y, e.x, e.drawing.as_str()))
            .collect();
        shown.sort_unstable();
        shown.into_iter().map(|(y, _, d)| (y, d)).collect()
    }
}

fn hash(drawing: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    drawing.hash(&mut hasher);
    hasher.finish()
}

fn close(element: &mut Element, at: u64) {
    if let Some(last) = element.shown.last_mut()
        && last.1.is_none()
    {
        last.1 = Some(at);
    }
}

/// A row's cells drawn from (0, 0), as the screenshots draw them.
pub fn draw_row(cells: &[Cell]) -> String {
    let width = u16::try_from(cells.len()).unwrap_or(u16::MAX);
    let mut row = Buffer::empty(Rect::new(0, 0, width, 1));
    for (x, cell) in cells.iter().enumerate() {
        row.content[x] = cell.clone();
    }
    body(&row)
}

fn percent(ms: u64, total: u64) -> String {
    let value = ms as f64 * 100.0 / total.max(1) as f64;
    // Trimmed so equal moments print alike and the file stays small.
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};

    use super::*;

    fn screen(lines: &[&str]) -> Buffer {
        let width = lines.iter().map(|l| l.len()).max().unwrap_or(1) as u16;
        let mut buffer = Buffer::empty(Rect::new(0, 0, width, lines.len() as u16));
        for (y, line) in lines.iter().enumerate() {
            buffer.set_string(0, y as u16, line, Style::default().fg(Color::White));
        }
        buffer
    }

    fn row(buffer: &Buffer, y: u16) -> String {
        let cells: Vec<Cell> = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].clone())
            .collect();
        draw_row(&cells)
    }

    #[test]
    fn each_moment_shows_exactly_the_rows_of_its_frame() {
        let frames = [
            screen(&["inbox", "hello", "     "]),
            screen(&["inbox", "hello", "typed"]),
            screen(&["inbox", "other", "typed"]),
            screen(&["inbox", "hello", "typed"]),
        ];
        let mut animation = Animation::default();
        for (i, frame) in frames.iter().enumerate() {
            animation.frame(Duration::from_millis(1000 * i as u64), frame);
        }
        for (i, frame) in frames.iter().enumerate() {
            let at = Duration::from_millis(1000 * i as u64 + 500);
            let expected: Vec<(u16, String)> = (0..3).map(|y| (y, row(frame, y))).collect();
            let shown: Vec<(u16, String)> = animation
                .shown_at(at)
                .into_iter()
                .map(|(y, d)| (y, d.to_string()))
                .collect();
            assert_eq!(shown, expected, "frame {i}");
        }
        // "inbox" is drawn once; "hello" once although it shows twice.
        let svg = animation.finish();
        assert_eq!(svg.matches(">inbox<").count(), 1);
        assert_eq!(svg.matches(">hello<").count(), 1);
        // 3 s of frames, the last one held 3 s more.
        assert!(svg.contains("animation:6.000s step-end infinite"), "{svg}");
    }

    #[test]
    fn a_smaller_frame_hides_the_rows_it_does_not_have() {
        let mut animation = Animation::default();
        animation.frame(Duration::ZERO, &screen(&["a", "b"]));
        animation.frame(Duration::from_secs(1), &screen(&["a"]));
        assert_eq!(animation.shown_at(Duration::from_millis(500)).len(), 2);
        assert_eq!(animation.shown_at(Duration::from_millis(1500)).len(), 1);
    }

    #[test]
    fn percentages_are_short_and_exact_at_the_ends() {
        assert_eq!(percent(0, 7000), "0%");
        assert_eq!(percent(7000, 7000), "100%");
        assert_eq!(percent(1000, 3000), "33.333%");
    }
}
