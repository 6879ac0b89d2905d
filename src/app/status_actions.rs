//! Conversation status from the keyboard: resolve the selected conversation, or reopen it when
//! it is already resolved (or closed). The provider answers with the status the server holds,
//! so the list changes when the server agrees, not before.

use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::model::ConversationStatus;

pub(super) fn toggle_resolved(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.selected.clone().or_else(|| app.view.open.clone()) else {
        return;
    };
    let Some(entry) = app.inbox.get(&key) else {
        return;
    };
    let (status, doing) = match entry.info.status {
        ConversationStatus::Resolved | ConversationStatus::Closed => {
            (ConversationStatus::Open, "Reopening")
        }
        _ => (ConversationStatus::Resolved, "Resolving"),
    };
    // Said at once; the row changes when the server answers.
    let text = format!(
        "{doing} {}…",
        crate::text::sanitize_line(&entry.info.contact.name)
    );
    app.status
        .notify(super::status::NoticeLevel::Info, text, app.now);
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::SetStatus {
            conversation: key.id.to_string(),
            status,
            snoozed_until: None,
        },
    });
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::app::{AppSettings, Event, Key};
    use crate::contract::provider::{AccountEvent, ProviderEvent};
    use crate::model::{AccountId, Channel, Contact, Conversation, ConversationKey, Timestamp};

    const T0: Timestamp = datetime!(2026-01-01 12:00 UTC);

    fn provider(event: ProviderEvent) -> Event {
        Event::provider(AccountEvent {
            account: AccountId::new("hub"),
            event,
        })
    }

    fn conversation(id: &str, status: ConversationStatus) -> Conversation {
        Conversation {
            key: ConversationKey::new(&AccountId::new("hub"), id),
            channel: Channel::WhatsApp,
            contact: Contact {
                id: format!("k-{id}"),
                name: id.to_uppercase(),
                identity: String::new(),
            },
            status,
            unread: 0,
            last_message_at: None,
            last_message: None,
            metadata: Default::default(),
            work: None,
        }
    }

    fn app() -> App {
        let mut app = App::new("test", AppSettings::default(), T0);
        app.add_account(AccountId::new("hub"));
        app.apply(
            T0,
            provider(ProviderEvent::Conversations(vec![
                conversation("c1", ConversationStatus::Open),
                conversation("c2", ConversationStatus::Resolved),
                conversation("c3", ConversationStatus::Snoozed),
            ])),
        );
        app
    }

    fn listed(app: &App) -> Vec<String> {
        let mut ids: Vec<String> = app
            .view
            .conversations
            .iter()
            .map(|k| k.id.to_string())
            .collect();
        ids.sort();
        ids
    }

    fn set_status_of(effects: &[Effect]) -> Option<(String, ConversationStatus)> {
        effects.iter().find_map(|effect| match effect {
            Effect::Provider {
                command:
                    ProviderCommand::SetStatus {
                        conversation,
                        status,
                        ..
                    },
                ..
            } => Some((conversation.clone(), *status)),
            _ => None,
        })
    }

    #[test]
    fn s_resolves_an_open_conversation_and_reopens_a_resolved_one() {
        let mut app = app();
        app.view.selected = Some(ConversationKey::new(&AccountId::new("hub"), "c1"));
        let effects = app.apply(T0, Event::Key(Key::ch('s')));
        assert_eq!(
            set_status_of(&effects),
            Some(("c1".into(), ConversationStatus::Resolved))
        );
        app.view.selected = Some(ConversationKey::new(&AccountId::new("hub"), "c2"));
        let effects = app.apply(T0, Event::Key(Key::ch('s')));
        assert_eq!(
            set_status_of(&effects),
            Some(("c2".into(), ConversationStatus::Open))
        );
    }

    #[test]
    fn status_filter_cycles_and_follows_pushed_changes() {
        let mut app = app();
        // A snoozed conversation is off the list until it is back (the filter shows it).
        assert_eq!(listed(&app), ["c1", "c2"]);
        app.apply(T0, Event::Key(Key::ch('F')));
        assert_eq!(app.view.status_filter, Some(ConversationStatus::Open));
        assert_eq!(listed(&app), ["c1"]);
        // A conversation_update pushed by the server shows at once, through the filter too.
        app.apply(
            T0,
            provider(ProviderEvent::ConversationStatus {
                conversation: "c2".into(),
                status: ConversationStatus::Open,
            }),
        );
        assert_eq!(listed(&app), ["c1", "c2"]);
        app.apply(T0, Event::Key(Key::ch('F')));
        assert_eq!(app.view.status_filter, Some(ConversationStatus::Pending));
        assert!(listed(&app).is_empty());
        app.apply(T0, Event::Key(Key::ch('F')));
        app.apply(T0, Event::Key(Key::ch('F')));
        assert_eq!(app.view.status_filter, Some(ConversationStatus::Snoozed));
        assert_eq!(listed(&app), ["c3"]);
        app.apply(T0, Event::Key(Key::ch('F')));
        assert_eq!(app.view.status_filter, None);
        assert_eq!(listed(&app), ["c1", "c2"]);
    }
}
