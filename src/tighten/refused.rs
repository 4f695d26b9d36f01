//! Refused calls, and AWS managed policies that keep allowing what a rewrite removed: what
//! a plan cannot fix by rewriting, said next to it.

use std::collections::{BTreeMap, BTreeSet};

use super::{Entity, Evidence, Move, Outcome, Plan, PolicyKind, Scope, service_of};
use crate::catalog::ActionCatalog;

/// Refused calls of the principals the scope's policies reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refused {
    /// Actions no policy of the scope allows: needed, perhaps, never added.
    pub not_granted: BTreeMap<String, Evidence>,
    /// Actions a policy of the scope allows, refused by something else (a condition, a
    /// Deny, a boundary, an SCP, a resource policy).
    pub although_granted: BTreeMap<String, Evidence>,
    /// Services whose reported use is a refused attempt.
    pub attempts: BTreeMap<String, Evidence>,
}

impl Refused {
    /// The refused calls recorded in the usage of `scope`'s policies, split by whether a
    /// policy of the scope allows them.
    pub fn of(scope: &Scope, catalog: &ActionCatalog) -> Refused {
        let documents: Vec<&crate::policy::PolicyDocument> =
            scope.policies.iter().map(|p| &p.document).collect();
        let allowed = crate::policy::allowed_actions_of(&documents, catalog);
        let mut refused = Refused::default();
        for p in &scope.policies {
            for (action, e) in &p.usage.denied {
                let list = if allowed.contains(action.as_str()) {
                    &mut refused.although_granted
                } else {
                    &mut refused.not_granted
                };
                list.entry(action.clone()).or_insert_with(|| e.clone());
            }
            for (service, e) in &p.usage.attempts {
                refused
                    .attempts
                    .entry(service.clone())
                    .or_insert_with(|| e.clone());
            }
        }
        refused
    }
}

/// An AWS managed policy left in place that still allows what a rewrite removed from
/// another policy: until it is detached, the effective permissions do not shrink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StillAllowed {
    pub policy: String,
    /// How many of the removed services or actions it allows.
    pub removed_items_it_allows: usize,
}

/// The AWS managed policies of `plan` that still reach the scope and allow some of what
/// its rewrites removed.
pub fn still_allowed(plan: &Plan, catalog: &ActionCatalog) -> Vec<StillAllowed> {
    let removed: BTreeSet<&str> = plan
        .policies
        .iter()
        .filter(|p| p.outcome.cuts())
        .flat_map(|p| p.rewritten.removed().map(|i| i.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for p in plan
        .policies
        .iter()
        .filter(|p| p.kind == PolicyKind::AwsManaged && p.outcome != Outcome::Replaced)
    {
        // Does it still reach the scope through an identity it stays attached to?
        let gone = |e: &Entity| {
            plan.detaches(&p.key, e)
                || plan
                    .moves
                    .iter()
                    .any(|m| matches!(m, Move::RemoveFromGroup { group, .. } if group == e))
        };
        if p.through.iter().all(gone) || p.outcome == Outcome::LeftWithGroup {
            continue;
        }
        let allows = p.original.allowed_actions(catalog);
        let count = removed
            .iter()
            .filter(|name| match name.split_once(':') {
                Some(_) => allows.contains(*name),
                None => allows
                    .iter()
                    .any(|a| service_of(a).eq_ignore_ascii_case(name)),
            })
            .count();
        if count > 0 {
            out.push(StillAllowed {
                policy: p.name.clone(),
                removed_items_it_allows: count,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::testing::{entity, policy, used};
    use crate::tighten::{EntityKind, RewriteOptions, Source};

    #[test]
    fn refused_calls_are_split_by_whether_a_policy_of_the_scope_allows_them() {
        let alice = entity(EntityKind::User, "alice");
        let mut usage = used(&alice.arn, &["s3:GetObject"]);
        let refused = Evidence::one(Source::Trail, &alice.arn, Some(5), 1);
        usage
            .denied
            .insert("s3:PutObject".to_owned(), refused.clone());
        usage
            .denied
            .insert("iam:CreateUser".to_owned(), refused.clone());
        usage.attempts.insert("kms".to_owned(), refused.clone());
        let scope = Scope {
            policies: vec![policy(
                "S3",
                PolicyKind::CustomerManaged,
                r#""s3:*""#,
                &[alice],
                usage,
            )],
            ..Scope::default()
        };
        let split = Refused::of(&scope, ActionCatalog::embedded());
        assert_eq!(
            split.although_granted.keys().collect::<Vec<_>>(),
            ["s3:PutObject"]
        );
        assert_eq!(
            split.not_granted.keys().collect::<Vec<_>>(),
            ["iam:CreateUser"]
        );
        assert_eq!(split.attempts.keys().collect::<Vec<_>>(), ["kms"]);
    }

    #[test]
    fn an_aws_managed_policy_left_attached_still_allows_what_a_rewrite_removed() {
        let catalog = ActionCatalog::embedded();
        let bob = entity(EntityKind::User, "bob");
        let scope = Scope {
            policies: vec![
                // Used: s3 only; the rewrite removes ec2.
                policy(
                    "Mine",
                    PolicyKind::CustomerManaged,
                    r#"["s3:GetObject", "ec2:DescribeInstances"]"#,
                    std::slice::from_ref(&bob),
                    used(&bob.arn, &["s3:GetObject"]),
                ),
                // AWS managed, used for s3 too, so it stays attached; it allows ec2.
                policy(
                    "AmazonEC2AndS3",
                    PolicyKind::AwsManaged,
                    r#"["s3:GetObject", "ec2:DescribeInstances"]"#,
                    std::slice::from_ref(&bob),
                    used(&bob.arn, &["s3:GetObject"]),
                ),
            ],
            ..Scope::default()
        };
        let plan = crate::tighten::plan(&scope, &RewriteOptions::default(), catalog).unwrap();
        let still = still_allowed(&plan, catalog);
        assert_eq!(
            still,
            [StillAllowed {
                policy: "AmazonEC2AndS3".to_owned(),
                removed_items_it_allows: 1
            }]
        );
    }
}
