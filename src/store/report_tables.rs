//! The last-accessed report tables, one file per report job:
//! `services_last_accessed`, `actions_last_accessed`, `entities_last_accessed` and
//! `policies_granting_service`. Ingesting a job again writes the same file names, so the
//! new copy replaces the old one (through the journal) instead of adding to it.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::parquet_io::{plain_properties, write_file};
use super::{Store, StoreError, TMP_SUFFIX, journal};
use crate::ingest::last_accessed::{Report, ReportPage};

/// `services_last_accessed`.
pub const SERVICES: &str = "services_last_accessed";
/// `actions_last_accessed`.
pub const ACTIONS: &str = "actions_last_accessed";
/// `entities_last_accessed`.
pub const ENTITIES: &str = "entities_last_accessed";
/// `policies_granting_service`.
pub const GRANTING: &str = "policies_granting_service";

/// The tables.
pub const TABLES: [&str; 4] = [SERVICES, ACTIONS, ENTITIES, GRANTING];

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Time,
    Int,
}

const COLUMNS: [&[(&str, Kind)]; 4] = {
    use Kind::*;
    [
        &[
            ("subject", Text),
            ("subject_type", Text),
            ("job_id", Text),
            ("job_type", Text),
            ("job_completion_date", Time),
            ("service_namespace", Text),
            ("service_name", Text),
            ("last_authenticated", Time),
            ("last_authenticated_entity", Text),
            ("region", Text),
            ("total_authenticated_entities", Int),
        ],
        &[
            ("subject", Text),
            ("subject_type", Text),
            ("job_id", Text),
            ("job_completion_date", Time),
            ("service_namespace", Text),
            ("action", Text),
            ("last_accessed", Time),
            ("entity", Text),
            ("region", Text),
        ],
        &[
            ("subject", Text),
            ("subject_type", Text),
            ("job_id", Text),
            ("job_completion_date", Time),
            ("service_namespace", Text),
            ("entity_arn", Text),
            ("entity_type", Text),
            ("entity_name", Text),
            ("entity_id", Text),
            ("entity_path", Text),
            ("last_authenticated", Time),
        ],
        &[
            ("subject", Text),
            ("subject_type", Text),
            ("service_namespace", Text),
            ("policy_name", Text),
            ("policy_type", Text),
            ("policy_arn", Text),
            ("entity_type", Text),
            ("entity_name", Text),
            ("ingested_at", Time),
        ],
    ]
};

fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Text => DataType::Utf8,
        Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Kind::Int => DataType::Int64,
    }
}

/// The schema of one of [`TABLES`].
pub fn table_schema(table: &str) -> Option<SchemaRef> {
    let i = TABLES.iter().position(|t| *t == table)?;
    Some(Arc::new(Schema::new(
        COLUMNS[i]
            .iter()
            .map(|(name, kind)| Field::new(*name, data_type(*kind), true))
            .collect::<Vec<_>>(),
    )))
}

/// Column values of one table, in schema order.
enum Col {
    Text(Vec<Option<String>>),
    Time(Vec<Option<i64>>),
    Int(Vec<Option<i64>>),
}

impl Col {
    fn array(self) -> ArrayRef {
        match self {
            Col::Text(v) => Arc::new(StringArray::from(v)),
            Col::Time(v) => Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC")),
            Col::Int(v) => Arc::new(Int64Array::from(v)),
        }
    }
}

fn batch(table: &str, columns: Vec<Col>) -> Result<RecordBatch, arrow::error::ArrowError> {
    RecordBatch::try_new(
        table_schema(table).expect("a known table"),
        columns.into_iter().map(Col::array).collect(),
    )
}

fn repeat<T: Clone>(value: T, n: usize) -> Vec<T> {
    vec![value; n]
}

/// The files a report writes: (table, file stem, rows).
pub fn report_batches(
    report: &Report,
    ingested_at: i64,
) -> Result<Vec<(&'static str, String, RecordBatch)>, arrow::error::ArrowError> {
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

/// Writes a report's files, replacing an earlier copy of the same job.
pub fn write_report(store: &Store, report: &Report, ingested_at: i64) -> Result<usize, StoreError> {
    let files = report_batches(report, ingested_at)?;
    let mut add = Vec::with_capacity(files.len());
    let mut rows = 0;
    for (table, stem, batch) in &files {
        let dir = store.root().join(table);
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let tmp = dir.join(format!("{stem}.parquet{TMP_SUFFIX}"));
        write_file(&tmp, &batch.schema(), [batch], plain_properties())?;
        add.push((tmp, dir.join(format!("{stem}.parquet"))));
        rows += batch.num_rows();
    }
    journal::swap(store, &add, &[])?;
    Ok(rows)
}
