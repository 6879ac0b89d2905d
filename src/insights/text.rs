//! Text helpers shared by the extractors: sentence splitting, clause splitting, word lists.
//! Everything works on plain `&str` and allocates only what it returns.

/// Abbreviations whose trailing dot does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "no", "nr", "vs", "etc", "e.g", "i.e", "approx", "ref", "inc",
    "ltd", "jr", "sr", "a.m", "p.m",
];

/// Splits a message into sentences. A sentence keeps its closing `?`/`!`/`.` so callers can
/// tell questions apart. Dots inside numbers, addresses and abbreviations do not split.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ends = match b {
            b'\n' => true,
            b'?' | b'!' => {
                // Swallow runs like "??!" so the sentence keeps them all.
                while i + 1 < bytes.len() && matches!(bytes[i + 1], b'?' | b'!') {
                    i += 1;
                }
                true
            }
            b'.' => {
                let next_is_space = bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
                next_is_space && !ends_with_abbreviation(&text[start..i])
            }
            _ => false,
        };
        if ends {
            push_trimmed(&mut out, &text[start..=i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() {
        push_trimmed(&mut out, &text[start..]);
    }
    out
}

fn push_trimmed<'a>(out: &mut Vec<&'a str>, sentence: &'a str) {
    let sentence = sentence.trim();
    if sentence.chars().any(char::is_alphanumeric) {
        out.push(sentence);
    }
}

fn ends_with_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let last = last.trim_start_matches(|c: char| !c.is_alphanumeric());
    // An initial ("J. Smith") is a capital; chat's "thank u." ends a sentence.
    let initial = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric());
    ABBREVIATIONS.contains(&last)
        || (initial.chars().count() == 1 && initial.chars().all(char::is_uppercase))
}

/// A word of a sentence: as written (for showing) and normalised (for matching).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub norm: String,
}

/// The words of a sentence with chat spellings normalised ("u" → "you", "pls" → "please",
/// "im" → "i'm", curly apostrophes straightened). Punctuation around words is dropped from
/// `norm`; a comma or semicolon after a word becomes a separate "," word so clauses can be
/// found.
pub fn tokens(sentence: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for raw in sentence.split_whitespace() {
        let comma = raw.ends_with(',') || raw.ends_with(';') || raw.ends_with(':');
        let word: String = raw
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
            .replace('’', "'")
            .to_lowercase();
        let word = word.trim_matches('\'');
        if !word.is_empty() {
            out.push(Word {
                raw: raw.to_string(),
                norm: normalise_word(word).to_string(),
            });
        }
        if comma {
            out.push(Word {
                raw: String::new(),
                norm: ",".to_string(),
            });
        }
    }
    out
}

/// The normalised words of a sentence (see [`tokens`]).
pub fn words(sentence: &str) -> Vec<String> {
    tokens(sentence).into_iter().map(|w| w.norm).collect()
}

fn normalise_word(word: &str) -> &str {
    match word {
        "u" | "ya" => "you",
        "ur" => "your",
        "pls" | "plz" | "pleas" | "plse" => "please",
        "im" => "i'm",
        "ive" => "i've",
        "dont" => "don't",
        "cant" => "can't",
        "wont" => "won't",
        "wheres" => "where's",
        "whats" => "what's",
        "hows" => "how's",
        "thx" | "thanx" | "ty" => "thanks",
        "tmrw" | "tmr" | "tomorow" | "tommorow" => "tomorrow",
        other => other,
    }
}

/// Leading words that carry no meaning for intent ("ok so can you…", "hey, is it…").
pub fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "," | "hi"
            | "hii"
            | "hiii"
            | "hey"
            | "heyy"
            | "hello"
            | "hola"
            | "ok"
            | "okay"
            | "oh"
            | "ah"
            | "hmm"
            | "so"
            | "and"
            | "also"
            | "but"
            | "yes"
            | "yeah"
            | "yep"
            | "no"
            | "nope"
            | "sure"
            | "great"
            | "perfect"
            | "cool"
            | "fine"
            | "thanks"
            | "then"
            | "just"
            | "well"
            | "btw"
            | "anyway"
            | "alright"
            | "right"
            | "kindly"
            | "now"
            | "good"
            | "morning"
            | "afternoon"
            | "evening"
            | "dear"
            | "awesome"
            | "understood"
            | "noted"
    )
}

/// Index of the first word after leading fillers.
pub fn skip_fillers(words: &[String]) -> usize {
    words.iter().take_while(|w| is_filler(w)).count()
}

/// Whether two texts are the same once case, punctuation and spacing are ignored, or one
/// contains the other that way.
pub fn loosely_contains(haystack: &str, needle: &str) -> bool {
    let h = squash(haystack);
    let n = squash(needle);
    !n.is_empty() && h.contains(&n)
}

/// Lower case with every run of non-alphanumerics turned into one space.
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_punctuation_but_not_inside_numbers_or_abbreviations() {
        let got = sentences("Hi Mr. Smith. It costs $54.20 now?? Yes! see example.com/x ok");
        assert_eq!(
            got,
            vec![
                "Hi Mr. Smith.",
                "It costs $54.20 now??",
                "Yes!",
                "see example.com/x ok"
            ]
        );
    }

    #[test]
    fn words_normalise_chat_spellings() {
        assert_eq!(
            words("can u pls check, im waiting"),
            vec!["can", "you", "please", "check", ",", "i'm", "waiting"]
        );
    }

    #[test]
    fn squash_ignores_case_and_punctuation() {
        assert!(loosely_contains("Could you, CHECK it?", "could you check"));
        assert!(!loosely_contains("abc", ""));
    }
}
