//! What the app and the store say to each other: plain data, no IO. The reducer emits
//! [`StoreRequest`]s as effects and hears [`StoreEvent`]s back; the store actor owns the rest.

use crate::contract::search::{SearchHit, SearchQuery};
use crate::model::{Conversation, ConversationKey, Message, Timestamp};

/// One thing asked of the store: a change to persist, or a page of cached messages to read.
/// The actor handles them in the order they were sent, so a read sees every write before it.
// Requests live for a moment between the reducer and the actor; boxing them would cost more
// allocations than the size spread between variants costs memory.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum StoreRequest {
    /// Upsert conversations as the app now holds them.
    Conversations(Vec<CachedConversation>),
    /// Upsert messages as the app now holds them (after the merge rules). A message carrying a
    /// client id replaces the local echo stored under that id (merge rule 4).
    Messages {
        key: ConversationKey,
        messages: Vec<Message>,
    },
    /// A provider's backfill cursor: everything up to this message has been listed.
    Cursor {
        key: ConversationKey,
        at: Timestamp,
        id: String,
    },
    /// The user read the conversation up to `message` (its newest message, if any).
    ReadMarker {
        key: ConversationKey,
        message: Option<String>,
        at: Timestamp,
    },
    /// A new reply: its local echo and its outbox entry, in one transaction. The store answers
    /// [`StoreEvent::Queued`] once it is durable; only then is it sent (merge rule 7).
    Enqueue { entry: OutboxEntry, echo: Message },
    /// An attempt failed or the user retried: the entry's new attempt count and state.
    OutboxUpdate {
        client_id: String,
        attempts: u32,
        state: OutboxState,
    },
    /// The server copy arrived: the reply left the outbox.
    OutboxDone { client_id: String },
    /// The platform deleted a message: the cache forgets it too, so a restart does not bring
    /// it back.
    DeleteMessage { key: ConversationKey, id: String },
    /// A delivery update for a message the app no longer holds in memory (past its thread's
    /// resident window): applied to the stored copy, never moving its status backwards.
    Status {
        key: ConversationKey,
        id: String,
        status: crate::model::DeliveryStatus,
        failure: Option<String>,
    },
    /// The user gave up on a failed reply: its entry and its echo go.
    Discard {
        key: ConversationKey,
        client_id: String,
    },
    /// The unsent draft of a conversation as it now is; empty: there is none.
    Draft {
        key: ConversationKey,
        text: String,
        /// A private note's draft (it comes back as a note, never as a reply).
        note: bool,
    },
    /// A read: the page of up to `limit` cached messages just before
    /// `before` (`(at, id)` of the oldest message the app holds; `None`: the newest page).
    /// Answered with [`StoreEvent::Page`] once the writes queued before it are applied.
    LoadPage {
        key: ConversationKey,
        before: Option<(Timestamp, String)>,
        limit: usize,
    },
    /// A read: the message `at` (`(at, id)`; included when stored), up to `older` messages
    /// just before it and up to `newer` just after it. Answered with [`StoreEvent::Around`].
    /// A search hit deep in a long thread is shown in a window read this way, and the window
    /// pages from its ends, so the cost does not grow with how deep the hit is.
    LoadAround {
        key: ConversationKey,
        at: (Timestamp, String),
        older: usize,
        newer: usize,
    },
    /// A read: the newest `limit` hits of a search over every stored message, answered with
    /// [`StoreEvent::Found`] under the same `id` (the app keeps only the latest answer).
    Search {
        id: u64,
        query: SearchQuery,
        limit: usize,
    },
}

/// What the store tells the app.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreEvent {
    /// The cached inbox, sent on start before any network answers: its first part, then
    /// the rest in parts while the store is otherwise idle.
    Loaded(Snapshot),
    /// The reply with this client id is durable and may be sent.
    Queued { client_id: String },
    /// A write failed (disk full, locked database…): the user should know.
    Failed(String),
    /// The answer to [`StoreRequest::LoadPage`]: cached messages in thread order. `exhausted`
    /// says the store holds nothing older (older history is the provider's to fetch).
    Page {
        key: ConversationKey,
        messages: Vec<Message>,
        exhausted: bool,
    },
    /// The answer to [`StoreRequest::LoadAround`], in thread order, under the `at` it was
    /// asked with (only the latest read counts). `older_exhausted` / `newer_exhausted`: the
    /// store holds no more on that side than it gave (said only of a side that was asked for;
    /// `false` otherwise).
    Around {
        key: ConversationKey,
        at: (Timestamp, String),
        messages: Vec<Message>,
        older_exhausted: bool,
        newer_exhausted: bool,
    },
    /// The answer to [`StoreRequest::Search`]: its hits, or why there are none.
    Found {
        id: u64,
        hits: Result<Vec<SearchHit>, String>,
    },
    /// The search index is being built over messages stored before it existed: how far
    /// (sent as it goes, and once when done).
    Indexing { done: u64, total: u64 },
}

/// A conversation as cached (its `info.unread` is the app's one unread count), with its
/// history state.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedConversation {
    pub info: Conversation,
    /// Put aside until a time or the customer's next message.
    pub snooze: Option<crate::model::Snooze>,
    pub history_complete: bool,
}

/// What the store loads on start, in parts: each conversation with its newest message (the
/// list's preview and order) and the echoes of unsent replies. The first part holds the
/// conversations that sort first (more than a screen), those with unsent replies or drafts, the
/// outbox, drafts and cursors, so the first frame does not wait for the rest; the others follow
/// in the list's order. Older messages are read a page at a time when a thread is opened or
/// scrolled ([`StoreRequest::LoadPage`]), so the start costs the same with a thousand cached
/// messages or a million, and with a hundred conversations or a hundred thousand.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub conversations: Vec<CachedConversation>,
    /// Per conversation: its newest cached message, and any unsent echoes.
    pub messages: Vec<(ConversationKey, Vec<Message>)>,
    /// Replies not yet confirmed by their server, oldest first.
    pub outbox: Vec<OutboxEntry>,
    /// Per conversation, the provider's cursor `(at, id)`: where its backfill resumes.
    pub cursors: Vec<(ConversationKey, Timestamp, String)>,
    /// Unsent drafts, per conversation.
    pub drafts: Vec<Draft>,
    /// More parts follow: what the conversations not yet sent add to each channel.
    pub unsent: Option<Vec<ChannelCount>>,
}

/// What a set of conversations adds to a channel's row of the channel list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelCount {
    pub channel: crate::model::Channel,
    pub conversations: usize,
    /// Unread messages, those of snoozed conversations left out.
    pub unread: u32,
}

/// A conversation's unsent draft as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub key: ConversationKey,
    pub text: String,
    /// A private note's draft, not a reply's.
    pub note: bool,
}

/// A reply on its way out.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub key: ConversationKey,
    /// The id the backend deduplicates on (Linktor `metadata.clientId`).
    pub client_id: String,
    pub text: String,
    pub created_at: Timestamp,
    /// Send attempts so far (each one is a provider call with its own HTTP retries).
    pub attempts: u32,
    pub state: OutboxState,
}

/// Whether the outbox still tries a reply on its own.
#[derive(Clone, Debug, PartialEq)]
pub enum OutboxState {
    /// To be sent (again); on start every such entry is sent.
    Queued,
    /// Given up after the last attempt; waits for the user to retry or discard it.
    Failed(String),
}
