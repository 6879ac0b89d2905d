//! `[[account]] provider = "linktor"`: a Linktor server (the SDK contract or the Go server's
//! dialect), and how it becomes the provider's [`LinktorConfig`]: secrets resolved from the
//! environment or the file, the dialect, the login, the limits and the webhook receiver.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use super::webhook::WebhookConfig;
use super::{Dialect, LinktorConfig, Login};
use crate::providers::kit::secret::{SecretField, is_http_url, resolve_secret};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinktorAccount {
    /// Shown in the status bar; must be unique.
    pub name: String,
    pub base_url: String,
    /// The key itself, or use `api_key_env` to read it from the environment.
    pub api_key: Option<String>,
    pub api_key_env: Option<String>,
    /// Seconds between safety-net polls while the WebSocket is up.
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    /// Which wire contract the server speaks: the SDKs' (`sdk`) or the Go server's (`server`).
    #[serde(default)]
    pub dialect: LinktorDialect,
    /// A Bearer access token instead of an API key, inline or from the environment.
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub access_token_env: Option<String>,
    /// Login for Bearer JWTs (server dialect): the token is fetched and refreshed as needed.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Seconds before one HTTP request is given up.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Retries of a request failing with 429, 5xx, a timeout or a network error.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Optional signed-webhook receiver for this account.
    #[serde(default)]
    pub webhook: Option<WebhookSection>,
    /// The agent this inbox works as on the server (its user id): what "assign to me" and
    /// the Mine view mean. Without it, conversations can still be assigned to others.
    #[serde(default)]
    pub agent_id: Option<String>,
}

/// The two Linktor wire contracts (`protocols.md` §2.1 and §2.2).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LinktorDialect {
    /// `X-API-Key`, camelCase, `data` + `pagination`, `/ws` with subscribe frames.
    #[default]
    Sdk,
    /// `/api/v1`, Bearer JWT, snake_case, `{success, data, meta}`, `{type, payload}` frames.
    Server,
}

/// `[account.webhook]`: where Linktor posts signed events.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    /// Address the receiver listens on, e.g. `0.0.0.0:8787`.
    pub listen: SocketAddr,
    /// The webhook secret, inline or from the environment.
    pub secret: Option<String>,
    pub secret_env: Option<String>,
    /// Refuse webhooks without `X-Linktor-Timestamp` (for senders that always send it).
    #[serde(default)]
    pub require_timestamp: bool,
}

fn default_poll() -> u64 {
    30
}
fn default_timeout() -> u64 {
    30
}
fn default_retries() -> u32 {
    3
}

impl LinktorAccount {
    /// An account with an API key and every other field at its default.
    pub fn with_key(name: &str, base_url: &str, api_key: &str) -> Self {
        Self {
            name: name.to_string(),
            base_url: base_url.to_string(),
            api_key: Some(api_key.to_string()),
            api_key_env: None,
            poll_interval_secs: default_poll(),
            dialect: LinktorDialect::Sdk,
            access_token: None,
            access_token_env: None,
            email: None,
            password: None,
            password_env: None,
            timeout_secs: default_timeout(),
            max_retries: default_retries(),
            webhook: None,
            agent_id: None,
        }
    }

    /// Checks what serde cannot; `field` names a field of this account for messages.
    pub fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), String> {
        if !is_http_url(&self.base_url) {
            return Err(format!(
                "{}: \"{}\" must start with http:// or https://",
                field("base_url"),
                self.base_url
            ));
        }
        let has_key = self.api_key.is_some() || self.api_key_env.is_some();
        let has_token = self.access_token.is_some() || self.access_token_env.is_some();
        let has_password = self.password.is_some() || self.password_env.is_some();
        if self.email.is_some() != has_password {
            return Err(format!(
                "{}: a login needs both email and password (or password_env)",
                field("email")
            ));
        }
        if !(has_key || has_token || self.email.is_some()) {
            return Err(format!(
                "{}: set api_key or api_key_env, access_token or access_token_env, or email and password",
                field("api_key")
            ));
        }
        if let Some(hook) = &self.webhook
            && hook.secret.is_none()
            && hook.secret_env.is_none()
        {
            return Err(format!(
                "{}: set secret or secret_env",
                field("webhook.secret")
            ));
        }
        Ok(())
    }

    /// Every secret field, so recordings can mask them and a world-readable file gets a warning.
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        let mut fields = vec![
            (&self.api_key, &self.api_key_env),
            (&self.access_token, &self.access_token_env),
            (&self.password, &self.password_env),
        ];
        if let Some(hook) = &self.webhook {
            fields.push((&hook.secret, &hook.secret_env));
        }
        fields
    }

    /// The provider config, with its secrets resolved; `field` names a field in messages.
    pub fn provider_config(&self, field: &dyn Fn(&str) -> String) -> Result<LinktorConfig, String> {
        let optional = |inline: &Option<String>, env: &Option<String>, name: &str| {
            if inline.is_none() && env.is_none() {
                Ok(None)
            } else {
                resolve_secret(inline, env, &field(name)).map(Some)
            }
        };
        let key = optional(&self.api_key, &self.api_key_env, "api_key")?.unwrap_or_default();
        let token = optional(&self.access_token, &self.access_token_env, "access_token")?;
        let login = match &self.email {
            Some(email) => Some(Login {
                email: email.clone(),
                password: resolve_secret(&self.password, &self.password_env, &field("password"))?,
            }),
            None => None,
        };
        let webhook = match &self.webhook {
            Some(section) => Some(WebhookConfig {
                listen: section.listen,
                secret: resolve_secret(
                    &section.secret,
                    &section.secret_env,
                    &field("webhook.secret"),
                )?,
                require_timestamp: section.require_timestamp,
            }),
            None => None,
        };
        let mut config = LinktorConfig::new(self.base_url.clone(), key);
        config.poll_interval = Duration::from_secs(self.poll_interval_secs.max(1));
        config.request_timeout = Duration::from_secs(self.timeout_secs.max(1));
        config.max_retries = self.max_retries;
        config.dialect = match self.dialect {
            LinktorDialect::Sdk => Dialect::Sdk,
            LinktorDialect::Server => Dialect::Server,
        };
        config.access_token = token;
        config.login = login;
        config.webhook = webhook;
        config.me = self
            .agent_id
            .as_ref()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .map(|id| crate::model::Agent {
                name: id.clone(),
                id,
            });
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_carry_over_and_secrets_resolve() {
        let account = LinktorAccount {
            dialect: LinktorDialect::Server,
            api_key: None,
            email: Some("me@example.com".into()),
            password: Some("pw".into()),
            timeout_secs: 7,
            max_retries: 1,
            ..LinktorAccount::with_key("a", "http://h", "k")
        };
        let config = account
            .provider_config(&|name| format!("account[0].{name}"))
            .expect("config");
        assert_eq!(config.dialect, Dialect::Server);
        assert_eq!(config.api_key, "");
        assert_eq!(
            config.login.as_ref().map(|l| l.password.as_str()),
            Some("pw")
        );
        assert_eq!(config.request_timeout, Duration::from_secs(7));
        assert_eq!(config.max_retries, 1);
        assert!(!format!("{config:?}").contains("pw\""), "password redacted");
    }
}
