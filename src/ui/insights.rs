//! The insights pane: one tab per [`InsightTab`] with its count (a `!` when something in it
//! is open: an unanswered question, an open action item), and the rows of the selected tab.
//! Rows that want attention are marked and bold; the selected row is highlighted, and Enter
//! jumps to its source message. Narrow panes get short tab labels and one line per row.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

use super::{theme, wrap};
use crate::app::assist::{self, AnswerState};
use crate::app::insights::{self, InsightRow, InsightTab};
use crate::app::keys::{Action, KeyContext};
use crate::app::{App, Focus};
use crate::assist::Task;
use crate::insights::{ConversationInsights, InsightSource};

/// Below this inner width the pane uses its compact form.
const COMPACT_WIDTH: u16 = 36;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.view.focus == Focus::Insights;
    let data = insights::open_insights(app);
    let stale = app.view.open.as_ref().is_some_and(|key| {
        assist::shown_insights(app, key)
            .is_some_and(|found| assist::is_stale(app, key, &found.seen))
    });
    let title = match data.map(|d| &d.source) {
        Some(InsightSource::Remote(name)) if stale => format!(" Insights · stale · {name} "),
        Some(InsightSource::Remote(name)) => format!(" Insights · {name} "),
        _ => " Insights ".to_string(),
    };
    let title = wrap::truncate(&title, usize::from(area.width.saturating_sub(2)));
    let block = super::pane_block(title, focused);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    // The assistant's part takes up to half the pane; the tabs keep at least four rows.
    let room = usize::from(inner.height.saturating_sub(4).min(inner.height / 2));
    let summary = assist_lines(app, usize::from(inner.width), room);
    if !summary.is_empty() {
        let rows = u16::try_from(summary.len()).unwrap_or(u16::MAX);
        super::render_lines(
            frame,
            summary,
            Rect {
                height: rows,
                ..inner
            },
        );
        inner.y = inner.y.saturating_add(rows);
        inner.height = inner.height.saturating_sub(rows);
    }
    let tab = insights::current_tab(app);
    let compact = inner.width < COMPACT_WIDTH || inner.height < 8;

    let selected = InsightTab::ALL.iter().position(|t| *t == tab).unwrap_or(0);
    let strip = |compact: bool| -> Vec<String> {
        InsightTab::ALL
            .iter()
            .map(|tab| tab_label(*tab, data, compact))
            .collect()
    };
    // Short names, packed tight, as soon as the full ones would not all fit: every tab stays
    // in sight. A tab costs its label, its padding and a divider.
    let mut labels = strip(compact);
    let mut packed = compact;
    let spacing = |packed: bool| if packed { 1 } else { 3 };
    let fits = |labels: &[String], packed: bool| {
        labels
            .iter()
            .map(|l| wrap::width(l) + spacing(packed))
            .sum::<usize>()
            <= usize::from(inner.width) + 1
    };
    if !fits(&labels, packed) {
        labels = strip(true);
        packed = true;
    }
    // Tabs scroll so the selected one is always visible in a narrow pane.
    let mut start = 0;
    let width_from = |start: usize| -> usize {
        labels[start..=selected]
            .iter()
            .map(|l| wrap::width(l) + spacing(packed))
            .sum()
    };
    while start < selected && width_from(start) > usize::from(inner.width) {
        start += 1;
    }
    let titles: Vec<Line> = labels[start..]
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    let mut tabs = Tabs::new(titles)
        .select(Some(selected - start))
        .style(theme::muted())
        .highlight_style(theme::title(true))
        .divider("│");
    if packed {
        tabs = tabs.padding("", "");
    }
    frame.render_widget(tabs, Rect { height: 1, ..inner });
    // Tabs cut off on either side are said, not hidden.
    let shown: usize = labels[start..]
        .iter()
        .map(|l| wrap::width(l) + spacing(packed))
        .sum();
    if shown > usize::from(inner.width) + 1 && inner.width > 0 {
        let edge = Rect {
            x: inner.right() - 1,
            width: 1,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(Line::styled("›", theme::warning())), edge);
    }
    if start > 0 {
        frame.render_widget(
            Paragraph::new(Line::styled("‹", theme::warning())),
            Rect {
                width: 1,
                height: 1,
                ..inner
            },
        );
    }

    let gap = if compact { 1 } else { 2 };
    let body = Rect {
        y: inner.y.saturating_add(gap),
        height: inner.height.saturating_sub(gap),
        ..inner
    };
    let Some(data) = data else {
        hint(frame, body, "Open a conversation to see its insights");
        return;
    };
    // Only the rows up to the window around the selection: a long thread's tab holds
    // thousands, and this runs on every frame.
    let needed = app.view.insights_selected + usize::from(body.height) + 1;
    let rows = insights::first_rows(data, tab, needed);
    if rows.is_empty() {
        hint(frame, Rect { height: 1, ..body }, "Nothing found yet");
        let rest = Rect {
            y: body.y.saturating_add(1),
            height: body.height.saturating_sub(1),
            ..body
        };
        let lines = previews(data, tab, usize::from(rest.width), usize::from(rest.height));
        super::render_lines(frame, lines, rest);
        return;
    }
    let mut lines = if tab == InsightTab::Analytics {
        analytics_lines(&rows, usize::from(body.width))
    } else {
        row_lines(
            &rows,
            app,
            usize::from(body.width),
            usize::from(body.height),
            compact,
            focused,
        )
    };
    let room = usize::from(body.height).saturating_sub(lines.len());
    lines.extend(previews(data, tab, usize::from(body.width), room));
    super::render_lines(frame, lines, body);
}

/// The assistant's part of the pane, in at most `room` rows: the summary (its state on a
/// line of its own, then its text, cut with `…` to fit), what the assistant is working on, a
/// failure, then a rule. Nothing when the assistant has said nothing here or there is no room.
fn assist_lines(app: &App, width: usize, room: usize) -> Vec<Line<'static>> {
    let Some(entry) = app.view.open.as_ref().and_then(|key| app.assist.entry(key)) else {
        return Vec::new();
    };
    let Some(key) = app.view.open.as_ref() else {
        return Vec::new();
    };
    let model = &app.assist.model;
    let mut head = Vec::new();
    let mut text = Vec::new();
    let mut tail = Vec::new();
    if let Some(summary) = &entry.summary {
        let (state, style) = match &summary.state {
            AnswerState::Writing => ("writing…".to_string(), theme::muted()),
            AnswerState::Done if assist::is_stale(app, key, &summary.seen) => {
                ("stale: S refreshes it".to_string(), theme::warning())
            }
            AnswerState::Done => (format!("of {} messages", summary.messages), theme::muted()),
            AnswerState::Stopped(why) => (why.clone(), theme::error()),
        };
        head.push(Line::styled(
            wrap::truncate(&format!("Summary · AI {model}"), width),
            theme::title(false),
        ));
        for row in wrap::wrap(&state, width).into_iter().take(3) {
            head.push(Line::styled(row, style));
        }
        text = wrap::wrap(&summary.text, width);
    }
    if entry
        .running
        .as_ref()
        .is_some_and(|r| r.task == Task::Insights)
    {
        let stop = app.settings.keymap.label(KeyContext::Browse, Action::Back);
        let line = format!("AI {model}: finding insights… {stop} stops");
        tail.push(Line::styled(wrap::truncate(&line, width), theme::muted()));
    }
    if let Some(why) = &entry.failure {
        for row in wrap::wrap(&format!("AI {why}"), width).into_iter().take(4) {
            tail.push(Line::styled(row, theme::error()));
        }
    }
    if head.is_empty() && tail.is_empty() {
        return Vec::new();
    }
    let fixed = head.len() + tail.len() + 1;
    if room < fixed {
        return Vec::new();
    }
    let fits = room - fixed;
    if text.len() > fits {
        text.truncate(fits);
        if let Some(last) = text.last_mut() {
            *last = format!("{}…", wrap::truncate(last, width.saturating_sub(1)));
        }
    }
    let mut lines = head;
    lines.extend(text.into_iter().map(|row| Line::styled(row, theme::text())));
    lines.extend(tail);
    lines.push(Line::styled("─".repeat(width), theme::muted()));
    lines
}

/// The tabs worth a glance below the current one, in the order an agent reads them.
const PREVIEWED: [InsightTab; 5] = [
    InsightTab::ActionItems,
    InsightTab::Questions,
    InsightTab::FollowUps,
    InsightTab::Entities,
    InsightTab::Topics,
];

/// The other tabs' rows, one line each under their tab's name, in the room the current tab
/// leaves: a pane with two action items has space to show the questions too. `]`/`[` go
/// there to select and jump.
fn previews(
    data: &ConversationInsights,
    current: InsightTab,
    width: usize,
    room: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for tab in PREVIEWED.into_iter().filter(|t| *t != current) {
        // A heading, a gap above it, and at least one row, or nothing.
        if insights::count(data, tab) == 0 || lines.len() + 3 > room {
            continue;
        }
        let rows = insights::first_rows(data, tab, room - lines.len() - 2);
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            wrap::truncate(&tab_label(tab, Some(data), false), width),
            theme::muted().patch(theme::bold()),
        ));
        for row in rows {
            if lines.len() >= room {
                break;
            }
            let (mark, style) = if row.attention {
                ("● ", theme::warning())
            } else {
                ("  ", theme::muted())
            };
            let text = format!("{} · {}", row.text, row.detail);
            lines.push(Line::from(vec![
                Span::styled(mark, style),
                Span::styled(
                    wrap::truncate(&text, width.saturating_sub(2)),
                    theme::text(),
                ),
            ]));
        }
    }
    lines
}

fn hint(frame: &mut Frame, body: Rect, text: &str) {
    let line = Line::styled(
        wrap::truncate(text, usize::from(body.width)),
        theme::muted(),
    )
    .centered();
    frame.render_widget(Paragraph::new(vec![line]), body);
}

/// "Questions 3!" (wide) or "Q3!" (compact): the count, and `!` when something is open.
fn tab_label(tab: InsightTab, data: Option<&ConversationInsights>, compact: bool) -> String {
    let name = if compact {
        match tab {
            InsightTab::ActionItems => "Act",
            InsightTab::Questions => "Q",
            InsightTab::FollowUps => "FU",
            InsightTab::Topics => "Top",
            InsightTab::Entities => "Ent",
            InsightTab::Trackers => "Trk",
            InsightTab::Analytics => "Stats",
        }
    } else {
        tab.label()
    };
    let Some(data) = data else {
        return name.to_string();
    };
    if tab == InsightTab::Analytics {
        return name.to_string();
    }
    let count = insights::count(data, tab);
    let open = if insights::attention(data, tab) > 0 {
        "!"
    } else {
        ""
    };
    let space = if compact { "" } else { " " };
    format!("{name}{space}{count}{open}")
}

/// The rows of a list tab, windowed so the selected row is visible.
fn row_lines(
    rows: &[InsightRow],
    app: &App,
    width: usize,
    height: usize,
    compact: bool,
    focused: bool,
) -> Vec<Line<'static>> {
    let per_row = if compact { 1 } else { 2 };
    let visible = (height / per_row).max(1);
    let selected = app.view.insights_selected.min(rows.len().saturating_sub(1));
    let first = selected.saturating_sub(visible.saturating_sub(1));
    let mut lines = Vec::new();
    for (index, row) in rows.iter().enumerate().skip(first).take(visible) {
        let is_selected = index == selected;
        let (mark, mark_style) = if row.attention {
            ("● ", theme::warning())
        } else {
            ("  ", theme::muted())
        };
        let text_style = if row.attention {
            theme::bold()
        } else {
            theme::text()
        };
        let base = if is_selected {
            theme::selected(focused)
        } else {
            Style::new()
        };
        let room = width.saturating_sub(2);
        if compact {
            let joined = format!("{} · {}", row.text, row.detail);
            let text = pad(&wrap::truncate(&joined, room), room);
            lines.push(Line::from(vec![
                Span::styled(mark, mark_style.patch(base)),
                Span::styled(text, text_style.patch(base)),
            ]));
        } else {
            let text = pad(&wrap::truncate(&row.text, room), room);
            let detail = pad(&wrap::truncate(&row.detail, room), room);
            lines.push(Line::from(vec![
                Span::styled(mark, mark_style.patch(base)),
                Span::styled(text, text_style.patch(base)),
            ]));
            lines.push(Line::from(vec![
                Span::styled("  ", base),
                Span::styled(detail, theme::muted().patch(base)),
            ]));
        }
    }
    lines
}

/// Analytics read as a small table: label, then figure.
fn analytics_lines(rows: &[InsightRow], width: usize) -> Vec<Line<'static>> {
    let label_width = rows
        .iter()
        .map(|r| wrap::width(&r.detail))
        .max()
        .unwrap_or(0)
        .min(width / 2);
    rows.iter()
        .map(|row| {
            let label = pad(&wrap::truncate(&row.detail, label_width), label_width);
            let room = width.saturating_sub(label_width + 2);
            let style = if row.attention {
                theme::warning()
            } else {
                theme::text()
            };
            Line::from(vec![
                Span::styled(label, theme::muted()),
                Span::raw("  "),
                Span::styled(wrap::truncate(&row.text, room), style),
            ])
        })
        .collect()
}

fn pad(text: &str, width: usize) -> String {
    let used = wrap::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}
