//! A provider that cannot start (a bad base URL, a TLS setup error) still answers: it says why
//! once, then fails every reply sent to it with that reason, so no reply waits forever as
//! pending and the outbox can show it failed.

use tokio::sync::mpsc;

use super::{AccountEvent, ProviderCommand, ProviderEvent};
use crate::model::AccountId;

/// Reports `why` and answers every command until the app drops the channel.
pub async fn refuse_all(
    account: AccountId,
    events: mpsc::Sender<AccountEvent>,
    mut commands: mpsc::Receiver<ProviderCommand>,
    why: String,
) {
    tracing::error!(%account, "{why}");
    let notice = AccountEvent {
        account: account.clone(),
        event: ProviderEvent::Error(why.clone()),
    };
    if events.send(notice).await.is_err() {
        return;
    }
    while let Some(command) = commands.recv().await {
        let Some(event) = command.refused(&why) else {
            continue;
        };
        let event = AccountEvent {
            account: account.clone(),
            event,
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reply_to_a_provider_that_cannot_start_fails_with_the_reason() {
        let (event_sender, mut events) = mpsc::channel(8);
        let (commands, receiver) = mpsc::channel(8);
        let task = tokio::spawn(refuse_all(
            AccountId::new("a"),
            event_sender,
            receiver,
            "Sinch provider cannot start: bad origin".to_string(),
        ));
        commands
            .send(ProviderCommand::Typing {
                conversation: "c".into(),
                typing: true,
            })
            .await
            .expect("send");
        commands
            .send(ProviderCommand::SendText {
                conversation: "c".into(),
                client_id: "k1".into(),
                text: "hi".into(),
            })
            .await
            .expect("send");
        drop(commands);
        let notice = events.recv().await.expect("notice");
        assert!(
            matches!(notice.event, ProviderEvent::Error(ref why) if why.contains("bad origin"))
        );
        let failed = events.recv().await.expect("failed reply");
        assert_eq!(
            failed.event,
            ProviderEvent::SendFailed {
                conversation: "c".into(),
                client_id: "k1".into(),
                reason: "Sinch provider cannot start: bad origin".into(),
            }
        );
        task.await.expect("task");
        assert!(events.recv().await.is_none(), "typing needs no answer");
    }
}
