//! Issue 22 on sample_data: the Developers permission set of IAM Identity Center tightened
//! to exactly what its provisioned roles did in every account (against the generator's
//! ground truth), the unused assignment proposed for removal, and a person behind every
//! event of the Identity Center, sourceIdentity and chained sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use trailcut::cli::demo::STORIES;
use trailcut::mapping::{EventMapper, MappingStatus};

use crate::common::{repo, rows, sample_store, trailcut};

const DEVELOPERS: &[&str] = STORIES[4].args;

fn ground_truth() -> Value {
    serde_json::from_slice(
        &std::fs::read(repo().join("sample_data/trail-ground-truth.json")).unwrap(),
    )
    .unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The IAM actions of `calls` ([eventSource, eventName]) the mapping says they needed:
/// what a policy must allow (permissionless calls need nothing).
fn needed(calls: &[Value]) -> BTreeSet<String> {
    let mapper = EventMapper::embedded();
    let mut actions = BTreeSet::new();
    for call in calls {
        let (source, name) = (call[0].as_str().unwrap(), call[1].as_str().unwrap());
        let mapping = mapper.map(source, name, "AwsApiCall");
        if mapping.status == MappingStatus::Mapped {
            actions.extend(mapping.actions.iter().map(|a| a.to_string()));
        }
    }
    actions
}

#[test]
fn the_developers_permission_set_keeps_exactly_the_used_actions_and_drops_an_unused_assignment() {
    let truth = ground_truth();
    let set = &truth["identity_center"]["permission_sets"]["Developers"];
    let accounts = set["accounts"].as_object().unwrap();
    let used: Vec<Value> = accounts
        .values()
        .flat_map(|a| a["calls"].as_array().unwrap().clone())
        .collect();
    let expected = needed(&used);
    assert!(expected.len() >= 5, "{expected:?}");

    let out = tempfile::tempdir().unwrap();
    let output = trailcut()
        .arg("--store")
        .arg(sample_store())
        .arg("tighten")
        .args(DEVELOPERS)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The new inline policy allows exactly the used actions.
    let document = read_json(&out.path().join("policies/permission-set/Developers.json"));
    let mut allowed = BTreeSet::new();
    for statement in document["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Resource"], "*");
        match &statement["Action"] {
            Value::String(a) => {
                allowed.insert(a.clone());
            }
            Value::Array(list) => {
                allowed.extend(list.iter().map(|a| a.as_str().unwrap().to_owned()));
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(allowed, expected);

    let plan = read_json(&out.path().join("plan.json"));
    assert_eq!(plan["scope"]["kind"], "permission-set");
    assert_eq!(plan["replay"]["regressions"].as_array().unwrap().len(), 0);
    assert!(
        plan["replay"]["events"].as_u64().unwrap() > 300,
        "{}",
        plan["replay"]
    );
    let ps = &plan["permission_set"];
    assert_eq!(
        ps["managed_detached"],
        serde_json::json!(["arn:aws:iam::aws:policy/AdministratorAccess"])
    );
    // Evidence per account and person: the production account's role was never used.
    let by_account: BTreeMap<&str, &Value> = ps["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account"].as_str().unwrap(), a))
        .collect();
    for (account, truth) in accounts {
        let people: BTreeSet<&str> = by_account[account.as_str()]["people"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected: BTreeSet<&str> = truth["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(people, expected, "{account}");
    }
    assert_eq!(by_account["456789012345"]["events"], 0);
    // The assignment in the unused account goes, the others stay.
    let verdicts: BTreeMap<&str, &str> = ps["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap(),
                a["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        BTreeMap::from([
            ("123456789012", "keep"),
            ("210987654321", "keep"),
            ("456789012345", "remove")
        ])
    );

    // The scripts: the inline policy put, AdministratorAccess detached and the set
    // provisioned; the assignment removed in cleanup.sh; rollback.sh the reverse.
    let script = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap();
    let apply = script("apply.sh");
    let commands = trailcut::tighten::script_commands(&apply);
    assert_eq!(commands.len(), 3, "{commands:#?}");
    assert!(commands[0].starts_with("aws sso-admin put-inline-policy-to-permission-set "));
    assert!(
        commands[0].ends_with("--inline-policy=file://policies/permission-set/Developers.json")
    );
    assert!(commands[1].contains("detach-managed-policy-from-permission-set"));
    assert!(commands[2].contains("provision-permission-set"));
    assert!(
        apply.contains("if [ \"$account\" != 123456789012 ]"),
        "{apply}"
    );
    let cleanup = script("cleanup.sh");
    let removals = trailcut::tighten::script_commands(&cleanup);
    assert_eq!(removals.len(), 1, "{removals:#?}");
    assert!(removals[0].contains("delete-account-assignment"));
    assert!(removals[0].contains("--target-id=456789012345"));
    let rollback = script("rollback.sh");
    let rollback = trailcut::tighten::script_commands(&rollback);
    assert!(
        rollback
            .iter()
            .any(|c| c.contains("attach-managed-policy-to-permission-set")),
        "{rollback:#?}"
    );
    // It had no inline policy: rollback deletes the one apply.sh put.
    assert!(
        rollback
            .iter()
            .any(|c| c.contains("delete-inline-policy-from-permission-set")),
        "{rollback:#?}"
    );
    assert!(
        stdout.contains("456789012345: not used in the window"),
        "{stdout}"
    );
    // plan.md, for the change ticket: the people per account and the assignments.
    let md = script("plan.md");
    assert!(
        md.contains(
            "| 123456789012 | 326 | alice@example.com 133, bob@example.com 150, carol@example.com 43 |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| group Developers | 456789012345 | remove |"),
        "{md}"
    );
}

#[test]
fn every_identity_center_sourceidentity_and_chained_event_has_its_person() {
    let truth = ground_truth();
    let people = truth["identity_center"]["people"].as_object().unwrap();
    let store = sample_store();
    for (arn, expected) in people {
        let mut want: BTreeMap<(String, String), i64> = BTreeMap::new();
        for e in expected.as_array().unwrap() {
            *want
                .entry((
                    e["person"].as_str().unwrap().to_owned(),
                    e["rule"].as_str().unwrap().to_owned(),
                ))
                .or_default() += e["events"].as_i64().unwrap();
        }
        // The role's own events, and the calls that assumed it (their caller has no ARN).
        let found = rows(
            store,
            &format!(
                "SELECT person, person_source, count(*) AS n FROM event_people \
                 WHERE principal_arn = '{arn}' \
                    OR (principal_arn IS NULL \
                        AND eventname IN ('AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity') \
                        AND json_text(requestparameters, 'roleArn') = '{arn}') \
                 GROUP BY 1, 2"
            ),
        );
        let got: BTreeMap<(String, String), i64> = found
            .iter()
            .map(|r| {
                let text = |k: &str| {
                    r.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_else(|| panic!("{arn}: an event without its {k}: {r:?}"))
                        .to_owned()
                };
                (
                    (text("person"), text("person_source")),
                    r["n"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{arn}");
    }
}

/// Runs trailcut on the sample store; returns the exit code, stdout and stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let output = trailcut()
        .arg("--store")
        .arg(sample_store())
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn who_grants_and_policy_eval_answer_for_an_identity_center_user() {
    // carol holds Developers through her group in three accounts; in the sandbox the
    // OU's SCP leaves Lambda out.
    let (code, stdout, stderr) = run(&[
        "who-grants",
        "--sso-user",
        "carol",
        "--service",
        "lambda",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    let granted: BTreeMap<String, bool> = answer["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["permission_set"], "Developers");
            assert_eq!(r["held_through"], "group Developers");
            (
                r["account"].as_str().unwrap().to_owned(),
                r["services"][0]["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        granted,
        BTreeMap::from([
            ("123456789012".to_owned(), true),
            ("210987654321".to_owned(), false),
            ("456789012345".to_owned(), true),
        ])
    );
    // One request needs one role: several are an error that lists them.
    let (code, _, stderr) = run(&[
        "policy",
        "eval",
        "--sso-user",
        "carol@example.com",
        "--action",
        "lambda:ListFunctions",
        "--resource",
        "*",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--account 210987654321 --permission-set Developers"),
        "{stderr}"
    );
    let (code, stdout, _) = run(&[
        "policy",
        "eval",
        "--sso-user",
        "carol@example.com",
        "--account",
        "210987654321",
        "--action",
        "lambda:ListFunctions",
        "--resource",
        "*",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("implicit-deny"), "{stdout}");
    // dave holds ReadOnly, directly: it reads, it does not terminate.
    let eval = |action: &str| {
        run(&[
            "policy",
            "eval",
            "--sso-user",
            "dave",
            "--action",
            action,
            "--resource",
            "*",
        ])
    };
    assert_eq!(eval("ec2:DescribeInstances").0, 0);
    assert_eq!(eval("ec2:TerminateInstances").0, 1);
    // A typo is named with the closest user.
    let (code, _, stderr) = run(&["who-grants", "--sso-user", "carlo", "--service", "s3"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `carol@example.com`"),
        "{stderr}"
    );
}

/// An account whose own trail is not in the store keeps its assignment, whatever the
/// others' trails and the reports say: nothing shows its use, so nothing shows its non-use.
#[test]
fn an_account_without_its_trail_keeps_its_assignment() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let copy = |from: &Path, to: &Path| {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(from).unwrap();
            if rel.starts_with("trail/AWSLogs/210987654321") {
                continue;
            }
            let target = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    };
    copy(&repo().join("sample_data"), &data);
    let store = tmp.path().join("store");
    trailcut()
        .arg("--store")
        .arg(&store)
        .arg("ingest")
        .arg(&data)
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(2));
    let out = tmp.path().join("out");
    let output = trailcut()
        .arg("--store")
        .arg(&store)
        .arg("tighten")
        .args(DEVELOPERS)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan = read_json(&out.join("plan.json"));
    let sandbox = plan["permission_set"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "210987654321")
        .unwrap()
        .clone();
    assert_eq!(sandbox["verdict"], "keep", "{sandbox}");
    let removals = trailcut::tighten::script_commands(
        &std::fs::read_to_string(out.join("cleanup.sh")).unwrap(),
    )
    .join("\n");
    assert!(!removals.contains("210987654321"), "{removals}");
}
