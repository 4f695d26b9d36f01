//! What a policy allows, as concrete actions of the catalogue: statements expanded
//! (`NotAction` as the complement), Allow statements united, and the Deny statements that
//! are certain subtracted.
//!
//! This is an upper bound on the actions a principal can call, not an evaluation: an Allow
//! with a condition or a narrower resource counts as allowing its actions (on some
//! resource, in some request). A Deny is subtracted only when it applies to every request:
//! no condition, and `Resource` naming `*`. A Deny with a condition, a narrower `Resource`
//! or a `NotResource` refuses some requests only, so its actions stay allowed elsewhere and
//! cannot be taken out of the set; deciding a given request is the evaluator's job.

use std::collections::BTreeSet;

use crate::catalog::{Action, ActionCatalog, NoMatch};

use super::document::{ActionClause, Effect, ListForm, PolicyDocument, Statement};

impl Statement {
    /// The concrete actions the statement applies to, sorted (as strings) without repeats:
    /// its patterns expanded, or for `NotAction` every action they do not match. Patterns
    /// that name nothing in the catalogue contribute nothing.
    pub fn actions<'c>(&self, catalog: &'c ActionCatalog) -> Vec<&'c str> {
        let actions: Vec<&'c Action> = match &self.action {
            // Pattern by pattern: a literal service prefix narrows each to its service,
            // where `expand_all` would test every pattern against every action.
            ActionClause::Action(list) => list.iter().flat_map(|p| catalog.expand(p)).collect(),
            ActionClause::NotAction(list) => catalog.complement(list.items()),
        };
        let mut names: Vec<&'c str> = actions.into_iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// True when the statement applies to every request for its actions: no condition,
    /// and a `Resource` that names `*`.
    pub fn applies_unconditionally_everywhere(&self) -> bool {
        self.condition.is_empty() && self.resource.as_ref().is_some_and(|r| r.is_everything())
    }
}

impl PolicyDocument {
    /// Every `Action` and `NotAction` pattern that matches no action of the catalogue,
    /// with its JSON path (`$.Statement[0].Action[2]`). IAM accepts such a pattern and it
    /// grants nothing, so a typo silently takes a permission away (or, in a `NotAction`,
    /// leaves one in): callers warn.
    pub fn unknown_actions(&self, catalog: &ActionCatalog) -> Vec<(String, NoMatch)> {
        let mut out = Vec::new();
        for (index, statement) in self.statements.iter().enumerate() {
            let (ActionClause::Action(list) | ActionClause::NotAction(list)) = &statement.action;
            let at = format!("{}.{}", self.statement_path(index), statement.action.key());
            for (i, pattern) in list.iter().enumerate() {
                if let Some(found) = catalog.no_match(pattern) {
                    let path = match list.form() {
                        ListForm::Array => format!("{at}[{i}]"),
                        ListForm::Single => at.clone(),
                    };
                    out.push((path, found));
                }
            }
        }
        out
    }

    /// The actions this policy allows at all: the union of its Allow statements' actions,
    /// minus those of its unconditional Deny statements on `*` (see the module notes for
    /// why other Denies are not subtracted).
    pub fn allowed_actions<'c>(&self, catalog: &'c ActionCatalog) -> BTreeSet<&'c str> {
        allowed_actions_of(&[self], catalog)
    }
}

/// The actions several policies of one principal allow together: the union of every
/// Allow statement's actions, minus the actions of every unconditional Deny on `*` in any
/// of them (a Deny in one policy overrides an Allow in another).
pub fn allowed_actions_of<'c>(
    policies: &[&PolicyDocument],
    catalog: &'c ActionCatalog,
) -> BTreeSet<&'c str> {
    let statements = || policies.iter().flat_map(|p| p.statements.iter());
    let mut allowed: BTreeSet<&'c str> = statements()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.actions(catalog))
        .collect();
    for deny in statements().filter(|s| s.effect == Effect::Deny) {
        if allowed.is_empty() {
            break;
        }
        if deny.applies_unconditionally_everywhere() {
            for action in deny.actions(catalog) {
                allowed.remove(action);
            }
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static ActionCatalog {
        ActionCatalog::embedded()
    }

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn statement_actions() {
        let d = doc(
            r#"{"Effect": "Allow", "Action": ["sts:GetCallerIdentit?", "STS:getcalleridentity", "s3:NoSuchAction"], "Resource": "*"}"#,
        );
        assert_eq!(
            d.statements[0].actions(catalog()),
            ["sts:GetCallerIdentity"]
        );
        let d = doc(r#"{"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"]}"#);
        let gets = d.statements[0].actions(catalog());
        assert!(gets.contains(&"s3:GetObject"));
        assert!(gets.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        let d = doc(
            r#"{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}"#,
        );
        let not = d.statements[0].actions(catalog());
        assert_eq!(
            not.len()
                + catalog().service_actions("iam").len()
                + catalog().service_actions("organizations").len(),
            catalog().actions().len()
        );
        assert!(!not.contains(&"iam:PassRole"));
    }

    #[test]
    fn unconditional_denies_on_everything_are_subtracted() {
        let d = doc(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": true}}},
               {"Effect": "Deny", "Action": "s3:Delete*", "Resource": ["arn:aws:s3:::x", "*"]}"#,
        );
        let allowed = d.allowed_actions(catalog());
        assert!(
            allowed.contains("s3:GetObject"),
            "a conditional Allow counts"
        );
        assert!(!allowed.contains("s3:DeleteObject"));
        // A Deny that depends on the request cannot be subtracted.
        for deny in [
            r#"{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "arn:aws:s3:::b/*"}"#,
            r#"{"Effect": "Deny", "Action": "s3:Delete*", "NotResource": "arn:aws:s3:::b/*"}"#,
            r#"{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": false}}}"#,
        ] {
            let d = doc(&format!(
                r#"{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}, {deny}"#
            ));
            assert!(
                d.allowed_actions(catalog()).contains("s3:DeleteObject"),
                "{deny}"
            );
        }
        // A Deny with NotAction refuses everything else.
        let d = doc(
            r#"{"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"},
               {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}"#,
        );
        assert_eq!(
            d.allowed_actions(catalog()).into_iter().collect::<Vec<_>>(),
            ["s3:GetObject"]
        );
    }

    /// Issue 18, finding 10: unknown actions expanded to nothing without a word.
    #[test]
    fn unknown_actions_are_named_with_their_paths() {
        let d = doc(
            r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjet", "s3:Gett*"], "Resource": "*"},
               {"Effect": "Deny", "NotAction": "nosuchservice:Foo", "Resource": "*"}"#,
        );
        let found: Vec<(String, Option<String>)> = d
            .unknown_actions(catalog())
            .into_iter()
            .map(|(path, m)| (path, m.suggestion))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "$.Statement[0].Action[1]".to_owned(),
                    Some("s3:GetObject".to_owned())
                ),
                (
                    "$.Statement[0].Action[2]".to_owned(),
                    Some("s3:Get*".to_owned())
                ),
                ("$.Statement[1].NotAction".to_owned(), None),
            ]
        );
        assert!(
            doc(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#)
                .unknown_actions(catalog())
                .is_empty()
        );
    }

    #[test]
    fn denies_apply_across_a_principals_policies() {
        let allow = doc(r#"{"Effect": "Allow", "Action": "sts:Get*", "Resource": "*"}"#);
        let deny = doc(r#"{"Effect": "Deny", "Action": "sts:GetSessionToken", "Resource": "*"}"#);
        let alone = allow.allowed_actions(catalog());
        assert!(alone.contains("sts:GetSessionToken"));
        let together = allowed_actions_of(&[&allow, &deny], catalog());
        assert!(!together.contains("sts:GetSessionToken"));
        assert_eq!(together.len(), alone.len() - 1);
        assert!(deny.allowed_actions(catalog()).is_empty());
        assert!(allowed_actions_of(&[], catalog()).is_empty());
    }
}
