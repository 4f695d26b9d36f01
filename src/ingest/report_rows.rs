//! A last-accessed report's rows, in the tables `store::report_tables` defines and writes.

use super::last_accessed::{Report, ReportPage};
use crate::store::report_tables::{ACTIONS, Col, ENTITIES, GRANTING, ReportFiles, SERVICES, batch};

fn repeat<T: Clone>(value: T, n: usize) -> Vec<T> {
    vec![value; n]
}

/// The files a report writes: (table, file stem, rows).
pub fn report_batches(
    report: &Report,
    ingested_at: i64,
) -> Result<ReportFiles, arrow::error::ArrowError> {
    let subject = Some(report.subject.id.clone());
    let kind = Some(report.subject.kind.to_owned());
    let job = Some(report.job_id.clone());
    let mut out = Vec::new();
    match &report.page {
        ReportPage::Services {
            job_type,
            completed,
            services,
            actions,
            ..
        } => {
            let n = services.len();
            out.push((
                SERVICES,
                report.job_id.clone(),
                batch(
                    SERVICES,
                    vec![
                        Col::Text(repeat(subject.clone(), n)),
                        Col::Text(repeat(kind.clone(), n)),
                        Col::Text(repeat(job.clone(), n)),
                        Col::Text(repeat(Some(job_type.clone()), n)),
                        Col::Time(repeat(*completed, n)),
                        Col::Text(services.iter().map(|s| Some(s.namespace.clone())).collect()),
                        Col::Text(services.iter().map(|s| s.name.clone()).collect()),
                        Col::Time(services.iter().map(|s| s.last_authenticated).collect()),
                        Col::Text(services.iter().map(|s| s.entity.clone()).collect()),
                        Col::Text(services.iter().map(|s| s.region.clone()).collect()),
                        Col::Int(services.iter().map(|s| s.total_entities).collect()),
                    ],
                )?,
            ));
            // Written even when empty, so a re-ingested job never keeps an older copy's
            // actions.
            let n = actions.len();
            out.push((
                ACTIONS,
                report.job_id.clone(),
                batch(
                    ACTIONS,
                    vec![
                        Col::Text(repeat(subject.clone(), n)),
                        Col::Text(repeat(kind.clone(), n)),
                        Col::Text(repeat(job.clone(), n)),
                        Col::Time(repeat(*completed, n)),
                        Col::Text(actions.iter().map(|a| Some(a.namespace.clone())).collect()),
                        Col::Text(actions.iter().map(|a| Some(a.action.clone())).collect()),
                        Col::Time(actions.iter().map(|a| a.last_accessed).collect()),
                        Col::Text(actions.iter().map(|a| a.entity.clone()).collect()),
                        Col::Text(actions.iter().map(|a| a.region.clone()).collect()),
                    ],
                )?,
            ));
        }
        ReportPage::Entities {
            completed,
            entities,
            ..
        } => {
            let n = entities.len();
            let service = report.service.clone();
            out.push((
                ENTITIES,
                format!(
                    "{}-{}",
                    report.job_id,
                    report.service.as_deref().unwrap_or("service")
                ),
                batch(
                    ENTITIES,
                    vec![
                        Col::Text(repeat(subject.clone(), n)),
                        Col::Text(repeat(kind.clone(), n)),
                        Col::Text(repeat(job.clone(), n)),
                        Col::Time(repeat(*completed, n)),
                        Col::Text(repeat(service, n)),
                        Col::Text(entities.iter().map(|e| Some(e.arn.clone())).collect()),
                        Col::Text(entities.iter().map(|e| e.kind.clone()).collect()),
                        Col::Text(entities.iter().map(|e| e.name.clone()).collect()),
                        Col::Text(entities.iter().map(|e| e.id.clone()).collect()),
                        Col::Text(entities.iter().map(|e| e.path.clone()).collect()),
                        Col::Time(entities.iter().map(|e| e.last_authenticated).collect()),
                    ],
                )?,
            ));
        }
        ReportPage::Granting { policies, .. } => {
            let n = policies.len();
            out.push((
                GRANTING,
                report.job_id.clone(),
                batch(
                    GRANTING,
                    vec![
                        Col::Text(repeat(subject.clone(), n)),
                        Col::Text(repeat(kind.clone(), n)),
                        Col::Text(policies.iter().map(|p| Some(p.namespace.clone())).collect()),
                        Col::Text(
                            policies
                                .iter()
                                .map(|p| Some(p.policy_name.clone()))
                                .collect(),
                        ),
                        Col::Text(policies.iter().map(|p| p.policy_type.clone()).collect()),
                        Col::Text(policies.iter().map(|p| p.policy_arn.clone()).collect()),
                        Col::Text(policies.iter().map(|p| p.entity_type.clone()).collect()),
                        Col::Text(policies.iter().map(|p| p.entity_name.clone()).collect()),
                        Col::Time(repeat(Some(ingested_at), n)),
                    ],
                )?,
            ));
        }
    }
    Ok(out)
}

/// Stores a report: its rows built here, written by the store (replacing an earlier copy
/// of the same job); returns the rows written.
pub fn write_report(
    store: &crate::store::Store,
    report: &Report,
    ingested_at: i64,
) -> Result<usize, crate::store::StoreError> {
    let files = report_batches(report, ingested_at)?;
    crate::store::report_tables::write_report(store, &files)
}
