//! The report's charts as inline SVG, drawn here so the page needs no script and no
//! library to show them. Every cell and bar carries a `<title>` (a tooltip without
//! script); every text goes through [`escape`].

use std::fmt::Write as _;

use super::html::escape;
use super::{Coverage, DayActivity, Heatmap};

/// The colour of a heatmap cell: grey for none, then five blues on a log scale of `max`.
fn shade(n: u64, max: u64) -> &'static str {
    const BLUES: [&str; 5] = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
    if n == 0 {
        return "#f0f0f0";
    }
    let level = ((n as f64).ln_1p() / (max.max(1) as f64).ln_1p() * 5.0).ceil() as usize;
    BLUES[level.clamp(1, 5) - 1]
}

/// A short label for a `YYYY-MM-DD` day: `Nov 3`.
fn short_day(day: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = day
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    let date = day.get(8..10).map(|d| d.trim_start_matches('0'));
    match (month, date) {
        (Some(m), Some(d)) => format!("{m} {d}"),
        _ => day.to_owned(),
    }
}

/// Services by week: one row per service, one column per week.
pub fn heatmap(map: &Heatmap) -> String {
    const CELL: usize = 14;
    const LEFT: usize = 170;
    const TOP: usize = 34;
    let width = LEFT + CELL * map.weeks.len() + 10;
    let height = TOP + CELL * map.rows.len() + 6;
    let max = map
        .rows
        .iter()
        .flat_map(|(_, counts)| counts.iter().copied())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="heatmap" role="img" aria-label="{} by service and week" width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&map.name)
    );
    let every = map.weeks.len().div_ceil(12).max(1);
    for (i, week) in map.weeks.iter().enumerate().step_by(every) {
        let x = LEFT + i * CELL;
        let _ = write!(
            s,
            r#"<text x="{x}" y="{}" class="axis" transform="rotate(-30 {x} {})">{}</text>"#,
            TOP - 6,
            TOP - 6,
            escape(&short_day(week))
        );
    }
    for (r, (service, counts)) in map.rows.iter().enumerate() {
        let y = TOP + r * CELL;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="label" text-anchor="end">{}</text>"#,
            LEFT - 6,
            y + CELL - 3,
            escape(service)
        );
        for (c, &n) in counts.iter().enumerate() {
            let _ = write!(
                s,
                r#"<rect x="{}" y="{y}" width="{}" height="{}" fill="{}"><title>{}, {} {}: {n} calls</title></rect>"#,
                LEFT + c * CELL,
                CELL - 1,
                CELL - 1,
                shade(n, max),
                escape(service),
                if map.weeks_per_column > 1 {
                    "weeks from"
                } else {
                    "week of"
                },
                escape(&map.weeks[c])
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Events per day as bars, denied calls in red over them.
pub fn activity(days: &[DayActivity]) -> String {
    const HEIGHT: usize = 120;
    const BOTTOM: usize = 18;
    let step = if days.len() > 200 { 3 } else { 6 };
    let width = (days.len() * step).max(200) + 50;
    let max = days.iter().map(|d| d.events).max().unwrap_or(0).max(1);
    let scale = |n: u64| (n as f64 / max as f64 * HEIGHT as f64).round() as usize;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="activity" role="img" aria-label="events per day" width="{width}" height="{}" viewBox="0 0 {width} {}" xmlns="http://www.w3.org/2000/svg">"#,
        HEIGHT + BOTTOM + 4,
        HEIGHT + BOTTOM + 4
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="10" class="axis">{max}</text><line x1="0" y1="{HEIGHT}" x2="{}" y2="{HEIGHT}" class="base"/>"#,
        days.len() * step + 4,
        days.len() * step
    );
    let every = days.len().div_ceil(10).max(1);
    for (i, day) in days.iter().enumerate() {
        let x = i * step;
        let h = scale(day.events).max(usize::from(day.events > 0));
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="{}" height="{h}" class="bar"><title>{}: {} events, {} denied, {} errors</title></rect>"#,
            HEIGHT - h,
            step - 1,
            escape(&day.day),
            day.events,
            day.denied,
            day.errors
        );
        if day.denied > 0 {
            let d = scale(day.denied).max(1);
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{}" width="{}" height="{d}" class="denied"/>"#,
                HEIGHT - d,
                step - 1
            );
        }
        if i % every == 0 {
            let _ = write!(
                s,
                r#"<text x="{x}" y="{}" class="axis">{}</text>"#,
                HEIGHT + BOTTOM - 4,
                escape(&short_day(&day.day))
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Each account and region a row, each day a cell: recorded, silent inside the recording
/// (a gap, in red), or outside it.
pub fn coverage(coverage: &Coverage) -> String {
    const ROW: usize = 12;
    const LEFT: usize = 250;
    const TOP: usize = 16;
    let step = if coverage.days.len() > 200 { 3 } else { 6 };
    let width = LEFT + coverage.days.len() * step + 10;
    let height = TOP + coverage.rows.len() * ROW + 4;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="coverage" role="img" aria-label="trail coverage by account, region and day" width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let every = coverage.days.len().div_ceil(10).max(1);
    for (i, day) in coverage.days.iter().enumerate().step_by(every) {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="axis">{}</text>"#,
            LEFT + i * step,
            TOP - 4,
            escape(&short_day(day))
        );
    }
    for (r, row) in coverage.rows.iter().enumerate() {
        let y = TOP + r * ROW;
        let name = format!("{} {}", row.account, row.region);
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="label" text-anchor="end">{}</text>"#,
            LEFT - 6,
            y + ROW - 2,
            escape(&name)
        );
        let gaps = row.gaps_in_cells(coverage.days_per_cell);
        let silences = row.silences();
        let within =
            |runs: &[(usize, usize)], i: usize| runs.iter().any(|&(a, b)| (a..=b).contains(&i));
        for (i, &n) in row.events.iter().enumerate() {
            let (class, what) = if n > 0 {
                ("on", format!("{n} events"))
            } else if within(&gaps, i) {
                ("gap", "no event: a gap".to_owned())
            } else if within(&silences, i) {
                ("quiet", "no event: a quiet day".to_owned())
            } else {
                ("off", "no event".to_owned())
            };
            let _ = write!(
                s,
                r#"<rect x="{}" y="{y}" width="{}" height="{}" class="{class}"><title>{}, {}: {what}</title></rect>"#,
                LEFT + i * step,
                step - 1,
                ROW - 2,
                escape(&name),
                escape(&coverage.days[i])
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CoverageRow, Subject};

    #[test]
    fn shades_grow_with_the_count_and_zero_is_grey() {
        assert_eq!(shade(0, 100), "#f0f0f0");
        assert_eq!(shade(100, 100), "#08519c");
        assert_ne!(shade(1, 100), shade(100, 100));
        assert_eq!(shade(5, 0), "#08519c");
    }

    #[test]
    fn names_in_charts_are_escaped() {
        let map = Heatmap {
            subject: Subject::Principal,
            name: "<script>alert(1)</script>".into(),
            arn: "x".into(),
            weeks: vec!["2026-11-02".into()],
            weeks_per_column: 1,
            rows: vec![("s3\"><b>".into(), vec![3])],
            rows_left_out: 0,
        };
        let svg = heatmap(&map);
        assert!(!svg.contains("<script>") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("week of 2026-11-02: 3 calls"));
        let cov = Coverage {
            days: (1..=11).map(|d| format!("2026-11-{d:02}")).collect(),
            days_per_cell: 1,
            rows_left_out: 0,
            rows: vec![CoverageRow {
                account: "1<2".into(),
                region: "us-east-1".into(),
                events: vec![4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2],
            }],
        };
        let svg = coverage(&cov);
        assert!(
            svg.contains("1&lt;2 us-east-1, 2026-11-02: no event: a gap"),
            "{svg}"
        );
        assert_eq!(svg.matches(r#"class="gap""#).count(), 7);
        assert_eq!(svg.matches(r#"class="quiet""#).count(), 1);
        assert!(svg.contains("2026-11-10: no event: a quiet day"), "{svg}");
        assert_eq!(short_day("2026-11-03"), "Nov 3");
    }
}
