//! Payments: money received from a customer, where it went (allocations to
//! invoices, unapplied cash) and what was taken back (refunds, dispute
//! withdrawals). One invariant holds after every change:
//!
//! `sum(allocations) + unapplied + returned = amount`
//!
//! so nothing is ever lost or counted twice. Allocations hold the amount
//! currently applied to each invoice; reversals reduce them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, InvoiceId, PaymentId};
use crate::invoice_number::InvoiceNumber;
use crate::money::{Money, MoneyError};
use crate::processor_event::{DisputeChange, ProcessorRef};
use crate::text::BoundedText;

/// The payer's reference as printed on a check or bank transfer.
pub type PaymentReference = BoundedText<140>;

/// History entries a payment keeps: the first (its receipt) and the most
/// recent ones, so the item stays small however many refunds and dispute
/// events arrive (each also lands in the invoices' timelines and the
/// processor event records).
pub const MAX_HISTORY: usize = 50;

/// Allocations one payment may make: each touches one invoice in the same
/// transaction (DynamoDB allows 100 items per transaction; an allocation
/// writes up to four). The rest stays unapplied cash.
pub const MAX_ALLOCATIONS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Check,
    BankTransfer,
    Card,
    Cash,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 5] = [Self::Check, Self::BankTransfer, Self::Card, Self::Cash, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::BankTransfer => "bank_transfer",
            Self::Card => "card",
            Self::Cash => "cash",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Money of one payment applied to one invoice, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: InvoiceId,
    pub invoice_number: Option<InvoiceNumber>,
    /// Applied now (after any reversal).
    pub amount: Money,
    /// The application rule that placed it (`named_invoice`, …).
    pub rule: String,
    /// Why, for a person: which evidence the rule used.
    pub explanation: String,
    /// Settled without cash alongside `amount`: an early-payment discount
    /// taken inside its window (credited to the invoice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// A bank fee the payer's bank kept, absorbed within tolerance
    /// (credited to the invoice, posted to bank fees).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Money>,
}

impl Allocation {
    /// What the allocation settled without cash (discount plus fee).
    pub fn credited(&self) -> Result<Money, MoneyError> {
        let zero = Money::zero(self.amount.currency());
        self.discount.unwrap_or(zero).checked_add(self.fee.unwrap_or(zero))
    }
}

/// Where a reversed amount was taken from, so a reinstatement can put it
/// back: an invoice, or the unapplied cash (`invoice: None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portion {
    pub invoice: Option<InvoiceId>,
    pub amount: Money,
}

/// A processor charge of this payment and how much of it was refunded so
/// far (processors report refunds cumulatively).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRecord {
    pub id: ProcessorRef,
    pub amount_refunded: Money,
}

/// A dispute (chargeback) on one of the payment's charges. Its effect is a
/// function of which changes were seen, not of their order: events may
/// arrive twice or out of order and still settle to the same state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRecord {
    pub id: ProcessorRef,
    pub charge: ProcessorRef,
    pub amount: Money,
    pub status: String,
    pub seen: Vec<DisputeChange>,
    /// What the withdrawal reversed; empty when nothing is withdrawn now.
    pub withdrawn: Vec<Portion>,
}

impl DisputeRecord {
    pub fn has_seen(&self, change: DisputeChange) -> bool {
        self.seen.contains(&change)
    }

    /// The invoice is disputed while the dispute is created and not closed.
    pub fn is_open(&self) -> bool {
        self.has_seen(DisputeChange::Created) && !self.has_seen(DisputeChange::Closed)
    }

    /// Funds are out while withdrawn and not reinstated.
    pub fn funds_out(&self) -> bool {
        self.has_seen(DisputeChange::FundsWithdrawn) && !self.has_seen(DisputeChange::FundsReinstated)
    }
}

/// The processor side of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessorLink {
    /// `stripe`.
    pub provider: String,
    pub payment_intent: ProcessorRef,
    pub charges: Vec<ChargeRecord>,
    pub disputes: Vec<DisputeRecord>,
}

/// One thing that happened to a payment, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    pub at: DateTime<Utc>,
    /// `received`, `refunded`, `dispute_created`, `funds_withdrawn`, …
    pub kind: String,
    pub amount: Money,
    pub summary: String,
    /// The processor event that caused it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor_event: Option<ProcessorRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Every unit is on invoices.
    Applied,
    /// Some on invoices, the rest the customer's credit.
    PartiallyApplied,
    /// All of it the customer's credit.
    Unapplied,
    /// No customer could be found: someone must decide where it goes.
    Exception,
    /// Everything was refunded or withdrawn.
    Returned,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::PartiallyApplied => "partially_applied",
            Self::Unapplied => "unapplied",
            Self::Exception => "exception",
            Self::Returned => "returned",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("amounts: {0}")]
    Money(#[from] MoneyError),
    #[error("a payment amount must be positive")]
    NotPositive,
    #[error("cannot take back {wanted}: only {held} is still held")]
    MoreThanHeld { wanted: Money, held: Money },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: PaymentId,
    /// `None` when no customer could be identified (an exception).
    pub customer: Option<CustomerId>,
    pub amount: Money,
    pub received_at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub reference: Option<PaymentReference>,
    pub allocations: Vec<Allocation>,
    /// The customer's credit from this payment (or, for an exception,
    /// cash waiting for a decision).
    pub unapplied: Money,
    /// Refunded or withdrawn by disputes, net of reinstatements.
    pub returned: Money,
    /// Why the payment could not be placed, for an exception.
    pub exception: Option<String>,
    pub processor: Option<ProcessorLink>,
    pub history: Vec<PaymentEntry>,
    pub created_at: DateTime<Utc>,
}

impl Payment {
    pub fn status(&self) -> PaymentStatus {
        let allocated = self.allocated();
        if self.customer.is_none() && !self.unapplied.is_zero() {
            PaymentStatus::Exception
        } else if allocated.is_zero() && self.unapplied.is_zero() {
            PaymentStatus::Returned
        } else if self.unapplied.is_zero() {
            PaymentStatus::Applied
        } else if allocated.is_zero() {
            PaymentStatus::Unapplied
        } else {
            PaymentStatus::PartiallyApplied
        }
    }

    /// Sum of the allocations as they stand.
    pub fn allocated(&self) -> Money {
        self.allocations.iter().fold(Money::zero(self.amount.currency()), |sum, a| sum.checked_add(a.amount).unwrap_or(sum))
    }

    /// Still held by us: allocated plus unapplied.
    pub fn held(&self) -> Money {
        self.allocated().checked_add(self.unapplied).unwrap_or(self.unapplied)
    }

    /// The payment invariant; every change is checked against it.
    pub fn balances(&self) -> bool {
        self.held().checked_add(self.returned).is_ok_and(|sum| sum == self.amount)
            && !self.unapplied.is_negative()
            && !self.returned.is_negative()
            && self.allocations.iter().all(|a| !a.amount.is_negative())
    }

    /// Takes `amount` back out of what the payment holds: unapplied cash
    /// first (money not yet on any invoice), then the newest allocations.
    /// Answers where it came from.
    pub fn take_back(&mut self, amount: Money) -> Result<Vec<Portion>, PaymentError> {
        let held = self.held();
        if amount.amount() > held.amount() {
            return Err(PaymentError::MoreThanHeld { wanted: amount, held });
        }
        let mut left = amount;
        let mut portions = Vec::new();
        let from_unapplied = left.min(self.unapplied)?;
        if from_unapplied.is_positive() {
            self.unapplied = self.unapplied.checked_sub(from_unapplied)?;
            left = left.checked_sub(from_unapplied)?;
            portions.push(Portion { invoice: None, amount: from_unapplied });
        }
        for allocation in self.allocations.iter_mut().rev() {
            if !left.is_positive() {
                break;
            }
            let take = left.min(allocation.amount)?;
            if take.is_positive() {
                allocation.amount = allocation.amount.checked_sub(take)?;
                left = left.checked_sub(take)?;
                portions.push(Portion { invoice: Some(allocation.invoice), amount: take });
            }
        }
        self.returned = self.returned.checked_add(amount)?;
        Ok(portions)
    }

    /// Adds `amount` to this payment's allocation on `invoice` (creating it
    /// when absent), moving it out of `returned` (a reinstatement).
    pub fn put_back_on_invoice(&mut self, invoice: InvoiceId, number: Option<InvoiceNumber>, amount: Money, explanation: &str) -> Result<(), PaymentError> {
        self.returned = self.returned.checked_sub(amount)?;
        match self.allocations.iter_mut().find(|a| a.invoice == invoice) {
            Some(a) => a.amount = a.amount.checked_add(amount)?,
            None => self.allocations.push(Allocation { invoice, invoice_number: number, amount, rule: "dispute_reinstated".into(), explanation: explanation.into(), discount: None, fee: None }),
        }
        Ok(())
    }

    /// Moves `amount` out of `returned` into unapplied cash.
    pub fn put_back_unapplied(&mut self, amount: Money) -> Result<(), PaymentError> {
        self.returned = self.returned.checked_sub(amount)?;
        self.unapplied = self.unapplied.checked_add(amount)?;
        Ok(())
    }

    /// Adds a history entry, dropping the oldest after the first once
    /// [`MAX_HISTORY`] is reached.
    pub fn record(&mut self, entry: PaymentEntry) {
        if self.history.len() >= MAX_HISTORY {
            self.history.remove(1);
        }
        self.history.push(entry);
    }

    pub fn charge_mut(&mut self, charge: &ProcessorRef) -> Option<&mut ChargeRecord> {
        self.processor.as_mut()?.charges.iter_mut().find(|c| &c.id == charge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use ulid::Ulid;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap()).unwrap()
    }

    fn payment(amount: i64, allocations: &[i64]) -> Payment {
        let allocs: Vec<Allocation> = allocations
            .iter()
            .map(|a| Allocation { invoice: InvoiceId::from_ulid(Ulid::new()), invoice_number: None, amount: usd(*a), rule: "explicit_allocations".into(), explanation: String::new(), discount: None, fee: None })
            .collect();
        let allocated: i64 = allocations.iter().sum();
        Payment {
            id: PaymentId::from_ulid(Ulid::new()),
            customer: Some(CustomerId::from_ulid(Ulid::new())),
            amount: usd(amount),
            received_at: Utc::now(),
            method: PaymentMethod::Card,
            reference: None,
            allocations: allocs,
            unapplied: usd(amount - allocated),
            returned: usd(0),
            exception: None,
            processor: None,
            history: vec![],
            created_at: Utc::now(),
        }
    }

    #[test]
    fn taking_back_uses_unapplied_cash_before_invoices() {
        let mut p = payment(10_000, &[6_000, 3_000]);
        let portions = p.take_back(usd(1_500)).unwrap();
        assert_eq!(portions, vec![Portion { invoice: None, amount: usd(1_000) }, Portion { invoice: Some(p.allocations[1].invoice), amount: usd(500) }]);
        assert_eq!(p.unapplied, usd(0));
        assert_eq!(p.allocations[1].amount, usd(2_500));
        assert!(p.balances());
    }

    #[test]
    fn taking_back_more_than_is_held_is_refused() {
        let mut p = payment(1_000, &[1_000]);
        p.take_back(usd(400)).unwrap();
        assert!(matches!(p.take_back(usd(700)), Err(PaymentError::MoreThanHeld { .. })));
        assert!(p.balances());
    }

    #[test]
    fn a_fully_returned_payment_says_so() {
        let mut p = payment(1_000, &[600]);
        p.take_back(usd(1_000)).unwrap();
        assert_eq!(p.status(), PaymentStatus::Returned);
    }

    #[test]
    fn history_keeps_the_receipt_and_the_latest_entries() {
        let mut p = payment(100, &[]);
        for n in 0..(MAX_HISTORY + 10) {
            p.record(PaymentEntry { at: Utc::now(), kind: format!("e{n}"), amount: usd(1), summary: String::new(), processor_event: None });
        }
        assert_eq!(p.history.len(), MAX_HISTORY);
        assert_eq!(p.history[0].kind, "e0");
        assert_eq!(p.history.last().unwrap().kind, format!("e{}", MAX_HISTORY + 9));
    }

    #[test]
    fn payment_methods_round_trip_through_their_names() {
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(PaymentMethod::parse("wire"), None);
    }

    proptest! {
        #[test]
        fn allocations_plus_unapplied_plus_returned_always_equal_the_payment(
            allocs in proptest::collection::vec(0i64..50_000, 0..6),
            extra in 0i64..50_000,
            takes in proptest::collection::vec(0i64..60_000, 0..5),
        ) {
            let amount = allocs.iter().sum::<i64>() + extra;
            let mut p = payment(amount, &allocs);
            for t in takes {
                let _ = p.take_back(usd(t));
                prop_assert!(p.balances());
            }
        }
    }
}
