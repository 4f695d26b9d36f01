//! The period whose evidence counts, and which evidence counts in it.

/// A day, in microseconds.
pub const DAY: i64 = 86_400_000_000;

/// The period whose evidence counts, in microseconds since the epoch, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

impl Window {
    /// Whole days, rounded.
    pub fn days(&self) -> i64 {
        (self.until - self.since + DAY / 2) / DAY
    }
}

/// Which evidence a run counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    /// The trail's calls only.
    Trail,
    /// The last-accessed reports only.
    Reports,
    /// Both.
    Both,
}

impl Sources {
    /// From which of the two are present; `None` when neither is.
    pub fn of(trail: bool, reports: bool) -> Option<Sources> {
        match (trail, reports) {
            (true, true) => Some(Sources::Both),
            (true, false) => Some(Sources::Trail),
            (false, true) => Some(Sources::Reports),
            (false, false) => None,
        }
    }

    /// Whether the trail counts.
    pub fn trail(self) -> bool {
        matches!(self, Sources::Trail | Sources::Both)
    }

    /// Whether the last-accessed reports count.
    pub fn reports(self) -> bool {
        matches!(self, Sources::Reports | Sources::Both)
    }

    /// The same with the reports counted or not.
    pub fn with_reports(self, reports: bool) -> Option<Sources> {
        Sources::of(self.trail(), reports)
    }

    /// In words, for reports: "the trail and the last-accessed reports".
    pub fn describe(self) -> &'static str {
        match self {
            Sources::Both => "the trail and the last-accessed reports",
            Sources::Trail => "the trail",
            Sources::Reports => "the last-accessed reports",
        }
    }
}

impl serde::Serialize for Sources {
    /// As plan.json writes it: `{"trail": true, "last_accessed": false}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Sources", 2)?;
        s.serialize_field("trail", &self.trail())?;
        s.serialize_field("last_accessed", &self.reports())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_rounded_days() {
        let w = Window {
            since: 0,
            until: 90 * DAY,
        };
        assert_eq!(w.days(), 90);
        let w = Window {
            since: 0,
            until: 90 * DAY - DAY / 2 + 1,
        };
        assert_eq!(w.days(), 90);
        let w = Window {
            since: 0,
            until: 90 * DAY - DAY / 2 - 1,
        };
        assert_eq!(w.days(), 89);
    }

    #[test]
    fn sources_say_which_evidence_counts() {
        assert_eq!(Sources::of(false, false), None);
        let both = Sources::of(true, true).unwrap();
        assert!(both.trail() && both.reports());
        assert_eq!(both.with_reports(false), Some(Sources::Trail));
        assert_eq!(Sources::Reports.with_reports(false), None);
        assert_eq!(
            serde_json::to_value(Sources::Reports).unwrap(),
            serde_json::json!({"trail": false, "last_accessed": true})
        );
    }
}
