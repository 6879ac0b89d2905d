//! The status bar: each account's connection (live, connecting, reconnecting with the last
//! error, backing off with the seconds left, auth failed) and last sync, the current notice,
//! and on the right the keys that matter in the focused pane (looked up in the key table, so
//! they cannot go stale).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{format, theme, wrap};
use crate::app::keys::{Action, KeyContext};
use crate::app::status::AccountStatus;
use crate::app::{App, Focus};
use crate::model::AccountId;
use crate::providers::ConnectionState;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let width = usize::from(area.width);
    let mut left: Vec<Span<'static>> = Vec::new();
    for (id, status) in &app.status.accounts {
        left.extend(account(id, status, app));
    }
    if let Some((done, total)) = app.status.indexing {
        left.push(Span::styled(
            format!(" indexing for search {}% ", done * 100 / total.max(1)),
            theme::muted(),
        ));
    }
    if let Some(notice) = app.status.current_notice() {
        left.push(Span::styled(
            format!(" {} ", notice.text.replace('\n', " ")),
            theme::notice(notice.level),
        ));
    }
    // The way to the help is always on screen; the other hints give way to the state on the
    // left, the least useful (last) first, whole or not at all.
    let mut pairs = hints(app);
    let help = pairs.pop_if(|(_, what)| *what == "help");
    let help_width = help.as_ref().map_or(0, pair_width);
    // One cell keeps a cut notice apart from the hint after it.
    let left = fit(
        left,
        width.saturating_sub(help_width + usize::from(help_width > 0)),
    );
    let used: usize = left.iter().map(|s| wrap::width(&s.content)).sum();
    while !pairs.is_empty()
        && used + help_width + pairs.iter().map(pair_width).sum::<usize>() >= width
    {
        pairs.pop();
    }
    pairs.extend(help);
    let hints = hint_spans(pairs);
    let hints_width: usize = hints.iter().map(|s| wrap::width(&s.content)).sum();
    let mut spans = left;
    if used + hints_width <= width {
        spans.push(Span::raw(" ".repeat(width - used - hints_width)));
        spans.extend(hints);
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme::status_bar()),
        area,
    );
}

/// " ● hub live · synced 2m ago ".
fn account(id: &AccountId, status: &AccountStatus, app: &App) -> Vec<Span<'static>> {
    let style = theme::connection(&status.connection);
    let (dot, state) = match &status.connection {
        ConnectionState::Live => ("●", "live".to_string()),
        ConnectionState::Connecting if status.reconnecting_after.is_some() => {
            ("◌", "reconnecting…".to_string())
        }
        ConnectionState::Connecting => ("◌", "connecting…".to_string()),
        ConnectionState::BackingOff { until, .. } => (
            "◌",
            format!(
                "backing off until {} — retry in {}s",
                format::clock_seconds(*until, format::Zone::of(app)),
                format::seconds_until(*until, app.now)
            ),
        ),
        ConnectionState::AuthFailed(_) => ("✗", "auth failed".to_string()),
    };
    let mut spans = vec![
        Span::styled(format!(" {dot} "), style),
        Span::styled(format!("{id} "), theme::bold()),
        Span::styled(state, style),
    ];
    match &status.connection {
        ConnectionState::BackingOff { reason, .. } | ConnectionState::AuthFailed(reason) => {
            spans.push(Span::styled(format!(" ({reason})"), theme::muted()));
        }
        ConnectionState::Connecting => {
            if let Some(reason) = &status.reconnecting_after {
                spans.push(Span::styled(
                    format!(" (last error: {reason})"),
                    theme::muted(),
                ));
            }
        }
        ConnectionState::Live => {}
    }
    if let Some(at) = status.last_sync {
        spans.push(Span::styled(
            format!(
                " · synced {}",
                format::ago(at, app.now, format::Zone::of(app))
            ),
            theme::muted(),
        ));
    }
    spans.push(Span::raw(" "));
    spans
}

/// Cuts spans to `width` cells, the last one ending in "…".
fn fit(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = wrap::width(&span.content);
        if used + w <= width {
            used += w;
            out.push(span);
        } else {
            let cut = wrap::truncate(&span.content, width - used);
            out.push(Span::styled(cut, span.style));
            break;
        }
    }
    out
}

fn pair_width((key, what): &(String, &str)) -> usize {
    wrap::width(key) + wrap::width(what) + 3
}

fn hint_spans(pairs: Vec<(String, &str)>) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    // An action the user left without keys has no hint.
    for (key, what) in pairs.into_iter().filter(|(k, _)| k != "(unbound)") {
        spans.push(Span::styled(key, theme::key_hint()));
        spans.push(Span::styled(format!(" {what}  "), theme::muted()));
    }
    spans
}

/// The focused pane's most useful keys, most useful first: "Enter open  / filter  ? help ".
fn hints(app: &App) -> Vec<(String, &'static str)> {
    let map = &app.settings.keymap;
    let key = |context: KeyContext, action: Action| map.label(context, action);
    let browse = |action: Action, what: &'static str| (key(KeyContext::Browse, action), what);
    if app.view.help {
        vec![
            (
                format!(
                    "{}/{}",
                    key(KeyContext::Help, Action::Down),
                    key(KeyContext::Help, Action::Up)
                ),
                "scroll",
            ),
            (key(KeyContext::Help, Action::Back), "close"),
        ]
    } else if app.view.palette.is_some() {
        vec![
            (key(KeyContext::Prompt, Action::Activate), "run"),
            (key(KeyContext::Prompt, Action::Back), "close"),
        ]
    } else if app.view.search.is_some() {
        vec![
            (
                format!(
                    "{}/{}",
                    key(KeyContext::Prompt, Action::Down),
                    key(KeyContext::Prompt, Action::Up)
                ),
                "pick",
            ),
            (key(KeyContext::Prompt, Action::Activate), "open"),
            (key(KeyContext::Prompt, Action::Back), "close"),
        ]
    } else if app.view.thread_search.as_ref().is_some_and(|s| s.typing) {
        vec![
            (key(KeyContext::Prompt, Action::Activate), "search"),
            (key(KeyContext::Prompt, Action::Back), "cancel"),
        ]
    } else if app.view.focus == Focus::Thread
        && app.view.thread_search.as_ref().is_some_and(|s| !s.typing)
    {
        vec![
            (key(KeyContext::Found, Action::NextHit), "older hit"),
            (key(KeyContext::Found, Action::PrevHit), "newer hit"),
            (key(KeyContext::Found, Action::Back), "end search"),
            browse(Action::ToggleHelp, "help"),
        ]
    } else if app.view.filtering {
        vec![
            (key(KeyContext::Prompt, Action::Activate), "keep"),
            (key(KeyContext::Prompt, Action::Back), "clear"),
        ]
    } else {
        match app.view.focus {
            Focus::Channels => vec![
                browse(Action::Activate, "choose"),
                browse(Action::FocusNext, "next pane"),
                browse(Action::ToggleHelp, "help"),
            ],
            Focus::Conversations => vec![
                browse(Action::Activate, "open"),
                browse(Action::StartFilter, "filter"),
                browse(Action::Compose, "reply"),
                browse(Action::ToggleHelp, "help"),
            ],
            Focus::Thread if app.view.selected_message.is_some() => vec![
                browse(Action::OpenMedia, "open"),
                browse(Action::CopyMessage, "copy"),
                browse(Action::ReplyToMessage, "reply to it"),
                browse(Action::ToggleHelp, "help"),
            ],
            Focus::Thread => vec![
                browse(Action::Up, "scroll"),
                browse(Action::Compose, "reply"),
                browse(Action::ToggleHelp, "help"),
            ],
            Focus::Composer => vec![
                (key(KeyContext::Compose, Action::Activate), "send"),
                (key(KeyContext::Compose, Action::NewLine), "new line"),
                (key(KeyContext::Compose, Action::Back), "leave"),
            ],
            Focus::Insights => vec![
                browse(Action::Activate, "go to message"),
                browse(Action::NextInsightTab, "next tab"),
                browse(Action::ToggleInsights, "hide"),
                browse(Action::ToggleHelp, "help"),
            ],
        }
    }
}
