//! Stable error codes behind every problem+json answer. Clients switch on
//! `code`; the HTTP status for each lives with the HTTP mapping, but the
//! list is here so every function shares it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON, or not the JSON shape expected.
    MalformedJson,
    /// 422: one or more fields are invalid; `errors` lists each.
    ValidationFailed,
    /// 401: no API key, or not a valid one.
    Unauthenticated,
    /// 403: the key lacks the scope the route needs.
    Forbidden,
    /// 404: no such object (or route).
    NotFound,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 409: the object's state does not allow this action.
    InvalidStateTransition,
    /// 409: the object changed while this request ran; retry.
    ConcurrentUpdate,
    /// 409: the customer is on credit hold.
    CreditHold,
    /// 409: the Idempotency-Key was used with another request.
    IdempotencyKeyReused,
    /// 409: the first request with this Idempotency-Key is still running.
    IdempotencyKeyInUse,
    /// 413: the body is larger than the route accepts.
    PayloadTooLarge,
    /// 415: the Content-Type is not one the route reads.
    UnsupportedMediaType,
    /// 503: a dependency is throttling or unavailable; retry later.
    ServiceUnavailable,
    /// 500: a fault of ours; details are logged, never returned.
    InternalError,
    InvalidSignature,
    LivemodeMismatch,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed_json",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InvalidStateTransition => "invalid_state_transition",
            Self::ConcurrentUpdate => "concurrent_update",
            Self::CreditHold => "credit_hold",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyKeyInUse => "idempotency_key_in_use",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ServiceUnavailable => "service_unavailable",
            Self::InternalError => "internal_error",
            Self::InvalidSignature => "invalid_signature",
            Self::LivemodeMismatch => "livemode_mismatch",
        }
    }

    pub const ALL: [ErrorCode; 17] = [
        Self::MalformedJson,
        Self::ValidationFailed,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::InvalidStateTransition,
        Self::ConcurrentUpdate,
        Self::CreditHold,
        Self::IdempotencyKeyReused,
        Self::IdempotencyKeyInUse,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ServiceUnavailable,
        Self::InternalError,
        Self::InvalidSignature,
        Self::LivemodeMismatch,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_as_its_stable_string() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::String(code.as_str().into()));
        }
    }
}
