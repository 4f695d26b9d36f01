//! The raw JSON of an event (`requestParameters`, `responseElements`,
//! `additionalEventData`) as every rule reads it: [`EventJson`] parses each part at most
//! once, on first use, into a borrowed [`Json`] tree, and [`Json`] has the one way of
//! finding a value by path that the resource rules and the dependent-action triggers share.
//!
//! The path rule: keys are dot-separated and matched in any case (the first key that
//! matches, with the value of its last occurrence when the object repeats it, as
//! `serde_json::Value` answered); [`Json::each_at`] walks through arrays on the way and at
//! the end, [`Json::get`] follows objects only and so finds one value.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The raw JSON parts of one event, each parsed at most once and only when a rule reads it.
#[derive(Debug, Default)]
pub struct EventJson<'a> {
    request_text: Option<&'a str>,
    response_text: Option<&'a str>,
    additional_text: Option<&'a str>,
    request: OnceCell<Json<'a>>,
    response: OnceCell<Json<'a>>,
}

impl<'a> EventJson<'a> {
    /// The event's `requestParameters`, `responseElements` and `additionalEventData`, as
    /// JSON text.
    pub fn new(
        request: Option<&'a str>,
        response: Option<&'a str>,
        additional: Option<&'a str>,
    ) -> Self {
        Self {
            request_text: request,
            response_text: response,
            additional_text: additional,
            request: OnceCell::new(),
            response: OnceCell::new(),
        }
    }

    /// `requestParameters`, parsed (`Null` when absent or not JSON).
    pub fn request(&self) -> &Json<'a> {
        self.request.get_or_init(|| Json::parse(self.request_text))
    }

    /// `responseElements`, parsed (`Null` when absent or not JSON).
    pub fn response(&self) -> &Json<'a> {
        self.response
            .get_or_init(|| Json::parse(self.response_text))
    }

    /// Whether the request, the response or the additional data holds `needle` anywhere
    /// in its text: for markers such as `aws:kms` that may sit under any key. Parses
    /// nothing.
    pub fn mentions(&self, needle: &str) -> bool {
        [self.request_text, self.response_text, self.additional_text]
            .into_iter()
            .flatten()
            .any(|text| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some())
    }
}

/// JSON parsed as the rules read it: strings borrowed from the event's text where they
/// carry no escapes, objects as their members in document order. Parsing into
/// `serde_json::Value` allocated a `String` per key and string and built a map per object,
/// for rules that read one or two keys; this tree allocates only its lists.
#[derive(Debug, Default, PartialEq)]
pub enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    /// No rule reads a number's value.
    Number,
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// `text` parsed, or `Null` when it is not JSON (or nests past the parser's limit).
    pub fn parse(text: Option<&'a str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The member `key` of an object, in any case: the first key that matches, with the
    /// value of its last occurrence when the object repeats it.
    pub fn field(&self, key: &str) -> Option<&Json<'a>> {
        let Json::Object(members) = self else {
            return None;
        };
        let (first, _) = members.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?;
        members
            .iter()
            .rev()
            .find(|(k, _)| k == first)
            .map(|(_, v)| v)
    }

    /// The value at `path` (dot-separated keys) through objects only.
    pub fn get(&self, path: &str) -> Option<&Json<'a>> {
        path.split('.')
            .try_fold(self, |value, key| value.field(key))
    }

    /// The values of an object, one per key (the last where a key repeats); nothing for
    /// anything else.
    pub fn values(&self) -> Vec<&Json<'a>> {
        let Json::Object(members) = self else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        let mut out: Vec<&Json<'a>> = members
            .iter()
            .rev()
            .filter(|(k, _)| seen.insert(k.as_ref()))
            .map(|(_, v)| v)
            .collect();
        out.reverse();
        out
    }

    /// Calls `f` with each value at `path` (dot-separated keys; empty for this value),
    /// walking through arrays on the way and at the end, so that `f` never sees an array.
    pub fn each_at<'v>(&'v self, path: &str, f: &mut dyn FnMut(&'v Json<'a>)) {
        match self {
            Json::Array(items) => items.iter().for_each(|item| item.each_at(path, f)),
            _ if path.is_empty() => f(self),
            Json::Object(_) => {
                let (head, rest) = path.split_once('.').unwrap_or((path, ""));
                if let Some(next) = self.field(head) {
                    next.each_at(rest, f);
                }
            }
            _ => {}
        }
    }

    /// Every non-empty string at `path`, in document order.
    pub fn strings_at<'v>(&'v self, path: &str, out: &mut Vec<&'v str>) {
        self.each_at(path, &mut |value| {
            if let Some(s) = value.as_str().filter(|s| !s.is_empty()) {
                out.push(s);
            }
        });
    }

    /// Whether any value at `path` is set: not null, `false`, an empty string or an empty
    /// object. A flag such as `EnableIAMDatabaseAuthentication` is set when true.
    pub fn is_set_at(&self, path: &str) -> bool {
        let mut set = false;
        self.each_at(path, &mut |value| {
            set |= match value {
                Json::Null | Json::Bool(false) => false,
                Json::Str(s) => !s.is_empty(),
                Json::Object(members) => !members.is_empty(),
                _ => true,
            }
        });
        set
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Json<'de>, E> {
                Ok(Json::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Json<'de>, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json<'de>, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Json<'de>, E> {
                Ok(Json::Number)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Json<'de>, E> {
                Ok(Json::Number)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Json<'de>, E> {
                Ok(Json::Number)
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Json<'de>>()? {
                    let Json::Str(key) = key else {
                        return Err(de::Error::custom("an object key that is not a string"));
                    };
                    members.push((key, map.next_value()?));
                }
                Ok(Json::Object(members))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings<'v>(json: &'v Json<'_>, path: &str) -> Vec<&'v str> {
        let mut out = Vec::new();
        json.strings_at(path, &mut out);
        out
    }

    #[test]
    fn keys_match_in_any_case_first_key_last_value() {
        let json = Json::parse(Some(r#"{"RoleArn":"a","x":1,"RoleArn":"b","rolearn":"c"}"#));
        assert_eq!(json.field("roleArn").and_then(Json::as_str), Some("b"));
        assert_eq!(json.get("ROLEARN").and_then(Json::as_str), Some("b"));
        assert_eq!(json.values().len(), 3, "one value per distinct key");
        assert_eq!(json.field("missing"), None);
        assert_eq!(Json::parse(Some("not json")), Json::Null);
        assert_eq!(Json::parse(None), Json::Null);
    }

    #[test]
    fn paths_walk_arrays_on_the_way_and_at_the_end() {
        let json = Json::parse(Some(
            r#"{"items":[{"id":"i-1"},{"id":["i-2",""]},{"other":"x"}],
                "nested":{"a":{"b":"deep"}},"escaped":"a\"b"}"#,
        ));
        assert_eq!(strings(&json, "items.id"), ["i-1", "i-2"]);
        assert_eq!(strings(&json, "Nested.A.b"), ["deep"]);
        assert_eq!(strings(&json, "escaped"), ["a\"b"]);
        assert!(strings(&json, "items.id.more").is_empty());
        assert_eq!(json.get("nested.a.b").and_then(Json::as_str), Some("deep"));
        assert_eq!(json.get("items.id"), None, "get does not walk arrays");
    }

    #[test]
    fn set_means_a_value_a_flag_would_act_on() {
        let json = Json::parse(Some(
            r#"{"s":"x","empty":"","null":null,"no":false,"yes":true,"n":0,
                "obj":{},"full":{"k":1},"list":[null,""],"list2":[null,"v"]}"#,
        ));
        for path in ["s", "yes", "n", "full", "list2", "full.k"] {
            assert!(json.is_set_at(path), "{path}");
        }
        for path in ["empty", "null", "no", "obj", "list", "absent", "s.k"] {
            assert!(!json.is_set_at(path), "{path}");
        }
    }

    #[test]
    fn each_part_is_parsed_on_first_use_and_markers_need_no_parse() {
        let json = EventJson::new(
            Some(r#"{"key":"k"}"#),
            Some(r#"{"x-amz-server-side-encryption":"aws:kms"}"#),
            None,
        );
        assert!(json.mentions("aws:kms"));
        assert!(!json.mentions("AES256"));
        assert!(json.request.get().is_none() && json.response.get().is_none());
        assert_eq!(json.request().get("key").and_then(Json::as_str), Some("k"));
        assert!(json.response.get().is_none());
    }
}
