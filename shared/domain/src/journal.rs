//! The accounting export: double-entry journal lines for every movement of
//! cash o2c records, so finance can post them to the general ledger.
//!
//! Accounts (mapped to the company's chart by the importer):
//! `bank`, `receivables`, `discounts_allowed`, `bank_fees`, `clearing`
//! (money a processor holds before it pays out) and `customer_credit`
//! (cash received and not yet applied). Every [`Posting`] becomes lines
//! whose debits equal their credits, to the cent, in one currency.
//!
//! Periods close: a posting dated in a closed period is never added to it;
//! it posts on the first day of the open period, saying what it corrects.
//! Pure: no I/O.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

pub mod postings;

use crate::ids::{CustomerId, InvoiceId, PaymentId};
use crate::money::Currency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    Bank,
    Receivables,
    DiscountsAllowed,
    BankFees,
    Clearing,
    CustomerCredit,
}

impl Account {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bank => "bank",
            Self::Receivables => "receivables",
            Self::DiscountsAllowed => "discounts_allowed",
            Self::BankFees => "bank_fees",
            Self::Clearing => "clearing",
            Self::CustomerCredit => "customer_credit",
        }
    }
}

/// Where received money first lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A bank statement credit or a manual payment: the bank account.
    Bank,
    /// A processor charge: held in clearing until the payout.
    Processor,
}

impl Via {
    fn account(self) -> Account {
        match self {
            Self::Bank => Account::Bank,
            Self::Processor => Account::Clearing,
        }
    }
}

/// One part of received money applied to an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub invoice: InvoiceId,
    pub cash_minor: i64,
    pub discount_minor: i64,
    pub fee_minor: i64,
}

/// A movement of money, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Posting {
    /// Money received and applied (the rest held as the customer's credit).
    Received { payment: PaymentId, customer: Option<CustomerId>, on: NaiveDate, currency: Currency, via: Via, applied: Vec<Applied>, unapplied_minor: i64 },
    /// Money paid back to the customer (a refund): out of credit first,
    /// then the receivable the reversal reopened.
    Refunded { payment: PaymentId, customer: Option<CustomerId>, on: NaiveDate, currency: Currency, via: Via, from_credit_minor: i64, reopened: Vec<(InvoiceId, i64)> },
    /// Money received earlier came back out (a bank return, a lost dispute).
    Reversed { payment: PaymentId, customer: Option<CustomerId>, on: NaiveDate, currency: Currency, via: Via, from_credit_minor: i64, reopened: Vec<(InvoiceId, i64)> },
    /// Discounts and absorbed fees withdrawn because their payment came
    /// back: `(invoice, discount, fee)` in minor units, due again.
    CreditReversed { payment: PaymentId, customer: Option<CustomerId>, on: NaiveDate, currency: Currency, reversed: Vec<(InvoiceId, i64, i64)> },
    /// Credit the customer already had, applied to invoices later.
    Transferred { payment: PaymentId, customer: Option<CustomerId>, on: NaiveDate, currency: Currency, from_credit_minor: i64, applied: Vec<(InvoiceId, i64)> },
    /// A processor paid out to the bank (fees it kept are bank fees).
    PaidOut { reference: String, on: NaiveDate, currency: Currency, gross_minor: i64, fee_minor: i64 },
}

impl Posting {
    /// The day the movement happened.
    pub fn on(&self) -> NaiveDate {
        match self {
            Self::Received { on, .. } | Self::Refunded { on, .. } | Self::Reversed { on, .. } | Self::Transferred { on, .. } | Self::CreditReversed { on, .. } | Self::PaidOut { on, .. } => *on,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalLine {
    /// Lines of one posting share it: `<source>:<n>`.
    pub entry: String,
    pub posted_on: NaiveDate,
    pub account: Account,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub currency: Currency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceId>,
    pub memo: String,
}

/// Which days are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Periods {
    /// Every day up to and including this one is closed.
    pub closed_through: Option<NaiveDate>,
}

impl Periods {
    /// The day a posting dated `on` posts on.
    pub fn posting_day(&self, on: NaiveDate) -> NaiveDate {
        match self.closed_through {
            Some(closed) if on <= closed => closed + Duration::days(1),
            _ => on,
        }
    }
}

struct Builder<'a> {
    lines: Vec<JournalLine>,
    entry: String,
    on: NaiveDate,
    currency: Currency,
    customer: Option<CustomerId>,
    memo: &'a str,
}

impl Builder<'_> {
    fn line(&mut self, account: Account, debit_minor: i64, credit_minor: i64, invoice: Option<InvoiceId>) {
        if debit_minor == 0 && credit_minor == 0 {
            return;
        }
        self.lines.push(JournalLine { entry: self.entry.clone(), posted_on: self.on, account, debit_minor, credit_minor, currency: self.currency, customer: self.customer, invoice, memo: self.memo.to_owned() });
    }
}

/// The lines of one posting, `n` numbering it within its source.
pub fn lines(posting: &Posting, n: usize, periods: &Periods) -> Vec<JournalLine> {
    let (source, on, currency, customer) = match posting {
        Posting::Received { payment, customer, on, currency, .. }
        | Posting::Refunded { payment, customer, on, currency, .. }
        | Posting::Reversed { payment, customer, on, currency, .. }
        | Posting::Transferred { payment, customer, on, currency, .. }
        | Posting::CreditReversed { payment, customer, on, currency, .. } => (payment.to_string(), *on, *currency, *customer),
        Posting::PaidOut { reference, on, currency, .. } => (format!("payout:{reference}"), *on, *currency, None),
    };
    let day = periods.posting_day(on);
    let late = if day == on { String::new() } else { format!(" (dated {on}, posted in the open period)") };
    let kind = match posting {
        Posting::Received { .. } => "received",
        Posting::Refunded { .. } => "refunded",
        Posting::Reversed { .. } => "reversed",
        Posting::Transferred { .. } => "credit applied",
        Posting::CreditReversed { .. } => "discount or fee withdrawn",
        Posting::PaidOut { .. } => "paid out",
    };
    let memo = format!("{source} {kind}{late}");
    let mut b = Builder { lines: Vec::new(), entry: format!("{source}:{n}"), on: day, currency, customer, memo: &memo };
    match posting {
        Posting::Received { via, applied, unapplied_minor, .. } => {
            let cash: i64 = applied.iter().map(|a| a.cash_minor).sum::<i64>() + unapplied_minor;
            b.line(via.account(), cash, 0, None);
            for a in applied {
                b.line(Account::DiscountsAllowed, a.discount_minor, 0, Some(a.invoice));
                b.line(Account::BankFees, a.fee_minor, 0, Some(a.invoice));
                b.line(Account::Receivables, 0, a.cash_minor + a.discount_minor + a.fee_minor, Some(a.invoice));
            }
            b.line(Account::CustomerCredit, 0, *unapplied_minor, None);
        }
        Posting::Refunded { via, from_credit_minor, reopened, .. } | Posting::Reversed { via, from_credit_minor, reopened, .. } => {
            b.line(Account::CustomerCredit, *from_credit_minor, 0, None);
            for (invoice, amount) in reopened {
                b.line(Account::Receivables, *amount, 0, Some(*invoice));
            }
            let out: i64 = from_credit_minor + reopened.iter().map(|(_, a)| a).sum::<i64>();
            b.line(via.account(), 0, out, None);
        }
        Posting::Transferred { from_credit_minor, applied, .. } => {
            b.line(Account::CustomerCredit, *from_credit_minor, 0, None);
            for (invoice, amount) in applied {
                b.line(Account::Receivables, 0, *amount, Some(*invoice));
            }
        }
        Posting::CreditReversed { reversed, .. } => {
            for (invoice, discount, fee) in reversed {
                b.line(Account::Receivables, discount + fee, 0, Some(*invoice));
                b.line(Account::DiscountsAllowed, 0, *discount, Some(*invoice));
                b.line(Account::BankFees, 0, *fee, Some(*invoice));
            }
        }
        Posting::PaidOut { gross_minor, fee_minor, .. } => {
            b.line(Account::Bank, gross_minor - fee_minor, 0, None);
            b.line(Account::BankFees, *fee_minor, 0, None);
            b.line(Account::Clearing, 0, *gross_minor, None);
        }
    }
    b.lines
}

/// The journal of `postings` (in order), within `periods`.
pub fn journal(postings: &[Posting], periods: &Periods) -> Vec<JournalLine> {
    postings.iter().enumerate().flat_map(|(n, p)| lines(p, n + 1, periods)).collect()
}

/// `entry,posted_on,account,debit,credit,currency,customer,invoice,memo`,
/// amounts in major units with the currency's decimals; RFC 4180 quoting.
pub fn to_csv(lines: &[JournalLine]) -> String {
    let mut out = String::from("entry,posted_on,account,debit,credit,currency,customer,invoice,memo\r\n");
    for l in lines {
        let money = |minor: i64| crate::money::Money::from_minor(minor, l.currency).map(|m| m.to_string()).unwrap_or_default();
        let quote = |s: &str| if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            quote(&l.entry),
            l.posted_on,
            l.account.as_str(),
            money(l.debit_minor),
            money(l.credit_minor),
            l.currency,
            l.customer.map(|c| c.to_string()).unwrap_or_default(),
            l.invoice.map(|i| i.to_string()).unwrap_or_default(),
            quote(&l.memo)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn balanced(lines: &[JournalLine]) -> bool {
        let mut by_entry: BTreeMap<&str, i64> = BTreeMap::new();
        for l in lines {
            *by_entry.entry(&l.entry).or_default() += l.debit_minor - l.credit_minor;
        }
        by_entry.values().all(|v| *v == 0)
    }

    #[test]
    fn a_discounted_payment_credits_the_whole_receivable_and_debits_the_discount() {
        let inv = InvoiceId::from_ulid(ulid::Ulid::new());
        let p = Posting::Received { payment: PaymentId::from_ulid(ulid::Ulid::new()), customer: None, on: d("2026-11-20"), currency: eur(), via: Via::Bank, applied: vec![Applied { invoice: inv, cash_minor: 9_800, discount_minor: 200, fee_minor: 0 }], unapplied_minor: 50 };
        let l = journal(&[p], &Periods::default());
        let get = |a: Account| l.iter().filter(|x| x.account == a).map(|x| x.debit_minor - x.credit_minor).sum::<i64>();
        assert_eq!((get(Account::Bank), get(Account::DiscountsAllowed), get(Account::Receivables), get(Account::CustomerCredit)), (9_850, 200, -10_000, -50));
        assert!(balanced(&l));
        let csv = to_csv(&l);
        assert!(csv.starts_with("entry,posted_on,account,debit,credit") && csv.contains(",discounts_allowed,2.00,0.00,EUR,"), "{csv}");
    }

    #[test]
    fn a_payout_moves_clearing_to_the_bank_less_the_processors_fee() {
        let l = journal(&[Posting::PaidOut { reference: "po_1".into(), on: d("2026-11-21"), currency: eur(), gross_minor: 100_000, fee_minor: 290 }], &Periods::default());
        assert!(balanced(&l));
        assert_eq!(l.iter().find(|x| x.account == Account::Bank).map(|x| x.debit_minor), Some(99_710));
    }

    #[test]
    fn a_posting_dated_in_a_closed_period_posts_on_the_first_open_day_and_says_so() {
        let periods = Periods { closed_through: Some(d("2026-10-31")) };
        let p = Posting::Reversed { payment: PaymentId::from_ulid(ulid::Ulid::new()), customer: None, on: d("2026-10-30"), currency: eur(), via: Via::Bank, from_credit_minor: 0, reopened: vec![(InvoiceId::from_ulid(ulid::Ulid::new()), 5_000)] };
        let l = journal(&[p], &periods);
        assert!(l.iter().all(|x| x.posted_on == d("2026-11-01") && x.memo.contains("dated 2026-10-30")));
        assert!(balanced(&l));
    }

    proptest! {
        /// Any mix of postings: every entry balances to the cent, nothing
        /// posts into the closed period, and receivables move by exactly
        /// what was applied, discounted and absorbed less what reopened.
        #[test]
        fn every_entry_balances_and_nothing_posts_into_a_closed_period(
            parts in proptest::collection::vec((0i64..1_000_000, 0i64..5_000, 0i64..2_000, 0i64..100_000, 0u8..4, 0i64..60), 1..30),
            closed in 0i64..60,
        ) {
            let base = d("2026-10-01");
            let periods = Periods { closed_through: Some(base + Duration::days(closed)) };
            let inv = InvoiceId::from_ulid(ulid::Ulid::new());
            let mut expected_receivables = 0i64;
            let postings: Vec<Posting> = parts.iter().map(|&(cash, disc, fee, extra, kind, day)| {
                let on = base + Duration::days(day);
                let pay = PaymentId::from_ulid(ulid::Ulid::new());
                match kind {
                    0 => { expected_receivables -= cash + disc + fee; Posting::Received { payment: pay, customer: None, on, currency: eur(), via: Via::Bank, applied: vec![Applied { invoice: inv, cash_minor: cash, discount_minor: disc, fee_minor: fee }], unapplied_minor: extra } }
                    1 => { expected_receivables -= cash; Posting::Received { payment: pay, customer: None, on, currency: eur(), via: Via::Processor, applied: vec![Applied { invoice: inv, cash_minor: cash, discount_minor: 0, fee_minor: 0 }], unapplied_minor: 0 } }
                    2 => { expected_receivables += cash; Posting::Reversed { payment: pay, customer: None, on, currency: eur(), via: Via::Bank, from_credit_minor: extra, reopened: vec![(inv, cash)] } }
                    _ => Posting::PaidOut { reference: format!("po_{day}"), on, currency: eur(), gross_minor: cash + fee, fee_minor: fee },
                }
            }).collect();
            let l = journal(&postings, &periods);
            prop_assert!(balanced(&l));
            prop_assert!(l.iter().all(|x| x.posted_on > base + Duration::days(closed)));
            prop_assert!(l.iter().all(|x| x.debit_minor >= 0 && x.credit_minor >= 0 && (x.debit_minor == 0) != (x.credit_minor == 0)));
            let receivables: i64 = l.iter().filter(|x| x.account == Account::Receivables).map(|x| x.debit_minor - x.credit_minor).sum();
            prop_assert_eq!(receivables, expected_receivables);
        }
    }
}
