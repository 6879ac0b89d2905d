//! Chatwoot's JSON as it is on the wire (`../shared/chatwoot.md`): one type per object, read
//! leniently. The REST and push shapes of a conversation differ (§3.15, §3.16), and times come
//! as epoch integers, floats or ISO strings depending on the field (§1.3), so every field is
//! optional and every time goes through [`Epoch`].

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A time in any of Chatwoot's encodings: epoch seconds (integer or float), an ISO-8601
/// string, or `0` / `null` for "never".
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Epoch(pub Option<f64>);

impl Epoch {
    pub fn at(self) -> Option<OffsetDateTime> {
        let seconds = self.0?;
        OffsetDateTime::from_unix_timestamp_nanos((seconds * 1e9) as i128).ok()
    }

    pub fn seconds(self) -> Option<f64> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Epoch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Epoch(match Value::deserialize(deserializer)? {
            Value::Number(number) => number.as_f64().filter(|s| *s > 0.0 && s.is_finite()),
            Value::String(text) => match text.trim().parse::<f64>() {
                Ok(seconds) => Some(seconds).filter(|s| *s > 0.0 && s.is_finite()),
                Err(_) => OffsetDateTime::parse(text.trim(), &Rfc3339)
                    .ok()
                    .map(|at| at.unix_timestamp_nanos() as f64 / 1e9),
            },
            _ => None,
        }))
    }
}

/// `null` read as the type's default (a hostile or older server may send `"labels": null`).
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An id sent as a number or as a string of digits.
fn lenient_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// `GET /api/v1/profile` (§2.2).
#[derive(Clone, Debug, Deserialize)]
pub struct Profile {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub available_name: Option<String>,
    #[serde(default)]
    pub pubsub_token: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub accounts: Vec<ProfileAccount>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProfileAccount {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /inboxes` items (§5.4): what a channel is.
#[derive(Clone, Debug, Deserialize)]
pub struct Inbox {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub channel_type: Option<String>,
    /// Twilio only: `sms` or `whatsapp`.
    #[serde(default)]
    pub medium: Option<String>,
}

/// An agent (§5.2) or the user push shape (§4.7).
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub available_name: Option<String>,
}

impl User {
    pub fn display_name(&self) -> String {
        self.available_name
            .clone()
            .or_else(|| self.name.clone())
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| format!("agent {}", self.id))
    }
}

/// `GET /teams` items (§5.3) and the team inside a conversation's `meta`.
#[derive(Clone, Debug, Deserialize)]
pub struct Team {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /labels` items (§5.5).
#[derive(Clone, Debug, Deserialize)]
pub struct Label {
    pub title: String,
}

/// `GET /canned_responses` items (§5.6).
#[derive(Clone, Debug, Deserialize)]
pub struct Canned {
    pub short_code: String,
    #[serde(default)]
    pub content: Option<String>,
}

/// A contact, in the REST (`_contact`) or push (`type: "contact"`) shape.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Contact {
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
    /// Where the contact can be written to (REST contacts with `include_contact_inboxes`).
    #[serde(default, deserialize_with = "null_default")]
    pub contact_inboxes: Vec<ContactInboxOf>,
}

/// One inbox a contact is reachable in, with its address there.
#[derive(Clone, Debug, Deserialize)]
pub struct ContactInboxOf {
    #[serde(default)]
    pub source_id: Option<String>,
    pub inbox: Inbox,
}

/// `meta` of a conversation: `assignee`/`team` are absent (REST) or `null` (push) when unset.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConversationMeta {
    #[serde(default)]
    pub sender: Option<Contact>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub assignee_type: Option<String>,
    #[serde(default)]
    pub team: Option<Team>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContactInbox {
    #[serde(default)]
    pub source_id: Option<String>,
}

/// A conversation in either shape (REST §3.15, push and webhook §3.16). `id` is the
/// per-account display id, as in every path.
#[derive(Clone, Debug, Deserialize)]
pub struct Conversation {
    #[serde(deserialize_with = "required_id")]
    pub id: u64,
    #[serde(default, deserialize_with = "lenient_id")]
    pub account_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub inbox_id: Option<u64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub labels: Vec<String>,
    #[serde(default)]
    pub snoozed_until: Epoch,
    /// Capped at 10 by the server (§3.10).
    #[serde(default)]
    pub unread_count: Option<u32>,
    #[serde(default)]
    pub last_activity_at: Epoch,
    #[serde(default)]
    pub timestamp: Epoch,
    #[serde(default)]
    pub created_at: Epoch,
    /// A float: orders updates of one conversation (§6.7).
    #[serde(default)]
    pub updated_at: Epoch,
    /// Push shape: the channel type at the top level.
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub meta: ConversationMeta,
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub last_non_activity_message: Option<Message>,
    #[serde(default)]
    pub contact_inbox: Option<ContactInbox>,
    #[serde(default)]
    pub can_reply: Option<bool>,
}

fn required_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    lenient_id(deserializer)?.ok_or_else(|| serde::de::Error::custom("id is not a number"))
}

/// `message_type`: an integer in REST and push, a string in a webhook's top-level message.
/// A missing or unknown one reads as activity: shown, but neither a customer's message (no
/// unread, no alert) nor ours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MessageType {
    Incoming,
    Outgoing,
    #[default]
    Activity,
    Template,
}

impl<'de> Deserialize<'de> for MessageType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = match &value {
            Value::Number(number) => match number.as_u64() {
                Some(0) => "incoming",
                Some(1) => "outgoing",
                Some(2) => "activity",
                Some(3) => "template",
                _ => "",
            },
            Value::String(text) => text.as_str(),
            _ => "",
        };
        Ok(match kind {
            "incoming" => MessageType::Incoming,
            "outgoing" => MessageType::Outgoing,
            "template" => MessageType::Template,
            _ => MessageType::Activity,
        })
    }
}

/// Who wrote a message (§4.7). Webhook contacts carry no `type`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Sender {
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub available_name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// An attachment (§4.8).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Attachment {
    #[serde(default)]
    pub file_type: Option<String>,
    #[serde(default)]
    pub data_url: Option<String>,
    #[serde(default)]
    pub fallback_title: Option<String>,
    #[serde(default)]
    pub coordinates_lat: Option<f64>,
    #[serde(default)]
    pub coordinates_long: Option<f64>,
}

/// A message in any shape: REST (§4.6), push (with a slim `conversation`) or webhook (with the
/// whole conversation and no `conversation_id`).
#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    #[serde(deserialize_with = "required_id")]
    pub id: u64,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub conversation_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub account_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_id")]
    pub inbox_id: Option<u64>,
    #[serde(default)]
    pub message_type: MessageType,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// An object, or a JSON string when it was posted as multipart.
    #[serde(default)]
    pub content_attributes: Value,
    #[serde(default)]
    pub created_at: Epoch,
    #[serde(default, deserialize_with = "null_default")]
    pub private: bool,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub sender_type: Option<String>,
    #[serde(default)]
    pub sender: Option<Sender>,
    #[serde(default, deserialize_with = "null_default")]
    pub attachments: Vec<Attachment>,
    /// Only on the create response and its one `message.created` (§4.2).
    #[serde(default)]
    pub echo_id: Option<String>,
    /// Push: `{assignee_id, unread_count, last_activity_at, …}`; webhook: the conversation.
    #[serde(default)]
    pub conversation: Option<Value>,
    /// Webhook: `{id, name}` instead of `inbox_id` (§8.3).
    #[serde(default)]
    pub inbox: Option<Value>,
}

impl Message {
    /// Its inbox, wherever this shape names it.
    pub fn inbox(&self) -> Option<u64> {
        let id = |value: Option<&Value>| value.and_then(|v| v.get("id")).and_then(Value::as_u64);
        self.inbox_id
            .or_else(|| id(self.inbox.as_ref()))
            .or_else(|| {
                self.conversation
                    .as_ref()
                    .and_then(|c| c.get("inbox_id"))
                    .and_then(Value::as_u64)
            })
    }

    /// `content_attributes` as an object, whichever way it was sent.
    pub fn attributes(&self) -> Value {
        match &self.content_attributes {
            Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            other => other.clone(),
        }
    }
}

/// `{"data":{"meta":{…},"payload":[…]}}` of `GET /conversations` (§3.1).
#[derive(Debug, Deserialize)]
pub struct ConversationList {
    pub data: ConversationPage,
}

#[derive(Debug, Deserialize)]
pub struct ConversationPage {
    #[serde(default, deserialize_with = "null_default")]
    pub payload: Vec<Value>,
}

/// `{"payload":[…]}`: messages, inboxes, labels, conversation labels.
#[derive(Debug, Deserialize)]
pub struct Payload<T> {
    pub payload: T,
}

/// `POST toggle_status` answer (§3.7).
#[derive(Debug, Deserialize)]
pub struct StatusAnswer {
    pub payload: StatusPayload,
}

#[derive(Debug, Deserialize)]
pub struct StatusPayload {
    #[serde(default)]
    pub current_status: Option<String>,
}

/// A frame from ActionCable (§6.2).
#[derive(Debug, Deserialize)]
pub struct CableFrame {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A broadcast's `message` (§6.5).
#[derive(Debug, Deserialize)]
pub struct Broadcast {
    pub event: String,
    #[serde(default)]
    pub data: Value,
}

/// The data of `conversation.typing_on` / `typing_off` (§6.6).
#[derive(Debug, Deserialize)]
pub struct Typing {
    pub conversation: Conversation,
    #[serde(default)]
    pub user: Option<Sender>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_private: bool,
}

/// Error bodies (§7.1): `{"error"}`, `{"errors":[…]}` or `{"message","attributes"}`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: Option<Value>,
    #[serde(default)]
    pub errors: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    /// The server's words, or the raw text when it is not one of those bodies.
    pub fn text(raw: &str) -> String {
        let parsed: ErrorBody = serde_json::from_str(raw).unwrap_or_default();
        let flatten = |value: &Value| match value {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map_or_else(|| item.to_string(), str::to_string)
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        parsed
            .error
            .as_ref()
            .map(flatten)
            .or_else(|| parsed.errors.as_ref().map(flatten))
            .or(parsed.message)
            .unwrap_or_else(|| raw.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_every_encoding() {
        let read = |json: &str| serde_json::from_str::<Epoch>(json).expect("epoch");
        assert_eq!(read("1718600000").seconds(), Some(1718600000.0));
        assert_eq!(read("1718600100.482").seconds(), Some(1718600100.482));
        assert_eq!(read("0").seconds(), None, "0 is null (`.to_i` on nil)");
        assert_eq!(read("null").seconds(), None);
        let iso = read("\"2026-06-17T05:33:20.000Z\"").at().expect("iso");
        assert_eq!(iso.unix_timestamp(), 1781674400);
        assert_eq!(read("\"garbage\"").seconds(), None);
    }

    #[test]
    fn message_type_is_an_integer_or_a_string() {
        let message: Message = serde_json::from_str(r#"{"id":1,"message_type":2}"#).expect("int");
        assert_eq!(message.message_type, MessageType::Activity);
        let message: Message =
            serde_json::from_str(r#"{"id":"2","message_type":"outgoing"}"#).expect("string");
        assert_eq!(
            (message.id, message.message_type),
            (2, MessageType::Outgoing)
        );
        let unknown: Message =
            serde_json::from_str(r#"{"id":1,"message_type":9}"#).expect("read as activity");
        assert_eq!(unknown.message_type, MessageType::Activity);
    }

    #[test]
    fn both_conversation_shapes_read() {
        let rest = r#"{"id":42,"meta":{"sender":{"id":12,"name":"Jane"},"channel":"Channel::Whatsapp",
            "assignee":{"id":7,"name":"Agent"}},"labels":["vip"],"status":"open","updated_at":1718600100.482}"#;
        let conversation: Conversation = serde_json::from_str(rest).expect("rest");
        assert_eq!(conversation.meta.assignee.map(|a| a.id), Some(7));
        let push = r#"{"id":42,"channel":"Channel::Sms","meta":{"assignee":null,"team":null},
            "labels":null,"snoozed_until":"2026-06-18T09:00:00.000Z","messages":[]}"#;
        let conversation: Conversation = serde_json::from_str(push).expect("push");
        assert!(conversation.meta.assignee.is_none() && conversation.labels.is_empty());
        assert!(conversation.snoozed_until.at().is_some());
    }

    #[test]
    fn error_bodies_of_every_form() {
        assert_eq!(
            ErrorBody::text(r#"{"error":"Invalid Access Token"}"#),
            "Invalid Access Token"
        );
        assert_eq!(
            ErrorBody::text(r#"{"errors":["You need to sign in or sign up before continuing."]}"#),
            "You need to sign in or sign up before continuing."
        );
        assert_eq!(
            ErrorBody::text(
                r#"{"message":"Short code has already been taken","attributes":["short_code"]}"#
            ),
            "Short code has already been taken"
        );
        assert_eq!(ErrorBody::text("Retry later\n"), "Retry later");
    }
}
