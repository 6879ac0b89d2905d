//! What is sent: the request body of `POST /v1/chat/completions` for one [`Request`]. Only the
//! messages the reducer put in the request leave the machine; with `send_identities` off the
//! contact's name and address are replaced by "[customer]", in the header and in the text.
//!
//! Messages are numbered `[1]`, `[2]`, … rather than shown with the platform's ids: models
//! copy short numbers back reliably and long UUIDs not. [`super::answer`] maps them back.

use serde_json::{Value, json};
use time::format_description::FormatItem;
use time::macros::format_description;

use super::{Request, Task};
use crate::model::{Direction, Message};

/// The assistant's role, unless `[assist] system_prompt` replaces it.
pub const DEFAULT_PERSONA: &str = "You help a customer support agent with one conversation \
between a customer and the support team. Be accurate and brief, and never invent facts, \
names, numbers, dates or amounts that the conversation does not contain.";

const SUMMARY: &str = "Summarise the conversation for an agent taking it over, in at most four \
short sentences: what the customer wants, what was done or promised, and what is still open. \
Plain text, no list, no preamble.";

const REPLY: &str = "Write the agent's next message to the customer, in the customer's \
language, friendly and brief. Where something must be checked first, say the agent will check \
it. Output only the message itself.";

const INSIGHTS: &str = "Extract from the conversation, as one JSON object: \
`questions` (text; asked_by \"customer\" or \"agent\"; message: the [number] it was asked in; \
answered: true or false), `action_items` (something someone must do: task in a few words; \
owner \"customer\" or \"agent\"; due as said, or null; message; done: true or false), \
`follow_ups` (a promise to contact the other side again, same fields) and `entities` (kind: \
one of date, money, reference, email, phone, url, other; text as written; message). Use only \
message numbers shown. Output only the JSON object.";

/// What a request may carry and how the model is asked.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptSettings {
    pub model: String,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Whether the contact's name and address are sent.
    pub send_identities: bool,
    /// Replaces [`DEFAULT_PERSONA`].
    pub system_prompt: Option<String>,
}

/// The JSON body of the request. `structured`: ask for the insights' JSON schema by
/// `response_format` (servers without it are asked again without, see `client`).
pub fn body(settings: &PromptSettings, request: &Request, structured: bool) -> Value {
    let persona = settings.system_prompt.as_deref().unwrap_or(DEFAULT_PERSONA);
    let instruction = match request.task {
        Task::Summary => SUMMARY,
        Task::Reply => REPLY,
        Task::Insights => INSIGHTS,
    };
    let mut body = json!({
        "model": settings.model,
        "messages": [
            { "role": "system", "content": format!("{persona}\n\n{instruction}") },
            { "role": "user", "content": transcript(settings, request) },
        ],
        "stream": true,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    });
    if structured && request.task == Task::Insights {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": { "name": "insights", "strict": true, "schema": insights_schema() },
        });
    }
    body
}

/// The conversation as the model reads it: a header, then one numbered line per message.
pub fn transcript(settings: &PromptSettings, request: &Request) -> String {
    let contact = &request.contact;
    let hide = |text: &str| -> String {
        if settings.send_identities {
            return text.to_string();
        }
        let mut text = text.to_string();
        for secret in [contact.identity.as_str(), contact.name.as_str()] {
            if secret.trim().chars().count() >= 3 {
                text = text.replace(secret, "[customer]");
            }
        }
        text
    };
    let who = if settings.send_identities {
        format!("{} ({})", contact.name, contact.identity)
    } else {
        "[customer] (name and address withheld)".to_string()
    };
    let mut out = format!(
        "Channel: {}. Customer: {who}.\nMessages, oldest first:\n",
        request.channel.label()
    );
    for (index, message) in request.messages.iter().enumerate() {
        out.push_str(&line(index + 1, message, &hide, settings.send_identities));
        out.push('\n');
    }
    out
}

const TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

fn line(number: usize, message: &Message, hide: &dyn Fn(&str) -> String, names: bool) -> String {
    let side = match message.direction {
        Direction::Inbound => "customer",
        Direction::Outbound => "agent",
    };
    let at = message
        .at
        .to_offset(time::UtcOffset::UTC)
        .format(TIME)
        .unwrap_or_default();
    let sender = if names {
        format!(" ({})", message.sender)
    } else {
        String::new()
    };
    // Continuation lines are indented so a message cannot pass for the next one.
    let text = hide(&message.content.preview()).replace('\n', "\n    ");
    format!("[{number}] {at} {side}{sender}: {text}")
}

/// The shape of the insights answer (strict mode: every field required, nullable by type).
pub fn insights_schema() -> Value {
    let side = json!({ "type": "string", "enum": ["customer", "agent"] });
    let item = json!({
        "type": "object",
        "properties": {
            "task": { "type": "string" },
            "owner": side,
            "due": { "type": ["string", "null"] },
            "message": { "type": "integer" },
            "done": { "type": "boolean" },
        },
        "required": ["task", "owner", "due", "message", "done"],
        "additionalProperties": false,
    });
    json!({
        "type": "object",
        "properties": {
            "questions": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "text": { "type": "string" },
                    "asked_by": side,
                    "message": { "type": "integer" },
                    "answered": { "type": "boolean" },
                },
                "required": ["text", "asked_by", "message", "answered"],
                "additionalProperties": false,
            }},
            "action_items": { "type": "array", "items": item },
            "follow_ups": { "type": "array", "items": item },
            "entities": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "kind": { "type": "string", "enum": ["date", "money", "reference", "email", "phone", "url", "other"] },
                    "text": { "type": "string" },
                    "message": { "type": "integer" },
                },
                "required": ["kind", "text", "message"],
                "additionalProperties": false,
            }},
        },
        "required": ["questions", "action_items", "follow_ups", "entities"],
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::model::{
        AccountId, Channel, Contact, Content, ConversationKey, DeliveryStatus, Message,
    };

    fn request(task: Task) -> Request {
        let message = |id: &str, direction, text: &str| Message {
            id: id.into(),
            client_id: None,
            direction,
            sender: if direction == Direction::Inbound {
                "Ana Lima".into()
            } else {
                "You".into()
            },
            content: Content::Text(text.into()),
            at: datetime!(2026-03-02 09:12 UTC),
            status: DeliveryStatus::Delivered,
            failure: None,
        };
        Request {
            id: 1,
            conversation: ConversationKey::new(&AccountId::new("hub"), "c1"),
            task,
            channel: Channel::WhatsApp,
            contact: Contact {
                id: "k1".into(),
                name: "Ana Lima".into(),
                identity: "+5511999990000".into(),
            },
            messages: vec![
                message(
                    "uuid-a",
                    Direction::Inbound,
                    "Hi, Ana Lima here, +5511999990000.\nWhere is #A1?",
                ),
                message("uuid-b", Direction::Outbound, "Checking now."),
            ],
        }
    }

    fn settings(send_identities: bool) -> PromptSettings {
        PromptSettings {
            model: "m".into(),
            max_tokens: 300,
            temperature: 0.2,
            send_identities,
            system_prompt: None,
        }
    }

    #[test]
    fn messages_are_numbered_and_continuations_indented() {
        let text = transcript(&settings(true), &request(Task::Summary));
        assert!(text.contains("[1] 2026-03-02 09:12 UTC customer (Ana Lima): Hi, Ana Lima here"));
        assert!(text.contains("\n    Where is #A1?"));
        assert!(text.contains("[2] 2026-03-02 09:12 UTC agent (You): Checking now."));
        assert!(!text.contains("uuid-a"));
    }

    #[test]
    fn identities_withheld_leave_no_trace() {
        let body = body(&settings(false), &request(Task::Reply), true).to_string();
        assert!(!body.contains("Ana Lima"), "{body}");
        assert!(!body.contains("5511999990000"), "{body}");
        assert!(body.contains("[customer]"));
    }

    #[test]
    fn only_insights_ask_for_the_schema_and_every_request_streams() {
        let insights = body(&settings(true), &request(Task::Insights), true);
        assert_eq!(insights["response_format"]["type"], "json_schema");
        assert_eq!(insights["stream"], true);
        assert!(
            body(&settings(true), &request(Task::Insights), false)["response_format"].is_null()
        );
        assert!(body(&settings(true), &request(Task::Summary), true)["response_format"].is_null());
    }

    #[test]
    fn a_system_prompt_override_replaces_the_persona_not_the_task() {
        let mut settings = settings(true);
        settings.system_prompt = Some("Talk like a pirate.".into());
        let body = body(&settings, &request(Task::Summary), true);
        let system = body["messages"][0]["content"].as_str().unwrap_or_default();
        assert!(system.starts_with("Talk like a pirate."));
        assert!(system.contains("Summarise"));
    }
}
