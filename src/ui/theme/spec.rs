//! `[theme]` of the config made into a [`Palette`]: the named built-in, then each override.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use super::{CHANNEL_ROLES, Palette, THEMES};
use crate::config::theme::{RoleSpec, StyleSpec, ThemeSection};

/// What in `[theme]` could not be read; the message names the key.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("[theme] {0}")]
pub struct ThemeError(String);

/// The role names of `[theme.roles]`.
pub const ROLES: &[&str] = &[
    "accent",
    "muted",
    "text",
    "selection",
    "selection_unfocused",
    "unread_badge",
    "unread_marker",
    "typing",
    "inbound_sender",
    "outbound_sender",
    "bubble_in",
    "bubble_out",
    "bubble_note",
    "note",
    "error",
    "warning",
    "ok",
    "read",
    "status_bar",
];

impl ThemeSection {
    /// The palette, from the named theme or else `dark`.
    pub fn palette(&self) -> Result<Palette, ThemeError> {
        self.palette_over("dark")
    }

    /// The palette, from the named theme or else `unnamed`.
    pub fn palette_over(&self, unnamed: &str) -> Result<Palette, ThemeError> {
        let name = self.name.as_deref().unwrap_or(unnamed);
        let mut palette = Palette::builtin(name).ok_or_else(|| {
            ThemeError(format!(
                "name = \"{name}\" is not a theme (known: {})",
                THEMES.join(", ")
            ))
        })?;
        for (role, spec) in &self.roles {
            let slot = role_slot(&mut palette, role).ok_or_else(|| {
                ThemeError(format!(
                    "roles.{role} is not a role (known: {})",
                    ROLES.join(", ")
                ))
            })?;
            *slot = style(spec, *slot).map_err(|e| ThemeError(format!("roles.{role}: {e}")))?;
        }
        for (name, color) in &self.channels {
            let index = CHANNEL_ROLES
                .iter()
                .position(|known| known == name)
                .ok_or_else(|| {
                    ThemeError(format!(
                        "channels.{name} is not a channel (known: {})",
                        CHANNEL_ROLES.join(", ")
                    ))
                })?;
            palette.channels[index] =
                parse_color(color).map_err(|e| ThemeError(format!("channels.{name}: {e}")))?;
        }
        Ok(palette)
    }
}

fn role_slot<'a>(palette: &'a mut Palette, role: &str) -> Option<&'a mut Style> {
    Some(match role {
        "accent" => &mut palette.accent,
        "muted" => &mut palette.muted,
        "text" => &mut palette.text,
        "selection" => &mut palette.selection,
        "selection_unfocused" => &mut palette.selection_unfocused,
        "unread_badge" => &mut palette.unread_badge,
        "unread_marker" => &mut palette.unread_marker,
        "typing" => &mut palette.typing,
        "inbound_sender" => &mut palette.inbound_sender,
        "outbound_sender" => &mut palette.outbound_sender,
        "bubble_in" => &mut palette.bubble_in,
        "bubble_out" => &mut palette.bubble_out,
        "bubble_note" => &mut palette.bubble_note,
        "note" => &mut palette.note,
        "error" => &mut palette.error,
        "warning" => &mut palette.warning,
        "ok" => &mut palette.ok,
        "read" => &mut palette.read,
        "status_bar" => &mut palette.status_bar,
        _ => return None,
    })
}

/// The override on top of the theme's own style for the role: a colour alone replaces the
/// text colour and keeps the rest.
fn style(spec: &RoleSpec, base: Style) -> Result<Style, String> {
    match spec {
        RoleSpec::Color(color) => Ok(base.fg(parse_color(color)?)),
        RoleSpec::Style(StyleSpec {
            fg,
            bg,
            bold,
            italic,
            underlined,
            reversed,
        }) => {
            let mut style = base;
            if let Some(fg) = fg {
                style = style.fg(parse_color(fg)?);
            }
            if let Some(bg) = bg {
                style = style.bg(parse_color(bg)?);
            }
            for (flag, modifier) in [
                (bold, Modifier::BOLD),
                (italic, Modifier::ITALIC),
                (underlined, Modifier::UNDERLINED),
                (reversed, Modifier::REVERSED),
            ] {
                style = match flag {
                    Some(true) => style.add_modifier(modifier),
                    Some(false) => style.remove_modifier(modifier),
                    None => style,
                };
            }
            Ok(style)
        }
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text.trim()).map_err(|_| {
        format!(
            "\"{text}\" is not a colour (a name like \"cyan\" or \"light-red\", \"#rrggbb\", \
             or 0-255)"
        )
    })
}
