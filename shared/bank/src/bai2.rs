//! BAI2: *Cash Management Balance Reporting Specifications, Version 2*.
//!
//! A file (`01` … `99`) holds groups (`02` … `98`), one per as-of date and
//! originator; a group holds accounts (`03` … `49`); an account holds its
//! summary (type code, amount, item count, funds type, in the `03`) and its
//! transactions (`16`). An `88` continues the record before it. Each
//! account of each group is read as one [`Statement`], each `16` as one
//! [`Entry`].
//!
//! Record delimiting, and the three ways real files bend it, are in the
//! `lex` module. Amounts are whole numbers of the currency's minor unit (2
//! implied decimals, 0 for JPY-like currencies, 3 for BHD-like ones).
//!
//! **Control totals are checked, and a file whose totals or counts do not
//! add up is refused whole** by [`parse`], naming the trailer's line, what
//! it says and what the file holds:
//!
//! * `49`: the account control total is the algebraic sum of every amount
//!   in the account's `03` summary (balances included, continuations
//!   included, funds-type distribution amounts not) and of every `16`
//!   amount; the record count counts the `03`, the `16`s, the `88`s and the
//!   `49` itself;
//! * `98`: the group control total is the sum of its accounts' totals; the
//!   number of accounts; the record count from the `02` to the `98`;
//! * `99`: the file control total is the sum of its groups' totals; the
//!   number of groups; the record count from the `01` to the `99`.
//!
//! Records count as physical records: each `88` is one, a wrapped line of
//! text is not. [`parse_lenient`] reads a file whose trailers disagree and
//! returns each disagreement beside the statements, for a person to judge
//! (moov-io's Goldman-style sample is such a file).

pub(crate) mod codes;
mod lex;
mod tags;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::statement::{Balance, Entry, Format, ParseError, Statement};
use lex::Item;

/// The record codes of BAI2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    /// `01`
    FileHeader,
    /// `02`
    GroupHeader,
    /// `03`
    Account,
    /// `16`
    Detail,
    /// `88`
    Continuation,
    /// `49`
    AccountTrailer,
    /// `98`
    GroupTrailer,
    /// `99`
    FileTrailer,
}

impl Code {
    fn from_digits(digits: &str) -> Option<Code> {
        Some(match digits {
            "01" => Code::FileHeader,
            "02" => Code::GroupHeader,
            "03" => Code::Account,
            "16" => Code::Detail,
            "88" => Code::Continuation,
            "49" => Code::AccountTrailer,
            "98" => Code::GroupTrailer,
            "99" => Code::FileTrailer,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Code::FileHeader => "01 file header",
            Code::GroupHeader => "02 group header",
            Code::Account => "03 account identifier",
            Code::Detail => "16 transaction detail",
            Code::Continuation => "88 continuation",
            Code::AccountTrailer => "49 account trailer",
            Code::GroupTrailer => "98 group trailer",
            Code::FileTrailer => "99 file trailer",
        }
    }
}

/// A file read in full whose control totals or counts may disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lenient {
    pub statements: Vec<Statement>,
    /// Each trailer whose totals or counts disagree with the file, in file
    /// order: the error [`parse`] refuses the file with is the first.
    pub control_mismatches: Vec<ParseError>,
}

/// Reads a BAI2 file into one statement per account per group, or refuses
/// it whole: a malformed record, a missing trailer, or a control total or
/// record count that does not add up.
pub fn parse(bytes: &[u8]) -> Result<Vec<Statement>, ParseError> {
    let read = parse_lenient(bytes)?;
    match read.control_mismatches.into_iter().next() {
        Some(mismatch) => Err(mismatch),
        None => Ok(read.statements),
    }
}

/// Reads a BAI2 file like [`parse`], but returns the trailers whose control
/// totals or counts disagree instead of refusing the file for them. Every
/// other fault still refuses the file.
pub fn parse_lenient(bytes: &[u8]) -> Result<Lenient, ParseError> {
    let text = lex::decode(bytes);
    let items = lex::items(&text).map_err(|(line, message)| error(line, message))?;
    let mut reader = Reader::default();
    let mut pending: Option<Logical> = None;
    let mut last_line = 1;
    for item in items {
        match item {
            Item::Record {
                code: Code::Continuation,
                line,
                body,
            } => {
                last_line = line;
                match pending.as_mut() {
                    Some(Logical::Fields(fields)) => fields.push_piece(line, &body),
                    Some(Logical::Detail(detail, physical)) => {
                        detail.feed_piece(line, &body)?;
                        *physical += 1;
                    }
                    None => {
                        return Err(error(line, "an 88 continuation with no record before it"));
                    }
                }
            }
            Item::Wrap { line, text } => {
                last_line = line;
                match pending.as_mut() {
                    Some(Logical::Detail(detail, _)) => detail.feed_wrap(line, &text)?,
                    _ => {
                        return Err(error(
                            line,
                            "a line with no record code, not after a 16 text",
                        ))
                    }
                }
            }
            Item::Record { code, line, body } => {
                last_line = line;
                if let Some(done) = pending.take() {
                    reader.handle(done)?;
                }
                pending = Some(if code == Code::Detail {
                    let mut detail = Detail::new(line);
                    detail.feed_piece(line, &body)?;
                    Logical::Detail(detail, 1)
                } else {
                    Logical::Fields(Fields::new(code, line, &body))
                });
            }
        }
    }
    if let Some(done) = pending.take() {
        reader.handle(done)?;
    }
    reader.finish(last_line)
}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        format: Format::Bai2,
        location: format!("line {line}"),
        message: message.into(),
    }
}

/// One logical record: a record with its `88` continuations.
enum Logical {
    Fields(Fields),
    /// A `16`, and how many physical records it took (itself and its `88`s).
    Detail(Detail, u64),
}

/// The comma-separated fields of a record other than a `16`, across its
/// `88` continuations (a continuation starts a new field).
struct Fields {
    code: Code,
    line: usize,
    fields: Vec<String>,
    /// The line each field is on.
    lines: Vec<usize>,
    physical: u64,
}

impl Fields {
    fn new(code: Code, line: usize, body: &str) -> Fields {
        let mut fields = Fields {
            code,
            line,
            fields: Vec::new(),
            lines: Vec::new(),
            physical: 0,
        };
        fields.push_piece(line, body);
        fields
    }

    fn push_piece(&mut self, line: usize, body: &str) {
        for field in body.split(',') {
            self.fields.push(field.trim().to_owned());
            self.lines.push(line);
        }
        self.physical += 1;
    }

    /// Field `i`, trimmed; empty when the record has fewer fields.
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }

    fn err(&self, i: usize, message: impl Into<String>) -> ParseError {
        error(self.lines.get(i).copied().unwrap_or(self.line), message)
    }

    /// Field `i` read by `read`, the error naming the field's line.
    fn read<T>(&self, i: usize, read: impl Fn(&str) -> Result<T, String>) -> Result<T, ParseError> {
        read(self.get(i)).map_err(|message| self.err(i, message))
    }
}

/// A `16` being read field by field as its pieces (the record, then each
/// `88`) arrive. Once the text is reached, the rest of the piece is text,
/// commas included, and each later piece is one more text element.
struct Detail {
    line: usize,
    stage: Stage,
    type_code: u16,
    type_raw: String,
    amount: i128,
    value_date: Option<NaiveDate>,
    bank_reference: String,
    customer_reference: String,
    text: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    TypeCode,
    Amount,
    FundsType,
    ValueDate,
    ValueTime,
    /// Funds type `S`: this many availability amounts still to read.
    Split(u8),
    DistributionCount,
    /// Funds type `D`: this many fields (days, amount, …) still to read.
    Distributions(u64),
    BankReference,
    CustomerReference,
    Text,
}

impl Detail {
    fn new(line: usize) -> Detail {
        Detail {
            line,
            stage: Stage::TypeCode,
            type_code: 0,
            type_raw: String::new(),
            amount: 0,
            value_date: None,
            bank_reference: String::new(),
            customer_reference: String::new(),
            text: Vec::new(),
        }
    }

    fn feed_piece(&mut self, line: usize, body: &str) -> Result<(), ParseError> {
        let mut rest = body;
        loop {
            if self.stage == Stage::Text {
                self.text.push(rest.to_owned());
                return Ok(());
            }
            let (field, more) = match rest.split_once(',') {
                Some((field, more)) => (field, Some(more)),
                None => (rest, None),
            };
            self.take(field.trim())
                .map_err(|message| error(line, message))?;
            match more {
                Some(more) => rest = more,
                None => return Ok(()),
            }
        }
    }

    /// A physical line without a record code: more of the text when the
    /// text has begun, else more fields.
    fn feed_wrap(&mut self, line: usize, text: &str) -> Result<(), ParseError> {
        if self.stage != Stage::Text {
            return self.feed_piece(line, text);
        }
        match self.text.last_mut() {
            Some(last) => {
                last.push(' ');
                last.push_str(text);
            }
            None => self.text.push(text.to_owned()),
        }
        Ok(())
    }

    fn take(&mut self, field: &str) -> Result<(), String> {
        self.stage = match self.stage {
            Stage::TypeCode => {
                self.type_code = type_code(field)?;
                self.type_raw = field.to_owned();
                Stage::Amount
            }
            Stage::Amount => {
                self.amount = match amount(field, false)? {
                    Some(amount) => amount,
                    None => return Err("the 16 record has an empty amount".into()),
                };
                Stage::FundsType
            }
            Stage::FundsType => match funds_type(field)? {
                Funds::None => Stage::BankReference,
                Funds::Value => Stage::ValueDate,
                Funds::Split => Stage::Split(3),
                Funds::Distributed => Stage::DistributionCount,
            },
            Stage::ValueDate => {
                if !field.is_empty() {
                    self.value_date = Some(date(field)?);
                }
                Stage::ValueTime
            }
            Stage::ValueTime => {
                value_time(field)?;
                Stage::BankReference
            }
            Stage::Split(left) => {
                amount(field, true)?;
                if left > 1 {
                    Stage::Split(left - 1)
                } else {
                    Stage::BankReference
                }
            }
            Stage::DistributionCount => match count(field)? {
                0 => Stage::BankReference,
                n => Stage::Distributions(n.saturating_mul(2)),
            },
            Stage::Distributions(left) => {
                amount(field, true)?;
                if left > 1 {
                    Stage::Distributions(left - 1)
                } else {
                    Stage::BankReference
                }
            }
            Stage::BankReference => {
                self.bank_reference = field.to_owned();
                Stage::CustomerReference
            }
            Stage::CustomerReference => {
                self.customer_reference = field.to_owned();
                Stage::Text
            }
            Stage::Text => {
                self.text.push(field.to_owned());
                Stage::Text
            }
        };
        Ok(())
    }

    /// The text elements, trimmed, empty ones dropped.
    fn remittance(&self) -> Vec<String> {
        self.text
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

enum Funds {
    /// `0`, `1`, `2`, `Z` or empty: no further fields.
    None,
    /// `V`: value date and time.
    Value,
    /// `S`: immediate, one-day and two-or-more-day amounts.
    Split,
    /// `D`: a count, then that many (days, amount) pairs.
    Distributed,
}

fn funds_type(field: &str) -> Result<Funds, String> {
    Ok(match field {
        "" | "0" | "1" | "2" | "Z" | "z" => Funds::None,
        "V" | "v" => Funds::Value,
        "S" | "s" => Funds::Split,
        "D" | "d" => Funds::Distributed,
        other => return Err(format!("unknown funds type `{}`", lex::excerpt(other))),
    })
}

fn type_code(field: &str) -> Result<u16, String> {
    if field.len() == 3 && field.bytes().all(|b| b.is_ascii_digit()) {
        field
            .parse()
            .map_err(|_| format!("bad type code `{field}`"))
    } else {
        Err(format!(
            "type code `{}` is not three digits",
            lex::excerpt(field)
        ))
    }
}

/// An amount: digits with an optional sign (`+` always, `-` when
/// `signed`), in minor units. Empty is no amount.
fn amount(field: &str, signed: bool) -> Result<Option<i128>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    let (negative, digits) = match field.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, field.strip_prefix('+').unwrap_or(field)),
    };
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad amount `{}`", lex::excerpt(field)));
    }
    if negative && !signed {
        return Err(format!(
            "negative amount `{field}` in a 16 record (its type code gives the direction)"
        ));
    }
    let value: i128 = digits
        .parse()
        .map_err(|_| format!("bad amount `{field}`"))?;
    Ok(Some(if negative { -value } else { value }))
}

/// An item, account, group or record count: digits; empty is 0.
fn count(field: &str) -> Result<u64, String> {
    if field.is_empty() {
        return Ok(0);
    }
    if field.len() > 18 || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad count `{}`", lex::excerpt(field)));
    }
    field.parse().map_err(|_| format!("bad count `{field}`"))
}

/// A required count.
fn required_count(field: &str) -> Result<u64, String> {
    if field.is_empty() {
        return Err("missing count".into());
    }
    count(field)
}

/// A `YYMMDD` date (years 69–99 are 1969–1999, 00–68 are 2000–2068).
fn date(field: &str) -> Result<NaiveDate, String> {
    if field.len() != 6 || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("date `{}` is not YYMMDD", lex::excerpt(field)));
    }
    NaiveDate::parse_from_str(field, "%y%m%d").map_err(|_| format!("no such date `{field}`"))
}

/// A time: empty, `HHMM`, `HHMMSS`, `HH:MM` or `HH:MM:SS` (`2400` and
/// `9999` included, as the specification uses them for end of day).
fn value_time(field: &str) -> Result<(), String> {
    let shape: String = field
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    match shape.as_str() {
        "" | "9999" | "999999" | "99:99" | "99:99:99" => Ok(()),
        _ => Err(format!(
            "time `{}` is not HHMM or HH:MM:SS",
            lex::excerpt(field)
        )),
    }
}

/// A currency code: three letters, upper-cased; empty is none.
fn currency(field: &str) -> Result<Option<String>, String> {
    if field.is_empty() {
        Ok(None)
    } else if field.len() == 3 && field.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(Some(field.to_ascii_uppercase()))
    } else {
        Err(format!(
            "currency `{}` is not a three-letter code",
            lex::excerpt(field)
        ))
    }
}

fn decimal(minor: i128, scale: u32) -> Result<Decimal, String> {
    Decimal::try_from_i128_with_scale(minor, scale)
        .map_err(|_| format!("amount {minor} is too large"))
}

fn add(sum: i128, amount: i128) -> Result<i128, String> {
    sum.checked_add(amount)
        .ok_or_else(|| "amounts add up past any real total".to_owned())
}

/// The open file, or an error naming the record as out of place.
fn open_file<'a>(
    file: &'a mut Option<FileState>,
    files: usize,
    fields: &Fields,
) -> Result<&'a mut FileState, ParseError> {
    file.as_mut().ok_or_else(|| {
        let place = if files > 0 {
            "after the 99 file trailer"
        } else {
            "before any 01 file header"
        };
        error(fields.line, format!("{} {place}", fields.code.name()))
    })
}

struct FileState {
    line: usize,
    sender: String,
    created: String,
    file_id: String,
    groups: u64,
    sum: i128,
    records: u64,
    group: Option<GroupState>,
}

struct GroupState {
    line: usize,
    as_of: NaiveDate,
    as_of_raw: String,
    currency: String,
    accounts: u64,
    sum: i128,
    records: u64,
    account: Option<AccountState>,
}

struct AccountState {
    line: usize,
    statement: Statement,
    scale: u32,
    sum: i128,
    records: u64,
}

#[derive(Default)]
struct Reader {
    statements: Vec<Statement>,
    mismatches: Vec<ParseError>,
    ids: HashMap<String, usize>,
    file: Option<FileState>,
    files: usize,
}

impl Reader {
    fn handle(&mut self, record: Logical) -> Result<(), ParseError> {
        match record {
            Logical::Detail(detail, physical) => self.detail(detail, physical),
            Logical::Fields(fields) => match fields.code {
                Code::FileHeader => self.file_header(&fields),
                Code::GroupHeader => self.group_header(&fields),
                Code::Account => self.account(&fields),
                Code::AccountTrailer => self.account_trailer(&fields),
                Code::GroupTrailer => self.group_trailer(&fields),
                Code::FileTrailer => self.file_trailer(&fields),
                Code::Detail | Code::Continuation => Err(error(
                    fields.line,
                    format!("a misplaced {}", fields.code.name()),
                )),
            },
        }
    }

    fn finish(self, last_line: usize) -> Result<Lenient, ParseError> {
        if let Some(file) = &self.file {
            let open = match &file.group {
                Some(GroupState {
                    account: Some(account),
                    ..
                }) => format!(
                    "the account started on line {} has no 49 trailer, its group no 98 and the \
                     file no 99",
                    account.line
                ),
                Some(group) => format!(
                    "the group started on line {} has no 98 trailer and the file no 99",
                    group.line
                ),
                None => format!("the file started on line {} has no 99 trailer", file.line),
            };
            return Err(error(last_line, format!("the file ends early: {open}")));
        }
        if self.files == 0 {
            return Err(error(
                last_line,
                "no 01 file header: this is not a BAI2 file",
            ));
        }
        Ok(Lenient {
            statements: self.statements,
            control_mismatches: self.mismatches,
        })
    }

    fn file_header(&mut self, f: &Fields) -> Result<(), ParseError> {
        if let Some(file) = &self.file {
            return Err(error(
                f.line,
                format!(
                    "01 file header inside the file started on line {}, before its 99",
                    file.line
                ),
            ));
        }
        f.read(2, date)?;
        f.read(3, value_time)?;
        let version = f.get(7);
        if version != "2" {
            return Err(f.err(
                7,
                format!(
                    "version `{}`: only BAI version 2 is read",
                    lex::excerpt(version)
                ),
            ));
        }
        self.file = Some(FileState {
            line: f.line,
            sender: f.get(0).to_owned(),
            created: f.get(2).to_owned(),
            file_id: f.get(4).to_owned(),
            groups: 0,
            sum: 0,
            records: f.physical,
            group: None,
        });
        Ok(())
    }

    fn group_header(&mut self, f: &Fields) -> Result<(), ParseError> {
        let file = open_file(&mut self.file, self.files, f)?;
        if let Some(group) = &file.group {
            return Err(error(
                f.line,
                format!(
                    "02 group header inside the group started on line {}, before its 98",
                    group.line
                ),
            ));
        }
        let as_of_raw = f.get(3);
        if as_of_raw.is_empty() {
            return Err(f.err(3, "the 02 group header has no as-of date"));
        }
        let as_of = f.read(3, date)?;
        f.read(4, value_time)?;
        let currency = f.read(5, currency)?.unwrap_or_else(|| "USD".to_owned());
        file.records += f.physical;
        file.group = Some(GroupState {
            line: f.line,
            as_of,
            as_of_raw: as_of_raw.to_owned(),
            currency,
            accounts: 0,
            sum: 0,
            records: f.physical,
            account: None,
        });
        Ok(())
    }

    fn account(&mut self, f: &Fields) -> Result<(), ParseError> {
        let file = open_file(&mut self.file, self.files, f)?;
        let (sender, created, file_id) = (&file.sender, &file.created, &file.file_id);
        let Some(group) = file.group.as_mut() else {
            return Err(error(
                f.line,
                "03 account identifier outside a group (no 02 before it)",
            ));
        };
        if let Some(account) = &group.account {
            return Err(error(
                f.line,
                format!(
                    "03 account identifier inside the account started on line {}, before its 49",
                    account.line
                ),
            ));
        }
        let number = f.get(0);
        if number.is_empty() {
            return Err(f.err(0, "the 03 account identifier has no account number"));
        }
        let currency = f
            .read(1, currency)?
            .unwrap_or_else(|| group.currency.clone());
        let scale = codes::decimals(&currency);
        let summary = summary(f)?;
        let mut sum = 0;
        for &(_, amount, i) in &summary {
            sum = add(sum, amount.unwrap_or(0)).map_err(|m| f.err(i, m))?;
        }
        let balance = |wanted: &[u16]| -> Result<Option<Balance>, ParseError> {
            let found = wanted.iter().find_map(|code| {
                summary
                    .iter()
                    .find(|(c, amount, _)| c == code && amount.is_some())
            });
            match found {
                Some(&(_, Some(amount), i)) => Ok(Some(Balance {
                    amount: decimal(amount, scale).map_err(|m| f.err(i, m))?,
                    currency: currency.clone(),
                    date: Some(group.as_of),
                })),
                _ => Ok(None),
            }
        };
        let opening_balance = balance(&[codes::OPENING_LEDGER, codes::OPENING_AVAILABLE])?;
        let closing_balance = balance(&[codes::CLOSING_LEDGER, codes::CLOSING_AVAILABLE])?;
        let id = format!("{sender}/{created}/{file_id}/{}/{number}", group.as_of_raw);
        let seen = self.ids.entry(id.clone()).or_insert(0);
        *seen += 1;
        let statement_id = if *seen == 1 {
            id
        } else {
            format!("{id}#{seen}")
        };
        let statement = Statement {
            format: Format::Bai2,
            version: "BAI2".into(),
            account: number.to_owned(),
            statement_id: Some(statement_id),
            sequence: None,
            currency: Some(currency),
            opening_balance,
            closing_balance,
            entries: Vec::new(),
        };
        file.records += f.physical;
        group.records += f.physical;
        group.account = Some(AccountState {
            line: f.line,
            statement,
            scale,
            sum,
            records: f.physical,
        });
        Ok(())
    }

    fn detail(&mut self, d: Detail, physical: u64) -> Result<(), ParseError> {
        if matches!(d.stage, Stage::TypeCode | Stage::Amount) {
            return Err(error(d.line, "the 16 record ends before its amount"));
        }
        let files = self.files;
        let account = match self.file.as_mut() {
            Some(FileState {
                group:
                    Some(GroupState {
                        account: Some(account),
                        ..
                    }),
                ..
            }) => account,
            Some(_) => {
                return Err(error(
                    d.line,
                    "16 transaction detail outside an account (no 03 before it)",
                ));
            }
            None => {
                let place = if files > 0 {
                    "after the 99 file trailer"
                } else {
                    "before any 01 file header"
                };
                return Err(error(d.line, format!("16 transaction detail {place}")));
            }
        };
        account.sum = add(account.sum, d.amount).map_err(|m| error(d.line, m))?;
        let currency = account.statement.currency.clone().unwrap_or_default();
        let amount = decimal(d.amount, account.scale).map_err(|m| error(d.line, m))?;
        let direction = match codes::kind(d.type_code) {
            codes::Kind::Money(direction) => Some(direction),
            codes::Kind::NonMonetary if d.amount == 0 => None,
            codes::Kind::NonMonetary => {
                return Err(error(
                    d.line,
                    format!(
                        "type code 890 (non-monetary information) with an amount, {}",
                        d.amount
                    ),
                ));
            }
            codes::Kind::NoDirection => {
                return Err(error(
                    d.line,
                    format!(
                        "type code {} is not a transaction code (000–099 are balances; \
                         800–899 have no direction)",
                        d.type_raw
                    ),
                ));
            }
        };
        if let Some(direction) = direction {
            let remittance = d.remittance();
            let booking_date = self
                .file
                .as_ref()
                .and_then(|file| file.group.as_ref())
                .map(|group| group.as_of);
            let entry = Entry {
                booking_date,
                value_date: d.value_date,
                amount,
                currency,
                direction,
                reversal: codes::is_reversal(d.type_code),
                bank_reference: non_empty(&d.bank_reference),
                end_to_end_id: non_empty(&d.customer_reference),
                counterparty: tags::counterparty(direction, &remittance),
                counterparty_account: tags::counterparty_account(direction, &remittance),
                creditor_references: Vec::new(),
                remittance,
                bank_code: Some(d.type_raw.clone()),
            };
            if let Some(FileState {
                group:
                    Some(GroupState {
                        account: Some(account),
                        ..
                    }),
                ..
            }) = self.file.as_mut()
            {
                account.statement.entries.push(entry);
            }
        }
        if let Some(file) = self.file.as_mut() {
            file.records += physical;
            if let Some(group) = file.group.as_mut() {
                group.records += physical;
                if let Some(account) = group.account.as_mut() {
                    account.records += physical;
                }
            }
        }
        Ok(())
    }

    fn account_trailer(&mut self, f: &Fields) -> Result<(), ParseError> {
        let file = open_file(&mut self.file, self.files, f)?;
        let Some(group) = file.group.as_mut() else {
            return Err(error(f.line, "49 account trailer outside a group"));
        };
        let Some(mut account) = group.account.take() else {
            return Err(error(
                f.line,
                "49 account trailer with no 03 account identifier before it",
            ));
        };
        file.records += f.physical;
        group.records += f.physical;
        account.records += f.physical;
        let total = f.read(0, |s| amount(s, true))?.unwrap_or(0);
        let records = f.read(1, required_count)?;
        let mut wrong = Vec::new();
        if total != account.sum {
            wrong.push(format!(
                "its control total is {total}, but the account's 03 and 16 amounts add up to {}",
                account.sum
            ));
        }
        if records != account.records {
            wrong.push(format!(
                "its record count is {records}, but the account has {} records (03 to 49, 88s \
                 included)",
                account.records
            ));
        }
        if !wrong.is_empty() {
            self.mismatches.push(error(
                f.line,
                format!(
                    "49 account trailer of account {} (03 on line {}): {}",
                    account.statement.account,
                    account.line,
                    wrong.join("; ")
                ),
            ));
        }
        group.accounts += 1;
        group.sum = add(group.sum, account.sum).map_err(|m| error(f.line, m))?;
        self.statements.push(account.statement);
        Ok(())
    }

    fn group_trailer(&mut self, f: &Fields) -> Result<(), ParseError> {
        let file = open_file(&mut self.file, self.files, f)?;
        let Some(mut group) = file.group.take() else {
            return Err(error(
                f.line,
                "98 group trailer with no 02 group header before it",
            ));
        };
        if let Some(account) = &group.account {
            return Err(error(
                f.line,
                format!(
                    "98 group trailer before the 49 of the account started on line {}",
                    account.line
                ),
            ));
        }
        file.records += f.physical;
        group.records += f.physical;
        let total = f.read(0, |s| amount(s, true))?.unwrap_or(0);
        let accounts = f.read(1, required_count)?;
        let records = f.read(2, required_count)?;
        let mut wrong = Vec::new();
        if total != group.sum {
            wrong.push(format!(
                "its control total is {total}, but its accounts' totals add up to {}",
                group.sum
            ));
        }
        if accounts != group.accounts {
            wrong.push(format!(
                "it counts {accounts} accounts, but the group has {}",
                group.accounts
            ));
        }
        if records != group.records {
            wrong.push(format!(
                "its record count is {records}, but the group has {} records (02 to 98, 88s \
                 included)",
                group.records
            ));
        }
        if !wrong.is_empty() {
            self.mismatches.push(error(
                f.line,
                format!(
                    "98 group trailer of the group on line {}: {}",
                    group.line,
                    wrong.join("; ")
                ),
            ));
        }
        file.groups += 1;
        file.sum = add(file.sum, group.sum).map_err(|m| error(f.line, m))?;
        Ok(())
    }

    fn file_trailer(&mut self, f: &Fields) -> Result<(), ParseError> {
        let file = open_file(&mut self.file, self.files, f)?;
        if let Some(group) = &file.group {
            return Err(error(
                f.line,
                format!(
                    "99 file trailer before the 98 of the group started on line {}",
                    group.line
                ),
            ));
        }
        file.records += f.physical;
        let total = f.read(0, |s| amount(s, true))?.unwrap_or(0);
        let groups = f.read(1, required_count)?;
        let records = f.read(2, required_count)?;
        let mut wrong = Vec::new();
        if total != file.sum {
            wrong.push(format!(
                "its control total is {total}, but its groups' totals add up to {}",
                file.sum
            ));
        }
        if groups != file.groups {
            wrong.push(format!(
                "it counts {groups} groups, but the file has {}",
                file.groups
            ));
        }
        if records != file.records {
            wrong.push(format!(
                "its record count is {records}, but the file has {} records (01 to 99, 88s \
                 included)",
                file.records
            ));
        }
        if !wrong.is_empty() {
            self.mismatches.push(error(
                f.line,
                format!("99 file trailer: {}", wrong.join("; ")),
            ));
        }
        self.file = None;
        self.files += 1;
        Ok(())
    }
}

/// The `03` summary: (type code, amount, index of the type code field),
/// from field 2 on. An empty field where a type code belongs is skipped
/// (files end a record, or a continued record, with `,/`).
fn summary(f: &Fields) -> Result<Vec<(u16, Option<i128>, usize)>, ParseError> {
    let mut out = Vec::new();
    let mut i = 2;
    while i < f.fields.len() {
        if f.get(i).is_empty() {
            i += 1;
            continue;
        }
        let code = f.read(i, type_code)?;
        let value = f.read(i + 1, |s| amount(s, true))?;
        f.read(i + 2, count)?;
        let funds = f.read(i + 3, funds_type)?;
        out.push((code, value, i));
        i += 4;
        match funds {
            Funds::None => {}
            Funds::Value => {
                if !f.get(i).is_empty() {
                    f.read(i, date)?;
                }
                f.read(i + 1, value_time)?;
                i += 2;
            }
            Funds::Split => {
                for k in i..i + 3 {
                    f.read(k, |s| amount(s, true))?;
                }
                i += 3;
            }
            Funds::Distributed => {
                let n = f.read(i, count)?;
                let pairs = n
                    .checked_mul(2)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| i + 1 + n <= f.fields.len())
                    .ok_or_else(|| {
                        f.err(
                            i,
                            format!(
                                "funds type D gives {n} distributions, but the record ends first"
                            ),
                        )
                    })?;
                for k in i + 1..i + 1 + pairs {
                    f.read(k, |s| amount(s, true))?;
                }
                i += 1 + pairs;
            }
        }
    }
    Ok(out)
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}
