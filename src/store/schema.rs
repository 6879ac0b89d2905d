//! The store's schema and its migrations, numbered by SQLite's `user_version`. A file written by
//! an older release is brought up to date when it is opened; each step runs once, in a
//! transaction.

use rusqlite::Connection;

/// The tables as first released (version 0).
const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS conversations (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_identity TEXT NOT NULL,
    status TEXT NOT NULL,
    platform_unread INTEGER NOT NULL,
    unread INTEGER NOT NULL,
    last_message_at INTEGER,
    last_message TEXT,
    metadata TEXT NOT NULL,
    history_complete INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE TABLE IF NOT EXISTS messages (
    account TEXT NOT NULL,
    conversation TEXT NOT NULL,
    id TEXT NOT NULL,
    client_id TEXT,
    direction TEXT NOT NULL,
    sender TEXT NOT NULL,
    content TEXT NOT NULL,
    at_ns INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_rank INTEGER NOT NULL,
    failure TEXT,
    PRIMARY KEY (account, conversation, id)
);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(account, conversation, at_ns, id);
CREATE TABLE IF NOT EXISTS read_markers (
    account TEXT NOT NULL,
    conversation TEXT NOT NULL,
    message_id TEXT,
    read_at_ns INTEGER NOT NULL,
    PRIMARY KEY (account, conversation)
);
CREATE TABLE IF NOT EXISTS cursors (
    account TEXT NOT NULL,
    conversation TEXT NOT NULL,
    at_ns INTEGER NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (account, conversation)
);
CREATE TABLE IF NOT EXISTS outbox (
    client_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    conversation TEXT NOT NULL,
    text TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    failed_reason TEXT
);
"#;

/// The columns a conversation row keeps of its newest message (version 1), in the order of
/// [`super::db`]'s message columns.
pub(super) const NEWEST_COLUMNS: &str = "newest_id, newest_client_id, newest_direction, newest_sender, \
     newest_content, newest_at_ns, newest_status, newest_failure";

/// Migration `n` brings a file from version `n` to `n + 1`.
fn migrations() -> [String; 6] {
    [
        newest_message(),
        DRAFTS.to_string(),
        SNOOZE.to_string(),
        WORK.to_string(),
        super::search::SCHEMA.to_string(),
        start_order(),
    ]
}

/// When a conversation was last active as the list sorts it: its newest message that is not a
/// private note, or the platform's last-message time, whichever is later (nanoseconds; 0 when
/// neither is known).
pub(super) const ACTIVITY: &str = "max(coalesce(last_message_at, 0), \
     CASE WHEN newest_direction = 'note' THEN 0 ELSE coalesce(newest_at_ns, 0) END)";

/// What the conversation row `row` (`NEW` or `OLD`) adds to its channel's unread count:
/// nothing while snoozed.
fn counted_unread(row: &str) -> String {
    format!(
        "CASE WHEN {row}.snooze IS NULL AND {row}.status <> 'snoozed' THEN {row}.unread ELSE 0 END"
    )
}

/// Version 6: the start reads the conversations in the list's order, newest activity first,
/// a part at a time (an index of the order, so the first part costs the same at any size),
/// and the channel counts from a table of them kept by triggers (a pass over the rows was
/// 12–18 ms at 100,000 conversations).
fn start_order() -> String {
    let (new, old) = (counted_unread("NEW"), counted_unread("OLD"));
    let add = format!(
        "INSERT INTO channel_totals (channel, conversations, unread) VALUES (NEW.channel, 1, {new})
         ON CONFLICT (channel) DO UPDATE SET conversations = conversations + 1,
             unread = unread + excluded.unread;"
    );
    let remove = format!(
        "UPDATE channel_totals SET conversations = conversations - 1, unread = unread - {old}
         WHERE channel = OLD.channel;"
    );
    let counted = "CASE WHEN snooze IS NULL AND status <> 'snoozed' THEN unread ELSE 0 END";
    format!(
        "CREATE INDEX conversations_by_activity ON conversations((-{ACTIVITY}), account, id);
         CREATE TABLE channel_totals (
             channel TEXT PRIMARY KEY,
             conversations INTEGER NOT NULL,
             unread INTEGER NOT NULL
         );
         INSERT INTO channel_totals SELECT channel, COUNT(*), SUM({counted})
             FROM conversations GROUP BY channel;
         CREATE TRIGGER channel_totals_after_insert AFTER INSERT ON conversations BEGIN
             {add}
         END;
         CREATE TRIGGER channel_totals_after_delete AFTER DELETE ON conversations BEGIN
             {remove}
         END;
         CREATE TRIGGER channel_totals_after_update
         AFTER UPDATE OF channel, unread, snooze, status ON conversations BEGIN
             {remove}
             {add}
         END;"
    )
}

/// Version 4: who has the conversation, its labels and priority (JSON, see `codec`): the
/// platform's copy, or this machine's own where the platform keeps none.
const WORK: &str = "ALTER TABLE conversations ADD COLUMN work TEXT;";

/// Version 3: a snoozed conversation's end: `reply` (the customer's next message) or the time
/// in nanoseconds.
const SNOOZE: &str = "ALTER TABLE conversations ADD COLUMN snooze TEXT;";

/// Version 2: the unsent draft of each conversation, so a restart (or a crash) loses none.
const DRAFTS: &str = "CREATE TABLE drafts (
    account TEXT NOT NULL,
    conversation TEXT NOT NULL,
    text TEXT NOT NULL,
    note INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, conversation)
);";

/// Version 1: each conversation row carries a copy of its newest message, kept by triggers, so
/// the start reads one row per conversation instead of seeking the newest message of each in
/// the messages index (10,000 seeks were 60 ms of the first frame at a million messages).
/// Triggers rather than code: every path that adds, changes or removes a message (upserts, the
/// echo a server copy replaces, deletions, discards) keeps the copy right without knowing of it.
fn newest_message() -> String {
    // The newest message of a conversation, given the SQL of its account and id.
    let newest = |account: &str, id: &str| {
        format!(
            "SELECT id, client_id, direction, sender, content, at_ns, status, failure
             FROM messages WHERE account = {account} AND conversation = {id}
             ORDER BY at_ns DESC, id DESC LIMIT 1"
        )
    };
    let set = |account: &str, id: &str| {
        format!(
            "UPDATE conversations SET ({NEWEST_COLUMNS}) = ({})
             WHERE account = {account} AND id = {id}",
            newest(account, id)
        )
    };
    let columns: String = NEWEST_COLUMNS
        .split(", ")
        .map(|column| {
            let kind = if column == "newest_at_ns" {
                "INTEGER"
            } else {
                "TEXT"
            };
            format!("ALTER TABLE conversations ADD COLUMN {column} {kind};\n")
        })
        .collect();
    format!(
        "{columns}
        CREATE TRIGGER newest_after_message_insert AFTER INSERT ON messages BEGIN
            {} AND (newest_at_ns IS NULL OR (NEW.at_ns, NEW.id) >= (newest_at_ns, newest_id));
        END;
        CREATE TRIGGER newest_after_message_update AFTER UPDATE ON messages BEGIN
            {} AND (newest_at_ns IS NULL OR newest_id = OLD.id
                    OR (NEW.at_ns, NEW.id) >= (newest_at_ns, newest_id));
        END;
        CREATE TRIGGER newest_after_message_delete AFTER DELETE ON messages BEGIN
            {} AND newest_id = OLD.id;
        END;
        CREATE TRIGGER newest_after_conversation_insert AFTER INSERT ON conversations BEGIN
            {};
        END;
        {};",
        set("NEW.account", "NEW.conversation"),
        set("NEW.account", "NEW.conversation"),
        set("OLD.account", "OLD.conversation"),
        set("NEW.account", "NEW.id"),
        set("conversations.account", "conversations.id"),
    )
}

/// Creates the tables of a new file and brings an older one up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TABLES)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (step, sql) in (0_i64..).zip(migrations()).skip(version.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(&sql)?;
        tx.pragma_update(None, "user_version", step + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    /// Takes a file back to before [`super::start_order`].
    pub(in crate::store) const DOWNGRADE: &str =
        "DROP INDEX conversations_by_activity; DROP TRIGGER channel_totals_after_insert;
         DROP TRIGGER channel_totals_after_delete; DROP TRIGGER channel_totals_after_update;
         DROP TABLE channel_totals;";
}
