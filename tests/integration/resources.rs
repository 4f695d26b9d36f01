//! Issue 7: resources. `event_resources` on the real stratus records, `resource_usage` on
//! sample_data, and the Development group taken to resource level: every resource its
//! members used stays allowed, nothing beyond the action level's result is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::common::{ingest, repo, rows, sample_store, trailcut};

/// `event_resources` of each stored event's primary action, by event name: one
/// (status, ARNs) per event.
type Derived = BTreeMap<String, Vec<(String, Vec<String>)>>;

fn derived(store: &Path, names: &[&str]) -> Derived {
    let list = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let found = rows(
        store,
        &format!(
            "SELECT eventname, r['status'] AS status, array_to_string(r['arns'], ' ') AS arns \
             FROM (SELECT eventname, event_resources(iam_actions[1], eventsource, eventname, \
               awsregion, useridentity, resources, requestparameters, responseelements) AS r \
             FROM events WHERE eventname IN ({list}))"
        ),
    );
    let mut out = Derived::new();
    for row in &found {
        let arns = row["arns"].as_str().unwrap_or_default();
        out.entry(row["eventname"].as_str().unwrap().to_owned())
            .or_default()
            .push((
                row["status"].as_str().unwrap().to_owned(),
                arns.split_whitespace().map(str::to_owned).collect(),
            ));
    }
    out
}

#[test]
fn resources_of_real_events_follow_the_documented_arn_formats() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest(&store, &[repo().join("tests/fixtures/stratus")]);
    let got = derived(
        &store,
        &[
            "GetParameters",
            "GetSecretValue",
            "StopInstances",
            "AuthorizeSecurityGroupIngress",
            "ModifySnapshotAttribute",
            "StopLogging",
            "AttachUserPolicy",
            "DescribeInstances",
            "AddPermission20150331v2",
        ],
    );
    // Every event of the name derived; their ARNs.
    let arns = |name: &str| -> Vec<String> {
        got[name]
            .iter()
            .flat_map(|(status, arns)| {
                assert_eq!(status, "derived", "{name}: {arns:?}");
                arns.clone()
            })
            .collect()
    };
    let status =
        |name: &str| -> BTreeSet<&str> { got[name].iter().map(|(s, _)| s.as_str()).collect() };
    // SSM: the parameter names of the request, as the record's resources[] lists them.
    let parameters = arns("GetParameters");
    assert!(parameters.len() > 1);
    assert!(parameters.iter().all(|a| {
        a.starts_with("arn:aws:ssm:cn-west-3r:933175858973:parameter/credentials/stratus-red-team/")
    }));
    // Secrets Manager: the secret ARN the request gives whole.
    let secrets = arns("GetSecretValue");
    let prefix = "arn:aws:secretsmanager:cn-centraleast-1r:903144391865:secret:";
    assert!(secrets.contains(&format!(
        "{prefix}stratus-red-team-retrieve-secret-18-4Rzn83"
    )));
    assert!(secrets.iter().all(|a| a.starts_with(prefix)));
    // EC2: arn:PARTITION:ec2:REGION:ACCOUNT:instance/ID.
    assert!(
        arns("StopInstances")
            .iter()
            .any(|a| a.ends_with(":instance/i-DDd6c7B0e18F0E35f"))
    );
    // The catalogue lists a security-group-rule type besides the group for it: a call may
    // be authorised on both, so the group alone is not offered.
    assert_eq!(
        status("AuthorizeSecurityGroupIngress"),
        BTreeSet::from(["underivable"])
    );
    // CloudTrail: arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME.
    assert!(
        arns("StopLogging")
            .iter()
            .any(|a| a.ends_with(":trail/stratus-red-team-ct-stop-trail-buykxbqejv"))
    );
    // Lambda: arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME.
    assert!(
        arns("AddPermission20150331v2")
            .iter()
            .any(|a| a.ends_with(":function:stratus-red-team-backdoor-f-func"))
    );
    // A snapshot action the rules do not fill, with nothing in resources[]: not derived.
    assert_eq!(
        status("ModifySnapshotAttribute"),
        BTreeSet::from(["underivable"])
    );
    // A user's name without its path is no ARN: never a guess.
    assert_eq!(status("AttachUserPolicy"), BTreeSet::from(["underivable"]));
    assert_eq!(status("DescribeInstances"), BTreeSet::from(["not_scoped"]));
}

/// Whether the policy text `pattern` (`*`, `?`, and the escapes `${*}`, `${?}`, `${$}`)
/// matches `arn`.
fn matches(pattern: &str, arn: &str) -> bool {
    fn go(p: &[char], a: &[char]) -> bool {
        match p.first() {
            None => a.is_empty(),
            Some('$') if p.get(1) == Some(&'{') && p.get(3) == Some(&'}') => {
                a.first() == Some(&p[2]) && go(&p[4..], &a[1..])
            }
            Some('*') => (0..=a.len()).any(|i| go(&p[1..], &a[i..])),
            Some('?') => !a.is_empty() && go(&p[1..], &a[1..]),
            Some(c) => a.first() == Some(c) && go(&p[1..], &a[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let a: Vec<char> = arn.chars().collect();
    go(&p, &a)
}

fn list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("{other}"),
    }
}

fn tighten(level: &str, out: &Path) -> String {
    let output = trailcut()
        .arg("--store")
        .arg(sample_store())
        .args([
            "tighten",
            "--group",
            "Development",
            "--level",
            level,
            "--keep-sid",
            "RequiredIamAndOrgsActions",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_development_group_at_resource_level_keeps_every_resource_it_used_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let report = tighten("resource", &dir.path().join("resource"));
    tighten("action", &dir.path().join("action"));
    assert!(report.contains("resource level"), "{report}");
    assert!(report.contains("0 would be denied"), "{report}");
    let read = |level: &str| -> Value {
        let path = dir
            .path()
            .join(level)
            .join("policies/ExampleDevelopment.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let narrow = read("resource");
    let wide = read("action");
    let statements = |doc: &Value| doc["Statement"].as_array().unwrap().clone();

    // The same actions as the action level, each on resources inside its statement's.
    let actions = |doc: &Value| -> BTreeSet<String> {
        statements(doc)
            .iter()
            .flat_map(|s| list(&s["Action"]))
            .collect()
    };
    assert_eq!(actions(&narrow), actions(&wide));
    let narrowed: Vec<Value> = statements(&narrow)
        .into_iter()
        .filter(|s| s["Resource"] != "*")
        .collect();
    assert!(narrowed.len() >= 5, "{narrow:#}");
    for s in &narrowed {
        // Each narrowed statement's Sid says what it grants, and is unique.
        let sid = s["Sid"].as_str().unwrap();
        assert!(sid.starts_with("Allow") && sid.contains("Actions"), "{sid}");
        for resource in list(&s["Resource"]) {
            assert!(resource.starts_with("arn:aws:"), "{resource}");
        }
    }
    let sids: BTreeSet<&str> = narrowed
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids.len(), narrowed.len(), "{sids:?}");
    // Objects are scoped to the buckets used, never to buckets in general.
    let objects: Vec<String> = narrowed
        .iter()
        .filter(|s| list(&s["Action"]).contains(&"s3:GetObject".to_owned()))
        .flat_map(|s| list(&s["Resource"]))
        .collect();
    assert!(!objects.is_empty());
    assert!(
        objects
            .iter()
            .all(|r| r.starts_with("arn:aws:s3:::example-corp-") && r.contains('/')),
        "{objects:?}"
    );
    // Actions that support no resource-level permission stay on `*`.
    let on_star: BTreeSet<String> = statements(&narrow)
        .iter()
        .filter(|s| s["Resource"] == "*")
        .flat_map(|s| list(&s["Action"]))
        .collect();
    for action in [
        "ec2:DescribeInstances",
        "s3:ListAllMyBuckets",
        "kms:ListKeys",
    ] {
        assert!(on_star.contains(action), "{action}");
    }

    // Every (action, resource) the members used in the window is allowed by a statement.
    let output = trailcut()
        .arg("--store")
        .arg(sample_store())
        .args([
            "query",
            "--name",
            "resource_usage",
            "--param",
            "days=89",
            "--param",
            "principal=arn:aws:iam::123456789012:user/%",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let usage: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let members = ["dev-ana", "dev-raj", "paulo"];
    let mut checked = 0;
    for row in &usage {
        let who = row["principal_arn"].as_str().unwrap();
        let action = row["action"].as_str().unwrap();
        let resource = row["resource"].as_str().unwrap();
        if !members.iter().any(|m| who.ends_with(&format!("user/{m}")))
            || resource.starts_with('(')
            || !actions(&narrow).contains(action)
        {
            continue;
        }
        let allowed = statements(&narrow).iter().any(|s| {
            list(&s["Action"]).iter().any(|a| a == action)
                && list(&s["Resource"]).iter().any(|p| matches(p, resource))
        });
        assert!(allowed, "{who} {action} {resource}");
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}
