//! `trailcut report`: the store and the tightening plans as one self-contained HTML page,
//! for an administrator to look at before cutting, and to attach to a change ticket.
//!
//! This module owns the page: its model ([`Report`], filled by `sql::report` from the
//! store), the plans read back from `tighten --out` folders ([`plans`]), the charts drawn as
//! SVG ([`svg`]) and the HTML ([`html`]). It is pure: no DataFusion, no tokio. Every name
//! that reaches the page goes through one escaping function ([`html::escape`]).
//!
//! Sizes are bounded whatever the store holds: each table keeps its first rows in a stated
//! order and says how many it left out, so the page stays readable at millions of events
//! and thousands of principals.

pub mod html;
pub mod plans;
pub mod svg;

pub use html::render;
pub use plans::{PlanView, load_plans};

/// How many rows a table shows before it says how many it left out.
pub const TABLE_ROWS: usize = 200;
/// A run of this many days without a single event in an account and region that records
/// before and after it is a gap in the trail, not a quiet spell (the tightener calls a
/// week without an event at the start of the window a late trail, for the same reason).
pub const GAP_DAYS: usize = 7;
/// How many heatmaps of groups, and of principals, the page draws.
pub const HEATMAPS: usize = 24;

/// What the report covers, as the user asked it (shown on the page).
#[derive(Debug, Clone, Default)]
pub struct ScopeText {
    /// `account 123456789012`, `group Development`, `last 90 days`, ...; empty for all.
    pub parts: Vec<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The store's directory, as given.
    pub store: String,
    pub scope: ScopeText,
    pub overview: Overview,
    /// Activity per UTC day of the window, oldest first.
    pub days: Vec<DayActivity>,
    /// Calls per service over the window, most first.
    pub services: Vec<ServiceTotal>,
    /// The trail's events per account, region and day: where the recording has gaps.
    pub coverage: Coverage,
    /// Heatmaps of groups (their members' use) first, then of principals.
    pub heatmaps: Vec<Heatmap>,
    /// Groups and principals with use that have no heatmap.
    pub heatmaps_left_out: usize,
    /// Principals (users and roles), most events first.
    pub principals: Vec<PrincipalRow>,
    /// How many principals there are in all (the table may show fewer).
    pub principals_total: usize,
    /// Principals with services granted and unused in the window, most unused first.
    pub unused: Vec<UnusedRow>,
    pub unused_total: usize,
    /// Users and roles of the IAM snapshot without one call in the window.
    pub idle: Vec<IdleRow>,
    pub idle_total: usize,
    /// Customer-managed policies attached to nobody.
    pub orphans: Vec<OrphanRow>,
    /// Denied calls by principal and action, most first.
    pub denied: Vec<DeniedRow>,
    pub denied_total: usize,
    /// Tables the store lacks, and what the page cannot show without them.
    pub missing: Vec<String>,
    /// The tightening plans.
    pub plans: Vec<PlanView>,
}

/// The store at a glance.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// The first and last event of the window (`YYYY-MM-DD HH:MM:SS`), none without events.
    pub first: Option<String>,
    pub last: Option<String>,
    pub events: u64,
    pub accounts: Vec<String>,
    pub regions: usize,
    pub principals: usize,
    /// Events per mapping status (`mapped`, `permissionless`, `not_api_call`, `unmapped`).
    pub mapping: Vec<(String, u64)>,
}

impl Overview {
    /// The share of API calls mapped to IAM actions (mapped or permissionless), in percent.
    pub fn mapped_percent(&self) -> Option<f64> {
        let count = |names: &[&str]| -> u64 {
            self.mapping
                .iter()
                .filter(|(s, _)| names.contains(&s.as_str()))
                .map(|(_, n)| n)
                .sum()
        };
        let mapped = count(&["mapped", "permissionless"]);
        let calls = mapped + count(&["unmapped"]);
        (calls > 0).then(|| mapped as f64 * 100.0 / calls as f64)
    }
}

/// One service over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceTotal {
    /// The IAM service prefix, or the event source when the call is unmapped.
    pub service: String,
    pub events: u64,
    pub denied: u64,
    pub principals: u64,
}

/// One UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayActivity {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub events: u64,
    pub denied: u64,
    pub errors: u64,
}

/// Columns a chart draws at most: a longer window puts several days (weeks) in a column.
pub const COLUMNS: usize = 120;
/// Account and region rows the coverage chart draws at most (the busiest).
pub const COVERAGE_ROWS: usize = 60;

/// The trail's events per account and region, day by day (or `days_per_cell` days).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// The first day of each cell, `YYYY-MM-DD`, oldest first.
    pub days: Vec<String>,
    /// Days in each cell: 1, or more when the window is longer than [`COLUMNS`] days.
    pub days_per_cell: usize,
    pub rows: Vec<CoverageRow>,
    /// Account and region rows left out (the quietest).
    pub rows_left_out: usize,
}

/// One account and region: its events on each day of [`Coverage::days`].
#[derive(Debug, Clone, Default)]
pub struct CoverageRow {
    pub account: String,
    pub region: String,
    pub events: Vec<u64>,
}

impl CoverageRow {
    /// The runs of at least [`GAP_DAYS`] days without an event between this row's first
    /// and last day (`(first index, last index)`): a trail that stopped recording. Shorter
    /// silences are quiet days, which small accounts have.
    pub fn gaps(&self) -> Vec<(usize, usize)> {
        self.gaps_in_cells(1)
    }

    /// [`CoverageRow::gaps`] when each cell holds `days_per_cell` days.
    pub fn gaps_in_cells(&self, days_per_cell: usize) -> Vec<(usize, usize)> {
        let cells = GAP_DAYS.div_ceil(days_per_cell.max(1));
        self.silences()
            .into_iter()
            .filter(|(a, b)| b - a + 1 >= cells)
            .collect()
    }

    /// Every run of days without an event between this row's first and last day.
    pub fn silences(&self) -> Vec<(usize, usize)> {
        let Some(first) = self.events.iter().position(|&n| n > 0) else {
            return Vec::new();
        };
        let last = self.events.iter().rposition(|&n| n > 0).unwrap_or(first);
        let mut gaps = Vec::new();
        let mut start = None;
        for (i, &n) in self.events.iter().enumerate().take(last + 1).skip(first) {
            match (n, start) {
                (0, None) => start = Some(i),
                (0, Some(_)) => {}
                (_, Some(s)) => {
                    gaps.push((s, i - 1));
                    start = None;
                }
                (_, None) => {}
            }
        }
        gaps
    }
}

/// What a heatmap is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A group: the successful calls of its members.
    Group,
    /// A user or role.
    Principal,
}

/// Successful calls of one group or principal, by service and week.
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub subject: Subject,
    /// The group's or principal's name.
    pub name: String,
    /// The group's or principal's ARN.
    pub arn: String,
    /// The Monday starting each column, `YYYY-MM-DD`, oldest first (the same for every
    /// heatmap).
    pub weeks: Vec<String>,
    /// Weeks in each column: 1, or more when the window is longer than [`COLUMNS`] weeks.
    pub weeks_per_column: usize,
    /// Each service and its calls per week, most calls first.
    pub rows: Vec<(String, Vec<u64>)>,
    /// How many services were left out of `rows`.
    pub rows_left_out: usize,
}

impl Heatmap {
    /// The services used in the window but in none of its last `weeks` weeks, with the
    /// Monday of the last week each was used: what the subject stopped using.
    pub fn stopped(&self, weeks: usize) -> Vec<(&str, &str)> {
        let weeks = weeks.div_ceil(self.weeks_per_column.max(1));
        let total = self.weeks.len();
        if total <= weeks {
            return Vec::new();
        }
        self.rows
            .iter()
            .filter_map(|(service, counts)| {
                let last = counts.iter().rposition(|&n| n > 0)?;
                (last < total - weeks).then(|| (service.as_str(), self.weeks[last].as_str()))
            })
            .collect()
    }
}

/// A user or role: what its policies grant against what it used.
#[derive(Debug, Clone, Default)]
pub struct PrincipalRow {
    pub arn: String,
    /// `user`, `role`, `root`, `service`, ...
    pub kind: String,
    pub account: String,
    pub events: u64,
    pub services_used: u64,
    pub actions_used: u64,
    /// Services and actions its policies allow (None: the IAM snapshot lacks it).
    pub services_granted: Option<u64>,
    pub actions_granted: Option<u64>,
    /// The last successful call in the trail.
    pub last_trail: Option<String>,
    /// The newest `last_authenticated` of its last-accessed reports.
    pub last_reported: Option<String>,
    /// The people its sessions show, most events first (roles shared by people).
    pub people: Vec<(String, u64)>,
    /// Per service: calls, actions used, actions granted, last call, last reported.
    pub services: Vec<ServiceRow>,
}

/// One service of a principal.
#[derive(Debug, Clone, Default)]
pub struct ServiceRow {
    pub service: String,
    pub events: u64,
    pub actions_used: u64,
    pub actions_granted: Option<u64>,
    pub last_trail: Option<String>,
    pub last_reported: Option<String>,
}

/// A principal's services granted and not used in the window.
#[derive(Debug, Clone, Default)]
pub struct UnusedRow {
    pub arn: String,
    pub granted: u64,
    /// The unused services, by name.
    pub services: Vec<String>,
}

/// A user or role without a call in the window.
#[derive(Debug, Clone, Default)]
pub struct IdleRow {
    pub arn: String,
    pub kind: String,
    pub created: Option<String>,
    /// A role's `RoleLastUsed` from the IAM snapshot.
    pub role_last_used: Option<String>,
    pub services_granted: Option<u64>,
}

/// A customer-managed policy attached to nobody.
#[derive(Debug, Clone, Default)]
pub struct OrphanRow {
    pub arn: String,
    pub updated: Option<String>,
    pub actions: u64,
}

/// Denied calls of one principal and action.
#[derive(Debug, Clone, Default)]
pub struct DeniedRow {
    pub arn: String,
    /// The IAM action, or `eventsource:eventName` when the call is unmapped.
    pub action: String,
    pub events: u64,
    pub last: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_runs_of_silent_days_inside_the_recording() {
        let row = CoverageRow {
            account: "1".into(),
            region: "r".into(),
            events: vec![0, 3, 0, 0, 5, 1, 0, 2, 0],
        };
        assert_eq!(row.silences(), vec![(2, 3), (6, 6)]);
        assert!(row.gaps().is_empty(), "shorter than a week: quiet days");
        let mut long = vec![1];
        long.extend([0; GAP_DAYS]);
        long.extend([2, 0, 0, 1]);
        let row = CoverageRow {
            events: long,
            ..row
        };
        assert_eq!(row.gaps(), vec![(1, GAP_DAYS)]);
        assert_eq!(row.silences().len(), 2);
        assert_eq!(
            row.gaps_in_cells(7),
            vec![(1, GAP_DAYS), (GAP_DAYS + 2, GAP_DAYS + 3)]
        );
        let silent = CoverageRow {
            events: vec![0, 0],
            ..row
        };
        assert!(silent.gaps().is_empty() && silent.silences().is_empty());
    }

    #[test]
    fn a_service_is_stopped_when_its_last_weeks_are_empty() {
        let map = Heatmap {
            subject: Subject::Group,
            name: "g".into(),
            arn: "a".into(),
            weeks: (1..=6).map(|w| format!("w{w}")).collect(),
            weeks_per_column: 1,
            rows: vec![
                ("ec2".into(), vec![1, 1, 1, 1, 1, 1]),
                ("lex".into(), vec![4, 2, 0, 0, 0, 0]),
                ("s3".into(), vec![0, 0, 0, 1, 0, 0]),
            ],
            rows_left_out: 0,
        };
        assert_eq!(map.stopped(4), vec![("lex", "w2")]);
        assert_eq!(map.stopped(2), vec![("lex", "w2"), ("s3", "w4")]);
        assert!(map.stopped(6).is_empty());
        let wide = Heatmap {
            weeks_per_column: 2,
            ..map
        };
        assert_eq!(
            wide.stopped(4),
            vec![("lex", "w2"), ("s3", "w4")],
            "4 weeks: 2 columns"
        );
    }

    #[test]
    fn mapping_share_counts_api_calls_only() {
        let o = Overview {
            mapping: vec![
                ("mapped".into(), 90),
                ("permissionless".into(), 5),
                ("unmapped".into(), 5),
                ("not_api_call".into(), 100),
            ],
            ..Overview::default()
        };
        assert_eq!(o.mapped_percent(), Some(95.0));
        assert_eq!(Overview::default().mapped_percent(), None);
    }
}
