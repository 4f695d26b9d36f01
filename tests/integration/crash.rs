//! An ingest killed with SIGKILL at any moment leaves a store that a re-run completes
//! with exact counts: no event lost, none stored twice.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::scalar;

#[test]
fn an_ingest_killed_at_any_moment_is_completed_by_a_rerun() {
    let trail = tempfile::tempdir().unwrap();
    let options = trailcut::synth::GenOptions {
        events: 30_000,
        out: trail.path().to_path_buf(),
        seed: 11,
        days: 6,
        ..Default::default()
    };
    let summary = trailcut::synth::generate(&options, &|_| {}).unwrap();
    assert_eq!(summary.events, 30_000);
    let binary = assert_cmd::cargo::cargo_bin("trailcut");
    let ingest = |store: &std::path::Path| {
        let mut command = Command::new(&binary);
        command
            .arg("--store")
            .arg(store)
            // A small memory budget: many flushes and a compaction per day, so kills land
            // in every phase (decoding, flushing, compacting, writing the manifest).
            .args(["ingest", "--quiet", "--memory-mib", "16"])
            .arg(trail.path().join("AWSLogs"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };

    // How long a whole run takes here, to spread the kills over it.
    let reference = tempfile::tempdir().unwrap();
    let started = Instant::now();
    assert!(ingest(reference.path()).status().unwrap().success());
    let full = started.elapsed();
    assert_eq!(
        scalar(reference.path(), "SELECT count(*) FROM events"),
        30_000
    );

    for fraction in [0.15, 0.35, 0.55, 0.75, 0.9, 0.97] {
        let store = tempfile::tempdir().unwrap();
        let mut child = ingest(store.path()).spawn().unwrap();
        std::thread::sleep(Duration::from_secs_f64(full.as_secs_f64() * fraction));
        let _ = child.kill();
        child.wait().unwrap();
        // The re-run completes the work exactly.
        let status = ingest(store.path()).status().unwrap();
        assert!(status.success(), "re-run after a kill at {fraction} failed");
        let events = scalar(store.path(), "SELECT count(*) FROM events");
        let distinct = scalar(store.path(), "SELECT count(DISTINCT eventid) FROM events");
        assert_eq!(
            (events, distinct),
            (30_000, 30_000),
            "after a kill at {fraction} of the run"
        );
        let sources = scalar(store.path(), "SELECT count(DISTINCT path) FROM manifest");
        assert_eq!(
            sources as u64, summary.files,
            "after a kill at {fraction} of the run"
        );
        // A third run has nothing left to do.
        let report = Command::new(&binary)
            .arg("--store")
            .arg(store.path())
            .args(["ingest", "--json"])
            .arg(trail.path().join("AWSLogs"))
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(report["events_stored"], 0);
        assert_eq!(report["files_ingested"], 0);
    }
}
