//! Each provider against a local fake of its platform on 127.0.0.1 (wire format, errors, paging,
//! reconnects, webhooks), and the receivers and clients facing a hostile network.
//! One test binary for the group, so the suite links a few binaries rather than dozens.

mod fakes;
mod support;

mod assist_server;
mod chatwoot_provider;
mod delivery_guarantees;
mod hostile_input;
mod hostile_network;
mod linktor_provider;
mod linktor_server_dialect;
mod linktor_webhooks;
mod receivers;
mod sinch_provider;
mod symbl_provider;
mod vumi_provider;
mod vumi_streams;
