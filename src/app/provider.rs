//! Provider events → state. Every arm is an upsert or a fact, so replays change nothing.

use super::status::NoticeLevel;
use super::view::Focus;
use super::{App, Effect};
use crate::contract::provider::{AccountEvent, ConnectionState, ProviderCommand, ProviderEvent};
use crate::model::{
    Channel, Contact, Conversation, ConversationKey, ConversationStatus, Direction, Message,
};

pub(super) fn apply(app: &mut App, event: AccountEvent, effects: &mut Vec<Effect>) {
    let AccountEvent { account, event } = event;
    let key = |id: &str| ConversationKey::new(&account, id);
    let changed = match event {
        ProviderEvent::Connection(state) => {
            let status = app.status.account_mut(&account);
            match &state {
                ConnectionState::BackingOff { reason, .. } => {
                    status.last_error = Some(reason.clone());
                    // Only a connection that was up is being made again.
                    if status.connection == ConnectionState::Live
                        || status.reconnecting_after.is_some()
                    {
                        status.reconnecting_after = Some(reason.clone());
                    }
                }
                ConnectionState::AuthFailed(reason) => {
                    status.last_error = Some(reason.clone());
                    status.reconnecting_after = None;
                }
                ConnectionState::Live => status.reconnecting_after = None,
                ConnectionState::Connecting => {}
            }
            let changed = status.connection != state;
            let live = state == ConnectionState::Live;
            status.connection = state;
            if !live {
                super::search_remote::failed(app, &account);
            } else if changed {
                super::outbox::connection_back(app, &account, effects);
            }
            changed
        }
        ProviderEvent::Conversations(conversations) => {
            let mut changed = false;
            for conversation in conversations {
                let key = conversation.key.clone();
                let is_open = app.view.open.as_ref() == Some(&key);
                let before = app
                    .inbox
                    .get(&key)
                    .and_then(|entry| entry.platform_snoozed_until());
                changed |= app.inbox.upsert_conversation(conversation, is_open);
                if let Some(entry) = app.inbox.get_mut(&key) {
                    changed |= entry.follow_platform_snooze(before, app.now);
                }
            }
            if changed {
                app.lists_stale = true;
            }
            changed
        }
        ProviderEvent::Messages {
            conversation,
            messages,
            live,
        } => {
            let key = key(&conversation);
            merge_messages(app, key, messages, live, effects)
        }
        ProviderEvent::HistoryComplete { conversation } => {
            match app.inbox.get_mut(&key(&conversation)) {
                Some(entry) => {
                    entry.fetching_older = false;
                    !std::mem::replace(&mut entry.history_complete, true)
                }
                None => false,
            }
        }
        ProviderEvent::StatusUpdate {
            conversation,
            message_id,
            status,
            reason,
        } => app
            .inbox
            .get_mut(&key(&conversation))
            .is_some_and(|entry| entry.thread.set_status(&message_id, status, reason)),
        ProviderEvent::ConversationStatus {
            conversation,
            status,
        } => match app.inbox.get_mut(&key(&conversation)) {
            Some(entry) if entry.info.status != status => {
                entry.info.status = status;
                // One status: the platform moved it on (resolved, reopened), so a snooze
                // kept here is over.
                if status != ConversationStatus::Snoozed {
                    entry.snooze = None;
                }
                let until = entry.platform_snoozed_until();
                entry.follow_platform_snooze(until, app.now);
                // A status filter may now hide or show it.
                app.lists_stale = true;
                true
            }
            _ => false,
        },
        ProviderEvent::Workflow { conversation, work } => {
            let key = key(&conversation);
            match app.inbox.get_mut(&key) {
                Some(entry) if entry.info.work.as_ref() != Some(&work) => {
                    let before = entry.info.work.replace(work.clone()).unwrap_or_default();
                    entry.follow_platform_snooze(before.snoozed_until, app.now);
                    let name = crate::text::sanitize_line(&entry.info.contact.name);
                    // Views by assignee and label, and the priority order, may change.
                    app.lists_stale = true;
                    match app.view.work_asked.remove(&key) {
                        Some(said) => {
                            let text = format!("{name}: {said}");
                            app.status.notify(NoticeLevel::Info, text, app.now);
                        }
                        None => say_reassigned(app, &key, &name, before.assignee, work.assignee),
                    }
                    true
                }
                _ => false,
            }
        }
        ProviderEvent::Team { me, agents, labels } => {
            let changed = app.team.learn(&account, me, agents, labels);
            // The Mine view follows who this inbox works as.
            app.lists_stale |= changed;
            changed
        }
        ProviderEvent::Typing {
            conversation,
            who,
            typing,
        } => {
            let key = key(&conversation);
            if typing {
                app.typing.started(key, who, app.now)
            } else {
                app.typing.stopped(&key)
            }
        }
        ProviderEvent::SendFailed {
            client_id, reason, ..
        } if app.outbox.get(&client_id).is_some() => {
            // The outbox retries it, or marks it failed after its last attempt.
            super::outbox::failed(app, &client_id, &reason, effects);
            if app
                .outbox
                .get(&client_id)
                .is_some_and(|item| matches!(item.stage, super::outbox::Stage::Failed(_)))
            {
                app.status.notify(
                    NoticeLevel::Error,
                    format!("Reply not sent: {reason}"),
                    app.now,
                );
            }
            true
        }
        ProviderEvent::SendFailed {
            conversation,
            client_id,
            reason,
        } => {
            if let Some(entry) = app.inbox.get_mut(&key(&conversation)) {
                entry.thread.fail_echo(&client_id, reason.clone());
            }
            app.status.notify(
                NoticeLevel::Error,
                format!("Reply not sent: {reason}"),
                app.now,
            );
            true
        }
        ProviderEvent::Cursor { .. } => false,
        ProviderEvent::Synced => {
            app.status.account_mut(&account).last_sync = Some(app.now);
            true
        }
        ProviderEvent::Contacts { query, contacts }
            if super::search_remote::answered(app, &account, &query, &contacts) =>
        {
            true
        }
        event @ (ProviderEvent::Contacts { .. }
        | ProviderEvent::ContactCreated(_)
        | ProviderEvent::ConversationStarted { .. }) => {
            super::contacts::provider_event(app, &account, event, effects)
        }
        ProviderEvent::SavedReplies(replies) => {
            app.team.learn_replies(&account, replies);
            false
        }
        ProviderEvent::Error(message) => {
            super::search_remote::failed(app, &account);
            app.status.account_mut(&account).last_error = Some(message.clone());
            app.status.notify(NoticeLevel::Error, message, app.now);
            true
        }
        ProviderEvent::MessageDeleted {
            conversation,
            message_id,
        } => {
            let removed = app
                .inbox
                .get_mut(&key(&conversation))
                .is_some_and(|entry| entry.thread.delete(&message_id))
                | super::history::forget(app, &key(&conversation), &message_id);
            if removed {
                app.status
                    .notify(NoticeLevel::Info, "Message deleted".to_string(), app.now);
                // The preview and the order may go back to the message before.
                app.lists_stale = true;
            }
            removed
        }
        ProviderEvent::Capability {
            conversation,
            summary,
        } => {
            // Kept in the details pane and said once in the notices.
            if let Some(entry) = app.inbox.get_mut(&key(&conversation)) {
                entry
                    .info
                    .metadata
                    .insert("Capability".to_string(), summary.clone());
            }
            app.status
                .notify(NoticeLevel::Info, format!("Capability: {summary}"), app.now);
            true
        }
        ProviderEvent::RemoteInsights {
            conversation,
            insights,
        } => app.remote_insights.store(conversation, *insights),
    };
    if changed {
        app.touch();
    }
}

fn merge_messages(
    app: &mut App,
    key: ConversationKey,
    messages: Vec<Message>,
    live: bool,
    effects: &mut Vec<Effect>,
) -> bool {
    if messages.is_empty() {
        if let Some(entry) = app.inbox.get_mut(&key) {
            entry.fetching_older = false;
        }
        return false;
    }
    if app.inbox.get(&key).is_none() {
        // Nothing is dropped: a message for a conversation we have not been told about yet
        // gets a placeholder, filled in when the conversation itself arrives.
        app.inbox
            .upsert_conversation(placeholder(&key, &messages), false);
    }
    let has_inbound = messages.iter().any(|m| m.direction == Direction::Inbound);
    let newest_inbound = messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.at)
        .max();
    let Some(outcome) = app.inbox.merge_messages(&key, messages) else {
        return false;
    };
    super::resident::note_growth(app, &key);
    let is_open = app.view.open.as_ref() == Some(&key);
    if let Some(entry) = app.inbox.get_mut(&key) {
        if !live {
            entry.fetching_older = false;
        }
        if live && outcome.new_inbound > 0 {
            let reading = is_open && matches!(app.view.focus, Focus::Thread | Focus::Composer);
            if reading {
                effects.push(Effect::Provider {
                    account: key.account.clone(),
                    command: ProviderCommand::MarkRead {
                        conversation: key.id.to_string(),
                    },
                });
            } else {
                entry.info.unread += outcome.new_inbound;
            }
        }
    }
    if live {
        super::alerts::new_messages(app, &key, outcome.new_inbound, effects);
    }
    // A message from the customer ends their typing (merge rule 5), and a snooze.
    if live && has_inbound {
        app.typing.stopped(&key);
    }
    if outcome.new_inbound > 0
        && let Some(at) = newest_inbound
    {
        super::snooze::wake_on_reply(app, &key, at, live, effects);
    }
    if outcome.changed {
        app.lists_stale = true;
        if is_open {
            effects.extend(super::remote_insights::analyse(app, &key));
        }
    }
    outcome.changed
}

fn placeholder(key: &ConversationKey, messages: &[Message]) -> Conversation {
    let name = messages
        .iter()
        .find(|m| m.direction == Direction::Inbound)
        .map_or_else(|| key.id.to_string(), |m| m.sender.clone());
    Conversation {
        key: key.clone(),
        channel: Channel::Other("unknown".to_string()),
        contact: Contact {
            id: String::new(),
            name,
            identity: String::new(),
        },
        status: ConversationStatus::Open,
        unread: 0,
        last_message_at: None,
        last_message: None,
        metadata: Default::default(),
        work: None,
    }
}

/// A conversation changing hands says so when this agent is one of the hands: it is now
/// theirs, or someone else has taken theirs (perhaps while they were writing in it).
fn say_reassigned(
    app: &mut App,
    key: &ConversationKey,
    name: &str,
    before: Option<String>,
    after: Option<String>,
) {
    if before == after {
        return;
    }
    let me = app.team.me(&key.account).to_string();
    let text = match (before.as_deref() == Some(&me), after.as_deref()) {
        (_, Some(agent)) if agent == me => format!("{name}: assigned to you"),
        (true, Some(agent)) => {
            let agent = app.team.name_of(&key.account, agent, "me").to_string();
            format!("{name} is now with {}", crate::text::sanitize_line(&agent))
        }
        (true, None) => format!("{name}: no longer assigned to you"),
        (false, _) => return,
    };
    app.status.notify(NoticeLevel::Info, text, app.now);
}
