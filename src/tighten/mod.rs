//! Least-privilege rewrites: a policy cut down to what the principals it reaches used, with
//! the evidence for every service or action kept, removed, or kept because the evidence
//! cannot see it.
//!
//! - `observe.rs`: what the evidence can and cannot see (data events, actions the
//!   last-accessed reports do not track, services seen only in the reports);
//! - `plan.rs`: a scope's policies, attachments and memberships turned into new documents,
//!   detachments, group removals and deletions;
//! - `scp.rs`: SCP mode, a Deny for the services no account under an OU used;
//! - `script.rs`: the plan as the aws CLI commands an administrator runs (`apply.sh`).
//! - `rewrite.rs`: one document rewritten at service or action level, never allowing
//!   anything the original did not (checked by expansion on every rewrite).
//! - `engine.rs`: the entry points, [`tighten`] and [`tighten_scp`]: a request and an
//!   [`EvidenceSource`] in, the typed result out;
//! - `limits.rs`: IAM's size limits, and the steps that make a resource-level plan fit;
//! - `coverage.rs`: whether the trail covers the window, per account;
//! - `scope.rs`: whom a scope's policies reach, and whose evidence counts for each;
//! - `refused.rs`: refused calls, and AWS managed policies that still allow what went;
//! - `replay.rs`: every successful call of the principals whose policies change,
//!   evaluated before and after;
//! - `outcome.rs`: a run's typed result, and plan.json;
//! - `text.rs`: the report as text, for a terminal;
//! - `iac/`: the plan as Terraform and CloudFormation (`--iac`);
//! - `window.rs`: the window and which evidence counts.
//!
//! Pure and synchronous like `policy` and `eval`: the evidence arrives as plain maps,
//! read from the store by `sql::tighten`.

mod apply;
pub mod bulk;
mod coverage;
mod engine;
pub mod iac;
mod limits;
mod markdown;
mod observe;
mod outcome;
pub mod permission_set;
mod plan;
#[cfg(test)]
mod proptests;
mod refused;
mod replay;
mod resources;
mod rewrite;
mod scope;
mod scp;
mod script;
#[cfg(test)]
mod testing;
mod text;
mod window;

use std::collections::{BTreeMap, BTreeSet};

pub use apply::{MARKS, Scripts, iam_scripts, original_path, script_commands};
pub use coverage::{CoverageError, TrailCoverage, check_trail};
pub use engine::{
    EvidenceSource, Found, Known, ReportedService, Request, ScpRequest, ScpRow, ScpScope,
    ScpTightened, ServiceUse, SourceError, TargetName, TightenError, WindowRequest, tighten,
    tighten_scp,
};
pub use iac::{IacFormat, hcl_string};
pub use limits::{FitError, Fitted, Oversized, fit, oversized, size_limit};
pub use observe::{Blind, Visibility, data_event_resource, has_data_events};
pub use outcome::{
    OutputFile, PLAN_SCHEMA_VERSION, PlanFile, ScpPlanFile, ScpTarget, Target, TargetKind,
    Tightened, WindowText, writes_document,
};
pub use plan::{
    After, Entity, EntityKind, Move, Outcome, Plan, PolicyKind, PolicyPlan, Scope, ScopeAttachment,
    ScopeMembership, ScopePolicy, plan, replacement_name,
};
pub use refused::{Refused, StillAllowed, still_allowed};
pub use replay::{Regression, Replay, Swap, Swapped, swap};
pub use resources::{ResourceChoice, ResourceUse, covers, escape, generalise};
pub use rewrite::{
    DEFAULT_MAX_ARNS, Item, RewriteError, RewriteOptions, Rewritten, Untouched, Verdict, rewrite,
};
pub use scope::{
    ATTEMPT_SLACK, Attachments, PolicyRow, REPORT_SLACK, ReportUsage, assemble, assemble_scp,
    entity,
};
pub use scp::{DENY_SID, SCP_MAX_CHARS, ScpError, ScpOptions, ScpRewrite, deny_unused};
pub use script::{
    ScpChange, comment, document_path, file_name, flag, scp_apply_script, scp_document_path,
    shell_word, summary,
};
pub use text::{write_report, write_scp_report};
pub use window::{DAY, Sources, Window};

/// How finely a rewrite keeps what was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Whole services (`s3:*`), as the seed's ExampleDevelopment edit does.
    Service,
    /// The exact actions used, with the dependent actions their calls needed.
    Action,
    /// The action level with each action's `Resource` narrowed to the resources used.
    Resource,
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A successful call in the trail.
    Trail,
    /// An action the trail's calls needed besides their own (`iam:PassRole`).
    Dependent,
    /// A last-accessed report (Access Advisor).
    LastAccessed,
}

/// The evidence that something was used (or refused): how often, when, by whom, per what.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Events in the trail (0 when only a report says so).
    pub events: u64,
    /// The first use in the window, microseconds since the epoch.
    #[serde(serialize_with = "as_time")]
    pub first: Option<i64>,
    /// The last use in the window.
    #[serde(serialize_with = "as_time")]
    pub last: Option<i64>,
    /// Who: principal ARNs, or the report subjects that say so.
    pub principals: BTreeSet<String>,
    /// Which sources say so.
    pub sources: BTreeSet<Source>,
}

impl Evidence {
    /// One use.
    pub fn one(source: Source, principal: &str, at: Option<i64>, events: u64) -> Evidence {
        Evidence {
            events,
            first: at,
            last: at,
            principals: BTreeSet::from([principal.to_owned()]),
            sources: BTreeSet::from([source]),
        }
    }

    /// Adds `other` to this evidence.
    pub fn merge(&mut self, other: &Evidence) {
        self.events += other.events;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.principals.extend(other.principals.iter().cloned());
        self.sources.extend(other.sources.iter().copied());
    }
}

/// What the principals a policy reaches did in the window. Actions are keyed in the
/// catalogue's spelling (`s3:GetObject`), services by prefix.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Actions used successfully: the calls' own and their dependent actions, and the
    /// actions the reports track.
    pub actions: BTreeMap<String, Evidence>,
    /// Services used: those of the actions above, and those the reports say.
    pub services: BTreeMap<String, Evidence>,
    /// Actions of calls that were refused (AccessDenied and the like): needed, perhaps,
    /// but never added.
    pub denied: BTreeMap<String, Evidence>,
    /// Services a report calls used whose reported last use is a refused call in the
    /// trail (reports count attempts), with no successful call: not evidence of use.
    pub attempts: BTreeMap<String, Evidence>,
    /// Use before the window, by action and by service: what a report says about what
    /// goes.
    pub before: BTreeMap<String, Evidence>,
    /// Services with successful calls trailcut cannot map to actions.
    pub unmapped: BTreeSet<String>,
    /// The resources of the successful calls, by action (resource level only).
    pub resources: BTreeMap<String, ResourceUse>,
}

impl Usage {
    /// Records a used action (and its service).
    pub fn add_action(&mut self, action: &str, evidence: &Evidence) {
        self.actions
            .entry(action.to_owned())
            .or_default()
            .merge(evidence);
        self.add_service(service_of(action), evidence);
    }

    /// Records a used service.
    pub fn add_service(&mut self, service: &str, evidence: &Evidence) {
        self.services
            .entry(service.to_ascii_lowercase())
            .or_default()
            .merge(evidence);
    }

    /// Adds everything of `other`.
    pub fn merge(&mut self, other: &Usage) {
        for (action, evidence) in &other.actions {
            self.actions
                .entry(action.clone())
                .or_default()
                .merge(evidence);
        }
        for (service, evidence) in &other.services {
            self.services
                .entry(service.clone())
                .or_default()
                .merge(evidence);
        }
        for (action, evidence) in &other.denied {
            self.denied
                .entry(action.clone())
                .or_default()
                .merge(evidence);
        }
        for (service, evidence) in &other.attempts {
            self.attempts
                .entry(service.clone())
                .or_default()
                .merge(evidence);
        }
        for (name, evidence) in &other.before {
            self.before.entry(name.clone()).or_default().merge(evidence);
        }
        self.unmapped.extend(other.unmapped.iter().cloned());
        for (action, used) in &other.resources {
            self.resources
                .entry(action.clone())
                .or_default()
                .merge(used);
        }
    }

    /// Records a use before the window of an action (and its service) or a service.
    pub fn add_before(&mut self, name: &str, evidence: &Evidence) {
        self.before
            .entry(name.to_owned())
            .or_default()
            .merge(evidence);
        if name.contains(':') {
            self.before
                .entry(service_of(name).to_ascii_lowercase())
                .or_default()
                .merge(evidence);
        }
    }

    /// Takes out the services whose only report evidence is explained by a refused call in
    /// the trail within `slack` microseconds of the reported last use: AWS's reports count
    /// attempts, allowed or not. Only for evidence that includes the trail, and only for
    /// services whose every use the trail would show (`hidden` says which it may miss).
    pub fn discount_attempts(&mut self, slack: i64, hidden: impl Fn(&str) -> bool) {
        let explained: Vec<String> = self
            .services
            .iter()
            .filter(|(service, e)| {
                !hidden(service)
                    && e.sources.iter().all(|s| *s == Source::LastAccessed)
                    && e.last.is_some_and(|reported| {
                        self.denied.iter().any(|(action, d)| {
                            service_of(action).eq_ignore_ascii_case(service)
                                && d.last.is_some_and(|t| (t - reported).abs() <= slack)
                        })
                    })
            })
            .map(|(service, _)| service.clone())
            .collect();
        for service in explained {
            if let Some(e) = self.services.remove(&service) {
                self.attempts.insert(service.clone(), e);
            }
            self.actions.retain(|action, e| {
                !(service_of(action).eq_ignore_ascii_case(&service)
                    && e.sources.iter().all(|s| *s == Source::LastAccessed))
            });
        }
    }
}

/// Microseconds since the epoch as RFC 3339 (`2026-11-15T17:32:19Z`).
pub fn time_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| micros.to_string())
}

fn as_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&time_text(*t)),
        None => s.serialize_none(),
    }
}

/// `s3` of `s3:GetObject`.
pub fn service_of(action: &str) -> &str {
    action
        .split_once(':')
        .map_or(action, |(service, _)| service)
}
