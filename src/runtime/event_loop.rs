//! The event loop. Each turn takes one event, drains what else is queued (capped, so a flood
//! of provider events cannot starve input), applies each to the app, executes the effects, and
//! redraws only when the app's revision moved, at most once per frame interval. The frame
//! branch comes first in a `biased` select so repaints keep happening under load; nothing is
//! drawn while idle.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::input::Input;
use super::session::Session;
use crate::app::{App, Event, LayoutInfo, TerminalJob};
use crate::ui::Painter;

/// About 60 frames per second at most.
const FRAME: Duration = Duration::from_millis(16);
/// Events applied per turn before the loop looks at the frame timer again.
const DRAIN: usize = 256;
/// Relative times, typing expiry and notices advance on this tick.
const TICK: Duration = Duration::from_secs(1);

/// Something that can show the app: the real terminal, or a `TestBackend` in tests.
pub trait Surface {
    /// Draws one frame through `painter` (which keeps what it may reuse between frames) and
    /// returns what it laid out.
    fn draw(&mut self, app: &App, painter: &mut Painter) -> std::io::Result<LayoutInfo>;

    /// Hands the terminal over for `job` and takes it back; returns what the app should hear
    /// of it. A surface without a terminal of its own (tests, recordings) cannot.
    fn hand_over(&mut self, job: TerminalJob) -> std::io::Result<Option<Event>> {
        Ok(match job {
            TerminalJob::Edit { conversation, .. } => Some(Event::Edited {
                conversation,
                result: Err("no terminal to hand over here (a recording or a test)".into()),
            }),
            TerminalJob::Suspend => None,
            TerminalJob::Page(_) => Some(Event::Paged(Err(
                "no terminal to hand over here (a recording or a test)".into(),
            ))),
        })
    }
}

impl<B: ratatui::backend::Backend> Surface for ratatui::Terminal<B>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    fn draw(&mut self, app: &App, painter: &mut Painter) -> std::io::Result<LayoutInfo> {
        let mut layout = LayoutInfo::default();
        ratatui::Terminal::draw(self, |frame| layout = painter.draw(frame, app))
            .map_err(std::io::Error::other)?;
        Ok(layout)
    }
}

/// Runs until the user quits or the input ends.
pub async fn run(
    surface: &mut impl Surface,
    session: &mut Session,
    mut input: mpsc::Receiver<Input>,
) -> std::io::Result<()> {
    let mut drawn_revision = None;
    let mut force_draw = true;
    let mut last_draw = Instant::now() - FRAME;
    // Once every provider has stopped, their channel is closed; stop polling it.
    let mut providers_open = true;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);

    loop {
        for job in std::mem::take(&mut session.terminal_jobs) {
            let heard = surface.hand_over(job)?;
            // The screen was someone else's meanwhile: draw all of it again.
            force_draw = true;
            for event in heard.into_iter().chain([Event::TerminalReset]) {
                if !session.apply(event) {
                    return Ok(());
                }
            }
        }
        let dirty = force_draw || drawn_revision != Some(session.app.revision);
        tokio::select! {
            biased;
            _ = tokio::time::sleep_until(last_draw + FRAME), if dirty => {
                drawn_revision = Some(session.app.revision);
                force_draw = false;
                last_draw = Instant::now();
                session.render(surface)?;
            }
            received = input.recv() => {
                let Some(first) = received else { break };
                let mut next = Some(first);
                let mut budget = DRAIN;
                while let Some(item) = next.take() {
                    match item {
                        Input::Resize => force_draw = true,
                        Input::App(event) => {
                            if !session.apply(event) {
                                return Ok(());
                            }
                        }
                    }
                    budget -= 1;
                    // A key that hands the terminal over (the editor, Ctrl+Z) is carried out
                    // before the keys typed after it, which belong to what comes back.
                    if budget > 0 && session.terminal_jobs.is_empty() {
                        next = input.try_recv().ok();
                    }
                }
            }
            // While the store's start comes in parts, what providers say waits (well under a
            // second at 100,000 conversations): a part never overwrites what is newer, and a
            // provider never writes over a cached conversation the app has not read yet.
            received = session.events.recv(), if providers_open && !session.loading() => {
                let Some(first) = received else {
                    providers_open = false;
                    continue;
                };
                // What is queued is applied as one batch, so derived state is settled once.
                let mut batch = vec![first];
                while batch.len() < DRAIN {
                    match session.events.try_recv() {
                        Ok(event) => batch.push(event),
                        Err(_) => break,
                    }
                }
                if !session.apply(Event::Providers(batch)) {
                    return Ok(());
                }
            }
            Some(event) = session.store_events.recv() => {
                if !session.apply(Event::Store(event)) {
                    return Ok(());
                }
            }
            Some(update) = session.assist_events.recv() => {
                if !session.apply(Event::Assist(update)) {
                    return Ok(());
                }
            }
            _ = tick.tick() => {
                if !session.apply(Event::Tick) {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}
