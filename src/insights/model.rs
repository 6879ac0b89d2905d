//! The insight contract: what any insight source (the local engine, Symbl, …) produces for one
//! conversation. Source-neutral on purpose: every kind is plain data linked to the id(s) of the
//! message(s) it came from, so the panes and the reducer never care who filled it.
//!
//! Stability: other branches map onto these types. Change them additively only (new fields
//! with defaults, new enum variants), never rename or remove.

use time::Duration;

use crate::model::{Direction, Timestamp};

/// The id of a message in the thread (`model::Message::id`).
pub type MessageId = String;

/// Where a set of insights came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InsightSource {
    /// The offline engine in this crate.
    #[default]
    Local,
    /// A remote service, named (e.g. "symbl").
    Remote(String),
}

/// The two sides of a customer conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Customer,
    Agent,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Customer => Side::Agent,
            Side::Agent => Side::Customer,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Agent => "agent",
        }
    }
}

impl From<Direction> for Side {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Inbound => Side::Customer,
            // Notes never reach the engine (see `Engine::take`); a note is the agents' side.
            Direction::Outbound | Direction::Note => Side::Agent,
        }
    }
}

/// Someone who asks, owes or does something. A remote source may know only a name, only a side,
/// or neither.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub side: Option<Side>,
    pub name: Option<String>,
}

impl Party {
    pub fn side(side: Side) -> Self {
        Self {
            side: Some(side),
            name: None,
        }
    }

    /// A short label for the panes: the name when known, else the side.
    pub fn label(&self) -> &str {
        match (&self.name, self.side) {
            (Some(name), _) => name,
            (None, Some(side)) => side.label(),
            (None, None) => "someone",
        }
    }
}

/// Whether a question got an answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Answer {
    /// No reply from the other side yet.
    #[default]
    Unanswered,
    /// Answered by this message.
    Answered { by: MessageId },
    /// The source does not say (remote sources often don't).
    Unknown,
}

/// A question asked by either side.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// The question as written (one sentence).
    pub text: String,
    pub asked_by: Party,
    /// The message(s) it was asked in; the first is where to jump.
    pub messages: Vec<MessageId>,
    pub answer: Answer,
}

impl Question {
    pub fn is_open(&self) -> bool {
        self.answer == Answer::Unanswered
    }
}

/// Whether an action item was a promise by the speaker or something asked of the other side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActionKind {
    /// "I'll send the label tomorrow": the speaker commits.
    #[default]
    Commitment,
    /// "Please cancel my order": the speaker asks the other side.
    Request,
}

/// How a follow-up reaches the other side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactMode {
    Call,
    Email,
    Message,
    Send,
    Schedule,
    Meet,
    /// "I'll get back to you", "I'll keep you posted".
    Update,
}

impl ContactMode {
    pub fn label(self) -> &'static str {
        match self {
            ContactMode::Call => "call",
            ContactMode::Email => "email",
            ContactMode::Message => "message",
            ContactMode::Send => "send",
            ContactMode::Schedule => "schedule",
            ContactMode::Meet => "meet",
            ContactMode::Update => "update",
        }
    }
}

/// When something is due, as said ("by Friday", "tomorrow 3pm").
#[derive(Clone, Debug, PartialEq)]
pub struct Due {
    /// The words used.
    pub text: String,
    /// The moment meant, when the source resolved it.
    pub at: Option<Timestamp>,
}

/// Open until done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ItemState {
    #[default]
    Open,
    /// A later message reports it done.
    Done { by: MessageId },
    /// The source does not say.
    Unknown,
}

/// A commitment or a request: who does what, by when. Follow-ups use the same shape with
/// `contact` set.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionItem {
    /// The sentence it was said in.
    pub text: String,
    /// Who said it.
    pub from: Party,
    /// Who is to do it (the speaker for a commitment, the other side for a request).
    pub owner: Party,
    /// What is to be done, in a few words ("send the return label").
    pub task: String,
    pub kind: ActionKind,
    pub due: Option<Due>,
    /// For follow-ups: how the other side is to be contacted.
    pub contact: Option<ContactMode>,
    pub messages: Vec<MessageId>,
    pub state: ItemState,
}

impl ActionItem {
    pub fn is_open(&self) -> bool {
        self.state == ItemState::Open
    }
}

/// A key phrase of the conversation; topics are ranked by `score`, highest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Topic {
    pub text: String,
    /// Relative weight; comparable only within one conversation.
    pub score: f32,
    pub messages: Vec<MessageId>,
}

/// What an entity is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A date, a day or a time ("March 3", "tomorrow", "3pm").
    DateTime,
    Money,
    /// An order, ticket, case, invoice or tracking number.
    Reference,
    Email,
    Phone,
    Url,
    /// Anything else a remote source names.
    Other(String),
}

impl EntityKind {
    pub fn label(&self) -> &str {
        match self {
            EntityKind::DateTime => "date/time",
            EntityKind::Money => "money",
            EntityKind::Reference => "order/ticket",
            EntityKind::Email => "email",
            EntityKind::Phone => "phone",
            EntityKind::Url => "url",
            EntityKind::Other(name) => name,
        }
    }
}

/// A thing mentioned, with every message that mentions it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    pub kind: EntityKind,
    /// As first written.
    pub text: String,
    /// Normalised for grouping (lower case, digits only for phones…).
    pub value: String,
    pub messages: Vec<MessageId>,
}

/// One occurrence of a tracker's vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackerHit {
    /// The vocabulary entry that matched.
    pub term: String,
    pub message: MessageId,
}

/// A user-defined vocabulary group and where it was heard.
#[derive(Clone, Debug, PartialEq)]
pub struct Tracker {
    pub name: String,
    /// Number of hits (may exceed `hits.len()` if a source only reports counts).
    pub count: u32,
    pub hits: Vec<TrackerHit>,
}

/// Who is waiting for whom right now.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Waiting {
    /// Nobody owes a reply.
    #[default]
    Nobody,
    /// `side` is waiting for the other side since `since`.
    On { side: Side, since: Timestamp },
}

/// A named figure a source reports that has no field of its own (e.g. Symbl's talk time).
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: String,
}

/// The shape of the conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analytics {
    pub customer_messages: u32,
    pub agent_messages: u32,
    /// From the customer's first message to the agent's first reply.
    pub first_response: Option<Duration>,
    /// Median over every customer turn that got an agent reply.
    pub median_response: Option<Duration>,
    pub waiting: Waiting,
    pub other: Vec<Metric>,
}

/// Everything known about one conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationInsights {
    pub source: InsightSource,
    /// In thread order.
    pub questions: Vec<Question>,
    /// Action items that are not follow-ups, in thread order.
    pub action_items: Vec<ActionItem>,
    /// Action items about contacting the other side, in thread order.
    pub follow_ups: Vec<ActionItem>,
    /// Highest score first.
    pub topics: Vec<Topic>,
    /// In order of first mention.
    pub entities: Vec<Entity>,
    /// In config order.
    pub trackers: Vec<Tracker>,
    pub analytics: Analytics,
    /// The open rows of each list, when the producer keeps them (the local engine knows them
    /// without a scan); `None`: count them. The pane's tab labels ask on every frame, and
    /// counting a long thread's thousands of questions was 40 % of a frame.
    pub open: Option<OpenCounts>,
}

/// How many rows of each list are still open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenCounts {
    pub questions: usize,
    pub action_items: usize,
    pub follow_ups: usize,
}

impl ConversationInsights {
    pub fn open_questions(&self) -> usize {
        match self.open {
            Some(open) => open.questions,
            None => self.questions.iter().filter(|q| q.is_open()).count(),
        }
    }

    pub fn open_action_items(&self) -> usize {
        match self.open {
            Some(open) => open.action_items,
            None => self.action_items.iter().filter(|a| a.is_open()).count(),
        }
    }

    pub fn open_follow_ups(&self) -> usize {
        match self.open {
            Some(open) => open.follow_ups,
            None => self.follow_ups.iter().filter(|a| a.is_open()).count(),
        }
    }
}
