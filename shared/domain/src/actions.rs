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
use crate::idempotency::IdempotentReply;
use crate::ports::{BalanceChange, CustomerChange, CustomerRead, CustomerWrite, InvoiceChange, InvoiceNumbering, InvoiceRead, InvoiceWrite, StoreError, Versioned};
use crate::timeline::TimelineItem;

/// How often a command re-reads and retries after losing an optimistic
/// race before it reports `ConcurrentUpdate`.
pub const MAX_ATTEMPTS: usize = 10;

/// One invalid field of a request, by its path (`lines[0].quantity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Builds the answer to save with a change (for an Idempotency-Key); the
/// transport renders it, the store commits it with the change.
pub type Receipt<'a, T> = &'a (dyn Fn(&T) -> Option<IdempotentReply> + Send + Sync);

/// For callers without an Idempotency-Key.
pub fn no_receipt<T>(_: &T) -> Option<IdempotentReply> {
    None
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("invalid fields")]
    Invalid(Vec<FieldProblem>),
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    #[error("the object kept changing; retry")]
    ConcurrentUpdate,
    /// The customer is on credit hold and the request did not override it.
    #[error("the customer is on credit hold")]
    CreditHold,
    /// A bank entry already settled (matched or ignored) cannot be decided again.
    #[error("the bank entry is already {0}")]
    EntrySettled(&'static str),
    #[error(transparent)]
    Payment(#[from] crate::payment::PaymentError),
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
    /// Waits before retrying a lost optimistic race (jittered backoff in
    /// production; none in pure tests).
    pause: Option<Pause>,
    /// The company's holidays per country: reminders skip them.
    holidays: std::sync::Arc<crate::holidays::Holidays>,
}

/// A wait before attempt `n` of a contended write, provided by the
/// runtime (the domain has none).
pub type Pause = std::sync::Arc<dyn Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;

impl Context {
    pub fn new(clock: &dyn Clock, company_time_zone: TimeZone, correlation_id: Option<String>) -> Self {
        Self { now: clock.now(), company_time_zone, correlation_id, ids: std::sync::Mutex::new(ulid::Generator::new()), pause: None, holidays: Default::default() }
    }

    /// Plans reminders around these holidays.
    pub fn with_holidays(mut self, holidays: std::sync::Arc<crate::holidays::Holidays>) -> Self {
        self.holidays = holidays;
        self
    }

    pub fn holidays(&self) -> &crate::holidays::Holidays {
        &self.holidays
    }

    /// Backs off between attempts of a contended write with `pause`.
    pub fn with_pause(mut self, pause: Pause) -> Self {
        self.pause = Some(pause);
        self
    }

    pub(crate) async fn pause(&self, attempt: usize) {
        if let Some(p) = &self.pause {
            p(attempt).await;
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) fn next_event_id(&self) -> EventId {
        let mut g = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let ulid = g.generate_from_datetime(std::time::SystemTime::from(self.now)).unwrap_or_else(|_| Ulid::new());
        EventId::from_ulid(ulid)
    }

    /// Today in the company's time zone.
    pub fn company_today(&self) -> NaiveDate {
        self.now().with_timezone(&self.company_time_zone.tz()).date_naive()
    }

    pub fn event(&self, event_type: EventType, kind: AggregateKind, id: String, version: u64, payload: serde_json::Value) -> DomainEvent {
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

pub async fn create_customer<S: CustomerWrite>(store: &S, ctx: &Context, customer: Customer, receipt: Receipt<'_, Customer>) -> Result<Versioned<Customer>, ActionError> {
    let event = ctx.event(EventType::CustomerCreated, AggregateKind::Customer, customer.id.to_string(), 1, json!({ "customer": customer.id }));
    store
        .commit_customer(CustomerChange { customer: &customer, expected_version: None, outbox: vec![OutboxMessage::new(event, &[Destination::EventBus])], reply: receipt(&customer) })
        .await?;
    Ok(Versioned { value: customer, version: 1 })
}

/// Applies `edit` to the customer as it is now, under its version; a race
/// re-reads and applies the edit again.
pub async fn update_customer<S: CustomerRead + CustomerWrite>(
    store: &S,
    ctx: &Context,
    id: crate::ids::CustomerId,
    edit: &(dyn Fn(&mut Customer) -> Result<(), Vec<FieldProblem>> + Send + Sync),
    receipt: Receipt<'_, Customer>,
) -> Result<Versioned<Customer>, ActionError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = store.customer(id).await?.ok_or(ActionError::NotFound("customer"))?;
        let mut customer = current.value.clone();
        edit(&mut customer).map_err(ActionError::Invalid)?;
        let version = current.version + 1;
        let event = ctx.event(EventType::CustomerUpdated, AggregateKind::Customer, id.to_string(), version, json!({ "customer": id }));
        let change = CustomerChange { customer: &customer, expected_version: Some(current.version), outbox: vec![OutboxMessage::new(event, &[Destination::EventBus])], reply: receipt(&customer) };
        match store.commit_customer(change).await {
            Ok(()) => return Ok(Versioned { value: customer, version }),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// One decided invoice change, owning what it writes.
struct Planned {
    invoice: Invoice,
    /// `None` creates the invoice.
    expected_version: Option<u64>,
    claims_number: Option<InvoiceNumber>,
    balance_change: Option<BalanceChange>,
    outbox: Vec<OutboxMessage>,
    timeline: Vec<TimelineItem>,
}

/// Reads, decides (`plan`) and commits until the commit holds: a lost
/// optimistic race (`Conflict`) reads and decides again, at most
/// [`MAX_ATTEMPTS`] times. Every invoice command goes through here.
async fn commit_until_settled<S, F, Fut>(store: &S, receipt: Receipt<'_, Invoice>, mut plan: F) -> Result<Versioned<Invoice>, ActionError>
where
    S: InvoiceWrite,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Planned, ActionError>>,
{
    for _ in 0..MAX_ATTEMPTS {
        let p = plan().await?;
        let change = InvoiceChange {
            invoice: &p.invoice,
            expected_version: p.expected_version,
            claims_number: p.claims_number,
            balance_change: p.balance_change,
            outbox: p.outbox,
            timeline: p.timeline,
            reply: receipt(&p.invoice),
        };
        match store.commit_invoice(change).await {
            Ok(()) => return Ok(Versioned { version: p.expected_version.map_or(1, |v| v + 1), value: p.invoice }),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// An invoice as stored now, or `NotFound`.
async fn current<S: InvoiceRead>(store: &S, id: InvoiceId) -> Result<Versioned<Invoice>, ActionError> {
    store.invoice(id).await?.ok_or(ActionError::NotFound("invoice"))
}

/// How an invoice is created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Creation {
    /// Finalize in the same transaction.
    pub finalize: bool,
    /// Create even though the customer is on credit hold.
    pub override_credit_hold: bool,
}

impl Creation {
    pub const DRAFT: Creation = Creation { finalize: false, override_credit_hold: false };
    pub const FINALIZED: Creation = Creation { finalize: true, override_credit_hold: false };
}

/// Creates a draft, or with `finalize` a finalized invoice, in one
/// transaction: a create-and-finalize never leaves a stray draft behind.
pub async fn create_invoice<S: CustomerRead + InvoiceWrite + InvoiceNumbering>(
    store: &S,
    ctx: &Context,
    id: InvoiceId,
    customer: crate::ids::CustomerId,
    request: DraftRequest,
    how: Creation,
    receipt: Receipt<'_, Invoice>,
) -> Result<Versioned<Invoice>, ActionError> {
    let Creation { finalize, override_credit_hold } = how;
    let customer = store.customer(customer).await?.ok_or(ActionError::NotFound("customer"))?.value;
    if customer.credit_hold && !override_credit_hold {
        return Err(ActionError::CreditHold);
    }
    let draft = Invoice::draft(id, &customer, request, ctx.now())?;
    let customer = &customer;
    let draft = &draft;
    commit_until_settled(store, receipt, move || async move {
        let mut invoice = draft.clone();
        let created = ctx.event(EventType::InvoiceCreated, AggregateKind::Invoice, id.to_string(), 1, json!({ "invoice": id, "customer": customer.id, "total": invoice.totals.total.to_string(), "currency": invoice.currency }));
        let mut timeline = vec![TimelineItem::from_event(&created, format!("Draft created for {} {}", invoice.totals.total, invoice.currency))];
        let mut outbox = vec![OutboxMessage::new(created, &[Destination::EventBus])];
        let (mut claims_number, mut balance_change) = (None, None);
        if finalize {
            // Only the number can be taken meanwhile (the id is new), so a
            // conflict retries with the next one.
            let today = ctx.company_today();
            let number = claim_candidate(store, invoice.numbering_year(today)).await?;
            invoice.finalize(number, today, ctx.now())?;
            invoice.plan_reminders(&customer.dunning_policy(), customer.time_zone, ctx.holidays().for_customer(customer));
            let effects = finalization_effects(ctx, &invoice, 1, number);
            timeline.extend(effects.timeline);
            outbox.extend(effects.outbox);
            claims_number = Some(number);
            balance_change = Some(effects.balance_change);
        }
        Ok(Planned { invoice, expected_version: None, claims_number, balance_change, outbox, timeline })
    })
    .await
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
    let mut outbox = vec![OutboxMessage::new(finalized, &[Destination::EventBus, Destination::DeliveryQueue, Destination::ReminderQueue])];
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
pub async fn finalize_invoice<S: CustomerRead + InvoiceRead + InvoiceWrite + InvoiceNumbering>(store: &S, ctx: &Context, id: InvoiceId, override_credit_hold: bool, receipt: Receipt<'_, Invoice>) -> Result<Versioned<Invoice>, ActionError> {
    // A conflict means another finalize took this number or the invoice
    // changed: read both again and decide afresh.
    commit_until_settled(store, receipt, move || async move {
        let now = current(store, id).await?;
        let mut invoice = now.value;
        let today = ctx.company_today();
        if invoice.status != InvoiceStatus::Draft {
            // Decide before spending a counter read.
            invoice.status.next(crate::invoice_status::Trigger::Finalize { due_is_zero: false }).map_err(InvoiceError::from)?;
        }
        // The customer's hold, policy and time zone decide the finalize
        // and the reminders it plans.
        let customer = store.customer(invoice.customer).await?.ok_or(ActionError::NotFound("customer"))?.value;
        if customer.credit_hold && !override_credit_hold {
            return Err(ActionError::CreditHold);
        }
        let number = claim_candidate(store, invoice.numbering_year(today)).await?;
        invoice.finalize(number, today, ctx.now())?;
        invoice.plan_reminders(&customer.dunning_policy(), customer.time_zone, ctx.holidays().for_customer(&customer));
        let effects = finalization_effects(ctx, &invoice, now.version + 1, number);
        Ok(Planned {
            invoice,
            expected_version: Some(now.version),
            claims_number: Some(number),
            balance_change: Some(effects.balance_change),
            outbox: effects.outbox,
            timeline: effects.timeline,
        })
    })
    .await
}

/// Replaces a draft's content with what `edit` makes of the draft as it is
/// now (PATCH semantics live in the transport).
pub async fn update_draft<S: InvoiceRead + InvoiceWrite>(
    store: &S,
    ctx: &Context,
    id: InvoiceId,
    edit: &(dyn Fn(&Invoice) -> Result<DraftRequest, Vec<FieldProblem>> + Send + Sync),
    receipt: Receipt<'_, Invoice>,
) -> Result<Versioned<Invoice>, ActionError> {
    commit_until_settled(store, receipt, move || async move {
        let now = current(store, id).await?;
        if now.value.status != InvoiceStatus::Draft {
            return Err(InvoiceError::NotADraft.into());
        }
        let request = edit(&now.value).map_err(ActionError::Invalid)?;
        let mut invoice = now.value.clone();
        invoice.replace_draft(request)?;
        let event = ctx.event(EventType::InvoiceUpdated, AggregateKind::Invoice, id.to_string(), now.version + 1, json!({ "invoice": id, "total": invoice.totals.total.to_string(), "currency": invoice.currency }));
        let timeline = vec![TimelineItem::from_event(&event, format!("Draft edited; total {} {}", invoice.totals.total, invoice.currency))];
        Ok(Planned { invoice, expected_version: Some(now.version), claims_number: None, balance_change: None, outbox: vec![OutboxMessage::new(event, &[Destination::EventBus])], timeline })
    })
    .await
}

/// Closing an open invoice without payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closure {
    /// Issued in error: allowed only while nothing is paid or credited.
    Void,
    /// Written off as a bad debt; money arriving later still applies.
    MarkUncollectible,
}

/// Void or mark uncollectible: the open receivable leaves the customer's
/// balance in the same transaction.
pub async fn close_invoice<S: InvoiceRead + InvoiceWrite>(store: &S, ctx: &Context, id: InvoiceId, closure: Closure, receipt: Receipt<'_, Invoice>) -> Result<Versioned<Invoice>, ActionError> {
    commit_until_settled(store, receipt, move || async move {
        let now = current(store, id).await?;
        let mut invoice = now.value.clone();
        let due_before = invoice.amount_due();
        let (event_type, summary) = match closure {
            Closure::Void => {
                invoice.void()?;
                (EventType::InvoiceVoided, "Voided".to_owned())
            }
            Closure::MarkUncollectible => {
                invoice.mark_uncollectible()?;
                (EventType::InvoiceMarkedUncollectible, format!("Marked uncollectible with {} {} due", due_before, invoice.currency))
            }
        };
        let event = ctx.event(event_type, AggregateKind::Invoice, id.to_string(), now.version + 1, json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number, "amount_due": due_before.to_string(), "currency": invoice.currency }));
        let timeline = vec![TimelineItem::from_event(&event, summary)];
        Ok(Planned {
            invoice,
            expected_version: Some(now.version),
            claims_number: None,
            balance_change: Some(BalanceChange { receivable_minor: -due_before.to_minor(), unapplied_minor: 0 }),
            outbox: vec![OutboxMessage::new(event, &[Destination::EventBus])],
            timeline,
        })
    })
    .await
}

/// `/send`: emails a finalized invoice again, through the same outbox and
/// delivery path as finalize. Drafts are emailed when finalized; void
/// invoices are not sent.
pub async fn request_send<S: InvoiceRead + InvoiceWrite>(store: &S, ctx: &Context, id: InvoiceId, receipt: Receipt<'_, Invoice>) -> Result<Versioned<Invoice>, ActionError> {
    commit_until_settled(store, receipt, move || async move {
        let now = current(store, id).await?;
        let invoice = now.value.clone();
        if matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
            let action = if invoice.status == InvoiceStatus::Draft { "be sent before it is finalized" } else { "be sent" };
            return Err(InvoiceError::Transition(crate::invoice_status::TransitionError { from: invoice.status.as_str(), action }).into());
        }
        let event = ctx.event(EventType::InvoiceSendRequested, AggregateKind::Invoice, id.to_string(), now.version + 1, json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number }));
        let timeline = vec![TimelineItem::from_event(&event, "Sending requested")];
        Ok(Planned {
            invoice,
            expected_version: Some(now.version),
            claims_number: None,
            balance_change: None,
            outbox: vec![OutboxMessage::new(event, &[Destination::EventBus, Destination::DeliveryQueue])],
            timeline,
        })
    })
    .await
}

/// What a customer says about an open invoice.
#[derive(Debug, Clone)]
pub enum CustomerSays {
    /// `/dispute`: they dispute it, for this reason.
    Disputes(crate::invoice::DisputeReason),
    /// `/resolve`: the dispute is settled.
    Resolved,
    /// `/promise`: they will pay by this date.
    PromisesBy(NaiveDate),
}

/// Disputes, resolutions and promises to pay: flags that pause or resume
/// reminders, each with its event and timeline entry.
pub async fn record_customer_word<S: InvoiceRead + InvoiceWrite>(store: &S, ctx: &Context, id: InvoiceId, says: CustomerSays, receipt: Receipt<'_, Invoice>) -> Result<Versioned<Invoice>, ActionError> {
    let says = &says;
    commit_until_settled(store, receipt, move || async move {
        let now = current(store, id).await?;
        let mut invoice = now.value.clone();
        let version = now.version + 1;
        let base = json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number, "source": "api" });
        let (event_type, summary, payload) = match says {
            CustomerSays::Disputes(reason) => {
                invoice.dispute(reason.clone())?;
                let mut p = base;
                p["reason"] = json!(reason);
                (EventType::InvoiceDisputed, format!("Disputed by the customer: {reason}"), p)
            }
            CustomerSays::Resolved => {
                invoice.resolve_dispute()?;
                (EventType::InvoiceDisputeClosed, "Dispute resolved".to_owned(), base)
            }
            CustomerSays::PromisesBy(date) => {
                invoice.promise(*date, ctx.company_today())?;
                let mut p = base;
                p["promised_until"] = json!(date);
                (EventType::InvoicePaymentPromised, format!("Customer promised to pay by {date}"), p)
            }
        };
        let event = ctx.event(event_type, AggregateKind::Invoice, id.to_string(), version, payload);
        let timeline = vec![TimelineItem::from_event(&event, summary)];
        // A resolution or a promise moves the reminders: the reminder
        // function re-plans them.
        let destinations: &[Destination] = if event_type == EventType::InvoiceDisputed { &[Destination::EventBus] } else { &[Destination::EventBus, Destination::ReminderQueue] };
        Ok(Planned { invoice, expected_version: Some(now.version), claims_number: None, balance_change: None, outbox: vec![OutboxMessage::new(event, destinations)], timeline })
    })
    .await
}
