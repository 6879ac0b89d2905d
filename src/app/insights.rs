//! The insight pane's tabs, the rows each tab lists, and moving through them: selecting a row
//! and pressing Enter highlights its source message in the thread and scrolls to it (the
//! thread view reports the scroll that shows it, see `LayoutInfo::thread_jump_scroll`).
//!
//! The insights themselves come from each conversation's [`crate::insights::InsightEngine`],
//! fed inside `apply` as messages merge (see `inbox.rs`).

use super::App;
use super::view::LayoutInfo;
use crate::insights::{Answer, ConversationInsights, ItemState, Waiting};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InsightTab {
    #[default]
    ActionItems,
    Questions,
    FollowUps,
    Topics,
    Entities,
    Trackers,
    Analytics,
}

impl InsightTab {
    pub const ALL: [InsightTab; 7] = [
        InsightTab::ActionItems,
        InsightTab::Questions,
        InsightTab::FollowUps,
        InsightTab::Topics,
        InsightTab::Entities,
        InsightTab::Trackers,
        InsightTab::Analytics,
    ];

    pub fn label(self) -> &'static str {
        match self {
            InsightTab::ActionItems => "Actions",
            InsightTab::Questions => "Questions",
            InsightTab::FollowUps => "Follow-ups",
            InsightTab::Topics => "Topics",
            InsightTab::Entities => "Entities",
            InsightTab::Trackers => "Trackers",
            InsightTab::Analytics => "Analytics",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// One row of a tab, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsightRow {
    /// The main text ("Where is my order?", "refund", "order/ticket #4521").
    pub text: String,
    /// A short second part ("customer · open", "agent · due Friday").
    pub detail: String,
    /// The message to jump to.
    pub message: Option<String>,
    /// Wants attention: an unanswered question or an open action item.
    pub attention: bool,
}

/// How many rows a tab has (shown next to its label).
pub fn count(insights: &ConversationInsights, tab: InsightTab) -> usize {
    match tab {
        InsightTab::ActionItems => insights.action_items.len(),
        InsightTab::Questions => insights.questions.len(),
        InsightTab::FollowUps => insights.follow_ups.len(),
        InsightTab::Topics => insights.topics.len(),
        InsightTab::Entities => insights.entities.len(),
        InsightTab::Trackers => insights.trackers.iter().filter(|t| t.count > 0).count(),
        InsightTab::Analytics => 0,
    }
}

/// How many rows of a tab want attention (open items, unanswered questions).
pub fn attention(insights: &ConversationInsights, tab: InsightTab) -> usize {
    match tab {
        InsightTab::ActionItems => insights.open_action_items(),
        InsightTab::Questions => insights.open_questions(),
        InsightTab::FollowUps => insights.open_follow_ups(),
        _ => 0,
    }
}

/// The rows of a tab.
pub fn rows(insights: &ConversationInsights, tab: InsightTab) -> Vec<InsightRow> {
    first_rows(insights, tab, usize::MAX)
}

/// The first `limit` rows of a tab, built no further (a preview of a long thread's tab must
/// not format its thousands of rows on every frame).
pub fn first_rows(
    insights: &ConversationInsights,
    tab: InsightTab,
    limit: usize,
) -> Vec<InsightRow> {
    match tab {
        InsightTab::ActionItems | InsightTab::FollowUps => {
            let items = if tab == InsightTab::ActionItems {
                &insights.action_items
            } else {
                &insights.follow_ups
            };
            items
                .iter()
                .take(limit)
                .map(|item| {
                    let mut detail = item.owner.label().to_string();
                    if let Some(mode) = item.contact {
                        detail.push_str(&format!(" · {}", mode.label()));
                    }
                    if let Some(due) = &item.due {
                        detail.push_str(&format!(" · due {}", due.text));
                    }
                    detail.push_str(match item.state {
                        ItemState::Open => " · open",
                        ItemState::Done { .. } => " · done",
                        ItemState::Unknown => "",
                    });
                    InsightRow {
                        text: item.task.clone(),
                        detail,
                        message: item.messages.first().cloned(),
                        attention: item.is_open(),
                    }
                })
                .collect()
        }
        InsightTab::Questions => insights
            .questions
            .iter()
            .take(limit)
            .map(|q| InsightRow {
                text: format!("{}?", q.text.trim_end_matches('?')),
                detail: format!(
                    "{} · {}",
                    q.asked_by.label(),
                    match q.answer {
                        Answer::Unanswered => "unanswered",
                        Answer::Answered { .. } => "answered",
                        Answer::Unknown => "asked",
                    }
                ),
                message: q.messages.first().cloned(),
                attention: q.is_open(),
            })
            .collect(),
        InsightTab::Topics => insights
            .topics
            .iter()
            .take(limit)
            .map(|t| InsightRow {
                text: t.text.clone(),
                detail: match t.messages.len() {
                    1 => "1 mention".to_string(),
                    n => format!("{n} mentions"),
                },
                message: t.messages.first().cloned(),
                attention: false,
            })
            .collect(),
        InsightTab::Entities => insights
            .entities
            .iter()
            .take(limit)
            .map(|e| InsightRow {
                text: e.text.clone(),
                detail: match e.messages.len() {
                    1 => e.kind.label().to_string(),
                    n => format!("{} · {n}×", e.kind.label()),
                },
                message: e.messages.first().cloned(),
                attention: false,
            })
            .collect(),
        InsightTab::Trackers => insights
            .trackers
            .iter()
            .filter(|t| t.count > 0)
            .take(limit)
            .map(|t| {
                let mut terms: Vec<&str> = t.hits.iter().map(|h| h.term.as_str()).collect();
                terms.sort_unstable();
                terms.dedup();
                InsightRow {
                    text: format!("{} ({})", t.name, t.count),
                    detail: terms.join(", "),
                    message: t.hits.first().map(|h| h.message.clone()),
                    attention: false,
                }
            })
            .collect(),
        InsightTab::Analytics => analytics_rows(insights).into_iter().take(limit).collect(),
    }
}

fn analytics_rows(insights: &ConversationInsights) -> Vec<InsightRow> {
    let a = &insights.analytics;
    let duration = |d: Option<time::Duration>| match d {
        None => "–".to_string(),
        Some(d) if d.whole_hours() >= 1 => {
            format!("{}h {}m", d.whole_hours(), d.whole_minutes() % 60)
        }
        Some(d) if d.whole_minutes() >= 1 => format!("{}m", d.whole_minutes()),
        Some(d) => format!("{}s", d.whole_seconds().max(0)),
    };
    let waiting = match &a.waiting {
        Waiting::Nobody => "nobody".to_string(),
        Waiting::On { side, .. } => format!("{} waits on {}", side.label(), side.other().label()),
    };
    let row = |text: String, detail: &str, attention: bool| InsightRow {
        text,
        detail: detail.to_string(),
        message: None,
        attention,
    };
    let mut rows = vec![
        row(
            format!(
                "{} customer · {} agent",
                a.customer_messages, a.agent_messages
            ),
            "messages",
            false,
        ),
        row(duration(a.first_response), "first response", false),
        row(duration(a.median_response), "median response", false),
        row(waiting, "waiting", matches!(a.waiting, Waiting::On { .. })),
    ];
    rows.extend(a.other.iter().map(|m| row(m.value.clone(), &m.name, false)));
    rows
}

/// The insights of the open conversation: the assistant's while the user asked to see them,
/// else Symbl's once it has answered for it (the pane's title names the source), else the
/// local engine's.
pub fn open_insights(app: &App) -> Option<&ConversationInsights> {
    let key = app.view.open.as_ref()?;
    if let Some(found) = super::assist::shown_insights(app, key) {
        return Some(&found.insights);
    }
    if let Some(remote) = app.remote_insights.get(key) {
        return Some(remote);
    }
    app.inbox.get(key).and_then(|entry| entry.insights())
}

/// The tab the pane shows: the one the user picked, else the first with something in it
/// (an empty Actions tab is no way to open the pane on a conversation full of questions).
pub fn current_tab(app: &App) -> InsightTab {
    if app.view.insights_tab_chosen {
        return app.view.insights_tab;
    }
    let Some(insights) = open_insights(app) else {
        return app.view.insights_tab;
    };
    InsightTab::ALL
        .into_iter()
        .find(|tab| *tab != InsightTab::Analytics && count(insights, *tab) > 0)
        .unwrap_or(app.view.insights_tab)
}

/// The user works in the pane: the tab shown stays put from now on, so a live update that
/// fills an earlier tab cannot swap the rows under the selection.
fn pin_tab(app: &mut App) {
    app.view.insights_tab = current_tab(app);
    app.view.insights_tab_chosen = true;
}

/// Moves the selection within the current tab.
pub(super) fn move_selection(app: &mut App, delta: isize) {
    pin_tab(app);
    let count = open_insights(app).map_or(0, |i| rows(i, current_tab(app)).len());
    let last = count.saturating_sub(1);
    app.view.insights_selected = app
        .view
        .insights_selected
        .saturating_add_signed(delta)
        .min(last);
}

/// Highlights the selected row's source message and asks the thread to scroll to it.
pub(super) fn jump(app: &mut App) {
    pin_tab(app);
    let target = open_insights(app).and_then(|insights| {
        rows(insights, current_tab(app))
            .get(app.view.insights_selected)
            .and_then(|row| row.message.clone())
    });
    let Some(id) = target else {
        return;
    };
    let loaded = app
        .view
        .open
        .as_ref()
        .and_then(|key| app.inbox.get(key))
        .is_some_and(|entry| entry.thread.get(&id).is_some());
    let in_window = super::history::shown(app).is_some_and(|window| window.get(&id).is_some());
    if loaded && !in_window {
        // The pane shows the thread again, where the message is.
        super::history::leave(app);
    }
    if !loaded && !in_window {
        // Older than what the thread holds in memory: a jump would wait for a frame that can
        // never show it.
        app.status.notify(
            super::status::NoticeLevel::Info,
            "that message is further back than what is loaded: scroll up to reach it".to_string(),
            app.now,
        );
        return;
    }
    app.view.highlight = Some(id);
    app.view.jump_pending = true;
}

/// Applies the scroll the thread view found for a pending jump or a pinned message. Returns
/// whether it moved. A pin the view could not place (its message gone) is dropped.
pub(super) fn finish_jump(app: &mut App, layout: &LayoutInfo) -> bool {
    let pinned = app.view.pin.take().is_some();
    match (app.view.jump_pending || pinned, layout.thread_jump_scroll) {
        (true, Some(scroll)) => {
            app.view.jump_pending = false;
            app.view.thread_scroll = scroll;
            true
        }
        _ => false,
    }
}
