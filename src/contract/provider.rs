//! What providers and the reducer say to each other: [`ProviderEvent`]s in (model types only,
//! never wire types) and [`ProviderCommand`]s out, per account.

use crate::insights::ConversationInsights;
use crate::model::{
    AccountId, Agent, ContactCard, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Message, Priority, SavedReply, Timestamp, Workflow,
};

impl ProviderCommand {
    /// The answer to a command that cannot be carried out (no provider, or one that could not
    /// start): a reply fails with the reason, so it is never lost silently; the rest (typing,
    /// read markers, refreshes) has no answer of its own.
    pub fn refused(self, why: &str) -> Option<ProviderEvent> {
        match self {
            ProviderCommand::SendText {
                conversation,
                client_id,
                ..
            }
            | ProviderCommand::SendWithOptions {
                conversation,
                client_id,
                ..
            }
            | ProviderCommand::Resend {
                conversation,
                client_id,
                ..
            } => Some(ProviderEvent::SendFailed {
                conversation,
                client_id,
                reason: why.to_string(),
            }),
            _ => None,
        }
    }
}

/// The status-bar name of the Symbl task.
pub const SYMBL_ACCOUNT: &str = "symbl";

/// Actions only some platforms have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlatformActions {
    pub delete_message: bool,
    pub capability_lookup: bool,
    /// The platform keeps each conversation's status (open, pending, resolved, snoozed), so a
    /// change is sent to it; otherwise snoozing is kept on this machine alone.
    pub set_status: bool,
    /// The platform keeps who has a conversation, its labels and priority, so a change is
    /// sent to it (and the team sees it); otherwise they are kept on this machine alone.
    pub workflow: bool,
    /// The platform searches its contacts (`SearchContacts`): the search over every message
    /// asks it too, and lists what it finds as remote.
    pub contact_search: bool,
    /// The platform's name, for saying what it cannot do.
    pub platform: &'static str,
}

impl PlatformActions {
    /// Sinch deletes messages and looks up what a contact can receive; the other platforms
    /// have neither. Sinch keeps no status and has no contact search; every platform keeps a
    /// workflow (Sinch in the conversation's metadata) unless it says otherwise.
    pub fn of(platform: &'static str, sinch: bool) -> Self {
        Self {
            delete_message: sinch,
            capability_lookup: sinch,
            set_status: !sinch,
            workflow: true,
            contact_search: !sinch,
            platform,
        }
    }

    /// The same, for a platform that keeps no conversation state (status, assignee, labels,
    /// priority) and no contacts to search (Vumi Go: messages in, messages out).
    pub fn without_conversation_state(self) -> Self {
        Self {
            set_status: false,
            workflow: false,
            contact_search: false,
            ..self
        }
    }

    /// What an account says nothing about is offered (its provider answers if it cannot).
    pub const UNKNOWN: Self = Self {
        delete_message: true,
        capability_lookup: true,
        set_status: true,
        workflow: true,
        // Asked unprompted, as a search is typed: only of a platform known to answer.
        contact_search: false,
        platform: "this platform",
    };
}

/// How the account's connection stands, shown per account in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionState {
    Connecting,
    /// Push channel up and history synced.
    Live,
    /// Waiting before the next attempt; `until` is when it will retry.
    BackingOff {
        until: Timestamp,
        reason: String,
    },
    /// Credentials refused: no retry until the user fixes the config.
    AuthFailed(String),
}

/// What a provider tells the app. Every variant is an upsert or a fact; replaying one twice
/// changes nothing (merge rule 1).
#[derive(Clone, Debug, PartialEq)]
pub enum ProviderEvent {
    Connection(ConnectionState),
    /// Conversations as listed by the platform (a poll page or a push).
    Conversations(Vec<Conversation>),
    /// Messages of one conversation: a poll page, a backfill or a single push.
    Messages {
        conversation: String,
        messages: Vec<Message>,
        /// True when they arrived live (push) rather than from a history listing.
        live: bool,
    },
    /// The end of older history was reached for a conversation (nothing more to fetch).
    HistoryComplete {
        conversation: String,
    },
    StatusUpdate {
        conversation: String,
        message_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    },
    ConversationStatus {
        conversation: String,
        status: ConversationStatus,
    },
    Typing {
        conversation: String,
        who: String,
        typing: bool,
    },
    /// A reply could not be sent; `client_id` names the local echo.
    SendFailed {
        conversation: String,
        client_id: String,
        reason: String,
    },
    /// A full sync (listing conversations and new messages) finished.
    Synced,
    /// Everything up to this message of a conversation has been listed (not just pushed): a
    /// restart resumes its backfill after it, so the cached thread and the new messages meet
    /// without a gap. Kept by the local store; providers without cursors never send it.
    Cursor {
        conversation: String,
        at: Timestamp,
        id: String,
    },
    /// Who has a conversation, its labels and priority, as the platform now holds them.
    Workflow {
        conversation: String,
        work: Workflow,
    },
    /// The people and labels of the account: who can be assigned, and which labels exist.
    /// `me` is the agent this inbox works as.
    Team {
        me: Option<String>,
        agents: Vec<Agent>,
        labels: Vec<String>,
    },
    /// The saved replies the platform keeps for the account's team (the whole set).
    SavedReplies(Vec<SavedReply>),
    /// Something the user should know that is not tied to one message.
    Error(String),
    /// Contacts matching a search of the contact picker.
    Contacts {
        query: String,
        contacts: Vec<ContactCard>,
    },
    /// A contact the user created.
    ContactCreated(ContactCard),
    /// A conversation the user started exists now (its `Conversations` event came first).
    ConversationStarted {
        conversation: String,
    },
    /// A message was deleted on the platform (after `ProviderCommand::DeleteMessage`).
    MessageDeleted {
        conversation: String,
        message_id: String,
    },
    /// What the platform says a conversation's contact can receive (capability lookup).
    Capability {
        conversation: String,
        summary: String,
    },
    /// Insights a remote source (Symbl) found in a conversation of any account; the whole set,
    /// replacing the previous one from the same source.
    RemoteInsights {
        conversation: ConversationKey,
        /// Boxed: it is large, and every other event is small.
        insights: Box<ConversationInsights>,
    },
}

/// What the app asks of a provider.
#[derive(Clone, Debug, PartialEq)]
pub enum ProviderCommand {
    SendText {
        conversation: String,
        client_id: String,
        text: String,
    },
    Typing {
        conversation: String,
        typing: bool,
    },
    MarkRead {
        conversation: String,
    },
    /// The agent marked the conversation unread, for a platform that keeps the read state
    /// (Chatwoot: one per conversation, for the team); the others keep the mark on this
    /// machine alone.
    MarkUnread {
        conversation: String,
    },
    /// Load the page of history before the oldest message the app holds.
    FetchOlder {
        conversation: String,
        before: Option<String>,
    },
    /// The user opened a conversation: make sure its thread is loaded and subscribed.
    Open {
        conversation: String,
    },
    Refresh,
    /// Change a conversation's status (resolve, reopen…); the server's answer is the new status.
    SetStatus {
        conversation: String,
        status: ConversationStatus,
        /// With `Snoozed`: until when, for a platform that keeps it (the hub), so every inbox
        /// shows it and brings it back at its time.
        snoozed_until: Option<Timestamp>,
    },
    /// A private note for the team, where the platform keeps notes. Never sent as a message:
    /// a provider puts it only where the platform keeps notes, and says so when it has none
    /// (the note stays on this machine). The platform's copy names `client_id`, as a reply's
    /// does.
    AddNote {
        conversation: String,
        client_id: String,
        text: String,
    },
    /// Where the platform keeps no status but keeps a team's workflow (Sinch's metadata): the
    /// end of a snooze set here (`None`: it is over), so every inbox on it shows it.
    SetSnoozedUntil {
        conversation: String,
        until: Option<Timestamp>,
    },
    /// Give a conversation to an agent (`None`: to nobody).
    Assign {
        conversation: String,
        agent: Option<String>,
    },
    /// Replace a conversation's labels.
    SetLabels {
        conversation: String,
        labels: Vec<String>,
    },
    SetPriority {
        conversation: String,
        priority: Priority,
    },
    /// Find contacts by name or identifier (empty: the first page of all).
    SearchContacts {
        query: String,
    },
    /// Create a contact reachable at `identifier` on `channel_type` (the provider's channel name).
    CreateContact {
        name: String,
        channel_type: String,
        identifier: String,
    },
    /// Start (or find the open) conversation with a contact on one of its channels.
    StartConversation {
        contact_id: String,
        channel_type: String,
    },
    /// Delete one message on the platform (the app asked the user to confirm first).
    DeleteMessage {
        conversation: String,
        message_id: String,
    },
    /// Ask what the conversation's contact can receive; the answer comes as
    /// `ProviderEvent::Capability`.
    QueryCapability {
        conversation: String,
    },
    /// A reply with options for session and voice channels (USSD, IVR): end the session with
    /// it, or play a recording. Providers without sessions send it as plain text.
    SendWithOptions {
        conversation: String,
        client_id: String,
        text: String,
        options: SendOptions,
    },
    /// A reply sent again: a retry, or a reply restored from the store after a restart. An
    /// earlier attempt may have reached the server even though its answer was lost. A provider
    /// whose backend deduplicates on the client id sends it as usual; one that can look the
    /// client id up on the server does so first and reports the copy it finds instead of
    /// sending a second one; one that can do neither sends again (at least once).
    Resend {
        conversation: String,
        client_id: String,
        text: String,
    },
    /// The newest inbound message of a conversation as the app holds it (from the local store
    /// when nothing was heard live this run), sent just before a reply to it. A provider whose
    /// replies go `in_reply_to` a message (Vumi: USSD and voice sessions need it) answers this
    /// one when it knows no newer; the others need nothing.
    Answering {
        conversation: String,
        message_id: String,
    },
}

/// How a reply treats the session it belongs to (see [`ProviderCommand::SendWithOptions`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SendOptions {
    /// Close the USSD session or end the call with this reply.
    pub end_session: bool,
    /// Voice: a recording to play instead of text-to-speech of the text.
    pub speech_url: Option<String>,
    /// Voice: answer once this key is pressed rather than at every key (e.g. `#`).
    pub wait_for: Option<String>,
}

/// An event tagged with the account it came from: what providers put on the app's channel.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountEvent {
    pub account: AccountId,
    pub event: ProviderEvent,
}
