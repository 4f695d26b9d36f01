//! The policy module over real documents: every AWS managed policy
//! (`tests/fixtures/managed-policies`) and the account authorisation details of
//! `tests/fixtures/authz` (from salesforce/cloudsplaining, BSD-3-Clause, see the LICENSE
//! beside them) parse, write back and parse again to the same document; and the actions a
//! managed policy allows agree with the iam-dataset oracle's expansion.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use trailcut::catalog::ActionCatalog;
use trailcut::policy::{ActionClause, Effect, PolicyDocument, ResourceClause};

use crate::common::repo;

struct ManagedPolicy {
    name: String,
    /// The document's text as the fixture has it (key order kept).
    text: String,
    /// The oracle's expansion, lower-cased.
    effective: BTreeSet<String>,
}

fn managed_policies() -> Vec<ManagedPolicy> {
    #[derive(Deserialize)]
    struct Line {
        name: String,
        document: Box<RawValue>,
        effective_actions: Vec<String>,
    }
    crate::common::gzip_lines("tests/fixtures/managed-policies/policies.jsonl.gz")
        .iter()
        .map(|line| {
            let line: Line = serde_json::from_str(line).unwrap();
            ManagedPolicy {
                name: line.name,
                text: line.document.get().to_owned(),
                effective: line
                    .effective_actions
                    .iter()
                    .map(|a| a.to_ascii_lowercase())
                    .collect(),
            }
        })
        .collect()
}

/// The policy documents of an account authorisation details file
/// (`aws iam get-account-authorization-details`), named by where they are.
fn authorization_documents(file: &str) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Details {
        #[serde(default)]
        user_detail_list: Vec<Entity>,
        #[serde(default)]
        group_detail_list: Vec<Entity>,
        #[serde(default)]
        role_detail_list: Vec<Entity>,
        #[serde(default)]
        policies: Vec<Managed>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Entity {
        arn: String,
        #[serde(default, alias = "GroupPolicyList", alias = "RolePolicyList")]
        user_policy_list: Vec<Inline>,
        assume_role_policy_document: Option<Box<RawValue>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Inline {
        policy_name: String,
        policy_document: Box<RawValue>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Managed {
        arn: String,
        #[serde(default)]
        policy_version_list: Vec<Version>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Version {
        version_id: String,
        document: Box<RawValue>,
    }

    let path = repo().join("tests/fixtures/authz").join(file);
    let details: Details = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    // The CLI has decoded the documents into objects (the raw API returns them URL-encoded,
    // which `parse_maybe_encoded`'s unit tests cover).
    let text = |raw: &RawValue| raw.get().to_owned();
    let mut out = Vec::new();
    let entities = details
        .user_detail_list
        .iter()
        .chain(&details.group_detail_list)
        .chain(&details.role_detail_list);
    for entity in entities {
        for inline in &entity.user_policy_list {
            out.push((
                format!("{file}: {} inline {}", entity.arn, inline.policy_name),
                text(&inline.policy_document),
            ));
        }
        if let Some(trust) = &entity.assume_role_policy_document {
            out.push((format!("{file}: {} trust policy", entity.arn), text(trust)));
        }
    }
    for policy in &details.policies {
        for version in &policy.policy_version_list {
            out.push((
                format!("{file}: {} {}", policy.arn, version.version_id),
                text(&version.document),
            ));
        }
    }
    out
}

/// Parses `text`, writes it pretty and compact, and checks that both read back to the same
/// document, that writing is stable, and that nothing was lost: the output is the source's
/// JSON value up to key order.
fn assert_round_trip(name: &str, text: &str) -> PolicyDocument {
    let doc = PolicyDocument::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    for written in [doc.to_json_string_pretty(), doc.to_json_string()] {
        let again = PolicyDocument::parse(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, doc, "{name}");
        assert_eq!(
            again.to_json_string_pretty(),
            doc.to_json_string_pretty(),
            "{name}"
        );
        assert_eq!(again.to_json_string(), doc.to_json_string(), "{name}");
        let source: Value = serde_json::from_str(text).unwrap();
        let ours: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(ours, source, "{name}: the output means what the input did");
    }
    // From a `Value` only the order of condition operators and keys may differ.
    let value: Value = serde_json::from_str(text).unwrap();
    let from_value = PolicyDocument::from_value(&value).unwrap();
    let written: Value = serde_json::from_str(&from_value.to_json_string()).unwrap();
    assert_eq!(written, value, "{name}");
    doc
}

#[test]
fn every_managed_policy_round_trips() {
    let policies = managed_policies();
    assert_eq!(policies.len(), 670);
    let mut statements = 0;
    for policy in &policies {
        let doc = assert_round_trip(&policy.name, &policy.text);
        doc.validate_identity()
            .unwrap_or_else(|e| panic!("{}: {e}", policy.name));
        statements += doc.statements.len();
    }
    assert!(statements > 3_000, "{statements}");
}

#[test]
fn every_authorization_details_document_round_trips() {
    let mut documents = 0;
    let mut trust = 0;
    for file in ["example-authz-details.json", "example-authz-v2.json"] {
        for (name, text) in authorization_documents(file) {
            let doc = assert_round_trip(&name, &text);
            documents += 1;
            // Trust policies name a principal and no resource; the rest are identity
            // policies.
            if name.ends_with("trust policy") {
                trust += 1;
                let err = doc.validate_identity().unwrap_err();
                assert!(err.path.ends_with(".Principal"), "{name}: {err}");
            } else {
                doc.validate_identity()
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    assert_eq!((documents, trust), (48, 5));
}

/// Why the actions we allow differ from the oracle's, for one (policy, action) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// (a) We allow it and the oracle's catalogue (2026-08-22) lacks it: ours (2026-09-26)
    /// is newer. Detected as: matched by one of the policy's Allow statements, and in no
    /// policy's oracle expansion.
    NewerThanOracle,
    /// (b) The oracle allows it and our catalogue no longer lists it (removed or renamed
    /// since the oracle's catalogue).
    GoneFromOurCatalogue,
    /// (c) The oracle allows it although an unconditional Deny on `*` in the same policy
    /// refuses it: the oracle's expansion ignores Deny statements; IAM does not.
    OracleIgnoresDeny,
    /// (d) We allow it, the oracle's catalogue has it, and the oracle's expansion of the
    /// very same pattern in another policy includes it: this policy's oracle entry is
    /// older than its catalogue (AWSCodePipelineFullAccess, unchanged since 2020).
    StaleOracleEntry,
}

impl Difference {
    fn describe(self) -> &'static str {
        match self {
            Difference::NewerThanOracle => "(a) we allow, newer than the oracle's catalogue",
            Difference::GoneFromOurCatalogue => "(b) the oracle allows, gone from our catalogue",
            Difference::OracleIgnoresDeny => {
                "(c) the oracle allows, refused by an unconditional Deny on `*`"
            }
            Difference::StaleOracleEntry => {
                "(d) we allow, the oracle's entry for the policy is stale"
            }
        }
    }
}

/// The oracle: iann0036/iam-dataset's effective actions of every managed policy, computed
/// against a catalogue of 2026-08-22 (ours is newer). Every policy is compared, NotAction,
/// conditions and Deny included, through `PolicyDocument::allowed_actions`; every
/// difference must fall in one of the classes of [`Difference`].
#[test]
fn allowed_actions_agree_with_the_managed_policy_oracle() {
    /// Policies whose allowed actions equal the oracle's exactly, as measured on
    /// 2026-09-26's catalogue; a change that lowers it is a regression (or a newer
    /// catalogue: then re-measure).
    const IDENTICAL_AT_LEAST: usize = 619;

    let catalog = ActionCatalog::embedded();
    let ours_catalogue: BTreeSet<String> = catalog
        .actions()
        .iter()
        .map(|a| a.name.to_ascii_lowercase())
        .collect();
    let policies = managed_policies();
    let documents: Vec<PolicyDocument> = policies
        .iter()
        .map(|p| PolicyDocument::parse(&p.text).unwrap())
        .collect();
    // What the oracle's catalogue is known to hold: every action some policy expanded to
    // (a lower bound: no managed policy in the dataset allows everything).
    let theirs: BTreeSet<String> = policies
        .iter()
        .flat_map(|p| p.effective.iter().cloned())
        .collect();
    // Every Allow pattern (lower-cased text) -> the oracle's expansions of policies that
    // use it, for class (d).
    let mut expanded_elsewhere: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, doc) in documents.iter().enumerate() {
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            if let ActionClause::Action(list) = &s.action {
                for p in list {
                    expanded_elsewhere
                        .entry(p.as_str().to_ascii_lowercase())
                        .or_default()
                        .push(index);
                }
            }
        }
    }

    let mut identical = 0;
    // Policies beyond plain Allow lists (NotAction, NotResource, Condition or Deny), and
    // how many of them agree: the ones `tests/integration/catalog.rs` leaves out.
    let (mut beyond_plain, mut beyond_plain_identical) = (0, 0);
    let mut classes: BTreeMap<Difference, BTreeMap<String, BTreeSet<&str>>> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for (index, (policy, doc)) in policies.iter().zip(&documents).enumerate() {
        let ours: BTreeSet<String> = doc
            .allowed_actions(catalog)
            .into_iter()
            .map(str::to_ascii_lowercase)
            .collect();
        let plain = doc.statements.iter().all(|s| {
            s.effect == Effect::Allow
                && matches!(s.action, ActionClause::Action(_))
                && matches!(s.resource, Some(ResourceClause::Resource(_)))
                && s.condition.is_empty()
        });
        beyond_plain += usize::from(!plain);
        if ours == policy.effective {
            identical += 1;
            beyond_plain_identical += usize::from(!plain);
            continue;
        }
        let allows = |action: &str| {
            doc.statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .flat_map(|s| s.actions(catalog))
                .any(|a| a.eq_ignore_ascii_case(action))
        };
        let certainly_denied = |action: &str| {
            doc.statements
                .iter()
                .filter(|s| s.effect == Effect::Deny && s.applies_unconditionally_everywhere())
                .flat_map(|s| s.actions(catalog))
                .any(|a| a.eq_ignore_ascii_case(action))
        };
        let stale = |action: &str| {
            doc.statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .filter_map(|s| match &s.action {
                    ActionClause::Action(list) => Some(list.iter()),
                    ActionClause::NotAction(_) => None,
                })
                .flatten()
                .filter(|p| p.matches(action))
                .flat_map(|p| &expanded_elsewhere[&p.as_str().to_ascii_lowercase()])
                .any(|&other| other != index && policies[other].effective.contains(action))
        };
        let mut classify = |class: Option<Difference>, action: &str, we_allow: bool| match class {
            Some(class) => {
                classes
                    .entry(class)
                    .or_default()
                    .entry(action.to_owned())
                    .or_default()
                    .insert(&policy.name);
            }
            None => unexplained.push(format!(
                "{}: {} {action}",
                policy.name,
                if we_allow {
                    "we allow"
                } else {
                    "the oracle allows"
                }
            )),
        };
        for action in ours.difference(&policy.effective) {
            let class = if !allows(action) {
                None
            } else if !theirs.contains(action) {
                Some(Difference::NewerThanOracle)
            } else if stale(action) {
                Some(Difference::StaleOracleEntry)
            } else {
                None
            };
            classify(class, action, true);
        }
        for action in policy.effective.difference(&ours) {
            let class = if !ours_catalogue.contains(action) {
                Some(Difference::GoneFromOurCatalogue)
            } else if allows(action) && certainly_denied(action) {
                Some(Difference::OracleIgnoresDeny)
            } else {
                None
            };
            classify(class, action, false);
        }
    }

    let only_catalogue_dates = policies.len()
        - classes
            .iter()
            .filter(|(class, _)| {
                matches!(
                    class,
                    Difference::OracleIgnoresDeny | Difference::StaleOracleEntry
                )
            })
            .flat_map(|(_, actions)| actions.values().flatten())
            .collect::<BTreeSet<_>>()
            .len();
    eprintln!(
        "managed policies: {identical} of {} allow exactly the oracle's actions ({:.1}%), \
         {beyond_plain_identical} of the {beyond_plain} with NotAction, NotResource, Condition \
         or Deny; {only_catalogue_dates} ({:.1}%) differ at most by the catalogues' dates",
        policies.len(),
        100.0 * identical as f64 / policies.len() as f64,
        100.0 * only_catalogue_dates as f64 / policies.len() as f64,
    );
    for (class, actions) in &classes {
        let pairs: usize = actions.values().map(BTreeSet::len).sum();
        let names: BTreeSet<&str> = actions.values().flatten().copied().collect();
        eprintln!(
            "  {}: {} actions, {pairs} (policy, action) pairs, {} policies",
            class.describe(),
            actions.len(),
            names.len()
        );
        for (action, names) in actions {
            eprintln!(
                "    {action}: {}",
                names.iter().copied().collect::<Vec<_>>().join(", ")
            );
        }
    }
    for line in &unexplained {
        eprintln!("  unexplained: {line}");
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences, first: {:?}",
        unexplained.len(),
        &unexplained[..unexplained.len().min(10)]
    );
    assert!(
        identical >= IDENTICAL_AT_LEAST,
        "{identical} of {} identical, fewer than the {IDENTICAL_AT_LEAST} measured",
        policies.len()
    );
}
