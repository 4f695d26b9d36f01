//! Whether one statement applies to a request: its action clause (case-insensitive, with
//! `NotAction` as the complement), its resource clause (case-sensitive ARN patterns with
//! policy variables, `NotResource` as the complement) and its conditions (all must hold).
//! The effect is the caller's business (`decide.rs`).

use crate::policy::{ActionClause, ResourceClause, Statement, VERSION_2012};

use super::condition;
use super::glob::Pattern;
use super::tri::Tri;
use super::variables::{Resolved, resolve};
use super::{Request, UNKNOWN_RESOURCE};

/// Whether `statement` applies to `request`; `version` is its document's `Version`
/// (policy variables exist only in `2012-10-17`).
pub(crate) fn applies(statement: &Statement, version: Option<&str>, request: &Request<'_>) -> Tri {
    if !action_matches(&statement.action, request.action) {
        return Tri::No;
    }
    let variables = version == Some(VERSION_2012);
    let resource = match &statement.resource {
        Some(clause) => resource_matches(clause, variables, request),
        // Only trust and resource policies go without; evaluated as identity policies
        // they would apply to every resource.
        None => Tri::Yes,
    };
    if resource == Tri::No {
        return Tri::No;
    }
    let conditions = Tri::all(
        statement
            .condition
            .iter()
            .map(|c| condition::holds(c, variables, request.context)),
    );
    resource.and(conditions)
}

/// `Action`: some pattern matches; `NotAction`: none does.
pub(crate) fn action_matches(clause: &ActionClause, action: &str) -> bool {
    match clause {
        ActionClause::Action(patterns) => patterns.iter().any(|p| p.matches(action)),
        ActionClause::NotAction(patterns) => !patterns.iter().any(|p| p.matches(action)),
    }
}

/// `Resource`: some pattern matches; `NotResource`: none does. `*` alone matches any
/// resource, even one not known; other patterns cannot be decided without the resource.
fn resource_matches(clause: &ResourceClause, variables: bool, request: &Request<'_>) -> Tri {
    let any = Tri::any(clause.patterns().iter().map(|text| {
        match resolve(text, variables, request.context) {
            Resolved::Pattern(pattern) => pattern_matches(&pattern, request.resource),
            // AWS: a pattern with a variable that has no value matches no resource.
            Resolved::Null => Tri::No,
            Resolved::Unknown(key) => Tri::unknown(key),
        }
    }));
    match clause {
        ResourceClause::Resource(_) => any,
        ResourceClause::NotResource(_) => any.not(),
    }
}

fn pattern_matches(pattern: &Pattern<'_>, resource: Option<&str>) -> Tri {
    let glob = pattern.glob();
    if glob.is_star() {
        return Tri::Yes;
    }
    match resource {
        Some(arn) => Tri::from_bool(glob.matches(arn)),
        None => Tri::unknown(UNKNOWN_RESOURCE),
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::PolicyDocument;

    use super::super::Context;
    use super::*;

    fn applies_to(statement: &str, action: &str, resource: Option<&str>, context: &Context) -> Tri {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#
        ))
        .unwrap();
        let request = Request {
            action,
            resource,
            context,
        };
        applies(&doc.statements[0], doc.version.as_deref(), &request)
    }

    const OBJECT: Option<&str> = Some("arn:aws:s3:::bucket/home/alice/notes.txt");

    #[test]
    fn actions_ignore_case_and_not_action_complements() {
        let c = Context::new();
        let s = r#"{"Effect": "Allow", "Action": ["s3:Get*", "sts:GetCallerIdentity"], "Resource": "*"}"#;
        assert_eq!(applies_to(s, "S3:GETOBJECT", OBJECT, &c), Tri::Yes);
        assert_eq!(applies_to(s, "s3:PutObject", OBJECT, &c), Tri::No);
        let s = r#"{"Effect": "Allow", "Action": "s3:Get?bject", "Resource": "*"}"#;
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &c), Tri::Yes);
        assert_eq!(applies_to(s, "s3:GetObjects", OBJECT, &c), Tri::No);
        let s = r#"{"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"}"#;
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &c), Tri::Yes);
        assert_eq!(applies_to(s, "IAM:PassRole", OBJECT, &c), Tri::No);
    }

    #[test]
    fn resources_are_case_sensitive_and_not_resource_complements() {
        let c = Context::new();
        let s = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}"#;
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &c), Tri::Yes);
        assert_eq!(
            applies_to(s, "s3:GetObject", Some("arn:aws:s3:::Bucket/x"), &c),
            Tri::No
        );
        assert_eq!(
            applies_to(s, "s3:GetObject", None, &c),
            Tri::unknown(UNKNOWN_RESOURCE)
        );
        let s =
            r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret/*"]}"#;
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &c), Tri::Yes);
        assert_eq!(
            applies_to(s, "s3:GetObject", Some("arn:aws:s3:::secret/x"), &c),
            Tri::No
        );
        assert_eq!(
            applies_to(s, "s3:GetObject", None, &c),
            Tri::unknown(UNKNOWN_RESOURCE)
        );
        let s = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::x", "*"]}"#;
        assert_eq!(applies_to(s, "s3:GetObject", None, &c), Tri::Yes);
        let s = r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": "*"}"#;
        assert_eq!(applies_to(s, "s3:GetObject", None, &c), Tri::No);
    }

    #[test]
    fn resource_variables() {
        let s = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*"}"#;
        let alice = Context::new().with("aws:username", &["alice"]);
        let bob = Context::new().with("aws:username", &["bob"]);
        let role = Context::new().with_absent("aws:username");
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &alice), Tri::Yes);
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &bob), Tri::No);
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &role), Tri::No);
        assert_eq!(
            applies_to(s, "s3:GetObject", OBJECT, &Context::new()),
            Tri::unknown("aws:username")
        );
        // A pattern with no value excludes nothing from a NotResource.
        let s = r#"{"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/home/${aws:username}/*"}"#;
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &role), Tri::Yes);
        assert_eq!(applies_to(s, "s3:GetObject", OBJECT, &alice), Tri::No);
    }

    #[test]
    fn variables_are_text_before_2012() {
        let doc = PolicyDocument::parse(
            r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}}"#,
        )
        .unwrap();
        let context = Context::new().with("aws:username", &["alice"]);
        let request = |resource| Request {
            action: "s3:GetObject",
            resource: Some(resource),
            context: &context,
        };
        let s = &doc.statements[0];
        assert_eq!(
            applies(s, doc.version.as_deref(), &request("arn:aws:s3:::b/alice")),
            Tri::No
        );
        assert_eq!(
            applies(
                s,
                doc.version.as_deref(),
                &request("arn:aws:s3:::b/${aws:username}")
            ),
            Tri::Yes
        );
    }

    #[test]
    fn conditions_and_resources_combine() {
        let s = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#;
        let c = Context::new();
        assert_eq!(
            applies_to(s, "s3:GetObject", Some("arn:aws:s3:::other/x"), &c),
            Tri::No,
            "a resource that does not match decides, whatever the conditions"
        );
        assert_eq!(
            applies_to(s, "s3:GetObject", OBJECT, &c),
            Tri::unknown("aws:SecureTransport")
        );
        assert_eq!(
            applies_to(s, "s3:GetObject", None, &c),
            Tri::Unknown(vec![UNKNOWN_RESOURCE.into(), "aws:SecureTransport".into()])
        );
    }
}
