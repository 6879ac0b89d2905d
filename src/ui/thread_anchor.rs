//! Where the thread's bottom-up layout starts. Scrolling is counted in lines up from the newest
//! line, so laying out from the newest message costs the distance scrolled: deep in a 100,000
//! message thread, every frame would wrap everything below the screen. Instead each frame
//! reports an anchor (a message at or below the viewport's bottom and how far up its bottom
//! line is), and the next frame starts from it, walking down only as far as the view moved.
//! Anything that does not add up (the message is gone, the thread changed below it) falls back
//! to laying out from the newest message.

use super::Layouter;
use crate::app::ThreadAnchor;
use crate::model::Message;

/// Lay out `messages[..end]` upwards; `below` lines (not laid out) lie under them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Start {
    pub end: usize,
    pub below: usize,
}

pub(super) fn anchor_of(message: &Message, bottom: usize) -> ThreadAnchor {
    ThreadAnchor {
        at: message.at,
        id_hash: ThreadAnchor::hash_id(&message.id),
        bottom,
    }
}

impl Layouter<'_> {
    /// The start for a viewport scrolled up by `scroll`, from the previous frame's anchor.
    pub(super) fn start(&self, anchor: Option<ThreadAnchor>, scroll: usize) -> Start {
        let messages = self.messages;
        let newest = Start {
            end: messages.len(),
            below: 0,
        };
        let Some(anchor) = anchor.filter(|a| a.bottom > 0) else {
            return newest;
        };
        let mut index = messages.partition_point(|m| m.at < anchor.at);
        while index < messages.len()
            && messages[index].at == anchor.at
            && ThreadAnchor::hash_id(&messages[index].id) != anchor.id_hash
        {
            index += 1;
        }
        if index >= messages.len() || messages[index].at != anchor.at {
            return newest;
        }
        // The selected message must be laid out to be kept on screen.
        if let Some(selected) = self.selected.and_then(|id| self.find(id))
            && selected.order_key() > messages[index].order_key()
        {
            return newest;
        }
        // Walk down until the start's bottom is at or below the viewport's bottom.
        let (mut end, mut below) = (index + 1, anchor.bottom);
        while below > scroll {
            if end == messages.len() {
                return newest;
            }
            let height = self.message(messages, end).len();
            let Some(lower) = below.checked_sub(height) else {
                return newest;
            };
            below = lower;
            end += 1;
        }
        if end == messages.len() && below != 0 {
            return newest;
        }
        Start { end, below }
    }
}
