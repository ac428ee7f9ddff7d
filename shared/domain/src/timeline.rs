//! Timeline items: what `GET /v1/invoices/{id}/events` lists, one stored
//! item each (never a growing list inside the invoice item).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::DomainEvent;
use crate::ids::EventId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineItem {
    /// Shared with the domain event that caused it, when there is one.
    pub id: EventId,
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub item_type: String,
    /// One line a finance person can read.
    pub summary: String,
    pub data: serde_json::Value,
}

impl TimelineItem {
    pub fn from_event(event: &DomainEvent, summary: impl Into<String>) -> Self {
        Self {
            id: event.id,
            at: event.occurred_at,
            item_type: event.event_type.as_str().to_owned(),
            summary: summary.into(),
            data: event.payload.clone(),
        }
    }
}

/// Sorting key: time first, then id. Ids come from a monotonic generator
/// per command, so items written in one transaction keep their order.
pub fn timeline_sort_key(at: DateTime<Utc>, id: EventId) -> String {
    format!("{}#{}", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"), id)
}

