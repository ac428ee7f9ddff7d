//! SDK errors to `StoreError`, keeping what matters: a failed condition is
//! a `Conflict` the caller can act on, throttling is retryable.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use o2c_domain::ports::StoreError;

pub(crate) fn from_sdk<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("");
            match code {
                "ConditionalCheckFailedException" | "TransactionConflictException" => StoreError::Conflict,
                // Configuration or programming faults: retrying cannot help.
                "ResourceNotFoundException" | "ValidationException" | "SerializationException" | "AccessDeniedException" | "UnrecognizedClientException" | "ItemCollectionSizeLimitExceededException" => {
                    StoreError::Corrupt(format!("{code}: {}", service.err().message().unwrap_or("")))
                }
                _ => StoreError::Unavailable(code.to_owned()),
            }
        }
        SdkError::TimeoutError(_) => StoreError::Unavailable("timeout".into()),
        SdkError::DispatchFailure(_) => StoreError::Unavailable("dispatch failure".into()),
        SdkError::ResponseError(_) => StoreError::Unavailable("unreadable response".into()),
        _ => StoreError::Unavailable("sdk error".into()),
    }
}

/// A cancelled transaction names a reason per item: a failed condition or
/// a conflicting transaction means "re-read and decide again"; throttling
/// means "retry later".
pub(crate) fn from_transact(err: SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>) -> StoreError {
    if let SdkError::ServiceError(service) = &err {
        if let TransactWriteItemsError::TransactionCanceledException(cancel) = service.err() {
            let codes: Vec<&str> = cancel.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
            if codes.iter().any(|c| *c == "ConditionalCheckFailed" || *c == "TransactionConflict") {
                return StoreError::Conflict;
            }
            if codes.iter().any(|c| *c == "ValidationError" || *c == "ItemCollectionSizeLimitExceeded") {
                return StoreError::Corrupt(format!("transaction refused: {}", codes.join(",")));
            }
            return StoreError::Unavailable(format!("transaction cancelled: {}", codes.join(",")));
        }
    }
    from_sdk(err)
}

/// A request builder that refused to build (a missing required field): a
/// programming error, reported, never panicked on.
pub(crate) fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// For writes whose failed condition means "already done" (a claim already
/// released, an answer already saved, a complaint not to downgrade).
pub(crate) fn done_if_conflict<O, E, R>(r: Result<O, SdkError<E, R>>) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match r {
        Ok(_) => Ok(()),
        Err(e) => match from_sdk(e) {
            StoreError::Conflict => Ok(()),
            other => Err(other),
        },
    }
}
