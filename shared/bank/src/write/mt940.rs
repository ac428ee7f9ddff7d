//! MT940: one message per statement (`:20:`, `:25:`, `:28C:`, `:60F:`,
//! `:61:` + `:86:` per entry, `:62F:`, `-`), CRLF line ends, `:86:` in the
//! slash-keyed dialect wrapped at 65 characters, at most 6 lines.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    clean, cut_at_word, entry_date, lines, movement, net, opening_amount, plain_amount, present,
    push_fmt, references, statement_currency, statement_date,
};
use crate::statement::{Direction, Entry, Statement};

/// Characters per `:86:` line, and lines per `:86:`.
pub(super) const LINE_WIDTH: usize = 65;
pub(super) const MAX_LINES: usize = 6;

/// The longest counterparty name kept in `:86:`.
const NAME_WIDTH: usize = 140;

// The reader splits `:86:` at these keys (`/KEY/`): a text segment equal
// to one is written with a space before it.
use crate::mt940::info::SLASH_KEYS;

pub(super) fn write(statements: &[Statement]) -> Vec<u8> {
    let mut out =
        String::with_capacity(statements.iter().map(|s| 200 + 300 * s.entries.len()).sum());
    for (index, statement) in statements.iter().enumerate() {
        write_message(&mut out, statement, index + 1);
    }
    out.into_bytes()
}

fn write_message(out: &mut String, statement: &Statement, index: usize) {
    let currency = statement_currency(statement, "EUR");
    let fallback = statement_date(statement);
    let id = present(statement.statement_id.as_deref()).unwrap_or_else(|| format!("O2C-{index}"));
    let account = present(Some(&statement.account)).unwrap_or_else(|| "NOTPROVIDED".to_owned());
    let sequence = present(statement.sequence.as_deref()).unwrap_or_else(|| index.to_string());
    push_fmt(
        out,
        format_args!(":20:{id}\r\n:25:{account}\r\n:28C:{sequence}\r\n"),
    );

    let net = net(&statement.entries);
    let opening = opening_amount(statement);
    let first_day = statement
        .entries
        .iter()
        .map(|e| entry_date(e, fallback))
        .min()
        .unwrap_or(fallback);
    let opening_date = statement
        .opening_balance
        .as_ref()
        .and_then(|b| b.date)
        .unwrap_or(first_day);
    let closing_date = statement
        .closing_balance
        .as_ref()
        .and_then(|b| b.date)
        .unwrap_or(fallback);
    balance(out, "60F", opening, opening_date, &currency);
    for entry in &statement.entries {
        write_entry(out, entry, fallback, &currency);
    }
    balance(out, "62F", opening + net, closing_date, &currency);
    out.push_str("-\r\n");
}

fn balance(out: &mut String, tag: &str, amount: Decimal, date: NaiveDate, currency: &str) {
    let mark = if amount.is_sign_negative() && !amount.is_zero() {
        'D'
    } else {
        'C'
    };
    push_fmt(
        out,
        format_args!(
            ":{tag}:{mark}{}{currency}{}\r\n",
            date.format("%y%m%d"),
            swift_amount(amount, currency)
        ),
    );
}

/// `1234,56`: comma decimal, no sign.
fn swift_amount(amount: Decimal, currency: &str) -> String {
    let text = plain_amount(amount.abs(), currency, ',');
    if text.contains(',') {
        text
    } else {
        text + ","
    }
}

fn write_entry(out: &mut String, entry: &Entry, fallback: NaiveDate, currency: &str) {
    let (amount, direction) = movement(entry);
    let value_date = entry.value_date.or(entry.booking_date).unwrap_or(fallback);
    let mark = match (direction, entry.reversal) {
        (Direction::Credit, false) => "C",
        (Direction::Debit, false) => "D",
        // RC: reversal of a credit, money out; RD: reversal of a debit.
        (Direction::Debit, true) => "RC",
        (Direction::Credit, true) => "RD",
    };
    push_fmt(out, format_args!(":61:{}", value_date.format("%y%m%d")));
    if let Some(booking) = entry.booking_date {
        push_fmt(out, format_args!("{}", booking.format("%m%d")));
    }
    push_fmt(
        out,
        format_args!(
            "{mark}{}{}NONREF",
            swift_amount(amount, currency),
            transaction_type(entry.bank_code.as_deref())
        ),
    );
    if let Some(reference) = present(entry.bank_reference.as_deref()) {
        out.push_str("//");
        out.push_str(&reference);
    }
    out.push_str("\r\n");
    let info = information(entry, direction);
    for (n, line) in wrap(&info).iter().enumerate() {
        if n == 0 {
            out.push_str(":86:");
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
}

/// `N`, `F` or `S` and three letters or digits, else `NTRF`.
fn transaction_type(code: Option<&str>) -> String {
    match code.map(str::trim) {
        Some(code)
            if code.len() == 4
                && code.starts_with(['N', 'F', 'S'])
                && code.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            code.to_owned()
        }
        _ => "NTRF".to_owned(),
    }
}

/// The `:86:` text, unwrapped, at most what 6 lines of 65 hold: the fields
/// in reading order, chosen by priority when they do not all fit.
pub(super) fn information(entry: &Entry, direction: Direction) -> String {
    let mut budget = LINE_WIDTH * MAX_LINES;
    loop {
        let text = fitted(entry, direction, budget);
        if text.is_empty() || wrap(&text).len() <= MAX_LINES || budget < LINE_WIDTH {
            return text;
        }
        // Lines were shortened to keep a tag-like start off a line: less text.
        budget -= 8;
    }
}

fn fitted(entry: &Entry, direction: Direction, budget: usize) -> String {
    let party_key = match direction {
        Direction::Credit => "/ORDP/",
        Direction::Debit => "/BENM/",
    };
    let name = present(entry.counterparty.as_deref()).map(|n| value(&cut_at_word(&n, NAME_WIDTH)));
    let end_to_end =
        present(entry.end_to_end_id.as_deref()).map(|v| format!("/EREF/{}", value(&v)));
    let account =
        present(entry.counterparty_account.as_deref()).map(|v| format!("/IBAN/{}", value(&v)));
    let creditor: Vec<String> = references(entry)
        .iter()
        .map(|r| format!("/CRF/{}", value(r)))
        .collect();
    let remittance: Vec<String> = lines(entry).iter().map(|l| value(l)).collect();
    const REMI: &str = "/REMI/USTD//";

    let mut left = budget;
    // Priority: the party block with the name, the first remittance line
    // (both cut to fit if need be), end-to-end id, creditor references,
    // the account, then further remittance lines.
    let mut kept_name = None;
    if let Some(name) = &name {
        let head = party_key.chars().count() + "/NAME/".len();
        let fits = left.saturating_sub(head);
        if fits > 0 {
            let name = cut_at_word(name, fits);
            left -= head + name.chars().count();
            kept_name = Some(name);
        }
    }
    let mut kept_lines: Vec<String> = Vec::new();
    if let Some(first) = remittance.first() {
        let fits = left.saturating_sub(REMI.len());
        if fits > 0 {
            let line = cut_at_word(first, fits);
            left -= REMI.len() + line.chars().count();
            kept_lines.push(line);
        }
    }
    let kept_end_to_end = end_to_end.filter(|f| take(f, &mut left));
    let kept_creditor: Vec<&String> = creditor.iter().filter(|f| take(f, &mut left)).collect();
    let head = if kept_name.is_some() {
        0
    } else {
        party_key.len()
    };
    let kept_account = account.filter(|f| f.chars().count() + head <= left);
    if let Some(account) = &kept_account {
        left -= account.chars().count() + head;
    }
    for line in remittance.iter().skip(1) {
        let n = REMI.len() + line.chars().count();
        if n <= left {
            left -= n;
            kept_lines.push(line.clone());
        } else {
            // Cut the first line that does not fit, if enough of it shows.
            if left >= REMI.len() + 12 {
                kept_lines.push(cut_at_word(line, left - REMI.len()));
            }
            break;
        }
    }

    let mut text = String::new();
    if let Some(field) = &kept_end_to_end {
        text.push_str(field);
    }
    if kept_name.is_some() || kept_account.is_some() {
        text.push_str(party_key);
        if let Some(name) = &kept_name {
            text.push_str("/NAME/");
            text.push_str(name);
        }
        if let Some(account) = &kept_account {
            text.push_str(account);
        }
    }
    for field in kept_creditor {
        text.push_str(field);
    }
    for line in kept_lines.iter().filter(|l| !l.is_empty()) {
        text.push_str(REMI);
        text.push_str(line);
    }
    text
}

/// Takes `text`'s length from `left` when it fits.
fn take(text: &str, left: &mut usize) -> bool {
    let n = text.chars().count();
    if n <= *left {
        *left -= n;
        true
    } else {
        false
    }
}

/// A value for `/KEY/value`: a segment the reader would take for a key
/// gets a space before it (`a/ CD/b`); no line breaks.
fn value(text: &str) -> String {
    let text = clean(text);
    if !text.contains('/') && !SLASH_KEYS.contains(&text.as_str()) {
        return text;
    }
    text.split('/')
        .map(|segment| {
            if SLASH_KEYS.contains(&segment) {
                format!(" {segment}")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `text` cut into lines of 65 characters (the reader joins lines of 64 or
/// more back together). A line that would start like a tag (`:61:`), an
/// envelope (`{`), a message end (`-`, `-}`) or be blank starts one
/// character earlier instead.
pub(super) fn wrap(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    // A continuation no break can make safe (a run of `-` or `{` longer
    // than a line) is written behind a `.`, so the reader never takes it
    // for the end of a message or a block: one character added, nothing lost.
    let mut marked = false;
    while start < chars.len() {
        let width = if marked { LINE_WIDTH - 1 } else { LINE_WIDTH };
        let mut len = width.min(chars.len() - start);
        let mut mark_next = false;
        if start + len < chars.len() {
            let full = len;
            while len > 1 && !safe_start(chars.get(start + len..).unwrap_or_default()) {
                len -= 1;
            }
            if !safe_start(chars.get(start + len..).unwrap_or_default()) {
                len = full;
                mark_next = true;
            }
        }
        let mut line = String::with_capacity(len + 1);
        if marked {
            line.push('.');
        }
        line.extend(chars.get(start..start + len).unwrap_or_default().iter());
        out.push(line);
        start += len;
        marked = mark_next;
    }
    out
}

/// Whether a continuation line starting at `rest` reads as text.
fn safe_start(rest: &[char]) -> bool {
    let line: String = rest.iter().take(LINE_WIDTH).collect();
    let trimmed = line.trim();
    !(trimmed.is_empty()
        || trimmed.starts_with('{')
        || trimmed.starts_with("-}")
        || trimmed.bytes().all(|b| b == b'-')
        || looks_like_tag(&line))
}

/// `:NN:` or `:NNa:` at the start (after spaces), as the reader tells tags.
fn looks_like_tag(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix(':') else {
        return false;
    };
    let Some((tag, _)) = rest.split_once(':') else {
        return false;
    };
    let bytes = tag.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    (2..=3).contains(&digits)
        && (bytes.len() == digits
            || (bytes.len() == digits + 1 && bytes.get(digits).is_some_and(u8::is_ascii_uppercase)))
}
