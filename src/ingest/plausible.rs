//! Which event times are plausible, so that one record dated 1970 or 9999 cannot move a
//! window: no event is older than CloudTrail itself (2013-11-01), and none is newer than
//! a day after its object was delivered (the time in a CloudTrail log file's name) or,
//! when the source does not say, a day after it was read.
//!
//! Ingest stores the records outside these bounds apart, in the `outliers` table
//! ([`crate::store::outliers`]), which no window, rollup or tightening reads; readers that
//! find a window apply [`TimeBounds::at`] too, for stores written before the check. This
//! module decides and reads no clock: the [`Clock`] is injected, so tests need no real time.

use std::fmt;
use std::sync::Arc;

use super::layout;

pub use crate::request::CLOUDTRAIL_EPOCH;

/// How far past its delivery (or its reading) an event may be dated: a day, for clocks
/// that are a little off.
pub const MARGIN: i64 = 86_400_000_000;

/// Where the time comes from that bounds an ingest's event times from above.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(Arc::new(|| chrono::Utc::now().timestamp_micros()))
    }

    /// A clock that always says `micros` (microseconds since the epoch).
    pub fn fixed(micros: i64) -> Self {
        Self(Arc::new(move || micros))
    }

    /// The time now, in microseconds since the epoch.
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// What the newest plausible time counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The delivery time in a CloudTrail log file's name.
    Delivered(i64),
    /// The time the object was read (or the store is read).
    Read(i64),
}

/// The event times plausible in one object, or in a store read at some time: from
/// [`CLOUDTRAIL_EPOCH`] to a day past the [`Basis`], both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBounds {
    basis: Basis,
}

impl TimeBounds {
    /// The bounds of the object at `path` (a key, URL or file path), read at `read_at`:
    /// from its delivery time when its name shows one, never later than `read_at` (a name
    /// claiming a future delivery moves nothing).
    pub fn for_object(path: &str, read_at: i64) -> Self {
        let basis = match layout::delivery_time(path) {
            Some(delivered) if delivered <= read_at => Basis::Delivered(delivered),
            _ => Basis::Read(read_at),
        };
        Self { basis }
    }

    /// The bounds of a store read at `now`: no event it holds can be newer than `now` and
    /// the margin.
    pub fn at(now: i64) -> Self {
        Self {
            basis: Basis::Read(now),
        }
    }

    /// The oldest plausible time, in microseconds since the epoch.
    pub fn earliest(&self) -> i64 {
        CLOUDTRAIL_EPOCH
    }

    /// The newest plausible time, in microseconds since the epoch.
    pub fn latest(&self) -> i64 {
        match self.basis {
            Basis::Delivered(t) | Basis::Read(t) => t.saturating_add(MARGIN),
        }
    }

    /// Whether an event at `micros` is plausible, and why not.
    pub fn check(&self, micros: i64) -> Result<(), Implausible> {
        if micros < self.earliest() {
            Err(Implausible::BeforeCloudTrail)
        } else if micros > self.latest() {
            Err(Implausible::AfterLatest(*self))
        } else {
            Ok(())
        }
    }
}

/// Why an event time is not plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Before CloudTrail began recording.
    BeforeCloudTrail,
    /// More than the margin after the object's delivery or reading.
    AfterLatest(TimeBounds),
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implausible::BeforeCloudTrail => {
                write!(
                    f,
                    "before CloudTrail began ({})",
                    format_time(CLOUDTRAIL_EPOCH)
                )
            }
            Implausible::AfterLatest(bounds) => {
                let (what, at) = match bounds.basis {
                    Basis::Delivered(t) => ("its file was delivered", t),
                    Basis::Read(t) => ("it was read", t),
                };
                write!(
                    f,
                    "more than a day after {what} ({}): after {}",
                    format_time(at),
                    format_time(bounds.latest())
                )
            }
        }
    }
}

/// `2026-01-01T00:05:00Z`.
fn format_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros).map_or_else(
        || format!("{micros} µs"),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    const KEY: &str = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/111122223333_CloudTrail_us-east-1_20260101T0005Z_aBcD1234eFgH5678.json.gz";

    #[test]
    fn the_epoch_is_cloudtrails_first_day() {
        assert_eq!(CLOUDTRAIL_EPOCH, at("2013-11-01T00:00:00Z"));
    }

    #[test]
    fn a_delivered_file_holds_events_up_to_a_day_after_its_delivery() {
        let read = at("2026-06-01T00:00:00Z");
        let bounds = TimeBounds::for_object(KEY, read);
        assert_eq!(bounds.latest(), at("2026-01-02T00:05:00Z"));
        assert_eq!(bounds.check(at("2026-01-02T00:05:00Z")), Ok(()));
        assert_eq!(bounds.check(at("2013-11-01T00:00:00Z")), Ok(()));
        assert_eq!(
            bounds.check(at("2013-10-31T23:59:59Z")),
            Err(Implausible::BeforeCloudTrail)
        );
        let late = bounds.check(at("2026-01-02T00:05:01Z")).unwrap_err();
        assert_eq!(
            late.to_string(),
            "more than a day after its file was delivered (2026-01-01T00:05:00Z): after 2026-01-02T00:05:00Z"
        );
        assert_eq!(
            Implausible::BeforeCloudTrail.to_string(),
            "before CloudTrail began (2013-11-01T00:00:00Z)"
        );
    }

    #[test]
    fn without_a_delivery_time_the_reading_bounds_the_events() {
        let read = at("2026-06-01T12:00:00Z");
        for path in [
            "/tmp/export.json",
            "lookup-events://111122223333/us-east-1/2026-06-01",
        ] {
            let bounds = TimeBounds::for_object(path, read);
            assert_eq!(bounds, TimeBounds::at(read));
            assert_eq!(bounds.latest(), at("2026-06-02T12:00:00Z"));
        }
        // A name that claims a delivery after the reading does not widen the bounds.
        let early = at("2025-12-31T00:00:00Z");
        assert_eq!(TimeBounds::for_object(KEY, early), TimeBounds::at(early));
        assert_eq!(
            TimeBounds::at(at("2026-06-01T12:00:00Z"))
                .check(at("9999-12-31T00:00:00Z"))
                .unwrap_err()
                .to_string(),
            "more than a day after it was read (2026-06-01T12:00:00Z): after 2026-06-02T12:00:00Z"
        );
    }

    #[test]
    fn a_fixed_clock_says_its_time() {
        let clock = Clock::fixed(at("2026-06-01T12:00:00Z"));
        assert_eq!(clock.now(), at("2026-06-01T12:00:00Z"));
        assert_eq!(clock.clone().now(), clock.now());
    }
}
