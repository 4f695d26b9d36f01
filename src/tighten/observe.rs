//! What the evidence can see. Absence of evidence is evidence of absence only where the
//! evidence would have shown the use:
//!
//! - a trail logs data events (S3 object reads, Lambda invocations, DynamoDB items, ...)
//!   only when configured to; without data events of a service in the window, its
//!   data-plane actions are invisible to it (`data_events.tsv`);
//! - the last-accessed reports see every service but only some actions (those AWS tracks);
//! - a service the reports say was used while the trail shows none of its actions was used
//!   through calls the trail does not hold.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use super::{Source, Usage, service_of};

/// `data_events.tsv`: IAM actions whose calls CloudTrail logs only as data events.
static DATA_EVENTS: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    include_str!("data_events.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let (service, action, kind) = (fields.next()?, fields.next()?, fields.next()?);
            Some((format!("{service}:{action}").to_ascii_lowercase(), kind))
        })
        .collect()
});

/// The CloudTrail data-event resource type (`AWS::S3::Object`) whose events record
/// `action`, when the action is a data-plane one.
pub fn data_event_resource(action: &str) -> Option<&'static str> {
    DATA_EVENTS.get(&action.to_ascii_lowercase()).copied()
}

/// Whether any action of `service` is data-plane.
pub fn has_data_events(service: &str) -> bool {
    let prefix = format!("{}:", service.to_ascii_lowercase());
    DATA_EVENTS.keys().any(|a| a.starts_with(&prefix))
}

/// Why an unused action or service may have been used after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Blind {
    /// A data-plane action, and the trail holds no data events of its service.
    DataEvent {
        /// The data-event resource type that would record it.
        resource_type: &'static str,
    },
    /// The reports say the service was used, and the trail shows none of its calls: it
    /// was used through calls the trail does not hold (data events, calls CloudTrail does
    /// not log), so which actions cannot be told.
    ServiceOnlyInReports,
    /// Only reports are evidence, and they do not track this action.
    NotTracked,
    /// A pattern naming no action of the catalogue (an action newer than it?).
    UnknownToCatalogue,
    /// The trail holds calls of the service that trailcut cannot map to actions.
    UnmappedCalls,
    /// No evidence speaks for the principals concerned: the trail does not count and no
    /// current last-accessed report is about them (a user in a group whose report is the
    /// group's, under `--evidence last-accessed`).
    NoEvidence,
}

impl Blind {
    /// Why the evidence cannot see an item, for a group of items blind the same way.
    pub fn reason(self) -> &'static str {
        match self {
            Blind::DataEvent { .. } => {
                "data-plane calls, and the trail records no data events of their service"
            }
            Blind::ServiceOnlyInReports => {
                "the reports say their service was used, but the trail shows no call of it"
            }
            Blind::NotTracked => "the last-accessed reports do not track these actions",
            Blind::UnknownToCatalogue => "patterns naming no action of trailcut's catalogue",
            Blind::UnmappedCalls => {
                "the trail holds calls of their service that map to no known action"
            }
            Blind::NoEvidence => {
                "no evidence speaks for them: the trail does not count, and no current \
                 last-accessed report is about these principals"
            }
        }
    }

    /// Which evidence would tell whether the items were used. `subjects` are the ARNs the
    /// last-accessed reports would be about (one, but for a permission set's roles).
    pub fn settle(self, subjects: &[String]) -> String {
        let subject = match subjects {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => "the principals".to_owned(),
        };
        let arns = subjects.join(" --arn ");
        match self {
            Blind::DataEvent { .. } => format!(
                "last-accessed reports see every service: `--evidence both` counts those the \
                 store holds about {subject}; else `trailcut collect last-accessed --arn \
                 {arns}` (or `trailcut ingest` the reports' files), then run again"
            ),
            Blind::ServiceOnlyInReports => format!(
                "action-level reports name the actions they track: `trailcut collect \
                 last-accessed --arn {arns}` (action level is its default)"
            ),
            Blind::NotTracked => {
                "a trail covering the window shows each call: ingest it and pass `--evidence both`"
                    .to_owned()
            }
            Blind::UnknownToCatalogue => {
                "nothing trailcut reads: check the names by hand (`trailcut catalog show`)"
                    .to_owned()
            }
            Blind::UnmappedCalls => {
                "`trailcut query --name unmapped_events` lists the calls trailcut could not map"
                    .to_owned()
            }
            Blind::NoEvidence => format!(
                "a report about {subject} itself (`trailcut collect last-accessed --arn \
                 {arns}`), or the trail (`--evidence both`)"
            ),
        }
    }

    /// One line for a human.
    pub fn describe(self) -> String {
        match self {
            Blind::DataEvent { resource_type } => {
                format!("a data event ({resource_type}) and the trail holds none of its service")
            }
            Blind::ServiceOnlyInReports => {
                "the reports say its service was used, the trail shows no call of it".to_owned()
            }
            Blind::NotTracked => "the reports do not track this action".to_owned(),
            Blind::UnknownToCatalogue => {
                "names no action of trailcut's catalogue (newer than it?)".to_owned()
            }
            Blind::UnmappedCalls => {
                "the trail holds calls of its service that map to no known action".to_owned()
            }
            Blind::NoEvidence => "no evidence speaks for the principals it reaches".to_owned(),
        }
    }
}

/// What the evidence gathered for one policy can see.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// The trail is evidence.
    pub trail: bool,
    /// Services with data events in the trail's window.
    pub data_event_services: BTreeSet<String>,
    /// Last-accessed reports about the policy or the principals it reaches are evidence.
    pub reports: bool,
    /// Actions those reports track (catalogue spelling), used or not.
    pub tracked_actions: BTreeSet<String>,
}

impl Visibility {
    /// Why the evidence may have missed a use of `action`, which it shows unused; `None`
    /// when it would have seen one.
    pub fn action_blind(&self, action: &str, usage: &Usage) -> Option<Blind> {
        if !self.trail && !self.reports {
            return Some(Blind::NoEvidence);
        }
        let service = service_of(action).to_ascii_lowercase();
        // The reports see every service: one they show unused was not used, through data
        // events or otherwise.
        if self.reports && !usage.services.contains_key(&service) {
            return None;
        }
        if self.trail
            && !self.data_event_services.contains(&service)
            && let Some(resource_type) = data_event_resource(action)
        {
            return Some(Blind::DataEvent { resource_type });
        }
        if usage.unmapped.contains(&service) {
            return Some(Blind::UnmappedCalls);
        }
        let reported_used = usage
            .services
            .get(&service)
            .is_some_and(|e| e.sources.contains(&Source::LastAccessed));
        if !reported_used || self.tracked_actions.contains(action) {
            return None;
        }
        let trail_saw_service = self.trail
            && usage.actions.iter().any(|(a, e)| {
                service_of(a).eq_ignore_ascii_case(&service)
                    && (e.sources.contains(&Source::Trail)
                        || e.sources.contains(&Source::Dependent))
            });
        match (trail_saw_service, self.trail) {
            (true, _) => None,
            (false, true) => Some(Blind::ServiceOnlyInReports),
            (false, false) => Some(Blind::NotTracked),
        }
    }

    /// Why the evidence may have missed a use of `service`, which it shows unused, given
    /// the actions of it a statement grants; `None` when it would have seen one.
    pub fn service_blind(&self, service: &str, granted: &[&str]) -> Option<Blind> {
        if !self.trail && !self.reports {
            return Some(Blind::NoEvidence);
        }
        // The reports see every service.
        if self.reports || !self.trail || self.data_event_services.contains(service) {
            return None;
        }
        // A use of any data-plane action would be invisible.
        granted
            .iter()
            .find_map(|a| data_event_resource(a))
            .map(|resource_type| Blind::DataEvent { resource_type })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ActionCatalog;

    #[test]
    fn every_data_event_action_is_in_the_catalogue() {
        let catalog = ActionCatalog::embedded();
        assert!(DATA_EVENTS.len() > 150, "{}", DATA_EVENTS.len());
        for action in DATA_EVENTS.keys() {
            assert!(
                catalog.action(action).is_some(),
                "`{action}` is not an IAM action"
            );
        }
        assert_eq!(data_event_resource("s3:GetObject"), Some("AWS::S3::Object"));
        assert_eq!(
            data_event_resource("lambda:InvokeFunction"),
            Some("AWS::Lambda::Function")
        );
        assert_eq!(data_event_resource("s3:CreateBucket"), None);
    }

    #[test]
    fn a_service_seen_only_in_the_reports_hides_its_actions() {
        use crate::tighten::{Evidence, Source};
        let mut usage = Usage::default();
        let report = Evidence::one(Source::LastAccessed, "group/Development", Some(1), 0);
        usage.add_service("ebs", &report);
        usage.add_service("ec2", &report);
        let call = Evidence::one(Source::Trail, "user/paulo", Some(1), 1);
        usage.add_action("ec2:DescribeInstances", &call);
        let both = Visibility {
            trail: true,
            reports: true,
            ..Visibility::default()
        };
        // EBS: the report says used, the trail shows nothing: its actions cannot be told.
        assert_eq!(
            both.action_blind("ebs:StartSnapshot", &usage),
            Some(Blind::ServiceOnlyInReports)
        );
        // EC2: the trail shows its calls, so an unused EC2 action is really unused.
        assert_eq!(both.action_blind("ec2:RunInstances", &usage), None);
        // Reports alone, an action they track is seen; one they do not track is not.
        let reports = Visibility {
            reports: true,
            tracked_actions: BTreeSet::from(["ec2:RunInstances".to_owned()]),
            ..Visibility::default()
        };
        assert_eq!(reports.action_blind("ec2:RunInstances", &usage), None);
        assert_eq!(
            reports.action_blind("ec2:CreateVpc", &usage),
            Some(Blind::NotTracked)
        );
        // A service the reports call unused is unused.
        assert_eq!(reports.action_blind("lex:PostText", &usage), None);
        // Data events: hidden from a trail without them, unless the reports show the
        // service unused.
        let trail = Visibility {
            trail: true,
            ..Visibility::default()
        };
        assert!(matches!(
            trail.action_blind("dynamodb:GetItem", &usage),
            Some(Blind::DataEvent { .. })
        ));
        assert_eq!(both.action_blind("dynamodb:GetItem", &usage), None);
    }
}
