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

/// The http(s) links in `text`, in order, each once.
pub fn find(text: &str) -> Vec<String> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut links: Vec<String> = Vec::new();
    for link in finder.links(text) {
        let url = link.as_str();
        let web = url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            || url
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if web && !links.iter().any(|l| l == url) {
            links.push(url.to_string());
        }
    }
    links
}

/// Opens the only link, or lists several to pick from.
pub(super) fn offer(app: &mut App, links: Vec<String>, effects: &mut Vec<Effect>) {
    match links.len() {
        0 => {}
        1 => effects.extend(links.into_iter().map(Effect::OpenUrl)),
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
        Some(Action::Down) => {
            picker.selected = (picker.selected + 1).min(picker.links.len().saturating_sub(1));
        }
        Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::Activate | Action::OpenMedia) => {
            if let Some(url) = picker.links.get(picker.selected) {
                effects.push(Effect::OpenUrl(url.clone()));
            }
            app.view.link_picker = None;
        }
        Some(Action::Quit) => super::input::perform(app, Action::Quit, effects),
        Some(Action::Back) => app.view.link_picker = None,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
