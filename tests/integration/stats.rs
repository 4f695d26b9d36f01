//! `trailcut store stats`: each table's and column's bytes, from the Parquet footers,
//! against what the store's tables hold.

use serde_json::Value;

use crate::common::{sample_store, trailcut};

#[test]
fn store_stats_weighs_each_table_and_column_from_the_footers() {
    let store = sample_store();
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .args(["store", "stats", "--json"])
        .assert()
        .success();
    let stats: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let tables = stats["tables"].as_array().unwrap();
    let table = |name: &str| tables.iter().find(|t| t["table"] == name).unwrap();
    for (name, sql) in [
        ("events", "SELECT count(*) AS n FROM events"),
        ("usage", "SELECT count(*) AS n FROM usage"),
        ("principals", "SELECT count(*) AS n FROM principals"),
    ] {
        let t = table(name);
        let rows = crate::common::rows(store, sql)[0]["n"].as_u64().unwrap();
        assert_eq!(t["rows"].as_u64().unwrap(), rows, "{name}");
        let columns = t["columns"].as_array().unwrap();
        let sum: u64 = columns
            .iter()
            .map(|c| c["compressed"].as_u64().unwrap())
            .sum();
        assert_eq!(
            sum,
            t["compressed"].as_u64().unwrap(),
            "{name}: columns add up"
        );
        assert!(
            t["file_bytes"].as_u64().unwrap() > sum,
            "{name}: footers on top"
        );
    }
    let events = table("events");
    let names: Vec<&str> = events["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"eventname") && names.contains(&"useridentity.arn"),
        "{names:?}"
    );
    // One table, and a table that is not there.
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["store", "stats", "--table", "usage"])
        .assert()
        .success()
        .stdout(predicates::str::contains("MB compressed"));
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["store", "stats", "--table", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no table `nope`"));
}

#[test]
fn store_ddl_declares_every_column_of_every_table() {
    let store = sample_store();
    let run = |engine: &str, location: &str| {
        trailcut()
            .arg("--store")
            .arg(store)
            .args(["store", "ddl", "--engine", engine, "--location", location])
            .output()
            .unwrap()
    };
    let ddl = |engine: &str| {
        let refused = run(engine, "s3://bucket/trail cut");
        assert_eq!(refused.status.code(), Some(2), "a space is refused");
        let out = run(engine, "s3://bucket/trailcut/");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let athena = ddl("athena");
    // Every column of every table the store holds, by the name DataFusion reads.
    for table in [
        "events",
        "usage",
        "principals",
        "policy_grants",
        "sso_assignments",
        "manifest",
    ] {
        let columns = crate::common::rows(
            store,
            &format!(
                "SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
            ),
        );
        assert!(!columns.is_empty(), "{table}");
        let start = athena
            .find(&format!("`trailcut`.`{table}` ("))
            .unwrap_or_else(|| panic!("{table} in {athena}"));
        let statement = &athena[start..start + athena[start..].find(';').unwrap()];
        for c in columns {
            let name = c["column_name"].as_str().unwrap();
            assert!(statement.contains(&format!("`{name}` ")), "{table}.{name}");
        }
    }
    assert!(athena.contains("LOCATION 's3://bucket/trailcut/events/'"));
    assert_eq!(
        athena.matches("'projection.enabled' = 'true'").count(),
        2,
        "events and usage"
    );
    assert!(
        !athena.contains("event_people") && !athena.contains("`sessions`"),
        "no views"
    );
    assert!(ddl("trino").contains("partitioned_by = ARRAY['date']"));
    assert!(ddl("spark").contains("MSCK REPAIR TABLE `trailcut`.`usage`;"));
}
