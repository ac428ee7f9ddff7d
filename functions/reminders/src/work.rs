//! What a message on the reminder queue asks for. Four senders share the
//! queue: EventBridge Scheduler (a fire), the daily rule (a sweep), this
//! function itself (a fire's customers, fanned out in batches) and the
//! outbox relay (an invoice whose reminders must be scheduled again).

use chrono::{DateTime, Utc};
use o2c_domain::event::DomainEvent;
use o2c_domain::ids::{CustomerId, InvoiceId};
use serde::{Deserialize, Serialize};

pub const FIRE_KIND: &str = "reminder_fire";
pub const BATCH_KIND: &str = "reminder_batch";

/// The `Input` a one-time schedule delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FireInput {
    pub kind: String,
    pub send_at: DateTime<Utc>,
}

/// One customer's invoices due at one fire, as the index named them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDue {
    pub customer: CustomerId,
    pub fire_at: DateTime<Utc>,
    pub invoices: Vec<InvoiceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInput {
    pub kind: String,
    pub customers: Vec<CustomerDue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// A schedule fired: every reminder due at `send_at`.
    Fire { send_at: DateTime<Utc> },
    /// Customers of a fire or a sweep, a few at a time.
    Batch(Vec<CustomerDue>),
    /// The daily rule's tick at `time` (the event's scheduled time).
    Sweep { time: DateTime<Utc> },
    /// An invoice event that moves reminders (finalized, dispute closed,
    /// payment promised or reversed).
    Replan(Box<DomainEvent>),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a reminder fire or batch, a scheduled event or a domain event")]
pub struct Unreadable;

#[derive(Deserialize)]
struct Kind {
    kind: String,
}

#[derive(Deserialize)]
struct ScheduledEvent {
    #[serde(rename = "detail-type")]
    detail_type: String,
    source: String,
    time: DateTime<Utc>,
}

pub fn read(body: &str) -> Result<Work, Unreadable> {
    match serde_json::from_str::<Kind>(body).map(|k| k.kind) {
        Ok(k) if k == FIRE_KIND => return serde_json::from_str::<FireInput>(body).map(|f| Work::Fire { send_at: f.send_at }).map_err(|_| Unreadable),
        Ok(k) if k == BATCH_KIND => return serde_json::from_str::<BatchInput>(body).map(|b| Work::Batch(b.customers)).map_err(|_| Unreadable),
        _ => {}
    }
    if let Ok(tick) = serde_json::from_str::<ScheduledEvent>(body) {
        if tick.detail_type == "Scheduled Event" && tick.source == "aws.events" {
            return Ok(Work::Sweep { time: tick.time });
        }
    }
    serde_json::from_str::<DomainEvent>(body).map(|e| Work::Replan(Box::new(e))).map_err(|_| Unreadable)
}

pub fn batch_body(customers: &[CustomerDue]) -> String {
    serde_json::to_string(&BatchInput { kind: BATCH_KIND.into(), customers: customers.to_vec() }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedules_input_reads_as_a_fire() {
        let body = serde_json::to_string(&FireInput { kind: FIRE_KIND.into(), send_at: "2026-12-07T14:00:00Z".parse().unwrap() }).unwrap();
        assert_eq!(read(&body), Ok(Work::Fire { send_at: "2026-12-07T14:00:00Z".parse().unwrap() }));
    }

    #[test]
    fn a_batch_reads_back_as_the_customers_it_carries() {
        let due = CustomerDue { customer: CustomerId::parse("cus_01JD0000000000000000000000").unwrap(), fire_at: "2026-12-07T14:00:00Z".parse().unwrap(), invoices: vec![InvoiceId::parse("inv_01JD0000000000000000000001").unwrap()] };
        assert_eq!(read(&batch_body(std::slice::from_ref(&due))), Ok(Work::Batch(vec![due])));
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
        assert_eq!(read(r#"{"kind":"reminder_fire"}"#), Err(Unreadable));
    }
}
