//! The embedded hub (to be built).
