//! Registers the store's tables with a DataFusion session: `events` (Hive-partitioned by
//! `date`), `manifest`, `outliers`, and any other table directory a later feature adds. An empty
//! store still has an empty `events` table, so queries never fail for want of data.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result;
use datafusion::prelude::{SessionContext, col};

use super::outliers::{OUTLIERS, outliers_schema};
use super::schema::{col as c, events_schema};
use super::usage::{USAGE, usage_dir, usage_schema};
use super::{EVENTS, MANIFEST, Store, manifest::manifest_schema};

/// Registers every table of the store with `ctx`; returns their names.
pub async fn register_store(ctx: &SessionContext, store: &Store) -> Result<Vec<String>> {
    let mut names = Vec::new();
    register_events(ctx, store)?;
    names.push(EVENTS.to_owned());
    register_usage(ctx, store)?;
    names.push(USAGE.to_owned());
    register_plain(ctx, store, MANIFEST, Some(manifest_schema())).await?;
    names.push(MANIFEST.to_owned());
    register_plain(ctx, store, OUTLIERS, Some(outliers_schema())).await?;
    names.push(OUTLIERS.to_owned());
    // The IAM and organisation tables exist (empty) before anything is ingested into them,
    // so that queries joining them never fail for want of a table.
    let known = super::authz_tables::TABLES
        .iter()
        .map(|t| (*t, super::authz_tables::table_schema(t)))
        .chain(
            super::org_tables::TABLES
                .iter()
                .map(|t| (*t, super::org_tables::table_schema(t))),
        )
        .chain(
            super::report_tables::TABLES
                .iter()
                .map(|t| (*t, super::report_tables::table_schema(t))),
        );
    for (name, schema) in known {
        register_plain(ctx, store, name, schema).await?;
        names.push(name.to_owned());
    }
    // Tables that later features add (last-accessed reports, ...) are plain directories
    // of Parquet files: register whatever else is there.
    if let Ok(entries) = std::fs::read_dir(store.root()) {
        let mut extra: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with(['_', '.']) && !names.contains(n))
            .collect();
        extra.sort();
        for name in extra {
            if !super::parquet_files(&store.root().join(&name))
                .map(|f| f.is_empty())
                .unwrap_or(true)
            {
                register_plain(ctx, store, &name, None).await?;
                names.push(name);
            }
        }
    }
    Ok(names)
}

fn has_parquet(dir: &std::path::Path) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .any(|e| e.path().extension().is_some_and(|x| x == "parquet"))
}

/// `events`: the listing table over `events/date=*/`, with `date` as a partition column
/// so that filters on it prune whole directories.
fn register_events(ctx: &SessionContext, store: &Store) -> Result<()> {
    let sort = vec![col(c::EVENTTIME).sort(true, false)];
    register_by_day(
        ctx,
        EVENTS,
        &store.events_dir(),
        events_schema(),
        events_schema(),
        Some(sort),
    )
}

/// `usage`: the rollup, partitioned by `date` like `events`.
fn register_usage(ctx: &SessionContext, store: &Store) -> Result<()> {
    let mut fields = usage_schema().fields().to_vec();
    fields.push(Arc::new(arrow::datatypes::Field::new(
        "date",
        DataType::Date32,
        false,
    )));
    let empty = Arc::new(arrow::datatypes::Schema::new(fields));
    register_by_day(ctx, USAGE, &usage_dir(store), usage_schema(), empty, None)
}

/// A table of `dir/date=YYYY-MM-DD/*.parquet` files with `schema`, `date` its partition
/// column; an empty table of `empty` while `dir` has no files.
fn register_by_day(
    ctx: &SessionContext,
    name: &str,
    dir: &std::path::Path,
    schema: arrow::datatypes::SchemaRef,
    empty: arrow::datatypes::SchemaRef,
    sort: Option<Vec<datafusion::logical_expr::SortExpr>>,
) -> Result<()> {
    if !has_parquet(dir) {
        ctx.register_table(name, Arc::new(MemTable::try_new(empty, vec![vec![]])?))?;
        return Ok(());
    }
    let mut options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![("date".to_owned(), DataType::Date32)]);
    if let Some(sort) = sort {
        options = options.with_file_sort_order(vec![sort]);
    }
    let url = ListingTableUrl::parse(dir_url(dir))?;
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

async fn register_plain(
    ctx: &SessionContext,
    store: &Store,
    name: &str,
    schema: Option<arrow::datatypes::SchemaRef>,
) -> Result<()> {
    let dir = store.root().join(name);
    if !has_parquet(&dir) {
        if let Some(schema) = schema {
            ctx.register_table(name, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
        }
        return Ok(());
    }
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let url = ListingTableUrl::parse(dir_url(&dir))?;
    let mut config = ListingTableConfig::new(url).with_listing_options(options);
    config = match schema {
        Some(schema) => config.with_schema(schema),
        None => config,
    };
    let config = if config.file_schema.is_some() {
        config
    } else {
        config.infer_schema(&ctx.state()).await?
    };
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// A directory as a URL DataFusion lists recursively (trailing slash).
fn dir_url(dir: &std::path::Path) -> String {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut s = abs.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}
