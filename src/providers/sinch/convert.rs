//! Wire → model. Every string from the network passes through the sanitiser here; unknown
//! channels and statuses fall back readably instead of failing.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::wire::{
    AppMessage, CapabilityNotification, ContactMessage, DeliveryReport, LocationMessage,
    MediaMessage, WireContact, WireConversation, WireMessage,
};
use crate::model::{
    AccountId, Agent, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Priority, Timestamp, Workflow,
};
use crate::text::{display_name, sanitize, sanitize_line};

/// `message_metadata` of our replies starts with this, followed by the client id, so a polled
/// copy of a reply can be matched with the local echo (merge rule 4).
pub const CLIENT_ID_PREFIX: &str = "switchboard:";

/// A Sinch channel enum value (§1.4) as a model channel.
pub fn channel(name: &str) -> Channel {
    match name {
        "WHATSAPP" => Channel::WhatsApp,
        "RCS" => Channel::Rcs,
        "SMS" => Channel::Sms,
        "MMS" => Channel::Mms,
        "MESSENGER" => Channel::Messenger,
        "INSTAGRAM" => Channel::Instagram,
        "TELEGRAM" => Channel::Telegram,
        "VIBER" | "VIBERBM" => Channel::Viber,
        "LINE" => Channel::Line,
        "KAKAOTALK" => Channel::KakaoTalk,
        "KAKAOTALKCHAT" => Channel::KakaoTalkChat,
        "WECHAT" => Channel::WeChat,
        "APPLEBC" => Channel::Apple,
        "" | "CHANNEL_UNSPECIFIED" => Channel::Other("Sinch".to_string()),
        other => Channel::Other(sanitize_line(other)),
    }
}

pub fn parse_time(text: &str) -> Option<Timestamp> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

pub fn format_time(at: Timestamp) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The contact as shown: display name, else the identity on `channel`, else the id.
pub fn contact(wire: &WireContact, channel: &str) -> Contact {
    let identity = wire
        .channel_identities
        .iter()
        .find(|id| id.channel == channel)
        .or_else(|| wire.channel_identities.first())
        .map(|id| sanitize_line(&id.identity))
        .unwrap_or_default();
    let display = sanitize_line(&wire.display_name);
    let id = sanitize_line(&wire.id);
    // A name that draws blank (U+2800, NBSP only…) gives way to the identity, then the id.
    Contact {
        name: display_name([display.as_str(), &identity, &id]),
        id,
        identity,
    }
}

pub fn unknown_contact(contact_id: &str) -> Contact {
    let id = sanitize_line(contact_id);
    Contact {
        name: display_name([id.as_str()]),
        id,
        identity: String::new(),
    }
}

/// A conversation; the details pane gets the identifiers an integrator needs.
/// The key of `metadata_json` under which every switchboard on a Sinch app keeps who has a
/// conversation, its labels, priority and snooze: `{"assignee", "assigneeName", "labels",
/// "priority", "snoozedUntil"}`.
pub const WORKFLOW_KEY: &str = "switchboard";

/// Who has a conversation, its labels and priority, as kept under [`WORKFLOW_KEY`]; with the
/// assignee's name when it was written with one.
pub fn workflow(wire: &WireConversation) -> (Workflow, Option<Agent>) {
    let kept = wire
        .metadata_json
        .as_ref()
        .and_then(|json| json.get(WORKFLOW_KEY));
    let Some(kept) = kept else {
        return (Workflow::default(), None);
    };
    let text = |key: &str| {
        kept.get(key)
            .and_then(Value::as_str)
            .map(sanitize_line)
            .filter(|text| !text.trim().is_empty())
    };
    let labels = kept
        .get("labels")
        .and_then(Value::as_array)
        .map(|labels| {
            labels
                .iter()
                .filter_map(Value::as_str)
                .map(sanitize_line)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let work = Workflow {
        assignee: text("assignee"),
        labels: Workflow::tidy_labels(labels),
        priority: text("priority")
            .and_then(|name| Priority::from_name(&name))
            .unwrap_or_default(),
        snoozed_until: kept
            .get("snoozedUntil")
            .and_then(Value::as_str)
            .and_then(parse_time),
    };
    let agent = work
        .assignee
        .clone()
        .zip(text("assigneeName"))
        .map(|(id, name)| Agent { id, name });
    (work, agent)
}

/// What [`workflow`] reads back, to write under [`WORKFLOW_KEY`].
pub fn workflow_json(work: &Workflow, assignee_name: Option<&str>) -> Value {
    serde_json::json!({
        "assignee": work.assignee,
        "assigneeName": assignee_name,
        "labels": work.labels,
        "priority": (work.priority != Priority::None).then(|| work.priority.label()),
        "snoozedUntil": work.snoozed_until.map(format_time),
    })
}

pub fn conversation(
    account: &AccountId,
    wire: &WireConversation,
    contact: Contact,
) -> Conversation {
    let mut metadata = BTreeMap::new();
    metadata.insert("App".to_string(), sanitize_line(&wire.app_id));
    metadata.insert(
        "Sinch channel".to_string(),
        sanitize_line(&wire.active_channel),
    );
    if !wire.metadata.is_empty() {
        metadata.insert("Metadata".to_string(), sanitize_line(&wire.metadata));
    }
    if let Some(Value::Object(fields)) = &wire.metadata_json {
        // Ours is shown as what it is (the assignee, labels, priority), not as JSON.
        for (key, value) in fields.iter().filter(|(key, _)| *key != WORKFLOW_KEY) {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            metadata.insert(
                format!("meta.{}", sanitize_line(key)),
                sanitize_line(&value),
            );
        }
    }
    if !wire.correlation_id.is_empty() {
        metadata.insert(
            "Correlation".to_string(),
            sanitize_line(&wire.correlation_id),
        );
    }
    Conversation {
        key: ConversationKey::new(account, wire.id.clone()),
        channel: channel(&wire.active_channel),
        contact,
        status: if wire.active {
            ConversationStatus::Open
        } else {
            ConversationStatus::Closed
        },
        unread: 0,
        last_message_at: wire.last_received.as_deref().and_then(parse_time),
        last_message: None,
        metadata,
        work: Some(workflow(wire).0),
    }
}

/// A message. `contact_name` labels inbound ones, `agent_name` ours.
pub fn message(wire: &WireMessage, contact_name: &str, agent_name: &str) -> Message {
    let inbound = wire.direction == "TO_APP" || wire.contact_message.is_some();
    let content = match (&wire.contact_message, &wire.app_message) {
        (Some(contact), _) => contact_content(contact),
        (None, Some(app)) => app_content(app),
        (None, None) => Content::Other {
            kind: "message".into(),
            summary: "(empty)".into(),
        },
    };
    let at = match wire.accept_time.as_deref().and_then(parse_time) {
        Some(at) => at,
        None => {
            tracing::warn!(id = %wire.id, "Sinch message without a readable accept_time");
            OffsetDateTime::UNIX_EPOCH
        }
    };
    Message {
        id: sanitize_line(&wire.id),
        client_id: client_id(&wire.metadata),
        direction: if inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        sender: if inbound { contact_name } else { agent_name }.to_string(),
        content,
        at,
        status: if inbound {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Sent
        },
        failure: None,
    }
}

/// Our client id, when the metadata is our marker.
pub fn client_id(metadata: &str) -> Option<String> {
    metadata
        .strip_prefix(CLIENT_ID_PREFIX)
        .filter(|id| !id.is_empty())
        .map(sanitize_line)
}

/// A capability callback as one line for the details pane, e.g.
/// `CAPABILITY_PARTIAL on WHATSAPP (+4611111): CODE description`.
pub fn capability_summary(capability: &CapabilityNotification) -> String {
    let mut summary = format!(
        "{} on {} ({})",
        capability.capability_status, capability.channel, capability.identity
    );
    if let Some(reason) = capability.reason.as_ref().filter(|r| !r.code.is_empty()) {
        summary.push_str(&format!(": {} {}", reason.code, reason.description));
    }
    sanitize_line(&summary)
}

/// A delivery report's status on the monotonic scale, with the failure reason when it failed.
pub fn delivery(report: &DeliveryReport) -> Option<(DeliveryStatus, Option<String>)> {
    let status = match report.status.as_str() {
        // Accepted by the channel but not yet on the handset; switching is still in flight.
        "QUEUED_ON_CHANNEL" | "SWITCHING_CHANNEL" => DeliveryStatus::Sent,
        "DELIVERED" => DeliveryStatus::Delivered,
        "READ" => DeliveryStatus::Read,
        "FAILED" => DeliveryStatus::Failed,
        _ => return None,
    };
    let reason = (status == DeliveryStatus::Failed).then(|| match &report.reason {
        Some(reason) if !reason.description.is_empty() => {
            format!("{}: {}", reason.code, reason.description)
        }
        Some(reason) if !reason.code.is_empty() => reason.code.clone(),
        _ => "delivery failed".to_string(),
    });
    Some((status, reason.map(|r| sanitize_line(&r))))
}

fn app_content(message: &AppMessage) -> Content {
    if let Some(text) = &message.text_message {
        return Content::Text(sanitize(&text.text));
    }
    if let Some(media) = &message.media_message {
        return media_content(media);
    }
    if let Some(location) = &message.location_message {
        return location_content(location);
    }
    if let Some(choice) = &message.choice_message {
        let text = str_at(choice, &["text_message", "text"]);
        let choices = choice_titles(choice.get("choices"));
        return other("choice", &join(&[text, choices]));
    }
    if let Some(card) = &message.card_message {
        let title = str_at(card, &["title"]);
        let description = str_at(card, &["description"]);
        return other("card", &join(&[title, description]));
    }
    if let Some(carousel) = &message.carousel_message {
        let cards = carousel
            .get("cards")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        return other("carousel", &format!("{cards} cards"));
    }
    if let Some(list) = &message.list_message {
        return other("list", &str_at(list, &["title"]));
    }
    if let Some(contact) = &message.contact_info_message {
        let name = str_at(contact, &["name", "full_name"]);
        return other("contact", &name);
    }
    if let Some(template) = &message.template_message {
        let id = str_at(template, &["omni_template", "template_id"]);
        return other("template", &id);
    }
    other("message", "(unsupported kind)")
}

fn contact_content(message: &ContactMessage) -> Content {
    if let Some(text) = &message.text_message {
        return Content::Text(sanitize(&text.text));
    }
    if let Some(media) = &message.media_message {
        return media_content(media);
    }
    if let Some(location) = &message.location_message {
        return location_content(location);
    }
    if let Some(choice) = &message.choice_response_message {
        return other("choice reply", &str_at(choice, &["postback_data"]));
    }
    if let Some(card) = &message.media_card_message {
        return Content::Media {
            kind: "media card".into(),
            url: sanitize_line(&str_at(card, &["url"])),
            caption: Some(str_at(card, &["caption"])).filter(|c| !c.is_empty()),
        };
    }
    if let Some(fallback) = &message.fallback_message {
        let why = str_at(fallback, &["reason", "description"]);
        let raw = str_at(fallback, &["raw_message"]);
        return other("unsupported", &join(&[why, raw]));
    }
    if let Some(product) = &message.product_response_message {
        return other("product", &str_at(product, &["title"]));
    }
    if let Some(specific) = &message.channel_specific_message {
        return other("channel message", &str_at(specific, &["message_type"]));
    }
    other("message", "(unsupported kind)")
}

fn media_content(media: &MediaMessage) -> Content {
    let url = sanitize_line(&media.url);
    Content::Media {
        kind: media_kind(&url).to_string(),
        caption: media
            .filename_override
            .as_deref()
            .map(sanitize_line)
            .filter(|name| !name.is_empty()),
        url,
    }
}

/// A readable kind from the file extension (the API does not say).
fn media_kind(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "heic" => "image",
        "mp4" | "mov" | "webm" | "3gp" => "video",
        "mp3" | "ogg" | "opus" | "m4a" | "aac" | "amr" | "wav" => "audio",
        "pdf" | "doc" | "docx" | "xls" | "xlsx" | "txt" | "csv" => "document",
        _ => "media",
    }
}

fn location_content(location: &LocationMessage) -> Content {
    Content::Location {
        latitude: location.coordinates.latitude,
        longitude: location.coordinates.longitude,
        label: [&location.title, &location.label]
            .into_iter()
            .flatten()
            .map(|text| sanitize_line(text))
            .find(|text| !text.is_empty()),
    }
}

fn other(kind: &str, summary: &str) -> Content {
    Content::Other {
        kind: kind.to_string(),
        summary: sanitize_line(summary),
    }
}

/// The first string found at any of `keys` (searched one level deep too).
fn str_at(value: &Value, keys: &[&str]) -> String {
    for key in keys {
        match value.get(*key) {
            Some(Value::String(text)) => return text.clone(),
            Some(Value::Object(inner)) => {
                if let Some(Value::String(text)) = inner.values().find(|v| v.is_string()) {
                    return text.clone();
                }
            }
            _ => {}
        }
    }
    String::new()
}

fn choice_titles(choices: Option<&Value>) -> String {
    let Some(Value::Array(choices)) = choices else {
        return String::new();
    };
    let titles: Vec<String> = choices
        .iter()
        .filter_map(|choice| choice.as_object()?.values().next())
        .map(|inner| {
            let title = str_at(inner, &["title", "text"]);
            format!("[{title}]")
        })
        .collect();
    titles.join(" ")
}

fn join(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|part| !part.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" — ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::sinch::wire::Reason;

    #[test]
    fn every_sinch_channel_has_a_readable_name() {
        let names = [
            ("WHATSAPP", "WhatsApp"),
            ("RCS", "RCS"),
            ("SMS", "SMS"),
            ("MESSENGER", "Messenger"),
            ("VIBERBM", "Viber"),
            ("MMS", "MMS"),
            ("INSTAGRAM", "Instagram"),
            ("TELEGRAM", "Telegram"),
            ("KAKAOTALK", "KakaoTalk"),
            ("KAKAOTALKCHAT", "KakaoTalk Chat"),
            ("LINE", "LINE"),
            ("WECHAT", "WeChat"),
            ("APPLEBC", "Apple Messages"),
        ];
        for (wire, label) in names {
            assert_eq!(channel(wire).label(), label, "{wire}");
        }
        assert_eq!(channel("NEWCHAN").label(), "NEWCHAN");
    }

    #[test]
    fn message_kinds_read_well() {
        let parse = |json: &str| -> WireMessage { serde_json::from_str(json).expect("json") };
        let media = parse(
            r#"{"id":"m","direction":"TO_APP","accept_time":"2024-01-01T00:00:00Z",
                "contact_message":{"media_message":{"url":"https://x/y/cat.jpg"}}}"#,
        );
        let converted = message(&media, "Jane", "You");
        assert_eq!(converted.direction, Direction::Inbound);
        assert_eq!(converted.content.preview(), "[image] cat.jpg");
        let choice = parse(
            r#"{"id":"m","direction":"TO_CONTACT","accept_time":"2024-01-01T00:00:00Z",
                "app_message":{"choice_message":{"text_message":{"text":"Pick"},
                 "choices":[{"text_message":{"text":"Yes"}},{"call_message":{"title":"Call us","phone_number":"1"}}]}},
                "metadata":"switchboard:abc-1"}"#,
        );
        let converted = message(&choice, "Jane", "You");
        assert_eq!(converted.client_id.as_deref(), Some("abc-1"));
        assert_eq!(converted.sender, "You");
        assert_eq!(
            converted.content.preview(),
            "[choice] Pick — [Yes] [Call us]"
        );
        let location = parse(
            r#"{"id":"m","direction":"TO_APP","accept_time":"2024-01-01T00:00:00Z",
                "contact_message":{"location_message":{"coordinates":{"latitude":59.3,"longitude":18.0},"title":"Office"}}}"#,
        );
        assert_eq!(
            message(&location, "J", "Y").content.preview(),
            "[location] Office"
        );
        let card = parse(
            r#"{"id":"m","direction":"TO_CONTACT","accept_time":"2024-01-01T00:00:00Z",
                "app_message":{"card_message":{"title":"Sale","description":"50% off"}}}"#,
        );
        assert_eq!(
            message(&card, "J", "Y").content.preview(),
            "[card] Sale — 50% off"
        );
    }

    #[test]
    fn delivery_states_map_onto_the_monotonic_scale() {
        let report = |status: &str| DeliveryReport {
            status: status.into(),
            ..DeliveryReport::default()
        };
        assert_eq!(
            delivery(&report("QUEUED_ON_CHANNEL")),
            Some((DeliveryStatus::Sent, None))
        );
        assert_eq!(
            delivery(&report("SWITCHING_CHANNEL")),
            Some((DeliveryStatus::Sent, None))
        );
        assert_eq!(
            delivery(&report("DELIVERED")).map(|d| d.0),
            Some(DeliveryStatus::Delivered)
        );
        assert_eq!(
            delivery(&report("READ")).map(|d| d.0),
            Some(DeliveryStatus::Read)
        );
        let failed = DeliveryReport {
            reason: Some(Reason {
                code: "RECIPIENT_NOT_OPTED_IN".into(),
                description: "no opt-in".into(),
                ..Reason::default()
            }),
            ..report("FAILED")
        };
        assert_eq!(
            delivery(&failed),
            Some((
                DeliveryStatus::Failed,
                Some("RECIPIENT_NOT_OPTED_IN: no opt-in".into())
            ))
        );
        assert_eq!(delivery(&report("WHATEVER")), None);
    }
}
