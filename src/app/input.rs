//! Keys, mouse, paste and layout feedback → state changes and effects.

use super::insights;
use super::keys::{Action, Key, KeyCode, KeyContext};
use super::view::{Focus, LayoutInfo};
use super::{App, Effect, Mouse, MouseKind};
use crate::contract::provider::ProviderCommand;
use crate::model::{Content, ConversationKey, DeliveryStatus, Direction, Message};
use crate::text::sanitize;

/// Lines one wheel notch scrolls the thread.
const WHEEL_LINES: usize = 3;

pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    app.touch();
    // Quitting and suspending work everywhere, over every overlay and prompt.
    if let Some(action @ (Action::Quit | Action::Suspend)) = lookup(app, KeyContext::Global, key) {
        return perform(app, action, effects);
    }
    if let Some(asked) = app.view.confirm_quit {
        if app.now - asked <= super::drafts::ANSWER_WITHIN {
            let yes = lookup(app, KeyContext::Confirm, key) == Some(Action::Confirm)
                || lookup(app, KeyContext::Browse, key) == Some(Action::Quit);
            if super::drafts::answer_quit(app, yes) {
                perform(app, Action::Quit, effects);
            }
            return;
        }
        // Unanswered for long: the question lapsed, and this key is an ordinary one.
        super::drafts::answer_quit(app, false);
    }
    if app.view.palette.is_some() {
        super::palette::key(app, key, effects);
        return;
    }
    if app.view.search.is_some() {
        super::search::key(app, key, effects);
        return;
    }
    if app.view.status_picker.is_some() {
        super::snooze::key(app, key, effects);
        return;
    }
    if app.view.work_picker.is_some() {
        super::workflow::key(app, key, effects);
        return;
    }
    if app.view.help {
        help_key(app, key, effects);
        return;
    }
    if app.view.contact_picker.is_some() {
        super::contacts::key(app, key, effects);
        return;
    }
    if app.view.link_picker.is_some() {
        super::links::key(app, key, effects);
        return;
    }
    if app.view.filtering {
        filter_key(app, key, effects);
        return;
    }
    if app.view.thread_search.as_ref().is_some_and(|s| s.typing) {
        super::search::thread_prompt_key(app, key, effects);
        return;
    }
    if app.view.confirm_delete.is_some() {
        let yes = lookup(app, KeyContext::Confirm, key);
        if yes == Some(Action::Quit) {
            return perform(app, Action::Quit, effects);
        }
        super::cursor::confirm(app, yes == Some(Action::Confirm), effects);
        return;
    }
    if super::search::found_key(app, key, effects) {
        return;
    }
    // The digits choose a saved view wherever they do nothing else.
    if app.view.focus != Focus::Composer
        && let KeyCode::Char(digit @ '0'..='9') = key.code
        && !key.mods.ctrl
        && !key.mods.alt
        && lookup(app, KeyContext::Browse, key).is_none()
    {
        let index = digit.to_digit(10).and_then(|n| (n as usize).checked_sub(1));
        return super::saved_views::choose(app, index);
    }
    let context = if app.view.focus == Focus::Composer {
        KeyContext::Compose
    } else {
        KeyContext::Browse
    };
    match lookup(app, context, key) {
        Some(action) if context == KeyContext::Compose && action.is_editing() => {
            composer_edit(app, action, effects);
        }
        // Tab after a `/shortcode` puts the saved reply in; otherwise it moves on.
        Some(Action::FocusNext)
            if context == KeyContext::Compose && super::canned::expand_at_cursor(app) =>
        {
            composer_edited(app, effects);
        }
        Some(action) => perform(app, action, effects),
        None if context == KeyContext::Compose => composer_type(app, key, effects),
        None => {}
    }
}

pub(super) fn lookup(app: &App, context: KeyContext, key: Key) -> Option<Action> {
    app.settings.keymap.lookup(context, key)
}

/// How the first key of `action` is written, for notices that name it.
pub(super) fn key_label(app: &App, context: KeyContext, action: Action) -> String {
    app.settings.keymap.label(context, action)
}

/// The help overlay scrolls (it is longer than a small terminal) and closes on its back keys;
/// other keys do nothing, so a stray one does not close it unread.
fn help_key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = lookup(app, KeyContext::Help, key);
    let view = &mut app.view;
    // As far as the last frame showed there is to scroll (before any frame: not far).
    let most = view.layout.help_last_scroll.unwrap_or(0);
    match action {
        Some(Action::Quit) => perform(app, Action::Quit, effects),
        Some(Action::Back) => view.help = false,
        Some(Action::Down) => view.help_scroll = (view.help_scroll + 1).min(most),
        Some(Action::Up) => view.help_scroll = view.help_scroll.saturating_sub(1),
        Some(Action::PageDown) => view.help_scroll = (view.help_scroll + 10).min(most),
        Some(Action::PageUp) => view.help_scroll = view.help_scroll.saturating_sub(10),
        Some(Action::Top) => view.help_scroll = 0,
        Some(Action::Bottom) => view.help_scroll = most,
        _ => {}
    }
}

/// What a prompt's key does to its line of text: `None` when the key is not an edit.
pub(super) fn edit_line(line: &mut String, action: Option<Action>, key: Key) -> Option<()> {
    match action {
        Some(Action::DeleteBack) => {
            line.pop();
        }
        Some(Action::ClearLine) => line.clear(),
        Some(Action::DeleteWord) => {
            let kept = line.trim_end().len();
            let word = line[..kept]
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(i, c)| i + c.len_utf8());
            line.truncate(word);
        }
        Some(_) => return None,
        None => match key.code {
            KeyCode::Char(c) if !key.mods.ctrl && !key.mods.alt => line.push(c),
            _ => return None,
        },
    }
    Some(())
}

fn filter_key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = lookup(app, KeyContext::Prompt, key);
    match action {
        Some(Action::Activate) => app.view.filtering = false,
        Some(Action::Back) => {
            app.view.filtering = false;
            app.view.filter.clear();
        }
        Some(Action::Quit) => return perform(app, Action::Quit, effects),
        Some(action @ (Action::Down | Action::Up)) => return perform(app, action, effects),
        _ => {
            if edit_line(&mut app.view.filter, action, key).is_none() {
                return;
            }
        }
    }
    app.lists_stale = true;
}

fn composer_edit(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    // The agent works on the draft: a suggestion still arriving is theirs now.
    super::assist::take_over(app, effects);
    let composer = &mut app.view.composer;
    let edited = match action {
        Action::NewLine => {
            composer.insert("\n");
            true
        }
        Action::ClearLine => {
            composer.clear();
            app.view.replying_to = None;
            true
        }
        Action::DeleteWord => composer.delete_word(),
        Action::DeleteBack => composer.backspace(),
        Action::DeleteForward => composer.delete(),
        Action::CursorLeft => {
            composer.left();
            false
        }
        Action::CursorRight => {
            composer.right();
            false
        }
        Action::LineStart => {
            composer.home();
            false
        }
        Action::LineEnd => {
            composer.end();
            false
        }
        _ => false,
    };
    if edited {
        composer_edited(app, effects);
    }
}

/// A key the map does not know, in the composer: printable characters are text.
fn composer_type(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let KeyCode::Char(c) = key.code else {
        return;
    };
    if key.mods.ctrl || key.mods.alt {
        return;
    }
    super::assist::take_over(app, effects);
    app.view.composer.insert(c.encode_utf8(&mut [0; 4]));
    composer_edited(app, effects);
}

pub(super) fn paste(app: &mut App, text: &str, effects: &mut Vec<Effect>) {
    // tmux and many terminals end pasted lines with CR alone, which the sanitiser would drop
    // (a lone CR overwrites a line): each is a line end.
    let text = sanitize(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let line = text.replace('\n', " ");
    // An overlay with a line of its own takes the paste; one without ignores it (it never
    // goes to the draft hidden behind it, nor sends "typing…").
    if let Some(picker) = app.view.work_picker.as_mut() {
        picker.typed.push_str(&line);
        picker.selected = 0;
    } else if let Some(picker) = app.view.status_picker.as_mut() {
        picker.typed.push_str(&line);
        picker.problem = None;
    } else if app.view.search.is_some() || app.view.thread_search.as_ref().is_some_and(|s| s.typing)
    {
        super::search::paste(app, &line, effects);
    } else if app.view.palette.is_some()
        || app.view.contact_picker.is_some()
        || app.view.link_picker.is_some()
        || app.view.help
    {
    } else if app.view.filtering {
        app.view.filter.push_str(&line);
        app.lists_stale = true;
    } else if app.view.open.is_some() {
        super::assist::take_over(app, effects);
        app.view.focus = Focus::Composer;
        app.view.composer.insert(&text);
        composer_edited(app, effects);
    }
    app.touch();
}

/// Tells the open conversation that the agent is typing, at most once per throttle period,
/// and that they stopped when the draft is emptied.
fn composer_edited(app: &mut App, effects: &mut Vec<Effect>) {
    mark_open_read(app, effects);
    // A note is not for the customer: nor is "typing…" while it is written.
    if !app.settings.send_typing || app.view.noting {
        return;
    }
    let Some(open) = app.view.open.clone() else {
        return;
    };
    if app.view.composer.is_blank() {
        stop_typing(app, effects);
        return;
    }
    let due = app
        .view
        .typing_sent_at
        .is_none_or(|at| app.now - at >= app.settings.typing_throttle);
    if due {
        app.view.typing_sent_at = Some(app.now);
        effects.push(Effect::Provider {
            account: open.account.clone(),
            command: ProviderCommand::Typing {
                conversation: open.id.to_string(),
                typing: true,
            },
        });
    }
}

pub(super) fn stop_typing(app: &mut App, effects: &mut Vec<Effect>) {
    if app.view.typing_sent_at.take().is_none() {
        return;
    }
    if let Some(open) = app.view.open.clone() {
        effects.push(Effect::Provider {
            account: open.account,
            command: ProviderCommand::Typing {
                conversation: open.id.to_string(),
                typing: false,
            },
        });
    }
}

pub(super) fn perform(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    let view = &mut app.view;
    match action {
        Action::Quit => {
            if !super::drafts::quit(app, effects) {
                return;
            }
            stop_typing(app, effects);
            app.quitting = true;
            effects.push(Effect::Quit);
        }
        Action::ToggleHelp => {
            view.help = !view.help;
            view.help_scroll = 0;
        }
        Action::FocusNext | Action::FocusPrev => {
            let order = focus_order(app);
            let current = order.iter().position(|f| *f == app.view.focus).unwrap_or(0);
            let step = if action == Action::FocusNext {
                1
            } else {
                order.len() - 1
            };
            let next = order[(current + step) % order.len()];
            set_focus(app, next, effects);
        }
        Action::Up | Action::Down => {
            let down = action == Action::Down;
            match view.focus {
                Focus::Channels => {
                    let last = view.channels.len().saturating_sub(1);
                    view.channel_selected = if down {
                        (view.channel_selected + 1).min(last)
                    } else {
                        view.channel_selected.saturating_sub(1)
                    };
                    app.lists_stale = true;
                }
                Focus::Conversations => move_selection(app, if down { 1 } else { -1 }),
                Focus::Thread => super::cursor::step(app, down, effects),
                Focus::Insights => insights::move_selection(app, if down { 1 } else { -1 }),
                Focus::Composer => {}
            }
        }
        Action::Top | Action::Bottom => {
            let top = action == Action::Top;
            match view.focus {
                Focus::Channels => {
                    view.channel_selected = if top {
                        0
                    } else {
                        view.channels.len().saturating_sub(1)
                    };
                    app.lists_stale = true;
                }
                Focus::Conversations => {
                    let key = if top {
                        view.conversations.first()
                    } else {
                        view.conversations.last()
                    };
                    view.selected = key.cloned();
                    view.keep_selection_visible();
                }
                Focus::Thread => {
                    if top {
                        // Past the top; the next layout report clamps it (and fetches older).
                        view.pin = None;
                        view.thread_scroll = usize::MAX / 2;
                    } else {
                        // The newest message, which a window on older history is not.
                        super::history::leave(app);
                        app.view.thread_scroll = 0;
                    }
                }
                Focus::Composer | Focus::Insights => {}
            }
        }
        Action::PageUp | Action::PageDown => {
            // Paging scrolls freely; the message cursor would hold the view in place.
            view.selected_message = None;
            let page = usize::from(view.layout.thread.height.saturating_sub(2)).max(1);
            let lines = if action == Action::PageUp {
                page as isize
            } else {
                -(page as isize)
            };
            scroll_thread(app, lines, effects);
        }
        Action::Activate => match view.focus {
            Focus::Channels => {
                app.lists_stale = true;
                view.focus = Focus::Conversations;
            }
            Focus::Conversations => {
                if let Some(key) = view.selected.clone() {
                    open_conversation(app, key, effects);
                    app.view.focus = Focus::Composer;
                }
            }
            Focus::Thread => set_focus(app, Focus::Composer, effects),
            Focus::Composer => send(app, effects),
            Focus::Insights => insights::jump(app),
        },
        // On the list, the reply goes to the row the agent is on, not to whatever was open.
        Action::Compose
            if view.focus == Focus::Conversations
                && view.selected.is_some()
                && view.selected != view.open =>
        {
            if let Some(key) = view.selected.clone() {
                open_conversation(app, key, effects);
            }
            set_focus(app, Focus::Composer, effects);
        }
        Action::Compose if view.open.is_none() => open_first_notice(app),
        Action::Compose => {
            // A reply, unless a note is half-written: that stays a note (Alt+n turns it).
            if app.view.noting && app.view.composer.is_blank() {
                app.view.noting = false;
                super::queue::forget_mode(app);
            }
            set_focus(app, Focus::Composer, effects);
        }
        Action::NextConversation | Action::PrevConversation => {
            move_selection(
                app,
                if action == Action::NextConversation {
                    1
                } else {
                    -1
                },
            );
            if let Some(key) = app.view.selected.clone() {
                pass_to(app, key, effects);
            }
        }
        Action::StartFilter
            if view.focus == Focus::Thread && view.open.is_some() && app.settings.store =>
        {
            super::search::start_in_thread(app);
        }
        Action::StartFilter => {
            view.filtering = true;
            view.focus = Focus::Conversations;
        }
        // The opposite of what is on screen, whatever the width decided by default.
        Action::ToggleInsights => {
            let show = !view
                .insights_visible
                .unwrap_or(view.layout.insights.is_some());
            view.insights_visible = Some(show);
            if !show && view.focus == Focus::Insights {
                view.focus = Focus::Thread;
            }
        }
        Action::ToggleDetails => {
            view.details_visible = Some(!view.details_visible.unwrap_or(view.layout.details));
        }
        Action::NextInsightTab | Action::PrevInsightTab => {
            let shown = insights::current_tab(app);
            let view = &mut app.view;
            view.insights_tab = if action == Action::NextInsightTab {
                shown.next()
            } else {
                shown.prev()
            };
            view.insights_tab_chosen = true;
            view.insights_selected = 0;
        }
        Action::Refresh => {
            let accounts: Vec<_> = app.status.conversation_accounts().cloned().collect();
            for account in &accounts {
                effects.push(Effect::Provider {
                    account: account.clone(),
                    command: ProviderCommand::Refresh,
                });
            }
            let text = match accounts.len() {
                1 => "Resyncing the account…".to_string(),
                n => format!("Resyncing {n} accounts…"),
            };
            notice(app, &text);
        }
        Action::ToggleResolved => super::status_actions::toggle_resolved(app, effects),
        Action::OpenContacts => super::contacts::open(app, effects),
        // Only meaningful inside the contact picker, which handles them itself.
        Action::NextContactChannel | Action::NewContact => {}
        Action::CycleStatusFilter => {
            view.status_filter = super::view::next_status_filter(view.status_filter);
            app.lists_stale = true;
        }
        Action::DeleteMessage => super::cursor::ask_delete(app),
        Action::OpenMedia => super::cursor::open_media(app, effects),
        Action::Capability => super::cursor::capability(app, effects),
        Action::CopyMessage => super::cursor::copy(app, effects),
        // Editing keys act in the composer and the prompts, which take them before here.
        Action::NewLine
        | Action::CursorLeft
        | Action::CursorRight
        | Action::LineStart
        | Action::LineEnd
        | Action::DeleteBack
        | Action::DeleteForward
        | Action::ClearLine
        | Action::DeleteWord
        | Action::Confirm => {}
        Action::EditInEditor => {
            if app.view.open.is_none() {
                return open_first_notice(app);
            }
            // The draft is the agent's from here: a suggestion still arriving stops.
            super::assist::take_over(app, effects);
            let (Some(conversation), draft) =
                (app.view.open.clone(), app.view.composer.text().to_string())
            else {
                return;
            };
            effects.push(Effect::Terminal(super::TerminalJob::Edit {
                conversation,
                draft,
            }));
        }
        Action::ReplyToMessage => super::cursor::reply_to(app, effects),
        Action::OpenPalette => super::palette::open(app),
        Action::SearchAll => super::search::open(app),
        Action::NextHit | Action::PrevHit => {}
        Action::ComposeNote => super::queue::compose_note(app, effects),
        Action::ToggleNote => super::queue::toggle_note(app, effects),
        Action::MarkUnread => super::queue::mark_unread(app, effects),
        Action::NextUnread => super::queue::next_unread(app, effects),
        Action::ToggleUnreadView => super::queue::toggle_unread_view(app),
        Action::ChangeStatus => super::snooze::open(app),
        Action::AssignToMe => super::workflow::assign_to_me(app, effects),
        Action::Assign => super::workflow::open(app, super::workflow::PickerKind::Assign),
        Action::EditLabels => super::workflow::open(app, super::workflow::PickerKind::Labels),
        Action::SetPriority => super::workflow::open(app, super::workflow::PickerKind::Priority),
        Action::CycleAssigneeView => super::workflow::cycle_assignee_view(app),
        Action::FilterByLabel => {
            super::workflow::open(app, super::workflow::PickerKind::LabelFilter)
        }
        Action::TogglePrioritySort => super::workflow::toggle_priority_sort(app),
        Action::Suspend => {
            stop_typing(app, effects);
            effects.push(Effect::Terminal(super::TerminalJob::Suspend));
        }
        Action::ToggleEndSession => view.reply_options.toggle_end_session(),
        Action::CycleWaitFor => view.reply_options.cycle_wait_for(),
        Action::RetryFailed => {
            let count = super::outbox::retry_failed(app, effects);
            if count == 0 {
                notice(app, "No failed reply here to retry");
            }
        }
        Action::DiscardFailed => {
            let count = super::outbox::discard_unsent(app, effects);
            if count == 0 {
                notice(app, "No unsent reply here to discard");
            }
        }
        Action::AssistSummary => {
            super::assist::ask(app, crate::contract::assist::Task::Summary, effects)
        }
        Action::AssistReply => {
            super::assist::ask(app, crate::contract::assist::Task::Reply, effects)
        }
        Action::AssistInsights => {
            super::assist::ask(app, crate::contract::assist::Task::Insights, effects);
        }
        Action::Back => {
            // Esc stops the assistant; in the composer it also leaves, as Esc always does.
            if super::assist::cancel_open(app, effects) && app.view.focus != Focus::Composer {
                return;
            }
            let view = &mut app.view;
            if view.help {
                view.help = false;
            } else if view.focus == Focus::Composer {
                // Esc on an empty draft also drops the message it was going to answer.
                if view.composer.is_blank() {
                    view.replying_to = None;
                }
                stop_typing(app, effects);
                app.view.focus = Focus::Conversations;
            } else if !view.filter.is_empty() {
                view.filter.clear();
                app.lists_stale = true;
            }
        }
    }
}

/// The draft is back from the editor: it replaces the composer's for a last look (nothing is
/// sent until the agent presses send).
pub(super) fn edited(
    app: &mut App,
    conversation: ConversationKey,
    result: Result<String, String>,
    effects: &mut Vec<Effect>,
) {
    match result {
        // Another conversation is open by now: the draft goes back to its own.
        Ok(text) if app.view.open.as_ref() != Some(&conversation) => {
            let mut draft = super::composer::Composer::default();
            draft.insert(&sanitize(&text));
            app.view.drafts.insert(conversation, draft);
            notice(
                app,
                "Back from the editor: the draft is kept with its conversation",
            );
        }
        Ok(text) => {
            let text = sanitize(&text);
            app.view.composer.clear();
            app.view.composer.insert(&text);
            app.view.focus = Focus::Composer;
            composer_edited(app, effects);
            let text = format!(
                "Back from the editor: {} sends, {} keeps it as a draft",
                key_label(app, KeyContext::Compose, Action::Activate),
                key_label(app, KeyContext::Compose, Action::Back)
            );
            notice(app, &text);
        }
        Err(why) => app.status.notify(
            super::status::NoticeLevel::Error,
            format!("The editor: {}", sanitize(&why)),
            app.now,
        ),
    }
    app.touch();
}

pub(super) fn open_first_notice(app: &mut App) {
    let text = format!(
        "Open a conversation first: {} on the list",
        key_label(app, KeyContext::Browse, Action::Activate)
    );
    notice(app, &text);
}

fn notice(app: &mut App, text: &str) {
    app.status
        .notify(super::status::NoticeLevel::Info, text.to_string(), app.now);
}

/// Panes Tab visits, in order; the composer and insights only when they can be used (the
/// insights when they are on screen, toggled or not).
fn focus_order(app: &App) -> Vec<Focus> {
    let mut order = vec![Focus::Channels, Focus::Conversations, Focus::Thread];
    if app.view.open.is_some() {
        order.push(Focus::Composer);
    }
    if app.view.insights_visible == Some(true) || app.view.layout.insights.is_some() {
        order.push(Focus::Insights);
    }
    order
}

/// A narrow screen gives the list's place to the insights: the keys follow what is shown,
/// so `j` and Enter never act on a list the user cannot see.
fn keep_focus_on_screen(app: &mut App) {
    let layout = app.view.layout;
    let hidden = |rect: super::view::Rect| rect.width == 0 || rect.height == 0;
    match app.view.focus {
        Focus::Conversations if hidden(layout.conversations) && layout.insights.is_some() => {
            app.view.focus = Focus::Insights;
        }
        Focus::Insights if layout.insights.is_none() && !hidden(layout.conversations) => {
            app.view.focus = Focus::Conversations;
        }
        _ => {}
    }
}

pub(super) fn set_focus(app: &mut App, focus: Focus, effects: &mut Vec<Effect>) {
    if focus == Focus::Composer && app.view.open.is_none() {
        return;
    }
    if app.view.focus == Focus::Composer && focus != Focus::Composer {
        stop_typing(app, effects);
    }
    app.view.focus = focus;
    if matches!(focus, Focus::Thread | Focus::Composer) {
        mark_open_read(app, effects);
    }
}

fn move_selection(app: &mut App, delta: isize) {
    let view = &mut app.view;
    if view.conversations.is_empty() {
        return;
    }
    let last = view.conversations.len() - 1;
    let next = match view.selected_index() {
        Some(index) => index.saturating_add_signed(delta).min(last),
        None => 0,
    };
    view.selected = Some(view.conversations[next].clone());
    view.keep_selection_visible();
}

fn scroll_thread(app: &mut App, lines: isize, effects: &mut Vec<Effect>) {
    let view = &mut app.view;
    // A message held in place (a page came in under it) moves with the view; the frame puts
    // the scroll right.
    if let Some(pin) = view.pin.as_mut() {
        pin.offset += lines;
    }
    view.thread_scroll = view.thread_scroll.saturating_add_signed(lines);
    if let Some(top) = view.layout.thread_top_scroll
        && view.thread_scroll >= top
    {
        view.thread_scroll = top;
        // A window on history reads its older page itself, as its top comes into view.
        if super::history::shown(app).is_none() {
            fetch_older(app, effects);
        }
    }
}

/// Asks for the page of history before the oldest loaded message, once at a time.
pub(super) fn fetch_older(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.open.clone() else {
        return;
    };
    if super::paging::load_older(app, &key, effects) {
        return;
    }
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    if entry.history_complete || entry.fetching_older {
        return;
    }
    entry.fetching_older = true;
    // The platform pages by its own ids: a note (ours alone) cannot be a cursor.
    let before = entry
        .thread
        .messages()
        .iter()
        .find(|m| m.direction != Direction::Note)
        .map(|m| m.id.clone());
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::FetchOlder {
            conversation: key.id.to_string(),
            before,
        },
    });
}

/// Leaves the open conversation: its draft is kept with it, and the composer goes back to
/// replying.
pub(super) fn close_conversation(app: &mut App, effects: &mut Vec<Effect>) {
    stop_typing(app, effects);
    app.view.replying_to = None;
    let noting = std::mem::take(&mut app.view.noting);
    if noting {
        super::queue::forget_mode(app);
    }
    if let Some(previous) = app.view.open.take() {
        super::paging::left(app, &previous);
        let draft = std::mem::take(&mut app.view.composer);
        // A note's draft stays a note: it must never come back as a reply.
        if draft.text() != app.view.draft_saved || noting != app.view.draft_saved_note {
            super::drafts::save(app, previous.clone(), draft.text(), noting, effects);
        }
        app.view.draft_saved.clear();
        if noting && !draft.is_blank() {
            app.view.note_drafts.insert(previous.clone());
        } else {
            app.view.note_drafts.remove(&previous);
        }
        if !draft.is_blank() {
            app.view.drafts.insert(previous, draft);
        }
    }
}

/// Shows a conversation in the thread pane, marks it read and keeps drafts per conversation.
pub(super) fn open_conversation(app: &mut App, key: ConversationKey, effects: &mut Vec<Effect>) {
    open_with(app, key, true, effects);
}

/// Shows a conversation while walking the list (Alt+j/Alt+k): read only when the agent stays
/// with it (the thread or the composer takes the focus, a draft is written, a reply goes),
/// unless `[ui] read_on_pass` says passing reads.
fn pass_to(app: &mut App, key: ConversationKey, effects: &mut Vec<Effect>) {
    open_with(app, key, app.settings.read_on_pass, effects);
}

/// The agent is with the open conversation: what is unread there is read now (the platform
/// and the store are told once).
pub(super) fn mark_open_read(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.open.clone() else {
        return;
    };
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    if entry.info.unread == 0 && !entry.marked_unread {
        return;
    }
    entry.info.unread = 0;
    entry.marked_unread = false;
    app.lists_stale = true;
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::MarkRead {
            conversation: key.id.to_string(),
        },
    });
    if app.settings.store {
        app.persist_read_marker(effects);
    }
}

fn open_with(app: &mut App, key: ConversationKey, read: bool, effects: &mut Vec<Effect>) {
    if app.view.open.as_ref() == Some(&key) {
        return;
    }
    // Opening changes two rows at most, the one left and the one opened: they move by
    // themselves, so an open in an inbox of 100,000 does not sort it all again.
    let stale = app.lists_stale;
    let rows: Vec<_> = app
        .view
        .open
        .iter()
        .chain([&key])
        .map(|row| app.view.row_before(&app.inbox, &app.team, row.clone()))
        .collect();
    close_conversation(app, effects);
    app.view.composer = app.view.drafts.remove(&key).unwrap_or_default();
    app.view.noting = app.view.note_drafts.remove(&key);
    app.view.draft_saved = app.view.composer.text().to_string();
    app.view.draft_saved_note = app.view.noting;
    app.view.reply_options.end_session = false;
    app.view.thread_scroll = 0;
    app.view.unread_marker = None;
    app.view.selected_message = None;
    app.view.highlight = None;
    app.view.jump_pending = false;
    app.view.thread_search = None;
    super::history::leave(app);
    app.view.insights_selected = 0;
    // Each conversation opens its insights on a tab with something in it.
    app.view.insights_tab_chosen = false;
    if let Some(entry) = app.inbox.get(&key) {
        let unread = entry.info.unread as usize;
        app.view.unread_marker = (unread > 0)
            .then(|| {
                entry
                    .thread
                    .messages()
                    .iter()
                    .rev()
                    .filter(|m| m.direction == Direction::Inbound)
                    .take(unread)
                    .last()
                    .map(|m| m.id.clone())
            })
            .flatten();
    }
    app.view.open = Some(key.clone());
    if read {
        mark_open_read(app, effects);
    }
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command: ProviderCommand::Open {
            conversation: key.id.to_string(),
        },
    });
    effects.extend(super::remote_insights::analyse(app, &key));
    super::paging::opened(app, &key, effects);
    app.view.selected = Some(key);
    app.lists_stale = stale;
    for row in rows {
        if !app.lists_stale {
            app.lists_stale = !app.view.settle_row(&app.inbox, &app.team, row);
        }
    }
    if !app.lists_stale {
        app.view.settle_selection();
    }
}

/// Sends the draft: a local echo appears at once as pending (merge rule 4 replaces it with the
/// server copy), and the provider is asked to send it under the echo's client id.
fn send(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = app.view.open.clone() else {
        return;
    };
    if app.view.composer.is_blank() {
        return;
    }
    if super::assist::reply_arriving(app) {
        let text = format!(
            "The suggestion is still arriving: {} stops it, then {} sends what is there",
            key_label(app, KeyContext::Compose, Action::Back),
            key_label(app, KeyContext::Compose, Action::Activate)
        );
        notice(app, &text);
        return;
    }
    mark_open_read(app, effects);
    let mut draft = app.view.composer.take().trim_end().to_string();
    if !app.view.draft_saved.is_empty() {
        app.view.draft_saved.clear();
        super::drafts::save(app, key.clone(), "", false, effects);
    }
    if app.view.noting {
        return super::queue::add_note(app, key, draft, effects);
    }
    app.view.typing_sent_at = None;
    // A reply to one message quotes it first; no platform here carries a reference to it
    // through the outbox, and a quote reads the same on every channel.
    if let Some((answered, quote)) = app.view.replying_to.take()
        && answered == key
    {
        draft = format!("> {quote}\n{draft}");
    }
    let channel = app.inbox.get(&key).map(|entry| entry.info.channel.clone());
    let (text, options) = match &channel {
        Some(channel) => app.view.reply_options.prepare(channel, &draft),
        None => (draft, None),
    };
    app.view.reply_options.end_session = false;
    let client_id = app.next_client_id();
    let echo = Message {
        id: client_id.clone(),
        client_id: Some(client_id.clone()),
        direction: Direction::Outbound,
        sender: "You".to_string(),
        content: Content::Text(text.clone()),
        at: app.now,
        status: DeliveryStatus::Pending,
        failure: None,
    };
    app.inbox.merge_messages(&key, vec![echo.clone()]);
    // The reply shows where it goes: at the newest, not in a window on older history.
    super::history::leave(app);
    app.view.thread_scroll = 0;
    app.lists_stale = true;
    let command = match options {
        // A session reply (USSD, voice) answers a live session that will not wait for a retry,
        // so it goes straight to the provider instead of through the outbox.
        Some(options) => ProviderCommand::SendWithOptions {
            conversation: key.id.to_string(),
            client_id,
            text,
            options,
        },
        None if app.settings.store => {
            // Merge rule 7: stored first; the store's confirmation sends it.
            super::outbox::enqueue(app, key, echo, text, effects);
            return;
        }
        None => ProviderCommand::SendText {
            conversation: key.id.to_string(),
            client_id,
            text,
        },
    };
    effects.push(Effect::Provider {
        account: key.account.clone(),
        command,
    });
}

pub(super) fn mouse(app: &mut App, mouse: Mouse, effects: &mut Vec<Effect>) {
    let layout = app.view.layout;
    let (column, row) = (mouse.column, mouse.row);
    match mouse.kind {
        MouseKind::Click => {
            if layout.channels.contains(column, row) {
                let index = app.view.channel_offset + usize::from(row - layout.channels.y);
                if index < app.view.channels.len() {
                    app.view.channel_selected = index;
                    app.view.focus = Focus::Channels;
                    app.lists_stale = true;
                }
            } else if layout.conversations.contains(column, row) {
                let rows = layout.conversation_rows.max(1);
                let index =
                    app.view.list_offset + usize::from((row - layout.conversations.y) / rows);
                if let Some(key) = app.view.conversations.get(index).cloned() {
                    app.view.focus = Focus::Conversations;
                    open_conversation(app, key, effects);
                }
            } else if layout.composer.contains(column, row) {
                set_focus(app, Focus::Composer, effects);
            } else if layout.thread.contains(column, row) {
                set_focus(app, Focus::Thread, effects);
            } else if layout.insights.is_some_and(|r| r.contains(column, row)) {
                set_focus(app, Focus::Insights, effects);
            }
        }
        MouseKind::ScrollUp | MouseKind::ScrollDown => {
            let up = mouse.kind == MouseKind::ScrollUp;
            if layout.conversations.contains(column, row) {
                move_selection(app, if up { -1 } else { 1 });
            } else {
                let lines = WHEEL_LINES as isize;
                scroll_thread(app, if up { lines } else { -lines }, effects);
            }
        }
    }
    app.touch();
}

pub(super) fn layout(app: &mut App, layout: LayoutInfo, effects: &mut Vec<Effect>) {
    if app.view.layout == layout {
        return;
    }
    let before = (
        app.view.thread_scroll,
        app.view.list_offset,
        app.view.channel_offset,
    );
    app.view.layout = layout;
    keep_focus_on_screen(app);
    if let Some(last) = layout.help_last_scroll {
        app.view.help_scroll = app.view.help_scroll.min(last);
    }
    let jumped = insights::finish_jump(app, &layout);
    // At the top of what is loaded (or everything fits): clamp, and load older history.
    let at_top = layout
        .thread_top_scroll
        .is_some_and(|top| app.view.thread_scroll >= top);
    if let Some(top) = layout.thread_top_scroll.filter(|_| at_top) {
        app.view.thread_scroll = top;
    }
    if super::history::shown(app).is_some() {
        super::history::read_ahead(app, layout.thread_loaded_above, at_top, effects);
    } else {
        if at_top {
            fetch_older(app, effects);
        }
        super::paging::read_ahead(app, layout.thread_loaded_above, effects);
    }
    app.view.keep_selection_visible();
    if before
        != (
            app.view.thread_scroll,
            app.view.list_offset,
            app.view.channel_offset,
        )
    {
        app.touch();
    }
    if jumped {
        app.touch();
    }
}
