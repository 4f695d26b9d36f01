//! Patterns that name nothing: `nosuchservice:Foo`, a misspelt `s3:GetObjet`, `s3:Gett*`.
//! IAM accepts them in a policy and they grant nothing, so a typo silently takes a
//! permission away (or, in a `NotAction`, grants one): callers warn with what this finds,
//! and the catalogue's closest name when one is a small edit away.
//!
//! Suggestions are cheap by construction: a literal action is compared with the actions
//! of its own service (a few hundred at most), a wildcard pattern is tried with single
//! edits, an unknown service prefix with the catalogue's prefixes.

use super::{ActionCatalog, ActionPattern};
use crate::nearest::closest;

/// A pattern that matches no action of the catalogue, and what it may have meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch {
    /// The pattern as written.
    pub pattern: String,
    /// The service prefix when the catalogue has no such service.
    pub unknown_service: Option<String>,
    /// A close name or pattern that does match, when one is near.
    pub suggestion: Option<String>,
    /// The catalogue's date: an action newer than it is unknown too.
    pub catalog_date: String,
}

impl std::fmt::Display for NoMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let literal = !self.pattern.contains(['*', '?']);
        if literal {
            write!(f, "`{}` is not an action", self.pattern)?;
        } else {
            write!(f, "`{}` matches no action", self.pattern)?;
        }
        write!(f, " in the catalogue of {}", self.catalog_date)?;
        if let Some(service) = &self.unknown_service {
            write!(f, ": no service `{service}`")?;
        }
        if let Some(suggestion) = &self.suggestion {
            write!(f, " (did you mean `{suggestion}`?)")?;
        }
        Ok(())
    }
}

impl ActionCatalog {
    /// True when `pattern` matches at least one action.
    pub fn matches_any(&self, pattern: &ActionPattern) -> bool {
        match pattern.literal_service() {
            Some(prefix) => self
                .service_actions(prefix)
                .iter()
                .any(|a| pattern.matches(&a.name)),
            None => self.actions.iter().any(|a| pattern.matches(&a.name)),
        }
    }

    /// `None` when `pattern` matches some action; otherwise why not, with a suggestion
    /// when a close name exists.
    pub fn no_match(&self, pattern: &ActionPattern) -> Option<NoMatch> {
        if self.matches_any(pattern) {
            return None;
        }
        let text = pattern.as_str();
        let (prefix, name) = text.split_once(':').unwrap_or(("", text));
        let known_service = pattern
            .literal_service()
            .is_some_and(|p| self.service(p).is_some());
        let unknown_service =
            (pattern.literal_service().is_some() && !known_service).then(|| prefix.to_owned());
        let suggestion = if pattern.literal_service().is_none() {
            None
        } else if known_service {
            self.near_in_service(prefix, name, pattern.is_literal())
        } else {
            self.near_service(prefix)
                .and_then(|service| self.near_in_service(service, name, pattern.is_literal()))
        };
        Some(NoMatch {
            pattern: text.to_owned(),
            unknown_service,
            suggestion,
            catalog_date: self.info().date().to_owned(),
        })
    }

    /// The closest service prefix to an unknown one, a small edit away.
    fn near_service(&self, prefix: &str) -> Option<&str> {
        let prefix = prefix.to_ascii_lowercase();
        closest(
            &prefix,
            self.services.iter().map(|s| s.prefix.as_str()),
            |p| p.to_ascii_lowercase(),
        )
    }

    /// Within one service: the closest action to a literal name, or a single edit of a
    /// wildcard pattern's name that matches something.
    fn near_in_service(&self, service: &str, name: &str, literal: bool) -> Option<String> {
        let actions = self.service_actions(service);
        if literal {
            let name = name.to_ascii_lowercase();
            return closest(&name, actions.iter(), |a| {
                a.short_name().to_ascii_lowercase()
            })
            .map(|a| a.name.clone());
        }
        let service = actions.first()?.service();
        one_edit(name).find_map(|candidate| {
            let pattern = ActionPattern::parse(&format!("{service}:{candidate}")).ok()?;
            actions
                .iter()
                .any(|a| pattern.matches(&a.name))
                .then(|| pattern.as_str().to_owned())
        })
    }
}

/// Every single edit of a pattern's name that leaves its wildcards alone: deletions,
/// adjacent transpositions, then substitutions and insertions of a letter or digit.
fn one_edit(name: &str) -> impl Iterator<Item = String> + '_ {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = name.as_bytes();
    let plain = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    let edit = move |i: usize, replace: usize, with: &[u8]| {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.extend_from_slice(&bytes[..i]);
        out.extend_from_slice(with);
        out.extend_from_slice(&bytes[i + replace..]);
        String::from_utf8(out).ok()
    };
    let deletions = (0..bytes.len())
        .filter(move |&i| plain(i))
        .filter_map(move |i| edit(i, 1, &[]));
    let swaps = (1..bytes.len())
        .filter(move |&i| plain(i - 1) && plain(i) && bytes[i - 1] != bytes[i])
        .filter_map(move |i| edit(i - 1, 2, &[bytes[i], bytes[i - 1]]));
    let substitutions = (0..bytes.len())
        .filter(move |&i| plain(i))
        .flat_map(move |i| {
            ALPHABET
                .iter()
                .filter(move |&&c| !bytes[i].eq_ignore_ascii_case(&c))
                .filter_map(move |&c| edit(i, 1, &[c]))
        });
    let insertions =
        (0..=bytes.len()).flat_map(move |i| ALPHABET.iter().filter_map(move |&c| edit(i, 0, &[c])));
    deletions
        .chain(swaps)
        .chain(substitutions)
        .chain(insertions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_match(text: &str) -> Option<NoMatch> {
        ActionCatalog::embedded().no_match(&ActionPattern::parse(text).unwrap())
    }

    #[test]
    fn known_actions_and_patterns_match() {
        for text in [
            "s3:GetObject",
            "S3:getobject",
            "s3:Get*",
            "*",
            "*:Decrypt",
            "ec2:?escribe*",
        ] {
            assert_eq!(no_match(text), None, "{text}");
        }
    }

    #[test]
    fn misspelt_actions_get_the_catalogues_spelling() {
        let found = no_match("s3:GetObjet").unwrap();
        assert_eq!(found.suggestion.as_deref(), Some("s3:GetObject"));
        assert_eq!(found.unknown_service, None);
        let text = found.to_string();
        assert!(
            text.starts_with("`s3:GetObjet` is not an action in the catalogue of ")
                && text.ends_with(" (did you mean `s3:GetObject`?)"),
            "{text}"
        );
        assert_eq!(
            no_match("iam:PasRole").unwrap().suggestion.as_deref(),
            Some("iam:PassRole")
        );
        // Too far from anything: no guess.
        assert_eq!(no_match("s3:Frobnicate").unwrap().suggestion, None);
    }

    #[test]
    fn unknown_services_are_named() {
        let found = no_match("nosuchservice:Foo").unwrap();
        assert_eq!(found.unknown_service.as_deref(), Some("nosuchservice"));
        assert_eq!(found.suggestion, None);
        assert!(
            found.to_string().contains(": no service `nosuchservice`"),
            "{found}"
        );
        // A prefix one edit from a real one, with an action that exists there.
        let found = no_match("s4:GetObject").unwrap();
        assert_eq!(found.suggestion.as_deref(), Some("s3:GetObject"));
    }

    #[test]
    fn wildcard_patterns_matching_nothing_get_a_single_edit() {
        let found = no_match("s3:Gett*").unwrap();
        assert_eq!(found.suggestion.as_deref(), Some("s3:Get*"));
        assert!(
            found
                .to_string()
                .starts_with("`s3:Gett*` matches no action"),
            "{found}"
        );
        assert_eq!(no_match("s3:Zzzzzzzz*").unwrap().suggestion, None);
        // No literal service: nothing cheap to suggest.
        assert_eq!(no_match("*:Zzzzzzzz").unwrap().suggestion, None);
    }
}
