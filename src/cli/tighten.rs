//! `trailcut tighten`: a group's, user's, role's or customer-managed policy's permissions
//! cut down to what was used in a window, with the evidence for every change, the aws CLI
//! commands that apply it, and a replay of every successful call against the new policies.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{ArgGroup, Args, ValueEnum};

use super::{Status, runtime};
use crate::catalog::ActionCatalog;
use crate::ingest::plausible::{Clock, TimeBounds};
use crate::sql::Session;
use crate::sql::tighten::SqlEvidence;
use crate::store::Store;
use crate::tighten::{
    Decision as ItemDecision, Evidence, Level, Move, Outcome, PLAN_SCHEMA_VERSION, PolicyKind,
    Request, ResourceChoice, RewriteOptions, ScpChange, ScpPlanFile, ScpRequest, ScpTarget,
    ScpTightened, Sources, TargetName, Tightened, WindowRequest, WindowText, apply_script,
    document_path, scp_apply_script, scp_document_path, summary, tighten, tighten_scp, time_text,
    writes_document,
};

/// Flags of `trailcut tighten`.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("target").required(true).args(["group", "user", "role", "policy", "scp"])),
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

SCP mode (--scp NAME --org-entity PATH) adds to the SCP a Deny statement for every service
it allows that the accounts under its targets used before the window and not in it (trail,
and the entity's Organizations access report), within the 5,120-character SCP limit;
--deny-never-used denies services never seen used as well.

Outputs (--out DIR): policies/<name>.json (scps/<name>.json in SCP mode) for `aws iam create-policy-version
--policy-document file://...`, plan.json (every service or action kept, removed or
unobservable, with its evidence), apply.sh (the aws CLI commands, to review and run).

Examples:
  trailcut tighten --group Development --level service --keep-sid RequiredIamAndOrgsActions
  trailcut tighten --user nikhilj --out ./nikhilj
  trailcut tighten --policy ExamplePolicy1 --level action --days 120
  trailcut tighten --group Development --level resource --max-arns 10
  trailcut tighten --group Development --check      exit 1 when a rewrite would change anything
  trailcut tighten --scp NewServiceTest --org-entity o-a1b2c3d4e5/r-ab12/ou-ab12-11111111 --days 180

Exit status: 0 done (with --check: nothing would change), 1 a change is due (--check) or the
replay found regressions, 2 error."
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
    /// SCP mode: add to this SCP a Deny of the services no account under --org-entity used
    #[arg(long, value_name = "NAME|ID", requires = "org_entity")]
    pub scp: Option<String>,
    /// SCP mode: the Organizations entity path whose accounts' use counts
    #[arg(long, value_name = "PATH", requires = "scp")]
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
    /// Write policies/, plan.json and apply.sh here
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Change nothing on disk; exit 1 when a rewrite would change anything
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

/// `--evidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvidenceArg {
    Trail,
    LastAccessed,
    Both,
}

/// Where a kept action's `Resource` now points, for the report.
fn resource_line(choice: &ResourceChoice) -> String {
    let shown = |items: &[String]| {
        let more = items.len().saturating_sub(3);
        let list = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        if more > 0 {
            format!("{list} and {more} more")
        } else {
            list
        }
    };
    match &choice.kept_because {
        Some(why) => format!("{} as written: {why}", shown(&choice.written)),
        None if choice.generalised.is_empty() => shown(&choice.written),
        None => format!(
            "{} ({} resources seen, generalised)",
            shown(&choice.written),
            choice.observed
        ),
    }
}

fn evidence_line(e: &Evidence) -> String {
    let mut parts = Vec::new();
    if e.events > 0 {
        parts.push(format!("{} events", e.events));
    }
    if let Some(last) = e.last {
        parts.push(format!("last {}", &time_text(last)[..10]));
    }
    let who: Vec<&str> = e
        .principals
        .iter()
        .map(|p| p.rsplit(['/', ':']).next().unwrap_or(p))
        .collect();
    if !who.is_empty() {
        let shown = who.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        let more = who.len().saturating_sub(3);
        parts.push(if more > 0 {
            format!("by {shown} and {more} more")
        } else {
            format!("by {shown}")
        });
    }
    let sources: Vec<String> = e
        .sources
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    format!("{} ({})", parts.join(", "), sources.join(", "))
}

/// Runs `trailcut tighten`.
pub fn run(store: &Path, args: TightenArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let catalog = ActionCatalog::embedded();
    let store = Store::new(store);
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
    };
    let target = match (&args.group, &args.user, &args.role, &args.policy) {
        (Some(name), ..) => TargetName::Group(name.clone()),
        (_, Some(name), ..) => TargetName::User(name.clone()),
        (_, _, Some(name), _) => TargetName::Role(name.clone()),
        (None, None, None, Some(name)) => TargetName::Policy(name.clone()),
        _ => bail!("say what to tighten: --group, --user, --role, --policy or --scp"),
    };
    let request = Request {
        target,
        account: args.account.clone(),
        window: window_request(&args)?,
        evidence: evidence(args.evidence),
        options,
        partial_trail: args.partial_trail,
    };
    let rt = runtime()?;
    let session = rt.block_on(Session::open(&store))?;
    let source = SqlEvidence::new(&session, &rt, plausible, catalog);
    let t = tighten(&request, &source, catalog)?;
    let plan_json = serde_json::to_string_pretty(&t.plan_file())? + "\n";
    if let Some(dir) = args.out.as_ref().filter(|_| !args.check) {
        write_outputs(dir, &t, &plan_json)?;
    }
    if args.json {
        write!(out, "{plan_json}")?;
    } else {
        report(out, &t)?;
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
        return Ok(Status::Partial);
    }
    if args.check && t.plan.changes() {
        return Ok(Status::Partial);
    }
    Ok(Status::Success)
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
    let rt = runtime()?;
    let session = rt.block_on(Session::open(store))?;
    let source = SqlEvidence::new(&session, &rt, *plausible, catalog);
    let t = tighten_scp(&request, &source, catalog)?;
    let denied = t.denied();
    let ScpTightened {
        scope,
        window,
        sources,
        warnings,
        rewrite,
        replay: replayed,
        ..
    } = &t;
    let (window, sources) = (*window, *sources);
    let file = scp_document_path(&scope.name);
    let plan_json = serde_json::to_string_pretty(&ScpPlanFile {
        schema_version: PLAN_SCHEMA_VERSION,
        scope: ScpTarget {
            kind: "scp",
            name: &scope.name,
            id: &scope.id,
            org_id: &scope.org_id,
            org_entity: entity,
            targets: &scope.targets,
            targets_outside_entity: &scope.outside,
            accounts: &scope.accounts,
        },
        window: WindowText::from(&window),
        evidence: sources,
        warnings,
        changes: rewrite.document.is_some(),
        services: &rewrite.items,
        denied_services: denied.clone(),
        last_reported: scope
            .last_reported
            .iter()
            .map(|(s, t)| (s.as_str(), time_text(*t)))
            .collect(),
        document: rewrite.document.as_ref().map(|_| file.clone()),
        characters: rewrite.text.as_ref().map(|t| t.chars().count()),
        replay: replayed,
    })? + "\n";
    if let Some(dir) = args.out.as_ref().filter(|_| !args.check) {
        std::fs::create_dir_all(dir.join("scps"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        if let Some(text) = &rewrite.text {
            std::fs::write(dir.join(&file), format!("{text}\n"))?;
        }
        std::fs::write(dir.join("plan.json"), &plan_json)?;
        let (since, until) = (time_text(window.since), time_text(window.until));
        let denied_now: &[&str] = match &rewrite.text {
            Some(_) => &denied,
            None => &[],
        };
        let script = scp_apply_script(&ScpChange {
            name: &scope.name,
            id: &scope.id,
            entity,
            window: (&since, &until),
            denied: denied_now,
        });
        let path = dir.join("apply.sh");
        std::fs::write(&path, script)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    if args.json {
        write!(out, "{plan_json}")?;
    } else {
        writeln!(out, "SCP {} ({}) for {entity}", scope.name, scope.id)?;
        writeln!(
            out,
            "window {} .. {} ({} days); accounts under its targets: {}",
            &time_text(window.since)[..10],
            &time_text(window.until)[..10],
            window.days(),
            if scope.accounts.is_empty() {
                "none".to_owned()
            } else {
                scope.accounts.join(", ")
            }
        )?;
        for warning in warnings {
            writeln!(out, "warning: {warning}")?;
        }
        if !scope.unplaced.is_empty() {
            writeln!(
                out,
                "warning: the place in the organisation of {} is unknown: if under the SCP, \
                 their use is not counted",
                scope.unplaced.join(", ")
            )?;
        }
        for target in &scope.outside {
            writeln!(
                out,
                "warning: it is also attached to {target}, outside {entity}: the Deny reaches there too (its accounts' use is counted)"
            )?;
        }
        for item in &rewrite.items {
            let last = scope
                .last_reported
                .get(&item.name)
                .map(|t| format!(", last reported use {}", &time_text(*t)[..10]))
                .unwrap_or_default();
            match item.decision {
                ItemDecision::Kept => writeln!(
                    out,
                    "  allowed  {}  {}",
                    item.name,
                    item.evidence
                        .as_ref()
                        .map(evidence_line)
                        .unwrap_or_default()
                )?,
                ItemDecision::Removed => {
                    writeln!(out, "  deny     {}  no use in the window{last}", item.name)?
                }
                ItemDecision::NeverUsed => writeln!(
                    out,
                    "  allowed  {}  never used in what the evidence covers (--deny-never-used denies it)",
                    item.name
                )?,
                ItemDecision::Unobservable { blind, .. } => writeln!(
                    out,
                    "  allowed  {}  unobservable: {}",
                    item.name,
                    blind.describe()
                )?,
            }
        }
        match &rewrite.text {
            Some(text) => writeln!(
                out,
                "adds a Deny of {} service{} ({}); {} of {} characters",
                denied.len(),
                if denied.len() == 1 { "" } else { "s" },
                crate::tighten::DENY_SID,
                text.chars().count(),
                crate::tighten::SCP_MAX_CHARS
            )?,
            None => writeln!(out, "every service it allows is in use: nothing to change")?,
        }
        writeln!(
            out,
            "replayed {} events ({} actions) of {} principals: {} would be denied",
            replayed.events,
            replayed.actions,
            replayed.principals,
            replayed.regressions.len()
        )?;
    }
    if !replayed.regressions.is_empty() && !args.allow_regressions {
        eprintln!(
            "error: calls in the window would be denied by the new SCP; --allow-regressions to accept"
        );
        return Ok(Status::Partial);
    }
    if args.check && rewrite.document.is_some() {
        return Ok(Status::Partial);
    }
    Ok(Status::Success)
}

/// Writes policies/, plan.json and apply.sh under `dir`.
fn write_outputs(dir: &Path, t: &Tightened, plan_json: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("policies"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    for p in &t.plan.policies {
        if !writes_document(p.outcome) {
            continue;
        }
        if let Some(document) = &p.rewritten.document {
            let path = dir.join(document_path(p));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, document.to_json_string_pretty() + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let path = dir.join("plan.json");
    std::fs::write(&path, plan_json).with_context(|| format!("cannot write {}", path.display()))?;
    let header = vec![
        format!(
            "trailcut tighten: {} {} ({})",
            t.target.kind.as_str(),
            t.target.name,
            t.target.arn
        ),
        format!(
            "evidence window {} .. {}",
            time_text(t.window.since),
            time_text(t.window.until)
        ),
    ];
    let path = dir.join("apply.sh");
    std::fs::write(
        &path,
        apply_script(&t.plan, &header, Some(&t.target.account)),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

const LISTED: usize = 12;

fn report(out: &mut dyn Write, t: &Tightened) -> anyhow::Result<()> {
    let Tightened {
        target,
        window,
        sources,
        level,
        warnings,
        plan,
        refused: denied,
        still_allowed: still,
        replay: replayed,
    } = t;
    let evidence = sources.describe();
    writeln!(
        out,
        "{} {} ({}), {} level",
        target.kind.as_str(),
        target.name,
        target.arn,
        match level {
            Level::Service => "service",
            Level::Action => "action",
            Level::Resource => "resource",
        }
    )?;
    writeln!(
        out,
        "window {} .. {} ({} days); evidence: {evidence}",
        &time_text(window.since)[..10],
        &time_text(window.until)[..10],
        window.days()
    )?;
    for warning in warnings {
        writeln!(out, "warning: {warning}")?;
    }
    for p in &plan.policies {
        let kind = match p.kind {
            PolicyKind::AwsManaged => "AWS managed",
            PolicyKind::CustomerManaged => "customer managed",
            PolicyKind::Inline => "inline",
        };
        let outcome = match p.outcome {
            Outcome::Unchanged => "unchanged",
            Outcome::Rewritten => "rewritten",
            Outcome::Emptied => "nothing kept: removed",
            Outcome::NotEditable => "AWS managed, not editable",
            Outcome::LeftWithGroup => "out of scope with the group left",
            Outcome::Boundary => "a permissions boundary: not rewritten",
        };
        if p.outcome == Outcome::Boundary {
            writeln!(out, "\n{} ({kind}): {outcome}", p.name)?;
            continue;
        }
        writeln!(out, "\n{} ({kind}): {outcome}; {}", p.name, summary(p))?;
        if matches!(p.outcome, Outcome::LeftWithGroup | Outcome::Boundary) {
            continue;
        }
        let kept: Vec<_> = p
            .rewritten
            .items
            .iter()
            .filter(|i| i.decision == ItemDecision::Kept)
            .collect();
        for item in kept.iter().take(LISTED) {
            let e = item
                .evidence
                .as_ref()
                .map(evidence_line)
                .unwrap_or_default();
            writeln!(out, "  kept     {}  {e}", item.name)?;
            if let Some(choice) = &item.resources {
                writeln!(out, "           on {}", resource_line(choice))?;
            }
        }
        if kept.len() > LISTED {
            writeln!(
                out,
                "  kept     ... and {} more (plan.json lists all)",
                kept.len() - LISTED
            )?;
        }
        for item in &p.rewritten.items {
            if let ItemDecision::Unobservable { blind, kept } = item.decision {
                writeln!(
                    out,
                    "  {}  {}  unobservable: {}",
                    if kept { "kept   " } else { "removed" },
                    item.name,
                    blind.describe()
                )?;
            }
        }
        let (seen, never): (Vec<_>, Vec<_>) = p
            .rewritten
            .items
            .iter()
            .filter(|i| i.decision == ItemDecision::Removed)
            .partition(|i| i.before.is_some());
        for item in seen.iter().take(LISTED) {
            let before = item.before.as_ref().map(evidence_line).unwrap_or_default();
            writeln!(
                out,
                "  removed  {}  no use in the window; before it: {before}",
                item.name
            )?;
        }
        if seen.len() > LISTED {
            writeln!(
                out,
                "  removed  ... and {} more used before the window",
                seen.len() - LISTED
            )?;
        }
        if !never.is_empty() {
            let shown: Vec<&str> = never.iter().take(LISTED).map(|i| i.name.as_str()).collect();
            let more = if never.len() > LISTED {
                format!(" and {} more", never.len() - LISTED)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  removed  {}{more}: never seen used",
                shown.join(", ")
            )?;
        }
        for u in &p.rewritten.untouched {
            writeln!(
                out,
                "  as written: statement {} ({})",
                u.sid.clone().unwrap_or_else(|| format!("[{}]", u.index)),
                u.why
            )?;
        }
    }
    if !plan.moves.is_empty() {
        writeln!(out, "\nchanges besides new documents:")?;
        for m in &plan.moves {
            let line = match m {
                Move::Detach {
                    policy_name,
                    entity,
                    why,
                    ..
                } => {
                    format!(
                        "detach {policy_name} from {} {}: {why}",
                        entity.kind.as_str(),
                        entity.name
                    )
                }
                Move::RemoveFromGroup { user, group, why } => {
                    format!("remove {} from group {}: {why}", user.name, group.name)
                }
                Move::DeletePolicy {
                    policy_name, why, ..
                } => format!("delete {policy_name}: {why}"),
                Move::DeleteInline {
                    policy_name,
                    owner,
                    why,
                } => {
                    format!("delete inline {policy_name} of {}: {why}", owner.name)
                }
            };
            writeln!(out, "  {line}")?;
        }
    }
    for crate::tighten::StillAllowed {
        policy: name,
        removed_items_it_allows: count,
    } in still
    {
        writeln!(
            out,
            "\nnote: {name} (AWS managed) still allows {count} of the services or actions \
             removed above: until it is detached, the effective permissions of the principals \
             it reaches do not shrink"
        )?;
    }
    if !denied.not_granted.is_empty() {
        writeln!(
            out,
            "\nneeded but not granted (refused calls; never added):"
        )?;
        for (action, e) in &denied.not_granted {
            writeln!(out, "  {action}  {}", evidence_line(e))?;
        }
    }
    if !denied.although_granted.is_empty() {
        writeln!(
            out,
            "\nrefused although a policy here allows them (a condition, a Deny, a boundary, an \
             SCP or a resource policy decided):"
        )?;
        for (action, e) in &denied.although_granted {
            writeln!(out, "  {action}  {}", evidence_line(e))?;
        }
    }
    for (service, e) in &denied.attempts {
        writeln!(
            out,
            "\nnot counted: the reports' last use of {service} ({}) is a refused call in the \
             trail; the reports count attempts",
            evidence_line(e)
        )?;
    }
    writeln!(
        out,
        "\nreplayed {} events ({} actions) of {} principals: {} would be denied{}",
        replayed.events,
        replayed.actions,
        replayed.principals,
        replayed.regressions.len(),
        if replayed.not_comparable > 0 {
            format!(
                " ({} actions not allowed for certain before either: not compared)",
                replayed.not_comparable
            )
        } else {
            String::new()
        }
    )?;
    if *level == Level::Resource && replayed.underivable > 0 {
        writeln!(
            out,
            "  {} of those events have an action whose resources the event does not name: it \
             was replayed with the resource unknown, which only a `*` Resource allows for \
             certain (such actions keep their statement's Resource)",
            replayed.underivable
        )?;
    }
    if !replayed.incomplete.is_empty() {
        writeln!(
            out,
            "  not proven for {}: their policies are not all in the store (see the warnings), \
             so none of their calls was compared",
            replayed.incomplete.join(", ")
        )?;
    }
    for who in &replayed.unknown_principals {
        writeln!(out, "  not replayed: {who}")?;
    }
    for r in replayed.regressions.iter().take(LISTED) {
        writeln!(
            out,
            "  REGRESSION {} {} by {}: {} on {} would be {}: {}",
            r.event_time.as_deref().unwrap_or_default(),
            r.call,
            r.principal,
            r.action,
            r.resource.as_deref().unwrap_or("*"),
            r.decision,
            r.explanation
        )?;
    }
    if replayed.regressions.len() > LISTED {
        writeln!(
            out,
            "  ... and {} more (plan.json lists all)",
            replayed.regressions.len() - LISTED
        )?;
    }
    Ok(())
}
