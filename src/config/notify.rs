//! `[notify]`: how a new customer message is announced while the inbox is not looked at.
//!
//! ```toml
//! [notify]
//! method = "auto"        # auto | bell | osc777 | osc9 | command | off
//! command = ["notify-send", "{title}", "{body}"]   # for method = "command"
//! mute_accounts = ["team-eu"]
//! mute_channels = ["sms", "email"]
//! title = true           # the unread count in the terminal's title
//! ```

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotifySection {
    #[serde(default)]
    pub method: NotifyMethod,
    /// The program and its arguments; `{title}` and `{body}` are replaced in each.
    #[serde(default)]
    pub command: Vec<String>,
    /// Account names whose messages never notify.
    #[serde(default)]
    pub mute_accounts: Vec<String>,
    /// Channel names (`whatsapp`, `sms`, …) whose messages never notify.
    #[serde(default)]
    pub mute_channels: Vec<String>,
    /// Show the unread count in the terminal's title.
    #[serde(default = "yes")]
    pub title: bool,
}

impl Default for NotifySection {
    fn default() -> Self {
        Self {
            method: NotifyMethod::default(),
            command: Vec::new(),
            mute_accounts: Vec::new(),
            mute_channels: Vec::new(),
            title: true,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NotifyMethod {
    /// A desktop notification where the terminal is known to show one (kitty, foot, WezTerm,
    /// iTerm2), else the bell; the command when one is set.
    #[default]
    Auto,
    Bell,
    Osc777,
    Osc9,
    Command,
    Off,
}

impl NotifySection {
    /// Checked at load: a command method needs a command.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(unknown) = self
            .mute_channels
            .iter()
            .find(|c| !crate::model::Channel::CONFIG_NAMES.contains(&c.to_lowercase().as_str()))
        {
            return Err(format!(
                "notify.mute_channels: \"{unknown}\" is not a channel (known: {})",
                crate::model::Channel::CONFIG_NAMES.join(", ")
            ));
        }
        if self.method == NotifyMethod::Command && self.command.is_empty() {
            return Err("notify.command: method = \"command\" needs a command, e.g. [\"notify-send\", \"{title}\", \"{body}\"]".into());
        }
        Ok(())
    }
}
