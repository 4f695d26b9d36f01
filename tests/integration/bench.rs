//! Issue 8: `trailcut bench` measures a whole run, end to end, on a generated trail.

use serde_json::Value;

use crate::common::trailcut;

#[test]
fn bench_generates_ingests_queries_and_tightens_a_trail() {
    let work = tempfile::tempdir().unwrap();
    let run = || {
        let output = trailcut()
            .args([
                "bench", "--events", "3000", "--repeat", "1", "--json", "--work",
            ])
            .arg(work.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let first = run();
    assert_eq!(first["generate"]["reused"], false);
    assert_eq!(first["ingest"]["events_read"], 3000);
    assert_eq!(first["ingest"]["events_stored"], 3000);
    assert!(first["ingest"]["events_per_second"].as_f64().unwrap() > 0.0);
    assert!(first["ingest"]["peak_rss_bytes"].as_u64().unwrap() > 1 << 20);
    assert!(first["store"]["events_bytes"].as_u64().unwrap() > 0);
    assert!(first["store"]["usage_bytes"].as_u64().unwrap() > 0);

    // Every named query ran, and the usage queries found the trail.
    let queries = first["queries"].as_array().unwrap();
    let named = trailcut::sql::named::builtin();
    assert_eq!(queries.len(), named.len() + 1);
    for query in queries {
        assert!(query["error"].is_null(), "{query}");
        assert!(query["cold_ms"].as_f64().unwrap() >= 0.0, "{query}");
    }
    let rows = |name: &str| {
        queries
            .iter()
            .find(|q| q["query"] == name)
            .and_then(|q| q["rows"].as_u64())
            .unwrap()
    };
    assert!(rows("action_usage") > 50);
    // What each query reads of the files: service_usage reads the rollup only, and some of
    // its bytes; the tables' sizes are there to scale from.
    let service_usage = queries
        .iter()
        .find(|q| q["query"] == "service_usage")
        .unwrap();
    let read = service_usage["columns_read"].as_object().unwrap();
    assert_eq!(read.keys().collect::<Vec<_>>(), ["usage"], "{read:?}");
    assert!(
        read["usage"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "principal_arn")
    );
    let scanned = service_usage["scanned_bytes"].as_u64().unwrap();
    let tables = first["tables"].as_array().unwrap();
    let usage = tables.iter().find(|t| t["table"] == "usage").unwrap();
    assert!(
        scanned > 0 && scanned < usage["file_bytes"].as_u64().unwrap(),
        "{scanned}"
    );
    let events = tables.iter().find(|t| t["table"] == "events").unwrap();
    assert_eq!(events["rows"], 3000);
    assert!(rows("service_usage") > 10);

    // The busiest user or role, tightened at both levels, with a clean replay.
    let tightenings = first["tighten"].as_array().unwrap();
    assert_eq!(tightenings.len(), 2);
    for t in tightenings {
        assert!(t["replayed_events"].as_u64().unwrap() > 0, "{t}");
        assert_eq!(t["regressions"], 0, "{t}");
    }

    // The report over the store, with the action-level plan in it.
    assert!(
        first["report"]["bytes"].as_u64().unwrap() > 10_000,
        "{}",
        first["report"]
    );
    let page = std::fs::read_to_string(work.path().join("report.html")).unwrap();
    assert!(
        page.contains("fig-events\"><b>3,000</b>"),
        "the page counts the trail"
    );
    assert_eq!(page.matches("<div class=\"plan\"").count(), 1);

    // A second run reuses the generated trail and starts from a fresh store.
    let second = run();
    assert_eq!(second["generate"]["reused"], true);
    assert_eq!(second["ingest"]["events_stored"], 3000);
}
