//! trailcut's integration tests: one binary, one module per area.

mod common;
mod ingest;
mod queries;
mod stratus;
