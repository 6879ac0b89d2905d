//! SQLite persistence for the hub: contacts, conversations, messages.
//!
//! One connection behind a `std::sync::Mutex`; every method is a short critical section (the
//! queries are indexed and tiny), so async handlers call them directly. Timestamps are kept as
//! Unix nanoseconds for ordering and rendered with [`format_time`] on the way out.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;
use time::OffsetDateTime;

use crate::protocol::linktor::{
    PLATFORM_KEY, PRIVATE_KEY, SDK_CHANNEL_TYPES, WireContact, WireContent, WireConversation,
    WireIdentifier, WireMessage, format_time, sdk_channel_type,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("store lock poisoned")]
    Poisoned,
    #[error("not found")]
    NotFound,
    #[error("unknown cursor {0}")]
    UnknownCursor(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY,
    name TEXT,
    channel_type TEXT NOT NULL,
    identifier TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    UNIQUE (channel_type, identifier)
);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    channel_type TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL,
    assigned_to TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    priority TEXT,
    snoozed_until_ns INTEGER,
    last_message_ns INTEGER,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_last ON conversations(last_message_ns DESC);
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    direction TEXT NOT NULL,
    content_type TEXT NOT NULL,
    text TEXT,
    status TEXT NOT NULL,
    sender_type TEXT NOT NULL,
    sender_id TEXT,
    client_id TEXT,
    metadata TEXT NOT NULL,
    delivered_ns INTEGER,
    read_ns INTEGER,
    agent_read INTEGER NOT NULL DEFAULT 0,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(conversation_id, created_ns, id);
CREATE INDEX IF NOT EXISTS messages_by_client ON messages(conversation_id, client_id);
-- Unread counts and read markers touch only the unread rows, not the whole thread.
CREATE INDEX IF NOT EXISTS messages_unread ON messages(conversation_id, direction, agent_read);
";

/// Which conversations a listing wants (`None`: any).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConversationFilter<'a> {
    pub status: Option<&'a str>,
    pub channel_type: Option<&'a str>,
    pub assigned_to: Option<&'a str>,
    pub tag: Option<&'a str>,
}

/// A message to insert; the store assigns the id.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub conversation_id: String,
    pub direction: &'static str,
    pub sender_type: &'static str,
    pub sender_id: Option<String>,
    pub text: String,
    pub status: &'static str,
    pub metadata: BTreeMap<String, Value>,
    /// `None` = now (kept strictly increasing so live messages never tie).
    pub created_ns: Option<i64>,
    /// Seeded history marks old inbound as read by the agent and outbound as delivered/read.
    pub agent_read: bool,
    pub delivered_ns: Option<i64>,
    pub read_ns: Option<i64>,
}

/// Which page of a conversation's messages to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessagePage {
    Tail,
    Before(String),
    After(String),
}

/// One page of a conversation's messages.
#[derive(Clone, Debug)]
pub struct MessagesPage {
    pub messages: Vec<WireMessage>,
    /// More exist in the requested direction (older for tail/before, newer for after).
    pub has_more: bool,
    /// All messages in the conversation.
    pub total: u64,
}

pub struct Store {
    conn: Mutex<Connection>,
    /// Last timestamp handed out by [`Store::now_ns`], to keep live timestamps unique.
    last_ns: Mutex<i64>,
    /// Set for reproducible demos: a virtual clock and counted ids instead of the wall clock
    /// and random UUIDs (see [`Store::reproducible`]).
    reproducible: Option<Reproducible>,
}

/// The clock and id counter of a reproducible store.
struct Reproducible {
    clock: Box<dyn Fn() -> i64 + Send + Sync>,
    next_id: std::sync::atomic::AtomicU64,
}

pub fn now_ns() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

pub fn ns_to_string(ns: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .map(format_time)
        .unwrap_or_default()
}

fn opt_time(ns: Option<i64>) -> Option<String> {
    ns.map(ns_to_string)
}

/// Prepared statements kept: every request runs a few fixed statements, and parsing their SQL
/// again each time was about 8 % of the CPU profile at 1,000 messages a second.
const STATEMENT_CACHE: usize = 64;

/// `execute` and `query_row` through the connection's statement cache.
trait Cached {
    fn execute_cached(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    fn query_row_cached<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, row)
    }
}

impl Store {
    /// Opens (creating if needed) the database; `None` = in-memory.
    pub fn open(path: Option<&Path>) -> StoreResult<Self> {
        let conn = match path {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    // Best effort: a missing directory shows up as the open error below.
                    let _ = std::fs::create_dir_all(dir);
                }
                let conn = Connection::open(path)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        super::team::add_missing_columns(&conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            conn: Mutex::new(conn),
            last_ns: Mutex::new(0),
            reproducible: None,
        })
    }

    /// Times come from `clock` (nanoseconds) and ids count up, so the same operations give the
    /// same data on every run (the demo recordings rely on it).
    pub fn reproducible(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.reproducible = Some(Reproducible {
            clock: Box::new(clock),
            next_id: std::sync::atomic::AtomicU64::new(1),
        });
        self
    }

    /// A new id with the given prefix: a random UUID, or the next count when reproducible.
    fn new_id(&self, prefix: &str) -> String {
        match &self.reproducible {
            Some(r) => {
                let n = r.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                format!("{prefix}_{n:06}")
            }
            None => format!("{prefix}_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    pub(super) fn conn(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Wall-clock nanoseconds, strictly increasing across calls.
    pub fn now_ns(&self) -> i64 {
        let mut last = match self.last_ns.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let clock = self
            .reproducible
            .as_ref()
            .map_or_else(now_ns, |r| (r.clock)());
        let now = clock.max(*last + 1_000);
        *last = now;
        now
    }

    pub fn conversation_count(&self) -> StoreResult<u64> {
        let conn = self.conn()?;
        let n: i64 =
            conn.query_row_cached("SELECT COUNT(*) FROM conversations", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Finds the contact for `(channel_type, identifier)` or creates it; a given name updates it.
    pub fn upsert_contact(
        &self,
        channel_type: &str,
        identifier: &str,
        name: Option<&str>,
        at_ns: i64,
    ) -> StoreResult<String> {
        let conn = self.conn()?;
        let existing: Option<String> = conn
            .query_row_cached(
                "SELECT id FROM contacts WHERE channel_type = ?1 AND identifier = ?2",
                params![channel_type, identifier],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            if let Some(name) = name {
                conn.execute_cached(
                    "UPDATE contacts SET name = ?1 WHERE id = ?2",
                    params![name, id],
                )?;
            }
            return Ok(id);
        }
        let id = self.new_id("ct");
        conn.execute_cached(
            "INSERT INTO contacts (id, name, channel_type, identifier, created_ns) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, channel_type, identifier, at_ns],
        )?;
        Ok(id)
    }

    /// The contact's latest conversation that is not resolved, or a new open one.
    /// Returns `(conversation id, created)`.
    pub fn open_conversation_for(
        &self,
        contact_id: &str,
        channel_type: &str,
        at_ns: i64,
    ) -> StoreResult<(String, bool)> {
        let conn = self.conn()?;
        let existing: Option<String> = conn
            .query_row_cached(
                "SELECT id FROM conversations WHERE contact_id = ?1 AND channel_type = ?2
                 AND status != 'resolved' ORDER BY created_ns DESC LIMIT 1",
                params![contact_id, channel_type],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok((id, false));
        }
        let id = self.new_id("cv");
        conn.execute_cached(
            "INSERT INTO conversations (id, channel_type, contact_id, status, created_ns, updated_ns)
             VALUES (?1, ?2, ?3, 'open', ?4, ?4)",
            params![id, channel_type, contact_id, at_ns],
        )?;
        Ok((id, true))
    }

    /// The open conversation of the contact `(channel_type, identifier)`, without creating one.
    pub fn find_open_conversation(
        &self,
        channel_type: &str,
        identifier: &str,
    ) -> StoreResult<Option<String>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row_cached(
                "SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id
                 WHERE ct.channel_type = ?1 AND ct.identifier = ?2 AND cv.channel_type = ?1
                 AND cv.status != 'resolved' ORDER BY cv.created_ns DESC LIMIT 1",
                params![channel_type, identifier],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn insert_message(&self, new: NewMessage) -> StoreResult<WireMessage> {
        let created = match new.created_ns {
            Some(ns) => ns,
            None => self.now_ns(),
        };
        let id = self.new_id("msg");
        let client_id = new
            .metadata
            .get("clientId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let metadata = serde_json::to_string(&new.metadata).unwrap_or_else(|_| "{}".into());
        // A private note is not something said with the customer: the conversation's last
        // message (and its place in the list) stays what it was.
        let note = new.metadata.get(PRIVATE_KEY) == Some(&Value::Bool(true));
        let conn = self.conn()?;
        let updated = conn.execute_cached(
            "UPDATE conversations SET
                last_message_ns = CASE WHEN ?3 THEN last_message_ns
                    ELSE MAX(COALESCE(last_message_ns, 0), ?1) END,
                updated_ns = MAX(updated_ns, ?1) WHERE id = ?2",
            params![created, new.conversation_id, note],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        conn.execute_cached(
            "INSERT INTO messages (id, conversation_id, direction, content_type, text, status,
             sender_type, sender_id, client_id, metadata, delivered_ns, read_ns, agent_read,
             created_ns, updated_ns)
             VALUES (?1, ?2, ?3, 'text', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
            params![
                id,
                new.conversation_id,
                new.direction,
                new.text,
                new.status,
                new.sender_type,
                new.sender_id,
                client_id,
                metadata,
                new.delivered_ns,
                new.read_ns,
                new.agent_read,
                created,
            ],
        )?;
        message_by_id(&conn, &id)?.ok_or(StoreError::NotFound)
    }

    /// The message an earlier send with this `clientId` stored, if any.
    pub fn message_by_client_id(
        &self,
        conversation_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<WireMessage>> {
        let conn = self.conn()?;
        let id: Option<String> = conn
            .query_row_cached(
                "SELECT id FROM messages WHERE conversation_id = ?1 AND client_id = ?2 LIMIT 1",
                params![conversation_id, client_id],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => message_by_id(&conn, &id),
            None => Ok(None),
        }
    }

    /// Moves an outbound message to `delivered` or `read`; never backwards.
    pub fn set_message_status(
        &self,
        message_id: &str,
        status: &str,
        at_ns: i64,
    ) -> StoreResult<bool> {
        let conn = self.conn()?;
        let changed = match status {
            "delivered" => conn.execute_cached(
                "UPDATE messages SET status = 'delivered', delivered_ns = ?1, updated_ns = ?1
                 WHERE id = ?2 AND status IN ('pending', 'sent')",
                params![at_ns, message_id],
            )?,
            "read" => conn.execute_cached(
                "UPDATE messages SET status = 'read', read_ns = ?1,
                 delivered_ns = COALESCE(delivered_ns, ?1), updated_ns = ?1
                 WHERE id = ?2 AND status IN ('pending', 'sent', 'delivered')",
                params![at_ns, message_id],
            )?,
            _ => 0,
        };
        Ok(changed > 0)
    }

    pub fn conversation(&self, id: &str) -> StoreResult<WireConversation> {
        let conn = self.conn()?;
        conversation_by_id(&conn, id)?.ok_or(StoreError::NotFound)
    }

    /// Conversations by `lastMessageAt` descending; returns `(page, total)`.
    pub fn conversations(
        &self,
        status: Option<&str>,
        channel_type: Option<&str>,
        limit: u32,
        offset: u64,
    ) -> StoreResult<(Vec<WireConversation>, u64)> {
        self.conversations_where(
            &ConversationFilter {
                status,
                channel_type,
                ..ConversationFilter::default()
            },
            limit,
            offset,
        )
    }

    /// As [`Store::conversations`], also by who has them and by tag (the TS SDK's
    /// `assignedTo` and `tags`).
    pub fn conversations_where(
        &self,
        filter: &ConversationFilter<'_>,
        limit: u32,
        offset: u64,
    ) -> StoreResult<(Vec<WireConversation>, u64)> {
        let ConversationFilter {
            status,
            channel_type,
            assigned_to,
            tag,
        } = *filter;
        let conn = self.conn()?;
        // The filter speaks the SDK's channel types, as the answers do: `webchat` also finds
        // the platforms the SDK lacks, which go out as `webchat`.
        let named: Vec<String> = SDK_CHANNEL_TYPES
            .iter()
            .filter(|kind| **kind != "webchat")
            .map(|kind| format!("'{kind}'"))
            .collect();
        let filter = format!(
            "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR channel_type = ?2
             OR (?2 = 'webchat' AND channel_type NOT IN ({})))
             AND (?5 IS NULL OR assigned_to = ?5)
             AND (?6 IS NULL OR EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?6))",
            named.join(", ")
        );
        // Numbered as in the page query below (?3 and ?4, its limit and offset, unused here),
        // so one filter serves both.
        let total: i64 = conn.query_row_cached(
            &format!("SELECT COUNT(*) FROM conversations WHERE {filter}"),
            params![
                status,
                channel_type,
                None::<i64>,
                None::<i64>,
                assigned_to,
                tag
            ],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id FROM conversations WHERE {filter}
             ORDER BY COALESCE(last_message_ns, created_ns) DESC, id DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let ids = stmt
            .query_map(
                params![
                    status,
                    channel_type,
                    limit,
                    i64::try_from(offset).unwrap_or(0),
                    assigned_to,
                    tag
                ],
                |r| r.get::<_, String>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut page = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(conversation) = conversation_by_id(&conn, &id)? {
                page.push(conversation);
            }
        }
        Ok((page, u64::try_from(total).unwrap_or(0)))
    }

    pub fn set_conversation_status(&self, id: &str, status: &str, at_ns: i64) -> StoreResult<()> {
        self.set_status_until(id, status, None, at_ns)
    }

    /// The status, and for `snoozed` until when (any other status ends a snooze).
    pub fn set_status_until(
        &self,
        id: &str,
        status: &str,
        snoozed_until_ns: Option<i64>,
        at_ns: i64,
    ) -> StoreResult<()> {
        let conn = self.conn()?;
        let until = snoozed_until_ns.filter(|_| status == "snoozed");
        let changed = conn.execute_cached(
            "UPDATE conversations SET status = ?1, updated_ns = ?2, snoozed_until_ns = ?4
             WHERE id = ?3",
            params![status, at_ns, id, until],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The agent has read everything inbound in this conversation.
    pub fn mark_read(&self, id: &str) -> StoreResult<()> {
        let conn = self.conn()?;
        conn.execute_cached(
            "UPDATE messages SET agent_read = 1
             WHERE conversation_id = ?1 AND direction = 'inbound' AND agent_read = 0",
            params![id],
        )?;
        Ok(())
    }

    /// A page of messages, always ascending by `(createdAt, id)`.
    pub fn messages(
        &self,
        conversation_id: &str,
        page: &MessagePage,
        limit: u32,
    ) -> StoreResult<MessagesPage> {
        let conn = self.conn()?;
        if conversation_by_id(&conn, conversation_id)?.is_none() {
            return Err(StoreError::NotFound);
        }
        let total: i64 = conn.query_row_cached(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1",
            params![conversation_id],
            |r| r.get(0),
        )?;
        let cursor = match page {
            MessagePage::Tail => None,
            MessagePage::Before(id) | MessagePage::After(id) => {
                let at: Option<i64> = conn
                    .query_row_cached(
                        "SELECT created_ns FROM messages WHERE id = ?1 AND conversation_id = ?2",
                        params![id, conversation_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                Some((at.ok_or_else(|| StoreError::UnknownCursor(id.clone()))?, id))
            }
        };
        let fetch = i64::from(limit) + 1;
        let select = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1");
        let mut rows = match (page, cursor) {
            (MessagePage::After(_), Some((at, id))) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "{select} AND (created_ns, id) > (?2, ?3) ORDER BY created_ns ASC, id ASC LIMIT ?4"
                ))?;
                stmt.query_map(params![conversation_id, at, id, fetch], message_from_row)?
                    .collect::<Result<Vec<_>, _>>()?
            }
            (_, Some((at, id))) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "{select} AND (created_ns, id) < (?2, ?3) ORDER BY created_ns DESC, id DESC LIMIT ?4"
                ))?;
                stmt.query_map(params![conversation_id, at, id, fetch], message_from_row)?
                    .collect::<Result<Vec<_>, _>>()?
            }
            (_, None) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "{select} ORDER BY created_ns DESC, id DESC LIMIT ?2"
                ))?;
                stmt.query_map(params![conversation_id, fetch], message_from_row)?
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        if !matches!(page, MessagePage::After(_)) {
            rows.reverse();
        }
        Ok(MessagesPage {
            messages: rows,
            has_more,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    pub fn contact(&self, id: &str) -> StoreResult<WireContact> {
        let conn = self.conn()?;
        contact_by_id(&conn, id)?.ok_or(StoreError::NotFound)
    }

    /// Contacts by name; `search` matches name or identifier (case-insensitive substring).
    pub fn contacts(
        &self,
        search: Option<&str>,
        limit: u32,
        offset: u64,
    ) -> StoreResult<(Vec<WireContact>, u64)> {
        let conn = self.conn()?;
        let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
        let filter =
            "(?1 IS NULL OR lower(COALESCE(name, '')) LIKE ?1 OR lower(identifier) LIKE ?1)";
        let total: i64 = conn.query_row_cached(
            &format!("SELECT COUNT(*) FROM contacts WHERE {filter}"),
            params![pattern],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id FROM contacts WHERE {filter} ORDER BY name, id LIMIT ?2 OFFSET ?3"
        ))?;
        let ids = stmt
            .query_map(
                params![pattern, limit, i64::try_from(offset).unwrap_or(0)],
                |r| r.get::<_, String>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut page = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(contact) = contact_by_id(&conn, &id)? {
                page.push(contact);
            }
        }
        Ok((page, u64::try_from(total).unwrap_or(0)))
    }
}

/// The one tenant of the hub: the SDK requires `tenantId` on conversations and contacts.
pub const TENANT_ID: &str = "switchboard";

/// The hub has one channel per platform; its id is stable so SDK clients can group by it.
pub fn channel_id(platform: &str) -> String {
    format!("ch-{}", platform.to_ascii_lowercase())
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, direction, content_type, text, status, \
     sender_type, sender_id, metadata, delivered_ns, read_ns, created_ns, updated_ns";

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<WireMessage> {
    let metadata: String = row.get(8)?;
    let created: i64 = row.get(11)?;
    Ok(WireMessage {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        direction: row.get(2)?,
        content_type: row.get(3)?,
        content: WireContent {
            text: row.get(4)?,
            ..WireContent::default()
        },
        status: row.get(5)?,
        sender_type: row.get(6)?,
        sender_id: row.get(7)?,
        external_id: None,
        delivered_at: opt_time(row.get(9)?),
        read_at: opt_time(row.get(10)?),
        failed_reason: None,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        created_at: ns_to_string(created),
        // The SDK requires `updatedAt`: a message never changed was last updated when created.
        updated_at: Some(opt_time(row.get(12)?).unwrap_or_else(|| ns_to_string(created))),
    })
}

fn message_by_id(conn: &Connection, id: &str) -> StoreResult<Option<WireMessage>> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
            params![id],
            message_from_row,
        )
        .optional()?)
}

fn conversation_by_id(conn: &Connection, id: &str) -> StoreResult<Option<WireConversation>> {
    let row = conn
        .query_row_cached(
            "SELECT id, channel_type, contact_id, status, assigned_to, last_message_ns,
             created_ns, updated_ns, tags, priority, snoozed_until_ns
             FROM conversations WHERE id = ?1",
            params![id],
            |r| {
                let platform: String = r.get(1)?;
                let (channel_type, extension) = sdk_channel_type(&platform);
                let mut metadata = BTreeMap::new();
                if let Some(platform) = extension {
                    metadata.insert(PLATFORM_KEY.to_string(), Value::String(platform));
                }
                Ok(WireConversation {
                    id: r.get(0)?,
                    tenant_id: Some(TENANT_ID.to_string()),
                    channel_id: Some(channel_id(&platform)),
                    channel_type: channel_type.to_string(),
                    contact_id: r.get(2)?,
                    status: r.get(3)?,
                    assigned_to: r.get(4)?,
                    last_message: None,
                    last_message_at: opt_time(r.get(5)?),
                    unread_count: 0,
                    tags: super::team::tags_from(&r.get::<_, String>(8)?),
                    priority: r.get(9)?,
                    snoozed_until: opt_time(r.get(10)?),
                    metadata,
                    created_at: Some(ns_to_string(r.get(6)?)),
                    updated_at: Some(ns_to_string(r.get(7)?)),
                })
            },
        )
        .optional()?;
    let Some(mut conversation) = row else {
        return Ok(None);
    };
    conversation.unread_count = conn.query_row_cached(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND direction = 'inbound' AND agent_read = 0",
        params![id],
        |r| r.get(0),
    )?;
    let last = conn
        .query_row_cached(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1
                 AND json_extract(metadata, '$.private') IS NOT 1
                 ORDER BY created_ns DESC, id DESC LIMIT 1"
            ),
            params![id],
            message_from_row,
        )
        .optional()?;
    conversation.last_message = last.and_then(|m| serde_json::to_value(m).ok());
    // Handy for clients that show a title without fetching the contact.
    let name: Option<String> = conn
        .query_row_cached(
            "SELECT name FROM contacts WHERE id = ?1",
            params![conversation.contact_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(name) = name {
        conversation
            .metadata
            .insert("contactName".into(), Value::String(name));
    }
    Ok(Some(conversation))
}

fn contact_by_id(conn: &Connection, id: &str) -> StoreResult<Option<WireContact>> {
    let row = conn
        .query_row_cached(
            "SELECT id, name, channel_type, identifier, created_ns FROM contacts WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, name, channel_type, identifier, created)) = row else {
        return Ok(None);
    };
    let count: u32 = conn.query_row_cached(
        "SELECT COUNT(*) FROM conversations WHERE contact_id = ?1",
        params![id],
        |r| r.get(0),
    )?;
    let phone = identifier.starts_with('+').then(|| identifier.clone());
    let (sdk_type, extension) = sdk_channel_type(&channel_type);
    let metadata = extension
        .map(|platform| BTreeMap::from([(PLATFORM_KEY.to_string(), Value::String(platform))]))
        .unwrap_or_default();
    Ok(Some(WireContact {
        id,
        tenant_id: Some(TENANT_ID.to_string()),
        // The SDK requires a name; a contact who never gave one is known by its identifier.
        name: Some(name.unwrap_or_else(|| identifier.clone())),
        email: None,
        phone,
        identifiers: vec![WireIdentifier {
            channel_type: sdk_type.to_string(),
            channel_id: Some(channel_id(&channel_type)),
            identifier,
            metadata,
        }],
        conversation_count: count,
        created_at: Some(ns_to_string(created)),
        updated_at: Some(ns_to_string(created)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproducible_store_counts_ids_and_reads_its_clock() {
        let run = || {
            let store = Store::open(None)
                .expect("open")
                .reproducible(|| 1_772_444_460_000_000_000);
            let contact = store
                .upsert_contact("sms", "+1555", Some("Ada"), store.now_ns())
                .expect("contact");
            let (conversation, _) = store
                .open_conversation_for(&contact, "sms", store.now_ns())
                .expect("conversation");
            let sent = store
                .insert_message(message(&conversation, "hi", 5))
                .expect("message");
            (contact, conversation, sent.id, store.now_ns())
        };
        let first = run();
        assert_eq!(first, run(), "the same steps give the same data");
        assert!(first.0.starts_with("ct_") && first.2.starts_with("msg_"));
        // The clock stands still, yet times stay unique and increasing.
        assert!(first.3 > 1_772_444_460_000_000_000);
    }

    fn message(conversation_id: &str, text: &str, at: i64) -> NewMessage {
        NewMessage {
            conversation_id: conversation_id.into(),
            direction: "inbound",
            sender_type: "contact",
            sender_id: None,
            text: text.into(),
            status: "delivered",
            metadata: BTreeMap::new(),
            created_ns: Some(at),
            agent_read: false,
            delivered_ns: None,
            read_ns: None,
        }
    }

    #[test]
    fn equal_timestamps_page_by_id_without_overlap() {
        let store = Store::open(None).expect("open");
        let contact = store
            .upsert_contact("sms", "+1555", Some("Ada"), 1)
            .expect("contact");
        let (conversation, created) = store
            .open_conversation_for(&contact, "sms", 1)
            .expect("conversation");
        assert!(created);
        let mut ids: Vec<String> = (0..5)
            .map(|n| {
                store
                    .insert_message(message(&conversation, &format!("m{n}"), 1_000))
                    .expect("insert")
                    .id
            })
            .collect();
        ids.sort();
        let tail = store
            .messages(&conversation, &MessagePage::Tail, 2)
            .expect("tail");
        let older = store
            .messages(
                &conversation,
                &MessagePage::Before(tail.messages[0].id.clone()),
                2,
            )
            .expect("before");
        let oldest = store
            .messages(
                &conversation,
                &MessagePage::Before(older.messages[0].id.clone()),
                2,
            )
            .expect("before");
        let paged: Vec<String> = [oldest.messages, older.messages, tail.messages]
            .into_iter()
            .flatten()
            .map(|m| m.id)
            .collect();
        assert_eq!(paged, ids);
        assert!(!oldest.has_more);
        assert_eq!(tail.total, 5);
        assert_eq!(
            store
                .conversation(&conversation)
                .expect("conversation")
                .unread_count,
            5
        );
    }

    #[test]
    fn status_never_goes_backwards() {
        let store = Store::open(None).expect("open");
        let contact = store
            .upsert_contact("sms", "+1556", None, 1)
            .expect("contact");
        let (conversation, _) = store
            .open_conversation_for(&contact, "sms", 1)
            .expect("conversation");
        let id = store
            .insert_message(NewMessage {
                status: "sent",
                direction: "outbound",
                ..message(&conversation, "hi", 5)
            })
            .expect("insert")
            .id;
        assert!(store.set_message_status(&id, "read", 10).expect("read"));
        assert!(
            !store
                .set_message_status(&id, "delivered", 11)
                .expect("delivered")
        );
    }
}
