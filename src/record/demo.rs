//! `switchboard demo SCRIPT --out FILE.cast`: plays a demo script (see [`super::script`]) on
//! the reproducible scenario, writes the cast and, with `--shots DIR`, the screens it snapped.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::player::play;
use super::redact::Redactor;
use super::scenario::run_paused;
use super::screenshot::write_shot;
use super::script::Script;

/// Plays the script file and returns the files written.
pub fn record(
    script_path: &Path,
    out: &Path,
    shots: Option<&Path>,
    redactor: Redactor,
) -> anyhow::Result<Vec<PathBuf>> {
    let source = std::fs::read_to_string(script_path)
        .with_context(|| format!("reading {}", script_path.display()))?;
    let script =
        Script::parse(&source).map_err(|e| anyhow::anyhow!("{}: {e}", script_path.display()))?;
    let played = run_paused(move || async move { play(&script, redactor).await })?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(out, &played.cast).with_context(|| format!("writing {}", out.display()))?;
    let mut written = vec![out.to_path_buf()];
    if let Some(dir) = shots {
        for (name, screen) in &played.snaps {
            written.extend(write_shot(dir, name, screen)?);
        }
    }
    Ok(written)
}
