//! The runtime: the only code that glues the pure parts (app, ui) to the world (terminal,
//! providers, hub, clock). See `event_loop` for the loop itself.

pub mod alerts;
pub mod clipboard;
pub mod editor;
pub mod event_loop;
pub mod executor;
pub mod input;
pub mod long_texts;
pub mod opener;
pub mod reader;
pub mod send;
pub mod session;
pub mod terminal;
#[cfg(target_os = "linux")]
pub mod tty_source;

pub use event_loop::{Surface, run};
pub use executor::Executor;
pub use session::{Session, StartOptions};

/// The wall clock, read here and nowhere in the app.
pub fn now() -> crate::model::Timestamp {
    time::OffsetDateTime::now_utc()
}

/// Where a session reads the time: the wall clock, or a virtual one for reproducible demos.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    Wall,
    /// `epoch` plus the tokio time elapsed since `start`: under tokio's paused clock this
    /// advances only when every task sleeps, identically on every run.
    Virtual {
        epoch: crate::model::Timestamp,
        start: tokio::time::Instant,
    },
}

impl Clock {
    pub fn now(&self) -> crate::model::Timestamp {
        match self {
            Clock::Wall => now(),
            Clock::Virtual { epoch, start } => *epoch + start.elapsed(),
        }
    }
}
