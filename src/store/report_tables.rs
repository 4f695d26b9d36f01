//! The last-accessed report tables, one file per report job:
//! `services_last_accessed`, `actions_last_accessed`, `entities_last_accessed` and
//! `policies_granting_service`. Ingesting a job again writes the same file names, so the
//! new copy replaces the old one (through the journal) instead of adding to it.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::journal::{self, TableFile};
use super::{Store, StoreError};

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
pub enum Col {
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

/// The rows of `table` from its columns in schema order.
pub fn batch(table: &str, columns: Vec<Col>) -> Result<RecordBatch, arrow::error::ArrowError> {
    RecordBatch::try_new(
        table_schema(table).expect("a known table"),
        columns.into_iter().map(Col::array).collect(),
    )
}

/// The files of one report job, as (table, file stem, rows): the stem names the job, so
/// that a job ingested again replaces its files.
pub type ReportFiles = Vec<(&'static str, String, RecordBatch)>;

/// Writes a report's files, replacing an earlier copy of the same job; returns the rows
/// written.
pub fn write_report(store: &Store, files: &ReportFiles) -> Result<usize, StoreError> {
    let table_files: Vec<TableFile<'_>> = files
        .iter()
        .map(|(table, stem, batch)| TableFile { table, stem, batch })
        .collect();
    journal::replace_files(store, &table_files, None)?;
    Ok(files.iter().map(|(_, _, batch)| batch.num_rows()).sum())
}
