//! Bank statements, entries and the journal as the API shows them
//! (`../shared/CONTRACT.md`, "Bank statements and reconciliation").

use o2c_domain::bank_entry::{BankEntry, EntryAllocation};
use o2c_domain::bank_statement::{StatementRecord, Upload};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::journal::JournalLine;
use o2c_domain::money::{Currency, Money};
use serde_json::{json, Map, Value};

use crate::fields::FieldError;
use crate::ApiError;

fn allocation(a: &EntryAllocation) -> Value {
    json!({
        "invoice": a.invoice,
        "number": a.number,
        "amount": a.amount.to_string(),
        "discount": a.discount.map(|m| m.to_string()),
        "fee": a.fee.map(|m| m.to_string()),
    })
}

pub fn render_entry(e: &BankEntry) -> Value {
    json!({
        "id": e.id,
        "object": "bank_entry",
        "statement": e.statement,
        "booking_date": e.booking_date,
        "kind": e.kind,
        "amount": e.amount,
        "currency": e.currency,
        "reference": e.reference,
        "counterparty": e.counterparty,
        "remittance": e.remittance,
        "status": e.status.as_str(),
        "customer": e.customer,
        "allocations": e.allocations.iter().map(allocation).collect::<Vec<_>>(),
        "unapplied": e.unapplied.map(|m| m.to_string()),
        "payment": e.payment,
        "match": e.decision.as_ref().map(|m| json!({ "rule": m.rule, "confidence": m.confidence, "explanation": m.explanation })),
        "suggestions": e.suggestions.iter().map(|s| json!({
            "customer": s.customer,
            "allocations": s.allocations.iter().map(allocation).collect::<Vec<_>>(),
            "unapplied": s.unapplied.to_string(),
            "rule": s.rule,
            "confidence": s.confidence,
            "explanation": s.explanation,
        })).collect::<Vec<_>>(),
        "duplicate_of": e.duplicate_of,
        "reverses": e.reverses,
        "reversed_by": e.reversed_by,
        "timeline": e.history.iter().map(|h| json!({ "at": h.at, "type": h.kind, "summary": h.summary })).collect::<Vec<_>>(),
    })
}

pub fn render_statement(s: &StatementRecord, entries: &[BankEntry], has_more: bool) -> Value {
    let count = |status: &str| entries.iter().filter(|e| e.status.as_str() == status).count();
    json!({
        "id": s.id,
        "object": "bank_statement",
        "status": s.status.as_str(),
        "format": s.format,
        "account": s.account,
        "statement_id": s.bank_statement_id,
        "sequence": s.sequence,
        "opening_balance": s.opening_balance,
        "closing_balance": s.closing_balance,
        "entry_count": s.entry_count,
        "counts": { "matched": count("matched"), "suggested": count("suggested"), "unmatched": count("unmatched"), "ignored": count("ignored") },
        "created_at": s.created_at,
        "reconciled_at": s.reconciled_at,
        "entries": entries.iter().map(render_entry).collect::<Vec<_>>(),
        "entries_has_more": has_more,
    })
}

pub fn render_upload(u: &Upload) -> Value {
    json!({
        "id": u.id,
        "object": "bank_statement_upload",
        "status": u.status,
        "statements": u.statements,
        "failure": u.failure,
        "created_at": u.created_at,
        "expires_at": u.expires_at,
    })
}

pub fn render_line(l: &JournalLine) -> Value {
    let money = |minor: i64| Money::from_minor(minor, l.currency).map(|m| m.to_string()).unwrap_or_default();
    json!({
        "entry": l.entry,
        "posted_on": l.posted_on,
        "account": l.account.as_str(),
        "debit": money(l.debit_minor),
        "credit": money(l.credit_minor),
        "currency": l.currency,
        "customer": l.customer,
        "invoice": l.invoice,
        "memo": l.memo,
    })
}

/// A confirm body: `{"allocations": [{"invoice", "amount"}], "customer"}`, both optional.
pub struct ConfirmBody {
    pub allocations: Option<Vec<(InvoiceId, Money)>>,
    pub customer: Option<CustomerId>,
}

pub fn parse_confirm(body: &Map<String, Value>, currency: Option<Currency>) -> Result<ConfirmBody, ApiError> {
    let mut errors = Vec::new();
    for k in body.keys() {
        if k != "allocations" && k != "customer" {
            errors.push(FieldError::new(k.clone(), "is not a known field"));
        }
    }
    let customer = match body.get("customer") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => CustomerId::parse(c).map_err(|_| errors.push(FieldError::new("customer", "is not a customer id"))).ok(),
        Some(_) => {
            errors.push(FieldError::new("customer", "must be a customer id"));
            None
        }
    };
    let allocations = match body.get("allocations") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => {
            errors.push(FieldError::new("allocations", "must name at least one invoice (leave it out to confirm the suggestion)"));
            None
        }
        Some(Value::Array(items)) if items.len() > o2c_domain::payment::MAX_ALLOCATIONS => {
            errors.push(FieldError::new("allocations", format!("at most {} invoices", o2c_domain::payment::MAX_ALLOCATIONS)));
            None
        }
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let invoice = item.get("invoice").and_then(Value::as_str).and_then(|s| InvoiceId::parse(s).ok());
                let amount = match (item.get("amount").and_then(Value::as_str), currency) {
                    (Some(a), Some(c)) => Money::parse(a, c).ok(),
                    _ => None,
                };
                match (invoice, amount) {
                    (Some(inv), Some(m)) => out.push((inv, m)),
                    (None, _) => errors.push(FieldError::new(format!("allocations[{i}].invoice"), "must be an invoice id")),
                    (_, None) => errors.push(FieldError::new(format!("allocations[{i}].amount"), "must be a decimal string in the entry's currency")),
                }
            }
            Some(out)
        }
        Some(_) => {
            errors.push(FieldError::new("allocations", "must be a list of {invoice, amount}"));
            None
        }
    };
    if errors.is_empty() {
        Ok(ConfirmBody { allocations, customer })
    } else {
        Err(ApiError::Validation(errors))
    }
}
