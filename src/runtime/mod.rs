//! The runtime: the only code that glues the pure parts (app, ui) to the world (terminal,
//! providers, hub, clock). See `event_loop` for the loop itself.

pub mod event_loop;
pub mod executor;
pub mod input;
pub mod send;
pub mod session;
pub mod terminal;

pub use event_loop::{Surface, run};
pub use executor::Executor;
pub use session::{Session, StartOptions};

/// The wall clock, read here and nowhere in the app.
pub fn now() -> crate::model::Timestamp {
    time::OffsetDateTime::now_utc()
}
