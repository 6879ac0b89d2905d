//! `[[account]] provider = "vumi"`: a Vumi Go conversation of type HTTP API (SMS, USSD,
//! voice…), and how it becomes the provider's [`VumiConfig`].

use std::net::SocketAddr;

use serde::Deserialize;

use super::{Aggregator, MetricsConfig, Mode, PushCredentials, VumiConfig};
use crate::providers::kit::secret::{SecretField, is_http_url, resolve_secret};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VumiAccount {
    pub name: String,
    /// Account > Details in Vumi Go.
    pub account_key: String,
    /// The UUID at the end of the conversation's URL.
    pub conversation_key: String,
    /// One of the conversation's `api_tokens`, or use `conversation_token_env`.
    pub conversation_token: Option<String>,
    pub conversation_token_env: Option<String>,
    /// Defaults to the public API (`…/http_api` for streams, `…/http_api_nostream` for push).
    pub base_url: Option<String>,
    #[serde(default)]
    pub mode: VumiMode,
    /// Push mode: where our receiver listens for Vumi Go's POSTs.
    pub push_listen: Option<SocketAddr>,
    /// Push mode: the Basic credentials put in the push URLs' userinfo.
    pub push_username: Option<String>,
    pub push_password: Option<String>,
    pub push_password_env: Option<String>,
    /// Fire metrics after replies (off by default).
    #[serde(default)]
    pub metrics: bool,
    #[serde(default = "default_metrics_prefix")]
    pub metrics_prefix: String,
    #[serde(default = "default_replies_aggregator")]
    pub metrics_replies_aggregator: Aggregator,
    #[serde(default = "default_response_aggregator")]
    pub metrics_response_aggregator: Aggregator,
}

/// How a Vumi account hears inbound messages and events.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VumiMode {
    /// Long-lived GETs of `messages.json` and `events.json`.
    #[default]
    Stream,
    /// Vumi Go POSTs to our receiver at `push_listen`.
    Push,
}

fn default_metrics_prefix() -> String {
    "switchboard".to_string()
}
fn default_replies_aggregator() -> Aggregator {
    Aggregator::Sum
}
fn default_response_aggregator() -> Aggregator {
    Aggregator::Avg
}

impl VumiAccount {
    /// Checks what serde cannot; `field` names a field of this account for messages.
    pub fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), String> {
        let wrong = |name: &str, why: &str| Err(format!("{}: {why}", field(name)));
        if self.account_key.trim().is_empty() {
            return wrong("account_key", "must not be empty");
        }
        if self.conversation_key.trim().is_empty() {
            return wrong("conversation_key", "must not be empty");
        }
        if self.conversation_token.is_none() && self.conversation_token_env.is_none() {
            return wrong(
                "conversation_token",
                "set conversation_token or conversation_token_env",
            );
        }
        if let Some(url) = &self.base_url
            && !is_http_url(url)
        {
            return wrong(
                "base_url",
                &format!("\"{url}\" must start with http:// or https://"),
            );
        }
        if self.mode == VumiMode::Push {
            if self.push_listen.is_none() {
                return wrong("push_listen", "push mode needs an address to listen on");
            }
            if self.push_username.as_deref().is_none_or(|u| u.is_empty()) {
                return wrong("push_username", "push mode needs Basic credentials");
            }
            if self.push_password.is_none() && self.push_password_env.is_none() {
                return wrong("push_password", "set push_password or push_password_env");
            }
        }
        if self.metrics_prefix.trim().is_empty() {
            return wrong("metrics_prefix", "must not be empty");
        }
        Ok(())
    }

    /// Every secret field, so recordings can mask them and a world-readable file gets a warning.
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        vec![
            (&self.conversation_token, &self.conversation_token_env),
            (&self.push_password, &self.push_password_env),
        ]
    }

    /// The provider config, with its secrets resolved; `field` names a field in messages.
    pub fn provider_config(&self, field: &dyn Fn(&str) -> String) -> Result<VumiConfig, String> {
        let secret = |inline: &Option<String>, env: &Option<String>, name: &str| {
            resolve_secret(inline, env, &field(name))
        };
        let token = secret(
            &self.conversation_token,
            &self.conversation_token_env,
            "conversation_token",
        )?;
        let mut config = VumiConfig::new(&self.account_key, &self.conversation_key, token);
        let default_url = match self.mode {
            VumiMode::Stream => super::DEFAULT_STREAM_URL,
            VumiMode::Push => {
                let listen = self
                    .push_listen
                    .ok_or_else(|| format!("{} is not set", field("push_listen")))?;
                config.mode = Mode::Push {
                    listen,
                    credentials: PushCredentials {
                        username: self.push_username.clone().unwrap_or_default(),
                        password: secret(
                            &self.push_password,
                            &self.push_password_env,
                            "push_password",
                        )?,
                    },
                };
                super::DEFAULT_PUSH_URL
            }
        };
        config.api_url = self
            .base_url
            .clone()
            .unwrap_or_else(|| default_url.to_string());
        if self.metrics {
            config.metrics = Some(MetricsConfig {
                prefix: self.metrics_prefix.clone(),
                replies_aggregator: self.metrics_replies_aggregator,
                response_aggregator: self.metrics_response_aggregator,
            });
        }
        Ok(config)
    }
}
