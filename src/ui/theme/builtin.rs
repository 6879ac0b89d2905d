//! The built-in themes.

use ratatui::style::{Color, Modifier, Style};

use super::Palette;

const fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

const fn on(fg: Color, bg: Color) -> Style {
    Style::new().fg(fg).bg(bg)
}

const BOLD: Modifier = Modifier::BOLD;

/// For dark terminals: the default.
pub fn dark() -> Palette {
    let text = Color::Rgb(216, 218, 230);
    Palette {
        name: "dark".into(),
        accent: fg(Color::Cyan),
        muted: fg(Color::DarkGray),
        text: Style::new(),
        selection: on(Color::Rgb(235, 238, 245), Color::Rgb(40, 48, 64)).add_modifier(BOLD),
        selection_unfocused: on(text, Color::Rgb(30, 32, 38)),
        unread_badge: on(Color::Black, Color::LightGreen).add_modifier(BOLD),
        unread_marker: fg(Color::LightRed),
        typing: fg(Color::LightGreen).add_modifier(Modifier::ITALIC),
        inbound_sender: fg(Color::LightYellow).add_modifier(BOLD),
        outbound_sender: fg(Color::Cyan).add_modifier(BOLD),
        bubble_in: on(text, Color::Rgb(36, 38, 44)),
        bubble_out: on(text, Color::Rgb(22, 52, 62)),
        bubble_note: on(text, Color::Rgb(58, 50, 22)),
        note: fg(Color::Rgb(240, 200, 90)).add_modifier(BOLD),
        error: fg(Color::LightRed),
        warning: fg(Color::Yellow),
        ok: fg(Color::LightGreen),
        read: fg(Color::Rgb(125, 190, 255)),
        status_bar: on(text, Color::Rgb(24, 24, 32)),
        channels: [
            Color::Green,              // whatsapp
            Color::Yellow,             // sms
            Color::Rgb(255, 170, 90),  // rcs
            Color::LightBlue,          // telegram
            Color::Blue,               // messenger
            Color::Magenta,            // instagram
            Color::LightMagenta,       // viber
            Color::LightGreen,         // line
            Color::Rgb(250, 225, 0),   // kakaotalk
            Color::Rgb(7, 193, 96),    // wechat
            Color::White,              // apple
            Color::Cyan,               // webchat
            Color::LightCyan,          // email
            Color::Gray,               // ussd
            Color::LightRed,           // voice
            Color::Rgb(150, 150, 160), // other
        ],
        backdrop: (Color::Rgb(30, 31, 41), text),
    }
}

/// For light terminals: dark text everywhere a background is painted, and colours dark
/// enough to read on white.
pub fn light() -> Palette {
    let ink = Color::Rgb(28, 30, 38);
    let accent = Color::Rgb(0, 105, 150);
    Palette {
        name: "light".into(),
        accent: fg(accent),
        muted: fg(Color::Rgb(105, 108, 118)),
        text: Style::new(),
        selection: on(Color::Rgb(10, 12, 20), Color::Rgb(196, 216, 244)).add_modifier(BOLD),
        selection_unfocused: on(ink, Color::Rgb(226, 230, 238)),
        unread_badge: on(Color::White, Color::Rgb(22, 128, 60)).add_modifier(BOLD),
        unread_marker: fg(Color::Rgb(196, 30, 40)),
        typing: fg(Color::Rgb(22, 128, 60)).add_modifier(Modifier::ITALIC),
        inbound_sender: fg(Color::Rgb(150, 80, 0)).add_modifier(BOLD),
        outbound_sender: fg(accent).add_modifier(BOLD),
        bubble_in: on(ink, Color::Rgb(238, 238, 242)),
        bubble_out: on(ink, Color::Rgb(218, 236, 246)),
        bubble_note: on(ink, Color::Rgb(252, 240, 200)),
        note: fg(Color::Rgb(140, 95, 0)).add_modifier(BOLD),
        error: fg(Color::Rgb(190, 24, 36)),
        warning: fg(Color::Rgb(150, 90, 0)),
        ok: fg(Color::Rgb(22, 128, 60)),
        read: fg(Color::Rgb(20, 90, 210)),
        status_bar: on(ink, Color::Rgb(228, 228, 234)),
        channels: [
            Color::Rgb(18, 140, 70),   // whatsapp
            Color::Rgb(150, 110, 0),   // sms
            Color::Rgb(200, 90, 0),    // rcs
            Color::Rgb(0, 120, 200),   // telegram
            Color::Rgb(40, 60, 200),   // messenger
            Color::Rgb(190, 20, 120),  // instagram
            Color::Rgb(120, 60, 190),  // viber
            Color::Rgb(0, 150, 40),    // line
            Color::Rgb(120, 100, 0),   // kakaotalk
            Color::Rgb(0, 120, 60),    // wechat
            Color::Rgb(60, 60, 70),    // apple
            Color::Rgb(0, 130, 140),   // webchat
            Color::Rgb(30, 100, 130),  // email
            Color::Rgb(110, 110, 110), // ussd
            Color::Rgb(180, 40, 40),   // voice
            Color::Rgb(90, 90, 100),   // other
        ],
        backdrop: (Color::Rgb(250, 250, 248), ink),
    }
}

/// Pure colours on black and white, bold where it helps; for low vision and bright rooms.
pub fn high_contrast() -> Palette {
    Palette {
        name: "high-contrast".into(),
        accent: fg(Color::LightCyan).add_modifier(BOLD),
        muted: fg(Color::Gray),
        text: Style::new(),
        // Reversed: every span on the row, whatever its colour, turns into dark text on it.
        selection: Style::new().add_modifier(Modifier::REVERSED | BOLD),
        // No background: the muted text on the row stays grey on black.
        selection_unfocused: Style::new().add_modifier(BOLD | Modifier::UNDERLINED),
        unread_badge: on(Color::Black, Color::LightGreen).add_modifier(BOLD),
        unread_marker: fg(Color::LightRed).add_modifier(BOLD),
        typing: fg(Color::LightGreen).add_modifier(BOLD | Modifier::ITALIC),
        inbound_sender: fg(Color::LightYellow).add_modifier(BOLD),
        outbound_sender: fg(Color::LightCyan).add_modifier(BOLD),
        bubble_in: on(Color::White, Color::Black),
        bubble_out: on(Color::White, Color::Black).add_modifier(BOLD),
        bubble_note: on(Color::Black, Color::LightYellow).add_modifier(BOLD),
        note: fg(Color::LightYellow).add_modifier(BOLD),
        error: fg(Color::LightRed).add_modifier(BOLD),
        warning: fg(Color::LightYellow).add_modifier(BOLD),
        ok: fg(Color::LightGreen).add_modifier(BOLD),
        read: fg(Color::LightBlue).add_modifier(BOLD),
        // Black like the screen, so every role's colour on it keeps its contrast.
        status_bar: on(Color::White, Color::Black),
        channels: ansi_channels(),
        backdrop: (Color::Black, Color::White),
    }
}

/// Only the 16 ANSI colours and no backgrounds but the reversed selection, so the terminal's
/// own palette (light or dark) decides how everything looks.
pub fn terminal() -> Palette {
    Palette {
        name: "terminal".into(),
        accent: fg(Color::Cyan),
        muted: fg(Color::DarkGray),
        text: Style::new(),
        selection: Style::new().add_modifier(Modifier::REVERSED | BOLD),
        selection_unfocused: Style::new().add_modifier(Modifier::REVERSED),
        unread_badge: fg(Color::Green).add_modifier(BOLD | Modifier::REVERSED),
        unread_marker: fg(Color::Red),
        typing: fg(Color::Green).add_modifier(Modifier::ITALIC),
        inbound_sender: fg(Color::Yellow).add_modifier(BOLD),
        outbound_sender: fg(Color::Cyan).add_modifier(BOLD),
        bubble_in: Style::new(),
        bubble_out: Style::new(),
        bubble_note: Style::new(),
        note: fg(Color::Yellow).add_modifier(BOLD),
        error: fg(Color::Red),
        warning: fg(Color::Yellow),
        ok: fg(Color::Green),
        read: fg(Color::Blue),
        // Plain: reversed, the coloured spans on it would turn into blocks of colour.
        status_bar: Style::new(),
        channels: ansi_channels(),
        backdrop: (Color::Rgb(30, 31, 41), Color::Rgb(216, 218, 230)),
    }
}

/// No colour at all (`NO_COLOR`): reversed, bold and underlined tell the roles apart.
pub fn mono() -> Palette {
    let plain = Style::new();
    Palette {
        name: "mono".into(),
        accent: Style::new().add_modifier(BOLD),
        muted: Style::new().add_modifier(Modifier::DIM),
        text: plain,
        selection: Style::new().add_modifier(Modifier::REVERSED | BOLD),
        selection_unfocused: Style::new().add_modifier(Modifier::REVERSED),
        unread_badge: Style::new().add_modifier(Modifier::REVERSED | BOLD),
        unread_marker: Style::new().add_modifier(BOLD),
        typing: Style::new().add_modifier(Modifier::ITALIC),
        inbound_sender: Style::new().add_modifier(BOLD),
        outbound_sender: Style::new().add_modifier(BOLD | Modifier::UNDERLINED),
        bubble_in: plain,
        bubble_out: plain,
        bubble_note: plain,
        note: plain.add_modifier(Modifier::ITALIC),
        error: Style::new().add_modifier(BOLD),
        warning: plain,
        ok: plain,
        read: Style::new().add_modifier(BOLD),
        status_bar: Style::new().add_modifier(Modifier::REVERSED),
        channels: [Color::Reset; super::CHANNEL_ROLES.len()],
        backdrop: (Color::Rgb(30, 31, 41), Color::Rgb(216, 218, 230)),
    }
}

/// Fifteen channels in fourteen ANSI colours and the terminal's own text colour (black or
/// white would vanish on one kind of terminal or the other); `other` shares the muted grey.
fn ansi_channels() -> [Color; super::CHANNEL_ROLES.len()] {
    [
        Color::Green,        // whatsapp
        Color::Yellow,       // sms
        Color::LightYellow,  // rcs
        Color::LightBlue,    // telegram
        Color::Blue,         // messenger
        Color::Magenta,      // instagram
        Color::LightMagenta, // viber
        Color::LightGreen,   // line
        Color::Gray,         // kakaotalk
        Color::Red,          // wechat
        Color::Reset,        // apple
        Color::Cyan,         // webchat
        Color::LightCyan,    // email
        Color::DarkGray,     // ussd
        Color::LightRed,     // voice
        Color::DarkGray,     // other
    ]
}
