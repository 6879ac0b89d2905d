//! Resolving what an action item's due words mean ("tomorrow 3pm", "by Friday", "March 13")
//! against the time of the message that said them. Unresolvable words stay text only.

use time::{Duration, Month, Time, Weekday};

use crate::model::Timestamp;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

const MONTHS: [(&str, Month); 12] = [
    ("jan", Month::January),
    ("feb", Month::February),
    ("mar", Month::March),
    ("apr", Month::April),
    ("may", Month::May),
    ("jun", Month::June),
    ("jul", Month::July),
    ("aug", Month::August),
    ("sep", Month::September),
    ("oct", Month::October),
    ("nov", Month::November),
    ("dec", Month::December),
];

/// The moment `words` (lower case, e.g. "tomorrow 3pm") mean, said at `said`. A day without a
/// time means the end of that day ("by Friday"); parts of the day mean their usual hour
/// ("tomorrow afternoon" 15:00, "end of day" 17:00, "tonight" 20:00); a time without a day is
/// the next such time.
pub fn resolve(words: &str, said: Timestamp) -> Option<Timestamp> {
    let mut date = None;
    let mut time = None;
    // A range ("9am-12pm") splits at its dash; a date ("2026-05-31") does not.
    let tokens: Vec<&str> = words
        .split_whitespace()
        .flat_map(|w| {
            if numeric_date(w, said).is_some() {
                vec![w]
            } else {
                w.split(['-', '–']).collect()
            }
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s"))
        .collect();
    for (i, word) in tokens.iter().enumerate() {
        let before = i.checked_sub(1).map(|b| tokens[b]);
        match *word {
            "today" | "now" => date = date.or(Some(said.date())),
            "tonight" => {
                date = date.or(Some(said.date()));
                time = time.or(Time::from_hms(20, 0, 0).ok());
            }
            "eod" => {
                date = date.or(Some(said.date()));
                time = time.or(Time::from_hms(17, 0, 0).ok());
            }
            "tomorrow" | "tmrw" | "tmr" => date = said.date().next_day(),
            "morning" => time = time.or(Time::from_hms(9, 0, 0).ok()),
            "noon" | "midday" => time = Time::from_hms(12, 0, 0).ok(),
            "afternoon" => time = time.or(Time::from_hms(15, 0, 0).ok()),
            "evening" => time = time.or(Time::from_hms(18, 0, 0).ok()),
            "night" => time = time.or(Time::from_hms(20, 0, 0).ok()),
            "day" if before == Some("of") => time = time.or(Time::from_hms(17, 0, 0).ok()),
            "week" if before == Some("of") || before == Some("the") => {
                date = Some(weekday_from(said, Weekday::Friday, false)?);
                time = time.or(Time::from_hms(17, 0, 0).ok());
            }
            _ => {}
        }
        if let Some(weekday) = weekday(word) {
            date = Some(weekday_from(said, weekday, before == Some("next"))?);
        }
        if let Some(month) = month(word) {
            let day_after = tokens.get(i + 1).and_then(|d| day_number(d));
            let day_before = before.and_then(day_number);
            if let Some(day) = day_after.or(day_before) {
                date = dated(said, month, day);
            }
        } else if let Some(day) = day_number(word).filter(|_| word.ends_with(char::is_alphabetic))
            && tokens.get(i + 1).is_none_or(|n| month(n).is_none())
            && before.is_none_or(|b| month(b).is_none())
        {
            // "the 25th": this month's, or next month's once it has passed.
            date = ordinal_day(said, day);
        }
        if let Some(numeric) = numeric_date(word, said) {
            date = Some(numeric);
        }
        if let Some(clock) = clock(word) {
            time = Some(clock);
        } else if let Ok(hour) = word.parse::<u8>()
            && tokens.get(i + 1).is_none_or(|n| month(n).is_none())
            && before.is_none_or(|b| month(b).is_none())
            && (before == Some("at")
                || tokens.get(i + 1).is_some_and(|n| *n == "o'clock")
                // The words are the dates and times found: a bare number is an hour.
                || tokens.len() > 1)
        {
            // "tomorrow at 11": a bare hour in working hours.
            time = working_hour(hour).or(time);
        }
    }
    let moment = match (date, time) {
        (Some(date), Some(time)) => date.with_time(time),
        (Some(date), None) => date.with_time(Time::from_hms(23, 59, 0).ok()?),
        (None, Some(time)) => {
            let today = said.date().with_time(time);
            if today.assume_utc() >= said {
                today
            } else {
                said.date().next_day()?.with_time(time)
            }
        }
        (None, None) => return None,
    };
    Some(moment.assume_utc())
}

/// "within 30 days", "in 10 minutes", "in 2 working days": the words and the moment that long
/// after `said`. Longer than ten years is not a due date.
pub fn after_duration(words: &[String], said: Timestamp) -> Option<(String, Timestamp)> {
    (0..words.len()).find_map(|at| {
        if !matches!(words[at].as_str(), "within" | "in") {
            return None;
        }
        let amount: i64 = match words.get(at + 1)?.as_str() {
            "a" | "an" | "one" => 1,
            "two" => 2,
            "few" => 3,
            number => number.parse().ok().filter(|n| (1..=3650).contains(n))?,
        };
        let mut end = at + 2;
        if matches!(words.get(end)?.as_str(), "business" | "working") {
            end += 1;
        }
        let length = match words.get(end)?.trim_end_matches('s') {
            "minute" | "min" => Duration::minutes(amount),
            "hour" | "hr" | "h" => Duration::hours(amount),
            "day" => Duration::days(amount),
            "week" => Duration::weeks(amount),
            _ => return None,
        };
        Some((words[at..=end].join(" "), said.checked_add(length)?))
    })
}

/// "now", "right away", "immediately": due as it is said. Returns the words.
pub fn at_once(words: &[String]) -> Option<String> {
    let joined = words.join(" ");
    // "for now", "until now", "by now" say nothing of when.
    if ["for now", "until now", "by now", "till now", "up to now"]
        .iter()
        .any(|phrase| joined.contains(phrase))
    {
        return None;
    }
    [
        "right now",
        "right away",
        "straight away",
        "immediately",
        "now",
    ]
    .into_iter()
    .find(|phrase| {
        joined == *phrase
            || joined.ends_with(&format!(" {phrase}"))
            || joined.contains(&format!(" {phrase} "))
            || joined.starts_with(&format!("{phrase} "))
    })
    .map(str::to_string)
}

fn weekday(word: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(name, _)| {
            word.len() >= 3 && (name.starts_with(word) || word.starts_with(name))
                || word.strip_suffix('s') == Some(name)
        })
        .map(|(_, weekday)| *weekday)
}

/// The next `weekday` from `said` (today counts unless `next` is said on that day).
fn weekday_from(said: Timestamp, weekday: Weekday, next: bool) -> Option<time::Date> {
    let mut day = said.date();
    if next && day.weekday() == weekday {
        day = day.next_day()?;
    }
    for _ in 0..7 {
        if day.weekday() == weekday {
            return Some(day);
        }
        day = day.next_day()?;
    }
    None
}

fn month(word: &str) -> Option<Month> {
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map(|(_, month)| *month)
}

fn day_number(word: &str) -> Option<u8> {
    let digits = word.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &word[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.len() > 2 {
        return None;
    }
    digits.parse::<u8>().ok().filter(|d| (1..=31).contains(d))
}

/// A day and month said without a year: this year's, or next year's when it has passed by
/// more than a month (a date just past is a date just past).
fn dated(said: Timestamp, month: Month, day: u8) -> Option<time::Date> {
    let this_year = time::Date::from_calendar_date(said.year(), month, day).ok()?;
    if this_year < said.date() - Duration::days(31) {
        time::Date::from_calendar_date(said.year() + 1, month, day).ok()
    } else {
        Some(this_year)
    }
}

fn ordinal_day(said: Timestamp, day: u8) -> Option<time::Date> {
    let this_month = time::Date::from_calendar_date(said.year(), said.month(), day).ok();
    match this_month {
        Some(date) if date >= said.date() => Some(date),
        _ => {
            let next = said.month().next();
            let year = if next == Month::January {
                said.year() + 1
            } else {
                said.year()
            };
            time::Date::from_calendar_date(year, next, day).ok()
        }
    }
}

/// "31/05", "31/05/2026", "31.05.2026", "2026-05-31" (day before month, as most of the world
/// writes it).
fn numeric_date(word: &str, said: Timestamp) -> Option<time::Date> {
    let parts: Vec<&str> = word.split(['/', '.', '-']).collect();
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    if parts.len() == 3 && parts[0].len() == 4 {
        let year = parts[0].parse().ok()?;
        let month = Month::try_from(parts[1].parse::<u8>().ok()?).ok()?;
        return time::Date::from_calendar_date(year, month, parts[2].parse().ok()?).ok();
    }
    // "31/05" needs its slash; with a year, any separator.
    if !(2..=3).contains(&parts.len()) || (parts.len() == 2 && !word.contains('/')) {
        return None;
    }
    let day = parts[0].parse::<u8>().ok()?;
    let month = Month::try_from(parts[1].parse::<u8>().ok()?).ok()?;
    match parts.get(2) {
        Some(year) => {
            let year: i32 = year.parse().ok()?;
            let year = if year < 100 { 2000 + year } else { year };
            time::Date::from_calendar_date(year, month, day).ok()
        }
        None => dated(said, month, day),
    }
}

/// A bare hour as meant in a working day: "at 11" is 11:00, "at 3" is 15:00.
fn working_hour(hour: u8) -> Option<Time> {
    let hour = match hour {
        1..=7 => hour + 12,
        8..=23 => hour,
        _ => return None,
    };
    Time::from_hms(hour, 0, 0).ok()
}

fn clock(word: &str) -> Option<Time> {
    // European hours: "18h", "9h30".
    if let Some((h, m)) = word.split_once('h')
        && (1..=2).contains(&h.len())
        && (m.is_empty() || m.len() == 2)
        && let Ok(hour) = h.parse::<u8>()
    {
        let minute = if m.is_empty() { 0 } else { m.parse().ok()? };
        return Time::from_hms(hour, minute, 0).ok();
    }
    let (body, pm) = match word.strip_suffix("pm").or_else(|| word.strip_suffix("p.m")) {
        Some(body) => (body, Some(true)),
        None => match word.strip_suffix("am").or_else(|| word.strip_suffix("a.m")) {
            Some(body) => (body, Some(false)),
            None => (word, None),
        },
    };
    let (hour, minute) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?),
        None if pm.is_some() => (body.parse::<u8>().ok()?, 0),
        None => return None,
    };
    let hour = match pm {
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        _ => hour,
    };
    Time::from_hms(hour, minute, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn relative_days_weekdays_and_dates_resolve() {
        let said = datetime!(2026-03-04 10:00 UTC); // a Wednesday
        assert_eq!(
            resolve("tomorrow 3pm", said),
            Some(datetime!(2026-03-05 15:00 UTC))
        );
        assert_eq!(
            resolve("friday", said),
            Some(datetime!(2026-03-06 23:59 UTC))
        );
        assert_eq!(
            resolve("march 13", said),
            Some(datetime!(2026-03-13 23:59 UTC))
        );
        assert_eq!(resolve("3pm", said), Some(datetime!(2026-03-04 15:00 UTC)));
        assert_eq!(resolve("9am", said), Some(datetime!(2026-03-05 9:00 UTC)));
    }

    #[test]
    fn parts_of_the_day_and_spoken_dates_mean_their_hour() {
        let said = datetime!(2026-05-20 10:00 UTC); // a Wednesday
        let cases = [
            ("31 may", datetime!(2026-05-31 23:59 UTC)),
            ("tonight", datetime!(2026-05-20 20:00 UTC)),
            ("tomorrow afternoon", datetime!(2026-05-21 15:00 UTC)),
            ("end of day tomorrow", datetime!(2026-05-21 17:00 UTC)),
            ("noon", datetime!(2026-05-20 12:00 UTC)),
            ("next tues", datetime!(2026-05-26 23:59 UTC)),
            ("thu 21 may", datetime!(2026-05-21 23:59 UTC)),
            ("the 25th", datetime!(2026-05-25 23:59 UTC)),
            ("18h", datetime!(2026-05-20 18:00 UTC)),
            ("tomorrow's", datetime!(2026-05-21 23:59 UTC)),
            ("9am-12pm tomorrow", datetime!(2026-05-21 12:00 UTC)),
        ];
        for (words, want) in cases {
            assert_eq!(resolve(words, said), Some(want), "{words}");
        }
        // The entities are "tomorrow" and "11" (after "at"); the engine joins what it found.
        assert_eq!(
            resolve("tomorrow 11", said),
            Some(datetime!(2026-05-21 11:00 UTC))
        );
        let words = |text: &str| text.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            after_duration(&words("we will send it within 30 days"), said),
            Some((
                "within 30 days".to_string(),
                datetime!(2026-06-19 10:00 UTC)
            ))
        );
        assert_eq!(at_once(&words("I'm restarting it now")), Some("now".into()));
        assert_eq!(at_once(&words("I know what you mean")), None);
        assert_eq!(at_once(&words("I'll hold the booking for now")), None);
        assert_eq!(after_duration(&words("within 3000000 days"), said), None);
        assert_eq!(
            after_duration(&words("we'll be in touch within 2 working days"), said),
            Some((
                "within 2 working days".to_string(),
                datetime!(2026-05-22 10:00 UTC)
            ))
        );
        assert_eq!(
            resolve("2026-05-31", said),
            Some(datetime!(2026-05-31 23:59 UTC))
        );
        assert_eq!(
            resolve("31.05.2026", said),
            Some(datetime!(2026-05-31 23:59 UTC))
        );
        assert_eq!(
            after_duration(&words("back to you in 10 minutes"), said),
            Some(("in 10 minutes".to_string(), datetime!(2026-05-20 10:10 UTC)))
        );
    }
}
