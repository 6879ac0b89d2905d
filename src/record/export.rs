//! Turns a rendered ratatui buffer into plain text or a self-contained SVG (a terminal-like
//! picture for the README that needs no terminal or font rasteriser to produce).

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Cell size in SVG units; 0.6 em is the advance of common monospace fonts.
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_SIZE: f64 = 14.0;
const BACKGROUND: &str = "#1e1f29";
const FOREGROUND: &str = "#d8dae6";

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
}

/// The buffer as an SVG document.
pub fn to_svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_W;
    let height = f64::from(area.height) * CELL_H;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="{FONT_SIZE}">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
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
        for run in runs(buffer, y) {
            if run.text.trim().is_empty() {
                continue;
            }
            let mut attributes = format!(r#" fill="{}""#, run.fg);
            if run.bold {
                attributes.push_str(r#" font-weight="bold""#);
            }
            if run.italic {
                attributes.push_str(r#" font-style="italic""#);
            }
            if run.underline {
                attributes.push_str(r#" text-decoration="underline""#);
            }
            // textLength pins the run to its cells, so columns line up whatever the font.
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve"{attributes}>{}</text>"#,
                f64::from(run.x - area.left()) * CELL_W,
                top + CELL_H * 0.78,
                f64::from(run.cells) * CELL_W,
                escape(&run.text)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn runs(buffer: &Buffer, y: u16) -> Vec<Run> {
    let area = buffer.area;
    let mut runs: Vec<Run> = Vec::new();
    let mut x = area.left();
    while x < area.right() {
        let cell = &buffer[(x, y)];
        let symbol = cell.symbol();
        let width = unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
        let fg = color(cell.fg, cell.modifier.contains(Modifier::REVERSED), cell.bg);
        let bold = cell.modifier.contains(Modifier::BOLD);
        let italic = cell.modifier.contains(Modifier::ITALIC);
        let underline = cell.modifier.contains(Modifier::UNDERLINED);
        // Wide characters get a run of their own so textLength cannot stretch their neighbours.
        let joinable = width == 1 && symbol.is_ascii();
        match runs.last_mut() {
            Some(run)
                if joinable
                    && run.fg == fg
                    && run.bold == bold
                    && run.italic == italic
                    && run.underline == underline
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
            }),
        }
        x = x.saturating_add(width);
    }
    runs
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
        assert!(svg.contains("a&lt;b&gt; &amp; "), "{svg}");
        assert!(svg.contains(">你<"), "wide glyphs get their own run: {svg}");
        assert!(svg.contains(r##"fill="#ff5c57""##));
        assert!(svg.contains(r##"fill="#57c7ff""##), "background run: {svg}");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn palette_covers_indexed_colours() {
        assert_eq!(indexed(16), "#000000");
        assert_eq!(indexed(231), "#ffffff");
        assert_eq!(indexed(232), "#080808");
    }
}
