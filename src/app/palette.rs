//! The command palette (Ctrl+K or `:`): one fuzzy search over every action of the key map
//! (its key shown beside it) and every conversation (name, identity, channel, account), the
//! recently used first. Enter runs the action or opens the conversation; Esc closes.
//!
//! Matching is nucleo's (the matcher helix uses): smart case, accents folded, the matched
//! characters reported for highlighting.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::keys::{Action, Key, KeyContext};
use super::{App, Effect, Focus};
use crate::model::ConversationKey;

/// What a palette row does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Action(Action),
    Conversation(ConversationKey),
    /// A saved reply, by its place in the library.
    Canned(usize),
    /// A saved view, by its place in the config.
    View(usize),
}

/// One row: what it says, what is shown beside it (the key, or channel and account).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: String,
    pub detail: String,
    pub target: Target,
}

/// An item that matches the query, with the positions (graphemes of the label) that matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub item: usize,
    pub positions: Vec<u32>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaletteState {
    pub query: String,
    pub items: Vec<Item>,
    /// The items that match, best first.
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// The query the hits were matched for: a query that only grows looks among them alone.
    matched: String,
}

/// How many recently used targets come first on an empty query.
const RECENTS: usize = 8;

/// The best hits whose matched characters are worked out for highlighting (more than a
/// screen shows; the rest are found and ranked all the same).
const HIGHLIGHTED: usize = 64;

/// Actions that make no sense from a list of commands (editing keys, moves, answers to a
/// question).
fn listed(action: Action) -> bool {
    !action.is_editing()
        && !matches!(
            action,
            Action::Up
                | Action::Down
                | Action::Top
                | Action::Bottom
                | Action::PageUp
                | Action::PageDown
                | Action::Activate
                | Action::Back
                | Action::Confirm
                | Action::NextContactChannel
                | Action::NewContact
                | Action::OpenPalette
        )
}

pub(super) fn open(app: &mut App) {
    let map = app.settings.keymap.clone();
    let mut items: Vec<Item> = Vec::new();
    for binding in map.bindings() {
        let browsing = matches!(
            binding.context,
            KeyContext::Global | KeyContext::Browse | KeyContext::Message | KeyContext::Compose
        );
        if !browsing || !listed(binding.action) {
            continue;
        }
        if items
            .iter()
            .any(|i| i.target == Target::Action(binding.action))
        {
            continue;
        }
        items.push(Item {
            label: binding.help.to_string(),
            detail: binding.keys.first().map(Key::label).unwrap_or_default(),
            target: Target::Action(binding.action),
        });
    }
    // Saved replies are for the open conversation's composer.
    if app.view.open.is_some() {
        for (index, reply) in super::canned::library(app).iter().enumerate() {
            items.push(Item {
                label: format!("Saved reply: {}", reply.title),
                detail: format!("/{}", reply.shortcode),
                target: Target::Canned(index),
            });
        }
    }
    for (index, view) in app.settings.views.iter().enumerate() {
        items.push(Item {
            label: format!("View: {}", view.name),
            detail: if index < 9 {
                (index + 1).to_string()
            } else {
                String::new()
            },
            target: Target::View(index),
        });
    }
    let several = app.view.several_accounts;
    for (key, entry) in app.inbox.iter() {
        let info = &entry.info;
        let mut detail = info.channel.label().to_string();
        if several {
            detail = format!("{detail} · {}", key.account);
        }
        items.push(Item {
            label: format!("{}  {}", info.contact.name, info.contact.identity)
                .trim_end()
                .to_string(),
            detail,
            target: Target::Conversation(key.clone()),
        });
    }
    app.view.palette = Some(PaletteState {
        items,
        ..PaletteState::default()
    });
    refilter(app);
}

/// Matches the query against every item; an empty query lists the recent ones first, then
/// the actions, then the conversations.
pub(super) fn refilter(app: &mut App) {
    let recent = app.view.palette_recent.clone();
    let Some(palette) = app.view.palette.as_mut() else {
        return;
    };
    palette.selected = 0;
    // Plain words only: nucleo's operators (`!`, `^`, `$`, `'`) can widen a longer query.
    let plain = palette
        .query
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '@' | '+' | '_'));
    let narrowing =
        plain && !palette.matched.is_empty() && palette.query.starts_with(&palette.matched);
    palette.matched = palette.query.clone();
    if palette.query.trim().is_empty() {
        let rank = |item: &Item| {
            recent
                .iter()
                .position(|t| *t == item.target)
                .unwrap_or(RECENTS)
        };
        let mut order: Vec<usize> = (0..palette.items.len()).collect();
        order.sort_by_key(|&i| rank(&palette.items[i]));
        palette.hits = order
            .into_iter()
            .map(|item| Hit {
                item,
                positions: Vec::new(),
            })
            .collect();
        return;
    }
    let pattern = Pattern::parse(&palette.query, CaseMatching::Smart, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buffer = Vec::new();
    // A longer query matches a subset of what the shorter one did: look only there.
    let candidates: Vec<usize> = if narrowing {
        palette.hits.iter().map(|hit| hit.item).collect()
    } else {
        (0..palette.items.len()).collect()
    };
    let mut scored: Vec<(u32, usize)> = candidates
        .into_iter()
        .filter_map(|i| {
            let haystack = Utf32Str::new(&palette.items[i].label, &mut buffer);
            pattern
                .score(haystack, &mut matcher)
                .map(|score| (score, i))
        })
        .collect();
    // Best first; among equals, the recently used, then the list's own order.
    scored.sort_by_key(|&(score, i)| {
        let recency = recent
            .iter()
            .position(|t| *t == palette.items[i].target)
            .unwrap_or(RECENTS);
        (std::cmp::Reverse(score), recency, i)
    });
    palette.hits = scored
        .into_iter()
        .enumerate()
        .map(|(rank, (_, item))| {
            let mut positions = Vec::new();
            if rank < HIGHLIGHTED {
                let haystack = Utf32Str::new(&palette.items[item].label, &mut buffer);
                pattern.indices(haystack, &mut matcher, &mut positions);
                positions.sort_unstable();
                positions.dedup();
            }
            Hit { item, positions }
        })
        .collect();
}

/// Keys while the palette is open: a prompt's.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = app.settings.keymap.lookup(KeyContext::Prompt, key);
    let Some(palette) = app.view.palette.as_mut() else {
        return;
    };
    match action {
        Some(Action::Back) => app.view.palette = None,
        Some(Action::Down | Action::FocusNext) => {
            palette.selected = (palette.selected + 1).min(palette.hits.len().saturating_sub(1));
        }
        Some(Action::Up | Action::FocusPrev) => {
            palette.selected = palette.selected.saturating_sub(1);
        }
        Some(Action::Activate) => run(app, effects),
        _ => {
            if super::input::edit_line(&mut palette.query, action, key).is_some() {
                refilter(app);
            }
        }
    }
}

fn run(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(palette) = app.view.palette.take() else {
        return;
    };
    let Some(target) = palette
        .hits
        .get(palette.selected)
        .and_then(|hit| palette.items.get(hit.item))
        .map(|item| item.target.clone())
    else {
        return;
    };
    app.view.palette_recent.retain(|t| *t != target);
    app.view.palette_recent.insert(0, target.clone());
    app.view.palette_recent.truncate(RECENTS);
    match target {
        Target::Action(action) => super::input::perform(app, action, effects),
        Target::Conversation(key) => {
            app.view.selected = Some(key.clone());
            app.view.keep_selection_visible();
            super::input::open_conversation(app, key, effects);
            app.view.focus = Focus::Composer;
        }
        Target::Canned(index) => {
            super::canned::insert(app, index);
            super::input::set_focus(app, Focus::Composer, effects);
        }
        Target::View(index) => super::saved_views::choose(app, Some(index)),
    }
}

#[cfg(test)]
#[path = "palette_tests.rs"]
mod tests;
