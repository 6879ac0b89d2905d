//! Times as the inbox shows them, always relative to `app.now` (views never read the clock).
//! Times are shown in UTC: the app holds no time zone yet.

use time::{Duration, Month, Weekday};

use crate::model::Timestamp;

/// "now", "5m", "3h", "Tue", "12 Mar", "Mar 2025": the conversation list's time column.
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let age = now - at;
    if age < Duration::minutes(1) {
        "now".to_string()
    } else if age < Duration::hours(1) {
        format!("{}m", age.whole_minutes())
    } else if age < Duration::hours(24) {
        format!("{}h", age.whole_hours())
    } else if age < Duration::days(7) {
        weekday(at.weekday()).to_string()
    } else if at.year() == now.year() {
        format!("{} {}", at.day(), month(at.month()))
    } else {
        format!("{} {}", month(at.month()), at.year())
    }
}

/// "just now", "2m ago", "3h ago": for the status bar's last sync.
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    match relative(at, now).as_str() {
        "now" => "just now".to_string(),
        short if short.ends_with(['m', 'h']) => format!("{short} ago"),
        other => other.to_string(),
    }
}

/// "14:05".
pub fn clock(at: Timestamp) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// "Today", "Yesterday", "Tue 12 Mar", "Tue 12 Mar 2025": the thread's day separators.
pub fn day(at: Timestamp, now: Timestamp) -> String {
    let (day, today) = (at.date(), now.date());
    if day == today {
        "Today".to_string()
    } else if today.previous_day() == Some(day) {
        "Yesterday".to_string()
    } else if day.year() == today.year() {
        format!(
            "{} {} {}",
            weekday(day.weekday()),
            day.day(),
            month(day.month())
        )
    } else {
        format!(
            "{} {} {} {}",
            weekday(day.weekday()),
            day.day(),
            month(day.month()),
            day.year()
        )
    }
}

/// Seconds from `now` until `until`, rounded up and never negative ("retry in 4s").
pub fn seconds_until(until: Timestamp, now: Timestamp) -> i64 {
    let left = until - now;
    let whole = left.whole_seconds();
    let rounded = if left > Duration::seconds(whole) {
        whole + 1
    } else {
        whole
    };
    rounded.max(0)
}

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

fn month(month: Month) -> &'static str {
    match month {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn relative_times() {
        let now = datetime!(2026-11-20 14:00 UTC);
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now - Duration::minutes(5), now), "5m");
        assert_eq!(relative(now - Duration::hours(3), now), "3h");
        assert_eq!(relative(datetime!(2026-11-17 09:00 UTC), now), "Tue");
        assert_eq!(relative(datetime!(2026-03-12 09:00 UTC), now), "12 Mar");
        assert_eq!(relative(datetime!(2025-03-12 09:00 UTC), now), "Mar 2025");
        assert_eq!(day(datetime!(2026-11-19 23:00 UTC), now), "Yesterday");
        assert_eq!(day(datetime!(2026-03-10 09:00 UTC), now), "Tue 10 Mar");
        assert_eq!(clock(datetime!(2026-03-10 09:05 UTC)), "09:05");
        assert_eq!(seconds_until(now + Duration::milliseconds(3_200), now), 4);
        assert_eq!(seconds_until(now - Duration::seconds(3), now), 0);
    }
}
