//! Server-sent events, decoded incrementally from the bytes as they arrive: lines end in LF,
//! CRLF or CR; `data:` lines of one event are joined by a newline; `:` lines are comments
//! (keep-alives); an empty line ends the event. Other fields (`event:`, `id:`, `retry:`) are
//! not used by chat completions and are skipped.

/// The longest line, and the longest event, held while waiting for its end; a server that
/// never ends one is not streaming an answer.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub struct Decoder {
    line: Vec<u8>,
    data: Option<String>,
    /// The last byte was a CR: a following LF belongs to the same line end.
    after_cr: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct LineTooLong;

impl Decoder {
    /// Feeds bytes; returns the data of every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, LineTooLong> {
        let mut events = Vec::new();
        for &byte in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(data) = self.end_line(&line)? {
                        events.push(data);
                    }
                }
                _ => {
                    if self.line.len() >= MAX_LINE_BYTES {
                        return Err(LineTooLong);
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    /// What is left when the body ends: an event whose blank line never came still counts.
    pub fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        if !line.is_empty() {
            // Past the limit the event is dropped: the stream is over anyway.
            let _ = self.end_line(&line);
        }
        self.data.take()
    }

    fn end_line(&mut self, line: &[u8]) -> Result<Option<String>, LineTooLong> {
        if line.is_empty() {
            return Ok(self.data.take());
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        if field == "data" {
            match &mut self.data {
                Some(data) if data.len() + value.len() >= MAX_LINE_BYTES => {
                    return Err(LineTooLong);
                }
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<String> {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for chunk in stream.chunks(piece) {
            events.extend(decoder.push(chunk).expect("line length"));
        }
        events.extend(decoder.finish());
        events
    }

    #[test]
    fn events_survive_any_split_and_any_line_ending() {
        let stream = b": ping\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: two\ndata: lines\n\ndata:[DONE]\r\r";
        for piece in 1..stream.len() {
            assert_eq!(
                decode_in_pieces(stream, piece),
                vec!["{\"a\":1}", "two\nlines", "[DONE]"],
                "split every {piece} bytes"
            );
        }
    }

    #[test]
    fn multibyte_text_split_between_reads_is_kept_whole() {
        let stream = "data: {\"t\":\"añ🙂\"}\n\n".as_bytes();
        assert_eq!(decode_in_pieces(stream, 1), vec!["{\"t\":\"añ🙂\"}"]);
    }

    #[test]
    fn a_last_event_without_its_blank_line_still_counts() {
        assert_eq!(decode_in_pieces(b"data: [DONE]", 4), vec!["[DONE]"]);
    }

    #[test]
    fn an_endless_event_is_refused() {
        let mut decoder = Decoder::default();
        let line = format!("data: {}\n", "x".repeat(1000));
        let mut refused = false;
        for _ in 0..2000 {
            if decoder.push(line.as_bytes()).is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused, "data lines without a blank line are bounded");
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut decoder = Decoder::default();
        let long = vec![b'x'; MAX_LINE_BYTES + 1];
        assert_eq!(decoder.push(&long), Err(LineTooLong));
    }
}
