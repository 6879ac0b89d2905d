//! The hub's team: its agents, and who has each conversation, its tags and its priority. The
//! SDK contract has `assignedTo`, `tags` and `POST /conversations/{id}/assign`; the agent list
//! and `priority` are the hub's own additions, which SDK clients ignore.

use rusqlite::{Connection, params};

use super::store::{Store, StoreError, StoreResult};
use crate::protocol::linktor::WireAgent;

/// The priorities the hub keeps (`null` is none).
pub const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// A change to who has a conversation, its tags or priority; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkChange {
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` clears it.
    pub priority: Option<Option<String>>,
    /// With a `snoozed` status: until when (nanoseconds).
    pub snoozed_until_ns: Option<i64>,
}

impl WorkChange {
    /// Nothing for [`Store::set_work`] (who has it, tags, priority) to change.
    pub fn is_empty(&self) -> bool {
        self.assignee.is_none() && self.tags.is_none() && self.priority.is_none()
    }
}

/// A hub database made before the team existed gets its columns.
pub(super) fn add_missing_columns(conn: &Connection) -> rusqlite::Result<()> {
    let mut statement = conn.prepare("SELECT name FROM pragma_table_info('conversations')")?;
    let columns = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if !columns.iter().any(|c| c == "tags") {
        conn.execute_batch("ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")?;
    }
    if !columns.iter().any(|c| c == "priority") {
        conn.execute_batch("ALTER TABLE conversations ADD COLUMN priority TEXT")?;
    }
    if !columns.iter().any(|c| c == "snoozed_until_ns") {
        conn.execute_batch("ALTER TABLE conversations ADD COLUMN snoozed_until_ns INTEGER")?;
    }
    Ok(())
}

/// The `tags` column (a JSON array); anything unreadable is no tags.
pub(super) fn tags_from(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl Store {
    pub fn agents(&self) -> StoreResult<Vec<WireAgent>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare("SELECT id, name, email FROM agents ORDER BY name, id")?;
        let agents = statement
            .query_map([], |row| {
                Ok(WireAgent {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    email: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(agents)
    }

    /// Adds an agent, or renames one.
    pub fn upsert_agent(&self, agent: &WireAgent) -> StoreResult<()> {
        self.conn()?.execute(
            "INSERT INTO agents (id, name, email) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                email = COALESCE(excluded.email, agents.email)",
            params![agent.id, agent.name, agent.email],
        )?;
        Ok(())
    }

    pub fn set_work(&self, id: &str, change: &WorkChange, at_ns: i64) -> StoreResult<()> {
        let conn = self.conn()?;
        let tags = change
            .tags
            .as_ref()
            .map(|tags| serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_string()));
        let changed = conn.execute(
            "UPDATE conversations SET
                assigned_to = CASE WHEN ?1 THEN ?2 ELSE assigned_to END,
                tags = COALESCE(?3, tags),
                priority = CASE WHEN ?4 THEN ?5 ELSE priority END,
                updated_ns = ?6
             WHERE id = ?7",
            params![
                change.assignee.is_some(),
                change.assignee.clone().flatten(),
                tags,
                change.priority.is_some(),
                change.priority.clone().flatten(),
                at_ns,
                id
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_changes_only_what_they_name_and_old_databases_gain_the_columns() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().join("hub.sqlite3");
        {
            // A hub file from before the team: no tags, no priority, no agents.
            let conn = Connection::open(&path).expect("test setup");
            conn.execute_batch(
                "CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT, channel_type TEXT NOT NULL,
                    identifier TEXT NOT NULL, created_ns INTEGER NOT NULL,
                    UNIQUE (channel_type, identifier));
                 CREATE TABLE conversations (id TEXT PRIMARY KEY, channel_type TEXT NOT NULL,
                    contact_id TEXT NOT NULL REFERENCES contacts(id), status TEXT NOT NULL,
                    assigned_to TEXT, last_message_ns INTEGER, created_ns INTEGER NOT NULL,
                    updated_ns INTEGER NOT NULL);
                 INSERT INTO contacts VALUES ('k1', 'Ana', 'whatsapp', '+1', 1);
                 INSERT INTO conversations VALUES ('c1', 'whatsapp', 'k1', 'open', NULL, NULL, 1, 1);",
            )
            .expect("test setup");
        }
        let store = Store::open(Some(&path)).expect("test setup");
        let before = store.conversation("c1").expect("test setup");
        assert!(before.tags.is_empty() && before.priority.is_none());

        let assign = WorkChange {
            assignee: Some(Some("u1".into())),
            ..WorkChange::default()
        };
        store.set_work("c1", &assign, 2).expect("test setup");
        let tag = WorkChange {
            tags: Some(vec!["vip".into()]),
            priority: Some(Some("urgent".into())),
            ..WorkChange::default()
        };
        store.set_work("c1", &tag, 3).expect("test setup");
        let after = store.conversation("c1").expect("test setup");
        assert_eq!(after.assigned_to.as_deref(), Some("u1"));
        assert_eq!(after.tags, ["vip"]);
        assert_eq!(after.priority.as_deref(), Some("urgent"));

        let unassign = WorkChange {
            assignee: Some(None),
            priority: Some(None),
            ..WorkChange::default()
        };
        store.set_work("c1", &unassign, 4).expect("test setup");
        let cleared = store.conversation("c1").expect("test setup");
        assert_eq!(cleared.assigned_to, None);
        assert_eq!(cleared.priority, None);
        assert_eq!(cleared.tags, ["vip"], "tags were not named, so they stay");
        assert!(matches!(
            store.set_work("nope", &assign, 5),
            Err(StoreError::NotFound)
        ));

        store
            .upsert_agent(&WireAgent {
                id: "u1".into(),
                name: "Maya".into(),
                email: None,
            })
            .expect("test setup");
        store
            .upsert_agent(&WireAgent {
                id: "u1".into(),
                name: "Maya R.".into(),
                email: None,
            })
            .expect("test setup");
        assert_eq!(store.agents().expect("test setup").len(), 1);
        assert_eq!(store.agents().expect("test setup")[0].name, "Maya R.");
    }
}
