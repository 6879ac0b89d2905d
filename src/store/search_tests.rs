use time::UtcOffset;
use time::macros::datetime;

use super::super::Db;
use crate::contract::search::{HIT_END, HIT_START, SearchHit, parse};
use crate::contract::store::{CachedConversation, StoreRequest};
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Priority, Timestamp, Workflow,
};

/// Takes a file from version 5 back to 4: the index, its view and state gone.
pub(in crate::store) const DOWNGRADE: &str =
    "DROP TABLE message_search; DROP VIEW message_text; DROP TABLE search_mark;";

fn key(account: &str, id: &str) -> ConversationKey {
    ConversationKey::new(&AccountId::new(account), id)
}

fn conversation(account: &str, id: &str, channel: Channel) -> CachedConversation {
    CachedConversation {
        info: Conversation {
            key: key(account, id),
            channel,
            contact: Contact {
                id: format!("k-{id}"),
                name: format!("Contact {id}"),
                identity: String::new(),
            },
            status: ConversationStatus::Open,
            unread: 0,
            last_message_at: None,
            last_message: None,
            metadata: Default::default(),
            work: None,
        },
        snooze: None,
        history_complete: true,
    }
}

fn at(minute: i64) -> Timestamp {
    datetime!(2026-03-10 12:00 UTC) + time::Duration::minutes(minute)
}

fn said(id: &str, minute: i64, direction: Direction, text: &str) -> Message {
    Message {
        id: id.into(),
        client_id: None,
        direction,
        sender: if direction == Direction::Inbound {
            "Ada".into()
        } else {
            "Sam".into()
        },
        content: Content::Text(text.into()),
        at: at(minute),
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

fn write(db: &mut Db, key: &ConversationKey, messages: Vec<Message>) {
    db.apply(&[StoreRequest::Messages {
        key: key.clone(),
        messages,
    }])
    .expect("write");
}

fn find(db: &mut Db, query: &str) -> Vec<SearchHit> {
    db.search(&parse(query, UtcOffset::UTC), 50)
        .expect("search")
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.message_id.as_str()).collect()
}

/// Two accounts, three conversations, messages in several scripts.
fn sample() -> Db {
    let mut db = Db::open(None).expect("open");
    let mut vip = conversation("shop", "c1", Channel::WhatsApp);
    vip.info.unread = 2;
    vip.info.work = Some(Workflow {
        assignee: Some("u-maya".into()),
        labels: vec!["vip".into(), "refund".into()],
        priority: Priority::Urgent,
        snoozed_until: None,
    });
    let mut sms = conversation("shop", "c2", Channel::Sms);
    sms.info.status = ConversationStatus::Resolved;
    let other = conversation("lab", "c3", Channel::Telegram);
    db.apply(&[StoreRequest::Conversations(vec![vip, sms, other])])
        .expect("conversations");
    write(
        &mut db,
        &key("shop", "c1"),
        vec![
            said(
                "m1",
                0,
                Direction::Inbound,
                "My vacuum cleaner broke after a week",
            ),
            said(
                "m2",
                1,
                Direction::Outbound,
                "Sorry! A refund for the vacuum is on its way",
            ),
            said(
                "m3",
                2,
                Direction::Inbound,
                "Thanks, the Café crème was fine though",
            ),
        ],
    );
    write(
        &mut db,
        &key("shop", "c2"),
        vec![
            said("m4", 3, Direction::Inbound, "東京の荷物が届きません"),
            said("m5", 60 * 24 * 3, Direction::Inbound, "Where is my refund?"),
        ],
    );
    write(
        &mut db,
        &key("lab", "c3"),
        vec![said(
            "m6",
            5,
            Direction::Inbound,
            "refunds are handled by the vacuum team",
        )],
    );
    db
}

#[test]
fn words_prefixes_phrases_case_and_accents() {
    let mut db = sample();
    // Newest first by time, whatever order they were stored in (m5 was written before m6,
    // but said three days later).
    assert_eq!(ids(&find(&mut db, "vacuum")), ["m6", "m2", "m1"]);
    assert_eq!(ids(&find(&mut db, "VACUUM cleaner")), ["m1"]);
    assert_eq!(ids(&find(&mut db, "refu*")), ["m5", "m6", "m2"]);
    assert_eq!(ids(&find(&mut db, "refund")), ["m5", "m2"]);
    // A word's forms, by its prefix (a stemmer would have stemmed the prefix too).
    assert_eq!(ids(&find(&mut db, "refund*")), ["m5", "m6", "m2"]);
    assert_eq!(ids(&find(&mut db, "\"refund for the vacuum\"")), ["m2"]);
    assert_eq!(ids(&find(&mut db, "\"vacuum refund\"")), Vec::<&str>::new());
    assert_eq!(ids(&find(&mut db, "cafe CREME")), ["m3"]);
    assert_eq!(ids(&find(&mut db, "vacuum -refund")), ["m6", "m1"]);
}

#[test]
fn text_without_spaces_is_found_by_any_run_of_its_characters() {
    let mut db = sample();
    assert_eq!(ids(&find(&mut db, "東京")), ["m4"]);
    assert_eq!(ids(&find(&mut db, "荷物")), ["m4"]);
    assert_eq!(ids(&find(&mut db, "届きません")), ["m4"]);
    assert_eq!(ids(&find(&mut db, "京東")), Vec::<&str>::new());
    // The snippet reads as written: no spaces between the characters, the hit marked.
    let hits = find(&mut db, "荷物");
    assert_eq!(
        hits[0].snippet,
        format!("東京の{HIT_START}荷物{HIT_END}が届きません")
    );
}

#[test]
fn filters_narrow_the_hits() {
    let mut db = sample();
    assert_eq!(ids(&find(&mut db, "vacuum from:agent")), ["m2"]);
    assert_eq!(ids(&find(&mut db, "vacuum from:customer")), ["m6", "m1"]);
    assert_eq!(ids(&find(&mut db, "refu* channel:sms")), ["m5"]);
    assert_eq!(ids(&find(&mut db, "refu* channel:whats")), ["m2"]);
    assert_eq!(ids(&find(&mut db, "vacuum account:lab")), ["m6"]);
    assert_eq!(ids(&find(&mut db, "refund status:resolved")), ["m5"]);
    assert_eq!(ids(&find(&mut db, "refund is:unread")), ["m2"]);
    assert_eq!(ids(&find(&mut db, "vacuum label:VIP")), ["m2", "m1"]);
    assert_eq!(ids(&find(&mut db, "vacuum priority:urgent")), ["m2", "m1"]);
    assert_eq!(
        ids(&find(&mut db, "vacuum priority:high")),
        Vec::<&str>::new()
    );
    assert_eq!(ids(&find(&mut db, "refu* after:2026-03-11")), ["m5"]);
    assert_eq!(ids(&find(&mut db, "refu* before:2026-03-11")), ["m6", "m2"]);
    // is:mine is whoever the app says "me" is on each account.
    let mut mine = parse("vacuum is:mine", UtcOffset::UTC);
    assert!(db.search(&mine, 50).expect("search").is_empty());
    mine.me = vec![("shop".into(), "u-maya".into())];
    assert_eq!(ids(&db.search(&mine, 50).expect("search")), ["m2", "m1"]);
    // One conversation only (the search in a thread).
    let mut scoped = parse("vacuum", UtcOffset::UTC);
    scoped.conversation = Some(key("shop", "c1"));
    assert_eq!(ids(&db.search(&scoped, 50).expect("search")), ["m2", "m1"]);
    // With a filter (its parameters come before the conversation's), and a message of the
    // conversation stored after newer matches of others (history read late).
    let mut filtered = parse("vacuum from:customer", UtcOffset::UTC);
    filtered.conversation = Some(key("shop", "c1"));
    assert_eq!(ids(&db.search(&filtered, 50).expect("search")), ["m1"]);
    write(
        &mut db,
        &key("shop", "c1"),
        vec![said("m0", -5, Direction::Inbound, "the vacuum was a gift")],
    );
    assert_eq!(
        ids(&db.search(&scoped, 50).expect("search")),
        ["m2", "m1", "m0"]
    );
    let mut other = parse("refund", UtcOffset::UTC);
    other.conversation = Some(key("shop", "c2"));
    assert_eq!(ids(&db.search(&other, 50).expect("search")), ["m5"]);
}

#[test]
fn a_date_window_reads_the_months_it_spans_and_follows_a_message_moved_in_time() {
    let mut db = sample();
    let c3 = key("lab", "c3");
    write(
        &mut db,
        &c3,
        vec![said(
            "apr",
            60 * 24 * 40,
            Direction::Inbound,
            "refund in april",
        )],
    );
    assert_eq!(
        ids(&find(&mut db, "refu* after:2026-03-11 before:2026-05-01")),
        ["apr", "m5"]
    );
    assert_eq!(
        ids(&find(&mut db, "refu* after:2026-04-01 before:2026-04-30")),
        ["apr"]
    );
    assert_eq!(
        ids(&find(&mut db, "refu* after:2026-03-01 before:2026-03-11")),
        ["m6", "m2"]
    );
    // The message's time changes (a platform corrected it): it is found in its new month only.
    write(
        &mut db,
        &c3,
        vec![said(
            "apr",
            60 * 24 * 70,
            Direction::Inbound,
            "refund in april",
        )],
    );
    assert_eq!(
        ids(&find(&mut db, "refu* after:2026-04-01 before:2026-04-30")),
        Vec::<&str>::new()
    );
    assert_eq!(
        ids(&find(&mut db, "refu* after:2026-05-01 before:2026-06-01")),
        ["apr"]
    );
    // The month is not a word: its name in a message's text is found as text only.
    write(
        &mut db,
        &c3,
        vec![said("txt", 6, Direction::Inbound, "code m202603 please")],
    );
    assert_eq!(ids(&find(&mut db, "m202603")), ["txt"]);
    db.check_search_index()
        .expect("the index matches the messages");
}

#[test]
fn filters_alone_list_conversations_by_their_newest_message() {
    let mut db = sample();
    assert_eq!(ids(&find(&mut db, "is:unread")), ["m3"]);
    assert_eq!(ids(&find(&mut db, "from:customer")), ["m5", "m6", "m3"]);
    assert_eq!(
        find(&mut db, "channel:sms")[0].snippet,
        "Where is my refund?"
    );
    assert!(find(&mut db, "").is_empty());
}

#[test]
fn queries_the_index_would_reject_are_searched_as_words() {
    let mut db = sample();
    for query in [
        "\"",
        "\"vacuum",
        "vacuum\"",
        "-",
        "- -",
        "*",
        "**",
        "NEAR(",
        "NEAR(vacuum refund)",
        "AND",
        "OR vacuum",
        "NOT",
        "vacuum AND",
        "(",
        ")",
        "body:vacuum",
        "^vacuum",
        "vac\"uum",
        "'",
        ":",
        "from:",
        "label:",
        "{x}",
        "\u{0}",
        "\u{1b}[31m",
    ] {
        let result = db.search(&parse(query, UtcOffset::UTC), 50);
        assert!(result.is_ok(), "{query:?}: {result:?}");
    }
    assert_eq!(ids(&find(&mut db, "\"vacuum")), ["m6", "m2", "m1"]);
    // Taken literally: the words "near" and "vacuum" next to each other.
    assert_eq!(ids(&find(&mut db, "NEAR(vacuum")), Vec::<&str>::new());
    assert_eq!(ids(&find(&mut db, "vacuum AND")), Vec::<&str>::new());
}

#[test]
fn hostile_text_comes_back_neutralised_in_snippets() {
    let mut db = sample();
    write(
        &mut db,
        &key("shop", "c1"),
        vec![said(
            "evil",
            9,
            Direction::Inbound,
            "pay \u{1b}]52;c;ZXZpbA==\u{7}now \u{2}fake\u{3} \u{202e}refund\u{1b}[2J",
        )],
    );
    let hits = find(&mut db, "refund from:customer channel:whatsapp");
    assert_eq!(ids(&hits), ["evil"]);
    let snippet = &hits[0].snippet;
    assert!(
        !snippet.contains('\u{1b}') && !snippet.contains('\u{202e}'),
        "{snippet:?}"
    );
    // The only markers are the store's own, around the hit.
    assert_eq!(snippet.matches(HIT_START).count(), 1, "{snippet:?}");
    assert!(
        snippet.contains(&format!("{HIT_START}refund{HIT_END}")),
        "{snippet:?}"
    );
}

#[test]
fn the_index_follows_edits_echo_replacements_and_deletions() {
    let mut db = sample();
    let c1 = key("shop", "c1");
    // An edit: the old words go, the new ones are found.
    write(
        &mut db,
        &c1,
        vec![said("m1", 0, Direction::Inbound, "My kettle broke")],
    );
    assert_eq!(ids(&find(&mut db, "kettle")), ["m1"]);
    assert_eq!(ids(&find(&mut db, "cleaner")), Vec::<&str>::new());
    // A status change alone leaves the index as it was.
    let mut read = said("m1", 0, Direction::Inbound, "My kettle broke");
    read.status = DeliveryStatus::Read;
    write(&mut db, &c1, vec![read]);
    assert_eq!(ids(&find(&mut db, "kettle")), ["m1"]);
    // A local echo, then the server copy that replaces it.
    let mut echo = said(
        "local-1",
        10,
        Direction::Outbound,
        "Your parcel left the depot",
    );
    echo.client_id = Some("local-1".into());
    write(&mut db, &c1, vec![echo]);
    assert_eq!(ids(&find(&mut db, "depot")), ["local-1"]);
    let mut copy = said(
        "srv-9",
        10,
        Direction::Outbound,
        "Your parcel left the depot",
    );
    copy.client_id = Some("local-1".into());
    write(&mut db, &c1, vec![copy]);
    assert_eq!(ids(&find(&mut db, "depot")), ["srv-9"]);
    // Deleted by the platform.
    db.apply(&[StoreRequest::DeleteMessage {
        key: c1.clone(),
        id: "m2".into(),
    }])
    .expect("delete");
    assert_eq!(ids(&find(&mut db, "vacuum")), ["m6"]);
    db.check_search_index()
        .expect("the index matches the messages");
}

#[test]
fn the_index_catches_up_in_slices_and_stays_consistent_meanwhile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inbox.sqlite3");
    let c1 = key("shop", "c1");
    {
        let mut db = Db::open(Some(&path)).expect("open");
        db.apply(&[StoreRequest::Conversations(vec![conversation(
            "shop",
            "c1",
            Channel::Sms,
        )])])
        .expect("conversation");
        let messages = (0..10)
            .map(|n| {
                said(
                    &format!("m{n}"),
                    n,
                    Direction::Inbound,
                    &format!("parcel number {n}"),
                )
            })
            .collect();
        write(&mut db, &c1, messages);
    }
    // As written by the release before the index.
    let conn = rusqlite::Connection::open(&path).expect("raw");
    let start_order = crate::store::schema::tests::DOWNGRADE;
    conn.execute_batch(&format!(
        "{start_order} {DOWNGRADE} PRAGMA user_version = 4;"
    ))
    .expect("downgrade");
    drop(conn);
    let mut db = Db::open(Some(&path)).expect("reopen");
    let backlog = db.search_backlog().expect("state");
    assert_eq!((backlog.done, backlog.total), (0, 10));
    // Writes the index has not reached cost it nothing; part of it is then indexed.
    write(
        &mut db,
        &c1,
        vec![said("new", 20, Direction::Inbound, "parcel arrived")],
    );
    let first = db.index_step(4).expect("step");
    assert_eq!((first.done, first.total), (4, 11));
    // Under the mark, an edit and a deletion change the index; above it, nothing is indexed
    // yet to change.
    write(
        &mut db,
        &c1,
        vec![said("m0", 0, Direction::Inbound, "box zero")],
    );
    db.apply(&[StoreRequest::DeleteMessage {
        key: c1.clone(),
        id: "m1".into(),
    }])
    .expect("delete");
    write(
        &mut db,
        &c1,
        vec![said("m7", 7, Direction::Inbound, "parcel seven, edited")],
    );
    db.apply(&[StoreRequest::DeleteMessage {
        key: c1.clone(),
        id: "m8".into(),
    }])
    .expect("delete");
    // A search catches up first: every message is found.
    let mut found = ids(&find(&mut db, "parcel"))
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, ["m2", "m3", "m4", "m5", "m6", "m7", "m9", "new"]);
    assert!(db.search_backlog().expect("state").complete());
    // The edit and the deletion under the mark were applied to the index: it matches.
    db.check_search_index()
        .expect("the index matches the messages");
    assert_eq!(ids(&find(&mut db, "edited")), ["m7"]);
    assert_eq!(ids(&find(&mut db, "box")), ["m0"]);
    // A rowid used again below the mark (the newest messages deleted, then one written) is
    // indexed as it is written.
    for id in ["new", "m9"] {
        db.apply(&[StoreRequest::DeleteMessage {
            key: c1.clone(),
            id: id.into(),
        }])
        .expect("delete");
    }
    write(
        &mut db,
        &c1,
        vec![said("again", 30, Direction::Inbound, "reused slot")],
    );
    db.check_search_index()
        .expect("the reused rowid is indexed");
    assert_eq!(ids(&find(&mut db, "reused")), ["again"]);
}

#[tokio::test]
async fn the_actor_answers_a_search_with_what_was_written_before_it() {
    let (store, mut events) = crate::store::spawn(None).expect("store");
    assert!(matches!(
        events.recv().await,
        Some(crate::contract::store::StoreEvent::Loaded(_))
    ));
    let c1 = key("shop", "c1");
    store.write(StoreRequest::Conversations(vec![conversation(
        "shop",
        "c1",
        Channel::Sms,
    )]));
    store.write(StoreRequest::Messages {
        key: c1.clone(),
        messages: vec![said(
            "m1",
            0,
            Direction::Inbound,
            "the courier lost my parcel",
        )],
    });
    store.write(StoreRequest::Search {
        id: 7,
        query: parse("courier", UtcOffset::UTC),
        limit: 10,
    });
    match events.recv().await {
        Some(crate::contract::store::StoreEvent::Found { id, hits }) => {
            assert_eq!(id, 7);
            assert_eq!(ids(&hits.expect("hits")), ["m1"]);
        }
        other => panic!("expected the search's answer, got {other:?}"),
    }
    store.close();
}
