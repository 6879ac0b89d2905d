//! Small pieces every provider's task needs: a child task that goes when its owner goes, an
//! optional source of work (a webhook receiver an account may not have) and an optional
//! deadline in a `select!`.

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

/// Sleeps until `deadline`, or forever without one (waiting for the user, not the clock).
pub async fn sleep_until_or_never(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
