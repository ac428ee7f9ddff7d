//! Writers: [`Statement`]s rendered into a bank file that this crate's own
//! parser ([`crate::parse`]) reads back to the same entries, as far as the
//! format carries them. Made for test data and benchmarks (a seeded
//! generator's credits rendered in every format, parsed back, matched):
//! the output is deterministic (the same statements give the same bytes)
//! and never fails; what a format cannot hold is dropped or bent as listed
//! below, never refused.
//!
//! Text everywhere: control characters (tab and line breaks included)
//! become spaces, and leading and trailing white space is dropped, as every
//! parser here trims. An entry's amount is written as its absolute value
//! (a negative amount flips the direction). Output is UTF-8.
//!
//! What each format carries and loses:
//!
//! - **camt.053.001.08 / camt.054.001.08** ([`Format::Camt053`],
//!   [`Format::Camt054`]): everything in [`Entry`] — dates, amount and
//!   currency per entry, direction, `RvslInd`, `AcctSvcrRef`, `EndToEndId`,
//!   the debtor (credit) or creditor (debit) name and account (`IBAN` when
//!   IBAN-shaped, else `Othr/Id`), every remittance line as one `Ustrd`,
//!   each creditor reference as `Strd/CdtrRefInf/Ref`, the bank code as
//!   `Domn` (`PMNT/RCDT/ESCT`) or `Prtry`. Loses: a statement without id
//!   gets `STMT-n` (`Id` is mandatory); a sequence that is not a number (a
//!   `1/1` from MT940) is left out (`ElctrncSeqNb` is a number); a
//!   camt.054 notification has no balances; an end-to-end id of
//!   `NOTPROVIDED` reads back as none; `Bal` being mandatory in a
//!   statement, a missing opening (closing) balance is written as derived
//!   from the other and the entries, or zero. Lines longer than the
//!   schema's 140 (35 for a creditor reference) are written whole, not cut.
//! - **BAI2** ([`Format::Bai2`]): one group per statement and booking date
//!   (BAI2 books every entry of a group on its as-of date), one `03`
//!   account per currency in it, so a statement over several days reads
//!   back as one statement per day (the first opens with the statement's
//!   opening balance, `010`; the last closes with its closing balance,
//!   `015`; the days between carry the running balance). Carries: booking
//!   date, value date (funds type `V`), amount in minor units (rounded to
//!   the currency's decimals), direction and reversal (through the type
//!   code: the entry's own when it is a BAI2 code of that direction and
//!   reversal, else `195`/`495`, reversals `252`/`552`), bank reference,
//!   end-to-end id (as customer reference), remittance (the `16` text and
//!   one `88` per further line; a line over 80 characters is cut at word
//!   boundaries into several `88`s, i.e. several lines), the counterparty
//!   (`DBNM:`/`CRNM:` text), its account (`DACT:`/`CACT:`) and creditor
//!   references (`CREF:`), each in its own `88`. Loses: creditor references
//!   read back as remittance lines (`CREF: RF…`), and the tag lines
//!   (`DBNM: …`) are remittance lines too; the statement id and sequence
//!   (BAI2 makes its own ids); an entry without booking date gets the as-of
//!   date (value date, else a balance date); commas in references and
//!   accounts become spaces (dashes in accounts), and a `/` that would end
//!   a record (followed by a record code and a comma) becomes `-`; dates
//!   outside 1969–2068.
//! - **MT940** ([`Format::Mt940`]): one message per statement: `:20:`,
//!   `:25:`, `:28C:`, `:60F:`, `:61:` + `:86:` per entry, `:62F:` (closing
//!   = opening + credits − debits; the opening is the statement's, else
//!   closing − net, else zero), `-`. Carries: value date, booking date (as
//!   `MMDD` entry date), amount, direction, reversal (`RC`/`RD`), bank
//!   reference (after `//`), transaction type (the bank code when it is
//!   `N`/`F`/`S` + three characters, else `NTRF`), and in `:86:`
//!   (`/EREF/…/ORDP//NAME/…/IBAN/…/CRF/…/REMI/USTD//…`, `BENM` for a
//!   debit) the end-to-end id, counterparty, its account, creditor
//!   references and one `/REMI/` per remittance line. Loses: the entry
//!   currency (every entry takes the statement's); an entry without value
//!   date gets its booking date as value date; `:86:` holds 6 × 65
//!   characters: past that, the counterparty (up to 140 characters) and the
//!   first remittance line are kept first, then end-to-end id, creditor
//!   references, account, then further remittance lines while they fit (the
//!   last one cut at a word); an `RF…` token in the remittance also reads
//!   back as a creditor reference; a missing statement id or sequence is
//!   written as `O2C-n` / `n`; a text segment that would read as a slash
//!   key (`…/CD/…`) gets a space before it, and a trailing `/` is lost.
//! - **CSV** ([`Format::Csv`]): the contract's `date,amount,currency,
//!   reference,counterparty`, all statements in one file, one row per
//!   entry, RFC 4180 quoting, CRLF. Carries: booking date (else value
//!   date), signed amount (direction), currency, counterparty, and the
//!   remittance lines joined with spaces into `reference`, followed by any
//!   creditor reference the text does not already hold. Loses: value date,
//!   reversal, bank reference, end-to-end id, counterparty account, bank
//!   code, the account and statement boundaries, balances; creditor
//!   references read back only as the `RF…` tokens of `reference`; a zero
//!   debit reads back as a credit.

mod bai2;
mod camt;
mod csv;
mod mt940;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::statement::{Direction, Entry, Format, Statement};

/// Renders `statements` as a file of `format` (see the module docs for
/// what each format carries).
pub fn write(statements: &[Statement], format: Format) -> Vec<u8> {
    match format {
        Format::Camt053 => camt::write(statements, camt::Message::Statement),
        Format::Camt054 => camt::write(statements, camt::Message::Notification),
        Format::Bai2 => bai2::write(statements),
        Format::Mt940 => mt940::write(statements),
        Format::Csv => csv::write(statements),
    }
}

/// Pushes formatted text onto a `String` (which cannot fail).
fn push_fmt(out: &mut String, args: std::fmt::Arguments<'_>) {
    let _ = std::fmt::Write::write_fmt(out, args);
}

/// Control characters as spaces, trimmed.
fn clean(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = mapped.trim();
    if trimmed.len() == mapped.len() {
        mapped
    } else {
        trimmed.to_owned()
    }
}

/// The cleaned text, if any is left.
fn present(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

/// The cleaned, non-empty remittance lines.
fn lines(entry: &Entry) -> Vec<String> {
    entry
        .remittance
        .iter()
        .map(|l| clean(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The cleaned, non-empty creditor references.
fn references(entry: &Entry) -> Vec<String> {
    entry
        .creditor_references
        .iter()
        .map(|r| clean(r))
        .filter(|r| !r.is_empty())
        .collect()
}

/// The entry's amount as written (never negative) and its direction.
fn movement(entry: &Entry) -> (Decimal, Direction) {
    if entry.amount.is_sign_negative() && !entry.amount.is_zero() {
        let flipped = match entry.direction {
            Direction::Credit => Direction::Debit,
            Direction::Debit => Direction::Credit,
        };
        (entry.amount.abs(), flipped)
    } else {
        (entry.amount.abs(), entry.direction)
    }
}

/// Plus for a credit, minus for a debit.
fn signed(entry: &Entry) -> Decimal {
    match movement(entry) {
        (amount, Direction::Credit) => amount,
        (amount, Direction::Debit) => -amount,
    }
}

/// Credits minus debits.
fn net(entries: &[Entry]) -> Decimal {
    entries.iter().map(signed).sum()
}

/// The statement's opening balance: its own, else its closing balance
/// less the entries, else zero.
fn opening_amount(statement: &Statement) -> Decimal {
    match (&statement.opening_balance, &statement.closing_balance) {
        (Some(opening), _) => opening.amount,
        (None, Some(closing)) => closing.amount - net(&statement.entries),
        (None, None) => Decimal::ZERO,
    }
}

/// A currency code as the parsers want it (three upper-case letters), or
/// `XXX` (ISO 4217 "no currency").
fn currency_code(code: &str) -> String {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() == 3 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
        upper
    } else {
        "XXX".to_owned()
    }
}

/// The statement's currency: its own, else a balance's, else its first
/// entry's, else `fallback`.
fn statement_currency(statement: &Statement, fallback: &str) -> String {
    let found = statement
        .currency
        .as_deref()
        .or(statement
            .opening_balance
            .as_ref()
            .map(|b| b.currency.as_str()))
        .or(statement
            .closing_balance
            .as_ref()
            .map(|b| b.currency.as_str()))
        .or(statement.entries.first().map(|e| e.currency.as_str()));
    currency_code(found.unwrap_or(fallback))
}

/// Decimals of a currency's minor unit (ISO 4217): 2 unless listed.
fn minor_units(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount` (not negative) as plain digits with `separator`, at least the
/// currency's decimals (`12` EUR is `12.00`), more when it has them.
fn plain_amount(amount: Decimal, currency: &str, separator: char) -> String {
    let mut amount = amount.abs();
    let decimals = minor_units(currency);
    if amount.scale() < decimals {
        amount.rescale(decimals);
    }
    let text = amount.to_string();
    if separator == '.' {
        text
    } else {
        text.replace('.', &separator.to_string())
    }
}

/// An entry's date for formats that need one: booking date, else value
/// date, else `fallback`.
fn entry_date(entry: &Entry, fallback: NaiveDate) -> NaiveDate {
    entry.booking_date.or(entry.value_date).unwrap_or(fallback)
}

/// A statement's own date: its closing balance's, else its opening's, else
/// its last entry's, else 2000-01-01.
fn statement_date(statement: &Statement) -> NaiveDate {
    statement
        .closing_balance
        .as_ref()
        .and_then(|b| b.date)
        .or(statement.opening_balance.as_ref().and_then(|b| b.date))
        .or(statement
            .entries
            .iter()
            .filter_map(|e| e.booking_date.or(e.value_date))
            .max())
        .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default())
}

/// The first `max` characters of `text`, cut back to the last space when
/// one falls in the second half (so a token is not cut in two), trimmed.
fn cut_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max).collect();
    let cut = match head.rfind(' ') {
        Some(at) if head.get(..at).is_some_and(|h| h.chars().count() * 2 >= max) => {
            head.get(..at).unwrap_or(&head)
        }
        _ => head.as_str(),
    };
    cut.trim_end().to_owned()
}

/// `text` in pieces of at most `width` characters, broken at spaces where
/// possible (the spaces at a break are dropped), else mid-word.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > width {
        let hard = rest
            .char_indices()
            .nth(width)
            .map_or(rest.len(), |(i, _)| i);
        let head = rest.get(..hard).unwrap_or(rest);
        // A space right after the window is a clean break too.
        let at = if rest.get(hard..).is_some_and(|r| r.starts_with(' ')) {
            hard
        } else {
            head.rfind(' ').filter(|&at| at > 0).unwrap_or(hard)
        };
        out.push(rest.get(..at).unwrap_or(rest).trim_end().to_owned());
        rest = rest.get(at..).unwrap_or("").trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

/// IBAN-shaped: two letters, two digits, 11 to 30 letters or digits.
fn is_iban(text: &str) -> bool {
    let b = text.as_bytes();
    (15..=34).contains(&b.len())
        && b.iter().take(2).all(u8::is_ascii_uppercase)
        && b.iter().skip(2).take(2).all(u8::is_ascii_digit)
        && b.iter()
            .skip(4)
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
