//! What a plan changes, as infrastructure code states it: new documents (of policies that
//! exist, which the code adopts, or that the change creates), removals with the stage the
//! scripts carry them out in, and notes for what the code does not carry out. Built from a
//! `Tightened` (a user, group, role, policy or permission set) or an `ScpTightened`, in
//! the order apply.sh and cleanup.sh take the same steps.

use super::super::engine::ScpTightened;
use super::super::permission_set::{AssignmentRow, PermissionSetPlan};
use super::super::plan::{Entity, Move, Outcome, Plan, PolicyKind};
use super::super::script::{document_path, scp_document_path, summary};

/// One change of a plan, as infrastructure code states it.
#[derive(Debug)]
pub(crate) enum Change<'a> {
    /// A customer managed policy's new document: an existing policy (adopted and updated)
    /// or the new replacement of an AWS managed one.
    ManagedPolicy(ManagedPolicy<'a>),
    /// An inline policy's new document.
    InlinePolicy(InlinePolicy<'a>),
    /// A permission set's new inline policy.
    PermissionSetInline(PermissionSetInline<'a>),
    /// An SCP's new content.
    Scp(Scp<'a>),
    /// Something that goes.
    Removal(Removal<'a>),
    /// What the code does not carry out, for the reader (an AWS managed policy trailcut
    /// cannot edit, a reference it keeps as it is).
    Note(String),
}

/// A customer managed policy's new document.
#[derive(Debug)]
pub(crate) struct ManagedPolicy<'a> {
    pub name: String,
    /// Its path (`/`, `/team/`).
    pub path: String,
    /// The policy's ARN when it exists (it is adopted: imported, then updated); `None`
    /// for a policy the change creates.
    pub existing: Option<&'a str>,
    /// A new policy's description.
    pub description: Option<String>,
    /// The document as `file` holds it.
    pub document: String,
    /// The document's path under the output directory.
    pub file: String,
    /// Identities it stays attached to, as they are.
    pub attached: Vec<&'a Entity>,
    /// Identities the change attaches it to (a replacement's).
    pub attach: Vec<&'a Entity>,
    /// One line about it: what it keeps.
    pub note: String,
}

/// An inline policy's new document.
#[derive(Debug)]
pub(crate) struct InlinePolicy<'a> {
    pub owner: &'a Entity,
    pub name: &'a str,
    pub document: String,
    pub file: String,
    pub note: String,
}

/// A permission set's new inline policy.
#[derive(Debug)]
pub(crate) struct PermissionSetInline<'a> {
    pub set: &'a PermissionSetPlan,
    pub instance: String,
    /// Whether the set had an inline policy (then it is adopted).
    pub existing: bool,
    pub document: String,
    pub file: String,
    pub note: String,
}

/// An SCP's new content.
#[derive(Debug)]
pub(crate) struct Scp<'a> {
    pub name: &'a str,
    pub id: &'a str,
    /// The content as `file` holds it (pretty when that fits Organizations' limit).
    pub content: String,
    pub file: String,
    /// The ids of the roots, OUs and accounts it is attached to.
    pub targets: Vec<&'a str>,
    pub note: String,
}

/// When a removal is carried out: with the change (apply.sh), or once the change has proven
/// itself (cleanup.sh: deletions, which no rollback brings back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Apply,
    Cleanup,
}

/// Something a plan takes away.
#[derive(Debug)]
pub(crate) enum Removal<'a> {
    /// A managed policy detached from an identity.
    Detach {
        entity: &'a Entity,
        policy_arn: &'a str,
        policy_name: &'a str,
        why: String,
    },
    /// A user taken out of a group.
    RemoveFromGroup {
        user: &'a Entity,
        group: &'a Entity,
        why: &'a str,
    },
    /// A customer managed policy deleted.
    DeletePolicy {
        arn: &'a str,
        name: &'a str,
        why: &'a str,
    },
    /// An inline policy deleted from its owner.
    DeleteInline {
        owner: &'a Entity,
        name: &'a str,
        why: &'a str,
    },
    /// An AWS managed policy detached from a permission set.
    DetachFromPermissionSet {
        set: &'a PermissionSetPlan,
        instance: String,
        policy_arn: &'a str,
    },
    /// A permission set's inline policy deleted (nothing of it was used).
    DeletePermissionSetInline {
        set: &'a PermissionSetPlan,
        instance: String,
    },
    /// An account assignment of a permission set removed.
    DeleteAssignment {
        set: &'a PermissionSetPlan,
        instance: String,
        assignment: &'a AssignmentRow,
        why: &'a str,
    },
}

impl Removal<'_> {
    /// When it is carried out, as the scripts do it.
    pub fn stage(&self) -> Stage {
        match self {
            Removal::DeletePolicy { .. }
            | Removal::DeleteInline { .. }
            | Removal::DeleteAssignment { .. } => Stage::Cleanup,
            _ => Stage::Apply,
        }
    }

    /// One line about it.
    pub fn describe(&self) -> String {
        match self {
            Removal::Detach {
                entity,
                policy_name,
                why,
                ..
            } => format!(
                "detach {policy_name} from {} {}: {why}",
                entity.kind.as_str(),
                entity.name
            ),
            Removal::RemoveFromGroup { user, group, why } => {
                format!("take {} out of group {}: {why}", user.name, group.name)
            }
            Removal::DeletePolicy { name, why, .. } => format!("delete {name}: {why}"),
            Removal::DeleteInline { owner, name, why } => format!(
                "delete {name} of {} {}: {why}",
                owner.kind.as_str(),
                owner.name
            ),
            Removal::DetachFromPermissionSet {
                set, policy_arn, ..
            } => format!(
                "detach {policy_arn} from permission set {}: its used grants are in the inline \
                 policy",
                set.name
            ),
            Removal::DeletePermissionSetInline { set, .. } => format!(
                "delete the inline policy of permission set {}: nothing of it was used",
                set.name
            ),
            Removal::DeleteAssignment {
                set,
                assignment: a,
                why,
                ..
            } => format!(
                "remove the assignment of permission set {} to {} {} in account {}: {why}",
                set.name,
                a.principal_type.to_ascii_lowercase(),
                a.principal_name.as_deref().unwrap_or(&a.principal_id),
                a.account
            ),
        }
    }
}

/// A new document as `--out` writes it (`policies/*.json`).
fn document_text(document: &crate::policy::PolicyDocument) -> String {
    document.to_json_string_pretty() + "\n"
}

/// The path of a customer managed policy, from its ARN (`arn:aws:iam::1:policy/a/b/N` is
/// in `/a/b/`).
pub(super) fn policy_path(arn: &str) -> String {
    match arn.split_once(":policy/") {
        Some((_, rest)) => match rest.rfind('/') {
            Some(at) => format!("/{}", &rest[..=at]),
            None => "/".to_owned(),
        },
        None => "/".to_owned(),
    }
}

/// What a user, group, role or policy plan changes, in the order apply.sh and cleanup.sh
/// carry it out.
pub(super) fn plan_changes(plan: &Plan) -> Vec<Change<'_>> {
    let mut changes = Vec::new();
    // 1. New documents.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::Rewritten)
    {
        let Some(document) = &p.rewritten.document else {
            continue;
        };
        let note = format!("{}: {}", p.name, summary(p));
        match (&p.kind, &p.owner, &p.arn) {
            (PolicyKind::Inline, Some(owner), _) => {
                changes.push(Change::InlinePolicy(InlinePolicy {
                    owner,
                    name: &p.name,
                    document: document_text(document),
                    file: document_path(p),
                    note,
                }));
            }
            (_, _, Some(arn)) => changes.push(Change::ManagedPolicy(ManagedPolicy {
                name: p.name.clone(),
                path: policy_path(arn),
                existing: Some(arn),
                description: None,
                document: document_text(document),
                file: document_path(p),
                attached: p
                    .attached_to
                    .iter()
                    .filter(|e| !plan.detaches(&p.key, e))
                    .collect(),
                attach: Vec::new(),
                note,
            })),
            _ => {}
        }
    }
    // 2. Replacements of AWS managed policies where they stay attached: the new policy,
    // attached, then the AWS managed one detached.
    for r in plan.replacements() {
        let p = r.policy;
        let Some(document) = &p.rewritten.document else {
            continue;
        };
        changes.push(Change::ManagedPolicy(ManagedPolicy {
            note: r.note(&summary(p)),
            description: Some(r.description()),
            name: r.name.clone(),
            path: "/".to_owned(),
            existing: None,
            document: document_text(document),
            file: document_path(p),
            attached: Vec::new(),
            attach: r.staying.clone(),
        }));
        for entity in r.staying {
            changes.push(Change::Removal(Removal::Detach {
                entity,
                policy_arn: r.managed,
                policy_name: &p.name,
                why: format!("{} replaces it", r.name),
            }));
        }
    }
    // 3. Detachments and group removals, then (cleanup.sh's) deletions.
    for m in &plan.moves {
        changes.push(Change::Removal(match m {
            Move::Detach {
                policy_key,
                policy_name,
                entity,
                why,
            } => Removal::Detach {
                entity,
                policy_arn: policy_key,
                policy_name,
                why: why.clone(),
            },
            Move::RemoveFromGroup { user, group, why } => {
                Removal::RemoveFromGroup { user, group, why }
            }
            Move::DeletePolicy {
                policy_key,
                policy_name,
                why,
            } => Removal::DeletePolicy {
                arn: policy_key,
                name: policy_name,
                why,
            },
            Move::DeleteInline {
                policy_name,
                owner,
                why,
            } => Removal::DeleteInline {
                owner,
                name: policy_name,
                why,
            },
        }));
    }
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::NotEditable)
    {
        changes.push(Change::Note(match &p.rewritten.document {
            Some(_) => format!(
                "{} is AWS managed: not editable ({}). A customer-managed replacement is in \
                 {}; tighten --replace-aws-managed writes it here",
                p.name,
                summary(p),
                document_path(p)
            ),
            None => format!(
                "{} is AWS managed: not editable; nothing of it is used",
                p.name
            ),
        }));
    }
    changes
}

/// What a permission set's plan changes.
pub(super) fn permission_set_changes<'a>(
    plan: &'a Plan,
    set: &'a PermissionSetPlan,
) -> Vec<Change<'a>> {
    let mut changes = Vec::new();
    let instance = set.instance();
    match plan.policies.first() {
        Some(p) if p.outcome == Outcome::Rewritten => {
            if let Some(document) = &p.rewritten.document {
                changes.push(Change::PermissionSetInline(PermissionSetInline {
                    set,
                    instance: instance.clone(),
                    existing: set.had_inline_policy,
                    document: document_text(document),
                    file: document_path(p),
                    note: format!(
                        "permission set {}: the new inline policy ({})",
                        set.name,
                        summary(p)
                    ),
                }));
            }
        }
        Some(p) if p.outcome == Outcome::Emptied && set.had_inline_policy => {
            changes.push(Change::Removal(Removal::DeletePermissionSetInline {
                set,
                instance: instance.clone(),
            }));
        }
        _ => {}
    }
    for arn in &set.managed_detached {
        changes.push(Change::Removal(Removal::DetachFromPermissionSet {
            set,
            instance: instance.clone(),
            policy_arn: arn,
        }));
    }
    for v in set.assignments.iter().filter(|v| v.verdict == "remove") {
        changes.push(Change::Removal(Removal::DeleteAssignment {
            set,
            instance: instance.clone(),
            assignment: &v.assignment,
            why: &v.why,
        }));
    }
    for kept in &set.customer_managed_kept {
        changes.push(Change::Note(format!(
            "customer managed policy reference {kept} is kept as it is"
        )));
    }
    if let Some(boundary) = &set.boundary_kept {
        changes.push(Change::Note(format!(
            "the permissions boundary {boundary} is kept as it is"
        )));
    }
    changes
}

/// What an SCP-mode run changes.
pub(super) fn scp_changes(t: &ScpTightened) -> Vec<Change<'_>> {
    let Some(text) = &t.rewrite.text else {
        return Vec::new();
    };
    let denied = t.denied();
    vec![Change::Scp(Scp {
        name: &t.scope.name,
        id: &t.scope.id,
        content: format!("{text}\n"),
        file: scp_document_path(&t.scope.name),
        targets: t
            .scope
            .targets
            .iter()
            .map(|path| path.rsplit('/').next().unwrap_or(path))
            .collect(),
        note: format!(
            "deny {}: unused by every account under the SCP's targets in the window",
            denied.join(", ")
        ),
    })]
}
