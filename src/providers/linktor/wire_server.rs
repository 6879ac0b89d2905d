//! The Go server's wire contract (`../shared/protocols.md` §2.2): snake_case entities, the
//! `{success, data, meta}` envelope with page/page_size paging, and `{type, payload}` WebSocket
//! frames. Everything is translated into the SDK wire types of `wire.rs` at this edge, so sync,
//! frames and conversion code is one and the same for both dialects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wire::{
    ClientFrame, ListEnvelope, Pagination, ServerFrame, WireContact, WireContent, WireConversation,
    WireIdentifier, WireMessage,
};

/// `{"success":true,"data":…,"meta":{…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    #[serde(default)]
    pub success: bool,
    pub data: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub page_size: u32,
    #[serde(default)]
    pub total_pages: u32,
    #[serde(default)]
    pub total_items: u64,
    #[serde(default)]
    pub has_next: bool,
    #[serde(default)]
    pub has_previous: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerMessage {
    pub id: String,
    pub conversation_id: String,
    /// `contact` | `user` | `system` | `bot`.
    pub sender_type: String,
    #[serde(default)]
    pub sender_id: Option<String>,
    pub content_type: String,
    /// Plain text here, not the SDK's object.
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    pub status: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Value>,
    #[serde(default)]
    pub sent_at: Option<String>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub read_at: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerConversation {
    pub id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub contact_id: String,
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Not in the server's entity; read if a deployment adds it, else taken from the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
    #[serde(default)]
    pub assigned_user_id: Option<String>,
    /// `open` | `pending` | `resolved` | `closed`.
    pub status: String,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    #[serde(default)]
    pub unread_count: u32,
    #[serde(default)]
    pub last_message_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerContact {
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
    pub identities: Vec<ServerIdentity>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerIdentity {
    pub channel_type: String,
    pub identifier: String,
}

/// `{"type":…,"payload":…}` both ways.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
}

// ----- entities → SDK wire types -----------------------------------------------------------------

pub fn message(wire: ServerMessage) -> WireMessage {
    let from_contact = wire.sender_type == "contact";
    let text = (!wire.content.is_empty()).then_some(wire.content);
    // Media arrive as attachments; the first one's URL is what the thread can show.
    let url = wire
        .attachments
        .first()
        .and_then(|attachment| attachment.get("url"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let content = match wire.content_type.as_str() {
        "text" => WireContent {
            text,
            ..WireContent::default()
        },
        _ => WireContent {
            url,
            caption: text,
            ..WireContent::default()
        },
    };
    WireMessage {
        id: wire.id,
        conversation_id: wire.conversation_id,
        direction: if from_contact { "inbound" } else { "outbound" }.into(),
        content_type: wire.content_type.into(),
        content,
        status: wire.status.into(),
        sender_type: match wire.sender_type.as_str() {
            "user" => "agent".into(),
            _ => wire.sender_type.into(),
        },
        sender_id: wire.sender_id,
        external_id: wire.external_id,
        delivered_at: wire.delivered_at,
        read_at: wire.read_at,
        failed_reason: wire.error_message.filter(|reason| !reason.is_empty()),
        metadata: wire.metadata,
        created_at: wire.created_at,
        updated_at: None,
    }
}

pub fn conversation(wire: ServerConversation) -> WireConversation {
    WireConversation {
        id: wire.id,
        tenant_id: wire.tenant_id,
        channel_id: wire.channel_id,
        // Empty means "ask the contact" (see `sync::remember`).
        channel_type: wire.channel_type.unwrap_or_default(),
        contact_id: wire.contact_id,
        status: wire.status,
        assigned_to: wire.assigned_user_id,
        last_message: None,
        last_message_at: wire.last_message_at,
        unread_count: wire.unread_count,
        tags: wire.tags,
        priority: wire.priority,
        metadata: wire.metadata,
        created_at: wire.created_at,
        updated_at: wire.updated_at,
        snoozed_until: None,
    }
}

pub fn contact(wire: ServerContact) -> WireContact {
    WireContact {
        id: wire.id,
        tenant_id: wire.tenant_id,
        name: wire.name,
        email: wire.email,
        phone: wire.phone,
        identifiers: wire
            .identities
            .into_iter()
            .map(|identity| WireIdentifier {
                channel_type: identity.channel_type,
                channel_id: None,
                identifier: identity.identifier,
                metadata: BTreeMap::new(),
            })
            .collect(),
        conversation_count: 0,
        created_at: wire.created_at,
        updated_at: wire.updated_at,
    }
}

/// A page of the server's list envelope as the SDK's, offset counted from page and page size.
pub fn page<S, T>(envelope: Envelope<Vec<S>>, convert: impl Fn(S) -> T) -> ListEnvelope<T> {
    let meta = envelope.meta.unwrap_or_default();
    let data: Vec<T> = envelope.data.into_iter().map(convert).collect();
    ListEnvelope::new(
        data,
        Pagination {
            total: meta.total_items,
            limit: meta.page_size,
            offset: u64::from(meta.page.saturating_sub(1)) * u64::from(meta.page_size),
            has_more: meta.has_next,
            next_cursor: None,
        },
    )
}

// ----- frames ------------------------------------------------------------------------------------

/// What a server frame means, in the SDK's terms.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    Frame(Box<ServerFrame>),
    /// A frame we know and need not act on (`connected`, `presence`), or a type we do not know.
    Ignored(String),
}

/// Translates one `{type, payload}` frame. `Err` is a frame that claims a known type but whose
/// payload does not fit it.
pub fn parse_frame(frame: Frame) -> Result<Parsed, String> {
    let payload = frame.payload;
    let parsed = match frame.kind.as_str() {
        "new_message" => {
            #[derive(Deserialize)]
            struct NewMessage {
                conversation_id: String,
                message: ServerMessage,
            }
            let new: NewMessage = from_payload(payload)?;
            ServerFrame::Message {
                conversation_id: new.conversation_id,
                message: message(new.message),
            }
        }
        // Named in the server's constants with no sender found (§5): read as a status change.
        "message_updated" => {
            let updated: ServerMessage = from_payload(payload)?;
            ServerFrame::MessageStatus {
                conversation_id: updated.conversation_id,
                message_id: updated.id,
                status: updated.status,
                timestamp: None,
            }
        }
        "conversation_updated" | "conversation_created" => {
            let updated: ServerConversation = from_payload(payload)?;
            ServerFrame::ConversationUpdate {
                conversation_id: updated.id,
                status: Some(updated.status),
                assigned_to: Some(updated.assigned_user_id),
                tags: Some(updated.tags),
                priority: Some(updated.priority),
                snoozed_until: None,
                metadata: updated.metadata,
            }
        }
        "typing" => {
            #[derive(Deserialize)]
            struct Typing {
                conversation_id: String,
                user_id: String,
                is_typing: bool,
            }
            let typing: Typing = from_payload(payload)?;
            ServerFrame::Typing {
                conversation_id: typing.conversation_id,
                user_id: typing.user_id,
                is_typing: typing.is_typing,
            }
        }
        other => return Ok(Parsed::Ignored(other.to_string())),
    };
    Ok(Parsed::Frame(Box::new(parsed)))
}

fn from_payload<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, String> {
    serde_json::from_value(payload).map_err(|err| err.to_string())
}

/// The server's form of a client frame, or `None` when it has no such frame: there is no
/// subscribe (every tenant event reaches every agent) and no JSON ping (control frames instead).
pub fn client_frame(frame: &ClientFrame) -> Option<Frame> {
    match frame {
        ClientFrame::Typing {
            conversation_id,
            is_typing,
        } => Some(Frame {
            kind: "typing".to_string(),
            payload: json!({ "conversation_id": conversation_id, "is_typing": is_typing }),
        }),
        ClientFrame::Subscribe { .. } | ClientFrame::Unsubscribe { .. } | ClientFrame::Ping => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_envelope_and_entities_translate() {
        let text = r#"{"success":true,"data":[{"id":"m1","conversation_id":"c1","sender_type":"user","sender_id":"u1",
            "content_type":"text","content":"hello","metadata":{},"status":"sent","created_at":"2024-01-01T00:00:00Z"}],
            "meta":{"page":2,"page_size":20,"total_pages":3,"total_items":41,"has_next":true,"has_previous":true}}"#;
        let envelope: Envelope<Vec<ServerMessage>> = serde_json::from_str(text).expect("envelope");
        let list = page(envelope, message);
        assert_eq!(list.pagination.offset, 20);
        assert!(list.pagination.has_more);
        let first = &list.data[0];
        assert_eq!(first.direction, "outbound");
        assert_eq!(first.sender_type, "agent");
        assert_eq!(first.content.text.as_deref(), Some("hello"));

        let contact_text = r#"{"id":"k1","tenant_id":"t1","name":"Bob","identities":[{"id":"i1","contact_id":"k1",
            "channel_type":"telegram","identifier":"@bob","metadata":{},"created_at":"x"}],"custom_fields":{},"tags":[]}"#;
        let wire = contact(serde_json::from_str(contact_text).expect("contact"));
        assert_eq!(wire.identifiers[0].identifier, "@bob");
    }

    #[test]
    fn frames_translate_and_unknown_types_are_ignored() {
        let frame: Frame = serde_json::from_str(
            r#"{"type":"typing","payload":{"conversation_id":"c1","user_id":"k1","user_name":"Bob","is_typing":true}}"#,
        )
        .expect("frame");
        assert!(matches!(
            parse_frame(frame),
            Ok(Parsed::Frame(f)) if matches!(*f, ServerFrame::Typing { is_typing: true, .. })
        ));
        let presence = Frame {
            kind: "presence".into(),
            payload: json!({"user_id":"u2","status":"online"}),
        };
        assert_eq!(
            parse_frame(presence),
            Ok(Parsed::Ignored("presence".into()))
        );
        let broken = Frame {
            kind: "new_message".into(),
            payload: json!({"conversation_id": 5}),
        };
        assert!(parse_frame(broken).is_err());
        let typing = client_frame(&ClientFrame::Typing {
            conversation_id: "c1".into(),
            is_typing: false,
        })
        .expect("typing frame");
        assert_eq!(
            serde_json::to_value(typing).expect("json"),
            json!({"type":"typing","payload":{"conversation_id":"c1","is_typing":false}})
        );
        assert_eq!(
            client_frame(&ClientFrame::Subscribe {
                conversation_id: "c1".into()
            }),
            None
        );
    }
}
