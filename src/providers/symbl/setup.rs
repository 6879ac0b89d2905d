//! From the `[symbl]` config section to a [`SymblConfig`]: secrets resolved from the file or the
//! environment, the mode, trackers and timings.

use std::time::Duration;

use super::wire::TrackerDefinition;
use super::{Credentials, SymblConfig, SymblMode};
use crate::config::{SymblModeConfig, SymblSection, resolve_secret};
use crate::insights::TrackerSpec;

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
    use super::*;
    use crate::config::SymblTracker;

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
