//! Copying through the terminal: OSC 52 asks the terminal itself to set the clipboard, which
//! works over SSH and needs no clipboard tool on this machine. Inside tmux the sequence is
//! wrapped in tmux's passthrough, so tmux hands it to the outer terminal.

use std::io::Write;

use base64::Engine;

/// Terminals cap what OSC 52 may carry (xterm: 100,000 bytes of base64); longer text is cut
/// here rather than dropped by the terminal.
const MAX_BYTES: usize = 74_000;

/// Writes the sequence that puts `text` on the clipboard.
pub fn copy(text: &str) {
    let inside_tmux = std::env::var_os("TMUX").is_some();
    let mut stdout = std::io::stdout();
    let written = stdout
        .write_all(sequence(text, inside_tmux).as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        tracing::warn!(%error, "copying to the clipboard");
    }
}

/// OSC 52 for `text` (cut to [`MAX_BYTES`] on a character boundary), in tmux's passthrough
/// when asked (every ESC inside doubled, as tmux requires).
pub fn sequence(text: &str, inside_tmux: bool) -> String {
    let text = crate::text::prefix_within(text, MAX_BYTES);
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let osc = format!("\x1b]52;c;{encoded}\x07");
    if inside_tmux {
        // Both: tmux with `set-clipboard on` (its default) takes the plain one itself; the
        // wrapped one reaches the outer terminal where `allow-passthrough` is on.
        format!("{osc}\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"))
    } else {
        osc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_goes_base64_in_osc_52_and_through_tmux_when_inside_it() {
        assert_eq!(sequence("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(
            sequence("hi", true),
            "\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        let long = "é".repeat(MAX_BYTES);
        let cut = sequence(&long, false);
        assert!(cut.len() < MAX_BYTES * 2, "cut before encoding");
    }
}
