//! Issue 4: `trailcut authz ingest` (real authorization details from cloudsplaining's
//! tests) and `trailcut org ingest` (the sample organisation).

use crate::common::{repo, rows, scalar, trailcut};

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/authz").join(name)
}

fn count(store: &std::path::Path, table: &str) -> i64 {
    scalar(store, &format!("SELECT count(*) FROM {table}"))
}

#[test]
fn real_authorization_details_ingest_completely() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .args(["authz", "ingest", "--json", "--taken-at", "2024-01-01"])
        .arg(fixture("example-authz-details.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["accounts"][0]["account_id"], "012345678901");
    // Row counts computed from the input file independently (3 users, 2 groups, 3 roles;
    // 3 memberships; 15 attachments direct and through groups; 33 managed versions and
    // 6 inline policies).
    assert_eq!(count(store, "principals"), 8);
    assert_eq!(count(store, "group_members"), 3);
    assert_eq!(count(store, "attachments"), 15);
    assert_eq!(count(store, "policies"), 39);
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM policies WHERE policy_type = 'inline'"
        ),
        6
    );
    // Every current document was expanded: each has grants, and every granted action is a
    // catalogue action.
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM policies p WHERE p.is_default AND NOT EXISTS \
             (SELECT 1 FROM policy_grants g WHERE g.policy_key = p.policy_key)"
        ),
        0
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM policy_grants WHERE action NOT IN (SELECT action FROM iam_catalog)"
        ),
        0
    );
    // "Who can call iam:PassRole?" through SQL.
    let who = rows(
        store,
        "SELECT DISTINCT a.principal_name FROM attachments a JOIN policy_grants g \
         ON a.policy_key = g.policy_key \
         WHERE g.effect = 'Allow' AND g.action = 'iam:PassRole' ORDER BY 1",
    );
    assert!(!who.is_empty());
    // boto3 dates were read.
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM principals WHERE created IS NULL"
        ),
        0
    );
}

#[test]
fn a_newer_snapshot_replaces_an_older_one_and_not_the_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let ingest = |file: &str, when: &str| {
        trailcut()
            .arg("--store")
            .arg(store)
            .args(["authz", "ingest", "--taken-at", when])
            .arg(fixture(file))
            .assert()
    };
    ingest("example-authz-details.json", "2024-01-01").success();
    assert_eq!(count(store, "principals"), 8);
    // v2 attaches a managed policy it has no document for: stored, and said (exit 1).
    ingest("example-authz-v2.json", "2024-02-01")
        .code(1)
        .stderr(predicates::str::contains("no document"));
    assert_eq!(count(store, "principals"), 4);
    assert_eq!(
        rows(store, "SELECT DISTINCT snapshot_time FROM principals").len(),
        1
    );
    // An older file does not replace the newer snapshot.
    ingest("example-authz-details.json", "2023-06-01")
        .stderr(predicates::str::contains("newer snapshot"));
    assert_eq!(count(store, "principals"), 4);
}

#[test]
fn files_that_are_not_authorization_details_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, r#"{"Records": []}"#).unwrap();
    trailcut()
        .arg("--store")
        .arg(dir.path().join("store"))
        .args(["authz", "ingest"])
        .arg(&bogus)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bogus.json"))
        .stderr(predicates::str::contains(
            "get-account-authorization-details",
        ));
}

/// The sample organisation ingests with its whole tree: every account has its path, and the
/// Development OU's accounts carry NewServiceTest (the seed's OU story).
#[test]
fn the_sample_organisation_ingests_with_its_tree() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let files: Vec<_> = std::fs::read_dir(repo().join("sample_data/org"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // Row counts from the input files, counted independently of trailcut.
    let mut expected_accounts = std::collections::BTreeSet::new();
    let mut expected_units = 0;
    for f in &files {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for a in v["Accounts"].as_array().into_iter().flatten() {
            expected_accounts.insert(a["Id"].as_str().unwrap().to_owned());
        }
        expected_units += v["Roots"].as_array().map_or(0, Vec::len);
        expected_units += v["OrganizationalUnits"].as_array().map_or(0, Vec::len);
    }
    crate::common::ingest_sample_org(store);
    assert_eq!(
        count(store, "org_accounts") as usize,
        expected_accounts.len()
    );
    assert_eq!(count(store, "org_units"), expected_units as i64);
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM org_accounts WHERE path IS NULL"
        ),
        0
    );
    let scps = rows(
        store,
        "SELECT DISTINCT t.policy_name FROM org_accounts a JOIN scp_targets t \
         ON a.path = t.target_path OR a.path LIKE t.target_path || '/%' \
         WHERE a.id = '210987654321' ORDER BY 1",
    );
    let names: Vec<&str> = scps
        .iter()
        .map(|r| r["policy_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"NewServiceTest"), "{names:?}");
    let document = scalar(
        store,
        "SELECT count(*) FROM scps WHERE name = 'NewServiceTest' \
         AND document LIKE '%lex:%' AND document LIKE '%dms:%'",
    );
    assert_eq!(document, 1);
    // A listing whose parent is neither given nor in its name is refused by name (and with
    // nothing else to do, the run is an error).
    let odd = dir.path().join("accounts.json");
    std::fs::write(&odd, r#"{"OrganizationalUnits": []}"#).unwrap();
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["org", "ingest"])
        .arg(&odd)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("accounts.json"))
        .stderr(predicates::str::contains("--parent"));
}

/// The sample account's details: the seed's groups and their members.
#[test]
fn the_sample_accounts_ingest_with_the_seed_groups() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    crate::common::ingest_sample_iam(store);
    let members = rows(
        store,
        "SELECT group_name, array_to_string(array_agg(user_name ORDER BY user_name), ',') AS users \
         FROM group_members GROUP BY 1 ORDER BY 1",
    );
    let got: Vec<(String, String)> = members
        .iter()
        .map(|r| {
            (
                r["group_name"].as_str().unwrap().to_owned(),
                r["users"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Development", "dev-ana,dev-raj,paulo"),
            ("app-dev", "maria,nikhilj,wei"),
            ("security-team", "nikhilj"),
        ]
        .map(|(g, u)| (g.to_owned(), u.to_owned()))
    );
    // nikhilj gets IAM from two places: directly and through security-team.
    let iam = rows(
        store,
        "SELECT DISTINCT a.policy_name, a.via FROM attachments a JOIN policy_grants g \
         ON a.policy_key = g.policy_key AND a.account_id = g.account_id \
         WHERE a.principal_name = 'nikhilj' AND g.effect = 'Allow' AND g.action = 'iam:CreateUser' \
         ORDER BY 2",
    );
    assert_eq!(iam.len(), 2, "{iam:?}");
    assert_eq!(
        scalar(store, "SELECT count(DISTINCT account_id) FROM principals"),
        3
    );
}

/// Issue 18, finding 10: a file whose entities name two accounts (a merged or anonymised
/// export) was refused whole; it is stored as one snapshot per account, with a warning.
#[test]
fn a_file_naming_two_accounts_is_stored_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = dir.path().join("merged.json");
    let document = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
    let readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let user = |account: &str, name: &str| {
        format!(
            r#"{{"UserName":"{name}","Arn":"arn:aws:iam::{account}:user/{name}","AttachedManagedPolicies":[
                {{"PolicyName":"ReadOnlyAccess","PolicyArn":"{readonly}"}},
                {{"PolicyName":"own","PolicyArn":"arn:aws:iam::{account}:policy/own"}}]}}"#
        )
    };
    let policy = |arn: &str, name: &str| {
        format!(
            r#"{{"PolicyName":"{name}","Arn":"{arn}","DefaultVersionId":"v1",
                "PolicyVersionList":[{{"VersionId":"v1","IsDefaultVersion":true,"Document":{document}}}]}}"#
        )
    };
    std::fs::write(
        &file,
        format!(
            r#"{{"UserDetailList":[{},{},{}],
                "RoleDetailList":[{{"RoleName":"r","Arn":"arn:aws:iam::222222222222:role/r"}}],
                "Policies":[{},{},{}]}}"#,
            user("111111111111", "alice"),
            user("222222222222", "bob"),
            user("111111111111", "carol"),
            policy(readonly, "ReadOnlyAccess"),
            policy("arn:aws:iam::111111111111:policy/own", "own"),
            policy("arn:aws:iam::222222222222:policy/own", "own"),
        ),
    )
    .unwrap();
    trailcut()
        .arg("--store")
        .arg(&store)
        .args(["authz", "ingest"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "`{}`: its ARNs name 2 accounts (111111111111, 222222222222): stored as one \
             snapshot per account",
            file.display()
        )))
        .stdout(predicates::str::contains("111111111111: snapshot"))
        .stdout(predicates::str::contains("222222222222: snapshot"));
    let per_account = |table: &str| {
        rows(
            &store,
            &format!("SELECT account_id, count(*) AS n FROM {table} GROUP BY 1 ORDER BY 1"),
        )
        .into_iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap().to_owned(),
                r["n"].as_i64().unwrap(),
            )
        })
        .collect::<Vec<_>>()
    };
    let pair = |a: i64, b: i64| {
        vec![
            ("111111111111".to_owned(), a),
            ("222222222222".to_owned(), b),
        ]
    };
    assert_eq!(per_account("principals"), pair(2, 2));
    // The AWS managed policy with each account, each account's own policy with its own.
    assert_eq!(per_account("policies"), pair(2, 2));
    assert_eq!(per_account("attachments"), pair(4, 2));
    let arns = rows(
        &store,
        "SELECT account_id, arn FROM principals ORDER BY arn",
    );
    for row in arns {
        let arn = row["arn"].as_str().unwrap();
        assert!(arn.contains(row["account_id"].as_str().unwrap()), "{arn}");
    }
}
