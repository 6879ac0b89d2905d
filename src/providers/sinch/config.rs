//! `[[account]] provider = "sinch"`: one Sinch Conversation API app, and how it becomes the
//! provider's [`SinchConfig`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use crate::providers::kit::secret::{SecretField, resolve_secret};
use crate::providers::sinch::{self, SinchConfig, WebhookConfig};

#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SinchAccount {
    /// Shown in the status bar; must be unique.
    pub name: String,
    pub project_id: String,
    pub app_id: String,
    /// Access key id (the OAuth2 client id).
    pub key_id: String,
    /// The key secret itself, or use `key_secret_env` to read it from the environment.
    pub key_secret: Option<String>,
    pub key_secret_env: Option<String>,
    /// `us`, `eu` or `br`; picks `https://{region}.conversation.api.sinch.com`.
    pub region: Option<String>,
    /// Overrides the Conversation API origin (private deployments, tests).
    pub api_origin: Option<String>,
    /// Overrides the OAuth2 origin (default `https://auth.sinch.com`).
    pub auth_origin: Option<String>,
    /// Sent with every reply, e.g. `SMS_SENDER = "+15550001"`.
    #[serde(default)]
    pub channel_properties: BTreeMap<String, String>,
    /// Send composing events while typing (also needs `[ui] send_typing`).
    #[serde(default = "yes")]
    pub send_typing: bool,
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    /// Receive pushes: where to listen and the webhook's secret.
    pub webhook: Option<SinchWebhook>,
    /// The id this inbox's agent has in the assignments every switchboard on the app shares
    /// (default: from `[ui] agent_name`, e.g. "Ana Lima" → `ana-lima`).
    #[serde(default)]
    pub agent_id: Option<String>,
}

#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SinchWebhook {
    pub listen: SocketAddr,
    pub secret: Option<String>,
    pub secret_env: Option<String>,
    /// How far a callback's signature timestamp may be from our clock.
    #[serde(default = "default_skew")]
    pub max_skew_secs: u64,
}

// Hand-written so a debug print of the config never shows a secret.
impl std::fmt::Debug for SinchAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinchAccount")
            .field("name", &self.name)
            .field("project_id", &self.project_id)
            .field("app_id", &self.app_id)
            .field("key_id", &self.key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SinchWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinchWebhook")
            .field("listen", &self.listen)
            .finish_non_exhaustive()
    }
}

fn yes() -> bool {
    true
}
fn default_poll() -> u64 {
    15
}
fn default_skew() -> u64 {
    300
}

impl SinchAccount {
    /// Checks what serde cannot; `field` names a field of this account for messages.
    pub fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), String> {
        for (name, value) in [
            ("project_id", &self.project_id),
            ("app_id", &self.app_id),
            ("key_id", &self.key_id),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{}: must not be empty", field(name)));
            }
        }
        if self.key_secret.is_none() && self.key_secret_env.is_none() {
            return Err(format!(
                "{}: set key_secret or key_secret_env",
                field("key_secret")
            ));
        }
        match &self.region {
            Some(region) if !sinch::REGIONS.contains(&region.as_str()) => {
                return Err(format!(
                    "{}: \"{region}\" is not one of us, eu, br",
                    field("region")
                ));
            }
            None if self.api_origin.is_none() => {
                return Err(format!(
                    "{}: set region (us, eu or br) or api_origin",
                    field("region")
                ));
            }
            _ => {}
        }
        for (name, origin) in [
            ("api_origin", &self.api_origin),
            ("auth_origin", &self.auth_origin),
        ] {
            if let Some(origin) = origin
                && !(origin.starts_with("http://") || origin.starts_with("https://"))
            {
                return Err(format!(
                    "{}: \"{origin}\" must start with http:// or https://",
                    field(name)
                ));
            }
        }
        if let Some(hook) = &self.webhook
            && hook.secret.is_none()
            && hook.secret_env.is_none()
        {
            return Err(format!(
                "{}: set secret or secret_env (unsigned callbacks are refused)",
                field("webhook")
            ));
        }
        Ok(())
    }

    /// The secret fields, each as (inline value, environment variable).
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        let mut fields = vec![(&self.key_secret, &self.key_secret_env)];
        if let Some(hook) = &self.webhook {
            fields.push((&hook.secret, &hook.secret_env));
        }
        fields
    }

    /// Whether a secret is written in the file itself (rather than named by `*_env`).
    pub fn has_inline_secret(&self) -> bool {
        self.key_secret.is_some()
            || self
                .webhook
                .as_ref()
                .is_some_and(|hook| hook.secret.is_some())
    }

    /// The provider's config; secrets named by environment variable are read now.
    pub fn provider_config(&self, field: &dyn Fn(&str) -> String) -> Result<SinchConfig, String> {
        let secret = resolve_secret(&self.key_secret, &self.key_secret_env, &field("key_secret"))?;
        let region = self.region.as_deref().unwrap_or("us");
        let mut config = SinchConfig::new(
            self.project_id.clone(),
            self.app_id.clone(),
            self.key_id.clone(),
            secret,
            region,
        );
        if let Some(origin) = &self.api_origin {
            config.api_origin = origin.clone();
        }
        if let Some(origin) = &self.auth_origin {
            config.auth_origin = origin.clone();
        }
        config.channel_properties = self.channel_properties.clone();
        config.send_typing = self.send_typing;
        config.poll_interval = Duration::from_secs(self.poll_interval_secs.max(1));
        if let Some(hook) = &self.webhook {
            let secret = resolve_secret(&hook.secret, &hook.secret_env, &field("webhook.secret"))?;
            config.webhook = Some(WebhookConfig {
                listen: hook.listen,
                secret,
                max_skew: Duration::from_secs(hook.max_skew_secs),
            });
        }
        Ok(config)
    }
}
