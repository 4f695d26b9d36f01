//! Condition values as the typed operators read them: numbers, dates (W3C ISO 8601 or
//! epoch seconds), booleans, base64, IP addresses and CIDR blocks. Every parser answers
//! `None` for text it does not read; the operator then finds no match.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// A number (`10`, `-1.5`, `2e3`); not `inf` or `NaN`.
pub(crate) fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    let plausible = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    plausible.then(|| text.parse().ok()).flatten()
}

/// A date as nanoseconds since the epoch: epoch seconds (`1700000000`, `1700000000.5`) or
/// the W3C profile of ISO 8601 (`2024-05-01`, `2024-05-01T10:00Z`,
/// `2024-05-01T10:00:00.123+02:00`; without a zone, UTC).
pub(crate) fn date(text: &str) -> Option<i128> {
    let text = text.trim();
    if let Some(nanos) = epoch(text) {
        return Some(nanos);
    }
    let nanos =
        |seconds: i64, subsec: u32| i128::from(seconds) * 1_000_000_000 + i128::from(subsec);
    let zoned = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => text.to_owned(),
    };
    for format in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(t) = DateTime::parse_from_str(&zoned, format) {
            return Some(nanos(t.timestamp(), t.timestamp_subsec_nanos()));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            let t = t.and_utc();
            return Some(nanos(t.timestamp(), t.timestamp_subsec_nanos()));
        }
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(nanos(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), 0))
}

/// Epoch seconds, with an optional fraction, as nanoseconds.
fn epoch(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 20 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if digits.contains('.') && fraction.is_empty() {
        return None;
    }
    let mut nanos: i128 = whole.parse::<i128>().ok()? * 1_000_000_000;
    let mut scale = 100_000_000;
    for b in fraction.bytes().take(9) {
        nanos += i128::from(b - b'0') * scale;
        scale /= 10;
    }
    Some(if negative { -nanos } else { nanos })
}

/// `true` or `false`, ignoring case.
pub(crate) fn boolean(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Base64 (standard or URL-safe alphabet, padding optional) decoded.
pub(crate) fn base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in body.bytes() {
        let six = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(six);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// An IP address, IPv4-mapped IPv6 addresses read as IPv4.
pub(crate) fn ip(text: &str) -> Option<IpAddr> {
    text.trim().parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// A CIDR block (`203.0.113.0/24`, `2001:db8::/32`), or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u32,
}

impl Cidr {
    /// Parses a block; a lone address is a block of one.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().filter(|&p| p <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Self { network, prefix })
    }

    /// True when `address` is in the block (never across address families).
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("10"), Some(10.0));
        assert_eq!(number(" -1.5 "), Some(-1.5));
        assert_eq!(number("2e3"), Some(2000.0));
        for bad in ["", "inf", "NaN", "1,5", "ten", "0x10", "1-"] {
            assert_eq!(number(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let day = date("2024-05-01").unwrap();
        assert_eq!(day, 1_714_521_600 * 1_000_000_000);
        assert_eq!(date("2024-05-01T00:00:00Z"), Some(day));
        assert_eq!(date("2024-05-01T00:00Z"), Some(day));
        assert_eq!(date("2024-05-01T00:00:00"), Some(day));
        assert_eq!(date("2024-05-01T02:00:00+02:00"), Some(day));
        assert_eq!(date("1714521600"), Some(day));
        assert_eq!(date("1714521600.5"), Some(day + 500_000_000));
        assert_eq!(date("2024-05-01T00:00:00.5Z"), Some(day + 500_000_000));
        assert_eq!(date("-1"), Some(-1_000_000_000));
        for bad in ["", "yesterday", "2024-13-01", "1.", "2024-05-01T25:00:00Z"] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(boolean("true"), Some(true));
        assert_eq!(boolean("FALSE"), Some(false));
        assert_eq!(boolean("yes"), None);
    }

    #[test]
    fn base64_decoding() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64("").unwrap(), b"");
        assert_eq!(base64("+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64("-_8").unwrap(), [0xfb, 0xff]);
        for bad in ["a", "aGVsbG8===", "aGV*bG8="] {
            assert_eq!(base64(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidr_blocks() {
        let block = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(block.contains(ip("203.0.113.77").unwrap()));
        assert!(!block.contains(ip("203.0.114.1").unwrap()));
        assert!(!block.contains(ip("2001:db8::1").unwrap()));
        assert!(
            block.contains(ip("::ffff:203.0.113.9").unwrap()),
            "IPv4-mapped"
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("8.8.8.8").unwrap())
        );
        let one = Cidr::parse("10.1.2.3").unwrap();
        assert!(one.contains(ip("10.1.2.3").unwrap()));
        assert!(!one.contains(ip("10.1.2.4").unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1").unwrap()));
        assert!(!v6.contains(ip("2001:db9::1").unwrap()));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::1").unwrap()));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "x",
            "::/129",
            "10.0.0.0/+8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        assert_eq!(ip("10.0.0.1/32"), None);
    }
}
