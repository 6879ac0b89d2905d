//! Symbl's answers onto the source-neutral insight model (`crate::insights`).
//!
//! Symbl keeps its own message ids (it may split a message into sentences), so every reference
//! is translated back to the id of the thread message it came from: a Symbl message is matched
//! to the first message we sent, from where the previous match left off, whose text contains
//! its text; an equal start time breaks ties. References that match nothing are dropped rather
//! than pointing the pane at a message that does not exist.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::conversation_api::ConversationResults;
use super::wire::{
    AsyncMessage, DurationPayload, FromPayload, InsightItem, Speaker, TextPayload, TrackerResult,
};
use crate::insights::{
    ActionItem, ActionKind, Analytics, Answer, ContactMode, ConversationInsights, Due, Entity,
    EntityKind, InsightSource, ItemState, Metric, Party, Question, Side, Topic, Tracker,
    TrackerHit,
};
use crate::model::{Content, DeliveryStatus, Message, Timestamp};
use crate::text::sanitize_line;

/// The name insights from Symbl carry as their source.
pub const SOURCE_NAME: &str = "symbl";

pub fn source() -> InsightSource {
    InsightSource::Remote(SOURCE_NAME.to_string())
}

/// A thread message as it was sent to Symbl.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    pub id: String,
    pub text: String,
    pub side: Side,
    pub sender: String,
    pub at: Timestamp,
}

impl SentMessage {
    /// Text messages that have reached the platform; local echoes (their id is about to change)
    /// and failed sends are left out, as is anything without text.
    pub fn from_message(message: &Message) -> Option<Self> {
        if matches!(
            message.status,
            DeliveryStatus::Pending | DeliveryStatus::Failed
        ) {
            return None;
        }
        let text = match &message.content {
            Content::Text(text) => text.clone(),
            Content::Media {
                caption: Some(caption),
                ..
            } => caption.clone(),
            _ => return None,
        };
        if text.trim().is_empty() {
            return None;
        }
        Some(Self {
            id: message.id.clone(),
            text,
            side: Side::from(message.direction),
            sender: message.sender.clone(),
            at: message.at,
        })
    }

    /// The async Text API shape: `from.userId` names the side, so Symbl's speakers read back
    /// as "customer" and "agent".
    pub fn to_wire(&self) -> AsyncMessage {
        let start = rfc3339(self.at);
        let end = rfc3339(self.at + time::Duration::seconds(1));
        AsyncMessage {
            payload: TextPayload {
                content: self.text.clone(),
                content_type: "text/plain".to_string(),
            },
            from: FromPayload {
                user_id: Some(format!("{}@switchboard.invalid", self.side.label())),
                name: Some(self.sender.clone()),
            },
            duration: Some(DurationPayload {
                start_time: start,
                end_time: end,
            }),
        }
    }
}

fn rfc3339(at: Timestamp) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn parse_time(text: &str) -> Option<Timestamp> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Symbl message id → thread message id.
#[derive(Clone, Debug, Default)]
pub struct MessageLinks {
    links: HashMap<String, String>,
    /// Where the next match is searched from (messages come back in order).
    cursor: usize,
}

impl MessageLinks {
    /// Links each Symbl message (id, text, start time) to one of `sent`.
    pub fn link<'a>(
        &mut self,
        sent: &[SentMessage],
        symbl: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    ) {
        for (symbl_id, text, start) in symbl {
            if self.links.contains_key(symbl_id) {
                continue;
            }
            let needle = normalise(text);
            if needle.is_empty() {
                continue;
            }
            let start = start.and_then(parse_time);
            let matches = |m: &SentMessage| contains_phrase(&normalise(&m.text), &needle);
            let at_time = sent
                .iter()
                .position(|m| start.is_some_and(|s| s == m.at) && matches(m));
            let found = at_time.or_else(|| {
                sent.iter()
                    .skip(self.cursor)
                    .position(matches)
                    .map(|i| i + self.cursor)
                    .or_else(|| sent.iter().position(matches))
            });
            if let Some(index) = found {
                self.cursor = index;
                self.links
                    .insert(symbl_id.to_string(), sent[index].id.clone());
            }
        }
    }

    pub fn get(&self, symbl_id: &str) -> Option<&str> {
        self.links.get(symbl_id).map(String::as_str)
    }

    /// Thread ids for a list of Symbl ids, in order, without repeats or unknowns.
    pub fn resolve<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            if let Some(ours) = self.get(id)
                && !out.iter().any(|o| o == ours)
            {
                out.push(ours.to_string());
            }
        }
        out
    }
}

/// Lower case, single spaces, no surrounding punctuation: how texts are compared.
fn normalise(text: &str) -> String {
    let folded: String = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    folded
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// Whether `needle` occurs in `haystack` as whole words ("hi" is not in "this").
fn contains_phrase(haystack: &str, needle: &str) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    haystack.match_indices(needle).any(|(at, _)| {
        boundary(haystack[..at].chars().next_back())
            && boundary(haystack[at + needle.len()..].chars().next())
    })
}

/// Untrusted text for the panes: one line, no escapes, bounded.
fn clean(text: &str) -> String {
    sanitize_line(text).trim().chars().take(300).collect()
}

/// Everything fetched after a job, as one set of insights.
pub fn conversation_insights(
    results: &ConversationResults,
    sent: &[SentMessage],
    links: &mut MessageLinks,
) -> ConversationInsights {
    links.link(
        sent,
        results
            .messages
            .iter()
            .map(|m| (m.id.as_str(), m.text.as_str(), m.start_time.as_deref())),
    );
    let sides: HashMap<&str, Side> = sent.iter().map(|m| (m.id.as_str(), m.side)).collect();
    let party = |speaker: Option<&Speaker>, messages: &[String]| Party {
        side: messages
            .first()
            .and_then(|id| sides.get(id.as_str()).copied()),
        name: speaker.and_then(|s| s.name.as_deref()).map(clean),
    };

    let questions = results
        .questions
        .iter()
        .map(|item| {
            let messages = links.resolve(item.message_ids.iter().map(String::as_str));
            Question {
                text: clean(&item.text),
                asked_by: party(item.from.as_ref(), &messages),
                messages,
                answer: Answer::Unknown,
            }
        })
        .collect();
    let action_items = results
        .action_items
        .iter()
        .map(|item| action_item(item, None, links, &party))
        .collect();
    let follow_ups = results
        .follow_ups
        .iter()
        .map(|item| action_item(item, Some(contact_mode(&item.text)), links, &party))
        .collect();

    let mut topics: Vec<Topic> = results
        .topics
        .iter()
        .map(|topic| Topic {
            text: clean(&topic.text),
            score: topic.score.unwrap_or(0.0) as f32,
            messages: links.resolve(topic.message_ids.iter().map(String::as_str)),
        })
        .collect();
    topics.sort_by(|a, b| b.score.total_cmp(&a.score));

    let entities = results
        .entities
        .iter()
        .map(|entity| {
            let text = entity
                .text
                .clone()
                .or_else(|| entity.value.as_ref().map(value_text))
                .unwrap_or_default();
            let value = entity
                .value
                .as_ref()
                .map(value_text)
                .unwrap_or_else(|| text.clone());
            Entity {
                kind: entity_kind(entity.kind.as_deref(), entity.custom_type.as_deref()),
                text: clean(&text),
                value: clean(&value).to_lowercase(),
                messages: links.resolve(entity.message_refs.iter().map(|r| r.id.as_str())),
            }
        })
        .collect();

    let trackers = results
        .trackers
        .iter()
        .map(|tracker| tracker_hits(tracker, links))
        .collect();

    ConversationInsights {
        source: source(),
        questions,
        action_items,
        follow_ups,
        topics,
        entities,
        trackers,
        analytics: analytics(results, sent),
        // Symbl's lists are short: counted when asked.
        open: None,
    }
}

fn action_item(
    item: &InsightItem,
    contact: Option<ContactMode>,
    links: &MessageLinks,
    party: &impl Fn(Option<&Speaker>, &[String]) -> Party,
) -> ActionItem {
    let messages = links.resolve(item.message_ids.iter().map(String::as_str));
    let from = party(item.from.as_ref(), &messages);
    let assignee = item
        .assignee
        .as_ref()
        .and_then(|a| a.name.as_deref())
        .map(clean);
    // Symbl names the assignee; when it is someone else than the speaker, it is a request.
    let (kind, owner) = match assignee {
        Some(name) if Some(&name) != from.name.as_ref() => (
            ActionKind::Request,
            Party {
                side: from.side.map(Side::other),
                name: Some(name),
            },
        ),
        _ => (ActionKind::Commitment, from.clone()),
    };
    let text = clean(&item.text);
    ActionItem {
        task: text.clone(),
        text,
        from,
        owner,
        kind,
        due: item.due_by.as_deref().map(|due| Due {
            text: clean(due),
            at: parse_time(due),
        }),
        contact,
        messages,
        state: ItemState::Unknown,
    }
}

/// How a follow-up reaches the other side, from its wording (Symbl does not say).
pub fn contact_mode(text: &str) -> ContactMode {
    let lower = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&["call", "phone", "ring"]) {
        ContactMode::Call
    } else if has(&["email", "e-mail", "mail"]) {
        ContactMode::Email
    } else if has(&["schedule", "book", "appointment"]) {
        ContactMode::Schedule
    } else if has(&["meet", "meeting"]) {
        ContactMode::Meet
    } else if has(&["send", "forward", "share"]) {
        ContactMode::Send
    } else if has(&["text", "message", "whatsapp", "sms"]) {
        ContactMode::Message
    } else {
        ContactMode::Update
    }
}

pub fn entity_kind(kind: Option<&str>, custom_type: Option<&str>) -> EntityKind {
    match kind.unwrap_or("").to_lowercase().as_str() {
        "date" | "time" | "datetime" | "daterange" | "date_time" => EntityKind::DateTime,
        "money" | "amount" | "currency" | "amount_of_money" => EntityKind::Money,
        "email" => EntityKind::Email,
        "phone" | "phone_number" | "phonenumber" => EntityKind::Phone,
        "url" => EntityKind::Url,
        "custom" => EntityKind::Other(clean(custom_type.unwrap_or("custom"))),
        "" => EntityKind::Other("entity".to_string()),
        other => EntityKind::Other(clean(other)),
    }
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub fn tracker_hits(tracker: &TrackerResult, links: &MessageLinks) -> Tracker {
    let mut hits = Vec::new();
    let mut count = 0u32;
    for found in &tracker.matches {
        let term = clean(found.value.as_deref().unwrap_or(""));
        for reference in &found.message_refs {
            count = count.saturating_add(1);
            if let Some(ours) = links.get(&reference.id) {
                hits.push(TrackerHit {
                    term: term.clone(),
                    message: ours.to_string(),
                });
            }
        }
    }
    Tracker {
        name: clean(&tracker.name),
        count,
        hits,
    }
}

/// Message counts per side from what we sent; Symbl's own figures (talk time, pace…) as named
/// metrics, since a text conversation has no field for them.
fn analytics(results: &ConversationResults, sent: &[SentMessage]) -> Analytics {
    let count = |side| sent.iter().filter(|m| m.side == side).count() as u32;
    let mut other = Vec::new();
    for metric in &results.analytics.metrics {
        let name = clean(metric.kind.as_deref().unwrap_or("metric"));
        let value = match (metric.percent, metric.seconds) {
            (Some(p), Some(s)) => format!("{p:.0}% ({s:.0}s)"),
            (Some(p), None) => format!("{p:.0}%"),
            (None, Some(s)) => format!("{s:.0}s"),
            (None, None) => continue,
        };
        other.push(Metric { name, value });
    }
    for member in &results.analytics.members {
        let who = clean(member.name.as_deref().unwrap_or("member"));
        if let Some(share) = member.talk_time.as_ref().and_then(|t| t.percentage) {
            other.push(Metric {
                name: format!("{who} talk time"),
                value: format!("{share:.0}%"),
            });
        }
        if let Some(wpm) = member.pace.as_ref().and_then(|p| p.wpm) {
            other.push(Metric {
                name: format!("{who} pace"),
                value: format!("{wpm:.0} wpm"),
            });
        }
    }
    Analytics {
        customer_messages: count(Side::Customer),
        agent_messages: count(Side::Agent),
        other,
        ..Analytics::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;
    use time::macros::datetime;

    fn sent(id: &str, text: &str, side: Side, minute: u8) -> SentMessage {
        SentMessage {
            id: id.into(),
            text: text.into(),
            side,
            sender: if side == Side::Customer { "Ana" } else { "You" }.into(),
            at: datetime!(2026-01-01 10:00 UTC) + time::Duration::minutes(minute.into()),
        }
    }

    #[test]
    fn split_sentences_link_back_to_the_message_they_came_from() {
        let ours = [
            sent("a1", "Hi. My order is late!", Side::Customer, 0),
            sent("b1", "Sorry. I will call you tomorrow.", Side::Agent, 1),
            sent("a2", "My order is late", Side::Customer, 2),
        ];
        let mut links = MessageLinks::default();
        links.link(
            &ours,
            [
                ("s1", "Hi.", None),
                ("s2", "My order is late!", None),
                ("s3", "I will call you tomorrow.", None),
                ("s4", "My order is late.", Some("2026-01-01T10:02:00Z")),
                ("s5", "Something never said", None),
            ],
        );
        assert_eq!(links.get("s1"), Some("a1"));
        assert_eq!(links.get("s2"), Some("a1"));
        assert_eq!(links.get("s3"), Some("b1"));
        assert_eq!(links.get("s4"), Some("a2"), "start time breaks the tie");
        assert_eq!(links.get("s5"), None);
        assert!(!contains_phrase("this is it", "hi"));
        assert!(contains_phrase("hi. this is it", "hi"));
        assert_eq!(links.resolve(["s1", "s2", "s5", "s3"]), vec!["a1", "b1"]);
    }

    #[test]
    fn only_sent_text_messages_are_submitted() {
        let mut message = Message {
            id: "m1".into(),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content: Content::Text("hello".into()),
            at: datetime!(2026-01-01 10:00 UTC),
            status: DeliveryStatus::Delivered,
            failure: None,
        };
        let wire = SentMessage::from_message(&message).expect("text").to_wire();
        assert_eq!(wire.payload.content, "hello");
        assert_eq!(wire.payload.content_type, "text/plain");
        assert_eq!(
            wire.from.user_id.as_deref(),
            Some("customer@switchboard.invalid")
        );
        let duration = wire.duration.expect("duration");
        assert_eq!(duration.start_time, "2026-01-01T10:00:00Z");
        assert_eq!(duration.end_time, "2026-01-01T10:00:01Z");
        message.status = DeliveryStatus::Pending;
        assert!(SentMessage::from_message(&message).is_none());
        message.status = DeliveryStatus::Sent;
        message.content = Content::Location {
            latitude: 1.0,
            longitude: 2.0,
            label: None,
        };
        assert!(SentMessage::from_message(&message).is_none());
    }

    #[test]
    fn hostile_text_from_symbl_is_neutralised() {
        use super::super::wire::{InsightItem, Speaker};
        let ours = [sent("a1", "Where is it?", Side::Customer, 0)];
        let results = ConversationResults {
            questions: vec![InsightItem {
                id: "q1".into(),
                text: "Where\u{1b}]0;pwned\u{7} is it?\u{202e}".into(),
                from: Some(Speaker {
                    name: Some("Ana\u{1b}[31m".into()),
                    ..Speaker::default()
                }),
                message_ids: vec!["unknown".into()],
                ..InsightItem::default()
            }],
            ..ConversationResults::default()
        };
        let insights = conversation_insights(&results, &ours, &mut MessageLinks::default());
        assert_eq!(insights.questions[0].text, "Where is it?");
        assert_eq!(insights.questions[0].asked_by.name.as_deref(), Some("Ana"));
        assert!(
            insights.questions[0].messages.is_empty(),
            "unknown ids are dropped"
        );
    }

    #[test]
    fn follow_up_contact_modes_and_entity_kinds() {
        assert_eq!(contact_mode("I'll call you back"), ContactMode::Call);
        assert_eq!(contact_mode("Email me the invoice"), ContactMode::Email);
        assert_eq!(
            contact_mode("Let's schedule a visit"),
            ContactMode::Schedule
        );
        assert_eq!(contact_mode("I'll keep you posted"), ContactMode::Update);
        assert_eq!(entity_kind(Some("datetime"), None), EntityKind::DateTime);
        assert_eq!(
            entity_kind(Some("custom"), Some("Order")),
            EntityKind::Other("Order".into())
        );
        assert_eq!(entity_kind(Some("money"), None), EntityKind::Money);
    }
}
