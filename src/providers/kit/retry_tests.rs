use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

#[derive(Debug, Clone, PartialEq)]
struct Failed(ErrorClass);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl Classify for Failed {
    fn class(&self) -> ErrorClass {
        self.0
    }
}

impl From<std::convert::Infallible> for Failed {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// A token that counts its renewals; `renewable` says whether it can be renewed.
struct Token {
    generation: AtomicU32,
    renewable: bool,
}

impl Credentials for Token {
    type Credential = u32;
    type Error = Failed;

    async fn current(&self) -> Result<u32, Failed> {
        Ok(self.generation.load(Ordering::SeqCst))
    }

    async fn renew(&self, stale: &u32) -> Result<bool, Failed> {
        if self.renewable {
            let _ = self.generation.compare_exchange(
                *stale,
                stale + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
        Ok(self.renewable)
    }
}

/// Runs `policy` against answers given in order (the last one repeats), returning the result
/// and the credentials each attempt was made with.
async fn run(
    policy: &RetryPolicy,
    credentials: &impl Credentials<Credential = u32, Error = Failed>,
    answers: &[Result<&'static str, ErrorClass>],
) -> (Result<&'static str, Failed>, Vec<u32>) {
    let seen = Mutex::new(Vec::new());
    let result = policy
        .run("test call", credentials, |credential| {
            let mut seen = seen.lock().expect("lock");
            seen.push(credential);
            let answer = answers[(seen.len() - 1).min(answers.len() - 1)];
            async move { answer.map_err(Failed) }
        })
        .await;
    (result, seen.into_inner().expect("lock"))
}

fn token(renewable: bool) -> Token {
    Token {
        generation: AtomicU32::new(0),
        renewable,
    }
}

const BUSY: ErrorClass = ErrorClass::RateLimited {
    retry_after: Some(Duration::from_secs(7)),
};

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_up_to_the_cap() {
    let policy = RetryPolicy::with_retries(2);
    let (result, attempts) = run(&policy, &token(false), &[Err(ErrorClass::Transient)]).await;
    assert_eq!(result, Err(Failed(ErrorClass::Transient)));
    assert_eq!(attempts.len(), 3, "one attempt and two retries");

    let (result, attempts) = run(
        &policy,
        &token(false),
        &[Err(ErrorClass::Transient), Ok("done")],
    )
    .await;
    assert_eq!(result, Ok("done"));
    assert_eq!(attempts.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn rejected_and_unreadable_answers_are_final() {
    let policy = RetryPolicy::with_retries(5);
    for class in [
        ErrorClass::Rejected,
        ErrorClass::Decode,
        ErrorClass::Auth { renewable: false },
    ] {
        let (result, attempts) = run(&policy, &token(true), &[Err(class)]).await;
        assert_eq!(result, Err(Failed(class)));
        assert_eq!(attempts.len(), 1, "{class:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_waits_for_its_retry_after() {
    let policy = RetryPolicy::with_retries(1);
    let started = tokio::time::Instant::now();
    let (result, _) = run(&policy, &token(false), &[Err(BUSY), Ok("done")]).await;
    assert_eq!(result, Ok("done"));
    assert_eq!(started.elapsed(), Duration::from_secs(7));

    let greedy = ErrorClass::RateLimited {
        retry_after: Some(Duration::from_secs(3600)),
    };
    let started = tokio::time::Instant::now();
    let (result, _) = run(&policy, &token(false), &[Err(greedy), Ok("done")]).await;
    assert_eq!(result, Ok("done"));
    assert_eq!(started.elapsed(), MAX_RETRY_AFTER, "an hour is capped");
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_can_end_the_call_instead() {
    let policy = RetryPolicy {
        longest_wait_in_call: Some(Duration::from_secs(5)),
        ..RetryPolicy::with_retries(3)
    };
    let (result, attempts) = run(&policy, &token(false), &[Err(BUSY), Ok("done")]).await;
    assert_eq!(result, Err(Failed(BUSY)), "7 s is more than the call waits");
    assert_eq!(attempts.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn sends_retry_only_rate_limits() {
    let policy = RetryPolicy::with_retries(3).for_sends();
    let (result, attempts) = run(&policy, &token(false), &[Err(ErrorClass::Transient)]).await;
    assert_eq!(result, Err(Failed(ErrorClass::Transient)));
    assert_eq!(
        attempts.len(),
        1,
        "a timeout may hide a message that arrived"
    );
    let (result, attempts) = run(&policy, &token(false), &[Err(BUSY), Ok("sent")]).await;
    assert_eq!(result, Ok("sent"));
    assert_eq!(attempts.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_is_renewed_once_per_call() {
    let refused = ErrorClass::Auth { renewable: true };
    let policy = RetryPolicy::with_retries(3);
    let (result, attempts) = run(&policy, &token(true), &[Err(refused), Ok("done")]).await;
    assert_eq!(result, Ok("done"));
    assert_eq!(attempts, vec![0, 1], "the retry carries the renewed token");

    let (result, attempts) = run(&policy, &token(true), &[Err(refused)]).await;
    assert_eq!(result, Err(Failed(refused)), "a second refusal is final");
    assert_eq!(attempts, vec![0, 1]);

    let (result, attempts) = run(&policy, &token(false), &[Err(refused)]).await;
    assert_eq!(
        result,
        Err(Failed(refused)),
        "a fixed key cannot be renewed"
    );
    assert_eq!(attempts, vec![0]);
}
