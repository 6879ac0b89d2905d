//! The search over every message (Ctrl+F): the query, a line on how it was read, then each hit
//! as its conversation, channel and time over the text around the match, the matched words in
//! the accent; after the hits, the contacts the platforms found, marked remote.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::format::{self, Zone};
use super::{theme, wrap};
use crate::app::App;
use crate::app::keys::{Action, KeyContext};
use crate::app::search::{SearchState, ThreadSearch};
use crate::app::search_remote::RemoteContact;
use crate::contract::search::{SearchHit, snippet_runs};
use crate::model::Direction;
use crate::text::sanitize_line;

pub fn draw(frame: &mut Frame, app: &App, state: &SearchState, area: Rect) {
    let width = area.width.saturating_sub(4).min(100);
    let room = usize::from(width.saturating_sub(2));
    // Two lines a hit; the query and the line under it take two more.
    let shown = usize::from(area.height.saturating_sub(6) / 2).clamp(1, 10);
    let first = state.selected.saturating_sub(shown.saturating_sub(1));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("› ", theme::key_hint()),
            Span::styled(
                wrap::truncate(&sanitize_line(&state.input), room.saturating_sub(3)),
                theme::bold(),
            ),
            Span::styled("▏", theme::key_hint()),
        ]),
        Line::styled(
            wrap::truncate(&summary(app, state), room),
            if state.error.is_some() {
                theme::error()
            } else {
                theme::muted()
            },
        ),
    ];
    if !state.notes.is_empty() {
        let notes: Vec<String> = state.notes.iter().map(|n| sanitize_line(n)).collect();
        lines.push(Line::styled(
            wrap::truncate(&format!(" {}", notes.join(" · ")), room),
            theme::warning(),
        ));
    }
    let zone = Zone::of(app);
    for index in (first..state.rows()).take(shown) {
        let selected = index == state.selected;
        match index.checked_sub(state.hits.len()) {
            None => lines.extend(hit_lines(app, &state.hits[index], zone, room, selected)),
            Some(at) => lines.extend(remote_lines(
                app,
                &state.remote.contacts[at],
                room,
                selected,
            )),
        }
    }
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(area.height)
        .min(area.height);
    let overlay = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    };
    frame.render_widget(Clear, overlay);
    let block = super::pane_block(" Search every message ".to_string(), true);
    let inner = block.inner(overlay);
    frame.render_widget(block, overlay);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How the query was read and what came of it.
fn summary(app: &App, state: &SearchState) -> String {
    if let Some(error) = &state.error {
        return format!(" {}", sanitize_line(error));
    }
    let mut parts = Vec::new();
    if state.input.trim().is_empty() {
        parts.push(
            "words, refu*, \"a phrase\", -left-out, from:customer|agent, channel:, account:, \
             status:, is:unread|mine, label:, priority:, after:/before:YYYY-MM-DD"
                .to_string(),
        );
    } else if state.waiting && state.hits.is_empty() {
        parts.push("searching…".to_string());
    } else if state.hits.is_empty() {
        parts.push("no message matches".to_string());
    } else {
        let more = if state.hits.len() >= crate::app::search::RESULTS {
            "+"
        } else {
            ""
        };
        let count = state.hits.len();
        let hits = if count == 1 { "hit" } else { "hits" };
        parts.push(format!("{count}{more} {hits}, newest first · Enter opens"));
    }
    parts.extend(remote_summary(app, state));
    if let Some((done, total)) = app.status.indexing {
        parts.push(format!(
            "indexing ({}%): some messages are not found yet",
            done * 100 / total.max(1)
        ));
    }
    format!(" {}", parts.join(" · "))
}

/// What the platforms were asked and found.
fn remote_summary(app: &App, state: &SearchState) -> Option<String> {
    let remote = &state.remote;
    if remote.due {
        return Some("contacts: when you pause".to_string());
    }
    if !remote.waiting.is_empty() {
        let mut platforms: Vec<&str> = remote
            .waiting
            .iter()
            .map(|account| app.status.actions(account).platform)
            .collect();
        platforms.sort_unstable();
        platforms.dedup();
        return Some(format!("asking {}…", platforms.join(", ")));
    }
    match remote.contacts.len() {
        0 => None,
        1 => Some("1 contact on the platforms".to_string()),
        count => Some(format!("{count} contacts on the platforms")),
    }
}

/// " Name · remote contact · platform" over "   how to reach them".
fn remote_lines(
    app: &App,
    contact: &RemoteContact,
    room: usize,
    selected: bool,
) -> [Line<'static>; 2] {
    let base = if selected {
        theme::selected(true)
    } else {
        theme::text()
    };
    let name = sanitize_line(&contact.card.name);
    let mut detail = format!(
        "remote · contact on {}",
        app.status.actions(&contact.account).platform
    );
    if app.view.several_accounts {
        detail = format!("{detail} · {}", contact.account);
    }
    let head = head_line(&name, &detail, room, base, base.patch(theme::key_hint()));
    let card = &contact.card;
    let mut reach: Vec<String> = card
        .identifiers
        .iter()
        .map(|id| format!("{} {}", id.channel.label(), sanitize_line(&id.identifier)))
        .collect();
    if reach.is_empty() {
        reach.extend(
            card.phone
                .iter()
                .chain(&card.email)
                .map(|s| sanitize_line(s)),
        );
    }
    let reach = format!("   {}", reach.join(" · "));
    let reach = wrap::truncate(&reach, room);
    let pad = " ".repeat(room.saturating_sub(wrap::width(&reach)));
    let under = Line::from(vec![
        Span::styled(reach, base.patch(theme::muted())),
        Span::styled(pad, base),
    ]);
    [head, under]
}

/// " Name · channel · when · who" over "   …text around the match…".
fn hit_lines(
    app: &App,
    hit: &SearchHit,
    zone: Zone,
    room: usize,
    selected: bool,
) -> [Line<'static>; 2] {
    let base = if selected {
        theme::selected(true)
    } else {
        theme::text()
    };
    let (name, channel) = match app.inbox.get(&hit.key) {
        Some(entry) => (
            sanitize_line(&entry.info.contact.name),
            entry.info.channel.label().to_string(),
        ),
        None => (sanitize_line(&hit.key.id), String::new()),
    };
    let who = match hit.direction {
        Direction::Inbound => "customer".to_string(),
        Direction::Outbound => sanitize_line(&hit.sender),
        Direction::Note => format!("note · {}", sanitize_line(&hit.sender)),
    };
    let when = format::relative(hit.at, app.now, zone);
    let mut detail = format!("{channel} · {when} · {who}");
    if app.view.several_accounts {
        detail = format!("{detail} · {}", hit.key.account);
    }
    let head = head_line(&name, &detail, room, base, base.patch(theme::muted()));
    [head, snippet_line(&hit.snippet, room, base)]
}

/// " Name" in bold on the left and the detail on the right, in `room` columns: the detail
/// takes at most half, the name what is left.
fn head_line(
    name: &str,
    detail: &str,
    room: usize,
    base: Style,
    detail_style: Style,
) -> Line<'static> {
    let detail_width = wrap::width(detail).min(room / 2);
    let name = wrap::truncate(name, room.saturating_sub(detail_width + 3));
    let gap = room.saturating_sub(1 + wrap::width(&name) + detail_width);
    Line::from(vec![
        Span::styled(format!(" {name}"), base.add_modifier(Modifier::BOLD)),
        Span::styled(" ".repeat(gap), base),
        Span::styled(wrap::truncate(detail, detail_width), detail_style),
    ])
}

/// The snippet on one line, its matched runs in the accent, cut to `room`.
fn snippet_line(snippet: &str, room: usize, base: Style) -> Line<'static> {
    let mut spans = vec![Span::styled("   ", base)];
    let mut left = room.saturating_sub(3);
    // The store made it safe already; a view never takes that on trust.
    let mut runs: Vec<(String, bool)> = snippet_runs(snippet)
        .into_iter()
        .map(|(text, matched)| (sanitize_line(text), matched))
        .collect();
    // A long lead-in would push the match out of a narrow pane: it keeps its last words.
    let whole: usize = runs.iter().map(|(text, _)| wrap::width(text)).sum();
    if let [(lead, false), (_, true), ..] = runs.as_mut_slice() {
        let keep = left / 3;
        if whole > left && wrap::width(lead) > keep {
            *lead = format!("…{}", tail_within(lead, keep.saturating_sub(1)));
        }
    }
    for (text, matched) in runs {
        if left == 0 {
            break;
        }
        let text = wrap::truncate(&text, left);
        left = left.saturating_sub(wrap::width(&text));
        let style = if matched {
            base.patch(theme::key_hint()).add_modifier(Modifier::BOLD)
        } else {
            base.patch(theme::muted())
        };
        spans.push(Span::styled(text, style));
    }
    let used = room - left;
    spans.push(Span::styled(" ".repeat(room.saturating_sub(used)), base));
    Line::from(spans)
}

/// The line under a thread being searched: the prompt while typing, then where in the hits
/// the thread is and the keys that walk them.
pub fn thread_prompt(app: &App, search: &ThreadSearch, width: usize) -> Line<'static> {
    let query = sanitize_line(&search.input);
    if search.typing {
        return Line::from(vec![
            Span::styled(" / ", theme::key_hint()),
            Span::styled(
                wrap::truncate(&query, width.saturating_sub(5)),
                theme::bold(),
            ),
            Span::styled("▏", theme::key_hint()),
        ]);
    }
    let keys = &app.settings.keymap;
    let position = match (search.current, search.waiting) {
        (_, true) => "searching…".to_string(),
        (Some(current), false) => format!(
            "{} of {}{}",
            search.hits.len() - current,
            search.hits.len(),
            if search.hits.len() >= crate::app::search::THREAD_HITS {
                "+"
            } else {
                ""
            }
        ),
        (None, false) => String::new(),
    };
    let hint = format!(
        " · {} older · {} newer · {} ends",
        keys.label(KeyContext::Found, Action::NextHit),
        keys.label(KeyContext::Found, Action::PrevHit),
        keys.label(KeyContext::Found, Action::Back),
    );
    let head = format!(" “{query}” {position}");
    let head = wrap::truncate(&head, width);
    let hint = wrap::truncate(&hint, width.saturating_sub(wrap::width(&head)));
    Line::from(vec![
        Span::styled(head, theme::key_hint()),
        Span::styled(hint, theme::muted()),
    ])
}

/// The end of `text` that fits in `room` columns, from a word start where there is one.
fn tail_within(text: &str, room: usize) -> String {
    let mut start = text.len();
    for (at, _) in text.char_indices().rev() {
        if wrap::width(&text[at..]) > room {
            break;
        }
        start = at;
    }
    let tail = &text[start..];
    match tail.find(' ') {
        Some(space) if space + 1 < tail.len() && start > 0 => tail[space + 1..].to_string(),
        _ => tail.to_string(),
    }
}
