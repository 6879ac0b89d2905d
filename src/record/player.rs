//! Plays a demo script against the reproducible scenario and records it as asciicast.
//!
//! The app runs in the real event loop ([`crate::runtime::run`]) drawing through ratatui's
//! crossterm backend, exactly as in a terminal, except that the terminal is the recording
//! shadow of [`super::recorder`] instead of stdout. The script is a second task feeding keys into the loop's input
//! channel; its waits look at the last frame drawn, as a person watching the screen would.
//! Everything runs on the paused virtual clock, so the cast is the same on every run.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use tokio::sync::mpsc;

use super::animation::Animation;
use super::asciicast::Cast;
use super::export::to_text;
use super::recorder::CastSurface;
use super::redact::Redactor;
use super::scenario::{EPOCH, Scenario};
use super::script::{Script, Step, TYPING_MARK, Until};
use crate::app::{App, Event, Key, KeyCode, LayoutInfo};
use crate::runtime::Surface;
use crate::runtime::input::Input;
use crate::ui::Painter;
use crate::ui::theme::{self, Palette};

/// Pause after each key of a `key` step, so viewers can follow.
const KEY_GAP: Duration = Duration::from_millis(400);
/// How often a `wait` looks at the screen.
const POLL: Duration = Duration::from_millis(50);
/// Time for the loop to draw what the last step changed (a few frames).
const SETTLE: Duration = Duration::from_millis(100);

/// What a played script produced.
pub struct Played {
    /// The asciicast file's bytes.
    pub cast: Vec<u8>,
    /// Screens saved by `snap`, by name, in script order.
    pub snaps: Vec<(String, Buffer)>,
    /// The last frame the app drew.
    pub screen: Buffer,
    /// Every frame, timed like the cast, as an animated SVG in the making.
    pub animation: Animation,
    /// The colours of the terminal the theme was made for (background, text).
    pub backdrop: (Color, Color),
}

/// Plays `script` (call inside [`super::scenario::run_paused`]).
pub async fn play(script: &Script, redactor: Redactor) -> anyhow::Result<Played> {
    play_with(script, redactor, |_| Ok(())).await
}

/// As [`play`], with `setup` run on the scenario before the app starts (tests use it to have a
/// customer say something).
pub async fn play_with(
    script: &Script,
    redactor: Redactor,
    setup: impl FnOnce(&Scenario) -> anyhow::Result<()>,
) -> anyhow::Result<Played> {
    // The whole script runs on this thread (a current-thread runtime), so the palette set
    // here is the one every frame is drawn with.
    let _palette = script
        .theme
        .as_deref()
        .and_then(Palette::builtin)
        .map(theme::use_on_this_thread);
    let backdrop = theme::current().backdrop;
    let mut scenario = Scenario::start(script.seed, script.store)?;
    setup(&scenario)?;
    let file = SharedBytes::default();
    let cast = Cast::new(
        Box::new(file.clone()),
        script.size,
        EPOCH.unix_timestamp(),
        Some("switchboard demo"),
        redactor.clone(),
    )
    .context("starting the cast")?;
    let (width, height) = script.size;
    let screen = Arc::new(Mutex::new(Buffer::empty(Rect::new(0, 0, width, height))));
    let resize = Arc::new(Mutex::new(None));
    let mut surface = RecordingSurface {
        shadow: CastSurface::new(cast, script.size, redactor)?,
        screen: Arc::clone(&screen),
        resize: Arc::clone(&resize),
        // The cast's clock started just now too (virtual time stands still until an await).
        start: tokio::time::Instant::now(),
        animation: Animation::default(),
    };
    let (input, inbox) = mpsc::channel(256);
    let driver = Driver {
        network: scenario.network.clone(),
        outages: 0,
        outage_count: Arc::default(),
        input,
        screen: Arc::clone(&screen),
        resize,
        rng: fastrand::Rng::with_seed(script.seed),
        pace: script.pace,
        snaps: Vec::new(),
    };
    let steps = script.steps.clone();
    let driving = tokio::spawn(driver.drive(steps));
    crate::runtime::run(&mut surface, &mut scenario.session, inbox)
        .await
        .context("running the app")?;
    let snaps = driving.await.context("the script task failed")??;
    let animation = std::mem::take(&mut surface.animation);
    drop(surface);
    drop(scenario);
    let screen = lock(&screen)?.clone();
    let cast = lock(&file.0)?.clone();
    Ok(Played {
        cast,
        snaps,
        screen,
        animation,
        backdrop,
    })
}

fn lock<T>(mutex: &Mutex<T>) -> anyhow::Result<std::sync::MutexGuard<'_, T>> {
    mutex
        .lock()
        .map_err(|_| anyhow::anyhow!("a demo lock is poisoned"))
}

/// The surface the event loop draws on: the recording shadow terminal, plus a copy of each
/// (masked) frame for the script's waits and snaps.
struct RecordingSurface {
    shadow: CastSurface,
    screen: Arc<Mutex<Buffer>>,
    /// A size the script asked for, applied before the next frame.
    resize: Arc<Mutex<Option<(u16, u16)>>>,
    start: tokio::time::Instant,
    animation: Animation,
}

impl Surface for RecordingSurface {
    fn draw(&mut self, app: &App, _painter: &mut Painter) -> io::Result<LayoutInfo> {
        let poisoned = || io::Error::other("a demo lock is poisoned");
        if let Some(size) = self.resize.lock().map_err(|_| poisoned())?.take() {
            self.shadow.resize(size)?;
        }
        let (layout, shown) = self.shadow.draw(app)?;
        self.animation.frame(self.start.elapsed(), &shown);
        *self.screen.lock().map_err(|_| poisoned())? = shown;
        Ok(layout)
    }
}

/// The script's side: keys into the loop, waits on the screen.
struct Driver {
    /// Whether the network to the hub is down (`outage`).
    network: Arc<tokio::sync::watch::Sender<bool>>,
    /// Outages started so far; the latest one's number, for its end to know it is the latest.
    outages: u64,
    outage_count: Arc<std::sync::atomic::AtomicU64>,
    input: mpsc::Sender<Input>,
    screen: Arc<Mutex<Buffer>>,
    resize: Arc<Mutex<Option<(u16, u16)>>>,
    rng: fastrand::Rng,
    pace: Duration,
    snaps: Vec<(String, Buffer)>,
}

impl Driver {
    /// Runs every step; the input channel closes when it returns, which ends the loop.
    async fn drive(
        mut self,
        steps: Vec<super::script::Line>,
    ) -> anyhow::Result<Vec<(String, Buffer)>> {
        // Let the first sync land before the first step.
        tokio::time::sleep(SETTLE).await;
        for line in steps {
            let open = self
                .step(&line.step)
                .await
                .with_context(|| format!("script line {}", line.number))?;
            if !open {
                break; // The app quit (the script pressed q): nothing more to drive.
            }
        }
        tokio::time::sleep(SETTLE).await;
        Ok(self.snaps)
    }

    /// One step; false once the app has stopped listening.
    async fn step(&mut self, step: &Step) -> anyhow::Result<bool> {
        match step {
            Step::Keys(keys) => {
                for key in keys {
                    if !self.send(Input::App(Event::Key(*key))).await {
                        return Ok(false);
                    }
                    tokio::time::sleep(KEY_GAP).await;
                }
            }
            Step::Type(text) => {
                for c in text.chars() {
                    let key = match c {
                        '\n' => Key::alt(KeyCode::Enter),
                        c => Key::ch(c),
                    };
                    if !self.send(Input::App(Event::Key(key))).await {
                        return Ok(false);
                    }
                    tokio::time::sleep(self.keystroke_delay(c)).await;
                }
            }
            Step::Pause(duration) => tokio::time::sleep(*duration).await,
            Step::Wait { until, timeout } => self.wait(until, *timeout).await?,
            Step::Resize(width, height) => {
                *lock(&self.resize)? = Some((*width, *height));
                if !self.send(Input::Resize).await {
                    return Ok(false);
                }
                tokio::time::sleep(SETTLE).await;
            }
            Step::Outage(duration) => {
                // A later outage ends when it says, not when an earlier one would have.
                self.outages += 1;
                let outage = self.outages;
                let outages = Arc::clone(&self.outage_count);
                outages.store(outage, std::sync::atomic::Ordering::SeqCst);
                self.network.send_replace(true);
                let network = Arc::clone(&self.network);
                let duration = *duration;
                tokio::spawn(async move {
                    tokio::time::sleep(duration).await;
                    if outages.load(std::sync::atomic::Ordering::SeqCst) == outage {
                        network.send_replace(false);
                    }
                });
            }
            Step::Snap(name) => {
                tokio::time::sleep(SETTLE).await;
                let screen = lock(&self.screen)?.clone();
                self.snaps.push((name.clone(), screen));
            }
        }
        Ok(true)
    }

    async fn send(&self, input: Input) -> bool {
        self.input.send(input).await.is_ok()
    }

    /// A human rhythm: around the pace, longer after a space or punctuation.
    fn keystroke_delay(&mut self, typed: char) -> Duration {
        let jitter = 0.5 + self.rng.f64();
        let pause = if matches!(typed, ' ' | ',' | '.' | '!' | '?') {
            2.0
        } else {
            1.0
        };
        self.pace.mul_f64(jitter * pause)
    }

    async fn wait(&self, until: &Until, timeout: Duration) -> anyhow::Result<()> {
        let needle = match until {
            Until::Text(text) => text.as_str(),
            Until::Typing => TYPING_MARK,
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let shown = to_text(&*lock(&self.screen)?);
            if shown.contains(needle) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("waited {timeout:?} for \"{needle}\" to show on screen");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A `Write` whose bytes stay readable after the cast took it.
#[derive(Clone, Default)]
struct SharedBytes(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("a demo lock is poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
