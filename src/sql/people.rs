//! The people behind the events, in SQL: thin wrappers around [`crate::identity`].
//!
//! - `sso_permission_set(role)`: the permission set behind a role name or ARN that
//!   Identity Center provisioned (`AWSReservedSSO_<name>_<suffix>`), else null;
//! - `json_text(json, 'a.b.c')`: the string at a dot-separated path of a JSON text (keys in
//!   any case, as every reader of the trail's JSON matches them), else null;
//! - table `sessions`: one row per role session the trail saw issued (a successful
//!   `AssumeRole`, `AssumeRoleWithSAML` or `AssumeRoleWithWebIdentity`), keyed by the
//!   access key it issued, with the person behind it found by following the chain of
//!   callers ([`crate::identity::resolve_chains`]); built from `events` when a statement
//!   first reads it;
//! - view `event_people`: `events` with `person` and `person_source` completed through
//!   `sessions` (`role_chain`) for role sessions the event alone does not explain, and
//!   `person_origin` and `person_chain` saying how;
//! - view `sso_roles`: every role of the IAM snapshots that Identity Center provisioned,
//!   with its permission set.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, AsArray, RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use async_trait::async_trait;
use datafusion::catalog::{Session as CatalogSession, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionState;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TableType,
    Volatility,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

use super::udfs::{strings, text};
use crate::identity::{Issue, PersonSource, resolve_chains, sso_role};
use crate::request::json::Json;

/// The views this module defines, in the order they are created.
pub const VIEWS: [&str; 2] = ["event_people", "sso_roles"];

/// The table this module defines.
pub const SESSIONS: &str = "sessions";

/// Registers the functions (once per context).
pub fn register_functions(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(SsoPermissionSet::new()));
    ctx.register_udf(ScalarUDF::from(JsonText::new()));
}

/// Registers `sessions` and the views over the store's tables, which must be registered
/// already; returns their names. Called again after the tables are registered anew.
pub async fn register_relations(ctx: &SessionContext) -> Result<Vec<String>> {
    ctx.register_table(SESSIONS, Arc::new(SessionsTable::default()))?;
    for (name, sql) in VIEWS.iter().zip([EVENT_PEOPLE, SSO_ROLES]) {
        ctx.sql(&format!("CREATE OR REPLACE VIEW {name} AS {sql}"))
            .await?;
    }
    Ok(std::iter::once(SESSIONS)
        .chain(VIEWS)
        .map(str::to_owned)
        .collect())
}

const EVENT_PEOPLE: &str = "
SELECT e.* EXCLUDE (person, person_source),
       COALESCE(e.person, s.person) AS person,
       CASE WHEN e.person IS NOT NULL THEN e.person_source
            WHEN s.person IS NOT NULL THEN 'role_chain' END AS person_source,
       CASE WHEN e.person IS NULL THEN s.person_source END AS person_origin,
       CASE WHEN e.person IS NULL THEN s.chain END AS person_chain
FROM events e
LEFT JOIN sessions s
  ON e.person IS NULL AND e.useridentity.accesskeyid = s.issued_key";

const SSO_ROLES: &str = "
SELECT p.account_id, p.arn AS role_arn, p.name AS role_name,
       sso_permission_set(p.name) AS permission_set_name,
       ps.permission_set_arn, ps.instance_arn
FROM principals p
LEFT JOIN sso_permission_sets ps ON ps.name = sso_permission_set(p.name)
WHERE p.principal_type = 'role'
  AND p.path LIKE '/aws-reserved/sso.amazonaws.com/%'
  AND sso_permission_set(p.name) IS NOT NULL";

/// The calls that issue role sessions, with their callers.
const ISSUES: &str = "
SELECT json_text(responseelements, 'credentials.accessKeyId') AS issued_key,
       json_text(requestparameters, 'roleArn') AS role_arn,
       json_text(requestparameters, 'roleSessionName') AS session_name,
       eventtime, principal_arn, useridentity.accesskeyid AS caller_key,
       person, person_source
FROM events
WHERE eventsource = 'sts.amazonaws.com'
  AND eventname IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity')
  AND errorcode IS NULL";

fn sessions_schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("issued_key", DataType::Utf8, false),
        text("role_arn"),
        text("session_name"),
        Field::new(
            "issued_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        text("caller_arn"),
        text("caller_key"),
        text("person"),
        text("person_source"),
        text("chain"),
    ]))
}

/// `sessions`, computed from `events` by the first statement that reads it.
#[derive(Debug, Default)]
struct SessionsTable {
    table: tokio::sync::OnceCell<Arc<MemTable>>,
}

#[async_trait]
impl TableProvider for SessionsTable {
    fn schema(&self) -> SchemaRef {
        sessions_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn CatalogSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let table = self
            .table
            .get_or_try_init(|| async {
                let state = state
                    .as_any()
                    .downcast_ref::<SessionState>()
                    .ok_or_else(|| {
                        DataFusionError::Internal("sessions read outside a SessionState".into())
                    })?;
                let ctx = SessionContext::new_with_state(state.clone());
                let batches = ctx.sql(ISSUES).await?.collect().await?;
                let batch = sessions_batch(&batches)?;
                Ok::<_, DataFusionError>(Arc::new(MemTable::try_new(
                    sessions_schema(),
                    vec![vec![batch]],
                )?))
            })
            .await?;
        table.scan(state, projection, filters, limit).await
    }
}

/// One row per issued key: the earliest call that issued it, and the person behind it.
fn sessions_batch(batches: &[RecordBatch]) -> Result<RecordBatch> {
    struct Row {
        issue: Issue,
        session_name: Option<String>,
        at: Option<i64>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for batch in batches {
        let column = |i: usize| strings(batch.column(i));
        let (key, role, session, caller, caller_key, person, source) = (
            column(0)?,
            column(1)?,
            column(2)?,
            column(4)?,
            column(5)?,
            column(6)?,
            column(7)?,
        );
        let times: &TimestampMicrosecondArray = batch.column(3).as_primitive();
        let own = |a: &StringArray, r: usize| text(a, r).map(str::to_owned);
        for r in 0..batch.num_rows() {
            let Some(issued_key) = own(&key, r).filter(|k| !k.is_empty()) else {
                continue;
            };
            let caller_person = match (
                text(&person, r),
                text(&source, r).and_then(PersonSource::parse),
            ) {
                (Some(p), Some(s)) => Some((p.to_owned(), s)),
                _ => None,
            };
            rows.push(Row {
                issue: Issue {
                    issued_key,
                    role_arn: own(&role, r),
                    caller_person,
                    caller_key: own(&caller_key, r),
                    caller_arn: own(&caller, r),
                },
                session_name: own(&session, r),
                at: (!times.is_null(r)).then(|| times.value(r)),
            });
        }
    }
    let resolved = resolve_chains(&rows.iter().map(|r| r.issue.clone()).collect::<Vec<_>>());
    let mut first: BTreeMap<&str, &Row> = BTreeMap::new();
    for row in &rows {
        first
            .entry(row.issue.issued_key.as_str())
            .and_modify(|kept| {
                if row.at < kept.at {
                    *kept = row;
                }
            })
            .or_insert(row);
    }
    let n = first.len();
    let mut b: Vec<StringBuilder> = (0..8)
        .map(|_| StringBuilder::with_capacity(n, n * 24))
        .collect();
    let mut at = arrow::array::TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    for (key, row) in first {
        let found = resolved.get(key);
        let values = [
            Some(key.to_owned()),
            row.issue.role_arn.clone(),
            row.session_name.clone(),
            row.issue.caller_arn.clone(),
            row.issue.caller_key.clone(),
            found.map(|f| f.person.clone()),
            found.map(|f| f.origin.as_str().to_owned()),
            found.map(|f| f.chain.join(" -> ")),
        ];
        for (builder, value) in b.iter_mut().zip(values) {
            builder.append_option(value);
        }
        at.append_option(row.at);
    }
    let mut columns: Vec<Arc<dyn Array>> =
        b.iter_mut().map(|b| Arc::new(b.finish()) as _).collect();
    columns.insert(3, Arc::new(at.finish()));
    Ok(RecordBatch::try_new(sessions_schema(), columns)?)
}

/// `sso_permission_set(role)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct SsoPermissionSet {
    signature: Signature,
}

impl SsoPermissionSet {
    fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for SsoPermissionSet {
    fn name(&self) -> &str {
        "sso_permission_set"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let roles = strings(&arrays[0])?;
        let mut out = StringBuilder::with_capacity(rows, rows * 12);
        for row in 0..rows {
            out.append_option(
                text(&roles, row)
                    .and_then(sso_role)
                    .map(|r| r.permission_set),
            );
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `json_text(json, path)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonText {
    signature: Signature,
}

impl JsonText {
    fn new() -> Self {
        Self {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for JsonText {
    fn name(&self) -> &str {
        "json_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (docs, paths) = (strings(&arrays[0])?, strings(&arrays[1])?);
        let mut out = StringBuilder::with_capacity(rows, rows * 16);
        for row in 0..rows {
            let value = match (text(&docs, row), text(&paths, row)) {
                (Some(doc), Some(path)) => {
                    let json = Json::parse(Some(doc));
                    json.get(path).and_then(Json::as_str).map(str::to_owned)
                }
                _ => None,
            };
            out.append_option(value);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_keep_one_row_per_key_with_its_person() {
        let strings = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as Arc<dyn Array>;
        let times = Arc::new(
            TimestampMicrosecondArray::from(vec![Some(2), Some(1), Some(3)]).with_timezone("UTC"),
        );
        let batch = RecordBatch::try_from_iter([
            (
                "issued_key",
                strings(vec![Some("K1"), Some("K1"), Some("K2")]),
            ),
            (
                "role_arn",
                strings(vec![Some("arn:r1"), Some("arn:r1"), Some("arn:r2")]),
            ),
            (
                "session_name",
                strings(vec![Some("s"), Some("s"), Some("t")]),
            ),
            ("eventtime", times as Arc<dyn Array>),
            (
                "principal_arn",
                strings(vec![
                    Some("arn:user/alice"),
                    Some("arn:user/alice"),
                    Some("arn:r1"),
                ]),
            ),
            (
                "caller_key",
                strings(vec![Some("AKIA1"), Some("AKIA1"), Some("K1")]),
            ),
            (
                "person",
                strings(vec![Some("arn:user/alice"), Some("arn:user/alice"), None]),
            ),
            (
                "person_source",
                strings(vec![Some("iam_user"), Some("iam_user"), None]),
            ),
        ])
        .expect("batch");
        let out = sessions_batch(&[batch]).expect("sessions");
        assert_eq!(out.num_rows(), 2);
        let col = |name: &str| {
            out.column_by_name(name)
                .expect(name)
                .as_string::<i32>()
                .clone()
        };
        assert_eq!(col("person").value(1), "arn:user/alice");
        assert_eq!(col("person_source").value(1), "iam_user");
        assert_eq!(col("chain").value(1), "arn:user/alice -> arn:r1 -> arn:r2");
        let at: &TimestampMicrosecondArray = out.column(3).as_primitive();
        assert_eq!(at.value(0), 1, "the earliest issue of K1");
    }
}
