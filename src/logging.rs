//! Logs go to a file (never the terminal the TUI owns): `<XDG state dir>/switchboard/`, rotated
//! daily, a week kept. `--log-level`, else `SWITCHBOARD_LOG` (or `RUST_LOG`), sets the filter,
//! e.g. `debug`.
//!
//! Every line passes through [`EscapeControls`] on its way to the file or stderr: fields carry
//! text from the network, and an `ESC ] 0 ; … BEL` in a log read with `tail` or `less -R`
//! would drive the reader's terminal. Escaping at the writer means no call site can forget.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Where logs go unless `--log-dir` says otherwise.
pub fn default_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("dev", "switchboard", "switchboard")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Installs the file logger; keep the guard alive for the life of the program (it flushes).
pub fn init_file(dir: &Path, level: Option<&str>) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("switchboard")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter(level)?)
        .with_writer(EscapeControls(writer))
        .with_ansi(false)
        .try_init()
        .map_err(|error| anyhow::anyhow!("installing the logger: {error}"))?;
    Ok(guard)
}

/// For commands without a TUI (`hub`): log to stderr, without colour (the writer would escape
/// its codes as it does any other).
pub fn init_stderr(level: Option<&str>) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(level)?)
        .with_writer(EscapeControls(std::io::stderr))
        .with_ansi(false)
        .try_init();
    Ok(())
}

/// The filter: `level` (from `--log-level`; a mistake in it is an error, not a silent
/// default), else the environment's, else `info`.
pub fn filter(level: Option<&str>) -> anyhow::Result<EnvFilter> {
    let filter = match level {
        Some(level) => EnvFilter::try_new(level)
            .map_err(|error| anyhow::anyhow!("--log-level \"{level}\": {error}"))?,
        None => EnvFilter::try_from_env("SWITCHBOARD_LOG")
            .or_else(|_| EnvFilter::try_from_default_env())
            .unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // Secrets never reach the log, whatever level is asked for: tungstenite traces the whole
    // handshake request, whose URL carries the Linktor `api_key` (the SDK's `/ws?api_key=`).
    Ok(SECRET_BEARING_TARGETS
        .iter()
        .filter_map(|directive| directive.parse().ok())
        .fold(filter, EnvFilter::add_directive))
}

/// Libraries that log request lines or headers at debug/trace, capped at info.
const SECRET_BEARING_TARGETS: &[&str] = &[
    "tungstenite=info",
    "tokio_tungstenite=info",
    "reqwest=info",
    "hyper=info",
    "hyper_util=info",
];

/// A log writer (and the [`MakeWriter`] of one) that writes control characters other than
/// newline and tab as `\u{1b}`, so nothing logged can drive a terminal: C0 and C1 controls,
/// DEL, and the bidi overrides and isolates that reorder a line. Bytes that are not UTF-8 are
/// written as hex (`\x9b`).
#[derive(Clone, Copy, Debug)]
pub struct EscapeControls<W>(pub W);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapeControls<M> {
    type Writer = EscapeControls<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapeControls(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        EscapeControls(self.0.make_writer_for(meta))
    }
}

impl<W: Write> Write for EscapeControls<W> {
    /// The formatter hands over one whole event per call; it is escaped and written whole.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&escape_controls(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// `bytes` with every character a terminal would act on written out as an escape.
fn escape_controls(bytes: &[u8]) -> Vec<u8> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let clean = std::str::from_utf8(bytes).is_ok_and(|text| !text.contains(unsafe_char));
    if clean {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if unsafe_char(c) {
                out.extend_from_slice(c.escape_unicode().to_string().as_bytes());
            } else {
                let mut utf8 = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        for byte in chunk.invalid() {
            out.extend_from_slice(format!("\\x{byte:02x}").as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_lines_kept() {
        let escaped = |text: &[u8]| String::from_utf8(escape_controls(text)).expect("utf-8");
        assert_eq!(
            escaped("a\u{1b}]0;t\u{7}b\u{1b}[31mc\n".as_bytes()),
            "a\\u{1b}]0;t\\u{7}b\\u{1b}[31mc\n"
        );
        assert_eq!(
            escaped("\r\u{9b}2J\u{7f}\u{202e}x\ty".as_bytes()),
            "\\u{d}\\u{9b}2J\\u{7f}\\u{202e}x\ty"
        );
        assert_eq!(escaped(b"ok \x9b[2J"), "ok \\x9b[2J");
        assert_eq!(escaped("Olá 你好 👋\n".as_bytes()), "Olá 你好 👋\n");
    }

    #[test]
    fn the_writer_escapes_every_event_it_is_given() {
        let mut buffer = Vec::new();
        let mut writer = EscapeControls(&mut buffer);
        writer.write_all(b"x=\x1b[2J\n").expect("write");
        assert_eq!(buffer, b"x=\\u{1b}[2J\n");
    }
}
