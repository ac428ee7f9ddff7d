//! Transactional outbox: messages written in the same DynamoDB transaction
//! as the state change that causes them, relayed by the stream.

use serde::{Deserialize, Serialize};

use crate::event::DomainEvent;

/// Where the relay delivers a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// The o2c EventBridge bus: domain events for anyone to subscribe to.
    EventBus,
    /// The invoice delivery queue, consumed by the emailing function.
    DeliveryQueue,
    /// The reminder queue: invoices whose reminders must be (re)scheduled.
    ReminderQueue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub event: DomainEvent,
    pub destinations: Vec<Destination>,
}

impl OutboxMessage {
    pub fn new(event: DomainEvent, destinations: &[Destination]) -> Self {
        Self { event, destinations: destinations.to_vec() }
    }
}
