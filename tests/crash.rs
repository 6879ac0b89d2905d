//! Replies survive SIGKILL: the real binary is killed at each stage of a send, with the shared
//! crash harness.
//! One test binary for the group, so the suite links a few binaries rather than dozens.

mod fakes;
mod support;

mod outbox_crash;
mod sinch_crash;
