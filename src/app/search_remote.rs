//! What the platforms find for a search over every message. Platforms with a contact search
//! (Linktor, Chatwoot: [`PlatformActions::contact_search`]) are asked for the query's words
//! beside the local store; the contacts they answer with are listed after the local hits,
//! marked as remote. Enter on one opens that contact's newest conversation, or the contact
//! picker on it to start one.
//!
//! The store answers every keystroke; a platform is a request over the network, so it is asked
//! only once the query has stood unchanged for [`PAUSE`] (looked at on the one-second tick), for
//! the words as they stand then: never for half a word or half a filter. Only live accounts are
//! asked. The wait for an account ends with its answer, an error it reports (it says why, as for
//! any failed call), its connection dropping, or [`NO_ANSWER`].
//!
//! [`PlatformActions::contact_search`]: crate::contract::provider::PlatformActions

use time::Duration;

use super::contacts::ContactPicker;
use super::search::SearchState;
use super::{App, Effect};
use crate::contract::provider::{ConnectionState, ProviderCommand};
use crate::contract::search::SearchQuery;
use crate::model::{AccountId, ContactCard};

/// How long the query must stand unchanged before the platforms are asked for it.
pub const PAUSE: Duration = Duration::milliseconds(400);
/// How long an answer is waited for before the overlay stops saying it is asking.
pub const NO_ANSWER: Duration = Duration::seconds(15);
/// Shorter words match nearly every contact: not worth a request.
const MIN_CHARS: usize = 2;

/// A contact a platform found for the query.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteContact {
    pub account: AccountId,
    pub card: ContactCard,
}

/// The overlay's side of the platforms' search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteSearch {
    /// What the platforms found for [`RemoteSearch::words`], listed after the local hits.
    pub contacts: Vec<RemoteContact>,
    /// Accounts whose answer is awaited.
    pub waiting: Vec<AccountId>,
    /// The words last asked (or to be asked, while `due`).
    words: String,
    /// `channel:` prefixes of the query: a contact is listed when it has an identifier on one.
    channels: Vec<String>,
    /// `account:` prefixes of the query.
    accounts: Vec<String>,
    /// The words are still to be asked, once typing pauses.
    pub due: bool,
    /// When the words last changed.
    changed_at: Option<time::OffsetDateTime>,
    /// When they were asked.
    asked_at: Option<time::OffsetDateTime>,
}

/// After the query changed: its words are asked once typing has paused (see [`tick`]).
pub(super) fn query_changed(app: &mut App, query: &SearchQuery) {
    let words = words_of(query);
    let now = app.now;
    let anyone_to_ask = !accounts_for(app, query).is_empty();
    let Some(state) = app.view.search.as_mut() else {
        return;
    };
    let remote = &mut state.remote;
    if words == remote.words
        && query.channels == remote.channels
        && query.accounts == remote.accounts
    {
        return;
    }
    remote.words = words;
    remote.channels = query.channels.clone();
    remote.accounts = query.accounts.clone();
    remote.contacts.clear();
    remote.waiting.clear();
    remote.due = anyone_to_ask && !remote.words.is_empty();
    remote.changed_at = Some(now);
}

/// Every tick: words unchanged for [`PAUSE`] are asked of the platforms, and an answer awaited
/// for longer than [`NO_ANSWER`] is given up. Returns whether anything shown changed.
pub(super) fn tick(app: &mut App, effects: &mut Vec<Effect>) -> bool {
    let now = app.now;
    let Some(state) = app.view.search.as_mut() else {
        return false;
    };
    let remote = &mut state.remote;
    let overdue = remote.asked_at.is_some_and(|at| now - at >= NO_ANSWER);
    if overdue && !remote.waiting.is_empty() {
        remote.waiting.clear();
        return true;
    }
    let paused = remote.changed_at.is_none_or(|at| now - at >= PAUSE);
    if !remote.due || !paused {
        return false;
    }
    let query = crate::contract::search::parse(&state.input, app.settings.utc_offset);
    let accounts = accounts_for(app, &query);
    let Some(remote) = app.view.search.as_mut().map(|s| &mut s.remote) else {
        return false;
    };
    remote.due = false;
    remote.asked_at = Some(now);
    remote.waiting.clone_from(&accounts);
    for account in accounts {
        effects.push(Effect::Provider {
            account,
            command: ProviderCommand::SearchContacts {
                query: remote.words.clone(),
            },
        });
    }
    // Asking, or no longer about to ask: either way the line under the query changes.
    true
}

/// The words a platform is asked for: the query's words, without the ones left out. A query
/// with a filter only messages have (who wrote, status, dates…) selects messages, not contacts.
fn words_of(query: &SearchQuery) -> String {
    let messages_only = query.from.is_some()
        || !query.statuses.is_empty()
        || query.unread
        || query.mine
        || !query.labels.is_empty()
        || query.priority.is_some()
        || query.after.is_some()
        || query.before.is_some()
        || query.conversation.is_some();
    if messages_only {
        return String::new();
    }
    let words: Vec<&str> = query
        .terms
        .iter()
        .filter(|t| !t.excluded)
        .map(|t| t.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let words = words.join(" ");
    if words.chars().count() < MIN_CHARS {
        return String::new();
    }
    words
}

/// The live accounts that search contacts, narrowed by the query's `account:` prefixes.
fn accounts_for(app: &App, query: &SearchQuery) -> Vec<AccountId> {
    app.status
        .accounts
        .iter()
        .filter(|(_, status)| {
            status.actions.contact_search && status.connection == ConnectionState::Live
        })
        .map(|(account, _)| account)
        .filter(|account| {
            let name = account.0.to_lowercase();
            query.accounts.is_empty()
                || query
                    .accounts
                    .iter()
                    .any(|p| name.starts_with(&p.to_lowercase()))
        })
        .cloned()
        .collect()
}

/// A platform's answer. Returns whether the overlay took it: an answer to the words it shows
/// (even one that comes after the wait was given up), from an account that searches contacts.
/// A late answer to older words, or one meant for the contact picker, is left alone.
pub(super) fn answered(
    app: &mut App,
    account: &AccountId,
    words: &str,
    contacts: &[ContactCard],
) -> bool {
    let searches = app.status.actions(account).contact_search;
    let Some(state) = app.view.search.as_mut() else {
        return false;
    };
    let remote = &mut state.remote;
    if !searches || remote.words.is_empty() || remote.words != words {
        return false;
    }
    remote.waiting.retain(|a| a != account);
    let channels = &remote.channels;
    let on_a_channel = |card: &ContactCard| {
        channels.is_empty()
            || card.identifiers.iter().any(|id| {
                // As the store matches `channel:`: a prefix of the channel's Linktor name.
                let name = id.channel.linktor_name().to_lowercase();
                channels.iter().any(|p| name.starts_with(p))
            })
    };
    for card in contacts.iter().filter(|card| on_a_channel(card)) {
        let listed = remote
            .contacts
            .iter()
            .any(|c| c.account == *account && c.card.id == card.id);
        if !listed {
            remote.contacts.push(RemoteContact {
                account: account.clone(),
                card: card.clone(),
            });
        }
    }
    true
}

/// An account reported an error, or its connection is no longer live: if its answer was
/// awaited, it is not coming (an answer that comes all the same is still taken).
pub(super) fn failed(app: &mut App, account: &AccountId) {
    if let Some(state) = app.view.search.as_mut() {
        state.remote.waiting.retain(|a| a != account);
    }
}

/// Enter on a remote contact: its newest conversation in the inbox, else the contact picker
/// on it, to start one on the channel chosen there.
pub(super) fn open(app: &mut App, contact: RemoteContact, effects: &mut Vec<Effect>) {
    let words = app
        .view
        .search
        .take()
        .map(|s| s.remote.words)
        .unwrap_or_default();
    let newest = app
        .inbox
        .iter()
        .filter(|(key, entry)| {
            key.account == contact.account && entry.info.contact.id == contact.card.id
        })
        .max_by_key(|(_, entry)| entry.last_activity())
        .map(|(key, _)| key.clone());
    if let Some(key) = newest {
        return super::search::open_in_thread(app, key, effects);
    }
    app.view.contact_picker = Some(ContactPicker {
        account: contact.account,
        query: words,
        searching: false,
        results: vec![contact.card],
        selected: 0,
        channel: 0,
        form: None,
        waiting: false,
    });
}

impl SearchState {
    /// The local hits and the remote contacts, as one list.
    pub fn rows(&self) -> usize {
        self.hits.len() + self.remote.contacts.len()
    }
}

#[cfg(test)]
#[path = "search_remote_tests.rs"]
mod tests;
