//! The contract's CSV: `date,amount,currency,reference,counterparty`, one
//! row per entry of every statement, RFC 4180 quoting, CRLF line ends.

use super::{
    currency_code, entry_date, lines, plain_amount, present, references, signed,
    statement_currency, statement_date,
};
use crate::statement::Statement;

pub(super) const HEADER: &str = "date,amount,currency,reference,counterparty";

pub(super) fn write(statements: &[Statement]) -> Vec<u8> {
    let mut out = String::with_capacity(
        64 + statements
            .iter()
            .map(|s| 120 * s.entries.len())
            .sum::<usize>(),
    );
    out.push_str(HEADER);
    out.push_str("\r\n");
    for statement in statements {
        let fallback = statement_date(statement);
        let home = statement_currency(statement, "EUR");
        for entry in &statement.entries {
            let currency = if entry.currency.trim().is_empty() {
                home.clone()
            } else {
                currency_code(&entry.currency)
            };
            let amount = signed(entry);
            let mut text = plain_amount(amount.abs(), &currency, '.');
            if amount.is_sign_negative() && !amount.is_zero() {
                text.insert(0, '-');
            }
            out.push_str(&entry_date(entry, fallback).format("%Y-%m-%d").to_string());
            out.push(',');
            out.push_str(&text);
            out.push(',');
            out.push_str(&currency);
            out.push(',');
            quoted(&mut out, &reference(entry));
            out.push(',');
            quoted(
                &mut out,
                &present(entry.counterparty.as_deref()).unwrap_or_default(),
            );
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}

/// The remittance lines joined with spaces, then each creditor reference
/// the text does not already hold.
pub(super) fn reference(entry: &crate::statement::Entry) -> String {
    let mut text = lines(entry).join(" ");
    for reference in references(entry) {
        let held = text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '(' | ')'))
            .any(|token| token.trim_end_matches(['.', ':']) == reference);
        if !held {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&reference);
        }
    }
    text
}

/// RFC 4180: a field holding a comma, a quote, a line break (or, as the
/// reader trims, white space at either end) is quoted, quotes doubled.
fn quoted(out: &mut String, field: &str) {
    let needs = field.contains([',', '"', '\r', '\n'])
        || field.starts_with(char::is_whitespace)
        || field.ends_with(char::is_whitespace);
    if !needs {
        out.push_str(field);
        return;
    }
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}
