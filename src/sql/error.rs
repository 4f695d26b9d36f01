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
