//! Demo recordings and screenshots made by the program itself, reproducible byte for byte.
//!
//! - [`scenario`]: the demo hub, its customers and the app on one virtual clock.
//! - [`loopback`]: the in-process network between the app's Linktor provider and that hub.
//! - [`script`] / [`player`]: the demo script format and its player (cast + snaps).
//! - [`asciicast`]: asciicast v2 writing, and the tee the terminal backend writes through.
//! - [`recorder`]: the redacted shadow terminal that records, and `--record`.
//! - [`screenshot`] / [`export`]: named states as SVG and text.
//! - [`redact`]: secrets never reach a recording.
//! - [`demo`]: the `switchboard demo` command.

pub mod animation;
pub mod asciicast;
pub mod demo;
pub mod export;
pub mod loopback;
pub mod player;
pub mod recorder;
pub mod redact;
pub mod scenario;
pub mod screenshot;
pub mod script;
