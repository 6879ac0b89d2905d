//! Every answer of the embedded hub checked against the Linktor Python SDK's response models:
//! the fields they require (null refused) and the enums they accept. The tables below are those
//! of `sdks/python/linktor/types/{common,conversation,contact}.py` in the Linktor repository
//! (written down in `../shared/protocols.md`, "What the SDK's models require"). A hub answer the
//! SDK would refuse fails here, naming the endpoint and the field.

use serde_json::{Value, json};
use switchboard::hub::{self, HubConfig, HubHandle};

const KEY: &str = "contract-key";

const CHANNEL_TYPES: &[&str] = &[
    "whatsapp",
    "telegram",
    "facebook",
    "instagram",
    "webchat",
    "sms",
    "email",
    "rcs",
];
const CONVERSATION_STATUSES: &[&str] = &["open", "pending", "resolved", "snoozed"];
const DIRECTIONS: &[&str] = &["inbound", "outbound"];
const MESSAGE_STATUSES: &[&str] = &["pending", "sent", "delivered", "read", "failed"];
const CONTENT_TYPES: &[&str] = &[
    "text", "image", "video", "audio", "document", "location", "contact", "sticker",
];
const SENDER_TYPES: &[&str] = &["contact", "agent", "bot", "system"];

/// What one field of a model must be.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Bool,
    Time,
    Object,
    Enum(&'static [&'static str]),
    Model(&'static [Field]),
    ListOf(&'static [Field]),
    OptStr,
    OptTime,
    OptObject,
    OptStrList,
    OptModel(&'static [Field]),
}

type Field = (&'static str, Kind);

const PAGINATION: &[Field] = &[
    ("total", Kind::Int),
    ("limit", Kind::Int),
    ("offset", Kind::Int),
    ("hasMore", Kind::Bool),
    ("nextCursor", Kind::OptStr),
];

const MESSAGE: &[Field] = &[
    ("id", Kind::Str),
    ("conversationId", Kind::Str),
    ("direction", Kind::Enum(DIRECTIONS)),
    ("contentType", Kind::Enum(CONTENT_TYPES)),
    ("content", Kind::Object),
    ("status", Kind::Enum(MESSAGE_STATUSES)),
    ("externalId", Kind::OptStr),
    ("senderId", Kind::OptStr),
    ("senderType", Kind::Enum(SENDER_TYPES)),
    ("deliveredAt", Kind::OptTime),
    ("readAt", Kind::OptTime),
    ("failedReason", Kind::OptStr),
    ("metadata", Kind::OptObject),
    ("createdAt", Kind::Time),
    ("updatedAt", Kind::Time),
];

const CONVERSATION: &[Field] = &[
    ("id", Kind::Str),
    ("tenantId", Kind::Str),
    ("channelId", Kind::Str),
    ("channelType", Kind::Enum(CHANNEL_TYPES)),
    ("contactId", Kind::Str),
    ("status", Kind::Enum(CONVERSATION_STATUSES)),
    ("assignedTo", Kind::OptStr),
    ("assignedAt", Kind::OptTime),
    ("lastMessage", Kind::OptModel(MESSAGE)),
    ("lastMessageAt", Kind::OptTime),
    ("unreadCount", Kind::Int),
    ("metadata", Kind::OptObject),
    ("tags", Kind::OptStrList),
    ("createdAt", Kind::Time),
    ("updatedAt", Kind::Time),
];

const IDENTIFIER: &[Field] = &[
    ("channelType", Kind::Enum(CHANNEL_TYPES)),
    ("channelId", Kind::Str),
    ("identifier", Kind::Str),
    ("displayName", Kind::OptStr),
    ("metadata", Kind::OptObject),
];

const CONTACT: &[Field] = &[
    ("id", Kind::Str),
    ("tenantId", Kind::Str),
    ("externalId", Kind::OptStr),
    ("name", Kind::Str),
    ("email", Kind::OptStr),
    ("phone", Kind::OptStr),
    ("identifiers", Kind::ListOf(IDENTIFIER)),
    ("customFields", Kind::OptObject),
    ("tags", Kind::OptStrList),
    ("metadata", Kind::OptObject),
    ("conversationCount", Kind::Int),
    ("createdAt", Kind::Time),
    ("updatedAt", Kind::Time),
];

fn is_time(value: &Value) -> bool {
    match value {
        Value::String(text) => switchboard::providers::linktor::wire::parse_time(text).is_some(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// Every way `value` fails the model, as `path: why`.
fn problems(path: &str, model: &[Field], value: &Value) -> Vec<String> {
    let Some(object) = value.as_object() else {
        return vec![format!("{path}: not an object")];
    };
    let mut found = Vec::new();
    for (name, kind) in model {
        let at = format!("{path}.{name}");
        let field = object.get(*name).unwrap_or(&Value::Null);
        let ok = match kind {
            Kind::Str => field.is_string(),
            Kind::Int => field.is_u64() || field.is_i64(),
            Kind::Bool => field.is_boolean(),
            Kind::Time => is_time(field),
            Kind::Object => field.is_object(),
            Kind::Enum(allowed) => field.as_str().is_some_and(|v| allowed.contains(&v)),
            Kind::Model(inner) => {
                found.extend(problems(&at, inner, field));
                true
            }
            Kind::ListOf(inner) => match field.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        found.extend(problems(&format!("{at}[{i}]"), inner, item));
                    }
                    true
                }
                None => false,
            },
            Kind::OptStr => field.is_null() || field.is_string(),
            Kind::OptTime => field.is_null() || is_time(field),
            Kind::OptObject => field.is_null() || field.is_object(),
            Kind::OptStrList => {
                field.is_null()
                    || field
                        .as_array()
                        .is_some_and(|items| items.iter().all(Value::is_string))
            }
            Kind::OptModel(inner) => {
                if !field.is_null() {
                    found.extend(problems(&at, inner, field));
                }
                true
            }
        };
        if !ok {
            found.push(format!("{at}: {field} is not what the SDK accepts"));
        }
    }
    found
}

fn page_problems(path: &str, item: &'static [Field], value: &Value) -> Vec<String> {
    let envelope: &[Field] = &[("pagination", Kind::Model(PAGINATION))];
    let mut found = problems(path, envelope, value);
    match value.get("data").and_then(Value::as_array) {
        Some(items) => {
            for (i, one) in items.iter().enumerate() {
                found.extend(problems(&format!("{path}.data[{i}]"), item, one));
            }
        }
        None => found.push(format!("{path}.data: not a list")),
    }
    found
}

async fn start() -> HubHandle {
    hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: KEY.into(),
        demo: None,
    })
    .await
    .expect("hub starts")
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("X-API-Key", KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }
}

#[tokio::test]
async fn every_hub_answer_is_valid_for_the_linktor_sdk_models() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hub = start().await;
    let client = Client {
        http: reqwest::Client::new(),
        base: hub.base_url(),
    };
    use reqwest::Method;
    let mut found = Vec::new();

    // A channel the SDK knows, one it lacks, and a customer who never gave a name.
    let mut conversations = Vec::new();
    for (channel, from, name) in [
        ("whatsapp", "+15550001", json!("Ada")),
        ("viber", "+15550002", json!("Ben")),
        ("sms", "+15550003", Value::Null),
    ] {
        let body = client
            .call(
                Method::POST,
                "/simulate/inbound",
                Some(json!({"channelType":channel,"from":from,"name":name,"text":"hello"})),
            )
            .await;
        conversations.push(body["conversationId"].as_str().expect("id").to_string());
    }

    let list = client.call(Method::GET, "/conversations", None).await;
    found.extend(page_problems("conversations.list", CONVERSATION, &list));
    for id in &conversations {
        let one = client
            .call(Method::GET, &format!("/conversations/{id}"), None)
            .await;
        found.extend(problems("conversations.get", CONVERSATION, &one));
        let sent = client
            .call(
                Method::POST,
                &format!("/conversations/{id}/messages"),
                Some(json!({"text":"on it"})),
            )
            .await;
        found.extend(problems("conversations.send_text", MESSAGE, &sent));
        let messages = client
            .call(Method::GET, &format!("/conversations/{id}/messages"), None)
            .await;
        found.extend(page_problems(
            "conversations.list_messages",
            MESSAGE,
            &messages,
        ));
        let resolved = client
            .call(
                Method::PATCH,
                &format!("/conversations/{id}"),
                Some(json!({"status":"resolved"})),
            )
            .await;
        found.extend(problems("conversations.resolve", CONVERSATION, &resolved));
        assert_eq!(resolved["status"], "resolved");
    }

    let contacts = client.call(Method::GET, "/contacts", None).await;
    found.extend(page_problems("contacts.list", CONTACT, &contacts));
    let searched = client.call(Method::GET, "/contacts?search=ben", None).await;
    found.extend(page_problems("contacts.search", CONTACT, &searched));
    assert_eq!(searched["data"].as_array().map(Vec::len), Some(1));
    for contact in contacts["data"].as_array().expect("contacts") {
        let id = contact["id"].as_str().expect("id");
        let one = client
            .call(Method::GET, &format!("/contacts/{id}"), None)
            .await;
        found.extend(problems("contacts.get", CONTACT, &one));
    }
    let created = client
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"name":"Cleo","identifiers":[{"channelType":"line","identifier":"U123"}]})),
        )
        .await;
    found.extend(problems("contacts.create", CONTACT, &created));
    // The SDK's own input type lets a contact be created by name and phone alone.
    let by_phone = client
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"name":"Dee","phone":"+15550009"})),
        )
        .await;
    found.extend(problems("contacts.create (phone)", CONTACT, &by_phone));
    assert_eq!(by_phone["identifiers"][0]["identifier"], "+15550009");
    let filtered = client
        .call(Method::GET, "/conversations?channelType=webchat", None)
        .await;
    found.extend(page_problems(
        "conversations.list (webchat)",
        CONVERSATION,
        &filtered,
    ));
    assert!(
        filtered["data"]
            .as_array()
            .is_some_and(|items| items.iter().any(|c| c["metadata"]["platform"] == "viber")),
        "filtering by the SDK type finds the Viber conversation it is labelled as: {filtered}"
    );
    let started = client
        .call(
            Method::POST,
            "/conversations",
            Some(json!({"contactId": created["id"], "channelType": "line"})),
        )
        .await;
    found.extend(problems("conversations.create", CONVERSATION, &started));

    assert!(
        found.is_empty(),
        "answers the SDK refuses:\n{}",
        found.join("\n")
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn a_channel_the_sdk_lacks_keeps_its_name_for_switchboard() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hub = start().await;
    let client = Client {
        http: reqwest::Client::new(),
        base: hub.base_url(),
    };
    let body = client
        .call(
            reqwest::Method::POST,
            "/simulate/inbound",
            Some(json!({"channelType":"viber","from":"+1555","name":"Ben","text":"hi"})),
        )
        .await;
    let id = body["conversationId"].as_str().expect("id");
    let raw = client
        .call(reqwest::Method::GET, &format!("/conversations/{id}"), None)
        .await;
    assert_eq!(raw["channelType"], "webchat", "an SDK channel type");
    assert_eq!(
        raw["metadata"]["platform"], "viber",
        "the documented extension"
    );
    let wire: switchboard::providers::linktor::wire::WireConversation =
        serde_json::from_value(raw).expect("our provider reads it");
    assert_eq!(wire.platform(), "viber");
    hub.shutdown().await;
}
