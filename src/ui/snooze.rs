//! The status picker (`z`): the statuses, the snooze presets, and a line to type a time.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{theme, wrap};
use crate::app::App;
use crate::app::keys::{Action, KeyContext};
use crate::app::snooze::StatusPicker;
use crate::text::sanitize_line;

pub fn draw(frame: &mut Frame, app: &App, picker: &StatusPicker, area: Rect) {
    let width = area.width.saturating_sub(4).min(64);
    let room = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = picker
        .choices
        .iter()
        .enumerate()
        .map(|(index, choice)| {
            let text = wrap::truncate(&wrap::pad(&format!(" {}", choice.label()), room), room);
            if index == picker.selected && picker.typed.is_empty() {
                Line::styled(text, theme::selected(true))
            } else {
                Line::styled(text, theme::text())
            }
        })
        .collect();
    lines.push(Line::default());
    let typed = if picker.typed.is_empty() {
        Span::styled(
            "fri 14:00, 2h, tomorrow 9am, 2026-12-24 09:00",
            theme::muted(),
        )
    } else {
        Span::styled(format!("{}▏", sanitize_line(&picker.typed)), theme::text())
    };
    lines.push(Line::from(vec![
        Span::styled(" Snooze until: ", theme::key_hint()),
        typed,
    ]));
    if let Some(problem) = &picker.problem {
        lines.push(Line::styled(
            wrap::truncate(&format!(" {}", sanitize_line(problem)), room),
            theme::error(),
        ));
    }
    let map = &app.settings.keymap;
    let key = |action| map.label(KeyContext::Prompt, action);
    let hint = format!(
        " {}/{} move · {} set · {} close · times are local",
        key(Action::Down),
        key(Action::Up),
        key(Action::Activate),
        key(Action::Back)
    );
    lines.push(Line::styled(wrap::truncate(&hint, room), theme::key_hint()));
    let name = app
        .inbox
        .get(&picker.conversation)
        .map(|entry| sanitize_line(&entry.info.contact.name))
        .unwrap_or_default();
    let title = wrap::truncate(&format!(" Status of {name} "), room);
    super::overlay(frame, area, width, title, lines);
}
