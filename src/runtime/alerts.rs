//! How a notification reaches the agent (`[notify]`): the terminal bell, a desktop
//! notification the terminal shows itself (OSC 777: foot, WezTerm; OSC 9: iTerm2, kitty),
//! or a command such as `notify-send`. The escape sequences go through tmux's passthrough
//! when inside tmux, as the clipboard's do. Also the window title.

use std::io::Write;

use crate::config::notify::{NotifyMethod, NotifySection};

/// The resolved way to notify, and the command if that is the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Alerts {
    pub method: NotifyMethod,
    command: Vec<String>,
    inside_tmux: bool,
}

impl Alerts {
    /// `auto` becomes the command when one is set, else what the terminal (as its
    /// environment tells) is known to show, else the bell.
    pub fn from_config(section: &NotifySection, env: impl Fn(&str) -> Option<String>) -> Self {
        let method = match section.method {
            NotifyMethod::Auto if !section.command.is_empty() => NotifyMethod::Command,
            NotifyMethod::Auto => terminal_method(&env),
            other => other,
        };
        Self {
            method,
            command: section.command.clone(),
            inside_tmux: env("TMUX").is_some(),
        }
    }

    pub fn notify(&self, title: &str, body: &str) {
        match self.method {
            NotifyMethod::Off => {}
            NotifyMethod::Command => self.run_command(title, body),
            method => write_out(&sequence(method, title, body, self.inside_tmux)),
        }
    }

    fn run_command(&self, title: &str, body: &str) {
        let Some((program, args)) = self.command.split_first() else {
            return;
        };
        // Each argument as it is, no shell: a customer's text cannot become a command.
        // The placeholders are filled in one pass, so a name holding "{body}" stays as it is.
        let fill = |arg: &String| {
            arg.split("{title}")
                .map(|part| part.replace("{body}", body))
                .collect::<Vec<_>>()
                .join(title)
        };
        let spawned = std::process::Command::new(program)
            .args(args.iter().map(fill))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            // Reaped on a thread of its own, so no zombie is left behind.
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(error) => tracing::warn!(%error, program = %program, "the notify command"),
        }
    }
}

fn terminal_method(env: &impl Fn(&str) -> Option<String>) -> NotifyMethod {
    let term = env("TERM").unwrap_or_default();
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let iterm = program == "iTerm.app" || env("ITERM_SESSION_ID").is_some();
    let kitty = term == "xterm-kitty" || env("KITTY_WINDOW_ID").is_some();
    if iterm || kitty {
        NotifyMethod::Osc9
    } else if program == "WezTerm" || env("WEZTERM_PANE").is_some() || term.starts_with("foot") {
        NotifyMethod::Osc777
    } else {
        NotifyMethod::Bell
    }
}

/// The bytes of a notification. Title and body lose every control character (they come
/// from customers), and `;` in OSC 777's fields, where it separates them.
pub fn sequence(method: NotifyMethod, title: &str, body: &str, inside_tmux: bool) -> String {
    let clean = |text: &str| -> String { text.chars().filter(|c| !c.is_control()).collect() };
    let osc = match method {
        NotifyMethod::Osc777 => format!(
            "\x1b]777;notify;{};{}\x07",
            clean(title).replace(';', ","),
            clean(body).replace(';', ",")
        ),
        // Fixed text first: OSC 9 then digits and `;` is a progress report to some terminals,
        // and the title holds a customer's name.
        NotifyMethod::Osc9 => format!("\x1b]9;switchboard · {}: {}\x07", clean(title), clean(body)),
        NotifyMethod::Bell => return "\x07".to_string(),
        NotifyMethod::Auto | NotifyMethod::Command | NotifyMethod::Off => return String::new(),
    };
    if inside_tmux {
        format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"))
    } else {
        osc
    }
}

/// The window title (OSC 2), without control characters.
pub fn title_sequence(title: &str) -> String {
    let clean: String = title.chars().filter(|c| !c.is_control()).collect();
    format!("\x1b]2;{clean}\x07")
}

pub fn set_title(title: &str) {
    write_out(&title_sequence(title));
}

fn write_out(bytes: &str) {
    let mut stdout = std::io::stdout();
    if let Err(error) = stdout
        .write_all(bytes.as_bytes())
        .and_then(|()| stdout.flush())
    {
        tracing::warn!(%error, "writing a notification to the terminal");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_writes_its_sequence_and_customers_cannot_inject() {
        let hostile = "Ada\x1b]52;c;ZXZpbA==\x07;x";
        assert_eq!(
            sequence(NotifyMethod::Osc777, "Ada · SMS", hostile, false),
            "\x1b]777;notify;Ada · SMS;Ada]52,c,ZXZpbA==,x\x07"
        );
        assert_eq!(
            sequence(NotifyMethod::Osc9, "Ada", "Hi", false),
            "\x1b]9;switchboard · Ada: Hi\x07"
        );
        assert_eq!(sequence(NotifyMethod::Bell, "Ada", "Hi", true), "\x07");
        assert_eq!(
            sequence(NotifyMethod::Osc9, "Ada", "Hi", true),
            "\x1bPtmux;\x1b\x1b]9;switchboard · Ada: Hi\x07\x1b\\"
        );
        assert_eq!(
            title_sequence("switchboard (3)\x1b[2J"),
            "\x1b]2;switchboard (3)[2J\x07"
        );
    }

    #[test]
    fn auto_picks_what_the_terminal_shows() {
        let resolve = |vars: &[(&str, &str)], command: Vec<String>| {
            let section = NotifySection {
                command,
                ..NotifySection::default()
            };
            Alerts::from_config(&section, |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
            .method
        };
        assert_eq!(
            resolve(&[("TERM", "xterm-kitty")], vec![]),
            NotifyMethod::Osc9
        );
        assert_eq!(resolve(&[("TERM", "foot")], vec![]), NotifyMethod::Osc777);
        assert_eq!(
            resolve(&[("TERM_PROGRAM", "WezTerm")], vec![]),
            NotifyMethod::Osc777
        );
        assert_eq!(
            resolve(&[("TERM", "xterm-256color")], vec![]),
            NotifyMethod::Bell
        );
        assert_eq!(
            resolve(&[("TERM", "foot")], vec!["notify-send".into()]),
            NotifyMethod::Command
        );
    }

    #[test]
    fn the_command_gets_title_and_body_as_arguments_not_through_a_shell() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("out");
        let section = NotifySection {
            method: NotifyMethod::Command,
            command: vec![
                "sh".into(),
                "-c".into(),
                format!("printf '%s|%s' \"$0\" \"$1\" > '{}'", out.display()),
                "{title}".into(),
                "{body}".into(),
            ],
            ..NotifySection::default()
        };
        let alerts = Alerts::from_config(&section, |_| None);
        alerts.notify("Ada · SMS", "$(touch pwned); `id`");
        for _ in 0..100 {
            if std::fs::read_to_string(&out).is_ok_and(|t| !t.is_empty()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(
            std::fs::read_to_string(&out).expect("ran"),
            "Ada · SMS|$(touch pwned); `id`"
        );
        assert!(!dir.path().join("pwned").exists());
    }
}
