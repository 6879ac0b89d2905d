//! Model values ↔ SQLite columns. Content is kept as a small JSON object so new content kinds
//! need no schema change; enums are kept by name so the file stays readable with `sqlite3`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::model::{Channel, Content, ConversationStatus, DeliveryStatus, Direction, Timestamp};

pub fn time_to_ns(at: Timestamp) -> i64 {
    i64::try_from(at.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

pub fn ns_to_time(ns: i64) -> Timestamp {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn content_to_json(content: &Content) -> String {
    let value = match content {
        Content::Text(text) => json!({"kind": "text", "text": text}),
        Content::Media { kind, url, caption } => {
            json!({"kind": "media", "media": kind, "url": url, "caption": caption})
        }
        Content::Location {
            latitude,
            longitude,
            label,
        } => json!({"kind": "location", "lat": latitude, "lon": longitude, "label": label}),
        Content::Other { kind, summary } => {
            json!({"kind": "other", "other": kind, "summary": summary})
        }
    };
    value.to_string()
}

/// The stored content object, every kind's fields optional: a flat struct reads straight from
/// the text instead of building a `serde_json::Value` map per message first.
#[derive(Deserialize)]
struct StoredContent {
    kind: Option<String>,
    text: Option<String>,
    media: Option<String>,
    url: Option<String>,
    caption: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    label: Option<String>,
    other: Option<String>,
    summary: Option<String>,
}

pub fn content_from_json(text: &str) -> Content {
    let Ok(stored) = serde_json::from_str::<StoredContent>(text) else {
        return unreadable();
    };
    match stored.kind.as_deref() {
        Some("text") => Content::Text(stored.text.unwrap_or_default()),
        Some("media") => Content::Media {
            kind: stored.media.unwrap_or_default(),
            url: stored.url.unwrap_or_default(),
            caption: stored.caption,
        },
        Some("location") => Content::Location {
            latitude: stored.lat.unwrap_or_default(),
            longitude: stored.lon.unwrap_or_default(),
            label: stored.label,
        },
        Some("other") => Content::Other {
            kind: stored.other.unwrap_or_default(),
            summary: stored.summary.unwrap_or_default(),
        },
        _ => unreadable(),
    }
}

fn unreadable() -> Content {
    Content::Other {
        kind: "unreadable".to_string(),
        summary: "cached content could not be read".to_string(),
    }
}

pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "in",
        Direction::Outbound => "out",
        Direction::Note => "note",
    }
}

pub fn direction_from(name: &str) -> Direction {
    match name {
        "in" => Direction::Inbound,
        "note" => Direction::Note,
        _ => Direction::Outbound,
    }
}

pub fn status_from(name: &str) -> DeliveryStatus {
    DeliveryStatus::from_linktor(name).unwrap_or(DeliveryStatus::Pending)
}

/// The rank of a status in merge rule 3's order, so SQL can keep the furthest one.
pub fn status_rank(status: DeliveryStatus) -> i64 {
    match status {
        DeliveryStatus::Pending => 0,
        DeliveryStatus::Sent => 1,
        DeliveryStatus::Delivered => 2,
        DeliveryStatus::Read => 3,
        DeliveryStatus::Failed => 4,
    }
}

pub fn conversation_status_from(name: &str) -> ConversationStatus {
    ConversationStatus::from_linktor(name).unwrap_or(ConversationStatus::Open)
}

/// Channels are kept by their Linktor name, which every channel has and maps back.
pub fn channel_name(channel: &Channel) -> &str {
    channel.linktor_name()
}

pub fn channel_from(name: &str) -> Channel {
    Channel::from_linktor(name)
}

pub fn metadata_to_json(metadata: &BTreeMap<String, String>) -> String {
    serde_json::to_string(metadata).unwrap_or_else(|_| "{}".to_string())
}

pub fn metadata_from_json(text: &str) -> BTreeMap<String, String> {
    // Most conversations have none: no parser for those.
    if text == "{}" {
        return BTreeMap::new();
    }
    serde_json::from_str(text).unwrap_or_default()
}

/// Who has a conversation, its labels and priority, as the `work` column keeps them.
pub fn work_to_json(work: &crate::model::Workflow) -> String {
    serde_json::json!({
        "assignee": work.assignee,
        "labels": work.labels,
        "priority": work.priority.label(),
        "snoozedUntil": work.snoozed_until.map(time_to_ns),
    })
    .to_string()
}

pub fn work_from(json: Option<&str>) -> Option<crate::model::Workflow> {
    let value: serde_json::Value = serde_json::from_str(json?).ok()?;
    let labels = value["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|label| label.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(crate::model::Workflow {
        assignee: value["assignee"].as_str().map(str::to_string),
        labels,
        priority: value["priority"]
            .as_str()
            .and_then(crate::model::Priority::from_name)
            .unwrap_or_default(),
        snoozed_until: value["snoozedUntil"].as_i64().map(ns_to_time),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_round_trips() {
        for content in [
            Content::Text("olá\nbye".into()),
            Content::Media {
                kind: "image".into(),
                url: "https://x/y.png".into(),
                caption: None,
            },
            Content::Location {
                latitude: 1.5,
                longitude: -2.25,
                label: Some("HQ".into()),
            },
            Content::Other {
                kind: "card".into(),
                summary: "Pick one".into(),
            },
        ] {
            assert_eq!(content_from_json(&content_to_json(&content)), content);
        }
        assert!(matches!(
            content_from_json("{broken"),
            Content::Other { .. }
        ));
    }

    #[test]
    fn time_round_trips_to_the_nanosecond() {
        let at = ns_to_time(1_700_000_000_123_456_789);
        assert_eq!(time_to_ns(at), 1_700_000_000_123_456_789);
    }
}
