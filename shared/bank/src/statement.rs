//! The one model every bank format is read into.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// ISO 20022 bank-to-customer statement (camt.053.001.02/.04/.08).
    Camt053,
    /// ISO 20022 debit/credit notification (camt.054).
    Camt054,
    Bai2,
    Mt940,
    /// `date,amount,currency,reference,counterparty`.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Credit,
    Debit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Signed: negative for a debit balance.
    pub amount: Decimal,
    pub currency: String,
    pub date: Option<NaiveDate>,
}

/// One statement (camt `Stmt`/`Ntfctn`, a BAI2 account in a group, an
/// MT940 message, a whole CSV file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub format: Format,
    /// `camt.053.001.02`, `BAI2`, `MT940`, `CSV`.
    pub version: String,
    /// The account: IBAN, or the bank's account number.
    pub account: String,
    /// The bank's id of this statement (camt `Stmt/Id`, MT940 `:20:`, BAI2 file id + group), if any.
    pub statement_id: Option<String>,
    /// camt `ElctrncSeqNb` / `LglSeqNb`, MT940 `:28C:`, if any.
    pub sequence: Option<String>,
    /// The account's currency, when the file says it.
    pub currency: Option<String>,
    pub opening_balance: Option<Balance>,
    pub closing_balance: Option<Balance>,
    pub entries: Vec<Entry>,
}

/// One movement of money; a batched booking (camt `Btch`, several `TxDtls`)
/// is read as one entry per transaction when each has its own amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub booking_date: Option<NaiveDate>,
    pub value_date: Option<NaiveDate>,
    /// Always positive; `direction` says which way.
    pub amount: Decimal,
    /// ISO 4217 code, upper case.
    pub currency: String,
    pub direction: Direction,
    /// A return or reversal of an earlier entry (camt `RvslInd`, MT940
    /// `RC`/`RD`, BAI2 return type codes).
    pub reversal: bool,
    /// The bank's reference for the entry (camt `AcctSvcrRef`/`NtryRef`,
    /// MT940 bank reference, BAI2 bank reference), if any.
    pub bank_reference: Option<String>,
    /// The payer's end-to-end id (camt `EndToEndId`, MT940 `EREF`), if any.
    pub end_to_end_id: Option<String>,
    /// The other party's name (the payer of a credit), if any.
    pub counterparty: Option<String>,
    /// The other party's account (IBAN or number), if any.
    pub counterparty_account: Option<String>,
    /// Structured creditor references (ISO 11649 `RF…`, Swiss ISR/QRR,
    /// SCOR), in order.
    pub creditor_references: Vec<String>,
    /// Unstructured remittance text, one element per line or field, in order.
    pub remittance: Vec<String>,
    /// The bank's transaction code (camt `BkTxCd`, MT940 type / GVC,
    /// BAI2 type code), if any.
    pub bank_code: Option<String>,
}

/// A file refused whole: which format, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format:?} {location}: {message}")]
pub struct ParseError {
    pub format: Format,
    /// `line 12`, `element Document/BkToCstmrStmt/Stmt[2]/Ntry[4]/Amt`, `byte 3061`.
    pub location: String,
    pub message: String,
}
