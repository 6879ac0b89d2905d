//! The reproducible demo's assistant: answers made from the conversation itself, streamed in
//! small pieces on the (virtual) clock like a real model's, so screenshots and the tour show
//! the feature without a server and give the same frames on every run. Its answers are
//! labelled "demo" wherever they show.

use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::{Request, Task, Update, UpdateKind};
use crate::model::{Direction, Message};
use crate::text::clip_chars;

/// The model name the demo's answers are shown under.
pub const MODEL: &str = "demo";
/// Messages per request, as `[assist] max_messages` defaults to.
pub const MAX_MESSAGES: usize = 40;
/// Characters per streamed piece, and the pause between pieces.
const PIECE: usize = 12;
const PACE: Duration = Duration::from_millis(40);

#[derive(Clone, Debug, Default)]
pub struct DemoAssistant;

impl DemoAssistant {
    pub async fn run(&self, request: Request, out: &mpsc::Sender<Update>) {
        let answer = match request.task {
            Task::Summary => summary(&request),
            Task::Reply => reply(&request),
            Task::Insights => insights(&request),
        };
        let chars: Vec<char> = answer.chars().collect();
        for piece in chars.chunks(PIECE) {
            tokio::time::sleep(PACE).await;
            send(out, &request, UpdateKind::Delta(piece.iter().collect())).await;
        }
        send(out, &request, UpdateKind::Done).await;
    }
}

async fn send(out: &mpsc::Sender<Update>, request: &Request, kind: UpdateKind) {
    let _ = out
        .send(Update {
            id: request.id,
            conversation: request.conversation.clone(),
            kind,
        })
        .await;
}

fn first_name(request: &Request) -> &str {
    request
        .contact
        .name
        .split_whitespace()
        .next()
        .unwrap_or("there")
}

fn last_from(request: &Request, direction: Direction) -> Option<&Message> {
    request
        .messages
        .iter()
        .rev()
        .find(|m| m.direction == direction)
}

fn summary(request: &Request) -> String {
    let customer = request
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound);
    let agent = request.messages.len() - customer.clone().count();
    let name = &request.contact.name;
    let mut text = match last_from(request, Direction::Inbound) {
        Some(last) => format!(
            "Latest from {name} on {}: \"{}\" ",
            request.channel.label(),
            clip_chars(&last.content.preview().replace('\n', " "), 90)
        ),
        None => format!("Only the team has written to {name} so far. "),
    };
    text.push_str(&format!(
        "{} customer and {agent} agent messages so far. ",
        customer.count()
    ));
    text.push_str(match request.messages.last().map(|m| m.direction) {
        Some(Direction::Inbound) => "The customer is waiting for an answer.",
        _ => "The agent wrote last; nothing is waiting on the team.",
    });
    text
}

fn reply(request: &Request) -> String {
    format!(
        "Hi {}, thanks for your patience! I'm looking into this now and will get back to you \
         within the hour.",
        first_name(request)
    )
}

fn insights(request: &Request) -> String {
    let mut questions = Vec::new();
    let mut entities = Vec::new();
    for (index, message) in request.messages.iter().enumerate() {
        let text = message.content.preview();
        let number = index + 1;
        if message.direction == Direction::Inbound
            && let Some(end) = text.find('?')
        {
            let start = text[..end].rfind(['.', '!']).map_or(0, |i| i + 1);
            questions.push(json!({
                "text": text[start..=end].trim(),
                "asked_by": "customer",
                "message": number,
                "answered": index + 1 < request.messages.len(),
            }));
        }
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '#');
            if word.starts_with('#') && word.len() > 2 {
                entities.push(json!({ "kind": "reference", "text": word, "message": number }));
            }
        }
    }
    let open = last_from(request, Direction::Inbound).map(|_| request.messages.len());
    let action_items: Vec<_> = open
        .into_iter()
        .map(|number| {
            json!({ "task": "answer the customer's latest message", "owner": "agent",
                    "due": "today", "message": number, "done": false })
        })
        .collect();
    json!({
        "questions": questions,
        "action_items": action_items,
        "follow_ups": [],
        "entities": entities,
    })
    .to_string()
}
