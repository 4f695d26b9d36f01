//! The named queries on `sample_data`, checked against the trail's ground truth
//! (`sample_data/trail-ground-truth.json`, written by the script that wrote the trail).

use std::collections::BTreeMap;

use serde_json::Value;
use trailcut::sql::named;

use crate::common::{ingest, repo, rows, sample_trail, scalar};

fn ground_truth() -> Value {
    serde_json::from_slice(
        &std::fs::read(repo().join("sample_data/trail-ground-truth.json")).unwrap(),
    )
    .unwrap()
}

fn render(name: &str, params: &[(&str, &str)]) -> String {
    let values: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    named::find(name).unwrap().render(&values).unwrap()
}

/// One store for all query tests: the sample trail ingests once.
fn store() -> &'static std::path::Path {
    static STORE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let report = ingest(dir.path(), &[sample_trail()]);
            assert_eq!(report.events_stored, 5380);
            dir
        })
        .path()
}

#[test]
fn event_usage_matches_the_ground_truth() {
    let truth = ground_truth();
    let mut expected = BTreeMap::new();
    for (principal, calls) in truth["principals"].as_object().unwrap() {
        for call in calls.as_array().unwrap() {
            let key = (
                principal.clone(),
                call["eventSource"].as_str().unwrap().to_owned(),
                call["eventName"].as_str().unwrap().to_owned(),
            );
            let events = call["successes"].as_i64().unwrap() + call["errors"].as_i64().unwrap();
            let first = call["first"].as_str().unwrap().to_owned();
            let last = call["last"].as_str().unwrap().to_owned();
            expected.insert(key, (events, call["errors"].as_i64().unwrap(), first, last));
        }
    }
    let mut got = BTreeMap::new();
    for row in rows(store(), &render("event_usage", &[])) {
        let key = (
            row["principal_arn"].as_str().unwrap().to_owned(),
            row["eventsource"].as_str().unwrap().to_owned(),
            row["eventname"].as_str().unwrap().to_owned(),
        );
        let first = row["first_seen"]
            .as_str()
            .unwrap()
            .trim_end_matches('Z')
            .to_owned()
            + "Z";
        let last = row["last_seen"]
            .as_str()
            .unwrap()
            .trim_end_matches('Z')
            .to_owned()
            + "Z";
        got.insert(
            key,
            (
                row["events"].as_i64().unwrap(),
                row["errors"].as_i64().unwrap(),
                first,
                last,
            ),
        );
    }
    assert_eq!(got, expected);
}

#[test]
fn service_usage_tells_the_development_group_story() {
    // In the last 21 days the Development group's successful calls went to five services.
    let sql = format!(
        "SELECT DISTINCT eventsource FROM ({}) WHERE principal_arn IN \
         ('arn:aws:iam::123456789012:user/paulo','arn:aws:iam::123456789012:user/dev-ana','arn:aws:iam::123456789012:user/dev-raj') \
         AND events > errors ORDER BY eventsource",
        render("service_usage", &[("days", "21")])
    );
    let services: Vec<String> = rows(store(), &sql)
        .iter()
        .map(|r| r["eventsource"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        services,
        [
            "cloudtrail.amazonaws.com",
            "ec2.amazonaws.com",
            "kms.amazonaws.com",
            "logs.amazonaws.com",
            "s3.amazonaws.com"
        ]
    );
    // Over the whole trail they used more: Lambda, DynamoDB, SNS, SQS, CloudFormation early on.
    let all = format!(
        "SELECT count(DISTINCT eventsource) FROM ({}) WHERE principal_arn LIKE '%user/paulo'",
        render("service_usage", &[])
    );
    assert!(scalar(store(), &all) > 5);
}

#[test]
fn service_usage_principal_filter_and_nikhilj() {
    let rows = rows(
        store(),
        &render("service_usage", &[("principal", "%user/nikhilj")]),
    );
    let mut last_seen: BTreeMap<String, String> = BTreeMap::new();
    for row in &rows {
        assert_eq!(
            row["principal_arn"],
            "arn:aws:iam::123456789012:user/nikhilj"
        );
        last_seen.insert(
            row["eventsource"].as_str().unwrap().to_owned(),
            row["last_seen"].as_str().unwrap().to_owned(),
        );
    }
    // IAM and CloudTrail stopped in early August; EC2 and Auto Scaling go on.
    assert!(last_seen["iam.amazonaws.com"].as_str() < "2026-08-03");
    assert!(last_seen["cloudtrail.amazonaws.com"].as_str() < "2026-08-03");
    assert!(last_seen["ec2.amazonaws.com"].as_str() > "2026-11-01");
    assert!(!last_seen.contains_key("route53.amazonaws.com"));
    assert!(!last_seen.contains_key("elastictranscoder.amazonaws.com"));
}

#[test]
fn access_denied_lists_the_refused_calls() {
    let rows = rows(store(), &render("access_denied", &[]));
    let denied: i64 = rows.iter().map(|r| r["denied"].as_i64().unwrap()).sum();
    // Each service words a refusal its own way; the sample trail uses these.
    let expected = scalar(
        store(),
        "SELECT count(*) FROM events WHERE errorcode IN \
         ('AccessDenied','AccessDeniedException','Client.UnauthorizedOperation','AuthorizationError')",
    );
    assert!(expected > 0);
    assert_eq!(denied, expected);
    assert!(rows.iter().any(|r| {
        r["principal_arn"] == "arn:aws:iam::123456789012:user/dev-ana"
            && r["eventname"] == "CreateUser"
            && r["last_message"]
                .as_str()
                .unwrap()
                .contains("iam:CreateUser")
    }));
}

#[test]
fn activity_by_day_covers_every_event() {
    let rows = rows(store(), &render("activity_by_day", &[]));
    let total: i64 = rows.iter().map(|r| r["events"].as_i64().unwrap()).sum();
    assert_eq!(total, 5380);
    // The sandbox's trail starts in April (its Lex and DMS trials), the main account's
    // on 2026-07-19.
    assert_eq!(rows.first().unwrap()["day"], "2026-04-20");
    assert_eq!(rows.last().unwrap()["day"], "2026-11-15");
}

#[test]
fn partition_pruning_on_date_reads_one_directory() {
    let n = scalar(
        store(),
        "SELECT count(*) FROM events WHERE date = DATE '2026-11-02'",
    );
    let m = scalar(
        store(),
        "SELECT count(*) FROM events WHERE event_date = DATE '2026-11-02'",
    );
    assert_eq!(n, m);
    let plan = rows(
        store(),
        "EXPLAIN SELECT eventname FROM events WHERE date = DATE '2026-11-02'",
    );
    let text = format!("{plan:?}");
    assert!(text.contains("date=2026-11-02"), "{text}");
    assert!(!text.contains("date=2026-11-03"), "{text}");
}

/// Issue 3: per principal and IAM action, the successful calls of the ground truth, each
/// counted once for every action its call needs.
#[test]
fn action_usage_matches_the_ground_truth_through_the_mapping() {
    use trailcut::mapping::{EventMapper, MappingStatus};
    let mapper = EventMapper::embedded();
    let truth = ground_truth();
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (principal, calls) in truth["principals"].as_object().unwrap() {
        for call in calls.as_array().unwrap() {
            let source = call["eventSource"].as_str().unwrap();
            let name = call["eventName"].as_str().unwrap();
            let successes = call["successes"].as_i64().unwrap();
            let m = mapper.map(source, name, "AwsApiCall");
            if m.status != MappingStatus::Mapped || successes == 0 {
                continue;
            }
            for action in m.actions {
                *expected
                    .entry((principal.clone(), action.to_owned()))
                    .or_default() += successes;
            }
        }
    }
    let usage = rows(store(), &render("action_usage", &[]));
    // Calls that needed the action themselves; dependent uses are checked below.
    let got: BTreeMap<(String, String), i64> = usage
        .iter()
        .filter_map(|row| {
            let own = row["events"].as_i64().unwrap() - row["as_dependent"].as_i64().unwrap();
            (own > 0).then(|| {
                (
                    (
                        row["principal_arn"].as_str().unwrap().to_owned(),
                        row["action"].as_str().unwrap().to_owned(),
                    ),
                    own,
                )
            })
        })
        .collect();
    assert_eq!(got, expected);
    // Every lambda:CreateFunction in the sample trail passes an execution role, so each
    // one also needed iam:PassRole, as a dependent action.
    let created: BTreeMap<String, i64> = expected
        .iter()
        .filter(|((_, action), _)| action == "lambda:CreateFunction")
        .map(|((principal, _), n)| (principal.clone(), *n))
        .collect();
    assert!(!created.is_empty());
    for (principal, n) in &created {
        let pass = usage
            .iter()
            .find(|r| r["principal_arn"] == principal.as_str() && r["action"] == "iam:PassRole")
            .unwrap_or_else(|| panic!("{principal}: no iam:PassRole"));
        assert!(pass["as_dependent"].as_i64().unwrap() >= *n, "{pass:?}");
    }
    assert!(got.contains_key(&(
        "arn:aws:iam::123456789012:user/maria".to_owned(),
        "route53:ChangeResourceRecordSets".to_owned()
    )));
}

#[test]
fn unmapped_events_and_the_catalogue_functions() {
    use trailcut::mapping::{EventMapper, MappingStatus};
    // The sample trail has no call trailcut cannot map (Lex's `models.lex` host once was).
    let unmapped = rows(store(), &render("unmapped_events", &[]));
    assert!(unmapped.is_empty(), "{unmapped:?}");
    for row in unmapped {
        let (source, name) = (
            row["eventsource"].as_str().unwrap(),
            row["eventname"].as_str().unwrap(),
        );
        assert_eq!(
            EventMapper::embedded()
                .map(source, name, "AwsApiCall")
                .status,
            MappingStatus::Unmapped,
            "{source} {name}"
        );
    }
    let row = &rows(
        store(),
        "SELECT iam_actions('s3.amazonaws.com', 'CopyObject') AS copy, \
                iam_mapping_status('signin.amazonaws.com', 'ConsoleLogin', 'AwsConsoleSignIn') AS signin, \
                action_matches('s3:Get*', 'S3:GetObject') AS get, \
                action_matches('s3:Get*', 's3:PutObject') AS put, \
                access_level('iam:PassRole') AS pass, \
                access_level('s3:NoSuchAction') AS none",
    )[0];
    assert_eq!(
        row["copy"],
        serde_json::json!(["s3:PutObject", "s3:GetObject"])
    );
    assert_eq!(row["signin"], "not_api_call");
    assert_eq!(row["get"], true);
    assert_eq!(row["put"], false);
    assert_eq!(row["pass"], "Write");
    assert!(row.get("none").is_none_or(Value::is_null));
    let actions = scalar(store(), "SELECT count(*) FROM iam_catalog");
    assert_eq!(
        actions as usize,
        trailcut::catalog::ActionCatalog::embedded().actions().len()
    );
    assert_eq!(
        scalar(
            store(),
            "SELECT count(*) FROM iam_catalog WHERE service = 's3' AND array_has(access_levels, 'Tagging') AND action = 's3:PutObjectTagging'"
        ),
        1
    );
}
