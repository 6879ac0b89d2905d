//! A search over every stored message, as typed and as the store is asked it: words, prefixes
//! (`refu*`), "phrases", excluded words (`-spam`) and filters (`from:customer`, `channel:sms`,
//! `account:`, `status:`, `is:unread`, `is:mine`, `label:`, `priority:`, `before:` and `after:`
//! with dates). Parsing never fails: what is not understood is searched for as words and said
//! in [`SearchQuery::notes`], so no query reaches the index in a form it would reject.

use time::{Date, Month, UtcOffset};

use crate::model::{ConversationKey, ConversationStatus, Direction, Priority, Timestamp};

/// A word or phrase to find.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// As typed, without its quotes, `-` or `*`.
    pub text: String,
    /// Matches words that start with it (`refu*`).
    pub prefix: bool,
    /// Messages containing it are left out (`-spam`).
    pub excluded: bool,
}

/// What the user asked, in parts the store turns into one statement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
    /// `from:customer`, `from:agent`, `from:note` (or `is:note`).
    pub from: Option<Direction>,
    /// `channel:` names, matched as prefixes of the platform's name (`channel:whats`).
    pub channels: Vec<String>,
    /// `account:` names, matched as prefixes.
    pub accounts: Vec<String>,
    pub statuses: Vec<ConversationStatus>,
    /// `is:unread`.
    pub unread: bool,
    /// `is:mine`: the app fills in [`SearchQuery::me`].
    pub mine: bool,
    /// Who "me" is on each account, `(account, agent id)`.
    pub me: Vec<(String, String)>,
    pub labels: Vec<String>,
    pub priority: Option<Priority>,
    /// Messages at or after the start of this day (local time).
    pub after: Option<Timestamp>,
    /// Messages before the start of this day (local time).
    pub before: Option<Timestamp>,
    /// One conversation only (the search inside a thread).
    pub conversation: Option<ConversationKey>,
    /// What was not understood, and how it was taken instead.
    pub notes: Vec<String>,
}

impl SearchQuery {
    /// Nothing to search for: no word and no filter.
    pub fn is_empty(&self) -> bool {
        self.terms.iter().all(|t| t.excluded) && !self.has_filters()
    }

    pub fn has_filters(&self) -> bool {
        self.from.is_some()
            || !self.channels.is_empty()
            || !self.accounts.is_empty()
            || !self.statuses.is_empty()
            || self.unread
            || self.mine
            || !self.labels.is_empty()
            || self.priority.is_some()
            || self.after.is_some()
            || self.before.is_some()
    }

    /// Words to find (not only words to leave out).
    pub fn has_words(&self) -> bool {
        self.terms.iter().any(|t| !t.excluded)
    }
}

/// One hit: where, when, who, and the text around the match with each matched run between
/// [`HIT_START`] and [`HIT_END`] (the rest sanitised by the store like any text on screen).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub key: ConversationKey,
    pub message_id: String,
    pub at: Timestamp,
    pub direction: Direction,
    pub sender: String,
    pub snippet: String,
}

/// Marks the start of a matched run in [`SearchHit::snippet`].
pub const HIT_START: char = '\u{2}';
/// Marks the end of a matched run in [`SearchHit::snippet`].
pub const HIT_END: char = '\u{3}';

/// The snippet in runs: `(text, matched)`.
pub fn snippet_runs(snippet: &str) -> Vec<(&str, bool)> {
    let mut runs = Vec::new();
    let (mut start, mut matched) = (0, false);
    for (at, c) in snippet.char_indices() {
        if c == HIT_START || c == HIT_END {
            if at > start {
                runs.push((&snippet[start..at], matched));
            }
            matched = c == HIT_START;
            start = at + c.len_utf8();
        }
    }
    if start < snippet.len() {
        runs.push((&snippet[start..], matched));
    }
    runs
}

/// Reads a query as typed. Dates are days in the local time of `offset`.
pub fn parse(input: &str, offset: UtcOffset) -> SearchQuery {
    let mut query = SearchQuery::default();
    for token in tokens(input) {
        if !token.quoted
            && let Some((key, value)) = token.text.split_once(':')
            && !value.is_empty()
        {
            if token.excluded && is_filter(&key.to_lowercase()) {
                query.notes.push(format!(
                    "-{}: a filter cannot be left out; its words are",
                    token.text
                ));
            } else if filter(&mut query, &key.to_lowercase(), value, offset) {
                continue;
            }
        }
        add_term(&mut query, token);
    }
    query
}

/// A piece of the input: a bare word (maybe `-word` or `word*`) or a quoted phrase.
struct Token {
    text: String,
    quoted: bool,
    excluded: bool,
    prefix: bool,
}

fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut excluded = false;
        if c == '-' {
            chars.next();
            excluded = chars.peek().is_some_and(|c| !c.is_whitespace());
            if !excluded {
                continue; // A lone `-` means nothing.
            }
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            // An unbalanced quote runs to the end: the phrase as far as it was typed.
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            let prefix = chars.peek() == Some(&'*');
            if prefix {
                chars.next();
            }
            out.push(Token {
                text,
                quoted: true,
                excluded,
                prefix,
            });
            continue;
        }
        let mut text = String::new();
        while let Some(&c) = chars.peek() {
            if c == '"' && text.ends_with(':') {
                // A quoted filter value (`label:"big deal"`): spaces and all, quotes dropped.
                chars.next();
                text.extend(chars.by_ref().take_while(|&c| c != '"'));
                continue;
            }
            if c.is_whitespace() || c == '"' {
                break;
            }
            text.push(c);
            chars.next();
        }
        let prefix = text.len() > 1 && text.ends_with('*');
        let text = text.trim_end_matches('*').to_string();
        out.push(Token {
            text,
            quoted: false,
            excluded,
            prefix,
        });
    }
    out
}

fn add_term(query: &mut SearchQuery, token: Token) {
    // The index keeps letters and digits only: a term without any would match nothing.
    if !token.text.chars().any(char::is_alphanumeric) {
        return;
    }
    query.terms.push(Term {
        text: token.text,
        prefix: token.prefix,
        excluded: token.excluded,
    });
}

/// Whether `key` names a filter.
fn is_filter(key: &str) -> bool {
    matches!(
        key,
        "from"
            | "is"
            | "status"
            | "channel"
            | "in"
            | "account"
            | "label"
            | "tag"
            | "priority"
            | "before"
            | "after"
    )
}

/// Applies `key:value` if it is a filter this search knows; false: take it as words.
fn filter(query: &mut SearchQuery, key: &str, value: &str, offset: UtcOffset) -> bool {
    let value = value.trim_matches('"');
    let lower = value.to_lowercase();
    match key {
        "from" => match lower.as_str() {
            "customer" | "contact" | "them" | "in" => query.from = Some(Direction::Inbound),
            "agent" | "us" | "me" | "out" => query.from = Some(Direction::Outbound),
            "note" | "notes" => query.from = Some(Direction::Note),
            _ => return unknown(query, key, value, "customer, agent or note"),
        },
        "is" => match lower.as_str() {
            "unread" => query.unread = true,
            "mine" => query.mine = true,
            "note" => query.from = Some(Direction::Note),
            "open" | "pending" | "resolved" | "snoozed" | "closed" => query
                .statuses
                .extend(ConversationStatus::from_linktor(&lower)),
            _ => return unknown(query, key, value, "unread, mine, note or a status"),
        },
        "status" => match ConversationStatus::from_linktor(&lower) {
            Some(status) => query.statuses.push(status),
            None => return unknown(query, key, value, "open, pending, resolved or snoozed"),
        },
        "channel" | "in" => query.channels.push(lower),
        "account" => query.accounts.push(value.to_string()),
        "label" | "tag" => query.labels.push(lower.trim_start_matches('#').to_string()),
        "priority" => match Priority::from_name(&lower) {
            Some(priority) => query.priority = Some(priority),
            None => return unknown(query, key, value, "urgent, high, medium or low"),
        },
        "before" | "after" => match day_start(&lower, offset) {
            Some(at) if key == "before" => query.before = Some(at),
            Some(at) => query.after = Some(at),
            None => return unknown(query, key, value, "a date like 2026-03-31"),
        },
        _ => return false,
    }
    true
}

fn unknown(query: &mut SearchQuery, key: &str, value: &str, expected: &str) -> bool {
    query.notes.push(format!(
        "{key}:{value} is not a filter ({key}: takes {expected}); searched as words"
    ));
    false
}

/// The start of a day given as `YYYY-MM-DD` (or `YYYY-MM`: its first day), in local time.
fn day_start(text: &str, offset: UtcOffset) -> Option<Timestamp> {
    let mut parts = text.splitn(3, '-');
    // Years a message can have (the store keeps nanoseconds since 1970 in 64 bits).
    let year: i32 = parts
        .next()?
        .parse()
        .ok()
        .filter(|y| (1970..=2200).contains(y))?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = match parts.next() {
        Some(day) => day.parse().ok()?,
        None => 1,
    };
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    Some(date.midnight().assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> SearchQuery {
        parse(text, UtcOffset::UTC)
    }

    fn words(query: &SearchQuery) -> Vec<(&str, bool, bool)> {
        query
            .terms
            .iter()
            .map(|t| (t.text.as_str(), t.prefix, t.excluded))
            .collect()
    }

    #[test]
    fn words_prefixes_phrases_and_exclusions() {
        let query = q(r#"vacuum refu* "late delivery" -spam"#);
        assert_eq!(
            words(&query),
            vec![
                ("vacuum", false, false),
                ("refu", true, false),
                ("late delivery", false, false),
                ("spam", false, true),
            ]
        );
        assert!(query.notes.is_empty());
    }

    #[test]
    fn filters_are_read() {
        let query = q(
            "from:customer channel:WhatsApp is:unread is:mine label:#VIP \
             priority:urgent status:pending after:2026-03-01 before:2026-04 refund",
        );
        assert_eq!(query.from, Some(Direction::Inbound));
        assert_eq!(query.channels, vec!["whatsapp"]);
        assert!(query.unread && query.mine);
        assert_eq!(query.labels, vec!["vip"]);
        assert_eq!(query.priority, Some(Priority::Urgent));
        assert_eq!(query.statuses, vec![ConversationStatus::Pending]);
        assert_eq!(
            query.after.map(|t| t.date().to_string()),
            Some("2026-03-01".into())
        );
        assert_eq!(
            query.before.map(|t| t.date().to_string()),
            Some("2026-04-01".into())
        );
        assert_eq!(words(&query), vec![("refund", false, false)]);
    }

    #[test]
    fn local_dates_start_at_local_midnight() {
        let offset = UtcOffset::from_hms(2, 0, 0).expect("a valid offset");
        let query = parse("after:2026-03-01", offset);
        assert_eq!(
            query.after.map(|t| t.unix_timestamp()),
            Some(time::macros::datetime!(2026-02-28 22:00 UTC).unix_timestamp())
        );
    }

    #[test]
    fn what_the_index_would_reject_is_taken_literally_or_dropped() {
        // Unbalanced quotes, a lone dash, FTS5 operators and syntax: words, never syntax.
        let query = q(r#""unfinished phrase"#);
        assert_eq!(words(&query), vec![("unfinished phrase", false, false)]);
        assert!(q("-").terms.is_empty());
        assert!(q("- * \"\" ()").is_empty());
        let query = q("NEAR(a b) AND OR NOT col:x ^start");
        assert_eq!(
            words(&query),
            vec![
                ("NEAR(a", false, false),
                ("b)", false, false),
                ("AND", false, false),
                ("OR", false, false),
                ("NOT", false, false),
                ("col:x", false, false),
                ("^start", false, false),
            ]
        );
    }

    #[test]
    fn a_filter_with_a_wrong_value_is_searched_as_words_and_said() {
        let query = q("priority:someday from:mars before:yesterday");
        assert_eq!(query.priority, None);
        assert_eq!(query.from, None);
        assert_eq!(query.before, None);
        assert_eq!(query.terms.len(), 3);
        assert_eq!(query.notes.len(), 3);
        assert!(
            query.notes[0].contains("priority:someday"),
            "{:?}",
            query.notes
        );
        // Times as words are not filters: 10:30 is searched as typed.
        assert_eq!(words(&q("10:30")), vec![("10:30", false, false)]);
    }

    #[test]
    fn a_left_out_filter_is_said_and_its_words_left_out() {
        let query = q("refund -label:spam");
        assert!(query.labels.is_empty());
        assert_eq!(
            words(&query),
            vec![("refund", false, false), ("label:spam", false, true)]
        );
        assert!(
            query.notes[0].contains("cannot be left out"),
            "{:?}",
            query.notes
        );
    }

    #[test]
    fn a_quoted_filter_value_keeps_its_spaces() {
        let query = q(r#"label:"big deal" refund"#);
        assert_eq!(query.labels, vec!["big deal"]);
        assert_eq!(words(&query), vec![("refund", false, false)]);
        assert!(
            q("after:1600-01-01").after.is_none(),
            "out of the store's range"
        );
    }

    #[test]
    fn only_exclusions_is_nothing_to_search_for() {
        assert!(q("-spam").is_empty());
        assert!(!q("-spam is:unread").is_empty());
        assert!(!q("is:unread").has_words());
    }

    #[test]
    fn snippet_runs_split_on_the_markers() {
        let snippet = format!("a {HIT_START}vacuum{HIT_END} broke {HIT_START}again{HIT_END}");
        assert_eq!(
            snippet_runs(&snippet),
            vec![
                ("a ", false),
                ("vacuum", true),
                (" broke ", false),
                ("again", true)
            ]
        );
    }
}
