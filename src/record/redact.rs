//! Keeps secrets out of recordings and screenshots: account keys and tokens from the config,
//! and the user name in the local home directory. Each occurrence is replaced by as many `*` as
//! it has characters, so the text keeps its width and the recorded screen its layout.

use ratatui::buffer::Buffer;

use crate::config::{AccountConfig, Config};

/// What must never be written, longest first (so a secret containing another is masked whole).
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Masks the given strings (empty ones are ignored).
    pub fn new(needles: impl IntoIterator<Item = String>) -> Self {
        let mut needles: Vec<String> = needles.into_iter().filter(|n| !n.is_empty()).collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Self { needles }
    }

    /// The secrets of a config (each account's key, inline or from its environment variable)
    /// and the local user's home directory and name as they appear in paths.
    pub fn for_config(config: &Config) -> Self {
        let mut needles = Vec::new();
        for account in &config.accounts {
            match account {
                AccountConfig::Linktor {
                    api_key,
                    api_key_env,
                    ..
                } => {
                    needles.extend(api_key.clone());
                    if let Some(var) = api_key_env
                        && let Ok(value) = std::env::var(var)
                    {
                        needles.push(value);
                    }
                }
            }
        }
        for var in ["SWITCHBOARD_API_KEY", "SWITCHBOARD_HUB_KEY"] {
            if let Ok(value) = std::env::var(var) {
                needles.push(value);
            }
        }
        if let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()) {
            needles.extend(home_needles(&home.to_string_lossy()));
        }
        Self::new(needles)
    }

    /// Adds more strings to mask.
    pub fn with(self, more: impl IntoIterator<Item = String>) -> Self {
        Self::new(self.needles.into_iter().chain(more))
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// The text with every secret masked.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), &mask(needle));
            }
        }
        out
    }

    /// Masks secrets in a rendered screen, row by row, cell by cell (styles are kept).
    pub fn buffer(&self, buffer: &mut Buffer) {
        if self.needles.is_empty() {
            return;
        }
        let area = buffer.area;
        for y in area.top()..area.bottom() {
            // The row's text with the cell each character starts in.
            let mut text = String::new();
            let mut cells: Vec<(usize, u16)> = Vec::new();
            for x in area.left()..area.right() {
                let symbol = buffer[(x, y)].symbol();
                for _ in symbol.chars() {
                    cells.push((text.len(), x));
                }
                text.push_str(symbol);
            }
            for needle in &self.needles {
                let mut from = 0;
                while let Some(found) = text[from..].find(needle.as_str()) {
                    let start = from + found;
                    let end = start + needle.len();
                    for &(_, x) in cells.iter().filter(|(at, _)| *at >= start && *at < end) {
                        buffer[(x, y)].set_symbol("*");
                    }
                    from = end;
                }
            }
        }
    }
}

/// The home directory as a path shows it, and the user name within it (`/home/NAME`), but
/// only when the name is specific enough not to mask ordinary words.
fn home_needles(home: &str) -> Vec<String> {
    let mut needles = vec![home.to_string()];
    let name = home.rsplit(['/', '\\']).next().unwrap_or_default();
    if name.chars().count() >= 3 && !matches!(name, "root" | "home" | "user") {
        needles.push(format!("/{name}/"));
        needles.push(format!("\\{name}\\"));
        needles.push(format!("{name}@"));
    }
    needles
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
        let redactor = Redactor::new(home_needles("/home/alice"));
        assert_eq!(
            redactor.text("/home/alice/.config/x and /srv/alice/y"),
            "***********/.config/x and /srv*******y"
        );
        assert!(home_needles("/root").len() == 1);
    }
}
