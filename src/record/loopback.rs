//! The reproducible demo's network: the Linktor provider, as every embedded inbox runs it, talks
//! to the demo hub's own router over in-process pipes that carry the real HTTP and WebSocket
//! bytes. The scripted outage cuts every pipe and refuses new ones until it ends.
//!
//! Why pipes and not 127.0.0.1? Reproducible demos run on tokio's paused clock, which jumps to
//! the next timer whenever every task waits, also while a kernel socket still has bytes in
//! flight; request timeouts would then fire at random. A pipe between tasks holds nothing
//! outside them, so the same events happen at the same virtual times on every run.

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use time::OffsetDateTime;
use tokio::io::DuplexStream;
use tokio::sync::watch;

use crate::hub::ops::HubState;
use crate::providers::kit::network::InProcessServer;

/// Bytes a pipe buffers each way before its writer waits for the reader.
const PIPE_BYTES: usize = 64 << 10;

/// The demo hub, reached without sockets.
pub struct HubNetwork {
    state: Arc<HubState>,
    router: axum::Router,
    down: watch::Receiver<bool>,
}

impl HubNetwork {
    /// The hub `state` behind its own routes; while `down` holds true the network is out.
    pub fn new(state: Arc<HubState>, down: watch::Receiver<bool>) -> Self {
        let router = crate::hub::rest::router(Arc::clone(&state));
        Self {
            state,
            router,
            down,
        }
    }
}

impl InProcessServer for HubNetwork {
    fn dial(&self) -> Result<DuplexStream, String> {
        if *self.down.borrow() {
            return Err("connection refused (the demo's network is down)".to_string());
        }
        // The provider's end, the hub's end, and a relay between them that the outage stops:
        // dropping the relay's ends closes both sides at once (as a reset, not a silent cable).
        let (provider_end, near) = tokio::io::duplex(PIPE_BYTES);
        let (far, hub_end) = tokio::io::duplex(PIPE_BYTES);
        let service = TowerToHyperService::new(self.router.clone());
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(hub_end), service)
                .with_upgrades()
                .await;
            if let Err(error) = served {
                tracing::debug!(%error, "demo hub connection ended");
            }
        });
        let mut down = self.down.clone();
        tokio::spawn(async move {
            let (mut near, mut far) = (near, far);
            tokio::select! {
                // A cut wins a tie with bytes to carry, whichever tokio would pick.
                biased;
                _ = down.wait_for(|down| *down) => {}
                _ = tokio::io::copy_bidirectional(&mut near, &mut far) => {}
            }
        });
        Ok(provider_end)
    }

    fn now(&self) -> OffsetDateTime {
        let nanos = i128::from(self.state.store.now_ns());
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
