//! The fuzz targets' bodies, shared by `cargo fuzz` (fuzz/fuzz_targets/, nightly) and by the
//! regular test that replays the committed corpus on stable (tests/integration/fuzz_corpus.rs).
//!
//! Each function takes the fuzzer's bytes, runs one of trailcut's parsers on them, and
//! checks a property that must hold for every input, beyond not crashing:
//! - `cloudtrail_decode`: every record the decoder hands over is stored or refused with a
//!   reason, never lost; the batch's columns agree.
//! - `policy_eval`: a parsed policy written back parses to the same text; the evaluator
//!   never allows an action the expansion says the policy cannot allow.
//! - `condition_ops`: a condition evaluates without panicking, and `...IfExists` decides as
//!   its base operator when the key is present.
//! - `query_params`: a named query's parameter stays inside its string literal whatever it
//!   holds: the rendered SQL tokenises as the template does, and each literal is the
//!   template's with the value in place.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use trailcut::catalog::ActionCatalog;
use trailcut::eval::{Context, Decision, NamedPolicy, PolicySet, Request, evaluate};
use trailcut::ingest::batch::EventBatchBuilder;
use trailcut::ingest::decode::{RecordSink, decode_object};
use trailcut::policy::PolicyDocument;

/// Bytes as a CloudTrail object (gzip or JSON, any shape the decoder reads).
pub fn cloudtrail_decode(data: &[u8]) {
    let mut builder = EventBatchBuilder::new();
    let mut scratch = Vec::new();
    let decoded = decode_object(data, &mut scratch, &mut builder);
    let seen = builder.seen();
    let errors = builder.errors().len() as u64;
    let rows = builder.len() as u64;
    assert_eq!(rows + errors, seen, "records lost: {decoded:?}");
    let batch = builder.finish();
    assert_eq!(batch.batch.num_rows() as u64, rows);
    assert_eq!(batch.keys.len() as u64, rows);
    assert_eq!(batch.days.len() as u64, rows);
}

/// Bytes as a policy document.
pub fn policy_eval(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = PolicyDocument::parse(text) else {
        return;
    };
    let written = document.to_json_string_pretty();
    let again = PolicyDocument::parse(&written)
        .unwrap_or_else(|e| panic!("a written document does not parse: {e}\n{written}"));
    assert_eq!(again.to_json_string_pretty(), written);
    let catalog = ActionCatalog::embedded();
    let allowed = document.allowed_actions(catalog);
    let set = PolicySet {
        identity: vec![NamedPolicy {
            name: "fuzzed".to_owned(),
            document: &document,
        }],
        boundary: None,
        scps: Vec::new(),
    };
    let context = Context::new();
    let first = allowed.iter().next().copied();
    for action in ["s3:GetObject", "iam:PassRole", "ec2:RunInstances"]
        .into_iter()
        .chain(first)
    {
        for resource in [None, Some("arn:aws:s3:::bucket/key"), Some("*")] {
            let evaluation = evaluate(
                &set,
                &Request {
                    action,
                    resource,
                    context: &context,
                },
            );
            if evaluation.decision == Decision::Allow {
                assert!(
                    allowed.contains(action),
                    "{action} on {resource:?} is allowed but not in the expansion\n{written}"
                );
            }
        }
    }
}

/// Splits `data` at NUL bytes into at most `n` UTF-8 strings (lossy).
fn fields(data: &[u8], n: usize) -> Vec<String> {
    data.splitn(n, |b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// Operators a fuzzed condition picks from.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "Bool",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "BinaryEquals",
    "Null",
];

/// Bytes as a condition: an operator (first byte), a set prefix (second byte), the
/// policy's values and the request's values (NUL-separated text).
pub fn condition_ops(data: &[u8]) {
    let [op, set, rest @ ..] = data else {
        return;
    };
    let operator = OPERATORS[usize::from(*op) % OPERATORS.len()];
    let prefix = ["", "ForAnyValue:", "ForAllValues:"][usize::from(*set) % 3];
    let parts = fields(rest, 2);
    let policy_values: Vec<&str> = parts[0].split('\u{1}').collect();
    let request_values: Vec<String> = parts
        .get(1)
        .map(|r| r.split('\u{1}').map(str::to_owned).collect())
        .unwrap_or_default();
    if request_values.is_empty() {
        return;
    }
    let decide = |operator: &str| -> Option<Decision> {
        let document = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {operator: {"aws:PrincipalTag/team": policy_values}}
            }]
        });
        let document = PolicyDocument::parse(&document.to_string()).ok()?;
        let mut context = Context::new();
        context.set("aws:PrincipalTag/team", request_values.clone());
        let set = PolicySet {
            identity: vec![NamedPolicy {
                name: "fuzzed".to_owned(),
                document: &document,
            }],
            boundary: None,
            scps: Vec::new(),
        };
        Some(
            evaluate(
                &set,
                &Request {
                    action: "s3:GetObject",
                    resource: Some("arn:aws:s3:::bucket/key"),
                    context: &context,
                },
            )
            .decision,
        )
    };
    let base = decide(&format!("{prefix}{operator}"));
    if operator != "Null" {
        let if_exists = decide(&format!("{prefix}{operator}IfExists"));
        assert_eq!(base, if_exists, "{prefix}{operator} with the key present");
    }
}

/// Bytes as the value of every parameter of every named query, in turn.
pub fn query_params(data: &[u8]) {
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
    const MARK: &str = "TRAILCUTFUZZMARK";
    let value = String::from_utf8_lossy(data);
    let tokens = |sql: &str| -> Vec<Token> {
        Tokenizer::new(&GenericDialect {}, sql)
            .tokenize()
            .unwrap_or_else(|e| panic!("{e}\n{sql}"))
            .into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect()
    };
    for query in trailcut::sql::named::builtin() {
        for param in &query.params {
            let with = |v: &str| {
                let values = BTreeMap::from([(param.name.clone(), v.to_owned())]);
                let mut values = values;
                for other in &query.params {
                    if other.name != param.name && other.default.is_none() {
                        values.insert(other.name.clone(), "x".to_owned());
                    }
                }
                query.render(&values).unwrap()
            };
            // A value the parameter refuses (`days=abc`) never reaches SQL; one it takes
            // goes in as it reads it (a bare principal name as `%/name`).
            let Ok(taken) = param.sql_value(&query.name, &value) else {
                continue;
            };
            // A number parameter takes no marker: its rendering is compared with itself.
            let (raw_mark, mark) = match param.sql_value(&query.name, MARK) {
                Ok(mark) => (MARK, mark),
                Err(_) => (value.as_ref(), taken.clone()),
            };
            let template = tokens(&with(raw_mark));
            let rendered = tokens(&with(&value));
            assert_eq!(template.len(), rendered.len(), "{}: {value:?}", query.name);
            for (t, r) in template.iter().zip(&rendered) {
                match (t, r) {
                    (Token::SingleQuotedString(t), Token::SingleQuotedString(r)) => {
                        assert_eq!(&t.replace(&mark, &taken), r, "{}", query.name);
                    }
                    (t, r) => assert_eq!(t, r, "{}: {value:?}", query.name),
                }
            }
        }
    }
}
