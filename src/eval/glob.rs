//! Case-sensitive wildcard matching of resources (`Resource`, `NotResource`) and string and
//! ARN conditions: `*` is any run of characters (across `:` and `/`), `?` exactly one.
//!
//! A pattern can mark some of its `*` and `?` as literal text: those that came from the
//! escapes `${*}` and `${?}`, or from a policy variable's value (see `variables.rs`).
//! Action patterns, which are case-insensitive, have their own matcher in `catalog`.

use std::borrow::Cow;

/// A pattern, with which of its `*`/`?` are literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern<'a> {
    text: Cow<'a, str>,
    /// Per byte of `text`: true where a `*` or `?` is literal text. `None`: none is.
    literal: Option<Vec<bool>>,
}

/// A borrowed pattern, or a part of one (an ARN component).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glob<'p> {
    text: &'p [u8],
    literal: Option<&'p [bool]>,
}

/// Whether `text` matches the wildcard `pattern` (`*` any run, `?` one character), case
/// aside: for names, which IAM compares in any case.
pub(crate) fn matches_name(pattern: &str, text: &str) -> bool {
    Pattern::verbatim(pattern.to_lowercase())
        .glob()
        .matches(&text.to_lowercase())
}

impl<'a> Pattern<'a> {
    /// A pattern as written: every `*` and `?` a wildcard.
    pub(crate) fn verbatim(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            literal: None,
        }
    }

    /// A pattern built from parts, with `literal[i]` true where byte `i` is literal text.
    pub(crate) fn with_literals(text: String, literal: Vec<bool>) -> Self {
        debug_assert_eq!(text.len(), literal.len());
        Self {
            text: Cow::Owned(text),
            literal: Some(literal),
        }
    }

    /// The text (what an exact comparison compares).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The pattern for matching.
    pub(crate) fn glob(&self) -> Glob<'_> {
        Glob {
            text: self.text.as_bytes(),
            literal: self.literal.as_deref(),
        }
    }
}

impl<'p> Glob<'p> {
    /// The wildcard at byte `i`, if that byte is an unescaped `*` or `?`.
    fn wildcard(&self, i: usize) -> Option<u8> {
        let byte = *self.text.get(i)?;
        let literal = self.literal.is_some_and(|l| l[i]);
        (matches!(byte, b'*' | b'?') && !literal).then_some(byte)
    }

    /// True when the pattern is a lone wildcard `*`.
    pub(crate) fn is_star(&self) -> bool {
        self.text.len() == 1 && self.wildcard(0) == Some(b'*')
    }

    /// True when `text` matches, case-sensitively. The two-pointer walk that backtracks
    /// only to the last `*`; `?` takes one whole character, not one byte.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let (mut p, mut i) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while i < t.len() {
            match self.wildcard(p) {
                Some(b'*') => {
                    star = Some((p, i));
                    p += 1;
                    continue;
                }
                Some(_) => {
                    p += 1;
                    i += char_len(t[i]);
                    continue;
                }
                None if self.text.get(p) == Some(&t[i]) => {
                    p += 1;
                    i += 1;
                    continue;
                }
                None => {}
            }
            match star {
                Some((sp, si)) => {
                    let next = si + char_len(t[si]);
                    p = sp + 1;
                    i = next;
                    star = Some((sp, next));
                }
                None => return false,
            }
        }
        (p..self.text.len()).all(|q| self.wildcard(q) == Some(b'*'))
    }

    /// The pattern cut at its first `n - 1` colons into at most `n` parts (the six
    /// components of an ARN; the last keeps its colons).
    pub(crate) fn split_colons(&self, n: usize) -> Vec<Glob<'p>> {
        let mut parts = Vec::with_capacity(n);
        let mut start = 0;
        for (i, &b) in self.text.iter().enumerate() {
            if parts.len() + 1 == n {
                break;
            }
            if b == b':' {
                parts.push(self.slice(start, i));
                start = i + 1;
            }
        }
        parts.push(self.slice(start, self.text.len()));
        parts
    }

    fn slice(&self, start: usize, end: usize) -> Glob<'p> {
        Glob {
            text: &self.text[start..end],
            literal: self.literal.map(|l| &l[start..end]),
        }
    }
}

/// The length of the UTF-8 character that starts with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::verbatim(pattern).glob().matches(text)
    }

    #[test]
    fn wildcards_are_case_sensitive_and_span_separators() {
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(!m("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/"));
        assert!(!m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
        assert!(m("arn:aws:*:*:*", "arn:aws:iam::1:role/x:y"));
        assert!(m("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket"));
        assert!(!m("arn:aws:s3:::b?cket", "arn:aws:s3:::bcket"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(m("caf?", "café"), "? is one character, not one byte");
        assert!(m("*é*", "caféx"));
        assert!(!m("caf??", "café"));
    }

    #[test]
    fn literal_marks_escape_wildcards() {
        let p = Pattern::with_literals("a*?".into(), vec![false, true, false]);
        assert!(p.glob().matches("a*x"));
        assert!(!p.glob().matches("abx"));
        assert!(!p.glob().is_star());
        assert!(Pattern::verbatim("*").glob().is_star());
        assert!(
            !Pattern::with_literals("*".into(), vec![true])
                .glob()
                .is_star()
        );
    }

    #[test]
    fn arn_components() {
        let p = Pattern::verbatim("arn:aws:iam::123:role/a:b");
        let parts: Vec<String> = p
            .glob()
            .split_colons(6)
            .iter()
            .map(|g| String::from_utf8(g.text.to_vec()).unwrap())
            .collect();
        assert_eq!(parts, ["arn", "aws", "iam", "", "123", "role/a:b"]);
        assert_eq!(Pattern::verbatim("*").glob().split_colons(6).len(), 1);
    }

    fn reference(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
            Some((&c, rest)) => t
                .split_first()
                .is_some_and(|(&h, tr)| (c == '?' || c == h) && reference(rest, tr)),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_naive_matcher(p in "[aBé:*?]{0,7}", t in "[aBbé:]{0,9}") {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(m(&p, &t), reference(&pc, &tc));
        }
    }
}
