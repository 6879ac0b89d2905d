//! switchboard: a terminal inbox for customer conversations.
//!
//! Where things live (see `../shared/DESIGN.md` for the whole picture):
//! - [`model`]: the inbox's vocabulary (conversations, messages, channels, delivery state).
//! - [`app`]: all state and the one reducer, `App::apply`; pure, no IO, no clock.
//! - [`contract`]: what the reducer says to and hears from the IO around it (providers, the
//!   store, the assistant): plain data.
//! - [`ui`]: pure views drawing `&App` with ratatui.
//! - [`runtime`]: the event loop, the terminal, and the executor of effects.
//! - [`providers`]: one module per platform plus their shared kit; each owns its config schema.
//! - [`protocol`]: wire formats more than one side speaks (Linktor's SDK contract).
//! - [`hub`]: the embedded local server (Linktor contract, SQLite) and its demo simulator.
//! - [`store`]: the local cache (SQLite) and its actor.
//! - [`insights`]: the insight contract and the local insight engine.
//! - [`assist`]: the AI assistant over any OpenAI-compatible server (summary, reply, insights).
//! - [`text`]: neutralising untrusted text before it reaches the terminal.
//! - [`config`]: the TOML config; [`logging`]: the log file; [`record`]: screenshots and demo
//!   recordings.

pub mod app;
pub mod assist;
pub mod config;
pub mod contract;
pub mod hub;
pub mod insights;
pub mod logging;
pub mod model;
pub mod protocol;
pub mod providers;
pub mod record;
pub mod runtime;
pub mod store;
pub mod text;
pub mod ui;
