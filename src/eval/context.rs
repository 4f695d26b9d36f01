//! The request context: condition keys and their values as the evaluator sees them.
//!
//! A key is in one of three states: known with its values, known to be absent from the
//! request, or unknown (not in the context at all). The third is what evidence from
//! CloudTrail often leaves: the evaluator then says "undetermined" rather than guess.
//! Which keys a real request carries is the caller's business, not this file's.

use std::collections::BTreeMap;

/// What the context knows of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// The request carries the key with these values (one for a single-valued key). An
    /// empty list is treated as [`ContextValue::Absent`].
    Known(Vec<String>),
    /// The request does not carry the key.
    Absent,
}

/// Condition keys and their values; keys compare ignoring case, as IAM compares them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Lower-cased key -> (key as first set, value).
    entries: BTreeMap<String, (String, ContextValue)>,
}

impl Context {
    /// An empty context: every key unknown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the request carries `key` with `values` (replacing what was known).
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.insert(key, ContextValue::Known(values));
    }

    /// Records that the request does not carry `key`.
    pub fn set_absent(&mut self, key: &str) {
        self.insert(key, ContextValue::Absent);
    }

    /// [`Context::set`], by value, for building a context in one expression.
    pub fn with(mut self, key: &str, values: &[&str]) -> Self {
        self.set(key, values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// [`Context::set_absent`], by value.
    pub fn with_absent(mut self, key: &str) -> Self {
        self.set_absent(key);
        self
    }

    /// What is known of `key` (any case); `None` when it is unknown.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .get(&key.to_lowercase())
            .map(|(_, value)| value)
    }

    /// The keys known (present or absent), as first written, sorted ignoring case.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(|(key, _)| key.as_str())
    }

    /// How many keys are known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The values of `key` when the request carries it with at least one value:
    /// `Some(Some(values))`; `Some(None)` when it is absent; `None` when unknown.
    pub(crate) fn values(&self, key: &str) -> Option<Option<&[String]>> {
        match self.get(key)? {
            ContextValue::Known(values) if !values.is_empty() => Some(Some(values)),
            ContextValue::Known(_) | ContextValue::Absent => Some(None),
        }
    }

    fn insert(&mut self, key: &str, value: ContextValue) {
        let lower = key.to_lowercase();
        match self.entries.get_mut(&lower) {
            Some(entry) => entry.1 = value,
            None => {
                self.entries.insert(lower, (key.to_owned(), value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_have_three_states() {
        let mut context = Context::new()
            .with("aws:SourceIp", &["10.0.0.1"])
            .with_absent("aws:username");
        assert_eq!(
            context.get("AWS:SOURCEIP"),
            Some(&ContextValue::Known(vec!["10.0.0.1".to_owned()]))
        );
        assert_eq!(context.get("aws:UserName"), Some(&ContextValue::Absent));
        assert_eq!(context.get("aws:userid"), None);
        assert_eq!(context.values("aws:username"), Some(None));
        assert_eq!(context.values("aws:userid"), None);
        context.set("AWS:USERNAME", vec![]);
        assert_eq!(
            context.values("aws:username"),
            Some(None),
            "empty is absent"
        );
        context.set("aws:username", vec!["alice".into()]);
        assert_eq!(
            context.keys().collect::<Vec<_>>(),
            ["aws:SourceIp", "aws:username"],
            "the first spelling stays"
        );
        assert_eq!(context.len(), 2);
        assert!(!context.is_empty());
    }
}
