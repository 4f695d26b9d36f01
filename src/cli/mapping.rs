//! `trailcut mapping coverage`: how much of the store's trail maps to IAM actions, by
//! mapping status, and the calls that do not.

use std::io::Write;

use clap::{Args, Subcommand};

use super::{Status, runtime};
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
    /// Events and distinct calls by mapping status, then every unmapped call
    #[command(after_help = "\
Statuses: mapped (the call needed the listed IAM actions), permissionless (it needs
none), not_api_call (a service event, console sign-in, Insight or VPC endpoint event),
unmapped (trailcut does not know the action and does not guess).
Exit status 1 when some calls are unmapped, so that scripts notice.")]
    Coverage {
        /// Print JSON: {\"statuses\": [...], \"unmapped\": [...]}
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

/// Runs `trailcut mapping`.
pub fn run(
    store: &std::path::Path,
    args: MappingArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let MappingCommand::Coverage { json } = args.command;
    let store = Store::new(store);
    if !store.exists() {
        anyhow::bail!(
            "no store at `{}` (run `trailcut ingest` first or pass --store)",
            store.root().display()
        );
    }
    super::store::warn_if_outdated(&store);
    let rt = runtime()?;
    let (statuses, unmapped) = rt.block_on(async {
        let session = Session::open(&store).await?;
        anyhow::Ok((session.run(BY_STATUS).await?, session.run(UNMAPPED).await?))
    })?;
    let unmapped_rows: usize = unmapped.iter().map(|b| b.num_rows()).sum();
    if json {
        let mut statuses_json = Vec::new();
        let mut unmapped_json = Vec::new();
        write_batches(&statuses, OutputFormat::Json, &mut statuses_json)?;
        write_batches(&unmapped, OutputFormat::Json, &mut unmapped_json)?;
        let parse = |bytes: &[u8]| -> serde_json::Value {
            serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Array(Vec::new()))
        };
        let value = serde_json::json!({
            "statuses": parse(&statuses_json),
            "unmapped": parse(&unmapped_json),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(out, "Events and distinct calls by mapping status:")?;
        write_batches(&statuses, OutputFormat::Table, out)?;
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
