//! `event_resources(action, eventsource, eventname, awsregion, useridentity, resources,
//! requestparameters, responseelements)`: the resources one action of an event acted on,
//! as a struct `{status, arns}` (`derived`, `not_scoped` or `underivable`; the ARNs when
//! derived). A thin wrapper around [`crate::request::resource::event_resources`], with the
//! store's IAM snapshot for names, so that SQL and `trailcut tighten --level resource` give
//! one answer.
//!
//! ```sql
//! SELECT r['status'], r['arns'] FROM (
//!   SELECT event_resources(iam_actions[1], eventsource, eventname, awsregion,
//!     useridentity, resources, requestparameters, responseelements) AS r FROM events)
//! ```

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, ListBuilder, StringArray, StringBuilder, StructArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

use super::udfs::{strings, text};
use crate::request::event::EventFacts;
use crate::request::resource::{IamNames, event_resources};

/// Registers `event_resources`, resolving IAM names through `names`.
pub fn register(ctx: &SessionContext, names: Arc<IamNames>) {
    ctx.register_udf(ScalarUDF::from(EventResources::new(names)));
}

const ARGS: [&str; 8] = [
    "action",
    "eventsource",
    "eventname",
    "awsregion",
    "useridentity",
    "resources",
    "requestparameters",
    "responseelements",
];

fn output_fields() -> Fields {
    Fields::from(vec![
        Field::new("status", DataType::Utf8, true),
        Field::new(
            "arns",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
    ])
}

#[derive(Debug)]
struct EventResources {
    signature: Signature,
    names: Arc<IamNames>,
}

// One function per session: its identity is its name.
impl PartialEq for EventResources {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for EventResources {}

impl std::hash::Hash for EventResources {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl EventResources {
    fn new(names: Arc<IamNames>) -> Self {
        Self {
            signature: Signature::any(ARGS.len(), Volatility::Immutable),
            names,
        }
    }
}

/// A field of a struct column as strings (all null when the struct lacks it).
fn field(array: &ArrayRef, name: &str) -> Result<StringArray> {
    let Some(s) = array.as_struct_opt() else {
        return Err(DataFusionError::Plan(format!(
            "event_resources: useridentity must be the events table's struct, not {}",
            array.data_type()
        )));
    };
    match s.column_by_name(name) {
        Some(column) => {
            let mut values = strings(column)?;
            if let Some(nulls) = s.nulls() {
                let merged = NullBuffer::union(Some(nulls), values.nulls());
                values =
                    StringArray::new(values.offsets().clone(), values.values().clone(), merged);
            }
            Ok(values)
        }
        None => Ok(StringArray::new_null(s.len())),
    }
}

impl ScalarUDFImpl for EventResources {
    fn name(&self) -> &str {
        "event_resources"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(output_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let action = strings(&arrays[0])?;
        let source = strings(&arrays[1])?;
        let name = strings(&arrays[2])?;
        let region = strings(&arrays[3])?;
        let identity_type = field(&arrays[4], "type")?;
        let identity_arn = field(&arrays[4], "arn")?;
        let account = field(&arrays[4], "accountid")?;
        let user_name = field(&arrays[4], "username")?;
        let resources = arrays[5].as_list_opt::<i32>().ok_or_else(|| {
            DataFusionError::Plan(format!(
                "event_resources: resources must be the events table's list, not {}",
                arrays[5].data_type()
            ))
        })?;
        let request = strings(&arrays[6])?;
        let response = strings(&arrays[7])?;
        let mut status = StringBuilder::with_capacity(rows, rows * 8);
        let mut arns = ListBuilder::new(StringBuilder::new());
        let mut valid = Vec::with_capacity(rows);
        for row in 0..rows {
            let (Some(action), Some(source), Some(name)) =
                (text(&action, row), text(&source, row), text(&name, row))
            else {
                status.append_null();
                arns.append(false);
                valid.push(false);
                continue;
            };
            let listed: Vec<String> = if resources.is_null(row) {
                Vec::new()
            } else {
                let entry = resources.value(row);
                match entry.as_struct_opt().and_then(|s| s.column_by_name("arn")) {
                    Some(column) => {
                        let column = strings(column)?;
                        column.iter().flatten().map(str::to_owned).collect()
                    }
                    None => Vec::new(),
                }
            };
            let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
            let facts = EventFacts {
                event_source: source,
                event_name: name,
                region: text(&region, row),
                identity_type: text(&identity_type, row),
                principal_arn: text(&identity_arn, row),
                user_name: text(&user_name, row),
                account_id: text(&account, row),
                resources: &listed,
                request_parameters: text(&request, row),
                response_elements: text(&response, row),
                iam_names: Some(&self.names),
                ..EventFacts::default()
            };
            let derived = event_resources(&facts, action);
            status.append_value(derived.status.as_str());
            for arn in &derived.arns {
                arns.values().append_value(arn);
            }
            arns.append(true);
            valid.push(true);
        }
        let out = StructArray::try_new(
            output_fields(),
            vec![Arc::new(status.finish()), Arc::new(arns.finish())],
            Some(NullBuffer::from(valid)),
        )?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
