//! `trailcut org ingest FILE...`: an AWS Organizations tree and its service control
//! policies, from the AWS CLI's outputs, into `org_units`, `org_accounts`, `scps` and
//! `scp_targets`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Status;
use crate::ingest::org::{OrgIds, ingest_org};
use crate::store::Store;

/// Flags of `trailcut org`.
#[derive(Debug, Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    pub command: OrgCommand,
}

/// The sub-verbs of `trailcut org`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Ingest AWS Organizations CLI outputs (roots, OUs, accounts, SCPs, targets)
    #[command(after_help = "\
Reads the JSON the AWS CLI prints for
  aws organizations list-roots
  aws organizations list-organizational-units-for-parent --parent-id ID
  aws organizations list-accounts-for-parent --parent-id ID   (or list-accounts + list-parents)
  aws organizations list-parents --child-id ID
  aws organizations list-policies --filter SERVICE_CONTROL_POLICY
  aws organizations describe-policy --policy-id ID
  aws organizations list-targets-for-policy --policy-id ID
Outputs that do not say what they were asked about take the id from --parent, --policy-id
or --child, or from the file name: save them as, e.g.,
  list-accounts-for-parent.ou-ab12-11111111.json   list-targets-for-policy.p-12345678.json
Files may come in any order and over several runs; each run merges into what the store
knows and recomputes every entity path (o-.../r-.../ou-...).

Example (sample_data/org holds such a set):
  trailcut org ingest sample_data/org/*.json
  trailcut query \"SELECT a.name, t.policy_name FROM org_accounts a JOIN scp_targets t
                  ON a.path = t.target_path OR a.path LIKE t.target_path || '/%'
                  WHERE NOT a.is_management\"

Exit status 1 when a file was refused or something is incomplete (an entity without a
path to the root, an SCP without known targets); 2 when nothing was read.")]
    Ingest {
        /// AWS CLI output files
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The parent id of list-organizational-units-for-parent / list-accounts-for-parent output
        #[arg(long, value_name = "ID")]
        parent: Option<String>,
        /// The policy id of list-targets-for-policy output
        #[arg(long, value_name = "ID")]
        policy_id: Option<String>,
        /// The child id of list-parents output
        #[arg(long, value_name = "ID")]
        child: Option<String>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs `trailcut org`.
pub fn run(store: &Path, args: OrgArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let OrgCommand::Ingest {
        files,
        parent,
        policy_id,
        child,
        json,
    } = args.command;
    let ids = OrgIds {
        parent,
        policy: policy_id,
        child,
    };
    ids.check().map_err(anyhow::Error::msg)?;
    let report = ingest_org(&Store::new(store), &files, &ids)?;
    finish(&report, json, out)
}

/// Prints what an organisation ingest did and turns it into the exit status: shared by
/// `org ingest` and `collect org`.
pub fn finish(
    report: &crate::ingest::org::OrgReport,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if !report.without_path.is_empty() {
        eprintln!(
            "warning: no path to the root yet for {} (ingest their parents' listings)",
            report.without_path.join(", ")
        );
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
    } else if let Some(org) = &report.org_id {
        let n = |t: &str| report.rows.get(t).copied().unwrap_or(0);
        writeln!(
            out,
            "{org}: {} read; now {} roots and OUs, {} accounts, {} SCPs, {} attachments",
            super::count(report.files as u64, "file"),
            n("org_units"),
            n("org_accounts"),
            n("scps"),
            n("scp_targets")
        )?;
    }
    Ok(if report.org_id.is_none() {
        Status::Error
    } else if !report.errors.is_empty()
        || !report.warnings.is_empty()
        || !report.without_path.is_empty()
    {
        Status::Partial
    } else {
        Status::Success
    })
}
