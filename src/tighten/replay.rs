//! The replay: every successful call of the principals whose policies change, evaluated
//! against their policies before and after. A call allowed before and not after is a
//! regression; a plan with regressions is not applied without the user's say.

use super::After;
use crate::eval::principal::{LoadedPolicy, PrincipalPolicies, policy_set};
use crate::eval::{Decision, Request, evaluate};
use crate::request::event::{EventFacts, StoredEvent, event_context};
use crate::request::resource::{IamNames, ResourceDeriver, ResourceStatus};

/// One call the new policies would deny.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Regression {
    pub event_id: String,
    pub event_time: Option<String>,
    pub principal: String,
    /// `service eventName`.
    pub call: String,
    pub action: String,
    pub resource: Option<String>,
    /// The evaluator's decision after the change (`implicit-deny`, ...).
    pub decision: &'static str,
    pub explanation: String,
}

/// What the replay found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Replay {
    /// Principals whose policies change.
    pub principals: usize,
    /// Their successful calls in the window.
    pub events: usize,
    /// The actions of those calls (own and dependent).
    pub actions: usize,
    pub regressions: Vec<Regression>,
    /// Actions the current policies do not allow for certain either (conditions on keys
    /// the event does not show, an incomplete picture): not evidence either way.
    pub not_comparable: usize,
    /// Principals whose policies are not all in the store: their calls are not compared.
    pub incomplete: Vec<String>,
    /// Principals with calls that the IAM snapshot does not know.
    pub unknown_principals: Vec<String>,
    /// Events with an action whose resources the event does not name: replayed with the
    /// resource unknown.
    pub underivable: usize,
    pub warnings: Vec<String>,
}

/// Which policies a replay swaps: identity policies (by principal, key and group) and
/// SCPs (by policy id).
pub type Swap<'p> = dyn Fn(&str, &LoadedPolicy) -> After<'p> + 'p;

/// A principal's identity policies and SCPs after a swap.
#[derive(Debug, Clone)]
pub struct Swapped {
    pub identity: Vec<LoadedPolicy>,
    pub scps: Vec<(String, Vec<LoadedPolicy>)>,
}

/// `policies` after `swap`; whether any changed.
fn swap_list(arn: &str, policies: &[LoadedPolicy], swap: &Swap<'_>) -> (Vec<LoadedPolicy>, bool) {
    let mut changed = false;
    let mut out = Vec::with_capacity(policies.len());
    for p in policies {
        match swap(arn, p) {
            After::Keep => out.push(p.clone()),
            After::Replace(document) => {
                changed = true;
                out.push(LoadedPolicy {
                    document: document.clone(),
                    ..p.clone()
                });
            }
            After::Drop => changed = true,
        }
    }
    (out, changed)
}

/// The policies of the principal `arn` after `swap`; `None` when nothing changes for it
/// (its calls need no replay). The permissions boundary is never swapped.
pub fn swap(arn: &str, loaded: &PrincipalPolicies, swap: &Swap<'_>) -> Option<Swapped> {
    let (identity, mut changed) = swap_list(arn, &loaded.identity, swap);
    let scps = loaded
        .scps
        .iter()
        .map(|(entity, policies)| {
            let (policies, scp_changed) = swap_list(arn, policies, swap);
            changed |= scp_changed;
            (entity.clone(), policies)
        })
        .collect();
    changed.then_some(Swapped { identity, scps })
}

impl Replay {
    /// Notes a principal the IAM snapshot lacks (root, another account): its calls
    /// cannot be replayed.
    pub fn unknown(&mut self, arn: &str, why: &dyn std::fmt::Display) {
        self.unknown_principals.push(format!("{arn}: {why}"));
    }

    /// Replays `events`, the successful calls of `arn` in the window, against its policies
    /// before (`loaded`) and after (`after`). Each resource a call touched is authorised
    /// on its own; an action whose resources the event does not name is evaluated with an
    /// unknown resource, which only `*` allows for certain.
    pub fn compare(
        &mut self,
        arn: &str,
        loaded: &PrincipalPolicies,
        after: &Swapped,
        events: &[StoredEvent],
        iam_names: &IamNames,
    ) {
        self.principals += 1;
        let complete = loaded.is_complete();
        if !complete {
            self.incomplete.push(arn.to_owned());
        }
        self.warnings
            .extend(loaded.warnings.iter().map(|w| format!("{arn}: {w}")));
        let before = loaded.policy_set();
        let after = policy_set(&after.identity, loaded.boundary.as_ref(), &after.scps);
        for event in events {
            self.events += 1;
            let resources = event.resource_refs();
            let facts = EventFacts {
                iam_names: Some(iam_names),
                ..event.facts(&resources)
            };
            let context = event_context(&facts);
            let deriver = ResourceDeriver::new(&facts);
            let mut underivable = false;
            for action in event.actions.iter().chain(&event.dependent) {
                self.actions += 1;
                let derived = deriver.resources(action);
                underivable |= derived.status == ResourceStatus::Underivable;
                let resources: Vec<Option<String>> = if derived.arns.is_empty() {
                    vec![None]
                } else {
                    derived.arns.into_iter().map(Some).collect()
                };
                for resource in resources {
                    let request = Request {
                        action,
                        resource: resource.as_deref(),
                        context: &context,
                    };
                    let old = evaluate(&before, &request);
                    if old.decision != Decision::Allow || !complete {
                        self.not_comparable += 1;
                        continue;
                    }
                    let new = evaluate(&after, &request);
                    if new.decision != Decision::Allow {
                        self.regressions.push(Regression {
                            event_id: event.event_id.clone(),
                            event_time: event.event_time.clone(),
                            principal: arn.to_owned(),
                            call: format!("{} {}", event.event_source, event.event_name),
                            action: action.clone(),
                            resource,
                            decision: new.decision.as_str(),
                            explanation: new.explanation,
                        });
                    }
                }
            }
            self.underivable += usize::from(underivable);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::principal::{PrincipalRef, Via};
    use crate::policy::PolicyDocument;

    fn document(actions: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
        ))
        .unwrap()
    }

    const ARN: &str = "arn:aws:iam::123456789012:user/alice";

    fn alice(policies: Vec<LoadedPolicy>) -> PrincipalPolicies {
        PrincipalPolicies {
            principal: PrincipalRef {
                account_id: "123456789012".to_owned(),
                principal_type: "user".to_owned(),
                name: "alice".to_owned(),
                arn: ARN.to_owned(),
                boundary: None,
            },
            identity: policies,
            boundary: None,
            scps: Vec::new(),
            org_path: None,
            warnings: Vec::new(),
        }
    }

    fn policy(name: &str, via: Via, actions: &str) -> LoadedPolicy {
        LoadedPolicy {
            key: format!("arn:aws:iam::123456789012:policy/{name}"),
            name: name.to_owned(),
            via,
            document: document(actions),
        }
    }

    fn call(id: &str, source: &str, name: &str, action: &str) -> StoredEvent {
        StoredEvent {
            event_id: id.to_owned(),
            event_source: source.to_owned(),
            event_name: name.to_owned(),
            event_time: Some("2024-05-01T10:00:00Z".to_owned()),
            principal_arn: Some(ARN.to_owned()),
            account_id: Some("123456789012".to_owned()),
            actions: vec![action.to_owned()],
            ..StoredEvent::default()
        }
    }

    #[test]
    fn a_principal_nothing_changes_for_is_not_replayed() {
        let loaded = alice(vec![policy("P", Via::Direct, r#""s3:*""#)]);
        assert!(swap(ARN, &loaded, &|_, _| After::Keep).is_none());
    }

    #[test]
    fn a_call_the_new_policy_denies_is_a_regression_and_one_it_allows_is_not() {
        let loaded = alice(vec![
            policy(
                "P",
                Via::Direct,
                r#"["s3:ListAllMyBuckets", "ec2:DescribeInstances"]"#,
            ),
            policy("G", Via::Group("Dev".to_owned()), r#""kms:*""#),
        ]);
        let narrower = document(r#""s3:ListAllMyBuckets""#);
        let swapper = |_: &str, p: &LoadedPolicy| match p.via {
            Via::Direct => After::Replace(&narrower),
            _ => After::Keep,
        };
        let after = swap(ARN, &loaded, &swapper).expect("P changes");
        let events = [
            call(
                "e1",
                "s3.amazonaws.com",
                "ListBuckets",
                "s3:ListAllMyBuckets",
            ),
            call(
                "e2",
                "ec2.amazonaws.com",
                "DescribeInstances",
                "ec2:DescribeInstances",
            ),
            call("e3", "kms.amazonaws.com", "ListKeys", "kms:ListKeys"),
        ];
        let mut replay = Replay::default();
        replay.compare(ARN, &loaded, &after, &events, &IamNames::default());
        assert_eq!(
            (replay.principals, replay.events, replay.actions),
            (1, 3, 3)
        );
        assert_eq!(replay.regressions.len(), 1, "{:?}", replay.regressions);
        let r = &replay.regressions[0];
        assert_eq!(
            (r.event_id.as_str(), r.action.as_str(), r.decision),
            ("e2", "ec2:DescribeInstances", "implicit-deny")
        );
        assert_eq!(r.call, "ec2.amazonaws.com DescribeInstances");
        assert_eq!(replay.not_comparable, 0);
    }

    #[test]
    fn an_incomplete_picture_is_never_compared() {
        let mut loaded = alice(vec![policy("P", Via::Direct, r#""ec2:*""#)]);
        loaded
            .warnings
            .push("group `Ops` is not in the snapshot".to_owned());
        let after = swap(ARN, &loaded, &|_, _| After::Drop).expect("P goes");
        let events = [call(
            "e1",
            "ec2.amazonaws.com",
            "DescribeInstances",
            "ec2:DescribeInstances",
        )];
        let mut replay = Replay::default();
        replay.compare(ARN, &loaded, &after, &events, &IamNames::default());
        assert!(replay.regressions.is_empty());
        assert_eq!(replay.not_comparable, 1);
        assert_eq!(replay.incomplete, [ARN]);
        assert_eq!(replay.warnings.len(), 1);
    }
}
