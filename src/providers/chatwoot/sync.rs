//! Listing the account: the directory (inboxes, agents, teams, labels, canned responses), the
//! conversations by status with paging, and what changed since a gap. What a listing or a push
//! says about a conversation goes through [`Provider::remember`], which keeps the newest state
//! by the server's `updated_at` (pushes may arrive out of order, §6.7) and catches up the
//! threads the inbox holds when their activity moved.

use std::time::Duration;

use time::OffsetDateTime;

use super::commands::{Outcome, ThreadRead};
use super::config::Listing;
use super::convert::{self, TEAM_PREFIX};
use super::rest::{ChatwootError, RestClient};
use super::{Known, Provider, Thread, UNREAD_CAP, wire};
use crate::model::{Agent, Conversation, Workflow};
use crate::providers::ProviderEvent;
use crate::providers::kit::Classify;

/// Statuses listed whole at the start; resolved ones are listed one page deep (the newest),
/// since an account keeps every conversation it ever resolved.
const WORKED_STATUSES: [&str; 3] = ["open", "pending", "snoozed"];
/// A listing stops here (10,000 conversations per status at Chatwoot's 25): past it, paging
/// over a list that moves under us costs more than it shows.
const MAX_PAGES: u32 = 400;
/// A reconnect after this long lists everything again instead of what changed (§6.8).
const CATCH_UP_AT_MOST: Duration = Duration::from_secs(3 * 3600);
/// Added to a catch-up window, as the web client does, for clocks and requests in flight.
const CATCH_UP_MARGIN: Duration = Duration::from_secs(15);

/// What a listing reads.
#[derive(Clone, Copy, Debug)]
pub(super) enum Plan {
    /// Every worked conversation, and the newest resolved ones.
    Everything,
    /// What changed in the last so long.
    Since(Duration),
}

/// Where and whose conversations to list.
#[derive(Clone)]
pub(super) struct Scope {
    pub rest: RestClient,
    /// The configured inboxes; empty: all of the agent's.
    pub inboxes: Vec<u64>,
    pub listing: Listing,
}

impl Scope {
    /// Reads what `plan` asks for.
    pub async fn list(&self, plan: Plan) -> Result<Vec<wire::Conversation>, ChatwootError> {
        let mut found = Vec::new();
        let inboxes: Vec<Option<u64>> = if self.inboxes.is_empty() {
            vec![None]
        } else {
            self.inboxes.iter().copied().map(Some).collect()
        };
        let assignee = self.listing.assignee_type();
        for inbox in inboxes {
            match plan {
                Plan::Everything => {
                    for status in WORKED_STATUSES {
                        self.pages(status, assignee, inbox, MAX_PAGES, None, &mut found)
                            .await?;
                    }
                    self.pages("resolved", assignee, inbox, 1, None, &mut found)
                        .await?;
                }
                Plan::Since(gap) => {
                    let window = gap + CATCH_UP_MARGIN;
                    // Every assignee: one reassigned away from this listing is news too.
                    found.extend(
                        self.rest
                            .conversations_updated_within(window.as_secs(), "all", inbox)
                            .await?,
                    );
                    // A new message moves `last_activity_at` and need not touch `updated_at`,
                    // so the worked statuses are also read newest activity first (their
                    // order), until a page reaches back before the gap.
                    let since = OffsetDateTime::now_utc() - window;
                    for status in WORKED_STATUSES {
                        self.pages(status, assignee, inbox, MAX_PAGES, Some(since), &mut found)
                            .await?;
                    }
                }
            }
        }
        Ok(found)
    }

    /// Pages of one status. The page size is the server's (an environment variable there): a
    /// page shorter than the longest seen is the last, and so is an empty one.
    async fn pages(
        &self,
        status: &str,
        assignee: &str,
        inbox: Option<u64>,
        last_page: u32,
        back_to: Option<OffsetDateTime>,
        found: &mut Vec<wire::Conversation>,
    ) -> Result<(), ChatwootError> {
        let mut longest = 0;
        for page in 1..=last_page {
            let (conversations, held) = self
                .rest
                .conversations(status, assignee, inbox, page)
                .await?;
            let reaches_back = back_to.is_some_and(|since| {
                conversations
                    .iter()
                    .any(|c| c.last_activity_at.at().is_none_or(|at| at < since))
            });
            found.extend(conversations);
            if reaches_back || held == 0 || held < longest {
                break;
            }
            longest = held;
        }
        Ok(())
    }
}

impl Provider {
    pub(super) fn scope(&self) -> Scope {
        Scope {
            rest: self.rest.clone(),
            inboxes: self.config.inboxes.clone(),
            listing: self.config.listing,
        }
    }

    /// What a listing should read now: what changed since the last one, or everything.
    pub(super) fn plan(&self) -> Plan {
        match self.synced_at {
            Some(at) => {
                let gap = (OffsetDateTime::now_utc() - at).unsigned_abs();
                if gap < CATCH_UP_AT_MOST {
                    Plan::Since(gap)
                } else {
                    Plan::Everything
                }
            }
            None => Plan::Everything,
        }
    }

    /// The directory, then the conversations, in the session (before it goes live).
    pub(super) async fn sync(&mut self) -> Result<(), ChatwootError> {
        let started = OffsetDateTime::now_utc();
        self.read_directory().await?;
        let conversations = self.scope().list(self.plan()).await?;
        self.listed(conversations, started).await;
        Ok(())
    }

    /// Starts a listing in a child task while live (the cable keeps being read meanwhile).
    pub(super) fn list_in_background(&mut self, plan: Plan) {
        if self.listing {
            return;
        }
        self.listing = true;
        let scope = self.scope();
        self.children.spawn(async move {
            let started = OffsetDateTime::now_utc();
            let result = scope.list(plan).await;
            Outcome::Listed { started, result }
        });
    }

    /// A listing's conversations applied; the gaps of threads whose catch-up failed are tried
    /// again.
    pub(super) async fn listed(
        &mut self,
        conversations: Vec<wire::Conversation>,
        started: OffsetDateTime,
    ) {
        self.heard_all(conversations).await;
        self.synced_at = Some(started);
        let gaps: Vec<(u64, u64)> = self
            .known
            .iter_mut()
            .filter_map(|(id, known)| {
                let thread = known.thread.as_mut()?;
                thread.gap_from.take().map(|from| (*id, from))
            })
            .collect();
        for (id, from) in gaps {
            self.read_thread(id, ThreadRead::After(from));
        }
    }

    /// Inboxes (what channel each conversation is on), the team (agents and teams to assign
    /// to, the labels) and the canned responses. Only a refused token stops the session: a
    /// part the agent's role may not read (a custom role) is said and left out.
    pub(super) async fn read_directory(&mut self) -> Result<(), ChatwootError> {
        let inboxes = self.optional(self.rest.inboxes().await, "inboxes").await?;
        let agents = self.optional(self.rest.agents().await, "agents").await?;
        let teams = self.optional(self.rest.teams().await, "teams").await?;
        let labels = self.optional(self.rest.labels().await, "labels").await?;
        let canned = self
            .optional(self.rest.canned_responses().await, "canned responses")
            .await?;
        if let Some(inboxes) = inboxes {
            self.directory.inboxes = inboxes.into_iter().map(|inbox| (inbox.id, inbox)).collect();
        }
        self.team_heard(
            agents.unwrap_or_default(),
            teams.unwrap_or_default(),
            labels.unwrap_or_default(),
        )
        .await;
        if let Some(canned) = canned {
            let replies = canned.iter().filter_map(convert::saved_reply).collect();
            self.out.emit(ProviderEvent::SavedReplies(replies)).await;
        }
        Ok(())
    }

    /// A directory read that may fail without failing the session (a refused token does).
    async fn optional<T>(
        &self,
        read: Result<T, ChatwootError>,
        what: &str,
    ) -> Result<Option<T>, ChatwootError> {
        match read {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_auth() => Err(err),
            Err(err) => {
                tracing::warn!(account = %self.account, "chatwoot: could not read the {what}: {err}");
                self.out
                    .emit(ProviderEvent::Error(format!(
                        "could not read the account's {what}: {}",
                        self.describe(&err)
                    )))
                    .await;
                Ok(None)
            }
        }
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
        let labels = Workflow::tidy_labels(labels.iter().map(|l| clean(&l.title)));
        let me = self.me.as_ref().map(|me| me.id.to_string());
        self.out
            .emit(ProviderEvent::Team {
                me,
                agents: people,
                labels,
            })
            .await;
    }

    /// Conversations from a listing or a push: a workflow that changed is said first (the app
    /// names who changed what), then the conversations that are news, together.
    pub(super) async fn heard_all(&mut self, conversations: Vec<wire::Conversation>) {
        let mut news = Vec::new();
        for wire in conversations {
            if let Some((conversation, work_changed)) = self.remember(&wire) {
                if work_changed && let Some(work) = conversation.work.clone() {
                    self.out
                        .emit(ProviderEvent::Workflow {
                            conversation: conversation.key.id.to_string(),
                            work,
                        })
                        .await;
                }
                news.push(conversation);
            }
        }
        if !news.is_empty() {
            self.out.emit(ProviderEvent::Conversations(news)).await;
        }
    }

    /// Keeps what `wire` says unless it is older than what we hold; returns the conversation
    /// to emit and whether its workflow changed. A thread held whose activity moved is caught
    /// up after its newest message.
    fn remember(&mut self, wire: &wire::Conversation) -> Option<(Conversation, bool)> {
        if let Some(inbox) = wire.inbox_id
            && !self.config.inboxes.is_empty()
            && !self.config.inboxes.contains(&inbox)
            && !self.admitted.contains(&wire.id)
        {
            self.not_listed.insert(wire.id);
            return None;
        }
        let updated_at = wire.updated_at.seconds().unwrap_or(0.0);
        let mut conversation = convert::conversation(&self.account, wire, &self.directory);
        let listed = self.known.contains_key(&wire.id) || self.listed_here(wire);
        match self.known.get_mut(&wire.id) {
            Some(known) => {
                if updated_at < known.updated_at {
                    return None;
                }
                known.updated_at = updated_at;
                // A new message moves the activity without `updated_at` (§3.10's columns): a
                // listing read before one was heard must not take it back.
                if conversation.last_message_at < known.conversation.last_message_at {
                    conversation.last_message_at = known.conversation.last_message_at;
                    conversation.last_message = known.conversation.last_message.clone();
                    conversation.unread = known.conversation.unread;
                }
                // A push carries no preview when its latest message is a note or activity.
                if conversation.last_message.is_none() {
                    conversation.last_message = known.conversation.last_message.clone();
                }
                // Past Chatwoot's cap the count heard here is the better one (§3.10).
                if conversation.unread >= UNREAD_CAP && known.conversation.unread > UNREAD_CAP {
                    conversation.unread = known.conversation.unread;
                }
                if known.conversation == conversation {
                    return None;
                }
            }
            None if !listed => {
                self.not_listed.insert(wire.id);
                return None;
            }
            None => {
                self.not_listed.remove(&wire.id);
            }
        }
        let previous = self.known.get(&wire.id);
        let work_changed =
            previous.is_some_and(|known| known.conversation.work != conversation.work);
        // Times are whole seconds: a message in the same second shows as a new preview.
        let moved = previous.is_some_and(|known| {
            conversation.last_message_at > known.conversation.last_message_at
                || conversation.last_message != known.conversation.last_message
        });
        let thread = match previous {
            Some(known) => known.thread,
            None => self.resumed(&conversation),
        };
        if let Some(thread) = thread
            && moved
            && thread.newest != 0
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
        Some((conversation, work_changed))
    }

    /// Whether a conversation first heard of belongs in this account's list (`conversations =
    /// "mine"` or `"unassigned"`, as Chatwoot's `assignee_type` means them: an agent, not a
    /// team or a bot), or the agent acted on it.
    fn listed_here(&self, wire: &wire::Conversation) -> bool {
        let agent = wire
            .meta
            .assignee
            .as_ref()
            .filter(|_| wire.meta.assignee_type.as_deref() != Some("AgentBot"))
            .map(|user| user.id);
        self.admitted.contains(&wire.id)
            || match self.config.listing {
                Listing::All => true,
                Listing::Unassigned => agent.is_none(),
                Listing::Mine => agent.is_some() && agent == self.me.as_ref().map(|me| me.id),
            }
    }

    /// The thread of a conversation the local store has read up to a message (a cursor from an
    /// earlier run): what came after it is read now, so the cached thread and the new messages
    /// meet without a gap.
    fn resumed(&mut self, conversation: &Conversation) -> Option<Thread> {
        let (at, id) = self.resume.remove(&*conversation.key.id)?;
        let id: u64 = id.parse().ok()?;
        if conversation.last_message_at.is_some_and(|last| last > at) {
            let number: u64 = conversation.key.id.parse().ok()?;
            self.read_thread(number, ThreadRead::After(id));
        }
        Some(Thread::at(id))
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
