//! The open conversation: a header (contact, channel), the messages laid out from the bottom
//! (only as many as fill the viewport plus the scroll offset, so a 10k-message thread costs
//! what the screen shows), day separators, the "new" marker, delivery marks, and the typing
//! line. Reports how far up scrolling can go once the oldest loaded message is on screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use self::anchor::{Start, anchor_of};
use super::{format, theme, wrap};
use crate::app::history::{HistoryWindow, Pin, Side};
use crate::app::inbox::ConversationEntry;
use crate::app::keys::{Action, KeyContext};
use crate::app::{App, Focus, ThreadAnchor};
use crate::model::{Content, DeliveryStatus, Direction, Message, Timestamp};

/// Messages further apart than this get their own sender line even from the same sender.
const GROUP_GAP_MINUTES: i64 = 10;

/// What the thread pane reports for [`crate::app::LayoutInfo`].
pub struct ThreadLayout {
    /// The text area inside the border.
    pub area: Rect,
    /// See [`crate::app::LayoutInfo::thread_top_scroll`].
    pub top_scroll: Option<usize>,
    /// See [`crate::app::LayoutInfo::thread_jump_scroll`].
    pub jump_scroll: Option<usize>,
    /// See [`crate::app::LayoutInfo::thread_anchor`].
    pub anchor: Option<crate::app::ThreadAnchor>,
    /// See [`crate::app::LayoutInfo::thread_loaded_above`].
    pub loaded_above: Option<usize>,
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) -> ThreadLayout {
    let focused = app.view.focus == Focus::Thread;
    let entry = app.view.open.as_ref().and_then(|key| app.inbox.get(key));
    let title = match (entry, app.view.open.as_ref()) {
        (Some(entry), Some(key)) => {
            let assignee = entry
                .info
                .work
                .as_ref()
                .and_then(|work| work.assignee.as_deref())
                .map(|id| app.team.name_of(&key.account, id, "me"));
            header(entry, assignee, area.width)
        }
        _ => Line::from(" Thread "),
    };
    let mut block = super::pane_block(title, focused);
    let window = crate::app::history::shown(app);
    if window.is_some() {
        let end = app
            .settings
            .keymap
            .label(KeyContext::Browse, Action::Bottom);
        block = block.title_bottom(
            Line::styled(
                format!(" older messages · ↓ newer below · {end} the newest "),
                theme::key_hint(),
            )
            .right_aligned(),
        );
    } else if app.view.thread_scroll > 0 && entry.is_some() {
        block =
            block.title_bottom(Line::styled(" ↓ newer below ", theme::key_hint()).right_aligned());
    }
    // The delete confirmation sits on the pane itself, where it cannot be crowded out.
    if app.view.confirm_delete.is_some() {
        let yes = app
            .settings
            .keymap
            .label(KeyContext::Confirm, Action::Confirm);
        block = block.title_bottom(
            Line::styled(
                format!(" Delete the selected message? {yes} deletes, any other key keeps it "),
                theme::error(),
            )
            .left_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let (Some(entry), Some(key)) = (entry, app.view.open.as_ref()) else {
        let hint = vec![
            Line::default(),
            Line::styled(
                format!(
                    "Select a conversation and press {}",
                    app.settings
                        .keymap
                        .label(KeyContext::Browse, Action::Activate)
                ),
                theme::muted(),
            )
            .centered(),
        ];
        frame.render_widget(Paragraph::new(hint), inner);
        return ThreadLayout {
            area: inner,
            top_scroll: None,
            jump_scroll: None,
            anchor: None,
            loaded_above: None,
        };
    };

    let mut viewport = inner;
    if let Some(search) = app.view.thread_search.as_ref().filter(|s| &s.key == key)
        && inner.height > 2
    {
        viewport.height -= 1;
        let line_area = Rect {
            y: viewport.y + viewport.height,
            height: 1,
            ..inner
        };
        frame.render_widget(
            Paragraph::new(super::search::thread_prompt(
                app,
                search,
                usize::from(inner.width),
            )),
            line_area,
        );
    }
    if let Some(typist) = app.typing.get(key)
        && inner.height > 1
    {
        viewport.height -= 1;
        let line_area = Rect {
            y: viewport.y + viewport.height,
            height: 1,
            ..inner
        };
        let text = wrap::truncate(
            &format!(" {} is typing…", typist.who),
            usize::from(inner.width),
        );
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme::typing())),
            line_area,
        );
    }

    let layout = Layouter {
        entry,
        window,
        messages: window.map_or_else(|| entry.thread.messages(), |w| &w.messages),
        now: app.now,
        zone: super::format::Zone::of(app),
        width: usize::from(viewport.width),
        unread_marker: app.view.unread_marker.as_deref(),
        selected: app.view.selected_message.as_deref(),
        highlight: app.view.highlight.as_deref(),
        failed_hint: format!(
            " · {} retries, {} discards",
            app.settings
                .keymap
                .label(KeyContext::Browse, Action::RetryFailed),
            app.settings
                .keymap
                .label(KeyContext::Browse, Action::DiscardFailed)
        ),
    };
    let height = usize::from(viewport.height);
    let jump = match (app.view.jump_pending, app.view.highlight.as_deref()) {
        (true, Some(target)) => layout.jump_scroll(height, target),
        _ => app
            .view
            .pin
            .map(|pin| layout.pin_scroll(pin, app.view.thread_scroll)),
    };
    let start = layout.start(app.view.layout.thread_anchor, app.view.thread_scroll);
    let BottomUp {
        lines,
        top_scroll,
        selected_rows,
        anchor,
        loaded_above,
    } = layout.bottom_up(height, app.view.thread_scroll, start);
    let mut scroll = match top_scroll {
        Some(top) => app.view.thread_scroll.min(top),
        None => app.view.thread_scroll,
    };
    // Keep the message cursor on screen (its rows, counted from the bottom).
    if let Some((bottom, top)) = selected_rows {
        if top > scroll + height {
            scroll = top.saturating_sub(height);
        }
        if bottom < scroll {
            scroll = bottom;
        }
    }
    // The laid-out lines run bottom-up; the screen shows `height` of them from `scroll`.
    let shown = lines
        .into_iter()
        .skip(scroll.saturating_sub(start.below))
        .take(height);
    // Bottom-aligned, as chat apps do: a short thread sits right above the composer.
    let rows = u16::try_from(shown.len()).unwrap_or(viewport.height);
    let text_area = Rect {
        y: viewport.y + viewport.height.saturating_sub(rows),
        height: rows.min(viewport.height),
        ..viewport
    };
    super::render_lines(frame, shown.rev(), text_area);
    ThreadLayout {
        area: inner,
        top_scroll,
        jump_scroll: jump.map(|(scroll, _)| scroll),
        // After a jump the next frame starts from the message jumped to, not from far below
        // it: what lies between was laid out once, here.
        anchor: jump.map(|(_, anchor)| anchor).or(anchor),
        loaded_above: Some(loaded_above),
    }
}

/// " Ada Lovelace · WhatsApp · urgent · with Maya · #vip · +44 20 7946 0000 " fitted to the
/// border: who has it, how urgent, and its labels come before the address.
fn header(entry: &ConversationEntry, assignee: Option<&str>, width: u16) -> Line<'static> {
    let info = &entry.info;
    let room = usize::from(width).saturating_sub(4);
    let name = wrap::truncate(&info.contact.name, room.saturating_sub(12).max(4));
    let mut spans = vec![
        Span::styled(format!(" {name}"), theme::title(false)),
        Span::styled(" · ", theme::muted()),
        Span::styled(
            info.channel.label().to_string(),
            theme::channel(&info.channel),
        ),
    ];
    // USSD / voice: where the session stands.
    if let Some(session) = info.metadata.get(crate::model::SESSION_METADATA) {
        spans.push(Span::styled(
            format!(" · session {session}"),
            theme::muted(),
        ));
    }
    let work = info.work.clone().unwrap_or_default();
    let mut extra: Vec<Span<'static>> = Vec::new();
    if work.priority != crate::model::Priority::None {
        extra.push(Span::styled(
            work.priority.label().to_string(),
            theme::priority(work.priority),
        ));
    }
    if let Some(name) = assignee {
        extra.push(Span::styled(
            format!("with {}", crate::text::sanitize_line(name)),
            theme::key_hint(),
        ));
    }
    for label in &work.labels {
        extra.push(Span::styled(
            format!("#{}", crate::text::sanitize_line(label)),
            theme::label(label),
        ));
    }
    for span in extra {
        let used: usize = spans.iter().map(|s| wrap::width(&s.content)).sum();
        if used + 3 + wrap::width(&span.content) > room {
            break;
        }
        spans.push(Span::styled(" · ", theme::muted()));
        spans.push(span);
    }
    let used: usize = spans.iter().map(|s| wrap::width(&s.content)).sum();
    if !info.contact.identity.is_empty() && used + 4 + wrap::width(&info.contact.identity) <= room {
        spans.push(Span::styled(" · ", theme::muted()));
        spans.push(Span::styled(info.contact.identity.clone(), theme::muted()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// What laying out the thread from its start upwards gave.
struct BottomUp {
    /// Lines bottom-up, from `Start::below` up.
    lines: Vec<Line<'static>>,
    /// The top scroll offset, when the oldest loaded message was reached.
    top_scroll: Option<usize>,
    /// The selected message's rows (bottom, top), counted from the newest line.
    selected_rows: Option<(usize, usize)>,
    /// The anchor for the next frame.
    anchor: Option<crate::app::ThreadAnchor>,
    /// Loaded messages above the highest one laid out.
    loaded_above: usize,
}

/// Turns messages into display lines for one width.
struct Layouter<'a> {
    entry: &'a ConversationEntry,
    /// The window on the thread's history shown instead of the thread, if any.
    window: Option<&'a HistoryWindow>,
    /// What is laid out: the window's messages, or the thread's.
    messages: &'a [Message],
    now: Timestamp,
    zone: super::format::Zone,
    width: usize,
    unread_marker: Option<&'a str>,
    /// The message under the cursor, drawn highlighted.
    selected: Option<&'a str>,
    /// The message an insight jumped to.
    highlight: Option<&'a str>,
    /// What a failed reply's reason ends with: the keys that retry and drop it.
    failed_hint: String,
}

impl Layouter<'_> {
    /// The scroll that brings message `target` into view (centred when it fits), counting
    /// lines from the newest message up to it.
    fn jump_scroll(&self, height: usize, target: &str) -> Option<(usize, ThreadAnchor)> {
        let (index, below, block) = self.lines_below(|m| m.id == target)?;
        let scroll = if block >= height {
            below + block - height
        } else {
            (below + block / 2).saturating_sub(height / 2)
        };
        Some((scroll, anchor_of(&self.messages[index], below)))
    }

    /// The scroll that keeps a pinned message where it was on screen. One not laid out any
    /// more keeps the scroll as it is (the pin is then dropped).
    fn pin_scroll(&self, pin: Pin, scroll: usize) -> (usize, ThreadAnchor) {
        let pinned = |m: &Message| pin.message.is(m);
        match self.lines_below(pinned) {
            Some((index, below, _)) => (
                below.saturating_add_signed(pin.offset),
                anchor_of(&self.messages[index], below),
            ),
            None => (scroll, pin.message),
        }
    }

    /// The first message from the newest down that `found` accepts: its index, the lines
    /// below its bottom line and its own lines.
    fn lines_below(&self, found: impl Fn(&Message) -> bool) -> Option<(usize, usize, usize)> {
        let messages = self.messages;
        let mut below = 0;
        for index in (0..messages.len()).rev() {
            let block = self.message(messages, index).len();
            if found(&messages[index]) {
                return Some((index, below, block));
            }
            below += block;
        }
        None
    }

    /// Message `id`, if it is among those laid out.
    fn find(&self, id: &str) -> Option<&Message> {
        match self.window {
            Some(window) => window.get(id),
            None => self.entry.thread.get(id),
        }
    }

    /// Lines from the newest upwards until a viewport of `height` scrolled up by `scroll` is
    /// filled. Returns them bottom-up, and the top scroll offset when the oldest loaded
    /// message (and the history line above it) was reached.
    /// Also returns the rows (bottom, top) of the selected message, laid out even when it is
    /// above the scrolled viewport so the caller can bring it into view.
    fn bottom_up(&self, height: usize, scroll: usize, start: Start) -> BottomUp {
        let Start { end, below } = start;
        let needed = height.saturating_add(scroll).saturating_sub(below);
        let messages = self.messages;
        let mut pending_selection = self.selected.filter(|id| self.find(id).is_some());
        let mut selected_rows = None;
        let mut anchor = None;
        let mut lines = Vec::new();
        let mut index = end;
        while index > 0 && (lines.len() < needed || pending_selection.is_some()) {
            index -= 1;
            let block = self.message(messages, index);
            let bottom = lines.len();
            // The highest message whose bottom is at or below the viewport's bottom.
            if below + bottom <= scroll {
                anchor = Some(anchor_of(&messages[index], below + bottom));
            }
            lines.extend(block.into_iter().rev());
            if pending_selection == Some(messages[index].id.as_str()) {
                pending_selection = None;
                selected_rows = Some((below + bottom, below + lines.len()));
            }
        }
        let mut top_scroll = None;
        if index == 0 {
            lines.push(self.history_line());
            top_scroll = Some((below + lines.len()).saturating_sub(height));
        }
        BottomUp {
            lines,
            top_scroll,
            selected_rows,
            anchor,
            loaded_above: index,
        }
    }

    fn history_line(&self) -> Line<'static> {
        let text = match self.window {
            Some(window) if window.fetching.is_some() && window.messages.is_empty() => "loading…",
            Some(window) if matches!(window.fetching, Some((Side::Older, _))) => "loading older…",
            Some(window) if window.older_more => "↑ older messages",
            Some(_) if self.entry.history_complete => "beginning of conversation",
            Some(_) => "beginning of what this machine has stored",
            None if self.entry.fetching_older => "loading older…",
            None if self.entry.history_complete && !self.entry.older_cached => {
                "beginning of conversation"
            }
            None => "↑ older messages",
        };
        Line::styled(wrap::truncate(text, self.width), theme::muted()).centered()
    }

    /// The lines of message `index`, top-down, with what precedes it (day separator, "new"
    /// marker, sender line).
    fn message(&self, messages: &[Message], index: usize) -> Vec<Line<'static>> {
        let message = &messages[index];
        let previous = index.checked_sub(1).and_then(|i| messages.get(i));
        let mut lines = Vec::new();

        let new_day = previous.is_none_or(|p| p.at.date() != message.at.date());
        if new_day {
            lines.push(Line::default());
            lines.push(self.rule(
                &format::day(message.at, self.now, self.zone),
                theme::muted(),
            ));
        }
        let marker = self.unread_marker == Some(message.id.as_str());
        if marker {
            lines.push(self.rule("new", theme::unread_marker()));
        }
        let grouped = previous.is_some_and(|p| {
            p.direction == message.direction
                && p.sender == message.sender
                && (message.at - p.at).whole_minutes() < GROUP_GAP_MINUTES
        });
        if new_day || marker || !grouped {
            if !new_day && !marker {
                lines.push(Line::default());
            }
            let style = match message.direction {
                Direction::Inbound => theme::inbound_sender(),
                Direction::Outbound => theme::outbound_sender(),
                Direction::Note => theme::note(),
            };
            // Indented by the bubble's padding so names line up with the text.
            let name = wrap::truncate(&message.sender, self.width.saturating_sub(2));
            let name = match message.direction {
                Direction::Inbound => format!(" {name}"),
                Direction::Outbound => format!("{name} "),
                Direction::Note => format!("Private note · {name} "),
            };
            lines.push(self.align(message.direction, vec![Span::styled(name, style)]));
        }
        lines.extend(self.body(message));
        lines
    }

    /// A bubble of wrapped text with the time (and delivery mark) at the bottom right,
    /// WhatsApp style; a failed reply gets its reason underneath.
    fn body(&self, message: &Message) -> Vec<Line<'static>> {
        // Bubbles leave a quarter of the pane free so the two sides read apart; one cell of
        // padding on each side inside the bubble.
        let bubble = if self.width >= 40 {
            self.width * 3 / 4
        } else {
            self.width
        };
        let text_width = bubble.saturating_sub(2).max(1);
        let text = match &message.content {
            Content::Text(text) => text.clone(),
            other => other.preview(),
        };
        let mut suffix = vec![Span::styled(
            format!(" {}", format::clock(message.at, self.zone)),
            theme::muted(),
        )];
        if message.direction == Direction::Outbound {
            let mark = match message.status {
                DeliveryStatus::Pending => "…",
                DeliveryStatus::Sent => "✓",
                DeliveryStatus::Delivered | DeliveryStatus::Read => "✓✓",
                DeliveryStatus::Failed => "✗",
            };
            suffix.push(Span::styled(
                format!(" {mark}"),
                theme::delivery(message.status),
            ));
        }
        let suffix_width: usize = suffix.iter().map(|s| wrap::width(&s.content)).sum();

        let (wrapped, quoted) = wrap_quoting(&text, text_width);
        let widest = wrapped.iter().map(|l| wrap::width(l)).max().unwrap_or(0);
        let last_width = wrapped.last().map_or(0, |l| wrap::width(l));
        let fits = last_width + suffix_width <= text_width;
        let inner_width = if fits {
            widest.max(last_width + suffix_width)
        } else {
            widest.max(suffix_width)
        }
        .min(text_width);

        let mut rows: Vec<Vec<Span<'static>>> = wrapped
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let style = if i < quoted {
                    theme::muted().add_modifier(ratatui::style::Modifier::ITALIC)
                } else {
                    theme::text()
                };
                vec![Span::styled(l, style)]
            })
            .collect();
        if !fits {
            rows.push(Vec::new());
        }
        // The time goes to the bubble's right edge.
        if let Some(last) = rows.last_mut() {
            let used: usize = last.iter().map(|s| wrap::width(&s.content)).sum();
            let gap = inner_width.saturating_sub(used + suffix_width);
            last.push(Span::raw(" ".repeat(gap)));
            last.extend(suffix);
        }
        let highlighted = self.highlight == Some(message.id.as_str());
        let mut bubble_style = if highlighted {
            theme::bubble(message.direction).patch(theme::selected(true))
        } else {
            theme::bubble(message.direction)
        };
        if self.selected == Some(message.id.as_str()) {
            bubble_style = bubble_style.add_modifier(ratatui::style::Modifier::REVERSED);
        }
        let mut out: Vec<Line<'static>> = rows
            .into_iter()
            .map(|mut spans| {
                let used: usize = spans.iter().map(|s| wrap::width(&s.content)).sum();
                // A bar marks the message an insight jumped to.
                spans.insert(0, Span::raw(if highlighted { "▌" } else { " " }));
                spans.push(Span::raw(" ".repeat(inner_width.saturating_sub(used) + 1)));
                let spans = spans
                    .into_iter()
                    .map(|s| {
                        let style = bubble_style.patch(s.style);
                        s.style(style)
                    })
                    .collect();
                self.align_block(message.direction, spans, inner_width + 2)
            })
            .collect();
        if message.status == DeliveryStatus::Failed {
            let reason = message.failure.as_deref().unwrap_or("not delivered");
            let failed = format!("✗ {reason}{}", self.failed_hint);
            for line in wrap::wrap(&failed, text_width) {
                // Padded like the bubble's text so the reason lines up under it.
                let line = format!(" {line} ");
                out.push(self.align(message.direction, vec![Span::styled(line, theme::error())]));
            }
        } else if message.status == DeliveryStatus::Pending
            && let Some(note) = message.failure.as_deref()
        {
            // The outbox's note on a reply it is still retrying.
            for line in wrap::wrap(&format!("↻ {note}"), text_width) {
                let line = format!(" {line} ");
                out.push(self.align(message.direction, vec![Span::styled(line, theme::muted())]));
            }
        }
        out
    }

    /// Outbound lines sit at the right edge; inbound at the left.
    fn align(&self, direction: Direction, spans: Vec<Span<'static>>) -> Line<'static> {
        let used: usize = spans.iter().map(|s| wrap::width(&s.content)).sum();
        self.align_block(direction, spans, used)
    }

    /// Aligns a line that belongs to a block `block_width` wide (so wrapped outbound text keeps
    /// a straight left edge while the block hugs the right border).
    fn align_block(
        &self,
        direction: Direction,
        spans: Vec<Span<'static>>,
        block_width: usize,
    ) -> Line<'static> {
        match direction {
            Direction::Inbound => Line::from(spans),
            Direction::Outbound | Direction::Note => {
                let indent = self.width.saturating_sub(block_width);
                let mut all = vec![Span::raw(" ".repeat(indent))];
                all.extend(spans);
                Line::from(all)
            }
        }
    }

    /// "──── Today ────" across the pane.
    fn rule(&self, label: &str, style: Style) -> Line<'static> {
        let label = wrap::truncate(&format!(" {label} "), self.width);
        let rest = self.width.saturating_sub(wrap::width(&label));
        let left = rest / 2;
        Line::styled(
            format!("{}{label}{}", "─".repeat(left), "─".repeat(rest - left)),
            style,
        )
    }
}

#[path = "thread_anchor.rs"]
mod anchor;

/// A message's wrapped lines, and how many of the first ones quote the message it answers
/// (leading lines starting with `> `, as a reply to a message begins).
fn wrap_quoting(text: &str, width: usize) -> (Vec<String>, usize) {
    let quote_lines = text
        .lines()
        .take_while(|line| line.starts_with("> "))
        .count();
    if quote_lines == 0 {
        return (wrap::wrap(text, width), 0);
    }
    let mut lines: Vec<&str> = text.lines().collect();
    let rest = lines.split_off(quote_lines).join("\n");
    let mut wrapped = wrap::wrap(&lines.join("\n"), width);
    let quoted = wrapped.len();
    wrapped.extend(wrap::wrap(&rest, width));
    (wrapped, quoted)
}
