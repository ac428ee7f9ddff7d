//! Reads a verified Stripe event into the domain's [`ProcessorEvent`]:
//! first the envelope (`id`, `type`, `created`, `livemode`, `data.object`),
//! then, by `type`, the few objects o2c acts on. Everything else is
//! [`ProcessorEventKind::Ignored`], but its envelope must still be sound.
//!
//! Stripe's shapes differ by API version, so reading is tolerant where
//! Stripe varies (embedded `charges` list or `latest_charge`; ids or
//! expanded objects; absent or `null`) and strict where money is concerned
//! (integer, non-negative minor units in a known currency).

use chrono::{DateTime, Utc};
use o2c_domain::money::{Currency, Money};
use o2c_domain::processor_event::{
    DisputeChange, PayerHints, ProcessorEvent, ProcessorEventKind, ProcessorRef,
};
use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// Why a (verified) body is not an event o2c can read. Fields are named by
/// their JSON path, e.g. `data.object.amount_received`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the body is not a JSON object: {0}")]
    NotJson(String),
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{field} is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// Reads a verified Stripe event into the domain's ProcessorEvent.
pub fn parse_event(body: &[u8]) -> Result<ProcessorEvent, EventError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
    let envelope = value.as_object().ok_or_else(|| EventError::NotJson("the top level is not an object".into()))?;

    let id = reference(required(envelope, "id", "id")?, "id")?;
    let event_type = string(required(envelope, "type", "type")?, "type")?;
    if event_type.is_empty() || event_type.len() > 255 || event_type.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid("type", "is not an event type"));
    }
    let created = required(envelope, "created", "created")?
        .as_i64()
        .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
        .ok_or_else(|| invalid("created", "is not unix seconds"))?;
    let livemode = required(envelope, "livemode", "livemode")?
        .as_bool()
        .ok_or_else(|| invalid("livemode", "is not a boolean"))?;
    let data = object(required(envelope, "data", "data")?, "data")?;
    let object = object(required(data, "object", "data.object")?, "data.object")?;

    let kind = match event_type {
        "payment_intent.succeeded" => payment_succeeded(object)?,
        "charge.refunded" => charge_refunded(object)?,
        "charge.dispute.created" => dispute(object, DisputeChange::Created)?,
        "charge.dispute.funds_withdrawn" => dispute(object, DisputeChange::FundsWithdrawn)?,
        "charge.dispute.funds_reinstated" => dispute(object, DisputeChange::FundsReinstated)?,
        "charge.dispute.closed" => dispute(object, DisputeChange::Closed)?,
        _ => ProcessorEventKind::Ignored,
    };
    Ok(ProcessorEvent { id, event_type: event_type.to_owned(), created, livemode, kind })
}

fn payment_succeeded(pi: &Object) -> Result<ProcessorEventKind, EventError> {
    expect_object_type(pi, "payment_intent")?;
    let payment_intent = reference(required(pi, "id", "data.object.id")?, "data.object.id")?;
    let amount = money(pi, "amount_received", "data.object.amount_received", "data.object.currency")?;

    // API versions before 2022-11-15 embed `charges`; later ones name
    // `latest_charge`. Either, both or neither may be there.
    let mut charges: Vec<ProcessorRef> = Vec::new();
    if let Some(list) = present(pi, "charges") {
        let list = object(list, "data.object.charges")?;
        let data = required(list, "data", "data.object.charges.data")?
            .as_array()
            .ok_or_else(|| invalid("data.object.charges.data", "is not an array"))?;
        for charge in data {
            push_new(&mut charges, expandable(charge, "data.object.charges.data[].id")?);
        }
    }
    if let Some(latest) = optional_expandable(pi, "latest_charge", "data.object.latest_charge")? {
        push_new(&mut charges, latest);
    }

    let no_metadata = Object::new();
    let metadata = match present(pi, "metadata") {
        Some(m) => object(m, "data.object.metadata")?,
        None => &no_metadata,
    };
    let hints = PayerHints {
        invoice_id: text(metadata, "invoice_id", "data.object.metadata.invoice_id")?,
        invoice_number: text(metadata, "invoice_number", "data.object.metadata.invoice_number")?,
        customer_id: text(metadata, "customer_id", "data.object.metadata.customer_id")?,
        processor_customer: optional_expandable(pi, "customer", "data.object.customer")?,
    };
    let description = text(pi, "description", "data.object.description")?;
    Ok(ProcessorEventKind::PaymentSucceeded { payment_intent, amount, charges, hints, description })
}

fn charge_refunded(charge: &Object) -> Result<ProcessorEventKind, EventError> {
    expect_object_type(charge, "charge")?;
    Ok(ProcessorEventKind::ChargeRefunded {
        charge: reference(required(charge, "id", "data.object.id")?, "data.object.id")?,
        payment_intent: optional_expandable(charge, "payment_intent", "data.object.payment_intent")?,
        amount_refunded: money(charge, "amount_refunded", "data.object.amount_refunded", "data.object.currency")?,
    })
}

fn dispute(dp: &Object, change: DisputeChange) -> Result<ProcessorEventKind, EventError> {
    expect_object_type(dp, "dispute")?;
    let status = string(required(dp, "status", "data.object.status")?, "data.object.status")?;
    if status.is_empty() {
        return Err(invalid("data.object.status", "is empty"));
    }
    Ok(ProcessorEventKind::Dispute {
        dispute: reference(required(dp, "id", "data.object.id")?, "data.object.id")?,
        charge: expandable(required(dp, "charge", "data.object.charge")?, "data.object.charge")?,
        payment_intent: optional_expandable(dp, "payment_intent", "data.object.payment_intent")?,
        amount: money(dp, "amount", "data.object.amount", "data.object.currency")?,
        change,
        status: status.to_owned(),
        reason: text(dp, "reason", "data.object.reason")?,
    })
}

fn invalid(field: &'static str, reason: &str) -> EventError {
    EventError::Invalid { field, reason: reason.to_owned() }
}

/// A field that is there and not `null`: Stripe uses both for "none".
fn present<'a>(obj: &'a Object, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn required<'a>(obj: &'a Object, key: &str, path: &'static str) -> Result<&'a Value, EventError> {
    present(obj, key).ok_or(EventError::Missing(path))
}

fn object<'a>(value: &'a Value, path: &'static str) -> Result<&'a Object, EventError> {
    value.as_object().ok_or_else(|| invalid(path, "is not an object"))
}

fn string<'a>(value: &'a Value, path: &'static str) -> Result<&'a str, EventError> {
    value.as_str().ok_or_else(|| invalid(path, "is not a string"))
}

/// Optional free text: absent, `null` and `""` are all none.
fn text(obj: &Object, key: &str, path: &'static str) -> Result<Option<String>, EventError> {
    match present(obj, key) {
        None => Ok(None),
        Some(value) => Ok(Some(string(value, path)?).filter(|s| !s.is_empty()).map(str::to_owned)),
    }
}

fn reference(value: &Value, path: &'static str) -> Result<ProcessorRef, EventError> {
    ProcessorRef::parse(string(value, path)?).map_err(|e| EventError::Invalid { field: path, reason: e.to_string() })
}

/// A Stripe "expandable" field: an id, or the expanded object with its `id`.
fn expandable(value: &Value, path: &'static str) -> Result<ProcessorRef, EventError> {
    match value {
        Value::String(_) => reference(value, path),
        Value::Object(o) => reference(present(o, "id").ok_or_else(|| invalid(path, "has no id"))?, path),
        _ => Err(invalid(path, "is neither an id nor an object with an id")),
    }
}

fn optional_expandable(obj: &Object, key: &str, path: &'static str) -> Result<Option<ProcessorRef>, EventError> {
    present(obj, key).map(|v| expandable(v, path)).transpose()
}

/// When the object says what it is, it must be what the event type implies.
fn expect_object_type(obj: &Object, expected: &str) -> Result<(), EventError> {
    match present(obj, "object") {
        Some(v) if v.as_str() != Some(expected) => {
            Err(EventError::Invalid { field: "data.object.object", reason: format!("is not \"{expected}\"") })
        }
        _ => Ok(()),
    }
}

/// Integer minor units, converted with the currency's exponent (Stripe
/// sends lowercase codes: `jpy` 2000 is ¥2000, `usd` 2000 is $20.00).
fn money(obj: &Object, key: &str, path: &'static str, currency_path: &'static str) -> Result<Money, EventError> {
    let amount = required(obj, key, path)?;
    let units = match amount.as_i64() {
        Some(units) if units >= 0 => units,
        Some(_) => return Err(invalid(path, "is negative")),
        None if amount.is_u64() => return Err(invalid(path, "is too large")),
        None => return Err(invalid(path, "is not an integer number of minor units")),
    };
    let code = string(required(obj, "currency", currency_path)?, currency_path)?;
    let currency = Currency::parse(&code.to_ascii_uppercase()).map_err(|e| EventError::Invalid {
        field: currency_path,
        reason: e.to_string(),
    })?;
    Money::from_minor(units, currency).map_err(|e| EventError::Invalid { field: path, reason: e.to_string() })
}

fn push_new(list: &mut Vec<ProcessorRef>, item: ProcessorRef) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests;
