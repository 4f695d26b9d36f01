//! A scope's policies with who they reach and the evidence that speaks for each: the
//! rules that decide whose use counts for a policy, an attachment or a membership, and
//! when the last-accessed reports prove non-use.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::engine::{EvidenceSource, Found, ScpScope, TightenError};
use super::window::{Sources, Window};
use super::{
    Entity, EntityKind, Evidence, Level, PolicyKind, Scope, ScopeAttachment, ScopeMembership,
    ScopePolicy, Source, Usage, Visibility, has_data_events,
};
use crate::policy::PolicyDocument;
use crate::request::CLOUDTRAIL_EPOCH;

/// An identity of the store, when `kind` is `user`, `group` or `role`.
pub fn entity(kind: &str, name: &str, arn: &str) -> Option<Entity> {
    Some(Entity {
        kind: EntityKind::parse(kind)?,
        name: name.to_owned(),
        arn: arn.to_owned(),
    })
}

/// The direct attachments and inline owners of the account: who each policy is attached to.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    /// policy key -> identities it is attached to directly (managed) or embedded in (inline).
    pub by_policy: BTreeMap<String, Vec<Entity>>,
    /// identity ARN -> policy keys attached to it directly or embedded in it.
    pub by_entity: BTreeMap<String, Vec<String>>,
    /// group ARN -> member users.
    pub members: BTreeMap<String, Vec<Entity>>,
    /// user ARN -> groups.
    pub groups: BTreeMap<String, Vec<Entity>>,
}

impl Attachments {
    /// The users and roles behind an identity: a group's members, else itself.
    pub fn principals(&self, e: &Entity) -> Vec<String> {
        match e.kind {
            EntityKind::Group => self
                .members
                .get(&e.arn)
                .map(|m| m.iter().map(|u| u.arn.clone()).collect())
                .unwrap_or_default(),
            _ => vec![e.arn.clone()],
        }
    }
}

/// One policy's current document and versions.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub name: String,
    pub arn: Option<String>,
    pub kind: PolicyKind,
    pub document: PolicyDocument,
    pub versions: Vec<String>,
    pub default_version: Option<String>,
}

/// What the reports about one subject say over the window.
#[derive(Debug, Default, Clone)]
pub struct ReportUsage {
    pub usage: Usage,
    pub tracked: BTreeSet<String>,
    /// When the job completed: it says nothing of later use.
    pub completed: i64,
}

/// How much older than the window's end a report may be and still prove non-use: a
/// report completed a day early cannot tell about the last day.
pub const REPORT_SLACK: i64 = 86_400_000_000;

/// How close a refused call must be to a report's last use to explain it (microseconds).
pub const ATTEMPT_SLACK: i64 = 120_000_000;

/// Gathers usage and visibility over principals (trail) and report subjects.
struct Gatherer {
    /// The window's end.
    until: i64,
    trail: HashMap<String, Usage>,
    /// The trail before the window.
    history: HashMap<String, Usage>,
    reports: HashMap<String, ReportUsage>,
    data_events: BTreeSet<String>,
    sources: Sources,
}

impl Gatherer {
    /// The evidence of `principals` in the window and before it, and of the reports about
    /// `subjects`.
    fn new(
        source: &dyn EvidenceSource,
        principals: &BTreeSet<String>,
        subjects: &BTreeSet<String>,
        window: &Window,
        sources: Sources,
        level: Level,
    ) -> Result<Self, TightenError> {
        let mut trail = source.trail_usage(principals, window)?;
        if level == Level::Resource {
            for (principal, used) in source.resource_usage(principals, window)? {
                trail.entry(principal).or_default().resources = used;
            }
        }
        Ok(Gatherer {
            until: window.until,
            trail,
            history: source.trail_usage(
                principals,
                // From CloudTrail's start: an older store may hold events dated 1970.
                &Window {
                    since: CLOUDTRAIL_EPOCH.min(window.since - 1),
                    until: window.since - 1,
                },
            )?,
            reports: source.report_usage(subjects, window)?,
            data_events: source.data_event_services(window)?,
            sources,
        })
    }

    /// The evidence of `principals` (trail) and `subjects` (reports). The reports prove
    /// non-use (visibility) only when one of the `cover` alternatives has a current report
    /// for every subject in it: a report about a group covers its members, one about a
    /// policy every identity it is attached to.
    fn gather(
        &self,
        principals: &[String],
        subjects: &[String],
        cover: &[Vec<String>],
    ) -> (Usage, Visibility) {
        let mut usage = Usage::default();
        let mut visibility = Visibility {
            trail: self.sources.trail(),
            data_event_services: self.data_events.clone(),
            ..Visibility::default()
        };
        if self.sources.trail() {
            for p in principals {
                if let Some(u) = self.trail.get(p) {
                    usage.merge(u);
                }
                for (action, e) in self
                    .history
                    .get(p)
                    .map(|u| &u.actions)
                    .into_iter()
                    .flatten()
                {
                    usage.add_before(action, e);
                }
            }
        }
        if self.sources.reports() {
            for s in subjects {
                if let Some(r) = self.reports.get(s) {
                    usage.merge(&r.usage);
                    visibility.tracked_actions.extend(r.tracked.iter().cloned());
                }
            }
            let current = |s: &String| {
                self.reports
                    .get(s)
                    .is_some_and(|r| r.completed >= self.until - REPORT_SLACK)
            };
            visibility.reports = cover
                .iter()
                .any(|alternative| !alternative.is_empty() && alternative.iter().all(current));
            if self.sources.trail() {
                usage.discount_attempts(ATTEMPT_SLACK, |service| {
                    has_data_events(service) && !self.data_events.contains(service)
                });
            }
        }
        (usage, visibility)
    }
}

/// The scope of a target with its evidence over `window`, and every principal its
/// policies reach (whom a replay may concern).
pub fn assemble(
    source: &dyn EvidenceSource,
    target: &Found,
    window: &Window,
    sources: Sources,
    level: Level,
) -> Result<(Scope, BTreeSet<String>), TightenError> {
    let account = match target {
        Found::Principal(p) => p.account_id.clone(),
        Found::Policy { account, .. } => account.clone(),
    };
    let att = source.attachments(&account)?;
    // The identities the scope is about, and (for a user) its groups.
    let (scope_entities, user): (Vec<Entity>, Option<Entity>) = match target {
        Found::Principal(p) => {
            let me = entity(&p.principal_type, &p.name, &p.arn)
                .ok_or_else(|| TightenError::NotAnIdentity(p.arn.clone()))?;
            let mut entities = vec![me.clone()];
            if me.kind == EntityKind::User {
                entities.extend(att.groups.get(&me.arn).cloned().unwrap_or_default());
            }
            let user = (me.kind == EntityKind::User).then_some(me);
            (entities, user)
        }
        Found::Policy { arn, .. } => (att.by_policy.get(arn).cloned().unwrap_or_default(), None),
    };
    // The policies: those of the scope's identities, or the one policy.
    let mut keys: Vec<String> = match target {
        Found::Policy { arn, .. } => vec![arn.clone()],
        Found::Principal(_) => scope_entities
            .iter()
            .flat_map(|e| att.by_entity.get(&e.arn).cloned().unwrap_or_default())
            .collect(),
    };
    keys.sort();
    keys.dedup();
    // Everyone the policies reach, and every report subject that speaks for them.
    let mut reach: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut all_principals = BTreeSet::new();
    let mut all_subjects = BTreeSet::new();
    for key in &keys {
        let attached = att.by_policy.get(key).cloned().unwrap_or_default();
        let mut principals: Vec<String> = attached.iter().flat_map(|e| att.principals(e)).collect();
        principals.sort();
        principals.dedup();
        let mut subjects: Vec<String> = attached.iter().map(|e| e.arn.clone()).collect();
        subjects.extend(principals.iter().cloned());
        if key.starts_with("arn:") {
            subjects.push(key.clone());
        }
        all_principals.extend(principals.iter().cloned());
        all_subjects.extend(subjects.iter().cloned());
        reach.insert(key.clone(), (principals, subjects));
    }
    for e in &scope_entities {
        all_principals.extend(att.principals(e));
        all_subjects.insert(e.arn.clone());
    }
    let gatherer = Gatherer::new(
        source,
        &all_principals,
        &all_subjects,
        window,
        sources,
        level,
    )?;
    // Policies that are someone's permissions boundary.
    let boundaries = source.boundaries(&account, &keys)?;
    let mut scope = Scope::default();
    for key in &keys {
        let row = source.policy(&account, key)?;
        let attached = att.by_policy.get(key).cloned().unwrap_or_default();
        let (principals, subjects) = &reach[key];
        // Reports speak for the policy if it has its own, or every identity it is attached
        // to has one, or every principal it reaches does.
        let mut cover = vec![
            attached.iter().map(|e| e.arn.clone()).collect::<Vec<_>>(),
            principals.clone(),
        ];
        if key.starts_with("arn:") {
            cover.push(vec![key.clone()]);
        }
        let (usage, visibility) = gatherer.gather(principals, subjects, &cover);
        let through: Vec<Entity> = scope_entities
            .iter()
            .filter(|e| attached.contains(e))
            .cloned()
            .collect();
        let (owner, attached_to) = match row.kind {
            PolicyKind::Inline => (attached.first().cloned(), Vec::new()),
            _ => (None, attached),
        };
        scope.policies.push(ScopePolicy {
            key: key.clone(),
            name: row.name,
            arn: row.arn,
            kind: row.kind,
            document: row.document,
            owner,
            attached_to,
            versions: row.versions,
            default_version: row.default_version,
            through,
            usage,
            visibility,
            boundary_of: boundaries.get(key).copied().unwrap_or_default(),
        });
    }
    for e in &scope_entities {
        let principals = att.principals(e);
        let mut subjects = principals.clone();
        subjects.push(e.arn.clone());
        subjects.sort();
        subjects.dedup();
        let cover = [vec![e.arn.clone()], principals.clone()];
        let (usage, visibility) = gatherer.gather(&principals, &subjects, &cover);
        for key in att.by_entity.get(&e.arn).into_iter().flatten() {
            let managed = scope
                .policies
                .iter()
                .any(|p| &p.key == key && p.kind != PolicyKind::Inline);
            if managed {
                scope.attachments.push(ScopeAttachment {
                    policy_key: key.clone(),
                    entity: e.clone(),
                    usage: usage.clone(),
                    visibility: visibility.clone(),
                });
            }
        }
    }
    if let Some(user) = &user {
        let me = std::slice::from_ref(&user.arn);
        let (usage, visibility) = gatherer.gather(me, me, &[me.to_vec()]);
        for group in att.groups.get(&user.arn).into_iter().flatten() {
            scope.memberships.push(ScopeMembership {
                user: user.clone(),
                group: group.clone(),
                policy_keys: att.by_entity.get(&group.arn).cloned().unwrap_or_default(),
                usage: usage.clone(),
                visibility: visibility.clone(),
            });
        }
    }
    Ok((scope, all_principals))
}

/// A permission set as one inline policy (`document`: its inline policy and the AWS
/// managed policies attached to it, together) reaching the roles it provisioned, with the
/// evidence of every use of those roles in every account, and of the reports about them.
/// `owner` stands for the permission set: a role's inline-policy limits are the
/// permission set's (10,240 characters other than whitespace).
pub fn assemble_permission_set(
    source: &dyn EvidenceSource,
    owner: &Entity,
    document: PolicyDocument,
    roles: &BTreeSet<String>,
    window: &Window,
    sources: Sources,
    level: Level,
) -> Result<Scope, TightenError> {
    let gatherer = Gatherer::new(source, roles, roles, window, sources, level)?;
    let roles: Vec<String> = roles.iter().cloned().collect();
    let (usage, visibility) = gatherer.gather(&roles, &roles, std::slice::from_ref(&roles));
    Ok(Scope {
        policies: vec![ScopePolicy {
            key: owner.arn.clone(),
            name: owner.name.clone(),
            arn: None,
            kind: PolicyKind::Inline,
            document,
            owner: Some(owner.clone()),
            attached_to: Vec::new(),
            versions: Vec::new(),
            default_version: None,
            through: vec![owner.clone()],
            usage,
            visibility,
            boundary_of: 0,
        }],
        attachments: Vec::new(),
        memberships: Vec::new(),
    })
}

/// The SCP `name` (within the organisation of `entity`), the member accounts under its
/// targets, and what they used: before the window (what "stopped" means) and in it, from
/// the trail and from the entity's Organizations access report.
pub fn assemble_scp(
    source: &dyn EvidenceSource,
    name: &str,
    entity: &str,
    window: &Window,
    sources: Sources,
) -> Result<ScpScope, TightenError> {
    let entity = entity.trim_matches('/');
    let mut rows = source.scps(name)?;
    let row = match rows.len() {
        0 => return Err(TightenError::NoScp(name.to_owned())),
        1 => rows.remove(0),
        count => {
            return Err(TightenError::AmbiguousScp {
                name: name.to_owned(),
                count,
            });
        }
    };
    if !entity.starts_with(&row.org_id) {
        return Err(TightenError::EntityOutsideOrg {
            entity: entity.to_owned(),
            org: row.org_id,
            name: name.to_owned(),
        });
    }
    let text = row
        .document
        .as_deref()
        .ok_or_else(|| TightenError::ScpWithoutDocument(name.to_owned()))?;
    let document = PolicyDocument::parse(text).map_err(|source| TightenError::ScpDocument {
        name: name.to_owned(),
        source,
    })?;
    let targets = source.scp_targets(&row.org_id, &row.id)?;
    if targets.is_empty() {
        return Err(TightenError::ScpAttachedToNothing(name.to_owned()));
    }
    let within = |path: &str| path == entity || path.starts_with(&format!("{entity}/"));
    let outside: Vec<String> = targets.iter().filter(|t| !within(t)).cloned().collect();
    let accounts = source.member_accounts_under(&row.org_id, &targets)?;
    // Accounts whose place in the tree is unknown may be under a target too.
    let unplaced = source.unplaced_accounts(&row.org_id)?;
    let mut usage = Usage::default();
    let mut visibility = Visibility {
        trail: sources.trail(),
        data_event_services: source.data_event_services(window)?,
        ..Visibility::default()
    };
    let mut principals = BTreeSet::new();
    let mut used_before = BTreeSet::new();
    if sources.trail() && !accounts.is_empty() {
        let who = accounts.join(", ");
        for used in source.services_before(&accounts, window.since)? {
            used_before.insert(used.service.clone());
            let mut evidence = Evidence::one(Source::Trail, &who, used.last, 0);
            evidence.events = used.events;
            usage.add_before(&used.service, &evidence);
        }
        for used in source.services_used(&accounts, window)? {
            let Some(arn) = &used.principal else {
                continue;
            };
            principals.insert(arn.clone());
            let evidence = Evidence {
                events: used.events,
                first: used.first,
                last: used.last,
                principals: BTreeSet::from([arn.clone()]),
                sources: BTreeSet::from([Source::Trail]),
            };
            usage.add_service(&used.service, &evidence);
        }
    }
    let mut candidates = None;
    let mut last_reported = BTreeMap::new();
    if sources.reports() {
        let reported = source.entity_report(entity, window)?;
        if !reported.is_empty() {
            visibility.reports = true;
            let mut listed = BTreeSet::new();
            for r in reported {
                listed.insert(r.service.clone());
                let Some(at) = r.last_authenticated else {
                    continue;
                };
                last_reported.insert(r.service.clone(), at);
                let who = r.entity.clone().unwrap_or_else(|| entity.to_owned());
                let evidence = Evidence::one(Source::LastAccessed, &who, Some(at), 0);
                if at < window.since {
                    used_before.insert(r.service.clone());
                    usage.add_before(&r.service, &evidence);
                } else {
                    usage.add_service(&r.service, &evidence);
                }
            }
            candidates = Some(listed);
        }
    }
    Ok(ScpScope {
        org_id: row.org_id,
        id: row.id,
        name: row.name.unwrap_or_default(),
        document,
        targets,
        outside,
        accounts,
        usage,
        visibility,
        candidates,
        principals,
        last_reported,
        used_before,
        unplaced,
    })
}
