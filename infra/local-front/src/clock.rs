//! The local schedule clock: starts at the wall clock, moves only forward,
//! and jumps when `/_local/time-travel` asks.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

#[derive(Debug, Default)]
pub struct ScheduleClock {
    travelled_to: Mutex<Option<DateTime<Utc>>>,
}

impl ScheduleClock {
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        match *self.travelled_to.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(t) if t > wall => t,
            _ => wall,
        }
    }

    /// Moves to `to` if it is ahead; answers the instant the clock left
    /// (the start of the window to fire) or `None` when `to` is behind.
    pub fn advance(&self, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let from = self.now();
        if to <= from {
            return None;
        }
        *self.travelled_to.lock().unwrap_or_else(|p| p.into_inner()) = Some(to);
        Some(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_schedule_clock_only_moves_forward() {
        let c = ScheduleClock::default();
        let ahead = Utc::now() + Duration::days(3);
        assert!(c.advance(ahead).is_some());
        assert!(c.now() >= ahead);
        assert!(c.advance(ahead - Duration::days(1)).is_none());
        assert!(c.now() >= ahead);
    }
}
