//! Every error answer is RFC 9457 problem+json with a stable `code`.
//! This is the only place errors become HTTP; nothing internal leaks.

use o2c_domain::actions::ActionError;
use o2c_domain::error_code::ErrorCode;
use o2c_domain::invoice::InvoiceError;
use o2c_domain::ports::StoreError;
use serde::Serialize;
use serde_json::json;

use crate::fields::FieldError;
use crate::request::ApiResponse;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("missing or invalid API key")]
    Unauthenticated,
    #[error("the API key lacks scope {0}")]
    Forbidden(&'static str),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{detail}")]
    Conflict { code: ErrorCode, detail: String },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A request refused as a whole (a webhook with a bad signature).
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
    #[error("a dependency is unavailable")]
    Unavailable,
    /// A body over a route's limit (a bank statement over 5 MB).
    #[error("{0}")]
    TooLarge(String),
    /// Our fault. The cause is logged with the correlation id, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (u16, ErrorCode, &'static str, String) {
        match self {
            Self::MalformedJson(d) => (400, ErrorCode::MalformedJson, "Malformed JSON", d.clone()),
            Self::Validation(errs) => (422, ErrorCode::ValidationFailed, "Validation failed", format!("{} invalid field(s)", errs.len())),
            Self::Unauthenticated => (401, ErrorCode::Unauthenticated, "Unauthenticated", "Send `Authorization: Bearer <api key>` with a valid key.".into()),
            Self::Forbidden(scope) => (403, ErrorCode::Forbidden, "Forbidden", format!("This API key lacks the `{scope}` scope.")),
            Self::NotFound(what) => (404, ErrorCode::NotFound, "Not found", format!("No such {what}.")),
            Self::Conflict { code, detail } => (409, *code, "Conflict", detail.clone()),
            Self::BadRequest { code, detail } => (400, *code, "Bad request", detail.clone()),
            Self::TooLarge(detail) => (413, ErrorCode::PayloadTooLarge, "Payload too large", detail.clone()),
            Self::UnsupportedMediaType => (415, ErrorCode::UnsupportedMediaType, "Unsupported media type", "Send `Content-Type: application/json`.".into()),
            Self::Unavailable => (503, ErrorCode::ServiceUnavailable, "Service unavailable", "Please retry shortly.".into()),
            Self::Internal(_) => (500, ErrorCode::InternalError, "Internal error", "Something went wrong on our side; it has been logged.".into()),
        }
    }

    pub fn status(&self) -> u16 {
        self.parts().0
    }

    pub fn code(&self) -> ErrorCode {
        self.parts().1
    }

    pub fn into_response(self, correlation_id: &str) -> ApiResponse {
        let (status, code, title, detail) = self.parts();
        match &self {
            Self::Internal(cause) => tracing::error!(correlation_id, cause = cause.as_str(), "internal error"),
            Self::Unavailable => tracing::warn!(correlation_id, "dependency unavailable"),
            _ => tracing::info!(correlation_id, status, code = code.as_str(), "request refused"),
        }
        let mut body = json!({
            "type": format!("https://o2c.dev/problems/{}", code.as_str()),
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "correlation_id": correlation_id,
        });
        if let Self::Validation(errors) = &self {
            body["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        ApiResponse::json_with_type(status, &body, "application/problem+json")
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::NotFound(what) => Self::NotFound(what),
            ActionError::Invalid(problems) => Self::Validation(problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect()),
            ActionError::CreditHold => Self::Conflict { code: ErrorCode::CreditHold, detail: "The customer is on credit hold; send `override_credit_hold: true` to proceed anyway.".into() },
            ActionError::EntrySettled(status) => Self::Conflict { code: ErrorCode::InvalidStateTransition, detail: format!("The bank entry is already {status}; only suggested and unmatched entries can be confirmed or ignored.") },
            ActionError::ConcurrentUpdate => Self::Conflict { code: ErrorCode::ConcurrentUpdate, detail: "The object changed while this request ran; retry.".into() },
            ActionError::Invoice(InvoiceError::Transition(t)) => Self::Conflict { code: ErrorCode::InvalidStateTransition, detail: t.to_string() },
            ActionError::Invoice(InvoiceError::NotNow(why)) => Self::Conflict { code: ErrorCode::InvalidStateTransition, detail: format!("{}{}.", why[..1].to_uppercase(), &why[1..]) },
            ActionError::Invoice(InvoiceError::NotADraft) => Self::Conflict { code: ErrorCode::InvalidStateTransition, detail: "Only drafts can be edited.".into() },
            ActionError::Invoice(InvoiceError::MoreThanDue | InvoiceError::MoreThanPaid) => Self::Conflict { code: ErrorCode::ConcurrentUpdate, detail: "The invoice changed while this request ran; retry.".into() },
            ActionError::Payment(e) => Self::Internal(e.to_string()),
            ActionError::Invoice(other) => Self::Validation(vec![FieldError::new(invoice_error_field(&other), other.to_string())]),
            ActionError::Store(s) => s.into(),
        }
    }
}

fn invoice_error_field(e: &InvoiceError) -> &'static str {
    match e {
        InvoiceError::NoLines | InvoiceError::TooManyLines => "lines",
        InvoiceError::CurrencyDiffersFromCustomer { .. } => "currency",
        InvoiceError::DueBeforeIssue => "due_date",
        InvoiceError::NumberYearMismatch { .. } => "issue_date",
        InvoiceError::TooLarge { .. } => "lines",
        InvoiceError::PromiseInPast => "date",
        _ => "lines",
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::Conflict { code: ErrorCode::ConcurrentUpdate, detail: "The object changed while this request ran; retry.".into() },
            StoreError::Unavailable(_) => Self::Unavailable,
            StoreError::Corrupt(cause) => Self::Internal(cause),
        }
    }
}

/// For routes that answer a plain JSON object.
pub fn ok_json<T: Serialize>(status: u16, value: &T) -> ApiResponse {
    ApiResponse::json_with_type(status, value, "application/json")
}
