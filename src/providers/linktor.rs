//! Linktor provider (to be built).
