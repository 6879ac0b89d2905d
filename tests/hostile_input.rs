//! Hostile input from the network is bounded or rejected without exhausting memory: a 100 MB
//! WebSocket frame, invalid UTF-8 in a text frame, deeply nested JSON, an endless HTTP body and
//! a 1 MB message. Each case uses a local server speaking just enough of the protocol.

use crate::fakes;
use crate::support;

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::get;
use fakes::linktor::{API_KEY, FakeLinktor};
use futures_util::StreamExt;
use support::wait_for;
use switchboard::model::{AccountId, Content};
use switchboard::providers::ProviderEvent;
use switchboard::providers::linktor::rest::{LinktorError, MAX_BODY_BYTES, RestClient};
use switchboard::providers::linktor::socket::{self, Incoming, MAX_WS_MESSAGE_BYTES};
use switchboard::providers::linktor::{LinktorConfig, spawn};
use switchboard::text::MAX_TEXT_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// A server that completes the WebSocket handshake by hand, then writes `bytes` raw and keeps
/// the connection open. Returns its base URL and how many bytes it wrote in all.
async fn raw_ws_server(bytes: Vec<u8>) -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "client hung up during the handshake");
            request.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&request);
        let key = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("Sec-WebSocket-Key: ")
                    .or_else(|| l.strip_prefix("sec-websocket-key: "))
            })
            .expect("key")
            .trim()
            .to_string();
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        );
        stream
            .write_all(answer.as_bytes())
            .await
            .expect("handshake");
        stream.write_all(&bytes).await.expect("frame");
        // Hold the socket: the client must give up on its own, not because we left.
        let mut rest = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut rest)).await;
        answer.len() + bytes.len()
    });
    (url, task)
}

#[tokio::test]
async fn a_100_mb_websocket_frame_is_refused_from_its_header() {
    // FIN + text opcode, 64-bit length = 100 MiB, then only 1 KiB of the payload.
    let mut frame = vec![0x81, 127];
    frame.extend_from_slice(&(100u64 << 20).to_be_bytes());
    frame.extend(std::iter::repeat_n(b'x', 1024));
    let (url, server) = raw_ws_server(frame).await;
    let (sink, mut reader) = socket::connect(&url, API_KEY, Duration::from_secs(10))
        .await
        .expect("handshake");
    let incoming = tokio::time::timeout(Duration::from_secs(20), reader.next())
        .await
        .expect("the client gives up without waiting for 100 MB");
    match socket::classify(incoming) {
        Incoming::Closed(reason) => assert!(
            reason.contains("too long") || reason.contains("Space limit"),
            "{reason}"
        ),
        other => panic!("a 100 MB frame must end the socket, got {other:?}"),
    }
    drop((sink, reader));
    let written = server.await.expect("server");
    assert!(
        written < MAX_WS_MESSAGE_BYTES,
        "the payload was never sent, let alone read"
    );
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_ends_the_socket_cleanly() {
    let payload = [b'{', 0xff, 0xfe, b'}'];
    let mut frame = vec![0x81, payload.len() as u8];
    frame.extend_from_slice(&payload);
    let (url, _server) = raw_ws_server(frame).await;
    let (_sink, mut reader) = socket::connect(&url, API_KEY, Duration::from_secs(10))
        .await
        .expect("handshake");
    let incoming = tokio::time::timeout(Duration::from_secs(20), reader.next())
        .await
        .expect("answer");
    assert!(
        matches!(socket::classify(incoming), Incoming::Closed(reason) if reason.contains("UTF-8") || reason.contains("utf-8"))
    );
}

#[test]
fn deeply_nested_json_is_malformed_not_a_stack_overflow() {
    for depth in [1_000usize, 100_000, 1_000_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(
            matches!(socket::parse(&nested), Incoming::Malformed(_)),
            "depth {depth}"
        );
        let in_a_frame = format!(
            r#"{{"type":"message","conversationId":"c1","message":{}1{}}}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        assert!(
            matches!(socket::parse(&in_a_frame), Incoming::Malformed(_)),
            "depth {depth}"
        );
    }
}

#[tokio::test]
async fn an_endless_http_body_is_cut_off_at_the_limit() {
    switchboard::providers::tls::install_crypto_provider();
    let endless = || async {
        let chunk = Bytes::from(vec![b' '; 64 * 1024]);
        let stream = futures_util::stream::repeat(chunk).map(Ok::<_, std::io::Error>);
        axum::response::Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .expect("response")
    };
    let app = Router::new().route("/contacts", get(endless));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    let mut config = LinktorConfig::new(url, API_KEY);
    config.request_timeout = Duration::from_secs(120);
    let rest = RestClient::new(&config).expect("client");
    let result = tokio::time::timeout(Duration::from_secs(120), rest.list_contacts(0, 50))
        .await
        .expect("the read stops at the limit instead of going on forever");
    match result {
        Err(LinktorError::Decode { reason, .. }) => {
            assert!(
                reason.contains(&format!("{} MiB", MAX_BODY_BYTES >> 20)),
                "{reason}"
            )
        }
        other => panic!("expected a size error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_one_megabyte_message_reaches_the_app_cut_to_size() {
    switchboard::providers::tls::install_crypto_provider();
    let fake = FakeLinktor::start().await;
    fake.seed(1);
    let (tx, mut events) = tokio::sync::mpsc::channel(64);
    let mut config = LinktorConfig::new(fake.base_url.clone(), API_KEY);
    config.poll_interval = Duration::from_secs(3600);
    let _provider = spawn(AccountId::new("big"), config, tx);
    wait_for(&mut events, Duration::from_secs(30), "live", |e| {
        matches!(e, ProviderEvent::Synced)
    })
    .await;
    let huge = format!("start {} end", "\u{1b}[31mA".repeat(200_000));
    assert!(huge.len() > 1 << 20);
    fake.push_message("c1", &huge);
    let (event, _) = wait_for(
        &mut events,
        Duration::from_secs(30),
        "the big message",
        |e| matches!(e, ProviderEvent::Messages { live: true, .. }),
    )
    .await;
    let ProviderEvent::Messages { messages, .. } = event else {
        unreachable!()
    };
    let Content::Text(text) = &messages[0].content else {
        panic!("text expected")
    };
    assert!(
        text.starts_with("start AAAA"),
        "escapes removed: {}",
        &text[..40]
    );
    assert!(
        text.len() <= MAX_TEXT_BYTES + 64,
        "cut to size: {}",
        text.len()
    );
    assert!(text.ends_with("more bytes not shown]"));
    assert!(!text.contains('\u{1b}'));
}
