//! BAI2: `01`, then per statement and booking date a group (`02` … `98`)
//! holding one account (`03` … `49`) per currency, `16` details with `88`
//! continuations, and `99`, every control total and record count filled in
//! as the parser checks them.

use crate::bai2::codes;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    clean, currency_code, lines, minor_units, movement, present, push_fmt, references, signed,
    statement_currency, statement_date,
};
use crate::statement::{Direction, Entry, Statement};

/// Longest text element (the `16` text, or one `88`): longer remittance
/// lines continue in further `88`s.
pub(super) const TEXT_WIDTH: usize = 80;

const SENDER: &str = "O2C";
const RECEIVER: &str = "O2CBANK";

/// Counts and totals of one trailer's scope.
#[derive(Default, Clone, Copy)]
struct Totals {
    sum: i128,
    records: u64,
}

pub(super) fn write(statements: &[Statement]) -> Vec<u8> {
    let created = statements
        .iter()
        .map(statement_date)
        .max()
        .unwrap_or_default();
    let mut out =
        String::with_capacity(statements.iter().map(|s| 300 + 200 * s.entries.len()).sum());
    push_fmt(
        &mut out,
        format_args!("01,{SENDER},{RECEIVER},{},0000,1,,,2/\n", yymmdd(created)),
    );
    let mut file = Totals { sum: 0, records: 1 };
    let mut groups = 0u64;
    for statement in statements {
        for (as_of, accounts) in days(statement) {
            let group = write_group(&mut out, statement, as_of, &accounts);
            file.sum = file.sum.saturating_add(group.sum);
            file.records += group.records;
            groups += 1;
        }
    }
    file.records += 1;
    push_fmt(
        &mut out,
        format_args!("99,{},{groups},{}/\n", file.sum, file.records),
    );
    out.into_bytes()
}

/// One account block to write: a currency, its balances, its entries.
struct Block<'a> {
    currency: String,
    opening: Option<Decimal>,
    closing: Option<Decimal>,
    entries: Vec<&'a Entry>,
}

/// The statement split by as-of date (ascending; entries keep their order
/// within a day), each day split by currency (the statement's first),
/// with the running balance in the statement's currency.
fn days(statement: &Statement) -> Vec<(NaiveDate, Vec<Block<'_>>)> {
    let currency = statement_currency(statement, "USD");
    let fallback = statement_date(statement);
    let mut dated: Vec<(NaiveDate, &Entry)> = statement
        .entries
        .iter()
        .map(|e| (super::entry_date(e, fallback), e))
        .collect();
    dated.sort_by_key(|(date, _)| *date);
    let mut days: Vec<(NaiveDate, Vec<&Entry>)> = Vec::new();
    for (date, entry) in dated {
        match days.last_mut() {
            Some((day, entries)) if *day == date => entries.push(entry),
            _ => days.push((date, vec![entry])),
        }
    }
    if days.is_empty() {
        days.push((fallback, Vec::new()));
    }
    let opening = statement.opening_balance.as_ref().map(|b| b.amount);
    let closing = statement.closing_balance.as_ref().map(|b| b.amount);
    let last = days.len().saturating_sub(1);
    let mut running = opening;
    let mut out = Vec::with_capacity(days.len());
    for (index, (date, entries)) in days.into_iter().enumerate() {
        let mut blocks: Vec<Block<'_>> = vec![Block {
            currency: currency.clone(),
            opening: None,
            closing: None,
            entries: Vec::new(),
        }];
        for entry in entries {
            let code = if entry.currency.trim().is_empty() {
                currency.clone()
            } else {
                currency_code(&entry.currency)
            };
            match blocks.iter_mut().find(|b| b.currency == code) {
                Some(block) => block.entries.push(entry),
                None => blocks.push(Block {
                    currency: code,
                    opening: None,
                    closing: None,
                    entries: vec![entry],
                }),
            }
        }
        if let Some(home) = blocks.first_mut() {
            home.opening = running;
            let day_net: Decimal = home.entries.iter().map(|e| signed(e)).sum();
            running = running.map(|r| r + day_net);
            home.closing = if index == last {
                closing.or(running)
            } else {
                running
            };
        }
        if blocks.len() > 1
            && blocks
                .first()
                .is_some_and(|b| b.entries.is_empty() && b.opening.is_none() && b.closing.is_none())
        {
            blocks.remove(0);
        }
        out.push((date, blocks));
    }
    out
}

fn write_group(
    out: &mut String,
    statement: &Statement,
    as_of: NaiveDate,
    blocks: &[Block<'_>],
) -> Totals {
    let currency = blocks.first().map_or("USD", |b| b.currency.as_str());
    push_fmt(
        out,
        format_args!(
            "02,{RECEIVER},{SENDER},1,{},0000,{currency},2/\n",
            yymmdd(as_of)
        ),
    );
    let mut group = Totals { sum: 0, records: 1 };
    let account = field(&statement.account).replace('/', "-");
    let account = if account.is_empty() {
        "0".to_owned()
    } else {
        account
    };
    for block in blocks {
        let totals = write_account(out, &account, block);
        group.sum = group.sum.saturating_add(totals.sum);
        group.records += totals.records;
    }
    group.records += 1;
    push_fmt(
        out,
        format_args!("98,{},{},{}/\n", group.sum, blocks.len(), group.records),
    );
    group
}

fn write_account(out: &mut String, account: &str, block: &Block<'_>) -> Totals {
    let scale = minor_units(&block.currency);
    let mut totals = Totals { sum: 0, records: 1 };
    let mut summary = Vec::new();
    if let Some(opening) = block.opening {
        summary.push((10u16, minor(opening, scale), None));
    }
    if let Some(closing) = block.closing {
        summary.push((15, minor(closing, scale), None));
    }
    let details: Vec<(Decimal, Direction)> = block.entries.iter().map(|e| movement(e)).collect();
    for (code, wanted) in [(100u16, Direction::Credit), (400, Direction::Debit)] {
        let amounts: Vec<i128> = details
            .iter()
            .filter(|(_, d)| *d == wanted)
            .map(|(a, _)| minor(*a, scale))
            .collect();
        summary.push((
            code,
            amounts.iter().fold(0i128, |s, a| s.saturating_add(*a)),
            Some(amounts.len()),
        ));
    }
    let mut record = format!("03,{account},{}", block.currency);
    for (code, amount, count) in &summary {
        totals.sum = totals.sum.saturating_add(*amount);
        push_fmt(
            &mut record,
            format_args!(
                ",{code:03},{amount},{},",
                count.map(|c| c.to_string()).unwrap_or_default()
            ),
        );
    }
    record.push('/');
    out.push_str(&record);
    out.push('\n');
    for entry in &block.entries {
        let (amount, records) = write_detail(out, entry, scale);
        totals.sum = totals.sum.saturating_add(amount);
        totals.records += records;
    }
    totals.records += 1;
    push_fmt(out, format_args!("49,{},{}/\n", totals.sum, totals.records));
    totals
}

/// A `16` and its `88`s; returns the amount in minor units and the number
/// of records written.
fn write_detail(out: &mut String, entry: &Entry, scale: u32) -> (i128, u64) {
    let (amount, direction) = movement(entry);
    let minor_amount = minor(amount, scale);
    let code = type_code(entry.bank_code.as_deref(), direction, entry.reversal);
    let funds = match entry.value_date {
        Some(date) => format!("V,{},", yymmdd(date)),
        None => "Z".to_owned(),
    };
    let bank_reference = present(entry.bank_reference.as_deref())
        .map(|r| field(&r))
        .unwrap_or_default();
    let customer_reference = present(entry.end_to_end_id.as_deref())
        .map(|r| field(&r))
        .unwrap_or_default();

    let mut texts: Vec<String> = lines(entry)
        .iter()
        .flat_map(|line| super::wrap_words(line, TEXT_WIDTH))
        .collect();
    if let Some(name) = present(entry.counterparty.as_deref()) {
        let key = if direction == Direction::Credit {
            "DBNM"
        } else {
            "CRNM"
        };
        texts.push(format!("{key}: {name}"));
    }
    if let Some(account) = present(entry.counterparty_account.as_deref()) {
        let key = if direction == Direction::Credit {
            "DACT"
        } else {
            "CACT"
        };
        texts.push(format!("{key}: {account}"));
    }
    for reference in references(entry) {
        texts.push(format!("CREF: {reference}"));
    }
    let mut texts = texts.into_iter();
    let first = texts.next().unwrap_or_default();
    record(
        out,
        &format!("16,{code},{minor_amount},{funds},{bank_reference},{customer_reference},{first}"),
    );
    let mut records = 1;
    for text in texts {
        record(out, &format!("88,{text}"));
        records += 1;
    }
    (minor_amount, records)
}

/// Writes `body/`: a `/` inside that the reader would take for a record's
/// end (followed, after spaces, by a record code and a comma) becomes `-`.
fn record(out: &mut String, body: &str) {
    let mut rest = body;
    while let Some(at) = rest.find('/') {
        let (head, tail) = (
            rest.get(..at).unwrap_or(""),
            rest.get(at + 1..).unwrap_or(""),
        );
        out.push_str(head);
        out.push(if starts_record(tail.trim_start()) {
            '-'
        } else {
            '/'
        });
        rest = tail;
    }
    out.push_str(rest);
    out.push_str("/\n");
}

fn starts_record(text: &str) -> bool {
    ["01,", "02,", "03,", "16,", "88,", "49,", "98,", "99,"]
        .iter()
        .any(|code| text.starts_with(code))
}

/// A comma-free field (references, account): commas become spaces.
fn field(text: &str) -> String {
    clean(&text.replace(',', " "))
}

/// `amount` in minor units of `scale` decimals, rounded half away from zero.
fn minor(amount: Decimal, scale: u32) -> i128 {
    let rounded =
        amount.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let missing = scale.saturating_sub(rounded.scale());
    rounded
        .mantissa()
        .saturating_mul(10i128.saturating_pow(missing))
}

fn yymmdd(date: NaiveDate) -> String {
    date.format("%y%m%d").to_string()
}

/// The entry's own type code when it agrees with the direction and the
/// reversal flag, else a default: `195` incoming / `495` outgoing money
/// transfer, `252` debit reversal (a credit) / `552` credit reversal.
fn type_code(own: Option<&str>, direction: Direction, reversal: bool) -> String {
    // The reader's own table decides what a code means.
    let fits = |code: u16| matches!(codes::kind(code), codes::Kind::Money(d) if d == direction) && codes::is_reversal(code) == reversal;
    if let Some(own) = own.map(str::trim) {
        if own.len() == 3 && own.bytes().all(|b| b.is_ascii_digit()) && own.parse().is_ok_and(fits)
        {
            return own.to_owned();
        }
    }
    match (direction, reversal) {
        (Direction::Credit, false) => "195",
        (Direction::Debit, false) => "495",
        (Direction::Credit, true) => "252",
        (Direction::Debit, true) => "552",
    }
    .to_owned()
}

