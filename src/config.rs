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
#[cfg(test)]
mod sinch_tests;
pub mod theme;

pub use crate::providers::account::AccountConfig;
use crate::providers::kit::secret::secret_values;
pub use crate::providers::kit::secret::{SecretField, resolve_secret};
pub use crate::providers::symbl::config::{
    SYMBL_CONFIDENCE_RANGE, SymblModeConfig, SymblSection, SymblTracker,
};

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
    /// `[[canned]] shortcode, title, text`: saved replies (`/shortcode` then Tab).
    #[serde(default, rename = "canned")]
    pub canned: Vec<crate::app::canned::CannedReply>,
    /// `[[view]] name, query`: saved views of the conversation list (1–9, the palette).
    #[serde(default, rename = "view")]
    pub views: Vec<crate::app::saved_views::SavedView>,
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
    /// Tell customers when the agent is typing: on by default, as chat customers expect;
    /// `false` keeps it private.
    #[serde(default = "yes")]
    pub send_typing: bool,
    /// Seconds an incoming typing indicator lasts without news.
    #[serde(default = "default_typing_ttl")]
    pub typing_ttl_secs: u64,
    /// Times as `"24h"` (14:05) or `"12h"` (2:05 pm).
    #[serde(default)]
    pub clock: ClockStyle,
    /// Walking the list with Alt+j/Alt+k marks each conversation read (default: only
    /// staying with one does).
    #[serde(default)]
    pub read_on_pass: bool,
    /// How saved replies sign (`{{agent.name}}`); absent: the login name.
    #[serde(default)]
    pub agent_name: Option<String>,
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
            agent_name: None,
            read_on_pass: false,
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

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
fn default_seed() -> u64 {
    7
}
fn default_typing_ttl() -> u64 {
    6
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
            for (name, url) in account.http_urls() {
                urls.push((field(name), url));
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
            account.validate(&field)?;
        }
        let mut shortcodes = std::collections::BTreeSet::new();
        for (index, reply) in self.canned.iter().enumerate() {
            if let Some(problem) = reply.problem() {
                return Err(format!("canned[{index}]: {problem}"));
            }
            if !shortcodes.insert(reply.shortcode.to_lowercase()) {
                return Err(format!(
                    "canned[{index}]: /{} is used by two saved replies",
                    reply.shortcode
                ));
            }
        }
        for (index, view) in self.views.iter().enumerate() {
            if let Some(problem) = view.problem() {
                return Err(format!("view[{index}]: {problem}"));
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
    fn saved_views_are_read_and_checked() {
        let config = parse(
            "[[view]]\nname = \"Urgent WhatsApp\"\nquery = \"channel:whatsapp priority:urgent is:open\"\n",
        )
        .expect("one view");
        assert_eq!(config.views[0].name, "Urgent WhatsApp");
        let wrong = parse("[[view]]\nname = \"Soon\"\nquery = \"priority:someday\"\n")
            .expect_err("a filter it does not know");
        assert!(
            wrong.contains("view[0]") && wrong.contains("priority:someday"),
            "{wrong}"
        );
        let typo = parse("[[view]]\nname = \"x\"\nqeury = \"is:unread\"\n").expect_err("a typo");
        assert!(typo.contains("qeury") || typo.contains("query"), "{typo}");
    }

    #[test]
    fn saved_replies_are_read_and_checked() {
        let config = parse(
            "[[canned]]\nshortcode = \"ship\"\ntitle = \"Shipping\"\ntext = \"Hi {{contact.name}}\"\n",
        )
        .expect("one saved reply");
        assert_eq!(config.canned[0].shortcode, "ship");
        let twice = parse(
            "[[canned]]\nshortcode = \"ship\"\ntitle = \"a\"\ntext = \"x\"\n[[canned]]\nshortcode = \"SHIP\"\ntitle = \"b\"\ntext = \"y\"\n",
        )
        .expect_err("a shortcode used twice");
        assert!(twice.contains("canned[1]"), "{twice}");
        let spaced = parse("[[canned]]\nshortcode = \"two words\"\ntitle = \"a\"\ntext = \"x\"\n")
            .expect_err("a shortcode with a space");
        assert!(spaced.contains("canned[0]: shortcode"), "{spaced}");
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
        let AccountConfig::Vumi(vumi) = &config.accounts[0] else {
            panic!("a vumi account");
        };
        assert_eq!(vumi.mode, crate::providers::vumi::config::VumiMode::Stream);
        assert!(!vumi.metrics, "metrics are off by default");
        assert_eq!(
            vumi.metrics_replies_aggregator,
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
    fn chatwoot_accounts_sit_beside_other_providers() {
        let config = parse(
            r#"
            [[account]]
            provider = "chatwoot"
            name = "acme"
            base_url = "https://app.chatwoot.com"
            account_id = 1
            api_access_token_env = "CW_ACME"

            [[account]]
            provider = "chatwoot"
            name = "acme-eu"
            base_url = "https://chat.example.eu"
            account_id = 7
            api_access_token = "cw-inline-token"
            inboxes = [3]
            conversations = "mine"
            [account.webhook]
            listen = "127.0.0.1:8790"
            secret = "cw-hook-secret"

            [[account]]
            provider = "linktor"
            name = "cloud"
            base_url = "https://api.linktor.io"
            api_key = "k"
            "#,
        )
        .expect("valid config");
        assert_eq!(config.accounts.len(), 3);
        let AccountConfig::Chatwoot(eu) = &config.accounts[1] else {
            panic!("a Chatwoot account");
        };
        assert_eq!((eu.account_id, eu.inboxes.as_slice()), (7, &[3][..]));
        let secrets = config.accounts[1].secrets();
        for secret in ["cw-inline-token", "cw-hook-secret"] {
            assert!(secrets.contains(&secret.to_string()), "{secret} masked");
        }
        let missing = parse(
            "[[account]]\nprovider = \"chatwoot\"\nname = \"a\"\nbase_url = \"https://h\"\naccount_id = 1\n",
        );
        assert!(
            missing
                .expect_err("a token is needed")
                .to_string()
                .contains("api_access_token"),
        );
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
        let AccountConfig::Linktor(linktor) = &config.accounts[0] else {
            panic!("a Linktor account");
        };
        assert_eq!(
            linktor.dialect,
            crate::providers::linktor::config::LinktorDialect::Server
        );
        assert_eq!(linktor.email.as_deref(), Some("agent@example.com"));
        assert_eq!((linktor.timeout_secs, linktor.max_retries), (10, 5));
        assert_eq!(
            linktor.webhook.as_ref().map(|w| w.listen.port()),
            Some(8787)
        );
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
