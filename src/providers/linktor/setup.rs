//! From an `[[account]]` of the config to a [`LinktorConfig`]: secrets resolved from the
//! environment or the file, the dialect, the login, the limits and the webhook receiver.

use std::time::Duration;

use super::webhook::WebhookConfig;
use super::{Dialect, LinktorConfig, Login};
use crate::config::{AccountConfig, LinktorDialect, resolve_secret};

/// The provider config for account number `index` (named in error messages).
// Other providers' accounts are other variants; today Linktor's is the only one.
#[allow(irrefutable_let_patterns)]
pub fn account_config(account: &AccountConfig, index: usize) -> Result<LinktorConfig, String> {
    let AccountConfig::Linktor {
        base_url,
        api_key,
        api_key_env,
        poll_interval_secs,
        dialect,
        access_token,
        access_token_env,
        email,
        password,
        password_env,
        timeout_secs,
        max_retries,
        webhook,
        ..
    } = account
    else {
        return Err(format!("account[{index}] is not a Linktor account"));
    };
    let field = |name: &str| format!("account[{index}].{name}");
    let optional = |inline: &Option<String>, env: &Option<String>, name: &str| {
        if inline.is_none() && env.is_none() {
            Ok(None)
        } else {
            resolve_secret(inline, env, &field(name)).map(Some)
        }
    };
    let key = optional(api_key, api_key_env, "api_key")?.unwrap_or_default();
    let token = optional(access_token, access_token_env, "access_token")?;
    let login = match email {
        Some(email) => Some(Login {
            email: email.clone(),
            password: resolve_secret(password, password_env, &field("password"))?,
        }),
        None => None,
    };
    let webhook = match webhook {
        Some(section) => Some(WebhookConfig {
            listen: section.listen,
            secret: resolve_secret(
                &section.secret,
                &section.secret_env,
                &field("webhook.secret"),
            )?,
            require_timestamp: section.require_timestamp,
        }),
        None => None,
    };
    let mut config = LinktorConfig::new(base_url.clone(), key);
    config.poll_interval = Duration::from_secs((*poll_interval_secs).max(1));
    config.request_timeout = Duration::from_secs((*timeout_secs).max(1));
    config.max_retries = *max_retries;
    config.dialect = match dialect {
        LinktorDialect::Sdk => Dialect::Sdk,
        LinktorDialect::Server => Dialect::Server,
    };
    config.access_token = token;
    config.login = login;
    config.webhook = webhook;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_carry_over_and_secrets_resolve() {
        let mut account = AccountConfig::linktor_with_key("a", "http://h", "k");
        #[allow(irrefutable_let_patterns)]
        if let AccountConfig::Linktor {
            dialect,
            api_key,
            email,
            password,
            timeout_secs,
            max_retries,
            ..
        } = &mut account
        {
            *dialect = LinktorDialect::Server;
            *api_key = None;
            *email = Some("me@example.com".into());
            *password = Some("pw".into());
            *timeout_secs = 7;
            *max_retries = 1;
        }
        let config = account_config(&account, 0).expect("config");
        assert_eq!(config.dialect, Dialect::Server);
        assert_eq!(config.api_key, "");
        assert_eq!(
            config.login.as_ref().map(|l| l.password.as_str()),
            Some("pw")
        );
        assert_eq!(config.request_timeout, Duration::from_secs(7));
        assert_eq!(config.max_retries, 1);
        assert!(!format!("{config:?}").contains("pw\""), "password redacted");
    }
}
