//! One `[[account]]` of the config: each provider owns its schema (`<provider>/config.rs`),
//! this enum names them by `provider = "…"`, and [`start`] turns any of them into a running
//! provider.

use std::collections::HashMap;

use serde::Deserialize;
use tokio::sync::mpsc;

use super::chatwoot::config::ChatwootAccount;
use super::kit::secret::{SecretField, secret_values};
use super::linktor::config::LinktorAccount;
use super::sinch::config::SinchAccount;
use super::vumi::config::VumiAccount;
use super::{AccountEvent, PlatformActions, ProviderHandle, chatwoot, linktor, sinch, vumi};
use crate::model::{AccountId, Timestamp};

// Read once at start-up, a handful at most: the size spread between providers costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum AccountConfig {
    /// A Linktor server (SDK contract or Go server), e.g. a shared `switchboard hub`.
    Linktor(LinktorAccount),
    /// A Sinch Conversation API app.
    Sinch(Box<SinchAccount>),
    /// A Vumi Go conversation of type HTTP API (SMS, USSD, voice…).
    Vumi(VumiAccount),
    /// A Chatwoot account, as one of its agents.
    Chatwoot(ChatwootAccount),
}

/// What the runtime hands every provider when it starts one.
#[derive(Default)]
pub struct StartContext {
    /// Per account, where each conversation's history was last read up to (Linktor resumes
    /// from it).
    pub resume: HashMap<AccountId, HashMap<String, (Timestamp, String)>>,
    /// Only sending: a provider that would take a share of the inbound stream does not.
    pub send_only: bool,
    /// How the agent at this keyboard is named (`[ui] agent_name`) to a platform that keeps
    /// a team.
    pub agent_name: String,
}

/// A provider that started: its account, what its platform offers, and its handle.
pub struct Started {
    pub account: AccountId,
    pub actions: PlatformActions,
    pub handle: ProviderHandle,
}

impl AccountConfig {
    /// A Linktor account with an API key and every other field at its default.
    pub fn linktor_with_key(name: &str, base_url: &str, api_key: &str) -> Self {
        AccountConfig::Linktor(LinktorAccount::with_key(name, base_url, api_key))
    }

    /// The same Linktor account, polling every `secs` seconds (other kinds are returned as is).
    pub fn with_poll_interval(mut self, secs: u64) -> Self {
        if let AccountConfig::Linktor(account) = &mut self {
            account.poll_interval_secs = secs;
        }
        self
    }

    pub fn name(&self) -> &str {
        match self {
            AccountConfig::Linktor(account) => &account.name,
            AccountConfig::Sinch(account) => &account.name,
            AccountConfig::Vumi(account) => &account.name,
            AccountConfig::Chatwoot(account) => &account.name,
        }
    }

    /// The URLs this account sends its credentials to, by field, for the plain-http warning.
    pub fn http_urls(&self) -> Vec<(&'static str, &str)> {
        fn named<'a>(
            name: &'static str,
            url: &'a Option<String>,
        ) -> Option<(&'static str, &'a str)> {
            url.as_deref().map(|url| (name, url))
        }
        match self {
            AccountConfig::Linktor(account) => vec![("base_url", account.base_url.as_str())],
            AccountConfig::Sinch(account) => [
                named("api_origin", &account.api_origin),
                named("auth_origin", &account.auth_origin),
            ]
            .into_iter()
            .flatten()
            .collect(),
            AccountConfig::Vumi(account) => {
                named("base_url", &account.base_url).into_iter().collect()
            }
            AccountConfig::Chatwoot(account) => vec![("base_url", account.base_url.as_str())],
        }
    }

    /// Checks what serde cannot; `field` names a field of this account for messages.
    pub fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), String> {
        match self {
            AccountConfig::Linktor(account) => account.validate(field),
            AccountConfig::Sinch(account) => account.validate(field),
            AccountConfig::Vumi(account) => account.validate(field),
            AccountConfig::Chatwoot(account) => account.validate(field),
        }
    }

    /// Every secret field of this account, so that recordings and screenshots can mask them and
    /// a world-readable file holding one gets a warning. Exhaustive on purpose: a new kind of
    /// account must say which of its fields are secrets before it compiles.
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        match self {
            AccountConfig::Linktor(account) => account.secret_fields(),
            AccountConfig::Sinch(account) => account.secret_fields(),
            AccountConfig::Vumi(account) => account.secret_fields(),
            AccountConfig::Chatwoot(account) => account.secret_fields(),
        }
    }

    /// The values of [`Self::secret_fields`]: inline, or read from the environment now.
    pub fn secrets(&self) -> Vec<String> {
        secret_values(self.secret_fields())
    }
}

/// Starts the provider of account number `index`; the error names the setting at fault.
pub fn start(
    config: &AccountConfig,
    index: usize,
    context: &mut StartContext,
    events: mpsc::Sender<AccountEvent>,
) -> Result<Started, String> {
    let field = |name: &str| format!("account[{index}].{name}");
    let account = AccountId::new(config.name());
    let (actions, handle) = match config {
        AccountConfig::Linktor(linktor_account) => {
            let mut provider_config = linktor_account.provider_config(&field)?;
            provider_config.resume = context.resume.remove(&account).unwrap_or_default();
            if let Some(me) = provider_config.me.as_mut() {
                me.name = context.agent_name.clone();
            }
            let handle = linktor::spawn(account.clone(), provider_config, events);
            (PlatformActions::of("Linktor", false), handle)
        }
        AccountConfig::Sinch(sinch_account) => {
            let mut provider_config = sinch_account.provider_config(&field)?;
            let id = sinch_account
                .agent_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map_or_else(
                    || crate::model::Agent::id_for_name(&context.agent_name),
                    str::to_string,
                );
            provider_config.me = Some(crate::model::Agent {
                id,
                name: context.agent_name.clone(),
            });
            let handle = sinch::spawn(account.clone(), provider_config, events);
            (PlatformActions::of("Sinch", true), handle)
        }
        AccountConfig::Vumi(vumi_account) => {
            let mut provider_config = vumi_account.provider_config(&field)?;
            // Streams share each message out among their clients; a push receiver only
            // stores what it is sent (and cannot bind beside a running inbox).
            if context.send_only && provider_config.mode == vumi::Mode::Stream {
                provider_config.mode = vumi::Mode::SendOnly;
            }
            let handle = vumi::spawn(account.clone(), provider_config, events);
            (
                PlatformActions::of("Vumi Go", false).without_conversation_state(),
                handle,
            )
        }
        AccountConfig::Chatwoot(chatwoot_account) => {
            let mut provider_config = chatwoot_account.provider_config(&field)?;
            provider_config.resume = context.resume.remove(&account).unwrap_or_default();
            let handle = chatwoot::spawn(account.clone(), provider_config, events);
            (chatwoot::ACTIONS, handle)
        }
    };
    Ok(Started {
        account,
        actions,
        handle,
    })
}
