//! The one palette. Every colour the views use comes from a [`Palette`]: built-in `dark`
//! (the default), `light`, `high-contrast`, `terminal` (the 16 ANSI colours only, so the
//! user's own terminal palette applies) and `mono` (no colour at all, for `NO_COLOR`), with
//! any role overridden by `[theme]` in the config.
//!
//! A role that paints a background always names its text colour too, so no theme puts the
//! terminal's own text colour (unknown to us: dark on a light terminal) on a fixed background.
//!
//! The views ask for roles by function (`theme::muted()`); the palette those answer from is
//! the one [`install`]ed at start, or inside [`scoped`] the one given there (the screenshots
//! of each theme, and tests, draw side by side on their own threads).

use std::cell::RefCell;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

use crate::app::status::NoticeLevel;
use crate::model::{Channel, DeliveryStatus, Direction};
use crate::providers::ConnectionState;

mod builtin;
mod spec;

pub use spec::ThemeError;

use crate::config::theme::ThemeSection;

/// The names of the built-in themes, in the order `--help` and the README list them.
pub const THEMES: &[&str] = &["dark", "light", "high-contrast", "terminal", "mono"];

/// Every role a theme sets. Styles, not colours, so a colourless theme can still tell the
/// selection (reversed) from the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Palette {
    pub name: String,
    /// Focused borders and titles, key hints, the agent's name.
    pub accent: Style,
    pub muted: Style,
    pub text: Style,
    pub selection: Style,
    pub selection_unfocused: Style,
    pub unread_badge: Style,
    pub unread_marker: Style,
    pub typing: Style,
    pub inbound_sender: Style,
    pub outbound_sender: Style,
    pub bubble_in: Style,
    pub bubble_out: Style,
    /// A private note's bubble, unlike either side's.
    pub bubble_note: Style,
    /// A private note's label, and the composer's border while it writes one.
    pub note: Style,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    /// The delivery mark of a message the customer has read.
    pub read: Style,
    pub status_bar: Style,
    /// Each channel's tag, in the order of [`CHANNEL_ROLES`].
    pub channels: [Color; CHANNEL_ROLES.len()],
    /// The terminal's own colours this theme is made for (background, text), as the
    /// screenshots paint them.
    pub backdrop: (Color, Color),
}

/// The channel roles of `[theme.channels]`, one colour each: the channels' config names.
pub const CHANNEL_ROLES: [&str; 16] = Channel::CONFIG_NAMES;

fn channel_role(channel: &Channel) -> usize {
    let name = channel.config_name();
    CHANNEL_ROLES
        .iter()
        .position(|role| *role == name)
        .unwrap_or(CHANNEL_ROLES.len() - 1)
}

impl Palette {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Palette> {
        match name {
            "dark" => Some(builtin::dark()),
            "light" => Some(builtin::light()),
            "high-contrast" => Some(builtin::high_contrast()),
            "terminal" => Some(builtin::terminal()),
            "mono" => Some(builtin::mono()),
            _ => None,
        }
    }

    /// The palette of the config's `[theme]` (`None`: no section). Without one, `NO_COLOR`
    /// (set and not empty, see no-color.org) means `mono`; an explicit theme wins over it, as
    /// that convention asks.
    pub fn from_config(
        section: Option<&ThemeSection>,
        no_color: bool,
    ) -> Result<Palette, ThemeError> {
        let unnamed = if no_color { "mono" } else { "dark" };
        match section {
            Some(section) => section.palette_over(unnamed),
            None => Ok(Palette::builtin(unnamed).unwrap_or_else(builtin::dark)),
        }
    }
}

/// Whether the environment asks for no colour.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

static INSTALLED: OnceLock<Palette> = OnceLock::new();

thread_local! {
    static SCOPED: RefCell<Option<Palette>> = const { RefCell::new(None) };
}

/// Sets the palette of the whole process, once, before the first frame. Later calls are
/// ignored (the first one wins).
pub fn install(palette: Palette) {
    let _ = INSTALLED.set(palette);
}

/// Makes `palette` this thread's until the guard is dropped.
pub fn use_on_this_thread(palette: Palette) -> ThreadPalette {
    ThreadPalette(SCOPED.with_borrow_mut(|current| current.replace(palette)))
}

/// Puts back the thread's previous palette when dropped.
pub struct ThreadPalette(Option<Palette>);

impl Drop for ThreadPalette {
    fn drop(&mut self) {
        SCOPED.with_borrow_mut(|current| *current = self.0.take());
    }
}

/// Runs `draw` with `palette` as the palette of this thread.
pub fn scoped<R>(palette: &Palette, draw: impl FnOnce() -> R) -> R {
    let _guard = use_on_this_thread(palette.clone());
    draw()
}

/// The palette in force here.
pub fn current() -> Palette {
    with(Palette::clone)
}

fn with<R>(read: impl FnOnce(&Palette) -> R) -> R {
    SCOPED.with_borrow(|scoped| match scoped {
        Some(palette) => read(palette),
        None => read(INSTALLED.get_or_init(builtin::dark)),
    })
}

pub fn border(focused: bool) -> Style {
    if focused {
        with(|p| Style::new().fg(p.accent.fg.unwrap_or(Color::Reset)))
    } else {
        muted()
    }
}

pub fn title(focused: bool) -> Style {
    if focused {
        with(|p| p.accent).add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

pub fn muted() -> Style {
    with(|p| p.muted)
}

pub fn text() -> Style {
    with(|p| p.text)
}

pub fn bold() -> Style {
    text().add_modifier(Modifier::BOLD)
}

/// The selected row of a list; brighter when its pane has the focus.
pub fn selected(focused: bool) -> Style {
    if focused {
        with(|p| p.selection)
    } else {
        with(|p| p.selection_unfocused)
    }
}

pub fn unread_badge() -> Style {
    with(|p| p.unread_badge)
}

pub fn typing() -> Style {
    with(|p| p.typing)
}

pub fn unread_marker() -> Style {
    with(|p| p.unread_marker)
}

pub fn outbound_sender() -> Style {
    with(|p| p.outbound_sender)
}

pub fn inbound_sender() -> Style {
    with(|p| p.inbound_sender)
}

/// Message bubbles: a faint background so each message reads as one block.
pub fn bubble(direction: Direction) -> Style {
    match direction {
        Direction::Inbound => with(|p| p.bubble_in),
        Direction::Outbound => with(|p| p.bubble_out),
        Direction::Note => with(|p| p.bubble_note),
    }
}

/// Private notes: their label in the thread and the composer while it writes one.
pub fn note() -> Style {
    with(|p| p.note)
}

pub fn error() -> Style {
    with(|p| p.error)
}

pub fn warning() -> Style {
    with(|p| p.warning)
}

pub fn ok() -> Style {
    with(|p| p.ok)
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
        DeliveryStatus::Read => with(|p| p.read),
        DeliveryStatus::Failed => error(),
    }
}

/// Each channel's colour, used for its tag.
pub fn channel(channel: &Channel) -> Style {
    let color = with(|p| p.channels[channel_role(channel)]);
    Style::new().fg(color)
}

/// A label's chip: one of the channel colours, the same for the same label everywhere.
pub fn label(name: &str) -> Style {
    let hash = name.to_lowercase().bytes().fold(0u32, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    let color = with(|p| p.channels[hash as usize % p.channels.len()]);
    Style::new().fg(color)
}

/// How urgent a conversation is: urgent as an error, high as a warning, the rest quieter.
pub fn priority(priority: crate::model::Priority) -> Style {
    use crate::model::Priority;
    match priority {
        Priority::Urgent => error().add_modifier(Modifier::BOLD),
        Priority::High => warning(),
        Priority::Medium => text(),
        Priority::Low | Priority::None => muted(),
    }
}

pub fn key_hint() -> Style {
    with(|p| p.accent)
}

pub fn status_bar() -> Style {
    with(|p| p.status_bar)
}
