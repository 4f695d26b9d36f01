//! `trailcut store upgrade`: brings a store written by an older trailcut to the current
//! schema. `trailcut store stats`: what its tables and columns weigh. `trailcut store ddl`:
//! the statements with which Athena, Trino or Spark read it.

use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, thousands};
use crate::sql::ddl::{Engine, store_statements};
use crate::store::{Store, upgrade};

/// Flags of `trailcut store`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// The sub-verbs of `trailcut store`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Rewrite events files from an older trailcut into the current schema
    #[command(after_help = "\
Stores written by a trailcut that did not yet map events at ingest lack the columns iam_service,
iam_actions, iam_dependent_actions and mapping_status: they read as null, and the named
queries that use them find nothing. `trailcut store upgrade` computes them from the stored
events and rewrites each outdated file; rows and their order are kept. Files are swapped
through the store's journal, so an interrupted upgrade can simply be run again.
Upgrading a current store does nothing.")]
    Upgrade {
        /// Print a JSON summary: {\"files\", \"rewritten\", \"rows\"}
        #[arg(long)]
        json: bool,
    },
    /// CREATE TABLE statements for Athena, Trino or Spark over the store published to S3
    #[command(after_help = "\
Every table of the store, with the exact column types of its files, at LOCATION/<table>/ (the
layout `trailcut store publish` will write, and the store's own). events and usage are
partitioned by date (`date=YYYY-MM-DD/`): Athena finds the partitions by projection (none to
add, ever); Trino syncs them with sync_partition_metadata; Spark with MSCK REPAIR TABLE.
The location must be a plain s3:// URL (Spark and Trino also take file:///ABS/PATH, to read a
local store): nothing in it can end a string literal.

Examples:
  trailcut store ddl --engine athena --location s3://my-bucket/trailcut
  trailcut store ddl --engine spark --location s3://my-bucket/trailcut --database security")]
    Ddl {
        /// The engine
        #[arg(long, value_enum)]
        engine: EngineArg,
        /// Where the store's tables are: s3://BUCKET/PREFIX (or file:///PATH for Spark, Trino)
        #[arg(long, value_name = "S3_URL")]
        location: String,
        /// The database (schema in Trino)
        #[arg(long, value_name = "NAME", default_value = "trailcut")]
        database: String,
    },
    /// What each table and column weighs: files, rows, bytes on disk and uncompressed
    #[command(after_help = "\
Read from the Parquet footers of the store's committed snapshot; no data is read. A query
that reads some columns of a table scans about the sum of their compressed bytes in an
engine that reads Parquet (Athena bills by it): docs/scale.md sizes a year of events from
these figures.

Examples:
  trailcut store stats
  trailcut store stats --table events --json")]
    Stats {
        /// Only this table (and its columns)
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
        /// Print JSON: {\"tables\": [{\"table\", \"files\", \"rows\", \"file_bytes\", \"compressed\", \"uncompressed\", \"columns\": [{\"column\", \"compressed\", \"uncompressed\"}]}]}
        #[arg(long)]
        json: bool,
    },
}

/// `--engine` of `store ddl`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EngineArg {
    Athena,
    Trino,
    Spark,
}

/// Runs `trailcut store`.
pub fn run(
    store: &std::path::Path,
    args: StoreArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let json = match args.command {
        StoreCommand::Upgrade { json } => json,
        StoreCommand::Stats { table, json } => return stats(store, table.as_deref(), json, out),
        StoreCommand::Ddl {
            engine,
            location,
            database,
        } => {
            let store = super::existing_store(store)?;
            let engine = match engine {
                EngineArg::Athena => Engine::Athena,
                EngineArg::Trino => Engine::Trino,
                EngineArg::Spark => Engine::Spark,
            };
            let text = super::runtime()?.block_on(async {
                let session = crate::sql::Session::open(&store).await?;
                store_statements(&session, engine, &database, &location).await
            })?;
            out.write_all(text.as_bytes())?;
            return Ok(Status::Success);
        }
    };
    let store = Store::new(store);
    if !store.exists() {
        anyhow::bail!(
            "no store at `{}` (run `trailcut ingest` first or pass --store)",
            store.root().display()
        );
    }
    let _lock = store.open_for_write()?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("upgrading {bar:30} {pos}/{len} files, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let run_id = crate::ingest::new_run_id();
    let summary = upgrade::upgrade(&store, &run_id, |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    store.mark_current()?;
    if json {
        let value = serde_json::json!({
            "files": summary.files,
            "rewritten": summary.rewritten,
            "rows": summary.rows,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else if summary.rewritten == 0 {
        writeln!(
            out,
            "The store is current: {} events files, none to rewrite.",
            thousands(summary.files as u64)
        )?;
    } else {
        writeln!(
            out,
            "Rewrote {} of {} events files ({} events) into the current schema.",
            thousands(summary.rewritten as u64),
            thousands(summary.files as u64),
            thousands(summary.rows)
        )?;
    }
    Ok(Status::Success)
}

/// Warns on stderr when the store has files from an older trailcut.
pub fn warn_if_outdated(store: &Store) {
    if !store.is_current() {
        eprintln!(
            "warning: `{}` was written by an older trailcut: events ingested before it read \
             null in iam_actions and mapping_status. Run `trailcut store upgrade` once.",
            store.root().display()
        );
    }
}

/// `trailcut store stats`: the tables, then each table's columns, largest first.
fn stats(
    store: &std::path::Path,
    only: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let store = super::existing_store(store)?;
    let mut stats = crate::store::stats::stats(&store)?;
    if let Some(name) = only {
        if !stats.tables.iter().any(|t| t.table == name) {
            let names: Vec<&str> = stats.tables.iter().map(|t| t.table.as_str()).collect();
            anyhow::bail!(
                "no table `{name}` with files in the store (it has: {})",
                names.join(", ")
            );
        }
        stats.tables.retain(|t| t.table == name);
    }
    for bad in &stats.unreadable {
        eprintln!("warning: `{}`: footer unreadable: {}", bad.file, bad.error);
    }
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&stats)?)?;
    } else {
        let mb = |n: u64| format!("{:.1}", n as f64 / 1e6);
        let mut table = comfy_table::Table::new();
        table.load_style(comfy_table::presets::NOTHING);
        table.set_header(["table", "files", "rows", "MB on disk", "MB uncompressed"]);
        for t in &stats.tables {
            table.add_row([
                t.table.clone(),
                thousands(t.files),
                thousands(t.rows),
                mb(t.file_bytes),
                mb(t.uncompressed),
            ]);
        }
        writeln!(out, "{table}")?;
        for t in &stats.tables {
            if only.is_none() && t.table != "events" && t.table != "usage" {
                continue;
            }
            let mut columns = comfy_table::Table::new();
            columns.load_style(comfy_table::presets::NOTHING);
            columns.set_header(["column", "MB compressed", "MB uncompressed", "share"]);
            for c in &t.columns {
                columns.add_row([
                    c.column.clone(),
                    mb(c.compressed),
                    mb(c.uncompressed),
                    format!(
                        "{:.1}%",
                        c.compressed as f64 * 100.0 / t.compressed.max(1) as f64
                    ),
                ]);
            }
            writeln!(out, "\n{}:\n{columns}", t.table)?;
        }
    }
    Ok(if stats.unreadable.is_empty() {
        Status::Success
    } else {
        Status::Partial
    })
}
