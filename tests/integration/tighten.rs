//! Issue 6: `trailcut tighten` tells the seed's stories end to end on sample_data: the
//! Development group cut to its five services, nikhilj's unused access traced to the
//! policies and memberships that grant it, ExamplePolicy1 trimmed from its evidence, and a
//! replay that catches what a careless rewrite would break.

use std::path::{Path, PathBuf};

use serde_json::Value;

use trailcut::cli::demo::STORIES;

use crate::common::trailcut;

/// The seed's four stories, as `demo` runs them.
const DEVELOPMENT: &[&str] = STORIES[0].args;
const NIKHILJ: &[&str] = STORIES[1].args;
const EXAMPLE_POLICY1: &[&str] = STORIES[2].args;
const NEW_SERVICE_TEST_SCP: &[&str] = STORIES[3].args;
const DEVELOPERS_PERMISSION_SET: &[&str] = STORIES[4].args;

fn store() -> &'static Path {
    crate::common::sample_store()
}

/// Runs `trailcut tighten ARGS --out DIR`; returns the exit code, stdout, and the output
/// directory.
fn tighten(args: &[&str]) -> (i32, String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let output = trailcut()
        .arg("--store")
        .arg(store())
        .arg("tighten")
        .args(args)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let code = output.status.code().unwrap();
    assert!(code != 2, "{args:?}: {stderr}");
    (code, stdout, out)
}

fn json(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The aws CLI commands of apply.sh, without comments and the preamble.
/// The commands of apply.sh and cleanup.sh that change something, in order.
fn commands(dir: &Path) -> Vec<String> {
    ["apply.sh", "cleanup.sh"]
        .iter()
        .flat_map(|script| {
            // SCP mode writes apply.sh only.
            let text = std::fs::read_to_string(dir.join(script)).unwrap_or_default();
            trailcut::tighten::script_commands(&text)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(list) => list
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("{other}"),
    }
}

fn policy<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the plan"))
}

#[test]
fn the_development_group_is_cut_to_the_five_services_it_used() {
    let (code, stdout, out) = tighten(DEVELOPMENT);
    assert_eq!(code, 0, "{stdout}");
    // The seed's second document: the five services, and the required IAM and
    // Organizations actions as written.
    let document = json(out.path().join("policies/ExampleDevelopment.json"));
    let statements = document["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    // Its Sid says what it grants now, no longer what the original cut away.
    assert_eq!(statements[0]["Sid"], "AllowCloudtrailEc2KmsLogsS3");
    assert_eq!(
        actions(&statements[0]),
        ["cloudtrail:*", "ec2:*", "kms:*", "logs:*", "s3:*"]
    );
    assert_eq!(statements[0]["Resource"], "*");
    assert_eq!(
        actions(&statements[1]),
        [
            "iam:CreateServiceLinkedRole",
            "iam:DeleteServiceLinkedRole",
            "iam:ListRoles",
            "organizations:DescribeOrganization"
        ]
    );
    // The Lambda experiments ended before the window: the PassRole policy goes.
    assert_eq!(
        commands(out.path()),
        [
            "aws iam create-policy-version --policy-arn=arn:aws:iam::123456789012:policy/ExampleDevelopment --policy-document=file://policies/ExampleDevelopment.json --set-as-default",
            // PowerUserAccess replaced: its cut copy attached before it is detached.
            "aws iam create-policy --policy-name=PowerUserAccess-Trailcut --policy-document=file://policies/aws-managed/PowerUserAccess.json --description='PowerUserAccess cut to what was used (trailcut)'",
            "aws iam attach-group-policy --group-name=Development --policy-arn=arn:aws:iam::123456789012:policy/PowerUserAccess-Trailcut",
            "aws iam detach-group-policy --group-name=Development --policy-arn=arn:aws:iam::aws:policy/PowerUserAccess",
            "aws iam detach-group-policy --group-name=Development --policy-arn=arn:aws:iam::123456789012:policy/Development-PassLambdaRoles",
            "aws iam delete-policy --policy-arn=arn:aws:iam::123456789012:policy/Development-PassLambdaRoles",
        ]
    );
    // The script refuses to run with another account's credentials.
    let script = std::fs::read_to_string(out.path().join("apply.sh")).unwrap();
    assert!(
        script.contains("if [ \"$account\" != 123456789012 ]"),
        "{script}"
    );
    let plan = json(out.path().join("plan.json"));
    let example = policy(&plan, "ExampleDevelopment");
    assert_eq!(example["outcome"], "rewritten");
    let item = |name: &str| {
        example["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(item("s3")["decision"], "kept");
    assert!(item("s3")["evidence"]["events"].as_u64().unwrap() > 100);
    assert_eq!(item("lambda")["decision"], "removed");
    // PowerUserAccess is AWS managed: replaced by its cut copy, so nothing still grants
    // what ExampleDevelopment loses.
    assert_eq!(policy(&plan, "PowerUserAccess")["outcome"], "replaced");
    assert!(!stdout.contains("still allows"), "{stdout}");
    assert_eq!(
        plan["still_allowed_by_aws_managed"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Without the flag it is reported, not edited, and flagged as still granting what
    // ExampleDevelopment loses.
    let without: Vec<&str> = DEVELOPMENT
        .iter()
        .copied()
        .filter(|a| *a != "--replace-aws-managed")
        .collect();
    let (code, stdout, out) = tighten(&without);
    assert_eq!(code, 0, "{stdout}");
    let plan = json(out.path().join("plan.json"));
    assert_eq!(policy(&plan, "PowerUserAccess")["outcome"], "not-editable");
    assert!(
        stdout.contains("note: PowerUserAccess (AWS managed) still allows"),
        "{stdout}"
    );
    // Refused calls are listed, never added.
    let refused: Vec<&str> = plan["denied_not_granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(refused, ["iam:CreateUser", "organizations:ListAccounts"]);
    assert!(!actions(&statements[0]).iter().any(|a| a.starts_with("iam")));
    // Every successful call of the three developers replays allowed.
    let replay = &plan["replay"];
    assert_eq!(replay["principals"], 3);
    assert!(replay["events"].as_u64().unwrap() > 500);
    assert_eq!(replay["regressions"].as_array().unwrap().len(), 0);
    assert!(
        stdout.contains("of 3 principals: 0 would be denied"),
        "{stdout}"
    );
}

/// Story 1 with the trail alone: what the trail cannot see is kept, grouped by why, with
/// the services used before the window named and the evidence that would settle it.
#[test]
fn what_the_trail_cannot_see_is_explained_in_a_few_lines() {
    let mut args = DEVELOPMENT.to_vec();
    args.extend(["--evidence", "trail"]);
    let (code, stdout, _) = tighten(&args);
    assert_eq!(code, 0, "{stdout}");
    let example = stdout
        .split("\n\n")
        .find(|p| p.starts_with("ExampleDevelopment"))
        .unwrap();
    assert!(
        example.contains(
            "kept     16 services, unobservable: data-plane calls, and the trail records no \
             data events of their service:"
        ),
        "{example}"
    );
    assert!(
        example.contains("dynamodb (27 events, last 2026-07-27)"),
        "{example}"
    );
    assert!(
        example.contains(
            "to settle it: last-accessed reports see every service: `--evidence both` counts \
             those the store holds about arn:aws:iam::123456789012:group/Development; else \
             `trailcut collect last-accessed --arn arn:aws:iam::123456789012:group/Development`"
        ),
        "{example}"
    );
    assert!(example.contains("--drop-unobservable"), "{example}");
    assert!(
        !example.contains("unobservable: a data event"),
        "one line per service no more"
    );
    // The kept list in full: every service kept on evidence has its own line.
    for service in ["cloudtrail", "ec2", "kms", "logs", "s3"] {
        assert!(
            example.contains(&format!("  kept     {service}  ")),
            "{example}"
        );
    }
}

#[test]
fn nikhiljs_unused_access_is_traced_to_the_policies_and_groups_that_grant_it() {
    let (code, stdout, out) = tighten(NIKHILJ);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        commands(out.path()),
        [
            "aws iam remove-user-from-group --group-name=security-team --user-name=nikhilj",
            "aws iam detach-group-policy --group-name=app-dev --policy-arn=arn:aws:iam::123456789012:policy/App-Dev-ElasticTranscoder",
            "aws iam detach-user-policy --user-name=nikhilj --policy-arn=arn:aws:iam::aws:policy/IAMFullAccess",
            "aws iam delete-policy --policy-arn=arn:aws:iam::123456789012:policy/App-Dev-ElasticTranscoder",
        ]
    );
    let plan = json(out.path().join("plan.json"));
    // Route 53 stays: other members of app-dev use it.
    assert_eq!(policy(&plan, "App-Dev-Route53")["outcome"], "unchanged");
    assert_eq!(
        policy(&plan, "App-Dev-ElasticTranscoder")["outcome"],
        "emptied"
    );
    // The replay covers nikhilj and the app-dev members whose group loses a policy.
    assert_eq!(plan["replay"]["regressions"].as_array().unwrap().len(), 0);
    assert!(plan["replay"]["principals"].as_u64().unwrap() >= 1);
}

#[test]
fn example_policy1_loses_its_ec2_statement() {
    let (code, stdout, out) = tighten(EXAMPLE_POLICY1);
    assert_eq!(code, 0, "{stdout}");
    let document = json(out.path().join("policies/ExamplePolicy1.json"));
    let sids: Vec<&str> = document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        sids,
        [
            "ListTables",
            "ExampleTables",
            "ListBuckets",
            "ExampleCorpBuckets"
        ]
    );
    assert_eq!(
        commands(out.path()),
        [
            "aws iam create-policy-version --policy-arn=arn:aws:iam::123456789012:policy/ExamplePolicy1 --policy-document=file://policies/ExamplePolicy1.json --set-as-default"
        ]
    );
    // Judged by all four identities it is attached to.
    let plan = json(out.path().join("plan.json"));
    let s3 = policy(&plan, "ExamplePolicy1")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "s3")
        .unwrap()
        .clone();
    assert!(s3["evidence"]["principals"].as_array().unwrap().len() >= 3);
}

#[test]
fn check_exits_3_only_when_something_would_change() {
    let run = |args: &[&str]| {
        trailcut()
            .arg("--store")
            .arg(store())
            .arg("tighten")
            .args(args)
            .arg("--check")
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(
        run(&["--policy", "ExamplePolicy1", "--level", "service"]),
        Some(3)
    );
    assert_eq!(
        run(&["--policy", "App-Dev-Route53", "--level", "service"]),
        Some(0)
    );
}

#[test]
fn dropping_what_the_reports_cannot_see_is_caught_by_the_replay() {
    // From the reports alone at action level, the actions AWS does not track are
    // unobservable; dropping them anyway removes calls the trail shows in use.
    let (code, stdout, out) = tighten(&[
        "--group",
        "app-dev",
        "--evidence",
        "last-accessed",
        "--drop-unobservable",
    ]);
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("REGRESSION"), "{stdout}");
    let plan = json(out.path().join("plan.json"));
    let regressions = plan["replay"]["regressions"].as_array().unwrap();
    assert!(!regressions.is_empty());
    assert!(regressions.iter().all(|r| r["decision"] != "allow"));
    // Kept by default, the same run replays clean.
    let (code, stdout, _) = tighten(&["--group", "app-dev", "--evidence", "last-accessed"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(": 0 would be denied"), "{stdout}");
}

#[test]
fn unknown_and_aws_managed_targets_are_refused_with_a_reason() {
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--group", "NoSuchGroup"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no user, group or role named `NoSuchGroup`",
        ));
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--policy", "IAMFullAccess"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("AWS managed"));
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--group", "nikhilj"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a user, not a group"));
    // A typo: the closest name. Another case: the same principal, as IAM compares names.
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--group", "Developement"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("(did you mean `Development`?)"));
    let (code, stdout, _) = tighten(&["--group", "development", "--level", "service"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("arn:aws:iam::123456789012:group/Development"),
        "{stdout}"
    );
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--policy", "ExamplePolicy"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "(did you mean `ExamplePolicy1`?)",
        ));
    trailcut()
        .arg("--store")
        .arg(store())
        .args([
            "tighten",
            "--scp",
            "NewServiceTst",
            "--org-entity",
            "ou-ab12-11111111",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no SCP named `NewServiceTst` in the store (did you mean `NewServiceTest`?)",
        ));
}

#[test]
fn an_org_entity_may_be_given_by_its_bare_id() {
    let (code, by_path, out) = tighten(NEW_SERVICE_TEST_SCP);
    assert_eq!(code, 0, "{by_path}");
    let mut args = NEW_SERVICE_TEST_SCP.to_vec();
    let at = args.iter().position(|a| *a == "--org-entity").unwrap();
    args[at + 1] = "ou-ab12-11111111";
    // And the SCP's name in another case.
    let scp = args.iter().position(|a| *a == "--scp").unwrap();
    args[scp + 1] = "newservicetest";
    let (code, by_id, out_by_id) = tighten(&args);
    assert_eq!(code, 0, "{by_id}");
    assert_eq!(
        std::fs::read(out.path().join("plan.json")).unwrap(),
        std::fs::read(out_by_id.path().join("plan.json")).unwrap()
    );
}

#[test]
fn the_development_ous_scp_denies_the_services_unused_for_180_days() {
    let (code, stdout, out) = tighten(NEW_SERVICE_TEST_SCP);
    assert_eq!(code, 0, "{stdout}");
    let document = json(out.path().join("scps/NewServiceTest.json"));
    let statements = document["Statement"].as_array().unwrap();
    let deny = statements.last().unwrap();
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Sid"], "TrailcutDenyUnusedServices");
    assert_eq!(actions(deny), ["dms:*", "lex:*"]);
    assert!(
        std::fs::read_to_string(out.path().join("scps/NewServiceTest.json"))
            .unwrap()
            .len()
            <= 5120
    );
    assert_eq!(
        commands(out.path()),
        [
            "aws organizations update-policy --policy-id=p-7hq2c4xz --content=file://scps/NewServiceTest.json"
        ]
    );
    let plan = json(out.path().join("plan.json"));
    assert_eq!(plan["last_reported"]["lex"], "2026-05-08T11:38:58Z");
    assert_eq!(plan["replay"]["regressions"].as_array().unwrap().len(), 0);
    // The baseline services the OU never used stay allowed unless asked.
    assert!(stdout.contains("allowed  sts  never used"), "{stdout}");
    // --deny-never-used denies the never-used baseline as well.
    let (_, _, out) = tighten(&[NEW_SERVICE_TEST_SCP, &["--deny-never-used"]].concat());
    let document = json(out.path().join("scps/NewServiceTest.json"));
    let deny = document["Statement"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        actions(&deny),
        [
            "cloudwatch:*",
            "dms:*",
            "iam:*",
            "kms:*",
            "lex:*",
            "logs:*",
            "sts:*"
        ]
    );
}

#[test]
fn a_window_the_trail_does_not_cover_is_refused_unless_accepted() {
    // The main account's trail starts on 2026-07-19: 200 days back is before it.
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--group", "Development", "--days", "200"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the trail of account 123456789012 covers 2026-07-19",
        ))
        .stderr(predicates::str::contains("--partial-trail"));
    let (code, stdout, _) = tighten(&[
        "--group",
        "Development",
        "--days",
        "200",
        "--level",
        "service",
        "--partial-trail",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("warning: the trail of account 123456789012 covers"),
        "{stdout}"
    );
}

#[test]
fn a_permissions_boundary_is_never_rewritten_and_an_unattached_policy_is_deleted() {
    let (code, stdout, out) = tighten(&["--policy", "CIDeployBoundary"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("a permissions boundary: not rewritten"),
        "{stdout}"
    );
    assert!(
        commands(out.path()).is_empty(),
        "{:?}",
        commands(out.path())
    );
    let (_, _, out) = tighten(&["--policy", "LegacyS3ReadOnly"]);
    assert_eq!(
        commands(out.path()),
        ["aws iam delete-policy --policy-arn=arn:aws:iam::123456789012:policy/LegacyS3ReadOnly"]
    );
}

/// Issue 20: one definition of a refused call. Development-PassLambdaRoles grants
/// `iam:PassRole`; the last IAM call of the principals it reaches in the sample (dev-raj's
/// `iam:CreateUser` on 2026-11-11) was refused. `last_activity` used to count it as use
/// while `tighten` did not; both now say the policy was last used on 2026-07-28.
#[test]
fn last_activity_and_tighten_agree_that_a_refused_call_is_no_use() {
    let (code, stdout, out) = tighten(&[
        "--policy",
        "Development-PassLambdaRoles",
        "--level",
        "service",
    ]);
    assert_eq!(code, 0, "{stdout}");
    let plan = json(out.path().join("plan.json"));
    let p = policy(&plan, "Development-PassLambdaRoles");
    assert_eq!(p["outcome"], "emptied");
    let iam = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "iam")
        .unwrap();
    assert_eq!(iam["decision"], "removed");
    let last_before = iam["before"]["last"].as_str().unwrap();
    assert!(last_before.starts_with("2026-07-28"), "{iam}");

    let values = std::collections::BTreeMap::from([(
        "name".to_owned(),
        "Development-PassLambdaRoles".to_owned(),
    )]);
    let sql = trailcut::sql::named::find("last_activity")
        .unwrap()
        .render(&values)
        .unwrap();
    let activity = crate::common::rows(store(), &sql);
    assert_eq!(activity.len(), 1, "{activity:?}");
    assert_eq!(activity[0]["trail_last_seen"], last_before, "{activity:?}");

    // The SQL function, the rollup and the events agree on which calls were refused.
    let by_function = crate::common::scalar(
        store(),
        "SELECT count(*) FROM events WHERE is_denied(errorcode)",
    );
    let by_rollup = crate::common::scalar(
        store(),
        "SELECT CAST(sum(events) AS BIGINT) FROM usage WHERE outcome = 'denied' AND role = 'primary'",
    );
    assert_eq!(by_function, 67);
    assert_eq!(by_rollup, by_function);
    assert_eq!(
        crate::common::scalar(
            store(),
            "SELECT count(*) FROM (VALUES ('ExpiredToken'), ('NoSuchKey'), (NULL)) t(code) \
             WHERE is_denied(code)"
        ),
        1
    );
}

/// Issue 20: plan.json is a documented format. Every plan of the seed's stories, and of the
/// resource level, a boundary and dropped unobservables, matches docs/plan.schema.json,
/// which allows no field it does not describe.
#[test]
fn every_plan_matches_its_published_schema() {
    let schema = json(crate::common::repo().join("docs/plan.schema.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let runs: [&[&str]; 8] = [
        DEVELOPMENT,
        NIKHILJ,
        EXAMPLE_POLICY1,
        NEW_SERVICE_TEST_SCP,
        DEVELOPERS_PERMISSION_SET,
        &["--group", "Development", "--level", "resource"],
        &[
            "--group",
            "app-dev",
            "--evidence",
            "last-accessed",
            "--drop-unobservable",
        ],
        &["--policy", "CIDeployBoundary"],
    ];
    let mut last = Value::Null;
    for args in runs {
        let (_, _, out) = tighten(args);
        let plan = json(out.path().join("plan.json"));
        assert_eq!(plan["schema_version"], 1);
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| format!("{}: {e}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        last = plan;
    }
    // The check can fail: a field the schema does not describe, or a missing one.
    let mut extra = last.clone();
    extra["surprise"] = Value::Bool(true);
    assert!(!validator.is_valid(&extra));
    let mut missing = last;
    missing.as_object_mut().unwrap().remove("replay");
    assert!(!validator.is_valid(&missing));
}

/// Issue 20: the report and plan.json of the seed's four stories, as committed under
/// `tests/snapshots/tighten/`. A change in the rules shows here line by line; after
/// reviewing it, `TRAILCUT_UPDATE_SNAPSHOTS=1 cargo test --test integration -- the_four_stories`
/// rewrites them. The output directory's path is the only part that varies between runs.
#[test]
fn the_four_stories_match_their_snapshots() {
    let update = std::env::var_os("TRAILCUT_UPDATE_SNAPSHOTS").is_some();
    let dir = crate::common::repo().join("tests/snapshots/tighten");
    let stories: [(&str, &[&str]); 5] = [
        ("1-development", DEVELOPMENT),
        ("2-nikhilj", NIKHILJ),
        ("3-example-policy1", EXAMPLE_POLICY1),
        ("4-new-service-test-scp", NEW_SERVICE_TEST_SCP),
        ("5-developers-permission-set", DEVELOPERS_PERMISSION_SET),
    ];
    let mut differences = Vec::new();
    for (name, args) in stories {
        let (code, stdout, out) = tighten(args);
        assert_eq!(code, 0, "{name}: {stdout}");
        let report = stdout.replace(&out.path().display().to_string(), "<out>");
        let plan = std::fs::read_to_string(out.path().join("plan.json")).unwrap();
        for (file, text) in [
            (format!("{name}.txt"), report),
            (format!("{name}.plan.json"), plan),
        ] {
            let path = dir.join(&file);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if expected != text {
                let line = expected
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(expected.lines().count().min(text.lines().count()));
                differences.push(format!(
                    "{file} line {}:\n  expected: {}\n  now:      {}",
                    line + 1,
                    expected.lines().nth(line).unwrap_or("<end>"),
                    text.lines().nth(line).unwrap_or("<end>")
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "the stories' outputs changed (review, then TRAILCUT_UPDATE_SNAPSHOTS=1 to accept):\n{}",
        differences.join("\n")
    );
}

/// Issue 21, item 4: every customer-managed policy in one run, each plan in its own folder
/// and the same as its own run's, a summary, and a second run into the same directory.
#[test]
fn a_bulk_run_writes_one_plan_per_policy_and_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("plans");
    let bulk = || {
        trailcut()
            .arg("--store")
            .arg(store())
            .args([
                "tighten",
                "--all-policies",
                "--exclude",
                "app-dev-*",
                "--level",
                "service",
            ])
            .arg("--out")
            .arg(&dir)
            .output()
            .unwrap()
    };
    let first = bulk();
    let table = String::from_utf8(first.stdout).unwrap();
    assert_eq!(first.status.code(), Some(0), "{table}");
    assert!(table.contains("excluded by --exclude: 3"), "{table}");
    let summary = json(dir.join("summary.json"));
    let rows = summary["subjects"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "{summary:#}");
    assert!(
        rows.iter()
            .all(|r| r["kind"] == "policy" && r["result"] != "error")
    );
    let example = rows.iter().find(|r| r["name"] == "ExamplePolicy1").unwrap();
    assert_eq!(example["result"], "changes");
    let folder = dir.join(example["detail"].as_str().unwrap());
    let (code, _, alone) = tighten(&["--policy", "ExamplePolicy1", "--level", "service"]);
    assert_eq!(code, 0);
    assert_eq!(
        json(folder.join("plan.json")),
        json(alone.path().join("plan.json"))
    );
    // Again into the same directory: the previous run's folders are replaced.
    assert_eq!(bulk().status.code(), Some(0));
    // Not over a directory trailcut did not write.
    let foreign = out.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    trailcut()
        .arg("--store")
        .arg(store())
        .args(["tighten", "--all-groups", "--out"])
        .arg(&foreign)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a previous bulk run's"));
}

/// A user whose group has a last-accessed report but who has none of his own: under
/// `--evidence last-accessed` nothing speaks for him alone, so he stays in his group and
/// the replay finds nothing denied (it once found 336 calls).
#[test]
fn no_evidence_about_a_user_ends_no_membership() {
    let (code, stdout, out) = tighten(&[
        "--user",
        "paulo",
        "--evidence",
        "last-accessed",
        "--level",
        "service",
    ]);
    assert_eq!(code, 0, "{stdout}");
    let plan = json(out.path().join("plan.json"));
    let moves = plan["moves"].as_array().unwrap();
    assert!(
        moves.iter().all(|m| m["move"] != "remove-from-group"),
        "{moves:?}"
    );
    assert_eq!(plan["replay"]["regressions"].as_array().unwrap().len(), 0);
}

/// Issue 23, item 3: plan.md, the run for a change ticket: the evidence per item, and each
/// new document against the old as a diff in which each grant is a line.
#[test]
fn plan_md_holds_the_evidence_and_the_diff_of_each_document() {
    let (code, _, out) = tighten(DEVELOPMENT);
    assert_eq!(code, 0);
    let md = std::fs::read_to_string(out.path().join("plan.md")).unwrap();
    assert!(
        md.starts_with("# trailcut tighten: group Development\n"),
        "{md}"
    );
    assert!(md.contains("**0 would be denied**"), "{md}");
    assert!(md.contains("| `ec2` | kept | 315 events"), "{md}");
    assert!(
        md.contains("| `lambda` | removed | none in the window; before it:"),
        "{md}"
    );
    // ExampleDevelopment's NotAction becomes the five services, line by line.
    for line in [
        "-      \"NotAction\": [",
        "+      \"Action\": [",
        "+        \"cloudtrail:*\",",
        "+        \"s3:*\"",
    ] {
        assert!(md.lines().any(|l| l == line), "`{line}` not in\n{md}");
    }
    // --markdown prints the same.
    let printed = trailcut()
        .arg("--store")
        .arg(store())
        .arg("tighten")
        .args(DEVELOPMENT)
        .arg("--markdown")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), md);
}
