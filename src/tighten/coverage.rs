//! Whether the trail covers the window: a cut made from a trail that starts late, ends
//! early or misses an account removes what the invisible calls needed.

use std::collections::BTreeMap;

use super::time_text;
use super::window::{DAY, Sources, Window};

/// What the store's trail covers.
#[derive(Debug, Clone, Default)]
pub struct TrailCoverage {
    /// The store's first and last plausible event, `None` without events: where the
    /// recording as a whole starts and ends (an account's own first and last events may
    /// only mean it was quiet).
    pub store: Option<(i64, i64)>,
    /// Each account's first and last plausible event (by the account that recorded them).
    pub accounts: BTreeMap<String, (i64, i64)>,
}

/// A trail that does not cover the window, refused without `partial_trail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverageError {
    /// The trail, or an account's, covers only part of the window.
    #[error("{0}. Narrow the window (--since, --until, --days) or pass --partial-trail to accept")]
    Short(String),
    /// Accounts with no trail at all and no reports to speak for them.
    #[error(
        "{0}: nothing shows their use (ingest it, add last-accessed reports, or pass --partial-trail)"
    )]
    Missing(String),
}

/// The evidence a run may count once the trail's coverage of `accounts` is known, and
/// what limits it (warnings). An account with no trail at all leaves the reports as the
/// only evidence (an error without them); a trail that starts late or ends early is an
/// error unless `partial_trail`. A week without a single event at the start of an
/// account's window is a trail that started late, not a quiet account.
pub fn check_trail(
    coverage: &TrailCoverage,
    accounts: &[String],
    window: &Window,
    sources: Sources,
    partial_trail: bool,
) -> Result<(Sources, Vec<String>), CoverageError> {
    let mut warnings = Vec::new();
    if !sources.trail() {
        return Ok((sources, warnings));
    }
    let day = |t: i64| time_text(t)[..10].to_owned();
    // A trail covering `from .. to` of the window: an error, or a warning when accepted.
    let mut short = |what: &str, from: i64, to: i64| -> Result<(), CoverageError> {
        let message = format!(
            "{what} covers {} .. {}, not the whole window {} .. {}: calls outside it are \
             invisible",
            day(from),
            day(to),
            day(window.since),
            day(window.until)
        );
        if !partial_trail {
            return Err(CoverageError::Short(message));
        }
        warnings.push(message);
        Ok(())
    };
    let (start, end) = coverage.store.unwrap_or((i64::MAX, i64::MIN));
    if start > window.since + DAY || end < window.until - DAY {
        short("the trail", start, end)?;
    }
    let mut missing = Vec::new();
    let mut late = Vec::new();
    for account in accounts {
        match coverage.accounts.get(account) {
            None => missing.push(account.clone()),
            Some(&(first, _)) if first > window.since + 7 * DAY => {
                short(&format!("the trail of account {account}"), first, end)?;
            }
            Some(&(first, _)) if first > window.since + DAY => late.push(format!(
                "the first event of account {account} is on {}: if its trail started then, \
                 earlier calls are invisible",
                day(first)
            )),
            Some(_) => {}
        }
    }
    warnings.extend(late);
    let mut sources = sources;
    if !missing.is_empty() {
        let message = format!(
            "the store holds no trail of account{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        );
        if missing.len() == accounts.len() && sources.reports() {
            warnings.push(format!(
                "{message}: the last-accessed reports are the only evidence"
            ));
            sources = Sources::Reports;
        } else if sources.reports() || partial_trail {
            warnings.push(format!("{message}: their calls are invisible to the trail"));
        } else {
            return Err(CoverageError::Missing(message));
        }
    }
    Ok((sources, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_700_000_000_000_000;

    fn window() -> Window {
        Window {
            since: START,
            until: START + 90 * DAY,
        }
    }

    fn covered(accounts: &[(&str, i64)]) -> TrailCoverage {
        TrailCoverage {
            store: Some((START - DAY, START + 90 * DAY)),
            accounts: accounts
                .iter()
                .map(|(a, first)| ((*a).to_owned(), (*first, START + 90 * DAY)))
                .collect(),
        }
    }

    fn accounts(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn a_trail_covering_the_window_says_nothing() {
        let coverage = covered(&[("111111111111", START)]);
        let (sources, warnings) = check_trail(
            &coverage,
            &accounts(&["111111111111"]),
            &window(),
            Sources::Both,
            false,
        )
        .unwrap();
        assert_eq!(sources, Sources::Both);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_trail_that_starts_inside_the_window_is_refused_unless_accepted() {
        let mut coverage = covered(&[("111111111111", START + 30 * DAY)]);
        coverage.store = Some((START + 30 * DAY, START + 90 * DAY));
        let list = accounts(&["111111111111"]);
        let e = check_trail(&coverage, &list, &window(), Sources::Trail, false).unwrap_err();
        assert!(matches!(e, CoverageError::Short(ref m) if m.starts_with("the trail covers")));
        assert!(e.to_string().contains("--partial-trail"));
        let (sources, warnings) =
            check_trail(&coverage, &list, &window(), Sources::Trail, true).unwrap();
        assert_eq!(sources, Sources::Trail);
        // The store's trail and the account's, both short.
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn an_account_quiet_for_a_few_days_is_a_warning_and_for_a_week_an_error() {
        let list = accounts(&["111111111111"]);
        let few = covered(&[("111111111111", START + 3 * DAY)]);
        let (_, warnings) = check_trail(&few, &list, &window(), Sources::Trail, false).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("first event of account 111111111111"));
        let week = covered(&[("111111111111", START + 8 * DAY)]);
        let e = check_trail(&week, &list, &window(), Sources::Trail, false).unwrap_err();
        assert!(e.to_string().contains("the trail of account 111111111111"));
    }

    #[test]
    fn accounts_without_a_trail_fall_back_to_the_reports_or_fail() {
        let coverage = covered(&[("111111111111", START)]);
        let none = accounts(&["222222222222"]);
        let (sources, warnings) =
            check_trail(&coverage, &none, &window(), Sources::Both, false).unwrap();
        assert_eq!(sources, Sources::Reports);
        assert!(warnings[0].ends_with("the last-accessed reports are the only evidence"));
        let e = check_trail(&coverage, &none, &window(), Sources::Trail, false).unwrap_err();
        assert!(matches!(e, CoverageError::Missing(_)));
        // One of two missing, with reports: the trail still counts for the other.
        let some = accounts(&["111111111111", "222222222222"]);
        let (sources, warnings) =
            check_trail(&coverage, &some, &window(), Sources::Both, false).unwrap();
        assert_eq!(sources, Sources::Both);
        assert!(warnings[0].ends_with("their calls are invisible to the trail"));
    }

    #[test]
    fn reports_alone_need_no_trail() {
        let coverage = TrailCoverage::default();
        let (sources, warnings) = check_trail(
            &coverage,
            &accounts(&["111111111111"]),
            &window(),
            Sources::Reports,
            false,
        )
        .unwrap();
        assert_eq!(sources, Sources::Reports);
        assert!(warnings.is_empty());
    }
}
