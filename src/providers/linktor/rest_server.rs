//! The Go server's REST endpoints (`../shared/protocols.md` §2.2), answered in the SDK wire
//! types. Paging is by `page`/`page_size`: the offsets the sync code counts are turned into page
//! numbers here. Threads page by number too, with no `before`/`after` cursor, so older history
//! is "the next page" (counted per conversation) and a backfill reads pages from the newest
//! until it reaches the message it already had. That the first page is the newest is our
//! reading of the handler, not something the server documents (**UNCONFIRMED**).

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::rest::{LinktorError, MessageQuery, RestClient, decode};
use super::wire::{ListEnvelope, WireContact, WireConversation, WireMessage};
use super::wire_server::{self, Envelope, ServerContact, ServerConversation, ServerMessage};
use crate::providers::kit::http::segment;

/// How many pages a backfill reads before giving up on finding its cursor (a gap that long is
/// better served by the listing the next sync does anyway).
const MAX_BACKFILL_PAGES: u32 = 20;

impl RestClient {
    async fn server_get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Envelope<T>, LinktorError> {
        let text = self.call_text(Method::GET, path, query, None).await?;
        decode(&text)
    }

    pub(super) async fn server_list_conversations(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<ListEnvelope<WireConversation>, LinktorError> {
        let query = page_query(offset, limit);
        let envelope: Envelope<Vec<ServerConversation>> =
            self.server_get("/conversations", &query).await?;
        Ok(wire_server::page(envelope, wire_server::conversation))
    }

    pub(super) async fn server_get_conversation(
        &self,
        id: &str,
    ) -> Result<WireConversation, LinktorError> {
        let path = format!("/conversations/{}", segment(id)?);
        let envelope: Envelope<ServerConversation> = self.server_get(&path, &[]).await?;
        Ok(wire_server::conversation(envelope.data))
    }

    pub(super) async fn server_list_contacts(
        &self,
        offset: u64,
        limit: u32,
        search: Option<&str>,
    ) -> Result<ListEnvelope<WireContact>, LinktorError> {
        let mut query = page_query(offset, limit);
        if let Some(search) = search {
            query.push(("search", search.to_string()));
        }
        let envelope: Envelope<Vec<ServerContact>> = self.server_get("/contacts", &query).await?;
        Ok(wire_server::page(envelope, wire_server::contact))
    }

    pub(super) async fn server_get_contact(&self, id: &str) -> Result<WireContact, LinktorError> {
        let path = format!("/contacts/{}", segment(id)?);
        let envelope: Envelope<ServerContact> = self.server_get(&path, &[]).await?;
        Ok(wire_server::contact(envelope.data))
    }

    /// The newest page (no cursor), the next older one (`before`), or everything newer than
    /// `after`.
    pub(super) async fn server_list_messages(
        &self,
        conversation: &str,
        query: &MessageQuery,
    ) -> Result<ListEnvelope<WireMessage>, LinktorError> {
        if let Some(after) = &query.after {
            return self
                .server_messages_after(conversation, after, query.limit)
                .await;
        }
        let page = match query.before {
            None => 1,
            Some(_) => self.pages_loaded(conversation) + 1,
        };
        let list = self
            .server_message_page(conversation, page, query.limit)
            .await?;
        self.set_pages_loaded(conversation, page);
        Ok(list)
    }

    async fn server_message_page(
        &self,
        conversation: &str,
        page: u32,
        limit: u32,
    ) -> Result<ListEnvelope<WireMessage>, LinktorError> {
        let path = format!("/conversations/{}/messages", segment(conversation)?);
        let query = [("page", page.to_string()), ("page_size", limit.to_string())];
        let envelope: Envelope<Vec<ServerMessage>> = self.server_get(&path, &query).await?;
        Ok(wire_server::page(envelope, wire_server::message))
    }

    async fn server_messages_after(
        &self,
        conversation: &str,
        after: &str,
        limit: u32,
    ) -> Result<ListEnvelope<WireMessage>, LinktorError> {
        let mut newer = Vec::new();
        for page in 1..=MAX_BACKFILL_PAGES {
            let list = self.server_message_page(conversation, page, limit).await?;
            let found = list.data.iter().any(|message| message.id == after);
            let more = list.pagination.has_more;
            newer.extend(list.data.into_iter().filter(|message| message.id != after));
            if found || !more {
                break;
            }
        }
        // The caller's backfill stops here: this is everything there is to catch up on.
        let pagination = super::wire::Pagination {
            total: newer.len() as u64,
            limit,
            offset: 0,
            has_more: false,
            next_cursor: None,
        };
        Ok(ListEnvelope::new(newer, pagination))
    }

    /// `POST …/messages` with `content_type` + `content` (both required) → 201 with the message.
    pub(super) async fn server_send_text(
        &self,
        conversation: &str,
        text: &str,
        client_id: &str,
    ) -> Result<WireMessage, LinktorError> {
        let path = format!("/conversations/{}/messages", segment(conversation)?);
        let body = json!({
            "content_type": "text",
            "content": text,
            "metadata": { "clientId": client_id },
        });
        let text = self
            .call_text(Method::POST, &path, &[], Some(&body))
            .await?;
        let envelope: Envelope<ServerMessage> = decode(&text)?;
        Ok(wire_server::message(envelope.data))
    }

    pub(super) async fn server_create_contact(
        &self,
        name: &str,
        channel_type: &str,
        identifier: &str,
    ) -> Result<WireContact, LinktorError> {
        let body = json!({
            "name": name,
            "identities": [{ "channel_type": channel_type, "identifier": identifier }],
        });
        let text = self
            .call_text(Method::POST, "/contacts", &[], Some(&body))
            .await?;
        let envelope: Envelope<ServerContact> = decode(&text)?;
        Ok(wire_server::contact(envelope.data))
    }

    pub(super) async fn server_start_conversation(
        &self,
        contact_id: &str,
        channel_type: &str,
    ) -> Result<WireConversation, LinktorError> {
        let body = json!({ "contact_id": contact_id, "channel_type": channel_type });
        let text = self
            .call_text(Method::POST, "/conversations", &[], Some(&body))
            .await?;
        let envelope: Envelope<ServerConversation> = decode(&text)?;
        Ok(wire_server::conversation(envelope.data))
    }

    fn pages_loaded(&self, conversation: &str) -> u32 {
        self.loaded_pages
            .lock()
            .map(|pages| pages.get(conversation).copied().unwrap_or(1))
            .unwrap_or(1)
    }

    fn set_pages_loaded(&self, conversation: &str, page: u32) {
        if let Ok(mut pages) = self.loaded_pages.lock() {
            pages.insert(conversation.to_string(), page);
        }
    }
}

/// Offset and limit as the server's 1-based page number and page size.
fn page_query(offset: u64, limit: u32) -> Vec<(&'static str, String)> {
    let limit = limit.max(1);
    let page = offset / u64::from(limit) + 1;
    vec![("page", page.to_string()), ("page_size", limit.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_page_numbers() {
        assert_eq!(page_query(0, 20)[0].1, "1");
        assert_eq!(page_query(40, 20)[0].1, "3");
        assert_eq!(page_query(0, 0)[1].1, "1");
    }
}
