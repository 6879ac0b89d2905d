//! Small pieces every provider's task needs: a child task that goes when its owner goes, and
//! an optional source of work (a webhook receiver an account may not have) in a `select!`.

use tokio::sync::mpsc;

/// Aborts the task when dropped, so a webhook receiver goes with its provider.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The next item of `source`, or never when there is none (an account without a receiver).
pub async fn next_or_never<T>(source: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match source {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}
