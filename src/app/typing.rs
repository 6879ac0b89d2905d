//! Who is typing where (merge rule 5): shown on `typing started`, cleared by `typing stopped`,
//! by a message from the same conversation, or when it expires. Time comes in from the caller.

use std::collections::HashMap;

use time::Duration;

use crate::model::{ConversationKey, Timestamp};

#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub who: String,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct TypingState {
    active: HashMap<ConversationKey, Typist>,
    /// How long a `typing started` lasts without news.
    pub ttl: Duration,
}

impl Default for TypingState {
    fn default() -> Self {
        Self {
            active: HashMap::new(),
            ttl: Duration::seconds(6),
        }
    }
}

impl TypingState {
    pub fn get(&self, key: &ConversationKey) -> Option<&Typist> {
        self.active.get(key)
    }

    pub fn started(&mut self, key: ConversationKey, who: String, now: Timestamp) -> bool {
        let typist = Typist {
            who,
            expires_at: now + self.ttl,
        };
        let was_shown = self.active.insert(key, typist.clone());
        was_shown.map(|t| t.who) != Some(typist.who)
    }

    pub fn stopped(&mut self, key: &ConversationKey) -> bool {
        self.active.remove(key).is_some()
    }

    /// Drops expired entries; returns whether any was removed.
    pub fn expire(&mut self, now: Timestamp) -> bool {
        let before = self.active.len();
        self.active.retain(|_, t| t.expires_at > now);
        before != self.active.len()
    }
}
