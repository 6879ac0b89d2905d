//! What the status bar tells: each account's connection state, last sync and last error, plus
//! short-lived notices for things the user should see (a failed send, a malformed frame).

use std::collections::BTreeMap;

use time::Duration;

use crate::contract::provider::ConnectionState;
pub use crate::contract::provider::PlatformActions;
use crate::model::{AccountId, Timestamp};

#[derive(Clone, Debug, PartialEq)]
pub struct AccountStatus {
    pub connection: ConnectionState,
    pub last_sync: Option<Timestamp>,
    pub last_error: Option<String>,
    /// After a live connection was lost, while it is being made again: the latest reason.
    pub reconnecting_after: Option<String>,
    /// What the account's platform can do beyond messaging; the keys for the rest say so
    /// at once instead of asking first and failing after.
    pub actions: PlatformActions,
}

impl AccountStatus {
    /// The account cannot reach its server and is trying again: sends fail for that, not for
    /// what they carry.
    pub fn is_reconnecting(&self) -> bool {
        // Set only after a live connection was lost, cleared when live again or refused: a
        // connection that never came up (a wrong address) is no outage to wait out.
        self.reconnecting_after.is_some()
    }
}

impl Default for AccountStatus {
    fn default() -> Self {
        Self {
            connection: ConnectionState::Connecting,
            last_sync: None,
            last_error: None,
            reconnecting_after: None,
            actions: PlatformActions::UNKNOWN,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub level: NoticeLevel,
    pub expires_at: Timestamp,
}

/// Connection state per account (ordered by account id for a stable status bar) and notices.
#[derive(Clone, Debug, Default)]
pub struct StatusState {
    pub accounts: BTreeMap<AccountId, AccountStatus>,
    pub notices: Vec<Notice>,
    /// The search index being built over older messages: `(done, total)`.
    pub indexing: Option<(u64, u64)>,
}

/// How long a notice stays on screen.
const NOTICE_TTL: Duration = Duration::seconds(8);
/// Notices kept at most; older ones give way.
const MAX_NOTICES: usize = 3;

impl StatusState {
    pub fn account_mut(&mut self, account: &AccountId) -> &mut AccountStatus {
        self.accounts.entry(account.clone()).or_default()
    }

    /// What an account's platform can do (the defaults for one not heard of).
    pub fn actions(&self, account: &AccountId) -> PlatformActions {
        self.accounts
            .get(account)
            .map_or_else(|| AccountStatus::default().actions, |status| status.actions)
    }

    /// The accounts that hold conversations (Symbl's entry is an insight source, not one).
    pub fn conversation_accounts(&self) -> impl Iterator<Item = &AccountId> {
        self.accounts
            .keys()
            .filter(|a| a.as_str() != crate::contract::provider::SYMBL_ACCOUNT)
    }

    /// Whether an account waits to retry (its countdown changes every second).
    pub fn backing_off(&self) -> bool {
        self.accounts
            .values()
            .any(|a| matches!(a.connection, ConnectionState::BackingOff { .. }))
    }

    pub fn notify(&mut self, level: NoticeLevel, text: String, now: Timestamp) {
        self.notices.retain(|n| n.text != text);
        self.notices.push(Notice {
            text,
            level,
            expires_at: now + NOTICE_TTL,
        });
        if self.notices.len() > MAX_NOTICES {
            self.notices.remove(0);
        }
    }

    /// The notice to show now, newest first.
    pub fn current_notice(&self) -> Option<&Notice> {
        self.notices.last()
    }

    /// Takes away the notices that start with `prefix` (a question that was answered).
    pub fn forget(&mut self, prefix: &str) {
        self.notices
            .retain(|notice| !notice.text.starts_with(prefix));
    }

    pub fn expire(&mut self, now: Timestamp) -> bool {
        let before = self.notices.len();
        self.notices.retain(|n| n.expires_at > now);
        before != self.notices.len()
    }
}
