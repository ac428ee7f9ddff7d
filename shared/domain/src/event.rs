//! The domain event envelope every message in o2c travels in: outbox
//! messages, EventBridge detail, SQS bodies and timeline items share it.
//! Frozen: consumers outside this repo depend on these field names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::EventId;

/// The aggregate an event is about: `{"kind": "invoice", "id": "inv_..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateRef {
    pub kind: AggregateKind,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateKind {
    Customer,
    Invoice,
    Payment,
    BankStatement,
}

/// Event types o2c publishes. Dotted lower-case, Stripe style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "customer.created")]
    CustomerCreated,
    #[serde(rename = "customer.updated")]
    CustomerUpdated,
    #[serde(rename = "invoice.created")]
    InvoiceCreated,
    #[serde(rename = "invoice.updated")]
    InvoiceUpdated,
    #[serde(rename = "invoice.voided")]
    InvoiceVoided,
    #[serde(rename = "invoice.marked_uncollectible")]
    InvoiceMarkedUncollectible,
    #[serde(rename = "invoice.finalized")]
    InvoiceFinalized,
    #[serde(rename = "invoice.paid")]
    InvoicePaid,
    #[serde(rename = "invoice.send_requested")]
    InvoiceSendRequested,
    #[serde(rename = "invoice.email_sent")]
    InvoiceEmailSent,
    #[serde(rename = "invoice.email_skipped")]
    InvoiceEmailSkipped,
    /// Applied cash was taken back (refund, dispute withdrawal): a paid
    /// invoice may be open again.
    #[serde(rename = "invoice.payment_reversed")]
    InvoicePaymentReversed,
    #[serde(rename = "invoice.disputed")]
    InvoiceDisputed,
    #[serde(rename = "invoice.dispute_closed")]
    InvoiceDisputeClosed,
    /// The customer promised to pay by a date.
    #[serde(rename = "invoice.payment_promised")]
    InvoicePaymentPromised,
    /// A payment was recorded and applied (also a receipt request).
    #[serde(rename = "payment.applied")]
    PaymentApplied,
    #[serde(rename = "payment.refunded")]
    PaymentRefunded,
    /// A dispute withdrew funds (the disputed amount is reversed).
    #[serde(rename = "payment.funds_withdrawn")]
    PaymentFundsWithdrawn,
    /// A won dispute gave the funds back (they are applied again).
    #[serde(rename = "payment.funds_reinstated")]
    PaymentFundsReinstated,
    /// The bank returned a credit (a return or reversal on a statement).
    #[serde(rename = "payment.returned")]
    PaymentReturned,
    #[serde(rename = "payment.disputed")]
    PaymentDisputed,
    #[serde(rename = "payment.dispute_closed")]
    PaymentDisputeClosed,
    /// A dunning step went into a reminder for this invoice.
    #[serde(rename = "invoice.reminder_issued")]
    InvoiceReminderIssued,
    /// The promised date passed unpaid: reminders resume.
    #[serde(rename = "invoice.promise_broken")]
    InvoicePromiseBroken,
    /// One reminder email to a customer, listing its invoices (a delivery request).
    #[serde(rename = "reminder.issued")]
    ReminderIssued,
    /// A dunning step put the customer on credit hold.
    #[serde(rename = "customer.credit_hold_placed")]
    CustomerCreditHoldPlaced,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerCreated => "customer.created",
            Self::CustomerUpdated => "customer.updated",
            Self::InvoiceUpdated => "invoice.updated",
            Self::InvoiceVoided => "invoice.voided",
            Self::InvoiceMarkedUncollectible => "invoice.marked_uncollectible",
            Self::InvoiceCreated => "invoice.created",
            Self::InvoiceFinalized => "invoice.finalized",
            Self::InvoicePaid => "invoice.paid",
            Self::InvoiceSendRequested => "invoice.send_requested",
            Self::InvoiceEmailSent => "invoice.email_sent",
            Self::InvoiceEmailSkipped => "invoice.email_skipped",
            Self::InvoicePaymentReversed => "invoice.payment_reversed",
            Self::InvoiceDisputed => "invoice.disputed",
            Self::InvoiceDisputeClosed => "invoice.dispute_closed",
            Self::InvoicePaymentPromised => "invoice.payment_promised",
            Self::PaymentApplied => "payment.applied",
            Self::PaymentRefunded => "payment.refunded",
            Self::PaymentFundsWithdrawn => "payment.funds_withdrawn",
            Self::PaymentFundsReinstated => "payment.funds_reinstated",
            Self::PaymentReturned => "payment.returned",
            Self::PaymentDisputed => "payment.disputed",
            Self::PaymentDisputeClosed => "payment.dispute_closed",
            Self::InvoiceReminderIssued => "invoice.reminder_issued",
            Self::InvoicePromiseBroken => "invoice.promise_broken",
            Self::ReminderIssued => "reminder.issued",
            Self::CustomerCreditHoldPlaced => "customer.credit_hold_placed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    /// Unique per event; consumers deduplicate on it.
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub aggregate: AggregateRef,
    /// The aggregate's version after the change: lets consumers drop
    /// out-of-order deliveries.
    pub aggregate_version: u64,
    /// The request or message that caused this event, carried into every
    /// log line and message downstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub payload: serde_json::Value,
}
