//! IAM "last accessed" reports (Access Advisor) as the AWS CLI prints them, into the rows of
//! the store's report tables.
//!
//! | output of | shape |
//! |---|---|
//! | `get-service-last-accessed-details` | `ServicesLastAccessed` (SERVICE_LEVEL, or ACTION_LEVEL with `TrackedActionsLastAccessed`) |
//! | `get-service-last-accessed-details-with-entities` | `EntityDetailsList` (needs the service: `--service`) |
//! | `get-organizations-access-report` | `AccessDetails` (an Organizations entity path) |
//! | `list-policies-granting-service-access` | `PoliciesGrantingServiceAccess` |
//!
//! None of them says whom it is about: the subject comes from `--arn` or `--entity-path`.
//! A service never used in the tracking period has no time: stored as null, so "not used"
//! (a row with a null time) stays apart from "not tracked" (no row).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::authz::parse_iam_date;

/// Whom a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The ARN or the Organizations entity path.
    pub id: String,
    /// `user`, `group`, `role`, `policy` or `org_entity`.
    pub kind: &'static str,
}

impl Subject {
    /// A subject from `--arn`: an IAM user, group, role or policy.
    pub fn from_arn(arn: &str) -> Result<Subject, String> {
        let resource = arn
            .strip_prefix("arn:")
            .and_then(|rest| rest.splitn(5, ':').nth(4))
            .ok_or_else(|| format!("`{arn}` is not an ARN"))?;
        let kind = match resource.split('/').next() {
            Some("user") => "user",
            Some("group") => "group",
            Some("role") => "role",
            Some("policy") => "policy",
            _ => {
                return Err(format!(
                    "`{arn}` is not an IAM user, group, role or policy ARN"
                ));
            }
        };
        Ok(Subject {
            id: arn.to_owned(),
            kind,
        })
    }

    /// A subject from `--entity-path` (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111`).
    pub fn from_entity_path(path: &str) -> Result<Subject, String> {
        let path = path.trim_matches('/');
        let valid = path.starts_with("o-")
            && path.split('/').all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(format!(
                "`{path}` is not an Organizations entity path (o-.../r-.../ou-.../account)"
            ));
        }
        Ok(Subject {
            id: path.to_owned(),
            kind: "org_entity",
        })
    }
}

/// One service of a report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceRow {
    pub namespace: String,
    pub name: Option<String>,
    pub last_authenticated: Option<i64>,
    pub entity: Option<String>,
    pub region: Option<String>,
    pub total_entities: Option<i64>,
}

/// One tracked action of an ACTION_LEVEL report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionRow {
    pub namespace: String,
    /// `service:Action`.
    pub action: String,
    pub last_accessed: Option<i64>,
    pub entity: Option<String>,
    pub region: Option<String>,
}

/// One entity of a with-entities report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityRow {
    pub arn: String,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub id: Option<String>,
    pub path: Option<String>,
    pub last_authenticated: Option<i64>,
}

/// One policy of list-policies-granting-service-access.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantingRow {
    pub namespace: String,
    pub policy_name: String,
    pub policy_type: Option<String>,
    pub policy_arn: Option<String>,
    pub entity_type: Option<String>,
    pub entity_name: Option<String>,
}

/// What one file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportPage {
    /// get-service-last-accessed-details, or an Organizations access report.
    Services {
        job_type: String,
        created: Option<i64>,
        completed: Option<i64>,
        services: Vec<ServiceRow>,
        actions: Vec<ActionRow>,
        truncated: bool,
    },
    /// get-service-last-accessed-details-with-entities.
    Entities {
        created: Option<i64>,
        completed: Option<i64>,
        entities: Vec<EntityRow>,
        truncated: bool,
    },
    /// list-policies-granting-service-access.
    Granting {
        policies: Vec<GrantingRow>,
        truncated: bool,
    },
}

/// Why a report file was refused.
#[derive(Debug, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct ReportError {
    pub path: PathBuf,
    pub message: String,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn date(v: &Value, key: &str) -> Result<Option<i64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_iam_date(s)
            .map(Some)
            .ok_or_else(|| format!("`{key}` `{s}` is not a date")),
        Some(other) => Err(format!("`{key}` is {other}, not a date")),
    }
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads one report file.
pub fn read_report(path: &Path) -> Result<ReportPage, ReportError> {
    let bad = |message: String| ReportError {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    crate::nesting::check(&bytes, crate::nesting::MAX_DEPTH).map_err(|e| bad(e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    if let Some(status) = text(&v, "JobStatus")
        && status != "COMPLETED"
    {
        let error = v.get("Error").map(|e| format!(": {e}")).unwrap_or_default();
        return Err(bad(format!("the job is {status}, not COMPLETED{error}")));
    }
    let truncated = v
        .get("IsTruncated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let at = |i: usize, key: &str, r: Result<Option<i64>, String>| {
        r.map_err(|e| bad(format!("{key}[{i}]: {e}")))
    };
    if v.get("ServicesLastAccessed").is_some() {
        let mut services = Vec::new();
        let mut actions = Vec::new();
        for (i, s) in list(&v, "ServicesLastAccessed").iter().enumerate() {
            let namespace = text(s, "ServiceNamespace")
                .ok_or_else(|| bad(format!("ServicesLastAccessed[{i}] has no ServiceNamespace")))?;
            services.push(ServiceRow {
                namespace: namespace.clone(),
                name: text(s, "ServiceName"),
                last_authenticated: at(i, "ServicesLastAccessed", date(s, "LastAuthenticated"))?,
                entity: text(s, "LastAuthenticatedEntity"),
                region: text(s, "LastAuthenticatedRegion"),
                total_entities: s.get("TotalAuthenticatedEntities").and_then(Value::as_i64),
            });
            for (j, a) in list(s, "TrackedActionsLastAccessed").iter().enumerate() {
                let name = text(a, "ActionName").ok_or_else(|| {
                    bad(format!(
                        "ServicesLastAccessed[{i}].TrackedActionsLastAccessed[{j}] has no ActionName"
                    ))
                })?;
                actions.push(ActionRow {
                    namespace: namespace.clone(),
                    action: format!("{namespace}:{name}"),
                    last_accessed: date(a, "LastAccessedTime").map_err(|e| {
                        bad(format!(
                            "ServicesLastAccessed[{i}].TrackedActionsLastAccessed[{j}]: {e}"
                        ))
                    })?,
                    entity: text(a, "LastAccessedEntity"),
                    region: text(a, "LastAccessedRegion"),
                });
            }
        }
        return Ok(ReportPage::Services {
            job_type: text(&v, "JobType").unwrap_or_else(|| "SERVICE_LEVEL".to_owned()),
            created: date(&v, "JobCreationDate").map_err(bad)?,
            completed: date(&v, "JobCompletionDate").map_err(bad)?,
            services,
            actions,
            truncated,
        });
    }
    if v.get("AccessDetails").is_some() {
        let mut services = Vec::new();
        for (i, d) in list(&v, "AccessDetails").iter().enumerate() {
            services.push(ServiceRow {
                namespace: text(d, "ServiceNamespace")
                    .ok_or_else(|| bad(format!("AccessDetails[{i}] has no ServiceNamespace")))?,
                name: text(d, "ServiceName"),
                last_authenticated: at(i, "AccessDetails", date(d, "LastAuthenticatedTime"))?,
                entity: text(d, "EntityPath"),
                region: text(d, "Region"),
                total_entities: d.get("TotalAuthenticatedEntities").and_then(Value::as_i64),
            });
        }
        return Ok(ReportPage::Services {
            job_type: "ORGANIZATIONS".to_owned(),
            created: date(&v, "JobCreationDate").map_err(bad)?,
            completed: date(&v, "JobCompletionDate").map_err(bad)?,
            services,
            actions: Vec::new(),
            truncated,
        });
    }
    if v.get("EntityDetailsList").is_some() {
        let mut entities = Vec::new();
        for (i, e) in list(&v, "EntityDetailsList").iter().enumerate() {
            let info = e.get("EntityInfo").unwrap_or(&Value::Null);
            entities.push(EntityRow {
                arn: text(info, "Arn")
                    .ok_or_else(|| bad(format!("EntityDetailsList[{i}].EntityInfo has no Arn")))?,
                kind: text(info, "Type"),
                name: text(info, "Name"),
                id: text(info, "Id"),
                path: text(info, "Path"),
                last_authenticated: at(i, "EntityDetailsList", date(e, "LastAuthenticated"))?,
            });
        }
        return Ok(ReportPage::Entities {
            created: date(&v, "JobCreationDate").map_err(bad)?,
            completed: date(&v, "JobCompletionDate").map_err(bad)?,
            entities,
            truncated,
        });
    }
    if v.get("PoliciesGrantingServiceAccess").is_some() {
        let mut policies = Vec::new();
        for (i, s) in list(&v, "PoliciesGrantingServiceAccess").iter().enumerate() {
            let namespace = text(s, "ServiceNamespace").ok_or_else(|| {
                bad(format!(
                    "PoliciesGrantingServiceAccess[{i}] has no ServiceNamespace"
                ))
            })?;
            for p in list(s, "Policies") {
                policies.push(GrantingRow {
                    namespace: namespace.clone(),
                    policy_name: text(p, "PolicyName").unwrap_or_default(),
                    policy_type: text(p, "PolicyType"),
                    policy_arn: text(p, "PolicyArn"),
                    entity_type: text(p, "EntityType"),
                    entity_name: text(p, "EntityName"),
                });
            }
        }
        return Ok(ReportPage::Granting {
            policies,
            truncated,
        });
    }
    Err(bad(
        "not a last-accessed report trailcut reads (get-service-last-accessed-details[-with-entities], \
         get-organizations-access-report, list-policies-granting-service-access)"
            .to_owned(),
    ))
}

/// A report made of the pages given together: one job, or one granting listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Whom it is about.
    pub subject: Subject,
    /// The job id (`--job-id`, else derived from the subject and the job's creation time,
    /// so that the same job ingested again replaces itself).
    pub job_id: String,
    /// The merged pages (the first page's header, every page's rows).
    pub page: ReportPage,
    /// The files.
    pub sources: Vec<PathBuf>,
    /// Set for with-entities reports: the service they are about.
    pub service: Option<String>,
}

/// A stable id for a job from what identifies it.
pub fn derived_job_id(
    subject: &Subject,
    kind: &str,
    created: Option<i64>,
    service: Option<&str>,
) -> String {
    let key = format!(
        "{}\u{0}{kind}\u{0}{}\u{0}{}",
        subject.id,
        created.unwrap_or_default(),
        service.unwrap_or_default()
    );
    blake3::hash(key.as_bytes()).to_hex()[..16].to_owned()
}

/// `services`, `organizations`, `entities` or `granting`.
pub fn kind_of(page: &ReportPage) -> &'static str {
    match page {
        ReportPage::Services { job_type, .. } if job_type == "ORGANIZATIONS" => "organizations",
        ReportPage::Services { .. } => "services",
        ReportPage::Entities { .. } => "entities",
        ReportPage::Granting { .. } => "granting",
    }
}

/// Merges pages of the same kind into reports: pages with the same job creation time are
/// one job. Returns the reports and the problems (a truncated last page).
pub fn merge_pages(
    subject: &Subject,
    job_id: Option<&str>,
    service: Option<&str>,
    pages: Vec<(PathBuf, ReportPage)>,
) -> (Vec<Report>, Vec<String>) {
    let mut reports: Vec<Report> = Vec::new();
    let mut warnings = Vec::new();
    for (path, page) in pages {
        let created = match &page {
            ReportPage::Services { created, .. } | ReportPage::Entities { created, .. } => *created,
            ReportPage::Granting { .. } => None,
        };
        let kind = kind_of(&page);
        let id = job_id
            .map(str::to_owned)
            .unwrap_or_else(|| derived_job_id(subject, kind, created, service));
        match reports
            .iter_mut()
            .find(|r| r.job_id == id && kind_of(&r.page) == kind)
        {
            Some(report) => {
                report.sources.push(path);
                match (&mut report.page, page) {
                    (
                        ReportPage::Services {
                            services,
                            actions,
                            truncated,
                            ..
                        },
                        ReportPage::Services {
                            services: more,
                            actions: more_actions,
                            truncated: t,
                            ..
                        },
                    ) => {
                        services.extend(more);
                        actions.extend(more_actions);
                        *truncated = t;
                    }
                    (
                        ReportPage::Entities {
                            entities,
                            truncated,
                            ..
                        },
                        ReportPage::Entities {
                            entities: more,
                            truncated: t,
                            ..
                        },
                    ) => {
                        entities.extend(more);
                        *truncated = t;
                    }
                    (
                        ReportPage::Granting {
                            policies,
                            truncated,
                            ..
                        },
                        ReportPage::Granting {
                            policies: more,
                            truncated: t,
                        },
                    ) => {
                        policies.extend(more);
                        *truncated = t;
                    }
                    _ => {}
                }
            }
            None => reports.push(Report {
                subject: subject.clone(),
                job_id: id,
                page,
                sources: vec![path],
                service: service.map(str::to_owned),
            }),
        }
    }
    for r in &reports {
        let truncated = match &r.page {
            ReportPage::Services { truncated, .. }
            | ReportPage::Entities { truncated, .. }
            | ReportPage::Granting { truncated, .. } => *truncated,
        };
        if truncated {
            warnings.push(format!(
                "job {} ({}): the last page given says more follow (IsTruncated): pass every \
                 page of the job together",
                r.job_id,
                r.sources
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    (reports, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_from_arns_and_paths() {
        assert_eq!(
            Subject::from_arn("arn:aws:iam::123456789012:group/Development")
                .unwrap()
                .kind,
            "group"
        );
        assert_eq!(
            Subject::from_arn("arn:aws:iam::123456789012:policy/ExamplePolicy1")
                .unwrap()
                .kind,
            "policy"
        );
        assert!(Subject::from_arn("arn:aws:s3:::bucket").is_err());
        assert!(Subject::from_arn("Development").is_err());
        assert_eq!(
            Subject::from_entity_path("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/")
                .unwrap()
                .id,
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"
        );
        assert!(Subject::from_entity_path("r-ab12/ou-x").is_err());
    }

    fn page(dir: &Path, name: &str, text: &str) -> (PathBuf, ReportPage) {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let page = read_report(&path).unwrap();
        (path, page)
    }

    #[test]
    fn pages_of_one_job_merge_and_never_used_stays_null() {
        let dir = tempfile::tempdir().unwrap();
        let first = page(
            dir.path(),
            "p1.json",
            r#"{"JobStatus":"COMPLETED","JobType":"ACTION_LEVEL","JobCreationDate":"2026-11-16T06:00:00+00:00",
               "JobCompletionDate":"2026-11-16 06:00:05+00:00","IsTruncated":true,"Marker":"m",
               "ServicesLastAccessed":[{"ServiceName":"Amazon S3","ServiceNamespace":"s3",
                 "LastAuthenticated":"2026-11-10T10:00:00Z","LastAuthenticatedEntity":"arn:aws:iam::1:user/a",
                 "LastAuthenticatedRegion":"us-east-1","TotalAuthenticatedEntities":1,
                 "TrackedActionsLastAccessed":[{"ActionName":"GetObject","LastAccessedTime":"2026-11-10T10:00:00Z"},
                                               {"ActionName":"PutObject"}]}]}"#,
        );
        let second = page(
            dir.path(),
            "p2.json",
            r#"{"JobStatus":"COMPLETED","JobType":"ACTION_LEVEL","JobCreationDate":"2026-11-16T06:00:00+00:00",
               "JobCompletionDate":"2026-11-16T06:00:05+00:00","IsTruncated":false,
               "ServicesLastAccessed":[{"ServiceName":"Amazon Lex","ServiceNamespace":"lex","TotalAuthenticatedEntities":0}]}"#,
        );
        let subject = Subject::from_arn("arn:aws:iam::1:group/g").unwrap();
        let (reports, warnings) = merge_pages(&subject, None, None, vec![first, second]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(reports.len(), 1);
        let ReportPage::Services {
            services, actions, ..
        } = &reports[0].page
        else {
            panic!("a services report");
        };
        assert_eq!(services.len(), 2);
        assert_eq!(services[1].last_authenticated, None);
        assert_eq!(actions.len(), 2);
        assert_eq!(actions[0].action, "s3:GetObject");
        assert_eq!(actions[1].last_accessed, None);
    }

    #[test]
    fn a_truncated_job_and_a_failed_job_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let only = page(
            dir.path(),
            "p1.json",
            r#"{"JobStatus":"COMPLETED","JobCreationDate":"2026-11-16T06:00:00Z","IsTruncated":true,
               "ServicesLastAccessed":[]}"#,
        );
        let subject = Subject::from_arn("arn:aws:iam::1:user/u").unwrap();
        let (_, warnings) = merge_pages(&subject, None, None, vec![only]);
        assert_eq!(warnings.len(), 1);
        let failed = dir.path().join("failed.json");
        std::fs::write(
            &failed,
            r#"{"JobStatus":"FAILED","Error":{"Message":"denied","Code":"x"},"ServicesLastAccessed":[]}"#,
        )
        .unwrap();
        let e = read_report(&failed).unwrap_err();
        assert!(e.to_string().contains("FAILED"), "{e}");
    }
}

/// What `trailcut last-accessed ingest` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct IngestSummary {
    /// One entry per job written.
    pub jobs: Vec<JobSummary>,
    /// Files refused, with the reason.
    pub errors: Vec<String>,
    /// Written, but incomplete (a truncated last page).
    pub warnings: Vec<String>,
}

/// One job written.
#[derive(Debug, serde::Serialize)]
pub struct JobSummary {
    pub subject: String,
    pub job_id: String,
    /// `services`, `organizations`, `entities` or `granting`.
    pub kind: &'static str,
    /// The files read (none when collected from the API).
    pub files: Vec<PathBuf>,
    /// With-entities reports: the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub rows: usize,
}

impl JobSummary {
    /// What writing `report` did.
    pub fn of(report: &Report, rows: usize) -> JobSummary {
        JobSummary {
            subject: report.subject.id.clone(),
            job_id: report.job_id.clone(),
            kind: kind_of(&report.page),
            files: report.sources.clone(),
            service: report.service.clone(),
            rows,
        }
    }
}

/// One job of an index: whom its reports are about, the service of a with-entities
/// report, and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedJob {
    pub subject: Subject,
    pub service: Option<String>,
    pub files: Vec<PathBuf>,
}

/// Reads an index of reports (`INDEX.tsv`, tab-separated): on each line a report's file
/// name (relative to the index's folder), then the subject as `last-accessed ingest` takes
/// it (`--arn ARN` or `--entity-path PATH`), then `--service NS` for a with-entities report.
/// Lines starting with `#` are comments. Files with the same subject and service form one
/// job, in the order listed.
pub fn read_index(path: &Path) -> Result<Vec<IndexedJob>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut jobs: Vec<IndexedJob> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let at = |message: String| format!("`{}` line {}: {message}", path.display(), n + 1);
        let mut fields = line.split('\t');
        let file = fields.next().unwrap_or_default().trim();
        if file.is_empty() {
            return Err(at("no file name before the first tab".to_owned()));
        }
        let args: Vec<&str> = fields.flat_map(str::split_whitespace).collect();
        let value = |flag: &str| {
            args.iter()
                .position(|a| *a == flag)
                .and_then(|i| args.get(i + 1))
                .copied()
        };
        let subject = match (value("--arn"), value("--entity-path")) {
            (Some(arn), _) => Subject::from_arn(arn),
            (None, Some(entity)) => Subject::from_entity_path(entity),
            (None, None) => {
                Err("no --arn ARN or --entity-path PATH after the file name".to_owned())
            }
        }
        .map_err(at)?;
        let service = value("--service").map(str::to_owned);
        let file = dir.join(file);
        match jobs
            .iter_mut()
            .find(|j| j.subject == subject && j.service == service)
        {
            Some(job) => job.files.push(file),
            None => jobs.push(IndexedJob {
                subject,
                service,
                files: vec![file],
            }),
        }
    }
    Ok(jobs)
}

/// Reads report files about `subject` and writes each job, replacing an earlier copy.
pub fn ingest_reports(
    store: &crate::store::Store,
    subject: &Subject,
    job_id: Option<&str>,
    service: Option<&str>,
    paths: &[PathBuf],
) -> Result<IngestSummary, crate::store::StoreError> {
    let mut summary = IngestSummary::default();
    let mut pages = Vec::new();
    for path in paths {
        match read_report(path) {
            Ok(ReportPage::Entities { .. }) if service.is_none() => summary.errors.push(format!(
                "`{}`: a get-service-last-accessed-details-with-entities report does not say \
                 which service it is about: pass --service NAMESPACE",
                path.display()
            )),
            Ok(page) => pages.push((path.clone(), page)),
            Err(e) => summary.errors.push(e.to_string()),
        }
    }
    if pages.is_empty() {
        return Ok(summary);
    }
    let (reports, warnings) = merge_pages(subject, job_id, service, pages);
    summary.warnings = warnings;
    let _lock = store.open_for_write()?;
    let now = chrono::Utc::now().timestamp_micros();
    for report in reports {
        let rows = crate::ingest::report_rows::write_report(store, &report, now)?;
        summary.jobs.push(JobSummary::of(&report, rows));
    }
    Ok(summary)
}
