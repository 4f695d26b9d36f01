//! The mapping columns of `events`: `iam_service`, `iam_actions` (primary first),
//! `iam_dependent_actions` and `mapping_status`.
//!
//! They are computed once, at ingest, from each record ([`MappingColumns::append`]), and
//! for files written before the columns existed from the columns already stored
//! ([`with_mapping_columns`], used by `trailcut store upgrade` and by compaction). Both
//! paths go through the same [`EventMapper`], so a store never holds two answers.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use arrow::datatypes::DataType;

use super::personcols::{PERSON_COLUMNS, person_columns};
use super::schema::{col, events_schema};
use crate::mapping::{EventMapper, Mapping};
use crate::request::dependent;
use crate::request::json::EventJson;

type CallCache = HashMap<String, Arc<Mapping>, foldhash::fast::RandomState>;

thread_local! {
    /// The mappings of the distinct calls this thread has seen, keyed by
    /// `eventsource \0 eventname \0 eventtype`: trails repeat a few thousand calls millions of
    /// times, and a decoding thread builds one batch builder per source object.
    static CACHE: std::cell::RefCell<CallCache> = std::cell::RefCell::new(CallCache::default());
}

/// Builders of the four mapping columns.
pub struct MappingColumns {
    mapper: &'static EventMapper,
    key: String,
    service: StringBuilder,
    actions: ListBuilder<StringBuilder>,
    dependent: ListBuilder<StringBuilder>,
    status: StringBuilder,
}

impl Default for MappingColumns {
    fn default() -> Self {
        Self::new()
    }
}

impl MappingColumns {
    /// Empty builders over the embedded mapper.
    pub fn new() -> Self {
        Self {
            mapper: EventMapper::embedded(),
            key: String::new(),
            service: StringBuilder::new(),
            actions: ListBuilder::new(StringBuilder::new()),
            dependent: ListBuilder::new(StringBuilder::new()),
            status: StringBuilder::new(),
        }
    }

    /// Appends the mapping of one event.
    pub fn append(
        &mut self,
        event_source: &str,
        event_name: &str,
        event_type: Option<&str>,
        event: &EventJson<'_>,
    ) {
        let event_type = event_type.unwrap_or("");
        self.key.clear();
        for part in [event_source, "\u{0}", event_name, "\u{0}", event_type] {
            self.key.push_str(part);
        }
        let mapping = CACHE.with_borrow_mut(|cache| match cache.get(self.key.as_str()) {
            Some(mapping) => Arc::clone(mapping),
            None => {
                let mapping = Arc::new(self.mapper.map(event_source, event_name, event_type));
                // Bounded: a trail of unknown calls must not grow it without end.
                if cache.len() >= 1 << 16 {
                    cache.clear();
                }
                cache.insert(self.key.clone(), Arc::clone(&mapping));
                mapping
            }
        });
        self.service.append_option(mapping.service);
        for action in &mapping.actions {
            self.actions.values().append_value(action);
        }
        self.actions.append(true);
        for action in dependent::needed(&mapping.dependent, event) {
            self.dependent.values().append_value(action);
        }
        self.dependent.append(true);
        self.status.append_value(mapping.status.as_str());
    }

    /// Finishes the rows appended so far, in schema order, and resets.
    pub fn finish(&mut self) -> [ArrayRef; 4] {
        [
            Arc::new(self.service.finish()),
            Arc::new(self.actions.finish()),
            Arc::new(self.dependent.finish()),
            Arc::new(self.status.finish()),
        ]
    }
}

/// The names of the mapping columns, in schema order.
pub const MAPPING_COLUMNS: [&str; 4] = [
    col::IAM_SERVICE,
    col::IAM_ACTIONS,
    col::IAM_DEPENDENT_ACTIONS,
    col::MAPPING_STATUS,
];

/// Whether a file or batch schema lacks derived columns (written by trailcut before they
/// existed): the mapping columns or the person columns.
pub fn lacks_mapping_columns(schema: &arrow::datatypes::Schema) -> bool {
    MAPPING_COLUMNS
        .iter()
        .chain(&PERSON_COLUMNS)
        .any(|name| schema.field_with_name(name).is_err())
}

/// An events batch in the current schema: batches that already have every column are
/// returned as they are; older ones gain the mapping columns, computed from their stored
/// `eventsource`, `eventname`, `eventtype` and raw JSON fields, and the person columns
/// ([`super::personcols`]), each set only when missing.
pub fn with_mapping_columns(batch: RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let schema = events_schema();
    if !lacks_mapping_columns(batch.schema_ref()) {
        return Ok(batch);
    }
    let person = if PERSON_COLUMNS
        .iter()
        .any(|name| batch.schema_ref().field_with_name(name).is_err())
    {
        Some(person_columns(&batch)?)
    } else {
        None
    };
    let mapping = if MAPPING_COLUMNS
        .iter()
        .any(|name| batch.schema_ref().field_with_name(name).is_err())
    {
        Some(computed_mapping(&batch)?)
    } else {
        None
    };
    let rows = batch.num_rows();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if let Some(computed) = &mapping
            && let Some(i) = MAPPING_COLUMNS.iter().position(|c| c == field.name())
        {
            columns.push(Arc::clone(&computed[i]));
            continue;
        }
        if let Some(computed) = &person
            && let Some(i) = PERSON_COLUMNS.iter().position(|c| c == field.name())
        {
            columns.push(Arc::clone(&computed[i]));
            continue;
        }
        match batch.column_by_name(field.name()) {
            Some(column) if column.data_type() == field.data_type() => {
                columns.push(Arc::clone(column))
            }
            Some(column) => columns.push(arrow::compute::cast(column, field.data_type())?),
            None => columns.push(arrow::array::new_null_array(field.data_type(), rows)),
        }
    }
    RecordBatch::try_new(schema, columns)
}

/// The mapping columns of a stored batch, from its call and raw JSON columns.
fn computed_mapping(batch: &RecordBatch) -> Result<[ArrayRef; 4], arrow::error::ArrowError> {
    let rows = batch.num_rows();
    let strings = |name: &str| -> Result<Option<StringArray>, arrow::error::ArrowError> {
        batch
            .column_by_name(name)
            .map(|c| arrow::compute::cast(c, &DataType::Utf8).map(|c| c.as_string::<i32>().clone()))
            .transpose()
    };
    let source = strings(col::EVENTSOURCE)?;
    let name = strings(col::EVENTNAME)?;
    let kind = strings(col::EVENTTYPE)?;
    let request = strings(col::REQUESTPARAMETERS)?;
    let response = strings(col::RESPONSEELEMENTS)?;
    let additional = strings(col::ADDITIONALEVENTDATA)?;
    let (Some(source), Some(name)) = (source, name) else {
        return Err(arrow::error::ArrowError::SchemaError(
            "events batch without `eventsource` and `eventname`".into(),
        ));
    };
    fn get(array: &Option<StringArray>, row: usize) -> Option<&str> {
        array
            .as_ref()
            .and_then(|a| (!a.is_null(row)).then(|| a.value(row)))
    }
    let mut mapping = MappingColumns::new();
    for row in 0..rows {
        mapping.append(
            source.value(row),
            name.value(row),
            get(&kind, row),
            &EventJson::new(
                get(&request, row),
                get(&response, row),
                get(&additional, row),
            ),
        );
    }
    Ok(mapping.finish())
}
