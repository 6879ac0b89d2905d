//! The event bus: every server frame goes through one broadcast channel, and each socket keeps
//! its own subscription set to decide which frames it forwards.

use std::collections::HashSet;

use tokio::sync::broadcast;

use crate::protocol::linktor::ServerFrame;

/// Frames buffered per receiver before a slow socket starts losing them (it logs and goes on).
const CAPACITY: usize = 1024;

#[derive(Clone, Debug)]
pub struct Bus {
    tx: broadcast::Sender<ServerFrame>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self { tx }
    }

    /// Publishes a frame; having no listeners is normal.
    pub fn publish(&self, frame: ServerFrame) {
        let _ = self.tx.send(frame);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ServerFrame> {
        self.tx.subscribe()
    }
}

/// The conversations one socket has subscribed to.
#[derive(Clone, Debug, Default)]
pub struct Subscriptions {
    conversations: HashSet<String>,
}

impl Subscriptions {
    pub fn subscribe(&mut self, conversation_id: String) {
        self.conversations.insert(conversation_id);
    }

    pub fn unsubscribe(&mut self, conversation_id: &str) {
        self.conversations.remove(conversation_id);
    }

    /// `conversation_update` goes to everyone (so inboxes learn about new conversations);
    /// per-conversation frames only to subscribers; `pong` is a direct reply, never broadcast.
    pub fn wants(&self, frame: &ServerFrame) -> bool {
        match frame {
            ServerFrame::ConversationUpdate { .. } => true,
            ServerFrame::Message {
                conversation_id, ..
            }
            | ServerFrame::MessageStatus {
                conversation_id, ..
            }
            | ServerFrame::Typing {
                conversation_id, ..
            } => self.conversations.contains(conversation_id),
            ServerFrame::Pong => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtering_follows_subscriptions() {
        let mut subs = Subscriptions::default();
        let typing = ServerFrame::Typing {
            conversation_id: "c1".into(),
            user_id: "u".into(),
            is_typing: true,
        };
        let update = ServerFrame::ConversationUpdate {
            conversation_id: "c2".into(),
            status: Some("open".into()),
            assigned_to: None,
            tags: None,
            priority: None,
            metadata: Default::default(),
            snoozed_until: None,
        };
        assert!(!subs.wants(&typing));
        assert!(subs.wants(&update));
        subs.subscribe("c1".into());
        assert!(subs.wants(&typing));
        subs.unsubscribe("c1");
        assert!(!subs.wants(&typing));
    }
}
