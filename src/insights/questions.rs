//! Questions: which sentences ask something, and whether a later message answered them.
//!
//! A sentence is a question when it ends with a question mark, or (chat often drops it) when
//! it opens with a question word followed by the shape of a question ("can you…", "where
//! is…", "how do I…"). A question is answered by the next message of the other side unless
//! that message only holds ("let me check") or only asks back.

use super::{entities, text};

const WH_WORDS: &[&str] = &[
    "what", "what's", "where", "where's", "when", "why", "how", "how's", "who", "who's", "which",
];

const AUXILIARIES: &[&str] = &[
    "can", "could", "would", "will", "is", "are", "do", "does", "did", "should", "may", "shall",
    "have", "has", "was", "were", "am", "any",
];

/// Words that can follow an auxiliary in a question ("can *you*", "is *there*").
const SUBJECTS: &[&str] = &[
    "i", "you", "we", "he", "she", "it", "they", "someone", "somebody", "anyone", "anybody", "my",
    "your", "our", "the", "this", "there", "these", "those", "me", "us", "one",
];

/// The questions asked in a message, one per sentence.
pub fn questions_in(message: &str) -> Vec<String> {
    text::sentences(message)
        .into_iter()
        .filter_map(|s| {
            if is_question(s) {
                return Some(s);
            }
            // "my debit is on the 5th, can u stop it": the question after a statement.
            clauses(s)
                .skip(1)
                .filter(|clause| clause.split_whitespace().count() >= 3)
                .find(|clause| is_question(clause))
        })
        .map(|s| s.trim_end_matches(['?', '!', '.', ' ']).to_string())
        .collect()
}

/// The parts of a sentence between commas, semicolons and emoji.
fn clauses(sentence: &str) -> impl Iterator<Item = &str> {
    sentence
        .split(|c: char| {
            matches!(c, ',' | ';')
                || !(c.is_alphanumeric()
                    || c.is_whitespace()
                    || c.is_ascii_punctuation()
                    || entities::is_currency_sign(c)
                    || matches!(c, '’' | '“' | '”'))
        })
        .map(str::trim)
}

/// Whether one sentence asks something.
pub fn is_question(sentence: &str) -> bool {
    let trimmed = sentence.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?');
    if trimmed.ends_with('?') {
        return trimmed.chars().any(char::is_alphabetic);
    }
    let words = text::words(sentence);
    let start = text::skip_fillers(&words);
    // "pls how much is it", "until when do I need to pay".
    let start = start
        + words[start..]
            .iter()
            .take_while(|w| matches!(w.as_str(), "please" | "until" | "by" | "since" | "from"))
            .count();
    let rest = &words[start..];
    if rest.len() < 2 {
        return false;
    }
    // "any news from the landlord", "any update on the refund".
    if rest[0] == "any"
        && matches!(
            rest[1].as_str(),
            "news" | "update" | "updates" | "progress" | "word" | "luck" | "feedback"
        )
    {
        return true;
    }
    if rest.len() < 3 {
        return false;
    }
    let first = rest[0].as_str();
    let second = rest[1].as_str();
    if WH_WORDS.contains(&first) {
        // "what a mess", "how nice", "when I opened it, …" are not questions.
        let exclamation = matches!(second, "a" | "an")
            || matches!(
                second,
                "nice" | "great" | "cool" | "awesome" | "kind" | "sweet"
            );
        let subordinate = matches!(first, "when" | "where" | "which")
            && SUBJECTS.contains(&second)
            && rest.iter().any(|w| w == ",");
        return !exclamation && !subordinate;
    }
    if AUXILIARIES.contains(&first) && first != "any" {
        // "Would a voucher be ok?" asks; "Have a nice day!", "Did a reset" do not.
        let article = matches!(second, "a" | "an")
            && matches!(first, "can" | "could" | "would" | "will" | "should" | "is");
        return (SUBJECTS.contains(&second) && second != "that") || article;
    }
    // "I was wondering if…", "I'd like to know when…".
    let joined = rest.join(" ");
    joined.contains("wondering if")
        || joined.contains("wondering whether")
        || joined.contains("like to know")
        || joined.contains("want to know")
        || joined.contains("need to know")
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
    "we'll check",
    "we ll check",
    "we will check",
    "i'll look into",
    // A promise to answer later is not the answer ("I'll text you back once I hear…").
    "get back to you",
    "text you back",
    "call you back",
    "i'll let you know",
    "we'll let you know",
    "keep you posted",
    "keep you updated",
    "still on it",
    "still working on",
    "still looking into",
    "keep chasing",
    // Squashed: apostrophes are spaces.
    "i m escalating",
    "we re escalating",
];

/// Whether a message can answer a question of the other side: it says something that is
/// neither a holding phrase nor only a question back, and it is not an automated message.
pub fn answers(message: &str) -> bool {
    if is_automated(&text::squash(message)) {
        return false;
    }
    text::sentences(message).into_iter().any(|sentence| {
        let squashed = text::squash(sentence).replace(" ll ", "'ll ");
        !is_question(sentence)
            && !HOLDING.iter().any(|h| squashed.contains(h))
            && !is_pleasantry(&squashed)
    })
}

/// What an automated system sends whatever was asked ("Sorry, I didn't understand that. Type
/// MENU to start again", "An agent will reply shortly", "Reply STOP to opt out", a menu):
/// no answer.
fn is_automated(squashed: &str) -> bool {
    [
        "didn t understand",
        "did not understand",
        "will reply shortly",
        "will be with you shortly",
        "reply stop",
        "type menu",
        "reply menu",
        "reply status",
        // A menu: its options name what was asked about without answering it.
        "type a number",
        "please choose",
        "reply with the number",
    ]
    .iter()
    .any(|phrase| squashed.contains(phrase))
}

/// Greetings, thanks and apologies ("Sorry about that!", "Thanks Dana") answer nothing.
fn is_pleasantry(squashed: &str) -> bool {
    let words: Vec<&str> = squashed.split(' ').collect();
    let opener = matches!(
        words.first().copied(),
        Some(
            "hi" | "hello"
                | "hey"
                | "thanks"
                | "thank"
                | "sorry"
                | "apologies"
                | "oh"
                | "ok"
                | "okay"
                | "great"
                | "dear"
                | "good"
        )
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
    fn questions_after_a_statement_without_a_mark() {
        assert_eq!(
            questions_in("ok. my auto debit is on the 5th, can u stop it so it is not taken"),
            vec!["can u stop it so it is not taken"]
        );
        assert_eq!(
            questions_in("my flight lands 10:40 😬 can u keep the car for me"),
            vec!["can u keep the car for me"]
        );
        assert_eq!(
            questions_in("ok thank u. what are the office hours"),
            vec!["what are the office hours"]
        );
        assert!(is_question("any news from the landlord"));
        assert!(is_question("i need to know if its hours or days"));
        assert!(is_question("pls how much is the fees for next term"));
        assert!(is_question("until when i need to pay"));
        assert!(is_question("Would a voucher of N2,500 be ok"));
        assert_eq!(questions_in("Hi Sam, where is it"), vec!["where is it"]);
        assert!(!is_question("Have a nice day!"));
        assert!(!is_question("Did a reset, still red"));
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
