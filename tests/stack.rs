//! The whole stack: the embedded hub, the real providers and the event loop, the binary run as a
//! user would run it, the local store, and secrets kept out of every output.
//! One test binary for the group, so the suite links a few binaries rather than dozens.

mod fakes;
mod support;

mod bad_input;
mod end_to_end;
mod event_loop;
mod hub_api;
mod linktor_contacts;
mod linktor_sdk_contract;
mod offline_cache;
mod secrets;
mod secrets_all_providers;
mod team_on_one_hub;
mod terminal_hangup;
mod vumi_inbox;
