//! Responsive splits of the screen into panes. Pure geometry: which panes exist at a size and
//! where they go. Three tiers:
//! - wide (≥160 columns): channels stacked over conversations | thread + composer | insights
//!   over details (details as tall as their rows, insights the rest), each unless hidden;
//! - medium (100–159): channels stacked over conversations | thread + composer | the side
//!   column only when insights or details are toggled on;
//! - narrow (<100): a one-line channel strip on top, conversations | thread + composer (the
//!   list gives way to insights/details when those are toggled on); below 60 columns only
//!   one of the list or the thread is shown.
//!
//! The status bar is always the last row.

use ratatui::layout::Rect;

/// Where each pane goes; `None` when the size leaves no room for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Panes {
    /// The one-line channel strip of narrow screens.
    pub channel_strip: Option<Rect>,
    pub channels: Option<Rect>,
    pub conversations: Option<Rect>,
    pub thread: Option<Rect>,
    pub composer: Option<Rect>,
    pub insights: Option<Rect>,
    pub details: Option<Rect>,
    pub status: Option<Rect>,
}

/// What the split depends on besides the size.
#[derive(Clone, Copy, Debug, Default)]
pub struct LayoutInput {
    /// Rows of text in the composer (it grows with the draft).
    pub composer_lines: u16,
    /// Rows the channel list wants (entries + borders) when stacked.
    pub channel_rows: u16,
    /// Rows the details pane wants (its lines + borders).
    pub details_rows: u16,
    /// The insights and details panes asked for (`None`: as the tier has room).
    pub insights_toggled: Option<bool>,
    pub details_toggled: Option<bool>,
    /// A conversation is open (insights have something to show).
    pub conversation_open: bool,
    /// On a single-pane screen, show the thread rather than the list.
    pub prefer_thread: bool,
}

pub const WIDE: u16 = 160;
pub const MEDIUM: u16 = 100;
/// Widths of the list column and the side column.
pub const WIDE_LIST: u16 = 42;
pub const WIDE_SIDE: u16 = 44;
pub const MEDIUM_LIST: u16 = 38;
/// Below this width only one of list and thread fits.
const SINGLE: u16 = 60;
/// Most rows the composer grows to.
pub const COMPOSER_MAX_LINES: u16 = 6;

pub fn split(area: Rect, input: LayoutInput) -> Panes {
    let mut panes = Panes::default();
    if area.is_empty() {
        return panes;
    }
    let (body, status) = take_bottom(area, 1);
    panes.status = Some(status);
    if body.is_empty() {
        return panes;
    }

    if area.width >= WIDE {
        let (left, rest) = take_left(body, WIDE_LIST);
        stacked_lists(&mut panes, left, input);
        // Unasked, the insights show once there is a conversation to have them about.
        let insights = input.insights_toggled.unwrap_or(input.conversation_open);
        let details = input.details_toggled.unwrap_or(true);
        if insights || details {
            let (main, side) = take_right(rest, WIDE_SIDE);
            main_column(&mut panes, main, input);
            if insights && details {
                // Details take the rows they fill; insights, a list that scrolls, the rest.
                let rows = input.details_rows.max(3).min(side.height / 2);
                let (top, bottom) = take_bottom(side, rows);
                panes.insights = Some(top);
                panes.details = Some(bottom);
            } else {
                side_column(&mut panes, side, insights, details);
            }
        } else {
            main_column(&mut panes, rest, input);
        }
    } else if area.width >= MEDIUM {
        let (left, rest) = take_left(body, MEDIUM_LIST);
        stacked_lists(&mut panes, left, input);
        let insights = input.insights_toggled.unwrap_or(false);
        let details = input.details_toggled.unwrap_or(false);
        if insights || details {
            let (main, side_area) = take_right(rest, 36);
            main_column(&mut panes, main, input);
            side_column(&mut panes, side_area, insights, details);
        } else {
            main_column(&mut panes, rest, input);
        }
    } else {
        // The channel strip only when the screen is tall enough to spare the row.
        let body = if body.height >= 12 {
            let (strip, rest) = take_top(body, 1);
            panes.channel_strip = Some(strip);
            rest
        } else {
            body
        };
        if area.width >= SINGLE {
            let list_width = (body.width * 2 / 5).clamp(24, 36);
            let (list, main) = take_left(body, list_width);
            // Toggled insights/details take the list's place: the thread stays readable.
            let insights = input.insights_toggled.unwrap_or(false);
            let details = input.details_toggled.unwrap_or(false);
            if insights || details {
                side_column(&mut panes, list, insights, details);
            } else {
                panes.conversations = Some(list);
            }
            main_column(&mut panes, main, input);
        } else if input.prefer_thread {
            main_column(&mut panes, body, input);
        } else {
            panes.conversations = Some(body);
        }
    }
    panes
}

/// The channel list over the conversation list, the channels only as tall as their entries
/// (at most a third of the column).
fn stacked_lists(panes: &mut Panes, left: Rect, input: LayoutInput) {
    let max_channels = left.height / 3;
    let (channels, conversations) = take_top(left, input.channel_rows.min(max_channels));
    if channels.height >= 3 {
        panes.channels = Some(channels);
        panes.conversations = Some(conversations);
    } else {
        panes.conversations = Some(left);
    }
}

/// Thread over composer; the composer keeps its height unless the thread would vanish.
fn main_column(panes: &mut Panes, area: Rect, input: LayoutInput) {
    let wanted = input.composer_lines.clamp(1, COMPOSER_MAX_LINES) + 2;
    let composer = wanted
        .min(area.height.saturating_sub(3))
        .max(area.height.min(3));
    let (thread, composer_area) = take_bottom(area, composer);
    panes.thread = (!thread.is_empty()).then_some(thread);
    panes.composer = (!composer_area.is_empty()).then_some(composer_area);
}

fn side_column(panes: &mut Panes, area: Rect, insights: bool, details: bool) {
    match (insights, details) {
        (true, true) => {
            let (top, bottom) = take_top(area, area.height / 2);
            panes.insights = Some(top);
            panes.details = Some(bottom);
        }
        (true, false) => panes.insights = Some(area),
        (false, true) => panes.details = Some(area),
        (false, false) => {}
    }
}

fn take_left(area: Rect, width: u16) -> (Rect, Rect) {
    let width = width.min(area.width);
    let left = Rect { width, ..area };
    let right = Rect {
        x: area.x + width,
        width: area.width - width,
        ..area
    };
    (left, right)
}

fn take_right(area: Rect, width: u16) -> (Rect, Rect) {
    take_left(area, area.width.saturating_sub(width))
}

fn take_top(area: Rect, height: u16) -> (Rect, Rect) {
    let height = height.min(area.height);
    let top = Rect { height, ..area };
    let bottom = Rect {
        y: area.y + height,
        height: area.height - height,
        ..area
    };
    (top, bottom)
}

fn take_bottom(area: Rect, height: u16) -> (Rect, Rect) {
    take_top(area, area.height.saturating_sub(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LayoutInput {
        LayoutInput {
            composer_lines: 1,
            channel_rows: 6,
            details_rows: 10,
            conversation_open: true,
            ..LayoutInput::default()
        }
    }

    #[test]
    fn tiers_show_the_panes_that_fit() {
        let wide = split(Rect::new(0, 0, 180, 50), input());
        assert!(wide.channels.is_some() && wide.insights.is_some() && wide.details.is_some());
        // Stacked lists; details as tall as their rows, insights the rest of the side.
        assert_eq!(wide.channels.map(|r| (r.x, r.height)), Some((0, 6)));
        assert_eq!(wide.conversations.map(|r| (r.x, r.y)), Some((0, 6)));
        assert_eq!(wide.details.map(|r| r.height), Some(10));
        assert_eq!(wide.insights.map(|r| r.height), Some(39));
        // Hidden on a wide screen, the side gives its room to the thread.
        let hidden = split(
            Rect::new(0, 0, 180, 50),
            LayoutInput {
                insights_toggled: Some(false),
                details_toggled: Some(false),
                ..input()
            },
        );
        assert!(hidden.insights.is_none() && hidden.details.is_none());
        assert_eq!(hidden.thread.map(|r| r.right()), Some(180));
        let medium = split(Rect::new(0, 0, 120, 40), input());
        assert!(medium.channels.is_some() && medium.insights.is_none());
        let narrow = split(Rect::new(0, 0, 80, 24), input());
        assert!(narrow.channels.is_none() && narrow.channel_strip.is_some());
        assert!(narrow.conversations.is_some() && narrow.thread.is_some());
        assert_eq!(narrow.composer.map(|r| r.height), Some(3));
        assert_eq!(narrow.status.map(|r| r.y), Some(23));
    }

    #[test]
    fn every_size_stays_inside_the_screen() {
        for w in 0..200 {
            for h in 0..40 {
                let area = Rect::new(0, 0, w, h);
                let panes = split(area, input());
                for rect in [
                    panes.channel_strip,
                    panes.channels,
                    panes.conversations,
                    panes.thread,
                    panes.composer,
                    panes.insights,
                    panes.details,
                    panes.status,
                ]
                .into_iter()
                .flatten()
                {
                    assert_eq!(area.intersection(rect), rect, "{w}x{h}");
                }
            }
        }
    }
}
