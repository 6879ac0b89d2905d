//! Linktor: REST + WebSocket, built to the SDK contract (`../shared/protocols.md` §2.1).

pub mod wire;
