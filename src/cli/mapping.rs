//! `trailcut mapping coverage`: how much of the store's trail maps to IAM actions, by
//! mapping status, and the calls that do not.

use std::io::Write;

use clap::{Args, Subcommand};

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;

use super::{Status, runtime};
use crate::mapping::EventMapper;
use crate::sql::Session;
use crate::sql::output::{OutputFormat, write_batches};
use crate::store::Store;

/// Flags of `trailcut mapping`.
#[derive(Debug, Args)]
pub struct MappingArgs {
    #[command(subcommand)]
    pub command: MappingCommand,
}

/// The sub-verbs of `trailcut mapping`.
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Events and distinct calls by mapping status and by rule, then every unmapped call
    #[command(after_help = "\
Statuses: mapped (the call needed the listed IAM actions), permissionless (it needs
none), not_api_call (a service event, console sign-in, Insight or VPC endpoint event),
unmapped (trailcut does not know the action and does not guess).
Exit status 1 when some calls are unmapped, so that scripts notice.")]
    Coverage {
        /// Print JSON: {\"statuses\": [...], \"provenance\": [...], \"unmapped\": [...]}
        #[arg(long)]
        json: bool,
    },
    /// The tables behind the mapping, with their sources and sizes
    Sources {
        /// Print JSON: [{\"provenance\", \"source\", \"rows\"}, ...]
        #[arg(long)]
        json: bool,
    },
}

const BY_STATUS: &str = "\
SELECT mapping_status AS status,
       count(*) AS events,
       count(DISTINCT eventsource || ' ' || eventname) AS distinct_calls
FROM events
GROUP BY 1
ORDER BY events DESC";

const UNMAPPED: &str = "\
SELECT eventsource, eventname, count(*) AS events, count(DISTINCT principal_arn) AS principals
FROM events
WHERE mapping_status = 'unmapped'
GROUP BY eventsource, eventname
ORDER BY events DESC, eventsource, eventname";

const CALLS: &str = "\
SELECT eventsource, eventname, coalesce(eventtype, '') AS eventtype, count(*) AS events
FROM events
GROUP BY 1, 2, 3";

/// Runs `trailcut mapping`.
pub fn run(
    store: &std::path::Path,
    args: MappingArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    match args.command {
        MappingCommand::Coverage { json } => coverage(store, json, out),
        MappingCommand::Sources { json } => sources(json, out),
    }
}

fn sources(json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    let tables = EventMapper::embedded().table_rows();
    if json {
        let value: Vec<_> = tables
            .iter()
            .map(|t| serde_json::json!({"provenance": t.provenance, "source": t.source, "rows": t.rows}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(Status::Success);
    }
    let batch = RecordBatch::try_from_iter([
        (
            "provenance",
            Arc::new(StringArray::from_iter_values(
                tables.iter().map(|t| t.provenance),
            )) as ArrayRef,
        ),
        (
            "source",
            Arc::new(StringArray::from_iter_values(
                tables.iter().map(|t| t.source),
            )),
        ),
        (
            "rows",
            Arc::new(Int64Array::from_iter_values(
                tables.iter().map(|t| t.rows as i64),
            )),
        ),
    ])?;
    write_batches(&[batch], OutputFormat::Table, out)?;
    Ok(Status::Success)
}

/// Events and distinct calls by the rule that mapped them, from the store's distinct calls.
fn by_provenance(calls: &[RecordBatch]) -> anyhow::Result<RecordBatch> {
    let mapper = EventMapper::embedded();
    let mut counts: BTreeMap<&'static str, (i64, i64)> = BTreeMap::new();
    for batch in calls {
        let text = |i: usize| arrow::compute::cast(batch.column(i), &DataType::Utf8);
        let (source, name, kind) = (text(0)?, text(1)?, text(2)?);
        let (source, name, kind) = (
            source.as_string::<i32>(),
            name.as_string::<i32>(),
            kind.as_string::<i32>(),
        );
        let events = arrow::compute::cast(batch.column(3), &DataType::Int64)?;
        let events = events.as_primitive::<arrow::datatypes::Int64Type>();
        for row in 0..batch.num_rows() {
            let m = mapper.map(source.value(row), name.value(row), kind.value(row));
            let entry = counts.entry(m.provenance.as_str()).or_default();
            entry.0 += events.value(row);
            entry.1 += 1;
        }
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by_key(|(_, (events, _))| std::cmp::Reverse(*events));
    Ok(RecordBatch::try_from_iter([
        (
            "provenance",
            Arc::new(StringArray::from_iter_values(counts.iter().map(|c| c.0))) as ArrayRef,
        ),
        (
            "events",
            Arc::new(Int64Array::from_iter_values(counts.iter().map(|c| c.1.0))),
        ),
        (
            "distinct_calls",
            Arc::new(Int64Array::from_iter_values(counts.iter().map(|c| c.1.1))),
        ),
    ])?)
}

fn coverage(store: &std::path::Path, json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    let store = Store::new(store);
    if !store.exists() {
        anyhow::bail!(
            "no store at `{}` (run `trailcut ingest` first or pass --store)",
            store.root().display()
        );
    }
    super::store::warn_if_outdated(&store);
    let rt = runtime()?;
    let (statuses, unmapped, calls) = rt.block_on(async {
        let session = Session::open(&store).await?;
        anyhow::Ok((
            session.run(BY_STATUS).await?,
            session.run(UNMAPPED).await?,
            session.run(CALLS).await?,
        ))
    })?;
    let rules = by_provenance(&calls)?;
    let unmapped_rows: usize = unmapped.iter().map(|b| b.num_rows()).sum();
    if json {
        let mut statuses_json = Vec::new();
        let mut unmapped_json = Vec::new();
        write_batches(&statuses, OutputFormat::Json, &mut statuses_json)?;
        write_batches(&unmapped, OutputFormat::Json, &mut unmapped_json)?;
        let mut rules_json = Vec::new();
        write_batches(
            std::slice::from_ref(&rules),
            OutputFormat::Json,
            &mut rules_json,
        )?;
        let parse = |bytes: &[u8]| -> serde_json::Value {
            serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Array(Vec::new()))
        };
        let value = serde_json::json!({
            "statuses": parse(&statuses_json),
            "unmapped": parse(&unmapped_json),
            "provenance": parse(&rules_json),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(out, "Events and distinct calls by mapping status:")?;
        write_batches(&statuses, OutputFormat::Table, out)?;
        writeln!(
            out,
            "\nEvents and distinct calls by the rule that mapped them:"
        )?;
        write_batches(std::slice::from_ref(&rules), OutputFormat::Table, out)?;
        if unmapped_rows == 0 {
            writeln!(out, "\nEvery API call maps to IAM actions.")?;
        } else {
            writeln!(
                out,
                "\nUnmapped calls (trailcut does not guess their actions):"
            )?;
            write_batches(&unmapped, OutputFormat::Table, out)?;
        }
    }
    Ok(if unmapped_rows == 0 {
        Status::Success
    } else {
        Status::Partial
    })
}
