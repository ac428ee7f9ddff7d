//! Invoices: lines, per-rate tax and totals exactly as the contract defines
//! them, and the life cycle through [`InvoiceStatus::next`].

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::{Customer, Metadata};
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice_number::InvoiceNumber;
use crate::invoice_status::{InvoiceStatus, TransitionError, Trigger};
use crate::money::{line_amount, Currency, Money, MoneyError, Quantity, TaxRate, UnitAmount};
use crate::text::BoundedText;

/// Lines per invoice: what a person can read on a PDF, and a bound on the
/// stored item (see docs/data-model.md).
pub const MAX_LINES: usize = 250;

/// Encoded size an invoice may reach. Characters are bounded field by
/// field, but DynamoDB counts bytes (a CJK character is 3): this budget
/// keeps the item, with its keys and attribute names, below the 400 KB
/// item limit for any mix of scripts.
pub const MAX_ENCODED_BYTES: usize = 300_000;

pub type LineDescription = BoundedText<500>;
pub type Memo = BoundedText<2000>;
pub type PoNumber = BoundedText<64>;
/// Why the customer disputes an invoice, in their words.
pub type DisputeReason = BoundedText<500>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: LineDescription,
    pub quantity: Quantity,
    pub unit_amount: UnitAmount,
    pub tax_rate: TaxRate,
    /// `quantity x unit_amount`, rounded half away from zero.
    pub amount: Money,
}

/// A line as a caller describes it, before its amount is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub description: LineDescription,
    pub quantity: Quantity,
    pub unit_amount: UnitAmount,
    pub tax_rate: TaxRate,
}

/// Tax for one rate: the rate applied once to the sum of its lines
/// (EN 16931), not line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAmount {
    pub tax_rate: TaxRate,
    pub taxable_amount: Money,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Money,
    pub tax_amounts: Vec<TaxAmount>,
    pub tax: Money,
    pub total: Money,
}

/// Computes line amounts and totals per the contract's money rules.
pub fn price_lines(lines: &[LineInput], currency: Currency) -> Result<(Vec<InvoiceLine>, Totals), MoneyError> {
    let mut priced = Vec::with_capacity(lines.len());
    let mut subtotal = Money::zero(currency);
    let mut by_rate: Vec<(TaxRate, Money)> = Vec::new();
    for l in lines {
        let amount = line_amount(l.quantity, l.unit_amount, currency)?;
        subtotal = subtotal.checked_add(amount)?;
        match by_rate.iter_mut().find(|(r, _)| *r == l.tax_rate) {
            Some((_, base)) => *base = base.checked_add(amount)?,
            None => by_rate.push((l.tax_rate, amount)),
        }
        priced.push(InvoiceLine {
            description: l.description.clone(),
            quantity: l.quantity,
            unit_amount: l.unit_amount,
            tax_rate: l.tax_rate,
            amount,
        });
    }
    by_rate.sort_by_key(|a| a.0);
    let mut tax = Money::zero(currency);
    let mut tax_amounts = Vec::with_capacity(by_rate.len());
    for (rate, base) in by_rate {
        let amount = rate.of(base)?;
        tax = tax.checked_add(amount)?;
        tax_amounts.push(TaxAmount { tax_rate: rate, taxable_amount: base, amount });
    }
    let total = subtotal.checked_add(tax)?;
    Ok((priced, Totals { subtotal, tax_amounts, tax, total }))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("an invoice needs at least one line")]
    NoLines,
    #[error("an invoice has at most {MAX_LINES} lines")]
    TooManyLines,
    #[error("the invoice currency {invoice} differs from the customer's {customer}")]
    CurrencyDiffersFromCustomer { invoice: Currency, customer: Currency },
    #[error("due_date is before issue_date")]
    DueBeforeIssue,
    #[error("amounts: {0}")]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the invoice number's year {number} differs from the issue year {issue}")]
    NumberYearMismatch { number: i32, issue: i32 },
    #[error("only drafts can be edited")]
    NotADraft,
    #[error("a payment cannot exceed the amount due")]
    MoreThanDue,
    #[error("cannot take back more than was paid")]
    MoreThanPaid,
    #[error("{0}")]
    NotNow(&'static str),
    #[error("must be today or later")]
    PromiseInPast,
    #[error("the invoice is too large to store ({bytes} bytes encoded, at most {MAX_ENCODED_BYTES}); use fewer or shorter lines")]
    TooLarge { bytes: usize },
}

/// What a caller asks for when creating (or replacing) a draft.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    pub currency: Option<Currency>,
    pub lines: Vec<LineInput>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub memo: Option<Memo>,
    pub po_number: Option<PoNumber>,
    pub metadata: Metadata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer: CustomerId,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub totals: Totals,
    pub amount_paid: Money,
    pub amount_credited: Money,
    pub status: InvoiceStatus,
    pub number: Option<InvoiceNumber>,
    /// Null on a draft that did not name one: set at finalize to the
    /// company's today.
    pub issue_date: Option<NaiveDate>,
    /// Null on a draft that did not name one: issue date + `net_days`.
    pub due_date: Option<NaiveDate>,
    /// The customer's net days when the draft was made, so later changes
    /// to the customer's terms do not move this invoice's due date.
    pub net_days: u16,
    /// The customer's early-payment discount when the draft was made
    /// (`2/10`): paying inside the window settles the invoice for less.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_payment_discount: Option<crate::customer::EarlyPaymentDiscount>,
    pub memo: Option<Memo>,
    pub po_number: Option<PoNumber>,
    /// Empty maps are not stored: DynamoDB Local's stream cannot encode them.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    pub disputed: bool,
    /// The reason given when the customer disputed it through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_reason: Option<DisputeReason>,
    /// The customer promised to pay by this date: reminders pause until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_until: Option<NaiveDate>,
    /// The dunning steps planned at finalize, with what became of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<crate::reminder::ReminderSlot>,
    pub created_at: DateTime<Utc>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl Invoice {
    pub fn draft(id: InvoiceId, customer: &Customer, request: DraftRequest, now: DateTime<Utc>) -> Result<Self, InvoiceError> {
        let currency = request.currency.unwrap_or(customer.currency);
        if currency != customer.currency {
            return Err(InvoiceError::CurrencyDiffersFromCustomer { invoice: currency, customer: customer.currency });
        }
        let zero = Money::zero(currency);
        let mut invoice = Self {
            id,
            customer: customer.id,
            currency,
            lines: Vec::new(),
            totals: Totals { subtotal: zero, tax_amounts: Vec::new(), tax: zero, total: zero },
            amount_paid: zero,
            amount_credited: zero,
            status: InvoiceStatus::Draft,
            number: None,
            issue_date: None,
            due_date: None,
            net_days: customer.payment_terms.net_days(),
            early_payment_discount: customer.payment_terms.discount(),
            memo: None,
            po_number: None,
            metadata: Metadata::new(),
            disputed: false,
            dispute_reason: None,
            promised_until: None,
            reminders: Vec::new(),
            created_at: now,
            finalized_at: None,
            paid_at: None,
        };
        invoice.replace_draft(request)?;
        Ok(invoice)
    }

    /// Replaces a draft's editable content; open invoices are never changed.
    pub fn replace_draft(&mut self, request: DraftRequest) -> Result<(), InvoiceError> {
        if self.status != InvoiceStatus::Draft {
            return Err(InvoiceError::NotADraft);
        }
        if let Some(c) = request.currency {
            if c != self.currency {
                return Err(InvoiceError::CurrencyDiffersFromCustomer { invoice: c, customer: self.currency });
            }
        }
        if request.lines.is_empty() {
            return Err(InvoiceError::NoLines);
        }
        if request.lines.len() > MAX_LINES {
            return Err(InvoiceError::TooManyLines);
        }
        if let (Some(issue), Some(due)) = (request.issue_date, request.due_date) {
            if due < issue {
                return Err(InvoiceError::DueBeforeIssue);
            }
        }
        let (lines, totals) = price_lines(&request.lines, self.currency)?;
        self.lines = lines;
        self.totals = totals;
        self.issue_date = request.issue_date;
        self.due_date = request.due_date;
        self.memo = request.memo;
        self.po_number = request.po_number;
        self.metadata = request.metadata;
        let bytes = self.encoded_size();
        if bytes > MAX_ENCODED_BYTES {
            return Err(InvoiceError::TooLarge { bytes });
        }
        Ok(())
    }

    /// Bytes of the invoice as stored (JSON is a close upper estimate of
    /// DynamoDB's item size for the same attribute names and strings).
    pub fn encoded_size(&self) -> usize {
        serde_json::to_vec(self).map(|v| v.len()).unwrap_or(usize::MAX)
    }

    /// `total - amount_paid - amount_credited`; never negative because
    /// allocations never exceed what is due.
    pub fn amount_due(&self) -> Money {
        let due = self
            .totals
            .total
            .amount()
            - self.amount_paid.amount()
            - self.amount_credited.amount();
        Money::from_decimal_exact(due.max(rust_decimal::Decimal::ZERO), self.currency).unwrap_or(Money::zero(self.currency))
    }

    /// The issue date finalize will use: the draft's own, else `today`
    /// (the company's today, in its time zone).
    pub fn effective_issue_date(&self, today: NaiveDate) -> NaiveDate {
        self.issue_date.unwrap_or(today)
    }

    /// The numbering year finalize needs a number for.
    pub fn numbering_year(&self, today: NaiveDate) -> i32 {
        self.effective_issue_date(today).year()
    }

    /// Open -> void, only while nothing is paid or credited.
    pub fn void(&mut self) -> Result<(), InvoiceError> {
        let anything = !self.amount_paid.is_zero() || !self.amount_credited.is_zero();
        self.status = self.status.next(Trigger::Void { anything_paid_or_credited: anything })?;
        Ok(())
    }

    /// Open -> uncollectible.
    pub fn mark_uncollectible(&mut self) -> Result<(), InvoiceError> {
        self.status = self.status.next(Trigger::MarkUncollectible)?;
        Ok(())
    }

    /// Applies `amount` of a payment: never more than is due. Open or
    /// uncollectible invoices become paid when nothing is left due.
    pub fn apply_payment(&mut self, amount: Money, now: DateTime<Utc>) -> Result<(), InvoiceError> {
        if amount.amount() > self.amount_due().amount() || amount.is_negative() {
            return Err(InvoiceError::MoreThanDue);
        }
        let paid = self.amount_paid.checked_add(amount)?;
        let due_is_zero = self.totals.total.checked_sub(paid)?.checked_sub(self.amount_credited)?.is_zero();
        self.status = self.status.next(Trigger::BalanceChanged { due_is_zero })?;
        self.amount_paid = paid;
        if self.status == InvoiceStatus::Paid && self.paid_at.is_none() {
            self.paid_at = Some(now);
        }
        Ok(())
    }

    /// The early-payment discount this invoice offers: the amount (the
    /// percentage of the total, rounded half away from zero) and the last
    /// day it may be taken (issue date + discount days). `None` before
    /// finalize, or when the terms had none.
    pub fn discount_offer(&self) -> Option<(Money, NaiveDate)> {
        let terms = self.early_payment_discount?;
        let issued = self.issue_date?;
        let amount = terms.percent.of(self.totals.total).ok()?;
        amount.is_positive().then(|| (amount, issued + Duration::days(i64::from(terms.days))))
    }

    /// Credits `amount` against what is due without cash: an early-payment
    /// discount taken, or a bank fee absorbed. Never more than is due.
    pub fn apply_credit(&mut self, amount: Money, now: DateTime<Utc>) -> Result<(), InvoiceError> {
        if amount.amount() > self.amount_due().amount() || amount.is_negative() {
            return Err(InvoiceError::MoreThanDue);
        }
        let credited = self.amount_credited.checked_add(amount)?;
        let due_is_zero = self.totals.total.checked_sub(self.amount_paid)?.checked_sub(credited)?.is_zero();
        self.status = self.status.next(Trigger::BalanceChanged { due_is_zero })?;
        self.amount_credited = credited;
        if self.status == InvoiceStatus::Paid && self.paid_at.is_none() {
            self.paid_at = Some(now);
        }
        Ok(())
    }

    /// Withdraws `amount` of an earlier credit (a discount or absorbed fee
    /// whose payment came back): it is due again.
    pub fn reverse_credit(&mut self, amount: Money) -> Result<(), InvoiceError> {
        if amount.amount() > self.amount_credited.amount() || amount.is_negative() {
            return Err(InvoiceError::MoreThanPaid);
        }
        let credited = self.amount_credited.checked_sub(amount)?;
        let due_is_zero = self.totals.total.checked_sub(self.amount_paid)?.checked_sub(credited)?.is_zero();
        self.status = self.status.next(Trigger::BalanceChanged { due_is_zero })?;
        self.amount_credited = credited;
        if self.status != InvoiceStatus::Paid {
            self.paid_at = None;
        }
        Ok(())
    }

    /// Takes back `amount` of applied cash (refund, dispute loss,
    /// reversal): a paid invoice opens again.
    pub fn reverse_payment(&mut self, amount: Money) -> Result<(), InvoiceError> {
        if amount.amount() > self.amount_paid.amount() || amount.is_negative() {
            return Err(InvoiceError::MoreThanPaid);
        }
        let paid = self.amount_paid.checked_sub(amount)?;
        let due_is_zero = self.totals.total.checked_sub(paid)?.checked_sub(self.amount_credited)?.is_zero();
        self.status = self.status.next(Trigger::BalanceChanged { due_is_zero })?;
        self.amount_paid = paid;
        if self.status != InvoiceStatus::Paid {
            self.paid_at = None;
        }
        Ok(())
    }

    /// The customer disputes the invoice (again, with a new reason): no
    /// reminder goes out while it is disputed. Finalized invoices only.
    pub fn dispute(&mut self, reason: DisputeReason) -> Result<(), InvoiceError> {
        if matches!(self.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
            return Err(InvoiceError::Transition(TransitionError { from: self.status.as_str(), action: "be disputed" }));
        }
        self.disputed = true;
        self.dispute_reason = Some(reason);
        Ok(())
    }

    /// The dispute is settled: reminders may go out again.
    pub fn resolve_dispute(&mut self) -> Result<(), InvoiceError> {
        if !self.disputed {
            return Err(InvoiceError::NotNow("the invoice is not disputed"));
        }
        self.disputed = false;
        self.dispute_reason = None;
        Ok(())
    }

    /// The customer promises to pay by `date` (today or later): reminders
    /// pause until then. Only an invoice with money due can be promised.
    pub fn promise(&mut self, date: NaiveDate, today: NaiveDate) -> Result<(), InvoiceError> {
        if !matches!(self.status, InvoiceStatus::Open | InvoiceStatus::Uncollectible) {
            return Err(InvoiceError::Transition(TransitionError { from: self.status.as_str(), action: "be promised" }));
        }
        if date < today {
            return Err(InvoiceError::PromiseInPast);
        }
        self.promised_until = Some(date);
        Ok(())
    }

    /// What this invoice adds to its customer's open receivable (`balance`):
    /// its amount due while open; nothing once void or written off.
    pub fn receivable(&self) -> Money {
        match self.status {
            InvoiceStatus::Open | InvoiceStatus::Paid => self.amount_due(),
            _ => Money::zero(self.currency),
        }
    }

    /// Draft -> open (or paid when the total is zero), taking the next
    /// number of the issue year.
    pub fn finalize(&mut self, number: InvoiceNumber, today: NaiveDate, now: DateTime<Utc>) -> Result<(), InvoiceError> {
        let due_is_zero = self.amount_due().is_zero();
        let next = self.status.next(Trigger::Finalize { due_is_zero })?;
        let issue = self.effective_issue_date(today);
        if number.year() != issue.year() {
            return Err(InvoiceError::NumberYearMismatch { number: number.year(), issue: issue.year() });
        }
        let due = self.due_date.unwrap_or(issue + Duration::days(i64::from(self.net_days)));
        if due < issue {
            return Err(InvoiceError::DueBeforeIssue);
        }
        self.status = next;
        self.number = Some(number);
        self.issue_date = Some(issue);
        self.due_date = Some(due);
        self.finalized_at = Some(now);
        if next == InvoiceStatus::Paid {
            self.paid_at = Some(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{EmailStatus, Locale, PaymentTerms, TimeZone};
    use crate::text::Email;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn customer(currency: &str) -> Customer {
        let c = Currency::parse(currency).unwrap();
        Customer {
            id: CustomerId::from_ulid(ulid::Ulid::new()),
            name: BoundedText::parse("Acme GmbH").unwrap(),
            email: Email::parse("ap@acme.example").unwrap(),
            cc: vec![],
            currency: c,
            payment_terms: PaymentTerms::default(),
            locale: Locale::default(),
            time_zone: TimeZone::default(),
            billing_address: None,
            tax_id: None,
            credit_limit: None,
            external_id: None,
            metadata: Metadata::new(),
            balance: Money::zero(c),
            credit_balance: Money::zero(c),
            credit_hold: false,
            email_status: EmailStatus::Ok,
            dunning_policy: None,
            created_at: Utc::now(),
        }
    }

    fn line(q: &str, u: &str, rate: &str) -> LineInput {
        LineInput {
            description: BoundedText::parse("Widget").unwrap(),
            quantity: Quantity::parse(q).unwrap(),
            unit_amount: UnitAmount::parse(u).unwrap(),
            tax_rate: TaxRate::parse(rate).unwrap(),
        }
    }

    fn request(lines: Vec<LineInput>) -> DraftRequest {
        DraftRequest { currency: None, lines, issue_date: None, due_date: None, memo: None, po_number: None, metadata: Metadata::new() }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn tax_is_rounded_once_per_rate_not_per_line() {
        // Three lines of 0.10 at 19%: per line 0.019 -> 0.02 each (0.06);
        // per rate 0.30 x 19% = 0.057 -> 0.06. Use amounts where they differ:
        // 0.05 x 3 at 10%: per line 0.005 -> 0.01 each = 0.03; per rate 0.015 -> 0.02.
        let (_, totals) = price_lines(&[line("1", "0.05", "10"), line("1", "0.05", "10"), line("1", "0.05", "10")], Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!(totals.subtotal.to_string(), "0.15");
        assert_eq!(totals.tax.to_string(), "0.02");
        assert_eq!(totals.total.to_string(), "0.17");
    }

    #[test]
    fn totals_separate_each_tax_rate() {
        let (lines, totals) = price_lines(&[line("2", "10.005", "19"), line("1", "3.333", "7"), line("1", "5", "19")], Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!(lines[0].amount.to_string(), "20.01");
        assert_eq!(lines[1].amount.to_string(), "3.33");
        assert_eq!(totals.tax_amounts.len(), 2);
        assert_eq!(totals.tax_amounts[0].taxable_amount.to_string(), "3.33");
        assert_eq!(totals.tax_amounts[0].amount.to_string(), "0.23");
        assert_eq!(totals.tax_amounts[1].taxable_amount.to_string(), "25.01");
        assert_eq!(totals.tax_amounts[1].amount.to_string(), "4.75");
        assert_eq!(totals.total.to_string(), "33.32");
    }

    #[test]
    fn an_invoice_in_another_currency_than_its_customer_is_refused() {
        let c = customer("EUR");
        let mut r = request(vec![line("1", "1", "0")]);
        r.currency = Some(Currency::parse("USD").unwrap());
        assert!(matches!(Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, r, Utc::now()), Err(InvoiceError::CurrencyDiffersFromCustomer { .. })));
    }

    #[test]
    fn finalize_sets_issue_and_due_dates_from_the_terms() {
        let c = customer("USD");
        let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request(vec![line("1", "100", "0")]), Utc::now()).unwrap();
        let today = date("2026-11-23");
        inv.finalize(InvoiceNumber::new(2026, 7).unwrap(), today, Utc::now()).unwrap();
        assert_eq!(inv.status, InvoiceStatus::Open);
        assert_eq!(inv.issue_date, Some(today));
        assert_eq!(inv.due_date, Some(date("2026-12-23")));
        assert_eq!(inv.number.unwrap().to_string(), "INV-2026-000007");
        assert_eq!(inv.amount_due().to_string(), "100.00");
    }

    #[test]
    fn a_zero_total_invoice_is_paid_when_finalized() {
        let c = customer("USD");
        let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request(vec![line("0", "100", "19")]), Utc::now()).unwrap();
        inv.finalize(InvoiceNumber::new(2026, 1).unwrap(), date("2026-01-01"), Utc::now()).unwrap();
        assert_eq!(inv.status, InvoiceStatus::Paid);
        assert!(inv.paid_at.is_some());
    }

    #[test]
    fn finalizing_twice_is_a_transition_error() {
        let c = customer("USD");
        let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request(vec![line("1", "1", "0")]), Utc::now()).unwrap();
        inv.finalize(InvoiceNumber::new(2026, 1).unwrap(), date("2026-01-01"), Utc::now()).unwrap();
        let again = inv.finalize(InvoiceNumber::new(2026, 2).unwrap(), date("2026-01-01"), Utc::now());
        assert!(matches!(again, Err(InvoiceError::Transition(_))));
        assert_eq!(inv.number.unwrap().sequence(), 1);
    }

    #[test]
    fn a_number_from_another_year_than_the_issue_date_is_refused() {
        let c = customer("USD");
        let mut r = request(vec![line("1", "1", "0")]);
        r.issue_date = Some(date("2025-12-31"));
        let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, r, Utc::now()).unwrap();
        assert_eq!(inv.numbering_year(date("2026-01-01")), 2025);
        assert!(inv.finalize(InvoiceNumber::new(2026, 1).unwrap(), date("2026-01-01"), Utc::now()).is_err());
        assert_eq!(inv.status, InvoiceStatus::Draft);
    }

    #[test]
    fn an_invoice_too_large_to_store_is_refused_whatever_its_script() {
        let c = customer("JPY");
        let wide = "請".repeat(500);
        let lines = (0..MAX_LINES)
            .map(|_| LineInput { description: BoundedText::parse(&wide).unwrap(), ..line("1", "1", "10") })
            .collect();
        let r = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request(lines), Utc::now());
        assert!(matches!(r, Err(InvoiceError::TooLarge { .. })));
        let ascii = (0..MAX_LINES).map(|_| LineInput { description: BoundedText::parse(&"a".repeat(500)).unwrap(), ..line("1", "1", "10") }).collect();
        assert!(Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request(ascii), Utc::now()).is_ok());
    }

    fn any_line() -> impl Strategy<Value = LineInput> {
        (0u64..100_000_000, 0u32..=6, 0u64..10_000_000_000, 0u32..=6, prop::sample::select(vec!["0", "5.5", "7", "19", "20", "8.875", "100"]))
            .prop_map(|(q, qs, u, us, r)| LineInput {
                description: BoundedText::parse("x").unwrap(),
                quantity: Quantity::new(Decimal::new(q as i64, qs)).unwrap(),
                unit_amount: UnitAmount::new(Decimal::new(u as i64, us)).unwrap(),
                tax_rate: TaxRate::parse(r).unwrap(),
            })
    }

    proptest! {
        #[test]
        fn totals_are_the_sums_the_contract_defines(lines in prop::collection::vec(any_line(), 1..30), cur in prop::sample::select(vec!["USD", "JPY", "BHD"])) {
            let currency = Currency::parse(cur).unwrap();
            if let Ok((priced, totals)) = price_lines(&lines, currency) {
                let sum: Decimal = priced.iter().map(|l| l.amount.amount()).sum();
                prop_assert_eq!(totals.subtotal.amount(), sum);
                let tax_sum: Decimal = totals.tax_amounts.iter().map(|t| t.amount.amount()).sum();
                prop_assert_eq!(totals.tax.amount(), tax_sum);
                let base_sum: Decimal = totals.tax_amounts.iter().map(|t| t.taxable_amount.amount()).sum();
                prop_assert_eq!(base_sum, sum);
                prop_assert_eq!(totals.total.amount(), totals.subtotal.amount() + totals.tax.amount());
                for t in &totals.tax_amounts {
                    let exact = t.taxable_amount.amount() * t.tax_rate.percent() / Decimal::ONE_HUNDRED;
                    prop_assert!((t.amount.amount() - exact).abs() <= Decimal::new(5, currency.minor_digits() + 1));
                }
                for amount in [totals.subtotal, totals.tax, totals.total] {
                    prop_assert_eq!(amount.amount().scale(), currency.minor_digits());
                    prop_assert!(!amount.is_negative());
                }
            }
        }
    }

    fn open_invoice(currency: &str, unit: &str) -> Invoice {
        let c = customer(currency);
        let request = DraftRequest { currency: None, lines: vec![line("1", unit, "0")], issue_date: None, due_date: None, memo: None, po_number: None, metadata: Metadata::new() };
        let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request, Utc::now()).unwrap();
        let today = Utc::now().date_naive();
        inv.finalize(InvoiceNumber::new(today.year(), 1).unwrap(), today, Utc::now()).unwrap();
        inv
    }

    #[test]
    fn a_payment_of_what_is_due_makes_the_invoice_paid_and_a_reversal_opens_it_again() {
        let mut inv = open_invoice("USD", "50");
        let fifty = Money::parse("50.00", inv.currency).unwrap();
        inv.apply_payment(fifty, Utc::now()).unwrap();
        assert_eq!((inv.status, inv.amount_due().is_zero()), (InvoiceStatus::Paid, true));
        assert!(inv.paid_at.is_some());
        inv.reverse_payment(Money::parse("0.01", inv.currency).unwrap()).unwrap();
        assert_eq!((inv.status, inv.amount_due().to_string()), (InvoiceStatus::Open, "0.01".to_owned()));
        assert!(inv.paid_at.is_none());
    }

    #[test]
    fn a_payment_above_what_is_due_or_a_reversal_above_what_was_paid_is_refused() {
        let mut inv = open_invoice("JPY", "100");
        assert_eq!(inv.apply_payment(Money::parse("101", inv.currency).unwrap(), Utc::now()), Err(InvoiceError::MoreThanDue));
        assert_eq!(inv.reverse_payment(Money::parse("1", inv.currency).unwrap()), Err(InvoiceError::MoreThanPaid));
        assert_eq!(inv.amount_paid.to_string(), "0");
    }

    #[test]
    fn money_arriving_for_an_uncollectible_invoice_pays_it() {
        let mut inv = open_invoice("BHD", "1.005");
        inv.mark_uncollectible().unwrap();
        assert!(inv.receivable().is_zero(), "a written-off invoice is not receivable");
        inv.apply_payment(Money::parse("1.005", inv.currency).unwrap(), Utc::now()).unwrap();
        assert_eq!(inv.status, InvoiceStatus::Paid);
    }

    proptest! {
        #[test]
        fn amount_due_is_never_negative_whatever_is_applied_or_taken_back(ops in prop::collection::vec((any::<bool>(), 0i64..20_000), 0..40)) {
            let mut inv = open_invoice("EUR", "100");
            for (apply, minor) in ops {
                let m = Money::from_minor(minor, inv.currency).unwrap();
                let before = inv.clone();
                let r = if apply { inv.apply_payment(m, Utc::now()) } else { inv.reverse_payment(m) };
                if r.is_err() {
                    prop_assert_eq!(&inv, &before, "a refused change changes nothing");
                }
                prop_assert!(!inv.amount_due().is_negative());
                prop_assert!(!inv.amount_paid.is_negative());
                prop_assert_eq!(inv.amount_due().amount() + inv.amount_paid.amount(), inv.totals.total.amount());
                prop_assert_eq!(inv.status == InvoiceStatus::Paid, inv.amount_due().is_zero());
            }
        }
    }

    #[test]
    fn a_dispute_is_recorded_and_resolved_and_a_draft_cannot_be_disputed() {
        let mut inv = open_invoice("EUR", "10");
        inv.dispute(DisputeReason::parse("Goods not received").unwrap()).unwrap();
        assert!(inv.disputed);
        inv.resolve_dispute().unwrap();
        assert!(!inv.disputed && inv.dispute_reason.is_none());
        assert_eq!(inv.resolve_dispute(), Err(InvoiceError::NotNow("the invoice is not disputed")));
        let c = customer("EUR");
        let request = DraftRequest { currency: None, lines: vec![line("1", "1", "0")], issue_date: None, due_date: None, memo: None, po_number: None, metadata: Metadata::new() };
        let mut draft = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), &c, request, Utc::now()).unwrap();
        assert!(matches!(draft.dispute(DisputeReason::parse("x").unwrap()), Err(InvoiceError::Transition(_))));
    }

    #[test]
    fn a_promise_must_be_for_today_or_later_on_an_invoice_with_money_due() {
        let mut inv = open_invoice("EUR", "10");
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(inv.promise(today.pred_opt().unwrap(), today), Err(InvoiceError::PromiseInPast));
        inv.promise(today, today).unwrap();
        assert_eq!(inv.promised_until, Some(today));
        inv.apply_payment(inv.amount_due(), Utc::now()).unwrap();
        assert!(matches!(inv.promise(today, today), Err(InvoiceError::Transition(_))));
    }
}
