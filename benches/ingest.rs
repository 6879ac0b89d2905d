//! Benchmark 1 of issue 8: WebSocket frames parsed and applied to the state, per second, on one
//! core. A frame goes the whole way the Linktor provider takes it: JSON text → `ServerFrame` →
//! model (`convert`) → `App::apply`. The mix is four new messages to one status update, spread
//! over 200 busy conversations of an inbox that lists 10,000, as a busy inbox sees them.

mod common;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use switchboard::app::{App, AppSettings, Event};
use switchboard::model::DeliveryStatus;
use switchboard::providers::linktor::convert;
use switchboard::providers::linktor::wire::{ServerFrame, WireContent, WireMessage};
use switchboard::providers::{AccountEvent, ConnectionState, ProviderEvent};
use time::format_description::well_known::Rfc3339;

const FRAMES: usize = 10_000;
/// The conversations the frames go to.
const BUSY: usize = 200;
/// The conversations the inbox lists.
const LISTED: usize = 10_000;
/// The event loop's drain cap (`DRAIN` in `runtime::event_loop`).
const BATCH: usize = 256;

/// The frames as the hub writes them on the socket.
fn frames() -> Vec<String> {
    let start = common::NOW - time::Duration::hours(2);
    (0..FRAMES)
        .map(|i| {
            let conversation_id = format!("c{:05}", i % BUSY);
            let frame = if i % 5 == 4 {
                ServerFrame::MessageStatus {
                    conversation_id,
                    message_id: format!("m{:07}", i - 1),
                    status: "delivered".into(),
                    timestamp: None,
                }
            } else {
                let at = start + time::Duration::milliseconds(i as i64 * 250);
                ServerFrame::Message {
                    conversation_id: conversation_id.clone(),
                    message: WireMessage {
                        id: format!("m{i:07}"),
                        conversation_id,
                        direction: if i.is_multiple_of(2) {
                            "inbound"
                        } else {
                            "outbound"
                        }
                        .into(),
                        content_type: "text".into(),
                        content: WireContent {
                            text: Some(format!("Frame {i}: hi, is my order #{i} on its way?")),
                            ..WireContent::default()
                        },
                        status: "sent".into(),
                        sender_type: if i.is_multiple_of(2) {
                            "contact"
                        } else {
                            "agent"
                        }
                        .into(),
                        sender_id: None,
                        external_id: None,
                        delivered_at: None,
                        read_at: None,
                        failed_reason: None,
                        metadata: Default::default(),
                        created_at: at.format(&Rfc3339).expect("time"),
                        updated_at: None,
                    },
                }
            };
            serde_json::to_string(&frame).expect("frame")
        })
        .collect()
}

/// The inbox the frames land in: its conversations are known, their threads empty.
fn inbox() -> App {
    let mut app = App::new("bench", AppSettings::default(), common::NOW);
    app.add_account(common::account());
    common::provider(&mut app, ProviderEvent::Connection(ConnectionState::Live));
    common::provider(
        &mut app,
        ProviderEvent::Conversations((0..LISTED).map(common::conversation).collect()),
    );
    app
}

/// One frame, the provider's way: parse and convert into the event the provider emits.
fn parse(text: &str) -> Option<AccountEvent> {
    let event = match ServerFrame::parse(text).expect("frame") {
        ServerFrame::Message {
            conversation_id,
            message,
        } => ProviderEvent::Messages {
            conversation: conversation_id,
            messages: vec![convert::message(&message, "Customer", "Agent")],
            live: true,
        },
        ServerFrame::MessageStatus {
            conversation_id,
            message_id,
            status,
            ..
        } => ProviderEvent::StatusUpdate {
            conversation: conversation_id,
            message_id,
            status: DeliveryStatus::from_linktor(&status).expect("status"),
            reason: None,
        },
        _ => return None,
    };
    Some(AccountEvent {
        account: common::account(),
        event,
    })
}

fn ingest_frames(c: &mut Criterion) {
    let frames = frames();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.sample_size(20);
    // Under load the event loop applies what is queued in batches of up to 256 events.
    group.bench_function("linktor_frames_batched_as_the_loop_drains_them", |b| {
        b.iter_batched(
            inbox,
            |mut app| {
                for chunk in frames.chunks(BATCH) {
                    let batch = chunk.iter().filter_map(|frame| parse(frame)).collect();
                    app.apply(common::NOW, Event::Providers(batch));
                }
                app
            },
            BatchSize::LargeInput,
        )
    });
    // The worst case: every frame arrives alone and is applied on its own.
    group.bench_function("linktor_frames_one_at_a_time", |b| {
        b.iter_batched(
            inbox,
            |mut app| {
                for frame in &frames {
                    if let Some(event) = parse(frame) {
                        app.apply(common::NOW, Event::provider(event));
                    }
                }
                app
            },
            BatchSize::LargeInput,
        )
    });
    // The floor of both: the frames parsed and converted, applied to nothing.
    group.bench_function("linktor_frames_parsed_only", |b| {
        b.iter(|| frames.iter().filter_map(|frame| parse(frame)).count())
    });
    group.bench_function("linktor_frames_read_direct", |b| {
        b.iter(|| {
            frames
                .iter()
                .filter(|frame| ServerFrame::parse(frame).is_ok())
                .count()
        })
    });
    group.bench_function("linktor_frames_read_by_the_tagged_enum", |b| {
        b.iter(|| {
            frames
                .iter()
                .filter(|frame| serde_json::from_str::<ServerFrame>(frame).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, ingest_frames);
criterion_main!(benches);
