//! Properties of the evaluator over random policies.
//!
//! 1. Without conditions, on `Resource: "*"`, the evaluator and the policy module's
//!    expansion agree: an action is in `allowed_actions_of` exactly when a request for it
//!    is allowed (over a slice of the real catalogue: S3, STS, SQS).
//! 2. Unknowns are sound: when a context leaves keys (or the resource) unknown, a definite
//!    decision stays the same however they turn out.

use proptest::prelude::*;

use crate::catalog::{ActionCatalog, ActionPattern};
use crate::policy::{
    ActionClause, Condition, ConditionOperator, ConditionValue, Effect, ListForm, OneOrMany,
    PolicyDocument, ResourceClause, Statement, VERSION_2012, allowed_actions_of,
};

use super::{Context, Decision, NamedPolicy, PolicySet, Request, evaluate};

/// The catalogue's S3, STS and SQS services and actions.
pub(crate) fn catalog() -> &'static ActionCatalog {
    static SLICE: std::sync::OnceLock<ActionCatalog> = std::sync::OnceLock::new();
    SLICE.get_or_init(|| {
        let full = include_str!("../catalog/iam-catalog.jsonl");
        let keep = |line: &&str| {
            line.starts_with("{\"catalog\"")
                || ["s3", "sts", "sqs"].iter().any(|s| {
                    line.starts_with(&format!("{{\"service\":\"{s}\","))
                        || line.starts_with(&format!("{{\"action\":\"{s}:"))
                })
        };
        let text: Vec<&str> = full.lines().filter(keep).collect();
        ActionCatalog::from_jsonl(&text.join("\n")).unwrap()
    })
}

pub(crate) const PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "S3:getobject",
    "s3:Put?bject",
    "s3:*Object*",
    "s3:List*",
    "sts:*",
    "sts:GetCallerIdentity",
    "sts:Assume?ole",
    "sqs:Send*",
    "*:Get*",
    "sqs:NoSuchAction",
];

fn patterns() -> impl Strategy<Value = Vec<ActionPattern>> {
    prop::collection::vec(prop::sample::select(PATTERNS), 1..4).prop_map(|list| {
        list.into_iter()
            .map(|p| ActionPattern::parse(p).unwrap())
            .collect()
    })
}

fn effect() -> impl Strategy<Value = Effect> {
    prop_oneof![3 => Just(Effect::Allow), 1 => Just(Effect::Deny)]
}

fn action_clause() -> impl Strategy<Value = ActionClause> {
    (any::<bool>(), patterns()).prop_map(|(not, list)| {
        let list = OneOrMany::array(list);
        if not {
            ActionClause::NotAction(list)
        } else {
            ActionClause::Action(list)
        }
    })
}

fn document(statements: Vec<Statement>) -> PolicyDocument {
    PolicyDocument {
        version: Some(VERSION_2012.to_owned()),
        id: None,
        statements,
        statement_form: ListForm::Array,
    }
}

fn unconditional_statement() -> impl Strategy<Value = Statement> {
    (effect(), action_clause()).prop_map(|(effect, action)| Statement {
        sid: None,
        effect,
        principal: None,
        action,
        resource: Some(ResourceClause::Resource(OneOrMany::one("*".to_owned()))),
        condition: Vec::new(),
    })
}

fn named(documents: &[PolicyDocument]) -> Vec<NamedPolicy<'_>> {
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| NamedPolicy {
            name: format!("p{i}"),
            document,
        })
        .collect()
}

proptest! {
    #[test]
    fn agrees_with_allowed_actions(
        documents in prop::collection::vec(
            prop::collection::vec(unconditional_statement(), 1..4).prop_map(document),
            1..3,
        )
    ) {
        let catalog = catalog();
        let refs: Vec<&PolicyDocument> = documents.iter().collect();
        let allowed = allowed_actions_of(&refs, catalog);
        let set = PolicySet { identity: named(&documents), ..PolicySet::default() };
        let context = Context::new();
        for action in catalog.actions() {
            let request = Request {
                action: &action.name,
                resource: Some("arn:aws:s3:::bucket/key"),
                context: &context,
            };
            let evaluation = evaluate(&set, &request);
            prop_assert_ne!(evaluation.decision, Decision::Undetermined);
            prop_assert_eq!(
                allowed.contains(action.name.as_str()),
                evaluation.is_allowed(),
                "{}: {}", action.name, evaluation.explanation
            );
        }
    }
}

// Unknowns: two keys, `k` (single-valued) and `m` (multivalued), each known, absent or
// unknown; conditions and resources that read them.

const CONDITIONS: &[(&str, &str, &[&str])] = &[
    ("StringEquals", "k", &["a"]),
    ("StringNotEquals", "k", &["a"]),
    ("StringLikeIfExists", "k", &["b*"]),
    ("Null", "k", &["true"]),
    ("Null", "m", &["false"]),
    ("ForAllValues:StringEquals", "m", &["a", "b"]),
    ("ForAllValues:StringEquals", "m", &["a"]),
    ("ForAnyValue:StringEquals", "m", &["b"]),
    ("ForAnyValue:StringNotEquals", "m", &["a"]),
    ("StringNotLike", "m", &["a"]),
    ("StringEquals", "m", &["${k}"]),
    ("StringNotEquals", "m", &["${k, 'b'}"]),
];

const RESOURCES: &[(bool, &str)] = &[
    (false, "*"),
    (false, "arn:aws:s3:::b/*"),
    (false, "arn:aws:s3:::b/${k}"),
    (true, "arn:aws:s3:::b/a"),
    (true, "arn:aws:s3:::c/${k, 'a'}"),
];

const ARNS: &[&str] = &["arn:aws:s3:::b/a", "arn:aws:s3:::b/b", "arn:aws:s3:::c/a"];

/// A key's value in a complete context: absent, or these values.
const COMPLETIONS: &[Option<&[&str]>] = &[None, Some(&["a"]), Some(&["b"]), Some(&["a", "b"])];

fn conditional_statement() -> impl Strategy<Value = Statement> {
    (
        effect(),
        prop::sample::select(RESOURCES),
        prop::collection::vec(prop::sample::select(CONDITIONS), 0..3),
    )
        .prop_map(|(effect, (not, resource), conditions)| {
            let resource = OneOrMany::one(resource.to_owned());
            Statement {
                sid: None,
                effect,
                principal: None,
                action: ActionClause::Action(OneOrMany::one(ActionPattern::parse("s3:*").unwrap())),
                resource: Some(if not {
                    ResourceClause::NotResource(resource)
                } else {
                    ResourceClause::Resource(resource)
                }),
                condition: conditions
                    .into_iter()
                    .map(|(operator, key, values)| Condition {
                        operator: ConditionOperator::parse(operator).unwrap(),
                        key: key.to_owned(),
                        values: OneOrMany::array(
                            values
                                .iter()
                                .map(|v| ConditionValue::String((*v).to_owned()))
                                .collect(),
                        ),
                    })
                    .collect(),
            }
        })
}

/// A key's state: `None` unknown, else a completion.
fn key_state() -> impl Strategy<Value = Option<Option<&'static [&'static str]>>> {
    prop_oneof![Just(None), prop::sample::select(COMPLETIONS).prop_map(Some)]
}

fn context_of(k: Option<Option<&[&str]>>, m: Option<Option<&[&str]>>) -> Context {
    let mut context = Context::new();
    for (key, state) in [("k", k), ("m", m)] {
        match state {
            None => {}
            Some(None) => context.set_absent(key),
            Some(Some(values)) => {
                context.set(key, values.iter().map(|v| (*v).to_owned()).collect())
            }
        }
    }
    context
}

proptest! {
    #[test]
    fn definite_decisions_survive_every_completion(
        documents in prop::collection::vec(
            prop::collection::vec(conditional_statement(), 1..4).prop_map(document),
            1..3,
        ),
        k in key_state(),
        m in key_state(),
        resource in prop::option::of(prop::sample::select(ARNS)),
    ) {
        let set = PolicySet { identity: named(&documents), ..PolicySet::default() };
        let partial = context_of(k, m);
        let decided = evaluate(&set, &Request { action: "s3:GetObject", resource, context: &partial });
        let options = |state: Option<Option<&'static [&'static str]>>| match state {
            None => COMPLETIONS.iter().map(|c| Some(*c)).collect::<Vec<_>>(),
            known => vec![known],
        };
        let resources: Vec<&str> = match resource {
            Some(arn) => vec![arn],
            None => ARNS.to_vec(),
        };
        for k in options(k) {
            for m in options(m) {
                for arn in &resources {
                    let full = context_of(k, m);
                    let complete = evaluate(
                        &set,
                        &Request { action: "s3:GetObject", resource: Some(arn), context: &full },
                    );
                    prop_assert_ne!(complete.decision, Decision::Undetermined);
                    prop_assert!(complete.undetermined.is_empty());
                    let consistent = match decided.decision {
                        Decision::Allow => complete.decision == Decision::Allow,
                        Decision::ExplicitDeny => complete.decision == Decision::ExplicitDeny,
                        Decision::ImplicitDeny => complete.decision != Decision::Allow,
                        Decision::Undetermined => true,
                    };
                    prop_assert!(
                        consistent,
                        "{} with k={:?} m={:?} resource={:?}, but {} with k={:?} m={:?} on {}: {}",
                        decided.decision, k, m, resource, complete.decision, k, m, arn,
                        complete.explanation
                    );
                }
            }
        }
    }
}
