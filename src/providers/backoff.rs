//! Reconnect backoff (to be built).
