//! Writing a reply in the user's own editor: the draft goes into a private temporary file, the
//! editor (`$VISUAL`, else `$EDITOR`, else `vi`) runs on it with the terminal handed over, and
//! what it saved comes back. The terminal side (pausing the reader, leaving the alternate
//! screen) is in `terminal.rs`; this is the file and the process.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// The editor command the environment asks for.
pub fn from_env() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Runs `editor` on a file holding `draft` and returns what was saved, without the one line
/// end editors add at the end. The command goes through `sh`, so `code --wait` or a path with
/// quotes works as it does in a shell.
pub fn edit(draft: &str, editor: &str) -> std::io::Result<String> {
    let file = TempDraft::create(draft)?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("switchboard-editor")
        .arg(&file.path)
        .status()
        .map_err(|e| std::io::Error::other(format!("cannot run `{editor}`: {e}")))?;
    // The shell's own "not found" went to a screen that is gone by now: say it here.
    if status.code() == Some(127) {
        return Err(std::io::Error::other(format!(
            "`{editor}` was not found (set $VISUAL or $EDITOR); the draft is unchanged"
        )));
    }
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "`{editor}` ended with {status}; the draft is unchanged"
        )));
    }
    let text = std::fs::read_to_string(&file.path)?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_string())
}

/// A draft file only its owner can read, removed when dropped.
struct TempDraft {
    path: PathBuf,
}

impl TempDraft {
    fn create(text: &str) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("switchboard-{}.md", uuid::Uuid::new_v4()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        file.write_all(text.as_bytes())?;
        // Editors expect a file to end its last line (vi says [noeol] otherwise, and a
        // script appending a line would join it to the draft's).
        if !text.is_empty() && !text.ends_with('\n') {
            file.write_all(b"\n")?;
        }
        Ok(Self { path })
    }
}

impl Drop for TempDraft {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake editor: a shell script that appends a line and records the file it was given.
    fn fake_editor(dir: &std::path::Path, body: &str) -> String {
        let script = dir.join("fake-editor");
        std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("executable");
        }
        script.display().to_string()
    }

    #[test]
    fn the_draft_goes_through_the_editor_and_comes_back() {
        let dir = tempfile::tempdir().expect("dir");
        let seen = dir.path().join("seen");
        let editor = fake_editor(
            dir.path(),
            &format!(
                "ls -l \"$1\" > '{}'; printf 'Thanks!\\n' >> \"$1\"",
                seen.display()
            ),
        );
        let text = edit("Dear Ada,", &editor).expect("edited");
        // The file ended its line, so the editor's line is a line of its own.
        assert_eq!(text, "Dear Ada,\nThanks!");
        // Private while it exists, gone after.
        let listing = std::fs::read_to_string(&seen).expect("listing");
        assert!(listing.starts_with("-rw-------"), "{listing}");
        let path = listing.split_whitespace().last().expect("path").to_string();
        assert!(!std::path::Path::new(&path).exists(), "{path} removed");
    }

    #[test]
    fn an_editor_with_arguments_runs_through_the_shell() {
        let dir = tempfile::tempdir().expect("dir");
        let editor = fake_editor(dir.path(), "printf '%s' \"$1\" > \"$2\"");
        let text = edit("old", &format!("{editor} 'new text'")).expect("edited");
        assert_eq!(text, "new text");
    }

    #[test]
    fn a_failing_or_missing_editor_leaves_the_draft_and_says_why() {
        let dir = tempfile::tempdir().expect("dir");
        let editor = fake_editor(dir.path(), "exit 3");
        let error = edit("keep me", &editor).expect_err("failed");
        assert!(error.to_string().contains("unchanged"), "{error}");
        let error = edit("keep me", "/nonexistent/editor").expect_err("missing");
        assert!(
            error
                .to_string()
                .contains("/nonexistent/editor` was not found"),
            "{error}"
        );
    }
}
