//! Times as the inbox shows them, always relative to `app.now` (views never read the clock),
//! in the local time zone read at start (`TZ` honoured): "Today" turns into "Yesterday" at
//! local midnight.

use time::{Duration, Month, UtcOffset};

use crate::app::App;
use crate::model::Timestamp;

/// Where and how times are shown.
#[derive(Clone, Copy, Debug)]
pub struct Zone {
    pub offset: UtcOffset,
    pub hour12: bool,
}

impl Zone {
    pub fn of(app: &App) -> Self {
        Self {
            offset: app.settings.utc_offset,
            hour12: app.settings.hour12,
        }
    }

    fn local(self, at: Timestamp) -> Timestamp {
        at.to_offset(self.offset)
    }
}

/// "now", "5m", "3h", "Tue", "12 Mar", "Mar 2025": the conversation list's time column.
pub fn relative(at: Timestamp, now: Timestamp, zone: Zone) -> String {
    let (at, now) = (zone.local(at), zone.local(now));
    let age = now - at;
    if age < Duration::minutes(1) {
        "now".to_string()
    } else if age < Duration::hours(1) {
        format!("{}m", age.whole_minutes())
    } else if age < Duration::hours(24) {
        format!("{}h", age.whole_hours())
    } else if age < Duration::days(7) {
        crate::text::weekday_abbrev(at.weekday()).to_string()
    } else if at.year() == now.year() {
        format!("{} {}", at.day(), month(at.month()))
    } else {
        format!("{} {}", month(at.month()), at.year())
    }
}

/// "just now", "2m ago", "3h ago": for the status bar's last sync.
pub fn ago(at: Timestamp, now: Timestamp, zone: Zone) -> String {
    match relative(at, now, zone).as_str() {
        "now" => "just now".to_string(),
        short if short.ends_with(['m', 'h']) => format!("{short} ago"),
        other => other.to_string(),
    }
}

/// "14:05", or "2:05 pm" on a 12-hour clock.
pub fn clock(at: Timestamp, zone: Zone) -> String {
    let at = zone.local(at);
    if zone.hour12 {
        let hour = match at.hour() % 12 {
            0 => 12,
            h => h,
        };
        let half = if at.hour() < 12 { "am" } else { "pm" };
        format!("{hour}:{:02} {half}", at.minute())
    } else {
        format!("{:02}:{:02}", at.hour(), at.minute())
    }
}

/// "14:05:09" (or "2:05:09 pm"): when a retry comes.
pub fn clock_seconds(at: Timestamp, zone: Zone) -> String {
    let local = zone.local(at);
    let minutes = clock(at, zone);
    match minutes.split_once(' ') {
        Some((time, half)) => format!("{time}:{:02} {half}", local.second()),
        None => format!("{minutes}:{:02}", local.second()),
    }
}

/// "Today", "Yesterday", "Tue 12 Mar", "Tue 12 Mar 2025": the thread's day separators.
pub fn day(at: Timestamp, now: Timestamp, zone: Zone) -> String {
    let (day, today) = (zone.local(at).date(), zone.local(now).date());
    if day == today {
        "Today".to_string()
    } else if today.previous_day() == Some(day) {
        "Yesterday".to_string()
    } else if day.year() == today.year() {
        format!(
            "{} {} {}",
            crate::text::weekday_abbrev(day.weekday()),
            day.day(),
            month(day.month())
        )
    } else {
        format!(
            "{} {} {} {}",
            crate::text::weekday_abbrev(day.weekday()),
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
    use time::macros::{datetime, offset};

    use super::*;

    const UTC: Zone = Zone {
        offset: UtcOffset::UTC,
        hour12: false,
    };

    #[test]
    fn relative_times() {
        let now = datetime!(2026-11-20 14:00 UTC);
        assert_eq!(relative(now, now, UTC), "now");
        assert_eq!(relative(now - Duration::minutes(5), now, UTC), "5m");
        assert_eq!(relative(now - Duration::hours(3), now, UTC), "3h");
        assert_eq!(relative(datetime!(2026-11-17 09:00 UTC), now, UTC), "Tue");
        assert_eq!(
            relative(datetime!(2026-03-12 09:00 UTC), now, UTC),
            "12 Mar"
        );
        assert_eq!(
            relative(datetime!(2025-03-12 09:00 UTC), now, UTC),
            "Mar 2025"
        );
        assert_eq!(day(datetime!(2026-11-19 23:00 UTC), now, UTC), "Yesterday");
        assert_eq!(day(datetime!(2026-03-10 09:00 UTC), now, UTC), "Tue 10 Mar");
        assert_eq!(clock(datetime!(2026-03-10 09:05 UTC), UTC), "09:05");
        assert_eq!(seconds_until(now + Duration::milliseconds(3_200), now), 4);
        assert_eq!(seconds_until(now - Duration::seconds(3), now), 0);
    }

    #[test]
    fn days_turn_at_local_midnight_and_clocks_read_local() {
        let tokyo = Zone {
            offset: offset!(+9),
            hour12: false,
        };
        // 16:30 UTC is 01:30 the next day in Tokyo: a message from 14:00 UTC (23:00 there)
        // was yesterday, though it is the same UTC day.
        let now = datetime!(2026-11-20 16:30 UTC);
        let before_midnight = datetime!(2026-11-20 14:00 UTC);
        assert_eq!(day(before_midnight, now, UTC), "Today");
        assert_eq!(day(before_midnight, now, tokyo), "Yesterday");
        assert_eq!(clock(before_midnight, tokyo), "23:00");
        let twelve = Zone {
            hour12: true,
            ..tokyo
        };
        assert_eq!(clock(before_midnight, twelve), "11:00 pm");
        assert_eq!(clock(datetime!(2026-11-20 03:07 UTC), twelve), "12:07 pm");
        assert_eq!(
            clock_seconds(datetime!(2026-11-20 03:07:09 UTC), twelve),
            "12:07:09 pm"
        );
        assert_eq!(
            clock_seconds(datetime!(2026-11-20 03:07:09 UTC), tokyo),
            "12:07:09"
        );
    }
}
