//! What every provider's network code shares, so a new platform writes only its wire format:
//! the HTTP rules ([`http`]), the request policy with retries and credential renewal
//! ([`retry`]), one classification of failures ([`ErrorClass`]), a cached access token
//! ([`token`]), reconnect delays ([`backoff`]), the bounded body read ([`http::read_limited`]),
//! the task helpers ([`tasks`]) and a server reached inside the process ([`network`]).

pub mod backoff;
pub mod emit;
pub mod http;
pub mod network;
pub mod retry;
pub mod secret;
pub mod tasks;
pub mod token;

pub use retry::{Classify, Credentials, ErrorClass, Retry, RetryPolicy, StaticCredential};
