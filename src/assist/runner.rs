//! The task that runs the assistant's requests: each on a task of its own, so a slow answer
//! never holds up another conversation's, and a cancelled one is aborted (its connection
//! closed, its updates stopped).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::client::HttpAssistant;
use super::demo::DemoAssistant;
use super::{Command, Request, Update};

/// Who answers.
#[derive(Clone)]
pub enum Backend {
    Http(Arc<HttpAssistant>),
    /// The reproducible demo's scripted assistant (no network).
    Demo(DemoAssistant),
}

impl Backend {
    async fn run(&self, request: Request, out: &mpsc::Sender<Update>) {
        match self {
            Backend::Http(http) => http.run(request, out).await,
            Backend::Demo(demo) => demo.run(request, out).await,
        }
    }
}

/// The executor's way to the runner. Dropping it stops every request.
#[derive(Clone, Debug)]
pub struct AssistHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl AssistHandle {
    /// Hands a command over without waiting; false once the runner has stopped.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }
}

/// Starts the runner; its updates go to `updates`.
pub fn spawn(backend: Backend, updates: mpsc::Sender<Update>) -> AssistHandle {
    // Unbounded: commands come from keystrokes, a handful at a time.
    let (commands, mut receiver) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        let mut running: HashMap<u64, AbortHandle> = HashMap::new();
        while let Some(command) = receiver.recv().await {
            running.retain(|_, task| !task.is_finished());
            match command {
                Command::Start(request) => {
                    let id = request.id;
                    let backend = backend.clone();
                    let updates = updates.clone();
                    let task = tokio::spawn(async move { backend.run(request, &updates).await });
                    running.insert(id, task.abort_handle());
                }
                Command::Cancel(id) => {
                    if let Some(task) = running.remove(&id) {
                        task.abort();
                    }
                }
            }
        }
        for task in running.values() {
            task.abort();
        }
    });
    AssistHandle { commands }
}
