//! A `Surface` that draws into a `TestBackend` like the terminal would, and lets a benchmark
//! look at every frame the real event loop writes.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{App, LayoutInfo};
use switchboard::runtime::Surface;
use switchboard::ui::Painter;

pub struct Probe<F: FnMut(&App)> {
    terminal: Terminal<TestBackend>,
    /// Frames drawn so far.
    pub frames: u64,
    on_frame: F,
}

impl<F: FnMut(&App)> Probe<F> {
    pub fn new(width: u16, height: u16, on_frame: F) -> Self {
        Self {
            terminal: Terminal::new(TestBackend::new(width, height)).expect("terminal"),
            frames: 0,
            on_frame,
        }
    }
}

impl<F: FnMut(&App)> Surface for Probe<F> {
    fn draw(&mut self, app: &App, painter: &mut Painter) -> std::io::Result<LayoutInfo> {
        let layout = Surface::draw(&mut self.terminal, app, painter)?;
        self.frames += 1;
        (self.on_frame)(app);
        Ok(layout)
    }
}

/// CPU time (user + system) of this process so far, from /proc (Linux).
pub fn cpu_time() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the ')'.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // USER_HZ is 100 on every Linux this runs on.
    std::time::Duration::from_millis(ticks * 10)
}

/// Voluntary context switches of every thread of this process: each
/// voluntary one is a thread going to sleep, so their growth counts wake-ups.
pub fn context_switches() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|line| line.starts_with("voluntary_ctxt_switches"))
                .filter_map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}
