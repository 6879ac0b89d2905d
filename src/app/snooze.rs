//! Conversation status from the keyboard (`z`): open, pending or resolved, or snoozed until a
//! time picked from presets ("in 1 hour", "this evening", "tomorrow morning", "next Monday",
//! "until the customer replies") or typed ("fri 14:00", "2h", "tomorrow 9am", "2026-12-24
//! 09:00"), in the local time zone. A snoozed conversation leaves the list (the status filter
//! `F` shows them), and comes back by itself at its time, or at once when the customer writes.
//! Where the platform keeps a status (the hub, Linktor) it is told too.

use time::{Duration, OffsetDateTime, Time, UtcOffset, Weekday};

use super::keys::{Action, Key, KeyCode, KeyContext};
use super::status::NoticeLevel;
use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::model::{ConversationKey, ConversationStatus, Snooze, Timestamp};

/// One line of the picker.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    Status(ConversationStatus),
    Snooze { label: String, snooze: Snooze },
}

impl Choice {
    pub fn label(&self) -> String {
        match self {
            Choice::Status(status) => status.label().to_string(),
            Choice::Snooze { label, .. } => format!("Snooze {label}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatusPicker {
    pub conversation: ConversationKey,
    pub choices: Vec<Choice>,
    pub selected: usize,
    /// A time typed instead of a preset.
    pub typed: String,
    /// Why the typed time was not taken.
    pub problem: Option<String>,
}

/// `z`: the picker for the conversation under the cursor (or the open one).
pub(super) fn open(app: &mut App) {
    let key = match app.view.focus {
        super::Focus::Conversations | super::Focus::Channels => app.view.selected.clone(),
        _ => app.view.open.clone().or_else(|| app.view.selected.clone()),
    };
    let Some(key) = key.filter(|key| app.inbox.get(key).is_some()) else {
        return;
    };
    let offset = app.settings.utc_offset;
    let mut choices = vec![
        Choice::Status(ConversationStatus::Open),
        Choice::Status(ConversationStatus::Pending),
        Choice::Status(ConversationStatus::Resolved),
    ];
    choices.extend(
        presets(app.now, offset)
            .into_iter()
            .map(|(label, at)| Choice::Snooze {
                label,
                snooze: Snooze::Until(at),
            }),
    );
    choices.push(Choice::Snooze {
        label: "until the customer replies".to_string(),
        snooze: Snooze::UntilReply,
    });
    app.view.status_picker = Some(StatusPicker {
        conversation: key,
        choices,
        selected: 0,
        typed: String::new(),
        problem: None,
    });
}

/// Keys while the picker is open: moves, Enter picks (or takes the typed time), Esc closes,
/// anything printable is a time being typed.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = super::input::lookup(app, KeyContext::Prompt, key);
    let Some(picker) = app.view.status_picker.as_mut() else {
        return;
    };
    match action {
        Some(Action::Back) => app.view.status_picker = None,
        Some(Action::Down) => {
            picker.selected = (picker.selected + 1).min(picker.choices.len() - 1);
        }
        Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::DeleteBack) => {
            picker.typed.pop();
            picker.problem = None;
        }
        Some(Action::ClearLine) => picker.typed.clear(),
        Some(Action::Activate) => {
            let choice = if picker.typed.trim().is_empty() {
                picker.choices.get(picker.selected).cloned()
            } else {
                match parse_when(&picker.typed, app.now, app.settings.utc_offset) {
                    Ok(at) => Some(Choice::Snooze {
                        label: format!("until {}", picker.typed.trim()),
                        snooze: Snooze::Until(at),
                    }),
                    Err(problem) => {
                        picker.problem = Some(problem);
                        return;
                    }
                }
            };
            let conversation = picker.conversation.clone();
            app.view.status_picker = None;
            if let Some(choice) = choice {
                apply(app, conversation, choice, effects);
            }
        }
        _ => {
            if let KeyCode::Char(c) = key.code
                && !key.mods.ctrl
                && !key.mods.alt
            {
                picker.typed.push(c);
                picker.problem = None;
            }
        }
    }
}

fn apply(app: &mut App, key: ConversationKey, choice: Choice, effects: &mut Vec<Effect>) {
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    let name = crate::text::sanitize_line(&entry.info.contact.name);
    let status = match &choice {
        Choice::Status(status) => {
            entry.snooze = None;
            *status
        }
        Choice::Snooze { snooze, .. } => {
            entry.snooze = Some(*snooze);
            entry.snoozed_at = Some(app.now);
            ConversationStatus::Snoozed
        }
    };
    app.view.keep_listed = Some(key.clone());
    let keeps_status = app.status.account_mut(&key.account).actions.set_status;
    // Without a status, a snooze's end is shared where the platform keeps a workflow.
    let shared_until = match &choice {
        Choice::Snooze {
            snooze: Snooze::Until(at),
            ..
        } => Some(*at),
        _ => None,
    };
    share_snooze(app, &key, shared_until, effects);
    if let (Choice::Status(_), false) = (&choice, keeps_status) {
        // Only the snooze lives here; the platform has no status to set.
        app.lists_stale = true;
        super::persist::conversation(app, &key, effects);
        let platform = app.status.account_mut(&key.account).actions.platform;
        let text = format!("{platform} keeps no conversation status; {name} is in the list");
        app.status.notify(NoticeLevel::Info, text, app.now);
        return;
    }
    app.lists_stale = true;
    super::persist::conversation(app, &key, effects);
    let text = match &choice {
        Choice::Snooze { snooze, .. } => format!(
            "{name}: snoozed {}",
            until_label(*snooze, app.now, app.settings.utc_offset)
        ),
        Choice::Status(status) => format!("{name}: {}", status.label()),
    };
    app.status.notify(NoticeLevel::Info, text, app.now);
    let until = match choice {
        Choice::Snooze {
            snooze: Snooze::Until(at),
            ..
        } => Some(at),
        _ => None,
    };
    tell_platform(app, &key, status, until, effects);
}

/// The platform's own status follows where it keeps one.
fn tell_platform(
    app: &mut App,
    key: &ConversationKey,
    status: ConversationStatus,
    snoozed_until: Option<Timestamp>,
    effects: &mut Vec<Effect>,
) {
    if app.status.account_mut(&key.account).actions.set_status {
        effects.push(Effect::Provider {
            account: key.account.clone(),
            command: ProviderCommand::SetStatus {
                conversation: key.id.to_string(),
                status,
                snoozed_until,
            },
        });
    }
}

/// Each tick: snoozes whose time has come end.
pub(super) fn wake_due(app: &mut App, effects: &mut Vec<Effect>) {
    let now = app.now;
    let due: Vec<ConversationKey> = app
        .inbox
        .iter()
        .filter(|(_, entry)| matches!(entry.snooze, Some(Snooze::Until(at)) if at <= now))
        .map(|(key, _)| key.clone())
        .collect();
    for key in due {
        wake(app, &key, "its snooze is over", effects);
    }
}

/// New customer messages arrived, the newest written `at`: a snoozed conversation is back at
/// once if it was written after the snooze (an old message a resync brings does not count).
/// Snoozed in an earlier session (the moment unknown), only a live message counts.
pub(super) fn wake_on_reply(
    app: &mut App,
    key: &ConversationKey,
    at: Timestamp,
    live: bool,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = app.inbox.get(key) else {
        return;
    };
    let after = match entry.snoozed_at {
        Some(snoozed_at) => at > snoozed_at,
        None => live,
    };
    if entry.snooze.is_some() && after {
        wake(app, key, "the customer wrote", effects);
    }
}

fn wake(app: &mut App, key: &ConversationKey, why: &str, effects: &mut Vec<Effect>) {
    let Some(entry) = app.inbox.get_mut(key) else {
        return;
    };
    entry.snooze = None;
    entry.snoozed_at = None;
    let name = crate::text::sanitize_line(&entry.info.contact.name);
    app.lists_stale = true;
    super::persist::conversation(app, key, effects);
    app.status
        .notify(NoticeLevel::Info, format!("{name} is back: {why}"), app.now);
    share_snooze(app, key, None, effects);
    tell_platform(app, key, ConversationStatus::Open, None, effects);
}

/// A platform that keeps no status but keeps a team's workflow (Sinch) keeps a snooze's end
/// for every inbox on it: told of a new end, or that one it holds is over.
fn share_snooze(
    app: &mut App,
    key: &ConversationKey,
    until: Option<Timestamp>,
    effects: &mut Vec<Effect>,
) {
    let actions = app.status.actions(&key.account);
    if actions.set_status || !actions.workflow {
        return;
    }
    let held = app
        .inbox
        .get(key)
        .and_then(|entry| entry.platform_snoozed_until());
    if until.is_none() && held.is_none() {
        return;
    }
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::SetSnoozedUntil {
            conversation: key.id.to_string(),
            until,
        },
    });
}

/// The presets that are still ahead, with their labels in local time.
fn presets(now: Timestamp, offset: UtcOffset) -> Vec<(String, Timestamp)> {
    let local = now.to_offset(offset);
    let at = |days: i64, hour: u8| {
        let date = local.date() + Duration::days(days);
        date.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
            .assume_offset(offset)
    };
    let mut out = vec![("in 1 hour".to_string(), now + Duration::hours(1))];
    let evening = at(0, 18);
    if evening - now >= Duration::minutes(30) {
        out.push(("this evening (18:00)".to_string(), evening));
    }
    let tomorrow = at(1, 9);
    out.push((
        format!(
            "tomorrow morning ({} 09:00)",
            crate::text::weekday_abbrev(tomorrow.weekday())
        ),
        tomorrow,
    ));
    let to_monday = i64::from(7 - local.weekday().number_days_from_monday());
    out.push(("next Monday (09:00)".to_string(), at(to_monday, 9)));
    out.into_iter()
        .map(|(label, at)| (label, at.to_offset(UtcOffset::UTC)))
        .collect()
}

/// A time typed by the agent, in local time: "2h", "in 45 minutes", "3d", "14:00", "9am",
/// "tomorrow", "tomorrow 9am", "9am tomorrow", "fri", "next fri 14:00", "2026-12-24",
/// "2026-12-24 09:00" ("18h" is eighteen hours; after a day, "tomorrow 18h" is 18:00). A day
/// without a time means 09:00; a time without a day means the next time it comes.
pub fn parse_when(text: &str, now: Timestamp, offset: UtcOffset) -> Result<Timestamp, String> {
    let text = text.trim().to_lowercase();
    let text = text.strip_prefix("in ").unwrap_or(&text).trim().to_string();
    let text = text
        .strip_prefix("next ")
        .unwrap_or(&text)
        .trim()
        .to_string();
    let unknown = || {
        format!(
            "\"{}\" is not a time: try 2h, 14:00, tomorrow 9am, fri 14:00 or 2026-12-24 09:00",
            crate::text::sanitize_line(&text)
        )
    };
    if let Some(duration) = relative(&text) {
        return Ok(now + duration);
    }
    let local = now.to_offset(offset);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // "9am tomorrow", "14:00 fri": the day first.
    if let [time, day] = words[..]
        && clock(time).is_some()
        && clock(day).is_none()
    {
        words = vec![day, time];
    }
    let mut words = words.into_iter();
    let first = words.next().ok_or_else(unknown)?;
    let rest: Vec<&str> = words.collect();
    let (day, time_words) = if let Some(date) = date(first) {
        (Some(date), rest.as_slice())
    } else if first == "today" {
        (Some(local.date()), rest.as_slice())
    } else if first == "tomorrow" {
        (Some(local.date() + Duration::days(1)), rest.as_slice())
    } else if let Some(weekday) = weekday(first) {
        let ahead = (7 + weekday.number_days_from_monday() as i64
            - local.weekday().number_days_from_monday() as i64)
            % 7;
        (Some(local.date() + Duration::days(ahead)), rest.as_slice())
    } else {
        (None, std::slice::from_ref(&first))
    };
    let time = match time_words {
        [] => None,
        [one] => Some(clock(one).ok_or_else(unknown)?),
        _ => return Err(unknown()),
    };
    let at = match (day, time) {
        (Some(day), time) => {
            let mut at = day
                .with_time(time.unwrap_or(Time::from_hms(9, 0, 0).unwrap_or(Time::MIDNIGHT)))
                .assume_offset(offset);
            // "fri 14:00" said on a Friday afternoon means next week's.
            if at <= now && weekday(first).is_some() {
                at += Duration::days(7);
            }
            at
        }
        (None, Some(time)) => {
            let today = local.date().with_time(time).assume_offset(offset);
            if today > now {
                today
            } else {
                today + Duration::days(1)
            }
        }
        (None, None) => return Err(unknown()),
    };
    if at <= now {
        return Err("that time has passed".to_string());
    }
    Ok(at.to_offset(UtcOffset::UTC))
}

fn relative(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let minutes = match unit.trim() {
        "m" | "min" | "mins" | "minute" | "minutes" => 1,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60,
        "d" | "day" | "days" => 24 * 60,
        "w" | "week" | "weeks" => 7 * 24 * 60,
        _ => return None,
    };
    (number > 0 && number < 10_000).then(|| Duration::minutes(number * minutes))
}

fn date(word: &str) -> Option<time::Date> {
    let mut parts = word.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn weekday(word: &str) -> Option<Weekday> {
    let days = [
        (Weekday::Monday, "monday"),
        (Weekday::Tuesday, "tuesday"),
        (Weekday::Wednesday, "wednesday"),
        (Weekday::Thursday, "thursday"),
        (Weekday::Friday, "friday"),
        (Weekday::Saturday, "saturday"),
        (Weekday::Sunday, "sunday"),
    ];
    let word = word.trim_start_matches("next");
    days.into_iter()
        .find(|(_, name)| word.len() >= 3 && name.starts_with(word))
        .map(|(day, _)| day)
}

/// "14:00", "9:30", "9am", "2:30pm", "18h".
fn clock(word: &str) -> Option<Time> {
    let (digits, pm) = if let Some(rest) = word.strip_suffix("pm") {
        (rest, Some(true))
    } else if let Some(rest) = word.strip_suffix("am") {
        (rest, Some(false))
    } else {
        (word.strip_suffix('h').unwrap_or(word), None)
    };
    let (hour, minute) = match digits.split_once(':') {
        Some((hour, minute)) => (hour.parse::<u8>().ok()?, minute.parse::<u8>().ok()?),
        None => (digits.parse::<u8>().ok()?, 0),
    };
    let hour = match pm {
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        Some(_) if hour > 12 => return None,
        _ => hour,
    };
    Time::from_hms(hour, minute, 0).ok()
}

/// When a snooze ends, as the list says it ("Tue 09:00"), in local time.
pub fn until_label(snooze: Snooze, now: Timestamp, offset: UtcOffset) -> String {
    let Snooze::Until(at) = snooze else {
        return "until they reply".to_string();
    };
    let local: OffsetDateTime = at.to_offset(offset);
    let clock = format!("{:02}:{:02}", local.hour(), local.minute());
    match (local.date() - now.to_offset(offset).date()).whole_days() {
        0 => format!("until {clock}"),
        1..=6 => format!(
            "until {} {clock}",
            crate::text::weekday_abbrev(local.weekday())
        ),
        _ => format!("until {} {:?} {clock}", local.day(), local.month()),
    }
}

#[cfg(test)]
#[path = "snooze_tests.rs"]
mod tests;
