//! Bringing the account up to date over REST: the conversation and contact listings, the tail
//! page of a new conversation, and the `after`-cursor backfill that closes a gap.

use super::Known;
use super::Provider;
use super::convert;
use super::rest::{LinktorError, MessageQuery};
use super::wire::{WireConversation, WireMessage};
use crate::model::{Contact, Conversation, Message, Timestamp};
use crate::providers::ProviderEvent;
use crate::providers::kit::Classify;

impl Provider {
    /// Lists every conversation, then brings each one up to date: the tail page for one we have
    /// not seen, everything `after` the cursor for one we have.
    pub(super) async fn full_sync(&mut self, reload_contacts: bool) -> Result<(), LinktorError> {
        if reload_contacts || !self.contacts_loaded {
            self.load_contacts().await?;
            self.load_team().await?;
        }
        let mut listed = Vec::new();
        let mut offset = 0u64;
        let mut limit = self.config.page_size;
        loop {
            let page = self.rest.list_conversations(offset, limit).await?;
            let count = page.served as u64;
            limit = served_limit(limit, &page.pagination);
            listed.extend(page.data);
            if !page.pagination.has_more || count == 0 {
                break;
            }
            offset += count;
        }
        let mut converted = Vec::with_capacity(listed.len());
        for wire in &listed {
            converted.push(self.remember(wire).await?);
        }
        self.emit(ProviderEvent::Conversations(converted)).await;
        for wire in &listed {
            self.subscribe(&wire.id).await;
            if let Err(err) = self.catch_up(&wire.id).await {
                if !err.is_per_item() {
                    return Err(err);
                }
                self.skipped(&wire.id, &err).await;
            }
        }
        Ok(())
    }

    /// One conversation failed where the rest may not: said once a minute, and the sync goes
    /// on (the next one tries it again).
    async fn skipped(&mut self, conversation: &str, err: &LinktorError) {
        let conversation = crate::text::sanitize_line(conversation);
        tracing::warn!(account = %self.account, %conversation, "conversation skipped in this sync: {err}");
        if self.notices.allow(tokio::time::Instant::now()) {
            let notice = format!("conversation {conversation} skipped: {err}");
            self.emit(ProviderEvent::Error(notice)).await;
        }
    }

    /// Names the agent this inbox works as, and lists who else can be assigned. Only a
    /// refused login fails the sync: a server without an agent list simply has none.
    pub(super) async fn load_team(&mut self) -> Result<(), LinktorError> {
        let me = self.config.me.clone();
        let mut agents = match self.rest.agents().await {
            Ok(agents) => agents,
            Err(err) if err.is_auth() => return Err(err),
            Err(err) => {
                tracing::warn!(account = %self.account, "linktor: no agent list: {err}");
                None
            }
        };
        // A server with an agent list that lacks this inbox's agent learns its name.
        if let (Some(me), Some(listed)) = (&me, agents.as_mut())
            && !listed.iter().any(|agent| agent.id == me.id)
        {
            match self.rest.name_agent(&me.id, &me.name).await {
                Ok(()) => listed.push(super::wire::WireAgent {
                    id: me.id.clone(),
                    name: me.name.clone(),
                    email: None,
                }),
                Err(err) if err.is_auth() => return Err(err),
                Err(err) => {
                    tracing::warn!(account = %self.account, "linktor: could not name the agent: {err}");
                }
            }
        }
        let agents: Vec<crate::model::Agent> = agents
            .unwrap_or_default()
            .into_iter()
            .map(|agent| crate::model::Agent {
                id: crate::text::sanitize_line(&agent.id),
                name: crate::text::sanitize_line(&agent.name),
            })
            .collect();
        self.agents = agents.iter().map(|agent| agent.id.clone()).collect();
        self.emit(ProviderEvent::Team {
            me: me.map(|me| me.id),
            agents,
            labels: Vec::new(),
        })
        .await;
        Ok(())
    }

    pub(super) async fn load_contacts(&mut self) -> Result<(), LinktorError> {
        let mut offset = 0u64;
        let mut limit = self.config.page_size;
        loop {
            let page = self.rest.list_contacts(offset, limit).await?;
            let count = page.served as u64;
            limit = served_limit(limit, &page.pagination);
            for contact in page.data {
                self.contacts.insert(contact.id.clone(), Some(contact));
            }
            if !page.pagination.has_more || count == 0 {
                break;
            }
            offset += count;
        }
        self.contacts_loaded = true;
        Ok(())
    }

    /// Records a conversation (looking up its contact if new to us) and converts it.
    pub(super) async fn remember(
        &mut self,
        wire: &WireConversation,
    ) -> Result<Conversation, LinktorError> {
        if !self.contacts.contains_key(&wire.contact_id) {
            let found = match self.rest.get_contact(&wire.contact_id).await {
                Ok(contact) => Some(contact),
                Err(err) if err.is_auth() => return Err(err),
                Err(err) => {
                    tracing::warn!(contact = %wire.contact_id, "linktor contact lookup failed: {err}");
                    None
                }
            };
            self.contacts.insert(wire.contact_id.clone(), found);
        }
        let known = self
            .conversations
            .entry(wire.id.clone())
            .or_insert_with(|| Known {
                contact_id: wire.contact_id.clone(),
                channel_type: wire.platform().to_string(),
                cursor: self.config.resume.get(&wire.id).cloned(),
                recent: Default::default(),
                seen_empty: false,
                pushed_floor: None,
                listed_from: None,
                work: Default::default(),
            });
        known.work = convert::workflow(wire);
        known.contact_id = wire.contact_id.clone();
        known.channel_type = wire.platform().to_string();
        if known.channel_type.is_empty() {
            // The Go server's conversations carry no channel type; the contact's identity does.
            if let Some(Some(contact)) = self.contacts.get(&wire.contact_id)
                && let Some(first) = contact.identifiers.first()
            {
                known.channel_type = first.platform().to_string();
            }
        }
        let channel_type = known.channel_type.clone();
        let contact = self.contact_of(&wire.id);
        let mut wire = wire.clone();
        wire.channel_type = channel_type;
        Ok(convert::conversation(&self.account, &wire, contact))
    }

    pub(super) async fn catch_up(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let has_cursor = self
            .conversations
            .get(conversation)
            .is_some_and(|known| known.cursor.is_some());
        let (seen_empty, floor) = self
            .conversations
            .get(conversation)
            .map_or((false, None), |known| {
                (known.seen_empty, known.pushed_floor.clone())
            });
        if has_cursor {
            self.backfill(conversation).await
        } else if seen_empty {
            self.load_back_to(conversation, None).await
        } else if floor.is_some() {
            self.load_back_to(conversation, floor).await
        } else {
            self.load_tail(conversation).await
        }
    }

    /// Loads from the tail page by page backwards, down to `floor` (the oldest message already
    /// pushed) or, without one, to the start: for a conversation that was empty at the last
    /// sync everything in it is new, and after pushes nothing between them and the tail may
    /// be left out.
    async fn load_back_to(
        &mut self,
        conversation: &str,
        floor: Option<(Timestamp, String)>,
    ) -> Result<(), LinktorError> {
        let mut before: Option<String> = None;
        let mut loaded: Vec<Message> = Vec::new();
        loop {
            let query = MessageQuery {
                limit: self.config.page_size,
                before: before.clone(),
                after: None,
            };
            let page = self.rest.list_messages(conversation, &query).await?;
            let oldest = page.data.first().map(|m| m.id.clone());
            let more = page.pagination.has_more;
            let contact = self.contact_of(conversation).name;
            let messages: Vec<Message> = page
                .data
                .iter()
                .map(|message| convert::message(message, &contact, &self.config.agent_name))
                .collect();
            let reached = floor.as_ref().is_some_and(|floor| {
                messages
                    .iter()
                    .any(|m| (m.at, m.id.as_str()) <= (floor.0, floor.1.as_str()))
            });
            loaded.extend(messages.iter().cloned());
            if !messages.is_empty() {
                self.emit(ProviderEvent::Messages {
                    conversation: conversation.to_string(),
                    messages,
                    live: false,
                })
                .await;
            }
            if !more || oldest.is_none() || oldest == before || reached {
                // The cursor moves only now: an error halfway leaves it unset, and the next
                // sync starts over rather than leaving the older pages behind it.
                self.advance(conversation, &loaded);
                self.report_cursor(conversation).await;
                if let Some(known) = self.conversations.get_mut(conversation) {
                    known.seen_empty = known.cursor.is_none();
                    known.pushed_floor = None;
                }
                if !more {
                    self.emit(ProviderEvent::HistoryComplete {
                        conversation: conversation.to_string(),
                    })
                    .await;
                }
                return Ok(());
            }
            before = oldest;
        }
    }

    pub(super) async fn load_tail(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let query = MessageQuery {
            limit: self.config.page_size,
            ..MessageQuery::default()
        };
        let page = self.rest.list_messages(conversation, &query).await?;
        if page.data.is_empty()
            && !page.pagination.has_more
            && let Some(known) = self.conversations.get_mut(conversation)
        {
            known.seen_empty = true;
        }
        self.deliver(conversation, page.data, false).await;
        if !page.pagination.has_more {
            self.emit(ProviderEvent::HistoryComplete {
                conversation: conversation.to_string(),
            })
            .await;
        }
        Ok(())
    }

    /// Everything newer than the cursor, page by page: what closes a gap after a reconnect.
    pub(super) async fn backfill(&mut self, conversation: &str) -> Result<(), LinktorError> {
        // First from the oldest recent message (refreshing their statuses), then the cursor.
        let mut from = self.recent_start(conversation);
        loop {
            let Some(after) = from.take().or_else(|| self.cursor_id(conversation)) else {
                return Ok(());
            };
            let query = MessageQuery {
                limit: self.config.page_size,
                after: Some(after.clone()),
                ..MessageQuery::default()
            };
            let page = match self.rest.list_messages(conversation, &query).await {
                Ok(page) => page,
                // The server does not know the cursor (a cache older than the server's data,
                // a deleted message): start over from the tail rather than fail every sync.
                Err(LinktorError::Validation { message, .. }) => {
                    tracing::warn!(conversation, %after, "linktor refused the cursor ({message}); reloading the tail");
                    if let Some(known) = self.conversations.get_mut(conversation) {
                        known.cursor = None;
                        known.recent.clear();
                        known.listed_from = None;
                    }
                    return self.load_tail(conversation).await;
                }
                Err(err) => return Err(err),
            };
            let empty = page.data.is_empty();
            self.deliver(conversation, page.data, false).await;
            // Stop on the last page, and also if the cursor did not move (a server ignoring
            // `after` would otherwise keep us here forever).
            if !page.pagination.has_more || empty || self.cursor_id(conversation) == Some(after) {
                return Ok(());
            }
        }
    }

    fn recent_start(&self, conversation: &str) -> Option<String> {
        let known = self.conversations.get(conversation)?;
        known.recent.first().map(|(_, id)| id.clone())
    }

    pub(super) fn cursor_id(&self, conversation: &str) -> Option<String> {
        self.conversations
            .get(conversation)?
            .cursor
            .as_ref()
            .map(|(_, id)| id.clone())
    }

    /// A conversation we had not heard of (a push or an Open): fetch it, its tail, subscribe.
    pub(super) async fn discover(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let wire = match self.rest.get_conversation(conversation).await {
            Ok(wire) => wire,
            Err(LinktorError::NotFound { .. }) => {
                tracing::warn!(conversation, "linktor conversation not found");
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        let converted = self.remember(&wire).await?;
        self.emit(ProviderEvent::Conversations(vec![converted]))
            .await;
        self.subscribe(&wire.id).await;
        self.catch_up(&wire.id).await
    }

    /// Converts and emits messages, advancing the conversation's cursor.
    pub(super) async fn deliver(&mut self, conversation: &str, wire: Vec<WireMessage>, live: bool) {
        if wire.is_empty() {
            return;
        }
        let contact = self.contact_of(conversation).name;
        let mut messages: Vec<Message> = wire
            .iter()
            .map(|message| convert::message(message, &contact, &self.config.agent_name))
            .collect();
        if live
            && let Some(floor) = self
                .conversations
                .get(conversation)
                .and_then(|known| known.listed_from.as_ref())
        {
            messages.retain(|m| (m.at, m.id.as_str()) >= (floor.0, floor.1.as_str()));
            if messages.is_empty() {
                tracing::debug!(
                    conversation,
                    "push older than the listed range left to history"
                );
                return;
            }
        }
        // Only listings move the cursor: they are contiguous, pushes are not (a frame lost on
        // a live socket, or reordered just before a drop, would otherwise leave a gap behind
        // the cursor that no backfill revisits). Pushed messages are read again by the next
        // backfill, which the merge rules make harmless.
        if !live {
            let before = self.cursor_id(conversation);
            self.advance(conversation, &messages);
            if self.cursor_id(conversation) != before {
                self.report_cursor(conversation).await;
            }
        } else if let Some(known) = self.conversations.get_mut(conversation)
            && known.cursor.is_none()
        {
            for message in &messages {
                let key = (message.at, message.id.clone());
                if known.pushed_floor.as_ref().is_none_or(|floor| key < *floor) {
                    known.pushed_floor = Some(key);
                }
            }
        }
        self.emit(ProviderEvent::Messages {
            conversation: conversation.to_string(),
            messages,
            live,
        })
        .await;
    }

    /// Tells the app (and so the store) where the listed range ends now.
    async fn report_cursor(&mut self, conversation: &str) {
        let Some((at, id)) = self
            .conversations
            .get(conversation)
            .and_then(|known| known.cursor.clone())
        else {
            return;
        };
        self.emit(ProviderEvent::Cursor {
            conversation: conversation.to_string(),
            at,
            id,
        })
        .await;
    }

    pub(super) fn advance(&mut self, conversation: &str, messages: &[Message]) {
        let Some(known) = self.conversations.get_mut(conversation) else {
            return;
        };
        let window = self.config.page_size.max(1) as usize;
        for message in messages {
            let key = (message.at, message.id.clone());
            if known.listed_from.as_ref().is_none_or(|from| key < *from) {
                known.listed_from = Some(key);
            }
        }
        for message in messages {
            let key = (message.at, message.id.clone());
            if known.cursor.as_ref().is_none_or(|cursor| key > *cursor) {
                known.cursor = Some(key.clone());
            }
            known.recent.insert(key);
            if known.recent.len() > window {
                known.recent.pop_first();
            }
        }
    }

    pub(super) fn contact_of(&self, conversation: &str) -> Contact {
        let Some(known) = self.conversations.get(conversation) else {
            return convert::unknown_contact(conversation);
        };
        match self.contacts.get(&known.contact_id) {
            Some(Some(wire)) => convert::contact(wire, &known.channel_type),
            _ => convert::unknown_contact(&known.contact_id),
        }
    }
}

/// The page size the server actually served (it may clamp ours): page numbers are counted in it.
fn served_limit(asked: u32, pagination: &super::wire::Pagination) -> u32 {
    if pagination.limit > 0 && pagination.limit < asked {
        pagination.limit
    } else {
        asked
    }
}
