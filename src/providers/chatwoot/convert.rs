//! Chatwoot's wire → the inbox's model. Every string from the network is sanitised here.
//! Inboxes become channels (§5.4), the per-account display id becomes the conversation id, an
//! assignee or (without one) a team becomes the workflow's assignee, private notes become
//! notes, and activity lines ("Conversation was resolved by …") become notes by "Chatwoot".

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::wire;
use crate::model::{
    AccountId, Channel, Contact, ContactCard, ContactIdentifier, Content, Conversation,
    ConversationKey, ConversationStatus, DeliveryStatus, Direction, Message, Priority, SavedReply,
    Timestamp, Workflow,
};
use crate::text::{display_name, sanitize, sanitize_line};

/// The assignee id of a team, which Chatwoot keeps beside the agent (§3.11).
pub const TEAM_PREFIX: &str = "team:";

/// Who activity lines are by.
pub const SYSTEM_SENDER: &str = "Chatwoot";

/// An inbox's channel (§5.4): Twilio carries SMS or WhatsApp by `medium`.
pub fn channel(channel_type: Option<&str>, medium: Option<&str>) -> Channel {
    let kind = channel_type.unwrap_or_default();
    match kind {
        "Channel::Whatsapp" => Channel::WhatsApp,
        "Channel::TwilioSms" if medium == Some("whatsapp") => Channel::WhatsApp,
        "Channel::TwilioSms" | "Channel::Sms" => Channel::Sms,
        "Channel::Telegram" => Channel::Telegram,
        "Channel::FacebookPage" => Channel::Messenger,
        "Channel::Instagram" => Channel::Instagram,
        "Channel::Line" => Channel::Line,
        "Channel::Email" => Channel::Email,
        "Channel::WebWidget" => Channel::Webchat,
        "Channel::Api" => Channel::Other("API".to_string()),
        "Channel::TwitterProfile" => Channel::Other("X".to_string()),
        "Channel::Tiktok" => Channel::Other("TikTok".to_string()),
        "" => Channel::Other("Chatwoot".to_string()),
        other => Channel::Other(sanitize_line(other.trim_start_matches("Channel::"))),
    }
}

/// Where a sent reply is only "sent" once the channel gave it an id (`source_id`): until
/// then the web client shows it in progress (§10 item 23).
fn confirms_with_source_id(channel: &Channel) -> bool {
    matches!(
        channel,
        Channel::WhatsApp | Channel::Sms | Channel::Messenger | Channel::Instagram
    ) || matches!(channel, Channel::Other(name) if name == "TikTok")
}

pub fn status(status: Option<&str>) -> ConversationStatus {
    match status {
        Some("resolved") => ConversationStatus::Resolved,
        Some("pending") => ConversationStatus::Pending,
        Some("snoozed") => ConversationStatus::Snoozed,
        _ => ConversationStatus::Open,
    }
}

/// Our status as Chatwoot names it; it has no "closed", only resolved.
pub fn status_name(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Open => "open",
        ConversationStatus::Pending => "pending",
        ConversationStatus::Snoozed => "snoozed",
        ConversationStatus::Resolved | ConversationStatus::Closed => "resolved",
    }
}

/// What the provider knows about the account that a conversation's JSON only names by id.
#[derive(Debug, Default)]
pub struct Directory {
    pub inboxes: HashMap<u64, wire::Inbox>,
}

impl Directory {
    pub fn channel_of(&self, conversation: &wire::Conversation) -> Channel {
        let inbox = conversation.inbox_id.and_then(|id| self.inboxes.get(&id));
        let kind = conversation
            .meta
            .channel
            .as_deref()
            .or(conversation.channel.as_deref())
            .or(inbox.and_then(|inbox| inbox.channel_type.as_deref()));
        channel(kind, inbox.and_then(|inbox| inbox.medium.as_deref()))
    }
}

/// The assignee id of an agent bot: its ids are not users' (§1.4, `assignee_type`).
pub const BOT_PREFIX: &str = "bot:";

impl Directory {
    /// The channel of an inbox by id (a message names its inbox, not its channel).
    pub fn channel_of_inbox(&self, inbox: Option<u64>) -> Channel {
        let inbox = inbox.and_then(|id| self.inboxes.get(&id));
        channel(
            inbox.and_then(|inbox| inbox.channel_type.as_deref()),
            inbox.and_then(|inbox| inbox.medium.as_deref()),
        )
    }
}

pub fn workflow(conversation: &wire::Conversation) -> Workflow {
    let bot = conversation.meta.assignee_type.as_deref() == Some("AgentBot");
    let assignee = match (&conversation.meta.assignee, &conversation.meta.team) {
        (Some(bot_user), _) if bot => Some(format!("{BOT_PREFIX}{}", bot_user.id)),
        (Some(user), _) => Some(user.id.to_string()),
        (None, Some(team)) => Some(format!("{TEAM_PREFIX}{}", team.id)),
        (None, None) => None,
    };
    let snoozed = status(conversation.status.as_deref()) == ConversationStatus::Snoozed;
    Workflow {
        assignee,
        labels: Workflow::tidy_labels(conversation.labels.iter().map(|l| sanitize_line(l))),
        priority: conversation
            .priority
            .as_deref()
            .and_then(Priority::from_name)
            .unwrap_or_default(),
        snoozed_until: conversation.snoozed_until.at().filter(|_| snoozed),
    }
}

pub fn contact(wire: Option<&wire::Contact>, source_id: Option<&str>) -> Contact {
    let wire = wire.cloned().unwrap_or_default();
    let identity = [
        wire.phone_number.as_deref(),
        wire.email.as_deref(),
        wire.identifier.as_deref(),
        source_id,
    ]
    .into_iter()
    .flatten()
    .map(sanitize_line)
    .find(|value| !value.trim().is_empty())
    .unwrap_or_default();
    let id = wire.id.map(|id| id.to_string()).unwrap_or_default();
    let name = sanitize_line(wire.name.as_deref().unwrap_or_default());
    Contact {
        name: display_name([name.as_str(), identity.as_str(), id.as_str()]),
        id,
        identity,
    }
}

pub fn conversation(
    account: &AccountId,
    wire: &wire::Conversation,
    directory: &Directory,
) -> Conversation {
    let channel = directory.channel_of(wire);
    let source_id = wire
        .contact_inbox
        .as_ref()
        .and_then(|inbox| inbox.source_id.as_deref());
    // REST's latest message may be a private note: never the preview, as in a push (§3.16).
    let latest = wire
        .last_non_activity_message
        .as_ref()
        .filter(|m| !m.private)
        .or_else(|| {
            wire.messages
                .iter()
                .rev()
                .find(|m| !m.private && m.message_type != wire::MessageType::Activity)
        });
    let mut metadata = BTreeMap::new();
    if let Some(inbox) = wire.inbox_id.and_then(|id| directory.inboxes.get(&id))
        && let Some(name) = &inbox.name
    {
        metadata.insert("Inbox".to_string(), sanitize_line(name));
    }
    // Without an agent the team is the assignee (shown as such); beside one, it is news.
    if wire.meta.assignee.is_some()
        && let Some(team) = &wire.meta.team
        && let Some(name) = &team.name
    {
        metadata.insert("Team".to_string(), sanitize_line(name));
    }
    if wire.can_reply == Some(false) {
        metadata.insert(
            "Replies".to_string(),
            "closed: the channel's messaging window has passed".to_string(),
        );
    }
    Conversation {
        key: ConversationKey::new(account, wire.id.to_string()),
        contact: contact(wire.meta.sender.as_ref(), source_id),
        channel,
        status: status(wire.status.as_deref()),
        unread: wire.unread_count.unwrap_or(0),
        last_message_at: wire.last_activity_at.at().or(wire.timestamp.at()),
        last_message: latest
            .map(|message| sanitize_line(&content(message).preview()))
            .filter(|preview| !preview.is_empty()),
        metadata,
        work: Some(workflow(wire)),
    }
}

/// The conversation a message belongs to: `conversation_id` (REST, push) or the whole
/// conversation's `id` (webhook).
pub fn conversation_of(message: &wire::Message) -> Option<u64> {
    message.conversation_id.or_else(|| {
        message
            .conversation
            .as_ref()
            .and_then(|c| c.get("id"))
            .and_then(Value::as_u64)
    })
}

pub fn message(wire: &wire::Message, channel: &Channel, contact_name: &str) -> Message {
    let attributes = wire.attributes();
    let sender_name = wire.sender.as_ref().map(|sender| {
        sanitize_line(
            sender
                .available_name
                .as_deref()
                .or(sender.name.as_deref())
                .unwrap_or_default(),
        )
    });
    let (direction, sender) = match (wire.private, wire.message_type) {
        (_, wire::MessageType::Activity) => (Direction::Note, SYSTEM_SENDER.to_string()),
        (true, _) => (
            Direction::Note,
            sender_name.unwrap_or_else(|| "an agent".to_string()),
        ),
        (false, wire::MessageType::Incoming) => (
            Direction::Inbound,
            sender_name
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| contact_name.to_string()),
        ),
        (false, _) => (
            Direction::Outbound,
            sender_name
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| SYSTEM_SENDER.to_string()),
        ),
    };
    let failure = attributes
        .get("external_error")
        .and_then(Value::as_str)
        .map(sanitize_line);
    let status = match (direction, wire.status.as_deref()) {
        (Direction::Inbound, _) => DeliveryStatus::Delivered,
        (Direction::Note, _) => DeliveryStatus::Sent,
        (_, Some("failed")) => DeliveryStatus::Failed,
        (_, Some("read")) => DeliveryStatus::Read,
        (_, Some("delivered")) => DeliveryStatus::Delivered,
        (_, Some("progress")) => DeliveryStatus::Pending,
        _ if wire.source_id.is_none() && confirms_with_source_id(channel) => {
            DeliveryStatus::Pending
        }
        _ => DeliveryStatus::Sent,
    };
    Message {
        id: wire.id.to_string(),
        client_id: wire.echo_id.as_deref().map(sanitize_line),
        direction,
        sender,
        content: content(wire),
        at: wire.created_at.at().unwrap_or_else(Timestamp::now_utc),
        status,
        failure: failure.filter(|_| status == DeliveryStatus::Failed),
    }
}

/// A message's content: its first attachment with the text as caption, else its text.
pub fn content(wire: &wire::Message) -> Content {
    let text = wire.content.as_deref().map(sanitize).unwrap_or_default();
    let Some(first) = wire.attachments.first() else {
        return match wire.message_type {
            wire::MessageType::Activity => Content::Other {
                kind: "activity".to_string(),
                summary: sanitize_line(&text),
            },
            _ => Content::Text(text),
        };
    };
    let more = wire.attachments.len() - 1;
    let caption = match (text.trim().is_empty(), more) {
        (true, 0) => None,
        (true, more) => Some(format!("(+{more} more)")),
        (false, 0) => Some(sanitize_line(&text)),
        (false, more) => Some(format!("{} (+{more} more)", sanitize_line(&text))),
    };
    let kind = sanitize_line(first.file_type.as_deref().unwrap_or("file"));
    let url = sanitize_line(first.data_url.as_deref().unwrap_or_default());
    match kind.as_str() {
        "location" => match (first.coordinates_lat, first.coordinates_long) {
            (Some(latitude), Some(longitude)) => Content::Location {
                latitude,
                longitude,
                label: first
                    .fallback_title
                    .as_deref()
                    .map(sanitize_line)
                    .or(caption),
            },
            _ => Content::Other {
                kind,
                summary: caption.unwrap_or(url),
            },
        },
        "image" | "audio" | "video" | "file" | "ig_reel" | "ig_post" | "ig_story"
            if !url.is_empty() =>
        {
            Content::Media {
                kind: if kind == "file" {
                    "document".to_string()
                } else {
                    kind
                },
                url,
                caption,
            }
        }
        _ => Content::Other {
            summary: first
                .fallback_title
                .as_deref()
                .map(sanitize_line)
                .or(caption)
                .unwrap_or(url),
            kind,
        },
    }
}

/// A canned response as a saved reply: its short code made typable after `/` (letters,
/// digits, `-`, `_`). Chatwoot's placeholders (`{{contact.name}}`, `{{agent.name}}`) are the
/// composer's own.
pub fn saved_reply(wire: &wire::Canned) -> Option<SavedReply> {
    let shortcode: String = sanitize_line(wire.short_code.trim())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let text = sanitize(wire.content.as_deref().unwrap_or_default());
    (!shortcode.is_empty() && !text.trim().is_empty()).then_some(SavedReply { shortcode, text })
}

pub fn contact_card(wire: &wire::Contact) -> Option<ContactCard> {
    let id = wire.id?.to_string();
    let name = sanitize_line(wire.name.as_deref().unwrap_or_default());
    Some(ContactCard {
        name: display_name([name.as_str(), id.as_str()]),
        id,
        email: wire.email.as_deref().map(sanitize_line),
        phone: wire.phone_number.as_deref().map(sanitize_line),
        // Each inbox the contact is in: a conversation is started in the inbox, so its id is
        // the "channel" handed back.
        identifiers: wire
            .contact_inboxes
            .iter()
            .map(|reach| ContactIdentifier {
                channel: channel(
                    reach.inbox.channel_type.as_deref(),
                    reach.inbox.medium.as_deref(),
                ),
                channel_type: reach.inbox.id.to_string(),
                identifier: sanitize_line(
                    reach
                        .source_id
                        .as_deref()
                        .or(reach.inbox.name.as_deref())
                        .unwrap_or_default(),
                ),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(json: Value) -> T {
        serde_json::from_value(json).expect("reads")
    }

    #[test]
    fn inboxes_map_to_channels() {
        assert_eq!(channel(Some("Channel::Whatsapp"), None), Channel::WhatsApp);
        assert_eq!(
            channel(Some("Channel::TwilioSms"), Some("whatsapp")),
            Channel::WhatsApp
        );
        assert_eq!(
            channel(Some("Channel::TwilioSms"), Some("sms")),
            Channel::Sms
        );
        assert_eq!(
            channel(Some("Channel::FacebookPage"), None),
            Channel::Messenger
        );
        assert_eq!(channel(Some("Channel::WebWidget"), None), Channel::Webchat);
        assert_eq!(
            channel(Some("Channel::Voice\u{1b}[2J"), None),
            Channel::Other("Voice".to_string()),
            "escape sequences are removed"
        );
    }

    #[test]
    fn notes_activity_and_replies_are_told_apart() {
        let whatsapp = Channel::WhatsApp;
        let note: wire::Message = read(serde_json::json!({"id": 1, "message_type": 1,
            "private": true, "content": "call her", "sender": {"id": 7, "name": "Ana", "type": "user"}}));
        let note = message(&note, &whatsapp, "Jane");
        assert_eq!(
            (note.direction, note.sender.as_str()),
            (Direction::Note, "Ana")
        );
        let activity: wire::Message = read(serde_json::json!({"id": 2, "message_type": 2,
            "content": "Conversation was resolved by Ana"}));
        let activity = message(&activity, &whatsapp, "Jane");
        assert_eq!(activity.direction, Direction::Note);
        assert_eq!(
            activity.content.preview(),
            "[activity] Conversation was resolved by Ana"
        );
        let reply: wire::Message = read(serde_json::json!({"id": 3, "message_type": 1,
            "status": "sent", "content": "hi", "echo_id": "c-1"}));
        let reply = message(&reply, &whatsapp, "Jane");
        assert_eq!(
            reply.status,
            DeliveryStatus::Pending,
            "WhatsApp: sent once source_id is set"
        );
        assert_eq!(reply.client_id.as_deref(), Some("c-1"));
        let failed: wire::Message = read(serde_json::json!({"id": 4, "message_type": 1,
            "status": "failed", "content_attributes": {"external_error": "24h window"}}));
        assert_eq!(
            message(&failed, &whatsapp, "Jane").failure.as_deref(),
            Some("24h window")
        );
    }

    #[test]
    fn a_team_without_an_agent_is_the_assignee() {
        let wire: wire::Conversation = read(serde_json::json!({"id": 5,
            "meta": {"assignee": null, "team": {"id": 2, "name": "billing"}},
            "status": "snoozed", "snoozed_until": "2026-06-18T09:00:00.000Z", "priority": "urgent"}));
        let work = workflow(&wire);
        assert_eq!(work.assignee.as_deref(), Some("team:2"));
        assert_eq!(work.priority, Priority::Urgent);
        assert!(work.snoozed_until.is_some());
    }
}
