//! Why a document could not be made.

use o2c_domain::invoice::MAX_LINES;

/// Every variant is deterministic given the inputs: retrying the same
/// input fails the same way, so callers treat them as not retryable.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the invoice has no number yet: only finalized invoices are emailed")]
    NotFinalized,
    #[error("the invoice has {lines} lines; documents render at most {MAX_LINES}")]
    TooManyLines { lines: usize },
    #[error("a reminder must list at least one invoice")]
    NoInvoices,
    #[error("rendering the {template} template failed: {source}")]
    Template { template: &'static str, source: askama::Error },
    #[error("writing the MIME message failed: {0}")]
    Mime(std::io::Error),
}

impl DocumentError {
    /// Always `false`: the same input gives the same error.
    pub fn is_retryable(&self) -> bool {
        false
    }
}
