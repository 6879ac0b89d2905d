//! What the suites share besides the fakes: waiting on provider events and on conditions, the
//! fault proxy between a client and a fake, and the crash harness of the crash suites.
#![allow(dead_code)]

use std::time::Duration;

use switchboard::app::{App, Event};
use switchboard::model::AccountId;
use switchboard::providers::{AccountEvent, ProviderEvent};
use tokio::sync::mpsc;

pub mod crash;
pub mod faults;
pub mod screen;

// ----- event helpers ------------------------------------------------------------------------------

/// Applies what `account`'s provider said to the app, at the app's own time, as the event loop
/// does with a batch of one.
pub fn apply_provider(app: &mut App, account: &str, event: ProviderEvent) {
    app.apply(
        app.now,
        Event::provider(AccountEvent {
            account: AccountId::new(account),
            event,
        }),
    );
}

/// Waits (up to `within`) for an event matching `pred`, returning it and everything seen before.
pub async fn wait_for(
    events: &mut mpsc::Receiver<AccountEvent>,
    within: Duration,
    what: &str,
    mut pred: impl FnMut(&ProviderEvent) -> bool,
) -> (ProviderEvent, Vec<ProviderEvent>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                if pred(&event.event) {
                    return (event.event, seen);
                }
                seen.push(event.event);
            }
            Ok(None) => panic!("event channel closed while waiting for {what}; seen {seen:#?}"),
            Err(_) => panic!("timed out waiting for {what}; seen {seen:#?}"),
        }
    }
}

/// Waits (up to five seconds) until `done` holds, checking every few milliseconds: a test
/// waits on what it expects rather than sleeping for a guessed time.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Everything that arrives within `window`.
pub async fn drain(
    events: &mut mpsc::Receiver<AccountEvent>,
    window: Duration,
) -> Vec<ProviderEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        seen.push(event.event);
    }
    seen
}
