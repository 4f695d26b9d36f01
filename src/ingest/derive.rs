//! Columns computed once at ingest from a record: who holds the permissions
//! (`principal_arn`), the session name, the account, and time helpers.
//!
//! Pure functions over the wire record; the rules are documented in `docs/store.md`.

use std::borrow::Cow;

use super::record::UserIdentity;

/// The identity whose policies authorised the call.
///
/// - `AssumedRole`: the role (from `sessionIssuer.arn`, which keeps the role's path;
///   rebuilt from the `assumed-role` ARN when the issuer is missing).
/// - `FederatedUser`: the IAM user that called GetFederationToken (`sessionIssuer.arn`).
/// - `AWSService`: the service host in `invokedBy`.
/// - `IAMUser`, `Root` and anything else: `arn`, else `invokedBy`.
pub fn principal_arn<'a>(id: &'a UserIdentity<'_>) -> Option<Cow<'a, str>> {
    let kind = id.kind.as_ref().map(|t| t.as_str()).unwrap_or("");
    let issuer_arn = || {
        id.session_context
            .as_ref()
            .and_then(|c| c.session_issuer.as_ref())
            .and_then(|i| i.arn.as_ref())
            .map(|a| Cow::Borrowed(a.as_str()))
    };
    let arn = id.arn.as_ref().map(|a| a.as_str());
    let invoked_by = || id.invoked_by.as_ref().map(|t| Cow::Borrowed(t.as_str()));
    match kind {
        "AssumedRole" => {
            issuer_arn().or_else(|| arn.and_then(role_arn_from_assumed_role).map(Cow::Owned))
        }
        "FederatedUser" => issuer_arn().or_else(|| arn.map(Cow::Borrowed)),
        "AWSService" => invoked_by().or_else(|| arn.map(Cow::Borrowed)),
        // A record without a type but with `invokedBy` (e.g. `AWS Internal`) was made
        // by AWS itself.
        _ => arn.map(Cow::Borrowed).or_else(invoked_by),
    }
}

/// The text after the `n`th colon of `arn`; `arn_field(arn, 5)` is an ARN's resource.
///
/// A byte loop: these strings are short, and this runs several times per record.
fn after_colon(arn: &str, n: usize) -> Option<&str> {
    let mut seen = 0;
    for (at, byte) in arn.bytes().enumerate() {
        if byte == b':' {
            seen += 1;
            if seen == n {
                return arn.get(at + 1..);
            }
        }
    }
    None
}

/// `arn:aws:sts::123:assumed-role/Name/session` -> `arn:aws:iam::123:role/Name`.
///
/// The role's path is not in the session ARN; callers prefer `sessionIssuer.arn`.
pub fn role_arn_from_assumed_role(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(_region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// The session name of an assumed-role or federated-user ARN.
pub fn session_name<'a>(id: &'a UserIdentity<'_>) -> Option<&'a str> {
    let resource = after_colon(id.arn.as_ref()?.as_str(), 5)?;
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let slash = rest.bytes().position(|b| b == b'/')?;
        return rest.get(slash + 1..);
    }
    resource.strip_prefix("federated-user/")
}

/// The account of an ARN (`arn:partition:service:region:account:...`), when it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    let rest = after_colon(arn, 4)?;
    let account = &rest[..rest.bytes().position(|b| b == b':')?];
    (!account.is_empty()).then_some(account)
}

/// Why an `eventTime` was refused. Each reads after the time itself:
/// "`eventTime` `2026-02-30T10:00:00Z` names day 30 of 2026-02, which does not exist".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not `YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM]`.
    #[error(
        "is not a timestamp (YYYY-MM-DDTHH:MM:SSZ, another RFC 3339 time, or YYYY-MM-DD HH:MM:SS in UTC)"
    )]
    Form,
    /// A month other than 1 to 12.
    #[error("names month {0}, which does not exist")]
    Month(u8),
    /// A day its month does not have (February 30, April 31, day 0).
    #[error("names day {day} of {year:04}-{month:02}, which does not exist")]
    Day { year: u16, month: u8, day: u8 },
    /// An hour past 23, a minute past 59 or a second past 60.
    #[error("names {unit} {value}, which does not exist")]
    Clock { unit: ClockUnit, value: u8 },
    /// A zone offset past 23:59.
    #[error("has an offset past 23:59")]
    Offset,
    /// Second 60: a leap second.
    #[error("is a leap second (second 60): refused rather than moved into the next minute or day")]
    LeapSecond,
}

/// The field of a [`TimeError::Clock`]; small, like the whole error, which is returned by
/// value on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockUnit {
    Hour,
    Minute,
    Second,
}

impl std::fmt::Display for ClockUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClockUnit::Hour => "hour",
            ClockUnit::Minute => "minute",
            ClockUnit::Second => "second",
        })
    }
}

/// Parses an `eventTime` into microseconds since the epoch (UTC).
///
/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, which is all CloudTrail writes, and the forms
/// other tools write for the same instant: any RFC 3339 offset, `t` and `z`, and the SIEM
/// export form `YYYY-MM-DD HH:MM:SS[.fraction]` (a space, no zone: UTC). Fractions keep
/// their first six digits. Dates and times that do not exist are refused rather than
/// carried into the next day (February 30, month 13, hour 24), and so are leap seconds:
/// storing `23:59:60` as the next midnight would move the event into another day.
///
/// One pass over the bytes, no allocation: this runs once per record.
pub fn parse_event_time(text: &str) -> Result<i64, TimeError> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(TimeError::Form);
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut at = 19;
    let mut micros = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() {
            if at - start < 6 {
                micros = micros * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return Err(TimeError::Form);
        }
        for _ in (at - start)..6 {
            micros *= 10;
        }
    }
    // East of UTC is positive: the UTC instant is the local time minus the offset.
    let offset_minutes = match &b[at..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if h > 23 || m > 59 {
                return Err(TimeError::Offset);
            }
            if *sign == b'-' {
                -(h * 60 + m)
            } else {
                h * 60 + m
            }
        }
        _ => return Err(TimeError::Form),
    };
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(out_of_range(year, month, day, hour, minute, second));
    }
    let days = days_from_civil(year, month, day);
    let minutes = (days * 24 + hour) * 60 + minute - offset_minutes;
    Ok(minutes * 60_000_000 + second * 1_000_000 + micros)
}

/// Which field of a well-formed time does not exist; off the hot path.
#[cold]
fn out_of_range(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> TimeError {
    // Every field is at most four digits: the casts are exact.
    if !(1..=12).contains(&month) {
        return TimeError::Month(month as u8);
    }
    if day == 0 || day > days_in_month(year, month) {
        return TimeError::Day {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        };
    }
    let clock = [
        (ClockUnit::Hour, hour, 23),
        (ClockUnit::Minute, minute, 59),
        (ClockUnit::Second, second, 60),
    ];
    for (unit, value, last) in clock {
        if value > last {
            return TimeError::Clock {
                unit,
                value: value as u8,
            };
        }
    }
    TimeError::LeapSecond
}

/// The number written in `len` ASCII digits of `b` from `start`.
fn digits(b: &[u8], start: usize, len: usize) -> Result<i64, TimeError> {
    let mut v = 0i64;
    for &c in b.get(start..start + len).ok_or(TimeError::Form)? {
        if !c.is_ascii_digit() {
            return Err(TimeError::Form);
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Ok(v)
}

/// Days in a month of the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC day (days since the epoch) of a microsecond timestamp.
pub fn day_of_micros(micros: i64) -> i32 {
    micros.div_euclid(86_400_000_000) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_micros(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn event_times_match_chrono() {
        for text in [
            "2024-07-30T21:53:13Z",
            "1970-01-01T00:00:00Z",
            "2026-02-28T23:59:59.123Z",
            "2000-02-29T12:00:00.000001Z",
            "1969-12-31T23:59:59Z",
            "2024-07-30T23:53:13+02:00",
            "2024-07-30T16:23:13.5-05:30",
            "2024-07-30t21:53:13z",
            "2024-12-31T23:59:59.999999999Z",
        ] {
            assert_eq!(parse_event_time(text), Ok(chrono_micros(text)), "{text}");
        }
        assert_eq!(
            parse_event_time("2024-07-30T23:53:13+02:00"),
            parse_event_time("2024-07-30T21:53:13Z")
        );
    }

    /// Issue 18, finding 8: SIEM exports write a space for the `T` and no zone.
    #[test]
    fn siem_times_are_read_as_utc() {
        let utc = chrono_micros("2025-01-21T17:49:47Z");
        for text in [
            "2025-01-21 17:49:47",
            "2025-01-21 17:49:47.000000000",
            "2025-01-21 17:49:47Z",
            "2025-01-21T17:49:47",
            "2025-01-21 17:49:47.000",
        ] {
            assert_eq!(parse_event_time(text), Ok(utc), "{text}");
        }
        assert_eq!(
            parse_event_time("2025-01-21 17:49:47.123456789"),
            Ok(utc + 123_456)
        );
        assert_eq!(
            parse_event_time("2025-01-21 17:49:47+01:00"),
            Ok(utc - 3_600_000_000)
        );
    }

    /// Issue 18, finding 3: impossible dates were carried into the next month or year.
    #[test]
    fn impossible_dates_and_leap_seconds_are_refused_with_the_reason() {
        let cases = [
            (
                "2026-02-30T00:00:00Z",
                "names day 30 of 2026-02, which does not exist",
            ),
            (
                "2024-02-30T00:00:00Z",
                "names day 30 of 2024-02, which does not exist",
            ),
            (
                "2025-02-29T00:00:00Z",
                "names day 29 of 2025-02, which does not exist",
            ),
            (
                "2026-04-31T00:00:00Z",
                "names day 31 of 2026-04, which does not exist",
            ),
            (
                "2026-01-00T00:00:00Z",
                "names day 0 of 2026-01, which does not exist",
            ),
            (
                "2026-13-01T00:00:00Z",
                "names month 13, which does not exist",
            ),
            (
                "2026-00-01T00:00:00Z",
                "names month 0, which does not exist",
            ),
            (
                "2026-01-01T24:00:00Z",
                "names hour 24, which does not exist",
            ),
            (
                "2026-01-01T23:60:00Z",
                "names minute 60, which does not exist",
            ),
            (
                "2026-01-01T23:59:61Z",
                "names second 61, which does not exist",
            ),
            ("2026-01-01T12:00:00+24:00", "has an offset past 23:59"),
        ];
        for (text, why) in cases {
            assert_eq!(
                parse_event_time(text).map_err(|e| e.to_string()),
                Err(why.to_owned()),
                "{text}"
            );
        }
        assert_eq!(
            parse_event_time("2024-02-29T00:00:00Z"),
            Ok(chrono_micros("2024-02-29T00:00:00Z"))
        );
        assert_eq!(
            parse_event_time("2000-02-29T00:00:00Z"),
            Ok(chrono_micros("2000-02-29T00:00:00Z"))
        );
        assert!(matches!(
            parse_event_time("1900-02-29T00:00:00Z"),
            Err(TimeError::Day { .. })
        ));
        for text in [
            "2016-12-31T23:59:60Z",
            "9999-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2016-12-31 23:59:60",
        ] {
            assert_eq!(parse_event_time(text), Err(TimeError::LeapSecond), "{text}");
        }
    }

    #[test]
    fn other_text_is_not_a_timestamp() {
        for text in [
            "yesterday",
            "",
            "2024-07-30",
            "2024-07-30T21:53Z",
            "2024-07-30T21:53:13.Z",
            "2024-07-30T21:53:13ZZ",
            "2024-07-30T21:53:13 Z",
            "2024-07-30X21:53:13Z",
            "2024-07-30T21:53:13+0200",
            "2024-07-30T21:53:13+02",
            "+2024-07-30T21:53:13Z",
            "2024-7-30T21:53:13Z",
            "2024-07-30T21:53:1aZ",
            "2024-07-30T21:53:13.12a",
            "2024-07-30T21:53:13.1\u{e9}",
        ] {
            assert_eq!(parse_event_time(text), Err(TimeError::Form), "{text}");
        }
    }

    proptest::proptest! {
        /// Every valid RFC 3339 time is read as chrono reads it.
        #[test]
        fn valid_times_match_chrono(
            year in 0i64..=9999, month in 1i64..=12, day in 1i64..=31,
            hour in 0i64..=23, minute in 0i64..=59, second in 0i64..=59,
            fraction in proptest::option::of("[0-9]{1,12}"),
            offset in proptest::option::of((proptest::bool::ANY, 0i64..=23, 0i64..=59)),
        ) {
            let day = day.min(days_in_month(year, month));
            let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            if let Some(f) = &fraction {
                text.push('.');
                text.push_str(f);
            }
            match offset {
                Some((east, h, m)) => text.push_str(&format!("{}{h:02}:{m:02}", if east { '+' } else { '-' })),
                None => text.push('Z'),
            }
            let expected = chrono::DateTime::parse_from_rfc3339(&text).unwrap();
            // chrono keeps nanoseconds; trailcut stores microseconds, truncated.
            let micros = expected.timestamp() * 1_000_000 + i64::from(expected.timestamp_subsec_micros());
            proptest::prop_assert_eq!(parse_event_time(&text), Ok(micros), "{}", text);
        }
    }

    #[test]
    fn assumed_role_arn_becomes_role_arn() {
        assert_eq!(
            role_arn_from_assumed_role("arn:aws:sts::123456789012:assumed-role/ci-deploy/gh-1")
                .as_deref(),
            Some("arn:aws:iam::123456789012:role/ci-deploy")
        );
        assert_eq!(
            role_arn_from_assumed_role("arn:aws:iam::123456789012:user/bob"),
            None
        );
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:user/bob"),
            Some("123456789012")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_account("arn:aws:iam::123456789012"), None);
        assert_eq!(arn_account("xrn:aws:iam::123456789012:user/bob"), None);
    }

    #[test]
    fn session_names_of_assumed_roles_and_federated_users() {
        let name = |arn: &str| {
            let id = UserIdentity {
                arn: Some(crate::ingest::record::Text(arn.into())),
                ..UserIdentity::default()
            };
            session_name(&id).map(str::to_owned)
        };
        assert_eq!(
            name("arn:aws:sts::123456789012:assumed-role/ci-deploy/gh-1/x").as_deref(),
            Some("gh-1/x")
        );
        assert_eq!(
            name("arn:aws:sts::123456789012:federated-user/bob").as_deref(),
            Some("bob")
        );
        assert_eq!(
            name("arn:aws:sts::123456789012:assumed-role/no-session"),
            None
        );
        assert_eq!(name("arn:aws:iam::123456789012:user/bob"), None);
    }
}
