//! Registers the store's tables with a DataFusion session: `events` (Hive-partitioned by
//! `date`), `manifest`, `outliers`, and any other table directory a later feature adds. An empty
//! store still has an empty `events` table, so queries never fail for want of data.
//!
//! Every table lists its files from a [`StoreView`] (the committed snapshot, frozen when
//! the session opened), never from the directories a writer may be changing.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result;
use datafusion::prelude::SessionContext;

use super::outliers::{OUTLIERS, outliers_schema};
use super::schema::events_schema;
use super::usage::{USAGE, usage_schema};
use super::view::StoreView;
use super::{EVENTS, MANIFEST, manifest::manifest_schema};

/// Registers every table of the store with `ctx`, reading the files of `view`; returns
/// their names.
pub async fn register_store(ctx: &SessionContext, view: Arc<StoreView>) -> Result<Vec<String>> {
    super::view::register(ctx, Arc::clone(&view));
    let view = view.as_ref();
    let mut names = Vec::new();
    register_events(ctx, view)?;
    names.push(EVENTS.to_owned());
    register_usage(ctx, view)?;
    names.push(USAGE.to_owned());
    register_plain(ctx, view, MANIFEST, Some(manifest_schema())).await?;
    names.push(MANIFEST.to_owned());
    register_plain(ctx, view, OUTLIERS, Some(outliers_schema())).await?;
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
        )
        .chain(
            super::sso_tables::TABLES
                .iter()
                .map(|t| (*t, super::sso_tables::table_schema(t))),
        );
    for (name, schema) in known {
        register_plain(ctx, view, name, schema).await?;
        names.push(name.to_owned());
    }
    // Tables that later features add (last-accessed reports, ...) are plain directories
    // of Parquet files: register whatever else is there.
    for name in view.tables() {
        if !names.contains(&name) {
            register_plain(ctx, view, &name, None).await?;
            names.push(name);
        }
    }
    Ok(names)
}

/// `events`: the listing table over `events/date=*/`, with `date` as a partition column
/// so that filters on it prune whole directories. Files are in call order, not time order
/// (`store::parquet_io::RowKey`): no sort order is declared.
fn register_events(ctx: &SessionContext, view: &StoreView) -> Result<()> {
    register_by_day(
        ctx,
        view,
        EVENTS,
        events_schema(),
        with_date(events_schema()),
    )
}

/// `schema` and the `date` partition column, as a table with files has them: an empty
/// table must answer the same queries (the named queries filter on `date`).
fn with_date(schema: arrow::datatypes::SchemaRef) -> arrow::datatypes::SchemaRef {
    let mut fields = schema.fields().to_vec();
    fields.push(Arc::new(arrow::datatypes::Field::new(
        "date",
        DataType::Date32,
        false,
    )));
    Arc::new(arrow::datatypes::Schema::new(fields))
}

/// `usage`: the rollup, partitioned by `date` like `events`.
fn register_usage(ctx: &SessionContext, view: &StoreView) -> Result<()> {
    register_by_day(ctx, view, USAGE, usage_schema(), with_date(usage_schema()))
}

/// A table of `<name>/date=YYYY-MM-DD/*.parquet` files with `schema`, `date` its
/// partition column; an empty table of `empty` while the view has no files of it.
fn register_by_day(
    ctx: &SessionContext,
    view: &StoreView,
    name: &str,
    schema: arrow::datatypes::SchemaRef,
    empty: arrow::datatypes::SchemaRef,
) -> Result<()> {
    if !view.has_files(name) {
        ctx.register_table(name, Arc::new(MemTable::try_new(empty, vec![vec![]])?))?;
        return Ok(());
    }
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![("date".to_owned(), DataType::Date32)]);
    let url = ListingTableUrl::parse(StoreView::table_url(name))?;
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

async fn register_plain(
    ctx: &SessionContext,
    view: &StoreView,
    name: &str,
    schema: Option<arrow::datatypes::SchemaRef>,
) -> Result<()> {
    if !view.has_files(name) {
        if let Some(schema) = schema {
            ctx.register_table(name, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
        }
        return Ok(());
    }
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let url = ListingTableUrl::parse(StoreView::table_url(name))?;
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
