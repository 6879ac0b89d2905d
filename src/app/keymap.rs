//! The live key map: the defaults of [`BINDINGS`] with `[keys]` of the config laid over them.
//!
//! ```toml
//! [keys.browse]
//! quit = "ctrl-q"                          # one key
//! next_conversation = ["alt-j", "ctrl-n"]  # or several
//! toggle_resolved = []                     # or none
//! ```
//!
//! An entry replaces the keys of that action in that context. Key names are `g`, `G`, `?`,
//! `ctrl-k`, `alt-j`, `shift-tab`, `space`, `enter`, `esc`, `tab`, `backspace`, `delete`, the
//! arrows (`up`…), `home`, `end`, `pageup`, `pagedown`. Unknown names and two actions on one
//! key are reported at start with the config line; `switchboard keys` prints the defaults.

use std::fmt::Write;

use super::keys::{Action, BINDINGS, Key, KeyCode, KeyContext, Mods, normalise};

/// One action's keys in one context.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub context: KeyContext,
    pub keys: Vec<Key>,
    pub action: Action,
    pub help: &'static str,
    /// The config line that set these keys (`None`: the default).
    pub line: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyMap {
    bindings: Vec<Bound>,
}

/// One `[keys.<context>] <action> = …` entry, as the config read it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyOverride {
    pub context: String,
    pub action: String,
    pub keys: Vec<String>,
    pub line: usize,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self {
            bindings: BINDINGS
                .iter()
                .map(|b| Bound {
                    context: b.context,
                    keys: b.keys.to_vec(),
                    action: b.action,
                    help: b.help,
                    line: None,
                })
                .collect(),
        }
    }
}

impl KeyMap {
    /// The defaults with `overrides` applied; every mistake is reported, each naming its line.
    pub fn with_overrides(overrides: &[KeyOverride]) -> Result<KeyMap, Vec<String>> {
        let mut map = KeyMap::default();
        let mut errors = Vec::new();
        for entry in overrides {
            let at = |message: String| {
                format!("line {}: [keys.{}] {message}", entry.line, entry.context)
            };
            let Some(context) = KeyContext::ALL
                .into_iter()
                .find(|c| c.name() == entry.context)
            else {
                let known: Vec<&str> = KeyContext::ALL.iter().map(|c| c.name()).collect();
                errors.push(format!(
                    "line {}: [keys.{}] is not a context (known: {})",
                    entry.line,
                    entry.context,
                    known.join(", ")
                ));
                continue;
            };
            let Some(slot) = map
                .bindings
                .iter_mut()
                .find(|b| b.context == context && action_name(b.action) == entry.action)
            else {
                let known: Vec<String> = map
                    .bindings
                    .iter()
                    .filter(|b| b.context == context)
                    .map(|b| action_name(b.action))
                    .collect();
                errors.push(at(format!(
                    "`{}` is not an action here (known: {})",
                    entry.action,
                    known.join(", ")
                )));
                continue;
            };
            let mut keys = Vec::new();
            for name in &entry.keys {
                match parse_key(name) {
                    Ok(key) => keys.push(key),
                    Err(why) => errors.push(at(format!("{}: {why}", entry.action))),
                }
            }
            slot.keys = keys;
            slot.line = Some(entry.line);
        }
        errors.extend(map.typed_keys());
        errors.extend(map.conflicts());
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// Plain characters bound where they are text (the composer, the prompts) or everywhere:
    /// the letter could no longer be typed.
    fn typed_keys(&self) -> Vec<String> {
        let typing = |c: KeyContext| {
            matches!(
                c,
                KeyContext::Global | KeyContext::Compose | KeyContext::Prompt
            )
        };
        let mut found = Vec::new();
        for b in self.bindings.iter().filter(|b| typing(b.context)) {
            for key in &b.keys {
                if matches!(key.code, KeyCode::Char(_)) && !key.mods.ctrl && !key.mods.alt {
                    found.push(format!(
                        "line {}: [keys.{}] {}: `{}` is typed as text there; use ctrl- or alt- with it",
                        b.line.unwrap_or(0),
                        b.context.name(),
                        action_name(b.action),
                        key_name(*key)
                    ));
                }
            }
        }
        found
    }

    /// Two actions on one key where they are looked up together.
    fn conflicts(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[i + 1..] {
                // The same layer, or a context's key hiding a global one there.
                let meet = a.context.layer() == b.context.layer()
                    || a.context == KeyContext::Global
                    || b.context == KeyContext::Global;
                if !meet || a.action == b.action {
                    continue;
                }
                for key in a.keys.iter().filter(|k| b.keys.contains(k)) {
                    let origin = |bound: &Bound| match bound.line {
                        Some(line) => format!("line {line}"),
                        None => "by default".to_string(),
                    };
                    // Reported where the config set it: the section and the line of that entry.
                    let (line, section) = match (b.line, a.line) {
                        (Some(line), _) => (line, b.context),
                        (None, Some(line)) => (line, a.context),
                        (None, None) => (0, b.context),
                    };
                    found.push(format!(
                        "line {line}: [keys.{}] {} is both `{}` ({}) and `{}` ({})",
                        section.name(),
                        key_name(*key),
                        action_name(a.action),
                        origin(a),
                        action_name(b.action),
                        origin(b),
                    ));
                }
            }
        }
        found
    }

    /// The action of `key` where the focus is: the context's own keys first (so a context
    /// can take a global key for itself), then the global ones.
    pub fn lookup(&self, context: KeyContext, key: Key) -> Option<Action> {
        let key = normalise(key);
        let find = |wanted: &dyn Fn(KeyContext) -> bool| {
            self.bindings
                .iter()
                .filter(|b| wanted(b.context))
                .find(|b| b.keys.contains(&key))
                .map(|b| b.action)
        };
        find(&|c| c != KeyContext::Global && c.layer() == context.layer())
            .or_else(|| find(&|c| c == KeyContext::Global))
            .or_else(|| {
                // Where text is edited, Shift+← (a selection elsewhere) or Ctrl+Backspace still
                // moves or deletes as the plain key does, as it did before keys were data.
                let editing = matches!(context, KeyContext::Compose | KeyContext::Prompt);
                let cursor_key = matches!(
                    key.code,
                    KeyCode::Left
                        | KeyCode::Right
                        | KeyCode::Home
                        | KeyCode::End
                        | KeyCode::Backspace
                        | KeyCode::Delete
                        | KeyCode::Up
                        | KeyCode::Down
                );
                let plain = Key::plain(key.code);
                (editing && cursor_key && key != plain)
                    .then(|| self.lookup(context, plain))
                    .flatten()
            })
    }

    /// Every binding, in the order the help lists them.
    pub fn bindings(&self) -> &[Bound] {
        &self.bindings
    }

    /// How the first key of `action` is written (for hints and notices), looked up as
    /// [`Self::lookup`] would find it; "(unbound)" when the user took every key away.
    pub fn label(&self, context: KeyContext, action: Action) -> String {
        let first = |wanted: &dyn Fn(KeyContext) -> bool| {
            self.bindings
                .iter()
                .filter(|b| b.action == action && wanted(b.context))
                .find_map(|b| b.keys.first())
        };
        first(&|c| c != KeyContext::Global && c.layer() == context.layer())
            .or_else(|| first(&|c| c == KeyContext::Global))
            .map_or_else(|| "(unbound)".to_string(), Key::label)
    }

    /// The map as `[keys]` TOML, every action with its keys and what it does.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# switchboard's keys. Copy the lines you change into config.toml; a line replaces\n\
             # that action's keys in that context, [] unbinds it.\n",
        );
        for context in KeyContext::ALL {
            let _ = write!(out, "\n[keys.{}]\n", context.name());
            for b in self.bindings.iter().filter(|b| b.context == context) {
                // Debug quoting escapes `"` and `\` as TOML's basic strings do.
                let keys: Vec<String> = b
                    .keys
                    .iter()
                    .map(|k| format!("{:?}", key_name(*k)))
                    .collect();
                let _ = writeln!(
                    out,
                    "{} = [{}]  # {}",
                    action_name(b.action),
                    keys.join(", "),
                    b.help
                );
            }
        }
        out
    }
}

/// An action's name in `[keys]`: its variant in snake case (`NextConversation` →
/// `next_conversation`), so a new action is named without a table to keep in step.
pub fn action_name(action: Action) -> String {
    let mut name = String::new();
    for (i, c) in format!("{action:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
];

/// Reads a key name (`ctrl-k`, `alt-down`, `shift-tab`, `G`, `?`).
pub fn parse_key(name: &str) -> Result<Key, String> {
    let mut mods = Mods::default();
    let mut rest = name;
    // A lone `-` is the minus key, not an empty modifier list.
    while rest.len() > 1 {
        let lower = rest.to_ascii_lowercase();
        let Some((modifier, tail)) = lower.split_once('-').filter(|(_, t)| !t.is_empty()) else {
            break;
        };
        match modifier {
            "ctrl" | "c" => mods.ctrl = true,
            "alt" | "a" | "meta" | "m" => mods.alt = true,
            "shift" | "s" => mods.shift = true,
            _ => break,
        }
        rest = &rest[rest.len() - tail.len()..];
    }
    let lower = rest.to_ascii_lowercase();
    let aliases = [
        ("del", "delete"),
        ("pgup", "pageup"),
        ("pgdn", "pagedown"),
        ("escape", "esc"),
        ("return", "enter"),
    ];
    let lower = aliases
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower.as_str(), |(_, name)| name);
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => NAMED
            .iter()
            .find(|(known, _)| *known == lower)
            .map(|(_, code)| *code)
            .ok_or_else(|| {
                format!(
                    "`{name}` is not a key name (e.g. g, G, ctrl-k, alt-j, shift-tab, pagedown)"
                )
            })?,
    };
    let code = match code {
        KeyCode::Tab if mods.shift => KeyCode::BackTab,
        // Shift with a letter is the capital letter, as terminals send it; Ctrl with a letter
        // is the letter whatever its case (`Ctrl-K` means Ctrl+k).
        KeyCode::Char(c) if mods.shift && c.is_ascii_lowercase() => {
            KeyCode::Char(c.to_ascii_uppercase())
        }
        KeyCode::Char(c) if mods.ctrl && !mods.shift => KeyCode::Char(c.to_ascii_lowercase()),
        other => other,
    };
    Ok(normalise(Key { code, mods }))
}

/// A key as `[keys]` writes it (what [`parse_key`] reads back).
pub fn key_name(key: Key) -> String {
    let mut name = String::new();
    if key.mods.ctrl {
        name.push_str("ctrl-");
    }
    if key.mods.alt {
        name.push_str("alt-");
    }
    if key.mods.shift && !matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
        name.push_str("shift-");
    }
    match key.code {
        KeyCode::Char(' ') => name.push_str("space"),
        KeyCode::Char(c) => name.push(c),
        KeyCode::BackTab => name.push_str("shift-tab"),
        code => {
            let (known, _) = NAMED
                .iter()
                .find(|(_, c)| *c == code)
                .copied()
                .unwrap_or(("?", code));
            name.push_str(known);
        }
    }
    name
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
