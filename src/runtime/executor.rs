//! Executes the reducer's effects. It only routes: a provider command goes to that account's
//! provider, without awaiting the network, so the loop never blocks on IO.

use std::collections::HashMap;

use tokio::sync::mpsc::error::TrySendError;

use crate::app::Effect;
use crate::model::AccountId;
use crate::providers::symbl::{SymblHandle, SymblRequest};
use crate::providers::{AccountEvent, ProviderCommand, ProviderEvent, ProviderHandle};

#[derive(Default)]
pub struct Executor {
    providers: HashMap<AccountId, ProviderHandle>,
    /// The remote insight source, when configured.
    symbl: Option<SymblHandle>,
}

/// What the loop should do after an effect.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Continue,
    Quit,
    /// The effect could not be carried out; the app must hear about it (nothing is lost
    /// silently: a reply whose provider is gone is marked failed).
    Feedback(AccountEvent),
}

impl Executor {
    pub fn add(&mut self, handle: ProviderHandle) {
        self.providers.insert(handle.account.clone(), handle);
    }

    pub fn set_symbl(&mut self, handle: SymblHandle) {
        self.symbl = Some(handle);
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
    let event = match command {
        ProviderCommand::SendText {
            conversation,
            client_id,
            ..
        }
        | ProviderCommand::SendWithOptions {
            conversation,
            client_id,
            ..
        } => ProviderEvent::SendFailed {
            conversation,
            client_id,
            reason: why.to_string(),
        },
        // Typing and read markers are best effort; one notice is enough.
        _ => ProviderEvent::Error(format!("{account}: {why}")),
    };
    Outcome::Feedback(AccountEvent { account, event })
}
