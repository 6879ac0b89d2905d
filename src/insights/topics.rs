//! Topics: the key phrases of a conversation, ranked. Candidates are content words and pairs
//! of adjacent content words ("refund", "delivery address"); a phrase scores by the number of
//! messages that mention it, pairs weigh more. Counting is incremental: each message adds its
//! phrases once, and only the phrases it touched can move into the top list.

use std::collections::HashMap;

use super::model::{MessageId, Topic};
use super::text;

/// How many topics a conversation shows.
pub const TOP: usize = 10;
/// How many source messages a topic keeps for jumping.
const MAX_SOURCES: usize = 20;

pub(crate) const STOPWORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "if",
    "then",
    "so",
    "to",
    "of",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "up",
    "out",
    "about",
    "into",
    "over",
    "after",
    "before",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "am",
    "do",
    "does",
    "did",
    "done",
    "have",
    "has",
    "had",
    "i",
    "you",
    "he",
    "she",
    "it",
    "we",
    "they",
    "me",
    "him",
    "her",
    "us",
    "them",
    "my",
    "your",
    "his",
    "its",
    "our",
    "their",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "what",
    "which",
    "who",
    "whom",
    "when",
    "where",
    "why",
    "how",
    "can",
    "could",
    "would",
    "will",
    "shall",
    "should",
    "may",
    "might",
    "must",
    "not",
    "no",
    "yes",
    "ok",
    "okay",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "please",
    "sorry",
    "just",
    "also",
    "very",
    "really",
    "too",
    "all",
    "any",
    "some",
    "more",
    "most",
    "other",
    "such",
    "only",
    "own",
    "same",
    "than",
    "now",
    "still",
    "again",
    "i'm",
    "i'll",
    "i've",
    "i'd",
    "you're",
    "you'll",
    "we're",
    "we'll",
    "we've",
    "it's",
    "that's",
    "there's",
    "don't",
    "can't",
    "won't",
    "didn't",
    "doesn't",
    "isn't",
    "aren't",
    "let",
    "get",
    "got",
    "know",
    "need",
    "want",
    "like",
    "make",
    "sure",
    "see",
    "look",
    "one",
    "great",
    "good",
    "perfect",
    "fine",
    "nice",
    "awesome",
    "cool",
    "much",
    "many",
    "lot",
    "well",
    "today",
    "tomorrow",
    "tonight",
    "yesterday",
    "morning",
    "afternoon",
    "evening",
    "day",
    "days",
    "week",
    "time",
    "minute",
    "minutes",
    "right",
    "back",
    "way",
    "way",
    "able",
    "via",
    "dear",
    "team",
    "regards",
    "best",
    "cheers",
    "thx",
    "pls",
    "hmm",
    "oh",
    "yeah",
    "yep",
    "already",
    "soon",
    "asap",
    "anything",
    "something",
    "everything",
    "nothing",
    "else",
    "way",
    "new",
    "old",
    "first",
    "last",
    "next",
    "per",
    "go",
    "going",
    "come",
    "coming",
    "said",
    "tell",
    "give",
    "take",
    "keep",
    "check",
    "send",
    "call",
    "email",
    "help",
    "happy",
    "glad",
    "hope",
    "wait",
    "waiting",
    "work",
    "works",
    "ask",
    "let's",
    "what's",
    "where's",
    "how's",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "noon",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "pm",
    "am",
    "mr",
    "mrs",
    "ms",
    "dr",
    "etc",
    "thing",
    "things",
    "able",
    "possible",
    "available",
    "around",
    "between",
    "because",
    "while",
    "until",
    "since",
];

/// Counts of every candidate phrase, and the current top list.
#[derive(Clone, Debug, Default)]
pub struct TopicCounter {
    phrases: HashMap<String, PhraseStat>,
}

#[derive(Clone, Debug, Default)]
struct PhraseStat {
    score: f32,
    messages: Vec<MessageId>,
}

/// The candidate phrases of a message, each once.
pub fn phrases_in(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sentence in text::sentences(message) {
        let words = text::words(sentence);
        let mut previous: Option<&str> = None;
        for word in &words {
            let content = is_content(word);
            if content {
                out.push(word.clone());
                if let Some(prev) = previous {
                    out.push(format!("{prev} {word}"));
                }
            }
            previous = content.then_some(word.as_str());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn is_content(word: &str) -> bool {
    word.chars().count() >= 3
        && word.chars().all(|c| c.is_alphabetic() || c == '-')
        && !STOPWORDS.contains(&word)
}

fn weight(phrase: &str) -> f32 {
    if phrase.contains(' ') { 1.5 } else { 1.0 }
}

impl TopicCounter {
    /// Adds a message's phrases and updates `top` (highest score first, at most [`TOP`]).
    pub fn add(&mut self, message: &MessageId, phrases: &[String], top: &mut Vec<Topic>) {
        for phrase in phrases {
            if !self.phrases.contains_key(phrase) {
                self.phrases.insert(phrase.clone(), PhraseStat::default());
            }
            let Some(stat) = self.phrases.get_mut(phrase) else {
                continue;
            };
            stat.score += weight(phrase);
            if stat.messages.len() < MAX_SOURCES {
                stat.messages.push(message.clone());
            }
            let score = stat.score;
            match top.iter_mut().find(|t| t.text == *phrase) {
                Some(topic) => {
                    topic.score = score;
                    topic.messages.clone_from(&stat.messages);
                }
                None => {
                    let qualifies = top.len() < TOP || top.last().is_some_and(|t| score > t.score);
                    if qualifies {
                        top.push(Topic {
                            text: phrase.clone(),
                            score,
                            messages: stat.messages.clone(),
                        });
                    }
                }
            }
        }
        sort(top);
        top.truncate(TOP);
    }
}

/// Highest score first; ties by text so the order is deterministic.
fn sort(top: &mut [Topic]) {
    top.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.text.cmp(&b.text))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_content_words_and_pairs() {
        assert_eq!(
            phrases_in("Is the delivery address correct?"),
            vec![
                "address",
                "address correct",
                "correct",
                "delivery",
                "delivery address"
            ]
        );
    }

    #[test]
    fn the_most_mentioned_phrase_ranks_first() {
        let mut counter = TopicCounter::default();
        let mut top = Vec::new();
        for (i, text) in [
            "my refund please",
            "refund status?",
            "the parcel",
            "refund now",
        ]
        .iter()
        .enumerate()
        {
            counter.add(&format!("m{i}"), &phrases_in(text), &mut top);
        }
        assert_eq!(top[0].text, "refund");
        assert_eq!(top[0].messages, vec!["m0", "m1", "m3"]);
    }
}
