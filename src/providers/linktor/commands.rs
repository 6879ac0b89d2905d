//! The app's commands. Those needing REST (send, mark read, older history) run as child tasks
//! and come back as an [`Outcome`], so the socket keeps being read while they are in flight.

use tokio::task::JoinError;

use super::rest::{LinktorError, MessageQuery};
use super::rest_team::WorkEdit;
use super::wire::{ClientFrame, ListEnvelope, WireContact, WireConversation, WireMessage};
use super::{Failure, Provider, convert, socket};
use crate::model::{ConversationStatus, Message};
use crate::providers::kit::Classify;
use crate::providers::{ProviderCommand, ProviderEvent};

/// What the main loop must do after a command.
pub(super) enum CommandEnd {
    Continue,
    Refresh,
    Auth,
}

/// Results of the REST work commands start as child tasks.
// Only a handful are ever in flight, so the size spread between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Outcome {
    Sent {
        conversation: String,
        client_id: String,
        result: Result<WireMessage, LinktorError>,
    },
    Older {
        conversation: String,
        result: Result<ListEnvelope<WireMessage>, LinktorError>,
    },
    MarkedRead {
        conversation: String,
        result: Result<(), LinktorError>,
    },
    StatusSet {
        conversation: String,
        status: ConversationStatus,
        result: Result<(), LinktorError>,
    },
    /// A private note kept by the platform (or why not).
    NoteAdded {
        conversation: String,
        client_id: String,
        result: Result<WireMessage, LinktorError>,
    },
    /// A workflow change made, and the conversation as the server holds it after.
    WorkEdited {
        conversation: String,
        edit: WorkEdit,
        result: Result<WireConversation, LinktorError>,
    },
    ContactsFound {
        query: String,
        result: Result<Vec<WireContact>, LinktorError>,
    },
    ContactCreated {
        result: Result<WireContact, LinktorError>,
    },
    Started {
        result: Result<WireConversation, LinktorError>,
    },
}

impl Provider {
    /// Sends a read marker, one at a time per conversation: one asked for while another is on
    /// its way is sent when that one is answered, and further asks fold into it. While a
    /// customer writes quickly into the open thread the app marks it read on every message;
    /// at 1,000 a second that was 1,000 requests (and as many status frames back) a second.
    fn mark_read(&mut self, conversation: String) {
        if let Some(again) = self.marking_read.get_mut(&conversation) {
            *again = true;
            return;
        }
        self.marking_read.insert(conversation.clone(), false);
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.mark_read(&conversation).await;
            Outcome::MarkedRead {
                conversation,
                result,
            }
        });
    }

    pub(super) async fn command(&mut self, command: ProviderCommand, live: bool) -> CommandEnd {
        match command {
            ProviderCommand::SendText {
                conversation,
                client_id,
                text,
            }
            // Linktor has no sessions: the options do not apply.
            | ProviderCommand::SendWithOptions {
                conversation,
                client_id,
                text,
                ..
            }
            // The server deduplicates on metadata.clientId: a resend is a plain send, and a
            // copy that had already arrived comes back instead of a second one.
            | ProviderCommand::Resend {
                conversation,
                client_id,
                text,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.send_text(&conversation, &text, &client_id).await;
                    Outcome::Sent {
                        conversation,
                        client_id,
                        result,
                    }
                });
            }
            ProviderCommand::MarkRead { conversation } => self.mark_read(conversation),
            // Linktor keeps one read state for the team: a mark stays on this machine.
            ProviderCommand::MarkUnread { .. } => {}
            ProviderCommand::FetchOlder {
                conversation,
                before,
            } => {
                let rest = self.rest.clone();
                let query = MessageQuery {
                    limit: self.config.page_size,
                    before,
                    after: None,
                };
                self.children.spawn(async move {
                    let result = rest.list_messages(&conversation, &query).await;
                    Outcome::Older {
                        conversation,
                        result,
                    }
                });
            }
            // Linktor replies name their conversation, not a message.
            ProviderCommand::Answering { .. } => {}
            ProviderCommand::Typing {
                conversation,
                typing,
            } => {
                // Typing is best effort: without a socket it is simply dropped.
                if let Some(sink) = self.sink.as_mut() {
                    let frame = ClientFrame::Typing {
                        conversation_id: conversation,
                        is_typing: typing,
                    };
                    if let Err(err) = socket::send_in(sink, self.config.dialect, &frame).await {
                        tracing::debug!("linktor typing frame not sent: {err}");
                    }
                }
            }
            ProviderCommand::Open { conversation } => {
                if self.conversations.contains_key(&conversation) {
                    self.subscribe(&conversation).await;
                } else if live {
                    match self.discover(&conversation).await {
                        Err(err) if err.is_auth() => return CommandEnd::Auth,
                        Err(err) => {
                            tracing::warn!(conversation, "linktor open failed: {err}");
                        }
                        Ok(()) => {}
                    }
                }
            }
            ProviderCommand::Refresh => return CommandEnd::Refresh,
            ProviderCommand::SearchContacts { query } => {
                let rest = self.rest.clone();
                let limit = self.config.page_size;
                self.children.spawn(async move {
                    let result = rest.search_contacts(&query, limit).await;
                    Outcome::ContactsFound { query, result }
                });
            }
            ProviderCommand::CreateContact {
                name,
                channel_type,
                identifier,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.create_contact(&name, &channel_type, &identifier).await;
                    Outcome::ContactCreated { result }
                });
            }
            ProviderCommand::StartConversation {
                contact_id,
                channel_type,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.start_conversation(&contact_id, &channel_type).await;
                    Outcome::Started { result }
                });
            }
            ProviderCommand::SetStatus {
                conversation,
                status,
                snoozed_until,
            } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let until = snoozed_until.map(super::wire::format_time);
                    let result = rest
                        .set_status(&conversation, status.label(), until.as_deref())
                        .await;
                    Outcome::StatusSet {
                        conversation,
                        status,
                        result,
                    }
                });
            }
            ProviderCommand::AddNote {
                conversation,
                client_id,
                text,
            } => {
                let rest = self.rest.clone();
                let agent = self.config.me.as_ref().map(|me| me.id.clone());
                self.children.spawn(async move {
                    let result = rest
                        .add_note(&conversation, &client_id, &text, agent.as_deref())
                        .await;
                    Outcome::NoteAdded {
                        conversation,
                        client_id,
                        result,
                    }
                });
            }
            ProviderCommand::Assign {
                conversation,
                agent,
            } => self.edit_work(conversation, WorkEdit::Assign(agent)),
            ProviderCommand::SetLabels {
                conversation,
                labels,
            } => self.edit_work(conversation, WorkEdit::Labels(labels)),
            ProviderCommand::SetPriority {
                conversation,
                priority,
            } => self.edit_work(conversation, WorkEdit::Priority(priority)),
            // Linktor keeps the status, and the hub the snooze's end with it (`SetStatus`).
            ProviderCommand::DeleteMessage { .. }
            | ProviderCommand::QueryCapability { .. }
            | ProviderCommand::SetSnoozedUntil { .. } => {
                self.emit(ProviderEvent::Error(
                    "Linktor does not support this action".to_string(),
                ))
                .await;
            }
        }
        CommandEnd::Continue
    }

    /// Makes a workflow change, then reads the conversation back: the row shows what the
    /// server holds, whatever it made of the change. One conversation's changes go one after
    /// another: two label sets sent together could land in either order, and the older win.
    /// A change waiting behind another is replaced by a newer one of its kind (each carries the
    /// whole value).
    fn edit_work(&mut self, conversation: String, edit: WorkEdit) {
        if let Some(waiting) = self.editing.get_mut(&conversation) {
            let kind = std::mem::discriminant(&edit);
            match waiting
                .iter_mut()
                .find(|queued| std::mem::discriminant(*queued) == kind)
            {
                Some(queued) => *queued = edit,
                None => waiting.push_back(edit),
            }
            return;
        }
        self.editing
            .insert(conversation.clone(), Default::default());
        self.spawn_edit(conversation, edit);
    }

    /// The next change waiting for this conversation, if any.
    fn next_edit(&mut self, conversation: &str) {
        let next = self
            .editing
            .get_mut(conversation)
            .and_then(std::collections::VecDeque::pop_front);
        match next {
            Some(edit) => self.spawn_edit(conversation.to_string(), edit),
            None => {
                self.editing.remove(conversation);
            }
        }
    }

    fn spawn_edit(&mut self, conversation: String, edit: WorkEdit) {
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = match rest.edit_work(&conversation, &edit).await {
                Ok(()) => rest.get_conversation(&conversation).await,
                Err(err) => Err(err),
            };
            Outcome::WorkEdited {
                conversation,
                edit,
                result,
            }
        });
    }

    /// Reports a failed call made for the user; a 401 is a failure of the session.
    async fn failed_call(&mut self, what: &str, err: LinktorError) -> Option<Failure> {
        let reason = self.describe(&err);
        tracing::warn!(account = %self.account, request_id = ?err.request_id(), "linktor: could not {what}: {err}");
        self.emit(ProviderEvent::Error(format!("could not {what}: {reason}")))
            .await;
        err.is_auth().then_some(Failure::Auth)
    }

    /// Turns a finished child's result into events; a 401 is reported back as a failure.
    pub(super) async fn outcome(&mut self, joined: Result<Outcome, JoinError>) -> Option<Failure> {
        let outcome = match joined {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(account = %self.account, "linktor command task failed: {err}");
                return None;
            }
        };
        match outcome {
            Outcome::Sent {
                conversation,
                client_id,
                result: Ok(wire),
            } => {
                let contact = self.contact_of(&conversation).name;
                let mut message = convert::message(&wire, &contact, &self.config.agent_name);
                // The echo must name our local copy even if the server dropped the metadata.
                message.client_id.get_or_insert(client_id);
                self.emit(ProviderEvent::Messages {
                    conversation,
                    messages: vec![message],
                    live: true,
                })
                .await;
                None
            }
            Outcome::Sent {
                conversation,
                client_id,
                result: Err(err),
            } => {
                let reason = self.describe(&err);
                self.emit(ProviderEvent::SendFailed {
                    conversation,
                    client_id,
                    reason,
                })
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::Older {
                conversation,
                result: Ok(page),
            } => {
                let contact = self.contact_of(&conversation).name;
                let messages: Vec<Message> = page
                    .data
                    .iter()
                    .map(|message| convert::message(message, &contact, &self.config.agent_name))
                    .collect();
                if !messages.is_empty() {
                    self.emit(ProviderEvent::Messages {
                        conversation: conversation.clone(),
                        messages,
                        live: false,
                    })
                    .await;
                }
                if !page.pagination.has_more {
                    self.emit(ProviderEvent::HistoryComplete { conversation })
                        .await;
                }
                None
            }
            Outcome::Older {
                conversation,
                result: Err(err),
            } => {
                let reason = self.describe(&err);
                self.emit(ProviderEvent::Error(format!(
                    "could not load older messages of {conversation}: {reason}"
                )))
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::MarkedRead {
                conversation,
                result,
            } => {
                let again = self.marking_read.remove(&conversation).unwrap_or(false);
                if let Err(err) = result {
                    tracing::warn!(conversation, request_id = ?err.request_id(), "linktor mark read failed: {err}");
                    if err.is_auth() {
                        return Some(Failure::Auth);
                    }
                }
                if again {
                    self.mark_read(conversation);
                }
                None
            }
            Outcome::ContactsFound {
                query,
                result: Ok(found),
            } => {
                let contacts = found.iter().map(convert::contact_card).collect();
                for contact in found {
                    self.contacts.insert(contact.id.clone(), Some(contact));
                }
                self.emit(ProviderEvent::Contacts { query, contacts }).await;
                None
            }
            Outcome::ContactCreated {
                result: Ok(contact),
            } => {
                let card = convert::contact_card(&contact);
                self.contacts.insert(contact.id.clone(), Some(contact));
                self.emit(ProviderEvent::ContactCreated(card)).await;
                None
            }
            Outcome::Started { result: Ok(wire) } => {
                let id = wire.id.clone();
                let result = match self.remember(&wire).await {
                    Ok(converted) => {
                        self.emit(ProviderEvent::Conversations(vec![converted]))
                            .await;
                        self.subscribe(&id).await;
                        self.catch_up(&id).await
                    }
                    Err(err) => Err(err),
                };
                match result {
                    Ok(()) => {
                        self.emit(ProviderEvent::ConversationStarted { conversation: id })
                            .await;
                        None
                    }
                    Err(err) => self.failed_call("start the conversation", err).await,
                }
            }
            Outcome::ContactsFound {
                result: Err(err), ..
            } => self.failed_call("search contacts", err).await,
            Outcome::ContactCreated { result: Err(err) } => {
                self.failed_call("create the contact", err).await
            }
            Outcome::Started { result: Err(err) } => {
                self.failed_call("start the conversation", err).await
            }
            Outcome::StatusSet {
                conversation,
                status,
                result: Ok(()),
            } => {
                self.emit(ProviderEvent::ConversationStatus {
                    conversation,
                    status,
                })
                .await;
                None
            }
            Outcome::NoteAdded {
                conversation,
                client_id,
                result: Ok(wire),
            } => {
                let contact = self.contact_of(&conversation).name;
                let mut note = convert::message(&wire, &contact, &self.config.agent_name);
                note.client_id.get_or_insert(client_id);
                self.emit(ProviderEvent::Messages {
                    conversation,
                    messages: vec![note],
                    live: true,
                })
                .await;
                None
            }
            Outcome::NoteAdded {
                result: Err(LinktorError::NotFound { .. }),
                ..
            } => {
                self.emit(ProviderEvent::Error(
                    "this Linktor server keeps no notes: the note stays on this machine".into(),
                ))
                .await;
                None
            }
            Outcome::NoteAdded {
                conversation,
                result: Err(err),
                ..
            } => {
                tracing::warn!(conversation, request_id = ?err.request_id(), "linktor: could not share a note: {err}");
                let reason = self.describe(&err);
                self.emit(ProviderEvent::Error(format!(
                    "could not share the note with the team: {reason}; it stays on this machine"
                )))
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
            Outcome::WorkEdited {
                conversation,
                edit,
                result: Ok(wire),
            } => {
                self.next_edit(&conversation);
                let work = convert::workflow(&wire);
                // The server answered yes but holds something else (a level it lacks, a
                // field it ignores): said, so the row is not taken for the change.
                if let Some(kept) = edit.not_kept_in(&work) {
                    self.emit(ProviderEvent::Error(kept)).await;
                }
                self.work_heard(conversation, work).await;
                None
            }
            Outcome::WorkEdited {
                conversation,
                edit,
                result: Err(err),
            } => {
                self.next_edit(&conversation);
                tracing::warn!(conversation, request_id = ?err.request_id(), "linktor: could not {}: {err}", edit.doing());
                self.failed_call(edit.doing(), err).await
            }
            Outcome::StatusSet {
                conversation,
                status,
                result: Err(err),
            } => {
                let reason = self.describe(&err);
                tracing::warn!(conversation, request_id = ?err.request_id(), "linktor status change failed: {err}");
                self.emit(ProviderEvent::Error(format!(
                    "could not mark the conversation {}: {reason}",
                    status.label()
                )))
                .await;
                err.is_auth().then_some(Failure::Auth)
            }
        }
    }
}
