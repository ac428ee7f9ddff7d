//! What makes a statement and an entry the same one again, so uploading a
//! file twice, or statements that overlap (an intraday file, then the
//! day's; a camt.053 and the camt.054 notifications it repeats), never
//! applies an entry twice. The keys are written create-only: the second
//! writer of a key learns it is a repeat.

use std::collections::HashMap;

use o2c_bank::{Direction, Entry, Statement};
use sha2::{Digest, Sha256};

/// `account + statement id + sequence` when the bank gives an id, else
/// the SHA-256 of the file: the contract's statement identity.
pub fn statement_key(statement: &Statement, file: &[u8]) -> String {
    match &statement.statement_id {
        Some(id) => format!("{}|{}|{}", statement.account, id, statement.sequence.as_deref().unwrap_or("")),
        None => format!("sha256:{}", hex::encode(Sha256::digest(file))),
    }
}

/// Keys of a statement's entries, in order. With a bank reference the key
/// is the account and that reference; without one it is a digest of what
/// the entry says (date, amount, direction, parties, text) plus how many
/// identical entries came before it in this statement, so two equal
/// payments on one day stay two, and the same two in an overlapping
/// statement are recognised as those two.
pub fn entry_keys(statement: &Statement) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    statement
        .entries
        .iter()
        .map(|e| {
            let base = match &e.bank_reference {
                Some(r) if !r.trim().is_empty() && r.trim() != "NONREF" => format!("{}|ref|{}|{}", statement.account, r.trim(), fingerprint_of_amount(e)),
                _ => format!("{}|sum|{}", statement.account, digest(e)),
            };
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            format!("{base}|{n}")
        })
        .collect()
}

/// Amount, currency and direction: a bank reference reused for a different
/// movement (some banks number per day) is then not taken for the same.
fn fingerprint_of_amount(e: &Entry) -> String {
    format!("{}{}{}", if e.direction == Direction::Credit { "C" } else { "D" }, e.amount.normalize(), e.currency)
}

fn digest(e: &Entry) -> String {
    let mut h = Sha256::new();
    for part in [
        e.booking_date.map(|d| d.to_string()).unwrap_or_default(),
        e.value_date.map(|d| d.to_string()).unwrap_or_default(),
        fingerprint_of_amount(e),
        e.reversal.to_string(),
        e.end_to_end_id.clone().unwrap_or_default(),
        e.counterparty.clone().unwrap_or_default(),
        e.counterparty_account.clone().unwrap_or_default(),
        e.creditor_references.join(" "),
        e.remittance.join(" "),
    ] {
        h.update(part.trim().as_bytes());
        h.update([0x1f]);
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use o2c_bank::Format;
    use rust_decimal::Decimal;

    use super::*;

    fn entry(amount: i64, reference: Option<&str>, text: &str) -> Entry {
        Entry {
            booking_date: NaiveDate::from_ymd_opt(2026, 11, 20),
            value_date: None,
            amount: Decimal::new(amount, 2),
            currency: "EUR".into(),
            direction: Direction::Credit,
            reversal: false,
            bank_reference: reference.map(str::to_owned),
            end_to_end_id: None,
            counterparty: Some("Acme".into()),
            counterparty_account: None,
            creditor_references: Vec::new(),
            remittance: vec![text.into()],
            bank_code: None,
        }
    }

    fn statement(entries: Vec<Entry>, id: Option<&str>) -> Statement {
        Statement { format: Format::Camt053, version: "camt.053.001.08".into(), account: "CH93".into(), statement_id: id.map(str::to_owned), sequence: Some("7".into()), currency: None, opening_balance: None, closing_balance: None, entries }
    }

    #[test]
    fn a_statement_is_known_by_account_id_and_sequence_or_else_by_its_bytes() {
        assert_eq!(statement_key(&statement(vec![], Some("S1")), b"x"), "CH93|S1|7");
        let a = statement_key(&statement(vec![], None), b"file one");
        assert!(a.starts_with("sha256:") && a != statement_key(&statement(vec![], None), b"file two"));
    }

    #[test]
    fn overlapping_statements_give_the_shared_entries_the_same_keys() {
        let intraday = statement(vec![entry(1000, None, "INV-1"), entry(2000, Some("B2"), "INV-2")], Some("I"));
        let day = statement(vec![entry(1000, None, "INV-1"), entry(2000, Some("B2"), "INV-2"), entry(3000, None, "INV-3")], Some("D"));
        let (a, b) = (entry_keys(&intraday), entry_keys(&day));
        assert_eq!(a[..], b[..2]);
        assert_ne!(b[2], b[0]);
    }

    #[test]
    fn two_equal_payments_on_one_day_stay_two() {
        let keys = entry_keys(&statement(vec![entry(1000, None, "rent"), entry(1000, None, "rent")], None));
        assert_ne!(keys[0], keys[1]);
        // ... and a statement repeating both recognises both, not one.
        assert_eq!(keys, entry_keys(&statement(vec![entry(1000, None, "rent"), entry(1000, None, "rent")], Some("again"))));
    }

    #[test]
    fn a_reused_bank_reference_for_another_amount_is_another_entry() {
        let keys = entry_keys(&statement(vec![entry(1000, Some("R1"), "a"), entry(5000, Some("R1"), "b")], None));
        assert_ne!(keys[0], keys[1]);
    }
}
