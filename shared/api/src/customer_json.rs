//! The contract's customer JSON: parsing a create request, rendering one.

use chrono::{DateTime, Utc};
use o2c_domain::customer::{BillingAddress, CountryCode, Customer, EmailStatus, Locale, PaymentTerms, PaymentTermsFields, TimeZone, CC_MAX};
use o2c_domain::ids::CustomerId;
use o2c_domain::money::{Currency, Money};
use o2c_domain::text::{BoundedText, Email};
use serde_json::{json, Map, Value};

use crate::fields::{metadata, FieldError, Fields};
use crate::ApiError;

const CREATE_FIELDS: &[&str] = &[
    "name", "email", "cc", "currency", "payment_terms", "locale", "time_zone", "billing_address", "tax_id", "credit_limit", "external_id", "metadata",
];

/// Parses `POST /v1/customers`, reporting every invalid field at once.
pub fn parse_new_customer(body: &Map<String, Value>, id: CustomerId, now: DateTime<Utc>) -> Result<Customer, ApiError> {
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(CREATE_FIELDS);
    let name = f.required("name", BoundedText::<256>::parse);
    let email = f.required("email", Email::parse);
    let currency = f.required("currency", Currency::parse);
    let locale = f.optional("locale", Locale::parse).unwrap_or_default();
    let time_zone = f.optional("time_zone", TimeZone::parse).unwrap_or_default();
    let tax_id = f.optional("tax_id", BoundedText::<64>::parse);
    let external_id = f.optional("external_id", BoundedText::<128>::parse);
    let metadata = metadata(&mut f, "metadata");

    let mut cc = Vec::new();
    if let Some(list) = f.optional_array("cc") {
        if list.len() > CC_MAX {
            f.error("cc", format!("has more than {CC_MAX} addresses"));
        }
        for (i, v) in list.iter().enumerate() {
            match v.as_str().map(Email::parse) {
                Some(Ok(e)) => cc.push(e),
                Some(Err(e)) => f.error(&format!("cc[{i}]"), e.to_string()),
                None => f.error(&format!("cc[{i}]"), "must be a string"),
            }
        }
    }

    let payment_terms = match f.raw("payment_terms") {
        None => PaymentTerms::default(),
        Some(v) => match serde_json::from_value::<PaymentTermsFields>(v.clone()) {
            Ok(fields) => match PaymentTerms::try_from(fields) {
                Ok(t) => t,
                Err(e) => {
                    f.error("payment_terms", e.to_string());
                    PaymentTerms::default()
                }
            },
            Err(e) => {
                f.error("payment_terms", format!("must be {{\"net_days\", \"discount_percent\", \"discount_days\"}}: {e}"));
                PaymentTerms::default()
            }
        },
    };

    let billing_address = f.optional_object("billing_address").and_then(|m| parse_address(m, f.errors()));

    let credit_limit = match (f.raw("credit_limit"), currency) {
        (Some(Value::String(s)), Some(c)) => match Money::parse(s, c) {
            Ok(m) if !m.is_negative() => Some(m),
            Ok(_) => {
                f.error("credit_limit", "must not be negative");
                None
            }
            Err(e) => {
                f.error("credit_limit", e.to_string());
                None
            }
        },
        (Some(Value::String(_)), None) => None,
        (Some(_), _) => {
            f.error("credit_limit", "must be a decimal string such as \"5000.00\"");
            None
        }
        (None, _) => None,
    };

    match (name, email, currency, errors.is_empty()) {
        (Some(name), Some(email), Some(currency), true) => Ok(Customer {
            id,
            name,
            email,
            cc,
            currency,
            payment_terms,
            locale,
            time_zone,
            billing_address,
            tax_id,
            credit_limit,
            external_id,
            metadata,
            balance: Money::zero(currency),
            credit_balance: Money::zero(currency),
            credit_hold: false,
            email_status: EmailStatus::Ok,
            created_at: now,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

fn parse_address(m: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<BillingAddress> {
    let mut f = Fields::new(m, "billing_address", errors);
    f.deny_unknown(&["line1", "line2", "city", "postal_code", "region", "country"]);
    let line1 = f.optional("line1", BoundedText::<200>::parse);
    let line2 = f.optional("line2", BoundedText::<200>::parse);
    let city = f.optional("city", BoundedText::<128>::parse);
    let postal_code = f.optional("postal_code", BoundedText::<32>::parse);
    let region = f.optional("region", BoundedText::<128>::parse);
    let country = f.required("country", CountryCode::parse)?;
    Some(BillingAddress { line1, line2, city, postal_code, region, country })
}

pub fn render_customer(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "object": "customer",
        "name": c.name,
        "email": c.email,
        "cc": c.cc,
        "currency": c.currency,
        "payment_terms": c.payment_terms,
        "locale": c.locale,
        "time_zone": c.time_zone,
        "billing_address": c.billing_address,
        "tax_id": c.tax_id,
        "credit_limit": c.credit_limit.map(|m| m.to_string()),
        "external_id": c.external_id,
        "metadata": c.metadata,
        "balance": c.balance.to_string(),
        "credit_balance": c.credit_balance.to_string(),
        "credit_hold": c.credit_hold,
        "email_status": c.email_status,
        "created_at": c.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Customer, ApiError> {
        parse_new_customer(v.as_object().unwrap(), CustomerId::from_ulid(Default::default()), Utc::now())
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let err = parse(json!({"email": "nope", "currency": "usd", "cc": ["a@b.co", 5], "payment_terms": {"net_days": 10, "discount_percent": "2", "discount_days": 20}, "billing_address": {"country": "germany"}, "colour": "red"})).unwrap_err();
        let ApiError::Validation(errors) = err else { panic!("expected validation") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in ["colour", "name", "email", "currency", "cc[1]", "payment_terms", "billing_address.country"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn a_minimal_customer_gets_the_contract_defaults() {
        let c = parse(json!({"name": "Acme", "email": "ap@acme.example", "currency": "EUR"})).unwrap();
        assert_eq!(c.locale.as_str(), "en");
        assert_eq!(c.time_zone.to_string(), "UTC");
        assert_eq!(c.payment_terms.net_days(), 30);
        let out = render_customer(&c);
        assert_eq!(out["balance"], "0.00");
        assert_eq!(out["email_status"], "ok");
    }
}
