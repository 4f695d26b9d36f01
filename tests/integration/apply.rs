//! Issue 21, item 3: the scripts of the first story, run against a fake `aws` that keeps
//! IAM state (tests/fixtures/fake-aws), leave the Development group with exactly the five
//! services it used and the required IAM and Organizations actions; rollback.sh brings the
//! state before back; cleanup.sh deletes what nobody used, after which no rollback runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{repo, trailcut};

const ACCOUNT: &str = "123456789012";

fn fake() -> PathBuf {
    repo().join("tests/fixtures/fake-aws")
}

/// Runs `aws ARGS` (the fake) on `state`.
fn fake_aws(state: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(fake().join("aws"))
        .args(args)
        .env("FAKE_AWS_STATE", state)
        .env("FAKE_AWS_NOW", "2026-12-01T00:00:00Z")
        .output()
        .unwrap()
}

/// Runs `dir/NAME` with the fake first on the PATH; returns whether it succeeded, and its
/// stderr.
fn run(dir: &Path, name: &str, state: &Path) -> (bool, String) {
    let out = std::process::Command::new("/bin/sh")
        .arg(dir.join(name))
        .env(
            "PATH",
            format!("{}:{}", fake().display(), std::env::var("PATH").unwrap()),
        )
        .env("FAKE_AWS_STATE", state)
        .env("FAKE_AWS_NOW", "2026-12-01T00:00:00Z")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn state(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// What decides the account's permissions: each customer policy's versions and default
/// (dates and counters left out), and each identity's attachments, inline policies and
/// groups.
fn permissions(state: &Value) -> Value {
    let mut policies = serde_json::Map::new();
    for (arn, p) in state["policies"].as_object().unwrap() {
        let versions: Vec<Value> = p["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| serde_json::json!([v["id"], v["document"]]))
            .collect();
        policies.insert(
            arn.clone(),
            serde_json::json!({"default": p["default_version"], "versions": versions}),
        );
    }
    let mut identities = serde_json::Map::new();
    for kind in ["users", "groups", "roles"] {
        for (name, e) in state[kind].as_object().unwrap() {
            let mut attached: Vec<Value> = e["attached"].as_array().unwrap().clone();
            attached.sort_by_key(ToString::to_string);
            identities.insert(
                format!("{kind}/{name}"),
                serde_json::json!({"attached": attached, "inline": e["inline"], "groups": e["groups"]}),
            );
        }
    }
    serde_json::json!({"policies": policies, "identities": identities})
}

/// The documents that give the group its permissions, in the state.
fn group_documents(state: &Value, group: &str) -> Vec<Value> {
    let g = &state["groups"][group];
    let mut docs: Vec<Value> = g["inline"].as_object().unwrap().values().cloned().collect();
    for arn in g["attached"].as_array().unwrap() {
        let arn = arn.as_str().unwrap();
        if let Some(p) = state["policies"].get(arn) {
            let default = &p["default_version"];
            let version = p["versions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| &v["id"] == default)
                .unwrap();
            docs.push(version["document"].clone());
        } else {
            docs.push(state["aws_managed"][arn]["document"].clone());
        }
    }
    docs
}

/// The actions `documents` allow together, by `trailcut policy expand`.
fn allowed(dir: &Path, documents: &[Value]) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for (i, document) in documents.iter().enumerate() {
        let path = dir.join(format!("doc-{i}.json"));
        std::fs::write(&path, document.to_string()).unwrap();
        let out = trailcut()
            .args(["policy", "expand"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{document}");
        all.extend(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
    }
    all
}

#[test]
fn story_one_applied_leaves_five_services_and_rolls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    // Story 1 as the demo runs it: service level, the sample's last-accessed reports, the
    // AWS managed policy replaced.
    let args: Vec<&str> = trailcut::cli::demo::STORIES[0].args.to_vec();
    assert!(args.contains(&"--replace-aws-managed"));
    let tightened = trailcut()
        .arg("--store")
        .arg(crate::common::sample_store())
        .arg("tighten")
        .args(&args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&tightened.stdout).into_owned();
    assert_eq!(tightened.status.code(), Some(0), "{report}");
    assert!(
        report.contains("PowerUserAccess (AWS managed): AWS managed: replaced"),
        "{report}"
    );

    let state_file = tmp.path().join("iam.json");
    let authz = repo().join("sample_data/iam/authorization-details-123456789012.json");
    let init = fake_aws(
        &state_file,
        &[
            "fake-init",
            "--account",
            ACCOUNT,
            "--from",
            authz.to_str().unwrap(),
        ],
    );
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let before = state(&state_file);

    let (ok, stderr) = run(&out, "apply.sh", &state_file);
    assert!(ok, "{stderr}");
    let applied = state(&state_file);
    // The group has exactly the five services and the required IAM and Organizations
    // actions, as the seed's administrator wrote them.
    let original = serde_json::from_str::<Value>(
        &std::fs::read_to_string(out.join("policies/ExampleDevelopment.json")).unwrap(),
    )
    .unwrap();
    let required = original["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "RequiredIamAndOrgsActions")
        .unwrap()
        .clone();
    let expected = allowed(
        tmp.path(),
        &[serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["cloudtrail:*", "ec2:*", "kms:*", "logs:*", "s3:*"], "Resource": "*"},
                required,
            ]
        })],
    );
    let got = allowed(tmp.path(), &group_documents(&applied, "Development"));
    let extra: Vec<&String> = got.difference(&expected).collect();
    let missing: Vec<&String> = expected.difference(&got).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "extra {extra:?}\nmissing {missing:?}"
    );
    let attached = applied["groups"]["Development"]["attached"].to_string();
    assert!(
        attached.contains("policy/PowerUserAccess-Trailcut"),
        "{attached}"
    );
    assert!(
        !attached.contains(":aws:policy/PowerUserAccess"),
        "{attached}"
    );
    assert!(
        !attached.contains("Development-PassLambdaRoles"),
        "{attached}"
    );
    // Nothing is deleted by apply.sh: that is cleanup.sh's.
    assert!(
        applied["policies"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("/Development-PassLambdaRoles"))
    );

    // Run again: every step done, nothing changes.
    let (ok, stderr) = run(&out, "apply.sh", &state_file);
    assert!(ok, "{stderr}");
    assert_eq!(permissions(&state(&state_file)), permissions(&applied));

    // rollback.sh brings back the state before (the created version and the replacement
    // deleted again).
    let (ok, stderr) = run(&out, "rollback.sh", &state_file);
    assert!(ok, "{stderr}");
    assert_eq!(permissions(&state(&state_file)), permissions(&before));
    assert!(!out.join(trailcut::tighten::MARKS).exists());

    // cleanup.sh needs apply.sh first; after it, the unused policy is gone and a rollback
    // refuses to run.
    let (ok, stderr) = run(&out, "cleanup.sh", &state_file);
    assert!(!ok && stderr.contains("run it first"), "{stderr}");
    assert!(run(&out, "apply.sh", &state_file).0);
    let (ok, stderr) = run(&out, "cleanup.sh", &state_file);
    assert!(ok, "{stderr}");
    let cleaned = state(&state_file);
    assert!(
        !cleaned["policies"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("/Development-PassLambdaRoles"))
    );
    let (ok, stderr) = run(&out, "rollback.sh", &state_file);
    assert!(!ok && stderr.contains("cannot bring them back"), "{stderr}");
    // And the directory is kept for rollback: a new tighten --out there is refused.
    let again = trailcut()
        .arg("--store")
        .arg(crate::common::sample_store())
        .arg("tighten")
        .args(&args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

/// Credentials of another account stop each script before any change.
#[test]
fn each_script_checks_the_account_first() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    let tightened = trailcut()
        .arg("--store")
        .arg(crate::common::sample_store())
        .arg("tighten")
        .args(trailcut::cli::demo::STORIES[0].args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(tightened.status.code(), Some(0));
    let state_file = tmp.path().join("iam.json");
    let authz = repo().join("sample_data/iam/authorization-details-123456789012.json");
    let init = fake_aws(
        &state_file,
        &[
            "fake-init",
            "--account",
            "999999999999",
            "--from",
            authz.to_str().unwrap(),
        ],
    );
    assert!(init.status.success());
    let before = std::fs::read(&state_file).unwrap();
    for script in ["apply.sh", "rollback.sh", "cleanup.sh"] {
        let (ok, stderr) = run(&out, script, &state_file);
        assert!(!ok, "{script}");
        assert!(
            stderr.contains("these changes are for account 123456789012"),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read(&state_file).unwrap(), before);
}
