//! Polling: the pull half. The first sync loads contacts, lists every conversation of the app
//! and the newest page of each thread; later syncs relist conversations (cheap metadata) and
//! ask `GET /messages` only for what was accepted since the cursor, across the whole app, so
//! history is never downloaded again. Older history comes a page at a time on request.

use std::collections::BTreeMap;
use std::time::Duration;

use super::convert;
use super::error::SinchError;
use super::rest::MessageQuery;
use super::wire::{WireConversation, WireMessage};
use super::{Known, Provider};
use crate::model::{Contact, Conversation, Message};
use crate::providers::ProviderEvent;
use crate::providers::kit::Classify;

/// Each poll asks from this long before the newest message seen, so a message that became
/// visible late (or a clock difference) is not skipped; the overlap is deduplicated by id.
const POLL_OVERLAP: Duration = Duration::from_secs(60);

impl Provider {
    pub(super) async fn sync(&mut self) -> Result<(), SinchError> {
        if !self.contacts_loaded {
            self.load_contacts().await?;
        }
        let first = !self.synced_once;
        let listed = self.list_conversations().await?;
        let mut converted = Vec::with_capacity(listed.len());
        let mut fresh = Vec::new();
        for wire in &listed {
            if self
                .conversations
                .get(&wire.id)
                .is_none_or(|known| known.older.is_none())
            {
                fresh.push(wire.id.clone());
            }
            converted.push(self.remember(wire).await?);
        }
        self.emit(ProviderEvent::Conversations(converted)).await;
        self.announce_team().await;
        for id in &fresh {
            self.load_tail(id).await?;
        }
        // The first sync's tails are the starting point. Without any message yet there is no
        // server time to start from, so polls list everything until the first one arrives
        // (our clock may differ from Sinch's; asking from it could skip messages).
        if first {
            self.synced_once = true;
        } else {
            self.poll_new().await?;
        }
        Ok(())
    }

    async fn list_conversations(&self) -> Result<Vec<WireConversation>, SinchError> {
        let mut listed = Vec::new();
        let mut token = String::new();
        loop {
            let page = self.rest.list_conversations(&token).await?;
            let empty = page.conversations.is_empty();
            listed.extend(page.conversations);
            // An empty or missing token is the last page (§1.5); a repeated one would loop.
            if page.next_page_token.is_empty() || page.next_page_token == token || empty {
                return Ok(listed);
            }
            token = page.next_page_token;
        }
    }

    async fn load_contacts(&mut self) -> Result<(), SinchError> {
        let mut token = String::new();
        loop {
            let page = self.rest.list_contacts(&token).await?;
            let empty = page.contacts.is_empty();
            for contact in page.contacts {
                self.contacts.insert(contact.id.clone(), Some(contact));
            }
            if page.next_page_token.is_empty() || page.next_page_token == token || empty {
                break;
            }
            token = page.next_page_token;
        }
        self.contacts_loaded = true;
        Ok(())
    }

    /// Records a conversation (looking up its contact if new to us) and converts it.
    pub(super) async fn remember(
        &mut self,
        wire: &WireConversation,
    ) -> Result<Conversation, SinchError> {
        if !wire.contact_id.is_empty() && !self.contacts.contains_key(&wire.contact_id) {
            let found = match self.rest.get_contact(&wire.contact_id).await {
                Ok(contact) => Some(contact),
                Err(err) if err.is_auth() => return Err(err),
                Err(err) => {
                    tracing::warn!(contact = %wire.contact_id, "Sinch contact lookup failed: {err}");
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
                channel: wire.active_channel.clone(),
                older: None,
                wire: wire.clone(),
                unread: 0,
                capability: None,
            });
        known.contact_id = wire.contact_id.clone();
        if !wire.active_channel.is_empty() {
            known.channel = wire.active_channel.clone();
        }
        known.wire = wire.clone();
        Ok(self.converted(&wire.id).unwrap_or_else(|| {
            convert::conversation(
                &self.account,
                wire,
                convert::unknown_contact(&wire.contact_id),
            )
        }))
    }

    /// The model conversation from what we know: listing, contact, unread count, capability.
    pub(super) fn converted(&self, conversation: &str) -> Option<Conversation> {
        let known = self.conversations.get(conversation)?;
        let mut converted =
            convert::conversation(&self.account, &known.wire, self.contact_of(conversation));
        converted.unread = known.unread;
        if let Some(capability) = &known.capability {
            converted
                .metadata
                .insert("Capability".to_string(), capability.clone());
        }
        Some(converted)
    }

    /// Re-announces a conversation whose unread count or capability changed.
    pub(super) async fn announce(&mut self, conversation: &str) {
        if let Some(converted) = self.converted(conversation) {
            self.emit(ProviderEvent::Conversations(vec![converted]))
                .await;
        }
    }

    /// Counts inbound messages not seen before as unread; returns whether any were.
    pub(super) fn count_new(&mut self, conversation: &str, wire: &[WireMessage]) -> bool {
        let mut new = 0;
        for message in wire {
            if self.seen.insert(message.id.clone()) && message.contact_message.is_some() {
                new += 1;
            }
        }
        match self.conversations.get_mut(conversation) {
            Some(known) if new > 0 => {
                known.unread += new;
                true
            }
            _ => false,
        }
    }

    /// Remembers history ids (tails, older pages) so they never count as new.
    pub(super) fn mark_seen(&mut self, wire: &[WireMessage]) {
        self.seen
            .extend(wire.iter().map(|message| message.id.clone()));
    }

    /// The newest page of a thread; its `next_page_token` is where older history continues.
    async fn load_tail(&mut self, conversation: &str) -> Result<(), SinchError> {
        let query = MessageQuery {
            conversation_id: Some(conversation.to_string()),
            ..MessageQuery::default()
        };
        let page = self.rest.list_messages(&query).await?;
        self.advance(&page.messages);
        self.mark_seen(&page.messages);
        self.deliver(conversation, &page.messages, false).await;
        if let Some(known) = self.conversations.get_mut(conversation) {
            known.older = Some(page.next_page_token.clone());
        }
        if page.next_page_token.is_empty() {
            self.emit(ProviderEvent::HistoryComplete {
                conversation: conversation.to_string(),
            })
            .await;
        }
        Ok(())
    }

    /// Everything accepted since the cursor (minus the overlap), across the app, all pages.
    async fn poll_new(&mut self) -> Result<(), SinchError> {
        let since = self
            .cursor
            .map(|cursor| convert::format_time(cursor - POLL_OVERLAP));
        let mut token = String::new();
        let mut found: Vec<WireMessage> = Vec::new();
        loop {
            let query = MessageQuery {
                conversation_id: None,
                start_time: since.clone(),
                page_token: token.clone(),
            };
            let page = self.rest.list_messages(&query).await?;
            let empty = page.messages.is_empty();
            found.extend(page.messages);
            if page.next_page_token.is_empty() || page.next_page_token == token || empty {
                break;
            }
            token = page.next_page_token;
        }
        self.advance(&found);
        let mut by_conversation: BTreeMap<String, Vec<WireMessage>> = BTreeMap::new();
        for message in found {
            by_conversation
                .entry(message.conversation_id.clone())
                .or_default()
                .push(message);
        }
        for (conversation, messages) in by_conversation {
            if conversation.is_empty() {
                continue;
            }
            if !self.conversations.contains_key(&conversation) {
                self.discover(&conversation).await?;
            }
            let unread = self.count_new(&conversation, &messages);
            self.deliver(&conversation, &messages, false).await;
            if unread {
                self.announce(&conversation).await;
            }
        }
        Ok(())
    }

    /// A conversation first heard of in a message (poll or push): fetch and announce it.
    pub(super) async fn discover(&mut self, conversation: &str) -> Result<(), SinchError> {
        match self.rest.get_conversation(conversation).await {
            Ok(wire) => {
                let converted = self.remember(&wire).await?;
                self.emit(ProviderEvent::Conversations(vec![converted]))
                    .await;
                Ok(())
            }
            Err(err) if err.is_not_found() => {
                tracing::warn!(conversation, "Sinch conversation not found");
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Moves the poll cursor to the newest accept time among `messages`.
    fn advance(&mut self, messages: &[WireMessage]) {
        let newest = messages
            .iter()
            .filter_map(|m| m.accept_time.as_deref().and_then(convert::parse_time))
            .max();
        if let Some(newest) = newest
            && self.cursor.is_none_or(|cursor| newest > cursor)
        {
            self.cursor = Some(newest);
        }
    }

    /// Converts and emits messages of one conversation.
    pub(super) async fn deliver(&mut self, conversation: &str, wire: &[WireMessage], live: bool) {
        if wire.is_empty() {
            return;
        }
        let messages = self.convert_messages(conversation, wire);
        self.emit(ProviderEvent::Messages {
            conversation: conversation.to_string(),
            messages,
            live,
        })
        .await;
    }

    pub(super) fn convert_messages(
        &self,
        conversation: &str,
        wire: &[WireMessage],
    ) -> Vec<Message> {
        let contact = self.contact_of(conversation).name;
        wire.iter()
            .map(|message| convert::message(message, &contact, &self.config.agent_name))
            .collect()
    }

    pub(super) fn contact_of(&self, conversation: &str) -> Contact {
        let Some(known) = self.conversations.get(conversation) else {
            return convert::unknown_contact(conversation);
        };
        match self.contacts.get(&known.contact_id) {
            Some(Some(wire)) => convert::contact(wire, &known.channel),
            _ => convert::unknown_contact(&known.contact_id),
        }
    }
}
