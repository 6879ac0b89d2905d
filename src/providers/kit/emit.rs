//! Where a provider's events go: to the app, under the provider's account, with the
//! connection state said once per change (a reconnect loop does not flood the app with the
//! same "connecting").

use tokio::sync::mpsc;

use crate::contract::provider::{AccountEvent, ConnectionState, ProviderEvent};
use crate::model::AccountId;

pub struct Emitter {
    account: AccountId,
    events: mpsc::Sender<AccountEvent>,
    connection: Option<ConnectionState>,
}

impl Emitter {
    pub fn new(account: AccountId, events: mpsc::Sender<AccountEvent>) -> Self {
        Self {
            account,
            events,
            connection: None,
        }
    }

    /// Sends `event` under the account; once the app is gone the event is dropped.
    pub async fn emit(&self, event: ProviderEvent) {
        let event = AccountEvent {
            account: self.account.clone(),
            event,
        };
        if self.events.send(event).await.is_err() {
            tracing::debug!(account = %self.account, "app gone; event dropped");
        }
    }

    /// Says the connection state, unless it is the one said last.
    pub async fn connection(&mut self, state: ConnectionState) {
        if self.connection.as_ref() == Some(&state) {
            return;
        }
        self.connection = Some(state.clone());
        self.emit(ProviderEvent::Connection(state)).await;
    }

    /// The connection state said last.
    pub fn current_connection(&self) -> Option<&ConnectionState> {
        self.connection.as_ref()
    }

    /// Whether the app stopped listening (the provider may stop too).
    pub fn is_closed(&self) -> bool {
        self.events.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_connection_state_is_said_once_per_change() {
        let (sender, mut received) = mpsc::channel(8);
        let mut emitter = Emitter::new(AccountId::new("a"), sender);
        emitter.connection(ConnectionState::Connecting).await;
        emitter.connection(ConnectionState::Connecting).await;
        emitter.connection(ConnectionState::Live).await;
        emitter.emit(ProviderEvent::Synced).await;
        drop(emitter);
        let mut seen = Vec::new();
        while let Some(event) = received.recv().await {
            assert_eq!(event.account, AccountId::new("a"));
            seen.push(event.event);
        }
        assert_eq!(
            seen,
            vec![
                ProviderEvent::Connection(ConnectionState::Connecting),
                ProviderEvent::Connection(ConnectionState::Live),
                ProviderEvent::Synced,
            ]
        );
    }
}
