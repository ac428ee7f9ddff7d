//! SWIFT MT940 customer statement messages, one [`Statement`] per message.
//!
//! Read leniently where banks differ harmlessly: UTF-8 or Windows-1252
//! bytes, CRLF/LF/CR, free text before the first message, SWIFT block
//! envelopes (`{1:…}{2:…}{4:` … `-}{5:…}`), bank header lines between
//! messages (`ABNANL2A`, `940`, `:940:`), `-` separators or none, funds
//! codes, zero-padded amounts and a bare trailing decimal comma.
//!
//! Refused whole where the money would be guessed: a `:61:` or balance that
//! does not match its grammar, an unknown debit/credit mark, an impossible
//! date, a tag outside a message, a repeated `:25:`/`:60a:`/`:62a:`, a
//! `:61:` after the closing balance, a message without `:25:`, a file
//! without `:20:` or `:61:`.
//!
//! Not in the model, so read and dropped: the `:61:` account owner's
//! reference and funds code, statement-level `:86:` text, `:64:`/`:65:`
//! available balances, `/OCMT/` original amounts, GVC booking text (`?00`).

pub(crate) mod info;
pub(crate) mod text;

pub(crate) use info::creditor_reference_tokens;

#[cfg(test)]
mod samples;

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::statement::{Balance, Direction, Entry, Format, ParseError, Statement};
use info::InfoLine;

/// Reads every message in an MT940 file, or refuses the whole file.
pub fn parse(bytes: &[u8]) -> Result<Vec<Statement>, ParseError> {
    let text = text::decode(bytes);
    let mut reader = Reader::default();
    for (index, line) in text::lines(&text).iter().enumerate() {
        reader.line(index + 1, line)?;
    }
    reader.finish()
}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        format: Format::Mt940,
        location: format!("line {line}"),
        message: message.into(),
    }
}

/// Where the reader is, for what an untagged line or an `:86:` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Before the first message or after a `-` separator.
    Outside,
    /// In a message, before its first `:61:` (`:86:` here is statement level).
    Header,
    /// Right after a `:61:`: the next untagged line is its supplementary details.
    StatementLine,
    /// In an `:86:` that belongs to the last `:61:`.
    EntryInfo,
    /// At or after the closing balance (`:86:` here is statement level).
    Closing,
}

#[derive(Debug)]
struct Reader {
    statements: Vec<Statement>,
    message: Option<Message>,
    context: Context,
    first_message_line: Option<usize>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            statements: Vec::new(),
            message: None,
            context: Context::Outside,
            first_message_line: None,
        }
    }
}

/// One message as read so far.
#[derive(Debug)]
struct Message {
    /// Line of its `:20:`.
    line: usize,
    statement_id: Option<String>,
    account: Option<String>,
    sequence: Option<String>,
    opening: Option<Balance>,
    closing: Option<Balance>,
    lines: Vec<PendingLine>,
}

/// A `:61:` with what follows it.
#[derive(Debug)]
struct PendingLine {
    line: usize,
    fields: StatementLine,
    supplementary: Option<String>,
    info: Vec<InfoLine>,
}

/// The fields of a `:61:` the model keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StatementLine {
    value_date: NaiveDate,
    booking_date: Option<NaiveDate>,
    direction: Direction,
    reversal: bool,
    amount: Decimal,
    transaction_type: String,
    bank_reference: Option<String>,
}

impl Reader {
    fn line(&mut self, number: usize, raw: &str) -> Result<(), ParseError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        // Message ends: `-`, a line of dashes, or the envelope's `-}`
        // (possibly followed by `{5:…}` and the next `{1:…}{2:…}{4:`).
        let content = if let Some(rest) = trimmed.strip_prefix("-}") {
            self.end_message()?;
            match rest.find("{4:") {
                Some(at) => &rest[at + 3..],
                None => return Ok(()),
            }
        } else if trimmed.bytes().all(|b| b == b'-') {
            return self.end_message();
        } else if trimmed.starts_with('{') {
            match trimmed.find("{4:") {
                Some(at) => &trimmed[at + 3..],
                None => return Ok(()),
            }
        } else {
            raw
        };
        if content.trim().is_empty() {
            return Ok(());
        }
        match split_tag(content) {
            Some((tag, value)) => self.tag(number, tag, value),
            None => {
                self.untagged(content);
                Ok(())
            }
        }
    }

    fn untagged(&mut self, text: &str) {
        let Some(message) = self.message.as_mut() else {
            return;
        };
        let Some(last) = message.lines.last_mut() else {
            return;
        };
        match self.context {
            Context::StatementLine => {
                let text = text.trim();
                last.supplementary = Some(match last.supplementary.take() {
                    Some(before) => format!("{before} {text}"),
                    None => text.to_owned(),
                });
            }
            Context::EntryInfo => last.info.push(InfoLine {
                text: text.to_owned(),
                starts_field: false,
            }),
            // Statement-level `:86:` continuations, and bank header lines
            // between messages that have no `-` separator.
            Context::Outside | Context::Header | Context::Closing => {}
        }
    }

    fn tag(&mut self, number: usize, tag: &str, value: &str) -> Result<(), ParseError> {
        if tag == "20" {
            self.end_message()?;
            self.first_message_line.get_or_insert(number);
            self.message = Some(Message {
                line: number,
                statement_id: non_empty(value),
                account: None,
                sequence: None,
                opening: None,
                closing: None,
                lines: Vec::new(),
            });
            self.context = Context::Header;
            return Ok(());
        }
        let needs_message = matches!(
            tag,
            "25" | "28" | "28C" | "60" | "60F" | "60M" | "61" | "62" | "62F" | "62M" | "86"
        );
        let Some(message) = self.message.as_mut() else {
            if needs_message {
                return Err(error(
                    number,
                    format!(":{tag}: outside a message (no :20: before it)"),
                ));
            }
            // `:940:` headers and the like.
            return Ok(());
        };
        let after_closing = self.context == Context::Closing;
        match tag {
            "25" => {
                if message.account.is_some() {
                    return Err(error(number, "second :25: account in one message"));
                }
                let account = account(value);
                if account.is_empty() {
                    return Err(error(number, ":25: account is empty"));
                }
                message.account = Some(account);
            }
            "28" | "28C" => message.sequence = non_empty(value),
            "60" | "60F" | "60M" => {
                if message.opening.is_some() {
                    return Err(error(number, "second opening balance in one message"));
                }
                message.opening =
                    Some(balance(value).map_err(|m| error(number, format!(":{tag}: {m}")))?);
            }
            "62" | "62F" | "62M" => {
                if message.closing.is_some() {
                    return Err(error(number, "second closing balance in one message"));
                }
                message.closing =
                    Some(balance(value).map_err(|m| error(number, format!(":{tag}: {m}")))?);
                self.context = Context::Closing;
            }
            "64" | "65" => self.context = Context::Closing,
            "61" => {
                if after_closing {
                    return Err(error(number, ":61: after the closing balance"));
                }
                let fields =
                    statement_line(value).map_err(|m| error(number, format!(":61: {m}")))?;
                message.lines.push(PendingLine {
                    line: number,
                    fields,
                    supplementary: None,
                    info: Vec::new(),
                });
                self.context = Context::StatementLine;
            }
            "86" => {
                if matches!(self.context, Context::StatementLine | Context::EntryInfo) {
                    if let Some(last) = message.lines.last_mut() {
                        last.info.push(InfoLine {
                            text: value.to_owned(),
                            starts_field: true,
                        });
                        self.context = Context::EntryInfo;
                    }
                }
            }
            // `:21:`, `:13D:`, `:34F:`, `:90C:`/`:90D:` (MT942) and others.
            _ => {}
        }
        Ok(())
    }

    fn end_message(&mut self) -> Result<(), ParseError> {
        self.context = Context::Outside;
        let Some(message) = self.message.take() else {
            return Ok(());
        };
        let account = message
            .account
            .ok_or_else(|| error(message.line, "message has no :25: account"))?;
        let currency = message
            .opening
            .as_ref()
            .or(message.closing.as_ref())
            .map(|balance| balance.currency.clone());
        let mut entries = Vec::with_capacity(message.lines.len());
        for pending in message.lines {
            let Some(currency) = currency.clone() else {
                return Err(error(
                    pending.line,
                    ":61: in a message without a :60F:/:62F: balance to give its currency",
                ));
            };
            entries.push(entry(pending, currency));
        }
        self.statements.push(Statement {
            format: Format::Mt940,
            version: "MT940".into(),
            account,
            statement_id: message.statement_id,
            sequence: message.sequence,
            currency,
            opening_balance: message.opening,
            closing_balance: message.closing,
            entries,
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Statement>, ParseError> {
        self.end_message()?;
        // A message without `:61:` is a day without movements: its
        // balances are still a statement. A file without any message is not.
        if self.first_message_line.is_none() {
            return Err(error(1, "no :20: tag: not an MT940 statement file"));
        }
        Ok(self.statements)
    }
}

fn entry(pending: PendingLine, currency: String) -> Entry {
    let fields = pending.fields;
    let mut details = info::parse(&pending.info, fields.direction);
    if details.counterparty_account.is_none() {
        details.counterparty_account = pending
            .supplementary
            .as_deref()
            .and_then(supplementary_account);
    }
    Entry {
        booking_date: fields.booking_date,
        value_date: Some(fields.value_date),
        amount: fields.amount,
        currency,
        direction: fields.direction,
        reversal: fields.reversal,
        bank_reference: fields.bank_reference,
        end_to_end_id: details.end_to_end_id,
        counterparty: details.counterparty,
        counterparty_account: details.counterparty_account,
        creditor_references: details.creditor_references,
        remittance: details.remittance,
        bank_code: Some(fields.transaction_type),
    }
}

/// `:NN:` or `:NNa:` (and the `:940:` header line) at the start of a line.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix(':')?;
    let (tag, value) = rest.split_once(':')?;
    let bytes = tag.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let shaped = (2..=3).contains(&digits)
        && (bytes.len() == digits
            || (bytes.len() == digits + 1 && bytes[digits].is_ascii_uppercase()));
    shaped.then_some((tag, value))
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `:25:` keeps the account: drops a `BIC/` or bank-code prefix and a
/// currency suffix (`NL… EUR`, `NL…/EUR`, or glued to an IBAN).
fn account(value: &str) -> String {
    let value = value.trim();
    let mut tokens: Vec<&str> = value.split_whitespace().collect();
    if tokens.len() > 1 && tokens.last().is_some_and(|t| is_currency(t)) {
        tokens.pop();
    }
    let value = tokens.join(" ");
    let mut parts: Vec<&str> = value.split('/').collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| is_currency(p)) {
        parts.pop();
    }
    if parts.len() > 1 && parts.first().is_some_and(|p| is_bic(p) || is_bank_code(p)) {
        parts.remove(0);
    }
    let account = parts.join("/");
    strip_glued_currency(&account).unwrap_or(account)
}

fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_bic(text: &str) -> bool {
    let bytes = text.as_bytes();
    (bytes.len() == 8 || bytes.len() == 11)
        && bytes[..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_bank_code(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `CC12…`: two letters, two check digits, 11 to 30 letters or digits.
fn is_iban_shaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    (15..=34).contains(&bytes.len())
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `NL91ABNA0417164300EUR` → `NL91ABNA0417164300` (an IBAN whose last
/// character is a digit, then three letters).
fn strip_glued_currency(account: &str) -> Option<String> {
    let split = account.len().checked_sub(3)?;
    let (iban, currency) = (account.get(..split)?, account.get(split..)?);
    let ends_in_digit = iban.as_bytes().last().is_some_and(u8::is_ascii_digit);
    (is_currency(currency) && ends_in_digit && is_iban_shaped(iban)).then(|| iban.to_owned())
}

/// The supplementary details of a `:61:` name the counterparty's account
/// when they are one IBAN-shaped token (Rabobank).
fn supplementary_account(text: &str) -> Option<String> {
    let text = text.trim();
    is_iban_shaped(text).then(|| text.to_owned())
}

fn digits(text: &str, from: usize, count: usize) -> Option<&str> {
    let slice = text.get(from..from + count)?;
    slice.bytes().all(|b| b.is_ascii_digit()).then_some(slice)
}

fn two_digits(text: &str, from: usize) -> Option<u32> {
    digits(text, from, 2)?.parse().ok()
}

/// `YYMMDD`, years 1980 to 2079.
fn yymmdd(text: &str) -> Option<NaiveDate> {
    let yy = i32::try_from(two_digits(text, 0)?).ok()?;
    let year = if yy >= 80 { 1900 + yy } else { 2000 + yy };
    NaiveDate::from_ymd_opt(year, two_digits(text, 2)?, two_digits(text, 4)?)
}

/// `MMDD` in the year, of the three around `value_date`'s, nearest to it
/// (a booking on 31 December for a value date of 2 January).
fn month_day_near(text: &str, value_date: NaiveDate) -> Option<NaiveDate> {
    let (month, day) = (two_digits(text, 0)?, two_digits(text, 2)?);
    let year = value_date.year();
    [year - 1, year, year + 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|date| (*date - value_date).num_days().abs())
}

/// `1234,56`, `300,`, `000000001000,00`, or `1234`: comma decimal, no sign.
fn amount(text: &str) -> Result<Decimal, String> {
    let (whole, fraction) = text.split_once(',').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!(
            "amount `{text}` is not digits with a decimal comma"
        ));
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if whole.len() > 18 || fraction.len() > 10 {
        return Err(format!("amount `{text}` has too many digits"));
    }
    let decimal = if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    };
    Decimal::from_str(&decimal).map_err(|e| format!("amount `{text}`: {e}"))
}

/// `:60F:`/`:62F:`: `C` or `D`, `YYMMDD`, currency, amount.
fn balance(value: &str) -> Result<Balance, String> {
    let value = value.trim();
    let negative = match value.as_bytes().first() {
        Some(b'C') => false,
        Some(b'D') => true,
        _ => return Err(format!("`{value}` does not start with the mark C or D")),
    };
    let date = value
        .get(1..7)
        .and_then(yymmdd)
        .ok_or_else(|| format!("`{value}` has no valid YYMMDD date after the mark"))?;
    let currency = value
        .get(7..10)
        .filter(|c| c.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or_else(|| format!("`{value}` has no three-letter currency after the date"))?;
    let amount = amount(value.get(10..).unwrap_or_default())?;
    Ok(Balance {
        amount: if negative { -amount } else { amount },
        currency: currency.to_owned(),
        date: Some(date),
    })
}

/// `:61:` `YYMMDD[MMDD](C|D|RC|RD)[funds code]amount(N|F|S)xxx
/// customer-ref[//bank-ref]`.
fn statement_line(value: &str) -> Result<StatementLine, String> {
    let text = value.trim();
    let value_date = digits(text, 0, 6)
        .and_then(yymmdd)
        .ok_or_else(|| format!("`{text}` does not start with a valid YYMMDD value date"))?;
    let mut at = 6;
    let mut booking_date = None;
    if let Some(month_day) = digits(text, at, 4) {
        booking_date =
            Some(month_day_near(month_day, value_date).ok_or_else(|| {
                format!("entry date `{month_day}` in `{text}` is not a valid MMDD")
            })?);
        at += 4;
    }
    let bytes = text.as_bytes();
    let (direction, reversal, mark_len) = match (bytes.get(at), bytes.get(at + 1)) {
        (Some(b'R'), Some(b'C')) => (Direction::Debit, true, 2),
        (Some(b'R'), Some(b'D')) => (Direction::Credit, true, 2),
        (Some(b'C'), _) => (Direction::Credit, false, 1),
        (Some(b'D'), _) => (Direction::Debit, false, 1),
        _ => {
            let found: String = text.get(at..).unwrap_or_default().chars().take(2).collect();
            return Err(format!(
                "unknown debit/credit mark `{found}` in `{text}` (expected C, D, RC or RD)"
            ));
        }
    };
    at += mark_len;
    // Funds code: the third letter of the currency code.
    if bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
        at += 1;
    }
    let amount_len = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b',')
        .count();
    let amount_text = text.get(at..at + amount_len).unwrap_or_default();
    if amount_text.is_empty() {
        return Err(format!("no amount after the debit/credit mark in `{text}`"));
    }
    let amount = amount(amount_text)?;
    at += amount_len;
    let transaction_type = text
        .get(at..at + 4)
        .filter(|t| {
            let t = t.as_bytes();
            matches!(t[0], b'N' | b'F' | b'S') && t[1..].iter().all(u8::is_ascii_alphanumeric)
        })
        .ok_or_else(|| {
            let found: String = text.get(at..).unwrap_or_default().chars().take(8).collect();
            format!("expected a transaction type (N, F or S and three characters) after amount `{amount_text}`, found `{found}`")
        })?;
    at += 4;
    let references = text.get(at..).unwrap_or_default();
    let bank_reference = references
        .split_once("//")
        .and_then(|(_account_owner, bank)| non_empty(bank))
        .filter(|reference| reference != "NONREF");
    Ok(StatementLine {
        value_date,
        booking_date,
        direction,
        reversal,
        amount,
        transaction_type: transaction_type.to_owned(),
        bank_reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().expect("test decimal")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    fn one(text: &str) -> Statement {
        let mut statements = parse(text.as_bytes()).expect("parses");
        assert_eq!(statements.len(), 1, "{statements:?}");
        statements.remove(0)
    }

    fn line(value: &str) -> StatementLine {
        statement_line(value).expect("valid :61:")
    }

    const MINIMAL: &str = ":20:REF1\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C240101EUR100,00\n:61:2401020102C50,00NTRFNONREF\n:62F:C240102EUR150,00\n";

    #[test]
    fn a_minimal_message_is_one_statement() {
        let statement = one(MINIMAL);
        assert_eq!(statement.format, Format::Mt940);
        assert_eq!(statement.version, "MT940");
        assert_eq!(statement.statement_id.as_deref(), Some("REF1"));
        assert_eq!(statement.account, "NL91ABNA0417164300");
        assert_eq!(statement.sequence.as_deref(), Some("1/1"));
        assert_eq!(statement.currency.as_deref(), Some("EUR"));
        assert_eq!(
            statement.opening_balance,
            Some(Balance {
                amount: dec("100.00"),
                currency: "EUR".into(),
                date: Some(date(2024, 1, 1))
            })
        );
        assert_eq!(
            statement.closing_balance.map(|b| b.amount),
            Some(dec("150.00"))
        );
        let entry = &statement.entries[0];
        assert_eq!(entry.amount, dec("50.00"));
        assert_eq!(entry.currency, "EUR");
        assert_eq!(entry.direction, Direction::Credit);
        assert_eq!(entry.value_date, Some(date(2024, 1, 2)));
        assert_eq!(entry.booking_date, Some(date(2024, 1, 2)));
        assert_eq!(entry.bank_code.as_deref(), Some("NTRF"));
        assert_eq!(entry.bank_reference, None);
    }

    #[test]
    fn a_debit_balance_is_negative() {
        let balance = balance("D070903EUR970499,9").expect("valid");
        assert_eq!(balance.amount, dec("-970499.9"));
    }

    #[test]
    fn a_bare_trailing_comma_and_zero_padding_are_amounts() {
        assert_eq!(amount("35122,").expect("valid"), dec("35122"));
        assert_eq!(amount("000000001000,00").expect("valid"), dec("1000.00"));
        assert_eq!(amount("0,").expect("valid"), dec("0"));
    }

    #[test]
    fn an_amount_with_a_decimal_point_or_two_commas_is_refused() {
        assert!(amount("1.5").is_err());
        assert!(amount("1,5,0").is_err());
        assert!(amount(",50").is_err());
        assert!(amount("1234567890123456789012,00").is_err());
    }

    #[test]
    fn the_entry_date_takes_the_year_of_the_value_date() {
        assert_eq!(
            line("0909300929CK2000,00NMSCDB faktura//1234567").booking_date,
            Some(date(2009, 9, 29))
        );
    }

    #[test]
    fn an_entry_date_across_year_end_moves_to_the_nearer_year() {
        assert_eq!(
            line("2401021231D1,00NTRFNONREF").booking_date,
            Some(date(2023, 12, 31))
        );
        assert_eq!(
            line("2312310102D1,00NTRFNONREF").booking_date,
            Some(date(2024, 1, 2))
        );
    }

    #[test]
    fn without_an_entry_date_there_is_no_booking_date() {
        let fields = line("130101D000000000025,00N102EREF            ");
        assert_eq!(fields.booking_date, None);
        assert_eq!(fields.value_date, date(2013, 1, 1));
        assert_eq!(fields.amount, dec("25.00"));
        assert_eq!(fields.transaction_type, "N102");
    }

    #[test]
    fn a_funds_code_letter_after_the_mark_is_skipped() {
        let fields = line("0909290929DK829419,78NTRFDansken");
        assert_eq!(
            (fields.direction, fields.amount),
            (Direction::Debit, dec("829419.78"))
        );
        let fields = line("1701190119CN0,01NTRFNONREF//MB170119012058");
        assert_eq!(
            (fields.direction, fields.amount),
            (Direction::Credit, dec("0.01"))
        );
        assert_eq!(fields.bank_reference.as_deref(), Some("MB170119012058"));
    }

    #[test]
    fn rc_is_a_reversed_credit_so_money_goes_out() {
        let fields = line("0709040904RCR204,88NRTINONREF");
        assert_eq!(
            (fields.direction, fields.reversal),
            (Direction::Debit, true)
        );
    }

    #[test]
    fn rd_is_a_reversed_debit_so_money_comes_in() {
        let fields = line("0709040904RD204,88NRTINONREF");
        assert_eq!(
            (fields.direction, fields.reversal),
            (Direction::Credit, true)
        );
    }

    #[test]
    fn the_bank_reference_follows_the_double_slash() {
        let fields = line("1203290329DD20000,00NTRF1004688128      //6128522200250001");
        assert_eq!(fields.bank_reference.as_deref(), Some("6128522200250001"));
        assert_eq!(
            line("0910021002DK10625,00NMSCDBT.F.M.T//v/teste kunden")
                .bank_reference
                .as_deref(),
            Some("v/teste kunden")
        );
    }

    #[test]
    fn an_unknown_mark_is_refused() {
        let message = statement_line("2401020102X50,00NTRFNONREF").expect_err("refused");
        assert!(message.contains("unknown debit/credit mark"), "{message}");
        assert!(statement_line("2401020102EC50,00NTRFNONREF").is_err());
    }

    #[test]
    fn a_statement_line_without_transaction_type_is_refused() {
        let message = statement_line("2401020102C50.00NTRF").expect_err("refused");
        assert!(message.contains("transaction type"), "{message}");
        assert!(statement_line("2401020102C50,00XTRF").is_err());
        assert!(statement_line("2401020102C50,00NTR").is_err());
    }

    #[test]
    fn an_impossible_date_is_refused() {
        assert!(statement_line("2402300230C50,00NTRFNONREF").is_err());
        assert!(statement_line("24010C50,00NTRFNONREF").is_err());
        assert!(balance("C241301EUR1,00").is_err());
    }

    #[test]
    fn a_malformed_statement_line_refuses_the_file_naming_its_line() {
        let text = MINIMAL.replace(
            ":61:2401020102C50,00NTRFNONREF",
            ":61:2401020102C5O,00NTRFNONREF",
        );
        let error = parse(text.as_bytes()).expect_err("refused");
        assert_eq!(error.format, Format::Mt940);
        assert_eq!(error.location, "line 5");
        assert!(error.message.starts_with(":61: "), "{}", error.message);
    }

    #[test]
    fn a_malformed_balance_refuses_the_file() {
        let text = MINIMAL.replace(":62F:C240102EUR150,00", ":62F:C240102EUR");
        assert_eq!(
            parse(text.as_bytes()).expect_err("refused").location,
            "line 6"
        );
    }

    #[test]
    fn a_file_without_20_is_refused() {
        let error = parse(b"date,amount\n2024-01-01,5\n").expect_err("refused");
        assert_eq!(error.location, "line 1");
        assert!(error.message.contains(":20:"));
        assert!(parse(b"").is_err());
    }

    #[test]
    fn a_day_without_movements_is_a_statement_without_entries() {
        let statements = parse(b":20:X\n:25:1\n:60F:C240101EUR1,\n:62F:C240101EUR1,\n").expect("a quiet day");
        assert_eq!(statements.len(), 1);
        assert!(statements[0].entries.is_empty());
    }

    #[test]
    fn a_tag_before_any_20_is_refused() {
        let error = parse(b":25:123\n:20:X\n").expect_err("refused");
        assert_eq!(error.location, "line 1");
    }

    #[test]
    fn a_message_without_25_is_refused_at_its_20() {
        let error =
            parse(b"\n:20:X\n:60F:C240101EUR1,\n:61:240101C1,NTRFX\n").expect_err("refused");
        assert_eq!(error.location, "line 2");
    }

    #[test]
    fn a_statement_line_after_the_closing_balance_is_refused() {
        let text = format!("{MINIMAL}:61:2401020102C50,00NTRFNONREF\n");
        assert_eq!(
            parse(text.as_bytes()).expect_err("refused").location,
            "line 7"
        );
    }

    #[test]
    fn crlf_preamble_and_dash_separators_split_messages() {
        let text = format!(
            "Free text preamble\r\n\r\n-----\r\n{}-\r\n{}",
            MINIMAL.replace('\n', "\r\n"),
            MINIMAL.replace("REF1", "REF2")
        );
        let statements = parse(text.as_bytes()).expect("parses");
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].statement_id.as_deref(), Some("REF2"));
    }

    #[test]
    fn a_new_20_without_separator_starts_a_new_message() {
        let text = format!("{MINIMAL}{MINIMAL}");
        assert_eq!(parse(text.as_bytes()).expect("parses").len(), 2);
    }

    #[test]
    fn bank_header_lines_between_messages_are_skipped() {
        let text =
            format!("ABNANL2A\n940\nABNANL2A\n{MINIMAL}-\nABNANL2A\n940\nABNANL2A\n{MINIMAL}-\n");
        assert_eq!(parse(text.as_bytes()).expect("parses").len(), 2);
        assert_eq!(
            parse(format!(":940:\n{MINIMAL}").as_bytes())
                .expect("parses")
                .len(),
            1
        );
    }

    #[test]
    fn swift_envelopes_are_unwrapped_including_back_to_back_messages() {
        let text = format!(
            "{{1:F01BANKBEBBAXXX0000000000}}{{2:I940BANKBEBBXXXXN}}{{4:\n{MINIMAL}-}}{{5:{{CHK:1}}}}{{1:F01X}}{{2:I940X}}{{4::20:REF3\n:25:1\n:60F:C240101EUR1,\n:62F:C240101EUR1,\n-}}{{5:}}"
        );
        let statements = parse(text.as_bytes()).expect("parses");
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].statement_id.as_deref(), Some("REF3"));
    }

    #[test]
    fn latin1_bytes_are_read_as_latin1() {
        let text = MINIMAL.replace(":62F:", ":86:LATIN\n:62F:");
        let (before, after) = text.split_once("LATIN").expect("marker");
        let bytes = [
            before.as_bytes(),
            b"\xDCberweisung Gr\xFC\xDFe",
            after.as_bytes(),
        ]
        .concat();
        let statements = parse(&bytes).expect("parses");
        assert_eq!(
            statements[0].entries[0].remittance,
            vec!["Überweisung Grüße"]
        );
    }

    #[test]
    fn the_86_after_a_61_belongs_to_that_entry_and_continues_on_untagged_lines() {
        let text = MINIMAL.replace(
            ":62F:",
            ":86:First line\nsecond line\n:61:2401020102D5,00NTRFNONREF//B1\n:86:Other\n:62F:",
        );
        let statement = parse(
            text.replace(":62F:C240102EUR150,00", ":62F:C240102EUR145,00")
                .as_bytes(),
        )
        .expect("parses")
        .remove(0);
        assert_eq!(
            statement.entries[0].remittance,
            vec!["First line", "second line"]
        );
        assert_eq!(statement.entries[1].remittance, vec!["Other"]);
    }

    #[test]
    fn an_86_after_the_opening_or_closing_balance_is_statement_level() {
        let text = MINIMAL
            .replace(":61:", ":86:About the account\nmore\n:61:")
            .replace(
                ":62F:C240102EUR150,00\n",
                ":62F:C240102EUR150,00\n:64:C240102EUR150,00\n:86:/OSDR/X\n",
            );
        let statement = one(&text);
        assert!(statement.entries[0].remittance.is_empty());
    }

    #[test]
    fn the_supplementary_line_gives_the_counterparty_iban() {
        let text = MINIMAL.replace("NTRFNONREF\n", "NTRFNONREF\nNL70ABNA0987654321\n");
        assert_eq!(
            one(&text).entries[0].counterparty_account.as_deref(),
            Some("NL70ABNA0987654321")
        );
        let text = MINIMAL.replace("NTRFNONREF\n", "NTRFNONREF\n911-TRANSAKCJA IPH\n");
        assert_eq!(one(&text).entries[0].counterparty_account, None);
    }

    #[test]
    fn the_account_drops_a_bic_or_bank_code_prefix_and_a_currency_suffix() {
        assert_eq!(account("DABADKKK/1234567890"), "1234567890");
        assert_eq!(account("51230800/0000007055"), "0000007055");
        assert_eq!(account("NL71RABO0123456789 EUR"), "NL71RABO0123456789");
        assert_eq!(account("NL71RABO0123456789EUR"), "NL71RABO0123456789");
        assert_eq!(account("NL71RABO0123456789/EUR"), "NL71RABO0123456789");
        assert_eq!(
            account("PL29114010810000267002001002"),
            "PL29114010810000267002001002"
        );
        assert_eq!(account("808XXXXXX292"), "808XXXXXX292");
    }

    #[test]
    fn control_characters_around_the_message_are_ignored() {
        let text = format!("\u{1}\n{MINIMAL}-\u{3}");
        assert_eq!(parse(text.as_bytes()).expect("parses").len(), 1);
    }

    #[test]
    fn no_input_makes_the_parser_panic() {
        let inputs: [&[u8]; 9] = [
            b":61:",
            b":20:\n:25:\n",
            b":20:X\n:25:1\n:60F:C\n",
            b":20:X\n:25:1\n:60F:C240101EUR1,\n:61:24\n",
            b":20:X\n:25:1\n:60F:C240101EUR1,\n:61:240101R\n",
            b":20:X\n:25:1\n:60F:C240101EUR1,\n:61:240101C1,N\n",
            b"\xFF\xFE:\x00\xC3",
            b"{4:",
            b"-}{4:",
        ];
        for input in inputs {
            let _ = parse(input);
        }
        for len in 0..MINIMAL.len() {
            let _ = parse(&MINIMAL.as_bytes()[..len]);
        }
    }
}
