//! The list of a message's links, to pick the one to open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{theme, wrap};
use crate::app::keymap::KeyMap;
use crate::app::keys::{Action, KeyContext};
use crate::app::links::LinkPicker;
use crate::text::sanitize;

pub fn draw(frame: &mut Frame, picker: &LinkPicker, area: Rect, map: &KeyMap) {
    let width = area.width.saturating_sub(4).min(90);
    let room = usize::from(width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(5)).max(1);
    let first = picker.selected.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = picker
        .links
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(index, link)| {
            let text = wrap::pad(&format!(" {}", sanitize(link)), room);
            let text = wrap::truncate(&text, room);
            if index == picker.selected {
                Line::styled(text, theme::selected(true))
            } else {
                Line::styled(text, theme::text())
            }
        })
        .collect();
    let key = |action| map.label(KeyContext::Browse, action);
    let hint = format!(
        " {}/{} move · {} open · {} close",
        key(Action::Down),
        key(Action::Up),
        key(Action::Activate),
        key(Action::Back)
    );
    lines.push(Line::styled(wrap::truncate(&hint, room), theme::key_hint()));
    let title = format!(" Links in this message · {} ", picker.links.len());
    super::overlay(frame, area, width, title, lines);
}
