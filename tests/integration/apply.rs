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

/// The Developers permission set, by ARN, and the sample's instance.
const DEVELOPERS: &str = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-6a2f9c1e8b3d4705";
const ADMINISTRATOR: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const DEVELOPERS_GROUP: &str = "c8250ff6-27e1-4d9c-aa6c-a4f28e5da7a9";

/// Runs `dir/NAME` as [`run`] does, each provisioning or assignment deletion answering
/// IN_PROGRESS on its first poll (so the scripts' polling loops turn once), with a `sleep`
/// that does not wait first on the PATH; the fake's calls are appended to `log`.
fn run_logged(dir: &Path, name: &str, state: &Path, log: &Path) -> (bool, String) {
    let bin = state.parent().unwrap().join("bin");
    if !bin.join("sleep").exists() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("sleep"), "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(bin.join("sleep"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let out = std::process::Command::new("/bin/sh")
        .arg(dir.join(name))
        .env(
            "PATH",
            format!(
                "{}:{}:{}",
                bin.display(),
                fake().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .env("FAKE_AWS_STATE", state)
        .env("FAKE_AWS_NOW", "2026-12-01T00:00:00Z")
        .env("FAKE_AWS_IN_PROGRESS", "1")
        .env("FAKE_AWS_LOG", log)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The calls in the fake's log, each as `service verb` and its argv, from line `from` on.
fn calls(log: &Path, from: usize) -> Vec<Vec<String>> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .skip(from)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn verbs(calls: &[Vec<String>]) -> Vec<String> {
    calls.iter().map(|c| c[..2].join(" ")).collect()
}

/// The accounts the Developers permission set is assigned in, to the Developers group.
fn developers_accounts(state: &Value) -> Vec<String> {
    let mut accounts: Vec<String> = state["sso"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["permission_set"] == DEVELOPERS)
        .map(|a| {
            assert_eq!(a["principal_type"], "GROUP", "{a}");
            assert_eq!(a["principal_id"], DEVELOPERS_GROUP, "{a}");
            a["account"].as_str().unwrap().to_owned()
        })
        .collect();
    accounts.sort();
    accounts
}

/// Story 5: the Developers permission set's scripts against the fake's Identity Center.
/// apply.sh leaves every account with exactly the new inline policy and no AWS managed
/// policy; a second run changes nothing; rollback.sh brings AdministratorAccess back,
/// provisioned; cleanup.sh removes the assignment in the account nobody used; a rollback
/// after it still brings the policy back, says the assignment stays removed.
#[test]
fn story_five_permission_set_applied_rolled_back_and_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    let args: Vec<&str> = trailcut::cli::demo::STORIES[4].args.to_vec();
    assert!(args.contains(&"--permission-set"), "{args:?}");
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

    // The fake's Identity Center, from the outputs the store holds.
    let state_file = tmp.path().join("state.json");
    let log = tmp.path().join("aws.log");
    let mut init: Vec<String> = ["fake-init", "--account", ACCOUNT, "--sso-from"]
        .map(str::to_owned)
        .to_vec();
    init.extend(
        crate::common::sample_files("sample_data/identity-center")
            .iter()
            .map(|p| p.to_str().unwrap().to_owned()),
    );
    let init: Vec<&str> = init.iter().map(String::as_str).collect();
    let seeded = fake_aws(&state_file, &init);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let seed = state(&state_file);
    let developers = |s: &Value| s["sso"]["permission_sets"][DEVELOPERS].clone();
    assert_eq!(
        developers(&seed),
        serde_json::json!({
            "name": "Developers",
            "instance": "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6",
            "inline_policy": null,
            "managed": [ADMINISTRATOR],
            "provisioned": {"inline_policy": null, "managed": [ADMINISTRATOR]},
        })
    );
    let all_accounts = ["123456789012", "210987654321", "456789012345"].map(str::to_owned);
    assert_eq!(developers_accounts(&seed), all_accounts);

    // cleanup.sh needs apply.sh first.
    let (ok, stderr) = run_logged(&out, "cleanup.sh", &state_file, &log);
    assert!(!ok && stderr.contains("run it first"), "{stderr}");
    assert_eq!(state(&state_file), seed);

    // apply.sh: the new inline policy and no managed policy, in Identity Center and in the
    // accounts, the assignments as they were.
    let from = calls(&log, 0).len();
    let (ok, stderr) = run_logged(&out, "apply.sh", &state_file, &log);
    assert!(ok, "{stderr}");
    let applied = state(&state_file);
    let inline: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("policies/permission-set/Developers.json")).unwrap(),
    )
    .unwrap();
    let set = developers(&applied);
    for held in [&set, &set["provisioned"]] {
        let text = held["inline_policy"]
            .as_str()
            .unwrap_or_else(|| panic!("{set}"));
        assert_eq!(serde_json::from_str::<Value>(text).unwrap(), inline);
        assert_eq!(held["managed"], serde_json::json!([]), "{set}");
    }
    assert_eq!(developers_accounts(&applied), all_accounts);
    // Provisioned to every account it is in, polled until done.
    assert_eq!(
        verbs(&calls(&log, from)),
        [
            "sts get-caller-identity",
            "sso-admin put-inline-policy-to-permission-set",
            "sso-admin detach-managed-policy-from-permission-set",
            "sso-admin provision-permission-set",
            "sso-admin describe-permission-set-provisioning-status",
            "sso-admin describe-permission-set-provisioning-status",
        ]
    );
    // The other permission set is untouched.
    let readonly = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0d7e4b9a3c5f1862";
    assert_eq!(
        applied["sso"]["permission_sets"][readonly],
        seed["sso"]["permission_sets"][readonly]
    );

    // Run again: every step done, no call but the account check, nothing changes.
    let from = calls(&log, 0).len();
    let (ok, stderr) = run_logged(&out, "apply.sh", &state_file, &log);
    assert!(ok, "{stderr}");
    assert_eq!(verbs(&calls(&log, from)), ["sts get-caller-identity"]);
    assert_eq!(state(&state_file), applied);

    // rollback.sh: Identity Center and the accounts as in the seed.
    let (ok, stderr) = run_logged(&out, "rollback.sh", &state_file, &log);
    assert!(ok, "{stderr}");
    let rolled_back = state(&state_file);
    assert_eq!(developers(&rolled_back), developers(&seed));
    assert_eq!(
        rolled_back["sso"]["assignments"],
        seed["sso"]["assignments"]
    );
    assert!(!out.join(trailcut::tighten::MARKS).exists());

    // apply.sh again, then cleanup.sh: the assignment in 456789012345, which nobody used,
    // goes; the two others stay.
    let (ok, stderr) = run_logged(&out, "apply.sh", &state_file, &log);
    assert!(ok, "{stderr}");
    let from = calls(&log, 0).len();
    let (ok, stderr) = run_logged(&out, "cleanup.sh", &state_file, &log);
    assert!(ok, "{stderr}");
    let cleaned = state(&state_file);
    assert_eq!(
        developers_accounts(&cleaned),
        ["123456789012", "210987654321"]
    );
    assert_eq!(
        verbs(&calls(&log, from)),
        [
            "sts get-caller-identity",
            "sso-admin delete-account-assignment",
            "sso-admin describe-account-assignment-deletion-status",
            "sso-admin describe-account-assignment-deletion-status",
        ]
    );
    let deleted = &calls(&log, from)[1];
    for flag in [
        "--target-id=456789012345",
        "--target-type=AWS_ACCOUNT",
        "--principal-type=GROUP",
    ] {
        assert!(deleted.iter().any(|a| a == flag), "{deleted:?}");
    }
    // The policy change stays in place.
    assert_eq!(developers(&cleaned), developers(&applied));

    // rollback.sh after cleanup.sh: the policy as in the seed, the removed assignment
    // said to stay removed.
    let (ok, stderr) = run_logged(&out, "rollback.sh", &state_file, &log);
    assert!(
        ok && stderr.contains("cleanup.sh has removed assignments"),
        "{stderr}"
    );
    let after = state(&state_file);
    assert_eq!(developers(&after), developers(&seed));
    assert_eq!(
        developers_accounts(&after),
        ["123456789012", "210987654321"]
    );
}
