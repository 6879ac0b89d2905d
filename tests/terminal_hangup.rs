//! Closing the terminal ends the inbox. With its window, tmux pane or SSH session gone, every
//! read of the terminal returns nothing at once; the inbox must quit, not spin a core forever
//! on it (crossterm's read loop does, and then no signal could end the process either).
#![cfg(target_os = "linux")]

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

#[test]
fn closing_the_terminal_ends_the_inbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[hub]\nenabled = false\n").expect("config");
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let size = Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&master, size).expect("its size");
    let name = ptsname(&master, Vec::new()).expect("its name");
    let name = name.to_str().expect("a path").to_string();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&name)
        .expect("the terminal side");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&config)
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(terminal.try_clone().expect("dup")))
        .stdout(Stdio::from(terminal.try_clone().expect("dup")))
        .stderr(Stdio::from(terminal))
        .spawn()
        .expect("the binary runs");

    // The window's side reads what is drawn until the inbox is on screen, then closes.
    let (drawn, shown) = mpsc::channel();
    let mut window = std::fs::File::from(master);
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(read) = window.read(&mut buffer) {
            if read == 0 {
                break;
            }
            seen.extend_from_slice(&buffer[..read]);
            if String::from_utf8_lossy(&seen).contains("Conversations") {
                let _ = drawn.send(());
                break;
            }
        }
        // Dropping `window` here closes the terminal, as closing its window does.
    });
    let on_screen = shown.recv_timeout(Duration::from_secs(60)).is_ok();
    if !on_screen {
        let _ = child.kill();
        panic!("the inbox never drew");
    }

    let closed = Instant::now();
    let exited = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if closed.elapsed() > Duration::from_secs(15) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let Some(status) = exited else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("still running 15 s after its terminal closed");
    };
    println!(
        "the inbox ended {:.2} s after its terminal closed ({status})",
        closed.elapsed().as_secs_f64()
    );
    let log = std::fs::read_dir(dir.path().join("state/switchboard"))
        .expect("the log dir")
        .flatten()
        .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
        .collect::<String>();
    assert!(log.contains("the terminal hung up"), "{log}");
    assert!(!log.contains("panic"), "{log}");
}
