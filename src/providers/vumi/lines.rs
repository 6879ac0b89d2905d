//! Splits a chunked byte stream into lines (newline-delimited JSON). Chunks end anywhere: in the
//! middle of a line or of a UTF-8 character, so bytes are buffered until their `\n` arrives.
//! A line longer than the limit is skipped up to its newline (reported once), so a hostile or
//! broken server cannot make us buffer without bound, and the lines after it still arrive.

/// One complete line, or the note that an over-long one was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// A line over the limit was dropped; `bytes` is how much of it was seen.
    TooLong {
        bytes: usize,
    },
}

#[derive(Debug)]
pub struct LineAssembler {
    buffer: Vec<u8>,
    max_line: usize,
    /// Inside an over-long line: discard until its newline.
    skipping: Option<usize>,
}

impl LineAssembler {
    pub fn new(max_line: usize) -> Self {
        Self {
            buffer: Vec::new(),
            max_line,
            skipping: None,
        }
    }

    /// Feeds a chunk; returns the lines it completed. Blank lines (keep-alives) are skipped;
    /// invalid UTF-8 is replaced rather than dropped, so the JSON parser reports it.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut lines = Vec::new();
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            let complete = piece.last() == Some(&b'\n');
            let body = if complete {
                &piece[..piece.len() - 1]
            } else {
                piece
            };
            if let Some(seen) = self.skipping.as_mut() {
                *seen += body.len();
                if complete {
                    lines.push(Line::TooLong { bytes: *seen });
                    self.skipping = None;
                }
                continue;
            }
            if self.buffer.len() + body.len() > self.max_line {
                let seen = self.buffer.len() + body.len();
                self.buffer.clear();
                if complete {
                    lines.push(Line::TooLong { bytes: seen });
                } else {
                    self.skipping = Some(seen);
                }
                continue;
            }
            self.buffer.extend_from_slice(body);
            if complete {
                let bytes = std::mem::take(&mut self.buffer);
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                if !text.is_empty() {
                    lines.push(Line::Text(text.to_string()));
                }
            }
        }
        lines
    }

    /// Bytes of an unfinished line held right now (what a dropped connection loses).
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets an unfinished line: after a reconnect the server starts on a fresh line.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.skipping = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: Vec<Line>) -> Vec<String> {
        lines
            .into_iter()
            .map(|line| match line {
                Line::Text(text) => text,
                Line::TooLong { bytes } => format!("<too long: {bytes}>"),
            })
            .collect()
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut lines = LineAssembler::new(1024);
        assert!(lines.push(b"{\"a\":").is_empty());
        assert_eq!(lines.pending(), 5);
        assert_eq!(texts(lines.push(b"1}\n{\"b\"")), vec!["{\"a\":1}"]);
        assert_eq!(
            texts(lines.push(b":2}\n\n{\"c\":3}\n")),
            vec!["{\"b\":2}", "{\"c\":3}"]
        );
        assert_eq!(lines.pending(), 0);
    }

    #[test]
    fn a_character_split_between_chunks_survives() {
        let mut lines = LineAssembler::new(1024);
        let text = "olá 👋\n".as_bytes();
        let (a, b) = text.split_at(5); // inside the emoji
        assert!(lines.push(a).is_empty());
        assert_eq!(texts(lines.push(b)), vec!["olá 👋"]);
    }

    #[test]
    fn every_chunking_gives_the_same_lines() {
        let stream = b"{\"x\":1}\r\ngarbage\n\n{\"y\":\"\xc3\xa9\"}\n";
        let whole = texts(LineAssembler::new(64).push(stream));
        assert_eq!(whole, vec!["{\"x\":1}", "garbage", "{\"y\":\"é\"}"]);
        for size in 1..stream.len() {
            let mut lines = LineAssembler::new(64);
            let mut got = Vec::new();
            for chunk in stream.chunks(size) {
                got.extend(texts(lines.push(chunk)));
            }
            assert_eq!(got, whole, "chunk size {size}");
        }
    }

    #[test]
    fn over_long_lines_are_skipped_and_the_next_line_kept() {
        let mut lines = LineAssembler::new(8);
        assert!(lines.push(b"0123456").is_empty());
        assert!(lines.push(b"789abc").is_empty());
        assert_eq!(lines.pending(), 0, "an over-long line is not buffered");
        assert_eq!(
            texts(lines.push(b"def\n{\"ok\":1}\n")),
            vec!["<too long: 16>", "{\"ok\":1}"]
        );
        assert_eq!(
            texts(lines.push(b"0123456789\nab\n")),
            vec!["<too long: 10>", "ab"]
        );
    }

    #[test]
    fn reset_drops_a_partial_line() {
        let mut lines = LineAssembler::new(64);
        lines.push(b"{\"half\":");
        lines.reset();
        assert_eq!(texts(lines.push(b"{\"whole\":1}\n")), vec!["{\"whole\":1}"]);
    }
}
