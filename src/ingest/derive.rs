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

/// Parses CloudTrail's `eventTime` into microseconds since the epoch (UTC).
///
/// The fast path reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, which is all CloudTrail writes;
/// anything else goes through a full RFC 3339 parser.
pub fn parse_event_time(text: &str) -> Option<i64> {
    fast_event_time(text).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_micros())
    })
}

fn fast_event_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut micros = 0i64;
    let mut at = 19;
    if b[at] == b'.' {
        at += 1;
        let mut digits = 0;
        while at < b.len() && b[at].is_ascii_digit() {
            if digits < 6 {
                micros = micros * 10 + i64::from(b[at] - b'0');
            }
            digits += 1;
            at += 1;
        }
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    if at + 1 != b.len() || b[at] != b'Z' {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros)
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

/// The 128-bit key that identifies an event for de-duplication: the UUID itself when
/// `eventID` is one (always, for CloudTrail), otherwise a BLAKE3 digest of the text.
pub fn event_key(event_id: &str) -> u128 {
    parse_uuid(event_id).unwrap_or_else(|| {
        let hash = blake3::hash(event_id.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hash.as_bytes()[..16]);
        u128::from_be_bytes(bytes)
    })
}

fn parse_uuid(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut v = 0u128;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        let digit = (c as char).to_digit(16)?;
        v = (v << 4) | u128::from(digit);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_time_fast_path_matches_chrono() {
        for text in [
            "2024-07-30T21:53:13Z",
            "1970-01-01T00:00:00Z",
            "2026-02-28T23:59:59.123Z",
            "2000-02-29T12:00:00.000001Z",
            "1969-12-31T23:59:59Z",
        ] {
            let expected = chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_micros();
            assert_eq!(fast_event_time(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn event_time_accepts_offsets_through_the_slow_path() {
        assert_eq!(
            parse_event_time("2024-07-30T23:53:13+02:00"),
            parse_event_time("2024-07-30T21:53:13Z")
        );
        assert_eq!(parse_event_time("yesterday"), None);
        assert_eq!(parse_event_time("2024-13-30T21:53:13Z"), None);
    }

    #[test]
    fn uuid_keys_are_exact_and_others_hashed() {
        assert_eq!(
            event_key("c64c4ded-ef03-4e5c-81eb-153b118d72f2"),
            0xc64c4ded_ef03_4e5c_81eb_153b118d72f2
        );
        assert_ne!(event_key("not-a-uuid"), event_key("not-a-uuid2"));
        assert_eq!(event_key("not-a-uuid"), event_key("not-a-uuid"));
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
