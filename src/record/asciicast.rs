//! asciicast v2 recording (<https://docs.asciinema.org/manual/asciicast/v2/>): a JSON header line
//! (version, width, height, timestamp, env), then one JSON array per event: `[seconds, "o",
//! text]` for output and `[seconds, "r", "COLSxROWS"]` for a resize. Plays in asciinema's
//! player and converts to GIF with `agg`.
//!
//! [`Tee`] is the writer a terminal backend writes through: everything goes on to `inner`
//! unchanged, and each flushed batch of bytes (one frame) becomes one output event. Recordings
//! put it under a shadow terminal that shows the redacted screen (see [`super::recorder`]).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use super::redact::Redactor;

/// An asciicast being written: the header is written at once, events as they come.
pub struct Cast {
    out: Box<dyn Write + Send>,
    start: tokio::time::Instant,
    size: (u16, u16),
    redactor: Redactor,
}

/// A cast shared between the tee and whoever resizes the screen.
pub type SharedCast = Arc<Mutex<Cast>>;

impl Cast {
    /// Writes the header. `timestamp` is Unix seconds (fixed for reproducible demos). Event
    /// times are measured on tokio's clock, which is virtual under a paused runtime.
    pub fn new(
        mut out: Box<dyn Write + Send>,
        (width, height): (u16, u16),
        timestamp: i64,
        title: Option<&str>,
        redactor: Redactor,
    ) -> io::Result<Cast> {
        // Written by hand so `version` comes first, as asciinema writes it.
        let mut header = format!(
            r#"{{"version": 2, "width": {width}, "height": {height}, "timestamp": {timestamp}, "env": {{"TERM": "xterm-256color"}}"#
        );
        if let Some(title) = title {
            let title = serde_json::to_string(&redactor.text(title)).map_err(io::Error::other)?;
            header.push_str(&format!(r#", "title": {title}"#));
        }
        header.push('}');
        writeln!(out, "{header}")?;
        Ok(Cast {
            out,
            start: tokio::time::Instant::now(),
            size: (width, height),
            redactor,
        })
    }

    pub fn shared(self) -> SharedCast {
        Arc::new(Mutex::new(self))
    }

    /// Seconds since the start, to the microsecond, as asciinema writes them.
    fn time(&self) -> String {
        format!("{:.6}", self.start.elapsed().as_secs_f64())
    }

    /// One output event (secrets masked). Nothing is written for no bytes.
    pub fn output(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let text = self.redactor.text(&String::from_utf8_lossy(bytes));
        let data = serde_json::to_string(&text).map_err(io::Error::other)?;
        let time = self.time();
        writeln!(self.out, "[{time}, \"o\", {data}]")
    }

    /// A resize event, written only if the size changed.
    pub fn resize(&mut self, (width, height): (u16, u16)) -> io::Result<()> {
        if self.size == (width, height) {
            return Ok(());
        }
        self.size = (width, height);
        let time = self.time();
        writeln!(self.out, "[{time}, \"r\", \"{width}x{height}\"]")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes through to `inner` and records each flushed batch into the cast.
pub struct Tee<W: Write> {
    inner: W,
    cast: SharedCast,
    pending: Vec<u8>,
}

impl<W: Write> Tee<W> {
    pub fn new(inner: W, cast: SharedCast) -> Self {
        Self {
            inner,
            cast,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.pending.extend_from_slice(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()?;
        let mut cast = self
            .cast
            .lock()
            .map_err(|_| io::Error::other("the recording's lock is poisoned"))?;
        cast.output(&std::mem::take(&mut self.pending))?;
        cast.flush()
    }
}

impl<W: Write> Drop for Tee<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` whose bytes stay readable after the cast took it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn header_events_and_resizes() {
        let file = Shared::default();
        let redactor = Redactor::new(["hunter2".to_string()]);
        let cast = Cast::new(
            Box::new(file.clone()),
            (80, 24),
            1_700_000_000,
            None,
            redactor,
        )
        .expect("header")
        .shared();
        let mut terminal = Vec::new();
        let mut tee = Tee::new(&mut terminal, Arc::clone(&cast));
        tee.write_all(b"\x1b[1;1Hpass: ").expect("write");
        tee.write_all("hunter2 \"ok\" ✓".as_bytes()).expect("write");
        tokio::time::advance(std::time::Duration::from_millis(1500)).await;
        tee.flush().expect("flush");
        cast.lock()
            .expect("lock")
            .resize((100, 30))
            .expect("resize");
        cast.lock()
            .expect("lock")
            .resize((100, 30))
            .expect("same size");
        tee.flush().expect("empty flush writes nothing");
        drop(tee);
        assert_eq!(terminal, "\x1b[1;1Hpass: hunter2 \"ok\" ✓".as_bytes());
        let written = String::from_utf8(file.0.lock().expect("lock").clone()).expect("utf8");
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 3, "{written}");
        let header: serde_json::Value = serde_json::from_str(lines[0]).expect("header json");
        assert_eq!(header["version"], 2);
        assert_eq!(header["width"], 80);
        assert_eq!(header["height"], 24);
        assert_eq!(header["timestamp"], 1_700_000_000);
        assert_eq!(
            lines[1],
            r#"[1.500000, "o", "\u001b[1;1Hpass: ******* \"ok\" ✓"]"#
        );
        assert_eq!(lines[2], r#"[1.500000, "r", "100x30"]"#);
    }
}
