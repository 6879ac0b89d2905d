//! Who has a conversation, its tags and priority, and the agents to pick from, in both
//! dialects. The SDK: `POST /conversations/{id}/assign {"agentId"}`, `PATCH` with `assignedTo`,
//! `tags` or `priority`, and the hub's `GET /agents` / `PUT /agents/{id}` (servers without
//! them answer 404: no agent list). The Go server: `POST …/assign {"user_id"}`, `PUT` with
//! `assigned_user_id`, `tags` or `priority` (`low|normal|high|urgent`), agents from `/users`.
//! Of the Go server's shapes only the routes and the entity's fields are in `protocols.md`
//! §2.2; the bodies of assign and of the agent list are our reading (**UNCONFIRMED**).

use reqwest::Method;
use serde_json::{Value, json};

use super::Dialect;
use super::rest::{LinktorError, RestClient, decode};
use super::wire::{ListEnvelope, WireAgent, WireMessage};
use super::wire_server::Envelope;
use crate::model::{Priority, Workflow};
use crate::providers::kit::http::segment;

/// One change to a conversation's workflow.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkEdit {
    Assign(Option<String>),
    Labels(Vec<String>),
    Priority(Priority),
}

impl WorkEdit {
    /// What to tell the user when the server said yes but holds something else.
    pub fn not_kept_in(&self, work: &Workflow) -> Option<String> {
        let (kept, what) = match self {
            WorkEdit::Assign(agent) => (
                work.assignee.as_deref() == agent.as_deref().map(str::trim),
                "the assignment",
            ),
            WorkEdit::Labels(labels) => {
                (work.labels == super::convert::labels(labels), "the labels")
            }
            WorkEdit::Priority(priority) => (work.priority == *priority, "the priority"),
        };
        (!kept).then(|| format!("Linktor did not keep {what} as set: the row shows what it holds"))
    }

    /// What the notice says could not be done.
    pub fn doing(&self) -> &'static str {
        match self {
            WorkEdit::Assign(_) => "assign the conversation",
            WorkEdit::Labels(_) => "change its labels",
            WorkEdit::Priority(_) => "change its priority",
        }
    }
}

impl RestClient {
    /// Makes the change; the conversation is read back after (the server's truth).
    pub async fn edit_work(&self, conversation: &str, edit: &WorkEdit) -> Result<(), LinktorError> {
        let path = format!("/conversations/{}", segment(conversation)?);
        let server = self.dialect() == Dialect::Server;
        let (method, path, body) = match edit {
            WorkEdit::Assign(Some(agent)) => {
                let body = match server {
                    true => json!({ "user_id": agent }),
                    false => json!({ "agentId": agent }),
                };
                (Method::POST, format!("{path}/assign"), body)
            }
            WorkEdit::Assign(None) => match server {
                true => (
                    Method::PUT,
                    path,
                    json!({ "assigned_user_id": Value::Null }),
                ),
                false => (Method::PATCH, path, json!({ "assignedTo": Value::Null })),
            },
            WorkEdit::Labels(labels) => (self.update_method(), path, json!({ "tags": labels })),
            WorkEdit::Priority(priority) => {
                let name = match (server, priority) {
                    // The Go server has four levels; its default, `normal`, is no priority.
                    (true, Priority::None | Priority::Medium) => Value::from("normal"),
                    (false, Priority::None) => Value::Null,
                    (_, other) => Value::from(other.label()),
                };
                (self.update_method(), path, json!({ "priority": name }))
            }
        };
        self.call_text(method, &path, &[], Some(&body))
            .await
            .map(|_| ())
    }

    fn update_method(&self) -> Method {
        match self.dialect() {
            Dialect::Server => Method::PUT,
            Dialect::Sdk => Method::PATCH,
        }
    }

    /// Keeps a private note where the hub keeps them (`POST /conversations/{id}/notes`). The
    /// SDK and the Go server have no notes: they answer 404, and nothing is sent as a message.
    pub async fn add_note(
        &self,
        conversation: &str,
        client_id: &str,
        text: &str,
        agent: Option<&str>,
    ) -> Result<WireMessage, LinktorError> {
        if self.dialect() == Dialect::Server {
            return Err(LinktorError::NotFound { request_id: None });
        }
        let path = format!("/conversations/{}/notes", segment(conversation)?);
        let body = json!({ "text": text, "agentId": agent, "metadata": { "clientId": client_id } });
        let text = self
            .call_text(Method::POST, &path, &[], Some(&body))
            .await?;
        decode(&text)
    }

    /// The agents to assign to; `None` from a server without an agent list (404).
    pub async fn agents(&self) -> Result<Option<Vec<WireAgent>>, LinktorError> {
        let result = match self.dialect() {
            Dialect::Sdk => self
                .call_text(
                    Method::GET,
                    "/agents",
                    &[("limit", "200".to_string())],
                    None,
                )
                .await
                .and_then(|text| decode::<ListEnvelope<WireAgent>>(&text))
                .map(|page| page.data),
            Dialect::Server => self
                .call_text(
                    Method::GET,
                    "/users",
                    &[("page_size", "200".to_string())],
                    None,
                )
                .await
                .and_then(|text| decode::<Envelope<Vec<WireAgent>>>(&text))
                .map(|envelope| envelope.data),
        };
        match result {
            Err(LinktorError::NotFound { .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Tells the hub the name of the agent this inbox works as. Only asked of a server that
    /// listed its agents (`GET /agents`: the hub), so no other platform is written to.
    pub async fn name_agent(&self, id: &str, name: &str) -> Result<(), LinktorError> {
        if self.dialect() == Dialect::Server {
            return Ok(());
        }
        let path = format!("/agents/{}", segment(id)?);
        let body = json!({ "name": name });
        match self.call_text(Method::PUT, &path, &[], Some(&body)).await {
            Ok(_) | Err(LinktorError::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
