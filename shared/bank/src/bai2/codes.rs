//! BAI2 type codes and currency decimals.
//!
//! Source: *Cash Management Balance Reporting Specifications, Version 2*
//! (BAI, 2005), Appendix A (type codes) and Appendix B (currency codes and
//! their implied decimals, which are ISO 4217's minor units).

use crate::statement::Direction;

/// What a `16` type code means for an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Money(Direction),
    /// `890`, *Contains Non-monetary Information*: not a movement of money.
    NonMonetary,
    /// A status (balance) code, `000`–`099`, or a code in a range the
    /// specification leaves without a direction (`800`–`899` but `890`).
    NoDirection,
}

/// The direction of a transaction type code, by Appendix A's ranges:
/// `100`–`399` credits, `400`–`699` debits, `700`–`799` loan codes (the
/// credits `720`–`728`, *Loan Payment* and *Amount Applied to …*; every
/// other `7xx` a debit, like `760` *Loan Disbursement*), `900`–`959`
/// customized credits, `960`–`999` customized debits.
pub(crate) fn kind(code: u16) -> Kind {
    match code {
        100..=399 | 720..=728 | 900..=959 => Kind::Money(Direction::Credit),
        400..=699 | 700..=719 | 729..=799 | 960..=999 => Kind::Money(Direction::Debit),
        890 => Kind::NonMonetary,
        _ => Kind::NoDirection,
    }
}

/// Type codes that return or reverse an earlier movement, from Appendix A's
/// descriptions (summary codes included, since some banks send them as
/// detail):
///
/// | code | description |
/// | --- | --- |
/// | 123 | EDIBANX Credit Return |
/// | 250 | Total Checks Posted and Returned |
/// | 251, 252 | Total Debit Reversals, Debit Reversal |
/// | 255 | Check Posted and Returned |
/// | 256, 257 | Total ACH Return Items, Individual ACH Return Item |
/// | 258 | ACH Reversal Credit |
/// | 260, 261 | Total Rejected Credits, Individual Rejected Credit |
/// | 266 | Return Item |
/// | 395 | Check Reversal |
/// | 423 | EDIBANX Return Item Debit |
/// | 550 | Total Deposited Items Returned |
/// | 551, 552 | Total Credit Reversals, Credit Reversal |
/// | 555 | Deposited Item Returned |
/// | 556, 557 | Total ACH Return Items, Individual ACH Return Item |
/// | 558 | ACH Reversal Debit |
/// | 560, 561 | Total Rejected Debits, Individual Rejected Debit |
/// | 566 | Return Item |
/// | 694 | Deposit Reversal |
///
/// Not in the list: fees for returns (`564`, `567`), return *adjustments*
/// (`268`, `568`), posting error corrections (`254`, `554`) and the batch
/// settlements of returns (`168`, `468`), which are movements of their own.
pub(crate) fn is_reversal(code: u16) -> bool {
    matches!(
        code,
        123 | 250
            | 251
            | 252
            | 255
            | 256
            | 257
            | 258
            | 260
            | 261
            | 266
            | 395
            | 423
            | 550
            | 551
            | 552
            | 555
            | 556
            | 557
            | 558
            | 560
            | 561
            | 566
            | 694
    )
}

/// Balance type codes read into the statement's balances.
pub(super) const OPENING_LEDGER: u16 = 10;
pub(super) const OPENING_AVAILABLE: u16 = 40;
pub(super) const CLOSING_LEDGER: u16 = 15;
pub(super) const CLOSING_AVAILABLE: u16 = 45;

/// Implied decimals of a currency's amounts (ISO 4217 minor units, as
/// BAI2's Appendix B gives them): 2 unless listed.
pub(super) fn decimals(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}
