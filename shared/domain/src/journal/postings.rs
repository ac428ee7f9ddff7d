//! Which postings a change to a payment makes. Every payment change (a
//! receipt, a refund, a dispute's withdrawal or reinstatement, a bank
//! return) is compared with the payment before it, so the journal follows
//! the payments themselves and no flow can forget to post.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Applied, Posting, Via};
use crate::ids::InvoiceId;
use crate::payment::Payment;

fn via(payment: &Payment) -> Via {
    if payment.processor.is_some() {
        Via::Processor
    } else {
        Via::Bank
    }
}

/// Cash applied per invoice, in minor units.
fn applied(payment: &Payment) -> BTreeMap<InvoiceId, i64> {
    let mut out = BTreeMap::new();
    for a in &payment.allocations {
        *out.entry(a.invoice).or_insert(0) += a.amount.to_minor();
    }
    out
}

/// The postings that take the journal from `before` (`None`: the payment
/// is new) to `after`, dated `on`.
pub fn postings_between(before: Option<&Payment>, after: &Payment, on: NaiveDate) -> Vec<Posting> {
    let (payment, customer, currency, via) = (after.id, after.customer, after.amount.currency(), via(after));
    let Some(before) = before else {
        let applied = after
            .allocations
            .iter()
            .map(|a| Applied { invoice: a.invoice, cash_minor: a.amount.to_minor(), discount_minor: a.discount.map_or(0, |m| m.to_minor()), fee_minor: a.fee.map_or(0, |m| m.to_minor()) })
            .collect();
        // A payment born returned (never happens today) would post nothing.
        let unapplied_minor = after.unapplied.to_minor();
        return vec![Posting::Received { payment, customer, on, currency, via, applied, unapplied_minor }];
    };
    let (was, now) = (applied(before), applied(after));
    let mut invoices: Vec<InvoiceId> = was.keys().chain(now.keys()).copied().collect();
    invoices.sort();
    invoices.dedup();
    let delta = |i: &InvoiceId| now.get(i).copied().unwrap_or(0) - was.get(i).copied().unwrap_or(0);
    let up: Vec<(InvoiceId, i64)> = invoices.iter().map(|i| (*i, delta(i))).filter(|(_, d)| *d > 0).collect();
    let down: Vec<(InvoiceId, i64)> = invoices.iter().map(|i| (*i, -delta(i))).filter(|(_, d)| *d > 0).collect();
    let unapplied_delta = after.unapplied.to_minor() - before.unapplied.to_minor();
    let returned_delta = after.returned.to_minor() - before.returned.to_minor();
    let mut out = Vec::new();
    // Discounts and fees withdrawn (their payment came back) post first:
    // the receivable they reopen is then taken with the cash.
    let credits = |p: &Payment| -> BTreeMap<InvoiceId, (i64, i64)> {
        let mut m = BTreeMap::new();
        for a in &p.allocations {
            let e = m.entry(a.invoice).or_insert((0, 0));
            e.0 += a.discount.map_or(0, |d| d.to_minor());
            e.1 += a.fee.map_or(0, |f| f.to_minor());
        }
        m
    };
    let (had, has) = (credits(before), credits(after));
    let reversed: Vec<(InvoiceId, i64, i64)> = had
        .iter()
        .map(|(i, (d, f))| {
            let (d2, f2) = has.get(i).copied().unwrap_or((0, 0));
            (*i, (d - d2).max(0), (f - f2).max(0))
        })
        .filter(|(_, d, f)| *d > 0 || *f > 0)
        .collect();
    if !reversed.is_empty() {
        out.push(Posting::CreditReversed { payment, customer, on, currency, reversed });
    }
    if returned_delta > 0 {
        let from_credit_minor = (-unapplied_delta).max(0);
        let refunded = after.history.last().is_some_and(|h| h.kind == "refunded");
        out.push(if refunded {
            Posting::Refunded { payment, customer, on, currency, via, from_credit_minor, reopened: down }
        } else {
            Posting::Reversed { payment, customer, on, currency, via, from_credit_minor, reopened: down }
        });
    } else if returned_delta < 0 {
        let applied = up.iter().map(|(invoice, cash)| Applied { invoice: *invoice, cash_minor: *cash, discount_minor: 0, fee_minor: 0 }).collect();
        out.push(Posting::Received { payment, customer, on, currency, via, applied, unapplied_minor: unapplied_delta.max(0) });
    } else if !up.is_empty() && down.is_empty() && unapplied_delta == -up.iter().map(|(_, c)| c).sum::<i64>() {
        out.push(Posting::Transferred { payment, customer, on, currency, from_credit_minor: -unapplied_delta, applied: up });
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use proptest::prelude::*;
    use ulid::Ulid;

    use super::*;
    use crate::ids::{CustomerId, PaymentId};
    use crate::journal::{journal, Account, Periods};
    use crate::money::{Currency, Money};
    use crate::payment::{Allocation, PaymentEntry, PaymentMethod};

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn payment(amount: i64, allocations: &[(InvoiceId, i64)]) -> Payment {
        let allocated: i64 = allocations.iter().map(|a| a.1).sum();
        Payment {
            id: PaymentId::from_ulid(Ulid::new()),
            customer: Some(CustomerId::from_ulid(Ulid::new())),
            amount: eur(amount),
            received_at: Utc::now(),
            method: PaymentMethod::BankTransfer,
            reference: None,
            allocations: allocations.iter().map(|(i, a)| Allocation { invoice: *i, invoice_number: None, amount: eur(*a), rule: "t".into(), explanation: String::new(), discount: None, fee: None }).collect(),
            unapplied: eur(amount - allocated),
            returned: eur(0),
            exception: None,
            processor: None,
            history: vec![],
            created_at: Utc::now(),
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    fn net(lines: &[crate::journal::JournalLine], account: Account) -> i64 {
        lines.iter().filter(|l| l.account == account).map(|l| l.debit_minor - l.credit_minor).sum()
    }

    #[test]
    fn a_new_payment_posts_its_cash_to_the_bank_and_its_discount_and_fee_beside_it() {
        let inv = InvoiceId::from_ulid(Ulid::new());
        let mut p = payment(9_750, &[(inv, 9_700)]);
        p.allocations[0].discount = Some(eur(200));
        p.allocations[0].fee = Some(eur(100));
        let lines = journal(&postings_between(None, &p, day()), &Periods::default());
        assert_eq!((net(&lines, Account::Bank), net(&lines, Account::DiscountsAllowed), net(&lines, Account::BankFees), net(&lines, Account::Receivables), net(&lines, Account::CustomerCredit)), (9_750, 200, 100, -10_000, -50));
    }

    #[test]
    fn a_refund_takes_credit_first_then_reopens_the_invoice() {
        let inv = InvoiceId::from_ulid(Ulid::new());
        let before = payment(10_000, &[(inv, 8_000)]);
        let mut after = before.clone();
        after.take_back(eur(3_000)).unwrap();
        after.record(PaymentEntry { at: Utc::now(), kind: "refunded".into(), amount: eur(3_000), summary: String::new(), processor_event: None });
        let postings = postings_between(Some(&before), &after, day());
        assert!(matches!(&postings[..], [Posting::Refunded { from_credit_minor: 2_000, reopened, .. }] if reopened == &vec![(inv, 1_000)]));
        let lines = journal(&postings, &Periods::default());
        assert_eq!((net(&lines, Account::Bank), net(&lines, Account::Receivables), net(&lines, Account::CustomerCredit)), (-3_000, 1_000, 2_000));
    }

    #[test]
    fn a_returned_discounted_payment_withdraws_its_discount_and_undoes_everything_it_posted() {
        let inv = InvoiceId::from_ulid(Ulid::new());
        let mut before = payment(9_800, &[(inv, 9_800)]);
        before.allocations[0].discount = Some(eur(200));
        let mut after = before.clone();
        after.take_back(eur(9_800)).unwrap();
        after.allocations[0].discount = None;
        let mut postings = postings_between(None, &before, day());
        postings.extend(postings_between(Some(&before), &after, day()));
        let lines = journal(&postings, &Periods::default());
        assert_eq!((net(&lines, Account::Bank), net(&lines, Account::DiscountsAllowed), net(&lines, Account::Receivables)), (0, 0, 0));
        let mut by_entry = std::collections::BTreeMap::new();
        for l in &lines {
            *by_entry.entry(l.entry.clone()).or_insert(0i64) += l.debit_minor - l.credit_minor;
        }
        assert!(by_entry.values().all(|v| *v == 0), "{lines:#?}");
    }

    #[test]
    fn a_change_that_moves_no_money_posts_nothing() {
        let inv = InvoiceId::from_ulid(Ulid::new());
        let p = payment(10_000, &[(inv, 10_000)]);
        assert!(postings_between(Some(&p), &p, day()).is_empty());
    }

    proptest! {
        /// Whatever is taken back and put back, the bank moves by exactly
        /// the cash the payment still holds, and every entry balances.
        #[test]
        fn the_bank_always_holds_what_the_payment_holds(
            allocs in proptest::collection::vec(1i64..50_000, 0..5),
            extra in 0i64..20_000,
            takes in proptest::collection::vec(1i64..30_000, 0..4),
        ) {
            let invoices: Vec<(InvoiceId, i64)> = allocs.iter().map(|a| (InvoiceId::from_ulid(Ulid::new()), *a)).collect();
            let amount = allocs.iter().sum::<i64>() + extra;
            let mut p = payment(amount, &invoices);
            let mut postings = postings_between(None, &p, day());
            for t in takes {
                let before = p.clone();
                if p.take_back(eur(t)).is_ok() {
                    postings.extend(postings_between(Some(&before), &p, day()));
                }
            }
            let lines = journal(&postings, &Periods::default());
            prop_assert_eq!(net(&lines, Account::Bank), p.held().to_minor());
            prop_assert_eq!(net(&lines, Account::CustomerCredit), -p.unapplied.to_minor());
            let mut by_entry = std::collections::BTreeMap::new();
            for l in &lines { *by_entry.entry(l.entry.clone()).or_insert(0i64) += l.debit_minor - l.credit_minor; }
            prop_assert!(by_entry.values().all(|v| *v == 0));
        }
    }
}
