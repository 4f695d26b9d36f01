//! The evaluator's corpus: every `tests/fixtures/eval/*.json` is one request against a set
//! of policies, with the decision, the deciding statements (in the evaluator's order: SCP
//! levels from the root, identity policies, the boundary) and the keys left undetermined
//! that AWS's documented logic gives. Each file says in its `description` what it checks.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use trailcut::eval::{Context, Decision, NamedPolicy, PolicySet, Request, ScpLevel, evaluate};
use trailcut::policy::PolicyDocument;

use crate::common::repo;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    policies: Policies,
    request: RequestSpec,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Policies {
    #[serde(default)]
    identity: Vec<PolicySpec>,
    #[serde(default)]
    boundary: Option<PolicySpec>,
    #[serde(default)]
    scps: Vec<ScpSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    name: String,
    document: Box<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScpSpec {
    entity: String,
    policies: Vec<PolicySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    action: String,
    resource: Option<String>,
    /// Key -> values, or `null` for a key known to be absent; keys not listed are unknown.
    #[serde(default)]
    context: BTreeMap<String, Option<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    decision: String,
    #[serde(default)]
    deciding: Vec<String>,
    #[serde(default)]
    undetermined_keys: Vec<String>,
    /// A part of the explanation, when the case is about which layer it names.
    #[serde(default)]
    explanation_contains: Option<String>,
}

fn parse(spec: &PolicySpec) -> PolicyDocument {
    let document = PolicyDocument::parse(spec.document.get())
        .unwrap_or_else(|e| panic!("policy `{}`: {e}", spec.name));
    document
        .validate_identity()
        .unwrap_or_else(|e| panic!("policy `{}`: {e}", spec.name));
    document
}

fn named<'d>(specs: &[PolicySpec], docs: &'d [PolicyDocument]) -> Vec<NamedPolicy<'d>> {
    specs
        .iter()
        .zip(docs)
        .map(|(spec, document)| NamedPolicy {
            name: spec.name.clone(),
            document,
        })
        .collect()
}

/// The case's problems, if any.
fn run(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if case.description.trim().is_empty() {
        return Err("no description".to_owned());
    }
    let identity: Vec<PolicyDocument> = case.policies.identity.iter().map(parse).collect();
    let boundary = case.policies.boundary.as_ref().map(parse);
    let scps: Vec<Vec<PolicyDocument>> = case
        .policies
        .scps
        .iter()
        .map(|level| level.policies.iter().map(parse).collect())
        .collect();
    let set =
        PolicySet {
            identity: named(&case.policies.identity, &identity),
            boundary: case.policies.boundary.as_ref().zip(boundary.as_ref()).map(
                |(spec, document)| NamedPolicy {
                    name: spec.name.clone(),
                    document,
                },
            ),
            scps: case
                .policies
                .scps
                .iter()
                .zip(&scps)
                .map(|(level, docs)| ScpLevel {
                    entity: level.entity.clone(),
                    policies: named(&level.policies, docs),
                })
                .collect(),
        };
    let mut context = Context::new();
    for (key, values) in &case.request.context {
        match values {
            Some(values) => context.set(key, values.clone()),
            None => context.set_absent(key),
        }
    }
    let evaluation = evaluate(
        &set,
        &Request {
            action: &case.request.action,
            resource: case.request.resource.as_deref(),
            context: &context,
        },
    );
    let expected = Decision::parse(&case.expect.decision)
        .ok_or_else(|| format!("unknown decision `{}`", case.expect.decision))?;
    let deciding: Vec<String> = evaluation.deciding.iter().map(|r| r.to_string()).collect();
    let mut expected_keys = case.expect.undetermined_keys.clone();
    expected_keys.sort_by_key(|k| k.to_lowercase());
    let mut problems = Vec::new();
    if evaluation.decision != expected {
        problems.push(format!(
            "decision {} (expected {expected})",
            evaluation.decision
        ));
    }
    if deciding != case.expect.deciding {
        problems.push(format!(
            "deciding {deciding:?} (expected {:?})",
            case.expect.deciding
        ));
    }
    if evaluation.undetermined_keys() != expected_keys {
        problems.push(format!(
            "undetermined keys {:?} (expected {expected_keys:?})",
            evaluation.undetermined_keys()
        ));
    }
    if let Some(part) = &case.expect.explanation_contains
        && !evaluation.explanation.contains(part.as_str())
    {
        problems.push(format!("explanation does not contain `{part}`"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; explanation: {}",
            problems.join("; "),
            evaluation.explanation
        ))
    }
}

#[test]
fn eval_corpus() {
    let dir = repo().join("tests/fixtures/eval");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            run(path).err().map(|problem| {
                format!("{}: {problem}", path.file_name().unwrap().to_string_lossy())
            })
        })
        .collect();
    println!(
        "{} evaluation cases in {}, {} failed",
        paths.len(),
        dir.display(),
        failures.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        paths.len() >= 60,
        "the corpus shrank to {} cases",
        paths.len()
    );
}
