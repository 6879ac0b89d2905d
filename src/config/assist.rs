//! `[assist]`: the AI assistant, any server speaking OpenAI's chat-completions API. Off unless
//! the section is present. What leaves the machine: the last `max_messages` messages of the
//! conversation the user asks about, when they ask, and the contact's name and address only
//! with `send_identities = true`.

use serde::Deserialize;

use crate::assist::client::ClientSettings;
use crate::assist::prompt::PromptSettings;

#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AssistSection {
    /// Up to `/v1`: `http://127.0.0.1:8080` (llama.cpp), `http://127.0.0.1:11434` (Ollama).
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key (local servers need none), or the key
    /// itself in `api_key` (better not: the file may be read by others).
    pub api_key_env: Option<String>,
    pub api_key: Option<String>,
    /// Seconds to wait for the connection and for each further piece of the answer. Local
    /// servers answer only once the model is loaded, so this is generous.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// How many of the latest messages a request carries.
    #[serde(default = "default_max_messages")]
    pub max_messages: usize,
    /// Send the contact's name and address (phone, email); off: "[customer]" instead.
    #[serde(default)]
    pub send_identities: bool,
    /// Replaces the assistant's role; the task instructions are kept.
    pub system_prompt: Option<String>,
    /// Ask for the insights' JSON schema by `response_format` (servers without it are asked
    /// again without).
    #[serde(default = "yes")]
    pub structured_output: bool,
}

impl std::fmt::Debug for AssistSection {
    // An inline key must not reach a log line through a Debug print of the config.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssistSection")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key_env", &self.api_key_env)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout_secs", &self.timeout_secs)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("max_messages", &self.max_messages)
            .field("send_identities", &self.send_identities)
            .field("system_prompt", &self.system_prompt)
            .field("structured_output", &self.structured_output)
            .finish()
    }
}

fn default_timeout() -> u64 {
    120
}
fn default_max_tokens() -> u32 {
    600
}
fn default_temperature() -> f64 {
    0.2
}
fn default_max_messages() -> usize {
    40
}
fn yes() -> bool {
    true
}

impl AssistSection {
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(format!(
                "assist.base_url: \"{}\" must start with http:// or https://",
                self.base_url
            ));
        }
        if self.model.trim().is_empty() {
            return Err("assist.model: must not be empty".to_string());
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(format!(
                "assist.temperature: {} is outside 0 to 2",
                self.temperature
            ));
        }
        if self.max_messages == 0 || self.max_tokens == 0 || self.timeout_secs == 0 {
            return Err(
                "assist: max_messages, max_tokens and timeout_secs must be above 0".to_string(),
            );
        }
        Ok(())
    }

    /// The client's settings, with the key read from its variable now.
    pub fn client_settings(&self) -> Result<ClientSettings, String> {
        let api_key = match (&self.api_key, &self.api_key_env) {
            (None, None) => None,
            (inline, env) => Some(super::resolve_secret(inline, env, "assist.api_key")?),
        };
        Ok(ClientSettings {
            base_url: self.base_url.clone(),
            api_key,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            structured_output: self.structured_output,
            prompt: PromptSettings {
                model: self.model.clone(),
                max_tokens: self.max_tokens,
                temperature: self.temperature,
                send_identities: self.send_identities,
                system_prompt: self.system_prompt.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn a_minimal_section_gets_private_defaults() {
        let config = Config::parse(
            "[assist]\nbase_url = \"http://127.0.0.1:8080\"\nmodel = \"qwen2.5\"\n",
            Path::new("c.toml"),
        )
        .expect("valid");
        let assist = config.assist.expect("section");
        assert!(!assist.send_identities);
        assert_eq!(assist.max_messages, 40);
        let settings = assist.client_settings().expect("settings");
        assert_eq!(settings.api_key, None);
    }

    #[test]
    fn mistakes_are_named() {
        for (text, field) in [
            ("base_url = \"ftp://x\"\nmodel = \"m\"", "assist.base_url"),
            ("base_url = \"http://x\"\nmodel = \" \"", "assist.model"),
            (
                "base_url = \"http://x\"\nmodel = \"m\"\ntemperature = 9.0",
                "assist.temperature",
            ),
            (
                "base_url = \"http://x\"\nmodel = \"m\"\nmodel_name = \"m\"",
                "model_name",
            ),
        ] {
            let error = Config::parse(&format!("[assist]\n{text}\n"), Path::new("c.toml"))
                .expect_err(text)
                .to_string();
            assert!(error.contains(field), "{error}");
        }
    }

    #[test]
    fn the_key_counts_as_a_secret() {
        let config = Config::parse(
            "[assist]\nbase_url = \"https://x\"\nmodel = \"m\"\napi_key = \"sk-abc123\"\n",
            Path::new("c.toml"),
        )
        .expect("valid");
        assert!(config.secrets().contains(&"sk-abc123".to_string()));
        assert!(!format!("{config:?}").contains("sk-abc123"));
    }
}
