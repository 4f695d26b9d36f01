//! trailcut's integration tests: one binary, one module per area.

#![allow(clippy::unwrap_used)]

mod catalog;
mod cli;
mod common;
mod crash;
mod ingest;
mod mapping_columns;
mod queries;
mod shell;
mod stratus;
