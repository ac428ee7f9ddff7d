//! Time as a port. Two clocks matter and must not be confused:
//! the wall clock (when a request is served) and the event's time (when a
//! scheduled rule or schedule was due). Scheduled work is built with an
//! [`EventClock`] carrying the event's `time`, so a late or duplicated fire
//! decides exactly as an on-time one would.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, for request handling.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The instant an event says it happened (EventBridge `time`, a schedule's
/// due time): what scheduled work must use instead of the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct EventClock(pub DateTime<Utc>);

impl Clock for EventClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
