//! The app's commands, as Chatwoot's REST calls (§3, §4). Each runs as a child task and comes
//! back as an [`Outcome`], so the cable keeps being read while it is in flight. Workflow
//! changes (status, assignee, team, labels, priority) read the conversation back after the
//! call: Chatwoot's own side effects (an agent reopening takes the assignment, §3.7) show at
//! once, and a refused change puts back what the server holds.

use tokio::task::JoinError;

use super::convert::{self, TEAM_PREFIX};
use super::rest::{AFTER_PAGE, ChatwootError, MESSAGE_PAGE};
use super::{Failure, Provider, Thread, wire};
use crate::model::{ConversationStatus, Priority, Timestamp};
use crate::providers::kit::Classify;
use crate::providers::{ProviderCommand, ProviderEvent};

/// What the main loop must do after a command.
pub(super) enum CommandEnd {
    Continue,
    Refresh,
}

/// Which part of a thread a read asks for (§4.1).
#[derive(Clone, Copy, Debug)]
pub(super) enum ThreadRead {
    /// The latest page.
    Tail,
    /// The page before this message id.
    Older(u64),
    /// What came after this message id (up to 100 per read).
    After(u64),
}

type Directory = (
    Vec<wire::Inbox>,
    Vec<wire::User>,
    Vec<wire::Team>,
    Vec<wire::Label>,
    Vec<wire::Canned>,
);

/// A reply or note on its way.
#[derive(Clone, Debug)]
pub(super) struct Send {
    conversation: u64,
    client_id: String,
    text: String,
    note: bool,
    /// When it left (epoch seconds): its copy is no older, give or take the clocks.
    at: i64,
    /// The conversation's newest message id heard when it left: its copy is newer.
    after: Option<u64>,
    /// Lookups made for it so far.
    lookups: u8,
}

/// How long after a send left in doubt the server is asked for its copy: the broadcast
/// usually comes first. A lookup that fails is made again, up to [`LOOKUPS`] in all.
const VERIFY_AFTER: std::time::Duration = std::time::Duration::from_millis(1500);
const LOOKUPS: u8 = 3;
/// Without a message id to go by, how far the servers' clock may be from ours.
const CLOCK_SLACK_SECS: i64 = 120;

/// Results of the REST work that commands and pushes start as child tasks.
// Only a handful are in flight at once, so the size spread between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Outcome {
    Sent {
        send: Send,
        result: Result<wire::Message, ChatwootError>,
    },
    /// After an answer that leaves a send in doubt: the copies the server may hold of it.
    Verified {
        send: Send,
        failure: ChatwootError,
        result: Result<Vec<wire::Message>, ChatwootError>,
    },
    /// A listing made while live, and when it started.
    Listed {
        started: time::OffsetDateTime,
        result: Result<Vec<wire::Conversation>, ChatwootError>,
    },
    Thread {
        conversation: u64,
        read: ThreadRead,
        result: Result<(Vec<wire::Message>, usize), ChatwootError>,
    },
    /// A workflow change, and the conversation as the server holds it after.
    Changed {
        conversation: u64,
        doing: &'static str,
        result: Result<(), ChatwootError>,
    },
    StatusSet {
        conversation: u64,
        result: Result<wire::StatusAnswer, ChatwootError>,
    },
    Reread {
        result: Result<wire::Conversation, ChatwootError>,
    },
    Discovered {
        id: u64,
        result: Result<wire::Conversation, ChatwootError>,
    },
    MarkedRead {
        conversation: u64,
        result: Result<(), ChatwootError>,
    },
    /// A call with nothing to show when it works (typing, mark unread).
    Done {
        doing: &'static str,
        result: Result<(), ChatwootError>,
    },
    Deleted {
        conversation: u64,
        message: u64,
        result: Result<wire::Message, ChatwootError>,
    },
    Contacts {
        query: String,
        result: Result<Vec<wire::Contact>, ChatwootError>,
    },
    Directory(Box<Result<Directory, ChatwootError>>),
    Started {
        result: Result<wire::Conversation, ChatwootError>,
    },
}

impl Provider {
    pub(super) async fn command(&mut self, command: ProviderCommand) -> CommandEnd {
        let id = |conversation: &str| conversation.parse::<u64>().ok();
        match command {
            // Chatwoot keeps no echo id (it is not stored, §4.2), so a resend after a lost
            // answer cannot be looked up: it is sent again (at least once).
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
            | ProviderCommand::Resend {
                conversation,
                client_id,
                text,
            } => self.send(&conversation, client_id, text, false).await,
            ProviderCommand::AddNote {
                conversation,
                client_id,
                text,
            } => self.send(&conversation, client_id, text, true).await,
            ProviderCommand::Typing {
                conversation,
                typing,
            } => {
                if let Some(conversation) = id(&conversation) {
                    if typing {
                        self.typing_said.insert(conversation);
                    } else {
                        self.typing_said.remove(&conversation);
                    }
                    let rest = self.rest.clone();
                    self.children.spawn(async move {
                        let result = rest.typing(conversation, typing, false).await;
                        Outcome::Done {
                            doing: "say you are typing",
                            result,
                        }
                    });
                }
            }
            ProviderCommand::MarkRead { conversation } => {
                if let Some(conversation) = id(&conversation) {
                    self.mark_read(conversation);
                }
            }
            ProviderCommand::MarkUnread { conversation } => {
                if let Some(conversation) = id(&conversation) {
                    let rest = self.rest.clone();
                    self.children.spawn(async move {
                        let result = rest.mark_unread(conversation).await;
                        Outcome::Done {
                            doing: "mark the conversation unread",
                            result,
                        }
                    });
                }
            }
            ProviderCommand::Open { conversation } => {
                if let Some(conversation) = id(&conversation) {
                    self.open(conversation);
                }
            }
            ProviderCommand::FetchOlder {
                conversation,
                before,
            } => {
                if let Some(conversation) = id(&conversation) {
                    let held = self
                        .known
                        .get(&conversation)
                        .and_then(|known| known.thread)
                        .map(|thread| thread.oldest)
                        .filter(|oldest| *oldest != u64::MAX);
                    // The held range is contiguous; the app's oldest may sit past a gap.
                    let before = before.and_then(|before| before.parse::<u64>().ok());
                    match held.or(before) {
                        Some(before) => {
                            self.read_thread(conversation, ThreadRead::Older(before));
                        }
                        None => self.open(conversation),
                    }
                }
            }
            ProviderCommand::Refresh => return CommandEnd::Refresh,
            ProviderCommand::SetStatus {
                conversation,
                status,
                snoozed_until,
            } => {
                if let Some(conversation) = id(&conversation) {
                    self.set_status(conversation, status, snoozed_until);
                }
            }
            ProviderCommand::SetSnoozedUntil {
                conversation,
                until,
            } => {
                if let Some(conversation) = id(&conversation) {
                    let status = match until {
                        Some(_) => ConversationStatus::Snoozed,
                        None => ConversationStatus::Open,
                    };
                    self.set_status(conversation, status, until);
                }
            }
            ProviderCommand::Assign {
                conversation,
                agent,
            } => {
                if let Some(conversation) = id(&conversation) {
                    self.assign(conversation, agent);
                }
            }
            ProviderCommand::SetLabels {
                conversation,
                labels,
            } => {
                if let Some(conversation) = id(&conversation) {
                    let rest = self.rest.clone();
                    self.children.spawn(async move {
                        let result = rest.set_labels(conversation, &labels).await.map(|_| ());
                        Outcome::Changed {
                            conversation,
                            doing: "change the labels",
                            result,
                        }
                    });
                }
            }
            ProviderCommand::SetPriority {
                conversation,
                priority,
            } => {
                if let Some(conversation) = id(&conversation) {
                    let rest = self.rest.clone();
                    let name = (priority != Priority::None).then(|| priority.label());
                    self.children.spawn(async move {
                        let result = rest.set_priority(conversation, name).await;
                        Outcome::Changed {
                            conversation,
                            doing: "change the priority",
                            result,
                        }
                    });
                }
            }
            ProviderCommand::SearchContacts { query } => {
                let rest = self.rest.clone();
                self.children.spawn(async move {
                    let result = rest.search_contacts(&query).await;
                    Outcome::Contacts { query, result }
                });
            }
            ProviderCommand::StartConversation {
                contact_id,
                channel_type,
            } => match (contact_id.parse::<u64>(), channel_type.parse::<u64>()) {
                (Ok(contact), Ok(inbox)) => {
                    let rest = self.rest.clone();
                    self.children.spawn(async move {
                        let result = rest.start_conversation(inbox, contact).await;
                        Outcome::Started { result }
                    });
                }
                _ => {
                    self.out
                        .emit(ProviderEvent::Error(format!(
                            "Chatwoot has no contact {contact_id:?} in an inbox {channel_type:?}"
                        )))
                        .await;
                }
            },
            ProviderCommand::CreateContact { .. } => {
                self.out
                    .emit(ProviderEvent::Error(
                        "Chatwoot: new contacts are made in Chatwoot (or come by writing in); pick an existing one to start a conversation".to_string(),
                    ))
                    .await;
            }
            ProviderCommand::DeleteMessage {
                conversation,
                message_id,
            } => {
                if let (Some(conversation), Ok(message)) =
                    (id(&conversation), message_id.parse::<u64>())
                {
                    let rest = self.rest.clone();
                    self.children.spawn(async move {
                        let result = rest.delete_message(conversation, message).await;
                        Outcome::Deleted {
                            conversation,
                            message,
                            result,
                        }
                    });
                }
            }
            // Chatwoot has no capability lookup, and replies need no inbound message to answer.
            ProviderCommand::QueryCapability { .. } | ProviderCommand::Answering { .. } => {}
        }
        CommandEnd::Continue
    }

    async fn send(&mut self, conversation: &str, client_id: String, text: String, note: bool) {
        let Ok(conversation_id) = conversation.parse::<u64>() else {
            let reason = format!("Chatwoot has no conversation {conversation:?}");
            let event = match note {
                true => ProviderEvent::Error(reason),
                false => ProviderEvent::SendFailed {
                    conversation: conversation.to_string(),
                    client_id,
                    reason,
                },
            };
            self.out.emit(event).await;
            return;
        };
        let rest = self.rest.clone();
        let stop_typing = self.typing_said.remove(&conversation_id);
        self.sent.heard(client_id.clone());
        self.admitted.insert(conversation_id);
        let send = Send {
            conversation: conversation_id,
            client_id,
            text,
            note,
            at: time::OffsetDateTime::now_utc().unix_timestamp(),
            after: self.newest_heard.get(&conversation_id).copied(),
            lookups: 0,
        };
        self.children.spawn(async move {
            let result = rest
                .send(send.conversation, &send.text, send.note, &send.client_id)
                .await;
            if stop_typing && let Err(err) = rest.typing(send.conversation, false, false).await {
                tracing::debug!("chatwoot: typing off after a send failed: {err}");
            }
            Outcome::Sent { send, result }
        });
    }

    /// A send whose answer leaves it in doubt (a timeout, a 5xx, an unreadable answer): it
    /// may have been created. Chatwoot keeps no echo id (§4.2), so its copy is looked for
    /// among the latest messages: ours, of the same kind and text, newer than every message
    /// heard when it left, and not already another reply's copy.
    fn verify(&mut self, mut send: Send, failure: ChatwootError) {
        let rest = self.rest.clone();
        let me = self.me.as_ref().map(|me| me.id);
        send.lookups += 1;
        self.children.spawn(async move {
            tokio::time::sleep(VERIFY_AFTER * u32::from(send.lookups)).await;
            let result =
                rest.messages(send.conversation, None, None)
                    .await
                    .map(|(messages, _)| {
                        messages
                            .into_iter()
                            .filter(|m| {
                                let newer = match send.after {
                                    Some(after) => m.id > after,
                                    None => m.created_at.seconds().is_some_and(|at| {
                                        at >= (send.at - CLOCK_SLACK_SECS) as f64
                                    }),
                                };
                                newer
                                    && m.private == send.note
                                    && m.message_type == wire::MessageType::Outgoing
                                    && m.content.as_deref() == Some(send.text.as_str())
                                    && me.is_some()
                                    && m.sender.as_ref().and_then(|s| s.id) == me
                            })
                            .collect()
                    });
            Outcome::Verified {
                send,
                failure,
                result,
            }
        });
    }

    /// A send that failed: said on the reply (or, for a note, on screen).
    async fn send_failed(&mut self, send: Send, err: &ChatwootError) -> Option<Failure> {
        tracing::warn!(account = %self.account, conversation = send.conversation, "chatwoot send failed: {err}");
        let reason = self.describe(err);
        let event = if send.note {
            ProviderEvent::Error(format!(
                "could not share the note with the team: {reason}; it stays on this machine"
            ))
        } else {
            ProviderEvent::SendFailed {
                conversation: send.conversation.to_string(),
                client_id: send.client_id,
                reason,
            }
        };
        self.out.emit(event).await;
        err.is_auth().then(|| self.failure(err))
    }

    /// The thread's latest page, once per run (later messages come live or by catch-up).
    fn open(&mut self, conversation: u64) {
        self.admitted.insert(conversation);
        self.not_listed.remove(&conversation);
        let Some(known) = self.known.get_mut(&conversation) else {
            // Not listed (resolved long ago, another view): read it, then its thread.
            self.discover(conversation);
            return;
        };
        if known.thread.is_some() {
            return;
        }
        known.thread = Some(Thread::loading());
        self.read_thread(conversation, ThreadRead::Tail);
    }

    /// One read marker at a time per conversation; asks while one is on its way fold into
    /// one more after it.
    fn mark_read(&mut self, conversation: u64) {
        if let Some(again) = self.marking_read.get_mut(&conversation) {
            *again = true;
            return;
        }
        self.marking_read.insert(conversation, false);
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.mark_read(conversation).await;
            Outcome::MarkedRead {
                conversation,
                result,
            }
        });
    }

    fn set_status(
        &mut self,
        conversation: u64,
        status: ConversationStatus,
        until: Option<Timestamp>,
    ) {
        let rest = self.rest.clone();
        let name = convert::status_name(status);
        let until = until
            .filter(|_| status == ConversationStatus::Snoozed)
            .map(|at| at.unix_timestamp());
        self.children.spawn(async move {
            let result = rest.set_status(conversation, name, until).await;
            Outcome::StatusSet {
                conversation,
                result,
            }
        });
    }

    /// An agent by id, a team as `team:<id>`, or nobody (the team too, when a team is all
    /// the conversation has).
    fn assign(&mut self, conversation: u64, agent: Option<String>) {
        let rest = self.rest.clone();
        let held_by_team = self
            .known
            .get(&conversation)
            .and_then(|known| known.conversation.work.as_ref())
            .and_then(|work| work.assignee.as_deref())
            .is_some_and(|assignee| assignee.starts_with(TEAM_PREFIX));
        self.children.spawn(async move {
            let result = match agent.as_deref() {
                Some(team) if team.starts_with(TEAM_PREFIX) => {
                    match team[TEAM_PREFIX.len()..].parse::<u64>() {
                        Ok(team) => rest.assign_team(conversation, Some(team)).await,
                        Err(_) => Err(ChatwootError::Refused {
                            status: 0,
                            message: format!("no team {team:?}"),
                        }),
                    }
                }
                Some(agent) => match agent.parse::<u64>() {
                    Ok(agent) => rest.assign_agent(conversation, Some(agent)).await,
                    Err(_) => Err(ChatwootError::Refused {
                        status: 0,
                        message: format!("no agent {agent:?} on this account"),
                    }),
                },
                None if held_by_team => rest.assign_team(conversation, None).await,
                None => rest.assign_agent(conversation, None).await,
            };
            Outcome::Changed {
                conversation,
                doing: "change who has the conversation",
                result,
            }
        });
    }

    fn reread(&mut self, conversation: u64) {
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let result = rest.conversation(conversation).await;
            Outcome::Reread { result }
        });
    }

    /// A failed call said on screen; a refused token ends the session.
    async fn failed(&mut self, doing: &str, err: ChatwootError) -> Option<Failure> {
        tracing::warn!(account = %self.account, "chatwoot: could not {doing}: {err}");
        if err.is_auth() {
            return Some(self.failure(&err));
        }
        let reason = self.describe(&err);
        self.out
            .emit(ProviderEvent::Error(format!("could not {doing}: {reason}")))
            .await;
        None
    }

    pub(super) async fn outcome(&mut self, joined: Result<Outcome, JoinError>) -> Option<Failure> {
        let outcome = match joined {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(account = %self.account, "chatwoot task failed: {err}");
                // It may have been the listing: never let its flag stop every later one.
                self.listing = false;
                return None;
            }
        };
        match outcome {
            Outcome::Sent {
                send,
                result: Ok(mut message),
            } => {
                // The answer names our copy even if a server leaves `echo_id` out.
                message.echo_id.get_or_insert(send.client_id);
                self.message_heard(message, true).await;
                None
            }
            Outcome::Sent {
                send,
                result: Err(err),
            } => {
                if self.echoed.contains(&send.client_id) {
                    tracing::info!(account = %self.account, "chatwoot: a send's answer was lost ({err}), but its broadcast arrived");
                    return None;
                }
                let in_doubt = matches!(
                    err,
                    ChatwootError::Timeout
                        | ChatwootError::Server { .. }
                        | ChatwootError::Unreachable { .. }
                        | ChatwootError::Decode { .. }
                );
                if in_doubt {
                    self.verify(send, err);
                    return None;
                }
                self.send_failed(send, &err).await
            }
            Outcome::Verified {
                send,
                failure,
                result,
            } => {
                if self.echoed.contains(&send.client_id) {
                    return None;
                }
                match result {
                    Ok(candidates) => {
                        let copy = candidates
                            .into_iter()
                            .rev()
                            .find(|m| !self.claimed.contains(&m.id));
                        match copy {
                            Some(mut message) => {
                                tracing::info!(account = %self.account, "chatwoot: a send's answer was lost ({failure}), but its copy is on the server");
                                message.echo_id = Some(send.client_id);
                                self.message_heard(message, true).await;
                                None
                            }
                            None => self.send_failed(send, &failure).await,
                        }
                    }
                    // Still in doubt: look again, and only then call it failed.
                    Err(err) if send.lookups < LOOKUPS => {
                        tracing::info!(account = %self.account, "chatwoot: looking up a send in doubt failed ({err}); trying again");
                        self.verify(send, failure);
                        None
                    }
                    Err(_) => self.send_failed(send, &failure).await,
                }
            }
            Outcome::Listed { started, result } => {
                self.listing = false;
                if std::mem::take(&mut self.refresh_wanted) {
                    self.list_in_background(super::sync::Plan::Everything);
                }
                match result {
                    Ok(conversations) => {
                        self.listed(conversations, started).await;
                        self.out.emit(ProviderEvent::Synced).await;
                        None
                    }
                    Err(err) if err.is_auth() => Some(self.failure(&err)),
                    Err(err) => {
                        tracing::warn!(account = %self.account, "chatwoot listing failed: {err}");
                        None
                    }
                }
            }
            Outcome::Thread {
                conversation,
                read,
                result: Ok((messages, held)),
            } => {
                self.thread_read(conversation, read, messages, held).await;
                None
            }
            Outcome::Thread {
                conversation,
                read,
                result: Err(err),
            } => {
                if let Some(known) = self.known.get_mut(&conversation) {
                    match read {
                        // Let a later open try again.
                        ThreadRead::Tail if known.thread.is_some_and(|t| t.newest == 0) => {
                            known.thread = None;
                        }
                        // Not ours to read any more (an inbox left): the thread is dropped.
                        ThreadRead::After(_) if err.is_per_item() => known.thread = None,
                        // The next listing tries the gap again.
                        ThreadRead::After(from) => {
                            if let Some(thread) = known.thread.as_mut() {
                                thread.gap_from =
                                    Some(thread.gap_from.map_or(from, |g| g.min(from)));
                            }
                        }
                        _ => {}
                    }
                }
                self.failed("read the conversation's messages", err).await
            }
            Outcome::StatusSet {
                conversation,
                result: Ok(answer),
            } => {
                if let Some(status) = answer.payload.current_status.as_deref() {
                    // Kept as what the app now shows, so the read-back below is news if a
                    // newer change came in between.
                    if let Some(known) = self.known.get_mut(&conversation) {
                        known.conversation.status = convert::status(Some(status));
                    }
                    self.out
                        .emit(ProviderEvent::ConversationStatus {
                            conversation: conversation.to_string(),
                            status: convert::status(Some(status)),
                        })
                        .await;
                }
                self.reread(conversation);
                None
            }
            Outcome::StatusSet {
                conversation,
                result: Err(err),
            } => {
                self.reread(conversation);
                self.failed("change the status", err).await
            }
            Outcome::Changed {
                conversation,
                doing,
                result,
            } => {
                self.reread(conversation);
                match result {
                    Ok(()) => None,
                    Err(err) => self.failed(doing, err).await,
                }
            }
            Outcome::Reread { result: Ok(wire) } => {
                self.heard_all(vec![wire]).await;
                None
            }
            Outcome::Reread { result: Err(err) } => {
                self.failed("read the conversation back", err).await
            }
            Outcome::Discovered { id, result } => {
                self.discovering.remove(&id);
                match result {
                    Ok(wire) => {
                        self.discovered(id, wire).await;
                        None
                    }
                    // Not ours to see (another team's inbox): nothing to show.
                    Err(err) if err.is_per_item() => {
                        tracing::info!(account = %self.account, id, "chatwoot: a pushed conversation could not be read: {err}");
                        None
                    }
                    Err(err) => self.failed("read a new conversation", err).await,
                }
            }
            Outcome::MarkedRead {
                conversation,
                result,
            } => {
                if self.marking_read.remove(&conversation) == Some(true) {
                    self.mark_read(conversation);
                }
                match result {
                    Ok(()) => None,
                    Err(err) => self.failed("mark the conversation read", err).await,
                }
            }
            Outcome::Done { doing, result } => match result {
                Ok(()) => None,
                // Typing is worth nothing late; a failure goes to the log only.
                Err(err) if doing == "say you are typing" && !err.is_auth() => {
                    tracing::debug!(account = %self.account, "chatwoot typing failed: {err}");
                    None
                }
                Err(err) => self.failed(doing, err).await,
            },
            Outcome::Deleted {
                conversation,
                message,
                result,
            } => match result {
                Ok(_) => {
                    self.out
                        .emit(ProviderEvent::MessageDeleted {
                            conversation: conversation.to_string(),
                            message_id: message.to_string(),
                        })
                        .await;
                    None
                }
                Err(err) => self.failed("delete the message", err).await,
            },
            Outcome::Contacts { query, result } => match result {
                Ok(found) => {
                    let contacts = found.iter().filter_map(convert::contact_card).collect();
                    self.out
                        .emit(ProviderEvent::Contacts { query, contacts })
                        .await;
                    None
                }
                Err(err) => self.failed("search contacts", err).await,
            },
            Outcome::Started { result } => match result {
                Ok(wire) => {
                    let id = wire.id;
                    self.admitted.insert(id);
                    self.heard_all(vec![wire]).await;
                    self.out
                        .emit(ProviderEvent::ConversationStarted {
                            conversation: id.to_string(),
                        })
                        .await;
                    None
                }
                Err(err) => self.failed("start the conversation", err).await,
            },
            Outcome::Directory(result) => match *result {
                Ok((inboxes, agents, teams, labels, canned)) => {
                    self.directory.inboxes =
                        inboxes.into_iter().map(|inbox| (inbox.id, inbox)).collect();
                    self.team_heard(agents, teams, labels).await;
                    let replies = canned.iter().filter_map(convert::saved_reply).collect();
                    self.out.emit(ProviderEvent::SavedReplies(replies)).await;
                    None
                }
                Err(err) => {
                    self.failed("read the account's teams and labels", err)
                        .await
                }
            },
        }
    }

    /// Messages read from a thread, applied; the thread's range widened; the end of history
    /// said when a page comes back short; a catch-up continued while pages come back full;
    /// and, where the thread is whole from its start or its cursor, a cursor for the store.
    async fn thread_read(
        &mut self,
        conversation: u64,
        read: ThreadRead,
        messages: Vec<wire::Message>,
        held: usize,
    ) {
        let page_newest = messages.iter().map(|m| m.id).max();
        let (channel, contact, whole) = match self.known.get_mut(&conversation) {
            Some(known) => {
                let thread = known.thread.get_or_insert_with(Thread::loading);
                for message in &messages {
                    thread.oldest = thread.oldest.min(message.id);
                    thread.newest = thread.newest.max(message.id);
                }
                (
                    known.conversation.channel.clone(),
                    known.conversation.contact.name.clone(),
                    thread.gap_from.is_none(),
                )
            }
            // Asked for before it was listed (an older page of a cached thread): shown all
            // the same, and the conversation read.
            None => {
                self.discover(conversation);
                let inbox = messages.first().and_then(|m| m.inbox_id);
                (
                    self.directory.channel_of_inbox(inbox),
                    "the customer".to_string(),
                    false,
                )
            }
        };
        let converted: Vec<_> = messages
            .iter()
            .map(|message| convert::message(message, &channel, &contact))
            .collect();
        let newest = converted.iter().max_by_key(|m| m.order_key()).cloned();
        if !converted.is_empty() {
            self.out
                .emit(ProviderEvent::Messages {
                    conversation: conversation.to_string(),
                    messages: converted,
                    live: false,
                })
                .await;
        }
        let id = conversation.to_string();
        match read {
            ThreadRead::Tail | ThreadRead::Older(_) if held < MESSAGE_PAGE => {
                self.out
                    .emit(ProviderEvent::HistoryComplete {
                        conversation: id.clone(),
                    })
                    .await;
            }
            ThreadRead::After(after) if held >= AFTER_PAGE => {
                // From the page's own newest: a live push may have moved the thread's.
                if let Some(next) = page_newest.filter(|next| *next > after) {
                    self.read_thread(conversation, ThreadRead::After(next));
                }
            }
            _ => {}
        }
        if whole
            && matches!(read, ThreadRead::Tail | ThreadRead::After(_))
            && let Some(newest) = newest
        {
            self.out
                .emit(ProviderEvent::Cursor {
                    conversation: id,
                    at: newest.at,
                    id: newest.id,
                })
                .await;
        }
    }
}
