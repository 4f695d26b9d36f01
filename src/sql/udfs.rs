//! SQL functions and tables over the catalogue and the mapping: thin DataFusion wrappers
//! around `crate::catalog` and `crate::mapping`, which know nothing of DataFusion.
//!
//! - `iam_actions(eventsource, eventname [, eventtype])`: list of IAM actions, primary
//!   first (empty when unmapped or not an API call);
//! - `iam_mapping_status(eventsource, eventname [, eventtype])`: `mapped`,
//!   `permissionless`, `not_api_call` or `unmapped`;
//! - `action_matches(pattern, action)`: IAM wildcard match, case-insensitive;
//! - `access_level(action)`: the action's access levels, comma-joined (null if unknown);
//! - table `iam_catalog`: service, action, access_levels, resource_types.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::cast::as_string_array;
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;

use crate::catalog::{ActionCatalog, ActionPattern};
use crate::mapping::{EventMapper, Mapping};

/// Registers the functions and the `iam_catalog` table.
pub fn register(ctx: &SessionContext) -> Result<()> {
    ctx.register_udf(ScalarUDF::from(MapEvent::new(MapOutput::Actions)));
    ctx.register_udf(ScalarUDF::from(MapEvent::new(MapOutput::Status)));
    ctx.register_udf(ScalarUDF::from(ActionMatches::new()));
    ctx.register_udf(ScalarUDF::from(AccessLevelOf::new()));
    ctx.register_udf(ScalarUDF::from(IsDenied::new()));
    ctx.register_table("iam_catalog", Arc::new(catalog_table()?))?;
    Ok(())
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The arguments as string arrays of `rows` rows (scalars broadcast).
fn string_args(args: ScalarFunctionArgs) -> Result<(Vec<StringArray>, usize)> {
    let rows = args.number_rows;
    let arrays = ColumnarValue::values_to_arrays(&args.args)?;
    let strings = arrays.iter().map(strings).collect::<Result<Vec<_>>>()?;
    Ok((strings, rows))
}

/// An array of any type cast to strings.
pub(super) fn strings(array: &ArrayRef) -> Result<StringArray> {
    let cast = arrow::compute::cast(array, &DataType::Utf8)?;
    Ok(as_string_array(&cast)?.clone())
}

/// Row `row` of `array`, `None` when null.
pub(super) fn text(array: &StringArray, row: usize) -> Option<&str> {
    (!array.is_null(row)).then(|| array.value(row))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MapOutput {
    Actions,
    Status,
}

/// `iam_actions` and `iam_mapping_status`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MapEvent {
    output: MapOutput,
    signature: Signature,
}

impl MapEvent {
    fn new(output: MapOutput) -> Self {
        let signature = Signature::one_of(
            vec![TypeSignature::String(2), TypeSignature::String(3)],
            Volatility::Immutable,
        );
        Self { output, signature }
    }
}

impl ScalarUDFImpl for MapEvent {
    fn name(&self) -> &str {
        match self.output {
            MapOutput::Actions => "iam_actions",
            MapOutput::Status => "iam_mapping_status",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.output {
            MapOutput::Actions => utf8_list(),
            MapOutput::Status => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (strings, rows) = string_args(args)?;
        let mapper = EventMapper::embedded();
        // Trails repeat a few thousand distinct calls millions of times: map each once and
        // give every row the index of its call's mapping.
        let mut index: HashMap<(&str, &str, &str), usize> = HashMap::new();
        let mut distinct: Vec<Mapping> = Vec::new();
        let ids: Vec<Option<usize>> = (0..rows)
            .map(|row| {
                let source = text(&strings[0], row)?;
                let name = text(&strings[1], row)?;
                let kind = strings.get(2).and_then(|a| text(a, row)).unwrap_or("");
                Some(*index.entry((source, name, kind)).or_insert_with(|| {
                    distinct.push(mapper.map(source, name, kind));
                    distinct.len() - 1
                }))
            })
            .collect();
        let array: ArrayRef = match self.output {
            MapOutput::Actions => {
                let mut builder = ListBuilder::new(StringBuilder::new());
                for id in ids {
                    let Some(id) = id else {
                        builder.append(false);
                        continue;
                    };
                    // `actions` is empty for unmapped calls and events that are not calls.
                    for action in &distinct[id].actions {
                        builder.values().append_value(action);
                    }
                    builder.append(true);
                }
                Arc::new(builder.finish())
            }
            MapOutput::Status => {
                let mut builder = StringBuilder::new();
                for id in ids {
                    builder.append_option(id.map(|id| distinct[id].status.as_str()));
                }
                Arc::new(builder.finish())
            }
        };
        Ok(ColumnarValue::Array(array))
    }
}

/// `action_matches(pattern, action)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ActionMatches {
    signature: Signature,
}

impl ActionMatches {
    fn new() -> Self {
        Self {
            signature: Signature::string(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ActionMatches {
    fn name(&self) -> &str {
        "action_matches"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (strings, rows) = string_args(args)?;
        let mut patterns: HashMap<&str, ActionPattern> = HashMap::new();
        let mut builder = BooleanBuilder::with_capacity(rows);
        for row in 0..rows {
            let (Some(pattern), Some(action)) = (text(&strings[0], row), text(&strings[1], row))
            else {
                builder.append_null();
                continue;
            };
            if !patterns.contains_key(pattern) {
                let parsed = ActionPattern::parse(pattern)
                    .map_err(|e| DataFusionError::Execution(format!("action_matches: {e}")))?;
                patterns.insert(pattern, parsed);
            }
            builder.append_value(patterns[pattern].matches(action));
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

/// `is_denied(errorcode)`: whether the call was refused for lack of permission or
/// authentication ([`crate::request::is_denied`]); false for a call without an error.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IsDenied {
    signature: Signature,
}

impl IsDenied {
    fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for IsDenied {
    fn name(&self) -> &str {
        "is_denied"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (strings, rows) = string_args(args)?;
        let mut builder = BooleanBuilder::with_capacity(rows);
        for row in 0..rows {
            builder.append_value(text(&strings[0], row).is_some_and(crate::request::is_denied));
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

/// `access_level(action)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct AccessLevelOf {
    signature: Signature,
}

impl AccessLevelOf {
    fn new() -> Self {
        Self {
            signature: Signature::string(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for AccessLevelOf {
    fn name(&self) -> &str {
        "access_level"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (strings, rows) = string_args(args)?;
        let catalog = ActionCatalog::embedded();
        let mut builder = StringBuilder::new();
        for row in 0..rows {
            let level = text(&strings[0], row)
                .and_then(|a| catalog.action(a))
                .map(|a| {
                    a.access
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
            builder.append_option(level);
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

/// The catalogue as a table.
fn catalog_table() -> Result<MemTable> {
    let catalog = ActionCatalog::embedded();
    let schema = Arc::new(Schema::new(vec![
        Field::new("service", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("access_levels", utf8_list(), false),
        Field::new("resource_types", utf8_list(), false),
    ]));
    let mut service = StringBuilder::new();
    let mut action = StringBuilder::new();
    let mut levels = ListBuilder::new(StringBuilder::new());
    let mut resources = ListBuilder::new(StringBuilder::new());
    for a in catalog.actions() {
        service.append_value(a.service());
        action.append_value(&a.name);
        for l in &a.access {
            levels.values().append_value(l.as_str());
        }
        levels.append(true);
        for r in &a.resources {
            resources.values().append_value(&r.kind);
        }
        resources.append(true);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(service.finish()),
        Arc::new(action.finish()),
        Arc::new(levels.finish()),
        Arc::new(resources.finish()),
    ];
    // The list builders name their item field "item" and mark it nullable, as above.
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    MemTable::try_new(schema, vec![vec![batch]])
}
