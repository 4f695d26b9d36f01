//! Stored events as the evaluator reads them: the columns [`EventFacts`](crate::request::event::EventFacts) borrows, owned,
//! for one event (`trailcut policy event`) or every event of a replay.

use std::collections::HashMap;

use arrow::array::RecordBatch;

use super::iam::strings;
use super::{Session, SqlResult};

pub use crate::request::event::StoredEvent;

const COLUMNS: &str = "eventid, eventsource, eventname, eventtime, awsregion, sourceipaddress, \
    useridentity['type'] AS identity_type, principal_arn, \
    useridentity['principalid'] AS principal_id, useridentity['username'] AS user_name, \
    account_id, useridentity['sessioncontext']['attributes']['mfaauthenticated'] AS mfa, \
    useridentity['invokedby'] AS invoked_by, vpcendpointid, \
    CASE WHEN tlsdetails IS NULL THEN 'false' ELSE 'true' END AS tls, \
    requestparameters, responseelements, errorcode, mapping_status, \
    array_to_string(iam_actions, ' ') AS actions, \
    array_to_string(iam_dependent_actions, ' ') AS dependent";

fn words(text: Option<String>) -> Vec<String> {
    text.map(|t| t.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The events matching `filter` (an SQL condition on `events`), in event-time order.
pub async fn load_events(session: &Session, filter: &str) -> SqlResult<Vec<StoredEvent>> {
    let batches = session
        .run(&format!(
            "SELECT {COLUMNS} FROM events WHERE {filter} ORDER BY eventtime, eventid"
        ))
        .await?;
    let mut events = from_batches(&batches)?;
    let resources = session
        .run(&format!(
            "SELECT eventid, r['arn'] AS arn FROM \
             (SELECT eventid, unnest(resources) AS r FROM events WHERE {filter})"
        ))
        .await?;
    let mut by_event: HashMap<String, Vec<String>> = HashMap::new();
    for (id, arn) in strings(&resources, "eventid")?
        .into_iter()
        .zip(strings(&resources, "arn")?)
    {
        if let (Some(id), Some(arn)) = (id, arn) {
            by_event.entry(id).or_default().push(arn);
        }
    }
    for event in &mut events {
        if let Some(arns) = by_event.remove(&event.event_id) {
            event.resources = arns;
        }
    }
    Ok(events)
}

fn from_batches(batches: &[RecordBatch]) -> SqlResult<Vec<StoredEvent>> {
    let names = [
        "eventid",
        "eventsource",
        "eventname",
        "eventtime",
        "awsregion",
        "sourceipaddress",
        "identity_type",
        "principal_arn",
        "principal_id",
        "user_name",
        "account_id",
        "mfa",
        "invoked_by",
        "vpcendpointid",
        "tls",
        "requestparameters",
        "responseelements",
        "errorcode",
        "mapping_status",
        "actions",
        "dependent",
    ];
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        columns.push(strings(batches, name)?.into_iter());
    }
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let mut events = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut next = |i: usize| columns[i].next().flatten();
        events.push(StoredEvent {
            event_id: next(0).unwrap_or_default(),
            event_source: next(1).unwrap_or_default(),
            event_name: next(2).unwrap_or_default(),
            event_time: next(3).map(|t| t.replacen(' ', "T", 1)),
            region: next(4),
            source_ip: next(5),
            identity_type: next(6),
            principal_arn: next(7),
            principal_id: next(8),
            user_name: next(9),
            account_id: next(10),
            mfa: next(11),
            invoked_by: next(12),
            vpc_endpoint_id: next(13),
            tls: next(14).map(|t| t == "true"),
            request_parameters: next(15),
            response_elements: next(16),
            error_code: next(17),
            mapping_status: next(18),
            actions: words(next(19)),
            dependent: words(next(20)),
            resources: Vec::new(),
        });
    }
    Ok(events)
}
