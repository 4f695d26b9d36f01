//! The decision: AWS's evaluation logic for a principal in its own account, over the
//! layers of a [`PolicySet`], with unknowns carried through.
//!
//! 1. A statement that denies, in any policy of any layer, decides: explicit deny.
//! 2. Each layer must allow: the SCPs of every entity on the account's path (an allow at
//!    the root does not help an OU none of whose SCPs allows), then the identity
//!    policies, then the permissions boundary when there is one. The first layer, in that
//!    order, with no statement that allows or might allow decides: implicit deny.
//! 3. A Deny that might apply (its result depends on a key not known) forbids an allow,
//!    and so does a layer whose only allows might apply: undetermined. The one exception
//!    is step 2: a request that no layer can allow is denied whether or not the Deny
//!    applies, so that is an implicit deny (with the Deny listed as undetermined, since it
//!    would make the deny explicit).
//! 4. Otherwise: allow.

use crate::policy::Effect;

use super::statement;
use super::tri::Tri;
use super::{Decision, Evaluation, NamedPolicy, PolicySet, Request, StatementRef};

/// Decides `request` against every policy in `set`; see the module notes for the order.
pub fn evaluate(set: &PolicySet<'_>, request: &Request<'_>) -> Evaluation {
    let mut found = Found::default();
    for level in &set.scps {
        found.scan(Layer::Scp(&level.entity), &level.policies, request);
    }
    found.scan(Layer::Identity, &set.identity, request);
    if let Some(boundary) = &set.boundary {
        found.scan(
            Layer::Boundary(&boundary.name),
            std::slice::from_ref(boundary),
            request,
        );
    }
    found.decide(request)
}

/// A layer of the evaluation, for explanations.
#[derive(Debug, Clone, Copy)]
enum Layer<'s> {
    /// The SCPs attached to one entity (root, OU, account).
    Scp(&'s str),
    /// The identity-based policies.
    Identity,
    /// The permissions boundary, by name.
    Boundary(&'s str),
}

impl Layer<'_> {
    /// `SCP `p#s` on ou-1`, `identity policy `p#s``, `permissions boundary `b#s``.
    fn statement(&self, statement: &StatementRef) -> String {
        match self {
            Layer::Scp(entity) => format!("SCP `{statement}` on {entity}"),
            Layer::Identity => format!("identity policy `{statement}`"),
            Layer::Boundary(_) => format!("permissions boundary `{statement}`"),
        }
    }

    /// What is missing when the layer does not allow `target`.
    fn refuses(&self, target: &str) -> String {
        match self {
            Layer::Scp(entity) => format!("no SCP on {entity} allows {target}"),
            Layer::Identity => format!("no identity policy allows {target}"),
            Layer::Boundary(name) => {
                format!("the permissions boundary `{name}` does not allow {target}")
            }
        }
    }
}

/// What one layer's Allow statements gave.
#[derive(Debug)]
struct LayerOutcome<'s> {
    layer: Layer<'s>,
    allows: Vec<StatementRef>,
    maybe_allows: Vec<(StatementRef, Vec<String>)>,
}

/// Every statement that applies or might, by layer.
#[derive(Debug, Default)]
struct Found<'s> {
    layers: Vec<LayerOutcome<'s>>,
    denies: Vec<(Layer<'s>, StatementRef)>,
    maybe_denies: Vec<(Layer<'s>, StatementRef, Vec<String>)>,
}

impl<'s> Found<'s> {
    fn scan(&mut self, layer: Layer<'s>, policies: &[NamedPolicy<'_>], request: &Request<'_>) {
        let mut outcome = LayerOutcome {
            layer,
            allows: Vec::new(),
            maybe_allows: Vec::new(),
        };
        for policy in policies {
            let version = policy.document.version.as_deref();
            for (index, s) in policy.document.statements.iter().enumerate() {
                let result = statement::applies(s, version, request);
                if result == Tri::No {
                    continue;
                }
                let reference = StatementRef {
                    policy: policy.name.clone(),
                    index,
                    sid: s.sid.clone(),
                    effect: s.effect,
                };
                match (s.effect, result) {
                    (Effect::Allow, Tri::Unknown(keys)) => {
                        outcome.maybe_allows.push((reference, keys));
                    }
                    (Effect::Allow, _) => outcome.allows.push(reference),
                    (Effect::Deny, Tri::Unknown(keys)) => {
                        self.maybe_denies.push((layer, reference, keys));
                    }
                    (Effect::Deny, _) => self.denies.push((layer, reference)),
                }
            }
        }
        self.layers.push(outcome);
    }

    fn decide(self, request: &Request<'_>) -> Evaluation {
        let target = match request.resource {
            Some(resource) => format!("{} on `{resource}`", request.action),
            None => request.action.to_owned(),
        };
        if let Some((layer, first)) = self.denies.first() {
            let more = match self.denies.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Evaluation {
                decision: Decision::ExplicitDeny,
                explanation: format!("{} denies {target}{more}", layer.statement(first)),
                deciding: self.denies.into_iter().map(|(_, r)| r).collect(),
                undetermined: Vec::new(),
            };
        }
        let mut undetermined: Vec<(StatementRef, String)> = self
            .maybe_denies
            .iter()
            .flat_map(|(_, r, keys)| keys.iter().map(move |k| (r.clone(), k.clone())))
            .collect();
        // The first Deny that might apply, and what it depends on.
        let might_deny = self
            .maybe_denies
            .first()
            .map(|(layer, r, keys)| (layer.statement(r), key_list(keys)));
        let refusing = self
            .layers
            .iter()
            .find(|l| l.allows.is_empty() && l.maybe_allows.is_empty());
        if let Some(layer) = refusing {
            let mut explanation = layer.layer.refuses(&target);
            if let Some((statement, keys)) = might_deny {
                explanation = format!(
                    "{explanation} (and {statement} might deny it explicitly, depending on {keys})"
                );
            }
            return Evaluation {
                decision: Decision::ImplicitDeny,
                deciding: Vec::new(),
                undetermined,
                explanation,
            };
        }
        // Layers whose only allows might apply.
        let uncertain: Vec<&LayerOutcome<'_>> =
            self.layers.iter().filter(|l| l.allows.is_empty()).collect();
        let explanation = match (might_deny, uncertain.first()) {
            (Some((statement, keys)), _) => Some(format!(
                "{statement} might deny {target}, depending on {keys} (not known)"
            )),
            (None, Some(first)) => {
                // Not empty: no layer refuses, so this one has an allow that might apply.
                let (reference, keys) = &first.maybe_allows[0];
                Some(format!(
                    "{} for certain: {} might, depending on {} (not known)",
                    first.layer.refuses(&target),
                    first.layer.statement(reference),
                    key_list(keys)
                ))
            }
            (None, None) => None,
        };
        if let Some(explanation) = explanation {
            for layer in &uncertain {
                undetermined.extend(unknowns(&layer.maybe_allows));
            }
            return Evaluation {
                decision: Decision::Undetermined,
                deciding: Vec::new(),
                undetermined,
                explanation,
            };
        }
        // Every layer has a certain allow here.
        let explanation = format!(
            "allowed by {}",
            self.layers
                .iter()
                .map(|l| l.layer.statement(&l.allows[0]))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Evaluation {
            decision: Decision::Allow,
            deciding: self.layers.into_iter().flat_map(|l| l.allows).collect(),
            undetermined: Vec::new(),
            explanation,
        }
    }
}

fn unknowns(
    statements: &[(StatementRef, Vec<String>)],
) -> impl Iterator<Item = (StatementRef, String)> + '_ {
    statements
        .iter()
        .flat_map(|(r, keys)| keys.iter().map(move |k| (r.clone(), k.clone())))
}

fn key_list(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::policy::PolicyDocument;

    use super::super::{Context, ScpLevel};
    use super::*;

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#
        ))
        .unwrap()
    }

    fn named<'a>(name: &str, document: &'a PolicyDocument) -> NamedPolicy<'a> {
        NamedPolicy {
            name: name.to_owned(),
            document,
        }
    }

    fn run(set: &PolicySet<'_>, action: &str, context: &Context) -> Evaluation {
        evaluate(
            set,
            &Request {
                action,
                resource: Some("arn:aws:s3:::bucket/key"),
                context,
            },
        )
    }

    fn refs(evaluation: &Evaluation) -> Vec<String> {
        evaluation
            .deciding
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn explicit_deny_wins_in_any_layer() {
        let allow = doc(r#"{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}"#);
        let deny = doc(
            r#"{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
               {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}"#,
        );
        let c = Context::new();
        for (where_, set) in [
            (
                "identity policy `d#NoDelete`",
                PolicySet {
                    identity: vec![named("a", &allow), named("d", &deny)],
                    ..PolicySet::default()
                },
            ),
            (
                "permissions boundary `d#NoDelete`",
                PolicySet {
                    identity: vec![named("a", &allow)],
                    boundary: Some(named("d", &deny)),
                    ..PolicySet::default()
                },
            ),
            (
                "SCP `d#NoDelete` on ou-1",
                PolicySet {
                    identity: vec![named("a", &allow)],
                    scps: vec![ScpLevel {
                        entity: "ou-1".into(),
                        policies: vec![named("d", &deny)],
                    }],
                    ..PolicySet::default()
                },
            ),
        ] {
            let e = run(&set, "s3:DeleteObject", &c);
            assert_eq!(e.decision, Decision::ExplicitDeny, "{where_}");
            assert_eq!(refs(&e), ["d#NoDelete"]);
            assert!(e.explanation.starts_with(where_), "{}", e.explanation);
            assert!(run(&set, "s3:GetObject", &c).is_allowed());
        }
    }

    #[test]
    fn every_layer_must_allow() {
        let all = doc(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
        let s3 = doc(r#"{"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#);
        let c = Context::new();
        let set = PolicySet {
            identity: vec![named("admin", &all)],
            boundary: Some(named("s3-only", &s3)),
            scps: vec![
                ScpLevel {
                    entity: "r-root".into(),
                    policies: vec![named("FullAWSAccess", &all)],
                },
                ScpLevel {
                    entity: "ou-a".into(),
                    policies: vec![named("S3Only", &s3)],
                },
            ],
        };
        let e = run(&set, "s3:GetObject", &c);
        assert_eq!(e.decision, Decision::Allow);
        assert_eq!(
            refs(&e),
            [
                "FullAWSAccess#statement[0]",
                "S3Only#S3",
                "admin#statement[0]",
                "s3-only#S3"
            ]
        );
        assert_eq!(
            e.explanation,
            "allowed by SCP `FullAWSAccess#statement[0]` on r-root, SCP `S3Only#S3` on ou-a, \
             identity policy `admin#statement[0]`, permissions boundary `s3-only#S3`"
        );
        let e = run(&set, "sqs:SendMessage", &c);
        assert_eq!(e.decision, Decision::ImplicitDeny);
        assert!(e.deciding.is_empty());
        assert_eq!(
            e.explanation,
            "no SCP on ou-a allows sqs:SendMessage on `arn:aws:s3:::bucket/key`"
        );
        let no_identity = PolicySet {
            identity: vec![],
            ..set.clone()
        };
        assert_eq!(
            run(&no_identity, "s3:GetObject", &c).explanation,
            "no identity policy allows s3:GetObject on `arn:aws:s3:::bucket/key`"
        );
        let narrow_boundary = PolicySet {
            scps: vec![],
            boundary: Some(named("none", &s3)),
            identity: vec![named("admin", &all)],
        };
        assert_eq!(
            run(&narrow_boundary, "ec2:RunInstances", &c).explanation,
            "the permissions boundary `none` does not allow ec2:RunInstances on `arn:aws:s3:::bucket/key`"
        );
    }

    #[test]
    fn unknowns_never_allow() {
        let all = doc(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
        let from_office = doc(
            r#"{"Sid": "Office", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}"#,
        );
        let deny_outside = doc(
            r#"{"Sid": "Outside", "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}"#,
        );
        let unknown = Context::new();
        let inside = Context::new().with("aws:SourceIp", &["10.1.1.1"]);
        let maybe_allow = PolicySet {
            identity: vec![named("office", &from_office)],
            ..PolicySet::default()
        };
        let e = run(&maybe_allow, "s3:GetObject", &unknown);
        assert_eq!(e.decision, Decision::Undetermined);
        assert_eq!(e.undetermined_keys(), ["aws:SourceIp"]);
        assert_eq!(e.undetermined[0].0.to_string(), "office#Office");
        assert_eq!(
            run(&maybe_allow, "s3:GetObject", &inside).decision,
            Decision::Allow
        );
        assert_eq!(
            run(&maybe_allow, "sqs:SendMessage", &unknown).decision,
            Decision::ImplicitDeny
        );
        let maybe_deny = PolicySet {
            identity: vec![named("all", &all), named("guard", &deny_outside)],
            ..PolicySet::default()
        };
        let e = run(&maybe_deny, "s3:GetObject", &unknown);
        assert_eq!(e.decision, Decision::Undetermined);
        assert_eq!(e.undetermined[0].0.to_string(), "guard#Outside");
        assert!(e.explanation.contains("might deny"), "{}", e.explanation);
        assert_eq!(
            run(&maybe_deny, "s3:GetObject", &inside).decision,
            Decision::Allow
        );
        // Nothing allows: denied either way, the maybe-Deny listed.
        let nothing = PolicySet {
            identity: vec![named("guard", &deny_outside)],
            ..PolicySet::default()
        };
        let e = run(&nothing, "s3:GetObject", &unknown);
        assert_eq!(e.decision, Decision::ImplicitDeny);
        assert_eq!(e.undetermined_keys(), ["aws:SourceIp"]);
        // A certain allow elsewhere in the layer makes a maybe-allow irrelevant.
        let both = PolicySet {
            identity: vec![named("office", &from_office), named("all", &all)],
            ..PolicySet::default()
        };
        let e = run(&both, "s3:GetObject", &unknown);
        assert_eq!(e.decision, Decision::Allow);
        assert!(e.undetermined.is_empty());
        assert_eq!(refs(&e), ["all#statement[0]"]);
    }

    #[test]
    fn an_entity_without_scps_allows_nothing() {
        let all = doc(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
        let set = PolicySet {
            identity: vec![named("all", &all)],
            scps: vec![
                ScpLevel {
                    entity: "r-root".into(),
                    policies: vec![named("FullAWSAccess", &all)],
                },
                ScpLevel {
                    entity: "111122223333".into(),
                    policies: vec![],
                },
            ],
            ..PolicySet::default()
        };
        let e = run(&set, "s3:GetObject", &Context::new());
        assert_eq!(e.decision, Decision::ImplicitDeny);
        assert!(e.explanation.starts_with("no SCP on 111122223333 allows"));
    }

    #[test]
    fn decisions_and_references_print() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
            assert_eq!(d.to_string(), d.as_str());
        }
        assert_eq!(Decision::parse("Allow"), None);
        let r = StatementRef {
            policy: "p".into(),
            index: 2,
            sid: Some(String::new()),
            effect: Effect::Deny,
        };
        assert_eq!(r.to_string(), "p#statement[2]", "an empty Sid is no Sid");
    }
}
