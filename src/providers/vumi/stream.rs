//! The streaming API (§4.4.2): a long-lived chunked `GET messages.json` (inbound messages) and
//! `GET events.json` (events), one JSON object per line. Each stream runs as its own task that
//! reconnects with backoff, and reports what it hears to the provider task.
//!
//! A line split across chunks is joined by [`LineAssembler`]; a garbage line is reported and
//! skipped; a connection dropped mid-line loses only that unfinished line (the server sent it
//! incompletely, so it could not have been parsed anyway). A 401 stops the stream until the user
//! asks again; a 403 "too many concurrent connections" waits longer than a plain drop.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use tokio::sync::mpsc;

use super::lines::{Line, LineAssembler};
use super::rest::{RestClient, VumiError};
use super::wire::{Incoming, parse_incoming};
use crate::providers::kit::backoff::Backoff;

/// Which of the two streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamKind {
    Messages,
    Events,
}

impl StreamKind {
    pub fn resource(self) -> &'static str {
        match self {
            StreamKind::Messages => "messages.json",
            StreamKind::Events => "events.json",
        }
    }
}

/// What a stream task (or the push receiver) tells the provider.
#[derive(Debug)]
pub enum Report {
    Connected(StreamKind),
    Incoming(Incoming),
    /// A line or body that was not a vumi message; skipped.
    Garbage {
        source: String,
        reason: String,
    },
    /// The stream ended or could not open; it retries after `retry_in`.
    Dropped {
        kind: StreamKind,
        reason: String,
        retry_in: Duration,
    },
    /// 401: the stream stopped for good (until a refresh restarts it).
    AuthFailed(StreamKind),
}

/// How a stream paces itself.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    pub reconnect_base: Duration,
    pub reconnect_cap: Duration,
    /// The least wait after "too many concurrent connections".
    pub busy_wait: Duration,
    /// Longest line accepted; longer ones are skipped.
    pub max_line: usize,
}

/// Runs one stream until a 401 or until the provider goes away.
pub async fn run(
    kind: StreamKind,
    rest: RestClient,
    settings: StreamSettings,
    reports: mpsc::Sender<Report>,
) {
    let mut backoff = Backoff::with_limits(
        settings.reconnect_base,
        settings.reconnect_cap,
        fastrand::u64(..),
    );
    let mut lines = LineAssembler::new(settings.max_line);
    loop {
        let (reason, busy) = match connect(kind, &rest, &reports, &mut lines, &mut backoff).await {
            Ok(Ended::Closed(reason)) => (reason, false),
            Ok(Ended::ProviderGone) => return,
            Err(VumiError::Unauthorized) => {
                tracing::warn!(stream = kind.resource(), "vumi stream refused: 401");
                let _ = reports.send(Report::AuthFailed(kind)).await;
                return;
            }
            Err(VumiError::TooManyConnections) => (
                "too many concurrent connections for this account (403); waiting longer"
                    .to_string(),
                true,
            ),
            Err(err) => (err.to_string(), false),
        };
        lines.reset();
        let mut retry_in = backoff.next_delay();
        if busy {
            retry_in = retry_in.max(settings.busy_wait);
        }
        tracing::info!(
            stream = kind.resource(),
            ?retry_in,
            "vumi stream down: {reason}"
        );
        let report = Report::Dropped {
            kind,
            reason,
            retry_in,
        };
        if reports.send(report).await.is_err() {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

enum Ended {
    Closed(String),
    ProviderGone,
}

/// One connection: open it, then read lines until it ends.
async fn connect(
    kind: StreamKind,
    rest: &RestClient,
    reports: &mpsc::Sender<Report>,
    lines: &mut LineAssembler,
    backoff: &mut Backoff,
) -> Result<Ended, VumiError> {
    let response = rest
        .request(Method::GET, kind.resource())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|err| rest.transport_error(kind.resource(), &err))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(VumiError::from_response(status, &body));
    }
    tracing::info!(stream = kind.resource(), "vumi stream open");
    if reports.send(Report::Connected(kind)).await.is_err() {
        return Ok(Ended::ProviderGone);
    }
    let mut body = response.bytes_stream();
    let mut heard = false;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(err) => {
                let lost = lines.pending();
                let err = rest.transport_error(kind.resource(), &err);
                return Ok(Ended::Closed(format!(
                    "{} stream broke ({err}); {lost} bytes of an unfinished line dropped",
                    kind.resource()
                )));
            }
        };
        for line in lines.push(&chunk) {
            let report = match line {
                Line::Text(text) => match parse_incoming(&text) {
                    Ok(incoming) => {
                        // A stream that delivers is healthy: the next drop starts small again.
                        if !heard {
                            heard = true;
                            backoff.reset();
                        }
                        Report::Incoming(incoming)
                    }
                    Err(reason) => Report::Garbage {
                        source: kind.resource().to_string(),
                        reason,
                    },
                },
                Line::TooLong { bytes } => Report::Garbage {
                    source: kind.resource().to_string(),
                    reason: format!("a line of {bytes} bytes is over the limit; skipped"),
                },
            };
            if reports.send(report).await.is_err() {
                return Ok(Ended::ProviderGone);
            }
        }
    }
    let lost = lines.pending();
    let reason = if lost > 0 {
        format!(
            "{} stream closed mid-line; {lost} bytes of an unfinished line dropped",
            kind.resource()
        )
    } else {
        format!("{} stream closed by the server", kind.resource())
    };
    Ok(Ended::Closed(reason))
}
