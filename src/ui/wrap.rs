//! Text measured by display width, one grapheme cluster at a time: a flag (two regional
//! indicators), an emoji with its VS16 or skin tone, a letter with its accents take the cells
//! ratatui will give them and are never split. Word wrapping that breaks over-long words, and
//! truncation with "…", so no text can overflow its pane.

use ratatui::buffer::CellWidth;
use unicode_segmentation::UnicodeSegmentation;

/// Display width of a string in terminal cells: the sum of its clusters' widths.
pub fn width(text: &str) -> usize {
    if printable_ascii(text) {
        return text.len();
    }
    text.graphemes(true).map(cluster_width).sum()
}

/// Text of printable ASCII only: each byte is a cluster one cell wide, so the byte-wise paths
/// give what the cluster-wise ones do (a property test checks), without segmenting.
fn printable_ascii(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' '..=b'~'))
}

/// The cells one grapheme cluster takes, measured as ratatui's buffer measures it when it
/// places the cluster (unicode-width's width of the whole cluster, so `❤️` with its VS16 and a
/// flag pair are two cells). Clusters holding a control character are not drawn at all.
pub fn cluster_width(cluster: &str) -> usize {
    if cluster.contains(char::is_control) {
        0
    } else {
        usize::from(cluster.cell_width())
    }
}

/// Wraps `text` to lines of at most `max` cells: greedy at spaces, a word longer than a line
/// is broken between grapheme clusters (CJK has no spaces, so that is also how it wraps).
/// Newlines start new lines; an empty text gives one empty line.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        if printable_ascii(paragraph) {
            wrap_ascii(paragraph, max, &mut lines);
        } else {
            wrap_clusters(paragraph, max, &mut lines);
        }
    }
    lines
}

/// [`wrap`] of one paragraph, cluster by cluster.
fn wrap_clusters(paragraph: &str, max: usize, lines: &mut Vec<String>) {
    let mut line = String::new();
    let mut line_width = 0;
    for word in words(paragraph) {
        let word_width = width(word);
        if !line.is_empty() && line_width + 1 + word_width <= max {
            line.push(' ');
            line.push_str(word);
            line_width += 1 + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        for cluster in word.graphemes(true) {
            let w = cluster_width(cluster);
            if line_width + w > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            line.push_str(cluster);
            line_width += w;
        }
    }
    lines.push(line);
}

/// [`wrap`] of one paragraph of printable ASCII, byte by byte.
fn wrap_ascii(paragraph: &str, max: usize, lines: &mut Vec<String>) {
    let mut line = String::new();
    for word in paragraph.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() <= max {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while rest.len() > max {
            lines.push(rest[..max].to_string());
            rest = &rest[max..];
        }
        line.push_str(rest);
    }
    lines.push(line);
}

/// The words of a line: the text between clusters that are a plain space (a space carrying a
/// combining mark is one cluster with it, and stays in its word).
fn words(paragraph: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut clusters = paragraph.grapheme_indices(true);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        for (offset, cluster) in clusters.by_ref() {
            if cluster == " " {
                let word = &paragraph[start..offset];
                start = offset + 1;
                return Some(word);
            }
        }
        done = true;
        Some(&paragraph[start..])
    })
}

/// Cuts `text` to at most `max` cells, ending with "…" when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    if printable_ascii(text) {
        return format!("{}…", &text[..max - 1]);
    }
    truncate_clusters(text, max)
}

/// [`truncate`] of a text wider than `max` (> 0), cluster by cluster.
fn truncate_clusters(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for cluster in text.graphemes(true) {
        let w = cluster_width(cluster);
        if used + w > max - 1 {
            break;
        }
        out.push_str(cluster);
        used += w;
    }
    out.push('…');
    out
}

/// `text` padded with spaces to `cells` (or truncated to it).
pub fn pad(text: &str, cells: usize) -> String {
    let mut out = truncate(text, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The byte-wise paths of printable ASCII give exactly what the cluster-wise ones do.
        #[test]
        fn printable_ascii_measures_wraps_and_cuts_as_clusters_do(
            text in "[ a-zA-Z0-9.,!?~]{0,60}",
            max in 1usize..24,
        ) {
            prop_assert!(printable_ascii(&text));
            let by_clusters: usize = text.graphemes(true).map(cluster_width).sum();
            prop_assert_eq!(width(&text), by_clusters);
            let (mut bytes, mut clusters) = (Vec::new(), Vec::new());
            wrap_ascii(&text, max, &mut bytes);
            wrap_clusters(&text, max, &mut clusters);
            prop_assert_eq!(bytes, clusters);
            if width(&text) > max {
                prop_assert_eq!(truncate(&text, max), truncate_clusters(&text, max));
            }
        }
    }

    #[test]
    fn control_characters_take_no_cells_whatever_the_path() {
        assert_eq!(width("a\t"), 1);
        assert_eq!(width("a\x7f"), 1);
        assert_eq!(width("a\r\nb"), 2);
        assert_eq!(truncate("ab\tcdef", 3), "ab\t…");
    }

    #[test]
    fn wraps_at_spaces_and_breaks_long_words() {
        assert_eq!(wrap("hello big world", 9), ["hello big", "world"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn wraps_wide_characters_by_cells() {
        // Each CJK character and each emoji takes two cells.
        assert_eq!(wrap("你好世界", 5), ["你好", "世界"]);
        assert_eq!(wrap("ok 👋👋👋", 4), ["ok", "👋👋", "👋"]);
        for line in wrap("日本語のテキストと English words mixed 🎉 together", 7) {
            assert!(width(&line) <= 7, "{line:?}");
        }
    }

    #[test]
    fn a_wide_char_in_a_one_cell_line_still_progresses() {
        assert_eq!(wrap("你好", 1), ["你", "好"]);
    }

    #[test]
    fn eighty_hearts_with_vs16_wrap_into_full_rows_with_nothing_lost() {
        let heart = "\u{2764}\u{fe0f}";
        assert_eq!(width(heart), 2);
        let text = heart.repeat(80);
        let lines = wrap(&text, 40);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines.iter().all(|l| width(l) == 40), "{lines:?}");
        assert_eq!(lines.concat(), text);
        assert_eq!(width(&truncate(&text, 7)), 7);
        assert_eq!(truncate(&text, 7), format!("{}…", heart.repeat(3)));
    }

    #[test]
    fn flag_pairs_are_never_split() {
        // 🇺🇸🇷🇺 split after the third indicator draws as 🇺🇸🇷 / 🇺, and joined
        // back at the wrong place as 🇸🇷🇺🇺.
        assert_eq!(width("🇺🇸🇷🇺"), 4);
        assert_eq!(wrap("🇺🇸🇷🇺", 3), ["🇺🇸", "🇷🇺"]);
        assert_eq!(wrap("🇺🇸🇷🇺🇺🇸", 5), ["🇺🇸🇷🇺", "🇺🇸"]);
        assert_eq!(truncate("🇺🇸🇷🇺🇺🇸", 4), "🇺🇸…");
        assert_eq!(pad("🇺🇸", 3), "🇺🇸 ");
    }

    #[test]
    fn clusters_with_marks_stay_whole_and_in_their_word() {
        assert_eq!(
            wrap("e\u{301}e\u{301}e\u{301}", 2),
            ["e\u{301}e\u{301}", "e\u{301}"]
        );
        // A space carrying a mark is not a word break.
        assert_eq!(wrap("a \u{301}b c", 3), ["a \u{301}b", "c"]);
        assert_eq!(width("👨\u{200d}👩\u{200d}👧"), 2);
    }

    #[test]
    fn cjk_and_plain_text_wrap_as_before() {
        assert_eq!(wrap("你好世界你好", 7), ["你好世", "界你好"]);
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(wrap("a  b", 10), ["a  b"]);
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("你好世界", 5), "你好…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(pad("ab", 4), "ab  ");
    }
}
