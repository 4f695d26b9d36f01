//! The IAM Identity Center tables: instances, permission sets and their policies, account
//! assignments, and the Identity Store's users, groups and memberships. One file per
//! table, rewritten together (with the merged state in `_trailcut/identity-center.json`)
//! through the journal on every ingest of Identity Center outputs.
//!
//! ```text
//! <store>/sso_permission_sets/identity-center.parquet     (and the same for the others)
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::journal::{self, TableFile};
use super::{Store, StoreError};

/// The tables, in the order their batches are given.
pub const TABLES: [&str; 7] = [
    "sso_instances",
    "sso_permission_sets",
    "sso_permission_set_policies",
    "sso_assignments",
    "identity_store_users",
    "identity_store_groups",
    "identity_store_memberships",
];

/// The columns of each of [`TABLES`], all text.
pub const COLUMNS: [&[&str]; 7] = [
    &[
        "instance_arn",
        "instance_id",
        "identity_store_id",
        "owner_account_id",
        "name",
        "status",
        "created",
    ],
    &[
        "instance_arn",
        "permission_set_arn",
        "permission_set_id",
        "name",
        "description",
        "session_duration",
        "relay_state",
        "created",
        "inline_policy",
        "boundary_policy_arn",
        "boundary_policy_name",
        "boundary_policy_path",
    ],
    &[
        "permission_set_arn",
        "permission_set_name",
        "policy_kind",
        "policy_arn",
        "policy_name",
        "policy_path",
    ],
    &[
        "instance_arn",
        "permission_set_arn",
        "permission_set_name",
        "account_id",
        "principal_type",
        "principal_id",
        "principal_name",
    ],
    &[
        "identity_store_id",
        "user_id",
        "user_name",
        "display_name",
        "email",
        "status",
    ],
    &[
        "identity_store_id",
        "group_id",
        "display_name",
        "description",
    ],
    &[
        "identity_store_id",
        "group_id",
        "group_name",
        "user_id",
        "user_name",
    ],
];

/// The schema of one of [`TABLES`].
pub fn table_schema(table: &str) -> Option<SchemaRef> {
    let i = TABLES.iter().position(|t| *t == table)?;
    Some(Arc::new(Schema::new(
        COLUMNS[i]
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    )))
}

const STEM: &str = "identity-center";

/// Where the store keeps the merged Identity Center facts between ingests.
pub fn state_path(store: &Store) -> PathBuf {
    store.meta_dir().join(format!("{STEM}.json"))
}

/// The merged facts as last stored, `None` when the store has none.
pub fn read_state(store: &Store) -> Result<Option<Vec<u8>>, StoreError> {
    let path = state_path(store);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(&path)(e)),
    }
}

/// Replaces the seven files and the state together.
pub fn replace(store: &Store, batches: &[RecordBatch; 7], state: &[u8]) -> Result<(), StoreError> {
    let files = TableFile::each(&TABLES, STEM, batches);
    journal::replace_files(store, &files, Some((&state_path(store), state)))
}
