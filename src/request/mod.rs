//! What a CloudTrail event says about the requests it made, shared by every reader of the
//! trail: whether the call was refused.
//!
//! Pure and synchronous like `eval` and `mapping`. The rollup (`store::usage`), the SQL
//! function `is_denied(errorcode)` (`sql::udfs`), the named queries and tightening all use
//! [`is_denied`], so that a call refused in one place is refused in all of them.

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
