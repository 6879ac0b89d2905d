//! The runtime's frames: those of [`super::draw`], except that while only the palette changed
//! (a key typed into its query, a move in its list) what lies under it is copied from the last
//! frame instead of laid out again. A keystroke then costs the palette's matching and its own
//! rows, not the thread's layout behind it.

use ratatui::Frame;
use ratatui::buffer::Buffer;

use crate::app::{App, LayoutInfo};

/// Draws frames, keeping the one under the palette while the app says it stands
/// ([`App::backdrop`] did not move).
#[derive(Default)]
pub struct Painter {
    /// The frame under the open palette, while there is one.
    under_palette: Option<Backdrop>,
}

/// The frame under the palette, as drawn for one `backdrop` revision.
struct Backdrop {
    /// [`App::backdrop`] when it was drawn.
    revision: u64,
    /// The whole frame before the palette went on it.
    buffer: Buffer,
    /// What that frame laid out.
    info: LayoutInfo,
}

impl Painter {
    /// Draws one frame of `app` (the frame [`super::draw`] draws) and reports its layout.
    pub fn draw(&mut self, frame: &mut Frame, app: &App) -> LayoutInfo {
        if app.view.palette.is_none() {
            self.under_palette = None;
            return super::draw(frame, app);
        }
        let area = *frame.buffer_mut().area();
        let mut info = match &self.under_palette {
            Some(kept) if kept.revision == app.backdrop && kept.buffer.area == area => {
                frame.buffer_mut().content.clone_from(&kept.buffer.content);
                kept.info
            }
            _ => {
                let info = super::draw_backdrop(frame, app);
                self.under_palette = Some(Backdrop {
                    revision: app.backdrop,
                    buffer: frame.buffer_mut().clone(),
                    info,
                });
                info
            }
        };
        super::draw_overlays(frame, app, &mut info);
        info
    }
}
