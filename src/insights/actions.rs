//! Action items: commitments of the speaker ("I'll refund it", "let me check") and requests
//! to the other side ("please cancel it", "can you resend it?"), with who, what and when, and
//! whether a later message reports them done.
//!
//! Sentences are cut into clauses where "and" starts a new action ("I'll book it and send you
//! the confirmation" is two items). Optional offers ("let me know if you need anything",
//! "reply STOP to opt out") are not action items.

use super::model::{ActionKind, ContactMode};
use super::{follow_ups, text};
use super::text::Word;

/// An action item found in one message, before it is linked to parties and messages.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundAction {
    /// The clause as written.
    pub text: String,
    pub kind: ActionKind,
    /// The main verb, normalised ("send", "check").
    pub verb: String,
    /// The main verb and what follows, a few words.
    pub task: String,
    pub contact: Option<ContactMode>,
}

const SUBJECTS: &[&str] = &["i", "we", "he", "she", "they"];
const FUTURE_CONTRACTIONS: &[&str] = &["i'll", "we'll", "he'll", "she'll", "they'll"];
const PROGRESSIVE_SUBJECTS: &[&str] = &["i'm", "we're"];
const ADVERBS: &[&str] = &[
    "also", "just", "kindly", "quickly", "then", "now", "definitely", "personally", "right",
    "immediately", "gladly", "happily", "first", "still", "now,", "simply", "please", "go", "and",
];

/// Verbs that say nothing will be done ("I'll wait", "we'll see").
const NOT_ACTIONS: &[&str] = &[
    "be", "wait", "see", "have", "need", "want", "like", "love", "think", "hope", "take", "do",
    "get", "keep", "miss", "never", "not", "probably", "maybe", "know", "come", "go", "stay",
    "leave", "try", "explain", "say", "tell", "believe", "guess", "bet", "lose", "pass",
];

/// Verbs that open an imperative ("send me…", "drop the box…").
const IMPERATIVES: &[&str] = &[
    "send", "resend", "forward", "call", "phone", "email", "e-mail", "text", "message", "dm",
    "check", "cancel", "refund", "reply", "respond", "confirm", "contact", "book", "schedule",
    "use", "try", "drop", "bring", "keep", "turn", "unplug", "restart", "reboot", "reset", "go",
    "click", "fill", "file", "update", "change", "add", "remove", "delete", "block", "report",
    "upload", "attach", "share", "return", "ship", "replace", "fix", "visit", "open", "close",
    "pay", "sign", "enter", "select", "tap", "install", "uninstall", "log", "write", "tell",
    "give", "make", "let", "don't", "do", "put", "leave", "print", "provide", "include",
    "review", "approve", "transfer", "switch", "extend", "move", "hold", "ping", "escalate",
];

/// Verbs worth a clause of their own after "and" ("…and send you the label").
const ACTION_VERBS: &[&str] = &[
    "send", "resend", "forward", "call", "phone", "email", "text", "message", "dm", "check",
    "cancel", "refund", "confirm", "contact", "book", "schedule", "ship", "replace", "fix",
    "update", "change", "add", "remove", "delete", "block", "report", "file", "escalate",
    "review", "process", "issue", "arrange", "prepare", "correct", "chase", "investigate",
    "reset", "unlock", "extend", "credit", "refund", "reply", "return", "drop", "bring",
    "upload", "attach", "share", "let", "keep", "get", "pick", "deliver", "install", "repair",
    "order", "reorder", "submit", "complete", "pay", "reach", "follow", "notify", "inform",
];

/// Offers the other side may ignore.
const OPTIONAL: &[&str] = &[
    "if you would like",
    "if you'd like",
    "if you want",
    "if you wish",
    "if you prefer",
    "if you need",
    "if you have any",
    "if there's anything",
    "if there is anything",
    "opt out",
    "unsubscribe",
    "feel free",
];

/// Words after "please" that are not an action ("please note", "please find attached").
const PLEASE_NOT: &[&str] = &["note", "find", "be", "see", "hurry", "advise", "accept", "excuse", "help"];

/// Every action item of a message.
pub fn actions_in(message: &str) -> Vec<FoundAction> {
    let mut out = Vec::new();
    for sentence in text::sentences(message) {
        let words = text::tokens(sentence);
        let mut previous = None;
        for clause in clauses(&words) {
            let action = action_in(clause, previous);
            previous = action.as_ref().map(|a| a.kind);
            out.extend(action);
        }
    }
    out
}

/// Cuts a sentence where "and" (or a comma) starts a new action.
fn clauses(words: &[Word]) -> Vec<&[Word]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].norm.as_str();
        if (w == "and" || w == ",") && i > start {
            let mut j = i + 1;
            while words.get(j).is_some_and(|w| w.norm == "and" || w.norm == "," || w.norm == "then") {
                j += 1;
            }
            let next = words.get(j).map(|w| w.norm.as_str());
            let after = words.get(j + 1).map(|w| w.norm.as_str());
            let starts_commitment = next.is_some_and(|n| FUTURE_CONTRACTIONS.contains(&n) || PROGRESSIVE_SUBJECTS.contains(&n))
                || (next.is_some_and(|n| SUBJECTS.contains(&n)) && matches!(after, Some("will" | "shall" | "am" | "are")));
            let starts_verb = w == "and" && next.is_some_and(|n| ACTION_VERBS.contains(&n) && n != "let");
            let starts_please = next == Some("please");
            if starts_commitment || starts_verb || starts_please {
                out.push(&words[start..i]);
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push(&words[start..]);
    out.retain(|c| !c.is_empty());
    out
}

fn norm(words: &[Word], i: usize) -> &str {
    words.get(i).map_or("", |w| w.norm.as_str())
}

/// Skips adverbs from `i`; returns the index of the verb.
fn verb_at(words: &[Word], mut i: usize) -> usize {
    while i < words.len() && ADVERBS.contains(&words[i].norm.as_str()) && i + 1 < words.len() {
        i += 1;
    }
    i
}

/// The action of one clause. `previous` is the kind of the clause before it in the same
/// sentence: "I'll book it and send you the confirmation" continues a commitment.
fn action_in(words: &[Word], previous: Option<ActionKind>) -> Option<FoundAction> {
    let squashed = words.iter().map(|w| w.norm.as_str()).collect::<Vec<_>>().join(" ");
    if OPTIONAL.iter().any(|o| squashed.contains(o)) {
        return None;
    }
    let start = skip_fillers(words);
    if let Some(kind) = previous
        && ACTION_VERBS.contains(&norm(words, start))
    {
        return Some(build(words, start, kind, start));
    }
    commitment(words, start)
        .map(|verb| (ActionKind::Commitment, verb))
        .or_else(|| request(words, start).map(|verb| (ActionKind::Request, verb)))
        .map(|(kind, verb)| build(words, start, kind, verb))
}

fn skip_fillers(words: &[Word]) -> usize {
    words.iter().take_while(|w| text::is_filler(&w.norm) && w.norm != "please").count()
}

/// Index of the main verb of a commitment in the clause, if it is one.
fn commitment(words: &[Word], start: usize) -> Option<usize> {
    for i in start..words.len() {
        let w = norm(words, i);
        let verb = if FUTURE_CONTRACTIONS.contains(&w) {
            future_verb(words, i + 1)
        } else if SUBJECTS.contains(&w) && matches!(norm(words, i + 1), "will" | "shall") {
            future_verb(words, i + 2)
        } else if (PROGRESSIVE_SUBJECTS.contains(&w) || (SUBJECTS.contains(&w) && matches!(norm(words, i + 1), "am" | "are")))
            && let Some(at) = Some(if PROGRESSIVE_SUBJECTS.contains(&w) { i + 1 } else { i + 2 })
        {
            if matches!(norm(words, at), "going" | "gonna") {
                let to = if norm(words, at) == "going" && norm(words, at + 1) == "to" { at + 2 } else { at + 1 };
                future_verb(words, to)
            } else {
                let v = verb_at(words, at);
                base_of_ing(norm(words, v)).filter(|b| ACTION_VERBS.contains(&b.as_str())).map(|_| v)
            }
        } else if matches!(w, "let's") || (w == "let" && matches!(norm(words, i + 1), "me" | "us")) {
            let v = verb_at(words, if w == "let's" { i + 1 } else { i + 2 });
            (v < words.len() && !matches!(norm(words, v), "know" | "explain" | "say" | "think" | "see" | "be")).then_some(v)
        } else if i == start
            && base_of_ing(w).is_some_and(|b| ACTION_VERBS.contains(&b.as_str()))
            && !words.iter().any(|w| matches!(w.norm.as_str(), "is" | "was" | "costs" | "takes" | "are"))
        {
            // Chat drops the subject: "sending it today" (but "shipping is free" is a noun).
            Some(i)
        } else {
            None
        };
        if verb.is_some() {
            return verb;
        }
    }
    None
}

/// The verb after a future marker, unless it says nothing will be done.
fn future_verb(words: &[Word], at: usize) -> Option<usize> {
    let v = verb_at(words, at);
    let verb = norm(words, v);
    if verb.is_empty() {
        return None;
    }
    // Phrases that are follow-ups although their verb is on the not-an-action list.
    let rest: Vec<String> = words[v..].iter().map(|w| w.norm.clone()).collect();
    if follow_ups::contact_mode(&rest).is_some() {
        return Some(v);
    }
    (!NOT_ACTIONS.contains(&verb)).then_some(v)
}

/// Index of the main verb of a request in the clause, if it is one.
fn request(words: &[Word], start: usize) -> Option<usize> {
    let first = norm(words, start);
    // "can/could/would/will you <verb>".
    for i in start..words.len() {
        let w = norm(words, i);
        // "When can you come?" asks about the other side; it asks nothing of them.
        let after_wh = i > start && matches!(norm(words, i - 1), "when" | "where" | "how" | "what" | "why" | "which" | "who");
        if matches!(w, "can" | "could" | "would" | "will") && norm(words, i + 1) == "you" && !after_wh {
            let v = verb_at(words, i + 2);
            let verb = norm(words, v);
            let info_only = matches!(verb, "be" | "tell" | "like" | "mind" | "know" | "believe" | "imagine" | "explain" | "recommend" | "say" | "have");
            if !verb.is_empty() && !info_only {
                return Some(v);
            }
        }
        if w == "please" {
            let v = verb_at(words, i + 1);
            let verb = norm(words, v);
            if v > i && v < words.len() && !PLEASE_NOT.contains(&verb) && verb != "," {
                return Some(v);
            }
        }
        if matches!(w, "need" | "want") && norm(words, i + 1) == "you" && norm(words, i + 2) == "to" {
            return Some(i + 3);
        }
        if w == "like" && norm(words, i + 1) == "you" && norm(words, i + 2) == "to" {
            return Some(i + 3);
        }
    }
    // Imperatives open the clause.
    if first == "let" && matches!(norm(words, start + 1), "me" | "us") && norm(words, start + 2) == "know" {
        return Some(start);
    }
    if first == "make" && norm(words, start + 1) == "sure" {
        return Some(start);
    }
    if first == "don't" && norm(words, start + 1) == "forget" {
        return Some(start);
    }
    let next = norm(words, start + 1);
    let noun_use = matches!(
        next,
        "is" | "was" | "are" | "were" | "has" | "had" | "of" | "sent" | "received" | "from" | "number" | "nr" | "" | "will" | "would"
    );
    (IMPERATIVES.contains(&first) && !matches!(first, "let" | "don't" | "make" | "do") && !noun_use).then_some(start)
}

/// "sending" → "send", "refunding" → "refund", "filing" → "file", "shipping" → "ship".
fn base_of_ing(word: &str) -> Option<String> {
    let stem = word.strip_suffix("ing")?;
    if stem.len() < 2 {
        return None;
    }
    let candidates = [
        stem.to_string(),
        format!("{stem}e"),
        stem[..stem.len() - 1].to_string(),
    ];
    candidates.into_iter().find(|c| ACTION_VERBS.contains(&c.as_str()))
}

fn build(words: &[Word], start: usize, kind: ActionKind, verb: usize) -> FoundAction {
    let text = words[start..]
        .iter()
        .filter(|w| !w.raw.is_empty())
        .map(|w| w.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches([',', '.', '!', '?', ';', ' '])
        .to_string();
    let verb_norm = norm(words, verb).to_string();
    let verb_base = base_of_ing(&verb_norm).unwrap_or(verb_norm);
    let mut rest: Vec<String> = words[verb..].iter().map(|w| w.norm.clone()).collect();
    if let Some(first) = rest.first_mut() {
        first.clone_from(&verb_base);
    }
    let contact = follow_ups::contact_mode(&rest);
    let task = words[verb..]
        .iter()
        .filter(|w| !w.raw.is_empty() && w.norm != "please")
        .take(8)
        .map(|w| w.raw.trim_end_matches([',', '.', '!', '?', ';']))
        .collect::<Vec<_>>()
        .join(" ");
    FoundAction {
        text,
        kind,
        verb: verb_base,
        task,
        contact,
    }
}

/// Verbs whose item is done as soon as their owner says anything of substance ("let me
/// check" is done by the next answer).
pub fn done_by_any_reply(verb: &str) -> bool {
    matches!(verb, "check" | "look" | "find" | "investigate" | "verify" | "ask" | "confirm")
}

/// Past forms of a verb ("send" → "sent", "cancel" → "cancelled"/"canceled").
pub fn past_forms(verb: &str) -> Vec<String> {
    let irregular = match verb {
        "send" => Some("sent"),
        "resend" => Some("resent"),
        "get" => Some("got"),
        "make" => Some("made"),
        "give" => Some("gave"),
        "take" => Some("taken"),
        "put" => Some("put"),
        "write" => Some("written"),
        "set" => Some("set"),
        "meet" => Some("met"),
        "let" => Some("let"),
        "pay" => Some("paid"),
        "ring" => Some("rang"),
        "find" => Some("found"),
        "do" => Some("done"),
        _ => None,
    };
    if let Some(past) = irregular {
        return vec![past.to_string()];
    }
    let mut out = vec![if verb.ends_with('e') {
        format!("{verb}d")
    } else if let Some(stem) = verb.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ied")
    } else {
        format!("{verb}ed")
    }];
    if let Some(last) = verb.chars().last()
        && !"aeiouwxy".contains(last)
    {
        out.push(format!("{verb}{last}ed"));
    }
    out
}

/// Words that report something done without naming it.
pub fn says_done(words: &[String]) -> bool {
    let joined = words.join(" ");
    words.iter().any(|w| matches!(w.as_str(), "done" | "completed" | "sorted"))
        || joined.contains("all set")
        || joined.contains("taken care of")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(ActionKind, String, Option<ContactMode>)> {
        actions_in(text).into_iter().map(|a| (a.kind, a.text, a.contact)).collect()
    }

    #[test]
    fn commitments_and_requests() {
        use ActionKind::*;
        assert_eq!(
            found("Sorry! I'll ship a replacement today and send you the tracking link."),
            vec![
                (Commitment, "I'll ship a replacement today".into(), None),
                (Commitment, "send you the tracking link".into(), Some(ContactMode::Send)),
            ]
        );
        assert_eq!(found("no thanks just cancel it please"), vec![(Request, "cancel it please".into(), None)]);
        assert_eq!(
            found("Could you unplug the router?"),
            vec![(Request, "Could you unplug the router".into(), None)]
        );
    }

    #[test]
    fn offers_and_statements_are_not_actions() {
        assert!(found("Let me know if you need anything else.").is_empty());
        assert!(found("I'll wait. We will never ask for your password.").is_empty());
        assert!(found("Call-out fee is $80. Can you tell me where it is?").is_empty());
        assert!(found("I can cancel it for you.").is_empty());
    }

    #[test]
    fn past_forms_cover_regular_and_irregular_verbs() {
        assert_eq!(past_forms("send"), vec!["sent"]);
        assert!(past_forms("cancel").contains(&"cancelled".to_string()));
        assert!(past_forms("ship").contains(&"shipped".to_string()));
        assert_eq!(past_forms("book")[0], "booked");
    }
}
