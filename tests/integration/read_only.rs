//! The store is read-only to SQL (issue 18, finding 4): statements that would write into
//! it, through a store table, a table over its files or a path inside it, are refused on
//! every path that runs SQL, and leave every file as it was; files outside the store can
//! still be read and written, as in datafusion-cli.

use std::path::{Path, PathBuf};

use crate::common::trailcut;

/// A small store of generated events.
fn store() -> (tempfile::TempDir, tempfile::TempDir) {
    let trail = tempfile::tempdir().unwrap();
    let options = trailcut::synth::GenOptions {
        events: 500,
        out: trail.path().to_path_buf(),
        seed: 3,
        days: 2,
        ..Default::default()
    };
    trailcut::synth::generate(&options, &|_| {}).unwrap();
    let store = tempfile::tempdir().unwrap();
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["ingest", "--quiet"])
        .arg(trail.path().join("AWSLogs"))
        .assert()
        .success();
    (trail, store)
}

/// Every file under the store with its size and modification time.
fn listing(store: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(store)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let meta = e.metadata().unwrap();
            (e.into_path(), meta.len(), meta.modified().unwrap())
        })
        .collect();
    files.sort();
    files
}

fn query(store: &Path, sql: &str) -> assert_cmd::assert::Assert {
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["query", "--format", "csv"])
        .arg(sql)
        .assert()
}

fn count(store: &Path) -> String {
    let out = query(store, "SELECT count(*) AS n FROM events").success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn issue_18_sql_that_writes_into_the_store_is_refused_and_changes_nothing() {
    let (_trail, store) = store();
    let root = store.path();
    let before = listing(root);
    let events_before = count(root);
    let outside = tempfile::tempdir().unwrap();
    let link = outside.path().join("link");
    std::os::unix::fs::symlink(root.join("events"), &link).unwrap();
    let day = std::fs::read_dir(root.join("events"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let statements = [
        "INSERT INTO events SELECT * FROM events LIMIT 1".to_owned(),
        "INSERT INTO usage SELECT * FROM usage LIMIT 1".to_owned(),
        "INSERT INTO manifest SELECT * FROM manifest".to_owned(),
        "DELETE FROM events".to_owned(),
        "UPDATE events SET eventname = 'x'".to_owned(),
        "TRUNCATE TABLE events".to_owned(),
        "DROP TABLE events".to_owned(),
        "CREATE OR REPLACE TABLE events AS SELECT 1 AS a".to_owned(),
        "CREATE OR REPLACE VIEW usage AS SELECT 1 AS a".to_owned(),
        "EXPLAIN ANALYZE INSERT INTO events SELECT * FROM events LIMIT 1".to_owned(),
        format!(
            "COPY (SELECT * FROM events LIMIT 1) TO '{}/x.parquet'",
            day.display()
        ),
        format!(
            "COPY events TO '{}/newtable/' STORED AS PARQUET",
            root.display()
        ),
        format!(
            "COPY (SELECT 1 AS a) TO 'file://{}/events/x.parquet'",
            root.display()
        ),
        // Through a symbolic link, and with `..` from outside.
        format!("COPY (SELECT 1 AS a) TO '{}/x.parquet'", link.display()),
        format!(
            "COPY (SELECT 1 AS a) TO '{}/../{}/usage/x.parquet'",
            outside.path().display(),
            root.strip_prefix(outside.path().parent().unwrap())
                .unwrap_or(root)
                .display()
        ),
        // A table of the user's own over the store's files.
        format!(
            "CREATE EXTERNAL TABLE mine STORED AS PARQUET LOCATION '{}/events/'; \
             INSERT INTO mine SELECT * FROM mine LIMIT 1",
            root.display()
        ),
        format!(
            "CREATE EXTERNAL TABLE mine STORED AS PARQUET LOCATION '{}/'; \
             INSERT INTO mine SELECT * FROM events LIMIT 1",
            link.display()
        ),
    ];
    for sql in &statements {
        let out = query(root, sql).failure();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("read-only"), "{sql}: {stderr}");
    }
    // From a file, and into a Parquet file inside the store with --out.
    let file = outside.path().join("insert.sql");
    std::fs::write(
        &file,
        "SELECT 1;\nINSERT INTO events SELECT * FROM events LIMIT 1;",
    )
    .unwrap();
    let out = trailcut()
        .arg("--store")
        .arg(root)
        .args(["query", "-f"])
        .arg(&file)
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("read-only"));
    for target in [
        day.join("out.parquet"),
        link.join("out.parquet"),
        root.join("newtable/out.parquet"),
    ] {
        let out = trailcut()
            .arg("--store")
            .arg(root)
            .args(["query", "--name", "service_usage", "--out"])
            .arg(&target)
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("read-only"),
            "{}: {stderr}",
            target.display()
        );
    }
    assert_eq!(listing(root), before, "the store changed");
    assert_eq!(count(root), events_before);
    // The same refusal for the library's callers (named queries, tighten, the shell).
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = trailcut::sql::Session::open(&trailcut::store::Store::new(root))
            .await
            .unwrap();
        let e = session
            .run("INSERT INTO events SELECT * FROM events LIMIT 1")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
    });
    assert_eq!(listing(root), before, "the store changed");
}

#[test]
fn sql_still_reads_and_writes_files_outside_the_store() {
    let (_trail, store) = store();
    let root = store.path();
    let before = listing(root);
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("copy.parquet");
    query(
        root,
        &format!(
            "COPY (SELECT eventid FROM events) TO '{}' STORED AS PARQUET",
            copy.display()
        ),
    )
    .success();
    assert!(copy.is_file());
    let out = query(
        root,
        &format!(
            "CREATE EXTERNAL TABLE copied STORED AS PARQUET LOCATION '{}'; \
             SELECT count(*) AS n FROM copied",
            copy.display()
        ),
    )
    .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        count(root)
    );
    // Tables of one's own, in memory or over outside files, take inserts.
    let dir = outside.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    query(
        root,
        &format!(
            "CREATE EXTERNAL TABLE mine (n BIGINT) STORED AS PARQUET LOCATION '{}/'; \
             INSERT INTO mine SELECT count(*) FROM events",
            dir.display()
        ),
    )
    .success();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let out = query(
        root,
        "CREATE TABLE m (a INT); INSERT INTO m VALUES (1), (2); SELECT sum(a) AS s FROM m",
    )
    .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "s\n3\n");
    let out_file = outside.path().join("usage.parquet");
    trailcut()
        .arg("--store")
        .arg(root)
        .args(["query", "--name", "service_usage", "--out"])
        .arg(&out_file)
        .assert()
        .success();
    assert!(out_file.is_file());
    assert_eq!(listing(root), before, "the store changed");
}
