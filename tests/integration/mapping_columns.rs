//! Issue 3: the mapping columns stored at ingest, and `trailcut store upgrade` for stores
//! written before they existed.

use std::path::Path;

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::prelude::*;

use crate::common::{ingest, rows, sample_trail, scalar, trailcut};

const MAPPING_COLUMNS: [&str; 4] = [
    "iam_service",
    "iam_actions",
    "iam_dependent_actions",
    "mapping_status",
];

/// Per (status, actions, dependent actions): the number of events, a fingerprint of the
/// mapping columns of a whole store.
const FINGERPRINT: &str = "\
SELECT mapping_status, iam_service, array_to_string(iam_actions, ' ') AS actions,
       array_to_string(iam_dependent_actions, ' ') AS dependent, count(*) AS events
FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";

#[test]
fn stored_columns_agree_with_the_mapping_functions() {
    let dir = tempfile::tempdir().unwrap();
    ingest(dir.path(), &[sample_trail()]);
    let store = dir.path();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM events WHERE mapping_status IS NULL \
             OR mapping_status <> iam_mapping_status(eventsource, eventname, eventtype) \
             OR iam_actions <> iam_actions(eventsource, eventname, eventtype)"
        ),
        0
    );
    let by_status = rows(
        store,
        "SELECT mapping_status, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
    );
    let counts: Vec<(String, i64)> = by_status
        .iter()
        .map(|r| {
            (
                r["mapping_status"].as_str().unwrap().to_owned(),
                r["n"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("mapped", 5130),
        ("not_api_call", 29),
        ("permissionless", 221),
    ];
    let expected: Vec<(String, i64)> = expected
        .iter()
        .map(|(s, n)| ((*s).to_owned(), *n))
        .collect();
    assert_eq!(counts, expected);
    // Dependent actions are stored only where the event shows they were needed: every
    // CreateFunction in the sample trail passes a role; nothing else there does.
    let dependent = rows(
        store,
        "SELECT eventname, array_to_string(iam_dependent_actions, ' ') AS d, count(*) AS n \
         FROM events WHERE array_length(iam_dependent_actions) > 0 GROUP BY 1, 2",
    );
    assert_eq!(dependent.len(), 1, "{dependent:?}");
    assert_eq!(dependent[0]["eventname"], "CreateFunction20150331");
    assert_eq!(dependent[0]["d"], "iam:PassRole");
    assert_eq!(
        dependent[0]["n"].as_i64().unwrap(),
        scalar(
            store,
            "SELECT count(*) FROM events WHERE eventname = 'CreateFunction20150331'"
        )
    );
}

/// Rewrites every events file of `store` without the mapping columns, as a trailcut from
/// before issue 3 wrote them, and forgets the store's format.
fn make_old(store: &Path) {
    for entry in walkdir::WalkDir::new(store.join("events")) {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
        let schema = batches[0].schema();
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| !MAPPING_COLUMNS.contains(&schema.field(i).name().as_str()))
            .collect();
        let old_schema = std::sync::Arc::new(schema.project(&keep).unwrap());
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), old_schema, None).unwrap();
        for batch in &batches {
            writer.write(&batch.project(&keep).unwrap()).unwrap();
        }
        writer.close().unwrap();
    }
    std::fs::remove_file(store.join("_trailcut/format")).unwrap();
}

#[test]
fn an_old_store_is_upgraded_in_place() {
    let fresh = tempfile::tempdir().unwrap();
    ingest(fresh.path(), &[sample_trail()]);
    let want = rows(fresh.path(), FINGERPRINT);

    let old = tempfile::tempdir().unwrap();
    ingest(old.path(), &[sample_trail()]);
    make_old(old.path());
    // Old files read as null and queries say why.
    assert_eq!(
        scalar(
            old.path(),
            "SELECT count(*) FROM events WHERE mapping_status IS NOT NULL"
        ),
        0
    );
    trailcut()
        .args(["--store"])
        .arg(old.path())
        .args(["query", "SELECT 1"])
        .assert()
        .success()
        .stderr(predicates::str::contains("trailcut store upgrade"));

    let out = trailcut()
        .args(["--store"])
        .arg(old.path())
        .args(["store", "upgrade", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(summary["rows"], 5380);
    assert_eq!(summary["rewritten"], summary["files"]);
    assert_eq!(rows(old.path(), FINGERPRINT), want);
    // Nothing was lost or doubled, and the warning is gone.
    assert_eq!(
        scalar(old.path(), "SELECT count(DISTINCT eventid) FROM events"),
        5380
    );
    trailcut()
        .args(["--store"])
        .arg(old.path())
        .args(["query", "SELECT 1"])
        .assert()
        .success()
        .stderr(predicates::str::contains("upgrade").not());
    // A second upgrade has nothing to do.
    trailcut()
        .args(["--store"])
        .arg(old.path())
        .args(["store", "upgrade"])
        .assert()
        .success()
        .stdout(predicates::str::contains("none to rewrite"));
}

#[test]
fn ingest_into_an_old_store_maps_the_files_it_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    // The first half of the days, written "by an old trailcut" ...
    let trail = sample_trail();
    let files: Vec<_> = walkdir::WalkDir::new(&trail)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect();
    let (first, second) = files.split_at(files.len() / 2);
    ingest(store, first);
    make_old(store);
    // ... then the rest by this one: compaction merges old and new files of a day.
    ingest(store, second);
    assert_eq!(scalar(store, "SELECT count(*) FROM events"), 5380);
    let unmapped_old = scalar(
        store,
        "SELECT count(*) FROM events WHERE mapping_status IS NULL",
    );
    trailcut()
        .args(["--store"])
        .arg(store)
        .args(["store", "upgrade"])
        .assert()
        .success();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM events WHERE mapping_status IS NULL"
        ),
        0,
        "{unmapped_old} rows were null before the upgrade"
    );
    let fresh = tempfile::tempdir().unwrap();
    ingest(fresh.path(), &[sample_trail()]);
    assert_eq!(rows(store, FINGERPRINT), rows(fresh.path(), FINGERPRINT));
}

/// `trailcut mapping sources` counts the rows of the tables the binary embeds.
#[test]
fn mapping_sources_count_the_embedded_tables() {
    let out = trailcut()
        .args(["mapping", "sources", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let tables: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let rows_of = |provenance: &str| -> u64 {
        tables
            .iter()
            .filter(|t| t["provenance"] == provenance)
            .map(|t| t["rows"].as_u64().unwrap())
            .sum()
    };
    let data_lines = |file: &str| {
        std::fs::read_to_string(crate::common::repo().join(file))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count() as u64
    };
    assert_eq!(
        rows_of("rename-table"),
        data_lines("src/mapping/renames.tsv")
    );
    assert_eq!(
        rows_of("dependent"),
        data_lines("src/mapping/dependent.tsv")
    );
    assert!(rows_of("service-prefix") > 300);
}

/// `trailcut map --request` decides the dependent actions as ingest does: the role a new
/// function runs as must be passable only when the request names one.
#[test]
fn map_with_a_request_prints_the_dependent_actions_it_needed() {
    let run = |request: &str| {
        let out = trailcut()
            .args([
                "map",
                "lambda.amazonaws.com",
                "CreateFunction20150331",
                "--request",
                request,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (stdout, stderr) = run(r#"{"functionName":"f","Role":"arn:aws:iam::1:role/r"}"#);
    assert_eq!(stdout, "lambda:CreateFunction\niam:PassRole\n");
    assert!(stderr.contains("dependent, needed by this request: iam:PassRole"));
    let (stdout, stderr) = run(r#"{"functionName":"f","role":""}"#);
    assert_eq!(stdout, "lambda:CreateFunction\n");
    assert!(stderr.contains("dependent, not needed by this request: iam:PassRole"));
    let json = trailcut()
        .args([
            "map",
            "--json",
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            "--request",
            r#"{"role":"arn:aws:iam::1:role/r"}"#,
        ])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let pass_role = value["dependent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["action"] == "iam:PassRole")
        .unwrap();
    assert_eq!(pass_role["needed"], true);
    trailcut()
        .args(["map", "s3.amazonaws.com", "GetObject", "--request", "{oops"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--request is not JSON"));
}
