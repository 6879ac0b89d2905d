//! The demo script format: one command per line, `#` starts a comment.
//!
//! ```text
//! size 120x36          # terminal size (first lines only; default 120x36)
//! seed 7               # the simulated customers (default 7)
//! pace 70ms            # mean delay between typed characters (default 70ms)
//! theme light          # a built-in theme (default dark)
//! pause 1.5s           # let the demo play
//! key Enter            # keys: a character, or Enter Esc Tab BackTab Backspace Delete Up Down
//! key j j Alt+j        #   Left Right Home End PgUp PgDn Space, with Ctrl+ / Alt+ / Shift+
//! type "On its way!"   # text typed at a human pace (\n = Alt+Enter, \" and \\ escape)
//! wait typing 60s      # until the screen shows a typing indicator (timeout optional)
//! wait "Ada" 10s       # until the screen shows this text
//! resize 100x30        # the terminal is resized
//! outage 20s           # the network to the hub drops for this long (the script goes on)
//! snap inbox           # save the screen as inbox.svg / inbox.txt (with --shots DIR)
//! ```
//!
//! Durations are `250ms`, `2s` or `1.5s`. Errors name the line.

use std::time::Duration;

use crate::app::{Key, KeyCode, Mods};

/// What a `wait` waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Until {
    /// The screen shows this text.
    Text(String),
    /// A typing indicator is on screen.
    Typing,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Keys(Vec<Key>),
    Type(String),
    Pause(Duration),
    Wait {
        until: Until,
        timeout: Duration,
    },
    Resize(u16, u16),
    Snap(String),
    /// The network to the hub is down for this long, from now; the script goes on meanwhile.
    Outage(Duration),
}

/// A step and the line it came from (for error messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub number: usize,
    pub step: Step,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub size: (u16, u16),
    pub seed: u64,
    pub pace: Duration,
    /// A built-in theme's name; `None`: the default.
    pub theme: Option<String>,
    /// The app keeps a local store (in memory), as a configured inbox does: search works.
    pub store: bool,
    pub steps: Vec<Line>,
}

/// How long a `wait` waits without a timeout of its own (virtual time: costs nothing).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);
/// The screen text of the typing indicators (conversation list and thread).
pub const TYPING_MARK: &str = "typing…";

impl Script {
    pub fn parse(source: &str) -> Result<Script, String> {
        let mut script = Script {
            size: (120, 36),
            seed: super::scenario::DEFAULT_SEED,
            pace: Duration::from_millis(70),
            theme: None,
            store: false,
            steps: Vec::new(),
        };
        for (index, raw) in source.lines().enumerate() {
            let number = index + 1;
            let words = split(raw).map_err(|e| format!("line {number}: {e}"))?;
            let Some((command, args)) = words.split_first() else {
                continue;
            };
            let fail = |message: String| format!("line {number}: {message}");
            let one = || match args {
                [arg] => Ok(arg.as_str()),
                _ => Err(fail(format!("`{command}` takes one argument"))),
            };
            let step = match command.as_str() {
                "size" | "seed" | "pace" | "theme" | "store" if !script.steps.is_empty() => {
                    return Err(fail(format!("`{command}` must come before the first step")));
                }
                "size" => {
                    script.size = parse_size(one()?).map_err(fail)?;
                    continue;
                }
                "seed" => {
                    script.seed = one()?.parse().map_err(|e| fail(format!("seed: {e}")))?;
                    continue;
                }
                "pace" => {
                    script.pace = parse_duration(one()?).map_err(fail)?;
                    continue;
                }
                "theme" => {
                    let name = one()?;
                    if crate::ui::theme::Palette::builtin(name).is_none() {
                        return Err(fail(format!(
                            "theme `{name}` is not one of {}",
                            crate::ui::theme::THEMES.join(", ")
                        )));
                    }
                    script.theme = Some(name.to_string());
                    continue;
                }
                "store" if args.is_empty() => {
                    script.store = true;
                    continue;
                }
                "store" => return Err(fail("`store` takes no argument".into())),
                "pause" => Step::Pause(parse_duration(one()?).map_err(fail)?),
                "key" if args.is_empty() => return Err(fail("`key` needs a key".into())),
                "key" => Step::Keys(
                    args.iter()
                        .map(|k| parse_key(k))
                        .collect::<Result<_, _>>()
                        .map_err(fail)?,
                ),
                "type" => Step::Type(one()?.to_string()),
                "wait" => {
                    let (what, timeout) = match args {
                        [what] => (what, DEFAULT_WAIT),
                        [what, timeout] => (what, parse_duration(timeout).map_err(fail)?),
                        _ => return Err(fail("`wait` takes what and an optional timeout".into())),
                    };
                    let until = if what == "typing" {
                        Until::Typing
                    } else {
                        Until::Text(what.clone())
                    };
                    Step::Wait { until, timeout }
                }
                "outage" => Step::Outage(parse_duration(one()?).map_err(fail)?),
                "resize" => {
                    let (width, height) = parse_size(one()?).map_err(fail)?;
                    Step::Resize(width, height)
                }
                "snap" => {
                    let name = one()?;
                    if name.is_empty()
                        || !name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        return Err(fail(format!(
                            "snap name `{name}`: use letters, digits, - and _"
                        )));
                    }
                    Step::Snap(name.to_string())
                }
                other => return Err(fail(format!("unknown command `{other}`"))),
            };
            script.steps.push(Line { number, step });
        }
        Ok(script)
    }
}

/// Words of a line: bare words, or "quoted text" with \" \\ and \n escapes; `#` ends the line.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('n') => word.push('\n'),
                        Some(escaped @ ('"' | '\\')) => word.push(escaped),
                        other => return Err(format!("unknown escape \\{}", other.unwrap_or(' '))),
                    },
                    Some(c) => word.push(c),
                    None => return Err("unterminated quote".into()),
                }
            }
            words.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            words.push(word);
        }
    }
    Ok(words)
}

pub fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (cols, rows) = text
        .split_once('x')
        .ok_or_else(|| format!("size `{text}` is not COLSxROWS"))?;
    let parse = |n: &str| match n.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("size `{text}`: `{n}` is not a positive number")),
    };
    Ok((parse(cols)?, parse(rows)?))
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        return Err(format!("duration `{text}`: write e.g. 250ms or 1.5s"));
    };
    match number.parse::<f64>() {
        Ok(value) if value >= 0.0 && value.is_finite() => Ok(Duration::from_secs_f64(value * unit)),
        _ => Err(format!("duration `{text}`: write e.g. 250ms or 1.5s")),
    }
}

pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut mods = Mods::default();
    let mut rest = text;
    loop {
        if let Some(r) = rest.strip_prefix("Ctrl+").filter(|r| !r.is_empty()) {
            mods.ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("Alt+").filter(|r| !r.is_empty()) {
            mods.alt = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("Shift+").filter(|r| !r.is_empty()) {
            mods.shift = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PgUp" => KeyCode::PageUp,
        "PgDn" => KeyCode::PageDown,
        "Space" => KeyCode::Char(' '),
        single if single.chars().count() == 1 => {
            KeyCode::Char(single.chars().next().unwrap_or(' '))
        }
        other => return Err(format!("unknown key `{other}`")),
    };
    Ok(Key { code, mods })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        let script = Script::parse(
            "# a tour\nsize 100x30\nseed 3\npace 50ms\n\npause 1.5s\nkey Enter j Alt+j Ctrl+u\n\
             type \"Hi \\\"you\\\"\\nbye\" # comment\nwait typing\nwait \"Ada L\" 5s\nresize 80x24\nsnap inbox-1\n",
        )
        .expect("parses");
        assert_eq!(script.size, (100, 30));
        assert_eq!(script.seed, 3);
        assert_eq!(script.pace, Duration::from_millis(50));
        let steps: Vec<Step> = script.steps.into_iter().map(|l| l.step).collect();
        assert_eq!(
            steps,
            vec![
                Step::Pause(Duration::from_millis(1500)),
                Step::Keys(vec![
                    Key::plain(KeyCode::Enter),
                    Key::ch('j'),
                    Key::alt(KeyCode::Char('j')),
                    Key::ctrl('u'),
                ]),
                Step::Type("Hi \"you\"\nbye".into()),
                Step::Wait {
                    until: Until::Typing,
                    timeout: DEFAULT_WAIT
                },
                Step::Wait {
                    until: Until::Text("Ada L".into()),
                    timeout: Duration::from_secs(5)
                },
                Step::Resize(80, 24),
                Step::Snap("inbox-1".into()),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("pause 2", "line 1: duration `2`"),
            ("\nkey Hyper", "line 2: unknown key `Hyper`"),
            ("type \"open", "line 1: unterminated quote"),
            ("pause 1s\nsize 80x24", "line 2: `size` must come before"),
            ("resize 0x10", "line 1: size `0x10`"),
            ("snap ../x", "line 1: snap name"),
            ("dance", "line 1: unknown command `dance`"),
        ];
        for (source, expected) in cases {
            let error = Script::parse(source).expect_err(source);
            assert!(error.starts_with(expected), "{source:?}: {error}");
        }
    }
}
