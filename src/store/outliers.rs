//! The `outliers` table: events whose time no trail could have written (before CloudTrail
//! began, or more than a day after their file was delivered or read; see
//! `ingest::plausible`), stored apart from `events` so that no window, usage
//! rollup or tightening ever reads them, and kept for SQL: `SELECT * FROM outliers`.
//!
//! Its rows are the `events` columns plus where each came from (`source`, `record`) and
//! why it is here (`reason`). One file per source object, named after the object's content
//! hash: reading the object again (after an interrupted run) replaces its file instead of
//! adding another. Rows are not de-duplicated across objects.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::batch::OutlierBatch;
use super::parquet_io::{plain_properties, write_file};
use super::schema::events_schema;
use super::{Store, StoreError, TMP_SUFFIX, journal};

/// The name of the table and its directory.
pub const OUTLIERS: &str = "outliers";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = events_schema().fields().to_vec();
    fields.extend([
        Arc::new(Field::new("source", DataType::Utf8, false)),
        Arc::new(Field::new("record", DataType::UInt64, false)),
        Arc::new(Field::new("reason", DataType::Utf8, false)),
    ]);
    Arc::new(Schema::new(fields))
});

/// The `events` columns, then `source` (the object's path, key or URL), `record` (the
/// 1-based position of the record in it) and `reason`.
pub fn outliers_schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Writes the outliers of the object `source` (content hash `hash`) as its one file of
/// the table, replacing an earlier copy; returns the rows written.
pub fn write(
    store: &Store,
    source: &str,
    hash: &str,
    parts: &[OutlierBatch],
) -> Result<u64, StoreError> {
    let schema = outliers_schema();
    let mut batches = Vec::with_capacity(parts.len());
    for part in parts {
        let rows = part.outliers.len();
        let mut columns: Vec<ArrayRef> = part.batch.columns().to_vec();
        columns.push(Arc::new(StringArray::from(vec![source; rows])));
        columns.push(Arc::new(UInt64Array::from_iter_values(
            part.outliers.iter().map(|o| o.record),
        )));
        columns.push(Arc::new(StringArray::from_iter_values(
            part.outliers.iter().map(|o| o.reason.as_str()),
        )));
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    let dir = store.root().join(OUTLIERS);
    std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
    let stem = &hash[..hash.len().min(32)];
    let tmp = dir.join(format!("{stem}.parquet{TMP_SUFFIX}"));
    let written = write_file(&tmp, &schema, &batches, plain_properties())?;
    journal::swap(store, &[(tmp, dir.join(format!("{stem}.parquet")))], &[])?;
    Ok(written.rows)
}
