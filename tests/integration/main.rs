//! trailcut's integration tests: one binary, one module per area.

#![allow(clippy::unwrap_used)]

mod apply;
mod authz;
mod bench;
mod catalog;
mod cli;
mod collect;
mod common;
mod crash;
mod eval;
mod fuzz_corpus;
mod iac;
mod identity_center;
mod ingest;
mod last_accessed;
mod load;
mod lookup;
mod mapping_columns;
mod nesting;
mod outliers;
mod people;
mod policy;
mod policy_cli;
mod queries;
mod read_only;
mod report;
mod resources;
mod rollup;
mod s3;
mod scripts;
mod shell;
mod snapshots;
mod stats;
mod stratus;
mod tighten;
