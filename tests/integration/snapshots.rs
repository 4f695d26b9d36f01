//! Readers see committed snapshots only (issue 18, finding 5): a writer killed at any step
//! of a compaction leaves readers with exact counts before anything reopens the store, a
//! query planned before a compaction reads its files to the end, and queries running in
//! a loop while ingests compact never fail and never count an event twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use trailcut::sql::Session;
use trailcut::store::Store;

use crate::common::scalar;

/// A generated trail split in two: every other file, so that both halves touch every day
/// and the second ingest compacts the files of the first.
struct Halves {
    _dir: tempfile::TempDir,
    first: Vec<PathBuf>,
    second: Vec<PathBuf>,
    total: i64,
}

fn halves(events: u64, seed: u64) -> Halves {
    let dir = tempfile::tempdir().unwrap();
    let options = trailcut::synth::GenOptions {
        events,
        out: dir.path().to_path_buf(),
        seed,
        days: 2,
        ..Default::default()
    };
    trailcut::synth::generate(&options, &|_| {}).unwrap();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir.path().join("AWSLogs"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    let (first, second) = files
        .iter()
        .cloned()
        .enumerate()
        .partition::<Vec<_>, _>(|(i, _)| i % 2 == 0);
    Halves {
        _dir: dir,
        first: first.into_iter().map(|(_, f)| f).collect(),
        second: second.into_iter().map(|(_, f)| f).collect(),
        total: events as i64,
    }
}

fn ingest_command(store: &Path, files: &[PathBuf]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("trailcut"));
    command
        .arg("--store")
        .arg(store)
        .args(["ingest", "--quiet"])
        .args(files)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Events, distinct event IDs and events counted by the rollup, as one reader sees them.
fn counts(store: &Path) -> (i64, i64, i64) {
    (
        scalar(store, "SELECT count(*) FROM events"),
        scalar(store, "SELECT count(DISTINCT eventid) FROM events"),
        scalar(
            store,
            "SELECT CAST(sum(events) AS BIGINT) FROM usage WHERE role = 'primary'",
        ),
    )
}

/// The store's data files, with sizes: what a writer left in place.
fn listing(store: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = walkdir::WalkDir::new(store)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e.path().strip_prefix(store).unwrap();
            (
                relative.to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .collect();
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Holds the store's write lock, as a running writer does: a reader then cannot repair
/// anything and sees only what the store committed.
fn hold_write_lock(store: &Path) -> std::fs::File {
    let file = std::fs::File::options()
        .write(true)
        .open(store.join("_trailcut/lock"))
        .unwrap();
    file.lock().unwrap();
    file
}

/// Where the failpoints of a writer sit, in the order an ingest reaches them.
const STEPS: &[&str] = &[
    "flush:rollup",
    "compact:written",
    "swap:journal",
    "swap:added",
    "swap:removed",
    "swap:done",
    "commit:written",
    "commit:done",
    "gc:collect",
];

/// Steps after which the run's events are committed.
const COMMITTED: &[&str] = &["commit:done", "gc:collect"];

#[test]
fn issue_18_a_kill_at_every_step_of_a_compaction_leaves_exact_counts() {
    let trail = halves(4_000, 5);
    let base = tempfile::tempdir().unwrap();
    assert!(
        ingest_command(base.path(), &trail.first)
            .status()
            .unwrap()
            .success()
    );
    let (before, _, _) = counts(base.path());
    assert!(before > 0 && before < trail.total, "{before}");

    let mut kills = 0;
    for step in STEPS {
        for hit in 1.. {
            let store = tempfile::tempdir().unwrap();
            copy_dir(base.path(), store.path());
            let status = ingest_command(store.path(), &trail.second)
                .env("TRAILCUT_FAILPOINT", format!("{step}#{hit}"))
                .status()
                .unwrap();
            if status.success() {
                // The run never reached this step that many times.
                assert!(hit > 1 || !COMMITTED.contains(step), "{step} never reached");
                break;
            }
            assert_eq!(
                status.code(),
                Some(trailcut::store::failpoint::EXIT_STATUS),
                "{step}#{hit}"
            );
            kills += 1;
            // Readers before anything reopens the store for writing.
            let expected = if COMMITTED.contains(step) {
                trail.total
            } else {
                before
            };
            {
                let _lock = hold_write_lock(store.path());
                assert_eq!(
                    counts(store.path()),
                    (expected, expected, expected),
                    "a reader after a kill at {step}#{hit}"
                );
            }
            // A re-run completes the work exactly and leaves nothing behind.
            assert!(
                ingest_command(store.path(), &trail.second)
                    .status()
                    .unwrap()
                    .success()
            );
            assert_eq!(
                counts(store.path()),
                (trail.total, trail.total, trail.total),
                "after a kill at {step}#{hit} and a re-run"
            );
            let left = listing(store.path());
            assert!(
                !left.iter().any(|(f, _)| f.ends_with(".tmp")
                    || f.contains("journal")
                    || f.starts_with("_trailcut/retired")),
                "after a kill at {step}#{hit} and a re-run: {left:?}"
            );
        }
    }
    assert!(kills >= STEPS.len(), "{kills} kills");
}

#[test]
fn issue_18_a_query_planned_before_a_compaction_reads_its_files_to_the_end() {
    let trail = halves(3_000, 7);
    let store = tempfile::tempdir().unwrap();
    assert!(
        ingest_command(store.path(), &trail.first)
            .status()
            .unwrap()
            .success()
    );
    let (before, _, _) = counts(store.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut session = Session::open(&Store::new(store.path())).await.unwrap();
        let ctx = session.context().clone();
        let mut plans = Vec::new();
        for sql in [
            "SELECT count(*) FROM events",
            "SELECT CAST(sum(events) AS BIGINT) FROM usage WHERE role = 'primary'",
        ] {
            let df = ctx.sql(sql).await.unwrap();
            plans.push(df.create_physical_plan().await.unwrap());
        }
        // Another process ingests and compacts every day the plans read.
        assert!(
            ingest_command(store.path(), &trail.second)
                .status()
                .unwrap()
                .success()
        );
        for plan in plans {
            let batches = datafusion::physical_plan::collect(plan, ctx.task_ctx())
                .await
                .unwrap_or_else(|e| panic!("a plan made before the compaction: {e}"));
            let n = batches[0]
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap()
                .value(0);
            assert_eq!(n, before);
        }
        // The session keeps reading what it opened, until it moves to the last commit (as
        // the shell does before each statement).
        let count = |batches: Vec<arrow::array::RecordBatch>| {
            batches[0]
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap()
                .value(0)
        };
        let sql = "SELECT count(*) FROM events";
        assert_eq!(count(session.run(sql).await.unwrap()), before);
        assert!(store.path().join("_trailcut/retired").exists());
        session.refresh().await.unwrap();
        assert_eq!(count(session.run(sql).await.unwrap()), trail.total);
    });
    // A new reader sees the compacted store; the replaced files are gone once no reader
    // holds them and a writer has opened the store.
    assert_eq!(
        counts(store.path()),
        (trail.total, trail.total, trail.total)
    );
    Store::new(store.path()).open_for_write().unwrap();
    assert!(
        !store.path().join("_trailcut/retired").exists(),
        "{:?}",
        listing(store.path())
    );
}

#[test]
fn issue_18_queries_in_a_loop_while_ingests_compact_never_fail() {
    let trail = halves(6_000, 9);
    let store = tempfile::tempdir().unwrap();
    // Four ingests of interleaved quarters of the trail: each one compacts both days.
    let quarters: Vec<Vec<PathBuf>> = [&trail.first, &trail.second]
        .iter()
        .flat_map(|half| {
            let (a, b): (Vec<_>, Vec<_>) = half
                .iter()
                .cloned()
                .enumerate()
                .partition(|(i, _)| i % 2 == 0);
            [
                a.into_iter().map(|(_, f)| f).collect::<Vec<_>>(),
                b.into_iter().map(|(_, f)| f).collect(),
            ]
        })
        .collect();
    assert!(
        ingest_command(store.path(), &quarters[0])
            .status()
            .unwrap()
            .success()
    );
    let done = std::sync::atomic::AtomicBool::new(false);
    let (queries, failures) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for quarter in &quarters[1..] {
                // Checkpoints every batch: commits in the middle of a run as well.
                let status = ingest_command(store.path(), quarter)
                    .args(["--checkpoint-secs", "0"])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let rt = tokio::runtime::Runtime::new().unwrap();
        let mut queries = 0;
        let mut failures = Vec::new();
        let mut last = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let seen: datafusion::error::Result<Vec<i64>> = rt.block_on(async {
                let session = Session::open(&Store::new(store.path())).await?;
                let mut values = Vec::new();
                for sql in [
                    "SELECT count(*) FROM events",
                    "SELECT count(DISTINCT eventid) FROM events",
                    "SELECT CAST(sum(events) AS BIGINT) FROM usage WHERE role = 'primary'",
                ] {
                    let batches = session.run(sql).await?;
                    let value = batches[0]
                        .column(0)
                        .as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .map(|a| a.value(0));
                    values.push(value.unwrap_or(-1));
                }
                datafusion::error::Result::Ok(values)
            });
            queries += 1;
            match seen {
                Ok(values) => {
                    assert_eq!(values[0], values[1], "an event counted twice: {values:?}");
                    assert_eq!(values[0], values[2], "events and rollup differ: {values:?}");
                    assert!(
                        values[0] >= last,
                        "the count went back: {values:?} after {last}"
                    );
                    last = values[0];
                }
                Err(e) => failures.push(e.to_string()),
            }
        }
        writer.join().unwrap();
        (queries, failures)
    });
    assert!(
        failures.is_empty(),
        "{} of {queries} queries failed: {failures:?}",
        failures.len()
    );
    assert!(queries > 0);
    eprintln!("{queries} queries while 3 ingests compacted, none failed");
    assert_eq!(
        counts(store.path()),
        (trail.total, trail.total, trail.total)
    );
}
