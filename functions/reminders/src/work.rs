//! What a message on the reminder queue asks for. Three senders share the
//! queue: EventBridge Scheduler (a fire), the daily rule (a sweep) and the
//! outbox relay (an invoice whose reminders must be scheduled again).

use chrono::{DateTime, Utc};
use o2c_domain::event::DomainEvent;
use o2c_domain::ids::CustomerId;
use serde::{Deserialize, Serialize};

/// The `Input` a one-time schedule delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FireInput {
    pub kind: String,
    pub customer: CustomerId,
    pub send_at: DateTime<Utc>,
}

pub const FIRE_KIND: &str = "reminder_fire";

#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// A schedule fired: `customer`'s reminders due at `send_at`.
    Fire { customer: CustomerId, send_at: DateTime<Utc> },
    /// The daily rule's tick at `time` (the event's scheduled time).
    Sweep { time: DateTime<Utc> },
    /// An invoice event that moves reminders (finalized, dispute closed,
    /// payment promised or reversed).
    Replan(Box<DomainEvent>),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a reminder fire, a scheduled event or a domain event")]
pub struct Unreadable;

#[derive(Deserialize)]
struct ScheduledEvent {
    #[serde(rename = "detail-type")]
    detail_type: String,
    source: String,
    time: DateTime<Utc>,
}

pub fn read(body: &str) -> Result<Work, Unreadable> {
    if let Ok(fire) = serde_json::from_str::<FireInput>(body) {
        if fire.kind == FIRE_KIND {
            return Ok(Work::Fire { customer: fire.customer, send_at: fire.send_at });
        }
    }
    if let Ok(tick) = serde_json::from_str::<ScheduledEvent>(body) {
        if tick.detail_type == "Scheduled Event" && tick.source == "aws.events" {
            return Ok(Work::Sweep { time: tick.time });
        }
    }
    serde_json::from_str::<DomainEvent>(body).map(|e| Work::Replan(Box::new(e))).map_err(|_| Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedules_input_reads_as_a_fire() {
        let c = CustomerId::parse("cus_01JD0000000000000000000000").unwrap();
        let body = serde_json::to_string(&FireInput { kind: FIRE_KIND.into(), customer: c, send_at: "2026-12-07T14:00:00Z".parse().unwrap() }).unwrap();
        assert_eq!(read(&body), Ok(Work::Fire { customer: c, send_at: "2026-12-07T14:00:00Z".parse().unwrap() }));
    }

    #[test]
    fn the_daily_rules_event_reads_as_a_sweep_at_its_scheduled_time() {
        let body = r#"{"version":"0","id":"a","detail-type":"Scheduled Event","source":"aws.events","account":"1","time":"2026-12-08T00:05:00Z","region":"us-east-1","resources":[],"detail":{}}"#;
        assert_eq!(read(body), Ok(Work::Sweep { time: "2026-12-08T00:05:00Z".parse().unwrap() }));
    }

    #[test]
    fn anything_else_is_unreadable() {
        assert_eq!(read("{}"), Err(Unreadable));
        assert_eq!(read("not json"), Err(Unreadable));
    }
}
