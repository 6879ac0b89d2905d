//! Memory of a push receiver under an unauthenticated flood of large bodies held open: before
//! the receivers had limits, 200 such connections took the process from 27 MB to 424 MB and
//! never gave it back. Alone in its binary so the resident size is this test's own.

use std::time::Duration;

use switchboard::providers::linktor::webhook::{self, WebhookConfig, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
    switchboard::providers::tls::install_crypto_provider();
    let config = WebhookConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: "s3cret".into(),
        require_timestamp: false,
    };
    let (addr, _task, mut hooks) = webhook::start(&config).await.expect("listens");
    let before = resident_mb();

    // 200 callers, each announcing just under 2 MB, sending half of it and holding on; half of
    // them carry a (wrong) signature, half none.
    let mut held = Vec::new();
    let chunk = vec![b'x'; 64 * 1024];
    for i in 0..200 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let signature = if i % 2 == 0 {
            "x-linktor-signature: 00\r\n"
        } else {
            ""
        };
        let head = format!(
            "POST /webhook HTTP/1.1\r\nhost: x\r\n{signature}content-length: 1999999\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("head");
        for _ in 0..15 {
            if stream.write_all(&chunk).await.is_err() {
                break;
            }
        }
        held.push(stream);
    }

    // A valid callback is answered while they hang on.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = serde_json::json!({
        "id": "evt-ok", "type": "conversation.resolved", "timestamp": now,
        "data": {"conversationId": "c1"}
    })
    .to_string();
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
    assert!(hooks.recv().await.is_some(), "and applied");

    let during = resident_mb();
    println!("resident: {before:.1} MB before, {during:.1} MB with 200 held bodies");
    assert!(
        during - before < 40.0,
        "memory grew by {:.1} MB (bodies are refused, not buffered)",
        during - before
    );
    // Every held caller was answered and let go rather than waited for.
    for mut stream in held {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("closed by the receiver");
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 401") || text.starts_with("HTTP/1.1 413"),
            "{text}"
        );
    }
}
