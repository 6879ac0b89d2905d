//! The command palette (Ctrl+K or `:`): one fuzzy search over every action of the key map
//! (its key shown beside it) and every conversation (name, identity, channel, account), the
//! recently used first. Enter runs the action or opens the conversation; Esc closes.
//!
//! Matching is nucleo's (the matcher helix uses): smart case, accents folded, the matched
//! characters reported for highlighting.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32Str, Utf32String};

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
    /// The matcher's score: the sum of each word's.
    score: u32,
    /// The last word's part of it, so a query whose last word changed scores that word alone.
    last: u16,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaletteState {
    pub query: String,
    pub items: Vec<Item>,
    /// The items that match, best first.
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// Each item's label as the matcher reads it, converted once when the palette opens.
    haystacks: Vec<Utf32String>,
    /// Each item's place among the recently used ([`RECENTS`] for the others).
    recency: Vec<usize>,
    /// What scores the items.
    matcher: Scratch,
    /// The query the hits were matched for: a query that only grows looks among them alone.
    matched: String,
    /// The hits of the shorter queries typed on the way to this one: erasing a character
    /// goes back to them instead of matching everything again.
    narrowed_from: Vec<(String, Vec<Hit>)>,
}

/// The matcher and its scratch space (about 100 kB, zeroed when made), kept with the palette so
/// a keystroke does not make one. Palettes compare equal whatever it holds.
#[derive(Clone, Debug, Default)]
struct Scratch(Matcher);

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// How many recently used targets come first on an empty query.
const RECENTS: usize = 8;

/// Items are told apart by 28 bits of a sort key: 268 million of them.
const ITEM_BITS: u32 = 28;

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
    // Items are told apart by the low bits of their sort key.
    items.truncate((1 << ITEM_BITS) - 1);
    let recent = &app.view.palette_recent;
    app.view.palette = Some(PaletteState {
        haystacks: items.iter().map(|i| Utf32String::from(&*i.label)).collect(),
        recency: items
            .iter()
            .map(|i| {
                recent
                    .iter()
                    .position(|t| *t == i.target)
                    .unwrap_or(RECENTS)
            })
            .collect(),
        items,
        ..PaletteState::default()
    });
    refilter(app);
}

/// Matches the query against every item; an empty query lists the recent ones first, then
/// the actions, then the conversations.
pub(super) fn refilter(app: &mut App) {
    let Some(palette) = app.view.palette.as_mut() else {
        return;
    };
    palette.selected = 0;
    // Plain words only: nucleo's operators (`!`, `^`, `$`, `'`) can widen a longer query.
    let plain = palette
        .query
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '@' | '+' | '_'));
    // Spaces only separate words: the same words match the same items.
    if plain && !palette.matched.is_empty() && words(&palette.query).eq(words(&palette.matched)) {
        palette.matched = palette.query.clone();
        return;
    }
    let grown = plain
        && !palette.matched.is_empty()
        && palette.query.len() > palette.matched.len()
        && palette.query.starts_with(&palette.matched);
    if grown {
        let hits = std::mem::take(&mut palette.hits);
        let matched = std::mem::take(&mut palette.matched);
        palette.narrowed_from.push((matched, hits));
    } else {
        // Keep only the shorter queries this one still grows from.
        while let Some((shorter, _)) = palette.narrowed_from.last()
            && !(plain && palette.query.starts_with(shorter.as_str()))
        {
            palette.narrowed_from.pop();
        }
        // Erased back to a query matched on the way here: its hits are still right.
        if let Some((shorter, _)) = palette.narrowed_from.last()
            && *shorter == palette.query
            && let Some((shorter, hits)) = palette.narrowed_from.pop()
        {
            palette.matched = shorter;
            palette.hits = hits;
            return;
        }
    }
    palette.matched = palette.query.clone();
    let pattern = Pattern::parse(&palette.query, CaseMatching::Smart, Normalization::Smart);
    // No words (a blank query, or operators alone): everything, each scoring nothing.
    let Some(last_word) = pattern.atoms.last() else {
        palette.narrowed_from.clear();
        let mut order: Vec<usize> = (0..palette.items.len()).collect();
        order.sort_by_key(|&i| palette.recency[i]);
        palette.hits = order
            .into_iter()
            .map(|item| Hit {
                item,
                positions: Vec::new(),
                score: 0,
                last: 0,
            })
            .collect();
        return;
    };
    let matcher = &mut palette.matcher.0;
    let haystacks = &palette.haystacks;
    let recency = &palette.recency;
    // Each item's last word's score, by item: the sort moves one `u64` per hit.
    let mut lasts = vec![0u16; palette.items.len()];
    let mut scored = |item: usize, score: u32, last: u16| {
        lasts[item] = last;
        rank_key(score, recency[item], item)
    };
    // A longer query matches a subset of what a shorter one did: look only there, and score
    // only the words it does not share with it.
    let mut found: Vec<_> = match palette.narrowed_from.last() {
        Some((shorter, hits)) => {
            let kept = kept_words(shorter, &palette.query);
            hits.iter()
                .filter_map(|hit| {
                    let haystack = haystacks[hit.item].slice(..);
                    let score = match kept {
                        Kept::All => hit.score,
                        Kept::AllButTheLast => hit.score - u32::from(hit.last),
                        Kept::Nothing => {
                            return whole_score(&pattern, haystack, matcher)
                                .map(|(score, last)| scored(hit.item, score, last));
                        }
                    };
                    let last = last_word.score(haystack, matcher)?;
                    Some(scored(hit.item, score + u32::from(last), last))
                })
                .collect()
        }
        None => (0..palette.items.len())
            .filter_map(|item| {
                whole_score(&pattern, haystacks[item].slice(..), matcher)
                    .map(|(score, last)| scored(item, score, last))
            })
            .collect(),
    };
    // Best first; among equals, the recently used, then the list's own order.
    found.sort_unstable();
    palette.hits = found
        .into_iter()
        .enumerate()
        .map(|(rank, key)| {
            let (score, item) = from_rank_key(key);
            let last = lasts[item];
            let mut positions = Vec::new();
            if rank < HIGHLIGHTED {
                pattern.indices(haystacks[item].slice(..), matcher, &mut positions);
                positions.sort_unstable();
                positions.dedup();
            }
            Hit {
                item,
                positions,
                score,
                last,
            }
        })
        .collect();
}

/// Best first, then the recently used, then the list's order, as one number: the best
/// score is the smallest key.
fn rank_key(score: u32, recency: usize, item: usize) -> u64 {
    const _: () = assert!(RECENTS < 1 << (32 - ITEM_BITS));
    (u64::from(u32::MAX - score) << 32) | ((recency as u64) << ITEM_BITS) | item as u64
}

/// The score and the item back from a [`rank_key`].
fn from_rank_key(key: u64) -> (u32, usize) {
    (
        u32::MAX - (key >> 32) as u32,
        (key & ((1 << ITEM_BITS) - 1)) as usize,
    )
}

/// How much of a shorter query's score the query grown from it keeps.
enum Kept {
    /// A word was added.
    All,
    /// Only the last word grew.
    AllButTheLast,
    /// The words differ otherwise: every one is scored again.
    Nothing,
}

fn kept_words(shorter: &str, query: &str) -> Kept {
    let before: Vec<&str> = words(shorter).collect();
    let now: Vec<&str> = words(query).collect();
    match now.len().checked_sub(before.len()) {
        _ if before.is_empty() => Kept::Nothing,
        Some(1) if now.starts_with(&before) => Kept::All,
        Some(0) if now[..now.len() - 1] == before[..before.len() - 1] => Kept::AllButTheLast,
        _ => Kept::Nothing,
    }
}

/// The words of a plain query as nucleo reads them: split at ASCII spaces only (a no-break or
/// ideographic space is part of its word).
fn words(query: &str) -> impl Iterator<Item = &str> {
    query.split(' ').filter(|word| !word.is_empty())
}

/// Every word's score summed (as nucleo's `Pattern::score`), and the last word's.
fn whole_score(pattern: &Pattern, haystack: Utf32Str, matcher: &mut Matcher) -> Option<(u32, u16)> {
    let mut total = 0;
    let mut last = 0;
    for atom in &pattern.atoms {
        last = atom.score(haystack, matcher)?;
        total += u32::from(last);
    }
    Some((total, last))
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
            app.palette_only = true;
        }
        Some(Action::Up | Action::FocusPrev) => {
            palette.selected = palette.selected.saturating_sub(1);
            app.palette_only = true;
        }
        Some(Action::Activate) => run(app, effects),
        _ => {
            if super::input::edit_line(&mut palette.query, action, key).is_some() {
                refilter(app);
            }
            app.palette_only = true;
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
