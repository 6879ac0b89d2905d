//! Demo recordings and screenshots: a scripted cast replayed through an independent terminal
//! emulator (`vt100`) ends on exactly the frame the app drew; casts and screenshots are the
//! same bytes on every run; secrets never reach either.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use switchboard::config::{AccountConfig, Config};
use switchboard::hub::ops;
use switchboard::record::export::{to_svg, to_text};
use switchboard::record::player::{Played, play_with};
use switchboard::record::redact::Redactor;
use switchboard::record::scenario::run_paused;
use switchboard::record::screenshot::{Request, shoot};
use switchboard::record::script::Script;

/// Plays a script on the reproducible scenario, with an optional customer line said first.
fn played(source: &str, said: Option<&'static str>, redactor: Redactor) -> Played {
    let script = Script::parse(source).expect("script parses");
    run_paused(move || async move {
        play_with(&script, redactor, |scenario| {
            if let Some(text) = said {
                ops::ingest_inbound(&scenario.hub, "telegram", "@mei", Some("Mei 美"), text)?;
            }
            Ok(())
        })
        .await
    })
    .expect("the script plays")
}

/// The cast's header and events, checked for shape on the way.
fn parse_cast(cast: &[u8]) -> (serde_json::Value, Vec<(f64, String, String)>) {
    let text = std::str::from_utf8(cast).expect("a cast is UTF-8");
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header")).expect("the header is JSON");
    let mut events = Vec::new();
    let mut last = 0.0;
    for line in lines {
        let (time, kind, data): (f64, String, String) =
            serde_json::from_str(line).expect("an event is [time, kind, data]");
        assert!(time >= last, "event times never go back: {line}");
        last = time;
        assert!(kind == "o" || kind == "r", "event kind {kind}");
        events.push((time, kind, data));
    }
    (header, events)
}

/// What `vt100` shows after playing the cast.
fn replay(header: &serde_json::Value, events: &[(f64, String, String)]) -> vt100::Parser {
    let width = header["width"].as_u64().expect("width") as u16;
    let height = header["height"].as_u64().expect("height") as u16;
    let mut parser = vt100::Parser::new(height, width, 0);
    for (_, kind, data) in events {
        if kind == "r" {
            let (cols, rows) = data.split_once('x').expect("COLSxROWS");
            parser
                .screen_mut()
                .set_size(rows.parse().expect("rows"), cols.parse().expect("cols"));
        } else {
            parser.process(data.as_bytes());
        }
    }
    parser
}

fn vt_color(color: Color) -> vt100::Color {
    let index = |i: u8| vt100::Color::Idx(i);
    match color {
        Color::Reset => vt100::Color::Default,
        Color::Black => index(0),
        Color::Red => index(1),
        Color::Green => index(2),
        Color::Yellow => index(3),
        Color::Blue => index(4),
        Color::Magenta => index(5),
        Color::Cyan => index(6),
        Color::Gray => index(7),
        Color::DarkGray => index(8),
        Color::LightRed => index(9),
        Color::LightGreen => index(10),
        Color::LightYellow => index(11),
        Color::LightBlue => index(12),
        Color::LightMagenta => index(13),
        Color::LightCyan => index(14),
        Color::White => index(15),
        Color::Indexed(i) => index(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// Every cell of the app's last frame against the emulator's screen: text, colours, styles.
fn assert_screen_matches(frame: &Buffer, screen: &vt100::Screen) {
    let (rows, cols) = screen.size();
    assert_eq!((cols, rows), (frame.area.width, frame.area.height));
    for y in 0..rows {
        for x in 0..cols {
            let expected = &frame[(x, y)];
            let cell = screen.cell(y, x).expect("cell in range");
            if cell.is_wide_continuation() {
                continue;
            }
            let shown = if cell.has_contents() {
                cell.contents()
            } else {
                " "
            };
            let at = format!("row {y} col {x}");
            assert_eq!(shown, expected.symbol(), "text at {at}");
            assert_eq!(cell.fgcolor(), vt_color(expected.fg), "fg at {at}");
            assert_eq!(cell.bgcolor(), vt_color(expected.bg), "bg at {at}");
            let has = |m: Modifier| expected.modifier.contains(m);
            assert_eq!(cell.bold(), has(Modifier::BOLD), "bold at {at}");
            assert_eq!(cell.italic(), has(Modifier::ITALIC), "italic at {at}");
            assert_eq!(
                cell.underline(),
                has(Modifier::UNDERLINED),
                "underline at {at}"
            );
            assert_eq!(cell.inverse(), has(Modifier::REVERSED), "inverse at {at}");
        }
    }
}

const REPLAY_SCRIPT: &str = "size 100x30\nseed 3\npause 2s\nkey j k Enter\n\
    type \"Hi Mei! 你好 👋 on its way.\"\nkey Enter\npause 3s\nresize 80x24\npause 1s\n\
    key Esc I\nresize 110x32\npause 2s\n";

#[test]
fn a_replayed_cast_ends_on_the_frame_the_app_drew() {
    let played = played(
        REPLAY_SCRIPT,
        Some("Hello 你好! Is my parcel 📦 coming today?"),
        Redactor::default(),
    );
    let (header, events) = parse_cast(&played.cast);
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(100), Some(30))
    );
    assert!(header["timestamp"].as_i64().is_some());
    let resizes: Vec<&str> = events
        .iter()
        .filter(|(_, kind, _)| kind == "r")
        .map(|(_, _, data)| data.as_str())
        .collect();
    assert_eq!(resizes, ["80x24", "110x32"]);
    assert!(events.len() > 20, "one event per frame: {}", events.len());
    let last = events.last().expect("events").0;
    assert!(
        last > 8.0,
        "the script's pauses are in the timeline: {last}"
    );

    let text = to_text(&played.screen);
    assert!(
        text.contains("你好 👋 on its way"),
        "the reply was typed and sent:\n{text}"
    );
    let parser = replay(&header, &events);
    assert_screen_matches(&played.screen, parser.screen());
}

#[test]
fn the_tour_cast_is_the_same_on_every_run() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demos/tour.demo"))
        .expect("the tour script is in the repo");
    let first = played(&source, None, Redactor::default());
    let second = played(&source, None, Redactor::default());
    assert!(
        first.cast.len() > 10_000,
        "a real recording: {} bytes",
        first.cast.len()
    );
    assert!(first.cast == second.cast, "two plays of the tour differ");
    let (first_svg, second_svg) = (first.animation.finish(), second.animation.finish());
    assert!(first_svg == second_svg, "two animations of the tour differ");
    let names: Vec<&str> = first.snaps.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["tour-typing", "tour-help"]);
    assert!(to_text(&first.snaps[0].1).contains("is typing…"));
    // The reply written during the tour's outage went out once the network was back.
    let reply = after_last(&to_text(&first.screen), "Checking now!");
    assert!(reply.contains('✓'), "{reply}");
    // The tour's end replays to its last frame too.
    let (header, events) = parse_cast(&first.cast);
    assert_screen_matches(&first.screen, replay(&header, &events).screen());
}

#[test]
fn a_screenshot_is_the_same_on_every_run() {
    let request = Request {
        out: std::env::temp_dir(),
        size: (120, 40),
        seed: 7,
        states: Vec::new(),
        wait_secs: 0.0,
    };
    let (first, _) = shoot("inbox", &request, Redactor::default()).expect("shot");
    let (second, _) = shoot("inbox", &request, Redactor::default()).expect("shot");
    assert_eq!(to_text(&first), to_text(&second));
    assert!(to_svg(&first) == to_svg(&second), "two SVGs differ");
    let text = to_text(&first);
    assert!(
        text.contains("Sofia Marquez"),
        "the seeded customers: {text}"
    );
    assert!(text.contains("Reply to"), "a conversation is open: {text}");
    let (help, _) = shoot("help", &request, Redactor::default()).expect("help");
    assert!(to_text(&help).contains("open channel or conversation"));
    assert!(shoot("nope", &request, Redactor::default()).is_err());
}

#[test]
fn the_light_screenshot_is_drawn_in_the_light_theme_on_a_light_terminal() {
    let request = Request {
        out: std::env::temp_dir(),
        size: (120, 40),
        seed: 7,
        states: Vec::new(),
        wait_secs: 0.0,
    };
    let (light, backdrop) = shoot("light", &request, Redactor::default()).expect("light");
    let (dark, dark_backdrop) = shoot("inbox", &request, Redactor::default()).expect("inbox");
    assert_eq!(to_text(&light), to_text(&dark), "the same screen");
    assert_ne!(backdrop, dark_backdrop);
    let svg = switchboard::record::export::to_svg_on(&light, backdrop);
    assert!(svg.contains(r##"rx="8" fill="#fafaf8""##), "a light window");
    // The dark theme's bubble colour is nowhere in the light picture.
    assert!(svg.contains("#eeeef2") && !svg.contains("#24262c"));
}

#[test]
fn recordings_and_screenshots_never_show_secrets() {
    const KEY: &str = "sk_live_9f8e7d6c5b4a";
    let home = directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().display().to_string())
        .expect("a home dir");
    let mut config = Config::default();
    config.accounts.push(AccountConfig::linktor_with_key(
        "team",
        "https://api.linktor.io",
        KEY,
    ));
    let redactor = Redactor::for_config(&config);
    // A customer pastes the key and a config path; the agent opens the conversation and
    // quotes the key back, so it is on screen in the list, the thread and the composer.
    let said: &'static str = Box::leak(
        format!("my key {KEY} is in {home}/.config/switchboard/config.toml").into_boxed_str(),
    );
    let source = format!(
        "size 160x40\npause 1s\nkey Enter\ntype \"you sent {KEY}\"\nsnap leak\nkey Enter\npause 2s\n"
    );
    let played = played(&source, Some(said), redactor);
    let cast = String::from_utf8(played.cast.clone()).expect("utf8");
    let (_, leak) = &played.snaps[0];
    let shown = [
        cast.clone(),
        to_text(leak),
        to_svg(leak),
        to_text(&played.screen),
    ];
    for (what, text) in ["cast", "snap text", "snap svg", "last frame"]
        .iter()
        .zip(&shown)
    {
        assert!(!text.contains(KEY), "{what} shows the key");
        assert!(!text.contains(&home), "{what} shows the home directory");
    }
    // Masked, not dropped: the layout keeps the secret's width.
    assert!(
        to_text(leak).contains(&"*".repeat(KEY.len())),
        "{}",
        to_text(leak)
    );
    // The cast never spells the key out, not even one typed character per frame: the screen
    // it replays to has it masked (and is the frame the app drew, masked).
    let (header, events) = parse_cast(&played.cast);
    let replayed = replay(&header, &events);
    assert!(!replayed.screen().contents().contains(KEY));
    assert!(replayed.screen().contents().contains("you sent ****"));
    assert_screen_matches(&played.screen, replayed.screen());
    // And at every frame, not just the last.
    let mut parser = vt100::Parser::new(40, 160, 0);
    for (_, _, data) in &events {
        parser.process(data.as_bytes());
        let shown = parser.screen().contents();
        assert!(
            !shown.contains(&KEY[..8]) && !shown.contains(&home),
            "{shown}"
        );
    }
}

/// The text a row's SVG drawing shows (box-drawing is drawn as lines, so it has none).
fn drawn_text(drawing: &str) -> String {
    let mut text = String::new();
    for piece in drawing.split("</text>") {
        if let Some(start) = piece.rfind('>') {
            text.push_str(&piece[start + 1..]);
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What a row shows as text, for comparing a terminal with a picture: no blanks, no lines.
fn comparable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{259f}').contains(c))
        .collect()
}

#[test]
fn the_animated_tour_shows_at_every_moment_what_the_cast_shows() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demos/tour.demo"))
        .expect("the tour script is in the repo");
    let played = played(&source, None, Redactor::default());
    let (header, events) = parse_cast(&played.cast);
    let mut parser = vt100::Parser::new(
        header["height"].as_u64().expect("height") as u16,
        header["width"].as_u64().expect("width") as u16,
        0,
    );
    let mut checked = 0;
    for (index, (time, kind, data)) in events.iter().enumerate() {
        if kind == "r" {
            let (cols, rows) = data.split_once('x').expect("COLSxROWS");
            parser
                .screen_mut()
                .set_size(rows.parse().expect("rows"), cols.parse().expect("cols"));
            continue;
        }
        parser.process(data.as_bytes());
        // Between this output and the next, the screen holds still: the picture must match it.
        let next = events.get(index + 1).map_or(time + 1.0, |(t, _, _)| *t);
        if next - time < 0.02 {
            continue;
        }
        let moment = std::time::Duration::from_secs_f64((time + next) / 2.0);
        let shown = played.animation.shown_at(moment);
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        let terminal: Vec<String> = screen.rows(0, cols).map(|row| comparable(&row)).collect();
        assert!(
            shown.iter().all(|(row, _)| *row < rows),
            "at {moment:?} a row below the {rows}-row screen still shows"
        );
        let picture: Vec<String> = (0..rows)
            .map(|y| {
                shown
                    .iter()
                    .filter(|(row, _)| *row == y)
                    .map(|(_, drawing)| comparable(&drawn_text(drawing)))
                    .collect()
            })
            .collect();
        assert_eq!(picture, terminal, "at {moment:?}");
        checked += 1;
    }
    assert!(checked > 50, "checked {checked} moments");
}

/// What follows `text` on the last line that holds it (the thread's line, not the list's
/// preview): its time and delivery mark.
fn after_last(screen: &str, text: &str) -> String {
    screen
        .lines()
        .rev()
        .find_map(|line| line.split_once(text))
        .map(|(_, after)| after.to_string())
        .unwrap_or_default()
}

#[test]
fn the_demo_runs_the_real_provider_which_an_outage_cuts_off_and_which_comes_back() {
    let during = "store\npause 4s\nkey g j j Enter\npause 1s\noutage 8s\npause 1s\ntype \"Back in a moment\"\nkey Enter\npause 2s";
    let cut = to_text(&played(during, None, Redactor::default()).screen);
    let status = cut.lines().last().unwrap_or_default();
    assert!(
        status.contains("reconnecting…") || status.contains("backing off"),
        "the account is cut off: {status}"
    );
    assert!(
        status.contains("connection refused"),
        "and says why: {status}"
    );
    assert!(
        after_last(&cut, "Back in a moment").contains('…'),
        "the reply waits: {cut}"
    );

    let after = format!("{during}\npause 60s");
    let back = to_text(&played(&after, None, Redactor::default()).screen);
    let status = back.lines().last().unwrap_or_default();
    assert!(status.contains("local live"), "live again: {status}");
    let reply = after_last(&back, "Back in a moment");
    assert!(
        reply.contains('✓') && !reply.contains('…'),
        "the reply went out once the network was back: {reply}"
    );
}
