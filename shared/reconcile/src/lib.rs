//! Bank statement entries as the cash matcher sees them.
//!
//! [`credit_of`] turns one parsed entry ([`o2c_bank::Entry`]) into the
//! domain's [`BankCredit`]: money in only (debits are not cash to apply;
//! reversals undo earlier cash and are handled apart), in a currency and
//! amount the domain's money accepts. Pure.

pub mod file;
pub mod identity;

use o2c_bank::{Direction, Entry};
use o2c_domain::matching::BankCredit;
use o2c_domain::money::{Currency, Money};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("currency {0} is not an ISO 4217 code we handle")]
    Currency(String),
    #[error("amount {0} has more decimals than its currency allows, or is too large")]
    Amount(String),
    #[error("the entry has no booking or value date")]
    NoDate,
}

/// What an entry is to cash application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Movement {
    /// Money in, to match against open invoices.
    Credit(BankCredit),
    /// Money out (not ours to apply).
    Debit,
    /// A return or reversal of earlier money in: undo what it applied.
    Reversal { amount: Money },
}

/// Reads one entry.
pub fn credit_of(entry: &Entry) -> Result<Movement, Refusal> {
    let currency = Currency::parse(&entry.currency).map_err(|_| Refusal::Currency(entry.currency.clone()))?;
    let amount = Money::parse(&entry.amount.normalize().to_string(), currency).map_err(|_| Refusal::Amount(entry.amount.to_string()))?;
    // A reversal flag on money out is a return of an earlier credit. On
    // money in (MT940 `RD`, BAI2 debit reversals) it is our own debit
    // coming back: cash in like any other, never a reason to take cash back.
    if entry.reversal && entry.direction == Direction::Debit {
        return Ok(Movement::Reversal { amount });
    }
    if entry.direction == Direction::Debit {
        return Ok(Movement::Debit);
    }
    let booked_on = entry.booking_date.or(entry.value_date).ok_or(Refusal::NoDate)?;
    let mut remittance: Vec<&str> = entry.remittance.iter().map(String::as_str).collect();
    if let Some(e2e) = entry.end_to_end_id.as_deref() {
        remittance.push(e2e);
    }
    Ok(Movement::Credit(BankCredit { amount, booked_on, counterparty: entry.counterparty.clone(), references: entry.creditor_references.clone(), remittance: remittance.join(" ") }))
}

#[cfg(test)]
mod tests;
