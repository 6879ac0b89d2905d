//! The contracts between the pure core and the IO around it: what providers tell the app and
//! are told ([`provider`]), what the store is asked and answers ([`store`]), and what the
//! assistant is asked and answers ([`assist`]). Plain data over the model: no IO, no runtime,
//! so the reducer can import them and nothing else of the IO modules.

pub mod assist;
pub mod provider;
pub mod search;
pub mod store;
