//! The real CloudTrail records in `tests/fixtures/stratus` ingest with zero loss, and every
//! field of every record can be found again in the store: in its column, or in `extra`.

use std::collections::HashMap;

use serde_json::Value;

use crate::common::{ingest, repo, rows};

/// Fields whose value is stored as raw JSON text.
const RAW: &[&str] = &[
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
    "edgeDeviceDetails",
    "inScopeOf",
];

fn originals() -> Vec<Value> {
    let dir = repo().join("tests/fixtures/stratus");
    let mut all = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    for path in names {
        let records: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        all.extend(records);
    }
    all
}

fn get_ci<'a>(object: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks that `original` (a CloudTrail object at `path`) is kept in `stored` (the row as
/// Arrow's JSON writer prints it, lower-case keys), falling back to `extra`.
fn check(original: &Value, stored: Option<&Value>, extra: &HashMap<String, Value>, path: &str) {
    let Value::Object(fields) = original else {
        panic!("{path}: not an object")
    };
    let stored = stored.and_then(Value::as_object);
    for (key, value) in fields {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if value.is_null() {
            continue;
        }
        let column = stored.and_then(|s| get_ci(s, key));
        if let Some(kept) = extra.get(&here) {
            assert_eq!(kept, value, "{here} in extra");
            continue;
        }
        let column = column.unwrap_or_else(|| panic!("{here} is lost"));
        if RAW.contains(&key.as_str())
            || here == "userIdentity.sessionContext.webIdFederationData.attributes"
        {
            let text = column
                .as_str()
                .unwrap_or_else(|| panic!("{here} not kept as JSON text"));
            let parsed: Value = serde_json::from_str(text).unwrap();
            assert_eq!(&parsed, value, "{here}");
        } else if key == "eventTime" {
            let a = chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap();
            let b = chrono::DateTime::parse_from_rfc3339(column.as_str().unwrap()).unwrap();
            assert_eq!(a, b, "{here}");
        } else if key == "resources" {
            let (Value::Array(items), Value::Array(kept)) = (value, column) else {
                panic!("{here} not a list")
            };
            assert_eq!(items.len(), kept.len(), "{here}");
            for (i, (item, k)) in items.iter().zip(kept).enumerate() {
                check(item, Some(k), extra, &format!("{here}[{i}]"));
            }
        } else if value.is_object() {
            check(value, Some(column), extra, &here);
        } else if value.is_boolean() || matches!(key.as_str(), "readOnly" | "managementEvent") {
            assert_eq!(
                scalar_text(value).to_lowercase(),
                scalar_text(column).to_lowercase(),
                "{here}"
            );
        } else {
            assert_eq!(scalar_text(value), scalar_text(column), "{here}");
        }
    }
}

#[test]
fn stratus_records_ingest_with_zero_loss_and_every_field_kept() {
    let store = tempfile::tempdir().unwrap();
    let report = ingest(store.path(), &[repo().join("tests/fixtures/stratus")]);
    let originals = originals();
    assert_eq!(originals.len(), 310);
    assert_eq!(report.events_read, 310);
    assert_eq!(report.events_stored, 310);
    assert_eq!(report.records_skipped, 0);
    assert_eq!(report.files_failed, 0);
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    let stored = rows(store.path(), "SELECT * FROM events");
    assert_eq!(stored.len(), 310);
    let by_id: HashMap<&str, &serde_json::Map<String, Value>> = stored
        .iter()
        .map(|row| (row["eventid"].as_str().unwrap(), row))
        .collect();
    for original in &originals {
        let id = original["eventID"].as_str().unwrap();
        let row = by_id.get(id).unwrap_or_else(|| panic!("event {id} lost"));
        let extra: HashMap<String, Value> = row
            .get("extra")
            .and_then(Value::as_str)
            .map(|text| serde_json::from_str(text).unwrap())
            .unwrap_or_default();
        // A column that is also in extra would be counted twice.
        check(original, Some(&Value::Object((*row).clone())), &extra, "");
    }
}

#[test]
fn stratus_principals_are_derived() {
    let store = tempfile::tempdir().unwrap();
    ingest(store.path(), &[repo().join("tests/fixtures/stratus")]);
    let rows = rows(
        store.path(),
        "SELECT useridentity['type'] AS t, count(*) AS n, count(principal_arn) AS with_principal, \
         count(account_id) AS with_account FROM events GROUP BY 1 ORDER BY 1",
    );
    for row in &rows {
        // Every identity in these records names who acted.
        assert_eq!(row["n"], row["with_principal"], "{row:?}");
        assert_eq!(row["n"], row["with_account"], "{row:?}");
    }
    let roles = crate::common::scalar(
        store.path(),
        "SELECT count(*) FROM events WHERE useridentity['type'] = 'AssumedRole' AND principal_arn NOT LIKE 'arn:aws:iam::%:role/%'",
    );
    assert_eq!(roles, 0, "assumed-role sessions must resolve to role ARNs");
}

/// Issue 3: every API call in the real records maps to catalogue actions; what does not is
/// listed, so that a new fixture with an unknown call fails loudly here.
#[test]
fn real_records_map_with_no_unmapped_api_calls() {
    use std::collections::{BTreeMap, BTreeSet};
    use trailcut::mapping::{EventMapper, MappingStatus};

    let mapper = EventMapper::embedded();
    let mut events: BTreeMap<&str, usize> = BTreeMap::new();
    let mut calls: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    let records = originals();
    for r in &records {
        let source = r["eventSource"].as_str().unwrap();
        let name = r["eventName"].as_str().unwrap();
        let kind = r["eventType"].as_str().unwrap_or("");
        let m = mapper.map(source, name, kind);
        *events.entry(m.status.as_str()).or_default() += 1;
        calls
            .entry(m.status.as_str())
            .or_default()
            .insert((source.to_owned(), name.to_owned()));
        if m.status == MappingStatus::Mapped {
            for action in &m.actions {
                assert!(
                    trailcut::catalog::ActionCatalog::embedded()
                        .action(action)
                        .is_some()
                );
            }
        }
    }
    for (status, n) in &events {
        eprintln!(
            "{status:>15}: {n} events, {} distinct calls",
            calls[status].len()
        );
    }
    let unmapped = calls.get("unmapped").cloned().unwrap_or_default();
    assert!(unmapped.is_empty(), "unmapped API calls: {unmapped:?}");
    assert_eq!(events.values().sum::<usize>(), records.len());
}

/// Issue 3: the mapping stored at ingest for the real records: the counts by status, and
/// every stored action, own or dependent, is the catalogue's spelling of a real action.
#[test]
fn stored_mapping_of_real_records() {
    let store = tempfile::tempdir().unwrap();
    ingest(store.path(), &[repo().join("tests/fixtures/stratus")]);
    let by_status: Vec<(String, i64, i64)> = rows(
        store.path(),
        "SELECT mapping_status, count(*) AS events, \
                count(DISTINCT eventsource || ' ' || eventname) AS calls \
         FROM events GROUP BY 1 ORDER BY 1",
    )
    .iter()
    .map(|r| {
        (
            r["mapping_status"].as_str().unwrap().to_owned(),
            r["events"].as_i64().unwrap(),
            r["calls"].as_i64().unwrap(),
        )
    })
    .collect();
    let expected = [
        ("mapped", 306, 52),
        ("not_api_call", 1, 1),
        ("permissionless", 3, 1),
    ];
    let expected: Vec<(String, i64, i64)> = expected
        .iter()
        .map(|(s, e, c)| ((*s).to_owned(), *e, *c))
        .collect();
    assert_eq!(by_status, expected);
    let invented = rows(
        store.path(),
        "SELECT DISTINCT a FROM (SELECT unnest(array_concat(iam_actions, iam_dependent_actions)) AS a \
         FROM events) WHERE a NOT IN (SELECT action FROM iam_catalog)",
    );
    assert!(invented.is_empty(), "{invented:?}");
}
