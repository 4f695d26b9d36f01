//! Reading a policy: from the ordered JSON tree to the validated model, with the JSON path
//! of the first problem (`$.Statement[2].Condition.StringEquals`), and the URL decoding
//! of what the raw IAM API returns.
//!
//! What the reader accepts is IAM's grammar, loosely where IAM is loose: `Statement`,
//! `Action`, `Resource`, `Principal` values and condition values as a lone value or an
//! array; `Resource` may be absent (trust and resource policies; identity policies are
//! checked by `validate_identity`). It is strict where a mistake would change meaning:
//! unknown or repeated keys, both `Action` and `NotAction`, an action without a service
//! prefix, an unknown condition operator.

use crate::catalog::ActionPattern;

use super::PolicyError;
use super::condition::{Condition, ConditionOperator, ConditionValue, JsonNumber};
use super::document::{
    ActionClause, Effect, ListForm, OneOrMany, PolicyDocument, Principal, PrincipalClause,
    PrincipalKind, ResourceClause, Statement, VERSION_2008, VERSION_2012,
};
use super::json::Json;

type Result<T> = std::result::Result<T, PolicyError>;

const STATEMENT_KEYS: &str = "`Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, \
                              `NotAction`, `Resource`, `NotResource` or `Condition`";

/// Where in the document a value is; rendered only when there is an error.
#[derive(Clone, Copy)]
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    fn error(&self, message: impl Into<String>) -> PolicyError {
        PolicyError {
            path: self.render(),
            message: message.into(),
        }
    }

    /// `$`, `.Key` for keys that are identifiers, `["aws:SourceIp"]` for the others, `[3]`.
    fn render(&self) -> String {
        let mut out = self.parent.map_or_else(String::new, Path::render);
        match self.step {
            Step::Root => out.push('$'),
            Step::Key(key) => crate::nesting::push_key(&mut out, key),
            Step::Index(index) => out.push_str(&format!("[{index}]")),
        }
        out
    }
}

/// The members of an object, refusing repeated keys: serde_json would keep the last one
/// silently, IAM's own reader may not, and either way the policy says two things.
fn object(json: Json, path: &Path<'_>) -> Result<Vec<(String, Json)>> {
    let Json::Object(members) = json else {
        return Err(path.error(format!("expected an object, found {}", json.kind())));
    };
    for (index, (key, _)) in members.iter().enumerate() {
        if members[..index].iter().any(|(k, _)| k == key) {
            return Err(path.key(key).error(format!("duplicate key `{key}`")));
        }
    }
    Ok(members)
}

fn string(json: Json, path: &Path<'_>) -> Result<String> {
    match json {
        Json::String(s) => Ok(s),
        other => Err(path.error(format!("expected a string, found {}", other.kind()))),
    }
}

/// A lone value or an array of them, each read by `item`.
fn one_or_many<T>(
    json: Json,
    path: &Path<'_>,
    item: impl Fn(Json, &Path<'_>) -> Result<T>,
) -> Result<OneOrMany<T>> {
    match json {
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, json)| item(json, &path.index(index)))
            .collect::<Result<Vec<T>>>()
            .map(OneOrMany::array),
        json => item(json, path).map(OneOrMany::one),
    }
}

/// A document from its JSON tree.
pub(super) fn document(json: Json) -> Result<PolicyDocument> {
    let root = Path::ROOT;
    if !matches!(json, Json::Object(_)) {
        return Err(root.error(format!(
            "a policy document is a JSON object, found {}",
            json.kind()
        )));
    }
    let (mut version, mut id, mut statements) = (None, None, None);
    for (key, value) in object(json, &root)? {
        let path = root.key(&key);
        match key.as_str() {
            "Version" => {
                let text = string(value, &path)?;
                if text != VERSION_2012 && text != VERSION_2008 {
                    return Err(path.error(format!(
                        "unknown policy version `{text}` (expected `{VERSION_2012}` or `{VERSION_2008}`)"
                    )));
                }
                version = Some(text);
            }
            "Id" => id = Some(string(value, &path)?),
            "Statement" => statements = Some(statement_list(value, &path)?),
            _ => {
                return Err(path.error(format!(
                    "unknown key `{key}` (expected `Version`, `Id` or `Statement`)"
                )));
            }
        }
    }
    let (statements, statement_form) =
        statements.ok_or_else(|| root.error("missing `Statement`"))?;
    Ok(PolicyDocument {
        version,
        id,
        statements,
        statement_form,
    })
}

fn statement_list(json: Json, path: &Path<'_>) -> Result<(Vec<Statement>, ListForm)> {
    match json {
        Json::Array(items) if items.is_empty() => Err(path.error("empty statement list")),
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| statement(item, &path.index(index)))
            .collect::<Result<Vec<_>>>()
            .map(|statements| (statements, ListForm::Array)),
        json @ Json::Object(_) => Ok((vec![statement(json, path)?], ListForm::Single)),
        other => Err(path.error(format!(
            "expected a statement object or an array of them, found {}",
            other.kind()
        ))),
    }
}

fn statement(json: Json, path: &Path<'_>) -> Result<Statement> {
    let mut sid = None;
    let mut effect = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut condition = Vec::new();
    // Keys are unique (`object`), so a second clause of a pair is always its opposite.
    for (key, value) in object(json, path)? {
        let at = path.key(&key);
        match key.as_str() {
            "Sid" => sid = Some(string(value, &at)?),
            "Effect" => effect = Some(parse_effect(value, &at)?),
            "Principal" | "NotPrincipal" => {
                let p = parse_principal(value, &at)?;
                let clause = if key == "Principal" {
                    PrincipalClause::Principal(p)
                } else {
                    PrincipalClause::NotPrincipal(p)
                };
                if principal.replace(clause).is_some() {
                    return Err(path.error("both `Principal` and `NotPrincipal`"));
                }
            }
            "Action" | "NotAction" => {
                let list = nonempty(one_or_many(value, &at, action_pattern)?, &at, &key)?;
                let clause = if key == "Action" {
                    ActionClause::Action(list)
                } else {
                    ActionClause::NotAction(list)
                };
                if action.replace(clause).is_some() {
                    return Err(path.error("both `Action` and `NotAction`"));
                }
            }
            "Resource" | "NotResource" => {
                let list = nonempty(one_or_many(value, &at, string)?, &at, &key)?;
                let clause = if key == "Resource" {
                    ResourceClause::Resource(list)
                } else {
                    ResourceClause::NotResource(list)
                };
                if resource.replace(clause).is_some() {
                    return Err(path.error("both `Resource` and `NotResource`"));
                }
            }
            "Condition" => condition = conditions(value, &at)?,
            _ => {
                return Err(at.error(format!(
                    "unknown statement key `{key}` (expected {STATEMENT_KEYS})"
                )));
            }
        }
    }
    Ok(Statement {
        sid,
        effect: effect.ok_or_else(|| path.error("missing `Effect`"))?,
        principal,
        action: action.ok_or_else(|| path.error("missing `Action` or `NotAction`"))?,
        resource,
        condition,
    })
}

fn nonempty<T>(list: OneOrMany<T>, path: &Path<'_>, key: &str) -> Result<OneOrMany<T>> {
    if list.items().is_empty() {
        return Err(path.error(format!("empty `{key}` list")));
    }
    Ok(list)
}

fn parse_effect(json: Json, path: &Path<'_>) -> Result<Effect> {
    match string(json, path)?.as_str() {
        "Allow" => Ok(Effect::Allow),
        "Deny" => Ok(Effect::Deny),
        other => Err(path.error(format!(
            "`{other}` is not an effect (expected `Allow` or `Deny`)"
        ))),
    }
}

/// `*`, or a service prefix of letters, digits and dashes, a colon and a non-empty name
/// pattern. IAM lowercases prefixes, and AWS's own managed policies write `cloudTrail:`
/// and `S3:`, so the prefix's case is free.
fn action_pattern(json: Json, path: &Path<'_>) -> Result<ActionPattern> {
    let text = string(json, path)?;
    let valid = text == "*"
        || text.split_once(':').is_some_and(|(prefix, name)| {
            !prefix.is_empty()
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !name.is_empty()
                && !name.contains(|c: char| c.is_whitespace() || c == ':')
        });
    if !valid {
        return Err(path.error(format!(
            "`{text}` is not an action (expected `*` or `service:action`, the service without wildcards)"
        )));
    }
    // The checks above leave nothing for the pattern parser to trim or refuse, so the
    // pattern's text is the text read.
    ActionPattern::parse(&text).map_err(|e| path.error(e.to_string()))
}

fn parse_principal(json: Json, path: &Path<'_>) -> Result<Principal> {
    match json {
        Json::String(s) if s == "*" => Ok(Principal::Any),
        Json::String(s) => Err(path.error(format!(
            "`{s}` is not a principal (expected `\"*\"` or an object such as {{\"AWS\": ...}})"
        ))),
        json @ Json::Object(_) => {
            let mut kinds = Vec::new();
            for (key, value) in object(json, path)? {
                let at = path.key(&key);
                let kind = PrincipalKind::from_key(&key).ok_or_else(|| {
                    at.error(format!(
                        "unknown principal kind `{key}` (expected `AWS`, `Service`, `Federated` or `CanonicalUser`)"
                    ))
                })?;
                kinds.push((kind, one_or_many(value, &at, string)?));
            }
            Ok(Principal::Map(kinds))
        }
        other => Err(path.error(format!(
            "expected `\"*\"` or an object, found {}",
            other.kind()
        ))),
    }
}

/// `{"Operator": {"key": value(s), ...}, ...}`, flattened in the order written. An
/// operator with no keys (`"StringEquals": {}`) tests nothing and leaves no trace.
fn conditions(json: Json, path: &Path<'_>) -> Result<Vec<Condition>> {
    let mut out = Vec::new();
    for (name, keys) in object(json, path)? {
        let at = path.key(&name);
        let operator = ConditionOperator::parse(&name)
            .ok_or_else(|| at.error(format!("unknown condition operator `{name}`")))?;
        for (key, values) in object(keys, &at)? {
            let values = one_or_many(values, &at.key(&key), condition_value)?;
            out.push(Condition {
                operator,
                key,
                values,
            });
        }
    }
    Ok(out)
}

fn condition_value(json: Json, path: &Path<'_>) -> Result<ConditionValue> {
    match json {
        Json::String(s) => Ok(ConditionValue::String(s)),
        Json::Bool(b) => Ok(ConditionValue::Bool(b)),
        Json::Number(n) => JsonNumber::parse(&n)
            .map(ConditionValue::Number)
            .ok_or_else(|| path.error(format!("`{n}` is not a JSON number"))),
        other => Err(path.error(format!(
            "a condition value is a string, a boolean or a number, found {}",
            other.kind()
        ))),
    }
}

/// Decodes `%XX` escapes (RFC 3986, as IAM's `GetPolicyVersion` and
/// `GetAccountAuthorizationDetails` return documents); `+` stays `+`, since RFC 3986
/// does not make it a space and IAM names may contain it.
pub(super) fn percent_decode(text: &str) -> Result<String> {
    let root = Path::ROOT;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: Option<&u8>| b.and_then(|&b| (b as char).to_digit(16));
            match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    // Two hex digits are at most 0xff.
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                _ => {
                    return Err(root.error(format!(
                        "invalid percent-encoding at byte {i} of the URL-encoded document"
                    )));
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|e| root.error(format!("the URL-decoded document is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::condition::{Operator, SetOperator};

    fn parse(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// Parses a one-statement document with `statement` as its body.
    fn statement(body: &str) -> Statement {
        let mut doc = parse(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#
        ));
        doc.statements.remove(0)
    }

    fn error(text: &str) -> PolicyError {
        match PolicyDocument::parse(text) {
            Ok(doc) => panic!("accepted {text}: {doc:?}"),
            Err(e) => e,
        }
    }

    /// The error for a one-statement document, as `path: message`.
    fn statement_error(body: &str) -> String {
        error(&format!(r#"{{"Statement": [{body}]}}"#)).to_string()
    }

    fn assert_error(actual: String, path: &str, message_part: &str) {
        let (p, m) = actual.split_once(": ").unwrap();
        assert_eq!(p, path, "{actual}");
        assert!(m.contains(message_part), "{actual}");
    }

    const ALLOW: &str = r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "*""#;

    #[test]
    fn statement_as_object_or_array() {
        let one = parse(&format!(r#"{{"Statement": {{{ALLOW}}}}}"#));
        assert_eq!(one.statement_form, ListForm::Single);
        assert_eq!(one.statements.len(), 1);
        assert_eq!(one.version, None);
        assert_eq!(one.statement_path(0), "$.Statement");
        let many = parse(&format!(
            r#"{{"Version": "2008-10-17", "Id": "x", "Statement": [{{{ALLOW}}}, {{{ALLOW}}}]}}"#
        ));
        assert_eq!(many.statement_form, ListForm::Array);
        assert_eq!(many.statements.len(), 2);
        assert_eq!(many.version.as_deref(), Some("2008-10-17"));
        assert_eq!(many.id.as_deref(), Some("x"));
        assert_eq!(many.statement_path(1), "$.Statement[1]");
        let one_in_array = parse(&format!(r#"{{"Statement": [{{{ALLOW}}}]}}"#));
        assert_eq!(one_in_array.statement_form, ListForm::Array);
        assert_eq!(one_in_array.statement_path(0), "$.Statement[0]");
    }

    #[test]
    fn actions_and_resources_as_string_or_array() {
        let s = statement(
            r#"{"Sid": "", "Effect": "Deny", "Action": ["s3:Get*", "*"], "Resource": "arn:aws:s3:::b/*"}"#,
        );
        assert_eq!(s.sid.as_deref(), Some(""));
        assert_eq!(s.effect, Effect::Deny);
        let ActionClause::Action(actions) = &s.action else {
            panic!("{s:?}")
        };
        assert_eq!(actions.form(), ListForm::Array);
        let texts: Vec<&str> = actions.iter().map(ActionPattern::as_str).collect();
        assert_eq!(texts, ["s3:Get*", "*"]);
        let Some(ResourceClause::Resource(resources)) = &s.resource else {
            panic!("{s:?}")
        };
        assert_eq!(resources.form(), ListForm::Single);
        assert_eq!(resources.items(), ["arn:aws:s3:::b/*"]);

        let s = statement(
            r#"{"Effect": "Allow", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::*:role/x"]}"#,
        );
        assert!(matches!(&s.action, ActionClause::NotAction(l) if l.form() == ListForm::Single));
        assert!(
            matches!(&s.resource, Some(ResourceClause::NotResource(l)) if l.form() == ListForm::Array)
        );
        // Any case of service prefix, as in AWS's own managed policies.
        let s = statement(
            r#"{"Effect": "Allow", "Action": ["cloudTrail:GetChannel", "S3:Get?bject", "Partnercentral-account-management:*"]}"#,
        );
        assert_eq!(s.action.patterns().len(), 3);
        assert!(s.resource.is_none(), "resource policies may omit it");
    }

    #[test]
    fn principals() {
        let s = statement(
            r#"{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "sts:AssumeRole"}"#,
        );
        let Some(PrincipalClause::Principal(Principal::Map(kinds))) = &s.principal else {
            panic!("{s:?}")
        };
        assert_eq!(kinds[0].0, PrincipalKind::Service);
        assert_eq!(kinds[0].1.form(), ListForm::Single);
        assert_eq!(kinds[1].0, PrincipalKind::Aws);
        assert_eq!(kinds[1].1.items().len(), 2);
        let s = statement(r#"{"Effect": "Deny", "NotPrincipal": "*", "Action": "s3:*"}"#);
        assert_eq!(
            s.principal,
            Some(PrincipalClause::NotPrincipal(Principal::Any))
        );
        let s = statement(
            r#"{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com", "CanonicalUser": []}, "Action": "sts:AssumeRoleWithWebIdentity"}"#,
        );
        assert!(s.principal.is_some());
    }

    #[test]
    fn conditions_keep_their_order_and_value_kinds() {
        let s = statement(
            r#"{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
                "StringLike": {"z:key": "a*", "a:key": ["b", "c"]},
                "Bool": {"aws:SecureTransport": true},
                "ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": []},
                "NumericLessThan": {"s3:max-keys": [10, 1.50]},
                "Null": {"aws:RequestTag/Owner": "false"}
            }}"#,
        );
        let seen: Vec<(String, &str)> = s
            .condition
            .iter()
            .map(|c| (c.operator.name(), c.key.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("StringLike".to_owned(), "z:key"),
                ("StringLike".to_owned(), "a:key"),
                ("Bool".to_owned(), "aws:SecureTransport"),
                ("ForAnyValue:StringEqualsIfExists".to_owned(), "aws:TagKeys"),
                ("NumericLessThan".to_owned(), "s3:max-keys"),
                ("Null".to_owned(), "aws:RequestTag/Owner"),
            ]
        );
        assert_eq!(s.condition[0].values.form(), ListForm::Single);
        assert_eq!(s.condition[2].values.items(), [ConditionValue::Bool(true)]);
        let op = s.condition[3].operator;
        assert_eq!(op.base, Operator::StringEquals);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetOperator::ForAnyValue));
        assert!(s.condition[3].values.items().is_empty());
        assert_eq!(
            s.condition[4].values.items(),
            [
                ConditionValue::Number(10i64.into()),
                ConditionValue::Number(JsonNumber::parse("1.50").unwrap())
            ]
        );
        // An operator with no keys tests nothing.
        let s =
            statement(r#"{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {}}}"#);
        assert!(s.condition.is_empty());
    }

    #[test]
    fn from_value_keeps_the_values_key_order() {
        // serde_json's Value sorts object keys, or keeps them in order when some crate in
        // the build enables `preserve_order` (the AWS SDK's HTTP client does): from_value
        // follows the Value, parse always follows the text.
        let text = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringLike": {"z": "1", "a": "2"}}}}"#;
        let ordered = parse(text);
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let value_order: Vec<String> = value["Statement"]["Condition"]["StringLike"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let from_value = PolicyDocument::from_value(&value).unwrap();
        let keys = |d: &PolicyDocument| -> Vec<String> {
            d.statements[0]
                .condition
                .iter()
                .map(|c| c.key.clone())
                .collect()
        };
        assert_eq!(keys(&ordered), ["z", "a"]);
        assert_eq!(keys(&from_value), value_order);
    }

    #[test]
    fn url_encoded_documents() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa+b%2F*%22%7D%5D%7D";
        assert_eq!(percent_decode(encoded).unwrap(), plain);
        assert_eq!(
            PolicyDocument::parse_maybe_encoded(encoded).unwrap(),
            parse(plain)
        );
        assert_eq!(
            PolicyDocument::parse_maybe_encoded(&format!("  {plain}")).unwrap(),
            parse(plain)
        );
        // Lower-case hex and multi-byte UTF-8.
        assert_eq!(percent_decode("%c3%a9%2a").unwrap(), "é*");
        let err = PolicyDocument::parse_maybe_encoded("%7B%2").unwrap_err();
        assert_eq!(err.path, "$");
        assert!(err.message.contains("percent-encoding at byte 3"), "{err}");
        let err = PolicyDocument::parse_maybe_encoded("%ff").unwrap_err();
        assert!(err.message.contains("not UTF-8"), "{err}");
        let err = PolicyDocument::parse_maybe_encoded("nonsense").unwrap_err();
        assert!(err.message.starts_with("invalid JSON"), "{err}");
    }

    #[test]
    fn document_level_rejections() {
        assert_error(
            error("[]").to_string(),
            "$",
            "a policy document is a JSON object, found an array",
        );
        assert_error(error("{\"Statement\": ").to_string(), "$", "invalid JSON");
        assert_error(error("{}").to_string(), "$", "missing `Statement`");
        assert_error(
            error(r#"{"Statement": []}"#).to_string(),
            "$.Statement",
            "empty statement list",
        );
        assert_error(
            error(r#"{"Statement": "x"}"#).to_string(),
            "$.Statement",
            "found a string",
        );
        assert_error(
            error(r#"{"Statement": [{"Effect": "Allow", "Action": "*"}, 3]}"#).to_string(),
            "$.Statement[1]",
            "expected an object, found a number",
        );
        assert_error(
            error(r#"{"Version": "2012-10-18", "Statement": []}"#).to_string(),
            "$.Version",
            "unknown policy version `2012-10-18`",
        );
        assert_error(
            error(r#"{"Version": 2012, "Statement": []}"#).to_string(),
            "$.Version",
            "expected a string, found a number",
        );
        assert_error(
            error(r#"{"Id": null, "Statement": []}"#).to_string(),
            "$.Id",
            "expected a string, found null",
        );
        assert_error(
            error(r#"{"Statements": []}"#).to_string(),
            "$.Statements",
            "unknown key `Statements`",
        );
        assert_error(
            error(r#"{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}"#)
                .to_string(),
            "$.Version",
            "duplicate key `Version`",
        );
    }

    #[test]
    fn statement_level_rejections() {
        let cases = [
            (r#"{"Action": "*"}"#, "$.Statement[0]", "missing `Effect`"),
            (
                r#"{"Effect": "allow", "Action": "*"}"#,
                "$.Statement[0].Effect",
                "`allow` is not an effect",
            ),
            (
                r#"{"Effect": true, "Action": "*"}"#,
                "$.Statement[0].Effect",
                "expected a string, found a boolean",
            ),
            (
                r#"{"Effect": "Allow", "Resource": "*"}"#,
                "$.Statement[0]",
                "missing `Action` or `NotAction`",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}"#,
                "$.Statement[0]",
                "both `Action` and `NotAction`",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}"#,
                "$.Statement[0]",
                "both `Resource` and `NotResource`",
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "*"}"#,
                "$.Statement[0]",
                "both `Principal` and `NotPrincipal`",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Resources": "*"}"#,
                "$.Statement[0].Resources",
                "unknown statement key `Resources`",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Action": "s3:*"}"#,
                "$.Statement[0].Action",
                "duplicate key `Action`",
            ),
            (
                r#"{"Effect": "Allow", "Action": ["s3:GetObject", "GetObject"]}"#,
                "$.Statement[0].Action[1]",
                "`GetObject` is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*:GetObject"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": "s3:"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": " s3:GetObject"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": "s3:Get Object"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": "s3_x:Get"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": "**"}"#,
                "$.Statement[0].Action",
                "is not an action",
            ),
            (
                r#"{"Effect": "Allow", "Action": []}"#,
                "$.Statement[0].Action",
                "empty `Action` list",
            ),
            (
                r#"{"Effect": "Allow", "Action": [["s3:*"]]}"#,
                "$.Statement[0].Action[0]",
                "expected a string, found an array",
            ),
            (
                r#"{"Effect": "Allow", "NotAction": 1}"#,
                "$.Statement[0].NotAction",
                "expected a string, found a number",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Resource": []}"#,
                "$.Statement[0].Resource",
                "empty `Resource` list",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "NotResource": [null]}"#,
                "$.Statement[0].NotResource[0]",
                "expected a string, found null",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Sid": 1}"#,
                "$.Statement[0].Sid",
                "expected a string",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Principal": "arn:aws:iam::1:root"}"#,
                "$.Statement[0].Principal",
                "is not a principal",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Principal": {"Aws": "*"}}"#,
                "$.Statement[0].Principal.Aws",
                "unknown principal kind `Aws`",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Principal": {"AWS": 1}}"#,
                "$.Statement[0].Principal.AWS",
                "expected a string, found a number",
            ),
            (
                r#"{"Effect": "Allow", "Action": "*", "Principal": ["*"]}"#,
                "$.Statement[0].Principal",
                "found an array",
            ),
        ];
        for (body, path, message) in cases {
            assert_error(statement_error(body), path, message);
        }
    }

    #[test]
    fn condition_rejections() {
        let cases = [
            (
                r#"{"StringEqual": {"aws:x": "a"}}"#,
                "$.Statement[0].Condition.StringEqual",
                "unknown condition operator `StringEqual`",
            ),
            (
                r#"{"NullIfExists": {"aws:x": "true"}}"#,
                "$.Statement[0].Condition.NullIfExists",
                "unknown condition operator",
            ),
            (
                r#"{"ForSomeValues:StringEquals": {"aws:x": "a"}}"#,
                "$.Statement[0].Condition[\"ForSomeValues:StringEquals\"]",
                "unknown condition operator",
            ),
            (
                r#"{"StringEquals": "aws:x"}"#,
                "$.Statement[0].Condition.StringEquals",
                "expected an object, found a string",
            ),
            (
                r#"{"StringEquals": {"aws:x": null}}"#,
                "$.Statement[0].Condition.StringEquals[\"aws:x\"]",
                "a condition value is a string, a boolean or a number, found null",
            ),
            (
                r#"{"StringEquals": {"aws:x": ["a", {"b": 1}]}}"#,
                "$.Statement[0].Condition.StringEquals[\"aws:x\"][1]",
                "found an object",
            ),
            (
                r#"{"StringEquals": {"aws:x": [["a"]]}}"#,
                "$.Statement[0].Condition.StringEquals[\"aws:x\"][0]",
                "found an array",
            ),
            (
                r#"{"StringEquals": {"aws:x": "a", "aws:x": "b"}}"#,
                "$.Statement[0].Condition.StringEquals[\"aws:x\"]",
                "duplicate key `aws:x`",
            ),
            (
                r#"{"Bool": {"a": true}, "Bool": {"b": true}}"#,
                "$.Statement[0].Condition.Bool",
                "duplicate key `Bool`",
            ),
        ];
        for (condition, path, message) in cases {
            assert_error(
                statement_error(&format!(
                    r#"{{"Effect": "Allow", "Action": "*", "Condition": {condition}}}"#
                )),
                path,
                message,
            );
        }
        assert_error(
            statement_error(r#"{"Effect": "Allow", "Action": "*", "Condition": []}"#),
            "$.Statement[0].Condition",
            "expected an object, found an array",
        );
        // A lone statement's path has no index.
        assert_error(
            error(r#"{"Statement": {"Effect": "Allow", "Action": "x"}}"#).to_string(),
            "$.Statement.Action",
            "`x` is not an action",
        );
    }

    #[test]
    fn identity_policies_need_resources_and_no_principal() {
        let ok = parse(&format!(r#"{{"Statement": [{{{ALLOW}}}]}}"#));
        assert_eq!(ok.validate_identity(), Ok(()));
        let trust = parse(
            r#"{"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#,
        );
        let err = trust.validate_identity().unwrap_err();
        assert_eq!(err.path, "$.Statement.Principal");
        let no_resource = parse(&format!(
            r#"{{"Statement": [{{{ALLOW}}}, {{"Effect": "Allow", "Action": "s3:*"}}]}}"#
        ));
        assert_error(
            no_resource.validate_identity().unwrap_err().to_string(),
            "$.Statement[1]",
            "missing `Resource` or `NotResource`",
        );
    }

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        let root = Path::ROOT;
        let a = root.key("Statement");
        let b = a.index(2);
        let c = b.key("Condition");
        let d = c.key("aws:Tag/\"x\"");
        assert_eq!(d.render(), r#"$.Statement[2].Condition["aws:Tag/\"x\""]"#);
        assert_eq!(root.key("_a1").render(), "$._a1");
        assert_eq!(root.key("1a").render(), "$[\"1a\"]");
        assert_eq!(root.key("").render(), "$[\"\"]");
    }
}
