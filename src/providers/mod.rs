//! The providers: each owns the network for one account, runs as tokio tasks, converts what it
//! hears into [`ProviderEvent`]s (model types only, never wire types) and takes
//! [`ProviderCommand`]s (the contract, in `crate::contract::provider`).
//!
//! One module per platform (`chatwoot`, `linktor`, `sinch`, `vumi`, `symbl`), each with its wire types,
//! conversions and its `config.rs` (the `[[account]]` schema); `account` names those schemas
//! and starts any of them; `kit` is what they share (the request policy, errors, tokens,
//! secrets, backoff); `receiver` is the hardened HTTP server behind every webhook; `refuse`
//! answers for a provider that could not start; `tls` installs the crypto provider. Outside
//! this tree only the hub, which plays a Linktor server, knows a wire format: Linktor's, from
//! `crate::protocol`.

pub mod account;
pub mod chatwoot;
pub mod kit;
pub mod linktor;
pub mod receiver;
pub mod refuse;
pub mod sinch;
pub mod symbl;
pub mod tls;
pub mod vumi;

pub use crate::contract::provider::{
    AccountEvent, ConnectionState, PlatformActions, ProviderCommand, ProviderEvent, SendOptions,
};
use crate::model::AccountId;

/// A running provider: the command sender and the task that owns its network. Dropping the
/// handle stops the provider (its tasks are aborted), so an account can be closed cleanly.
pub struct ProviderHandle {
    pub account: AccountId,
    pub commands: tokio::sync::mpsc::Sender<ProviderCommand>,
    pub task: tokio::task::JoinHandle<()>,
}

impl ProviderHandle {
    /// Spawns a provider's task, `run`, on the receiving end of its command channel.
    pub fn spawn<F, Fut>(account: AccountId, run: F) -> Self
    where
        F: FnOnce(tokio::sync::mpsc::Receiver<ProviderCommand>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (commands, receiver) = tokio::sync::mpsc::channel(64);
        let task = tokio::spawn(run(receiver));
        Self {
            account,
            commands,
            task,
        }
    }
}

impl Drop for ProviderHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
