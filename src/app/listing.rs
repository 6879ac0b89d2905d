//! The derived lists the panes show: the channels with their unread counts, and the filtered,
//! sorted conversation list. They are recomputed whole when a filter or many conversations
//! change, and moved by one row when one conversation changed: a message arriving alone then
//! costs a few lookups and a short rotation, not a pass over every conversation.

use std::cmp::Reverse;

use super::inbox::{ConversationEntry, Inbox};
use super::team::Team;
use super::view::{ChannelEntry, ViewState};
use super::workflow::AssigneeView;
use crate::contract::provider::{AccountEvent, ProviderEvent};
use crate::contract::store::ChannelCount;
use crate::model::{Channel, ConversationKey, ConversationStatus, Priority};

/// Where a row sorts: the more urgent first, then the newest activity (in nanoseconds since
/// the epoch, `i64::MIN` for none, so it sorts last). Integers, not timestamps: the list is
/// binary-searched on every event, and comparing two `OffsetDateTime`s converts both to UTC.
/// The key breaks ties, so the order is total and stable.
pub(super) type Order = (Reverse<Priority>, Reverse<i64>);

/// What the lists held of one conversation before an event changed it.
#[derive(Clone, Debug)]
pub struct RowBefore {
    key: ConversationKey,
    row: Option<Row>,
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    channel: Channel,
    /// What it adds to its channel's unread count.
    unread: u32,
    listed: bool,
    order: Order,
}

/// The filters of the list, read once per recomputation.
struct Filters<'a> {
    channel: Option<Channel>,
    needle: String,
    /// The row kept while the cursor is on it, though it left the view.
    kept: Option<&'a ConversationKey>,
    team: &'a Team,
}

impl ViewState {
    /// Recomputes the channel list and the conversation list from the inbox.
    pub fn refresh_lists(&mut self, inbox: &Inbox, team: &Team) {
        let selected_channel = self.selected_channel().cloned();
        let mut all = ChannelEntry {
            channel: None,
            unread: 0,
            conversations: 0,
        };
        let mut entries: Vec<ChannelEntry> = inbox
            .channels()
            .into_iter()
            .map(|channel| ChannelEntry {
                channel: Some(channel),
                unread: 0,
                conversations: 0,
            })
            .collect();
        for (_, conversation) in inbox.iter() {
            let unread = unread_counted(conversation);
            all.unread += unread;
            all.conversations += 1;
            if let Some(entry) = entries
                .iter_mut()
                .find(|e| e.channel.as_ref() == Some(&conversation.info.channel))
            {
                entry.unread += unread;
                entry.conversations += 1;
            }
        }
        for count in inbox.unloaded.iter().flatten() {
            all.unread += count.unread;
            all.conversations += count.conversations;
            if let Some(entry) = entries
                .iter_mut()
                .find(|e| e.channel.as_ref() == Some(&count.channel))
            {
                entry.unread += count.unread;
                entry.conversations += count.conversations;
            }
        }
        entries.insert(0, all);
        self.channels = entries;
        self.channel_selected = selected_channel
            .and_then(|c| {
                self.channels
                    .iter()
                    .position(|e| e.channel.as_ref() == Some(&c))
            })
            .unwrap_or(0);

        let filters = self.filters(team);
        let mut list: Vec<_> = inbox
            .iter()
            .filter(|(key, entry)| self.lists(key, entry, &filters))
            .map(|(key, entry)| (self.order(entry), key))
            .collect();
        list.sort_unstable();
        // The old list goes before the new one is copied: two lists of 100,000 keys at once
        // were the peak of memory.
        self.conversation_orders.clear();
        self.conversations.clear();
        for (order, key) in list {
            self.conversation_orders.push(order);
            self.conversations.push(key.clone());
        }

        self.settle_selection();
    }

    /// The cursor on a listed row (the first when its row is gone), and that row on screen.
    pub fn settle_selection(&mut self) {
        if self.selected_index().is_none() {
            self.selected = self.conversations.first().cloned();
        }
        self.keep_selection_visible();
    }

    /// Notes where `key` stands before an event changes it, for [`Self::settle_row`].
    pub fn row_before(&self, inbox: &Inbox, team: &Team, key: ConversationKey) -> RowBefore {
        RowBefore {
            row: inbox.get(&key).map(|entry| self.row(&key, entry, team)),
            key,
        }
    }

    /// Brings the lists up to date after an event changed the one conversation of `before`
    /// and nothing else. Returns false when it cannot (a channel the list does not have yet),
    /// and the lists must be recomputed whole.
    pub fn settle_row(&mut self, inbox: &Inbox, team: &Team, before: RowBefore) -> bool {
        let RowBefore { key, row: before } = before;
        let after = inbox.get(&key).map(|entry| self.row(&key, entry, team));
        if before == after {
            return true;
        }
        if !self.count_row(before.as_ref(), after.as_ref()) {
            return false;
        }
        let was_at = match before.as_ref().filter(|row| row.listed) {
            Some(row) => match self.position(&key, row.order) {
                Some(at) => Some(at),
                // The list and the inbox disagree; only a recomputation can say how.
                None => return false,
            },
            None => None,
        };
        // Where it goes among the others: before every row that sorts after it.
        let goes_to = after
            .as_ref()
            .filter(|row| row.listed)
            .map(|row| self.rows_before(row.order, &key));
        match (was_at, goes_to) {
            (Some(from), Some(to)) => {
                let order = after.as_ref().expect("listed").order;
                self.conversation_orders[from] = order;
                if to > from {
                    self.conversations[from..to].rotate_left(1);
                    self.conversation_orders[from..to].rotate_left(1);
                } else {
                    self.conversations[to..=from].rotate_right(1);
                    self.conversation_orders[to..=from].rotate_right(1);
                }
            }
            (Some(from), None) => {
                self.conversations.remove(from);
                self.conversation_orders.remove(from);
            }
            (None, Some(to)) => {
                // The entry's key, whose ids the inbox shares, not the event's copy.
                let shared = inbox
                    .get(&key)
                    .map_or_else(|| key.clone(), |e| e.info.key.clone());
                self.conversations.insert(to, shared);
                let order = after.as_ref().expect("listed").order;
                self.conversation_orders.insert(to, order);
            }
            (None, None) => {}
        }

        let selected_at = match &self.selected {
            Some(selected) if *selected == key => goes_to.map(|to| match was_at {
                Some(from) if to > from => to - 1,
                _ => to,
            }),
            // By its order, else by its key (a row whose order moved without an event that
            // settles the lists is not where its order says).
            Some(selected) => inbox
                .get(selected)
                .and_then(|entry| self.position(selected, self.order(entry)))
                .or_else(|| self.selected_index()),
            None => None,
        };
        match selected_at {
            Some(index) => self.keep_index_visible(index),
            None => {
                self.selected = self.conversations.first().cloned();
                self.keep_index_visible(0);
            }
        }
        true
    }

    /// Brings the lists up to date after conversations the store had yet to send arrived
    /// (`added`, none of them here before) and what is still to come became `unloaded`:
    /// their rows merged in, the channel counts moved from the ones to the others. Returns
    /// false when it cannot (a channel the list does not have yet).
    pub fn add_rows(
        &mut self,
        inbox: &Inbox,
        team: &Team,
        added: &[ConversationKey],
        unloaded_before: &[ChannelCount],
    ) -> bool {
        let filters = self.filters(team);
        let mut rows = Vec::new();
        let mut counts: Vec<ChannelCount> = Vec::new();
        for key in added {
            let Some(entry) = inbox.get(key) else {
                continue;
            };
            if !self.has_channel(&entry.info.channel) {
                return false;
            }
            add_count(&mut counts, &entry.info.channel, 1, unread_counted(entry));
            if self.lists(key, entry, &filters) {
                rows.push((self.order(entry), entry.info.key.clone()));
            }
        }
        for entry in self.channels.iter_mut() {
            let applies = |channel: &Channel| entry.channel.as_ref().is_none_or(|c| c == channel);
            let sum = |counts: &[ChannelCount]| {
                counts
                    .iter()
                    .filter(|count| applies(&count.channel))
                    .fold((0, 0), |(n, unread), count| {
                        (n + count.conversations, unread + count.unread)
                    })
            };
            let (added_rows, added_unread) = sum(&counts);
            let (now_rows, now_unread) = sum(inbox.unloaded.as_deref().unwrap_or_default());
            let (before_rows, before_unread) = sum(unloaded_before);
            entry.conversations =
                (entry.conversations + added_rows + now_rows).saturating_sub(before_rows);
            entry.unread = (entry.unread + added_unread + now_unread).saturating_sub(before_unread);
        }
        rows.sort_unstable();
        let listed = std::mem::take(&mut self.conversations)
            .into_iter()
            .zip(std::mem::take(&mut self.conversation_orders));
        let length = listed.len() + rows.len();
        let (mut keys, mut orders) = (Vec::with_capacity(length), Vec::with_capacity(length));
        let mut rows = rows.into_iter().peekable();
        for (key, order) in listed {
            while let Some((row_order, row_key)) =
                rows.next_if(|row| (row.0, &row.1) < (order, &key))
            {
                orders.push(row_order);
                keys.push(row_key);
            }
            orders.push(order);
            keys.push(key);
        }
        for (order, key) in rows {
            orders.push(order);
            keys.push(key);
        }
        (self.conversation_orders, self.conversations) = (orders, keys);
        self.settle_selection();
        true
    }

    /// Moves the channel counts from what the conversation added before to what it adds now;
    /// false when the channels themselves change.
    fn count_row(&mut self, before: Option<&Row>, after: Option<&Row>) -> bool {
        if let Some(row) = after
            && !self.has_channel(&row.channel)
        {
            return false;
        }
        for entry in self.channels.iter_mut() {
            let counts = |row: Option<&Row>| {
                row.filter(|row| {
                    entry.channel.is_none() || entry.channel.as_ref() == Some(&row.channel)
                })
                .map_or((0, 0), |row| (row.unread, 1))
            };
            let (unread_before, rows_before) = counts(before);
            let (unread_after, rows_after) = counts(after);
            entry.unread = (entry.unread + unread_after).saturating_sub(unread_before);
            entry.conversations = (entry.conversations + rows_after).saturating_sub(rows_before);
        }
        // A channel left without conversations leaves the list.
        self.channels
            .iter()
            .all(|e| e.channel.is_none() || e.conversations > 0)
    }

    fn has_channel(&self, channel: &Channel) -> bool {
        self.channels
            .iter()
            .any(|e| e.channel.as_ref() == Some(channel))
    }

    /// The index of `key` in the list, found by its order (the list is sorted).
    fn position(&self, key: &ConversationKey, order: Order) -> Option<usize> {
        let at = self.rows_before(order, key);
        (self.conversations.get(at) == Some(key)).then_some(at)
    }

    /// How many rows of the list sort before `order` and `key`: a binary search over the
    /// orders kept beside the keys.
    fn rows_before(&self, order: Order, key: &ConversationKey) -> usize {
        let (mut low, mut high) = (0, self.conversations.len());
        while low < high {
            let middle = low + (high - low) / 2;
            let row = (
                self.conversation_orders[middle],
                &self.conversations[middle],
            );
            match row < (order, key) {
                true => low = middle + 1,
                false => high = middle,
            }
        }
        low
    }

    fn row(&self, key: &ConversationKey, entry: &ConversationEntry, team: &Team) -> Row {
        Row {
            channel: entry.info.channel.clone(),
            unread: unread_counted(entry),
            listed: self.lists(key, entry, &self.filters(team)),
            order: self.order(entry),
        }
    }

    fn order(&self, entry: &ConversationEntry) -> Order {
        order_by(entry, self.by_priority)
    }

    fn filters<'a>(&'a self, team: &'a Team) -> Filters<'a> {
        Filters {
            channel: self.selected_channel().cloned(),
            needle: self.filter.to_lowercase(),
            kept: self
                .keep_listed
                .as_ref()
                .filter(|key| self.selected.as_ref() == Some(*key)),
            team,
        }
    }

    /// Whether the conversation is in the list under the current filters.
    fn lists(&self, key: &ConversationKey, e: &ConversationEntry, filters: &Filters) -> bool {
        let Filters {
            channel,
            needle,
            kept,
            team,
        } = filters;
        let kept = *kept;
        // The row the agent is on stays while they are on it, though a change they just made
        // takes it out of the view (assigned away, a label taken off).
        let here = kept == Some(key) || self.open.as_ref() == Some(key);
        let status = match self.status_filter {
            // Snoozed conversations are off the list until they are back (the one just
            // snoozed stays while the cursor is on it).
            None => {
                !e.is_snoozed()
                    || here
                    // A view that names statuses decides about snoozed ones itself.
                    || self
                        .saved_view
                        .as_ref()
                        .is_some_and(|view| !view.query.statuses.is_empty())
            }
            Some(ConversationStatus::Snoozed) => e.is_snoozed(),
            Some(status) => !e.is_snoozed() && e.info.status == status,
        };
        let assignee = e.info.work.as_ref().and_then(|w| w.assignee.as_deref());
        channel.as_ref().is_none_or(|c| &e.info.channel == c)
            && (needle.is_empty() || matches_filter(e, needle, self.several_accounts, team, key))
            && status
            && (!self.unread_only || e.info.unread > 0 || self.open.as_ref() == Some(key))
            && (here
                || match self.assignee_view {
                    AssigneeView::All => true,
                    AssigneeView::Mine => assignee == Some(team.me(&key.account)),
                    AssigneeView::Unassigned => assignee.is_none(),
                })
            && (here
                || self.label_filter.as_ref().is_none_or(|label| {
                    e.info.work.as_ref().is_some_and(|work| {
                        work.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
                    })
                }))
            && (here
                || self
                    .saved_view
                    .as_ref()
                    .is_none_or(|view| super::saved_views::selects(&view.query, e, key, team)))
    }
}

fn order_by(entry: &ConversationEntry, by_priority: bool) -> Order {
    let priority = match by_priority {
        true => entry
            .info
            .work
            .as_ref()
            .map(|w| w.priority)
            .unwrap_or_default(),
        false => Priority::None,
    };
    let activity = entry.last_activity().map_or(i64::MIN, |at| {
        let nanos = at.unix_timestamp_nanos();
        i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN + 1 } else { i64::MAX })
    });
    (Reverse(priority), Reverse(activity))
}

fn add_count(counts: &mut Vec<ChannelCount>, channel: &Channel, rows: usize, unread: u32) {
    match counts.iter_mut().find(|count| &count.channel == channel) {
        Some(count) => {
            count.conversations += rows;
            count.unread += unread;
        }
        None => counts.push(ChannelCount {
            channel: channel.clone(),
            conversations: rows,
            unread,
        }),
    }
}

/// A snoozed conversation asks for nothing until it is back.
fn unread_counted(entry: &ConversationEntry) -> u32 {
    match entry.is_snoozed() {
        true => 0,
        false => entry.info.unread,
    }
}

fn matches_filter(
    entry: &ConversationEntry,
    needle: &str,
    accounts: bool,
    team: &Team,
    key: &ConversationKey,
) -> bool {
    let contact = &entry.info.contact;
    // Who has it (by name) and its labels are found too.
    let work = entry.info.work.as_ref();
    let by_work = work.is_some_and(|work| {
        work.labels
            .iter()
            .any(|label| label.to_lowercase().contains(needle))
            || work.assignee.as_deref().is_some_and(|id| {
                team.name_of(&key.account, id, "me")
                    .to_lowercase()
                    .contains(needle)
            })
    });
    contact.name.to_lowercase().contains(needle)
        || contact.identity.to_lowercase().contains(needle)
        || entry.info.channel.label().to_lowercase().contains(needle)
        || (accounts && entry.info.key.account.0.to_lowercase().contains(needle))
        || entry
            .preview()
            .is_some_and(|(_, text)| text.to_lowercase().contains(needle))
        || by_work
}

/// The conversation an event changes when it changes only one.
pub fn one_conversation(event: &AccountEvent) -> Option<ConversationKey> {
    let id = match &event.event {
        ProviderEvent::Messages { conversation, .. }
        | ProviderEvent::ConversationStatus { conversation, .. }
        | ProviderEvent::Workflow { conversation, .. } => conversation,
        ProviderEvent::Conversations(conversations) if conversations.len() == 1 => {
            return Some(conversations[0].key.clone());
        }
        _ => return None,
    };
    Some(ConversationKey::new(&event.account, id.as_str()))
}
