//! From a file as uploaded to what reconciliation stores: which format it
//! is (the uploader's word, else its content), its statements as records,
//! and each entry as facts for the domain.

use chrono::{DateTime, Utc};
use o2c_bank::{Direction, Format, ParseError, Statement};
use o2c_domain::bank_entry::EntryKind;
use o2c_domain::bank_statement::{PrintedBalance, StatementRecord, StatementStatus};
use o2c_domain::ids::{StatementId, UploadId};
use o2c_domain::reconciliation::EntryFacts;
use sha2::{Digest, Sha256};

use crate::identity::{entry_keys, statement_key};
use crate::{credit_of, Movement};

/// The format a declared content type names (`application/xml`,
/// `text/plain; format=bai2`, `text/csv`, or a bare `camt`/`bai2`/…).
pub fn declared_format(content_type: &str) -> Option<Format> {
    let lower = content_type.to_ascii_lowercase();
    let param = lower.split(';').skip(1).filter_map(|p| p.trim().strip_prefix("format=")).map(|v| v.trim_matches('"').to_owned()).next();
    let media = lower.split(';').next().unwrap_or("").trim().to_owned();
    match (media.as_str(), param.as_deref()) {
        (_, Some("bai2")) | ("bai2", _) => Some(Format::Bai2),
        (_, Some("mt940")) | ("mt940", _) => Some(Format::Mt940),
        (_, Some("camt")) | (_, Some("camt053")) | (_, Some("camt.053")) | ("camt", _) | ("application/xml", _) | ("text/xml", _) => Some(Format::Camt053),
        (_, Some("csv")) | ("text/csv", _) | ("csv", _) => Some(Format::Csv),
        _ => None,
    }
}

/// The format the bytes look like: XML is camt, `01,` opens BAI2, a SWIFT
/// block or `:20:` is MT940, anything else is read as CSV.
pub fn sniff_format(bytes: &[u8]) -> Format {
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).trim_start_matches('\u{feff}').trim_start().to_owned();
    if head.starts_with('<') {
        Format::Camt053
    } else if head.starts_with("01,") {
        Format::Bai2
    } else if head.starts_with("{1:") || head.starts_with(":20:") || head.contains("\n:20:") {
        Format::Mt940
    } else {
        Format::Csv
    }
}

/// Where a file is kept: by its content, so a key never changes meaning
/// (`raw/<sha256>.<format>`), whichever way it arrived.
pub fn raw_key(bytes: &[u8], format: Format) -> String {
    let ext = match format {
        Format::Camt053 | Format::Camt054 => "camt",
        Format::Bai2 => "bai2",
        Format::Mt940 => "mt940",
        Format::Csv => "csv",
    };
    format!("raw/{}.{ext}", hex::encode(Sha256::digest(bytes)))
}

/// Reads a whole file, refusing it whole on the first error.
pub fn read(bytes: &[u8], declared: Option<Format>) -> Result<Vec<Statement>, ParseError> {
    o2c_bank::parse(bytes, declared.unwrap_or_else(|| sniff_format(bytes)))
}

fn hashed(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..20])
}

/// The record of the `index`-th statement of a file, before it is stored.
pub fn statement_record(statement: &Statement, index: usize, file: &[u8], source: &str, upload: Option<UploadId>, now: DateTime<Utc>) -> StatementRecord {
    let identity = statement_key(statement, file);
    // Without a bank id every statement of the file shares the file's
    // digest; its position tells them apart.
    let identity = if statement.statement_id.is_none() { format!("{identity}#{index}") } else { identity };
    let balance = |b: &Option<o2c_bank::Balance>| b.as_ref().map(|b| PrintedBalance { amount: b.amount.normalize().to_string(), currency: b.currency.clone(), date: b.date });
    let count = statement.entries.len() as u32;
    StatementRecord {
        id: StatementId::from_ulid(ulid::Ulid::new()),
        identity: hashed(&identity),
        format: statement.version.clone(),
        account: statement.account.clone(),
        bank_statement_id: statement.statement_id.clone(),
        sequence: statement.sequence.clone(),
        source: source.to_owned(),
        index_in_file: index as u32,
        entry_count: count,
        chunks: StatementRecord::chunks_for(count),
        status: StatementStatus::Processing,
        opening_balance: balance(&statement.opening_balance),
        closing_balance: balance(&statement.closing_balance),
        upload,
        created_at: now,
        reconciled_at: None,
    }
}

/// The facts of every entry of `statement`, in order.
pub fn entry_facts(statement: &Statement) -> Vec<EntryFacts> {
    let keys = entry_keys(statement);
    statement
        .entries
        .iter()
        .zip(keys)
        .enumerate()
        .map(|(seq, (e, key))| {
            let movement = credit_of(e);
            let kind = match (&movement, e.direction) {
                (Ok(Movement::Reversal { .. }), _) => EntryKind::Reversal,
                (_, Direction::Debit) if e.reversal => EntryKind::Reversal,
                (_, Direction::Debit) => EntryKind::Debit,
                (_, Direction::Credit) => EntryKind::Credit,
            };
            let (money, credit, refusal) = match movement {
                Ok(Movement::Credit(c)) => (Some(c.amount), Some(c), None),
                Ok(Movement::Reversal { amount }) => (Some(amount), None, None),
                Ok(Movement::Debit) => (None, None, None),
                Err(r) => (None, None, Some(r.to_string())),
            };
            let money = money.or_else(|| o2c_domain::money::Currency::parse(&e.currency).ok().and_then(|c| o2c_domain::money::Money::parse(&e.amount.normalize().to_string(), c).ok()));
            let text: Vec<&str> = e.remittance.iter().map(String::as_str).chain(e.creditor_references.iter().map(String::as_str)).collect();
            EntryFacts {
                seq: seq as u32,
                key: hashed(&key),
                kind,
                booking_date: e.booking_date.or(e.value_date),
                amount: e.amount.normalize().to_string(),
                currency: e.currency.clone(),
                money,
                reference: e.end_to_end_id.clone().filter(|r| !r.trim().is_empty() && r != "NOTPROVIDED").or_else(|| e.bank_reference.clone()),
                counterparty: e.counterparty.clone(),
                remittance: text.join(" ").chars().take(1_000).collect(),
                credit,
                refusal,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_content_type_names_its_format() {
        assert_eq!(declared_format("application/xml"), Some(Format::Camt053));
        assert_eq!(declared_format("text/plain; format=bai2"), Some(Format::Bai2));
        assert_eq!(declared_format("text/plain; format=\"mt940\""), Some(Format::Mt940));
        assert_eq!(declared_format("text/csv; charset=utf-8"), Some(Format::Csv));
        assert_eq!(declared_format("text/plain"), None);
    }

    #[test]
    fn undeclared_files_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff_format(b"\xef\xbb\xbf<?xml version=\"1.0\"?><Document/>"), Format::Camt053);
        assert_eq!(sniff_format(b"01,BANK,CUST,261120,0800,1,,,2/\n"), Format::Bai2);
        assert_eq!(sniff_format(b"{1:F01BANKDEFFXXXX0000000000}{4:\r\n:20:X"), Format::Mt940);
        assert_eq!(sniff_format(b":20:STMT\r\n:25:DE00"), Format::Mt940);
        assert_eq!(sniff_format(b"date,amount,currency,reference,counterparty\n"), Format::Csv);
    }
}
