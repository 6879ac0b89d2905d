//! Insights: what a conversation contains (questions, action items, follow-ups, topics,
//! entities, tracker hits, analytics), each linked to its source messages.
//!
//! - [`model`]: the source-neutral contract every insight source fills.
//! - the local engine (offline, incremental, deterministic) lives beside it, one file per kind.

pub mod model;

pub use self::model::*;
