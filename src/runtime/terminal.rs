//! Puts the terminal into TUI mode and guarantees it comes back: on drop (normal exit and `?`
//! errors) and from a panic hook (which runs before the unwinding drop, so the panic message is
//! printed on a sane screen).

use std::io::{self, Stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::Surface;
use super::reader::ReaderControl;
use crate::app::{App, Event, LayoutInfo, TerminalJob};
use crate::ui::Painter;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Owns TUI mode; dropping it restores the terminal. It is also the surface the inbox draws
/// on, and hands the terminal over to `$EDITOR` or the shell (Ctrl+Z) and takes it back.
pub struct TerminalGuard {
    pub terminal: Tui,
    /// The thread reading the terminal, paused while the terminal is handed over.
    pub reader: Option<ReaderControl>,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        if let Err(error) = enter_modes() {
            restore();
            return Err(error);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(terminal) => terminal,
            Err(error) => {
                restore();
                return Err(error);
            }
        };
        Ok(Self {
            terminal,
            reader: None,
        })
    }
}

fn enter_modes() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        // Notifications wait until the agent looks away.
        EnableFocusChange,
        // The window title is the unread count while we run; the old one is kept on the
        // terminal's title stack and put back when we leave.
        crossterm::style::Print(PUSH_TITLE)
    )?;
    TITLE_PUSHED.store(true, Ordering::SeqCst);
    Ok(())
}

const PUSH_TITLE: &str = "\x1b[22;0t";
const POP_TITLE: &str = "\x1b[23;0t";

impl Surface for TerminalGuard {
    fn draw(&mut self, app: &App, painter: &mut Painter) -> io::Result<LayoutInfo> {
        Surface::draw(&mut self.terminal, app, painter)
    }

    fn hand_over(&mut self, job: TerminalJob) -> io::Result<Option<Event>> {
        // The reader lets go first: a key typed in the editor must reach the editor.
        if let Some(reader) = &self.reader {
            reader.pause();
        }
        restore();
        let heard = match job {
            TerminalJob::Edit {
                conversation,
                draft,
            } => {
                let editor = super::editor::from_env();
                tracing::info!(%editor, "editing the draft");
                let result = super::editor::edit(&draft, &editor).map_err(|e| e.to_string());
                if let Err(why) = &result {
                    tracing::warn!("the editor: {why}");
                }
                Some(Event::Edited {
                    conversation,
                    result,
                })
            }
            TerminalJob::Suspend => {
                suspend();
                None
            }
            TerminalJob::Page(token) => {
                let result = match super::long_texts::default_dir() {
                    Some(dir) => super::long_texts::page(&dir, &token),
                    None => Err("no cache directory to keep long messages in".into()),
                };
                Some(Event::Paged(result))
            }
        };
        let entered = enter_modes();
        let cleared = self.terminal.clear();
        if let Some(reader) = &self.reader {
            reader.resume();
        }
        entered?;
        cleared?;
        Ok(heard)
    }
}

/// Stops the process as Ctrl+Z does in a cooked terminal; returns when the shell's `fg`
/// continues it.
fn suspend() {
    #[cfg(unix)]
    if let Err(error) = signal_hook::low_level::raise(signal_hook::consts::SIGTSTP) {
        tracing::warn!(%error, "cannot suspend");
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.terminal.show_cursor().is_err() {
            // The terminal is gone (its window closed, the session dropped). ratatui's own
            // drop says so on stderr, which is that terminal, and a failed `eprintln!` panics:
            // stderr goes nowhere from here (the log has what matters).
            silence_stderr();
        }
        restore();
    }
}

fn silence_stderr() {
    #[cfg(unix)]
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

/// Leaves every mode we entered. Safe to call twice (each step is idempotent).
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableFocusChange,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    // Popped once per push, so a second restore (the panic hook, then the guard) does not
    // take a title that is not ours.
    if TITLE_PUSHED.swap(false, Ordering::SeqCst) {
        let _ = execute!(io::stdout(), crossterm::style::Print(POP_TITLE));
    }
}

static TITLE_PUSHED: AtomicBool = AtomicBool::new(false);

/// Chains a hook that restores the terminal before the previous hook prints the panic.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}
