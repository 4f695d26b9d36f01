//! Issue 18, findings 3 and 8: one outlier eventTime moved every window (an event dated
//! 9999 emptied the window, one dated 1970 defeated the partial-trail guard), impossible
//! dates were carried into the next month, leap seconds into the next day, and SIEM-style
//! times were refused. Outliers are now stored apart and reported, impossible times cost
//! their record, and SIEM times are read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Value, json};
use trailcut::cli::demo::STORIES;
use trailcut::ingest::batch::EventBatchBuilder;
use trailcut::ingest::decode::decode_str;
use trailcut::ingest::plausible::{Clock, TimeBounds};
use trailcut::ingest::{IngestOptions, Quiet, ingest_paths};
use trailcut::sql::named;
use trailcut::sql::tighten::{newest_evidence, trail_bounds, trail_spans};
use trailcut::store::Store;
use trailcut::store::writer::{EventWriter, WriterOptions};

use crate::common::{rows, sample_store, scalar, trailcut};

/// A copy of the sample store (trail, IAM, organisation, reports) to add outliers to.
fn sample_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let from = sample_store();
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let to = copy.path().join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    copy
}

/// A call by a member of the Development group, on a service its policies allow and the
/// window does not show it using (a use would keep the service).
fn record(time: &str, id: &str, user: &str, source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEOUTLIER01",
            "arn": format!("arn:aws:iam::123456789012:user/{user}"),
            "accountId": "123456789012",
            "userName": user,
        },
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management",
    })
}

fn write_records(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, json!({ "Records": records }).to_string()).unwrap();
}

/// Where a CloudTrail log file delivered at 2026-11-15T12:00Z sits in a downloaded tree.
fn delivered_file(dir: &Path) -> PathBuf {
    dir.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/15/123456789012_CloudTrail_us-east-1_20261115T1200Z_OutlierTestFile01.json")
}

/// Runs `trailcut tighten ARGS --json` on `store`: the exit code and the plan.
fn plan(store: &Path, args: &[&str]) -> (i32, Value) {
    let output = trailcut()
        .arg("--store")
        .arg(store)
        .arg("tighten")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    assert!(
        code != 2,
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, serde_json::from_slice(&output.stdout).unwrap())
}

/// The seed's first and fourth stories, as the demo runs them.
const DEVELOPMENT: &[&str] = STORIES[0].args;
const SCP: &[&str] = STORIES[3].args;

/// The plans of the sample store, computed once.
fn baseline(args: &'static [&'static str]) -> Value {
    type Plans = Vec<(&'static [&'static str], Value)>;
    static PLANS: std::sync::Mutex<Plans> = std::sync::Mutex::new(Vec::new());
    let mut plans = PLANS.lock().unwrap();
    if let Some((_, plan)) = plans.iter().find(|(a, _)| *a == args) {
        return plan.clone();
    }
    let (code, plan) = self::plan(sample_store(), args);
    assert_eq!(code, 0, "{args:?}");
    plans.push((args, plan.clone()));
    plan
}

#[test]
fn issue_18_events_dated_9999_and_1970_move_no_window_and_are_reported() {
    let store = sample_copy();
    let input = tempfile::tempdir().unwrap();
    let file = delivered_file(input.path());
    write_records(
        &file,
        &[
            record(
                "9999-12-31T23:59:59Z",
                "0e3f3a56-0000-4000-8000-000000009999",
                "dev-ana",
                "lambda.amazonaws.com",
                "CreateFunction20150331",
            ),
            record(
                "1970-01-01T00:00:00Z",
                "0e3f3a56-0000-4000-8000-000000001970",
                "dev-raj",
                "dms.amazonaws.com",
                "DescribeReplicationInstances",
            ),
        ],
    );
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("events with implausible times"), "{stdout}");
    let canonical = file.canonicalize().unwrap();
    let shown = canonical.display();
    assert!(
        stdout.contains(&format!(
            "`{shown}`: record 1: `eventTime` `9999-12-31T23:59:59Z` is more than a day after \
             its file was delivered (2026-11-15T12:00:00Z): after 2026-11-16T12:00:00Z"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "`{shown}`: record 2: `eventTime` `1970-01-01T00:00:00Z` is before CloudTrail \
             began (2013-11-01T00:00:00Z)"
        )),
        "{stdout}"
    );
    // Stored apart, where SQL finds them, and not among the events.
    let apart = rows(
        store.path(),
        "SELECT eventid, record, source FROM outliers ORDER BY record",
    );
    let got: Vec<(&str, i64)> = apart
        .iter()
        .map(|r| {
            (
                r["eventid"].as_str().unwrap(),
                r["record"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("0e3f3a56-0000-4000-8000-000000009999", 1),
            ("0e3f3a56-0000-4000-8000-000000001970", 2)
        ]
    );
    assert_eq!(apart[0]["source"], canonical.to_string_lossy().as_ref());
    assert_eq!(
        scalar(
            store.path(),
            "SELECT count(*) FROM events WHERE eventtime < TIMESTAMP '2013-11-01T00:00:00Z' \
             OR eventtime > TIMESTAMP '2027-01-01T00:00:00Z'"
        ),
        0
    );
    // Neither moves a window or a plan, in IAM or SCP mode.
    for args in [DEVELOPMENT, SCP] {
        let (code, plan) = plan(store.path(), args);
        assert_eq!(code, 0, "{args:?}");
        assert_eq!(plan["window"], baseline(args)["window"], "{args:?}");
        assert_eq!(plan, baseline(args), "{args:?}");
    }
    // The 1970 event does not make the trail look as if it covered 200 days back.
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["tighten", "--group", "Development", "--days", "200"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the trail of account 123456789012 covers 2026-07-19",
        ));
    // The manifest has the file: reading it again adds nothing.
    let again = ingest_paths(
        &Store::new(store.path()),
        std::slice::from_ref(&file),
        &IngestOptions::default(),
        &Quiet,
    )
    .unwrap();
    assert_eq!((again.files_unchanged, again.outliers), (1, 0));
    assert_eq!(scalar(store.path(), "SELECT count(*) FROM outliers"), 2);
}

#[test]
fn issue_18_impossible_dates_and_leap_seconds_cost_their_record_only() {
    let store = tempfile::tempdir().unwrap();
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("odd-times.json");
    let user = "dev-ana";
    write_records(
        &file,
        &[
            record(
                "2026-02-28T10:00:00Z",
                "a",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "2026-02-30T10:00:00Z",
                "b",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "9999-12-31T23:59:60Z",
                "c",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "2026-13-01T00:00:00Z",
                "d",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "2026-03-01T24:00:00Z",
                "e",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "2026-03-02T10:00:00Z",
                "f",
                user,
                "s3.amazonaws.com",
                "ListBuckets",
            ),
        ],
    );
    let output = trailcut()
        .arg("--store")
        .arg(store.path())
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let canonical = file.canonicalize().unwrap();
    let shown = canonical.display();
    for expected in [
        format!(
            "skipping `{shown}`: record 2: `eventTime` `2026-02-30T10:00:00Z` names day 30 of \
             2026-02, which does not exist"
        ),
        format!(
            "skipping `{shown}`: record 3: `eventTime` `9999-12-31T23:59:60Z` is a leap second \
             (second 60): refused rather than moved into the next minute or day"
        ),
        format!(
            "skipping `{shown}`: record 4: `eventTime` `2026-13-01T00:00:00Z` names month 13, \
             which does not exist"
        ),
        format!(
            "skipping `{shown}`: record 5: `eventTime` `2026-03-01T24:00:00Z` names hour 24, \
             which does not exist"
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
    let stored = rows(
        store.path(),
        "SELECT eventid, CAST(date AS VARCHAR) AS day FROM events ORDER BY eventid",
    );
    let got: Vec<(&str, &str)> = stored
        .iter()
        .map(|r| (r["eventid"].as_str().unwrap(), r["day"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("a", "2026-02-28"), ("f", "2026-03-02")]);
    let partitions: Vec<String> = std::fs::read_dir(store.path().join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        partitions.iter().all(|p| p.starts_with("date=2026-")),
        "{partitions:?}"
    );
}

#[test]
fn issue_18_siem_exported_times_are_read_as_utc() {
    let store = tempfile::tempdir().unwrap();
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("siem-export.ndjson");
    let lines: Vec<String> = [
        ("2025-01-21 17:49:47", "siem-1"),
        ("2025-01-21 17:49:47.000000000", "siem-2"),
        ("2025-01-21 17:49:47.123456789", "siem-3"),
        ("2025-01-21T17:49:47Z", "siem-4"),
    ]
    .iter()
    .map(|(time, id)| record(time, id, "dev-ana", "s3.amazonaws.com", "ListBuckets").to_string())
    .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    trailcut()
        .arg("--store")
        .arg(store.path())
        .arg("ingest")
        .arg(&file)
        .assert()
        .code(0);
    let stored = rows(
        store.path(),
        "SELECT eventid, CAST(eventtime AS VARCHAR) AS t FROM events ORDER BY eventid",
    );
    let got: Vec<(&str, &str)> = stored
        .iter()
        .map(|r| (r["eventid"].as_str().unwrap(), r["t"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("siem-1", "2025-01-21T17:49:47Z"),
            ("siem-2", "2025-01-21T17:49:47Z"),
            ("siem-3", "2025-01-21T17:49:47.123456Z"),
            ("siem-4", "2025-01-21T17:49:47Z"),
        ]
    );
}

/// Writes `records` into `events` as a trailcut from before the check did: whatever their
/// time.
fn write_as_an_older_trailcut(store: &Path, records: &[Value]) {
    let handle = Store::new(store);
    let _lock = handle.open_for_write().unwrap();
    let mut builder = EventBatchBuilder::new();
    decode_str(&json!({ "Records": records }).to_string(), &mut builder).unwrap();
    assert!(builder.errors().is_empty());
    let mut writer =
        EventWriter::try_new(handle.clone(), "older".into(), WriterOptions::default()).unwrap();
    writer.add(builder.finish()).unwrap();
    writer.finish().unwrap();
    // The writer alone does not commit a snapshot; the next opening for write does, as
    // it would after an older trailcut wrote these files.
    drop(_lock);
    drop(handle.open_for_write().unwrap());
}

#[test]
fn issue_18_named_query_windows_ignore_the_outliers_of_an_older_store() {
    let store = sample_copy();
    let run = |store: &Path| -> Vec<(String, Vec<String>)> {
        named::builtin()
            .iter()
            .filter(|q| q.params.iter().any(|p| p.name == "days") || q.name == "last_activity")
            .map(|q| {
                let mut values = BTreeMap::new();
                if q.params.iter().any(|p| p.name == "days") {
                    values.insert("days".to_owned(), "30".to_owned());
                }
                let rows = rows(store, &q.render(&values).unwrap())
                    .into_iter()
                    .map(|row| Value::Object(row).to_string())
                    // The outliers themselves may show: they are in `events`.
                    .filter(|row| !row.contains("outlier-user") && !row.contains("9999-12-31"))
                    .collect();
                (q.name.clone(), rows)
            })
            .collect()
    };
    let before = run(store.path());
    // The sample trail has no unmapped calls; every other query has rows to compare.
    let empty: Vec<&str> = before
        .iter()
        .filter(|(_, rows)| rows.is_empty())
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(empty, ["unmapped_events"]);
    write_as_an_older_trailcut(
        store.path(),
        &[
            record(
                "9999-12-31T23:59:59Z",
                "older-9999",
                "outlier-user",
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            record(
                "1970-01-01T00:00:00Z",
                "older-1970",
                "outlier-user",
                "s3.amazonaws.com",
                "ListBuckets",
            ),
        ],
    );
    assert_eq!(
        scalar(
            store.path(),
            "SELECT count(*) FROM events WHERE principal_arn LIKE '%outlier-user'"
        ),
        2
    );
    assert_eq!(run(store.path()), before);
}

/// The readers' bounds come from an injected clock, and an implausible event on a day with
/// plausible ones (which the statistics of whole days cannot leave out) is left out too.
#[test]
fn issue_18_the_window_of_an_older_store_is_found_among_plausible_events() {
    let store = tempfile::tempdir().unwrap();
    let at = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .timestamp_micros()
    };
    let times = [
        "2013-10-31T23:59:59Z",
        "2013-11-01T00:00:00Z",
        "2026-11-10T10:00:00Z",
        "2026-11-20T23:00:00Z",
        "9999-12-31T23:59:59Z",
    ];
    let records: Vec<Value> = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            record(
                t,
                &format!("older-{i}"),
                "dev-ana",
                "s3.amazonaws.com",
                "ListBuckets",
            )
        })
        .collect();
    write_as_an_older_trailcut(store.path(), &records);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let read = |now: &str| {
        runtime.block_on(async {
            let session = trailcut::sql::Session::open(&Store::new(store.path()))
                .await
                .unwrap();
            let bounds = TimeBounds::at(at(now));
            let accounts = ["123456789012".to_owned()];
            (
                trail_bounds(&session, &bounds).await.unwrap(),
                newest_evidence(&session, &bounds).await.unwrap(),
                trail_spans(&session, &accounts, &bounds).await.unwrap()["123456789012"],
            )
        })
    };
    // A day after 2026-11-19T12:00Z is 2026-11-20T12:00Z: the event at 23:00 that day is out.
    let span = (at("2013-11-01T00:00:00Z"), at("2026-11-10T10:00:00Z"));
    assert_eq!(
        read("2026-11-19T12:00:00Z"),
        (Some(span), Some(span.1), span)
    );
    let span = (at("2013-11-01T00:00:00Z"), at("2026-11-20T23:00:00Z"));
    assert_eq!(
        read("2026-11-20T00:00:00Z"),
        (Some(span), Some(span.1), span)
    );
}

/// How outliers reach a store in the property below.
#[derive(Debug, Clone, Copy)]
enum Route {
    /// Ingested from a CloudTrail log file delivered at 2026-11-15T12:00Z.
    DeliveredFile,
    /// Ingested from a file whose name says nothing, read at 2026-12-01T00:00Z.
    Export,
    /// Written into `events` directly, as a trailcut from before the check stored them;
    /// `tighten` reads the store with the real clock, so these are after 2030.
    OlderTrailcut,
}

/// `(route, outliers)`: event times (microseconds) implausible for the route, each with a
/// principal and a call.
fn outliers() -> impl Strategy<Value = (Route, Vec<(i64, usize, usize)>)> {
    const YEAR_1: i64 = -62_135_596_800_000_000;
    const CLOUDTRAIL: i64 = 1_383_264_000_000_000;
    const YEAR_9999_END: i64 = 253_402_300_799_999_999;
    prop_oneof![
        Just(Route::DeliveredFile),
        Just(Route::Export),
        Just(Route::OlderTrailcut)
    ]
    .prop_flat_map(|route| {
        let after = match route {
            // 2026-11-16T12:00:00.000001Z, 2026-12-02T00:00:00.000001Z, 2030-01-01.
            Route::DeliveredFile => 1_794_830_400_000_001,
            Route::Export => 1_796_169_600_000_001,
            Route::OlderTrailcut => 1_893_456_000_000_000,
        };
        let time = prop_oneof![YEAR_1..CLOUDTRAIL, after..=YEAR_9999_END];
        (
            Just(route),
            proptest::collection::vec((time, 0..USERS.len(), 0..CALLS.len()), 1..12),
        )
    })
}

const USERS: [&str; 4] = ["dev-ana", "dev-raj", "paulo", "nikhilj"];
const CALLS: [(&str, &str); 5] = [
    ("lambda.amazonaws.com", "CreateFunction20150331"),
    ("dms.amazonaws.com", "DescribeReplicationInstances"),
    ("lex.amazonaws.com", "GetBots"),
    ("iam.amazonaws.com", "ListUsers"),
    ("s3.amazonaws.com", "ListBuckets"),
];

fn outlier_records(outliers: &[(i64, usize, usize)]) -> Vec<Value> {
    outliers
        .iter()
        .enumerate()
        .map(|(i, &(micros, user, call))| {
            let time = chrono::DateTime::from_timestamp_micros(micros)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string();
            let (source, name) = CALLS[call];
            record(&time, &format!("outlier-{i}"), USERS[user], source, name)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Issue 18: adding any number of outliers to a store changes no window and no plan.
    #[test]
    fn issue_18_outliers_change_no_window_and_no_plan((route, outliers) in outliers()) {
        let store = sample_copy();
        let records = outlier_records(&outliers);
        let input = tempfile::tempdir().unwrap();
        match route {
            Route::DeliveredFile | Route::Export => {
                let file = match route {
                    Route::DeliveredFile => delivered_file(input.path()),
                    _ => input.path().join("export.json"),
                };
                write_records(&file, &records);
                let options = IngestOptions {
                    // 2026-12-01T00:00:00Z
                    clock: Clock::fixed(1_796_083_200_000_000),
                    ..IngestOptions::default()
                };
                let report = ingest_paths(&Store::new(store.path()), &[file], &options, &Quiet)
                    .unwrap();
                prop_assert_eq!(report.outliers, outliers.len() as u64);
                prop_assert_eq!(report.events_read, 0);
                prop_assert_eq!(
                    scalar(store.path(), "SELECT count(*) FROM outliers"),
                    outliers.len() as i64
                );
            }
            Route::OlderTrailcut => write_as_an_older_trailcut(store.path(), &records),
        }
        for args in [DEVELOPMENT, SCP] {
            let (code, plan) = plan(store.path(), args);
            prop_assert_eq!(code, 0);
            let expected = baseline(args);
            prop_assert_eq!(&plan["window"], &expected["window"], "{:?}", args);
            prop_assert_eq!(&plan, &expected, "{:?}", args);
        }
    }
}
