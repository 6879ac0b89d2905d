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
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const MONTH_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const RELATIVE_DAYS: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "yesterday",
    "eod",
    "noon",
    "midday",
    "midnight",
];
const DAY_PARTS: &[&str] = &["morning", "afternoon", "evening", "night"];
const TIME_CUES: &[&str] = &[
    "at", "around", "after", "before", "until", "till", "til", "between", "by", "from", "and",
    "to", "or",
];
const UNIT_WORDS: &[&str] = &[
    "minute", "minutes", "min", "mins", "hour", "hours", "hrs", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "people", "persons", "person", "units", "unit", "items",
    "seconds", "business", "working", "times", "percent", "%", "x", "pieces", "pcs", "of",
];
/// Currency names written after an amount ("15 euros", "180 quid").
const CURRENCY_WORDS: &[&str] = &[
    "euro",
    "euros",
    "dollar",
    "dollars",
    "bucks",
    "pound",
    "pounds",
    "quid",
    "yen",
    "francs",
    "rupees",
    "rupee",
    "rs",
    "rand",
    "naira",
    "shillings",
    "shilling",
    "baht",
    "pesos",
    "peso",
    "reais",
    "real",
    "dirhams",
    "dirham",
    "cedis",
    "ringgit",
    "rupiah",
    "lira",
    "zloty",
    "kr",
];
/// ISO 4217 codes (and common local prefixes) written before or after an amount
/// ("THB 48,600", "135,00 EUR", "Ksh 2,500").
const CURRENCY_CODES: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "cny", "rmb", "inr", "brl", "kes", "ksh", "kshs", "ngn", "zar",
    "thb", "idr", "myr", "sgd", "hkd", "aud", "nzd", "cad", "chf", "sek", "nok", "dkk", "pln",
    "czk", "huf", "rub", "uah", "mxn", "ars", "clp", "aed", "qar", "egp", "mad", "ghs", "ugx",
    "tzs", "rwf", "xof", "xaf", "etb", "pkr", "bdt", "lkr", "npr", "vnd", "krw", "twd", "ils",
    "zmw", "mwk", "bwp", "mzn",
];
/// Currency signs, before or after the amount; "R$", "A$", "S$"… are a letter and `$`.
pub(crate) fn is_currency_sign(c: char) -> bool {
    matches!(
        c,
        '$' | '€'
            | '£'
            | '¥'
            | '₹'
            | '₦'
            | '₱'
            | '₩'
            | '₺'
            | '₽'
            | '฿'
            | '₪'
            | '₫'
            | '₴'
            | '₵'
            | '₡'
            | '₲'
            | '₸'
            | '₭'
            | '¢'
    )
}
/// Words near a bare "3k" that say money is meant.
const MONEY_CUES: &[&str] = &[
    "pay", "paid", "cost", "costs", "price", "budget", "salary", "owe", "refund", "charged",
    "deposit", "fee", "fees", "spent", "worth", "quote", "quoted", "loan", "rent", "invoice",
    "bill", "balance", "offer", "offered", "almost", "roughly", "approx", "charge", "charges",
];
const REFERENCE_CUES: &[&str] = &[
    "order",
    "ordr",
    "ord",
    "ref",
    "reference",
    "booking",
    "ticket",
    "case",
    "claim",
    "policy",
    "invoice",
    "account",
    "acct",
    "tracking",
    "parcel",
    "serial",
    "batch",
    "po",
    "job",
    "confirmation",
    "nr",
    "number",
    "numbr",
    "no",
    "id",
    "#",
];

/// Every entity of a message, in order of appearance.
pub fn entities_in(message: &str) -> Vec<Found> {
    let tokens: Vec<Token> = message
        .split_whitespace()
        .map(|raw| {
            let core = raw.trim_matches(|c: char| {
                !(c.is_alphanumeric() || is_currency_sign(c) || matches!(c, '#' | '+' | '/'))
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
    let claim = |found: &mut Vec<(usize, Found)>,
                 taken: &mut Vec<bool>,
                 from: usize,
                 to: usize,
                 kind: EntityKind,
                 value: String| {
        // A loose dash of a range ("9am - 12pm") has no core of its own.
        let text = tokens[from..=to]
            .iter()
            .map(|t| if t.core.is_empty() { "-" } else { t.core })
            .collect::<Vec<_>>()
            .join(" ");
        for slot in &mut taken[from..=to] {
            *slot = true;
        }
        found.push((from, Found { kind, text, value }));
    };

    for i in 0..tokens.len() {
        let core = tokens[i].core;
        let low = &lower[i];
        if low.starts_with("http://") || low.starts_with("https://") || low.starts_with("www.") {
            claim(
                &mut found,
                &mut taken,
                i,
                i,
                EntityKind::Url,
                low.trim_end_matches('/').to_string(),
            );
        } else if is_email(core) {
            claim(&mut found, &mut taken, i, i, EntityKind::Email, low.clone());
        }
    }
    for i in 0..tokens.len() {
        if taken[i] {
            continue;
        }
        if let Some((to, value)) = money_at(&tokens, &lower, i)
            && taken[i..=to].iter().all(|t| !t)
        {
            claim(&mut found, &mut taken, i, to, EntityKind::Money, value);
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
        if !taken[i]
            && let Some(to) = phone_at(&tokens, &lower, &taken, i)
        {
            let digits: String = tokens[i..=to]
                .iter()
                .flat_map(|t| t.core.chars())
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            claim(&mut found, &mut taken, i, to, EntityKind::Phone, digits);
            i = to + 1;
            continue;
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
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
}

/// An amount as written: digits with `,` / `.` grouping or decimals ("1,240.00", "349,90",
/// "4.250"), optionally in thousands or millions ("3k", "1.5k", "2m").
fn is_amount(text: &str) -> bool {
    let number = text
        .strip_suffix(['k', 'K', 'm', 'M'])
        .filter(|n| n.len() <= 4)
        .unwrap_or(text);
    let mut digits = 0;
    for c in number.chars() {
        match c {
            '0'..='9' => digits += 1,
            ',' | '.' => {}
            _ => return false,
        }
    }
    digits > 0 && number.starts_with(|c: char| c.is_ascii_digit())
}

/// The amount part of a token ("12/month" → "12"), without a trailing separator.
fn amount_of(core: &str) -> &str {
    core.split('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(['.', ',', '-'])
}

/// A currency written before the amount in the same token: a sign ("$29.99", "R$349,90"), a
/// code ("KES2,500", "Ksh2,500") or the naira's "N5000". Returns the currency and the amount.
fn prefixed_amount(core: &str) -> Option<(&str, &str)> {
    let sign = core.char_indices().find(|(_, c)| is_currency_sign(*c));
    if let Some((at, c)) = sign {
        let (currency, amount) = core.split_at(at + c.len_utf8());
        // At most two letters before the sign ("R$", "HK$").
        let letters_ok =
            currency[..at].len() <= 2 && currency[..at].chars().all(char::is_alphabetic);
        if letters_ok && is_amount(amount_of(amount)) {
            return Some((currency, amount_of(amount)));
        }
        return None;
    }
    let letters = core
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(core.len(), |(at, _)| at);
    if letters == 0 {
        return None;
    }
    let (currency, amount) = core.split_at(letters);
    let code = CURRENCY_CODES.contains(&currency.to_lowercase().as_str());
    // "N5000", "N2,500": the naira, with a number too large to be a model or a size.
    let naira = currency == "N"
        && (amount_of(amount).contains(',')
            || amount_of(amount)
                .chars()
                .filter(char::is_ascii_digit)
                .count()
                >= 4);
    ((code || naira) && is_amount(amount_of(amount))).then(|| (currency, amount_of(amount)))
}

/// Money: "$29.99", "€1,240.00", "R$ 349,90", "THB 48,600", "135,00 EUR", "45€", "15 euros",
/// "180 quid", "$12/month", "£15k", and a bare "3k" where money is spoken of.
fn money_at(tokens: &[Token], lower: &[String], i: usize) -> Option<(usize, String)> {
    let core = tokens[i].core;
    if let Some((currency, amount)) = prefixed_amount(core) {
        return Some((i, format!("{currency}{amount}")));
    }
    if let Some(last) = core.chars().last()
        && is_currency_sign(last)
    {
        let amount = &core[..core.len() - last.len_utf8()];
        if is_amount(amount) {
            return Some((i, format!("{last}{amount}")));
        }
    }
    let letters_and_sign = core.char_indices().last().is_some_and(|(at, c)| {
        is_currency_sign(c) && at <= 3 && core[..at].chars().all(char::is_alphabetic)
    });
    let currency_alone = core.chars().all(is_currency_sign)
        || letters_and_sign
        || CURRENCY_CODES.contains(&lower[i].as_str());
    if currency_alone
        && !core.is_empty()
        && let Some(next) = tokens.get(i + 1)
        && is_amount(amount_of(next.core))
        && next.core.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some((i + 1, format!("{} {}", amount_of(next.core), lower[i])));
    }
    let amount = amount_of(core);
    if is_amount(amount)
        && let Some(next) = lower.get(i + 1)
        && (CURRENCY_WORDS.contains(&next.as_str())
            || CURRENCY_CODES.contains(&next.as_str())
            || next.chars().all(is_currency_sign) && !next.is_empty())
    {
        return Some((i + 1, format!("{amount} {next}")));
    }
    // "3k", "15k": money only where the sentence speaks of it.
    let thousands = amount
        .strip_suffix(['k', 'K'])
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if thousands
        && lower[i.saturating_sub(3)..i]
            .iter()
            .any(|w| MONEY_CUES.contains(&w.as_str()))
    {
        return Some((i, amount.to_lowercase()));
    }
    None
}

fn is_clock(low: &str) -> bool {
    // European hours: "18h", "18h30", "9h".
    if let Some((h, m)) = low.split_once('h')
        && (1..=2).contains(&h.len())
        && h.chars().all(|c| c.is_ascii_digit())
        && h.parse::<u32>().is_ok_and(|h| h < 24)
        && (m.is_empty() || (m.len() == 2 && m.chars().all(|c| c.is_ascii_digit())))
    {
        return true;
    }
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
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.len() <= 2
        && digits.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

fn is_numeric_date(low: &str) -> bool {
    let parts: Vec<&str> = low.split(['/', '-', '.']).collect();
    if parts.len() < 2
        || parts.len() > 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
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
    WEEKDAYS
        .iter()
        .any(|d| low == *d || low.strip_suffix('s') == Some(d))
}

const WEEKDAY_ABBREVIATIONS: &[&str] = &[
    "mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat", "sun",
];

/// "Thu", "next tues", "Sat 14": a weekday's short form where it cannot be a word ("sat on
/// it", "the sun").
fn is_weekday_abbreviation(tokens: &[Token], lower: &[String], i: usize) -> bool {
    if !WEEKDAY_ABBREVIATIONS.contains(&lower[i].as_str()) {
        return false;
    }
    let capital = tokens[i].core.starts_with(|c: char| c.is_uppercase());
    let cue = i > 0
        && matches!(
            lower[i - 1].as_str(),
            "next" | "this" | "last" | "on" | "by" | "until" | "till" | "from" | "before" | "after"
        );
    let day_after = lower.get(i + 1).is_some_and(|n| is_day_number(n));
    // "fri", "tues": no English word, whatever the case.
    let unmistakable = matches!(
        lower[i].as_str(),
        "tue" | "tues" | "thu" | "thur" | "thurs" | "fri"
    );
    (capital && lower[i] != "sun" && lower[i] != "sat") || cue || day_after || unmistakable
}

/// A weekday, full or short.
fn is_day_name(tokens: &[Token], lower: &[String], i: usize) -> bool {
    is_weekday(&lower[i]) || is_weekday_abbreviation(tokens, lower, i)
}

/// Ends a date span at a day and month that follow it: "Thursday 16 April", "Thu 16 Apr",
/// "Friday the 3rd".
fn day_and_month_after(tokens: &[Token], lower: &[String], to: usize) -> usize {
    let mut to = to;
    let mut at = to + 1;
    if lower.get(at).map(String::as_str) == Some("the") {
        at += 1;
    }
    if lower.get(at).is_some_and(|n| is_day_number(n)) {
        to = at;
        if lower.get(to + 1).is_some_and(|n| {
            MONTHS.contains(&n.as_str()) || MONTH_ABBREVIATIONS.contains(&n.as_str()) || n == "may"
        }) && (lower[to + 1] != "may" || tokens[to + 1].core.starts_with('M'))
        {
            to += 1;
        }
    } else if at < lower.len() && is_month(tokens, lower, at) {
        to = at;
        if lower.get(to + 1).is_some_and(|n| is_day_number(n)) {
            to += 1;
        }
    }
    to
}

/// Nouns an ordinal ranks ("the 2nd time", "the 3rd floor"): after "the", any other word
/// leaves it a day ("on the 5th, can you…").
const RANKED: &[&str] = &[
    "time",
    "times",
    "floor",
    "party",
    "attempt",
    "place",
    "person",
    "one",
    "try",
    "row",
    "generation",
    "edition",
    "anniversary",
    "birthday",
    "grade",
    "call",
    "message",
    "email",
    "payment",
    "item",
    "order",
    "bag",
    "booking",
    "step",
    "option",
    "line",
    "page",
    "round",
    "year",
    "week",
    "month",
    "day",
    "night",
    "class",
    "level",
    "stage",
    "reminder",
    "instalment",
    "installment",
    "invoice",
    "letter",
    "visit",
    "session",
    "child",
    "kid",
    "car",
    "room",
];

fn ends_ordinal_day(next: Option<&str>) -> bool {
    next.is_none_or(|n| !RANKED.contains(&n))
}

/// A clock range in one token: "9am-12pm", "14:00-15:00", "9-5pm".
fn is_clock_range(low: &str) -> bool {
    let Some((from, to)) = low.split_once(['-', '–']) else {
        return false;
    };
    let bare_hour = |h: &str| h.parse::<u32>().is_ok_and(|h| h <= 24) && !h.is_empty();
    (is_clock(from) || bare_hour(from)) && is_clock(to) && (is_clock(from) || to.ends_with('m'))
}

/// A day range in one token: "Mon-Fri", "Monday-Friday".
fn is_day_range(low: &str) -> bool {
    low.split_once(['-', '–']).is_some_and(|(a, b)| {
        let day = |d: &str| is_weekday(d) || WEEKDAY_ABBREVIATIONS.contains(&d);
        day(a) && day(b)
    })
}

/// Extends a clock or day at `to` over a range written in words or with a loose dash:
/// "9am - 12pm", "9am to 12pm", "Monday to Friday".
fn range_after(tokens: &[Token], lower: &[String], to: usize) -> usize {
    let Some(joint) = lower.get(to + 1) else {
        return to;
    };
    if !(joint.is_empty() || matches!(joint.as_str(), "to" | "till" | "until" | "til")) {
        return to;
    }
    let end = to + 2;
    let Some(other) = lower.get(end) else {
        return to;
    };
    let clocks = is_clock(&lower[to]) && is_clock(other);
    let days = is_day_name(tokens, lower, to) && is_day_name(tokens, lower, end);
    if clocks || days { end } else { to }
}

/// A date or time starting at token `i`; returns the last token of the span.
fn datetime_at(tokens: &[Token], lower: &[String], i: usize) -> Option<usize> {
    let to = datetime_start(tokens, lower, i)?;
    Some(range_after(tokens, lower, to))
}

fn datetime_start(tokens: &[Token], lower: &[String], i: usize) -> Option<usize> {
    // "tomorrow's flight", "today's order".
    let low = lower[i].trim_end_matches("'s").trim_end_matches("’s");
    let next = lower.get(i + 1).map(String::as_str);
    if is_month(tokens, lower, i) {
        let mut to = i;
        if next.is_some_and(is_day_number) {
            to = i + 1;
        }
        return Some(to);
    }
    if is_day_number(low)
        && next.is_some_and(|n| {
            MONTHS.contains(&n)
                || (MONTH_ABBREVIATIONS.contains(&n)
                    && (!low.chars().all(|c| c.is_ascii_digit()) || n != "mar"))
                || (MONTH_ABBREVIATIONS.contains(&n)
                    && tokens[i + 1].core.starts_with(char::is_uppercase))
                || (n == "may" && tokens[i + 1].core.starts_with('M'))
        })
    {
        return Some(i + 1);
    }
    if is_day_number(low)
        && next == Some("of")
        && lower.get(i + 2).is_some_and(|m| {
            MONTHS.contains(&m.as_str()) || MONTH_ABBREVIATIONS.contains(&m.as_str())
        })
    {
        return Some(i + 2);
    }
    // "the 25th", "on the 3rd", "1st of each month".
    if is_day_number(low) && !low.chars().all(|c| c.is_ascii_digit()) {
        let cue = i > 0
            && matches!(
                lower[i - 1].as_str(),
                "the" | "on" | "by" | "until" | "till" | "before" | "after" | "from" | "since"
            );
        let of_each = next == Some("of")
            && lower
                .get(i + 2)
                .is_some_and(|n| matches!(n.as_str(), "each" | "every" | "the" | "this" | "next"));
        if (cue && ends_ordinal_day(next)) || of_each {
            return Some(i);
        }
    }
    if is_day_range(low) {
        return Some(i);
    }
    if is_day_name(tokens, lower, i) || matches!(low, "today" | "tomorrow" | "yesterday") {
        let part = next.is_some_and(|n| DAY_PARTS.contains(&n));
        if part {
            return Some(i + 1);
        }
        return Some(day_and_month_after(tokens, lower, i));
    }
    if RELATIVE_DAYS.contains(&low) {
        return Some(i);
    }
    if matches!(low, "this" | "next" | "last") {
        if let Some(n) = next
            && (DAY_PARTS.contains(&n)
                || matches!(n, "week" | "month" | "weekend" | "year")
                || is_day_name(tokens, lower, i + 1))
        {
            return Some(i + 1);
        }
        return None;
    }
    if low == "end"
        && next == Some("of")
        && lower
            .get(i + 2)
            .is_some_and(|n| matches!(n.as_str(), "day" | "week" | "month" | "the"))
    {
        let to = if lower.get(i + 2).map(String::as_str) == Some("the") {
            i + 3
        } else {
            i + 2
        };
        return (to < lower.len()).then_some(to);
    }
    if is_clock(low) || is_clock_range(low) {
        // "a 2h event" lasts; "until 18h", "at 9h" is a time.
        let bare_hours = low.ends_with('h') && low.len() <= 3;
        let previous = i.checked_sub(1).map(|p| lower[p].as_str());
        let timed = previous.is_some_and(|p| TIME_CUES.contains(&p) && p != "and" && p != "or")
            || (low.len() == 3
                && !previous.is_some_and(|p| {
                    matches!(
                        p,
                        "within" | "in" | "for" | "every" | "than" | "takes" | "last" | "a"
                    )
                }));
        if bare_hours && !timed {
            return None;
        }
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
            if UNIT_WORDS.contains(&n)
                || CURRENCY_WORDS.contains(&n)
                || CURRENCY_CODES.contains(&n)
                || n.starts_with('%')
            {
                return None;
            }
        }
        let cue = i > 0 && TIME_CUES.contains(&lower[i - 1].as_str());
        let chained = i > 1
            && lower[i - 1] == "and"
            && lower[i - 2].chars().all(|c| c.is_ascii_digit())
            && i > 2
            && lower[i - 3] == "between";
        let strong_cue = i > 0
            && matches!(
                lower[i - 1].as_str(),
                "at" | "around" | "after" | "before" | "until" | "till" | "til" | "between"
            );
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

/// Units a number can carry ("500MB", "1000W", "2kg", "1080p"): a quantity, not a reference.
const UNITS: &[&str] = &[
    "b", "kb", "mb", "gb", "tb", "kbps", "mbps", "gbps", "w", "kw", "kwh", "wh", "mah", "v", "a",
    "hz", "khz", "mhz", "ghz", "g", "kg", "mg", "lb", "lbs", "oz", "ml", "l", "cl", "km", "m",
    "cm", "mm", "ft", "in", "p", "k", "x", "mp", "gsm", "sqm", "m2", "min", "mins", "h", "hr",
    "hrs", "s", "sec", "ms", "pcs", "pc", "gig", "gigs", "months", "yr", "yrs", "st", "nd", "rd",
    "th",
];

fn is_quantity(core: &str) -> bool {
    let number_end = core
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',')))
        .map_or(core.len(), |(at, _)| at);
    number_end > 0 && UNITS.contains(&core[number_end..].to_lowercase().as_str())
}

/// "ending 0931", "last 4 digits 0931": part of a card or account number, not a reference.
fn is_partial_number(lower: &[String], i: usize) -> bool {
    lower[i.saturating_sub(3)..i].iter().any(|w| {
        matches!(
            w.as_str(),
            "ending" | "ends" | "ended" | "digits" | "last4" | "xxxx" | "****"
        )
    })
}

/// A code in capitals with letters and digits mixed, as bookings and vouchers are written
/// ("QX7P4L", "K9F2ZQ").
fn is_code(core: &str) -> bool {
    let (digits, letters) = has_digits_and_letters(core);
    (5..=12).contains(&core.len())
        && digits >= 1
        && letters >= 2
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && !core.starts_with(|c: char| c.is_ascii_digit())
}

fn is_reference(tokens: &[Token], lower: &[String], i: usize) -> bool {
    let core = tokens[i].core;
    if tokens[i].lower_alpha || is_quantity(core) || is_partial_number(lower, i) {
        return false;
    }
    if is_code(core) {
        return true;
    }
    if let Some(rest) = core.strip_prefix('#') {
        return rest.chars().any(|c| c.is_ascii_digit());
    }
    if !core
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '/')
    {
        return false;
    }
    let (digits, letters) = has_digits_and_letters(core);
    // Dimensions ("200x60") and ordinals are not references.
    let dimension = core.split(['x', 'X']).count() == 2
        && core
            .split(['x', 'X'])
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if digits >= 3 && letters >= 1 && core.len() >= 5 && !dimension {
        return true;
    }
    // The last group of a phone number ("+31 6 12345678") is not a reference.
    let continues_phone = i > 0 && is_phone_piece(tokens[i - 1].core);
    if letters == 0
        && digits >= 4
        && !continues_phone
        && core.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        let window = i.saturating_sub(3)..i;
        // "wrong number 0722418906", "the number is 0244 123 987": a phone, unless an order,
        // a ticket or a booking is named.
        let phone_like = (core.starts_with('0') && (9..=12).contains(&digits))
            || tokens
                .get(i + 1)
                .is_some_and(|next| is_phone_piece(next.core) && count_digits(next.core) >= 3);
        return lower[window].iter().any(|w| {
            REFERENCE_CUES.contains(&w.as_str())
                && !(phone_like
                    && matches!(w.as_str(), "number" | "numbr" | "no" | "nr" | "#" | "id"))
        });
    }
    false
}

fn is_phone_piece(core: &str) -> bool {
    !core.is_empty()
        && core.chars().any(|c| c.is_ascii_digit())
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.'))
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
        && lower[i.saturating_sub(3)..i].iter().any(|w| {
            matches!(
                w.as_str(),
                "call" | "phone" | "tel" | "mobile" | "cell" | "whatsapp" | "text" | "number"
            )
        });
    let after_reference_cue =
        i > 0 && REFERENCE_CUES.contains(&lower[i - 1].as_str()) && lower[i - 1] != "number";
    // A national number: "0722418906", "07700900461".
    let national = to == i
        && first.starts_with('0')
        && first.chars().all(|c| c.is_ascii_digit())
        && (9..=12).contains(&digits)
        && !is_partial_number(lower, i);
    ((7..=15).contains(&digits)
        && (shaped || cue || national)
        && !after_reference_cue
        && !is_numeric_date(first))
    .then_some(to)
}

fn count_digits(core: &str) -> usize {
    core.chars().filter(char::is_ascii_digit).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(EntityKind, String)> {
        entities_in(text)
            .into_iter()
            .map(|f| (f.kind, f.text))
            .collect()
    }

    #[test]
    fn finds_each_kind() {
        use EntityKind::*;
        assert_eq!(
            kinds(
                "Mail jo@x.example, see https://x.example/a. Order #4521 cost $29.99 on March 3 at 3pm; call +44 7700 900123."
            ),
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
        assert_eq!(
            kinds("order 58812 and TCK-70415"),
            vec![(Reference, "58812".into()), (Reference, "TCK-70415".into())]
        );
        assert!(kinds("size 42, 200x60, year 2026 and 14 months").is_empty());
    }

    #[test]
    fn bare_hours_need_a_time_word_and_no_unit() {
        use EntityKind::*;
        assert_eq!(
            kinds("around 8 tonight"),
            vec![(DateTime, "8".into()), (DateTime, "tonight".into())]
        );
        assert!(kinds("after 14 months, for 30 seconds").is_empty());
    }

    #[test]
    fn money_in_the_worlds_formats() {
        use EntityKind::*;
        let money = |text: &str| -> Vec<String> {
            entities_in(text)
                .into_iter()
                .filter(|f| f.kind == Money)
                .map(|f| f.text)
                .collect()
        };
        assert_eq!(money("the tour is THB 48,600 in total"), vec!["THB 48,600"]);
        assert_eq!(money("refund of 135,00 EUR please"), vec!["135,00 EUR"]);
        assert_eq!(
            money("₹1,499 and R$ 349,90 and R$59"),
            vec!["₹1,499", "R$ 349,90", "R$59"]
        );
        assert_eq!(
            money("send Ksh 2,500 or KES1,000"),
            vec!["Ksh 2,500", "KES1,000"]
        );
        assert_eq!(money("I paid N5000 yesterday"), vec!["N5000"]);
        assert_eq!(money("it was 4.250 € and £15k"), vec!["4.250 €", "£15k"]);
        assert_eq!(
            money("the budget is 3k, about 180 quid a week"),
            vec!["3k", "180 quid"]
        );
        assert!(money("3k followers, N64 console, model N95, a Nokia N900").is_empty());
        assert!(money("Do you support PHP 8? I'm training for a 10k").is_empty());
    }

    #[test]
    fn dates_in_short_and_spoken_forms() {
        use EntityKind::*;
        let dates = |text: &str| -> Vec<String> {
            entities_in(text)
                .into_iter()
                .filter(|f| f.kind == DateTime)
                .map(|f| f.text)
                .collect()
        };
        assert_eq!(dates("booked for Thu 16 Apr"), vec!["Thu 16 Apr"]);
        assert_eq!(dates("can we do next tues"), vec!["next tues"]);
        assert_eq!(dates("it broke last night"), vec!["last night"]);
        assert_eq!(dates("payment is due on the 25th"), vec!["25th"]);
        assert_eq!(dates("debited on the 1st of each month"), vec!["1st"]);
        assert_eq!(dates("about tomorrow's flight"), vec!["tomorrow's"]);
        assert_eq!(dates("we open at 18h, or 9h30"), vec!["18h", "9h30"]);
        assert_eq!(
            dates("a slot 9am-12pm or 14:00-15:00"),
            vec!["9am-12pm", "14:00-15:00"]
        );
        assert_eq!(
            dates("from 9am to 12pm, Mon-Fri"),
            vec!["9am to 12pm", "Mon-Fri"]
        );
        assert!(dates("the 2nd time, 3rd floor, I sat on it").is_empty());
    }

    #[test]
    fn units_and_partial_numbers_are_not_references_and_local_phones_are_phones() {
        use EntityKind::*;
        assert!(kinds("500MB of data, a 1000W heater, account ending 0931").is_empty());
        assert_eq!(kinds("booking QX7P4L"), vec![(Reference, "QX7P4L".into())]);
        assert_eq!(
            kinds("reach me on 0722418906 or 07700 900461"),
            vec![(Phone, "0722418906".into()), (Phone, "07700 900461".into())]
        );
    }
}
