//! What a run of tightening found, as one typed value, and plan.json: the same value as
//! the file an administrator, a ticket or another tool reads (docs/tighten.md describes it
//! field by field; `docs/plan.schema.json` is its JSON Schema).

use std::collections::BTreeMap;

use serde::Serialize;

use super::engine::ScpTightened;
use super::refused::{Refused, StillAllowed};
use super::replay::Replay;
use super::window::{Sources, Window};
use super::{
    Evidence, Item, Level, Move, Outcome, Plan, PolicyKind, ScpChange, document_path, iam_scripts,
    original_path, scp_apply_script, scp_document_path, summary, time_text,
};

/// The version of plan.json's layout: raised when a field changes meaning or goes away
/// (a new field does not raise it).
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// What kind of identity or policy a run tightened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    User,
    Group,
    Role,
    /// A customer-managed policy.
    Policy,
    /// An IAM Identity Center permission set.
    #[serde(rename = "permission-set")]
    PermissionSet,
}

impl TargetKind {
    /// As plan.json writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::User => "user",
            TargetKind::Group => "group",
            TargetKind::Role => "role",
            TargetKind::Policy => "policy",
            TargetKind::PermissionSet => "permission-set",
        }
    }
}

/// What a run tightened, as plan.json's `scope` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    /// The principal's name, or the policy as the user named it.
    pub name: String,
    pub arn: String,
    pub account: String,
}

/// Everything a run of tightening found.
#[derive(Debug)]
pub struct Tightened {
    pub target: Target,
    pub window: Window,
    /// The evidence that counted.
    pub sources: Sources,
    /// The level asked for (the plan may be coarser to fit IAM's limits: see `warnings`).
    pub level: Level,
    /// What limits the evidence or the result (a trail that does not cover the window, ...).
    pub warnings: Vec<String>,
    pub plan: Plan,
    pub refused: Refused,
    pub still_allowed: Vec<StillAllowed>,
    pub replay: Replay,
    /// A permission set's run: its accounts, people and assignments.
    pub permission_set: Option<super::permission_set::PermissionSetPlan>,
}

/// A window as plan.json writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowText {
    /// RFC 3339, UTC, microseconds.
    pub since: String,
    pub until: String,
    /// Whole days, rounded.
    pub days: i64,
}

impl From<&Window> for WindowText {
    fn from(w: &Window) -> Self {
        WindowText {
            since: time_text(w.since),
            until: time_text(w.until),
            days: w.days(),
        }
    }
}

/// One policy of plan.json.
#[derive(Debug, Serialize)]
pub struct PolicyEntry<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub arn: Option<&'a str>,
    pub kind: PolicyKind,
    pub outcome: Outcome,
    pub summary: String,
    /// The new document's path under the output directory, when one is written.
    pub document: Option<String>,
    pub items: &'a [Item],
    pub untouched_statements: &'a [super::Untouched],
    pub removed_statements: &'a [usize],
}

/// A refused action with its evidence.
#[derive(Debug, Serialize)]
pub struct RefusedAction<'a> {
    pub action: &'a str,
    pub evidence: &'a Evidence,
}

/// A service whose reported use is a refused attempt.
#[derive(Debug, Serialize)]
pub struct RefusedAttempt<'a> {
    pub service: &'a str,
    pub evidence: &'a Evidence,
}

/// An AWS managed policy that still allows removed items.
#[derive(Debug, Serialize)]
pub struct StillAllowedEntry<'a> {
    pub policy: &'a str,
    pub removed_items_it_allows: usize,
}

/// plan.json of a user, group, role or policy.
#[derive(Debug, Serialize)]
pub struct PlanFile<'a> {
    pub schema_version: u32,
    pub scope: &'a Target,
    pub window: WindowText,
    pub level: Level,
    pub evidence: Sources,
    pub warnings: &'a [String],
    /// Whether applying the plan changes anything.
    pub changes: bool,
    pub policies: Vec<PolicyEntry<'a>>,
    pub moves: &'a [Move],
    pub denied_not_granted: Vec<RefusedAction<'a>>,
    pub denied_although_granted: Vec<RefusedAction<'a>>,
    pub reported_attempts_not_counted: Vec<RefusedAttempt<'a>>,
    pub still_allowed_by_aws_managed: Vec<StillAllowedEntry<'a>>,
    pub replay: &'a Replay,
    /// Only for a permission set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_set: Option<&'a super::permission_set::PermissionSetPlan>,
}

impl Tightened {
    /// plan.json.
    pub fn plan_file(&self) -> PlanFile<'_> {
        PlanFile {
            schema_version: PLAN_SCHEMA_VERSION,
            scope: &self.target,
            window: WindowText::from(&self.window),
            level: self.level,
            evidence: self.sources,
            warnings: &self.warnings,
            changes: self.plan.changes(),
            policies: self
                .plan
                .policies
                .iter()
                .map(|p| PolicyEntry {
                    key: &p.key,
                    name: &p.name,
                    arn: p.arn.as_deref(),
                    kind: p.kind,
                    outcome: p.outcome,
                    summary: summary(p),
                    document: p
                        .rewritten
                        .document
                        .as_ref()
                        .filter(|_| writes_document(p.outcome))
                        .map(|_| document_path(p)),
                    items: &p.rewritten.items,
                    untouched_statements: &p.rewritten.untouched,
                    removed_statements: &p.rewritten.removed_statements,
                })
                .collect(),
            moves: &self.plan.moves,
            denied_not_granted: refused_actions(&self.refused.not_granted),
            denied_although_granted: refused_actions(&self.refused.although_granted),
            reported_attempts_not_counted: self
                .refused
                .attempts
                .iter()
                .map(|(service, evidence)| RefusedAttempt { service, evidence })
                .collect(),
            still_allowed_by_aws_managed: self
                .still_allowed
                .iter()
                .map(|s| StillAllowedEntry {
                    policy: &s.policy,
                    removed_items_it_allows: s.removed_items_it_allows,
                })
                .collect(),
            replay: &self.replay,
            permission_set: self.permission_set.as_ref(),
        }
    }
}

fn refused_actions(list: &BTreeMap<String, Evidence>) -> Vec<RefusedAction<'_>> {
    list.iter()
        .map(|(action, evidence)| RefusedAction { action, evidence })
        .collect()
}

/// Whether a policy with this outcome gets a new document written (a rewrite, or the
/// replacement suggested for an AWS managed policy).
pub fn writes_document(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Rewritten | Outcome::NotEditable | Outcome::Replaced
    )
}

/// plan.json in SCP mode.
#[derive(Debug, Serialize)]
pub struct ScpPlanFile<'a> {
    pub schema_version: u32,
    pub scope: ScpTarget<'a>,
    pub window: WindowText,
    pub evidence: Sources,
    pub warnings: &'a [String],
    pub changes: bool,
    /// Every service the SCP allows, with what became of it.
    pub services: &'a [Item],
    /// The services the added Deny names.
    pub denied_services: Vec<&'a str>,
    /// The Organizations report's last use of each service.
    pub last_reported: BTreeMap<&'a str, String>,
    /// The new document's path under the output directory, when one is written.
    pub document: Option<String>,
    /// Its length in characters (the SCP limit is 5,120).
    pub characters: Option<usize>,
    pub replay: &'a Replay,
}

/// The SCP a run tightened.
#[derive(Debug, Serialize)]
pub struct ScpTarget<'a> {
    /// Always `scp`.
    pub kind: &'static str,
    pub name: &'a str,
    pub id: &'a str,
    pub org_id: &'a str,
    /// The Organizations entity path whose accounts' use counted.
    pub org_entity: &'a str,
    /// The entity paths it is attached to.
    pub targets: &'a [String],
    /// Those outside `org_entity`: the Deny reaches them too.
    pub targets_outside_entity: &'a [String],
    /// The member accounts under its targets.
    pub accounts: &'a [String],
}

/// A file a run writes under its output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output directory (`policies/ExampleDevelopment.json`).
    pub path: String,
    pub text: String,
    /// A script to run (mode 0755).
    pub executable: bool,
}

fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plan.json has string keys only") + "\n"
}

impl Tightened {
    /// The lines every file for someone to run starts with, as comments: the scope and
    /// the window.
    pub fn header(&self) -> Vec<String> {
        vec![
            format!(
                "trailcut tighten: {} {} ({})",
                self.target.kind.as_str(),
                self.target.name,
                self.target.arn
            ),
            format!(
                "evidence window {} .. {}",
                time_text(self.window.since),
                time_text(self.window.until)
            ),
        ]
    }

    /// plan.json as text.
    pub fn plan_json(&self) -> String {
        pretty(&self.plan_file())
    }

    /// The run as Markdown, for a change ticket (plan.md).
    pub fn markdown(&self) -> String {
        super::markdown::write_markdown(self)
    }

    /// The files `--out` writes: each new document (and each rewritten inline policy's
    /// original, for rollback.sh), plan.json (`plan_json`, from [`Tightened::plan_json`]),
    /// plan.md ([`Tightened::markdown`]), apply.sh, rollback.sh and cleanup.sh.
    pub fn files(&self, plan_json: &str) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .plan
            .policies
            .iter()
            .filter(|p| writes_document(p.outcome))
            .filter_map(|p| {
                Some(OutputFile {
                    path: document_path(p),
                    text: p.rewritten.document.as_ref()?.to_json_string_pretty() + "\n",
                    executable: false,
                })
            })
            .collect();
        for p in self
            .plan
            .policies
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Rewritten | Outcome::Emptied))
        {
            // A permission set's original is its inline policy alone (the AWS managed
            // policies are attached again by rollback.sh), and only if it had one.
            let text = match &self.permission_set {
                Some(ps) => match &ps.inline_before {
                    Some(text) => format!("{}\n", text.trim_end()),
                    None => continue,
                },
                None if p.outcome == Outcome::Rewritten => {
                    p.original.to_json_string_pretty() + "\n"
                }
                None => continue,
            };
            if let Some(path) = original_path(p) {
                files.push(OutputFile {
                    path,
                    text,
                    executable: false,
                });
            }
        }
        files.push(OutputFile {
            path: "plan.json".to_owned(),
            text: plan_json.to_owned(),
            executable: false,
        });
        files.push(OutputFile {
            path: "plan.md".to_owned(),
            text: self.markdown(),
            executable: false,
        });
        let header = self.header();
        let scripts = match &self.permission_set {
            Some(ps) => super::apply::permission_set_scripts(&self.plan, ps, &header),
            None => iam_scripts(&self.plan, &header, &self.target.account),
        };
        for (path, text) in [
            ("apply.sh", scripts.apply),
            ("rollback.sh", scripts.rollback),
            ("cleanup.sh", scripts.cleanup),
        ] {
            files.push(OutputFile {
                path: path.to_owned(),
                text,
                executable: true,
            });
        }
        files
    }
}

impl ScpTightened {
    /// plan.json.
    pub fn plan_file(&self) -> ScpPlanFile<'_> {
        let scope = &self.scope;
        ScpPlanFile {
            schema_version: PLAN_SCHEMA_VERSION,
            scope: ScpTarget {
                kind: "scp",
                name: &scope.name,
                id: &scope.id,
                org_id: &scope.org_id,
                org_entity: &self.org_entity,
                targets: &scope.targets,
                targets_outside_entity: &scope.outside,
                accounts: &scope.accounts,
            },
            window: WindowText::from(&self.window),
            evidence: self.sources,
            warnings: &self.warnings,
            changes: self.rewrite.document.is_some(),
            services: &self.rewrite.items,
            denied_services: self.denied(),
            last_reported: scope
                .last_reported
                .iter()
                .map(|(s, t)| (s.as_str(), time_text(*t)))
                .collect(),
            document: self
                .rewrite
                .document
                .as_ref()
                .map(|_| scp_document_path(&scope.name)),
            characters: self.rewrite.text.as_ref().map(|t| t.chars().count()),
            replay: &self.replay,
        }
    }

    /// plan.json as text.
    pub fn plan_json(&self) -> String {
        pretty(&self.plan_file())
    }

    /// The files `--out` writes: the new SCP, plan.json (`plan_json`, from
    /// [`ScpTightened::plan_json`]) and apply.sh.
    pub fn files(&self, plan_json: &str) -> Vec<OutputFile> {
        let scope = &self.scope;
        let mut files = Vec::new();
        if let Some(text) = &self.rewrite.text {
            files.push(OutputFile {
                path: scp_document_path(&scope.name),
                text: format!("{text}\n"),
                executable: false,
            });
        }
        files.push(OutputFile {
            path: "plan.json".to_owned(),
            text: plan_json.to_owned(),
            executable: false,
        });
        let (since, until) = (time_text(self.window.since), time_text(self.window.until));
        let denied = self.denied();
        let denied_now: &[&str] = match &self.rewrite.text {
            Some(_) => &denied,
            None => &[],
        };
        files.push(OutputFile {
            path: "apply.sh".to_owned(),
            text: scp_apply_script(&ScpChange {
                name: &scope.name,
                id: &scope.id,
                entity: &self.org_entity,
                window: (&since, &until),
                denied: denied_now,
            }),
            executable: true,
        });
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ActionCatalog;
    use crate::tighten::testing::{entity, policy, used};
    use crate::tighten::{EntityKind, RewriteOptions, Scope, plan};

    #[test]
    fn plan_json_names_its_version_and_points_at_the_documents_it_writes() {
        let catalog = ActionCatalog::embedded();
        let dev = entity(EntityKind::Group, "Development");
        let scope = Scope {
            policies: vec![policy(
                "ExampleDevelopment",
                PolicyKind::CustomerManaged,
                r#"["s3:GetObject", "ec2:DescribeInstances"]"#,
                std::slice::from_ref(&dev),
                used(&dev.arn, &["s3:GetObject"]),
            )],
            ..Scope::default()
        };
        let t = Tightened {
            target: Target {
                kind: TargetKind::Group,
                name: "Development".to_owned(),
                arn: dev.arn.clone(),
                account: "123456789012".to_owned(),
            },
            window: Window {
                since: 0,
                until: 90 * super::super::DAY,
            },
            sources: Sources::Trail,
            level: Level::Action,
            warnings: Vec::new(),
            plan: plan(&scope, &RewriteOptions::default(), catalog).unwrap(),
            refused: Refused::default(),
            still_allowed: Vec::new(),
            replay: Replay::default(),
            permission_set: None,
        };
        let json = serde_json::to_value(t.plan_file()).unwrap();
        assert_eq!(json["schema_version"], PLAN_SCHEMA_VERSION);
        assert_eq!(json["scope"]["kind"], "group");
        assert_eq!(json["window"]["days"], 90);
        assert_eq!(json["window"]["since"], "1970-01-01T00:00:00Z");
        assert_eq!(
            json["evidence"],
            serde_json::json!({"trail": true, "last_accessed": false})
        );
        assert_eq!(json["changes"], true);
        let p = &json["policies"][0];
        assert_eq!(p["outcome"], "rewritten");
        assert_eq!(p["document"], "policies/ExampleDevelopment.json");
        assert!(json["replay"]["regressions"].as_array().unwrap().is_empty());
    }
}
