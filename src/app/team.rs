//! The people and labels of each account: who this inbox works as, who can be assigned, and
//! which labels exist. A platform that keeps a team says so (`ProviderEvent::Team`); on one
//! that keeps none, the only agent is the one at this keyboard.

use std::collections::HashMap;

use crate::model::{AccountId, Agent, SavedReply, Workflow};

/// Who "me" is where the platform knows no agents: assignment kept on this machine.
pub const LOCAL_ME: &str = "me";

#[derive(Clone, Debug, Default)]
pub struct Team {
    accounts: HashMap<AccountId, AccountTeam>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct AccountTeam {
    me: Option<String>,
    agents: Vec<Agent>,
    labels: Vec<String>,
    /// The platform's saved replies for the team.
    replies: Vec<SavedReply>,
}

impl Team {
    /// What the platform said about the account's team; true when it changed anything.
    pub fn learn(
        &mut self,
        account: &AccountId,
        me: Option<String>,
        agents: Vec<Agent>,
        labels: Vec<String>,
    ) -> bool {
        let slot = self.accounts.entry(account.clone()).or_default();
        let team = AccountTeam {
            me,
            agents,
            labels: Workflow::tidy_labels(labels),
            replies: slot.replies.clone(),
        };
        let changed = *slot != team;
        *slot = team;
        changed
    }

    /// The agent this inbox works as on `account`: the platform's id for it, or [`LOCAL_ME`]
    /// where the platform told of no team.
    pub fn me(&self, account: &AccountId) -> &str {
        self.accounts
            .get(account)
            .and_then(|team| team.me.as_deref())
            .unwrap_or(LOCAL_ME)
    }

    /// Whether the platform named the agent this inbox works as.
    pub fn knows_me(&self, account: &AccountId) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|team| team.me.is_some())
    }

    pub fn agents(&self, account: &AccountId) -> &[Agent] {
        self.accounts
            .get(account)
            .map_or(&[], |team| team.agents.as_slice())
    }

    /// The platform's saved replies for the account (the whole set, replacing the last).
    pub fn learn_replies(&mut self, account: &AccountId, replies: Vec<SavedReply>) {
        self.accounts.entry(account.clone()).or_default().replies = replies;
    }

    pub fn replies(&self, account: &AccountId) -> &[SavedReply] {
        self.accounts
            .get(account)
            .map_or(&[], |team| team.replies.as_slice())
    }

    /// The labels the platform offers.
    pub fn labels(&self, account: &AccountId) -> &[String] {
        self.accounts
            .get(account)
            .map_or(&[], |team| team.labels.as_slice())
    }

    /// How an assignee is shown: "me" for this inbox's agent (`me_name`), else the agent's
    /// name as the platform gave it, else its id.
    pub fn name_of<'a>(&'a self, account: &AccountId, id: &'a str, me_name: &'a str) -> &'a str {
        if id == self.me(account) {
            return me_name;
        }
        self.agents(account)
            .iter()
            .find(|agent| agent.id == id)
            .map_or(id, |agent| agent.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_platform_and_me_is_the_agent_at_the_keyboard() {
        let account = AccountId::new("hub");
        let mut team = Team::default();
        assert_eq!(team.me(&account), LOCAL_ME);
        assert!(!team.knows_me(&account));
        let agents = vec![
            Agent {
                id: "u1".into(),
                name: "Maya".into(),
            },
            Agent {
                id: "u2".into(),
                name: "Sam".into(),
            },
        ];
        assert!(team.learn(
            &account,
            Some("u2".into()),
            agents.clone(),
            vec![
                "vip".into(),
                " billing ".into(),
                "VIP".into(),
                String::new()
            ],
        ));
        assert!(!team.learn(
            &account,
            Some("u2".into()),
            agents,
            vec!["billing".into(), "vip".into()],
        ));
        assert_eq!(team.labels(&account), ["billing", "vip"]);
        assert_eq!(team.name_of(&account, "u1", "Me"), "Maya");
        assert_eq!(team.name_of(&account, "u2", "Me"), "Me");
        assert_eq!(team.name_of(&account, "u9", "Me"), "u9");
    }
}
