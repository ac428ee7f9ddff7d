//! Dunning reminders: one SQS consumer for four kinds of work.
//!
//! - **Fire** (a one-time EventBridge Scheduler schedule per send instant,
//!   i.e. 09:00 in some time zone on some day): reads the reminder index
//!   entries at that instant (only those: the index holds each remindable
//!   invoice's next step and nothing else) and fans the customers out
//!   onto the queue, a few per message.
//! - **Batch** (those messages): per customer, re-reads each invoice
//!   consistently and commits in one transaction what
//!   [`o2c_domain::reminder::fire`] decides: the steps sent, the timeline,
//!   the hold, and the `reminder.issued` delivery request. Each invoice is
//!   written under the version it was read at, so a duplicate or racing
//!   fire (a retry, the sweep) finds nothing due.
//! - **Sweep** (the daily rule): whatever is still in the index before
//!   now is a fire that never came; it goes out as that fire would have.
//! - **Replan** (from the outbox): a finalized invoice gets the schedule of
//!   its next step; a resolved dispute, a promise or a reversal moves the
//!   steps that fell inside the pause first.
//!
//! Scheduled work runs on the event's clock, so a late or duplicated fire
//! decides exactly as an on-time one would.

pub mod batches;
pub mod schedules;
pub mod work;

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Duration, Utc};

use o2c_domain::actions::Context;
use o2c_domain::clock::EventClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::event::{DomainEvent, EventType};
use o2c_domain::holidays::Holidays;
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::outbox::{Destination, OutboxMessage};
use o2c_domain::ports::{CustomerRead, InvoiceRead, ReminderChange, ReminderIndex, ReminderSchedules, ReminderWrite, StoreError, Versioned};
use o2c_domain::reminder::{fire, promise_ends};

use crate::batches::BatchQueue;
use crate::work::CustomerDue;

/// A fire this late is the sweep's to send (Scheduler fires within a
/// minute; the margin keeps the sweep from racing an on-time fire, though
/// a race would still send once).
pub const SWEEP_GRACE: Duration = Duration::minutes(15);
/// How far back the sweep looks for missed fires.
pub const SWEEP_LOOKBACK: Duration = Duration::days(400);
/// Attempts at a fire's transaction lost to a concurrent change.
const ATTEMPTS: usize = 8;

/// Why a message is not done; SQS retries it, then dead-letters it.
#[derive(Debug)]
pub struct Retry(pub String);

impl From<StoreError> for Retry {
    fn from(e: StoreError) -> Self {
        Retry(e.to_string())
    }
}

pub struct Reminders<S, P, Q> {
    store: S,
    schedules: P,
    batches: Q,
    holidays: Arc<Holidays>,
    company_time_zone: TimeZone,
}

impl<S, P, Q> Reminders<S, P, Q>
where
    S: ReminderIndex + ReminderWrite + InvoiceRead + CustomerRead,
    P: ReminderSchedules,
    Q: BatchQueue,
{
    pub fn new(store: S, schedules: P, batches: Q, holidays: Arc<Holidays>, company_time_zone: TimeZone) -> Self {
        Self { store, schedules, batches, holidays, company_time_zone }
    }

    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            let outcome = match message.body.as_deref().map(work::read) {
                Some(Ok(w)) => self.run(w).await,
                // Retrying cannot help; the DLQ keeps it for a person.
                _ => Err(Retry("unreadable reminder message".into())),
            };
            if let Err(Retry(reason)) = outcome {
                tracing::warn!(message_id = message.message_id.as_deref().unwrap_or(""), reason, "reminder work not done; SQS will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    pub async fn run(&self, work: work::Work) -> Result<(), Retry> {
        match work {
            work::Work::Fire { send_at } => {
                let due = self.store.reminders_at(send_at).await?;
                let mut by_customer: BTreeMap<CustomerId, Vec<InvoiceId>> = BTreeMap::new();
                for r in &due {
                    by_customer.entry(r.customer).or_default().push(r.invoice);
                }
                let customers: Vec<CustomerDue> = by_customer.into_iter().map(|(customer, invoices)| CustomerDue { customer, fire_at: send_at, invoices }).collect();
                tracing::info!(send_at = %send_at, invoices = due.len(), customers = customers.len(), "reminder fire");
                self.batches.enqueue(&customers).await.map_err(|e| Retry(e.to_string()))
            }
            work::Work::Batch(customers) => {
                for c in customers {
                    self.send(c.customer, c.invoices, c.fire_at).await?;
                }
                Ok(())
            }
            work::Work::Sweep { time } => self.sweep(time).await,
            work::Work::Replan(event) => self.replan(&event).await,
        }
    }

    /// Sends `customer` what is due at `fire_at` among `invoices`, in as
    /// many emails as it takes (normally one).
    async fn send(&self, customer_id: CustomerId, invoices: Vec<InvoiceId>, fire_at: DateTime<Utc>) -> Result<(), Retry> {
        if invoices.is_empty() {
            return Ok(());
        }
        let ctx = Context::new(&EventClock(fire_at), self.company_time_zone, Some(format!("reminder-{customer_id}-{}", fire_at.format("%Y%m%dT%H%MZ"))));
        let mut batch = 0;
        let mut attempt = 0;
        loop {
            let Some(customer) = self.store.customer(customer_id).await? else { return Ok(()) };
            let mut read = Vec::with_capacity(invoices.len());
            for id in &invoices {
                if let Some(v) = self.store.invoice(*id).await? {
                    read.push(v);
                }
            }
            let calendar = self.holidays.for_customer(&customer.value);
            let out = fire(&ctx, &customer.value, read, fire_at, calendar, batch);
            if out.changed.is_empty() {
                return Ok(());
            }
            let outbox = out
                .events
                .iter()
                .map(|e| {
                    let to: &[Destination] = if e.event_type == EventType::ReminderIssued { &[Destination::EventBus, Destination::DeliveryQueue] } else { &[Destination::EventBus] };
                    OutboxMessage::new(e.clone(), to)
                })
                .collect();
            let held = out.customer_on_hold.as_ref().map(|c| Versioned { value: c, version: customer.version });
            let change = ReminderChange { invoices: &out.changed, customer: held, timeline: &out.timeline, outbox };
            match self.store.commit_reminders(change).await {
                Ok(()) => {
                    if let Some(issue) = &out.issue {
                        tracing::info!(reminder = issue.reminder_id.as_str(), customer = %customer_id, invoices = issue.invoices.len(), template = issue.template.as_str(), "reminder issued");
                    }
                    self.schedule_next(out.changed.iter().map(|v| &v.value)).await;
                    if out.left_over == 0 {
                        return Ok(());
                    }
                    batch += 1;
                }
                Err(StoreError::Conflict) if attempt + 1 < ATTEMPTS => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Makes the schedules of these invoices' next steps. A failure is
    /// logged, not retried: the daily sweep sends what a missing schedule
    /// would have.
    async fn schedule_next<'a>(&self, invoices: impl Iterator<Item = &'a o2c_domain::invoice::Invoice>) {
        let wanted: std::collections::BTreeSet<DateTime<Utc>> = invoices.filter_map(|i| i.reminder_due_at()).collect();
        for at in wanted {
            if let Err(e) = self.schedules.ensure(at).await {
                tracing::warn!(send_at = %at, error = %e, "reminder schedule not made; the daily sweep will send it");
            }
        }
    }

    async fn sweep(&self, time: DateTime<Utc>) -> Result<(), Retry> {
        let overdue = self.store.reminders_between(time - SWEEP_LOOKBACK, time - SWEEP_GRACE).await?;
        // Per customer, one fire at their latest missed instant, exactly
        // as that schedule would have fired: the same reminder id, the
        // same local date, every step due by then in one email.
        let mut by_customer: BTreeMap<CustomerId, (DateTime<Utc>, Vec<InvoiceId>)> = BTreeMap::new();
        for r in &overdue {
            let entry = by_customer.entry(r.customer).or_insert((r.send_at, Vec::new()));
            entry.0 = entry.0.max(r.send_at);
            entry.1.push(r.invoice);
        }
        if overdue.is_empty() {
            tracing::info!(at = %time, "reminder sweep: no fire was missed");
            return Ok(());
        }
        tracing::warn!(invoices = overdue.len(), customers = by_customer.len(), "reminder sweep: sending what fires missed");
        let customers: Vec<CustomerDue> = by_customer.into_iter().map(|(customer, (fire_at, invoices))| CustomerDue { customer, fire_at, invoices }).collect();
        self.batches.enqueue(&customers).await.map_err(|e| Retry(e.to_string()))
    }

    async fn replan(&self, event: &DomainEvent) -> Result<(), Retry> {
        let Some(id) = event.payload.get("invoice").and_then(|v| v.as_str()).and_then(|s| InvoiceId::parse(s).ok()) else { return Ok(()) };
        for _ in 0..ATTEMPTS {
            let Some(current) = self.store.invoice(id).await? else { return Ok(()) };
            let mut invoice = current.value.clone();
            let pause_ends = match event.event_type {
                EventType::InvoiceFinalized => false,
                EventType::InvoiceDisputeClosed | EventType::InvoicePaymentReversed | EventType::InvoicePaymentPromised => true,
                _ => return Ok(()),
            };
            if pause_ends {
                let Some(customer) = self.store.customer(invoice.customer).await? else { return Ok(()) };
                let tz = customer.value.time_zone;
                // A promise pauses until its day ends; a resolution or a
                // reversal ends the pause when it happened.
                let until = match (event.event_type, invoice.promised_until) {
                    (EventType::InvoicePaymentPromised, Some(date)) => promise_ends(date, tz),
                    (EventType::InvoicePaymentPromised, None) => return Ok(()),
                    _ => event.occurred_at,
                };
                if invoice.defer_reminders(until, tz, self.holidays.for_customer(&customer.value), event.occurred_at) {
                    let changed = [Versioned { value: invoice.clone(), version: current.version }];
                    match self.store.commit_reminders(ReminderChange { invoices: &changed, customer: None, timeline: &[], outbox: Vec::new() }).await {
                        Ok(()) => {}
                        Err(StoreError::Conflict) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            self.schedule_next(std::iter::once(&invoice)).await;
            return Ok(());
        }
        Err(Retry("the invoice kept changing".into()))
    }
}
