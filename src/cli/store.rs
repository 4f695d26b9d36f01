//! `trailcut store upgrade`: brings a store written by an older trailcut to the current
//! schema.

use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, thousands};
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
}

/// Runs `trailcut store`.
pub fn run(
    store: &std::path::Path,
    args: StoreArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let StoreCommand::Upgrade { json } = args.command;
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
