//! `trailcut sso ingest FILE...`: IAM Identity Center (instances, permission sets, account
//! assignments, Identity Store users and groups) from the AWS CLI's outputs, into the
//! `sso_*` and `identity_store_*` tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Status;
use crate::ingest::sso::{SsoReport, ingest_sso};
use crate::store::Store;

/// Flags of `trailcut sso`.
#[derive(Debug, Args)]
pub struct SsoArgs {
    #[command(subcommand)]
    pub command: SsoCommand,
}

/// The sub-verbs of `trailcut sso`.
#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Ingest IAM Identity Center CLI outputs (permission sets, assignments, users, groups)
    #[command(after_help = "\
Reads the JSON the AWS CLI prints for
  aws sso-admin list-instances
  aws sso-admin list-permission-sets --instance-arn ARN
  aws sso-admin describe-permission-set --instance-arn ARN --permission-set-arn PS
  aws sso-admin get-inline-policy-for-permission-set ...                     (*)
  aws sso-admin list-managed-policies-in-permission-set ...                  (*)
  aws sso-admin list-customer-managed-policy-references-in-permission-set ... (*)
  aws sso-admin get-permissions-boundary-for-permission-set ...              (*)
  aws sso-admin list-account-assignments --instance-arn ARN --account-id ID --permission-set-arn PS
  aws identitystore list-users --identity-store-id ID
  aws identitystore list-groups --identity-store-id ID
  aws identitystore list-group-memberships --identity-store-id ID --group-id GID
(*) These outputs do not say which permission set they describe: put its id in the file
name, e.g. get-inline-policy-for-permission-set.ps-0123456789abcdef.json (as
sample_data/identity-center does). `trailcut collect sso` reads the same with the SDK.

`trailcut ingest DIR` recognises these files too. Files may come in any order and over
several runs: lists replace what they list (an instance's permission sets, an identity
store's users, a group's members, the assignments of a permission set in an account), the
rest updates what the store has. Each role Identity Center provisioned in an account
(AWSReservedSSO_<permission set>_<suffix>) is linked to its permission set in the SQL view
`sso_roles`, once the account's IAM snapshot is ingested.

Example:
  trailcut sso ingest sample_data/identity-center/*.json
  trailcut query \"SELECT permission_set_name, account_id, principal_type, principal_name
                  FROM sso_assignments ORDER BY 1, 2\"

Exit status 1 when a file was refused or something is incomplete (a permission set without
its policies' outputs, an assignment to a principal the Identity Store outputs lack); 2
when nothing was read.")]
    Ingest {
        /// AWS CLI output files
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs `trailcut sso`.
pub fn run(store: &Path, args: SsoArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let SsoCommand::Ingest { files, json } = args.command;
    let report = ingest_sso(&Store::new(store), &files)?;
    finish(&report, json, out)
}

/// Prints what an Identity Center ingest did and turns it into the exit status.
pub fn finish(report: &SsoReport, json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
    } else if report.files > 0 {
        let n = |t: &str| report.rows.get(t).copied().unwrap_or(0);
        writeln!(
            out,
            "IAM Identity Center: {} read; now {} permission sets, {} account assignments, \
             {} users, {} groups",
            super::count(report.files as u64, "output"),
            n("sso_permission_sets"),
            n("sso_assignments"),
            n("identity_store_users"),
            n("identity_store_groups"),
        )?;
    }
    Ok(if report.files == 0 {
        Status::Error
    } else if !report.errors.is_empty() || !report.warnings.is_empty() {
        Status::Partial
    } else {
        Status::Success
    })
}
