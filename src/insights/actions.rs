//! Action items: commitments of the speaker ("I'll refund it", "let me check") and requests
//! to the other side ("please cancel it", "can you resend it?"), with who, what and when, and
//! whether a later message reports them done.
//!
//! Sentences are cut into clauses where "and" starts a new action ("I'll book it and send you
//! the confirmation" is two items). Optional offers ("let me know if you need anything",
//! "reply STOP to opt out") are not action items.

use super::model::{ActionKind, ContactMode};
use super::text::Word;
use super::{follow_ups, text};

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
    /// Done in the saying: "I'm forwarding this to billing", "I'm resetting your access".
    pub now: bool,
}

const SUBJECTS: &[&str] = &["i", "we", "he", "she", "they"];
const FUTURE_CONTRACTIONS: &[&str] = &["i'll", "we'll", "he'll", "she'll", "they'll"];
const PROGRESSIVE_SUBJECTS: &[&str] = &["i'm", "we're"];
const ADVERBS: &[&str] = &[
    "also",
    "just",
    "kindly",
    "quickly",
    "then",
    "now",
    "definitely",
    "personally",
    "right",
    "immediately",
    "gladly",
    "happily",
    "first",
    "still",
    "simply",
    "please",
    "go",
    "and",
];

/// Verbs that say nothing will be done ("I'll wait", "we'll see").
const NOT_ACTIONS: &[&str] = &[
    "be", "wait", "see", "have", "need", "want", "like", "love", "think", "hope", "take", "do",
    "get", "keep", "miss", "never", "not", "probably", "maybe", "know", "come", "go", "stay",
    "leave", "try", "explain", "say", "tell", "believe", "guess", "bet", "lose", "pass",
];

/// Verbs that open an imperative ("send me…", "drop the box…").
const IMPERATIVES: &[&str] = &[
    "send",
    "resend",
    "forward",
    "call",
    "phone",
    "email",
    "e-mail",
    "text",
    "message",
    "dm",
    "check",
    "cancel",
    "refund",
    "reply",
    "respond",
    "confirm",
    "contact",
    "book",
    "schedule",
    "use",
    "try",
    "drop",
    "bring",
    "keep",
    "turn",
    "unplug",
    "restart",
    "reboot",
    "reset",
    "go",
    "click",
    "fill",
    "file",
    "update",
    "change",
    "add",
    "remove",
    "delete",
    "block",
    "report",
    "upload",
    "attach",
    "share",
    "return",
    "ship",
    "replace",
    "fix",
    "visit",
    "open",
    "close",
    "pay",
    "sign",
    "enter",
    "select",
    "tap",
    "install",
    "uninstall",
    "log",
    "write",
    "tell",
    "give",
    "make",
    "let",
    "don't",
    "do",
    "put",
    "leave",
    "print",
    "provide",
    "include",
    "review",
    "approve",
    "transfer",
    "switch",
    "extend",
    "move",
    "hold",
    "ping",
    "escalate",
    "exchange",
    "swap",
    "ensure",
    "reverse",
    "credit",
    "activate",
    "deactivate",
    "unblock",
    "unlock",
    "waive",
    "process",
    "arrange",
    "reschedule",
    "rebook",
    "deliver",
    "collect",
    "investigate",
    "stop",
    "resume",
    "restore",
    "reinstate",
    "reissue",
    "issue",
    "correct",
    "amend",
    "verify",
    "release",
    "void",
    "reactivate",
];

/// Verbs worth a clause of their own after "and" ("…and send you the label").
const ACTION_VERBS: &[&str] = &[
    "send",
    "resend",
    "forward",
    "call",
    "phone",
    "email",
    "text",
    "message",
    "dm",
    "check",
    "cancel",
    "refund",
    "confirm",
    "contact",
    "book",
    "schedule",
    "ship",
    "replace",
    "fix",
    "update",
    "change",
    "add",
    "remove",
    "delete",
    "block",
    "report",
    "file",
    "escalate",
    "review",
    "process",
    "issue",
    "arrange",
    "prepare",
    "correct",
    "chase",
    "investigate",
    "reset",
    "unlock",
    "extend",
    "credit",
    "reply",
    "return",
    "drop",
    "bring",
    "upload",
    "attach",
    "share",
    "let",
    "keep",
    "get",
    "pick",
    "deliver",
    "install",
    "repair",
    "order",
    "reorder",
    "submit",
    "complete",
    "pay",
    "reach",
    "follow",
    "notify",
    "inform",
    "sms",
    "whatsapp",
    "revert",
    "look",
    "exchange",
    "swap",
    "waive",
    "reverse",
    "sign",
];

/// Verbs of a commitment in the present ("I'm restarting it now") beyond [`ACTION_VERBS`].
const PROGRESSIVE_VERBS: &[&str] = &[
    "restart",
    "transfer",
    "pause",
    "turn",
    "raise",
    "activate",
    "reactivate",
    "waive",
    "hand",
    "connect",
    "switch",
    "unblock",
    "release",
    "reverse",
    "dispatch",
    "renew",
    "upgrade",
    "downgrade",
    "apply",
    "open",
    "close",
    "pass",
    "move",
    "cancel",
    "refund",
    "escalate",
];

/// Present-tense commitments done as they are said (the labelled sets agree: forwarding,
/// transferring and resetting happen at once; sending, reporting and refunding take time).
const DONE_AS_SAID: &[&str] = &[
    "forward",
    "transfer",
    "hand",
    "pass",
    "connect",
    "escalate",
    "reset",
    "restart",
    "pause",
    "turn",
    "activate",
    "reactivate",
    "unblock",
    "unlock",
    "add",
    "apply",
    "waive",
    "raise",
    "switch",
    "extend",
    "credit",
    "cancel",
    "open",
    "close",
    "move",
    "update",
    "change",
];

/// Imperatives of interface text ("Enter PIN", "Reply STATUS for updates", "Press 1").
const INTERFACE_VERBS: &[&str] = &[
    "reply", "enter", "type", "press", "dial", "select", "choose", "text", "sms", "tap", "send",
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
    "if you have questions",
    "if you have any questions",
    "for more info",
    "for more information",
    "for more details",
];

/// Words after "please" that are not an action ("please note", "please find attached").
const PLEASE_NOT: &[&str] = &[
    "note", "find", "be", "see", "hurry", "advise", "accept", "excuse", "help",
];

/// Every action item of a message.
pub fn actions_in(message: &str) -> Vec<FoundAction> {
    let mut out = Vec::new();
    let own = without_menu_options(message);
    for sentence in text::sentences(&own) {
        // "I was told 'we will pay within 10 days'": a report of what someone said.
        if is_reported_speech(sentence) {
            continue;
        }
        // "If you have questions, call 0800 100 200": an offer, whatever the clause.
        let lower = sentence.to_lowercase();
        if lower.starts_with("if you have") || lower.starts_with("for more info") {
            continue;
        }
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

/// The message without the options of a menu ("1. Check balance", "2) Report a problem").
fn without_menu_options(message: &str) -> String {
    if !message.contains('\n')
        && !message
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return message.to_string();
    }
    // A menu has options and tells what to type; a customer's numbered list is requests.
    let options = message.lines().filter(|line| is_menu_option(line)).count();
    let lower = message.to_lowercase();
    let prompt = [
        "reply", "select", "choose", "enter", "press", "dial", "option", "menu",
    ]
    .iter()
    .any(|cue| lower.contains(cue));
    let terse = message
        .lines()
        .filter(|line| is_menu_option(line))
        .all(|line| line.split_whitespace().count() <= 4);
    if options < 2 || !(prompt || terse) {
        return message.to_string();
    }
    message
        .lines()
        .filter(|line| !is_menu_option(line))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_menu_option(line: &str) -> bool {
    let line = line.trim_start();
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (1..=2).contains(&digits)
        && line.split_whitespace().count() <= 5
        && line[digits..].starts_with(['.', ')', ':', '-', ' '])
        && line[digits..]
            .trim_start_matches(['.', ')', ':', '-', ' '])
            .starts_with(char::is_alphabetic)
}

/// A sentence that quotes or reports what someone said or promised.
fn is_reported_speech(sentence: &str) -> bool {
    let quoted = sentence.matches(['"', '“', '”']).count() >= 2;
    let lower = sentence.to_lowercase();
    let told = [
        "was told",
        "were told",
        "i've been told",
        "i have been told",
    ]
    .iter()
    .any(|r| lower.contains(r));
    let said = [
        "you said",
        "they said",
        "he said",
        "she said",
        "your colleague said",
    ]
    .iter()
    .any(|r| lower.contains(r));
    told || (quoted && said)
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
            while words
                .get(j)
                .is_some_and(|w| w.norm == "and" || w.norm == "," || w.norm == "then")
            {
                j += 1;
            }
            let next = words.get(j).map(|w| w.norm.as_str());
            let after = words.get(j + 1).map(|w| w.norm.as_str());
            let starts_commitment = next.is_some_and(|n| {
                FUTURE_CONTRACTIONS.contains(&n) || PROGRESSIVE_SUBJECTS.contains(&n)
            }) || (next.is_some_and(|n| SUBJECTS.contains(&n))
                && matches!(after, Some("will" | "shall" | "am" | "are")));
            // "correct the bill and let me know the new amount": a follow-up of its own.
            let lets_know = next == Some("let")
                && matches!(after, Some("me" | "us"))
                && words.get(j + 2).is_some_and(|w| w.norm == "know");
            let rest: Vec<String> = words[j..].iter().take(4).map(|w| w.norm.clone()).collect();
            let starts_verb = w == "and"
                && (next.is_some_and(|n| ACTION_VERBS.contains(&n) && n != "let" || lets_know)
                    || follow_ups::contact_mode(&rest).is_some());
            let starts_please = next == Some("please");
            // ", and it would be great if you could refund…", "and our reception will text you".
            let starts_indirect = matches!(next, Some("it" | "i'd" | "would"))
                && words[j..].iter().take(6).any(|w| w.norm == "if");
            let starts_our = words[j..]
                .iter()
                .take(6)
                .position(|w| w.norm == "will")
                .is_some_and(|will| will > 0 && speaks_for_us(words, j, j + will));
            // "cancel the order, refund the deposit and send me…": one item per verb.
            let listed_verb = w == ","
                && next.is_some_and(|n| {
                    (ACTION_VERBS.contains(&n) || IMPERATIVES.contains(&n))
                        && !matches!(n, "let" | "do" | "make" | "go" | "keep" | "try")
                });
            if starts_commitment
                || starts_verb
                || starts_please
                || starts_indirect
                || starts_our
                || listed_verb
            {
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
    let squashed = words
        .iter()
        .map(|w| w.norm.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if OPTIONAL.iter().any(|o| squashed.contains(o)) {
        return None;
    }
    let start = skip_fillers(words);
    // "If we cancel for weather you get a refund", "unless you return it…": a condition.
    let polite_if = norm(words, start) == "if" && words.iter().any(|w| w.norm == "please");
    if (matches!(norm(words, start), "if" | "unless" | "otherwise") && !polite_if)
        || (norm(words, start) == "what" && norm(words, start + 1) == "if")
    {
        return None;
    }
    let rest: Vec<String> = words[start..]
        .iter()
        .take(4)
        .map(|w| w.norm.clone())
        .collect();
    if let Some(kind) = previous
        && (ACTION_VERBS.contains(&norm(words, start)) || follow_ups::contact_mode(&rest).is_some())
    {
        return Some(build(words, start, kind, start));
    }
    commitment(words, start)
        .map(|verb| (ActionKind::Commitment, verb))
        .or_else(|| request(words, start).map(|verb| (ActionKind::Request, verb)))
        .map(|(kind, verb)| build(words, start, kind, verb))
}

fn skip_fillers(words: &[Word]) -> usize {
    words
        .iter()
        .take_while(|w| text::is_filler(&w.norm) && w.norm != "please")
        .count()
}

/// Index of the main verb of a commitment in the clause, if it is one.
fn commitment(words: &[Word], start: usize) -> Option<usize> {
    for i in start..words.len() {
        let w = norm(words, i);
        // Only where the clause starts: "How do I reset it?" asks.
        let verb = if matches!(w, "i" | "we")
            && i == start
            && matches!(
                norm(words, i + 1),
                "forward"
                    | "transfer"
                    | "pass"
                    | "escalate"
                    | "refund"
                    | "cancel"
                    | "book"
                    | "resend"
                    | "reset"
            )
            && !matches!(norm(words, i + 2), "to" | "it's")
        {
            // "I forward it to the technical team": done as it is said.
            Some(i + 1)
        } else if matches!(w, "is" | "are")
            && i > start
            && speaks_for_us(words, start, i)
            && progressive_base(norm(words, i + 1)).is_some()
        {
            // "Our team is looking into it".
            Some(i + 1)
        } else if w == "will"
            && i == start
            && !matches!(
                norm(words, i + 1),
                "you" | "u" | "it" | "they" | "that" | "this" | "there" | "he" | "she" | "we"
            )
        {
            // Chat drops the subject: "will send it now", "ok will call u tmrw" (but "will i
            // get…", "will the fee be…" ask).
            future_verb(words, i + 1).filter(|&v| {
                let verb = norm(words, v);
                ACTION_VERBS.contains(&verb) || IMPERATIVES.contains(&verb)
            })
        } else if w == "will" && i > start && speaks_for_us(words, start, i) {
            // "Our driver will call you", "a colleague from billing will email you".
            future_verb(words, i + 1)
        } else if let Some(v) = you_will_get_word(words, i) {
            // "You'll get an SMS when it is complete": the speaker's side will send it.
            Some(v)
        } else if FUTURE_CONTRACTIONS.contains(&w) {
            future_verb(words, i + 1)
        } else if SUBJECTS.contains(&w) && matches!(norm(words, i + 1), "will" | "shall") {
            future_verb(words, i + 2)
        } else if (PROGRESSIVE_SUBJECTS.contains(&w)
            || (SUBJECTS.contains(&w) && matches!(norm(words, i + 1), "am" | "are")))
            && let Some(at) = Some(if PROGRESSIVE_SUBJECTS.contains(&w) {
                i + 1
            } else {
                i + 2
            })
        {
            if matches!(norm(words, at), "going" | "gonna") {
                let to = if norm(words, at) == "going" && norm(words, at + 1) == "to" {
                    at + 2
                } else {
                    at + 1
                };
                future_verb(words, to)
            } else {
                let v = verb_at(words, at);
                // "I'm calling about my order" explains; "I'm calling the courier" commits.
                let explains = matches!(
                    norm(words, v + 1),
                    "about" | "regarding" | "because" | "re" | "for" | "since"
                );
                progressive_base(norm(words, v))
                    .filter(|_| !explains)
                    .map(|_| v)
            }
        } else if w == "allow" && norm(words, i + 1) == "me" && norm(words, i + 2) == "to" {
            Some(verb_at(words, i + 3))
        } else if matches!(w, "let's") || (w == "let" && matches!(norm(words, i + 1), "me" | "us"))
        {
            let v = verb_at(words, if w == "let's" { i + 1 } else { i + 2 });
            (v < words.len()
                && !matches!(
                    norm(words, v),
                    "know"
                        | "explain"
                        | "say"
                        | "think"
                        | "see"
                        | "be"
                        | "guess"
                        | "apologise"
                        | "apologize"
                        | "assure"
                        | "introduce"
                        | "start"
                        | "repeat"
                        | "clarify"
                        | "remind"
                )
                && !(norm(words, v) == "get" && norm(words, v + 1) == "this"))
                .then_some(v)
        } else if i == start
            && progressive_base(w).is_some()
            // "booking RZ84KQ" names a booking; "sending it today" does something.
            && matches!(
                norm(words, i + 1),
                "it" | "them" | "you" | "your" | "the" | "a" | "an" | "this" | "that" | "now"
                    | "over" | "back" | "out" | "today" | "tomorrow" | "my" | "our" | "his"
                    | "her" | "their" | "up" | "u" | "ur"
            )
            && !words
                .iter()
                .any(|w| matches!(w.norm.as_str(), "is" | "was" | "costs" | "takes" | "are"))
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

/// "need to bring", "have to sign", "must pay", "will need to upload": the verb owed.
fn obligation_verb(words: &[Word], at: usize) -> Option<usize> {
    let mut at = at;
    if matches!(norm(words, at), "will" | "would") {
        at += 1;
    }
    let to = match (norm(words, at), norm(words, at + 1)) {
        ("need" | "have", "to") => at + 2,
        ("must" | "should", _) => at + 1,
        _ => return None,
    };
    let v = verb_at(words, to);
    let verb = norm(words, v);
    (ACTION_VERBS.contains(&verb) || IMPERATIVES.contains(&verb)).then_some(v)
}

/// "I'd like to cancel my plan", "I would like a refund", "I want a replacement": what the
/// customer wants done. Returns the verb (or the wanting word for a thing wanted).
fn wish(words: &[Word], start: usize, i: usize) -> Option<usize> {
    let w = norm(words, i);
    let after_i = i > start && norm(words, i - 1) == "i";
    let wanting = match w {
        "i'd" if norm(words, i + 1) == "like" => i + 2,
        "like" if i > start && norm(words, i - 1) == "would" => i + 1,
        "want" | "need" if after_i => i + 1,
        _ => return None,
    };
    // "I need to transfer money": the customer's own task, not a request.
    if norm(words, wanting) == "to" && w != "need" {
        let v = verb_at(words, wanting + 1);
        let verb = norm(words, v);
        return (ACTION_VERBS.contains(&verb) || IMPERATIVES.contains(&verb)).then_some(v);
    }
    let thing = matches!(norm(words, wanting), "a" | "an" | "my")
        && matches!(
            norm(words, wanting + 1),
            "refund"
                | "replacement"
                | "exchange"
                | "callback"
                | "credit"
                | "receipt"
                | "invoice"
                | "discount"
                | "voucher"
                | "technician"
                | "new"
                | "money"
        );
    thing.then_some(i)
}

/// Whether the words before an "if" ask politely: "it would be great", "I'd appreciate".
fn indirect_cue(words: &[Word], start: usize, at: usize) -> bool {
    let before: Vec<&str> = words[start..at].iter().map(|w| w.norm.as_str()).collect();
    let joined = before.join(" ");
    joined.contains("appreciate")
        || joined.contains("grateful")
        || (joined.contains("would be") || joined.contains("'d be") || joined.contains("be great"))
            && before.iter().any(|w| {
                matches!(
                    *w,
                    "great"
                        | "good"
                        | "nice"
                        | "nicer"
                        | "better"
                        | "best"
                        | "helpful"
                        | "ideal"
                        | "perfect"
                        | "lovely"
                        | "fantastic"
                        | "awesome"
                )
            })
}

/// Whether the subject before "will" is the speaker's own side: "our team", "my colleague",
/// "a colleague from the appointments team" (not "the courier", "he").
fn speaks_for_us(words: &[Word], start: usize, will: usize) -> bool {
    let from = words[start..will]
        .iter()
        .rposition(|w| matches!(w.norm.as_str(), "," | "and" | "so" | "but" | "then"))
        .map_or(start, |at| start + at + 1);
    let subject = &words[from..will];
    subject.len() <= 6
        && subject.iter().all(|w| w.norm != ",")
        && !subject
            .iter()
            .any(|w| matches!(w.norm.as_str(), "your" | "ur"))
        && (matches!(subject.first().map(|w| w.norm.as_str()), Some("our"))
            || subject.iter().any(|w| {
                matches!(
                    w.norm.as_str(),
                    "colleague"
                        | "colleagues"
                        | "team"
                        | "department"
                        | "specialist"
                        | "supervisor"
                        | "manager"
                )
            })
            || subject.iter().map(|w| w.norm.as_str()).eq(["someone"])
            || subject.iter().map(|w| w.norm.as_str()).eq(["an", "agent"]))
}

/// "you'll get an SMS…", "you will receive an email…": the index of the word of the message.
fn you_will_get_word(words: &[Word], i: usize) -> Option<usize> {
    let get = match norm(words, i) {
        "you'll" => i + 1,
        "you" if norm(words, i + 1) == "will" => i + 2,
        _ => return None,
    };
    if !matches!(norm(words, get), "get" | "receive") {
        return None;
    }
    // "You'll get a text from the courier": someone else's.
    if words[get..words.len().min(get + 8)]
        .windows(2)
        .any(|pair| pair[0].norm == "from" && matches!(pair[1].norm.as_str(), "the" | "a"))
    {
        return None;
    }
    (get + 1..words.len().min(get + 6)).find(|&w| {
        matches!(
            norm(words, w),
            "sms" | "text" | "email" | "e-mail" | "call" | "message" | "whatsapp" | "notification"
        )
    })
}

/// The verb after a future marker, unless it says nothing will be done.
fn future_verb(words: &[Word], at: usize) -> Option<usize> {
    let v = verb_at(words, at);
    let verb = norm(words, v);
    if verb.is_empty() {
        return None;
    }
    // "I'll try to call them", "we'll be able to refund it": the verb after.
    if (verb == "try" && norm(words, v + 1) == "to")
        || (verb == "be" && norm(words, v + 1) == "able" && norm(words, v + 2) == "to")
    {
        let to = if verb == "try" { v + 2 } else { v + 3 };
        return future_verb(words, to);
    }
    // "I will come tomorrow to pick it", "we'll come and fix it".
    if verb == "come"
        && let Some(to) = words[v + 1..]
            .iter()
            .take(4)
            .position(|w| matches!(w.norm.as_str(), "to" | "and"))
    {
        let next = verb_at(words, v + 2 + to);
        if ACTION_VERBS.contains(&norm(words, next)) || IMPERATIVES.contains(&norm(words, next)) {
            return Some(next);
        }
    }
    // "We'll be sending a replacement".
    if verb == "be" && progressive_base(norm(words, v + 1)).is_some() {
        return Some(v + 1);
    }
    // "I'll get someone to call you".
    if verb == "get"
        && matches!(norm(words, v + 1), "someone" | "somebody" | "a")
        && let Some(to) = words[v..].iter().take(5).position(|w| w.norm == "to")
    {
        return future_verb(words, v + to + 1);
    }
    // "We'll get that sorted", "I'll have the invoice corrected by Friday".
    if matches!(verb, "get" | "have")
        && words[v + 1..].iter().take(4).any(|w| {
            matches!(
                w.norm.as_str(),
                "sorted"
                    | "fixed"
                    | "done"
                    | "resolved"
                    | "corrected"
                    | "replaced"
                    | "refunded"
                    | "sent"
                    | "delivered"
                    | "changed"
                    | "updated"
                    | "cancelled"
                    | "canceled"
                    | "repaired"
                    | "reissued"
                    | "processed"
                    | "arranged"
                    | "booked"
            )
        })
    {
        return Some(v);
    }
    // "I'll have a look", "we'll take a look": a check.
    if matches!(verb, "have" | "take") && norm(words, v + 1) == "a" && norm(words, v + 2) == "look"
    {
        return Some(v + 2);
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
        let after_wh = i > start
            && matches!(
                norm(words, i - 1),
                "when" | "where" | "how" | "what" | "why" | "which" | "who"
            );
        if matches!(w, "can" | "could" | "would" | "will")
            && matches!(
                norm(words, i + 1),
                "you" | "someone" | "somebody" | "anyone"
            )
            && !after_wh
        {
            let v = verb_at(words, i + 2);
            let verb = norm(words, v);
            let info_only = matches!(
                verb,
                "be" | "tell"
                    | "like"
                    | "mind"
                    | "know"
                    | "believe"
                    | "imagine"
                    | "explain"
                    | "recommend"
                    | "say"
                    | "have"
            );
            if !verb.is_empty() && !info_only {
                return Some(v);
            }
        }
        if w == "please" {
            let mut v = i + 1;
            while norm(words, v) == "," {
                v += 1;
            }
            let v = verb_at(words, v);
            let verb = norm(words, v);
            // "pls also" says what to do no more than "please".
            let no_verb = ADVERBS.contains(&verb);
            if v > i && v < words.len() && !PLEASE_NOT.contains(&verb) && verb != "," && !no_verb {
                return Some(v);
            }
        }
        if matches!(w, "need" | "want") && norm(words, i + 1) == "you" && norm(words, i + 2) == "to"
        {
            return Some(i + 3);
        }
        // "You need to bring your passport", "you'll have to sign it".
        if matches!(w, "you" | "you'll")
            && i == start
            && let Some(to) = obligation_verb(words, i + 1)
        {
            return Some(to);
        }
        // "May I ask you to confirm your email?", "I request you to cancel the booking", "I'm
        // asking you to fix this".
        if matches!(w, "ask" | "asking" | "request" | "requesting" | "beg")
            && matches!(norm(words, i + 1), "you" | "u")
            && norm(words, i + 2) == "to"
        {
            return Some(verb_at(words, i + 3));
        }
        // "I am requesting for a refund", "I request a replacement".
        if matches!(w, "request" | "requesting")
            && i > start
            && matches!(
                norm(words, i - 1),
                "i" | "am" | "i'm" | "we" | "are" | "we're"
            )
            && matches!(norm(words, i + 1), "for" | "a" | "an" | "my" | "the")
        {
            return Some(i);
        }
        // "Be so kind to send me the invoice".
        if w == "kind"
            && i > start
            && norm(words, i - 1) == "so"
            && let Some(to) = words[i + 1..].iter().take(2).position(|w| w.norm == "to")
        {
            return Some(verb_at(words, i + 2 + to));
        }
        // "I'd appreciate a call back".
        if w == "appreciate"
            && matches!(norm(words, i + 1), "a" | "an" | "your")
            && matches!(
                norm(words, i + 2),
                "call" | "callback" | "reply" | "response" | "update" | "refund" | "email"
            )
        {
            return Some(i + 2);
        }
        // "I'd like to cancel my plan", "I want a refund".
        if let Some(v) = wish(words, start, i) {
            return Some(v);
        }
        // "please help me change my flight".
        if w == "help"
            && matches!(norm(words, i + 1), "me" | "us")
            && i > start
            && matches!(
                norm(words, i - 1),
                "please" | "pls" | "kindly" | "can" | "could" | "you"
            )
        {
            let mut v = i + 2;
            if norm(words, v) == "to" {
                v += 1;
            }
            if ACTION_VERBS.contains(&norm(words, v)) || IMPERATIVES.contains(&norm(words, v)) {
                return Some(v);
            }
        }
        // "would you be able to resend it".
        if matches!(w, "could" | "would" | "will")
            && norm(words, i + 1) == "you"
            && norm(words, i + 2) == "be"
            && norm(words, i + 3) == "able"
            && norm(words, i + 4) == "to"
            && !after_wh
        {
            return Some(verb_at(words, i + 5));
        }
        // "it would be great if you could refund it", "I'd appreciate if someone could call
        // me", "would be better if u leave it next door".
        if w == "if" && i > start && indirect_cue(words, start, i) {
            let mut v = i + 1;
            if matches!(
                norm(words, v),
                "you" | "someone" | "somebody" | "that" | "it" | "this" | "we" | "anyone" | "they"
            ) {
                v += 1;
            }
            if matches!(norm(words, v), "could" | "can" | "would" | "will") {
                v += 1;
            }
            let v = verb_at(words, v);
            if v < words.len() && !matches!(norm(words, v), "be" | "is" | "are" | "have") {
                return Some(v);
            }
        }
        // "would be nicer as a refund to my card".
        if w == "would"
            && norm(words, i + 1) == "be"
            && matches!(
                norm(words, i + 2),
                "nicer" | "better" | "best" | "preferable" | "easier"
            )
            && norm(words, i + 3) == "as"
        {
            return Some(i);
        }
        // "i want this removed", "I want my money back".
        if w == "want"
            && i > start
            && norm(words, i - 1) == "i"
            && matches!(
                norm(words, i + 1),
                "this" | "it" | "that" | "my" | "them" | "the"
            )
            && words[i + 1..]
                .iter()
                .any(|w| w.norm.ends_with("ed") || w.norm == "back")
        {
            return Some(i);
        }
        if w == "like" && norm(words, i + 1) == "you" && norm(words, i + 2) == "to" {
            return Some(i + 3);
        }
    }
    // Imperatives open the clause.
    if first == "let"
        && matches!(norm(words, start + 1), "me" | "us")
        && norm(words, start + 2) == "know"
    {
        return Some(start);
    }
    if first == "make" && norm(words, start + 1) == "sure" {
        return Some(start);
    }
    if first == "remember" && norm(words, start + 1) == "to" {
        return Some(start);
    }
    // "Simply upload a photo": the adverb before the imperative.
    let verb = verb_at(words, start);
    if verb > start && IMPERATIVES.contains(&norm(words, verb)) && !is_interface_text(words, verb) {
        return Some(verb);
    }
    if first == "don't" && norm(words, start + 1) == "forget" {
        return Some(start);
    }
    // "Do let me know once it's fixed", "do send it".
    if first == "do"
        && (norm(words, start + 1) == "let" || IMPERATIVES.contains(&norm(words, start + 1)))
        && norm(words, start + 1) != "do"
    {
        return request(words, start + 1).or(Some(start + 1));
    }
    let next = norm(words, start + 1);
    let noun_use = matches!(
        next,
        "is" | "was"
            | "are"
            | "were"
            | "has"
            | "had"
            | "of"
            | "sent"
            | "received"
            | "from"
            | "number"
            | "nr"
            | ""
            | "will"
            | "would"
    );
    // "Call volumes are high", "Return shipping is free": a noun phrase, not an order.
    let noun_phrase = (start + 2..=start + 3).any(|at| {
        matches!(
            norm(words, at),
            "is" | "are" | "was" | "were" | "apply" | "applies" | "has" | "have"
        )
    });
    // "Update: exports are delayed" is a heading, not an order; "Reverse Ksh 2,500 …?" asks
    // to confirm.
    let heading = words.get(start).is_some_and(|w| w.raw.ends_with(':'))
        || words.last().is_some_and(|w| w.raw.ends_with('?'));
    (IMPERATIVES.contains(&first)
        && !matches!(first, "let" | "don't" | "make" | "do")
        && !noun_use
        && !noun_phrase
        && !heading
        && !is_interface_text(words, start))
    .then_some(start)
}

/// "Enter PIN", "Reply STATUS for updates", "Reply 1 to accept", "Reply with the number of
/// your slot", "Press 2": what a menu or an automated message says to type.
fn is_interface_text(words: &[Word], start: usize) -> bool {
    let first = norm(words, start);
    if !INTERFACE_VERBS.contains(&first) {
        return false;
    }
    if matches!(
        first,
        "enter" | "press" | "dial" | "select" | "choose" | "type" | "tap"
    ) {
        return true;
    }
    // "STATUS", "1", "C"; "A" after "reply" ("Reply A or B"), but not "Send a photo".
    let letter = |c: char| c.is_ascii_uppercase() && (first == "reply" || !matches!(c, 'A' | 'I'));
    let keyword = |w: &Word| {
        let core = w.raw.trim_matches(|c: char| !c.is_alphanumeric());
        (core.len() >= 2 && core.chars().all(|c| c.is_ascii_uppercase()))
            || (core.len() == 1 && core.chars().all(|c| c.is_ascii_digit() || letter(c)))
    };
    let next = words.get(start + 1);
    next.is_some_and(keyword)
        || (norm(words, start + 1) == "with"
            && words[start + 1..]
                .iter()
                .any(|w| matches!(w.norm.as_str(), "number" | "option" | "letter")))
}

/// The base of a present participle of a commitment ("restarting" → "restart").
fn progressive_base(word: &str) -> Option<String> {
    ing_base(word, ACTION_VERBS).or_else(|| ing_base(word, PROGRESSIVE_VERBS))
}

/// The verb of `verbs` that `word` is the "-ing" form of. Verbs are ASCII, so other words
/// are not cut (a cut inside "façing" would split a character).
fn ing_base(word: &str, verbs: &[&str]) -> Option<String> {
    let stem = word.strip_suffix("ing")?;
    if stem.len() < 2 || !stem.is_ascii() {
        return None;
    }
    [
        stem.to_string(),
        format!("{stem}e"),
        stem[..stem.len() - 1].to_string(),
    ]
    .into_iter()
    .find(|c| verbs.contains(&c.as_str()))
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
    let verb_base = progressive_base(&verb_norm).unwrap_or(verb_norm);
    // "let me take a look" is a check, done by the next answer.
    let verb_base = if matches!(verb_base.as_str(), "take" | "have")
        && norm(words, verb + 1) == "a"
        && norm(words, verb + 2) == "look"
    {
        "look".to_string()
    } else {
        verb_base
    };
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
    let progressive = norm(words, verb).ends_with("ing")
        && verb > start
        && matches!(
            norm(words, verb - 1),
            "i'm" | "we're" | "am" | "are" | "now" | "also" | "just"
        );
    FoundAction {
        now: kind == ActionKind::Commitment
            && progressive
            && DONE_AS_SAID.contains(&verb_base.as_str()),
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
    matches!(
        verb,
        "check" | "look" | "find" | "investigate" | "verify" | "ask" | "confirm"
    )
}

/// Verbs of a request a reply carries out: "send a photo", "confirm the time", "check the
/// light and tell me". Not "bring it on Monday" or "keep the tags on".
pub fn supplied_by_reply(verb: &str) -> bool {
    matches!(
        verb,
        "send"
            | "share"
            | "confirm"
            | "tell"
            | "provide"
            | "upload"
            | "reply"
            | "respond"
            | "check"
            | "let"
            | "give"
            | "attach"
            | "forward"
            | "email"
            | "text"
            | "message"
            | "sms"
            | "dm"
            | "resend"
            | "verify"
            | "try"
            | "restart"
            | "reboot"
            | "look"
            | "fill"
            | "enter"
            | "choose"
            | "select"
            | "advise"
            | "specify"
            | "describe"
    )
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
    } else if let Some(stem) = verb
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
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
    words
        .iter()
        .any(|w| matches!(w.as_str(), "done" | "completed" | "sorted"))
        || joined.contains("all set")
        || joined.contains("taken care of")
        || did_as_asked(words)
}

/// "did that", "tried it": the other side did the step asked; not "haven't tried it yet".
/// Fewer denials than a report of completion has: "did that, still no signal" did the step.
fn did_as_asked(words: &[String]) -> bool {
    let denied = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "not" | "never" | "yet" | "haven't" | "hasn't" | "didn't" | "don't" | "can't"
        )
    });
    !denied
        && words.windows(2).any(|pair| {
            matches!(
                (pair[0].as_str(), pair[1].as_str()),
                ("did" | "done" | "tried", "that" | "it")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(ActionKind, String, Option<ContactMode>)> {
        actions_in(text)
            .into_iter()
            .map(|a| (a.kind, a.text, a.contact))
            .collect()
    }

    #[test]
    fn commitments_and_requests() {
        use ActionKind::*;
        assert_eq!(
            found("Sorry! I'll ship a replacement today and send you the tracking link."),
            vec![
                (Commitment, "I'll ship a replacement today".into(), None),
                (
                    Commitment,
                    "send you the tracking link".into(),
                    Some(ContactMode::Send)
                ),
            ]
        );
        assert_eq!(
            found("no thanks just cancel it please"),
            vec![(Request, "cancel it please".into(), None)]
        );
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

    #[test]
    fn menu_text_reported_speech_and_headings_are_not_actions() {
        assert!(found("Enter M-PESA PIN").is_empty());
        assert!(found("We received your request. Reply STATUS for updates.").is_empty());
        assert!(found("Reply 1 to accept or 2 to talk to an agent").is_empty());
        assert!(found("Choose:\n1. Check balance\n2. Report a problem").is_empty());
        assert!(found("Booking ref QX7P4L, booking RZ84KQ").is_empty());
        assert!(found("Update: exports are delayed for some workspaces.").is_empty());
        assert!(
            found("When I called I was told \"we will pay within 10 days\", and nothing came.")
                .is_empty()
        );
    }

    #[test]
    fn indirect_requests_and_commitments_in_other_words() {
        let texts =
            |text: &str| -> Vec<String> { actions_in(text).into_iter().map(|a| a.text).collect() };
        assert_eq!(
            texts("it would be great if you could refund the 36,00 EUR"),
            vec!["it would be great if you could refund the 36,00 EUR"]
        );
        assert_eq!(
            found("would be nicer as a refund to my card")[0].0,
            ActionKind::Request
        );
        assert_eq!(found("i want this removed")[0].0, ActionKind::Request);
        assert_eq!(
            texts("pls correct the bill and let me know the new amount"),
            vec!["pls correct the bill", "let me know the new amount"]
        );
        let transfer = actions_in("I'm transferring you to Bo from billing.");
        assert_eq!(transfer[0].contact, Some(ContactMode::Update));
        assert!(transfer[0].now, "a transfer is done as it is said");
        assert!(!actions_in("I'm sending a new bag by express")[0].now);
        let team = actions_in("Our card team will also call you tomorrow at 11.");
        assert_eq!(
            (team[0].kind, team[0].contact),
            (ActionKind::Commitment, Some(ContactMode::Call))
        );
        assert!(actions_in("The courier will call you tomorrow.").is_empty());
        assert_eq!(
            actions_in("You'll get an SMS when it is complete.")[0].contact,
            Some(ContactMode::Message)
        );
    }
}
