//! Memory of a push receiver under an unauthenticated flood of large bodies held open: before
//! the receivers had limits, 200 such connections took the process from 27 MB to 424 MB and
//! never gave it back. In its own binary so the resident size is this file's own (the two
//! tests share it; the bound leaves room for both).

use std::time::Duration;

use switchboard::providers::linktor::webhook::{self, WebhookConfig, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The connection cap is process-wide: one test's held connections would turn the other's
/// callers away, so they take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

type Receiver = (
    std::net::SocketAddr,
    tokio::task::JoinHandle<()>,
    tokio::sync::mpsc::Receiver<webhook::Hook>,
);

async fn start() -> Receiver {
    switchboard::providers::tls::install_crypto_provider();
    let config = WebhookConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: "s3cret".into(),
        require_timestamp: false,
    };
    webhook::start(&config).await.expect("listens")
}

/// A signed-to-be event, stamped now.
fn valid_event() -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    serde_json::json!({
        "id": "evt-ok", "type": "conversation.resolved", "timestamp": now,
        "data": {"conversationId": "c1"}
    })
    .to_string()
}

fn resident_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm (Linux)");
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("resident pages");
    pages * 4096.0 / 1_048_576.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_bodies_from_unauthenticated_callers_keep_memory_bounded() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (addr, _task, mut hooks) = start().await;
    let before = resident_mb();

    // 300 callers (more than the 256 connections the receivers take), each with a signature
    // header, sending 200 KiB of a chunked body of unannounced length and holding on: what the
    // receiver does buffer, just under its 256 KiB limit.
    let mut held = Vec::new();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    for _ in 0..300 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = "POST /webhook HTTP/1.1\r\nhost: x\r\nx-linktor-signature: 00\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_ok() {
            for _ in 0..3 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = resident_mb();
    println!("resident: {before:.1} MB before, {during:.1} MB with 300 callers holding bodies");
    assert!(
        during - before < 80.0,
        "memory grew by {:.1} MB; the bound is 256 connections x 256 KiB",
        during - before
    );

    // They are cut off within the request timeout, and the receiver serves again.
    for mut stream in held {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("closed by the receiver");
    }
    let body = valid_event();
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/webhook"))
        .header("x-linktor-signature", sign("s3cret", body.as_bytes()))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), 200);
    assert!(hooks.recv().await.is_some(), "and applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_oversized_bodies_are_refused_unread_while_a_valid_webhook_passes() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (addr, _task, mut hooks) = start().await;
    let mut held = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = "POST /webhook HTTP/1.1\r\nhost: x\r\nx-linktor-signature: 00\r\n\
                    content-length: 1999999\r\n\r\n";
        stream.write_all(head.as_bytes()).await.expect("head");
        held.push(stream);
    }
    let body = valid_event();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        reqwest::Client::new()
            .post(format!("http://{addr}/webhook"))
            .header("x-linktor-signature", sign("s3cret", body.as_bytes()))
            .body(body)
            .send(),
    )
    .await
    .expect("answered during the flood")
    .expect("sent");
    assert_eq!(answer.status(), 200);
    assert!(hooks.recv().await.is_some());
    for mut stream in held {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("closed by the receiver");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    }
}
