//! `trailcut ingest PATH...` over a folder of mixed AWS outputs: every file recognised and
//! routed, reports given their subjects by an index, and the messages a newcomer needs when
//! a report has no subject or names a principal that does not exist.

use std::path::Path;

use crate::common::{repo, scalar, trailcut};

fn run(store: &Path, args: &[&str]) -> (i32, String, String) {
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn one_ingest_loads_the_whole_sample_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let sample = repo().join("sample_data");
    let (code, stdout, stderr) = run(&store, &["ingest", sample.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "found 1,694 CloudTrail log files, 3 IAM authorization details files, 15 AWS \
             Organizations listings, 18 IAM Identity Center outputs, 10 IAM last-accessed \
             reports, 1 report index"
        ),
        "{stdout}"
    );
    assert!(!stderr.contains("missing eventTime"), "{stderr}");
    // Each kind reached its tables.
    assert_eq!(scalar(&store, "SELECT count(*) FROM events"), 5380);
    assert_eq!(
        scalar(&store, "SELECT count(DISTINCT account_id) FROM principals"),
        3
    );
    assert_eq!(scalar(&store, "SELECT count(*) FROM org_accounts"), 4);
    assert_eq!(scalar(&store, "SELECT count(*) FROM sso_assignments"), 4);
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM identity_store_users"),
        4
    );
    // Every role Identity Center provisioned is linked to its permission set.
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM sso_roles WHERE permission_set_arn IS NOT NULL"
        ),
        4
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(DISTINCT subject) FROM services_last_accessed"
        ),
        6
    );
    // The same folder again: nothing new, nothing doubled.
    let (code, stdout, _) = run(&store, &["ingest", sample.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("0 events read, 0 new"), "{stdout}");
    assert!(
        stdout.contains("files unchanged since last ingest"),
        "{stdout}"
    );
    assert_eq!(scalar(&store, "SELECT count(*) FROM events"), 5380);
}

#[test]
fn reports_without_a_subject_and_misspelt_subjects_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let reports = tmp.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let sample = repo().join("sample_data/last-accessed");
    let dev = "get-service-last-accessed-details.group-Development.service-level.json";
    std::fs::copy(sample.join(dev), reports.join(dev)).unwrap();
    let iam = repo().join("sample_data/iam/authorization-details-123456789012.json");

    // No index beside the report: it is named, with how to give its subject.
    let (code, _, stderr) = run(
        &store,
        &["ingest", iam.to_str().unwrap(), reports.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(dev) && stderr.contains("no index says whom it is about"),
        "{stderr}"
    );
    assert!(stderr.contains("--arn ARN"), "{stderr}");

    // An index with a typo in the group's name: stored as given, with the closest name.
    std::fs::write(
        reports.join("INDEX.tsv"),
        format!("# subjects\n{dev}\t--arn arn:aws:iam::123456789012:group/Developement\n"),
    )
    .unwrap();
    let (code, _, stderr) = run(&store, &["ingest", reports.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("has no group `Developement` (did you mean `arn:aws:iam::123456789012:group/Development`?)"),
        "{stderr}"
    );
    // The same through `last-accessed ingest --arn`.
    let (code, _, stderr) = run(
        &store,
        &[
            "last-accessed",
            "ingest",
            "--arn",
            "arn:aws:iam::123456789012:group/developement",
            reports.join(dev).to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn last_accessed_ingest_takes_an_index() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let index = repo().join("sample_data/last-accessed/INDEX.tsv");
    let (code, stdout, stderr) = run(
        &store,
        &[
            "last-accessed",
            "ingest",
            "--index",
            index.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 9, "one line per job:\n{stdout}");
    // Only the files named, with their subjects from the index.
    let one = repo()
        .join("sample_data/last-accessed/get-service-last-accessed-details.user-nikhilj.service-level.json");
    let other = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(
        other.path(),
        &[
            "last-accessed",
            "ingest",
            "--index",
            index.to_str().unwrap(),
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("arn:aws:iam::123456789012:user/nikhilj: services job")
            && stdout.lines().count() == 1,
        "{stdout}"
    );
}

#[test]
fn an_empty_folder_is_an_error_and_a_lone_report_finds_its_index() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, _, stderr) = run(&store, &["ingest", empty.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("found nothing to ingest"), "{stderr}");
    assert!(!store.exists(), "no store made for nothing");
    // One report named alone: the INDEX.tsv beside it gives its subject, and only it is read.
    let report = repo().join(
        "sample_data/last-accessed/get-service-last-accessed-details.group-app-dev.service-level.json",
    );
    let (code, stdout, stderr) = run(&store, &["ingest", report.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("arn:aws:iam::123456789012:group/app-dev: services job"),
        "{stdout}"
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(DISTINCT subject) FROM services_last_accessed"
        ),
        1
    );
}
