//! Issue 5: last-accessed reports from files as the AWS CLI writes them
//! (`sample_data/last-accessed`, with `INDEX.tsv` naming each file's subject), and the
//! named queries over them and the trail.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{ingest_sample_reports, repo, rows, sample_report_index, scalar, trailcut};

fn store() -> &'static Path {
    crate::common::sample_store()
}

fn json_len(file: &Path, key: &str) -> usize {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    v[key].as_array().map_or(0, Vec::len)
}

#[test]
fn every_report_shape_ingests_with_its_rows() {
    let store = store();
    // Rows counted from the files themselves.
    let (mut services, mut actions, mut entities, mut granting) = (0, 0, 0, 0);
    for files in sample_report_index().values() {
        for f in files {
            services += json_len(f, "ServicesLastAccessed") + json_len(f, "AccessDetails");
            entities += json_len(f, "EntityDetailsList");
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            for s in v["ServicesLastAccessed"].as_array().into_iter().flatten() {
                actions += s["TrackedActionsLastAccessed"]
                    .as_array()
                    .map_or(0, Vec::len);
            }
            for s in v["PoliciesGrantingServiceAccess"]
                .as_array()
                .into_iter()
                .flatten()
            {
                granting += s["Policies"].as_array().map_or(0, Vec::len);
            }
        }
    }
    assert!(actions > 0 && entities > 0 && granting > 0);
    let count = |t: &str| scalar(store, &format!("SELECT count(*) FROM {t}")) as usize;
    assert_eq!(count("services_last_accessed"), services);
    assert_eq!(count("actions_last_accessed"), actions);
    assert_eq!(count("entities_last_accessed"), entities);
    assert_eq!(count("policies_granting_service"), granting);
    // The two pages of the Development group's action-level job are one job.
    assert_eq!(
        scalar(
            store,
            "SELECT count(DISTINCT job_id) FROM services_last_accessed \
             WHERE subject LIKE '%group/Development' AND job_type = 'ACTION_LEVEL'"
        ),
        1
    );
    // Never used stays null, apart from not tracked (no row).
    assert!(
        scalar(
            store,
            "SELECT count(*) FROM services_last_accessed WHERE last_authenticated IS NULL"
        ) > 0
    );
}

#[test]
fn a_job_ingested_again_replaces_itself() {
    let dir = tempfile::tempdir().unwrap();
    ingest_sample_reports(dir.path());
    let before = scalar(dir.path(), "SELECT count(*) FROM services_last_accessed");
    ingest_sample_reports(dir.path());
    assert_eq!(
        scalar(dir.path(), "SELECT count(*) FROM services_last_accessed"),
        before
    );
}

#[test]
fn reports_without_a_subject_or_service_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let report = repo()
        .join("sample_data/last-accessed/get-service-last-accessed-details.user-nikhilj.service-level.json");
    trailcut()
        .arg("--store")
        .arg(dir.path())
        .args(["last-accessed", "ingest"])
        .arg(&report)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--arn"))
        .stderr(predicate::str::contains("--entity-path"));
    let entities = repo().join(
        "sample_data/last-accessed/get-service-last-accessed-details-with-entities.policy-ExamplePolicy1.s3.json",
    );
    trailcut()
        .arg("--store")
        .arg(dir.path())
        .args([
            "last-accessed",
            "ingest",
            "--arn",
            "arn:aws:iam::123456789012:policy/ExamplePolicy1",
        ])
        .arg(&entities)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--service"));
}

fn column(rows: &[serde_json::Map<String, serde_json::Value>], key: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_named_queries_tell_the_seed_stories() {
    let store = store();
    let render = |name: &str, params: &[(&str, &str)]| {
        let values = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        trailcut::sql::named::find(name)
            .unwrap()
            .render(&values)
            .unwrap()
    };
    // app-dev: Elastic Transcoder never used; Route 53 used, so not listed.
    let app_dev = rows(
        store,
        &render("unused_services", &[("subject", "%group/app-dev")]),
    );
    let services = column(&app_dev, "service_namespace");
    assert!(
        services.contains(&"elastictranscoder".to_owned()),
        "{services:?}"
    );
    assert!(!services.contains(&"route53".to_owned()), "{services:?}");
    // The Development OU: Lex and DMS unused for 180 days, the seed's period; S3 and EC2
    // in use.
    let ou = rows(
        store,
        &render(
            "unused_services",
            &[
                ("subject", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"),
                ("days", "180"),
            ],
        ),
    );
    let services = column(&ou, "service_namespace");
    assert!(services.contains(&"lex".to_owned()) && services.contains(&"dms".to_owned()));
    assert!(!services.contains(&"s3".to_owned()) && !services.contains(&"ec2".to_owned()));
    // Action level: EC2 actions the Development group never used.
    assert!(
        !rows(
            store,
            &render("unused_actions", &[("subject", "%group/Development")])
        )
        .is_empty()
    );
    // The one deliberate disagreement: EBS direct APIs, data events the trail does not log.
    let diff = rows(store, &render("last_accessed_vs_trail", &[]));
    assert_eq!(column(&diff, "service_namespace"), ["ebs"], "{diff:?}");
    assert_eq!(column(&diff, "finding"), ["reported used, no trail event"]);
    // last_activity has every user, group, role and customer policy, from all sources.
    let activity = rows(store, &render("last_activity", &[]));
    let security = activity
        .iter()
        .find(|r| r["name"] == "security-team")
        .unwrap();
    assert!(
        security["report_last_authenticated"]
            .as_str()
            .unwrap()
            .starts_with("2026-08-02"),
        "{security:?}"
    );
    let transcoder = activity
        .iter()
        .find(|r| r["name"] == "App-Dev-ElasticTranscoder")
        .unwrap();
    assert!(
        transcoder.get("last_used").is_none_or(|v| v.is_null()),
        "{transcoder:?}"
    );
}
