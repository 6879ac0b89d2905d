//! Keeps secrets out of recordings and screenshots: account keys and tokens from the config,
//! and the user name in the local home directory. Each occurrence is replaced by as many `*` as
//! it has characters, so the text keeps its width and the recorded screen its layout.

use ratatui::buffer::Buffer;

use crate::config::Config;

/// What must never be written. Secrets are masked wherever any run of at least
/// [`FRAGMENT`] of their characters shows (a key half typed, wrapped over two lines or cut
/// short by an ellipsis is still masked); paths are masked where they show whole.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    paths: Vec<String>,
}

/// The shortest run of a secret's characters that is masked on screen (shorter secrets are
/// masked whole).
pub const FRAGMENT: usize = 6;

impl Redactor {
    /// Masks the given secrets (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        Self::default().with(secrets)
    }

    /// The secrets of a config (each account's key, inline or from its environment variable,
    /// and the keys the command line takes from the environment) and the local user's home
    /// directory and name as they appear in paths.
    pub fn for_config(config: &Config) -> Self {
        let mut secrets = Vec::new();
        secrets.extend(config.secrets());
        for var in ["SWITCHBOARD_API_KEY", "SWITCHBOARD_HUB_KEY"] {
            if let Ok(value) = std::env::var(var) {
                secrets.push(value);
            }
        }
        let mut paths = directories::BaseDirs::new()
            .map(|dirs| home_needles(&dirs.home_dir().to_string_lossy()))
            .unwrap_or_default();
        // The login name too, for a config or data path outside the home directory.
        for var in ["USER", "LOGNAME", "USERNAME"] {
            if let Ok(name) = std::env::var(var) {
                paths.extend(name_needles(&name));
            }
        }
        Self::new(secrets).with_paths(paths)
    }

    /// Adds secrets to mask.
    pub fn with(mut self, more: impl IntoIterator<Item = String>) -> Self {
        self.secrets.extend(more);
        tidy(&mut self.secrets);
        self
    }

    /// Adds strings masked only where they show whole.
    pub fn with_paths(mut self, more: impl IntoIterator<Item = String>) -> Self {
        self.paths.extend(more);
        tidy(&mut self.paths);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.paths.is_empty()
    }

    /// The text with every whole secret and path masked (a last net for the cast's bytes; the
    /// screen itself goes through [`Redactor::buffer`]).
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in self.secrets.iter().chain(&self.paths) {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), &mask(needle));
            }
        }
        out
    }

    /// Masks a rendered screen, row by row, cell by cell (styles are kept).
    pub fn buffer(&self, buffer: &mut Buffer) {
        if self.is_empty() {
            return;
        }
        let area = buffer.area;
        for y in area.top()..area.bottom() {
            // The row's characters, each with the cell it is drawn in.
            let mut chars: Vec<char> = Vec::new();
            let mut cells: Vec<u16> = Vec::new();
            for x in area.left()..area.right() {
                for c in buffer[(x, y)].symbol().chars() {
                    chars.push(c);
                    cells.push(x);
                }
            }
            let mut masked = vec![false; chars.len()];
            for secret in &self.secrets {
                let secret: Vec<char> = secret.chars().collect();
                mark_fragments(&chars, &secret, FRAGMENT.min(secret.len()), &mut masked);
            }
            for path in &self.paths {
                let path: Vec<char> = path.chars().collect();
                mark_whole(&chars, &path, &mut masked);
            }
            for (i, _) in masked.iter().enumerate().filter(|(_, m)| **m) {
                buffer[(cells[i], y)].set_symbol("*");
            }
        }
    }
}

/// Marks every run of at least `min` characters of `row` that also occurs in `secret`.
fn mark_fragments(row: &[char], secret: &[char], min: usize, masked: &mut [bool]) {
    let occurs = |run: &[char]| secret.windows(run.len()).any(|w| w == run);
    let mut start = 0;
    while start < row.len() {
        let mut end = start;
        while end < row.len() && occurs(&row[start..=end]) {
            end += 1;
        }
        if end - start >= min.max(1) {
            masked[start..end].iter_mut().for_each(|m| *m = true);
            start = end;
        } else {
            start += 1;
        }
    }
}

/// Marks every whole occurrence of `needle` in `row`.
fn mark_whole(row: &[char], needle: &[char], masked: &mut [bool]) {
    if needle.is_empty() || needle.len() > row.len() {
        return;
    }
    for start in 0..=row.len() - needle.len() {
        if row[start..start + needle.len()] == *needle {
            masked[start..start + needle.len()]
                .iter_mut()
                .for_each(|m| *m = true);
        }
    }
}

/// Drops empty strings and duplicates; longest first, so a needle containing another wins.
fn tidy(needles: &mut Vec<String>) {
    needles.retain(|n| !n.is_empty());
    needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    needles.dedup();
}

/// The home directory as a path shows it, and the user name within it (`/home/NAME`), but
/// only when the name is specific enough not to mask ordinary words.
fn home_needles(home: &str) -> Vec<String> {
    let mut needles = vec![home.to_string()];
    needles.extend(name_needles(
        home.rsplit(['/', '\\']).next().unwrap_or_default(),
    ));
    needles
}

/// A user name as paths show it (`/NAME/`, `\NAME\`). Not bare, nor as `NAME@`: demo
/// customers' words and addresses would be masked for some users and not others.
fn name_needles(name: &str) -> Vec<String> {
    if name.chars().count() < 3 || matches!(name, "root" | "home" | "user") {
        return Vec::new();
    }
    vec![format!("/{name}/"), format!("\\{name}\\")]
}

fn mask(secret: &str) -> String {
    "*".repeat(secret.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    #[test]
    fn fragments_of_a_secret_are_masked_on_screen() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 3));
        // Half typed, wrapped over two rows, and a short run that stays (it could be anything).
        buffer.set_string(0, 0, "key sk_live_9f", Style::default());
        buffer.set_string(0, 1, "8e7d6c5b4a done", Style::default());
        buffer.set_string(0, 2, "sk_li is short", Style::default());
        Redactor::new(["sk_live_9f8e7d6c5b4a".to_string()]).buffer(&mut buffer);
        let text = super::super::export::to_text(&buffer);
        assert_eq!(text, "key **********\n********** done\nsk_li is short\n");
    }

    #[test]
    fn text_keeps_its_width() {
        let redactor = Redactor::new(["sk_live_42".to_string(), "42".to_string()]);
        assert_eq!(
            redactor.text("key sk_live_42 and 42"),
            "key ********** and **"
        );
    }

    #[test]
    fn buffer_cells_are_masked_with_style_kept() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 24, 2));
        let red = Style::default().fg(Color::Red);
        buffer.set_string(0, 0, "token=abc123secret!", red);
        buffer.set_string(0, 1, "你好 abc123secret", Style::default());
        Redactor::new(["abc123secret".to_string()]).buffer(&mut buffer);
        let text = super::super::export::to_text(&buffer);
        assert_eq!(text, "token=************!\n你好 ************\n");
        assert_eq!(buffer[(8, 0)].fg, Color::Red);
    }

    #[test]
    fn home_paths_hide_the_user_name() {
        let redactor = Redactor::default().with_paths(home_needles("/home/alice"));
        assert_eq!(
            redactor.text("/home/alice/.config/x and /srv/alice/y"),
            "***********/.config/x and /srv*******y"
        );
        assert!(home_needles("/root").len() == 1);
    }
}
