//! What `trailcut tighten` reads from the store: the scope (a group, user, role or
//! customer-managed policy with the policies, attachments and memberships around it), the
//! window (found among plausible events only), and the evidence of use over the window, in
//! the core's plain types.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};

use super::events::load_events;
use super::iam::{
    PrincipalRef, find_principal, load_principal, nearest_name, quote, quote_list, strings,
};
use super::{Session, SqlError, SqlResult};
use crate::catalog::ActionCatalog;
use crate::ingest::plausible::{CLOUDTRAIL_EPOCH, TimeBounds};
use crate::policy::PolicyDocument;
use crate::request::event::{EventFacts, StoredEvent};
use crate::request::resource::{IamNames, ResourceDeriver, ResourceStatus};
use crate::tighten::bulk::{Subject, SubjectKind};
use crate::tighten::{
    Attachments, Entity, EntityKind, Evidence, EvidenceSource, Found, Known, PolicyKind, PolicyRow,
    ReportUsage, ReportedService, ResourceUse, ScpRow, ServiceUse, Source, SourceError,
    TrailCoverage, Usage, entity,
};

/// The values of a column as integers (timestamps as microseconds), nulls as `None`.
pub fn ints(batches: &[RecordBatch], column: &str) -> SqlResult<Vec<Option<i64>>> {
    let mut out = Vec::new();
    for batch in batches {
        let array = batch
            .column_by_name(column)
            .ok_or_else(|| SqlError::NoColumn(column.to_owned()))?;
        let array = arrow::compute::cast(array, &DataType::Int64)?;
        let array = array.as_primitive::<Int64Type>();
        out.extend((0..array.len()).map(|i| (!array.is_null(i)).then(|| array.value(i))));
    }
    Ok(out)
}

pub use crate::tighten::{Sources, Window};

/// A window as SQL conditions.
pub trait WindowSql {
    /// The SQL condition on `column` (a timestamp).
    fn sql(&self, column: &str) -> String;
    /// The SQL condition on the events table: its date partitions (so whole directories
    /// are skipped) and its event time.
    fn events_sql(&self) -> String;
    /// The window as the usage rollup can answer it: the whole UTC days inside it (an SQL
    /// condition on `usage`, `None` when there are none), and the partial days at its
    /// edges, which only a scan of the events can count exactly.
    fn parts(&self, rollup: bool) -> (Option<String>, Vec<Window>);
}

impl WindowSql for Window {
    /// The SQL condition on `column` (a timestamp).
    fn sql(&self, column: &str) -> String {
        format!(
            "{column} >= to_timestamp_micros({}) AND {column} <= to_timestamp_micros({})",
            self.since, self.until
        )
    }

    /// The SQL condition on the events table: its date partitions (so whole directories
    /// are skipped) and its event time.
    fn events_sql(&self) -> String {
        let day = |micros: i64| {
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "1970-01-01".to_owned())
        };
        format!(
            "date >= DATE '{}' AND date <= DATE '{}' AND {}",
            day(self.since),
            day(self.until),
            self.sql("eventtime")
        )
    }

    /// The window as the usage rollup can answer it: the whole UTC days inside it (an SQL
    /// condition on `usage`, `None` when there are none), and the partial days at its
    /// edges, which only a scan of the events can count exactly.
    fn parts(&self, rollup: bool) -> (Option<String>, Vec<Window>) {
        const DAY: i64 = 86_400_000_000;
        let (first, last) = (self.since.div_euclid(DAY), self.until.div_euclid(DAY));
        if !rollup || first == last {
            return (None, vec![*self]);
        }
        // A day is whole when the window covers it from midnight to its last microsecond.
        let whole_from = if self.since == first * DAY {
            first
        } else {
            first + 1
        };
        let whole_to = if self.until == (last + 1) * DAY - 1 {
            last
        } else {
            last - 1
        };
        let mut edges = Vec::new();
        if whole_from > first {
            edges.push(Window {
                since: self.since,
                until: (first + 1) * DAY - 1,
            });
        }
        if whole_to < last {
            edges.push(Window {
                since: last * DAY,
                until: self.until,
            });
        }
        let days = (whole_from <= whole_to).then(|| {
            let day = |d: i64| {
                chrono::DateTime::from_timestamp(d * 86_400, 0)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "1970-01-01".to_owned())
            };
            format!(
                "date >= DATE '{}' AND date <= DATE '{}'",
                day(whole_from),
                day(whole_to)
            )
        });
        (days, edges)
    }
}

/// One question over `window` in rows that add up: `rollup(days)` over its whole UTC days
/// (a condition on `usage`), `events(edge)` over the partial days at its edges (a condition
/// on `events`), or `events` over all of it when the rollup is not read.
pub async fn over_window(
    session: &Session,
    window: &Window,
    rollup: impl Fn(&str) -> String,
    events: impl Fn(&str) -> String,
) -> SqlResult<Vec<RecordBatch>> {
    let (days, edges) = window.parts(session.reads_rollup());
    let mut batches = Vec::new();
    if let Some(days) = &days {
        batches.extend(session.run(&rollup(days)).await?);
    }
    for edge in &edges {
        batches.extend(session.run(&events(&edge.events_sql())).await?);
    }
    Ok(batches)
}

/// The SQL condition that `column` (a timestamp) is inside `bounds`. Ingest stores events
/// with implausible times apart, but a store written before it did may hold some, and one
/// event dated 9999 or 1970 must not move a window.
fn plausible(column: &str, bounds: &TimeBounds) -> String {
    format!(
        "{column} >= to_timestamp_micros({}) AND {column} <= to_timestamp_micros({})",
        bounds.earliest(),
        bounds.latest()
    )
}

/// The newest plausible evidence in the store: its last event, or its newest report.
pub async fn newest_evidence(session: &Session, bounds: &TimeBounds) -> SqlResult<Option<i64>> {
    let trail = trail_bounds(session, bounds).await?.map(|(_, last)| last);
    let batches = session
        .run(&format!(
            "SELECT max(job_completion_date) AS newest FROM services_last_accessed WHERE {}",
            plausible("job_completion_date", bounds)
        ))
        .await?;
    let reports = ints(&batches, "newest")?.into_iter().flatten().next();
    Ok(trail.max(reports))
}

/// The store's first and last plausible event.
pub async fn trail_bounds(session: &Session, bounds: &TimeBounds) -> SqlResult<Option<(i64, i64)>> {
    // The days inside the bounds first: DataFusion answers that from the files' statistics,
    // without a scan, and it is exact unless an implausible event shares a day with
    // plausible ones, which only a scan can leave out.
    let day = |micros: i64| {
        chrono::DateTime::from_timestamp_micros(micros).map_or_else(
            || "1970-01-01".to_owned(),
            |t| t.format("%Y-%m-%d").to_string(),
        )
    };
    let days = format!(
        "date >= DATE '{}' AND date <= DATE '{}'",
        day(bounds.earliest()),
        day(bounds.latest())
    );
    match event_span(session, &days).await? {
        Some((first, last)) if bounds.check(first).is_err() || bounds.check(last).is_err() => {
            event_span(session, &plausible("eventtime", bounds)).await
        }
        span => Ok(span),
    }
}

/// The first and last event matching `filter`.
async fn event_span(session: &Session, filter: &str) -> SqlResult<Option<(i64, i64)>> {
    let batches = session
        .run(&format!(
            "SELECT min(eventtime) AS first, max(eventtime) AS last FROM events WHERE {filter}"
        ))
        .await?;
    let first = ints(&batches, "first")?.into_iter().flatten().next();
    let last = ints(&batches, "last")?.into_iter().flatten().next();
    Ok(first.zip(last))
}

/// Finds a customer-managed policy by name or ARN.
pub async fn find_policy(session: &Session, who: &str, account: Option<&str>) -> SqlResult<Found> {
    let mut sql = format!(
        "SELECT DISTINCT account_id, policy_arn, policy_type FROM policies \
         WHERE (lower(policy_name) = lower({q}) OR policy_arn = {q}) AND policy_arn IS NOT NULL",
        q = quote(who)
    );
    if let Some(account) = account {
        sql.push_str(&format!(" AND account_id = {}", quote(account)));
    }
    let batches = session.run(&format!("{sql} ORDER BY account_id")).await?;
    let accounts = strings(&batches, "account_id")?;
    let arns = strings(&batches, "policy_arn")?;
    let types = strings(&batches, "policy_type")?;
    match arns.len() {
        0 => {
            let hint = nearest_name(session, "policies", "policy_name", who, account).await?;
            Err(SqlError::Lookup(format!(
                "no managed policy named `{who}` in the store{}{hint} (`trailcut authz ingest` \
                 loads them)",
                account
                    .map(|a| format!(" in account {a}"))
                    .unwrap_or_default()
            )))
        }
        _ if types.iter().any(|t| t.as_deref() == Some("aws_managed")) => {
            Err(SqlError::Lookup(format!(
                "`{who}` is an AWS managed policy: AWS owns its document. Tighten the identities \
             it is attached to (--group, --user, --role) instead"
            )))
        }
        1 => Ok(Found::Policy {
            arn: arns[0].clone().unwrap_or_default(),
            account: accounts[0].clone().unwrap_or_default(),
        }),
        _ => Err(SqlError::Lookup(format!(
            "`{who}` names {} policies: {}; pass the ARN or --account ID",
            arns.len(),
            arns.iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

async fn attachments(session: &Session, account: &str) -> SqlResult<Attachments> {
    let a = quote(account);
    let batches = session
        .run(&format!(
            "SELECT DISTINCT principal_type, principal_name, principal_arn, policy_key \
             FROM attachments WHERE account_id = {a} AND via = 'direct' \
             ORDER BY principal_arn, policy_key"
        ))
        .await?;
    let kinds = strings(&batches, "principal_type")?;
    let names = strings(&batches, "principal_name")?;
    let arns = strings(&batches, "principal_arn")?;
    let keys = strings(&batches, "policy_key")?;
    let mut by_policy: BTreeMap<String, Vec<Entity>> = BTreeMap::new();
    let mut by_entity: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..keys.len() {
        let (Some(kind), Some(name), Some(arn), Some(key)) =
            (&kinds[i], &names[i], &arns[i], &keys[i])
        else {
            continue;
        };
        if let Some(e) = entity(kind, name, arn) {
            by_policy.entry(key.clone()).or_default().push(e);
            by_entity.entry(arn.clone()).or_default().push(key.clone());
        }
    }
    let batches = session
        .run(&format!(
            "SELECT group_name, group_arn, user_name, user_arn FROM group_members \
             WHERE account_id = {a} AND group_arn IS NOT NULL ORDER BY group_name, user_name"
        ))
        .await?;
    let group_names = strings(&batches, "group_name")?;
    let group_arns = strings(&batches, "group_arn")?;
    let user_names = strings(&batches, "user_name")?;
    let user_arns = strings(&batches, "user_arn")?;
    let mut members: BTreeMap<String, Vec<Entity>> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<Entity>> = BTreeMap::new();
    for i in 0..group_arns.len() {
        let (Some(gn), Some(ga), Some(un), Some(ua)) = (
            &group_names[i],
            &group_arns[i],
            &user_names[i],
            &user_arns[i],
        ) else {
            continue;
        };
        members.entry(ga.clone()).or_default().push(Entity {
            kind: EntityKind::User,
            name: un.clone(),
            arn: ua.clone(),
        });
        groups.entry(ua.clone()).or_default().push(Entity {
            kind: EntityKind::Group,
            name: gn.clone(),
            arn: ga.clone(),
        });
    }
    Ok(Attachments {
        by_policy,
        by_entity,
        members,
        groups,
    })
}

async fn policy_row(session: &Session, account: &str, key: &str) -> SqlResult<PolicyRow> {
    let batches = session
        .run(&format!(
            "SELECT policy_name, policy_arn, policy_type, version_id, is_default, document \
             FROM policies WHERE account_id = {} AND policy_key = {} \
             ORDER BY version_created, version_id",
            quote(account),
            quote(key)
        ))
        .await?;
    let names = strings(&batches, "policy_name")?;
    let arns = strings(&batches, "policy_arn")?;
    let types = strings(&batches, "policy_type")?;
    let versions = strings(&batches, "version_id")?;
    let defaults = strings(&batches, "is_default")?;
    let documents = strings(&batches, "document")?;
    let current = (0..names.len())
        .find(|&i| defaults[i].as_deref() == Some("true") || types[i].as_deref() == Some("inline"))
        .ok_or_else(|| {
            SqlError::Missing(format!("policy {key} has no current document in the store"))
        })?;
    let text = documents[current]
        .as_deref()
        .ok_or_else(|| SqlError::Missing(format!("policy {key} has no document in the store")))?;
    let document = PolicyDocument::parse(text).map_err(|source| SqlError::Policy {
        what: format!("policy {key}"),
        source,
    })?;
    let kind = match types[current].as_deref() {
        Some("aws_managed") => PolicyKind::AwsManaged,
        Some("inline") => PolicyKind::Inline,
        _ => PolicyKind::CustomerManaged,
    };
    Ok(PolicyRow {
        name: names[current].clone().unwrap_or_default(),
        arn: arns[current].clone(),
        kind,
        document,
        versions: versions.iter().flatten().cloned().collect(),
        default_version: versions[current].clone(),
    })
}

/// The `events`, `first` and `last` columns of a usage query, read once.
struct Counts {
    events: Vec<Option<i64>>,
    firsts: Vec<Option<i64>>,
    lasts: Vec<Option<i64>>,
}

impl Counts {
    fn read(batches: &[RecordBatch]) -> SqlResult<Counts> {
        Ok(Counts {
            events: ints(batches, "events")?,
            firsts: ints(batches, "first")?,
            lasts: ints(batches, "last")?,
        })
    }

    /// Row `i` as the evidence that `who` used something.
    fn evidence(&self, i: usize, who: &str, source: Source) -> Evidence {
        Evidence {
            events: self.events[i].unwrap_or_default().max(0) as u64,
            first: self.firsts[i],
            last: self.lasts[i],
            principals: BTreeSet::from([who.to_owned()]),
            sources: BTreeSet::from([source]),
        }
    }
}

/// Calls refused for lack of permission, or whose caller was not authenticated (an SQL
/// condition on `events`: [`crate::request::is_denied`] of the error code). Any other
/// error means the call was authorised.
pub const DENIED: &str = "is_denied(errorcode)";

/// The trail's evidence per principal ARN.
async fn trail_usage(
    session: &Session,
    principals: &BTreeSet<String>,
    window: &Window,
    catalog: &ActionCatalog,
) -> SqlResult<HashMap<String, Usage>> {
    let mut out: HashMap<String, Usage> = HashMap::new();
    if principals.is_empty() {
        return Ok(out);
    }
    let list = quote_list(principals.iter());
    let batches = over_window(
        session,
        window,
        |days| {
            format!(
                "SELECT principal_arn, action, \
                   CASE WHEN role = 'dependent' THEN 'dependent' ELSE 'trail' END AS source, \
                   CASE WHEN outcome = 'denied' THEN 'denied' ELSE 'ok' END AS denied, \
                   sum(events) AS events, min(first_seen) AS first, max(last_seen) AS last \
                 FROM usage WHERE {days} AND principal_arn IN ({list}) \
                   AND mapping_status = 'mapped' AND action IS NOT NULL \
                 GROUP BY 1, 2, 3, 4"
            )
        },
        |edge| {
            let filter =
                format!("{edge} AND principal_arn IN ({list}) AND mapping_status = 'mapped'");
            format!(
                "SELECT principal_arn, action, source, denied, count(*) AS events, \
                   min(eventtime) AS first, max(eventtime) AS last FROM ( \
                     SELECT principal_arn, unnest(iam_actions) AS action, 'trail' AS source, \
                       CASE WHEN {DENIED} THEN 'denied' ELSE 'ok' END AS denied, eventtime \
                     FROM events WHERE {filter} \
                     UNION ALL \
                     SELECT principal_arn, unnest(iam_dependent_actions), 'dependent', \
                       CASE WHEN {DENIED} THEN 'denied' ELSE 'ok' END, eventtime \
                     FROM events WHERE {filter}) \
                 GROUP BY principal_arn, action, source, denied"
            )
        },
    )
    .await?;
    let principals = strings(&batches, "principal_arn")?;
    let actions = strings(&batches, "action")?;
    let sources = strings(&batches, "source")?;
    let denied = strings(&batches, "denied")?;
    let counts = Counts::read(&batches)?;
    for i in 0..principals.len() {
        let (Some(principal), Some(action)) = (&principals[i], &actions[i]) else {
            continue;
        };
        // The catalogue's spelling; an action it does not know cannot be in a policy's
        // expansion either.
        let Some(action) = catalog.action(action).map(|a| a.name.as_str()) else {
            continue;
        };
        let source = if sources[i].as_deref() == Some("dependent") {
            Source::Dependent
        } else {
            Source::Trail
        };
        let evidence = counts.evidence(i, principal, source);
        let usage = out.entry(principal.clone()).or_default();
        if denied[i].as_deref() == Some("denied") {
            usage
                .denied
                .entry(action.to_owned())
                .or_default()
                .merge(&evidence);
        } else {
            usage.add_action(action, &evidence);
        }
    }
    // Successful calls trailcut cannot map: their service was used, for actions unknown.
    let batches = over_window(
        session,
        window,
        |days| {
            format!(
                "SELECT principal_arn, iam_service, sum(events) AS events, \
                   min(first_seen) AS first, max(last_seen) AS last FROM usage \
                 WHERE {days} AND principal_arn IN ({list}) AND mapping_status = 'unmapped' \
                   AND iam_service IS NOT NULL AND outcome <> 'denied' AND role = 'primary' \
                 GROUP BY principal_arn, iam_service"
            )
        },
        |edge| {
            format!(
                "SELECT principal_arn, iam_service, count(*) AS events, \
                   min(eventtime) AS first, max(eventtime) AS last FROM events \
                 WHERE {edge} AND principal_arn IN ({list}) AND mapping_status = 'unmapped' \
                   AND iam_service IS NOT NULL AND NOT {DENIED} \
                 GROUP BY principal_arn, iam_service"
            )
        },
    )
    .await?;
    let principals = strings(&batches, "principal_arn")?;
    let services = strings(&batches, "iam_service")?;
    let counts = Counts::read(&batches)?;
    for i in 0..principals.len() {
        let (Some(principal), Some(service)) = (&principals[i], &services[i]) else {
            continue;
        };
        let evidence = counts.evidence(i, principal, Source::Trail);
        let usage = out.entry(principal.clone()).or_default();
        usage.add_service(service, &evidence);
        usage.unmapped.insert(service.to_ascii_lowercase());
    }
    Ok(out)
}

/// The resources each principal's successful calls used in the window, by action (own
/// and dependent), derived from each stored event as the replay derives them.
async fn resource_usage(
    session: &Session,
    principals: &BTreeSet<String>,
    window: &Window,
    catalog: &ActionCatalog,
) -> SqlResult<HashMap<String, BTreeMap<String, ResourceUse>>> {
    let mut out: HashMap<String, BTreeMap<String, ResourceUse>> = HashMap::new();
    if principals.is_empty() {
        return Ok(out);
    }
    let list = quote_list(principals.iter());
    let (days, edges) = window.parts(session.reads_rollup());
    if let Some(days) = &days {
        let batches = session
            .run(&format!(
                "SELECT principal_arn, action, resource_status, resource_arns, events, \
                   first_seen AS first, last_seen AS last FROM usage \
                 WHERE {days} AND principal_arn IN ({list}) AND mapping_status = 'mapped' \
                   AND action IS NOT NULL AND outcome <> 'denied'"
            ))
            .await?;
        let principals = strings(&batches, "principal_arn")?;
        let actions = strings(&batches, "action")?;
        let statuses = strings(&batches, "resource_status")?;
        let arns = string_lists(&batches, "resource_arns")?;
        let counts = Counts::read(&batches)?;
        for i in 0..principals.len() {
            let (Some(principal), Some(action)) = (&principals[i], &actions[i]) else {
                continue;
            };
            let Some(known) = catalog.action(action) else {
                continue;
            };
            let evidence = counts.evidence(i, principal, Source::Trail);
            let used = out
                .entry(principal.clone())
                .or_default()
                .entry(known.name.clone())
                .or_default();
            match statuses[i].as_deref() {
                Some("derived") => {
                    for arn in &arns[i] {
                        used.arns.entry(arn.clone()).or_default().merge(&evidence);
                    }
                }
                Some("not_scoped") => used.not_scoped += evidence.events,
                _ => used.underivable += evidence.events,
            }
        }
    }
    for edge in &edges {
        let filter = format!(
            "{} AND principal_arn IN ({list}) AND mapping_status = 'mapped' AND NOT {DENIED}",
            edge.events_sql()
        );
        edge_resource_usage(session, &filter, catalog, &mut out).await?;
    }
    Ok(out)
}

/// Adds the resources of the events matching `filter`, derived one event at a time.
async fn edge_resource_usage(
    session: &Session,
    filter: &str,
    catalog: &ActionCatalog,
    out: &mut HashMap<String, BTreeMap<String, ResourceUse>>,
) -> SqlResult<()> {
    for event in load_events(session, filter).await? {
        let Some(principal) = event.principal_arn.as_deref() else {
            continue;
        };
        let at = event
            .event_time
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_micros());
        let resources = event.resource_refs();
        let facts = EventFacts {
            iam_names: Some(session.iam_names()),
            ..event.facts(&resources)
        };
        let deriver = ResourceDeriver::new(&facts);
        let by_action = out.entry(principal.to_owned()).or_default();
        for action in event.actions.iter().chain(&event.dependent) {
            let Some(known) = catalog.action(action) else {
                continue;
            };
            let derived = deriver.resources(action);
            let used = by_action.entry(known.name.clone()).or_default();
            match derived.status {
                ResourceStatus::Derived => {
                    for arn in derived.arns {
                        let one = Evidence::one(Source::Trail, principal, at, 1);
                        used.arns.entry(arn).or_default().merge(&one);
                    }
                }
                ResourceStatus::NotScoped => used.not_scoped += 1,
                ResourceStatus::Underivable => used.underivable += 1,
            }
        }
    }
    Ok(())
}

/// A list-of-strings column, row by row.
fn string_lists(batches: &[RecordBatch], column: &str) -> SqlResult<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for batch in batches {
        let array = batch
            .column_by_name(column)
            .ok_or_else(|| SqlError::NoColumn(column.to_owned()))?;
        let lists = array
            .as_list_opt::<i32>()
            .ok_or_else(|| SqlError::NotAList(column.to_owned()))?;
        for row in 0..lists.len() {
            if lists.is_null(row) {
                out.push(Vec::new());
                continue;
            }
            let values = arrow::compute::cast(&lists.value(row), &DataType::Utf8)?;
            out.push(
                values
                    .as_string::<i32>()
                    .iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// The reports' evidence per subject (the latest job of each subject completed within the
/// window).
async fn report_usage(
    session: &Session,
    subjects: &BTreeSet<String>,
    window: &Window,
    catalog: &ActionCatalog,
) -> SqlResult<HashMap<String, ReportUsage>> {
    let mut out: HashMap<String, ReportUsage> = HashMap::new();
    if subjects.is_empty() {
        return Ok(out);
    }
    let list = quote_list(subjects.iter());
    let jobs = format!(
        "jobs AS (SELECT subject, job_id, job_completion_date FROM (SELECT subject, job_id, \
           job_completion_date, row_number() OVER \
           (PARTITION BY subject ORDER BY job_completion_date DESC, job_id) AS n \
           FROM (SELECT DISTINCT subject, job_id, job_completion_date FROM services_last_accessed \
                 WHERE subject IN ({list}) AND {})) WHERE n = 1)",
        window.sql("job_completion_date")
    );
    let batches = session
        .run(&format!(
            "WITH {jobs} SELECT s.subject, s.service_namespace, s.last_authenticated, \
               s.last_authenticated_entity, j.job_completion_date AS completed \
             FROM services_last_accessed s \
             JOIN jobs j ON j.subject = s.subject AND j.job_id = s.job_id"
        ))
        .await?;
    let subjects_col = strings(&batches, "subject")?;
    let services = strings(&batches, "service_namespace")?;
    let times = ints(&batches, "last_authenticated")?;
    let entities = strings(&batches, "last_authenticated_entity")?;
    let completed = ints(&batches, "completed")?;
    for i in 0..subjects_col.len() {
        let (Some(subject), Some(service)) = (&subjects_col[i], &services[i]) else {
            continue;
        };
        let report = out.entry(subject.clone()).or_default();
        report.completed = completed[i].unwrap_or_default();
        if let Some(at) = times[i] {
            let who = entities[i].clone().unwrap_or_else(|| subject.clone());
            let evidence = Evidence::one(Source::LastAccessed, &who, Some(at), 0);
            if at >= window.since {
                report.usage.add_service(service, &evidence);
            } else {
                report.usage.add_before(service, &evidence);
            }
        }
    }
    let batches = session
        .run(&format!(
            "WITH {jobs} SELECT a.subject, a.action, a.last_accessed, a.entity \
             FROM actions_last_accessed a JOIN jobs j ON j.subject = a.subject AND j.job_id = a.job_id"
        ))
        .await?;
    let subjects_col = strings(&batches, "subject")?;
    let actions = strings(&batches, "action")?;
    let times = ints(&batches, "last_accessed")?;
    let entities = strings(&batches, "entity")?;
    for i in 0..subjects_col.len() {
        let (Some(subject), Some(action)) = (&subjects_col[i], &actions[i]) else {
            continue;
        };
        let Some(action) = catalog.action(action).map(|a| a.name.as_str()) else {
            continue;
        };
        let report = out.entry(subject.clone()).or_default();
        report.tracked.insert(action.to_owned());
        if let Some(at) = times[i] {
            let who = entities[i].clone().unwrap_or_else(|| subject.clone());
            let evidence = Evidence::one(Source::LastAccessed, &who, Some(at), 0);
            if at >= window.since {
                report.usage.add_action(action, &evidence);
            } else {
                report.usage.add_before(action, &evidence);
            }
        }
    }
    Ok(out)
}

/// Of `keys`, those that are some principal's permissions boundary in `account`, with how
/// many.
async fn boundaries(
    session: &Session,
    account: &str,
    keys: &[String],
) -> SqlResult<HashMap<String, usize>> {
    let mut out = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let list = quote_list(keys.iter());
    let batches = session
        .run(&format!(
            "SELECT permissions_boundary, count(*) AS n FROM principals \
             WHERE account_id = {} AND permissions_boundary IN ({list}) \
             GROUP BY permissions_boundary",
            quote(account)
        ))
        .await?;
    let arns = strings(&batches, "permissions_boundary")?;
    let counts = ints(&batches, "n")?;
    for (arn, n) in arns.into_iter().zip(counts) {
        if let (Some(arn), Some(n)) = (arn, n) {
            out.insert(arn, n.max(0) as usize);
        }
    }
    Ok(out)
}

/// The trail's services with data events in the window.
async fn data_event_services(session: &Session, window: &Window) -> SqlResult<BTreeSet<String>> {
    let batches = session
        .run(&format!(
            "SELECT DISTINCT iam_service FROM events WHERE eventcategory = 'Data' \
             AND iam_service IS NOT NULL AND {}",
            window.events_sql()
        ))
        .await?;
    Ok(strings(&batches, "iam_service")?
        .into_iter()
        .flatten()
        .collect())
}

/// The SCPs named or numbered `name`.
async fn scps(session: &Session, name: &str) -> SqlResult<Vec<ScpRow>> {
    let batches = session
        .run(&format!(
            "SELECT org_id, id, name, document FROM scps WHERE lower(name) = lower({q}) OR id = {q}",
            q = quote(name)
        ))
        .await?;
    if batches.iter().all(|b| b.num_rows() == 0) {
        // The store holds SCPs, but not this one: name those it holds, the closest first.
        let all = session
            .run("SELECT DISTINCT name FROM scps ORDER BY name")
            .await?;
        let known: Vec<String> = strings(&all, "name")?.into_iter().flatten().collect();
        if !known.is_empty() {
            let hint = crate::nearest::closest(&name.to_ascii_lowercase(), known.iter(), |n| {
                n.to_ascii_lowercase()
            })
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
            return Err(SqlError::Lookup(format!(
                "no SCP named `{name}` in the store{hint}; it holds {}",
                known.join(", ")
            )));
        }
    }
    let orgs = strings(&batches, "org_id")?;
    let ids = strings(&batches, "id")?;
    let names = strings(&batches, "name")?;
    let documents = strings(&batches, "document")?;
    Ok((0..ids.len())
        .map(|i| ScpRow {
            org_id: orgs[i].clone().unwrap_or_default(),
            id: ids[i].clone().unwrap_or_default(),
            name: names[i].clone(),
            document: documents[i].clone(),
        })
        .collect())
}

/// The entity paths an SCP is attached to.
async fn scp_targets(session: &Session, org_id: &str, policy_id: &str) -> SqlResult<Vec<String>> {
    let batches = session
        .run(&format!(
            "SELECT target_path FROM scp_targets WHERE org_id = {} AND policy_id = {} \
             ORDER BY target_path",
            quote(org_id),
            quote(policy_id)
        ))
        .await?;
    Ok(strings(&batches, "target_path")?
        .into_iter()
        .flatten()
        .collect())
}

/// The organisation's member accounts at or under any of `targets`.
async fn member_accounts_under(
    session: &Session,
    org_id: &str,
    targets: &[String],
) -> SqlResult<Vec<String>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let under = targets
        .iter()
        .map(|t| {
            format!(
                "(path = {q} OR path LIKE {p})",
                q = quote(t),
                p = quote(&format!("{t}/%"))
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    let batches = session
        .run(&format!(
            "SELECT id FROM org_accounts WHERE org_id = {} AND NOT is_management AND ({under}) \
             ORDER BY id",
            quote(org_id)
        ))
        .await?;
    Ok(strings(&batches, "id")?.into_iter().flatten().collect())
}

/// The path of the root, OU or account `id` in the organisation's tree.
async fn entity_path(session: &Session, org_id: &str, id: &str) -> SqlResult<Option<String>> {
    let (org, id) = (quote(org_id), quote(id));
    let batches = session
        .run(&format!(
            "SELECT path FROM org_units WHERE org_id = {org} AND id = {id} AND path IS NOT NULL \
             UNION ALL SELECT path FROM org_accounts WHERE org_id = {org} AND id = {id} \
             AND path IS NOT NULL"
        ))
        .await?;
    Ok(strings(&batches, "path")?.into_iter().flatten().next())
}

/// Every subject of `kind` (of `account`, when given).
async fn subjects(
    session: &Session,
    kind: SubjectKind,
    account: Option<&str>,
) -> SqlResult<Vec<Subject>> {
    let in_account = account
        .map(|a| format!(" AND account_id = {}", quote(a)))
        .unwrap_or_default();
    let sql = match kind {
        SubjectKind::Policies => format!(
            "SELECT DISTINCT account_id, policy_name AS name, path FROM policies \
             WHERE policy_type = 'customer_managed' AND policy_arn IS NOT NULL{in_account}"
        ),
        other => format!(
            "SELECT account_id, name, path FROM principals WHERE principal_type = {}{in_account}",
            quote(other.as_str())
        ),
    };
    let batches = session.run(&sql).await?;
    let accounts = strings(&batches, "account_id")?;
    let names = strings(&batches, "name")?;
    let paths = strings(&batches, "path")?;
    Ok(accounts
        .into_iter()
        .zip(names)
        .zip(paths)
        .filter_map(|((account, name), path)| {
            Some(Subject {
                account: account?,
                name: name?,
                path: path.unwrap_or_else(|| "/".to_owned()),
            })
        })
        .collect())
}

/// The organisation's accounts whose place in the tree is unknown.
async fn unplaced_accounts(session: &Session, org_id: &str) -> SqlResult<Vec<String>> {
    let batches = session
        .run(&format!(
            "SELECT id FROM org_accounts WHERE org_id = {} AND path IS NULL ORDER BY id",
            quote(org_id)
        ))
        .await?;
    Ok(strings(&batches, "id")?.into_iter().flatten().collect())
}

/// The services the principals of `accounts` used successfully before `before`, for the
/// accounts together (SCPs do not govern AWS services acting for themselves).
async fn services_before(
    session: &Session,
    accounts: &[String],
    before: i64,
) -> SqlResult<Vec<ServiceUse>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let list = quote_list(accounts.iter());
    let batches = session
        .run(&format!(
            "SELECT iam_service, count(*) AS events, max(eventtime) AS last FROM events \
             WHERE eventtime < to_timestamp_micros({before}) \
               AND eventtime >= to_timestamp_micros({CLOUDTRAIL_EPOCH}) AND account_id IN ({list}) \
               AND mapping_status IN ('mapped', 'unmapped') AND iam_service IS NOT NULL \
               AND coalesce(useridentity['type'], '') <> 'AWSService' \
               AND NOT {DENIED} GROUP BY iam_service"
        ))
        .await?;
    let services = strings(&batches, "iam_service")?;
    let events = ints(&batches, "events")?;
    let lasts = ints(&batches, "last")?;
    Ok((0..services.len())
        .filter_map(|i| {
            Some(ServiceUse {
                service: services[i].clone()?,
                principal: None,
                events: events[i].unwrap_or_default().max(0) as u64,
                first: None,
                last: lasts[i],
            })
        })
        .collect())
}

/// The services, dependent actions' services included, each principal of `accounts` used
/// successfully in `window`.
async fn services_used(
    session: &Session,
    accounts: &[String],
    window: &Window,
) -> SqlResult<Vec<ServiceUse>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let list = quote_list(accounts.iter());
    let batches = session
        .run(&format!(
            "SELECT service AS iam_service, principal_arn, count(*) AS events, \
               min(eventtime) AS first, max(eventtime) AS last FROM ( \
                 SELECT iam_service AS service, principal_arn, eventtime FROM events \
                 WHERE {w} AND account_id IN ({list}) AND mapping_status IN ('mapped', 'unmapped') \
                   AND iam_service IS NOT NULL AND principal_arn IS NOT NULL \
                   AND coalesce(useridentity['type'], '') <> 'AWSService' AND NOT {DENIED} \
                 UNION ALL \
                 SELECT split_part(a, ':', 1), principal_arn, eventtime FROM \
                   (SELECT unnest(iam_dependent_actions) AS a, principal_arn, eventtime \
                    FROM events WHERE {w} AND account_id IN ({list}) \
                      AND mapping_status = 'mapped' AND principal_arn IS NOT NULL \
                      AND coalesce(useridentity['type'], '') <> 'AWSService' \
                      AND NOT {DENIED})) \
             GROUP BY service, principal_arn",
            w = window.events_sql()
        ))
        .await?;
    let services = strings(&batches, "iam_service")?;
    let arns = strings(&batches, "principal_arn")?;
    let counts = Counts::read(&batches)?;
    Ok((0..services.len())
        .filter_map(|i| {
            Some(ServiceUse {
                service: services[i].clone()?,
                principal: Some(arns[i].clone()?),
                events: counts.events[i].unwrap_or_default().max(0) as u64,
                first: counts.firsts[i],
                last: counts.lasts[i],
            })
        })
        .collect())
}

/// The services of the latest Organizations access report about `entity` completed in
/// `window`.
async fn entity_report(
    session: &Session,
    entity: &str,
    window: &Window,
) -> SqlResult<Vec<ReportedService>> {
    let batches = session
        .run(&format!(
            "WITH jobs AS (SELECT job_id FROM services_last_accessed WHERE subject = {s} \
               AND {} ORDER BY job_completion_date DESC, job_id LIMIT 1) \
             SELECT service_namespace, last_authenticated, last_authenticated_entity \
             FROM services_last_accessed WHERE subject = {s} \
               AND job_id IN (SELECT job_id FROM jobs)",
            window.sql("job_completion_date"),
            s = quote(entity)
        ))
        .await?;
    let services = strings(&batches, "service_namespace")?;
    let times = ints(&batches, "last_authenticated")?;
    let entities = strings(&batches, "last_authenticated_entity")?;
    Ok((0..services.len())
        .filter_map(|i| {
            Some(ReportedService {
                service: services[i].clone()?,
                last_authenticated: times[i],
                entity: entities[i].clone(),
            })
        })
        .collect())
}

/// The first and last plausible event of each account's trail in the store (by the
/// account that recorded them).
pub async fn trail_spans(
    session: &Session,
    accounts: &[String],
    bounds: &TimeBounds,
) -> SqlResult<BTreeMap<String, (i64, i64)>> {
    let mut out = BTreeMap::new();
    if accounts.is_empty() {
        return Ok(out);
    }
    let list = quote_list(accounts.iter());
    let batches = session
        .run(&format!(
            "SELECT recipientaccountid AS account, min(eventtime) AS first, max(eventtime) AS last \
             FROM events WHERE recipientaccountid IN ({list}) AND {} GROUP BY recipientaccountid",
            plausible("eventtime", bounds)
        ))
        .await?;
    let ids = strings(&batches, "account")?;
    let firsts = ints(&batches, "first")?;
    let lasts = ints(&batches, "last")?;
    for i in 0..ids.len() {
        if let (Some(id), Some(first), Some(last)) = (&ids[i], firsts[i], lasts[i]) {
            out.insert(id.clone(), (first, last));
        }
    }
    Ok(out)
}

/// The store as tightening's evidence source: each question answered by SQL over
/// `session`, run to completion on `runtime`.
pub struct SqlEvidence<'a> {
    session: &'a Session,
    runtime: &'a tokio::runtime::Runtime,
    /// Events outside these bounds (an older trailcut stored them) are no evidence.
    bounds: TimeBounds,
    catalog: &'a ActionCatalog,
}

impl<'a> SqlEvidence<'a> {
    pub fn new(
        session: &'a Session,
        runtime: &'a tokio::runtime::Runtime,
        bounds: TimeBounds,
        catalog: &'a ActionCatalog,
    ) -> Self {
        Self {
            session,
            runtime,
            bounds,
            catalog,
        }
    }

    fn run<T>(&self, f: impl std::future::Future<Output = SqlResult<T>>) -> Result<T, SourceError> {
        self.runtime.block_on(f).map_err(SourceError::from)
    }

    fn present(&self, sql: &str) -> Result<bool, SourceError> {
        self.run(async {
            Ok(!self
                .session
                .run(sql)
                .await?
                .iter()
                .all(|b| b.num_rows() == 0))
        })
    }
}

impl EvidenceSource for SqlEvidence<'_> {
    fn newest_evidence(&self) -> Result<Option<i64>, SourceError> {
        self.run(newest_evidence(self.session, &self.bounds))
    }

    fn has_events(&self) -> Result<bool, SourceError> {
        self.present("SELECT 1 FROM events LIMIT 1")
    }

    fn has_reports(&self) -> Result<bool, SourceError> {
        self.present("SELECT 1 FROM services_last_accessed LIMIT 1")
    }

    fn trail_coverage(&self, accounts: &[String]) -> Result<TrailCoverage, SourceError> {
        self.run(async {
            Ok(TrailCoverage {
                accounts: trail_spans(self.session, accounts, &self.bounds).await?,
                store: trail_bounds(self.session, &self.bounds).await?,
            })
        })
    }

    fn find_principal(
        &self,
        who: &str,
        account: Option<&str>,
    ) -> Result<PrincipalRef, SourceError> {
        self.run(find_principal(self.session, who, account))
    }

    fn find_policy(&self, who: &str, account: Option<&str>) -> Result<Found, SourceError> {
        self.run(find_policy(self.session, who, account))
    }

    fn attachments(&self, account: &str) -> Result<Attachments, SourceError> {
        self.run(attachments(self.session, account))
    }

    fn policy(&self, account: &str, key: &str) -> Result<PolicyRow, SourceError> {
        self.run(policy_row(self.session, account, key))
    }

    fn boundaries(
        &self,
        account: &str,
        keys: &[String],
    ) -> Result<HashMap<String, usize>, SourceError> {
        self.run(boundaries(self.session, account, keys))
    }

    fn trail_usage(
        &self,
        principals: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, Usage>, SourceError> {
        self.run(trail_usage(self.session, principals, window, self.catalog))
    }

    fn resource_usage(
        &self,
        principals: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, BTreeMap<String, ResourceUse>>, SourceError> {
        self.run(resource_usage(
            self.session,
            principals,
            window,
            self.catalog,
        ))
    }

    fn report_usage(
        &self,
        subjects: &BTreeSet<String>,
        window: &Window,
    ) -> Result<HashMap<String, ReportUsage>, SourceError> {
        self.run(report_usage(self.session, subjects, window, self.catalog))
    }

    fn data_event_services(&self, window: &Window) -> Result<BTreeSet<String>, SourceError> {
        self.run(data_event_services(self.session, window))
    }

    fn principal_policies(&self, arn: &str) -> Result<Known, SourceError> {
        self.run(async {
            let principal = match find_principal(self.session, arn, None).await {
                Ok(principal) => principal,
                Err(e) => return Ok(Known::Unknown(e.to_string())),
            };
            Ok(Known::Principal(Box::new(
                load_principal(self.session, principal).await?,
            )))
        })
    }

    fn successful_calls(
        &self,
        arn: &str,
        window: &Window,
    ) -> Result<Vec<StoredEvent>, SourceError> {
        let filter = format!(
            "principal_arn = {} AND {} AND mapping_status = 'mapped' AND NOT {DENIED}",
            quote(arn),
            window.events_sql()
        );
        self.run(load_events(self.session, &filter))
    }

    fn permission_set(
        &self,
        name: &str,
    ) -> Result<Option<crate::tighten::permission_set::PermissionSetRow>, SourceError> {
        self.run(super::sso::permission_set(self.session, name))
    }

    fn permission_set_names(&self) -> Result<Vec<String>, SourceError> {
        self.run(super::sso::permission_set_names(self.session))
    }

    fn people_of(
        &self,
        principals: &BTreeSet<String>,
        window: &Window,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, SourceError> {
        self.run(super::sso::people_of(self.session, principals, window))
    }

    fn iam_names(&self) -> &IamNames {
        self.session.iam_names()
    }

    fn scps(&self, name: &str) -> Result<Vec<ScpRow>, SourceError> {
        self.run(scps(self.session, name))
    }

    fn scp_targets(&self, org_id: &str, policy_id: &str) -> Result<Vec<String>, SourceError> {
        self.run(scp_targets(self.session, org_id, policy_id))
    }

    fn member_accounts_under(
        &self,
        org_id: &str,
        targets: &[String],
    ) -> Result<Vec<String>, SourceError> {
        self.run(member_accounts_under(self.session, org_id, targets))
    }

    fn entity_path(&self, org_id: &str, id: &str) -> Result<Option<String>, SourceError> {
        self.run(entity_path(self.session, org_id, id))
    }

    fn subjects(
        &self,
        kind: SubjectKind,
        account: Option<&str>,
    ) -> Result<Vec<Subject>, SourceError> {
        self.run(subjects(self.session, kind, account))
    }

    fn unplaced_accounts(&self, org_id: &str) -> Result<Vec<String>, SourceError> {
        self.run(unplaced_accounts(self.session, org_id))
    }

    fn services_before(
        &self,
        accounts: &[String],
        before: i64,
    ) -> Result<Vec<ServiceUse>, SourceError> {
        self.run(services_before(self.session, accounts, before))
    }

    fn services_used(
        &self,
        accounts: &[String],
        window: &Window,
    ) -> Result<Vec<ServiceUse>, SourceError> {
        self.run(services_used(self.session, accounts, window))
    }

    fn entity_report(
        &self,
        entity: &str,
        window: &Window,
    ) -> Result<Vec<ReportedService>, SourceError> {
        self.run(entity_report(self.session, entity, window))
    }
}
