//! Tightening end to end: one call takes what to tighten, the window and the options, reads
//! the evidence through an [`EvidenceSource`] and returns the typed result ([`Tightened`],
//! [`ScpTightened`]) that the CLI prints and writes, and that any other output (a report,
//! Terraform) can read.
//!
//! The source answers questions about the store; every decision (the window, which
//! evidence counts, whether the trail covers the window, the plan, its fit to IAM's limits,
//! the replay) is made here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::coverage::{CoverageError, TrailCoverage, check_trail};
use super::limits::{FitError, fit};
use super::outcome::{Target, TargetKind, Tightened};
use super::refused::{Refused, still_allowed};
use super::replay::{Replay, Swap, swap};
use super::scope::{Attachments, PolicyRow, ReportUsage, assemble, assemble_scp};
use super::window::{DAY, Sources, Window};
use super::{After, ResourceUse, RewriteOptions, ScpError, ScpOptions, ScpRewrite, Usage};
use super::{Visibility, deny_unused};
use crate::catalog::ActionCatalog;
use crate::eval::principal::{LoadedPolicy, PrincipalPolicies, PrincipalRef, Via};
use crate::policy::PolicyDocument;
use crate::request::event::StoredEvent;
use crate::request::resource::IamNames;

/// An error of the evidence source, passed on as it is.
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// A principal or policy as the store resolves it.
#[derive(Debug, Clone)]
pub enum Found {
    /// A user, group or role, with the policies reaching it.
    Principal(PrincipalRef),
    /// A customer-managed policy, by ARN, with every identity it is attached to.
    Policy { arn: String, account: String },
}

/// What tightening reads from a store. `sql::tighten` implements it over the store's
/// tables; a test can implement it over maps.
pub trait EvidenceSource {
    /// The newest plausible evidence: the last event or the newest report.
    fn newest_evidence(&self) -> Result<Option<i64>, SourceError>;
    /// Whether the store holds any event.
    fn has_events(&self) -> Result<bool, SourceError>;
    /// Whether the store holds any last-accessed report.
    fn has_reports(&self) -> Result<bool, SourceError>;
    /// The trail's span in the store and per account of `accounts`.
    fn trail_coverage(&self, accounts: &[String]) -> Result<TrailCoverage, SourceError>;
    /// A user, group or role by name or ARN (`account` narrows a name found in several).
    fn find_principal(&self, who: &str, account: Option<&str>)
    -> Result<PrincipalRef, SourceError>;
    /// A customer-managed policy by name or ARN.
    fn find_policy(&self, who: &str, account: Option<&str>) -> Result<Found, SourceError>;
    /// Every subject of `kind` in the IAM snapshot (of `account`, when given).
    fn subjects(
        &self,
        kind: super::bulk::SubjectKind,
        account: Option<&str>,
    ) -> Result<Vec<super::bulk::Subject>, SourceError>;
    /// The account's direct attachments, inline owners and group memberships.
    fn attachments(&self, account: &str) -> Result<Attachments, SourceError>;
    /// A policy's current document and versions, by key (ARN or `inline:...`).
    fn policy(&self, account: &str, key: &str) -> Result<PolicyRow, SourceError>;
    /// Of `keys`, those that are some principal's permissions boundary, with how many.
    fn boundaries(
        &self,
        account: &str,
        keys: &[String],
    ) -> Result<HashMap<String, usize>, SourceError>;
    /// The trail's evidence per principal over `window`: successful calls (mapped to
    /// actions in the catalogue's spelling, or to services when unmapped) and refused
    /// ones.
    fn trail_usage(
        &self,
        principals: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, Usage>, SourceError>;
    /// The resources each principal's successful calls used over `window`, by action.
    fn resource_usage(
        &self,
        principals: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, BTreeMap<String, ResourceUse>>, SourceError>;
    /// What the latest last-accessed report of each subject completed in `window` says.
    fn report_usage(
        &self,
        subjects: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, ReportUsage>, SourceError>;
    /// The services with data events in the trail over `window`.
    fn data_event_services(&self, window: &Window) -> Result<BTreeSet<String>, SourceError>;
    /// Everything that decides what the principal `arn` may do.
    fn principal_policies(&self, arn: &str) -> Result<Known, SourceError>;
    /// The successful calls of `arn` in `window` whose actions are known, in time order.
    fn successful_calls(&self, arn: &str, window: &Window)
    -> Result<Vec<StoredEvent>, SourceError>;
    /// The IAM snapshot's names, for the resources of requests that name an IAM entity.
    fn iam_names(&self) -> &IamNames;
    /// The IAM Identity Center permission set named `name` (in any case), with its
    /// policies, assignments and provisioned roles; `None` when the store has none.
    fn permission_set(
        &self,
        _name: &str,
    ) -> Result<Option<super::permission_set::PermissionSetRow>, SourceError> {
        Ok(None)
    }
    /// The names of every permission set the store knows.
    fn permission_set_names(&self) -> Result<Vec<String>, SourceError> {
        Ok(Vec::new())
    }
    /// Per principal of `principals`, its successful calls in `window` by the person
    /// behind them (`""` for calls no rule attributes).
    fn people_of(
        &self,
        _principals: &BTreeSet<String>,
        _window: &Window,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, SourceError> {
        Ok(BTreeMap::new())
    }
    /// The SCPs named or numbered `name` (in any organisation).
    fn scps(&self, name: &str) -> Result<Vec<ScpRow>, SourceError>;
    /// The entity paths an SCP is attached to, sorted.
    fn scp_targets(&self, org_id: &str, policy_id: &str) -> Result<Vec<String>, SourceError>;
    /// The member accounts (not the management account) at or under any of `targets`.
    fn member_accounts_under(
        &self,
        org_id: &str,
        targets: &[String],
    ) -> Result<Vec<String>, SourceError>;
    /// The accounts of the organisation whose place in the tree is unknown.
    fn unplaced_accounts(&self, org_id: &str) -> Result<Vec<String>, SourceError>;
    /// The path from the organisation down to the root, OU or account `id`
    /// (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111`), when the organisation's tree holds it.
    fn entity_path(&self, org_id: &str, id: &str) -> Result<Option<String>, SourceError>;
    /// Each service the principals of `accounts` used successfully before `before` (not
    /// AWS services acting for themselves), for the accounts together.
    fn services_before(
        &self,
        accounts: &[String],
        before: i64,
    ) -> Result<Vec<ServiceUse>, SourceError>;
    /// Each service, dependent actions' services included, each principal of `accounts`
    /// used successfully in `window` (not AWS services acting for themselves).
    fn services_used(
        &self,
        accounts: &[String],
        window: &Window,
    ) -> Result<Vec<ServiceUse>, SourceError>;
    /// The services of the latest Organizations access report about `entity` completed in
    /// `window` (empty without one).
    fn entity_report(
        &self,
        entity: &str,
        window: &Window,
    ) -> Result<Vec<ReportedService>, SourceError>;
}

/// A principal as the IAM snapshot knows it, or why it does not.
#[derive(Debug, Clone)]
pub enum Known {
    Principal(Box<PrincipalPolicies>),
    /// Not in the snapshot (root, another account), with why.
    Unknown(String),
}

/// An SCP as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpRow {
    pub org_id: String,
    pub id: String,
    pub name: Option<String>,
    /// Its document's text.
    pub document: Option<String>,
}

/// A service's use: by one principal, or by a set of accounts together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUse {
    pub service: String,
    pub principal: Option<String>,
    pub events: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// One service of an Organizations access report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedService {
    pub service: String,
    pub last_authenticated: Option<i64>,
    /// The entity that last used it, as the report names it.
    pub entity: Option<String>,
}

/// An SCP with the accounts it governs and their evidence.
#[derive(Debug, Clone)]
pub struct ScpScope {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub document: PolicyDocument,
    /// The entity paths it is attached to.
    pub targets: Vec<String>,
    /// Targets outside the entity asked for: the Deny reaches them too.
    pub outside: Vec<String>,
    /// The member accounts under its targets (the management account is not governed).
    pub accounts: Vec<String>,
    pub usage: Usage,
    pub visibility: Visibility,
    /// The services the entity's Organizations report lists, when there is one.
    pub candidates: Option<BTreeSet<String>>,
    /// Principals of those accounts with calls in the window (whom a replay concerns).
    pub principals: BTreeSet<String>,
    /// The report's last use of each service, in the window or not.
    pub last_reported: BTreeMap<String, i64>,
    /// Services used before the window (trail or report): those no longer used.
    pub used_before: BTreeSet<String>,
    /// Accounts of the organisation whose place in the tree is unknown.
    pub unplaced: Vec<String>,
}

/// What to tighten, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetName {
    Group(String),
    User(String),
    Role(String),
    /// A customer-managed policy, by name or ARN.
    Policy(String),
    /// An IAM Identity Center permission set, by name.
    PermissionSet(String),
}

/// The window asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRequest {
    /// This many days ending at `until`, unless `since` is given.
    pub days: u32,
    pub since: Option<i64>,
    /// The end; the newest evidence in the store when `None` (never the clock, so that a
    /// run is reproducible).
    pub until: Option<i64>,
}

/// A run of tightening for a user, group, role or customer-managed policy.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: TargetName,
    /// The account, where a name exists in several accounts of the store.
    pub account: Option<String>,
    pub window: WindowRequest,
    /// The evidence that may count (what the store lacks does not).
    pub evidence: Sources,
    pub options: RewriteOptions,
    /// Go on when the trail does not cover the whole window.
    pub partial_trail: bool,
}

/// A run of SCP mode.
#[derive(Debug, Clone)]
pub struct ScpRequest {
    /// The SCP's name or id.
    pub scp: String,
    /// The Organizations entity path whose accounts' use counts.
    pub org_entity: String,
    pub window: WindowRequest,
    pub evidence: Sources,
    /// Deny services never seen used as well.
    pub deny_never_used: bool,
    pub partial_trail: bool,
}

/// What SCP mode found.
#[derive(Debug)]
pub struct ScpTightened {
    pub scope: ScpScope,
    /// The entity path asked for, without surrounding slashes.
    pub org_entity: String,
    pub window: Window,
    pub sources: Sources,
    pub warnings: Vec<String>,
    pub rewrite: ScpRewrite,
    pub replay: Replay,
}

impl ScpTightened {
    /// The services the added Deny names (none when nothing changes).
    pub fn denied(&self) -> Vec<&str> {
        self.rewrite
            .items
            .iter()
            .filter(|i| i.decision == super::Verdict::Removed)
            .map(|i| i.name.as_str())
            .collect()
    }
}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TightenError {
    /// The store could not answer.
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "the store holds no evidence (no events, no last-accessed reports): run \
         `trailcut ingest` or `trailcut last-accessed ingest` first"
    )]
    NoEvidence,
    #[error("the window is empty: --since is not before --until")]
    EmptyWindow,
    /// None of the evidence asked for is in the store.
    #[error("no {0} evidence in the store")]
    NoEvidenceOf(&'static str),
    /// A name that resolves to another kind of identity.
    #[error("`{name}` is a {found}, not a {wanted}: use --{found}")]
    WrongKind {
        name: String,
        found: String,
        wanted: &'static str,
    },
    #[error("{0} is not a user, group or role")]
    NotAnIdentity(String),
    #[error("{0} has no policies in the store to tighten")]
    NoPolicies(String),
    #[error(transparent)]
    Coverage(#[from] CoverageError),
    #[error(transparent)]
    Fit(#[from] FitError),
    #[error(
        "no evidence for {0}: the store holds no Organizations access report for it, and the \
         trail does not count (--evidence)"
    )]
    NoScpEvidence(String),
    #[error(transparent)]
    Scp(#[from] ScpError),
    #[error(
        "no SCP named `{0}` in the store (`trailcut org ingest` or `trailcut collect org` loads them)"
    )]
    NoScp(String),
    #[error("`{name}` names {count} SCPs (in several organisations?): pass its id")]
    AmbiguousScp { name: String, count: usize },
    #[error("--org-entity `{entity}` is not in organisation {org}, which holds `{name}`")]
    EntityOutsideOrg {
        entity: String,
        org: String,
        name: String,
    },
    #[error("SCP {0} has no document in the store")]
    ScpWithoutDocument(String),
    #[error("SCP {name}")]
    ScpDocument {
        name: String,
        #[source]
        source: crate::policy::PolicyError,
    },
    #[error("SCP {0} is attached to nothing the store knows: nothing to tighten")]
    ScpAttachedToNothing(String),
    #[error("no permission set `{name}` in the store{hint}")]
    NoPermissionSet { name: String, hint: String },
    #[error(
        "permission set {0}: no role it provisioned is in the IAM snapshots or the trail \
         (ingest the authorization details of the accounts it is assigned in)"
    )]
    NoProvisionedRoles(String),
    #[error("permission set {name}: its {what} is not a policy document")]
    PermissionSetDocument {
        name: String,
        what: String,
        #[source]
        source: crate::policy::PolicyError,
    },
    #[error(
        "permission set {name}: the AWS managed policy {policy} is in no IAM snapshot of the \
         accounts it is provisioned to (ingest their authorization details)"
    )]
    PermissionSetPolicyUnknown { name: String, policy: String },
}

/// The window and the evidence present among what `asked` allows.
pub(super) fn window_and_sources(
    source: &dyn EvidenceSource,
    window: &WindowRequest,
    asked: Sources,
) -> Result<(Window, Sources), TightenError> {
    let until = match window.until {
        Some(until) => until,
        None => source.newest_evidence()?.ok_or(TightenError::NoEvidence)?,
    };
    let since = window.since.unwrap_or(until - i64::from(window.days) * DAY);
    if since >= until {
        return Err(TightenError::EmptyWindow);
    }
    let trail = asked.trail() && source.has_events()?;
    let reports = asked.reports() && source.has_reports()?;
    let sources = Sources::of(trail, reports).ok_or(TightenError::NoEvidenceOf(match asked {
        Sources::Trail => "trail",
        Sources::Reports => "last-accessed",
        Sources::Both => "trail or last-accessed",
    }))?;
    Ok((Window { since, until }, sources))
}

/// The evidence that counts for `accounts` once the trail's coverage is known.
pub(super) fn covered(
    source: &dyn EvidenceSource,
    accounts: &[String],
    window: &Window,
    sources: Sources,
    partial_trail: bool,
) -> Result<(Sources, Vec<String>), TightenError> {
    if !sources.trail() {
        return Ok((sources, Vec::new()));
    }
    let coverage = source.trail_coverage(accounts)?;
    Ok(check_trail(
        &coverage,
        accounts,
        window,
        sources,
        partial_trail,
    )?)
}

/// Replays every successful call of each principal whose policies `swapper` changes.
pub(super) fn replay(
    source: &dyn EvidenceSource,
    swapper: &Swap<'_>,
    principals: &BTreeSet<String>,
    window: &Window,
) -> Result<Replay, TightenError> {
    let mut out = Replay::default();
    for arn in principals {
        // A principal the IAM snapshot lacks (root, another account) cannot be replayed.
        let loaded = match source.principal_policies(arn)? {
            Known::Principal(loaded) => loaded,
            Known::Unknown(why) => {
                out.unknown(arn, &why);
                continue;
            }
        };
        let Some(after) = swap(arn, &loaded, swapper) else {
            continue;
        };
        let events = source.successful_calls(arn, window)?;
        out.compare(arn, &loaded, &after, &events, source.iam_names());
    }
    Ok(out)
}

/// Tightens a user, group, role or customer-managed policy.
pub fn tighten(
    request: &Request,
    source: &dyn EvidenceSource,
    catalog: &ActionCatalog,
) -> Result<Tightened, TightenError> {
    if let TargetName::PermissionSet(_) = &request.target {
        return super::permission_set::tighten_permission_set(request, source, catalog);
    }
    let account = request.account.as_deref();
    let (found, target) = match &request.target {
        TargetName::PermissionSet(_) => unreachable!("handled above"),
        TargetName::Group(name) | TargetName::User(name) | TargetName::Role(name) => {
            let (kind, wanted) = match &request.target {
                TargetName::Group(_) => (TargetKind::Group, "group"),
                TargetName::User(_) => (TargetKind::User, "user"),
                _ => (TargetKind::Role, "role"),
            };
            let principal = source.find_principal(name, account)?;
            if principal.principal_type != wanted {
                return Err(TightenError::WrongKind {
                    name: name.clone(),
                    found: principal.principal_type,
                    wanted,
                });
            }
            let target = Target {
                kind,
                name: principal.name.clone(),
                arn: principal.arn.clone(),
                account: principal.account_id.clone(),
            };
            (Found::Principal(principal), target)
        }
        TargetName::Policy(name) => {
            let found = source.find_policy(name, account)?;
            let (arn, account) = match &found {
                Found::Policy { arn, account } => (arn.clone(), account.clone()),
                Found::Principal(p) => (p.arn.clone(), p.account_id.clone()),
            };
            let target = Target {
                kind: TargetKind::Policy,
                name: name.clone(),
                arn,
                account,
            };
            (found, target)
        }
    };
    let (window, sources) = window_and_sources(source, &request.window, request.evidence)?;
    let accounts = [target.account.clone()];
    let (sources, mut warnings) =
        covered(source, &accounts, &window, sources, request.partial_trail)?;
    let level = request.options.level;
    let (scope, principals) = assemble(source, &found, &window, sources, level)?;
    if scope.policies.is_empty() {
        return Err(TightenError::NoPolicies(target.arn));
    }
    let refused = Refused::of(&scope, catalog);
    let fitted = fit(&scope, &request.options, catalog)?;
    warnings.extend(fitted.warning);
    let plan = fitted.plan;
    let swapper = |arn: &str, p: &LoadedPolicy| match &p.via {
        Via::Scp | Via::Boundary => After::Keep,
        via => plan.after(arn, &p.key, via.group()),
    };
    let replay = replay(source, &swapper, &principals, &window)?;
    let still_allowed = still_allowed(&plan, catalog);
    Ok(Tightened {
        target,
        window,
        sources,
        level,
        warnings,
        plan,
        refused,
        still_allowed,
        replay,
        permission_set: None,
    })
}

/// `--org-entity` as a path from the organisation: given whole, or as the bare id of a
/// root, OU or account (`ou-ab12-11111111`, `123456789012`) that the organisation of the
/// SCP `scp` places in its tree.
fn resolve_entity(
    source: &dyn EvidenceSource,
    scp: &str,
    entity: &str,
) -> Result<String, TightenError> {
    let entity = entity.trim_matches('/');
    if entity.contains('/') || entity.starts_with("o-") {
        return Ok(entity.to_owned());
    }
    for row in source.scps(scp)? {
        if let Some(path) = source.entity_path(&row.org_id, entity)? {
            return Ok(path);
        }
    }
    Ok(entity.to_owned())
}

/// SCP mode: adds to an SCP a Deny of the services no account under the entity used.
pub fn tighten_scp(
    request: &ScpRequest,
    source: &dyn EvidenceSource,
    catalog: &ActionCatalog,
) -> Result<ScpTightened, TightenError> {
    let entity = resolve_entity(source, &request.scp, &request.org_entity)?;
    let entity = entity.as_str();
    let (window, sources) = window_and_sources(source, &request.window, request.evidence)?;
    let mut scope = assemble_scp(source, &request.scp, entity, &window, sources)?;
    // The reports count only when the entity has its own Organizations report.
    let sources = sources
        .with_reports(scope.candidates.is_some())
        .ok_or_else(|| TightenError::NoScpEvidence(entity.to_owned()))?;
    let (sources, warnings) = covered(
        source,
        &scope.accounts,
        &window,
        sources,
        request.partial_trail,
    )?;
    if !sources.trail() {
        scope = assemble_scp(source, &request.scp, entity, &window, sources)?;
    }
    let options = ScpOptions {
        candidates: scope.candidates.as_ref(),
        used_before: &scope.used_before,
        deny_never_used: request.deny_never_used,
    };
    let rewrite = deny_unused(
        &scope.document,
        &scope.usage,
        &scope.visibility,
        &options,
        catalog,
    )?;
    let replay = match &rewrite.document {
        Some(document) => {
            let swapper = |_: &str, p: &LoadedPolicy| {
                if p.via == Via::Scp && p.key == scope.id {
                    After::Replace(document)
                } else {
                    After::Keep
                }
            };
            replay(source, &swapper, &scope.principals, &window)?
        }
        None => Replay::default(),
    };
    Ok(ScpTightened {
        scope,
        org_entity: entity.to_owned(),
        window,
        sources,
        warnings,
        rewrite,
        replay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::testing::{entity, used};
    use crate::tighten::{EntityKind, Outcome, PolicyKind};

    const DEV: &str = "arn:aws:iam::123456789012:group/Development";
    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
    const POLICY: &str = "arn:aws:iam::123456789012:policy/DevTools";
    const NEWEST: i64 = 1_760_000_000_000_000;

    /// A store of one group, Development, whose policy DevTools allows S3 and EC2 and
    /// whose one member, alice, used S3 only (one call, in the window).
    struct Fake {
        events: Vec<StoredEvent>,
        newest: Option<i64>,
        names: IamNames,
    }

    fn fake() -> Fake {
        Fake {
            events: vec![StoredEvent {
                event_id: "e1".to_owned(),
                event_source: "s3.amazonaws.com".to_owned(),
                event_name: "ListBuckets".to_owned(),
                event_time: Some("2025-10-01T00:00:00Z".to_owned()),
                principal_arn: Some(ALICE.to_owned()),
                account_id: Some("123456789012".to_owned()),
                actions: vec!["s3:ListAllMyBuckets".to_owned()],
                ..StoredEvent::default()
            }],
            newest: Some(NEWEST),
            names: IamNames::default(),
        }
    }

    fn document() -> PolicyDocument {
        PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}]}"#,
        )
        .unwrap()
    }

    fn principal(kind: &str, name: &str, arn: &str) -> PrincipalRef {
        PrincipalRef {
            account_id: "123456789012".to_owned(),
            principal_type: kind.to_owned(),
            name: name.to_owned(),
            arn: arn.to_owned(),
            boundary: None,
        }
    }

    impl EvidenceSource for Fake {
        fn newest_evidence(&self) -> Result<Option<i64>, SourceError> {
            Ok(self.newest)
        }
        fn has_events(&self) -> Result<bool, SourceError> {
            Ok(true)
        }
        fn has_reports(&self) -> Result<bool, SourceError> {
            Ok(false)
        }
        fn trail_coverage(&self, accounts: &[String]) -> Result<TrailCoverage, SourceError> {
            let span = (NEWEST - 400 * DAY, NEWEST);
            Ok(TrailCoverage {
                store: Some(span),
                accounts: accounts.iter().map(|a| (a.clone(), span)).collect(),
            })
        }
        fn find_principal(&self, who: &str, _: Option<&str>) -> Result<PrincipalRef, SourceError> {
            match who {
                "Development" | DEV => Ok(principal("group", "Development", DEV)),
                "alice" | ALICE => Ok(principal("user", "alice", ALICE)),
                _ => Err(format!("no user, group or role named `{who}`").into()),
            }
        }
        fn find_policy(&self, who: &str, _: Option<&str>) -> Result<Found, SourceError> {
            Err(format!("no managed policy named `{who}`").into())
        }
        fn subjects(
            &self,
            kind: crate::tighten::bulk::SubjectKind,
            _: Option<&str>,
        ) -> Result<Vec<crate::tighten::bulk::Subject>, SourceError> {
            use crate::tighten::bulk::{Subject, SubjectKind};
            let one = |name: &str, path: &str| Subject {
                account: "123456789012".to_owned(),
                name: name.to_owned(),
                path: path.to_owned(),
            };
            Ok(match kind {
                SubjectKind::Groups => vec![one("Development", "/"), one("Ops", "/")],
                SubjectKind::Roles => vec![one("AWSServiceRoleForSupport", "/aws-service-role/")],
                _ => Vec::new(),
            })
        }
        fn attachments(&self, _: &str) -> Result<Attachments, SourceError> {
            let dev = entity(EntityKind::Group, "Development");
            let alice = entity(EntityKind::User, "alice");
            Ok(Attachments {
                by_policy: BTreeMap::from([(POLICY.to_owned(), vec![dev.clone()])]),
                by_entity: BTreeMap::from([(DEV.to_owned(), vec![POLICY.to_owned()])]),
                members: BTreeMap::from([(DEV.to_owned(), vec![alice.clone()])]),
                groups: BTreeMap::from([(ALICE.to_owned(), vec![dev])]),
            })
        }
        fn policy(&self, _: &str, key: &str) -> Result<PolicyRow, SourceError> {
            assert_eq!(key, POLICY);
            Ok(PolicyRow {
                name: "DevTools".to_owned(),
                arn: Some(POLICY.to_owned()),
                kind: PolicyKind::CustomerManaged,
                document: document(),
                versions: vec!["v1".to_owned()],
                default_version: Some("v1".to_owned()),
            })
        }
        fn boundaries(&self, _: &str, _: &[String]) -> Result<HashMap<String, usize>, SourceError> {
            Ok(HashMap::new())
        }
        fn trail_usage(
            &self,
            principals: &BTreeSet<String>,
            window: &Window,
        ) -> Result<HashMap<String, Usage>, SourceError> {
            let mut out = HashMap::new();
            // alice's one call, inside the window (not in the history before it).
            if principals.contains(ALICE) && window.until >= NEWEST {
                out.insert(ALICE.to_owned(), used(ALICE, &["s3:ListAllMyBuckets"]));
            }
            Ok(out)
        }
        fn resource_usage(
            &self,
            _: &BTreeSet<String>,
            _: &Window,
        ) -> Result<HashMap<String, BTreeMap<String, ResourceUse>>, SourceError> {
            Ok(HashMap::new())
        }
        fn report_usage(
            &self,
            _: &BTreeSet<String>,
            _: &Window,
        ) -> Result<HashMap<String, ReportUsage>, SourceError> {
            Ok(HashMap::new())
        }
        fn data_event_services(&self, _: &Window) -> Result<BTreeSet<String>, SourceError> {
            Ok(BTreeSet::new())
        }
        fn principal_policies(&self, arn: &str) -> Result<Known, SourceError> {
            if arn != ALICE {
                return Ok(Known::Unknown("not in the snapshot".to_owned()));
            }
            Ok(Known::Principal(Box::new(PrincipalPolicies {
                principal: principal("user", "alice", ALICE),
                identity: vec![LoadedPolicy {
                    key: POLICY.to_owned(),
                    name: "DevTools".to_owned(),
                    via: Via::Group("Development".to_owned()),
                    document: document(),
                }],
                boundary: None,
                // NewServiceTest, allowing everything, on the account's OU.
                scps: vec![(
                    "ou-dev".to_owned(),
                    vec![LoadedPolicy {
                        key: "p-1".to_owned(),
                        name: "NewServiceTest".to_owned(),
                        via: Via::Scp,
                        document: PolicyDocument::parse(
                            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                        )
                        .unwrap(),
                    }],
                )],
                org_path: Some("o-a1/r-1/ou-dev".to_owned()),
                warnings: Vec::new(),
            })))
        }
        fn successful_calls(&self, arn: &str, _: &Window) -> Result<Vec<StoredEvent>, SourceError> {
            Ok(self
                .events
                .iter()
                .filter(|e| e.principal_arn.as_deref() == Some(arn))
                .cloned()
                .collect())
        }
        fn iam_names(&self) -> &IamNames {
            &self.names
        }
        fn scps(&self, name: &str) -> Result<Vec<ScpRow>, SourceError> {
            // One SCP, allowing everything, on the Development OU.
            Ok((name == "NewServiceTest")
                .then(|| ScpRow {
                    org_id: "o-a1".to_owned(),
                    id: "p-1".to_owned(),
                    name: Some("NewServiceTest".to_owned()),
                    document: Some(
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
                            .to_owned(),
                    ),
                })
                .into_iter()
                .collect())
        }
        fn entity_path(&self, _: &str, id: &str) -> Result<Option<String>, SourceError> {
            Ok((id == "ou-dev").then(|| "o-a1/r-1/ou-dev".to_owned()))
        }

        fn scp_targets(&self, _: &str, _: &str) -> Result<Vec<String>, SourceError> {
            Ok(vec!["o-a1/r-1/ou-dev".to_owned()])
        }
        fn member_accounts_under(&self, _: &str, _: &[String]) -> Result<Vec<String>, SourceError> {
            Ok(vec!["123456789012".to_owned()])
        }
        fn unplaced_accounts(&self, _: &str) -> Result<Vec<String>, SourceError> {
            Ok(Vec::new())
        }
        fn services_before(&self, _: &[String], _: i64) -> Result<Vec<ServiceUse>, SourceError> {
            // S3 and Lex were used before the window; only S3 in it.
            Ok(["s3", "lex"]
                .into_iter()
                .map(|service| ServiceUse {
                    service: service.to_owned(),
                    principal: None,
                    events: 3,
                    first: None,
                    last: Some(NEWEST - 200 * DAY),
                })
                .collect())
        }
        fn services_used(&self, _: &[String], _: &Window) -> Result<Vec<ServiceUse>, SourceError> {
            Ok(vec![ServiceUse {
                service: "s3".to_owned(),
                principal: Some(ALICE.to_owned()),
                events: 1,
                first: Some(NEWEST),
                last: Some(NEWEST),
            }])
        }
        fn entity_report(&self, _: &str, _: &Window) -> Result<Vec<ReportedService>, SourceError> {
            Ok(Vec::new())
        }
    }

    fn request(target: TargetName) -> Request {
        Request {
            target,
            account: None,
            window: WindowRequest {
                days: 90,
                since: None,
                until: None,
            },
            evidence: Sources::Both,
            options: RewriteOptions::default(),
            partial_trail: false,
        }
    }

    #[test]
    fn a_bulk_run_takes_every_subject_and_one_failure_stops_none() {
        use crate::tighten::bulk::{BulkRequest, SubjectKind, tighten_all};
        let catalog = ActionCatalog::embedded();
        let one = request(TargetName::Group(String::new()));
        let bulk = |exclude: &[&str]| BulkRequest {
            kinds: vec![SubjectKind::Groups, SubjectKind::Roles],
            exclude: exclude.iter().map(|e| (*e).to_owned()).collect(),
            account: None,
            include_aws_roles: false,
            window: one.window,
            evidence: one.evidence,
            options: one.options.clone(),
            partial_trail: false,
        };
        let (results, skipped) = tighten_all(&bulk(&[]), &fake(), catalog).unwrap();
        let names: Vec<&str> = results.iter().map(|r| r.subject.name.as_str()).collect();
        assert_eq!(names, ["Development", "Ops"]);
        let alone = tighten(
            &request(TargetName::Group("Development".to_owned())),
            &fake(),
            catalog,
        )
        .unwrap();
        assert_eq!(
            results[0].result.as_ref().unwrap().plan_json(),
            alone.plan_json()
        );
        assert!(results[1].result.is_err(), "Ops is unknown to the source");
        // The service-linked role is AWS's: left out, and said so.
        assert_eq!(skipped.aws_roles.len(), 1);
        // Excluded by a pattern, in any case.
        let (results, skipped) = tighten_all(&bulk(&["ops", "dev*"]), &fake(), catalog).unwrap();
        assert!(results.is_empty());
        assert_eq!(skipped.excluded.len(), 2);
    }

    #[test]
    fn a_group_is_cut_to_what_its_members_used_and_the_replay_proves_it() {
        let catalog = ActionCatalog::embedded();
        let t = tighten(
            &request(TargetName::Group("Development".to_owned())),
            &fake(),
            catalog,
        )
        .unwrap();
        assert_eq!(t.target.arn, DEV);
        assert_eq!(t.window.until, NEWEST);
        assert_eq!(t.window.days(), 90);
        // No reports in the store: the trail alone counts.
        assert_eq!(t.sources, Sources::Trail);
        let p = &t.plan.policies[0];
        assert_eq!(p.outcome, Outcome::Rewritten);
        let text = p.rewritten.document.as_ref().unwrap().to_json_string();
        assert!(
            text.contains("s3:ListAllMyBuckets") && !text.contains("ec2"),
            "{text}"
        );
        assert_eq!((t.replay.principals, t.replay.events), (1, 1));
        assert!(t.replay.regressions.is_empty());
    }

    #[test]
    fn a_name_of_another_kind_or_a_store_without_evidence_is_refused() {
        let catalog = ActionCatalog::embedded();
        let e = tighten(
            &request(TargetName::Role("alice".to_owned())),
            &fake(),
            catalog,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "`alice` is a user, not a role: use --user");
        let empty = Fake {
            newest: None,
            ..fake()
        };
        let e = tighten(
            &request(TargetName::Group("Development".to_owned())),
            &empty,
            catalog,
        )
        .unwrap_err();
        assert!(matches!(e, TightenError::NoEvidence), "{e}");
        let mut backwards = request(TargetName::Group("Development".to_owned()));
        backwards.window.since = Some(NEWEST);
        backwards.window.until = Some(NEWEST - DAY);
        let e = tighten(&backwards, &fake(), catalog).unwrap_err();
        assert!(matches!(e, TightenError::EmptyWindow), "{e}");
        let mut reports = request(TargetName::Group("Development".to_owned()));
        reports.evidence = Sources::Reports;
        let e = tighten(&reports, &fake(), catalog).unwrap_err();
        assert_eq!(e.to_string(), "no last-accessed evidence in the store");
    }

    #[test]
    fn an_scp_denies_the_services_its_accounts_stopped_using_and_the_replay_checks_it() {
        let request = ScpRequest {
            scp: "NewServiceTest".to_owned(),
            org_entity: "/o-a1/r-1/ou-dev/".to_owned(),
            window: WindowRequest {
                days: 90,
                since: None,
                until: None,
            },
            evidence: Sources::Both,
            deny_never_used: false,
            partial_trail: false,
        };
        let t = tighten_scp(&request, &fake(), ActionCatalog::embedded()).unwrap();
        assert_eq!(t.org_entity, "o-a1/r-1/ou-dev");
        // The OU's bare id: the same tightening, from its place in the tree.
        let by_id = ScpRequest {
            org_entity: "ou-dev".to_owned(),
            ..request.clone()
        };
        let t_by_id = tighten_scp(&by_id, &fake(), ActionCatalog::embedded()).unwrap();
        assert_eq!(t_by_id.org_entity, "o-a1/r-1/ou-dev");
        assert_eq!(t_by_id.plan_json(), t.plan_json());
        assert_eq!(t.scope.accounts, ["123456789012"]);
        assert!(t.scope.outside.is_empty());
        assert_eq!(t.scope.principals, BTreeSet::from([ALICE.to_owned()]));
        // Lex stopped; S3 is in use; services never seen used stay allowed.
        assert_eq!(t.denied(), ["lex"]);
        // alice's call is replayed against the SCP with its Deny: still allowed.
        assert_eq!((t.replay.principals, t.replay.events), (1, 1));
        assert!(t.replay.regressions.is_empty());
        let wrong = ScpRequest {
            org_entity: "o-zz/r-1".to_owned(),
            ..request.clone()
        };
        let e = tighten_scp(&wrong, &fake(), ActionCatalog::embedded()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--org-entity `o-zz/r-1` is not in organisation o-a1, which holds `NewServiceTest`"
        );
    }
}
