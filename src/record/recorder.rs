//! Recording what the app draws as asciicast, with secrets masked.
//!
//! A [`CastSurface`] is a shadow terminal: a ratatui terminal on the crossterm backend (so the
//! bytes are the escape sequences a real terminal gets) writing through a [`Tee`] into the cast.
//! Each frame is drawn by the same `ui::draw`, then masked by the [`Redactor`] with the whole
//! screen in view, and only then diffed and written. Masking after the diff instead (a byte tee
//! on the real terminal) would leak: a secret typed into the composer reaches the terminal one
//! character per frame, and no single write ever contains it.
//!
//! [`Recording`] is the interactive `--record` surface: the real terminal as always, plus the
//! shadow following its size (a size change is a resize event).

use std::io::{self, Sink};
use std::sync::Arc;

use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::asciicast::{Cast, SharedCast, Tee};
use super::redact::Redactor;
use crate::app::{App, LayoutInfo};
use crate::runtime::Surface;
use crate::ui::Painter;

/// The redacted shadow terminal that writes the cast.
pub struct CastSurface {
    terminal: Terminal<CrosstermBackend<Tee<Sink>>>,
    cast: SharedCast,
    redactor: Redactor,
    size: (u16, u16),
}

impl CastSurface {
    /// A shadow of `size` cells writing into `cast`.
    pub fn new(cast: Cast, size: (u16, u16), redactor: Redactor) -> io::Result<Self> {
        let cast = cast.shared();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(Tee::new(io::sink(), Arc::clone(&cast))),
            TerminalOptions {
                viewport: Viewport::Fixed(rect(size)),
            },
        )?;
        Ok(Self {
            terminal,
            cast,
            redactor,
            size,
        })
    }

    /// Follows a new terminal size: a resize event, then a full redraw at the next frame.
    pub fn resize(&mut self, size: (u16, u16)) -> io::Result<()> {
        if size == self.size {
            return Ok(());
        }
        self.size = size;
        self.cast
            .lock()
            .map_err(|_| io::Error::other("the recording's lock is poisoned"))?
            .resize(size)?;
        self.terminal.resize(rect(size))
    }

    /// Draws the app, masks it, writes the difference as one output event; returns what it
    /// laid out and the masked screen.
    pub fn draw(&mut self, app: &App) -> io::Result<(LayoutInfo, Buffer)> {
        let mut layout = LayoutInfo::default();
        let redactor = &self.redactor;
        let frame = self.terminal.draw(|frame| {
            layout = crate::ui::draw(frame, app);
            redactor.buffer(frame.buffer_mut());
        })?;
        Ok((layout, frame.buffer.clone()))
    }
}

fn rect((width, height): (u16, u16)) -> Rect {
    Rect::new(0, 0, width, height)
}

/// `switchboard --record`: the real terminal, recorded through a shadow.
pub struct Recording<'a, S> {
    real: &'a mut S,
    shadow: CastSurface,
}

/// A surface with a size: what a recording records.
pub trait Screen: Surface {
    /// Its size as `(columns, rows)`, as of the last frame drawn.
    fn size(&mut self) -> io::Result<(u16, u16)>;
}

impl<B: ratatui::backend::Backend> Screen for Terminal<B>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    fn size(&mut self) -> io::Result<(u16, u16)> {
        let area = self.get_frame().area();
        Ok((area.width, area.height))
    }
}

impl Screen for crate::runtime::terminal::TerminalGuard {
    fn size(&mut self) -> io::Result<(u16, u16)> {
        Screen::size(&mut self.terminal)
    }
}

impl<'a, S: Screen> Recording<'a, S> {
    /// Records `real` into a new cast file at `path`, sized as the terminal is now.
    pub fn to_file(
        real: &'a mut S,
        path: &std::path::Path,
        redactor: Redactor,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let size = real.size().context("reading the terminal size")?;
        let file = std::fs::File::create(path)
            .with_context(|| format!("creating the recording {}", path.display()))?;
        let cast = Cast::new(
            Box::new(io::BufWriter::new(file)),
            size,
            time::OffsetDateTime::now_utc().unix_timestamp(),
            Some("switchboard"),
            redactor.clone(),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        let shadow = CastSurface::new(cast, size, redactor)?;
        Ok(Self { real, shadow })
    }
}

impl<S: Screen> Surface for Recording<'_, S> {
    fn draw(&mut self, app: &App, painter: &mut Painter) -> io::Result<LayoutInfo> {
        let layout = Surface::draw(&mut *self.real, app, painter)?;
        let size = self.real.size()?;
        self.shadow.resize(size)?;
        self.shadow.draw(app)?;
        Ok(layout)
    }

    /// The real terminal is handed over (the editor, Ctrl+Z, the pager); the cast keeps the
    /// inbox's frames only.
    fn hand_over(&mut self, job: crate::app::TerminalJob) -> io::Result<Option<crate::app::Event>> {
        self.real.hand_over(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::AppSettings;
    use crate::model::AccountId;
    use crate::providers::{AccountEvent, ProviderEvent};
    use ratatui::backend::TestBackend;

    #[test]
    fn the_interactive_recording_follows_the_real_terminal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("session.cast");
        let mut real = Terminal::new(TestBackend::new(90, 20)).expect("terminal");
        let mut app = App::new("t", AppSettings::default(), crate::runtime::now());
        let account = AccountId::new("team");
        app.add_account(account.clone());
        let redactor = Redactor::new(["tok_1234567890".to_string()]);
        let mut recording = Recording::to_file(&mut real, &path, redactor).expect("recording");
        recording
            .draw(&app, &mut Painter::default())
            .expect("first frame");
        app.apply(
            crate::runtime::now(),
            crate::app::Event::provider(AccountEvent {
                account,
                event: ProviderEvent::Error("server said tok_1234567890 is wrong".into()),
            }),
        );
        recording.real.backend_mut().resize(70, 18);
        recording
            .draw(&app, &mut Painter::default())
            .expect("resized frame");
        drop(recording);

        let real_text = super::super::export::to_text(real.backend().buffer());
        let cast = std::fs::read_to_string(&path).expect("cast written");
        let lines: Vec<&str> = cast.lines().collect();
        assert!(lines[0].starts_with(r#"{"version": 2, "width": 90, "height": 20,"#));
        assert!(
            lines.iter().any(|l| l.ends_with(r#", "r", "70x18"]"#)),
            "{cast}"
        );
        assert!(
            real_text.contains("tok_1234567890"),
            "the real screen is untouched"
        );
        assert!(!cast.contains("tok_12345"), "the recording is masked");
        assert!(cast.contains("**********"));
    }
}
