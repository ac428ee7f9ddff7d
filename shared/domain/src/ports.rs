//! Store ports: narrow, one per capability, so each function depends on
//! (and is granted IAM for) only what it uses. Futures are `Send` so any
//! async runtime can drive them; the domain itself has none.

use std::future::Future;

use crate::customer::Customer;
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice::Invoice;
use crate::invoice_number::InvoiceNumber;
use crate::outbox::OutboxMessage;
use crate::timeline::TimelineItem;

/// A stored value with the version its optimistic lock checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A conditional write failed: the item changed, or a unique thing
    /// already exists. The caller re-reads and decides again.
    #[error("a condition on the write failed")]
    Conflict,
    /// Throttled, timed out or unavailable: safe to retry later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A stored item no longer reads as its type: a bug, never retried.
    #[error("a stored item could not be read: {0}")]
    Corrupt(String),
}

/// Signed changes, in minor units, to a customer's running balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BalanceChange {
    /// Open receivable (`balance`).
    pub receivable_minor: i64,
    /// Unapplied cash (`credit_balance`).
    pub unapplied_minor: i64,
}

/// Everything one invoice change writes, committed atomically: the invoice
/// (created, or updated under its version), the number it claims, the
/// customer's balances, the outbox messages and the timeline items.
#[derive(Debug, Clone)]
pub struct InvoiceChange<'a> {
    pub invoice: &'a Invoice,
    /// `None` creates the invoice (it must not exist); `Some(v)` updates it
    /// only if it is still at version `v`.
    pub expected_version: Option<u64>,
    /// A number claimed by this change: the year's counter must stand at
    /// exactly this sequence, and the number must be unused.
    pub claims_number: Option<InvoiceNumber>,
    pub balance_change: Option<BalanceChange>,
    pub outbox: Vec<OutboxMessage>,
    pub timeline: Vec<TimelineItem>,
}

pub trait CustomerRead: Send + Sync {
    fn customer(&self, id: CustomerId) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;
}

pub trait CustomerCreate: Send + Sync {
    /// Creates the customer with zero balances; fails with `Conflict` if
    /// the id exists.
    fn create_customer(&self, customer: &Customer, outbox: Vec<OutboxMessage>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait InvoiceRead: Send + Sync {
    fn invoice(&self, id: InvoiceId) -> impl Future<Output = Result<Option<Versioned<Invoice>>, StoreError>> + Send;
}

pub trait InvoiceWrite: Send + Sync {
    fn commit_invoice(&self, change: InvoiceChange<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait InvoiceNumbering: Send + Sync {
    /// The next unused sequence of `year` (1 when none was used), read
    /// consistently; claiming it happens in [`InvoiceWrite::commit_invoice`].
    fn next_sequence(&self, year: i32) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

pub trait TimelineRead: Send + Sync {
    fn timeline(&self, invoice: InvoiceId) -> impl Future<Output = Result<Vec<TimelineItem>, StoreError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Throttled or unavailable: the relay reports the record as failed
    /// and the stream delivers it again.
    #[error("publishing failed: {0}")]
    Unavailable(String),
}

/// Where outbox messages go: the event bus and the work queues. Delivery
/// is at least once; consumers deduplicate on the event id.
pub trait MessagePublish: Send + Sync {
    fn publish(&self, message: &crate::outbox::OutboxMessage) -> impl Future<Output = Result<(), PublishError>> + Send;
}
