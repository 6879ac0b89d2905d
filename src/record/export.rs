//! Turns a rendered ratatui buffer into plain text or a self-contained SVG (a terminal-like
//! picture for the README that needs no terminal or font rasteriser to produce).
//!
//! The SVG keeps the terminal's grid exactly: every run of text is pinned to its cells with
//! `textLength`, wide characters (CJK, emoji) get two cells of their own, and box-drawing and
//! block characters are drawn as vector lines and rectangles rather than glyphs, so borders
//! join without gaps whatever the font and stay crisp at any zoom.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Cell size in SVG units; 0.6 em is the advance of common monospace fonts.
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_SIZE: f64 = 14.0;
pub(super) const BACKGROUND: &str = "#1e1f29";
const FOREGROUND: &str = "#d8dae6";
/// The terminal's own colours (background, text) of the default pictures.
pub const DARK_BACKDROP: (Color, Color) = (Color::Rgb(30, 31, 41), Color::Rgb(216, 218, 230));
/// Space around the screen, like a terminal window's padding.
const PADDING: f64 = 12.0;
/// Monospace fonts first, then colour emoji fonts for the glyphs they lack.
const FONTS: &str = "'JetBrains Mono','DejaVu Sans Mono','Menlo','Consolas','Liberation Mono','Noto Color Emoji','Apple Color Emoji','Segoe UI Emoji',monospace";
/// Stroke widths of light and heavy box-drawing lines.
const LIGHT: f64 = 1.2;
const HEAVY: f64 = 2.6;

/// The buffer's text, one line per row, trailing spaces trimmed.
pub fn to_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One run of cells sharing a style, drawn as one `<text>`.
struct Run {
    x: u16,
    cells: u16,
    text: String,
    fg: String,
    bold: bool,
    italic: bool,
    underline: bool,
    crossed: bool,
}

/// The buffer as an SVG document, on a dark terminal.
pub fn to_svg(buffer: &Buffer) -> String {
    to_svg_on(buffer, DARK_BACKDROP)
}

/// The buffer as an SVG document on a terminal of the given colours (background, text): what
/// the cells leave to the terminal (`Color::Reset`) is painted in those.
pub fn to_svg_on(buffer: &Buffer, backdrop: (Color, Color)) -> String {
    let screen = on_backdrop(buffer, backdrop);
    let mut svg = open_document(
        screen.area.width,
        screen.area.height,
        "",
        &color(backdrop.0, false, Color::Reset),
    );
    svg.push_str(&body(&screen));
    svg.push_str(CLOSE_DOCUMENT);
    svg
}

/// The buffer with the terminal's default colours made explicit.
pub(super) fn on_backdrop(buffer: &Buffer, (background, text): (Color, Color)) -> Buffer {
    let mut screen = buffer.clone();
    for cell in &mut screen.content {
        if cell.fg == Color::Reset {
            cell.fg = text;
        }
        if cell.bg == Color::Reset && cell.modifier.contains(Modifier::REVERSED) {
            cell.bg = background;
        }
    }
    screen
}

/// The start of the picture of a `columns`×`rows` screen: the window and its padding, then
/// `style` (a `<style>` element or nothing) on a `fill` background; the cells follow from
/// (0, 0).
pub(super) fn open_document(columns: u16, rows: u16, style: &str, fill: &str) -> String {
    let width = f64::from(columns) * CELL_W + 2.0 * PADDING;
    let height = f64::from(rows) * CELL_H + 2.0 * PADDING;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1}" height="{height:.1}" viewBox="0 0 {width:.1} {height:.1}" font-family="{FONTS}" font-size="{FONT_SIZE}" xml:space="preserve">"#
    );
    // Cell backgrounds meet without seams; the window's rounded corner stays smooth.
    let _ = writeln!(svg, "<style>g rect{{shape-rendering:crispEdges}}</style>");
    svg.push_str(style);
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" rx="8" fill="{fill}"/>"#
    );
    let _ = writeln!(svg, r#"<g transform="translate({PADDING} {PADDING})">"#);
    svg
}

/// What ends a document begun by [`open_document`].
pub(super) const CLOSE_DOCUMENT: &str = "</g>\n</svg>\n";

/// The height of one row and the width of one column in SVG units.
pub(super) const ROW_HEIGHT: f64 = CELL_H;
pub(super) const CELL_WIDTH: f64 = CELL_W;

/// The screen's cells as SVG elements, from (0, 0): backgrounds, then box-drawing shapes,
/// then the text.
pub(super) fn body(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut svg = String::new();
    for y in area.top()..area.bottom() {
        let top = f64::from(y - area.top()) * CELL_H;
        // Backgrounds first, merged into runs of equal colour.
        let mut x = area.left();
        while x < area.right() {
            let bg = background(&buffer[(x, y)]);
            let start = x;
            while x < area.right() && background(&buffer[(x, y)]) == bg {
                x += 1;
            }
            if let Some(bg) = bg {
                let _ = writeln!(
                    svg,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    f64::from(start - area.left()) * CELL_W,
                    f64::from(x - start) * CELL_W
                );
            }
        }
    }
    svg.push_str(&shapes(buffer));
    for y in area.top()..area.bottom() {
        let top = f64::from(y - area.top()) * CELL_H;
        for mut run in runs(buffer, y) {
            if run.text.trim().is_empty() {
                continue;
            }
            // Blanks at the ends are background only: pin just the text (spaces are one cell).
            let lead = run.text.len() - run.text.trim_start_matches(' ').len();
            let trail = run.text.len() - run.text.trim_end_matches(' ').len();
            run.text = run.text[lead..run.text.len() - trail].to_string();
            run.x += lead as u16;
            run.cells -= (lead + trail) as u16;
            let mut attributes = format!(r#" fill="{}""#, run.fg);
            if run.bold {
                attributes.push_str(r#" font-weight="bold""#);
            }
            if run.italic {
                attributes.push_str(r#" font-style="italic""#);
            }
            match (run.underline, run.crossed) {
                (true, true) => attributes.push_str(r#" text-decoration="underline line-through""#),
                (true, false) => attributes.push_str(r#" text-decoration="underline""#),
                (false, true) => attributes.push_str(r#" text-decoration="line-through""#),
                (false, false) => {}
            }
            // textLength pins the run to its cells, so columns line up whatever the font (by
            // spacing the glyphs, the default: a monospace font needs only a hair).
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" textLength="{:.1}"{attributes}>{}</text>"#,
                f64::from(run.x - area.left()) * CELL_W,
                top + CELL_H * 0.78,
                f64::from(run.cells) * CELL_W,
                escape(&run.text)
            );
        }
    }
    svg
}

fn runs(buffer: &Buffer, y: u16) -> Vec<Run> {
    let area = buffer.area;
    let mut runs: Vec<Run> = Vec::new();
    let mut x = area.left();
    while x < area.right() {
        let cell = &buffer[(x, y)];
        // Box-drawing and block characters are drawn as shapes; here they are blanks.
        let symbol = match cell.symbol().chars().next() {
            Some(c) if shape(c).is_some() => " ",
            _ => cell.symbol(),
        };
        let width = unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
        let fg = color(cell.fg, cell.modifier.contains(Modifier::REVERSED), cell.bg);
        let bold = cell.modifier.contains(Modifier::BOLD);
        let italic = cell.modifier.contains(Modifier::ITALIC);
        let underline = cell.modifier.contains(Modifier::UNDERLINED);
        let crossed = cell.modifier.contains(Modifier::CROSSED_OUT);
        // Wide characters get a run of their own so textLength cannot stretch their neighbours.
        let joinable = width == 1 && symbol.is_ascii();
        match runs.last_mut() {
            Some(run)
                if joinable
                    && run.fg == fg
                    && run.bold == bold
                    && run.italic == italic
                    && run.underline == underline
                    && run.crossed == crossed
                    && run.x + run.cells == x
                    && run.text.is_ascii() =>
            {
                run.text.push_str(symbol);
                run.cells += 1;
            }
            _ => runs.push(Run {
                x,
                cells: width,
                text: symbol.to_string(),
                fg,
                bold,
                italic,
                underline,
                crossed,
            }),
        }
        x = x.saturating_add(width);
    }
    runs
}

/// How a box-drawing or block character is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    /// Lines from the cell's centre to its edges: widths of the up, right, down, left arms
    /// (0 = none); `round` bends a corner instead of meeting at a right angle.
    Lines { arms: [f64; 4], round: bool },
    /// A filled part of the cell: x, y, width, height as fractions of the cell.
    Block(f64, f64, f64, f64),
}

fn shape(c: char) -> Option<Shape> {
    const L: f64 = LIGHT;
    const H: f64 = HEAVY;
    let lines = |up, right, down, left| Shape::Lines {
        arms: [up, right, down, left],
        round: false,
    };
    let round = |up, right, down, left| Shape::Lines {
        arms: [up, right, down, left],
        round: true,
    };
    Some(match c {
        '─' => lines(0.0, L, 0.0, L),
        '━' => lines(0.0, H, 0.0, H),
        '│' => lines(L, 0.0, L, 0.0),
        '┃' => lines(H, 0.0, H, 0.0),
        '┌' => lines(0.0, L, L, 0.0),
        '┐' => lines(0.0, 0.0, L, L),
        '└' => lines(L, L, 0.0, 0.0),
        '┘' => lines(L, 0.0, 0.0, L),
        '┏' => lines(0.0, H, H, 0.0),
        '┓' => lines(0.0, 0.0, H, H),
        '┗' => lines(H, H, 0.0, 0.0),
        '┛' => lines(H, 0.0, 0.0, H),
        '├' => lines(L, L, L, 0.0),
        '┤' => lines(L, 0.0, L, L),
        '┬' => lines(0.0, L, L, L),
        '┴' => lines(L, L, 0.0, L),
        '┼' => lines(L, L, L, L),
        '┣' => lines(H, H, H, 0.0),
        '┫' => lines(H, 0.0, H, H),
        '┳' => lines(0.0, H, H, H),
        '┻' => lines(H, H, 0.0, H),
        '╋' => lines(H, H, H, H),
        '╭' => round(0.0, L, L, 0.0),
        '╮' => round(0.0, 0.0, L, L),
        '╰' => round(L, L, 0.0, 0.0),
        '╯' => round(L, 0.0, 0.0, L),
        '█' => Shape::Block(0.0, 0.0, 1.0, 1.0),
        '▌' => Shape::Block(0.0, 0.0, 0.5, 1.0),
        '▐' => Shape::Block(0.5, 0.0, 0.5, 1.0),
        '▀' => Shape::Block(0.0, 0.0, 1.0, 0.5),
        '▄' => Shape::Block(0.0, 0.5, 1.0, 0.5),
        _ => return None,
    })
}

/// Every box-drawing and block character of the buffer as vector shapes, one `<path>` per
/// colour and stroke width, with runs of horizontal lines merged.
fn shapes(buffer: &Buffer) -> String {
    use std::collections::BTreeMap;
    let area = buffer.area;
    // (colour, stroke width in hundredths) → path data; blocks under width 0.
    let mut paths: BTreeMap<(String, u32), String> = BTreeMap::new();
    for y in area.top()..area.bottom() {
        let top = f64::from(y - area.top()) * CELL_H;
        // A horizontal line being extended over the row: (colour, width, x from, x to, y).
        let mut open: Option<(String, u32, f64, f64, f64)> = None;
        let close = |open: &mut Option<(String, u32, f64, f64, f64)>,
                     paths: &mut BTreeMap<(String, u32), String>| {
            if let Some((colour, width, from, to, at)) = open.take() {
                let _ = write!(
                    paths.entry((colour, width)).or_default(),
                    "M{from:.2} {at:.2}H{to:.2}"
                );
            }
        };
        for x in area.left()..area.right() {
            let cell = &buffer[(x, y)];
            let Some(shape) = cell.symbol().chars().next().and_then(shape) else {
                close(&mut open, &mut paths);
                continue;
            };
            let colour = color(cell.fg, cell.modifier.contains(Modifier::REVERSED), cell.bg);
            let left = f64::from(x - area.left()) * CELL_W;
            let (cx, cy) = (left + CELL_W / 2.0, top + CELL_H / 2.0);
            let (right, bottom) = (left + CELL_W, top + CELL_H);
            match shape {
                Shape::Block(bx, by, bw, bh) => {
                    close(&mut open, &mut paths);
                    let _ = write!(
                        paths.entry((colour, 0)).or_default(),
                        "M{:.2} {:.2}h{:.2}v{:.2}h{:.2}Z",
                        left + bx * CELL_W,
                        top + by * CELL_H,
                        bw * CELL_W,
                        bh * CELL_H,
                        -bw * CELL_W
                    );
                }
                Shape::Lines {
                    arms: [up, rightward, down, leftward],
                    round,
                } => {
                    let key = |w: f64| (w * 100.0).round() as u32;
                    let vertical = up.max(down);
                    let horizontal = rightward.max(leftward);
                    if round {
                        close(&mut open, &mut paths);
                        // A quarter bend from the horizontal edge to the vertical one.
                        let hx = if rightward > 0.0 { right } else { left };
                        let vy = if down > 0.0 { bottom } else { top };
                        let _ = write!(
                            paths.entry((colour, key(horizontal))).or_default(),
                            "M{hx:.2} {cy:.2}Q{cx:.2} {cy:.2} {cx:.2} {vy:.2}"
                        );
                        continue;
                    }
                    if horizontal > 0.0 {
                        // Reach half the crossing line's width past the centre so joints fill.
                        let from = if leftward > 0.0 {
                            left
                        } else {
                            cx - vertical / 2.0
                        };
                        let to = if rightward > 0.0 {
                            right
                        } else {
                            cx + vertical / 2.0
                        };
                        let width = key(horizontal);
                        match &mut open {
                            Some((c, w, _, end, at))
                                if *c == colour
                                    && *w == width
                                    && (*end - from).abs() < 1e-6
                                    && (*at - cy).abs() < 1e-6 =>
                            {
                                *end = to;
                            }
                            _ => {
                                close(&mut open, &mut paths);
                                open = Some((colour.clone(), width, from, to, cy));
                            }
                        }
                        if rightward == 0.0 {
                            close(&mut open, &mut paths);
                        }
                    } else {
                        close(&mut open, &mut paths);
                    }
                    if vertical > 0.0 {
                        let from = if up > 0.0 { top } else { cy - horizontal / 2.0 };
                        let to = if down > 0.0 {
                            bottom
                        } else {
                            cy + horizontal / 2.0
                        };
                        let _ = write!(
                            paths.entry((colour, key(vertical))).or_default(),
                            "M{cx:.2} {from:.2}V{to:.2}"
                        );
                    }
                }
            }
        }
        close(&mut open, &mut paths);
    }
    let mut out = String::new();
    for ((colour, width), data) in paths {
        if width == 0 {
            let _ = writeln!(out, r#"<path fill="{colour}" d="{data}"/>"#);
        } else {
            let _ = writeln!(
                out,
                r#"<path fill="none" stroke="{colour}" stroke-width="{:.2}" d="{data}"/>"#,
                f64::from(width) / 100.0
            );
        }
    }
    out
}

fn background(cell: &ratatui::buffer::Cell) -> Option<String> {
    if cell.modifier.contains(Modifier::REVERSED) {
        return Some(color(cell.fg, false, Color::Reset));
    }
    match cell.bg {
        Color::Reset => None,
        other => Some(color(other, false, Color::Reset)),
    }
}

/// A colour as hex; reversed cells draw their text in the background colour.
fn color(fg: Color, reversed: bool, bg: Color) -> String {
    let source = if reversed { bg } else { fg };
    match source {
        Color::Reset if reversed => BACKGROUND.into(),
        Color::Reset => FOREGROUND.into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => indexed(i),
        named => ansi(named).into(),
    }
}

fn ansi(color: Color) -> &'static str {
    match color {
        Color::Black => "#1e1f29",
        Color::Red => "#ff5c57",
        Color::Green => "#5af78e",
        Color::Yellow => "#f3f99d",
        Color::Blue => "#57c7ff",
        Color::Magenta => "#ff6ac1",
        Color::Cyan => "#9aedfe",
        Color::Gray => "#c7c7c7",
        Color::DarkGray => "#686868",
        Color::LightRed => "#ff8783",
        Color::LightGreen => "#8dfba8",
        Color::LightYellow => "#f7fbbd",
        Color::LightBlue => "#89d7ff",
        Color::LightMagenta => "#ff9ad5",
        Color::LightCyan => "#c1f4ff",
        Color::White => "#f1f1f0",
        _ => FOREGROUND,
    }
}

/// The xterm 256-colour palette.
fn indexed(i: u8) -> String {
    const BASE: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match i {
        0..=15 => ansi(BASE[usize::from(i)]).into(),
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level((i / 6) % 6),
                level(i % 6)
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn text_and_svg_keep_content_and_escape_markup() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 2));
        buffer.set_string(0, 0, "a<b> & 你好", Style::default().fg(Color::Red));
        buffer.set_string(0, 1, "ok", Style::default().bg(Color::Blue));
        let text = to_text(&buffer);
        assert_eq!(text, "a<b> & 你好\nok\n");
        let svg = to_svg(&buffer);
        assert!(svg.contains(">a&lt;b&gt; &amp;</text>"), "{svg}");
        assert!(svg.contains(">你<"), "wide glyphs get their own run: {svg}");
        assert!(svg.contains(r##"fill="#ff5c57""##));
        assert!(svg.contains(r##"fill="#57c7ff""##), "background run: {svg}");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn box_drawing_becomes_merged_vector_lines() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 6, 3));
        buffer.set_string(0, 0, "╭────╮", Style::default().fg(Color::Cyan));
        buffer.set_string(0, 1, "│ hi │", Style::default().fg(Color::Cyan));
        buffer.set_string(0, 2, "┗━━━━▌", Style::default().fg(Color::Cyan));
        let svg = to_svg(&buffer);
        // The four light dashes are one line; the heavy ones another; no glyph is left as text.
        assert!(svg.contains("M8.40 8.50H42.00"), "{svg}");
        assert!(svg.contains("H42.00M42.00 8.50Q"), "{svg}");
        assert!(svg.contains(r#"stroke-width="2.60""#), "{svg}");
        assert!(
            svg.contains(r##"<path fill="#9aedfe" d="M42.00 34.00h4.20v17.00h-4.20Z"/>"##),
            "{svg}"
        );
        assert!(
            !svg.contains('─') && !svg.contains('│') && !svg.contains('▌'),
            "{svg}"
        );
        assert!(svg.contains(">hi</text>"), "{svg}");
    }

    #[test]
    fn palette_covers_indexed_colours() {
        assert_eq!(indexed(16), "#000000");
        assert_eq!(indexed(231), "#ffffff");
        assert_eq!(indexed(232), "#080808");
    }
}
