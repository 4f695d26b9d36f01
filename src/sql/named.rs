//! Named queries: the `.sql` files of `queries/`, embedded in the binary, each opening
//! with a header of `-- name:`, `-- description:` and `-- param:` lines.
//!
//! ```sql
//! -- name: service_usage
//! -- description: Per principal and event source: events, errors, first and last seen.
//! -- param: days = 36500 | window in days, counted back from the newest event
//! SELECT ... WHERE eventtime >= ... - INTERVAL '${days} days'
//! ```
//!
//! `${param}` is replaced by the value given (`--param days=90`) or the default, with
//! single quotes doubled so that a value can never end a SQL string literal.

use std::collections::BTreeMap;

/// The queries shipped in `queries/`, embedded at build time.
const BUILTIN: &[&str] = &[
    include_str!("../../queries/service_usage.sql"),
    include_str!("../../queries/event_usage.sql"),
    include_str!("../../queries/access_denied.sql"),
    include_str!("../../queries/activity_by_day.sql"),
    include_str!("../../queries/action_usage.sql"),
    include_str!("../../queries/unmapped_events.sql"),
    include_str!("../../queries/last_activity.sql"),
    include_str!("../../queries/unused_services.sql"),
    include_str!("../../queries/unused_actions.sql"),
    include_str!("../../queries/last_accessed_vs_trail.sql"),
    include_str!("../../queries/resource_usage.sql"),
    include_str!("../../queries/person_activity.sql"),
    include_str!("../../queries/role_people.sql"),
    include_str!("../../queries/permission_set_holders.sql"),
];

/// Errors of named queries.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NamedQueryError {
    /// No query has this name.
    #[error("no named query `{0}`{1} (see `trailcut query --list`)")]
    Unknown(String, String),
    /// A value the parameter cannot take.
    #[error("query `{query}`: --param {param}={value} is not {expected}")]
    BadValue {
        query: String,
        param: String,
        value: String,
        expected: &'static str,
    },
    /// A `--param` the query does not declare.
    #[error("query `{query}` has no parameter `{param}`; it takes: {known}")]
    UnknownParam {
        query: String,
        param: String,
        known: String,
    },
    /// A parameter without a default and without a value.
    #[error("query `{query}` needs `--param {param}=VALUE`")]
    MissingParam { query: String, param: String },
    /// A `--param` not of the form `key=value`.
    #[error("`{0}` is not of the form key=value")]
    BadParam(String),
    /// A query file without a `-- name:` header.
    #[error("query file without a `-- name:` header")]
    NoName,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name, as used in `${name}`.
    pub name: String,
    /// Its default, if it has one.
    pub default: Option<String>,
    /// What it means.
    pub description: String,
}

impl Param {
    /// `value` as the query's SQL takes it, or why it cannot be. A parameter whose default
    /// is a number takes a positive whole number (`days`); a principal or subject pattern
    /// that is a bare name (no `/`, `:` or `%`) matches that name at the end of an ARN,
    /// which is how a person names a principal.
    pub fn sql_value(&self, query: &str, value: &str) -> Result<String, NamedQueryError> {
        let bad = |expected| NamedQueryError::BadValue {
            query: query.to_owned(),
            param: self.name.clone(),
            value: value.to_owned(),
            expected,
        };
        let numeric = self
            .default
            .as_deref()
            .is_some_and(|d| d.parse::<u64>().is_ok());
        if numeric {
            return match value.trim().parse::<u32>() {
                Ok(n) if n > 0 => Ok(n.to_string()),
                _ => Err(bad("a positive whole number")),
            };
        }
        let names_principals = matches!(self.name.as_str(), "principal" | "subject");
        if names_principals && !value.is_empty() && !value.contains(['/', ':', '%']) {
            return Ok(format!("%/{value}"));
        }
        Ok(value.to_owned())
    }
}

/// A parsed named query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedQuery {
    /// Its name.
    pub name: String,
    /// One line saying what it answers.
    pub description: String,
    /// Its parameters in declaration order.
    pub params: Vec<Param>,
    /// The SQL text, header included.
    pub sql: String,
}

impl NamedQuery {
    /// Parses a query file.
    pub fn parse(text: &str) -> Result<Self, NamedQueryError> {
        let mut name = None;
        let mut description = String::new();
        let mut params = Vec::new();
        for line in text.lines() {
            let Some(comment) = line.trim().strip_prefix("--") else {
                if line.trim().is_empty() {
                    continue;
                }
                break;
            };
            let comment = comment.trim();
            if let Some(v) = comment.strip_prefix("name:") {
                name = Some(v.trim().to_owned());
            } else if let Some(v) = comment.strip_prefix("description:") {
                description = v.trim().to_owned();
            } else if let Some(v) = comment.strip_prefix("param:") {
                let (decl, about) = v.split_once('|').unwrap_or((v, ""));
                let (pname, default) = match decl.split_once('=') {
                    Some((n, d)) => (n.trim(), Some(d.trim().to_owned())),
                    None => (decl.trim(), None),
                };
                params.push(Param {
                    name: pname.to_owned(),
                    default,
                    description: about.trim().to_owned(),
                });
            }
        }
        Ok(Self {
            name: name.ok_or(NamedQueryError::NoName)?,
            description,
            params,
            sql: text.to_owned(),
        })
    }

    /// The SQL with every `${param}` replaced.
    pub fn render(&self, values: &BTreeMap<String, String>) -> Result<String, NamedQueryError> {
        for key in values.keys() {
            if !self.params.iter().any(|p| &p.name == key) {
                let known = self
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>();
                return Err(NamedQueryError::UnknownParam {
                    query: self.name.clone(),
                    param: key.clone(),
                    known: if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    },
                });
            }
        }
        let mut chosen = BTreeMap::new();
        for p in &self.params {
            let value = values.get(&p.name).or(p.default.as_ref()).ok_or_else(|| {
                NamedQueryError::MissingParam {
                    query: self.name.clone(),
                    param: p.name.clone(),
                }
            })?;
            let value = p.sql_value(&self.name, value)?;
            chosen.insert(p.name.as_str(), value.replace('\'', "''"));
        }
        // One pass over the template: a value is never scanned again, so a value that
        // holds `${other}` stays as written (found by the query_params fuzz target).
        let mut sql = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(at) = rest.find("${") {
            sql.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            match after
                .find('}')
                .and_then(|end| Some((end, chosen.get(&after[..end])?)))
            {
                Some((end, value)) => {
                    sql.push_str(value);
                    rest = &after[end + 1..];
                }
                None => {
                    sql.push_str("${");
                    rest = after;
                }
            }
        }
        sql.push_str(rest);
        Ok(sql)
    }
}

/// Every built-in named query, sorted by name.
pub fn builtin() -> Vec<NamedQuery> {
    let mut all: Vec<NamedQuery> = BUILTIN
        .iter()
        .map(|text| {
            NamedQuery::parse(text).unwrap_or_else(|e| panic!("a shipped query is malformed: {e}"))
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// The built-in query called `name` (in any case, `-` for `_`), or the closest name in the
/// error.
pub fn find(name: &str) -> Result<NamedQuery, NamedQueryError> {
    let wanted = name.to_ascii_lowercase().replace('-', "_");
    let all = builtin();
    if let Some(found) = all.iter().find(|q| q.name == wanted) {
        return Ok(found.clone());
    }
    let hint = crate::nearest::closest(&wanted, all.iter(), |q| q.name.clone())
        .map(|q| format!(" (did you mean `{}`?)", q.name))
        .unwrap_or_default();
    Err(NamedQueryError::Unknown(name.to_owned(), hint))
}

/// Parses `key=value` pairs from the command line.
pub fn parse_params(pairs: &[String]) -> Result<BTreeMap<String, String>, NamedQueryError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| NamedQueryError::BadParam(pair.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_forgiven_or_refused_with_a_reason() {
        assert_eq!(find("Service-Usage").unwrap().name, "service_usage");
        let typo = find("servise_usage").unwrap_err().to_string();
        assert!(typo.contains("did you mean `service_usage`"), "{typo}");
        let q = find("service_usage").unwrap();
        let render = |k: &str, v: &str| q.render(&BTreeMap::from([(k.to_owned(), v.to_owned())]));
        for days in ["-5", "abc", "0", "1.5"] {
            let refused = render("days", days).unwrap_err().to_string();
            assert!(
                refused.contains("is not a positive whole number"),
                "{refused}"
            );
        }
        assert!(render("days", " 30").unwrap().contains("30"));
        assert!(
            render("principal", "paulo")
                .unwrap()
                .contains("LIKE '%/paulo'")
        );
        let arn = "arn:aws:iam::123456789012:user/paulo";
        assert!(
            render("principal", arn)
                .unwrap()
                .contains(&format!("LIKE '{arn}'"))
        );
        assert!(
            render("principal", "%paulo%")
                .unwrap()
                .contains("LIKE '%paulo%'")
        );
    }

    #[test]
    fn a_value_holding_another_parameter_stays_as_written() {
        let query = NamedQuery::parse(
            "-- name: q\n-- param: a = one | a\n-- param: b = 2 | b\nSELECT '${a}', '${b} days', '${c}'",
        )
        .unwrap();
        let values = BTreeMap::from([("a".to_owned(), "${b}'".to_owned())]);
        let sql = query.render(&values).unwrap();
        assert!(sql.ends_with("SELECT '${b}''', '2 days', '${c}'"), "{sql}");
    }

    #[test]
    fn every_shipped_query_has_a_header() {
        let all = builtin();
        let names: Vec<_> = all.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "access_denied",
                "action_usage",
                "activity_by_day",
                "event_usage",
                "last_accessed_vs_trail",
                "last_activity",
                "permission_set_holders",
                "person_activity",
                "resource_usage",
                "role_people",
                "service_usage",
                "unmapped_events",
                "unused_actions",
                "unused_services"
            ]
        );
        for q in &all {
            assert!(!q.description.is_empty(), "{} has no description", q.name);
            for p in &q.params {
                assert!(
                    q.sql.contains(&format!("${{{}}}", p.name)),
                    "{} never uses {}",
                    q.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn params_are_substituted_and_quotes_doubled() {
        let q = NamedQuery::parse(
            "-- name: t\n-- param: who = % | a pattern\n-- param: n\nSELECT '${who}', ${n}",
        )
        .unwrap();
        let mut values = BTreeMap::new();
        assert_eq!(
            q.render(&values),
            Err(NamedQueryError::MissingParam {
                query: "t".into(),
                param: "n".into()
            })
        );
        values.insert("n".into(), "3".into());
        values.insert("who".into(), "o'brien".into());
        assert!(q.render(&values).unwrap().ends_with("SELECT 'o''brien', 3"));
        values.insert("nope".into(), "1".into());
        assert!(matches!(
            q.render(&values),
            Err(NamedQueryError::UnknownParam { .. })
        ));
    }
}
