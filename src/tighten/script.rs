//! `apply.sh`: the aws CLI commands that carry a plan out, in an order that never leaves a
//! principal with less than the plan gives it halfway (new versions before detachments,
//! detachments before deletions), for an administrator to review and run.

use std::fmt::Write as _;

use super::plan::{EntityKind, Move, Outcome, Plan, PolicyKind, PolicyPlan};

/// IAM keeps at most five versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// Where a policy's new document is written, relative to the output directory: each kind
/// in its own place, so that names never collide (an AWS managed policy's replacement and a
/// customer-managed policy of the same name, inline policies of different owners).
pub fn document_path(policy: &PolicyPlan) -> String {
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    match (&policy.kind, &policy.owner) {
        (PolicyKind::Inline, Some(owner)) => format!(
            "policies/inline/{}-{}/{}.json",
            owner.kind.as_str(),
            safe(&owner.name),
            safe(&policy.name)
        ),
        (PolicyKind::AwsManaged, _) => format!("policies/aws-managed/{}.json", safe(&policy.name)),
        _ => format!("policies/{}.json", safe(&policy.name)),
    }
}

/// A shell word: quoted unless plainly safe.
fn word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/:".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn entity_flag(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "--user-name",
        EntityKind::Group => "--group-name",
        EntityKind::Role => "--role-name",
    }
}

/// The script for `plan`; `header` lines become comments at the top. With `account`, the
/// script first checks that the credentials are that account's.
pub fn apply_script(plan: &Plan, header: &[String], account: Option<&str>) -> String {
    let mut s = String::from("#!/bin/sh\n");
    for line in header {
        let _ = writeln!(s, "# {line}");
    }
    s.push_str(
        "# Review before running. Every command is idempotent only as far as IAM makes it so.\n\
         set -eu\ncd \"$(dirname \"$0\")\"\n",
    );
    if let Some(account) = account {
        let _ = writeln!(
            s,
            "account=$(aws sts get-caller-identity --query Account --output text)\n\
             if [ \"$account\" != {} ]; then\n  \
             echo \"these changes are for account {account}, the credentials are for $account\" >&2\n  \
             exit 1\nfi",
            word(account)
        );
    }
    let mut any = false;
    // 1. New documents.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::Rewritten)
    {
        any = true;
        let path = document_path(p);
        let _ = writeln!(s, "\n# {}: {}", p.name, summary(p));
        match (&p.kind, &p.owner, &p.arn) {
            (PolicyKind::Inline, Some(owner), _) => {
                let verb = match owner.kind {
                    EntityKind::User => "put-user-policy",
                    EntityKind::Group => "put-group-policy",
                    EntityKind::Role => "put-role-policy",
                };
                let _ = writeln!(
                    s,
                    "aws iam {verb} {} {} --policy-name {} --policy-document file://{path}",
                    entity_flag(owner.kind),
                    word(&owner.name),
                    word(&p.name)
                );
            }
            (_, _, Some(arn)) => {
                if p.versions.len() >= MAX_VERSIONS {
                    // The oldest version that is not the default makes room for the new one.
                    if let Some(oldest) = p
                        .versions
                        .iter()
                        .find(|v| Some(*v) != p.default_version.as_ref())
                    {
                        let _ = writeln!(
                            s,
                            "aws iam delete-policy-version --policy-arn {} --version-id {}",
                            word(arn),
                            word(oldest)
                        );
                    }
                }
                let _ = writeln!(
                    s,
                    "aws iam create-policy-version --policy-arn {} --policy-document file://{path} --set-as-default",
                    word(arn)
                );
            }
            _ => {}
        }
    }
    // 2. Detachments and group removals.
    for m in &plan.moves {
        match m {
            Move::Detach {
                policy_key,
                policy_name,
                entity,
                why,
            } => {
                any = true;
                let verb = match entity.kind {
                    EntityKind::User => "detach-user-policy",
                    EntityKind::Group => "detach-group-policy",
                    EntityKind::Role => "detach-role-policy",
                };
                let _ = writeln!(s, "\n# {policy_name} from {}: {why}", entity.name);
                let _ = writeln!(
                    s,
                    "aws iam {verb} {} {} --policy-arn {}",
                    entity_flag(entity.kind),
                    word(&entity.name),
                    word(policy_key)
                );
            }
            Move::RemoveFromGroup { user, group, why } => {
                any = true;
                let _ = writeln!(s, "\n# {} out of {}: {why}", user.name, group.name);
                let _ = writeln!(
                    s,
                    "aws iam remove-user-from-group --group-name {} --user-name {}",
                    word(&group.name),
                    word(&user.name)
                );
            }
            _ => {}
        }
    }
    // 3. Deletions: a managed policy's other versions first, as IAM requires.
    for m in &plan.moves {
        match m {
            Move::DeletePolicy {
                policy_key,
                policy_name,
                why,
            } => {
                any = true;
                let _ = writeln!(s, "\n# delete {policy_name}: {why}");
                if let Some(p) = plan.policies.iter().find(|p| &p.key == policy_key) {
                    for v in p
                        .versions
                        .iter()
                        .filter(|v| Some(*v) != p.default_version.as_ref())
                    {
                        let _ = writeln!(
                            s,
                            "aws iam delete-policy-version --policy-arn {} --version-id {}",
                            word(policy_key),
                            word(v)
                        );
                    }
                }
                let _ = writeln!(s, "aws iam delete-policy --policy-arn {}", word(policy_key));
            }
            Move::DeleteInline {
                policy_name,
                owner,
                why,
            } => {
                any = true;
                let verb = match owner.kind {
                    EntityKind::User => "delete-user-policy",
                    EntityKind::Group => "delete-group-policy",
                    EntityKind::Role => "delete-role-policy",
                };
                let _ = writeln!(s, "\n# delete {policy_name} of {}: {why}", owner.name);
                let _ = writeln!(
                    s,
                    "aws iam {verb} {} {} --policy-name {}",
                    entity_flag(owner.kind),
                    word(&owner.name),
                    word(policy_name)
                );
            }
            _ => {}
        }
    }
    // AWS managed policies trailcut cannot edit.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::NotEditable)
    {
        let replacement = match &p.rewritten.document {
            Some(_) => format!("a customer-managed replacement is in {}", document_path(p)),
            None => "nothing of it is used".to_owned(),
        };
        let _ = writeln!(
            s,
            "\n# {} is AWS managed: not editable. {}; {replacement}",
            p.name,
            summary(p)
        );
    }
    if !any {
        s.push_str("\n# Nothing to change.\n");
    }
    s
}

/// `kept 5 of 412 services, removed 407`.
pub fn summary(p: &PolicyPlan) -> String {
    let items = &p.rewritten.items;
    if items.is_empty() {
        return "every statement kept as written".to_owned();
    }
    let kept = items.iter().filter(|i| i.decision.keeps()).count();
    let noun = match items.first().map(|i| i.name.contains(':')) {
        Some(true) => "actions",
        _ => "services",
    };
    format!(
        "keeps {kept} of {} {noun}, removes {}",
        items.len(),
        items.len() - kept
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ActionCatalog;
    use crate::policy::PolicyDocument;
    use crate::tighten::plan::Entity;
    use crate::tighten::{RewriteOptions, Usage, Visibility, rewrite};

    fn policy(name: &str, kind: PolicyKind, versions: &[&str], outcome: Outcome) -> PolicyPlan {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:CreateQueue","Resource":"*"}]}"#,
        )
        .unwrap();
        let rewritten = rewrite(
            &document,
            &Usage::default(),
            &Visibility::default(),
            &RewriteOptions::default(),
            ActionCatalog::embedded(),
        )
        .unwrap();
        let arn = format!("arn:aws:iam::123456789012:policy/{name}");
        PolicyPlan {
            key: arn.clone(),
            name: name.to_owned(),
            arn: (kind != PolicyKind::Inline).then_some(arn),
            kind,
            outcome,
            original: document,
            rewritten,
            owner: (kind == PolicyKind::Inline).then(|| Entity {
                kind: EntityKind::Role,
                name: "app role".to_owned(),
                arn: "arn:aws:iam::123456789012:role/app role".to_owned(),
            }),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            default_version: versions.last().map(|v| (*v).to_owned()),
            attached_to: Vec::new(),
            through: Vec::new(),
        }
    }

    fn commands(script: &str) -> Vec<&str> {
        script.lines().filter(|l| l.starts_with("aws ")).collect()
    }

    #[test]
    fn a_sixth_version_makes_room_and_a_deleted_policy_loses_its_versions_first() {
        let plan = Plan {
            policies: vec![
                policy(
                    "Full",
                    PolicyKind::CustomerManaged,
                    &["v1", "v2", "v3", "v4", "v5"],
                    Outcome::Rewritten,
                ),
                policy(
                    "Gone",
                    PolicyKind::CustomerManaged,
                    &["v1", "v2"],
                    Outcome::Emptied,
                ),
                policy("inline", PolicyKind::Inline, &[], Outcome::Rewritten),
            ],
            moves: vec![Move::DeletePolicy {
                policy_key: "arn:aws:iam::123456789012:policy/Gone".to_owned(),
                policy_name: "Gone".to_owned(),
                why: "unused".to_owned(),
            }],
        };
        let script = apply_script(&plan, &["test".to_owned()], Some("123456789012"));
        assert!(script.starts_with("#!/bin/sh\n# test\n"));
        assert!(script.contains("if [ \"$account\" != 123456789012 ]; then"));
        assert_eq!(
            commands(&script),
            [
                "aws iam delete-policy-version --policy-arn arn:aws:iam::123456789012:policy/Full --version-id v1",
                "aws iam create-policy-version --policy-arn arn:aws:iam::123456789012:policy/Full --policy-document file://policies/Full.json --set-as-default",
                "aws iam put-role-policy --role-name 'app role' --policy-name inline --policy-document file://policies/inline/role-app_role/inline.json",
                "aws iam delete-policy-version --policy-arn arn:aws:iam::123456789012:policy/Gone --version-id v1",
                "aws iam delete-policy --policy-arn arn:aws:iam::123456789012:policy/Gone",
            ]
        );
    }
}
