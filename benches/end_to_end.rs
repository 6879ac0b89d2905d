//! Benchmark 6 of issue 8: from the hub receiving a customer message to the frame that shows it.
//! Customers post to the embedded hub at 1,000 messages per second (`POST /simulate/inbound`,
//! each on its own connection task); the message travels the real path (hub store → WebSocket →
//! Linktor provider → event channel → reducer) and the real event loop draws at 200×60. A
//! message counts as shown by the first frame drawn from a state that holds it in the open
//! thread. Reported: p50, p99 and max latency, at 1,000 messages per second (frames then come
//! at most every 16 ms, and a message waits for the next) and at 20 per second (each message
//! arrives after an idle spell and is drawn at once: the latency of the work itself).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::probe::Probe;
use switchboard::app::{Event, Key, KeyCode};
use switchboard::config::Config;
use switchboard::model::Content;
use switchboard::runtime::{Session, StartOptions, run};

/// Messages per second, and how many, of each run.
const RUNS: [(u64, u64); 2] = [(1_000, 5_000), (20, 200)];
const FROM: &str = "+15550100";

type Sent = Arc<Mutex<HashMap<u64, Instant>>>;

#[tokio::main]
async fn main() {
    let mut config = Config::default();
    config.hub.demo = false;
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    let hub = session.hub.as_ref().expect("hub");
    let (url, key) = (
        format!("{}/simulate/inbound", hub.base_url()),
        hub.api_key().to_string(),
    );
    let client = reqwest::Client::new();
    post(&client, &url, &key, "warm-up").await;
    assert!(
        session
            .pump_until(Duration::from_secs(10), |app| app.inbox.len() == 1)
            .await,
        "the warm-up conversation arrived"
    );
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));
    assert!(session.app.view.open.is_some(), "the conversation is open");

    let sent: Sent = Arc::default();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let from_hub = Arc::new(Mutex::new(Vec::new()));
    let (seen_sent, seen_latencies, seen_from_hub) =
        (sent.clone(), latencies.clone(), from_hub.clone());
    let mut probe = Probe::new(200, 60, move |app| {
        let drawn_at = Instant::now();
        let drawn_wall = time::OffsetDateTime::now_utc();
        let Some(entry) = app.view.open.as_ref().and_then(|key| app.inbox.get(key)) else {
            return;
        };
        let messages = entry.thread.messages();
        let mut sent = seen_sent.lock().expect("sent");
        let mut latencies = seen_latencies.lock().expect("latencies");
        for message in &messages[messages.len().saturating_sub(200)..] {
            let Content::Text(text) = &message.content else {
                continue;
            };
            let Some(n) = text
                .strip_prefix("e2e ")
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(at) = sent.remove(&n) {
                latencies.push(drawn_at - at);
                // The hub stamps a message when it stores it: from there, on the same clock.
                let since_stored = (drawn_wall - message.at).unsigned_abs();
                seen_from_hub.lock().expect("from hub").push(since_stored);
            }
        }
    });

    for (rate, count) in RUNS {
        let (input, inputs) = tokio::sync::mpsc::channel(16);
        latencies.lock().expect("latencies").clear();
        from_hub.lock().expect("from hub").clear();
        let frames_before = probe.frames;
        let customers = tokio::spawn({
            let (sent, client, url, key) = (sent.clone(), client.clone(), url.clone(), key.clone());
            async move {
                let mut pace = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
                pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let started = Instant::now();
                let mut posts = Vec::with_capacity(count as usize);
                for n in 0..count {
                    pace.tick().await;
                    let (client, url, key, sent) =
                        (client.clone(), url.clone(), key.clone(), sent.clone());
                    let n = rate * 1_000_000 + n;
                    posts.push(tokio::spawn(async move {
                        sent.lock().expect("sent").insert(n, Instant::now());
                        post(&client, &url, &key, &format!("e2e {n}")).await;
                    }));
                }
                let offered = count as f64 / started.elapsed().as_secs_f64();
                for post in posts {
                    post.await.expect("posted");
                }
                // Let the last ones reach the screen, then end the loop.
                let deadline = Instant::now() + Duration::from_secs(10);
                while !sent.lock().expect("sent").is_empty() && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                drop(input);
                offered
            }
        });
        run(&mut probe, &mut session, inputs).await.expect("loop");
        let offered = customers.await.expect("customers");

        let mut latencies = latencies.lock().expect("latencies").clone();
        let mut from_hub = from_hub.lock().expect("from hub").clone();
        let missing = sent.lock().expect("sent").len();
        println!(
            "end to end, hub receives → frame drawn, {count} messages offered at {offered:.0}/s:"
        );
        println!("  shown   {} (never shown: {missing})", latencies.len());
        println!("  frames  {}", probe.frames - frames_before);
        println!(
            "  from the customer's POST     {}",
            quantiles(&mut latencies)
        );
        println!(
            "  from the hub storing it      {}",
            quantiles(&mut from_hub)
        );
    }
}

/// "p50 …, p99 …, max …" of the durations.
fn quantiles(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

async fn post(client: &reqwest::Client, url: &str, key: &str, text: &str) {
    let response = client
        .post(url)
        .header("X-API-Key", key)
        .json(&serde_json::json!({"channelType":"whatsapp","from":FROM,"name":"Ada","text":text}))
        .send()
        .await
        .expect("hub reachable");
    assert_eq!(response.status().as_u16(), 201, "hub accepted the message");
}
