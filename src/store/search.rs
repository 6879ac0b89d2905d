//! Full-text search over every stored message: an SQLite FTS5 index whose text is read through
//! a view of the messages table (the text is not stored twice), kept by triggers through every
//! write, edit, echo replacement and deletion, and filled for messages stored before the index
//! existed a slice at a time in the background ([`backfill_step`]).
//!
//! Words are folded by FTS5's `unicode61` tokenizer (case and accents). Scripts written without
//! spaces (Chinese, Japanese, Korean) would be one token per sentence, so [`searchable_text`]
//! puts a space between their characters, and a query in them becomes a phrase of characters:
//! any run of them is found, like a substring.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::codec::{direction_from, ns_to_time, time_to_ns};
use crate::contract::search::{HIT_END, HIT_START, SearchHit, SearchQuery, Term};
use crate::model::{AccountId, Content, ConversationKey, ConversationStatus, Priority};

/// Version 5 of the schema: the index, the view it reads, the triggers that keep it, and how
/// far the backfill of older messages has come (a message is indexed when its rowid is below
/// `next` or above `last`).
pub(super) const SCHEMA: &str = "
CREATE VIEW message_text (rid, body) AS SELECT rowid, searchable_text(content) FROM messages;
CREATE VIRTUAL TABLE message_search USING fts5(
    body, content = 'message_text', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE search_backfill (next INTEGER NOT NULL, last INTEGER NOT NULL);
INSERT INTO search_backfill SELECT 1, coalesce(max(rowid), 0) FROM messages;
CREATE TRIGGER search_after_insert AFTER INSERT ON messages
WHEN NEW.rowid > (SELECT last FROM search_backfill) OR NEW.rowid < (SELECT next FROM search_backfill)
BEGIN
    INSERT INTO message_search (rowid, body) VALUES (NEW.rowid, searchable_text(NEW.content));
END;
CREATE TRIGGER search_after_update AFTER UPDATE OF content ON messages
WHEN OLD.content IS NOT NEW.content
    AND (OLD.rowid > (SELECT last FROM search_backfill) OR OLD.rowid < (SELECT next FROM search_backfill))
BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        VALUES ('delete', OLD.rowid, searchable_text(OLD.content));
    INSERT INTO message_search (rowid, body) VALUES (NEW.rowid, searchable_text(NEW.content));
END;
CREATE TRIGGER search_after_delete AFTER DELETE ON messages
WHEN OLD.rowid > (SELECT last FROM search_backfill) OR OLD.rowid < (SELECT next FROM search_backfill)
BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        VALUES ('delete', OLD.rowid, searchable_text(OLD.content));
END;
";

/// Registers `searchable_text(content)` on a connection: the view, the triggers and the
/// snippets call it, so every connection that writes messages needs it.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "searchable_text",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let content: Option<String> = ctx.get(0)?;
            Ok(content.map(|json| searchable_text(&super::codec::content_from_json(&json))))
        },
    )
}

/// The words of a message as the index sees them: its text, caption, place name or summary,
/// control characters blanked (the snippet markers stay unambiguous) and a space between the
/// characters of scripts written without spaces.
pub fn searchable_text(content: &Content) -> String {
    let text = match content {
        Content::Text(text) => text.as_str(),
        Content::Media { caption, .. } => caption.as_deref().unwrap_or_default(),
        Content::Location { label, .. } => label.as_deref().unwrap_or_default(),
        Content::Other { summary, .. } => summary.as_str(),
    };
    spaced(text)
}

/// `text` with control characters as spaces and each unspaced-script character on its own.
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_unspaced = false;
    for c in text.chars() {
        let unspaced = is_unspaced_script(c);
        if unspaced && previous_unspaced {
            out.push(' ');
        }
        out.push(if c.is_control() { ' ' } else { c });
        previous_unspaced = unspaced;
    }
    out
}

/// Han, kana and Hangul: scripts whose words are not separated by spaces.
fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // CJK Compatibility Ideographs
        | '\u{FF66}'..='\u{FF9F}' // Halfwidth Katakana
        | '\u{20000}'..='\u{2FA1F}')
}

/// Undoes [`spaced`] in a snippet: the spaces put between unspaced-script characters go
/// (markers between them are kept).
fn unspaced(snippet: &str) -> String {
    let chars: Vec<char> = snippet.chars().collect();
    let neighbour = |from: usize, step: isize| {
        let mut at = from as isize + step;
        while at >= 0 && (at as usize) < chars.len() {
            let c = chars[at as usize];
            if c != HIT_START && c != HIT_END {
                return Some(c);
            }
            at += step;
        }
        None
    };
    chars
        .iter()
        .enumerate()
        .filter(|&(at, &c)| {
            !(c == ' '
                && neighbour(at, -1).is_some_and(is_unspaced_script)
                && neighbour(at, 1).is_some_and(is_unspaced_script))
        })
        .map(|(_, &c)| c)
        .collect()
}

/// How far the index has come over messages stored before it existed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backfill {
    pub done: u64,
    pub total: u64,
}

impl Backfill {
    pub fn complete(&self) -> bool {
        self.done >= self.total
    }
}

/// Where the backfill stands.
pub fn backfill_state(conn: &Connection) -> rusqlite::Result<Backfill> {
    conn.query_row("SELECT next, last FROM search_backfill", [], |row| {
        let (next, last): (i64, i64) = (row.get(0)?, row.get(1)?);
        Ok(Backfill {
            done: (next - 1).clamp(0, last.max(0)) as u64,
            total: last.max(0) as u64,
        })
    })
}

/// Indexes the next `rows` older messages, in one transaction; answers where it then stands.
pub fn backfill_step(conn: &mut Connection, rows: u32) -> rusqlite::Result<Backfill> {
    let tx = conn.transaction()?;
    let (next, last): (i64, i64) =
        tx.query_row("SELECT next, last FROM search_backfill", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    if next <= last {
        let end: i64 = tx
            .query_row(
                "SELECT rowid FROM messages WHERE rowid >= ?1 AND rowid <= ?2
                 ORDER BY rowid LIMIT 1 OFFSET ?3",
                rusqlite::params![next, last, rows.saturating_sub(1)],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(last);
        tx.execute(
            "INSERT INTO message_search (rowid, body)
             SELECT rowid, searchable_text(content) FROM messages
             WHERE rowid >= ?1 AND rowid <= ?2",
            [next, end],
        )?;
        tx.execute("UPDATE search_backfill SET next = ?1", [end + 1])?;
    }
    tx.commit()?;
    backfill_state(conn)
}

/// The FTS5 expression of the query's words: every term a quoted string (so nothing typed is
/// read as syntax), prefixes starred, exclusions after `NOT`. `None`: no word to find.
pub fn match_expression(terms: &[Term]) -> Option<String> {
    let quoted = |term: &Term| {
        let text = spaced(&term.text).replace('"', "\"\"");
        format!("\"{text}\"{}", if term.prefix { "*" } else { "" })
    };
    let found: Vec<String> = terms.iter().filter(|t| !t.excluded).map(quoted).collect();
    if found.is_empty() {
        return None;
    }
    let mut expression = found.join(" ");
    for term in terms.iter().filter(|t| t.excluded) {
        expression = format!("({expression}) NOT {}", quoted(term));
    }
    Some(expression)
}

/// The newest hits of `query`, at most `limit` (newest stored first); with no words, the
/// conversations the filters select, each by its newest message.
pub fn search(
    conn: &Connection,
    query: &SearchQuery,
    limit: usize,
) -> rusqlite::Result<Vec<SearchHit>> {
    let mut params: Vec<Value> = Vec::new();
    let Some(expression) = match_expression(&query.terms) else {
        return by_filters(conn, query, limit);
    };
    params.push(Value::Text(expression));
    let columns = Columns {
        direction: "m.direction",
        at: "m.at_ns",
    };
    let mut conditions = vec!["message_search MATCH ?".to_string()];
    filters(query, &columns, &mut conditions, &mut params);
    if let Some(key) = &query.conversation {
        conditions.push("m.account = ? AND m.conversation = ?".to_string());
        params.push(Value::Text(key.account.0.clone()));
        params.push(Value::Text(key.id.clone()));
    }
    let join_conversations = if query.has_filters() {
        "JOIN conversations c ON c.account = m.account AND c.id = m.conversation"
    } else {
        ""
    };
    params.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT m.account, m.conversation, m.id, m.direction, m.sender, m.at_ns,
                snippet(message_search, 0, char(2), char(3), '…', 16)
         FROM message_search JOIN messages m ON m.rowid = message_search.rowid
         {join_conversations}
         WHERE {}
         ORDER BY message_search.rowid DESC LIMIT ?",
        conditions.join(" AND ")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(params), |row| {
        hit(row, |snippet| unspaced(&snippet))
    })?;
    rows.collect()
}

/// Filters alone: each selected conversation by its newest message, newest first.
fn by_filters(
    conn: &Connection,
    query: &SearchQuery,
    limit: usize,
) -> rusqlite::Result<Vec<SearchHit>> {
    if !query.has_filters() {
        return Ok(Vec::new());
    }
    let mut params = Vec::new();
    let columns = Columns {
        direction: "c.newest_direction",
        at: "c.newest_at_ns",
    };
    let mut conditions = vec!["c.newest_id IS NOT NULL".to_string()];
    filters(query, &columns, &mut conditions, &mut params);
    params.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT c.account, c.id, c.newest_id, c.newest_direction, c.newest_sender, c.newest_at_ns,
                searchable_text(c.newest_content)
         FROM conversations c WHERE {} ORDER BY c.newest_at_ns DESC LIMIT ?",
        conditions.join(" AND ")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(params), |row| {
        hit(row, |text| crate::text::clip_words(&unspaced(&text), 120))
    })?;
    rows.collect()
}

fn hit(row: &rusqlite::Row<'_>, snippet: impl Fn(String) -> String) -> rusqlite::Result<SearchHit> {
    let account: String = row.get(0)?;
    let raw: Option<String> = row.get(6)?;
    Ok(SearchHit {
        key: ConversationKey::new(&AccountId::new(account), row.get::<_, String>(1)?),
        message_id: row.get(2)?,
        direction: direction_from(&row.get::<_, String>(3)?),
        sender: crate::text::sanitize_line(&row.get::<_, String>(4)?),
        at: ns_to_time(row.get(5)?),
        snippet: safe_snippet(&snippet(raw.unwrap_or_default())),
    })
}

/// Each run of the snippet made safe to draw, the markers kept.
fn safe_snippet(snippet: &str) -> String {
    crate::contract::search::snippet_runs(snippet)
        .into_iter()
        .map(|(text, matched)| {
            let text = crate::text::sanitize_line(text);
            if matched {
                format!("{HIT_START}{text}{HIT_END}")
            } else {
                text
            }
        })
        .collect()
}

/// The columns filters read of the message (a message's, or a conversation's newest).
struct Columns {
    direction: &'static str,
    at: &'static str,
}

fn filters(query: &SearchQuery, columns: &Columns, out: &mut Vec<String>, params: &mut Vec<Value>) {
    let text = |value: &str| Value::Text(value.to_string());
    if let Some(direction) = query.from {
        out.push(format!("{} = ?", columns.direction));
        params.push(text(super::codec::direction_name(direction)));
    }
    if let Some(after) = query.after {
        out.push(format!("{} >= ?", columns.at));
        params.push(Value::Integer(time_to_ns(after)));
    }
    if let Some(before) = query.before {
        out.push(format!("{} < ?", columns.at));
        params.push(Value::Integer(time_to_ns(before)));
    }
    let any_prefix =
        |column: &str, values: &[String], out: &mut Vec<String>, params: &mut Vec<Value>| {
            if values.is_empty() {
                return;
            }
            let each = vec![format!("instr(lower({column}), ?) = 1"); values.len()];
            out.push(format!("({})", each.join(" OR ")));
            params.extend(values.iter().map(|v| text(&v.to_lowercase())));
        };
    any_prefix("c.channel", &query.channels, out, params);
    any_prefix("c.account", &query.accounts, out, params);
    if !query.statuses.is_empty() {
        let each: Vec<String> = query
            .statuses
            .iter()
            .map(|status| match status {
                ConversationStatus::Snoozed => {
                    "(c.status = 'snoozed' OR c.snooze IS NOT NULL)".to_string()
                }
                status => format!("(c.status = '{}' AND c.snooze IS NULL)", status.label()),
            })
            .collect();
        out.push(format!("({})", each.join(" OR ")));
    }
    if query.unread {
        out.push("c.unread > 0".to_string());
    }
    if query.mine {
        if query.me.is_empty() {
            out.push("0".to_string());
        } else {
            let each =
                vec!["(c.account = ? AND json_extract(c.work, '$.assignee') = ?)"; query.me.len()];
            out.push(format!("({})", each.join(" OR ")));
            for (account, agent) in &query.me {
                params.push(text(account));
                params.push(text(agent));
            }
        }
    }
    for label in &query.labels {
        out.push(
            "EXISTS (SELECT 1 FROM json_each(c.work, '$.labels') WHERE lower(value) = ?)"
                .to_string(),
        );
        params.push(text(label));
    }
    if let Some(priority) = query.priority {
        if priority == Priority::None {
            out.push("coalesce(json_extract(c.work, '$.priority'), 'none') = 'none'".to_string());
        } else {
            out.push("json_extract(c.work, '$.priority') = ?".to_string());
            params.push(text(priority.label()));
        }
    }
}

#[cfg(test)]
#[path = "search_tests.rs"]
pub(super) mod tests;
