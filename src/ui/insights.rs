//! The insights pane: one tab per [`InsightTab`], and the body of the selected tab. The insight
//! engine has not landed yet, so the body says so rather than showing an empty box.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Tabs};

use super::{theme, wrap};
use crate::app::insights::InsightTab;
use crate::app::{App, Focus};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.view.focus == Focus::Insights;
    let block = super::pane_block(" Insights ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }

    let selected = InsightTab::ALL
        .iter()
        .position(|t| *t == app.view.insights_tab)
        .unwrap_or(0);
    // Tabs scroll so the selected one is always visible in a narrow pane.
    let mut start = 0;
    let width_from = |start: usize| -> usize {
        InsightTab::ALL[start..=selected]
            .iter()
            .map(|t| wrap::width(t.label()) + 3)
            .sum()
    };
    while start < selected && width_from(start) > usize::from(inner.width) {
        start += 1;
    }
    let titles: Vec<Line> = InsightTab::ALL[start..]
        .iter()
        .map(|t| Line::from(t.label()))
        .collect();
    let tabs = Tabs::new(titles)
        .select(Some(selected - start))
        .style(theme::muted())
        .highlight_style(theme::title(true))
        .divider("│");
    frame.render_widget(tabs, Rect { height: 1, ..inner });

    let body = Rect {
        y: inner.y.saturating_add(2),
        height: inner.height.saturating_sub(2),
        ..inner
    };
    let text = match app.view.open {
        Some(_) => "No insights yet",
        None => "Open a conversation to see its insights",
    };
    let lines = vec![
        Line::styled(
            wrap::truncate(text, usize::from(body.width)),
            theme::muted(),
        )
        .centered(),
    ];
    frame.render_widget(Paragraph::new(lines), body);
}
