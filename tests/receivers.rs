//! The push receivers facing a hostile network: silent, trickling and oversized callers are cut
//! off, a flood of connections cannot take every descriptor, and a valid callback is still
//! answered while bad ones pour in and the provider is too busy to read.

use std::time::Duration;

use axum::Router;
use axum::routing::post;
use switchboard::providers::linktor::webhook::{self, WebhookConfig, sign};
use switchboard::providers::receiver::{self, Limits};
use switchboard::providers::sinch::webhook as sinch_webhook;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An upper bound that only a hang reaches; the answers come in milliseconds.
const HANG: Duration = Duration::from_secs(10);

const SMALL: Limits = Limits {
    max_connections: 8,
    header_timeout: Duration::from_millis(300),
    request_timeout: Duration::from_millis(300),
    max_body: 1024,
};

async fn echo_server(limits: Limits) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let app = Router::new().route(
        "/",
        post(|body: axum::body::Bytes| async move { format!("{}", body.len()) }),
    );
    tokio::spawn(receiver::serve(listener, app, limits, "test receiver"));
    addr
}

/// Reads until the server closes; returns what it said.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection");
    String::from_utf8_lossy(&out).into_owned()
}

async fn post_raw(addr: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    read_to_close(&mut stream).await
}

fn post_of(body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let addr = echo_server(SMALL).await;
    let mut idle = TcpStream::connect(&addr).await.expect("connect");
    let said = read_to_close(&mut idle).await;
    assert!(!said.contains("200"), "{said}");
}

#[tokio::test]
async fn a_trickling_body_is_cut_off_and_an_oversized_one_is_never_read() {
    let addr = echo_server(SMALL).await;
    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nab")
        .await
        .expect("write");
    let said = read_to_close(&mut slow).await;
    assert!(said.starts_with("HTTP/1.1 408"), "{said}");

    // 2 MB announced, nothing sent: refused on the header alone.
    let said = post_raw(
        &addr,
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2000000\r\n\r\n",
    )
    .await;
    assert!(said.starts_with("HTTP/1.1 413"), "{said}");
    let said = post_raw(&addr, &post_of("hello")).await;
    assert!(
        said.starts_with("HTTP/1.1 200") && said.ends_with('5'),
        "{said}"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_and_the_cap_frees_up() {
    let addr = echo_server(SMALL).await;
    let mut held = Vec::new();
    for _ in 0..SMALL.max_connections {
        held.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    // Let the server accept all of them before the one too many.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut extra = TcpStream::connect(&addr).await.expect("connect");
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(Duration::from_millis(200), extra.read(&mut byte)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the connection over the cap is closed at once"
    );
    // The held ones time out, and the receiver serves again.
    for mut stream in held {
        read_to_close(&mut stream).await;
    }
    let said = post_raw(&addr, &post_of("again")).await;
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
}

fn client() -> reqwest::Client {
    switchboard::providers::tls::install_crypto_provider();
    reqwest::Client::new()
}

fn linktor_config(secret: &str) -> WebhookConfig {
    WebhookConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: secret.into(),
        require_timestamp: false,
    }
}

fn event_body(id: &str, at: i64) -> String {
    serde_json::json!({
        "id": id, "type": "conversation.resolved", "timestamp": at,
        "tenantId": "t", "data": {"conversationId": "c1"}
    })
    .to_string()
}

async fn post_linktor(addr: &str, body: &str, signature: Option<&str>) -> u16 {
    let mut request = client()
        .post(format!("http://{addr}/webhook"))
        .body(body.to_string());
    if let Some(signature) = signature {
        request = request.header("x-linktor-signature", signature);
    }
    request.send().await.expect("answer").status().as_u16()
}

#[tokio::test]
async fn linktor_webhooks_cannot_be_replayed_nor_kept_fresh_by_dropping_the_header() {
    let (addr, _task, mut hooks) = webhook::start(&linktor_config("s3cret"))
        .await
        .expect("listens");
    let addr = addr.to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = event_body("evt-1", now);
    let signature = sign("s3cret", body.as_bytes());
    assert_eq!(post_linktor(&addr, &body, Some(&signature)).await, 200);
    assert!(hooks.try_recv().is_ok(), "the first delivery counts");
    // The same signed body again (no timestamp header at all): answered, not applied.
    assert_eq!(post_linktor(&addr, &body, Some(&signature)).await, 200);
    assert!(hooks.try_recv().is_err(), "a replay is not applied twice");
    // A body signed long ago is stale by its own signed timestamp.
    let old = event_body("evt-2", now - 3600);
    let signature = sign("s3cret", old.as_bytes());
    assert_eq!(post_linktor(&addr, &old, Some(&signature)).await, 400);
    // A timestamp chosen to overflow a naive skew check.
    let overflow = event_body("evt-3", i64::MIN + now);
    let signature = sign("s3cret", overflow.as_bytes());
    assert_eq!(post_linktor(&addr, &overflow, Some(&signature)).await, 400);
    assert!(hooks.try_recv().is_err());
}

#[tokio::test]
async fn a_receiver_that_requires_the_timestamp_refuses_one_without_it() {
    let mut config = linktor_config("s3cret");
    config.require_timestamp = true;
    let (addr, _task, _hooks) = webhook::start(&config).await.expect("listens");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = event_body("evt-1", now);
    let signature = sign("s3cret", body.as_bytes());
    assert_eq!(
        post_linktor(&addr.to_string(), &body, Some(&signature)).await,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinch_refusals_never_wait_on_a_busy_provider() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    // A provider that reads nothing: its queue is full after one callback.
    let (pushes, mut held) = tokio::sync::mpsc::channel(1);
    tokio::spawn(sinch_webhook::serve(
        listener,
        "secret".into(),
        Duration::from_secs(300),
        pushes,
    ));
    let client = client();
    let url = format!("http://{addr}/sinch");
    // Under the connection cap: every one of them is answered.
    let refusals = (0..200).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            client
                .post(&url)
                .header(sinch_webhook::SIGNATURE, "forged")
                .header(sinch_webhook::NONCE, format!("n{i}"))
                // Half stale (refused on the headers), half fresh with a forged signature
                // (refused once the body is read).
                .header(
                    sinch_webhook::TIMESTAMP,
                    if i % 2 == 0 { "1".to_string() } else { fresh() },
                )
                .body("{}")
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let answered = tokio::time::timeout(HANG, futures_util::future::join_all(refusals))
        .await
        .expect("every refusal is answered without waiting on the provider");
    let refused = answered.iter().filter(|r| matches!(r, Ok(401))).count();
    assert_eq!(refused, 200, "all refused with 401");

    let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let signed = |nonce: &str| {
        let body = r#"{"app_id":"APP","message_metadata":""}"#;
        let signature = sinch_webhook::sign("secret", body.as_bytes(), nonce, &now);
        client
            .post(&url)
            .header(sinch_webhook::SIGNATURE, signature)
            .header(sinch_webhook::NONCE, nonce)
            .header(sinch_webhook::TIMESTAMP, &now)
            .body(body)
            .send()
    };
    let first = tokio::time::timeout(HANG, signed("valid-1"))
        .await
        .expect("answered")
        .expect("sent");
    // The queue's one place may hold the notice of the refusals already.
    assert!([200, 503].contains(&first.status().as_u16()), "{first:?}");
    let second = tokio::time::timeout(HANG, signed("valid-2"))
        .await
        .expect("a valid callback is answered even while the provider is stuck")
        .expect("sent");
    assert_eq!(second.status(), 503, "Sinch is asked to retry, not held");

    // Once the provider has room, Sinch's retry (same nonce) is taken, not called a replay.
    while held.try_recv().is_ok() {}
    let retried = tokio::time::timeout(HANG, signed("valid-2"))
        .await
        .expect("answered")
        .expect("sent");
    assert_eq!(retried.status(), 200);
    assert!(matches!(
        held.try_recv(),
        Ok(switchboard::providers::sinch::webhook::Push::Callback(_))
    ));
}

fn fresh() -> String {
    time::OffsetDateTime::now_utc().unix_timestamp().to_string()
}

#[tokio::test]
async fn a_linktor_webhook_answered_503_is_applied_when_retried() {
    let (addr, _task, mut hooks) = webhook::start(&linktor_config("s3cret"))
        .await
        .expect("listens");
    let addr = addr.to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Fill the provider's queue without reading it.
    let mut n = 0;
    let busy = loop {
        n += 1;
        let body = event_body(&format!("evt-{n}"), now);
        let status = post_linktor(&addr, &body, Some(&sign("s3cret", body.as_bytes()))).await;
        if status != 200 {
            break (status, body);
        }
        assert!(n < 10_000, "the queue never filled");
    };
    assert_eq!(busy.0, 503);
    while hooks.try_recv().is_ok() {}
    let body = busy.1;
    assert_eq!(
        post_linktor(&addr, &body, Some(&sign("s3cret", body.as_bytes()))).await,
        200
    );
    assert!(
        hooks.try_recv().is_ok(),
        "the retry was applied, not refused as a replay"
    );
}
