//! `[theme]`: which built-in theme, and any of its roles overridden.
//!
//! ```toml
//! [theme]
//! name = "light"            # dark | light | high-contrast | terminal | mono
//! [theme.roles]
//! selection = { fg = "black", bg = "#c4d8f4", bold = true }
//! muted = "gray"            # a colour alone sets the text colour
//! [theme.channels]
//! whatsapp = "#128c46"
//! ```
//!
//! Plain data here; the UI turns it into a palette and names what it cannot read.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThemeSection {
    /// The built-in theme the overrides start from; without one, `dark` (or `mono` when
    /// `NO_COLOR` is set).
    pub name: Option<String>,
    /// Role name → its style.
    #[serde(default)]
    pub roles: BTreeMap<String, RoleSpec>,
    /// Channel name → its tag's colour.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
}

/// A role's style: a colour name (`"cyan"`, `"light-red"`, `"#1e90ff"`, `"244"`) for the text,
/// or a table of `fg`, `bg` and the modifiers.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(
    untagged,
    expecting = "a colour like \"cyan\" or \"#1e90ff\", or a table like { fg = \"black\", bg = \"white\", bold = true } (fg, bg, bold, italic, underlined, reversed)"
)]
pub enum RoleSpec {
    Color(String),
    Style(StyleSpec),
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub bold: Option<bool>,
    pub italic: Option<bool>,
    pub underlined: Option<bool>,
    pub reversed: Option<bool>,
}
