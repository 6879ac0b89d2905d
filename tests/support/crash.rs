//! Running `switchboard send` as a child process and killing it (SIGKILL) at chosen moments:
//! the helpers of the outbox crash tests (`outbox_crash.rs` for Linktor, `sinch_crash.rs`).

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use super::faults::PostStage;

/// One child run: the replies it queues, and where it is killed (the nth POST it makes, at
/// which stage), or `None` for a kill at an arbitrary moment.
pub type Run = (&'static [&'static str], Option<(u64, PostStage)>);

pub fn spawn_child(config: &Path, logs: &Path, conversation: &str, texts: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(config)
        .arg("--log-dir")
        .arg(logs)
        .args(["send", "--conversation", conversation, "--timeout", "90"])
        .args(texts)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the switchboard binary starts")
}

/// Waits for the child (killed or not) and returns (exited successfully, client ids it said
/// were durable, stderr).
pub async fn finish(child: Arc<Mutex<Option<Child>>>) -> (bool, Vec<String>, String) {
    tokio::task::spawn_blocking(move || {
        let mut child = child.lock().expect("child").take().expect("child present");
        let status = child.wait().expect("wait");
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        let queued = out
            .lines()
            .filter_map(|line| line.strip_prefix("queued "))
            .map(str::to_string)
            .collect();
        (status.success(), queued, err)
    })
    .await
    .expect("join")
}

pub fn killer(child: &Arc<Mutex<Option<Child>>>) -> impl FnOnce() + Send + 'static {
    let pid = child.lock().expect("child").as_ref().expect("child").id();
    move || {
        // SIGKILL: no destructor, no flush, no goodbye. (`finish` may already be waiting on
        // the child, so it is killed by pid rather than through the `Child`.)
        // If the child already finished, there is nothing to kill; the round then counts as
        // a clean run (the test checks which it was).
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}
