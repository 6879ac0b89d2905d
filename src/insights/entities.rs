//! Entities: dates and times, money, order/ticket numbers, emails, phone numbers and URLs.
//!
//! A hand-written scanner over whitespace tokens (no regex, no model): each token is claimed
//! by at most one entity, tried in the order URL, email, money, date/time, reference, phone,
//! so "INV-2026-0217" is a reference and not a phone number.

use super::model::EntityKind;

/// An entity found in one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub kind: EntityKind,
    /// As written.
    pub text: String,
    /// Normalised for grouping.
    pub value: String,
}

/// One whitespace token with its punctuation trimmed.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    /// Trimmed of leading/trailing punctuation that cannot belong to an entity.
    core: &'a str,
    lower_alpha: bool,
}

const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
];
const MONTH_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];
const WEEKDAYS: &[&str] = &[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
];
const RELATIVE_DAYS: &[&str] = &["today", "tonight", "tomorrow", "yesterday", "eod", "noon", "midnight"];
const DAY_PARTS: &[&str] = &["morning", "afternoon", "evening", "night"];
const TIME_CUES: &[&str] = &["at", "around", "after", "before", "until", "till", "til", "between", "by", "from", "and", "to", "or"];
const UNIT_WORDS: &[&str] = &[
    "minute", "minutes", "min", "mins", "hour", "hours", "hrs", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "people", "persons", "person", "units", "unit", "items",
    "seconds", "business", "working", "times", "percent", "%", "x", "pieces", "pcs", "of",
];
const CURRENCY_WORDS: &[&str] = &[
    "euro", "euros", "eur", "dollar", "dollars", "usd", "bucks", "pound", "pounds", "gbp", "yen",
    "jpy", "cad", "aud", "chf", "francs",
];
const REFERENCE_CUES: &[&str] = &[
    "order", "ordr", "ord", "ref", "reference", "booking", "ticket", "case", "claim", "policy",
    "invoice", "account", "acct", "tracking", "parcel", "serial", "batch", "po", "job",
    "confirmation", "nr", "number", "numbr", "no", "id", "#",
];

/// Every entity of a message, in order of appearance.
pub fn entities_in(message: &str) -> Vec<Found> {
    let tokens: Vec<Token> = message
        .split_whitespace()
        .map(|raw| {
            let core = raw.trim_matches(|c: char| {
                !(c.is_alphanumeric() || matches!(c, '$' | '€' | '£' | '¥' | '#' | '+' | '/'))
            });
            // "(415)" keeps its opening parenthesis for the phone scanner.
            let core = if raw.starts_with('(') && core.chars().all(|c| c.is_ascii_digit()) {
                raw.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')')
            } else {
                core
            };
            let core = core.trim_end_matches('/');
            Token {
                core,
                lower_alpha: core.chars().all(|c| c.is_alphabetic()),
            }
        })
        .collect();
    let lower: Vec<String> = tokens.iter().map(|t| t.core.to_lowercase()).collect();
    let mut taken = vec![false; tokens.len()];
    let mut found: Vec<(usize, Found)> = Vec::new();
    let claim = |found: &mut Vec<(usize, Found)>, taken: &mut Vec<bool>, from: usize, to: usize, kind: EntityKind, value: String| {
        let text = tokens[from..=to].iter().map(|t| t.core).collect::<Vec<_>>().join(" ");
        for slot in &mut taken[from..=to] {
            *slot = true;
        }
        found.push((from, Found { kind, text, value }));
    };

    for i in 0..tokens.len() {
        let core = tokens[i].core;
        let low = &lower[i];
        if low.starts_with("http://") || low.starts_with("https://") || low.starts_with("www.") {
            claim(&mut found, &mut taken, i, i, EntityKind::Url, low.trim_end_matches('/').to_string());
        } else if is_email(core) {
            claim(&mut found, &mut taken, i, i, EntityKind::Email, low.clone());
        }
    }
    for i in 0..tokens.len() {
        if taken[i] {
            continue;
        }
        if let Some((to, value)) = money_at(&tokens, &lower, i) {
            if taken[i..=to].iter().all(|t| !t) {
                claim(&mut found, &mut taken, i, to, EntityKind::Money, value);
            }
        }
    }
    for i in 0..tokens.len() {
        if taken[i] {
            continue;
        }
        if let Some(to) = datetime_at(&tokens, &lower, i) {
            let value = lower[i..=to].join(" ");
            claim(&mut found, &mut taken, i, to, EntityKind::DateTime, value);
        }
    }
    for i in 0..tokens.len() {
        if taken[i] {
            continue;
        }
        if is_reference(&tokens, &lower, i) {
            let value = lower[i].trim_start_matches('#').to_string();
            claim(&mut found, &mut taken, i, i, EntityKind::Reference, value);
        }
    }
    let mut i = 0;
    while i < tokens.len() {
        if !taken[i] {
            if let Some(to) = phone_at(&tokens, &lower, &taken, i) {
                let digits: String = tokens[i..=to]
                    .iter()
                    .flat_map(|t| t.core.chars())
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
                claim(&mut found, &mut taken, i, to, EntityKind::Phone, digits);
                i = to + 1;
                continue;
            }
        }
        i += 1;
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, f)| f).collect()
}

fn is_email(core: &str) -> bool {
    let Some((local, domain)) = core.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
}

fn is_amount(text: &str) -> bool {
    let mut digits = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => digits += 1,
            ',' | '.' => {}
            _ => return false,
        }
    }
    digits > 0 && text.starts_with(|c: char| c.is_ascii_digit())
}

/// Money: "$29.99", "€1,240.00", "15 euros", "USD 30", "45€", "$12/month".
fn money_at(tokens: &[Token], lower: &[String], i: usize) -> Option<(usize, String)> {
    let core = tokens[i].core;
    let symbol = core.chars().next()?;
    if matches!(symbol, '$' | '€' | '£' | '¥') {
        let amount = core[symbol.len_utf8()..].split('/').next().unwrap_or("");
        if is_amount(amount) {
            return Some((i, format!("{symbol}{}", amount.trim_end_matches(['.', ',']))));
        }
    }
    if let Some(last) = core.chars().last()
        && matches!(last, '$' | '€' | '£' | '¥')
        && is_amount(&core[..core.len() - last.len_utf8()])
    {
        return Some((i, format!("{last}{}", &core[..core.len() - last.len_utf8()])));
    }
    let amount = core.split('/').next().unwrap_or("");
    if is_amount(amount)
        && let Some(next) = lower.get(i + 1)
        && CURRENCY_WORDS.contains(&next.as_str())
    {
        return Some((i + 1, format!("{amount} {next}")));
    }
    if CURRENCY_WORDS.contains(&lower[i].as_str())
        && lower[i].len() == 3
        && let Some(next) = tokens.get(i + 1)
        && is_amount(next.core)
    {
        return Some((i + 1, format!("{} {}", next.core, lower[i])));
    }
    None
}

fn is_clock(low: &str) -> bool {
    let body = low
        .strip_suffix("am")
        .or_else(|| low.strip_suffix("pm"))
        .or_else(|| low.strip_suffix("a.m"))
        .or_else(|| low.strip_suffix("p.m"))
        .or_else(|| low.strip_suffix('h'));
    let has_suffix = body.is_some();
    let body = body.unwrap_or(low);
    match body.split_once(':') {
        Some((h, m)) => {
            h.len() <= 2
                && m.len() == 2
                && h.chars().all(|c| c.is_ascii_digit())
                && m.chars().all(|c| c.is_ascii_digit())
                && h.parse::<u32>().is_ok_and(|h| h < 24)
        }
        None => {
            has_suffix
                && low.ends_with('m')
                && (1..=2).contains(&body.len())
                && body.chars().all(|c| c.is_ascii_digit())
                && body.parse::<u32>().is_ok_and(|h| (1..=12).contains(&h))
        }
    }
}

fn is_day_number(low: &str) -> bool {
    let digits = low.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &low[digits.len()..];
    matches!(suffix, "" | "st" | "nd" | "rd" | "th")
        && !digits.is_empty()
        && digits.len() <= 2
        && digits.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

fn is_numeric_date(low: &str) -> bool {
    let parts: Vec<&str> = low.split(['/', '-', '.']).collect();
    if parts.len() < 2 || parts.len() > 3 || !parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let iso = parts.len() == 3 && parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2;
    let dmy = parts[0].len() <= 2
        && parts[1].len() <= 2
        && parts.get(2).is_none_or(|y| y.len() == 2 || y.len() == 4)
        && parts[0].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
        && parts[1].parse::<u32>().is_ok_and(|m| (1..=31).contains(&m))
        && (low.contains('/') || parts.len() == 3);
    iso || dmy
}

fn is_month(tokens: &[Token], lower: &[String], i: usize) -> bool {
    let low = lower[i].as_str();
    if low == "may" {
        // "may" is a month only as "May 3" or "3 May", capitalised.
        let capital = tokens[i].core.starts_with('M');
        let day_after = lower.get(i + 1).is_some_and(|n| is_day_number(n));
        let day_before = i > 0 && is_day_number(&lower[i - 1]);
        return capital && (day_after || day_before);
    }
    if MONTHS.contains(&low) {
        return true;
    }
    MONTH_ABBREVIATIONS.contains(&low) && lower.get(i + 1).is_some_and(|n| is_day_number(n))
}

fn is_weekday(low: &str) -> bool {
    WEEKDAYS.iter().any(|d| low == *d || low.strip_suffix('s') == Some(d))
}

/// A date or time starting at token `i`; returns the last token of the span.
fn datetime_at(tokens: &[Token], lower: &[String], i: usize) -> Option<usize> {
    let low = lower[i].as_str();
    let next = lower.get(i + 1).map(String::as_str);
    if is_month(tokens, lower, i) {
        let mut to = i;
        if next.is_some_and(is_day_number) {
            to = i + 1;
        }
        return Some(to);
    }
    if is_day_number(low) && !low.chars().all(|c| c.is_ascii_digit()) && next.is_some_and(|n| MONTHS.contains(&n)) {
        return Some(i + 1);
    }
    if is_day_number(low) && next.is_some_and(|n| MONTHS.contains(&n) || (n == "of" && lower.get(i + 2).is_some_and(|m| MONTHS.contains(&m.as_str())))) {
        return Some(if next == Some("of") { i + 2 } else { i + 1 });
    }
    if is_weekday(low) || matches!(low, "today" | "tomorrow" | "yesterday") {
        let part = next.is_some_and(|n| DAY_PARTS.contains(&n));
        return Some(if part { i + 1 } else { i });
    }
    if RELATIVE_DAYS.contains(&low) {
        return Some(i);
    }
    if matches!(low, "this" | "next") {
        if let Some(n) = next
            && (DAY_PARTS.contains(&n) || matches!(n, "week" | "month" | "weekend" | "year") || is_weekday(n))
        {
            return Some(i + 1);
        }
        return None;
    }
    if low == "end" && next == Some("of") && lower.get(i + 2).is_some_and(|n| matches!(n.as_str(), "day" | "week" | "month" | "the")) {
        let to = if lower.get(i + 2).map(String::as_str) == Some("the") { i + 3 } else { i + 2 };
        return (to < lower.len()).then_some(to);
    }
    if is_clock(low) {
        return Some(i);
    }
    if is_numeric_date(low) {
        return Some(i);
    }
    // A bare hour after a time word: "around 8", "after 9", "between 11 and 1".
    if low.chars().all(|c| c.is_ascii_digit())
        && low.parse::<u32>().is_ok_and(|h| h <= 24)
        && !low.is_empty()
    {
        if let Some(n) = next {
            if matches!(n, "am" | "pm" | "a.m" | "p.m" | "o'clock") {
                return Some(i + 1);
            }
            if UNIT_WORDS.contains(&n) || CURRENCY_WORDS.contains(&n) || n.starts_with('%') {
                return None;
            }
        }
        let cue = i > 0 && TIME_CUES.contains(&lower[i - 1].as_str());
        let chained = i > 1 && lower[i - 1] == "and" && lower[i - 2].chars().all(|c| c.is_ascii_digit()) && i > 2 && lower[i - 3] == "between";
        let strong_cue = i > 0 && matches!(lower[i - 1].as_str(), "at" | "around" | "after" | "before" | "until" | "till" | "til" | "between");
        if strong_cue || (cue && chained) {
            return Some(i);
        }
    }
    None
}

fn has_digits_and_letters(core: &str) -> (usize, usize) {
    let digits = core.chars().filter(char::is_ascii_digit).count();
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    (digits, letters)
}

fn is_reference(tokens: &[Token], lower: &[String], i: usize) -> bool {
    let core = tokens[i].core;
    if tokens[i].lower_alpha {
        return false;
    }
    if let Some(rest) = core.strip_prefix('#') {
        return rest.chars().any(|c| c.is_ascii_digit());
    }
    if !core.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '/') {
        return false;
    }
    let (digits, letters) = has_digits_and_letters(core);
    // Dimensions ("200x60") and ordinals are not references.
    let dimension = core.split(['x', 'X']).count() == 2
        && core.split(['x', 'X']).all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if digits >= 3 && letters >= 1 && core.len() >= 5 && !dimension {
        return true;
    }
    // The last group of a phone number ("+31 6 12345678") is not a reference.
    let continues_phone = i > 0 && is_phone_piece(tokens[i - 1].core);
    if letters == 0 && digits >= 4 && !continues_phone && core.chars().all(|c| c.is_ascii_digit() || c == '-') {
        let window = i.saturating_sub(3)..i;
        return lower[window].iter().any(|w| REFERENCE_CUES.contains(&w.as_str()));
    }
    false
}

fn is_phone_piece(core: &str) -> bool {
    !core.is_empty()
        && core.chars().any(|c| c.is_ascii_digit())
        && core.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.'))
}

fn phone_at(tokens: &[Token], lower: &[String], taken: &[bool], i: usize) -> Option<usize> {
    if !is_phone_piece(tokens[i].core) {
        return None;
    }
    let mut to = i;
    let mut digits = count_digits(tokens[i].core);
    while to + 1 < tokens.len()
        && !taken[to + 1]
        && is_phone_piece(tokens[to + 1].core)
        && !tokens[to + 1].core.starts_with('+')
        && digits + count_digits(tokens[to + 1].core) <= 15
    {
        to += 1;
        digits += count_digits(tokens[to].core);
    }
    // Leave trailing short pieces that read as something else ("555-0143 30 minutes").
    while to > i && count_digits(tokens[to].core) < 3 {
        to -= 1;
    }
    let digits: usize = tokens[i..=to].iter().map(|t| count_digits(t.core)).sum();
    let first = tokens[i].core;
    let grouped = to > i || first.contains('-') || first.contains(')');
    let shaped = first.starts_with('+') || first.starts_with('(') || grouped;
    let cue = i > 0
        && lower[i.saturating_sub(3)..i]
            .iter()
            .any(|w| matches!(w.as_str(), "call" | "phone" | "tel" | "mobile" | "cell" | "whatsapp" | "text" | "number"));
    let after_reference_cue = i > 0 && REFERENCE_CUES.contains(&lower[i - 1].as_str()) && lower[i - 1] != "number";
    ((7..=15).contains(&digits) && (shaped || cue) && !after_reference_cue && !is_numeric_date(first))
        .then_some(to)
}

fn count_digits(core: &str) -> usize {
    core.chars().filter(char::is_ascii_digit).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(EntityKind, String)> {
        entities_in(text).into_iter().map(|f| (f.kind, f.text)).collect()
    }

    #[test]
    fn finds_each_kind() {
        use EntityKind::*;
        assert_eq!(
            kinds("Mail jo@x.example, see https://x.example/a. Order #4521 cost $29.99 on March 3 at 3pm; call +44 7700 900123."),
            vec![
                (Email, "jo@x.example".into()),
                (Url, "https://x.example/a".into()),
                (Reference, "#4521".into()),
                (Money, "$29.99".into()),
                (DateTime, "March 3".into()),
                (DateTime, "3pm".into()),
                (Phone, "+44 7700 900123".into()),
            ]
        );
    }

    #[test]
    fn references_need_a_cue_or_letters() {
        use EntityKind::*;
        assert_eq!(kinds("order 58812 and TCK-70415"), vec![(Reference, "58812".into()), (Reference, "TCK-70415".into())]);
        assert!(kinds("size 42, 200x60, year 2026 and 14 months").is_empty());
    }

    #[test]
    fn bare_hours_need_a_time_word_and_no_unit() {
        use EntityKind::*;
        assert_eq!(kinds("around 8 tonight"), vec![(DateTime, "8".into()), (DateTime, "tonight".into())]);
        assert!(kinds("after 14 months, for 30 seconds").is_empty());
    }
}
