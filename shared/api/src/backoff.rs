//! Backoff between attempts of a contended write (many payments racing
//! for one invoice): exponential with full jitter, capped, so racers
//! spread out instead of colliding again in lockstep.

use std::sync::Arc;
use std::time::Duration;

use o2c_domain::actions::Pause;

/// Longest single wait.
const CAP_MS: u64 = 150;
const BASE_MS: u64 = 5;

/// Full-jitter wait before attempt `attempt` (1-based): uniform in
/// `0..min(CAP, BASE * 2^attempt)` milliseconds.
pub fn full_jitter_ms(attempt: usize, random: u64) -> u64 {
    let ceiling = BASE_MS.saturating_mul(1u64 << attempt.min(16)).min(CAP_MS);
    random % (ceiling + 1)
}

pub fn jittered() -> Pause {
    Arc::new(|attempt| {
        Box::pin(async move {
            let mut bytes = [0u8; 8];
            let random = getrandom::getrandom(&mut bytes).map(|_| u64::from_le_bytes(bytes)).unwrap_or(attempt as u64 * 7919);
            tokio::time::sleep(Duration::from_millis(full_jitter_ms(attempt, random))).await;
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_with_attempts_and_stay_under_the_cap() {
        assert!(full_jitter_ms(1, u64::MAX) <= 10);
        assert!(full_jitter_ms(3, u64::MAX) <= 40);
        for a in 0..100 {
            assert!(full_jitter_ms(a, u64::MAX - a as u64) <= CAP_MS);
        }
    }
}
