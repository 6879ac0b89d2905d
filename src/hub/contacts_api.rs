//! The hub's contact-creation routes (`POST /contacts`, `POST /conversations`), which the
//! contact picker needs so it works on the embedded default too. SDK shapes: camelCase bodies,
//! the created object back with 201.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ops::HubState;
use super::rest::{ApiError, json_body};
use super::store::now_ns;

type Shared = std::sync::Arc<HubState>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(default)]
    name: String,
    #[serde(default)]
    identifiers: Vec<NewIdentifier>,
    /// The SDK's `CreateContactInput` may name the contact by phone or email alone
    /// (`identifiers` is optional there): they become an SMS or an email identifier.
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewIdentifier {
    #[serde(default)]
    channel_type: String,
    #[serde(default)]
    identifier: String,
}

/// `POST /contacts` `{"name","identifiers":[{"channelType","identifier"}]}`, or with `phone` /
/// `email` instead of identifiers. The hub keeps one identifier per contact: the first; an
/// existing `(channel, identifier)` is renamed, not doubled.
pub async fn create_contact(
    State(state): State<Shared>,
    body: Result<Json<NewContact>, JsonRejection>,
) -> Result<Response, ApiError> {
    let mut body = json_body(body)?;
    let fallbacks = [("sms", body.phone.take()), ("email", body.email.take())];
    for (channel, value) in fallbacks {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            body.identifiers.push(NewIdentifier {
                channel_type: channel.to_string(),
                identifier: value,
            });
        }
    }
    let mut problems = serde_json::Map::new();
    if body.name.trim().is_empty() {
        problems.insert("name".into(), json!("must not be empty"));
    }
    let first = body
        .identifiers
        .iter()
        .find(|id| !id.channel_type.trim().is_empty() && !id.identifier.trim().is_empty());
    let Some(first) = first else {
        problems.insert(
            "identifiers".into(),
            json!("one channelType + identifier (or a phone or an email) is required"),
        );
        return Err(ApiError::validation(
            "missing fields",
            Value::Object(problems),
        ));
    };
    if !problems.is_empty() {
        return Err(ApiError::validation(
            "missing fields",
            Value::Object(problems),
        ));
    }
    let store_error = |e| ApiError::from_store(e, "contact");
    let id = state
        .store
        .upsert_contact(
            first.channel_type.trim(),
            first.identifier.trim(),
            Some(body.name.trim()),
            now_ns(),
        )
        .map_err(store_error)?;
    let contact = state.store.contact(&id).map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(contact)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConversation {
    #[serde(default)]
    contact_id: String,
    #[serde(default)]
    channel_type: String,
}

/// `POST /conversations` `{"contactId","channelType"}`: the contact's open conversation on that
/// channel, or a new one.
pub async fn create_conversation(
    State(state): State<Shared>,
    body: Result<Json<NewConversation>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let store_error = |e| ApiError::from_store(e, "contact");
    // 404 for an unknown contact, before anything is created.
    state.store.contact(&body.contact_id).map_err(store_error)?;
    if body.channel_type.trim().is_empty() {
        return Err(ApiError::validation(
            "missing fields",
            json!({ "channelType": "must not be empty" }),
        ));
    }
    let (id, created) = state
        .store
        .open_conversation_for(&body.contact_id, body.channel_type.trim(), now_ns())
        .map_err(store_error)?;
    let conversation = state
        .store
        .conversation(&id)
        .map_err(|e| ApiError::from_store(e, "conversation"))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conversation)).into_response())
}
