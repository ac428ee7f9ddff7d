//! The edge every `/v1` function shares: decode an API Gateway request,
//! authenticate it, parse JSON into domain types reporting every bad field
//! at once, and encode answers (problem+json for every error, in one place).

pub mod auth;
pub mod bank_json;
pub mod backoff;
pub mod customer_json;
pub mod dunning_json;
pub mod fields;
pub mod idempotent;
pub mod invoice_json;
pub mod keys;
pub mod page;
pub mod payment_json;
pub mod problem;
pub mod request;
pub mod settings;

pub use problem::ApiError;
pub use request::{ApiRequest, ApiResponse};
