//! CloudTrail's S3 layout, `[prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail/<region>/YYYY/MM/DD/`,
//! and what a user selected of it (`--since`, `--until`, `--account`, `--trail-region`).
//!
//! A bucket is walked one level at a time with delimiter listings, so that only the
//! prefixes a selection can match are ever listed: [`start`] places the user's prefix in
//! the layout and [`child`] decides, for each common prefix a listing returns, whether
//! and as what to descend into it. Pure: the S3 calls are in [`super::aws::s3`].

use chrono::{Datelike, NaiveDate};

use super::source::{is_digest, is_json_name};

/// What a user asked for; an empty list or `None` selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// First delivery day, inclusive.
    pub since: Option<NaiveDate>,
    /// Last delivery day, inclusive.
    pub until: Option<NaiveDate>,
    /// 12-digit account ids.
    pub accounts: Vec<String>,
    /// Regions, e.g. `us-east-1`.
    pub regions: Vec<String>,
}

impl Selection {
    /// True when `account` is selected.
    pub fn account(&self, account: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account)
    }

    /// True when `region` is selected.
    pub fn region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// True when some day of `year` is in the date range.
    pub fn year(&self, year: i32) -> bool {
        self.since.is_none_or(|s| year >= s.year()) && self.until.is_none_or(|u| year <= u.year())
    }

    /// True when some day of the month is in the date range.
    pub fn month(&self, year: i32, month: u32) -> bool {
        let ym = (year, month);
        self.since.is_none_or(|s| ym >= (s.year(), s.month()))
            && self.until.is_none_or(|u| ym <= (u.year(), u.month()))
    }

    /// True when the day is in the date range.
    pub fn day(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|s| day >= s) && self.until.is_none_or(|u| day <= u)
    }

    /// True when an object key (or path) is a trail file this selection wants: JSON, not
    /// a digest, and inside the selection wherever the key shows the account, region or
    /// delivery day.
    pub fn key(&self, key: &str) -> bool {
        let path = std::path::Path::new(key);
        !is_digest(path) && is_json_name(path) && self.includes(key)
    }

    /// True when the key (or path) is inside the selection wherever it shows the
    /// account, region or delivery day.
    pub fn includes(&self, key: &str) -> bool {
        let parts = KeyParts::parse(key);
        parts.account.is_none_or(|a| self.account(a))
            && parts.region.is_none_or(|r| self.region(r))
            && parts.day.is_none_or(|d| self.day(d))
    }

    /// True when nothing narrows the selection.
    pub fn is_everything(&self) -> bool {
        *self == Self::default()
    }
}

/// What a key of the CloudTrail layout says about its object.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// The account directory.
    pub account: Option<&'a str>,
    /// The region directory.
    pub region: Option<&'a str>,
    /// The delivery day.
    pub day: Option<NaiveDate>,
}

impl<'a> KeyParts<'a> {
    /// Reads `.../AWSLogs/[o-x/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>`; parts
    /// the key does not have are `None`.
    pub fn parse(key: &'a str) -> Self {
        let comps: Vec<&str> = key.split('/').collect();
        let mut parts = KeyParts::default();
        let Some(at) = comps.iter().rposition(|c| *c == "AWSLogs") else {
            return parts;
        };
        let mut rest = &comps[at + 1..];
        if rest.first().is_some_and(|c| c.starts_with("o-")) {
            rest = &rest[1..];
        }
        if let [account, "CloudTrail", region, y, m, d, _file, ..] = rest {
            parts.account = is_account(account).then_some(*account);
            parts.region = Some(*region);
            parts.day = date_of(y, m, d);
        } else if let [account, ..] = rest {
            parts.account = is_account(account).then_some(*account);
        }
        parts
    }
}

/// When CloudTrail delivered a log file, from the time in its name,
/// `<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<unique>.json.gz`, in microseconds since
/// the epoch; `None` for names that are not CloudTrail's. `key` may be a whole key or path.
pub fn delivery_time(key: &str) -> Option<i64> {
    let name = key.rsplit(['/', '\\']).next()?;
    let mut fields = name.split('_');
    let (_account, kind, _region, stamp) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let b = stamp.as_bytes();
    if !kind.starts_with("CloudTrail")
        || b.len() != 14
        || b[8] != b'T'
        || b[13] != b'Z'
        || !b[..8].iter().chain(&b[9..13]).all(u8::is_ascii_digit)
    {
        return None;
    }
    let day = date_of(&stamp[..4], &stamp[4..6], &stamp[6..8])?;
    let time = chrono::NaiveTime::parse_from_str(&stamp[9..13], "%H%M").ok()?;
    Some(day.and_time(time).and_utc().timestamp_micros())
}

/// Where a prefix sits in the layout, which says how to list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Above `AWSLogs/` (a bucket, or the trail's own key prefix).
    Root,
    /// `AWSLogs/`: organisation ids and accounts.
    OrgOrAccount,
    /// `AWSLogs/o-x/`: accounts.
    Account,
    /// `.../CloudTrail/`: regions.
    Region,
    /// `.../<region>/`: years.
    Year,
    /// `.../YYYY/`: months.
    Month,
    /// `.../YYYY/MM/`: days.
    Day,
    /// `.../YYYY/MM/DD/`: the log files.
    Objects,
    /// Outside the layout: every object under the prefix, listed without a delimiter.
    Flat,
}

impl Level {
    /// True when listing at this level uses the `/` delimiter.
    pub fn delimited(self) -> bool {
        self != Level::Flat
    }
}

/// The listing prefix and level of a user's `s3://bucket/PREFIX`: a prefix is taken as
/// a directory, so `AWSLogs` and `AWSLogs/` are the same.
pub fn start(prefix: &str) -> (String, Level) {
    let comps: Vec<&str> = prefix.split('/').filter(|c| !c.is_empty()).collect();
    let mut out = String::new();
    let Some(at) = comps.iter().position(|c| *c == "AWSLogs") else {
        for c in &comps {
            out.push_str(c);
            out.push('/');
        }
        return (out, Level::Root);
    };
    for c in &comps[..=at] {
        out.push_str(c);
        out.push('/');
    }
    // `None` stands for "just after an account": CloudTrail/ comes next.
    let mut level = Some(Level::OrgOrAccount);
    for c in &comps[at + 1..] {
        out.push_str(c);
        out.push('/');
        level = match level {
            Some(Level::OrgOrAccount) if c.starts_with("o-") => Some(Level::Account),
            Some(Level::OrgOrAccount | Level::Account) => None,
            None if *c == "CloudTrail" => Some(Level::Region),
            Some(Level::Region) => Some(Level::Year),
            Some(Level::Year) => Some(Level::Month),
            Some(Level::Month) => Some(Level::Day),
            Some(Level::Day) => Some(Level::Objects),
            // CloudTrail-Digest/, CloudTrail-Insight/, or deeper than a day: list all.
            _ => Some(Level::Flat),
        };
    }
    match level {
        Some(level) => (out, level),
        None => {
            out.push_str("CloudTrail/");
            (out, Level::Region)
        }
    }
}

/// Whether to descend into `common_prefix` (a full key prefix ending in `/`) found by
/// listing a prefix at `level`: the child's prefix and level, or `None` to leave it.
pub fn child(level: Level, common_prefix: &str, selection: &Selection) -> Option<(String, Level)> {
    let comps: Vec<&str> = common_prefix.split('/').filter(|c| !c.is_empty()).collect();
    let name = *comps.last()?;
    let to = |level| Some((common_prefix.to_owned(), level));
    let number = |text: &str, digits: usize| {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    match level {
        Level::Root => (name == "AWSLogs").then(|| (common_prefix.to_owned(), Level::OrgOrAccount)),
        Level::OrgOrAccount if name.starts_with("o-") => to(Level::Account),
        Level::OrgOrAccount | Level::Account => (is_account(name) && selection.account(name))
            .then(|| (format!("{common_prefix}CloudTrail/"), Level::Region)),
        Level::Region => selection
            .region(name)
            .then(|| (common_prefix.to_owned(), Level::Year)),
        Level::Year => {
            let year = number(name, 4)?;
            selection
                .year(year as i32)
                .then(|| (common_prefix.to_owned(), Level::Month))
        }
        Level::Month => {
            let year = number(comps.get(comps.len().checked_sub(2)?)?, 4)?;
            let month = number(name, 2)?;
            selection
                .month(year as i32, month)
                .then(|| (common_prefix.to_owned(), Level::Day))
        }
        Level::Day => {
            let [y, m, d] = comps.get(comps.len().checked_sub(3)?..)? else {
                return None;
            };
            let day = date_of(y, m, d)?;
            selection
                .day(day)
                .then(|| (common_prefix.to_owned(), Level::Objects))
        }
        Level::Objects | Level::Flat => None,
    }
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn date_of(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_prefix_is_placed_in_the_layout() {
        assert_eq!(start(""), (String::new(), Level::Root));
        assert_eq!(start("trails"), ("trails/".into(), Level::Root));
        assert_eq!(start("AWSLogs"), ("AWSLogs/".into(), Level::OrgOrAccount));
        assert_eq!(
            start("/x/AWSLogs/o-abc/"),
            ("x/AWSLogs/o-abc/".into(), Level::Account)
        );
        assert_eq!(
            start("AWSLogs/o-abc/111122223333"),
            (
                "AWSLogs/o-abc/111122223333/CloudTrail/".into(),
                Level::Region
            )
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail/us-east-1/2024/"),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/".into(),
                Level::Month
            )
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02"),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/".into(),
                Level::Objects
            )
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail-Digest").1,
            Level::Flat
        );
    }

    #[test]
    fn only_selected_children_are_descended() {
        let selection = Selection {
            since: Some(day("2024-02-27")),
            until: Some(day("2024-03-02")),
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into()],
        };
        let c = |level, p: &str| child(level, p, &selection);
        assert_eq!(
            c(Level::Root, "t/AWSLogs/"),
            Some(("t/AWSLogs/".into(), Level::OrgOrAccount))
        );
        assert_eq!(c(Level::Root, "t/other/"), None);
        assert_eq!(
            c(Level::OrgOrAccount, "AWSLogs/o-1/"),
            Some(("AWSLogs/o-1/".into(), Level::Account))
        );
        assert_eq!(
            c(Level::Account, "AWSLogs/o-1/111122223333/"),
            Some(("AWSLogs/o-1/111122223333/CloudTrail/".into(), Level::Region))
        );
        assert_eq!(c(Level::Account, "AWSLogs/o-1/444455556666/"), None);
        assert_eq!(c(Level::OrgOrAccount, "AWSLogs/notes/"), None);
        let r = "AWSLogs/111122223333/CloudTrail/";
        assert!(c(Level::Region, &format!("{r}eu-west-1/")).is_some());
        assert!(c(Level::Region, &format!("{r}us-east-1/")).is_none());
        let y = format!("{r}eu-west-1/");
        assert!(c(Level::Year, &format!("{y}2024/")).is_some());
        assert!(c(Level::Year, &format!("{y}2023/")).is_none());
        assert!(c(Level::Month, &format!("{y}2024/02/")).is_some());
        assert!(c(Level::Month, &format!("{y}2024/03/")).is_some());
        assert!(c(Level::Month, &format!("{y}2024/01/")).is_none());
        assert!(c(Level::Day, &format!("{y}2024/02/27/")).is_some());
        assert!(c(Level::Day, &format!("{y}2024/02/26/")).is_none());
        assert!(c(Level::Day, &format!("{y}2024/03/02/")).is_some());
        assert!(c(Level::Day, &format!("{y}2024/03/03/")).is_none());
        assert!(c(Level::Day, &format!("{y}2024/02/xx/")).is_none());
    }

    #[test]
    fn keys_outside_the_selection_or_not_trail_files_are_left() {
        let selection = Selection {
            since: Some(day("2024-01-02")),
            accounts: vec!["111122223333".into()],
            ..Selection::default()
        };
        let k = "AWSLogs/o-1/111122223333/CloudTrail/us-east-1/2024/01/02/f.json.gz";
        assert_eq!(
            KeyParts::parse(k),
            KeyParts {
                account: Some("111122223333"),
                region: Some("us-east-1"),
                day: Some(day("2024-01-02")),
            }
        );
        assert!(selection.key(k));
        assert!(!selection.key(&k.replace("/02/f", "/01/f")));
        assert!(!selection.key(&k.replace("111122223333", "444455556666")));
        assert!(
            !selection.key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/02/d.json.gz")
        );
        assert!(!selection.key("misc/readme.txt"));
        assert!(selection.key("misc/events.json"));
    }

    #[test]
    fn a_log_files_name_says_when_it_was_delivered() {
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_micros()
        };
        assert_eq!(
            delivery_time(
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/111122223333_CloudTrail_us-east-1_20260101T0005Z_aBcD1234eFgH5678.json.gz"
            ),
            Some(at("2026-01-01T00:05:00Z"))
        );
        assert_eq!(
            delivery_time("111122223333_CloudTrail-Insight_eu-west-1_20261231T2359Z_x.json.gz"),
            Some(at("2026-12-31T23:59:00Z"))
        );
        for name in [
            "events.json",
            "111122223333_CloudTrail_us-east-1_20260230T0005Z_x.json.gz",
            "111122223333_CloudTrail_us-east-1_20260101T2405Z_x.json.gz",
            "111122223333_CloudTrail_us-east-1_2026010T0005Z_x.json.gz",
            "111122223333_Other_us-east-1_20260101T0005Z_x.json.gz",
            "lookup-events://111122223333/us-east-1/2026-01-01",
        ] {
            assert_eq!(delivery_time(name), None, "{name}");
        }
    }
}
