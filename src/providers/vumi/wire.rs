//! The Vumi Go wire format (`../shared/protocols.md` §4.2–4.5): user messages and events as
//! vumi serialises them, the bodies we PUT, the error body and vumi's zone-less timestamps.
//!
//! Everything that can be absent or `null` on the wire is an `Option` or defaulted, so a line
//! from a real transport with fewer fields still parses; only the ids we key on are required.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `message_version` of every vumi message.
pub const MESSAGE_VERSION: &str = "20110921";

/// A vumi user message: inbound from the network, or the server's copy of one we sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserMessage {
    #[serde(default = "message_version")]
    pub message_version: String,
    #[serde(default = "user_message_type")]
    pub message_type: String,
    /// `%Y-%m-%d %H:%M:%S.%f`, UTC without a zone (see [`parse_timestamp`]).
    #[serde(default)]
    pub timestamp: String,
    pub message_id: String,
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// `null | new | resume | close` (USSD and voice sessions).
    #[serde(default)]
    pub session_event: Option<String>,
    #[serde(default)]
    pub to_addr: Option<String>,
    #[serde(default)]
    pub to_addr_type: Option<String>,
    #[serde(default)]
    pub from_addr: Option<String>,
    #[serde(default)]
    pub from_addr_type: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub transport_name: Option<String>,
    /// `sms, ussd, voice, xmpp, …`
    #[serde(default)]
    pub transport_type: Option<String>,
    #[serde(default)]
    pub transport_metadata: Value,
    #[serde(default)]
    pub helper_metadata: Value,
    #[serde(default)]
    pub routing_metadata: Value,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
}

/// A vumi event about a message we sent: `ack`, `nack` or `delivery_report`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default = "message_version")]
    pub message_version: String,
    #[serde(default = "event_type_name")]
    pub message_type: String,
    #[serde(default)]
    pub timestamp: String,
    pub event_id: String,
    pub event_type: String,
    /// The `message_id` the PUT returned.
    pub user_message_id: String,
    /// Required on `ack`.
    #[serde(default)]
    pub sent_message_id: Option<String>,
    /// Required on `nack`.
    #[serde(default)]
    pub nack_reason: Option<String>,
    /// `pending | failed | delivered`, required on `delivery_report`.
    #[serde(default)]
    pub delivery_status: Option<String>,
    #[serde(default)]
    pub helper_metadata: Value,
    #[serde(default)]
    pub routing_metadata: Value,
    #[serde(default)]
    pub transport_name: Option<String>,
    #[serde(default)]
    pub transport_metadata: Value,
}

fn message_version() -> String {
    MESSAGE_VERSION.to_string()
}
fn user_message_type() -> String {
    "user_message".to_string()
}
fn event_type_name() -> String {
    "event".to_string()
}

/// One line of a stream or one pushed body: a user message or an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    Message(Box<UserMessage>),
    Event(Box<Event>),
}

/// Parses one JSON object, telling messages from events by `message_type` (or, when a
/// transport leaves it out, by the presence of `event_id`).
pub fn parse_incoming(text: &str) -> Result<Incoming, String> {
    let value: Value = serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    let kind = value.get("message_type").and_then(Value::as_str);
    let is_event = match kind {
        Some("event") => true,
        Some("user_message") => false,
        Some(other) => return Err(format!("unknown message_type {other:?}")),
        None => value.get("event_id").is_some(),
    };
    if is_event {
        serde_json::from_value(value)
            .map(|event| Incoming::Event(Box::new(event)))
            .map_err(|err| format!("not a vumi event: {err}"))
    } else {
        serde_json::from_value(value)
            .map(|message| Incoming::Message(Box::new(message)))
            .map_err(|err| format!("not a vumi message: {err}"))
    }
}

/// The body of `PUT messages.json` (§4.2): a new message (`to_addr`) or a reply (`in_reply_to`).
/// `content` is always sent (a string); absent options are left out, as go-http does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SendBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helper_metadata: Option<Value>,
}

impl SendBody {
    /// `send_text`: `{"to_addr","content"}` plus `session_event` when given.
    pub fn text(to_addr: &str, content: &str, session_event: Option<&str>) -> Self {
        Self {
            to_addr: Some(to_addr.to_string()),
            content: content.to_string(),
            session_event: session_event.map(str::to_string),
            ..Self::default()
        }
    }

    /// A reply to an inbound message: goes to its sender, `to_addr` is not needed.
    pub fn reply(in_reply_to: &str, content: &str, session_event: Option<&str>) -> Self {
        Self {
            in_reply_to: Some(in_reply_to.to_string()),
            content: content.to_string(),
            session_event: session_event.map(str::to_string),
            ..Self::default()
        }
    }

    /// `send_voice`: the `voice` object is present only when one of its fields is given.
    pub fn voice(
        to_addr: &str,
        content: &str,
        speech_url: Option<&str>,
        wait_for: Option<&str>,
        session_event: Option<&str>,
    ) -> Self {
        let mut body = Self::text(to_addr, content, session_event);
        if speech_url.is_some() || wait_for.is_some() {
            let mut voice = serde_json::Map::new();
            if let Some(url) = speech_url {
                voice.insert("speech_url".into(), Value::from(url));
            }
            if let Some(key) = wait_for {
                voice.insert("wait_for".into(), Value::from(key));
            }
            body.helper_metadata = Some(serde_json::json!({ "voice": voice }));
        }
        body
    }
}

/// `{"success": false, "reason": "…"}` (400s, and the metrics answer).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultBody {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub reason: String,
}

/// How the server combines the values of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregator {
    Last,
    Sum,
    Avg,
    Max,
    Min,
}

impl Aggregator {
    pub fn name(self) -> &'static str {
        match self {
            Aggregator::Last => "last",
            Aggregator::Sum => "sum",
            Aggregator::Avg => "avg",
            Aggregator::Max => "max",
            Aggregator::Min => "min",
        }
    }
}

/// One entry of the `metrics.json` list: `[name, value, aggregator]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric(pub String, pub f64, pub Aggregator);

/// Vumi's `VUMI_DATE_FORMAT` without the fraction, which is handled by hand so that it may be
/// absent or shorter than six digits.
const DATE_TIME: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Parses `2014-10-28 16:19:37.485612` (UTC, no zone; microseconds optional). A `T` separator
/// and a trailing `Z` are tolerated.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim().trim_end_matches('Z').replacen('T', " ", 1);
    let (main, fraction) = match text.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (text.as_str(), None),
    };
    let mut at = PrimitiveDateTime::parse(main, DATE_TIME).ok()?.assume_utc();
    if let Some(fraction) = fraction {
        if fraction.is_empty()
            || fraction.len() > 9
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let nanos: u32 = format!("{fraction:0<9}").parse().ok()?;
        at = at.replace_nanosecond(nanos).ok()?;
    }
    Some(at)
}

/// Formats a time as vumi does: `%Y-%m-%d %H:%M:%S.%f` in UTC.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let main = at.format(DATE_TIME).unwrap_or_default();
    format!("{main}.{:06}", at.microsecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn timestamps_round_trip_in_vumi_format() {
        let at = parse_timestamp("2014-10-28 16:19:37.485612").expect("vumi timestamp");
        assert_eq!(at, datetime!(2014-10-28 16:19:37.485612 UTC));
        assert_eq!(format_timestamp(at), "2014-10-28 16:19:37.485612");
        assert_eq!(
            parse_timestamp("2014-10-28 16:19:37"),
            Some(datetime!(2014-10-28 16:19:37 UTC))
        );
        assert_eq!(
            parse_timestamp("2014-10-28 16:19:37.5"),
            Some(datetime!(2014-10-28 16:19:37.5 UTC))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2014-10-28 16:19:37.x"), None);
    }

    #[test]
    fn the_documented_message_and_event_parse() {
        let message = r#"{"message_version":"20110921","message_type":"user_message","timestamp":"2014-10-28 16:19:37.485612",
 "message_id":"59b37288d8d94e42ab804158bdbf53e5","in_reply_to":null,"session_event":null,
 "to_addr":"1234","to_addr_type":"msisdn","from_addr":"+27761234567","from_addr_type":null,
 "content":"This is an incoming SMS!","transport_name":"smpp_transport","transport_type":"sms",
 "transport_metadata":{},"helper_metadata":{},"routing_metadata":{},"group":null,"provider":null}"#;
        let Ok(Incoming::Message(message)) = parse_incoming(message) else {
            panic!("a user message");
        };
        assert_eq!(message.from_addr.as_deref(), Some("+27761234567"));
        assert_eq!(message.transport_type.as_deref(), Some("sms"));

        let event = r#"{"message_version":"20110921","message_type":"event","timestamp":"2014-10-28 16:19:37.485612",
 "event_id":"b04ec322fc1c4819bc3f28e6e0c69de6","event_type":"ack","user_message_id":"60c48289d8d94e42ab804159acce42d4",
 "sent_message_id":"external-id","helper_metadata":{},"routing_metadata":{},"transport_name":"x","transport_metadata":{}}"#;
        let Ok(Incoming::Event(event)) = parse_incoming(event) else {
            panic!("an event");
        };
        assert_eq!(event.event_type, "ack");
        assert_eq!(event.sent_message_id.as_deref(), Some("external-id"));

        assert!(parse_incoming("{\"message_type\":\"user_message\"}").is_err());
        assert!(parse_incoming("[1,2]").is_err());
        assert!(parse_incoming("not json").is_err());
    }

    #[test]
    fn send_bodies_match_go_http() {
        let text =
            serde_json::to_value(SendBody::text("+27761234567", "Hello!", None)).expect("json");
        assert_eq!(text, json!({"to_addr":"+27761234567","content":"Hello!"}));

        let voice = SendBody::voice(
            "+1",
            "hi",
            Some("http://x/voice.ogg"),
            Some("#"),
            Some("new"),
        );
        assert_eq!(
            serde_json::to_value(voice).expect("json"),
            json!({"to_addr":"+1","content":"hi","session_event":"new",
                   "helper_metadata":{"voice":{"speech_url":"http://x/voice.ogg","wait_for":"#"}}})
        );
        let plain_voice = SendBody::voice("+1", "hi", None, None, None);
        assert_eq!(
            serde_json::to_value(plain_voice).expect("json"),
            json!({"to_addr":"+1","content":"hi"})
        );

        let reply = SendBody::reply("abc", "bye", Some("close"));
        assert_eq!(
            serde_json::to_value(reply).expect("json"),
            json!({"in_reply_to":"abc","content":"bye","session_event":"close"})
        );
        let metrics = vec![Metric("replies".into(), 5.1, Aggregator::Max)];
        assert_eq!(
            serde_json::to_string(&metrics).expect("json"),
            r#"[["replies",5.1,"max"]]"#
        );
    }
}
