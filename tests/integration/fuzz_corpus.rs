//! Issue 18: the fuzz targets' corpora, replayed on stable so CI keeps them. Each file
//! of `fuzz/corpus/<target>/` (seeds, and what `cargo fuzz` found worth keeping) and of
//! `fuzz/regressions/<target>/` (inputs that once crashed or broke a property) goes through
//! the same body the fuzzer runs (fuzz/harness.rs), properties included.

#[path = "../../fuzz/harness.rs"]
mod harness;

use crate::common::repo;

/// Runs `body` over every file of the target's corpus and regressions; returns how many.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["fuzz/corpus", "fuzz/regressions"] {
        let Ok(entries) = std::fs::read_dir(repo().join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn the_cloudtrail_decoder_corpus_replays() {
    assert!(replay("cloudtrail_decode", harness::cloudtrail_decode) >= 20);
}

#[test]
fn the_policy_corpus_replays() {
    assert!(replay("policy_eval", harness::policy_eval) >= 20);
}

#[test]
fn the_condition_corpus_replays() {
    assert!(replay("condition_ops", harness::condition_ops) >= 20);
}

#[test]
fn the_query_parameter_corpus_replays() {
    assert!(replay("query_params", harness::query_params) >= 10);
}
