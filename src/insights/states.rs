//! Whether a reply answers a question, and whether a message reports an item done: the
//! relevance tests behind the states, kept apart from the bookkeeping of the engine.
//!
//! A reply answers a question when it is about it: a yes or a no to a yes/no question, the kind
//! of fact a "when"/"how much" asks for, or words of the question taken up again. A request for
//! details ("please share your booking id") or an unrelated update answers nothing. An item is
//! done when its owner reports completion in any words ("Cancellation confirmed", "Here is the
//! corrected invoice", "Replay started") about the same thing.

use super::model::EntityKind;
use super::text;
use super::topics::STOPWORDS;

/// Words too common in support talk to tie a reply to a question or an item.
const GENERIC: &[&str] = &[
    "please",
    "pls",
    "can",
    "could",
    "would",
    "will",
    "you",
    "your",
    "my",
    "me",
    "i",
    "we",
    "us",
    "our",
    "it",
    "its",
    "it's",
    "this",
    "that",
    "is",
    "are",
    "was",
    "be",
    "do",
    "does",
    "did",
    "have",
    "has",
    "get",
    "got",
    "also",
    "just",
    "know",
    "let",
    "need",
    "want",
    "like",
    "any",
    "hi",
    "hello",
    "thanks",
    "thank",
    "ok",
    "okay",
    "yes",
    "no",
    "there",
    "what",
    "when",
    "where",
    "why",
    "how",
    "who",
    "which",
    "still",
    "now",
    "today",
    "tomorrow",
    "one",
    "time",
    "back",
    "again",
    "someone",
    "anyone",
    "something",
    "them",
    "they",
    "he",
    "she",
    "him",
    "her",
    "sir",
    "madam",
    "dear",
    "team",
];

/// The content words of a text, reduced to a rough stem so "refund", "refunded" and
/// "refunds" meet.
pub fn content_stems(words: &[String]) -> Vec<String> {
    stems_of(words, false)
}

/// The content stems and the days and months named: what ties a reply to a question ("any
/// slot on thursday?" — "Thursday is fully booked"), though a day closes no item ("I'll call
/// you Monday" is not done by "booked for Monday").
pub fn question_stems(words: &[String]) -> Vec<String> {
    stems_of(words, true)
}

fn stems_of(words: &[String], days: bool) -> Vec<String> {
    let mut out: Vec<String> = words
        .iter()
        .filter(|w| w.chars().any(char::is_alphanumeric) && w.len() > 2)
        .filter(|w| !STOPWORDS.contains(&w.as_str()) || (days && is_day_or_month(w)))
        .filter(|w| !GENERIC.contains(&w.as_str()))
        .map(|w| stem(w))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn is_day_or_month(word: &str) -> bool {
    matches!(
        word,
        "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "january"
            | "february"
            | "march"
            | "april"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
    )
}

fn stem(word: &str) -> String {
    let word = word.trim_end_matches("'s");
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(root) = word.strip_suffix(suffix)
            && root.len() >= 4
        {
            return root.trim_end_matches('e').to_string();
        }
    }
    word.trim_end_matches('e').to_string()
}

pub fn overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().any(|w| b.binary_search(w).is_ok())
}

/// What a question asks for, to recognise an answer that shares no word with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asks {
    /// "can I…", "is there…": a yes or a no answers it.
    YesNo,
    /// "when", "what time", "how long": a date, a time or a number.
    When,
    /// "how much", "what's the price": an amount.
    HowMuch,
    /// "why", "can you check why": a reason ("because…", "due to…").
    Why,
    Other,
}

pub fn asks(words: &[String]) -> Asks {
    // The question is in the last clause: "vet bill was $120, will you cover that".
    let clause = words
        .rsplit(|w| w == ",")
        .find(|clause| clause.len() >= 2)
        .unwrap_or(words);
    let start = text::skip_fillers(clause);
    let rest = &clause[start..];
    let joined = rest.join(" ");
    if joined.contains("how much") || joined.contains("price") || joined.contains("cost") {
        return Asks::HowMuch;
    }
    if joined.starts_with("when")
        || joined.contains("what time")
        || joined.contains("how long")
        || joined.contains("what day")
        || joined.contains("what date")
        || joined.contains("hours or days")
        || joined.contains("how soon")
    {
        return Asks::When;
    }
    // "why…", "can u check why", "I'd like to know why": a reason is asked for.
    let why_asked = rest.first().is_some_and(|w| w == "why")
        || rest.windows(2).any(|pair| {
            pair[1] == "why"
                && matches!(
                    pair[0].as_str(),
                    "know"
                        | "tell"
                        | "check"
                        | "explain"
                        | "see"
                        | "wondering"
                        | "wonder"
                        | "understand"
                        | "ask"
                        | "asking"
                        | "me"
                )
        });
    if why_asked || joined.starts_with("how come") {
        return Asks::Why;
    }
    match rest.first().map(String::as_str) {
        Some(
            "can" | "could" | "would" | "will" | "is" | "are" | "do" | "does" | "did" | "should"
            | "may" | "have" | "has" | "was" | "were" | "am" | "any" | "anyone" | "isn't"
            | "aren't" | "don't" | "doesn't" | "didn't" | "won't" | "can't",
        ) => Asks::YesNo,
        _ => Asks::Other,
    }
}

/// How a reply opens: a yes or a no ("Yes, …", "Unfortunately not", "I'm afraid…", "we
/// can't"), read in its first clause and by whole words ("the cancellation" holds no "he can").
pub fn says_yes_or_no(words: &[String]) -> bool {
    // The first two clauses after greetings and thanks: "Dear Mrs. Novak, yes, it is".
    let mut clauses = words
        .split(|w| w == ",")
        .map(|clause| {
            clause
                .iter()
                .map(String::as_str)
                .skip_while(|w| {
                    matches!(
                        *w,
                        "hi" | "hello"
                            | "hey"
                            | "oh"
                            | "ah"
                            | "well"
                            | "thanks"
                            | "thank"
                            | "sorry"
                            | "dear"
                            | "ok"
                            | "okay"
                    )
                })
                .collect::<Vec<_>>()
        })
        .filter(|clause| !clause.is_empty())
        .take(2);
    clauses.any(|clause| opens_yes_or_no(&clause))
}

/// A sentence whose first word, after greetings, says yes or no ("No referral needed").
pub fn opens_with_yes_or_no(sentence: &[String]) -> bool {
    sentence
        .iter()
        .map(String::as_str)
        .find(|w| !matches!(*w, "," | "hi" | "hello" | "ok" | "okay" | "well" | "oh"))
        .is_some_and(|w| OPENERS.contains(&w))
}

fn opens_yes_or_no(first_clause: &[&str]) -> bool {
    if first_clause.first().is_some_and(|w| OPENERS.contains(w)) {
        return true;
    }
    PHRASES.iter().any(|phrase| {
        let phrase: Vec<&str> = phrase.split(' ').collect();
        first_clause
            .windows(phrase.len())
            .any(|window| window == phrase.as_slice())
    })
}

/// First words that say yes or no.
const OPENERS: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "no",
    "n",
    "nope",
    "sure",
    "absolutely",
    "definitely",
    "certainly",
    "unfortunately",
    "sadly",
    "correct",
    "right",
    "exactly",
    "indeed",
    "not",
    "nobody",
    "none",
    "never",
    "only",
    "of",
];

/// Phrases that say yes or no.
const PHRASES: &[&str] = &[
    "you can",
    "we can",
    "you can't",
    "we can't",
    "we cannot",
    "you cannot",
    "i'm afraid",
    "it is",
    "it's",
    "it does",
    "it doesn't",
    "they can",
    "he can",
    "she can",
    "not possible",
    "is possible",
    "we do",
    "we don't",
    "you do",
    "you don't",
    "that's fine",
    "no problem",
];

/// The facts of a reply that bear on a question.
pub struct Reply<'a> {
    pub words: &'a [String],
    pub stems: &'a [String],
    pub entities: &'a [EntityKind],
    /// It asks the other side for something (details, a photo…).
    pub requests: bool,
    pub media: bool,
    /// It opens with a yes or a no ([`says_yes_or_no`]), read once per message.
    pub yes_or_no: bool,
    /// A later sentence opens with a yes or a no word ([`opens_with_yes_or_no`]): an answer
    /// to a yes/no question only.
    pub later_yes_or_no: bool,
}

/// Whether `reply` answers a question of `asks` with `stems`; `first` when it is the other
/// side's first real reply since the question was asked (the usual place of an answer, so
/// it needs no other sign of being one).
pub fn answers(asks: Asks, stems: &[String], reply: &Reply, first: bool) -> bool {
    let yes_no = reply.yes_or_no || (asks == Asks::YesNo && reply.later_yes_or_no);
    let fact = match asks {
        // A date or a time, or how long: "within 48 hours", "2-3 business days".
        Asks::When => {
            reply.entities.contains(&EntityKind::DateTime)
                || reply.words.windows(2).any(|pair| {
                    pair[0].starts_with(|c: char| c.is_ascii_digit())
                        && matches!(
                            pair[1].as_str(),
                            "minute"
                                | "minutes"
                                | "min"
                                | "mins"
                                | "hour"
                                | "hours"
                                | "hr"
                                | "hrs"
                                | "day"
                                | "days"
                                | "week"
                                | "weeks"
                                | "month"
                                | "months"
                                | "business"
                                | "working"
                        )
                })
        }
        Asks::HowMuch => reply.entities.contains(&EntityKind::Money),
        Asks::Why => gives_a_reason(reply.words),
        Asks::YesNo => yes_no,
        Asks::Other => reply
            .entities
            .iter()
            .any(|e| !matches!(e, EntityKind::Email | EntityKind::Phone)),
    };
    let about = overlaps(stems, reply.stems);
    // A short first reply is the answer ("17.3 on a mac", "N"); a long one must show it is.
    let short = reply.words.iter().filter(|w| *w != ",").count() <= 15;
    if asks == Asks::Why {
        // A reason ("because…", or "Too expensive." said first), or a reply about what was
        // asked; not a yes, and not the asking said back ("explain it").
        const ASKING: &[&str] = &["check", "find", "see", "know", "tell", "explain", "confirm"];
        let asked: Vec<String> = stems
            .iter()
            .filter(|stem| !ASKING.contains(&stem.as_str()))
            .cloned()
            .collect();
        return fact
            || reply.media
            || overlaps(&asked, reply.stems)
            || (first && short && !reply.yes_or_no && !reply.requests);
    }
    if reply.requests && !yes_no && !fact {
        // "Please share your booking id": the other side needs more before it can answer.
        return false;
    }
    // Not to a "when" or a "how much": their answer is a time or an amount ("The team is on
    // it" answers no "how long").
    let needs_the_fact = matches!(asks, Asks::When | Asks::HowMuch);
    (first && short && !needs_the_fact) || fact || about || yes_no || reply.media
}

/// A reason given: "because the name didn't match", "due to a fault", "the reason is…".
fn gives_a_reason(words: &[String]) -> bool {
    words
        .iter()
        .any(|w| matches!(w.as_str(), "because" | "caused"))
        || words.windows(2).any(|pair| {
            (pair[0] == "due" && pair[1] == "to")
                || (pair[0] == "the" && matches!(pair[1].as_str(), "reason" | "reasons"))
        })
}

/// Words that say it is not done: "hasn't been processed yet", "not received".
fn denies(words: &[String]) -> bool {
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "not"
                | "never"
                | "yet"
                | "still"
                | "hasn't"
                | "haven't"
                | "isn't"
                | "wasn't"
                | "didn't"
                | "doesn't"
                | "don't"
                | "won't"
                | "can't"
                | "cannot"
                | "no"
        )
    })
}

/// Words that report something done, whatever the verb of the item was; not when the message
/// says it is not done.
pub fn reports_done(words: &[String]) -> bool {
    if denies(words) {
        return false;
    }
    let joined = words.join(" ");
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "done"
                | "completed"
                | "complete"
                | "sorted"
                | "confirmed"
                | "processed"
                | "sent"
                | "started"
                | "restarted"
                | "booked"
                | "fixed"
                | "resolved"
                | "updated"
                | "corrected"
                | "issued"
                | "reissued"
                | "cancelled"
                | "canceled"
                | "refunded"
                | "reversed"
                | "approved"
                | "activated"
                | "reactivated"
                | "removed"
                | "added"
                | "applied"
                | "credited"
                | "arranged"
                | "scheduled"
                | "changed"
                | "renewed"
                | "extended"
                | "unlocked"
                | "unblocked"
                | "released"
                | "waived"
                | "replaced"
                | "received"
                | "ready"
        )
    }) || [
        "here is",
        "here's",
        "here are",
        "attached",
        "all set",
        "taken care of",
        "on its way",
        "has been",
        "have been",
        "went through",
        "is live",
        "is back",
        "is now",
        "are now",
        "gone back to",
    ]
    .iter()
    .any(|phrase| joined.contains(phrase))
}

/// "Got them", "received it", "it came through": what was sent has arrived.
pub fn acknowledges_receipt(words: &[String]) -> bool {
    if words.len() > 20 || denies(words) {
        return false;
    }
    // Whole words: "I forgot it" says nothing arrived, and "got it" is as often "understood".
    words.windows(2).any(|pair| {
        matches!(
            (pair[0].as_str(), pair[1].as_str()),
            ("got" | "received" | "have", "them")
                | ("received", "it")
                | ("came", "through")
                | ("it" | "they" | "just", "arrived")
        )
    })
}

/// A report of completion plain enough to close the owner's latest item without naming it:
/// short, strong words ("Cancellation confirmed", "Your limit is now 5,000 EUR"), not "I have
/// been waiting" or "received".
pub fn plainly_done(words: &[String]) -> bool {
    words.len() <= 16
        && !denies(words)
        && (words.iter().any(|w| {
            matches!(
                w.as_str(),
                "done"
                    | "completed"
                    | "sorted"
                    | "confirmed"
                    | "processed"
                    | "cancelled"
                    | "canceled"
                    | "refunded"
                    | "reversed"
                    | "applied"
                    | "credited"
                    | "fixed"
                    | "resolved"
                    | "corrected"
                    | "updated"
                    | "activated"
                    | "unblocked"
                    | "unlocked"
                    | "extended"
                    | "waived"
                    | "booked"
                    | "rebooked"
                    | "reset"
            )
        }) || words.join(" ").contains(" is now "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text::words(text)
    }

    fn reply<'a>(
        words: &'a [String],
        stems: &'a [String],
        entities: &'a [EntityKind],
    ) -> Reply<'a> {
        Reply {
            words,
            stems,
            entities,
            requests: false,
            media: false,
            yes_or_no: says_yes_or_no(words),
            later_yes_or_no: false,
        }
    }

    #[test]
    fn a_request_for_details_does_not_answer_and_a_yes_does() {
        let question = words("can I change the delivery address");
        let stems = content_stems(&question);
        let asked = asks(&question);
        let details = words("Please share your booking id");
        let details_stems = content_stems(&details);
        let mut asking = reply(&details, &details_stems, &[]);
        asking.requests = true;
        assert!(!answers(asked, &stems, &asking, true));
        let yes = words("Yes, of course");
        assert!(answers(asked, &stems, &reply(&yes, &[], &[]), false));
    }

    #[test]
    fn an_unrelated_update_does_not_answer_a_when() {
        let question = words("when will the technician come");
        let stems = content_stems(&question);
        let update = words("Your ticket is open with our team");
        let update_stems = content_stems(&update);
        assert!(!answers(
            asks(&question),
            &stems,
            &reply(&update, &update_stems, &[]),
            false
        ));
        let when = words("Tomorrow between 9 and 12");
        assert!(answers(
            asks(&question),
            &stems,
            &reply(&when, &[], &[EntityKind::DateTime]),
            false
        ));
    }

    #[test]
    fn completion_in_other_words() {
        assert!(reports_done(&words("Cancellation confirmed for 31 May")));
        assert!(reports_done(&words(
            "Here is the corrected invoice: https://x.example/i.pdf"
        )));
        assert!(reports_done(&words("Replay started")));
        assert!(!reports_done(&words("We are looking into it")));
        assert!(!reports_done(&words(
            "The refund hasn't been processed yet"
        )));
        assert!(!plainly_done(&words(
            "I have been waiting two weeks already"
        )));
        assert!(plainly_done(&words("Cancellation confirmed for 31 May")));
        assert!(plainly_done(&words("Your limit is now 5.000 EUR")));
        assert!(!says_yes_or_no(&words(
            "Please send the cancellation form first"
        )));
        assert!(says_yes_or_no(&words("Unfortunately not, it's final sale")));
        assert!(overlaps(
            &content_stems(&words("restart the replay")),
            &content_stems(&words("Replay started"))
        ));
    }
}
