//! Options of the next reply on session channels (USSD and voice): whether it ends the session,
//! and on voice which key the call waits for before answering, plus a recording to play when
//! the draft starts with its URL. Pure state; the composer title shows it.

use crate::contract::provider::SendOptions;
use crate::model::Channel;

/// Keys a voice call may wait for, in the order `Alt+w` cycles through them (then none).
const WAIT_KEYS: [char; 2] = ['#', '*'];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyOptions {
    /// The next reply closes the USSD session or ends the call (one-shot: reset after sending).
    pub end_session: bool,
    /// Voice: answer once this key is pressed rather than at every key.
    pub wait_for: Option<char>,
}

/// Whether a channel runs in sessions, so these options mean something there.
pub fn applies_to(channel: &Channel) -> bool {
    matches!(channel, Channel::Ussd | Channel::Voice)
}

impl ReplyOptions {
    pub fn toggle_end_session(&mut self) {
        self.end_session = !self.end_session;
    }

    /// None → `#` → `*` → none.
    pub fn cycle_wait_for(&mut self) {
        self.wait_for = match self.wait_for {
            None => Some(WAIT_KEYS[0]),
            Some(key) => WAIT_KEYS
                .iter()
                .position(|k| *k == key)
                .and_then(|i| WAIT_KEYS.get(i + 1))
                .copied(),
        };
    }

    /// What to send for `draft` on `channel`: the text and, when anything differs from a plain
    /// reply, the options. On voice a draft that starts with an http(s) URL plays that file.
    pub fn prepare(&self, channel: &Channel, draft: &str) -> (String, Option<SendOptions>) {
        if !applies_to(channel) {
            return (draft.to_string(), None);
        }
        let mut options = SendOptions {
            end_session: self.end_session,
            ..SendOptions::default()
        };
        let mut text = draft.to_string();
        if *channel == Channel::Voice {
            options.wait_for = self.wait_for.map(String::from);
            let (url, rest) = split_speech_url(draft);
            if let Some(url) = url {
                // Voice channels ignore the text when a recording is given; others may show it.
                text = if rest.is_empty() { url.clone() } else { rest };
                options.speech_url = Some(url);
            }
        }
        let plain = options == SendOptions::default();
        (text, (!plain).then_some(options))
    }

    /// The composer title's note, e.g. `USSD session open · Alt+e ends it`.
    /// `keys` names the live keys of ending the session and of the wait-for key.
    pub fn describe(
        &self,
        channel: &Channel,
        session: Option<&str>,
        (end_key, wait_key): (&str, &str),
    ) -> Option<String> {
        if !applies_to(channel) {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(session) = session {
            parts.push(format!("session {session}"));
        }
        parts.push(if self.end_session {
            format!("ENDS the session on send ({end_key}: keep open)")
        } else {
            format!("{end_key}: end session on send")
        });
        if *channel == Channel::Voice {
            parts.push(match self.wait_for {
                Some(key) => format!("waits for {key} ({wait_key})"),
                None => format!("{wait_key}: wait for a key"),
            });
        }
        Some(parts.join(" · "))
    }
}

/// Splits a leading `http(s)://…` word off a draft: `(speech URL, the rest trimmed)`.
pub fn split_speech_url(draft: &str) -> (Option<String>, String) {
    let trimmed = draft.trim_start();
    let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let (first, rest) = trimmed.split_at(end);
    if first.starts_with("https://") || first.starts_with("http://") {
        (Some(first.to_string()), rest.trim().to_string())
    } else {
        (None, draft.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_channels_and_plain_replies_need_no_options() {
        let mut reply = ReplyOptions::default();
        assert_eq!(reply.prepare(&Channel::Sms, "hi"), ("hi".into(), None));
        assert_eq!(reply.prepare(&Channel::Ussd, "hi"), ("hi".into(), None));
        reply.toggle_end_session();
        assert_eq!(reply.prepare(&Channel::Sms, "hi"), ("hi".into(), None));
        let (_, options) = reply.prepare(&Channel::Ussd, "bye");
        assert!(options.expect("options").end_session);
    }

    #[test]
    fn voice_takes_a_leading_speech_url_and_a_wait_key() {
        let mut reply = ReplyOptions::default();
        reply.cycle_wait_for();
        assert_eq!(reply.wait_for, Some('#'));
        let (text, options) = reply.prepare(&Channel::Voice, "https://x.org/menu.ogg Press 1");
        let options = options.expect("options");
        assert_eq!(text, "Press 1");
        assert_eq!(
            options.speech_url.as_deref(),
            Some("https://x.org/menu.ogg")
        );
        assert_eq!(options.wait_for.as_deref(), Some("#"));
        let (text, _) = reply.prepare(&Channel::Voice, "http://x.org/a.ogg");
        assert_eq!(text, "http://x.org/a.ogg", "content is never empty");
        reply.cycle_wait_for();
        reply.cycle_wait_for();
        assert_eq!(reply.wait_for, None);
        assert_eq!(
            reply.prepare(&Channel::Voice, "Hello"),
            ("Hello".into(), None)
        );
        assert_eq!(
            split_speech_url("see https://x"),
            (None, "see https://x".into())
        );
    }

    const KEYS: (&str, &str) = ("Alt+e", "Alt+w");

    #[test]
    fn the_title_note_says_what_send_will_do() {
        let mut reply = ReplyOptions::default();
        assert_eq!(reply.describe(&Channel::Sms, None, KEYS), None);
        let note = reply
            .describe(&Channel::Ussd, Some("open"), KEYS)
            .expect("note");
        assert!(note.starts_with("session open"), "{note}");
        reply.toggle_end_session();
        let note = reply
            .describe(&Channel::Ussd, Some("open"), KEYS)
            .expect("note");
        assert!(note.contains("ENDS the session"), "{note}");
    }
}
