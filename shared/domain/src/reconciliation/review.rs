//! What a person does with an exception: confirm a suggestion (or name
//! other invoices: a reassignment), hold the money as a customer's credit,
//! or set the entry aside. Each lands in the entry's history, and a
//! confirmation in the invoices' timelines through its payment.

use std::collections::BTreeSet;

use super::apply::{build_payment, commit_applied, Intent, Target, Wanted};
use super::ReconciliationStore;
use crate::actions::{ActionError, Context, FieldProblem};
use crate::bank_entry::{BankEntry, EntryMatch, EntryStatus, EntryWrite};
use crate::ids::{CustomerId, InvoiceId, StatementId};
use crate::money::Money;
use crate::ports::{StoreError, Versioned};

const ATTEMPTS: usize = 12;

/// A person's decision on an exception.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    /// Where the money goes; `None` takes the best suggestion.
    pub allocations: Option<Vec<(InvoiceId, Money)>>,
    /// Whose money it is when no invoice is named: held as their credit.
    pub customer: Option<CustomerId>,
    /// Who decided (the API key's name), for the history.
    pub by: String,
}

fn invalid(field: &str, message: impl Into<String>) -> ActionError {
    ActionError::Invalid(vec![FieldProblem::new(field, message)])
}

async fn open_entry<S: ReconciliationStore>(store: &S, statement: StatementId, seq: u32) -> Result<Versioned<BankEntry>, ActionError> {
    let entry = store.bank_entry(statement, seq).await?.ok_or(ActionError::NotFound("bank entry"))?;
    if !entry.value.status.is_exception() {
        return Err(ActionError::EntrySettled(entry.value.status.as_str()));
    }
    Ok(entry)
}

/// `POST …/entries/{entry}/confirm`: applies the entry as the person says.
pub async fn confirm_entry<S: ReconciliationStore>(store: &S, ctx: &Context, statement: StatementId, seq: u32, decision: &Confirmation) -> Result<BankEntry, ActionError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        let current = open_entry(store, statement, seq).await?;
        let mut entry = current.value.clone();
        // Only money in can pay invoices: confirming a return or a debit
        // would book cash that left the account as cash received.
        if entry.kind != crate::bank_entry::EntryKind::Credit {
            return Err(invalid("entry", "is money out (a return or a debit): it pays no invoice; ignore it once it is accounted for"));
        }
        let amount = entry.money.ok_or_else(|| invalid("entry", "the entry's currency is not one we handle"))?;
        let (wanted, rule, explanation): (Vec<Wanted>, String, String) = match (&decision.allocations, entry.suggestions.first()) {
            (Some(given), _) => {
                let mut seen = BTreeSet::new();
                let mut wanted = Vec::new();
                for (i, (invoice, cash)) in given.iter().enumerate() {
                    if !seen.insert(*invoice) {
                        return Err(invalid(&format!("allocations[{i}].invoice"), "names the same invoice twice"));
                    }
                    if cash.currency() != amount.currency() {
                        return Err(invalid(&format!("allocations[{i}].amount"), format!("must be in the entry's currency, {}", amount.currency())));
                    }
                    if !cash.is_positive() {
                        return Err(invalid(&format!("allocations[{i}].amount"), "must be positive"));
                    }
                    wanted.push(Wanted { invoice: *invoice, cash: *cash, discount: None, fee: None });
                }
                let named = entry.suggestions.first().is_some_and(|s| s.allocations.iter().map(|a| a.invoice).collect::<BTreeSet<_>>() == seen);
                let how = if named { "confirmed as suggested" } else { "assigned by a person" };
                (wanted, "confirmed".into(), format!("{how} ({})", decision.by))
            }
            (None, Some(best)) if decision.customer.is_none() => (
                best.allocations.iter().map(|a| Wanted { invoice: a.invoice, cash: a.amount, discount: a.discount, fee: a.fee }).collect(),
                "confirmed".into(),
                format!("confirmed as suggested ({}): {}", decision.by, best.explanation),
            ),
            (None, _) => match decision.customer {
                Some(_) => (Vec::new(), "confirmed".into(), format!("held as the customer's credit ({})", decision.by)),
                None => return Err(invalid("allocations", "name the invoices this entry pays, or a customer to hold it for; it has no suggestion to confirm")),
            },
        };
        let customer = match (wanted.first(), decision.customer) {
            (Some(first), _) => store.invoice(first.invoice).await?.ok_or_else(|| invalid("allocations[0].invoice", "no such invoice"))?.value.customer,
            (None, Some(c)) => {
                let customer = store.customer(c).await?.ok_or_else(|| invalid("customer", "no such customer"))?.value;
                if customer.currency != amount.currency() {
                    return Err(invalid("customer", format!("pays in {}, the entry is in {}", customer.currency, amount.currency())));
                }
                c
            }
            (None, None) => return Err(invalid("allocations", "name at least one invoice")),
        };
        if decision.customer.is_some_and(|c| c != customer) {
            return Err(invalid("customer", "the invoices belong to another customer"));
        }
        let intent = Intent { amount, customer, wanted, rule, explanation };
        let built = match build_payment(store, ctx, &entry, &intent).await? {
            Ok(b) => b,
            Err(why) => return Err(invalid("allocations", why)),
        };
        let why = EntryMatch { rule: intent.rule, confidence: 100, explanation: intent.explanation };
        entry.record(ctx.now(), "confirmed", format!("{} by {}", if decision.allocations.is_some() { "Assigned" } else { "Confirmed" }, decision.by));
        match commit_applied(store, ctx, Target { entry: &mut entry, expected_version: Some(current.version), claim: false }, &built, why).await {
            Ok(()) => return Ok(entry),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}

/// `POST …/entries/{entry}/ignore`: sets an exception aside, saying why.
pub async fn ignore_entry<S: ReconciliationStore>(store: &S, ctx: &Context, statement: StatementId, seq: u32, reason: Option<&str>, by: &str) -> Result<BankEntry, ActionError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            ctx.pause(attempt).await;
        }
        let current = open_entry(store, statement, seq).await?;
        let mut entry = current.value;
        entry.status = EntryStatus::Ignored;
        let why = reason.map(str::to_owned).unwrap_or_else(|| "set aside by a person".into());
        entry.record(ctx.now(), "ignored", format!("Ignored by {by}: {why}"));
        entry.decision = Some(EntryMatch { rule: "ignored".into(), confidence: 100, explanation: why });
        match store.record_entries(vec![EntryWrite { entry: entry.clone(), expected_version: Some(current.version), claim: false }], Vec::new()).await {
            Ok(()) => return Ok(entry),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ActionError::ConcurrentUpdate)
}
