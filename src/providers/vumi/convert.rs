//! Vumi messages and events → the inbox's model. Vumi has no conversations, so one is made per
//! contact address and transport type (`ussd:+27761234567`); USSD and voice sessions carry a
//! state (new / open / closed) that the list and the thread show.

use std::collections::BTreeMap;

use super::wire::{Event, UserMessage, parse_timestamp};
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, SESSION_METADATA, Timestamp,
};
use crate::text::{display_name, sanitize, sanitize_line};

/// The conversation a message belongs to: its transport type and the contact's address.
pub fn conversation_id(transport_type: &str, address: &str) -> String {
    format!("{transport_type}:{address}")
}

/// Splits a conversation id back into (transport type, address).
pub fn split_conversation_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
}

/// Vumi's transport types as channels; unknown ones keep their own name.
pub fn channel(transport_type: &str) -> Channel {
    match transport_type.to_ascii_lowercase().as_str() {
        "sms" => Channel::Sms,
        "ussd" => Channel::Ussd,
        "voice" => Channel::Voice,
        "wechat" => Channel::WeChat,
        "http_api" => Channel::Other("HTTP API".into()),
        "xmpp" => Channel::Other("XMPP".into()),
        "twitter" => Channel::Other("Twitter".into()),
        "mxit" => Channel::Other("Mxit".into()),
        "irc" => Channel::Other("IRC".into()),
        "telnet" => Channel::Other("Telnet".into()),
        other => Channel::Other(sanitize_line(other)),
    }
}

/// Whether a transport runs in sessions (replies resume or close them).
pub fn is_session_transport(transport_type: &str) -> bool {
    matches!(transport_type, "ussd" | "voice")
}

/// Where a USSD or voice session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    New,
    Open,
    Closed,
}

impl SessionState {
    pub fn label(self) -> &'static str {
        match self {
            SessionState::New => "new",
            SessionState::Open => "open",
            SessionState::Closed => "closed",
        }
    }

    /// The state after a message with this `session_event`.
    pub fn after(current: Option<SessionState>, event: Option<&str>) -> Option<SessionState> {
        match event {
            Some("new") => Some(SessionState::New),
            Some("resume") => Some(SessionState::Open),
            Some("close") => Some(SessionState::Closed),
            _ => current,
        }
    }
}

/// The key of an inbound message: `(transport type, sender address)`.
pub fn inbound_key(message: &UserMessage) -> (String, String) {
    let transport = message
        .transport_type
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let address = message.from_addr.clone().unwrap_or_default();
    (sanitize_line(&transport), sanitize_line(&address))
}

/// When a message says it happened; `fallback` (when we heard it) if the stamp is unreadable.
pub fn message_time(message: &UserMessage, fallback: Timestamp) -> Timestamp {
    parse_timestamp(&message.timestamp).unwrap_or_else(|| {
        tracing::debug!(stamp = %message.timestamp, "unreadable vumi timestamp; using receipt time");
        fallback
    })
}

/// What a message shows: its text, or what its session event means when it has none.
fn content(message: &UserMessage, direction: Direction) -> Content {
    let text = message.content.as_deref().map(sanitize).unwrap_or_default();
    if !text.trim().is_empty() {
        return Content::Text(text);
    }
    let summary = match (message.session_event.as_deref(), direction) {
        (Some("new"), _) => "session started",
        (Some("close"), Direction::Inbound) => "session ended by the customer",
        (Some("close"), Direction::Outbound) => "session ended",
        _ => "(no content)",
    };
    Content::Other {
        kind: "session".into(),
        summary: summary.into(),
    }
}

/// An inbound user message as a thread message.
pub fn inbound_message(message: &UserMessage, at: Timestamp) -> Message {
    let (_, address) = inbound_key(message);
    Message {
        id: sanitize_line(&message.message_id),
        client_id: None,
        direction: Direction::Inbound,
        sender: display_name([address.as_str()]),
        content: content(message, Direction::Inbound),
        at,
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

/// The server's copy of a message we sent, replacing the local echo named by `client_id`.
pub fn outbound_message(
    message: &UserMessage,
    client_id: &str,
    sender: &str,
    fallback_text: &str,
    at: Timestamp,
) -> Message {
    let mut content = content(message, Direction::Outbound);
    if matches!(content, Content::Other { .. }) && !fallback_text.trim().is_empty() {
        content = Content::Text(sanitize(fallback_text));
    }
    Message {
        id: sanitize_line(&message.message_id),
        client_id: Some(client_id.to_string()),
        direction: Direction::Outbound,
        sender: sender.to_string(),
        content,
        at,
        status: DeliveryStatus::Pending,
        failure: None,
    }
}

/// What an event means for the message it names: `ack` → sent, `nack` → failed with its
/// reason, `delivery_report` → pending / delivered / failed. `None` for anything else.
pub fn event_status(event: &Event) -> Option<(DeliveryStatus, Option<String>)> {
    match event.event_type.as_str() {
        "ack" => Some((DeliveryStatus::Sent, None)),
        "nack" => {
            let reason = event
                .nack_reason
                .as_deref()
                .map(sanitize_line)
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "rejected by the transport (nack)".to_string());
            Some((DeliveryStatus::Failed, Some(reason)))
        }
        "delivery_report" => match event.delivery_status.as_deref() {
            // Still on its way: never moves a message backwards (merge rule 3).
            Some("pending") => Some((DeliveryStatus::Pending, None)),
            Some("delivered") => Some((DeliveryStatus::Delivered, None)),
            Some("failed") => Some((
                DeliveryStatus::Failed,
                Some("the network reported delivery failed".to_string()),
            )),
            _ => None,
        },
        _ => None,
    }
}

/// The facts about a conversation the provider keeps and shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationFacts {
    pub transport: String,
    pub address: String,
    /// Our own address on the transport (a short code, a USSD string).
    pub our_address: Option<String>,
    pub session: Option<SessionState>,
    pub unread: u32,
    pub last_at: Option<Timestamp>,
}

/// The conversation as the inbox lists it.
pub fn conversation(account: &AccountId, facts: &ConversationFacts) -> Conversation {
    let mut metadata = BTreeMap::new();
    metadata.insert("Transport".to_string(), facts.transport.clone());
    if let Some(ours) = &facts.our_address {
        metadata.insert("Our address".to_string(), ours.clone());
    }
    if let Some(session) = facts.session {
        metadata.insert(SESSION_METADATA.to_string(), session.label().to_string());
    }
    let status = if facts.session == Some(SessionState::Closed) {
        ConversationStatus::Closed
    } else {
        ConversationStatus::Open
    };
    Conversation {
        key: ConversationKey::new(account, conversation_id(&facts.transport, &facts.address)),
        channel: channel(&facts.transport),
        contact: Contact {
            id: facts.address.clone(),
            // Vumi names no one: the address is the name, escaped if it draws blank.
            name: display_name([facts.address.as_str()]),
            identity: facts.address.clone(),
        },
        status,
        unread: facts.unread,
        last_message_at: facts.last_at,
        last_message: None,
        metadata,
        work: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound(
        transport: &str,
        from: &str,
        content: Option<&str>,
        event: Option<&str>,
    ) -> UserMessage {
        UserMessage {
            message_id: "m1".into(),
            timestamp: "2014-10-28 16:19:37.485612".into(),
            from_addr: Some(from.into()),
            to_addr: Some("*120*1#".into()),
            transport_type: Some(transport.into()),
            content: content.map(str::to_string),
            session_event: event.map(str::to_string),
            ..UserMessage::default()
        }
    }

    #[test]
    fn conversations_are_keyed_by_transport_and_address() {
        let message = inbound("ussd", "+2776\u{1b}[2J1234567", Some("1"), Some("new"));
        let (transport, address) = inbound_key(&message);
        assert_eq!(conversation_id(&transport, &address), "ussd:+27761234567");
        assert_eq!(
            split_conversation_id("ussd:+27761234567"),
            Some(("ussd", "+27761234567"))
        );
        assert_eq!(channel("ussd"), Channel::Ussd);
        assert_eq!(channel("sms"), Channel::Sms);
        assert_eq!(channel("voice"), Channel::Voice);
        assert_eq!(channel("xmpp").label(), "XMPP");
    }

    #[test]
    fn an_address_that_draws_blank_is_named_escaped() {
        let message = inbound("sms", "\u{2800}", Some("hi"), None);
        let at = parse_timestamp(&message.timestamp).expect("time");
        assert_eq!(inbound_message(&message, at).sender, "\\u{2800}");
        let facts = ConversationFacts {
            transport: "sms".into(),
            address: "\u{a0}".into(),
            our_address: None,
            session: None,
            unread: 0,
            last_at: None,
        };
        let conversation = conversation(&AccountId::new("vumi"), &facts);
        assert_eq!(conversation.contact.name, "\\u{a0}");
        assert_eq!(
            conversation.contact.id, "\u{a0}",
            "the address itself is kept"
        );
    }

    #[test]
    fn session_events_move_the_state_and_fill_empty_content() {
        assert_eq!(
            SessionState::after(None, Some("new")),
            Some(SessionState::New)
        );
        assert_eq!(
            SessionState::after(Some(SessionState::New), Some("resume")),
            Some(SessionState::Open)
        );
        assert_eq!(
            SessionState::after(Some(SessionState::Open), None),
            Some(SessionState::Open)
        );
        let close = inbound("ussd", "+1", None, Some("close"));
        let at = parse_timestamp(&close.timestamp).expect("time");
        assert_eq!(
            inbound_message(&close, at).content.preview(),
            "[session] session ended by the customer"
        );
    }

    #[test]
    fn events_map_to_delivery_states() {
        let event = |kind: &str, status: Option<&str>, reason: Option<&str>| Event {
            event_id: "e".into(),
            event_type: kind.into(),
            user_message_id: "m".into(),
            delivery_status: status.map(str::to_string),
            nack_reason: reason.map(str::to_string),
            ..Event::default()
        };
        assert_eq!(
            event_status(&event("ack", None, None)),
            Some((DeliveryStatus::Sent, None))
        );
        assert_eq!(
            event_status(&event("nack", None, Some("no route"))),
            Some((DeliveryStatus::Failed, Some("no route".into())))
        );
        assert_eq!(
            event_status(&event("delivery_report", Some("pending"), None)),
            Some((DeliveryStatus::Pending, None))
        );
        assert_eq!(
            event_status(&event("delivery_report", Some("delivered"), None)),
            Some((DeliveryStatus::Delivered, None))
        );
        assert!(matches!(
            event_status(&event("delivery_report", Some("failed"), None)),
            Some((DeliveryStatus::Failed, Some(_)))
        ));
        assert_eq!(
            event_status(&event("delivery_report", Some("lost"), None)),
            None
        );
        assert_eq!(event_status(&event("bounce", None, None)), None);
    }
}
