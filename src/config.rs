//! The TOML config: which accounts to open, how the embedded hub runs, and UI preferences.
//!
//! Where it lives: `--config PATH`, else `$SWITCHBOARD_CONFIG`, else `config.toml` in the XDG
//! config dir (`~/.config/switchboard/config.toml` on Linux). A missing default file is not an
//! error: it means the embedded default. A broken file is, with a message naming the file, the
//! field and the line.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod assist;
pub mod notify;
pub mod sinch;
pub mod theme;

/// The whole config file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub hub: HubSection,
    #[serde(default)]
    pub ui: UiSection,
    #[serde(default)]
    pub insights: InsightsSection,
    /// `[store]`: where the local cache and outbox live.
    #[serde(default)]
    pub store: StoreSection,
    /// Remote accounts. With none, the inbox opens the embedded hub.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
    /// Warnings found while loading (e.g. a secret in a world-readable file), for the notices.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// `[symbl]`: Symbl as a remote insight source beside the local engine.
    #[serde(default)]
    pub symbl: SymblSection,
    /// `[assist]`: an OpenAI-compatible server for summaries, suggested replies and insights.
    pub assist: Option<assist::AssistSection>,
    /// `[theme]`: the look (see `config/theme.rs`). Absent: `dark`, or `mono` under `NO_COLOR`.
    pub theme: Option<theme::ThemeSection>,
    /// `[notify]`: desktop notifications, the bell, the terminal title.
    #[serde(default)]
    pub notify: notify::NotifySection,
    /// `[keys.<context>] <action> = "key" | ["key", …]`, as written (read into `keymap`).
    #[serde(default, rename = "keys")]
    pub key_entries: BTreeMap<String, BTreeMap<String, toml::Spanned<KeyList>>>,
    /// The keys: the defaults with `[keys]` over them (see `app/keymap.rs`).
    #[serde(skip)]
    pub keymap: crate::app::keymap::KeyMap,
}

/// One key or several.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(
    untagged,
    expecting = "a key name like \"ctrl-k\", or a list of them like [\"j\", \"down\"]"
)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

/// The `confidence_threshold` Symbl accepts: its API refuses values below 0.5.
pub const SYMBL_CONFIDENCE_RANGE: std::ops::RangeInclusive<f64> = 0.5..=1.0;

/// `[symbl]`: analyse conversations with Symbl. Off unless `enabled = true`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymblSection {
    #[serde(default)]
    pub enabled: bool,
    /// The app id itself, or `app_id_env` naming the environment variable holding it.
    pub app_id: Option<String>,
    pub app_id_env: Option<String>,
    /// The app secret itself, or (better) `app_secret_env`.
    pub app_secret: Option<String>,
    pub app_secret_env: Option<String>,
    /// Symbl's API host; the streaming socket uses the same host (https→wss).
    #[serde(default = "default_symbl_url")]
    pub base_url: String,
    #[serde(default)]
    pub mode: SymblModeConfig,
    /// Seconds between two reads of a job's status (async mode).
    #[serde(default = "default_symbl_poll")]
    pub poll_interval_secs: u64,
    /// Minimum confidence of the insights Symbl returns (0.5–1.0, the range Symbl accepts);
    /// Symbl's default when unset.
    pub confidence_threshold: Option<f64>,
    /// The agent's name as the streaming speaker.
    #[serde(default = "default_agent_name")]
    pub agent_name: String,
    /// Vocabulary groups Symbl tracks.
    #[serde(default, rename = "tracker")]
    pub trackers: Vec<SymblTracker>,
}

impl Default for SymblSection {
    fn default() -> Self {
        Self {
            enabled: false,
            app_id: None,
            app_id_env: None,
            app_secret: None,
            app_secret_env: None,
            base_url: default_symbl_url(),
            mode: SymblModeConfig::default(),
            poll_interval_secs: default_symbl_poll(),
            confidence_threshold: None,
            agent_name: default_agent_name(),
            trackers: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SymblModeConfig {
    /// Async Text API: submit, append, poll, read the Conversation API.
    #[default]
    Async,
    /// Streaming WebSocket with live insight frames.
    Streaming,
}

/// One `[[symbl.tracker]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymblTracker {
    pub name: String,
    pub vocabulary: Vec<String>,
}

/// `[hub]`: the embedded hub.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// Start the embedded hub and open it as an account. Defaults to true when no account is
    /// configured, false otherwise.
    pub enabled: Option<bool>,
    /// Address to listen on; port 0 picks a free port.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Run the demo simulator of customers.
    #[serde(default = "yes")]
    pub demo: bool,
    /// Seed of the simulator (same seed, same customers and dialogues).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Pace of the simulator: 1.0 is a human pace, 2.0 twice as fast.
    #[serde(default = "one")]
    pub speed: f64,
    /// SQLite file of the hub; defaults to the XDG data dir.
    pub database: Option<PathBuf>,
}

impl Default for HubSection {
    fn default() -> Self {
        Self {
            enabled: None,
            listen: default_listen(),
            demo: true,
            seed: default_seed(),
            speed: 1.0,
            database: None,
        }
    }
}

/// `[store]`: the local cache and outbox.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// SQLite file of the cache and outbox; defaults to `inbox.sqlite3` in the XDG data dir.
    pub database: Option<PathBuf>,
}

/// `[ui]`: preferences of the inbox itself.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    /// Tell customers when the agent is typing (off for privacy).
    #[serde(default = "yes")]
    pub send_typing: bool,
    /// Seconds an incoming typing indicator lasts without news.
    #[serde(default = "default_typing_ttl")]
    pub typing_ttl_secs: u64,
    /// Times as `"24h"` (14:05) or `"12h"` (2:05 pm).
    #[serde(default)]
    pub clock: ClockStyle,
}

/// How times of day are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum ClockStyle {
    #[default]
    #[serde(rename = "24h")]
    TwentyFour,
    #[serde(rename = "12h")]
    Twelve,
}

impl Default for UiSection {
    fn default() -> Self {
        Self {
            send_typing: true,
            typing_ttl_secs: default_typing_ttl(),
            clock: ClockStyle::default(),
        }
    }
}

/// `[insights]`: the local insight engine.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InsightsSection {
    /// `[[insights.tracker]]` vocabulary groups to count. Absent: the built-in Refund,
    /// Cancel, Escalation and Urgent groups; an empty list turns trackers off.
    #[serde(default, rename = "tracker")]
    pub trackers: Option<Vec<crate::insights::TrackerSpec>>,
}

impl InsightsSection {
    /// The trackers to count.
    pub fn trackers(&self) -> Vec<crate::insights::TrackerSpec> {
        self.trackers
            .clone()
            .unwrap_or_else(crate::insights::trackers::default_trackers)
    }
}

/// One `[[account]]`.
// Read once at start-up, a handful at most: the size spread between providers costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum AccountConfig {
    /// A Linktor server (SDK contract), e.g. a shared `switchboard hub` or api.linktor.io.
    Linktor {
        /// Shown in the status bar; must be unique.
        name: String,
        base_url: String,
        /// The key itself, or use `api_key_env` to read it from the environment.
        api_key: Option<String>,
        api_key_env: Option<String>,
        /// Seconds between safety-net polls while the WebSocket is up.
        #[serde(default = "default_poll")]
        poll_interval_secs: u64,
        /// Which wire contract the server speaks: the SDKs' (`sdk`) or the Go server's (`server`).
        #[serde(default)]
        dialect: LinktorDialect,
        /// A Bearer access token instead of an API key, inline or from the environment.
        #[serde(default)]
        access_token: Option<String>,
        #[serde(default)]
        access_token_env: Option<String>,
        /// Login for Bearer JWTs (server dialect): the token is fetched and refreshed as needed.
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        password: Option<String>,
        #[serde(default)]
        password_env: Option<String>,
        /// Seconds before one HTTP request is given up.
        #[serde(default = "default_timeout")]
        timeout_secs: u64,
        /// Retries of a request failing with 429, 5xx, a timeout or a network error.
        #[serde(default = "default_retries")]
        max_retries: u32,
        /// Optional signed-webhook receiver for this account.
        #[serde(default)]
        webhook: Option<WebhookSection>,
    },
    /// A Sinch Conversation API app (see `config/sinch.rs`).
    Sinch(Box<sinch::SinchAccount>),
    /// A Vumi Go conversation of type HTTP API (SMS, USSD, voice…).
    Vumi {
        name: String,
        /// Account > Details in Vumi Go.
        account_key: String,
        /// The UUID at the end of the conversation's URL.
        conversation_key: String,
        /// One of the conversation's `api_tokens`, or use `conversation_token_env`.
        conversation_token: Option<String>,
        conversation_token_env: Option<String>,
        /// Defaults to the public API (`…/http_api` for streams, `…/http_api_nostream` for push).
        base_url: Option<String>,
        #[serde(default)]
        mode: VumiMode,
        /// Push mode: where our receiver listens for Vumi Go's POSTs.
        push_listen: Option<SocketAddr>,
        /// Push mode: the Basic credentials put in the push URLs' userinfo.
        push_username: Option<String>,
        push_password: Option<String>,
        push_password_env: Option<String>,
        /// Fire metrics after replies (off by default).
        #[serde(default)]
        metrics: bool,
        #[serde(default = "default_metrics_prefix")]
        metrics_prefix: String,
        #[serde(default = "default_replies_aggregator")]
        metrics_replies_aggregator: crate::providers::vumi::Aggregator,
        #[serde(default = "default_response_aggregator")]
        metrics_response_aggregator: crate::providers::vumi::Aggregator,
    },
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

impl AccountConfig {
    /// A Linktor account with an API key and every other field at its default.
    pub fn linktor_with_key(name: &str, base_url: &str, api_key: &str) -> Self {
        AccountConfig::Linktor {
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
        }
    }

    /// The same Linktor account, polling every `secs` seconds (other kinds are returned as is).
    pub fn with_poll_interval(mut self, secs: u64) -> Self {
        if let AccountConfig::Linktor {
            poll_interval_secs, ..
        } = &mut self
        {
            *poll_interval_secs = secs;
        }
        self
    }
}

impl AccountConfig {
    pub fn name(&self) -> &str {
        match self {
            AccountConfig::Linktor { name, .. } => name,
            AccountConfig::Sinch(account) => &account.name,
            AccountConfig::Vumi { name, .. } => name,
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
fn default_seed() -> u64 {
    7
}
fn default_typing_ttl() -> u64 {
    6
}
fn default_poll() -> u64 {
    30
}
fn default_metrics_prefix() -> String {
    "switchboard".to_string()
}
fn default_replies_aggregator() -> crate::providers::vumi::Aggregator {
    crate::providers::vumi::Aggregator::Sum
}
fn default_response_aggregator() -> crate::providers::vumi::Aggregator {
    crate::providers::vumi::Aggregator::Avg
}
fn default_timeout() -> u64 {
    30
}
fn default_retries() -> u32 {
    3
}
fn default_symbl_url() -> String {
    "https://api.symbl.ai".to_string()
}
fn default_symbl_poll() -> u64 {
    5
}
fn default_agent_name() -> String {
    "Agent".to_string()
}
fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// The default location: `<XDG config dir>/switchboard/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("dev", "switchboard", "switchboard")
            .map(|dirs| dirs.config_dir().join("config.toml"))
    }

    /// Loads `explicit` (which must exist), else the default file if present, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => match Self::default_path() {
                Some(path) if path.exists() => path,
                _ => return Ok((Config::default(), None)),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let mut config = Self::parse(&text, &path)?;
        let inline_secret = config
            .secret_fields()
            .iter()
            .any(|(inline, _)| inline.is_some());
        if inline_secret && let Some(warning) = world_readable_warning(&path) {
            tracing::warn!("{warning}");
            config.warnings.push(warning);
        }
        Ok((config, Some(path)))
    }

    /// Parses and validates; errors name the file, the field and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut config: Config =
            toml::from_str(text).map_err(|error| invalid(describe(&error, text)))?;
        config.validate().map_err(invalid)?;
        config.keymap = config
            .read_keymap(text)
            .map_err(|errors| invalid(errors.join("\n  ")))?;
        for warning in config.plain_http_warnings() {
            tracing::warn!("{warning}");
            config.warnings.push(warning);
        }
        Ok(config)
    }

    /// Every base URL that would send an account's credentials unencrypted.
    fn plain_http_warnings(&self) -> Vec<String> {
        use crate::providers::kit::http::plain_text_warning;
        let mut urls: Vec<(String, &str)> = Vec::new();
        for (index, account) in self.accounts.iter().enumerate() {
            let field = |name: &str| format!("account[{index}].{name}");
            match account {
                AccountConfig::Linktor { base_url, .. } => {
                    urls.push((field("base_url"), base_url));
                }
                AccountConfig::Sinch(sinch) => {
                    for (name, url) in [
                        ("api_origin", &sinch.api_origin),
                        ("auth_origin", &sinch.auth_origin),
                    ] {
                        if let Some(url) = url {
                            urls.push((field(name), url));
                        }
                    }
                }
                AccountConfig::Vumi { base_url, .. } => {
                    if let Some(url) = base_url {
                        urls.push((field("base_url"), url));
                    }
                }
            }
        }
        if self.symbl.enabled {
            urls.push(("symbl.base_url".to_string(), &self.symbl.base_url));
        }
        if let Some(assist) = &self.assist
            && (assist.api_key.is_some() || assist.api_key_env.is_some())
        {
            urls.push(("assist.base_url".to_string(), &assist.base_url));
        }
        urls.iter()
            .filter_map(|(field, url)| plain_text_warning(field, url))
            .collect()
    }

    /// `[keys]` over the default map; each mistake names its line.
    fn read_keymap(&self, text: &str) -> Result<crate::app::keymap::KeyMap, Vec<String>> {
        use crate::app::keymap::{KeyMap, KeyOverride};
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut overrides = Vec::new();
        for (context, actions) in &self.key_entries {
            for (action, keys) in actions {
                let names = match keys.get_ref() {
                    KeyList::One(name) => vec![name.clone()],
                    KeyList::Many(names) => names.clone(),
                };
                overrides.push(KeyOverride {
                    context: context.clone(),
                    action: action.clone(),
                    keys: names,
                    line: line_of(keys.span().start),
                });
            }
        }
        overrides.sort_by_key(|entry| entry.line);
        KeyMap::with_overrides(&overrides)
    }

    fn validate(&self) -> Result<(), String> {
        self.notify.validate()?;
        let mut names = std::collections::BTreeSet::new();
        for (index, account) in self.accounts.iter().enumerate() {
            let field = |name: &str| format!("account[{index}].{name}");
            if account.name().trim().is_empty() {
                return Err(format!("{}: must not be empty", field("name")));
            }
            if !names.insert(account.name()) {
                return Err(format!(
                    "{}: \"{}\" is used by two accounts",
                    field("name"),
                    account.name()
                ));
            }
            match account {
                AccountConfig::Linktor {
                    base_url,
                    api_key,
                    api_key_env,
                    access_token,
                    access_token_env,
                    email,
                    password,
                    password_env,
                    webhook,
                    ..
                } => {
                    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
                        return Err(format!(
                            "{}: \"{base_url}\" must start with http:// or https://",
                            field("base_url")
                        ));
                    }
                    let has_key = api_key.is_some() || api_key_env.is_some();
                    let has_token = access_token.is_some() || access_token_env.is_some();
                    let has_password = password.is_some() || password_env.is_some();
                    if email.is_some() != has_password {
                        return Err(format!(
                            "{}: a login needs both email and password (or password_env)",
                            field("email")
                        ));
                    }
                    if !(has_key || has_token || email.is_some()) {
                        return Err(format!(
                            "{}: set api_key or api_key_env, access_token or access_token_env, or email and password",
                            field("api_key")
                        ));
                    }
                    if let Some(hook) = webhook
                        && hook.secret.is_none()
                        && hook.secret_env.is_none()
                    {
                        return Err(format!(
                            "{}: set secret or secret_env",
                            field("webhook.secret")
                        ));
                    }
                }
                AccountConfig::Sinch(account) => account.validate(&field)?,
                AccountConfig::Vumi { .. } => validate_vumi(account)
                    .map_err(|(name, why)| format!("{}: {why}", field(name)))?,
            }
        }
        self.symbl.validate()?;
        if let Some(assist) = &self.assist {
            assist.validate()?;
        }
        if !(self.hub.speed > 0.0 && self.hub.speed.is_finite()) {
            return Err(format!("hub.speed: {} must be above 0", self.hub.speed));
        }
        Ok(())
    }

    /// Whether the embedded hub runs: explicitly, or by default when no account is configured.
    pub fn hub_enabled(&self) -> bool {
        self.hub.enabled.unwrap_or(self.accounts.is_empty())
    }
}

/// The checks of a Vumi account: which field is wrong and why.
fn validate_vumi(account: &AccountConfig) -> Result<(), (&'static str, String)> {
    let AccountConfig::Vumi {
        account_key,
        conversation_key,
        conversation_token,
        conversation_token_env,
        base_url,
        mode,
        push_listen,
        push_username,
        push_password,
        push_password_env,
        metrics_prefix,
        ..
    } = account
    else {
        return Ok(());
    };
    if account_key.trim().is_empty() {
        return Err(("account_key", "must not be empty".into()));
    }
    if conversation_key.trim().is_empty() {
        return Err(("conversation_key", "must not be empty".into()));
    }
    if conversation_token.is_none() && conversation_token_env.is_none() {
        return Err((
            "conversation_token",
            "set conversation_token or conversation_token_env".into(),
        ));
    }
    if let Some(url) = base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err((
            "base_url",
            format!("\"{url}\" must start with http:// or https://"),
        ));
    }
    if *mode == VumiMode::Push {
        if push_listen.is_none() {
            return Err((
                "push_listen",
                "push mode needs an address to listen on".into(),
            ));
        }
        if push_username.as_deref().is_none_or(|u| u.is_empty()) {
            return Err(("push_username", "push mode needs Basic credentials".into()));
        }
        if push_password.is_none() && push_password_env.is_none() {
            return Err((
                "push_password",
                "set push_password or push_password_env".into(),
            ));
        }
    }
    if metrics_prefix.trim().is_empty() {
        return Err(("metrics_prefix", "must not be empty".into()));
    }
    Ok(())
}

impl SymblSection {
    fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(format!(
                "symbl.base_url: \"{}\" must start with http:// or https://",
                self.base_url
            ));
        }
        if self.app_id.is_none() && self.app_id_env.is_none() {
            return Err("symbl.app_id: set app_id or app_id_env".to_string());
        }
        if self.app_secret.is_none() && self.app_secret_env.is_none() {
            return Err("symbl.app_secret: set app_secret or app_secret_env".to_string());
        }
        if let Some(threshold) = self.confidence_threshold
            && !SYMBL_CONFIDENCE_RANGE.contains(&threshold)
        {
            return Err(format!(
                "symbl.confidence_threshold: {threshold} is outside what Symbl accepts (0.5 to 1.0)"
            ));
        }
        for (index, tracker) in self.trackers.iter().enumerate() {
            if tracker.name.trim().is_empty() || tracker.vocabulary.is_empty() {
                return Err(format!(
                    "symbl.tracker[{index}]: needs a name and at least one vocabulary entry"
                ));
            }
        }
        Ok(())
    }
}

/// Resolves a secret given inline or by environment variable name.
pub fn resolve_secret(
    inline: &Option<String>,
    env: &Option<String>,
    field: &str,
) -> Result<String, String> {
    if let Some(var) = env {
        return std::env::var(var)
            .map_err(|_| format!("{field}: environment variable {var} is not set"));
    }
    inline
        .clone()
        .ok_or_else(|| format!("{field}: no value given"))
}

/// A secret of the config as it is given: the value inline, or the environment variable that
/// holds it.
pub type SecretField<'a> = (&'a Option<String>, &'a Option<String>);

impl Config {
    /// Every secret field of the config: the accounts' and Symbl's.
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        let mut fields: Vec<SecretField<'_>> = self
            .accounts
            .iter()
            .flat_map(AccountConfig::secret_fields)
            .collect();
        fields.push((&self.symbl.app_secret, &self.symbl.app_secret_env));
        if let Some(assist) = &self.assist {
            fields.push((&assist.api_key, &assist.api_key_env));
        }
        fields
    }

    /// The values of [`Self::secret_fields`]: inline, or read from the environment now.
    pub fn secrets(&self) -> Vec<String> {
        secret_values(self.secret_fields())
    }
}

impl AccountConfig {
    /// Every secret field of this account, so that recordings and screenshots can mask them and
    /// a world-readable file holding one gets a warning. Exhaustive on purpose: a new kind of
    /// account must say which of its fields are secrets before it compiles.
    pub fn secret_fields(&self) -> Vec<SecretField<'_>> {
        match self {
            AccountConfig::Linktor {
                api_key,
                api_key_env,
                access_token,
                access_token_env,
                password,
                password_env,
                webhook,
                ..
            } => {
                let mut fields = vec![
                    (api_key, api_key_env),
                    (access_token, access_token_env),
                    (password, password_env),
                ];
                if let Some(hook) = webhook {
                    fields.push((&hook.secret, &hook.secret_env));
                }
                fields
            }
            AccountConfig::Sinch(sinch) => sinch.secret_fields(),
            AccountConfig::Vumi {
                conversation_token,
                conversation_token_env,
                push_password,
                push_password_env,
                ..
            } => vec![
                (conversation_token, conversation_token_env),
                (push_password, push_password_env),
            ],
        }
    }

    /// The values of [`Self::secret_fields`]: inline, or read from the environment now.
    pub fn secrets(&self) -> Vec<String> {
        secret_values(self.secret_fields())
    }
}

/// The values of secret fields: inline, or read from their environment variable now.
fn secret_values(fields: Vec<SecretField<'_>>) -> Vec<String> {
    fields
        .into_iter()
        .flat_map(|(inline, env)| {
            let from_env = env.as_ref().and_then(|var| std::env::var(var).ok());
            inline.clone().into_iter().chain(from_env)
        })
        .collect()
}

/// A warning when the config at `path` holds a secret and other users may read it.
pub fn world_readable_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o004 != 0).then(|| {
            format!(
                "{} holds a secret and is readable by every user: chmod 600 it, or name the secret by its *_env field",
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

/// toml's message plus the line it points at, in one line.
fn describe(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/tmp/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_file_is_the_embedded_default() {
        let config = parse("").expect("empty config");
        assert!(config.hub_enabled());
        assert!(config.hub.demo);
        assert_eq!(config.hub.listen.ip().to_string(), "127.0.0.1");
    }

    #[test]
    fn insight_trackers_come_from_config_else_the_built_in_groups() {
        let config = parse(
            r#"
            [[insights.tracker]]
            name = "Late"
            vocabulary = ["late", "delay"]
            "#,
        )
        .expect("valid config");
        assert_eq!(
            config.insights.trackers(),
            vec![crate::insights::TrackerSpec::new(
                "Late",
                &["late", "delay"]
            )]
        );
        let none = parse("[insights]\ntracker = []").expect("valid config");
        assert!(none.insights.trackers().is_empty());
        let default = parse("").expect("empty config");
        assert!(
            default
                .insights
                .trackers()
                .iter()
                .any(|t| t.name == "Refund")
        );
        let typo = parse("[[insights.tracker]]\nname = \"x\"\nvocab = []");
        assert!(typo.is_err_and(|e| e.contains("vocab")));
    }

    #[test]
    fn linktor_account_parses_and_turns_off_the_hub_by_default() {
        let config = parse(
            r#"
            [ui]
            send_typing = false
            [[account]]
            provider = "linktor"
            name = "team"
            base_url = "http://127.0.0.1:7300"
            api_key_env = "TEAM_KEY"
            "#,
        )
        .expect("valid config");
        assert_eq!(config.accounts.len(), 1);
        assert!(!config.hub_enabled());
        assert!(!config.ui.send_typing);
    }

    #[test]
    fn errors_name_the_file_the_field_and_the_line() {
        let error = parse("[hub]\ndemo = \"yes\"\n").expect_err("wrong type");
        assert!(error.contains("/tmp/config.toml"), "{error}");
        assert!(error.contains("line 2"), "{error}");

        let error = parse("[hub]\ndemo_mode = true\n").expect_err("unknown field");
        assert!(error.contains("demo_mode"), "{error}");

        let error = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"a\"\nbase_url = \"ftp://x\"\napi_key = \"k\"\n",
        )
        .expect_err("bad url");
        assert!(error.contains("account[0].base_url"), "{error}");

        let error = parse("[[account]]\nprovider = \"carrier-pigeon\"\nname = \"a\"\n")
            .expect_err("unknown provider");
        assert!(error.contains("carrier-pigeon"), "{error}");
    }

    #[test]
    fn keys_are_remapped_and_their_mistakes_named_with_file_and_line() {
        use crate::app::keys::{Action, Key, KeyContext};
        let text = "[ui]\nclock = \"12h\"\n\n[keys.browse]\nquit = \"ctrl-q\"\nnext_insight_tab = [\"l\", \"right\"]\n";
        let config = Config::parse(text, Path::new("/tmp/config.toml")).expect("valid keys");
        assert_eq!(
            config.keymap.lookup(KeyContext::Browse, Key::ctrl('q')),
            Some(Action::Quit)
        );
        assert_eq!(
            config.keymap.lookup(KeyContext::Browse, Key::ch('l')),
            Some(Action::NextInsightTab)
        );
        assert_eq!(config.keymap.lookup(KeyContext::Browse, Key::ch('q')), None);

        let error = parse("[keys.browse]\nquit = \"q\"\nrefresh = \"j\"\nresync = \"x\"\n")
            .expect_err("a conflict and an unknown action");
        assert!(error.contains("/tmp/config.toml"), "{error}");
        assert!(error.contains("line 4: [keys.browse] `resync`"), "{error}");
        assert!(
            error.contains(
                "line 3: [keys.browse] j is both `down` (by default) and `refresh` (line 3)"
            ),
            "{error}"
        );
        let error = parse("[keys.browse]\nquit = 7\n").expect_err("not a key name");
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn vumi_accounts_parse_with_defaults_and_push_needs_credentials() {
        let config = parse(
            r#"
            [[account]]
            provider = "vumi"
            name = "ussd"
            account_key = "acc"
            conversation_key = "conv"
            conversation_token_env = "VUMI_TOKEN"
            "#,
        )
        .expect("valid vumi config");
        let AccountConfig::Vumi {
            mode,
            metrics,
            metrics_replies_aggregator,
            ..
        } = &config.accounts[0]
        else {
            panic!("a vumi account");
        };
        assert_eq!(*mode, VumiMode::Stream);
        assert!(!metrics, "metrics are off by default");
        assert_eq!(
            *metrics_replies_aggregator,
            crate::providers::vumi::Aggregator::Sum
        );

        let error = parse(
            "[[account]]\nprovider = \"vumi\"\nname = \"v\"\naccount_key = \"a\"\nconversation_key = \"c\"\nconversation_token = \"t\"\nmode = \"push\"\npush_listen = \"127.0.0.1:8080\"\n",
        )
        .expect_err("push without credentials");
        assert!(error.contains("account[0].push_username"), "{error}");

        let error = parse(
            "[[account]]\nprovider = \"vumi\"\nname = \"v\"\naccount_key = \"a\"\nconversation_key = \"c\"\nconversation_token = \"t\"\nmetrics_replies_aggregator = \"median\"\n",
        )
        .expect_err("unknown aggregator");
        assert!(error.contains("median"), "{error}");
    }

    #[test]
    fn server_dialect_account_with_login_parses() {
        let config = parse(
            r#"
            [[account]]
            provider = "linktor"
            name = "go"
            base_url = "https://linktor.example.com"
            dialect = "server"
            email = "agent@example.com"
            password_env = "LINKTOR_PASSWORD"
            timeout_secs = 10
            max_retries = 5
            [account.webhook]
            listen = "127.0.0.1:8787"
            secret_env = "LINKTOR_WEBHOOK_SECRET"
            "#,
        )
        .expect("valid config");
        #[allow(irrefutable_let_patterns)]
        let AccountConfig::Linktor {
            dialect,
            email,
            timeout_secs,
            max_retries,
            webhook,
            ..
        } = &config.accounts[0]
        else {
            panic!("a Linktor account");
        };
        assert_eq!(*dialect, LinktorDialect::Server);
        assert_eq!(email.as_deref(), Some("agent@example.com"));
        assert_eq!((*timeout_secs, *max_retries), (10, 5));
        assert_eq!(webhook.as_ref().map(|w| w.listen.port()), Some(8787));
        let inline = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"a\"\nbase_url = \"http://x\"\ndialect = \"server\"\nemail = \"e\"\npassword = \"pw-1\"\naccess_token = \"tok-1\"\n[account.webhook]\nlisten = \"127.0.0.1:0\"\nsecret = \"whsec-1\"\n",
        )
        .expect("inline secrets");
        let secrets = inline.accounts[0].secrets();
        for secret in ["pw-1", "tok-1", "whsec-1"] {
            assert!(secrets.contains(&secret.to_string()), "{secret} masked");
        }
        let old_style = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"a\"\nbase_url = \"http://x\"\napi_key = \"k\"\n",
        )
        .expect("old config still parses");
        assert_eq!(
            old_style.accounts[0],
            AccountConfig::linktor_with_key("a", "http://x", "k")
        );
        let error = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"a\"\nbase_url = \"http://x\"\nemail = \"e\"\n",
        )
        .expect_err("email without password");
        assert!(error.contains("account[0].email"), "{error}");
        let error = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"a\"\nbase_url = \"http://x\"\ndialect = \"grpc\"\napi_key = \"k\"\n",
        )
        .expect_err("unknown dialect");
        assert!(error.contains("grpc"), "{error}");
    }

    #[test]
    fn symbl_section_parses_and_is_checked_only_when_enabled() {
        let config = parse(
            r#"
            [symbl]
            enabled = true
            app_id = "app"
            app_secret_env = "SYMBL_SECRET"
            mode = "streaming"
            confidence_threshold = 0.6
            [[symbl.tracker]]
            name = "Refund"
            vocabulary = ["refund", "money back"]
            "#,
        )
        .expect("valid symbl config");
        assert!(config.symbl.enabled);
        assert_eq!(config.symbl.mode, SymblModeConfig::Streaming);
        assert_eq!(config.symbl.base_url, "https://api.symbl.ai");
        assert_eq!(config.symbl.trackers[0].vocabulary.len(), 2);
        assert!(config.hub_enabled(), "Symbl is not an account");

        assert!(!parse("").expect("default").symbl.enabled);
        assert!(parse("[symbl]\nmode = \"batch\"\n").is_err());
        let error = parse("[symbl]\nenabled = true\napp_id = \"a\"\n").expect_err("no secret");
        assert!(error.contains("symbl.app_secret"), "{error}");
        let error = parse(
            "[symbl]\nenabled = true\napp_id = \"a\"\napp_secret = \"s\"\nbase_url = \"ftp://x\"\n",
        )
        .expect_err("bad url");
        assert!(error.contains("symbl.base_url"), "{error}");
    }

    #[test]
    fn an_account_on_plain_http_is_warned_about_unless_on_loopback() {
        let config = parse(
            "[[account]]\nprovider = \"linktor\"\nname = \"far\"\nbase_url = \"http://inbox.example.com\"\napi_key = \"k\"\n\n[[account]]\nprovider = \"linktor\"\nname = \"near\"\nbase_url = \"http://127.0.0.1:7300\"\napi_key = \"k\"\n",
        )
        .expect("valid");
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
        assert!(config.warnings[0].contains("account[0].base_url"));
        assert!(config.warnings[0].contains("unencrypted"));
    }

    #[test]
    fn a_confidence_threshold_symbl_would_refuse_is_refused_at_start() {
        let with = |threshold: &str| {
            parse(&format!(
                "[symbl]\nenabled = true\napp_id = \"a\"\napp_secret = \"s\"\nconfidence_threshold = {threshold}\n"
            ))
        };
        for accepted in ["0.5", "0.75", "1.0"] {
            assert!(with(accepted).is_ok(), "{accepted}");
        }
        for refused in ["0.0", "0.3", "0.49", "1.01", "-1.0"] {
            let error = with(refused).expect_err(refused);
            assert!(error.contains("symbl.confidence_threshold"), "{error}");
        }
    }

    #[test]
    fn secrets_come_from_the_environment_when_named() {
        let missing = resolve_secret(&None, &Some("SWITCHBOARD_TEST_UNSET_VAR".into()), "x");
        assert!(
            missing
                .expect_err("unset")
                .contains("SWITCHBOARD_TEST_UNSET_VAR")
        );
        assert_eq!(
            resolve_secret(&Some("k".into()), &None, "x").expect("inline"),
            "k"
        );
    }
}
