//! The local store: one SQLite file (WAL) in the XDG data dir holding every account's
//! conversations, messages, read markers, backfill cursors and the outbox of unsent replies.
//!
//! One actor owns the connection: a plain thread (SQLite calls block) that takes
//! [`StoreRequest`]s in order and applies whatever has queued up in one transaction. On start it
//! sends the cached inbox ([`StoreEvent::Loaded`]) so the first frame shows data before any
//! network answers. The write channel is unbounded so the event loop never blocks on disk; the
//! writes themselves are bounded by the (bounded) event channel that produces them, and a
//! batch commits thousands of rows at once, so the actor keeps up.

mod codec;
pub mod db;
mod schema;
pub mod search;

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

pub use self::db::Db;
pub use crate::contract::store::{
    CachedConversation, OutboxEntry, OutboxState, Snapshot, StoreEvent, StoreRequest,
};

/// Writes applied per transaction at most.
const BATCH: usize = 1024;
/// Store events buffered for the loop (there are few: the snapshot, confirmations, pages asked
/// for, failures).
const EVENT_QUEUE: usize = 256;

/// `<XDG data dir>/switchboard/inbox.sqlite3`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "switchboard", "switchboard")
        .map(|dirs| dirs.data_dir().join("inbox.sqlite3"))
}

/// The loop's side of the actor. Dropping it closes the channel; the actor finishes what is
/// queued and exits.
pub struct StoreHandle {
    writes: mpsc::UnboundedSender<StoreRequest>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StoreHandle {
    /// Queues a write; never blocks. Returns false once the actor has stopped.
    pub fn write(&self, write: StoreRequest) -> bool {
        self.writes.send(write).is_ok()
    }

    /// Closes the channel and waits until every queued write is on disk.
    pub fn close(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let (closed, _) = mpsc::unbounded_channel();
        drop(std::mem::replace(&mut self.writes, closed));
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store thread panicked");
        }
    }
}

impl Drop for StoreHandle {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Opens the store at `path` (`None`: in memory) and starts its actor. The first event on the
/// returned channel is [`StoreEvent::Loaded`] (empty if the file could not be read, followed by
/// a [`StoreEvent::Failed`] saying why).
pub fn spawn(path: Option<&Path>) -> anyhow::Result<(StoreHandle, mpsc::Receiver<StoreEvent>)> {
    if let Some(dir) = path.and_then(Path::parent) {
        std::fs::create_dir_all(dir)?;
    }
    let mut db = Db::open(path)
        .map_err(|err| anyhow::anyhow!("opening the local store {}: {err}", describe(path)))?;
    let (writes, mut receiver) = mpsc::unbounded_channel::<StoreRequest>();
    let (events, event_receiver) = mpsc::channel(EVENT_QUEUE);
    let thread = std::thread::Builder::new()
        .name("switchboard-store".to_string())
        .spawn(move || {
            let mut rest = send_part(db.load(), "the local cache", &events);
            let mut batch = Vec::new();
            let mut index = Indexing::default();
            loop {
                // What the app asks comes first; the search index catches up in between.
                let first = match receiver.try_recv() {
                    Ok(first) => first,
                    Err(mpsc::error::TryRecvError::Disconnected) => return,
                    // The rest of the start before the index.
                    Err(mpsc::error::TryRecvError::Empty) if rest.is_some() => {
                        rest = load_more(&db, rest.take(), &events);
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Empty) if index.step(&mut db, &events) => {
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Empty) => match receiver.blocking_recv() {
                        Some(first) => first,
                        None => return,
                    },
                };
                batch.push(first);
                take_queued(&mut receiver, &mut batch);
                apply(&mut db, &batch, &events);
                batch.clear();
                index.stale = true;
            }
        })?;
    Ok((
        StoreHandle {
            writes,
            thread: Some(thread),
        },
        event_receiver,
    ))
}

/// Sends the next part of the start; returns what is left after it.
fn load_more(
    db: &Db,
    rest: Option<db::StartRest>,
    events: &mpsc::Sender<StoreEvent>,
) -> Option<db::StartRest> {
    send_part(db.load_more(rest?), "part of the local cache", events)
}

/// Sends a part of the start read from the file, or, when it could not be read, an empty
/// last part (the app stops waiting for more) and why; returns what is left after it.
fn send_part(
    part: rusqlite::Result<(Snapshot, Option<db::StartRest>)>,
    what: &str,
    events: &mpsc::Sender<StoreEvent>,
) -> Option<db::StartRest> {
    match part {
        Ok((snapshot, rest)) => {
            let _ = events.blocking_send(StoreEvent::Loaded(snapshot));
            rest
        }
        Err(err) => {
            tracing::error!("reading {what} failed: {err}");
            let _ = events.blocking_send(StoreEvent::Loaded(Snapshot::default()));
            let _ = events.blocking_send(StoreEvent::Failed(format!(
                "{what} could not be read: {err}"
            )));
            None
        }
    }
}

/// Adds what is queued to `batch`, up to [`BATCH`] requests.
fn take_queued(
    receiver: &mut mpsc::UnboundedReceiver<StoreRequest>,
    batch: &mut Vec<StoreRequest>,
) {
    while batch.len() < BATCH {
        match receiver.try_recv() {
            Ok(write) => batch.push(write),
            Err(_) => break,
        }
    }
}

/// Messages left unindexed until a search (or more writes) rather than indexed when idle.
const SMALL_BACKLOG: u64 = 1_000;

/// The search index catching up with the messages while the actor is idle.
#[derive(Default)]
struct Indexing {
    /// Messages may have been written since the index last caught up.
    stale: bool,
    /// A large backlog is being worked through, and the app is told how far it is.
    reporting: bool,
    checked: bool,
}

impl Indexing {
    /// Indexes one slice if any messages wait; returns whether it did (then there may be more).
    fn step(&mut self, db: &mut Db, events: &mpsc::Sender<StoreEvent>) -> bool {
        if self.checked && !self.stale {
            return false;
        }
        self.checked = true;
        let backlog = match db.search_backlog() {
            Ok(backlog) => backlog,
            Err(err) => {
                tracing::error!("reading the search index state failed: {err}");
                self.stale = false;
                return false;
            }
        };
        // A few messages wait for the next search (which catches up first) rather than cost
        // a commit of their own after every batch.
        if backlog.complete() || (!self.reporting && backlog.left() < SMALL_BACKLOG) {
            self.stale = false;
            if std::mem::take(&mut self.reporting) {
                tracing::info!(messages = backlog.total, "search index built");
                let _ = events.blocking_send(StoreEvent::Indexing {
                    done: backlog.total,
                    total: backlog.total,
                });
            }
            return false;
        }
        if !self.reporting && backlog.left() > u64::from(db::CATCH_UP_ROWS) {
            tracing::info!(messages = backlog.left(), "building the search index");
            self.reporting = true;
        }
        match db.index_step(db::CATCH_UP_ROWS) {
            Ok(after) if self.reporting => {
                let _ = events.blocking_send(StoreEvent::Indexing {
                    done: after.done,
                    total: after.total,
                });
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!("building the search index failed: {err}");
                let _ = events.blocking_send(StoreEvent::Failed(format!(
                    "the search index could not be built: {err}"
                )));
                if std::mem::take(&mut self.reporting) {
                    // No progress is shown for work that has stopped.
                    let _ = events.blocking_send(StoreEvent::Indexing { done: 0, total: 0 });
                }
                self.stale = false;
                return false;
            }
        }
        true
    }
}

fn apply(db: &mut Db, batch: &[StoreRequest], events: &mpsc::Sender<StoreEvent>) {
    let result = db.apply(batch);
    answer_reads(db, batch, events);
    match result {
        Ok(()) => {
            for write in batch {
                if let StoreRequest::Enqueue { entry, .. } = write {
                    let _ = events.blocking_send(StoreEvent::Queued {
                        client_id: entry.client_id.clone(),
                    });
                }
            }
        }
        Err(err) => {
            tracing::error!(writes = batch.len(), "local store write failed: {err}");
            // Replies must still go out even when the cache cannot keep them.
            for write in batch {
                if let StoreRequest::Enqueue { entry, .. } = write {
                    let _ = events.blocking_send(StoreEvent::Queued {
                        client_id: entry.client_id.clone(),
                    });
                }
            }
            let _ = events.blocking_send(StoreEvent::Failed(format!(
                "the local cache could not be written: {err}"
            )));
        }
    }
}

/// Answers the reads of a batch, after its writes (so a read sees what was queued before
/// it). A failed page read answers an exhausted empty page: the thread then asks its provider.
fn answer_reads(db: &mut Db, batch: &[StoreRequest], events: &mpsc::Sender<StoreEvent>) {
    for event in batch.iter().filter_map(|request| answer(db, request)) {
        let _ = events.blocking_send(event);
    }
}

/// The answer to a read (`None` for a write), from the store as it now is.
pub fn answer(db: &mut Db, request: &StoreRequest) -> Option<StoreEvent> {
    Some(match request {
        StoreRequest::LoadPage { key, before, limit } => {
            let (messages, exhausted) = match db.page(key, before.as_ref(), *limit) {
                Ok(messages) => {
                    let exhausted = messages.len() < *limit;
                    (messages, exhausted)
                }
                Err(err) => {
                    tracing::error!("reading a page of the local store failed: {err}");
                    (Vec::new(), true)
                }
            };
            StoreEvent::Page {
                key: key.clone(),
                messages,
                exhausted,
            }
        }
        StoreRequest::LoadAround {
            key,
            at,
            older,
            newer,
        } => match db.around(key, at, *older, *newer) {
            Ok(around) => StoreEvent::Around {
                key: key.clone(),
                at: at.clone(),
                messages: around.messages,
                older_exhausted: around.older_exhausted,
                newer_exhausted: around.newer_exhausted,
            },
            Err(err) => {
                tracing::error!("reading messages around one of the local store failed: {err}");
                StoreEvent::Around {
                    key: key.clone(),
                    at: at.clone(),
                    messages: Vec::new(),
                    older_exhausted: *older > 0,
                    newer_exhausted: *newer > 0,
                }
            }
        },
        StoreRequest::Search { id, query, limit } => StoreEvent::Found {
            id: *id,
            hits: db.search(query, *limit).map_err(|err| {
                tracing::error!("searching the local store failed: {err}");
                "the search could not be run on the local store (see the log)".to_string()
            }),
        },
        _ => return None,
    })
}

/// The store's file, for messages (or that it is in memory).
fn describe(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in memory)".to_string(), |p| p.display().to_string())
}

#[cfg(test)]
mod tests;
