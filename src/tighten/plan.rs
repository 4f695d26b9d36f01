//! A scope's policies, attachments and group memberships turned into a plan: documents
//! rewritten, policies detached where nobody they reach through that attachment used them,
//! users taken out of groups whose permissions they no longer use, policies left empty
//! deleted.
//!
//! Each policy is judged by everyone it reaches in the account (a group's policy serves
//! every member, a managed policy every identity it is attached to), each attachment by the
//! principals behind it, each membership by the user alone. A policy with a statement the
//! rewrite keeps as it is (a Deny, a condition, a pinned Sid) is never detached: dropping
//! a Deny would widen what is allowed.

use std::collections::BTreeSet;

use crate::catalog::ActionCatalog;
use crate::policy::PolicyDocument;

use super::rewrite::{RewriteError, RewriteOptions, Rewritten, rewrite};
use super::{Usage, Visibility};

/// What kind of identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    User,
    Group,
    Role,
}

impl EntityKind {
    /// `user`, `group` or `role`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
        }
    }

    /// From `user`, `group` or `role`.
    pub fn parse(text: &str) -> Option<EntityKind> {
        match text {
            "user" => Some(EntityKind::User),
            "group" => Some(EntityKind::Group),
            "role" => Some(EntityKind::Role),
            _ => None,
        }
    }
}

/// A user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub name: String,
    pub arn: String,
}

/// Who owns a policy, which decides what can be done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// Written by AWS: it can be detached, not edited.
    AwsManaged,
    /// The account's own managed policy: new versions, detach, delete.
    CustomerManaged,
    /// Embedded in one user, group or role.
    Inline,
}

/// A policy of the scope, with the evidence over everyone it reaches.
#[derive(Debug, Clone)]
pub struct ScopePolicy {
    /// The managed policy's ARN, or `inline:...`.
    pub key: String,
    pub name: String,
    pub arn: Option<String>,
    pub kind: PolicyKind,
    /// The current (default) document.
    pub document: PolicyDocument,
    /// Inline: the identity it is embedded in.
    pub owner: Option<Entity>,
    /// Managed: every identity of the account it is attached to.
    pub attached_to: Vec<Entity>,
    /// Customer-managed: its version ids, oldest first, and the default.
    pub versions: Vec<String>,
    pub default_version: Option<String>,
    /// The identities of the scope it reaches the scope through (the scope's user, role or
    /// group, or a group of the scope's user).
    pub through: Vec<Entity>,
    /// What everyone it reaches did in the window.
    pub usage: Usage,
    pub visibility: Visibility,
    /// How many principals of the account have it as their permissions boundary.
    pub boundary_of: usize,
}

/// A managed policy attached to an identity of the scope, with the evidence of the
/// principals behind that identity (a group's members, or the user or role itself).
#[derive(Debug, Clone)]
pub struct ScopeAttachment {
    pub policy_key: String,
    pub entity: Entity,
    pub usage: Usage,
    pub visibility: Visibility,
}

/// The scope's user in one of its groups, with the user's own evidence.
#[derive(Debug, Clone)]
pub struct ScopeMembership {
    pub user: Entity,
    pub group: Entity,
    /// The group's policies (keys of [`Scope::policies`]).
    pub policy_keys: Vec<String>,
    pub usage: Usage,
    pub visibility: Visibility,
}

/// Everything a tightening looks at.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub policies: Vec<ScopePolicy>,
    pub attachments: Vec<ScopeAttachment>,
    pub memberships: Vec<ScopeMembership>,
}

/// What becomes of one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Everything it grants is in use (or kept as it is).
    Unchanged,
    /// A new, smaller document.
    Rewritten,
    /// Nobody it reaches used anything it grants: detached everywhere and deleted.
    Emptied,
    /// An AWS managed policy with unused grants: trailcut cannot edit it. Detached where
    /// nobody used it; elsewhere the report lists what it would cut.
    NotEditable,
    /// An AWS managed policy with unused grants, replaced (`--replace-aws-managed`) where
    /// it stays attached by a customer-managed copy of its rewrite
    /// ([`replacement_name`]), then detached.
    Replaced,
    /// Reached the scope only through groups the user leaves.
    LeftWithGroup,
    /// A permissions boundary of some principal: its document limits them, so it is not
    /// rewritten (it may still be detached where it is unused as a permissions policy).
    Boundary,
}

/// One policy's plan.
#[derive(Debug, Clone)]
pub struct PolicyPlan {
    pub key: String,
    pub name: String,
    pub arn: Option<String>,
    pub kind: PolicyKind,
    pub outcome: Outcome,
    /// The document as it is.
    pub original: PolicyDocument,
    pub rewritten: Rewritten,
    pub owner: Option<Entity>,
    pub versions: Vec<String>,
    pub default_version: Option<String>,
    pub attached_to: Vec<Entity>,
    /// The identities of the scope it reaches the scope through.
    pub through: Vec<Entity>,
}

/// A change besides new documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "move", rename_all = "kebab-case")]
pub enum Move {
    /// Detach a managed policy from an identity.
    Detach {
        policy_key: String,
        policy_name: String,
        entity: Entity,
        why: String,
    },
    /// Take a user out of a group.
    RemoveFromGroup {
        user: Entity,
        group: Entity,
        why: String,
    },
    /// Delete a customer-managed policy (after detaching it everywhere).
    DeletePolicy {
        policy_key: String,
        policy_name: String,
        why: String,
    },
    /// Delete an inline policy from its owner.
    DeleteInline {
        policy_name: String,
        owner: Entity,
        why: String,
    },
}

/// The plan for a scope.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub policies: Vec<PolicyPlan>,
    pub moves: Vec<Move>,
}

/// What a principal's identity policy becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum After<'p> {
    /// As it was.
    Keep,
    /// A new document.
    Replace(&'p PolicyDocument),
    /// Gone: detached, deleted, or through a group the principal leaves.
    Drop,
}

impl Outcome {
    /// Whether the policy loses grants: a new document, emptied, or replaced.
    pub fn cuts(self) -> bool {
        matches!(
            self,
            Outcome::Rewritten | Outcome::Emptied | Outcome::Replaced
        )
    }
}

impl Plan {
    /// Whether the plan detaches the managed policy `key` from `entity`.
    pub fn detaches(&self, key: &str, entity: &Entity) -> bool {
        self.moves.iter().any(|m| {
            matches!(m, Move::Detach { policy_key, entity: e, .. } if policy_key == key && e == entity)
        })
    }

    /// Whether anything changes.
    pub fn changes(&self) -> bool {
        !self.moves.is_empty()
            || self
                .policies
                .iter()
                .any(|p| matches!(p.outcome, Outcome::Rewritten | Outcome::Replaced))
    }

    /// What the policy `key`, reaching the principal `principal_arn` directly or through
    /// the group `via_group`, becomes.
    pub fn after(&self, principal_arn: &str, key: &str, via_group: Option<&str>) -> After<'_> {
        for m in &self.moves {
            match m {
                Move::RemoveFromGroup { user, group, .. }
                    if user.arn == principal_arn && via_group == Some(group.name.as_str()) =>
                {
                    return After::Drop;
                }
                Move::Detach {
                    policy_key, entity, ..
                } if policy_key == key => {
                    let through = match via_group {
                        Some(group) => entity.kind == EntityKind::Group && entity.name == group,
                        None => entity.arn == principal_arn,
                    };
                    if through {
                        return After::Drop;
                    }
                }
                Move::DeletePolicy { policy_key, .. } if policy_key == key => return After::Drop,
                _ => {}
            }
        }
        match self.policies.iter().find(|p| p.key == key) {
            Some(p) if p.outcome == Outcome::Emptied => After::Drop,
            Some(p) if matches!(p.outcome, Outcome::Rewritten | Outcome::Replaced) => {
                match &p.rewritten.document {
                    Some(document) => After::Replace(document),
                    None => After::Drop,
                }
            }
            _ => After::Keep,
        }
    }
}

/// An AWS managed policy `--replace-aws-managed` replaces where it stays attached: a new
/// customer-managed policy is created and attached, then the AWS managed one detached.
#[derive(Debug)]
pub struct Replacement<'a> {
    pub policy: &'a PolicyPlan,
    /// The AWS managed policy's ARN.
    pub managed: &'a str,
    /// The new policy's name ([`replacement_name`]).
    pub name: String,
    /// The identities it stays attached to (those the plan does not detach it from).
    pub staying: Vec<&'a Entity>,
}

impl Replacement<'_> {
    /// What the step does, in the scripts and the infrastructure code alike.
    pub fn note(&self, summary: &str) -> String {
        format!(
            "{} is AWS managed: replaced by the customer-managed {}; {summary}",
            self.policy.name, self.name
        )
    }

    /// The new policy's description.
    pub fn description(&self) -> String {
        format!("{} cut to what was used (trailcut)", self.policy.name)
    }
}

impl Plan {
    /// The replacements of AWS managed policies, where they stay attached somewhere.
    pub fn replacements(&self) -> Vec<Replacement<'_>> {
        self.policies
            .iter()
            .filter(|p| p.outcome == Outcome::Replaced && p.rewritten.document.is_some())
            .filter_map(|p| {
                let managed = p.arn.as_deref()?;
                let staying: Vec<&Entity> = p
                    .attached_to
                    .iter()
                    .filter(|e| !self.detaches(&p.key, e))
                    .collect();
                (!staying.is_empty()).then(|| Replacement {
                    policy: p,
                    managed,
                    name: replacement_name(&p.name),
                    staying,
                })
            })
            .collect()
    }
}

/// The customer-managed policy that replaces the AWS managed policy `name`
/// (`PowerUserAccess-Trailcut`), within IAM's 128 characters.
pub fn replacement_name(name: &str) -> String {
    const SUFFIX: &str = "-Trailcut";
    let room = 128 - SUFFIX.len();
    let base: String = name.chars().take(room).collect();
    format!("{base}{SUFFIX}")
}

/// Plans a scope.
pub fn plan(
    scope: &Scope,
    options: &RewriteOptions,
    catalog: &ActionCatalog,
) -> Result<Plan, (String, RewriteError)> {
    let mut plan = Plan::default();
    // Memberships first: a group the user leaves takes its policies out of the user's scope.
    let mut left: BTreeSet<&str> = BTreeSet::new();
    for m in &scope.memberships {
        let policies: Vec<&ScopePolicy> = scope
            .policies
            .iter()
            .filter(|p| m.policy_keys.contains(&p.key))
            .collect();
        if policies.is_empty() {
            continue;
        }
        let mut unused = true;
        for p in &policies {
            let own = rewrite(&p.document, &m.usage, &m.visibility, options, catalog)
                .map_err(|e| (p.name.clone(), e))?;
            unused &= own.document.is_none();
        }
        if unused {
            left.insert(&m.group.arn);
            plan.moves.push(Move::RemoveFromGroup {
                user: m.user.clone(),
                group: m.group.clone(),
                why: format!(
                    "{} used nothing the group's {} grant{}",
                    m.user.name,
                    names(&policies),
                    if policies.len() == 1 { "s" } else { "" }
                ),
            });
        }
    }
    for p in &scope.policies {
        let rewritten = rewrite(&p.document, &p.usage, &p.visibility, options, catalog)
            .map_err(|e| (p.name.clone(), e))?;
        let left_with_group =
            !p.through.is_empty() && p.through.iter().all(|e| left.contains(e.arn.as_str()));
        // An inline policy whose owner is unknown cannot be deleted.
        let deletable = p.kind != PolicyKind::Inline || p.owner.is_some();
        let outcome = if p.boundary_of > 0 {
            Outcome::Boundary
        } else if left_with_group {
            Outcome::LeftWithGroup
        } else if !rewritten.changed {
            Outcome::Unchanged
        } else if p.kind == PolicyKind::AwsManaged && options.replace_aws_managed {
            Outcome::Replaced
        } else if p.kind == PolicyKind::AwsManaged {
            Outcome::NotEditable
        } else if rewritten.document.is_none() && deletable {
            Outcome::Emptied
        } else if rewritten.document.is_none() {
            Outcome::Unchanged
        } else {
            Outcome::Rewritten
        };
        if outcome == Outcome::Emptied {
            let why = "nobody it reaches used anything it grants in the window".to_owned();
            match (&p.kind, &p.owner) {
                (PolicyKind::Inline, Some(owner)) => plan.moves.push(Move::DeleteInline {
                    policy_name: p.name.clone(),
                    owner: owner.clone(),
                    why,
                }),
                _ => {
                    for entity in &p.attached_to {
                        plan.moves.push(Move::Detach {
                            policy_key: p.key.clone(),
                            policy_name: p.name.clone(),
                            entity: entity.clone(),
                            why: why.clone(),
                        });
                    }
                    let elsewhere = match p.attached_to.len() {
                        0 => "; attached to nothing".to_owned(),
                        1 => "; attached nowhere else".to_owned(),
                        n => format!("; it was attached to {n} identities"),
                    };
                    plan.moves.push(Move::DeletePolicy {
                        policy_key: p.key.clone(),
                        policy_name: p.name.clone(),
                        why: format!("{why}{elsewhere}"),
                    });
                }
            }
        }
        plan.policies.push(PolicyPlan {
            key: p.key.clone(),
            name: p.name.clone(),
            arn: p.arn.clone(),
            kind: p.kind,
            outcome,
            original: p.document.clone(),
            rewritten,
            owner: p.owner.clone(),
            versions: p.versions.clone(),
            default_version: p.default_version.clone(),
            attached_to: p.attached_to.clone(),
            through: p.through.clone(),
        });
    }
    for a in &scope.attachments {
        if left.contains(a.entity.arn.as_str()) {
            continue;
        }
        let Some((policy, planned)) = scope
            .policies
            .iter()
            .zip(&plan.policies)
            .find(|(p, _)| p.key == a.policy_key)
        else {
            continue;
        };
        if planned.outcome == Outcome::Emptied {
            continue;
        }
        let own = rewrite(&policy.document, &a.usage, &a.visibility, options, catalog)
            .map_err(|e| (policy.name.clone(), e))?;
        if own.document.is_none() {
            plan.moves.push(Move::Detach {
                policy_key: policy.key.clone(),
                policy_name: policy.name.clone(),
                entity: a.entity.clone(),
                why: format!(
                    "no principal of {} {} used anything it grants in the window",
                    a.entity.kind.as_str(),
                    a.entity.name
                ),
            });
        }
    }
    Ok(plan)
}

fn names(policies: &[&ScopePolicy]) -> String {
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::Level;
    use crate::tighten::testing::{entity, policy, trail, used};

    /// The seed's nikhilj story: IAMFullAccess attached to him directly and to
    /// security-team; CloudTrail read-only through security-team; Route 53 and Elastic
    /// Transcoder through app-dev, where others use Route 53 and nobody Elastic Transcoder.
    #[test]
    fn the_nikhilj_story_detaches_removes_and_deletes() {
        let nikhilj = entity(EntityKind::User, "nikhilj");
        let security = entity(EntityKind::Group, "security-team");
        let app_dev = entity(EntityKind::Group, "app-dev");
        let his = used(
            &nikhilj.arn,
            &["route53:ListHostedZones", "ec2:DescribeInstances"],
        );
        let mut everyone = his.clone();
        everyone.merge(&used(
            "arn:aws:iam::123456789012:user/wei",
            &["route53:ChangeResourceRecordSets"],
        ));
        everyone.merge(&used(
            "arn:aws:iam::123456789012:user/ana",
            &["iam:ListUsers"],
        ));
        let policies = vec![
            policy(
                "IAMFullAccess",
                PolicyKind::AwsManaged,
                r#""iam:*""#,
                &[nikhilj.clone(), security.clone()],
                everyone.clone(),
            ),
            policy(
                "AWSCloudTrail_ReadOnlyAccess",
                PolicyKind::AwsManaged,
                r#"["cloudtrail:Get*","cloudtrail:LookupEvents"]"#,
                std::slice::from_ref(&security),
                everyone.clone(),
            ),
            policy(
                "App-Dev-Route53",
                PolicyKind::CustomerManaged,
                r#""route53:*""#,
                std::slice::from_ref(&app_dev),
                everyone.clone(),
            ),
            policy(
                "App-Dev-ElasticTranscoder",
                PolicyKind::CustomerManaged,
                r#""elastictranscoder:*""#,
                std::slice::from_ref(&app_dev),
                everyone.clone(),
            ),
        ];
        let key = |name: &str| {
            policies
                .iter()
                .find(|p| p.name == name)
                .unwrap()
                .key
                .clone()
        };
        let scope = Scope {
            memberships: vec![
                ScopeMembership {
                    user: nikhilj.clone(),
                    group: security.clone(),
                    policy_keys: vec![key("IAMFullAccess"), key("AWSCloudTrail_ReadOnlyAccess")],
                    usage: his.clone(),
                    visibility: trail(),
                },
                ScopeMembership {
                    user: nikhilj.clone(),
                    group: app_dev.clone(),
                    policy_keys: vec![key("App-Dev-Route53"), key("App-Dev-ElasticTranscoder")],
                    usage: his.clone(),
                    visibility: trail(),
                },
            ],
            attachments: vec![
                ScopeAttachment {
                    policy_key: key("IAMFullAccess"),
                    entity: nikhilj.clone(),
                    usage: his.clone(),
                    visibility: trail(),
                },
                ScopeAttachment {
                    policy_key: key("App-Dev-Route53"),
                    entity: app_dev.clone(),
                    usage: everyone.clone(),
                    visibility: trail(),
                },
            ],
            policies: policies.clone(),
        };
        let options = RewriteOptions {
            level: Level::Service,
            ..RewriteOptions::default()
        };
        let plan = plan(&scope, &options, ActionCatalog::embedded()).unwrap();
        let moves: Vec<String> = plan
            .moves
            .iter()
            .map(|m| match m {
                Move::Detach {
                    policy_name,
                    entity,
                    ..
                } => format!("detach {policy_name} from {}", entity.name),
                Move::RemoveFromGroup { user, group, .. } => {
                    format!("remove {} from {}", user.name, group.name)
                }
                Move::DeletePolicy { policy_name, .. } => format!("delete {policy_name}"),
                Move::DeleteInline { policy_name, .. } => format!("delete inline {policy_name}"),
            })
            .collect();
        assert_eq!(
            moves,
            [
                "remove nikhilj from security-team",
                "detach App-Dev-ElasticTranscoder from app-dev",
                "delete App-Dev-ElasticTranscoder",
                "detach IAMFullAccess from nikhilj",
            ]
        );
        let outcome = |name: &str| {
            plan.policies
                .iter()
                .find(|p| p.name == name)
                .unwrap()
                .outcome
        };
        assert_eq!(outcome("App-Dev-Route53"), Outcome::Unchanged);
        assert_eq!(
            outcome("AWSCloudTrail_ReadOnlyAccess"),
            Outcome::LeftWithGroup
        );
        // What nikhilj keeps: Route 53 through app-dev; IAM neither directly nor through
        // security-team.
        assert_eq!(
            plan.after(&nikhilj.arn, &key("App-Dev-Route53"), Some("app-dev")),
            After::Keep
        );
        assert_eq!(
            plan.after(&nikhilj.arn, &key("IAMFullAccess"), None),
            After::Drop
        );
        assert_eq!(
            plan.after(&nikhilj.arn, &key("IAMFullAccess"), Some("security-team")),
            After::Drop
        );
        // Another member of security-team keeps IAMFullAccess.
        assert_eq!(
            plan.after(
                "arn:aws:iam::123456789012:user/ana",
                &key("IAMFullAccess"),
                Some("security-team")
            ),
            After::Keep
        );
        assert!(plan.changes());
    }

    #[test]
    fn a_policy_with_a_deny_is_never_detached() {
        let role = entity(EntityKind::Role, "app");
        let mut p = policy(
            "Guard",
            PolicyKind::CustomerManaged,
            r#""s3:GetObject""#,
            std::slice::from_ref(&role),
            Usage::default(),
        );
        p.document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:CreateQueue","Resource":"*"},
               {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        )
        .unwrap();
        let key = p.key.clone();
        let scope = Scope {
            attachments: vec![ScopeAttachment {
                policy_key: key.clone(),
                entity: role.clone(),
                usage: Usage::default(),
                visibility: trail(),
            }],
            policies: vec![p],
            memberships: Vec::new(),
        };
        let plan = plan(
            &scope,
            &RewriteOptions::default(),
            ActionCatalog::embedded(),
        )
        .unwrap();
        assert!(plan.moves.is_empty(), "{:?}", plan.moves);
        assert_eq!(plan.policies[0].outcome, Outcome::Rewritten);
        let After::Replace(document) = plan.after(&role.arn, &key, None) else {
            panic!("a new document");
        };
        assert_eq!(document.statements.len(), 1, "only the Deny is left");
    }
}
