//! Web links inside messages: found in the text, opened with the system opener, and picked
//! from a list when a message has several.

use super::keys::{Action, Key, KeyContext};
use super::{App, Effect};

/// The list of a message's links, open while the agent picks one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkPicker {
    pub links: Vec<String>,
    pub selected: usize,
}

/// The http(s) links in `text`, in order, each once, as they are shown: found in the
/// sanitised text (no invisible or reordering characters), scheme in lower case.
pub fn find(text: &str) -> Vec<String> {
    let text = crate::text::sanitize(text);
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut links: Vec<String> = Vec::new();
    for link in finder.links(&text) {
        let url = match link.as_str().split_once("://") {
            Some((scheme, rest))
                if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
            {
                format!("{}://{rest}", scheme.to_ascii_lowercase())
            }
            _ => continue,
        };
        if !links.contains(&url) {
            links.push(url);
        }
    }
    links
}

/// Opens a link, saying which (the agent sees what leaves for the browser).
fn open(app: &mut App, url: String, effects: &mut Vec<Effect>) {
    let shown = crate::text::prefix_within(&url, 120).to_string();
    app.status.notify(
        super::status::NoticeLevel::Info,
        format!("Opening {shown}"),
        app.now,
    );
    effects.push(Effect::OpenUrl(url));
}

/// Opens the only link, or lists several to pick from.
pub(super) fn offer(app: &mut App, links: Vec<String>, effects: &mut Vec<Effect>) {
    match links.len() {
        0 => {}
        1 => {
            if let Some(url) = links.into_iter().next() {
                open(app, url, effects);
            }
        }
        _ => {
            app.view.link_picker = Some(LinkPicker { links, selected: 0 });
            app.touch();
        }
    }
}

/// Keys while the list is open: the lists' moves, the open key, back.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = app.settings.keymap.lookup(KeyContext::Browse, key);
    let Some(picker) = app.view.link_picker.as_mut() else {
        return;
    };
    match action {
        // As in the help: the lists' quit key closes the list (Ctrl+C still quits).
        Some(Action::Quit | Action::Back) => app.view.link_picker = None,
        Some(Action::Down) => {
            picker.selected = (picker.selected + 1).min(picker.links.len().saturating_sub(1));
        }
        Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::Activate | Action::OpenMedia) => {
            let url = picker.links.get(picker.selected).cloned();
            app.view.link_picker = None;
            if let Some(url) = url {
                open(app, url, effects);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_what_is_shown() {
        // A right-to-left override would make the shown link differ from the opened one.
        assert_eq!(
            find("HTTPS://Acme.example/\u{202e}gpj.exe"),
            vec!["https://Acme.example/gpj.exe"]
        );
    }

    #[test]
    fn finds_web_links_once_without_trailing_punctuation() {
        assert_eq!(
            find(
                "See https://acme.example/invoice?id=7. Or (http://x.org/a), again https://acme.example/invoice?id=7!"
            ),
            vec!["https://acme.example/invoice?id=7", "http://x.org/a"]
        );
        assert!(
            find("mail me at ada@example.com or javascript:alert(1) or ftp://x.org").is_empty()
        );
        assert!(find("no links here").is_empty());
    }
}
