//! The contract's CSV statement: a header naming `date`, `amount`,
//! `currency`, `reference` and `counterparty` (any order, any case, other
//! columns ignored, an optional `account`), then one row per movement.
//! RFC 4180 quoting (the `csv` crate). UTF-8, or Windows-1252 where the
//! bytes are not UTF-8; a byte-order mark is dropped.
//!
//! - `date`: `YYYY-MM-DD` (read as the booking date);
//! - `amount`: signed decimal with `.`, negative for a debit, `+` allowed;
//! - `currency`: three upper-case letters;
//! - `reference`: one remittance line (also a creditor reference when it
//!   holds an `RF…` token);
//! - `counterparty`: the other party's name.
//!
//! The whole file is one [`Statement`] (account `csv`, or the `account`
//! column's value, which must be the same on every row).

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::mt940::{creditor_reference_tokens, text};
use crate::statement::{Direction, Entry, Format, ParseError, Statement};

const COLUMNS: [&str; 5] = ["date", "amount", "currency", "reference", "counterparty"];

fn error(line: u64, message: impl Into<String>) -> ParseError {
    ParseError {
        format: Format::Csv,
        location: format!("line {line}"),
        message: message.into(),
    }
}

fn csv_error(error_: &::csv::Error, fallback_line: u64) -> ParseError {
    let line = error_
        .position()
        .map_or(fallback_line, ::csv::Position::line);
    error(line, error_.to_string())
}

/// Where each column is.
struct Columns {
    date: usize,
    amount: usize,
    currency: usize,
    reference: usize,
    counterparty: usize,
    account: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_header(header: &::csv::StringRecord) -> Result<Columns, ParseError> {
        let names: Vec<String> = header
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .collect();
        let find = |wanted: &str| -> Result<Option<usize>, ParseError> {
            let mut found = names
                .iter()
                .enumerate()
                .filter(|(_, name)| *name == wanted)
                .map(|(i, _)| i);
            match (found.next(), found.next()) {
                (Some(_), Some(_)) => Err(error(
                    1,
                    format!("column `{wanted}` appears twice in the header"),
                )),
                (index, _) => Ok(index),
            }
        };
        let required = |wanted: &str| -> Result<usize, ParseError> {
            find(wanted)?.ok_or_else(|| {
                error(
                    1,
                    format!(
                        "missing column `{wanted}`: the header must name {}",
                        COLUMNS.join(", ")
                    ),
                )
            })
        };
        Ok(Columns {
            date: required("date")?,
            amount: required("amount")?,
            currency: required("currency")?,
            reference: required("reference")?,
            counterparty: required("counterparty")?,
            account: find("account")?,
            count: names.len(),
        })
    }
}

/// Reads the whole file as one statement, or refuses it.
pub fn parse(bytes: &[u8]) -> Result<Vec<Statement>, ParseError> {
    let text = text::decode(bytes);
    if text.trim().is_empty() {
        return Err(error(
            1,
            format!("empty file: expected the header {}", COLUMNS.join(",")),
        ));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        Some(header) => header.map_err(|e| csv_error(&e, 1))?,
        None => return Err(error(1, "empty file: no header")),
    };
    let columns = Columns::from_header(&header)?;
    let mut account: Option<String> = None;
    let mut entries = Vec::new();
    let mut last_line = 1;
    for row in rows {
        let row = row.map_err(|e| csv_error(&e, last_line + 1))?;
        let line = row.position().map_or(last_line + 1, ::csv::Position::line);
        last_line = line;
        if row.iter().all(str::is_empty) {
            continue;
        }
        if row.len() != columns.count {
            return Err(error(
                line,
                format!(
                    "{} fields where the header has {}",
                    row.len(),
                    columns.count
                ),
            ));
        }
        let field = |index: usize| row.get(index).unwrap_or_default();
        if let Some(index) = columns.account {
            let value = field(index);
            if value.is_empty() {
                return Err(error(line, "column `account`: empty"));
            }
            match &account {
                Some(first) if first != value => {
                    return Err(error(
                        line,
                        format!("column `account`: `{value}` differs from `{first}` on an earlier row; one file is one account"),
                    ));
                }
                Some(_) => {}
                None => account = Some(value.to_owned()),
            }
        }
        entries.push(entry(line, &field, &columns)?);
    }
    if entries.is_empty() {
        return Err(error(last_line, "no rows after the header"));
    }
    let currency = entries
        .first()
        .map(|e: &Entry| e.currency.clone())
        .filter(|first| entries.iter().all(|e| &e.currency == first));
    Ok(vec![Statement {
        format: Format::Csv,
        version: "CSV".into(),
        account: account.unwrap_or_else(|| "csv".into()),
        statement_id: None,
        sequence: None,
        currency,
        opening_balance: None,
        closing_balance: None,
        entries,
    }])
}

fn entry<'a>(
    line: u64,
    field: &impl Fn(usize) -> &'a str,
    columns: &Columns,
) -> Result<Entry, ParseError> {
    let date = date(field(columns.date)).ok_or_else(|| {
        error(
            line,
            format!(
                "column `date`: `{}` is not a YYYY-MM-DD date",
                field(columns.date)
            ),
        )
    })?;
    let signed = amount(field(columns.amount)).ok_or_else(|| {
        error(
            line,
            format!(
                "column `amount`: `{}` is not a decimal number with `.` (like -1234.56)",
                field(columns.amount)
            ),
        )
    })?;
    let currency = field(columns.currency);
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(error(
            line,
            format!("column `currency`: `{currency}` is not three upper-case letters"),
        ));
    }
    let reference = field(columns.reference);
    let counterparty = field(columns.counterparty);
    Ok(Entry {
        booking_date: Some(date),
        value_date: None,
        amount: signed.abs(),
        currency: currency.to_owned(),
        direction: if signed < Decimal::ZERO {
            Direction::Debit
        } else {
            Direction::Credit
        },
        reversal: false,
        bank_reference: None,
        end_to_end_id: None,
        counterparty: (!counterparty.is_empty()).then(|| counterparty.to_owned()),
        counterparty_account: None,
        creditor_references: creditor_reference_tokens(reference),
        remittance: if reference.is_empty() {
            Vec::new()
        } else {
            vec![reference.to_owned()]
        },
        bank_code: None,
    })
}

/// Exactly `YYYY-MM-DD`.
fn date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::from_ymd_opt(
        text[..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..].parse().ok()?,
    )
}

/// `[+-]digits[.digits]`.
fn amount(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() + fraction.len() > 28 {
        return None;
    }
    let value = Decimal::from_str(unsigned).ok()?;
    Some(if text.starts_with('-') { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().expect("test decimal")
    }

    fn one(text: &str) -> Statement {
        let mut statements = parse(text.as_bytes()).expect("parses");
        assert_eq!(statements.len(), 1);
        statements.remove(0)
    }

    fn refused(text: &str) -> ParseError {
        let error = parse(text.as_bytes()).expect_err("refused");
        assert_eq!(error.format, Format::Csv);
        error
    }

    const HEADER: &str = "date,amount,currency,reference,counterparty\n";

    #[test]
    fn a_file_is_one_statement_with_one_entry_per_row() {
        let statement = one(&format!(
            "{HEADER}2024-03-01,1250.00,EUR,INV-2024-0001,ACME GmbH\n2024-03-02,+5,EUR,,\n"
        ));
        assert_eq!(statement.format, Format::Csv);
        assert_eq!(statement.version, "CSV");
        assert_eq!(statement.account, "csv");
        assert_eq!(
            (statement.statement_id.clone(), statement.sequence.clone()),
            (None, None)
        );
        assert_eq!(statement.currency.as_deref(), Some("EUR"));
        assert_eq!(statement.entries.len(), 2);
        let first = &statement.entries[0];
        assert_eq!(first.booking_date, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(
            (first.amount, first.direction),
            (dec("1250.00"), Direction::Credit)
        );
        assert_eq!(first.remittance, vec!["INV-2024-0001"]);
        assert_eq!(first.counterparty.as_deref(), Some("ACME GmbH"));
        let second = &statement.entries[1];
        assert_eq!(
            (second.amount, second.direction),
            (dec("5"), Direction::Credit)
        );
        assert!(second.remittance.is_empty());
        assert_eq!(second.counterparty, None);
    }

    #[test]
    fn a_negative_amount_is_a_debit_of_its_absolute_value() {
        let statement = one(&format!("{HEADER}2024-03-01,-99.95,EUR,fee,Bank\n"));
        assert_eq!(
            (statement.entries[0].amount, statement.entries[0].direction),
            (dec("99.95"), Direction::Debit)
        );
    }

    #[test]
    fn quoted_fields_may_hold_commas_quotes_and_newlines() {
        let statement = one(&format!(
            "{HEADER}2024-03-01,10.00,EUR,\"INV 1, INV 2\",\"Smith, \"\"Jo\"\"\nLtd\"\n"
        ));
        let entry = &statement.entries[0];
        assert_eq!(entry.remittance, vec!["INV 1, INV 2"]);
        assert_eq!(entry.counterparty.as_deref(), Some("Smith, \"Jo\"\nLtd"));
    }

    #[test]
    fn a_row_after_a_multiline_field_is_reported_on_its_own_line() {
        let error = refused(&format!(
            "{HEADER}2024-03-01,10.00,EUR,a,\"two\nlines\"\n2024-03-32,1,EUR,a,b\n"
        ));
        assert_eq!(error.location, "line 4");
    }

    #[test]
    fn columns_may_come_in_any_order_and_case_with_extra_columns_ignored() {
        let statement = one("Counterparty,note,Reference,CURRENCY,amount,date\nACME,ignored,RF18539007547034,CHF,-3.5,2024-01-31\n");
        let entry = &statement.entries[0];
        assert_eq!(
            (entry.amount, entry.direction, entry.currency.as_str()),
            (dec("3.5"), Direction::Debit, "CHF")
        );
        assert_eq!(entry.counterparty.as_deref(), Some("ACME"));
        assert_eq!(entry.creditor_references, vec!["RF18539007547034"]);
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_accepted() {
        let text = "\u{FEFF}date,amount,currency,reference,counterparty\r\n2024-03-01,1.00,EUR,r,c\r\n\r\n";
        let statement = one(text);
        assert_eq!(statement.entries.len(), 1);
        assert_eq!(statement.entries[0].counterparty.as_deref(), Some("c"));
    }

    #[test]
    fn latin1_bytes_are_read_as_latin1() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"2024-03-01,1.00,EUR,r,M\xFCller\n");
        let statement = parse(&bytes).expect("parses").remove(0);
        assert_eq!(statement.entries[0].counterparty.as_deref(), Some("Müller"));
    }

    #[test]
    fn an_account_column_names_the_account_and_must_not_change() {
        let statement = one("account,date,amount,currency,reference,counterparty\nCH93 0076 2011 6238 5295 7,2024-03-01,1.00,CHF,r,c\nCH93 0076 2011 6238 5295 7,2024-03-02,2.00,CHF,r,c\n");
        assert_eq!(statement.account, "CH93 0076 2011 6238 5295 7");
        let error = refused("account,date,amount,currency,reference,counterparty\nA,2024-03-01,1.00,CHF,r,c\nB,2024-03-02,2.00,CHF,r,c\n");
        assert_eq!(error.location, "line 3");
        assert!(error.message.contains("`account`"), "{}", error.message);
    }

    #[test]
    fn mixed_currencies_leave_the_statement_currency_unset() {
        let statement = one(&format!(
            "{HEADER}2024-03-01,1.00,EUR,r,c\n2024-03-01,1.00,USD,r,c\n"
        ));
        assert_eq!(statement.currency, None);
    }

    #[test]
    fn a_missing_column_is_refused_naming_it() {
        let error = refused("date,amount,currency,counterparty\n2024-03-01,1.00,EUR,c\n");
        assert_eq!(error.location, "line 1");
        assert!(
            error.message.contains("missing column `reference`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_file_without_a_header_is_refused() {
        let error = refused("2024-03-01,1.00,EUR,r,c\n");
        assert_eq!(error.location, "line 1");
        assert!(
            error.message.contains("missing column `date`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_duplicated_column_is_refused() {
        assert!(
            refused("date,amount,currency,reference,counterparty,date\n")
                .message
                .contains("twice")
        );
    }

    #[test]
    fn a_bad_date_is_refused_with_its_line_and_column() {
        let error = refused(&format!(
            "{HEADER}2024-03-01,1.00,EUR,r,c\n2024-02-30,1.00,EUR,r,c\n"
        ));
        assert_eq!(error.location, "line 3");
        assert!(
            error.message.starts_with("column `date`: `2024-02-30`"),
            "{}",
            error.message
        );
        for bad in [
            "01.03.2024",
            "2024-3-1",
            "2024-03-01T00:00",
            "2024/03/01",
            "",
        ] {
            assert!(date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_bad_amount_is_refused_naming_the_column() {
        for bad in ["1,00", "1.234,56", "--1", ".5", "5.", "1e3", "EUR 5", ""] {
            let error = refused(&format!("{HEADER}2024-03-01,\"{bad}\",EUR,r,c\n"));
            assert_eq!(error.location, "line 2");
            assert!(
                error.message.starts_with("column `amount`"),
                "{bad}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_currency_not_in_three_upper_case_letters_is_refused() {
        for bad in ["eur", "EURO", "E1R", ""] {
            let error = refused(&format!("{HEADER}2024-03-01,1,{bad},r,c\n"));
            assert!(
                error.message.starts_with("column `currency`"),
                "{bad}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_row_with_too_few_fields_is_refused() {
        let error = refused(&format!("{HEADER}2024-03-01,1.00,EUR\n"));
        assert_eq!(error.location, "line 2");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(refused("").location, "line 1");
        assert!(refused("\u{FEFF}\n  \n").message.contains("empty"));
    }

    #[test]
    fn a_header_without_rows_is_refused() {
        assert!(refused(HEADER).message.contains("no rows"));
    }
}
