//! Dialogue scripts (stub).
