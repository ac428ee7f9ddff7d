//! What a payment processor tells us, in our terms. A processor adapter
//! (o2c-stripe for Stripe) verifies and parses the processor's own JSON
//! into these values; everything after that is the processor-neutral
//! domain. Amounts are already [`Money`]: the adapter converted the
//! processor's integer minor units with the currency's exponent.

use chrono::{DateTime, Utc};

use crate::money::Money;

/// The processor's id of a thing (`pi_…`, `ch_…`, `dp_…`, `cus_…`): opaque
/// to us, non-empty, at most 255 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcessorRef(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a processor id (1..=255 printable characters)")]
pub struct ProcessorRefError;

impl ProcessorRef {
    pub fn parse(text: &str) -> Result<Self, ProcessorRefError> {
        if text.is_empty() || text.len() > 255 || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ProcessorRefError);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProcessorRef {
    type Error = ProcessorRefError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ProcessorRef> for String {
    fn from(value: ProcessorRef) -> Self {
        value.0
    }
}

impl std::fmt::Display for ProcessorRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the payer said which invoice a payment is for (Stripe:
/// `metadata.invoice_id` or `metadata.invoice_number`). Kept as text: the
/// application engine decides whether it names an invoice of ours.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PayerHints {
    /// `metadata.invoice_id`, e.g. `inv_01J…`.
    pub invoice_id: Option<String>,
    /// `metadata.invoice_number`, e.g. `INV-2026-000042`.
    pub invoice_number: Option<String>,
    /// `metadata.customer_id`, our `cus_…` id.
    pub customer_id: Option<String>,
    /// The processor's own customer id (Stripe `customer`), matched to a
    /// customer whose `external_id` holds it.
    pub processor_customer: Option<ProcessorRef>,
}

/// A verified processor event, reduced to what o2c acts on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessorEvent {
    /// The processor's event id (`evt_…`): the deduplication key.
    pub id: ProcessorRef,
    /// The processor's event type, as sent (`payment_intent.succeeded`).
    pub event_type: String,
    /// When the processor created the event.
    pub created: DateTime<Utc>,
    /// Live or test mode, as the event says.
    pub livemode: bool,
    pub kind: ProcessorEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProcessorEventKind {
    /// Money was received (`payment_intent.succeeded`, `amount_received`).
    PaymentSucceeded {
        payment_intent: ProcessorRef,
        amount: Money,
        /// Every charge of the payment intent (embedded `charges.data[].id`
        /// in API versions before 2022-11-15, `latest_charge` after).
        charges: Vec<ProcessorRef>,
        hints: PayerHints,
        /// Free text for a person: the intent's `description`.
        description: Option<String>,
    },
    /// `charge.refunded`: `amount_refunded` is cumulative for the charge.
    ChargeRefunded { charge: ProcessorRef, payment_intent: Option<ProcessorRef>, amount_refunded: Money },
    /// `charge.dispute.*`.
    Dispute { dispute: ProcessorRef, charge: ProcessorRef, payment_intent: Option<ProcessorRef>, amount: Money, change: DisputeChange, status: String, reason: Option<String> },
    /// Verified, but nothing o2c acts on: stored for audit, answered 200.
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeChange {
    /// `charge.dispute.created`: the invoice is marked `disputed`.
    Created,
    /// `charge.dispute.funds_withdrawn`: the disputed amount is reversed.
    FundsWithdrawn,
    /// `charge.dispute.funds_reinstated`: the reversed amount is applied again.
    FundsReinstated,
    /// `charge.dispute.closed`: `disputed` is cleared.
    Closed,
}

impl ProcessorEventKind {
    /// The charge this event is about, when it is about one that must be
    /// known (a payment) before the event can apply.
    pub fn charge(&self) -> Option<&ProcessorRef> {
        match self {
            Self::ChargeRefunded { charge, .. } | Self::Dispute { charge, .. } => Some(charge),
            _ => None,
        }
    }

    /// The payment intent this event names, if any.
    pub fn payment_intent(&self) -> Option<&ProcessorRef> {
        match self {
            Self::PaymentSucceeded { payment_intent, .. } => Some(payment_intent),
            Self::ChargeRefunded { payment_intent, .. } | Self::Dispute { payment_intent, .. } => payment_intent.as_ref(),
            Self::Ignored => None,
        }
    }
}
