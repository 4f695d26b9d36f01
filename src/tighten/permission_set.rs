//! An IAM Identity Center permission set, tightened: one policy for every account it is
//! provisioned to, judged by every use of the roles it provisioned there.
//!
//! The permission set's inline policy and the AWS managed policies attached to it are
//! taken together as one document; the rewrite becomes its new inline policy and the AWS
//! managed policies are detached. Customer managed policy references and the permissions
//! boundary resolve to a different policy in each account: they are kept as they are, and
//! said so. The replay evaluates every successful call of each provisioned role with the
//! role's policies before and after. An assignment (a user or group, in an account) is
//! proposed for removal when the trail covers that account and nobody (for a group) or
//! not that user (for a user) used the role there, and no report about the role says
//! otherwise: the evidence rules of a group membership.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::engine::{EvidenceSource, Request, TargetName, TightenError};
use super::limits::fit;
use super::outcome::{Target, TargetKind, Tightened};
use super::plan::After;
use super::refused::{Refused, still_allowed};
use super::scope::assemble_permission_set;
use super::window::Window;
use super::{Entity, EntityKind};
use crate::catalog::ActionCatalog;
use crate::eval::principal::Via;
use crate::policy::PolicyDocument;

/// What the store knows of a permission set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSetRow {
    pub name: String,
    pub arn: String,
    pub instance_arn: Option<String>,
    /// The account that holds the Identity Center instance (its administrator runs the
    /// scripts), when `list-instances` said.
    pub owner_account: Option<String>,
    /// The inline policy's document; `None` when it has none.
    pub inline_policy: Option<String>,
    /// The AWS managed policies attached, by ARN.
    pub managed: Vec<String>,
    /// Customer managed policy references: (name, path).
    pub customer_managed: Vec<(String, String)>,
    /// The permissions boundary, as text, when it has one.
    pub boundary: Option<String>,
    pub assignments: Vec<AssignmentRow>,
    /// The roles it provisioned: (account, role ARN), from the IAM snapshots and the trail.
    pub roles: Vec<(String, String)>,
}

/// An account assignment with what the Identity Store says of its principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssignmentRow {
    pub account: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    pub principal_id: String,
    pub principal_name: Option<String>,
    /// For a user: the user's (id, name); for a group: its members'.
    pub people: Vec<(String, Option<String>)>,
}

/// One account's use of the permission set's role, person by person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountUse {
    pub account: String,
    pub role_arns: Vec<String>,
    /// Successful calls of the role in the window.
    pub events: u64,
    /// Person (session name or Identity Store user) -> successful calls; calls no rule
    /// attributes to a person are under `""`.
    pub people: BTreeMap<String, u64>,
}

/// An assignment and what becomes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentVerdict {
    #[serde(flatten)]
    pub assignment: AssignmentRow,
    /// `remove` or `keep`.
    pub verdict: &'static str,
    pub why: String,
}

/// What a permission set run found beside the plan: plan.json's `permission_set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionSetPlan {
    pub name: String,
    pub arn: String,
    pub instance_arn: Option<String>,
    pub owner_account: Option<String>,
    /// The inline policy before, as stored (rollback.sh puts it back).
    #[serde(skip)]
    pub inline_before: Option<String>,
    pub had_inline_policy: bool,
    /// AWS managed policies detached (their grants are in the new inline policy).
    pub managed_detached: Vec<String>,
    /// Customer managed policy references kept as they are.
    pub customer_managed_kept: Vec<String>,
    pub boundary_kept: Option<String>,
    pub accounts: Vec<AccountUse>,
    pub assignments: Vec<AssignmentVerdict>,
    /// The new inline policy's size in characters other than whitespace, against
    /// Identity Center's limit.
    pub inline_policy_chars: usize,
    pub inline_policy_limit: usize,
}

impl PermissionSetPlan {
    /// The Identity Center instance's ARN: as Identity Center gave it, else read from the
    /// permission set's ARN (`arn:aws:sso:::permissionSet/ssoins-X/ps-Y` is in
    /// `arn:aws:sso:::instance/ssoins-X`).
    pub fn instance(&self) -> String {
        self.instance_arn.clone().unwrap_or_else(|| {
            let (head, rest) = self
                .arn
                .split_once(":permissionSet/")
                .unwrap_or((&self.arn, ""));
            format!(
                "{head}:instance/{}",
                rest.split('/').next().unwrap_or_default()
            )
        })
    }
}

/// Identity Center's limit on an inline policy, in characters other than whitespace.
pub const INLINE_LIMIT: usize = 10_240;

/// The inline policy Identity Center writes into each role it provisions.
pub const ROLE_INLINE_POLICY: &str = "AwsSSOInlinePolicy";

fn document_of(
    row: &PermissionSetRow,
    source: &dyn EvidenceSource,
) -> Result<PolicyDocument, TightenError> {
    let mut statements = Vec::new();
    if let Some(text) = row
        .inline_policy
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        let document =
            PolicyDocument::parse(text).map_err(|source| TightenError::PermissionSetDocument {
                name: row.name.clone(),
                what: "inline policy".to_owned(),
                source,
            })?;
        statements.extend(document.statements);
    }
    for arn in &row.managed {
        let found = row
            .roles
            .iter()
            .map(|(account, _)| account)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .find_map(|account| source.policy(account, arn).ok());
        let Some(policy) = found else {
            return Err(TightenError::PermissionSetPolicyUnknown {
                name: row.name.clone(),
                policy: arn.clone(),
            });
        };
        statements.extend(policy.document.statements);
    }
    if statements.is_empty() {
        return Err(TightenError::NoPolicies(row.arn.clone()));
    }
    Ok(PolicyDocument {
        version: Some("2012-10-17".to_owned()),
        id: None,
        statements,
        statement_form: crate::policy::ListForm::Array,
    })
}

/// Characters other than whitespace, as IAM and Identity Center count a policy's size.
fn chars(document: &PolicyDocument) -> usize {
    document
        .to_json_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// Tightens the permission set `request.target` names.
pub fn tighten_permission_set(
    request: &Request,
    source: &dyn EvidenceSource,
    catalog: &ActionCatalog,
) -> Result<Tightened, TightenError> {
    let TargetName::PermissionSet(name) = &request.target else {
        unreachable!("called for a permission set");
    };
    let row = match source.permission_set(name)? {
        Some(row) => row,
        None => {
            let names = source.permission_set_names()?;
            return Err(TightenError::NoPermissionSet {
                name: name.clone(),
                hint: crate::nearest::closest(&name.to_ascii_lowercase(), names.iter(), |n| {
                    n.to_ascii_lowercase()
                })
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_else(|| {
                    if names.is_empty() {
                        ": the store has no Identity Center outputs (trailcut sso ingest)"
                            .to_owned()
                    } else {
                        format!(": the store has {}", names.join(", "))
                    }
                }),
            });
        }
    };
    let roles: BTreeSet<String> = row.roles.iter().map(|(_, arn)| arn.clone()).collect();
    if roles.is_empty() {
        return Err(TightenError::NoProvisionedRoles(row.name.clone()));
    }
    let accounts: Vec<String> = row
        .assignments
        .iter()
        .map(|a| a.account.clone())
        .chain(row.roles.iter().map(|(account, _)| account.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (window, sources) =
        super::engine::window_and_sources(source, &request.window, request.evidence)?;
    let (sources, mut warnings) =
        super::engine::covered(source, &accounts, &window, sources, request.partial_trail)?;
    let document = document_of(&row, source)?;
    let owner = Entity {
        kind: EntityKind::Role,
        name: row.name.clone(),
        arn: row.arn.clone(),
    };
    let level = request.options.level;
    let scope = assemble_permission_set(source, &owner, document, &roles, &window, sources, level)?;
    let refused = Refused::of(&scope, catalog);
    let fitted = fit(&scope, &request.options, catalog)?;
    warnings.extend(fitted.warning);
    let plan = fitted.plan;
    for (name, path) in &row.customer_managed {
        warnings.push(format!(
            "customer managed policy reference {path}{name} is kept as it is: it names a \
             different policy in each account; tighten it there with --policy {name} --account ID"
        ));
    }
    if let Some(boundary) = &row.boundary {
        warnings.push(format!(
            "the permissions boundary {boundary} is kept as it is"
        ));
    }
    let new_document = plan
        .policies
        .first()
        .and_then(|p| p.rewritten.document.clone());
    let inline_policy_chars = new_document.as_ref().map(chars).unwrap_or(0);
    if inline_policy_chars > INLINE_LIMIT {
        warnings.push(format!(
            "the new inline policy is {inline_policy_chars} characters, over Identity Center's \
             {INLINE_LIMIT}: use --level service, or move part of it to a customer managed policy"
        ));
    }
    let managed: BTreeSet<&str> = row.managed.iter().map(String::as_str).collect();
    let changes = plan.policies.first().is_some_and(|p| p.outcome.cuts());
    let swapper = |_: &str, p: &crate::eval::principal::LoadedPolicy| -> After<'_> {
        let from_set = matches!(p.via, Via::Direct)
            && (managed.contains(p.key.as_str())
                || (p.key.starts_with("inline:") && p.name == ROLE_INLINE_POLICY));
        match (from_set && changes, new_document.as_ref()) {
            (true, Some(document)) => After::Replace(document),
            (true, None) => After::Drop,
            (false, _) => After::Keep,
        }
    };
    let replay = super::engine::replay(source, &swapper, &roles, &window)?;
    let still_allowed = still_allowed(&plan, catalog);
    let people = source.people_of(&roles, &window)?;
    let mut by_account: BTreeMap<String, AccountUse> = BTreeMap::new();
    for (account, arn) in &row.roles {
        let entry = by_account
            .entry(account.clone())
            .or_insert_with(|| AccountUse {
                account: account.clone(),
                role_arns: Vec::new(),
                events: 0,
                people: BTreeMap::new(),
            });
        entry.role_arns.push(arn.clone());
        for (person, n) in people.get(arn).into_iter().flatten() {
            entry.events += n;
            *entry.people.entry(person.clone()).or_default() += n;
        }
    }
    for account in &accounts {
        by_account
            .entry(account.clone())
            .or_insert_with(|| AccountUse {
                account: account.clone(),
                role_arns: Vec::new(),
                events: 0,
                people: BTreeMap::new(),
            });
    }
    let reported = reported_use(source, &roles, &window)?;
    // The accounts whose own trail covers the window, each judged alone: another
    // account's trail says nothing of this one's use.
    let coverage = source.trail_coverage(&accounts)?;
    let covered: BTreeSet<&str> = accounts
        .iter()
        .filter(|account| {
            sources.trail()
                && !request.partial_trail
                && super::coverage::check_trail(
                    &coverage,
                    std::slice::from_ref(*account),
                    &window,
                    super::window::Sources::Trail,
                    false,
                )
                .is_ok_and(|(_, warnings)| warnings.is_empty())
        })
        .map(String::as_str)
        .collect();
    let assignments = row
        .assignments
        .iter()
        .map(|a| {
            verdict(
                a,
                &by_account,
                &row,
                &reported,
                covered.contains(a.account.as_str()),
            )
        })
        .collect();
    let target = Target {
        kind: TargetKind::PermissionSet,
        name: row.name.clone(),
        arn: row.arn.clone(),
        account: row.owner_account.clone().unwrap_or_default(),
    };
    let ps_plan = PermissionSetPlan {
        name: row.name.clone(),
        arn: row.arn.clone(),
        instance_arn: row.instance_arn.clone(),
        owner_account: row.owner_account.clone(),
        inline_before: row.inline_policy.clone().filter(|t| !t.trim().is_empty()),
        had_inline_policy: row
            .inline_policy
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty()),
        managed_detached: if changes {
            row.managed.clone()
        } else {
            Vec::new()
        },
        customer_managed_kept: row
            .customer_managed
            .iter()
            .map(|(name, path)| format!("{path}{name}"))
            .collect(),
        boundary_kept: row.boundary.clone(),
        accounts: by_account.into_values().collect(),
        assignments,
        inline_policy_chars,
        inline_policy_limit: INLINE_LIMIT,
    };
    Ok(Tightened {
        target,
        window,
        sources,
        level,
        warnings,
        plan,
        refused,
        still_allowed,
        replay,
        permission_set: Some(ps_plan),
    })
}

/// The roles a last-accessed report shows used in the window.
fn reported_use(
    source: &dyn EvidenceSource,
    roles: &BTreeSet<String>,
    window: &Window,
) -> Result<BTreeSet<String>, TightenError> {
    Ok(source
        .report_usage(roles, window)?
        .into_iter()
        .filter(|(_, r)| !r.usage.actions.is_empty() || !r.usage.services.is_empty())
        .map(|(role, _)| role)
        .collect())
}

fn verdict(
    a: &AssignmentRow,
    by_account: &BTreeMap<String, AccountUse>,
    row: &PermissionSetRow,
    reported: &BTreeSet<String>,
    trail_counts: bool,
) -> AssignmentVerdict {
    let keep = |why: String| AssignmentVerdict {
        assignment: a.clone(),
        verdict: "keep",
        why,
    };
    let used = by_account.get(&a.account);
    let role_arns: Vec<&String> = row
        .roles
        .iter()
        .filter(|(account, _)| account == &a.account)
        .map(|(_, arn)| arn)
        .collect();
    if role_arns.iter().any(|arn| reported.contains(*arn)) {
        return keep("a last-accessed report shows the role used in the window".to_owned());
    }
    if !trail_counts {
        return keep(format!(
            "the trail of account {} does not count for the whole window: no removal without it",
            a.account
        ));
    }
    let events = used.map(|u| u.events).unwrap_or(0);
    let who = a
        .principal_name
        .clone()
        .unwrap_or_else(|| a.principal_id.clone());
    match a.principal_type.as_str() {
        "GROUP" if events == 0 => AssignmentVerdict {
            assignment: a.clone(),
            verdict: "remove",
            why: format!(
                "nobody used the permission set in account {} in the window (group {who})",
                a.account
            ),
        },
        "GROUP" => keep(format!("used in account {}: {events} calls", a.account)),
        // Without the user's name the sessions cannot be told apart: no verdict.
        "USER" if !a.people.iter().any(|(_, name)| name.is_some()) => keep(format!(
            "the Identity Store outputs do not name user {}: whose sessions are theirs is unknown",
            a.principal_id
        )),
        "USER" => {
            // Session names are the user name as typed at sign-in: matched in any case.
            let names: BTreeSet<String> = a
                .people
                .iter()
                .flat_map(|(id, name)| [Some(id.clone()), name.clone()])
                .flatten()
                .chain(std::iter::once(a.principal_id.clone()))
                .map(|n| n.to_lowercase())
                .collect();
            let theirs: u64 = used
                .map(|u| {
                    u.people
                        .iter()
                        .filter(|(p, _)| names.contains(&p.to_lowercase()))
                        .map(|(_, n)| *n)
                        .sum()
                })
                .unwrap_or(0);
            if theirs == 0 {
                AssignmentVerdict {
                    assignment: a.clone(),
                    verdict: "remove",
                    why: format!(
                        "{who} did not use the permission set in account {} in the window",
                        a.account
                    ),
                }
            } else {
                keep(format!(
                    "{who} used it in account {}: {theirs} calls",
                    a.account
                ))
            }
        }
        other => keep(format!("principal type {other} is not judged")),
    }
}
