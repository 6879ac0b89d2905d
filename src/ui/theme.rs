//! The one palette. Every colour the views use comes from here, so a theme change (or a
//! config-driven theme later) touches one file.

use ratatui::style::{Color, Modifier, Style};

use crate::app::status::NoticeLevel;
use crate::model::{Channel, DeliveryStatus, Direction};
use crate::providers::ConnectionState;

pub const ACCENT: Color = Color::Cyan;
const MUTED: Color = Color::DarkGray;
const SELECTED_BG: Color = Color::Rgb(40, 48, 64);
const SELECTED_BG_UNFOCUSED: Color = Color::Rgb(30, 32, 38);

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT)
    } else {
        Style::new().fg(MUTED)
    }
}

pub fn title(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

pub fn muted() -> Style {
    Style::new().fg(MUTED)
}

pub fn text() -> Style {
    Style::new()
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The selected row of a list; brighter when its pane has the focus.
pub fn selected(focused: bool) -> Style {
    if focused {
        Style::new().bg(SELECTED_BG).add_modifier(Modifier::BOLD)
    } else {
        Style::new().bg(SELECTED_BG_UNFOCUSED)
    }
}

pub fn unread_badge() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::LightGreen)
        .add_modifier(Modifier::BOLD)
}

pub fn typing() -> Style {
    Style::new()
        .fg(Color::LightGreen)
        .add_modifier(Modifier::ITALIC)
}

pub fn unread_marker() -> Style {
    Style::new().fg(Color::LightRed)
}

pub fn outbound_sender() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn inbound_sender() -> Style {
    Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD)
}

/// Message bubbles: a faint background so each message reads as one block.
pub fn bubble(direction: Direction) -> Style {
    match direction {
        Direction::Inbound => Style::new().bg(Color::Rgb(36, 38, 44)),
        Direction::Outbound => Style::new().bg(Color::Rgb(22, 52, 62)),
    }
}

pub fn error() -> Style {
    Style::new().fg(Color::LightRed)
}

pub fn warning() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn ok() -> Style {
    Style::new().fg(Color::LightGreen)
}

pub fn notice(level: NoticeLevel) -> Style {
    match level {
        NoticeLevel::Error => error().add_modifier(Modifier::BOLD),
        NoticeLevel::Info => warning(),
    }
}

pub fn connection(state: &ConnectionState) -> Style {
    match state {
        ConnectionState::Live => ok(),
        ConnectionState::Connecting => warning(),
        ConnectionState::BackingOff { .. } => warning(),
        ConnectionState::AuthFailed(_) => error().add_modifier(Modifier::BOLD),
    }
}

/// Delivery marks: read stands out from delivered by colour alone, as chat apps do.
pub fn delivery(status: DeliveryStatus) -> Style {
    match status {
        DeliveryStatus::Pending | DeliveryStatus::Sent | DeliveryStatus::Delivered => muted(),
        DeliveryStatus::Read => Style::new().fg(Color::LightBlue),
        DeliveryStatus::Failed => error(),
    }
}

/// Each channel's brand-ish colour, used for its tag.
pub fn channel(channel: &Channel) -> Style {
    let color = match channel {
        Channel::WhatsApp => Color::Green,
        Channel::Sms | Channel::Mms => Color::Yellow,
        Channel::Rcs => Color::LightYellow,
        Channel::Telegram => Color::LightBlue,
        Channel::Messenger => Color::Blue,
        Channel::Instagram => Color::Magenta,
        Channel::Viber => Color::LightMagenta,
        Channel::Line => Color::LightGreen,
        Channel::KakaoTalk | Channel::KakaoTalkChat => Color::Rgb(250, 225, 0),
        Channel::WeChat => Color::Rgb(7, 193, 96),
        Channel::Apple => Color::White,
        Channel::Webchat => Color::Cyan,
        Channel::Email => Color::LightCyan,
        Channel::Ussd => Color::Gray,
        Channel::Voice => Color::LightRed,
        Channel::Other(_) => Color::Gray,
    };
    Style::new().fg(color)
}

pub fn key_hint() -> Style {
    Style::new().fg(ACCENT)
}

pub fn status_bar() -> Style {
    Style::new().bg(Color::Rgb(24, 24, 32))
}
