//! Follow-ups: the action items about contacting the other side (call, email, message, send,
//! schedule, meet, get back to). Decided from the main verb of an action item and the words
//! after it.

use super::model::ContactMode;

/// Objects that make "book"/"schedule"/"set up" a follow-up.
const MEETINGS: &[&str] = &[
    "call",
    "meeting",
    "appointment",
    "demo",
    "session",
    "visit",
    "chat",
];

/// The contact mode of an action whose main verb is `words[0]`, if it is a follow-up.
pub fn contact_mode(words: &[String]) -> Option<ContactMode> {
    let verb = words.first()?.as_str();
    let next = words.get(1).map(String::as_str);
    let after = |n: usize| words.get(n).map(String::as_str);
    let object_is_other_side = matches!(next, Some("you" | "me" | "us" | "back"));
    Some(match verb {
        "call" | "phone" | "ring" | "recall" => ContactMode::Call,
        "email" | "e-mail" | "mail" | "reemail" => ContactMode::Email,
        "text" | "message" | "dm" | "sms" | "whatsapp" | "msg" | "write" | "ping" => {
            ContactMode::Message
        }
        "send" | "resend" | "forward" | "sending" | "resending" => ContactMode::Send,
        "meet" => ContactMode::Meet,
        "schedule" | "book" | "arrange" | "set" => {
            let rest = &words[1..words.len().min(5)];
            if rest.iter().any(|w| MEETINGS.contains(&w.as_str())) {
                ContactMode::Schedule
            } else {
                return None;
            }
        }
        "contact" | "notify" | "inform" | "revert" => ContactMode::Update,
        "come" if next == Some("back") && matches!(after(2), Some("to")) => ContactMode::Update,
        // "drop us an email", "drop me a line".
        "drop" if matches!(next, Some("us" | "me")) => match after(3) {
            Some("email" | "e-mail" | "mail") => ContactMode::Email,
            Some("line" | "message" | "text" | "note" | "dm") => ContactMode::Message,
            _ => return None,
        },
        "share" | "resharing" => ContactMode::Send,
        // "I'm transferring you to billing", "handing you over to Bo": someone else will
        // reach them.
        "transfer" | "hand" | "pass" | "connect" if next == Some("you") => ContactMode::Update,
        "update" if object_is_other_side => ContactMode::Update,
        "reach" if next == Some("out") => ContactMode::Update,
        "follow" if next == Some("up") => ContactMode::Update,
        "get" if next == Some("back") || (next == Some("in") && after(2) == Some("touch")) => {
            ContactMode::Update
        }
        "be" if next == Some("in") && after(2) == Some("touch") => ContactMode::Update,
        "let" if matches!(next, Some("you" | "me" | "us")) && after(2) == Some("know") => {
            ContactMode::Update
        }
        "keep"
            if object_is_other_side
                && matches!(after(2), Some("posted" | "updated" | "informed")) =>
        {
            ContactMode::Update
        }
        "give" if object_is_other_side && matches!(after(3), Some("call" | "ring")) => {
            ContactMode::Call
        }
        // "I'll give you news by end of day", "give you an update".
        "give"
            if object_is_other_side
                && (matches!(after(2), Some("news" | "feedback" | "word"))
                    || matches!(after(3), Some("update" | "answer" | "news"))) =>
        {
            ContactMode::Update
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(text: &str) -> Option<ContactMode> {
        let words: Vec<String> = text.split(' ').map(str::to_string).collect();
        contact_mode(&words)
    }

    #[test]
    fn contact_verbs_are_follow_ups() {
        assert_eq!(mode("call me tomorrow"), Some(ContactMode::Call));
        assert_eq!(mode("send you the label"), Some(ContactMode::Send));
        assert_eq!(mode("let you know"), Some(ContactMode::Update));
        assert_eq!(mode("book a call for monday"), Some(ContactMode::Schedule));
        assert_eq!(
            mode("give you news by end of day"),
            Some(ContactMode::Update)
        );
        assert_eq!(
            mode("give you an update tomorrow"),
            Some(ContactMode::Update)
        );
        assert_eq!(mode("give you a refund"), None);
    }

    #[test]
    fn other_actions_are_not() {
        assert_eq!(mode("book us please"), None);
        assert_eq!(mode("update the address"), None);
        assert_eq!(mode("refund the order"), None);
    }
}
