//! Quality of the local insight engine, measured on hand-labelled conversations
//! (`tests/data/insights/`, format in its README): precision and recall per kind, printed for
//! the tuning part and the held-out part separately, and a floor the whole set must meet.
//!
//! Run with `-- --nocapture` to see the table; `INSIGHTS_MISSES=1` also lists the misses of
//! the tuning part (never of the held-out part: its failures are not for tuning).

use std::fs;
use std::path::Path;

use switchboard::insights::{EntityKind, InsightEngine};
use switchboard::insights::text::loosely_contains;
use switchboard::model::{Content, DeliveryStatus, Direction, Message};
use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time};

const KINDS: [&str; 4] = ["questions", "action items", "follow-ups", "entities"];
/// Floors (precision and recall) per kind, in the order of `KINDS`.
const FLOORS: [f64; 4] = [0.9, 0.75, 0.75, 0.9];

/// One labelled item: message index, text, and for entities the kind.
#[derive(Clone, Debug)]
struct Label {
    message: usize,
    text: String,
    entity: Option<EntityKind>,
}

struct Conversation {
    name: String,
    messages: Vec<Message>,
    /// Per kind (order of `KINDS`).
    expected: [Vec<Label>; 4],
}

fn entity_kind(name: &str) -> EntityKind {
    match name {
        "datetime" => EntityKind::DateTime,
        "money" => EntityKind::Money,
        "reference" => EntityKind::Reference,
        "email" => EntityKind::Email,
        "phone" => EntityKind::Phone,
        "url" => EntityKind::Url,
        other => panic!("unknown entity kind {other}"),
    }
}

fn parse(path: &Path) -> Conversation {
    let text = fs::read_to_string(path).expect("readable data file");
    let mut date = Date::from_calendar_date(2026, time::Month::January, 1).expect("date");
    let mut messages = Vec::new();
    let mut expected: [Vec<Label>; 4] = Default::default();
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("# date: ") {
            date = Date::parse(value.trim(), format_description!("[year]-[month]-[day]")).expect("header date");
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        } else if let Some(label) = line.strip_prefix("  ") {
            let (kind, rest) = label.split_once(' ').expect("label kind");
            let message = messages.len() - 1;
            let (index, text, entity) = match kind {
                "q" => (0, rest, None),
                "a" => (1, rest, None),
                "f" => (2, rest, None),
                "e" => {
                    let (kind, text) = rest.split_once(' ').expect("entity kind");
                    (3, text, Some(entity_kind(kind)))
                }
                other => panic!("{}: unknown label {other}", path.display()),
            };
            expected[index].push(Label { message, text: text.to_string(), entity });
        } else {
            let (who, rest) = line.split_once(' ').expect("sender");
            let (clock, body) = rest.split_once(' ').expect("time");
            let time = Time::parse(clock, format_description!("[hour]:[minute]")).expect("clock");
            let direction = match who {
                "C" => Direction::Inbound,
                "A" => Direction::Outbound,
                other => panic!("{}: unknown sender {other}", path.display()),
            };
            messages.push(Message {
                id: format!("m{:02}", messages.len() + 1),
                client_id: None,
                direction,
                sender: if who == "C" { "Customer".into() } else { "Agent".into() },
                content: if let Some(file) = body.strip_prefix("[image] ") {
                    Content::Media { kind: "image".into(), url: file.into(), caption: None }
                } else {
                    Content::Text(body.to_string())
                },
                at: PrimitiveDateTime::new(date, time).assume_utc(),
                status: DeliveryStatus::Delivered,
                failure: None,
            });
        }
    }
    Conversation {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        messages,
        expected,
    }
}

fn load(split: &str) -> Vec<Conversation> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/insights").join(split);
    let mut paths: Vec<_> = fs::read_dir(&dir).expect("data dir").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    paths.iter().map(|p| parse(p)).collect()
}

/// Predictions of the engine, per kind, as labels.
fn predict(conversation: &Conversation) -> [Vec<Label>; 4] {
    let mut engine = InsightEngine::default();
    for message in &conversation.messages {
        engine.observe(message);
    }
    let insights = engine.insights();
    let index_of = |id: &String| conversation.messages.iter().position(|m| m.id == *id).expect("known id");
    let mut out: [Vec<Label>; 4] = Default::default();
    for q in &insights.questions {
        out[0].push(Label { message: index_of(&q.messages[0]), text: q.text.clone(), entity: None });
    }
    for a in &insights.action_items {
        out[1].push(Label { message: index_of(&a.messages[0]), text: a.text.clone(), entity: None });
    }
    for f in &insights.follow_ups {
        out[2].push(Label { message: index_of(&f.messages[0]), text: f.text.clone(), entity: None });
    }
    // Entities are grouped across messages; score them per message they appear in, as
    // written in that message.
    for (index, message) in conversation.messages.iter().enumerate() {
        let Content::Text(text) = &message.content else { continue };
        for found in switchboard::insights::entities::entities_in(text) {
            let grouped = insights
                .entities
                .iter()
                .any(|e| e.kind == found.kind && e.value == found.value && e.messages.contains(&message.id));
            assert!(grouped, "{}: entity {found:?} missing from the engine's list", conversation.name);
            out[3].push(Label { message: index, text: found.text, entity: Some(found.kind) });
        }
    }
    out
}

fn matches(expected: &Label, predicted: &Label) -> bool {
    expected.message == predicted.message
        && expected.entity == predicted.entity
        && (loosely_contains(&predicted.text, &expected.text) || loosely_contains(&expected.text, &predicted.text))
}

#[derive(Clone, Copy, Default)]
struct Score {
    tp: usize,
    predicted: usize,
    expected: usize,
}

impl Score {
    fn precision(self) -> f64 {
        if self.predicted == 0 { 1.0 } else { self.tp as f64 / self.predicted as f64 }
    }
    fn recall(self) -> f64 {
        if self.expected == 0 { 1.0 } else { self.tp as f64 / self.expected as f64 }
    }
}

fn score(conversations: &[Conversation], show_misses: bool) -> [Score; 4] {
    let mut scores = [Score::default(); 4];
    for conversation in conversations {
        let predicted = predict(conversation);
        for kind in 0..4 {
            let mut used = vec![false; predicted[kind].len()];
            let mut tp = 0;
            for label in &conversation.expected[kind] {
                let hit = predicted[kind].iter().enumerate().position(|(i, p)| !used[i] && matches(label, p));
                match hit {
                    Some(i) => {
                        used[i] = true;
                        tp += 1;
                    }
                    None if show_misses => println!("  MISS {} {} m{:02}: {:?} {}", conversation.name, KINDS[kind], label.message + 1, label.entity, label.text),
                    None => {}
                }
            }
            if show_misses {
                for (i, p) in predicted[kind].iter().enumerate() {
                    if !used[i] {
                        println!("  EXTRA {} {} m{:02}: {:?} {}", conversation.name, KINDS[kind], p.message + 1, p.entity, p.text);
                    }
                }
            }
            scores[kind].tp += tp;
            scores[kind].predicted += predicted[kind].len();
            scores[kind].expected += conversation.expected[kind].len();
        }
    }
    scores
}

fn print(title: &str, count: usize, scores: &[Score; 4]) {
    println!("{title} ({count} conversations)");
    for (kind, s) in KINDS.iter().zip(scores) {
        println!(
            "  {kind:<13} precision {:.3}  recall {:.3}  ({} expected, {} predicted, {} matched)",
            s.precision(),
            s.recall(),
            s.expected,
            s.predicted,
            s.tp
        );
    }
}

fn add(a: &[Score; 4], b: &[Score; 4]) -> [Score; 4] {
    std::array::from_fn(|k| Score {
        tp: a[k].tp + b[k].tp,
        predicted: a[k].predicted + b[k].predicted,
        expected: a[k].expected + b[k].expected,
    })
}

#[test]
fn precision_and_recall_per_kind_meet_the_floor() {
    let tuning = load("tuning");
    let held_out = load("held_out");
    assert!(tuning.len() + held_out.len() >= 40, "at least 40 labelled conversations");
    assert!(held_out.len() >= 10, "a real held-out part");
    let show = std::env::var_os("INSIGHTS_MISSES").is_some();
    let tuning_scores = score(&tuning, show);
    let held_out_scores = score(&held_out, false);
    let all = add(&tuning_scores, &held_out_scores);
    print("tuning", tuning.len(), &tuning_scores);
    print("held-out", held_out.len(), &held_out_scores);
    print("all", tuning.len() + held_out.len(), &all);
    // The floor holds for each part on its own, the held-out part included.
    for (part, scores) in [("tuning", tuning_scores), ("held-out", held_out_scores), ("all", all)] {
        for ((kind, floor), s) in KINDS.iter().zip(FLOORS).zip(scores) {
            assert!(
                s.precision() >= floor && s.recall() >= floor,
                "{part} {kind}: precision {:.3} / recall {:.3} below the floor {floor}",
                s.precision(),
                s.recall()
            );
        }
    }
}
