//! An imported bank statement as o2c keeps it: where its file is, which
//! statement of the file it is, and how far its processing got. Its
//! entries are [`crate::bank_entry::BankEntry`] records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{StatementId, UploadId};

/// Entries one processing message settles: small enough that a message
/// finishes in well under a minute, large enough that a 100,000-entry
/// statement is 50 messages.
pub const ENTRIES_PER_CHUNK: u32 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementStatus {
    Processing,
    Reconciled,
    Failed,
}

impl StatementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Reconciled => "reconciled",
            Self::Failed => "failed",
        }
    }
}

/// A balance as the bank printed it (signed decimal, currency, date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedBalance {
    pub amount: String,
    pub currency: String,
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRecord {
    pub id: StatementId,
    /// What makes it the same statement again (account + statement id +
    /// sequence, else the file's SHA-256), unique across statements.
    pub identity: String,
    /// `camt.053.001.08`, `BAI2`, `MT940`, `CSV`.
    pub format: String,
    pub account: String,
    pub bank_statement_id: Option<String>,
    pub sequence: Option<String>,
    /// The raw file in the statements bucket.
    pub source: String,
    /// Which statement of the file this is (0-based).
    pub index_in_file: u32,
    pub entry_count: u32,
    pub chunks: u32,
    pub status: StatementStatus,
    pub opening_balance: Option<PrintedBalance>,
    pub closing_balance: Option<PrintedBalance>,
    pub upload: Option<UploadId>,
    pub created_at: DateTime<Utc>,
    pub reconciled_at: Option<DateTime<Utc>>,
}

impl StatementRecord {
    pub fn chunks_for(entries: u32) -> u32 {
        entries.div_ceil(ENTRIES_PER_CHUNK).max(1)
    }
}

/// A pre-signed upload: the file lands in the bucket under `key`, and its
/// arrival starts processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: UploadId,
    pub key: String,
    /// What the uploader said the file is (`camt`, `bai2`, `mt940`, `csv`), if anything.
    pub format: Option<String>,
    /// `pending` until the file is read, then `processing` or `failed`
    /// (the API shows `reconciled` once every statement of it is).
    pub status: String,
    pub statements: Vec<StatementId>,
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
