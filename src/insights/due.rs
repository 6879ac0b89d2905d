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

/// The moment `words` (lower case, e.g. "tomorrow 3pm") mean, said at `said`.
pub fn resolve(words: &str, said: Timestamp) -> Option<Timestamp> {
    let mut date = None;
    let mut time = None;
    let tokens: Vec<&str> = words.split_whitespace().collect();
    for (i, word) in tokens.iter().enumerate() {
        match *word {
            "today" | "tonight" | "eod" => date = Some(said.date()),
            "tomorrow" => date = said.date().next_day(),
            _ => {}
        }
        if let Some((_, weekday)) = WEEKDAYS.iter().find(|(name, _)| word.starts_with(name)) {
            let mut day = said.date();
            for _ in 0..7 {
                if day.weekday() == *weekday {
                    break;
                }
                day = day.next_day()?;
            }
            date = Some(day);
        }
        if word.len() >= 3
            && let Some((_, month)) = MONTHS.iter().find(|(name, _)| word.starts_with(name))
            && let Some(day) = tokens.get(i + 1).and_then(|d| d.trim_end_matches(|c: char| c.is_alphabetic()).parse::<u8>().ok())
        {
            date = time::Date::from_calendar_date(said.year(), *month, day).ok();
        }
        if let Some(clock) = clock(word) {
            time = Some(clock);
        }
    }
    let date = date?;
    let time = time.unwrap_or(Time::MIDNIGHT);
    Some(date.with_time(time).assume_utc() + Duration::ZERO)
}

fn clock(word: &str) -> Option<Time> {
    let (body, pm) = match word.strip_suffix("pm") {
        Some(body) => (body, Some(true)),
        None => match word.strip_suffix("am") {
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
        assert_eq!(resolve("tomorrow 3pm", said), Some(datetime!(2026-03-05 15:00 UTC)));
        assert_eq!(resolve("friday", said), Some(datetime!(2026-03-06 0:00 UTC)));
        assert_eq!(resolve("march 13", said), Some(datetime!(2026-03-13 0:00 UTC)));
        assert_eq!(resolve("3pm", said), None);
    }
}
