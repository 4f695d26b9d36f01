//! The organisation tables, one file per organisation: `org_units`, `org_accounts`,
//! `scps` and `scp_targets`, rewritten together (with the organisation's state in
//! `_trailcut/`) through the journal on every `trailcut org ingest`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::journal::{self, TableFile};
use super::{Store, StoreError};

/// The tables, in the order [`batches`] returns them.
pub const TABLES: [&str; 4] = ["org_units", "org_accounts", "scps", "scp_targets"];

const COLUMNS: [&[&str]; 4] = [
    &[
        "org_id",
        "id",
        "name",
        "arn",
        "unit_type",
        "parent_id",
        "path",
    ],
    &[
        "org_id",
        "id",
        "name",
        "arn",
        "email",
        "status",
        "parent_id",
        "path",
        "is_management",
    ],
    &[
        "org_id",
        "id",
        "name",
        "arn",
        "description",
        "aws_managed",
        "document",
    ],
    &[
        "org_id",
        "policy_id",
        "policy_name",
        "target_id",
        "target_type",
        "target_name",
        "target_path",
    ],
];

/// The schema of one of [`TABLES`].
pub fn table_schema(table: &str) -> Option<SchemaRef> {
    let i = TABLES.iter().position(|t| *t == table)?;
    Some(Arc::new(Schema::new(
        COLUMNS[i]
            .iter()
            .map(|c| {
                let kind = if matches!(*c, "aws_managed" | "is_management") {
                    DataType::Boolean
                } else {
                    DataType::Utf8
                };
                Field::new(
                    *c,
                    kind,
                    !matches!(*c, "org_id" | "id" | "policy_id" | "target_id"),
                )
            })
            .collect::<Vec<_>>(),
    )))
}

/// Where the store keeps what it knows of an organisation between ingests (the merged
/// facts of every file given so far, as JSON: `_trailcut/org-<id>.json`).
pub fn state_path(store: &Store, org: &str) -> PathBuf {
    store.meta_dir().join(format!("org-{org}.json"))
}

/// The organisations the store knows, by id.
pub fn known_orgs(store: &Store) -> Vec<String> {
    let mut orgs: Vec<String> = std::fs::read_dir(store.meta_dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| {
            n.strip_prefix("org-")
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
        })
        .collect();
    orgs.sort();
    orgs
}

/// The organisation's state as last stored, `None` when the store has none.
pub fn read_state(store: &Store, org: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let path = state_path(store, org);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(&path)(e)),
    }
}

/// Replaces the organisation's four files and its state together.
pub fn replace(
    store: &Store,
    org_id: &str,
    batches: &[RecordBatch; 4],
    state: &[u8],
) -> Result<(), StoreError> {
    let files = TableFile::each(&TABLES, org_id, batches);
    journal::replace_files(store, &files, Some((&state_path(store, org_id), state)))
}
