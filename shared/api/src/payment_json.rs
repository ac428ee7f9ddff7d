//! The contract's payment JSON: parsing `POST /v1/payments`, rendering a
//! payment with its allocations, unapplied cash and processor history.

use chrono::{DateTime, Utc};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::money::{Currency, Money};
use o2c_domain::payment::{Payment, PaymentMethod, PaymentReference, MAX_ALLOCATIONS};
use o2c_domain::payment_actions::ManualPayment;
use o2c_domain::ports::PaymentFilter;
use serde_json::{json, Map, Value};

use crate::fields::Fields;
use crate::ApiError;

const CREATE_FIELDS: &[&str] = &["customer", "amount", "currency", "received_at", "method", "reference", "allocations"];

fn instant(text: &str) -> Result<DateTime<Utc>, &'static str> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|_| "must be an RFC 3339 instant like 2026-01-31T12:00:00Z")
}

fn method(text: &str) -> Result<PaymentMethod, &'static str> {
    PaymentMethod::parse(text).ok_or("must be one of check, bank_transfer, card, cash, other")
}

fn positive(text: &str, currency: Currency) -> Result<Money, String> {
    let m = Money::parse(text, currency).map_err(|e| e.to_string())?;
    if m.is_positive() {
        Ok(m)
    } else {
        Err("must be positive".into())
    }
}

/// A parsed `POST /v1/payments`; `received_at` defaults to `now`.
pub fn parse_new_payment(body: &Map<String, Value>, now: DateTime<Utc>) -> Result<ManualPayment, ApiError> {
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(CREATE_FIELDS);
    let customer = f.required("customer", CustomerId::parse);
    let currency = f.required("currency", Currency::parse);
    let amount = match currency {
        Some(c) => f.required("amount", |t| positive(t, c)),
        None => {
            if f.raw("amount").is_none() {
                f.error("amount", "is required");
            }
            None
        }
    };
    let received_at = f.optional("received_at", instant).unwrap_or(now);
    let method = f.optional("method", method).unwrap_or(PaymentMethod::Other);
    let reference = f.optional("reference", PaymentReference::parse);
    let allocations = match f.optional_array("allocations") {
        None => None,
        Some(list) if list.len() > MAX_ALLOCATIONS => {
            f.error("allocations", format!("has more than {MAX_ALLOCATIONS} allocations"));
            None
        }
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let path = format!("allocations[{i}]");
                let Some(obj) = v.as_object() else {
                    f.error(&path, "must be an object");
                    continue;
                };
                let mut af = Fields::new(obj, path, f.errors());
                af.deny_unknown(&["invoice", "amount"]);
                let invoice = af.required("invoice", InvoiceId::parse);
                let amount = match currency {
                    Some(c) => af.required("amount", |t| positive(t, c)),
                    None => None,
                };
                if let (Some(invoice), Some(amount)) = (invoice, amount) {
                    if out.iter().any(|(seen, _): &(InvoiceId, Money)| *seen == invoice) {
                        af.error("invoice", "is named twice");
                    }
                    out.push((invoice, amount));
                }
            }
            Some(out)
        }
    };
    match (customer, amount) {
        (Some(customer), Some(amount)) if errors.is_empty() => Ok(ManualPayment { customer, amount, received_at, method, reference, allocations }),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub fn render_payment(p: &Payment) -> Value {
    let allocations: Vec<Value> = p
        .allocations
        .iter()
        .map(|a| json!({ "invoice": a.invoice, "invoice_number": a.invoice_number, "amount": a.amount.to_string(), "rule": a.rule, "explanation": a.explanation }))
        .collect();
    let processor = p.processor.as_ref().map(|l| {
        json!({
            "provider": l.provider,
            "payment_intent": l.payment_intent,
            "charges": l.charges.iter().map(|c| json!({ "id": c.id, "amount_refunded": c.amount_refunded.to_string() })).collect::<Vec<_>>(),
            "disputes": l.disputes.iter().map(|d| json!({ "id": d.id, "charge": d.charge, "amount": d.amount.to_string(), "status": d.status, "open": d.is_open(), "funds_withdrawn": d.funds_out() })).collect::<Vec<_>>(),
        })
    });
    let history: Vec<Value> = p
        .history
        .iter()
        .map(|h| json!({ "at": h.at, "kind": h.kind, "amount": h.amount.to_string(), "summary": h.summary, "processor_event": h.processor_event }))
        .collect();
    json!({
        "id": p.id,
        "object": "payment",
        "customer": p.customer,
        "amount": p.amount.to_string(),
        "currency": p.amount.currency(),
        "received_at": p.received_at,
        "method": p.method,
        "reference": p.reference,
        "status": p.status().as_str(),
        "allocations": allocations,
        "unapplied": p.unapplied.to_string(),
        "amount_returned": p.returned.to_string(),
        "exception": p.exception,
        "processor": processor,
        "history": history,
        "created_at": p.created_at,
    })
}

/// `GET /v1/payments?customer=cus_…` or `?status=exception`.
pub fn parse_payment_filter(query: &std::collections::HashMap<String, String>) -> Result<PaymentFilter, ApiError> {
    let customer = query.get("customer");
    let status = query.get("status");
    let bad = |field: &str, message: &str| ApiError::Validation(vec![crate::fields::FieldError::new(field, message)]);
    match (customer, status) {
        (Some(c), None) => CustomerId::parse(c).map(PaymentFilter::Customer).map_err(|_| bad("customer", "is not a customer id")),
        (None, Some(s)) if s == "exception" => Ok(PaymentFilter::Exceptions),
        (None, Some(_)) => Err(bad("status", "only `exception` can be listed across customers")),
        (Some(_), Some(_)) => Err(bad("status", "give either customer or status, not both")),
        (None, None) => Err(bad("customer", "name a customer (or status=exception)")),
    }
}
