//! Neutralising untrusted text before it can reach the terminal.
//!
//! Everything a provider hears from the network (names, message bodies, error reasons) passes
//! through [`sanitize`]. A terminal interprets escape sequences, so a message carrying
//! `ESC ] 0 ; title BEL` could retitle the window, and bidi overrides can make a line read
//! differently from what it holds. We drop escape sequences whole, replace other control
//! characters, and remove invisible formatting characters that hide or reorder text.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

/// The longest text kept from one untrusted string; beyond it the text is cut with a note. A
/// chat message is a few KB at most (WhatsApp allows 4096 characters); a megabyte-long one is
/// an attack on the layout and on memory, not something an agent reads.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The most zero-width characters (combining marks, joiners, variation selectors) kept in a
/// row after one visible character. Real text stacks two or three (Vietnamese, pointed
/// Hebrew, a keycap emoji); "Zalgo" text stacks thousands into one cell, over the lines
/// around it.
pub const MAX_MARKS_PER_CHARACTER: usize = 4;

/// The most characters kept in one grapheme cluster. The longest emoji sequences and Indic
/// conjuncts hold about a dozen; spacing marks stacked on a letter would otherwise make one
/// cluster wider than any pane.
pub const MAX_CLUSTER_CHARS: usize = 32;

/// Returns `input` safe to draw: escape sequences (CSI, OSC, DCS, …) removed, other control
/// characters dropped (tab becomes a space, newlines kept), bidi controls and zero-width
/// characters removed, stacks of marks capped ([`MAX_MARKS_PER_CHARACTER`],
/// [`MAX_CLUSTER_CHARS`]), and the whole cut to [`MAX_TEXT_BYTES`].
pub fn sanitize(input: &str) -> String {
    let (out, left) = sanitize_within(input, MAX_TEXT_BYTES);
    match left {
        0 => out,
        left => {
            // The whole text, made safe, is kept aside (on disk, by the runtime) so it can
            // still be read; what stays in memory and on screen is the first part.
            let token = KEEP_LONG.get().and_then(|keep| keep(input));
            let note = match token {
                Some(token) => format!(" … [{left} more bytes not shown · o reads all #{token}]"),
                None => format!(" … [{left} more bytes not shown]"),
            };
            out + &note
        }
    }
}

/// The most of one text kept aside in full (a longer one is cut there too).
pub const MAX_KEPT_BYTES: usize = 16 << 20;

/// Keeps a long text whole and answers the token it can be read back by.
pub type KeepLong = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

static KEEP_LONG: std::sync::OnceLock<KeepLong> = std::sync::OnceLock::new();

/// Installs, once, where texts longer than [`MAX_TEXT_BYTES`] are kept whole.
pub fn keep_long_texts(keep: KeepLong) {
    let _ = KEEP_LONG.set(keep);
}

/// The token of a text kept whole, from the note at the end of what is shown (a token is
/// hex, so it can name a file and nothing else).
pub fn kept_token(shown: &str) -> Option<&str> {
    let token = shown.strip_suffix(']')?.rsplit_once(" · o reads all #")?.1;
    (!token.is_empty() && token.len() <= 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(token)
}

/// [`sanitize`] cut at `limit` bytes, without a note; also how many bytes were left out.
pub fn sanitize_within(input: &str, limit: usize) -> (String, usize) {
    let mut out = String::with_capacity(input.len().min(limit));
    // Printable ASCII and line feeds stay as they are: most text is all of it, copied at once.
    let plain = input
        .bytes()
        .position(|b| b != b'\n' && !(b' '..=b'~').contains(&b))
        .unwrap_or(input.len())
        .min(limit);
    out.push_str(&input[..plain]);
    let mut chars = input[plain..].chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= limit {
            let left = chars.map(char::len_utf8).sum::<usize>() + c.len_utf8();
            return (cap_marks(out), left);
        }
        match c {
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            '\r' => {
                // CRLF becomes LF; a lone CR (which would overwrite the line) is dropped.
                if chars.peek() == Some(&'\n') {
                    continue;
                }
            }
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers of the same sequences (CSI, OSC, DCS, SOS, PM, APC).
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c if is_invisible_format(c) => {}
            c => out.push(c),
        }
    }
    (cap_marks(out), 0)
}

/// `text` with each run of zero-width characters after a visible one cut to
/// [`MAX_MARKS_PER_CHARACTER`] and each grapheme cluster to [`MAX_CLUSTER_CHARS`].
fn cap_marks(text: String) -> String {
    if text.is_ascii() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for cluster in text.graphemes(true) {
        let mut marks = 0;
        for (i, c) in cluster.chars().take(MAX_CLUSTER_CHARS).enumerate() {
            marks = if i > 0 && is_zero_width(c) {
                marks + 1
            } else {
                0
            };
            if marks <= MAX_MARKS_PER_CHARACTER {
                out.push(c);
            }
        }
    }
    out
}

fn is_zero_width(c: char) -> bool {
    UnicodeWidthChar::width(c).unwrap_or(0) == 0
}

/// The longest prefix of `text` within `bytes`, cut on a character boundary.
pub fn prefix_within(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to `chars` characters, with `…` when something was cut.
pub fn clip_chars(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `text` on one line cut to about `chars` characters at a word boundary, with `…` when
/// something was cut (a word longer than that is cut where it must be).
pub fn clip_words(text: &str, chars: usize) -> String {
    let line = text.replace('\n', " ");
    let Some((cut, _)) = line.char_indices().nth(chars) else {
        return line;
    };
    let head = &line[..cut];
    let word = head.rfind(' ').filter(|&at| at > 0).unwrap_or(cut);
    format!("{}…", head[..word].trim_end())
}

/// Sanitises and folds the text onto one line (for names, previews, status lines).
pub fn sanitize_line(input: &str) -> String {
    sanitize(input).replace('\n', " ")
}

/// Whether `text` would draw as nothing: empty, or only whitespace (NBSP, ideographic space…),
/// blank glyphs (U+2800 BRAILLE PATTERN BLANK, Hangul fillers), invisible formatting and
/// marks with nothing to sit on. A name like that is replaced by the identity or the id.
pub fn is_blank_for_display(text: &str) -> bool {
    !text.chars().any(|c| {
        !c.is_whitespace()
            && !c.is_control()
            && !is_invisible_format(c)
            && !is_blank_glyph(c)
            && !is_zero_width(c)
    })
}

/// The name to show for a contact: the first of `candidates` (say the name, the identity, the
/// id) that does not draw blank. When all do, the last one with its characters escaped
/// (`\u{2800}`), so the row still tells contacts apart.
pub fn display_name<'a>(candidates: impl IntoIterator<Item = &'a str>) -> String {
    let mut last = "";
    for candidate in candidates {
        if !is_blank_for_display(candidate) {
            return candidate.to_string();
        }
        last = candidate;
    }
    if last.is_empty() {
        "(no name)".to_string()
    } else {
        last.escape_default().to_string()
    }
}

/// Characters with a width that fonts draw empty.
fn is_blank_glyph(c: char) -> bool {
    matches!(
        c,
        '\u{2800}' | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
    )
}

fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{ad}'                                          // soft hyphen
        | '\u{34f}'                                       // combining grapheme joiner
        | '\u{61c}'                                       // Arabic letter mark (bidi)
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' // Hangul fillers (blank "names")
        | '\u{17b4}' | '\u{17b5}'                          // Khmer invisible vowels
        | '\u{180b}'..='\u{180f}'                          // Mongolian selectors, vowel separator
        | '\u{200b}' | '\u{200c}' | '\u{200e}' | '\u{200f}' // zero-width space/non-joiner, LRM, RLM
        | '\u{202a}'..='\u{202e}'                          // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'                          // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'                          // bidi isolates
        | '\u{feff}'                                       // zero-width no-break space
        | '\u{fff9}'..='\u{fffb}'                          // interlinear annotation
        | '\u{e0000}'..='\u{e007f}'                        // tag characters (hidden text)
    )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-byte sequences (ESC c, ESC 7, ESC ( B…): the intermediate bytes and final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&next) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&next) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..=`~`. Anything else
/// ends a malformed sequence without being swallowed, so text after it survives.
fn skip_csi(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            chars.next();
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
        chars.next();
    }
}

/// OSC/DCS/SOS/PM/APC: everything up to BEL, ST (`ESC \`) or the C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// A weekday as three letters ("Mon"), the way times are written on screen.
pub fn weekday_abbrev(day: time::Weekday) -> &'static str {
    match day {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn clip_words_cuts_between_words() {
        assert_eq!(super::clip_words("short", 24), "short");
        assert_eq!(
            super::clip_words("Please cancel my subscription before the renewal", 24),
            "Please cancel my…"
        );
        assert_eq!(
            super::clip_words("Supercalifragilisticexpialidocious!", 10),
            "Supercalif…"
        );
    }

    use super::*;

    proptest::proptest! {
        /// The plain-ASCII fast path changes nothing: a leading NUL (dropped, and not plain)
        /// sends the whole text through the character loop instead.
        #[test]
        fn the_plain_prefix_is_read_as_the_character_loop_reads_it(
            input in "[ -~\n\r\t\u{7f}\u{1b}\u{9b}\u{200b}é你👋]{0,40}",
            limit in 1usize..48,
        ) {
            let by_chars = sanitize_within(&format!("\u{0}{input}"), limit);
            proptest::prop_assert_eq!(sanitize_within(&input, limit), by_chars);
        }
    }

    #[test]
    fn keeps_plain_text_and_unicode() {
        assert_eq!(sanitize("Olá 你好 👋\nbye"), "Olá 你好 👋\nbye");
    }

    #[test]
    fn removes_csi_and_osc_sequences() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(
            sanitize("x\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(sanitize("\u{9b}2Jz"), "z");
    }

    #[test]
    fn removes_controls_bidi_and_zero_width() {
        assert_eq!(sanitize("a\u{7}b\u{0}c\rd\r\ne"), "abcd\ne");
        assert_eq!(sanitize("evil\u{202e}txt.exe"), "eviltxt.exe");
        assert_eq!(sanitize("ze\u{200b}ro\u{feff}"), "zero");
        assert_eq!(sanitize_line("two\nlines\tx"), "two lines x");
    }

    #[test]
    fn removes_more_invisible_and_separator_characters() {
        assert_eq!(sanitize("a\u{ad}b\u{61c}c\u{e0041}\u{e0042}d"), "abcd");
        assert_eq!(sanitize("\u{3164}\u{115f}"), "", "a blank name is blank");
        assert_eq!(sanitize("one\u{2028}two"), "one\ntwo");
        assert_eq!(
            sanitize("family 👨\u{200d}👩\u{200d}👧"),
            "family 👨\u{200d}👩\u{200d}👧"
        );
    }

    #[test]
    fn stacks_of_combining_marks_are_capped() {
        let zalgo = format!("Z{}a", "\u{301}".repeat(5000));
        let out = sanitize(&zalgo);
        assert_eq!(
            out,
            format!("Z{}a", "\u{301}".repeat(MAX_MARKS_PER_CHARACTER))
        );
        // Joiners and selectors count as marks too, and a flood with no letter under it.
        let joiners = format!("x{}", "\u{200d}\u{fe0f}".repeat(100));
        assert_eq!(
            sanitize(&joiners).chars().count(),
            1 + MAX_MARKS_PER_CHARACTER
        );
        let bare = "\u{301}".repeat(100);
        assert_eq!(sanitize(&bare).chars().count(), 1 + MAX_MARKS_PER_CHARACTER);
        // Spacing marks (each a cell wide) stacked into one cluster are cut at its cap.
        let spacing = format!("क{}", "\u{903}".repeat(5000));
        assert_eq!(sanitize(&spacing).chars().count(), MAX_CLUSTER_CHARS);
        // Each letter gets its own allowance.
        let each = "e\u{301}\u{302}\u{303}".repeat(50);
        assert_eq!(sanitize(&each), each);
    }

    #[test]
    fn real_text_keeps_its_marks_and_sequences() {
        for text in [
            "Việt Nam",
            "בְּרֵאשִׁית",
            "स्त्री न्त्र्य",
            "👨\u{200d}👩\u{200d}👧\u{200d}👦",
            "👩🏻\u{200d}❤\u{fe0f}\u{200d}💋\u{200d}👨🏼",
            "#\u{fe0f}\u{20e3} \u{2764}\u{fe0f} 🇺🇸",
            "한국어 ᄒᆞᆫ",
        ] {
            assert_eq!(sanitize(text), text);
        }
    }

    #[test]
    fn blank_looking_text_is_blank_for_display() {
        for blank in [
            "",
            " ",
            "\u{2800}",
            "\u{a0}\u{2007}\u{202f}",
            "\u{3000}\u{2003}",
            "\u{3164}\u{ffa0}",
            "\u{200b}\u{2060}\u{feff}",
            "\u{301}\u{fe0f}\u{200d}",
        ] {
            assert!(is_blank_for_display(blank), "{blank:?}");
        }
        for shown in ["a", " . ", "李", "👋", "\u{2800}x", "é"] {
            assert!(!is_blank_for_display(shown), "{shown:?}");
        }
    }

    #[test]
    fn display_name_falls_back_past_blank_candidates() {
        assert_eq!(display_name(["Ada", "+1555", "c1"]), "Ada");
        assert_eq!(display_name(["\u{2800}", "+1555", "c1"]), "+1555");
        assert_eq!(display_name(["\u{a0}", "", "c1"]), "c1");
        assert_eq!(display_name(["", "\u{2800}"]), "\\u{2800}");
        assert_eq!(display_name(["", ""]), "(no name)");
    }

    #[test]
    fn a_broken_csi_does_not_swallow_the_text_after_it() {
        assert_eq!(sanitize("\u{1b}[12;你好 world"), "你好 world");
        assert_eq!(sanitize("\u{1b}[?25lvisible"), "visible");
    }

    #[test]
    fn a_kept_token_is_read_back_only_when_it_is_hex() {
        assert_eq!(
            kept_token("xx … [9 more bytes not shown · o reads all #a1b2]"),
            Some("a1b2")
        );
        assert_eq!(
            kept_token("xx … [9 more bytes not shown · o reads all #../etc]"),
            None
        );
        assert_eq!(kept_token("xx … [9 more bytes not shown]"), None);
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let megabyte = "x".repeat(1 << 20);
        let out = sanitize(&megabyte);
        assert!(out.len() < MAX_TEXT_BYTES + 64, "{}", out.len());
        assert!(out.ends_with(&format!(
            "[{} more bytes not shown]",
            (1 << 20) - MAX_TEXT_BYTES
        )));
    }

    #[test]
    fn unterminated_sequences_swallow_only_themselves() {
        assert_eq!(sanitize("ok\u{1b}]0;never ends"), "ok");
        assert_eq!(sanitize("ok\u{1b}"), "ok");
    }
}
