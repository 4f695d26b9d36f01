//! The IAM policy language: documents read into validated types, written back faithfully,
//! and expanded into the catalogue's concrete actions.
//!
//! - `document.rs`: the model ([`PolicyDocument`], [`Statement`], clauses, principals) and
//!   its entry points (`parse`, `from_value`, `parse_maybe_encoded`, `validate_identity`);
//! - `condition.rs`: condition operators and values;
//! - `parse.rs`: JSON tree -> model, with the JSON path of the first problem, and the URL
//!   decoding of the raw IAM API's documents;
//! - `write.rs`: model -> JSON in AWS's key order, lists and conditions as written;
//! - `json.rs`: the order-preserving JSON tree both sides go through (serde_json's `Value`
//!   sorts keys);
//! - `expand.rs`: statements and documents as sets of concrete actions.
//!
//! Pure and synchronous, like `catalog`: no tokio, DataFusion or AWS SDK types. What a
//! request is allowed to do (conditions, resources) is the evaluator's business.

mod condition;
mod document;
mod expand;
mod json;
mod parse;
mod write;

pub use condition::{
    Condition, ConditionOperator, ConditionValue, JsonNumber, Operator, SetOperator,
};
pub use document::{
    ActionClause, Effect, ListForm, OneOrMany, PolicyDocument, Principal, PrincipalClause,
    PrincipalKind, ResourceClause, Statement, VERSION_2008, VERSION_2012,
};
pub use expand::allowed_actions_of;

/// Why a policy document was refused: where (a JSON path such as
/// `$.Statement[2].Condition.StringEquals`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct PolicyError {
    /// The JSON path of the offending value; `$` for the whole document.
    pub path: String,
    /// What is wrong, user input in backticks.
    pub message: String,
}
