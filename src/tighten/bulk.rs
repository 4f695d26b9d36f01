//! Bulk runs: every customer-managed policy, group, role or user of the IAM snapshot
//! tightened one by one (`tighten --all-policies`, `--all-groups`, ...), each with its own
//! result, and a summary row per subject. One subject's error does not stop the others.

use super::Tightened;
use super::engine::{EvidenceSource, Request, TargetName, TightenError, WindowRequest, tighten};
use super::{RewriteOptions, Sources};
use crate::catalog::ActionCatalog;
use crate::eval::glob;

/// Which subjects a bulk run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    Policies,
    Groups,
    Roles,
    Users,
}

impl SubjectKind {
    /// The kind as the summary and the output folders name it.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Policies => "policy",
            SubjectKind::Groups => "group",
            SubjectKind::Roles => "role",
            SubjectKind::Users => "user",
        }
    }

    fn target(self, name: String) -> TargetName {
        match self {
            SubjectKind::Policies => TargetName::Policy(name),
            SubjectKind::Groups => TargetName::Group(name),
            SubjectKind::Roles => TargetName::Role(name),
            SubjectKind::Users => TargetName::User(name),
        }
    }
}

/// One subject a source lists: its account, name and IAM path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    pub account: String,
    pub name: String,
    pub path: String,
}

/// IAM paths of roles that AWS manages, whose policies an administrator does not edit:
/// service-linked roles, and the roles IAM Identity Center provisions. Left out of a bulk
/// run unless `include_aws_roles`.
pub const AWS_ROLE_PATHS: &[&str] = &["/aws-service-role/", "/aws-reserved/"];

/// A bulk run.
#[derive(Debug, Clone)]
pub struct BulkRequest {
    pub kinds: Vec<SubjectKind>,
    /// Names (glob patterns: `*`, `?`) left out.
    pub exclude: Vec<String>,
    /// Only this account's subjects, when given.
    pub account: Option<String>,
    /// Take the roles AWS manages too ([`AWS_ROLE_PATHS`]).
    pub include_aws_roles: bool,
    /// As for one run.
    pub window: WindowRequest,
    pub evidence: Sources,
    pub options: RewriteOptions,
    pub partial_trail: bool,
}

/// What one subject came to.
#[derive(Debug)]
pub struct BulkResult {
    pub kind: SubjectKind,
    pub subject: Subject,
    pub result: Result<Tightened, TightenError>,
}

/// What a bulk run left out, and why.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Names an `exclude` pattern matched.
    pub excluded: Vec<(SubjectKind, Subject)>,
    /// Roles AWS manages.
    pub aws_roles: Vec<Subject>,
}

/// Tightens every subject of the kinds asked, in kind, account and name order.
pub fn tighten_all(
    request: &BulkRequest,
    source: &dyn EvidenceSource,
    catalog: &ActionCatalog,
) -> Result<(Vec<BulkResult>, Skipped), TightenError> {
    let mut results = Vec::new();
    let mut skipped = Skipped::default();
    for &kind in &request.kinds {
        let mut subjects = source.subjects(kind, request.account.as_deref())?;
        subjects.sort();
        for subject in subjects {
            if request
                .exclude
                .iter()
                .any(|pattern| glob::matches_name(pattern, &subject.name))
            {
                skipped.excluded.push((kind, subject));
                continue;
            }
            if kind == SubjectKind::Roles
                && !request.include_aws_roles
                && AWS_ROLE_PATHS.iter().any(|p| subject.path.starts_with(p))
            {
                skipped.aws_roles.push(subject);
                continue;
            }
            let one = Request {
                target: kind.target(subject.name.clone()),
                account: Some(subject.account.clone()),
                window: request.window,
                evidence: request.evidence,
                options: request.options.clone(),
                partial_trail: request.partial_trail,
            };
            let result = tighten(&one, source, catalog);
            results.push(BulkResult {
                kind,
                subject,
                result,
            });
        }
    }
    Ok((results, skipped))
}
