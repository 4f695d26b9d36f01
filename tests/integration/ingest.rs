//! Ingest behaviour on realistic input: idempotence, de-duplication across overlapping
//! sources, bad input reported with its position while the rest is stored, compaction,
//! and the command line's summary and exit status.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use trailcut::ingest::{IngestOptions, Quiet, ingest_paths};
use trailcut::store::Store;

use crate::common::{ingest, sample_trail, scalar, trailcut};

/// The sample trail's log files (not digests), sorted.
fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(sample_trail())
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file() && p.to_string_lossy().contains("/CloudTrail/"))
        .collect();
    files.sort();
    files
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

fn distinct_ids(store: &Path) -> i64 {
    scalar(store, "SELECT count(DISTINCT eventid) FROM events")
}

#[test]
fn ingesting_the_same_tree_twice_adds_nothing() {
    let store = tempfile::tempdir().unwrap();
    let first = ingest(store.path(), &[sample_trail()]);
    assert_eq!(first.files, 1694);
    assert_eq!(first.files_ingested, 1694);
    assert_eq!(first.digests_skipped, 3);
    assert_eq!(first.events_stored, 5380);
    assert_eq!(first.duplicates, 0);
    let second = ingest(store.path(), &[sample_trail()]);
    assert_eq!(second.files_unchanged, 1694);
    assert_eq!(second.files_ingested, 0);
    assert_eq!(second.events_stored, 0);
    assert_eq!(scalar(store.path(), "SELECT count(*) FROM events"), 5380);
    assert_eq!(scalar(store.path(), "SELECT count(*) FROM manifest"), 1694);
}

#[test]
fn overlapping_sources_store_each_event_once() {
    // The same events arrive three ways: CloudTrail's files, the same records as
    // uncompressed NDJSON, and as LookupEvents output (at-least-once delivery, overlap).
    let files = sample_files();
    let extra = tempfile::tempdir().unwrap();
    let mut ndjson = String::new();
    let mut lookup = Vec::new();
    for path in files.iter().take(200) {
        let doc: serde_json::Value = serde_json::from_str(&gunzip(path)).unwrap();
        for record in doc["Records"].as_array().unwrap() {
            ndjson.push_str(&record.to_string());
            ndjson.push('\n');
            lookup.push(serde_json::json!({
                "EventId": record["eventID"],
                "EventName": record["eventName"],
                "CloudTrailEvent": record.to_string(),
            }));
        }
    }
    let overlap_events = ndjson.lines().count() as u64;
    std::fs::write(extra.path().join("copy.ndjson"), &ndjson).unwrap();
    std::fs::write(
        extra.path().join("lookup.json.gz"),
        gzip(
            serde_json::json!({ "Events": lookup })
                .to_string()
                .as_bytes(),
        ),
    )
    .unwrap();

    let store = tempfile::tempdir().unwrap();
    let report = ingest(store.path(), &[sample_trail(), extra.path().to_path_buf()]);
    assert_eq!(report.events_read, 5380 + 2 * overlap_events);
    assert_eq!(report.events_stored, 5380);
    assert_eq!(report.duplicates, 2 * overlap_events);
    assert_eq!(scalar(store.path(), "SELECT count(*) FROM events"), 5380);
    assert_eq!(distinct_ids(store.path()), 5380);
}

#[test]
fn bad_input_is_reported_and_the_rest_is_stored() {
    let files = sample_files();
    let dir = tempfile::tempdir().unwrap();
    // A good file.
    std::fs::copy(&files[0], dir.path().join("good.json.gz")).unwrap();
    let good_events =
        serde_json::from_str::<serde_json::Value>(&gunzip(&files[0])).unwrap()["Records"]
            .as_array()
            .unwrap()
            .len() as i64;
    // A truncated gzip.
    let bytes = std::fs::read(&files[1]).unwrap();
    std::fs::write(
        dir.path().join("truncated.json.gz"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    // Invalid JSON in the third record.
    std::fs::write(
        dir.path().join("invalid.json"),
        r#"{"Records":[{"eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"A","eventID":"x1"},
{"eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"B","eventID":"x2"},
{"eventTime":"2026-01-01T00:00:00Z","eventSource": }]}"#,
    )
    .unwrap();
    // A record without eventTime among good ones: the file is kept, the record skipped.
    std::fs::write(
        dir.path().join("missing.json"),
        r#"[{"eventTime":"2026-01-02T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"A","eventID":"y1"},
{"eventSource":"s3.amazonaws.com","eventName":"B","eventID":"y2"},
{"eventTime":"2026-01-02T00:00:01Z","eventSource":"s3.amazonaws.com","eventName":"C","eventID":"y3"}]"#,
    )
    .unwrap();

    let store = tempfile::tempdir().unwrap();
    let output = trailcut()
        .args(["--store"])
        .arg(store.path())
        .arg("ingest")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("truncated.json.gz`: corrupt gzip stream"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid.json`: record 3: invalid JSON at line 3 column"),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing.json`: record 2: missing `eventTime`"),
        "{stderr}"
    );
    assert!(stdout.contains("malformed records skipped"), "{stdout}");
    assert!(stdout.contains("files that could not be read"), "{stdout}");
    assert_eq!(
        scalar(store.path(), "SELECT count(*) FROM events"),
        good_events + 2
    );

    // Nothing already stored is damaged, and fixing the input completes the work.
    std::fs::copy(&files[1], dir.path().join("truncated.json.gz")).unwrap();
    let again = trailcut()
        .args(["--store"])
        .arg(store.path())
        .args(["ingest", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["files_unchanged"], 2, "{report}");
    assert_eq!(report["files_failed"], 1, "{report}");
    assert_eq!(again.status.code(), Some(1));
    let fixed_events =
        serde_json::from_str::<serde_json::Value>(&gunzip(&files[1])).unwrap()["Records"]
            .as_array()
            .unwrap()
            .len() as i64;
    assert_eq!(
        scalar(store.path(), "SELECT count(*) FROM events"),
        good_events + 2 + fixed_events
    );
}

#[test]
fn small_writes_are_compacted_and_files_stay_in_call_order() {
    let files = sample_files();
    let store = tempfile::tempdir().unwrap();
    // Three ingests of overlapping thirds, each with a tiny memory budget that forces
    // many flushes per day.
    let options = IngestOptions {
        writer: trailcut::store::writer::WriterOptions {
            memory_budget: 64 * 1024,
            ..Default::default()
        },
        ..IngestOptions::default()
    };
    for chunk in files.chunks(500) {
        let dir = tempfile::tempdir().unwrap();
        for (i, f) in chunk.iter().enumerate() {
            std::fs::copy(f, dir.path().join(format!("{i}.json.gz"))).unwrap();
        }
        ingest_paths(
            &Store::new(store.path()),
            &[dir.path().to_path_buf()],
            &options,
            &Quiet,
        )
        .unwrap();
    }
    assert_eq!(scalar(store.path(), "SELECT count(*) FROM events"), 5380);
    assert_eq!(distinct_ids(store.path()), 5380);
    let events = store.path().join("events");
    for day in std::fs::read_dir(&events).unwrap() {
        let day = day.unwrap().path();
        let parquet: Vec<PathBuf> = trailcut::store::parquet_files(&day).unwrap();
        assert_eq!(
            parquet.len(),
            1,
            "{} has {} files",
            day.display(),
            parquet.len()
        );
        // In the order the writer promises: call, caller, time.
        use arrow::array::Array;
        let mut last: Option<(String, String, Option<String>, i64)> = None;
        let columns = ["eventsource", "eventname", "principal_arn", "eventtime"];
        for batch in
            trailcut::store::parquet_io::open_reader(&parquet[0], 1024, Some(&columns)).unwrap()
        {
            let batch = batch.unwrap();
            let text = |name: &str| {
                batch
                    .column_by_name(name)
                    .unwrap()
                    .as_any()
                    .downcast_ref::<arrow::array::StringArray>()
                    .unwrap()
                    .clone()
            };
            let (sources, names, principals) = (
                text("eventsource"),
                text("eventname"),
                text("principal_arn"),
            );
            let times = batch
                .column_by_name("eventtime")
                .unwrap()
                .as_any()
                .downcast_ref::<arrow::array::TimestampMicrosecondArray>()
                .unwrap();
            for row in 0..batch.num_rows() {
                let key = (
                    sources.value(row).to_owned(),
                    names.value(row).to_owned(),
                    principals
                        .is_valid(row)
                        .then(|| principals.value(row).to_owned()),
                    times.value(row),
                );
                if let Some(last) = &last {
                    assert!(
                        *last <= key,
                        "{} is out of order: {last:?} before {key:?}",
                        parquet[0].display()
                    );
                }
                last = Some(key);
            }
        }
    }
    // No temporary or journal files are left behind.
    let leftovers: Vec<_> = walkdir::WalkDir::new(store.path())
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp") || p.ends_with("journal.json"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_missing_path_is_an_error_with_its_name_and_leaves_no_store() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let output = trailcut()
        .arg("--store")
        .arg(&store)
        .args(["ingest", "/no/such/trail"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`/no/such/trail`"));
    assert!(!store.exists(), "no empty store left behind");
}

/// Issue 18, finding 7: gzip bombs among good files cost at most the memory budget; each
/// is reported by name and the good files are stored.
#[test]
fn issue_18_gzip_bombs_cost_at_most_the_memory_budget() {
    let files = sample_files();
    let dir = tempfile::tempdir().unwrap();
    let mut good_events = 0;
    for (i, path) in files.iter().take(20).enumerate() {
        std::fs::copy(path, dir.path().join(format!("good-{i}.json.gz"))).unwrap();
        good_events += serde_json::from_str::<serde_json::Value>(&gunzip(path)).unwrap()["Records"]
            .as_array()
            .unwrap()
            .len() as i64;
    }
    // 64 MiB of zeros in one gzip member (some 64 KB).
    std::fs::write(dir.path().join("zeros.json.gz"), gzip(&vec![0; 64 << 20])).unwrap();
    // `{"Records":[` and a GiB of spaces, as 1,025 members (about 1 MB): valid JSON up to
    // the point where memory would run out.
    let mut spaces = gzip(b"{\"Records\":[");
    let mib = gzip(&vec![b' '; 1 << 20]);
    for _ in 0..1024 {
        spaces.extend_from_slice(&mib);
    }
    std::fs::write(dir.path().join("spaces.json.gz"), &spaces).unwrap();
    // Uncompressed and larger than one file may be: not even read.
    let mut big = b"{\"Records\":[".to_vec();
    big.resize(17 << 20, b' ');
    big.extend(b"]}");
    std::fs::write(dir.path().join("big.json"), &big).unwrap();

    let store = tempfile::tempdir().unwrap();
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["ingest", "--json", "--threads", "2", "--memory-mib", "64"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // A quarter of --memory-mib 64 is the most one file may decompress to.
    for name in ["zeros.json.gz", "spaces.json.gz"] {
        assert!(
            stderr.contains(&format!(
                "skipping `{}`: decompresses to more than 16 MiB, the most one file may take",
                dir.path().join(name).display()
            )),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("big.json`: 18 MiB is more than the 16 MiB one file may take"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["files_failed"], 3, "{report}");
    assert_eq!(report["files_ingested"], 20, "{report}");
    assert_eq!(
        scalar(store.path(), "SELECT count(*) FROM events"),
        good_events
    );
    // Decompressing the whitespace alone would take a GiB.
    let peak = report["peak_rss_bytes"].as_u64().unwrap();
    assert!(peak < 512 << 20, "peak RSS {} MiB", peak >> 20);
}

/// Issue 18, finding 8: a record that does not decode (a field of the wrong type, bytes
/// that are not UTF-8, nesting without end) is skipped with its position; the rest of its
/// file is stored.
#[test]
fn issue_18_one_bad_record_costs_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    let breaks = 4;
    let mut written = 0;
    for path in sample_files() {
        let mut doc: serde_json::Value = serde_json::from_str(&gunzip(&path)).unwrap();
        let records = doc["Records"].as_array_mut().unwrap();
        if records.len() < 3 {
            continue;
        }
        total += records.len() as i64;
        let second = &mut records[1];
        match written {
            0 => second["tlsDetails"] = serde_json::json!(["TLSv1.2"]),
            1 => second["userIdentity"] = serde_json::json!("AIDAEXAMPLE"),
            2 => second["userAgent"] = serde_json::json!("MARKER"),
            _ => second["requestParameters"] = serde_json::json!("MARKER"),
        }
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        let text = doc.to_string().replace(
            "\"MARKER\"",
            if written == 2 { "\"caf\u{1}\"" } else { &deep },
        );
        // A Latin-1 byte where UTF-8 was expected.
        let bytes: Vec<u8> = text
            .into_bytes()
            .into_iter()
            .map(|b| if b == 1 { 0xe9 } else { b })
            .collect();
        std::fs::write(
            dir.path().join(format!("bad-{written}.json.gz")),
            gzip(&bytes),
        )
        .unwrap();
        written += 1;
        if written == breaks {
            break;
        }
    }

    let store = tempfile::tempdir().unwrap();
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .arg("ingest")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for (file, message) in [
        (
            0,
            "invalid type: sequence, expected an object at `tlsDetails`",
        ),
        (
            1,
            "invalid type: string \"AIDAEXAMPLE\", expected an object at `userIdentity`",
        ),
        (2, "not UTF-8 text at byte"),
        (3, "nested more than 100 levels deep at `requestParameters`"),
    ] {
        assert!(
            stderr.contains(&format!("bad-{file}.json.gz`: record 2: {message}")),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("invalid JSON"), "{stderr}");
    assert_eq!(
        scalar(store.path(), "SELECT count(*) FROM events"),
        total - breaks
    );
}

/// Issue 18, finding 10: an eventID seen again with other content was dropped without a
/// word. A re-delivery (same content under another file name) is still a silent duplicate;
/// an event reusing a stored eventID with another name, or a new eventID given to two events
/// of different times in one file, is left out with a warning naming it, the first kept.
#[test]
fn an_event_id_reused_by_another_event_is_named() {
    let store = tempfile::tempdir().unwrap();
    let file = sample_files().into_iter().next().unwrap();
    ingest(store.path(), std::slice::from_ref(&file));
    let before = scalar(store.path(), "SELECT count(*) FROM events");
    let text: serde_json::Value = serde_json::from_str(&gunzip(&file)).unwrap();
    let records = text["Records"].as_array().unwrap().clone();
    let inputs = tempfile::tempdir().unwrap();
    let redelivered = inputs.path().join("redelivered.json");
    std::fs::write(
        &redelivered,
        serde_json::json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let mut renamed = records[0].clone();
    let id = renamed["eventID"].as_str().unwrap().to_owned();
    renamed["eventName"] = "DeleteBucket".into();
    let mut first = records[0].clone();
    first["eventID"] = "7d1e4f7a-2c1b-4a8e-9f00-0123456789ab".into();
    let mut second = first.clone();
    // Another second of the same day: ids are unique within a day partition.
    let time = first["eventTime"].as_str().unwrap().to_owned();
    let last = if time.as_bytes()[18] == b'1' {
        "2"
    } else {
        "1"
    };
    second["eventTime"] = format!("{}{last}{}", &time[..18], &time[19..]).into();
    let reused = inputs.path().join("reused.json");
    std::fs::write(
        &reused,
        serde_json::json!({ "Records": [renamed, first, second] }).to_string(),
    )
    .unwrap();
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["ingest", "--json"])
        .arg(&redelivered)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["ingest", "--json"])
        .arg(&reused)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["conflicting_ids"], 2, "{report}");
    assert_eq!(report["events_stored"], 1, "{report}");
    assert!(
        stderr.contains(&format!("event `{id}` (DeleteBucket at ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("event `7d1e4f7a-2c1b-4a8e-9f00-0123456789ab` ("),
        "{stderr}"
    );
    assert_eq!(
        scalar(store.path(), "SELECT count(*) FROM events"),
        before + 1
    );
    assert_eq!(
        scalar(
            store.path(),
            &format!(
                "SELECT count(*) FROM events WHERE eventid = '{id}' AND eventname = 'DeleteBucket'"
            )
        ),
        0
    );
}
