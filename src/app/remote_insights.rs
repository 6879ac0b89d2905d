//! Insights from remote sources (Symbl), per conversation, kept beside the local engine's and
//! marked with their source. Whether to ask for them is a setting: without a remote source the
//! reducer never emits [`Effect::AnalyseInsights`](super::Effect::AnalyseInsights).

use std::collections::HashMap;

use crate::insights::ConversationInsights;
use crate::model::ConversationKey;

#[derive(Clone, Debug, Default)]
pub struct RemoteInsights {
    /// A remote source is configured: the reducer asks it about the open conversation.
    pub enabled: bool,
    by_conversation: HashMap<ConversationKey, ConversationInsights>,
}

impl RemoteInsights {
    pub fn get(&self, conversation: &ConversationKey) -> Option<&ConversationInsights> {
        self.by_conversation.get(conversation)
    }

    /// Replaces the set for `conversation`; true when it differs from what was held.
    pub fn store(&mut self, conversation: ConversationKey, insights: ConversationInsights) -> bool {
        if self.by_conversation.get(&conversation) == Some(&insights) {
            return false;
        }
        self.by_conversation.insert(conversation, insights);
        true
    }
}

/// The request for `conversation`'s thread, when a remote source is configured and the thread
/// has messages.
pub(super) fn analyse(app: &super::App, conversation: &ConversationKey) -> Option<super::Effect> {
    if !app.remote_insights.enabled {
        return None;
    }
    let entry = app.inbox.get(conversation)?;
    if entry.thread.is_empty() {
        return None;
    }
    // Private notes stay in the team: a remote source sees only the conversation itself.
    let messages: Vec<_> = entry
        .thread
        .messages()
        .iter()
        .filter(|message| message.direction != crate::model::Direction::Note)
        .cloned()
        .collect();
    if messages.is_empty() {
        return None;
    }
    Some(super::Effect::AnalyseInsights {
        conversation: conversation.clone(),
        messages,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::{App, AppSettings, Effect, Event, Focus, Key, KeyCode};
    use crate::contract::provider::{AccountEvent, ProviderEvent};
    use crate::insights::{ConversationInsights, InsightSource, Question};
    use crate::model::{
        AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
        DeliveryStatus, Direction, Message, Timestamp,
    };

    const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

    fn key(id: &str) -> ConversationKey {
        ConversationKey::new(&AccountId::new("hub"), id)
    }

    fn from(account: &str, event: ProviderEvent) -> Event {
        Event::provider(AccountEvent {
            account: AccountId::new(account),
            event,
        })
    }

    fn text(id: &str, minute: i64) -> Message {
        Message {
            id: id.into(),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content: Content::Text(format!("message {id}?")),
            at: T0 + time::Duration::minutes(minute),
            status: DeliveryStatus::Delivered,
            failure: None,
        }
    }

    fn app(enabled: bool) -> App {
        let mut app = App::new("test", AppSettings::default(), T0);
        app.remote_insights.enabled = enabled;
        app.apply(
            T0,
            from(
                "hub",
                ProviderEvent::Conversations(vec![Conversation {
                    key: key("c1"),
                    channel: Channel::Sms,
                    contact: Contact {
                        id: "k1".into(),
                        name: "Ana".into(),
                        identity: "+1555".into(),
                    },
                    status: ConversationStatus::Open,
                    unread: 0,
                    last_message_at: None,
                    last_message: None,
                    metadata: Default::default(),
                    work: None,
                }]),
            ),
        );
        app.apply(
            T0,
            from(
                "hub",
                ProviderEvent::Messages {
                    conversation: "c1".into(),
                    messages: vec![text("m1", 0)],
                    live: false,
                },
            ),
        );
        app
    }

    fn open(app: &mut App) -> Vec<Effect> {
        app.view.selected = Some(key("c1"));
        app.view.focus = Focus::Conversations;
        app.apply(T0, Event::Key(Key::plain(KeyCode::Enter)))
    }

    fn analysed(effects: &[Effect]) -> Vec<Vec<String>> {
        effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::AnalyseInsights {
                    conversation,
                    messages,
                } if *conversation == key("c1") => {
                    Some(messages.iter().map(|m| m.id.clone()).collect())
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn opening_and_new_messages_ask_symbl_for_the_whole_thread() {
        let mut app = app(true);
        assert_eq!(analysed(&open(&mut app)), vec![vec!["m1".to_string()]]);
        let effects = app.apply(
            T0,
            from(
                "hub",
                ProviderEvent::Messages {
                    conversation: "c1".into(),
                    messages: vec![text("m2", 1)],
                    live: true,
                },
            ),
        );
        assert_eq!(
            analysed(&effects),
            vec![vec!["m1".to_string(), "m2".to_string()]]
        );
        // A replay changes nothing and asks nothing.
        let effects = app.apply(
            T0,
            from(
                "hub",
                ProviderEvent::Messages {
                    conversation: "c1".into(),
                    messages: vec![text("m2", 1)],
                    live: true,
                },
            ),
        );
        assert!(analysed(&effects).is_empty());
    }

    #[test]
    fn without_a_remote_source_nothing_is_asked() {
        let mut app = app(false);
        assert!(analysed(&open(&mut app)).is_empty());
    }

    #[test]
    fn insights_from_symbl_are_stored_per_conversation_marked_with_their_source() {
        let mut app = app(true);
        let insights = ConversationInsights {
            source: InsightSource::Remote("symbl".into()),
            questions: vec![Question {
                text: "message m1?".into(),
                asked_by: Default::default(),
                messages: vec!["m1".into()],
                answer: Default::default(),
            }],
            ..ConversationInsights::default()
        };
        let event = from(
            "symbl",
            ProviderEvent::RemoteInsights {
                conversation: key("c1"),
                insights: Box::new(insights.clone()),
            },
        );
        let before = app.revision;
        app.apply(T0, event.clone());
        assert!(app.revision > before, "a redraw is due");
        assert_eq!(app.remote_insights.get(&key("c1")), Some(&insights));
        let after = app.revision;
        app.apply(T0, event);
        assert_eq!(app.revision, after, "the same set again changes nothing");
        assert_eq!(app.remote_insights.get(&key("c2")), None);
    }

    #[test]
    fn the_pane_reads_symbls_set_for_the_open_conversation_and_the_local_one_otherwise() {
        let mut app = app(true);
        open(&mut app);
        let local = super::super::insights::open_insights(&app).expect("local set");
        assert_eq!(local.source, InsightSource::Local);
        let remote = ConversationInsights {
            source: InsightSource::Remote("symbl".into()),
            ..ConversationInsights::default()
        };
        app.apply(
            T0,
            from(
                "symbl",
                ProviderEvent::RemoteInsights {
                    conversation: key("c1"),
                    insights: Box::new(remote.clone()),
                },
            ),
        );
        assert_eq!(super::super::insights::open_insights(&app), Some(&remote));
    }
}
