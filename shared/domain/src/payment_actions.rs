//! Recording payments and acting on processor events, written once over
//! the store ports. Every change is one [`PaymentChange`]: the payment,
//! the invoices it touches, the customer's balances, the processor ids it
//! claims, the event it settles and the outbox messages commit together or
//! not at all. A lost race reads again and decides again.
//!
//! Processor events are handled in hyperswitch's steps: the transport has
//! verified and parsed the event; here we deduplicate it (its id), find the
//! payment it is about (its intent or charge), and act. An event about a
//! charge not yet known is parked and applied when its payment lands.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::actions::{ActionError, Context, FieldProblem, Receipt};
use crate::application::{ApplicationError, ApplicationInput, Candidate, Channel, Decision, Engine, Evidence};
use crate::event::{AggregateKind, EventType};
use crate::ids::{CustomerId, InvoiceId, PaymentId};
use crate::invoice::Invoice;
use crate::invoice_number::InvoiceNumber;
use crate::invoice_status::InvoiceStatus;
use crate::money::Money;
use crate::outbox::{Destination, OutboxMessage};
use crate::payment::{ChargeRecord, DisputeRecord, Payment, PaymentEntry, PaymentMethod, PaymentReference, ProcessorLink, MAX_ALLOCATIONS};
use crate::ports::{
    BalanceChange, CustomerRead, EventOutcome, EventRecord, EventSettlement, InvoiceFilter, InvoiceList, InvoiceRead, InvoiceUpdate, PageRequest, ParkedEvent, PayerDirectory, PaymentChange, PaymentRead, PaymentWrite, ProcessorLedger, StoreError, Versioned,
};
use crate::processor_event::{DisputeChange, ProcessorEvent, ProcessorEventKind, ProcessorRef};
use crate::timeline::TimelineItem;

/// Attempts of a payment change before `ConcurrentUpdate`. Payments race
/// on hot invoices (many payers, one invoice), so more than invoice
/// commands get, each after a backoff pause. With the API's backoff (full
/// jitter, 150 ms cap) the waits add up to at most about 5.5 s, inside the
/// functions' 10 s timeout, so a loser answers 409, never a timeout.
pub const PAYMENT_ATTEMPTS: usize = 40;

/// A payment recorded by a person (`POST /v1/payments`).
#[derive(Debug, Clone)]
pub struct ManualPayment {
    pub customer: CustomerId,
    pub amount: Money,
    pub received_at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub reference: Option<PaymentReference>,
    /// `None`: let the engine decide (oldest due first for manual money).
    pub allocations: Option<Vec<(InvoiceId, Money)>>,
}

/// Invoices loaded for one attempt, with the versions they were read at.
pub(crate) type Loaded = HashMap<InvoiceId, Versioned<Invoice>>;

/// What a decision or event does besides the payment itself.
#[derive(Default)]
pub(crate) struct Effects {
    /// Invoice id -> (invoice before, invoice after, timeline).
    pub(crate) touched: Vec<Touched>,
    pub(crate) outbox: Vec<OutboxMessage>,
}

pub(crate) type Touched = (Versioned<Invoice>, Invoice, Vec<TimelineItem>);

/// The working copy of invoice `id`, taken from `loaded` on first touch.
pub(crate) fn entry<'a>(touched: &'a mut Vec<Touched>, loaded: &Loaded, id: InvoiceId) -> Option<&'a mut Touched> {
    if !touched.iter().any(|t| t.1.id == id) {
        let before = loaded.get(&id)?.clone();
        let after = before.value.clone();
        touched.push((before, after, Vec::new()));
    }
    touched.iter_mut().find(|t| t.1.id == id)
}

impl Effects {

    /// Receivable moves by how much each touched invoice's open due moved.
    pub(crate) fn receivable_delta(&self) -> i64 {
        self.touched.iter().map(|(before, after, _)| after.receivable().to_minor() - before.value.receivable().to_minor()).sum()
    }

    pub(crate) fn invoice_updates(self) -> (Vec<InvoiceUpdate>, Vec<OutboxMessage>) {
        let updates = self.touched.into_iter().map(|(before, invoice, timeline)| InvoiceUpdate { invoice, expected_version: before.version, timeline }).collect();
        (updates, self.outbox)
    }
}

pub(crate) fn timeline_item(ctx: &Context, item_type: &str, summary: String, data: serde_json::Value) -> TimelineItem {
    TimelineItem { id: ctx.next_event_id(), at: ctx.now(), item_type: item_type.to_owned(), summary, data }
}

/// Applies the decided allocations to the invoices: amounts, statuses,
/// `invoice.paid` when one is settled, timeline entries.
fn apply_decision(ctx: &Context, payment: &Payment, decision: &Decision, loaded: &Loaded, effects: &mut Effects) -> Result<(), ActionError> {
    for allocation in &decision.allocations {
        let Some((before, invoice, timeline)) = entry(&mut effects.touched, loaded, allocation.invoice) else { return Err(ActionError::NotFound("invoice")) };
        let was_paid = invoice.status == InvoiceStatus::Paid;
        // The credit first: a discount or fee is what makes the cash settle.
        let credited = allocation.credited().map_err(crate::payment::PaymentError::from)?;
        if credited.is_positive() {
            invoice.apply_credit(credited, ctx.now())?;
        }
        invoice.apply_payment(allocation.amount, ctx.now())?;
        timeline.push(timeline_item(
            ctx,
            "payment.applied",
            format!("Payment {} applied: {} {} ({})", payment.id, allocation.amount, allocation.amount.currency(), allocation.rule),
            json!({ "payment": payment.id, "amount": allocation.amount.to_string(), "currency": allocation.amount.currency(), "discount": allocation.discount.map(|m| m.to_string()), "fee": allocation.fee.map(|m| m.to_string()), "rule": allocation.rule, "explanation": allocation.explanation, "amount_due": invoice.amount_due().to_string() }),
        ));
        if invoice.status == InvoiceStatus::Paid && !was_paid {
            let paid = ctx.event(EventType::InvoicePaid, AggregateKind::Invoice, invoice.id.to_string(), before.version + 1, json!({ "invoice": invoice.id, "customer": invoice.customer, "number": invoice.number, "payment": payment.id }));
            timeline.push(TimelineItem::from_event(&paid, format!("Paid in full by {}", payment.id)));
            effects.outbox.push(OutboxMessage::new(paid, &[Destination::EventBus]));
        }
    }
    Ok(())
}

/// What recording a new payment writes besides the payment.
pub(crate) struct Received {
    pub(crate) invoices: Vec<InvoiceUpdate>,
    pub(crate) balance_change: Option<BalanceChange>,
    pub(crate) outbox: Vec<OutboxMessage>,
}

/// Checks a new payment balances, applies its decision to the invoices and
/// names the customer's balance change (none for an exception) and the
/// `payment.applied` event first in the outbox.
pub(crate) fn receive(ctx: &Context, payment: &Payment, decision: &Decision, loaded: &Loaded) -> Result<Received, ActionError> {
    if !payment.balances() {
        return Err(ActionError::Store(StoreError::Corrupt(format!("payment {} would not balance", payment.id))));
    }
    let mut effects = Effects::default();
    apply_decision(ctx, payment, decision, loaded, &mut effects)?;
    let receivable = effects.receivable_delta();
    let (invoices, mut outbox) = effects.invoice_updates();
    outbox.insert(0, applied_event(ctx, payment));
    let balance_change = payment.customer.map(|_| BalanceChange { receivable_minor: receivable, unapplied_minor: payment.unapplied.to_minor() });
    Ok(Received { invoices, balance_change, outbox })
}

/// The `payment.applied` event: to the bus, and to delivery for the
/// customer's receipt when there is a customer to thank.
fn applied_event(ctx: &Context, payment: &Payment) -> OutboxMessage {
    let event = ctx.event(
        EventType::PaymentApplied,
        AggregateKind::Payment,
        payment.id.to_string(),
        1,
        json!({
            "payment": payment.id,
            "customer": payment.customer,
            "amount": payment.amount.to_string(),
            "currency": payment.amount.currency(),
            "status": payment.status().as_str(),
            "unapplied": payment.unapplied.to_string(),
            "allocations": payment.allocations.iter().map(|a| json!({"invoice": a.invoice, "amount": a.amount.to_string(), "rule": a.rule})).collect::<Vec<_>>(),
        }),
    );
    let destinations: &[Destination] = if payment.customer.is_some() { &[Destination::EventBus, Destination::DeliveryQueue] } else { &[Destination::EventBus] };
    OutboxMessage::new(event, destinations)
}

fn refused(e: ApplicationError) -> ActionError {
    match e {
        ApplicationError::Refused { field, message } => ActionError::Invalid(vec![FieldProblem::new(field, message)]),
        ApplicationError::Money(m) => ActionError::Invalid(vec![FieldProblem::new("amount", m.to_string())]),
    }
}

/// Every open invoice of a customer, oldest due first, read consistently
/// until their dues cover `amount` (or the allocation limit is reached).
async fn oldest_open_invoices<S: InvoiceList + InvoiceRead>(store: &S, customer: CustomerId, amount: Money) -> Result<Loaded, ActionError> {
    let filter = InvoiceFilter { customer: Some(customer), status: Some(InvoiceStatus::Open) };
    let mut open = Vec::new();
    let mut page = PageRequest { limit: 100, starting_after: None };
    loop {
        let found = store.list_invoices(&filter, &page).await?;
        let last = found.data.last().map(|i| i.id.to_string());
        open.extend(found.data);
        match (found.has_more, last) {
            (true, Some(last)) => page.starting_after = Some(last),
            _ => break,
        }
    }
    open.sort_by_key(|i| (i.due_date, i.number.map(|n| (n.year(), n.sequence())), i.id));
    let mut loaded = Loaded::new();
    let mut covered = Money::zero(amount.currency());
    for listed in open {
        if loaded.len() >= MAX_ALLOCATIONS || covered.amount() >= amount.amount() {
            break;
        }
        // The list index lags; the consistent read is what we decide on.
        if let Some(now) = store.invoice(listed.id).await? {
            if now.value.status == InvoiceStatus::Open && now.value.currency == amount.currency() {
                covered = covered.checked_add(now.value.amount_due()).unwrap_or(covered);
                loaded.insert(now.value.id, now);
            }
        }
    }
    Ok(loaded)
}

/// `POST /v1/payments`: records money received outside a processor and
/// applies it (the caller's allocations, else oldest due first), in one
/// transaction with the invoices and the customer's balances.
pub async fn record_payment<S>(store: &S, ctx: &Context, id: PaymentId, request: &ManualPayment, receipt: Receipt<'_, Payment>) -> Result<Versioned<Payment>, ActionError>
where
    S: CustomerRead + InvoiceRead + InvoiceList + PaymentWrite,
{
    let engine = Engine::standard();
    for attempt in 0..PAYMENT_ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        let customer = store.customer(request.customer).await?.ok_or(ActionError::NotFound("customer"))?.value;
        if customer.currency != request.amount.currency() {
            return Err(ActionError::Invalid(vec![FieldProblem::new("currency", format!("must be the customer's currency, {}", customer.currency))]));
        }
        let (evidence, loaded) = match &request.allocations {
            Some(wanted) => {
                let mut loaded = Loaded::new();
                for (i, (invoice, _)) in wanted.iter().enumerate() {
                    match store.invoice(*invoice).await? {
                        Some(v) => {
                            loaded.insert(*invoice, v);
                        }
                        None => return Err(ActionError::Invalid(vec![FieldProblem::new(format!("allocations[{i}].invoice"), "no such invoice")])),
                    }
                }
                (Evidence::Explicit(wanted.clone()), loaded)
            }
            None => (Evidence::None, oldest_open_invoices(store, customer.id, request.amount).await?),
        };
        let input = ApplicationInput {
            amount: request.amount,
            channel: Channel::Manual,
            customer: Some(customer.id),
            evidence,
            candidates: loaded.values().map(|v| Candidate::from(&v.value)).collect(),
        };
        let decision = engine.apply(&input).map_err(refused)?;
        let payment = Payment {
            id,
            customer: Some(customer.id),
            amount: request.amount,
            received_at: request.received_at,
            method: request.method,
            reference: request.reference.clone(),
            allocations: decision.allocations.clone(),
            unapplied: decision.unapplied,
            returned: Money::zero(request.amount.currency()),
            exception: None,
            processor: None,
            history: vec![PaymentEntry { at: ctx.now(), kind: "received".into(), amount: request.amount, summary: received_summary(&decision), processor_event: None }],
            created_at: ctx.now(),
        };
        let received = receive(ctx, &payment, &decision, &loaded)?;
        let change = PaymentChange {
            payment: &payment,
            expected_version: None,
            invoices: received.invoices,
            balance_change: received.balance_change,
            claims: Vec::new(),
            settles: None,
            outbox: received.outbox,
            reply: receipt(&payment),
            journal: crate::journal::postings::postings_between(None, &payment, ctx.company_today()),
            bank_entries: Vec::new(),
        };
        match store.commit_payment(change).await {
            Ok(()) => return Ok(Versioned { value: payment, version: 1 }),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

pub(crate) fn received_summary(decision: &Decision) -> String {
    match (decision.allocations.len(), decision.unapplied.is_zero()) {
        (0, _) => format!("Received; unapplied: {}", decision.note),
        (n, true) => format!("Received and applied to {n} invoice(s)"),
        (n, false) => format!("Received, applied to {n} invoice(s); {}", decision.note),
    }
}

/// What happened to a processor event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Applied,
    /// Seen before: nothing changed.
    Duplicate,
    Parked,
    Ignored,
}

/// Where processor payments come from, for their records.
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    pub name: &'static str,
    /// The method a processor payment is recorded with.
    pub method: PaymentMethod,
}

pub const STRIPE: Provider = Provider { name: "stripe", method: PaymentMethod::Card };

/// Acts on one verified processor event, exactly once however often and in
/// whatever order it arrives.
pub async fn take_processor_event<S>(store: &S, ctx: &Context, provider: Provider, event: ProcessorEvent, raw: String) -> Result<(Handled, Option<PaymentId>), ActionError>
where
    S: CustomerRead + InvoiceRead + PaymentRead + PaymentWrite + ProcessorLedger + PayerDirectory,
{
    let record = |outcome: EventOutcome, payment: Option<PaymentId>| EventRecord { provider: provider.name, event: event.clone(), raw: raw.clone(), received_at: ctx.now(), outcome, payment };
    let handled = match &event.kind {
        ProcessorEventKind::Ignored => {
            if store.event_outcome(provider.name, &event.id).await?.is_some() {
                return Ok((Handled::Duplicate, None));
            }
            match store.record_ignored(&record(EventOutcome::Ignored, None)).await {
                Ok(()) => (Handled::Ignored, None),
                Err(StoreError::Conflict) => (Handled::Duplicate, None),
                Err(e) => return Err(e.into()),
            }
        }
        ProcessorEventKind::PaymentSucceeded { .. } => receive_processor_payment(store, ctx, provider, &event, &record).await?,
        ProcessorEventKind::ChargeRefunded { .. } | ProcessorEventKind::Dispute { .. } => settle_charge_event(store, ctx, provider, &event, &record).await?,
    };
    // However this event went, a payment that exists may have parked
    // events waiting: apply them now (a crash before this point is healed
    // by the processor's retry of the payment event).
    if let ProcessorEventKind::PaymentSucceeded { payment_intent, charges, .. } = &event.kind {
        let mut keys = vec![payment_intent.clone()];
        keys.extend(charges.iter().cloned());
        apply_parked(store, ctx, provider, &keys).await?;
    }
    Ok(handled)
}

async fn receive_processor_payment<S>(store: &S, ctx: &Context, provider: Provider, event: &ProcessorEvent, record: &(dyn Fn(EventOutcome, Option<PaymentId>) -> EventRecord + Send + Sync)) -> Result<(Handled, Option<PaymentId>), ActionError>
where
    S: CustomerRead + InvoiceRead + PaymentWrite + ProcessorLedger + PayerDirectory,
{
    let ProcessorEventKind::PaymentSucceeded { payment_intent, amount, charges, hints, description } = &event.kind else { return Ok((Handled::Ignored, None)) };
    let engine = Engine::standard();
    for attempt in 0..PAYMENT_ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        if store.event_outcome(provider.name, &event.id).await?.is_some() {
            let existing = store.payment_for(provider.name, payment_intent).await?;
            return Ok((Handled::Duplicate, existing));
        }
        if let Some(existing) = store.payment_for(provider.name, payment_intent).await? {
            // Another event already recorded this intent's money.
            return match store.record_ignored(&record(EventOutcome::Ignored, Some(existing))).await {
                Ok(()) | Err(StoreError::Conflict) => Ok((Handled::Duplicate, Some(existing))),
                Err(e) => Err(e.into()),
            };
        }
        // Find the invoice the payer named, then the customer.
        let mut named: Option<Versioned<Invoice>> = None;
        if let Some(id) = hints.invoice_id.as_deref().and_then(|t| InvoiceId::parse(t).ok()) {
            named = store.invoice(id).await?;
        }
        if named.is_none() {
            if let Some(number) = hints.invoice_number.as_deref().and_then(|t| InvoiceNumber::parse(t.trim()).ok()) {
                if let Some(id) = store.invoice_by_number(number).await? {
                    named = store.invoice(id).await?;
                }
            }
        }
        let mut customer_id = named.as_ref().map(|i| i.value.customer);
        if customer_id.is_none() {
            if let Some(id) = hints.customer_id.as_deref().and_then(|t| CustomerId::parse(t).ok()) {
                customer_id = Some(id);
            }
        }
        if customer_id.is_none() {
            if let Some(external) = &hints.processor_customer {
                customer_id = store.customer_by_external_id(external.as_str()).await?;
            }
        }
        let customer = match customer_id {
            Some(id) => store.customer(id).await?.map(|v| v.value),
            None => None,
        };
        let mut exception = None;
        let customer = match customer {
            Some(c) if c.currency == amount.currency() => Some(c),
            Some(c) => {
                exception = Some(format!("paid in {} but customer {} is billed in {}", amount.currency(), c.id, c.currency));
                None
            }
            None => None,
        };
        let mut loaded = Loaded::new();
        let evidence = match (&named, &customer) {
            (Some(inv), Some(_)) => {
                loaded.insert(inv.value.id, inv.clone());
                Evidence::NamedInvoice(inv.value.id)
            }
            _ => Evidence::None,
        };
        let input = ApplicationInput { amount: *amount, channel: Channel::Processor, customer: customer.as_ref().map(|c| c.id), evidence, candidates: loaded.values().map(|v| Candidate::from(&v.value)).collect() };
        let decision = engine.apply(&input).map_err(refused)?;
        if customer.is_none() && exception.is_none() {
            exception = Some(decision.note.clone());
        }
        let id = PaymentId::from_ulid(ctx.next_event_id().ulid());
        let payment = Payment {
            id,
            customer: customer.as_ref().map(|c| c.id),
            amount: *amount,
            received_at: event.created,
            method: provider.method,
            reference: description.as_deref().and_then(|d| PaymentReference::parse(&d.chars().take(140).collect::<String>()).ok()).or_else(|| PaymentReference::parse(payment_intent.as_str()).ok()),
            allocations: decision.allocations.clone(),
            unapplied: decision.unapplied,
            returned: Money::zero(amount.currency()),
            exception,
            processor: Some(ProcessorLink {
                provider: provider.name.into(),
                payment_intent: payment_intent.clone(),
                charges: charges.iter().map(|c| ChargeRecord { id: c.clone(), amount_refunded: Money::zero(amount.currency()) }).collect(),
                disputes: Vec::new(),
            }),
            history: vec![PaymentEntry { at: ctx.now(), kind: "received".into(), amount: *amount, summary: received_summary(&decision), processor_event: Some(event.id.clone()) }],
            created_at: ctx.now(),
        };
        let received = receive(ctx, &payment, &decision, &loaded)?;
        let mut claims = vec![payment_intent.clone()];
        claims.extend(charges.iter().cloned());
        let change = PaymentChange {
            payment: &payment,
            expected_version: None,
            invoices: received.invoices,
            balance_change: received.balance_change,
            claims,
            settles: Some(EventSettlement::Record(Box::new(record(EventOutcome::Applied, Some(id))))),
            outbox: received.outbox,
            reply: None,
            journal: crate::journal::postings::postings_between(None, &payment, ctx.company_today()),
            bank_entries: Vec::new(),
        };
        match store.commit_payment(change).await {
            Ok(()) => return Ok((Handled::Applied, Some(id))),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// A refund or dispute event: applied to its payment, or parked until the
/// payment is known.
async fn settle_charge_event<S>(store: &S, ctx: &Context, provider: Provider, event: &ProcessorEvent, record: &(dyn Fn(EventOutcome, Option<PaymentId>) -> EventRecord + Send + Sync)) -> Result<(Handled, Option<PaymentId>), ActionError>
where
    S: InvoiceRead + PaymentRead + PaymentWrite + ProcessorLedger,
{
    let Some(charge) = event.kind.charge().cloned() else { return Ok((Handled::Ignored, None)) };
    let intent = event.kind.payment_intent().cloned();
    for attempt in 0..PAYMENT_ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        if store.event_outcome(provider.name, &event.id).await?.is_some() {
            return Ok((Handled::Duplicate, None));
        }
        let mut payment_id = store.payment_for(provider.name, &charge).await?;
        if payment_id.is_none() {
            if let Some(pi) = &intent {
                payment_id = store.payment_for(provider.name, pi).await?;
            }
        }
        let Some(payment_id) = payment_id else {
            let key = intent.clone().unwrap_or_else(|| charge.clone());
            let mut unknown = vec![charge.clone()];
            unknown.extend(intent.iter().cloned());
            match store.park(&record(EventOutcome::Parked, None), &key, &unknown).await {
                Ok(()) => return Ok((Handled::Parked, None)),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let settles = EventSettlement::Record(Box::new(record(EventOutcome::Applied, Some(payment_id))));
        match apply_to_payment(store, ctx, payment_id, event, settles).await {
            Err(ActionError::Store(StoreError::Conflict)) => continue,
            other => return other.map(|h| (h, Some(payment_id))),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// Applies parked events waiting on any of `keys`, oldest first.
async fn apply_parked<S>(store: &S, ctx: &Context, provider: Provider, keys: &[ProcessorRef]) -> Result<(), ActionError>
where
    S: InvoiceRead + PaymentRead + PaymentWrite + ProcessorLedger,
{
    let parked: Vec<ParkedEvent> = store.parked(provider.name, keys).await?;
    for p in parked {
        for attempt in 0..PAYMENT_ATTEMPTS {
            if attempt > 0 {
                ctx.pause(attempt).await;
            }
            if store.event_outcome(provider.name, &p.event.id).await? != Some(EventOutcome::Parked) {
                break;
            }
            let charge = p.event.kind.charge().cloned();
            let mut payment_id = None;
            for id in charge.iter().chain(p.event.kind.payment_intent()) {
                if payment_id.is_none() {
                    payment_id = store.payment_for(provider.name, id).await?;
                }
            }
            let Some(payment_id) = payment_id else { break };
            let settles = EventSettlement::Unpark { provider: provider.name, event: p.event.id.clone(), park_key: p.key.clone(), payment: payment_id };
            match apply_to_payment(store, ctx, payment_id, &p.event, settles).await {
                Ok(_) => break,
                Err(ActionError::Store(StoreError::Conflict)) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// One attempt at applying a refund or dispute event to its payment; a
/// `Conflict` means "read again".
async fn apply_to_payment<S>(store: &S, ctx: &Context, payment_id: PaymentId, event: &ProcessorEvent, settles: EventSettlement) -> Result<Handled, ActionError>
where
    S: InvoiceRead + PaymentRead + PaymentWrite,
{
    let current = store.payment(payment_id).await?.ok_or(ActionError::NotFound("payment"))?;
    let mut payment = current.value.clone();
    let mut loaded = Loaded::new();
    for a in &payment.allocations {
        if let Some(v) = store.invoice(a.invoice).await? {
            loaded.insert(a.invoice, v);
        }
    }
    let unapplied_before = payment.unapplied;
    let mut effects = Effects::default();
    let mut claims = Vec::new();
    let version = current.version + 1;
    match &event.kind {
        ProcessorEventKind::ChargeRefunded { charge, amount_refunded, .. } => {
            if payment.charge_mut(charge).is_none() {
                if let Some(link) = payment.processor.as_mut() {
                    link.charges.push(ChargeRecord { id: charge.clone(), amount_refunded: Money::zero(payment.amount.currency()) });
                    claims.push(charge.clone());
                }
            }
            let before = payment.charge_mut(charge).map(|c| c.amount_refunded).unwrap_or(Money::zero(payment.amount.currency()));
            // Cumulative: only the increase is new money going back.
            if amount_refunded.currency() == payment.amount.currency() && amount_refunded.amount() > before.amount() {
                let increase = amount_refunded.checked_sub(before).map_err(crate::payment::PaymentError::from)?;
                let take = increase.min(payment.held()).map_err(crate::payment::PaymentError::from)?;
                if let Some(c) = payment.charge_mut(charge) {
                    c.amount_refunded = *amount_refunded;
                }
                let portions = payment.take_back(take)?;
                reverse_portions(ctx, &payment, &portions, "refund", &loaded, &mut effects)?;
                payment.record(PaymentEntry { at: ctx.now(), kind: "refunded".into(), amount: take, summary: format!("Refund of {take} {} on charge {charge}", take.currency()), processor_event: Some(event.id.clone()) });
                let e = ctx.event(EventType::PaymentRefunded, AggregateKind::Payment, payment.id.to_string(), version, json!({ "payment": payment.id, "customer": payment.customer, "charge": charge, "amount": take.to_string(), "currency": take.currency(), "amount_refunded": amount_refunded.to_string() }));
                effects.outbox.insert(0, OutboxMessage::new(e, &[Destination::EventBus]));
            }
        }
        ProcessorEventKind::Dispute { dispute, charge, amount, change, status, reason, .. } => {
            let currency = payment.amount.currency();
            let Some(link) = payment.processor.as_mut() else { return Err(ActionError::NotFound("payment")) };
            let index = match link.disputes.iter().position(|d| &d.id == dispute) {
                Some(i) => i,
                None => {
                    link.disputes.push(DisputeRecord { id: dispute.clone(), charge: charge.clone(), amount: *amount, status: status.clone(), seen: Vec::new(), withdrawn: Vec::new() });
                    link.disputes.len() - 1
                }
            };
            let before = link.disputes[index].clone();
            let record = &mut link.disputes[index];
            record.status = status.clone();
            if !record.seen.contains(change) {
                record.seen.push(*change);
            }
            let after = record.clone();
            // Disputed flag: follows created-and-not-closed.
            if before.is_open() != after.is_open() {
                let open = after.is_open();
                let (invoice_type, payment_type, verb) = if open { (EventType::InvoiceDisputed, EventType::PaymentDisputed, "Disputed") } else { (EventType::InvoiceDisputeClosed, EventType::PaymentDisputeClosed, "Dispute closed") };
                let ids: Vec<InvoiceId> = payment.allocations.iter().map(|a| a.invoice).collect();
                for id in ids {
                    if let Some((before_inv, invoice, timeline)) = entry(&mut effects.touched, &loaded, id) {
                        invoice.disputed = open;
                        let e = ctx.event(invoice_type, AggregateKind::Invoice, id.to_string(), before_inv.version + 1, json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number, "payment": payment.id, "dispute": dispute, "status": status, "reason": reason }));
                        timeline.push(TimelineItem::from_event(&e, format!("{verb} ({status}) through {} {dispute}", payment.id)));
                        let destinations: &[Destination] = if open { &[Destination::EventBus] } else { &[Destination::EventBus, Destination::ReminderQueue] };
                        effects.outbox.push(OutboxMessage::new(e, destinations));
                    }
                }
                let e = ctx.event(payment_type, AggregateKind::Payment, payment.id.to_string(), version, json!({ "payment": payment.id, "dispute": dispute, "charge": charge, "status": status, "reason": reason, "amount": amount.to_string(), "currency": currency }));
                effects.outbox.push(OutboxMessage::new(e, &[Destination::EventBus]));
                payment.record(PaymentEntry { at: ctx.now(), kind: if open { "dispute_created".into() } else { "dispute_closed".into() }, amount: *amount, summary: format!("{verb}: {dispute} ({status})"), processor_event: Some(event.id.clone()) });
            }
            // Funds: out while withdrawn and not reinstated.
            let withdrawn_now = payment.processor.as_ref().map(|l| !l.disputes[index].withdrawn.is_empty()).unwrap_or(false);
            if after.funds_out() && !withdrawn_now && amount.currency() == currency {
                let take = amount.min(payment.held()).map_err(crate::payment::PaymentError::from)?;
                let portions = payment.take_back(take)?;
                reverse_portions(ctx, &payment, &portions, "dispute withdrawal", &loaded, &mut effects)?;
                if let Some(l) = payment.processor.as_mut() {
                    l.disputes[index].withdrawn = portions;
                }
                let e = ctx.event(EventType::PaymentFundsWithdrawn, AggregateKind::Payment, payment.id.to_string(), version, json!({ "payment": payment.id, "dispute": dispute, "amount": take.to_string(), "currency": currency }));
                effects.outbox.push(OutboxMessage::new(e, &[Destination::EventBus]));
                payment.record(PaymentEntry { at: ctx.now(), kind: "funds_withdrawn".into(), amount: take, summary: format!("Dispute {dispute} withdrew {take} {currency}"), processor_event: Some(event.id.clone()) });
            } else if !after.funds_out() && withdrawn_now {
                let portions = payment.processor.as_mut().map(|l| std::mem::take(&mut l.disputes[index].withdrawn)).unwrap_or_default();
                let mut total = Money::zero(currency);
                for portion in portions {
                    total = total.checked_add(portion.amount).map_err(crate::payment::PaymentError::from)?;
                    reinstate_portion(ctx, &mut payment, portion, &loaded, &mut effects)?;
                }
                let e = ctx.event(EventType::PaymentFundsReinstated, AggregateKind::Payment, payment.id.to_string(), version, json!({ "payment": payment.id, "dispute": dispute, "amount": total.to_string(), "currency": currency }));
                effects.outbox.push(OutboxMessage::new(e, &[Destination::EventBus]));
                payment.record(PaymentEntry { at: ctx.now(), kind: "funds_reinstated".into(), amount: total, summary: format!("Dispute {dispute} reinstated {total} {currency}"), processor_event: Some(event.id.clone()) });
            }
        }
        _ => {}
    }
    if !payment.balances() {
        return Err(ActionError::Store(StoreError::Corrupt(format!("payment {} would not balance", payment.id))));
    }
    // Even an event that changes nothing is recorded with the payment's
    // version, so a concurrent change to the payment retries it.
    let receivable = effects.receivable_delta();
    let (invoices, mut outbox) = effects.invoice_updates();
    let unapplied_delta = if payment.customer.is_some() { payment.unapplied.to_minor() - unapplied_before.to_minor() } else { 0 };
    if outbox.is_empty() {
        // Every change carries at least one message (its request token);
        // a no-op still tells the bus what was received.
        let e = ctx.event(noop_type(&event.kind), AggregateKind::Payment, payment.id.to_string(), version, json!({ "payment": payment.id, "event": event.id, "effect": "none" }));
        outbox.push(OutboxMessage::new(e, &[Destination::EventBus]));
    }
    let change = PaymentChange {
        payment: &payment,
        expected_version: Some(current.version),
        invoices,
        balance_change: payment.customer.map(|_| BalanceChange { receivable_minor: receivable, unapplied_minor: unapplied_delta }),
        claims,
        settles: Some(settles),
        outbox,
        reply: None,
        journal: crate::journal::postings::postings_between(Some(&current.value), &payment, ctx.company_today()),
        bank_entries: Vec::new(),
    };
    store.commit_payment(change).await?;
    Ok(Handled::Applied)
}

/// The event type a no-op change reports under (its payload says `effect:
/// none`): a repeated refund total, a dispute status update.
fn noop_type(kind: &ProcessorEventKind) -> EventType {
    match kind {
        ProcessorEventKind::Dispute { change: DisputeChange::Closed, .. } => EventType::PaymentDisputeClosed,
        ProcessorEventKind::Dispute { .. } => EventType::PaymentDisputed,
        _ => EventType::PaymentRefunded,
    }
}

/// Takes reversed portions off their invoices.
pub(crate) fn reverse_portions(ctx: &Context, payment: &Payment, portions: &[crate::payment::Portion], why: &str, loaded: &Loaded, effects: &mut Effects) -> Result<(), ActionError> {
    for portion in portions {
        let Some(id) = portion.invoice else { continue };
        let Some((before, invoice, timeline)) = entry(&mut effects.touched, loaded, id) else { return Err(ActionError::NotFound("invoice")) };
        invoice.reverse_payment(portion.amount)?;
        let e = ctx.event(
            EventType::InvoicePaymentReversed,
            AggregateKind::Invoice,
            id.to_string(),
            before.version + 1,
            json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number, "payment": payment.id, "amount": portion.amount.to_string(), "currency": portion.amount.currency(), "reason": why, "amount_due": invoice.amount_due().to_string(), "status": invoice.status }),
        );
        timeline.push(TimelineItem::from_event(&e, format!("{} {} of {} taken back ({why}); {} due, {}", portion.amount, portion.amount.currency(), payment.id, invoice.amount_due(), invoice.status.as_str())));
        // Open again: the reminders it skipped while paid are re-planned.
        effects.outbox.push(OutboxMessage::new(e, &[Destination::EventBus, Destination::ReminderQueue]));
    }
    Ok(())
}

/// Puts a withdrawn portion back: on its invoice as far as it is still
/// due, the rest as unapplied cash.
fn reinstate_portion(ctx: &Context, payment: &mut Payment, portion: crate::payment::Portion, loaded: &Loaded, effects: &mut Effects) -> Result<(), ActionError> {
    let Some(id) = portion.invoice else {
        payment.put_back_unapplied(portion.amount)?;
        return Ok(());
    };
    let Some((before, invoice, timeline)) = entry(&mut effects.touched, loaded, id) else {
        payment.put_back_unapplied(portion.amount)?;
        return Ok(());
    };
    let room = if matches!(invoice.status, InvoiceStatus::Open | InvoiceStatus::Paid | InvoiceStatus::Uncollectible) { invoice.amount_due() } else { Money::zero(invoice.currency) };
    let on_invoice = portion.amount.min(room).map_err(crate::payment::PaymentError::from)?;
    let was_paid = invoice.status == InvoiceStatus::Paid;
    if on_invoice.is_positive() {
        invoice.apply_payment(on_invoice, ctx.now())?;
        timeline.push(timeline_item(
            ctx,
            "payment.applied",
            format!("Payment {} applied again: {} {} (dispute won)", payment.id, on_invoice, on_invoice.currency()),
            json!({ "payment": payment.id, "amount": on_invoice.to_string(), "currency": on_invoice.currency(), "rule": "dispute_reinstated", "amount_due": invoice.amount_due().to_string() }),
        ));
        if invoice.status == InvoiceStatus::Paid && !was_paid {
            let paid = ctx.event(EventType::InvoicePaid, AggregateKind::Invoice, id.to_string(), before.version + 1, json!({ "invoice": id, "customer": invoice.customer, "number": invoice.number, "payment": payment.id }));
            timeline.push(TimelineItem::from_event(&paid, format!("Paid in full by {}", payment.id)));
            effects.outbox.push(OutboxMessage::new(paid, &[Destination::EventBus]));
        }
    }
    let number = invoice.number;
    if on_invoice.is_positive() {
        payment.put_back_on_invoice(id, number, on_invoice, "dispute won: funds reinstated")?;
    }
    let rest = portion.amount.checked_sub(on_invoice).map_err(crate::payment::PaymentError::from)?;
    if rest.is_positive() {
        payment.put_back_unapplied(rest)?;
    }
    Ok(())
}
