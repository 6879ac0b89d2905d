//! Benchmark 5 of issue 8: what the inbox costs while nothing happens. The real event loop runs
//! on the embedded hub (no demo customers) for 30 s after it settles; the figures are the frames
//! drawn, the CPU time of the whole process (hub, provider, loop) and the threads' wake-ups
//! (voluntary context switches).

mod common;

use std::time::Duration;

use common::probe::{Probe, context_switches, cpu_time};
use switchboard::config::Config;
use switchboard::runtime::{Session, StartOptions, run};

const SETTLE: Duration = Duration::from_secs(3);
const IDLE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let mut config = Config::default();
    config.hub.demo = false;
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session");
    let (input, inputs) = tokio::sync::mpsc::channel(16);
    let frames = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = frames.clone();
    let mut probe = Probe::new(200, 60, move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });

    let measure = tokio::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        let (cpu, switches) = (cpu_time(), context_switches());
        let drawn = frames.load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(IDLE).await;
        let cpu = cpu_time().saturating_sub(cpu);
        let switches = context_switches().saturating_sub(switches);
        let drawn = frames.load(std::sync::atomic::Ordering::Relaxed) - drawn;
        drop(input); // ends the loop
        (cpu, switches, drawn)
    });
    run(&mut probe, &mut session, inputs).await.expect("loop");
    let (cpu, switches, drawn) = measure.await.expect("measured");
    let secs = IDLE.as_secs_f64();
    println!("idle over {secs:.0} s (embedded hub, no demo, real event loop at 200x60):");
    println!("  frames drawn      {drawn}");
    println!(
        "  CPU time          {} ms ({:.3}% of one core)",
        cpu.as_millis(),
        cpu.as_secs_f64() / secs * 100.0
    );
    println!(
        "  wake-ups          {switches} ({:.1} per second, all threads)",
        switches as f64 / secs
    );
}
