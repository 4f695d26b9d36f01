//! JSON as written: a tree whose objects keep their keys in order (and repeats, which the
//! policy reader rejects), read through our own serde visitor and written by hand.
//!
//! serde_json is built without `preserve_order`, so its `Value` sorts keys; a policy's
//! condition operators and keys would come back reordered. This tree is private to the
//! policy module: the model (`document.rs`) is what the rest of trailcut sees.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::PolicyError;
use crate::nesting::MAX_DEPTH;

/// A JSON value with ordered object members.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    /// The number's literal, as written (serde_json has checked its syntax).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Reads JSON text; a syntax error is reported at `$` with serde_json's line and column,
    /// nesting past [`MAX_DEPTH`] at the path of the first value too deep, before anything
    /// is built (the reader below recurses once per level).
    pub(super) fn from_text(text: &str) -> Result<Self, PolicyError> {
        crate::nesting::check(text.as_bytes(), MAX_DEPTH).map_err(|e| PolicyError {
            path: e.path,
            message: format!("nested deeper than {} levels", e.limit),
        })?;
        serde_json::from_str(text).map_err(|e| PolicyError {
            path: "$".to_owned(),
            message: format!("invalid JSON: {e}"),
        })
    }

    /// Converts a `serde_json::Value`, whose objects are already sorted by key.
    pub(super) fn from_value(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.to_string()),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(items) => Json::Array(items.iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Json::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// What kind of value this is, for error messages (`a string`, `an array`).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The text, compact (`{"a":1}`) or pretty (serde_json's pretty layout: two-space
    /// indent, `"key": value`, one member or item per line, `[]` and `{}` when empty).
    pub(super) fn to_text(&self, pretty: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, pretty.then_some(0));
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_string(out, s),
            Json::Array(items) => {
                write_members(out, indent, '[', ']', items, |out, item, indent| {
                    item.write(out, indent)
                })
            }
            Json::Object(members) => write_members(
                out,
                indent,
                '{',
                '}',
                members,
                |out, (key, value), indent| {
                    write_string(out, key);
                    out.push_str(if indent.is_some() { ": " } else { ":" });
                    value.write(out, indent);
                },
            ),
        }
    }
}

/// Writes a bracketed, comma-separated sequence; `indent` is the current depth when pretty.
fn write_members<T>(
    out: &mut String,
    indent: Option<usize>,
    open: char,
    close: char,
    members: &[T],
    mut write: impl FnMut(&mut String, &T, Option<usize>),
) {
    out.push(open);
    let inner = indent.map(|depth| depth + 1);
    for (index, member) in members.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if let Some(depth) = inner {
            newline(out, depth);
        }
        write(out, member, inner);
    }
    if let Some(depth) = indent.filter(|_| !members.is_empty()) {
        newline(out, depth);
    }
    out.push(close);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n("  ", depth));
}

/// A JSON string literal, escaped as serde_json does: `"` and `\`, and control characters
/// as `\n`-style or `\u00XX` escapes; everything else verbatim (UTF-8).
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// Reads an array item or object member: as raw text first, so that a number keeps the
/// digits it was written with. serde_json (without `arbitrary_precision` and
/// `float_roundtrip`) hands a visitor an `f64` parsed to within an ulp, which would make
/// `1.5e29` drift on every read and write. Objects and arrays inside are read again from
/// their raw text, borrowed from the input (no copies), which costs a policy's depth in
/// re-reads: bounded by `from_text`'s depth check, as is the recursion.
fn member<E: de::Error>(raw: &serde_json::value::RawValue) -> Result<Json, E> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{' | b'[') => serde_json::from_str(text).map_err(E::custom),
        Some(b'"') => serde_json::from_str(text)
            .map(Json::String)
            .map_err(E::custom),
        Some(b't') => Ok(Json::Bool(true)),
        Some(b'f') => Ok(Json::Bool(false)),
        Some(b'n') => Ok(Json::Null),
        // serde_json has checked the number's syntax.
        _ => Ok(Json::Number(text.to_owned())),
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    // The scalars below arrive only for a top-level value; members go through `member`.

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.to_string()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.to_string()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Number(n.to_string()))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            items.push(member(raw)?);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, raw)) = map.next_entry::<String, &'de serde_json::value::RawValue>()? {
            members.push((key, member(raw)?));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn keeps_key_order_and_repeats() {
        let json = Json::from_text(r#"{"b": 1, "a": [true, null, "x"], "b": {}}"#).unwrap();
        let Json::Object(members) = &json else {
            panic!("{json:?}")
        };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(json.to_text(false), r#"{"b":1,"a":[true,null,"x"],"b":{}}"#);
    }

    #[test]
    fn pretty_layout_is_serde_jsons() {
        let text = r#"{"z": [1, 2.5, -3, {"k": []}], "a": {}, "s": "é\"\\\n\u0001"}"#;
        let ours = Json::from_text(text).unwrap().to_text(true);
        // serde_json sorts keys, so compare with an already sorted input.
        let sorted = Json::from_value(&serde_json::from_str(text).unwrap());
        let theirs =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(text).unwrap())
                .unwrap();
        assert_eq!(sorted.to_text(true), theirs);
        assert!(
            ours.starts_with("{\n  \"z\": [\n    1,\n    2.5,"),
            "{ours}"
        );
    }

    #[test]
    fn syntax_errors_are_at_the_root() {
        let err = Json::from_text("{\"a\": }").unwrap_err();
        assert_eq!(err.path, "$");
        assert!(err.message.starts_with("invalid JSON: "), "{err}");
    }

    /// Issue 18, finding 6: a policy whose condition nested 20,000 deep overflowed the
    /// stack, and 100,000 levels cost gigabytes before that.
    #[test]
    fn deep_nesting_is_refused_with_its_path() {
        for levels in [20_000, 100_000] {
            let text = format!(
                r#"{{"Statement": {{"Effect": "Allow", "Action": "*", "Condition": {{"StringEquals": {{"k": {}"v"{}}}}}}}}}"#,
                "[".repeat(levels),
                "]".repeat(levels)
            );
            let err = Json::from_text(&text).unwrap_err();
            // Four objects, then arrays up to the limit.
            let arrays = MAX_DEPTH - 4;
            assert_eq!(
                err.path,
                format!(
                    "$.Statement.Condition.StringEquals.k{}",
                    "[0]".repeat(arrays)
                )
            );
            assert_eq!(err.message, "nested deeper than 64 levels");
        }
        // At the limit, the tree is read (and dropped) without trouble.
        let at_limit = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Json::from_text(&at_limit).is_ok());
    }

    proptest! {
        #[test]
        fn strings_are_escaped_like_serde_json(s in any::<String>()) {
            let mut ours = String::new();
            write_string(&mut ours, &s);
            prop_assert_eq!(ours, serde_json::to_string(&s).unwrap());
        }
    }
}
