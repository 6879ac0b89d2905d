//! The providers: each owns the network for one account, runs as tokio tasks, converts what it
//! hears into [`ProviderEvent`]s (model types only, never wire types) and takes
//! [`ProviderCommand`]s (the contract, in `crate::contract::provider`). What they share is in
//! [`kit`]; an account's config schema is in each provider's `config.rs`, named by
//! [`account::AccountConfig`]. Outside this tree only the hub and the recorder, which play a
//! Linktor server, know a wire format: Linktor's, from `linktor::wire`.

pub mod account;
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

impl Drop for ProviderHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
