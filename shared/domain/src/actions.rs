//! What a caller can ask o2c to do, written once over the store ports and
//! used by every transport (API Gateway, SQS, local front, tests).
//! Flow is one way: load, decide in the domain, commit atomically.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use ulid::Ulid;

use crate::clock::Clock;
use crate::customer::{Customer, TimeZone};
use crate::event::{AggregateKind, AggregateRef, DomainEvent, EventType};
use crate::ids::{EventId, InvoiceId};
use crate::invoice::{DraftRequest, Invoice, InvoiceError};
use crate::invoice_number::InvoiceNumber;
use crate::invoice_status::InvoiceStatus;
use crate::outbox::{Destination, OutboxMessage};
use crate::ports::{BalanceChange, CustomerCreate, CustomerRead, InvoiceChange, InvoiceNumbering, InvoiceRead, InvoiceWrite, StoreError, Versioned};
use crate::timeline::TimelineItem;

/// How often a command re-reads and retries after losing an optimistic
/// race before it reports `ConcurrentUpdate`.
pub const MAX_ATTEMPTS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    #[error("the object kept changing; retry")]
    ConcurrentUpdate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What every command needs besides its ports. The clock is read once:
/// one command sees one instant (a finalize at midnight on 31 December
/// cannot take a number of one year and a timestamp of the next).
pub struct Context {
    now: DateTime<Utc>,
    /// Decides default issue dates and the numbering year's boundary.
    pub company_time_zone: TimeZone,
    pub correlation_id: Option<String>,
    /// Monotonic within the command, so events written together keep
    /// their order in the timeline even at the same instant.
    ids: std::sync::Mutex<ulid::Generator>,
}

impl Context {
    pub fn new(clock: &dyn Clock, company_time_zone: TimeZone, correlation_id: Option<String>) -> Self {
        Self { now: clock.now(), company_time_zone, correlation_id, ids: std::sync::Mutex::new(ulid::Generator::new()) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn next_event_id(&self) -> EventId {
        let mut g = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let ulid = g.generate_from_datetime(std::time::SystemTime::from(self.now)).unwrap_or_else(|_| Ulid::new());
        EventId::from_ulid(ulid)
    }

    /// Today in the company's time zone.
    pub fn company_today(&self) -> NaiveDate {
        self.now().with_timezone(&self.company_time_zone.tz()).date_naive()
    }

    fn event(&self, event_type: EventType, kind: AggregateKind, id: String, version: u64, payload: serde_json::Value) -> DomainEvent {
        DomainEvent {
            id: self.next_event_id(),
            event_type,
            occurred_at: self.now(),
            aggregate: AggregateRef { kind, id },
            aggregate_version: version,
            correlation_id: self.correlation_id.clone(),
            payload,
        }
    }
}

pub async fn create_customer<S: CustomerCreate>(store: &S, ctx: &Context, customer: Customer) -> Result<Customer, ActionError> {
    let event = ctx.event(EventType::CustomerCreated, AggregateKind::Customer, customer.id.to_string(), 1, json!({ "customer": customer.id }));
    store.create_customer(&customer, vec![OutboxMessage::new(event, &[Destination::EventBus])]).await?;
    Ok(customer)
}

/// Creates a draft, or with `finalize` a finalized invoice, in one
/// transaction: a create-and-finalize never leaves a stray draft behind.
pub async fn create_invoice<S: CustomerRead + InvoiceWrite + InvoiceNumbering>(
    store: &S,
    ctx: &Context,
    id: InvoiceId,
    customer: crate::ids::CustomerId,
    request: DraftRequest,
    finalize: bool,
) -> Result<Versioned<Invoice>, ActionError> {
    let customer = store.customer(customer).await?.ok_or(ActionError::NotFound("customer"))?;
    let draft = Invoice::draft(id, &customer, request, ctx.now())?;
    for _ in 0..MAX_ATTEMPTS {
        let mut invoice = draft.clone();
        let created = ctx.event(EventType::InvoiceCreated, AggregateKind::Invoice, id.to_string(), 1, json!({ "invoice": id, "customer": customer.id, "total": invoice.totals.total.to_string(), "currency": invoice.currency }));
        let mut timeline = vec![TimelineItem::from_event(&created, format!("Draft created for {} {}", invoice.totals.total, invoice.currency))];
        let mut outbox = vec![OutboxMessage::new(created, &[Destination::EventBus])];
        let (mut claims_number, mut balance_change) = (None, None);
        if finalize {
            let today = ctx.company_today();
            let year = invoice.numbering_year(today);
            let number = claim_candidate(store, year).await?;
            invoice.finalize(number, today, ctx.now())?;
            let effects = finalization_effects(ctx, &invoice, 1, number);
            timeline.extend(effects.timeline);
            outbox.extend(effects.outbox);
            claims_number = Some(number);
            balance_change = Some(effects.balance_change);
        }
        let change = InvoiceChange { invoice: &invoice, expected_version: None, claims_number, balance_change, outbox, timeline };
        match store.commit_invoice(change).await {
            Ok(()) => return Ok(Versioned { value: invoice, version: 1 }),
            // Only the number can have been taken meanwhile: the id is new.
            Err(StoreError::Conflict) if finalize => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

async fn claim_candidate<S: InvoiceNumbering>(store: &S, year: i32) -> Result<InvoiceNumber, ActionError> {
    let sequence = store.next_sequence(year).await?;
    InvoiceNumber::new(year, sequence).map_err(|_| ActionError::Store(StoreError::Corrupt(format!("counter for {year} at {sequence}"))))
}

/// What finalizing writes besides the invoice: events, timeline, and the
/// customer's receivable.
struct Finalization {
    outbox: Vec<OutboxMessage>,
    timeline: Vec<TimelineItem>,
    balance_change: BalanceChange,
}

fn finalization_effects(ctx: &Context, invoice: &Invoice, version: u64, number: InvoiceNumber) -> Finalization {
    let id = invoice.id;
    let finalized = ctx.event(
        EventType::InvoiceFinalized,
        AggregateKind::Invoice,
        id.to_string(),
        version,
        json!({
            "invoice": id,
            "customer": invoice.customer,
            "number": number,
            "total": invoice.totals.total.to_string(),
            "amount_due": invoice.amount_due().to_string(),
            "currency": invoice.currency,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
        }),
    );
    let mut timeline = vec![TimelineItem::from_event(&finalized, format!("Finalized as {number}, due {}", invoice.due_date.map(|d| d.to_string()).unwrap_or_default()))];
    let mut outbox = vec![OutboxMessage::new(finalized, &[Destination::EventBus, Destination::DeliveryQueue])];
    if invoice.status == InvoiceStatus::Paid {
        let paid = ctx.event(EventType::InvoicePaid, AggregateKind::Invoice, id.to_string(), version, json!({ "invoice": id, "customer": invoice.customer, "number": number }));
        timeline.push(TimelineItem::from_event(&paid, "Paid: nothing was due"));
        outbox.push(OutboxMessage::new(paid, &[Destination::EventBus]));
    }
    Finalization { outbox, timeline, balance_change: BalanceChange { receivable_minor: invoice.amount_due().to_minor(), unapplied_minor: 0 } }
}

/// Draft -> open: takes the next gapless number of the issue year in the
/// same transaction as the status change, the customer's receivable, the
/// outbox messages (domain event + delivery request) and the timeline.
pub async fn finalize_invoice<S: InvoiceRead + InvoiceWrite + InvoiceNumbering>(store: &S, ctx: &Context, id: InvoiceId) -> Result<Versioned<Invoice>, ActionError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = store.invoice(id).await?.ok_or(ActionError::NotFound("invoice"))?;
        let mut invoice = current.value;
        let today = ctx.company_today();
        if invoice.status != InvoiceStatus::Draft {
            // Decide before spending a counter read.
            invoice.status.next(crate::invoice_status::Trigger::Finalize { due_is_zero: false }).map_err(InvoiceError::from)?;
        }
        let number = claim_candidate(store, invoice.numbering_year(today)).await?;
        invoice.finalize(number, today, ctx.now())?;
        let version = current.version + 1;
        let effects = finalization_effects(ctx, &invoice, version, number);
        let change = InvoiceChange {
            invoice: &invoice,
            expected_version: Some(current.version),
            claims_number: Some(number),
            balance_change: Some(effects.balance_change),
            outbox: effects.outbox,
            timeline: effects.timeline,
        };
        match store.commit_invoice(change).await {
            Ok(()) => return Ok(Versioned { value: invoice, version }),
            // Another finalize took this number, or the invoice changed:
            // read both again and decide afresh.
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}
