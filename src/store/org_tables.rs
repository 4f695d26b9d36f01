//! The organisation tables, one file per organisation: `org_units`, `org_accounts`,
//! `scps` and `scp_targets`, rewritten together (with the organisation's state in
//! `_trailcut/`) through the journal on every `trailcut org ingest`.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::parquet_io::{plain_properties, write_file};
use super::{Store, StoreError, TMP_SUFFIX, journal};
use crate::ingest::org::Organization;

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

fn strings(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

/// The four tables' rows for `org`.
pub fn batches(org: &Organization) -> Result<[RecordBatch; 4], arrow::error::ArrowError> {
    let org_col = |n: usize| strings(vec![Some(org.id.clone()); n]);
    let units: Vec<_> = org.units.values().collect();
    let units = RecordBatch::try_new(
        table_schema(TABLES[0]).expect("known"),
        vec![
            org_col(units.len()),
            strings(units.iter().map(|u| Some(u.id.clone())).collect()),
            strings(units.iter().map(|u| u.name.clone()).collect()),
            strings(units.iter().map(|u| u.arn.clone()).collect()),
            strings(units.iter().map(|u| Some(u.unit_type.clone())).collect()),
            strings(units.iter().map(|u| u.parent.clone()).collect()),
            strings(units.iter().map(|u| org.path_of(&u.id)).collect()),
        ],
    )?;
    let accounts: Vec<_> = org.accounts.values().collect();
    let management = org.management();
    let accounts = RecordBatch::try_new(
        table_schema(TABLES[1]).expect("known"),
        vec![
            org_col(accounts.len()),
            strings(accounts.iter().map(|a| Some(a.id.clone())).collect()),
            strings(accounts.iter().map(|a| a.name.clone()).collect()),
            strings(accounts.iter().map(|a| a.arn.clone()).collect()),
            strings(accounts.iter().map(|a| a.email.clone()).collect()),
            strings(accounts.iter().map(|a| a.status.clone()).collect()),
            strings(accounts.iter().map(|a| a.parent.clone()).collect()),
            strings(accounts.iter().map(|a| org.path_of(&a.id)).collect()),
            Arc::new(BooleanArray::from(
                accounts
                    .iter()
                    .map(|a| Some(management.as_deref() == Some(a.id.as_str())))
                    .collect::<Vec<_>>(),
            )),
        ],
    )?;
    let policies: Vec<_> = org.policies.values().collect();
    let scps = RecordBatch::try_new(
        table_schema(TABLES[2]).expect("known"),
        vec![
            org_col(policies.len()),
            strings(policies.iter().map(|p| Some(p.id.clone())).collect()),
            strings(policies.iter().map(|p| p.name.clone()).collect()),
            strings(policies.iter().map(|p| p.arn.clone()).collect()),
            strings(policies.iter().map(|p| p.description.clone()).collect()),
            Arc::new(BooleanArray::from(
                policies.iter().map(|p| p.aws_managed).collect::<Vec<_>>(),
            )),
            strings(policies.iter().map(|p| p.document.clone()).collect()),
        ],
    )?;
    let targets: Vec<(&String, &crate::ingest::org::Target)> = org
        .targets
        .iter()
        .flat_map(|(p, ts)| ts.iter().map(move |t| (p, t)))
        .collect();
    let scp_targets = RecordBatch::try_new(
        table_schema(TABLES[3]).expect("known"),
        vec![
            org_col(targets.len()),
            strings(targets.iter().map(|(p, _)| Some((*p).clone())).collect()),
            strings(
                targets
                    .iter()
                    .map(|(p, _)| org.policies.get(*p).and_then(|s| s.name.clone()))
                    .collect(),
            ),
            strings(
                targets
                    .iter()
                    .map(|(_, t)| Some(t.target_id.clone()))
                    .collect(),
            ),
            strings(targets.iter().map(|(_, t)| t.target_type.clone()).collect()),
            strings(targets.iter().map(|(_, t)| t.name.clone()).collect()),
            strings(
                targets
                    .iter()
                    .map(|(_, t)| org.path_of(&t.target_id))
                    .collect(),
            ),
        ],
    )?;
    Ok([units, accounts, scps, scp_targets])
}

/// Replaces the organisation's four files and its state together.
pub fn replace(
    store: &Store,
    org_id: &str,
    batches: &[RecordBatch; 4],
    state: &[u8],
    state_path: &Path,
) -> Result<(), StoreError> {
    let mut add = Vec::with_capacity(TABLES.len() + 1);
    for (table, batch) in TABLES.iter().zip(batches) {
        let dir = store.root().join(table);
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let tmp = dir.join(format!("{org_id}.parquet{TMP_SUFFIX}"));
        write_file(&tmp, &batch.schema(), [batch], plain_properties())?;
        add.push((tmp, dir.join(format!("{org_id}.parquet"))));
    }
    let tmp_state = state_path.with_extension(format!("json{TMP_SUFFIX}"));
    journal::write_synced(&tmp_state, state)?;
    add.push((tmp_state, state_path.to_path_buf()));
    journal::swap(store, &add, &[])
}
