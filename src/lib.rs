//! trailcut: least privilege for AWS from CloudTrail evidence.
//!
//! Data flows one way:
//!
//! ```text
//! sources (files, S3, LookupEvents; IAM, Organizations and last-accessed outputs)
//!     -> ingest::source   find the objects, skip digests and what the manifest has
//!     -> ingest::decode   gunzip, any JSON shape, one parse, records borrowed from the buffer
//!     -> ingest::batch    validate, derive principal_arn/account_id/event_date, Arrow builders
//!     -> store::writer    de-duplicate by eventID, buffer per day, zstd Parquet files in call order
//!     -> store::usage     the rollup beside each events file
//!     -> store::manifest  record each source object last, so a crash is repaired by a re-run
//! store -> sql (DataFusion: store::tables, named queries in queries/*.sql) -> usage tables
//! store -> sql::tighten::SqlEvidence -> tighten::tighten -> Tightened -> report, plan.json, apply.sh
//! ```
//!
//! The core is pure and synchronous (no tokio, DataFusion or AWS SDK types), each module
//! below the next: `catalog` is the embedded IAM action catalogue (lookups and wildcard
//! expansion). `mapping` turns a CloudTrail call into the IAM actions it needed, saying which
//! rule decided and never guessing. `policy` is the IAM policy language: documents parsed into
//! validated types, written back as read, and expanded into the catalogue's actions.
//! `eval` decides
//! one request as AWS does (explicit deny, SCPs level by level, identity policies, boundary),
//! names the statements that decided, and reports conditions on keys the request does not
//! show as undetermined; `eval::principal` holds a principal's policies. `request` turns a
//! CloudTrail event into the requests it made (condition keys, resources, dependent
//! actions), reading its raw JSON through one accessor that parses it once, for ingest's
//! mapping columns, the evaluator, the replay, the rollup and `map`. `tighten` cuts policies down to what was
//! used: one call (`tighten::tighten`, `tighten::tighten_scp`) takes a request and an
//! `EvidenceSource` and returns the typed result every output is written from.
//!
//! The IAM side of the store: `ingest::authz` (account authorization details, one snapshot
//! per account), `ingest::org` (AWS Organizations outputs) and `ingest::last_accessed`
//! (Access Advisor reports), read back for a principal by `sql::iam`.
//!
//! `nesting` bounds how deeply any JSON read from users may nest (policies, AWS outputs),
//! checked before a parser recurses or builds a tree. `cores` is the semaphore that makes
//! `--threads N` mean N cores.
//!
//! `cli` turns command-line flags into one library call per verb and prints the results;
//! `synth` writes synthetic trails with their ground truth for tests and benchmarks.
//! ARCHITECTURE.md has the map file by file, and where to add a new output or scope.

/// `eprintln!` for the whole library, shadowing std's (a `macro_rules!` in textual scope
/// comes before the prelude's): std's panics when stderr is closed or full
/// (`trailcut ingest ... 2>&1 | head -1`), which in a decoding thread aborted an ingest with
/// nothing stored. This one drops the line instead; the command goes on and its exit status
/// follows the usual rules.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod catalog;
pub mod cli;
pub mod cores;
pub mod eval;
pub mod identity;
pub mod ingest;
pub mod mapping;
pub mod nearest;
pub mod nesting;
pub mod policy;
pub mod report;
pub mod request;
pub mod sql;
pub mod store;
pub mod synth;
#[cfg(test)]
mod testing;
pub mod tighten;
