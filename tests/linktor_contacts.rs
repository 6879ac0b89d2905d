//! Contacts end to end on the embedded hub (the default setup): the real Linktor provider
//! searches, creates a contact, and starts a conversation with it on a chosen channel.

use crate::support;

use std::time::Duration;

use support::wait_for;
use switchboard::hub::{self, HubConfig};
use switchboard::model::{AccountId, Channel, ConversationStatus};
use switchboard::providers::linktor::{LinktorConfig, spawn};
use switchboard::providers::{ConnectionState, ProviderCommand, ProviderEvent};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn search_create_and_start_a_conversation_on_the_embedded_hub() {
    let hub = hub::start(HubConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        db_path: None,
        api_key: "contacts-key".into(),
        demo: None,
    })
    .await
    .expect("hub");
    let (tx, mut events) = mpsc::channel(1024);
    let handle = spawn(
        AccountId::new("local"),
        LinktorConfig::new(hub.base_url(), hub.api_key()),
        tx,
    );
    wait_for(&mut events, WAIT, "Live", |e| {
        matches!(e, ProviderEvent::Connection(ConnectionState::Live))
    })
    .await;
    let send = |command: ProviderCommand| {
        let commands = handle.commands.clone();
        async move { commands.send(command).await.expect("command") }
    };

    // A refused creation says which field is wrong.
    send(ProviderCommand::CreateContact {
        name: " ".into(),
        channel_type: "sms".into(),
        identifier: "+15550001".into(),
    })
    .await;
    let (error, _) = wait_for(&mut events, WAIT, "Error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    let ProviderEvent::Error(text) = error else {
        unreachable!()
    };
    assert!(
        text.starts_with("could not create the contact:") && text.contains("(400)"),
        "{text}"
    );
    assert!(text.contains("name: must not be empty"), "{text}");

    send(ProviderCommand::CreateContact {
        name: "Ana Lima".into(),
        channel_type: "telegram".into(),
        identifier: "@ana".into(),
    })
    .await;
    let (created, _) = wait_for(&mut events, WAIT, "ContactCreated", |e| {
        matches!(e, ProviderEvent::ContactCreated(_))
    })
    .await;
    let ProviderEvent::ContactCreated(card) = created else {
        unreachable!()
    };
    assert_eq!(card.name, "Ana Lima");
    assert_eq!(card.identifiers.len(), 1);
    assert_eq!(card.identifiers[0].channel, Channel::Telegram);
    assert_eq!(card.identifiers[0].identifier, "@ana");

    send(ProviderCommand::SearchContacts {
        query: "lim".into(),
    })
    .await;
    let (found, _) = wait_for(&mut events, WAIT, "Contacts", |e| {
        matches!(e, ProviderEvent::Contacts { .. })
    })
    .await;
    let ProviderEvent::Contacts { query, contacts } = found else {
        unreachable!()
    };
    assert_eq!(query, "lim");
    let ids: Vec<&str> = contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [card.id.as_str()]);
    send(ProviderCommand::SearchContacts {
        query: "nobody".into(),
    })
    .await;
    let (none, _) = wait_for(&mut events, WAIT, "no Contacts", |e| {
        matches!(e, ProviderEvent::Contacts { .. })
    })
    .await;
    assert!(matches!(none, ProviderEvent::Contacts { contacts, .. } if contacts.is_empty()));

    send(ProviderCommand::StartConversation {
        contact_id: card.id.clone(),
        channel_type: card.identifiers[0].channel_type.clone(),
    })
    .await;
    let (started, seen) = wait_for(&mut events, WAIT, "ConversationStarted", |e| {
        matches!(e, ProviderEvent::ConversationStarted { .. })
    })
    .await;
    let ProviderEvent::ConversationStarted { conversation } = started else {
        unreachable!()
    };
    let listed = seen.iter().any(|e| matches!(e, ProviderEvent::Conversations(list)
        if list.iter().any(|c| *c.key.id == *conversation && c.contact.name == "Ana Lima" && c.channel == Channel::Telegram)));
    assert!(
        listed,
        "the conversation is announced before it is opened: {seen:#?}"
    );

    // Starting again finds the same open conversation instead of a second one.
    send(ProviderCommand::StartConversation {
        contact_id: card.id.clone(),
        channel_type: "telegram".into(),
    })
    .await;
    let (again, _) = wait_for(&mut events, WAIT, "ConversationStarted again", |e| {
        matches!(e, ProviderEvent::ConversationStarted { .. })
    })
    .await;
    assert_eq!(
        again,
        ProviderEvent::ConversationStarted {
            conversation: conversation.clone()
        }
    );

    // Resolve and reopen it: the hub takes the SDK's PATCH and says so.
    for status in [ConversationStatus::Resolved, ConversationStatus::Open] {
        send(ProviderCommand::SetStatus {
            conversation: conversation.clone(),
            status,
            snoozed_until: None,
        })
        .await;
        // Our own answer and the hub's conversation_update push both say it; either will do.
        let (changed, _) = wait_for(
            &mut events,
            WAIT,
            "ConversationStatus",
            |e| matches!(e, ProviderEvent::ConversationStatus { status: s, .. } if *s == status),
        )
        .await;
        assert_eq!(
            changed,
            ProviderEvent::ConversationStatus {
                conversation: conversation.clone(),
                status
            }
        );
    }

    send(ProviderCommand::StartConversation {
        contact_id: "ct_missing".into(),
        channel_type: "sms".into(),
    })
    .await;
    let (missing, _) = wait_for(&mut events, WAIT, "Error", |e| {
        matches!(e, ProviderEvent::Error(_))
    })
    .await;
    assert!(
        matches!(missing, ProviderEvent::Error(ref t) if t.starts_with("could not start the conversation") && t.contains("not found (404)")),
        "{missing:?}"
    );
}
