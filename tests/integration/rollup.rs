//! Issue 8: the usage rollup equals a scan of the events, whatever order the trail, the
//! IAM snapshot and crashes came in; the named usage queries and `tighten` read it and
//! give exactly what the scan gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use trailcut::sql::named;

use crate::common::{ingest, rows, sample_store, sample_trail, scalar, trailcut};

/// The named usage queries as they were written over `events`, with the rollup's window
/// of whole days: the reference the rollup must match.
const SCANS: &[(&str, &str)] = &[
    (
        "action_usage",
        "WITH recent AS (
            SELECT principal_arn, eventtime, iam_actions, iam_dependent_actions FROM events
            WHERE errorcode IS NULL AND mapping_status = 'mapped' AND {window}
        ),
        calls AS (
            SELECT principal_arn, eventtime, unnest(iam_actions) AS action, 0 AS dependent
            FROM recent
            UNION ALL
            SELECT principal_arn, eventtime, unnest(iam_dependent_actions) AS action,
                   1 AS dependent
            FROM recent WHERE array_length(iam_dependent_actions) > 0
        )
        SELECT principal_arn, action, count(*) AS events, min(eventtime) AS first_seen,
               max(eventtime) AS last_seen, sum(dependent) AS as_dependent
        FROM calls GROUP BY principal_arn, action ORDER BY principal_arn, action",
    ),
    (
        "service_usage",
        "SELECT principal_arn, eventsource, count(*) AS events, count(errorcode) AS errors,
                min(eventtime) AS first_seen, max(eventtime) AS last_seen
         FROM events WHERE {window}
         GROUP BY principal_arn, eventsource
         ORDER BY principal_arn, events DESC, eventsource",
    ),
    (
        "event_usage",
        "SELECT principal_arn, eventsource, eventname, count(*) AS events,
                count(errorcode) AS errors, min(eventtime) AS first_seen,
                max(eventtime) AS last_seen
         FROM events WHERE {window}
         GROUP BY principal_arn, eventsource, eventname
         ORDER BY principal_arn, eventsource, eventname",
    ),
    (
        "resource_usage",
        "WITH calls AS (
            SELECT principal_arn, eventtime, eventsource, eventname, awsregion, useridentity,
                   resources, requestparameters, responseelements,
                   unnest(array_concat(iam_actions, iam_dependent_actions)) AS action
            FROM events
            WHERE errorcode IS NULL AND mapping_status = 'mapped' AND {window}
        ),
        derived AS (
            SELECT principal_arn, eventtime, action,
                   event_resources(action, eventsource, eventname, awsregion, useridentity,
                                   resources, requestparameters, responseelements) AS r
            FROM calls
        ),
        named AS (
            SELECT principal_arn, eventtime, action, unnest(r['arns']) AS resource
            FROM derived WHERE r['status'] = 'derived'
            UNION ALL
            SELECT principal_arn, eventtime, action,
                   CASE WHEN r['status'] = 'not_scoped' THEN '*' ELSE '(underivable)' END
            FROM derived WHERE r['status'] <> 'derived'
        )
        SELECT principal_arn, action, resource, count(*) AS events,
               min(eventtime) AS first_seen, max(eventtime) AS last_seen
        FROM named GROUP BY principal_arn, action, resource
        ORDER BY principal_arn, action, resource",
    ),
];

fn render(name: &str, days: Option<u32>) -> String {
    let mut values = BTreeMap::new();
    if let Some(days) = days {
        values.insert("days".to_owned(), days.to_string());
    }
    named::find(name).unwrap().render(&values).unwrap()
}

fn scan(template: &str, days: Option<u32>) -> String {
    let window = match days {
        Some(days) => format!(
            "principal_arn LIKE '%' AND \
             date >= (SELECT max(date) FROM events) - INTERVAL '{days} days'"
        ),
        None => "principal_arn LIKE '%'".to_owned(),
    };
    template.replace("{window}", &window)
}

/// Every named usage query answers from the rollup exactly what the scan answers.
fn assert_queries_match_the_scan(store: &Path, days: &[Option<u32>]) {
    for (name, template) in SCANS {
        for &window in days {
            let from_rollup = rows(store, &render(name, window));
            let from_events = rows(store, &scan(template, window));
            assert!(!from_events.is_empty(), "{name} {window:?}: no rows");
            assert_eq!(from_rollup, from_events, "{name} over {window:?} days");
        }
    }
    // One primary row per event: counting them counts every event once.
    assert_eq!(
        scalar(
            store,
            "SELECT CAST(sum(events) AS BIGINT) FROM usage WHERE role = 'primary'"
        ),
        scalar(store, "SELECT count(*) FROM events")
    );
}

/// The sample trail's log files, sorted.
fn trail_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(sample_trail())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().ends_with(".json.gz"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// The rollup's rows, aggregated over files so that two stores compare.
fn rollup_rows(store: &Path) -> Vec<serde_json::Map<String, Value>> {
    rows(
        store,
        "SELECT date, principal_arn, eventsource, eventname, action, role, outcome, \
           resource_status, array_to_string(resource_arns, ' ') AS arns, \
           sum(events) AS events, min(first_seen) AS first_seen, max(last_seen) AS last_seen \
         FROM usage GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
    )
}

#[test]
fn named_usage_queries_from_the_rollup_equal_the_scan_on_sample_data() {
    assert_queries_match_the_scan(sample_store(), &[None, Some(21), Some(89)]);
}

#[test]
fn a_trail_ingested_in_pieces_and_again_rolls_up_like_one_ingest() {
    let files = trail_files();
    let whole = tempfile::tempdir().unwrap();
    ingest(whole.path(), &[sample_trail()]);

    // Half the files, then all of them (the first half again, de-duplicated): days that
    // got events in both runs are compacted, and their rollups with them.
    // Uncompressed copies are new sources whose events the store partly has.
    let pieces = tempfile::tempdir().unwrap();
    ingest(pieces.path(), &files[..files.len() / 2]);
    let copies = tempfile::tempdir().unwrap();
    let copied: Vec<PathBuf> = files[files.len() / 4..]
        .iter()
        .enumerate()
        .map(|(i, f)| {
            use std::io::Read;
            let mut json = Vec::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap())
                .read_to_end(&mut json)
                .unwrap();
            let copy = copies.path().join(format!("copy-{i:04}.json"));
            std::fs::write(&copy, json).unwrap();
            copy
        })
        .collect();
    let second = ingest(pieces.path(), &copied);
    assert!(second.duplicates > 0 && second.events_stored > 0);
    let third = ingest(pieces.path(), &[sample_trail()]);
    assert_eq!(third.events_stored, 0);
    assert!(third.duplicates > 0);

    assert_queries_match_the_scan(pieces.path(), &[None, Some(30)]);
    assert_eq!(rollup_rows(pieces.path()), rollup_rows(whole.path()));
}

fn usage_files(store: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(store.join("usage"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_lost_or_orphaned_rollup_file_is_repaired_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    ingest(dir.path(), &[sample_trail()]);
    let before = rollup_rows(dir.path());
    let files = usage_files(dir.path());
    assert!(files.len() > 10, "{}", files.len());

    // A crash between a rollup and its events file leaves an orphan; a store from before
    // the rollup lacks it.
    std::fs::remove_file(&files[3]).unwrap();
    let orphan = files[5].with_file_name("part-crashed-00000.parquet");
    std::fs::copy(&files[5], &orphan).unwrap();
    assert_eq!(rollup_rows(dir.path()), before);
    assert!(files[3].exists());
    assert!(!orphan.exists());

    // No rollup at all.
    std::fs::remove_dir_all(dir.path().join("usage")).unwrap();
    assert_eq!(rollup_rows(dir.path()), before);
    assert_queries_match_the_scan(dir.path(), &[None]);
}

#[test]
fn an_iam_snapshot_after_the_trail_resolves_names_in_the_rollup() {
    let iam_first = tempfile::tempdir().unwrap();
    crate::common::ingest_sample_iam(iam_first.path());
    ingest(iam_first.path(), &[sample_trail()]);

    let trail_first = tempfile::tempdir().unwrap();
    ingest(trail_first.path(), &[sample_trail()]);
    let underivable = |store: &Path| {
        scalar(
            store,
            "SELECT CAST(coalesce(sum(events), 0) AS BIGINT) FROM usage \
             WHERE iam_service = 'iam' AND resource_status = 'underivable'",
        )
    };
    let without_names = underivable(trail_first.path());
    crate::common::ingest_sample_iam(trail_first.path());
    assert!(
        underivable(trail_first.path()) < without_names,
        "the snapshot resolves some IAM names: {without_names} before"
    );
    assert_eq!(
        rollup_rows(trail_first.path()),
        rollup_rows(iam_first.path())
    );
}

/// plan.json without what differs from run to run.
fn plan(store: &Path, args: &[&str], from: &str) -> Value {
    let out = tempfile::tempdir().unwrap();
    let output = trailcut()
        .env("TRAILCUT_USAGE_FROM", from)
        .arg("--store")
        .arg(store)
        .arg("tighten")
        .args(args)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut plan: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("plan.json")).unwrap()).unwrap();
    if let Some(map) = plan.as_object_mut() {
        map.remove("generated_at");
        map.remove("trailcut_version");
    }
    plan
}

#[test]
fn tighten_from_the_rollup_equals_tighten_from_the_events() {
    let store = sample_store();
    for args in [
        &["--group", "Development", "--level", "resource"][..],
        &[
            "--group",
            "Development",
            "--level",
            "action",
            "--since",
            "2026-09-03T13:17:00Z",
            "--until",
            "2026-11-14T08:00:00Z",
        ],
        &["--user", "nikhilj", "--level", "resource", "--days", "30"],
    ] {
        let rollup = plan(store, args, "rollup");
        let events = plan(store, args, "events");
        assert_eq!(rollup, events, "{args:?}");
    }
}

/// Both partitioned tables read back through DataFusion's listing table: per partition,
/// the rows a query counts are the rows the files' footers hold, and a filter on `date`
/// prunes the scan to the matching directories.
#[test]
fn the_partitioned_tables_read_back_by_date_with_pruning() {
    let store = sample_store();
    for table in ["events", "usage"] {
        let mut days = Vec::new();
        for entry in std::fs::read_dir(store.join(table)).unwrap() {
            let dir = entry.unwrap().path();
            let day = dir.file_name().unwrap().to_string_lossy()["date=".len()..].to_owned();
            let footers: u64 = std::fs::read_dir(&dir)
                .unwrap()
                .map(|f| trailcut::store::parquet_io::row_count(&f.unwrap().path()).unwrap())
                .sum();
            let counted = scalar(
                store,
                &format!("SELECT count(*) FROM {table} WHERE date = DATE '{day}'"),
            );
            assert_eq!(counted as u64, footers, "{table} {day}");
            days.push(day);
        }
        days.sort();
        assert!(days.len() > 20, "{table}: {}", days.len());
        let (from, to) = (&days[3], &days[5]);
        let plan = format!(
            "{:?}",
            rows(
                store,
                &format!(
                    "EXPLAIN SELECT account_id FROM {table} \
                     WHERE date >= DATE '{from}' AND date <= DATE '{to}'"
                ),
            )
        );
        for (i, day) in days.iter().enumerate() {
            let listed = plan.contains(&format!("date={day}"));
            assert_eq!(listed, (3..=5).contains(&i), "{table} {day}: {plan}");
        }
    }
}
