//! Who has a conversation, its labels and its priority, from the keyboard: assign to me (`m`),
//! to anyone (`A`), labels (`L`), priority (`P`); and the list's views over them: Mine /
//! Unassigned / All (`V`), one label (`#`), most urgent first (`O`).
//!
//! Where the platform keeps them (the hub, Linktor) the change is sent and the row changes
//! when the platform answers, so every inbox of the team shows the same; elsewhere they are
//! kept on this machine, and the notice says so.

use super::keys::{Action, Key, KeyCode, KeyContext};
use super::status::NoticeLevel;
use super::team::LOCAL_ME;
use super::{App, Effect};
use crate::contract::provider::ProviderCommand;
use crate::model::{ConversationKey, Priority, Workflow};

/// Which conversations the list shows, by who has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AssigneeView {
    #[default]
    All,
    Mine,
    Unassigned,
}

impl AssigneeView {
    pub fn label(self) -> &'static str {
        match self {
            AssigneeView::All => "all",
            AssigneeView::Mine => "mine",
            AssigneeView::Unassigned => "unassigned",
        }
    }

    fn next(self) -> Self {
        match self {
            AssigneeView::All => AssigneeView::Mine,
            AssigneeView::Mine => AssigneeView::Unassigned,
            AssigneeView::Unassigned => AssigneeView::All,
        }
    }
}

/// What a picker picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKind {
    Assign,
    Labels,
    Priority,
    /// The label the list is filtered by.
    LabelFilter,
}

/// One line of a picker.
#[derive(Clone, Debug, PartialEq)]
pub enum Pick {
    Agent {
        id: Option<String>,
        name: String,
    },
    Label(String),
    Priority(Priority),
    /// The label filter's "every label".
    AnyLabel,
}

impl Pick {
    pub fn label(&self) -> String {
        match self {
            Pick::Agent { name, .. } => name.clone(),
            Pick::Label(label) => label.clone(),
            Pick::Priority(priority) => priority.label().to_string(),
            Pick::AnyLabel => "every label".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkPicker {
    pub kind: PickerKind,
    /// The conversation it changes (none for the label filter).
    pub conversation: Option<ConversationKey>,
    pub choices: Vec<Pick>,
    /// Typed to narrow the choices (and, for labels, to name a new one).
    pub typed: String,
    /// Index into [`WorkPicker::shown`].
    pub selected: usize,
    /// The labels as this picker last set them (sent to the platform, whose answer may not
    /// be in yet): the next toggle builds on them, not on the row.
    pub labels: Vec<String>,
    /// The value the conversation has now (marked in the list).
    pub current: Option<Pick>,
}

impl WorkPicker {
    /// The choices the typed text matches, and for labels a new one to create when no label
    /// is called that.
    pub fn shown(&self) -> Vec<Pick> {
        // A label is found (and made) as it is written: without `#`, words joined by `-`.
        let typed = match self.kind {
            PickerKind::Labels | PickerKind::LabelFilter => new_label(&self.typed),
            _ => self.typed.trim().to_string(),
        };
        let needle = typed.to_lowercase();
        let mut shown: Vec<Pick> = self
            .choices
            .iter()
            .filter(|pick| needle.is_empty() || pick.label().to_lowercase().contains(&needle))
            .cloned()
            .collect();
        // What starts with the typed text first ("bo": Bo Chen before nobody), then what has
        // a word starting with it, then the rest, each in the list's order.
        if !needle.is_empty() {
            shown.sort_by_key(|pick| {
                let label = pick.label().to_lowercase();
                if label.starts_with(&needle) {
                    0
                } else if label
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word.starts_with(&needle))
                {
                    1
                } else {
                    2
                }
            });
        }
        let exists = self
            .choices
            .iter()
            .any(|pick| pick.label().to_lowercase() == needle);
        if self.kind == PickerKind::Labels && !needle.is_empty() && !exists {
            shown.insert(0, Pick::Label(typed));
        }
        shown
    }

    /// Whether a line is what the conversation has (a label it carries, its assignee…).
    pub fn is_current(&self, pick: &Pick) -> bool {
        match pick {
            Pick::Label(label) if self.kind == PickerKind::Labels => {
                self.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
            }
            other => self.current.as_ref() == Some(other),
        }
    }

    /// A label typed that no conversation has yet.
    pub fn is_new(&self, pick: &Pick) -> bool {
        matches!(pick, Pick::Label(label) if !self.choices.iter().any(|c| c.label() == *label))
    }
}

/// The conversation the keys act on: the row under the cursor on the list, else the open one
/// (also on a list a view has emptied).
fn target(app: &App) -> Option<ConversationKey> {
    let (first, then) = match app.view.focus {
        super::Focus::Conversations | super::Focus::Channels => {
            (&app.view.selected, &app.view.open)
        }
        _ => (&app.view.open, &app.view.selected),
    };
    first
        .clone()
        .or_else(|| then.clone())
        .filter(|key| app.inbox.get(key).is_some())
}

fn work_of(app: &App, key: &ConversationKey) -> Workflow {
    app.inbox
        .get(key)
        .and_then(|entry| entry.info.work.clone())
        .unwrap_or_default()
}

/// `m`: the conversation is mine; again, it goes back to whoever had it before (or nobody).
pub(super) fn assign_to_me(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(key) = target(app) else { return };
    let me = app.team.me(&key.account).to_string();
    let had = work_of(app, &key).assignee;
    let agent = if had.as_deref() == Some(me.as_str()) {
        app.view.taken_from.remove(&key)
    } else {
        match had {
            Some(other) => app.view.taken_from.insert(key.clone(), other),
            None => app.view.taken_from.remove(&key),
        };
        Some(me)
    };
    assign(app, key, agent, effects);
}

/// Opens a picker for the conversation the keys act on (or, for the label filter, the list).
pub(super) fn open(app: &mut App, kind: PickerKind) {
    let key = target(app);
    if kind != PickerKind::LabelFilter && key.is_none() {
        return;
    }
    let work = key
        .as_ref()
        .map(|key| work_of(app, key))
        .unwrap_or_default();
    let (choices, current) = match kind {
        PickerKind::Assign => {
            let Some(key) = key.as_ref() else { return };
            assign_choices(app, key, &work)
        }
        PickerKind::Labels => (
            known_labels(app, key.as_ref())
                .into_iter()
                .map(Pick::Label)
                .collect(),
            None,
        ),
        PickerKind::Priority => (
            Priority::ALL
                .into_iter()
                .rev()
                .map(Pick::Priority)
                .collect(),
            Some(Pick::Priority(work.priority)),
        ),
        PickerKind::LabelFilter => {
            let mut choices = vec![Pick::AnyLabel];
            choices.extend(known_labels(app, None).into_iter().map(Pick::Label));
            let current = match &app.view.label_filter {
                Some(label) => Pick::Label(label.clone()),
                None => Pick::AnyLabel,
            };
            (choices, Some(current))
        }
    };
    let selected = current
        .as_ref()
        .and_then(|current| choices.iter().position(|pick| pick == current))
        .unwrap_or(0);
    app.view.work_picker = Some(WorkPicker {
        kind,
        conversation: key,
        choices,
        typed: String::new(),
        selected,
        labels: work.labels,
        current,
    });
}

/// Me, nobody, then the platform's agents by name.
fn assign_choices(app: &App, key: &ConversationKey, work: &Workflow) -> (Vec<Pick>, Option<Pick>) {
    let me = app.team.me(&key.account).to_string();
    let mut choices = vec![
        Pick::Agent {
            id: Some(me.clone()),
            name: match app.settings.agent_name.trim() {
                "" => "me".to_string(),
                name => format!("me ({name})"),
            },
        },
        Pick::Agent {
            id: None,
            name: "nobody (unassigned)".to_string(),
        },
    ];
    let mut agents: Vec<_> = app
        .team
        .agents(&key.account)
        .iter()
        .filter(|agent| agent.id != me)
        .collect();
    agents.sort_by_key(|agent| agent.name.to_lowercase());
    choices.extend(agents.into_iter().map(|agent| Pick::Agent {
        id: Some(agent.id.clone()),
        name: agent.name.clone(),
    }));
    let current = choices
        .iter()
        .find(|pick| matches!(pick, Pick::Agent { id, .. } if *id == work.assignee))
        .cloned();
    (choices, current)
}

/// The labels to offer: the platform's, and every label a conversation carries (of the
/// account, or of all for the filter).
fn known_labels(app: &App, key: Option<&ConversationKey>) -> Vec<String> {
    let account = key.map(|key| &key.account);
    let mut labels: Vec<String> = app
        .inbox
        .iter()
        .filter(|(k, _)| account.is_none_or(|account| k.account == *account))
        .filter_map(|(_, entry)| entry.info.work.as_ref())
        .flat_map(|work| work.labels.iter().cloned())
        .collect();
    match account {
        Some(account) => labels.extend(app.team.labels(account).iter().cloned()),
        None => {
            for account in app.status.accounts.keys() {
                labels.extend(app.team.labels(account).iter().cloned());
            }
        }
    }
    Workflow::tidy_labels(labels)
}

/// Keys while a picker is open: moves, Enter picks (labels: toggles, and the picker stays),
/// Esc closes, anything printable narrows the list.
pub(super) fn key(app: &mut App, key: Key, effects: &mut Vec<Effect>) {
    let action = super::input::lookup(app, KeyContext::Prompt, key);
    let Some(picker) = app.view.work_picker.as_mut() else {
        return;
    };
    let shown = picker.shown();
    match action {
        Some(Action::Back) => app.view.work_picker = None,
        Some(Action::Down) => {
            picker.selected = (picker.selected + 1).min(shown.len().saturating_sub(1));
        }
        Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::DeleteBack) => {
            picker.typed.pop();
            picker.selected = 0;
        }
        Some(Action::ClearLine) => {
            picker.typed.clear();
            picker.selected = 0;
        }
        Some(Action::Activate) => {
            let Some(pick) = shown.get(picker.selected).cloned() else {
                return;
            };
            pick_one(app, pick, effects);
        }
        _ => {
            if let KeyCode::Char(c) = key.code
                && !key.mods.ctrl
                && !key.mods.alt
            {
                picker.typed.push(c);
                picker.selected = 0;
            }
        }
    }
}

fn pick_one(app: &mut App, pick: Pick, effects: &mut Vec<Effect>) {
    let Some(picker) = app.view.work_picker.as_mut() else {
        return;
    };
    let conversation = picker.conversation.clone();
    match (picker.kind, pick) {
        (PickerKind::Labels, Pick::Label(label)) => {
            // Toggled in place: the picker stays for the next one, its cursor on this label.
            let label = if picker.is_new(&Pick::Label(label.clone())) {
                new_label(&label)
            } else {
                label
            };
            if label.is_empty() {
                return;
            }
            let had = picker.labels.iter().any(|l| l.eq_ignore_ascii_case(&label));
            let mut labels = picker.labels.clone();
            if had {
                labels.retain(|l| !l.eq_ignore_ascii_case(&label));
            } else {
                labels.push(label.clone());
            }
            picker.labels = Workflow::tidy_labels(labels);
            picker.typed.clear();
            // A label just created joins the list, so it can be taken off again.
            for label in &picker.labels {
                if !picker.choices.iter().any(|c| c.label() == *label) {
                    picker.choices.push(Pick::Label(label.clone()));
                }
            }
            picker.selected = picker
                .shown()
                .iter()
                .position(|pick| matches!(pick, Pick::Label(l) if l.eq_ignore_ascii_case(&label)))
                .unwrap_or(0);
            let labels = picker.labels.clone();
            if let Some(key) = conversation {
                set_labels(app, key, labels, effects);
            }
        }
        (PickerKind::Assign, Pick::Agent { id, .. }) => {
            app.view.work_picker = None;
            if let Some(key) = conversation {
                assign(app, key, id, effects);
            }
        }
        (PickerKind::Priority, Pick::Priority(priority)) => {
            app.view.work_picker = None;
            if let Some(key) = conversation {
                set_priority(app, key, priority, effects);
            }
        }
        (PickerKind::LabelFilter, pick) => {
            app.view.work_picker = None;
            app.view.label_filter = match pick {
                Pick::Label(label) => Some(label),
                _ => None,
            };
            app.view.keep_listed = None;
            app.lists_stale = true;
            let text = match &app.view.label_filter {
                Some(label) => format!("Only #{}", crate::text::sanitize_line(label)),
                None => "Every label".to_string(),
            };
            app.status.notify(NoticeLevel::Info, text, app.now);
        }
        _ => app.view.work_picker = None,
    }
}

/// `V`: all conversations, mine, the unassigned ones.
pub(super) fn cycle_assignee_view(app: &mut App) {
    app.view.assignee_view = app.view.assignee_view.next();
    app.view.keep_listed = None;
    app.lists_stale = true;
    let text = match app.view.assignee_view {
        AssigneeView::All => "All conversations",
        AssigneeView::Mine => "Mine: assigned to you",
        AssigneeView::Unassigned => "Unassigned: nobody has them",
    };
    app.status
        .notify(NoticeLevel::Info, text.to_string(), app.now);
}

/// A label typed into the picker, as a label is written: no `#` (the chips add one), and
/// words joined by `-`, so a chip reads as one label.
fn new_label(typed: &str) -> String {
    typed
        .trim()
        .trim_start_matches('#')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// `O`: most urgent first, or newest first again.
pub(super) fn toggle_priority_sort(app: &mut App) {
    app.view.by_priority = !app.view.by_priority;
    app.lists_stale = true;
    let text = if app.view.by_priority {
        "Most urgent first"
    } else {
        "Newest first"
    };
    app.status
        .notify(NoticeLevel::Info, text.to_string(), app.now);
}

fn assign(app: &mut App, key: ConversationKey, agent: Option<String>, effects: &mut Vec<Effect>) {
    let who = match &agent {
        Some(id) => app.team.name_of(&key.account, id, "you").to_string(),
        None => String::new(),
    };
    let platform_me = app.team.knows_me(&key.account);
    if agent.as_deref() == Some(LOCAL_ME) && !platform_me && keeps_workflow(app, &key) {
        let text = "This account did not say who you are: set agent_id in its [[account]]";
        app.status
            .notify(NoticeLevel::Error, text.to_string(), app.now);
        return;
    }
    let kept = agent.clone();
    change(
        app,
        key.clone(),
        move |work| work.assignee = kept,
        match who.as_str() {
            "" => "unassigned".to_string(),
            who => format!("assigned to {who}"),
        },
        ProviderCommand::Assign {
            conversation: key.id.to_string(),
            agent,
        },
        effects,
    );
}

fn set_labels(app: &mut App, key: ConversationKey, labels: Vec<String>, effects: &mut Vec<Effect>) {
    let said = if labels.is_empty() {
        "no labels".to_string()
    } else {
        format!("labels {}", labels.join(", "))
    };
    let kept = labels.clone();
    change(
        app,
        key.clone(),
        move |work| work.labels = kept,
        said,
        ProviderCommand::SetLabels {
            conversation: key.id.to_string(),
            labels,
        },
        effects,
    );
}

fn set_priority(
    app: &mut App,
    key: ConversationKey,
    priority: Priority,
    effects: &mut Vec<Effect>,
) {
    change(
        app,
        key.clone(),
        |work| work.priority = priority,
        format!("priority {}", priority.label()),
        ProviderCommand::SetPriority {
            conversation: key.id.to_string(),
            priority,
        },
        effects,
    );
}

fn keeps_workflow(app: &App, key: &ConversationKey) -> bool {
    app.status.actions(&key.account).workflow
}

/// Sends the change where the platform keeps it (the row follows its answer), or makes it
/// here, kept in the local store.
fn change(
    app: &mut App,
    key: ConversationKey,
    edit: impl FnOnce(&mut Workflow),
    said: String,
    command: ProviderCommand,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    let name = crate::text::sanitize_line(&entry.info.contact.name);
    app.view.keep_listed = Some(key.clone());
    let current = entry.info.work.clone().unwrap_or_default();
    let mut wanted = current.clone();
    edit(&mut wanted);
    if wanted == current {
        let text = format!("{name}: already {said}");
        app.status.notify(NoticeLevel::Info, text, app.now);
        return;
    }
    if keeps_workflow(app, &key) {
        // Said again, without the dots, when the platform's answer is in.
        let text = format!("{name}: {said}…");
        app.status.notify(NoticeLevel::Info, text, app.now);
        app.view.work_asked.insert(key.clone(), said);
        effects.push(Effect::Provider {
            account: key.account.clone(),
            command,
        });
        return;
    }
    let Some(entry) = app.inbox.get_mut(&key) else {
        return;
    };
    entry.info.work = Some(wanted);
    app.lists_stale = true;
    super::persist::conversation(app, &key, effects);
    let platform = app.status.actions(&key.account).platform;
    let text = format!(
        "{name}: {said} (on this machine: {platform} keeps no assignment, labels or priority)"
    );
    app.status.notify(NoticeLevel::Info, text, app.now);
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
