use time::macros::datetime;

use super::*;
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Timestamp,
};

fn key(id: &str) -> ConversationKey {
    ConversationKey::new(&AccountId::new("acct"), id)
}

fn conversation(id: &str) -> CachedConversation {
    CachedConversation {
        info: Conversation {
            key: key(id),
            channel: Channel::Telegram,
            contact: Contact {
                id: "k1".into(),
                name: "Ada".into(),
                identity: "@ada".into(),
            },
            status: ConversationStatus::Pending,
            unread: 2,
            last_message_at: Some(datetime!(2026-01-02 03:04:05 UTC)),
            last_message: Some("hi".into()),
            metadata: [("plan".to_string(), "gold".to_string())].into(),
            work: None,
        },
        snooze: None,
        history_complete: true,
    }
}

fn message(id: &str, at: Timestamp, status: DeliveryStatus) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction: Direction::Inbound,
        sender: "Ada".into(),
        content: Content::Text(format!("text {id}")),
        at,
        status,
        failure: None,
    }
}

fn entry(client_id: &str) -> (OutboxEntry, Message) {
    let at = datetime!(2026-01-02 04:00 UTC);
    let entry = OutboxEntry {
        key: key("c1"),
        client_id: client_id.into(),
        text: "on my way".into(),
        created_at: at,
        attempts: 0,
        state: OutboxState::Queued,
    };
    let echo = Message {
        id: client_id.into(),
        client_id: Some(client_id.into()),
        direction: Direction::Outbound,
        sender: "You".into(),
        content: Content::Text("on my way".into()),
        at,
        status: DeliveryStatus::Pending,
        failure: None,
    };
    (entry, echo)
}

#[test]
fn conversations_messages_and_outbox_round_trip_through_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inbox.sqlite3");
    let at = datetime!(2026-01-02 03:00 UTC);
    let (outbox, echo) = entry("s-1");
    {
        let mut db = Db::open(Some(&path)).expect("open");
        db.apply(&[
            StoreRequest::Conversations(vec![conversation("c1")]),
            StoreRequest::Messages {
                key: key("c1"),
                messages: vec![
                    message("m2", at, DeliveryStatus::Read),
                    message("m1", at, DeliveryStatus::Sent),
                ],
            },
            StoreRequest::Enqueue {
                entry: outbox.clone(),
                echo: echo.clone(),
            },
            StoreRequest::Cursor {
                key: key("c1"),
                at,
                id: "m1".into(),
            },
            StoreRequest::Cursor {
                key: key("c1"),
                at,
                id: "m2".into(),
            },
        ])
        .expect("apply");
    }
    let db = Db::open(Some(&path)).expect("reopen");
    let snapshot = load_all(&db).expect("load");
    assert_eq!(snapshot.conversations, vec![conversation("c1")]);
    let (loaded_key, newest) = &snapshot.messages[0];
    assert_eq!(loaded_key, &key("c1"));
    assert_eq!(
        newest,
        &vec![echo.clone()],
        "the start loads the newest message only"
    );
    let messages = db.page(&key("c1"), None, 10).expect("page");
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "s-1"], "thread order (at, id)");
    assert_eq!(messages[1], message("m2", at, DeliveryStatus::Read));
    assert_eq!(messages[2], echo);
    assert_eq!(snapshot.outbox, vec![outbox]);
    assert_eq!(
        snapshot.cursors,
        vec![(key("c1"), at, "m2".to_string())],
        "the latest cursor"
    );
}

#[test]
fn the_server_copy_replaces_the_echo_and_statuses_only_move_forward() {
    let mut db = Db::open(None).expect("open");
    let (outbox, echo) = entry("s-1");
    db.apply(&[StoreRequest::Enqueue {
        entry: outbox,
        echo: echo.clone(),
    }])
    .expect("enqueue");
    let server = Message {
        id: "srv-9".into(),
        status: DeliveryStatus::Delivered,
        ..echo.clone()
    };
    let stale = Message {
        status: DeliveryStatus::Sent,
        ..server.clone()
    };
    db.apply(&[
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![server.clone()],
        },
        StoreRequest::OutboxDone {
            client_id: "s-1".into(),
        },
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![stale],
        },
    ])
    .expect("apply");
    let snapshot = load_all(&db).expect("load");
    assert_eq!(db.page(&key("c1"), None, 10).expect("page"), vec![server]);
    assert!(snapshot.outbox.is_empty());
}

#[test]
fn a_status_for_a_message_not_in_memory_updates_the_stored_copy_forward_only() {
    let mut db = Db::open(None).expect("open");
    let at = datetime!(2026-01-02 04:00 UTC);
    let sent = Message {
        direction: Direction::Outbound,
        ..message("m1", at, DeliveryStatus::Sent)
    };
    let status = |status, failure: Option<&str>| StoreRequest::Status {
        key: key("c1"),
        id: "m1".into(),
        status,
        failure: failure.map(str::to_string),
    };
    db.apply(&[
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![sent.clone()],
        },
        status(DeliveryStatus::Read, None),
        status(DeliveryStatus::Delivered, None),
        // For a message the store has never seen: nothing to update, nothing made up.
        StoreRequest::Status {
            key: key("c1"),
            id: "m-unknown".into(),
            status: DeliveryStatus::Read,
            failure: None,
        },
    ])
    .expect("apply");
    let page = db.page(&key("c1"), None, 10).expect("page");
    assert_eq!(page.len(), 1);
    assert_eq!(
        page[0].status,
        DeliveryStatus::Read,
        "read, not back to delivered"
    );
    db.apply(&[status(
        DeliveryStatus::Failed,
        Some("blocked by the carrier"),
    )])
    .expect("apply");
    let page = db.page(&key("c1"), None, 10).expect("page");
    assert_eq!(page[0].failure.as_deref(), Some("blocked by the carrier"));
}

#[test]
fn failed_replies_keep_their_reason_and_discard_removes_them() {
    let mut db = Db::open(None).expect("open");
    let (outbox, echo) = entry("s-1");
    db.apply(&[
        StoreRequest::Enqueue {
            entry: outbox,
            echo,
        },
        StoreRequest::OutboxUpdate {
            client_id: "s-1".into(),
            attempts: 4,
            state: OutboxState::Failed("server error (503)".into()),
        },
    ])
    .expect("apply");
    let snapshot = load_all(&db).expect("load");
    assert_eq!(snapshot.outbox[0].attempts, 4);
    assert_eq!(
        snapshot.outbox[0].state,
        OutboxState::Failed("server error (503)".into())
    );
    db.apply(&[StoreRequest::Discard {
        key: key("c1"),
        client_id: "s-1".into(),
    }])
    .expect("discard");
    let snapshot = load_all(&db).expect("load");
    assert!(snapshot.outbox.is_empty());
    assert!(snapshot.messages.is_empty());
}

#[test]
fn a_long_thread_is_kept_whole_and_read_back_a_page_at_a_time() {
    let mut db = Db::open(None).expect("open");
    let base = datetime!(2026-01-01 00:00 UTC);
    let messages: Vec<Message> = (0..1_200)
        .map(|i| {
            message(
                &format!("m{i:05}"),
                base + time::Duration::seconds(i),
                DeliveryStatus::Read,
            )
        })
        .collect();
    db.apply(&[
        StoreRequest::Conversations(vec![conversation("c1")]),
        StoreRequest::Messages {
            key: key("c1"),
            messages,
        },
    ])
    .expect("apply");
    assert_eq!(db.count("messages").expect("count"), 1_200, "no cap");
    let snapshot = load_all(&db).expect("load");
    let newest: Vec<&str> = snapshot.messages[0]
        .1
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        newest,
        ["m01199"],
        "the start loads the newest message only"
    );

    let ids = |page: &[Message]| -> (String, String, usize) {
        (
            page[0].id.clone(),
            page[page.len() - 1].id.clone(),
            page.len(),
        )
    };
    let first = db.page(&key("c1"), None, 500).expect("page");
    assert_eq!(ids(&first), ("m00700".into(), "m01199".into(), 500));
    let before = (first[0].at, first[0].id.clone());
    let second = db.page(&key("c1"), Some(&before), 500).expect("page");
    assert_eq!(ids(&second), ("m00200".into(), "m00699".into(), 500));
    let before = (second[0].at, second[0].id.clone());
    let last = db.page(&key("c1"), Some(&before), 500).expect("page");
    assert_eq!(ids(&last), ("m00000".into(), "m00199".into(), 200));
    assert!(db.page(&key("c2"), None, 500).expect("page").is_empty());
}

#[test]
fn read_markers_clear_the_unread_count() {
    let mut db = Db::open(None).expect("open");
    db.apply(&[
        StoreRequest::Conversations(vec![conversation("c1")]),
        StoreRequest::ReadMarker {
            key: key("c1"),
            message: Some("m1".into()),
            at: datetime!(2026-01-03 00:00 UTC),
        },
    ])
    .expect("apply");
    assert_eq!(load_all(&db).expect("load").conversations[0].info.unread, 0);
    assert_eq!(db.count("read_markers").expect("count"), 1);
}

#[tokio::test]
async fn the_actor_loads_first_and_confirms_a_reply_once_it_is_durable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/inbox.sqlite3");
    let (handle, mut events) = spawn(Some(&path)).expect("spawn");
    assert_eq!(
        events.recv().await,
        Some(StoreEvent::Loaded(Snapshot::default()))
    );
    let (outbox, echo) = entry("s-7");
    assert!(handle.write(StoreRequest::Enqueue {
        entry: outbox.clone(),
        echo
    }));
    assert_eq!(
        events.recv().await,
        Some(StoreEvent::Queued {
            client_id: "s-7".into()
        })
    );
    handle.close();
    // Written through: a new actor on the same file starts with the reply in its outbox.
    let (_handle, mut events) = spawn(Some(&path)).expect("respawn");
    match events.recv().await {
        Some(StoreEvent::Loaded(snapshot)) => assert_eq!(snapshot.outbox, vec![outbox]),
        other => panic!("expected the snapshot first, got {other:?}"),
    }
}

#[tokio::test]
async fn the_actor_answers_a_page_with_what_was_written_before_it() {
    let (handle, mut events) = spawn(None).expect("spawn");
    assert!(matches!(events.recv().await, Some(StoreEvent::Loaded(_))));
    let at = datetime!(2026-01-02 03:00 UTC);
    let written = vec![
        message("m1", at, DeliveryStatus::Read),
        message("m2", at + time::Duration::seconds(1), DeliveryStatus::Read),
        message("m3", at + time::Duration::seconds(2), DeliveryStatus::Read),
    ];
    assert!(handle.write(StoreRequest::Messages {
        key: key("c1"),
        messages: written.clone(),
    }));
    assert!(handle.write(StoreRequest::LoadPage {
        key: key("c1"),
        before: Some((written[2].at, "m3".into())),
        limit: 1,
    }));
    assert!(handle.write(StoreRequest::LoadPage {
        key: key("c1"),
        before: Some((written[0].at, "m1".into())),
        limit: 5,
    }));
    assert_eq!(
        events.recv().await,
        Some(StoreEvent::Page {
            key: key("c1"),
            messages: vec![written[1].clone()],
            exhausted: false,
        })
    );
    assert_eq!(
        events.recv().await,
        Some(StoreEvent::Page {
            key: key("c1"),
            messages: Vec::new(),
            exhausted: true,
        }),
        "nothing older than the first message"
    );
}

#[tokio::test]
async fn the_actor_answers_a_read_around_a_message_and_says_which_sides_ran_out() {
    let (handle, mut events) = spawn(None).expect("spawn");
    assert!(matches!(events.recv().await, Some(StoreEvent::Loaded(_))));
    let at = datetime!(2026-01-02 03:00 UTC);
    let written: Vec<Message> = (0..10)
        .map(|n| {
            message(
                &format!("m{n}"),
                at + time::Duration::seconds(n),
                DeliveryStatus::Read,
            )
        })
        .collect();
    assert!(handle.write(StoreRequest::Messages {
        key: key("c1"),
        messages: written.clone(),
    }));
    let at = |id: usize| (written[id].at, written[id].id.clone());
    let answers = [
        // Two before m5, m5 itself and two after: neither side ran out.
        (at(5), 2, 2, 3..8, false, false),
        // Near the start: the older side ran out; the newer one was not asked.
        (at(1), 4, 0, 0..2, true, false),
        // Near the end: the newer side ran out.
        (at(8), 1, 5, 7..10, false, true),
        // Exactly what was asked is left after it: not said to have run out (the next read,
        // empty, says so).
        (at(7), 2, 2, 5..10, false, false),
        // A message no longer stored: what lies around where it was.
        (
            (
                written[4].at + time::Duration::milliseconds(500),
                "gone".into(),
            ),
            1,
            1,
            4..6,
            false,
            false,
        ),
    ];
    for (at, older, newer, range, older_exhausted, newer_exhausted) in answers {
        assert!(handle.write(StoreRequest::LoadAround {
            key: key("c1"),
            at: at.clone(),
            older,
            newer,
        }));
        assert_eq!(
            events.recv().await,
            Some(StoreEvent::Around {
                key: key("c1"),
                at,
                messages: written[range].to_vec(),
                older_exhausted,
                newer_exhausted,
            })
        );
    }
}

/// The newest message of each conversation, as the start reads it.
fn newest(db: &Db) -> Vec<(String, Vec<String>)> {
    load_all(db)
        .expect("load")
        .messages
        .into_iter()
        .map(|(key, messages)| {
            (
                key.id.to_string(),
                messages.into_iter().map(|m| m.id).collect(),
            )
        })
        .collect()
}

fn newest_status(db: &Db) -> DeliveryStatus {
    load_all(db).expect("load").messages[0].1[0].status
}

#[test]
fn the_start_reads_each_conversations_newest_message_as_writes_change_it() {
    let mut db = Db::open(None).expect("open");
    let at = datetime!(2026-01-02 03:00 UTC);
    let second = |s: i64| at + time::Duration::seconds(s);
    // Messages written before their conversation: the conversation row finds its newest.
    db.apply(&[
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![
                message("m2", second(2), DeliveryStatus::Sent),
                message("m1", second(1), DeliveryStatus::Sent),
            ],
        },
        StoreRequest::Conversations(vec![conversation("c1")]),
    ])
    .expect("apply");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["m2".to_string()])]);

    // An older page does not displace it; a status change of it is seen.
    db.apply(&[StoreRequest::Messages {
        key: key("c1"),
        messages: vec![
            message("m0", second(0), DeliveryStatus::Read),
            message("m2", second(2), DeliveryStatus::Read),
        ],
    }])
    .expect("apply");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["m2".to_string()])]);
    assert_eq!(newest_status(&db), DeliveryStatus::Read);

    // A reply's echo is the newest, and comes once though it is also in the outbox.
    let (outbox, echo) = entry("s-1");
    db.apply(&[StoreRequest::Enqueue {
        entry: outbox,
        echo: echo.clone(),
    }])
    .expect("enqueue");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["s-1".to_string()])]);

    // The server copy, stamped earlier than the echo, replaces it: the deleted echo is not
    // left behind as the newest.
    let server = Message {
        id: "srv-9".into(),
        at: second(3),
        status: DeliveryStatus::Delivered,
        ..echo
    };
    db.apply(&[
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![server],
        },
        StoreRequest::OutboxDone {
            client_id: "s-1".into(),
        },
    ])
    .expect("apply");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["srv-9".to_string()])]);

    // The platform deletes it: the one before is the newest again; deleting all leaves none.
    db.apply(&[StoreRequest::DeleteMessage {
        key: key("c1"),
        id: "srv-9".into(),
    }])
    .expect("delete");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["m2".to_string()])]);
    let all: Vec<StoreRequest> = ["m0", "m1", "m2"]
        .into_iter()
        .map(|id| StoreRequest::DeleteMessage {
            key: key("c1"),
            id: id.into(),
        })
        .collect();
    db.apply(&all).expect("delete");
    assert!(newest(&db).is_empty());
}

#[test]
fn a_file_of_the_first_schema_is_brought_up_to_date_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inbox.sqlite3");
    let at = datetime!(2026-01-02 03:00 UTC);
    {
        let mut db = Db::open(Some(&path)).expect("open");
        db.apply(&[
            StoreRequest::Conversations(vec![conversation("c1"), conversation("c2")]),
            StoreRequest::Messages {
                key: key("c1"),
                messages: vec![
                    message("m1", at, DeliveryStatus::Sent),
                    message("m2", at + time::Duration::seconds(1), DeliveryStatus::Sent),
                ],
            },
        ])
        .expect("apply");
    }
    // Take the file back to version 0: no copied columns, no triggers.
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        let mut sql = String::new();
        for trigger in [
            "newest_after_message_insert",
            "newest_after_message_update",
            "newest_after_message_delete",
            "newest_after_conversation_insert",
        ] {
            sql.push_str(&format!("DROP TRIGGER {trigger};"));
        }
        sql.push_str(schema::tests::DOWNGRADE);
        for column in schema::NEWEST_COLUMNS.split(", ") {
            sql.push_str(&format!("ALTER TABLE conversations DROP COLUMN {column};"));
        }
        sql.push_str(super::search::tests::DOWNGRADE);
        sql.push_str(
            "ALTER TABLE conversations DROP COLUMN snooze; ALTER TABLE conversations DROP COLUMN work;
             DROP TABLE drafts; PRAGMA user_version = 0;",
        );
        conn.execute_batch(&sql).expect("downgrade");
    }
    let mut db = Db::open(Some(&path)).expect("reopen");
    assert_eq!(newest(&db), [("c1".to_string(), vec!["m2".to_string()])]);
    // The drafts table is back.
    db.apply(&[StoreRequest::Draft {
        key: key("c1"),
        text: "kept".into(),
        note: false,
    }])
    .expect("a draft");
    // And the triggers are back.
    db.apply(&[StoreRequest::Messages {
        key: key("c2"),
        messages: vec![message("n1", at, DeliveryStatus::Sent)],
    }])
    .expect("apply");
    assert_eq!(newest(&db).len(), 2);
}

#[test]
fn a_private_note_comes_back_as_a_note() {
    let mut db = Db::open(None).expect("open");
    let at = datetime!(2026-01-02 05:00 UTC);
    let note = Message {
        direction: Direction::Note,
        sender: "You".into(),
        ..message("note-1", at, DeliveryStatus::Delivered)
    };
    db.apply(&[
        StoreRequest::Conversations(vec![conversation("c1")]),
        StoreRequest::Messages {
            key: key("c1"),
            messages: vec![
                message(
                    "m1",
                    at - time::Duration::minutes(1),
                    DeliveryStatus::Delivered,
                ),
                note.clone(),
            ],
        },
    ])
    .expect("apply");
    let page = db.page(&key("c1"), None, 10).expect("page");
    assert_eq!(page.last(), Some(&note));
    assert_eq!(page[0].direction, Direction::Inbound);
}

#[test]
fn drafts_are_kept_and_an_empty_one_removes_the_draft() {
    let mut db = Db::open(None).expect("open");
    db.apply(&[
        StoreRequest::Draft {
            key: key("c1"),
            text: "first".into(),
            note: false,
        },
        StoreRequest::Draft {
            key: key("c2"),
            text: "other".into(),
            note: false,
        },
        StoreRequest::Draft {
            key: key("c1"),
            text: "Where was I".into(),
            note: false,
        },
    ])
    .expect("apply");
    let draft = |id: &str, text: &str| crate::contract::store::Draft {
        key: key(id),
        text: text.into(),
        note: false,
    };
    assert_eq!(
        load_all(&db).expect("load").drafts,
        vec![draft("c1", "Where was I"), draft("c2", "other")]
    );
    db.apply(&[StoreRequest::Draft {
        key: key("c2"),
        text: String::new(),
        note: false,
    }])
    .expect("apply");
    assert_eq!(
        load_all(&db).expect("load").drafts,
        vec![draft("c1", "Where was I")]
    );
}

#[test]
fn a_snooze_is_kept_with_its_conversation() {
    let mut db = Db::open(None).expect("open");
    let until = datetime!(2026-01-03 09:00 UTC);
    let c1 = CachedConversation {
        snooze: Some(crate::model::Snooze::Until(until)),
        ..conversation("c1")
    };
    let c2 = CachedConversation {
        snooze: Some(crate::model::Snooze::UntilReply),
        ..conversation("c2")
    };
    db.apply(&[StoreRequest::Conversations(vec![c1.clone(), c2.clone()])])
        .expect("apply");
    let loaded = load_all(&db).expect("load").conversations;
    let snooze_of = |id: &str| {
        loaded
            .iter()
            .find(|c| &*c.info.key.id == id)
            .and_then(|c| c.snooze)
    };
    assert_eq!(snooze_of("c1"), c1.snooze);
    assert_eq!(snooze_of("c2"), c2.snooze);
    db.apply(&[StoreRequest::Conversations(vec![CachedConversation {
        snooze: None,
        ..c1
    }])])
    .expect("woken");
    let loaded = load_all(&db).expect("load").conversations;
    assert_eq!(
        loaded
            .iter()
            .find(|c| &*c.info.key.id == "c1")
            .and_then(|c| c.snooze),
        None
    );
}

#[test]
fn who_has_a_conversation_its_labels_and_priority_are_kept() {
    let mut db = Db::open(None).expect("open");
    let work = crate::model::Workflow {
        assignee: Some("u1".into()),
        labels: vec!["billing".into(), "vip".into()],
        priority: crate::model::Priority::Urgent,
        snoozed_until: None,
    };
    let mut c1 = conversation("c1");
    c1.info.work = Some(work.clone());
    // A platform that keeps none: nothing stored, nothing invented on the way back.
    let c2 = conversation("c2");
    db.apply(&[StoreRequest::Conversations(vec![c1.clone(), c2])])
        .expect("apply");
    let loaded = load_all(&db).expect("load").conversations;
    let work_of = |id: &str| {
        loaded
            .iter()
            .find(|c| &*c.info.key.id == id)
            .and_then(|c| c.info.work.clone())
    };
    assert_eq!(work_of("c1"), Some(work));
    assert_eq!(work_of("c2"), None);
    c1.info.work = Some(crate::model::Workflow::default());
    db.apply(&[StoreRequest::Conversations(vec![c1])])
        .expect("cleared");
    let loaded = load_all(&db).expect("load").conversations;
    let cleared = loaded.iter().find(|c| &*c.info.key.id == "c1").expect("c1");
    assert_eq!(cleared.info.work, Some(crate::model::Workflow::default()));
}

/// Every part of the start, as one snapshot.
fn load_all(db: &Db) -> rusqlite::Result<Snapshot> {
    let (mut whole, mut rest) = db.load()?;
    while let Some(more) = rest {
        let (part, next) = db.load_more(more)?;
        whole.conversations.extend(part.conversations);
        whole.messages.extend(part.messages);
        rest = next;
    }
    whole.unsent = None;
    Ok(whole)
}

/// `n` conversations over three channels, each with an unread count, one message a minute
/// apart (the newest first in the list), one of them snoozed.
fn many(n: usize) -> Db {
    let mut db = Db::open(None).expect("open");
    let start = datetime!(2026-01-01 00:00 UTC);
    let channels = [Channel::WhatsApp, Channel::Sms, Channel::Telegram];
    let conversations = (0..n)
        .map(|i| {
            let mut cached = conversation(&format!("c{i:05}"));
            cached.info.channel = channels[i % 3].clone();
            cached.info.unread = (i % 4) as u32;
            cached.info.last_message_at = Some(start + time::Duration::minutes(i as i64));
            cached.snooze = (i == 7).then_some(crate::model::Snooze::UntilReply);
            cached
        })
        .collect();
    db.apply(&[StoreRequest::Conversations(conversations)])
        .expect("write");
    db
}

#[test]
fn the_start_comes_in_parts_in_the_lists_order_with_whole_channel_counts() {
    let n = db::FIRST_PART + 2 * db::MORE_PARTS + 7;
    let mut db = many(n);
    // An unsent reply in a conversation far down the list.
    let (mut outbox, mut echo) = entry("s-1");
    outbox.key = key("c00003");
    echo.at = datetime!(2025-12-31 00:00 UTC);
    db.apply(&[StoreRequest::Enqueue {
        entry: outbox,
        echo,
    }])
    .expect("enqueue");

    let (first, mut rest) = db.load().expect("load");
    assert_eq!(first.conversations.len(), db::FIRST_PART + 1);
    let ids: Vec<&str> = first.conversations[..3]
        .iter()
        .map(|c| &*c.info.key.id)
        .collect();
    let newest = format!("c{:05}", n - 1);
    assert_eq!(ids[0], newest, "newest activity first");
    assert_eq!(
        first.conversations.last().map(|c| &*c.info.key.id),
        Some("c00003"),
        "the conversation of the unsent reply comes with the first part"
    );
    // What is not sent yet adds this to the channels.
    let unsent = first.unsent.clone().expect("more parts follow");
    let mut seen: Vec<_> = first
        .conversations
        .iter()
        .map(|c| c.info.key.clone())
        .collect();
    let mut parts = 1;
    let mut last_unsent = unsent.clone();
    while let Some(more) = rest {
        let (part, next) = db.load_more(more).expect("more");
        seen.extend(part.conversations.iter().map(|c| c.info.key.clone()));
        assert_eq!(part.unsent.is_some(), next.is_some());
        last_unsent = part.unsent.clone().unwrap_or_default();
        rest = next;
        parts += 1;
    }
    assert_eq!(parts, 4);
    assert!(last_unsent.is_empty());
    let mut all = seen.clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "every conversation once");
    assert_eq!(seen.len(), n, "none twice");

    // The counts of the first part plus what it says is unsent are the whole counts.
    let whole = load_all(&db).expect("all");
    for channel in [Channel::WhatsApp, Channel::Sms, Channel::Telegram] {
        let of = |c: &&CachedConversation| c.info.channel == channel;
        let counted = |c: &CachedConversation| match c.snooze {
            Some(_) => 0,
            None => c.info.unread,
        };
        let total: u32 = whole.conversations.iter().filter(of).map(counted).sum();
        let first_part: u32 = first.conversations.iter().filter(of).map(counted).sum();
        let unsent = unsent
            .iter()
            .find(|count| count.channel == channel)
            .expect("channel");
        assert_eq!(first_part + unsent.unread, total, "{channel:?}");
        assert_eq!(
            first.conversations.iter().filter(of).count() + unsent.conversations,
            whole.conversations.iter().filter(of).count()
        );
    }
}

#[test]
fn a_small_store_starts_in_one_part() {
    let db = many(12);
    let (first, rest) = db.load().expect("load");
    assert_eq!(first.conversations.len(), 12);
    assert!(rest.is_none() && first.unsent.is_none());
}

#[test]
fn the_channel_counts_follow_every_write() {
    let mut db = many(40);
    let mut moved = conversation("c00005");
    moved.info.channel = Channel::Viber;
    moved.info.unread = 9;
    let mut snoozed = conversation("c00006");
    snoozed.info.channel = Channel::WhatsApp;
    snoozed.snooze = Some(crate::model::Snooze::UntilReply);
    db.apply(&[
        StoreRequest::Conversations(vec![moved, snoozed]),
        StoreRequest::ReadMarker {
            key: key("c00001"),
            message: None,
            at: datetime!(2026-02-01 00:00 UTC),
        },
    ])
    .expect("writes");
    let whole = load_all(&db).expect("all");
    let mut expected: Vec<(Channel, usize, u32)> = Vec::new();
    for cached in &whole.conversations {
        let unread =
            match cached.snooze.is_some() || cached.info.status == ConversationStatus::Snoozed {
                true => 0,
                false => cached.info.unread,
            };
        match expected
            .iter_mut()
            .find(|(c, ..)| *c == cached.info.channel)
        {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += unread;
            }
            None => expected.push((cached.info.channel.clone(), 1, unread)),
        }
    }
    let mut counted: Vec<(Channel, usize, u32)> = db
        .channel_counts()
        .expect("counts")
        .into_iter()
        .map(|count| (count.channel, count.conversations, count.unread))
        .collect();
    expected.sort();
    counted.sort();
    assert_eq!(counted, expected);
    assert!(counted.iter().any(|(c, ..)| *c == Channel::Viber));
}
