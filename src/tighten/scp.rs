//! SCP mode (the seed's Development OU story): a Deny statement for the services the SCP
//! allows that no account under it used in the window, added to the SCP, within the size
//! limit AWS Organizations sets.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{ActionCatalog, ActionPattern};
use crate::policy::{
    ActionClause, Effect, ListForm, OneOrMany, PolicyDocument, ResourceClause, Statement,
};

use super::rewrite::{Item, Verdict};
use super::{Usage, Visibility, service_of};

/// The largest SCP AWS Organizations accepts, in characters.
pub const SCP_MAX_CHARS: usize = 5120;

/// The Sid of the statement trailcut adds (and extends on a later run).
pub const DENY_SID: &str = "TrailcutDenyUnusedServices";

/// The SCP with its new Deny statement.
#[derive(Debug, Clone)]
pub struct ScpRewrite {
    /// The new document; `None` when every service the SCP allows is in use.
    pub document: Option<PolicyDocument>,
    /// Its text as written (pretty when that fits the limit, else compact).
    pub text: Option<String>,
    /// Every service the SCP allows: kept (used), denied (unused), or unobservable.
    pub items: Vec<Item>,
}

/// Why an SCP could not take the statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScpError {
    #[error(
        "the SCP with a Deny for {services} services would be {chars} characters, over the \
         {SCP_MAX_CHARS} AWS Organizations allows: narrow the window or the candidates"
    )]
    TooLarge { services: usize, chars: usize },
    #[error("the rewritten SCP would allow actions the original does not: {0}")]
    Widens(String),
    #[error(
        "the SCP's statement {DENY_SID} was changed by hand (it is no longer a plain Deny of \
         actions on *): give it another Sid, and trailcut adds its own next to it"
    )]
    Edited,
}

/// Which services an SCP rewrite may deny.
#[derive(Debug, Clone)]
pub struct ScpOptions<'a> {
    /// Only these services (those a report lists), when given.
    pub candidates: Option<&'a BTreeSet<String>>,
    /// Services with a known use before the window: the ones that "stopped".
    pub used_before: &'a BTreeSet<String>,
    /// Deny services never seen used too, not only those no longer used.
    pub deny_never_used: bool,
}

/// Adds (or extends) a Deny of every service `document` allows that `usage` shows unused in
/// the window and that was used before it (or never, with `deny_never_used`).
pub fn deny_unused(
    document: &PolicyDocument,
    usage: &Usage,
    visibility: &Visibility,
    options: &ScpOptions<'_>,
    catalog: &ActionCatalog,
) -> Result<ScpRewrite, ScpError> {
    let candidates = options.candidates;
    let allowed = document.allowed_actions(catalog);
    let mut by_service: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for action in &allowed {
        by_service
            .entry(service_of(action).to_ascii_lowercase())
            .or_default()
            .push(action);
    }
    let mut items = Vec::new();
    let mut deny = Vec::new();
    for (service, actions) in &by_service {
        if candidates.is_some_and(|c| !c.contains(service)) {
            continue;
        }
        let evidence = usage.services.get(service);
        let decision = match (evidence, visibility.service_blind(service, actions)) {
            (Some(_), _) => Verdict::Kept,
            (None, Some(blind)) => Verdict::Unobservable { blind, kept: true },
            (None, None) if options.deny_never_used || options.used_before.contains(service) => {
                Verdict::Removed
            }
            (None, None) => Verdict::NeverUsed,
        };
        if decision == Verdict::Removed {
            deny.push(service.clone());
        }
        items.push(Item {
            name: service.clone(),
            decision,
            evidence: evidence.cloned(),
            before: evidence
                .is_none()
                .then(|| usage.before.get(service).cloned())
                .flatten(),
            statements: Vec::new(),
            resources: None,
        });
    }
    if deny.is_empty() {
        return Ok(ScpRewrite {
            document: None,
            text: None,
            items,
        });
    }
    let mut new = document.clone();
    // A Deny trailcut added before is extended, never duplicated; one edited by hand (a
    // NotAction, a condition, a narrower resource) is not trailcut's to rewrite.
    let mut previous: Vec<String> = Vec::new();
    for s in new
        .statements
        .iter()
        .filter(|s| s.sid.as_deref() == Some(DENY_SID))
    {
        let plain = s.effect == Effect::Deny
            && matches!(s.action, ActionClause::Action(_))
            && s.condition.is_empty()
            && s.principal.is_none()
            && s.resource.as_ref().is_some_and(|r| r.is_everything());
        if !plain {
            return Err(ScpError::Edited);
        }
        previous.extend(s.action.patterns().iter().map(|p| p.as_str().to_owned()));
    }
    new.statements
        .retain(|s| s.sid.as_deref() != Some(DENY_SID));
    let mut patterns: BTreeSet<String> = previous.into_iter().collect();
    patterns.extend(deny.iter().map(|s| format!("{s}:*")));
    let patterns: Vec<ActionPattern> = patterns
        .iter()
        .map(|p| ActionPattern::parse(p).expect("service:* is a pattern"))
        .collect();
    new.statements.push(Statement {
        sid: Some(DENY_SID.to_owned()),
        effect: Effect::Deny,
        principal: None,
        action: ActionClause::Action(OneOrMany::array(patterns)),
        resource: Some(ResourceClause::Resource(OneOrMany::one("*".to_owned()))),
        condition: Vec::new(),
    });
    new.statement_form = ListForm::Array;
    let after = new.allowed_actions(catalog);
    if let Some(extra) = after.iter().find(|a| !allowed.contains(*a)) {
        return Err(ScpError::Widens((*extra).to_owned()));
    }
    let pretty = new.to_json_string_pretty();
    let text = if pretty.chars().count() <= SCP_MAX_CHARS {
        pretty
    } else {
        let compact = new.to_json_string();
        let chars = compact.chars().count();
        if chars > SCP_MAX_CHARS {
            return Err(ScpError::TooLarge {
                services: deny.len(),
                chars,
            });
        }
        compact
    };
    Ok(ScpRewrite {
        document: Some(new),
        text: Some(text),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::{Evidence, Source};

    const NEW_SERVICE_TEST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lex:*","dms:*","s3:*","ec2:*"],"Resource":"*"}]}"#;

    fn used(services: &[&str]) -> Usage {
        let mut usage = Usage::default();
        let ou = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111";
        for s in services {
            usage.add_service(s, &Evidence::one(Source::LastAccessed, ou, Some(1), 0));
        }
        usage
    }

    fn reports() -> Visibility {
        Visibility {
            reports: true,
            ..Visibility::default()
        }
    }

    /// Every service of the SCP was used once, before the window.
    fn stopped() -> BTreeSet<String> {
        ["lex", "dms", "ec2", "s3"].map(str::to_owned).into()
    }

    fn run(
        document: &PolicyDocument,
        usage: &Usage,
        before: &BTreeSet<String>,
        deny_never_used: bool,
    ) -> Result<ScpRewrite, ScpError> {
        let options = ScpOptions {
            candidates: None,
            used_before: before,
            deny_never_used,
        };
        deny_unused(
            document,
            usage,
            &reports(),
            &options,
            ActionCatalog::embedded(),
        )
    }

    fn denied(document: &PolicyDocument) -> Vec<&str> {
        let deny = document.statements.last().unwrap();
        assert_eq!(deny.effect, Effect::Deny);
        deny.action.patterns().iter().map(|p| p.as_str()).collect()
    }

    #[test]
    fn the_ous_unused_services_are_denied() {
        let document = PolicyDocument::parse(NEW_SERVICE_TEST).unwrap();
        let out = run(&document, &used(&["s3", "ec2"]), &stopped(), false).unwrap();
        let new = out.document.unwrap();
        assert_eq!(new.statements.len(), 2);
        assert_eq!(new.statements[0], document.statements[0]);
        assert_eq!(denied(&new), ["dms:*", "lex:*"]);
        assert!(out.text.unwrap().chars().count() <= SCP_MAX_CHARS);
        // A second run extends the same statement.
        let again = run(&new, &used(&["s3"]), &stopped(), false).unwrap();
        let new = again.document.unwrap();
        assert_eq!(new.statements.len(), 2);
        assert_eq!(denied(&new), ["dms:*", "ec2:*", "lex:*"]);
    }

    #[test]
    fn never_used_services_stay_unless_asked_and_the_size_limit_holds() {
        let document = PolicyDocument::parse(NEW_SERVICE_TEST).unwrap();
        let all = used(&["s3", "ec2", "lex", "dms"]);
        assert!(
            run(&document, &all, &stopped(), false)
                .unwrap()
                .document
                .is_none()
        );
        // S3 never used: left allowed, unless asked.
        let before: BTreeSet<String> = ["lex", "dms", "ec2"].map(str::to_owned).into();
        let some = used(&["ec2", "lex", "dms"]);
        let out = run(&document, &some, &before, false).unwrap();
        assert!(out.document.is_none());
        let s3 = out.items.iter().find(|i| i.name == "s3").unwrap();
        assert_eq!(s3.decision, Verdict::NeverUsed);
        let out = run(&document, &some, &before, true).unwrap();
        assert_eq!(denied(&out.document.unwrap()), ["s3:*"]);
        // FullAWSAccess with nothing used: a Deny of every service is far over 5,120.
        let full = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        let error = run(&full, &Usage::default(), &before, true).unwrap_err();
        assert!(matches!(error, ScpError::TooLarge { .. }), "{error}");
    }
}
