//! Issue 9: `trailcut ingest --lookup-events` runs the real AWS SDK against a loopback
//! server replaying LookupEvents responses recorded from the sample trail
//! (tests/fixtures/aws/lookup-events, made by its make.py): two regions, pagination, the
//! two-requests-per-second pacing, a throttled request retried, days recorded so that a
//! re-run asks for nothing, and events the trail already stored kept once.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

use crate::collect::{Stub, collect, serve_signed};
use crate::common::{ingest, repo, rows, sample_trail};

const CALLER: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/auditor</Arn>\
<UserId>AIDAEXAMPLEAUDITOR01</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>c0ffee00-0000-4000-8000-000000000001</RequestId></ResponseMetadata>\
</GetCallerIdentityResponse>";

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

/// One LookupEvents request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    region: String,
    day: String,
    token: Option<String>,
    at: Instant,
}

fn history() -> (Stub, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let log = seen.clone();
    let throttled = Mutex::new(false);
    let stub = serve_signed(move |action, body, region| match action {
        "GetCallerIdentity" => (200, CALLER.to_owned()),
        "LookupEvents" => {
            let request: Value = serde_json::from_str(body).unwrap();
            let start = request["StartTime"].as_f64().unwrap() as i64;
            let day = chrono::DateTime::from_timestamp(start, 0)
                .unwrap()
                .format("%Y-%m-%d")
                .to_string();
            let token = request["NextToken"].as_str().map(str::to_owned);
            log.lock().unwrap().push(Seen {
                region: region.to_owned(),
                day: day.clone(),
                token: token.clone(),
                at: Instant::now(),
            });
            if region == "eu-west-1" && !std::mem::replace(&mut *throttled.lock().unwrap(), true) {
                return (400, THROTTLED.to_owned());
            }
            let name = match &token {
                Some(token) => {
                    let (_, page) = token.rsplit_once('/').unwrap();
                    format!("{region}.{day}.{page}.json")
                }
                None => format!("{region}.{day}.page-1.json"),
            };
            let path = repo().join("tests/fixtures/aws/lookup-events").join(name);
            match std::fs::read_to_string(path) {
                Ok(page) => (200, page),
                Err(_) => (200, r#"{"Events":[]}"#.to_owned()),
            }
        }
        other => panic!("unexpected call {other}"),
    });
    (stub, seen)
}

fn lookup(stub: &Stub, store: &Path) -> (i32, Value, String) {
    let output = collect(stub, store)
        .args([
            "ingest",
            "--lookup-events",
            "--trail-region",
            "us-east-1,eu-west-1",
        ])
        .args(["--since", "2026-11-12", "--until", "2026-11-15", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

const RECORDED: &str = "(awsregion = 'us-east-1' AND date IN (DATE '2026-11-13', DATE '2026-11-14')) \
     OR (awsregion = 'eu-west-1' AND date = DATE '2026-11-13')";

#[test]
fn event_history_is_paged_paced_and_stores_what_the_trail_has() {
    let (stub, seen) = history();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (status, report, stderr) = lookup(&stub, &store);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(report["events_stored"], 92 + 35 + 22, "{report}");
    assert_eq!(report["files"], 8, "4 days in 2 regions: {report}");

    let seen = seen.lock().unwrap().clone();
    let pages = |region: &str, day: &str| {
        seen.iter()
            .filter(|s| s.region == region && s.day == day)
            .count()
    };
    assert_eq!(pages("us-east-1", "2026-11-13"), 2, "two pages: {seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.token.as_deref() == Some("us-east-1/2026-11-13/page-2"))
    );
    assert_eq!(pages("us-east-1", "2026-11-12"), 1);
    assert_eq!(
        pages("eu-west-1", "2026-11-12"),
        2,
        "throttled, then retried"
    );
    for region in ["us-east-1", "eu-west-1"] {
        let times: Vec<Instant> = seen
            .iter()
            .filter(|s| s.region == region)
            .map(|s| s.at)
            .collect();
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap.as_millis() >= 450, "{region}: requests {gap:?} apart");
        }
    }

    // The same events, column for column, as the trail delivered to S3.
    let disk = dir.path().join("disk");
    ingest(&disk, &[sample_trail()]);
    let query = format!("SELECT * FROM events WHERE {RECORDED} ORDER BY eventid");
    assert_eq!(
        rows(&store, "SELECT * FROM events ORDER BY eventid"),
        rows(&disk, &query)
    );

    // Whole past days are recorded: a re-run asks CloudTrail for nothing.
    let before = stub.calls.lock().unwrap().len();
    let (status, again, _) = lookup(&stub, &store);
    assert_eq!(status, 0);
    assert_eq!(again["files_unchanged"], 8, "{again}");
    assert_eq!(again["events_read"], 0);
    let calls: Vec<String> = stub.calls.lock().unwrap()[before..]
        .iter()
        .map(|c| c.0.clone())
        .collect();
    assert_eq!(calls, ["GetCallerIdentity"]);

    // Event history over a store that has the trail: nothing is stored twice.
    let (status, over, _) = lookup(&history().0, &disk);
    assert_eq!(status, 0);
    assert_eq!(over["events_stored"], 0, "{over}");
    assert_eq!(over["duplicates"], 92 + 35 + 22);
}

#[test]
fn a_region_that_refuses_is_reported_once_and_the_others_are_read() {
    let stub = serve_signed(|action, _body, region| {
        match (action, region) {
        ("GetCallerIdentity", _) => (200, CALLER.to_owned()),
        ("LookupEvents", "eu-west-1") => (
            400,
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: cloudtrail:LookupEvents"}"#.to_owned(),
        ),
        ("LookupEvents", _) => (200, r#"{"Events":[]}"#.to_owned()),
        (other, _) => panic!("unexpected call {other}"),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let (status, report, stderr) = lookup(&stub, &dir.path().join("store"));
    assert_eq!(status, 1, "{stderr}");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    // One problem each, in whichever order the region's tasks ended (the order varied
    // from run to run).
    for needle in ["AccessDeniedException", "with 2 later day(s) of eu-west-1"] {
        let n = problems
            .iter()
            .filter(|p| p["message"].as_str().unwrap().contains(needle))
            .count();
        assert_eq!(n, 1, "{needle}: {stderr}");
    }
    let denied = stub
        .calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.0 == "LookupEvents")
        .count();
    assert_eq!(
        denied,
        4 + 1,
        "us-east-1's four days and one refused request"
    );
}
