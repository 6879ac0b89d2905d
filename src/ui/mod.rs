//! Pure views drawing `&App` with ratatui.
//!
//! The contract: [`draw`] reads the app and draws one frame; it never mutates the app, never
//! does IO and never reads the clock (relative times use `app.now`). It returns the
//! [`LayoutInfo`] of the frame, which the runtime feeds back as `Event::Layout` so that mouse
//! hit-testing and paging are decided in the reducer.
//!
//! One file per pane (`channels`, `conversations`, `thread`, `composer`, `insights`, `details`,
//! `status`, `help`) and per overlay (`palette`, `search`, `contacts`, `links`, `snooze`,
//! `workflow`), plus `painter` (the runtime's frames, reusing what lies under the palette),
//! `layout` (responsive splits), `thread_anchor` (where the bottom-up thread starts), `theme`
//! (the palette of styles), `wrap` (text by display width) and `format` (times).

mod channels;
mod composer;
mod contacts;
mod conversations;
mod details;
pub mod format;
mod help;
mod insights;
pub mod layout;
mod links;
mod painter;
mod palette;
mod search;
mod snooze;
mod status;
pub mod theme;
mod thread;
mod workflow;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Widget};

use self::layout::LayoutInput;
pub use self::painter::Painter;
use crate::app::{App, Focus, LayoutInfo, Rect as AppRect};

/// A `width`×`height` box in the middle of `area` (where the overlays go).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A picker overlay `width` wide, centred, as tall as its lines (a hint line last).
fn overlay(frame: &mut Frame, area: Rect, width: u16, title: String, lines: Vec<Line>) {
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(area.height)
        .min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(ratatui::widgets::Clear, rect);
    let block = pane_block(title, true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(ratatui::widgets::Paragraph::new(lines), inner);
}

/// Draws the whole screen and reports what was laid out.
pub fn draw(frame: &mut Frame, app: &App) -> LayoutInfo {
    let mut info = draw_backdrop(frame, app);
    draw_overlays(frame, app, &mut info);
    info
}

/// The panes, and the overlays drawn under the palette.
pub(super) fn draw_backdrop(frame: &mut Frame, app: &App) -> LayoutInfo {
    let area = frame.area();
    let panes = layout::split(area, layout_input(app, area.width));
    let mut info = LayoutInfo {
        conversation_rows: conversations::ROWS,
        ..LayoutInfo::default()
    };

    if let Some(strip) = panes.channel_strip {
        channels::draw_strip(frame, app, strip);
    }
    if let Some(rect) = panes.channels {
        info.channels = app_rect(channels::draw(frame, app, rect));
    }
    if let Some(rect) = panes.conversations {
        info.conversations = app_rect(conversations::draw(frame, app, rect));
    }
    if let Some(rect) = panes.thread {
        let thread = thread::draw(frame, app, rect);
        info.thread = app_rect(thread.area);
        info.thread_top_scroll = thread.top_scroll;
        info.thread_jump_scroll = thread.jump_scroll;
        info.thread_anchor = thread.anchor;
        info.thread_loaded_above = thread.loaded_above;
    }
    if let Some(rect) = panes.composer {
        composer::draw(frame, app, rect);
        info.composer = app_rect(rect);
    }
    if let Some(rect) = panes.insights {
        insights::draw(frame, app, rect);
        info.insights = Some(app_rect(rect));
    }
    if let Some(rect) = panes.details {
        details::draw(frame, app, rect);
        info.details = true;
    }
    if let Some(rect) = panes.status {
        status::draw(frame, app, rect);
    }
    if let Some(picker) = &app.view.contact_picker
        && area.width >= 20
        && area.height >= 6
    {
        contacts::draw(frame, picker, area, &app.settings.keymap);
    }
    info
}

/// The palette and the overlays over it.
pub(super) fn draw_overlays(frame: &mut Frame, app: &App, info: &mut LayoutInfo) {
    let area = frame.area();
    if let Some(palette) = &app.view.palette
        && area.width >= 20
        && area.height >= 6
    {
        palette::draw(frame, palette, area);
    }
    if let Some(search) = &app.view.search
        && area.width >= 20
        && area.height >= 6
    {
        search::draw(frame, app, search, area);
    }
    if let Some(picker) = &app.view.link_picker
        && area.width >= 20
        && area.height >= 6
    {
        links::draw(frame, picker, area, &app.settings.keymap);
    }
    if let Some(picker) = &app.view.status_picker
        && area.width >= 20
        && area.height >= 6
    {
        snooze::draw(frame, app, picker, area);
    }
    if let Some(picker) = &app.view.work_picker
        && area.width >= 20
        && area.height >= 6
    {
        workflow::draw(frame, app, picker, area);
    }
    if app.view.help && area.width >= 20 && area.height >= 5 {
        info.help_last_scroll = Some(help::draw(frame, app, area));
    }
}

/// What the split needs to know from the app.
fn layout_input(app: &App, width: u16) -> LayoutInput {
    // The composer's text width depends on the column it lands in; the thread column's width
    // is close enough to size its height (at worst one row off for a moment).
    let text_width = match width {
        w if w >= layout::WIDE => w.saturating_sub(layout::WIDE_LIST + layout::WIDE_SIDE + 2),
        w if w >= layout::MEDIUM => w.saturating_sub(layout::MEDIUM_LIST + 2),
        w => w.saturating_sub(w * 2 / 5 + 2),
    };
    LayoutInput {
        composer_lines: composer::rows(app, text_width.max(1)),
        channel_rows: u16::try_from(app.view.channels.len() + 2).unwrap_or(u16::MAX),
        details_rows: details::rows(app).saturating_add(2),
        insights_toggled: app.view.insights_visible,
        conversation_open: app.view.open.is_some(),
        details_toggled: app.view.details_visible,
        prefer_thread: app.view.open.is_some()
            && matches!(app.view.focus, Focus::Thread | Focus::Composer),
    }
}

/// Draws `lines` one to a row from the top of `area`, each cut to the width. The views wrap
/// and fit their text themselves, so a `Paragraph` (whose reflow walks every grapheme of every
/// line again) did the work twice: it was two thirds of our share of a frame.
fn render_lines<'a>(frame: &mut Frame, lines: impl IntoIterator<Item = Line<'a>>, area: Rect) {
    let buffer = frame.buffer_mut();
    for (line, y) in lines.into_iter().zip(area.top()..area.bottom()) {
        line.render(
            Rect {
                y,
                height: 1,
                ..area
            },
            buffer,
        );
    }
}

/// A bordered pane with its title; the focused one stands out.
fn pane_block<'a>(title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme::border(focused))
        .title(title.into().style(theme::title(focused)))
}

fn app_rect(rect: Rect) -> AppRect {
    AppRect {
        x: rect.x,
        y: rect.y,
        width: rect.width,
        height: rect.height,
    }
}
