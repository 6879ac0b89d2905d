//! The reply box: the draft hard-wrapped to the box (so the cursor maps to one cell), growing
//! with its lines up to a cap and then scrolling to keep the cursor in view; a placeholder
//! when empty; the terminal cursor placed when it has the focus.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{theme, wrap};
use crate::app::keys::{Action, KeyContext};
use crate::app::{App, Focus};
use unicode_segmentation::UnicodeSegmentation;

/// Rows the draft needs at a text width (at least one), for the layout to size the box.
pub fn rows(app: &App, width: u16) -> u16 {
    let (rows, _) = visual_rows(app.view.composer.text(), app.view.composer.cursor(), width);
    u16::try_from(rows.len()).unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.view.focus == Focus::Composer;
    let title = match app.view.open.as_ref().and_then(|key| app.inbox.get(key)) {
        Some(entry) => {
            let session = entry.info.metadata.get(crate::model::SESSION_METADATA);
            let map = &app.settings.keymap;
            let keys = (
                map.label(KeyContext::Compose, Action::ToggleEndSession),
                map.label(KeyContext::Compose, Action::CycleWaitFor),
            );
            match app.view.reply_options.describe(
                &entry.info.channel,
                session.map(String::as_str),
                (&keys.0, &keys.1),
            ) {
                Some(note) => format!(" Reply to {} · {note} ", entry.info.contact.name),
                None => format!(" Reply to {} ", entry.info.contact.name),
            }
        }
        None => " Reply ".to_string(),
    };
    let title = match &app.view.replying_to {
        Some((key, quote)) if app.view.open.as_ref() == Some(key) => {
            format!("{} · answering “{quote}” ", title.trim_end())
        }
        _ => title,
    };
    let title = if crate::app::assist::reply_arriving(app) {
        format!(
            "{} · AI suggestion arriving, {} stops ",
            title.trim_end(),
            app.settings.keymap.label(KeyContext::Compose, Action::Back)
        )
    } else if crate::app::assist::reply_incomplete(app) {
        format!(
            "{} · AI suggestion stopped midway: read before sending ",
            title.trim_end()
        )
    } else {
        title
    };
    let noting = app.view.noting && app.view.open.is_some();
    let title = if noting {
        let name = app
            .view
            .open
            .as_ref()
            .and_then(|key| app.inbox.get(key))
            .map_or("", |entry| entry.info.contact.name.as_str());
        // Where the platform keeps a team's notes the team sees it; elsewhere this machine.
        let shared = app
            .view
            .open
            .as_ref()
            .is_some_and(|key| app.status.actions(&key.account).workflow);
        let kept = if shared {
            "for the team"
        } else {
            "kept on this machine"
        };
        format!(
            " PRIVATE NOTE · {} reply · never sent to {name}, {kept} ",
            app.settings
                .keymap
                .label(KeyContext::Compose, Action::ToggleNote)
        )
    } else {
        title
    };
    let title = wrap::truncate(&title, usize::from(area.width.saturating_sub(2)));
    let mut block = super::pane_block(title, focused);
    if noting {
        // Unmistakable: the note's colour on the border and the title, whatever the focus.
        block = block.border_style(theme::note()).title_style(theme::note());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }

    let composer = &app.view.composer;
    if composer.text().is_empty() {
        let hint = if app.view.open.is_none() {
            "Open a conversation to reply".to_string()
        } else if focused && app.view.noting {
            "Write a private note…".to_string()
        } else if focused {
            "Write a reply…".to_string()
        } else {
            let key = app
                .settings
                .keymap
                .label(KeyContext::Browse, Action::Compose);
            format!("Press {key} to reply")
        };
        let hint = wrap::truncate(&hint, usize::from(inner.width));
        frame.render_widget(Paragraph::new(Line::styled(hint, theme::muted())), inner);
        if focused {
            frame.set_cursor_position(Position::new(inner.x, inner.y));
        }
        return;
    }

    let (rows, (cursor_row, cursor_col)) =
        visual_rows(composer.text(), composer.cursor(), inner.width);
    let height = usize::from(inner.height);
    // Keep the cursor's row in view when the draft is taller than the box.
    let first = (cursor_row + 1).saturating_sub(height);
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(first)
        .take(height)
        .map(Line::from)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if focused {
        let row = u16::try_from(cursor_row - first).unwrap_or(0);
        let col = u16::try_from(cursor_col).unwrap_or(0);
        let x = inner.x + col.min(inner.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y + row.min(inner.height - 1)));
    }
}

/// Splits the draft into rows of at most `width` cells (breaking between grapheme clusters,
/// newlines start a row) and finds the cursor's (row, column) for a byte offset. A cursor
/// inside a cluster (between a letter and its accent) is shown at the cluster's start.
fn visual_rows(text: &str, cursor: usize, width: u16) -> (Vec<String>, (usize, usize)) {
    let width = usize::from(width).max(1);
    let mut rows = vec![String::new()];
    let mut col = 0;
    let mut at_cursor = (0, 0);
    for (offset, cluster) in text.grapheme_indices(true) {
        let here = (offset..offset + cluster.len()).contains(&cursor);
        if here {
            at_cursor = (rows.len() - 1, col);
        }
        if cluster == "\n" || cluster == "\r\n" {
            rows.push(String::new());
            col = 0;
            continue;
        }
        let w = wrap::cluster_width(cluster);
        if col + w > width && col > 0 {
            rows.push(String::new());
            col = 0;
            if here {
                at_cursor = (rows.len() - 1, 0);
            }
        }
        if let Some(row) = rows.last_mut() {
            row.push_str(cluster);
        }
        col += w;
    }
    if cursor >= text.len() {
        // A cursor at a full row's end goes to the start of the next one.
        if col >= width {
            rows.push(String::new());
            col = 0;
        }
        at_cursor = (rows.len() - 1, col);
    }
    (rows, at_cursor)
}

#[cfg(test)]
mod tests {
    use super::visual_rows;

    #[test]
    fn cursor_maps_to_rows_and_cells() {
        assert_eq!(visual_rows("", 0, 10), (vec![String::new()], (0, 0)));
        let (rows, cursor) = visual_rows("ab\ncd", 5, 10);
        assert_eq!(rows, ["ab", "cd"]);
        assert_eq!(cursor, (1, 2));
        let (rows, cursor) = visual_rows("你好世界", 6, 5);
        assert_eq!(rows, ["你好", "世界"]);
        assert_eq!(cursor, (1, 0));
        let (rows, cursor) = visual_rows("abcd", 4, 4);
        assert_eq!(rows, ["abcd", ""]);
        assert_eq!(cursor, (1, 0));
    }

    #[test]
    fn emoji_and_flags_take_their_cells_and_stay_whole() {
        let hearts = "\u{2764}\u{fe0f}".repeat(3);
        let (rows, cursor) = visual_rows(&hearts, hearts.len(), 4);
        assert_eq!(
            rows,
            ["\u{2764}\u{fe0f}\u{2764}\u{fe0f}", "\u{2764}\u{fe0f}"]
        );
        assert_eq!(cursor, (1, 2));
        let (rows, _) = visual_rows("🇺🇸🇷🇺", 0, 3);
        assert_eq!(rows, ["🇺🇸", "🇷🇺"]);
        // A cursor between a letter and its accent sits on the letter's cell.
        let (_, cursor) = visual_rows("ae\u{301}", 2, 10);
        assert_eq!(cursor, (0, 1));
    }
}
