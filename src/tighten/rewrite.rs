//! One policy document rewritten down to what was used.
//!
//! Statement by statement: a Deny, a statement with a condition and a pinned statement
//! (`--keep-sid`) stay as they are (a conditioned Allow nothing of which was used goes
//! whole). Every other Allow keeps its `Resource` and loses the actions nobody used:
//!
//! - at service level each service used is kept whole: `s3:*` when the statement granted
//!   all of S3 (a `NotAction` or `*` included), else the statement's own patterns for it,
//!   else the exact actions it granted;
//! - at action level the exact actions used are kept, by name.
//!
//! What the evidence cannot see is kept unless asked otherwise, and said so. A statement
//! left with no action goes. The result is checked by expansion: every statement allows a
//! subset of what it allowed, and the document a subset of the document; a rewrite that
//! would allow more is an error, never a result.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{ActionCatalog, ActionPattern};
use crate::policy::{
    ActionClause, Effect, ListForm, OneOrMany, PolicyDocument, ResourceClause, Statement,
};

use super::observe::{Blind, Visibility};
use super::resources::{ResourceChoice, SHOWN, covers, escape, generalise, has_variables};
use super::{Evidence, Level, Usage, service_of};

/// How to rewrite.
#[derive(Debug, Clone)]
pub struct RewriteOptions {
    /// Service, action or resource level.
    pub level: Level,
    /// Sids of statements to keep as they are.
    pub keep_sids: Vec<String>,
    /// Remove what the evidence cannot see instead of keeping it.
    pub drop_unobservable: bool,
    /// Resource level: distinct ARNs per action written as they are before they are
    /// generalised.
    pub max_arns: usize,
    /// Resource level: the narrowed actions of one service in a statement share the union
    /// of their resources, so that they share one statement (smaller documents; never
    /// beyond the resources the service's calls used).
    pub pool_by_service: bool,
    /// An AWS managed policy the rewrite cuts is replaced, where it stays attached, by a
    /// customer-managed copy of its rewrite (`--replace-aws-managed`); else it is left,
    /// and the report lists what it still allows.
    pub replace_aws_managed: bool,
}

/// `--max-arns`' default.
pub const DEFAULT_MAX_ARNS: usize = 20;

impl Default for RewriteOptions {
    /// The action level, every statement rewritten, unobservable items kept,
    /// [`DEFAULT_MAX_ARNS`] ARNs per action.
    fn default() -> Self {
        Self {
            level: Level::Action,
            keep_sids: Vec::new(),
            drop_unobservable: false,
            max_arns: DEFAULT_MAX_ARNS,
            pool_by_service: false,
            replace_aws_managed: false,
        }
    }
}

/// What became of a service or an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Verdict {
    /// Used in the window.
    Kept,
    /// Not used, and the evidence would have shown a use.
    Removed,
    /// SCP mode: never used in what the evidence covers, and left allowed (only services
    /// used once and no longer are denied unless asked).
    NeverUsed,
    /// Not seen used, but the evidence could not have seen it.
    Unobservable {
        #[serde(flatten)]
        blind: Blind,
        /// Kept (the default) or removed (`--drop-unobservable`).
        kept: bool,
    },
}

impl Verdict {
    /// Whether the rewrite keeps it.
    pub fn keeps(self) -> bool {
        match self {
            Verdict::Kept | Verdict::NeverUsed => true,
            Verdict::Removed => false,
            Verdict::Unobservable { kept, .. } => kept,
        }
    }
}

/// A service (service level) or an action (action level) one or more statements grant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// `s3`, or `s3:GetObject`.
    pub name: String,
    #[serde(flatten)]
    pub decision: Verdict,
    /// Its use in the window, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// For what is not used in the window: its use before, when the evidence has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Evidence>,
    /// The statements (by index) that grant it.
    pub statements: Vec<usize>,
    /// Resource level: how its `Resource` was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceChoice>,
}

/// A statement kept as written, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Untouched {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `deny`, `condition`, `pinned`, or `unknown-actions` (its patterns name nothing the
    /// catalogue knows).
    pub why: &'static str,
}

/// A rewritten document and its account.
#[derive(Debug, Clone)]
pub struct Rewritten {
    /// The new document; `None` when no statement is left.
    pub document: Option<PolicyDocument>,
    /// Every service or action the rewritable statements grant, by name.
    pub items: Vec<Item>,
    /// Statements kept as they are.
    pub untouched: Vec<Untouched>,
    /// Statements removed because nothing they grant is kept (by index).
    pub removed_statements: Vec<usize>,
    /// Whether the document differs from the original.
    pub changed: bool,
}

impl Rewritten {
    /// The items removed.
    pub fn removed(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| !i.decision.keeps())
    }
}

/// A rewrite that would allow what the original did not: a defect, reported, never used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the rewrite would allow what the original does not: {}{}",
    actions.iter().take(8).cloned().collect::<Vec<_>>().join(", "),
    if actions.len() > 8 { format!(" and {} more", actions.len() - 8) } else { String::new() }
)]
pub struct RewriteError {
    pub actions: Vec<String>,
}

/// Rewrites `document` down to `usage`.
pub fn rewrite(
    document: &PolicyDocument,
    usage: &Usage,
    visibility: &Visibility,
    options: &RewriteOptions,
    catalog: &ActionCatalog,
) -> Result<Rewritten, RewriteError> {
    let level = options.level;
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    let mut untouched = Vec::new();
    let mut removed_statements = Vec::new();
    let mut statements = Vec::new();
    for (index, statement) in document.statements.iter().enumerate() {
        let why = if statement.effect == Effect::Deny {
            Some("deny")
        } else if !statement.condition.is_empty() {
            Some("condition")
        } else if statement
            .sid
            .as_ref()
            .is_some_and(|sid| options.keep_sids.contains(sid))
        {
            Some("pinned")
        } else {
            None
        };
        let granted = statement.actions(catalog);
        let unobservable = |blind: Blind| Verdict::Unobservable {
            blind,
            kept: !options.drop_unobservable,
        };
        // Each service or action of the statement with its decision and, when kept, the
        // patterns that keep it.
        let mut judged: Vec<(String, Verdict, Option<&Evidence>, Vec<String>)> = Vec::new();
        match level {
            Level::Service => {
                for (service, actions) in by_service(&granted) {
                    let evidence = usage.services.get(&service);
                    let decision = match (evidence, visibility.service_blind(&service, &actions)) {
                        (Some(_), _) => Verdict::Kept,
                        (None, Some(blind)) => unobservable(blind),
                        (None, None) => Verdict::Removed,
                    };
                    let patterns = service_patterns(statement, &service, &actions);
                    judged.push((service, decision, evidence, patterns));
                }
            }
            Level::Action | Level::Resource => {
                for action in &granted {
                    let evidence = usage.actions.get(*action);
                    let decision = match evidence {
                        Some(_) => Verdict::Kept,
                        None => match visibility.action_blind(action, usage) {
                            Some(blind) => unobservable(blind),
                            None => Verdict::Removed,
                        },
                    };
                    judged.push((
                        (*action).to_owned(),
                        decision,
                        evidence,
                        vec![(*action).to_owned()],
                    ));
                }
            }
        }
        // Patterns naming nothing the catalogue knows (newer actions?): kept as written,
        // since no evidence can speak for them.
        if let ActionClause::Action(list) = &statement.action {
            for pattern in list.iter().filter(|p| catalog.expand(p).is_empty()) {
                let text = pattern.as_str().to_owned();
                let decision = unobservable(Blind::UnknownToCatalogue);
                judged.push((text.clone(), decision, None, vec![text]));
            }
        }
        let whole = judged.len();
        // A conditioned statement stays as written, unless nothing it grants was used at
        // all: removing a whole Allow never widens.
        let unused = !judged.is_empty() && judged.iter().all(|j| j.1 == Verdict::Removed);
        if let Some(why) = why.filter(|w| !(*w == "condition" && unused)) {
            untouched.push(Untouched {
                index,
                sid: statement.sid.clone(),
                why,
            });
            statements.push(statement.clone());
            continue;
        }
        let mut kept = 0;
        let mut patterns: Vec<String> = Vec::new();
        let mut kept_items: Vec<(String, Verdict)> = Vec::new();
        for (name, decision, evidence, keep) in judged {
            let before = evidence
                .is_none()
                .then(|| usage.before.get(&name).cloned())
                .flatten();
            let item = items.entry(name.clone()).or_insert_with(|| Item {
                name: name.clone(),
                decision,
                evidence: evidence.cloned(),
                before,
                statements: Vec::new(),
                resources: None,
            });
            item.statements.push(index);
            if decision.keeps() {
                kept += 1;
                kept_items.push((name.clone(), decision));
                patterns.extend(keep);
            }
        }
        let narrowed = (level == Level::Resource && kept > 0)
            .then(|| {
                narrow(
                    statement,
                    &kept_items,
                    whole,
                    usage,
                    options,
                    document,
                    catalog,
                )
            })
            .flatten();
        if let Some(narrowed) = narrowed {
            if narrowed.statements.is_empty() {
                removed_statements.push(index);
            }
            for (name, choice) in narrowed.choices {
                if let Some(item) = items.get_mut(&name)
                    && item.resources.is_none()
                {
                    item.resources = Some(choice);
                }
            }
            statements.extend(narrowed.statements);
        } else if kept == 0 {
            removed_statements.push(index);
        } else if kept == whole {
            statements.push(statement.clone());
        } else {
            statements.push(with_actions(statement, patterns));
        }
    }
    let mut new = (!statements.is_empty()).then(|| PolicyDocument {
        statements,
        statement_form: document.statement_form,
        ..document.clone()
    });
    if let Some(new) = &mut new {
        check_narrower(document, new, catalog)?;
        // After the check, which ties each statement to its original by Sid. A Sid has no
        // effect on what a policy allows.
        describe_sids(document, new);
    }
    Ok(Rewritten {
        changed: new.as_ref() != Some(document),
        document: new,
        items: items.into_values().collect(),
        untouched,
        removed_statements,
    })
}

/// Gives each statement the rewrite changed from a broad grant, where it had a Sid, one
/// that says what it now grants (`AllowCloudtrailEc2KmsLogsS3`, `AllowS3Actions`): the
/// original's described the breadth that was cut away
/// (`FullAccessToAllServicesExceptPeopleManagement`). A statement cut from an explicit list
/// of actions keeps its Sid (`DescribeCompute`, numbered where it was split by resource),
/// which still names its purpose. Each Sid stays unique in the document.
fn describe_sids(old: &PolicyDocument, new: &mut PolicyDocument) {
    let as_written = |s: &Statement| old.statements.contains(s);
    // The original a rewritten statement came from: same Sid, or the Sid and a number.
    let origin = |sid: &str| {
        old.statements.iter().find(|o| {
            o.sid
                .as_deref()
                .is_some_and(|o| same_sid(Some(o), Some(sid)))
        })
    };
    let renamed: Vec<bool> = new
        .statements
        .iter()
        .map(|s| {
            !as_written(s)
                && s.sid
                    .as_deref()
                    .and_then(origin)
                    .is_some_and(|o| is_broad(&o.action))
        })
        .collect();
    let mut taken: BTreeSet<String> = new
        .statements
        .iter()
        .zip(&renamed)
        .filter(|(_, renamed)| !**renamed)
        .filter_map(|(s, _)| s.sid.clone())
        .collect();
    for (index, renamed) in renamed.into_iter().enumerate() {
        if !renamed {
            continue;
        }
        let base = describing_sid(&new.statements[index]);
        let mut sid = base.clone();
        let mut n = 2;
        while taken.contains(&sid) {
            sid = format!("{base}{n}");
            n += 1;
        }
        taken.insert(sid.clone());
        new.statements[index].sid = Some(sid);
    }
}

/// Whether an action clause grants broadly: `NotAction`, `*`, or a whole service (`s3:*`).
fn is_broad(clause: &ActionClause) -> bool {
    match clause {
        ActionClause::NotAction(_) => true,
        ActionClause::Action(list) => list
            .iter()
            .any(|p| p.as_str() == "*" || p.as_str().ends_with(":*")),
    }
}

/// `Allow` and the services a statement's actions belong to (their number past five),
/// with `Actions` when it grants single actions rather than whole services.
fn describing_sid(statement: &Statement) -> String {
    let patterns = statement.action.patterns();
    let mut services: Vec<String> = Vec::new();
    for pattern in patterns {
        let prefix = pattern.as_str().split(':').next().unwrap_or_default();
        let camel: String = prefix
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        if !camel.is_empty() && !services.contains(&camel) {
            services.push(camel);
        }
    }
    let whole_services = patterns.iter().all(|p| p.as_str().ends_with(":*"));
    let mut sid = if services.len() <= 5 {
        format!("Allow{}", services.join(""))
    } else {
        format!("Allow{}Services", services.len())
    };
    if !whole_services {
        sid.push_str("Actions");
    }
    sid
}

/// A statement split by resource: its statements and each action's choice.
struct Narrowed {
    statements: Vec<Statement>,
    choices: Vec<(String, ResourceChoice)>,
}

/// The statement's kept actions, each with its `Resource` narrowed to what its calls
/// used where the evidence names every call's resources, grouped by identical resource
/// sets. `None` when the statement's resources cannot be narrowed at all (`NotResource`,
/// no `Resource`); the choices are then not recorded.
fn narrow(
    statement: &Statement,
    kept: &[(String, Verdict)],
    whole: usize,
    usage: &Usage,
    options: &RewriteOptions,
    document: &PolicyDocument,
    catalog: &ActionCatalog,
) -> Option<Narrowed> {
    let Some(ResourceClause::Resource(own)) = &statement.resource else {
        return None;
    };
    let max_arns = options.max_arns;
    // Escapes (`${*}`) are policy variables, understood from version 2012-10-17 only.
    let escapes = document.version.as_deref() == Some("2012-10-17");
    let mut groups: BTreeMap<Option<Vec<String>>, Vec<String>> = BTreeMap::new();
    let mut choices = Vec::new();
    // The narrowed actions' ARNs, by pool (the action, or its service), and each narrowed
    // action's pool.
    let mut pools: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut members: BTreeMap<String, String> = BTreeMap::new();
    for (name, decision) in kept {
        let used = usage.resources.get(name);
        let observed: BTreeSet<String> = used
            .map(|u| u.arns.keys().cloned().collect())
            .unwrap_or_default();
        let scoped = catalog
            .action(name)
            .is_some_and(|a| !a.resources.is_empty());
        let why: Option<String> = if *decision != Verdict::Kept {
            Some("not seen used: the evidence cannot see it".to_owned())
        } else if !scoped || used.is_some_and(|u| u.not_scoped > 0) {
            Some("the action supports no resource-level permission".to_owned())
        } else if let Some(u) = used.filter(|u| u.underivable > 0) {
            // With several resource types, the calls may name some (the instance) but not
            // every type IAM may check (a license configuration): say which.
            let optional: Vec<&str> = catalog
                .action(name)
                .map(|a| {
                    a.resources
                        .iter()
                        .filter(|r| !r.required)
                        .map(|r| r.kind.as_str())
                        .collect()
                })
                .unwrap_or_default();
            Some(match optional.as_slice() {
                [] => format!("{} of its calls do not name their resources", u.underivable),
                kinds => format!(
                    "for {} of its calls IAM may also check resource types their events do not \
                     show ({})",
                    u.underivable,
                    kinds.join(", ")
                ),
            })
        } else if observed.is_empty() {
            Some("no call in the trail names its resources".to_owned())
        } else if !escapes && observed.iter().any(|a| a.contains(['*', '?', '$'])) {
            Some("a resource name holds `*`, `?` or `$`, which needs version 2012-10-17 to be written".to_owned())
        } else if own.iter().any(|o| has_variables(o)) {
            // Which calls such a pattern allowed depends on each request's values.
            Some("the statement's Resource has a policy variable".to_owned())
        } else {
            None
        };
        // Only what this statement's own Resource reaches: the rest was allowed by
        // another statement.
        let inside: BTreeSet<String> = observed
            .iter()
            .filter(|a| own.iter().any(|o| covers(o, &escape(a))))
            .cloned()
            .collect();
        // Every call named its resources and none lies inside this statement's Resource
        // (inclusion of a literal ARN in patterns without variables is exact): the
        // statement never allowed a call of the action, which another statement allowed.
        // It goes from this one.
        if why.is_none() && inside.is_empty() {
            continue;
        }
        if why.is_none() {
            // Per action, or (to fit IAM's size limits) pooled per service.
            let pool = if options.pool_by_service {
                service_of(name).to_ascii_lowercase()
            } else {
                name.clone()
            };
            pools.entry(pool.clone()).or_default().extend(inside);
            members.insert(name.clone(), pool);
        }
        choices.push((
            name.clone(),
            ResourceChoice {
                written: own.iter().cloned().collect(),
                observed: observed.len(),
                examples: observed.iter().take(SHOWN).cloned().collect(),
                generalised: Vec::new(),
                kept_because: why,
            },
        ));
    }
    // Each pool's ARNs as patterns, kept inside the statement's own Resource.
    let written: BTreeMap<&String, (Vec<String>, Vec<String>)> = pools
        .iter()
        .map(|(pool, arns)| {
            let (patterns, generalised) = generalise(arns, max_arns);
            if patterns.iter().all(|p| own.iter().any(|o| covers(o, p))) {
                (pool, (patterns, generalised))
            } else {
                // A generalisation past the statement's own patterns: the ARNs instead.
                (pool, (arns.iter().map(|a| escape(a)).collect(), Vec::new()))
            }
        })
        .collect();
    for (name, choice) in &mut choices {
        let key = match members.get(name.as_str()) {
            Some(pool) => {
                let (patterns, generalised) = &written[pool];
                choice.written = patterns.clone();
                choice.generalised = generalised.clone();
                Some(patterns.clone())
            }
            None => None,
        };
        groups.entry(key).or_default().push(name.clone());
    }
    let mut statements = Vec::new();
    // The statement's own resources first, keeping its Sid; then each narrowed set, its
    // Sid numbered from 2.
    for (n, (resources, actions)) in groups.into_iter().enumerate() {
        let sid = match (&statement.sid, n) {
            (Some(sid), 0) => Some(sid.clone()),
            (Some(sid), n) => Some(format!("{sid}{}", n + 1)),
            (None, _) => None,
        };
        // Everything it granted kept on its own resources: the statement as written.
        let mut part = if resources.is_none() && actions.len() == whole {
            statement.clone()
        } else {
            with_actions(statement, actions)
        };
        part.sid = sid;
        if let Some(resources) = resources {
            part.resource = Some(ResourceClause::Resource(match resources.len() {
                1 => OneOrMany::one(resources[0].clone()),
                _ => OneOrMany::array(resources),
            }));
        }
        statements.push(part);
    }
    Some(Narrowed {
        statements,
        choices,
    })
}

/// The granted actions by service, in order.
fn by_service<'c>(granted: &[&'c str]) -> BTreeMap<String, Vec<&'c str>> {
    let mut out: BTreeMap<String, Vec<&'c str>> = BTreeMap::new();
    for action in granted {
        out.entry(service_of(action).to_ascii_lowercase())
            .or_default()
            .push(action);
    }
    out
}

/// How a statement keeps one whole service: `svc:*` when it granted all of it, else its own
/// patterns for the service when they name only it, else the actions it granted.
fn service_patterns(statement: &Statement, service: &str, granted: &[&str]) -> Vec<String> {
    if covers_whole_service(statement, service) {
        return vec![format!("{service}:*")];
    }
    if let ActionClause::Action(list) = &statement.action {
        let own: Vec<&ActionPattern> = list
            .iter()
            .filter(|p| granted.iter().any(|a| p.matches(a)))
            .collect();
        if own.iter().all(|p| p.literal_service() == Some(service)) {
            return own.iter().map(|p| p.as_str().to_owned()).collect();
        }
    }
    granted.iter().map(|a| (*a).to_owned()).collect()
}

/// Whether the statement's own patterns grant every action of `service`, present and
/// future: an `Action` of `*` or `svc:*`, or a `NotAction` none of whose patterns can
/// match the service. Counting the catalogue's actions would not do: AWS adds actions the
/// embedded catalogue does not know, and `svc:*` would grant them.
fn covers_whole_service(statement: &Statement, service: &str) -> bool {
    match &statement.action {
        ActionClause::Action(list) => list.iter().any(|p| {
            let text = p.as_str().to_ascii_lowercase();
            text.chars().all(|c| c == '*')
                || text == format!("{service}:*")
                || text.split_once(':').is_some_and(|(s, a)| {
                    s.chars().all(|c| c == '*') && a.chars().all(|c| c == '*')
                })
        }),
        ActionClause::NotAction(list) => list
            .iter()
            .all(|p| p.literal_service().is_some_and(|s| s != service)),
    }
}

/// The statement with `Action` set to `patterns` (an array, or a lone value when the
/// original was one and one is left).
fn with_actions(statement: &Statement, patterns: Vec<String>) -> Statement {
    let single =
        matches!(&statement.action, ActionClause::Action(list) if list.form() == ListForm::Single);
    let mut patterns: Vec<ActionPattern> = patterns
        .iter()
        .map(|p| ActionPattern::parse(p).expect("patterns come from the catalogue or the policy"))
        .collect();
    let list = if single && patterns.len() == 1 {
        OneOrMany::one(patterns.remove(0))
    } else {
        OneOrMany::array(patterns)
    };
    Statement {
        action: ActionClause::Action(list),
        ..statement.clone()
    }
}

/// Fails when `new` allows an action `old` does not: as a whole by expansion, and
/// statement by statement. Each Allow of `new` must sit inside an Allow of `old` with the
/// same Sid, resource, condition and principal: its actions a subset of that statement's,
/// and what the catalogue cannot vouch for (wildcards, which also match actions newer than
/// the catalogue, and names it does not know) either the original's own patterns or a
/// service the original granted whole.
fn check_narrower(
    old: &PolicyDocument,
    new: &PolicyDocument,
    catalog: &ActionCatalog,
) -> Result<(), RewriteError> {
    let mut extra: BTreeSet<String> = BTreeSet::new();
    let before = old.allowed_actions(catalog);
    for action in new.allowed_actions(catalog) {
        if !before.contains(action) {
            extra.insert(action.to_owned());
        }
    }
    for statement in new.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let actions: BTreeSet<&str> = statement.actions(catalog).into_iter().collect();
        let covered = old.statements.iter().any(|o| {
            if o == statement {
                return true;
            }
            if o.effect != statement.effect
                || !same_sid(o.sid.as_deref(), statement.sid.as_deref())
                || !resources_within(statement.resource.as_ref(), o.resource.as_ref())
                || o.condition != statement.condition
                || o.principal != statement.principal
            {
                return false;
            }
            let granted: BTreeSet<&str> = o.actions(catalog).into_iter().collect();
            let own = |p: &ActionPattern| match &o.action {
                ActionClause::Action(list) => list
                    .iter()
                    .any(|q| q.as_str().eq_ignore_ascii_case(p.as_str())),
                ActionClause::NotAction(_) => false,
            };
            let vouched = statement.action.patterns().iter().all(|p| {
                (p.is_literal() && !catalog.expand(p).is_empty())
                    || own(p)
                    || p.literal_service()
                        .is_some_and(|s| covers_whole_service(o, s))
            });
            matches!(statement.action, ActionClause::Action(_))
                && actions.is_subset(&granted)
                && vouched
        });
        if !covered {
            let sid = statement.sid.clone().unwrap_or_default();
            extra.insert(format!("statement `{sid}` as a whole"));
        }
    }
    if extra.is_empty() {
        Ok(())
    } else {
        Err(RewriteError {
            actions: extra.into_iter().collect(),
        })
    }
}

/// The original's Sid, or (resource level) the original's with a number after it.
fn same_sid(old: Option<&str>, new: Option<&str>) -> bool {
    match (old, new) {
        (Some(old), Some(new)) => new
            .strip_prefix(old)
            .is_some_and(|n| n.is_empty() || n.bytes().all(|b| b.is_ascii_digit())),
        (old, new) => old == new,
    }
}

/// Whether the resources `new` names all lie inside `old`'s: the same clause, or a
/// `Resource` each of whose patterns an `old` `Resource` pattern covers.
fn resources_within(new: Option<&ResourceClause>, old: Option<&ResourceClause>) -> bool {
    match (new, old) {
        (Some(ResourceClause::Resource(new)), Some(ResourceClause::Resource(old))) => {
            new.iter().all(|p| old.iter().any(|o| covers(o, p)))
        }
        (new, old) => new == old,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::Source;

    fn catalog() -> &'static ActionCatalog {
        ActionCatalog::embedded()
    }

    /// The seed's ExampleDevelopment policy, before Paulo's edit.
    const EXAMPLE_DEVELOPMENT: &str = r#"{ "Version": "2012-10-17", "Statement": [ { "Sid": "FullAccessToAllServicesExceptPeopleManagement", "Effect": "Allow", "NotAction": [ "iam:*", "organizations:*" ], "Resource": "*" }, { "Sid": "RequiredIamAndOrgsActions", "Effect": "Allow", "Action": [ "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization" ], "Resource": "*" } ] }"#;

    fn used(actions: &[&str]) -> Usage {
        let mut usage = Usage::default();
        for action in actions {
            usage.add_action(
                action,
                &Evidence::one(
                    Source::Trail,
                    "arn:aws:iam::123456789012:user/paulo",
                    Some(1),
                    1,
                ),
            );
        }
        usage
    }

    fn trail() -> Visibility {
        Visibility {
            trail: true,
            ..Visibility::default()
        }
    }

    fn options(level: Level, keep: &[&str]) -> RewriteOptions {
        RewriteOptions {
            level,
            keep_sids: keep.iter().map(|s| (*s).to_owned()).collect(),
            drop_unobservable: false,
            max_arns: DEFAULT_MAX_ARNS,
            pool_by_service: false,
            replace_aws_managed: false,
        }
    }

    fn actions_of(document: &PolicyDocument, index: usize) -> Vec<String> {
        document.statements[index]
            .action
            .patterns()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect()
    }

    #[test]
    fn the_development_group_is_cut_to_its_five_services_as_in_the_seed() {
        let document = PolicyDocument::parse(EXAMPLE_DEVELOPMENT).unwrap();
        // As in the seed, the evidence is the group's last-accessed report.
        let mut usage = Usage::default();
        for service in ["cloudtrail", "logs", "ec2", "kms", "s3"] {
            let e = Evidence::one(Source::LastAccessed, "group/Development", Some(1), 0);
            usage.add_service(service, &e);
        }
        let reports = Visibility {
            reports: true,
            ..Visibility::default()
        };
        let keep = options(Level::Service, &["RequiredIamAndOrgsActions"]);
        let out = rewrite(&document, &usage, &reports, &keep, catalog()).unwrap();
        let new = out.document.clone().unwrap();
        assert_eq!(
            actions_of(&new, 0),
            ["cloudtrail:*", "ec2:*", "kms:*", "logs:*", "s3:*"]
        );
        assert_eq!(new.statements[1], document.statements[1], "pinned");
        assert_eq!(out.untouched[0].why, "pinned");
        assert!(out.changed);
        // Every other service the NotAction granted is removed, with no evidence.
        let removed: Vec<&str> = out.removed().map(|i| i.name.as_str()).collect();
        assert!(removed.contains(&"lambda") && removed.contains(&"dynamodb"));
        assert!(!removed.contains(&"s3"));
        assert!(removed.len() > 300, "{}", removed.len());
        // A trail without data events cannot tell whether a data-plane-only service such
        // as CloudTrail Data (PutAuditEvents) was used: kept, and said so.
        let out = rewrite(&document, &usage, &trail(), &keep, catalog()).unwrap();
        let item = out
            .items
            .iter()
            .find(|i| i.name == "cloudtrail-data")
            .unwrap();
        assert!(matches!(
            item.decision,
            Verdict::Unobservable { kept: true, .. }
        ));
        assert!(actions_of(&out.document.unwrap(), 0).contains(&"cloudtrail-data:*".to_owned()));
    }

    #[test]
    fn a_broad_statement_cut_down_is_renamed_and_an_explicit_list_keeps_its_sid() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"FullAccessExceptIam","Effect":"Allow","NotAction":"iam:*","Resource":"*"},
                {"Sid":"DescribeCompute","Effect":"Allow","Action":["ec2:DescribeInstances","ec2:DescribeVolumes"],"Resource":"*"},
                {"Sid":"Kept","Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#,
        )
        .unwrap();
        let usage = used(&[
            "ec2:DescribeInstances",
            "s3:ListAllMyBuckets",
            "sts:GetCallerIdentity",
        ]);
        // What the trail cannot see dropped, so that only what was used is left.
        let drop = RewriteOptions {
            drop_unobservable: true,
            ..options(Level::Action, &[])
        };
        let out = rewrite(&document, &usage, &trail(), &drop, catalog()).unwrap();
        let sids: Vec<Option<&str>> = out
            .document
            .as_ref()
            .unwrap()
            .statements
            .iter()
            .map(|s| s.sid.as_deref())
            .collect();
        assert_eq!(
            sids,
            [
                Some("AllowEc2S3StsActions"),
                Some("DescribeCompute"),
                Some("Kept")
            ]
        );
    }

    #[test]
    fn action_level_keeps_exact_actions_and_a_data_event_the_trail_cannot_see() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sns:ListTopics"],"Resource":"*"},
               {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        )
        .unwrap();
        let usage = used(&["s3:ListAllMyBuckets", "s3:GetBucketLocation"]);
        let out = rewrite(
            &document,
            &usage,
            &trail(),
            &options(Level::Action, &[]),
            catalog(),
        )
        .unwrap();
        let new = out.document.clone().unwrap();
        let kept = actions_of(&new, 0);
        assert!(kept.contains(&"s3:ListAllMyBuckets".to_owned()));
        assert!(kept.contains(&"s3:GetBucketLocation".to_owned()));
        // GetObject is a data event: unobservable, kept.
        assert!(kept.contains(&"s3:GetObject".to_owned()), "{kept:?}");
        let get = out.items.iter().find(|i| i.name == "s3:GetObject").unwrap();
        assert!(matches!(
            get.decision,
            Verdict::Unobservable {
                blind: Blind::DataEvent { .. },
                kept: true
            }
        ));
        assert!(!kept.contains(&"sns:ListTopics".to_owned()));
        assert!(!kept.contains(&"s3:CreateBucket".to_owned()));
        assert_eq!(new.statements[1], document.statements[1], "the Deny stays");
        // With data events of S3 in the trail, GetObject unused is removed.
        let seen = Visibility {
            data_event_services: BTreeSet::from(["s3".to_owned()]),
            ..trail()
        };
        let out = rewrite(
            &document,
            &usage,
            &seen,
            &options(Level::Action, &[]),
            catalog(),
        )
        .unwrap();
        assert!(!actions_of(&out.document.unwrap(), 0).contains(&"s3:GetObject".to_owned()));
    }

    #[test]
    fn statements_with_conditions_stay_and_unused_ones_go() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"Cond","Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}},
                {"Sid":"Unused","Effect":"Allow","Action":"route53:ChangeResourceRecordSets","Resource":"*"},
                {"Sid":"Used","Effect":"Allow","Action":"route53:ListHostedZones","Resource":"*"},
                {"Sid":"CondUnused","Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}]}"#,
        )
        .unwrap();
        let usage = used(&["route53:ListHostedZones", "ec2:DescribeInstances"]);
        let out = rewrite(
            &document,
            &usage,
            &trail(),
            &options(Level::Action, &[]),
            catalog(),
        )
        .unwrap();
        let new = out.document.unwrap();
        assert_eq!(new.statements.len(), 2);
        // Used in part: kept whole, condition and all.
        assert_eq!(new.statements[0], document.statements[0]);
        assert_eq!(
            new.statements[1], document.statements[2],
            "unchanged, so as written"
        );
        // Unused, with or without a condition: gone.
        assert_eq!(out.removed_statements, [1, 3]);
        assert_eq!(out.untouched.len(), 1);
        assert_eq!(out.untouched[0].why, "condition");
        let pass = out.items.iter().find(|i| i.name == "iam:PassRole").unwrap();
        assert_eq!(pass.decision, Verdict::Removed);
    }

    #[test]
    fn a_policy_nobody_used_is_left_empty() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"elastictranscoder:*","Resource":"*"}}"#,
        )
        .unwrap();
        let out = rewrite(
            &document,
            &Usage::default(),
            &trail(),
            &options(Level::Service, &[]),
            catalog(),
        )
        .unwrap();
        assert!(out.document.is_none());
        assert!(out.changed);
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].decision, Verdict::Removed);
    }

    #[test]
    fn service_level_keeps_a_statements_own_patterns_for_a_partial_service() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","s3:List*","sns:CreateTopic"],"Resource":"arn:aws:s3:::b/*"}}"#,
        )
        .unwrap();
        let out = rewrite(
            &document,
            &used(&["s3:GetBucketLocation"]),
            &trail(),
            &options(Level::Service, &[]),
            catalog(),
        )
        .unwrap();
        let new = out.document.unwrap();
        assert_eq!(actions_of(&new, 0), ["s3:Get*", "s3:List*"], "never s3:*");
        assert_eq!(new.statements[0].resource, document.statements[0].resource);
    }

    #[test]
    fn a_service_partly_excluded_is_never_widened_to_all_of_it() {
        // NotAction names an S3 action newer than the catalogue: every catalogued S3 action
        // is granted, yet `s3:*` would grant the excluded one.
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:NewerThanTheCatalogue","iam:*"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let out = rewrite(
            &document,
            &used(&["s3:GetBucketLocation", "ec2:DescribeInstances"]),
            &trail(),
            &options(Level::Service, &[]),
            catalog(),
        )
        .unwrap();
        let kept = actions_of(&out.document.unwrap(), 0);
        assert!(kept.contains(&"ec2:*".to_owned()), "{kept:?}");
        assert!(!kept.contains(&"s3:*".to_owned()), "{kept:?}");
        assert!(kept.contains(&"s3:GetBucketLocation".to_owned()));
        // An Action pattern the catalogue does not know is kept as written, and said so.
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:CreateQueue","futuresvc:DoThing"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let out = rewrite(
            &document,
            &Usage::default(),
            &trail(),
            &options(Level::Action, &[]),
            catalog(),
        )
        .unwrap();
        assert_eq!(actions_of(&out.document.unwrap(), 0), ["futuresvc:DoThing"]);
        let item = out
            .items
            .iter()
            .find(|i| i.name == "futuresvc:DoThing")
            .unwrap();
        assert!(matches!(
            item.decision,
            Verdict::Unobservable {
                blind: Blind::UnknownToCatalogue,
                kept: true
            }
        ));
    }

    #[test]
    fn the_widening_check_catches_a_broader_statement() {
        let old = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )
        .unwrap();
        let new = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        )
        .unwrap();
        let error = check_narrower(&old, &new, catalog()).unwrap_err();
        assert!(error.actions.contains(&"s3:PutObject".to_owned()));
        // A Resource may narrow (resource level), never reach outside the original's.
        let mine = |resource: &str| {
            PolicyDocument::parse(&format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}"}}}}"#
            ))
            .unwrap()
        };
        let old = mine("arn:aws:s3:::mine/*");
        assert!(check_narrower(&old, &mine("arn:aws:s3:::mine/data/*"), catalog()).is_ok());
        assert!(check_narrower(&old, &mine("arn:aws:s3:::other/*"), catalog()).is_err());
        assert!(check_narrower(&old, &mine("arn:aws:s3:::mine*"), catalog()).is_err());
        assert!(check_narrower(&old, &mine("*"), catalog()).is_err());
    }

    /// `usage` with `arns` as the resources of `action`'s calls (and `underivable` calls
    /// naming none).
    fn on(usage: &mut Usage, action: &str, arns: &[&str], underivable: u64) {
        let used = usage.resources.entry(action.to_owned()).or_default();
        for arn in arns {
            let e = Evidence::one(
                Source::Trail,
                "arn:aws:iam::123456789012:user/paulo",
                Some(1),
                1,
            );
            used.arns.entry((*arn).to_owned()).or_default().merge(&e);
        }
        used.underivable += underivable;
    }

    fn resources_of(statement: &Statement) -> Vec<String> {
        match &statement.resource {
            Some(ResourceClause::Resource(list)) => list.iter().cloned().collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resource_level_narrows_each_action_to_what_its_calls_named() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Data","Effect":"Allow","Action":["s3:*","kms:Decrypt","ec2:RunInstances"],"Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        )
        .unwrap();
        let mut usage = used(&[
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListAllMyBuckets",
            "kms:Decrypt",
            "ec2:RunInstances",
        ]);
        on(
            &mut usage,
            "s3:GetObject",
            &["arn:aws:s3:::data/a.csv", "arn:aws:s3:::data/b*.csv"],
            0,
        );
        on(
            &mut usage,
            "s3:PutObject",
            &["arn:aws:s3:::data/out.csv"],
            0,
        );
        on(
            &mut usage,
            "kms:Decrypt",
            &["arn:aws:kms:eu-west-1:123456789012:key/k1"],
            2,
        );
        on(&mut usage, "ec2:RunInstances", &[], 5);
        // The S3 object actions nobody used are data events: dropped, as asked.
        let level = RewriteOptions {
            drop_unobservable: true,
            ..options(Level::Resource, &[])
        };
        let out = rewrite(&document, &usage, &trail(), &level, catalog()).unwrap();
        let new = out.document.unwrap();
        // On `*`: no resource-level permission, or calls that do not name their resources.
        // Each changed statement's Sid says what it now grants.
        assert_eq!(
            new.statements[0].sid.as_deref(),
            Some("AllowEc2KmsS3Actions")
        );
        assert_eq!(
            actions_of(&new, 0),
            ["ec2:RunInstances", "kms:Decrypt", "s3:ListAllMyBuckets"]
        );
        assert_eq!(resources_of(&new.statements[0]), ["*"]);
        // Each narrowed action on its own resources, a literal `*` escaped.
        assert_eq!(new.statements[1].sid.as_deref(), Some("AllowS3Actions"));
        assert_eq!(actions_of(&new, 1), ["s3:GetObject"]);
        assert_eq!(
            resources_of(&new.statements[1]),
            ["arn:aws:s3:::data/a.csv", "arn:aws:s3:::data/b${*}.csv"]
        );
        assert_eq!(actions_of(&new, 2), ["s3:PutObject"]);
        assert_eq!(
            new.statements[2].sid.as_deref(),
            Some("AllowS3Actions2"),
            "unique"
        );
        assert_eq!(
            resources_of(&new.statements[2]),
            ["arn:aws:s3:::data/out.csv"]
        );
        // The Deny as written.
        assert_eq!(new.statements[3], document.statements[1]);
        let kms = out.items.iter().find(|i| i.name == "kms:Decrypt").unwrap();
        let choice = kms.resources.as_ref().unwrap();
        assert_eq!(
            choice.kept_because.as_deref(),
            Some("2 of its calls do not name their resources")
        );

        // Pooled by service: the S3 actions share one statement and the union.
        let pooled = RewriteOptions {
            pool_by_service: true,
            ..level.clone()
        };
        let new = rewrite(&document, &usage, &trail(), &pooled, catalog())
            .unwrap()
            .document
            .unwrap();
        assert_eq!(actions_of(&new, 1), ["s3:GetObject", "s3:PutObject"]);
        assert_eq!(resources_of(&new.statements[1]).len(), 3);
        // Past --max-arns: the common folder.
        let few = RewriteOptions {
            max_arns: 1,
            ..pooled
        };
        let new = rewrite(&document, &usage, &trail(), &few, catalog())
            .unwrap()
            .document
            .unwrap();
        assert_eq!(resources_of(&new.statements[1]), ["arn:aws:s3:::data/*"]);
    }

    #[test]
    fn an_action_goes_from_a_statement_that_allowed_none_of_its_calls() {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::mine/*"},{"Sid":"Shared","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}"#,
        )
        .unwrap();
        let mut usage = used(&["s3:GetObject"]);
        on(
            &mut usage,
            "s3:GetObject",
            &["arn:aws:s3:::mine/a", "arn:aws:s3:::mine/b"],
            0,
        );
        let level = RewriteOptions {
            max_arns: 1,
            ..options(Level::Resource, &[])
        };
        let out = rewrite(&document, &usage, &trail(), &level, catalog()).unwrap();
        let new = out.document.unwrap();
        assert_eq!(resources_of(&new.statements[0]), ["arn:aws:s3:::mine/*"]);
        // Every call named its object, none in `shared`: that statement allowed none.
        assert_eq!(new.statements.len(), 1);
        assert_eq!(out.removed_statements, [1]);
        // With a policy variable, inclusion cannot be decided: the statement stays.
        let variable = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::mine/*"},{"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
        )
        .unwrap();
        let out = rewrite(&variable, &usage, &trail(), &level, catalog()).unwrap();
        let new = out.document.unwrap();
        assert_eq!(new.statements.len(), 2);
        assert_eq!(
            resources_of(&new.statements[1]),
            ["arn:aws:s3:::home/${aws:username}/*"]
        );
        // A variable beside literal patterns: calls through it are not known, so nothing
        // of the statement is narrowed.
        let mixed = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Both","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::mine/*","arn:aws:s3:::home/${aws:username}/*"]}]}"#,
        )
        .unwrap();
        let out = rewrite(&mixed, &usage, &trail(), &level, catalog()).unwrap();
        assert_eq!(out.document.as_ref(), Some(&mixed));
        assert_eq!(
            out.items[0]
                .resources
                .as_ref()
                .unwrap()
                .kept_because
                .as_deref(),
            Some("the statement's Resource has a policy variable")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever was used on whichever resources: the resource level allows every
        /// (action, resource) used through the statements that allowed it, and nothing the
        /// action level does not.
        #[test]
        fn the_resource_level_allows_what_was_used_and_no_more_than_the_action_level(
            uses in proptest::collection::vec(
                (0..4usize, 0..3usize, "[a-c]{1,2}(/[a-c]{1,2}){0,2}", proptest::bool::weighted(0.1)),
                1..30,
            ),
            max in 1..6usize,
            pooled in proptest::bool::ANY,
        ) {
            use crate::eval::{Context, Decision as Allowed, NamedPolicy, PolicySet, Request, evaluate};
            let document = PolicyDocument::parse(
                r#"{"Version":"2012-10-17","Statement":[
                  {"Sid":"Objects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b0/*","arn:aws:s3:::b1/*"]},
                  {"Sid":"Any","Effect":"Allow","Action":["s3:GetObject","dynamodb:GetItem","dynamodb:Query"],"Resource":"*"}]}"#,
            )
            .unwrap();
            const ACTIONS: [&str; 4] = ["s3:GetObject", "s3:PutObject", "dynamodb:GetItem", "dynamodb:Query"];
            let mut usage = Usage::default();
            let mut pairs = Vec::new();
            for (action, place, name, underivable) in &uses {
                let action = ACTIONS[*action];
                let arn = if action.starts_with("s3") {
                    format!("arn:aws:s3:::b{place}/{name}")
                } else {
                    format!("arn:aws:dynamodb:eu-west-1:12345678901{place}:table/{name}")
                };
                usage.add_action(action, &Evidence::one(Source::Trail, "p", Some(1), 1));
                on(&mut usage, action, &[arn.as_str()], u64::from(*underivable));
                pairs.push((action, arn));
            }
            let opts = |level| RewriteOptions {
                level,
                keep_sids: Vec::new(),
                drop_unobservable: true,
                max_arns: max,
                pool_by_service: pooled,
                replace_aws_managed: false,
            };
            let narrow = rewrite(&document, &usage, &trail(), &opts(Level::Resource), catalog()).unwrap();
            let wide = rewrite(&document, &usage, &trail(), &opts(Level::Action), catalog()).unwrap();
            // No document at all when nothing the policy allowed was used through it.
            let (narrow, wide) = (narrow.document, wide.document);
            let allows = |doc: Option<&PolicyDocument>, action: &str, arn: &str| {
                let Some(doc) = doc else {
                    return false;
                };
                let set = PolicySet {
                    identity: vec![NamedPolicy { name: "p".into(), document: doc }],
                    boundary: None,
                    scps: Vec::new(),
                };
                let context = Context::new();
                let request = Request { action, resource: Some(arn), context: &context };
                evaluate(&set, &request).decision == Allowed::Allow
            };
            for (action, arn) in &pairs {
                if allows(Some(&document), action, arn) {
                    proptest::prop_assert!(allows(narrow.as_ref(), action, arn), "{action} {arn}\n{narrow:?}");
                }
            }
            // Probes: every action on resources nobody used, and ones that were.
            let mut probes: Vec<String> = pairs.iter().map(|(_, a)| a.clone()).collect();
            probes.push("arn:aws:s3:::b0/zz".into());
            probes.push("arn:aws:s3:::b2/a".into());
            probes.push("arn:aws:dynamodb:eu-west-1:123456789019:table/a".into());
            for action in ACTIONS.iter().chain(&["s3:DeleteObject"]) {
                for arn in &probes {
                    if allows(narrow.as_ref(), action, arn) {
                        proptest::prop_assert!(allows(wide.as_ref(), action, arn), "{action} {arn}");
                    }
                }
            }
        }
    }
}
