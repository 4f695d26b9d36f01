//! What a condition operator means for a request: the test of each operator family, then
//! `...IfExists`, negation and the set operators over multivalued keys, as the IAM User
//! Guide documents them.
//!
//! For a key the request carries with values `V` and a condition with values `C`, let
//! `hit(v)` be "`v` passes the operator's positive test against some `c` in `C`":
//!
//! - positive operators (`StringEquals`, `IpAddress`, ...): some `v` hits;
//! - negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...): no `v` hits;
//! - `ForAnyValue:`: some `v` passes (hits, or for a negated operator does not hit);
//! - `ForAllValues:`: every `v` passes.
//!
//! A key the request does not carry: true with `IfExists` or `ForAllValues:`, false with
//! `ForAnyValue:`, otherwise false for positive and true for negated operators. `Null`
//! tests only presence. A key the context does not know gives an unknown result, as does a
//! condition value whose policy variable is unknown; a variable with no value makes its
//! condition value equal to nothing (variables apply to string and ARN operators only).

use crate::policy::{Condition, ConditionValue, Operator, SetOperator};

use super::context::Context;
use super::glob::{Glob, Pattern};
use super::tri::Tri;
use super::values::{self, Cidr};
use super::variables::{Resolved, resolve};

/// Whether `condition` holds for the request described by `context`; `variables` is
/// false for documents that predate policy variables.
pub(crate) fn holds(condition: &Condition, variables: bool, context: &Context) -> Tri {
    let operator = condition.operator;
    let Some(values) = context.values(&condition.key) else {
        return Tri::unknown(condition.key.as_str());
    };
    if operator.base == Operator::Null {
        return null(condition, values.is_some());
    }
    let (test, negated) = positive_test(operator.base);
    let Some(request) = values else {
        return Tri::from_bool(
            operator.if_exists
                || match operator.set {
                    Some(SetOperator::ForAllValues) => true,
                    Some(SetOperator::ForAnyValue) => false,
                    None => negated,
                },
        );
    };
    let substitutes = takes_variables(test);
    let policy: Vec<Resolved<'_>> = condition
        .values
        .iter()
        .map(|value| match (substitutes, value) {
            (true, ConditionValue::String(text)) => resolve(text, variables, context),
            _ => Resolved::Pattern(Pattern::verbatim(value.as_text())),
        })
        .collect();
    let passes = |value: &String| {
        let hit = Tri::any(policy.iter().map(|c| match c {
            Resolved::Pattern(pattern) => Tri::from_bool(test_one(test, value, pattern)),
            Resolved::Null => Tri::No,
            Resolved::Unknown(key) => Tri::unknown(key.as_str()),
        }));
        if negated { hit.not() } else { hit }
    };
    match (operator.set, negated) {
        (Some(SetOperator::ForAllValues), _) | (None, true) => Tri::all(request.iter().map(passes)),
        (Some(SetOperator::ForAnyValue), _) | (None, false) => Tri::any(request.iter().map(passes)),
    }
}

/// `Null`: `true` holds when the key is absent, `false` when it is present.
fn null(condition: &Condition, present: bool) -> Tri {
    Tri::from_bool(
        condition
            .values
            .iter()
            .any(|v| values::boolean(&v.as_text()) == Some(!present)),
    )
}

/// The positive test behind an operator, and whether the operator negates it.
fn positive_test(operator: Operator) -> (Operator, bool) {
    match operator {
        Operator::StringNotEquals => (Operator::StringEquals, true),
        Operator::StringNotEqualsIgnoreCase => (Operator::StringEqualsIgnoreCase, true),
        Operator::StringNotLike => (Operator::StringLike, true),
        Operator::NumericNotEquals => (Operator::NumericEquals, true),
        Operator::DateNotEquals => (Operator::DateEquals, true),
        Operator::NotIpAddress => (Operator::IpAddress, true),
        Operator::ArnNotEquals => (Operator::ArnEquals, true),
        Operator::ArnNotLike => (Operator::ArnLike, true),
        other => (other, false),
    }
}

/// String and ARN operators take policy variables in their values; the others compare the
/// text as written.
fn takes_variables(test: Operator) -> bool {
    matches!(
        test,
        Operator::StringEquals
            | Operator::StringEqualsIgnoreCase
            | Operator::StringLike
            | Operator::ArnEquals
            | Operator::ArnLike
    )
}

/// The positive test of one request value against one policy value.
fn test_one(test: Operator, value: &str, policy: &Pattern<'_>) -> bool {
    use Operator as O;
    let text = policy.as_str();
    let numbers = || values::number(value).zip(values::number(text));
    let dates = || values::date(value).zip(values::date(text));
    match test {
        O::StringEquals => value == text,
        O::StringEqualsIgnoreCase => value
            .chars()
            .flat_map(char::to_lowercase)
            .eq(text.chars().flat_map(char::to_lowercase)),
        O::StringLike => policy.glob().matches(value),
        O::NumericEquals => numbers().is_some_and(|(v, p)| v == p),
        O::NumericLessThan => numbers().is_some_and(|(v, p)| v < p),
        O::NumericLessThanEquals => numbers().is_some_and(|(v, p)| v <= p),
        O::NumericGreaterThan => numbers().is_some_and(|(v, p)| v > p),
        O::NumericGreaterThanEquals => numbers().is_some_and(|(v, p)| v >= p),
        O::DateEquals => dates().is_some_and(|(v, p)| v == p),
        O::DateLessThan => dates().is_some_and(|(v, p)| v < p),
        O::DateLessThanEquals => dates().is_some_and(|(v, p)| v <= p),
        O::DateGreaterThan => dates().is_some_and(|(v, p)| v > p),
        O::DateGreaterThanEquals => dates().is_some_and(|(v, p)| v >= p),
        O::Bool => values::boolean(value).is_some_and(|v| values::boolean(text) == Some(v)),
        O::BinaryEquals => values::base64(value).is_some_and(|v| values::base64(text) == Some(v)),
        O::IpAddress => values::ip(value)
            .zip(Cidr::parse(text))
            .is_some_and(|(ip, block)| block.contains(ip)),
        O::ArnEquals | O::ArnLike => arn_matches(policy.glob(), value),
        // Negated operators and `Null` never get here (`positive_test`, `null`).
        O::StringNotEquals
        | O::StringNotEqualsIgnoreCase
        | O::StringNotLike
        | O::NumericNotEquals
        | O::DateNotEquals
        | O::NotIpAddress
        | O::ArnNotEquals
        | O::ArnNotLike
        | O::Null => false,
    }
}

/// `ArnEquals`/`ArnLike` (IAM treats them alike): the six colon-separated components
/// compared one by one, each with `*` and `?`, case-sensitively. A pattern without a
/// colon (a lone `*`) is matched against the whole value; one with two to five components
/// matches nothing.
fn arn_matches(pattern: Glob<'_>, value: &str) -> bool {
    let patterns = pattern.split_colons(6);
    match patterns.len() {
        1 => return pattern.matches(value),
        6 => {}
        _ => return false,
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == 6 && patterns.iter().zip(parts).all(|(p, v)| p.matches(v))
}

#[cfg(test)]
mod tests {
    use crate::policy::PolicyDocument;

    use super::*;

    /// The conditions of one statement (`conditions` is the Condition object's JSON), all
    /// of which must hold.
    fn eval(conditions: &str, context: &Context) -> Tri {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "*",
                "Resource": "*", "Condition": {conditions}}}}}"#
        ))
        .unwrap();
        Tri::all(
            doc.statements[0]
                .condition
                .iter()
                .map(|c| holds(c, true, context)),
        )
    }

    fn ctx(key: &str, values: &[&str]) -> Context {
        Context::new().with(key, values)
    }

    fn absent(key: &str) -> Context {
        Context::new().with_absent(key)
    }

    const YES: Tri = Tri::Yes;
    const NO: Tri = Tri::No;

    #[test]
    fn string_operators() {
        let c = ctx("k", &["Alpha"]);
        assert_eq!(eval(r#"{"StringEquals": {"k": ["x", "Alpha"]}}"#, &c), YES);
        assert_eq!(eval(r#"{"StringEquals": {"k": "alpha"}}"#, &c), NO);
        assert_eq!(
            eval(r#"{"StringEquals": {"K": "Alpha"}}"#, &c),
            YES,
            "key case"
        );
        assert_eq!(eval(r#"{"StringNotEquals": {"k": "alpha"}}"#, &c), YES);
        assert_eq!(
            eval(r#"{"StringNotEquals": {"k": ["x", "Alpha"]}}"#, &c),
            NO
        );
        assert_eq!(
            eval(r#"{"StringEqualsIgnoreCase": {"k": "ALPHA"}}"#, &c),
            YES
        );
        assert_eq!(
            eval(r#"{"StringNotEqualsIgnoreCase": {"k": "ALPHA"}}"#, &c),
            NO
        );
        assert_eq!(eval(r#"{"StringLike": {"k": "Al*"}}"#, &c), YES);
        assert_eq!(eval(r#"{"StringLike": {"k": "al*"}}"#, &c), NO);
        assert_eq!(eval(r#"{"StringLike": {"k": "Alph?"}}"#, &c), YES);
        assert_eq!(eval(r#"{"StringNotLike": {"k": "A*"}}"#, &c), NO);
        assert_eq!(eval(r#"{"StringNotLike": {"k": "B*"}}"#, &c), YES);
        assert_eq!(
            eval(r#"{"StringEquals": {"k": "Al*"}}"#, &c),
            NO,
            "no wildcards"
        );
    }

    #[test]
    fn absent_and_unknown_keys() {
        let a = absent("k");
        assert_eq!(eval(r#"{"StringEquals": {"k": "x"}}"#, &a), NO);
        assert_eq!(eval(r#"{"StringNotEquals": {"k": "x"}}"#, &a), YES);
        assert_eq!(eval(r#"{"StringEqualsIfExists": {"k": "x"}}"#, &a), YES);
        assert_eq!(eval(r#"{"NumericLessThanIfExists": {"k": "1"}}"#, &a), YES);
        assert_eq!(
            eval(r#"{"ForAllValues:StringEquals": {"k": "x"}}"#, &a),
            YES
        );
        assert_eq!(eval(r#"{"ForAnyValue:StringEquals": {"k": "x"}}"#, &a), NO);
        assert_eq!(
            eval(r#"{"ForAnyValue:StringNotEquals": {"k": "x"}}"#, &a),
            NO
        );
        assert_eq!(
            eval(r#"{"ForAnyValue:StringEqualsIfExists": {"k": "x"}}"#, &a),
            YES
        );
        let u = Context::new();
        for condition in [
            r#"{"StringEquals": {"k": "x"}}"#,
            r#"{"StringNotEquals": {"k": "x"}}"#,
            r#"{"StringEqualsIfExists": {"k": "x"}}"#,
            r#"{"Null": {"k": "true"}}"#,
            r#"{"ForAllValues:StringEquals": {"k": "x"}}"#,
        ] {
            assert_eq!(eval(condition, &u), Tri::unknown("k"), "{condition}");
        }
        assert_eq!(
            eval(
                r#"{"StringEquals": {"k": "x", "j": "y"}}"#,
                &ctx("j", &["z"])
            ),
            NO,
            "a known false decides the AND"
        );
        let c = ctx("k", &["x"]);
        assert_eq!(eval(r#"{"StringEqualsIfExists": {"k": "x"}}"#, &c), YES);
        assert_eq!(eval(r#"{"StringEqualsIfExists": {"k": "y"}}"#, &c), NO);
    }

    #[test]
    fn numeric_operators() {
        let c = ctx("n", &["10"]);
        assert_eq!(eval(r#"{"NumericEquals": {"n": 10}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericEquals": {"n": "10.0"}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericNotEquals": {"n": 10}}"#, &c), NO);
        assert_eq!(eval(r#"{"NumericNotEquals": {"n": 11}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericLessThan": {"n": 11}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericLessThan": {"n": 10}}"#, &c), NO);
        assert_eq!(eval(r#"{"NumericLessThanEquals": {"n": 10}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericGreaterThan": {"n": 9.5}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericGreaterThan": {"n": 10}}"#, &c), NO);
        assert_eq!(eval(r#"{"NumericGreaterThanEquals": {"n": 10}}"#, &c), YES);
        assert_eq!(eval(r#"{"NumericEquals": {"n": "ten"}}"#, &c), NO);
        assert_eq!(
            eval(r#"{"NumericLessThan": {"n": 5}}"#, &ctx("n", &["x"])),
            NO
        );
    }

    #[test]
    fn date_operators() {
        let c = ctx("aws:CurrentTime", &["2024-05-01T12:00:00Z"]);
        let e =
            |op: &str, v: &str| eval(&format!(r#"{{"{op}": {{"aws:CurrentTime": "{v}"}}}}"#), &c);
        assert_eq!(e("DateEquals", "2024-05-01T14:00:00+02:00"), YES);
        assert_eq!(e("DateNotEquals", "2024-05-01T12:00:00Z"), NO);
        assert_eq!(e("DateLessThan", "2024-06-01"), YES);
        assert_eq!(e("DateLessThan", "2024-05-01T12:00:00Z"), NO);
        assert_eq!(e("DateLessThanEquals", "2024-05-01T12:00:00Z"), YES);
        assert_eq!(e("DateGreaterThan", "1714521600"), YES, "epoch seconds");
        assert_eq!(e("DateGreaterThan", "2024-05-02"), NO);
        assert_eq!(e("DateGreaterThanEquals", "2024-05-01T12:00Z"), YES);
        assert_eq!(e("DateEquals", "not a date"), NO);
        let epoch = ctx("aws:EpochTime", &["1714564800"]);
        assert_eq!(
            eval(
                r#"{"DateEquals": {"aws:EpochTime": "2024-05-01T12:00:00Z"}}"#,
                &epoch
            ),
            YES
        );
    }

    #[test]
    fn bool_binary_and_ip_operators() {
        let c = ctx("aws:SecureTransport", &["true"]);
        assert_eq!(eval(r#"{"Bool": {"aws:SecureTransport": true}}"#, &c), YES);
        assert_eq!(
            eval(r#"{"Bool": {"aws:SecureTransport": "TRUE"}}"#, &c),
            YES
        );
        assert_eq!(
            eval(r#"{"Bool": {"aws:SecureTransport": "false"}}"#, &c),
            NO
        );
        assert_eq!(
            eval(
                r#"{"BoolIfExists": {"aws:SecureTransport": "false"}}"#,
                &absent("aws:SecureTransport")
            ),
            YES
        );
        let b = ctx("k", &["aGVsbG8="]);
        assert_eq!(eval(r#"{"BinaryEquals": {"k": "aGVsbG8"}}"#, &b), YES);
        assert_eq!(eval(r#"{"BinaryEquals": {"k": "aGVsbA=="}}"#, &b), NO);
        let ip = ctx("aws:SourceIp", &["203.0.113.9"]);
        assert_eq!(
            eval(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#, &ip),
            YES
        );
        assert_eq!(
            eval(
                r#"{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.9"]}}"#,
                &ip
            ),
            YES
        );
        assert_eq!(
            eval(r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#, &ip),
            NO
        );
        assert_eq!(
            eval(r#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#, &ip),
            YES
        );
        assert_eq!(
            eval(r#"{"NotIpAddress": {"aws:SourceIp": "203.0.0.0/16"}}"#, &ip),
            NO
        );
        let v6 = ctx("aws:SourceIp", &["2001:db8::5"]);
        assert_eq!(
            eval(r#"{"IpAddress": {"aws:SourceIp": "2001:db8::/64"}}"#, &v6),
            YES
        );
        assert_eq!(
            eval(r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#, &v6),
            NO
        );
    }

    #[test]
    fn arn_operators() {
        let c = ctx(
            "aws:SourceArn",
            &["arn:aws:sns:eu-west-1:123456789012:topic:sub"],
        );
        let e = |op: &str, v: &str| eval(&format!(r#"{{"{op}": {{"aws:SourceArn": "{v}"}}}}"#), &c);
        assert_eq!(
            e("ArnEquals", "arn:aws:sns:eu-west-1:123456789012:topic:sub"),
            YES
        );
        assert_eq!(e("ArnLike", "arn:aws:sns:*:123456789012:*"), YES);
        assert_eq!(
            e("ArnLike", "arn:aws:sns:*:*:topic:*"),
            YES,
            "colons in the resource"
        );
        assert_eq!(
            e("ArnLike", "arn:aws:*:123456789012:*"),
            NO,
            "component by component"
        );
        assert_eq!(
            e("ArnLike", "arn:aws:sns:eu-west-?:123456789012:topic:sub"),
            YES
        );
        assert_eq!(e("ArnLike", "arn:aws:SNS:*:*:*"), NO, "case-sensitive");
        assert_eq!(
            e("ArnEquals", "arn:aws:sns:*:*:*"),
            YES,
            "ArnEquals takes wildcards too"
        );
        assert_eq!(e("ArnLike", "*"), YES);
        assert_eq!(e("ArnNotLike", "arn:aws:s3:::*"), YES);
        assert_eq!(e("ArnNotEquals", "arn:aws:sns:*:*:*"), NO);
        assert_eq!(
            eval(
                r#"{"ArnLike": {"k": "arn:aws:s3:::*"}}"#,
                &ctx("k", &["not-an-arn"])
            ),
            NO
        );
    }

    #[test]
    fn null_operator() {
        assert_eq!(eval(r#"{"Null": {"k": "true"}}"#, &absent("k")), YES);
        assert_eq!(eval(r#"{"Null": {"k": true}}"#, &ctx("k", &["x"])), NO);
        assert_eq!(eval(r#"{"Null": {"k": "false"}}"#, &ctx("k", &["x"])), YES);
        assert_eq!(eval(r#"{"Null": {"k": "false"}}"#, &absent("k")), NO);
        assert_eq!(eval(r#"{"Null": {"k": "maybe"}}"#, &absent("k")), NO);
    }

    #[test]
    fn set_operators_over_multivalued_keys() {
        let tags = ctx("aws:TagKeys", &["env", "team"]);
        let e = |op: &str, v: &str| eval(&format!(r#"{{"{op}": {{"aws:TagKeys": {v}}}}}"#), &tags);
        assert_eq!(
            e("ForAllValues:StringEquals", r#"["env", "team", "cost"]"#),
            YES
        );
        assert_eq!(e("ForAllValues:StringEquals", r#"["env"]"#), NO);
        assert_eq!(e("ForAnyValue:StringEquals", r#"["env"]"#), YES);
        assert_eq!(e("ForAnyValue:StringEquals", r#"["cost"]"#), NO);
        assert_eq!(e("ForAllValues:StringNotEquals", r#"["cost"]"#), YES);
        assert_eq!(e("ForAllValues:StringNotEquals", r#"["env"]"#), NO);
        assert_eq!(
            e("ForAnyValue:StringNotEquals", r#"["env"]"#),
            YES,
            "team is not env"
        );
        assert_eq!(e("ForAnyValue:StringNotEquals", r#"["env", "team"]"#), NO);
        assert_eq!(e("ForAllValues:StringLike", r#"["e*", "t*"]"#), YES);
        // Without a set operator: any value for positive operators, none for negated ones.
        assert_eq!(e("StringEquals", r#""team""#), YES);
        assert_eq!(e("StringNotEquals", r#""team""#), NO);
        assert_eq!(e("StringNotEquals", r#""cost""#), YES);
    }

    #[test]
    fn variables_in_condition_values() {
        let c = Context::new()
            .with("aws:username", &["alice"])
            .with("s3:prefix", &["home/alice/x"])
            .with_absent("aws:PrincipalTag/team");
        assert_eq!(
            eval(
                r#"{"StringLike": {"s3:prefix": "home/${aws:username}/*"}}"#,
                &c
            ),
            YES
        );
        assert_eq!(
            eval(
                r#"{"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}"}}"#,
                &c
            ),
            NO
        );
        assert_eq!(
            eval(
                r#"{"StringNotEquals": {"s3:prefix": "${aws:PrincipalTag/team}"}}"#,
                &c
            ),
            YES,
            "negated operators match a null value"
        );
        assert_eq!(
            eval(
                r#"{"StringLike": {"s3:prefix": ["home/${aws:userid}/*"]}}"#,
                &c
            ),
            Tri::unknown("aws:userid")
        );
        assert_eq!(
            eval(
                r#"{"StringLike": {"s3:prefix": ["home/${aws:userid}/*", "home/*"]}}"#,
                &c
            ),
            YES,
            "another value decides"
        );
        assert_eq!(
            eval(
                r#"{"NumericEquals": {"n": "${aws:username}"}}"#,
                &c.clone().with("n", &["1"])
            ),
            NO,
            "numeric operators take no variables"
        );
    }
}
