//! `trailcut policy expand FILE` and `trailcut policy eval`: what a policy document
//! allows, and AWS's decision for one request, with the statements that decided it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use super::{Status, runtime};
use crate::catalog::ActionCatalog;
use crate::eval::{Context, Decision, NamedPolicy, PolicySet, Request, ScpLevel, evaluate};
use crate::policy::{PolicyDocument, allowed_actions_of};
use crate::sql::Session;
use crate::sql::iam::{find_principal, load_principal};

/// Flags of `trailcut policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The sub-verbs of `trailcut policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The concrete actions a policy document allows, one per line, sorted
    #[command(after_help = "\
Wildcards and NotAction are resolved against the embedded catalogue; actions denied by an
unconditional Deny on Resource \"*\" are taken out. Statements with conditions or narrower
resources still count as allowing their actions: use `policy eval` for one request.
Invalid documents are refused with the JSON path of the problem, and so are Principal and
NotPrincipal, as in `policy eval`: the document is an identity policy, permissions boundary
or SCP, which govern a principal's own requests. Each action or pattern that matches nothing
in the catalogue (a typo, an unknown service) is named on stderr, with a close match when one
exists, and the exit status is then 1.

Example:
  trailcut policy expand policy.json | grep '^s3:'")]
    Expand {
        /// A policy document (JSON); `-` reads standard input
        #[arg(required_unless_present = "principal", conflicts_with = "principal")]
        file: Option<PathBuf>,
        /// Instead of a file: a user, group or role of the store, through all its policies
        /// (direct, inline, groups), within its permissions boundary and SCPs
        #[arg(long, value_name = "NAME_OR_ARN")]
        principal: Option<String>,
        /// The account, when the principal's name exists in several
        #[arg(long, value_name = "ID", requires = "principal")]
        account: Option<String>,
        /// Print JSON: {\"actions\": [...], \"statements\": [...]}
        #[arg(long)]
        json: bool,
    },
    /// AWS's decision for one request: explicit deny, allow, implicit deny or undetermined
    #[command(after_help = "\
Policies come from files (--policy, --boundary, --scp) or from the store (--principal:
its identity policies direct, inline and through groups, its permissions boundary and
the SCPs on its account's organisation path).

Context keys: --context aws:SourceIp=203.0.113.5 (repeat a key for several values),
--absent aws:MultiFactorAuthPresent for a key the request does not carry. A condition
on a key that is neither is undetermined, and reported: trailcut never assumes it holds.

Exit status: 0 allow, 1 deny or undetermined, 2 error.

Examples:
  trailcut policy eval --policy p.json --action s3:GetObject --resource arn:aws:s3:::b/k
  trailcut policy eval --principal nikhilj --action iam:CreateUser --resource '*'
  trailcut policy eval --sso-user carol@example.com --account 210987654321 --action s3:ListAllMyBuckets")]
    Eval(EvalArgs),
    /// Replay one stored event: each action it needed, decided from its principal's
    /// policies with the request context the event shows
    Event(super::policy_event::EventArgs),
}

/// Flags of `trailcut policy eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Identity policy documents
    #[arg(long = "policy", value_name = "FILE", conflicts_with = "principal")]
    pub policies: Vec<PathBuf>,
    /// A permissions boundary document
    #[arg(long, value_name = "FILE", conflicts_with = "principal")]
    pub boundary: Option<PathBuf>,
    /// SCP documents, all attached at one level (give the account's full set)
    #[arg(long = "scp", value_name = "FILE", conflicts_with = "principal")]
    pub scps: Vec<PathBuf>,
    /// A user, group or role of the store (name or ARN)
    #[arg(long, value_name = "NAME_OR_ARN", conflicts_with = "sso_user")]
    pub principal: Option<String>,
    /// An IAM Identity Center user (user name, email or display name): decided with the
    /// policies of the role their permission set provisioned in --account
    #[arg(long, value_name = "USER", conflicts_with_all = ["policies", "boundary", "scps"])]
    pub sso_user: Option<String>,
    /// With --sso-user: the permission set, when the user holds several in the account
    #[arg(long, value_name = "NAME", requires = "sso_user")]
    pub permission_set: Option<String>,
    /// The account, when the principal's name exists in several (with --sso-user: the
    /// account the request is made in)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The action (`s3:GetObject`)
    #[arg(long)]
    pub action: String,
    /// The resource ARN (default: unknown; only statements on "*" then match)
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// A context key and value (`aws:SourceIp=203.0.113.5`); repeat for more values
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A context key the request does not carry
    #[arg(long = "absent", value_name = "KEY")]
    pub absent: Vec<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `trailcut policy`.
pub fn run(store: &Path, args: PolicyArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    match args.command {
        PolicyCommand::Expand {
            file,
            principal,
            account,
            json,
        } => match (file, principal) {
            (Some(file), _) => expand(&file, json, out),
            (None, Some(who)) => expand_principal(store, &who, account.as_deref(), json, out),
            (None, None) => bail!("give a policy FILE or --principal NAME_OR_ARN"),
        },
        PolicyCommand::Eval(args) => eval(store, args, out),
        PolicyCommand::Event(args) => super::policy_event::run(store, args, out),
    }
}

/// Reads and parses a policy document file (`-` for stdin).
pub fn read_document(path: &Path) -> anyhow::Result<PolicyDocument> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?
    };
    PolicyDocument::parse_maybe_encoded(&text)
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))
}

/// Reads an identity-based policy (or boundary): a trust or resource policy given by
/// mistake (Principal, no Resource) would otherwise grant on every resource.
fn read_identity(path: &Path) -> anyhow::Result<PolicyDocument> {
    let document = read_document(path)?;
    document.validate_identity().map_err(|e| {
        anyhow::anyhow!(
            "`{}`: {e} (not an identity-based policy: a trust or resource policy?)",
            path.display()
        )
    })?;
    Ok(document)
}

fn expand(file: &Path, json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    let document = read_document(file)?;
    // What expand computes (a principal's actions, Denies subtracted) has no meaning for a
    // statement that applies to some principals only; eval refuses these files too.
    document
        .validate_no_principal("an identity policy, permissions boundary or SCP")
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", file.display()))?;
    let catalog = ActionCatalog::embedded();
    let unknown = document.unknown_actions(catalog);
    for (path, found) in &unknown {
        eprintln!("warning: `{}`: {path}: {found}", file.display());
    }
    // In the catalogue's order (case-insensitive), as `trailcut catalog expand` prints.
    let mut actions: Vec<&str> = document.allowed_actions(catalog).into_iter().collect();
    actions.sort_by_cached_key(|a| a.to_ascii_lowercase());
    if json {
        let statements: Vec<serde_json::Value> = document
            .statements
            .iter()
            .enumerate()
            .map(|(i, s)| {
                serde_json::json!({
                    "index": i,
                    "sid": s.sid,
                    "effect": s.effect.as_str(),
                    "actions": s.actions(catalog).len(),
                    "has_condition": !s.condition.is_empty(),
                })
            })
            .collect();
        let value = serde_json::json!({ "actions": actions, "statements": statements });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for action in &actions {
            writeln!(out, "{action}")?;
        }
    }
    // A pattern that names no action grants nothing: most likely a typo, so it is loud.
    Ok(if unknown.is_empty() {
        Status::Success
    } else {
        Status::Partial
    })
}

/// What a principal can do at most, without conditions: its identity policies together
/// (unconditional Denies on "*" taken out), within what its boundary and the SCP of each
/// entity on its account's path allow.
fn expand_principal(
    store: &Path,
    who: &str,
    account: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let store = super::existing_store(store)?;
    let loaded = runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        let principal = find_principal(&session, who, account).await?;
        load_principal(&session, principal).await
    })?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let catalog = ActionCatalog::embedded();
    let documents = |policies: &[crate::sql::iam::LoadedPolicy]| -> Vec<PolicyDocument> {
        policies.iter().map(|p| p.document.clone()).collect()
    };
    let identity = documents(&loaded.identity);
    let refs: Vec<&PolicyDocument> = identity.iter().collect();
    let mut actions = allowed_actions_of(&refs, catalog);
    let mut limits = Vec::new();
    if let Some(boundary) = &loaded.boundary {
        let within = boundary.document.allowed_actions(catalog);
        actions.retain(|a| within.contains(a));
        limits.push(format!("permissions boundary {}", boundary.name));
    }
    for (entity, scps) in &loaded.scps {
        let docs = documents(scps);
        let refs: Vec<&PolicyDocument> = docs.iter().collect();
        let within = allowed_actions_of(&refs, catalog);
        actions.retain(|a| within.contains(a));
        limits.push(format!("SCPs on {entity}"));
    }
    let mut actions: Vec<&str> = actions.into_iter().collect();
    actions.sort_by_cached_key(|a| a.to_ascii_lowercase());
    if json {
        let value = serde_json::json!({
            "principal": loaded.principal.arn,
            "policies": loaded.identity.iter().map(|p| &p.name).collect::<Vec<_>>(),
            "within": limits,
            "actions": actions,
            "incomplete": loaded.warnings,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for action in &actions {
            writeln!(out, "{action}")?;
        }
        if !loaded.is_complete() {
            eprintln!(
                "warning: the store lacks part of this principal's policies: the list may \
                 include actions a missing boundary, SCP or Deny takes away"
            );
        }
        eprintln!(
            "{}: {} actions from {} policies{}",
            loaded.principal.arn,
            actions.len(),
            loaded.identity.len(),
            if limits.is_empty() {
                String::new()
            } else {
                format!(", within the {}", limits.join(" and the "))
            }
        );
    }
    Ok(if loaded.is_complete() {
        Status::Success
    } else {
        Status::Partial
    })
}

fn build_context(args: &EvalArgs) -> anyhow::Result<Context> {
    let mut context = Context::new();
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for pair in &args.context {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--context `{pair}`: expected KEY=VALUE");
        };
        match values.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((_, v)) => v.push(value.to_owned()),
            None => values.push((key.to_owned(), vec![value.to_owned()])),
        }
    }
    for (key, v) in values {
        context.set(&key, v);
    }
    for key in &args.absent {
        context.set_absent(key);
    }
    Ok(context)
}

/// The role an Identity Center user's request is decided with: the one their permission
/// set provisioned in `--account`; an error that lists the choices when there are several.
fn sso_role(store: &Path, user: &str, args: &EvalArgs) -> anyhow::Result<String> {
    let store = super::existing_store(store)?;
    let roles = runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        crate::sql::sso::user_roles(
            &session,
            user,
            args.account.as_deref(),
            args.permission_set.as_deref(),
        )
        .await
    })?;
    match roles.as_slice() {
        [one] => {
            eprintln!(
                "{} in account {} through permission set {} (role {})",
                one.user_name, one.account, one.permission_set, one.role_arn
            );
            Ok(one.role_arn.clone())
        }
        many => {
            let choices: Vec<String> = many
                .iter()
                .map(|r| {
                    format!(
                        "--account {} --permission-set {}",
                        r.account, r.permission_set
                    )
                })
                .collect();
            anyhow::bail!(
                "{user} can act through {} roles: choose one with {}",
                many.len(),
                choices.join(" | ")
            )
        }
    }
}

fn eval(store: &Path, args: EvalArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let catalog = ActionCatalog::embedded();
    let action = catalog
        .action(&args.action)
        .map(|a| a.name.as_str())
        .with_context(|| format!("`{}` is not an IAM action in the catalogue", args.action))?;
    let mut context = build_context(&args)?;
    // Layers the store could not load completely (a missing document, group, SCP target).
    let mut incomplete: Vec<String> = Vec::new();
    // The documents, from files or from the store; owned here, borrowed by the set.
    let mut identity: Vec<(String, PolicyDocument)> = Vec::new();
    let mut boundary: Option<(String, PolicyDocument)> = None;
    let mut scps: Vec<(String, Vec<(String, PolicyDocument)>)> = Vec::new();
    let principal = match &args.sso_user {
        Some(user) => Some(sso_role(store, user, &args)?),
        None => {
            anyhow::ensure!(
                args.account.is_none() || args.principal.is_some(),
                "--account goes with --principal or --sso-user"
            );
            args.principal.clone()
        }
    };
    match &principal {
        Some(who) => {
            let store = super::existing_store(store)?;
            let loaded = runtime()?.block_on(async {
                let session = Session::open(&store).await?;
                let principal = find_principal(&session, who, args.account.as_deref()).await?;
                load_principal(&session, principal).await
            })?;
            let p = &loaded.principal;
            // What the principal itself tells about the request, unless given.
            let known = [
                ("aws:PrincipalArn", Some(p.arn.clone())),
                ("aws:PrincipalAccount", Some(p.account_id.clone())),
                (
                    "aws:username",
                    (p.principal_type == "user").then(|| p.name.clone()),
                ),
            ];
            for (key, value) in known {
                if context.get(key).is_none()
                    && let Some(value) = value
                {
                    context.set(key, vec![value]);
                }
            }
            incomplete.extend(loaded.warnings.iter().cloned());
            for policy in &loaded.identity {
                identity.push((policy.named().name, policy.document.clone()));
            }
            boundary = loaded
                .boundary
                .as_ref()
                .map(|b| (format!("{} (boundary)", b.name), b.document.clone()));
            scps = loaded
                .scps
                .iter()
                .map(|(entity, policies)| {
                    (
                        entity.clone(),
                        policies
                            .iter()
                            .map(|p| (format!("{} (SCP on {entity})", p.name), p.document.clone()))
                            .collect(),
                    )
                })
                .collect();
        }
        None => {
            if args.policies.is_empty() {
                bail!("give --policy FILE (one or more) or --principal NAME_OR_ARN");
            }
            for path in &args.policies {
                identity.push((path.display().to_string(), read_identity(path)?));
            }
            if let Some(path) = &args.boundary {
                boundary = Some((path.display().to_string(), read_identity(path)?));
            }
            if !args.scps.is_empty() {
                let mut level = Vec::new();
                for path in &args.scps {
                    let document = read_document(path)?;
                    // The evaluator decides for the principal asking; a clause naming
                    // others would be silently ignored.
                    document
                        .validate_no_principal("an SCP")
                        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))?;
                    level.push((path.display().to_string(), document));
                }
                scps.push(("scp".to_owned(), level));
            }
        }
    }
    fn named((name, document): &(String, PolicyDocument)) -> NamedPolicy<'_> {
        NamedPolicy {
            name: name.clone(),
            document,
        }
    }
    let set = PolicySet {
        identity: identity.iter().map(named).collect(),
        boundary: boundary.as_ref().map(named),
        scps: scps
            .iter()
            .map(|(entity, policies)| ScpLevel {
                entity: entity.clone(),
                policies: policies.iter().map(named).collect(),
            })
            .collect(),
    };
    let request = Request {
        action,
        resource: args.resource.as_deref(),
        context: &context,
    };
    let mut evaluation = evaluate(&set, &request);
    for note in &incomplete {
        eprintln!("warning: {note}");
    }
    // A missing boundary, SCP or policy may hold the Deny that decides: over an
    // incomplete picture an allow is only "not denied by what is known".
    if evaluation.decision == Decision::Allow && !incomplete.is_empty() {
        evaluation.decision = Decision::Undetermined;
        evaluation.explanation = format!(
            "allowed by the policies known, but the store is missing some ({} warning{})",
            incomplete.len(),
            if incomplete.len() == 1 { "" } else { "s" }
        );
    }
    if args.json {
        let value = serde_json::json!({
            "action": action,
            "resource": args.resource,
            "decision": evaluation.decision.as_str(),
            "deciding": evaluation.deciding.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "undetermined": evaluation.undetermined.iter()
                .map(|(s, key)| serde_json::json!({"statement": s.to_string(), "key": key}))
                .collect::<Vec<_>>(),
            "explanation": evaluation.explanation,
            "incomplete": incomplete,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(out, "{}", evaluation.decision.as_str())?;
        for statement in &evaluation.deciding {
            writeln!(out, "  decided by {statement}")?;
        }
        for (statement, key) in &evaluation.undetermined {
            writeln!(
                out,
                "  undetermined: {statement} depends on `{key}`, not in the request"
            )?;
        }
        if !evaluation.explanation.is_empty() {
            writeln!(out, "  {}", evaluation.explanation)?;
        }
    }
    Ok(match evaluation.decision {
        Decision::Allow => Status::Success,
        _ => Status::Partial,
    })
}
