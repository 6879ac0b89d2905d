//! Who has a conversation, its labels and priority, kept where every switchboard on the same
//! Sinch app reads them: the conversation's `metadata_json`, under one key
//! (`convert::WORKFLOW_KEY`), written with `PATCH /conversations/{id}` and
//! `metadata_update_strategy=MERGE_PATCH`, so what other integrations keep there stays. Sinch
//! pushes no change of it: another inbox sees a change at its next poll. Sinch lists no agents;
//! the names come with the assignments (`assigneeName`).

use serde_json::json;

use super::error::SinchError;
use super::wire::WireConversation;
use super::{Provider, commands::Outcome, convert};
use crate::model::{Agent, Workflow};
use crate::providers::ProviderEvent;
use crate::providers::kit::Classify;

impl Provider {
    /// Changes a conversation's workflow: at once in our copy (the next change builds on this
    /// one, not on what Sinch has answered so far), then on Sinch.
    pub(super) async fn change_work(
        &mut self,
        conversation: String,
        edit: impl FnOnce(&mut Workflow),
    ) {
        let Some(known) = self.conversations.get_mut(&conversation) else {
            self.emit(ProviderEvent::Error(format!(
                "Sinch: no conversation {}",
                crate::text::sanitize_line(&conversation)
            )))
            .await;
            return;
        };
        let before = known.wire.clone();
        let (mut work, _) = convert::workflow(&known.wire);
        edit(&mut work);
        let me = self.config.me.as_ref();
        let name = work.assignee.as_ref().and_then(|id| match me {
            Some(me) if me.id == *id => Some(me.name.clone()),
            _ => self.agent_names.get(id).cloned(),
        });
        let kept = convert::workflow_json(&work, name.as_deref());
        let metadata = known.wire.metadata_json.get_or_insert_with(|| json!({}));
        if let Some(fields) = metadata.as_object_mut() {
            fields.insert(convert::WORKFLOW_KEY.to_string(), kept.clone());
        }
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let patch = json!({ convert::WORKFLOW_KEY: kept });
            let result = rest.merge_conversation_metadata(&conversation, patch).await;
            Outcome::WorkSet {
                conversation,
                before: Box::new(before),
                result: result.map(Box::new),
            }
        });
    }

    /// Sinch's answer: its copy is ours now; a refusal puts ours back and says why.
    pub(super) async fn work_set(
        &mut self,
        conversation: String,
        before: WireConversation,
        result: Result<WireConversation, SinchError>,
    ) -> Option<String> {
        match result {
            Ok(wire) => {
                let (work, agent) = convert::workflow(&wire);
                if let Some(known) = self.conversations.get_mut(&conversation) {
                    known.wire = wire;
                }
                self.learn_agent(agent).await;
                self.emit(ProviderEvent::Workflow { conversation, work })
                    .await;
                None
            }
            Err(err) => {
                tracing::warn!(account = %self.account, conversation, "Sinch: could not change the conversation: {err}");
                let (work, _) = convert::workflow(&before);
                if let Some(known) = self.conversations.get_mut(&conversation) {
                    known.wire = before;
                }
                self.emit(ProviderEvent::Workflow { conversation, work })
                    .await;
                self.emit(ProviderEvent::Error(format!(
                    "Sinch did not keep the change: {err}"
                )))
                .await;
                err.is_auth().then(|| err.to_string())
            }
        }
    }

    /// The agents named in the conversations' metadata, and who this inbox works as; said
    /// when that changed.
    pub(super) async fn announce_team(&mut self) {
        let named: Vec<Option<Agent>> = self
            .conversations
            .values()
            .map(|known| convert::workflow(&known.wire).1)
            .collect();
        let mut changed = false;
        for agent in named.into_iter().flatten() {
            changed |= self
                .agent_names
                .insert(agent.id, agent.name.clone())
                .is_none();
        }
        if changed || !self.team_said {
            self.say_team().await;
        }
    }

    async fn learn_agent(&mut self, agent: Option<Agent>) {
        if let Some(agent) = agent
            && self.agent_names.get(&agent.id) != Some(&agent.name)
        {
            self.agent_names.insert(agent.id, agent.name);
            self.say_team().await;
        }
    }

    async fn say_team(&mut self) {
        self.team_said = true;
        let agents = self
            .agent_names
            .iter()
            .map(|(id, name)| Agent {
                id: id.clone(),
                name: name.clone(),
            })
            .collect();
        self.emit(ProviderEvent::Team {
            me: self.config.me.as_ref().map(|me| me.id.clone()),
            agents,
            labels: Vec::new(),
        })
        .await;
    }
}
