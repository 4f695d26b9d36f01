//! The IAM tables of the store, one snapshot per account: `principals`, `group_members`,
//! `attachments`, `policies` and `policy_grants`.
//!
//! ```text
//! <store>/principals/<account>.parquet      (and the same for the other four tables)
//! ```
//!
//! An account's five files are replaced together through the journal when a newer
//! snapshot is ingested, so a query never sees half of one snapshot and half of another.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::journal::{self, TableFile};
use super::parquet_io::open_reader;
use super::{Store, StoreError};

/// `principals`: users, groups and roles.
pub const PRINCIPALS: &str = "principals";
/// `group_members`: which user is in which group.
pub const GROUP_MEMBERS: &str = "group_members";
/// `attachments`: which policy reaches which principal, and how.
pub const ATTACHMENTS: &str = "attachments";
/// `policies`: every policy version's document.
pub const POLICIES: &str = "policies";
/// `policy_grants`: one row per concrete action of each statement of a policy's default
/// version.
pub const POLICY_GRANTS: &str = "policy_grants";

/// The tables in the order they are written.
pub const TABLES: [&str; 5] = [
    PRINCIPALS,
    GROUP_MEMBERS,
    ATTACHMENTS,
    POLICIES,
    POLICY_GRANTS,
];

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn s(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn req(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn schema(fields: Vec<Field>) -> SchemaRef {
    let mut all = vec![req("account_id")];
    all.extend(fields);
    all.push(Field::new("snapshot_time", ts(), false));
    Arc::new(Schema::new(all))
}

static SCHEMAS: LazyLock<[SchemaRef; 5]> = LazyLock::new(|| {
    [
        schema(vec![
            req("principal_type"),
            req("name"),
            req("arn"),
            s("id"),
            s("path"),
            Field::new("created", ts(), true),
            Field::new("role_last_used", ts(), true),
            s("role_last_used_region"),
            s("permissions_boundary"),
            s("tags"),
            s("trust_policy"),
        ]),
        schema(vec![
            req("group_name"),
            s("group_arn"),
            req("user_name"),
            req("user_arn"),
        ]),
        schema(vec![
            req("principal_type"),
            req("principal_name"),
            req("principal_arn"),
            req("policy_key"),
            s("policy_arn"),
            req("policy_name"),
            req("policy_type"),
            req("via"),
            s("via_group"),
        ]),
        schema(vec![
            req("policy_key"),
            s("policy_arn"),
            req("policy_name"),
            s("policy_id"),
            req("policy_type"),
            s("path"),
            s("owner_arn"),
            s("default_version"),
            Field::new("attachment_count", DataType::Int64, true),
            Field::new("created", ts(), true),
            Field::new("updated", ts(), true),
            s("version_id"),
            Field::new("is_default", DataType::Boolean, false),
            Field::new("version_created", ts(), true),
            req("document"),
        ]),
        schema(vec![
            req("policy_key"),
            req("policy_name"),
            req("policy_type"),
            Field::new("statement_index", DataType::Int32, false),
            s("sid"),
            req("effect"),
            req("action"),
            Field::new("not_action", DataType::Boolean, false),
            Field::new(
                "resources",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            ),
            Field::new("not_resource", DataType::Boolean, false),
            Field::new("has_condition", DataType::Boolean, false),
        ]),
    ]
});

/// The schema of one of [`TABLES`].
pub fn table_schema(table: &str) -> Option<SchemaRef> {
    TABLES
        .iter()
        .position(|t| *t == table)
        .map(|i| SCHEMAS[i].clone())
}

fn snapshot_path(store: &Store, table: &str, account: &str) -> PathBuf {
    store.root().join(table).join(format!("{account}.parquet"))
}

/// When the stored snapshot of `account` was taken, if there is one.
pub fn snapshot_time(store: &Store, account: &str) -> Result<Option<i64>, StoreError> {
    let path = snapshot_path(store, PRINCIPALS, account);
    if !path.exists() {
        return Ok(None);
    }
    for batch in open_reader(&path, 1024, Some(&["snapshot_time"]))? {
        let batch = batch?;
        if batch.num_rows() > 0 {
            let times = batch
                .column(0)
                .as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>()
                .filter(|t| !t.is_null(0))
                .map(|t| t.value(0));
            return Ok(times);
        }
    }
    Ok(None)
}

/// Replaces the snapshot of `account` with `batches` (one per table, in [`TABLES`] order).
/// The caller holds the store's write lock.
pub fn replace_snapshot(
    store: &Store,
    account: &str,
    batches: &[RecordBatch; 5],
) -> Result<(), StoreError> {
    let files = TableFile::each(&TABLES, account, batches);
    journal::replace_files(store, &files, None)
}
