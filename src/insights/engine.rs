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
use super::states::{self, Asks};
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
    /// The distinct words, sorted: each open item asks whether its closing words are here.
    vocabulary: Vec<String>,
    /// Content words, stemmed: what the message is about.
    stems: Vec<String>,
    /// The same with the days and months it names, to weigh it as a reply to a question.
    reply_stems: Vec<String>,
    /// It asks the other side for something.
    requests: bool,
    /// A photo, a document, a location…
    media: bool,
    /// It reports something done, in any words.
    reports_done: bool,
    /// The content words of the sentences that report something done: what was done ("Booked
    /// for Tue. We can't send the form" reports nothing done about the form).
    done_stems: Vec<String>,
    /// "Done!", "all set": done without naming what.
    says_done: bool,
    /// A short, plain report of completion ("Cancellation confirmed").
    plainly_done: bool,
    /// It opens with a yes or a no.
    yes_or_no: bool,
    /// A later sentence opens with one ("Booked for Fri. No referral needed").
    later_yes_or_no: bool,
    /// Per question: what it asks for and its content words (read once, used at each replay).
    asked: Vec<(Asks, Vec<String>)>,
    /// Per action: the content words of its task.
    task_stems: Vec<Vec<String>>,
}

impl Facts {
    fn read(message: &Message, trackers: &[TrackerSpec]) -> Self {
        let text = message_text(&message.content);
        // What an email quotes ("> On Monday you wrote: …") was asked and promised before;
        // only its entities count again.
        let said = own_words(&text);
        let answers = match &message.content {
            Content::Text(_) => questions::answers(&said),
            // A photo, a document or a location in reply is an answer of its own.
            _ => said.is_empty() || questions::answers(&said),
        };
        let actions = actions::actions_in(&said);
        let words = text::words(&said);
        let sentences = text::sentences(&said);
        let sentence_words: Vec<Vec<String>> = sentences
            .iter()
            .map(|sentence| text::words(sentence))
            .collect();
        // Read per sentence: "a new one won't make it tonight. The refund has gone back to
        // your card" reports the refund done though the message also says "won't".
        let reporting: Vec<&Vec<String>> = sentence_words
            .iter()
            .filter(|words| states::reports_done(words))
            .collect();
        let questions = questions::questions_in(&said);
        let asked = questions
            .iter()
            .map(|question| {
                let words = text::words(question);
                (states::asks(&words), states::question_stems(&words))
            })
            .collect();
        let task_stems = actions
            .iter()
            .map(|action| states::content_stems(&text::words(&action.task)))
            .collect();
        Self {
            side: Side::from(message.direction),
            sender: message.sender.clone(),
            questions,
            asked,
            task_stems,
            answers,
            requests: actions.iter().any(|a| a.kind == ActionKind::Request),
            // A card, a choice list or a location is no photo or document.
            media: matches!(message.content, Content::Media { .. }),
            reports_done: !reporting.is_empty(),
            done_stems: {
                let mut stems: Vec<String> = reporting
                    .iter()
                    .flat_map(|words| states::content_stems(words))
                    .collect();
                stems.sort();
                stems.dedup();
                stems
            },
            says_done: sentences
                .iter()
                .zip(&sentence_words)
                .any(|(sentence, words)| {
                    !questions::is_question(sentence) && actions::says_done(words)
                }),
            // Per sentence in a short message ("Booked. See you Tuesday"), not one line of a
            // long email ("Last updated 3 May").
            plainly_done: match sentence_words.len() {
                0..=3 => sentence_words.iter().any(|s| states::plainly_done(s)),
                _ => states::plainly_done(&words),
            },
            yes_or_no: states::says_yes_or_no(&words),
            later_yes_or_no: sentence_words
                .iter()
                .any(|s| states::opens_with_yes_or_no(s)),
            stems: states::content_stems(&words),
            reply_stems: states::question_stems(&words),
            vocabulary: {
                let mut vocabulary = words.clone();
                vocabulary.sort_unstable();
                vocabulary.dedup();
                vocabulary
            },
            actions,
            entities: entities::entities_in(&text),
            phrases: topics::phrases_in(&said),
            tracker_hits: trackers::hits_in(trackers, &said),
            words,
            text,
        }
    }
}

/// A request to find something out ("check why", "find out if", "confirm whether").
fn asks_to_find_out(task: &str) -> bool {
    let verb = task.split_whitespace().next().unwrap_or_default();
    matches!(
        verb,
        "check" | "find" | "confirm" | "verify" | "explain" | "see"
    )
}

/// The item is said in the question ("Hi, can u check why?" holds "can u check why").
fn said_in_question(item: &str, question: &str) -> bool {
    // Its words, without the clause marks (a comma after "Hi" is no word of the item).
    let words = |text: &str| -> Vec<String> {
        text::words(text).into_iter().filter(|w| w != ",").collect()
    };
    let (item, question) = (words(item), words(question));
    !item.is_empty()
        && question
            .windows(item.len())
            .any(|window| window == item.as_slice())
}

/// The lines of a message that are its writer's own: without the quoted lines of a reply.
fn own_words(text: &str) -> String {
    if !text.contains('>') {
        return text.to_string();
    }
    text.lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n")
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

/// The most open items of one owner, and open questions of one side, a message is compared
/// with (the newest).
const MAX_CLOSABLE: usize = 64;

/// A message of the one who promised "I'll text you back", this long after, is that message
/// though the other side wrote nothing between (a bot's notice in between is not).
const LATER: time::Duration = time::Duration::minutes(15);

/// Where a side's count is kept.
fn slot(side: Side) -> usize {
    match side {
        Side::Customer => 0,
        Side::Agent => 1,
    }
}

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
    /// How many messages the other side had written when it was said: more now means they
    /// have written since.
    other_spoken: u32,
    /// Asked of the customer for something a reply gives (details, a photo, a
    /// confirmation), unlike "bring the receipt on Monday".
    answered_by_reply: bool,
    /// What it is about, to tie a report of completion to it.
    stems: Vec<String>,
    kind: ActionKind,
    contact: Option<ContactMode>,
    /// When it was said, and by whom.
    said_at: Timestamp,
    said_by: String,
    said_in: MessageId,
}

/// An open question and what an answer to it looks like.
#[derive(Clone, Debug)]
struct OpenQuestion {
    index: usize,
    asks: Asks,
    stems: Vec<String>,
    /// How many replies the other side had given when it was asked: a reply when the count
    /// is still that is their first.
    replies_seen: u32,
}

/// The insights of one conversation and what keeps them up to date.
#[derive(Clone, Debug)]
pub struct InsightEngine {
    trackers: Arc<[TrackerSpec]>,
    facts: BTreeMap<Key, Facts>,
    at_by_id: HashMap<MessageId, Timestamp>,
    insights: ConversationInsights,
    open_questions: Vec<OpenQuestion>,
    open_items: Vec<ItemRef>,
    /// How many open items each closing word would close: a message that is no reply of
    /// substance ("ok?", "any news?") closes something only when it names it.
    closers: HashMap<String, u32>,
    /// Messages written, and replies given (an answer or a question back), per side.
    spoken: [u32; 2],
    replies: [u32; 2],
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
            spoken: [0; 2],
            replies: [0; 2],
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
        self.spoken = [0; 2];
        self.replies = [0; 2];
        self.entity_index.clear();
        self.topics = TopicCounter::default();
        self.analytics = AnalyticsState::default();
    }

    /// Adds one message's facts, in thread order.
    fn step(&mut self, key: &Key, facts: &Facts) {
        let (at, id) = key;
        self.spoken[slot(facts.side)] += 1;
        let answered = self.answer_questions(id, facts);
        self.complete_items(id, *at, facts, &answered);
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

    /// Marks the questions `facts` answers; returns where they are in the list.
    fn answer_questions(&mut self, id: &MessageId, facts: &Facts) -> Vec<usize> {
        let replies = self.replies[slot(facts.side)];
        // A question back ("Which version are you on?") is the reply an answer would have been.
        if facts.answers || !facts.questions.is_empty() {
            self.replies[slot(facts.side)] += 1;
        }
        if !facts.answers {
            return Vec::new();
        }
        let kinds: Vec<EntityKind> = facts.entities.iter().map(|e| e.kind.clone()).collect();
        let reply = states::Reply {
            words: &facts.words,
            stems: &facts.reply_stems,
            entities: &kinds,
            requests: facts.requests,
            media: facts.media,
            yes_or_no: facts.yes_or_no,
            later_yes_or_no: facts.later_yes_or_no,
        };
        let questions = &mut self.insights.questions;
        // Only the newest open questions of the other side are weighed: one further back is
        // not what this reply answers, and unanswered questions must not make each reply cost
        // all of them.
        let asked = self
            .open_questions
            .iter()
            .filter(|open| questions[open.index].asked_by.side == Some(facts.side.other()))
            .count();
        let mut skip = asked.saturating_sub(MAX_CLOSABLE);
        let mut answered = Vec::new();
        self.open_questions.retain_mut(|open| {
            let question = &mut questions[open.index];
            if question.asked_by.side != Some(facts.side.other()) {
                return true;
            }
            if skip > 0 {
                skip -= 1;
                return true;
            }
            let first = open.replies_seen == replies;
            if states::answers(open.asks, &open.stems, &reply, first) {
                question.answer = Answer::Answered { by: id.clone() };
                answered.push(open.index);
                false
            } else {
                true
            }
        });
        answered
    }

    fn add_questions(&mut self, id: &MessageId, facts: &Facts) {
        for (text, (asks, stems)) in facts.questions.iter().zip(&facts.asked) {
            self.open_questions.push(OpenQuestion {
                index: self.insights.questions.len(),
                asks: *asks,
                stems: stems.clone(),
                replies_seen: self.replies[slot(facts.side.other())],
            });
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

    /// Closes the items `facts` completes; `answered_questions`: the questions it answered.
    fn complete_items(
        &mut self,
        id: &MessageId,
        at: Timestamp,
        facts: &Facts,
        answered_questions: &[usize],
    ) {
        self.acknowledge_receipt(id, facts);
        let may_close = facts.answers
            || facts.media
            || facts.reports_done
            || facts.says_done
            || facts.words.iter().any(|w| self.closers.contains_key(w));
        if !may_close || self.open_items.is_empty() {
            return;
        }
        let mut closed = Vec::new();
        let mut delivered_one = false;
        // The owner's newest open items: one beyond these is not what a reply is about, and a
        // flood of requests must not make every message cost every item.
        let owned: Vec<usize> = self
            .open_items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.owner == Some(facts.side))
            .map(|(position, _)| position)
            .collect();
        for &position in &owned[owned.len().saturating_sub(MAX_CLOSABLE)..] {
            let item_ref = &self.open_items[position];
            let named = item_ref
                .closing_words
                .iter()
                .any(|w| facts.vocabulary.binary_search(w).is_ok());
            let answered = item_ref.any_reply_closes && facts.answers;
            // Asked of the customer ("send a photo", "confirm the time"): their reply or
            // their photo is it.
            // A photo or a document asked for comes as one, not as words.
            let words_do = !matches!(item_ref.contact, Some(ContactMode::Send));
            let supplied = item_ref.answered_by_reply
                && (facts.media || (words_do && facts.answers && !facts.requests));
            // "I'll text you once it's done", "I'll get back to you": the next real message of
            // the owner is that message.
            let reached = matches!(
                item_ref.contact,
                Some(ContactMode::Message | ContactMode::Update)
            ) && facts.answers
                && item_ref.kind == ActionKind::Commitment
                && (self.spoken[slot(facts.side.other())] > item_ref.other_spoken
                    || (at - item_ref.said_at >= LATER
                        && facts.sender == item_ref.said_by
                        && !facts.requests
                        && facts.questions.is_empty())
                    || states::overlaps(&item_ref.stems, &facts.stems));
            // "Here is the corrected invoice", "Replay started": done in other words.
            let reported = states::overlaps(&item_ref.stems, &facts.done_stems);
            // One link or attachment is one thing sent: it closes the oldest item asking for it.
            let delivered = !delivered_one
                && matches!(
                    item_ref.contact,
                    Some(ContactMode::Send | ContactMode::Email)
                )
                && (facts.media
                    || facts
                        .entities
                        .iter()
                        .any(|e| matches!(e.kind, EntityKind::Url)));
            delivered_one |= delivered;
            // "let me know the new amount" is done by "the new amount is ₹1,999".
            let told = item_ref.contact == Some(ContactMode::Update)
                && item_ref.kind == ActionKind::Request
                && facts.answers
                && (states::overlaps(&item_ref.stems, &facts.stems) || facts.reports_done);
            // "can u check why" asked as a question: the answer is the check done.
            let found_out = !item_ref.follow_up
                && item_ref.kind == ActionKind::Request
                && self
                    .insights
                    .action_items
                    .get(item_ref.index)
                    .is_some_and(|item| {
                        asks_to_find_out(&item.task)
                            && answered_questions.iter().any(|&index| {
                                let question = &self.insights.questions[index];
                                question.messages.first() == Some(&item_ref.said_in)
                                    && said_in_question(&item.text, &question.text)
                            })
                    });

            if named
                || answered
                || supplied
                || reached
                || reported
                || delivered
                || told
                || found_out
            {
                closed.push(position);
            }
        }
        // "Your limit is now 5.000 EUR", "Cancellation confirmed": a report of completion that
        // names nothing open closes the owner's latest item.
        let plain_report = facts.plainly_done && !facts.requests && facts.questions.is_empty();
        // "Done!", "did that" without naming what: after a list of steps ("switch it off and
        // on, then leave it on channel 1") that is all of them, every item of the message
        // that gave the owner its latest.
        let says_done = facts.says_done && facts.questions.is_empty();
        let owned = |item: &ItemRef| item.owner == Some(facts.side);
        if closed.is_empty()
            && (says_done || plain_report)
            && let Some(latest) = self.open_items.iter().rposition(owned)
        {
            if says_done {
                let said_in = &self.open_items[latest].said_in;
                closed.extend((0..self.open_items.len()).filter(|&at| {
                    owned(&self.open_items[at]) && self.open_items[at].said_in == *said_in
                }));
            } else {
                closed.push(latest);
            }
        }
        for position in closed.into_iter().rev() {
            let item_ref = self.open_items.remove(position);
            self.forget_closers(&item_ref);
            self.item_mut(&item_ref).state = ItemState::Done { by: id.clone() };
        }
    }

    /// "Got it, thanks": the other side says what was to be sent arrived, which closes the
    /// newest open item to send them something.
    fn acknowledge_receipt(&mut self, id: &MessageId, facts: &Facts) {
        if !states::acknowledges_receipt(&facts.words) {
            return;
        }
        let sender = facts.side.other();
        let Some(position) = self.open_items.iter().rposition(|item| {
            item.owner == Some(sender)
                && matches!(item.contact, Some(ContactMode::Send | ContactMode::Email))
        }) else {
            return;
        };
        let item_ref = self.open_items.remove(position);
        self.forget_closers(&item_ref);
        self.item_mut(&item_ref).state = ItemState::Done { by: id.clone() };
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
    }

    fn add_items(&mut self, id: &MessageId, at: Timestamp, facts: &Facts) {
        for (found, task_stems) in facts.actions.iter().zip(&facts.task_stems) {
            let due_words: Vec<&str> = facts
                .entities
                .iter()
                .filter(|e| e.kind == EntityKind::DateTime && found.text.contains(&e.text))
                .map(|e| e.text.as_str())
                .collect();
            let due = if due_words.is_empty() {
                // "within 30 days", "in 10 minutes"; "now", "right away": as it is said.
                let words = text::words(&found.text);
                due::after_duration(&words, at)
                    .or_else(|| due::at_once(&words).map(|text| (text, at)))
                    .map(|(text, moment)| Due {
                        text,
                        at: Some(moment),
                    })
            } else {
                let text = due_words.join(" ");
                Some(Due {
                    at: due::resolve(&text.to_lowercase(), at),
                    text,
                })
            };
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
                other_spoken: self.spoken[slot(item.owner.side.unwrap_or(facts.side).other())],
                answered_by_reply: found.kind == ActionKind::Request
                    && item.owner.side == Some(Side::Customer)
                    && actions::supplied_by_reply(&found.verb),
                stems: task_stems.clone(),
                kind: found.kind,
                contact: found.contact,
                said_at: at,
                said_by: facts.sender.clone(),
                said_in: id.clone(),
            };
            let mut item = item;
            if found.now {
                item.state = ItemState::Done { by: id.clone() };
            } else {
                for word in &item_ref.closing_words {
                    *self.closers.entry(word.clone()).or_default() += 1;
                }
                self.open_items.push(item_ref);
            }
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
            .any(|open| self.insights.questions[open.index].asked_by.side == Some(Side::Agent));
        self.insights.analytics.waiting = self.analytics.waiting(agent_asks);
    }
}
