//! The Linktor SDK wire contract (`../shared/protocols.md` §2.1): camelCase JSON objects, the
//! `data` + `pagination` list envelope, the flat error body, and the TypeScript SDK's WebSocket
//! frames. The provider reads these and the embedded hub writes them, so both ends share one
//! definition; tests pin the shapes against the documented examples.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A field that takes one of a few words (`direction`, `status`, `contentType`, `senderType`):
/// read without a copy when it is one of them, as nearly every message's are; kept as written
/// otherwise. Four fewer allocations a message on the busiest path (a frame read).
pub type Label = Cow<'static, str>;

/// Every word the labels of the contract take.
const LABELS: &[&str] = &[
    "inbound",
    "outbound",
    "text",
    "image",
    "video",
    "audio",
    "document",
    "location",
    "contact",
    "sticker",
    "pending",
    "sent",
    "delivered",
    "read",
    "failed",
    "agent",
    "bot",
    "system",
];

fn label<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Label, D::Error> {
    struct Word;
    impl serde::de::Visitor<'_> for Word {
        type Value = Label;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Label, E> {
            Ok(match LABELS.iter().find(|known| **known == text) {
                Some(known) => Cow::Borrowed(known),
                None => Cow::Owned(text.to_string()),
            })
        }
    }
    deserializer.deserialize_str(Word)
}

/// A message as `GET /conversations/{id}/messages` and the `message` frame carry it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireMessage {
    pub id: String,
    pub conversation_id: String,
    /// `inbound` | `outbound`.
    #[serde(deserialize_with = "label")]
    pub direction: Label,
    /// `text` | `image` | `video` | `audio` | `document` | `location` | `contact` | `sticker`.
    #[serde(deserialize_with = "label")]
    pub content_type: Label,
    #[serde(default)]
    pub content: WireContent,
    /// `pending` | `sent` | `delivered` | `read` | `failed`.
    #[serde(deserialize_with = "label")]
    pub status: Label,
    /// `contact` | `agent` | `bot` | `system`.
    #[serde(deserialize_with = "label")]
    pub sender_type: Label,
    #[serde(default)]
    pub sender_id: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub read_at: Option<String>,
    #[serde(default)]
    pub failed_reason: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The `content` object of a message; which fields are set depends on `contentType`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireConversation {
    pub id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    pub channel_type: String,
    pub contact_id: String,
    /// `open` | `pending` | `resolved` | `snoozed`.
    pub status: String,
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The SDK leaves this untyped; the hub sends the latest message object.
    #[serde(default)]
    pub last_message: Option<Value>,
    #[serde(default)]
    pub last_message_at: Option<String>,
    #[serde(default)]
    pub unread_count: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Not in the SDK's model (its clients ignore it): the hub's, and the Go server's
    /// `low|normal|high|urgent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The hub's: until when a `snoozed` conversation sleeps (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// An agent of the hub (`GET /agents`: the hub's addition; the SDKs list none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAgent {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireContact {
    pub id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub identifiers: Vec<WireIdentifier>,
    #[serde(default)]
    pub conversation_count: u32,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireIdentifier {
    pub channel_type: String,
    #[serde(default)]
    pub channel_id: Option<String>,
    pub identifier: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Value>,
}

impl WireIdentifier {
    /// The platform: for a `webchat` identifier, the `metadata.platform` the hub names (a
    /// channel the SDK lacks), else the `channelType`.
    pub fn platform(&self) -> &str {
        platform(&self.channel_type, &self.metadata)
    }
}

impl WireConversation {
    /// As [`WireIdentifier::platform`].
    pub fn platform(&self) -> &str {
        platform(&self.channel_type, &self.metadata)
    }
}

/// Only `webchat` carries the extension: another server's `platform` key on a WhatsApp
/// conversation (say `"ios"`) is its own business, not a channel.
fn platform<'a>(channel_type: &'a str, metadata: &'a BTreeMap<String, Value>) -> &'a str {
    let extension = metadata
        .get(PLATFORM_KEY)
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty());
    match extension {
        Some(name) if channel_type == "webchat" => name,
        _ => channel_type,
    }
}

/// `{"data":[…],"pagination":{…}}`. An item that does not read is left out (and logged), so
/// one bad conversation or contact never costs the whole page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    bound(deserialize = "T: serde::de::DeserializeOwned"),
    from = "RawList"
)]
pub struct ListEnvelope<T> {
    pub data: Vec<T>,
    pub pagination: Pagination,
    /// How many items the server sent, read or not: what a page moves the next offset by.
    #[serde(skip)]
    pub served: usize,
}

impl<T> ListEnvelope<T> {
    /// A page built here rather than read: every item counts as served.
    pub fn new(data: Vec<T>, pagination: Pagination) -> Self {
        Self {
            served: data.len(),
            data,
            pagination,
        }
    }
}

/// A list page before its items are read one by one.
#[derive(Deserialize)]
struct RawList {
    data: Vec<Value>,
    pagination: Pagination,
}

impl<T: serde::de::DeserializeOwned> From<RawList> for ListEnvelope<T> {
    fn from(raw: RawList) -> Self {
        let served = raw.data.len();
        let data = raw
            .data
            .into_iter()
            .filter_map(|item| match serde_json::from_value(item) {
                Ok(read) => Some(read),
                Err(err) => {
                    tracing::warn!("list item left out: {err}");
                    None
                }
            })
            .collect();
        Self {
            data,
            pagination: raw.pagination,
            served,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub has_more: bool,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The flat error body: `{"message","code","details","retry_after"}` (note the snake_case
/// `retry_after`, as the SDK reads it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ErrorBody {
    /// Reads an error response: the SDK's flat object, the Go server's
    /// `{"success":false,"error":{…}}` envelope, or (neither) the text itself as the message.
    pub fn parse(body: &str) -> ErrorBody {
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return ErrorBody {
                message: body.trim().to_string(),
                ..ErrorBody::default()
            };
        };
        let top_retry = value.get("retry_after").and_then(Value::as_u64);
        let inner = value.get("error").filter(|error| error.is_object());
        let mut parsed: ErrorBody = serde_json::from_value(inner.unwrap_or(&value).clone())
            .unwrap_or_else(|_| ErrorBody {
                message: body.trim().to_string(),
                ..ErrorBody::default()
            });
        // A server that puts the wait in the envelope, or in the details, is heard too.
        parsed.retry_after = parsed.retry_after.or(top_retry).or_else(|| {
            parsed
                .details
                .as_ref()
                .and_then(|details| details.get("retry_after"))
                .and_then(Value::as_u64)
        });
        parsed
    }
}

/// `POST /conversations/{id}/messages`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SendMessageBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Value>,
}

/// Frames the client sends on `/ws`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    #[serde(rename_all = "camelCase")]
    Subscribe {
        conversation_id: String,
    },
    #[serde(rename_all = "camelCase")]
    Unsubscribe {
        conversation_id: String,
    },
    #[serde(rename_all = "camelCase")]
    Typing {
        conversation_id: String,
        is_typing: bool,
    },
    Ping,
}

/// Frames the server sends on `/ws`. The SDK ignores types it does not know; so does the
/// provider (`Unknown` after a failed parse is the caller's decision, not a variant here).
// Frames are parsed one at a time and consumed at once; boxing the message would only make
// the hub's construction noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    #[serde(rename_all = "camelCase")]
    Message {
        conversation_id: String,
        message: WireMessage,
    },
    #[serde(rename_all = "camelCase")]
    MessageStatus {
        conversation_id: String,
        message_id: String,
        status: String,
        #[serde(default)]
        timestamp: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    ConversationUpdate {
        conversation_id: String,
        #[serde(default)]
        status: Option<String>,
        /// `Some(None)`: unassigned (`null`); `None`: not said (a webhook that names only the
        /// conversation), so unchanged.
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        assigned_to: Option<Option<String>>,
        /// The hub's additions (the SDK's frame has neither): absent means unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<String>>,
        /// `Some(None)`: no priority (`null`).
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        priority: Option<Option<String>>,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        snoozed_until: Option<Option<String>>,
        #[serde(default)]
        metadata: BTreeMap<String, Value>,
    },
    #[serde(rename_all = "camelCase")]
    Typing {
        conversation_id: String,
        user_id: String,
        is_typing: bool,
    },
    Pong,
}

impl ServerFrame {
    /// Parses a frame off the socket. The frames that come by the thousand (messages and their
    /// statuses) are read straight into their fields: serde's path for a tagged enum first
    /// copies every field into a buffer, which took more time than everything the inbox then
    /// does with the message. Any other frame, and any text these fields do not read, takes that
    /// path, so the errors are the same. One difference is left: a field the frame does not
    /// know is skipped unread here, so a value serde would refuse in it (a number out of range,
    /// a lone surrogate) does not make the frame malformed.
    pub fn parse(text: &str) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct Tag<'a> {
            #[serde(rename = "type", borrow)]
            kind: Option<std::borrow::Cow<'a, str>>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct MessageFrame {
            /// Read so that a second `type` is refused, as the tagged enum refuses it.
            #[serde(rename = "type")]
            _kind: serde::de::IgnoredAny,
            conversation_id: String,
            message: WireMessage,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct StatusFrame {
            #[serde(rename = "type")]
            _kind: serde::de::IgnoredAny,
            conversation_id: String,
            message_id: String,
            status: String,
            #[serde(default)]
            timestamp: Option<String>,
        }
        // The tag comes first as servers write it (serde does); otherwise it is looked for.
        let first = text
            .strip_prefix(r#"{"type":""#)
            .and_then(|rest| rest.split_once('"'))
            .map(|(kind, _)| kind)
            .filter(|kind| !kind.contains('\\'));
        let kind = match first {
            Some(kind) => Some(std::borrow::Cow::Borrowed(kind)),
            None => serde_json::from_str::<Tag>(text)
                .ok()
                .and_then(|tag| tag.kind),
        };
        let direct = match kind.as_deref() {
            Some("message") => serde_json::from_str::<MessageFrame>(text)
                .ok()
                .map(|frame| ServerFrame::Message {
                    conversation_id: frame.conversation_id,
                    message: frame.message,
                }),
            Some("message_status") => serde_json::from_str::<StatusFrame>(text).ok().map(|frame| {
                ServerFrame::MessageStatus {
                    conversation_id: frame.conversation_id,
                    message_id: frame.message_id,
                    status: frame.status,
                    timestamp: frame.timestamp,
                }
            }),
            _ => None,
        };
        match direct {
            Some(frame) => Ok(frame),
            None => serde_json::from_str(text),
        }
    }
}

/// The metadata key that marks a message as a private note of the team: the hub's addition
/// (`POST /conversations/{id}/notes`); the SDK has no notes.
pub const PRIVATE_KEY: &str = "private";
/// The metadata key naming who wrote a note.
pub const SENDER_NAME_KEY: &str = "senderName";

impl WireMessage {
    /// A private note of the team, never shown to the customer.
    pub fn is_note(&self) -> bool {
        self.metadata.get(PRIVATE_KEY) == Some(&Value::Bool(true))
    }
}

/// A field that may be absent (`None`: unchanged) or `null` (`Some(None)`: cleared).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The channel types the Linktor SDKs accept (`sdks/python/linktor/types/common.py`,
/// `ChannelType`); the Python SDK's models refuse any other value.
pub const SDK_CHANNEL_TYPES: [&str; 8] = [
    "whatsapp",
    "telegram",
    "facebook",
    "instagram",
    "webchat",
    "sms",
    "email",
    "rcs",
];

/// Where a channel the SDK lacks (Viber, LINE…) is named: `metadata.platform` of the
/// conversation and of the contact identifier, beside the SDK's `channelType`. SDK clients keep
/// unknown metadata keys; our provider prefers this name when it is there.
pub const PLATFORM_KEY: &str = "platform";

/// The SDK `channelType` for a platform: itself when the SDK knows it, else `webchat` (the
/// contract's generic chat channel) with the platform carried under [`PLATFORM_KEY`].
pub fn sdk_channel_type(platform: &str) -> (&'static str, Option<String>) {
    let lower = platform.to_ascii_lowercase();
    match SDK_CHANNEL_TYPES.iter().find(|known| **known == lower) {
        Some(known) => (known, None),
        None => ("webchat", Some(lower)),
    }
}

/// RFC 3339 with seconds and a `Z`, as the SDK examples write timestamps.
pub fn format_time(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_without_a_copy_when_known_and_kept_as_written_otherwise() {
        let read = |direction: &str, status: &str| {
            let text = format!(
                r#"{{"id":"m1","conversationId":"c1","direction":"{direction}","contentType":"text","status":"{status}","senderType":"contact","createdAt":"2024-01-01T00:00:00Z"}}"#
            );
            serde_json::from_str::<WireMessage>(&text).map(|m| (m.direction, m.status))
        };
        let Ok((direction, status)) = read("inbound", "delivered") else {
            panic!("a message with known labels reads");
        };
        assert!(matches!(direction, Cow::Borrowed("inbound")));
        assert!(matches!(status, Cow::Borrowed("delivered")));
        // Escaped, the same word.
        let Ok((direction, _)) = read(r"in\u0062ound", "sent") else {
            panic!("an escaped label reads");
        };
        assert!(matches!(direction, Cow::Borrowed("inbound")));
        let Ok((direction, status)) = read("sideways", "queued") else {
            panic!("unknown labels read");
        };
        assert!(matches!(&direction, Cow::Owned(word) if word == "sideways"));
        assert_eq!(status, "queued");
        assert!(
            serde_json::from_str::<WireMessage>(
                r#"{"id":"m1","conversationId":"c1","direction":7,"contentType":"text","status":"sent","senderType":"contact","createdAt":"x"}"#
            )
            .is_err(),
            "a label is a string"
        );
    }

    /// `ServerFrame::parse` accepts and refuses exactly what serde's tagged enum does.
    #[test]
    fn frames_parse_as_the_tagged_enum_reads_them() {
        let message = r#"{"id":"m1","conversationId":"c1","direction":"inbound","contentType":"text","content":{"text":"hi"},"status":"sent","senderType":"contact","createdAt":"2024-01-01T00:00:00Z"}"#;
        let frames = [
            format!(r#"{{"type":"message","conversationId":"c1","message":{message}}}"#),
            format!(r#"{{"conversationId":"c1","message":{message},"type":"message","extra":[1,{{}}]}}"#),
            format!(r#"{{"type":"message","message":{message}}}"#),
            r#"{"type":"message","conversationId":"c1","message":{"id":"m1"}}"#.to_string(),
            r#"{"type":"message","conversationId":7,"message":null}"#.to_string(),
            r#"{"type":"message_status","conversationId":"c1","messageId":"m1","status":"read"}"#.to_string(),
            r#"{"type":"message_status","conversationId":"c1","messageId":"m1","status":"read","timestamp":null}"#.to_string(),
            r#"{"type":"message_status","conversationId":"c1","status":"read"}"#.to_string(),
            r#"{"type":"message_status","conversationId":"c1","messageId":"m1","status":"read"} x"#.to_string(),
            r#"{"type":"typing","conversationId":"c1","userId":"u","isTyping":true}"#.to_string(),
            r#"{"type":"pong"}"#.to_string(),
            format!(r#"{{"type":"message","conversationId":"c1","message":{message},"type":"pong"}}"#),
            r#"{"type":"message_status","conversationId":"c1","messageId":"m1","status":"read","type":"x"}"#.to_string(),
            r#"{"type":"mess\u0061ge_status","conversationId":"c1","messageId":"m1","status":"read"}"#.to_string(),
            r#"{"type":"nonsense"}"#.to_string(),
            r#"{"type":null}"#.to_string(),
            r#"["message"]"#.to_string(),
            "".to_string(),
        ];
        for text in &frames {
            let direct = ServerFrame::parse(text);
            let tagged = serde_json::from_str::<ServerFrame>(text);
            match (&direct, &tagged) {
                (Ok(direct), Ok(tagged)) => assert_eq!(direct, tagged, "{text}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{text}: {direct:?} against {tagged:?}"),
            }
        }
        assert!(
            ServerFrame::parse(&frames[1]).is_ok(),
            "fields in any order"
        );
    }

    #[test]
    fn documented_message_example_parses() {
        let json = r#"{"id":"m1","conversationId":"c1","direction":"outbound","contentType":"text",
 "content":{"text":"hello"},"status":"sent","senderType":"agent","senderId":"u1",
 "externalId":null,"deliveredAt":null,"readAt":null,"failedReason":null,"metadata":{},
 "createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}"#;
        let message: WireMessage = serde_json::from_str(json).expect("documented shape");
        assert_eq!(message.content.text.as_deref(), Some("hello"));
        assert_eq!(message.sender_type, "agent");
    }

    #[test]
    fn documented_conversation_and_contact_examples_parse() {
        let conversation = r#"{"id":"c1","tenantId":"t1","channelId":"ch1","channelType":"whatsapp","contactId":"k1","status":"open",
 "assignedTo":null,"lastMessage":null,"lastMessageAt":null,"unreadCount":0,"tags":[],"metadata":{},
 "createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}"#;
        let parsed: WireConversation = serde_json::from_str(conversation).expect("conversation");
        assert_eq!(parsed.channel_type, "whatsapp");
        let contact = r#"{"id":"k1","tenantId":"t1","name":"Bob","email":null,"phone":"+55","identifiers":[{"channelType":"whatsapp",
 "channelId":"ch1","identifier":"+55"}],"conversationCount":1,"createdAt":"x","updatedAt":"x"}"#;
        let parsed: WireContact = serde_json::from_str(contact).expect("contact");
        assert_eq!(parsed.identifiers[0].identifier, "+55");
    }

    #[test]
    fn an_unreadable_list_item_is_left_out_but_counted_as_served() {
        let page: ListEnvelope<WireContact> = serde_json::from_str(
            r#"{"data":[{"id":"k1"},{"id":7},{"name":"no id"}],
                "pagination":{"total":9,"limit":3,"offset":0,"hasMore":true}}"#,
        )
        .expect("the page reads");
        assert_eq!(page.data.len(), 1);
        assert_eq!(page.served, 3, "the next page starts after all three");
    }

    #[test]
    fn frames_match_the_typescript_sdk() {
        let frame = serde_json::to_value(ClientFrame::Typing {
            conversation_id: "c1".into(),
            is_typing: true,
        })
        .expect("serialise");
        assert_eq!(
            frame,
            serde_json::json!({"type":"typing","conversationId":"c1","isTyping":true})
        );
        let status: ServerFrame = serde_json::from_str(
            r#"{"type":"message_status","conversationId":"c1","messageId":"m1","status":"delivered","timestamp":"2024-01-01T00:00:00Z"}"#,
        )
        .expect("status frame");
        assert!(
            matches!(status, ServerFrame::MessageStatus { ref status, .. } if status == "delivered")
        );
        let list: ListEnvelope<WireConversation> = serde_json::from_str(
            r#"{"data":[],"pagination":{"total":1,"limit":20,"offset":0,"hasMore":false,"nextCursor":null}}"#,
        )
        .expect("envelope");
        assert!(!list.pagination.has_more);
    }
}
