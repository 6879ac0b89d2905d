//! Reconnect and retry delays: exponential growth with "full jitter" (a uniform pick between
//! zero and the current ceiling), so that many clients dropped at once do not come back in step.

use std::time::Duration;

const BASE: Duration = Duration::from_millis(500);
const CAP: Duration = Duration::from_secs(30);

/// Exponential backoff with full jitter: base 500 ms, cap 30 s. Call [`Backoff::reset`] after a
/// success so the next failure starts small again.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    /// Base 500 ms, cap 30 s, randomly seeded.
    pub fn new() -> Self {
        Self::with_rng(BASE, CAP, fastrand::Rng::new())
    }

    /// Same limits with a fixed seed, so tests see a reproducible sequence.
    pub fn with_seed(seed: u64) -> Self {
        Self::with_rng(BASE, CAP, fastrand::Rng::with_seed(seed))
    }

    /// Custom limits (tests and callers that want a shorter or longer scale).
    pub fn with_limits(base: Duration, cap: Duration, seed: u64) -> Self {
        Self::with_rng(base, cap, fastrand::Rng::with_seed(seed))
    }

    fn with_rng(base: Duration, cap: Duration, rng: fastrand::Rng) -> Self {
        Self {
            base,
            cap,
            attempt: 0,
            rng,
        }
    }

    /// The ceiling for the current attempt: `min(cap, base * 2^attempt)`.
    pub fn ceiling(&self) -> Duration {
        // Past 2^20 the cap has long been reached; clamping the shift avoids overflow.
        let factor = 1u32 << self.attempt.min(20);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The delay to wait before the next attempt; each call raises the ceiling.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.rng.u64(0..=millis))
    }

    /// How many delays were handed out since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the base ceiling after a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_a_doubling_ceiling_up_to_the_cap() {
        let mut backoff = Backoff::with_seed(7);
        let mut ceiling = BASE;
        for _ in 0..12 {
            let delay = backoff.next_delay();
            assert!(delay <= ceiling, "{delay:?} > {ceiling:?}");
            ceiling = (ceiling * 2).min(CAP);
        }
        assert_eq!(backoff.ceiling(), CAP);
        for _ in 0..100 {
            assert!(backoff.next_delay() <= CAP);
        }
    }

    #[test]
    fn same_seed_same_sequence_and_jitter_varies() {
        let mut a = Backoff::with_seed(42);
        let mut b = Backoff::with_seed(42);
        let seq_a: Vec<_> = (0..8).map(|_| a.next_delay()).collect();
        let seq_b: Vec<_> = (0..8).map(|_| b.next_delay()).collect();
        assert_eq!(seq_a, seq_b);
        let mut c = Backoff::with_seed(1);
        for _ in 0..10 {
            c.next_delay();
        }
        let capped: Vec<_> = (0..10).map(|_| c.next_delay()).collect();
        assert!(
            capped.windows(2).any(|w| w[0] != w[1]),
            "full jitter varies"
        );
    }

    #[test]
    fn reset_starts_small_again() {
        let mut backoff = Backoff::with_seed(3);
        for _ in 0..10 {
            backoff.next_delay();
        }
        backoff.reset();
        assert_eq!(backoff.attempts(), 0);
        assert!(backoff.next_delay() <= BASE);
    }

    #[test]
    fn custom_limits_apply() {
        let mut backoff =
            Backoff::with_limits(Duration::from_millis(10), Duration::from_millis(40), 9);
        for _ in 0..20 {
            assert!(backoff.next_delay() <= Duration::from_millis(40));
        }
    }
}
