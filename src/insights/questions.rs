//! Questions: which sentences ask something, and whether a later message answered them.
//!
//! A sentence is a question when it ends with a question mark, or (chat often drops it) when
//! it opens with a question word followed by the shape of a question ("can you…", "where
//! is…", "how do I…"). A question is answered by the next message of the other side unless
//! that message only holds ("let me check") or only asks back.

use super::text;

const WH_WORDS: &[&str] = &[
    "what", "what's", "where", "where's", "when", "why", "how", "how's", "who", "who's", "which",
];

const AUXILIARIES: &[&str] = &[
    "can", "could", "would", "will", "is", "are", "do", "does", "did", "should", "may", "shall",
    "have", "has", "was", "were", "am", "any",
];

/// Words that can follow an auxiliary in a question ("can *you*", "is *there*").
const SUBJECTS: &[&str] = &[
    "i", "you", "we", "he", "she", "it", "they", "someone", "somebody", "anyone", "anybody",
    "my", "your", "our", "the", "this", "there", "these", "those", "me", "us", "one",
];

/// The questions asked in a message, one per sentence.
pub fn questions_in(message: &str) -> Vec<String> {
    text::sentences(message)
        .into_iter()
        .filter(|s| is_question(s))
        .map(|s| s.trim_end_matches(['?', '!', '.', ' ']).to_string())
        .collect()
}

/// Whether one sentence asks something.
pub fn is_question(sentence: &str) -> bool {
    let trimmed = sentence.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?');
    if trimmed.ends_with('?') {
        return trimmed.chars().any(char::is_alphabetic);
    }
    let words = text::words(sentence);
    let start = text::skip_fillers(&words);
    let rest = &words[start..];
    if rest.len() < 3 {
        return false;
    }
    let first = rest[0].as_str();
    let second = rest[1].as_str();
    if WH_WORDS.contains(&first) {
        // "what a mess", "how nice", "when I opened it, …" are not questions.
        let exclamation = matches!(second, "a" | "an")
            || matches!(second, "nice" | "great" | "cool" | "awesome" | "kind" | "sweet");
        let subordinate = matches!(first, "when" | "where" | "which")
            && SUBJECTS.contains(&second)
            && rest.iter().any(|w| w == ",");
        return !exclamation && !subordinate;
    }
    if AUXILIARIES.contains(&first) && first != "any" {
        return SUBJECTS.contains(&second) && second != "that";
    }
    // "I was wondering if…", "I'd like to know when…".
    let joined = rest.join(" ");
    joined.contains("wondering if")
        || joined.contains("wondering whether")
        || joined.contains("like to know")
        || joined.contains("want to know")
}

/// Phrases that hold the line rather than answer ("let me check", "one moment").
const HOLDING: &[&str] = &[
    "let me check",
    "let me look",
    "let me see",
    "let me find",
    "one moment",
    "one sec",
    "just a moment",
    "just a sec",
    "give me a minute",
    "give me a moment",
    "bear with me",
    "checking now",
    "looking into it",
    "i'll check",
    "i will check",
    "i'll look into",
];

/// Whether a message can answer a question of the other side: it says something that is
/// neither a holding phrase nor only a question back.
pub fn answers(message: &str) -> bool {
    text::sentences(message).into_iter().any(|sentence| {
        let squashed = text::squash(sentence).replace(" ll ", "'ll ");
        !is_question(sentence)
            && !HOLDING.iter().any(|h| squashed.contains(h))
            && !is_pleasantry(&squashed)
    })
}

/// Greetings, thanks and apologies ("Sorry about that!", "Thanks Dana") answer nothing.
fn is_pleasantry(squashed: &str) -> bool {
    let words: Vec<&str> = squashed.split(' ').collect();
    let opener = matches!(
        words.first().copied(),
        Some("hi" | "hello" | "hey" | "thanks" | "thank" | "sorry" | "apologies" | "oh" | "ok" | "okay" | "great" | "dear" | "good")
    );
    opener && words.len() <= 6 && !squashed.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_marks_and_question_shapes_count() {
        assert_eq!(questions_in("Hi. Where is it??"), vec!["Where is it"]);
        assert!(is_question("hey can i freeze my membership for a month"));
        assert!(is_question("how long does it take"));
        assert!(is_question("do you ship to canada"));
    }

    #[test]
    fn statements_are_not_questions() {
        assert!(!is_question("Will do."));
        assert!(!is_question("did that twice already, still red"));
        assert!(!is_question("What a mess."));
        assert!(!is_question("When I opened the box, it was broken."));
        assert!(!is_question("I want my money back"));
    }

    #[test]
    fn holding_replies_do_not_answer() {
        assert!(!answers("Let me check that for you."));
        assert!(!answers("Which model is it?"));
        assert!(answers("It ships on Friday."));
        assert!(answers("Sorry! It ships on Friday. Anything else?"));
        assert!(!answers("Sorry about that! Let me check."));
    }
}
