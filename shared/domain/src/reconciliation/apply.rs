//! Applying a sure match: the payment, its invoices, the entry and the
//! entry's claim commit together, after the invoices are read again to
//! check they still owe what the (possibly older) ledger said.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{allocations_of, ReconciliationStore};
use crate::actions::Context;
use crate::application::Decision;
use crate::bank_entry::{BankEntry, EntryMatch, EntryStatus, EntryWrite};
use crate::ids::{CustomerId, InvoiceId, PaymentId};
use crate::invoice_status::InvoiceStatus;
use crate::journal::postings::postings_between;
use crate::matching::{BankCredit, Ledger, Proposal};
use crate::money::Money;
use crate::payment::{Allocation, Payment, PaymentEntry, PaymentMethod, PaymentReference};
use crate::payment_actions::{receive, received_summary, Loaded};
use crate::ports::{PaymentChange, StoreError};

pub(crate) enum Applied {
    Done,
    /// The invoices no longer owe what the match assumed.
    Stale(String),
}

/// Where the money of an entry should go, and on whose say-so.
pub(crate) struct Intent {
    pub amount: Money,
    pub customer: CustomerId,
    pub wanted: Vec<Wanted>,
    pub rule: String,
    pub explanation: String,
}

/// A payment ready to commit, with the invoices it was decided on.
pub(crate) struct Built {
    pub payment: Payment,
    pub decision: Decision,
    pub loaded: Loaded,
}

/// One allocation to make: cash, and what settles without cash.
pub(crate) struct Wanted {
    pub invoice: InvoiceId,
    pub cash: Money,
    pub discount: Option<Money>,
    pub fee: Option<Money>,
}

/// The payment's reference: the payer's reference, else the remittance text.
fn reference_of(entry: &BankEntry) -> Option<PaymentReference> {
    let text = if entry.remittance.trim().is_empty() { entry.reference.clone().unwrap_or_default() } else { entry.remittance.clone() };
    let text: String = text.chars().filter(|c| !c.is_control()).take(140).collect();
    PaymentReference::parse(text.trim()).ok()
}

pub(crate) fn received_at(day: Option<NaiveDate>, ctx: &Context) -> chrono::DateTime<Utc> {
    day.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| Utc.from_utc_datetime(&t)).unwrap_or_else(|| ctx.now())
}

/// Reads the invoices again and builds the payment, or says why the
/// allocations no longer hold.
pub(crate) async fn build_payment<S: ReconciliationStore>(store: &S, ctx: &Context, entry: &BankEntry, intent: &Intent) -> Result<Result<Built, String>, StoreError> {
    let Intent { amount, customer, wanted, rule, explanation } = intent;
    let (amount, customer) = (*amount, *customer);
    let currency = amount.currency();
    // Each paid invoice writes about four items of one 100-item transaction.
    if wanted.len() > crate::payment::MAX_ALLOCATIONS {
        return Ok(Err(format!("it names {} invoices; one payment settles at most {}, so a person splits it", wanted.len(), crate::payment::MAX_ALLOCATIONS)));
    }
    let mut loaded = Loaded::new();
    let mut allocations = Vec::new();
    let mut left = amount;
    for w in wanted {
        let Some(invoice) = store.invoice(w.invoice).await? else { return Ok(Err(format!("invoice {} no longer exists", w.invoice))) };
        let i = &invoice.value;
        let label = i.number.map(|n| n.to_string()).unwrap_or_else(|| i.id.to_string());
        if i.customer != customer {
            return Ok(Err(format!("{label} belongs to another customer")));
        }
        if i.currency != currency {
            return Ok(Err(format!("{label} is in {}, the entry in {currency}", i.currency)));
        }
        if i.status != InvoiceStatus::Open && i.status != InvoiceStatus::Uncollectible {
            return Ok(Err(format!("{label} is {}", i.status.as_str())));
        }
        let zero = Money::zero(currency);
        let settles = w.cash.checked_add(w.discount.unwrap_or(zero)).and_then(|m| m.checked_add(w.fee.unwrap_or(zero))).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if settles.amount() > i.amount_due().amount() {
            return Ok(Err(format!("{label} has {} due, less than the {settles} this would settle", i.amount_due())));
        }
        if w.cash.amount() > left.amount() {
            return Ok(Err(format!("the allocations add up to more than the entry's {amount}")));
        }
        left = left.checked_sub(w.cash).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        allocations.push(Allocation { invoice: i.id, invoice_number: i.number, amount: w.cash, rule: rule.clone(), explanation: explanation.clone(), discount: w.discount, fee: w.fee });
        loaded.insert(i.id, invoice);
    }
    let note = if left.is_zero() { String::new() } else { format!("{left} {currency} more than the invoices had due: held as the customer's credit") };
    let decision = Decision { allocations: allocations.clone(), unapplied: left, rule: None, note };
    let payment = Payment {
        id: PaymentId::from_ulid(ctx.next_event_id().ulid()),
        customer: Some(customer),
        amount,
        received_at: received_at(entry.booking_date, ctx),
        method: PaymentMethod::BankTransfer,
        reference: reference_of(entry),
        allocations,
        unapplied: left,
        returned: Money::zero(currency),
        exception: None,
        processor: None,
        history: vec![PaymentEntry { at: ctx.now(), kind: "received".into(), amount, summary: format!("{} (bank entry {})", received_summary(&decision), entry.id), processor_event: None }],
        created_at: ctx.now(),
    };
    Ok(Ok(Built { payment, decision, loaded }))
}

/// The entry a payment settles: new (with its claim) or at a version.
pub(crate) struct Target<'a> {
    pub entry: &'a mut BankEntry,
    pub expected_version: Option<u64>,
    pub claim: bool,
}

/// Commits the built payment with the entry now `matched` for `why`.
pub(crate) async fn commit_applied<S: ReconciliationStore>(store: &S, ctx: &Context, target: Target<'_>, built: &Built, why: EntryMatch) -> Result<(), StoreError> {
    let Target { entry, expected_version, claim } = target;
    let Built { payment, decision, loaded } = built;
    let received = receive(ctx, payment, decision, loaded).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    entry.status = EntryStatus::Matched;
    entry.customer = payment.customer;
    entry.allocations = payment
        .allocations
        .iter()
        .map(|a| crate::bank_entry::EntryAllocation { invoice: a.invoice, number: a.invoice_number, amount: a.amount, discount: a.discount, fee: a.fee })
        .collect();
    entry.unapplied = Some(payment.unapplied);
    entry.payment = Some(payment.id);
    entry.suggestions.clear();
    entry.record(ctx.now(), "matched", format!("Applied as {} ({}): {}", payment.id, why.rule, why.explanation));
    entry.decision = Some(why);
    let on = entry.booking_date.unwrap_or_else(|| ctx.company_today());
    let change = PaymentChange {
        payment,
        expected_version: None,
        invoices: received.invoices,
        balance_change: received.balance_change,
        claims: Vec::new(),
        settles: None,
        outbox: received.outbox,
        reply: None,
        journal: postings_between(None, payment, on),
        bank_entries: vec![EntryWrite { entry: entry.clone(), expected_version, claim }],
    };
    store.commit_payment(change).await
}

/// Applies the matcher's sure proposal to a new entry.
pub(crate) async fn apply_proposal<S: ReconciliationStore>(store: &S, ctx: &Context, entry: &mut BankEntry, credit: &BankCredit, p: &Proposal, ledger: &Ledger) -> Result<Applied, StoreError> {
    let currency = credit.amount.currency();
    let wanted: Vec<Wanted> = allocations_of(p, currency, Some(ledger)).into_iter().map(|a| Wanted { invoice: a.invoice, cash: a.amount, discount: a.discount, fee: a.fee }).collect();
    let intent = Intent { amount: credit.amount, customer: p.customer, wanted, rule: p.rule.into(), explanation: p.explanation.clone() };
    let built = match build_payment(store, ctx, entry, &intent).await? {
        Ok(b) => b,
        Err(why) => return Ok(Applied::Stale(why)),
    };
    let why = EntryMatch { rule: p.rule.into(), confidence: p.confidence, explanation: p.explanation.clone() };
    commit_applied(store, ctx, Target { entry, expected_version: None, claim: true }, &built, why).await?;
    Ok(Applied::Done)
}
