//! Typed REST client for Linktor: the transport both dialects share (auth header, JSON both
//! ways, error bodies mapped onto [`LinktorError`], the SDK's retry policy: 429, 5xx, timeouts
//! and network errors are retried with backoff, a 429 waits for its `retry_after`) and the SDK
//! contract's endpoints. The Go server's endpoints are in `rest_server.rs`; each public call
//! here picks the dialect, and both hand back the SDK wire types the rest of the provider reads.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::{Credential, Tokens};
use super::wire::{
    ErrorBody, ListEnvelope, SendMessageBody, WireContact, WireConversation, WireMessage,
};
use super::{Dialect, LinktorConfig, Login};
use crate::providers::kit::http::{BodyError, read_limited, root_cause, segment};
use crate::providers::kit::network::{self, Network};
use crate::providers::kit::{Classify, ErrorClass, RetryPolicy};
use crate::text::sanitize_line;

/// The largest response body read. A page of fifty messages is tens of KB; anything near this
/// is a broken or hostile server, and reading on would only exhaust memory.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// The longest `Retry-After` a call waits out itself before retrying; a longer one ends the
/// call, so the account backs off where the status bar says it is rate limited.
const IN_CALL_WAIT: Duration = Duration::from_secs(5);

/// What can go wrong talking to Linktor. `request_id` is the server's `x-request-id`, kept for
/// the log so a failure can be matched with the server's own records.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinktorError {
    #[error("request rejected as invalid (400): {message}{}", field_details(.details))]
    Validation {
        message: String,
        details: Option<Value>,
        request_id: Option<String>,
    },
    #[error("authentication failed (401): {message}")]
    Authentication {
        message: String,
        request_id: Option<String>,
    },
    #[error("not allowed (403): {message}")]
    Authorization {
        message: String,
        request_id: Option<String>,
    },
    #[error("not found (404)")]
    NotFound { request_id: Option<String> },
    #[error("request timed out")]
    Timeout { request_id: Option<String> },
    #[error("conflict (409): {message}")]
    Conflict {
        message: String,
        request_id: Option<String>,
    },
    #[error("rate limited (429): {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
        request_id: Option<String>,
    },
    #[error("server error ({status}): {message}")]
    Server {
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    #[error("unexpected status {status}: {message}")]
    Other {
        status: u16,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
    #[error("hub unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// A server-given id that no URL can address (`.`, `..`); nothing was requested.
    #[error(transparent)]
    Unaddressable(#[from] crate::providers::kit::http::UnaddressableId),
    #[error("could not read the response: {reason}")]
    Decode {
        reason: String,
        request_id: Option<String>,
    },
}

impl Classify for LinktorError {
    /// The SDK's retry policy: 429, 5xx, timeouts and network errors are retried.
    fn class(&self) -> ErrorClass {
        match self {
            LinktorError::Authentication { .. } => ErrorClass::Auth { renewable: true },
            LinktorError::RateLimited { retry_after, .. } => ErrorClass::RateLimited {
                retry_after: *retry_after,
            },
            LinktorError::Server { .. }
            | LinktorError::Timeout { .. }
            | LinktorError::Unreachable { .. } => ErrorClass::Transient,
            LinktorError::Decode { .. } => ErrorClass::Decode,
            LinktorError::Validation { .. }
            | LinktorError::Authorization { .. }
            | LinktorError::NotFound { .. }
            | LinktorError::Conflict { .. }
            | LinktorError::Other { .. }
            | LinktorError::Unaddressable(_) => ErrorClass::Rejected,
        }
    }

    fn request_id(&self) -> Option<&str> {
        match self {
            LinktorError::Validation { request_id, .. }
            | LinktorError::Authentication { request_id, .. }
            | LinktorError::Authorization { request_id, .. }
            | LinktorError::NotFound { request_id }
            | LinktorError::Timeout { request_id }
            | LinktorError::Conflict { request_id, .. }
            | LinktorError::RateLimited { request_id, .. }
            | LinktorError::Server { request_id, .. }
            | LinktorError::Other { request_id, .. }
            | LinktorError::Decode { request_id, .. } => request_id.as_deref(),
            LinktorError::Unreachable { .. } | LinktorError::Unaddressable(_) => None,
        }
    }
}

impl LinktorError {
    /// Whether the failure concerns one conversation or contact (a 404, a refused or
    /// unreadable item, an id no URL can address) rather than the account: a sync skips that
    /// item and goes on with the rest.
    pub fn is_per_item(&self) -> bool {
        matches!(
            self,
            LinktorError::NotFound { .. }
                | LinktorError::Validation { .. }
                | LinktorError::Conflict { .. }
                | LinktorError::Decode { .. }
                | LinktorError::Unaddressable(_)
        )
    }

    /// Maps an error response. `body` is the raw text: the flat error object (SDK) or the
    /// `{"success":false,"error":{…}}` envelope (Go server) when it parses, otherwise the text
    /// itself becomes the message (as the SDK does).
    pub fn from_response(
        status: u16,
        body: &str,
        retry_after_header: Option<&str>,
        request_id: Option<String>,
    ) -> Self {
        let parsed = ErrorBody::parse(body);
        // Messages end up in the status bar: one line, no escape sequences, bounded length.
        let message: String = sanitize_line(&parsed.message).chars().take(200).collect();
        match status {
            400 => LinktorError::Validation {
                message,
                details: parsed.details,
                request_id,
            },
            401 => LinktorError::Authentication {
                message,
                request_id,
            },
            403 => LinktorError::Authorization {
                message,
                request_id,
            },
            404 => LinktorError::NotFound { request_id },
            408 => LinktorError::Timeout { request_id },
            409 => LinktorError::Conflict {
                message,
                request_id,
            },
            429 => {
                let seconds = parsed.retry_after.or_else(|| {
                    retry_after_header.and_then(|value| value.trim().parse::<u64>().ok())
                });
                LinktorError::RateLimited {
                    retry_after: seconds.map(Duration::from_secs),
                    message,
                    request_id,
                }
            }
            500..=599 => LinktorError::Server {
                status,
                message,
                request_id,
            },
            _ => LinktorError::Other {
                status,
                code: parsed.code,
                message,
                request_id,
            },
        }
    }
}

/// The field details of a 400 as ` (field: problem; …)`, one line and bounded, for the status bar.
fn field_details(details: &Option<Value>) -> String {
    let Some(details) = details else {
        return String::new();
    };
    let text = match details {
        Value::Object(map) if !map.is_empty() => map
            .iter()
            .map(|(field, problem)| match problem {
                Value::String(problem) => format!("{field}: {problem}"),
                other => format!("{field}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => return String::new(),
        Value::Object(_) => return String::new(),
        other => other.to_string(),
    };
    let text: String = sanitize_line(&text).chars().take(200).collect();
    format!(" ({text})")
}

/// Query for a message listing: the tail (neither cursor), older (`before`) or newer (`after`).
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    pub limit: u32,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A cheap-to-clone client (reqwest's client and the token cache are shared), so command tasks
/// can own one.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base_url: String,
    /// Where the paths live: `base_url`, plus `/api/v1` for the Go server.
    api_root: String,
    pub(super) dialect: Dialect,
    pub(super) api_key: String,
    pub(super) access_token: Option<String>,
    pub(super) login: Option<Login>,
    pub(super) tokens: Arc<tokio::sync::Mutex<Option<Tokens>>>,
    /// Go server only: how many pages of each thread are loaded (it pages by number, newest first).
    pub(super) loaded_pages: Arc<std::sync::Mutex<HashMap<String, u32>>>,
    policy: RetryPolicy,
    pub(super) network: Network,
    request_timeout: Duration,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("api_root", &self.api_root)
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    pub fn new(config: &LinktorConfig) -> Result<Self, LinktorError> {
        let timeout = config.request_timeout;
        let http =
            crate::providers::kit::http::client(Some(timeout), timeout).map_err(|reason| {
                LinktorError::Unreachable {
                    url: config.base_url.clone(),
                    reason,
                }
            })?;
        let base_url = config.base_url.trim_end_matches('/').to_string();
        let api_root = match config.dialect {
            Dialect::Server if !base_url.ends_with("/api/v1") => format!("{base_url}/api/v1"),
            _ => base_url.clone(),
        };
        Ok(Self {
            http,
            base_url,
            api_root,
            dialect: config.dialect,
            api_key: config.api_key.clone(),
            access_token: config.access_token.clone().filter(|t| !t.is_empty()),
            login: config.login.clone(),
            tokens: Arc::default(),
            loaded_pages: Arc::default(),
            policy: RetryPolicy {
                longest_wait_in_call: Some(IN_CALL_WAIT),
                ..RetryPolicy::with_retries(config.max_retries)
            },
            network: config.network.clone(),
            request_timeout: config.request_timeout,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url`, plus `/api/v1` for the Go server.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub async fn list_conversations(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<ListEnvelope<WireConversation>, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_list_conversations(offset, limit).await;
        }
        let query = [("limit", limit.to_string()), ("offset", offset.to_string())];
        self.call(Method::GET, "/conversations", &query, None).await
    }

    pub async fn get_conversation(&self, id: &str) -> Result<WireConversation, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_get_conversation(id).await;
        }
        let path = format!("/conversations/{}", segment(id)?);
        self.call(Method::GET, &path, &[], None).await
    }

    pub async fn list_messages(
        &self,
        conversation: &str,
        query: &MessageQuery,
    ) -> Result<ListEnvelope<WireMessage>, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_list_messages(conversation, query).await;
        }
        let path = format!("/conversations/{}/messages", segment(conversation)?);
        let mut params = vec![("limit", query.limit.to_string())];
        if let Some(before) = &query.before {
            params.push(("before", before.clone()));
        }
        if let Some(after) = &query.after {
            params.push(("after", after.clone()));
        }
        self.call(Method::GET, &path, &params, None).await
    }

    pub async fn list_contacts(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<ListEnvelope<WireContact>, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_list_contacts(offset, limit, None).await;
        }
        let query = [("limit", limit.to_string()), ("offset", offset.to_string())];
        self.call(Method::GET, "/contacts", &query, None).await
    }

    pub async fn get_contact(&self, id: &str) -> Result<WireContact, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_get_contact(id).await;
        }
        let path = format!("/contacts/{}", segment(id)?);
        self.call(Method::GET, &path, &[], None).await
    }

    /// `POST /conversations/{id}/messages` with our client id in `metadata.clientId`, so the
    /// echo (response, push or poll) can replace the local pending copy.
    pub async fn send_text(
        &self,
        conversation: &str,
        text: &str,
        client_id: &str,
    ) -> Result<WireMessage, LinktorError> {
        if self.dialect == Dialect::Server {
            return self.server_send_text(conversation, text, client_id).await;
        }
        let path = format!("/conversations/{}/messages", segment(conversation)?);
        let mut metadata = BTreeMap::new();
        metadata.insert("clientId".to_string(), Value::String(client_id.to_string()));
        let body = SendMessageBody {
            text: Some(text.to_string()),
            metadata,
        };
        let body = serde_json::to_value(body).map_err(|err| LinktorError::Decode {
            reason: err.to_string(),
            request_id: None,
        })?;
        self.call(Method::POST, &path, &[], Some(&body)).await
    }

    pub async fn mark_read(&self, conversation: &str) -> Result<(), LinktorError> {
        if self.dialect == Dialect::Server {
            // The Go server routes no mark-read call (§2.2); reading is its own business.
            return Ok(());
        }
        let path = format!("/conversations/{}", segment(conversation)?);
        let body = serde_json::json!({ "unreadCount": 0 });
        // The SDK returns the updated conversation; we only need the success.
        self.call::<Value>(Method::PATCH, &path, &[], Some(&body))
            .await
            .map(|_| ())
    }

    /// `GET /contacts?search=` (both dialects), one page.
    pub async fn search_contacts(
        &self,
        search: &str,
        limit: u32,
    ) -> Result<Vec<WireContact>, LinktorError> {
        let search = Some(search).filter(|s| !s.trim().is_empty());
        if self.dialect == Dialect::Server {
            return Ok(self.server_list_contacts(0, limit, search).await?.data);
        }
        let mut query = vec![("limit", limit.to_string())];
        if let Some(search) = search {
            query.push(("search", search.to_string()));
        }
        let page: ListEnvelope<WireContact> =
            self.call(Method::GET, "/contacts", &query, None).await?;
        Ok(page.data)
    }

    /// `POST /contacts` with one identifier (the Go server takes it as an identity).
    pub async fn create_contact(
        &self,
        name: &str,
        channel_type: &str,
        identifier: &str,
    ) -> Result<WireContact, LinktorError> {
        if self.dialect == Dialect::Server {
            return self
                .server_create_contact(name, channel_type, identifier)
                .await;
        }
        let body = serde_json::json!({
            "name": name,
            "identifiers": [{ "channelType": channel_type, "identifier": identifier }],
        });
        self.call(Method::POST, "/contacts", &[], Some(&body)).await
    }

    /// `POST /conversations` for a contact on a channel; returns the conversation id.
    /// Neither contract documents this body (**UNCONFIRMED**): the SDK's camelCase
    /// `{contactId, channelType}`, the Go server's snake_case `{contact_id, channel_type}`.
    pub async fn start_conversation(
        &self,
        contact_id: &str,
        channel_type: &str,
    ) -> Result<WireConversation, LinktorError> {
        if self.dialect == Dialect::Server {
            return self
                .server_start_conversation(contact_id, channel_type)
                .await;
        }
        let body = serde_json::json!({ "contactId": contact_id, "channelType": channel_type });
        self.call(Method::POST, "/conversations", &[], Some(&body))
            .await
    }

    /// Sets a conversation's status: the SDK's `PATCH {"status"}`; the Go server's
    /// `POST …/resolve` / `…/reopen`, or `PUT {"status"}` for the others.
    /// A snooze's end goes with it as the hub's `snoozedUntil` (others ignore the field).
    pub async fn set_status(
        &self,
        conversation: &str,
        status: &str,
        snoozed_until: Option<&str>,
    ) -> Result<(), LinktorError> {
        let path = format!("/conversations/{}", segment(conversation)?);
        let mut body = serde_json::json!({ "status": status });
        if let Some(until) = snoozed_until {
            body["snoozedUntil"] = serde_json::Value::from(until);
        }
        let (method, path, body) = match (self.dialect, status) {
            (Dialect::Sdk, _) => (Method::PATCH, path, Some(body)),
            (Dialect::Server, "resolved") => (Method::POST, format!("{path}/resolve"), None),
            (Dialect::Server, "open") => (Method::POST, format!("{path}/reopen"), None),
            (Dialect::Server, _) => (Method::PUT, path, Some(body)),
        };
        self.call_text(method, &path, &[], body.as_ref())
            .await
            .map(|_| ())
    }

    /// One logical SDK call, its body decoded as `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, LinktorError> {
        let text = self.call_text(method, path, query, body).await?;
        decode(&text)
    }

    /// One logical call returning the body text, through the kit's policy: a 401 is answered
    /// once by renewing the token (login configured), and the retryable failures are retried
    /// up to `max_retries` times.
    pub(super) async fn call_text(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<String, LinktorError> {
        let what = format!("linktor {method} {path}");
        self.policy
            .run(&what, self, |credential| {
                self.attempt(method.clone(), path, query, body, Some(credential))
            })
            .await
    }

    /// A POST that needs no credential (login, refresh): one attempt, no retry.
    pub(super) async fn public_post(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<String, LinktorError> {
        self.attempt(Method::POST, path, &[], Some(body), None)
            .await
    }

    /// One HTTP exchange; returns the body text of a 2xx (empty for 204).
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        credential: Option<Credential>,
    ) -> Result<String, LinktorError> {
        let url = format!("{}{}", self.api_root, path);
        let mut request = self
            .http
            .request(method, &url)
            .header("Accept", "application/json");
        request = match credential {
            Some(Credential::ApiKey(key)) => request.header("X-API-Key", key),
            Some(Credential::Bearer(token)) => request.bearer_auth(token),
            None => request,
        };
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            // `.json` also sets Content-Type: application/json.
            request = request.json(body);
        }
        let response = self.send(request).await?;
        let status = response.status();
        let request_id = header(&response, "x-request-id");
        let retry_after = header(&response, "retry-after");
        let text = self.read_body(response, request_id.clone()).await?;
        if status.is_success() {
            return Ok(if status == StatusCode::NO_CONTENT {
                String::new()
            } else {
                text
            });
        }
        Err(LinktorError::from_response(
            status.as_u16(),
            &text,
            retry_after.as_deref(),
            request_id,
        ))
    }

    /// Sends over the network the client was made for.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, LinktorError> {
        let Network::InProcess(server) = &self.network else {
            return request
                .send()
                .await
                .map_err(|err| self.transport_error(&err));
        };
        let request = request.build().map_err(|err| self.transport_error(&err))?;
        let exchange = network::exchange(server.as_ref(), request);
        match tokio::time::timeout(self.request_timeout, exchange).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(reason)) => Err(LinktorError::Unreachable {
                url: self.base_url.clone(),
                reason: sanitize_line(&reason),
            }),
            Err(_) => Err(LinktorError::Timeout { request_id: None }),
        }
    }

    /// The body as text, at most [`MAX_BODY_BYTES`].
    async fn read_body(
        &self,
        response: reqwest::Response,
        request_id: Option<String>,
    ) -> Result<String, LinktorError> {
        read_limited(response, MAX_BODY_BYTES)
            .await
            .map_err(|err| match err {
                BodyError::TooLarge { limit_mib } => LinktorError::Decode {
                    reason: format!("response larger than {limit_mib} MiB"),
                    request_id,
                },
                BodyError::Transport(err) => self.transport_error(&err),
            })
    }

    fn transport_error(&self, err: &reqwest::Error) -> LinktorError {
        if err.is_timeout() {
            LinktorError::Timeout { request_id: None }
        } else if err.is_decode() {
            LinktorError::Decode {
                reason: err.to_string(),
                request_id: None,
            }
        } else {
            LinktorError::Unreachable {
                url: self.base_url.clone(),
                reason: root_cause(err),
            }
        }
    }
}

pub(super) fn decode<T: DeserializeOwned>(text: &str) -> Result<T, LinktorError> {
    // A 204 has no body; callers that accept it ask for `Value`, which takes `null`.
    let text = if text.trim().is_empty() { "null" } else { text };
    let text = crate::providers::kit::http::repair_lone_surrogates(text);
    serde_json::from_str(&text).map_err(|err| LinktorError::Decode {
        reason: err.to_string(),
        request_id: None,
    })
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(sanitize_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(status: u16, body: &str) -> LinktorError {
        LinktorError::from_response(status, body, None, Some("req-1".into()))
    }

    #[test]
    fn statuses_map_like_the_sdk() {
        let body = r#"{"message":"bad","code":"E1","details":{"field":"text"}}"#;
        match map(400, body) {
            LinktorError::Validation {
                message, details, ..
            } => {
                assert_eq!(message, "bad");
                assert_eq!(details, Some(serde_json::json!({"field":"text"})));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            map(400, body).to_string(),
            "request rejected as invalid (400): bad (field: text)"
        );
        let envelope = r#"{"success":false,"error":{"code":"VALIDATION_ERROR","message":"invalid","details":{"content":"required"}}}"#;
        assert_eq!(
            map(400, envelope).to_string(),
            "request rejected as invalid (400): invalid (content: required)"
        );
        assert!(
            matches!(map(429, r#"{"success":false,"error":{"code":"RATE_LIMITED","message":"slow","details":{"retry_after":4}}}"#),
                LinktorError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(4))
        );
        assert!(matches!(
            map(401, body),
            LinktorError::Authentication { .. }
        ));
        assert!(matches!(map(403, body), LinktorError::Authorization { .. }));
        assert!(matches!(map(404, body), LinktorError::NotFound { .. }));
        assert!(matches!(map(408, body), LinktorError::Timeout { .. }));
        assert!(matches!(map(409, body), LinktorError::Conflict { .. }));
        assert!(matches!(
            map(503, body),
            LinktorError::Server { status: 503, .. }
        ));
        assert!(matches!(
            map(418, body),
            LinktorError::Other { status: 418, code: Some(ref c), .. } if c == "E1"
        ));
        assert_eq!(map(500, body).request_id(), Some("req-1"));
    }

    #[test]
    fn retry_after_comes_from_the_body_then_the_header() {
        let from_body = LinktorError::from_response(
            429,
            r#"{"message":"slow","retry_after":7}"#,
            Some("99"),
            None,
        );
        assert!(
            matches!(from_body, LinktorError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(7))
        );
        let from_header =
            LinktorError::from_response(429, r#"{"message":"slow"}"#, Some("3"), None);
        assert!(
            matches!(from_header, LinktorError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3))
        );
        let neither = LinktorError::from_response(429, "", None, None);
        assert!(matches!(
            neither,
            LinktorError::RateLimited {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn non_json_body_becomes_the_message_sanitised() {
        let err = map(502, "Bad Gateway\u{1b}[31m from proxy\n");
        assert!(
            matches!(err, LinktorError::Server { ref message, .. } if message == "Bad Gateway from proxy")
        );
    }

    #[test]
    fn retryable_classes() {
        assert!(map(500, "").is_retryable());
        assert!(map(429, "").is_retryable());
        assert!(map(408, "").is_retryable());
        assert!(!map(401, "").is_retryable());
        assert!(!map(400, "").is_retryable());
        assert!(map(401, "").is_auth());
    }
}
