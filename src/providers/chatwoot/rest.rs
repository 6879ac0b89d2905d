//! Chatwoot's REST API (§2–§5 of `chatwoot.md`): the `api_access_token` header, the account's
//! paths, its error bodies mapped onto [`ChatwootError`], and the calls the provider makes.
//! Listings are read item by item, so one unreadable conversation or message is skipped (and
//! logged) instead of failing the page.

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::wire::{
    Canned, Contact, Conversation, ConversationList, ErrorBody, Inbox, Label, Message, Payload,
    Profile, StatusAnswer, Team, User,
};
use crate::providers::kit::http::{BodyError, UnaddressableId, read_limited, root_cause};
use crate::providers::kit::{Classify, ErrorClass, RetryPolicy, StaticCredential};
use crate::text::sanitize_line;

/// The largest response body read: a page is tens of KB; more is a broken or hostile server.
const MAX_BODY_BYTES: usize = 16 << 20;

/// A `Retry-After` longer than this ends the call, so the account backs off where the status
/// bar says it is rate limited. Chatwoot sends none by default (§7.2); the backoff applies.
const IN_CALL_WAIT: Duration = Duration::from_secs(5);

/// What can go wrong talking to Chatwoot.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatwootError {
    /// The access token was refused, or the user cannot use the account (401 on the account
    /// gate). Only the user can fix it.
    #[error("{message} (401)")]
    Credentials { message: String },
    /// A 401 that is Pundit's "not authorized to do this action" on one conversation (§7.1):
    /// the token is fine, this item is not ours to touch.
    #[error("not allowed: {message}")]
    Denied { message: String },
    #[error("not found (404): {message}")]
    NotFound { message: String },
    /// 400, 402, 403, 422: the request was refused with the server's reason.
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("rate limited (429): {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("did not answer in time")]
    Timeout,
    #[error("unreachable: {reason}")]
    Unreachable { reason: String },
    #[error(transparent)]
    Unaddressable(#[from] UnaddressableId),
    #[error("could not read the answer: {reason}")]
    Decode { reason: String },
}

impl From<std::convert::Infallible> for ChatwootError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl Classify for ChatwootError {
    fn class(&self) -> ErrorClass {
        match self {
            ChatwootError::Credentials { .. } => ErrorClass::Auth { renewable: false },
            ChatwootError::RateLimited { retry_after, .. } => ErrorClass::RateLimited {
                retry_after: *retry_after,
            },
            ChatwootError::Server { .. }
            | ChatwootError::Timeout
            | ChatwootError::Unreachable { .. } => ErrorClass::Transient,
            ChatwootError::Decode { .. } => ErrorClass::Decode,
            ChatwootError::Denied { .. }
            | ChatwootError::NotFound { .. }
            | ChatwootError::Refused { .. }
            | ChatwootError::Unaddressable(_) => ErrorClass::Rejected,
        }
    }
}

impl ChatwootError {
    /// Maps an error answer (§7.1). A 401 is the token's fault unless its body is Pundit's
    /// denial of one action, which Chatwoot also answers with 401.
    pub fn from_response(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        let message: String = sanitize_line(&ErrorBody::text(body))
            .chars()
            .take(200)
            .collect();
        match status {
            401 if message.contains("not authorized to do this action") => {
                ChatwootError::Denied { message }
            }
            // Devise's answer to a request with no token at all (§7.1): ours was sent, so
            // something between us and Chatwoot removed it.
            401 if body.contains("\"errors\"") => ChatwootError::Credentials {
                message: format!(
                    "{message} (the access token did not reach Chatwoot: a proxy in between may drop it)"
                ),
            },
            401 => ChatwootError::Credentials { message },
            404 => ChatwootError::NotFound { message },
            408 => ChatwootError::Timeout,
            429 => ChatwootError::RateLimited {
                retry_after: retry_after
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
                message,
            },
            500..=599 => ChatwootError::Server { status, message },
            _ => ChatwootError::Refused { status, message },
        }
    }

    /// Whether the failure concerns one conversation or message rather than the account.
    pub fn is_per_item(&self) -> bool {
        matches!(
            self,
            ChatwootError::Denied { .. }
                | ChatwootError::NotFound { .. }
                | ChatwootError::Refused { .. }
                | ChatwootError::Decode { .. }
                | ChatwootError::Unaddressable(_)
        )
    }
}

/// A cheap-to-clone client for one Chatwoot account, so command tasks can own one.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    /// `https://host`, without a trailing slash.
    origin: String,
    account: u64,
    token: String,
    policy: RetryPolicy,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("origin", &self.origin)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// Messages per `before` page (§4.1).
pub const MESSAGE_PAGE: usize = 20;
/// Messages per `after` page (§4.1).
pub const AFTER_PAGE: usize = 100;

impl RestClient {
    pub fn new(
        base_url: &str,
        account: u64,
        token: &str,
        timeout: Duration,
        max_retries: u32,
    ) -> Result<Self, ChatwootError> {
        let http = crate::providers::kit::http::client(Some(timeout), timeout)
            .map_err(|reason| ChatwootError::Unreachable { reason })?;
        Ok(Self {
            http,
            origin: base_url.trim_end_matches('/').to_string(),
            account,
            token: token.to_string(),
            policy: RetryPolicy {
                longest_wait_in_call: Some(IN_CALL_WAIT),
                ..RetryPolicy::with_retries(max_retries)
            },
        })
    }

    // ----- reads ---------------------------------------------------------------------------

    pub async fn profile(&self) -> Result<Profile, ChatwootError> {
        self.get("/api/v1/profile", &[]).await
    }

    pub async fn inboxes(&self) -> Result<Vec<Inbox>, ChatwootError> {
        let page: Payload<Vec<Value>> = self.get(&self.path("/inboxes"), &[]).await?;
        Ok(items(page.payload, "inbox"))
    }

    pub async fn agents(&self) -> Result<Vec<User>, ChatwootError> {
        let list: Vec<Value> = self.get(&self.path("/agents"), &[]).await?;
        Ok(items(list, "agent"))
    }

    pub async fn teams(&self) -> Result<Vec<Team>, ChatwootError> {
        let list: Vec<Value> = self.get(&self.path("/teams"), &[]).await?;
        Ok(items(list, "team"))
    }

    pub async fn labels(&self) -> Result<Vec<Label>, ChatwootError> {
        let page: Payload<Vec<Value>> = self.get(&self.path("/labels"), &[]).await?;
        Ok(items(page.payload, "label"))
    }

    pub async fn canned_responses(&self) -> Result<Vec<Canned>, ChatwootError> {
        let list: Vec<Value> = self.get(&self.path("/canned_responses"), &[]).await?;
        Ok(items(list, "canned response"))
    }

    /// One page (1-based) of conversations with `status` (`open`, `pending`, `snoozed`,
    /// `resolved`, `all`) and `assignee_type` (`all`, `me`, `unassigned`, `assigned`).
    /// Returns the conversations read and how many items the page held.
    pub async fn conversations(
        &self,
        status: &str,
        assignee_type: &str,
        inbox: Option<u64>,
        page: u32,
    ) -> Result<(Vec<Conversation>, usize), ChatwootError> {
        let mut query = vec![
            ("status", status.to_string()),
            ("assignee_type", assignee_type.to_string()),
            ("page", page.to_string()),
        ];
        if let Some(inbox) = inbox {
            query.push(("inbox_id", inbox.to_string()));
        }
        let list: ConversationList = self.get(&self.path("/conversations"), &query).await?;
        let held = list.data.payload.len();
        Ok((items(list.data.payload, "conversation"), held))
    }

    /// Every conversation (any status) changed in the last `seconds`: no paging (§3.1), what
    /// the web client asks after a reconnect (§6.8).
    pub async fn conversations_updated_within(
        &self,
        seconds: u64,
        assignee_type: &str,
        inbox: Option<u64>,
    ) -> Result<Vec<Conversation>, ChatwootError> {
        let mut query = vec![
            ("status", "all".to_string()),
            ("assignee_type", assignee_type.to_string()),
            ("updated_within", seconds.to_string()),
        ];
        if let Some(inbox) = inbox {
            query.push(("inbox_id", inbox.to_string()));
        }
        let list: ConversationList = self.get(&self.path("/conversations"), &query).await?;
        Ok(items(list.data.payload, "conversation"))
    }

    pub async fn conversation(&self, id: u64) -> Result<Conversation, ChatwootError> {
        self.get(&self.conversation_path(id, ""), &[]).await
    }

    /// Messages of a conversation, ascending (§4.1): the latest 20, the 20 `before` an id, or
    /// up to 100 `after` one.
    pub async fn messages(
        &self,
        conversation: u64,
        before: Option<u64>,
        after: Option<u64>,
    ) -> Result<(Vec<Message>, usize), ChatwootError> {
        let mut query = Vec::new();
        if let Some(before) = before {
            query.push(("before", before.to_string()));
        }
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        let page: Payload<Vec<Value>> = self
            .get(&self.conversation_path(conversation, "/messages"), &query)
            .await?;
        let held = page.payload.len();
        Ok((items(page.payload, "message"), held))
    }

    pub async fn search_contacts(&self, query: &str) -> Result<Vec<Contact>, ChatwootError> {
        // A blank `q` is undefined on the server (§5.1): list the first page instead.
        let page: Payload<Vec<Value>> = if query.trim().is_empty() {
            self.get(&self.path("/contacts"), &[]).await?
        } else {
            let query = [("q", query.trim().to_string())];
            self.get(&self.path("/contacts/search"), &query).await?
        };
        Ok(items(page.payload, "contact"))
    }

    // ----- writes --------------------------------------------------------------------------

    /// A reply or (with `private`) a note, carrying `echo_id` so the broadcast and the answer
    /// both name our local copy (§4.2). Retried only on a rate limit: a timeout may hide a
    /// message that was created.
    pub async fn send(
        &self,
        conversation: u64,
        content: &str,
        private: bool,
        echo_id: &str,
    ) -> Result<Message, ChatwootError> {
        let body = json!({
            "content": content,
            "message_type": "outgoing",
            "private": private,
            "echo_id": echo_id,
        });
        let path = self.conversation_path(conversation, "/messages");
        let text = self
            .call(
                &self.policy.for_sends(),
                Method::POST,
                &path,
                &[],
                Some(&body),
            )
            .await?;
        decode(&text)
    }

    /// `toggle_status` (§3.7); a snooze's end goes as epoch seconds.
    pub async fn set_status(
        &self,
        conversation: u64,
        status: &str,
        snoozed_until: Option<i64>,
    ) -> Result<StatusAnswer, ChatwootError> {
        let mut body = json!({ "status": status });
        if let Some(until) = snoozed_until {
            body["snoozed_until"] = Value::from(until);
        }
        self.post(
            &self.conversation_path(conversation, "/toggle_status"),
            &body,
        )
        .await
    }

    /// `toggle_priority` (§3.8): `None` clears it (`null`, never `"none"`).
    pub async fn set_priority(
        &self,
        conversation: u64,
        priority: Option<&str>,
    ) -> Result<(), ChatwootError> {
        let body = json!({ "priority": priority });
        self.post_empty(
            &self.conversation_path(conversation, "/toggle_priority"),
            &body,
        )
        .await
    }

    pub async fn typing(
        &self,
        conversation: u64,
        on: bool,
        private: bool,
    ) -> Result<(), ChatwootError> {
        let body = json!({ "typing_status": if on { "on" } else { "off" }, "is_private": private });
        let path = self.conversation_path(conversation, "/toggle_typing_status");
        // Typing is worth nothing late: one attempt.
        self.call(
            &RetryPolicy::with_retries(0),
            Method::POST,
            &path,
            &[],
            Some(&body),
        )
        .await
        .map(|_| ())
    }

    pub async fn mark_read(&self, conversation: u64) -> Result<(), ChatwootError> {
        let path = self.conversation_path(conversation, "/update_last_seen");
        self.post_empty(&path, &json!({})).await
    }

    pub async fn mark_unread(&self, conversation: u64) -> Result<(), ChatwootError> {
        let path = self.conversation_path(conversation, "/unread");
        self.post_empty(&path, &json!({})).await
    }

    /// Assigns an agent (`None`: nobody) (§3.11).
    pub async fn assign_agent(
        &self,
        conversation: u64,
        agent: Option<u64>,
    ) -> Result<(), ChatwootError> {
        let body = json!({ "assignee_id": agent });
        self.post_empty(&self.conversation_path(conversation, "/assignments"), &body)
            .await
    }

    /// Sets the team (`None`: none); `assignee_id` must be absent for `team_id` to be read.
    pub async fn assign_team(
        &self,
        conversation: u64,
        team: Option<u64>,
    ) -> Result<(), ChatwootError> {
        let body = json!({ "team_id": team });
        self.post_empty(&self.conversation_path(conversation, "/assignments"), &body)
            .await
    }

    /// Replaces the whole label set (§3.12); the answer is the set the server keeps.
    pub async fn set_labels(
        &self,
        conversation: u64,
        labels: &[String],
    ) -> Result<Vec<String>, ChatwootError> {
        let body = json!({ "labels": labels });
        let answer: Payload<Vec<String>> = self
            .post(&self.conversation_path(conversation, "/labels"), &body)
            .await?;
        Ok(answer.payload)
    }

    /// A new conversation with a contact in an inbox (§3.6). An inbox locked to one
    /// conversation per contact answers with the existing one.
    pub async fn start_conversation(
        &self,
        inbox: u64,
        contact: u64,
    ) -> Result<Conversation, ChatwootError> {
        let body = json!({ "inbox_id": inbox, "contact_id": contact });
        // Not retried after a timeout: a second one would be a second conversation.
        let text = self
            .call(
                &self.policy.for_sends(),
                Method::POST,
                &self.path("/conversations"),
                &[],
                Some(&body),
            )
            .await?;
        decode(&text)
    }

    /// Soft delete (§4.3): the answer is the message as it now reads.
    pub async fn delete_message(
        &self,
        conversation: u64,
        message: u64,
    ) -> Result<Message, ChatwootError> {
        let path = self.conversation_path(conversation, &format!("/messages/{message}"));
        let text = self
            .call(&self.policy, Method::DELETE, &path, &[], None)
            .await?;
        decode(&text)
    }

    // ----- transport -----------------------------------------------------------------------

    fn path(&self, rest: &str) -> String {
        format!("/api/v1/accounts/{}{rest}", self.account)
    }

    /// Ids are numbers, so they need no encoding.
    fn conversation_path(&self, id: u64, rest: &str) -> String {
        self.path(&format!("/conversations/{id}{rest}"))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ChatwootError> {
        let text = self
            .call(&self.policy, Method::GET, path, query, None)
            .await?;
        decode(&text)
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, ChatwootError> {
        let text = self
            .call(&self.policy, Method::POST, path, &[], Some(body))
            .await?;
        decode(&text)
    }

    /// A POST whose answer (often an empty 200) is not needed.
    async fn post_empty(&self, path: &str, body: &Value) -> Result<(), ChatwootError> {
        self.call(&self.policy, Method::POST, path, &[], Some(body))
            .await
            .map(|_| ())
    }

    async fn call(
        &self,
        policy: &RetryPolicy,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<String, ChatwootError> {
        let what = format!("chatwoot {method} {path}");
        policy
            .run(&what, &StaticCredential, |()| {
                self.attempt(method.clone(), path, query, body)
            })
            .await
    }

    async fn attempt(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<String, ChatwootError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.origin))
            .header("Accept", "application/json")
            // The hyphenated spelling: Rack reads it as the same `HTTP_API_ACCESS_TOKEN` that
            // Chatwoot checks (§2.1), and proxies pass it, where nginx drops `api_access_token`
            // (underscores) unless told otherwise.
            .header("Api-Access-Token", &self.token);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|err| transport(&err))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let text = read_body(response).await?;
        if status.is_success() {
            return Ok(text);
        }
        Err(ChatwootError::from_response(
            status.as_u16(),
            &text,
            retry_after.as_deref(),
        ))
    }
}

/// Reads each item of a listing on its own: one the provider cannot read is logged and left
/// out, the rest of the page stands.
fn items<T: DeserializeOwned>(values: Vec<Value>, what: &str) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|value| match serde_json::from_value(value) {
            Ok(item) => Some(item),
            Err(err) => {
                tracing::warn!("chatwoot: skipped an unreadable {what}: {err}");
                None
            }
        })
        .collect()
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ChatwootError> {
    let text = if text.trim().is_empty() { "null" } else { text };
    let text = crate::providers::kit::http::repair_lone_surrogates(text);
    serde_json::from_str(&text).map_err(|err| ChatwootError::Decode {
        reason: sanitize_line(&err.to_string()),
    })
}

async fn read_body(response: reqwest::Response) -> Result<String, ChatwootError> {
    read_limited(response, MAX_BODY_BYTES)
        .await
        .map_err(|err| match err {
            BodyError::TooLarge { limit_mib } => ChatwootError::Decode {
                reason: format!("answer larger than {limit_mib} MiB"),
            },
            BodyError::Transport(err) => transport(&err),
        })
}

fn transport(err: &reqwest::Error) -> ChatwootError {
    if err.is_timeout() {
        ChatwootError::Timeout
    } else {
        ChatwootError::Unreachable {
            reason: root_cause(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_is_the_token_unless_it_is_a_denied_action() {
        let refused =
            ChatwootError::from_response(401, r#"{"error":"Invalid Access Token"}"#, None);
        assert!(refused.is_auth(), "{refused:?}");
        let denied = ChatwootError::from_response(
            401,
            r#"{"error":"You are not authorized to do this action"}"#,
            None,
        );
        assert!(!denied.is_auth() && denied.is_per_item(), "{denied:?}");
        assert_eq!(
            ChatwootError::from_response(
                422,
                r#"{"error":"Incoming messages are only allowed in Api inboxes"}"#,
                None
            )
            .to_string(),
            "refused (422): Incoming messages are only allowed in Api inboxes"
        );
        assert!(matches!(
            ChatwootError::from_response(429, "Retry later\n", None),
            ChatwootError::RateLimited { retry_after: None, ref message } if message == "Retry later"
        ));
        assert!(ChatwootError::from_response(503, "", None).is_retryable());
    }
}
