//! `switchboard demo SCRIPT --out FILE.cast --svg FILE.svg`: plays a demo script (see
//! [`super::script`]) on the reproducible scenario and writes the cast, the animated SVG and,
//! with `--shots DIR`, the screens it snapped.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::player::play;
use super::redact::Redactor;
use super::scenario::run_paused;
use super::screenshot::write_shot;
use super::script::Script;

/// Where a played demo goes; each is optional.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// The asciicast v2 file.
    pub cast: Option<PathBuf>,
    /// The animated SVG.
    pub svg: Option<PathBuf>,
    /// A directory for the script's `snap` screens.
    pub shots: Option<PathBuf>,
}

/// Plays the script file and returns the files written.
pub fn record(
    script_path: &Path,
    outputs: &Outputs,
    redactor: Redactor,
) -> anyhow::Result<Vec<PathBuf>> {
    let source = std::fs::read_to_string(script_path)
        .with_context(|| format!("reading {}", script_path.display()))?;
    let script =
        Script::parse(&source).map_err(|e| anyhow::anyhow!("{}: {e}", script_path.display()))?;
    let played = run_paused(move || async move { play(&script, redactor).await })?;
    let mut written = Vec::new();
    if let Some(out) = &outputs.cast {
        written.push(write(out, &played.cast)?);
    }
    if let Some(out) = &outputs.svg {
        written.push(write(out, played.animation.finish().as_bytes())?);
    }
    if let Some(dir) = &outputs.shots {
        for (name, screen) in &played.snaps {
            written.extend(write_shot(dir, name, screen, played.backdrop)?);
        }
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.to_path_buf())
}
