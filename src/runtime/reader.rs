//! Reads the terminal on a thread of its own, and can be paused: while `$EDITOR` runs or the
//! process is suspended, the keys are the editor's or the shell's, so the reader must not be
//! waiting in a read that would take them. It polls with a timeout and looks at the pause
//! request between polls; a pause returns once the reader has stopped.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossterm::event::Event as TermEvent;
use tokio::sync::mpsc;

use super::input::{Input, translate};

/// How long one poll waits before the reader looks at the pause flag again (the longest a
/// pause waits); input itself arrives at once.
const POLL: Duration = Duration::from_millis(100);

/// The real terminal: on Linux watched for a hang-up (see `tty_source`; elsewhere poll(2) may
/// not work on a terminal, macOS's among them).
#[cfg(target_os = "linux")]
pub use super::tty_source::Terminal;

/// The real terminal, read through crossterm alone.
#[cfg(not(target_os = "linux"))]
pub struct Terminal;

#[cfg(not(target_os = "linux"))]
impl Terminal {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self)
    }
}

#[cfg(not(target_os = "linux"))]
impl EventSource for Terminal {
    fn poll(&mut self, timeout: Duration) -> std::io::Result<bool> {
        crossterm::event::poll(timeout)
    }
    fn read(&mut self) -> std::io::Result<TermEvent> {
        crossterm::event::read()
    }
}

/// Where the reader's events come from: the terminal, or a fake in tests.
pub trait EventSource: Send + 'static {
    fn poll(&mut self, timeout: Duration) -> std::io::Result<bool>;
    fn read(&mut self) -> std::io::Result<TermEvent>;
}

#[derive(Default)]
struct State {
    paused: bool,
    /// The reader saw the pause and is not reading.
    idle: bool,
    stopped: bool,
}

/// Pauses and resumes the reader thread.
#[derive(Clone, Default)]
pub struct ReaderControl {
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl ReaderControl {
    /// Stops reading; returns once the reader has let go of the terminal (or has ended).
    pub fn pause(&self) {
        let (lock, changed) = &*self.shared;
        let Ok(mut state) = lock.lock() else { return };
        state.paused = true;
        while !state.idle && !state.stopped {
            state = match changed.wait(state) {
                Ok(state) => state,
                Err(_) => return,
            };
        }
    }

    pub fn resume(&self) {
        let (lock, changed) = &*self.shared;
        if let Ok(mut state) = lock.lock() {
            state.paused = false;
            changed.notify_all();
        }
    }

    /// Ends the reader (at its next look at the flags).
    pub fn stop(&self) {
        let (lock, changed) = &*self.shared;
        if let Ok(mut state) = lock.lock() {
            state.stopped = true;
            changed.notify_all();
        }
    }

    /// Blocks while paused; false once the reader should end.
    fn wait_while_paused(&self) -> bool {
        let (lock, changed) = &*self.shared;
        let Ok(mut state) = lock.lock() else {
            return false;
        };
        while state.paused && !state.stopped {
            state.idle = true;
            changed.notify_all();
            state = match changed.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
        state.idle = false;
        !state.stopped
    }

    /// Sends `input`, waiting while the loop's queue is full, but never so long that a pause
    /// asked meanwhile goes unanswered (the loop would wait for us as we wait for it). False
    /// once the loop is gone or the reader should end.
    fn hand_on(&self, sender: &mpsc::Sender<Input>, mut input: Input) -> bool {
        loop {
            match sender.try_send(input) {
                Ok(()) => return true,
                Err(mpsc::error::TrySendError::Closed(_)) => return false,
                Err(mpsc::error::TrySendError::Full(again)) => input = again,
            }
            if !self.wait_while_paused() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn finished(&self) {
        let (lock, changed) = &*self.shared;
        if let Ok(mut state) = lock.lock() {
            state.stopped = true;
            changed.notify_all();
        }
    }
}

/// Starts the reader; its events go to `sender` until the receiver is dropped, the source
/// fails or [`ReaderControl::stop`] is called.
pub fn spawn(mut source: impl EventSource, sender: mpsc::Sender<Input>) -> ReaderControl {
    let control = ReaderControl::default();
    let reader = control.clone();
    let spawned = std::thread::Builder::new()
        .name("switchboard-input".into())
        .spawn(move || {
            while reader.wait_while_paused() {
                match source.poll(POLL) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    // A closed window is a way to leave, not a fault.
                    Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                        tracing::info!(%error, "the inbox ends");
                        break;
                    }
                    Err(error) => {
                        tracing::error!(%error, "reading the terminal failed");
                        break;
                    }
                }
                match source.read() {
                    Ok(event) => {
                        if let Some(input) = translate(event)
                            && !reader.hand_on(&sender, input)
                        {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, "reading the terminal failed");
                        break;
                    }
                }
            }
            reader.finished();
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the input thread");
        control.finished();
    }
    control
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::mpsc as std_mpsc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::{Event, Key};

    /// A source that hands out scripted events and counts its polls (for the reader's tests).
    struct ScriptedSource {
        events: std_mpsc::Receiver<TermEvent>,
        polls: Arc<std::sync::atomic::AtomicUsize>,
        next: Option<TermEvent>,
    }

    impl ScriptedSource {
        fn new(events: std_mpsc::Receiver<TermEvent>) -> Self {
            Self {
                events,
                polls: Arc::default(),
                next: None,
            }
        }
    }

    impl EventSource for ScriptedSource {
        fn poll(&mut self, timeout: Duration) -> std::io::Result<bool> {
            self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.next.is_none() {
                self.next = self.events.recv_timeout(timeout).ok();
            }
            Ok(self.next.is_some())
        }
        fn read(&mut self) -> std::io::Result<TermEvent> {
            self.next
                .take()
                .ok_or_else(|| std::io::Error::other("nothing to read"))
        }
    }

    fn key(c: char) -> TermEvent {
        TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn a_paused_reader_reads_nothing_until_resumed() {
        let (feed, events) = std_mpsc::channel();
        let source = ScriptedSource::new(events);
        let polls = Arc::clone(&source.polls);
        let (sender, mut inputs) = mpsc::channel(16);
        let control = spawn(source, sender);

        feed.send(key('a')).expect("feed");
        assert_eq!(
            inputs.blocking_recv(),
            Some(Input::App(Event::Key(Key::ch('a'))))
        );
        control.pause();
        // Paused: the reader neither polls nor reads, so a key typed now is the editor's.
        let before = polls.load(Ordering::SeqCst);
        feed.send(key('b')).expect("feed");
        std::thread::sleep(POLL * 3);
        assert_eq!(polls.load(Ordering::SeqCst), before, "no poll while paused");
        assert!(inputs.try_recv().is_err(), "nothing read while paused");

        control.resume();
        assert_eq!(
            inputs.blocking_recv(),
            Some(Input::App(Event::Key(Key::ch('b'))))
        );
        control.stop();
    }

    #[test]
    fn pausing_a_finished_reader_returns() {
        let (_feed, events) = std_mpsc::channel::<TermEvent>();
        let (sender, inputs) = mpsc::channel(1);
        drop(inputs);
        let control = spawn(ScriptedSource::new(events), sender);
        control.stop();
        control.pause();
    }
}
