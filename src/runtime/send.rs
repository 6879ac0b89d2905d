//! `switchboard send`: replies from a script, through the same outbox as the inbox. Each reply
//! is stored before it is sent (its client id printed once it is durable), then everything
//! queued, including replies left over from an earlier run, is sent until the outbox is empty.
//! Killing the process at any moment and running it again delivers each reply once where the
//! backend deduplicates on the client id (Linktor `metadata.clientId`) or lets a resend look it
//! up first (Sinch: a delivery report or a listing carrying `message_metadata`), and at least
//! once otherwise (Vumi, Sinch with neither).

use std::time::Duration;

use anyhow::Context;

use super::session::{Session, StartOptions};
use crate::app::outbox::Stage;
use crate::app::{App, Event};
use crate::config::Config;
use crate::model::{AccountId, ConversationKey};

/// What a run of `send` achieved.
#[derive(Debug, Default)]
pub struct SendReport {
    /// Client ids of the replies this run queued, in order.
    pub queued: Vec<String>,
    /// Replies still failed (client id, reason) when the run ended.
    pub failed: Vec<(String, String)>,
    /// Replies still on their way when the timeout struck.
    pub unsent: usize,
}

/// Queues `texts` as replies to `conversation` of `account` (default: the first account), then
/// sends the whole outbox. `on_queued` hears each client id once its reply is durable.
pub async fn send_replies(
    config: &Config,
    account: Option<&str>,
    conversation: &str,
    texts: &[String],
    timeout: Duration,
    mut on_queued: impl FnMut(&str),
) -> anyhow::Result<SendReport> {
    let options = StartOptions {
        send_only: true,
        ..StartOptions::default()
    };
    let mut session = Session::start(config, &options).await?;
    let account = match account {
        Some(name) => AccountId::new(name),
        None => session
            .app
            .status
            .accounts
            .keys()
            .next()
            .cloned()
            .context("no account configured")?,
    };
    anyhow::ensure!(
        session.app.status.accounts.contains_key(&account),
        "no account named {account}"
    );
    let key = ConversationKey::new(&account, conversation);
    let mut report = SendReport::default();
    for text in texts {
        let before: Vec<String> = session
            .app
            .outbox
            .iter()
            .map(|(id, _)| id.clone())
            .collect();
        session.apply(Event::Reply {
            conversation: key.clone(),
            text: text.clone(),
        });
        let Some(client_id) = session
            .app
            .outbox
            .iter()
            .map(|(id, _)| id.clone())
            .find(|id| !before.contains(id))
        else {
            continue;
        };
        let durable = |app: &App| {
            app.outbox
                .get(&client_id)
                .is_none_or(|item| item.stage != Stage::Storing)
        };
        if !session.pump_until(timeout, durable).await {
            anyhow::bail!("the local store did not confirm the reply in time");
        }
        on_queued(&client_id);
        report.queued.push(client_id);
    }
    let settled = |app: &App| {
        app.outbox
            .iter()
            .all(|(_, item)| matches!(item.stage, Stage::Failed(_)))
    };
    session.pump_until(timeout, settled).await;
    for (client_id, item) in session.app.outbox.iter() {
        match &item.stage {
            Stage::Failed(reason) => report.failed.push((client_id.clone(), reason.clone())),
            _ => report.unsent += 1,
        }
    }
    session.shutdown();
    if let Some(hub) = session.hub.take() {
        hub.shutdown().await;
    }
    Ok(report)
}
