//! Telling the agent about what they are not looking at: a notification for a new customer
//! message, and the unread count in the terminal's title. The reducer decides whether and
//! what; the runtime decides how (`[notify]`: bell, OSC 777/9, a command).

use super::{App, Effect};
use crate::model::{ConversationKey, Direction};
use crate::text::{prefix_within, sanitize};

/// Who is never notified about (`[notify]` of the config).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertSettings {
    /// Account names whose messages never notify.
    pub muted_accounts: Vec<String>,
    /// Channel config names (`whatsapp`, `sms`, as in `[theme.channels]`) whose messages never
    /// notify.
    pub muted_channels: Vec<String>,
    /// Keep the terminal's title on the unread count.
    pub title: bool,
}

/// After a notification, how long new messages stay quiet (their badges still count).
const NOTIFY_QUIET: time::Duration = time::Duration::seconds(10);

/// Longest body of a notification, in bytes: a preview, not the message.
const BODY_BYTES: usize = 160;

/// `new` customer messages just arrived live in `key`: notify unless the agent is looking at
/// them. A burst (a flood, a backlog after reconnecting) rings once. Looking means the terminal has the focus; a terminal that never says (no focus
/// reporting) counts as looking at the open conversation only.
pub(super) fn new_messages(
    app: &mut App,
    key: &ConversationKey,
    new: u32,
    effects: &mut Vec<Effect>,
) {
    let looking = match app.view.terminal_focus {
        Some(focused) => focused,
        None => app.view.open.as_ref() == Some(key),
    };
    if looking || new == 0 {
        return;
    }
    let Some(entry) = app.inbox.get(key) else {
        return;
    };
    let settings = &app.settings.alerts;
    let channel = entry.info.channel.config_name();
    if settings
        .muted_accounts
        .iter()
        .any(|muted| muted.as_str() == key.account.as_str())
        || settings
            .muted_channels
            .iter()
            .any(|c| c.eq_ignore_ascii_case(channel))
    {
        return;
    }
    // One notification per burst: a flood spread over several batches rings once.
    if app
        .view
        .notified_at
        .is_some_and(|at| app.now - at < NOTIFY_QUIET)
    {
        return;
    }
    let name = sanitize(&entry.info.contact.name);
    let preview = entry
        .thread
        .newest(|m| m.direction == Direction::Inbound)
        .map(|m| sanitize(&m.content.preview()))
        .unwrap_or_default();
    let notice = Effect::Notify {
        title: format!("{name} · {}", entry.info.channel.label()),
        body: prefix_within(&preview.replace('\n', " "), BODY_BYTES).to_string(),
    };
    effects.push(notice);
    app.view.notified_at = Some(app.now);
}

/// After each event: the title follows the unread count ("switchboard (3)").
pub(super) fn title(app: &mut App, effects: &mut Vec<Effect>) {
    if !app.settings.alerts.title {
        return;
    }
    let unread = app.view.channels.first().map_or(0, |all| all.unread);
    if app.view.title_unread == Some(unread) {
        return;
    }
    app.view.title_unread = Some(unread);
    effects.push(Effect::Title(match unread {
        0 => "switchboard".to_string(),
        n => format!("switchboard ({n})"),
    }));
}
