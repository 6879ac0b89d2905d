//! The help overlay, generated from the live key map ([`KeyMap`]), grouped
//! by where the keys work: two columns when the screen is wide enough.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{theme, wrap};
use crate::app::App;
use crate::app::keymap::KeyMap;
use crate::app::keys::{Action, KeyContext};

/// Draws the overlay scrolled down by `scroll` rows (clamped to what there is); returns how
/// far down it can scroll.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) -> usize {
    let map = &app.settings.keymap;
    let scroll = app.view.help_scroll;
    // Narrow screens get the whole width, so the frame does not sit just inside the panes'.
    let width = if area.width <= 98 { area.width } else { 96 };
    let two_columns = width >= 60;
    // Keys of actions no open account's platform has are left out.
    let offered = |action: Action| {
        let accounts = || app.status.accounts.values().map(|a| a.actions);
        match action {
            Action::DeleteMessage => accounts().any(|a| a.delete_message),
            Action::Capability => accounts().any(|a| a.capability_lookup),
            _ => true,
        }
    };
    let section = |title, context| section(map, title, context, &offered);
    let (mut left, mut right) = if two_columns {
        (
            [
                section("Everywhere", KeyContext::Global),
                section("Selected message", KeyContext::Message),
                section("Searching a thread", KeyContext::Found),
                section("Composing", KeyContext::Compose),
            ]
            .concat(),
            trimmed(section("Browsing", KeyContext::Browse)),
        )
    } else {
        (
            [
                section("Everywhere", KeyContext::Global),
                section("Browsing", KeyContext::Browse),
                section("Selected message", KeyContext::Message),
                section("Searching a thread", KeyContext::Found),
                section("Composing", KeyContext::Compose),
            ]
            .concat(),
            Vec::new(),
        )
    };
    // What does not fit in a column moves to the other one; the contact picker's keys come
    // last, where there is room (the picker shows them in its own footer too).
    let room = usize::from(area.height.saturating_sub(4));
    if right.len() > room {
        let tail = right.split_off(room);
        left.push(Entry::Blank);
        left.push(Entry::Heading("Browsing (more)"));
        left.extend(tail);
    }
    let picker = [
        vec![Entry::Blank],
        section("Contact picker", KeyContext::Contacts),
        trimmed(section("Filter and search prompts", KeyContext::Prompt)),
    ]
    .concat();
    if two_columns && right.len() + picker.len() <= room {
        right.extend(picker);
    } else {
        // Below what shows at first: the overlay scrolls to it (one blank row between).
        if matches!(left.last(), Some(Entry::Blank)) {
            left.pop();
        }
        left.extend(picker);
    }
    let rows = left.len().max(right.len());
    let height = u16::try_from(rows + 2)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let visible = usize::from(height.saturating_sub(2));
    let last = rows.saturating_sub(visible);
    let scroll = scroll.min(last);
    let close = map.label(KeyContext::Help, Action::Back);
    let title = if last > 0 {
        format!(
            " Keys · rows {}–{} of {rows} · {}/{} scroll · {close} closes ",
            scroll + 1,
            (scroll + visible).min(rows),
            map.label(KeyContext::Help, Action::Down),
            map.label(KeyContext::Help, Action::Up),
        )
    } else {
        format!(" Keys · {close} closes ")
    };
    let offset = (u16::try_from(scroll).unwrap_or(u16::MAX), 0);
    let overlay = super::centered(area, width, height);
    frame.render_widget(Clear, overlay);
    let block = super::pane_block(
        wrap::truncate(&title, usize::from(width.saturating_sub(2))),
        true,
    );
    let inner = block.inner(overlay);
    frame.render_widget(block, overlay);

    if two_columns {
        // Columns share the width in proportion to what their text needs.
        let (need_left, need_right) = (needed(&left), needed(&right));
        let half =
            u16::try_from(usize::from(inner.width) * need_left / (need_left + need_right).max(1))
                .unwrap_or(inner.width / 2)
                .min(inner.width);
        let left_area = Rect {
            width: half,
            ..inner
        };
        let right_area = Rect {
            x: inner.x + half,
            width: inner.width - half,
            ..inner
        };
        frame.render_widget(
            Paragraph::new(lines(left, left_area.width)).scroll(offset),
            left_area,
        );
        frame.render_widget(
            Paragraph::new(lines(right, right_area.width)).scroll(offset),
            right_area,
        );
    } else {
        frame.render_widget(
            Paragraph::new(lines(left, inner.width)).scroll(offset),
            inner,
        );
    }
    last
}

/// The widest key label of a column, so its descriptions line up just after it.
fn key_width(entries: &[Entry]) -> usize {
    entries
        .iter()
        .map(|e| match e {
            Entry::Key(keys, _) => wrap::width(keys),
            Entry::Heading(_) | Entry::Blank => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Cells a column needs to show every row in full.
fn needed(entries: &[Entry]) -> usize {
    let keys = key_width(entries);
    entries
        .iter()
        .map(|e| match e {
            Entry::Key(_, help) => 1 + keys + 2 + wrap::width(help) + 1,
            Entry::Heading(title) => wrap::width(title) + 1,
            Entry::Blank => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Each section lines its descriptions up after its own widest key, so one long key
/// (`Ctrl+W/Alt+Backspace`) does not push every other section's text off the edge.
fn lines(entries: Vec<Entry>, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(entries.len());
    let mut start = 0;
    while start < entries.len() {
        let end = entries[start + 1..]
            .iter()
            .position(|e| matches!(e, Entry::Heading(_)))
            .map_or(entries.len(), |at| start + 1 + at);
        let keys = key_width(&entries[start..end]);
        out.extend(
            entries[start..end]
                .iter()
                .cloned()
                .map(|e| e.line(usize::from(width), keys)),
        );
        start = end;
    }
    out
}

#[derive(Clone)]
enum Entry {
    Heading(&'static str),
    Key(String, &'static str),
    Blank,
}

impl Entry {
    fn line(self, width: usize, key_width: usize) -> Line<'static> {
        match self {
            Entry::Heading(title) => Line::styled(format!(" {title}"), theme::title(false)),
            Entry::Key(keys, help) => {
                let key_width = key_width.min(width / 2);
                // One cell kept free on the right so two columns never touch.
                let help_width = width.saturating_sub(key_width + 4);
                Line::from(vec![
                    Span::raw(" "),
                    Span::styled(wrap::pad(&keys, key_width), theme::key_hint()),
                    Span::raw("  "),
                    Span::styled(wrap::truncate(help, help_width), theme::text()),
                ])
            }
            Entry::Blank => Line::default(),
        }
    }
}

/// A context's bindings; an action the user left without keys, or that is not `offered`, is
/// not listed.
fn section(
    map: &KeyMap,
    title: &'static str,
    context: KeyContext,
    offered: &dyn Fn(Action) -> bool,
) -> Vec<Entry> {
    let mut entries = vec![Entry::Heading(title)];
    entries.extend(
        map.bindings()
            .iter()
            .filter(|b| b.context == context && !b.keys.is_empty() && offered(b.action))
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
                Entry::Key(keys.join("/"), b.help)
            }),
    );
    entries.push(Entry::Blank);
    entries
}

/// Drops a section's trailing blank row when nothing follows it.
fn trimmed(mut entries: Vec<Entry>) -> Vec<Entry> {
    if matches!(entries.last(), Some(Entry::Blank)) {
        entries.pop();
    }
    entries
}
