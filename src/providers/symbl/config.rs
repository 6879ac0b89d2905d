//! `[symbl]`: analyse conversations with Symbl, and how the section becomes a [`SymblConfig`]:
//! secrets resolved from the file or the environment, the mode, trackers and timings.

use std::time::Duration;

use serde::Deserialize;

use super::wire::TrackerDefinition;
use super::{Credentials, SymblConfig, SymblMode};
use crate::insights::TrackerSpec;
use crate::providers::kit::secret::{is_http_url, resolve_secret};

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

fn default_symbl_url() -> String {
    "https://api.symbl.ai".to_string()
}
fn default_symbl_poll() -> u64 {
    5
}
fn default_agent_name() -> String {
    "Agent".to_string()
}

impl SymblSection {
    pub fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if !is_http_url(&self.base_url) {
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

/// The provider config for an enabled section; the error names the missing setting. Without
/// `[[symbl.tracker]]` entries Symbl tracks the local engine's vocabulary (`insight_trackers`),
/// so both sources count the same things.
pub fn config_from(
    section: &SymblSection,
    insight_trackers: &[TrackerSpec],
) -> Result<SymblConfig, String> {
    let app_id = resolve_secret(&section.app_id, &section.app_id_env, "symbl.app_id")?;
    let app_secret = resolve_secret(
        &section.app_secret,
        &section.app_secret_env,
        "symbl.app_secret",
    )?;
    let mut config = SymblConfig::new(section.base_url.clone(), Credentials { app_id, app_secret });
    config.mode = match section.mode {
        SymblModeConfig::Async => SymblMode::Async,
        SymblModeConfig::Streaming => SymblMode::Streaming,
    };
    config.polling.interval = Duration::from_secs(section.poll_interval_secs.max(1));
    config.confidence_threshold = section.confidence_threshold;
    config.agent_name = section.agent_name.clone();
    config.trackers = if section.trackers.is_empty() {
        insight_trackers
            .iter()
            .map(|t| TrackerDefinition {
                name: t.name.clone(),
                vocabulary: t.vocabulary.clone(),
            })
            .collect()
    } else {
        section
            .trackers
            .iter()
            .map(|t| TrackerDefinition {
                name: t.name.clone(),
                vocabulary: t.vocabulary.clone(),
            })
            .collect()
    };
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::SymblTracker;
    use super::*;

    #[test]
    fn section_becomes_a_provider_config() {
        let section = SymblSection {
            enabled: true,
            app_id: Some("app".into()),
            app_secret: Some("secret".into()),
            mode: SymblModeConfig::Streaming,
            poll_interval_secs: 0,
            trackers: vec![SymblTracker {
                name: "Refund".into(),
                vocabulary: vec!["refund".into()],
            }],
            ..SymblSection::default()
        };
        let local = [TrackerSpec::new("Cancel", &["cancel"])];
        let config = config_from(&section, &local).expect("complete section");
        assert_eq!(config.credentials.app_id, "app");
        assert_eq!(config.mode, SymblMode::Streaming);
        assert_eq!(config.polling.interval, Duration::from_secs(1));
        assert_eq!(config.trackers.len(), 1, "its own trackers win");
        assert_eq!(config.trackers[0].name, "Refund");
        let inherited = SymblSection {
            trackers: Vec::new(),
            ..section.clone()
        };
        let config = config_from(&inherited, &local).expect("complete section");
        assert_eq!(config.trackers[0].name, "Cancel", "else the local engine's");

        let missing = SymblSection {
            app_secret: None,
            app_secret_env: Some("SWITCHBOARD_TEST_NO_SUCH_SECRET".into()),
            ..section
        };
        let error = config_from(&missing, &local).expect_err("unset variable");
        assert!(error.contains("SWITCHBOARD_TEST_NO_SUCH_SECRET"), "{error}");
    }
}
