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
/// Older messages indexed per slice of the search backfill (a few tens of milliseconds).
const BACKFILL_ROWS: u32 = 20_000;

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
            match db.load() {
                Ok(snapshot) => {
                    let _ = events.blocking_send(StoreEvent::Loaded(snapshot));
                }
                Err(err) => {
                    tracing::error!("loading the local store failed: {err}");
                    let _ = events.blocking_send(StoreEvent::Loaded(Snapshot::default()));
                    let _ = events.blocking_send(StoreEvent::Failed(format!(
                        "the local cache could not be read: {err}"
                    )));
                }
            }
            let mut batch = Vec::new();
            if !backfill_search(&mut db, &mut receiver, &mut batch, &events) {
                return;
            }
            while let Some(first) = receiver.blocking_recv() {
                batch.push(first);
                take_queued(&mut receiver, &mut batch);
                apply(&mut db, &batch, &events);
                batch.clear();
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

/// Builds the search index over messages stored before it existed, a slice at a time, after
/// the start snapshot went out (the first frame never waits for it) and with whatever the app
/// asks for served between slices. Returns false once the app has gone.
fn backfill_search(
    db: &mut Db,
    receiver: &mut mpsc::UnboundedReceiver<StoreRequest>,
    batch: &mut Vec<StoreRequest>,
    events: &mpsc::Sender<StoreEvent>,
) -> bool {
    let mut state = match db.search_backfill() {
        Ok(state) => state,
        Err(err) => {
            tracing::error!("reading the search index state failed: {err}");
            return true;
        }
    };
    if state.complete() {
        return true;
    }
    tracing::info!(messages = state.total, "building the search index");
    while !state.complete() {
        loop {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    if !batch.is_empty() {
                        apply(db, batch, events);
                    }
                    return false;
                }
            }
            take_queued(receiver, batch);
            apply(db, batch, events);
            batch.clear();
        }
        state = match db.search_backfill_step(BACKFILL_ROWS) {
            Ok(state) => state,
            Err(err) => {
                tracing::error!("building the search index failed: {err}");
                let _ = events.blocking_send(StoreEvent::Failed(format!(
                    "the search index could not be built: {err}"
                )));
                return true;
            }
        };
        let _ = events.blocking_send(StoreEvent::Indexing {
            done: state.done,
            total: state.total,
        });
    }
    tracing::info!(messages = state.total, "search index built");
    true
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
fn answer_reads(db: &Db, batch: &[StoreRequest], events: &mpsc::Sender<StoreEvent>) {
    for request in batch {
        let event = match request {
            StoreRequest::LoadPage {
                key,
                before,
                limit,
                through,
            } => {
                let (messages, exhausted) =
                    match read_page(db, key, before.as_ref(), *limit, through.as_ref()) {
                        Ok((messages, asked)) => {
                            let exhausted = messages.len() < asked;
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
            StoreRequest::Search { id, query, limit } => StoreEvent::Found {
                id: *id,
                hits: db.search(query, *limit).map_err(|err| {
                    tracing::error!("searching the local store failed: {err}");
                    "the search could not be run on the local store (see the log)".to_string()
                }),
            },
            _ => continue,
        };
        let _ = events.blocking_send(event);
    }
}

/// A page, reaching back through a message when asked; also answers how many were asked for.
fn read_page(
    db: &Db,
    key: &crate::model::ConversationKey,
    before: Option<&(crate::model::Timestamp, String)>,
    limit: usize,
    through: Option<&(crate::model::Timestamp, String)>,
) -> rusqlite::Result<(Vec<crate::model::Message>, usize)> {
    let asked = match through {
        Some(through) => db.count_through(key, through, before)? + limit,
        None => limit,
    };
    Ok((db.page(key, before, asked)?, asked))
}

fn describe(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in memory)".to_string(), |p| p.display().to_string())
}

#[cfg(test)]
mod tests;
