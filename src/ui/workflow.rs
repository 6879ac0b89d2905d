//! The assignee, label and priority pickers (`A`, `L`, `P`) and the label filter (`#`): the
//! choices, what the conversation has now marked, and a line to type into.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{theme, wrap};
use crate::app::App;
use crate::app::keys::{Action, KeyContext};
use crate::app::workflow::{Pick, PickerKind, WorkPicker};
use crate::text::sanitize_line;

/// Choices listed at most; typing narrows the rest down.
const SHOWN: usize = 12;

pub fn draw(frame: &mut Frame, app: &App, picker: &WorkPicker, area: Rect) {
    let width = area.width.saturating_sub(4).min(56);
    let room = usize::from(width.saturating_sub(2));
    let shown = picker.shown();
    let first = picker.selected.saturating_sub(SHOWN - 1);
    let mut lines: Vec<Line> = shown
        .iter()
        .enumerate()
        .skip(first)
        .take(SHOWN)
        .map(|(index, pick)| {
            let mark = if picker.is_current(pick) { "✓" } else { " " };
            let text = match pick {
                Pick::Label(label) if picker.is_new(pick) => {
                    format!("{mark} + new label \"{}\"", sanitize_line(label))
                }
                Pick::Label(label) => format!("{mark} #{}", sanitize_line(label)),
                other => format!("{mark} {}", sanitize_line(&other.label())),
            };
            let text = wrap::truncate(&wrap::pad(&format!(" {text}"), room), room);
            let style = match pick {
                _ if index == picker.selected => theme::selected(true),
                Pick::Priority(priority) => theme::priority(*priority),
                Pick::Label(label) => theme::label(label),
                _ => theme::text(),
            };
            Line::styled(text, style)
        })
        .collect();
    if shown.is_empty() {
        lines.push(Line::styled(" Nothing matches", theme::muted()));
    } else if picker.kind == PickerKind::LabelFilter && picker.choices.len() == 1 {
        lines.push(Line::styled(
            " No conversation has a label yet",
            theme::muted(),
        ));
    }
    lines.push(Line::default());
    let prompt = match picker.kind {
        PickerKind::Labels => " Label: ",
        _ => " Find: ",
    };
    let typed = if picker.typed.is_empty() {
        let hint = match picker.kind {
            PickerKind::Labels => "type to find one, or to name a new one",
            _ => "type to narrow the list",
        };
        Span::styled(hint, theme::muted())
    } else {
        Span::styled(format!("{}▏", sanitize_line(&picker.typed)), theme::text())
    };
    lines.push(Line::from(vec![
        Span::styled(prompt, theme::key_hint()),
        typed,
    ]));
    let map = &app.settings.keymap;
    let key = |action| map.label(KeyContext::Prompt, action);
    let pick = match picker.kind {
        PickerKind::Labels => "add / remove",
        _ => "pick",
    };
    let hint = format!(
        " {}/{} move · {} {pick} · {} close",
        key(Action::Down),
        key(Action::Up),
        key(Action::Activate),
        key(Action::Back)
    );
    lines.push(Line::styled(wrap::truncate(&hint, room), theme::key_hint()));
    let name = picker
        .conversation
        .as_ref()
        .and_then(|key| app.inbox.get(key))
        .map(|entry| sanitize_line(&entry.info.contact.name))
        .unwrap_or_default();
    let title = match picker.kind {
        PickerKind::Assign => format!(" Assign {name} to "),
        PickerKind::Labels => format!(" Labels of {name} "),
        PickerKind::Priority => format!(" Priority of {name} "),
        PickerKind::LabelFilter => " List only the label ".to_string(),
    };
    super::overlay(frame, area, width, wrap::truncate(&title, room), lines);
}
