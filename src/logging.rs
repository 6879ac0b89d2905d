//! Logs go to a file (never the terminal the TUI owns): `<XDG state dir>/switchboard/`, rotated
//! daily, a week kept. `SWITCHBOARD_LOG` (or `RUST_LOG`) sets the filter, e.g. `debug`.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;

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
pub fn init_file(dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("switchboard")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|error| anyhow::anyhow!("installing the logger: {error}"))?;
    Ok(guard)
}

/// For commands without a TUI (`hub`): log to stderr.
pub fn init_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

fn filter() -> EnvFilter {
    let filter = EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Secrets never reach the log, whatever level is asked for: tungstenite traces the whole
    // handshake request, whose URL carries the Linktor `api_key` (the SDK's `/ws?api_key=`).
    SECRET_BEARING_TARGETS
        .iter()
        .filter_map(|directive| directive.parse().ok())
        .fold(filter, EnvFilter::add_directive)
}

/// Libraries that log request lines or headers at debug/trace, capped at info.
const SECRET_BEARING_TARGETS: &[&str] = &[
    "tungstenite=info",
    "tokio_tungstenite=info",
    "reqwest=info",
    "hyper=info",
    "hyper_util=info",
];
