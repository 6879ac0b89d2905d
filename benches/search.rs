//! Issue 19's search budgets on a store the size of `store_scale`'s (1,000,000 messages in
//! 10,000 conversations), with text that reads like support chat instead of one repeated line:
//! every message a seeded draw of 6–24 words from a vocabulary of common support words and a
//! long tail of rarer ones (Zipf-like), so words match from a handful of messages to a tenth
//! of them. Measured:
//!
//! - the index's cost: the rate messages are written at (the index trails them), the time the
//!   store actor then spends indexing them when idle (per message, and the longest slice, the
//!   most one request of the app can wait behind it), the file with and without the index;
//! - queries: the first page (50 hits) through `Db::search` (parse done, SQL, snippets,
//!   decoding, sanitising), p50/p99 over repeated runs, and the same SQL stepped on a raw
//!   connection to the same file as the floor, with the ratio.
//!
//! `cargo bench --bench search`. `SWITCHBOARD_BENCH_SEARCH_STORE=path` keeps and reuses the
//! indexed store between runs (then the cost figures are skipped);
//! `SWITCHBOARD_BENCH_SEARCH_MESSAGES=N` builds a smaller one (a quick figure).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params_from_iter;
use switchboard::contract::search::parse;
use switchboard::contract::store::{CachedConversation, StoreRequest};
use switchboard::model::{
    AccountId, Channel, Contact, Content, Conversation, ConversationKey, ConversationStatus,
    DeliveryStatus, Direction, Message,
};
use switchboard::store::db::CATCH_UP_ROWS;
use switchboard::store::{Db, search};
use time::macros::datetime;
use time::{Duration as Span, UtcOffset};

const CONVERSATIONS: usize = 10_000;
/// 1,000,000 unless `SWITCHBOARD_BENCH_SEARCH_MESSAGES` says otherwise.
static MESSAGES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
const RUNS: usize = 200;

/// Words support chats are made of, most common first.
const COMMON: &[&str] = &[
    "the",
    "to",
    "i",
    "you",
    "a",
    "my",
    "is",
    "it",
    "for",
    "and",
    "order",
    "please",
    "can",
    "thanks",
    "hi",
    "we",
    "your",
    "on",
    "of",
    "in",
    "refund",
    "delivery",
    "account",
    "help",
    "not",
    "have",
    "was",
    "payment",
    "package",
    "today",
    "card",
    "number",
    "tracking",
    "still",
    "item",
    "email",
    "address",
    "return",
    "week",
    "time",
    "received",
    "cancel",
    "invoice",
    "password",
    "app",
    "store",
    "shipping",
    "charged",
    "twice",
    "broken",
    "replacement",
    "subscription",
    "booking",
    "ticket",
    "flight",
    "hotel",
    "voucher",
    "discount",
    "code",
    "phone",
    "update",
    "confirm",
    "problem",
    "issue",
    "sorry",
    "waiting",
    "days",
    "late",
    "courier",
    "driver",
    "vacuum",
    "kettle",
    "blender",
    "laptop",
    "screen",
    "battery",
    "warranty",
    "receipt",
    "bank",
    "transfer",
    "balance",
    "login",
    "reset",
    "verify",
    "delivered",
    "missing",
    "wrong",
    "size",
    "colour",
    "exchange",
    "manager",
    "complaint",
];

struct Words {
    rng: fastrand::Rng,
    tail: Vec<String>,
}

impl Words {
    fn new() -> Self {
        let mut rng = fastrand::Rng::with_seed(19);
        let syllables = [
            "ka", "lo", "mi", "ren", "do", "sa", "vek", "tu", "bri", "on", "el", "pa", "zor",
            "qui", "ne", "har", "lis", "to", "gam", "u",
        ];
        let tail = (0..20_000)
            .map(|_| {
                (0..rng.usize(2..=4))
                    .map(|_| syllables[rng.usize(..syllables.len())])
                    .collect()
            })
            .collect();
        Self { rng, tail }
    }

    /// A Zipf-like draw: the common words most of the time, the tail for the rest.
    fn word(&mut self) -> &str {
        let pick = self.rng.f64();
        if pick < 0.8 {
            let rank = (COMMON.len() as f64).powf(self.rng.f64()) as usize - 1;
            COMMON[rank.min(COMMON.len() - 1)]
        } else {
            let rank = (self.tail.len() as f64).powf(self.rng.f64()) as usize - 1;
            &self.tail[rank.min(self.tail.len() - 1)]
        }
    }

    fn sentence(&mut self) -> String {
        let count = self.rng.usize(6..=24);
        let mut text = String::new();
        for n in 0..count {
            if n > 0 {
                text.push(' ');
            }
            let word = self.word().to_string();
            text.push_str(&word);
        }
        text
    }
}

fn key(index: usize) -> ConversationKey {
    ConversationKey::new(&AccountId::new("bench"), format!("c{index:05}"))
}

fn conversation(index: usize) -> CachedConversation {
    let channels = [
        Channel::WhatsApp,
        Channel::Sms,
        Channel::Telegram,
        Channel::Email,
    ];
    CachedConversation {
        info: Conversation {
            key: key(index),
            channel: channels[index % channels.len()].clone(),
            contact: Contact {
                id: format!("k{index}"),
                name: format!("Customer {index}"),
                identity: String::new(),
            },
            status: if index.is_multiple_of(5) {
                ConversationStatus::Resolved
            } else {
                ConversationStatus::Open
            },
            unread: (index % 4) as u32,
            last_message_at: None,
            last_message: None,
            metadata: Default::default(),
            work: None,
        },
        snooze: None,
        history_complete: true,
    }
}

/// Writes the store through `Db::apply` in batches of 10,000 messages, as `store_scale` does;
/// returns the time the message writes took.
fn build(db: &mut Db) -> Duration {
    db.apply(&[StoreRequest::Conversations(
        (0..CONVERSATIONS).map(conversation).collect(),
    )])
    .expect("conversations");
    let mut words = Words::new();
    let start = datetime!(2026-01-01 00:00 UTC);
    let per = messages() / CONVERSATIONS;
    let mut batch = Vec::new();
    let mut taken = Duration::ZERO;
    for index in 0..CONVERSATIONS {
        let messages = (0..per)
            .map(|n| {
                let direction = if n.is_multiple_of(3) {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                };
                Message {
                    id: format!("m{index}-{n}"),
                    client_id: None,
                    direction,
                    sender: "Someone".into(),
                    content: Content::Text(words.sentence()),
                    at: start + Span::minutes((index * per + n) as i64),
                    status: DeliveryStatus::Read,
                    failure: None,
                }
            })
            .collect();
        batch.push(StoreRequest::Messages {
            key: key(index),
            messages,
        });
        if batch.len() * per >= 10_000 {
            let started = Instant::now();
            db.apply(&batch).expect("messages");
            taken += started.elapsed();
            batch.clear();
        }
    }
    let started = Instant::now();
    db.apply(&batch).expect("messages");
    taken + started.elapsed()
}

fn size_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6)
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kept = std::env::var("SWITCHBOARD_BENCH_SEARCH_STORE").ok();
    let indexed = kept
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("indexed.sqlite3"));
    if !indexed.exists() {
        index_costs(&indexed);
    }
    queries(&indexed);
}

/// The store written as the app writes it (the index trails the messages, so writing costs
/// what it did without one), then the index caught up as the store actor does when idle:
/// its cost per message and in file size, and the longest slice (the most a request of the
/// app can wait behind it).
fn index_costs(path: &Path) {
    let mut db = Db::open(Some(path)).expect("store");
    let written = build(&mut db);
    drop(db);
    let before = size_mb(path);
    let mut db = Db::open(Some(path)).expect("reopen");
    let started = Instant::now();
    let (mut longest, mut slices) = (Duration::ZERO, 0);
    loop {
        let slice = Instant::now();
        let backlog = db.index_step(CATCH_UP_ROWS).expect("step");
        longest = longest.max(slice.elapsed());
        slices += 1;
        if backlog.complete() {
            break;
        }
    }
    let indexing = started.elapsed();
    drop(db);
    let after = size_mb(path);
    let per_message = |taken: Duration| taken.as_secs_f64() * 1e6 / messages() as f64;
    println!(
        "index cost, {} messages in {CONVERSATIONS} conversations written in batches of 10,000:",
        messages()
    );
    println!(
        "  writing  {:.0} k msg/s ({:.1} µs a message; the index trails, so this is the rate without one)",
        messages() as f64 / written.as_secs_f64() / 1e3,
        per_message(written)
    );
    println!(
        "  indexing {:.1} s in {slices} slices of {CATCH_UP_ROWS} ({:.1} µs a message, {:+.0} % of writing; longest slice {:.0} ms)",
        indexing.as_secs_f64(),
        per_message(indexing),
        indexing.as_secs_f64() / written.as_secs_f64() * 100.0,
        longest.as_secs_f64() * 1e3
    );
    println!(
        "  file     {before:.0} MB without the index, {after:.0} MB with it ({:+.0} %)",
        (after / before - 1.0) * 100.0
    );
}

fn queries(path: &Path) {
    let mut db = Db::open(Some(path)).expect("store");
    let raw = rusqlite::Connection::open(path).expect("raw");
    search::register(&raw).expect("function");
    let tail = Words::new().tail;
    let rare = tail[tail.len() / 2].clone();
    let cases = [
        ("common word", "order".to_string()),
        ("rarer word", "warranty".to_string()),
        ("tail word", rare.clone()),
        ("prefix", "refu*".to_string()),
        ("short prefix", "de*".to_string()),
        ("phrase", "\"tracking number\"".to_string()),
        ("two words", "refund charged".to_string()),
        ("filtered", "refund from:customer channel:sms".to_string()),
        (
            "filtered + dates",
            "delivery status:open after:2026-06-01 before:2026-09-01".to_string(),
        ),
        ("filters alone", "is:unread channel:sms".to_string()),
    ];
    println!("search, first page of 50 hits, {RUNS} runs each (warm cache):");
    for (name, text) in cases {
        let query = parse(&text, UtcOffset::UTC);
        let hits = db.search(&query, 50).expect("search").len();
        let mut ours = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let query = parse(&text, UtcOffset::UTC);
            std::hint::black_box(db.search(&query, 50).expect("search"));
            ours.push(started.elapsed());
        }
        let statement = search::statement(&query, 50).expect("a statement");
        let mut floor = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let mut prepared = raw.prepare_cached(&statement.sql).expect("sql");
            let mut rows = prepared
                .query(params_from_iter(statement.params.iter()))
                .expect("query");
            let mut candidates = Vec::new();
            while let Some(row) = rows.next().expect("row") {
                if statement.page.is_none() {
                    // Filters alone: the page itself.
                    std::hint::black_box(row.get_ref(6).expect("text"));
                    continue;
                }
                let at: i64 = row.get(1).expect("time");
                candidates.push((at, row.get::<_, i64>(0).expect("rowid")));
            }
            if let Some(page) = &statement.page {
                // The page's hits with their snippets, as `Db::search` reads them.
                candidates.sort_unstable_by(|a, b| b.cmp(a));
                let wanted: std::collections::HashSet<i64> =
                    candidates.iter().take(50).map(|c| c.1).collect();
                let mut params = statement.params.clone();
                if let Some(last) = params.last_mut() {
                    *last = rusqlite::types::Value::Integer(50);
                }
                let mut newest = raw.prepare_cached(&page.newest).expect("page sql");
                let mut rows = newest.query(params_from_iter(params.iter())).expect("page");
                let mut left = wanted.clone();
                while let Some(row) = rows.next().expect("row") {
                    if left.remove(&row.get::<_, i64>(7).expect("rowid")) {
                        std::hint::black_box(row.get_ref(6).expect("snippet"));
                    }
                }
                let mut one = raw.prepare_cached(&page.one).expect("one sql");
                for rowid in left {
                    let mut rows = one
                        .query(rusqlite::params![statement.expression, rowid])
                        .expect("one");
                    while let Some(row) = rows.next().expect("row") {
                        std::hint::black_box(row.get_ref(6).expect("snippet"));
                    }
                }
            }
            floor.push(started.elapsed());
        }
        let (p50, p99) = quantiles(&mut ours);
        let (f50, f99) = quantiles(&mut floor);
        println!(
            "  {name:<16} {text:<58} {hits:>2} hits  p50 {p50:6.2} ms  p99 {p99:6.2} ms   raw SQL p50 {f50:6.2} p99 {f99:6.2} ms  ratio {:.2}",
            p99 / f99.max(1e-6)
        );
    }
}

fn quantiles(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn messages() -> usize {
    *MESSAGES.get_or_init(|| {
        std::env::var("SWITCHBOARD_BENCH_SEARCH_MESSAGES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000)
    })
}
