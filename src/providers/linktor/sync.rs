//! Bringing the account up to date over REST: the conversation and contact listings, the tail
//! page of a new conversation, and the `after`-cursor backfill that closes a gap.

use super::Known;
use super::Provider;
use super::convert;
use super::rest::{LinktorError, MessageQuery};
use super::wire::{WireConversation, WireMessage};
use crate::model::{Contact, Conversation, Message};
use crate::providers::ProviderEvent;

impl Provider {
    /// Lists every conversation, then brings each one up to date: the tail page for one we have
    /// not seen, everything `after` the cursor for one we have.
    pub(super) async fn full_sync(&mut self, reload_contacts: bool) -> Result<(), LinktorError> {
        if reload_contacts || !self.contacts_loaded {
            self.load_contacts().await?;
        }
        let mut listed = Vec::new();
        let mut offset = 0u64;
        let mut limit = self.config.page_size;
        loop {
            let page = self.rest.list_conversations(offset, limit).await?;
            let count = page.data.len() as u64;
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
            self.catch_up(&wire.id).await?;
        }
        Ok(())
    }

    pub(super) async fn load_contacts(&mut self) -> Result<(), LinktorError> {
        let mut offset = 0u64;
        let mut limit = self.config.page_size;
        loop {
            let page = self.rest.list_contacts(offset, limit).await?;
            let count = page.data.len() as u64;
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
                channel_type: wire.channel_type.clone(),
                cursor: None,
            });
        known.contact_id = wire.contact_id.clone();
        known.channel_type = wire.channel_type.clone();
        if known.channel_type.is_empty() {
            // The Go server's conversations carry no channel type; the contact's identity does.
            if let Some(Some(contact)) = self.contacts.get(&wire.contact_id)
                && let Some(first) = contact.identifiers.first()
            {
                known.channel_type = first.channel_type.clone();
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
        if has_cursor {
            self.backfill(conversation).await
        } else {
            self.load_tail(conversation).await
        }
    }

    pub(super) async fn load_tail(&mut self, conversation: &str) -> Result<(), LinktorError> {
        let query = MessageQuery {
            limit: self.config.page_size,
            ..MessageQuery::default()
        };
        let page = self.rest.list_messages(conversation, &query).await?;
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
        loop {
            let Some(after) = self.cursor_id(conversation) else {
                return Ok(());
            };
            let query = MessageQuery {
                limit: self.config.page_size,
                after: Some(after.clone()),
                ..MessageQuery::default()
            };
            let page = self.rest.list_messages(conversation, &query).await?;
            let empty = page.data.is_empty();
            self.deliver(conversation, page.data, false).await;
            // Stop on the last page, and also if the cursor did not move (a server ignoring
            // `after` would otherwise keep us here forever).
            if !page.pagination.has_more || empty || self.cursor_id(conversation) == Some(after) {
                return Ok(());
            }
        }
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
        let messages: Vec<Message> = wire
            .iter()
            .map(|message| convert::message(message, &contact, &self.config.agent_name))
            .collect();
        self.advance(conversation, &messages);
        self.emit(ProviderEvent::Messages {
            conversation: conversation.to_string(),
            messages,
            live,
        })
        .await;
    }

    pub(super) fn advance(&mut self, conversation: &str, messages: &[Message]) {
        let Some(known) = self.conversations.get_mut(conversation) else {
            return;
        };
        for message in messages {
            let key = (message.at, message.id.clone());
            if known.cursor.as_ref().is_none_or(|cursor| key > *cursor) {
                known.cursor = Some(key);
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
