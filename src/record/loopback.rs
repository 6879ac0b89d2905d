//! The reproducible demo's provider: an in-process stand-in for the network between the app and
//! the embedded hub. It lists what the hub's store holds and converts it with the Linktor
//! provider's own conversions, forwards the hub's frames as provider events, and carries out the
//! app's commands with the hub's own operations (the ones its REST and WebSocket routes call).
//!
//! Why not the real Linktor provider over HTTP? Reproducible demos run on tokio's paused clock,
//! which jumps to the next timer whenever every task waits, including while a socket still has
//! bytes in flight; request timeouts would then fire at random. Without sockets, the same
//! events happen at the same virtual times on every run.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{mpsc, watch};

use crate::hub::ops::{self, HubState};
use crate::hub::store::MessagePage;
use crate::hub::team::WorkChange;
use crate::model::{AccountId, Contact, ConversationStatus, DeliveryStatus, Priority};
use crate::protocol::linktor::{ServerFrame, WireContact, WireConversation, WireMessage};
use crate::providers::linktor::convert;
use crate::providers::{
    AccountEvent, ConnectionState, ProviderCommand, ProviderEvent, ProviderHandle,
};

/// Page size of every listing, as the Linktor provider's default.
const PAGE: u32 = 50;
/// How often a provider whose network is down tries again.
const RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(4);
/// How our own replies are labelled (as `LinktorConfig::agent_name`).
const AGENT_NAME: &str = "You";
/// The agent the recording works as, on the hub's team.
const AGENT_ID: &str = "you";

/// Starts the loopback provider for `account` on the hub `state`.
pub fn spawn(
    account: AccountId,
    state: Arc<HubState>,
    events: mpsc::Sender<AccountEvent>,
    network_down: watch::Receiver<bool>,
) -> ProviderHandle {
    let (commands, receiver) = mpsc::channel(64);
    let loopback = Loopback {
        account: account.clone(),
        state,
        events,
        contacts: HashMap::new(),
        conversations: HashMap::new(),
    };
    let task = tokio::spawn(loopback.run(receiver, network_down));
    ProviderHandle {
        account,
        commands,
        task,
    }
}

struct Loopback {
    account: AccountId,
    state: Arc<HubState>,
    events: mpsc::Sender<AccountEvent>,
    contacts: HashMap<String, WireContact>,
    /// Conversation id → (contact id, channel type), as the Linktor provider remembers them.
    conversations: HashMap<String, (String, String)>,
}

impl Loopback {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<ProviderCommand>,
        mut network_down: watch::Receiver<bool>,
    ) {
        // Listen before listing, like the real provider: nothing falls in between.
        let mut frames = self.state.bus.subscribe();
        self.connect().await;
        loop {
            tokio::select! {
                biased;
                changed = network_down.changed() => {
                    if changed.is_err() {
                        return; // The scenario is gone.
                    }
                    if *network_down.borrow_and_update() {
                        let Some(reopened) = self.outage(&mut commands, &mut network_down).await else {
                            return;
                        };
                        frames = reopened;
                    }
                }
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => return,
                },
                frame = frames.recv() => match frame {
                    Ok(frame) => self.frame(frame).await,
                    Err(RecvError::Lagged(_)) => self.sync().await,
                    Err(RecvError::Closed) => return,
                },
            }
        }
    }

    async fn connect(&mut self) {
        self.emit(ProviderEvent::Connection(ConnectionState::Connecting))
            .await;
        self.sync().await;
        self.emit(ProviderEvent::Connection(ConnectionState::Live))
            .await;
        self.emit(ProviderEvent::Synced).await;
    }

    /// Back after an outage: read markers first (the resync must not bring back a badge the
    /// user already cleared), then the resync under a fresh subscription, then the rest in
    /// the order it was asked.
    async fn reconnect(&mut self, held: Vec<ProviderCommand>) -> broadcast::Receiver<ServerFrame> {
        let (reads, rest): (Vec<_>, Vec<_>) = held
            .into_iter()
            .partition(|c| matches!(c, ProviderCommand::MarkRead { .. }));
        for command in reads {
            self.command(command).await;
        }
        let frames = self.state.bus.subscribe();
        self.connect().await;
        for command in rest {
            self.command(command).await;
        }
        frames
    }

    /// The network is down: what the real provider shows (backing off, retrying every few
    /// seconds), commands held until it is back, then a fresh subscription and a resync, as
    /// after a reconnect. `None` once the app has gone.
    async fn outage(
        &mut self,
        commands: &mut mpsc::Receiver<ProviderCommand>,
        network_down: &mut watch::Receiver<bool>,
    ) -> Option<broadcast::Receiver<ServerFrame>> {
        let mut held = Vec::new();
        loop {
            let until = self.state.store.now_ns() + RETRY_EVERY.as_nanos() as i64;
            let until = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(until))
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            self.emit(ProviderEvent::Connection(ConnectionState::BackingOff {
                until,
                reason: "connection refused (the demo's network is down)".to_string(),
            }))
            .await;
            let retry = tokio::time::sleep(RETRY_EVERY);
            tokio::pin!(retry);
            loop {
                tokio::select! {
                    // The network coming back wins a tie with the retry timer, so a run does
                    // not depend on which of two ready branches tokio picks.
                    biased;
                    changed = network_down.changed() => {
                        if changed.is_err() || !*network_down.borrow_and_update() {
                            return Some(self.reconnect(held).await);
                        }
                    }
                    () = &mut retry => break,
                    command = commands.recv() => match command? {
                        // Typing that nobody saw in time is not worth sending late.
                        ProviderCommand::Typing { .. } => {}
                        command => held.push(command),
                    },
                }
            }
        }
    }

    async fn emit(&self, event: ProviderEvent) {
        let event = AccountEvent {
            account: self.account.clone(),
            event,
        };
        let _ = self.events.send(event).await;
    }

    async fn error(&self, what: &str, error: impl std::fmt::Display) {
        tracing::warn!(%error, "demo hub: {what}");
        self.emit(ProviderEvent::Error(format!("demo hub: {what}: {error}")))
            .await;
    }

    /// Every contact and conversation, and the tail of each thread.
    async fn sync(&mut self) {
        match self.state.store.contacts(None, 1000, 0) {
            Ok((contacts, _)) => {
                for contact in contacts {
                    self.contacts.insert(contact.id.clone(), contact);
                }
            }
            Err(error) => return self.error("listing contacts", error).await,
        }
        let listed = match self.state.store.conversations(None, None, 1000, 0) {
            Ok((listed, _)) => listed,
            Err(error) => return self.error("listing conversations", error).await,
        };
        let converted = listed.iter().map(|wire| self.remember(wire)).collect();
        let agents = match self.state.store.agents() {
            Ok(agents) => agents,
            Err(error) => return self.error("listing agents", error).await,
        };
        let agents = agents
            .into_iter()
            .map(|agent| crate::model::Agent {
                id: agent.id,
                name: agent.name,
            })
            .collect();
        self.emit(ProviderEvent::Team {
            me: Some(AGENT_ID.to_string()),
            agents,
            labels: Vec::new(),
        })
        .await;
        self.emit(ProviderEvent::Conversations(converted)).await;
        for wire in &listed {
            self.load(&wire.id, &MessagePage::Tail).await;
        }
    }

    fn remember(&mut self, wire: &WireConversation) -> crate::model::Conversation {
        self.conversations.insert(
            wire.id.clone(),
            (wire.contact_id.clone(), wire.channel_type.clone()),
        );
        if !self.contacts.contains_key(&wire.contact_id)
            && let Ok(contact) = self.state.store.contact(&wire.contact_id)
        {
            self.contacts.insert(contact.id.clone(), contact);
        }
        convert::conversation(&self.account, wire, self.contact_of(&wire.id))
    }

    fn contact_of(&self, conversation: &str) -> Contact {
        match self.conversations.get(conversation) {
            Some((contact_id, channel)) => match self.contacts.get(contact_id) {
                Some(wire) => convert::contact(wire, channel),
                None => convert::unknown_contact(contact_id),
            },
            None => convert::unknown_contact(conversation),
        }
    }

    /// A page of a thread, as history.
    async fn load(&mut self, conversation: &str, page: &MessagePage) {
        match self.state.store.messages(conversation, page, PAGE) {
            Ok(found) => {
                self.deliver(conversation, &found.messages, false).await;
                if !found.has_more {
                    self.emit(ProviderEvent::HistoryComplete {
                        conversation: conversation.to_string(),
                    })
                    .await;
                }
            }
            Err(error) => self.error("listing messages", error).await,
        }
    }

    async fn deliver(&self, conversation: &str, wire: &[WireMessage], live: bool) {
        if wire.is_empty() {
            return;
        }
        let contact = self.contact_of(conversation).name;
        let messages = wire
            .iter()
            .map(|message| convert::message(message, &contact, AGENT_NAME))
            .collect();
        self.emit(ProviderEvent::Messages {
            conversation: conversation.to_string(),
            messages,
            live,
        })
        .await;
    }

    /// A conversation first heard of in a frame: fetch and announce it.
    async fn discover(&mut self, conversation: &str) {
        match self.state.store.conversation(conversation) {
            Ok(wire) => {
                let converted = self.remember(&wire);
                self.emit(ProviderEvent::Conversations(vec![converted]))
                    .await;
            }
            Err(error) => self.error("looking up a conversation", error).await,
        }
    }

    /// The hub's frames, handled as the Linktor provider handles them.
    async fn frame(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Message {
                conversation_id,
                message,
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    self.discover(&conversation_id).await;
                }
                self.deliver(&conversation_id, &[message], true).await;
            }
            ServerFrame::MessageStatus {
                conversation_id,
                message_id,
                status,
                ..
            } => {
                if let Some(status) = DeliveryStatus::from_linktor(&status) {
                    self.emit(ProviderEvent::StatusUpdate {
                        conversation: conversation_id,
                        message_id,
                        status,
                        reason: None,
                    })
                    .await;
                }
            }
            ServerFrame::ConversationUpdate {
                conversation_id,
                status,
                ..
            } => {
                if !self.conversations.contains_key(&conversation_id) {
                    return self.discover(&conversation_id).await;
                }
                if let Some(status) = status.as_deref().and_then(ConversationStatus::from_linktor) {
                    self.emit(ProviderEvent::ConversationStatus {
                        conversation: conversation_id,
                        status,
                    })
                    .await;
                }
            }
            ServerFrame::Typing {
                conversation_id,
                user_id,
                is_typing,
            } => {
                let from_contact = self
                    .conversations
                    .get(&conversation_id)
                    .is_some_and(|(contact, _)| *contact == user_id);
                if from_contact {
                    let who = self.contact_of(&conversation_id).name;
                    self.emit(ProviderEvent::Typing {
                        conversation: conversation_id,
                        who,
                        typing: is_typing,
                    })
                    .await;
                }
            }
            ServerFrame::Pong => {}
        }
    }

    /// Who has a conversation, its labels or priority, changed as the hub's routes do.
    async fn change_work(&mut self, conversation: String, change: WorkChange) {
        match ops::update_conversation(&self.state, &conversation, None, false, &change) {
            Ok(wire) => {
                let work = convert::workflow(&wire);
                self.emit(ProviderEvent::Workflow { conversation, work })
                    .await;
            }
            Err(error) => self.error("changing a conversation", error).await,
        }
    }

    /// The app's commands, carried out with the operations behind the hub's routes.
    async fn command(&mut self, command: ProviderCommand) {
        match command {
            ProviderCommand::SendText {
                conversation,
                client_id,
                text,
            }
            | ProviderCommand::SendWithOptions {
                conversation,
                client_id,
                text,
                ..
            }
            // The hub deduplicates on metadata.clientId: a resend is a send.
            | ProviderCommand::Resend {
                conversation,
                client_id,
                text,
            } => {
                let metadata =
                    BTreeMap::from([("clientId".to_string(), Value::from(client_id.clone()))]);
                match ops::send_outbound(&self.state, &conversation, &text, metadata) {
                    Ok(sent) => {
                        let contact = self.contact_of(&conversation).name;
                        let mut message = convert::message(&sent.message, &contact, AGENT_NAME);
                        message.client_id.get_or_insert(client_id);
                        self.emit(ProviderEvent::Messages {
                            conversation,
                            messages: vec![message],
                            live: true,
                        })
                        .await;
                    }
                    Err(error) => {
                        self.emit(ProviderEvent::SendFailed {
                            conversation,
                            client_id,
                            reason: format!("demo hub: {error}"),
                        })
                        .await;
                    }
                }
            }
            ProviderCommand::Answering { .. } => {}
            ProviderCommand::Typing {
                conversation,
                typing,
            } => self.state.set_agent_typing(&conversation, typing),
            // The hub keeps one read state for the team: a mark stays on this machine.
            ProviderCommand::MarkUnread { .. } => {}
            ProviderCommand::MarkRead { conversation } => {
                if let Err(error) = ops::update_conversation(&self.state, &conversation, None, true, &Default::default())
                {
                    tracing::warn!(%error, conversation, "demo hub: mark read failed");
                }
            }
            ProviderCommand::FetchOlder {
                conversation,
                before,
            } => {
                let page = before.map_or(MessagePage::Tail, MessagePage::Before);
                self.load(&conversation, &page).await;
            }
            ProviderCommand::Open { conversation } => {
                if !self.conversations.contains_key(&conversation) {
                    self.discover(&conversation).await;
                    self.load(&conversation, &MessagePage::Tail).await;
                }
            }
            ProviderCommand::Refresh => {
                self.sync().await;
                self.emit(ProviderEvent::Synced).await;
            }
            ProviderCommand::AddNote {
                conversation,
                client_id,
                text,
            } => {
                let added =
                    ops::add_note(&self.state, &conversation, &text, Some(AGENT_ID), Some(&client_id), None);
                match added {
                    Ok(added) => {
                        let contact = self.contact_of(&conversation).name;
                        let note = convert::message(&added.message, &contact, AGENT_NAME);
                        self.emit(ProviderEvent::Messages {
                            conversation,
                            messages: vec![note],
                            live: true,
                        })
                        .await;
                    }
                    Err(error) => self.error("keeping a note", error).await,
                }
            }
            ProviderCommand::Assign {
                conversation,
                agent,
            } => {
                let change = WorkChange {
                    assignee: Some(agent),
                    ..WorkChange::default()
                };
                self.change_work(conversation, change).await;
            }
            ProviderCommand::SetLabels {
                conversation,
                labels,
            } => {
                let change = WorkChange {
                    tags: Some(labels),
                    ..WorkChange::default()
                };
                self.change_work(conversation, change).await;
            }
            ProviderCommand::SetPriority {
                conversation,
                priority,
            } => {
                let name = (priority != Priority::None).then(|| priority.label().to_string());
                let change = WorkChange {
                    priority: Some(name),
                    ..WorkChange::default()
                };
                self.change_work(conversation, change).await;
            }
            ProviderCommand::SearchContacts { query } => {
                let search = (!query.is_empty()).then_some(query.as_str());
                match self.state.store.contacts(search, PAGE, 0) {
                    Ok((found, _)) => {
                        let contacts = found.iter().map(convert::contact_card).collect();
                        self.emit(ProviderEvent::Contacts { query, contacts }).await;
                    }
                    Err(error) => self.error("searching contacts", error).await,
                }
            }
            ProviderCommand::DeleteMessage { .. }
            | ProviderCommand::QueryCapability { .. }
            | ProviderCommand::SetStatus { .. }
            | ProviderCommand::SetSnoozedUntil { .. }
            | ProviderCommand::CreateContact { .. }
            | ProviderCommand::StartConversation { .. } => {
                self.emit(ProviderEvent::Error(
                    "the demo hub does not support this action".to_string(),
                ))
                .await;
            }
        }
    }
}
