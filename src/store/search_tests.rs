use time::UtcOffset;
use time::macros::datetime;

use super::super::Db;
use crate::contract::search::{HIT_END, HIT_START, SearchHit, parse};
use crate::contract::store::{CachedConversation, StoreRequest};
use crate::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message, Priority, Timestamp, Workflow,
};

/// Takes a file from version 5 back to 4: the index, its view, triggers and state gone.
pub(in crate::store) const DOWNGRADE: &str = "DROP TRIGGER search_after_insert;
    DROP TRIGGER search_after_update; DROP TRIGGER search_after_delete;
    DROP TABLE message_search; DROP VIEW message_text; DROP TABLE search_backfill;";

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

fn find(db: &Db, query: &str) -> Vec<SearchHit> {
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
    let db = sample();
    // Newest stored first.
    assert_eq!(ids(&find(&db, "vacuum")), ["m6", "m2", "m1"]);
    assert_eq!(ids(&find(&db, "VACUUM cleaner")), ["m1"]);
    assert_eq!(ids(&find(&db, "refu*")), ["m6", "m5", "m2"]);
    assert_eq!(ids(&find(&db, "refund")), ["m5", "m2"]);
    assert_eq!(ids(&find(&db, "\"refund for the vacuum\"")), ["m2"]);
    assert_eq!(ids(&find(&db, "\"vacuum refund\"")), Vec::<&str>::new());
    assert_eq!(ids(&find(&db, "cafe CREME")), ["m3"]);
    assert_eq!(ids(&find(&db, "vacuum -refund")), ["m6", "m1"]);
}

#[test]
fn text_without_spaces_is_found_by_any_run_of_its_characters() {
    let db = sample();
    assert_eq!(ids(&find(&db, "東京")), ["m4"]);
    assert_eq!(ids(&find(&db, "荷物")), ["m4"]);
    assert_eq!(ids(&find(&db, "届きません")), ["m4"]);
    assert_eq!(ids(&find(&db, "京東")), Vec::<&str>::new());
    // The snippet reads as written: no spaces between the characters, the hit marked.
    let hits = find(&db, "荷物");
    assert_eq!(
        hits[0].snippet,
        format!("東京の{HIT_START}荷物{HIT_END}が届きません")
    );
}

#[test]
fn filters_narrow_the_hits() {
    let db = sample();
    assert_eq!(ids(&find(&db, "vacuum from:agent")), ["m2"]);
    assert_eq!(ids(&find(&db, "vacuum from:customer")), ["m6", "m1"]);
    assert_eq!(ids(&find(&db, "refu* channel:sms")), ["m5"]);
    assert_eq!(ids(&find(&db, "refu* channel:whats")), ["m2"]);
    assert_eq!(ids(&find(&db, "vacuum account:lab")), ["m6"]);
    assert_eq!(ids(&find(&db, "refund status:resolved")), ["m5"]);
    assert_eq!(ids(&find(&db, "refund is:unread")), ["m2"]);
    assert_eq!(ids(&find(&db, "vacuum label:VIP")), ["m2", "m1"]);
    assert_eq!(ids(&find(&db, "vacuum priority:urgent")), ["m2", "m1"]);
    assert_eq!(ids(&find(&db, "vacuum priority:high")), Vec::<&str>::new());
    assert_eq!(ids(&find(&db, "refu* after:2026-03-11")), ["m5"]);
    assert_eq!(ids(&find(&db, "refu* before:2026-03-11")), ["m6", "m2"]);
    // is:mine is whoever the app says "me" is on each account.
    let mut mine = parse("vacuum is:mine", UtcOffset::UTC);
    assert!(db.search(&mine, 50).expect("search").is_empty());
    mine.me = vec![("shop".into(), "u-maya".into())];
    assert_eq!(ids(&db.search(&mine, 50).expect("search")), ["m2", "m1"]);
    // One conversation only (the search in a thread).
    let mut scoped = parse("vacuum", UtcOffset::UTC);
    scoped.conversation = Some(key("shop", "c1"));
    assert_eq!(ids(&db.search(&scoped, 50).expect("search")), ["m2", "m1"]);
}

#[test]
fn filters_alone_list_conversations_by_their_newest_message() {
    let db = sample();
    assert_eq!(ids(&find(&db, "is:unread")), ["m3"]);
    assert_eq!(ids(&find(&db, "from:customer")), ["m5", "m6", "m3"]);
    assert_eq!(find(&db, "channel:sms")[0].snippet, "Where is my refund?");
    assert!(find(&db, "").is_empty());
}

#[test]
fn queries_the_index_would_reject_are_searched_as_words() {
    let db = sample();
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
    assert_eq!(ids(&find(&db, "\"vacuum")), ["m6", "m2", "m1"]);
    // Taken literally: the words "near" and "vacuum" next to each other.
    assert_eq!(ids(&find(&db, "NEAR(vacuum")), Vec::<&str>::new());
    assert_eq!(ids(&find(&db, "vacuum AND")), Vec::<&str>::new());
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
    let hits = find(&db, "refund from:customer channel:whatsapp");
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
    assert_eq!(ids(&find(&db, "kettle")), ["m1"]);
    assert_eq!(ids(&find(&db, "cleaner")), Vec::<&str>::new());
    // A status change alone leaves the index as it was.
    let mut read = said("m1", 0, Direction::Inbound, "My kettle broke");
    read.status = DeliveryStatus::Read;
    write(&mut db, &c1, vec![read]);
    assert_eq!(ids(&find(&db, "kettle")), ["m1"]);
    // A local echo, then the server copy that replaces it.
    let mut echo = said(
        "local-1",
        10,
        Direction::Outbound,
        "Your parcel left the depot",
    );
    echo.client_id = Some("local-1".into());
    write(&mut db, &c1, vec![echo]);
    assert_eq!(ids(&find(&db, "depot")), ["local-1"]);
    let mut copy = said(
        "srv-9",
        10,
        Direction::Outbound,
        "Your parcel left the depot",
    );
    copy.client_id = Some("local-1".into());
    write(&mut db, &c1, vec![copy]);
    assert_eq!(ids(&find(&db, "depot")), ["srv-9"]);
    // Deleted by the platform.
    db.apply(&[StoreRequest::DeleteMessage {
        key: c1.clone(),
        id: "m2".into(),
    }])
    .expect("delete");
    assert_eq!(ids(&find(&db, "vacuum")), ["m6"]);
    db.check_search_index()
        .expect("the index matches the messages");
}

#[test]
fn an_existing_store_is_indexed_in_slices_and_stays_consistent_meanwhile() {
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
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute_batch(&format!("{DOWNGRADE} PRAGMA user_version = 4;"))
        .expect("downgrade");
    drop(conn);
    let mut db = Db::open(Some(&path)).expect("reopen");
    let state = db.search_backfill().expect("state");
    assert_eq!((state.done, state.total), (0, 10));
    assert!(find(&db, "parcel").is_empty(), "nothing indexed yet");
    // Writes while the backfill has not reached them: a new message is found at once, an
    // edit and a deletion of messages not yet indexed leave the index intact.
    write(
        &mut db,
        &c1,
        vec![said("new", 20, Direction::Inbound, "parcel arrived")],
    );
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
    assert_eq!(ids(&find(&db, "parcel")), ["new"]);
    let first = db.search_backfill_step(4).expect("step");
    assert!(!first.complete() && first.done > 0, "{first:?}");
    // Changes to messages already indexed follow too.
    write(
        &mut db,
        &c1,
        vec![said("m0", 0, Direction::Inbound, "box zero")],
    );
    while !db.search_backfill_step(4).expect("step").complete() {}
    db.check_search_index()
        .expect("the index matches the messages");
    let mut found = ids(&find(&db, "parcel"))
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(
        found,
        ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m9", "new"]
    );
    assert_eq!(ids(&find(&db, "edited")), ["m7"]);
    assert_eq!(ids(&find(&db, "box")), ["m0"]);
}
