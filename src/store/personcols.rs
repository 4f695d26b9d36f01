//! The person columns of `events`: `person` and `person_source`, the person the event
//! itself shows and the rule that named it ([`crate::identity::person`]).
//!
//! They are a function of columns every events file has (`useridentity`, `session_name`,
//! `eventsource`), so the same function fills them at ingest and for files written before
//! the columns existed (`trailcut store upgrade`, compaction): a store never holds two
//! answers. Role chains are not followed here: that needs the other events of the trail,
//! and the SQL view `event_people` does it over the whole store.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::datatypes::DataType;

use super::schema::col;
use crate::identity::{Caller, person};

/// The names of the person columns, in schema order.
pub const PERSON_COLUMNS: [&str; 2] = [col::PERSON, col::PERSON_SOURCE];

fn strings(column: &ArrayRef) -> Result<StringArray, arrow::error::ArrowError> {
    Ok(match column.as_string_opt::<i32>() {
        Some(s) => s.clone(),
        None => arrow::compute::cast(column, &DataType::Utf8)?
            .as_string::<i32>()
            .clone(),
    })
}

/// A child of a struct column as strings, null where the struct is null.
fn child(
    parent: Option<&StructArray>,
    name: &str,
) -> Result<Option<StringArray>, arrow::error::ArrowError> {
    let Some(parent) = parent else {
        return Ok(None);
    };
    let Some(column) = parent.column_by_name(name) else {
        return Ok(None);
    };
    let values = strings(column)?;
    let nulls = arrow::buffer::NullBuffer::union(parent.nulls(), values.nulls());
    Ok(Some(StringArray::new(
        values.offsets().clone(),
        values.values().clone(),
        nulls,
    )))
}

fn sub_struct<'a>(parent: Option<&'a StructArray>, name: &str) -> Option<&'a StructArray> {
    parent?.column_by_name(name)?.as_struct_opt()
}

fn get(array: &Option<StringArray>, row: usize) -> Option<&str> {
    array
        .as_ref()
        .and_then(|a| (!a.is_null(row)).then(|| a.value(row)))
}

/// The two person columns of an events batch, computed from its `useridentity`,
/// `session_name` and `eventsource` columns.
pub fn person_columns(batch: &RecordBatch) -> Result<[ArrayRef; 2], arrow::error::ArrowError> {
    let identity = batch
        .column_by_name(col::USERIDENTITY)
        .and_then(|c| c.as_struct_opt());
    let context = sub_struct(identity, "sessioncontext");
    let issuer = sub_struct(context, "sessionissuer");
    let on_behalf_of = sub_struct(identity, "onbehalfof");
    let column = |name: &str| -> Result<Option<StringArray>, arrow::error::ArrowError> {
        batch.column_by_name(name).map(strings).transpose()
    };
    let kind = child(identity, "type")?;
    let arn = child(identity, "arn")?;
    let principal_id = child(identity, "principalid")?;
    let user_name = child(identity, "username")?;
    let invoked_by = child(identity, "invokedby")?;
    let user_id = child(on_behalf_of, "userid")?;
    let issuer_arn = child(issuer, "arn")?;
    let issuer_name = child(issuer, "username")?;
    let source_identity = child(context, "sourceidentity")?;
    let session_name = column(col::SESSION_NAME)?;
    let event_source = column(col::EVENTSOURCE)?;
    let rows = batch.num_rows();
    let mut names = StringBuilder::with_capacity(rows, rows * 16);
    let mut sources = StringBuilder::with_capacity(rows, rows * 8);
    for row in 0..rows {
        let caller = Caller {
            identity_type: get(&kind, row),
            arn: get(&arn, row),
            principal_id: get(&principal_id, row),
            user_name: get(&user_name, row),
            invoked_by: get(&invoked_by, row),
            on_behalf_of: get(&user_id, row),
            issuer_arn: get(&issuer_arn, row),
            issuer_name: get(&issuer_name, row),
            source_identity: get(&source_identity, row),
            session_name: get(&session_name, row),
            event_source: get(&event_source, row),
        };
        match person(&caller) {
            Some(p) => {
                names.append_value(p.name);
                sources.append_value(p.source.as_str());
            }
            None => {
                names.append_null();
                sources.append_null();
            }
        }
    }
    Ok([Arc::new(names.finish()), Arc::new(sources.finish())])
}
