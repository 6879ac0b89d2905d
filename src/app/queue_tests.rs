use super::super::tests::{
    app, conversation, inbound, key, messages, open, press, provider, type_text,
};
use super::super::{AppSettings, Effect, Event, Focus, Key, KeyCode};
use crate::contract::provider::{ProviderCommand, ProviderEvent};
use crate::contract::store::StoreRequest;
use crate::model::{Channel, Content, Direction};

/// Every text a provider would be asked to put in front of a customer: any command but
/// `AddNote`, which goes to the team's notes only (each provider's tests show where it goes).
fn customer_facing(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Provider {
                command: ProviderCommand::AddNote { .. },
                ..
            } => None,
            Effect::Provider { command, .. } => Some(format!("{command:?}")),
            Effect::Store(StoreRequest::Enqueue { entry, .. }) => Some(entry.text.clone()),
            _ => None,
        })
        .collect()
}

/// The notes shared with the team: the text of each `AddNote`.
fn shared_notes(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Provider {
                command: ProviderCommand::AddNote { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_note_is_kept_in_the_thread_and_never_reaches_a_provider() {
    for (store, team) in [(false, true), (true, true), (true, false)] {
        let mut app = app();
        app.settings.store = store;
        if !team {
            app.status
                .account_mut(&crate::model::AccountId::new("hub"))
                .actions = crate::contract::provider::PlatformActions::of("Vumi Go", false)
                .without_conversation_state();
        }
        app.settings.send_typing = true;
        open(&mut app, "c1");
        let mut effects = press(&mut app, Key::plain(KeyCode::Esc));
        app.view.focus = Focus::Thread;
        effects.extend(press(&mut app, Key::ch('n')));
        assert_eq!(app.view.focus, Focus::Composer);
        assert!(app.view.noting);
        effects.extend(type_text(&mut app, "VIP: refund approved by Sam"));
        effects.extend(press(&mut app, Key::plain(KeyCode::Enter)));
        let leaks: Vec<_> = customer_facing(&effects)
            .into_iter()
            .filter(|text| text.contains("VIP") || text.contains("Typing"))
            .collect();
        assert!(leaks.is_empty(), "store {store}: {leaks:?}");
        // Shared with the team where the platform keeps notes, and only there.
        let shared = shared_notes(&effects);
        match team {
            true => assert_eq!(shared, ["VIP: refund approved by Sam"]),
            false => assert!(shared.is_empty(), "{shared:?}"),
        }
        let entry = app.inbox.get(&key("c1")).expect("c1");
        let note = entry.thread.last().expect("the note");
        assert_eq!(note.direction, Direction::Note);
        assert_eq!(
            note.content,
            Content::Text("VIP: refund approved by Sam".into())
        );
        let stored = effects.iter().any(|e| {
            matches!(e, Effect::Store(StoreRequest::Messages { messages, .. })
                if messages.iter().any(|m| m.direction == Direction::Note))
        });
        assert_eq!(stored, store, "kept in the local store when there is one");
    }
}

#[test]
fn the_composer_switches_between_reply_and_note_and_a_reply_still_goes_out() {
    let mut app = app();
    app.settings = AppSettings {
        send_typing: false,
        ..app.settings.clone()
    };
    open(&mut app, "c1");
    press(&mut app, Key::alt(KeyCode::Char('n')));
    assert!(app.view.noting);
    type_text(&mut app, "internal");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(customer_facing(&effects).is_empty(), "{effects:?}");
    press(&mut app, Key::alt(KeyCode::Char('n')));
    assert!(!app.view.noting);
    type_text(&mut app, "Hello Ana");
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(
        effects.iter().any(|e| matches!(e,
            Effect::Provider { command: ProviderCommand::SendText { text, .. }, .. } if text == "Hello Ana")),
        "{effects:?}"
    );
    // Another conversation opens in reply mode: a note never carries over by surprise.
    press(&mut app, Key::alt(KeyCode::Char('n')));
    press(&mut app, Key::alt(KeyCode::Char('j')));
    assert!(!app.view.noting);
}

#[test]
fn a_note_cannot_be_quoted_and_is_deleted_locally_only() {
    let mut app = app();
    open(&mut app, "c1");
    press(&mut app, Key::alt(KeyCode::Char('n')));
    type_text(&mut app, "internal");
    press(&mut app, Key::plain(KeyCode::Enter));
    press(&mut app, Key::plain(KeyCode::Esc));
    app.view.focus = Focus::Thread;
    let note_id = app
        .inbox
        .get(&key("c1"))
        .and_then(|e| e.thread.last())
        .map(|m| m.id.clone());
    app.view.selected_message = note_id.clone();
    press(&mut app, Key::ch('>'));
    assert!(
        app.view.replying_to.is_none(),
        "a note is not quoted to the customer"
    );
    // The embedded hub's platform cannot delete messages; a note can go all the same.
    press(&mut app, Key::ch('x'));
    let effects = press(&mut app, Key::ch('y'));
    assert!(customer_facing(&effects).is_empty(), "{effects:?}");
    let thread = &app.inbox.get(&key("c1")).expect("c1").thread;
    assert!(note_id.is_some_and(|id| thread.get(&id).is_none()));
}

#[test]
fn marked_unread_holds_through_a_resync_until_opened() {
    let mut app = app();
    open(&mut app, "c1");
    app.view.focus = Focus::Conversations;
    app.view.selected = Some(key("c1"));
    press(&mut app, Key::ch('u'));
    assert_eq!(
        app.view.open, None,
        "the open conversation closes so the mark holds"
    );
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(1));
    assert_eq!(app.view.channels[0].unread, 1, "the All badge counts it");
    // The platform says zero on its next listing: the agent's mark wins.
    app.apply(
        app.now,
        provider(ProviderEvent::Conversations(vec![conversation(
            "c1",
            "Ana",
            Channel::WhatsApp,
            0,
        )])),
    );
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(1));
    open(&mut app, "c1");
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
    app.apply(
        app.now,
        provider(ProviderEvent::Conversations(vec![conversation(
            "c1",
            "Ana",
            Channel::WhatsApp,
            0,
        )])),
    );
    app.view.focus = Focus::Thread;
    press(&mut app, Key::alt(KeyCode::Char('j')));
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
}

#[test]
fn next_unread_walks_the_list_then_other_channels() {
    let mut app = app();
    app.apply(
        app.now,
        provider(ProviderEvent::Conversations(vec![conversation(
            "c3",
            "Cy",
            Channel::Email,
            0,
        )])),
    );
    app.apply(
        app.now,
        messages("c2", vec![inbound("b1", 1, "hello?")], true),
    );
    app.apply(
        app.now,
        messages("c3", vec![inbound("e1", 2, "ping")], true),
    );
    // Only WhatsApp shown: nothing unread there, so the next one is in another channel.
    let whatsapp = app
        .view
        .channels
        .iter()
        .position(|e| e.channel == Some(Channel::WhatsApp))
        .expect("whatsapp");
    app.view.channel_selected = whatsapp;
    app.lists_stale = true;
    app.apply(app.now, Event::Tick);
    assert_eq!(app.view.conversations, vec![key("c1")]);
    press(&mut app, Key::alt(KeyCode::Char('u')));
    assert_eq!(app.view.open, Some(key("c3")), "the newest unread first");
    assert_eq!(
        app.view.channel_selected, 0,
        "the list shows every channel again"
    );
    press(&mut app, Key::alt(KeyCode::Char('u')));
    assert_eq!(app.view.open, Some(key("c2")));
    press(&mut app, Key::alt(KeyCode::Char('u')));
    assert_eq!(app.view.open, Some(key("c2")), "nothing left unread");
    assert!(
        app.status
            .current_notice()
            .is_some_and(|n| n.text.contains("Nothing unread"))
    );
}

#[test]
fn the_unread_view_keeps_the_open_conversation_while_it_is_read() {
    let mut app = app();
    app.apply(
        app.now,
        messages("c2", vec![inbound("b1", 1, "hello?")], true),
    );
    app.view.focus = Focus::Conversations;
    press(&mut app, Key::ch('U'));
    assert_eq!(app.view.conversations, vec![key("c2")]);
    open(&mut app, "c2");
    assert_eq!(
        app.view.conversations,
        vec![key("c2")],
        "read now, but open"
    );
    app.view.focus = Focus::Conversations;
    press(&mut app, Key::ch('U'));
    assert_eq!(app.view.conversations.len(), 2);
}

fn with_saved_replies(mut app: super::super::App) -> super::super::App {
    app.settings.canned = vec![super::super::canned::CannedReply {
        shortcode: "ship".into(),
        title: "Shipping times".into(),
        text: "Hi {{contact.first_name}}, orders ship within 2 days. — {{agent.name}}".into(),
    }]
    .into();
    app.settings.agent_name = "Sam".into();
    app.settings.send_typing = false;
    app
}

#[test]
fn a_shortcode_and_tab_put_the_saved_reply_in_the_composer_to_edit() {
    let mut app = with_saved_replies(app());
    open(&mut app, "c1");
    type_text(&mut app, "Thanks! /ship");
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(
        app.view.focus,
        Focus::Composer,
        "Tab expanded instead of moving on"
    );
    assert_eq!(
        app.view.composer.text(),
        "Thanks! Hi Ana, orders ship within 2 days. — Sam"
    );
    // Still a draft: nothing was sent, and it can be edited.
    type_text(&mut app, "!");
    assert!(app.view.composer.text().ends_with("Sam!"));
    // An unknown shortcode is left alone and Tab moves on.
    app.view.composer.clear();
    type_text(&mut app, "/nope");
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(app.view.composer.text(), "/nope");
    assert_eq!(
        app.view.focus,
        Focus::Composer,
        "the agent meant a saved reply"
    );
    assert!(
        app.status
            .current_notice()
            .is_some_and(|n| n.text == "No saved reply /nope; there are /ship")
    );
}

#[test]
fn the_palette_lists_saved_replies_for_the_open_conversation() {
    let mut app = with_saved_replies(app());
    open(&mut app, "c1");
    press(&mut app, Key::ctrl('k'));
    type_text(&mut app, "shipping");
    let palette = app.view.palette.as_ref().expect("palette");
    let first = &palette.items[palette.hits[0].item];
    assert_eq!(first.label, "Saved reply: Shipping times");
    press(&mut app, Key::plain(KeyCode::Enter));
    assert_eq!(app.view.focus, Focus::Composer);
    assert_eq!(
        app.view.composer.text(),
        "Hi Ana, orders ship within 2 days. — Sam"
    );
}

#[test]
fn walking_past_a_conversation_leaves_it_unread_until_the_agent_stays() {
    let mut app = app();
    app.settings.send_typing = false;
    app.apply(app.now, messages("c1", vec![inbound("a1", 1, "hi")], true));
    app.apply(
        app.now,
        messages("c2", vec![inbound("b1", 2, "hello?")], true),
    );
    app.view.focus = Focus::Conversations;
    app.view.selected = None;
    // Alt+j passes over c2 (the newest), then c1: both stay unread.
    let effects = press(&mut app, Key::alt(KeyCode::Char('j')));
    let effects: Vec<_> = effects
        .into_iter()
        .chain(press(&mut app, Key::alt(KeyCode::Char('j'))))
        .collect();
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Provider {
                command: ProviderCommand::MarkRead { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    assert_eq!(app.view.open, Some(key("c1")));
    assert_eq!(app.view.channels[0].unread, 2);
    // Staying: the thread takes the focus, and c1 is read.
    app.view.focus = Focus::Conversations;
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(app.view.focus, Focus::Thread);
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
    // A message arriving while the focus is on the list leaves a badge that staying clears.
    app.view.focus = Focus::Conversations;
    app.apply(
        app.now,
        messages("c1", vec![inbound("a2", 3, "still there?")], true),
    );
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(1));
    press(&mut app, Key::plain(KeyCode::Tab));
    assert_eq!(app.inbox.get(&key("c1")).map(|e| e.info.unread), Some(0));
    // With [ui] read_on_pass, passing reads.
    app.settings.read_on_pass = true;
    app.view.focus = Focus::Conversations;
    // c1 is the newest now: c2 is next.
    press(&mut app, Key::alt(KeyCode::Char('j')));
    assert_eq!(app.view.open, Some(key("c2")));
    assert_eq!(app.inbox.get(&key("c2")).map(|e| e.info.unread), Some(0));
}
