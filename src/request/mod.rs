//! A CloudTrail event turned into the requests it made, shared by every reader of the
//! trail: the global condition keys it shows (`event`), the resources each of its actions
//! acted on (`resource`), the dependent actions its request shows were needed
//! (`dependent`), and whether the call was refused ([`is_denied`]). All of them read the
//! event's raw JSON through one accessor, [`json::EventJson`], which parses each part once.
//!
//! Pure and synchronous like `eval` and `mapping`. Ingest's mapping columns, the usage
//! rollup (`store::usage`), the evaluator's `policy event`, the replay, `trailcut map` and
//! the SQL functions `event_resources` and `is_denied(errorcode)` all read events through
//! this module, so that a request, a resource or a refused call means the same in each of
//! them.

pub mod dependent;
pub mod event;
pub mod json;
pub mod resource;

/// 2013-11-01T00:00:00Z, when CloudTrail began recording, in microseconds since the epoch:
/// no event is older.
pub const CLOUDTRAIL_EPOCH: i64 = 1_383_264_000_000_000;

/// Whether an error code says the caller was not authorised (refused for lack of
/// permission, or not authenticated), as opposed to a call that was authorised and failed
/// (`NoSuchKey`, throttling): a refused call is no evidence of use.
pub fn is_denied(code: &str) -> bool {
    code.contains("AccessDenied")
        || code.contains("Unauthorized")
        || code.contains("NotAuthorized")
        || code.starts_with("AuthorizationError")
        || matches!(
            code,
            "Forbidden"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "ExpiredTokenException"
                | "AuthFailure"
                | "UnrecognizedClientException"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_codes_are_authorisation_failures_only() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "Client.UnauthorizedAccess",
            "AuthorizationError",
            "AuthorizationErrorException",
            "NotAuthorizedException",
            "ExpiredToken",
            "Forbidden",
            "InvalidClientTokenId",
        ] {
            assert!(is_denied(code), "{code}");
        }
        for code in [
            "NoSuchKey",
            "ThrottlingException",
            "ResourceNotFoundException",
            "ValidationException",
        ] {
            assert!(!is_denied(code), "{code}");
        }
    }
}
