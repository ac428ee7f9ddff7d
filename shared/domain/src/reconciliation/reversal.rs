//! A return or reversal on a statement undoes the credit it returns: the
//! cash that credit applied comes off its invoices (they open again), and
//! both entries say so. Which credit it returns is decided on evidence (the
//! same reference, the same payer), never on the amount alone.

use chrono::Duration;
use serde_json::json;

use super::ReconciliationStore;
use crate::actions::Context;
use crate::bank_entry::{BankEntry, EntryMatch, EntryStatus, EntryWrite};
use crate::event::{AggregateKind, EventType};
use crate::journal::postings::postings_between;
use crate::matching::payer::normalize_name;
use crate::outbox::{Destination, OutboxMessage};
use crate::payment::PaymentEntry;
use crate::payment_actions::{entry as working_copy, reverse_portions, timeline_item, Effects, Loaded};
use crate::ports::{BalanceChange, PaymentChange, StoreError, Versioned};

/// How far back a return may reach for its credit.
const LOOKBACK_DAYS: i64 = 180;

/// How strongly `credit` looks like what `reversal` returns: 0 means no
/// evidence beyond the amount.
fn evidence(reversal: &BankEntry, credit: &BankEntry) -> u8 {
    let same = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(x), Some(y)) if !x.trim().is_empty() && x.trim().eq_ignore_ascii_case(y.trim()));
    let mut score = 0;
    if same(&reversal.reference, &credit.reference) {
        score += 4;
    }
    let name = |e: &BankEntry| e.counterparty.as_deref().map(normalize_name).filter(|n| !n.is_empty());
    if name(reversal).is_some() && name(reversal) == name(credit) {
        score += 2;
    }
    let text = |e: &BankEntry| e.remittance.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    if !reversal.remittance.trim().is_empty() && (text(credit).contains(&text(reversal)) || text(reversal).contains(&text(credit))) && !credit.remittance.trim().is_empty() {
        score += 1;
    }
    score
}

fn unmatched(ctx: &Context, entry: &mut BankEntry, why: String) {
    entry.status = EntryStatus::Unmatched;
    entry.record(ctx.now(), "unmatched", why.clone());
    entry.decision = Some(EntryMatch { rule: "reversal".into(), confidence: 0, explanation: why });
}

pub(crate) async fn settle<S: ReconciliationStore>(store: &S, ctx: &Context, mut entry: BankEntry) -> Result<EntryStatus, StoreError> {
    let Some(amount) = entry.money else {
        unmatched(ctx, &mut entry, "a return in a currency we do not handle".into());
        return store.record_entries(vec![EntryWrite { entry, expected_version: None, claim: true }], Vec::new()).await.map(|()| EntryStatus::Unmatched);
    };
    let day = entry.booking_date.unwrap_or_else(|| ctx.company_today());
    let mut found: Vec<(u8, Versioned<BankEntry>)> = store
        .credits_of_amount(amount, day - Duration::days(LOOKBACK_DAYS), day)
        .await?
        .into_iter()
        .filter(|c| c.value.reversible() && c.value.id != entry.id)
        .map(|c| (evidence(&entry, &c.value), c))
        .filter(|(score, _)| *score >= 2)
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let original = match found.as_slice() {
        [] => {
            unmatched(ctx, &mut entry, format!("a return of {amount} {}: no earlier credit of that amount with the same reference or payer", amount.currency()));
            return store.record_entries(vec![EntryWrite { entry, expected_version: None, claim: true }], Vec::new()).await.map(|()| EntryStatus::Unmatched);
        }
        [(best, _), (second, _), ..] if best == second => {
            unmatched(ctx, &mut entry, format!("a return of {amount} {}: {} earlier credits fit equally well; a person decides", amount.currency(), found.iter().filter(|f| f.0 == *best).count()));
            return store.record_entries(vec![EntryWrite { entry, expected_version: None, claim: true }], Vec::new()).await.map(|()| EntryStatus::Unmatched);
        }
        [(_, first), ..] => first.clone(),
    };
    let mut credit = original.value;
    entry.status = EntryStatus::Matched;
    entry.reverses = Some(credit.id.clone());
    entry.customer = credit.customer;
    entry.payment = credit.payment;
    credit.reversed_by = Some(entry.id.clone());
    let Some(payment_id) = credit.payment else {
        // Nothing was applied: the returned credit is simply no longer money to apply.
        let why = format!("returns {} (same amount, and the same reference or payer); it had applied nothing", credit.id);
        entry.record(ctx.now(), "matched", why.clone());
        entry.decision = Some(EntryMatch { rule: "reversal".into(), confidence: 95, explanation: why });
        if credit.status.is_exception() {
            credit.status = EntryStatus::Ignored;
        }
        credit.record(ctx.now(), "reversed", format!("Returned by the bank ({})", entry.id));
        let writes = vec![EntryWrite { entry, expected_version: None, claim: true }, EntryWrite { entry: credit, expected_version: Some(original.version), claim: false }];
        return store.record_entries(writes, Vec::new()).await.map(|()| EntryStatus::Matched);
    };
    let Some(current) = store.payment(payment_id).await? else { return Err(StoreError::Corrupt(format!("entry {} names missing payment {payment_id}", credit.id))) };
    let before = current.value.clone();
    let mut payment = current.value;
    let portions = match payment.take_back(amount) {
        Ok(p) => p,
        Err(e) => {
            unmatched(ctx, &mut entry, format!("returns {}, but its payment {payment_id} no longer holds that much: {e}", credit.id));
            entry.reverses = None;
            return store.record_entries(vec![EntryWrite { entry, expected_version: None, claim: true }], Vec::new()).await.map(|()| EntryStatus::Unmatched);
        }
    };
    let mut loaded = Loaded::new();
    for portion in &portions {
        if let Some(id) = portion.invoice {
            if let Some(v) = store.invoice(id).await? {
                loaded.insert(id, v);
            }
        }
    }
    let mut effects = Effects::default();
    reverse_portions(ctx, &payment, &portions, "returned by the bank", &loaded, &mut effects).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    withdraw_credits(ctx, &mut payment, &loaded, &mut effects)?;
    let currency = amount.currency();
    payment.record(PaymentEntry { at: ctx.now(), kind: "bank_returned".into(), amount, summary: format!("Returned by the bank: {amount} {currency} ({})", entry.id), processor_event: None });
    let returned = ctx.event(EventType::PaymentReturned, AggregateKind::Payment, payment.id.to_string(), current.version + 1, json!({ "payment": payment.id, "amount": amount.to_string(), "currency": currency, "entry": entry.id, "returns": credit.id }));
    effects.outbox.insert(0, OutboxMessage::new(returned, &[Destination::EventBus]));
    let reopened: Vec<String> = portions.iter().filter_map(|p| p.invoice.map(|i| loaded.get(&i).and_then(|v| v.value.number).map(|n| n.to_string()).unwrap_or_else(|| i.to_string()))).collect();
    let why = format!(
        "returns {} (same amount, and the same reference or payer): {amount} {currency} taken back from {payment_id}{}",
        credit.id,
        if reopened.is_empty() { String::new() } else { format!("; reopened {}", reopened.join(", ")) }
    );
    entry.record(ctx.now(), "matched", why.clone());
    entry.decision = Some(EntryMatch { rule: "reversal".into(), confidence: 95, explanation: why });
    credit.record(ctx.now(), "reversed", format!("Returned by the bank ({}); {amount} {currency} taken back", entry.id));
    let receivable = effects.receivable_delta();
    let unapplied = payment.unapplied.to_minor() - before.unapplied.to_minor();
    let (invoices, outbox) = effects.invoice_updates();
    let on = entry.booking_date.unwrap_or_else(|| ctx.company_today());
    let change = PaymentChange {
        payment: &payment,
        expected_version: Some(current.version),
        invoices,
        balance_change: payment.customer.map(|_| BalanceChange { receivable_minor: receivable, unapplied_minor: unapplied }),
        claims: Vec::new(),
        settles: None,
        outbox,
        reply: None,
        journal: postings_between(Some(&before), &payment, on),
        bank_entries: vec![EntryWrite { entry, expected_version: None, claim: true }, EntryWrite { entry: credit, expected_version: Some(original.version), claim: false }],
    };
    store.commit_payment(change).await.map(|()| EntryStatus::Matched)
}

/// A discount or fee was granted for paying: once an allocation's cash is
/// all taken back, what it credited is due again.
fn withdraw_credits(ctx: &Context, payment: &mut crate::payment::Payment, loaded: &Loaded, effects: &mut Effects) -> Result<(), StoreError> {
    for allocation in payment.allocations.iter_mut().filter(|a| a.amount.is_zero() && (a.discount.is_some() || a.fee.is_some())) {
        let credited = allocation.credited().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let Some((_, invoice, timeline)) = working_copy(&mut effects.touched, loaded, allocation.invoice) else { continue };
        invoice.reverse_credit(credited).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        timeline.push(timeline_item(
            ctx,
            "invoice.credit_withdrawn",
            format!("{credited} {} of discount or fee withdrawn: its payment {} came back", credited.currency(), payment.id),
            json!({ "payment": payment.id, "discount": allocation.discount.map(|m| m.to_string()), "fee": allocation.fee.map(|m| m.to_string()), "amount_due": invoice.amount_due().to_string() }),
        ));
        allocation.discount = None;
        allocation.fee = None;
    }
    Ok(())
}
