//! Opens a web link with the system opener (`xdg-open`, or `open` on macOS) on a blocking
//! thread, so the event loop never waits for it. Only http(s) links are passed on, as one
//! argument (no shell), since they come from untrusted messages.

/// The program that opens links on this system.
const OPENER: &str = if cfg!(target_os = "macos") {
    "open"
} else {
    "xdg-open"
};

pub fn open(url: String) {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        tracing::warn!("refusing to open a non-web link");
        return;
    }
    let spawned = tokio::runtime::Handle::try_current().map(|runtime| {
        runtime.spawn_blocking(move || {
            let status = std::process::Command::new(OPENER)
                .arg(&url)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            match status {
                Ok(status) if status.success() => tracing::debug!("opened {url}"),
                Ok(status) => tracing::warn!("{OPENER} {url} exited with {status}"),
                Err(err) => tracing::warn!("cannot run {OPENER}: {err}"),
            }
        })
    });
    if spawned.is_err() {
        tracing::warn!("no runtime to open a link on");
    }
}
