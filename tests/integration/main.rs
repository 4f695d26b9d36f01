//! trailcut's integration tests: one binary, one module per area.

mod cli;
mod common;
mod crash;
mod ingest;
mod queries;
mod shell;
mod stratus;
