//! The usage rollup: `usage/date=YYYY-MM-DD/<name>.parquet` summarises the events file of
//! the same name in `events/date=YYYY-MM-DD/`, one row per principal, call, IAM action,
//! outcome and set of resources, with the number of events and the first and last time.
//!
//! Usage questions (which actions did this role use, on what, when last) read the rollup
//! instead of every event: a year of trail is a few thousand rows per principal instead of
//! millions of events.
//!
//! The rollup never drifts from the events because each of its files is built from exactly
//! one events file, and lives and dies with it:
//!
//! - an ingest writes a file's rollup before the file itself, so a crash leaves at most a
//!   rollup whose events file is missing, which [`repair`] removes (and no commit shows);
//! - compaction writes the merged files' rollups and swaps them in the same
//!   [`journal`](super::journal) entry as the events files;
//! - [`repair`] (run whenever the store is opened for writing) builds the rollup of any
//!   events file that lacks one (a store from before the rollup, an upgrade) and removes
//!   rollups without their events file;
//! - the IAM snapshot turns user, group and role names in requests into ARNs. A snapshot
//!   that arrives after the trail makes IAM calls derivable that were not: [`refresh_iam`]
//!   derives the rows of such calls again from their events and keeps the other rows.
//!
//! Each event gives one row per action it needed: `role` says whether the action is the
//! call's primary action (`primary`: exactly one row per event, so counting `primary` rows
//! counts events), another action of the call (`action`) or a dependent action the service
//! checked on the caller's behalf (`dependent`). An event trailcut could not map gives one
//! `primary` row without an action. `outcome` is `success`, `denied` (an authorisation
//! failure) or `error`; `resource_status` and `resource_arns` are
//! [`event_resources`](crate::request::resource::event_resources)' answer for the action.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListArray, ListBuilder, RecordBatch, StringArray,
    StringBuilder, StructArray, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimestampMicrosecondType};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::schema::{col, event_time_type};
use super::{Store, StoreError, TMP_SUFFIX, durable_rename, parquet_files, parquet_io};
use crate::request::event::EventFacts;
use crate::request::resource::{IamNames, ResourceDeriver, ResourceStatus};

/// The rollup table's name and directory.
pub const USAGE: &str = "usage";

/// Column names of the rollup.
pub mod ucol {
    pub const ACCOUNT_ID: &str = "account_id";
    pub const PRINCIPAL_ARN: &str = "principal_arn";
    pub const IDENTITY_TYPE: &str = "identity_type";
    pub const PERSON: &str = "person";
    pub const PERSON_SOURCE: &str = "person_source";
    pub const EVENTSOURCE: &str = "eventsource";
    pub const EVENTNAME: &str = "eventname";
    pub const IAM_SERVICE: &str = "iam_service";
    pub const MAPPING_STATUS: &str = "mapping_status";
    pub const ACTION: &str = "action";
    pub const ROLE: &str = "role";
    pub const OUTCOME: &str = "outcome";
    pub const RESOURCE_STATUS: &str = "resource_status";
    pub const RESOURCE_ARNS: &str = "resource_arns";
    pub const EVENTS: &str = "events";
    pub const FIRST_SEEN: &str = "first_seen";
    pub const LAST_SEEN: &str = "last_seen";
}

static USAGE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use ucol::*;
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text(ACCOUNT_ID, true),
        text(PRINCIPAL_ARN, true),
        text(IDENTITY_TYPE, true),
        text(PERSON, true),
        text(PERSON_SOURCE, true),
        text(EVENTSOURCE, false),
        text(EVENTNAME, false),
        text(IAM_SERVICE, true),
        text(MAPPING_STATUS, true),
        text(ACTION, true),
        text(ROLE, false),
        text(OUTCOME, false),
        text(RESOURCE_STATUS, true),
        Field::new(
            RESOURCE_ARNS,
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        Field::new(EVENTS, DataType::Int64, false),
        Field::new(FIRST_SEEN, event_time_type(), false),
        Field::new(LAST_SEEN, event_time_type(), false),
    ]))
});

/// The schema of every rollup file (the `date` partition column comes from the directory).
pub fn usage_schema() -> SchemaRef {
    USAGE_SCHEMA.clone()
}

use crate::request::is_denied;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Role {
    Primary,
    Action,
    Dependent,
}

impl Role {
    fn parse(text: Option<&str>) -> Option<Self> {
        [Role::Primary, Role::Action, Role::Dependent]
            .into_iter()
            .find(|r| Some(r.as_str()) == text)
    }

    fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Action => "action",
            Role::Dependent => "dependent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Outcome {
    Success,
    Denied,
    Error,
}

impl Outcome {
    fn of(error_code: Option<&str>) -> Self {
        match error_code {
            None => Outcome::Success,
            Some(code) if is_denied(code) => Outcome::Denied,
            Some(_) => Outcome::Error,
        }
    }

    fn parse(text: Option<&str>) -> Option<Self> {
        [Outcome::Success, Outcome::Denied, Outcome::Error]
            .into_iter()
            .find(|o| Some(o.as_str()) == text)
    }

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }
}

/// Strings of a rollup, each stored once: keys hold their ids.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, u32, foldhash::fast::RandomState>,
    names: Vec<String>,
}

impl Interner {
    /// The id of `text`; 0 stands for null.
    fn id(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else {
            return 0;
        };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        self.names.push(text.to_owned());
        let id = self.names.len() as u32;
        self.ids.insert(text.to_owned(), id);
        id
    }

    /// Each id's rank in the order of the strings, null (id 0) first.
    fn ranks(&self) -> Vec<u32> {
        let names = self.names.iter().map(String::as_str).zip(0u32..);
        let mut rank = vec![0];
        rank.extend(parquet_io::value_ranks(names).into_iter().map(|r| r + 1));
        rank
    }

    fn get(&self, id: u32) -> Option<&str> {
        id.checked_sub(1)
            .and_then(|i| self.names.get(i as usize))
            .map(String::as_str)
    }
}

/// What a row is about, by interned string ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    principal: u32,
    account: u32,
    identity_type: u32,
    person: u32,
    person_source: u32,
    source: u32,
    name: u32,
    service: u32,
    status: u32,
    action: u32,
    role: Role,
    outcome: Outcome,
    resource_status: Option<ResourceStatus>,
    arns: Box<[u32]>,
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    events: i64,
    first: i64,
    last: i64,
}

/// A rollup being built from events batches.
#[derive(Debug, Default)]
pub struct Rollup {
    rows: HashMap<Key, Counts, foldhash::fast::RandomState>,
    strings: Interner,
    events: u64,
}

/// A list-of-strings column: the lists and their values, cast once.
struct Lists<'a> {
    lists: &'a ListArray,
    values: StringArray,
}

impl<'a> Lists<'a> {
    /// `column`'s list, with `field` of its struct items when given (`resources[].arn`).
    fn of(
        batch: &'a RecordBatch,
        column: &str,
        field: Option<&str>,
    ) -> Result<Option<Self>, StoreError> {
        let Some(lists) = batch
            .column_by_name(column)
            .and_then(|c| c.as_list_opt::<i32>())
        else {
            return Ok(None);
        };
        let values = match field {
            None => lists.values(),
            Some(field) => match lists
                .values()
                .as_struct_opt()
                .and_then(|s: &StructArray| s.column_by_name(field))
            {
                Some(values) => values,
                None => return Ok(None),
            },
        };
        Ok(Some(Lists {
            lists,
            values: strings(values)?,
        }))
    }

    /// The non-null strings of row `row`.
    fn row(&self, row: usize) -> impl Iterator<Item = &str> {
        let range = if self.lists.is_null(row) {
            0..0
        } else {
            let offsets = self.lists.value_offsets();
            offsets[row] as usize..offsets[row + 1] as usize
        };
        range.filter_map(|i| get(&self.values, i))
    }
}

/// The columns of an events batch the rollup reads.
struct Columns<'a> {
    source: StringArray,
    name: StringArray,
    region: StringArray,
    error: StringArray,
    principal: StringArray,
    account: StringArray,
    service: StringArray,
    status: StringArray,
    identity_type: StringArray,
    person: StringArray,
    person_source: StringArray,
    user_name: StringArray,
    request: StringArray,
    response: StringArray,
    actions: Option<Lists<'a>>,
    dependent: Option<Lists<'a>>,
    resources: Option<Lists<'a>>,
}

/// A column as UTF-8 strings (all null when the batch lacks it).
fn text_column(batch: &RecordBatch, name: &str) -> Result<StringArray, StoreError> {
    match batch.column_by_name(name) {
        Some(column) => strings(column),
        None => Ok(StringArray::new_null(batch.num_rows())),
    }
}

fn strings(column: &ArrayRef) -> Result<StringArray, StoreError> {
    if let Some(strings) = column.as_string_opt::<i32>() {
        return Ok(strings.clone());
    }
    let cast = arrow::compute::cast(column, &DataType::Utf8)?;
    Ok(cast.as_string::<i32>().clone())
}

/// A field of the `useridentity` struct as strings, null where the struct is.
fn identity_field(batch: &RecordBatch, name: &str) -> Result<StringArray, StoreError> {
    let Some(identity) = batch
        .column_by_name(col::USERIDENTITY)
        .and_then(|c| c.as_struct_opt())
    else {
        return Ok(StringArray::new_null(batch.num_rows()));
    };
    let Some(field) = identity.column_by_name(name) else {
        return Ok(StringArray::new_null(batch.num_rows()));
    };
    let values = strings(field)?;
    let nulls = arrow::buffer::NullBuffer::union(identity.nulls(), values.nulls());
    Ok(StringArray::new(
        values.offsets().clone(),
        values.values().clone(),
        nulls,
    ))
}

fn get(array: &StringArray, row: usize) -> Option<&str> {
    (!array.is_null(row)).then(|| array.value(row))
}

impl Rollup {
    /// An empty rollup.
    pub fn new() -> Self {
        Self::default()
    }

    /// Events added so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Rows the rollup has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds the events of a batch in the events table's schema; `names` resolves IAM
    /// names in requests.
    pub fn add(&mut self, batch: &RecordBatch, names: &IamNames) -> Result<(), StoreError> {
        let c = Columns {
            source: text_column(batch, col::EVENTSOURCE)?,
            name: text_column(batch, col::EVENTNAME)?,
            region: text_column(batch, col::AWSREGION)?,
            error: text_column(batch, col::ERRORCODE)?,
            principal: text_column(batch, col::PRINCIPAL_ARN)?,
            account: text_column(batch, col::ACCOUNT_ID)?,
            service: text_column(batch, col::IAM_SERVICE)?,
            status: text_column(batch, col::MAPPING_STATUS)?,
            identity_type: identity_field(batch, "type")?,
            person: text_column(batch, col::PERSON)?,
            person_source: text_column(batch, col::PERSON_SOURCE)?,
            user_name: identity_field(batch, "username")?,
            request: text_column(batch, col::REQUESTPARAMETERS)?,
            response: text_column(batch, col::RESPONSEELEMENTS)?,
            actions: Lists::of(batch, col::IAM_ACTIONS, None)?,
            dependent: Lists::of(batch, col::IAM_DEPENDENT_ACTIONS, None)?,
            resources: Lists::of(batch, col::RESOURCES, Some("arn"))?,
        };
        let times = batch
            .column_by_name(col::EVENTTIME)
            .and_then(|t| t.as_primitive_opt::<TimestampMicrosecondType>())
            .ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(
                    "events batch without microsecond `eventtime`".into(),
                )
            })?;
        for row in 0..batch.num_rows() {
            if times.is_null(row) {
                continue;
            }
            self.add_event(&c, row, times.value(row), names);
        }
        Ok(())
    }

    fn add_event(&mut self, c: &Columns<'_>, row: usize, at: i64, names: &IamNames) {
        self.events += 1;
        let s = &mut self.strings;
        let base = Key {
            principal: s.id(get(&c.principal, row)),
            account: s.id(get(&c.account, row)),
            identity_type: s.id(get(&c.identity_type, row)),
            person: s.id(get(&c.person, row)),
            person_source: s.id(get(&c.person_source, row)),
            source: s.id(get(&c.source, row)),
            name: s.id(get(&c.name, row)),
            service: s.id(get(&c.service, row)),
            status: s.id(get(&c.status, row)),
            action: 0,
            role: Role::Primary,
            outcome: Outcome::of(get(&c.error, row)),
            resource_status: None,
            arns: Box::default(),
        };
        let actions = c.actions.as_ref();
        let dependent = c.dependent.as_ref();
        let roles = actions
            .into_iter()
            .flat_map(|l| l.row(row))
            .enumerate()
            .map(|(i, a)| (a, if i == 0 { Role::Primary } else { Role::Action }))
            .chain(
                dependent
                    .into_iter()
                    .flat_map(|l| l.row(row))
                    .map(|a| (a, Role::Dependent)),
            );
        let listed: Vec<&str> = c
            .resources
            .as_ref()
            .map(|l| l.row(row).collect())
            .unwrap_or_default();
        let facts = EventFacts {
            event_source: get(&c.source, row).unwrap_or_default(),
            event_name: get(&c.name, row).unwrap_or_default(),
            region: get(&c.region, row),
            identity_type: get(&c.identity_type, row),
            principal_arn: get(&c.principal, row),
            user_name: get(&c.user_name, row),
            account_id: get(&c.account, row),
            resources: &listed,
            request_parameters: get(&c.request, row),
            response_elements: get(&c.response, row),
            iam_names: Some(names),
            ..EventFacts::default()
        };
        let deriver = ResourceDeriver::new(&facts);
        let mut any = false;
        for (action, role) in roles {
            any = true;
            let derived = deriver.resources(action);
            let s = &mut self.strings;
            let key = Key {
                action: s.id(Some(action)),
                role,
                resource_status: Some(derived.status),
                arns: derived.arns.iter().map(|a| s.id(Some(a))).collect(),
                ..base.clone()
            };
            count(&mut self.rows, key, at);
        }
        if !any {
            count(&mut self.rows, base, at);
        }
    }

    /// Adds the rows of a stored rollup `batch` (in [`usage_schema`]) whose call (event
    /// source, event name) `keep` accepts, as they are.
    fn keep_rows(
        &mut self,
        batch: &RecordBatch,
        keep: impl Fn(&str, &str) -> bool,
    ) -> Result<(), StoreError> {
        let column = |name: &str| text_column(batch, name);
        let (account, principal, identity_type, source, name, service, status, action) = (
            column(ucol::ACCOUNT_ID)?,
            column(ucol::PRINCIPAL_ARN)?,
            column(ucol::IDENTITY_TYPE)?,
            column(ucol::EVENTSOURCE)?,
            column(ucol::EVENTNAME)?,
            column(ucol::IAM_SERVICE)?,
            column(ucol::MAPPING_STATUS)?,
            column(ucol::ACTION)?,
        );
        let (person, person_source) = (column(ucol::PERSON)?, column(ucol::PERSON_SOURCE)?);
        let (role, outcome, resource_status) = (
            column(ucol::ROLE)?,
            column(ucol::OUTCOME)?,
            column(ucol::RESOURCE_STATUS)?,
        );
        let arns = Lists::of(batch, ucol::RESOURCE_ARNS, None)?;
        let int64 = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_primitive_opt::<arrow::datatypes::Int64Type>())
                .ok_or_else(|| {
                    arrow::error::ArrowError::SchemaError(format!("rollup without `{name}`"))
                })
        };
        let time = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
                .ok_or_else(|| {
                    arrow::error::ArrowError::SchemaError(format!("rollup without `{name}`"))
                })
        };
        let (events, first, last) = (
            int64(ucol::EVENTS)?,
            time(ucol::FIRST_SEEN)?,
            time(ucol::LAST_SEEN)?,
        );
        for row in 0..batch.num_rows() {
            let call = (
                get(&source, row).unwrap_or_default(),
                get(&name, row).unwrap_or_default(),
            );
            if !keep(call.0, call.1) {
                continue;
            }
            let unknown = |what: &str, value: Option<&str>| {
                arrow::error::ArrowError::InvalidArgumentError(format!(
                    "rollup row {row}: unknown {what} `{}`",
                    value.unwrap_or_default()
                ))
            };
            let s = &mut self.strings;
            let key = Key {
                principal: s.id(get(&principal, row)),
                account: s.id(get(&account, row)),
                identity_type: s.id(get(&identity_type, row)),
                person: s.id(get(&person, row)),
                person_source: s.id(get(&person_source, row)),
                source: s.id(Some(call.0)),
                name: s.id(Some(call.1)),
                service: s.id(get(&service, row)),
                status: s.id(get(&status, row)),
                action: s.id(get(&action, row)),
                role: Role::parse(get(&role, row))
                    .ok_or_else(|| unknown("role", get(&role, row)))?,
                outcome: Outcome::parse(get(&outcome, row))
                    .ok_or_else(|| unknown("outcome", get(&outcome, row)))?,
                resource_status: match get(&resource_status, row) {
                    None => None,
                    Some(text) => Some(
                        ResourceStatus::parse(text)
                            .ok_or_else(|| unknown("resource status", Some(text)))?,
                    ),
                },
                arns: arns
                    .as_ref()
                    .map(|l| l.row(row).map(|a| s.id(Some(a))).collect())
                    .unwrap_or_default(),
            };
            let counts = Counts {
                events: events.value(row),
                first: first.value(row),
                last: last.value(row),
            };
            self.events += if key.role == Role::Primary {
                counts.events as u64
            } else {
                0
            };
            merge(&mut self.rows, key, counts);
        }
        Ok(())
    }

    /// The rows, sorted by principal, call and action.
    pub fn to_batch(&self) -> Result<RecordBatch, StoreError> {
        let text = |id: u32| self.strings.get(id);
        // Strings compare by their rank among the interned ones (null first), so that the
        // sort compares integers, not text.
        let rank = self.strings.ranks();
        let r = |id: u32| rank[id as usize];
        let sort_key = |k: &Key| {
            (
                (
                    r(k.principal),
                    r(k.account),
                    r(k.identity_type),
                    r(k.person),
                    r(k.person_source),
                ),
                r(k.source),
                r(k.name),
                r(k.service),
                r(k.status),
                r(k.action),
                k.role,
                k.outcome,
                k.resource_status,
            )
        };
        let mut rows: Vec<(&Key, &Counts)> = self.rows.iter().collect();
        rows.sort_unstable_by(|(a, _), (b, _)| {
            sort_key(a).cmp(&sort_key(b)).then_with(|| {
                a.arns
                    .iter()
                    .map(|&i| r(i))
                    .cmp(b.arns.iter().map(|&i| r(i)))
            })
        });
        let n = rows.len();
        let mut texts: Vec<StringBuilder> = (0..13)
            .map(|_| StringBuilder::with_capacity(n, n * 16))
            .collect();
        let mut arns = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Utf8,
            true,
        )));
        let mut events = Int64Builder::with_capacity(n);
        let mut first = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        let mut last = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for (key, counts) in rows {
            let values = [
                text(key.account),
                text(key.principal),
                text(key.identity_type),
                text(key.person),
                text(key.person_source),
                Some(text(key.source).unwrap_or_default()),
                Some(text(key.name).unwrap_or_default()),
                text(key.service),
                text(key.status),
                text(key.action),
                Some(key.role.as_str()),
                Some(key.outcome.as_str()),
                key.resource_status.map(ResourceStatus::as_str),
            ];
            for (builder, value) in texts.iter_mut().zip(values) {
                builder.append_option(value);
            }
            for arn in &key.arns {
                arns.values().append_option(text(*arn));
            }
            arns.append(true);
            events.append_value(counts.events);
            first.append_value(counts.first);
            last.append_value(counts.last);
        }
        let mut columns: Vec<ArrayRef> = texts
            .into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.push(Arc::new(arns.finish()));
        columns.push(Arc::new(events.finish()));
        columns.push(Arc::new(first.finish()));
        columns.push(Arc::new(last.finish()));
        Ok(RecordBatch::try_new(usage_schema(), columns)?)
    }

    /// Writes the rollup to `path`, not yet synced.
    pub fn write(&self, path: &Path) -> Result<parquet_io::Unsynced, StoreError> {
        let batch = self.to_batch()?;
        parquet_io::write_unsynced(path, &usage_schema(), [&batch], writer_properties())
    }
}

/// Counts one event at `at` under `key`.
fn count(rows: &mut HashMap<Key, Counts, foldhash::fast::RandomState>, key: Key, at: i64) {
    let one = Counts {
        events: 1,
        first: at,
        last: at,
    };
    merge(rows, key, one);
}

/// Adds `counts` to the row `key`.
fn merge(rows: &mut HashMap<Key, Counts, foldhash::fast::RandomState>, key: Key, counts: Counts) {
    rows.entry(key)
        .and_modify(|c| {
            c.events += counts.events;
            c.first = c.first.min(counts.first);
            c.last = c.last.max(counts.last);
        })
        .or_insert(counts);
}

/// Rollup files: zstd at level 1 as the events files; statistics per column chunk, not
/// per page (page statistics cost a comparison per value and prune little in files this
/// small); the first and last times, nearly unique, without a dictionary.
fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk)
        .set_created_by(format!("trailcut {}", env!("CARGO_PKG_VERSION")));
    for column in [ucol::FIRST_SEEN, ucol::LAST_SEEN] {
        builder = builder.set_column_dictionary_enabled(column.into(), false);
    }
    builder.build()
}

/// `<store>/usage`.
pub fn usage_dir(store: &Store) -> PathBuf {
    store.root().join(USAGE)
}

/// The rollup file of an events file: same partition, same name, under `usage/`.
pub fn usage_file(store: &Store, events_file: &Path) -> PathBuf {
    let mut path = usage_dir(store);
    if let Some(partition) = events_file.parent().and_then(Path::file_name) {
        path.push(partition);
    }
    if let Some(name) = events_file.file_name() {
        path.push(name);
    }
    path
}

/// The temporary name a rollup file is written under before it is renamed.
pub fn temporary(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(TMP_SUFFIX);
    PathBuf::from(name)
}

/// Builds the rollup of `batches` (the contents of `events_file`) under its temporary
/// name, not yet synced, and returns it with its final path.
pub fn write_for(
    store: &Store,
    events_file: &Path,
    batches: &[RecordBatch],
    names: &IamNames,
) -> Result<(parquet_io::Unsynced, PathBuf), StoreError> {
    let mut rollup = Rollup::new();
    for batch in batches {
        rollup.add(batch, names)?;
    }
    write_rollup_unsynced(store, events_file, &rollup)
}

/// Writes a built rollup for `events_file` under its temporary name and syncs it; returns
/// `(temporary, final)`.
pub fn write_rollup(
    store: &Store,
    events_file: &Path,
    rollup: &Rollup,
) -> Result<(PathBuf, PathBuf), StoreError> {
    let (written, path) = write_rollup_unsynced(store, events_file, rollup)?;
    Ok((written.sync()?.path, path))
}

/// Writes a built rollup for `events_file` under its temporary name, not yet synced;
/// returns it with the final path.
fn write_rollup_unsynced(
    store: &Store,
    events_file: &Path,
    rollup: &Rollup,
) -> Result<(parquet_io::Unsynced, PathBuf), StoreError> {
    let path = usage_file(store, events_file);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
    }
    Ok((rollup.write(&temporary(&path))?, path))
}

/// Puts a built rollup in place of the stored rollup of `events_file`.
fn replace_rollup(store: &Store, events_file: &Path, rollup: &Rollup) -> Result<(), StoreError> {
    let (tmp, path) = write_rollup(store, events_file, rollup)?;
    // A reader may hold the rollup being replaced.
    super::retired::keep_replaced(store, &path)?;
    durable_rename(&tmp, &path)
}

/// Builds the rollup of one stored events file in place.
pub fn rebuild(store: &Store, events_file: &Path, names: &IamNames) -> Result<(), StoreError> {
    let mut rollup = Rollup::new();
    for batch in parquet_io::open_reader(events_file, 16 * 1024, None)? {
        let batch = crate::store::mapcols::with_mapping_columns(batch?)?;
        rollup.add(&batch, names)?;
    }
    replace_rollup(store, events_file, &rollup)
}

/// The partition directories (`date=...`) under `dir`, sorted.
fn partitions(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir)(e)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(StoreError::io(dir))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// How far the rollup is from the events: events files without a rollup, and rollup
/// files without their events file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Drift {
    pub missing: Vec<PathBuf>,
    pub orphans: Vec<PathBuf>,
}

impl Drift {
    /// Whether the rollup matches the events exactly.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.orphans.is_empty()
    }
}

/// Compares the file names of `events/` and `usage/`, partition by partition.
pub fn drift(store: &Store) -> Result<Drift, StoreError> {
    let mut drift = Drift::default();
    for dir in partitions(&store.events_dir())? {
        for events_file in parquet_files(&dir)? {
            if !usage_file(store, &events_file).exists() {
                drift.missing.push(events_file);
            }
        }
    }
    for dir in partitions(&usage_dir(store))? {
        for usage in parquet_files(&dir)? {
            let (Some(partition), Some(name)) = (dir.file_name(), usage.file_name()) else {
                continue;
            };
            if !store.events_dir().join(partition).join(name).exists() {
                drift.orphans.push(usage);
            }
        }
    }
    Ok(drift)
}

/// What [`repair`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RepairSummary {
    /// Rollup files built for events files that had none.
    pub built: usize,
    /// Rollup files removed because their events file is gone.
    pub removed: usize,
}

/// Brings the rollup in line with the events: removes orphans, builds what is missing.
/// Needs the store's write lock.
pub fn repair(store: &Store) -> Result<RepairSummary, StoreError> {
    let drift = drift(store)?;
    let mut summary = RepairSummary::default();
    // Moved aside rather than deleted: an older snapshot may name them (`store upgrade`
    // drops the rollups of the files it rewrites).
    super::retired::retire(store, &drift.orphans)?;
    summary.removed += drift.orphans.len();
    if !drift.missing.is_empty() {
        let names = load_iam_names(store)?;
        for events_file in &drift.missing {
            rebuild(store, events_file, &names)?;
            summary.built += 1;
        }
    }
    remove_temporaries(&usage_dir(store))?;
    Ok(summary)
}

fn remove_temporaries(dir: &Path) -> Result<(), StoreError> {
    for partition in partitions(dir)? {
        let entries = std::fs::read_dir(&partition).map_err(StoreError::io(&partition))?;
        for entry in entries {
            let path = entry.map_err(StoreError::io(&partition))?.path();
            if path.to_string_lossy().ends_with(TMP_SUFFIX) {
                std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
            }
        }
    }
    Ok(())
}

/// Brings the rollup up to date with a new IAM snapshot, `before` being the names the
/// rollup was built with. Names only matter to IAM actions (`iam:`), whose rules turn a
/// `userName` or `roleName` into an ARN; so in each rollup file where some IAM action's
/// resources could not be derived, the rows of the calls that needed an IAM action are
/// derived again from their events (read with a filter on the call, not the whole file),
/// and every other row is kept as it is. Returns the number of files rewritten. Needs the
/// store's write lock.
pub fn refresh_iam(store: &Store, before: &IamNames) -> Result<usize, StoreError> {
    let names = load_iam_names(store)?;
    if names == *before {
        return Ok(0);
    }
    let mut rewritten = 0;
    for dir in partitions(&usage_dir(store))? {
        let Some(partition) = dir.file_name() else {
            continue;
        };
        for usage in parquet_files(&dir)? {
            let Some(calls) = stale_iam_calls(&usage)? else {
                continue;
            };
            let Some(name) = usage.file_name() else {
                continue;
            };
            let events_file = store.events_dir().join(partition).join(name);
            if events_file.exists() {
                rederive_calls(store, &events_file, &names, &calls)?;
                rewritten += 1;
            }
        }
    }
    Ok(rewritten)
}

/// Calls (event source and event name).
#[derive(Debug, Clone, Default)]
struct Calls(HashMap<String, HashSet<String>>);

impl Calls {
    fn contains(&self, source: &str, name: &str) -> bool {
        self.0.get(source).is_some_and(|names| names.contains(name))
    }

    fn insert(&mut self, source: &str, name: &str) {
        if !self.contains(source, name) {
            self.0
                .entry(source.to_owned())
                .or_default()
                .insert(name.to_owned());
        }
    }
}

/// The calls of a rollup file's rows that hold an IAM action, when the resources of one of
/// them could not be derived (a name the snapshot may now know); `None` otherwise.
fn stale_iam_calls(usage: &Path) -> Result<Option<Calls>, StoreError> {
    let columns = [
        ucol::EVENTSOURCE,
        ucol::EVENTNAME,
        ucol::ACTION,
        ucol::RESOURCE_STATUS,
    ];
    let mut calls = Calls::default();
    let mut stale = false;
    for batch in parquet_io::open_reader(usage, 64 * 1024, Some(&columns))? {
        let batch = batch?;
        let column = |name: &str| text_column(&batch, name);
        let (sources, names, actions, statuses) = (
            column(ucol::EVENTSOURCE)?,
            column(ucol::EVENTNAME)?,
            column(ucol::ACTION)?,
            column(ucol::RESOURCE_STATUS)?,
        );
        for row in 0..batch.num_rows() {
            if !get(&actions, row).is_some_and(|a| a.starts_with("iam:")) {
                continue;
            }
            stale |= get(&statuses, row) == Some(ResourceStatus::Underivable.as_str());
            calls.insert(
                get(&sources, row).unwrap_or_default(),
                get(&names, row).unwrap_or_default(),
            );
        }
    }
    Ok(stale.then_some(calls))
}

/// Rewrites the rollup of `events_file`: the rows of `calls` derived again from their
/// events with `names`, the others kept from the stored rollup.
fn rederive_calls(
    store: &Store,
    events_file: &Path,
    names: &IamNames,
    calls: &Calls,
) -> Result<(), StoreError> {
    let path = usage_file(store, events_file);
    let mut rollup = Rollup::new();
    for batch in parquet_io::open_reader(&path, 64 * 1024, None)? {
        rollup.keep_rows(&batch?, |source, name| !calls.contains(source, name))?;
    }
    let wanted = calls.clone();
    let events = parquet_io::open_filtered_reader(
        events_file,
        16 * 1024,
        &[col::EVENTSOURCE, col::EVENTNAME],
        move |batch| {
            let text = |name: &str| {
                text_column(&batch, name)
                    .map_err(|e| arrow::error::ArrowError::ExternalError(Box::new(e)))
            };
            let (sources, names) = (text(col::EVENTSOURCE)?, text(col::EVENTNAME)?);
            Ok((0..batch.num_rows())
                .map(|row| {
                    Some(wanted.contains(
                        get(&sources, row).unwrap_or_default(),
                        get(&names, row).unwrap_or_default(),
                    ))
                })
                .collect())
        },
    )?;
    for batch in events {
        let batch = crate::store::mapcols::with_mapping_columns(batch?)?;
        rollup.add(&batch, names)?;
    }
    replace_rollup(store, events_file, &rollup)
}

/// The users, groups and roles of the store's IAM snapshot (`principals/`), by name.
pub fn load_iam_names(store: &Store) -> Result<IamNames, StoreError> {
    let mut names = IamNames::default();
    let dir = store.root().join(super::authz_tables::PRINCIPALS);
    for path in parquet_files(&dir)? {
        let columns = ["account_id", "principal_type", "name", "arn"];
        for batch in parquet_io::open_reader(&path, 64 * 1024, Some(&columns))? {
            let batch = batch?;
            let column = |name: &str| text_column(&batch, name);
            let (accounts, kinds, entity_names, arns) = (
                column("account_id")?,
                column("principal_type")?,
                column("name")?,
                column("arn")?,
            );
            for row in 0..batch.num_rows() {
                if let (Some(account), Some(kind), Some(name), Some(arn)) = (
                    get(&accounts, row),
                    get(&kinds, row),
                    get(&entity_names, row),
                    get(&arns, row),
                ) {
                    names.insert(account, kind, name, arn);
                }
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rollup_file_sits_beside_its_events_file() {
        let store = Store::new("/s");
        assert_eq!(
            usage_file(
                &store,
                Path::new("/s/events/date=2026-01-02/part-a-00001.parquet")
            ),
            PathBuf::from("/s/usage/date=2026-01-02/part-a-00001.parquet")
        );
    }

    /// The sample trail's events, mapping columns included, in one batch.
    fn sample_events() -> RecordBatch {
        let batch = crate::testing::sample_events();
        assert!(batch.num_rows() > 1000, "{}", batch.num_rows());
        batch
    }

    #[test]
    fn stored_rows_kept_as_they_are_give_the_same_rollup() {
        let events = sample_events();
        let mut built = Rollup::new();
        built.add(&events, &IamNames::default()).unwrap();
        let stored = built.to_batch().unwrap();
        assert!(stored.num_rows() > 100, "{}", stored.num_rows());

        let mut kept = Rollup::new();
        kept.keep_rows(&stored, |_, _| true).unwrap();
        assert_eq!(kept.to_batch().unwrap(), stored);
        assert_eq!(kept.events(), built.events());

        // Keeping the rows of every call but IAM's and deriving IAM's again from their
        // events gives the rollup built in one go.
        let mut split = Rollup::new();
        split
            .keep_rows(&stored, |source, _| source != "iam.amazonaws.com")
            .unwrap();
        assert!(split.len() < stored.num_rows());
        let sources = text_column(&events, col::EVENTSOURCE).unwrap();
        let iam: arrow::array::BooleanArray = (0..events.num_rows())
            .map(|row| Some(get(&sources, row) == Some("iam.amazonaws.com")))
            .collect();
        let iam_events = arrow::compute::filter_record_batch(&events, &iam).unwrap();
        assert!(iam_events.num_rows() > 10, "{}", iam_events.num_rows());
        split.add(&iam_events, &IamNames::default()).unwrap();
        assert_eq!(split.to_batch().unwrap(), stored);
    }
}
