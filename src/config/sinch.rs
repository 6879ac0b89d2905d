//! `[[account]] provider = "sinch"`: one Sinch Conversation API app, and how it becomes the
//! provider's [`SinchConfig`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{SecretField, resolve_secret};
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
    pub fn provider_config(&self, index: usize) -> Result<SinchConfig, String> {
        let field = |name: &str| format!("account[{index}].{name}");
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

/// A warning when `path` holds secrets and other users may read it.
pub fn world_readable_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o004 != 0).then(|| {
            format!(
                "{} holds a Sinch secret and is readable by every user: chmod 600 it, or use key_secret_env",
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{AccountConfig, Config};

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/tmp/config.toml")).map_err(|e| e.to_string())
    }

    const TWO_APPS: &str = r#"
        [hub]
        enabled = true
        [[account]]
        provider = "sinch"
        name = "support-eu"
        project_id = "proj"
        app_id = "APP1"
        key_id = "kid"
        key_secret_env = "SWITCHBOARD_TEST_SINCH_SECRET"
        region = "eu"
        channel_properties = { SMS_SENDER = "+15550001" }
        [account.webhook]
        listen = "127.0.0.1:0"
        secret = "hook"
        [[account]]
        provider = "sinch"
        name = "sales-us"
        project_id = "proj"
        app_id = "APP2"
        key_id = "kid2"
        key_secret = "inline"
        api_origin = "http://127.0.0.1:9"
        auth_origin = "http://127.0.0.1:9"
        send_typing = false
    "#;

    #[test]
    fn several_sinch_accounts_and_the_hub_parse() {
        let config = parse(TWO_APPS).expect("valid");
        assert!(config.hub_enabled());
        assert_eq!(config.accounts.len(), 2);
        let AccountConfig::Sinch(first) = &config.accounts[0] else {
            panic!("sinch account expected");
        };
        assert_eq!(
            first
                .channel_properties
                .get("SMS_SENDER")
                .map(String::as_str),
            Some("+15550001")
        );
        assert!(first.has_inline_secret(), "webhook secret is inline");
        let AccountConfig::Sinch(second) = &config.accounts[1] else {
            panic!("sinch account expected");
        };
        let provider = second.provider_config(1).expect("inline secret");
        assert_eq!(provider.api_origin, "http://127.0.0.1:9");
        assert!(!provider.send_typing);
        // A debug print never shows a secret.
        assert!(!format!("{config:?}").contains("inline"));
    }

    #[test]
    fn region_selects_the_origin_and_bad_fields_are_named() {
        let base = "[[account]]\nprovider = \"sinch\"\nname = \"s\"\nproject_id = \"p\"\napp_id = \"a\"\nkey_id = \"k\"\nkey_secret = \"x\"\n";
        let config = parse(&format!("{base}region = \"br\"\n")).expect("valid");
        let AccountConfig::Sinch(account) = &config.accounts[0] else {
            panic!("sinch account expected");
        };
        let provider = account.provider_config(0).expect("config");
        assert_eq!(provider.api_origin, "https://br.conversation.api.sinch.com");
        assert_eq!(provider.auth_origin, "https://auth.sinch.com");

        let error = parse(&format!("{base}region = \"mars\"\n")).expect_err("bad region");
        assert!(error.contains("account[0].region"), "{error}");
        let error = parse(base).expect_err("no region");
        assert!(error.contains("region"), "{error}");
        let error = parse(&format!(
            "{base}region = \"us\"\nwebhook = {{ listen = \"127.0.0.1:0\" }}\n"
        ))
        .expect_err("unsigned webhook");
        assert!(error.contains("account[0].webhook"), "{error}");
        let error = parse(&format!("{base}region = \"us\"\nkey_secret_typo = 1\n"))
            .expect_err("unknown field");
        assert!(error.contains("key_secret_typo"), "{error}");
        let missing = base.replace("key_secret = \"x\"\n", "region = \"us\"\n");
        let error = parse(&missing).expect_err("no secret");
        assert!(error.contains("account[0].key_secret"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_in_a_world_readable_file_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, TWO_APPS).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (config, _) = Config::load(Some(&path)).expect("loads");
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
        assert!(config.warnings[0].contains("chmod 600"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (config, _) = Config::load(Some(&path)).expect("loads");
        assert!(config.warnings.is_empty());
    }
}
