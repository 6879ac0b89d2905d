//! Saved views: named list filters from the config (`[[view]] name, query`), written in the
//! search's query language (`channel:whatsapp priority:urgent is:open`, words too). The number
//! keys 1–9 and the palette choose one; choosing it again (or `0`) shows every conversation.
//! The conversation list then holds the conversations the query selects, matched in memory
//! against what the inbox knows of each (its status, channel, account, labels, priority, who
//! has it, unread count, newest message), on top of the other filters.

use serde::Deserialize;

use super::App;
use super::inbox::ConversationEntry;
use super::status::NoticeLevel;
use super::team::Team;
use crate::contract::search::{self, SearchQuery};
use crate::model::{ConversationKey, ConversationStatus, Direction};

/// One `[[view]]` of the config.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    pub query: String,
}

impl SavedView {
    /// What is wrong with it, if anything (the config names the entry).
    pub fn problem(&self) -> Option<String> {
        if self.name.trim().is_empty() {
            return Some("a view needs a name".to_string());
        }
        let query = search::parse(&self.query, time::UtcOffset::UTC);
        if query.is_empty() {
            return Some(format!(
                "view \"{}\": its query selects nothing to filter on",
                self.name
            ));
        }
        if query.from == Some(Direction::Note) {
            return Some(format!(
                "view \"{}\": from:note selects nothing in a view (a row shows the last message with the customer)",
                self.name
            ));
        }
        query
            .notes
            .first()
            .map(|note| format!("view \"{}\": {note}", self.name))
    }
}

/// The view in force: which one, and its query as read (dates in local time, `is:mine`
/// against the team).
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveView {
    pub index: usize,
    pub name: String,
    pub query: SearchQuery,
}

/// Chooses the view at `index` (from 0); the one in force again, or none: every conversation.
pub(super) fn choose(app: &mut App, index: Option<usize>) {
    if let Some(missing) = index.filter(|&i| i >= app.settings.views.len()) {
        // The view in force stays: a digit with no view is a slip, not a wish to clear it.
        return app.status.notify(
            NoticeLevel::Info,
            format!(
                "no view {} ([[view]] in the config names them)",
                missing + 1
            ),
            app.now,
        );
    }
    let same = app.view.saved_view.as_ref().map(|v| v.index) == index;
    let chosen = index
        .filter(|_| !same)
        .and_then(|i| app.settings.views.get(i).map(|v| (i, v)));
    app.view.saved_view = chosen.map(|(index, view)| ActiveView {
        index,
        name: view.name.clone(),
        query: search::parse(&view.query, app.settings.utc_offset),
    });
    let said = match &app.view.saved_view {
        Some(view) => format!("view: {}", crate::text::sanitize_line(&view.name)),
        None => "every conversation".to_string(),
    };
    app.status.notify(NoticeLevel::Info, said, app.now);
    app.lists_stale = true;
    app.touch();
}

/// Whether the conversation is one the view's query selects.
pub fn selects(
    query: &SearchQuery,
    entry: &ConversationEntry,
    key: &ConversationKey,
    team: &Team,
) -> bool {
    let info = &entry.info;
    let prefix_of = |values: &[String], text: &str| {
        let text = text.to_lowercase();
        values.is_empty() || values.iter().any(|v| text.starts_with(&v.to_lowercase()))
    };
    let newest = entry.thread.newest(|m| m.direction != Direction::Note);
    // The words match what the list previews: the newest message with the customer, else
    // the platform's preview (read only for a view with words).
    let preview = match newest {
        _ if query.terms.is_empty() => "".into(),
        Some(message) => message.content.preview_text(),
        None => info.last_message.as_deref().unwrap_or_default().into(),
    };
    let work = info.work.as_ref();
    prefix_of(&query.channels, info.channel.linktor_name())
        && prefix_of(&query.accounts, &key.account.0)
        && (query.statuses.is_empty()
            || query.statuses.iter().any(|status| match status {
                ConversationStatus::Snoozed => entry.is_snoozed(),
                status => !entry.is_snoozed() && info.status == *status,
            }))
        && (!query.unread || info.unread > 0)
        && (!query.mine
            || work.and_then(|w| w.assignee.as_deref()) == Some(team.me(&key.account)))
        && query.labels.iter().all(|label| {
            work.is_some_and(|w| w.labels.iter().any(|l| l.eq_ignore_ascii_case(label)))
        })
        && query
            .priority
            .is_none_or(|p| work.map(|w| w.priority).unwrap_or_default() == p)
        // `from:`: who spoke last (a customer waiting for an answer is `from:customer`).
        && query
            .from
            .is_none_or(|from| newest.is_some_and(|m| m.direction == from))
        && query
            .after
            .is_none_or(|after| entry.last_activity().is_some_and(|at| at >= after))
        && query
            .before
            .is_none_or(|before| entry.last_activity().is_some_and(|at| at < before))
        && query.terms.iter().all(|term| {
            let word = term.text.to_lowercase();
            let said = [
                info.contact.name.as_str(),
                info.contact.identity.as_str(),
                &preview,
            ]
            .iter()
            .any(|text| text.to_lowercase().contains(&word));
            said != term.excluded
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keys::{Key, KeyCode};
    use crate::app::tests::{app, inbound, key, messages, press, provider};
    use crate::contract::provider::ProviderEvent;
    use crate::model::{Priority, Workflow};

    fn with_views() -> App {
        let mut app = app();
        app.settings.views = std::sync::Arc::from(vec![
            SavedView {
                name: "Urgent WhatsApp".into(),
                query: "channel:whatsapp priority:urgent is:open".into(),
            },
            SavedView {
                name: "SMS".into(),
                query: "channel:sms".into(),
            },
        ]);
        let mut ana = app.inbox.get(&key("c1")).expect("c1").info.clone();
        ana.work = Some(Workflow {
            priority: Priority::Urgent,
            ..Workflow::default()
        });
        app.apply(app.now, provider(ProviderEvent::Conversations(vec![ana])));
        app
    }

    fn listed(app: &App) -> Vec<String> {
        app.view
            .conversations
            .iter()
            .map(|k| k.id.to_string())
            .collect()
    }

    #[test]
    fn number_keys_choose_a_view_and_again_show_everything() {
        let mut app = with_views();
        assert_eq!(listed(&app).len(), 2);
        press(&mut app, Key::ch('1'));
        assert_eq!(listed(&app), ["c1"]);
        assert_eq!(
            app.view.saved_view.as_ref().map(|v| v.name.as_str()),
            Some("Urgent WhatsApp")
        );
        press(&mut app, Key::ch('2'));
        assert_eq!(listed(&app), ["c2"]);
        press(&mut app, Key::ch('2'));
        assert_eq!(
            listed(&app).len(),
            2,
            "the same key again: every conversation"
        );
        press(&mut app, Key::ch('1'));
        press(&mut app, Key::ch('7'));
        assert!(
            app.status
                .notices
                .iter()
                .any(|n| n.text.contains("no view 7"))
        );
        assert!(
            app.view.saved_view.is_some(),
            "a digit with no view leaves the view alone"
        );
        press(&mut app, Key::ch('0'));
        assert!(app.view.saved_view.is_none());
    }

    #[test]
    fn a_view_of_snoozed_conversations_lists_them() {
        let mut app = with_views();
        app.settings.views = std::sync::Arc::from(vec![SavedView {
            name: "Later".into(),
            query: "status:snoozed".into(),
        }]);
        if let Some(entry) = app.inbox.get_mut(&key("c2")) {
            entry.snooze = Some(crate::model::Snooze::UntilReply);
        }
        press(&mut app, Key::ch('1'));
        assert_eq!(listed(&app), ["c2"]);
    }

    #[test]
    fn a_views_words_match_the_preview_the_list_shows() {
        let mut app = with_views();
        app.settings.views = std::sync::Arc::from(vec![SavedView {
            name: "Parcels".into(),
            query: "parcel".into(),
        }]);
        app.apply(
            app.now,
            messages("c2", vec![inbound("m9", 1, "my parcel never came")], true),
        );
        // The platform's preview says something else; the list shows the message, and the
        // preview is not kept beside it.
        let mut bea = app.inbox.get(&key("c2")).expect("c2").info.clone();
        bea.last_message = Some("hello there".into());
        app.apply(app.now, provider(ProviderEvent::Conversations(vec![bea])));
        let entry = app.inbox.get(&key("c2")).expect("c2");
        assert_eq!(entry.info.last_message, None);
        assert_eq!(
            entry.preview().map(|(_, text)| text).as_deref(),
            Some("my parcel never came")
        );
        press(&mut app, Key::ch('1'));
        assert_eq!(listed(&app), ["c2"]);
    }

    #[test]
    fn a_view_is_in_the_palette() {
        let mut app = with_views();
        press(&mut app, Key::ctrl('k'));
        for c in "urgent wh".chars() {
            press(&mut app, Key::ch(c));
        }
        press(&mut app, Key::plain(KeyCode::Enter));
        assert_eq!(listed(&app), ["c1"]);
    }

    #[test]
    fn a_view_that_selects_nothing_or_is_misread_is_a_config_problem() {
        let empty = SavedView {
            name: "x".into(),
            query: "-spam".into(),
        };
        assert!(empty.problem().is_some());
        let misread = SavedView {
            name: "x".into(),
            query: "priority:someday".into(),
        };
        assert!(
            misread
                .problem()
                .expect("a problem")
                .contains("priority:someday")
        );
        let fine = SavedView {
            name: "Mine".into(),
            query: "is:mine is:unread".into(),
        };
        assert_eq!(fine.problem(), None);
    }
}
