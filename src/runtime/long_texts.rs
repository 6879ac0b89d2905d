//! Texts longer than the screen keeps (64 KB) are kept whole on disk, made safe like all
//! text, so `o` can page through the rest: memory holds the first part only. Files are named
//! by a hash of their content (the token the note on screen carries), private to the user,
//! and only the newest are kept.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::text::{MAX_KEPT_BYTES, sanitize_within};

/// How many long texts stay on disk.
const KEPT: usize = 100;

/// Where they go: `long/` in the XDG cache dir.
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "switchboard", "switchboard")
        .map(|dirs| dirs.cache_dir().join("long"))
}

/// From now on, every text cut for the screen is kept whole in `dir`.
pub fn install(dir: PathBuf) {
    crate::text::keep_long_texts(Box::new(move |input| match keep(&dir, input) {
        Ok(token) => Some(token),
        Err(error) => {
            tracing::warn!(%error, "keeping a long text");
            None
        }
    }));
}

/// The file of a token (a hex token names a file in `dir` and nothing else).
pub fn path(dir: &Path, token: &str) -> Option<PathBuf> {
    token
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| dir.join(format!("{token}.txt")))
}

fn keep(dir: &Path, input: &str) -> std::io::Result<String> {
    let (text, _) = sanitize_within(input, MAX_KEPT_BYTES);
    let token = hex::encode(&Sha256::digest(text.as_bytes())[..8]);
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("{token}.txt"));
    if !file.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(&mut options.open(&file)?, text.as_bytes())?;
        prune(dir)?;
    }
    Ok(token)
}

/// Removes all but the newest [`KEPT`] files.
fn prune(dir: &Path) -> std::io::Result<()> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some((modified, entry.path()))
        })
        .collect();
    if files.len() <= KEPT {
        return Ok(());
    }
    files.sort();
    for (_, path) in &files[..files.len() - KEPT] {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Pages through a kept text with `$PAGER` (else `less`), the terminal handed over.
pub fn page(dir: &Path, token: &str) -> Result<(), String> {
    let file = path(dir, token)
        .filter(|file| file.exists())
        .ok_or("that long message is no longer kept (only the newest 100 are)")?;
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less".to_string());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{pager} \"$1\""))
        .arg("switchboard-pager")
        .arg(&file)
        .status()
        .map_err(|e| format!("cannot run `{pager}`: {e}"))?;
    match status.code() {
        Some(127) => Err(format!("`{pager}` was not found (set $PAGER)")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_kept_whole_safe_and_private_under_its_token() {
        let dir = tempfile::tempdir().expect("dir");
        let long = format!("{}\u{1b}]52;c;ZXZpbA==\u{7}END", "x".repeat(100_000));
        let token = keep(dir.path(), &long).expect("kept");
        let file = path(dir.path(), &token).expect("a hex token");
        let text = std::fs::read_to_string(&file).expect("written");
        assert_eq!(text.len(), 100_003, "whole, without the escape sequence");
        assert!(text.ends_with("xEND"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(keep(dir.path(), &long).expect("again"), token, "by content");
        assert!(path(dir.path(), "../x").is_none());
    }

    #[test]
    fn only_the_newest_are_kept() {
        let dir = tempfile::tempdir().expect("dir");
        for i in 0..KEPT + 5 {
            keep(dir.path(), &format!("{i}{}", "y".repeat(10))).expect("kept");
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), KEPT);
    }
}
