//! The details pane: who the open (or selected) conversation is with and what the platform
//! says about it, as aligned key/value rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{theme, wrap};
use crate::app::App;
use crate::text;

/// Width of the key column.
const KEY_WIDTH: usize = 12;

/// How many lines the pane has to show (for the layout to size it).
pub fn rows(app: &App) -> u16 {
    u16::try_from(fields(app).map_or(1, |rows| rows.len())).unwrap_or(u16::MAX)
}

/// The key/value rows of the open (or selected) conversation, the empty ones left out.
fn fields(app: &App) -> Option<Vec<(String, String)>> {
    let key = app.view.open.as_ref().or(app.view.selected.as_ref());
    let entry = key.and_then(|key| app.inbox.get(key))?;
    let info = &entry.info;
    let mut rows: Vec<(String, String)> = vec![
        ("Name".into(), info.contact.name.clone()),
        ("Channel".into(), info.channel.label().to_string()),
        ("Identity".into(), info.contact.identity.clone()),
        ("Contact".into(), info.contact.id.clone()),
        ("Conversation".into(), info.key.id.to_string()),
        ("Account".into(), info.key.account.to_string()),
        ("Status".into(), info.status.label().to_string()),
    ];
    if let (Some(work), Some(key)) = (&info.work, key) {
        let assignee = work
            .assignee
            .as_deref()
            .map(|id| app.team.name_of(&key.account, id, me_name(app)));
        rows.push(("Assignee".into(), assignee.unwrap_or("nobody").to_string()));
        rows.push(("Labels".into(), work.labels.join(", ")));
        if work.priority != crate::model::Priority::None {
            rows.push(("Priority".into(), work.priority.label().to_string()));
        }
    }
    rows.push(("Messages".into(), entry.thread.len().to_string()));
    // The platform's own fields, but not one that repeats a row above (a `contactName` that
    // is the name).
    for (key, value) in &info.metadata {
        if !rows.iter().any(|(_, shown)| shown == value) {
            rows.push((key.clone(), value.clone()));
        }
    }
    rows.retain(|(_, value)| !value.is_empty());
    Some(rows)
}

/// The agent at this keyboard, as the details pane names them.
fn me_name(app: &App) -> &str {
    match app.settings.agent_name.trim() {
        "" => "me",
        name => name,
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = super::pane_block(" Details ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(rows) = fields(app) else {
        let line = Line::styled("No conversation selected", theme::muted());
        frame.render_widget(Paragraph::new(line), inner);
        return;
    };
    let width = usize::from(inner.width);
    let key_width = KEY_WIDTH.min(width / 2);
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(key, value)| {
            // Ids and metadata come from the platform as they are (they are keys, not text the
            // providers sanitise), so they are made safe to draw here.
            let (key, value) = (text::sanitize_line(&key), text::sanitize_line(&value));
            let value_width = width.saturating_sub(key_width + 1);
            Line::from(vec![
                Span::styled(wrap::pad(&key, key_width), theme::muted()),
                Span::raw(" "),
                Span::styled(wrap::truncate(&value, value_width), theme::text()),
            ])
        })
        .collect();
    super::render_lines(frame, lines, inner);
}
