//! `trailcut collect authz | org | sso | last-accessed`: live collection with the AWS SDK into the same tables as the
//! file ingest verbs. Credentials and region come from aws-config's standard chain
//! (environment, profile and SSO, instance metadata); `--profile` and `--region` pick them.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use std::time::Duration;

use clap::{Args, Subcommand};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, runtime};
use crate::ingest::authz::ingest_authorization;
use crate::ingest::aws::last_accessed::{
    Plan, Selection, collect_arn, collect_org_entity, list_subjects,
};
use crate::ingest::aws::{AwsOptions, authz::collect_pages, iam_client, sdk_config};
use crate::ingest::last_accessed::{IngestSummary, JobSummary, Subject};
use crate::ingest::report_rows::write_report;
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
    /// IAM Identity Center: permission sets, their policies and assignments; Identity Store users and groups
    #[command(after_help = "\
Run with credentials of the account that holds the Identity Center instance (the
organisation's management account or the delegated administrator), in the instance's home
region (--region). Reads every instance, its permission sets (description, inline policy,
AWS managed and customer managed policies, permissions boundary), their account
assignments in every account they are provisioned to, and the identity store's users,
groups and memberships. Fills the same tables as `trailcut sso ingest`.

Needs sso:ListInstances, sso:ListPermissionSets, sso:DescribePermissionSet,
sso:GetInlinePolicyForPermissionSet, sso:ListManagedPoliciesInPermissionSet,
sso:ListCustomerManagedPolicyReferencesInPermissionSet,
sso:GetPermissionsBoundaryForPermissionSet, sso:ListAccountsForProvisionedPermissionSet,
sso:ListAccountAssignments, identitystore:ListUsers, identitystore:ListGroups and
identitystore:ListGroupMemberships.

--save DIR also keeps the answers as the CLI's outputs, named as `sso ingest` reads them.

Example:
  trailcut collect sso --profile management --region eu-west-1 --save ./identity-center")]
    Sso {
        /// Also keep the answers as the AWS CLI's outputs in this directory (what `sso ingest` reads)
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Last-accessed jobs (Access Advisor) for IAM identities, policies or an Organizations entity
    #[command(
        after_help = "\
Starts a GenerateServiceLastAccessedDetails job per subject (at most --concurrency at a
time), polls it until it is COMPLETED or FAILED, reads every page and writes the tables
`trailcut last-accessed ingest` fills: services_last_accessed, actions_last_accessed
(--granularity action, the default), entities_last_accessed (--entities) and
policies_granting_service (--granting). A failed job is reported and the rest carry on.
--org-entity runs GenerateOrganizationsAccessReport instead (management account or
delegated administrator). Throttling is retried with backoff.

Needs iam:GenerateServiceLastAccessedDetails, iam:GetServiceLastAccessedDetails,
iam:GetServiceLastAccessedDetailsWithEntities, iam:ListPoliciesGrantingServiceAccess,
iam:ListUsers, iam:ListGroups, iam:ListRoles, iam:ListPolicies; for --org-entity
iam:GenerateOrganizationsAccessReport, iam:GetOrganizationsAccessReport and
organizations:Describe*, organizations:List*.

Examples:
  trailcut collect last-accessed --arn arn:aws:iam::123456789012:group/Development --entities
  trailcut collect last-accessed --all-users --all-groups --granting
  trailcut collect last-accessed --all-policies --only-attached
  trailcut collect last-accessed --org-entity o-a1b2c3d4e5/r-ab12/ou-ab12-11111111
  trailcut query --name unused_services --param days=90

Exit status 1 when some subject failed, 2 when nothing was collected.",
        group(clap::ArgGroup::new("subjects").required(true).multiple(true))
    )]
    LastAccessed {
        /// The IAM users, groups, roles or policies to report on
        #[arg(long, value_name = "ARN", num_args = 1.., group = "subjects")]
        arn: Vec<String>,
        /// Every user of the account (ListUsers)
        #[arg(long, group = "subjects")]
        all_users: bool,
        /// Every group of the account (ListGroups)
        #[arg(long, group = "subjects")]
        all_groups: bool,
        /// Every role of the account (ListRoles)
        #[arg(long, group = "subjects")]
        all_roles: bool,
        /// Every customer-managed policy of the account (ListPolicies --scope Local)
        #[arg(long, group = "subjects")]
        all_policies: bool,
        /// With --all-policies: only the policies attached to something
        #[arg(long, requires = "all_policies")]
        only_attached: bool,
        /// Organizations entity paths (o-.../r-.../ou-...[/account]) for an organizations access report
        #[arg(long, value_name = "PATH", num_args = 1.., group = "subjects")]
        org_entity: Vec<String>,
        /// service: services only; action: services plus the actions IAM tracks
        #[arg(long, value_enum, default_value = "action")]
        granularity: Granularity,
        /// Groups and policies: also which members or attached identities used each service
        #[arg(long)]
        entities: bool,
        /// Users, groups and roles: also the policies granting each reported service
        #[arg(long)]
        granting: bool,
        /// Jobs running at once
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        concurrency: u16,
        /// Seconds one job may run before it is reported as failed
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        timeout: u64,
        /// The first wait between polls of a running job, in milliseconds (it grows to 15 s)
        #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
        poll_interval_ms: u64,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
}

/// The detail of a last-accessed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Granularity {
    Service,
    Action,
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
        CollectCommand::Sso { save, json } => {
            return collect_sso(store, &options, save.as_deref(), json, out);
        }
        CollectCommand::LastAccessed {
            arn,
            all_users,
            all_groups,
            all_roles,
            all_policies,
            only_attached,
            org_entity,
            granularity,
            entities,
            granting,
            concurrency,
            timeout,
            poll_interval_ms,
            json,
        } => {
            let mut selections = Vec::new();
            for (on, selection) in [
                (all_users, Selection::Users),
                (all_groups, Selection::Groups),
                (all_roles, Selection::Roles),
                (all_policies, Selection::Policies { only_attached }),
            ] {
                if on {
                    selections.push(selection);
                }
            }
            let mut subjects = Vec::new();
            for arn in &arn {
                subjects.push(Subject::from_arn(arn).map_err(anyhow::Error::msg)?);
            }
            for path in &org_entity {
                subjects.push(Subject::from_entity_path(path).map_err(anyhow::Error::msg)?);
            }
            let plan = Plan {
                action_level: granularity == Granularity::Action,
                entities,
                granting,
                poll: Duration::from_millis(poll_interval_ms),
                timeout: Duration::from_secs(timeout),
            };
            let summary = collect_last_accessed(
                store,
                &options,
                subjects,
                &selections,
                &plan,
                usize::from(concurrency),
            )?;
            return super::last_accessed::finish(&summary, json, out);
        }
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_message("GetAccountAuthorizationDetails");
        bar
    });
    let pages = runtime()?.block_on(async {
        let sdk = sdk_config(&options).await.map_err(anyhow::Error::msg)?;
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

/// Lists the selected identities, then runs each subject's jobs, writing each report to
/// the store as it completes (an interrupted run keeps what finished).
fn collect_last_accessed(
    store: &Path,
    options: &AwsOptions,
    mut subjects: Vec<Subject>,
    selections: &[Selection],
    plan: &Plan,
    concurrency: usize,
) -> anyhow::Result<IngestSummary> {
    let store = Store::new(store);
    let _lock = store.open_for_write()?;
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| ProgressBar::new(0).with_style(bar_style()));
    let mut summary = IngestSummary::default();
    runtime()?.block_on(async {
        let sdk = sdk_config(options).await.map_err(anyhow::Error::msg)?;
        let iam = iam_client(&sdk);
        for &selection in selections {
            if let Some(bar) = &bar {
                bar.set_message(selection.call());
            }
            match list_subjects(&iam, selection).await {
                Ok(arns) => {
                    for arn in arns {
                        match Subject::from_arn(&arn) {
                            Ok(subject) => subjects.push(subject),
                            Err(e) => summary.errors.push(e),
                        }
                    }
                }
                Err(e) => summary.errors.push(e.to_string()),
            }
        }
        let mut seen = std::collections::HashSet::new();
        subjects.retain(|s| seen.insert(s.id.clone()));
        if let Some(bar) = &bar {
            bar.set_length(subjects.len() as u64);
            bar.set_message("jobs");
        }
        let mut done = futures::stream::iter(subjects)
            .map(|subject| {
                let iam = iam.clone();
                async move {
                    let collected = if subject.kind == "org_entity" {
                        collect_org_entity(&iam, &subject, plan).await
                    } else {
                        collect_arn(&iam, &subject, plan).await
                    };
                    (subject, collected)
                }
            })
            .buffer_unordered(concurrency);
        let now = chrono::Utc::now().timestamp_micros();
        while let Some((subject, collected)) = done.next().await {
            for error in collected.errors {
                summary.errors.push(format!("{}: {error}", subject.id));
            }
            for report in collected.reports {
                let rows = write_report(&store, &report, now)?;
                summary.jobs.push(JobSummary::of(&report, rows));
            }
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
        anyhow::Ok(())
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} subjects ({elapsed})")
        .expect("a valid template")
        .progress_chars("=> ")
}

fn collect_org(
    store: &Path,
    options: &AwsOptions,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let facts = with_spinner(
        "Organizations",
        |sdk, progress| async move {
            crate::ingest::aws::org::collect_org(
                &crate::ingest::aws::organizations_client(&sdk),
                progress,
            )
            .await
        },
        options,
    )?;
    let report = crate::ingest::org::ingest_facts(
        &Store::new(store),
        facts,
        crate::ingest::org::OrgReport::default(),
    )?;
    super::org::finish(&report, json, out)
}

fn collect_sso(
    store: &Path,
    options: &AwsOptions,
    save: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let facts = with_spinner(
        "IAM Identity Center",
        |sdk, progress| async move {
            let (admin, directory) = crate::ingest::aws::sso_clients(&sdk);
            crate::ingest::aws::sso::collect_sso(&admin, &directory, progress).await
        },
        options,
    )?;
    if let Some(dir) = save {
        let n = crate::ingest::sso::write_cli_files(dir, &facts)
            .map_err(|e| anyhow::anyhow!("`{}`: {e}", dir.display()))?;
        eprintln!(
            "saved {} in `{}`",
            super::count(n as u64, "file"),
            dir.display()
        );
    }
    let facts = facts
        .into_iter()
        .map(|f| ("the Identity Center API".to_owned(), f))
        .collect();
    let report = crate::ingest::sso::ingest_facts(
        &Store::new(store),
        facts,
        crate::ingest::sso::SsoReport::default(),
    )?;
    super::sso::finish(&report, json, out)
}

/// Runs a collector with the SDK's configuration, a spinner on a terminal saying how many
/// calls `what` has taken so far.
fn with_spinner<T, F>(
    what: &str,
    collect: impl FnOnce(aws_config::SdkConfig, Box<dyn FnMut(usize) + Send>) -> F,
    options: &AwsOptions,
) -> anyhow::Result<T>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let bar = std::io::stderr()
        .is_terminal()
        .then(ProgressBar::new_spinner);
    let shown = bar.clone();
    let what = what.to_owned();
    let progress = Box::new(move |n: usize| {
        if let Some(bar) = &shown {
            bar.set_message(format!("{what}: {n} calls"));
        }
    });
    let result = runtime()?.block_on(async {
        let sdk = sdk_config(options).await.map_err(anyhow::Error::msg)?;
        collect(sdk, progress).await
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}
