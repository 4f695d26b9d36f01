//! A principal's policies as the store holds them: its identity policies (direct, inline
//! and through groups), its permissions boundary, and the SCPs on its account's path. What
//! `trailcut policy eval --principal`, `who-grants` and the tightening replay evaluate
//! against; `sql::iam` reads them from the store.

use super::{NamedPolicy, PolicySet, ScpLevel};
use crate::policy::PolicyDocument;

/// A principal of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRef {
    /// Its account.
    pub account_id: String,
    /// `user`, `group` or `role`.
    pub principal_type: String,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The ARN of its permissions boundary, if any.
    pub boundary: Option<String>,
}

/// How a policy reaches a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// Attached to it, or inline in it.
    Direct,
    /// Through the group of this name.
    Group(String),
    /// It is the principal's permissions boundary.
    Boundary,
    /// A service control policy on the account's organisation path.
    Scp,
}

impl Via {
    /// The `via` column of the `attachments` table (`direct` or `group`) with its
    /// `via_group`; `None` for another value.
    pub fn from_attachment(via: &str, group: Option<&str>) -> Option<Via> {
        match (via, group) {
            ("direct", _) => Some(Via::Direct),
            ("group", Some(group)) => Some(Via::Group(group.to_owned())),
            _ => None,
        }
    }

    /// The group it comes through, if any.
    pub fn group(&self) -> Option<&str> {
        match self {
            Via::Group(group) => Some(group),
            _ => None,
        }
    }
}

/// One policy as it reaches a principal.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The managed policy's ARN, `inline:<owner>:<name>`, or the SCP's id.
    pub key: String,
    /// Its name.
    pub name: String,
    /// How it reaches the principal.
    pub via: Via,
    /// The current document.
    pub document: PolicyDocument,
}

impl LoadedPolicy {
    /// The policy as the evaluator names it in explanations.
    pub fn named(&self) -> NamedPolicy<'_> {
        NamedPolicy {
            name: match self.via.group() {
                Some(group) => format!("{} (group {group})", self.name),
                None => self.name.clone(),
            },
            document: &self.document,
        }
    }
}

/// Everything that decides what a principal may do.
#[derive(Debug, Clone)]
pub struct PrincipalPolicies {
    /// Who.
    pub principal: PrincipalRef,
    /// Identity-based policies.
    pub identity: Vec<LoadedPolicy>,
    /// The permissions boundary.
    pub boundary: Option<LoadedPolicy>,
    /// The SCPs attached to each entity of the account's organisation path, from the root
    /// down (empty when the account is in no ingested organisation, or is its management
    /// account, which SCPs do not restrict).
    pub scps: Vec<(String, Vec<LoadedPolicy>)>,
    /// The account's organisation path, when known.
    pub org_path: Option<String>,
    /// What could not be loaded: a policy, boundary or SCP without a document or whose
    /// document does not parse, a group missing from the snapshot, an account whose
    /// organisation path or SCP targets are unknown. Any of these can hide a Deny or a
    /// narrower boundary, so a decision over an incomplete picture is never an allow.
    pub warnings: Vec<String>,
}

impl PrincipalPolicies {
    /// Whether every layer that decides for this principal was loaded.
    pub fn is_complete(&self) -> bool {
        self.warnings.is_empty()
    }

    /// The policies as the evaluator takes them.
    pub fn policy_set(&self) -> PolicySet<'_> {
        policy_set(&self.identity, self.boundary.as_ref(), &self.scps)
    }
}

/// Identity policies, a boundary and SCP levels as the evaluator takes them.
pub fn policy_set<'a>(
    identity: &'a [LoadedPolicy],
    boundary: Option<&'a LoadedPolicy>,
    scps: &'a [(String, Vec<LoadedPolicy>)],
) -> PolicySet<'a> {
    PolicySet {
        identity: identity.iter().map(LoadedPolicy::named).collect(),
        boundary: boundary.map(LoadedPolicy::named),
        scps: scps
            .iter()
            .map(|(entity, policies)| ScpLevel {
                entity: entity.clone(),
                policies: policies.iter().map(LoadedPolicy::named).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_attachment_values_the_store_writes_are_read() {
        assert_eq!(Via::from_attachment("direct", None), Some(Via::Direct));
        assert_eq!(
            Via::from_attachment("group", Some("Development")),
            Some(Via::Group("Development".to_owned()))
        );
        assert_eq!(Via::from_attachment("group", None), None);
        assert_eq!(Via::from_attachment("scp", None), None);
    }

    #[test]
    fn a_group_policy_is_named_with_its_group() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap();
        let p = LoadedPolicy {
            key: "arn:aws:iam::123456789012:policy/P".to_owned(),
            name: "P".to_owned(),
            via: Via::Group("Development".to_owned()),
            document,
        };
        assert_eq!(p.named().name, "P (group Development)");
        let direct = LoadedPolicy {
            via: Via::Direct,
            ..p.clone()
        };
        assert_eq!(direct.named().name, "P");
    }
}
