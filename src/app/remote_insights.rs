//! Insights from remote sources (Symbl), per conversation, kept beside the local engine's and
//! marked with their source. Whether to ask for them is a setting: without a remote source the
//! reducer never emits [`Effect::AnalyseInsights`](super::Effect::AnalyseInsights).

use std::collections::HashMap;

use crate::insights::ConversationInsights;
use crate::model::ConversationKey;

#[derive(Clone, Debug, Default)]
pub struct RemoteInsights {
    /// A remote source is configured: the reducer asks it about the open conversation.
    pub enabled: bool,
    by_conversation: HashMap<ConversationKey, ConversationInsights>,
}

impl RemoteInsights {
    pub fn get(&self, conversation: &ConversationKey) -> Option<&ConversationInsights> {
        self.by_conversation.get(conversation)
    }

    /// Replaces the set for `conversation`; true when it differs from what was held.
    pub fn store(&mut self, conversation: ConversationKey, insights: ConversationInsights) -> bool {
        if self.by_conversation.get(&conversation) == Some(&insights) {
            return false;
        }
        self.by_conversation.insert(conversation, insights);
        true
    }
}

/// The request for `conversation`'s thread, when a remote source is configured and the thread
/// has messages.
pub(super) fn analyse(app: &super::App, conversation: &ConversationKey) -> Option<super::Effect> {
    if !app.remote_insights.enabled {
        return None;
    }
    let entry = app.inbox.get(conversation)?;
    if entry.thread.is_empty() {
        return None;
    }
    Some(super::Effect::AnalyseInsights {
        conversation: conversation.clone(),
        messages: entry.thread.messages().to_vec(),
    })
}
