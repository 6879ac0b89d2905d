//! Secrets never leave: a full run of the real binary with a known API key (and one with a
//! known wrong key) against the hub behind the fault proxy, at trace logging, must not write
//! either key to the log file, stdout or stderr; a session rendered to a screenshot (text and
//! SVG) with the keys in use shows neither, and neither do its notices and connection errors.

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use support::faults::{FaultPlan, FaultProxy};
use switchboard::config::{AccountConfig, Config};
use switchboard::hub::{self, HubConfig};
use switchboard::record::export::{to_svg, to_text};
use switchboard::runtime::{Session, StartOptions, Surface};

const KEY: &str = "sk-live-7f3a9c1e5b2d4f60aa";
const WRONG_KEY: &str = "sk-wrong-91c2e7d04b3a5f18bb";

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn config_file(dir: &Path, name: &str, url: &str, key: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "[store]\ndatabase = {:?}\n\n[[account]]\nprovider = \"linktor\"\nname = {name:?}\n\
             base_url = {url:?}\napi_key = {key:?}\npoll_interval_secs = 1\n",
            dir.join(format!("{name}.sqlite3"))
        ),
    )
    .expect("config");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_appear_in_no_log_output_screenshot_or_error() {
    switchboard::providers::tls::install_crypto_provider();
    let hub = hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: KEY.into(),
        demo: None,
    })
    .await
    .expect("hub");
    let created: Value = reqwest::Client::new()
        .post(format!("{}/simulate/inbound", hub.base_url()))
        .header("X-API-Key", KEY)
        .json(&json!({"channelType":"sms","from":"+15550100","name":"Ada","text":"Hello?"}))
        .send()
        .await
        .expect("hub")
        .json()
        .await
        .expect("json");
    let conversation = created["conversationId"].as_str().expect("id").to_string();
    let proxy = FaultProxy::start(&hub.base_url(), FaultPlan::chaos()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");

    // The binary, twice: the right key (sync, socket, a reply, faults) and a wrong one (401s).
    for (name, key, timeout) in [("good", KEY, "60"), ("bad", WRONG_KEY, "3")] {
        let config = config_file(dir.path(), name, &proxy.base_url, key);
        let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&config)
            .arg("--log-dir")
            .arg(&logs)
            .args([
                "send",
                "--conversation",
                &conversation,
                "--timeout",
                timeout,
                "a reply",
            ])
            .env("SWITCHBOARD_LOG", "trace")
            .output()
            .expect("the binary runs");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.success(), name == "good", "{name}: {printed}");
        for secret in [KEY, WRONG_KEY] {
            assert!(!printed.contains(secret), "{name} printed a key: {printed}");
        }
    }
    let mut log = String::new();
    for file in files_under(&logs) {
        log.push_str(&String::from_utf8_lossy(
            &std::fs::read(&file).expect("log file"),
        ));
    }
    println!(
        "secrets: scanned {} bytes of trace log in {} lines",
        log.len(),
        log.lines().count()
    );
    assert!(
        log.contains("switchboard::providers::linktor"),
        "the provider logged its run:\n{log}"
    );
    assert!(
        log.contains("401") || log.contains("rejected"),
        "the wrong key was refused in the log"
    );
    for secret in [KEY, WRONG_KEY] {
        if let Some(at) = log.find(secret) {
            let from = at.saturating_sub(300);
            panic!(
                "the log holds a key: …{}…",
                &log[from..(at + 100).min(log.len())]
            );
        }
    }

    // In process: a session with each key, rendered as the screenshot command renders.
    for key in [KEY, WRONG_KEY] {
        let mut config = Config::default();
        config.accounts.push(
            AccountConfig::linktor_with_key("acct", &proxy.base_url, key).with_poll_interval(1),
        );
        let mut session = Session::start(&config, &StartOptions::ephemeral())
            .await
            .expect("session");
        session
            .pump_until(Duration::from_secs(5), |app| {
                app.status.accounts.values().any(|s| s.last_error.is_some())
                    && app.status.current_notice().is_some()
            })
            .await;
        let mut terminal = Terminal::new(TestBackend::new(200, 40)).expect("terminal");
        Surface::draw(
            &mut terminal,
            &session.app,
            &mut switchboard::ui::Painter::default(),
        )
        .expect("draw");
        let screen = to_text(terminal.backend().buffer());
        let svg = to_svg(terminal.backend().buffer());
        let errors: String = session
            .app
            .status
            .accounts
            .values()
            .map(|s| format!("{:?} {:?}", s.connection, s.last_error))
            .chain(session.app.status.notices.iter().map(|n| n.text.clone()))
            .collect();
        for secret in [KEY, WRONG_KEY] {
            assert!(!screen.contains(secret), "screen shows a key:\n{screen}");
            assert!(!svg.contains(secret), "the SVG holds a key");
            assert!(!errors.contains(secret), "an error names a key: {errors}");
        }
    }
}
