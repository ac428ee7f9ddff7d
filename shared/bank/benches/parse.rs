//! Parser throughput per format: a generated statement of 100,000 entries
//! written in each format (`o2c_bank::write`), parsed back, MB/s reported.
//! The writers' files are regular (every entry alike in shape); real
//! files with long remittance parse at similar rates per byte.
//!
//! Run: `cargo bench -p o2c-bank --bench parse [-- ENTRIES]`.

use std::time::Instant;

use chrono::NaiveDate;
use o2c_bank::{Balance, Direction, Entry, Format, Statement};
use rust_decimal::Decimal;

fn statement(n: usize, format: Format) -> Statement {
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
    let entries = (0..n)
        .map(|i| Entry {
            booking_date: Some(day),
            value_date: Some(day),
            amount: Decimal::new(10_000 + (i as i64 * 7919) % 9_000_000, 2),
            currency: "EUR".into(),
            direction: if i % 7 == 0 { Direction::Debit } else { Direction::Credit },
            reversal: false,
            bank_reference: Some(format!("B{i:010}")),
            end_to_end_id: Some(format!("E2E-{i}")),
            counterparty: Some(format!("Customer {} GmbH", i % 5_000)),
            counterparty_account: None,
            creditor_references: Vec::new(),
            remittance: vec![format!("INV-2026-{:06} thank you", i % 999_999 + 1)],
            bank_code: None,
        })
        .collect();
    Statement { format, version: String::new(), account: "DE89370400440532013000".into(), statement_id: Some("BENCH".into()), sequence: Some("1".into()), currency: Some("EUR".into()), opening_balance: Some(Balance { amount: Decimal::ZERO, currency: "EUR".into(), date: Some(day) }), closing_balance: None, entries }
}

fn main() {
    let n = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(100_000);
    for format in [Format::Camt053, Format::Camt054, Format::Bai2, Format::Mt940, Format::Csv] {
        let bytes = o2c_bank::write::write(&[statement(n, format)], format);
        let t = Instant::now();
        let parsed = o2c_bank::parse(&bytes, format);
        let secs = t.elapsed().as_secs_f64();
        let entries = parsed.as_ref().map(|s| s.iter().map(|s| s.entries.len()).sum::<usize>()).unwrap_or(0);
        let mb = bytes.len() as f64 / 1_000_000.0;
        match parsed {
            Ok(_) => println!("{format:?}: {entries} entries, {mb:.1} MB in {secs:.3} s = {:.0} MB/s", mb / secs),
            Err(e) => println!("{format:?}: refused: {e}"),
        }
    }
}
