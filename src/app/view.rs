//! UI state that is not data: focus, selections, scroll positions, the filter, the composer,
//! overlays, and the layout the last frame reported. Also the derived lists the panes show
//! (channels with unread counts, the filtered and sorted conversation list), recomputed here
//! when data changes rather than on every frame.

use std::collections::HashMap;

use super::composer::Composer;
use super::insights::InsightTab;
use crate::model::{Channel, ConversationKey, ConversationStatus, Timestamp};

/// The pane that has the keyboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    Channels,
    #[default]
    Conversations,
    Thread,
    Composer,
    Insights,
}

/// A rectangle of the last frame, in terminal cells (the app's own type: no ratatui here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Rect {
    pub fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.x
            && row >= self.y
            && column < self.x.saturating_add(self.width)
            && row < self.y.saturating_add(self.height)
    }
}

/// What the view laid out, reported back after each frame that changed it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayoutInfo {
    /// Rows of the channel list (inside its border).
    pub channels: Rect,
    /// Rows of the conversation list (inside its border).
    pub conversations: Rect,
    /// Terminal rows one conversation takes in the list.
    pub conversation_rows: u16,
    /// The thread's text area.
    pub thread: Rect,
    pub composer: Rect,
    pub insights: Option<Rect>,
    /// Whether the details pane is on screen.
    pub details: bool,
    /// With the help open: how far down it can scroll.
    pub help_last_scroll: Option<usize>,
    /// The scroll position (lines up from the newest) at which the oldest loaded message is at
    /// the top of the thread, when the view reached it; scrolling further is pointless.
    pub thread_top_scroll: Option<usize>,
    /// While a jump to a message is pending (an insight's, a search hit's) or a message is
    /// pinned: the scroll that shows that message (or keeps it in place).
    pub thread_jump_scroll: Option<usize>,
    /// A message near the bottom of the scrolled thread and where its bottom line is: the next
    /// frame lays out from there instead of from the newest message, so a frame deep in a long
    /// thread costs what the screen shows, not the distance scrolled.
    pub thread_anchor: Option<ThreadAnchor>,
    /// Loaded messages of the open thread above what the frame laid out: when few are left,
    /// the next page is read from the store before the user scrolls into the gap.
    pub thread_loaded_above: Option<usize>,
}

/// A message of the open thread (its time and a hash of its id) whose bottom line is `bottom`
/// lines up from the newest line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadAnchor {
    pub at: Timestamp,
    pub id_hash: u64,
    pub bottom: usize,
}

impl ThreadAnchor {
    /// The hash an anchor keeps of a message id (an id itself would make the layout report
    /// allocate on every frame).
    pub fn hash_id(id: &str) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        hasher.finish()
    }

    /// Whether `message` is the anchor's.
    pub fn is(&self, message: &crate::model::Message) -> bool {
        message.at == self.at && Self::hash_id(&message.id) == self.id_hash
    }

    /// Where the anchor's message is among `messages` (in thread order).
    pub fn find_in(&self, messages: &[crate::model::Message]) -> Option<usize> {
        let start = messages.partition_point(|m| m.at < self.at);
        (start..messages.len())
            .take_while(|&i| messages[i].at == self.at)
            .find(|&i| self.is(&messages[i]))
    }
}

/// One row of the channel list; `channel: None` is "All".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelEntry {
    pub channel: Option<Channel>,
    pub unread: u32,
    pub conversations: usize,
}

#[derive(Clone, Debug, Default)]
pub struct ViewState {
    pub focus: Focus,
    /// Whether the terminal window has the focus (`None`: it never said).
    pub terminal_focus: Option<bool>,
    /// When the last notification went out (they are spaced out).
    pub notified_at: Option<crate::model::Timestamp>,
    /// The unread count the terminal's title was last set to.
    pub title_unread: Option<u32>,
    /// "All" followed by each channel present.
    pub channels: Vec<ChannelEntry>,
    pub channel_selected: usize,
    pub channel_offset: usize,
    /// The conversation list as shown: filtered by channel and text, newest activity first.
    pub conversations: Vec<ConversationKey>,
    /// Where each row of `conversations` sorts, kept beside it so a row moves without lookups.
    pub(super) conversation_orders: Vec<super::listing::Order>,
    /// Selected conversation (kept by key so it survives re-sorting).
    pub selected: Option<ConversationKey>,
    /// First conversation row shown.
    pub list_offset: usize,
    /// The conversation shown in the thread pane.
    pub open: Option<ConversationKey>,
    /// Lines scrolled up from the newest message (0 follows new messages).
    pub thread_scroll: usize,
    /// The first message that was unread when the conversation was opened.
    pub unread_marker: Option<String>,
    /// Text filter over the conversation list.
    pub filter: String,
    /// The filter prompt has the keyboard.
    pub filtering: bool,
    /// The contact picker overlay, when open.
    pub contact_picker: Option<super::contacts::ContactPicker>,
    /// The message the reply being written answers: its conversation and the quoted line.
    pub replying_to: Option<(ConversationKey, String)>,
    /// The command palette, while it is open.
    pub palette: Option<super::palette::PaletteState>,
    /// What the palette ran lately, most recent first (listed first on an empty query).
    pub palette_recent: Vec<super::palette::Target>,
    /// The links of the selected message, listed to pick one to open.
    pub link_picker: Option<super::links::LinkPicker>,
    /// Only conversations in this status are listed (`None`: all).
    pub status_filter: Option<ConversationStatus>,
    /// The draft of the open conversation.
    pub composer: Composer,
    /// Drafts of the other conversations, restored when they are opened again.
    pub drafts: HashMap<ConversationKey, Composer>,
    /// The open conversation's draft as last written to the store.
    pub draft_saved: String,
    /// Whether that draft was written as a note.
    pub draft_saved_note: bool,
    /// The conversations whose kept draft is a private note, not a reply.
    pub note_drafts: std::collections::HashSet<ConversationKey>,
    /// The assignee, label or priority picker, while it is open.
    pub work_picker: Option<super::workflow::WorkPicker>,
    /// Conversations listed by who has them (`V`).
    pub assignee_view: super::workflow::AssigneeView,
    /// Only conversations with this label are listed (`#`).
    pub label_filter: Option<String>,
    /// The most urgent first (`O`), newest activity within a priority.
    pub by_priority: bool,
    /// The row a workflow change was made on: it stays in a view the change takes it out of
    /// until the cursor leaves it.
    pub keep_listed: Option<ConversationKey>,
    /// Whom `m` took a conversation from, so `m` again gives it back.
    pub taken_from: HashMap<ConversationKey, String>,
    /// Workflow changes sent and not yet answered, by conversation: what the notice said.
    pub work_asked: HashMap<ConversationKey, String>,
    /// The status picker (`z`), while it is open.
    pub status_picker: Option<super::snooze::StatusPicker>,
    /// Quitting was asked for with work unsent: the next key answers.
    pub confirm_quit: Option<crate::model::Timestamp>,
    /// The composer writes a private note, not a reply.
    pub noting: bool,
    /// The list shows only conversations with unread messages (and the open one).
    pub unread_only: bool,
    /// When we last told the open conversation that the agent is typing.
    pub typing_sent_at: Option<Timestamp>,
    pub help: bool,
    /// Rows the help overlay is scrolled down by (the view clamps it to what there is).
    pub help_scroll: usize,
    /// More than one account holds conversations: the filter also matches account names.
    pub several_accounts: bool,
    /// Whether the insights pane shows; `None`: where there is room for it (160 columns and
    /// more). `I` sets it to the opposite of what is on screen.
    pub insights_visible: Option<bool>,
    pub insights_tab: InsightTab,
    /// The user picked `insights_tab` (with `]`/`[`); until then the pane opens on the first
    /// tab that has something in it.
    pub insights_tab_chosen: bool,
    /// The selected row of the current insight tab.
    pub insights_selected: usize,
    /// The message an insight jumped to, highlighted in the thread.
    pub highlight: Option<String>,
    /// A jump waits for the thread view to report the scroll that shows `highlight`.
    pub jump_pending: bool,
    /// As `insights_visible`, for the details pane (`D`).
    pub details_visible: Option<bool>,
    /// What the last frame laid out.
    pub layout: LayoutInfo,
    /// The message cursor of the thread pane (a message id of the open conversation).
    pub selected_message: Option<String>,
    /// The overlay of a search over every message (Ctrl+F).
    pub search: Option<super::search::SearchState>,
    /// A search inside the open thread (`/` with the thread focused).
    pub thread_search: Option<super::search::ThreadSearch>,
    /// Searches asked so far (each answer carries its request's number).
    pub searches_asked: u64,
    /// The saved view in force (`[[view]]`, chosen with 1–9 or the palette).
    pub saved_view: Option<super::saved_views::ActiveView>,
    /// A window on the open thread's history, shown instead of the thread (a search hit far
    /// older than what the thread holds).
    pub history: Option<super::history::HistoryWindow>,
    /// A message to keep in place on screen while what lies below it changes.
    pub pin: Option<super::history::Pin>,
    /// A delete waiting for the user's `y`: conversation and message id.
    pub confirm_delete: Option<(ConversationKey, String)>,
    /// USSD / voice options of the next reply (end the session, wait-for key).
    pub reply_options: super::reply_options::ReplyOptions,
}

impl ViewState {
    pub fn selected_channel(&self) -> Option<&Channel> {
        self.channels
            .get(self.channel_selected)
            .and_then(|e| e.channel.as_ref())
    }

    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.selected.as_ref()?;
        self.conversations.iter().position(|k| k == selected)
    }

    /// Conversations that fit in the list pane.
    pub fn visible_conversations(&self) -> usize {
        let rows = self.layout.conversation_rows.max(1);
        usize::from(self.layout.conversations.height / rows).max(1)
    }

    /// Scrolls the list so the selected conversation is on screen.
    pub fn keep_selection_visible(&mut self) {
        self.keep_index_visible(self.selected_index().unwrap_or(0));
    }

    /// Scrolls the list so the row at `index` (the selected one) is on screen.
    pub(super) fn keep_index_visible(&mut self, index: usize) {
        let visible = self.visible_conversations();
        if index < self.list_offset {
            self.list_offset = index;
        } else if index >= self.list_offset + visible {
            self.list_offset = index + 1 - visible;
        }
        let max_offset = self.conversations.len().saturating_sub(visible);
        self.list_offset = self.list_offset.min(max_offset);

        let channel_rows = usize::from(self.layout.channels.height).max(1);
        if self.channel_selected < self.channel_offset {
            self.channel_offset = self.channel_selected;
        } else if self.channel_selected >= self.channel_offset + channel_rows {
            self.channel_offset = self.channel_selected + 1 - channel_rows;
        }
    }
}

/// The status filter after `current`: open, pending, resolved, snoozed, then all again.
pub fn next_status_filter(current: Option<ConversationStatus>) -> Option<ConversationStatus> {
    match current {
        None => Some(ConversationStatus::Open),
        Some(ConversationStatus::Open) => Some(ConversationStatus::Pending),
        Some(ConversationStatus::Pending) => Some(ConversationStatus::Resolved),
        Some(ConversationStatus::Resolved) => Some(ConversationStatus::Snoozed),
        Some(ConversationStatus::Snoozed | ConversationStatus::Closed) => None,
    }
}
