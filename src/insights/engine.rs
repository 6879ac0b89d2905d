//! The local insight engine for one conversation: offline, deterministic, incremental.
//!
//! Each message is read once: its facts (questions, action items, entities, phrases, tracker
//! hits) are extracted and kept. A message that arrives after everything known (the common
//! case) updates the insights in place, touching only what it can change: open questions and
//! items, the entity index, the phrases it mentions. A message inserted earlier in the thread,
//! an edit, or a local echo replaced by the server copy replays the stored facts in thread
//! order instead; that re-reads no text. Duplicates change nothing. The engine keeps the facts
//! of the newest [`MAX_FACTS`] messages at most, so no replay grows with a conversation's age.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::actions::{self, FoundAction};
use super::analytics::AnalyticsState;
use super::entities::{self, Found};
use super::model::*;
use super::topics::{self, TopicCounter};
use super::trackers::{self, TrackerSpec};
use super::{due, questions, text};
use crate::model::{Content, Message, Timestamp};

/// What the engine kept of one message.
#[derive(Clone, Debug)]
struct Facts {
    side: Side,
    sender: String,
    /// The text read, to tell a duplicate from an edit.
    text: String,
    questions: Vec<String>,
    /// Whether it can answer the other side's questions.
    answers: bool,
    actions: Vec<FoundAction>,
    entities: Vec<Found>,
    phrases: Vec<String>,
    tracker_hits: Vec<(usize, String)>,
    /// Normalised words, for spotting that an item was done.
    words: Vec<String>,
}

impl Facts {
    fn read(message: &Message, trackers: &[TrackerSpec]) -> Self {
        let text = message_text(&message.content);
        let answers = match &message.content {
            Content::Text(_) => questions::answers(&text),
            // A photo, a document or a location in reply is an answer of its own.
            _ => text.is_empty() || questions::answers(&text),
        };
        Self {
            side: Side::from(message.direction),
            sender: message.sender.clone(),
            questions: questions::questions_in(&text),
            answers,
            actions: actions::actions_in(&text),
            entities: entities::entities_in(&text),
            phrases: topics::phrases_in(&text),
            tracker_hits: trackers::hits_in(trackers, &text),
            words: text::words(&text),
            text,
        }
    }
}

/// The text of a message the engine reads: the text, or a media caption.
fn message_text(content: &Content) -> String {
    match content {
        Content::Text(text) => text.clone(),
        Content::Media {
            caption: Some(caption),
            ..
        } => caption.clone(),
        _ => String::new(),
    }
}

type Key = (Timestamp, MessageId);

/// The most messages whose facts the engine keeps: insights describe the newest of a
/// conversation. Past it the oldest are dropped down to [`FACTS_KEPT`] (in steps, so the replay
/// a drop needs comes once per thousand messages, not per message), which bounds a replay: a
/// flood of messages landing out of order costs at most this many steps per batch.
pub const MAX_FACTS: usize = 4_000;
const FACTS_KEPT: usize = 3_000;

/// Where an open action item lives, and what closes it (worked out once, when it opens, so
/// each new message costs a few word comparisons per open item).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ItemRef {
    follow_up: bool,
    index: usize,
    owner: Option<Side>,
    /// Words that report it done ("sent", "cancelled"…).
    closing_words: Vec<String>,
    /// Any real answer of the owner closes it ("let me check").
    any_reply_closes: bool,
}

/// The insights of one conversation and what keeps them up to date.
#[derive(Clone, Debug)]
pub struct InsightEngine {
    trackers: Arc<[TrackerSpec]>,
    facts: BTreeMap<Key, Facts>,
    at_by_id: HashMap<MessageId, Timestamp>,
    insights: ConversationInsights,
    open_questions: Vec<usize>,
    open_items: Vec<ItemRef>,
    /// How many open items each closing word would close, and how many close on any reply:
    /// most messages close nothing, and this tells so without visiting every open item.
    closers: HashMap<String, u32>,
    reply_closers: u32,
    entity_index: HashMap<(EntityKind, String), usize>,
    topics: TopicCounter,
    analytics: AnalyticsState,
    /// Facts were stored out of order and the insights wait for a replay.
    replay_owed: bool,
}

/// What taking in one message needs next.
enum Taken {
    Unchanged,
    Appended,
    NeedsReplay,
}

impl Default for InsightEngine {
    fn default() -> Self {
        Self::new(Arc::from(trackers::default_trackers()))
    }
}

impl InsightEngine {
    pub fn new(trackers: Arc<[TrackerSpec]>) -> Self {
        let mut engine = Self {
            trackers,
            facts: BTreeMap::new(),
            at_by_id: HashMap::new(),
            insights: ConversationInsights::default(),
            open_questions: Vec::new(),
            open_items: Vec::new(),
            closers: HashMap::new(),
            reply_closers: 0,
            entity_index: HashMap::new(),
            topics: TopicCounter::default(),
            analytics: AnalyticsState::default(),
            replay_owed: false,
        };
        engine.reset();
        engine
    }

    /// The insights as of the messages seen so far.
    pub fn insights(&self) -> &ConversationInsights {
        &self.insights
    }

    /// How many messages the engine holds.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Takes in one message (new, repeated, edited or a server copy of a local echo).
    /// Returns whether the insights may have changed.
    pub fn observe(&mut self, message: &Message) -> bool {
        match self.take(message) {
            Taken::Unchanged => false,
            Taken::Appended => true,
            Taken::NeedsReplay => {
                self.replay();
                true
            }
        }
    }

    /// Takes in a batch (a page of history, a reconnect's catch-up): like [`Self::observe`]
    /// for each, but a batch that lands out of order replays the stored facts once at the end
    /// rather than once per message.
    pub fn observe_all<'a>(&mut self, messages: impl IntoIterator<Item = &'a Message>) -> bool {
        let changed = self.observe_all_deferred(messages);
        self.settle();
        changed
    }

    /// Like [`Self::observe_all`], but a replay the batch needs is left owed until
    /// [`Self::settle`]: the caller merges several batches and settles once.
    pub fn observe_all_deferred<'a>(
        &mut self,
        messages: impl IntoIterator<Item = &'a Message>,
    ) -> bool {
        let mut changed = false;
        for message in messages {
            match self.take(message) {
                Taken::Unchanged => {}
                Taken::Appended => changed = true,
                Taken::NeedsReplay => {
                    changed = true;
                    self.replay_owed = true;
                }
            }
        }
        changed
    }

    /// Replays the stored facts if a deferred batch left that owed; returns whether it did.
    pub fn settle(&mut self) -> bool {
        if self.replay_owed {
            self.replay();
            return true;
        }
        false
    }

    /// Stores a message's facts; applies them at once when they extend the thread. Once a
    /// replay is owed, later messages of the batch are only stored (the replay covers them).
    fn take(&mut self, message: &Message) -> Taken {
        // A private note is the agents' aside, not part of the conversation with the customer.
        if message.direction == crate::model::Direction::Note {
            return Taken::Unchanged;
        }
        let mut replay = self.replay_owed;
        // A local echo replaced by the server copy (merge rule 4): forget the echo.
        if let Some(client_id) = &message.client_id
            && *client_id != message.id
            && let Some(at) = self.at_by_id.remove(client_id)
        {
            self.facts.remove(&(at, client_id.clone()));
            self.replay_owed = true;
            replay = true;
        }
        if let Some(at) = self.at_by_id.get(&message.id).copied() {
            let key = (at, message.id.clone());
            let same = self.facts.get(&key).is_some_and(|f| {
                at == message.at
                    && f.side == Side::from(message.direction)
                    && f.text == message_text(&message.content)
            });
            if same && !replay {
                return Taken::Unchanged;
            }
            if same {
                return Taken::NeedsReplay;
            }
            self.facts.remove(&key);
            self.replay_owed = true;
            replay = true;
        }
        let key = (message.at, message.id.clone());
        // Older than everything kept, with the window full: it would be dropped at once.
        if self.facts.len() >= FACTS_KEPT
            && self
                .facts
                .first_key_value()
                .is_some_and(|(first, _)| key < *first)
        {
            // A fact removed above still owes its replay.
            return if replay {
                Taken::NeedsReplay
            } else {
                Taken::Unchanged
            };
        }
        let facts = Facts::read(message, &self.trackers);
        let appends = self
            .facts
            .last_key_value()
            .is_none_or(|(last, _)| *last < key);
        self.at_by_id.insert(message.id.clone(), message.at);
        if replay || !appends {
            self.facts.insert(key, facts);
            self.replay_owed = true;
            return Taken::NeedsReplay;
        }
        self.step(&key, &facts);
        self.facts.insert(key, facts);
        if self.facts.len() > MAX_FACTS {
            self.bound_facts();
            return Taken::NeedsReplay;
        }
        self.refresh_waiting();
        self.refresh_open();
        Taken::Appended
    }

    /// Drops the oldest facts past [`MAX_FACTS`]; their insights go at the replay this owes.
    fn bound_facts(&mut self) {
        if self.facts.len() <= MAX_FACTS {
            return;
        }
        while self.facts.len() > FACTS_KEPT {
            if let Some(((_, id), _)) = self.facts.pop_first() {
                self.at_by_id.remove(&id);
            }
        }
        self.replay_owed = true;
    }

    /// Rebuilds every insight from the stored facts, in thread order.
    fn replay(&mut self) {
        self.bound_facts();
        self.replay_owed = false;
        self.reset();
        let facts = std::mem::take(&mut self.facts);
        for (key, f) in &facts {
            self.step(key, f);
        }
        self.facts = facts;
        self.refresh_waiting();
        self.refresh_open();
    }

    /// The open counts from the engine's own lists of what is open.
    fn refresh_open(&mut self) {
        let follow_ups = self.open_items.iter().filter(|i| i.follow_up).count();
        self.insights.open = Some(OpenCounts {
            questions: self.open_questions.len(),
            action_items: self.open_items.len() - follow_ups,
            follow_ups,
        });
    }

    fn reset(&mut self) {
        self.insights = ConversationInsights {
            trackers: self
                .trackers
                .iter()
                .map(|t| Tracker {
                    name: t.name.clone(),
                    count: 0,
                    hits: Vec::new(),
                })
                .collect(),
            ..ConversationInsights::default()
        };
        self.open_questions.clear();
        self.open_items.clear();
        self.closers.clear();
        self.reply_closers = 0;
        self.entity_index.clear();
        self.topics = TopicCounter::default();
        self.analytics = AnalyticsState::default();
    }

    /// Adds one message's facts, in thread order.
    fn step(&mut self, key: &Key, facts: &Facts) {
        let (at, id) = key;
        self.answer_questions(id, facts);
        self.complete_items(id, facts);
        self.add_questions(id, facts);
        self.add_items(id, *at, facts);
        self.add_entities(id, facts);
        for (index, term) in &facts.tracker_hits {
            if let Some(tracker) = self.insights.trackers.get_mut(*index) {
                tracker.count += 1;
                tracker.hits.push(TrackerHit {
                    term: term.clone(),
                    message: id.clone(),
                });
            }
        }
        self.topics
            .add(id, &facts.phrases, &mut self.insights.topics);
        self.analytics
            .add(facts.side, *at, &mut self.insights.analytics);
    }

    fn answer_questions(&mut self, id: &MessageId, facts: &Facts) {
        if !facts.answers {
            return;
        }
        let questions = &mut self.insights.questions;
        self.open_questions.retain(|&index| {
            let question = &mut questions[index];
            if question.asked_by.side == Some(facts.side.other()) {
                question.answer = Answer::Answered { by: id.clone() };
                false
            } else {
                true
            }
        });
    }

    fn add_questions(&mut self, id: &MessageId, facts: &Facts) {
        for text in &facts.questions {
            self.open_questions.push(self.insights.questions.len());
            self.insights.questions.push(Question {
                text: text.clone(),
                asked_by: Party {
                    side: Some(facts.side),
                    name: Some(facts.sender.clone()),
                },
                messages: vec![id.clone()],
                answer: Answer::Unanswered,
            });
        }
    }

    fn item_mut(&mut self, item: &ItemRef) -> &mut ActionItem {
        let list = if item.follow_up {
            &mut self.insights.follow_ups
        } else {
            &mut self.insights.action_items
        };
        &mut list[item.index]
    }

    fn complete_items(&mut self, id: &MessageId, facts: &Facts) {
        let may_close = (self.reply_closers > 0 && facts.answers)
            || actions::says_done(&facts.words)
            || facts.words.iter().any(|w| self.closers.contains_key(w));
        if !may_close {
            return;
        }
        let mut closed = Vec::new();
        for (position, item_ref) in self.open_items.iter().enumerate() {
            if item_ref.owner != Some(facts.side) {
                continue;
            }
            let named = facts
                .words
                .iter()
                .any(|w| item_ref.closing_words.contains(w));
            let answered = item_ref.any_reply_closes && facts.answers;
            if named || answered {
                closed.push(position);
            }
        }
        // "Done!" without a verb closes the owner's latest open item.
        if closed.is_empty() && actions::says_done(&facts.words) {
            let latest = self
                .open_items
                .iter()
                .enumerate()
                .rev()
                .find(|(_, item)| item.owner == Some(facts.side))
                .map(|(position, _)| position);
            closed.extend(latest);
        }
        for position in closed.into_iter().rev() {
            let item_ref = self.open_items.remove(position);
            self.forget_closers(&item_ref);
            self.item_mut(&item_ref).state = ItemState::Done { by: id.clone() };
        }
    }

    fn forget_closers(&mut self, item: &ItemRef) {
        for word in &item.closing_words {
            if let Some(count) = self.closers.get_mut(word) {
                *count -= 1;
                if *count == 0 {
                    self.closers.remove(word);
                }
            }
        }
        self.reply_closers -= u32::from(item.any_reply_closes);
    }

    fn add_items(&mut self, id: &MessageId, at: Timestamp, facts: &Facts) {
        for found in &facts.actions {
            let due_words: Vec<&str> = facts
                .entities
                .iter()
                .filter(|e| e.kind == EntityKind::DateTime && found.text.contains(&e.text))
                .map(|e| e.text.as_str())
                .collect();
            let due = (!due_words.is_empty()).then(|| {
                let text = due_words.join(" ");
                Due {
                    at: due::resolve(&text.to_lowercase(), at),
                    text,
                }
            });
            let owner = match found.kind {
                ActionKind::Commitment => Party {
                    side: Some(facts.side),
                    name: Some(facts.sender.clone()),
                },
                ActionKind::Request => Party::side(facts.side.other()),
            };
            let item = ActionItem {
                text: found.text.clone(),
                from: Party {
                    side: Some(facts.side),
                    name: Some(facts.sender.clone()),
                },
                owner,
                task: found.task.clone(),
                kind: found.kind,
                due,
                contact: found.contact,
                messages: vec![id.clone()],
                state: ItemState::Open,
            };
            let follow_up = item.contact.is_some();
            let index = if follow_up {
                self.insights.follow_ups.len()
            } else {
                self.insights.action_items.len()
            };
            let mut closing_words = actions::past_forms(&found.verb);
            if matches!(
                item.contact,
                Some(ContactMode::Email | ContactMode::Send | ContactMode::Message)
            ) {
                closing_words.extend(["sent", "emailed", "resent"].map(String::from));
            }
            let item_ref = ItemRef {
                follow_up,
                index,
                owner: item.owner.side,
                closing_words,
                any_reply_closes: actions::done_by_any_reply(&found.verb)
                    && found.kind == ActionKind::Commitment,
            };
            for word in &item_ref.closing_words {
                *self.closers.entry(word.clone()).or_default() += 1;
            }
            self.reply_closers += u32::from(item_ref.any_reply_closes);
            self.open_items.push(item_ref);
            if follow_up {
                self.insights.follow_ups.push(item);
            } else {
                self.insights.action_items.push(item);
            }
        }
    }

    fn add_entities(&mut self, id: &MessageId, facts: &Facts) {
        for found in &facts.entities {
            let key = (found.kind.clone(), found.value.clone());
            match self.entity_index.get(&key) {
                Some(&index) => {
                    let entity = &mut self.insights.entities[index];
                    if entity.messages.last() != Some(id) {
                        entity.messages.push(id.clone());
                    }
                }
                None => {
                    self.entity_index.insert(key, self.insights.entities.len());
                    self.insights.entities.push(Entity {
                        kind: found.kind.clone(),
                        text: found.text.clone(),
                        value: found.value.clone(),
                        messages: vec![id.clone()],
                    });
                }
            }
        }
    }

    fn refresh_waiting(&mut self) {
        let agent_asks = self
            .open_questions
            .iter()
            .any(|&i| self.insights.questions[i].asked_by.side == Some(Side::Agent));
        self.insights.analytics.waiting = self.analytics.waiting(agent_asks);
    }
}
