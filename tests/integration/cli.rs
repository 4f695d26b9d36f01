//! The command line as a user meets it: help, the demo, query formats and errors, exit
//! statuses.

use predicates::prelude::*;

use crate::common::{ingest, sample_trail, trailcut};

#[test]
fn help_teaches_the_verbs_and_exit_statuses() {
    trailcut()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("ingest"))
        .stdout(predicate::str::contains("query"))
        .stdout(predicate::str::contains("demo"))
        .stdout(predicate::str::contains("Exit status"));
    trailcut()
        .args(["ingest", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("NDJSON"));
    trailcut().assert().failure().code(2);
}

#[test]
fn demo_runs_on_the_sample_data() {
    // The whole job: ingest everything, then the seed's four stories, each replayed clean.
    let tmp = tempfile::tempdir().unwrap();
    let (store, out) = (tmp.path().join("store"), tmp.path().join("out"));
    let demo = || {
        trailcut()
            .arg("--store")
            .arg(&store)
            .arg("demo")
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let output = demo();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "5,380 events read",
        "arn:aws:iam::123456789012:user/paulo",
        "found 1,694 CloudTrail log files, 3 IAM authorization details files, 15 AWS \
         Organizations listings, 18 IAM Identity Center outputs, 10 IAM last-accessed reports, \
         1 report index",
        "ExampleDevelopment (customer managed): rewritten; keeps 5 of",
        "aws iam remove-user-from-group --group-name=security-team --user-name=nikhilj",
        "aws iam delete-policy --policy-arn=arn:aws:iam::123456789012:policy/App-Dev-ElasticTranscoder",
        "aws organizations update-policy --policy-id=p-7hq2c4xz",
        "deny     lex",
        "report.html (",
        "5 plans",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}`:\n{stdout}");
    }
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("data-plan=\"nikhilj\""),
        "the demo's report holds its plans"
    );
    assert_eq!(stdout.matches(": 0 would be denied").count(), 5, "{stdout}");
    // The store stays, and the commands the demo ends with work on it.
    let next: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("The store is in"))
        .skip(1)
        .filter_map(|l| l.trim().strip_prefix("trailcut "))
        .collect();
    assert_eq!(next.len(), 7, "{stdout}");
    for (line, expected) in [
        (1, "s3"),
        (3, "carol@example.com"),
        (4, "dave@example.com"),
        (5, "development.html"),
    ] {
        let named = next[line].split("   ").next().unwrap();
        let words: Vec<&str> = named.split_whitespace().collect();
        let answer = trailcut()
            .args(&words)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(
            answer.status.success(),
            "{named}: {}",
            String::from_utf8_lossy(&answer.stderr)
        );
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains(expected),
            "{named}"
        );
    }
    // Run again on its own store: the same answers, nothing stored twice.
    let again = demo();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("0 events read, 0 new"), "{again}");
    assert_eq!(again.matches(": 0 would be denied").count(), 5, "{again}");
    // A store of other data is refused: the sample is never mixed into it.
    let other = tempfile::tempdir().unwrap();
    let elsewhere = other.path().join("trail.json");
    std::fs::write(
        &elsewhere,
        r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","eventID":"e1","awsRegion":"us-east-1"}]}"#,
    )
    .unwrap();
    ingest(&other.path().join("store"), &[elsewhere]);
    let refused = trailcut()
        .arg("--store")
        .arg(other.path().join("store"))
        .args(["demo", "--out"])
        .arg(tmp.path().join("out2"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("holds data from elsewhere"));
}

#[test]
fn query_formats_and_errors() {
    let store = tempfile::tempdir().unwrap();
    ingest(store.path(), &[sample_trail()]);
    let sql = "SELECT eventsource, count(*) AS n FROM events WHERE eventsource LIKE 'route53%' GROUP BY 1";
    let run = |format: &str| {
        trailcut()
            .arg("--store")
            .arg(store.path())
            .args(["query", "--format", format, sql])
            .assert()
            .success()
    };
    run("csv").stdout("eventsource,n\nroute53.amazonaws.com,305\n");
    run("json").stdout("[{\"eventsource\":\"route53.amazonaws.com\",\"n\":305}]\n");
    run("ndjson").stdout("{\"eventsource\":\"route53.amazonaws.com\",\"n\":305}\n");
    run("table").stdout(predicate::str::contains("| route53.amazonaws.com | 305 |"));

    // A SQL error prints DataFusion's message and exits 2.
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["query", "SELECT nosuchcolumn FROM events"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuchcolumn"));
    // A typo in a column: one line, the closest column, not DataFusion's list of forty.
    let typo = trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["query", "SELECT eventnme FROM events"])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    let stderr = String::from_utf8(typo.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no column `eventnme`") && stderr.contains("did you mean `eventname`"),
        "{stderr}"
    );
    // Parameters are checked before SQL: no Arrow interval parser error.
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["query", "--name", "service_usage", "--param", "days=abc"])
        .assert()
        .code(2)
        .stderr("error: query `service_usage`: --param days=abc is not a positive whole number\n");
    // A bare principal name, and one that matches nobody: loud, exit 1.
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args([
            "query",
            "--name",
            "service_usage",
            "--param",
            "principal=paulo",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "arn:aws:iam::123456789012:user/paulo",
        ));
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args([
            "query",
            "--name",
            "service_usage",
            "--param",
            "principal=nobody",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no rows: nothing in the store matched --param principal=nobody",
        ));
    // No store: an error that says what to do, not an empty answer.
    trailcut()
        .arg("--store")
        .arg(store.path().join("missing"))
        .args(["query", "SELECT 1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no store at"));
    // Named queries: list, parameters, unknown names.
    trailcut()
        .args(["query", "--list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("service_usage"))
        .stdout(predicate::str::contains("--param days="));
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["query", "--name", "service_usage", "--param", "nope=1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no parameter `nope`"));
    // SQL from stdin when it is not a terminal.
    trailcut()
        .arg("--store")
        .arg(store.path())
        .arg("query")
        .write_stdin("SELECT count(*) AS n FROM events")
        .assert()
        .success()
        .stdout("n\n5380\n");
    // The store directory also comes from the environment.
    trailcut()
        .env("TRAILCUT_STORE", store.path())
        .args([
            "query",
            "--format",
            "csv",
            "SELECT count(*) AS n FROM manifest",
        ])
        .assert()
        .success()
        .stdout("n\n1694\n");
}

#[test]
fn query_writes_parquet() {
    let store = tempfile::tempdir().unwrap();
    ingest(store.path(), &[sample_trail()]);
    // Outside the store, which is read-only to SQL.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.parquet");
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args(["query", "--name", "service_usage", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = trailcut::store::parquet_io::row_count(&out).unwrap();
    assert!(rows > 20, "{rows}");
}

/// Issue 18, finding 9: `trailcut ingest ... 2>&1 | head -1` panicked on the first warning
/// (`failed printing to stderr: Broken pipe`, exit 101) and stored nothing. With stdout and
/// stderr both a pipe nobody reads, the ingest of the sample trail beside 30 files that each
/// draw a warning still stores every event and ends as a run whose output is read does, not
/// with a panic.
#[test]
fn a_closed_stdout_and_stderr_cost_no_event() {
    let inputs = tempfile::tempdir().unwrap();
    for i in 0..30 {
        std::fs::write(
            inputs.path().join(format!("broken-{i}.json")),
            "{\"Records\": [",
        )
        .unwrap();
    }
    let paths = [sample_trail(), inputs.path().to_path_buf()];
    let read = tempfile::tempdir().unwrap();
    let expected = trailcut()
        .arg("--store")
        .arg(read.path())
        .arg("ingest")
        .args(&paths)
        .output()
        .unwrap();
    assert!(!expected.stderr.is_empty());
    assert_eq!(expected.status.code(), Some(1));
    let store = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailcut"))
        .arg("--store")
        .arg(store.path())
        .arg("ingest")
        .args(&paths)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), expected.status.code(), "{status:?}");
    trailcut()
        .arg("--store")
        .arg(store.path())
        .args([
            "query",
            "--format",
            "csv",
            "SELECT count(*) AS n FROM events",
        ])
        .assert()
        .success()
        .stdout("n\n5380\n");
    // A failing command still exits 2, not 101, when it cannot say why.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailcut"))
        .arg("--store")
        .arg(store.path())
        .args(["query", "SELECT * FROM no_such_table"])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "{status:?}");
}
