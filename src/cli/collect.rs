//! `trailcut collect authz`: live collection with the AWS SDK into the same tables as the
//! file ingest verbs. Credentials and region come from aws-config's standard chain
//! (environment, profile and SSO, instance metadata); `--profile` and `--region` pick them.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use indicatif::ProgressBar;

use super::{Status, runtime};
use crate::ingest::authz::ingest_authorization;
use crate::ingest::aws::{AwsOptions, authz::collect_pages, iam_client, sdk_config};
use crate::store::Store;

/// Flags of `trailcut collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(subcommand)]
    pub command: CollectCommand,
    /// A named profile of the AWS config files (SSO profiles included)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region (IAM is global: us-east-1 when none is configured)
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
}

/// The sub-verbs of `trailcut collect`.
#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// Every page of GetAccountAuthorizationDetails, into the IAM tables
    #[command(after_help = "\
Needs iam:GetAccountAuthorizationDetails. The result is what `trailcut authz ingest` reads
from the CLI's output, dated now, replacing the account's earlier snapshot. --save DIR also
keeps the pages as JSON files in the CLI's shape. Throttling is retried with backoff.

Example:
  trailcut collect authz --profile audit --save ./authz-pages")]
    Authz {
        /// Also keep the pages as JSON files in this directory
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// The organisation's roots, OUs, accounts and SCPs with their targets
    #[command(after_help = "\
Run with credentials of the management account (or a delegated administrator). Needs
organizations:DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent,
ListAccountsForParent, ListPolicies, DescribePolicy and ListTargetsForPolicy. Fills the
same tables as `trailcut org ingest`.")]
    Org {
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs `trailcut collect`.
pub fn run(store: &Path, args: CollectArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let options = AwsOptions {
        profile: args.profile,
        region: args.region,
        max_attempts: None,
    };
    let (save, json) = match args.command {
        CollectCommand::Authz { save, json } => (save, json),
        CollectCommand::Org { json } => return collect_org(store, &options, json, out),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_message("GetAccountAuthorizationDetails");
        bar
    });
    let pages = runtime()?.block_on(async {
        let sdk = sdk_config(&options).await;
        collect_pages(&iam_client(&sdk), |n| {
            if let Some(bar) = &bar {
                bar.set_message(format!("GetAccountAuthorizationDetails: {n} pages"));
            }
        })
        .await
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // The pages go through the same reader as files: write them where they are kept, or
    // to a temporary directory.
    let temp;
    let dir = match &save {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let mut files = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        let path = dir.join(format!(
            "get-account-authorization-details.page-{}.json",
            i + 1
        ));
        std::fs::write(&path, serde_json::to_vec_pretty(page)?)?;
        files.push(path);
    }
    let now = chrono::Utc::now().timestamp_micros();
    let report = ingest_authorization(&Store::new(store), &files, Some(now))?;
    eprintln!(
        "collected {} page{} of GetAccountAuthorizationDetails",
        pages.len(),
        if pages.len() == 1 { "" } else { "s" }
    );
    super::authz::finish(&report, json, out)
}

fn collect_org(
    store: &Path,
    options: &AwsOptions,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let bar = std::io::stderr()
        .is_terminal()
        .then(ProgressBar::new_spinner);
    let facts = runtime()?.block_on(async {
        let sdk = sdk_config(options).await;
        crate::ingest::aws::org::collect_org(&crate::ingest::aws::organizations_client(&sdk), |n| {
            if let Some(bar) = &bar {
                bar.set_message(format!("Organizations: {n} calls"));
            }
        })
        .await
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = crate::ingest::org::ingest_facts(
        &Store::new(store),
        facts,
        crate::ingest::org::OrgReport::default(),
    )?;
    super::org::finish(&report, json, out)
}
