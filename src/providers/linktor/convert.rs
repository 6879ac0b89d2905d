//! Wire → model. Every string from the network passes through `sanitize`/`sanitize_line` here,
//! and unknown enum values fall back to a sensible default (with a log line) instead of failing.

use std::collections::BTreeMap;

use serde_json::Value;

use super::wire::{
    PLATFORM_KEY, SENDER_NAME_KEY, WireContact, WireContent, WireConversation, WireMessage,
    parse_time,
};
use crate::model::{
    AccountId, Channel, Contact, ContactCard, ContactIdentifier, Content, Conversation,
    ConversationKey, ConversationStatus, DeliveryStatus, Direction, Message, Priority, Timestamp,
    Workflow,
};
use crate::text::{display_name, sanitize, sanitize_line};

/// The model contact for a conversation: the identity is the identifier for the conversation's
/// channel, else the phone, else the email.
pub fn contact(wire: &WireContact, channel_type: &str) -> Contact {
    let identity = wire
        .identifiers
        .iter()
        .find(|id| id.platform().eq_ignore_ascii_case(channel_type))
        .map(|id| id.identifier.clone())
        .or_else(|| wire.phone.clone())
        .or_else(|| wire.email.clone())
        .unwrap_or_default();
    let identity = sanitize_line(&identity);
    let id = sanitize_line(&wire.id);
    // A name that draws blank (U+2800, NBSP only…) gives way to the identity, then the id.
    let name = sanitize_line(wire.name.as_deref().unwrap_or_default());
    Contact {
        name: display_name([name.as_str(), &identity, &id]),
        id,
        identity,
    }
}

/// The picker's view of a contact: every identifier, sanitised.
pub fn contact_card(wire: &WireContact) -> ContactCard {
    let base = contact(wire, "");
    ContactCard {
        id: base.id,
        name: base.name,
        email: wire.email.as_deref().map(sanitize_line),
        phone: wire.phone.as_deref().map(sanitize_line),
        identifiers: wire
            .identifiers
            .iter()
            .map(|id| ContactIdentifier {
                channel: Channel::from_linktor(&sanitize_line(id.platform())),
                channel_type: id.platform().to_string(),
                identifier: sanitize_line(&id.identifier),
            })
            .collect(),
    }
}

/// A placeholder while a conversation's contact is not known (listing failed or 404).
pub fn unknown_contact(contact_id: &str) -> Contact {
    let id = sanitize_line(contact_id);
    Contact {
        name: display_name([id.as_str()]),
        id,
        identity: String::new(),
    }
}

pub fn conversation(
    account: &AccountId,
    wire: &WireConversation,
    contact: Contact,
) -> Conversation {
    let status = ConversationStatus::from_linktor(&wire.status).unwrap_or_else(|| {
        tracing::warn!(status = %wire.status, conversation = %wire.id, "unknown Linktor conversation status; treating as open");
        ConversationStatus::Open
    });
    Conversation {
        key: ConversationKey::new(account, wire.id.clone()),
        channel: Channel::from_linktor(&sanitize_line(wire.platform())),
        contact,
        status,
        unread: wire.unread_count,
        last_message_at: wire.last_message_at.as_deref().and_then(parse_time),
        last_message: wire.last_message.as_ref().and_then(last_message_preview),
        metadata: metadata(&wire.metadata)
            .into_iter()
            // The platform the hub names is the channel, shown as such.
            .filter(|(key, value)| key != PLATFORM_KEY || value != wire.platform())
            .collect(),
        work: Some(workflow(wire)),
    }
}

/// Who has a conversation, its labels and priority (an unknown priority is none).
pub fn workflow(wire: &WireConversation) -> Workflow {
    Workflow {
        assignee: wire
            .assigned_to
            .as_deref()
            .map(sanitize_line)
            .filter(|agent| !agent.is_empty()),
        labels: labels(&wire.tags),
        priority: priority(wire.priority.as_deref()),
        snoozed_until: wire.snoozed_until.as_deref().and_then(parse_time),
    }
}

pub fn labels(tags: &[String]) -> Vec<String> {
    Workflow::tidy_labels(tags.iter().map(|tag| sanitize_line(tag)))
}

pub fn priority(name: Option<&str>) -> Priority {
    name.and_then(Priority::from_name).unwrap_or_default()
}

/// The SDK leaves `lastMessage` untyped: a message object (what the hub sends) or a string.
fn last_message_preview(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(sanitize_line(text)),
        Value::Object(_) => serde_json::from_value::<WireMessage>(value.clone())
            .ok()
            .map(|wire| sanitize_line(&content(&wire.content_type, &wire.content).preview())),
        _ => None,
    }
}

fn metadata(wire: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    wire.iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (sanitize_line(key), sanitize_line(&text))
        })
        .collect()
}

/// A message. `contact_name` names inbound senders; outbound ones are the agent (`agent_name`),
/// "Bot" or "System" by `senderType`.
pub fn message(wire: &WireMessage, contact_name: &str, agent_name: &str) -> Message {
    let direction = match &*wire.direction {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        other => {
            // A contact-sent message is inbound whatever the label says.
            let guess = if wire.sender_type == "contact" {
                Direction::Inbound
            } else {
                Direction::Outbound
            };
            tracing::warn!(direction = other, id = %wire.id, ?guess, "unknown Linktor message direction");
            guess
        }
    };
    // A private note of the team: by whoever wrote it, for the team alone.
    let (direction, note_by) = match (direction, wire.is_note()) {
        (Direction::Outbound, true) => (
            Direction::Note,
            wire.metadata
                .get(SENDER_NAME_KEY)
                .and_then(Value::as_str)
                .map(sanitize_line)
                .filter(|name| !name.trim().is_empty()),
        ),
        (direction, _) => (direction, None),
    };
    let sender = match (direction, &*wire.sender_type) {
        (Direction::Note, _) => note_by.unwrap_or_else(|| agent_name.to_string()),
        (Direction::Inbound, _) | (_, "contact") => contact_name.to_string(),
        (_, "bot") => "Bot".to_string(),
        (_, "system") => "System".to_string(),
        _ => agent_name.to_string(),
    };
    let status = DeliveryStatus::from_linktor(&wire.status).unwrap_or_else(|| {
        tracing::warn!(status = %wire.status, id = %wire.id, "unknown Linktor delivery status; treating as sent");
        DeliveryStatus::Sent
    });
    let at = parse_time(&wire.created_at).unwrap_or_else(|| {
            tracing::warn!(created_at = %wire.created_at, id = %wire.id, "unparsable Linktor timestamp; using now");
            Timestamp::now_utc()
        });
    Message {
        id: wire.id.clone(),
        client_id: wire
            .metadata
            .get("clientId")
            .and_then(Value::as_str)
            .map(str::to_string),
        direction,
        sender,
        content: content(&wire.content_type, &wire.content),
        at,
        status,
        failure: wire.failed_reason.as_deref().map(sanitize_line),
    }
}

pub fn content(content_type: &str, wire: &WireContent) -> Content {
    let text = || wire.text.as_deref().map(sanitize).unwrap_or_default();
    match content_type {
        "text" => Content::Text(text()),
        "image" | "video" | "audio" | "document" | "sticker" => Content::Media {
            kind: content_type.to_string(),
            url: wire.url.as_deref().map(sanitize_line).unwrap_or_default(),
            caption: wire
                .caption
                .as_deref()
                .or(wire.filename.as_deref())
                .map(sanitize_line)
                .filter(|caption| !caption.is_empty()),
        },
        "location" => Content::Location {
            latitude: wire.latitude.unwrap_or_default(),
            longitude: wire.longitude.unwrap_or_default(),
            label: wire
                .name
                .as_deref()
                .or(wire.text.as_deref())
                .map(sanitize_line),
        },
        "contact" => Content::Other {
            kind: "contact".to_string(),
            summary: wire
                .name
                .as_deref()
                .or(wire.text.as_deref())
                .map(sanitize_line)
                .unwrap_or_default(),
        },
        other => {
            tracing::warn!(content_type = other, "unknown Linktor content type");
            match &wire.text {
                Some(_) if other.is_empty() => Content::Text(text()),
                _ => Content::Other {
                    kind: sanitize_line(other),
                    summary: sanitize_line(&text()),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::linktor::wire::WireIdentifier;

    fn wire_message(direction: &str, sender_type: &str, text: &str) -> WireMessage {
        WireMessage {
            id: "m1".into(),
            conversation_id: "c1".into(),
            direction: direction.to_string().into(),
            content_type: "text".into(),
            content: WireContent {
                text: Some(text.into()),
                ..WireContent::default()
            },
            status: "delivered".into(),
            sender_type: sender_type.to_string().into(),
            sender_id: None,
            external_id: None,
            delivered_at: None,
            read_at: None,
            failed_reason: None,
            metadata: BTreeMap::new(),
            created_at: "2024-01-01T00:00:00Z".into(),
            updated_at: None,
        }
    }

    fn wire_contact(name: &str) -> WireContact {
        WireContact {
            id: "k1".into(),
            tenant_id: None,
            name: Some(name.into()),
            email: Some("bob@example.com".into()),
            phone: Some("+5511".into()),
            identifiers: vec![WireIdentifier {
                channel_type: "telegram".into(),
                channel_id: None,
                identifier: "@bob".into(),
                metadata: BTreeMap::new(),
            }],
            conversation_count: 1,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn hostile_text_is_neutralised() {
        let evil = "hi\u{1b}]0;pwned\u{7} there\u{1b}[2J\u{202e}gnp.exe";
        let converted = message(&wire_message("inbound", "contact", evil), "Bob", "You");
        assert_eq!(converted.content, Content::Text("hi theregnp.exe".into()));
        let contact = contact(&wire_contact("Mal\u{1b}[31mory\nX"), "whatsapp");
        assert_eq!(contact.name, "Malory X");
        let mut failed = wire_message("outbound", "agent", "x");
        failed.failed_reason = Some("boom\u{1b}[1m!".into());
        assert_eq!(
            message(&failed, "Bob", "You").failure.as_deref(),
            Some("boom!")
        );
    }

    #[test]
    fn senders_and_directions() {
        let inbound = message(&wire_message("inbound", "contact", "a"), "Bob", "Ana");
        assert_eq!(
            (inbound.direction, inbound.sender.as_str()),
            (Direction::Inbound, "Bob")
        );
        let agent = message(&wire_message("outbound", "agent", "a"), "Bob", "Ana");
        assert_eq!(agent.sender, "Ana");
        assert_eq!(
            message(&wire_message("outbound", "bot", "a"), "Bob", "Ana").sender,
            "Bot"
        );
        assert_eq!(
            message(&wire_message("outbound", "system", "a"), "Bob", "Ana").sender,
            "System"
        );
    }

    #[test]
    fn client_id_status_and_time() {
        let mut wire = wire_message("outbound", "agent", "a");
        wire.metadata
            .insert("clientId".into(), Value::String("local-1".into()));
        wire.status = "weird".into();
        let converted = message(&wire, "Bob", "You");
        assert_eq!(converted.client_id.as_deref(), Some("local-1"));
        assert_eq!(converted.status, DeliveryStatus::Sent);
        assert_eq!(converted.at.unix_timestamp(), 1_704_067_200);
    }

    #[test]
    fn content_kinds() {
        let media = WireContent {
            url: Some("https://x/y.png".into()),
            caption: Some("pic".into()),
            ..WireContent::default()
        };
        assert!(
            matches!(content("image", &media), Content::Media { ref kind, ref caption, .. } if kind == "image" && caption.as_deref() == Some("pic"))
        );
        assert!(matches!(content("sticker", &media), Content::Media { .. }));
        let place = WireContent {
            latitude: Some(1.5),
            longitude: Some(-2.0),
            name: Some("Office".into()),
            ..WireContent::default()
        };
        assert_eq!(
            content("location", &place),
            Content::Location {
                latitude: 1.5,
                longitude: -2.0,
                label: Some("Office".into())
            }
        );
        let card = WireContent {
            name: Some("Carla".into()),
            ..WireContent::default()
        };
        assert!(
            matches!(content("contact", &card), Content::Other { ref kind, .. } if kind == "contact")
        );
        assert!(
            matches!(content("carousel", &card), Content::Other { ref kind, .. } if kind == "carousel")
        );
    }

    #[test]
    fn contact_identity_follows_the_channel() {
        assert_eq!(contact(&wire_contact("Bob"), "telegram").identity, "@bob");
        assert_eq!(contact(&wire_contact("Bob"), "whatsapp").identity, "+5511");
        let mut nameless = wire_contact("");
        nameless.name = None;
        assert_eq!(contact(&nameless, "telegram").name, "@bob");
    }

    #[test]
    fn conversation_defaults() {
        let wire: WireConversation = serde_json::from_value(serde_json::json!({
            "id":"c1","channelType":"whatsapp","contactId":"k1","status":"archived","unreadCount":2,
            "lastMessage": {"id":"m1","conversationId":"c1","direction":"inbound","contentType":"text",
              "content":{"text":"hey\u{1b}[31m"},"status":"read","senderType":"contact","createdAt":"2024-01-01T00:00:00Z"},
            "metadata":{"plan":"gold","n":3}
        }))
        .expect("conversation");
        let converted = conversation(&AccountId::new("a"), &wire, unknown_contact("k1"));
        assert_eq!(converted.status, ConversationStatus::Open);
        assert_eq!(converted.channel, Channel::WhatsApp);
        assert_eq!(converted.unread, 2);
        assert_eq!(converted.last_message.as_deref(), Some("hey"));
        assert_eq!(converted.metadata.get("n").map(String::as_str), Some("3"));
    }

    #[test]
    fn the_hubs_platform_name_is_the_channel_and_another_servers_is_metadata() {
        let read = |channel_type: &str, platform: &str| {
            let wire: WireConversation = serde_json::from_value(serde_json::json!({
                "id":"c1","channelType":channel_type,"contactId":"k1","status":"open",
                "metadata":{"platform":platform}
            }))
            .expect("conversation");
            conversation(&AccountId::new("a"), &wire, unknown_contact("k1"))
        };
        let viber = read("webchat", "viber");
        assert_eq!(viber.channel, Channel::Viber);
        assert!(
            !viber.metadata.contains_key(PLATFORM_KEY),
            "shown as the channel"
        );
        let app = read("whatsapp", "ios");
        assert_eq!(app.channel, Channel::WhatsApp);
        assert_eq!(
            app.metadata.get(PLATFORM_KEY).map(String::as_str),
            Some("ios")
        );
    }
}
