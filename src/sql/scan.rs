//! What a statement reads of the store: the tables and top-level columns of its table
//! scans once DataFusion has pushed projections down, which is what any Parquet engine
//! reads of the files. With `store::stats`, the bytes a query scans (`trailcut bench`,
//! docs/scale.md).

use std::collections::{BTreeMap, BTreeSet};

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;

use super::Session;
use crate::store::stats::TableStats;

/// Table name -> the columns its scans read (partition column `date` included when used).
pub type ColumnsRead = BTreeMap<String, BTreeSet<String>>;

/// The tables and columns `sql` reads, from its optimised logical plan (views inlined,
/// subqueries included).
pub async fn columns_read(session: &Session, sql: &str) -> datafusion::error::Result<ColumnsRead> {
    let state = session.context().state();
    let plan = state.create_logical_plan(sql).await?;
    let plan = state.optimize(&plan)?;
    let mut read = ColumnsRead::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let columns = read.entry(scan.table_name.table().to_owned()).or_default();
            for field in scan.projected_schema.fields() {
                columns.insert(field.name().clone());
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(read)
}

/// The compressed bytes of what `read` names, from the store's footers: each column's
/// leaves (`useridentity.arn` for `useridentity`), over every file of its table.
pub fn bytes_read(read: &ColumnsRead, tables: &[TableStats]) -> u64 {
    let mut bytes = 0;
    for (table, columns) in read {
        let Some(stats) = tables.iter().find(|t| &t.table == table) else {
            continue;
        };
        for c in &stats.columns {
            let top = c.column.split('.').next().unwrap_or(&c.column);
            if columns.contains(top) {
                bytes += c.compressed;
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::stats::ColumnStats;

    #[test]
    fn nested_leaves_count_for_their_top_column() {
        let stats = vec![TableStats {
            table: "events".into(),
            columns: vec![
                ColumnStats {
                    column: "useridentity.arn".into(),
                    compressed: 10,
                    uncompressed: 20,
                },
                ColumnStats {
                    column: "useridentity.type".into(),
                    compressed: 5,
                    uncompressed: 5,
                },
                ColumnStats {
                    column: "eventname".into(),
                    compressed: 7,
                    uncompressed: 9,
                },
            ],
            ..TableStats::default()
        }];
        let mut read = ColumnsRead::new();
        read.entry("events".into())
            .or_default()
            .insert("useridentity".into());
        read.entry("usage".into())
            .or_default()
            .insert("events".into());
        assert_eq!(bytes_read(&read, &stats), 15);
        read.get_mut("events").unwrap().insert("eventname".into());
        assert_eq!(bytes_read(&read, &stats), 22);
    }
}
