//! The message cursor of the thread pane and the actions on one message: delete (after a
//! confirmation), open its media with the system opener, and the contact's capability lookup.
//!
//! The cursor is a message id in the view state, so it survives merges and re-sorting. j/k
//! move it while the thread has the focus; moving past the newest message clears it (the
//! thread follows new messages again), and moving above the oldest asks for older history.

use super::keys::{Action, KeyContext};
use super::status::NoticeLevel;
use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::model::Content;

/// Moves the cursor one message older (`down == false`) or newer, over what the pane shows
/// (the thread, or a window on its history).
pub(super) fn step(app: &mut App, down: bool, effects: &mut Vec<Effect>) {
    let in_window = super::history::shown(app).is_some();
    let messages = super::history::shown_messages(app);
    if messages.is_empty() {
        return;
    }
    let current = app
        .view
        .selected_message
        .as_deref()
        .and_then(|id| messages.iter().position(|m| m.id == id));
    // Without a cursor (none yet, or paged away from), `k` starts at the newest message whose
    // last line is on screen, not at the newest of all, so the view does not jump. The last
    // frame's anchor is the message at the viewport's bottom: when it runs on below the
    // screen, the one above it.
    let scroll = app.view.thread_scroll;
    let at_bottom = app
        .view
        .layout
        .thread_anchor
        .filter(|_| scroll > 0)
        .and_then(|anchor| {
            let index = anchor.find_in(messages)?;
            Some(if anchor.bottom < scroll {
                index.saturating_sub(1)
            } else {
                index
            })
        });
    let next = match (current, down) {
        (None, false) => Some(at_bottom.unwrap_or(messages.len() - 1)),
        (None, true) => None,
        // A window reads its older pages itself, as its top comes into view.
        (Some(0), false) => Some(0),
        (Some(i), false) => Some(i - 1),
        (Some(i), true) if i + 1 < messages.len() => Some(i + 1),
        (Some(_), true) => None,
    };
    app.view.selected_message = next.map(|i| messages[i].id.clone());
    if current == Some(0) && !down && !in_window {
        super::input::fetch_older(app, effects);
    }
    if app.view.selected_message.is_none() {
        app.view.thread_scroll = 0;
    }
}

/// The selected message of the open conversation, if it still exists.
fn selected(app: &App) -> Option<&crate::model::Message> {
    let id = app.view.selected_message.as_deref()?;
    if let Some(window) = super::history::shown(app) {
        return window.get(id);
    }
    let key = app.view.open.as_ref()?;
    app.inbox.get(key)?.thread.get(id)
}

/// `x`: ask before deleting the selected message.
pub(super) fn ask_delete(app: &mut App) {
    let (Some(key), Some(message)) = (app.view.open.clone(), selected(app)) else {
        select_first(app);
        return;
    };
    let id = message.id.clone();
    let preview = crate::text::clip_words(&message.content.preview(), 24);
    let note = message.direction == crate::model::Direction::Note;
    let actions = app.status.account_mut(&key.account).actions;
    // A note is ours alone: any platform can lose it.
    if !actions.delete_message && !note {
        let text = format!("{} cannot delete messages", actions.platform);
        return app.status.notify(NoticeLevel::Info, text, app.now);
    }
    app.status.notify(
        NoticeLevel::Info,
        format!(
            "Delete \"{preview}\"? {}: delete, other keys: keep",
            super::input::key_label(app, KeyContext::Confirm, Action::Confirm)
        ),
        app.now,
    );
    app.view.confirm_delete = Some((key, id));
}

/// `>`: reply to the selected message; the reply will quote its first line.
pub(super) fn reply_to(app: &mut App, effects: &mut Vec<Effect>) {
    let (Some(key), Some(message)) = (app.view.open.clone(), selected(app)) else {
        return select_first(app);
    };
    if message.direction == crate::model::Direction::Note {
        app.status.notify(
            NoticeLevel::Info,
            "A private note is not quoted to the customer".into(),
            app.now,
        );
        return;
    }
    let preview = crate::text::sanitize(&message.content.preview());
    let channel = app.inbox.get(&key).map(|entry| entry.info.channel.clone());
    if channel.is_some_and(|c| super::reply_options::applies_to(&c)) {
        // A quote would be read out on a call and eat a USSD screen's few characters.
        app.status.notify(
            NoticeLevel::Info,
            "USSD and voice replies answer the session; they cannot quote a message".into(),
            app.now,
        );
        return;
    }
    // The message's own words: a reply to a reply does not quote the quote.
    let first = preview
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with("> "))
        .unwrap_or("");
    let quote = match crate::text::prefix_within(first, QUOTE_BYTES) {
        cut if cut.len() < first.len() => format!("{}…", cut.trim_end()),
        whole => whole.to_string(),
    };
    app.view.replying_to = Some((key, quote));
    app.view.selected_message = None;
    super::input::perform(app, Action::Compose, effects);
}

/// The longest quote a reply carries, in bytes.
const QUOTE_BYTES: usize = 80;

/// Says how to select a message, with the keys of the live map.
fn select_first(app: &mut App) {
    let text = format!(
        "Select a message first ({}/{} in the thread)",
        super::input::key_label(app, KeyContext::Browse, Action::Down),
        super::input::key_label(app, KeyContext::Browse, Action::Up)
    );
    app.status.notify(NoticeLevel::Info, text, app.now);
}

/// The answer to "delete the selected message?": the confirm key deletes, any other keeps.
pub(super) fn confirm(app: &mut App, yes: bool, effects: &mut Vec<Effect>) {
    let Some((conversation, message_id)) = app.view.confirm_delete.take() else {
        return;
    };
    let is_note = |m: &crate::model::Message| {
        m.id == message_id && m.direction == crate::model::Direction::Note
    };
    let note = app
        .inbox
        .get(&conversation)
        .is_some_and(|entry| entry.thread.messages().iter().any(is_note))
        || super::history::shown(app).is_some_and(|w| w.messages.iter().any(is_note));
    if yes && note {
        // Never a command to the platform: the note only ever lived here.
        if let Some(entry) = app.inbox.get_mut(&conversation) {
            entry.thread.delete(&message_id);
        }
        super::history::forget(app, &conversation, &message_id);
        app.lists_stale = true;
        if app.settings.store {
            effects.push(Effect::Store(
                crate::contract::store::StoreRequest::DeleteMessage {
                    key: conversation,
                    id: message_id,
                },
            ));
        }
        app.status
            .notify(NoticeLevel::Info, "Note deleted".to_string(), app.now);
    } else if yes {
        effects.push(Effect::Provider {
            account: conversation.account.clone(),
            command: ProviderCommand::DeleteMessage {
                conversation: conversation.id.to_string(),
                message_id,
            },
        });
        app.status
            .notify(NoticeLevel::Info, "Deleting…".to_string(), app.now);
    } else {
        app.status
            .notify(NoticeLevel::Info, "Kept the message".to_string(), app.now);
    }
}

/// `o`: open the selected message's media, or the links in its text (a list to pick from
/// when there are several), with the system opener; web links only.
pub(super) fn open_media(app: &mut App, effects: &mut Vec<Effect>) {
    let url = match selected(app).map(|m| &m.content) {
        Some(Content::Media { url, .. }) => url.clone(),
        // A message too long for the screen: the whole of it, in the pager.
        Some(Content::Text(text)) if crate::text::kept_token(text).is_some() => {
            let token = crate::text::kept_token(text)
                .unwrap_or_default()
                .to_string();
            effects.push(Effect::Terminal(super::TerminalJob::Page(token)));
            return;
        }
        Some(Content::Text(text)) if !super::links::find(text).is_empty() => {
            let links = super::links::find(text);
            return super::links::offer(app, links, effects);
        }
        Some(_) => {
            app.status.notify(
                NoticeLevel::Info,
                "The selected message has no media or link to open".to_string(),
                app.now,
            );
            return;
        }
        None => {
            select_first(app);
            return;
        }
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        app.status.notify(
            NoticeLevel::Error,
            "Only http(s) media links are opened".to_string(),
            app.now,
        );
        return;
    }
    effects.push(Effect::OpenUrl(url));
}

/// `y`: the selected message's text to the clipboard.
pub(super) fn copy(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(message) = selected(app) else {
        select_first(app);
        return;
    };
    let text = match &message.content {
        Content::Text(text) => text.clone(),
        Content::Media { url, caption, .. } => match caption {
            Some(caption) => format!("{caption}\n{url}"),
            None => url.clone(),
        },
        other => other.preview(),
    };
    let chars = text.chars().count();
    effects.push(Effect::Copy(text));
    app.status.notify(
        NoticeLevel::Info,
        format!("Sent {chars} characters to the terminal's clipboard (OSC 52)"),
        app.now,
    );
}

/// `C`: what can the open conversation's contact receive? The answer arrives as an event.
pub(super) fn capability(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.open.clone().or_else(|| app.view.selected.clone()) else {
        return;
    };
    let actions = app.status.account_mut(&key.account).actions;
    if !actions.capability_lookup {
        let text = format!("{} has no capability lookup", actions.platform);
        return app.status.notify(NoticeLevel::Info, text, app.now);
    }
    app.status.notify(
        NoticeLevel::Info,
        "Capability lookup sent…".to_string(),
        app.now,
    );
    effects.push(Effect::Provider {
        account: key.account,
        command: ProviderCommand::QueryCapability {
            conversation: key.id.to_string(),
        },
    });
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::{App, AppSettings, Effect, Event, Focus, Key, KeyCode};
    use crate::contract::provider::{AccountEvent, ProviderCommand, ProviderEvent};
    use crate::model::{
        AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
        DeliveryStatus, Direction, Message, Timestamp,
    };

    const T0: Timestamp = datetime!(2026-11-20 14:00 UTC);

    fn key() -> ConversationKey {
        ConversationKey::new(&AccountId::new("sinch"), "c1")
    }

    fn provider(event: ProviderEvent) -> Event {
        Event::provider(AccountEvent {
            account: AccountId::new("sinch"),
            event,
        })
    }

    fn message(id: &str, minute: i64, content: Content) -> Message {
        Message {
            id: id.into(),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content,
            at: T0 + time::Duration::minutes(minute),
            status: DeliveryStatus::Delivered,
            failure: None,
        }
    }

    /// "c1" open with the thread focused: m1 (text), m2 (media), m3 (text).
    fn app() -> App {
        let mut app = App::new("t", AppSettings::default(), T0);
        app.add_account(AccountId::new("sinch"));
        app.apply(
            T0,
            provider(ProviderEvent::Conversations(vec![Conversation {
                key: key(),
                channel: Channel::Sms,
                contact: Contact::default(),
                status: ConversationStatus::Open,
                unread: 0,
                last_message_at: None,
                last_message: None,
                metadata: Default::default(),
                work: None,
            }])),
        );
        let media = Content::Media {
            kind: "image".into(),
            url: "https://cdn.example/cat.jpg".into(),
            caption: None,
        };
        app.apply(
            T0,
            provider(ProviderEvent::Messages {
                conversation: "c1".into(),
                messages: vec![
                    message("m1", 1, Content::Text("one".into())),
                    message("m2", 2, media),
                    message("m3", 3, Content::Text("three".into())),
                ],
                live: false,
            }),
        );
        app.view.selected = Some(key());
        press(&mut app, Key::plain(KeyCode::Enter));
        app.view.focus = Focus::Thread;
        app
    }

    fn press(app: &mut App, key: Key) -> Vec<Effect> {
        app.apply(T0, Event::Key(key))
    }

    #[test]
    fn j_and_k_move_the_cursor_and_past_the_newest_it_follows_again() {
        let mut app = app();
        assert_eq!(app.view.open, Some(key()));
        press(&mut app, Key::ch('k'));
        assert_eq!(app.view.selected_message.as_deref(), Some("m3"));
        press(&mut app, Key::ch('k'));
        press(&mut app, Key::ch('k'));
        assert_eq!(app.view.selected_message.as_deref(), Some("m1"));
        let effects = press(&mut app, Key::ch('k'));
        assert_eq!(
            app.view.selected_message.as_deref(),
            Some("m1"),
            "stays on the oldest"
        );
        assert!(
            matches!(
                &effects[..],
                [Effect::Provider {
                    command: ProviderCommand::FetchOlder { .. },
                    ..
                }]
            ),
            "{effects:?}"
        );
        for _ in 0..3 {
            press(&mut app, Key::ch('j'));
        }
        assert_eq!(app.view.selected_message, None);
    }

    #[test]
    fn y_copies_the_selected_message_and_says_so() {
        let mut app = app();
        assert!(press(&mut app, Key::ch('y')).is_empty(), "nothing selected");
        press(&mut app, Key::ch('k'));
        let effects = press(&mut app, Key::ch('y'));
        let [Effect::Copy(text)] = effects.as_slice() else {
            panic!("one copy: {effects:?}");
        };
        let selected = super::selected(&app).map(|m| m.content.preview());
        assert_eq!(Some(text.clone()), selected);
        assert!(
            app.status
                .current_notice()
                .is_some_and(|n| n.text.starts_with("Sent")),
        );
    }

    #[test]
    fn a_platform_without_delete_or_lookup_says_so_at_once() {
        let mut app = app();
        app.status.account_mut(&AccountId::new("sinch")).actions =
            super::super::status::PlatformActions::of("Linktor", false);
        press(&mut app, Key::ch('k'));
        assert!(press(&mut app, Key::ch('x')).is_empty());
        assert!(
            app.view.confirm_delete.is_none(),
            "no question that can only fail"
        );
        let said = |app: &App| app.status.current_notice().map(|n| n.text.clone());
        assert_eq!(
            said(&app).as_deref(),
            Some("Linktor cannot delete messages")
        );
        assert!(press(&mut app, Key::ch('C')).is_empty());
        assert_eq!(
            said(&app).as_deref(),
            Some("Linktor has no capability lookup")
        );
    }

    #[test]
    fn delete_asks_first_and_only_y_deletes() {
        let mut app = app();
        press(&mut app, Key::ch('k'));
        assert!(
            press(&mut app, Key::ch('x')).is_empty(),
            "nothing before the answer"
        );
        assert!(app.view.confirm_delete.is_some());
        assert!(
            press(&mut app, Key::ch('n')).is_empty(),
            "any other key keeps it"
        );
        assert!(app.view.confirm_delete.is_none());
        press(&mut app, Key::ch('x'));
        let effects = press(&mut app, Key::ch('y'));
        assert_eq!(
            effects,
            [Effect::Provider {
                account: AccountId::new("sinch"),
                command: ProviderCommand::DeleteMessage {
                    conversation: "c1".into(),
                    message_id: "m3".into()
                }
            }]
        );
        app.apply(
            T0,
            provider(ProviderEvent::MessageDeleted {
                conversation: "c1".into(),
                message_id: "m3".into(),
            }),
        );
        let thread = &app.inbox.get(&key()).expect("c1").thread;
        assert!(thread.get("m3").is_none());
        assert_eq!(thread.len(), 2);
    }

    #[test]
    fn media_opens_with_the_system_opener_and_capability_results_reach_the_details() {
        let mut app = app();
        press(&mut app, Key::ch('k'));
        assert!(press(&mut app, Key::ch('o')).is_empty(), "m3 is text");
        press(&mut app, Key::ch('k'));
        assert_eq!(
            press(&mut app, Key::ch('o')),
            [Effect::OpenUrl("https://cdn.example/cat.jpg".into())]
        );
        assert_eq!(
            press(&mut app, Key::ch('C')),
            [Effect::Provider {
                account: AccountId::new("sinch"),
                command: ProviderCommand::QueryCapability {
                    conversation: "c1".into()
                }
            }]
        );
        app.apply(
            T0,
            provider(ProviderEvent::Capability {
                conversation: "c1".into(),
                summary: "CAPABILITY_FULL on SMS".into(),
            }),
        );
        let info = &app.inbox.get(&key()).expect("c1").info;
        assert_eq!(
            info.metadata.get("Capability").map(String::as_str),
            Some("CAPABILITY_FULL on SMS")
        );
    }
}
