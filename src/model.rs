//! The inbox's own vocabulary: what every provider converts its wire format into and what the
//! reducer and the views work with. Nothing here knows a wire format, a terminal or a clock.

use std::collections::BTreeMap;
use std::fmt;

use time::OffsetDateTime;

/// A point in time, always UTC.
pub type Timestamp = OffsetDateTime;

/// One configured account (an embedded hub, a Sinch app, a Linktor tenant…). Shared, not
/// copied: every conversation's key holds one, and its list row another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub std::sync::Arc<str>);

impl AccountId {
    pub fn new(id: impl Into<std::sync::Arc<str>>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A conversation is identified by its account and the platform's conversation id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationKey {
    pub account: AccountId,
    /// Shared, not copied: the inbox's entries and its list rows each hold keys.
    pub id: std::sync::Arc<str>,
}

impl ConversationKey {
    pub fn new(account: &AccountId, id: impl Into<std::sync::Arc<str>>) -> Self {
        Self {
            account: account.clone(),
            id: id.into(),
        }
    }
}

/// The messaging channel a conversation runs on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    WhatsApp,
    Sms,
    Mms,
    Rcs,
    Telegram,
    Messenger,
    Instagram,
    Viber,
    Line,
    KakaoTalk,
    KakaoTalkChat,
    WeChat,
    Apple,
    Webchat,
    Email,
    Ussd,
    Voice,
    Other(String),
}

impl Channel {
    /// The readable name shown in the channel list.
    pub fn label(&self) -> &str {
        match self {
            Channel::WhatsApp => "WhatsApp",
            Channel::Sms => "SMS",
            Channel::Mms => "MMS",
            Channel::Rcs => "RCS",
            Channel::Telegram => "Telegram",
            Channel::Messenger => "Messenger",
            Channel::Instagram => "Instagram",
            Channel::Viber => "Viber",
            Channel::Line => "LINE",
            Channel::KakaoTalk => "KakaoTalk",
            Channel::KakaoTalkChat => "KakaoTalk Chat",
            Channel::WeChat => "WeChat",
            Channel::Apple => "Apple Messages",
            Channel::Webchat => "Webchat",
            Channel::Email => "Email",
            Channel::Ussd => "USSD",
            Channel::Voice => "Voice",
            Channel::Other(name) => name,
        }
    }

    /// Its name in the config (`[theme.channels]`, `[notify] mute_channels`): one per family,
    /// so `sms` covers MMS too.
    pub fn config_name(&self) -> &'static str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Sms | Channel::Mms => "sms",
            Channel::Rcs => "rcs",
            Channel::Telegram => "telegram",
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
            Channel::Viber => "viber",
            Channel::Line => "line",
            Channel::KakaoTalk | Channel::KakaoTalkChat => "kakaotalk",
            Channel::WeChat => "wechat",
            Channel::Apple => "apple",
            Channel::Webchat => "webchat",
            Channel::Email => "email",
            Channel::Ussd => "ussd",
            Channel::Voice => "voice",
            Channel::Other(_) => "other",
        }
    }

    /// Every name [`Self::config_name`] gives (a test holds the two together).
    pub const CONFIG_NAMES: [&'static str; 16] = [
        "whatsapp",
        "sms",
        "rcs",
        "telegram",
        "messenger",
        "instagram",
        "viber",
        "line",
        "kakaotalk",
        "wechat",
        "apple",
        "webchat",
        "email",
        "ussd",
        "voice",
        "other",
    ];

    /// A two-letter tag for narrow columns.
    pub fn short(&self) -> &str {
        match self {
            Channel::WhatsApp => "WA",
            Channel::Sms => "SM",
            Channel::Mms => "MM",
            Channel::Rcs => "RC",
            Channel::Telegram => "TG",
            Channel::Messenger => "FB",
            Channel::Instagram => "IG",
            Channel::Viber => "VB",
            Channel::Line => "LN",
            Channel::KakaoTalk | Channel::KakaoTalkChat => "KT",
            Channel::WeChat => "WC",
            Channel::Apple => "AP",
            Channel::Webchat => "WB",
            Channel::Email => "EM",
            Channel::Ussd => "US",
            Channel::Voice => "VO",
            Channel::Other(_) => "??",
        }
    }

    /// Maps the Linktor `channelType` vocabulary (and close spellings) onto a channel.
    pub fn from_linktor(kind: &str) -> Self {
        match kind.to_ascii_lowercase().as_str() {
            "whatsapp" => Channel::WhatsApp,
            "sms" => Channel::Sms,
            "mms" => Channel::Mms,
            "rcs" => Channel::Rcs,
            "telegram" => Channel::Telegram,
            "facebook" | "messenger" => Channel::Messenger,
            "instagram" => Channel::Instagram,
            "viber" => Channel::Viber,
            "line" => Channel::Line,
            "kakaotalk" => Channel::KakaoTalk,
            "wechat" => Channel::WeChat,
            "apple" => Channel::Apple,
            "webchat" => Channel::Webchat,
            "email" => Channel::Email,
            "ussd" => Channel::Ussd,
            "voice" => Channel::Voice,
            _ => Channel::Other(kind.to_string()),
        }
    }

    /// The Linktor `channelType` for this channel.
    pub fn linktor_name(&self) -> &str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Sms => "sms",
            Channel::Mms => "mms",
            Channel::Rcs => "rcs",
            Channel::Telegram => "telegram",
            Channel::Messenger => "facebook",
            Channel::Instagram => "instagram",
            Channel::Viber => "viber",
            Channel::Line => "line",
            Channel::KakaoTalk | Channel::KakaoTalkChat => "kakaotalk",
            Channel::WeChat => "wechat",
            Channel::Apple => "apple",
            Channel::Webchat => "webchat",
            Channel::Email => "email",
            Channel::Ussd => "ussd",
            Channel::Voice => "voice",
            Channel::Other(name) => name,
        }
    }
}

/// Who wrote a message, seen from the agent's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// From us (an agent, a bot or the system).
    Outbound,
    /// A private note by an agent: kept with the thread (on this machine), never sent to the
    /// customer (no provider ever sees it).
    Note,
}

/// Delivery state of a message. The order of the variants is the order of progress
/// (merge rule 3): an update may only move forward, and `Failed` is terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    /// The state after hearing `update`: forward moves win, backward moves are ignored,
    /// and nothing leaves `Failed`.
    pub fn merge(self, update: DeliveryStatus) -> DeliveryStatus {
        if self == DeliveryStatus::Failed {
            self
        } else {
            self.max(update)
        }
    }

    pub fn from_linktor(status: &str) -> Option<Self> {
        Some(match status {
            "pending" => DeliveryStatus::Pending,
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            _ => return None,
        })
    }

    pub fn linktor_name(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// What a message carries. Text is already sanitised by the provider that produced it.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text(String),
    /// Image, video, audio, document, sticker… with where to fetch it.
    Media {
        kind: String,
        url: String,
        caption: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        label: Option<String>,
    },
    /// Anything else, summarised readably by the provider (a card, a choice list…).
    Other {
        kind: String,
        summary: String,
    },
}

impl Content {
    /// One-line summary for previews and notifications.
    pub fn preview(&self) -> String {
        self.preview_text().into_owned()
    }

    /// The same summary, borrowed where it is the text itself (a filter over every
    /// conversation reads it without copying).
    pub fn preview_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Content::Text(text) => std::borrow::Cow::Borrowed(text),
            Content::Media { kind, url, caption } => match caption {
                Some(caption) => format!("[{kind}] {caption}").into(),
                None => format!("[{kind}] {}", file_name(url)).into(),
            },
            Content::Location {
                latitude,
                longitude,
                label,
            } => match label {
                Some(label) => format!("[location] {label}").into(),
                None => format!("[location] {latitude:.5}, {longitude:.5}").into(),
            },
            Content::Other { kind, summary } => format!("[{kind}] {summary}").into(),
        }
    }
}

fn file_name(url: &str) -> &str {
    url.rsplit('/').find(|part| !part.is_empty()).unwrap_or(url)
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The platform's id, or our client id while a reply is still local (merge rule 4).
    pub id: String,
    /// The id we gave a reply before sending it; the platform echoes it back.
    pub client_id: Option<String>,
    pub direction: Direction,
    /// Display name of whoever wrote it.
    pub sender: String,
    pub content: Content,
    pub at: Timestamp,
    pub status: DeliveryStatus,
    /// Why delivery failed, when it did.
    pub failure: Option<String>,
}

impl Message {
    /// The thread order of merge rule 2.
    pub fn order_key(&self) -> (Timestamp, &str) {
        (self.at, &self.id)
    }
}

/// A conversation put aside: it leaves the list and comes back at its time, or as soon as
/// the customer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snooze {
    Until(Timestamp),
    UntilReply,
}

/// Lifecycle of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConversationStatus {
    Open,
    Pending,
    Resolved,
    Snoozed,
    Closed,
}

impl ConversationStatus {
    pub fn from_linktor(status: &str) -> Option<Self> {
        Some(match status {
            "open" => ConversationStatus::Open,
            "pending" => ConversationStatus::Pending,
            "resolved" => ConversationStatus::Resolved,
            "snoozed" => ConversationStatus::Snoozed,
            "closed" => ConversationStatus::Closed,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Resolved => "resolved",
            ConversationStatus::Snoozed => "snoozed",
            ConversationStatus::Closed => "closed",
        }
    }
}

/// The `Conversation::metadata` key under which session-based channels (USSD, voice) put the
/// session's state (`new`, `open`, `closed`); the list and the thread header show it.
pub const SESSION_METADATA: &str = "session";

/// The customer on the other side.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contact {
    pub id: String,
    pub name: String,
    /// The address on the channel: phone number, handle, PSID…
    pub identity: String,
}

/// A conversation as the platform describes it (the thread lives beside it in the app state).
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub key: ConversationKey,
    pub channel: Channel,
    pub contact: Contact,
    pub status: ConversationStatus,
    /// Unread count as the platform reports it.
    pub unread: u32,
    pub last_message_at: Option<Timestamp>,
    /// Preview of the latest message, when the platform sends one with the conversation.
    pub last_message: Option<String>,
    /// Platform metadata an integrator wants to see (shown in the details pane).
    pub metadata: BTreeMap<String, String>,
    /// Who has it, its labels and priority, where the platform keeps them; `None` where it
    /// keeps none (then the app keeps its own, on this machine).
    pub work: Option<Workflow>,
}

/// How a team works a conversation: who has it, how it is labelled, how urgent it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workflow {
    /// The agent's id on the platform (see [`Agent`]).
    pub assignee: Option<String>,
    /// Sorted and without repeats.
    pub labels: Vec<String>,
    pub priority: Priority,
    /// Snoozed until then, where the platform keeps it with the status.
    pub snoozed_until: Option<Timestamp>,
}

impl Workflow {
    /// Labels as the platform should keep them: trimmed, without empty ones or repeats
    /// (case-insensitively), in a stable order.
    pub fn tidy_labels(labels: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut tidy: Vec<String> = labels
            .into_iter()
            .map(|label| label.trim().to_string())
            .filter(|label| !label.is_empty())
            .collect();
        tidy.sort_by_key(|label| label.to_lowercase());
        tidy.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        tidy
    }
}

/// How urgent a conversation is; the order is the order of urgency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    #[default]
    None,
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::None,
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Priority::None => "none",
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// The names platforms use: ours, Chatwoot's (`null` is none) and the Linktor Go server's
    /// (`normal` is its default, none).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "" | "none" | "normal" => Priority::None,
            "low" => Priority::Low,
            "medium" => Priority::Medium,
            "high" => Priority::High,
            "urgent" => Priority::Urgent,
            _ => return None,
        })
    }
}

/// Someone a conversation can be assigned to: an agent of the platform's team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub name: String,
}

impl Agent {
    /// An id for a platform that leaves naming agents to us (the embedded hub, Sinch's
    /// metadata): the name lowercased, anything but letters and digits as `-` ("Ana Lima" →
    /// "ana-lima").
    pub fn id_for_name(name: &str) -> String {
        let id: String = name
            .trim()
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        if id.is_empty() {
            "agent".to_string()
        } else {
            id
        }
    }
}

/// A saved reply the platform keeps for the team (Chatwoot's canned responses), offered in
/// the composer beside the config's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedReply {
    pub shortcode: String,
    pub text: String,
}

/// A contact as the contact picker shows it: who it is and how to reach them on each channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactCard {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub identifiers: Vec<ContactIdentifier>,
}

/// One way to reach a contact. `channel_type` is the provider's own name for the channel, handed
/// back unchanged when a conversation is started on it.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactIdentifier {
    pub channel: Channel,
    pub channel_type: String,
    pub identifier: String,
}
