//! `[[account]] provider = "sinch"` as the config file reads it: defaults, validation messages
//! and how an account becomes the provider's settings.

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
    let provider = second
        .provider_config(&|name| format!("account[1].{name}"))
        .expect("inline secret");
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
    let provider = account
        .provider_config(&|name| format!("account[0].{name}"))
        .expect("config");
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
    let error =
        parse(&format!("{base}region = \"us\"\nkey_secret_typo = 1\n")).expect_err("unknown field");
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
