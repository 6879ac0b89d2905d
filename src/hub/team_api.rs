//! The hub's team routes: `POST /conversations/{id}/assign` (the SDK's `{"agentId"}`), and the
//! agent list the SDKs lack: `GET /agents`, `PUT /agents/{id}` (an inbox names the agent it
//! works as), and private notes, `POST /conversations/{id}/notes` (the SDK has none: a note
//! sent as a message would reach the customer). Who has a conversation, its tags and its priority also change by `PATCH
//! /conversations/{id}` (see `rest`); every change is pushed to every socket.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::ops::{self, HubState};
use super::rest::{ApiError, json_body};
use super::team::{PRIORITIES, WorkChange};
use crate::protocol::linktor::{ListEnvelope, Pagination, WireAgent};

type Shared = std::sync::Arc<HubState>;

/// Longest agent id, name or tag the hub keeps.
const MAX_TEXT: usize = 200;
/// Most tags on one conversation.
const MAX_TAGS: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignBody {
    #[serde(default)]
    agent_id: Option<String>,
}

pub async fn assign(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let agent = body.agent_id.filter(|agent| !agent.trim().is_empty());
    let Some(agent) = agent else {
        return Err(ApiError::validation(
            "agentId is required",
            json!({ "agentId": "required" }),
        ));
    };
    check_text("agentId", &agent)?;
    let change = WorkChange {
        assignee: Some(Some(agent)),
        ..WorkChange::default()
    };
    let conversation = ops::update_conversation(&state, &id, None, false, &change)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok(Json(conversation).into_response())
}

pub async fn list_agents(State(state): State<Shared>) -> Result<Response, ApiError> {
    let agents = state
        .store
        .agents()
        .map_err(|e| ApiError::from_store(e, "agents"))?;
    let total = agents.len() as u64;
    let pagination = Pagination {
        total,
        limit: u32::try_from(total).unwrap_or(u32::MAX),
        offset: 0,
        has_more: false,
        next_cursor: None,
    };
    Ok(Json(ListEnvelope::new(agents, pagination)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteBody {
    #[serde(default)]
    text: String,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `POST /conversations/{id}/notes {"text", "agentId", "metadata": {"clientId"}}`: a private
/// note for the team, 201 with the stored message (200 with the first one for a repeated
/// `clientId`).
pub async fn add_note(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    if body.text.trim().is_empty() {
        return Err(ApiError::validation(
            "text is required",
            json!({ "text": "must not be empty" }),
        ));
    }
    let client_id = body.metadata.get("clientId").and_then(|v| v.as_str());
    let agent = body.agent_id.as_deref().filter(|a| !a.trim().is_empty());
    let sent = ops::add_note(&state, &id, &body.text, agent, client_id, None)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    let status = match sent.created {
        true => axum::http::StatusCode::CREATED,
        false => axum::http::StatusCode::OK,
    };
    Ok((status, Json(sent.message)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AgentBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: Option<String>,
}

pub async fn put_agent(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Result<Json<AgentBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    check_text("id", &id)?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::validation(
            "name is required",
            json!({ "name": "required" }),
        ));
    }
    check_text("name", name)?;
    let agent = WireAgent {
        id,
        name: name.to_string(),
        email: body.email,
    };
    state
        .store
        .upsert_agent(&agent)
        .map_err(|e| ApiError::from_store(e, "agent"))?;
    Ok(Json(agent).into_response())
}

/// The team fields of `PATCH /conversations/{id}`, checked: `assignedTo` (null unassigns),
/// `tags`, `priority` (null or `none` clears it).
pub fn work_change(
    assigned_to: Option<Option<String>>,
    tags: Option<Vec<String>>,
    priority: Option<Option<String>>,
) -> Result<WorkChange, ApiError> {
    if let Some(Some(agent)) = &assigned_to {
        check_text("assignedTo", agent)?;
    }
    let tags = match tags {
        Some(tags) if tags.len() > MAX_TAGS => {
            return Err(ApiError::validation(
                "too many tags",
                json!({ "tags": tags.len(), "max": MAX_TAGS }),
            ));
        }
        Some(tags) => {
            let mut kept: Vec<String> = Vec::with_capacity(tags.len());
            for tag in tags {
                let tag = tag.trim().to_string();
                check_text("tags", &tag)?;
                if !tag.is_empty() && !kept.iter().any(|k| k.eq_ignore_ascii_case(&tag)) {
                    kept.push(tag);
                }
            }
            Some(kept)
        }
        None => None,
    };
    let priority = match priority {
        Some(Some(name)) if name == "none" => Some(None),
        Some(Some(name)) if !PRIORITIES.contains(&name.as_str()) => {
            return Err(ApiError::validation(
                "unknown priority",
                json!({ "priority": name, "allowed": PRIORITIES }),
            ));
        }
        other => other,
    };
    Ok(WorkChange {
        assignee: assigned_to.map(|agent| agent.filter(|a| !a.trim().is_empty())),
        tags,
        priority,
        snoozed_until_ns: None,
    })
}

fn check_text(field: &str, text: &str) -> Result<(), ApiError> {
    if text.chars().count() > MAX_TEXT {
        return Err(ApiError::validation(
            format!("{field} is too long"),
            json!({ field: "too long", "max": MAX_TEXT }),
        ));
    }
    Ok(())
}
