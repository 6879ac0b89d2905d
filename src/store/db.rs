//! The SQLite file: schema, loading the snapshot and applying writes. Only the store actor
//! holds a [`Db`]; every batch of writes is one transaction.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::codec::*;
use super::schema::{self, ACTIVITY, NEWEST_COLUMNS};
use super::search::{self, Backlog};
use crate::contract::store::{
    CachedConversation, ChannelCount, OutboxEntry, OutboxState, Snapshot, StoreRequest,
};
use crate::model::{AccountId, Contact, Conversation, ConversationKey, Message, Timestamp};

/// The columns [`message_from`] reads, in its order.
const MESSAGE_COLUMNS: &str =
    "m.id, m.client_id, m.direction, m.sender, m.content, m.at_ns, m.status, m.failure";

/// A message from the [`MESSAGE_COLUMNS`] of a row, starting at column `first`.
fn message_from(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Message> {
    Ok(Message {
        id: row.get(first)?,
        client_id: row.get(first + 1)?,
        direction: direction_from(&row.get::<_, String>(first + 2)?),
        sender: row.get(first + 3)?,
        content: content_from_json(&row.get::<_, String>(first + 4)?),
        at: ns_to_time(row.get(first + 5)?),
        status: status_from(&row.get::<_, String>(first + 6)?),
        failure: row.get(first + 7)?,
    })
}

/// The conversation key of a row whose account and conversation id are columns `first` and
/// `first + 1`.
fn key_from(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<ConversationKey> {
    let account: String = row.get(first)?;
    Ok(ConversationKey::new(
        &AccountId::new(account),
        row.get::<_, String>(first + 1)?,
    ))
}

/// A conversation and one of its messages.
type KeyedMessage = (ConversationKey, Message);

/// A part of the start's conversations, their newest messages, and where the part ended when
/// more may follow.
type ConversationsPart = (
    Vec<CachedConversation>,
    Vec<KeyedMessage>,
    Option<StartCursor>,
);

/// Conversations the first part of the start holds: more than any screen shows.
pub const FIRST_PART: usize = 500;
/// Conversations in each later part: a few milliseconds of the store's and the app's time.
pub const MORE_PARTS: usize = 5_000;

/// Messages around one, as [`Db::around`] reads them.
#[derive(Debug)]
pub struct Around {
    pub messages: Vec<Message>,
    pub older_exhausted: bool,
    pub newer_exhausted: bool,
}

/// Where the start's parts go on: after this row of the list's order.
#[derive(Clone, Debug)]
pub struct StartCursor {
    activity: i64,
    account: String,
    id: String,
}

/// The parts of the start not yet sent.
#[derive(Clone, Debug)]
pub struct StartRest {
    after: StartCursor,
    /// Conversations sent with the first part out of order.
    sent: HashSet<ConversationKey>,
    /// What the conversations not yet sent add to each channel.
    unsent: Vec<ChannelCount>,
}

/// Takes what `cached` adds to its channel off `counts`.
fn uncount(counts: &mut [ChannelCount], cached: &CachedConversation) {
    let snoozed =
        cached.snooze.is_some() || cached.info.status == crate::model::ConversationStatus::Snoozed;
    if let Some(count) = counts
        .iter_mut()
        .find(|count| count.channel == cached.info.channel)
    {
        count.conversations = count.conversations.saturating_sub(1);
        if !snoozed {
            count.unread = count.unread.saturating_sub(cached.info.unread);
        }
    }
}

/// A cached conversation from a row of the start's columns, and its newest message.
fn conversation_from(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(CachedConversation, Option<Message>)> {
    let key = key_from(row, 0)?;
    let newest = match row.get::<_, Option<String>>(13)? {
        Some(_) => Some(message_from(row, 13)?),
        None => None,
    };
    let last_at: Option<i64> = row.get(9)?;
    let metadata: String = row.get(11)?;
    let cached = CachedConversation {
        info: Conversation {
            key,
            channel: channel_from(&row.get::<_, String>(2)?),
            contact: Contact {
                id: row.get(3)?,
                name: row.get(4)?,
                identity: row.get(5)?,
            },
            status: conversation_status_from(&row.get::<_, String>(6)?),
            // The app's count (`platform_unread`, column 7, is the same since there is one
            // count; the column stays for existing databases).
            unread: row.get(8)?,
            last_message_at: last_at.map(ns_to_time),
            last_message: row.get(10)?,
            metadata: metadata_from_json(&metadata),
            work: work_from(row.get::<_, Option<String>>(22)?.as_deref()),
        },
        history_complete: row.get(12)?,
        snooze: snooze_from(row.get::<_, Option<String>>(21)?.as_deref()),
    };
    Ok((cached, newest))
}

/// Prepared statements kept per connection: every write is one of a few fixed statements, and
/// preparing them again for each message was most of a write's cost.
const STATEMENT_CACHE: usize = 64;

/// Messages indexed per step when a search needs the index caught up.
pub const CATCH_UP_ROWS: u32 = 5_000;

pub struct Db {
    conn: Connection,
}

impl Db {
    /// Opens (creating) the file in WAL mode; `None` keeps everything in memory.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let mut conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        // WAL: readers never block the writer, and a crash loses at most the open transaction.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed outbox entry survives power loss, not only a killed process.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        search::register(&conn)?;
        schema::migrate(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self { conn })
    }

    /// The first part of the start: the conversations that sort first, those with unsent
    /// replies or drafts, and everything else the app needs before its first frame. `rest`
    /// reads the other parts.
    pub fn load(&self) -> rusqlite::Result<(Snapshot, Option<StartRest>)> {
        let outbox = self.load_outbox()?;
        let drafts = self.load_drafts()?;
        let (mut conversations, mut newest, last) = self.load_conversations(None, FIRST_PART)?;
        // Conversations with an unsent reply or a draft come now, wherever they sort: the
        // echo and the draft need their conversation.
        let mut extra: HashSet<ConversationKey> = outbox
            .iter()
            .map(|entry| entry.key.clone())
            .chain(drafts.iter().map(|draft| draft.key.clone()))
            .collect();
        for cached in &conversations {
            extra.remove(&cached.info.key);
        }
        let mut extras = Vec::new();
        for key in &extra {
            if let Some((cached, message)) = self.load_conversation(key)? {
                newest.extend(message.map(|message| (key.clone(), message)));
                extras.push(cached);
            }
        }
        let rest = match last {
            Some(after) => {
                let mut unsent = self.channel_counts()?;
                for cached in conversations.iter().chain(&extras) {
                    uncount(&mut unsent, cached);
                }
                Some(StartRest {
                    after,
                    sent: extras
                        .iter()
                        .map(|cached| cached.info.key.clone())
                        .collect(),
                    unsent,
                })
            }
            None => None,
        };
        conversations.extend(extras);
        let snapshot = Snapshot {
            conversations,
            messages: with_echoes(newest, self.load_echoes()?),
            outbox,
            cursors: self.load_cursors()?,
            drafts,
            unsent: rest.as_ref().map(|rest| rest.unsent.clone()),
        };
        Ok((snapshot, rest))
    }

    /// The next part of the start after `rest`, and what is left after it.
    pub fn load_more(&self, rest: StartRest) -> rusqlite::Result<(Snapshot, Option<StartRest>)> {
        let StartRest {
            after,
            sent,
            mut unsent,
        } = rest;
        let (mut conversations, mut newest, last) =
            self.load_conversations(Some(&after), MORE_PARTS)?;
        // Those sent with the first part are not sent twice.
        conversations.retain(|cached| !sent.contains(&cached.info.key));
        newest.retain(|(key, _)| !sent.contains(key));
        for cached in &conversations {
            uncount(&mut unsent, cached);
        }
        let rest = last.map(|after| StartRest {
            after,
            sent,
            unsent: unsent.clone(),
        });
        let snapshot = Snapshot {
            conversations,
            messages: with_echoes(newest, Vec::new()),
            unsent: rest.as_ref().map(|_| unsent),
            ..Snapshot::default()
        };
        Ok((snapshot, rest))
    }

    /// Per channel: its conversations and their unread messages (snoozed ones left out), as
    /// the triggers keep them.
    pub(super) fn channel_counts(&self) -> rusqlite::Result<Vec<ChannelCount>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT channel, conversations, unread FROM channel_totals WHERE conversations > 0",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(ChannelCount {
                channel: channel_from(&row.get::<_, String>(0)?),
                conversations: row.get::<_, i64>(1)?.try_into().unwrap_or(0),
                unread: row.get::<_, i64>(2)?.try_into().unwrap_or(0),
            })
        })?;
        rows.collect()
    }

    /// Up to `limit` conversations in the list's order after `after` (`None`: from the first),
    /// the newest message of those that have one (the copy its row keeps), and where the part
    /// ended when more may follow.
    fn load_conversations(
        &self,
        after: Option<&StartCursor>,
        limit: usize,
    ) -> rusqlite::Result<ConversationsPart> {
        let columns = format!(
            "account, id, channel, contact_id, contact_name, contact_identity, status,
             platform_unread, unread, last_message_at, last_message, metadata,
             history_complete, {NEWEST_COLUMNS}, snooze, work, -{ACTIVITY}"
        );
        let mut statement = match after {
            None => self.conn.prepare_cached(&format!(
                "SELECT {columns} FROM conversations INDEXED BY conversations_by_activity
                 ORDER BY -{ACTIVITY}, account, id LIMIT ?1"
            ))?,
            Some(_) => self.conn.prepare_cached(&format!(
                "SELECT {columns} FROM conversations INDEXED BY conversations_by_activity
                 WHERE (-{ACTIVITY}, account, id) > (?2, ?3, ?4)
                 ORDER BY -{ACTIVITY}, account, id LIMIT ?1"
            ))?,
        };
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = match after {
            None => statement.query(params![limit_sql])?,
            Some(after) => {
                statement.query(params![limit_sql, after.activity, after.account, after.id])?
            }
        };
        let (mut conversations, mut newest) = (Vec::new(), Vec::new());
        let mut last = None;
        while let Some(row) = rows.next()? {
            let (cached, message) = conversation_from(row)?;
            last = Some(StartCursor {
                activity: row.get(23)?,
                account: cached.info.key.account.0.to_string(),
                id: cached.info.key.id.to_string(),
            });
            newest.extend(message.map(|message| (cached.info.key.clone(), message)));
            conversations.push(cached);
        }
        // A short part was the last.
        let last = last.filter(|_| conversations.len() == limit);
        Ok((conversations, newest, last))
    }

    /// One cached conversation and its newest message, by key.
    fn load_conversation(
        &self,
        key: &ConversationKey,
    ) -> rusqlite::Result<Option<(CachedConversation, Option<Message>)>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT account, id, channel, contact_id, contact_name, contact_identity, status,
                    platform_unread, unread, last_message_at, last_message, metadata,
                    history_complete, {NEWEST_COLUMNS}, snooze, work
             FROM conversations WHERE account = ?1 AND id = ?2"
        ))?;
        statement
            .query_row(params![key.account.0, key.id], conversation_from)
            .optional()
    }

    /// The echoes of unsent replies. `CROSS JOIN` makes SQLite read the (small) outbox first:
    /// left to itself it scanned every cached message to find them, 200 ms at a million.
    fn load_echoes(&self) -> rusqlite::Result<Vec<KeyedMessage>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT m.account, m.conversation, {MESSAGE_COLUMNS} FROM outbox o
             CROSS JOIN messages m ON m.account = o.account AND m.conversation = o.conversation
                 AND m.id = o.client_id"
        ))?;
        let rows = statement.query_map([], |row| Ok((key_from(row, 0)?, message_from(row, 2)?)))?;
        rows.collect()
    }

    /// Up to `limit` cached messages of a conversation just before `before` (`None`: the
    /// newest), in thread order. One range scan of the `(at, id)` index.
    pub fn page(
        &self,
        key: &ConversationKey,
        before: Option<&(Timestamp, String)>,
        limit: usize,
    ) -> rusqlite::Result<Vec<Message>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut page = match before {
            Some((at, id)) => {
                let mut statement = self.conn.prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m
                     WHERE account = ?1 AND conversation = ?2 AND (at_ns, id) < (?3, ?4)
                     ORDER BY at_ns DESC, id DESC LIMIT ?5"
                ))?;
                let rows = statement.query_map(
                    params![key.account.0, key.id, time_to_ns(*at), id, limit],
                    |row| message_from(row, 0),
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let mut statement = self.conn.prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m
                     WHERE account = ?1 AND conversation = ?2
                     ORDER BY at_ns DESC, id DESC LIMIT ?3"
                ))?;
                let rows = statement.query_map(params![key.account.0, key.id, limit], |row| {
                    message_from(row, 0)
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        page.reverse();
        Ok(page)
    }

    /// The message `at` (when stored) with up to `older` messages before it and `newer`
    /// after it, in thread order: [`StoreRequest::LoadAround`].
    pub fn around(
        &self,
        key: &ConversationKey,
        at: &(Timestamp, String),
        older: usize,
        newer: usize,
    ) -> rusqlite::Result<Around> {
        let before = self.page(key, Some(at), older)?;
        // One more than asked: the message itself, when it is stored, comes first.
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m
             WHERE account = ?1 AND conversation = ?2 AND (at_ns, id) >= (?3, ?4)
             ORDER BY at_ns ASC, id ASC LIMIT ?5"
        ))?;
        let limit = i64::try_from(newer.saturating_add(1)).unwrap_or(i64::MAX);
        let after = statement
            .query_map(
                params![key.account.0, key.id, time_to_ns(at.0), at.1, limit],
                |row| message_from(row, 0),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let found = after.first().is_some_and(|m| m.id == at.1);
        let newer_given = after.len() - usize::from(found);
        let (older_exhausted, newer_exhausted) = (
            older > 0 && before.len() < older,
            newer > 0 && newer_given < newer,
        );
        let mut messages = before;
        messages.extend(after.into_iter().take(newer + usize::from(found)));
        Ok(Around {
            messages,
            older_exhausted,
            newer_exhausted,
        })
    }

    /// The newest hits of a search (see [`search::search`]). The index first catches up with
    /// the messages written since it last did; a store still being indexed as a whole (an
    /// older file, just opened) is searched as far as it is, which the app says.
    pub fn search(
        &mut self,
        query: &crate::contract::search::SearchQuery,
        limit: usize,
    ) -> rusqlite::Result<Vec<crate::contract::search::SearchHit>> {
        let backlog = self.search_backlog()?;
        if !backlog.complete() && backlog.left() <= u64::from(2 * CATCH_UP_ROWS) {
            while !self.index_step(CATCH_UP_ROWS)?.complete() {}
        }
        search::search(&self.conn, query, limit)
    }

    /// Where the search index stands against the messages.
    pub fn search_backlog(&self) -> rusqlite::Result<Backlog> {
        search::backlog(&self.conn)
    }

    /// Indexes the next `rows` messages the search index does not cover yet.
    pub fn index_step(&mut self, rows: u32) -> rusqlite::Result<Backlog> {
        search::catch_up_step(&mut self.conn, rows)
    }

    /// Checks the search index against the messages it indexes (an error names the damage).
    pub fn check_search_index(&self) -> rusqlite::Result<()> {
        self.conn
            .execute(
                "INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .map(|_| ())
    }

    fn load_outbox(&self) -> rusqlite::Result<Vec<OutboxEntry>> {
        let mut statement = self.conn.prepare(
            "SELECT client_id, account, conversation, text, created_ns, attempts, failed_reason
             FROM outbox ORDER BY created_ns, client_id",
        )?;
        let rows = statement.query_map([], |row| {
            let failed: Option<String> = row.get(6)?;
            Ok(OutboxEntry {
                client_id: row.get(0)?,
                key: key_from(row, 1)?,
                text: row.get(3)?,
                created_at: ns_to_time(row.get(4)?),
                attempts: row.get(5)?,
                state: failed.map_or(OutboxState::Queued, OutboxState::Failed),
            })
        })?;
        rows.collect()
    }

    fn load_drafts(&self) -> rusqlite::Result<Vec<crate::contract::store::Draft>> {
        let mut statement = self.conn.prepare(
            "SELECT account, conversation, text, note FROM drafts ORDER BY account, conversation",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(crate::contract::store::Draft {
                key: key_from(row, 0)?,
                text: row.get(2)?,
                note: row.get(3)?,
            })
        })?;
        rows.collect()
    }

    fn load_cursors(&self) -> rusqlite::Result<Vec<(ConversationKey, Timestamp, String)>> {
        let mut statement = self.conn.prepare(
            "SELECT account, conversation, at_ns, id FROM cursors ORDER BY account, conversation",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                key_from(row, 0)?,
                ns_to_time(row.get(2)?),
                row.get::<_, String>(3)?,
            ))
        })?;
        rows.collect()
    }

    /// Applies a batch of writes in one transaction, in order.
    pub fn apply(&mut self, writes: &[StoreRequest]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        // Read in the transaction: another process on the same file may have moved the mark.
        let mut index = Index {
            coverage: search::coverage(&tx)?,
            changes: Vec::new(),
        };
        for write in writes {
            apply_one(&tx, &mut index, write)?;
        }
        search::apply(&tx, &index.changes)?;
        tx.commit()
    }

    /// Number of rows in a table (tests and diagnostics).
    pub fn count(&self, table: &str) -> rusqlite::Result<i64> {
        let sql = match table {
            "conversations" => "SELECT COUNT(*) FROM conversations",
            "messages" => "SELECT COUNT(*) FROM messages",
            "outbox" => "SELECT COUNT(*) FROM outbox",
            _ => "SELECT COUNT(*) FROM read_markers",
        };
        self.conn.query_row(sql, [], |row| row.get(0))
    }
}

/// The newest message of each conversation and the echoes of unsent replies, grouped per
/// conversation in thread order, each message once (an echo may be the newest).
fn with_echoes(
    newest: Vec<KeyedMessage>,
    echoes: Vec<KeyedMessage>,
) -> Vec<(ConversationKey, Vec<Message>)> {
    let mut echoes_of: HashMap<ConversationKey, Vec<Message>> = HashMap::new();
    for (key, echo) in echoes {
        echoes_of.entry(key).or_default().push(echo);
    }
    let mut grouped: Vec<(ConversationKey, Vec<Message>)> = newest
        .into_iter()
        .map(|(key, message)| (key, vec![message]))
        .collect();
    for (key, messages) in &mut grouped {
        messages.extend(echoes_of.remove(key).unwrap_or_default());
    }
    grouped.extend(echoes_of);
    for (_, messages) in &mut grouped {
        messages.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        messages.dedup_by(|a, b| a.id == b.id);
    }
    grouped
}

/// The search index's side of a batch: which messages it covers and the changes to make.
struct Index {
    coverage: search::Coverage,
    changes: Vec<search::Change>,
}

fn apply_one(
    tx: &rusqlite::Transaction<'_>,
    index: &mut Index,
    write: &StoreRequest,
) -> rusqlite::Result<()> {
    match write {
        StoreRequest::Conversations(conversations) => {
            for cached in conversations {
                upsert_conversation(tx, cached)?;
            }
        }
        StoreRequest::Messages { key, messages } => {
            for message in messages {
                upsert_message(tx, index, key, message)?;
            }
        }
        StoreRequest::Cursor { key, at, id } => {
            exec(
                tx,
                "INSERT INTO cursors (account, conversation, at_ns, id) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, conversation) DO UPDATE SET
                    at_ns = excluded.at_ns, id = excluded.id",
                params![key.account.0, key.id, time_to_ns(*at), id],
            )?;
        }
        StoreRequest::ReadMarker { key, message, at } => {
            exec(
                tx,
                "INSERT INTO read_markers (account, conversation, message_id, read_at_ns)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, conversation) DO UPDATE SET
                    message_id = excluded.message_id, read_at_ns = excluded.read_at_ns",
                params![key.account.0, key.id, message, time_to_ns(*at)],
            )?;
            exec(
                tx,
                "UPDATE conversations SET unread = 0 WHERE account = ?1 AND id = ?2",
                params![key.account.0, key.id],
            )?;
        }
        StoreRequest::Enqueue { entry, echo } => {
            upsert_message(tx, index, &entry.key, echo)?;
            let failed = match &entry.state {
                OutboxState::Queued => None,
                OutboxState::Failed(reason) => Some(reason.as_str()),
            };
            exec(
            tx,
                "INSERT OR IGNORE INTO outbox (client_id, account, conversation, text, created_ns, attempts, failed_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    entry.client_id,
                    entry.key.account.0,
                    entry.key.id,
                    entry.text,
                    time_to_ns(entry.created_at),
                    entry.attempts,
                    failed
                ],
            )?;
        }
        StoreRequest::OutboxUpdate {
            client_id,
            attempts,
            state,
        } => {
            let failed = match state {
                OutboxState::Queued => None,
                OutboxState::Failed(reason) => Some(reason.as_str()),
            };
            exec(
                tx,
                "UPDATE outbox SET attempts = ?2, failed_reason = ?3 WHERE client_id = ?1",
                params![client_id, attempts, failed],
            )?;
        }
        StoreRequest::OutboxDone { client_id } => {
            exec(
                tx,
                "DELETE FROM outbox WHERE client_id = ?1",
                params![client_id],
            )?;
        }
        StoreRequest::DeleteMessage { key, id } => delete_message(tx, index, key, id)?,
        StoreRequest::Status {
            key,
            id,
            status,
            failure,
        } => {
            let rank = status_rank(*status);
            exec(
                tx,
                "UPDATE messages SET status = ?4, status_rank = ?5, failure = COALESCE(?6, failure)
                 WHERE account = ?1 AND conversation = ?2 AND id = ?3 AND status_rank < ?5",
                params![
                    key.account.0,
                    key.id,
                    id,
                    status.linktor_name(),
                    rank,
                    failure
                ],
            )?;
        }
        // A query: the actor answers it after the batch commits.
        StoreRequest::LoadPage { .. }
        | StoreRequest::LoadAround { .. }
        | StoreRequest::Search { .. } => {}
        StoreRequest::Draft { key, text, .. } if text.trim().is_empty() => {
            tx.prepare_cached("DELETE FROM drafts WHERE account = ?1 AND conversation = ?2")?
                .execute(params![key.account.0, key.id])?;
        }
        StoreRequest::Draft { key, text, note } => {
            tx.prepare_cached(
                "INSERT INTO drafts (account, conversation, text, note) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, conversation) DO UPDATE SET text = excluded.text,
                    note = excluded.note",
            )?
            .execute(params![key.account.0, key.id, text, note])?;
        }
        StoreRequest::Discard { key, client_id } => {
            exec(
                tx,
                "DELETE FROM outbox WHERE client_id = ?1",
                params![client_id],
            )?;
            delete_message(tx, index, key, client_id)?;
        }
    }
    Ok(())
}

/// A snooze as the `snooze` column keeps it: `reply`, or its end in nanoseconds.
fn snooze_name(snooze: Option<crate::model::Snooze>) -> Option<String> {
    snooze.map(|snooze| match snooze {
        crate::model::Snooze::UntilReply => "reply".to_string(),
        crate::model::Snooze::Until(at) => time_to_ns(at).to_string(),
    })
}

fn snooze_from(name: Option<&str>) -> Option<crate::model::Snooze> {
    match name? {
        "reply" => Some(crate::model::Snooze::UntilReply),
        ns => ns
            .parse()
            .ok()
            .map(|ns| crate::model::Snooze::Until(ns_to_time(ns))),
    }
}

fn upsert_conversation(
    tx: &rusqlite::Transaction<'_>,
    cached: &CachedConversation,
) -> rusqlite::Result<()> {
    let info = &cached.info;
    exec(
            tx,
        "INSERT INTO conversations (account, id, channel, contact_id, contact_name, contact_identity,
            status, platform_unread, unread, last_message_at, last_message, metadata, history_complete,
            snooze, work)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (account, id) DO UPDATE SET
            channel = excluded.channel, contact_id = excluded.contact_id,
            contact_name = excluded.contact_name, contact_identity = excluded.contact_identity,
            status = excluded.status, platform_unread = excluded.platform_unread,
            unread = excluded.unread, last_message_at = excluded.last_message_at,
            last_message = excluded.last_message, metadata = excluded.metadata,
            history_complete = excluded.history_complete, snooze = excluded.snooze,
            work = excluded.work",
        params![
            info.key.account.0,
            info.key.id,
            channel_name(&info.channel),
            info.contact.id,
            info.contact.name,
            info.contact.identity,
            info.status.label(),
            info.unread,
            info.unread,
            info.last_message_at.map(time_to_ns),
            info.last_message,
            metadata_to_json(&info.metadata),
            cached.history_complete,
            snooze_name(cached.snooze),
            info.work.as_ref().map(work_to_json),
        ],
    )?;
    Ok(())
}

/// Upserts one message. The status only moves forward (merge rule 3) even if writes race, and
/// the server copy of a reply removes the local echo stored under its client id (rule 4).
fn upsert_message(
    tx: &rusqlite::Transaction<'_>,
    index: &mut Index,
    key: &ConversationKey,
    message: &Message,
) -> rusqlite::Result<()> {
    if let Some(client_id) = &message.client_id
        && *client_id != message.id
    {
        delete_message(tx, index, key, client_id)?;
    }
    let existing: Option<(i64, i64, String, i64)> = tx
        .prepare_cached(
            "SELECT status_rank, rowid, content, at_ns FROM messages
             WHERE account = ?1 AND conversation = ?2 AND id = ?3",
        )?
        .query_row(params![key.account.0, key.id, message.id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let rank = status_rank(message.status);
    // An echo being retried goes from failed back to pending: that is ours to decide.
    let is_echo = message.client_id.as_deref() == Some(message.id.as_str());
    if existing
        .as_ref()
        .is_some_and(|(old, ..)| *old > rank && !is_echo)
    {
        return Ok(());
    }
    let content = content_to_json(&message.content);
    let at_ns = time_to_ns(message.at);
    // The search index follows the text and the time: the old entry out when either changed,
    // the new one in.
    match &existing {
        Some((_, rowid, old, old_at)) if *old != content || *old_at != at_ns => {
            index
                .coverage
                .remove(&mut index.changes, *rowid, old, *old_at);
            index
                .coverage
                .add(&mut index.changes, *rowid, &message.content, at_ns);
        }
        _ => {}
    }
    exec(
        tx,
        "INSERT INTO messages (account, conversation, id, client_id, direction, sender, content,
            at_ns, status, status_rank, failure)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (account, conversation, id) DO UPDATE SET
            client_id = excluded.client_id, direction = excluded.direction,
            sender = excluded.sender, content = excluded.content, at_ns = excluded.at_ns,
            status = excluded.status, status_rank = excluded.status_rank,
            failure = excluded.failure",
        params![
            key.account.0,
            key.id,
            message.id,
            message.client_id,
            direction_name(message.direction),
            message.sender,
            content,
            at_ns,
            message.status.linktor_name(),
            rank,
            message.failure,
        ],
    )?;
    if existing.is_none() {
        let rowid = tx.last_insert_rowid();
        index
            .coverage
            .add(&mut index.changes, rowid, &message.content, at_ns);
    }
    Ok(())
}

/// Deletes one message, its words leaving the search index with it.
fn delete_message(
    tx: &rusqlite::Transaction<'_>,
    index: &mut Index,
    key: &ConversationKey,
    id: &str,
) -> rusqlite::Result<()> {
    let deleted: Option<(i64, String, i64)> = tx
        .prepare_cached(
            "DELETE FROM messages WHERE account = ?1 AND conversation = ?2 AND id = ?3
             RETURNING rowid, content, at_ns",
        )?
        .query_row(params![key.account.0, key.id, id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    if let Some((rowid, content, at_ns)) = deleted {
        index
            .coverage
            .remove(&mut index.changes, rowid, &content, at_ns);
    }
    Ok(())
}

/// Runs one of the fixed write statements through the connection's statement cache.
fn exec(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
}
