//! Properties of tightening over generated policies (Action and NotAction, wildcards,
//! Deny statements, conditions, resources) and generated use, on the catalogue's S3, STS
//! and SQS actions:
//!
//! 1. A rewrite never allows what the original did not: for every action, on resources
//!    inside and outside the statements' `Resource`, in a region a condition names and in
//!    one it does not, the evaluator allows a request under the new document only if it
//!    allows it under the original.
//! 2. Tightening is idempotent: the rewrite of a rewritten document, with the same
//!    evidence, changes nothing.

use proptest::prelude::*;

use super::{Evidence, Level, RewriteOptions, Source, Usage, Visibility, rewrite};
use crate::eval::proptests::{PATTERNS, catalog};
use crate::eval::{Context, Decision, NamedPolicy, PolicySet, Request, evaluate};
use crate::policy::PolicyDocument;

const RESOURCES: &[&str] = &[
    r#""*""#,
    r#""arn:aws:s3:::b0/*""#,
    r#"["arn:aws:s3:::b0/*", "arn:aws:sqs:*:123456789012:q*"]"#,
];

const CONDITIONS: &[&str] = &[
    "",
    "",
    r#", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}"#,
];

/// One statement as JSON text.
fn statement() -> impl Strategy<Value = String> {
    (
        prop_oneof![3 => Just("Allow"), 1 => Just("Deny")],
        prop_oneof![3 => Just("Action"), 1 => Just("NotAction")],
        // The evaluator's patterns that a policy document may hold (`*:Get*` may not).
        prop::collection::vec(
            prop::sample::select(
                PATTERNS
                    .iter()
                    .copied()
                    .filter(|p| !p.starts_with("*:"))
                    .collect::<Vec<_>>(),
            ),
            1..4,
        ),
        prop::sample::select(RESOURCES),
        prop::sample::select(CONDITIONS),
    )
        .prop_map(|(effect, key, patterns, resource, condition)| {
            let list = serde_json::to_string(&patterns).expect("strings");
            format!(
                r#"{{"Effect": "{effect}", "{key}": {list}, "Resource": {resource}{condition}}}"#
            )
        })
}

fn policy() -> impl Strategy<Value = PolicyDocument> {
    prop::collection::vec(statement(), 1..4).prop_map(|statements| {
        PolicyDocument::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(", ")
        ))
        .expect("generated policies parse")
    })
}

/// Some of the slice's actions, used in the window.
fn usage() -> impl Strategy<Value = Usage> {
    let count = catalog().actions().len();
    prop::collection::vec(0..count, 0..10).prop_map(|picks| {
        let mut usage = Usage::default();
        for i in picks {
            let action = &catalog().actions()[i].name;
            usage.add_action(action, &Evidence::one(Source::Trail, "p", Some(1), 1));
        }
        usage
    })
}

fn options(level: Level, drop_unobservable: bool) -> RewriteOptions {
    RewriteOptions {
        level,
        drop_unobservable,
        ..RewriteOptions::default()
    }
}

fn allows(document: Option<&PolicyDocument>, request: &Request<'_>) -> bool {
    let Some(document) = document else {
        return false;
    };
    let set = PolicySet {
        identity: vec![NamedPolicy {
            name: "p".to_owned(),
            document,
        }],
        ..PolicySet::default()
    };
    evaluate(&set, request).decision == Decision::Allow
}

fn region(name: &str) -> Context {
    let mut context = Context::new();
    context.set("aws:RequestedRegion", vec![name.to_owned()]);
    context
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_rewrite_never_allows_what_the_original_did_not(
        original in policy(),
        used in usage(),
        service_level in any::<bool>(),
        drop in any::<bool>(),
    ) {
        let level = if service_level { Level::Service } else { Level::Action };
        let visibility = Visibility { trail: true, ..Visibility::default() };
        let new = rewrite(&original, &used, &visibility, &options(level, drop), catalog())
            .expect("a rewrite never fails its own check");
        let probes = ["arn:aws:s3:::b0/key", "arn:aws:s3:::other/key", "arn:aws:sqs:eu-west-1:123456789012:queue"];
        let contexts = [region("eu-west-1"), region("us-east-1")];
        for action in catalog().actions() {
            for resource in probes {
                for context in &contexts {
                    let request = Request { action: &action.name, resource: Some(resource), context };
                    if allows(new.document.as_ref(), &request) {
                        prop_assert!(
                            allows(Some(&original), &request),
                            "{} on {resource} allowed only after the rewrite\n{:?}\n{:?}",
                            action.name, original, new.document
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn tightening_a_tightened_policy_changes_nothing(
        original in policy(),
        used in usage(),
        service_level in any::<bool>(),
        drop in any::<bool>(),
    ) {
        let level = if service_level { Level::Service } else { Level::Action };
        let visibility = Visibility { trail: true, ..Visibility::default() };
        let options = options(level, drop);
        let once = rewrite(&original, &used, &visibility, &options, catalog()).unwrap();
        let Some(tightened) = once.document else {
            // Nothing kept: nothing left to tighten.
            return Ok(());
        };
        let twice = rewrite(&tightened, &used, &visibility, &options, catalog()).unwrap();
        prop_assert!(!twice.changed, "{:?}\n->\n{:?}", tightened, twice.document);
        prop_assert_eq!(twice.document.as_ref(), Some(&tightened));
    }
}
