//! The outbox (merge rule 7): replies on their way out. With a local store attached, a reply is
//! first written to the store; only when the store confirms it is durable is it handed to the
//! provider, under a client id the backend deduplicates on. A failed attempt is retried with
//! exponential backoff (the echo stays pending and says when it retries); after the last
//! attempt it is marked failed with the reason, and waits for the user to retry or discard it.
//! Attempts that fail while the account reconnects after losing its connection do not count:
//! the reply waits for the connection, and gets a fresh round the moment it is back. Until it
//! goes, the discard key takes a waiting reply back too.

use std::collections::BTreeMap;

use time::Duration;

use super::keys::{Action, KeyContext};
use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::contract::store::{OutboxEntry, OutboxState, StoreRequest};
use crate::model::{AccountId, ConversationKey, DeliveryStatus, Direction, Message, Timestamp};

/// Attempts before a reply is marked failed (each is a provider call with its own HTTP retries).
pub const MAX_ATTEMPTS: u32 = 5;
/// The wait before attempt n+1 doubles from this, up to [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: Duration = Duration::seconds(2);
const MAX_RETRY_DELAY: Duration = Duration::seconds(60);
/// The longest a restored reply waits for its conversation's page (a store that never answers).
const READING_AT_MOST: Duration = Duration::seconds(5);

/// Where one reply stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// Written to the store; waiting for it to confirm.
    Storing,
    /// Restored from the store: its conversation's recent page is being read first (what the
    /// reply answers), then it is sent. Sent anyway after [`READING_AT_MOST`].
    Reading { since: Timestamp },
    /// Handed to the provider.
    Sending,
    /// The last attempt failed; the next one starts at `until`.
    Waiting { until: Timestamp, reason: String },
    /// Given up: the user may retry or discard it.
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub key: ConversationKey,
    pub text: String,
    pub attempts: u32,
    pub stage: Stage,
    /// An earlier attempt (in this run or one before a restart) may have reached the server,
    /// so the next one is a [`ProviderCommand::Resend`].
    pub sent_before: bool,
}

/// Replies not yet confirmed by their server, by client id.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    items: BTreeMap<String, Item>,
}

impl Outbox {
    pub fn get(&self, client_id: &str) -> Option<&Item> {
        self.items.get(client_id)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Item)> {
        self.items.iter()
    }

    /// Failed replies of one conversation (what the retry key acts on).
    pub fn failed_in(&self, key: &ConversationKey) -> Vec<String> {
        self.items
            .iter()
            .filter(|(_, item)| item.key == *key && matches!(item.stage, Stage::Failed(_)))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Replies of one conversation not on their way: failed, or waiting to try again (what
    /// the discard key acts on).
    pub fn discardable_in(&self, key: &ConversationKey) -> Vec<String> {
        self.items
            .iter()
            .filter(|(_, item)| {
                item.key == *key && matches!(item.stage, Stage::Failed(_) | Stage::Waiting { .. })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// A new reply: its echo is already in the thread; write both to the store first.
pub(super) fn enqueue(
    app: &mut App,
    key: ConversationKey,
    echo: Message,
    text: String,
    effects: &mut Vec<Effect>,
) {
    // The reply answers the newest inbound message; when none is loaded (only the newest
    // message is, after a start), the recent page is read first. The store answers in order,
    // so the page is in before the reply is confirmed and sent.
    if newest_inbound(app, &key).is_none() {
        super::paging::load_older(app, &key, effects);
    }
    let client_id = echo.id.clone();
    let entry = OutboxEntry {
        key: key.clone(),
        client_id: client_id.clone(),
        text: text.clone(),
        created_at: echo.at,
        attempts: 0,
        state: OutboxState::Queued,
    };
    app.outbox.items.insert(
        client_id,
        Item {
            key,
            text,
            attempts: 0,
            stage: Stage::Storing,
            sent_before: false,
        },
    );
    effects.push(Effect::Store(StoreRequest::Enqueue { entry, echo }));
}

/// A reply loaded from the store on start: queued ones are sent again as a resend (same client
/// id, so a send that had already arrived is not repeated where the platform lets us know),
/// failed ones wait for the user.
pub(super) fn restore(app: &mut App, entry: OutboxEntry, effects: &mut Vec<Effect>) {
    let stage = match entry.state {
        OutboxState::Queued => Stage::Storing,
        OutboxState::Failed(reason) => Stage::Failed(reason),
    };
    let client_id = entry.client_id;
    let send = stage == Stage::Storing;
    let key = entry.key.clone();
    app.outbox.items.insert(
        client_id.clone(),
        Item {
            key: entry.key,
            text: entry.text,
            attempts: entry.attempts,
            stage,
            // The last run may have sent it whatever the stored attempt count says: the count
            // and the send are written and made at the same moment.
            sent_before: true,
        },
    );
    if !send {
        return;
    }
    // What the reply answers (Vumi sends it `in_reply_to` that message) is in the store when
    // only the newest message is loaded and it is not the customer's: read the recent page
    // first; the store's answer sends it ([`read`]).
    if newest_inbound(app, &key).is_none() && super::paging::load_older(app, &key, effects) {
        if let Some(item) = app.outbox.items.get_mut(&client_id) {
            item.stage = Stage::Reading { since: app.now };
        }
        return;
    }
    attempt(app, &client_id, effects);
}

/// The store answered a page of `key`: replies restored in that conversation go out now.
pub(super) fn read(app: &mut App, key: &ConversationKey, effects: &mut Vec<Effect>) {
    let reading: Vec<String> = app
        .outbox
        .items
        .iter()
        .filter(|(_, item)| item.key == *key && matches!(item.stage, Stage::Reading { .. }))
        .map(|(id, _)| id.clone())
        .collect();
    for client_id in &reading {
        attempt(app, client_id, effects);
    }
}

/// The store has the reply: send it.
pub(super) fn queued(app: &mut App, client_id: &str, effects: &mut Vec<Effect>) {
    if app
        .outbox
        .get(client_id)
        .is_some_and(|item| item.stage == Stage::Storing)
    {
        attempt(app, client_id, effects);
    }
}

/// Starts one attempt: the echo shows pending again and the provider gets the text.
fn attempt(app: &mut App, client_id: &str, effects: &mut Vec<Effect>) {
    let Some(item) = app.outbox.items.get_mut(client_id) else {
        return;
    };
    item.attempts += 1;
    item.stage = Stage::Sending;
    let resend = std::mem::replace(&mut item.sent_before, true);
    let (key, text, attempts) = (item.key.clone(), item.text.clone(), item.attempts);
    set_echo(app, &key, client_id, DeliveryStatus::Pending, None, effects);
    effects.push(Effect::Store(StoreRequest::OutboxUpdate {
        client_id: client_id.to_string(),
        attempts,
        state: OutboxState::Queued,
    }));
    if let Some(message_id) = newest_inbound(app, &key) {
        effects.push(Effect::Provider {
            account: key.account.clone(),
            command: ProviderCommand::Answering {
                conversation: key.id.to_string(),
                message_id,
            },
        });
    }
    let (conversation, client_id) = (key.id.to_string(), client_id.to_string());
    let command = if resend {
        ProviderCommand::Resend {
            conversation,
            client_id,
            text,
        }
    } else {
        ProviderCommand::SendText {
            conversation,
            client_id,
            text,
        }
    };
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command,
    });
}

/// The id of the newest inbound message loaded for `key`: what a reply answers.
fn newest_inbound(app: &App, key: &ConversationKey) -> Option<String> {
    let entry = app.inbox.get(key)?;
    entry
        .thread
        .newest(|m| m.direction == Direction::Inbound)
        .map(|m| m.id.clone())
}

/// An attempt failed: wait and retry, or give up after the last attempt.
pub(super) fn failed(app: &mut App, client_id: &str, reason: &str, effects: &mut Vec<Effect>) {
    let now = app.now;
    let Some(item) = app.outbox.items.get_mut(client_id) else {
        return;
    };
    let key = item.key.clone();
    // An outage is not the reply's fault: it waits for the connection however long that
    // takes, and goes as soon as the account is live again (see `connection_back`).
    let reconnecting = app
        .status
        .accounts
        .get(&key.account)
        .is_some_and(super::status::AccountStatus::is_reconnecting);
    if item.attempts >= MAX_ATTEMPTS && !reconnecting {
        item.stage = Stage::Failed(reason.to_string());
        let attempts = item.attempts;
        // The keys that retry or drop it are added where it is shown (they can be remapped).
        let shown = format!("{reason} (after {attempts} attempts)");
        set_echo(
            app,
            &key,
            client_id,
            DeliveryStatus::Failed,
            Some(shown),
            effects,
        );
        effects.push(Effect::Store(StoreRequest::OutboxUpdate {
            client_id: client_id.to_string(),
            attempts,
            state: OutboxState::Failed(reason.to_string()),
        }));
    } else {
        let until = now + retry_delay(item.attempts);
        item.stage = Stage::Waiting {
            until,
            reason: reason.to_string(),
        };
        let local = until.to_offset(app.settings.utc_offset);
        let at = format!(
            "{:02}:{:02}:{:02}",
            local.hour(),
            local.minute(),
            local.second()
        );
        let note = if reconnecting {
            let discard = app
                .settings
                .keymap
                .label(KeyContext::Browse, Action::DiscardFailed);
            format!(
                "not sent yet, waiting for the connection (retrying at {at}, {discard} discards): {reason}"
            )
        } else {
            format!("not sent yet (retrying at {at}): {reason}")
        };
        set_echo(
            app,
            &key,
            client_id,
            DeliveryStatus::Pending,
            Some(note),
            effects,
        );
    }
}

/// The wait before the next attempt after `attempts` failed ones.
pub fn retry_delay(attempts: u32) -> Duration {
    let factor = 1i32 << attempts.saturating_sub(1).min(10);
    (FIRST_RETRY_DELAY * factor).min(MAX_RETRY_DELAY)
}

/// Retries whose wait is over.
pub(super) fn tick(app: &mut App, effects: &mut Vec<Effect>) -> bool {
    let now = app.now;
    let due: Vec<String> = app
        .outbox
        .items
        .iter()
        .filter(|(_, item)| match &item.stage {
            Stage::Waiting { until, .. } => *until <= now,
            Stage::Reading { since } => *since + READING_AT_MOST <= now,
            _ => false,
        })
        .map(|(id, _)| id.clone())
        .collect();
    for client_id in &due {
        attempt(app, client_id, effects);
    }
    !due.is_empty()
}

/// The account is live again: every reply of it that waits goes now, not at its timer.
pub(super) fn connection_back(app: &mut App, account: &AccountId, effects: &mut Vec<Effect>) {
    let waiting: Vec<String> = app
        .outbox
        .items
        .iter()
        .filter(|(_, item)| {
            item.key.account == *account && matches!(item.stage, Stage::Waiting { .. })
        })
        .map(|(id, _)| id.clone())
        .collect();
    for client_id in &waiting {
        if let Some(item) = app.outbox.items.get_mut(client_id) {
            // A fresh round: what failed during the outage was the outage's.
            item.attempts = 0;
        }
        attempt(app, client_id, effects);
    }
}

/// The server copy arrived (response, push or poll): the reply is delivered.
pub(super) fn delivered(app: &mut App, client_id: &str, effects: &mut Vec<Effect>) {
    if app.outbox.items.remove(client_id).is_some() {
        effects.push(Effect::Store(StoreRequest::OutboxDone {
            client_id: client_id.to_string(),
        }));
    }
}

/// The retry key: every failed reply of the open conversation gets another round of attempts.
pub(super) fn retry_failed(app: &mut App, effects: &mut Vec<Effect>) -> usize {
    let Some(open) = app.view.open.clone() else {
        return 0;
    };
    let failed = app.outbox.failed_in(&open);
    for client_id in &failed {
        if let Some(item) = app.outbox.items.get_mut(client_id) {
            // A fresh round: the automatic retries start over.
            item.attempts = 0;
        }
        attempt(app, client_id, effects);
    }
    failed.len()
}

/// The discard key: unsent replies (failed, or waiting to try again) of the open conversation
/// leave the outbox and the thread.
pub(super) fn discard_unsent(app: &mut App, effects: &mut Vec<Effect>) -> usize {
    let Some(open) = app.view.open.clone() else {
        return 0;
    };
    let failed = app.outbox.discardable_in(&open);
    for client_id in &failed {
        app.outbox.items.remove(client_id);
        if let Some(entry) = app.inbox.get_mut(&open) {
            entry.thread.discard_echo(client_id);
        }
        effects.push(Effect::Store(StoreRequest::Discard {
            key: open.clone(),
            client_id: client_id.clone(),
        }));
    }
    if !failed.is_empty() {
        app.lists_stale = true;
    }
    failed.len()
}

/// Sets the local echo's state and note, and persists it.
fn set_echo(
    app: &mut App,
    key: &ConversationKey,
    client_id: &str,
    status: DeliveryStatus,
    note: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = app.inbox.get_mut(key) else {
        return;
    };
    if let Some(echo) = entry.thread.set_echo(client_id, status, note) {
        effects.push(Effect::Store(StoreRequest::Messages {
            key: key.clone(),
            messages: vec![echo],
        }));
    }
}

/// A reply to `key` that did not come from the composer: an echo, then the outbox (or, with no
/// store attached, straight to the provider).
pub(super) fn reply(app: &mut App, key: ConversationKey, text: String, effects: &mut Vec<Effect>) {
    let text = crate::text::sanitize(&text).trim_end().to_string();
    if text.trim().is_empty() {
        return;
    }
    let client_id = app.next_client_id();
    let echo = Message {
        id: client_id.clone(),
        client_id: Some(client_id.clone()),
        direction: crate::model::Direction::Outbound,
        sender: "You".to_string(),
        content: crate::model::Content::Text(text.clone()),
        at: app.now,
        status: DeliveryStatus::Pending,
        failure: None,
    };
    if app.inbox.get(&key).is_some() {
        app.inbox.merge_messages(&key, vec![echo.clone()]);
        app.lists_stale = true;
    }
    if app.settings.store {
        enqueue(app, key, echo, text, effects);
    } else {
        effects.push(Effect::Provider {
            account: key.account.clone(),
            command: ProviderCommand::SendText {
                conversation: key.id.to_string(),
                client_id,
                text,
            },
        });
    }
}
