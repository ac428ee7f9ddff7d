//! Cash application from bank statements: each entry of a statement is
//! settled once, whatever the delivery: applied to invoices when the match
//! is sure, kept for a person when it is not, set aside when it is not
//! ours (debits) or repeats money another entry already carried.
//!
//! Over the store ports, like `payment_actions`; the decisions themselves
//! are the pure [`crate::matching`] engine's.

mod apply;
mod payout;
mod reversal;
mod review;

use chrono::NaiveDate;

pub use review::{confirm_entry, ignore_entry, Confirmation};

use crate::actions::{ActionError, Context};
use crate::bank_entry::{entry_id, BankEntry, EntryAllocation, EntryKind, EntryMatch, EntryStatus, EntryWrite, Suggestion, MAX_SUGGESTIONS};
use crate::bank_statement::StatementRecord;
use crate::ids::StatementId;
use crate::matching::{match_credit, BankCredit, Ledger, MatchPolicy, Outcome, Proposal};
use crate::money::Money;
use crate::ports::{BankEntryRead, BankEntryWrite, CustomerRead, InvoiceRead, PaymentRead, PaymentWrite, StoreError};

/// Attempts at settling one entry before giving up with `ConcurrentUpdate`
/// (the message is retried later).
const ATTEMPTS: usize = 12;

/// One entry as read from the statement file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFacts {
    pub seq: u32,
    /// Its identity across statements, hashed.
    pub key: String,
    pub kind: EntryKind,
    pub booking_date: Option<NaiveDate>,
    pub amount: String,
    pub currency: String,
    pub money: Option<Money>,
    /// The bank's reference or the payer's end-to-end id.
    pub reference: Option<String>,
    pub counterparty: Option<String>,
    pub remittance: String,
    /// For a credit: what the matcher reads.
    pub credit: Option<BankCredit>,
    /// Why the entry cannot be read as money (an unknown currency), if so.
    pub refusal: Option<String>,
}

/// What settling did, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Written now, in this status.
    Now(EntryStatus),
    /// Already settled by an earlier delivery.
    Before,
}

/// Everything reconciliation reads and writes.
pub trait ReconciliationStore: BankEntryRead + BankEntryWrite + CustomerRead + InvoiceRead + PaymentRead + PaymentWrite {}
impl<T: BankEntryRead + BankEntryWrite + CustomerRead + InvoiceRead + PaymentRead + PaymentWrite> ReconciliationStore for T {}

/// The entry record for `facts`, before any decision.
pub(crate) fn fresh_entry(ctx: &Context, statement: StatementId, facts: &EntryFacts) -> BankEntry {
    let mut entry = BankEntry {
        id: entry_id(statement, facts.seq),
        statement,
        seq: facts.seq,
        key: facts.key.clone(),
        kind: facts.kind,
        booking_date: facts.booking_date,
        amount: facts.amount.clone(),
        currency: facts.currency.clone(),
        money: facts.money,
        reference: facts.reference.clone(),
        counterparty: facts.counterparty.clone(),
        remittance: facts.remittance.clone(),
        status: EntryStatus::Unmatched,
        customer: None,
        allocations: Vec::new(),
        unapplied: None,
        decision: None,
        suggestions: Vec::new(),
        payment: None,
        duplicate_of: None,
        reverses: None,
        reversed_by: None,
        history: Vec::new(),
    };
    entry.record(ctx.now(), "recorded", format!("Read from statement {statement}, entry {}", facts.seq + 1));
    entry
}

pub(crate) fn allocations_of(p: &Proposal, currency: crate::money::Currency, ledger: Option<&Ledger>) -> Vec<EntryAllocation> {
    let money = |minor: i64| Money::from_minor(minor, currency).ok();
    p.allocations
        .iter()
        .map(|a| EntryAllocation {
            invoice: a.invoice,
            number: ledger.and_then(|l| l.number_of(a.invoice)),
            amount: money(a.applied_minor).unwrap_or(Money::zero(currency)),
            discount: (a.discount_minor > 0).then(|| money(a.discount_minor)).flatten(),
            fee: (a.fee_minor > 0).then(|| money(a.fee_minor)).flatten(),
        })
        .collect()
}

pub(crate) fn suggestion_of(p: &Proposal, currency: crate::money::Currency, ledger: Option<&Ledger>) -> Suggestion {
    Suggestion {
        customer: p.customer,
        allocations: allocations_of(p, currency, ledger),
        unapplied: Money::from_minor(p.unapplied_minor, currency).unwrap_or(Money::zero(currency)),
        rule: p.rule.to_owned(),
        confidence: p.confidence,
        explanation: p.explanation.clone(),
    }
}

/// Sets an entry aside or keeps it for a person, in one write.
async fn record_alone<S: ReconciliationStore>(store: &S, entry: BankEntry, claim: bool) -> Result<(), StoreError> {
    store.record_entries(vec![EntryWrite { entry, expected_version: None, claim }], Vec::new()).await
}

/// Settles one entry of `statement`: once, whatever the delivery.
pub async fn settle_entry<S: ReconciliationStore>(store: &S, ctx: &Context, statement: &StatementRecord, facts: &EntryFacts, ledger: &Ledger, policy: &MatchPolicy) -> Result<Settled, ActionError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        if store.bank_entry(statement.id, facts.seq).await?.is_some() {
            return Ok(Settled::Before);
        }
        let mut entry = fresh_entry(ctx, statement.id, facts);
        if let Some(holder) = store.entry_claim(&facts.key).await? {
            if holder != entry.id {
                entry.status = EntryStatus::Ignored;
                entry.duplicate_of = Some(holder.clone());
                entry.decision = Some(EntryMatch { rule: "duplicate".into(), confidence: 100, explanation: format!("the same money as {holder} (same account, bank reference or contents): applied at most once") });
                entry.record(ctx.now(), "ignored", format!("Repeats {holder}"));
                match record_alone(store, entry, false).await {
                    Ok(()) => return Ok(Settled::Now(EntryStatus::Ignored)),
                    Err(StoreError::Conflict) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let written = match (facts.kind, &facts.refusal, &facts.credit) {
            (_, Some(why), _) => {
                entry.decision = Some(EntryMatch { rule: "unreadable".into(), confidence: 0, explanation: why.clone() });
                record_alone(store, entry, true).await.map(|()| EntryStatus::Unmatched)
            }
            (EntryKind::Debit, ..) => {
                entry.status = EntryStatus::Ignored;
                entry.decision = Some(EntryMatch { rule: "debit".into(), confidence: 100, explanation: "money out, not a customer's payment".into() });
                record_alone(store, entry, true).await.map(|()| EntryStatus::Ignored)
            }
            (EntryKind::Reversal, ..) => reversal::settle(store, ctx, entry).await,
            (EntryKind::Credit, _, Some(credit)) => settle_credit(store, ctx, entry, credit, ledger, policy).await,
            (EntryKind::Credit, _, None) => {
                entry.decision = Some(EntryMatch { rule: "unreadable".into(), confidence: 0, explanation: "no booking date or amount to match".into() });
                record_alone(store, entry, true).await.map(|()| EntryStatus::Unmatched)
            }
        };
        match written {
            Ok(status) => return Ok(Settled::Now(status)),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// A credit: applied when the matcher is sure and the invoices still owe
/// what it found; a processor payout; else kept for a person.
async fn settle_credit<S: ReconciliationStore>(store: &S, ctx: &Context, mut entry: BankEntry, credit: &BankCredit, ledger: &Ledger, policy: &MatchPolicy) -> Result<EntryStatus, StoreError> {
    let currency = credit.amount.currency();
    let outcome = match_credit(credit, ledger, policy);
    if let Outcome::Matched(p) = &outcome {
        match apply::apply_proposal(store, ctx, &mut entry, credit, p, ledger).await {
            Ok(apply::Applied::Done) => return Ok(EntryStatus::Matched),
            Ok(apply::Applied::Stale(why)) => {
                // The invoices moved since the ledger was read: a person decides.
                entry.status = EntryStatus::Suggested;
                entry.suggestions = vec![suggestion_of(p, currency, Some(ledger))];
                entry.decision = Some(EntryMatch { rule: p.rule.into(), confidence: p.confidence, explanation: format!("{}; not applied: {why}", p.explanation) });
                entry.record(ctx.now(), "suggested", format!("Not applied automatically: {why}"));
                return record_alone(store, entry, true).await.map(|()| EntryStatus::Suggested);
            }
            Err(e) => return Err(e),
        }
    }
    // Only money nothing else explains is taken for a payout: a customer
    // whose name contains a processor's still gets their suggestions.
    if let (Outcome::Unmatched(_), Some(processor)) = (&outcome, payout::processor_of(credit)) {
        return payout::settle(store, ctx, entry, credit, &processor).await;
    }
    match outcome {
        Outcome::Suggested(ps) => {
            entry.status = EntryStatus::Suggested;
            entry.suggestions = ps.iter().take(MAX_SUGGESTIONS).map(|p| suggestion_of(p, currency, Some(ledger))).collect();
            let best = &ps[0];
            entry.decision = Some(EntryMatch { rule: best.rule.into(), confidence: best.confidence, explanation: format!("{} (below the automatic threshold, or not unique)", best.explanation) });
            entry.record(ctx.now(), "suggested", format!("{} suggestion(s); best: {}", entry.suggestions.len(), best.explanation));
            record_alone(store, entry, true).await.map(|()| EntryStatus::Suggested)
        }
        Outcome::Unmatched(why) => {
            entry.decision = Some(EntryMatch { rule: "none".into(), confidence: 0, explanation: why.clone() });
            entry.record(ctx.now(), "unmatched", why);
            record_alone(store, entry, true).await.map(|()| EntryStatus::Unmatched)
        }
        Outcome::Matched(_) => unreachable_matched(),
    }
}

/// A matched outcome returns above; kept apart so no `unreachable!` sits
/// on a request path.
fn unreachable_matched() -> Result<EntryStatus, StoreError> {
    Err(StoreError::Corrupt("a matched outcome fell through".into()))
}
