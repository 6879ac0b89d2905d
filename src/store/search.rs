//! Full-text search over every stored message: an SQLite FTS5 index whose text is read through
//! a view of the messages table (the text is not stored twice).
//!
//! The index trails the messages table: it covers the messages below a rowid mark, and the
//! store actor indexes the rest a slice at a time whenever it has nothing else to do
//! ([`catch_up_step`]), and all of it before it runs a search. So writing messages costs
//! what it did without an index, a store written before the index existed is indexed the same
//! way, and a search still sees every message. Messages under the mark that change or go are
//! changed in the index with them ([`Change`]).
//!
//! Words are folded by FTS5's `unicode61` tokenizer (case and accents). No stemmer: FTS5's
//! Porter stemmer stems a prefix query's word too, so `generat*` would miss "generated"
//! (stored as `gener`); `refund*` finds the word's forms instead. Scripts written without
//! spaces (Chinese, Japanese, Korean) would be one token per sentence, so [`searchable_text`]
//! puts a space between their characters, and a query in them becomes a phrase of characters:
//! any run of them is found, like a substring.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::codec::{direction_from, ns_to_time, time_to_ns};
use crate::contract::search::{HIT_END, HIT_START, SearchHit, SearchQuery, Term};
use crate::model::{AccountId, Content, ConversationKey, ConversationStatus, Priority};

/// Version 5 of the schema: the index, the view it reads, and the mark below which it covers
/// the messages (the first rowid not indexed yet). Besides the words, each message is indexed
/// under its month (`period`, see [`period`]), so a search between two dates reads the
/// months' lists instead of every match of its words.
pub(super) const SCHEMA: &str = "
CREATE VIEW message_text (rid, body, period) AS
    SELECT rowid, searchable_text(content), search_period(at_ns) FROM messages;
CREATE VIRTUAL TABLE message_search USING fts5(
    body, period, content = 'message_text', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2', columnsize = 0
);
CREATE TABLE search_mark (next INTEGER NOT NULL);
INSERT INTO search_mark VALUES (1);
";

/// Which messages the index covers: those below the mark.
#[derive(Clone, Copy, Debug)]
pub struct Coverage {
    next: i64,
}

impl Coverage {
    fn covers(self, rowid: i64) -> bool {
        rowid < self.next
    }
}

pub fn coverage(conn: &Connection) -> rusqlite::Result<Coverage> {
    conn.query_row("SELECT next FROM search_mark", [], |row| {
        Ok(Coverage { next: row.get(0)? })
    })
}

/// A change to the index, collected while a batch is written and applied at its end.
///
/// Why not at once: a message upsert runs the `newest_*` triggers, so SQLite opens a statement
/// savepoint for it, and FTS5 writes its pending words to disk at every savepoint: indexing
/// each message as it was written made one tiny index segment per message (28 k messages a
/// second instead of 80 k). After the batch's last upsert, the words of the whole batch go
/// to disk once.
#[derive(Debug)]
pub(super) enum Change {
    /// A message's words and month, under its rowid.
    Add(i64, String, String),
    /// A message's words as stored (JSON) and its time, out from under its rowid.
    Remove(i64, String, i64),
}

impl Coverage {
    /// Notes that the message at `rowid` now says `content`, at `at_ns`.
    pub(super) fn add(self, changes: &mut Vec<Change>, rowid: i64, content: &Content, at_ns: i64) {
        if self.covers(rowid) {
            changes.push(Change::Add(rowid, searchable_text(content), period(at_ns)));
        }
    }

    /// Notes that the message at `rowid`, stored as `stored` at `at_ns`, is gone or changed.
    pub(super) fn remove(self, changes: &mut Vec<Change>, rowid: i64, stored: &str, at_ns: i64) {
        if self.covers(rowid) {
            changes.push(Change::Remove(rowid, stored.to_string(), at_ns));
        }
    }
}

/// Applies the changes a batch collected, in order.
pub(super) fn apply(conn: &Connection, changes: &[Change]) -> rusqlite::Result<()> {
    for change in changes {
        match change {
            Change::Add(rowid, text, period) => conn
                .prepare_cached(
                    "INSERT INTO message_search (rowid, body, period) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![rowid, text, period])?,
            Change::Remove(rowid, stored, at_ns) => conn
                .prepare_cached(
                    "INSERT INTO message_search (message_search, rowid, body, period)
                     VALUES ('delete', ?1, searchable_text(?2), search_period(?3))",
                )?
                .execute(rusqlite::params![rowid, stored, at_ns])?,
        };
    }
    Ok(())
}

/// Registers `searchable_text(content)` on a connection: the view, the triggers and the
/// snippets call it, so every connection that writes messages needs it.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "search_period",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<i64>>(0)?.map(period)),
    )?;
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

/// The month of a time in nanoseconds, as the index keeps it: `m202603` (UTC).
pub fn period(at_ns: i64) -> String {
    let at = ns_to_time(at_ns);
    format!("m{:04}{:02}", at.year(), u8::from(at.month()))
}

/// The months from `after` to `before` (exclusive) as an FTS5 condition on `period`, when
/// they are few enough to be worth reading instead of the words' matches.
fn period_condition(after: Option<i64>, before: Option<i64>) -> Option<String> {
    const MOST_MONTHS: usize = 36;
    let (first, last) = (ns_to_time(after?), ns_to_time(before? - 1));
    let mut months = Vec::new();
    let (mut year, mut month) = (first.year(), u8::from(first.month()));
    while (year, month) <= (last.year(), u8::from(last.month())) {
        if months.len() == MOST_MONTHS {
            return None;
        }
        months.push(format!("period : \"m{year:04}{month:02}\""));
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    (!months.is_empty()).then(|| format!("({})", months.join(" OR ")))
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

/// How far the index has come: messages (by rowid) indexed, of all there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backlog {
    pub done: u64,
    pub total: u64,
}

impl Backlog {
    pub fn complete(&self) -> bool {
        self.done >= self.total
    }

    /// Messages not indexed yet.
    pub fn left(&self) -> u64 {
        self.total.saturating_sub(self.done)
    }
}

/// Where the index stands against the messages.
pub fn backlog(conn: &Connection) -> rusqlite::Result<Backlog> {
    let next: i64 = conn.query_row("SELECT next FROM search_mark", [], |row| row.get(0))?;
    let last: i64 = conn.query_row("SELECT coalesce(max(rowid), 0) FROM messages", [], |row| {
        row.get(0)
    })?;
    Ok(Backlog {
        done: (next - 1).clamp(0, last.max(0)) as u64,
        total: last.max(0) as u64,
    })
}

/// Indexes the next `rows` messages past the mark, in one transaction (one statement, so FTS5
/// writes them as one segment); answers where the index then stands.
pub fn catch_up_step(conn: &mut Connection, rows: u32) -> rusqlite::Result<Backlog> {
    let tx = conn.transaction()?;
    let next: i64 = tx.query_row("SELECT next FROM search_mark", [], |row| row.get(0))?;
    let end: Option<i64> = tx
        .query_row(
            "SELECT max(rowid) FROM (SELECT rowid FROM messages WHERE rowid >= ?1
             ORDER BY rowid LIMIT ?2)",
            rusqlite::params![next, rows.max(1)],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    if let Some(end) = end {
        tx.execute(
            "INSERT INTO message_search (rowid, body, period)
             SELECT rowid, searchable_text(content), search_period(at_ns) FROM messages
             WHERE rowid >= ?1 AND rowid <= ?2",
            [next, end],
        )?;
        tx.execute("UPDATE search_mark SET next = ?1", [end + 1])?;
    }
    tx.commit()?;
    backlog(conn)
}

/// The FTS5 expression of the query's words: every term a quoted string (so nothing typed is
/// read as syntax), prefixes starred, exclusions after `NOT`. `None`: no word to find.
pub fn match_expression(terms: &[Term]) -> Option<String> {
    let quoted = |term: &Term| {
        let text = spaced(&term.text).replace('"', "\"\"");
        format!("body : \"{text}\"{}", if term.prefix { "*" } else { "" })
    };
    let found: Vec<String> = terms.iter().filter(|t| !t.excluded).map(quoted).collect();
    if found.is_empty() {
        return None;
    }
    // `a NOT b NOT c` reads left to right: flat, however many words are left out.
    let mut expression = format!("({})", found.join(" "));
    for term in terms.iter().filter(|t| t.excluded) {
        expression.push_str(" NOT ");
        expression.push_str(&quoted(term));
    }
    Some(expression)
}

/// The newest hits of `query`, at most `limit`, newest first by time; with no words, the
/// conversations the filters select, each by its newest message.
pub fn search(
    conn: &Connection,
    query: &SearchQuery,
    limit: usize,
) -> rusqlite::Result<Vec<SearchHit>> {
    let Some(statement) = statement(query, limit) else {
        return Ok(Vec::new());
    };
    let Some(page) = &statement.page else {
        let mut prepared = conn.prepare_cached(&statement.sql)?;
        let rows = prepared.query_map(params_from_iter(statement.params), |row| {
            hit(row, |text| crate::text::clip_words(&unspaced(&text), 120))
        })?;
        return rows.collect();
    };
    let mut candidates = conn
        .prepare_cached(&statement.sql)?
        .query_map(params_from_iter(&statement.params), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    candidates.sort_by(|a, b| (b.1, &b.2).cmp(&(a.1, &a.2)));
    candidates.truncate(limit);
    let mut wanted: std::collections::HashSet<i64> = candidates.iter().map(|c| c.0).collect();
    // Most often the newest by time are the newest stored: one pass reads them with their
    // snippets; any other is read on its own.
    let mut hits = Vec::with_capacity(wanted.len());
    let mut newest = conn.prepare_cached(&page.newest)?;
    let mut rows = newest.query(params_from_iter(
        statement.params[..statement.params.len() - 1]
            .iter()
            .chain(std::iter::once(&Value::Integer(limit as i64))),
    ))?;
    while let Some(row) = rows.next()? {
        if wanted.remove(&row.get::<_, i64>(7)?) {
            hits.push(hit(row, |text| unspaced(&text))?);
        }
    }
    let mut one = conn.prepare_cached(&page.one)?;
    for rowid in wanted {
        let found = one
            .query_row(rusqlite::params![statement.expression, rowid], |row| {
                hit(row, |text| unspaced(&text))
            })
            .optional()?;
        hits.extend(found);
    }
    hits.sort_by(|a, b| (b.at, &b.message_id).cmp(&(a.at, &a.message_id)));
    Ok(hits)
}

/// The SQL a query runs.
///
/// With words: `sql` lists the candidates (rowid, time, id), the newest stored first (a walk
/// of the index backwards, however common the words). The page is the newest candidates by
/// time: stored order follows time but for history read late, which this puts back in place
/// unless a query has more than [`CANDIDATES_PER_HIT`] times a page of matches. Snippets, the
/// costly part, are made for the page only: `page.newest` reads the newest stored hits with
/// theirs (with the candidates' parameters, its limit last), `page.one` one hit by
/// `(expression, rowid)`.
///
/// With filters alone, `sql` reads the page: account, conversation, message id, direction,
/// sender, time and text.
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
    pub page: Option<PageSql>,
    /// The FTS5 expression of the words.
    pub expression: String,
}

/// How the hits of a page are read with their snippets (see [`Statement`]).
pub struct PageSql {
    pub newest: String,
    pub one: String,
}

/// The statement of `query`; `None`: nothing to search for.
pub fn statement(query: &SearchQuery, limit: usize) -> Option<Statement> {
    let Some(mut expression) = match_expression(&query.terms) else {
        return by_filters(query, limit);
    };
    if let Some(months) =
        period_condition(query.after.map(time_to_ns), query.before.map(time_to_ns))
    {
        expression = format!("({expression}) AND {months}");
    }
    let mut params = vec![Value::Text(expression.clone())];
    let columns = Columns {
        direction: "m.direction",
        at: "m.at_ns",
    };
    let mut conditions = vec!["message_search MATCH ?".to_string()];
    filters(query, &columns, &mut conditions, &mut params);
    if let Some(key) = &query.conversation {
        conditions.push("m.account = ? AND m.conversation = ?".to_string());
        // The index is walked from the newest stored match back: for a conversation whose
        // messages lie far back, past every newer match first (a common word took 10 s in a
        // million-message store). The rowids of its messages bound the walk (75 ms there).
        conditions.push(
            "message_search.rowid >= (SELECT min(rowid) FROM messages
                 WHERE account = ? AND conversation = ?)
             AND message_search.rowid <= (SELECT max(rowid) FROM messages
                 WHERE account = ? AND conversation = ?)"
                .to_string(),
        );
        for _ in 0..3 {
            params.push(Value::Text(key.account.0.to_string()));
            params.push(Value::Text(key.id.to_string()));
        }
    }
    let join_conversations = if query.has_filters() {
        "JOIN conversations c ON c.account = m.account AND c.id = m.conversation"
    } else {
        ""
    };
    params.push(Value::Integer((limit * CANDIDATES_PER_HIT) as i64));
    let from = format!(
        "FROM message_search JOIN messages m ON m.rowid = message_search.rowid
         {join_conversations}
         WHERE {}
         ORDER BY message_search.rowid DESC LIMIT ?",
        conditions.join(" AND ")
    );
    const HIT_COLUMNS: &str = "m.account, m.conversation, m.id, m.direction, m.sender, m.at_ns,
        snippet(message_search, 0, char(2), char(3), '…', 16), message_search.rowid";
    Some(Statement {
        sql: format!("SELECT message_search.rowid, m.at_ns, m.id {from}"),
        params,
        page: Some(PageSql {
            newest: format!("SELECT {HIT_COLUMNS} {from}"),
            one: format!(
                "SELECT {HIT_COLUMNS}
                 FROM message_search JOIN messages m ON m.rowid = message_search.rowid
                 WHERE message_search MATCH ?1 AND message_search.rowid = ?2"
            ),
        }),
        expression,
    })
}

/// Candidates read from the index for each hit of the page.
pub const CANDIDATES_PER_HIT: usize = 10;

/// Filters alone: each selected conversation by its newest message, newest first.
fn by_filters(query: &SearchQuery, limit: usize) -> Option<Statement> {
    if !query.has_filters() {
        return None;
    }
    let mut params = Vec::new();
    let columns = Columns {
        direction: "c.newest_direction",
        at: "c.newest_at_ns",
    };
    let mut conditions = vec!["c.newest_id IS NOT NULL".to_string()];
    filters(query, &columns, &mut conditions, &mut params);
    if let Some(key) = &query.conversation {
        conditions.push("c.account = ? AND c.id = ?".to_string());
        params.push(Value::Text(key.account.0.to_string()));
        params.push(Value::Text(key.id.to_string()));
    }
    params.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT c.account, c.id, c.newest_id, c.newest_direction, c.newest_sender, c.newest_at_ns,
                searchable_text(c.newest_content)
         FROM conversations c WHERE {} ORDER BY c.newest_at_ns DESC LIMIT ?",
        conditions.join(" AND ")
    );
    Some(Statement {
        sql,
        params,
        page: None,
        expression: String::new(),
    })
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
