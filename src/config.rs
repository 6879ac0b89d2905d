//! The TOML config: which accounts to open, how the embedded hub runs, and UI preferences.
//!
//! Where it lives: `--config PATH`, else `$SWITCHBOARD_CONFIG`, else `config.toml` in the XDG
//! config dir (`~/.config/switchboard/config.toml` on Linux). A missing default file is not an
//! error: it means the embedded default. A broken file is, with a message naming the file, the
//! field and the line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole config file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub hub: HubSection,
    #[serde(default)]
    pub ui: UiSection,
    #[serde(default)]
    pub store: StoreSection,
    /// Remote accounts. With none, the inbox opens the embedded hub.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
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
}

impl Default for UiSection {
    fn default() -> Self {
        Self {
            send_typing: true,
            typing_ttl_secs: default_typing_ttl(),
        }
    }
}

/// One `[[account]]`.
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
    },
}

impl AccountConfig {
    pub fn name(&self) -> &str {
        match self {
            AccountConfig::Linktor { name, .. } => name,
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
        let config = Self::parse(&text, &path)?;
        Ok((config, Some(path)))
    }

    /// Parses and validates; errors name the file, the field and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Config =
            toml::from_str(text).map_err(|error| invalid(describe(&error, text)))?;
        config.validate().map_err(invalid)?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
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
                    ..
                } => {
                    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
                        return Err(format!(
                            "{}: \"{base_url}\" must start with http:// or https://",
                            field("base_url")
                        ));
                    }
                    if api_key.is_none() && api_key_env.is_none() {
                        return Err(format!("{}: set api_key or api_key_env", field("api_key")));
                    }
                }
            }
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
