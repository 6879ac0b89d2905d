//! `[[account]] provider = "chatwoot"`: one Chatwoot account (self-hosted or the cloud) as
//! one agent, and how it becomes the provider's [`ChatwootConfig`].

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use super::ChatwootConfig;
use super::webhook::WebhookConfig;
use crate::providers::kit::secret::{SecretField, is_http_url, resolve_secret};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChatwootAccount {
    /// Shown in the status bar; must be unique.
    pub name: String,
    /// The installation, e.g. `https://app.chatwoot.com` or a self-hosted address.
    pub base_url: String,
    /// The account's number (in the web app's URLs: `/app/accounts/<id>/…`).
    pub account_id: u64,
    /// The agent's access token (Profile settings → Access Token), inline or from the
    /// environment.
    pub api_access_token: Option<String>,
    pub api_access_token_env: Option<String>,
    /// Only these inboxes (by id); empty: every inbox the agent belongs to.
    #[serde(default)]
    pub inboxes: Vec<u64>,
    /// Which conversations to list: `all`, `mine` or `unassigned`.
    #[serde(default)]
    pub conversations: Listing,
    /// Seconds between safety-net reads of recent changes while live.
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Optional receiver of the account's webhooks.
    #[serde(default)]
    pub webhook: Option<WebhookSection>,
}

/// Which conversations an agent works (`assignee_type` of §3.1).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Listing {
    #[default]
    All,
    Mine,
    Unassigned,
}

impl Listing {
    pub fn assignee_type(self) -> &'static str {
        match self {
            Listing::All => "all",
            Listing::Mine => "me",
            Listing::Unassigned => "unassigned",
        }
    }
}

/// `[account.webhook]`: where Chatwoot posts the account webhook's events (§8).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    pub listen: SocketAddr,
    /// The webhook's `secret` (Chatwoot 4.12 and later sign with it).
    pub secret: Option<String>,
    pub secret_env: Option<String>,
    /// Servers older than 4.12 sign nothing: accepting unsigned callbacks must be asked for.
    #[serde(default)]
    pub allow_unsigned: bool,
}

fn default_poll() -> u64 {
    60
}
fn default_timeout() -> u64 {
    30
}
fn default_retries() -> u32 {
    3
}

impl ChatwootAccount {
    pub fn with_token(name: &str, base_url: &str, account_id: u64, token: &str) -> Self {
        Self {
            name: name.to_string(),
            base_url: base_url.to_string(),
            account_id,
            api_access_token: Some(token.to_string()),
            api_access_token_env: None,
            inboxes: Vec::new(),
            conversations: Listing::All,
            poll_interval_secs: default_poll(),
            timeout_secs: default_timeout(),
            max_retries: default_retries(),
            webhook: None,
        }
    }

    pub fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), String> {
        if !is_http_url(&self.base_url) {
            return Err(format!(
                "{}: \"{}\" must start with http:// or https://",
                field("base_url"),
                self.base_url
            ));
        }
        if self.api_access_token.is_none() && self.api_access_token_env.is_none() {
            return Err(format!(
                "{}: set api_access_token or api_access_token_env (Chatwoot: Profile settings → Access Token)",
                field("api_access_token")
            ));
        }
        if let Some(hook) = &self.webhook
            && hook.secret.is_none()
            && hook.secret_env.is_none()
            && !hook.allow_unsigned
        {
            return Err(format!(
                "{}: set secret or secret_env (the webhook's secret), or allow_unsigned = true for a Chatwoot older than 4.12",
                field("webhook.secret")
            ));
        }
        Ok(())
    }

    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        let mut fields = vec![(&self.api_access_token, &self.api_access_token_env)];
        if let Some(hook) = &self.webhook {
            fields.push((&hook.secret, &hook.secret_env));
        }
        fields
    }

    pub fn provider_config(
        &self,
        field: &dyn Fn(&str) -> String,
    ) -> Result<ChatwootConfig, String> {
        let token = resolve_secret(
            &self.api_access_token,
            &self.api_access_token_env,
            &field("api_access_token"),
        )?;
        let webhook = match &self.webhook {
            Some(section) => {
                let secret = if section.secret.is_none() && section.secret_env.is_none() {
                    None
                } else {
                    Some(resolve_secret(
                        &section.secret,
                        &section.secret_env,
                        &field("webhook.secret"),
                    )?)
                };
                Some(WebhookConfig {
                    listen: section.listen,
                    secret,
                })
            }
            None => None,
        };
        let mut config = ChatwootConfig::new(&self.base_url, self.account_id, &token);
        config.inboxes = self.inboxes.clone();
        config.listing = self.conversations;
        config.poll_interval = Duration::from_secs(self.poll_interval_secs.max(1));
        config.request_timeout = Duration::from_secs(self.timeout_secs.max(1));
        config.max_retries = self.max_retries;
        config.webhook = webhook;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> String {
        format!("account[0].{name}")
    }

    #[test]
    fn a_token_is_required_and_unsigned_webhooks_must_be_asked_for() {
        let mut account = ChatwootAccount::with_token("cw", "https://app.chatwoot.com", 1, "t");
        assert!(account.validate(&field).is_ok());
        account.api_access_token = None;
        assert!(
            account
                .validate(&field)
                .expect_err("refused")
                .contains("api_access_token")
        );
        account.api_access_token = Some("t".into());
        account.webhook = Some(WebhookSection {
            listen: "127.0.0.1:0".parse().expect("addr"),
            secret: None,
            secret_env: None,
            allow_unsigned: false,
        });
        assert!(
            account
                .validate(&field)
                .expect_err("refused")
                .contains("allow_unsigned")
        );
        if let Some(hook) = account.webhook.as_mut() {
            hook.allow_unsigned = true;
        }
        let config = account.provider_config(&field).expect("config");
        assert_eq!(config.webhook.and_then(|hook| hook.secret), None);
        assert!(!format!("{:?}", account.provider_config(&field)).contains("\"t\""));
    }

    #[test]
    fn the_listing_reads_from_toml() {
        let account: ChatwootAccount = toml::from_str(
            "name='cw'\nbase_url='https://h'\naccount_id=3\napi_access_token_env='CW'\nconversations='mine'\ninboxes=[4,5]",
        )
        .expect("toml");
        assert_eq!(account.conversations.assignee_type(), "me");
        assert_eq!(account.inboxes, vec![4, 5]);
    }
}
