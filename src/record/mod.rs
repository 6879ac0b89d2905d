//! Pictures of the inbox made by the program itself: buffer → SVG/text export, and the
//! `screenshot` command that renders the embedded demo headlessly.

pub mod export;
pub mod screenshot;
