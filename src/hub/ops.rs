//! Operations shared by the REST routes, the WebSocket and the simulator, so that a simulated
//! customer and a `curl` to `/simulate/inbound` take exactly the same path.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use super::events::Bus;
use super::store::{NewMessage, Store, StoreResult};
use crate::protocol::linktor::{
    PRIVATE_KEY, SENDER_NAME_KEY, ServerFrame, WireConversation, WireMessage,
};

/// How long an outbound message waits before it is delivered, then read.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub delivered_after: Duration,
    pub read_after: Duration,
}

impl Timing {
    /// Scaled by the demo speed; without a demo, fixed short delays so statuses still progress.
    pub fn for_speed(speed: Option<f64>) -> Self {
        match speed {
            Some(speed) if speed > 0.0 => Self {
                delivered_after: Duration::from_secs_f64(1.2 / speed),
                read_after: Duration::from_secs_f64(3.5 / speed),
            },
            _ => Self {
                delivered_after: Duration::from_millis(300),
                read_after: Duration::from_millis(1200),
            },
        }
    }
}

pub struct HubState {
    pub store: Store,
    pub bus: Bus,
    pub api_key: String,
    pub timing: Timing,
    /// Whether an agent is typing, per conversation (set by `typing` client frames).
    pub agent_typing: Mutex<HashMap<String, bool>>,
    /// Flips (or closes) when the hub stops; background tasks watch it.
    pub stop: watch::Receiver<bool>,
}

impl HubState {
    pub fn set_agent_typing(&self, conversation_id: &str, is_typing: bool) {
        if let Ok(mut typing) = self.agent_typing.lock() {
            typing.insert(conversation_id.to_owned(), is_typing);
        }
    }

    pub fn agent_is_typing(&self, conversation_id: &str) -> bool {
        self.agent_typing
            .lock()
            .map(|typing| typing.get(conversation_id).copied().unwrap_or(false))
            .unwrap_or(false)
    }
}

/// Sleeps unless the hub stops first; `false` means stop.
pub async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, duration: Duration) -> bool {
    if *stop.borrow() {
        return false;
    }
    tokio::select! {
        () = tokio::time::sleep(duration) => true,
        _ = stop.changed() => false,
    }
}

fn conversation_update(conversation: &WireConversation) -> ServerFrame {
    ServerFrame::ConversationUpdate {
        conversation_id: conversation.id.clone(),
        status: Some(conversation.status.clone()),
        assigned_to: Some(conversation.assigned_to.clone()),
        tags: Some(conversation.tags.clone()),
        // Always said (`null` when cleared), so a cleared priority reaches every inbox too.
        priority: Some(conversation.priority.clone()),
        snoozed_until: Some(conversation.snoozed_until.clone()),
        metadata: conversation.metadata.clone(),
    }
}

/// A customer message arrives: find or create the contact and its open conversation, store the
/// message, tell subscribers (`message`) and everyone (`conversation_update`).
pub fn ingest_inbound(
    state: &HubState,
    channel_type: &str,
    from: &str,
    name: Option<&str>,
    text: &str,
) -> StoreResult<(String, WireMessage)> {
    ingest_inbound_at(state, channel_type, from, name, text, None)
}

/// As [`ingest_inbound`], with an explicit timestamp for seeded history (which is not broadcast).
pub fn ingest_inbound_at(
    state: &HubState,
    channel_type: &str,
    from: &str,
    name: Option<&str>,
    text: &str,
    at_ns: Option<i64>,
) -> StoreResult<(String, WireMessage)> {
    let now = at_ns.unwrap_or_else(|| state.store.now_ns());
    let contact_id = state.store.upsert_contact(channel_type, from, name, now)?;
    let (conversation_id, _) = state
        .store
        .open_conversation_for(&contact_id, channel_type, now)?;
    let message = state.store.insert_message(NewMessage {
        conversation_id: conversation_id.clone(),
        direction: "inbound",
        sender_type: "contact",
        sender_id: Some(contact_id),
        text: text.to_owned(),
        status: "delivered",
        metadata: BTreeMap::new(),
        created_ns: at_ns,
        agent_read: false,
        delivered_ns: None,
        read_ns: None,
    })?;
    if at_ns.is_none() {
        state.bus.publish(ServerFrame::Message {
            conversation_id: conversation_id.clone(),
            message: message.clone(),
        });
        let conversation = state.store.conversation(&conversation_id)?;
        state.bus.publish(conversation_update(&conversation));
    }
    Ok((conversation_id, message))
}

/// The result of an agent send: the stored message and whether this call created it.
pub struct Sent {
    pub message: WireMessage,
    pub created: bool,
}

/// An agent message, idempotent on `metadata.clientId`; starts the delivery lifecycle.
pub fn send_outbound(
    state: &Arc<HubState>,
    conversation_id: &str,
    text: &str,
    metadata: BTreeMap<String, Value>,
) -> StoreResult<Sent> {
    let client_id = metadata.get("clientId").and_then(Value::as_str);
    if let Some(sent) = sent_before(state, conversation_id, client_id)? {
        return Ok(sent);
    }
    let message = state.store.insert_message(NewMessage {
        conversation_id: conversation_id.to_owned(),
        direction: "outbound",
        sender_type: "agent",
        sender_id: Some("agent".into()),
        text: text.to_owned(),
        status: "sent",
        metadata,
        created_ns: None,
        agent_read: true,
        delivered_ns: None,
        read_ns: None,
    })?;
    // Replying implies the agent has seen the conversation.
    state.store.mark_read(conversation_id)?;
    state.bus.publish(ServerFrame::Message {
        conversation_id: conversation_id.to_owned(),
        message: message.clone(),
    });
    spawn_lifecycle(
        Arc::clone(state),
        message.id.clone(),
        conversation_id.to_owned(),
    );
    Ok(Sent {
        message,
        created: true,
    })
}

/// What an earlier request with this `clientId` stored, if any: a repeat (a retry whose
/// answer was lost) gets the first copy, not a second one. The conversation must exist, so an
/// unknown one is a 404 even with a client id.
fn sent_before(
    state: &HubState,
    conversation_id: &str,
    client_id: Option<&str>,
) -> StoreResult<Option<Sent>> {
    state.store.conversation(conversation_id)?;
    let Some(client_id) = client_id else {
        return Ok(None);
    };
    Ok(state
        .store
        .message_by_client_id(conversation_id, client_id)?
        .map(|message| Sent {
            message,
            created: false,
        }))
}

/// A private note of the team (`POST /conversations/{id}/notes`): kept with the thread and
/// pushed to every inbox subscribed to it, never delivered (no customer sees it, so it has no
/// delivery to progress through). Idempotent on `clientId`, as replies are.
pub fn add_note(
    state: &HubState,
    conversation_id: &str,
    text: &str,
    agent_id: Option<&str>,
    client_id: Option<&str>,
    at_ns: Option<i64>,
) -> StoreResult<Sent> {
    if let Some(sent) = sent_before(state, conversation_id, client_id)? {
        return Ok(sent);
    }
    let author = match agent_id {
        Some(id) => state
            .store
            .agents()?
            .into_iter()
            .find(|agent| agent.id == id)
            .map(|agent| agent.name),
        None => None,
    };
    let mut metadata = BTreeMap::from([(PRIVATE_KEY.to_string(), Value::Bool(true))]);
    if let Some(client_id) = client_id {
        metadata.insert("clientId".to_string(), Value::from(client_id));
    }
    if let Some(author) = author {
        metadata.insert(SENDER_NAME_KEY.to_string(), Value::from(author));
    }
    let message = state.store.insert_message(NewMessage {
        conversation_id: conversation_id.to_owned(),
        direction: "outbound",
        sender_type: "agent",
        sender_id: agent_id.map(str::to_string),
        text: text.to_owned(),
        status: "sent",
        metadata,
        created_ns: at_ns,
        agent_read: true,
        delivered_ns: None,
        read_ns: None,
    })?;
    if at_ns.is_none() {
        state.bus.publish(ServerFrame::Message {
            conversation_id: conversation_id.to_owned(),
            message: message.clone(),
        });
    }
    Ok(Sent {
        message,
        created: true,
    })
}

/// `sent` → `delivered` → `read`, persisted and broadcast to subscribers.
fn spawn_lifecycle(state: Arc<HubState>, message_id: String, conversation_id: String) {
    let mut stop = state.stop.clone();
    let timing = state.timing;
    tokio::spawn(async move {
        let steps = [
            ("delivered", timing.delivered_after),
            (
                "read",
                timing.read_after.saturating_sub(timing.delivered_after),
            ),
        ];
        for (status, wait) in steps {
            if !sleep_or_stop(&mut stop, wait).await {
                return;
            }
            set_status(&state, &conversation_id, &message_id, status);
        }
    });
}

fn set_status(state: &HubState, conversation_id: &str, message_id: &str, status: &str) {
    let at = state.store.now_ns();
    match state.store.set_message_status(message_id, status, at) {
        Ok(true) => state.bus.publish(ServerFrame::MessageStatus {
            conversation_id: conversation_id.to_owned(),
            message_id: message_id.to_owned(),
            status: status.to_owned(),
            timestamp: Some(super::store::ns_to_string(at)),
        }),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, message_id, status, "status update failed"),
    }
}

/// The customer of a conversation starts or stops typing.
pub fn contact_typing(state: &HubState, conversation_id: &str, is_typing: bool) -> StoreResult<()> {
    let conversation = state.store.conversation(conversation_id)?;
    state.bus.publish(ServerFrame::Typing {
        conversation_id: conversation.id,
        user_id: conversation.contact_id,
        is_typing,
    });
    Ok(())
}

/// `PATCH /conversations/{id}` and `…/assign`: status, mark read, who has it, tags, priority.
pub fn update_conversation(
    state: &HubState,
    id: &str,
    status: Option<&str>,
    mark_read: bool,
    work: &super::team::WorkChange,
) -> StoreResult<WireConversation> {
    state.store.conversation(id)?;
    if !work.is_empty() {
        state.store.set_work(id, work, state.store.now_ns())?;
    }
    if let Some(status) = status {
        let now = state.store.now_ns();
        state
            .store
            .set_status_until(id, status, work.snoozed_until_ns, now)?;
    }
    if mark_read {
        state.store.mark_read(id)?;
    }
    let conversation = state.store.conversation(id)?;
    state.bus.publish(conversation_update(&conversation));
    Ok(conversation)
}
