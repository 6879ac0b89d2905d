//! The demo simulator (stub).
use std::sync::Arc;
use super::ops::HubState;
use super::DemoConfig;
pub fn seed_history(_state: &HubState, _seed: u64) -> super::store::StoreResult<()> { Ok(()) }
pub async fn run(_state: Arc<HubState>, _demo: DemoConfig) {}
