//! The reducer and the views, through the public API: snapshots of what is drawn, the insight
//! engine and pane, hostile text, the property tests of every parser, recordings, and the
//! architecture rules.
//! One test binary for the group, so the suite links a few binaries rather than dozens.

mod support;

mod architecture;
mod hostile_text;
mod insights_engine;
mod insights_pane;
mod insights_quality;
mod message_cursor;
mod parser_props;
mod recording;
mod thread_jump;
mod ui_contacts;
mod ui_painter;
mod ui_snapshots;
