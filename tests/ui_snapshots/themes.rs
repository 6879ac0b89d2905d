//! Each built-in theme drawn at 80×24 and 160×48: pinned as a map of styles (which cells share
//! a style, and what it is), and checked for what makes text unreadable.

use std::collections::BTreeMap;
use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use switchboard::app::{Event, Focus, Key};
use switchboard::config::theme::{RoleSpec, StyleSpec, ThemeSection};
use switchboard::ui::theme::{self, CHANNEL_ROLES, Palette, THEMES};

use super::{opened, press};
use crate::support::screen;

/// The inbox with a conversation open, the composer focused with a draft and the list
/// showing a selection: most roles on one screen.
fn screen(palette: &Palette, width: u16, height: u16) -> Buffer {
    let mut app = opened();
    press(&mut app, Key::ch('i'));
    for c in "On its way".chars() {
        press(&mut app, Key::ch(c));
    }
    assert_eq!(app.view.focus, Focus::Composer);
    app.apply(app.now, Event::Tick);
    theme::scoped(palette, || screen::draw(&mut app, width, height))
}

/// Text and a letter per cell naming its style, with the legend of letters.
fn style_map(buffer: &Buffer) -> String {
    let mut letters: BTreeMap<String, char> = BTreeMap::new();
    let alphabet: Vec<char> = ('A'..='Z').chain('a'..='z').chain('0'..='9').collect();
    let mut map = String::new();
    let area = buffer.area;
    for y in 0..area.height {
        let mut row = String::new();
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            let key = describe(cell.style());
            let next = letters.len();
            let letter = *letters
                .entry(key)
                .or_insert_with(|| alphabet.get(next).copied().unwrap_or('?'));
            row.push(
                if cell.style() == Style::reset() || describe(cell.style()) == "plain" {
                    '.'
                } else {
                    letter
                },
            );
        }
        let _ = writeln!(map, "{}", row.trim_end_matches('.'));
    }
    let mut legend: Vec<(char, String)> = letters
        .into_iter()
        .filter(|(style, _)| style != "plain")
        .map(|(style, letter)| (letter, style))
        .collect();
    legend.sort();
    let mut out = String::new();
    for (letter, style) in legend {
        let _ = writeln!(out, "{letter}: {style}");
    }
    out.push('\n');
    out.push_str(&map);
    out
}

fn describe(style: Style) -> String {
    let mut parts = Vec::new();
    if let Some(fg) = style.fg.filter(|c| *c != Color::Reset) {
        parts.push(format!("fg {fg}"));
    }
    if let Some(bg) = style.bg.filter(|c| *c != Color::Reset) {
        parts.push(format!("bg {bg}"));
    }
    for (modifier, name) in [
        (Modifier::BOLD, "bold"),
        (Modifier::DIM, "dim"),
        (Modifier::ITALIC, "italic"),
        (Modifier::UNDERLINED, "underlined"),
        (Modifier::REVERSED, "reversed"),
    ] {
        if style.add_modifier.contains(modifier) {
            parts.push(name.to_string());
        }
    }
    if parts.is_empty() {
        "plain".into()
    } else {
        parts.join(" ")
    }
}

#[test]
fn each_theme_at_80x24_and_160x48() {
    for name in THEMES {
        let palette = Palette::builtin(name).expect("a built-in theme");
        for (width, height) in [(80, 24), (160, 48)] {
            let buffer = screen(&palette, width, height);
            insta::assert_snapshot!(format!("theme_{name}_{width}x{height}"), style_map(&buffer));
        }
    }
}

/// The terminal's own text colour is unknown (dark on a light terminal, light on a dark
/// one), so under a background we paint, the text colour must be ours too.
#[test]
fn no_theme_puts_the_terminal_text_colour_on_a_painted_background() {
    for name in THEMES {
        let palette = Palette::builtin(name).expect("a built-in theme");
        for (width, height) in [(80, 24), (160, 48)] {
            let buffer = screen(&palette, width, height);
            for (index, cell) in buffer.content.iter().enumerate() {
                let painted = cell.bg != Color::Reset;
                let reversed = cell.modifier.contains(Modifier::REVERSED);
                assert!(
                    !(painted && !reversed && cell.fg == Color::Reset),
                    "{name} at {width}x{height}: cell {index} ({:?}) has the terminal's text \
                     colour on {:?}",
                    cell.symbol(),
                    cell.bg
                );
            }
        }
    }
}

/// Where a theme names both colours of a cell, they differ enough to read (WCAG's 3:1 for
/// large text, the least we accept for any text; body text roles reach 4.5:1 below).
#[test]
fn painted_text_has_contrast() {
    for name in THEMES {
        let palette = Palette::builtin(name).expect("a built-in theme");
        let buffer = screen(&palette, 160, 48);
        for cell in &buffer.content {
            if cell.symbol().trim().is_empty() {
                continue;
            }
            if let (Some(fg), Some(bg)) = (rgb(cell.fg), rgb(cell.bg)) {
                let ratio = contrast(fg, bg);
                assert!(
                    ratio >= 3.0,
                    "{name}: {:?} in {:?} on {:?} has contrast {ratio:.2}",
                    cell.symbol(),
                    cell.fg,
                    cell.bg
                );
            }
        }
        for (role, style) in [
            ("selection", palette.selection),
            ("selection_unfocused", palette.selection_unfocused),
            ("bubble_in", palette.bubble_in),
            ("bubble_out", palette.bubble_out),
            ("status_bar", palette.status_bar),
            ("unread_badge", palette.unread_badge),
        ] {
            if let (Some(fg), Some(bg)) = (style.fg.and_then(rgb), style.bg.and_then(rgb)) {
                let ratio = contrast(fg, bg);
                assert!(ratio >= 4.5, "{name}.{role}: contrast {ratio:.2}");
            }
        }
    }
}

/// On a light terminal the large painted areas (bubbles, selections, the status bar) are
/// light too; only small marks like the unread badge are dark, with light text on them.
#[test]
fn the_light_theme_paints_its_surfaces_light() {
    let palette = Palette::builtin("light").expect("light");
    for (role, style) in [
        ("selection", palette.selection),
        ("selection_unfocused", palette.selection_unfocused),
        ("bubble_in", palette.bubble_in),
        ("bubble_out", palette.bubble_out),
        ("status_bar", palette.status_bar),
    ] {
        let bg = style.bg.and_then(rgb).expect("a painted surface");
        assert!(luminance(bg) > 0.5, "{role} is dark: {bg:?}");
    }
    let buffer = screen(&palette, 160, 48);
    let dark_cells = buffer
        .content
        .iter()
        .filter(|cell| rgb(cell.bg).is_some_and(|bg| luminance(bg) < 0.4))
        .count();
    assert!(dark_cells < 10, "{dark_cells} cells on a dark background");
}

#[test]
fn channel_colours_differ_from_each_other() {
    for name in THEMES.iter().filter(|name| **name != "mono") {
        let palette = Palette::builtin(name).expect("a built-in theme");
        // `other` is the catch-all and may share a colour.
        let named = &palette.channels[..CHANNEL_ROLES.len() - 1];
        for (i, a) in named.iter().enumerate() {
            for (j, b) in named.iter().enumerate().skip(i + 1) {
                assert_ne!(
                    a, b,
                    "{name}: {} and {} share a colour",
                    CHANNEL_ROLES[i], CHANNEL_ROLES[j]
                );
            }
        }
    }
}

#[test]
fn the_terminal_theme_uses_only_the_sixteen_colours() {
    let palette = Palette::builtin("terminal").expect("terminal");
    let buffer = screen(&palette, 160, 48);
    for cell in &buffer.content {
        for color in [cell.fg, cell.bg] {
            assert!(
                !matches!(color, Color::Rgb(..) | Color::Indexed(_)),
                "{color:?} is not one of the terminal's own colours"
            );
        }
    }
}

#[test]
fn mono_uses_no_colour_at_all() {
    let palette = Palette::builtin("mono").expect("mono");
    let buffer = screen(&palette, 160, 48);
    assert!(
        buffer
            .content
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset)
    );
}

#[test]
fn no_color_means_mono_unless_a_theme_is_named() {
    assert_eq!(
        Palette::from_config(None, true).expect("palette").name,
        "mono"
    );
    assert_eq!(
        Palette::from_config(None, false).expect("palette").name,
        "dark"
    );
    let named = ThemeSection {
        name: Some("light".into()),
        ..ThemeSection::default()
    };
    assert_eq!(
        Palette::from_config(Some(&named), true)
            .expect("palette")
            .name,
        "light"
    );
}

#[test]
fn overrides_replace_one_role_and_keep_the_rest() {
    let mut section = ThemeSection {
        name: Some("light".into()),
        ..ThemeSection::default()
    };
    section
        .roles
        .insert("muted".into(), RoleSpec::Color("#777777".into()));
    section.roles.insert(
        "selection".into(),
        RoleSpec::Style(StyleSpec {
            fg: Some("black".into()),
            bg: Some("light-yellow".into()),
            bold: Some(false),
            ..StyleSpec::default()
        }),
    );
    section.channels.insert("whatsapp".into(), "#25d366".into());
    let palette = section.palette().expect("valid overrides");
    let light = Palette::builtin("light").expect("light");
    assert_eq!(palette.muted.fg, Some(Color::Rgb(0x77, 0x77, 0x77)));
    assert_eq!(palette.selection.fg, Some(Color::Black));
    assert_eq!(palette.selection.bg, Some(Color::LightYellow));
    assert!(!palette.selection.add_modifier.contains(Modifier::BOLD));
    assert_eq!(palette.channels[0], Color::Rgb(0x25, 0xd3, 0x66));
    assert_eq!(palette.bubble_in, light.bubble_in);
}

#[test]
fn a_theme_section_is_read_from_toml_and_its_mistakes_named() {
    let config = switchboard::config::Config::parse(
        "[theme]\nname = \"high-contrast\"\n[theme.roles]\nselection = { bg = \"blue\", fg = \"white\" }\nmuted = \"gray\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("parses");
    let palette = config
        .theme
        .as_ref()
        .expect("a theme")
        .palette()
        .expect("valid");
    assert_eq!(palette.selection.bg, Some(Color::Blue));
    for (section, expected) in [
        (
            "name = \"solarized\"",
            "name = \"solarized\" is not a theme",
        ),
        (
            "[theme.roles]\nselected = \"red\"",
            "roles.selected is not a role",
        ),
        (
            "[theme.roles]\nmuted = \"greyish\"",
            "roles.muted: \"greyish\" is not a colour",
        ),
        (
            "[theme.channels]\nsignal = \"red\"",
            "channels.signal is not a channel",
        ),
    ] {
        let source = format!("[theme]\n{section}\n");
        let config = switchboard::config::Config::parse(&source, std::path::Path::new("t.toml"))
            .expect("parses");
        let error = config
            .theme
            .as_ref()
            .expect("a theme")
            .palette()
            .expect_err("a mistake");
        assert!(error.to_string().contains(expected), "{error}");
    }
}

/// A colour as xterm shows it by default (named ones too, so their pairs are checked).
fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    Some(match color {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Black => (0, 0, 0),
        Color::Red => (205, 0, 0),
        Color::Green => (0, 205, 0),
        Color::Yellow => (205, 205, 0),
        Color::Blue => (0, 0, 238),
        Color::Magenta => (205, 0, 205),
        Color::Cyan => (0, 205, 205),
        Color::Gray => (229, 229, 229),
        Color::DarkGray => (127, 127, 127),
        Color::LightRed => (255, 0, 0),
        Color::LightGreen => (0, 255, 0),
        Color::LightYellow => (255, 255, 0),
        Color::LightBlue => (92, 92, 255),
        Color::LightMagenta => (255, 0, 255),
        Color::LightCyan => (0, 255, 255),
        Color::White => (255, 255, 255),
        Color::Reset | Color::Indexed(_) => return None,
    })
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Every channel's config name is one `[theme.channels]` and `mute_channels` accept.
#[test]
fn every_channel_has_a_config_name_the_config_knows() {
    use switchboard::model::Channel;
    for channel in [
        Channel::WhatsApp,
        Channel::Sms,
        Channel::Mms,
        Channel::Rcs,
        Channel::Telegram,
        Channel::Messenger,
        Channel::Instagram,
        Channel::Viber,
        Channel::Line,
        Channel::KakaoTalk,
        Channel::KakaoTalkChat,
        Channel::WeChat,
        Channel::Apple,
        Channel::Webchat,
        Channel::Email,
        Channel::Ussd,
        Channel::Voice,
        Channel::Other("x".into()),
    ] {
        assert!(
            Channel::CONFIG_NAMES.contains(&channel.config_name()),
            "{channel:?}"
        );
    }
}
