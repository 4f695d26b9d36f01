//! The report's figures, read from the store: the usage rollup for calls (never a scan of
//! `events` but for the trail's coverage, which needs the region), the IAM tables for what
//! is granted, the last-accessed tables for what AWS reports, and the store's policies for
//! the documents a plan replaces. Reads, never decides: the page is `report::render`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow::array::RecordBatch;
use chrono::{Datelike, Duration, NaiveDate};

use super::iam::{quote, quote_list, strings};
use super::tighten::ints;
use super::{Session, SqlError, SqlResult};
use crate::policy::PolicyDocument;
use crate::report::{
    COLUMNS, COVERAGE_ROWS, Coverage, CoverageRow, DayActivity, DeniedRow, HEATMAPS, Heatmap,
    IdleRow, OrphanRow, PlanView, PrincipalRow, Report, ScopeText, ServiceRow, ServiceTotal,
    Subject, TABLE_ROWS, UnusedRow,
};

/// What the report covers. Every field narrows it; none means the whole store.
#[derive(Debug, Clone, Default)]
pub struct ReportScope {
    /// Only this account's principals and trail.
    pub account: Option<String>,
    /// Principals whose ARN matches (SQL LIKE, any case); a bare name means `%/NAME`.
    pub principal: Option<String>,
    /// The members of this group (and the group's heatmap).
    pub group: Option<String>,
    /// This role.
    pub role: Option<String>,
    /// The roles this Identity Center permission set provisioned.
    pub permission_set: Option<String>,
    /// The last `days` whole UTC days up to the newest day in the store.
    pub days: Option<u32>,
    /// From this UTC day (`YYYY-MM-DD`), inclusive.
    pub since: Option<NaiveDate>,
    /// To this UTC day, inclusive.
    pub until: Option<NaiveDate>,
}

/// A scope that matches nothing the store holds, or a table the report needs is missing.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Sql(#[from] SqlError),
    #[error("the store has no usage rollup (`usage`): run `trailcut store upgrade`")]
    NoRollup,
    #[error("the window {0} .. {1} is empty: the store's days are {2} .. {3}")]
    EmptyWindow(NaiveDate, NaiveDate, NaiveDate, NaiveDate),
}

impl From<datafusion::error::DataFusionError> for ReportError {
    fn from(error: datafusion::error::DataFusionError) -> Self {
        ReportError::Sql(SqlError::from(error))
    }
}

type Result<T> = std::result::Result<T, ReportError>;

/// A query's result by column name.
struct Rows {
    batches: Vec<RecordBatch>,
}

impl Rows {
    fn text(&self, column: &str) -> SqlResult<Vec<Option<String>>> {
        strings(&self.batches, column)
    }

    fn text_or_empty(&self, column: &str) -> SqlResult<Vec<String>> {
        Ok(self
            .text(column)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    fn count(&self, column: &str) -> SqlResult<Vec<u64>> {
        Ok(ints(&self.batches, column)?
            .into_iter()
            .map(|n| n.unwrap_or(0).max(0) as u64)
            .collect())
    }

    fn len(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

async fn rows(session: &Session, sql: &str) -> Result<Rows> {
    Ok(Rows {
        batches: session.run(sql).await?,
    })
}

/// The first ten characters of a timestamp cast to text, with a space for the `T`:
/// `2026-11-15 17:47:17`.
fn time(text: Option<String>) -> Option<String> {
    text.map(|t| t.get(..19).unwrap_or(&t).replace('T', " "))
}

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// Every report figure over `scope`, and `plans` with the documents they replace.
pub async fn gather(
    session: &Session,
    store_name: &str,
    scope: &ReportScope,
    plans: Vec<PlanView>,
) -> Result<Report> {
    if !session.tables().iter().any(|t| t == "usage") {
        return Err(ReportError::NoRollup);
    }
    // The store registers its IAM and report tables even when nothing filled them: a
    // section reads a table only when it has a row.
    let mut filled = BTreeSet::new();
    for table in session.tables() {
        if FILLED_CHECK.contains(&table.as_str())
            && rows(session, &format!("SELECT 1 AS x FROM {table} LIMIT 1"))
                .await?
                .len()
                > 0
        {
            filled.insert(table.clone());
        }
    }
    let has = |table: &str| filled.contains(table);
    let mut report = Report {
        store: store_name.to_owned(),
        scope: scope_text(scope),
        ..Report::default()
    };
    for (table, what) in [
        (
            "principals",
            "services granted, idle principals and unattached policies (`trailcut authz ingest`)",
        ),
        (
            "services_last_accessed",
            "last use from IAM's last-accessed reports (`trailcut last-accessed ingest`)",
        ),
        ("events", "calls: the store holds no trail"),
    ] {
        if !has(table) {
            report
                .missing
                .push(format!("The store's `{table}` table is empty: no {what}."));
        }
    }
    let window = window(session, scope).await?;
    let s = principal_filter(scope, "principal_arn", &has);
    // Without a day of usage, no call is in the window: the IAM sections still stand.
    let w = match window {
        Some((since, until)) => days_sql("", since, until),
        None => "FALSE".to_owned(),
    };
    if let Some((since, until)) = window {
        let used = format!("FROM usage WHERE {w} AND {s}");
        overview(session, &mut report, &used).await?;
        report.days = days(session, &used, since, until).await?;
        report.services = services(session, &used).await?;
        report.coverage = coverage(session, scope, &w, since, until).await?;
        report.overview.regions = report
            .coverage
            .rows
            .iter()
            .map(|r| r.region.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        principals(session, &mut report, &used, since, until, &has).await?;
        heatmaps(session, &mut report, scope, &used, since, until, &has).await?;
        let mut denied = denied(session, &used).await?;
        report.denied_total = denied.len();
        denied.truncate(TABLE_ROWS);
        report.denied = denied;
    }
    if has("principals") {
        idle(session, &mut report, scope, &w, &has).await?;
        report.orphans = orphans(session, scope).await?;
    }
    report.plans = plans;
    old_documents(session, &mut report.plans, &has).await?;
    Ok(report)
}

/// The tables whose sections need a row in them (see [`gather`]).
const FILLED_CHECK: &[&str] = &[
    "events",
    "principals",
    "attachments",
    "policy_grants",
    "policies",
    "group_members",
    "services_last_accessed",
    "identity_store_users",
    "sso_roles",
    "sso_permission_sets",
    "sso_permission_set_policies",
    "scps",
];

fn scope_text(scope: &ReportScope) -> ScopeText {
    let mut parts = Vec::new();
    let mut add = |what: &str, value: &Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{what} {v}"));
        }
    };
    add("account", &scope.account);
    add("principal", &scope.principal);
    add("group", &scope.group);
    add("role", &scope.role);
    add("permission set", &scope.permission_set);
    if let Some(days) = scope.days {
        parts.push(format!("the last {days} days"));
    }
    if let Some(since) = scope.since {
        parts.push(format!("since {since}"));
    }
    if let Some(until) = scope.until {
        parts.push(format!("until {until}"));
    }
    ScopeText { parts }
}

/// The SQL condition on the `date` column (of table alias `alias`, `u.`, or none) for
/// the window's days.
fn days_sql(alias: &str, since: NaiveDate, until: NaiveDate) -> String {
    format!(
        "{alias}date BETWEEN DATE {} AND DATE {}",
        quote(&since.to_string()),
        quote(&until.to_string())
    )
}

/// The SQL condition on `column` (a principal ARN) for the scope; `TRUE` for everything.
fn principal_filter(scope: &ReportScope, column: &str, has: &dyn Fn(&str) -> bool) -> String {
    let mut parts = vec!["TRUE".to_owned()];
    if let Some(account) = &scope.account {
        parts.push(format!("split_part({column}, ':', 5) = {}", quote(account)));
    }
    if let Some(p) = &scope.principal {
        let pattern = if p.contains(':') || p.contains('%') || p.contains('/') {
            p.clone()
        } else {
            format!("%/{p}")
        };
        parts.push(format!("lower({column}) LIKE lower({})", quote(&pattern)));
    }
    let empty = "SELECT CAST(NULL AS VARCHAR)";
    if let Some(g) = &scope.group {
        let members = if has("group_members") {
            format!(
                "SELECT user_arn FROM group_members WHERE lower(group_name) = lower({})",
                quote(g)
            )
        } else {
            empty.to_owned()
        };
        parts.push(format!("{column} IN ({members})"));
    }
    if let Some(r) = &scope.role {
        parts.push(format!(
            "{column} LIKE '%:role/%' AND lower(split_part({column}, '/', -1)) = lower({})",
            quote(r)
        ));
    }
    if let Some(ps) = &scope.permission_set {
        let roles = if has("sso_roles") {
            format!(
                "SELECT role_arn FROM sso_roles WHERE lower(permission_set_name) = lower({})",
                quote(ps)
            )
        } else {
            empty.to_owned()
        };
        parts.push(format!("{column} IN ({roles})"));
    }
    parts.join(" AND ")
}

/// The window's first and last UTC day, `None` when the store has no usage at all.
async fn window(session: &Session, scope: &ReportScope) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let r = rows(
        session,
        "SELECT CAST(min(date) AS VARCHAR) AS a, CAST(max(date) AS VARCHAR) AS b FROM usage \
         WHERE date BETWEEN DATE '2013-11-01' AND current_date() + INTERVAL '1 day'",
    )
    .await?;
    let (Some(Some(a)), Some(Some(b))) = (r.text("a")?.pop(), r.text("b")?.pop()) else {
        return Ok(None);
    };
    let (Some(first), Some(last)) = (day(&a), day(&b)) else {
        return Ok(None);
    };
    let mut since = scope.since.unwrap_or(first).max(first);
    let until = scope.until.unwrap_or(last).min(last);
    if let Some(days) = scope.days {
        since = since.max(until - Duration::days(i64::from(days.max(1)) - 1));
    }
    if since > until {
        return Err(ReportError::EmptyWindow(since, until, first, last));
    }
    Ok(Some((since, until)))
}

async fn overview(session: &Session, report: &mut Report, used: &str) -> Result<()> {
    let r = rows(
        session,
        &format!(
            "SELECT CAST(min(first_seen) AS VARCHAR) AS a, CAST(max(last_seen) AS VARCHAR) AS b, \
             sum(events) AS n, count(DISTINCT principal_arn) AS p {used} AND role = 'primary'"
        ),
    )
    .await?;
    let o = &mut report.overview;
    o.first = time(r.text("a")?.pop().flatten());
    o.last = time(r.text("b")?.pop().flatten());
    o.events = r.count("n")?.pop().unwrap_or(0);
    o.principals = r.count("p")?.pop().unwrap_or(0) as usize;
    let r = rows(
        session,
        &format!("SELECT DISTINCT account_id AS a {used} AND account_id IS NOT NULL ORDER BY a"),
    )
    .await?;
    o.accounts = r.text_or_empty("a")?;
    let r = rows(
        session,
        &format!(
            "SELECT coalesce(mapping_status, 'unknown') AS s, sum(events) AS n {used} \
             AND role = 'primary' GROUP BY 1 ORDER BY n DESC, s"
        ),
    )
    .await?;
    o.mapping = r
        .text_or_empty("s")?
        .into_iter()
        .zip(r.count("n")?)
        .collect();
    Ok(())
}

const SERVICE: &str = "coalesce(iam_service, eventsource)";
const DENIED: &str = "sum(CASE WHEN outcome = 'denied' THEN events ELSE 0 END)";

/// Each day of `since ..= until`, with zeros for the days without a call.
async fn days(
    session: &Session,
    used: &str,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<DayActivity>> {
    let r = rows(
        session,
        &format!(
            "SELECT CAST(date AS VARCHAR) AS d, sum(events) AS n, {DENIED} AS denied, \
             sum(CASE WHEN outcome = 'error' THEN events ELSE 0 END) AS errors \
             {used} AND role = 'primary' GROUP BY date"
        ),
    )
    .await?;
    let mut by_day: HashMap<String, (u64, u64, u64)> = HashMap::new();
    for (((d, n), denied), errors) in r
        .text_or_empty("d")?
        .into_iter()
        .zip(r.count("n")?)
        .zip(r.count("denied")?)
        .zip(r.count("errors")?)
    {
        by_day.insert(d, (n, denied, errors));
    }
    Ok(every_day(since, until)
        .map(|d| {
            let key = d.to_string();
            let (events, denied, errors) = by_day.get(&key).copied().unwrap_or_default();
            DayActivity {
                day: key,
                events,
                denied,
                errors,
            }
        })
        .collect())
}

fn every_day(since: NaiveDate, until: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    since.iter_days().take_while(move |d| *d <= until)
}

async fn services(session: &Session, used: &str) -> Result<Vec<ServiceTotal>> {
    let r = rows(
        session,
        &format!(
            "SELECT {SERVICE} AS s, sum(events) AS n, {DENIED} AS denied, \
             count(DISTINCT principal_arn) AS p {used} AND role = 'primary' \
             GROUP BY 1 ORDER BY n DESC, s"
        ),
    )
    .await?;
    Ok(r.text_or_empty("s")?
        .into_iter()
        .zip(r.count("n")?)
        .zip(r.count("denied")?)
        .zip(r.count("p")?)
        .map(|(((service, events), denied), principals)| ServiceTotal {
            service,
            events,
            denied,
            principals,
        })
        .collect())
}

/// The trail's events per recording account, region and day (the scope's account only).
async fn coverage(
    session: &Session,
    scope: &ReportScope,
    w: &str,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<Coverage> {
    let account = "coalesce(recipientaccountid, account_id)";
    let only = scope
        .account
        .as_ref()
        .map(|a| format!("AND {account} = {}", quote(a)))
        .unwrap_or_default();
    let r = rows(
        session,
        &format!(
            "SELECT {account} AS a, coalesce(awsregion, '(none)') AS r, CAST(date AS VARCHAR) AS d, \
             count(*) AS n FROM events WHERE {w} {only} GROUP BY 1, 2, 3"
        ),
    )
    .await?;
    let all: Vec<String> = every_day(since, until).map(|d| d.to_string()).collect();
    // A long window puts several days in a cell, so the chart keeps its size.
    let per_cell = all.len().div_ceil(COLUMNS).max(1);
    let days: Vec<String> = all.iter().step_by(per_cell).cloned().collect();
    let index: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i / per_cell))
        .collect();
    let mut by_row: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for (((a, region), d), n) in r
        .text_or_empty("a")?
        .into_iter()
        .zip(r.text_or_empty("r")?)
        .zip(r.text_or_empty("d")?)
        .zip(r.count("n")?)
    {
        if let Some(&i) = index.get(d.as_str()) {
            by_row
                .entry((a, region))
                .or_insert_with(|| vec![0; days.len()])[i] += n;
        }
    }
    let mut rows: Vec<CoverageRow> = by_row
        .into_iter()
        .map(|((account, region), events)| CoverageRow {
            account,
            region,
            events,
        })
        .collect();
    // The busiest pairs when there are too many to draw, then in account and region order.
    let rows_left_out = rows.len().saturating_sub(COVERAGE_ROWS);
    if rows_left_out > 0 {
        rows.sort_by_key(|r| std::cmp::Reverse(r.events.iter().sum::<u64>()));
        rows.truncate(COVERAGE_ROWS);
        rows.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    }
    Ok(Coverage {
        days,
        days_per_cell: per_cell,
        rows,
        rows_left_out,
    })
}

/// The Monday of `day`'s week.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// One heatmap's calls as they are read: subject ARN, name, kind, and each service's calls
/// per week.
type Calls = (String, String, Subject, BTreeMap<String, Vec<u64>>);

#[allow(clippy::too_many_arguments)]
async fn heatmaps(
    session: &Session,
    report: &mut Report,
    scope: &ReportScope,
    used: &str,
    since: NaiveDate,
    until: NaiveDate,
    has: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let all: Vec<NaiveDate> = every_day(monday(since), until).step_by(7).collect();
    // A long window puts several weeks in a column, so each heatmap keeps its size.
    let per_column = all.len().div_ceil(COLUMNS).max(1);
    let week_index: HashMap<NaiveDate, usize> = all
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, i / per_column))
        .collect();
    let weeks: Vec<NaiveDate> = all.iter().step_by(per_column).copied().collect();
    let week_names: Vec<String> = weeks.iter().map(|w| w.to_string()).collect();
    let mut maps: Vec<Calls> = Vec::new();
    let add = |r: &Rows, subject: Subject, maps: &mut Vec<_>| -> SqlResult<()> {
        let mut index: HashMap<String, usize> = HashMap::new();
        for ((((arn, name), service), d), n) in r
            .text_or_empty("arn")?
            .into_iter()
            .zip(r.text_or_empty("name")?)
            .zip(r.text_or_empty("s")?)
            .zip(r.text_or_empty("d")?)
            .zip(r.count("n")?)
        {
            let Some(&w) = day(&d).and_then(|d| week_index.get(&monday(d))) else {
                continue;
            };
            let i = *index.entry(arn.clone()).or_insert_with(|| {
                maps.push((arn, name, subject, BTreeMap::new()));
                maps.len() - 1
            });
            maps[i]
                .3
                .entry(service)
                .or_insert_with(|| vec![0; weeks.len()])[w] += n;
        }
        Ok(())
    };
    let mut left_out = 0;
    if has("group_members") {
        let only = scope
            .group
            .as_ref()
            .map(|g| format!("AND lower(g.group_name) = lower({})", quote(g)))
            .unwrap_or_default();
        let from = format!(
            "FROM usage u JOIN group_members g ON u.principal_arn = g.user_arn \
             WHERE {} AND {} AND u.role = 'primary' AND u.outcome = 'success' {only}",
            days_sql("u.", since, until),
            principal_filter(scope, "u.principal_arn", has)
        );
        let top = rows(
            session,
            &format!(
                "SELECT g.group_arn AS arn, sum(u.events) AS n {from} GROUP BY 1 ORDER BY n DESC, arn"
            ),
        )
        .await?;
        let arns = top.text_or_empty("arn")?;
        left_out += arns.len().saturating_sub(HEATMAPS);
        if !arns.is_empty() {
            let r = rows(
                session,
                &format!(
                    "SELECT g.group_arn AS arn, max(g.group_name) AS name, coalesce(u.iam_service, u.eventsource) AS s, \
                     CAST(u.date AS VARCHAR) AS d, sum(u.events) AS n {from} AND g.group_arn IN ({}) \
                     GROUP BY 1, 3, 4",
                    quote_list(arns.iter().take(HEATMAPS))
                ),
            )
            .await?;
            add(&r, Subject::Group, &mut maps)?;
        }
    }
    let from = format!(
        "{used} AND role = 'primary' AND outcome = 'success' AND principal_arn IS NOT NULL"
    );
    // The busiest principals, as the principal table ranks them (read before).
    let arns: Vec<String> = report.principals.iter().map(|p| p.arn.clone()).collect();
    left_out += report.principals_total.saturating_sub(HEATMAPS);
    if !arns.is_empty() {
        let r = rows(
            session,
            &format!(
                "SELECT principal_arn AS arn, split_part(principal_arn, '/', -1) AS name, {SERVICE} AS s, \
                 CAST(date AS VARCHAR) AS d, sum(events) AS n {from} AND principal_arn IN ({}) GROUP BY 1, 2, 3, 4",
                quote_list(arns.iter().take(HEATMAPS))
            ),
        )
        .await?;
        // In the order of the busiest first.
        let mut principal_maps = Vec::new();
        add(&r, Subject::Principal, &mut principal_maps)?;
        let rank: HashMap<&String, usize> = arns.iter().enumerate().map(|(i, a)| (a, i)).collect();
        principal_maps.sort_by_key(|m| rank.get(&m.0).copied().unwrap_or(usize::MAX));
        maps.extend(principal_maps);
    }
    const SERVICES: usize = 30;
    report.heatmaps = maps
        .into_iter()
        .map(|(arn, name, subject, services)| {
            let mut rows: Vec<(String, Vec<u64>)> = services.into_iter().collect();
            rows.sort_by(|a, b| {
                let total = |r: &(String, Vec<u64>)| r.1.iter().sum::<u64>();
                total(b).cmp(&total(a)).then_with(|| a.0.cmp(&b.0))
            });
            let rows_left_out = rows.len().saturating_sub(SERVICES);
            rows.truncate(SERVICES);
            Heatmap {
                subject,
                name,
                arn,
                weeks: week_names.clone(),
                weeks_per_column: per_column,
                rows,
                rows_left_out,
            }
        })
        .collect();
    report.heatmaps_left_out = left_out;
    Ok(())
}

/// Services and actions granted per principal (and per service), from the IAM snapshot.
async fn granted(
    session: &Session,
    arns: &[String],
) -> Result<(HashMap<String, (u64, u64)>, HashMap<(String, String), u64>)> {
    let mut totals = HashMap::new();
    let mut per_service = HashMap::new();
    if arns.is_empty() {
        return Ok((totals, per_service));
    }
    let r = rows(
        session,
        &format!(
            "SELECT a.principal_arn AS arn, split_part(g.action, ':', 1) AS s, count(DISTINCT g.action) AS n \
             FROM attachments a JOIN policy_grants g ON a.policy_key = g.policy_key \
             WHERE g.effect = 'Allow' AND a.principal_arn IN ({}) GROUP BY 1, 2",
            quote_list(arns)
        ),
    )
    .await?;
    for ((arn, service), n) in r
        .text_or_empty("arn")?
        .into_iter()
        .zip(r.text_or_empty("s")?)
        .zip(r.count("n")?)
    {
        let t = totals.entry(arn.clone()).or_insert((0, 0));
        t.0 += 1;
        t.1 += n;
        per_service.insert((arn, service), n);
    }
    Ok((totals, per_service))
}

async fn principals(
    session: &Session,
    report: &mut Report,
    used: &str,
    since: NaiveDate,
    until: NaiveDate,
    has: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let w = days_sql("", since, until);
    let r = rows(
        session,
        &format!(
            "SELECT principal_arn AS arn, max(identity_type) AS t, max(account_id) AS a, \
             sum(CASE WHEN role = 'primary' THEN events ELSE 0 END) AS n, \
             count(DISTINCT CASE WHEN outcome = 'success' THEN {SERVICE} END) AS s, \
             count(DISTINCT CASE WHEN outcome = 'success' THEN action END) AS x, \
             CAST(max(CASE WHEN outcome = 'success' THEN last_seen END) AS VARCHAR) AS l \
             {used} AND role IN ('primary', 'action') AND principal_arn IS NOT NULL \
             GROUP BY 1 ORDER BY n DESC, arn"
        ),
    )
    .await?;
    report.principals_total = r.len();
    let arns = r.text_or_empty("arn")?;
    let shown: Vec<String> = arns.iter().take(TABLE_ROWS).cloned().collect();
    let iam = has("attachments") && has("policy_grants");
    let (granted, granted_per_service) = if iam {
        granted(session, &shown).await?
    } else {
        Default::default()
    };
    // Principals the IAM snapshot holds: granted nothing is a figure for them, unknown
    // (n/a) for the rest.
    let mut in_snapshot: BTreeSet<String> = BTreeSet::new();
    if iam && has("principals") && !shown.is_empty() {
        let r = rows(
            session,
            &format!(
                "SELECT DISTINCT arn FROM principals WHERE arn IN ({})",
                quote_list(&shown)
            ),
        )
        .await?;
        in_snapshot = r.text_or_empty("arn")?.into_iter().collect();
    }
    let kind_of = |arn: &str, identity_type: &str| -> String {
        if arn.contains(":role/") {
            "role".to_owned()
        } else if arn.contains(":user/") {
            "user".to_owned()
        } else if arn.ends_with(":root") {
            "root".to_owned()
        } else if !arn.starts_with("arn:") {
            "service".to_owned()
        } else {
            identity_type.to_lowercase()
        }
    };
    let mut rows_out: Vec<PrincipalRow> = arns
        .into_iter()
        .zip(r.text_or_empty("t")?)
        .zip(r.text_or_empty("a")?)
        .zip(r.count("n")?)
        .zip(r.count("s")?)
        .zip(r.count("x")?)
        .zip(r.text("l")?)
        .take(TABLE_ROWS)
        .map(|((((((arn, t), account), events), s), x), last)| {
            let g = granted.get(&arn).copied();
            let known = in_snapshot.contains(&arn);
            PrincipalRow {
                kind: kind_of(&arn, &t),
                account,
                events,
                services_used: s,
                actions_used: x,
                services_granted: g.map(|g| g.0).or(known.then_some(0)),
                actions_granted: g.map(|g| g.1).or(known.then_some(0)),
                last_trail: time(last),
                arn,
                ..PrincipalRow::default()
            }
        })
        .collect();
    if rows_out.is_empty() {
        return Ok(());
    }
    let list = quote_list(rows_out.iter().map(|p| &p.arn));
    // Per service.
    let r = rows(
        session,
        &format!(
            "SELECT principal_arn AS arn, {SERVICE} AS s, sum(CASE WHEN role = 'primary' THEN events ELSE 0 END) AS n, \
             count(DISTINCT action) AS x, CAST(max(last_seen) AS VARCHAR) AS l \
             FROM usage WHERE {w} AND outcome = 'success' AND role IN ('primary', 'action') \
             AND principal_arn IN ({list}) GROUP BY 1, 2 ORDER BY arn, n DESC, s"
        ),
    )
    .await?;
    let mut services: HashMap<String, Vec<ServiceRow>> = HashMap::new();
    for ((((arn, service), n), x), l) in r
        .text_or_empty("arn")?
        .into_iter()
        .zip(r.text_or_empty("s")?)
        .zip(r.count("n")?)
        .zip(r.count("x")?)
        .zip(r.text("l")?)
    {
        let actions_granted = granted_per_service
            .get(&(arn.clone(), service.clone()))
            .copied()
            .or(in_snapshot.contains(&arn).then_some(0));
        services.entry(arn).or_default().push(ServiceRow {
            service,
            events: n,
            actions_used: x,
            actions_granted,
            last_trail: time(l),
            last_reported: None,
        });
    }
    // Last-accessed reports, by subject ARN and service.
    let mut reported: HashMap<String, String> = HashMap::new();
    let mut reported_service: HashMap<(String, String), String> = HashMap::new();
    if has("services_last_accessed") {
        let r = rows(
            session,
            &format!(
                "SELECT subject AS arn, service_namespace AS s, CAST(max(last_authenticated) AS VARCHAR) AS l \
                 FROM services_last_accessed WHERE subject IN ({list}) AND last_authenticated IS NOT NULL \
                 GROUP BY 1, 2"
            ),
        )
        .await?;
        for ((arn, service), l) in r
            .text_or_empty("arn")?
            .into_iter()
            .zip(r.text_or_empty("s")?)
            .zip(r.text("l")?)
        {
            let Some(l) = time(l) else { continue };
            let newest = reported.entry(arn.clone()).or_default();
            if *newest < l {
                *newest = l.clone();
            }
            reported_service.insert((arn, service), l);
        }
    }
    // The people behind roles: the events' own person, user ids named when the Identity
    // Store outputs have them.
    let mut people: HashMap<String, Vec<(String, u64)>> = HashMap::new();
    {
        let (join, name) = if has("identity_store_users") {
            (
                "LEFT JOIN (SELECT user_id, max(user_name) AS user_name FROM identity_store_users GROUP BY 1) i \
                 ON u.person = i.user_id",
                "coalesce(i.user_name, u.person)",
            )
        } else {
            ("", "u.person")
        };
        let r = rows(
            session,
            &format!(
                "SELECT u.principal_arn AS arn, {name} AS who, sum(u.events) AS n FROM usage u {join} \
                 WHERE {} AND u.role = 'primary' AND u.person IS NOT NULL AND u.principal_arn LIKE '%:role/%' \
                 AND u.principal_arn IN ({list}) GROUP BY 1, 2 ORDER BY arn, n DESC, who",
                days_sql("u.", since, until),
            ),
        )
        .await?;
        for ((arn, who), n) in r
            .text_or_empty("arn")?
            .into_iter()
            .zip(r.text_or_empty("who")?)
            .zip(r.count("n")?)
        {
            people.entry(arn).or_default().push((who, n));
        }
    }
    let mut unused = Vec::new();
    for p in &mut rows_out {
        p.last_reported = reported.get(&p.arn).cloned();
        if let Some(mut list) = people.remove(&p.arn) {
            list.truncate(5);
            p.people = list;
        }
        let mut own = services.remove(&p.arn).unwrap_or_default();
        for row in &mut own {
            row.last_reported = reported_service
                .get(&(p.arn.clone(), row.service.clone()))
                .cloned();
        }
        if in_snapshot.contains(&p.arn) {
            let used: BTreeSet<&str> = own.iter().map(|r| r.service.as_str()).collect();
            let mut idle: Vec<String> = granted_per_service
                .keys()
                .filter(|(arn, service)| *arn == p.arn && !used.contains(service.as_str()))
                .map(|(_, service)| service.clone())
                .collect();
            idle.sort();
            if !idle.is_empty() {
                unused.push(UnusedRow {
                    arn: p.arn.clone(),
                    granted: p.services_granted.unwrap_or(0),
                    services: idle,
                });
            }
        }
        p.services = own;
    }
    unused.sort_by(|a, b| {
        b.services
            .len()
            .cmp(&a.services.len())
            .then_with(|| a.arn.cmp(&b.arn))
    });
    report.unused_total = unused.len();
    unused.truncate(TABLE_ROWS);
    report.unused = unused;
    report.principals = rows_out;
    Ok(())
}

/// Users and roles of the IAM snapshot without a call in the window.
async fn idle(
    session: &Session,
    report: &mut Report,
    scope: &ReportScope,
    w: &str,
    has: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let s = principal_filter(scope, "arn", has);
    let r = rows(
        session,
        &format!(
            "SELECT arn, principal_type AS t, CAST(created AS VARCHAR) AS c, CAST(role_last_used AS VARCHAR) AS l \
             FROM principals WHERE principal_type IN ('user', 'role') AND {s} \
             AND arn NOT IN (SELECT DISTINCT principal_arn FROM usage WHERE {w} AND principal_arn IS NOT NULL) \
             ORDER BY arn"
        ),
    )
    .await?;
    report.idle_total = r.len();
    let mut rows_out: Vec<IdleRow> = r
        .text_or_empty("arn")?
        .into_iter()
        .zip(r.text_or_empty("t")?)
        .zip(r.text("c")?)
        .zip(r.text("l")?)
        .take(TABLE_ROWS)
        .map(|(((arn, kind), created), last)| IdleRow {
            arn,
            kind,
            created: time(created),
            role_last_used: time(last),
            services_granted: None,
        })
        .collect();
    if has("attachments") && has("policy_grants") {
        let arns: Vec<String> = rows_out.iter().map(|r| r.arn.clone()).collect();
        let (granted, _) = granted(session, &arns).await?;
        for row in &mut rows_out {
            row.services_granted = Some(granted.get(&row.arn).map(|g| g.0).unwrap_or(0));
        }
    }
    report.idle = rows_out;
    Ok(())
}

/// Customer-managed policies no user, group or role has attached.
async fn orphans(session: &Session, scope: &ReportScope) -> Result<Vec<OrphanRow>> {
    let only = scope
        .account
        .as_ref()
        .map(|a| format!("AND split_part(p.policy_arn, ':', 5) = {}", quote(a)))
        .unwrap_or_default();
    // The policies first, then their actions: joining every policy's grants before the
    // filter expands each broad policy to the whole catalogue.
    let r = rows(
        session,
        &format!(
            "SELECT policy_key AS k, max(policy_arn) AS arn, CAST(max(updated) AS VARCHAR) AS u \
             FROM policies p WHERE p.policy_type = 'customer_managed' AND p.is_default {only} \
             AND p.policy_key NOT IN (SELECT DISTINCT policy_key FROM attachments) \
             AND p.policy_arn NOT IN (SELECT DISTINCT permissions_boundary FROM principals \
                                      WHERE permissions_boundary IS NOT NULL) \
             GROUP BY 1 ORDER BY arn LIMIT {TABLE_ROWS}"
        ),
    )
    .await?;
    let keys = r.text_or_empty("k")?;
    let mut actions: HashMap<String, u64> = HashMap::new();
    if !keys.is_empty() {
        let a = rows(
            session,
            &format!(
                "SELECT policy_key AS k, count(DISTINCT action) AS n FROM policy_grants \
                 WHERE effect = 'Allow' AND policy_key IN ({}) GROUP BY 1",
                quote_list(&keys)
            ),
        )
        .await?;
        actions = a
            .text_or_empty("k")?
            .into_iter()
            .zip(a.count("n")?)
            .collect();
    }
    Ok(keys
        .into_iter()
        .zip(r.text_or_empty("arn")?)
        .zip(r.text("u")?)
        .map(|((key, arn), updated)| OrphanRow {
            arn,
            updated: time(updated),
            actions: actions.get(&key).copied().unwrap_or(0),
        })
        .collect())
}

async fn denied(session: &Session, used: &str) -> Result<Vec<DeniedRow>> {
    let r = rows(
        session,
        &format!(
            "SELECT coalesce(principal_arn, '(no principal)') AS arn, \
             coalesce(action, eventsource || ':' || eventname) AS x, sum(events) AS n, \
             CAST(max(last_seen) AS VARCHAR) AS l {used} AND role = 'primary' AND outcome = 'denied' \
             GROUP BY 1, 2 ORDER BY n DESC, arn, x"
        ),
    )
    .await?;
    Ok(r.text_or_empty("arn")?
        .into_iter()
        .zip(r.text_or_empty("x")?)
        .zip(r.count("n")?)
        .zip(r.text("l")?)
        .map(|(((arn, action), events), last)| DeniedRow {
            arn,
            action,
            events,
            last: time(last),
        })
        .collect())
}

/// A document as the tightener writes them (one grant per line), so the side-by-side view
/// shows only what changed; text that does not parse is shown as stored.
fn pretty(text: &str) -> String {
    match PolicyDocument::parse_maybe_encoded(text) {
        Ok(doc) => doc.to_json_string_pretty(),
        Err(_) => text.to_owned(),
    }
}

/// Fills each plan's documents before the change: policies by key from the IAM snapshot,
/// a permission set's inline and AWS managed policies, an SCP by id.
async fn old_documents(
    session: &Session,
    plans: &mut [PlanView],
    has: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let keys: BTreeSet<String> = plans
        .iter()
        .flat_map(|v| v.plan.policies.iter().map(|p| p.key.clone()))
        .collect();
    let mut by_key: HashMap<String, String> = HashMap::new();
    if has("policies") && !keys.is_empty() {
        let r = rows(
            session,
            &format!(
                "SELECT policy_key AS k, document AS d FROM policies WHERE policy_key IN ({}) \
                 AND (is_default OR policy_type = 'inline')",
                quote_list(&keys)
            ),
        )
        .await?;
        for (k, d) in r.text_or_empty("k")?.into_iter().zip(r.text("d")?) {
            if let Some(d) = d {
                by_key.insert(k, pretty(&d));
            }
        }
    }
    let sets: BTreeSet<String> = plans
        .iter()
        .filter_map(|v| {
            v.plan
                .permission_set
                .as_ref()
                .map(|_| v.plan.scope.arn.clone())
        })
        .flatten()
        .collect();
    if has("sso_permission_sets") && has("sso_permission_set_policies") && !sets.is_empty() {
        let list = quote_list(&sets);
        let r = rows(
            session,
            &format!(
                "SELECT permission_set_arn AS k, inline_policy AS d FROM sso_permission_sets \
                 WHERE permission_set_arn IN ({list})"
            ),
        )
        .await?;
        let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, d) in r.text_or_empty("k")?.into_iter().zip(r.text("d")?) {
            if let Some(d) = d {
                parts
                    .entry(k)
                    .or_default()
                    .push(format!("// inline policy\n{}", pretty(&d)));
            }
        }
        if has("policies") {
            let r = rows(
                session,
                &format!(
                    "SELECT s.permission_set_arn AS k, s.policy_name AS n, max(p.document) AS d \
                     FROM sso_permission_set_policies s LEFT JOIN policies p \
                     ON p.policy_arn = s.policy_arn AND p.is_default \
                     WHERE s.permission_set_arn IN ({list}) AND s.policy_kind = 'aws_managed' \
                     GROUP BY 1, 2 ORDER BY 1, 2"
                ),
            )
            .await?;
            for ((k, n), d) in r
                .text_or_empty("k")?
                .into_iter()
                .zip(r.text_or_empty("n")?)
                .zip(r.text("d")?)
            {
                let body = d
                    .map(|d| pretty(&d))
                    .unwrap_or_else(|| "(not in the IAM snapshot)".to_owned());
                parts
                    .entry(k)
                    .or_default()
                    .push(format!("// AWS managed policy {n}\n{body}"));
            }
        }
        for (k, texts) in parts {
            by_key.insert(k, texts.join("\n"));
        }
    }
    let scps: BTreeSet<String> = plans
        .iter()
        .filter(|v| v.plan.scope.kind == "scp")
        .filter_map(|v| v.plan.scope.id.clone())
        .collect();
    if has("scps") && !scps.is_empty() {
        let r = rows(
            session,
            &format!(
                "SELECT id AS k, document AS d FROM scps WHERE id IN ({})",
                quote_list(&scps)
            ),
        )
        .await?;
        for (k, d) in r.text_or_empty("k")?.into_iter().zip(r.text("d")?) {
            if let Some(d) = d {
                by_key.insert(k, pretty(&d));
            }
        }
    }
    for view in plans {
        let wanted: Vec<String> = view
            .plan
            .policies
            .iter()
            .map(|p| p.key.clone())
            .chain(view.plan.scope.id.clone())
            .collect();
        for key in wanted {
            if let Some(text) = by_key.get(&key) {
                view.old_documents.insert(key, text.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_narrows_by_account_name_group_role_and_permission_set() {
        let all = |_: &str| true;
        assert_eq!(principal_filter(&ReportScope::default(), "p", &all), "TRUE");
        let scope = ReportScope {
            account: Some("123".into()),
            principal: Some("nikhilj".into()),
            group: Some("Dev'elopment".into()),
            role: Some("ci".into()),
            permission_set: Some("Developers".into()),
            ..ReportScope::default()
        };
        let sql = principal_filter(&scope, "p", &all);
        assert!(sql.contains("split_part(p, ':', 5) = '123'"), "{sql}");
        assert!(sql.contains("lower(p) LIKE lower('%/nikhilj')"), "{sql}");
        assert!(
            sql.contains("lower(group_name) = lower('Dev''elopment')"),
            "{sql}"
        );
        assert!(
            sql.contains("lower(split_part(p, '/', -1)) = lower('ci')"),
            "{sql}"
        );
        assert!(sql.contains("FROM sso_roles"), "{sql}");
        let none = |_: &str| false;
        let sql = principal_filter(&scope, "p", &none);
        assert!(
            !sql.contains("sso_roles") && !sql.contains("group_members"),
            "{sql}"
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 15).expect("a date"); // a Sunday
        assert_eq!(monday(d).to_string(), "2026-11-09");
        assert_eq!(monday(monday(d)), monday(d));
        assert_eq!(
            time(Some("2026-11-15T17:47:17.123".into())).as_deref(),
            Some("2026-11-15 17:47:17")
        );
    }
}
