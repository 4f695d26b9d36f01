//! The evaluator: whether one principal's policies allow one request, following AWS's
//! documented evaluation logic for a principal acting in its own account, and which
//! statements decided.
//!
//! - `mod.rs`: the request and result types ([`Request`], [`PolicySet`], [`Evaluation`]);
//! - `context.rs`: [`Context`], the request's condition keys, each known, known to be
//!   absent, or unknown;
//! - `decide.rs`: [`evaluate`], the layers (SCPs, identity policies, permissions boundary)
//!   and how explicit denies, allows and unknowns combine;
//! - `statement.rs`: whether one statement applies (action, resource, conditions);
//! - `condition.rs`: the condition operators, with `IfExists` and the set operators;
//! - `variables.rs`: policy variables (`${aws:username}`, defaults, `${*}`) resolved
//!   against the context;
//! - `glob.rs`: case-sensitive `*`/`?` matching of ARNs and strings;
//! - `values.rs`: numbers, dates, booleans, base64, IP addresses and CIDR blocks as
//!   conditions compare them;
//! - `tri.rs`: three-valued logic (matches, does not, cannot tell without a key);
//! - `proptests.rs`: properties against `policy`'s expansion, and soundness of unknowns.
//!
//! Nothing is guessed: a condition on a key the context does not know, a policy variable
//! it does not know, or a resource that is not known makes the statement's result
//! undetermined, and the decision follows from what is certain (see [`evaluate`]).
//!
//! Left out, knowingly: resource-based policies, session policies, resource control
//! policies, cross-account requests and VPC endpoint policies; the caller decides whether
//! SCPs apply at all (the management account and service-linked roles are exempt).
//!
//! Pure and synchronous like `policy` and `catalog`: no tokio, DataFusion or AWS SDK types.

mod condition;
mod context;
mod decide;
pub(crate) mod glob;
pub mod principal;
mod statement;
mod tri;
mod values;
mod variables;

#[cfg(test)]
pub(crate) mod proptests;

use crate::policy::{Effect, PolicyDocument};

pub use context::{Context, ContextValue};
pub use decide::evaluate;

/// The undetermined "key" recorded when a statement's `Resource`/`NotResource` cannot be
/// decided because the request's resource is not known ([`Request::resource`] is `None`).
pub const UNKNOWN_RESOURCE: &str = "Resource";

/// One request: an action, on a resource, with a context.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, in any case (`s3:GetObject`).
    pub action: &'a str,
    /// The resource's ARN; `None` when it is not known, in which case only statements whose
    /// `Resource` names `*` match for certain, and every other resource clause is
    /// undetermined (recorded under [`UNKNOWN_RESOURCE`]).
    pub resource: Option<&'a str>,
    /// The condition keys of the request.
    pub context: &'a Context,
}

/// A policy document with the name it is reported under (`ReadOnlyAccess`,
/// `alice/inline/s3`, ...).
#[derive(Debug, Clone)]
pub struct NamedPolicy<'a> {
    /// How [`StatementRef`] names the policy.
    pub name: String,
    /// The document.
    pub document: &'a PolicyDocument,
}

/// The SCPs attached to one entity on the account's path in the organisation: the root,
/// each OU, or the account itself.
#[derive(Debug, Clone)]
pub struct ScpLevel<'a> {
    /// The entity's id or name (`r-ab12`, `ou-ab12-cdef3456`, `111122223333`), as
    /// explanations name it.
    pub entity: String,
    /// Its SCPs; none means nothing is allowed below it.
    pub policies: Vec<NamedPolicy<'a>>,
}

/// Every policy that governs one principal's requests in its own account.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies: managed and inline, the principal's own and its groups'.
    pub identity: Vec<NamedPolicy<'a>>,
    /// The permissions boundary, when one is set.
    pub boundary: Option<NamedPolicy<'a>>,
    /// SCPs level by level from the root to the account; empty when the account is in no
    /// organisation or SCPs do not apply (the management account).
    pub scps: Vec<ScpLevel<'a>>,
}

/// What AWS would decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Every layer allows and nothing denies.
    Allow,
    /// A statement denies.
    ExplicitDeny,
    /// Some layer does not allow (and no statement denies for certain).
    ImplicitDeny,
    /// Whether the request is allowed depends on what the context does not know.
    Undetermined,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 4] = [
        Decision::Allow,
        Decision::ExplicitDeny,
        Decision::ImplicitDeny,
        Decision::Undetermined,
    ];

    /// `allow`, `explicit-deny`, `implicit-deny` or `undetermined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit-deny",
            Decision::ImplicitDeny => "implicit-deny",
            Decision::Undetermined => "undetermined",
        }
    }

    /// The decision [`Decision::as_str`] names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One statement of one policy, as results name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// The policy's [`NamedPolicy::name`].
    pub policy: String,
    /// The statement's position in the policy, from 0.
    pub index: usize,
    /// Its `Sid`, when it has one.
    pub sid: Option<String>,
    /// Its effect.
    pub effect: Effect,
}

impl std::fmt::Display for StatementRef {
    /// `policy#Sid`, or `policy#statement[index]` for a statement without a Sid.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.sid.as_deref() {
            Some(sid) if !sid.is_empty() => write!(f, "{}#{sid}", self.policy),
            _ => write!(f, "{}#statement[{}]", self.policy, self.index),
        }
    }
}

/// The decision on one request, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// What decided: for an explicit deny, every statement that denies; for an allow, the
    /// allowing statements of every layer (SCP levels from the root down, then identity
    /// policies, then the boundary); empty for an implicit deny and an undetermined
    /// decision.
    pub deciding: Vec<StatementRef>,
    /// The statements whose result was unknown and could have changed the decision, each
    /// with a condition key, policy variable or [`UNKNOWN_RESOURCE`] it needed (a statement
    /// needing two appears twice). Empty for an explicit deny.
    pub undetermined: Vec<(StatementRef, String)>,
    /// One line for a human: which layer allowed, denied or could not decide, and why.
    pub explanation: String,
}

impl Evaluation {
    /// True for [`Decision::Allow`].
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    /// The distinct keys of [`Evaluation::undetermined`], sorted (ignoring case, as keys
    /// compare).
    pub fn undetermined_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.undetermined.iter().map(|(_, k)| k.as_str()).collect();
        keys.sort_by_key(|k| k.to_lowercase());
        keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        keys
    }
}
