//! `switchboard screenshot`: runs the real stack (embedded hub with its demo, the Linktor
//! provider, the app) headlessly, lets the demo play, opens the first conversation and writes
//! what a terminal of the given size would show as `<name>.txt` and `<name>.svg`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::export::{to_svg, to_text};
use crate::app::{Event, Key, KeyCode};
use crate::config::Config;
use crate::runtime::{Session, StartOptions};

/// How long the hub may take to answer the first sync.
const SYNC_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames are rendered this often while the demo plays, as the real loop would.
const FRAME: Duration = Duration::from_millis(100);

pub async fn capture(
    config: &Config,
    out: &Path,
    name: &str,
    (width, height): (u16, u16),
    wait_secs: f64,
) -> anyhow::Result<()> {
    // Screenshots always show the embedded demo, in memory, whatever the config opens.
    let mut config = config.clone();
    config.accounts.clear();
    config.hub.enabled = Some(true);
    let mut session = Session::start(
        &config,
        &StartOptions {
            ephemeral_hub: true,
        },
    )
    .await?;
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;

    let synced = session
        .pump_until(SYNC_TIMEOUT, |app| {
            app.status.accounts.values().any(|s| s.last_sync.is_some())
        })
        .await;
    if !synced {
        bail!("the embedded hub did not finish syncing within {SYNC_TIMEOUT:?}");
    }
    session.render(&mut terminal)?;
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));

    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(wait_secs.max(0.0));
    while tokio::time::Instant::now() < deadline {
        session.pump_until(FRAME, |_| false).await;
        session.apply(Event::Tick);
        session.render(&mut terminal)?;
    }
    session.render(&mut terminal)?;

    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let buffer = terminal.backend().buffer();
    let text_path = out.join(format!("{name}.txt"));
    let svg_path = out.join(format!("{name}.svg"));
    std::fs::write(&text_path, to_text(buffer))
        .with_context(|| format!("writing {}", text_path.display()))?;
    std::fs::write(&svg_path, to_svg(buffer))
        .with_context(|| format!("writing {}", svg_path.display()))?;
    eprintln!("wrote {} and {}", svg_path.display(), text_path.display());
    if let Some(hub) = session.hub.take() {
        hub.shutdown().await;
    }
    Ok(())
}
