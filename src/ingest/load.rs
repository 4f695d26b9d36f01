//! `trailcut ingest PATH...` for everything at once: each file found under the paths is
//! recognised ([`super::kind`]) and routed to its reader: the IAM authorization details
//! first (so that the trail's rollup resolves IAM names and the reports' subjects can be
//! checked), then the organisation, the last-accessed reports with the subjects their
//! index gives, and the CloudTrail logs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::authz::{AuthzReport, ingest_authorization};
use super::kind::InputKind;
use super::last_accessed::{IndexedJob, IngestSummary, Subject, ingest_reports, read_index};
use super::org::{OrgIds, OrgReport, ingest_org};
use super::source::discover;
use super::sso::{SsoReport, ingest_sso};
use super::{IngestError, IngestObserver, IngestOptions, IngestReport, ingest_found};
use crate::request::resource::IamNames;
use crate::store::Store;

/// What one `ingest` of mixed inputs did, by kind.
#[derive(Debug, Default, serde::Serialize)]
pub struct Loaded {
    /// Files found, by kind (digests and files that are not JSON are counted by the trail
    /// report).
    pub files: BTreeMap<InputKind, usize>,
    /// The CloudTrail logs: `None` when there were none.
    #[serde(skip)]
    pub trail: Option<IngestReport>,
    /// Authorization details: `None` when there were none.
    pub authorization: Option<AuthzReport>,
    /// Organisation listings: `None` when there were none.
    pub organization: Option<OrgReport>,
    /// IAM Identity Center outputs: `None` when there were none.
    pub identity_center: Option<SsoReport>,
    /// Last-accessed reports, one entry per job of an index.
    pub reports: Vec<ReportJob>,
    /// Problems outside the readers' own: reports no index names, unreadable indexes,
    /// subjects the IAM snapshot does not have.
    pub problems: Vec<String>,
    /// When nothing was found to read: how many CloudTrail digest files were skipped.
    #[serde(skip)]
    pub digests_only: u64,
}

/// The reports of one subject (and service), as ingested.
#[derive(Debug, serde::Serialize)]
pub struct ReportJob {
    pub subject: String,
    pub service: Option<String>,
    pub summary: IngestSummary,
}

impl Loaded {
    /// Whether some input was skipped or refused, or a job left incomplete.
    pub fn skipped_anything(&self) -> bool {
        !self.problems.is_empty()
            || self
                .trail
                .as_ref()
                .is_some_and(IngestReport::skipped_anything)
            || self
                .authorization
                .as_ref()
                .is_some_and(|a| !a.errors.is_empty())
            || self
                .organization
                .as_ref()
                .is_some_and(|o| !o.errors.is_empty())
            || self
                .identity_center
                .as_ref()
                .is_some_and(|s| !s.errors.is_empty() || !s.warnings.is_empty())
            || self
                .reports
                .iter()
                .any(|r| !r.summary.errors.is_empty() || !r.summary.warnings.is_empty())
    }

    /// Whether nothing at all was read.
    pub fn is_empty(&self) -> bool {
        self.files.values().all(|n| *n == 0)
    }
}

/// Ingests every file under `inputs`, each by its kind.
pub fn load(
    store: &Store,
    inputs: &[PathBuf],
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<Loaded, IngestError> {
    let mut found = discover(inputs);
    let mut loaded = Loaded::default();
    let mut by_kind: BTreeMap<InputKind, Vec<PathBuf>> = BTreeMap::new();
    for (path, kind) in std::mem::take(&mut found.routed) {
        by_kind.entry(kind).or_default().push(path);
    }
    let mut take = |kind: InputKind| by_kind.remove(&kind).unwrap_or_default();
    let (authz, org, sso, reports, indexes, truth) = (
        take(InputKind::AuthorizationDetails),
        take(InputKind::Organization),
        take(InputKind::IdentityCenter),
        take(InputKind::LastAccessed),
        take(InputKind::ReportIndex),
        take(InputKind::GroundTruth),
    );
    for (kind, n) in [
        (InputKind::Trail, found.files.len()),
        (InputKind::AuthorizationDetails, authz.len()),
        (InputKind::Organization, org.len()),
        (InputKind::IdentityCenter, sso.len()),
        (InputKind::LastAccessed, reports.len()),
        (InputKind::ReportIndex, indexes.len()),
        (InputKind::GroundTruth, truth.len()),
    ] {
        if n > 0 {
            loaded.files.insert(kind, n);
        }
    }
    if !authz.is_empty() {
        loaded.authorization = Some(ingest_authorization(store, &authz, None)?);
    }
    if !org.is_empty() {
        loaded.organization = Some(ingest_org(store, &org, &OrgIds::default())?);
    }
    if !sso.is_empty() {
        loaded.identity_center = Some(ingest_sso(store, &sso)?);
    }
    if !reports.is_empty() || !indexes.is_empty() {
        // A report given alone, whose folder has an index no input named: that index gives
        // its subject, for the reports given only.
        let listed = listed_files(&indexes);
        let (alone, with_index): (Vec<PathBuf>, Vec<PathBuf>) = reports
            .iter()
            .cloned()
            .partition(|r| !listed.contains(&canonical(r)) && sibling_index(r, &indexes).is_some());
        let siblings: Vec<PathBuf> = alone
            .iter()
            .filter_map(|r| sibling_index(r, &indexes))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let (jobs, problems) = ingest_indexed(store, &indexes, &with_index, false)?;
        loaded.reports = jobs;
        loaded.problems.extend(problems);
        if !alone.is_empty() {
            let (jobs, problems) = ingest_indexed(store, &siblings, &alone, true)?;
            loaded.reports.extend(jobs);
            loaded.problems.extend(problems);
        }
    }
    // Unreadable paths are the trail report's to count, as before. Nothing found at all:
    // no store is made, and the caller says so.
    if !found.files.is_empty() || !found.unreadable.is_empty() {
        loaded.trail = Some(ingest_found(store, found, options, observer)?);
    } else {
        loaded.digests_only = found.digests;
    }
    Ok(loaded)
}

/// Ingests last-accessed reports with the subjects `indexes` give them: `reports` and,
/// unless `only_given`, every other report the indexes list. A report no index lists is a
/// problem that says how to give its subject; so is a subject that the stored IAM snapshot
/// of its account does not have (the report is stored all the same).
pub fn ingest_indexed(
    store: &Store,
    indexes: &[PathBuf],
    reports: &[PathBuf],
    only_given: bool,
) -> Result<(Vec<ReportJob>, Vec<String>), IngestError> {
    let mut problems = Vec::new();
    let names = crate::store::usage::load_iam_names(store)?;
    let mut jobs = index_jobs(indexes, reports, &mut problems);
    if only_given {
        let given: HashSet<PathBuf> = reports.iter().map(|r| canonical(r)).collect();
        for job in &mut jobs {
            job.files.retain(|f| given.contains(&canonical(f)));
        }
        jobs.retain(|j| !j.files.is_empty());
    }
    let mut done = Vec::new();
    for job in jobs {
        if let Some(warning) = unknown_subject(&job.subject, &names) {
            problems.push(warning);
        }
        let summary = ingest_reports(
            store,
            &job.subject,
            None,
            job.service.as_deref(),
            &job.files,
        )?;
        done.push(ReportJob {
            subject: job.subject.id,
            service: job.service,
            summary,
        });
    }
    Ok((done, problems))
}

/// The files `indexes` list (canonical paths); unreadable indexes list none here.
fn listed_files(indexes: &[PathBuf]) -> HashSet<PathBuf> {
    indexes
        .iter()
        .filter_map(|i| read_index(i).ok())
        .flatten()
        .flat_map(|job| job.files)
        .map(|f| canonical(&f))
        .collect()
}

/// The `INDEX.tsv` beside `report`, when there is one and it is not among `indexes`.
fn sibling_index(report: &Path, indexes: &[PathBuf]) -> Option<PathBuf> {
    let index = report.parent()?.join(super::kind::INDEX_NAME);
    let known = indexes.iter().any(|i| canonical(i) == canonical(&index));
    (index.is_file() && !known).then_some(index)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The jobs of the reports: each report file with the subject an index gives it. Indexes
/// named or found add the reports they list; a report no index lists is a problem that
/// says how to give its subject.
fn index_jobs(
    indexes: &[PathBuf],
    reports: &[PathBuf],
    problems: &mut Vec<String>,
) -> Vec<IndexedJob> {
    let key = canonical;
    let mut jobs: Vec<IndexedJob> = Vec::new();
    let mut listed: HashSet<PathBuf> = HashSet::new();
    for index in indexes {
        match read_index(index) {
            Ok(found) => {
                for mut job in found {
                    job.files.retain(|f| listed.insert(key(f)));
                    if !job.files.is_empty() {
                        jobs.push(job);
                    }
                }
            }
            Err(e) => problems.push(format!("report index {e}")),
        }
    }
    let mut unlisted: Vec<&PathBuf> = reports
        .iter()
        .filter(|r| !listed.contains(&key(r)))
        .collect();
    unlisted.sort();
    for report in unlisted {
        problems.push(format!(
            "`{}` is a last-accessed report, but no index says whom it is about: list it in \
             an {} beside it (the file name, a tab, `--arn ARN`) or run `trailcut \
             last-accessed ingest --arn ARN {}`",
            report.display(),
            super::kind::INDEX_NAME,
            report.display()
        ));
    }
    jobs
}

/// A warning when a report's subject is an IAM user, group or role that the stored IAM
/// snapshot of its account does not have, naming the closest that it has.
pub fn unknown_subject(subject: &Subject, names: &IamNames) -> Option<String> {
    let kind @ ("user" | "group" | "role") = subject.kind else {
        return None;
    };
    let account = subject.id.split(':').nth(4)?;
    let name = subject.id.rsplit('/').next()?;
    let known: Vec<&str> = names.arns_of(account, kind).collect();
    if known.is_empty() || names.arn(account, kind, name).is_some() {
        return None;
    }
    let hint = crate::nearest::closest(&name.to_ascii_lowercase(), known.iter(), |arn| {
        arn.rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    })
    .map(|arn| format!(" (did you mean `{arn}`?)"))
    .unwrap_or_default();
    Some(format!(
        "report subject `{}`: account {account}'s IAM snapshot has no {kind} `{name}`{hint}; \
         the report is stored as given",
        subject.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_subject_is_named_with_the_closest_principal() {
        let mut names = IamNames::default();
        names.insert(
            "123456789012",
            "group",
            "Development",
            "arn:aws:iam::123456789012:group/Development",
        );
        let typo = Subject::from_arn("arn:aws:iam::123456789012:group/Developement").unwrap();
        let warning = unknown_subject(&typo, &names).unwrap();
        assert!(
            warning.contains("did you mean `arn:aws:iam::123456789012:group/Development`"),
            "{warning}"
        );
        let right = Subject::from_arn("arn:aws:iam::123456789012:group/development").unwrap();
        assert_eq!(
            unknown_subject(&right, &names),
            None,
            "IAM names ignore case"
        );
        // No snapshot of the account: nothing to check against.
        let other = Subject::from_arn("arn:aws:iam::210987654321:group/Anything").unwrap();
        assert_eq!(unknown_subject(&other, &names), None);
        let policy = Subject::from_arn("arn:aws:iam::123456789012:policy/Whatever").unwrap();
        assert_eq!(unknown_subject(&policy, &names), None);
    }
}
