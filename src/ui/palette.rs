//! The command palette: the query, then the best matches with their matched characters
//! highlighted and the key (or channel) beside each.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;
use unicode_segmentation::UnicodeSegmentation;

use super::{theme, wrap};
use crate::app::palette::{Hit, Item, PaletteState, Target};
use crate::text::sanitize_line;

pub fn draw(frame: &mut Frame, palette: &PaletteState, area: Rect) {
    let width = area.width.saturating_sub(4).min(90);
    let room = usize::from(width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(6).min(16)).max(1);
    let first = palette.selected.saturating_sub(rows.saturating_sub(1));
    let query = wrap::truncate(&palette.query, room.saturating_sub(3));
    let query_width = wrap::width(&query);
    let mut lines = vec![Line::from(vec![
        Span::styled("› ", theme::key_hint()),
        Span::styled(query, theme::bold()),
        Span::styled("▏", theme::key_hint()),
    ])];
    for (index, hit) in palette.hits.iter().enumerate().skip(first).take(rows) {
        if let Some(item) = palette.items.get(hit.item) {
            lines.push(row(item, hit, room, index == palette.selected));
        }
    }
    if palette.hits.is_empty() {
        lines.push(Line::styled(" Nothing matches", theme::muted()));
    }
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(area.height)
        .min(area.height);
    let overlay = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 3,
        width,
        height,
    };
    frame.render_widget(Clear, overlay);
    let title = format!(
        " Palette · {} of {} ",
        palette.hits.len(),
        palette.items.len()
    );
    let block = super::pane_block(title, true);
    let inner = block.inner(overlay);
    frame.render_widget(block, overlay);
    super::render_lines(frame, lines, inner);
    // Typing goes to the query: the terminal's cursor stands there, not in the composer below.
    let cursor_x = inner
        .x
        .saturating_add(u16::try_from(2 + query_width).unwrap_or(u16::MAX));
    if inner.height > 0 && cursor_x < inner.right() {
        frame.set_cursor_position((cursor_x, inner.y));
    }
}

/// " label …   detail", the matched graphemes of the label in the accent.
fn row(item: &Item, hit: &Hit, room: usize, selected: bool) -> Line<'static> {
    let kind = match item.target {
        Target::Action(_) => "",
        Target::Conversation(_) => "→ ",
        Target::Canned(_) => "✎ ",
        Target::View(_) => "▤ ",
    };
    let label = sanitize_line(&item.label);
    let detail = sanitize_line(&item.detail);
    let detail_width = wrap::width(&detail).min(room / 3);
    let label_room = room.saturating_sub(detail_width + 2 + wrap::width(kind) + 1);
    let label = wrap::truncate(&label, label_room);
    let base = if selected {
        theme::selected(true)
    } else {
        theme::text()
    };
    let mut spans = vec![Span::styled(format!(" {kind}"), base)];
    let accent = base.patch(theme::key_hint()).add_modifier(Modifier::BOLD);
    // One span per run of matched or unmatched graphemes.
    let mut run = String::new();
    let mut run_matched = false;
    for (position, grapheme) in label.graphemes(true).enumerate() {
        let matched = u32::try_from(position).is_ok_and(|p| hit.positions.contains(&p));
        if matched != run_matched && !run.is_empty() {
            let style = if run_matched { accent } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_matched = matched;
        run.push_str(grapheme);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_matched { accent } else { base }));
    }
    let used = 1 + wrap::width(kind) + wrap::width(&label);
    let gap = room.saturating_sub(used + detail_width);
    spans.push(Span::styled(" ".repeat(gap), base));
    spans.push(Span::styled(
        wrap::truncate(&detail, detail_width),
        base.patch(theme::muted()),
    ));
    Line::from(spans)
}
