//! `switchboard screenshot`: pictures of the inbox in named states, made headlessly from the
//! reproducible demo scenario. Each state is a tiny demo script ending in `snap`, played by the
//! same player as `switchboard demo`, so a screenshot is exactly a frame the app drew.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::export::{to_svg_on, to_text};
use super::player::play;
use super::redact::Redactor;
use super::scenario::run_paused;
use super::script::Script;

/// The states `--state` accepts, with the steps that reach them. The README shows them all.
pub const STATES: &[(&str, &str)] = &[
    // The newest conversation open: its thread, the composer, and its insights beside it.
    ("inbox", "pause 4s\nkey g j j Enter\npause 3s"),
    // A customer typing, shown in the list and (when open) in the thread.
    (
        "typing",
        "pause 1s\nkey Enter\nwait typing 300s\npause 300ms",
    ),
    // An 80×24 terminal (a state's own `size` comes before its steps).
    ("narrow", "size 80x24\npause 4s\nkey g j j Enter\npause 3s"),
    // The network drops: the account backs off and retries, a reply waits in the outbox (a
    // configured inbox keeps one in its store) to go out.
    (
        "outage",
        "store\npause 4s\nkey g j j Enter\npause 1s\noutage 120s\npause 1s\ntype \"Checking with the billing team now.\"\nkey Enter\npause 6s",
    ),
    // The assistant (the demo's scripted one): a summary in the insights pane and a suggested
    // reply arriving in the composer.
    (
        "assist",
        "pause 4s\nkey g j j Enter Esc\npause 6s\nkey S\npause 4s\nkey a\npause 1500ms",
    ),
    // Working the queue: most urgent first, who has each conversation and its labels on the
    // rows, one taken (`m`) and the label picker open with a new label being typed.
    (
        "queue",
        "pause 4s\nkey O g j Enter Esc\npause 2s\nkey m\npause 1s\nkey L\ntype \"callback\"\npause 500ms",
    ),
    // Search over every stored message (the demo keeps a store for it): the hits of a word
    // across conversations, newest first, the matched words marked.
    (
        "search",
        "store\npause 6s\nkey Ctrl+f\ntype \"order\"\npause 1500ms",
    ),
    // The help overlay, generated from the key map.
    ("help", "pause 1s\nkey ?\npause 500ms"),
    // The light theme, for light terminals.
    ("light", "theme light\npause 4s\nkey g j j Enter\npause 3s"),
];

/// What to shoot.
pub struct Request {
    pub out: PathBuf,
    pub size: (u16, u16),
    pub seed: u64,
    /// State names; empty = all of [`STATES`].
    pub states: Vec<String>,
    /// Extra virtual seconds of demo before each shot.
    pub wait_secs: f64,
}

/// Plays each state's script and writes `<state>.svg` and `<state>.txt` into `out`.
pub fn capture(request: Request, redactor: Redactor) -> anyhow::Result<Vec<PathBuf>> {
    let names: Vec<String> = if request.states.is_empty() {
        STATES.iter().map(|(name, _)| name.to_string()).collect()
    } else {
        request.states.clone()
    };
    let mut written = Vec::new();
    for name in names {
        let (screen, backdrop) = shoot(&name, &request, redactor.clone())?;
        written.extend(write_shot(&request.out, &name, &screen, backdrop)?);
    }
    Ok(written)
}

/// The screen of one named state, and the terminal colours its theme is made for.
pub fn shoot(
    state: &str,
    request: &Request,
    redactor: Redactor,
) -> anyhow::Result<(Buffer, (Color, Color))> {
    let Some((_, steps)) = STATES.iter().find(|(name, _)| *name == state) else {
        let known: Vec<&str> = STATES.iter().map(|(name, _)| *name).collect();
        bail!("unknown state `{state}` (known: {})", known.join(", "));
    };
    // A state's own header lines (`size`, `theme`) come before its steps and win.
    let (width, height) = request.size;
    let wait_ms = (request.wait_secs.max(0.0) * 1000.0).round();
    let source = format!(
        "size {width}x{height}\nseed {}\n{steps}\npause {wait_ms}ms\nsnap {state}\n",
        request.seed
    );
    let script = Script::parse(&source).map_err(|e| anyhow::anyhow!("state {state}: {e}"))?;
    let mut played = run_paused(move || async move { play(&script, redactor).await })?;
    let backdrop = played.backdrop;
    played
        .snaps
        .pop()
        .map(|(_, screen)| (screen, backdrop))
        .context("the state's script took no snapshot")
}

/// Writes `<name>.svg` (on a terminal of the `backdrop` colours) and `<name>.txt`.
pub fn write_shot(
    dir: &Path,
    name: &str,
    screen: &Buffer,
    backdrop: (Color, Color),
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let svg = dir.join(format!("{name}.svg"));
    let text = dir.join(format!("{name}.txt"));
    std::fs::write(&svg, to_svg_on(screen, backdrop))
        .with_context(|| format!("writing {}", svg.display()))?;
    std::fs::write(&text, to_text(screen))
        .with_context(|| format!("writing {}", text.display()))?;
    Ok(vec![svg, text])
}
