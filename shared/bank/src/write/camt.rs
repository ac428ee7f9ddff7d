//! camt.053.001.08 (`BkToCstmrStmt/Stmt`) and camt.054.001.08
//! (`BkToCstmrDbtCdtNtfctn/Ntfctn`), elements in schema order, one `Ntry`
//! with one `TxDtls` per entry.

use chrono::NaiveDate;

use super::{
    clean, is_iban, lines, movement, net, opening_amount, plain_amount, present, push_fmt,
    references, statement_currency, statement_date,
};
use crate::statement::{Balance, Direction, Entry, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Message {
    /// camt.053: statements, with balances.
    Statement,
    /// camt.054: notifications, without balances.
    Notification,
}

pub(super) fn write(statements: &[Statement], message: Message) -> Vec<u8> {
    let (namespace, root, block, header_id) = match message {
        Message::Statement => ("camt.053.001.08", "BkToCstmrStmt", "Stmt", "O2C-STMT"),
        Message::Notification => (
            "camt.054.001.08",
            "BkToCstmrDbtCdtNtfctn",
            "Ntfctn",
            "O2C-NTFCTN",
        ),
    };
    let created = statements
        .iter()
        .map(statement_date)
        .max()
        .unwrap_or_default();
    let size: usize = statements.iter().map(|s| 400 + 900 * s.entries.len()).sum();
    let mut out = String::with_capacity(size + 400);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    push_fmt(
        &mut out,
        format_args!("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{namespace}\">\n"),
    );
    push_fmt(&mut out, format_args!("  <{root}>\n    <GrpHdr>\n"));
    leaf(
        &mut out,
        6,
        "MsgId",
        &format!("{header_id}-{}", created.format("%Y%m%d")),
    );
    leaf(&mut out, 6, "CreDtTm", &date_time(created));
    out.push_str("    </GrpHdr>\n");
    for (index, statement) in statements.iter().enumerate() {
        write_statement(&mut out, statement, index + 1, block, message);
    }
    push_fmt(&mut out, format_args!("  </{root}>\n</Document>\n"));
    out.into_bytes()
}

fn write_statement(
    out: &mut String,
    statement: &Statement,
    index: usize,
    block: &str,
    message: Message,
) {
    let currency = statement_currency(statement, "EUR");
    push_fmt(out, format_args!("    <{block}>\n"));
    let id = present(statement.statement_id.as_deref()).unwrap_or_else(|| format!("STMT-{index}"));
    leaf(out, 6, "Id", &id);
    if let Some(sequence) =
        present(statement.sequence.as_deref()).filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
    {
        leaf(out, 6, "ElctrncSeqNb", &sequence);
    }
    leaf(out, 6, "CreDtTm", &date_time(statement_date(statement)));
    out.push_str("      <Acct>\n");
    let account = present(Some(&statement.account)).unwrap_or_else(|| "NOTPROVIDED".to_owned());
    account_id(out, 8, &account);
    leaf(out, 8, "Ccy", &currency);
    out.push_str("      </Acct>\n");
    if message == Message::Statement {
        // `Bal` is mandatory in a statement: a missing balance is derived
        // from the other and the entries (an opening of zero if neither).
        let fallback = statement_date(statement);
        let opening = statement
            .opening_balance
            .clone()
            .unwrap_or_else(|| Balance {
                amount: opening_amount(statement),
                currency: currency.clone(),
                date: statement
                    .entries
                    .iter()
                    .filter_map(|e| e.booking_date.or(e.value_date))
                    .min(),
            });
        let closing = statement
            .closing_balance
            .clone()
            .unwrap_or_else(|| Balance {
                amount: opening.amount + net(&statement.entries),
                currency: currency.clone(),
                date: Some(fallback),
            });
        write_balance(out, "OPBD", &opening, &currency, fallback);
        write_balance(out, "CLBD", &closing, &currency, fallback);
    }
    for entry in &statement.entries {
        write_entry(out, entry, &currency);
    }
    push_fmt(out, format_args!("    </{block}>\n"));
}

fn write_balance(
    out: &mut String,
    code: &str,
    balance: &Balance,
    statement_currency: &str,
    fallback: NaiveDate,
) {
    let currency = if balance.currency.trim().is_empty() {
        statement_currency.to_owned()
    } else {
        super::currency_code(&balance.currency)
    };
    out.push_str("      <Bal>\n        <Tp><CdOrPrtry><Cd>");
    out.push_str(code);
    out.push_str("</Cd></CdOrPrtry></Tp>\n");
    amount(out, 8, balance.amount, &currency);
    let indicator = if balance.amount.is_sign_negative() && !balance.amount.is_zero() {
        "DBIT"
    } else {
        "CRDT"
    };
    leaf(out, 8, "CdtDbtInd", indicator);
    push_fmt(
        out,
        format_args!(
            "        <Dt><Dt>{}</Dt></Dt>\n",
            balance.date.unwrap_or(fallback).format("%Y-%m-%d")
        ),
    );
    out.push_str("      </Bal>\n");
}

fn write_entry(out: &mut String, entry: &Entry, statement_currency: &str) {
    let (value, direction) = movement(entry);
    let currency = if entry.currency.trim().is_empty() {
        statement_currency.to_owned()
    } else {
        super::currency_code(&entry.currency)
    };
    let indicator = match direction {
        Direction::Credit => "CRDT",
        Direction::Debit => "DBIT",
    };
    out.push_str("      <Ntry>\n");
    amount(out, 8, value, &currency);
    leaf(out, 8, "CdtDbtInd", indicator);
    if entry.reversal {
        leaf(out, 8, "RvslInd", "true");
    }
    out.push_str("        <Sts><Cd>BOOK</Cd></Sts>\n");
    if let Some(date) = entry.booking_date {
        push_fmt(
            out,
            format_args!(
                "        <BookgDt><Dt>{}</Dt></BookgDt>\n",
                date.format("%Y-%m-%d")
            ),
        );
    }
    if let Some(date) = entry.value_date {
        push_fmt(
            out,
            format_args!(
                "        <ValDt><Dt>{}</Dt></ValDt>\n",
                date.format("%Y-%m-%d")
            ),
        );
    }
    if let Some(reference) = present(entry.bank_reference.as_deref()) {
        leaf(out, 8, "AcctSvcrRef", &reference);
    }
    bank_transaction_code(out, entry.bank_code.as_deref());

    out.push_str("        <NtryDtls>\n          <TxDtls>\n");
    if let Some(id) = present(entry.end_to_end_id.as_deref()) {
        out.push_str("            <Refs>\n");
        leaf(out, 14, "EndToEndId", &id);
        out.push_str("            </Refs>\n");
    }
    amount(out, 12, value, &currency);
    leaf(out, 12, "CdtDbtInd", indicator);
    let name = present(entry.counterparty.as_deref());
    let account = present(entry.counterparty_account.as_deref());
    if name.is_some() || account.is_some() {
        let (party, party_account) = match direction {
            Direction::Credit => ("Dbtr", "DbtrAcct"),
            Direction::Debit => ("Cdtr", "CdtrAcct"),
        };
        out.push_str("            <RltdPties>\n");
        if let Some(name) = &name {
            push_fmt(out, format_args!("              <{party}><Pty><Nm>"));
            escape_into(out, name);
            push_fmt(out, format_args!("</Nm></Pty></{party}>\n"));
        }
        if let Some(account) = &account {
            push_fmt(out, format_args!("              <{party_account}>\n"));
            account_id(out, 16, account);
            push_fmt(out, format_args!("              </{party_account}>\n"));
        }
        out.push_str("            </RltdPties>\n");
    }
    let remittance = lines(entry);
    let creditor_references = references(entry);
    if !remittance.is_empty() || !creditor_references.is_empty() {
        out.push_str("            <RmtInf>\n");
        for line in &remittance {
            leaf(out, 14, "Ustrd", line);
        }
        for reference in &creditor_references {
            out.push_str("              <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>");
            escape_into(out, reference);
            out.push_str("</Ref></CdtrRefInf></Strd>\n");
        }
        out.push_str("            </RmtInf>\n");
    }
    out.push_str("          </TxDtls>\n        </NtryDtls>\n      </Ntry>\n");
}

/// `BkTxCd` (mandatory in .08): `Domn` for a `DOMN/FAMILY/SUBFAMILY` code,
/// `Prtry/Cd` for any other, empty for none.
fn bank_transaction_code(out: &mut String, code: Option<&str>) {
    let Some(code) = present(code) else {
        out.push_str("        <BkTxCd/>\n");
        return;
    };
    let parts: Vec<&str> = code.split('/').map(str::trim).collect();
    out.push_str("        <BkTxCd>");
    match parts.as_slice() {
        [domain, family, sub_family] if parts.iter().all(|p| !p.is_empty()) => {
            out.push_str("<Domn><Cd>");
            escape_into(out, domain);
            out.push_str("</Cd><Fmly><Cd>");
            escape_into(out, family);
            out.push_str("</Cd><SubFmlyCd>");
            escape_into(out, sub_family);
            out.push_str("</SubFmlyCd></Fmly></Domn>");
        }
        _ => {
            out.push_str("<Prtry><Cd>");
            escape_into(out, &code);
            out.push_str("</Cd></Prtry>");
        }
    }
    out.push_str("</BkTxCd>\n");
}

/// `<Id><IBAN>…</IBAN></Id>`, or `<Id><Othr><Id>…</Id></Othr></Id>`.
fn account_id(out: &mut String, indent: usize, account: &str) {
    pad(out, indent);
    if is_iban(account) {
        out.push_str("<Id><IBAN>");
        escape_into(out, account);
        out.push_str("</IBAN></Id>\n");
    } else {
        out.push_str("<Id><Othr><Id>");
        escape_into(out, account);
        out.push_str("</Id></Othr></Id>\n");
    }
}

fn amount(out: &mut String, indent: usize, value: rust_decimal::Decimal, currency: &str) {
    pad(out, indent);
    push_fmt(
        out,
        format_args!(
            "<Amt Ccy=\"{currency}\">{}</Amt>\n",
            plain_amount(value, currency, '.')
        ),
    );
}

fn date_time(date: NaiveDate) -> String {
    format!("{}T00:00:00", date.format("%Y-%m-%d"))
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `<name>text</name>` on its own line, the text escaped.
fn leaf(out: &mut String, indent: usize, name: &str, text: &str) {
    pad(out, indent);
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, &clean(text));
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// XML text and attribute escaping of the five special characters.
fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let entity = match rest.as_bytes().get(at) {
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            Some(b'"') => "&quot;",
            _ => "&apos;",
        };
        out.push_str(entity);
        rest = rest.get(at + 1..).unwrap_or("");
    }
    out.push_str(rest);
}
