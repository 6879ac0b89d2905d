//! The REST routes of the Linktor SDK contract, plus `/simulate/*` for scripts and demos.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ops::{self, HubState};
use super::store::{ConversationFilter, MessagePage, StoreError};
use crate::protocol::linktor::{ErrorBody, ListEnvelope, Pagination, SendMessageBody};

type Shared = Arc<HubState>;

/// An error response with the SDK's flat error body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                message: message.into(),
                code: Some(code.into()),
                details: None,
                retry_after: None,
            },
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "invalid API key")
    }

    fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found"),
        )
    }

    pub(super) fn validation(message: impl Into<String>, details: Value) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
        error.body.details = Some(details);
        error
    }

    pub(super) fn from_store(error: StoreError, what: &str) -> Self {
        match error {
            StoreError::NotFound => Self::not_found(what),
            StoreError::UnknownCursor(id) => {
                Self::validation("unknown cursor", json!({ "cursor": id }))
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_ERROR",
                    "internal error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route(
            "/conversations",
            get(list_conversations).post(super::contacts_api::create_conversation),
        )
        .route(
            "/conversations/{id}",
            get(get_conversation).patch(patch_conversation),
        )
        .route(
            "/conversations/{id}/messages",
            get(list_messages).post(post_message),
        )
        .route(
            "/contacts",
            get(list_contacts).post(super::contacts_api::create_contact),
        )
        .route("/conversations/{id}/assign", post(super::team_api::assign))
        .route("/conversations/{id}/notes", post(super::team_api::add_note))
        .route("/agents", get(super::team_api::list_agents))
        .route(
            "/agents/{id}",
            axum::routing::put(super::team_api::put_agent),
        )
        .route("/contacts/{id}", get(get_contact))
        .route("/simulate/inbound", post(simulate_inbound))
        .route("/simulate/typing", post(simulate_typing))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_key));
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/ws", get(super::ws::upgrade))
        .merge(api)
        .fallback(|| async { ApiError::not_found("route") })
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

async fn require_key(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let ok = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|key| key == state.api_key);
    if !ok {
        return ApiError::unauthorized().into_response();
    }
    next.run(request).await
}

/// Every response carries an `x-request-id` (the SDK surfaces it on errors).
async fn request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("req"))
        });
    let mut response = next.run(request).await;
    response.headers_mut().insert("x-request-id", id);
    response
}

type Params = Query<HashMap<String, String>>;

fn number<T: std::str::FromStr>(
    params: &HashMap<String, String>,
    key: &str,
) -> ApiResult<Option<T>> {
    match params.get(key) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| {
            ApiError::validation(
                format!("{key} must be a non-negative integer"),
                json!({ key: raw }),
            )
        }),
    }
}

fn limit(params: &HashMap<String, String>, default: u32, max: u32) -> ApiResult<u32> {
    Ok(number::<u32>(params, "limit")?
        .unwrap_or(default)
        .clamp(1, max))
}

fn non_empty<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn page<T>(data: Vec<T>, total: u64, limit: u32, offset: u64) -> ListEnvelope<T> {
    let has_more = offset + (data.len() as u64) < total;
    ListEnvelope::new(
        data,
        Pagination {
            total,
            limit,
            offset,
            has_more,
            next_cursor: None,
        },
    )
}

pub(super) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    body.map(|Json(value)| value).map_err(|rejection| {
        ApiError::validation(
            "invalid request body",
            json!({ "body": rejection.body_text() }),
        )
    })
}

async fn list_conversations(
    State(state): State<Shared>,
    Query(params): Params,
) -> ApiResult<Response> {
    let limit = limit(&params, 20, 100)?;
    let offset = number::<u64>(&params, "offset")?.unwrap_or(0);
    let filter = ConversationFilter {
        status: non_empty(&params, "status"),
        channel_type: non_empty(&params, "channelType"),
        assigned_to: non_empty(&params, "assignedTo"),
        tag: non_empty(&params, "tags"),
    };
    let (data, total) = state
        .store
        .conversations_where(&filter, limit, offset)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok(Json(page(data, total, limit, offset)).into_response())
}

async fn get_conversation(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let conversation = state
        .store
        .conversation(&id)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok(Json(conversation).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchConversation {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    unread_count: Option<u32>,
    #[serde(default, deserialize_with = "crate::protocol::linktor::present")]
    assigned_to: Option<Option<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::protocol::linktor::present")]
    priority: Option<Option<String>>,
    /// With `"status": "snoozed"`: until when (RFC 3339).
    #[serde(default)]
    snoozed_until: Option<String>,
}

const STATUSES: [&str; 4] = ["open", "pending", "resolved", "snoozed"];

async fn patch_conversation(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Result<Json<PatchConversation>, JsonRejection>,
) -> ApiResult<Response> {
    let body = json_body(body)?;
    if let Some(status) = &body.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::validation(
            "unknown status",
            json!({ "status": status, "allowed": STATUSES }),
        ));
    }
    if body.unread_count.is_some_and(|n| n != 0) {
        return Err(ApiError::validation(
            "unreadCount can only be set to 0",
            json!({ "unreadCount": body.unread_count }),
        ));
    }
    let mut work = super::team_api::work_change(body.assigned_to, body.tags, body.priority)?;
    if let Some(until) = &body.snoozed_until {
        let Some(at) = crate::protocol::linktor::parse_time(until) else {
            return Err(ApiError::validation(
                "snoozedUntil must be an RFC 3339 time",
                json!({ "snoozedUntil": until }),
            ));
        };
        work.snoozed_until_ns = i64::try_from(at.unix_timestamp_nanos()).ok();
    }
    let conversation = ops::update_conversation(
        &state,
        &id,
        body.status.as_deref(),
        body.unread_count == Some(0),
        &work,
    )
    .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok(Json(conversation).into_response())
}

async fn list_messages(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult<Response> {
    let limit = limit(&params, 50, 200)?;
    let page = match (non_empty(&params, "before"), non_empty(&params, "after")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "use either before or after",
                json!({ "before": params.get("before"), "after": params.get("after") }),
            ));
        }
        (Some(before), None) => MessagePage::Before(before.to_owned()),
        (None, Some(after)) => MessagePage::After(after.to_owned()),
        (None, None) => MessagePage::Tail,
    };
    let result = state
        .store
        .messages(&id, &page, limit)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    let data = result.messages;
    let next_cursor = match page {
        MessagePage::After(_) => data.last(),
        _ => data.first(),
    }
    .map(|m| m.id.clone());
    let envelope = ListEnvelope::new(
        data,
        Pagination {
            total: result.total,
            limit,
            offset: 0,
            has_more: result.has_more,
            next_cursor,
        },
    );
    Ok(Json(envelope).into_response())
}

async fn post_message(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Result<Json<SendMessageBody>, JsonRejection>,
) -> ApiResult<Response> {
    let body = json_body(body)?;
    let text = body.text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::validation(
            "text is required",
            json!({ "text": "must not be empty" }),
        ));
    }
    let sent = ops::send_outbound(&state, &id, &text, body.metadata)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(sent.message)).into_response())
}

async fn list_contacts(State(state): State<Shared>, Query(params): Params) -> ApiResult<Response> {
    let limit = limit(&params, 20, 100)?;
    let offset = number::<u64>(&params, "offset")?.unwrap_or(0);
    let (data, total) = state
        .store
        .contacts(non_empty(&params, "search"), limit, offset)
        .map_err(|e| ApiError::from_store(e, "contact"))?;
    Ok(Json(page(data, total, limit, offset)).into_response())
}

async fn get_contact(State(state): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    let contact = state
        .store
        .contact(&id)
        .map_err(|e| ApiError::from_store(e, "contact"))?;
    Ok(Json(contact).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimulateInbound {
    channel_type: String,
    from: String,
    #[serde(default)]
    name: Option<String>,
    text: String,
}

async fn simulate_inbound(
    State(state): State<Shared>,
    body: Result<Json<SimulateInbound>, JsonRejection>,
) -> ApiResult<Response> {
    let body = json_body(body)?;
    let mut problems = serde_json::Map::new();
    for (key, value) in [
        ("channelType", &body.channel_type),
        ("from", &body.from),
        ("text", &body.text),
    ] {
        if value.trim().is_empty() {
            problems.insert(key.into(), json!("must not be empty"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(
            "missing fields",
            Value::Object(problems),
        ));
    }
    let (conversation_id, message) = ops::ingest_inbound(
        &state,
        &body.channel_type,
        &body.from,
        body.name.as_deref(),
        &body.text,
    )
    .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "conversationId": conversation_id, "message": message })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimulateTyping {
    conversation_id: String,
    is_typing: bool,
}

async fn simulate_typing(
    State(state): State<Shared>,
    body: Result<Json<SimulateTyping>, JsonRejection>,
) -> ApiResult<Response> {
    let body = json_body(body)?;
    ops::contact_typing(&state, &body.conversation_id, body.is_typing)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
