//! The reply composer: a multi-line draft with a cursor. Pure text editing; what happens on
//! send is decided by the reducer.

/// The draft being written. `cursor` is a byte offset on a char boundary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Composer {
    text: String,
    cursor: usize,
}

impl Composer {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    pub fn insert(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    pub fn backspace(&mut self) -> bool {
        match self.text[..self.cursor].chars().next_back() {
            Some(c) => {
                self.cursor -= c.len_utf8();
                self.text.remove(self.cursor);
                true
            }
            None => false,
        }
    }

    /// Deletes the word before the cursor and the spaces after it (Ctrl+W of shells).
    pub fn delete_word(&mut self) -> bool {
        let before = &self.text[..self.cursor];
        let kept = before.trim_end().len();
        let start = before[..kept]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        if start == self.cursor {
            return false;
        }
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
        true
    }

    pub fn delete(&mut self) -> bool {
        if self.cursor < self.text.len() {
            self.text.remove(self.cursor);
            true
        } else {
            false
        }
    }

    pub fn left(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
        }
    }

    pub fn right(&mut self) {
        if let Some(c) = self.text[self.cursor..].chars().next() {
            self.cursor += c.len_utf8();
        }
    }

    /// Start of the current line.
    pub fn home(&mut self) {
        self.cursor = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
    }

    /// End of the current line.
    pub fn end(&mut self) {
        self.cursor += self.text[self.cursor..]
            .find('\n')
            .unwrap_or(self.text.len() - self.cursor);
    }

    /// Appends at the end of the draft and puts the cursor there (text streamed in).
    pub fn append(&mut self, s: &str) {
        self.text.push_str(s);
        self.cursor = self.text.len();
    }

    /// Takes the draft out (for sending), leaving the composer empty.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub fn clear(&mut self) {
        self.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletes_the_word_before_the_cursor() {
        let mut composer = Composer::default();
        composer.insert("thé kettle  ");
        assert!(composer.delete_word());
        assert_eq!(composer.text(), "thé ");
        assert!(composer.delete_word());
        assert_eq!(composer.text(), "");
        assert!(!composer.delete_word());
    }

    #[test]
    fn edits_multibyte_text_on_char_boundaries() {
        let mut c = Composer::default();
        c.insert("olá 👋");
        c.backspace();
        assert_eq!(c.text(), "olá ");
        c.left();
        c.left();
        c.insert("x");
        assert_eq!(c.text(), "olxá ");
        c.home();
        c.delete();
        assert_eq!(c.text(), "lxá ");
        c.end();
        c.insert("\nsecond");
        c.home();
        assert_eq!(&c.text()[c.cursor()..], "second");
        assert_eq!(c.take(), "lxá \nsecond");
        assert!(c.is_blank());
    }
}
