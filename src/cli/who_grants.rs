//! `trailcut who-grants --principal NAME --service PREFIX[,PREFIX...]`: each policy that
//! gives a principal actions of a service, and how it is attached: directly, or through
//! which group. The question behind the seed's nikhilj story: which of his two groups (or his
//! own policies) gives him IAM?

use std::io::Write;
use std::path::Path;

use anyhow::bail;
use clap::Args;

use super::{Status, runtime};
use crate::catalog::ActionCatalog;
use crate::eval::principal::PrincipalPolicies;
use crate::policy::{Effect, PolicyDocument};
use crate::sql::Session;
use crate::sql::iam::{LoadedPolicy, find_principal, load_principal};
use crate::sql::output::{OutputFormat, write_batches};

/// Flags of `trailcut who-grants`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads the IAM tables (`trailcut authz ingest`). For each identity policy of the
principal (its own, inline, and each group's), the statements that allow actions of the
service, how many actions, and whether a condition limits them; then Deny statements on
the service, and whether the permissions boundary or the account's SCPs leave the
service out.

--service takes several services (comma-separated or repeated), each as its IAM prefix
(`route53`) or its CloudTrail event source (`route53.amazonaws.com`). --user, --group and
--role are other names of --principal. --json prints {\"principal\", \"account_id\",
\"services\": [{\"service\", \"granted\", \"policies\", \"limits\"}]}.

--sso-user asks for an IAM Identity Center user (user name, email or display name) instead:
each permission set assigned to them or to a group they are in, in each account (narrowed by
--account and --permission-set), answered through the role it provisioned there. With
--json: {\"sso_user\", \"roles\": [{\"account\", \"permission_set\", \"held_through\",
\"principal\", \"services\"}]}.

Examples (the sample data):
  trailcut ingest sample_data
  trailcut who-grants --user nikhilj --service iam
  trailcut who-grants --principal nikhilj --service iam,s3,route53.amazonaws.com
  trailcut who-grants --sso-user carol@example.com --service ec2,lambda

Exit status 0 when some policy grants every service asked and neither the boundary nor the
SCPs leave it out; 1 when for some service no policy grants it, something takes it away, or
the store lacks part of the principal's policies (named on stderr); 2 on error.")]
pub struct WhoGrantsArgs {
    /// A user, group or role (name, in any case, or ARN)
    #[arg(
        long,
        value_name = "NAME_OR_ARN",
        visible_aliases = ["user", "group", "role"],
        required_unless_present = "sso_user",
        conflicts_with = "sso_user"
    )]
    pub principal: Option<String>,
    /// An IAM Identity Center user (user name, email or display name)
    #[arg(long, value_name = "USER")]
    pub sso_user: Option<String>,
    /// With --sso-user: only this permission set
    #[arg(long, value_name = "NAME", requires = "sso_user")]
    pub permission_set: Option<String>,
    /// The services: IAM prefixes (`iam`, `s3`) or event sources (`route53.amazonaws.com`)
    #[arg(long, value_name = "SERVICE", required = true, value_delimiter = ',')]
    pub service: Vec<String>,
    /// The account, when the name exists in several
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// One policy's part in granting or denying the service.
#[derive(Debug, Clone, serde::Serialize)]
struct Row {
    policy: String,
    policy_type: &'static str,
    attached: String,
    effect: &'static str,
    statements: Vec<String>,
    actions: usize,
    conditional: bool,
}

fn policy_type(key: &str) -> &'static str {
    if key.starts_with("inline:") {
        "inline"
    } else if key.contains(":iam::aws:policy/") {
        "aws_managed"
    } else {
        "customer_managed"
    }
}

/// The statements of `document` with `effect` that name actions of `service`.
fn statements_on(
    document: &PolicyDocument,
    effect: Effect,
    service: &str,
    catalog: &ActionCatalog,
) -> (Vec<String>, usize, bool) {
    let mut names = Vec::new();
    let mut actions = std::collections::BTreeSet::new();
    let mut conditional = false;
    for (i, statement) in document.statements.iter().enumerate() {
        if statement.effect != effect {
            continue;
        }
        let on_service: Vec<&str> = statement
            .actions(catalog)
            .into_iter()
            .filter(|a| {
                a.split_once(':')
                    .is_some_and(|(p, _)| p.eq_ignore_ascii_case(service))
            })
            .collect();
        if on_service.is_empty() {
            continue;
        }
        names.push(
            statement
                .sid
                .clone()
                .unwrap_or_else(|| format!("statement[{i}]")),
        );
        conditional |= !statement.condition.is_empty();
        actions.extend(on_service);
    }
    (names, actions.len(), conditional)
}

/// What one service comes to for the principal.
#[derive(Debug, serde::Serialize)]
struct ServiceAnswer {
    service: String,
    /// Some policy allows the service and nothing known takes it away again.
    granted: bool,
    policies: Vec<Row>,
    limits: Vec<String>,
}

/// `text` as an IAM service prefix: a prefix the catalogue has, or an event source host.
fn service_prefix(text: &str, catalog: &ActionCatalog) -> anyhow::Result<String> {
    let text = text.trim().to_ascii_lowercase();
    if catalog.service(&text).is_some() {
        return Ok(text);
    }
    if text.contains('.')
        && let Some(prefix) = crate::mapping::EventMapper::embedded().service_prefix(&text)
        && catalog.service(prefix).is_some()
    {
        return Ok(prefix.to_owned());
    }
    let hint = crate::nearest::closest(&text, catalog.services().iter(), |s| s.prefix.clone())
        .map(|s| format!(" (did you mean `{}`?)", s.prefix))
        .unwrap_or_default();
    bail!(
        "`{text}` is not an IAM service prefix or event source{hint} (see `trailcut catalog list`)"
    )
}

/// The policies that name `service`, and what takes it away.
fn answer(loaded: &PrincipalPolicies, service: String, catalog: &ActionCatalog) -> ServiceAnswer {
    let attached = |p: &LoadedPolicy| match p.via.group() {
        Some(group) => format!("through group {group}"),
        None => "directly".to_owned(),
    };
    let mut rows = Vec::new();
    for effect in [Effect::Allow, Effect::Deny] {
        for p in &loaded.identity {
            let (statements, actions, conditional) =
                statements_on(&p.document, effect, &service, catalog);
            if !statements.is_empty() {
                rows.push(Row {
                    policy: p.name.clone(),
                    policy_type: policy_type(&p.key),
                    attached: attached(p),
                    effect: effect.as_str(),
                    statements,
                    actions,
                    conditional,
                });
            }
        }
    }
    // Layers that can take the service away again.
    let mut limits = Vec::new();
    if let Some(b) = &loaded.boundary {
        let (allowing, _, _) = statements_on(&b.document, Effect::Allow, &service, catalog);
        if allowing.is_empty() {
            limits.push(format!(
                "the permissions boundary {} allows no {service} action",
                b.name
            ));
        }
    }
    for (entity, scps) in &loaded.scps {
        let allows = scps.iter().any(|s| {
            !statements_on(&s.document, Effect::Allow, &service, catalog)
                .0
                .is_empty()
        });
        if !allows {
            limits.push(format!(
                "no SCP attached to {entity} allows {service} actions"
            ));
        }
    }
    let granted = rows.iter().any(|r| r.effect == "Allow") && limits.is_empty();
    ServiceAnswer {
        service,
        granted,
        policies: rows,
        limits,
    }
}

/// Runs `trailcut who-grants`.
pub fn run(store: &Path, args: WhoGrantsArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let catalog = ActionCatalog::embedded();
    let mut services: Vec<String> = Vec::new();
    for text in &args.service {
        let prefix = service_prefix(text, catalog)?;
        if !services.contains(&prefix) {
            services.push(prefix);
        }
    }
    let store = super::existing_store(store)?;
    if let Some(user) = &args.sso_user {
        return sso_user(&store, user, &args, &services, catalog, out);
    }
    let who = args.principal.as_deref().unwrap_or_default();
    let loaded = runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        let principal = find_principal(&session, who, args.account.as_deref()).await?;
        load_principal(&session, principal).await
    })?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let answers: Vec<ServiceAnswer> = services
        .into_iter()
        .map(|service| answer(&loaded, service, catalog))
        .collect();
    let p = &loaded.principal;
    if args.json {
        let value = serde_json::json!({
            "principal": p.arn,
            "account_id": p.account_id,
            "services": answers,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for (i, a) in answers.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let service = &a.service;
            writeln!(out, "{} ({}) and {service}:", p.arn, p.principal_type)?;
            if a.policies.is_empty() {
                writeln!(out, "  no policy of this principal names {service} actions")?;
            } else {
                let batch = rows_batch(&a.policies)?;
                write_batches(&[batch], OutputFormat::Table, out)?;
            }
            for limit in &a.limits {
                writeln!(out, "but {limit}")?;
            }
        }
    }
    // 0 only when a policy grants every service and nothing known takes it away again.
    Ok(
        if answers.iter().all(|a| a.granted) && loaded.is_complete() {
            Status::Success
        } else {
            Status::Partial
        },
    )
}

/// `--sso-user`: the question asked of each role the user can assume.
fn sso_user(
    store: &crate::store::Store,
    user: &str,
    args: &WhoGrantsArgs,
    services: &[String],
    catalog: &ActionCatalog,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let roles = runtime()?.block_on(async {
        let session = Session::open(store).await?;
        let roles = crate::sql::sso::user_roles(
            &session,
            user,
            args.account.as_deref(),
            args.permission_set.as_deref(),
        )
        .await?;
        let mut loaded = Vec::new();
        for role in roles {
            let principal = find_principal(&session, &role.role_arn, None).await?;
            loaded.push((role, load_principal(&session, principal).await?));
        }
        anyhow::Ok(loaded)
    })?;
    let mut granted: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut complete = true;
    let mut answers = Vec::new();
    for (role, loaded) in &roles {
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
        complete &= loaded.is_complete();
        let per_service: Vec<ServiceAnswer> = services
            .iter()
            .map(|service| answer(loaded, service.clone(), catalog))
            .collect();
        for a in &per_service {
            if a.granted {
                granted.insert(
                    services
                        .iter()
                        .find(|s| **s == a.service)
                        .map(String::as_str)
                        .unwrap_or_default(),
                );
            }
        }
        answers.push((role, &loaded.principal, per_service));
    }
    if args.json {
        let value = serde_json::json!({
            "sso_user": roles.first().map(|(r, _)| r.user_name.clone()),
            "roles": answers.iter().map(|(role, p, services)| serde_json::json!({
                "account": role.account,
                "permission_set": role.permission_set,
                "held_through": role.held_through,
                "principal": p.arn,
                "services": services,
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for (i, (role, p, per_service)) in answers.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{} in account {} through permission set {} ({}; role {}):",
                role.user_name, role.account, role.permission_set, role.held_through, p.name
            )?;
            for a in per_service {
                let service = &a.service;
                if a.policies.is_empty() {
                    writeln!(
                        out,
                        "  {service}: no policy of the role names {service} actions"
                    )?;
                    continue;
                }
                writeln!(
                    out,
                    "  {service}: {}",
                    if a.granted { "granted" } else { "not granted" }
                )?;
                let batch = rows_batch(&a.policies)?;
                write_batches(&[batch], OutputFormat::Table, out)?;
                for limit in &a.limits {
                    writeln!(out, "  but {limit}")?;
                }
            }
        }
    }
    Ok(if granted.len() == services.len() && complete {
        Status::Success
    } else {
        Status::Partial
    })
}

fn rows_batch(rows: &[Row]) -> anyhow::Result<arrow::array::RecordBatch> {
    use arrow::array::{ArrayRef, BooleanArray, Int64Array, StringArray};
    use std::sync::Arc;
    let text = |f: &dyn Fn(&Row) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    Ok(arrow::array::RecordBatch::try_from_iter([
        ("effect", text(&|r| r.effect.to_owned())),
        ("policy", text(&|r| r.policy.clone())),
        ("type", text(&|r| r.policy_type.to_owned())),
        ("attached", text(&|r| r.attached.clone())),
        ("statements", text(&|r| r.statements.join(", "))),
        (
            "actions",
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.actions as i64),
            )) as ArrayRef,
        ),
        (
            "conditional",
            Arc::new(BooleanArray::from(
                rows.iter().map(|r| r.conditional).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ])?)
}
