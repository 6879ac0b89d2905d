//! The `switchboard` command: the inbox (default), a standalone hub, screenshots and demos.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use switchboard::config::{AccountConfig, Config};
use switchboard::runtime::{self, Session, StartOptions};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal inbox for customer conversations"
)]
struct Cli {
    /// Config file (default: $XDG_CONFIG_HOME/switchboard/config.toml if it exists).
    #[arg(short = 'C', long, global = true, env = "SWITCHBOARD_CONFIG")]
    config: Option<PathBuf>,
    /// Directory for log files (default: $XDG_STATE_HOME/switchboard).
    #[arg(long, global = true)]
    log_dir: Option<PathBuf>,
    /// What the log keeps: error, warn, info, debug, trace, or per module
    /// (`info,switchboard::providers=debug`). Default: $SWITCHBOARD_LOG, else $RUST_LOG,
    /// else info.
    #[arg(long, global = true, value_name = "FILTER")]
    log_level: Option<String>,
    /// The look: dark, light, high-contrast, terminal (the terminal's own 16 colours) or mono.
    /// Default: `[theme]` of the config, else mono when NO_COLOR is set, else dark.
    #[arg(long, global = true, value_name = "NAME")]
    theme: Option<String>,
    #[command(flatten)]
    inbox: InboxArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct InboxArgs {
    /// Connect to a running Linktor-compatible server (e.g. `switchboard hub`) instead of
    /// starting the embedded hub.
    #[arg(long, value_name = "URL")]
    connect: Option<String>,
    /// API key for --connect.
    #[arg(long, env = "SWITCHBOARD_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Record the session as an asciicast v2 file (secrets masked).
    #[arg(long, value_name = "FILE.cast")]
    record: Option<PathBuf>,
    #[command(flatten)]
    demo: DemoArgs,
}

#[derive(Args, Clone)]
struct DemoArgs {
    /// Do not run the demo simulator of customers in the embedded hub.
    #[arg(long)]
    no_demo: bool,
    /// Seed of the demo simulator: the same seed replays the same customers.
    #[arg(long)]
    seed: Option<u64>,
    /// Pace of the demo simulator (1.0 = human pace).
    #[arg(long)]
    speed: Option<f64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub alone so several inboxes and scripts can share it.
    Hub {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7300")]
        listen: SocketAddr,
        /// The API key clients must send (X-API-Key / ?api_key=).
        #[arg(long, env = "SWITCHBOARD_HUB_KEY", default_value = "switchboard-dev")]
        api_key: String,
        /// SQLite file (default: the XDG data dir).
        #[arg(long, conflicts_with = "in_memory")]
        database: Option<PathBuf>,
        /// Keep everything in memory.
        #[arg(long)]
        in_memory: bool,
        #[command(flatten)]
        demo: DemoArgs,
    },
    /// Render the inbox on the reproducible demo into SVG and text files, without a terminal:
    /// `<state>.svg` and `<state>.txt` per state. Two runs give the same bytes.
    Screenshot {
        /// Output directory.
        #[arg(long, default_value = "screenshots")]
        out: PathBuf,
        /// Terminal size of the shot, as COLSxROWS.
        #[arg(long, default_value = "160x48", value_parser = parse_size)]
        size: (u16, u16),
        /// State to shoot (repeatable): inbox, typing, narrow, outage, assist, help, light.
        /// Default: all.
        #[arg(long = "state", value_name = "STATE")]
        states: Vec<String>,
        /// Extra seconds of (virtual) demo time before each shot.
        #[arg(long, default_value_t = 0.0)]
        wait: f64,
        /// Seed of the simulated customers.
        #[arg(long, default_value_t = switchboard::record::scenario::DEFAULT_SEED)]
        seed: u64,
    },
    /// Play a demo script headlessly on the reproducible demo and write an asciicast v2 file
    /// and/or an animated SVG (the same bytes on every run). See demos/tour.demo for the format.
    #[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["out", "svg", "shots"])))]
    Demo {
        /// The script.
        script: PathBuf,
        /// The cast to write.
        #[arg(long, value_name = "FILE.cast")]
        out: Option<PathBuf>,
        /// The animated SVG to write (plays in a browser or a README, no player needed).
        #[arg(long, value_name = "FILE.svg")]
        svg: Option<PathBuf>,
        /// Also write the script's `snap` screens (SVG and text) into this directory.
        #[arg(long, value_name = "DIR")]
        shots: Option<PathBuf>,
    },
    /// Print the key map as `[keys]` TOML: the defaults with your config's changes, every
    /// action with its keys and what it does. A start for your own.
    Keys,
    /// Send replies through the outbox (stored first, retried, sent once), then send whatever
    /// is still queued from earlier runs. With no TEXT it only empties the outbox.
    Send {
        /// The conversation id to reply in.
        #[arg(long)]
        conversation: String,
        /// The account (its `name` in the config); default: the first one.
        #[arg(long)]
        account: Option<String>,
        /// Seconds to keep trying before giving up (what is unsent stays queued).
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
        text: Vec<String>,
    },
}

/// The local time zone's offset, as read at start (`None`: unknown, UTC is shown).
static LOCAL_OFFSET: std::sync::OnceLock<Option<time::UtcOffset>> = std::sync::OnceLock::new();

fn local_offset() -> Option<time::UtcOffset> {
    LOCAL_OFFSET.get().copied().flatten()
}

fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (cols, rows) = text
        .split_once('x')
        .ok_or_else(|| format!("\"{text}\" is not COLSxROWS"))?;
    let parse = |n: &str| n.parse::<u16>().map_err(|e| format!("\"{n}\": {e}"));
    Ok((parse(cols)?, parse(rows)?))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Read while this is the only thread: the `time` crate refuses (rightly) to read the
    // local offset once others could be changing the environment under it.
    let utc_offset = time::UtcOffset::current_local_offset().ok();
    LOCAL_OFFSET.get_or_init(|| utc_offset);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("switchboard: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            // Not `eprintln!`: with the terminal gone (a closed window), it would panic.
            let _ = writeln!(std::io::stderr(), "switchboard: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Some(level) = &cli.log_level {
        // Checked here, whether or not a log file is set up later.
        switchboard::logging::filter(Some(level))?;
    }
    let (mut config, config_path) = Config::load(cli.config.as_deref())?;
    install_theme(&mut config, cli.theme.as_deref(), config_path.as_deref())?;
    match cli.command {
        None => {
            let record = cli.inbox.record.clone();
            apply_inbox_args(&mut config, cli.inbox)?;
            let log_dir = cli.log_dir.or_else(switchboard::logging::default_dir);
            let _guard = match &log_dir {
                Some(dir) => Some(switchboard::logging::init_file(
                    dir,
                    cli.log_level.as_deref(),
                )?),
                None => None,
            };
            run_inbox(&config, record.as_deref()).await
        }
        Some(Command::Hub {
            listen,
            api_key,
            database,
            in_memory,
            demo,
        }) => {
            switchboard::logging::init_stderr(cli.log_level.as_deref())?;
            apply_demo_args(&mut config, &demo);
            let db_path = if in_memory {
                None
            } else {
                database
                    .or(config.hub.database.clone())
                    .or_else(switchboard::hub::default_db_path)
            };
            if let Some(dir) = db_path.as_ref().and_then(|p| p.parent()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            run_hub(listen, api_key, db_path, &config).await
        }
        Some(Command::Screenshot {
            out,
            size,
            states,
            wait,
            seed,
        }) => {
            use switchboard::record::{redact::Redactor, screenshot};
            let request = screenshot::Request {
                out,
                size,
                seed,
                states,
                wait_secs: wait,
            };
            let written = screenshot::capture(request, Redactor::for_config(&config))?;
            report_written(&written);
            Ok(())
        }
        Some(Command::Demo {
            script,
            out,
            svg,
            shots,
        }) => {
            use switchboard::record::{demo, redact::Redactor};
            let outputs = demo::Outputs {
                cast: out,
                svg,
                shots,
            };
            let written = demo::record(&script, &outputs, Redactor::for_config(&config))?;
            report_written(&written);
            Ok(())
        }
        Some(Command::Keys) => {
            print!("{}", config.keymap.to_toml());
            Ok(())
        }
        Some(Command::Send {
            conversation,
            account,
            timeout,
            text,
        }) => {
            apply_inbox_args(&mut config, cli.inbox)?;
            let log_dir = cli.log_dir.or_else(switchboard::logging::default_dir);
            let _guard = match &log_dir {
                Some(dir) => Some(switchboard::logging::init_file(
                    dir,
                    cli.log_level.as_deref(),
                )?),
                None => None,
            };
            let report = runtime::send::send_replies(
                &config,
                account.as_deref(),
                &conversation,
                &text,
                std::time::Duration::from_secs_f64(timeout.max(0.0)),
                |client_id| println!("queued {client_id}"),
            )
            .await?;
            for (client_id, reason) in &report.failed {
                println!("failed {client_id}: {reason}");
            }
            anyhow::ensure!(
                report.failed.is_empty() && report.unsent == 0,
                "{} replies failed, {} still queued",
                report.failed.len(),
                report.unsent
            );
            println!("outbox empty");
            Ok(())
        }
    }
}

/// Chooses the palette before anything is drawn; a `--theme` replaces the config's name and
/// keeps its overrides.
fn install_theme(
    config: &mut Config,
    name: Option<&str>,
    path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use switchboard::ui::theme::{self, Palette};
    if let Some(name) = name {
        anyhow::ensure!(
            Palette::builtin(name).is_some(),
            "--theme {name} is not a theme (known: {})",
            theme::THEMES.join(", ")
        );
        config.theme.get_or_insert_with(Default::default).name = Some(name.to_string());
    }
    let named = config.theme.as_ref().is_some_and(|t| t.name.is_some());
    if named && theme::no_color_requested() {
        // The terminal library drops colours by itself under NO_COLOR; a theme named on
        // purpose wins over it, as no-color.org asks.
        crossterm::style::force_color_output(true);
    }
    let palette = Palette::from_config(config.theme.as_ref(), theme::no_color_requested())
        .map_err(|error| match (name, path) {
            (Some(_), _) | (None, None) => anyhow::anyhow!("{error}"),
            (None, Some(path)) => anyhow::anyhow!("{}: {error}", path.display()),
        })?;
    theme::install(palette);
    Ok(())
}

fn report_written(paths: &[PathBuf]) {
    for path in paths {
        eprintln!("wrote {}", path.display());
    }
}

async fn run_hub(
    listen: SocketAddr,
    api_key: String,
    db_path: Option<PathBuf>,
    config: &Config,
) -> anyhow::Result<()> {
    use switchboard::hub::{self, DemoConfig, HubConfig};
    let hub = hub::start(HubConfig {
        listen,
        db_path: db_path.clone(),
        api_key: api_key.clone(),
        demo: config.hub.demo.then_some(DemoConfig {
            seed: config.hub.seed,
            speed: config.hub.speed,
        }),
    })
    .await
    .with_context(|| format!("starting the hub on {listen}"))?;
    let url = hub.base_url();
    let storage = match &db_path {
        Some(path) => path.display().to_string(),
        None => "memory".into(),
    };
    let demo = if config.hub.demo { "on" } else { "off" };
    eprintln!("switchboard hub on {url} (data: {storage}, demo: {demo})");
    eprintln!("  open an inbox:   switchboard --connect {url} --api-key {api_key}");
    eprintln!(
        "  post a message:  curl -s -X POST {url}/simulate/inbound -H 'X-API-Key: {api_key}' \\\n                     -H 'Content-Type: application/json' -d '{{\"channelType\":\"whatsapp\",\"from\":\"+15550001\",\"name\":\"Ada\",\"text\":\"Hi!\"}}'"
    );
    eprintln!("Ctrl+C stops it.");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = shutdown_signal() => {}
    }
    hub.shutdown().await;
    Ok(())
}

fn apply_demo_args(config: &mut Config, demo: &DemoArgs) {
    if demo.no_demo {
        config.hub.demo = false;
    }
    if let Some(seed) = demo.seed {
        config.hub.seed = seed;
    }
    if let Some(speed) = demo.speed {
        config.hub.speed = speed;
    }
}

fn apply_inbox_args(config: &mut Config, args: InboxArgs) -> anyhow::Result<()> {
    apply_demo_args(config, &args.demo);
    if let Some(url) = args.connect {
        let api_key = args
            .api_key
            .context("--connect needs --api-key (or SWITCHBOARD_API_KEY)")?;
        config
            .accounts
            .push(AccountConfig::linktor_with_key("hub", &url, &api_key));
        config.hub.enabled.get_or_insert(false);
    }
    Ok(())
}

async fn run_inbox(config: &Config, record: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let Some(dir) = runtime::long_texts::default_dir() {
        runtime::long_texts::install(dir);
    }
    let options = StartOptions {
        utc_offset: local_offset(),
        ..StartOptions::default()
    };
    let mut session = Session::start(config, &options).await?;
    let mut guard = runtime::terminal::TerminalGuard::enter().context("preparing the terminal")?;
    session.executor.enable_clipboard();
    session
        .executor
        .enable_alerts(runtime::alerts::Alerts::from_config(
            &config.notify,
            |name| std::env::var(name).ok(),
        ));
    // Start-up applied the stored inbox before alerts were on: set the title afresh.
    session.apply(switchboard::app::Event::TerminalReset);
    let (input_sender, input) = tokio::sync::mpsc::channel(256);
    let source = runtime::reader::Terminal::new().context("opening the terminal for input")?;
    let reader = runtime::reader::spawn(source, input_sender);
    guard.reader = Some(reader.clone());
    let drawn = async {
        match record {
            None => runtime::run(&mut guard, &mut session, input).await,
            Some(path) => {
                use switchboard::record::{recorder::Recording, redact::Redactor};
                let redactor = Redactor::for_config(config);
                let mut recording = Recording::to_file(&mut guard, path, redactor)
                    .map_err(std::io::Error::other)?;
                runtime::run(&mut recording, &mut session, input).await
            }
        }
    };
    let result = tokio::select! {
        result = drawn => result.context("drawing the inbox"),
        _ = shutdown_signal() => Ok(()),
    };
    // The reader lets go of the terminal before it is restored, so it takes no key meant
    // for the shell.
    reader.pause();
    reader.stop();
    drop(guard);
    if let Some(path) = record {
        eprintln!("recorded {}", path.display());
    }
    if let Some(hub) = session.hub.take() {
        hub.shutdown().await;
    }
    result
}

/// SIGTERM/SIGHUP end the inbox cleanly (Ctrl+C is a key in raw mode).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn config_has_a_short_form_and_the_log_level_a_flag() {
        let cli = Cli::try_parse_from(["switchboard", "-C", "team.toml", "--log-level", "debug"])
            .expect("parses");
        assert_eq!(
            cli.config.as_deref(),
            Some(std::path::Path::new("team.toml"))
        );
        assert_eq!(cli.log_level.as_deref(), Some("debug"));
        assert!(switchboard::logging::filter(Some("debug")).is_ok());
        let error = switchboard::logging::filter(Some("info,=[")).expect_err("a broken filter");
        assert!(error.to_string().contains("--log-level"), "{error}");
    }
}
