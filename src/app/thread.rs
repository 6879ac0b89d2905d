//! One conversation's messages, kept in thread order and merged by the rules of DESIGN.md:
//! upsert by id (rule 1), ordered by `(timestamp, id)` with late arrivals inserted in place
//! (rule 2), monotonic delivery state (rule 3), and a local echo replaced by the server copy
//! that carries its client id (rule 4).

use std::collections::HashMap;

use crate::model::{DeliveryStatus, Message, Timestamp};

/// What an upsert did, so callers can count unread messages and decide whether to redraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    /// A message the thread did not hold before.
    Inserted,
    /// A known message changed (status, content, or a local echo replaced by the server copy).
    Updated,
    /// Nothing changed: a duplicate.
    Unchanged,
}

/// Statuses kept for messages not held (yet); more are left to the store.
const MAX_EARLY: usize = 1024;

/// A status heard before its message (providers deliver out of order); applied on insert.
#[derive(Clone, Debug)]
struct EarlyStatus {
    status: DeliveryStatus,
    reason: Option<String>,
}

/// Threads up to this long find a message by id one by one; longer ones keep an index.
const SEARCHED_ONE_BY_ONE: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct Thread {
    /// Sorted by `(at, id)`.
    messages: Vec<Message>,
    /// Message id → its timestamp, to find it by binary search: every message's once the
    /// thread is longer than [`SEARCHED_ONE_BY_ONE`], none before (most threads hold only their
    /// newest message, and a map per conversation was a tenth of the memory at 100,000).
    /// Boxed so that a thread without one holds a pointer, not an empty map's 48 bytes.
    #[allow(clippy::box_collection)]
    at_by_id: Option<Box<IdMap<Timestamp>>>,
    /// Statuses for ids not seen yet; boxed, as most threads never hear one.
    early: Option<Box<EarlyStatuses>>,
}

/// Message ids hashed with foldhash: SipHash was a tenth of applying a live message.
type IdMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Statuses for ids not seen yet, and the order they came in (the oldest go first).
#[derive(Clone, Debug, Default)]
struct EarlyStatuses {
    by_id: IdMap<EarlyStatus>,
    order: std::collections::VecDeque<String>,
}

impl Thread {
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn last(&self) -> Option<&Message> {
        self.messages.last()
    }

    pub fn first(&self) -> Option<&Message> {
        self.messages.first()
    }

    /// The newest loaded message that `keep` accepts.
    pub fn newest(&self, keep: impl Fn(&Message) -> bool) -> Option<&Message> {
        self.messages.iter().rev().find(|m| keep(m))
    }

    pub fn get(&self, id: &str) -> Option<&Message> {
        self.position(id).map(|i| &self.messages[i])
    }

    /// When the message `id` was sent, if the thread holds it.
    fn at_of(&self, id: &str) -> Option<Timestamp> {
        match &self.at_by_id {
            Some(index) => index.get(id).copied(),
            None => self.messages.iter().find(|m| m.id == id).map(|m| m.at),
        }
    }

    /// Indexes every message once the thread is too long to search one by one.
    fn index_if_long(&mut self) {
        if self.messages.len() > SEARCHED_ONE_BY_ONE && self.at_by_id.is_none() {
            let index = self.messages.iter().map(|m| (m.id.clone(), m.at)).collect();
            self.at_by_id = Some(Box::new(index));
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        let at = self.at_of(id)?;
        self.messages
            .binary_search_by(|m| m.order_key().cmp(&(at, id)))
            .ok()
    }

    /// A page of older history in one move instead of an insert per message: taken when the
    /// page is in order, entirely before the first message and new to the thread. Returns
    /// false (taking nothing) otherwise.
    pub fn prepend_older(&mut self, page: &mut Vec<Message>) -> bool {
        let in_order = page
            .windows(2)
            .all(|pair| pair[0].order_key() < pair[1].order_key());
        let before_first = match (page.last(), self.messages.first()) {
            (Some(last), Some(first)) => last.order_key() < first.order_key(),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let known = |id: &str| self.at_of(id).is_some();
        let new = page.iter().all(|m| {
            !known(&m.id)
                && m.client_id
                    .as_deref()
                    .is_none_or(|c| c == m.id || !known(c))
        });
        if !(in_order && before_first && new) {
            return false;
        }
        for message in page.iter_mut() {
            self.apply_early(message);
            if let Some(index) = &mut self.at_by_id {
                index.insert(message.id.clone(), message.at);
            }
        }
        self.messages.splice(0..0, page.drain(..));
        self.index_if_long();
        true
    }

    /// Drops all but the newest `keep` messages (they are in the store); an unsent echo and
    /// everything after it stay. Returns whether anything went.
    pub fn retain_newest(&mut self, keep: usize) -> bool {
        let mut cut = self.messages.len().saturating_sub(keep);
        if let Some(echo) = self.messages[..cut]
            .iter()
            .position(|m| m.client_id.as_deref() == Some(m.id.as_str()))
        {
            cut = echo;
        }
        if cut == 0 {
            return false;
        }
        for message in self.messages.drain(..cut) {
            if let Some(index) = &mut self.at_by_id {
                index.remove(&message.id);
            }
        }
        true
    }

    fn insert_sorted(&mut self, message: Message) {
        // A live message is the newest: no search for its place.
        let index = match self.messages.last() {
            Some(last) if last.order_key() < message.order_key() => self.messages.len(),
            _ => self
                .messages
                .partition_point(|m| m.order_key() < message.order_key()),
        };
        // Most threads hold only their newest message (the start reads no more): room for
        // one, not the four a first push reserves (576 bytes a conversation at 100,000).
        if self.messages.capacity() == 0 {
            self.messages.reserve_exact(1);
        }
        if let Some(index) = &mut self.at_by_id {
            index.insert(message.id.clone(), message.at);
        }
        self.messages.insert(index, message);
        self.index_if_long();
    }

    fn remove(&mut self, id: &str) -> Option<Message> {
        let position = self.position(id)?;
        if let Some(index) = &mut self.at_by_id {
            index.remove(id);
        }
        Some(self.messages.remove(position))
    }

    /// Drops a message deleted on the platform; false when the thread did not hold it.
    pub fn delete(&mut self, id: &str) -> bool {
        self.remove(id).is_some()
    }

    /// Merges one message into the thread.
    pub fn upsert(&mut self, mut incoming: Message) -> Upsert {
        if let Some(index) = self.position(&incoming.id) {
            let current = &self.messages[index];
            let status = current.status.merge(incoming.status);
            let failure = if status == DeliveryStatus::Failed {
                incoming.failure.clone().or_else(|| current.failure.clone())
            } else {
                None
            };
            let merged = Message {
                status,
                failure,
                client_id: incoming
                    .client_id
                    .clone()
                    .or_else(|| current.client_id.clone()),
                ..incoming
            };
            if merged == *current {
                return Upsert::Unchanged;
            }
            if merged.at == current.at {
                self.messages[index] = merged;
            } else {
                self.remove(&merged.id);
                self.insert_sorted(merged);
            }
            return Upsert::Updated;
        }

        // Rule 4: the server copy of a reply we are still showing as a local echo.
        if let Some(client_id) = incoming.client_id.clone()
            && client_id != incoming.id
            && let Some(echo) = self.remove(&client_id)
        {
            // A failed echo means *we* gave up; the server copy proves it arrived.
            if echo.status != DeliveryStatus::Failed {
                incoming.status = echo.status.merge(incoming.status);
            }
            self.apply_early(&mut incoming);
            self.insert_sorted(incoming);
            return Upsert::Updated;
        }

        self.apply_early(&mut incoming);
        self.insert_sorted(incoming);
        Upsert::Inserted
    }

    fn apply_early(&mut self, message: &mut Message) {
        if let Some(early) = self
            .early
            .as_mut()
            .and_then(|early| early.by_id.remove(&message.id))
        {
            message.status = message.status.merge(early.status);
            if message.status == DeliveryStatus::Failed && message.failure.is_none() {
                message.failure = early.reason;
            }
        }
    }

    /// Applies a delivery update; returns whether anything visible changed. An update for an
    /// unknown id is kept until the message arrives.
    pub fn set_status(&mut self, id: &str, status: DeliveryStatus, reason: Option<String>) -> bool {
        let Some(index) = self.position(id) else {
            // Many of these are for messages past the resident window (the store takes them)
            // and are never claimed: the oldest are forgotten, so a flood of them cannot grow
            // memory nor crowd out a status whose message is just about to arrive.
            let EarlyStatuses { by_id, order } = &mut **self.early.get_or_insert_default();
            if !by_id.contains_key(id) {
                order.push_back(id.to_string());
                while by_id.len() >= MAX_EARLY {
                    match order.pop_front() {
                        Some(oldest) => {
                            by_id.remove(&oldest);
                        }
                        None => break,
                    }
                }
                if order.len() > 2 * MAX_EARLY {
                    order.retain(|id| by_id.contains_key(id));
                }
            }
            let early = by_id.entry(id.to_string()).or_insert(EarlyStatus {
                status,
                reason: reason.clone(),
            });
            early.status = early.status.merge(status);
            if reason.is_some() {
                early.reason = reason;
            }
            return false;
        };
        let message = &mut self.messages[index];
        let merged = message.status.merge(status);
        if merged == message.status {
            return false;
        }
        message.status = merged;
        if merged == DeliveryStatus::Failed {
            message.failure = reason.or_else(|| Some("delivery failed".to_string()));
        }
        true
    }

    /// Marks a local echo failed (the provider gave up sending it).
    pub fn fail_echo(&mut self, client_id: &str, reason: String) -> bool {
        match self.position(client_id) {
            Some(index) => {
                let message = &mut self.messages[index];
                message.status = DeliveryStatus::Failed;
                message.failure = Some(reason);
                true
            }
            None => false,
        }
    }
}

/// Local echoes (messages still under their client id) are ours to change: the outbox moves
/// them between pending and failed as attempts come and go, and may discard them.
impl Thread {
    /// Sets an echo's state and note; returns the updated echo, or `None` if the server copy
    /// has already replaced it.
    pub fn set_echo(
        &mut self,
        client_id: &str,
        status: DeliveryStatus,
        note: Option<String>,
    ) -> Option<Message> {
        let index = self.position(client_id)?;
        let message = &mut self.messages[index];
        if message.client_id.as_deref() != Some(client_id) {
            return None;
        }
        message.status = status;
        message.failure = note;
        Some(message.clone())
    }

    /// Removes an echo the user gave up on.
    pub fn discard_echo(&mut self, client_id: &str) -> bool {
        let is_echo = self
            .get(client_id)
            .is_some_and(|m| m.client_id.as_deref() == Some(client_id));
        is_echo && self.remove(client_id).is_some()
    }
}

#[cfg(test)]
mod index_tests {
    //! A thread finds every message it holds, whether it searches one by one (short) or
    //! through its index (long), across growing past the threshold and shrinking back.

    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;
    use crate::model::{Content, Direction};

    #[derive(Clone, Debug)]
    enum Op {
        Upsert(usize, i64),
        Delete(usize),
        Retain(usize),
        Prepend(usize),
    }

    fn message(id: String, minute: i64) -> Message {
        Message {
            id,
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content: Content::Text("hi".into()),
            at: datetime!(2026-01-01 00:00 UTC) + time::Duration::minutes(minute),
            status: DeliveryStatus::Delivered,
            failure: None,
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => (0..30usize, 0..40i64).prop_map(|(id, at)| Op::Upsert(id, at)),
            1 => (0..30usize).prop_map(Op::Delete),
            1 => (0..12usize).prop_map(Op::Retain),
            1 => (1..12usize).prop_map(Op::Prepend),
        ]
    }

    proptest! {
        #[test]
        fn every_message_held_is_found_and_no_other(ops in proptest::collection::vec(op(), 1..80)) {
            let mut thread = Thread::default();
            let mut model: Vec<(Timestamp, String)> = Vec::new();
            for (step, op) in ops.iter().enumerate() {
                match op {
                    Op::Upsert(id, at) => {
                        let message = message(format!("m{id}"), *at);
                        model.retain(|(_, m)| *m != message.id);
                        model.push((message.at, message.id.clone()));
                        thread.upsert(message);
                    }
                    Op::Delete(id) => {
                        let id = format!("m{id}");
                        model.retain(|(_, m)| *m != id);
                        thread.delete(&id);
                    }
                    Op::Retain(keep) => {
                        model.sort();
                        let cut = model.len().saturating_sub(*keep);
                        model.drain(..cut);
                        thread.retain_newest(*keep);
                    }
                    Op::Prepend(count) => {
                        let mut page: Vec<Message> = (0..*count)
                            .map(|n| message(format!("p{step}-{n}"), -1000 + n as i64 - 10 * step as i64))
                            .collect();
                        if thread.prepend_older(&mut page) {
                            model.extend(
                                (0..*count)
                                    .map(|n| {
                                        let m = message(format!("p{step}-{n}"), -1000 + n as i64 - 10 * step as i64);
                                        (m.at, m.id)
                                    }),
                            );
                        }
                    }
                }
                model.sort();
                let held: Vec<(Timestamp, String)> =
                    thread.messages().iter().map(|m| (m.at, m.id.clone())).collect();
                prop_assert_eq!(&held, &model);
                for (_, id) in &model {
                    prop_assert!(thread.get(id).is_some(), "{} not found", id);
                }
                for id in 0..30 {
                    let id = format!("m{id}");
                    prop_assert_eq!(thread.get(&id).is_some(), model.iter().any(|(_, m)| *m == id));
                }
            }
        }
    }
}
