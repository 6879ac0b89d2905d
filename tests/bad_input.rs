//! Bad input never stops the inbox: an unreachable server, a refused key, a failing server and
//! malformed WebSocket frames each end up as a clear message in the app state (status bar or
//! notice) while the app keeps taking keys.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use switchboard::app::{App, Event, Key};
use switchboard::config::{AccountConfig, Config};
use switchboard::providers::ConnectionState;
use switchboard::runtime::{Session, StartOptions};

const WAIT: Duration = Duration::from_secs(15);

fn remote(base_url: String, api_key: &str) -> Config {
    let mut config = Config::default();
    config.accounts.push(AccountConfig::linktor_with_key(
        "remote", &base_url, api_key,
    ));
    config
}

fn connection(app: &App) -> ConnectionState {
    app.status
        .accounts
        .values()
        .next()
        .expect("one account")
        .connection
        .clone()
}

fn last_error(app: &App) -> String {
    app.status
        .accounts
        .values()
        .next()
        .and_then(|s| s.last_error.clone())
        .unwrap_or_default()
}

async fn wait_until_backing_off(session: &mut Session) {
    assert!(
        session
            .pump_until(WAIT, |app| matches!(
                connection(app),
                ConnectionState::BackingOff { .. }
            ))
            .await,
        "backing off: {:?}",
        connection(&session.app)
    );
}

/// The inbox still reacts to keys: `?` opens the help overlay.
fn still_interactive(session: &mut Session) {
    assert!(session.apply(Event::Key(Key::ch('?'))));
    assert!(session.app.view.help, "keys still work");
}

#[tokio::test]
async fn an_unreachable_server_backs_off_with_a_clear_reason() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut session = Session::start(&remote(url.clone(), "k"), &StartOptions::ephemeral())
        .await
        .expect("starts even though the server is down");
    wait_until_backing_off(&mut session).await;
    let reason = last_error(&session.app);
    assert!(reason.contains(&url), "names the server: {reason}");
    still_interactive(&mut session);
}

#[tokio::test]
async fn a_refused_api_key_is_reported_once_and_not_retried() {
    let hub = switchboard::hub::start(switchboard::hub::HubConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_path: None,
        api_key: "right".into(),
        demo: None,
    })
    .await
    .expect("hub");
    let mut session = Session::start(&remote(hub.base_url(), "wrong"), &StartOptions::ephemeral())
        .await
        .expect("starts");
    assert!(
        session
            .pump_until(WAIT, |app| matches!(
                connection(app),
                ConnectionState::AuthFailed(_)
            ))
            .await,
        "auth failed: {:?}",
        connection(&session.app)
    );
    assert!(
        last_error(&session.app).contains("401"),
        "{}",
        last_error(&session.app)
    );
    // No retry loop: nothing else arrives for a while.
    let more = session
        .pump_until(Duration::from_millis(1500), |_| false)
        .await;
    assert!(!more);
    assert!(matches!(
        connection(&session.app),
        ConnectionState::AuthFailed(_)
    ));
    still_interactive(&mut session);
}

#[derive(Clone, Default)]
struct Fake {
    failing: Arc<AtomicBool>,
}

async fn conversations(State(fake): State<Fake>) -> Response {
    if fake.failing.load(Ordering::SeqCst) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"message":"database is down","code":"INTERNAL_ERROR"})),
        )
            .into_response();
    }
    empty_list().await.into_response()
}

async fn empty_list() -> axum::Json<serde_json::Value> {
    axum::Json(
        serde_json::json!({"data":[],"pagination":{"total":0,"limit":50,"offset":0,"hasMore":false,"nextCursor":null}}),
    )
}

async fn socket(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket: WebSocket| async move {
        for frame in [
            "{not json",
            r#"{"type":"mystery","conversationId":"c1"}"#,
            "\u{1b}]0;owned\u{7}",
        ] {
            if socket.send(WsMessage::Text(frame.into())).await.is_err() {
                return;
            }
        }
        while let Some(Ok(_)) = socket.recv().await {}
    })
}

async fn start_fake(fake: Fake) -> SocketAddr {
    let router = Router::new()
        .route("/conversations", get(conversations))
        .route("/contacts", get(empty_list))
        .route("/ws", get(socket))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

#[tokio::test]
async fn a_failing_server_backs_off_then_recovers() {
    let fake = Fake::default();
    fake.failing.store(true, Ordering::SeqCst);
    let addr = start_fake(fake.clone()).await;
    let mut session = Session::start(
        &remote(format!("http://{addr}"), "k"),
        &StartOptions::ephemeral(),
    )
    .await
    .expect("starts");
    wait_until_backing_off(&mut session).await;
    let reason = last_error(&session.app);
    assert!(
        reason.contains("500") || reason.contains("database is down"),
        "{reason}"
    );
    still_interactive(&mut session);

    fake.failing.store(false, Ordering::SeqCst);
    assert!(
        session
            .pump_until(Duration::from_secs(40), |app| connection(app)
                == ConnectionState::Live)
            .await,
        "recovered: {:?}",
        connection(&session.app)
    );
}

#[tokio::test]
async fn malformed_frames_are_reported_and_ignored() {
    let addr = start_fake(Fake::default()).await;
    let mut session = Session::start(
        &remote(format!("http://{addr}"), "k"),
        &StartOptions::ephemeral(),
    )
    .await
    .expect("starts");
    assert!(
        session
            .pump_until(WAIT, |app| !app.status.notices.is_empty())
            .await,
        "a notice about the frame"
    );
    let notice = session.app.status.notices[0].text.clone();
    assert!(notice.to_lowercase().contains("frame"), "{notice}");
    assert!(
        !notice.contains('\u{1b}'),
        "hostile bytes never reach the screen"
    );
    assert_eq!(
        connection(&session.app),
        ConnectionState::Live,
        "still connected"
    );
    still_interactive(&mut session);
}
