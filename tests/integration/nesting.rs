//! Issue 18, finding 6: documents nested 20,000 and 100,000 deep, through every command
//! that reads a policy or an AWS output, give an error naming the file and the JSON path
//! and a nonzero exit, never a stack overflow (exit 134) or gigabytes of memory.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::common::trailcut;

const DEPTHS: [usize; 2] = [20_000, 100_000];

/// A policy allowing `s3:GetObject` whose condition value is nested `levels` deep.
fn deep_policy(levels: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"k":{}"v"{}}}}}}}}}"#,
        "[".repeat(levels),
        "]".repeat(levels)
    )
}

/// Where the policy's nesting goes past the limit: four objects, then arrays.
fn deep_path() -> String {
    format!(
        "$.Statement.Condition.StringEquals.k{}",
        "[0]".repeat(trailcut::nesting::MAX_DEPTH - 4)
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// RFC 3986 percent-encoding of every byte but unreserved ones, as IAM's raw API does.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn policy_expand_and_eval_refuse_deep_policies() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.json",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
    );
    for levels in DEPTHS {
        let deep = write(
            dir.path(),
            &format!("deep{levels}.json"),
            &deep_policy(levels),
        );
        let encoded = write(
            dir.path(),
            &format!("encoded{levels}.txt"),
            &url_encode(&deep_policy(levels)),
        );
        for file in [&deep, &encoded] {
            let named = || {
                predicate::str::contains(format!("`{}`: {}: ", file.display(), deep_path()))
                    .and(predicate::str::contains("nested deeper than 64 levels"))
            };
            trailcut()
                .args(["policy", "expand"])
                .arg(file)
                .assert()
                .code(2)
                .stderr(named());
            trailcut()
                .args(["policy", "eval", "--action", "s3:GetObject", "--policy"])
                .arg(file)
                .assert()
                .code(2)
                .stderr(named());
            trailcut()
                .args(["policy", "eval", "--action", "s3:GetObject", "--policy"])
                .arg(&good)
                .arg("--scp")
                .arg(file)
                .assert()
                .code(2)
                .stderr(named());
        }
    }
}

/// An authorization-details file with one managed policy whose document is `document`
/// (a JSON object, or a string for the URL-encoded form).
fn authz_file(document: &str) -> String {
    format!(
        r#"{{"UserDetailList":[{{"UserName":"alice","Arn":"arn:aws:iam::111111111111:user/alice","AttachedManagedPolicies":[{{"PolicyName":"deep","PolicyArn":"arn:aws:iam::111111111111:policy/deep"}}]}}],
            "Policies":[{{"PolicyName":"deep","Arn":"arn:aws:iam::111111111111:policy/deep","DefaultVersionId":"v1",
              "PolicyVersionList":[{{"VersionId":"v1","IsDefaultVersion":true,"Document":{document}}}]}}]}}"#
    )
}

#[test]
fn authz_ingest_refuses_deep_documents_url_encoded_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for levels in DEPTHS {
        let encoded = write(
            dir.path(),
            &format!("encoded{levels}.json"),
            &authz_file(&format!("\"{}\"", url_encode(&deep_policy(levels)))),
        );
        let document = "$.Policies[0].PolicyVersionList[0].Document";
        trailcut()
            .arg("--store")
            .arg(&store)
            .args(["authz", "ingest"])
            .arg(&encoded)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "`{}`: {document}: the URL-encoded document: {}: nested deeper than 64 levels",
                encoded.display(),
                deep_path()
            )));
        let inline = write(
            dir.path(),
            &format!("inline{levels}.json"),
            &authz_file(&deep_policy(levels)),
        );
        let inner = deep_path();
        let inner = inner.strip_prefix('$').unwrap();
        // The file's own nesting: the document's five levels less the file's five above it.
        let within = format!("{document}{inner}");
        let cut = within.len() - 5 * "[0]".len();
        trailcut()
            .arg("--store")
            .arg(&store)
            .args(["authz", "ingest"])
            .arg(&inline)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "`{}`: {}: nested deeper than 64 levels",
                inline.display(),
                &within[..cut]
            )));
    }
}

#[test]
fn org_ingest_refuses_deep_scp_content() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for levels in DEPTHS {
        let content = serde_json::to_string(&deep_policy(levels)).unwrap();
        let file = write(
            dir.path(),
            &format!("describe-policy.deep{levels}.json"),
            &format!(
                r#"{{"Policy":{{"PolicySummary":{{"Id":"p-deep1234","Name":"Deep","Type":"SERVICE_CONTROL_POLICY"}},"Content":{content}}}}}"#
            ),
        );
        trailcut()
            .arg("--store")
            .arg(&store)
            .args(["org", "ingest"])
            .arg(&file)
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "`{}`: $.Policy.Content: the document it holds: {}: nested deeper than 64 levels",
                file.display(),
                deep_path()
            )));
        // The same nesting in the file itself.
        let raw = write(
            dir.path(),
            &format!("list-roots.deep{levels}.json"),
            &format!(
                r#"{{"Roots":{}1{}}}"#,
                "[".repeat(levels),
                "]".repeat(levels)
            ),
        );
        trailcut()
            .arg("--store")
            .arg(&store)
            .args(["org", "ingest"])
            .arg(&raw)
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "$.Roots{}: nested deeper than 64 levels",
                "[0]".repeat(trailcut::nesting::MAX_DEPTH - 1)
            )));
    }
}
