//! Cost of updating a conversation's insights for one new message when the conversation
//! already holds 1,000 messages (the target is well under a millisecond), and, for
//! comparison, the cost of a late message inserted in the middle (which replays stored facts).
//!
//! Run: `cargo bench --bench insights`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use switchboard::insights::InsightEngine;
use switchboard::model::{Content, DeliveryStatus, Direction, Message};
use time::Duration;
use time::macros::datetime;

const LINES: &[(Direction, &str)] = &[
    (Direction::Inbound, "Hi, my order #58812 still hasn't arrived. Where is it?"),
    (Direction::Outbound, "Sorry about that! Let me check the tracking for you."),
    (Direction::Outbound, "It should arrive tomorrow between 10:00 and 14:00. I'll email you the link."),
    (Direction::Inbound, "ok thanks. can i get a refund of the $49.99 if it's late again?"),
    (Direction::Outbound, "Yes. Please call us on +1 415 555 0132 or reply here and we'll refund it."),
    (Direction::Inbound, "great, send it to dana@example.com please"),
    (Direction::Outbound, "Done, see https://track.example.com/p/58812 for updates."),
    (Direction::Inbound, "the box was damaged too, ticket TCK-70415 from last week"),
];

fn message(index: usize) -> Message {
    let (direction, text) = LINES[index % LINES.len()];
    Message {
        id: format!("m{index:05}"),
        client_id: None,
        direction,
        sender: if direction == Direction::Inbound { "Dana".into() } else { "Agent".into() },
        content: Content::Text(text.into()),
        at: datetime!(2026-01-01 09:00 UTC) + Duration::minutes(index as i64 * 3),
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

fn engine_with(messages: usize) -> InsightEngine {
    let mut engine = InsightEngine::default();
    for index in 0..messages {
        engine.observe(&message(index));
    }
    engine
}

fn bench(c: &mut Criterion) {
    let engine = engine_with(1_000);
    let next = message(1_000);
    c.bench_function("insights: one new message after 1,000", |b| {
        b.iter_batched(
            || engine.clone(),
            |mut engine| {
                black_box(engine.observe(black_box(&next)));
                engine
            },
            BatchSize::LargeInput,
        )
    });
    let duplicate = message(999);
    c.bench_function("insights: a duplicate of a known message", |b| {
        b.iter_batched(
            || engine.clone(),
            |mut engine| {
                black_box(engine.observe(black_box(&duplicate)));
                engine
            },
            BatchSize::LargeInput,
        )
    });
    let late = Message {
        id: "late".into(),
        at: message(500).at + Duration::seconds(30),
        ..message(3)
    };
    c.bench_function("insights: a late message inserted mid-thread (replay)", |b| {
        b.iter_batched(
            || engine.clone(),
            |mut engine| {
                black_box(engine.observe(black_box(&late)));
                engine
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
