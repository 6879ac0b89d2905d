//! Insights: what a conversation contains (questions, action items, follow-ups, topics,
//! entities, tracker hits, analytics), each linked to its source messages.
//!
//! - [`model`]: the source-neutral contract every insight source fills (the local engine
//!   here, a remote service such as Symbl).
//! - [`engine`]: the local engine for one conversation: offline, deterministic, incremental.
//! - one file per kind: [`questions`], [`actions`], [`follow_ups`], [`topics`],
//!   [`entities`], [`trackers`], [`analytics`]; [`due`] resolves "by Friday"; [`text`]
//!   splits sentences and normalises chat spelling.

pub mod actions;
pub mod analytics;
pub mod answer;
pub mod due;
pub mod engine;
pub mod entities;
pub mod follow_ups;
pub mod model;
pub mod questions;
pub mod states;
pub mod text;
pub mod topics;
pub mod trackers;

pub use self::engine::InsightEngine;
pub use self::model::*;
pub use self::trackers::TrackerSpec;
