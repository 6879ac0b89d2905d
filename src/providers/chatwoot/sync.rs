//! Listing the account: the directory (inboxes, agents, teams, labels), the conversations by
//! status with paging, and the threads the inbox holds caught up after a gap. What a listing
//! or a push says about a conversation goes through [`Provider::remember`], which keeps the
//! newest state by the server's `updated_at` (pushes may arrive out of order, §6.7).

use std::time::Duration;

use time::OffsetDateTime;

use super::commands::{Outcome, ThreadRead};
use super::convert::{self, TEAM_PREFIX};
use super::rest::ChatwootError;
use super::{Known, Provider, wire};
use crate::model::{Agent, Conversation};
use crate::providers::ProviderEvent;

/// Statuses listed whole at the start; resolved ones are listed one page deep (the newest),
/// since an account keeps every conversation it ever resolved.
const WORKED_STATUSES: [&str; 3] = ["open", "pending", "snoozed"];
/// A listing stops here (10,000 conversations per status): past it, paging over a list that
/// moves under us costs more than it shows.
const MAX_PAGES: u32 = 400;
/// A reconnect after this long lists everything again instead of what changed (§6.8).
const CATCH_UP_AT_MOST: Duration = Duration::from_secs(3 * 3600);
/// Added to a catch-up window, as the web client does, for clocks and requests in flight.
const CATCH_UP_MARGIN: Duration = Duration::from_secs(15);

impl Provider {
    pub(super) async fn sync(&mut self) -> Result<(), ChatwootError> {
        let started = OffsetDateTime::now_utc();
        self.read_directory().await?;
        let since = self
            .synced_at
            .map(|at| (started - at).unsigned_abs())
            .filter(|gap| *gap < CATCH_UP_AT_MOST);
        match since {
            Some(gap) => self.changed_within(gap).await?,
            None => self.list_all().await?,
        }
        self.synced_at = Some(started);
        Ok(())
    }

    /// Inboxes (what channel each conversation is on), then the team: agents and teams to
    /// assign to, and the labels.
    pub(super) async fn read_directory(&mut self) -> Result<(), ChatwootError> {
        let inboxes = self.rest.inboxes().await?;
        let agents = self.rest.agents().await?;
        let teams = self.rest.teams().await?;
        let labels = self.rest.labels().await?;
        let canned = self.rest.canned_responses().await?;
        self.directory.inboxes = inboxes.into_iter().map(|inbox| (inbox.id, inbox)).collect();
        self.team_heard(agents, teams, labels).await;
        let replies = canned.iter().filter_map(convert::saved_reply).collect();
        self.out.emit(ProviderEvent::SavedReplies(replies)).await;
        Ok(())
    }

    pub(super) async fn team_heard(
        &mut self,
        agents: Vec<wire::User>,
        teams: Vec<wire::Team>,
        labels: Vec<wire::Label>,
    ) {
        let clean = crate::text::sanitize_line;
        let mut people: Vec<Agent> = agents
            .iter()
            .map(|agent| Agent {
                id: agent.id.to_string(),
                name: clean(&agent.display_name()),
            })
            .collect();
        people.extend(teams.iter().map(|team| Agent {
            id: format!("{TEAM_PREFIX}{}", team.id),
            name: format!(
                "Team {}",
                clean(team.name.as_deref().unwrap_or(&team.id.to_string()))
            ),
        }));
        let labels = crate::model::Workflow::tidy_labels(labels.iter().map(|l| clean(&l.title)));
        let me = self.me.as_ref().map(|me| me.id.to_string());
        self.out
            .emit(ProviderEvent::Team {
                me,
                agents: people,
                labels,
            })
            .await;
    }

    /// Which inboxes to list: the configured ones, or all (`None`).
    fn scopes(&self) -> Vec<Option<u64>> {
        if self.config.inboxes.is_empty() {
            vec![None]
        } else {
            self.config.inboxes.iter().copied().map(Some).collect()
        }
    }

    async fn list_all(&mut self) -> Result<(), ChatwootError> {
        let assignee = self.config.listing.assignee_type();
        for scope in self.scopes() {
            for status in WORKED_STATUSES.iter().chain(&["resolved"]) {
                let last_page = if *status == "resolved" { 1 } else { MAX_PAGES };
                // The page size is the server's (an environment variable there): a page
                // shorter than the longest seen is the last, and so is an empty one.
                let mut longest = 0;
                for page in 1..=last_page {
                    let (conversations, held) = self
                        .rest
                        .conversations(status, assignee, scope, page)
                        .await?;
                    self.heard_all(conversations).await;
                    if held == 0 || held < longest {
                        break;
                    }
                    longest = held;
                }
            }
        }
        Ok(())
    }

    /// What changed in the last `gap` (and the margin): every conversation the server saved
    /// since (`updated_within`, §6.8), and those with new messages. A new message moves only
    /// `last_activity_at`, written without touching `updated_at`, so the worked statuses are
    /// also read newest activity first until a page reaches back before the gap. Threads the
    /// inbox holds whose activity moved are caught up after their newest message.
    pub(super) async fn changed_within(&mut self, gap: Duration) -> Result<(), ChatwootError> {
        let window = gap + CATCH_UP_MARGIN;
        let since = OffsetDateTime::now_utc() - window;
        let assignee = self.config.listing.assignee_type();
        for scope in self.scopes() {
            let changed = self
                .rest
                .conversations_updated_within(window.as_secs(), assignee, scope)
                .await?;
            self.heard_all(changed).await;
            for status in WORKED_STATUSES {
                let mut longest = 0;
                for page in 1..=MAX_PAGES {
                    let (conversations, held) = self
                        .rest
                        .conversations(status, assignee, scope, page)
                        .await?;
                    let reaches_back = conversations
                        .iter()
                        .any(|c| c.last_activity_at.at().is_none_or(|at| at < since));
                    self.heard_all(conversations).await;
                    if reaches_back || held == 0 || held < longest {
                        break;
                    }
                    longest = held;
                }
            }
        }
        Ok(())
    }

    /// A listing's conversations: the ones that are news are emitted together, and threads
    /// held whose activity moved are caught up.
    pub(super) async fn heard_all(&mut self, conversations: Vec<wire::Conversation>) {
        let mut news = Vec::new();
        for wire in conversations {
            if let Some(conversation) = self.remember(&wire) {
                news.push(conversation);
            }
        }
        if !news.is_empty() {
            self.out.emit(ProviderEvent::Conversations(news)).await;
        }
    }

    /// Keeps what `wire` says if it is not older than what we hold; returns the conversation
    /// to emit. A thread held whose newest activity is past its newest message is caught up.
    pub(super) fn remember(&mut self, wire: &wire::Conversation) -> Option<Conversation> {
        if let Some(inbox) = wire.inbox_id
            && !self.config.inboxes.is_empty()
            && !self.config.inboxes.contains(&inbox)
        {
            return None;
        }
        let updated_at = wire.updated_at.seconds().unwrap_or(0.0);
        let mut conversation = convert::conversation(&self.account, wire, &self.directory);
        let previous = self.known.get(&wire.id);
        if let Some(known) = previous {
            if updated_at < known.updated_at {
                return None;
            }
            // A push carries no preview when its latest message is private or activity.
            if conversation.last_message.is_none() {
                conversation.last_message = known.conversation.last_message.clone();
            }
            if known.conversation == conversation {
                return None;
            }
        }
        let thread = previous.and_then(|known| known.thread);
        // Times are whole seconds: a message in the same second shows as a new preview.
        let moved = previous.is_some_and(|known| {
            conversation.last_message_at > known.conversation.last_message_at
                || conversation.last_message != known.conversation.last_message
        });
        if let Some(thread) = thread
            && moved
        {
            self.read_thread(wire.id, ThreadRead::After(thread.newest));
        }
        self.known.insert(
            wire.id,
            Known {
                conversation: conversation.clone(),
                updated_at,
                contact_id: wire.meta.sender.as_ref().and_then(|sender| sender.id),
                thread,
            },
        );
        Some(conversation)
    }

    /// Reads part of a thread in a child task.
    pub(super) fn read_thread(&mut self, conversation: u64, read: ThreadRead) {
        let rest = self.rest.clone();
        self.children.spawn(async move {
            let (before, after) = match read {
                ThreadRead::Tail => (None, None),
                ThreadRead::Older(before) => (Some(before), None),
                ThreadRead::After(after) => (None, Some(after)),
            };
            let result = rest.messages(conversation, before, after).await;
            Outcome::Thread {
                conversation,
                read,
                result,
            }
        });
    }
}
