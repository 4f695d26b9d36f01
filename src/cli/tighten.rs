//! `trailcut tighten`: a group's, user's, role's or customer-managed policy's permissions
//! cut down to what was used in a window, with the evidence for every change, the aws CLI
//! commands that apply it, and a replay of every successful call against the new policies.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{ArgGroup, Args, ValueEnum};

use super::{Status, runtime};
use crate::catalog::ActionCatalog;
use crate::ingest::plausible::{Clock, TimeBounds};
use crate::sql::Session;
use crate::sql::tighten::SqlEvidence;
use crate::store::Store;
use crate::tighten::bulk::{BulkRequest, SubjectKind};
use crate::tighten::{
    IacFormat, Level, Request, RewriteOptions, ScpRequest, Sources, TargetName, WindowRequest,
    tighten, tighten_scp, write_report, write_scp_report,
};

/// Flags of `trailcut tighten`.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("target").required(true).multiple(true).args(["group", "user", "role", "policy", "permission_set", "scp", "all_policies", "all_groups", "all_roles", "all_users"])),
    group(ArgGroup::new("single").args(["group", "user", "role", "policy", "permission_set", "scp"])),
    after_help = "\
A permission is kept when anyone it reaches used it successfully in the window: a group's
policy serves every member, a managed policy every identity it is attached to. Deny
statements, statements with conditions and --keep-sid statements stay as written. What the
evidence cannot see (data events when the trail has none, actions the reports do not track,
services the reports call used while the trail shows no call) is kept and listed, unless
--drop-unobservable. Denied calls are listed as needed but never added. Every result is
checked by expansion: nothing the original did not allow.

The window ends at the newest evidence in the store (never the clock), so a run is
reproducible. Events dated before CloudTrail began (2013-11-01) or more than a day after
their delivery are no evidence: ingest stores them apart (table `outliers`); in a store from
an older trailcut, events more than a day after the clock are ignored. Every successful call of every principal whose policies change is replayed
against the new policies; a call that would be denied is a regression.

--level resource narrows each kept action's Resource to the resources its calls used (from
requestParameters, responseElements and resources[]), up to --max-arns ARNs per action,
past that generalised to their common prefix within a bucket, account and region. An action
whose calls do not all name their resources, or that supports no resource-level permission,
keeps its statement's Resource; plan.json says which and why.

--permission-set NAME tightens an IAM Identity Center permission set (trailcut sso ingest):
one policy for every account it is provisioned to, judged by every use of the roles it
provisioned (AWSReservedSSO_NAME_...) there. Its inline policy and AWS managed policies
become one new inline policy; customer managed references and the boundary are kept. The
report shows each account's calls person by person; an assignment in an account where
nobody (group) or not that user used it, over a trail that covers it, goes to cleanup.sh
(delete-account-assignment). apply.sh puts the inline policy, detaches the AWS managed
policies and provisions the permission set (sso-admin), waiting for it; rollback.sh puts
back what was there and provisions again.

SCP mode (--scp NAME --org-entity PATH) adds to the SCP a Deny statement for every service
it allows that the accounts under its targets used before the window and not in it (trail,
and the entity's Organizations access report), within the 5,120-character SCP limit;
--deny-never-used denies services never seen used as well.

Outputs (--out DIR): policies/<name>.json (scps/<name>.json in SCP mode) for `aws iam create-policy-version
--policy-document file://...`, plan.json (every service or action kept, removed or
unobservable, with its evidence), plan.md (the same for a change ticket, with each
document's diff; --markdown prints it), apply.sh (the aws CLI commands, to review and run).

--iac terraform,cloudformation also writes the plan as code beside apply.sh, for IAM
managed as code: terraform/main.tf (import blocks and resources for the new documents,
removed blocks for detachments; deletions commented out) and cloudformation/template.json
(the documents as resources; what goes listed in its Metadata). docs/tighten.md says what
Terraform can and cannot do in one apply.

Examples:
  trailcut tighten --group Development --level service --keep-sid RequiredIamAndOrgsActions
  trailcut tighten --user nikhilj --out ./nikhilj
  trailcut tighten --policy ExamplePolicy1 --level action --days 120
  trailcut tighten --permission-set Developers --level action --days 120 --out ./developers
  trailcut tighten --group Development --out ./dev --iac terraform --iac cloudformation
  trailcut tighten --group Development --level resource --max-arns 10
  trailcut tighten --group Development --check      exit 3 when a rewrite would change anything
  trailcut tighten --scp NewServiceTest --org-entity o-a1b2c3d4e5/r-ab12/ou-ab12-11111111 --days 180
  trailcut tighten --scp NewServiceTest --org-entity ou-ab12-11111111 --days 180
  trailcut tighten --all-policies --all-groups --exclude 'Break*' --out ./plans

Bulk runs (--all-policies, --all-groups, --all-roles, --all-users) tighten each
customer-managed policy, group, role or user of the IAM snapshot in turn, with the same
options, writing each plan to its own folder under --out (KIND-ACCOUNT-NAME) and a
summary.json, and print a summary table. A subject that fails is reported and the rest
carry on (exit status 1). Roles AWS manages (service-linked roles under /aws-service-role/,
Identity Center's under /aws-reserved/) are left out unless --include-aws-roles.

Exit status: 0 done (with --check: nothing would change), 2 error, 3 a change is due
(--check), 4 the replay found calls the new policies would deny (the plan is still written;
--allow-regressions accepts them and exits 0)."
)]
pub struct TightenArgs {
    /// Tighten a group: its policies, judged by all its members
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Tighten a user: its own policies, its groups' policies and its group memberships
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Tighten a role's policies
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// Tighten a customer-managed policy (name or ARN), judged by every identity it is attached to
    #[arg(long, value_name = "NAME|ARN")]
    pub policy: Option<String>,
    /// Tighten an IAM Identity Center permission set, judged by every use of its roles in every account
    #[arg(long, value_name = "NAME")]
    pub permission_set: Option<String>,
    /// Bulk: every customer-managed policy of the IAM snapshot
    #[arg(long, conflicts_with_all = ["group", "user", "role", "policy", "permission_set", "scp"])]
    pub all_policies: bool,
    /// Bulk: every group
    #[arg(long, conflicts_with_all = ["group", "user", "role", "policy", "permission_set", "scp"])]
    pub all_groups: bool,
    /// Bulk: every role (but those AWS manages, unless --include-aws-roles)
    #[arg(long, conflicts_with_all = ["group", "user", "role", "policy", "permission_set", "scp"])]
    pub all_roles: bool,
    /// Bulk: every user
    #[arg(long, conflicts_with_all = ["group", "user", "role", "policy", "permission_set", "scp"])]
    pub all_users: bool,
    /// Bulk: leave out subjects whose name matches this pattern (`*`, `?`; any case;
    /// repeatable)
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Bulk: take the service-linked and Identity Center roles too
    #[arg(long)]
    pub include_aws_roles: bool,
    /// SCP mode: add to this SCP a Deny of the services no account under --org-entity used
    #[arg(long, value_name = "NAME|ID", requires = "org_entity")]
    pub scp: Option<String>,
    /// SCP mode: the Organizations entity whose accounts' use counts: its path
    /// (o-.../r-.../ou-...) or the bare id of an OU, root or account in the stored tree
    #[arg(long, value_name = "PATH|ID", requires = "scp")]
    pub org_entity: Option<String>,
    /// SCP mode: deny services never seen used as well, not only those no longer used
    #[arg(long, requires = "scp")]
    pub deny_never_used: bool,
    /// The account, where a name exists in several accounts of the store
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The window: this many days ending at the newest evidence
    #[arg(long, value_name = "N", default_value_t = 90, conflicts_with = "since")]
    pub days: u32,
    /// The window's start (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// The window's end (default: the newest evidence in the store)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Keep whole services, exact actions, or exact actions on the resources they were used on
    #[arg(long, value_enum, default_value = "action")]
    pub level: LevelArg,
    /// Resource level: distinct resources per action written out before they are
    /// generalised to their common prefix (per bucket, account and region)
    #[arg(long, value_name = "N", default_value_t = crate::tighten::DEFAULT_MAX_ARNS)]
    pub max_arns: usize,
    /// Which evidence counts (default: both, where present)
    #[arg(long, value_enum, default_value = "both")]
    pub evidence: EvidenceArg,
    /// Keep the statement with this Sid as written (repeatable)
    #[arg(long, value_name = "SID")]
    pub keep_sid: Vec<String>,
    /// Remove what the evidence cannot see instead of keeping it
    #[arg(long)]
    pub drop_unobservable: bool,
    /// Replace each AWS managed policy the plan cuts, where it stays attached, with a
    /// customer-managed copy of its rewrite (`NAME-Trailcut`): apply.sh creates it, attaches
    /// it, then detaches the AWS managed policy; rollback.sh puts the AWS managed one back
    #[arg(long)]
    pub replace_aws_managed: bool,
    /// Write policies/, plan.json, apply.sh, rollback.sh and cleanup.sh here
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the plan as infrastructure code under --out: terraform/main.tf,
    /// cloudformation/template.json (repeatable, or a comma-separated list)
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        value_delimiter = ',',
        requires = "out"
    )]
    pub iac: Vec<IacArg>,
    /// Change nothing on disk; exit 3 when a rewrite would change anything
    #[arg(long)]
    pub check: bool,
    /// Go on when an account's trail does not cover the whole window (uses outside what it
    /// covers are invisible, so what they needed may be removed)
    #[arg(long)]
    pub partial_trail: bool,
    /// Exit 0 even when the replay finds calls the new policies would deny
    #[arg(long)]
    pub allow_regressions: bool,
    /// Print plan.json on stdout instead of the report
    #[arg(long)]
    pub json: bool,
    /// Print the run as Markdown (what plan.md holds), for a change ticket
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

/// Parses `trailcut tighten`'s flags from `argv` (without the verb), for the demo.
pub fn parse_args(argv: &[&str]) -> anyhow::Result<TightenArgs> {
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        args: TightenArgs,
    }
    use clap::Parser as _;
    let argv = std::iter::once("tighten").chain(argv.iter().copied());
    Ok(Wrap::try_parse_from(argv)?.args)
}

/// `--level`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Service,
    Action,
    Resource,
}

/// `--iac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IacArg {
    Terraform,
    #[value(name = "cloudformation")]
    CloudFormation,
}

/// `--iac`, as the library names the formats.
fn iac(args: &TightenArgs) -> Vec<IacFormat> {
    args.iac
        .iter()
        .map(|format| match format {
            IacArg::Terraform => IacFormat::Terraform,
            IacArg::CloudFormation => IacFormat::CloudFormation,
        })
        .collect()
}

/// `--evidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvidenceArg {
    Trail,
    LastAccessed,
    Both,
}

/// Runs `trailcut tighten`.
pub fn run(store: &Path, args: TightenArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let catalog = ActionCatalog::embedded();
    let store = super::existing_store(store)?;
    // Events outside these bounds (an older trailcut stored them) are no evidence.
    let plausible = TimeBounds::at(Clock::system().now());
    if let (Some(scp), Some(entity)) = (&args.scp, &args.org_entity) {
        return run_scp(&store, &args, &plausible, scp, entity, catalog, out);
    }
    let level = match args.level {
        LevelArg::Service => Level::Service,
        LevelArg::Action => Level::Action,
        LevelArg::Resource => Level::Resource,
    };
    let options = RewriteOptions {
        level,
        keep_sids: args.keep_sid.clone(),
        drop_unobservable: args.drop_unobservable,
        max_arns: args.max_arns,
        pool_by_service: false,
        replace_aws_managed: args.replace_aws_managed,
    };
    let kinds: Vec<SubjectKind> = [
        (args.all_policies, SubjectKind::Policies),
        (args.all_groups, SubjectKind::Groups),
        (args.all_roles, SubjectKind::Roles),
        (args.all_users, SubjectKind::Users),
    ]
    .into_iter()
    .filter_map(|(asked, kind)| asked.then_some(kind))
    .collect();
    if !kinds.is_empty() {
        let bulk = BulkRequest {
            kinds,
            exclude: args.exclude.clone(),
            account: args.account.clone(),
            include_aws_roles: args.include_aws_roles,
            window: window_request(&args)?,
            evidence: evidence(args.evidence),
            options,
            partial_trail: args.partial_trail,
        };
        return with_source(&store, plausible, catalog, |source| {
            super::tighten_bulk::run(
                &bulk,
                source,
                catalog,
                super::tighten_bulk::Outputs {
                    dir: args.out.as_deref(),
                    check: args.check,
                    allow_regressions: args.allow_regressions,
                    iac: &iac(&args),
                },
                out,
            )
        });
    }
    let target = match (
        &args.group,
        &args.user,
        &args.role,
        &args.policy,
        &args.permission_set,
    ) {
        (Some(name), ..) => TargetName::Group(name.clone()),
        (_, Some(name), ..) => TargetName::User(name.clone()),
        (_, _, Some(name), ..) => TargetName::Role(name.clone()),
        (_, _, _, Some(name), _) => TargetName::Policy(name.clone()),
        (_, _, _, _, Some(name)) => TargetName::PermissionSet(name.clone()),
        _ => bail!(
            "say what to tighten: --group, --user, --role, --policy, --permission-set or --scp, \
             or --all-policies, --all-groups, --all-roles, --all-users"
        ),
    };
    let request = Request {
        target,
        account: args.account.clone(),
        window: window_request(&args)?,
        evidence: evidence(args.evidence),
        options,
        partial_trail: args.partial_trail,
    };
    let t = with_source(&store, plausible, catalog, |source| {
        Ok(tighten(&request, source, catalog)?)
    })?;
    let plan_json = t.plan_json();
    if let Some(dir) = args.out.as_ref().filter(|_| !args.check) {
        let mut files = t.files(&plan_json);
        files.extend(t.iac_files(&iac(&args)));
        super::outdir::write(dir, &files)?;
    }
    if args.json {
        write!(out, "{plan_json}")?;
    } else if args.markdown {
        write!(out, "{}", t.markdown())?;
    } else {
        write_report(out, &t)?;
        if let Some(dir) = args.out.as_ref().filter(|_| !args.check) {
            writeln!(out, "\nwrote {}", dir.display())?;
        }
    }
    for warning in &t.replay.warnings {
        eprintln!("warning: {warning}");
    }
    let regressions = t.replay.regressions.len();
    if regressions > 0 && !args.allow_regressions {
        eprintln!(
            "error: {regressions} call{} in the window would be denied by the new policies (see above); \
             --allow-regressions to accept",
            if regressions == 1 { "" } else { "s" }
        );
        return Ok(Status::Regressions);
    }
    if args.check && t.plan.changes() {
        return Ok(Status::ChangeDue);
    }
    Ok(Status::Success)
}

/// Runs `f` with the store's evidence source (its SQL session on a runtime of its own).
fn with_source<T>(
    store: &Store,
    plausible: TimeBounds,
    catalog: &ActionCatalog,
    f: impl FnOnce(&SqlEvidence<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let rt = runtime()?;
    let session = rt.block_on(Session::open(store))?;
    f(&SqlEvidence::new(&session, &rt, plausible, catalog))
}

/// `--days`, `--since` and `--until`.
fn window_request(args: &TightenArgs) -> anyhow::Result<WindowRequest> {
    Ok(WindowRequest {
        days: args.days,
        since: args
            .since
            .as_deref()
            .map(|t| super::parse_time(t, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| super::parse_time(t, true))
            .transpose()?,
    })
}

/// `--evidence`.
fn evidence(arg: EvidenceArg) -> Sources {
    match arg {
        EvidenceArg::Trail => Sources::Trail,
        EvidenceArg::LastAccessed => Sources::Reports,
        EvidenceArg::Both => Sources::Both,
    }
}

/// SCP mode.
fn run_scp(
    store: &Store,
    args: &TightenArgs,
    plausible: &TimeBounds,
    name: &str,
    entity: &str,
    catalog: &ActionCatalog,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let request = ScpRequest {
        scp: name.to_owned(),
        org_entity: entity.to_owned(),
        window: window_request(args)?,
        evidence: evidence(args.evidence),
        deny_never_used: args.deny_never_used,
        partial_trail: args.partial_trail,
    };
    let t = with_source(store, *plausible, catalog, |source| {
        Ok(tighten_scp(&request, source, catalog)?)
    })?;
    let plan_json = t.plan_json();
    if let Some(dir) = args.out.as_ref().filter(|_| !args.check) {
        let mut files = t.files(&plan_json);
        files.extend(t.iac_files(&iac(args)));
        super::outdir::write(dir, &files)?;
    }
    if args.json {
        write!(out, "{plan_json}")?;
    } else {
        write_scp_report(out, &t)?;
    }
    if !t.replay.regressions.is_empty() && !args.allow_regressions {
        eprintln!(
            "error: calls in the window would be denied by the new SCP; --allow-regressions to accept"
        );
        return Ok(Status::Regressions);
    }
    if args.check && t.rewrite.document.is_some() {
        return Ok(Status::ChangeDue);
    }
    Ok(Status::Success)
}
