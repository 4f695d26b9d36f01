//! Writing a policy back as JSON that `aws iam create-policy-version --policy-document`
//! accepts: keys in the order AWS writes them, statements and Sids in order, each list as
//! it was written (lone value or array), condition operators and keys in the order read.
//!
//! Conditions are grouped under their operator at the operator's first appearance, so a
//! document built by hand with operators interleaved (A, B, A) is written A (both keys),
//! B; a parsed document is always already grouped. Two conditions with the same operator
//! and key would write a repeated key, which the reader refuses: build one condition with
//! both values instead.

use super::condition::{Condition, ConditionOperator, ConditionValue};
use super::document::{
    ActionClause, ListForm, OneOrMany, PolicyDocument, Principal, ResourceClause, Statement,
};
use super::json::Json;

impl PolicyDocument {
    /// The document as pretty JSON (two-space indent, as `serde_json::to_string_pretty`),
    /// without a final newline.
    pub fn to_json_string_pretty(&self) -> String {
        self.to_json().to_text(true)
    }

    /// The document as compact JSON, without a final newline.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_text(false)
    }

    fn to_json(&self) -> Json {
        let mut members = Vec::new();
        if let Some(version) = &self.version {
            members.push(("Version".to_owned(), Json::String(version.clone())));
        }
        if let Some(id) = &self.id {
            members.push(("Id".to_owned(), Json::String(id.clone())));
        }
        let statements: Vec<Json> = self.statements.iter().map(Statement::to_json).collect();
        let statements = match <[Json; 1]>::try_from(statements) {
            Ok([one]) if self.statement_form == ListForm::Single => one,
            Ok(one) => Json::Array(one.into()),
            Err(many) => Json::Array(many),
        };
        members.push(("Statement".to_owned(), statements));
        Json::Object(members)
    }
}

impl Statement {
    fn to_json(&self) -> Json {
        let mut members = Vec::new();
        if let Some(sid) = &self.sid {
            members.push(("Sid".to_owned(), Json::String(sid.clone())));
        }
        members.push((
            "Effect".to_owned(),
            Json::String(self.effect.as_str().to_owned()),
        ));
        if let Some(clause) = &self.principal {
            members.push((clause.key().to_owned(), principal(clause.principal())));
        }
        let actions = match &self.action {
            ActionClause::Action(list) | ActionClause::NotAction(list) => {
                list_json(list, |p| Json::String(p.as_str().to_owned()))
            }
        };
        members.push((self.action.key().to_owned(), actions));
        if let Some(clause) = &self.resource {
            let resources = match clause {
                ResourceClause::Resource(list) | ResourceClause::NotResource(list) => {
                    list_json(list, |r| Json::String(r.clone()))
                }
            };
            members.push((clause.key().to_owned(), resources));
        }
        if !self.condition.is_empty() {
            members.push(("Condition".to_owned(), conditions(&self.condition)));
        }
        Json::Object(members)
    }
}

fn list_json<T>(list: &OneOrMany<T>, item: impl Fn(&T) -> Json) -> Json {
    match (list.form(), list.items()) {
        (ListForm::Single, [one]) => item(one),
        (_, items) => Json::Array(items.iter().map(item).collect()),
    }
}

fn principal(principal: &Principal) -> Json {
    match principal {
        Principal::Any => Json::String("*".to_owned()),
        Principal::Map(kinds) => Json::Object(
            kinds
                .iter()
                .map(|(kind, ids)| {
                    (
                        kind.as_str().to_owned(),
                        list_json(ids, |id| Json::String(id.clone())),
                    )
                })
                .collect(),
        ),
    }
}

fn conditions(conditions: &[Condition]) -> Json {
    let mut blocks: Vec<(ConditionOperator, Vec<(String, Json)>)> = Vec::new();
    for condition in conditions {
        let member = (
            condition.key.clone(),
            list_json(&condition.values, value_json),
        );
        match blocks.iter_mut().find(|(op, _)| *op == condition.operator) {
            Some((_, keys)) => keys.push(member),
            None => blocks.push((condition.operator, vec![member])),
        }
    }
    Json::Object(
        blocks
            .into_iter()
            .map(|(op, keys)| (op.name(), Json::Object(keys)))
            .collect(),
    )
}

fn value_json(value: &ConditionValue) -> Json {
    match value {
        ConditionValue::String(s) => Json::String(s.clone()),
        ConditionValue::Bool(b) => Json::Bool(*b),
        ConditionValue::Number(n) => Json::Number(n.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::catalog::ActionPattern;
    use crate::policy::condition::{JsonNumber, Operator, SetOperator};
    use crate::policy::document::{Effect, PrincipalClause, PrincipalKind};

    fn parse(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap()
    }

    #[test]
    fn writes_keys_in_aws_order_and_lists_as_written() {
        let text = r#"{"Statement": [{
            "Condition": {"StringLike": {"z": ["1"], "a": "2"}, "Bool": {"aws:SecureTransport": false}},
            "Resource": ["*"], "Action": "s3:GetObject", "Effect": "Allow", "Sid": "S1"
        }], "Id": "i", "Version": "2012-10-17"}"#;
        let doc = parse(text);
        assert_eq!(
            doc.to_json_string(),
            r#"{"Version":"2012-10-17","Id":"i","Statement":[{"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":["*"],"Condition":{"StringLike":{"z":["1"],"a":"2"},"Bool":{"aws:SecureTransport":false}}}]}"#
        );
        let pretty = doc.to_json_string_pretty();
        assert!(
            pretty.starts_with(
                "{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"i\",\n  \"Statement\": [\n    {\n      \"Sid\": \"S1\",\n"
            ),
            "{pretty}"
        );
        assert!(pretty.ends_with("\n    }\n  ]\n}"), "{pretty}");
        assert_eq!(parse(&pretty), doc);
    }

    #[test]
    fn trust_policy_and_lone_statement() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        assert_eq!(parse(text).to_json_string(), text);
        let text = r#"{"Statement":[{"Effect":"Deny","NotPrincipal":"*","NotAction":["iam:*"],"NotResource":"arn:aws:iam::*:role/x"}]}"#;
        assert_eq!(parse(text).to_json_string(), text);
    }

    #[test]
    fn hand_built_documents() {
        let op = |base| ConditionOperator::new(base);
        let condition = |base, key: &str| Condition {
            operator: op(base),
            key: key.to_owned(),
            values: OneOrMany::one(ConditionValue::String("v".to_owned())),
        };
        let doc = PolicyDocument {
            version: None,
            id: None,
            // `Single` with two statements is written as an array.
            statement_form: ListForm::Single,
            statements: vec![
                Statement {
                    sid: None,
                    effect: Effect::Allow,
                    principal: None,
                    action: ActionClause::Action(OneOrMany::one(
                        ActionPattern::parse("*").unwrap(),
                    )),
                    resource: None,
                    condition: vec![
                        condition(Operator::StringLike, "a"),
                        condition(Operator::Bool, "b"),
                        condition(Operator::StringLike, "c"),
                    ],
                };
                2
            ],
        };
        let text = doc.to_json_string();
        assert_eq!(
            text,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringLike":{"a":"v","c":"v"},"Bool":{"b":"v"}}},{"Effect":"Allow","Action":"*","Condition":{"StringLike":{"a":"v","c":"v"},"Bool":{"b":"v"}}}]}"#
        );
    }

    /// serde_json's default float parsing is within an ulp, not exact: a value read as
    /// `f64` and written back drifted (`6.2076961133013436e29` came back as
    /// `6.207696113301344e29`, found by the property below). Numbers keep their digits.
    #[test]
    fn numbers_keep_their_digits() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"NumericLessThan":{"k":[6.2076961133013436e+29,1.50,-0,1E3,18446744073709551616]}}}}"#;
        let doc = parse(text);
        assert_eq!(doc.to_json_string(), text);
        assert_eq!(parse(&doc.to_json_string_pretty()), doc);
    }

    // --- Round trip over generated documents -------------------------------------------

    fn any_text() -> impl Strategy<Value = String> + Clone {
        prop_oneof![
            "[A-Za-z0-9:/*?-]{0,12}",
            any::<String>(),
            Just("\"\\\n\u{1}é".to_owned()),
        ]
    }

    fn one_or_many<T: std::fmt::Debug + Clone>(
        item: impl Strategy<Value = T> + Clone,
        min: usize,
    ) -> impl Strategy<Value = OneOrMany<T>> {
        prop_oneof![
            item.clone().prop_map(OneOrMany::one),
            prop::collection::vec(item, min..4).prop_map(OneOrMany::array),
        ]
    }

    fn action() -> impl Strategy<Value = ActionPattern> + Clone {
        prop_oneof![Just("*".to_owned()), "[a-zA-Z0-9-]{1,6}:[A-Za-z0-9*?]{1,8}",]
            .prop_map(|t| ActionPattern::parse(&t).unwrap())
    }

    fn value() -> impl Strategy<Value = ConditionValue> + Clone {
        prop_oneof![
            any_text().prop_map(ConditionValue::String),
            any::<bool>().prop_map(ConditionValue::Bool),
            any::<i64>().prop_map(|n| ConditionValue::Number(n.into())),
            any::<u64>().prop_map(|n| ConditionValue::Number(n.into())),
            "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,2})?"
                .prop_map(|t| ConditionValue::Number(JsonNumber::parse(&t).unwrap())),
        ]
    }

    fn operator() -> impl Strategy<Value = ConditionOperator> {
        (
            0..Operator::ALL.len(),
            any::<bool>(),
            prop_oneof![
                Just(None),
                Just(Some(SetOperator::ForAllValues)),
                Just(Some(SetOperator::ForAnyValue))
            ],
        )
            .prop_map(|(i, if_exists, set)| {
                let base = Operator::ALL[i];
                ConditionOperator {
                    base,
                    if_exists: if_exists && base != Operator::Null,
                    set,
                }
            })
    }

    /// Conditions as a parsed document has them: grouped by operator, no repeated
    /// operator or (operator, key).
    fn conditions() -> impl Strategy<Value = Vec<Condition>> {
        prop::collection::vec(
            (
                operator(),
                prop::collection::vec((any_text(), one_or_many(value(), 0)), 1..3),
            ),
            0..3,
        )
        .prop_map(|blocks| {
            let mut out: Vec<Condition> = Vec::new();
            let mut seen_ops = Vec::new();
            for (operator, keys) in blocks {
                if seen_ops.contains(&operator) {
                    continue;
                }
                seen_ops.push(operator);
                let mut seen_keys = Vec::new();
                for (key, values) in keys {
                    if !seen_keys.contains(&key) {
                        seen_keys.push(key.clone());
                        out.push(Condition {
                            operator,
                            key,
                            values,
                        });
                    }
                }
            }
            out
        })
    }

    fn principal_clause() -> impl Strategy<Value = Option<PrincipalClause>> {
        let principal = prop_oneof![
            Just(Principal::Any),
            prop::collection::vec((0..4usize, one_or_many(any_text(), 0)), 0..3).prop_map(
                |kinds| {
                    let mut seen = Vec::new();
                    Principal::Map(
                        kinds
                            .into_iter()
                            .filter_map(|(i, ids)| {
                                let kind = PrincipalKind::ALL[i];
                                (!seen.contains(&kind)).then(|| {
                                    seen.push(kind);
                                    (kind, ids)
                                })
                            })
                            .collect(),
                    )
                }
            ),
        ];
        prop_oneof![
            Just(None),
            principal
                .clone()
                .prop_map(|p| Some(PrincipalClause::Principal(p))),
            principal.prop_map(|p| Some(PrincipalClause::NotPrincipal(p))),
        ]
    }

    fn statement() -> impl Strategy<Value = Statement> {
        (
            prop::option::of(any_text()),
            any::<bool>(),
            principal_clause(),
            (any::<bool>(), one_or_many(action(), 1)),
            prop::option::of((any::<bool>(), one_or_many(any_text(), 1))),
            conditions(),
        )
            .prop_map(
                |(sid, allow, principal, (not_action, actions), resource, condition)| Statement {
                    sid,
                    effect: if allow { Effect::Allow } else { Effect::Deny },
                    principal,
                    action: if not_action {
                        ActionClause::NotAction(actions)
                    } else {
                        ActionClause::Action(actions)
                    },
                    resource: resource.map(|(not, list)| {
                        if not {
                            ResourceClause::NotResource(list)
                        } else {
                            ResourceClause::Resource(list)
                        }
                    }),
                    condition,
                },
            )
    }

    fn document() -> impl Strategy<Value = PolicyDocument> {
        (
            prop_oneof![
                Just(None),
                Just(Some("2012-10-17".to_owned())),
                Just(Some("2008-10-17".to_owned()))
            ],
            prop::option::of(any_text()),
            prop_oneof![
                statement().prop_map(|s| (vec![s], ListForm::Single)),
                prop::collection::vec(statement(), 1..4).prop_map(|s| (s, ListForm::Array)),
            ],
        )
            .prop_map(
                |(version, id, (statements, statement_form))| PolicyDocument {
                    version,
                    id,
                    statements,
                    statement_form,
                },
            )
    }

    proptest! {
        #[test]
        fn generated_documents_round_trip(doc in document()) {
            for text in [doc.to_json_string_pretty(), doc.to_json_string()] {
                let parsed = PolicyDocument::parse(&text)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(&parsed, &doc);
                prop_assert_eq!(parsed.to_json_string_pretty(), doc.to_json_string_pretty());
                prop_assert_eq!(parsed.to_json_string(), doc.to_json_string());
            }
            // The text is JSON that serde_json reads to the same value.
            let ours: serde_json::Value = serde_json::from_str(&doc.to_json_string()).unwrap();
            let pretty: serde_json::Value = serde_json::from_str(&doc.to_json_string_pretty()).unwrap();
            prop_assert_eq!(ours, pretty);
        }

        #[test]
        fn the_reader_never_panics(text in any::<String>()) {
            let _ = PolicyDocument::parse(&text);
            let _ = PolicyDocument::parse_maybe_encoded(&text);
        }
    }
}
