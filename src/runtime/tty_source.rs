//! The terminal as the reader's [`EventSource`], safe against a terminal that goes away.
//!
//! crossterm 0.29 reads the terminal in a loop that ends only when a read would block. Once
//! the terminal hangs up (its window or tmux pane closed, the SSH session dropped) every read
//! returns 0 bytes at once, so that loop never ends: one core spins, the reader never looks
//! at a pause or a stop, and even SIGHUP/SIGTERM cannot end the process (the shutdown waits
//! for the reader). So the reader waits on the terminal itself, with `poll(2)`, and a hang-up
//! ends it (the event loop then quits, as on `q`) before crossterm reads again. crossterm is
//! asked only when there is something to read: input on the terminal, or a window resize
//! (SIGWINCH, watched on a pipe of our own, as crossterm watches it on its own). A hang-up in
//! the microseconds between our look and crossterm's read is not caught: crossterm would spin
//! then, as it always did before.

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crossterm::event::Event as TermEvent;

use super::reader::EventSource;

/// The real terminal.
pub struct Terminal {
    /// What crossterm reads: standard input when it is a terminal, else `/dev/tty`.
    tty: TtyFd,
    /// Readable after a SIGWINCH.
    resized: Option<UnixStream>,
}

enum TtyFd {
    Stdin(io::Stdin),
    Opened(OwnedFd),
}

impl TtyFd {
    fn borrow(&self) -> BorrowedFd<'_> {
        match self {
            TtyFd::Stdin(stdin) => stdin.as_fd(),
            TtyFd::Opened(fd) => fd.as_fd(),
        }
    }
}

impl Terminal {
    /// The terminal crossterm reads, and a pipe for resizes. Without a pipe (the signal could
    /// not be watched) resizes are still noticed at each poll's timeout.
    pub fn new() -> io::Result<Self> {
        use std::io::IsTerminal;
        let tty = if io::stdin().is_terminal() {
            TtyFd::Stdin(io::stdin())
        } else {
            TtyFd::Opened(std::fs::File::open("/dev/tty")?.into())
        };
        let resized = match UnixStream::pair() {
            Ok((reader, writer)) => {
                reader.set_nonblocking(true)?;
                match signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, writer)
                {
                    Ok(_) => Some(reader),
                    Err(error) => {
                        tracing::warn!(%error, "window resizes are noticed late: SIGWINCH not watched");
                        None
                    }
                }
            }
            Err(_) => None,
        };
        Ok(Self { tty, resized })
    }
}

/// What `poll(2)` said of the terminal.
#[derive(Debug, PartialEq, Eq)]
enum Ready {
    Nothing,
    Input,
    Resized,
}

impl Terminal {
    fn wait(&mut self, timeout: Duration) -> io::Result<Ready> {
        use rustix::event::{PollFd, PollFlags, Timespec};
        let tty = self.tty.borrow();
        let mut fds = vec![PollFd::from_borrowed_fd(tty, PollFlags::IN)];
        if let Some(pipe) = self.resized.as_ref() {
            fds.push(PollFd::new(pipe, PollFlags::IN));
        }
        let timeout = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: i64::from(i32::MAX),
            tv_nsec: 0,
        });
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(Ready::Nothing),
            Err(error) => return Err(error.into()),
        }
        let resized = fds
            .get(1)
            .is_some_and(|fd| fd.revents().contains(PollFlags::IN));
        classify(fds[0].revents(), resized)
    }

    fn drain_resizes(&mut self) {
        if let Some(pipe) = self.resized.as_mut() {
            let mut buffer = [0u8; 64];
            while matches!(pipe.read(&mut buffer), Ok(n) if n > 0) {}
        }
    }
}

/// A hang-up (or an error) on the terminal wins over input that may come with it: the reads
/// that follow would return nothing forever.
fn classify(tty: rustix::event::PollFlags, resized: bool) -> io::Result<Ready> {
    use rustix::event::PollFlags;
    if tty.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
        return Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the terminal hung up (its window closed or the session ended)",
        ));
    }
    if tty.contains(PollFlags::IN) {
        return Ok(Ready::Input);
    }
    if resized {
        return Ok(Ready::Resized);
    }
    Ok(Ready::Nothing)
}

impl EventSource for Terminal {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        // crossterm may hold events parsed from an earlier read (a paste, a burst of keys),
        // which no poll of the terminal would show: those first, once the terminal is known
        // to be still there.
        self.wait(Duration::ZERO)?;
        if crossterm::event::poll(Duration::ZERO)? {
            return Ok(true);
        }
        match self.wait(timeout)? {
            Ready::Input => crossterm::event::poll(Duration::ZERO),
            Ready::Resized => {
                self.drain_resizes();
                crossterm::event::poll(Duration::ZERO)
            }
            // Without our own pipe a resize is seen here, at the timeout.
            Ready::Nothing if self.resized.is_none() => crossterm::event::poll(Duration::ZERO),
            Ready::Nothing => Ok(false),
        }
    }

    fn read(&mut self) -> io::Result<TermEvent> {
        crossterm::event::read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hang_up_ends_the_reader_even_with_input_pending() {
        use rustix::event::PollFlags;
        for tty in [
            PollFlags::HUP,
            PollFlags::HUP | PollFlags::IN,
            PollFlags::ERR,
            PollFlags::NVAL,
        ] {
            let error = classify(tty, true).expect_err("a hang-up is an error");
            assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        }
        assert_eq!(classify(PollFlags::IN, true).ok(), Some(Ready::Input));
        assert_eq!(
            classify(PollFlags::empty(), true).ok(),
            Some(Ready::Resized)
        );
        assert_eq!(
            classify(PollFlags::empty(), false).ok(),
            Some(Ready::Nothing)
        );
    }
}
