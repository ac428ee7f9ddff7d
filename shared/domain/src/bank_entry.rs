//! One line of a bank statement, and what became of it: applied to
//! invoices (`matched`), waiting for a person (`suggested`, `unmatched`),
//! or set aside (`ignored`: debits, duplicates, entries a person put aside).
//! Every decision is kept with its rule, confidence and explanation, and
//! every change lands in the entry's history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, InvoiceId, PaymentId, StatementId};
use crate::invoice_number::InvoiceNumber;
use crate::money::Money;

/// History entries an entry keeps (the first and the latest).
pub const MAX_ENTRY_HISTORY: usize = 30;
/// Suggestions kept for a person.
pub const MAX_SUGGESTIONS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Matched,
    Suggested,
    Unmatched,
    Ignored,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 4] = [Self::Matched, Self::Suggested, Self::Unmatched, Self::Ignored];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::Suggested => "suggested",
            Self::Unmatched => "unmatched",
            Self::Ignored => "ignored",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Waiting for a person: listed by `GET /v1/bank-entries`.
    pub fn is_exception(self) -> bool {
        matches!(self, Self::Suggested | Self::Unmatched)
    }
}

/// What the entry is to cash application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Credit,
    Debit,
    /// A return or reversal of an earlier credit.
    Reversal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMatch {
    pub rule: String,
    pub confidence: u8,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryAllocation {
    pub invoice: InvoiceId,
    pub number: Option<InvoiceNumber>,
    /// Cash applied.
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Money>,
}

/// A ranked proposal kept for a person to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub customer: CustomerId,
    pub allocations: Vec<EntryAllocation>,
    pub unapplied: Money,
    pub rule: String,
    pub confidence: u8,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryEvent {
    pub at: DateTime<Utc>,
    /// `recorded`, `matched`, `suggested`, `confirmed`, `ignored`, `reversed`, …
    pub kind: String,
    pub summary: String,
}

/// `ent_<statement ulid>_<position>`: stable, so a retried message writes
/// the same entry again and learns it exists.
pub fn entry_id(statement: StatementId, seq: u32) -> String {
    format!("ent_{}_{seq:06}", statement.ulid())
}

/// The statement and position an entry id names.
pub fn parse_entry_id(id: &str) -> Option<(StatementId, u32)> {
    let body = id.strip_prefix("ent_")?;
    let (ulid, seq) = body.split_once('_')?;
    if seq.len() != 6 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((StatementId::from_ulid(ulid::Ulid::from_string(ulid).ok()?), seq.parse().ok()?))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntry {
    pub id: String,
    pub statement: StatementId,
    pub seq: u32,
    /// The entry's identity across statements (see `o2c_reconcile::identity`), hashed.
    pub key: String,
    pub kind: EntryKind,
    pub booking_date: Option<NaiveDate>,
    /// As printed: a positive decimal, and the currency code.
    pub amount: String,
    pub currency: String,
    /// The amount as money, when the currency is one we handle.
    pub money: Option<Money>,
    pub reference: Option<String>,
    pub counterparty: Option<String>,
    pub remittance: String,
    pub status: EntryStatus,
    pub customer: Option<CustomerId>,
    pub allocations: Vec<EntryAllocation>,
    pub unapplied: Option<Money>,
    #[serde(rename = "match")]
    pub decision: Option<EntryMatch>,
    pub suggestions: Vec<Suggestion>,
    pub payment: Option<PaymentId>,
    /// The entry that first carried this money, when this one repeats it.
    pub duplicate_of: Option<String>,
    /// For a reversal: the credit it returns. For a credit: the reversal that returned it.
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    pub history: Vec<EntryEvent>,
}

impl BankEntry {
    pub fn record(&mut self, at: DateTime<Utc>, kind: &str, summary: impl Into<String>) {
        if self.history.len() >= MAX_ENTRY_HISTORY {
            self.history.remove(1);
        }
        self.history.push(EntryEvent { at, kind: kind.to_owned(), summary: summary.into() });
    }

    /// A credit whose money is still ours to reverse: not already reversed.
    pub fn reversible(&self) -> bool {
        self.kind == EntryKind::Credit && self.reversed_by.is_none() && self.duplicate_of.is_none()
    }
}

/// An entry written with a payment change or on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryWrite {
    pub entry: BankEntry,
    /// `None` creates the entry (and fails if it exists).
    pub expected_version: Option<u64>,
    /// Claim the entry's key create-only: the second entry carrying the
    /// same money fails the write and is recorded as a duplicate.
    pub claim: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_id_names_its_statement_and_position() {
        let s = StatementId::from_ulid(ulid::Ulid::new());
        let id = entry_id(s, 42);
        assert_eq!(parse_entry_id(&id), Some((s, 42)));
        assert_eq!(parse_entry_id("ent_x_000001"), None);
        assert_eq!(parse_entry_id(&format!("ent_{}_42", s.ulid())), None);
    }

    #[test]
    fn statuses_round_trip_through_their_names_and_only_two_are_exceptions() {
        for s in EntryStatus::ALL {
            assert_eq!(EntryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(EntryStatus::ALL.iter().filter(|s| s.is_exception()).count(), 2);
    }
}
