//! Every kind of secret stays out of the log and the output: one run of the real binary, at
//! trace logging, with a Linktor key account, a Linktor server-dialect account (password and
//! webhook secret), a Sinch account (key secret and webhook secret), a Vumi stream account
//! (conversation token), a Vumi push account (push password), a Chatwoot account (access token and webhook secret)
//! and Symbl (app secret). Half of the
//! secrets are inline in the config, half come from the environment. Every backend is a fake
//! that refuses with 401, and forged webhooks are posted to each receiver while it runs, so the
//! error paths (where a secret is most likely to be echoed) all run.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;

const SECRETS: &[(&str, &str)] = &[
    ("LINKTOR_KEY", "lk-inline-5e1d9a0c77f2"),
    ("LINKTOR_PASSWORD", "pw-env-0b8c41d2e9a7"),
    ("LINKTOR_HOOK", "wh-inline-c3f95a18d06e"),
    ("SINCH_SECRET", "sinch-env-9d2f7e61a4b0"),
    ("SINCH_HOOK", "sinch-hook-inline-47ae02"),
    ("VUMI_TOKEN", "vumi-env-6a13f0c8b92d"),
    ("VUMI_PUSH", "vumi-push-inline-e7d410"),
    ("SYMBL_SECRET", "symbl-env-2c8b5f93e01a"),
    ("CHATWOOT_TOKEN", "cw-env-81d3a6f0b27c"),
    ("CHATWOOT_HOOK", "cw-hook-inline-5f0e93"),
];

fn secret(name: &str) -> &'static str {
    SECRETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| *value)
        .expect("a known secret")
}

/// What the fake saw: the path of each request.
type Seen = Arc<Mutex<Vec<String>>>;

/// A backend that refuses everything with 401, in the JSON shape each platform uses for it.
async fn refusing_backend() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().fallback(move |method: Method, uri: Uri| {
        let log = log.clone();
        async move {
            log.lock().expect("lock").push(format!("{method} {uri}"));
            (
                StatusCode::UNAUTHORIZED,
                [("content-type", "application/json")],
                r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"},"message":"invalid credentials"}"#,
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn write_config(dir: &Path, backend: &str, ports: &HashMap<&str, u16>) -> std::path::PathBuf {
    let text = format!(
        r#"
[store]
database = {store:?}

[symbl]
enabled = true
app_id = "symbl-app"
app_secret_env = "SB_TEST_SYMBL_SECRET"
base_url = "{backend}"

[[account]]
provider = "linktor"
name = "cloud"
base_url = "{backend}"
api_key = "{linktor_key}"
max_retries = 0

[[account]]
provider = "linktor"
name = "onprem"
base_url = "{backend}"
dialect = "server"
email = "agent@example.com"
password_env = "SB_TEST_LINKTOR_PASSWORD"
max_retries = 0
[account.webhook]
listen = "127.0.0.1:{linktor_hook_port}"
secret = "{linktor_hook}"

[[account]]
provider = "sinch"
name = "sinch"
project_id = "project"
app_id = "app"
key_id = "key-id"
key_secret_env = "SB_TEST_SINCH_SECRET"
region = "eu"
api_origin = "{backend}"
auth_origin = "{backend}"
[account.webhook]
listen = "127.0.0.1:{sinch_hook_port}"
secret = "{sinch_hook}"

[[account]]
provider = "vumi"
name = "helpline"
account_key = "acct"
conversation_key = "conv"
conversation_token_env = "SB_TEST_VUMI_TOKEN"
base_url = "{backend}"

[[account]]
provider = "vumi"
name = "pushline"
account_key = "acct2"
conversation_key = "conv2"
conversation_token = "{vumi_push}-token"
mode = "push"
base_url = "{backend}"
push_listen = "127.0.0.1:{vumi_push_port}"
push_username = "vumi"
push_password = "{vumi_push}"

[[account]]
provider = "chatwoot"
name = "team"
base_url = "{backend}"
account_id = 1
api_access_token_env = "SB_TEST_CHATWOOT_TOKEN"
max_retries = 0
[account.webhook]
listen = "127.0.0.1:{chatwoot_hook_port}"
secret = "{chatwoot_hook}"
"#,
        store = dir.join("inbox.sqlite3"),
        linktor_key = secret("LINKTOR_KEY"),
        linktor_hook = secret("LINKTOR_HOOK"),
        sinch_hook = secret("SINCH_HOOK"),
        vumi_push = secret("VUMI_PUSH"),
        chatwoot_hook = secret("CHATWOOT_HOOK"),
        chatwoot_hook_port = ports["chatwoot"],
        linktor_hook_port = ports["linktor"],
        sinch_hook_port = ports["sinch"],
        vumi_push_port = ports["vumi"],
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

/// Forged pushes at every receiver: wrong signatures, wrong passwords, garbage bodies.
async fn forge_webhooks(ports: &HashMap<&str, u16>) -> usize {
    let client = reqwest::Client::new();
    let mut answered = 0;
    let forged = [
        (
            format!("http://127.0.0.1:{}/webhook", ports["linktor"]),
            vec![("x-linktor-signature", "sha256=00")],
        ),
        (
            format!("http://127.0.0.1:{}/", ports["sinch"]),
            vec![
                ("x-sinch-webhook-signature", "AAAA"),
                ("x-sinch-webhook-signature-nonce", "n1"),
                ("x-sinch-webhook-signature-timestamp", "1"),
                ("x-sinch-webhook-signature-algorithm", "HmacSHA256"),
            ],
        ),
        (
            format!("http://127.0.0.1:{}/", ports["vumi"]),
            vec![("authorization", "Basic dnVtaTp3cm9uZw==")],
        ),
        (
            format!("http://127.0.0.1:{}/", ports["chatwoot"]),
            vec![
                ("x-chatwoot-signature", "sha256=00"),
                ("x-chatwoot-timestamp", "1"),
            ],
        ),
    ];
    // The receivers start with the binary: try for a while.
    for _ in 0..40 {
        answered = 0;
        for (url, headers) in &forged {
            let mut request = client.post(url).body(r#"{"forged":true}"#);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Ok(response) = request.send().await {
                assert!(
                    response.status().is_client_error(),
                    "{url} accepted a forged push: {}",
                    response.status()
                );
                answered += 1;
            }
        }
        if answered == forged.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_of_any_provider_reaches_the_log_or_the_output() {
    switchboard::providers::tls::install_crypto_provider();
    let (backend, seen) = refusing_backend().await;
    let ports: HashMap<&str, u16> = [
        ("linktor", free_port()),
        ("sinch", free_port()),
        ("vumi", free_port()),
        ("chatwoot", free_port()),
    ]
    .into_iter()
    .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    let config = write_config(dir.path(), &backend, &ports);

    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&config)
        .arg("--log-dir")
        .arg(&logs)
        .args([
            "send",
            // `send` opens no Vumi stream, so the stream account's token is used by the reply.
            "--account",
            "helpline",
            "--conversation",
            "sms:+15550001",
            "--timeout",
            "4",
            "a reply",
        ])
        .env("SWITCHBOARD_LOG", "trace")
        .env("SB_TEST_LINKTOR_PASSWORD", secret("LINKTOR_PASSWORD"))
        .env("SB_TEST_SINCH_SECRET", secret("SINCH_SECRET"))
        .env("SB_TEST_VUMI_TOKEN", secret("VUMI_TOKEN"))
        .env("SB_TEST_SYMBL_SECRET", secret("SYMBL_SECRET"))
        .env("SB_TEST_CHATWOOT_TOKEN", secret("CHATWOOT_TOKEN"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let answered = forge_webhooks(&ports).await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("output");
    assert_eq!(answered, 4, "every receiver answered the forged pushes");
    assert!(
        !output.status.success(),
        "a reply to a refusing backend cannot succeed"
    );

    let mut scanned = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut log = String::new();
    for entry in std::fs::read_dir(&logs).expect("log dir").flatten() {
        log.push_str(&String::from_utf8_lossy(
            &std::fs::read(entry.path()).expect("log"),
        ));
    }
    scanned.push_str(&log);
    println!(
        "scanned {} bytes of trace log and output; the fake saw {} requests",
        scanned.len(),
        seen.lock().expect("lock").len()
    );

    // The run really used the credentials: each provider called the backend.
    let seen = seen.lock().expect("lock").join("\n");
    for (provider, path) in [
        ("Linktor SDK", "/ws?api_key="),
        ("Linktor server", "/api/v1/auth/login"),
        ("Sinch", "/oauth2/token"),
        ("Vumi", "/conv/"),
        ("Symbl", "/oauth2/token:generate"),
    ] {
        assert!(seen.contains(path), "{provider} made no request: {seen}");
    }
    for module in ["linktor", "sinch", "vumi"] {
        assert!(
            log.contains(&format!("switchboard::providers::{module}")),
            "{module} logged nothing"
        );
    }
    for (name, value) in SECRETS {
        if let Some(at) = scanned.find(value) {
            let from = at.saturating_sub(200);
            panic!(
                "{name} leaked: …{}…",
                &scanned[from..(at + 60).min(scanned.len())]
            );
        }
    }
}
