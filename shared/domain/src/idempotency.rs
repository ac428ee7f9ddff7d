//! Idempotency-Key: the first answer to a request is saved and replayed
//! byte for byte to every retry of the same request under the same API key
//! for 24 hours. The saved answer of a request that changed something is
//! written in the same transaction as the change.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a key is remembered.
pub const KEY_LIFETIME_HOURS: i64 = 24;
/// How long a first request may run before a retry may take over (it
/// crashed or timed out without saving an answer).
pub const IN_FLIGHT_LOCK_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 255 printable ASCII characters")]
pub struct IdempotencyKeyError;

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, IdempotencyKeyError> {
        if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(IdempotencyKeyError);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An answer as it went out: replayed unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// The right to run a request once, held while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// `<api key id>#<Idempotency-Key>`: keys are scoped per API key.
    pub scope: String,
    /// SHA-256 of method, path and raw body: "the same request".
    pub fingerprint: String,
}

/// The saved answer, committed with the change it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentReply {
    pub claim: IdempotencyClaim,
    pub response: SavedResponse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Nobody ran this request yet (or the earlier run gave up): run it.
    Claimed(IdempotencyClaim),
    /// The request ran: answer with what it answered.
    Replay(SavedResponse),
    /// The key was used with another request.
    Reused,
    /// The first request with this key is still running.
    InUse,
}

pub fn expires_at(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::hours(KEY_LIFETIME_HOURS)
}

pub fn lock_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::seconds(IN_FLIGHT_LOCK_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_printable_ascii_up_to_255() {
        assert!(IdempotencyKey::parse("order-42/retry").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
        assert!(IdempotencyKey::parse("é").is_err());
    }
}
