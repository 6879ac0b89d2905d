//! The channel list ("All" first, then each channel with its unread count), and the one-line
//! strip that stands in for it on narrow screens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{theme, wrap};
use crate::app::view::ChannelEntry;
use crate::app::{App, Focus};

/// Draws the bordered list; returns the rows area (inside the border) for hit-testing.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) -> Rect {
    let focused = app.view.focus == Focus::Channels;
    let block = super::pane_block(" Channels ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width);
    let lines: Vec<Line> = app
        .view
        .channels
        .iter()
        .enumerate()
        .skip(app.view.channel_offset)
        .take(usize::from(inner.height))
        .map(|(index, entry)| {
            let selected = index == app.view.channel_selected;
            row(entry, width, selected, focused)
        })
        .collect();
    super::render_lines(frame, lines, inner);
    inner
}

fn row(entry: &ChannelEntry, width: usize, selected: bool, focused: bool) -> Line<'static> {
    let (label, style) = match &entry.channel {
        Some(channel) => (channel.label().to_string(), theme::channel(channel)),
        None => ("All".to_string(), theme::bold()),
    };
    let count = if entry.unread > 0 {
        format!(" {} ", entry.unread)
    } else {
        String::new()
    };
    let marker = if selected { "▌" } else { " " };
    let room = width.saturating_sub(1 + wrap::width(&count) + 1);
    let label = wrap::pad(&label, room);
    let mut line = Line::from(vec![
        Span::styled(marker, theme::border(focused)),
        Span::styled(label, style),
        Span::raw(" "),
        Span::styled(count, theme::unread_badge()),
    ]);
    if selected {
        line = line.style(theme::selected(focused));
    }
    line
}

/// The narrow screens' strip: "All 5 · WhatsApp 2 · SMS 1", scrolled so the selected channel
/// shows, the selected one highlighted.
pub fn draw_strip(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.view.focus == Focus::Channels;
    let mut spans = vec![Span::styled(" switchboard ", theme::title(true))];
    let mut used = wrap::width(" switchboard ");
    let budget = usize::from(area.width);
    // Start late enough that the selected channel fits.
    let labels: Vec<(String, &ChannelEntry)> = app
        .view
        .channels
        .iter()
        .map(|entry| (strip_label(entry), entry))
        .collect();
    let selected = app
        .view
        .channel_selected
        .min(labels.len().saturating_sub(1));
    let widths: Vec<usize> = labels.iter().map(|(l, _)| wrap::width(l) + 3).collect();
    let needed_from =
        |start: usize| -> usize { widths.iter().take(selected + 1).skip(start).sum() };
    let mut start = 0;
    while start < selected && used + needed_from(start) > budget {
        start += 1;
    }
    if start > 0 {
        spans.push(Span::styled("‹ ", theme::muted()));
        used += 2;
    }
    for (index, (label, entry)) in labels.iter().enumerate().skip(start) {
        let style = if index == app.view.channel_selected {
            theme::selected(focused)
        } else {
            match &entry.channel {
                Some(channel) => theme::channel(channel),
                None => theme::text(),
            }
        };
        let separator = if index > start { "·" } else { "" };
        let cell = format!(" {label} ");
        let w = wrap::width(separator) + wrap::width(&cell);
        // Keep a cell free for the "more" arrow.
        if used + w + 1 > budget {
            spans.push(Span::styled(" ›", theme::muted()));
            break;
        }
        spans.push(Span::styled(separator, theme::muted()));
        spans.push(Span::styled(cell, style));
        used += w;
    }
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(line).block(Block::new()), area);
}

fn strip_label(entry: &ChannelEntry) -> String {
    let name = entry
        .channel
        .as_ref()
        .map_or("All", |channel| channel.label());
    if entry.unread > 0 {
        format!("{name} {}", entry.unread)
    } else {
        name.to_string()
    }
}
