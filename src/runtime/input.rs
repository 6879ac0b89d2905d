//! Terminal events → app events. Pure, so the mapping is unit-tested without a terminal.

use crossterm::event::{
    Event as TermEvent, KeyCode as TermKey, KeyEvent, KeyEventKind, KeyModifiers, MouseButton,
    MouseEventKind,
};

use crate::app::{Event, Key, KeyCode, Mods, Mouse, MouseKind};

/// What the input task hands the loop.
#[derive(Debug, PartialEq)]
pub enum Input {
    App(Event),
    /// The terminal changed size: redraw even though the state did not change.
    Resize,
}

/// Maps one terminal event; `None` for what the app ignores (key releases…).
pub fn translate(event: TermEvent) -> Option<Input> {
    match event {
        TermEvent::Key(key) => translate_key(key).map(|key| Input::App(Event::Key(key))),
        TermEvent::Mouse(mouse) => {
            let kind = match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                _ => return None,
            };
            Some(Input::App(Event::Mouse(Mouse {
                kind,
                column: mouse.column,
                row: mouse.row,
            })))
        }
        TermEvent::Paste(text) => Some(Input::App(Event::Paste(text))),
        TermEvent::Resize(..) => Some(Input::Resize),
        TermEvent::FocusGained => Some(Input::App(Event::TerminalFocus(true))),
        TermEvent::FocusLost => Some(Input::App(Event::TerminalFocus(false))),
    }
}

fn translate_key(key: KeyEvent) -> Option<Key> {
    // Windows and the kitty protocol report releases and repeats too; act on presses only.
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let code = match key.code {
        TermKey::Char(c) => KeyCode::Char(c),
        TermKey::Enter => KeyCode::Enter,
        TermKey::Esc => KeyCode::Esc,
        TermKey::Tab => KeyCode::Tab,
        TermKey::BackTab => KeyCode::BackTab,
        TermKey::Backspace => KeyCode::Backspace,
        TermKey::Delete => KeyCode::Delete,
        TermKey::Up => KeyCode::Up,
        TermKey::Down => KeyCode::Down,
        TermKey::Left => KeyCode::Left,
        TermKey::Right => KeyCode::Right,
        TermKey::Home => KeyCode::Home,
        TermKey::End => KeyCode::End,
        TermKey::PageUp => KeyCode::PageUp,
        TermKey::PageDown => KeyCode::PageDown,
        _ => return None,
    };
    let mods = Mods {
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
        // Shift is already in the character ('G', '?'); keep it only for non-characters.
        shift: key.modifiers.contains(KeyModifiers::SHIFT) && !matches!(code, KeyCode::Char(_)),
    };
    Some(Key { code, mods })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventState, MouseEvent};

    fn press(code: TermKey, modifiers: KeyModifiers) -> TermEvent {
        TermEvent::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        })
    }

    #[test]
    fn shifted_characters_do_not_carry_shift() {
        assert_eq!(
            translate(press(TermKey::Char('G'), KeyModifiers::SHIFT)),
            Some(Input::App(Event::Key(Key::ch('G'))))
        );
        assert_eq!(
            translate(press(TermKey::Char('c'), KeyModifiers::CONTROL)),
            Some(Input::App(Event::Key(Key::ctrl('c'))))
        );
        assert_eq!(
            translate(press(TermKey::Enter, KeyModifiers::ALT)),
            Some(Input::App(Event::Key(Key::alt(KeyCode::Enter))))
        );
    }

    #[test]
    fn releases_are_ignored_and_mouse_maps() {
        let mut release = KeyEvent::new(TermKey::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(translate(TermEvent::Key(release)), None);
        let wheel = TermEvent::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        });
        assert_eq!(
            translate(wheel),
            Some(Input::App(Event::Mouse(Mouse {
                kind: MouseKind::ScrollDown,
                column: 3,
                row: 4
            })))
        );
        assert_eq!(translate(TermEvent::Resize(80, 24)), Some(Input::Resize));
    }
}
