//! The contact picker overlay: the search line, the matching contacts, the selected contact's
//! identifiers per channel (the one a new conversation would use is marked), or the
//! new-contact form. Text in it came from the network and was sanitised by the provider.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{theme, wrap};
use crate::app::contacts::{ContactPicker, FORM_FIELDS};
use crate::app::keymap::KeyMap;
use crate::app::keys::{Action, KeyContext};

pub fn draw(frame: &mut Frame, picker: &ContactPicker, area: Rect, map: &KeyMap) {
    let width = area.width.saturating_sub(4).min(72);
    let max_height = area.height.saturating_sub(2).min(20);
    let room = usize::from(width.saturating_sub(2));
    let lines = match &picker.form {
        Some(form) => form_lines(form, room, map),
        None => list_lines(picker, room, usize::from(max_height.saturating_sub(2)), map),
    };
    // As tall as what it shows, no taller than the screen allows.
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(max_height)
        .min(max_height);
    let overlay = super::centered(area, width, height);
    frame.render_widget(Clear, overlay);
    let title = format!(" Contacts · {} ", picker.account);
    let block = super::pane_block(title, true);
    let inner = block.inner(overlay);
    frame.render_widget(block, overlay);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn form_lines(
    form: &crate::app::contacts::NewContactForm,
    room: usize,
    map: &KeyMap,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(" New contact", theme::title(true)),
        Line::default(),
    ];
    for (index, label) in FORM_FIELDS.iter().enumerate() {
        let active = index == form.field;
        let value = wrap::truncate(&form.fields[index], room.saturating_sub(15));
        lines.push(Line::from(vec![
            Span::styled(format!(" {label:>10}: "), theme::muted()),
            Span::styled(value, if active { theme::bold() } else { theme::text() }),
            Span::styled(if active { "▏" } else { "" }, theme::key_hint()),
        ]));
    }
    lines.push(Line::default());
    let key = |action| map.label(KeyContext::Prompt, action);
    lines.push(Line::styled(
        wrap::truncate(
            &format!(
                " channel e.g. whatsapp, sms · {} field · {} create · {} cancel",
                key(Action::FocusNext),
                key(Action::Activate),
                key(Action::Back)
            ),
            room,
        ),
        theme::muted(),
    ));
    lines
}

fn list_lines(
    picker: &ContactPicker,
    room: usize,
    rows: usize,
    map: &KeyMap,
) -> Vec<Line<'static>> {
    let cursor = if picker.searching { "▏" } else { "" };
    let state = if picker.waiting { " searching…" } else { "" };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {} ", map.label(KeyContext::Contacts, Action::StartFilter)),
            theme::key_hint(),
        ),
        Span::styled(
            wrap::truncate(&picker.query, room.saturating_sub(16)),
            theme::bold(),
        ),
        Span::styled(cursor, theme::key_hint()),
        Span::styled(state, theme::muted()),
    ])];
    if picker.results.is_empty() {
        let text = if picker.waiting {
            String::new()
        } else {
            format!(
                " No contacts · {} creates one",
                map.label(KeyContext::Contacts, Action::NewContact)
            )
        };
        lines.push(Line::styled(text, theme::muted()));
        lines.push(Line::styled(
            wrap::truncate(&key_hints(map), room),
            theme::key_hint(),
        ));
        return lines;
    }
    let selected = picker.selected_contact();
    let detail_rows = selected.map_or(0, |c| c.identifiers.len() + 2);
    let list_rows = rows.saturating_sub(2 + detail_rows).max(1);
    let first = picker.selected.saturating_sub(list_rows.saturating_sub(1));
    for (index, contact) in picker
        .results
        .iter()
        .enumerate()
        .skip(first)
        .take(list_rows)
    {
        let channels: Vec<&str> = contact
            .identifiers
            .iter()
            .map(|i| i.channel.short())
            .collect();
        let text = format!(" {}  {}", contact.name, channels.join(" "));
        let style = if index == picker.selected {
            theme::selected(true)
        } else {
            theme::text()
        };
        lines.push(Line::styled(wrap::pad(&text, room), style));
    }
    if let Some(contact) = selected {
        lines.push(Line::default());
        for (index, id) in contact.identifiers.iter().enumerate() {
            let mark = if index == picker.channel { "▶" } else { " " };
            let text = format!(" {mark} {:<12} {}", id.channel.label(), id.identifier);
            let style = if index == picker.channel {
                theme::channel(&id.channel)
            } else {
                theme::muted()
            };
            lines.push(Line::styled(wrap::truncate(&text, room), style));
        }
        let reach: Vec<String> = [contact.phone.clone(), contact.email.clone()]
            .into_iter()
            .flatten()
            .collect();
        if !reach.is_empty() {
            let text = format!(" {}", reach.join(" · "));
            lines.push(Line::styled(wrap::truncate(&text, room), theme::muted()));
        }
    }
    lines.push(Line::styled(
        wrap::truncate(&key_hints(map), room),
        theme::key_hint(),
    ));
    lines
}

/// The picker's keys, from the same table as the help overlay.
fn key_hints(map: &KeyMap) -> String {
    let hints: Vec<String> = map
        .bindings()
        .iter()
        .filter(|b| b.context == KeyContext::Contacts && !b.keys.is_empty())
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            format!("{} {}", keys.join("/"), b.help)
        })
        .collect();
    format!(
        " {}/{} move · {}",
        map.label(KeyContext::Browse, Action::Down),
        map.label(KeyContext::Browse, Action::Up),
        hints.join(" · ")
    )
}
