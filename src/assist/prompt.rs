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
use crate::model::{Content, Direction, Message};

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

/// Insights are JSON with a line per item: they get at least this many tokens, whatever
/// `max_tokens` says for prose.
pub const INSIGHTS_MIN_TOKENS: u32 = 2000;

/// What a request may carry and how the model is asked.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptSettings {
    pub model: String,
    pub max_tokens: u32,
    pub temperature: f64,
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
        "max_tokens": match request.task {
            Task::Insights => settings.max_tokens.max(INSIGHTS_MIN_TOKENS),
            Task::Summary | Task::Reply => settings.max_tokens,
        },
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
    let withheld = Withheld::of(contact);
    let hide = |text: &str| -> String {
        if settings.send_identities {
            text.to_string()
        } else {
            withheld.mask(text)
        }
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

/// What stands for the contact in text sent without identities: their name, each part of it,
/// and their address however it is written (a phone by its last digits, any case).
struct Withheld {
    words: Vec<String>,
    phone_digits: Option<String>,
}

/// Digits that identify a phone number written with other spacing or prefixes.
const PHONE_TAIL: usize = 7;

impl Withheld {
    fn of(contact: &crate::model::Contact) -> Self {
        let mut words: Vec<String> = [contact.name.as_str(), contact.identity.as_str()]
            .into_iter()
            .chain(contact.name.split_whitespace())
            .map(|w| w.trim().to_lowercase())
            .filter(|w| w.chars().count() >= 3)
            .collect();
        // Longest first, so "ana lima" goes before "ana".
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        words.dedup();
        let digits: String = contact
            .identity
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let phone_digits =
            (digits.len() >= PHONE_TAIL).then(|| digits[digits.len() - PHONE_TAIL..].to_string());
        Self {
            words,
            phone_digits,
        }
    }

    fn mask(&self, text: &str) -> String {
        let mut text = self.mask_phone(text);
        for word in &self.words {
            text = replace_ignoring_case(&text, word, "[customer]");
        }
        text
    }

    /// Runs of digits and phone punctuation whose digits end like the contact's number.
    fn mask_phone(&self, text: &str) -> String {
        let Some(tail) = &self.phone_digits else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            let digits: String = run.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= PHONE_TAIL && digits.ends_with(tail.as_str()) {
                // What follows the last digit (a space, a full stop) is not the number.
                let kept = run.len() - run.trim_end_matches(|c: char| !c.is_ascii_digit()).len();
                out.push_str("[customer]");
                out.push_str(&run[run.len() - kept..]);
            } else {
                out.push_str(run);
            }
            run.clear();
        };
        for c in text.chars() {
            if c.is_ascii_digit()
                || (!run.is_empty() && " -().".contains(c))
                || (run.is_empty() && c == '+')
            {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
        flush(&mut run, &mut out);
        out
    }
}

/// `text` with every case-insensitive occurrence of `lower` (already lower case) that stands
/// as a word of its own replaced ("Ana" goes, "Banana" stays).
fn replace_ignoring_case(text: &str, lower: &str, with: &str) -> String {
    let folded = text.to_lowercase();
    // Lower-casing may change byte lengths (rare scripts); then only exact matches are safe.
    if folded.len() != text.len() {
        return text.replace(lower, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    for (start, _) in folded.match_indices(lower) {
        let end = start + lower.len();
        if start < last
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
            || word(text[..start].chars().next_back())
            || word(text[end..].chars().next())
        {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(with);
        last = start + lower.len();
    }
    out.push_str(&text[last..]);
    out
}

const TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

fn line(number: usize, message: &Message, hide: &dyn Fn(&str) -> String, names: bool) -> String {
    let side = match message.direction {
        Direction::Inbound => "customer",
        Direction::Outbound => "agent",
        // The reducer never hands notes to the assistant; labelled all the same.
        Direction::Note => "agent's private note",
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
    let text = hide(&what_it_says(&message.content, names)).replace('\n', "\n    ");
    format!("[{number}] {at} {side}{sender}: {text}")
}

/// A message's content as text for the model: media by kind and caption (never its URL,
/// which may carry an access token), a location by its label (coordinates only with
/// identities: they say where the customer is).
fn what_it_says(content: &Content, identities: bool) -> String {
    match content {
        Content::Text(text) => text.clone(),
        Content::Media { kind, caption, .. } => match caption {
            Some(caption) => format!("[{kind}] {caption}"),
            None => format!("[{kind}]"),
        },
        Content::Location { label, .. } if !identities => match label {
            Some(label) => format!("[location] {label}"),
            None => "[location]".to_string(),
        },
        other => other.preview(),
    }
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
    fn identities_withheld_are_found_however_they_are_written() {
        let mut request = request(Task::Summary);
        request.messages[0].content = Content::Text(
            "ANA here (ana lima), call 11 99999-0000 or +55 (11) 99999 0000. Banana split.".into(),
        );
        let text = transcript(&settings(false), &request);
        assert!(!text.to_lowercase().contains("ana lima"), "{text}");
        assert!(!text.contains("99999"), "{text}");
        assert!(
            text.contains(
                "[customer] here ([customer]), call [customer] or [customer]. Banana split."
            ),
            "{text}"
        );
        // Media URLs and coordinates stay home.
        request.messages[0].content = Content::Media {
            kind: "image".into(),
            url: "https://cdn.example/p.jpg?token=s3cr3t".into(),
            caption: None,
        };
        request.messages[1].content = Content::Location {
            latitude: -23.5,
            longitude: -46.6,
            label: Some("Home".into()),
        };
        let text = transcript(&settings(false), &request);
        assert!(!text.contains("s3cr3t") && !text.contains("23.5"), "{text}");
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
