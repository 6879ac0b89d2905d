//! Saved replies: a library from the config (`[[canned]]`), put in the composer by typing
//! `/shortcode` then Tab, or picked from the palette. Placeholders are filled from the open
//! conversation (`{{contact.name}}`, `{{contact.first_name}}`, `{{contact.identity}}`,
//! `{{conversation.id}}`, `{{channel}}`) and the agent (`{{agent.name}}`); an unknown one
//! stays as written, so a typo shows. The text stays editable before it is sent.

use serde::Deserialize;

use super::App;
use super::inbox::ConversationEntry;

/// One saved reply.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// Typed after `/` in the composer: letters, digits, `-` and `_`.
    pub shortcode: String,
    /// What the palette lists.
    pub title: String,
    pub text: String,
}

impl CannedReply {
    /// What is wrong with it, if anything (the config names the entry).
    pub fn problem(&self) -> Option<String> {
        let code = &self.shortcode;
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Some(format!(
                "shortcode \"{code}\" must be letters, digits, - or _ (typed after /)"
            ));
        }
        if self.text.trim().is_empty() {
            return Some(format!("/{code} has no text"));
        }
        None
    }
}

/// The saved replies offered in the open conversation's composer: the config's own, then
/// those its account's platform keeps (Chatwoot's canned responses) under a shortcode the
/// config does not already use.
pub fn library(app: &App) -> Vec<CannedReply> {
    let mut replies = app.settings.canned.to_vec();
    let Some(open) = app.view.open.as_ref() else {
        return replies;
    };
    for reply in app.team.replies(&open.account) {
        let taken = replies
            .iter()
            .any(|own| own.shortcode.eq_ignore_ascii_case(&reply.shortcode));
        if !taken && !reply.text.trim().is_empty() {
            replies.push(CannedReply {
                shortcode: reply.shortcode.clone(),
                title: format!("{} ({})", reply.shortcode, open.account),
                text: reply.text.clone(),
            });
        }
    }
    replies
}

/// The reply's text with its placeholders filled for `entry`.
pub fn expand(reply: &CannedReply, entry: Option<&ConversationEntry>, agent: &str) -> String {
    let mut out = String::with_capacity(reply.text.len());
    let mut rest = reply.text.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match value(name, entry, agent) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn value(name: &str, entry: Option<&ConversationEntry>, agent: &str) -> Option<String> {
    let info = entry.map(|entry| &entry.info);
    Some(match name {
        "agent.name" => agent.to_string(),
        "contact.name" => info?.contact.name.clone(),
        "contact.first_name" => info?
            .contact
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        "contact.identity" => info?.contact.identity.clone(),
        "conversation.id" => info?.key.id.to_string(),
        "channel" => info?.channel.label().to_string(),
        _ => return None,
    })
}

/// Tab in the composer: a `/shortcode` just before the cursor becomes its reply. Whether it
/// did (otherwise Tab moves on as usual).
pub(super) fn expand_at_cursor(app: &mut App) -> bool {
    let composer = &app.view.composer;
    let before = &composer.text()[..composer.cursor()];
    let word_start = before.rfind(char::is_whitespace).map_or(0, |at| {
        at + before[at..].chars().next().map_or(1, char::len_utf8)
    });
    let Some(code) = before[word_start..].strip_prefix('/') else {
        return false;
    };
    if code.is_empty() {
        return false;
    }
    let library = library(app);
    let Some(reply) = library
        .iter()
        .find(|reply| reply.shortcode.eq_ignore_ascii_case(code))
        .cloned()
    else {
        // Said, and Tab stays: the agent meant a saved reply, not the next pane.
        let known: Vec<String> = library
            .iter()
            .map(|reply| format!("/{}", reply.shortcode))
            .collect();
        let text = if known.is_empty() {
            "No saved replies: add [[canned]] to the config".to_string()
        } else {
            format!(
                "No saved reply /{}; there are {}",
                crate::text::sanitize_line(code),
                known.join(" ")
            )
        };
        app.status
            .notify(super::status::NoticeLevel::Info, text, app.now);
        return true;
    };
    let entry = app.view.open.as_ref().and_then(|key| app.inbox.get(key));
    let text = expand(&reply, entry, &app.settings.agent_name);
    let typed = before[word_start..].chars().count();
    for _ in 0..typed {
        app.view.composer.backspace();
    }
    app.view.composer.insert(&crate::text::sanitize(&text));
    true
}

/// A saved reply picked from the palette: into the composer of the open conversation, at
/// the cursor.
pub(super) fn insert(app: &mut App, index: usize) {
    let Some(reply) = library(app).get(index).cloned() else {
        return;
    };
    let entry = app.view.open.as_ref().and_then(|key| app.inbox.get(key));
    let text = expand(&reply, entry, &app.settings.agent_name);
    app.view.composer.insert(&crate::text::sanitize(&text));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str) -> CannedReply {
        CannedReply {
            shortcode: "thanks".into(),
            title: "Thanks".into(),
            text: text.into(),
        }
    }

    #[test]
    fn placeholders_fill_and_unknown_ones_stay() {
        let out = expand(
            &reply(
                "Hi {{ contact.name }}, {{agent.name}} here about {{conversation.id}} {{nope}} {{",
            ),
            None,
            "Sam",
        );
        assert_eq!(
            out, "Hi {{ contact.name }}, Sam here about {{conversation.id}} {{nope}} {{",
            "without a conversation only the agent is known"
        );
    }

    #[test]
    fn shortcodes_are_one_word() {
        assert!(reply("x").problem().is_none());
        let spaced = CannedReply {
            shortcode: "two words".into(),
            ..reply("x")
        };
        assert!(spaced.problem().is_some());
        assert!(reply(" ").problem().is_some());
    }
}
