//! The data of the inbox: every conversation of every account with its thread, unread count
//! and history state. Views read it; only the reducer changes it.

use std::hash::BuildHasher;
use std::sync::Arc;

use super::thread::{Thread, Upsert};
use crate::insights::{ConversationInsights, InsightEngine, TrackerSpec};
use crate::model::{
    AccountId, Channel, Conversation, ConversationKey, Direction, Message, Timestamp,
};

/// One conversation as the app holds it.
#[derive(Clone, Debug)]
pub struct ConversationEntry {
    /// What the platform says about the conversation. Its `unread` is the one unread count:
    /// the platform's, plus what arrived live since, and zero while the conversation is open.
    pub info: Conversation,
    pub thread: Thread,
    /// The agent marked it unread: it stays so (whatever a platform's count says) until it
    /// is opened.
    pub marked_unread: bool,
    /// Put aside (see `snooze`): off the list until its time or the customer's next message.
    pub snooze: Option<crate::model::Snooze>,
    /// When the agent snoozed it here (this session): a customer message written after it
    /// ends the snooze, whether it comes live or with a resync.
    pub snoozed_at: Option<Timestamp>,
    /// No older history left to fetch.
    pub history_complete: bool,
    /// A request for older history is under way.
    pub fetching_older: bool,
    /// The local store may hold messages older than the thread's first (the thread was loaded
    /// from it a page at a time, or trimmed when the user left it): read those before asking
    /// the provider.
    pub older_cached: bool,
    /// The local insight engine of this conversation, built from its thread when it is opened.
    /// Only the open conversation's is fed as messages arrive (its pane is the only one
    /// shown); another's is dropped when its thread changes and rebuilt when it is opened, so
    /// ingest does not pay for text analysis nobody reads. Boxed and built late: it is two
    /// thirds of an entry's size, and a start with 10,000 cached conversations spent its time
    /// allocating engines nobody read.
    pub(super) insights: Option<Box<InsightEngine>>,
}

impl ConversationEntry {
    /// When anything last happened: the newest message, else what the platform reported.
    /// When something last happened with the customer (a note does not move the queue).
    pub fn last_activity(&self) -> Option<Timestamp> {
        let from_thread = self
            .thread
            .messages()
            .iter()
            .rev()
            .find(|m| m.direction != Direction::Note)
            .map(|m| m.at);
        from_thread.max(self.info.last_message_at)
    }

    /// A snooze whose end the platform keeps (the hub, Sinch's metadata), set by another agent:
    /// shown and ended here as one set here would be; and over here when another agent ended
    /// it (`before` is the end the platform said last). An end already past is not taken up:
    /// whoever was there at that time brought the conversation back. True when it changed.
    pub fn follow_platform_snooze(&mut self, before: Option<Timestamp>, now: Timestamp) -> bool {
        use crate::model::Snooze;
        let until = self.info.work.as_ref().and_then(|w| w.snoozed_until);
        match (until, before) {
            (Some(at), _) if at > now && self.snooze.is_none() => {
                self.snooze = Some(Snooze::Until(at));
                true
            }
            (None, Some(was)) if self.snooze == Some(Snooze::Until(was)) => {
                self.snooze = None;
                true
            }
            _ => false,
        }
    }

    /// The end of a snooze as the platform keeps it.
    pub fn platform_snoozed_until(&self) -> Option<Timestamp> {
        self.info.work.as_ref().and_then(|w| w.snoozed_until)
    }

    /// Put aside: by the agent here, or by the platform (another agent).
    pub fn is_snoozed(&self) -> bool {
        self.snooze.is_some() || self.info.status == crate::model::ConversationStatus::Snoozed
    }

    /// The thread holds a message the list can preview, so the platform's preview is not
    /// shown and need not be kept (a second copy of every conversation's last text was 6 MB
    /// at 100,000).
    pub fn previews_own_message(&self) -> bool {
        self.thread
            .newest(|m| m.direction != Direction::Note)
            .is_some()
    }

    /// Preview of the newest message for the conversation list.
    /// A private note shows only when there is nothing else: the list says what was last
    /// said with the customer.
    pub fn preview(&self) -> Option<(Direction, String)> {
        let thread = self.thread.messages();
        let newest = thread.iter().rev().find(|m| m.direction != Direction::Note);
        if newest.is_none()
            && let Some(text) = &self.info.last_message
        {
            return Some((Direction::Inbound, text.clone()));
        }
        match newest.or(thread.last()) {
            Some(m) => Some((m.direction, m.content.preview())),
            None => self
                .info
                .last_message
                .clone()
                .map(|text| (Direction::Inbound, text)),
        }
    }

    /// The newest message of the thread.
    pub fn last_message(&self) -> Option<&Message> {
        self.thread.last()
    }

    /// What the local insight engine found, once the conversation has been opened.
    pub fn insights(&self) -> Option<&ConversationInsights> {
        self.insights.as_deref().map(InsightEngine::insights)
    }

    /// Messages the local insight engine has heard.
    pub fn insights_heard(&self) -> usize {
        self.insights.as_deref().map_or(0, InsightEngine::len)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Inbox {
    /// Found by the key the entry holds, so each conversation's key is stored once, not again
    /// as the map's key (at 100,000 conversations a copy of every key is 10 MB). Boxed: the
    /// table holds a pointer per slot, not a whole entry, so its free slots cost little and
    /// growing it moves pointers. Hashed with foldhash (randomly seeded per process):
    /// SipHash was a sixth of applying a message.
    conversations: hashbrown::HashTable<Box<ConversationEntry>>,
    hasher: foldhash::fast::RandomState,
    /// The accounts of the conversations here, one shared id each (see [`AccountId`]).
    accounts: Vec<AccountId>,
    /// The conversation whose insight engine follows every message (the open one).
    insights_for: Option<ConversationKey>,
    /// The trackers every conversation's insight engine counts.
    trackers: Arc<[TrackerSpec]>,
    /// While the store's start is still coming in parts: what the conversations not yet here
    /// add to each channel, so the counts are whole from the first frame.
    pub unloaded: Option<Vec<crate::contract::store::ChannelCount>>,
}

impl Inbox {
    /// An inbox whose insight engines count `trackers`.
    pub fn with_trackers(trackers: Arc<[TrackerSpec]>) -> Self {
        Self {
            trackers,
            ..Self::default()
        }
    }

    pub fn get(&self, key: &ConversationKey) -> Option<&ConversationEntry> {
        let hash = self.hasher.hash_one(key);
        let entry = self
            .conversations
            .find(hash, |entry| entry.info.key == *key)?;
        Some(entry)
    }

    pub fn get_mut(&mut self, key: &ConversationKey) -> Option<&mut ConversationEntry> {
        find_mut(&mut self.conversations, &self.hasher, key)
    }

    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    /// Conversations here and those the store has yet to send.
    pub fn total(&self) -> usize {
        let unloaded = self.unloaded.iter().flatten();
        self.len() + unloaded.map(|count| count.conversations).sum::<usize>()
    }

    /// Room for `additional` more conversations (the cached inbox on start), so the map is not
    /// rebuilt a dozen times as it grows.
    pub fn reserve(&mut self, additional: usize) {
        let hasher = &self.hasher;
        self.conversations
            .reserve(additional, |entry| hasher.hash_one(&entry.info.key));
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ConversationKey, &ConversationEntry)> {
        self.conversations
            .iter()
            .map(|entry| (&entry.info.key, &**entry))
    }

    /// Upserts a conversation. `is_open` keeps an open conversation's unread count at zero.
    pub fn upsert_conversation(&mut self, mut info: Conversation, is_open: bool) -> bool {
        if is_open {
            info.unread = 0;
        }
        match self.get_mut(&info.key) {
            Some(entry) => {
                if entry.marked_unread && !is_open {
                    info.unread = info.unread.max(1);
                }
                // A platform that keeps no workflow says nothing of it: this machine's stays.
                if info.work.is_none() {
                    info.work = entry.info.work.clone();
                }
                // The key whose ids are shared with the list stays.
                info.key = entry.info.key.clone();
                // The platform moved the status on: a snooze kept here is over.
                if info.status != entry.info.status
                    && info.status != crate::model::ConversationStatus::Snoozed
                {
                    entry.snooze = None;
                }
                if entry.previews_own_message() {
                    info.last_message = None;
                }
                let changed = entry.info != info;
                entry.info = info;
                changed
            }
            None => {
                match self.accounts.iter().find(|id| **id == info.key.account) {
                    Some(shared) => info.key.account = shared.clone(),
                    None => self.accounts.push(info.key.account.clone()),
                }
                let entry = ConversationEntry {
                    info,
                    thread: Thread::default(),
                    marked_unread: false,
                    snooze: None,
                    snoozed_at: None,
                    history_complete: false,
                    fetching_older: false,
                    older_cached: false,
                    insights: None,
                };
                let hasher = &self.hasher;
                self.conversations.insert_unique(
                    hasher.hash_one(&entry.info.key),
                    Box::new(entry),
                    |entry| hasher.hash_one(&entry.info.key),
                );
                true
            }
        }
    }

    /// Merges messages into a conversation's thread. Returns how many were new, and how many
    /// of those were inbound, or `None` when the conversation is unknown.
    pub fn merge_messages(
        &mut self,
        key: &ConversationKey,
        messages: Vec<Message>,
    ) -> Option<MergeOutcome> {
        let followed = self.insights_for.as_ref() == Some(key);
        let entry = self.get_mut(key)?;
        let mut outcome = MergeOutcome::default();
        if followed && let Some(engine) = entry.insights.as_deref_mut() {
            // A replay these messages make necessary waits for [`Inbox::settle_insights`], so
            // a batch of out-of-order messages costs one replay, not one each.
            engine.observe_all_deferred(&messages);
        } else if !messages.is_empty() {
            entry.insights = None;
        }
        let mut messages = messages;
        let inbound = messages
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .count() as u32;
        if entry.thread.prepend_older(&mut messages) {
            outcome.changed = true;
            outcome.new_inbound = inbound;
            return Some(outcome);
        }
        for message in messages {
            let direction = message.direction;
            match entry.thread.upsert(message) {
                Upsert::Inserted => {
                    outcome.changed = true;
                    if direction == Direction::Inbound {
                        outcome.new_inbound += 1;
                    }
                }
                Upsert::Updated => outcome.changed = true,
                Upsert::Unchanged => {}
            }
        }
        if entry.info.last_message.is_some() && entry.previews_own_message() {
            entry.info.last_message = None;
        }
        Some(outcome)
    }

    /// Applies what the followed conversation's engine deferred (see `merge_messages`).
    pub fn settle_insights(&mut self) {
        if let Some(key) = &self.insights_for
            && let Some(engine) = find_mut(&mut self.conversations, &self.hasher, key)
                .and_then(|entry| entry.insights.as_deref_mut())
        {
            engine.settle();
        }
    }

    /// Makes `key`'s insight engine follow its messages from now on, first building it from
    /// the thread if it has none (never opened, or its thread changed while it was not open).
    pub fn follow_insights(&mut self, key: Option<ConversationKey>) {
        let trackers = self.trackers.clone();
        if let Some(entry) = key.as_ref().and_then(|key| self.get_mut(key))
            && entry.insights.is_none()
        {
            let mut engine = InsightEngine::new(trackers);
            engine.observe_all(entry.thread.messages());
            entry.insights = Some(Box::new(engine));
        }
        self.insights_for = key;
    }

    /// The distinct channels present, in a stable order.
    /// The channels of the conversations here and of those the store has yet to send.
    pub fn channels(&self) -> Vec<Channel> {
        let unloaded = self.unloaded.iter().flatten();
        let mut channels: Vec<Channel> = self
            .conversations
            .iter()
            .map(|e| e.info.channel.clone())
            .chain(
                unloaded
                    .filter(|count| count.conversations > 0)
                    .map(|count| count.channel.clone()),
            )
            .collect();
        channels.sort();
        channels.dedup();
        channels
    }
}

/// The entry of `key`; a function of the fields it needs, so a caller can hold another field.
fn find_mut<'a>(
    conversations: &'a mut hashbrown::HashTable<Box<ConversationEntry>>,
    hasher: &foldhash::fast::RandomState,
    key: &ConversationKey,
) -> Option<&'a mut ConversationEntry> {
    let entry = conversations.find_mut(hasher.hash_one(key), |entry| entry.info.key == *key)?;
    Some(entry)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    pub changed: bool,
    pub new_inbound: u32,
}
