//! How an amount settles a set of invoices: exactly, with the early-payment
//! discounts the payer was entitled to, short by a bank fee within
//! tolerance, partly, or with money to spare.

use chrono::NaiveDate;

use super::{Allocated, MatchPolicy, OpenItem};
use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exact,
    Discount { discount_minor: i64 },
    Fee { fee_minor: i64 },
    Partial { short_minor: i64 },
    Over,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub allocations: Vec<Allocated>,
    pub unapplied_minor: i64,
    pub kind: Kind,
    pub amount_minor: i64,
    pub due_minor: i64,
}

impl Settlement {
    /// Every invoice ends fully settled and nothing is left over.
    pub fn settles_exactly(&self) -> bool {
        matches!(self.kind, Kind::Exact | Kind::Discount { .. } | Kind::Fee { .. })
    }

    /// Settled exactly or with an entitled discount: what an amount alone
    /// (no invoice named) may claim. A fee short-pay needs the invoice named.
    pub fn settles_without_fee(&self) -> bool {
        matches!(self.kind, Kind::Exact | Kind::Discount { .. })
    }

    pub fn describe(&self, currency: Currency) -> String {
        let m = |minor: i64| Money::from_minor(minor, currency).map(|m| format!("{m} {currency}")).unwrap_or_else(|_| minor.to_string());
        match self.kind {
            Kind::Exact => format!("{} received equals the {} due", m(self.amount_minor), m(self.due_minor)),
            Kind::Discount { discount_minor } => format!("{} received is the {} due less the {} early-payment discount, taken inside its window", m(self.amount_minor), m(self.due_minor), m(discount_minor)),
            Kind::Fee { fee_minor } => format!("{} received is the {} due less {} kept by the banks, within the fee tolerance", m(self.amount_minor), m(self.due_minor), m(fee_minor)),
            Kind::Partial { short_minor } => format!("{} received is {} short of the {} due (a part payment)", m(self.amount_minor), m(short_minor), m(self.due_minor)),
            Kind::Over => format!("{} received is more than the {} due; the rest is held as credit", m(self.amount_minor), m(self.due_minor)),
        }
    }
}

/// Settles `items` (in the order given) with `amount_minor` received on `on`.
pub fn settle(items: &[&OpenItem], amount_minor: i64, on: NaiveDate, policy: &MatchPolicy) -> Settlement {
    let due: i64 = items.iter().map(|i| i.due_minor).sum();
    let full = |fee_on_last: i64| -> Vec<Allocated> {
        let n = items.len();
        items
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let fee = if k + 1 == n { fee_on_last } else { 0 };
                Allocated { invoice: i.invoice, applied_minor: i.due_minor - fee, discount_minor: 0, fee_minor: fee }
            })
            .collect()
    };
    let done = |allocations, unapplied_minor, kind| Settlement { allocations, unapplied_minor, kind, amount_minor, due_minor: due };
    if amount_minor == due {
        return done(full(0), 0, Kind::Exact);
    }
    let discounts: Vec<i64> = items.iter().map(|i| i.discount.filter(|d| on <= d.until).map_or(0, |d| d.amount_minor.min(i.due_minor))).collect();
    let discount_total: i64 = discounts.iter().sum();
    if discount_total > 0 && amount_minor == due - discount_total {
        let allocations = items.iter().zip(&discounts).map(|(i, d)| Allocated { invoice: i.invoice, applied_minor: i.due_minor - d, discount_minor: *d, fee_minor: 0 }).collect();
        return done(allocations, 0, Kind::Discount { discount_minor: discount_total });
    }
    let short = due - amount_minor;
    let tolerance = policy.fee_max_minor.min(due.saturating_mul(policy.fee_max_permille) / 1000);
    if short > 0 && short <= tolerance && items.last().is_some_and(|l| l.due_minor > short) {
        return done(full(short), 0, Kind::Fee { fee_minor: short });
    }
    if amount_minor > due {
        return done(full(0), amount_minor - due, Kind::Over);
    }
    // A part payment: oldest first, as far as it goes.
    let mut left = amount_minor.max(0);
    let mut allocations = Vec::new();
    for i in items {
        if left == 0 {
            break;
        }
        let take = left.min(i.due_minor);
        allocations.push(Allocated { invoice: i.invoice, applied_minor: take, discount_minor: 0, fee_minor: 0 });
        left -= take;
    }
    done(allocations, 0, Kind::Partial { short_minor: short })
}
