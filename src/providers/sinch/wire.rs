//! Sinch Conversation API wire types, exactly as `../shared/protocols.md` §1 gives them.
//!
//! The real API writes unset fields with default values (`""`, `null`, `false`), so every
//! string that may come back as `null` is read with [`nullable`], and every optional object is
//! an `Option`. Payload kinds we do not model in detail stay `serde_json::Value` so nothing is
//! lost: the converter still summarises them readably.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Reads a string that the API may send as `null` or leave out.
pub fn nullable<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a list that the API may send as `null` or leave out.
fn nullable_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

// ----- auth (§1.1) ------------------------------------------------------------------------------

/// `POST /oauth2/token` answer. All four keys are always present on the real service.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub scope: String,
    #[serde(default, deserialize_with = "nullable")]
    pub token_type: String,
}

/// OAuth2-style error of the token endpoint.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct OAuthError {
    #[serde(default, deserialize_with = "nullable")]
    pub error: String,
    #[serde(default, deserialize_with = "nullable")]
    pub error_description: String,
}

// ----- errors (§1.8) ----------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: u16,
    #[serde(default, deserialize_with = "nullable")]
    pub message: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub details: Vec<Value>,
}

// ----- objects (§1.3) ---------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ChannelIdentity {
    #[serde(default, deserialize_with = "nullable")]
    pub channel: String,
    #[serde(default, deserialize_with = "nullable")]
    pub identity: String,
    /// Only for the app-scoped channels ([`app_scoped`]); never sent empty.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub app_id: String,
}

/// Channels whose identities belong to one app. The spec's `ChannelIdentity.app_id`: "Required
/// if using a channel that uses app-scoped channel identities. Currently, FB Messenger,
/// Instagram, LINE, and WeChat use app-scoped channel identities".
pub fn app_scoped(channel: &str) -> bool {
    matches!(channel, "MESSENGER" | "INSTAGRAM" | "LINE" | "WECHAT")
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WireConversation {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub app_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_id: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub active_channel: String,
    #[serde(default)]
    pub last_received: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: String,
    #[serde(default)]
    pub metadata_json: Option<Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub correlation_id: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ConversationList {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub conversations: Vec<WireConversation>,
    #[serde(default, deserialize_with = "nullable")]
    pub next_page_token: String,
    #[serde(default)]
    pub total_size: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct TextMessage {
    #[serde(default, deserialize_with = "nullable")]
    pub text: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct MediaMessage {
    #[serde(default, deserialize_with = "nullable")]
    pub url: String,
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    #[serde(default)]
    pub filename_override: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Coordinates {
    #[serde(default)]
    pub latitude: f64,
    #[serde(default)]
    pub longitude: f64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct LocationMessage {
    #[serde(default)]
    pub coordinates: Coordinates,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
}

/// A message we (or another sender of the app) sent. Exactly one kind is set.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AppMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_message: Option<TextMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_message: Option<MediaMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_message: Option<LocationMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carousel_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_info_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_message: Option<Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ReplyTo {
    #[serde(default, deserialize_with = "nullable")]
    pub message_id: String,
}

/// A message the contact sent. Exactly one kind is set.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ContactMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_message: Option<TextMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_message: Option<MediaMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_message: Option<LocationMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_response_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_card_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_response_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_specific_message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyTo>,
}

/// ConversationMessage: exactly one of `app_message` / `contact_message` is present.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WireMessage {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub direction: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conversation_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_id: String,
    #[serde(default)]
    pub channel_identity: Option<ChannelIdentity>,
    #[serde(default)]
    pub app_message: Option<AppMessage>,
    #[serde(default)]
    pub contact_message: Option<ContactMessage>,
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: String,
    #[serde(default)]
    pub accept_time: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub sender_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub processing_mode: String,
    #[serde(default)]
    pub injected: bool,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct MessageList {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub messages: Vec<WireMessage>,
    #[serde(default, deserialize_with = "nullable")]
    pub next_page_token: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WireContact {
    pub id: String,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub channel_identities: Vec<ChannelIdentity>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub channel_priority: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub display_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    #[serde(default, deserialize_with = "nullable")]
    pub external_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: String,
    #[serde(default, deserialize_with = "nullable")]
    pub language: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ContactList {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub contacts: Vec<WireContact>,
    #[serde(default, deserialize_with = "nullable")]
    pub next_page_token: String,
}

// ----- requests ---------------------------------------------------------------------------------

/// Who a message or event is for: a contact id, or channel identities.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Recipient {
    Contact { contact_id: String },
    IdentifiedBy { identified_by: IdentifiedBy },
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct IdentifiedBy {
    pub channel_identities: Vec<ChannelIdentity>,
}

/// `POST /messages:send`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SendMessageRequest {
    pub app_id: String,
    pub recipient: Recipient,
    pub message: AppMessage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_priority_order: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channel_properties: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_metadata: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SendMessageResponse {
    pub message_id: String,
    #[serde(default)]
    pub accepted_time: Option<String>,
}

/// The `event` of `POST /events:send`: exactly one key.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AppEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composing_event: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composing_end_event: Option<Value>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SendEventRequest {
    pub app_id: String,
    pub recipient: Recipient,
    pub event: AppEvent,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_priority_order: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SendEventResponse {
    #[serde(default, deserialize_with = "nullable")]
    pub event_id: String,
    #[serde(default)]
    pub accepted_time: Option<String>,
}

/// `POST /capability:query` (request and response share the shape).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CapabilityQuery {
    pub app_id: String,
    pub recipient: Recipient,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

// ----- webhooks (§1.6) --------------------------------------------------------------------------

/// A failure reason on a delivery report.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Reason {
    #[serde(default, deserialize_with = "nullable")]
    pub code: String,
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    #[serde(default, deserialize_with = "nullable")]
    pub sub_code: String,
    #[serde(default, deserialize_with = "nullable")]
    pub channel_code: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct DeliveryReport {
    #[serde(default, deserialize_with = "nullable")]
    pub message_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conversation_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default)]
    pub channel_identity: Option<ChannelIdentity>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: String,
    #[serde(default, deserialize_with = "nullable")]
    pub processing_mode: String,
    #[serde(default)]
    pub reason: Option<Reason>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ContactEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composing_event: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composing_end_event: Option<Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct InboundEvent {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub direction: String,
    #[serde(default)]
    pub channel_identity: Option<ChannelIdentity>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conversation_id: String,
    #[serde(default)]
    pub accept_time: Option<String>,
    #[serde(default)]
    pub contact_event: Option<ContactEvent>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ConversationNotification {
    pub conversation: WireConversation,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct CapabilityNotification {
    #[serde(default, deserialize_with = "nullable")]
    pub contact_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub identity: String,
    #[serde(default, deserialize_with = "nullable")]
    pub channel: String,
    #[serde(default, deserialize_with = "nullable")]
    pub capability_status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub request_id: String,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub channel_capabilities: Vec<Value>,
    #[serde(default)]
    pub reason: Option<Reason>,
}

/// Every callback: the common envelope plus exactly one payload key naming the trigger.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Callback {
    #[serde(default, deserialize_with = "nullable")]
    pub app_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub project_id: String,
    #[serde(default)]
    pub accepted_time: Option<String>,
    #[serde(default)]
    pub event_time: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub message_metadata: String,
    #[serde(default, deserialize_with = "nullable")]
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<WireMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_delivery_report: Option<DeliveryReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<InboundEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_start_notification: Option<ConversationNotification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_stop_notification: Option<ConversationNotification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_notification: Option<CapabilityNotification>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_shapes_with_nulls_parse() {
        let inbound: WireMessage = serde_json::from_str(
            r#"{"id":"MSG2","direction":"TO_APP","conversation_id":"CONV","contact_id":"C",
                "channel_identity":{"channel":"SMS","identity":"123","app_id":""},
                "app_message":null,"contact_message":{"text_message":{"text":"Test2"},"reply_to":null},
                "metadata":"","accept_time":"2024-02-22T07:40:46Z","sender_id":"",
                "processing_mode":"CONVERSATION","injected":false,"message_status":null}"#,
        )
        .expect("inbound fixture");
        assert_eq!(
            inbound.contact_message.and_then(|m| m.text_message),
            Some(TextMessage {
                text: "Test2".into()
            })
        );
        let error: ErrorEnvelope = serde_json::from_str(
            r#"{"error":{"code":404,"message":"gone","status":"NOT_FOUND","details":[]}}"#,
        )
        .expect("error envelope");
        assert_eq!(error.error.status, "NOT_FOUND");
    }

    #[test]
    fn send_request_serialises_like_the_sdk() {
        let request = SendMessageRequest {
            app_id: "APP".into(),
            recipient: Recipient::Contact {
                contact_id: "C".into(),
            },
            message: AppMessage {
                text_message: Some(TextMessage { text: "hi".into() }),
                ..AppMessage::default()
            },
            channel_priority_order: vec!["SMS".into()],
            channel_properties: BTreeMap::from([("SMS_SENDER".into(), "+1".into())]),
            message_metadata: None,
            correlation_id: Some("x".into()),
        };
        let value = serde_json::to_value(&request).expect("serialises");
        assert_eq!(value["recipient"]["contact_id"], "C");
        assert_eq!(value["message"]["text_message"]["text"], "hi");
        assert_eq!(value["channel_properties"]["SMS_SENDER"], "+1");
        assert!(value.get("message_metadata").is_none());
    }
}
