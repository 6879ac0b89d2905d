//! Typed client for the Conversation API paths of §1.3, all under `/v1/projects/{project_id}`.
//!
//! Each call goes through the provider kit's [`RetryPolicy`] with a bearer token from
//! [`TokenSource`]: a 401 whose `WWW-Authenticate` says "expired" drops the token and retries
//! once; 429 waits for `Retry-After`; 5xx, timeouts and network errors retry with jittered
//! backoff, up to `max_retries` times (except a send, which retries only a 429: see
//! [`SinchRest::send_message`]).

use std::sync::Arc;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SinchConfig;
use super::auth::TokenSource;
use super::error::{SinchError, transport};
use super::wire::{
    CapabilityQuery, ContactList, ConversationList, MessageList, SendEventRequest,
    SendEventResponse, SendMessageRequest, SendMessageResponse, WireContact, WireConversation,
};
use crate::providers::kit::RetryPolicy;
use crate::providers::kit::http::segment;

/// Which messages a listing asks for.
#[derive(Clone, Debug, Default)]
pub struct MessageQuery {
    pub conversation_id: Option<String>,
    /// RFC 3339; only messages accepted at or after it.
    pub start_time: Option<String>,
    pub page_token: String,
}

/// The list endpoints, each with the largest `page_size` Sinch documents for it (the SDKs'
/// `ListContactsRequest`, `ListConversationsRequest`, `ListMessagesRequest`).
#[derive(Clone, Copy, Debug)]
pub enum Listing {
    Contacts,
    Conversations,
    Messages,
}

impl Listing {
    pub fn max_page_size(self) -> u32 {
        match self {
            Listing::Contacts | Listing::Conversations => 20,
            Listing::Messages => 1000,
        }
    }
}

/// Cheap to clone: the HTTP client and the token cache are shared.
#[derive(Clone, Debug)]
pub struct SinchRest {
    http: reqwest::Client,
    /// `{api_origin}/v1/projects/{project_id}`.
    base: String,
    origin: String,
    app_id: String,
    page_size: u32,
    policy: RetryPolicy,
    auth: Arc<TokenSource>,
}

impl SinchRest {
    pub fn new(config: &SinchConfig) -> Result<Self, SinchError> {
        let origin = config.api_origin.trim_end_matches('/').to_string();
        let timeout = config.request_timeout;
        let http =
            crate::providers::kit::http::client(Some(timeout), timeout).map_err(|reason| {
                SinchError::Unreachable {
                    url: origin.clone(),
                    reason,
                }
            })?;
        let auth = TokenSource::new(
            http.clone(),
            &config.auth_origin,
            &config.key_id,
            &config.key_secret,
        );
        Ok(Self {
            base: format!("{origin}/v1/projects/{}", segment(&config.project_id)?),
            origin,
            http,
            app_id: config.app_id.clone(),
            page_size: config.page_size,
            policy: RetryPolicy::with_retries(config.max_retries),
            auth: Arc::new(auth),
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    pub async fn list_conversations(
        &self,
        page_token: &str,
    ) -> Result<ConversationList, SinchError> {
        let query = self.paged(
            Listing::Conversations,
            page_token,
            vec![("app_id", self.app_id.clone())],
        );
        self.call(Method::GET, "/conversations", &query, None::<&()>)
            .await
    }

    pub async fn get_conversation(&self, id: &str) -> Result<WireConversation, SinchError> {
        let path = format!("/conversations/{}", segment(id)?);
        self.call(Method::GET, &path, &[], None::<&()>).await
    }

    /// Writes `metadata_json` fields of a conversation, merged into what it holds (RFC 7386:
    /// the other keys, other integrations' included, stay); answers the conversation after.
    pub async fn merge_conversation_metadata(
        &self,
        id: &str,
        metadata_json: serde_json::Value,
    ) -> Result<WireConversation, SinchError> {
        let path = format!("/conversations/{}", segment(id)?);
        let query = [
            ("update_mask.paths", "metadata_json".to_string()),
            ("metadata_update_strategy", "MERGE_PATCH".to_string()),
        ];
        let body = serde_json::json!({ "metadata_json": metadata_json });
        self.call(Method::PATCH, &path, &query, Some(&body)).await
    }

    pub async fn list_messages(&self, query: &MessageQuery) -> Result<MessageList, SinchError> {
        let mut params = vec![("app_id", self.app_id.clone())];
        if let Some(conversation) = &query.conversation_id {
            params.push(("conversation_id", conversation.clone()));
        }
        if let Some(start) = &query.start_time {
            params.push(("start_time", start.clone()));
        }
        let params = self.paged(Listing::Messages, &query.page_token, params);
        self.call(Method::GET, "/messages", &params, None::<&()>)
            .await
    }

    pub async fn list_contacts(&self, page_token: &str) -> Result<ContactList, SinchError> {
        let query = self.paged(Listing::Contacts, page_token, Vec::new());
        self.call(Method::GET, "/contacts", &query, None::<&()>)
            .await
    }

    pub async fn get_contact(&self, id: &str) -> Result<WireContact, SinchError> {
        let path = format!("/contacts/{}", segment(id)?);
        self.call(Method::GET, &path, &[], None::<&()>).await
    }

    pub async fn send_message(
        &self,
        request: &SendMessageRequest,
    ) -> Result<SendMessageResponse, SinchError> {
        // Not idempotent: a 5xx, a timeout or a dropped connection may come after Sinch
        // accepted the message, so only a 429 (refused before anything happened) is retried
        // here. The outbox retries the rest, and its retries look for an earlier copy first.
        self.call_with(
            Method::POST,
            "/messages:send",
            &[],
            Some(request),
            &self.policy.for_sends(),
        )
        .await
    }

    pub async fn send_event(
        &self,
        request: &SendEventRequest,
    ) -> Result<SendEventResponse, SinchError> {
        self.call(Method::POST, "/events:send", &[], Some(request))
            .await
    }

    pub async fn delete_message(&self, id: &str) -> Result<(), SinchError> {
        let path = format!("/messages/{}", segment(id)?);
        // The body is empty or `{}`; both SDKs ignore it, and so do we.
        self.call::<serde_json::Value, ()>(Method::DELETE, &path, &[], None)
            .await
            .map(|_| ())
    }

    pub async fn query_capability(&self, request: &CapabilityQuery) -> Result<(), SinchError> {
        self.call::<serde_json::Value, _>(Method::POST, "/capability:query", &[], Some(request))
            .await
            .map(|_| ())
    }

    fn paged(
        &self,
        listing: Listing,
        page_token: &str,
        mut params: Vec<(&'static str, String)>,
    ) -> Vec<(&'static str, String)> {
        let size = self.page_size.clamp(1, listing.max_page_size());
        params.push(("page_size", size.to_string()));
        if !page_token.is_empty() {
            params.push(("page_token", page_token.to_string()));
        }
        params
    }

    /// One logical call with the retry policy of the module doc.
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, SinchError> {
        self.call_with(method, path, query, body, &self.policy)
            .await
    }

    async fn call_with<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        policy: &RetryPolicy,
    ) -> Result<T, SinchError> {
        let what = format!("Sinch {method} {path}");
        let text = policy
            .run(&what, self.auth.as_ref(), |token| {
                self.attempt(method.clone(), path, query, body, token)
            })
            .await?;
        decode(&text)
    }

    async fn attempt<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        token: String,
    ) -> Result<String, SinchError> {
        let url = format!("{}{}", self.base, path);
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(&token)
            .header("Accept", "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let failed = |err: reqwest::Error| transport(&err, &self.origin);
        let response = request.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let www_authenticate = header(&response, "www-authenticate");
        let retry_after = header(&response, "retry-after");
        let text = response.text().await.map_err(failed)?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        if status == 401
            && www_authenticate
                .as_deref()
                .is_some_and(|value| value.to_ascii_lowercase().contains("expired"))
        {
            return Err(SinchError::TokenExpired);
        }
        Err(SinchError::from_response(
            status,
            &text,
            retry_after.as_deref(),
        ))
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, SinchError> {
    let text = if text.trim().is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|err| SinchError::Decode(err.to_string()))
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}
