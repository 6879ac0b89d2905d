//! Benchmarks 3, 4 and 7 of issue 8, which need a big local store: 1,000,000 messages in 10,000
//! conversations, one of them a 100,000-message thread, built once into a temp file (the real
//! store's schema and writes, a few large transactions). Then a child process (so the memory
//! figure is its own) measures, headless at 200×60:
//!
//! - start: from the child being spawned to its first frame drawn from the cached inbox (the
//!   store actor opened, its start snapshot applied by the reducer, one `TestBackend` frame);
//! - memory: peak RSS (`VmHWM`) after the first frame, and after the long thread was paged end to
//!   end (then left, which trims it);
//! - scrolling: time per PageUp through the long thread, from the key to the frame drawn, with
//!   history read from the store a page at a time through the store actor, as the app does.
//!
//! `cargo bench --bench store_scale`. Set `SWITCHBOARD_BENCH_STORE=path` to keep and reuse the
//! store file between runs, and `SWITCHBOARD_BENCH_CONVERSATIONS` / `SWITCHBOARD_BENCH_MESSAGES`
//! for another size (issue 23's second store: 100,000 conversations, 2,000,000 messages).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, AppSettings, Effect, Event, Key, KeyCode};
use switchboard::model::Message;
use switchboard::runtime::Surface;
use switchboard::store::{self, CachedConversation, Db, StoreEvent, StoreHandle, StoreRequest};
use switchboard::ui::Painter;
use time::Duration as Span;
use tokio::sync::mpsc::Receiver;

/// The size of the store, from the environment or the first round's defaults.
fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn conversations() -> usize {
    size("SWITCHBOARD_BENCH_CONVERSATIONS", 10_000)
}

fn messages() -> usize {
    size("SWITCHBOARD_BENCH_MESSAGES", 1_000_000)
}
const LONG_THREAD: usize = 100_000;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
/// Set in the child: the store to open, and when the parent spawned it (ns since the epoch).
const CHILD_STORE: &str = "SWITCHBOARD_BENCH_CHILD_STORE";
const CHILD_SPAWNED: &str = "SWITCHBOARD_BENCH_CHILD_SPAWNED";

fn main() {
    if let (Ok(path), Ok(spawned)) = (std::env::var(CHILD_STORE), std::env::var(CHILD_SPAWNED)) {
        child(Path::new(&path), spawned.parse().expect("spawn time"));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = std::env::var("SWITCHBOARD_BENCH_STORE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("inbox.sqlite3"));
    if !path.exists() {
        let started = Instant::now();
        build(&path);
        println!(
            "store of {} messages in {} conversations built in {:.1} s ({} MB)",
            messages(),
            conversations(),
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&path).map(|m| m.len() >> 20).unwrap_or(0)
        );
    }
    let output = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD_STORE, &path)
        .env(CHILD_SPAWNED, epoch_ns().to_string())
        .output()
        .expect("child ran");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the child failed");
}

/// Writes the store through `Db::apply` (the real schema and upserts), 10,000 messages per
/// transaction.
fn build(path: &Path) {
    let (conversation_count, message_count) = (conversations(), messages());
    let mut db = Db::open(Some(path)).expect("store");
    let conversations = (0..conversation_count)
        .map(|i| {
            let mut info = common::conversation(i);
            info.unread = (i % 4) as u32;
            CachedConversation {
                info,
                snooze: None,
                history_complete: i != 0,
            }
        })
        .collect();
    db.apply(&[StoreRequest::Conversations(conversations)])
        .expect("conversations");
    let per_other = (message_count - LONG_THREAD) / (conversation_count - 1);
    let mut next_id = 0;
    let mut batch = Vec::new();
    let mut in_batch = 0;
    for index in 0..conversation_count {
        let count = match index {
            0 => LONG_THREAD,
            1 => message_count - LONG_THREAD - per_other * (conversation_count - 2),
            _ => per_other,
        };
        let newest = common::NOW - Span::minutes(index as i64);
        let messages: Vec<Message> = (0..count)
            .map(|n| {
                next_id += 1;
                let at = newest - Span::seconds(30 * (count - 1 - n) as i64);
                common::message(next_id, at)
            })
            .collect();
        in_batch += messages.len();
        batch.push(StoreRequest::Messages {
            key: common::conversation(index).key,
            messages,
        });
        if in_batch >= 10_000 {
            db.apply(&batch).expect("messages");
            batch.clear();
            in_batch = 0;
        }
    }
    db.apply(&batch).expect("messages");
    assert_eq!(db.count("messages").expect("count"), message_count as i64);
    // The search index, as a store in use has it (the store actor builds it when idle).
    while !db.index_step(20_000).expect("index").complete() {}
}

fn child(path: &Path, spawned_ns: u128) {
    // Start: the store actor opens the file and sends its start snapshot; the reducer applies
    // it; the first frame is drawn.
    let started = Instant::now();
    let (store, mut events) = store::spawn(Some(path)).expect("store");
    let loaded = events.blocking_recv().expect("snapshot");
    let read = started.elapsed();
    let settings = AppSettings {
        store: true,
        ..AppSettings::default()
    };
    let mut app = App::new("bench", settings, common::NOW);
    app.add_account(common::account());
    let effects = app.apply(common::NOW, Event::Store(loaded));
    let applied = started.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let layout = Surface::draw(&mut terminal, &app, &mut Painter::default()).expect("draw");
    let in_process = started.elapsed();
    let since_spawn = Duration::from_nanos((epoch_ns() - spawned_ns) as u64);
    let rss_start = kib("VmHWM");
    let resident_messages: usize = app.inbox.iter().map(|(_, e)| e.thread.len()).sum();
    println!(
        "start, {} cached messages in {} conversations:",
        messages(),
        app.inbox.total()
    );
    println!(
        "  first frame    {:.1} ms after spawn ({:.1} ms in process); {resident_messages} messages resident",
        ms(since_spawn),
        ms(in_process)
    );
    println!(
        "                 store read {:.1} ms, reducer {:.1} ms, draw {:.1} ms",
        ms(read),
        ms(applied - read),
        ms(in_process - applied)
    );
    println!(
        "  peak RSS       {:.1} MB at the first frame",
        rss_start / 1024.0
    );
    let mut effects = effects;
    effects.extend(app.apply(app.now, Event::Layout(layout)));
    run(&mut app, &store, &mut events, effects);

    // The rest of the list, in parts, each applied and drawn as the loop would.
    let (mut parts, mut longest) = (0, Duration::ZERO);
    let rest = Instant::now();
    while app.inbox.unloaded.is_some() {
        let event = events.blocking_recv().expect("the rest of the start");
        let part = Instant::now();
        let effects = app.apply(app.now, Event::Store(event));
        frame(&mut app, &mut terminal, &store);
        run(&mut app, &store, &mut events, effects);
        longest = longest.max(part.elapsed());
        parts += 1;
    }
    println!(
        "  whole list     {} conversations {:.1} ms after the first frame, in {parts} parts (the longest applied and drawn in {:.1} ms); peak RSS {:.1} MB",
        app.inbox.len(),
        ms(rest.elapsed()),
        ms(longest),
        kib("VmHWM") / 1024.0
    );
    let end = Instant::now();
    run_key(&mut app, &store, &mut events, KeyCode::End);
    frame(&mut app, &mut terminal, &store);
    let end = end.elapsed();
    run_key(&mut app, &store, &mut events, KeyCode::Home);
    frame(&mut app, &mut terminal, &store);
    println!(
        "  list end to end  End → frame {:.1} ms; peak RSS {:.1} MB",
        ms(end),
        kib("VmHWM") / 1024.0
    );

    // Open the long thread (the newest conversation, first in the list).
    let long = common::conversation(0).key;
    run_key(&mut app, &store, &mut events, KeyCode::Enter);
    assert_eq!(
        app.view.open.as_ref(),
        Some(&long),
        "the long thread is open"
    );
    settle(&mut app, &mut terminal, &store, &mut events);

    // Page up to its first message as the event loop does it: a key is applied and its frame
    // drawn at once (timed, key → frame); a page asked of the store arrives as its own event
    // between keys, and applying it and drawing the frame after is timed apart. A key whose
    // frame stopped at the top of what is loaded while the store still held older messages
    // waited for the disk: its time runs on to the frame after that page arrived.
    // `SWITCHBOARD_BENCH_PAGE_UPS=N` stops after N page-ups (a quick figure).
    let limit: Option<usize> = std::env::var("SWITCHBOARD_BENCH_PAGE_UPS")
        .ok()
        .and_then(|n| n.parse().ok());
    let (mut times, mut arrivals, mut waited) = (Vec::new(), Vec::new(), 0);
    let total = Instant::now();
    loop {
        let started = Instant::now();
        let effects = app.apply(app.now, Event::Key(Key::plain(KeyCode::PageUp)));
        let mut asked = ask(&store, effects);
        asked += frame(&mut app, &mut terminal, &store);
        let key_time = started.elapsed();
        let entry = app.inbox.get(&long).expect("long thread");
        let at_top = app
            .view
            .layout
            .thread_top_scroll
            .is_some_and(|top| app.view.thread_scroll >= top);
        let stalled = at_top && entry.older_cached;
        // The store has nothing older: from here on the provider would be asked (there is
        // none in this bench, so its request would never be answered).
        let done = at_top && !entry.older_cached;
        while asked > 0 {
            let event = events.blocking_recv().expect("store answers");
            let arrived = Instant::now();
            let is_page = matches!(event, StoreEvent::Page { .. });
            let effects = app.apply(app.now, Event::Store(event));
            asked = asked - usize::from(is_page) + ask(&store, effects);
            asked += frame(&mut app, &mut terminal, &store);
            if is_page {
                arrivals.push(arrived.elapsed());
            }
        }
        if stalled {
            waited += 1;
            times.push(started.elapsed());
        } else {
            times.push(key_time);
        }
        if done || limit.is_some_and(|limit| times.len() >= limit) {
            break;
        }
        assert!(times.len() < 1_000_000, "paging never reached the top");
    }
    let total = total.elapsed();
    let loaded = app.inbox.get(&long).map_or(0, |e| e.thread.len());
    if limit.is_none() {
        assert_eq!(loaded, LONG_THREAD, "the whole thread was paged in");
    }
    println!(
        "scrolling, PageUp through the {LONG_THREAD}-message thread ({loaded} messages loaded), pages read from the store:"
    );
    let mean = ms(times.iter().sum::<Duration>()) / times.len() as f64;
    println!(
        "  {} page-ups    {} (mean {mean:.3} ms); {waited} waited for the store",
        times.len(),
        quantiles(&mut times),
    );
    println!(
        "  {} pages read  applied and drawn on arrival: {} ({:.1} s in all)",
        arrivals.len(),
        quantiles(&mut arrivals),
        total.as_secs_f64()
    );
    println!(
        "  peak RSS       {:.1} MB with the thread scrolled end to end",
        kib("VmHWM") / 1024.0
    );
    // Leaving the thread keeps only its recent page resident.
    run_key(&mut app, &store, &mut events, KeyCode::Esc);
    run_key(&mut app, &store, &mut events, KeyCode::Down);
    run_key(&mut app, &store, &mut events, KeyCode::Enter);
    let kept = app.inbox.get(&long).map_or(0, |e| e.thread.len());
    println!("  after leaving  {kept} messages of it resident");
    // A hit 2,000 messages back, then one near the oldest (the thread trimmed in between).
    jump_to_hit(
        &mut app,
        &mut terminal,
        &store,
        &mut events,
        LONG_THREAD - 2_000,
    );
    run_key(&mut app, &store, &mut events, KeyCode::Esc);
    run_key(&mut app, &store, &mut events, KeyCode::Down);
    run_key(&mut app, &store, &mut events, KeyCode::Enter);
    jump_to_hit(&mut app, &mut terminal, &store, &mut events, 1_234);
    store.close();
}

/// Issue 19's jump: the search hit `deep` of the long thread (which holds only its recent page
/// when this starts), from Enter on the hit to the frame that shows the message: the store
/// reads a window around it (or, close to what the thread holds, the window joins the thread).
fn jump_to_hit(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    store: &StoreHandle,
    events: &mut Receiver<StoreEvent>,
    deep: usize,
) {
    let wanted = format!("m{deep:07}");
    app.apply(app.now, Event::Key(Key::ctrl('f')));
    for _ in 0..8 {
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Backspace)));
    }
    let typed = Instant::now();
    for c in deep.to_string().chars() {
        ask(store, app.apply(app.now, Event::Key(Key::ch(c))));
    }
    let mut answers = 0;
    while answers < deep.to_string().len() {
        let event = events.blocking_recv().expect("store answers");
        answers += usize::from(matches!(event, StoreEvent::Found { .. }));
        ask(store, app.apply(app.now, Event::Store(event)));
    }
    let searched = typed.elapsed();
    let hits = app.view.search.as_ref().map_or(0, |s| s.hits.len());
    let found = app
        .view
        .search
        .as_ref()
        .and_then(|s| s.hits.iter().position(|h| h.message_id == wanted))
        .expect("the deep message is found");
    for _ in 0..found {
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Down)));
    }
    let resident = app
        .inbox
        .get(&common::conversation(0).key)
        .map_or(0, |e| e.thread.len());
    let started = Instant::now();
    let mut asked = ask(
        store,
        app.apply(app.now, Event::Key(Key::plain(KeyCode::Enter))),
    );
    // Until a frame drawn at the jump's scroll shows the message: frames while the jump waits
    // for one, the store's answers while it waits for the message.
    let mut elapsed = None;
    while elapsed.is_none() {
        asked += frame(app, terminal, store);
        if app.view.jump_pending {
            continue;
        }
        if on_screen(app, terminal, deep) {
            elapsed = Some(started.elapsed());
        } else {
            assert!(asked > 0, "the jump waits for nothing");
            let event = events.blocking_recv().expect("store answers");
            asked = asked - usize::from(is_read(&event))
                + ask(store, app.apply(app.now, Event::Store(event)));
        }
    }
    let elapsed = elapsed.unwrap_or_default();
    // What the frames read ahead, answered before the next measurement.
    while asked > 0 {
        let event = events.blocking_recv().expect("store answers");
        asked = asked - usize::from(is_read(&event))
            + ask(store, app.apply(app.now, Event::Store(event)));
    }
    let loaded = app
        .inbox
        .get(&common::conversation(0).key)
        .map_or(0, |e| e.thread.len());
    let window = app.view.history.as_ref().map_or(0, |w| w.messages.len());
    println!(
        "search, a hit {} messages deep in the {LONG_THREAD}-message thread:",
        LONG_THREAD - deep
    );
    println!(
        "  typed \"{deep}\"    {hits} hit(s), the searches as typed answered in {:.1} ms",
        ms(searched)
    );
    println!(
        "  Enter → frame  {:.1} ms with the message on screen ({resident} → {loaded} messages of the thread loaded, {window} in a window around the hit)",
        ms(elapsed)
    );
}

/// Whether the thread pane shows message `deep`.
fn on_screen(app: &App, terminal: &Terminal<TestBackend>, deep: usize) -> bool {
    let pane = app.view.layout.thread;
    let buffer = terminal.backend().buffer();
    let thread: String = (pane.y..pane.y + pane.height)
        .flat_map(|y| (pane.x..pane.x + pane.width).map(move |x| (x, y)))
        .map(|(x, y)| buffer[(x, y)].symbol())
        .collect();
    thread.contains(&format!("Message {deep}:"))
}

/// An answer to a read (a page, a window, a search).
fn is_read(event: &StoreEvent) -> bool {
    matches!(
        event,
        StoreEvent::Page { .. } | StoreEvent::Around { .. } | StoreEvent::Found { .. }
    )
}

/// Sends the effects' store writes and reads to the actor without waiting; returns how many
/// reads were asked for.
fn ask(store: &StoreHandle, effects: Vec<Effect>) -> usize {
    let mut asked = 0;
    for effect in effects {
        if let Effect::Store(write) = effect {
            asked += usize::from(matches!(
                write,
                StoreRequest::LoadPage { .. }
                    | StoreRequest::LoadAround { .. }
                    | StoreRequest::Search { .. }
            ));
            store.write(write);
        }
    }
    asked
}

/// Draws a frame and feeds its layout back, as the loop does; returns the pages that asked for.
fn frame(app: &mut App, terminal: &mut Terminal<TestBackend>, store: &StoreHandle) -> usize {
    let layout = Surface::draw(terminal, app, &mut Painter::default()).expect("draw");
    let effects = app.apply(app.now, Event::Layout(layout));
    ask(store, effects)
}

/// "p50 …, p99 …, max …" of the durations.
fn quantiles(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "none".to_string();
    }
    times.sort();
    let at = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
    format!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// A key, then whatever store round trips it caused.
fn run_key(app: &mut App, store: &StoreHandle, events: &mut Receiver<StoreEvent>, key: KeyCode) {
    let effects = app.apply(app.now, Event::Key(Key::plain(key)));
    run(app, store, events, effects);
}

/// Draws and feeds the layout back (as the event loop does) until nothing more is asked of the
/// store.
fn settle(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    store: &StoreHandle,
    events: &mut Receiver<StoreEvent>,
) {
    loop {
        let layout = Surface::draw(terminal, app, &mut Painter::default()).expect("draw");
        let effects = app.apply(app.now, Event::Layout(layout));
        if !run(app, store, events, effects) {
            return;
        }
    }
}

/// Executes store effects through the actor and applies its answers; others are dropped (no
/// providers here). Returns whether the store was asked anything.
fn run(
    app: &mut App,
    store: &StoreHandle,
    events: &mut Receiver<StoreEvent>,
    mut effects: Vec<Effect>,
) -> bool {
    let mut asked = false;
    while !effects.is_empty() {
        let mut waiting = 0;
        for effect in effects.drain(..) {
            if let Effect::Store(write) = effect {
                waiting += usize::from(matches!(
                    write,
                    StoreRequest::LoadPage { .. } | StoreRequest::LoadAround { .. }
                ));
                store.write(write);
            }
        }
        asked |= waiting > 0;
        for _ in 0..waiting {
            loop {
                let event = events.blocking_recv().expect("store answers");
                let is_page = matches!(event, StoreEvent::Page { .. } | StoreEvent::Around { .. });
                effects.extend(app.apply(app.now, Event::Store(event)));
                if is_page {
                    break;
                }
            }
        }
    }
    asked
}

/// A field of /proc/self/status, in KiB.
fn kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0)
}

fn epoch_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
