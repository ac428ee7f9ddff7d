//! Store ports: narrow, one per capability, so each function depends on
//! (and is granted IAM for) only what it uses. Futures are `Send` so any
//! async runtime can drive them; the domain itself has none.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::api_key::{ApiKey, KeyHash};
use crate::customer::Customer;
use crate::idempotency::{ClaimOutcome, IdempotencyClaim, IdempotentReply};
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice::Invoice;
use crate::invoice_status::InvoiceStatus;
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
    /// The answer to save for an Idempotency-Key, committed with the change.
    pub reply: Option<IdempotentReply>,
}

/// One page of a list: `limit` items after the id `starting_after`, newest
/// first (ids are time-ordered ULIDs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub starting_after: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

/// A customer change other than its balances (which only move with the
/// invoices and payments that cause them).
#[derive(Debug, Clone)]
pub struct CustomerChange<'a> {
    pub customer: &'a Customer,
    /// `None` creates (with zero balances); `Some(v)` updates version `v`.
    pub expected_version: Option<u64>,
    pub outbox: Vec<OutboxMessage>,
    pub reply: Option<IdempotentReply>,
}

pub trait CustomerRead: Send + Sync {
    fn customer(&self, id: CustomerId) -> impl Future<Output = Result<Option<Versioned<Customer>>, StoreError>> + Send;
}

pub trait CustomerWrite: Send + Sync {
    /// Fails with `Conflict` if the id exists (create) or the version moved
    /// (update).
    fn commit_customer(&self, change: CustomerChange<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait CustomerList: Send + Sync {
    fn list_customers(&self, page: &PageRequest) -> impl Future<Output = Result<Page<Customer>, StoreError>> + Send;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub customer: Option<CustomerId>,
    pub status: Option<InvoiceStatus>,
}

pub trait InvoiceList: Send + Sync {
    fn list_invoices(&self, filter: &InvoiceFilter, page: &PageRequest) -> impl Future<Output = Result<Page<Invoice>, StoreError>> + Send;
}

pub trait IdempotencyStore: Send + Sync {
    /// Claims `scope` for the request `fingerprint`, or says why not.
    fn claim(&self, scope: &str, fingerprint: &str, now: DateTime<Utc>) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;
    /// Saves an answer for a request that changed nothing (a refusal).
    /// A no-op when the change already saved it.
    fn save_reply(&self, reply: &IdempotentReply, now: DateTime<Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Gives the claim up (our fault, 5xx): a retry may run the request.
    fn release(&self, claim: &IdempotencyClaim) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait ApiKeyRead: Send + Sync {
    fn api_key(&self, hash: KeyHash) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;
}

pub trait ApiKeyAdmin: Send + Sync {
    fn create_api_key(&self, hash: KeyHash, key: &ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn list_api_keys(&self) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;
    /// Revokes by id; `Ok(false)` when no such key exists.
    fn revoke_api_key(&self, id: &str, now: DateTime<Utc>) -> impl Future<Output = Result<bool, StoreError>> + Send;
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

/// Sending an email at most once per delivery request, as far as the mail
/// service allows: a claim before sending, the outcome after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendClaim {
    /// Ours to send now.
    Claimed,
    /// Sent before (a redelivered message): do nothing.
    AlreadySent,
    /// Another delivery of the same request is sending right now.
    InProgress,
}

pub trait SendLedger: Send + Sync {
    /// Claims the send named `key` (the delivery request's event id) for a
    /// short while; a claim older than that was a crash and may be taken.
    fn claim_send(&self, key: &str, now: DateTime<Utc>) -> impl Future<Output = Result<SendClaim, StoreError>> + Send;
    /// Records the send and its timeline item (on each invoice it is
    /// about) together.
    fn record_sent(&self, key: &str, message_id: &str, invoices: &[InvoiceId], timeline: &TimelineItem) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Gives a claim back after a failed send, so a retry can send.
    fn release_send(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records a send skipped on purpose (bounced address) with its
    /// timeline item; later deliveries of the same request skip too.
    fn record_skipped(&self, key: &str, invoices: &[InvoiceId], timeline: &TimelineItem) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Throttled or failing: the delivery is retried, then dead-lettered.
    #[error("the mail service is unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (bad address, message too large): not retried.
    #[error("the mail service refused the message: {0}")]
    Refused(String),
}

pub trait Mailer: Send + Sync {
    /// Sends a raw MIME message; answers the service's message id.
    fn send_raw(&self, from: &crate::text::Email, recipients: &[crate::text::Email], raw: &[u8]) -> impl Future<Output = Result<String, MailError>> + Send;
}

/// Deliverability of addresses, fed by the mail service's bounces and
/// complaints. An address is what bounces, not a customer: two customers
/// sharing one address share its status.
pub trait AddressBook: Send + Sync {
    fn mark_address(&self, address: &crate::text::Email, status: crate::customer::EmailStatus, at: DateTime<Utc>, detail: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The status of each address (`Ok` when nothing is known).
    fn address_statuses(&self, addresses: &[crate::text::Email]) -> impl Future<Output = Result<Vec<crate::customer::EmailStatus>, StoreError>> + Send;
}

/// An invoice changed by a payment, under the version it was read at,
/// with the timeline items that explain the change.
#[derive(Debug, Clone)]
pub struct InvoiceUpdate {
    pub invoice: crate::invoice::Invoice,
    pub expected_version: u64,
    pub timeline: Vec<TimelineItem>,
}

/// What o2c did with a processor event, stored with its raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// It changed a payment.
    Applied,
    /// Its charge is not known yet: kept until the payment arrives.
    Parked,
    /// Nothing to do (an unknown type, a payment already recorded, a
    /// refund total already applied, another mode).
    Ignored,
}

impl EventOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Parked => "parked",
            Self::Ignored => "ignored",
        }
    }
}

/// The audit record of one processor event: its id is the deduplication
/// key (a create-only write), its raw bytes are kept as received.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub provider: &'static str,
    pub event: crate::processor_event::ProcessorEvent,
    pub raw: String,
    pub received_at: DateTime<Utc>,
    pub outcome: EventOutcome,
    pub payment: Option<crate::ids::PaymentId>,
}

/// How a change settles the processor event that caused it.
#[derive(Debug, Clone)]
pub enum EventSettlement {
    /// First time this event is seen: record it (fails if it exists).
    Record(Box<EventRecord>),
    /// A parked event now applied: its record moves from parked to applied
    /// (fails unless still parked) and its parked copy is deleted.
    Unpark { provider: &'static str, event: crate::processor_event::ProcessorRef, park_key: crate::processor_event::ProcessorRef, payment: crate::ids::PaymentId },
}

/// Everything one payment change writes, atomically: the payment (created
/// or updated under its version), the invoices it touches, the customer's
/// balances, the processor ids it claims, the event it settles, the outbox
/// messages and the saved answer.
#[derive(Debug, Clone)]
pub struct PaymentChange<'a> {
    pub payment: &'a crate::payment::Payment,
    /// `None` creates the payment.
    pub expected_version: Option<u64>,
    pub invoices: Vec<InvoiceUpdate>,
    pub balance_change: Option<BalanceChange>,
    /// Processor ids (payment intent, charges) first linked to this
    /// payment by this change: each is unique across payments.
    pub claims: Vec<crate::processor_event::ProcessorRef>,
    pub settles: Option<EventSettlement>,
    pub outbox: Vec<OutboxMessage>,
    pub reply: Option<IdempotentReply>,
    /// What the change posts to the journal (see `journal::postings`).
    pub journal: Vec<crate::journal::Posting>,
    /// The bank entry this change settles, written in the same
    /// transaction (none for payments that did not come from a statement).
    pub bank_entries: Vec<crate::bank_entry::EntryWrite>,
}

pub trait PaymentRead: Send + Sync {
    fn payment(&self, id: crate::ids::PaymentId) -> impl Future<Output = Result<Option<Versioned<crate::payment::Payment>>, StoreError>> + Send;
}

pub trait PaymentWrite: Send + Sync {
    /// Fails with `Conflict` when any version moved, a claimed processor id
    /// is taken, or the settled event was already recorded.
    fn commit_payment(&self, change: PaymentChange<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// An event kept until the payment it is about arrives.
#[derive(Debug, Clone)]
pub struct ParkedEvent {
    /// The payment intent (or, without one, the charge) it waits for.
    pub key: crate::processor_event::ProcessorRef,
    pub event: crate::processor_event::ProcessorEvent,
}

/// Processor events and the ids that tie them to payments.
pub trait ProcessorLedger: Send + Sync {
    /// The recorded outcome of an event, if it was seen before.
    fn event_outcome(&self, provider: &str, event: &crate::processor_event::ProcessorRef) -> impl Future<Output = Result<Option<EventOutcome>, StoreError>> + Send;
    /// The payment a payment intent or charge belongs to.
    fn payment_for(&self, provider: &str, processor_id: &crate::processor_event::ProcessorRef) -> impl Future<Output = Result<Option<crate::ids::PaymentId>, StoreError>> + Send;
    /// Records the event as parked under `key`, unless the event is already
    /// recorded or any of `unknown` (intent, charge) became known meanwhile
    /// (both `Conflict`).
    fn park(&self, record: &EventRecord, key: &crate::processor_event::ProcessorRef, unknown: &[crate::processor_event::ProcessorRef]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records an event that changes nothing; `Conflict` if already recorded.
    fn record_ignored(&self, record: &EventRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Events parked under any of `keys`, oldest first.
    fn parked(&self, provider: &str, keys: &[crate::processor_event::ProcessorRef]) -> impl Future<Output = Result<Vec<ParkedEvent>, StoreError>> + Send;
}

/// Finding customers and invoices by what payers write.
pub trait PayerDirectory: Send + Sync {
    /// The customer whose `external_id` is `external_id` (a processor's
    /// customer id); `None` when none or several have it.
    fn customer_by_external_id(&self, external_id: &str) -> impl Future<Output = Result<Option<CustomerId>, StoreError>> + Send;
    fn invoice_by_number(&self, number: InvoiceNumber) -> impl Future<Output = Result<Option<InvoiceId>, StoreError>> + Send;
}

/// Which payments a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFilter {
    /// One customer's payments, newest first.
    Customer(CustomerId),
    /// Payments no customer could be found for, waiting for a decision.
    Exceptions,
}

pub trait PaymentList: Send + Sync {
    fn list_payments(&self, filter: &PaymentFilter, page: &PageRequest) -> impl Future<Output = Result<Page<crate::payment::Payment>, StoreError>> + Send;
}

/// One entry of the reminder index: an invoice whose next step goes out
/// at `send_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedReminder {
    pub customer: CustomerId,
    pub send_at: DateTime<Utc>,
    pub invoice: InvoiceId,
}

/// Remindable invoices filed under their next step's instant: reads cost
/// what is due, never what is open.
pub trait ReminderIndex: Send + Sync {
    /// Every invoice whose next step is at exactly `send_at`.
    fn reminders_at(&self, send_at: DateTime<Utc>) -> impl Future<Output = Result<Vec<IndexedReminder>, StoreError>> + Send;
    /// Every invoice whose next step is in `[from, to)`.
    fn reminders_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Future<Output = Result<Vec<IndexedReminder>, StoreError>> + Send;
}

/// What one reminder fire writes, atomically: each invoice under the
/// version it was read at, their timeline items, the customer's hold,
/// and the outbox (the reminder's delivery request among them).
#[derive(Debug, Clone)]
pub struct ReminderChange<'a> {
    pub invoices: &'a [Versioned<Invoice>],
    pub customer: Option<Versioned<&'a Customer>>,
    pub timeline: &'a [(InvoiceId, TimelineItem)],
    pub outbox: Vec<OutboxMessage>,
}

pub trait ReminderWrite: Send + Sync {
    fn commit_reminders(&self, change: ReminderChange<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Throttled or unavailable: the message is retried (and the daily
    /// sweep sends anything a missing schedule would have).
    #[error("the scheduler is unavailable: {0}")]
    Unavailable(String),
}

/// One-time schedules, one per send instant (09:00 somewhere), that fire
/// every reminder due at that instant.
pub trait ReminderSchedules: Send + Sync {
    /// Makes sure a schedule fires at `send_at`; one that exists already
    /// (same deterministic name) is left as it is.
    fn ensure(&self, send_at: DateTime<Utc>) -> impl Future<Output = Result<(), ScheduleError>> + Send;
}

/// Bank entries as reconciliation reads them.
pub trait BankEntryRead: Send + Sync {
    fn bank_entry(&self, statement: crate::ids::StatementId, seq: u32) -> impl Future<Output = Result<Option<Versioned<crate::bank_entry::BankEntry>>, StoreError>> + Send;
    /// The id of the entry holding `key`, if any entry does.
    fn entry_claim(&self, key: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Credits of exactly `amount` booked from `from` to `to` (for finding
    /// what a return reverses).
    fn credits_of_amount(&self, amount: crate::money::Money, from: chrono::NaiveDate, to: chrono::NaiveDate) -> impl Future<Output = Result<Vec<Versioned<crate::bank_entry::BankEntry>>, StoreError>> + Send;
}

pub trait BankEntryWrite: Send + Sync {
    /// Writes entries that move no invoice (exceptions, duplicates, debits,
    /// payouts) with their journal postings, atomically. `Conflict` when an
    /// entry exists or moved, or a claimed key is held.
    fn record_entries(&self, writes: Vec<crate::bank_entry::EntryWrite>, journal: Vec<crate::journal::Posting>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait BankEntryList: Send + Sync {
    /// A statement's entries in order.
    fn statement_entries(&self, statement: crate::ids::StatementId, page: &PageRequest) -> impl Future<Output = Result<Page<crate::bank_entry::BankEntry>, StoreError>> + Send;
    /// Entries in one exception status across statements, oldest booking first.
    fn entries_in_status(&self, status: crate::bank_entry::EntryStatus, page: &PageRequest) -> impl Future<Output = Result<Page<crate::bank_entry::BankEntry>, StoreError>> + Send;
}

pub trait StatementStore: Send + Sync {
    /// Creates the statement unless its identity is taken; answers the
    /// statement holding the identity (as stored now) and whether this call
    /// created it.
    fn register_statement(&self, record: &crate::bank_statement::StatementRecord) -> impl Future<Output = Result<(crate::bank_statement::StatementRecord, bool), StoreError>> + Send;
    fn statement(&self, id: crate::ids::StatementId) -> impl Future<Output = Result<Option<crate::bank_statement::StatementRecord>, StoreError>> + Send;
    /// Marks chunk `chunk` settled (idempotent); answers the statement and
    /// how many of its chunks are settled now.
    fn chunk_settled(&self, id: crate::ids::StatementId, chunk: u32) -> impl Future<Output = Result<Option<(crate::bank_statement::StatementRecord, u32)>, StoreError>> + Send;
    /// Every entry is settled, returns included: the statement reads `reconciled`.
    fn mark_reconciled(&self, id: crate::ids::StatementId, at: chrono::DateTime<chrono::Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn put_upload(&self, upload: &crate::bank_statement::Upload) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn upload(&self, id: crate::ids::UploadId) -> impl Future<Output = Result<Option<crate::bank_statement::Upload>, StoreError>> + Send;
}

/// A stored journal posting: where it posts, and under which entry name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredPosting {
    /// `<source>:<n>`, unique.
    pub source: String,
    pub n: u64,
    /// The day it was dated (the movement's day).
    pub dated: chrono::NaiveDate,
    /// The day it posts on: `dated`, or the first open day when `dated` was closed.
    pub posted_on: chrono::NaiveDate,
    pub posting: crate::journal::Posting,
}

pub trait JournalStore: Send + Sync {
    fn periods(&self) -> impl Future<Output = Result<crate::journal::Periods, StoreError>> + Send;
    /// Closes every day through `through`; never reopens (`Conflict` when
    /// `through` is not after the current close).
    fn close_through(&self, through: chrono::NaiveDate) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Postings whose posting day lies in `from..=to`, in posting order.
    fn postings_between(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> impl Future<Output = Result<Vec<StoredPosting>, StoreError>> + Send;
}

/// What the cash matcher reads to build its ledger.
pub trait LedgerSource: Send + Sync {
    /// Every open invoice with a number and something due.
    fn open_items(&self) -> impl Future<Output = Result<Vec<crate::matching::OpenItem>, StoreError>> + Send;
    /// Every customer's name, as payers write it.
    fn payers(&self) -> impl Future<Output = Result<Vec<crate::matching::Payer>, StoreError>> + Send;
}
