//! Action patterns as IAM policies write them: `s3:GetObject`, `s3:Get*`, `iam:*Policy*`,
//! `ec2:Describe?pcs`, `*`. Matching is case-insensitive, `*` is any run of characters
//! (including none) and `?` exactly one, as in IAM's own evaluation.

/// A parsed action pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionPattern {
    /// The pattern as written.
    text: String,
    /// Lower-cased, for matching.
    lower: Vec<u8>,
    /// The lower-cased service prefix, when it has no wildcard.
    service: Option<String>,
}

/// Why a pattern is not an action pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Empty, or only whitespace.
    #[error("empty action pattern")]
    Empty,
    /// No `service:` part and not `*`.
    #[error("action pattern `{0}` has no service prefix (expected `service:action` or `*`)")]
    NoService(String),
}

impl ActionPattern {
    /// Parses a pattern; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PatternError::Empty);
        }
        let service = match text.split_once(':') {
            Some((service, _)) => {
                (!service.contains(['*', '?'])).then(|| service.to_ascii_lowercase())
            }
            None if text.chars().all(|c| c == '*') => None,
            None => return Err(PatternError::NoService(text.to_owned())),
        };
        Ok(Self {
            text: text.to_owned(),
            lower: text.to_ascii_lowercase().into_bytes(),
            service,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The service prefix, lower-cased, when the pattern names exactly one.
    pub fn literal_service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// True when the pattern contains no wildcard.
    pub fn is_literal(&self) -> bool {
        !self.lower.iter().any(|&b| b == b'*' || b == b'?')
    }

    /// True when `action` (`service:Name`, any case) matches.
    pub fn matches(&self, action: &str) -> bool {
        glob_match(&self.lower, action.as_bytes())
    }
}

impl std::fmt::Display for ActionPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Case-insensitive glob match of `text` against a lower-cased `pattern`, in linear time
/// for a single `*` and O(n·m) at worst: the classic two-pointer walk that backtracks
/// only to the last `*`.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t].to_ascii_lowercase() => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn m(pattern: &str, action: &str) -> bool {
        ActionPattern::parse(pattern).unwrap().matches(action)
    }

    #[test]
    fn wildcards() {
        assert!(m("s3:GetObject", "s3:GetObject"));
        assert!(m("s3:getobject", "S3:GetObject"));
        assert!(m("s3:Get*", "s3:GetObject"));
        assert!(m("s3:Get*", "s3:Get"));
        assert!(!m("s3:Get*", "s3:PutObject"));
        assert!(!m("s3:Get*", "s3x:GetObject"));
        assert!(m("iam:*Policy*", "iam:AttachUserPolicy"));
        assert!(m("iam:*Policy*", "iam:ListPolicyVersions"));
        assert!(!m("iam:*Policy*", "iam:PassRole"));
        assert!(m("ec2:?escribe*", "ec2:DescribeVpcs"));
        assert!(!m("ec2:?", "ec2:"));
        assert!(m("*", "kms:Decrypt"));
        assert!(m("*:Decrypt", "kms:Decrypt"));
        assert!(m("s3:*Object*Tag*", "s3:GetObjectVersionTagging"));
        assert!(
            !m("s3:GetObject", "s3:GetObjectAcl"),
            "no implicit trailing wildcard"
        );
    }

    #[test]
    fn parse_errors_and_service() {
        assert_eq!(ActionPattern::parse("  "), Err(PatternError::Empty));
        assert!(matches!(
            ActionPattern::parse("GetObject"),
            Err(PatternError::NoService(_))
        ));
        assert_eq!(
            ActionPattern::parse("S3:Get*").unwrap().literal_service(),
            Some("s3")
        );
        assert_eq!(ActionPattern::parse("*").unwrap().literal_service(), None);
        assert_eq!(
            ActionPattern::parse("s*:Get").unwrap().literal_service(),
            None
        );
        assert!(ActionPattern::parse("s3:GetObject").unwrap().is_literal());
        assert!(!ActionPattern::parse("s3:Get?bject").unwrap().is_literal());
    }

    /// The matcher agrees with a regular-expression translation of the same pattern.
    fn reference(pattern: &str, text: &str) -> bool {
        fn rec(p: &[u8], t: &[u8]) -> bool {
            match p.split_first() {
                None => t.is_empty(),
                Some((b'*', rest)) => (0..=t.len()).any(|i| rec(rest, &t[i..])),
                Some((&c, rest)) => t
                    .split_first()
                    .is_some_and(|(&h, tr)| (c == b'?' || c == h) && rec(rest, tr)),
            }
        }
        rec(
            pattern.to_ascii_lowercase().as_bytes(),
            text.to_ascii_lowercase().as_bytes(),
        )
    }

    proptest! {
        #[test]
        fn agrees_with_a_naive_matcher(p in "[ab*?]{0,6}", t in "[abAB]{0,8}") {
            let pattern = format!("s:{p}");
            let text = format!("s:{t}");
            prop_assert_eq!(
                ActionPattern::parse(&pattern).unwrap().matches(&text),
                reference(&pattern, &text)
            );
        }
    }
}
