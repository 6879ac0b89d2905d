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
            while let Some(first) = receiver.blocking_recv() {
                batch.push(first);
                while batch.len() < BATCH {
                    match receiver.try_recv() {
                        Ok(write) => batch.push(write),
                        Err(_) => break,
                    }
                }
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

fn apply(db: &mut Db, batch: &[StoreRequest], events: &mpsc::Sender<StoreEvent>) {
    let result = db.apply(batch);
    answer_pages(db, batch, events);
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

/// Answers the page queries of a batch, after its writes (so a page holds what was queued
/// before it). A failed read answers an exhausted empty page: the thread then asks its provider.
fn answer_pages(db: &Db, batch: &[StoreRequest], events: &mpsc::Sender<StoreEvent>) {
    for write in batch {
        let StoreRequest::LoadPage { key, before, limit } = write else {
            continue;
        };
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
        let _ = events.blocking_send(StoreEvent::Page {
            key: key.clone(),
            messages,
            exhausted,
        });
    }
}

fn describe(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in memory)".to_string(), |p| p.display().to_string())
}

#[cfg(test)]
mod tests;
