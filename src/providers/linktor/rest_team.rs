//! Who has a conversation, its tags and priority, and the agents to pick from, in both
//! dialects. The SDK: `POST /conversations/{id}/assign {"agentId"}`, `PATCH` with `assignedTo`,
//! `tags` or `priority`, and the hub's `GET /agents` / `PUT /agents/{id}` (servers without
//! them answer 404: no agent list). The Go server: `POST …/assign {"user_id"}`, `PUT` with
//! `assigned_user_id`, `tags` or `priority` (`low|normal|high|urgent`), agents from `/users`.

use reqwest::Method;
use serde_json::{Value, json};

use super::Dialect;
use super::rest::{LinktorError, RestClient, decode};
use super::wire::{ListEnvelope, WireAgent};
use super::wire_server::Envelope;
use crate::model::Priority;
use crate::providers::kit::http::segment;

/// One change to a conversation's workflow.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkEdit {
    Assign(Option<String>),
    Labels(Vec<String>),
    Priority(Priority),
}

impl WorkEdit {
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

    /// The agents to assign to; a server without an agent list has none.
    pub async fn agents(&self) -> Result<Vec<WireAgent>, LinktorError> {
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
            Err(LinktorError::NotFound { .. }) => Ok(Vec::new()),
            other => other,
        }
    }

    /// Tells the hub the name of the agent this inbox works as (a server without an agent list
    /// answers 404, which is no failure).
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
