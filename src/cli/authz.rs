//! `trailcut authz ingest FILE...`: accounts' users, groups, roles and policies from
//! `aws iam get-account-authorization-details`, into the store's IAM tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{Status, thousands};
use crate::ingest::authz::{AuthzReport, ingest_authorization, parse_iam_date};
use crate::store::Store;

/// Flags of `trailcut authz`.
#[derive(Debug, Args)]
pub struct AuthzArgs {
    #[command(subcommand)]
    pub command: AuthzCommand,
}

/// The sub-verbs of `trailcut authz`.
#[derive(Debug, Subcommand)]
pub enum AuthzCommand {
    /// Ingest `aws iam get-account-authorization-details` output (one file or its pages)
    #[command(after_help = "\
Produce the input with
  aws iam get-account-authorization-details > authz.json
(or one file per page with --max-items/--starting-token; give them all at once).
Dates in the CLI's ISO form and boto3's are both read, and documents as JSON objects or
URL-encoded strings. Each account's snapshot replaces its earlier one unless the store's
is newer; the snapshot is dated by --taken-at, else by the files' modification time. A file
whose ARNs name several accounts (a merged or anonymised export) is split: one snapshot per
account, AWS managed policies with each, and a warning.

Tables: principals, group_members, attachments (direct or through a group), policies
(every version's document), policy_grants (one row per concrete action of each statement
of the current version). Example:
  trailcut query \"SELECT policy_name, via, via_group FROM attachments
                  WHERE principal_name = 'nikhilj'\"

Exit status 0 when everything went in; 1 when a file could not be read or something was
left out (each named on stderr); 2 when no account's details could be read.")]
    Ingest {
        /// Output files of get-account-authorization-details
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// When the details were taken (RFC 3339 or YYYY-MM-DD; default: the files'
        /// modification time)
        #[arg(long, value_name = "TIME")]
        taken_at: Option<String>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs `trailcut authz`.
pub fn run(store: &Path, args: AuthzArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let AuthzCommand::Ingest {
        files,
        taken_at,
        json,
    } = args.command;
    let taken_at = taken_at
        .as_deref()
        .map(|t| {
            parse_iam_date(t)
                .or_else(|| parse_iam_date(&format!("{t}T00:00:00Z")))
                .ok_or_else(|| anyhow::anyhow!("--taken-at `{t}` is not a date or RFC 3339 time"))
        })
        .transpose()?;
    let report = ingest_authorization(&Store::new(store), &files, taken_at)?;
    finish(&report, json, out)
}

/// Prints what an authorization-details ingest did (problems on stderr, a summary or JSON
/// on `out`) and turns it into the exit status: shared by `authz ingest` and
/// `collect authz`.
pub fn finish(report: &AuthzReport, json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for account in &report.accounts {
        for warning in &account.warnings {
            eprintln!("warning: {}: {warning}", account.account_id);
        }
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
    } else {
        write_summary(report, out)?;
    }
    let incomplete =
        !report.errors.is_empty() || report.accounts.iter().any(|a| !a.warnings.is_empty());
    Ok(if report.accounts.is_empty() {
        Status::Error
    } else if incomplete {
        Status::Partial
    } else {
        Status::Success
    })
}

fn write_summary(report: &AuthzReport, out: &mut dyn Write) -> std::io::Result<()> {
    if report.accounts.is_empty() {
        return writeln!(out, "No account's authorization details were read.");
    }
    for a in &report.accounts {
        if a.kept_stored {
            writeln!(
                out,
                "{}: kept the stored snapshot (this one, of {}, was not ingested)",
                a.account_id, a.snapshot_time
            )?;
            continue;
        }
        let n = |t: &str| thousands(a.rows.get(t).copied().unwrap_or(0) as u64);
        writeln!(
            out,
            "{}: snapshot of {} from {} file{}{}",
            a.account_id,
            a.snapshot_time,
            a.sources.len(),
            if a.sources.len() == 1 { "" } else { "s" },
            a.replaced
                .as_deref()
                .map(|r| format!(", replacing the one of {r}"))
                .unwrap_or_default()
        )?;
        writeln!(
            out,
            "  {} principals, {} group memberships, {} attachments, {} policy versions, {} grants",
            n("principals"),
            n("group_members"),
            n("attachments"),
            n("policies"),
            n("policy_grants")
        )?;
    }
    Ok(())
}
