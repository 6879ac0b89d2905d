//! The conversation list: two rows per conversation (name, channel tag, time; then the
//! preview or a typing marker, with the unread badge), the filter line when a filter is set,
//! and the empty states (first run, no matches).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{format, theme, wrap};
use crate::app::inbox::ConversationEntry;
use crate::app::keys::{Action, KeyContext};
use crate::app::workflow::AssigneeView;
use crate::app::{App, Focus};
use crate::model::{ConversationStatus, Direction, Priority, Timestamp};
use crate::providers::ConnectionState;
use crate::text::sanitize_line;

/// Terminal rows one conversation takes.
pub const ROWS: u16 = 2;

/// Draws the pane; returns the list rows area (inside the border, below the filter line).
pub fn draw(frame: &mut Frame, app: &App, area: Rect) -> Rect {
    let focused = app.view.focus == Focus::Conversations;
    let total = app.view.conversations.len();
    // Where the window is when the list does not fit: "Conversations 12–23 of 340". A row
    // whose name shows counts as shown, even when its preview line is cut.
    let filter_row = u16::from(app.view.filtering || !app.view.filter.is_empty());
    let rows = usize::from(area.height.saturating_sub(2 + filter_row).div_ceil(ROWS)).max(1);
    let count = if total > rows {
        let first = app.view.list_offset.min(total.saturating_sub(1));
        format!("{}–{} of {total}", first + 1, (first + rows).min(total))
    } else {
        total.to_string()
    };
    // What narrows or orders the list, long and short: a narrow pane keeps the numbers and
    // the filters (which say what is hidden) and drops words first.
    let mut views: Vec<(String, String)> = Vec::new();
    if let Some(view) = &app.view.saved_view {
        let name = sanitize_line(&view.name);
        views.push((name.clone(), wrap::truncate(&name, 10)));
    }
    if let Some(status) = app.view.status_filter {
        let label = status.label();
        views.push((label.to_string(), label.chars().take(4).collect()));
    }
    if app.view.unread_only {
        views.push(("unread".into(), "unrd".into()));
    }
    match app.view.assignee_view {
        AssigneeView::All => {}
        AssigneeView::Mine => views.push(("mine".into(), "mine".into())),
        AssigneeView::Unassigned => views.push(("unassigned".into(), "unasg".into())),
    }
    if let Some(label) = &app.view.label_filter {
        let label = sanitize_line(label);
        views.push((
            format!("#{label}"),
            format!("#{}", wrap::truncate(&label, 8)),
        ));
    }
    if app.view.by_priority {
        views.push(("urgent first".into(), "!".into()));
    }
    let long: String = views.iter().map(|(long, _)| format!("· {long} ")).collect();
    let short: String = views.iter().map(|(_, short)| format!("·{short}")).collect();
    let room = usize::from(area.width).saturating_sub(2);
    let mut title = format!(" Conversations {count} {long}");
    if wrap::width(&title) > room {
        title = format!(" {count} {long}");
    }
    if wrap::width(&title) > room {
        title = format!(" {count}{short} ");
    }
    if wrap::width(&title) > room {
        title = format!(" {count} ");
    }
    let block = super::pane_block(title, focused);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);

    if app.view.filtering || !app.view.filter.is_empty() {
        let line_area = Rect { height: 1, ..inner };
        frame.render_widget(Paragraph::new(filter_line(app, inner.width)), line_area);
        inner.y = inner.y.saturating_add(1);
        inner.height = inner.height.saturating_sub(1);
    }

    if app.view.conversations.is_empty() {
        let text = empty_text(app);
        let lines = vec![
            Line::default(),
            Line::styled(text, theme::muted()).centered(),
        ];
        frame.render_widget(Paragraph::new(lines), inner);
        return inner;
    }

    let width = usize::from(inner.width);
    let selected = app.view.selected_index();
    let accounts = app.status.conversation_accounts().count();
    let mut lines = Vec::new();
    for (index, key) in app
        .view
        .conversations
        .iter()
        .enumerate()
        .skip(app.view.list_offset)
        .take(usize::from(inner.height / ROWS) + 1)
    {
        let Some(entry) = app.inbox.get(key) else {
            continue;
        };
        let typing = app.typing.get(key).is_some();
        let row = Row {
            entry,
            now: app.now,
            zone: super::format::Zone::of(app),
            typing,
            open: app.view.open.as_ref() == Some(key),
            draft: app.view.drafts.get(key).is_some_and(|d| !d.is_blank()),
            accounts,
            assignee: entry
                .info
                .work
                .as_ref()
                .and_then(|work| work.assignee.as_deref())
                .map(|id| app.team.name_of(&key.account, id, "me")),
        };
        let [first, second] = row.lines(width);
        let style = if Some(index) == selected {
            theme::selected(focused)
        } else {
            Style::new()
        };
        lines.push(first.style(style));
        lines.push(second.style(style));
    }
    super::render_lines(frame, lines, inner);
    inner
}

fn filter_line(app: &App, width: u16) -> Line<'static> {
    let cursor = if app.view.filtering { "▏" } else { "" };
    let count = format!(" {} of {}", app.view.conversations.len(), app.inbox.total());
    let prompt = format!(
        "{} ",
        app.settings
            .keymap
            .label(KeyContext::Browse, Action::StartFilter)
    );
    let room = usize::from(width).saturating_sub(wrap::width(&prompt) + wrap::width(&count) + 1);
    let query = wrap::truncate(&app.view.filter, room);
    let pad = room.saturating_sub(wrap::width(&query));
    Line::from(vec![
        Span::styled(prompt, theme::key_hint()),
        Span::styled(query, theme::bold()),
        Span::styled(cursor, theme::key_hint()),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, theme::muted()),
    ])
}

fn empty_text(app: &App) -> String {
    let narrowed = [
        app.view.status_filter.is_some(),
        !app.view.filter.is_empty(),
        app.view.unread_only,
        app.view.assignee_view != AssigneeView::All,
        app.view.label_filter.is_some(),
        app.view.selected_channel().is_some(),
        app.view.saved_view.is_some(),
    ];
    if narrowed.iter().filter(|on| **on).count() > 1 {
        return "Nothing matches all of these".to_string();
    }
    if let Some(status) = app.view.status_filter {
        return format!("No {} conversations", status.label());
    }
    if let Some(label) = &app.view.label_filter {
        return format!("Nothing labelled {}", sanitize_line(label));
    }
    if let Some(view) = &app.view.saved_view {
        return format!("Nothing in the view {}", sanitize_line(&view.name));
    }
    match app.view.assignee_view {
        AssigneeView::Mine => return "Nothing assigned to you".to_string(),
        AssigneeView::Unassigned => return "Nothing unassigned".to_string(),
        AssigneeView::All => {}
    }
    if !app.view.filter.is_empty() {
        return "No matches".to_string();
    }
    if app.view.unread_only {
        return "Nothing unread".to_string();
    }
    let connecting = app
        .status
        .accounts
        .values()
        .any(|a| a.connection == ConnectionState::Connecting);
    if app.status.accounts.is_empty() || connecting {
        "connecting…".to_string()
    } else {
        "No conversations yet".to_string()
    }
}

/// One conversation as two lines of exactly the pane's width.
struct Row<'a> {
    entry: &'a ConversationEntry,
    now: Timestamp,
    zone: super::format::Zone,
    typing: bool,
    open: bool,
    /// A draft waits in it (kept while another conversation is open).
    draft: bool,
    /// Accounts in the inbox: with more than one, a row says whose it is.
    accounts: usize,
    /// Who has it, by name ("me" for the agent at this keyboard).
    assignee: Option<&'a str>,
}

impl Row<'_> {
    fn lines(&self, width: usize) -> [Line<'static>; 2] {
        let info = &self.entry.info;
        let unread = self.entry.info.unread > 0;
        let marker = if self.open { "▶" } else { " " };

        // First line: name on the left; status, channel tag and time on the right.
        let time = self
            .entry
            .last_activity()
            .map(|at| format::relative(at, self.now, self.zone))
            .unwrap_or_default();
        // USSD / voice: the session's state (new / open / closed) says more than the status.
        let status = match (
            info.metadata.get(crate::model::SESSION_METADATA),
            info.status,
        ) {
            (Some(session), _) => format!("{session} "),
            (None, ConversationStatus::Open) => String::new(),
            (None, other) => format!("{} ", other.label()),
        };
        // With several accounts, whose conversation it is (cut short: the name matters more).
        // Only where the name keeps room of its own.
        let account = if self.accounts > 1 && width >= 36 {
            format!("{} ", wrap::truncate(&info.key.account.0, 10))
        } else {
            String::new()
        };
        let priority = info.work.as_ref().map(|w| w.priority).unwrap_or_default();
        let urgency = match priority {
            Priority::None => String::new(),
            other => format!("{} ", other.label()),
        };
        let right = format!(
            "{account}{urgency}{status}{} {time:>6}",
            info.channel.short()
        );
        let name_room = width.saturating_sub(1 + wrap::width(&right) + 1);
        let name_style = if unread { theme::bold() } else { theme::text() };
        let first = Line::from(vec![
            Span::styled(marker, theme::key_hint()),
            Span::styled(wrap::pad(&info.contact.name, name_room), name_style),
            Span::raw(" "),
            Span::styled(account, theme::muted()),
            Span::styled(urgency, theme::priority(priority)),
            Span::styled(status, theme::muted()),
            Span::styled(
                info.channel.short().to_string(),
                theme::channel(&info.channel),
            ),
            Span::styled(format!(" {time:>6}"), theme::muted()),
        ]);

        // Second line: preview (or typing), unread badge on the right.
        let badge = if unread {
            format!(" {} ", self.entry.info.unread.min(999))
        } else {
            String::new()
        };
        // Who has it and its labels, right-aligned: at most half the line, the preview keeps
        // the rest.
        // A snoozed row says until when first: its chips get less room.
        let chips_room = if self.entry.snooze.is_some() {
            width / 3
        } else {
            width / 2
        };
        let chips = self.chips(chips_room);
        let chips_width: usize = chips.iter().map(|span| wrap::width(&span.content)).sum();
        let room = width.saturating_sub(1 + wrap::width(&badge) + chips_width);
        let (text, style) = if self.typing {
            ("✎ typing…".to_string(), theme::typing())
        } else if let Some(snooze) = self.entry.snooze {
            let until = crate::app::snooze::until_label(snooze, self.now, self.zone.offset);
            (format!("⏾ snoozed {until}"), theme::muted())
        } else {
            let text = match self.entry.preview() {
                Some((Direction::Outbound, text)) => format!("You: {text}"),
                Some((Direction::Inbound, text)) => text,
                Some((Direction::Note, text)) => format!("Note: {text}"),
                None => String::new(),
            };
            let style = if unread {
                theme::text()
            } else {
                theme::muted()
            };
            // A draft waiting here says so first: it is work not yet sent.
            let text = if self.draft {
                format!("✎ draft · {text}")
            } else {
                text
            };
            (text.replace('\n', " "), style)
        };
        let mut second = vec![Span::raw(" "), Span::styled(wrap::pad(&text, room), style)];
        second.extend(chips);
        second.push(Span::styled(badge, theme::unread_badge()));
        [first, Line::from(second)]
    }

    /// ` @Maya #vip #billing`, cut to `room` columns (labels that do not fit become `+2`).
    fn chips(&self, room: usize) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        let mut used = 0;
        if let Some(name) = self.assignee {
            let chip = format!(" @{}", wrap::truncate(&sanitize_line(name), 12));
            if wrap::width(&chip) <= room {
                used += wrap::width(&chip);
                spans.push(Span::styled(chip, theme::key_hint()));
            }
        }
        let labels = self
            .entry
            .info
            .work
            .as_ref()
            .map(|work| work.labels.as_slice())
            .unwrap_or_default();
        for (index, label) in labels.iter().enumerate() {
            let left = labels.len() - index - 1;
            let more = if left > 0 {
                format!(" +{left}")
            } else {
                String::new()
            };
            // A label cut short still says which it is; only when not even that fits does
            // the count stand for it.
            let free = room.saturating_sub(used + wrap::width(&more) + 2);
            if free < 4 {
                let rest = format!(" +{}", labels.len() - index);
                if used + wrap::width(&rest) <= room {
                    spans.push(Span::styled(rest, theme::muted()));
                }
                break;
            }
            let chip = format!(" #{}", wrap::truncate(&sanitize_line(label), free.min(14)));
            used += wrap::width(&chip);
            spans.push(Span::styled(chip, theme::label(label)));
        }
        // Apart from the unread badge after them.
        if !spans.is_empty() && self.entry.info.unread > 0 {
            spans.push(Span::raw(" "));
        }
        spans
    }
}
