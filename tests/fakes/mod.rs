//! Fakes of the platforms on 127.0.0.1, each reproducing its documented wire format with knobs
//! for the failures a provider must survive, all served by one skeleton ([`server`]).
#![allow(dead_code)]

pub mod chatwoot;
pub mod linktor;
pub mod openai;
pub mod server;
pub mod sinch;
pub mod symbl;
pub mod vumi;
