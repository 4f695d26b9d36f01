//! `trailcut collect last-accessed`: IAM's last-accessed jobs (Access Advisor), started,
//! polled and read page by page, into the same reports `trailcut last-accessed ingest`
//! reads from files.
//!
//! A job is started with `GenerateServiceLastAccessedDetails` (or
//! `GenerateOrganizationsAccessReport`) and read with `GetServiceLastAccessedDetails` once
//! it is `COMPLETED`. While a job runs, the SDK's answer still carries dates and lists: they
//! are defaults (1970, empty), so nothing is read before the status says COMPLETED.

use std::time::{Duration, Instant};

use aws_sdk_iam::Client;
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType, PolicyScopeType};

use super::describe;
use crate::ingest::last_accessed::{
    ActionRow, EntityRow, GrantingRow, Report, ReportPage, ServiceRow, Subject, derived_job_id,
};

/// IAM accepts at most this many namespaces per ListPoliciesGrantingServiceAccess call.
const GRANTING_NAMESPACES_PER_CALL: usize = 10;

/// What to collect about each subject, and how patiently.
#[derive(Debug, Clone)]
pub struct Plan {
    /// ACTION_LEVEL jobs (tracked actions too) rather than SERVICE_LEVEL.
    pub action_level: bool,
    /// For groups and policies: which entities used each used service (with-entities).
    pub entities: bool,
    /// For users, groups and roles: the policies granting each reported service.
    pub granting: bool,
    /// The first wait between polls of a running job; it grows to `MAX_POLL`.
    pub poll: Duration,
    /// How long one job may run before it is given up.
    pub timeout: Duration,
}

const MAX_POLL: Duration = Duration::from_secs(15);

/// Which identities of the account to list as subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    Users,
    Groups,
    Roles,
    /// Customer-managed policies; only those attached to something when set.
    Policies {
        only_attached: bool,
    },
}

impl Selection {
    /// The IAM call that lists them.
    pub fn call(self) -> &'static str {
        match self {
            Selection::Users => "ListUsers",
            Selection::Groups => "ListGroups",
            Selection::Roles => "ListRoles",
            Selection::Policies { .. } => "ListPolicies",
        }
    }
}

/// The ARNs of every identity of one kind, every page.
pub async fn list_subjects(iam: &Client, selection: Selection) -> anyhow::Result<Vec<String>> {
    let fail = |e: String| anyhow::anyhow!("{}: {e}", selection.call());
    let mut arns = Vec::new();
    match selection {
        Selection::Users => {
            let mut pages = iam.list_users().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| fail(describe(&e)))?;
                arns.extend(page.users().iter().map(|u| u.arn().to_owned()));
            }
        }
        Selection::Groups => {
            let mut pages = iam.list_groups().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| fail(describe(&e)))?;
                arns.extend(page.groups().iter().map(|g| g.arn().to_owned()));
            }
        }
        Selection::Roles => {
            let mut pages = iam.list_roles().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| fail(describe(&e)))?;
                arns.extend(page.roles().iter().map(|r| r.arn().to_owned()));
            }
        }
        Selection::Policies { only_attached } => {
            let mut pages = iam
                .list_policies()
                .scope(PolicyScopeType::Local)
                .only_attached(only_attached)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| fail(describe(&e)))?;
                arns.extend(
                    page.policies()
                        .iter()
                        .filter_map(|p| p.arn().map(str::to_owned)),
                );
            }
        }
    }
    Ok(arns)
}

/// What was collected about one subject: its reports, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Collected {
    pub reports: Vec<Report>,
    pub errors: Vec<String>,
}

fn micros(d: &DateTime) -> i64 {
    d.secs() * 1_000_000 + i64::from(d.subsec_nanos() / 1_000)
}

fn job_failed(call: &str, job: &str, status: &JobStatusType, error: Option<String>) -> String {
    format!(
        "{call} job {job} is {}{}",
        status.as_str(),
        error.map(|e| format!(": {e}")).unwrap_or_default()
    )
}

/// Sleeps before the next poll of a running job, or says it took too long.
struct Poll {
    wait: Duration,
    started: Instant,
    timeout: Duration,
}

impl Poll {
    fn new(plan: &Plan) -> Poll {
        Poll {
            wait: plan.poll,
            started: Instant::now(),
            timeout: plan.timeout,
        }
    }

    async fn again(&mut self, call: &str, job: &str) -> Result<(), String> {
        if self.started.elapsed() >= self.timeout {
            return Err(format!(
                "{call} job {job} still IN_PROGRESS after {} s (raise --timeout)",
                self.timeout.as_secs()
            ));
        }
        tokio::time::sleep(self.wait).await;
        self.wait = (self.wait * 3 / 2).min(MAX_POLL);
        Ok(())
    }
}

/// Everything asked about one IAM user, group, role or policy.
pub async fn collect_arn(iam: &Client, subject: &Subject, plan: &Plan) -> Collected {
    let mut collected = Collected::default();
    let (job, report) = match services_job(iam, subject, plan).await {
        Ok(done) => done,
        Err(e) => {
            collected.errors.push(e);
            return collected;
        }
    };
    let ReportPage::Services { services, .. } = &report.page else {
        unreachable!("services_job returns a services report");
    };
    let namespaces: Vec<String> = services.iter().map(|s| s.namespace.clone()).collect();
    let used: Vec<String> = services
        .iter()
        .filter(|s| s.last_authenticated.is_some())
        .map(|s| s.namespace.clone())
        .collect();
    collected.reports.push(report);
    // With-entities says more than the subject itself only for groups and policies.
    if plan.entities && matches!(subject.kind, "group" | "policy") {
        for namespace in &used {
            match entities_report(iam, subject, &job, namespace, plan).await {
                Ok(report) => collected.reports.push(report),
                Err(e) => collected.errors.push(e),
            }
        }
    }
    if plan.granting && matches!(subject.kind, "user" | "group" | "role") && !namespaces.is_empty()
    {
        match granting_report(iam, subject, &namespaces).await {
            Ok(report) => collected.reports.push(report),
            Err(e) => collected.errors.push(e),
        }
    }
    collected
}

/// Starts a service (or action) level job and reads every page once it completes.
async fn services_job(
    iam: &Client,
    subject: &Subject,
    plan: &Plan,
) -> Result<(String, Report), String> {
    let granularity = if plan.action_level {
        AccessAdvisorUsageGranularityType::ActionLevel
    } else {
        AccessAdvisorUsageGranularityType::ServiceLevel
    };
    let job = iam
        .generate_service_last_accessed_details()
        .arn(&subject.id)
        .granularity(granularity)
        .send()
        .await
        .map_err(|e| format!("GenerateServiceLastAccessedDetails: {}", describe(&e)))?
        .job_id
        .ok_or("GenerateServiceLastAccessedDetails returned no JobId")?;
    const CALL: &str = "GetServiceLastAccessedDetails";
    let mut poll = Poll::new(plan);
    let mut marker: Option<String> = None;
    let mut services = Vec::new();
    let mut actions = Vec::new();
    loop {
        let page = iam
            .get_service_last_accessed_details()
            .job_id(&job)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| format!("{CALL} ({job}): {}", describe(&e)))?;
        match page.job_status() {
            JobStatusType::InProgress => {
                poll.again(CALL, &job).await?;
                continue;
            }
            JobStatusType::Completed => {}
            other => {
                let error = page
                    .error()
                    .map(|e| format!("{} {}", e.code(), e.message()));
                return Err(job_failed(CALL, &job, other, error));
            }
        }
        for s in page.services_last_accessed() {
            let namespace = s.service_namespace().to_owned();
            services.push(ServiceRow {
                namespace: namespace.clone(),
                name: Some(s.service_name().to_owned()),
                last_authenticated: s.last_authenticated().map(micros),
                entity: s.last_authenticated_entity().map(str::to_owned),
                region: s.last_authenticated_region().map(str::to_owned),
                total_entities: s.total_authenticated_entities().map(i64::from),
            });
            for a in s.tracked_actions_last_accessed() {
                let Some(name) = a.action_name() else {
                    continue;
                };
                actions.push(ActionRow {
                    namespace: namespace.clone(),
                    action: format!("{namespace}:{name}"),
                    last_accessed: a.last_accessed_time().map(micros),
                    entity: a.last_accessed_entity().map(str::to_owned),
                    region: a.last_accessed_region().map(str::to_owned),
                });
            }
        }
        marker = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        if marker.is_none() {
            let job_type = page
                .job_type()
                .map_or("SERVICE_LEVEL", |t| t.as_str())
                .to_owned();
            let report = Report {
                subject: subject.clone(),
                job_id: job.clone(),
                page: ReportPage::Services {
                    job_type,
                    created: Some(micros(page.job_creation_date())),
                    completed: Some(micros(page.job_completion_date())),
                    services,
                    actions,
                    truncated: false,
                },
                sources: Vec::new(),
                service: None,
            };
            return Ok((job, report));
        }
    }
}

/// The entities that used one service, from a completed job.
async fn entities_report(
    iam: &Client,
    subject: &Subject,
    job: &str,
    namespace: &str,
    plan: &Plan,
) -> Result<Report, String> {
    const CALL: &str = "GetServiceLastAccessedDetailsWithEntities";
    let mut poll = Poll::new(plan);
    let mut marker: Option<String> = None;
    let mut entities = Vec::new();
    loop {
        let page = iam
            .get_service_last_accessed_details_with_entities()
            .job_id(job)
            .service_namespace(namespace)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| format!("{CALL} ({job}, {namespace}): {}", describe(&e)))?;
        match page.job_status() {
            JobStatusType::InProgress => {
                poll.again(CALL, job).await?;
                continue;
            }
            JobStatusType::Completed => {}
            other => {
                let error = page
                    .error()
                    .map(|e| format!("{} {}", e.code(), e.message()));
                return Err(job_failed(CALL, job, other, error));
            }
        }
        for e in page.entity_details_list() {
            let Some(info) = e.entity_info() else {
                continue;
            };
            entities.push(EntityRow {
                arn: info.arn().to_owned(),
                kind: Some(info.r#type().as_str().to_owned()),
                name: Some(info.name().to_owned()),
                id: Some(info.id().to_owned()),
                path: info.path().map(str::to_owned),
                last_authenticated: e.last_authenticated().map(micros),
            });
        }
        marker = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        if marker.is_none() {
            return Ok(Report {
                subject: subject.clone(),
                job_id: job.to_owned(),
                page: ReportPage::Entities {
                    created: Some(micros(page.job_creation_date())),
                    completed: Some(micros(page.job_completion_date())),
                    entities,
                    truncated: false,
                },
                sources: Vec::new(),
                service: Some(namespace.to_owned()),
            });
        }
    }
}

/// The policies of a user, group or role that grant each of `namespaces`.
async fn granting_report(
    iam: &Client,
    subject: &Subject,
    namespaces: &[String],
) -> Result<Report, String> {
    const CALL: &str = "ListPoliciesGrantingServiceAccess";
    let mut policies = Vec::new();
    for chunk in namespaces.chunks(GRANTING_NAMESPACES_PER_CALL) {
        let mut marker: Option<String> = None;
        loop {
            let page = iam
                .list_policies_granting_service_access()
                .arn(&subject.id)
                .set_service_namespaces(Some(chunk.to_vec()))
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| format!("{CALL}: {}", describe(&e)))?;
            for entry in page.policies_granting_service_access() {
                let Some(namespace) = entry.service_namespace() else {
                    continue;
                };
                for p in entry.policies() {
                    policies.push(GrantingRow {
                        namespace: namespace.to_owned(),
                        policy_name: p.policy_name().to_owned(),
                        policy_type: Some(p.policy_type().as_str().to_owned()),
                        policy_arn: p.policy_arn().map(str::to_owned),
                        entity_type: p.entity_type().map(|t| t.as_str().to_owned()),
                        entity_name: p.entity_name().map(str::to_owned),
                    });
                }
            }
            marker = page
                .marker()
                .filter(|_| page.is_truncated())
                .map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
    }
    let page = ReportPage::Granting {
        policies,
        truncated: false,
    };
    Ok(Report {
        subject: subject.clone(),
        // The same id file ingest gives a granting listing: the latest replaces the last.
        job_id: derived_job_id(subject, "granting", None, None),
        page,
        sources: Vec::new(),
        service: None,
    })
}

/// An AWS Organizations access report for an entity path.
pub async fn collect_org_entity(iam: &Client, subject: &Subject, plan: &Plan) -> Collected {
    let mut collected = Collected::default();
    match org_report(iam, subject, plan).await {
        Ok(report) => collected.reports.push(report),
        Err(e) => collected.errors.push(e),
    }
    collected
}

async fn org_report(iam: &Client, subject: &Subject, plan: &Plan) -> Result<Report, String> {
    let job = iam
        .generate_organizations_access_report()
        .entity_path(&subject.id)
        .send()
        .await
        .map_err(|e| format!("GenerateOrganizationsAccessReport: {}", describe(&e)))?
        .job_id
        .ok_or("GenerateOrganizationsAccessReport returned no JobId")?;
    const CALL: &str = "GetOrganizationsAccessReport";
    let mut poll = Poll::new(plan);
    let mut marker: Option<String> = None;
    let mut services = Vec::new();
    loop {
        let page = iam
            .get_organizations_access_report()
            .job_id(&job)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| format!("{CALL} ({job}): {}", describe(&e)))?;
        match page.job_status() {
            JobStatusType::InProgress => {
                poll.again(CALL, &job).await?;
                continue;
            }
            JobStatusType::Completed => {}
            other => {
                let error = page
                    .error_details()
                    .map(|e| format!("{} {}", e.code(), e.message()));
                return Err(job_failed(CALL, &job, other, error));
            }
        }
        for d in page.access_details() {
            services.push(ServiceRow {
                namespace: d.service_namespace().to_owned(),
                name: Some(d.service_name().to_owned()),
                last_authenticated: d.last_authenticated_time().map(micros),
                entity: d.entity_path().map(str::to_owned),
                region: d.region().map(str::to_owned),
                total_entities: d.total_authenticated_entities().map(i64::from),
            });
        }
        marker = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        if marker.is_none() {
            return Ok(Report {
                subject: subject.clone(),
                job_id: job.clone(),
                page: ReportPage::Services {
                    job_type: "ORGANIZATIONS".to_owned(),
                    created: Some(micros(page.job_creation_date())),
                    completed: page.job_completion_date().map(micros),
                    services,
                    actions: Vec::new(),
                    truncated: false,
                },
                sources: Vec::new(),
                service: None,
            });
        }
    }
}
