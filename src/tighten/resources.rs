//! Resource level: each kept action's `Resource` narrowed to the resources its calls used.
//!
//! The observed ARNs are written as policy text (a `*`, `?` or `$` in a name escaped as
//! `${*}`, `${?}`, `${$}`). Past `max_arns` distinct ARNs for one action, ARNs that share
//! everything up to their resource's first component (the bucket of an object, a log
//! group's type, a table's type) in the same partition, service, region and account are
//! generalised to their longest common prefix cut at a `/` or `:` boundary, plus `*`:
//! never across a bucket, an account or a region.
//!
//! A narrowed pattern must sit inside the statement's own `Resource` (checked by glob
//! inclusion): a rewrite never reaches a resource the original did not.

use std::collections::{BTreeMap, BTreeSet};

use super::Evidence;

/// The resources one action's calls used in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResourceUse {
    /// Each derived ARN with its evidence.
    pub arns: BTreeMap<String, Evidence>,
    /// Calls whose resources the event does not name well enough.
    pub underivable: u64,
    /// Calls of an action that supports no resource-level permission.
    pub not_scoped: u64,
}

impl ResourceUse {
    /// Adds `other`.
    pub fn merge(&mut self, other: &ResourceUse) {
        for (arn, evidence) in &other.arns {
            self.arns.entry(arn.clone()).or_default().merge(evidence);
        }
        self.underivable += other.underivable;
        self.not_scoped += other.not_scoped;
    }

    /// Whether every call's resources are known: the action can be narrowed.
    pub fn complete(&self) -> bool {
        !self.arns.is_empty() && self.underivable == 0 && self.not_scoped == 0
    }
}

/// How one action's `Resource` was decided, for the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResourceChoice {
    /// The patterns written (the statement's own when not narrowed).
    pub written: Vec<String>,
    /// Distinct ARNs observed.
    pub observed: usize,
    /// Up to [`SHOWN`] of them.
    pub examples: Vec<String>,
    /// Patterns that stand for more than one observed ARN.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generalised: Vec<String>,
    /// Why the statement's own `Resource` was kept, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_because: Option<String>,
}

/// ARNs listed per action in the plan.
pub const SHOWN: usize = 10;

/// A literal ARN as policy text.
pub fn escape(arn: &str) -> String {
    let mut out = String::with_capacity(arn.len());
    for c in arn.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// The patterns that cover `arns` (sorted, distinct): the ARNs themselves up to
/// `max_arns`, else generalised group by group. Returns the patterns and those that stand
/// for more than one ARN.
pub fn generalise(arns: &BTreeSet<String>, max_arns: usize) -> (Vec<String>, Vec<String>) {
    if arns.len() <= max_arns {
        return (arns.iter().map(|a| escape(a)).collect(), Vec::new());
    }
    // Finer first: one pattern per first component under the group (`bucket/data/*`,
    // `log-group:/aws/*`); if that is still too many, one per group.
    let fine = generalise_by(arns, |arn| first_component(arn, group_key(arn)));
    if fine.0.len() <= max_arns {
        return fine;
    }
    generalise_by(arns, group_key)
}

fn generalise_by<'a>(
    arns: &'a BTreeSet<String>,
    key_of: impl Fn(&'a str) -> &'a str,
) -> (Vec<String>, Vec<String>) {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for arn in arns {
        groups.entry(key_of(arn)).or_default().push(arn);
    }
    let mut patterns = BTreeSet::new();
    let mut generalised = Vec::new();
    for (key, members) in groups {
        if let [one] = members.as_slice() {
            patterns.insert(escape(one));
            continue;
        }
        let prefix = common_prefix(&members);
        // Cut at the last `/` or `:` past the group's key, so that a pattern names a
        // whole path component.
        let cut = prefix[key.len()..]
            .rfind(['/', ':'])
            .map_or(key.len(), |i| key.len() + i + 1);
        let pattern = format!("{}*", escape(&prefix[..cut]));
        generalised.push(pattern.clone());
        patterns.insert(pattern);
    }
    (patterns.into_iter().collect(), generalised)
}

/// `key` and the first component after it, with its separator (`/aws/` of
/// `log-group:/aws/lambda/f`); `arn` itself when nothing follows.
fn first_component<'a>(arn: &'a str, key: &str) -> &'a str {
    let rest = &arn[key.len()..];
    let skip = rest.len() - rest.trim_start_matches(['/', ':']).len();
    match rest[skip..].find(['/', ':']) {
        Some(i) => &arn[..key.len() + skip + i + 1],
        None => arn,
    }
}

/// What ARNs must share to be generalised together: partition, service, region, account
/// and the resource's first component with its separator (`bucket/`, `table/`,
/// `log-group:`); the whole ARN when it has no separator (a bucket, a queue).
fn group_key(arn: &str) -> &str {
    let mut colons = arn.match_indices(':').map(|(i, _)| i);
    let Some(resource_start) = colons.nth(4).map(|i| i + 1) else {
        return arn;
    };
    match arn[resource_start..].find(['/', ':']) {
        Some(i) => &arn[..resource_start + i + 1],
        None => arn,
    }
}

fn common_prefix<'a>(items: &[&'a str]) -> &'a str {
    let first = items[0];
    let mut len = first.len();
    for item in &items[1..] {
        len = first
            .bytes()
            .zip(item.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    &first[..len]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Star,
    One,
    Char(char),
}

/// Policy text as tokens: `*` and `?` wildcards, the escapes as literal characters.
/// `None` for a pattern with a policy variable, which is not compared.
fn tokens(pattern: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let (inner, tail) = after.split_once('}')?;
            match inner {
                "*" => out.push(Token::Char('*')),
                "?" => out.push(Token::Char('?')),
                "$" => out.push(Token::Char('$')),
                _ => return None,
            }
            rest = tail;
            continue;
        }
        out.push(match c {
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Char(c),
        });
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// Whether `pattern` holds a policy variable (other than the escapes `${*}`, `${?}`,
/// `${$}`), whose value only a request knows.
pub fn has_variables(pattern: &str) -> bool {
    tokens(pattern).is_none()
}

/// Whether every resource `inner` matches is matched by `outer` (sound, not complete: a
/// `false` may be a pair it cannot prove). Case-sensitive, as resources are.
pub fn covers(outer: &str, inner: &str) -> bool {
    if outer == inner {
        return true;
    }
    let (Some(o), Some(p)) = (tokens(outer), tokens(inner)) else {
        return false;
    };
    // table[i][j]: o[i..] covers p[j..].
    let mut table = vec![vec![false; p.len() + 1]; o.len() + 1];
    table[o.len()][p.len()] = true;
    for i in (0..o.len()).rev() {
        for j in (0..=p.len()).rev() {
            table[i][j] = match o[i] {
                Token::Star => table[i + 1][j] || (j < p.len() && table[i][j + 1]),
                Token::One => j < p.len() && p[j] != Token::Star && table[i + 1][j + 1],
                Token::Char(c) => j < p.len() && p[j] == Token::Char(c) && table[i + 1][j + 1],
            };
        }
    }
    table[0][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn few_arns_are_written_as_they_are() {
        let arns = set(&["arn:aws:s3:::b/a*b", "arn:aws:s3:::b/c"]);
        let (patterns, generalised) = generalise(&arns, 20);
        assert_eq!(patterns, ["arn:aws:s3:::b/a${*}b", "arn:aws:s3:::b/c"]);
        assert!(generalised.is_empty());
    }

    #[test]
    fn objects_generalise_per_bucket_to_their_common_folder() {
        let arns = set(&[
            "arn:aws:s3:::data/2026/05/a.json",
            "arn:aws:s3:::data/2026/06/b.json",
            "arn:aws:s3:::logs/x",
            "arn:aws:s3:::logs/y",
            "arn:aws:s3:::only/one",
        ]);
        let (patterns, generalised) = generalise(&arns, 2);
        assert_eq!(
            patterns,
            [
                "arn:aws:s3:::data/2026/*",
                "arn:aws:s3:::logs/*",
                "arn:aws:s3:::only/one"
            ]
        );
        assert_eq!(generalised.len(), 2);
        // Buckets are never merged: a bucket ARN has no component to share.
        let buckets = set(&["arn:aws:s3:::a1", "arn:aws:s3:::a2", "arn:aws:s3:::a3"]);
        assert_eq!(generalise(&buckets, 1).0.len(), 3);
    }

    #[test]
    fn generalisation_stays_in_its_account_and_region() {
        let arns = set(&[
            "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
            "arn:aws:dynamodb:eu-west-1:111111111111:table/order-items",
            "arn:aws:dynamodb:eu-west-1:222222222222:table/orders",
            "arn:aws:dynamodb:us-east-1:111111111111:table/orders",
        ]);
        let (patterns, _) = generalise(&arns, 1);
        assert_eq!(
            patterns,
            [
                "arn:aws:dynamodb:eu-west-1:111111111111:table/*",
                "arn:aws:dynamodb:eu-west-1:222222222222:table/orders",
                "arn:aws:dynamodb:us-east-1:111111111111:table/orders",
            ]
        );
        for arn in &arns {
            assert!(patterns.iter().any(|p| covers(p, &escape(arn))), "{arn}");
        }
    }

    #[test]
    fn inclusion_of_patterns() {
        assert!(covers("*", "arn:aws:s3:::b/*"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/data/*"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x${*}"));
        assert!(!covers("arn:aws:s3:::b/data/*", "arn:aws:s3:::b/*"));
        assert!(!covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/*"));
        assert!(covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/x"));
        assert!(!covers("arn:aws:s3:::b/x${*}", "arn:aws:s3:::b/xy"));
        assert!(!covers("arn:aws:s3:::B/*", "arn:aws:s3:::b/x"), "case");
        assert!(!covers(
            "arn:aws:s3:::${aws:username}/*",
            "arn:aws:s3:::ana/x"
        ));
    }

    proptest::proptest! {
        /// Whatever the ARNs and the limit: every ARN stays allowed, and no pattern reaches
        /// a bucket, account or region none of them is in.
        #[test]
        fn generalising_covers_every_arn_and_stays_in_its_groups(
            picks in proptest::collection::vec(
                (0..3usize, 0..2usize, 0..2usize, "[a-c]{1,2}(/[a-c*?]{1,3}){0,3}"),
                1..40,
            ),
            max in 1..8usize,
        ) {
            let arn = |kind: usize, a: usize, b: usize, name: &str| match kind {
                0 => format!("arn:aws:s3:::bucket-{a}{b}/{name}"),
                1 => format!("arn:aws:dynamodb:eu-west-{a}:11111111111{b}:table/{name}"),
                _ => format!("arn:aws:logs:eu-west-{a}:11111111111{b}:log-group:/{name}"),
            };
            let arns: BTreeSet<String> =
                picks.iter().map(|(k, a, b, n)| arn(*k, *a, *b, n)).collect();
            let (patterns, _) = generalise(&arns, max);
            for a in &arns {
                proptest::prop_assert!(patterns.iter().any(|p| covers(p, &escape(a))), "{a} {patterns:?}");
            }
            // A probe in another bucket, account or region of the same kinds.
            for kind in 0..3 {
                let probe = escape(&arn(kind, 7, 7, "a"));
                proptest::prop_assert!(!patterns.iter().any(|p| covers(p, &probe)), "{probe} {patterns:?}");
            }
        }
    }
}
