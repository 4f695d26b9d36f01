//! Why the SQL layer could not answer: its own error type, so that a caller (the CLI,
//! tightening's evidence source) can tell a query that failed from a name the store does
//! not hold.

use datafusion::error::DataFusionError;

/// Why a read of the store failed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// DataFusion could not plan or run a query.
    #[error(transparent)]
    Query(#[from] DataFusionError),
    /// A result could not be read as the reader expects.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// A query's result lacks a column its reader names (a defect).
    #[error("no column `{0}`")]
    NoColumn(String),
    /// A column that should hold lists does not (a defect).
    #[error("`{0}` is not a list")]
    NotAList(String),
    /// A name the store does not hold, holds more than once, or holds as something else;
    /// the message says which, and what to pass instead.
    #[error("{0}")]
    Lookup(String),
    /// Something the store should hold is missing (a policy's document).
    #[error("{0}")]
    Missing(String),
    /// A stored policy document that does not parse.
    #[error("{what}")]
    Policy {
        /// Which policy (`policy <key>`, `SCP <name>`).
        what: String,
        #[source]
        source: crate::policy::PolicyError,
    },
}

/// A result of the SQL layer.
pub type SqlResult<T> = std::result::Result<T, SqlError>;

/// The errors a person typing SQL makes, as one line that names what they typed: a column
/// that no table of the query has (DataFusion's message lists every valid field, which for
/// `events` is forty lines), with the closest column when one is a typo away. `None` for
/// any other error, which is shown as it is.
pub fn user_message(error: &DataFusionError) -> Option<String> {
    use datafusion::common::SchemaError;
    let root = error.find_root();
    if let DataFusionError::SQL(parse, _) = root {
        let text = parse.to_string();
        let text = text.strip_prefix("sql parser error: ").unwrap_or(&text);
        return Some(format!("not valid SQL: {text}"));
    }
    if let DataFusionError::Plan(text) = root
        && let Some(rest) = text.strip_prefix("table '")
        && let Some((table, _)) = rest.split_once("' not found")
    {
        let name = table.rsplit('.').next().unwrap_or(table);
        let known = crate::store::snapshot::TABLES
            .iter()
            .chain(&crate::store::authz_tables::TABLES)
            .chain(&crate::store::org_tables::TABLES)
            .chain(&crate::store::report_tables::TABLES)
            .chain(&["outliers"]);
        let hint = crate::nearest::closest(&name.to_ascii_lowercase(), known, |t| (**t).to_owned())
            .map(|t| format!(" (did you mean `{t}`?)"))
            .unwrap_or_default();
        return Some(format!(
            "no table `{name}` in the store{hint}; `SHOW TABLES` in `trailcut query` lists them"
        ));
    }
    let DataFusionError::SchemaError(schema_error, _) = root else {
        return None;
    };
    let SchemaError::FieldNotFound {
        field,
        valid_fields,
    } = schema_error.as_ref()
    else {
        return None;
    };
    let mut names: Vec<&str> = valid_fields.iter().map(|c| c.name()).collect();
    names.sort_unstable();
    names.dedup();
    let wanted = field.name().to_ascii_lowercase();
    let hint = crate::nearest::closest(&wanted, names.iter(), |n| n.to_ascii_lowercase())
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Some(format!(
        "no column `{}` in the query's tables{hint}; `DESCRIBE events` in `trailcut query` or \
         docs/store.md lists each table's columns",
        field.flat_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_column_is_one_line_with_the_closest_name() {
        let ctx = datafusion::prelude::SessionContext::new();
        ctx.sql("CREATE TABLE events (eventname VARCHAR, eventsource VARCHAR)")
            .await
            .unwrap();
        let error = ctx.sql("SELECT eventnme FROM events").await.unwrap_err();
        let text = user_message(&error).unwrap();
        assert!(text.starts_with("no column `eventnme`"), "{text}");
        assert!(text.contains("(did you mean `eventname`?)"), "{text}");
        assert!(!text.contains("Valid fields"), "{text}");
        let other = DataFusionError::Plan("something else".into());
        assert_eq!(user_message(&other), None);
        let table = ctx.sql("SELECT * FROM evnts").await.unwrap_err();
        let text = user_message(&table).unwrap();
        assert!(
            text.starts_with("no table `evnts`") && text.contains("did you mean `events`"),
            "{text}"
        );
        let syntax = ctx.sql("SELEC * FROM events").await.unwrap_err();
        let text = user_message(&syntax).unwrap();
        assert!(text.starts_with("not valid SQL: Expected"), "{text}");
    }
}
