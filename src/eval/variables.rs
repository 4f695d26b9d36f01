//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, any `${key}` of the
//! context, with a default (`${aws:PrincipalTag/team, 'company-wide'}`) and the escapes
//! `${*}`, `${?}` and `${$}`, resolved into a [`Pattern`] before matching.
//!
//! AWS's rules (IAM User Guide, "Policy variables"): variables exist only in documents of
//! version `2012-10-17` (older or unversioned documents keep `${...}` as text); a key the
//! request does not carry, or carries with several values, has no value, and "the value is
//! effectively null. There is no equal or like value": a resource pattern holding it
//! matches no resource, a condition value holding it equals nothing. A default replaces a
//! missing value; key names ignore case, defaults do not; `''` in a default is one quote.
//!
//! Substituted text is literal: a `*` in a tag value is not a wildcard (AWS documents no
//! rule; IAM names and tag values cannot contain `*` or `?` anyway). Where the context
//! does not know the key at all the result is unknown, default or not.

use super::context::Context;
use super::glob::Pattern;

/// A pattern with its variables resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved<'a> {
    /// Ready to match.
    Pattern(Pattern<'a>),
    /// A variable has no value (and no default): matches nothing.
    Null,
    /// A variable's key is not known to the context.
    Unknown(String),
}

/// Resolves the variables of `text` against `context`; `enabled` is false for documents
/// that predate policy variables.
pub(crate) fn resolve<'a>(text: &'a str, enabled: bool, context: &Context) -> Resolved<'a> {
    if !enabled || !text.contains("${") {
        return Resolved::Pattern(Pattern::verbatim(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut literal = Vec::with_capacity(text.len());
    let mut push = |s: &str, is_literal: bool, out: &mut String| {
        out.push_str(s);
        literal.extend(std::iter::repeat_n(is_literal, s.len()));
    };
    let mut null = false;
    let mut unknown: Option<String> = None;
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        push(&rest[..start], false, &mut out);
        let after = &rest[start + 2..];
        let Some(end) = closing_brace(after) else {
            // No closing brace: not a variable, the rest is text.
            push(&rest[start..], false, &mut out);
            rest = "";
            break;
        };
        let inner = &after[..end];
        rest = &after[end + 1..];
        match Variable::parse(inner) {
            None => push(&format!("${{{inner}}}"), false, &mut out),
            Some(Variable::Escape(c)) => push(c, true, &mut out),
            Some(Variable::Key { key, default }) => match context.values(key) {
                None => {
                    unknown.get_or_insert_with(|| key.to_owned());
                }
                Some(Some([value])) => push(value, true, &mut out),
                Some(_) => match default {
                    Some(default) => push(&default, true, &mut out),
                    None => null = true,
                },
            },
        }
    }
    push(rest, false, &mut out);
    if null {
        Resolved::Null
    } else if let Some(key) = unknown {
        Resolved::Unknown(key)
    } else {
        Resolved::Pattern(Pattern::with_literals(out, literal))
    }
}

/// The position of the `}` that closes a variable, skipping quoted defaults.
fn closing_brace(text: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// What is between `${` and `}`.
#[derive(Debug, PartialEq, Eq)]
enum Variable<'a> {
    /// `*`, `?` or `$`.
    Escape(&'a str),
    /// A context key, with its default.
    Key {
        key: &'a str,
        default: Option<String>,
    },
}

impl<'a> Variable<'a> {
    /// `None` when it is not a well-formed variable (kept as text).
    fn parse(inner: &'a str) -> Option<Self> {
        if matches!(inner, "*" | "?" | "$") {
            return Some(Variable::Escape(inner));
        }
        let (key, default) = match inner.split_once(',') {
            Some((key, default)) => {
                let quoted = default.trim();
                let body = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
                // Between the quotes, quotes come in pairs.
                if body.replace("''", "").contains('\'') {
                    return None;
                }
                (key.trim(), Some(body.replace("''", "'")))
            }
            None => (inner.trim(), None),
        };
        let valid = !key.is_empty() && !key.contains(char::is_whitespace);
        valid.then_some(Variable::Key { key, default })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context::new()
            .with("aws:username", &["alice"])
            .with("aws:PrincipalTag/team", &["red*"])
            .with("aws:CalledVia", &["a", "b"])
            .with_absent("aws:PrincipalTag/cost")
    }

    fn text(r: Resolved<'_>) -> String {
        match r {
            Resolved::Pattern(p) => p.as_str().to_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn substitutes_known_values_case_insensitively() {
        let c = context();
        let r = resolve("arn:aws:s3:::b/${aws:UserName}/*", true, &c);
        assert_eq!(text(r.clone()), "arn:aws:s3:::b/alice/*");
        let Resolved::Pattern(p) = r else { panic!() };
        assert!(p.glob().matches("arn:aws:s3:::b/alice/x"));
        assert!(!p.glob().matches("arn:aws:s3:::b/bob/x"));
    }

    #[test]
    fn substituted_text_and_escapes_are_literal() {
        let c = context();
        let Resolved::Pattern(p) = resolve("${aws:PrincipalTag/team}-*", true, &c) else {
            panic!()
        };
        assert!(p.glob().matches("red*-x"));
        assert!(!p.glob().matches("redish-x"), "the tag's `*` is text");
        let Resolved::Pattern(p) = resolve("a${*}b${?}${$}", true, &c) else {
            panic!()
        };
        assert_eq!(p.as_str(), "a*b?$");
        assert!(p.glob().matches("a*b?$"));
        assert!(!p.glob().matches("axb?$"));
    }

    #[test]
    fn absent_multivalued_unknown_and_defaults() {
        let c = context();
        assert_eq!(
            resolve("x/${aws:PrincipalTag/cost}", true, &c),
            Resolved::Null
        );
        assert_eq!(resolve("x/${aws:CalledVia}", true, &c), Resolved::Null);
        assert_eq!(
            text(resolve("x/${aws:PrincipalTag/cost, 'shared'}", true, &c)),
            "x/shared"
        );
        assert_eq!(
            text(resolve("${ aws:PrincipalTag/cost , 'it''s' }", true, &c)),
            "it's"
        );
        assert_eq!(
            text(resolve("${aws:username, 'nobody'}", true, &c)),
            "alice"
        );
        assert_eq!(
            resolve("x/${aws:userid}", true, &c),
            Resolved::Unknown("aws:userid".into())
        );
        assert_eq!(
            resolve("${aws:userid, 'x'}", true, &c),
            Resolved::Unknown("aws:userid".into()),
            "a default does not decide an unknown key"
        );
        assert_eq!(
            resolve("${aws:userid}/${aws:PrincipalTag/cost}", true, &c),
            Resolved::Null,
            "no value beats unknown: it matches nothing either way"
        );
        assert_eq!(
            text(resolve("${a}${b}", false, &c)),
            "${a}${b}",
            "no variables before 2012-10-17"
        );
    }

    #[test]
    fn malformed_variables_stay_text() {
        let c = context();
        assert_eq!(
            text(resolve("a${aws:username", true, &c)),
            "a${aws:username"
        );
        assert_eq!(text(resolve("a${}b", true, &c)), "a${}b");
        assert_eq!(
            text(resolve("${k, nodefault}", true, &c)),
            "${k, nodefault}"
        );
        assert_eq!(text(resolve("${a b}", true, &c)), "${a b}");
        assert_eq!(
            text(resolve("${aws:PrincipalTag/cost, 'a}b'}", true, &c)),
            "a}b",
            "a brace inside the quotes"
        );
    }
}
