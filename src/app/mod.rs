//! All state of the inbox and the one reducer, [`App::apply`].
//!
//! The contract: `apply` is the only way state changes; it does no IO, never awaits and never
//! reads the clock (the time of an event is passed in). What it wants done in the world comes
//! back as [`Effect`]s for the runtime to execute. This module imports nothing from tokio,
//! ratatui, crossterm, reqwest or std::fs (a test in `tests/architecture.rs` checks it).
//!
//! Files, by what they hold:
//! - data and merge rules: `inbox`, `thread`, `typing`, `status`, `outbox`, `paging` (long
//!   threads a page at a time from the store), `history` (a window on a thread's history
//!   around a search hit far back), `resident` (how much of each thread stays in
//!   memory), `remote_insights` (Symbl's, beside the local engine's);
//! - what arrives: `provider` (provider events → state), `persist` (→ store requests),
//!   `assist` (the assistant's answers), `alerts` (notifications and the window title);
//! - the agent's hands: `keys` (actions and default bindings), `keymap` (the live map with the
//!   config's `[keys]`), `input` (keys, mouse, paste and layout → state), `palette`,
//!   `composer`, `reply_options` (USSD and voice reply options), `cursor` (the message cursor
//!   and its actions), `links`, `contacts`, `status_actions` (resolve and reopen), `snooze` (the status
//!   picker: open, pending, resolved, snoozed until a time), `queue` (private
//!   notes, unread by hand, the next unread), `drafts` (kept across restarts; quitting
//!   with work unsent asks), `canned` (saved replies), `team` (who this inbox works as, the
//!   agents and labels of each account), `workflow` (assignment, labels, priority, and the
//!   list's views over them), `search` (every stored message, and the open thread, through
//!   the store's index), `search_remote` (the platforms' contacts for the same words),
//!   `saved_views` (`[[view]]`: named filters in the search's words);
//! - what the views read: `view` (focus, selection, scroll, filter), `listing` (the channel
//!   counts and the conversation list, recomputed or moved a row at a time), `insights` (the
//!   insight pane's tabs and rows).

pub mod alerts;
pub mod assist;
pub mod canned;
pub mod composer;
pub mod contacts;
mod cursor;
mod drafts;
pub mod history;
pub mod inbox;
mod input;
pub mod insights;
pub mod keymap;
pub mod keys;
pub mod links;
mod listing;
pub mod outbox;
pub mod paging;
pub mod palette;
mod persist;
mod provider;
mod queue;
pub mod remote_insights;
pub mod reply_options;
mod resident;
pub mod saved_views;
pub mod search;
pub mod search_remote;
pub mod snooze;
pub mod status;
mod status_actions;
pub mod team;
pub mod thread;
pub mod typing;
pub mod view;
pub mod workflow;

use std::sync::Arc;

use time::Duration;

pub use self::keys::{Action, Key, KeyCode, Mods};
use self::remote_insights::RemoteInsights;
pub use self::view::{Focus, LayoutInfo, Rect, ThreadAnchor, ViewState};
use self::{inbox::Inbox, status::StatusState, typing::TypingState};
use crate::contract::provider::{AccountEvent, ProviderCommand};
use crate::contract::store::{StoreEvent, StoreRequest};
use crate::insights::TrackerSpec;
use crate::model::{AccountId, ConversationKey, Message, Timestamp};

/// Everything that can happen to the app.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Key(Key),
    Mouse(Mouse),
    /// Bracketed paste into the composer or the filter.
    Paste(String),
    /// What the last frame laid out (pane rectangles, visible rows), fed back by the runtime so
    /// paging and mouse hit-testing are decided here rather than inside the view.
    Layout(LayoutInfo),
    /// What the providers said, in arrival order, applied as one batch: derived state (the
    /// channel and conversation lists, resident threads) settles once for the batch instead
    /// of once per event, which is what keeps ingest fast with thousands of conversations.
    Providers(Vec<AccountEvent>),
    /// A second passed: expire typing indicators and notices, refresh relative times.
    Tick,
    /// What the local store answered (the cached inbox, a durable reply, a failed write).
    Store(StoreEvent),
    /// A reply asked for outside the keyboard (`switchboard send`, scripts): it goes through
    /// the outbox like one typed in the composer.
    Reply {
        conversation: crate::model::ConversationKey,
        text: String,
    },
    /// News from the assistant about a request the app made.
    Assist(crate::contract::assist::Update),
    /// The draft of this conversation came back from the external editor (or why it could
    /// not be edited).
    Edited {
        conversation: ConversationKey,
        result: Result<String, String>,
    },
    /// The terminal was handed over and taken back: what it was told (its title) and what it
    /// said (its focus) is no longer known.
    TerminalReset,
    /// Paging through a long message ended (or why it could not start).
    Paged(Result<(), String>),
    /// The terminal gained (true) or lost the focus (its focus reports).
    TerminalFocus(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    ScrollUp,
    ScrollDown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

/// Work the runtime does on the app's behalf.
// Effects are handed to the executor at once; a store write is the large one, and boxing it
// would allocate on every state change for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Provider {
        account: AccountId,
        command: ProviderCommand,
    },
    /// Ask the remote insight source (Symbl) to analyse this conversation's thread.
    AnalyseInsights {
        conversation: ConversationKey,
        messages: Vec<Message>,
    },
    /// A write for the local store (only when one is attached: `AppSettings::store`).
    Store(StoreRequest),
    Quit,
    /// Open a web link (media of a message) with the system opener, without waiting for it.
    OpenUrl(String),
    /// Start or cancel a request to the assistant.
    Assist(crate::contract::assist::Command),
    /// Put text on the clipboard (the terminal's, by OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Hand the terminal over for a while (the reader paused, the screen restored after).
    Terminal(TerminalJob),
    /// Tell the agent, who is not looking (the bell, a desktop notification, a command).
    Notify {
        title: String,
        body: String,
    },
    /// The terminal window's title.
    Title(String),
}

/// What the terminal is handed over for.
#[derive(Clone, Debug, PartialEq)]
pub enum TerminalJob {
    /// Edit this conversation's draft in `$VISUAL` / `$EDITOR`; the result comes back as
    /// `Event::Edited`.
    Edit {
        conversation: ConversationKey,
        draft: String,
    },
    /// Ctrl+Z: stop the process until the shell's `fg`.
    Suspend,
    /// Page through the whole of a long message kept aside under this token (`$PAGER`).
    Page(String),
}

/// Settings the reducer needs (from config).
#[derive(Clone, Debug)]
pub struct AppSettings {
    /// Send typing indicators while the agent writes (`[ui] send_typing`, on by default).
    pub send_typing: bool,
    /// Minimum time between two `typing started` sends.
    pub typing_throttle: Duration,
    /// How long an incoming typing indicator lasts without news.
    pub typing_ttl: Duration,
    /// The vocabulary groups the insight engine counts (`[insights]` of the config).
    pub insight_trackers: Arc<[TrackerSpec]>,
    /// A local store is attached: state changes are persisted, and replies go through the
    /// outbox (stored before they are sent, retried, kept across restarts).
    pub store: bool,
    /// Open the newest conversation once the first sync lands (the embedded demo: a first run
    /// shows a conversation, not empty panes).
    pub open_first: bool,
    /// The local time zone's offset, read once at start (UTC in tests and recordings).
    pub utc_offset: time::UtcOffset,
    /// Times of day on a 12-hour clock (`[ui] clock = "12h"`).
    pub hour12: bool,
    /// The keys: the defaults with `[keys]` of the config over them.
    pub keymap: Arc<keymap::KeyMap>,
    /// Who is never notified about, and whether the title shows the unread count.
    pub alerts: alerts::AlertSettings,
    /// Walking the list with Alt+j/Alt+k marks each conversation read (`[ui] read_on_pass`);
    /// by default only staying with one does (its thread or composer, or a reply).
    pub read_on_pass: bool,
    /// Saved replies (`[[canned]]`).
    pub canned: Arc<[canned::CannedReply]>,
    /// How `{{agent.name}}` fills in (`[ui] agent_name`, else the login name).
    pub agent_name: String,
    /// Saved views (`[[view]]`), chosen with 1–9 and the palette.
    pub views: Arc<[saved_views::SavedView]>,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            send_typing: true,
            typing_throttle: Duration::seconds(3),
            typing_ttl: Duration::seconds(6),
            insight_trackers: Arc::from(crate::insights::trackers::default_trackers()),
            store: false,
            open_first: false,
            utc_offset: time::UtcOffset::UTC,
            keymap: Arc::default(),
            alerts: alerts::AlertSettings::default(),
            hour12: false,
            canned: Arc::from(Vec::new()),
            read_on_pass: false,
            agent_name: String::new(),
            views: Arc::from(Vec::new()),
        }
    }
}

/// The whole state of the inbox.
#[derive(Clone, Debug)]
pub struct App {
    /// The time of the latest event (views format relative times against it).
    pub now: Timestamp,
    /// Conversations and their threads.
    pub inbox: Inbox,
    /// Who is typing where.
    pub typing: TypingState,
    /// Connection state per account and notices.
    pub status: StatusState,
    /// Focus, selection, scroll, filter, composer, overlays.
    pub view: ViewState,
    /// Replies on their way out (with a store attached).
    pub outbox: outbox::Outbox,
    pub settings: AppSettings,
    /// Bumped whenever something visible changed; the runtime redraws when it moves.
    pub revision: u64,
    /// Bumped by every event except a key that changed only the palette: while it stays, what
    /// is drawn under the palette is what the last frame drew there.
    pub backdrop: u64,
    /// The event being applied changed nothing but the palette.
    palette_only: bool,
    /// Set once the user asked to quit.
    pub quitting: bool,
    /// The inbox changed and the derived lists wait to be recomputed (at the end of the event).
    lists_stale: bool,
    /// Threads that grew past what stays resident, trimmed at the end of the event (after it
    /// was written to the store, which keeps the rest).
    oversized: Vec<ConversationKey>,
    /// Insights from remote sources (Symbl), kept beside the local engine's.
    pub remote_insights: RemoteInsights,
    /// Who this inbox works as, and the agents and labels of each account.
    pub team: team::Team,
    /// The assistant's answers (summary, suggested reply, insights) per conversation.
    pub assist: assist::AssistState,
    /// Prefix of client ids, unique per run, so replies of two runs never collide.
    session: String,
    /// Counter for client ids.
    sent: u64,
}

impl Event {
    /// One provider event, as a batch of one.
    pub fn provider(event: AccountEvent) -> Self {
        Event::Providers(vec![event])
    }
}

impl App {
    pub fn new(session: impl Into<String>, settings: AppSettings, now: Timestamp) -> Self {
        let mut typing = TypingState::default();
        typing.ttl = settings.typing_ttl;
        Self {
            now,
            inbox: Inbox::with_trackers(settings.insight_trackers.clone()),
            typing,
            status: StatusState::default(),
            view: ViewState::default(),
            outbox: outbox::Outbox::default(),
            settings,
            revision: 0,
            backdrop: 0,
            palette_only: false,
            quitting: false,
            lists_stale: false,
            oversized: Vec::new(),
            remote_insights: RemoteInsights::default(),
            team: team::Team::default(),
            assist: assist::AssistState::default(),
            session: session.into(),
            sent: 0,
        }
    }

    /// Registers an account so the status bar shows it before its first event.
    pub fn add_account(&mut self, account: AccountId) {
        self.status.account_mut(&account);
        self.view.several_accounts = self.status.conversation_accounts().count() > 1;
        self.touch();
        self.backdrop = self.backdrop.wrapping_add(1);
    }

    /// Applies one event at time `now`; returns the effects to execute.
    pub fn apply(&mut self, now: Timestamp, event: Event) -> Vec<Effect> {
        let previous_minute = self.now.unix_timestamp() / 60;
        self.now = now;
        let mut effects = Vec::new();
        let opened_before = self.view.open.clone();
        // A pending question to quit may be answered or lapse on any key.
        let asked_to_quit = self.view.confirm_quit.is_some();
        match event {
            Event::Key(key) => input::key(self, key, &mut effects),
            Event::Mouse(mouse) => input::mouse(self, mouse, &mut effects),
            Event::Paste(text) => input::paste(self, &text, &mut effects),
            Event::Layout(layout) => input::layout(self, layout, &mut effects),
            Event::Providers(events) => {
                for event in events {
                    self.provider_event(event, &mut effects);
                }
                self.settle_batch(&mut effects);
                dedup_read_markers(&mut effects);
            }
            Event::Store(event) => self.store_event(event, &mut effects),
            Event::Reply { conversation, text } => {
                outbox::reply(self, conversation, text, &mut effects);
                self.touch();
            }
            Event::Assist(update) => assist::update(self, update, &mut effects),
            Event::Edited {
                conversation,
                result,
            } => input::edited(self, conversation, result, &mut effects),
            Event::Paged(Err(why)) => self.status.notify(
                status::NoticeLevel::Error,
                crate::text::sanitize_line(&why),
                now,
            ),
            Event::Paged(Ok(())) => {}
            Event::TerminalReset => {
                self.view.title_unread = None;
                self.view.terminal_focus = None;
            }
            Event::TerminalFocus(focused) => self.view.terminal_focus = Some(focused),
            Event::Tick => {
                let retried = outbox::tick(self, &mut effects);
                drafts::save_open_if_changed(self, &mut effects);
                snooze::wake_due(self, &mut effects);
                let asked = search_remote::tick(self, &mut effects);
                let expired = self.typing.expire(now) | self.status.expire(now) | retried | asked;
                // Relative times ("3m") change once a minute; typing and notices on expiry;
                // a backoff's "retry in Ns" every second.
                if expired
                    || previous_minute != now.unix_timestamp() / 60
                    || self.status.backing_off()
                {
                    self.touch();
                }
            }
        }
        // Derived state settles once per event, whatever changed it: the lists, then one
        // insight replay at most (a flood landing out of order would otherwise replay the open
        // thread once per message).
        self.settle_lists();
        self.inbox.settle_insights();
        if self.view.open != opened_before {
            self.inbox.follow_insights(self.view.open.clone());
            if let Some(previous) = &opened_before {
                assist::left(self, previous, &mut effects);
            }
        }
        // Opened and read: the store keeps it read (passing over with Alt+j does not).
        if self.settings.store
            && self.view.open != opened_before
            && self
                .view
                .open
                .as_ref()
                .and_then(|key| self.inbox.get(key))
                .is_some_and(|entry| entry.info.unread == 0)
        {
            self.persist_read_marker(&mut effects);
        }
        alerts::title(self, &mut effects);
        // Times on screen follow `now`: a new minute, or a backoff's countdown, is a change
        // under the palette too.
        let clock_moved = previous_minute != now.unix_timestamp() / 60 || self.status.backing_off();
        if !std::mem::take(&mut self.palette_only) || asked_to_quit || clock_moved {
            self.backdrop = self.backdrop.wrapping_add(1);
        }
        effects
    }

    /// After a batch of provider events: resident threads trimmed and the lists recomputed
    /// once (the first conversation opens from them when asked to).
    fn settle_batch(&mut self, effects: &mut Vec<Effect>) {
        resident::trim(self);
        self.settle_lists();
        if self.settings.open_first
            && self.view.open.is_none()
            && self.status.accounts.values().any(|a| a.last_sync.is_some())
            && let Some(first) = self.view.conversations.first().cloned()
        {
            self.settings.open_first = false;
            input::open_conversation(self, first, effects);
        }
    }

    /// Recomputes the derived lists if anything marked them stale since they were last
    /// computed; handlers only mark them.
    fn settle_lists(&mut self) {
        // A row kept in a view it had left goes once the cursor is elsewhere.
        if self.view.keep_listed.is_some() && self.view.keep_listed != self.view.selected {
            self.view.keep_listed = None;
            self.lists_stale = true;
        }
        if std::mem::take(&mut self.lists_stale) {
            self.view.refresh_lists(&self.inbox, &self.team);
        }
    }

    /// Merges one provider event; with a store attached, writes what it touched as merged.
    fn provider_event(&mut self, event: AccountEvent, effects: &mut Vec<Effect>) {
        let touched = self.settings.store.then(|| persist::touched(&event));
        // An event about one conversation moves its row; the lists are recomputed whole only
        // when that cannot be done.
        let row = match self.lists_stale {
            true => None,
            false => listing::one_conversation(&event)
                .map(|key| self.view.row_before(&self.inbox, &self.team, key)),
        };
        provider::apply(self, event, effects);
        if let Some(row) = row
            && self.lists_stale
        {
            self.lists_stale = !self.view.settle_row(&self.inbox, &self.team, row);
        }
        if let Some(touched) = touched {
            persist::persist(self, touched, effects);
        }
    }

    fn store_event(&mut self, event: StoreEvent, effects: &mut Vec<Effect>) {
        match event {
            StoreEvent::Loaded(snapshot) => persist::loaded(self, snapshot, effects),
            StoreEvent::Queued { client_id } => outbox::queued(self, &client_id, effects),
            StoreEvent::Failed(reason) => {
                self.status
                    .notify(status::NoticeLevel::Error, reason, self.now)
            }
            StoreEvent::Page {
                key,
                messages,
                exhausted,
            } => {
                paging::page(self, key.clone(), messages, exhausted, effects);
                history::join_if_reached(self, &key);
                outbox::read(self, &key, effects);
            }
            StoreEvent::Around {
                key,
                at,
                messages,
                older_exhausted,
                newer_exhausted,
            } => history::arrived(
                self,
                &key,
                &at,
                messages,
                (older_exhausted, newer_exhausted),
            ),
            StoreEvent::Found { id, hits } => search::found(self, id, hits, effects),
            StoreEvent::Indexing { done, total } => search::indexing(self, done, total),
        }
        self.touch();
    }

    /// Opening a conversation reads it: remember up to where, and its cleared unread count.
    pub(crate) fn persist_read_marker(&mut self, effects: &mut Vec<Effect>) {
        let Some(key) = self.view.open.clone() else {
            return;
        };
        let message = self
            .inbox
            .get(&key)
            .and_then(|entry| entry.thread.last())
            .map(|m| m.id.clone());
        effects.push(Effect::Store(StoreRequest::ReadMarker {
            key,
            message,
            at: self.now,
        }));
    }

    /// Marks the state as visibly changed.
    fn touch(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    fn next_client_id(&mut self) -> String {
        self.sent += 1;
        format!("{}-{}", self.session, self.sent)
    }
}

/// One read marker per conversation is enough for a batch of messages read at once.
fn dedup_read_markers(effects: &mut Vec<Effect>) {
    let mut seen = std::collections::HashSet::new();
    effects.retain(|effect| match effect {
        Effect::Provider {
            account,
            command: ProviderCommand::MarkRead { conversation },
        } => seen.insert((account.clone(), conversation.clone())),
        _ => true,
    });
}

#[cfg(test)]
mod assist_tests;
#[cfg(test)]
mod listing_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod resident_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod alerts_tests;
