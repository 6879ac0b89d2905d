//! Reading insights out of an answer. With structured output the answer is the JSON object;
//! without, models wrap it in prose or a code fence, so the object is looked for in the text.
//! Every item must point at a message that was sent (by its `[number]`, or its id); items that
//! point nowhere are dropped rather than sending the pane to a message that does not exist.

use serde_json::Value;

use crate::insights::{
    ActionItem, ActionKind, Answer, ConversationInsights, Due, Entity, EntityKind, InsightSource,
    ItemState, Party, Question, Side,
};
use crate::text::{clip_chars, sanitize_line};

/// The longest text kept from one item.
const MAX_ITEM_CHARS: usize = 300;
/// The most items kept per list.
const MAX_ITEMS: usize = 100;

/// The insights in `answer`, whose message numbers refer to `ids` (the request's messages,
/// oldest first).
pub fn insights(
    answer: &str,
    ids: &[String],
    source: InsightSource,
) -> Result<ConversationInsights, String> {
    let object = find_object(answer).ok_or_else(|| {
        "no JSON object in the answer (a model without structured output may need a shorter \
         conversation or another model)"
            .to_string()
    })?;
    let list = |key: &str| -> Vec<Value> {
        match object.get(key) {
            Some(Value::Array(items)) => items.iter().take(MAX_ITEMS).cloned().collect(),
            _ => Vec::new(),
        }
    };
    let message = |item: &Value| message_id(item.get("message"), ids);
    let questions = list("questions")
        .iter()
        .filter_map(|q| {
            let id = message(q)?;
            let text = text(q, "text")?;
            let answered = q.get("answered").and_then(Value::as_bool);
            Some(Question {
                text,
                asked_by: party(q.get("asked_by")),
                messages: vec![id],
                answer: match answered {
                    Some(false) => Answer::Unanswered,
                    // The model does not say which message answered it.
                    Some(true) | None => Answer::Unknown,
                },
            })
        })
        .collect();
    let items = |key: &str, follow_up: bool| -> Vec<ActionItem> {
        list(key)
            .iter()
            .filter_map(|item| {
                let id = message(item)?;
                let task = text(item, "task").or_else(|| text(item, "text"))?;
                let owner = party(item.get("owner"));
                let done = item.get("done").and_then(Value::as_bool);
                Some(ActionItem {
                    text: task.clone(),
                    from: Party::default(),
                    owner,
                    task,
                    kind: ActionKind::default(),
                    due: text(item, "due").map(|text| Due { text, at: None }),
                    contact: follow_up.then_some(crate::insights::ContactMode::Update),
                    messages: vec![id],
                    state: match done {
                        Some(false) => ItemState::Open,
                        Some(true) | None => ItemState::Unknown,
                    },
                })
            })
            .collect()
    };
    let entities = list("entities")
        .iter()
        .filter_map(|e| {
            let id = message(e)?;
            let text = text(e, "text")?;
            Some(Entity {
                kind: entity_kind(e.get("kind").and_then(Value::as_str).unwrap_or("other")),
                value: text.to_lowercase(),
                text,
                messages: vec![id],
            })
        })
        .collect();
    Ok(ConversationInsights {
        source,
        questions,
        action_items: items("action_items", false),
        follow_ups: items("follow_ups", true),
        entities,
        ..ConversationInsights::default()
    })
}

/// The lists an insights answer has; an object with none of them is not the answer (a model
/// may echo an example or a message first).
const LISTS: [&str; 4] = ["questions", "action_items", "follow_ups", "entities"];

/// The JSON object in `answer`: the whole answer, or the first object with one of [`LISTS`]
/// that starts at a `{` (inside a fence, after prose…) and parses from there.
fn find_object(answer: &str) -> Option<serde_json::Map<String, Value>> {
    let is_answer =
        |map: &serde_json::Map<String, Value>| LISTS.iter().any(|k| map.contains_key(*k));
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(answer.trim()) {
        return Some(map);
    }
    answer.match_indices('{').find_map(|(start, _)| {
        let mut values = serde_json::Deserializer::from_str(&answer[start..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(Value::Object(map))) if is_answer(&map) => Some(map),
            _ => None,
        }
    })
}

/// A message reference: `3`, `"3"`, `"[3]"`, `"#3"` (the number shown), or an id sent.
fn message_id(value: Option<&Value>, ids: &[String]) -> Option<String> {
    let number = match value? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => {
            if ids.iter().any(|id| id == s) {
                return Some(s.clone());
            }
            s.trim_matches(|c: char| c == '[' || c == ']' || c == '#' || c.is_whitespace())
                .parse()
                .ok()?
        }
        _ => return None,
    };
    let index = usize::try_from(number).ok()?.checked_sub(1)?;
    ids.get(index).cloned()
}

fn text(item: &Value, key: &str) -> Option<String> {
    let raw = item.get(key)?.as_str()?;
    let line = sanitize_line(raw.trim());
    if line.is_empty() {
        return None;
    }
    Some(clip_chars(&line, MAX_ITEM_CHARS))
}

fn party(value: Option<&Value>) -> Party {
    match value
        .and_then(Value::as_str)
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("customer") => Party::side(Side::Customer),
        Some("agent") => Party::side(Side::Agent),
        _ => Party::default(),
    }
}

fn entity_kind(kind: &str) -> EntityKind {
    match kind.to_lowercase().as_str() {
        "date" | "time" | "datetime" | "date/time" => EntityKind::DateTime,
        "money" | "amount" | "price" => EntityKind::Money,
        "reference" | "order" | "ticket" | "id" => EntityKind::Reference,
        "email" => EntityKind::Email,
        "phone" => EntityKind::Phone,
        "url" | "link" => EntityKind::Url,
        other => EntityKind::Other(sanitize_line(other).chars().take(20).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        vec!["m-a".into(), "m-b".into(), "m-c".into()]
    }

    #[test]
    fn items_link_to_the_messages_they_name_and_strays_are_dropped() {
        let answer = r##"{"questions":[
            {"text":"Where is my order?","asked_by":"customer","message":1,"answered":false},
            {"text":"Ghost?","asked_by":"customer","message":9,"answered":false}],
          "action_items":[{"task":"send the label","owner":"agent","due":"Friday","message":"[2]","done":false},
            {"task":"no source","owner":"agent","due":null,"message":"m-zzz","done":false}],
          "follow_ups":[{"task":"call back","owner":"agent","due":null,"message":"m-c","done":true}],
          "entities":[{"kind":"reference","text":"#A10482","message":"#1"},{"kind":"money","text":"$5","message":0}]}"##;
        let found = insights(answer, &ids(), InsightSource::Remote("ai".into())).expect("parsed");
        assert_eq!(found.questions.len(), 1);
        assert_eq!(found.questions[0].messages, vec!["m-a"]);
        assert!(found.questions[0].is_open());
        assert_eq!(found.action_items.len(), 1);
        assert_eq!(found.action_items[0].messages, vec!["m-b"]);
        assert_eq!(
            found.action_items[0].due.as_ref().map(|d| d.text.as_str()),
            Some("Friday")
        );
        assert_eq!(found.follow_ups[0].messages, vec!["m-c"]);
        assert!(!found.follow_ups[0].is_open());
        assert_eq!(found.entities.len(), 1);
        assert_eq!(found.entities[0].kind, EntityKind::Reference);
    }

    #[test]
    fn json_wrapped_in_prose_or_a_fence_is_found() {
        let answer = "Sure! Here it is:\n```json\n{\"questions\": [{\"text\": \"Refund?\", \"asked_by\": \"customer\", \"message\": 2, \"answered\": true}]}\n```\nHope {this} helps.";
        let found = insights(answer, &ids(), InsightSource::Local).expect("parsed");
        assert_eq!(found.questions.len(), 1);
        assert_eq!(found.questions[0].answer, Answer::Unknown);
    }

    #[test]
    fn an_echoed_example_before_the_answer_is_skipped() {
        let answer = r#"For {"message": 1} I found: {"questions": [{"text": "Why?", "asked_by": "customer", "message": 1, "answered": false}]} done"#;
        let found = insights(answer, &ids(), InsightSource::Local).expect("parsed");
        assert_eq!(found.questions.len(), 1);
    }

    #[test]
    fn no_object_is_a_clear_error_and_hostile_text_is_neutralised() {
        assert!(insights("I cannot help with that.", &ids(), InsightSource::Local).is_err());
        let answer = "{\"questions\":[{\"text\":\"\\u001b]0;x\\u0007Hi?\",\"asked_by\":\"x\",\"message\":1}]}";
        let found = insights(answer, &ids(), InsightSource::Local).expect("parsed");
        assert_eq!(found.questions[0].text, "Hi?");
        assert_eq!(found.questions[0].asked_by, Party::default());
    }
}
