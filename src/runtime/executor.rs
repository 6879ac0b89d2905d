//! Executes the reducer's effects. It only routes: a provider command goes to that account's
//! provider, without awaiting the network, so the loop never blocks on IO.

use std::collections::HashMap;

use tokio::sync::mpsc::error::TrySendError;

use crate::app::Effect;
use crate::assist::{AssistHandle, Command, Failure, Update, UpdateKind};
use crate::model::AccountId;
use crate::providers::symbl::{SymblHandle, SymblRequest};
use crate::providers::{AccountEvent, ProviderCommand, ProviderEvent, ProviderHandle};
use crate::store::{StoreEvent, StoreHandle, StoreRequest};

#[derive(Default)]
pub struct Executor {
    providers: HashMap<AccountId, ProviderHandle>,
    /// The remote insight source, when configured.
    symbl: Option<SymblHandle>,
    /// The local store's actor, when one is attached.
    store: Option<StoreHandle>,
    /// A store used in place, answering at once: reproducible demos run on a virtual clock
    /// that an actor's thread would race.
    inline_store: Option<std::sync::Mutex<crate::store::Db>>,
    /// The assistant's runner, when `[assist]` is configured (or the demo's).
    assist: Option<AssistHandle>,
    /// A real terminal is on stdout: copies go to it (headless runs have none).
    clipboard: bool,
    /// Notifications and the title, written to that terminal (or run as a command).
    alerts: Option<super::alerts::Alerts>,
}

/// What the loop should do after an effect.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Continue,
    Quit,
    /// The effect could not be carried out; the app must hear about it (nothing is lost
    /// silently: a reply whose provider is gone is marked failed).
    Feedback(AccountEvent),
    /// An answer in place of the store's (it is not running).
    Store(StoreEvent),
    /// An answer in place of the assistant's (it is not running).
    Assist(crate::assist::Update),
    /// For whoever owns the terminal (the event loop and its surface).
    Terminal(crate::app::TerminalJob),
}

impl Executor {
    pub fn add(&mut self, handle: ProviderHandle) {
        self.providers.insert(handle.account.clone(), handle);
    }

    pub fn set_symbl(&mut self, handle: SymblHandle) {
        self.symbl = Some(handle);
    }

    /// Copies are written to the terminal on stdout from now on.
    pub fn enable_clipboard(&mut self) {
        self.clipboard = true;
    }

    /// Notifications and the title go to the terminal on stdout (or the command) from now on.
    pub fn enable_alerts(&mut self, alerts: super::alerts::Alerts) {
        self.alerts = Some(alerts);
    }

    pub fn set_assist(&mut self, assist: AssistHandle) {
        self.assist = Some(assist);
    }

    pub fn set_store(&mut self, store: StoreHandle) {
        self.store = Some(store);
    }

    /// Keeps the demo's store in place: every request is carried out as it is executed.
    pub fn set_inline_store(&mut self, db: crate::store::Db) {
        self.inline_store = Some(std::sync::Mutex::new(db));
    }

    /// Stops the providers, then closes the store after its last write is on disk.
    pub fn shutdown(&mut self) {
        self.providers.clear();
        self.assist = None;
        if let Some(store) = self.store.take() {
            store.close();
        }
    }

    pub fn execute(&self, effect: Effect) -> Outcome {
        match effect {
            Effect::Quit => {
                // Best effort: lets streaming sockets send their stop_request.
                self.to_symbl(SymblRequest::Shutdown);
                Outcome::Quit
            }
            Effect::Provider { account, command } => self.send(account, command),
            Effect::OpenUrl(url) => {
                super::opener::open(url);
                Outcome::Continue
            }
            Effect::AnalyseInsights {
                conversation,
                messages,
            } => {
                self.to_symbl(SymblRequest::Analyse {
                    conversation,
                    messages,
                });
                Outcome::Continue
            }
            Effect::Store(write) => self.store(write),
            Effect::Assist(command) => self.to_assist(command),
            Effect::Terminal(job) => Outcome::Terminal(job),
            Effect::Notify { title, body } => {
                if let Some(alerts) = &self.alerts {
                    alerts.notify(&title, &body);
                }
                Outcome::Continue
            }
            Effect::Title(title) => {
                if self.alerts.is_some() {
                    super::alerts::set_title(&title);
                }
                Outcome::Continue
            }
            Effect::Copy(text) => {
                if self.clipboard {
                    super::clipboard::copy(&text);
                }
                Outcome::Continue
            }
        }
    }

    /// Hands a command to the assistant's runner; a request it cannot take fails at once, so
    /// the app never waits for an answer that cannot come.
    fn to_assist(&self, command: Command) -> Outcome {
        let request = match &command {
            Command::Start(request) => Some((request.id, request.conversation.clone())),
            Command::Cancel(_) => None,
        };
        if self.assist.as_ref().is_some_and(|a| a.send(command)) {
            return Outcome::Continue;
        }
        match request {
            Some((id, conversation)) => {
                tracing::error!("the assistant has stopped");
                Outcome::Assist(Update {
                    id,
                    conversation,
                    kind: UpdateKind::Failed(Failure::Unreachable(
                        "the assistant is not running".to_string(),
                    )),
                })
            }
            None => Outcome::Continue,
        }
    }

    /// Hands a request to the Symbl task without waiting; a full queue is waited on in a task.
    fn to_symbl(&self, request: SymblRequest) {
        let Some(symbl) = &self.symbl else {
            return;
        };
        match symbl.requests.try_send(request) {
            Ok(()) => {}
            Err(TrySendError::Full(request)) => {
                let sender = symbl.requests.clone();
                tokio::spawn(async move {
                    let _ = sender.send(request).await;
                });
            }
            Err(TrySendError::Closed(_)) => tracing::warn!("the Symbl task has stopped"),
        }
    }

    /// Queues a store write (never blocks). Without a store, or with a stopped one, a new
    /// reply is still confirmed so it goes out: the cache is a convenience, the send is not.
    fn store(&self, write: StoreRequest) -> Outcome {
        if let Some(db) = &self.inline_store {
            return inline(db, write);
        }
        let search = match &write {
            StoreRequest::Search { id, .. } => Some(*id),
            _ => None,
        };
        let enqueued = match &write {
            StoreRequest::Enqueue { entry, .. } => Some(entry.client_id.clone()),
            _ => None,
        };
        let page = match &write {
            StoreRequest::LoadPage { key, .. } => Some(key.clone()),
            _ => None,
        };
        let around = match &write {
            StoreRequest::LoadAround { key, at, .. } => Some((key.clone(), at.clone())),
            _ => None,
        };
        let written = self.store.as_ref().is_some_and(|store| store.write(write));
        if let Some(id) = search
            && !written
        {
            return Outcome::Store(StoreEvent::Found {
                id,
                hits: Err("the local store is not running: search is unavailable".to_string()),
            });
        }
        if let Some((key, at)) = around
            && !written
        {
            // Nothing to read a window from: the window closes, saying the message is gone.
            return Outcome::Store(StoreEvent::Around {
                key,
                at,
                messages: Vec::new(),
                older_exhausted: true,
                newer_exhausted: true,
            });
        }
        if let Some(key) = page
            && !written
        {
            // No store to read from: the thread asks its provider instead.
            return Outcome::Store(StoreEvent::Page {
                key,
                messages: Vec::new(),
                exhausted: true,
            });
        }
        match enqueued {
            Some(client_id) if !written => {
                tracing::error!("local store unavailable; sending a reply without keeping it");
                Outcome::Store(StoreEvent::Queued { client_id })
            }
            _ => Outcome::Continue,
        }
    }

    fn send(&self, account: AccountId, command: ProviderCommand) -> Outcome {
        let Some(handle) = self.providers.get(&account) else {
            tracing::warn!(%account, ?command, "command for an account with no provider");
            return undeliverable(account, command, "this account has no running provider");
        };
        match handle.commands.try_send(command) {
            Ok(()) => Outcome::Continue,
            // A busy provider: queue the command on a task rather than block the loop.
            Err(TrySendError::Full(command)) => {
                let sender = handle.commands.clone();
                tokio::spawn(async move {
                    let _ = sender.send(command).await;
                });
                Outcome::Continue
            }
            Err(TrySendError::Closed(command)) => {
                tracing::error!(%account, ?command, "provider has stopped");
                undeliverable(account, command, "the provider of this account has stopped")
            }
        }
    }
}

/// The feedback for a command that cannot reach its provider.
fn undeliverable(account: AccountId, command: ProviderCommand, why: &str) -> Outcome {
    // Typing and read markers are best effort; one notice is enough.
    let event = command
        .refused(why)
        .unwrap_or_else(|| ProviderEvent::Error(format!("{account}: {why}")));
    Outcome::Feedback(AccountEvent { account, event })
}

/// A request carried out on a store kept in place; reads and new replies answered at once.
fn inline(db: &std::sync::Mutex<crate::store::Db>, request: StoreRequest) -> Outcome {
    let Ok(mut db) = db.lock() else {
        return Outcome::Continue;
    };
    if let Err(err) = db.apply(std::slice::from_ref(&request)) {
        tracing::error!("the demo's store failed: {err}");
    }
    if let StoreRequest::Enqueue { entry, .. } = &request {
        return Outcome::Store(StoreEvent::Queued {
            client_id: entry.client_id.clone(),
        });
    }
    crate::store::answer(&mut db, &request).map_or(Outcome::Continue, Outcome::Store)
}
