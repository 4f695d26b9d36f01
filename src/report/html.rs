//! The report as one HTML page: its own style, charts as inline SVG, and one small script
//! that only sorts tables, so every table reads the same with scripts off. Nothing is
//! fetched: the page opens offline from a file.

use std::fmt::Write as _;

use super::plans::{PlanPolicy, PlanView, SideBySide, side_by_side};
use super::{HEATMAPS, Report, Subject, svg};

/// Text made safe for HTML content and attribute values (double-quoted): the one escaping
/// function every name from the store or a plan goes through.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            // Direction overrides and isolates would turn the rest of a line around.
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// A count with thousands separators: `1234567` -> `1,234,567` (also `cli::thousands`).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number cell: shown with separators, sorted and read by tests from `data-n`.
fn num(n: u64) -> String {
    format!(r#"<td class="n" data-n="{n}">{}</td>"#, count(n))
}

fn opt_num(n: Option<u64>) -> String {
    match n {
        Some(n) => num(n),
        None => r#"<td class="n none">n/a</td>"#.to_owned(),
    }
}

fn cell(text: &str) -> String {
    format!("<td>{}</td>", escape(text))
}

fn opt_cell(text: Option<&str>) -> String {
    match text {
        Some(t) => cell(t),
        None => r#"<td class="none">never</td>"#.to_owned(),
    }
}

/// `<thead>` of a sortable table.
fn head(names: &[&str]) -> String {
    let mut s = String::from("<thead><tr>");
    for name in names {
        let _ = write!(s, "<th>{}</th>", escape(name));
    }
    s.push_str("</tr></thead>");
    s
}

/// "Showing the first N of M" under a table that left rows out.
fn left_out(shown: usize, total: usize, what: &str) -> String {
    if total > shown {
        format!(
            r#"<p class="more">The first {} of {} {what}; the rest are left out to keep the page small (narrow the scope to see them).</p>"#,
            count(shown as u64),
            count(total as u64)
        )
    } else {
        String::new()
    }
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#232f3e;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d1d9}
nav{padding:8px 24px;background:#f3f4f6;border-bottom:1px solid #d0d7de;position:sticky;top:0}
nav a{margin-right:16px;color:#0b5cad;text-decoration:none}
main{padding:0 24px 40px;max-width:1400px}
h2{border-bottom:2px solid #232f3e;padding-bottom:4px;margin-top:32px}
h3{margin:22px 0 6px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.none{color:#8c959f}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.figure{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.figure b{display:block;font-size:20px}
.more,.note{color:#57606a;font-size:13px}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:4px}
svg text{font-size:10px;fill:#57606a}
svg text.label{font-size:11px;fill:#1b1f24}
svg .bar{fill:#3182bd}svg .denied{fill:#d1242f}svg .base{stroke:#8c959f}
svg .on{fill:#2da44e}svg .gap{fill:#d1242f}svg .quiet{fill:#aceebb}svg .off{fill:#eaeef2}
.maps{display:flex;flex-wrap:wrap;gap:18px}
.map{border:1px solid #d0d7de;border-radius:6px;padding:8px}
.map h3{margin:0 0 4px;font-size:14px}
.stopped{color:#9a6700}
.diff{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace;width:100%;table-layout:fixed}
.diff td{white-space:pre-wrap;word-break:break-all;border:none;padding:0 6px}
.diff .del{background:#ffebe9}.diff .ins{background:#dafbe1}
.diff .chg-old{background:#ffebe9}.diff .chg-new{background:#dafbe1}
.decision-kept{color:#1a7f37}.decision-removed,.decision-never-used{color:#cf222e}.decision-unobservable{color:#9a6700}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px;max-height:480px}
details{margin:4px 0}
summary{cursor:pointer}
.plan{border:1px solid #d0d7de;border-radius:6px;padding:4px 16px 12px;margin:14px 0}
"#;

/// Sorts a table by the column header clicked (numbers by `data-n`), ascending then
/// descending. The tables are complete without it.
const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      if (!body) { return; }
      var down = th.getAttribute('data-order') === 'up';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
      th.setAttribute('data-order', down ? 'down' : 'up');
      var key = function (row) {
        var c = row.cells[column];
        if (!c) { return ''; }
        var n = c.getAttribute('data-n');
        return n === null ? c.textContent : Number(n);
      };
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var r = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
        return down ? -r : r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"#;

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut s = String::with_capacity(1 << 20);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#);
    s.push_str("<title>trailcut report</title><style>");
    s.push_str(STYLE);
    s.push_str("</style></head><body>");
    let scope = if report.scope.parts.is_empty() {
        "everything in the store".to_owned()
    } else {
        report.scope.parts.join(", ")
    };
    let _ = write!(
        s,
        "<header><h1>trailcut report</h1><p>Store <code>{}</code>; scope: {}.</p></header>",
        escape(&report.store),
        escape(&scope)
    );
    s.push_str(
        "<nav><a href=\"#overview\">Overview</a><a href=\"#usage\">Usage over time</a>\
         <a href=\"#principals\">Principals</a><a href=\"#unused\">Unused</a>\
         <a href=\"#denied\">Denied</a><a href=\"#plans\">Plans</a></nav><main>",
    );
    overview(&mut s, report);
    usage(&mut s, report);
    principals(&mut s, report);
    unused(&mut s, report);
    denied(&mut s, report);
    plans(&mut s, report);
    s.push_str("</main><script>");
    s.push_str(SCRIPT);
    s.push_str("</script></body></html>\n");
    s
}

fn figure(s: &mut String, label: &str, value: &str, id: &str) {
    let _ = write!(
        s,
        r#"<div class="figure" id="{id}"><b>{}</b>{}</div>"#,
        escape(value),
        escape(label)
    );
}

fn overview(s: &mut String, r: &Report) {
    let o = &r.overview;
    s.push_str(r#"<section id="overview"><h2>Overview</h2>"#);
    for missing in &r.missing {
        let _ = write!(s, r#"<p class="warn">{}</p>"#, escape(missing));
    }
    let window = match (&o.first, &o.last) {
        (Some(a), Some(b)) => format!("{a} .. {b} UTC"),
        _ => "no events".to_owned(),
    };
    let _ = write!(
        s,
        "<p>Window: <b id=\"window\">{}</b>.</p>",
        escape(&window)
    );
    s.push_str(r#"<div class="figures">"#);
    figure(s, "events", &count(o.events), "fig-events");
    figure(
        s,
        "accounts",
        &count(o.accounts.len() as u64),
        "fig-accounts",
    );
    figure(
        s,
        "regions recorded",
        &count(o.regions as u64),
        "fig-regions",
    );
    figure(
        s,
        "principals",
        &count(o.principals as u64),
        "fig-principals",
    );
    let mapped = o
        .mapped_percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "n/a".to_owned());
    figure(
        s,
        "of API calls mapped to IAM actions",
        &mapped,
        "fig-mapped",
    );
    s.push_str("</div>");
    if !o.accounts.is_empty() {
        let _ = write!(s, "<p>Accounts: {}.</p>", escape(&o.accounts.join(", ")));
    }
    if !o.mapping.is_empty() {
        s.push_str(r#"<table class="sortable" id="mapping">"#);
        s.push_str(&head(&["mapping status", "events"]));
        s.push_str("<tbody>");
        for (status, n) in &o.mapping {
            let _ = write!(s, "<tr>{}{}</tr>", cell(status), num(*n));
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("<h3>Trail coverage by account, region and day</h3>");
    if r.coverage.rows.is_empty() {
        s.push_str(r#"<p class="note">No trail events in the window.</p>"#);
    } else {
        let per_cell = r.coverage.days_per_cell.max(1);
        let gaps: usize = r
            .coverage
            .rows
            .iter()
            .map(|row| row.gaps_in_cells(per_cell).len())
            .sum();
        let _ = write!(
            s,
            r#"<p class="note">Green: the account recorded events in that region that day; pale green: a quiet day. Red: a gap, {} or more days in a row without a single event between the first and last recorded day of that region ({} gaps): calls made then are invisible, and a cut judged over that window may remove what they needed. Grey: before the first or after the last recorded day.</p>"#,
            super::GAP_DAYS,
            count(gaps as u64)
        );
        if per_cell > 1 {
            let _ = write!(
                s,
                r#"<p class="note">The window is long: each cell is {per_cell} days, dated by its first.</p>"#
            );
        }
        s.push_str(r#"<div class="chart">"#);
        s.push_str(&svg::coverage(&r.coverage));
        s.push_str("</div>");
        if r.coverage.rows_left_out > 0 {
            let _ = write!(
                s,
                r#"<p class="more">{} quieter account and region pairs left out (narrow with --account).</p>"#,
                count(r.coverage.rows_left_out as u64)
            );
        }
        let with_gaps: Vec<_> = r
            .coverage
            .rows
            .iter()
            .filter(|row| !row.gaps_in_cells(per_cell).is_empty())
            .collect();
        if !with_gaps.is_empty() {
            s.push_str(r#"<table class="sortable" id="gaps">"#);
            s.push_str(&head(&[
                "account",
                "region",
                "gaps (days without an event)",
            ]));
            s.push_str("<tbody>");
            for row in with_gaps {
                let text: Vec<String> = row
                    .gaps_in_cells(per_cell)
                    .iter()
                    .map(|&(a, b)| {
                        if a == b {
                            r.coverage.days[a].clone()
                        } else {
                            format!("{} .. {}", r.coverage.days[a], r.coverage.days[b])
                        }
                    })
                    .collect();
                let _ = write!(
                    s,
                    "<tr>{}{}{}</tr>",
                    cell(&row.account),
                    cell(&row.region),
                    cell(&text.join(", "))
                );
            }
            s.push_str("</tbody></table>");
        }
    }
    s.push_str("<h3>Calls per service</h3>");
    s.push_str(r#"<table class="sortable" id="services">"#);
    s.push_str(&head(&["service", "events", "denied", "principals"]));
    s.push_str("<tbody>");
    for t in &r.services {
        let _ = write!(
            s,
            r#"<tr data-service="{}">{}{}{}{}</tr>"#,
            escape(&t.service),
            cell(&t.service),
            num(t.events),
            num(t.denied),
            num(t.principals)
        );
    }
    s.push_str("</tbody></table></section>");
}

fn usage(s: &mut String, r: &Report) {
    s.push_str(r#"<section id="usage"><h2>Usage over time</h2><h3>Activity by day</h3>"#);
    if r.days.is_empty() {
        s.push_str(r#"<p class="note">No events in the window.</p>"#);
    } else {
        s.push_str(
            r#"<p class="note">Events per UTC day; denied calls in red.</p><div class="chart">"#,
        );
        s.push_str(&svg::activity(&r.days));
        s.push_str("</div>");
    }
    s.push_str("<h3>Services by week</h3>");
    let _ = write!(
        s,
        r#"<p class="note">Successful calls per service and week (Monday to Sunday, UTC): groups by their members' calls, then the busiest principals (up to {HEATMAPS} each). A service marked <span class="stopped">stopped</span> was used in the window and in none of its last four weeks.</p><div class="maps">"#
    );
    for map in &r.heatmaps {
        let what = match map.subject {
            Subject::Group => "group",
            Subject::Principal => "principal",
        };
        let _ = write!(
            s,
            r#"<div class="map" data-subject="{}" data-kind="{what}"><h3>{what} {}</h3>"#,
            escape(&map.arn),
            escape(&map.name)
        );
        s.push_str(&svg::heatmap(map));
        let stopped = map.stopped(4);
        if !stopped.is_empty() {
            let list: Vec<String> = stopped
                .iter()
                .map(|(service, week)| format!("{service} (last the week of {week})"))
                .collect();
            let _ = write!(
                s,
                r#"<p class="stopped">Stopped: {}</p>"#,
                escape(&list.join(", "))
            );
        }
        if map.rows_left_out > 0 {
            let _ = write!(
                s,
                r#"<p class="more">{} quieter services left out.</p>"#,
                count(map.rows_left_out as u64)
            );
        }
        s.push_str("<details><summary>as a table</summary><table class=\"sortable heat\">");
        s.push_str(&head(&["service", "calls", "first week", "last week"]));
        s.push_str("<tbody>");
        for (service, counts) in &map.rows {
            let total: u64 = counts.iter().sum();
            let first = counts.iter().position(|&n| n > 0);
            let last = counts.iter().rposition(|&n| n > 0);
            let _ = write!(
                s,
                "<tr>{}{}{}{}</tr>",
                cell(service),
                num(total),
                opt_cell(first.map(|i| map.weeks[i].as_str())),
                opt_cell(last.map(|i| map.weeks[i].as_str()))
            );
        }
        s.push_str("</tbody></table></details></div>");
    }
    s.push_str("</div>");
    if r.heatmaps_left_out > 0 {
        let _ = write!(
            s,
            r#"<p class="more">{} more groups and principals with calls have no heatmap here (narrow the scope with --group, --principal or --account).</p>"#,
            count(r.heatmaps_left_out as u64)
        );
    }
    s.push_str("</section>");
}

fn principals(s: &mut String, r: &Report) {
    s.push_str(r#"<section id="principals"><h2>Principals: granted against used</h2>"#);
    s.push_str(
        r#"<p class="note">Users and roles, most events first. Granted counts the services and actions an Allow statement of their policies (their own, and their groups') names, before any Deny, boundary or SCP. Last reported is the newest use the IAM last-accessed reports give. People are the persons the role's sessions show (Identity Center users, source identities).</p>"#,
    );
    s.push_str(r#"<table class="sortable" id="principal-table">"#);
    s.push_str(&head(&[
        "principal",
        "type",
        "account",
        "events",
        "services used",
        "services granted",
        "actions used",
        "actions granted",
        "last call (trail)",
        "last reported",
        "people",
    ]));
    s.push_str("<tbody>");
    for p in &r.principals {
        let people: Vec<String> = p
            .people
            .iter()
            .map(|(who, n)| format!("{who} ({})", count(*n)))
            .collect();
        let _ = write!(
            s,
            r#"<tr data-principal="{}">{}{}{}{}{}{}{}{}{}{}{}</tr>"#,
            escape(&p.arn),
            cell(&p.arn),
            cell(&p.kind),
            cell(&p.account),
            num(p.events),
            num(p.services_used),
            opt_num(p.services_granted),
            num(p.actions_used),
            opt_num(p.actions_granted),
            opt_cell(p.last_trail.as_deref()),
            opt_cell(p.last_reported.as_deref()),
            cell(&people.join(", "))
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&left_out(
        r.principals.len(),
        r.principals_total,
        "principals",
    ));
    let detailed: Vec<_> = r
        .principals
        .iter()
        .filter(|p| !p.services.is_empty())
        .collect();
    if !detailed.is_empty() {
        s.push_str("<h3>Per principal, by service</h3>");
        for p in detailed {
            let _ = write!(
                s,
                r#"<details class="principal"><summary>{} ({} services)</summary><table class="sortable">"#,
                escape(&p.arn),
                p.services.len()
            );
            s.push_str(&head(&[
                "service",
                "events",
                "actions used",
                "actions granted",
                "last call (trail)",
                "last reported",
            ]));
            s.push_str("<tbody>");
            for row in &p.services {
                let _ = write!(
                    s,
                    "<tr>{}{}{}{}{}{}</tr>",
                    cell(&row.service),
                    num(row.events),
                    num(row.actions_used),
                    opt_num(row.actions_granted),
                    opt_cell(row.last_trail.as_deref()),
                    opt_cell(row.last_reported.as_deref())
                );
            }
            s.push_str("</tbody></table></details>");
        }
    }
    s.push_str("</section>");
}

fn unused(s: &mut String, r: &Report) {
    s.push_str(r#"<section id="unused"><h2>Unused</h2><h3>Services granted and not used in the window</h3>"#);
    s.push_str(r#"<table class="sortable" id="unused-services">"#);
    s.push_str(&head(&[
        "principal",
        "services granted",
        "unused",
        "unused services",
    ]));
    s.push_str("<tbody>");
    for u in &r.unused {
        const NAMES: usize = 40;
        let mut names = u
            .services
            .iter()
            .take(NAMES)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if u.services.len() > NAMES {
            let _ = write!(names, " and {} more", u.services.len() - NAMES);
        }
        let _ = write!(
            s,
            "<tr>{}{}{}{}</tr>",
            cell(&u.arn),
            num(u.granted),
            num(u.services.len() as u64),
            cell(&names)
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&left_out(r.unused.len(), r.unused_total, "principals"));
    s.push_str("<h3>Users and roles without a call in the window</h3>");
    s.push_str(r#"<table class="sortable" id="idle">"#);
    s.push_str(&head(&[
        "principal",
        "type",
        "created",
        "role last used (IAM)",
        "services granted",
    ]));
    s.push_str("<tbody>");
    for i in &r.idle {
        let _ = write!(
            s,
            "<tr>{}{}{}{}{}</tr>",
            cell(&i.arn),
            cell(&i.kind),
            opt_cell(i.created.as_deref()),
            opt_cell(i.role_last_used.as_deref()),
            opt_num(i.services_granted)
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&left_out(r.idle.len(), r.idle_total, "principals"));
    s.push_str("<h3>Customer-managed policies attached to nobody</h3>");
    s.push_str(r#"<table class="sortable" id="orphans">"#);
    s.push_str(&head(&["policy", "updated", "actions allowed"]));
    s.push_str("<tbody>");
    for o in &r.orphans {
        let _ = write!(
            s,
            "<tr>{}{}{}</tr>",
            cell(&o.arn),
            opt_cell(o.updated.as_deref()),
            num(o.actions)
        );
    }
    s.push_str("</tbody></table></section>");
}

fn denied(s: &mut String, r: &Report) {
    s.push_str(r#"<section id="denied"><h2>Denied calls</h2>"#);
    s.push_str(r#"<table class="sortable" id="denied-table">"#);
    s.push_str(&head(&["principal", "action", "calls", "last"]));
    s.push_str("<tbody>");
    for d in &r.denied {
        let _ = write!(
            s,
            "<tr>{}{}{}{}</tr>",
            cell(&d.arn),
            cell(&d.action),
            num(d.events),
            opt_cell(d.last.as_deref())
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&left_out(
        r.denied.len(),
        r.denied_total,
        "principal and action pairs",
    ));
    s.push_str("</section>");
}

fn plans(s: &mut String, r: &Report) {
    s.push_str(r#"<section id="plans"><h2>Tightening plans</h2>"#);
    if r.plans.is_empty() {
        s.push_str(
            r#"<p class="note">No plans: pass --plans DIR (folders written by <code>trailcut tighten --out</code>) or --tighten LEVEL.</p>"#,
        );
    }
    for view in &r.plans {
        plan(s, view);
    }
    s.push_str("</section>");
}

fn plan(s: &mut String, view: &PlanView) {
    let p = &view.plan;
    let level = p
        .level
        .as_deref()
        .map(|l| format!(", {l} level"))
        .unwrap_or_default();
    let _ = write!(
        s,
        r#"<div class="plan" data-plan="{}" data-kind="{}"><h3>{} {}{}</h3>"#,
        escape(&p.scope.name),
        escape(&p.scope.kind),
        escape(&p.scope.kind),
        escape(&p.scope.name),
        escape(&level)
    );
    let mut what = vec![format!("window {} .. {}", p.window.since, p.window.until)];
    if let Some(arn) = &p.scope.arn {
        what.push(arn.clone());
    }
    if let Some(entity) = &p.scope.org_entity {
        what.push(format!("under {entity}"));
    }
    what.push(format!("folder {}", view.folder));
    let _ = write!(s, "<p class=\"note\">{}</p>", escape(&what.join("; ")));
    for w in &p.warnings {
        let _ = write!(s, r#"<p class="warn">{}</p>"#, escape(w));
    }
    let replay = &p.replay;
    let verdict = if replay.regressions.is_empty() {
        "none would be denied".to_owned()
    } else {
        format!("{} would be denied", count(replay.regressions.len() as u64))
    };
    let _ = write!(
        s,
        r#"<p class="replay">Replay: <b data-replayed="{}">{} calls</b> of {} principals replayed against the new policies; <b data-regressions="{}">{}</b>.</p>"#,
        replay.events,
        count(replay.events),
        count(replay.principals),
        replay.regressions.len(),
        escape(&verdict)
    );
    // What the replay could not prove, as plan.json says it: the verdict above holds only
    // for the calls it compared.
    let mut caveats = Vec::new();
    if replay.not_comparable > 0 {
        caveats.push(format!(
            "{} actions were not allowed for certain before either (conditions the events \
             cannot settle): not compared",
            count(replay.not_comparable)
        ));
    }
    if replay.underivable > 0 {
        caveats.push(format!(
            "{} calls name no resource for an action: replayed with the resource unknown",
            count(replay.underivable)
        ));
    }
    if !replay.incomplete.is_empty() {
        caveats.push(format!(
            "not proven for {}: their policies are not all in the store, so none of their calls \
             was compared",
            replay.incomplete.join(", ")
        ));
    }
    for who in &replay.unknown_principals {
        caveats.push(format!("not replayed: {who}"));
    }
    caveats.extend(replay.warnings.iter().cloned());
    if !caveats.is_empty() {
        s.push_str(r#"<ul class="caveats">"#);
        for c in &caveats {
            let _ = write!(s, "<li>{}</li>", escape(c));
        }
        s.push_str("</ul>");
    }
    if !replay.regressions.is_empty() {
        s.push_str("<table class=\"sortable\">");
        s.push_str(&head(&["principal", "call", "action", "time", "why"]));
        s.push_str("<tbody>");
        for g in replay.regressions.iter().take(super::TABLE_ROWS) {
            let _ = write!(
                s,
                "<tr>{}{}{}{}{}</tr>",
                cell(&g.principal),
                cell(&g.call),
                cell(&g.action),
                opt_cell(g.event_time.as_deref()),
                cell(&g.explanation)
            );
        }
        s.push_str("</tbody></table>");
        s.push_str(&left_out(
            replay.regressions.len().min(super::TABLE_ROWS),
            replay.regressions.len(),
            "calls that would be denied (plan.json lists all)",
        ));
    }
    if p.scope.kind == "scp" {
        let new = p.document.as_ref().and_then(|d| view.documents.get(d));
        let old = p
            .scope
            .id
            .as_ref()
            .and_then(|id| view.old_documents.get(id));
        document_change(
            s,
            &p.scope.name,
            old.map(String::as_str),
            new.map(String::as_str),
            "the SCP",
        );
        items(s, &p.services);
    } else {
        if !p.policies.is_empty() {
            s.push_str(r#"<table class="sortable policies">"#);
            s.push_str(&head(&["policy", "kind", "outcome", "summary"]));
            s.push_str("<tbody>");
            for policy in &p.policies {
                let _ = write!(
                    s,
                    r#"<tr data-outcome="{}">{}{}{}{}</tr>"#,
                    escape(&policy.outcome),
                    cell(&policy.name),
                    cell(&policy.kind),
                    cell(&policy.outcome),
                    cell(&policy.summary)
                );
            }
            s.push_str("</tbody></table>");
        }
        for policy in &p.policies {
            policy_section(s, view, policy);
        }
    }
    if !p.moves.is_empty() {
        s.push_str("<h4>Other changes</h4><ul>");
        for m in &p.moves {
            let _ = write!(
                s,
                "<li class=\"move\"><b>{}</b>: {}</li>",
                escape(&m.text()),
                escape(&m.why)
            );
        }
        s.push_str("</ul>");
    }
    if let Some(ps) = &p.permission_set {
        permission_set(s, ps);
    }
    if !view.scripts.is_empty() {
        s.push_str("<h4>Scripts to run</h4>");
        for (name, text) in &view.scripts {
            let _ = write!(
                s,
                "<details><summary>{}</summary><pre>{}</pre></details>",
                escape(name),
                escape(text)
            );
        }
    }
    s.push_str("</div>");
}

fn policy_section(s: &mut String, view: &PlanView, policy: &PlanPolicy) {
    let new = policy.document.as_ref().and_then(|d| view.documents.get(d));
    let old = view.old_documents.get(&policy.key);
    // A new document, or one due: an outcome that leaves the policy as it is, without a
    // suggested document, has no side-by-side view.
    let changed = matches!(
        policy.outcome.as_str(),
        "rewritten" | "emptied" | "replaced"
    ) || new.is_some();
    if !changed && policy.items.is_empty() {
        return;
    }
    let _ = write!(
        s,
        r#"<h4 class="policy" data-policy="{}">{} ({}): {}</h4>"#,
        escape(&policy.name),
        escape(&policy.name),
        escape(&policy.kind),
        escape(&policy.outcome)
    );
    if changed {
        let new_text = match policy.outcome.as_str() {
            "emptied" => Some("(nothing left: the policy is detached or deleted)"),
            _ => new.map(String::as_str),
        };
        document_change(
            s,
            &policy.name,
            old.map(String::as_str),
            new_text,
            "the policy",
        );
    }
    items(s, &policy.items);
}

/// The old and new documents side by side, the differences marked.
fn document_change(s: &mut String, name: &str, old: Option<&str>, new: Option<&str>, what: &str) {
    let (Some(old), Some(new)) = (old, new) else {
        let _ = write!(
            s,
            r#"<p class="note">The document of {what} {} before{} is not at hand, so no side-by-side view.</p>"#,
            escape(name),
            if new.is_none() { " or after" } else { "" }
        );
        if let Some(new) = new {
            let _ = write!(
                s,
                "<details><summary>the new document</summary><pre>{}</pre></details>",
                escape(new)
            );
        }
        return;
    };
    let rows = side_by_side(old, new);
    let removed = rows
        .iter()
        .filter(|r| matches!(r, SideBySide::Removed(_) | SideBySide::Changed(..)))
        .count();
    let added = rows
        .iter()
        .filter(|r| matches!(r, SideBySide::Added(_) | SideBySide::Changed(..)))
        .count();
    let _ = write!(
        s,
        r#"<table class="diff" data-removed-lines="{removed}" data-added-lines="{added}"><colgroup><col style="width:50%"><col style="width:50%"></colgroup><thead><tr><th>before</th><th>after</th></tr></thead><tbody>"#
    );
    for row in rows {
        let (l, lc, r, rc) = match row {
            SideBySide::Same(t) => (t, "", t, ""),
            SideBySide::Removed(t) => (t, "del", "", ""),
            SideBySide::Added(t) => ("", "", t, "ins"),
            SideBySide::Changed(a, b) => (a, "chg-old", b, "chg-new"),
        };
        let _ = write!(
            s,
            r#"<tr><td class="{lc}">{}</td><td class="{rc}">{}</td></tr>"#,
            escape(l),
            escape(r)
        );
    }
    s.push_str("</tbody></table>");
}

/// Each service or action of a policy and its evidence.
fn items(s: &mut String, items: &[super::plans::PlanItem]) {
    if items.is_empty() {
        return;
    }
    s.push_str(r#"<table class="sortable items">"#);
    s.push_str(&head(&[
        "item",
        "decision",
        "calls in window",
        "first",
        "last",
        "calls before",
        "last before",
        "from",
        "principals",
    ]));
    s.push_str("<tbody>");
    // Items removed without a call in or before the window are most of an AWS managed
    // policy's actions: counted per service below the table, not listed one by one.
    let (silent, shown): (Vec<_>, Vec<_>) = items.iter().partition(|i| {
        i.decision != "kept" && i.kept != Some(true) && i.evidence.is_none() && i.before.is_none()
    });
    let listed = shown.len();
    for item in shown.iter().take(super::TABLE_ROWS) {
        let decision = match (&item.reason, item.kept) {
            (Some(reason), Some(kept)) => format!(
                "{} ({reason}, {})",
                item.decision,
                if kept { "kept" } else { "dropped" }
            ),
            _ => item.decision.clone(),
        };
        let e = item.evidence.as_ref();
        let b = item.before.as_ref();
        let sources: Vec<&str> = e
            .or(b)
            .map(|e| e.sources.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let principals: Vec<&str> = e
            .or(b)
            .map(|e| e.principals.iter().map(String::as_str).take(5).collect())
            .unwrap_or_default();
        let _ = write!(
            s,
            r#"<tr data-item="{}" data-decision="{}"><td>{}</td><td class="decision-{}">{}</td>{}{}{}{}{}{}{}</tr>"#,
            escape(&item.name),
            escape(&item.decision),
            escape(&item.name),
            escape(&item.decision),
            escape(&decision),
            num(e.map(|e| e.events).unwrap_or(0)),
            opt_cell(e.and_then(|e| e.first.as_deref())),
            opt_cell(e.and_then(|e| e.last.as_deref())),
            num(b.map(|e| e.events).unwrap_or(0)),
            opt_cell(b.and_then(|e| e.last.as_deref())),
            cell(&sources.join(", ")),
            cell(&principals.join(", "))
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&left_out(
        listed.min(super::TABLE_ROWS),
        listed,
        "items (plan.json lists all)",
    ));
    if !silent.is_empty() {
        let mut per_service: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
        for item in &silent {
            let service = item.name.split(':').next().unwrap_or(&item.name);
            *per_service
                .entry((item.decision.as_str(), service))
                .or_default() += 1;
        }
        let actions = silent.iter().any(|i| i.name.contains(':'));
        let text: Vec<String> = per_service
            .iter()
            .map(|((decision, service), n)| match actions {
                true => format!("{service}: {n} {decision}"),
                false => format!("{service} ({decision})"),
            })
            .collect();
        let _ = write!(
            s,
            r#"<details class="silent" data-silent="{}"><summary>{} more removed with no call in or before the window</summary><p>{}</p></details>"#,
            silent.len(),
            count(silent.len() as u64),
            escape(&text.join(", "))
        );
    }
}

fn permission_set(s: &mut String, ps: &super::plans::PlanPermissionSet) {
    let _ = write!(
        s,
        "<h4>Permission set {}: accounts and people</h4>",
        escape(&ps.name)
    );
    if !ps.managed_detached.is_empty() {
        let _ = write!(
            s,
            "<p>Managed policies detached: {}.</p>",
            escape(&ps.managed_detached.join(", "))
        );
    }
    s.push_str("<table class=\"sortable\">");
    s.push_str(&head(&["account", "calls", "people"]));
    s.push_str("<tbody>");
    for a in &ps.accounts {
        let people: Vec<String> = a
            .people
            .iter()
            .map(|(who, n)| format!("{who} ({})", count(*n)))
            .collect();
        let _ = write!(
            s,
            "<tr>{}{}{}</tr>",
            cell(&a.account),
            num(a.events),
            cell(&people.join(", "))
        );
    }
    s.push_str("</tbody></table><table class=\"sortable\">");
    s.push_str(&head(&["account", "assigned to", "verdict", "why"]));
    s.push_str("<tbody>");
    for a in &ps.assignments {
        let who = format!(
            "{} {}",
            a.principal_type.to_lowercase(),
            a.principal_name.as_deref().unwrap_or(&a.principal_id)
        );
        let _ = write!(
            s,
            "<tr>{}{}{}{}</tr>",
            cell(&a.account),
            cell(&who),
            cell(&a.verdict),
            cell(&a.why)
        );
    }
    s.push_str("</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_counts_read_well() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{fffd}b");
        assert_eq!(escape("x\u{202e}y\u{2066}z"), "x\u{fffd}y\u{fffd}z");
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(100), "100");
    }

    #[test]
    fn an_empty_report_is_a_whole_page_with_every_section() {
        let page = render(&Report::default());
        for id in [
            "overview",
            "usage",
            "principals",
            "unused",
            "denied",
            "plans",
        ] {
            assert!(page.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert!(page.ends_with("</html>\n"));
        for fetch in ["src=", "href=\"http", "@import", "url("] {
            assert!(!page.contains(fetch), "nothing is fetched: {fetch}");
        }
    }
}
