//! The policy document as validated data: statements, effects, principals, action and
//! resource clauses, conditions.
//!
//! The model keeps what a faithful rewrite needs and nothing of serde: whether each list
//! was a lone string or an array, statement order and Sids, the order of condition
//! operators and keys, and the JSON kind of condition values. Reading is `parse.rs`,
//! writing `write.rs`, expansion against the catalogue `expand.rs`.

use crate::catalog::ActionPattern;

use super::PolicyError;
use super::condition::Condition;

/// The two policy language versions IAM knows.
pub const VERSION_2012: &str = "2012-10-17";
/// The older version (no policy variables).
pub const VERSION_2008: &str = "2008-10-17";

/// An IAM policy document: identity, resource or trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// `2012-10-17` or `2008-10-17` (checked by the parser), or absent.
    pub version: Option<String>,
    /// The optional `Id`.
    pub id: Option<String>,
    /// The statements in order; never empty in a parsed document.
    pub statements: Vec<Statement>,
    /// Whether `Statement` was a lone object or an array (`Single` is written as an object
    /// only when there is exactly one statement).
    pub statement_form: ListForm,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The `Sid`, any string.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`: resource and trust policies only.
    pub principal: Option<PrincipalClause>,
    /// `Action` or `NotAction`.
    pub action: ActionClause,
    /// `Resource` or `NotResource`; absent in trust policies (and allowed to be absent in
    /// resource policies). Identity policies need one: [`PolicyDocument::validate_identity`].
    pub resource: Option<ResourceClause>,
    /// The conditions, one per (operator, key), in the order written: operators in order,
    /// and within each its keys in order. All must hold (AND).
    pub condition: Vec<Condition>,
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants what the statement matches.
    Allow,
    /// Refuses what the statement matches, whatever allows it.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`, as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// How a list was written in the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListForm {
    /// A lone value: `"Action": "s3:GetObject"`.
    Single,
    /// An array, even of one: `"Action": ["s3:GetObject"]`.
    Array,
}

/// A list that a policy may write as a lone value or as an array, remembering which.
///
/// `Single` always holds exactly one item (the constructors see to it), so writing it back
/// gives the text that was read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OneOrMany<T> {
    items: Vec<T>,
    form: ListForm,
}

impl<T> OneOrMany<T> {
    /// A lone value.
    pub fn one(item: T) -> Self {
        Self {
            items: vec![item],
            form: ListForm::Single,
        }
    }

    /// An array (possibly of one, possibly empty).
    pub fn array(items: Vec<T>) -> Self {
        Self {
            items,
            form: ListForm::Array,
        }
    }

    /// The items in order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// How the list was written.
    pub fn form(&self) -> ListForm {
        self.form
    }

    /// The items in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items, giving up the form.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// `Action` or `NotAction`, with its patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionClause {
    /// The statement applies to the actions matched.
    Action(OneOrMany<ActionPattern>),
    /// The statement applies to every action not matched.
    NotAction(OneOrMany<ActionPattern>),
}

impl ActionClause {
    /// The patterns, whichever the clause.
    pub fn patterns(&self) -> &[ActionPattern] {
        match self {
            ActionClause::Action(list) | ActionClause::NotAction(list) => list.items(),
        }
    }

    /// `Action` or `NotAction`.
    pub fn key(&self) -> &'static str {
        match self {
            ActionClause::Action(_) => "Action",
            ActionClause::NotAction(_) => "NotAction",
        }
    }
}

/// `Resource` or `NotResource`, with its ARN patterns as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceClause {
    /// The statement applies to the resources matched.
    Resource(OneOrMany<String>),
    /// The statement applies to every resource not matched.
    NotResource(OneOrMany<String>),
}

impl ResourceClause {
    /// The ARN patterns, whichever the clause.
    pub fn patterns(&self) -> &[String] {
        match self {
            ResourceClause::Resource(list) | ResourceClause::NotResource(list) => list.items(),
        }
    }

    /// `Resource` or `NotResource`.
    pub fn key(&self) -> &'static str {
        match self {
            ResourceClause::Resource(_) => "Resource",
            ResourceClause::NotResource(_) => "NotResource",
        }
    }

    /// True for a `Resource` that names `*` (alone or among others): every resource.
    pub fn is_everything(&self) -> bool {
        matches!(self, ResourceClause::Resource(list) if list.iter().any(|r| r == "*"))
    }
}

/// `Principal` or `NotPrincipal`, kept as data: trailcut reads trust and resource policies
/// but evaluates identity policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalClause {
    /// Who the statement applies to.
    Principal(Principal),
    /// Everyone but these.
    NotPrincipal(Principal),
}

impl PrincipalClause {
    /// The principal, whichever the clause.
    pub fn principal(&self) -> &Principal {
        match self {
            PrincipalClause::Principal(p) | PrincipalClause::NotPrincipal(p) => p,
        }
    }

    /// `Principal` or `NotPrincipal`.
    pub fn key(&self) -> &'static str {
        match self {
            PrincipalClause::Principal(_) => "Principal",
            PrincipalClause::NotPrincipal(_) => "NotPrincipal",
        }
    }
}

/// A principal element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: anyone.
    Any,
    /// `{"AWS": ..., "Service": ...}`: identifiers by kind, kinds in the order written.
    Map(Vec<(PrincipalKind, OneOrMany<String>)>),
}

/// The kinds of principal identifier a policy can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `AWS`: accounts, users, roles, sessions (or `*`).
    Aws,
    /// `Service`: `ec2.amazonaws.com`.
    Service,
    /// `Federated`: identity providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalKind {
    /// Every kind.
    pub const ALL: [PrincipalKind; 4] = [
        PrincipalKind::Aws,
        PrincipalKind::Service,
        PrincipalKind::Federated,
        PrincipalKind::CanonicalUser,
    ];

    /// The key as written.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }

    /// The kind of that exact key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == key)
    }
}

impl PolicyDocument {
    /// Parses a policy document from JSON text, keeping the order of condition operators
    /// and keys, and how each list was written.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        super::parse::document(super::json::Json::from_text(text)?)
    }

    /// Parses a document from a `serde_json::Value`. Condition operators and keys come out
    /// in the Value's key order, which is the written order only when serde_json is built
    /// with `preserve_order` (the AWS SDK's HTTP client turns it on): prefer
    /// [`PolicyDocument::parse`] on the text when there is one.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, PolicyError> {
        super::parse::document(super::json::Json::from_value(value))
    }

    /// Parses either plain JSON or the URL-encoded form the IAM API returns
    /// (`%7B%22Version%22...`); the AWS CLI decodes it, the raw API and some SDKs do not.
    pub fn parse_maybe_encoded(text: &str) -> Result<Self, PolicyError> {
        if text.trim_start().starts_with('{') {
            Self::parse(text)
        } else {
            Self::parse(&super::parse::percent_decode(text.trim())?)
        }
    }

    /// The JSON path of statement `index` (`$.Statement` when it is a lone object).
    pub fn statement_path(&self, index: usize) -> String {
        if self.statement_form == ListForm::Single && self.statements.len() == 1 {
            "$.Statement".to_owned()
        } else {
            format!("$.Statement[{index}]")
        }
    }

    /// Checks what the parser lets through for trust and resource policies but an identity
    /// policy may not have: a statement without `Resource`/`NotResource`, or with a
    /// `Principal`/`NotPrincipal`.
    pub fn validate_identity(&self) -> Result<(), PolicyError> {
        self.validate_no_principal("an identity policy")?;
        for (index, statement) in self.statements.iter().enumerate() {
            let path = self.statement_path(index);
            if statement.resource.is_none() {
                return Err(PolicyError {
                    path,
                    message: "missing `Resource` or `NotResource` (an identity policy needs one)"
                        .to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Checks that no statement has a `Principal` or `NotPrincipal`. Identity policies,
    /// permissions boundaries and SCPs govern their principal's own requests: IAM and
    /// Organizations refuse the clause there, and a statement that applies to some
    /// principals only has no meaning without one (expanding a `NotPrincipal` Deny as if
    /// it applied to everyone would take actions from the very principals it exempts).
    /// `kind` names the document in the message (`an identity policy`, `an SCP`).
    pub fn validate_no_principal(&self, kind: &str) -> Result<(), PolicyError> {
        for (index, statement) in self.statements.iter().enumerate() {
            let Some(principal) = &statement.principal else {
                continue;
            };
            // AWS allows `NotPrincipal` in resource policies only, not in trust policies.
            let home = match principal {
                PrincipalClause::Principal(_) => "resource and trust policies",
                PrincipalClause::NotPrincipal(_) => "resource policies",
            };
            return Err(PolicyError {
                path: format!("{}.{}", self.statement_path(index), principal.key()),
                message: format!(
                    "{kind} cannot have `{}` (it belongs in {home})",
                    principal.key()
                ),
            });
        }
        Ok(())
    }
}

impl std::str::FromStr for PolicyDocument {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}
