//! How fast conversations first heard of in a push are looked up. Each lookup is three REST
//! calls (the conversation, its contact, its tail), so a server pushing thousands of unknown
//! conversations would have us make thousands of calls and store all of it: a few are looked
//! up at once, the rest wait for the next sync, which lists conversations a page at a time.

use std::time::Duration;

// Tokio's clock: virtual in the reproducible demo, the wall clock elsewhere.
use tokio::time::Instant;

/// Lookups allowed per window.
const PER_WINDOW: u32 = 10;
const WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct DiscoveryBudget {
    window_start: Option<Instant>,
    used: u32,
    /// Pushes for unknown conversations left to the next sync since the last notice.
    pub deferred: u64,
}

impl DiscoveryBudget {
    /// Whether one more lookup may run now.
    pub fn allow(&mut self, now: Instant) -> bool {
        let fresh = self
            .window_start
            .is_none_or(|start| now.duration_since(start) >= WINDOW);
        if fresh {
            self.window_start = Some(now);
            self.used = 0;
        }
        if self.used >= PER_WINDOW {
            self.deferred += 1;
            return false;
        }
        self.used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_budget_waits_for_the_next_window() {
        let mut budget = DiscoveryBudget::default();
        let start = Instant::now();
        let allowed = (0..10_000).filter(|_| budget.allow(start)).count();
        assert_eq!(allowed, PER_WINDOW as usize);
        assert_eq!(budget.deferred, 10_000 - u64::from(PER_WINDOW));
        assert!(budget.allow(start + WINDOW));
    }
}
