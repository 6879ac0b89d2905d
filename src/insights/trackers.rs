//! Trackers: user-defined vocabulary groups ("Refund": refund, money back, chargeback) counted
//! in every message. A term matches at word boundaries, with common endings allowed
//! ("refund" matches "refunded", "cancel" matches "cancelling").

use serde::Deserialize;

use super::text;

/// One tracker from the `[insights]` config.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TrackerSpec {
    /// Shown in the Trackers tab.
    pub name: String,
    /// Words or phrases; matching ignores case.
    pub vocabulary: Vec<String>,
}

impl TrackerSpec {
    pub fn new(name: &str, vocabulary: &[&str]) -> Self {
        Self {
            name: name.to_string(),
            vocabulary: vocabulary.iter().map(|v| v.to_string()).collect(),
        }
    }
}

/// The trackers used when the config names none.
pub fn default_trackers() -> Vec<TrackerSpec> {
    vec![
        TrackerSpec::new("Refund", &["refund", "money back", "reimburse", "chargeback"]),
        TrackerSpec::new("Cancel", &["cancel", "unsubscribe", "terminate", "close my account"]),
        TrackerSpec::new("Escalation", &["manager", "supervisor", "complaint", "escalate", "lawyer"]),
        TrackerSpec::new("Urgent", &["urgent", "asap", "immediately", "right now"]),
    ]
}

const ENDINGS: &[&str] = &["", "s", "es", "ed", "d", "ing", "led", "ling", "ded", "ding", "ted", "ting", "ment", "ments"];

/// For each tracker (by index), the vocabulary terms heard in `message`, one per occurrence.
pub fn hits_in(trackers: &[TrackerSpec], message: &str) -> Vec<(usize, String)> {
    let squashed = format!(" {} ", text::squash(message));
    let mut out = Vec::new();
    for (index, tracker) in trackers.iter().enumerate() {
        for term in &tracker.vocabulary {
            let needle = text::squash(term);
            if needle.is_empty() {
                continue;
            }
            let pattern = format!(" {needle}");
            let mut from = 0;
            while let Some(at) = squashed[from..].find(&pattern) {
                let end = from + at + pattern.len();
                let tail_len = squashed[end..].find(' ').unwrap_or(squashed.len() - end);
                let tail = &squashed[end..end + tail_len];
                if ENDINGS.contains(&tail) {
                    out.push((index, term.clone()));
                }
                from = end;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_at_word_boundaries_with_endings() {
        let trackers = vec![TrackerSpec::new("Refund", &["refund", "money back"])];
        let hits = hits_in(&trackers, "Refunded? I want my MONEY back, not a refundable voucher");
        assert_eq!(hits, vec![(0, "refund".to_string()), (0, "money back".to_string())]);
        assert!(hits_in(&trackers, "prefund").is_empty());
    }
}
