//! Keys and the default key map: a pure table from (where the focus is, key) to an [`Action`].
//! `[keys]` of the config changes it (see [`super::keymap`]); the help overlay, the hints and
//! the notices are generated from the live map, so they never disagree with what keys do.

/// A key as the app sees it (the runtime converts terminal events into this).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: Mods,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            mods: Mods {
                ctrl: false,
                alt: false,
                shift: false,
            },
        }
    }
    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: Mods {
                ctrl: true,
                alt: false,
                shift: false,
            },
        }
    }
    pub const fn alt(code: KeyCode) -> Self {
        Self {
            code,
            mods: Mods {
                ctrl: false,
                alt: true,
                shift: false,
            },
        }
    }

    /// How the key is written in the help overlay.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            // Ctrl+C, as keyboards and manuals write it (the key is the same either case).
            KeyCode::Char(c) if self.mods.ctrl => c.to_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift+Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
        };
        let mut label = String::new();
        if self.mods.ctrl {
            label.push_str("Ctrl+");
        }
        if self.mods.alt {
            label.push_str("Alt+");
        }
        // Shift shows with the keys it does not change into others (letters, Shift+Tab).
        if self.mods.shift && !matches!(self.code, KeyCode::Char(_) | KeyCode::BackTab) {
            label.push_str("Shift+");
        }
        label.push_str(&base);
        label
    }
}

/// What the user asked for. Produced by the key map, the mouse, or tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Open the selected channel/conversation, or send from the composer.
    Activate,
    /// Start writing a reply in the open conversation.
    Compose,
    NextConversation,
    PrevConversation,
    StartFilter,
    ToggleInsights,
    ToggleDetails,
    NextInsightTab,
    PrevInsightTab,
    Refresh,
    /// Delete the selected message of the thread (asks for confirmation first).
    DeleteMessage,
    /// Open the selected message's media with the system opener.
    OpenMedia,
    /// Ask what the conversation's contact can receive on its channel.
    Capability,
    /// Copy the selected message's text to the clipboard (through the terminal, OSC 52).
    CopyMessage,
    /// Send the open conversation's failed replies again.
    RetryFailed,
    /// Drop the open conversation's failed replies.
    DiscardFailed,
    /// Leave the composer, the filter, or an overlay.
    Back,
    /// USSD / voice: end the session with the next reply (or not).
    ToggleEndSession,
    /// Voice: cycle the key the call waits for before answering (#, *, none).
    CycleWaitFor,
    /// Resolve the selected conversation, or reopen it when it is resolved.
    ToggleResolved,
    /// Show only open, pending, resolved or snoozed conversations, then all again.
    CycleStatusFilter,
    /// Open the contact picker.
    OpenContacts,
    /// In the contact picker: the selected contact's next channel.
    NextContactChannel,
    /// In the contact picker: the new-contact form.
    NewContact,
    /// Ask the assistant for a summary of the open conversation.
    AssistSummary,
    /// Ask the assistant for a reply, streamed into the composer as a draft.
    AssistReply,
    /// Show the assistant's insights (asking for them when they are missing or stale), or the
    /// local engine's again.
    AssistInsights,
    /// Editing a line of text (the composer, the filter, the pickers' prompts).
    NewLine,
    CursorLeft,
    CursorRight,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    ClearLine,
    DeleteWord,
    /// Say yes to the question asked (deleting a message).
    Confirm,
    /// Write the reply in `$VISUAL` / `$EDITOR`; it comes back into the composer.
    EditInEditor,
    /// Stop the process (Ctrl+Z), back with the shell's `fg`.
    Suspend,
    /// Reply to the selected message: the reply quotes it.
    ReplyToMessage,
    /// The command palette: every action and conversation, fuzzy matched.
    OpenPalette,
    /// Search every stored message.
    SearchAll,
    /// The next (older) hit of the thread's search.
    NextHit,
    /// The previous (newer) hit of the thread's search.
    PrevHit,
    /// Write a private note in the open conversation (the team sees it, the customer never).
    ComposeNote,
    /// In the composer: switch between a reply and a private note.
    ToggleNote,
    /// Mark the conversation unread (the open one closes so the mark holds).
    MarkUnread,
    /// Open the next conversation with unread messages, in any channel.
    NextUnread,
    /// Show only the conversations with unread messages, or all again.
    ToggleUnreadView,
    /// Set the conversation's status: open, pending, resolved, or snoozed until a time.
    ChangeStatus,
    /// Take the conversation (or give it back when it is already mine).
    AssignToMe,
    /// Give the conversation to an agent picked from the platform's list, or to nobody.
    Assign,
    /// Add and remove the conversation's labels (typing a new one creates it).
    EditLabels,
    /// Set the conversation's priority: none, low, medium, high, urgent.
    SetPriority,
    /// List all conversations, mine, or the unassigned ones.
    CycleAssigneeView,
    /// List only the conversations with one label.
    FilterByLabel,
    /// List the most urgent first, or the newest first.
    TogglePrioritySort,
}

impl Action {
    /// The keys that edit a line of text (the composer's and the prompts' own).
    pub fn is_editing(self) -> bool {
        matches!(
            self,
            Action::NewLine
                | Action::CursorLeft
                | Action::CursorRight
                | Action::LineStart
                | Action::LineEnd
                | Action::DeleteBack
                | Action::DeleteForward
                | Action::ClearLine
                | Action::DeleteWord
        )
    }
}

/// Where keys are interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyContext {
    /// Anywhere, even while typing (only modified keys live here).
    Global,
    /// Any pane but the composer and the filter prompt.
    Browse,
    /// The composer has the focus: printable keys are text.
    Compose,
    /// The contact picker is open.
    Contacts,
    /// Actions on a message (the thread's message cursor) or its contact; looked up while
    /// browsing, listed in the help under their own heading.
    Message,
    /// A one-line prompt: the conversation filter, the contact search and the new-contact form.
    Prompt,
    /// The help overlay is open.
    Help,
    /// A yes/no question is asked (deleting a message): its yes key; any other says no.
    Confirm,
    /// A search of the open thread has hits and the thread has the focus: looked up first.
    Found,
}

impl KeyContext {
    /// Every context, in the order `switchboard keys` prints them.
    pub const ALL: [KeyContext; 9] = [
        KeyContext::Global,
        KeyContext::Browse,
        KeyContext::Message,
        KeyContext::Found,
        KeyContext::Compose,
        KeyContext::Prompt,
        KeyContext::Contacts,
        KeyContext::Help,
        KeyContext::Confirm,
    ];

    /// Its name in `[keys.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Browse => "browse",
            KeyContext::Compose => "compose",
            KeyContext::Contacts => "contacts",
            KeyContext::Message => "message",
            KeyContext::Prompt => "prompt",
            KeyContext::Help => "help",
            KeyContext::Confirm => "confirm",
            KeyContext::Found => "found",
        }
    }

    /// The contexts whose bindings are looked up together (so one key must not do two things
    /// across them): the message keys work while browsing.
    pub fn layer(self) -> KeyContext {
        match self {
            KeyContext::Message => KeyContext::Browse,
            other => other,
        }
    }
}

pub struct Binding {
    pub context: KeyContext,
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
}

use KeyCode as K;

/// The key map, in the order the help overlay lists it.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    Binding { context: KeyContext::Global, keys: &[Key::ctrl('c')], action: Action::Quit, help: "quit" },
    Binding { context: KeyContext::Global, keys: &[Key::alt(K::Char('j')), Key::alt(K::Down)], action: Action::NextConversation, help: "next conversation" },
    Binding { context: KeyContext::Global, keys: &[Key::alt(K::Char('k')), Key::alt(K::Up)], action: Action::PrevConversation, help: "previous conversation" },
    Binding { context: KeyContext::Global, keys: &[Key::plain(K::PageUp)], action: Action::PageUp, help: "scroll thread up a page" },
    Binding { context: KeyContext::Global, keys: &[Key::plain(K::PageDown)], action: Action::PageDown, help: "scroll thread down a page" },
    Binding { context: KeyContext::Global, keys: &[Key::ctrl('z')], action: Action::Suspend, help: "suspend (fg brings it back)" },
    Binding { context: KeyContext::Global, keys: &[Key::ctrl('k')], action: Action::OpenPalette, help: "palette: every action and conversation" },
    Binding { context: KeyContext::Global, keys: &[Key::alt(K::Char('u'))], action: Action::NextUnread, help: "next unread conversation" },
    Binding { context: KeyContext::Global, keys: &[Key::ctrl('f')], action: Action::SearchAll, help: "search every message" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('q')], action: Action::Quit, help: "quit" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('?')], action: Action::ToggleHelp, help: "this help" },
    Binding { context: KeyContext::Browse, keys: &[Key::plain(K::Tab)], action: Action::FocusNext, help: "focus next pane" },
    Binding { context: KeyContext::Browse, keys: &[Key::plain(K::BackTab)], action: Action::FocusPrev, help: "focus previous pane" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('j'), Key::plain(K::Down)], action: Action::Down, help: "down" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('k'), Key::plain(K::Up)], action: Action::Up, help: "up" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('g'), Key::plain(K::Home)], action: Action::Top, help: "first / oldest" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('G'), Key::plain(K::End)], action: Action::Bottom, help: "last / newest" },
    Binding { context: KeyContext::Browse, keys: &[Key::plain(K::Enter)], action: Action::Activate, help: "open channel or conversation" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('i'), Key::ch('r')], action: Action::Compose, help: "reply (on the list: to the row you are on)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('e')], action: Action::EditInEditor, help: "write the reply in $EDITOR" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('n')], action: Action::ComposeNote, help: "private note (never sent to the customer)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('u')], action: Action::MarkUnread, help: "mark unread" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('U')], action: Action::ToggleUnreadView, help: "only unread conversations / all" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('/')], action: Action::StartFilter, help: "filter conversations (in the thread: search it)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch(':')], action: Action::OpenPalette, help: "palette" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('I')], action: Action::ToggleInsights, help: "show/hide insights" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('D')], action: Action::ToggleDetails, help: "show/hide contact details" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch(']')], action: Action::NextInsightTab, help: "next insight tab" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('[')], action: Action::PrevInsightTab, help: "previous insight tab" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('R')], action: Action::Refresh, help: "resync every account" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('s')], action: Action::ToggleResolved, help: "resolve / reopen" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('F')], action: Action::CycleStatusFilter, help: "filter by status" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('z')], action: Action::ChangeStatus, help: "status: open, pending, resolved, snooze until…" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('c')], action: Action::OpenContacts, help: "contacts" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('m')], action: Action::AssignToMe, help: "assign to me / unassign" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('A')], action: Action::Assign, help: "assign to… (an agent, nobody)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('L')], action: Action::EditLabels, help: "labels (tags): add, remove, create" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('P')], action: Action::SetPriority, help: "priority" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('V')], action: Action::CycleAssigneeView, help: "view: all, mine, unassigned" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('#')], action: Action::FilterByLabel, help: "filter by label (tag)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('O')], action: Action::TogglePrioritySort, help: "sort: most urgent first / newest first" },
    Binding { context: KeyContext::Found, keys: &[Key::ch('n')], action: Action::NextHit, help: "next hit (older)" },
    Binding { context: KeyContext::Found, keys: &[Key::ch('N')], action: Action::PrevHit, help: "previous hit (newer)" },
    Binding { context: KeyContext::Found, keys: &[Key::plain(K::Esc)], action: Action::Back, help: "end the search" },
    Binding { context: KeyContext::Message, keys: &[Key::ch('x')], action: Action::DeleteMessage, help: "delete (asks first)" },
    Binding { context: KeyContext::Message, keys: &[Key::ch('o')], action: Action::OpenMedia, help: "open its media or links" },
    Binding { context: KeyContext::Message, keys: &[Key::ch('C')], action: Action::Capability, help: "capability lookup" },
    Binding { context: KeyContext::Message, keys: &[Key::ch('y')], action: Action::CopyMessage, help: "copy its text" },
    Binding { context: KeyContext::Message, keys: &[Key::ch('>')], action: Action::ReplyToMessage, help: "reply to it (quoting it)" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('T')], action: Action::RetryFailed, help: "retry failed replies here" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('X')], action: Action::DiscardFailed, help: "discard unsent replies here" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('S')], action: Action::AssistSummary, help: "AI: summarise" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('a')], action: Action::AssistReply, help: "AI: suggest a reply" },
    Binding { context: KeyContext::Browse, keys: &[Key::ch('E')], action: Action::AssistInsights, help: "AI: insights / back to local" },
    Binding { context: KeyContext::Browse, keys: &[Key::plain(K::Esc)], action: Action::Back, help: "close / clear filter / stop AI" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Enter)], action: Action::Activate, help: "send reply" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Esc)], action: Action::Back, help: "leave composer (stops an AI suggestion)" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Tab)], action: Action::FocusNext, help: "next pane (the draft is kept)" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::BackTab)], action: Action::FocusPrev, help: "previous pane" },
    Binding { context: KeyContext::Compose, keys: &[Key::alt(K::Enter)], action: Action::NewLine, help: "new line" },
    Binding { context: KeyContext::Compose, keys: &[Key::ctrl('x')], action: Action::EditInEditor, help: "continue in $EDITOR" },
    Binding { context: KeyContext::Compose, keys: &[Key::alt(K::Char('n'))], action: Action::ToggleNote, help: "reply / private note" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Left)], action: Action::CursorLeft, help: "cursor left" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Right)], action: Action::CursorRight, help: "cursor right" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Home), Key::ctrl('a')], action: Action::LineStart, help: "start of the line" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::End), Key::ctrl('e')], action: Action::LineEnd, help: "end of the line" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Backspace)], action: Action::DeleteBack, help: "delete back" },
    Binding { context: KeyContext::Compose, keys: &[Key::plain(K::Delete)], action: Action::DeleteForward, help: "delete forward" },
    Binding { context: KeyContext::Compose, keys: &[Key::ctrl('u')], action: Action::ClearLine, help: "clear the draft" },
    Binding { context: KeyContext::Compose, keys: &[Key::ctrl('w'), Key::alt(K::Backspace)], action: Action::DeleteWord, help: "delete the word before" },
    Binding { context: KeyContext::Compose, keys: &[Key::alt(K::Char('e'))], action: Action::ToggleEndSession, help: "end USSD/voice session" },
    Binding { context: KeyContext::Compose, keys: &[Key::alt(K::Char('w'))], action: Action::CycleWaitFor, help: "voice wait-for key" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Enter)], action: Action::Activate, help: "done (search, or save the form)" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Esc)], action: Action::Back, help: "cancel" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Backspace)], action: Action::DeleteBack, help: "delete back" },
    Binding { context: KeyContext::Prompt, keys: &[Key::ctrl('u')], action: Action::ClearLine, help: "clear" },
    Binding { context: KeyContext::Prompt, keys: &[Key::ctrl('w'), Key::alt(K::Backspace)], action: Action::DeleteWord, help: "delete the word before" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Down)], action: Action::Down, help: "next (result or field)" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Up)], action: Action::Up, help: "previous (result or field)" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::Tab)], action: Action::FocusNext, help: "next field" },
    Binding { context: KeyContext::Prompt, keys: &[Key::plain(K::BackTab)], action: Action::FocusPrev, help: "previous field" },
    Binding { context: KeyContext::Contacts, keys: &[Key::ch('/')], action: Action::StartFilter, help: "search" },
    Binding { context: KeyContext::Contacts, keys: &[Key::plain(K::Tab)], action: Action::NextContactChannel, help: "next channel" },
    Binding { context: KeyContext::Contacts, keys: &[Key::plain(K::Enter)], action: Action::Activate, help: "start conversation" },
    Binding { context: KeyContext::Contacts, keys: &[Key::ch('n')], action: Action::NewContact, help: "new contact" },
    Binding { context: KeyContext::Contacts, keys: &[Key::plain(K::Esc)], action: Action::Back, help: "close" },
    Binding { context: KeyContext::Help, keys: &[Key::plain(K::Esc), Key::plain(K::Enter), Key::ch('?'), Key::ch('q')], action: Action::Back, help: "close the help" },
    Binding { context: KeyContext::Help, keys: &[Key::ch('j'), Key::plain(K::Down)], action: Action::Down, help: "scroll down" },
    Binding { context: KeyContext::Help, keys: &[Key::ch('k'), Key::plain(K::Up)], action: Action::Up, help: "scroll up" },
    Binding { context: KeyContext::Help, keys: &[Key::plain(K::PageDown), Key::ch(' ')], action: Action::PageDown, help: "page down" },
    Binding { context: KeyContext::Help, keys: &[Key::plain(K::PageUp)], action: Action::PageUp, help: "page up" },
    Binding { context: KeyContext::Help, keys: &[Key::ch('g'), Key::plain(K::Home)], action: Action::Top, help: "top" },
    Binding { context: KeyContext::Help, keys: &[Key::ch('G'), Key::plain(K::End)], action: Action::Bottom, help: "bottom" },
    Binding { context: KeyContext::Confirm, keys: &[Key::ch('y')], action: Action::Confirm, help: "yes (any other key: no)" },
];

/// Terminals report Shift with upper-case letters inconsistently; the letter itself says it.
pub fn normalise(mut key: Key) -> Key {
    if let KeyCode::Char(_) = key.code {
        key.mods.shift = false;
    }
    if key.code == KeyCode::BackTab {
        key.mods.shift = false;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::super::keymap::KeyMap;
    use super::*;

    #[test]
    fn plain_letters_do_nothing_while_composing() {
        let map = KeyMap::default();
        for c in ['q', 'j', 'k', '?', '/', 'I', 'g', 'G'] {
            assert_eq!(map.lookup(KeyContext::Compose, Key::ch(c)), None, "{c}");
        }
        assert_eq!(
            map.lookup(KeyContext::Compose, Key::ctrl('c')),
            Some(Action::Quit)
        );
        assert_eq!(
            map.lookup(KeyContext::Browse, Key::ch('q')),
            Some(Action::Quit)
        );
    }

    #[test]
    fn shifted_letters_match_regardless_of_the_shift_flag() {
        let shifted = Key {
            code: KeyCode::Char('G'),
            mods: Mods {
                shift: true,
                ..Mods::default()
            },
        };
        assert_eq!(
            KeyMap::default().lookup(KeyContext::Browse, shifted),
            Some(Action::Bottom)
        );
    }
}
