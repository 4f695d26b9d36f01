//! Issue 4: `trailcut policy expand`, `trailcut policy eval` (files and store principals)
//! and `trailcut who-grants` on the sample account and organisation.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{ingest_sample_iam, ingest_sample_org, repo, trailcut};

/// A store with the sample account details and organisation, built once.
fn iam_store() -> &'static Path {
    static STORE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            ingest_sample_iam(dir.path());
            ingest_sample_org(dir.path());
            dir
        })
        .path()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn expand_agrees_with_the_catalogue_and_refuses_bad_documents() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("p.json");
    std::fs::write(
        &doc,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"},
            {"Effect":"Deny","Action":"s3:GetObject*","Resource":"*"}]}"#,
    )
    .unwrap();
    let expanded = stdout(
        &trailcut()
            .args(["policy", "expand"])
            .arg(&doc)
            .assert()
            .success(),
    );
    let get = stdout(
        &trailcut()
            .args(["catalog", "expand", "s3:Get*", "s3:List*"])
            .assert()
            .success(),
    );
    let denied = stdout(
        &trailcut()
            .args(["catalog", "expand", "s3:GetObject*"])
            .assert()
            .success(),
    );
    let want: Vec<&str> = get
        .lines()
        .filter(|a| !denied.lines().any(|d| d == *a))
        .collect();
    assert_eq!(expanded.lines().collect::<Vec<_>>(), want);
    assert!(!expanded.contains("s3:GetObject\n"));

    std::fs::write(
        &doc,
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
            {"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}"#,
    )
    .unwrap();
    trailcut()
        .args(["policy", "expand"])
        .arg(&doc)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("$.Statement[1].Effect"));
}

#[test]
fn eval_from_files_names_the_deciding_statement() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("p.json");
    std::fs::write(
        &doc,
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"},
            {"Sid":"OnlyFromOffice","Effect":"Deny","Action":"*","Resource":"*",
             "Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#,
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        let mut cmd = trailcut();
        cmd.args(["policy", "eval", "--policy"])
            .arg(&doc)
            .args([
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::data/x",
            ])
            .args(extra);
        cmd.assert()
    };
    eval(&["--context", "aws:SourceIp=203.0.113.9"])
        .code(0)
        .stdout(predicate::str::contains("allow"))
        .stdout(predicate::str::contains("Read"));
    eval(&["--context", "aws:SourceIp=198.51.100.1"])
        .code(1)
        .stdout(predicate::str::contains("explicit-deny"))
        .stdout(predicate::str::contains("OnlyFromOffice"));
    // The source address is not given: never assumed to be the office.
    eval(&[])
        .code(1)
        .stdout(predicate::str::contains("undetermined"))
        .stdout(predicate::str::contains("aws:SourceIp"));
}

#[test]
fn eval_of_store_principals_follows_groups_boundaries_and_scps() {
    let store = iam_store();
    let eval = |principal: &str, action: &str| {
        let mut cmd = trailcut();
        cmd.arg("--store")
            .arg(store)
            .args([
                "policy",
                "eval",
                "--json",
                "--principal",
                principal,
                "--action",
                action,
            ])
            .args(["--resource", "*"]);
        let out = cmd.assert().get_output().clone();
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), value)
    };
    // nikhilj has IAM through IAMFullAccess (his own and security-team's).
    let (code, v) = eval("nikhilj", "iam:CreateUser");
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["decision"], "allow");
    assert!(v["deciding"].to_string().contains("IAMFullAccess"), "{v}");
    // The Development group's power-user access stops short of IAM.
    let (code, v) = eval("paulo", "iam:CreateUser");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["decision"], "implicit-deny");
    // The sandbox account sits in the Development OU under NewServiceTest: Lex is allowed,
    // a service the SCP leaves out is not, whatever AdministratorAccess says.
    let (code, v) = eval("sandbox-admin", "lex:PostText");
    assert_eq!(code, Some(0), "{v}");
    let (code, v) = eval("sandbox-admin", "redshift:CreateCluster");
    assert_eq!(code, Some(1), "{v}");
    assert!(
        v["explanation"].to_string().contains("ou-ab12-11111111"),
        "{v}"
    );
}

#[test]
fn who_grants_traces_nikhiljs_iam_to_both_places() {
    let out = trailcut()
        .arg("--store")
        .arg(iam_store())
        .args([
            "who-grants",
            "--principal",
            "nikhilj",
            "--service",
            "iam",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["services"][0]["service"], "iam");
    assert_eq!(v["services"][0]["granted"], true);
    let allows: Vec<(String, String)> = v["services"][0]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["effect"] == "Allow")
        .map(|p| {
            (
                p["policy"].as_str().unwrap().to_owned(),
                p["attached"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        allows.contains(&("IAMFullAccess".into(), "directly".into())),
        "{allows:?}"
    );
    assert!(
        allows.contains(&("IAMFullAccess".into(), "through group security-team".into())),
        "{allows:?}"
    );
    // A service nobody gave him, asked with --user, in another case, beside one he has,
    // the second by its event source.
    let out = trailcut()
        .arg("--store")
        .arg(iam_store())
        .args([
            "who-grants",
            "--user",
            "NikhilJ",
            "--service",
            "lex,iam.amazonaws.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("and lex:\n  no policy of this principal names lex actions"),
        "{text}"
    );
    assert!(
        text.contains("and iam:") && text.contains("IAMFullAccess"),
        "{text}"
    );
    // A misspelt service and a misspelt principal: the closest names.
    let err = |args: &[&str]| {
        let out = trailcut()
            .arg("--store")
            .arg(iam_store())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };
    let e = err(&["who-grants", "--user", "nikhilj", "--service", "lamda"]);
    assert!(e.contains("did you mean `lambda`"), "{e}");
    let e = err(&["who-grants", "--user", "nikhil", "--service", "iam"]);
    assert!(
        e.contains("no user, group or role named `nikhil`") && e.contains("did you mean `nikhilj`"),
        "{e}"
    );
}

#[test]
fn a_principals_expansion_stays_within_its_scps() {
    let expand = |who: &str| {
        stdout(
            &trailcut()
                .arg("--store")
                .arg(iam_store())
                .args(["policy", "expand", "--principal", who])
                .assert()
                .success(),
        )
    };
    // AdministratorAccess in the sandbox, cut down to what NewServiceTest allows.
    let sandbox = expand("sandbox-admin");
    assert!(sandbox.lines().any(|a| a == "lex:PostText"));
    assert!(sandbox.lines().any(|a| a.starts_with("dms:")));
    assert!(!sandbox.lines().any(|a| a.starts_with("redshift:")));
    // Power users get everything but IAM and Organizations, apart from the few IAM
    // actions the seed's policy adds back.
    let paulo = expand("paulo");
    assert!(paulo.lines().any(|a| a == "ec2:RunInstances"));
    assert!(!paulo.lines().any(|a| a == "iam:CreateUser"));
}

/// Review findings: an incomplete picture never yields an allow; a trust policy is not an
/// identity policy; other Organizations policy types are not SCPs.
#[test]
fn gaps_in_the_store_never_turn_into_an_allow() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    trailcut()
        .arg("--store")
        .arg(&store)
        .args(["authz", "ingest"])
        .arg(repo().join("sample_data/iam/authorization-details-210987654321.json"))
        .assert()
        .success();
    // The organisation without the targets of DenyLeaveOrganization (a Deny SCP), and with
    // an RCP listed.
    let org: Vec<_> = std::fs::read_dir(repo().join("sample_data/org"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.to_string_lossy()
                .contains("list-targets-for-policy.p-2m8vq6tn")
        })
        .collect();
    let rcp = dir.path().join("list-policies-rcp.json");
    std::fs::write(
        &rcp,
        r#"{"Policies":[{"Id":"p-rcpfullaccess","Arn":"arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess","Name":"RCPFullAWSAccess","Type":"RESOURCE_CONTROL_POLICY","AwsManaged":true}]}"#,
    )
    .unwrap();
    trailcut()
        .arg("--store")
        .arg(&store)
        .args(["org", "ingest"])
        .args(&org)
        .arg(&rcp)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no known targets"))
        .stderr(predicate::str::contains("not a service control policy"));
    trailcut()
        .arg("--store")
        .arg(&store)
        .args([
            "policy",
            "eval",
            "--principal",
            "sandbox-admin",
            "--action",
            "lex:PostText",
        ])
        .args(["--resource", "*"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("undetermined"))
        .stderr(predicate::str::contains("DenyLeaveOrganization"));

    // A trust policy given as an identity policy is refused, not read as "any resource".
    let trust = dir.path().join("trust.json");
    std::fs::write(
        &trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    trailcut()
        .args(["policy", "eval", "--policy"])
        .arg(&trust)
        .args([
            "--action",
            "sts:AssumeRole",
            "--resource",
            "arn:aws:iam::1:role/r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an identity-based policy"));
}

/// `policy event` replays stored events against their principals' policies with the
/// request the event shows: the function's execution role passed (a dependent action),
/// the hosted zone changed, and a refused call refused again.
#[test]
fn stored_events_replay_with_their_dependent_actions_and_resources() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    crate::common::ingest(store, &[crate::common::sample_trail()]);
    ingest_sample_iam(store);
    ingest_sample_org(store);
    let event = |filter: &str| {
        let id = crate::common::rows(
            store,
            &format!("SELECT eventid FROM events WHERE {filter} ORDER BY eventtime LIMIT 1"),
        );
        let id = id[0]["eventid"].as_str().unwrap().to_owned();
        let out = trailcut()
            .arg("--store")
            .arg(store)
            .args(["policy", "event", "--json", &id])
            .assert()
            .get_output()
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v)
    };
    let (code, v) = event("eventname = 'CreateFunction20150331' AND errorcode IS NULL");
    assert_eq!(code, Some(0), "{v}");
    let pass = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "iam:PassRole")
        .unwrap();
    assert_eq!(pass["needed_as"], "dependent");
    assert_eq!(pass["decision"], "allow");
    assert!(
        pass["resource"]
            .as_str()
            .unwrap()
            .contains(":role/service-role/")
    );
    assert!(
        pass["deciding"]
            .to_string()
            .contains("Development-PassLambdaRoles")
    );

    let (code, v) = event("eventname = 'ChangeResourceRecordSets' AND errorcode IS NULL");
    assert_eq!(code, Some(0), "{v}");
    assert!(
        v["actions"][0]["resource"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:route53:::hostedzone/")
    );

    let (code, v) = event("eventname = 'CreateUser' AND errorcode IS NOT NULL");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["actions"][0]["decision"], "implicit-deny");
}

/// Issue 18, finding 10: `policy expand` accepted `NotPrincipal` (and `Principal`) that
/// `policy eval` refused. Both read the policies that govern a principal's own requests
/// (identity policies, boundaries, SCPs), where AWS refuses the clauses; a resource
/// policy's `NotPrincipal` Deny expanded as if it applied to everyone would take the
/// actions from the very principals it exempts.
#[test]
fn expand_and_eval_agree_on_principal_clauses() {
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
    )
    .unwrap();
    let not_principal = dir.path().join("not-principal.json");
    std::fs::write(
        &not_principal,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
            {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},
             "Action":"s3:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let refused = || {
        predicate::str::contains(format!(
            "`{}`: $.Statement[1].NotPrincipal: ",
            not_principal.display()
        ))
        .and(predicate::str::contains(
            "cannot have `NotPrincipal` (it belongs in resource policies)",
        ))
    };
    trailcut()
        .args(["policy", "expand"])
        .arg(&not_principal)
        .assert()
        .code(2)
        .stdout("")
        .stderr(refused());
    trailcut()
        .args(["policy", "eval", "--action", "s3:GetObject", "--policy"])
        .arg(&not_principal)
        .assert()
        .code(2)
        .stderr(refused());
    trailcut()
        .args(["policy", "eval", "--action", "s3:GetObject", "--policy"])
        .arg(&allow)
        .arg("--scp")
        .arg(&not_principal)
        .assert()
        .code(2)
        .stderr(refused())
        .stderr(predicate::str::contains("an SCP cannot have"));
    // A trust policy's Principal likewise.
    let trust = dir.path().join("trust.json");
    std::fs::write(
        &trust,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
            "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
    )
    .unwrap();
    trailcut()
        .args(["policy", "expand"])
        .arg(&trust)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "$.Statement.Principal: an identity policy, permissions boundary or SCP cannot have \
             `Principal` (it belongs in resource and trust policies)",
        ));
}

/// Issue 18, finding 10: unknown actions expanded to nothing without a word.
#[test]
fn expand_names_actions_that_match_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("p.json");
    std::fs::write(
        &doc,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:GetObjet","s3:Gett*","nosuchservice:Foo"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let at = format!("warning: `{}`: $.Statement[0].Action", doc.display());
    trailcut()
        .args(["policy", "expand"])
        .arg(&doc)
        .assert()
        .code(1)
        .stdout("s3:GetObject\n")
        .stderr(predicate::str::contains(format!(
            "{at}[1]: `s3:GetObjet` is not an action in the catalogue of "
        )))
        .stderr(predicate::str::contains("(did you mean `s3:GetObject`?)"))
        .stderr(predicate::str::contains(format!(
            "{at}[2]: `s3:Gett*` matches no action"
        )))
        .stderr(predicate::str::contains("(did you mean `s3:Get*`?)"))
        .stderr(predicate::str::contains(format!(
            "{at}[3]: `nosuchservice:Foo` is not an action"
        )))
        .stderr(predicate::str::contains("no service `nosuchservice`"));
}
