use super::*;

fn entry(context: &str, action: &str, keys: &[&str], line: usize) -> KeyOverride {
    KeyOverride {
        context: context.into(),
        action: action.into(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        line,
    }
}

#[test]
fn the_defaults_have_no_conflicts() {
    assert_eq!(KeyMap::default().conflicts(), Vec::<String>::new());
}

#[test]
fn key_names_read_and_write_back() {
    for (name, key) in [
        ("g", Key::ch('g')),
        ("G", Key::ch('G')),
        ("shift-g", Key::ch('G')),
        ("?", Key::ch('?')),
        ("-", Key::ch('-')),
        ("ctrl-k", Key::ctrl('k')),
        ("Ctrl-K", Key::ctrl('k')),
        ("alt-j", Key::alt(KeyCode::Char('j'))),
        ("alt-down", Key::alt(KeyCode::Down)),
        ("shift-tab", Key::plain(KeyCode::BackTab)),
        ("space", Key::ch(' ')),
        ("pgdn", Key::plain(KeyCode::PageDown)),
        ("enter", Key::plain(KeyCode::Enter)),
        (
            "shift-up",
            Key {
                code: KeyCode::Up,
                mods: Mods {
                    shift: true,
                    ..Mods::default()
                },
            },
        ),
    ] {
        assert_eq!(parse_key(name), Ok(key), "{name}");
        assert_eq!(parse_key(&key_name(key)), Ok(key), "{name} written back");
    }
    for bad in ["", "ctrl-", "hyper-k", "f13", "enterr"] {
        assert!(parse_key(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn an_override_replaces_the_keys_of_its_action_only_there() {
    let map = KeyMap::with_overrides(&[
        entry("browse", "quit", &["ctrl-q"], 3),
        entry("browse", "toggle_resolved", &[], 4),
    ])
    .expect("valid");
    assert_eq!(map.lookup(KeyContext::Browse, Key::ch('q')), None);
    assert_eq!(
        map.lookup(KeyContext::Browse, Key::ctrl('q')),
        Some(Action::Quit)
    );
    assert_eq!(map.lookup(KeyContext::Browse, Key::ch('s')), None);
    // Ctrl+C still quits everywhere: that is the global binding.
    assert_eq!(
        map.lookup(KeyContext::Compose, Key::ctrl('c')),
        Some(Action::Quit)
    );
    assert_eq!(map.label(KeyContext::Browse, Action::Quit), "Ctrl+Q");
    assert_eq!(
        map.label(KeyContext::Browse, Action::ToggleResolved),
        "(unbound)"
    );
}

#[test]
fn mistakes_name_their_line() {
    let errors = KeyMap::with_overrides(&[
        entry("brwse", "quit", &["q"], 7),
        entry("browse", "quitt", &["q"], 8),
        entry("browse", "quit", &["ctrl-"], 9),
    ])
    .expect_err("three mistakes");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("line 7: [keys.brwse] is not a context"));
    assert!(errors[1].starts_with("line 8: [keys.browse] `quitt` is not an action"));
    assert!(errors[2].starts_with("line 9: [keys.browse] quit: `ctrl-` is not a key"));
}

#[test]
fn two_actions_on_one_key_are_a_conflict_where_they_meet() {
    let errors = KeyMap::with_overrides(&[entry("browse", "refresh", &["j"], 12)])
        .expect_err("j already moves down");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("line 12") && errors[0].contains("`down` (by default)"),
        "{}",
        errors[0]
    );
    // The message keys are looked up while browsing: they meet there too.
    assert!(KeyMap::with_overrides(&[entry("message", "copy_message", &["s"], 5)]).is_err());
    // The composer and the help are other places: the same key may do something else there.
    assert!(KeyMap::with_overrides(&[entry("help", "back", &["x"], 6)]).is_ok());
    // Named in the section that set it.
    let errors = KeyMap::with_overrides(&[entry("browse", "refresh", &["y"], 3)])
        .expect_err("y copies a message");
    assert!(
        errors[0].starts_with("line 3: [keys.browse]"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_plain_character_cannot_be_bound_where_it_is_typed() {
    for (context, action) in [
        ("global", "quit"),
        ("compose", "activate"),
        ("prompt", "back"),
    ] {
        let errors = KeyMap::with_overrides(&[entry(context, action, &["q"], 2)])
            .expect_err("q is text there");
        assert!(
            errors[0].contains("is typed as text there"),
            "{}",
            errors[0]
        );
    }
    assert!(KeyMap::with_overrides(&[entry("compose", "activate", &["ctrl-s"], 2)]).is_ok());
}

#[test]
fn the_printed_defaults_read_back_as_the_same_map() {
    let text = KeyMap::default().to_toml();
    let table: toml::Table = toml::from_str(&text).expect("valid TOML");
    let mut overrides = Vec::new();
    for (context, actions) in table["keys"].as_table().expect("[keys]") {
        for (action, keys) in actions.as_table().expect("a context") {
            let keys: Vec<&str> = keys
                .as_array()
                .expect("a list")
                .iter()
                .map(|k| k.as_str().expect("a name"))
                .collect();
            overrides.push(entry(context, action, &keys, 1));
        }
    }
    let read = KeyMap::with_overrides(&overrides).expect("no mistakes");
    for (a, b) in read.bindings().iter().zip(KeyMap::default().bindings()) {
        assert_eq!(
            (a.context, &a.keys, a.action),
            (b.context, &b.keys, b.action)
        );
    }
}

#[test]
fn action_names_are_snake_case() {
    assert_eq!(action_name(Action::NextConversation), "next_conversation");
    assert_eq!(action_name(Action::Quit), "quit");
}

#[test]
fn editing_keys_with_a_modifier_still_edit_where_text_is_edited() {
    let map = KeyMap::default();
    let shifted_left = Key {
        code: KeyCode::Left,
        mods: Mods {
            shift: true,
            ..Mods::default()
        },
    };
    assert_eq!(
        map.lookup(KeyContext::Compose, shifted_left),
        Some(Action::CursorLeft)
    );
    let ctrl_backspace = Key {
        code: KeyCode::Backspace,
        mods: Mods {
            ctrl: true,
            ..Mods::default()
        },
    };
    assert_eq!(
        map.lookup(KeyContext::Prompt, ctrl_backspace),
        Some(Action::DeleteBack)
    );
    assert_eq!(
        map.lookup(KeyContext::Compose, Key::alt(KeyCode::Backspace)),
        Some(Action::DeleteWord)
    );
    // Enter with a modifier is not Enter: it must never send by accident.
    let shift_enter = Key {
        code: KeyCode::Enter,
        mods: Mods {
            shift: true,
            ..Mods::default()
        },
    };
    assert_eq!(map.lookup(KeyContext::Compose, shift_enter), None);
    // Browsing keeps exact matches.
    assert_eq!(map.lookup(KeyContext::Browse, shifted_left), None);
}
