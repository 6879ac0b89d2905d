//! The contact picker: search contacts, see each one's identifiers per channel, create one, and
//! start a conversation with the chosen contact on the chosen channel, all from the keyboard.
//! The picker talks to one account (the selected conversation's, else the first); the provider
//! answers with `Contacts`, `ContactCreated` and `ConversationStarted` events.

use super::keys::{Action, Key, KeyContext};
use super::{App, Effect};
use crate::contract::provider::{ProviderCommand, ProviderEvent};
use crate::model::{AccountId, ContactCard, ConversationKey};

/// The fields of the new-contact form, in Tab order.
pub const FORM_FIELDS: [&str; 3] = ["name", "channel", "identifier"];

#[derive(Clone, Debug, PartialEq)]
pub struct ContactPicker {
    pub account: AccountId,
    pub query: String,
    /// The search line has the keyboard.
    pub searching: bool,
    pub results: Vec<ContactCard>,
    pub selected: usize,
    /// Which of the selected contact's identifiers a new conversation would use.
    pub channel: usize,
    /// The new-contact form, when open.
    pub form: Option<NewContactForm>,
    /// A request is on its way (shown as "searching…").
    pub waiting: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewContactForm {
    /// Name, channel (e.g. `whatsapp`), identifier (e.g. a phone number).
    pub fields: [String; 3],
    pub field: usize,
}

impl ContactPicker {
    pub fn selected_contact(&self) -> Option<&ContactCard> {
        self.results.get(self.selected)
    }
}

/// `c`: opens the picker and lists the first contacts.
pub(super) fn open(app: &mut App, effects: &mut Vec<Effect>) {
    let account = app
        .view
        .selected
        .as_ref()
        .map(|key| key.account.clone())
        .or_else(|| app.status.accounts.keys().next().cloned());
    let Some(account) = account else {
        return;
    };
    app.view.contact_picker = Some(ContactPicker {
        account: account.clone(),
        query: String::new(),
        searching: false,
        results: Vec::new(),
        selected: 0,
        channel: 0,
        form: None,
        waiting: true,
    });
    effects.push(Effect::Provider {
        account,
        command: ProviderCommand::SearchContacts {
            query: String::new(),
        },
    });
}

/// Keys while the picker is open.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let map = app.settings.keymap.clone();
    if map.lookup(KeyContext::Global, key) == Some(Action::Quit) {
        super::input::perform(app, Action::Quit, effects);
        return;
    }
    let Some(picker) = app.view.contact_picker.as_mut() else {
        return;
    };
    if picker.form.is_some() {
        form_key(picker, map.lookup(KeyContext::Prompt, key), key, effects);
        return;
    }
    if picker.searching {
        search_key(picker, map.lookup(KeyContext::Prompt, key), key, effects);
        return;
    }
    // j/k and the arrows move as they do in the lists; the picker's own keys come first.
    let action = map.lookup(KeyContext::Contacts, key).or_else(|| {
        map.lookup(KeyContext::Browse, key)
            .filter(|a| matches!(a, Action::Up | Action::Down))
    });
    match action {
        Some(Action::Down) => move_selection(picker, 1),
        Some(Action::Up) => move_selection(picker, -1),
        Some(Action::StartFilter) => picker.searching = true,
        Some(Action::NextContactChannel) => {
            let count = picker.selected_contact().map_or(0, |c| c.identifiers.len());
            if count > 0 {
                picker.channel = (picker.channel + 1) % count;
            }
        }
        Some(Action::NewContact) => picker.form = Some(NewContactForm::default()),
        Some(Action::Activate) => start(picker, effects),
        Some(Action::Back) => app.view.contact_picker = None,
        _ => {}
    }
}

fn move_selection(picker: &mut ContactPicker, delta: isize) {
    let last = picker.results.len().saturating_sub(1);
    picker.selected = picker.selected.saturating_add_signed(delta).min(last);
    picker.channel = 0;
}

fn search_key(
    picker: &mut ContactPicker,
    action: Option<Action>,
    key: Key,
    effects: &mut Vec<Effect>,
) {
    match action {
        Some(Action::Activate) => {
            picker.searching = false;
            picker.waiting = true;
            effects.push(Effect::Provider {
                account: picker.account.clone(),
                command: ProviderCommand::SearchContacts {
                    query: picker.query.trim().to_string(),
                },
            });
        }
        Some(Action::Back) => picker.searching = false,
        Some(Action::Down) => move_selection(picker, 1),
        Some(Action::Up) => move_selection(picker, -1),
        _ => {
            super::input::edit_line(&mut picker.query, action, key);
        }
    }
}

fn form_key(
    picker: &mut ContactPicker,
    action: Option<Action>,
    key: Key,
    effects: &mut Vec<Effect>,
) {
    let Some(form) = picker.form.as_mut() else {
        return;
    };
    match action {
        Some(Action::Back) => picker.form = None,
        Some(Action::FocusNext | Action::Down) => {
            form.field = (form.field + 1) % FORM_FIELDS.len();
        }
        Some(Action::FocusPrev | Action::Up) => {
            form.field = (form.field + FORM_FIELDS.len() - 1) % FORM_FIELDS.len();
        }
        Some(Action::Activate) => {
            let [name, channel, identifier] = form.fields.clone().map(|f| f.trim().to_string());
            if name.is_empty() || channel.is_empty() || identifier.is_empty() {
                // Go to the first empty field rather than send what the server would refuse.
                form.field = form
                    .fields
                    .iter()
                    .position(|f| f.trim().is_empty())
                    .unwrap_or(0);
                return;
            }
            picker.waiting = true;
            effects.push(Effect::Provider {
                account: picker.account.clone(),
                command: ProviderCommand::CreateContact {
                    name,
                    channel_type: channel.to_lowercase(),
                    identifier,
                },
            });
        }
        _ => {
            super::input::edit_line(&mut form.fields[form.field], action, key);
        }
    }
}

fn start(picker: &mut ContactPicker, effects: &mut Vec<Effect>) {
    let Some(contact) = picker.selected_contact() else {
        return;
    };
    let Some(identifier) = contact.identifiers.get(picker.channel) else {
        return;
    };
    effects.push(Effect::Provider {
        account: picker.account.clone(),
        command: ProviderCommand::StartConversation {
            contact_id: contact.id.clone(),
            channel_type: identifier.channel_type.clone(),
        },
    });
    picker.waiting = true;
}

/// Provider answers for the picker; returns whether anything visible changed.
pub(super) fn provider_event(
    app: &mut App,
    account: &AccountId,
    event: ProviderEvent,
    effects: &mut Vec<Effect>,
) -> bool {
    match event {
        ProviderEvent::Contacts { query, contacts } => match app.view.contact_picker.as_mut() {
            // A late answer to an older search is not what the user is looking at now, nor
            // one the picker did not ask for (it opened on a contact the search found).
            Some(picker)
                if picker.waiting && picker.account == *account && picker.query.trim() == query =>
            {
                picker.results = contacts;
                picker.selected = 0;
                picker.channel = 0;
                picker.waiting = false;
                true
            }
            _ => false,
        },
        ProviderEvent::ContactCreated(card) => match app.view.contact_picker.as_mut() {
            Some(picker) if picker.account == *account => {
                picker.results.retain(|c| c.id != card.id);
                picker.results.insert(0, card);
                picker.selected = 0;
                picker.channel = 0;
                picker.form = None;
                picker.waiting = false;
                true
            }
            _ => false,
        },
        ProviderEvent::ConversationStarted { conversation } => {
            let waiting = app
                .view
                .contact_picker
                .as_ref()
                .is_some_and(|p| p.account == *account && p.waiting);
            if !waiting {
                return false;
            }
            app.view.contact_picker = None;
            let key = ConversationKey::new(account, conversation);
            app.view.selected = Some(key.clone());
            super::input::open_conversation(app, key, effects);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::app::keys::KeyCode;
    use crate::app::{AppSettings, Event};
    use crate::contract::provider::AccountEvent;
    use crate::model::{Channel, ContactIdentifier, Timestamp};

    const T0: Timestamp = datetime!(2026-01-01 12:00 UTC);

    fn app() -> App {
        let mut app = App::new("t", AppSettings::default(), T0);
        app.add_account(AccountId::new("hub"));
        app
    }

    fn press(app: &mut App, keys: &[Key]) -> Vec<Effect> {
        keys.iter()
            .flat_map(|key| app.apply(T0, Event::Key(*key)))
            .collect()
    }

    fn typed(text: &str) -> Vec<Key> {
        text.chars().map(Key::ch).collect()
    }

    fn provider(app: &mut App, event: ProviderEvent) -> Vec<Effect> {
        app.apply(
            T0,
            Event::provider(AccountEvent {
                account: AccountId::new("hub"),
                event,
            }),
        )
    }

    fn bob() -> ContactCard {
        ContactCard {
            id: "k1".into(),
            name: "Bob".into(),
            email: None,
            phone: Some("+551".into()),
            identifiers: vec![
                ContactIdentifier {
                    channel: Channel::WhatsApp,
                    channel_type: "whatsapp".into(),
                    identifier: "+551".into(),
                },
                ContactIdentifier {
                    channel: Channel::Telegram,
                    channel_type: "telegram".into(),
                    identifier: "@bob".into(),
                },
            ],
        }
    }

    fn commands(effects: &[Effect]) -> Vec<ProviderCommand> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Provider { command, .. } => Some(command.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn search_pick_a_channel_and_start_a_conversation() {
        let mut app = app();
        let opened = press(&mut app, &[Key::ch('c')]);
        assert_eq!(
            commands(&opened),
            [ProviderCommand::SearchContacts { query: "".into() }]
        );
        let mut keys = vec![Key::ch('/')];
        keys.extend(typed("bo"));
        keys.push(Key::plain(KeyCode::Enter));
        let searched = press(&mut app, &keys);
        assert_eq!(
            commands(&searched),
            [ProviderCommand::SearchContacts { query: "bo".into() }]
        );
        // An answer to the first (empty) search is stale and ignored.
        provider(
            &mut app,
            ProviderEvent::Contacts {
                query: "".into(),
                contacts: vec![],
            },
        );
        assert!(app.view.contact_picker.as_ref().expect("open").waiting);
        provider(
            &mut app,
            ProviderEvent::Contacts {
                query: "bo".into(),
                contacts: vec![bob()],
            },
        );
        let started = press(
            &mut app,
            &[Key::plain(KeyCode::Tab), Key::plain(KeyCode::Enter)],
        );
        assert_eq!(
            commands(&started),
            [ProviderCommand::StartConversation {
                contact_id: "k1".into(),
                channel_type: "telegram".into()
            }]
        );
        let opened = provider(
            &mut app,
            ProviderEvent::ConversationStarted {
                conversation: "c9".into(),
            },
        );
        assert!(app.view.contact_picker.is_none());
        assert_eq!(
            app.view.open,
            Some(ConversationKey::new(&AccountId::new("hub"), "c9"))
        );
        assert!(commands(&opened).contains(&ProviderCommand::Open {
            conversation: "c9".into()
        }));
    }

    #[test]
    fn create_a_contact_from_the_form() {
        let mut app = app();
        press(&mut app, &[Key::ch('c'), Key::ch('n')]);
        // Enter with empty fields sends nothing.
        assert!(commands(&press(&mut app, &[Key::plain(KeyCode::Enter)])).is_empty());
        let mut keys = typed("Ana Lima");
        keys.push(Key::plain(KeyCode::Tab));
        keys.extend(typed("SMS"));
        keys.push(Key::plain(KeyCode::Tab));
        keys.extend(typed("+15550009"));
        keys.push(Key::plain(KeyCode::Enter));
        // `q` and `j` are text here, not quit or down.
        assert_eq!(
            commands(&press(&mut app, &keys)),
            [ProviderCommand::CreateContact {
                name: "Ana Lima".into(),
                channel_type: "sms".into(),
                identifier: "+15550009".into()
            }]
        );
        provider(&mut app, ProviderEvent::ContactCreated(bob()));
        let picker = app.view.contact_picker.as_ref().expect("open");
        assert!(picker.form.is_none());
        assert_eq!(picker.results[0].id, "k1");
        press(&mut app, &[Key::plain(KeyCode::Esc)]);
        assert!(app.view.contact_picker.is_none());
    }
}
